/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the three purge families (ata-*.c, nvme-*.c, scsi-*.c) and purge.c share: the frame of a run
 * (report reset and timed, the capability check, the closing rule), the wait between status polls,
 * and appending to a report's fixed text fields. Internal to wiper/purge; the families' own
 * *-purge-internal.h include it.
 */

#include <stdbool.h>
#include <stddef.h>

#include "purge.h"

/* Between status polls when purge_run_options.poll_interval_ms is 0. */
#define PURGE_DEFAULT_POLL_MS 1000u

/* Appends printf-style text to a fixed, NUL-terminated buffer of n bytes (truncating). */
void purge_append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sleeps one poll interval of o (0: PURGE_DEFAULT_POLL_MS); a signal does not cut it short. false
 * when o's stop flag is raised before or during the sleep, or is up at its end. */
bool purge_wait(const struct purge_run_options *o);

/* Starts a run: *ret reset to method with started_ns (CLOCK_REALTIME). Returns o, or all-default
 * options when o is NULL. */
const struct purge_run_options *purge_run_begin(enum purge_method method, const struct purge_run_options *o,
                                                struct purge_report *ret);

/* The rule before any command: method must be one caps (probed from a drive of family) supports.
 * 0 when it is; otherwise ret->error is PURGE_ERR_UNSUPPORTED with caps' why_not text, or fallback
 * where caps gives none, and that is returned. */
int purge_check_supported(const struct purge_caps *caps, enum purge_family family, enum purge_method method,
                          const char *fallback, struct purge_report *ret);

/* Ends a run with error (0, -errno or PURGE_ERR_*): ended_ns, and never success without the drive's
 * word — 0 without ret->is_completed becomes PURGE_ERR_NOT_DONE. Sets and returns ret->error. */
int purge_run_end(int error, struct purge_report *ret);
