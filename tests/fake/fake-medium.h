/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The medium behind a fake drive (tests only): the fake drives in tests/fake model a drive's
 * command state machine (no real SANITIZE/SECURITY/TCG drive can run on these machines or in
 * QEMU), and when given a medium they do to it what the drive would — fill it with zeros, a
 * pattern or random bytes — or, as a lying drive, nothing. The medium is a real file or loop
 * device, so kesu's fingerprint and verification read real bytes afterwards.
 */

#include <stdbool.h>
#include <stdint.h>

enum fake_fill {
        FAKE_FILL_NOTHING, /* a lying drive: reports success, changes nothing */
        FAKE_FILL_ZERO,
        FAKE_FILL_ONES,
        FAKE_FILL_PATTERN, /* a 32-bit pattern, little-endian, repeated */
        FAKE_FILL_RANDOM,  /* what a crypto erase leaves: data read under a new key */
};

struct fake_medium {
        int fd; /* -1: no medium (the state machine alone) */
        uint64_t bytes;
};

/* Fills the whole medium. 0 or -errno. A medium with fd -1 is left alone (0). */
int fake_medium_fill(const struct fake_medium *m, enum fake_fill fill, uint32_t pattern);

/* What a fake drive's erase does to its medium, if it has one (fd >= 0 and bytes > 0; without, the
 * state machine runs alone): fake_medium_fill(), counting in *fills each fill that took effect and
 * keeping a failure in *error (the drive's answer then reports it). */
void fake_medium_erase(const struct fake_medium *m, enum fake_fill fill, uint32_t pattern, int *error,
                       unsigned *fills);
