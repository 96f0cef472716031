/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * verifier internals: the pseudorandom locations of a sampling plan before the edges and the must
 * extents are added and everything is merged. Exposed to the unit tests, which check each location
 * against its slot — a merged plan no longer shows where one location ends and the next begins.
 */

#include "verifier.h"

/* How one subsection of subsection_sectors is sampled: n_locations locations of location_sectors
 * each, location i somewhere inside slot i = [i·slot_sectors, (i+1)·slot_sectors) of the
 * subsection. */
struct verify_layout {
        uint64_t n_locations;
        uint64_t location_sectors;
        uint64_t slot_sectors;
};

/* The layout of a subsection (rules in plan.c). -ERANGE when the locations cannot fit their slots
 * (percent at or near 100 %): such a plan reads everything instead. -EINVAL for bad arguments. */
int verify_subsection_layout(uint64_t subsection_sectors, uint32_t sector_bytes, double percent,
                             struct verify_layout *ret);

/* The pseudorandom part of a plan. */
struct verify_sampling {
        bool is_full; /* nothing to sample: the plan reads everything */
        size_t n_subsections;
        uint64_t subsection_bytes;       /* every subsection but the last, which takes the rest */
        struct verify_extent *locations; /* subsection order, slot order within; not merged */
        size_t n_locations;
};

int verify_sampling_build(uint64_t device_bytes, uint32_t sector_bytes, double percent, uint64_t seed,
                          struct verify_sampling *ret);
void verify_sampling_done(struct verify_sampling *s);

/* ---- proof (proof.c) ---------------------------------------------------------------------------- */

#include <stdatomic.h>

/* Reads the plan's sectors in order, calling visit with each (buf NULL: unreadable). */
int proof_read_sectors(int fd, const struct verify_plan *plan, uint32_t sector,
                       int (*visit)(void *userdata, uint64_t index, uint64_t lba, const uint8_t *buf),
                       void *userdata, _Atomic uint64_t *bytes_done, bool (*is_stopping)(void *), void *stop_userdata);

/* The comparison of a proof, into res (proof, mismatches, bytes_read) and unreadable. -EINTR when
 * stopped. */
int verify_proof_read(int fd, const struct disk_identity *id, const struct verify_fingerprint *before,
                      enum verify_expect_kind kind, const struct wipe_pattern *pattern, struct verify_result *res,
                      struct wipe_range_list *unreadable, _Atomic uint64_t *bytes_done,
                      bool (*is_stopping)(void *), void *stop_userdata);
