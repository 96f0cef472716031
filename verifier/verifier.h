/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * verifier: proof that erased data cannot be read back. Sampling plans (NIST SP 800-88 §4.7),
 * read-back against the expected-content model (a wipe pattern regenerated at any offset — no
 * copy of what was written is kept), residual-signature probing with libblkid, and the statistics
 * a clean sample supports. Uses wiper/ and common/ only. Quiet engine code: returns 0 or -errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wiper.h"

/* ---- sampling plans ------------------------------------------------------------------------ */

/* A byte range of the device. */
struct verify_extent {
        uint64_t offset;
        uint64_t len;
};

#define VERIFY_MIN_SUBSECTIONS          1000u
#define VERIFY_LOCATIONS_PER_SUBSECTION 2u
#define VERIFY_DEFAULT_PERCENT          10.0
#define VERIFY_EDGE_BYTES               (1u << 20) /* partition-table areas: first and last MiB */
#define VERIFY_MAX_LOCATION_BYTES       (1u << 20)

struct verify_plan {
        uint64_t seed; /* everything random in the plan derives from it */
        uint64_t device_bytes;
        uint32_t sector_bytes; /* every extent is aligned to it (but a file's odd tail) */
        double percent;        /* requested coverage */
        bool is_full;          /* the device is too small to sample: everything is read */
        size_t n_subsections;
        size_t n_locations;            /* pseudorandom locations (the independent samples) */
        struct verify_extent *extents; /* sorted by offset, non-overlapping, adjacent ones merged */
        size_t n_extents;
        uint64_t planned_bytes; /* sum of extent lengths */
};

/*
 * Builds the sampling plan of NIST SP 800-88 §4.7 for a device of device_bytes with sectors of
 * sector_bytes, deterministically from seed:
 *  - split the addressable space into n = max(1000, …) equal subsections (whole sectors; the last
 *    one takes the remainder);
 *  - in each, k ≥ 2 non-overlapping pseudorandom locations: the subsection is cut into k equal
 *    slots and one location of equal length is placed at a pseudorandom sector-aligned position
 *    inside each slot, the length chosen so that the locations reach percent of the subsection
 *    (k grows so that no location exceeds VERIFY_MAX_LOCATION_BYTES);
 *  - plus the first and last VERIFY_EDGE_BYTES (partition tables, the first and last addressable
 *    blocks) and every extent in must (e.g. the first and last MiB of each partition found before
 *    the wipe), clipped to the device and aligned outward to sectors;
 *  - sorted and merged. A device too small for 1000 subsections of k locations of one sector is
 *    read whole (is_full).
 * The pseudorandom generator is splitmix64 seeded with seed, drawn once per location in subsection
 * order, so anyone can rebuild the plan from (device_bytes, sector_bytes, percent, seed).
 * -EINVAL for percent outside (0, 100], sector_bytes not a power of two ≥ 512, or device_bytes 0.
 */
int verify_plan_build(uint64_t device_bytes, uint32_t sector_bytes, double percent, uint64_t seed,
                      const struct verify_extent *must, size_t n_must, struct verify_plan *ret);

/* A plan that reads everything (full mode). */
int verify_plan_full(uint64_t device_bytes, uint32_t sector_bytes, struct verify_plan *ret);

void verify_plan_done(struct verify_plan *p);

/* The next value of splitmix64 (state advanced in place): the plan's documented generator. */
uint64_t verify_splitmix64(uint64_t *state);

/* ---- statistics ----------------------------------------------------------------------------- */

/* With n clean independent samples, the fraction of the device left unerased is below
 * 1 - (1 - confidence)^(1/n) at the given confidence. 1.0 for n = 0. */
double verify_unerased_bound(size_t n_clean_samples, double confidence);

/* ---- read-back --------------------------------------------------------------------------------- */

enum verify_mode { VERIFY_MODE_SAMPLE, VERIFY_MODE_FULL };
const char *verify_mode_to_string(enum verify_mode m);

#define VERIFY_CONFIDENCE        0.99
#define VERIFY_FOUND_BYTES       16
#define VERIFY_MAX_MISMATCH_RUNS 10000u

/* A run of sectors that did not hold what the pattern says, with the bytes found where the first
 * sector of the run first differs, and what the pattern has there. */
struct verify_mismatch {
        uint64_t first_lba;
        uint64_t last_lba;                 /* inclusive */
        uint8_t found[VERIFY_FOUND_BYTES]; /* from byte offset_in_sector of first_lba on */
        size_t n_found;
        uint32_t offset_in_sector;            /* the first byte of first_lba that differs */
        uint8_t expected[VERIFY_FOUND_BYTES]; /* the pattern's n_found bytes at that place */
};

/* One mismatching sector at lba: found and expected are its n bytes as read and as they should
 * be. Records the first differing byte's offset and up to VERIFY_FOUND_BYTES from there of both.
 * Pure. */
void verify_mismatch_init(uint64_t lba, const uint8_t *found, const uint8_t *expected, size_t n,
                          struct verify_mismatch *ret);

/* ---- proof of a purge: a fingerprint before, the same sectors after ---------------------------- */

#define VERIFY_SECTOR_HASH_BYTES 16 /* BLAKE2b-128 of one sector */
#define VERIFY_DIGEST_BYTES      32
/* The fingerprint's plan: NIST SP 800-88 §4.7 locations of one sector each (the smallest coverage a
 * plan can have), the first and last MiB and the partition areas. */
#define VERIFY_FINGERPRINT_PERCENT 0.0001

/* What the sampled sectors held before a purge. */
struct verify_fingerprint {
        struct verify_plan plan;
        uint64_t n_sectors;
        uint8_t (*hashes)[VERIFY_SECTOR_HASH_BYTES]; /* per sector, in plan order */
        uint8_t *flags;                              /* per sector: VERIFY_SECTOR_* */
        uint64_t n_uniform;                          /* sectors of one repeated byte (e.g. zeros) */
        uint64_t n_unreadable;
        uint8_t digest[VERIFY_DIGEST_BYTES]; /* BLAKE2b-256 over the sector hashes: recorded */
        int64_t taken_ns;                    /* CLOCK_REALTIME */
};

enum {
        VERIFY_SECTOR_UNIFORM = 1u << 0,
        VERIFY_SECTOR_UNREADABLE = 1u << 1,
};

/* Reads and hashes the fingerprint sectors of the disk id (plan from seed and the must areas).
 * Read-only. -errno when the disk cannot be opened or nothing could be read. */
int verify_fingerprint_take(const struct disk_identity *id, uint64_t seed, const struct verify_extent *must,
                            size_t n_must, struct verify_fingerprint *ret);
void verify_fingerprint_done(struct verify_fingerprint *f);
/* Lower-case hex of the digest (65 bytes with the NUL). */
void verify_digest_hex(const uint8_t digest[VERIFY_DIGEST_BYTES], char out[2 * VERIFY_DIGEST_BYTES + 1]);

/* What a purge must leave in the fingerprinted sectors, besides "changed where there was data". */
enum verify_expect_kind {
        VERIFY_EXPECT_PATTERN, /* every byte as the pattern says (an overwrite, a sanitize overwrite) */
        VERIFY_EXPECT_UNIFORM, /* each sector one repeated byte (block erase, user data erase) */
        VERIFY_EXPECT_CHANGED, /* only: differs from before (crypto erase: unreadable ciphertext) */
};
const char *verify_expect_kind_to_string(enum verify_expect_kind k);

/* The comparison with the fingerprint, in struct verify_result. */
struct verify_proof {
        bool is_proof; /* this verification compared against a fingerprint */
        enum verify_expect_kind kind;
        uint64_t sectors_compared;
        uint64_t sectors_unchanged;    /* same as before although they held data then: FAIL */
        uint64_t sectors_blank_before; /* uniform before (zeros): a change cannot be shown there */
        uint64_t sectors_unexpected;   /* not uniform (UNIFORM) or not the pattern (PATTERN) */
        uint64_t sectors_uniform_after;
        uint8_t digest_before[VERIFY_DIGEST_BYTES];
        uint8_t digest_after[VERIFY_DIGEST_BYTES];
};

struct verify_request {
        struct wipe_pattern expect; /* what every byte must be (a RANDOM pattern carries its key) */
        /* A purge's proof: compare the fingerprint's sectors (its plan replaces mode/percent/seed)
         * with before, expecting expect_kind (PATTERN: expect). NULL: an ordinary read-back. */
        const struct verify_fingerprint *before;
        enum verify_expect_kind expect_kind;
        enum verify_mode mode;
        double percent; /* sample mode; 0: VERIFY_DEFAULT_PERCENT */
        uint64_t plan_seed;
        bool has_plan_seed;               /* false: a seed is drawn (and recorded) */
        const struct verify_extent *must; /* sample mode: areas always read (pre-wipe partitions) */
        size_t n_must;
        struct wipe_options io; /* engine, chunk size, queue depth */
};

struct verify_result {
        enum verify_mode mode;
        struct verify_plan plan;
        struct wipe_pattern expect;
        const char *engine;
        uint64_t bytes_read;
        uint64_t sectors_compared;
        uint64_t sectors_mismatched;
        struct verify_mismatch *mismatches; /* sorted, merged; at most VERIFY_MAX_MISMATCH_RUNS */
        size_t n_mismatches;
        bool is_mismatch_list_truncated;
        struct wipe_range *unreadable; /* pass 0 */
        size_t n_unreadable;
        char **residual; /* signatures still found, each named; NULL-terminated */
        size_t n_residual;
        double confidence;
        double unerased_bound;        /* 0 in full mode: every byte was read */
        int64_t started_ns, ended_ns; /* CLOCK_REALTIME */
        bool is_interrupted;
        int error; /* why the verification itself could not run, or 0 */
        struct verify_proof proof;
};

/* PASS: ran to the end, every sector read and as expected, no residual signature; for a proof also
 * no sector unchanged that held data before. */
bool verify_result_is_pass(const struct verify_result *r);

/* One target's verification on its own thread (read-only: never writes). */
struct verify_job;
int verify_job_new(const struct verify_request *req, const struct disk_identity *id,
                   struct verify_job **ret);
/* Opens the target for reading (O_DIRECT where possible). */
int verify_job_open(struct verify_job *j);
int verify_job_start(struct verify_job *j);
void verify_job_request_stop(struct verify_job *j);
void verify_job_progress(const struct verify_job *j, uint64_t *ret_bytes_done, uint64_t *ret_bytes_total,
                         bool *ret_is_done);
int verify_job_done_fd(const struct verify_job *j);
void verify_job_wait(struct verify_job *j);
const struct verify_result *verify_job_result(const struct verify_job *j);
struct verify_job *verify_job_free(struct verify_job *j);

/* ---- residual signatures ------------------------------------------------------------------------ */

/*
 * Probes the whole device with libblkid for every partition table and superblock it knows (file
 * systems, swap, RAID, LVM, LUKS), also at the given areas (where partitions were before the wipe),
 * and looks for GPT headers at both their primary (LBA 1) and backup (last LBA) places, which
 * libblkid ignores without a protective MBR. Each finding is one readable string, e.g.
 * "ext4 file system \"Accounting\" at byte 1048576". Read-only.
 */
int verify_residual_probe(const char *path, uint64_t size_bytes, uint32_t sector_bytes,
                          const struct verify_extent *areas, size_t n_areas, char ***ret_findings,
                          size_t *ret_n);

/* The first and last MiB (VERIFY_EDGE_BYTES) of every partition a disk held before its wipe, as
 * areas a sample must read (a whole-device file system starts in the first MiB, always read).
 * *ret is the caller's to free. */
int verify_partition_areas(const struct disk_content *c, struct verify_extent **ret, size_t *ret_n);
