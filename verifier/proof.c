/* SPDX-License-Identifier: MIT */
/*
 * Proof that a drive really ran its purge: before the command, hash a NIST sample of sectors (the
 * fingerprint); after it, read the same sectors. A sector that still holds what it held — data, not
 * a blank — proves the drive did not erase it (QEMU's SCSI disk answers FORMAT UNIT with GOOD and
 * erases nothing; some drives did the same with NVMe Format SES=0). What the sectors must hold
 * after depends on the command: the pattern, one repeated byte, or merely something else.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "verifier-internal.h"

#define PROOF_BUFFER_BYTES (1u << 20)
#define PROOF_ALIGN        4096u

const char *verify_expect_kind_to_string(enum verify_expect_kind k)
{
        switch (k) {
        case VERIFY_EXPECT_PATTERN:
                return "pattern";
        case VERIFY_EXPECT_UNIFORM:
                return "uniform";
        case VERIFY_EXPECT_CHANGED:
                return "changed";
        }
        return "unknown";
}

void verify_digest_hex(const uint8_t digest[VERIFY_DIGEST_BYTES], char out[2 * VERIFY_DIGEST_BYTES + 1])
{
        sodium_bin2hex(out, 2 * VERIFY_DIGEST_BYTES + 1, digest, VERIFY_DIGEST_BYTES);
}

static bool is_uniform(const uint8_t *p, size_t n)
{
        return n == 0 || (p[0] == p[n - 1] && memcmp(p, p + 1, n - 1) == 0);
}

/* Reads every sector of plan in order; calls visit for each (buf NULL: unreadable). Sector reads
 * are retried one by one when a larger read fails. Stops early when *stop is set. */
int proof_read_sectors(int fd, const struct verify_plan *plan, uint32_t sector,
                       int (*visit)(void *userdata, uint64_t index, uint64_t lba, const uint8_t *buf),
                       void *userdata, _Atomic uint64_t *bytes_done, bool (*is_stopping)(void *), void *stop_userdata)
{
        uint8_t *buf = aligned_alloc(PROOF_ALIGN, PROOF_BUFFER_BYTES);
        if (!buf)
                return -ENOMEM;
        int r = 0;
        uint64_t index = 0;
        for (size_t e = 0; e < plan->n_extents && r >= 0; e++) {
                const struct verify_extent *x = &plan->extents[e];
                uint64_t end = x->offset + x->len - (x->offset + x->len) % sector;
                for (uint64_t off = x->offset; off < end && r >= 0;) {
                        if (is_stopping && is_stopping(stop_userdata)) {
                                r = -EINTR;
                                break;
                        }
                        size_t n = end - off < PROOF_BUFFER_BYTES ? (size_t)(end - off) : PROOF_BUFFER_BYTES;
                        ssize_t got = pread(fd, buf, n, (off_t)off);
                        if (got == (ssize_t)n) {
                                for (size_t o = 0; o < n && r >= 0; o += sector)
                                        r = visit(userdata, index++, (off + o) / sector, buf + o);
                        } else {
                                for (size_t o = 0; o < n && r >= 0; o += sector) {
                                        ssize_t one = pread(fd, buf, sector, (off_t)(off + o));
                                        r = visit(userdata, index++, (off + o) / sector,
                                                  one == (ssize_t)sector ? buf : NULL);
                                }
                        }
                        if (bytes_done)
                                atomic_fetch_add(bytes_done, n);
                        off += n;
                }
        }
        free(buf);
        return r;
}

struct take_state {
        struct verify_fingerprint *f;
        uint32_t sector;
};

static int take_visit(void *userdata, uint64_t index, uint64_t lba, const uint8_t *buf)
{
        (void)lba;
        struct take_state *ts = userdata;
        struct verify_fingerprint *f = ts->f;
        if (index >= f->n_sectors)
                return -ERANGE;
        if (!buf) {
                f->flags[index] = VERIFY_SECTOR_UNREADABLE;
                memset(f->hashes[index], 0, VERIFY_SECTOR_HASH_BYTES);
                f->n_unreadable++;
                return 0;
        }
        crypto_generichash(f->hashes[index], VERIFY_SECTOR_HASH_BYTES, buf, ts->sector, NULL, 0);
        if (is_uniform(buf, ts->sector)) {
                f->flags[index] = VERIFY_SECTOR_UNIFORM;
                f->n_uniform++;
        }
        return 0;
}

static void fingerprint_digest(uint8_t (*hashes)[VERIFY_SECTOR_HASH_BYTES], uint64_t n, uint8_t out[VERIFY_DIGEST_BYTES])
{
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, VERIFY_DIGEST_BYTES);
        crypto_generichash_update(&st, (const uint8_t *)hashes, n * VERIFY_SECTOR_HASH_BYTES);
        crypto_generichash_final(&st, out, VERIFY_DIGEST_BYTES);
}

int verify_fingerprint_take(const struct disk_identity *id, uint64_t seed, const struct verify_extent *must,
                            size_t n_must, struct verify_fingerprint *ret)
{
        if (sodium_init() < 0)
                return -EIO;
        uint32_t sector = id->logical_sector_bytes;
        struct verify_fingerprint f = { 0 };
        int r = verify_plan_build(id->size_bytes, sector, VERIFY_FINGERPRINT_PERCENT, seed, must, n_must, &f.plan);
        if (r < 0)
                return r;
        f.n_sectors = f.plan.planned_bytes / sector;
        f.hashes = calloc(f.n_sectors ? f.n_sectors : 1, VERIFY_SECTOR_HASH_BYTES);
        f.flags = calloc(f.n_sectors ? f.n_sectors : 1, 1);
        struct disk_handle h = { .fd = -1, .tail_fd = -1 };
        if (!f.hashes || !f.flags) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = disk_handle_open(id, false, &h)) < 0)
                goto fail;
        struct take_state ts = { .f = &f, .sector = sector };
        r = proof_read_sectors(h.fd, &f.plan, sector, take_visit, &ts, NULL, NULL, NULL);
        disk_handle_close(&h);
        if (r < 0)
                goto fail;
        if (f.n_unreadable == f.n_sectors) {
                r = -EIO;
                goto fail;
        }
        fingerprint_digest(f.hashes, f.n_sectors, f.digest);
        f.taken_ns = now_realtime_ns();
        *ret = f;
        return 0;
fail:
        verify_fingerprint_done(&f);
        return r;
}

void verify_fingerprint_done(struct verify_fingerprint *f)
{
        if (!f)
                return;
        verify_plan_done(&f->plan);
        free(f->hashes);
        free(f->flags);
        *f = (struct verify_fingerprint){ 0 };
}

/* ---- after: the comparison (run on the verify job's thread) ------------------------------------ */

struct compare_state {
        const struct verify_fingerprint *before;
        struct verify_result *res;
        struct wipe_range_list *unreadable;
        uint8_t (*after)[VERIFY_SECTOR_HASH_BYTES];
        uint32_t sector;
        uint8_t *expected; /* PATTERN: one sector of what must be there */
        struct wipe_pattern_stream *stream;
        const struct wipe_pattern *pattern;
};

static int record(struct verify_result *res, uint64_t lba, const uint8_t *found, const uint8_t *expected, size_t n)
{
        res->sectors_mismatched++;
        if (res->n_mismatches >= VERIFY_MAX_MISMATCH_RUNS) {
                res->is_mismatch_list_truncated = true;
                return 0;
        }
        if (res->n_mismatches > 0 && res->mismatches[res->n_mismatches - 1].last_lba + 1 == lba) {
                res->mismatches[res->n_mismatches - 1].last_lba = lba;
                return 0;
        }
        struct verify_mismatch *m = realloc(res->mismatches, (res->n_mismatches + 1) * sizeof *m);
        if (!m)
                return -ENOMEM;
        res->mismatches = m;
        verify_mismatch_init(lba, found, expected, n, &m[res->n_mismatches++]);
        return 0;
}

static int compare_visit(void *userdata, uint64_t index, uint64_t lba, const uint8_t *buf)
{
        struct compare_state *cs = userdata;
        struct verify_result *res = cs->res;
        struct verify_proof *p = &res->proof;
        if (index >= cs->before->n_sectors)
                return -ERANGE;
        if (!buf) {
                memset(cs->after[index], 0, VERIFY_SECTOR_HASH_BYTES);
                return wipe_range_add(cs->unreadable, 0, lba * cs->sector, cs->sector, cs->sector);
        }
        res->bytes_read += cs->sector;
        res->sectors_compared++;
        p->sectors_compared++;
        crypto_generichash(cs->after[index], VERIFY_SECTOR_HASH_BYTES, buf, cs->sector, NULL, 0);
        bool is_uniform_now = is_uniform(buf, cs->sector);
        uint8_t flags = cs->before->flags[index];
        bool is_same = !(flags & VERIFY_SECTOR_UNREADABLE) &&
                       memcmp(cs->after[index], cs->before->hashes[index], VERIFY_SECTOR_HASH_BYTES) == 0;
        if (is_uniform_now)
                p->sectors_uniform_after++;
        if (flags & VERIFY_SECTOR_UNIFORM)
                p->sectors_blank_before++;
        if (is_same && !(flags & VERIFY_SECTOR_UNIFORM)) {
                p->sectors_unchanged++;
                return record(res, lba, buf, buf, cs->sector); /* found = expected: "as before" */
        }
        switch (p->kind) {
        case VERIFY_EXPECT_UNIFORM:
                if (!is_uniform_now) {
                        p->sectors_unexpected++;
                        memset(cs->expected, buf[0], cs->sector);
                        return record(res, lba, buf, cs->expected, cs->sector);
                }
                break;
        case VERIFY_EXPECT_PATTERN: {
                int r = wipe_pattern_fill(cs->stream, lba * cs->sector, cs->expected, cs->sector);
                if (r < 0)
                        return r;
                if (memcmp(buf, cs->expected, cs->sector) != 0) {
                        p->sectors_unexpected++;
                        return record(res, lba, buf, cs->expected, cs->sector);
                }
                break;
        }
        case VERIFY_EXPECT_CHANGED:
                break;
        }
        return 0;
}

int verify_proof_read(int fd, const struct disk_identity *id, const struct verify_fingerprint *before,
                      enum verify_expect_kind kind, const struct wipe_pattern *pattern, struct verify_result *res,
                      struct wipe_range_list *unreadable, _Atomic uint64_t *bytes_done,
                      bool (*is_stopping)(void *), void *stop_userdata)
{
        uint32_t sector = id->logical_sector_bytes;
        if (sector != before->plan.sector_bytes)
                return -ESTALE;
        struct compare_state cs = { .before = before, .res = res, .unreadable = unreadable, .sector = sector,
                                    .pattern = pattern };
        res->proof.is_proof = true;
        res->proof.kind = kind;
        memcpy(res->proof.digest_before, before->digest, VERIFY_DIGEST_BYTES);
        cs.after = calloc(before->n_sectors ? before->n_sectors : 1, VERIFY_SECTOR_HASH_BYTES);
        cs.expected = malloc(sector);
        int r = -ENOMEM;
        if (!cs.after || !cs.expected)
                goto out;
        if (kind == VERIFY_EXPECT_PATTERN && (r = wipe_pattern_stream_new(pattern, &cs.stream)) < 0)
                goto out;
        r = proof_read_sectors(fd, &before->plan, sector, compare_visit, &cs, bytes_done, is_stopping, stop_userdata);
        if (r >= 0)
                fingerprint_digest(cs.after, before->n_sectors, res->proof.digest_after);
out:
        wipe_pattern_stream_free(cs.stream);
        free(cs.after);
        free(cs.expected);
        return r;
}
