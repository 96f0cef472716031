/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the purge flow tests (test-purge-ata.c, test-purge-nvme.c, test-purge-scsi.c) share: a
 * recorder for the run's progress calls, the run options that poll fast and report to it, and a
 * memfd medium holding known "old data" for a fake drive to erase, with checks of what it became.
 * Failures are cmocka assertions.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake-medium.h"
#include "purge.h"

/* ---- progress ------------------------------------------------------------------------------------ */

struct progress {
        unsigned calls;
        uint32_t last;
        bool is_monotonic;
        unsigned stop_after; /* raise stop at this many calls; 0: never */
        volatile sig_atomic_t stop;
};

/* Resets *p and returns options that poll every millisecond (NVMe namespace 1) and report to p. */
struct purge_run_options options(struct progress *p);

/* Makes o stop (its stop flag, kept in p) at the calls-th progress report. */
void stop_after(struct progress *p, struct purge_run_options *o, unsigned calls);

/* ---- the medium ---------------------------------------------------------------------------------- */

/* A 64 KiB medium holding "old data" (a known non-uniform content). */
struct fake_medium medium_new(void);
/* Closes the medium (a medium with fd -1 is left alone). */
void medium_close(struct fake_medium *m);

/* Still the old data. */
bool medium_is_old(const struct fake_medium *m);
/* The 32-bit pattern, little-endian, repeated (0: zeros). */
bool medium_is_pattern(const struct fake_medium *m, uint32_t pattern);
/* What a crypto erase leaves: not the old data, not zeros. */
bool medium_is_random(const struct fake_medium *m);
