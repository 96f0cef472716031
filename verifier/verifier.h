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

#define VERIFY_MIN_SUBSECTIONS 1000u
#define VERIFY_LOCATIONS_PER_SUBSECTION 2u
#define VERIFY_DEFAULT_PERCENT 10.0
#define VERIFY_EDGE_BYTES (1u << 20) /* partition-table areas: first and last MiB */
#define VERIFY_MAX_LOCATION_BYTES (1u << 20)

struct verify_plan {
        uint64_t seed;             /* everything random in the plan derives from it */
        uint64_t device_bytes;
        uint32_t sector_bytes;     /* every extent is aligned to it (but a file's odd tail) */
        double percent;            /* requested coverage */
        bool is_full;              /* the device is too small to sample: everything is read */
        size_t n_subsections;
        size_t n_locations;        /* pseudorandom locations (the independent samples) */
        struct verify_extent *extents; /* sorted by offset, non-overlapping, adjacent ones merged */
        size_t n_extents;
        uint64_t planned_bytes;    /* sum of extent lengths */
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
