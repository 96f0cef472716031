/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The NVMe purge files' shared helpers (nvme-purge.c) and the two operations (nvme-sanitize.c,
 * nvme-format.c) that nvme_purge_run() dispatches to. Internal to wiper/purge.
 */

#include <stddef.h>
#include <stdint.h>

#include "nvme-cmd.h"
#include "purge-internal.h"

/* Identify Controller alone, parsed (the namespace is not needed to decide a sanitize). */
int nvme_purge_identify_ctrl(const struct cmd_transport *t, struct nvme_ctrl_identity *ret);

/* Reads and decodes the Sanitize Status log (81h), RAE set: polling must not consume the Sanitize
 * Operation Completed event another tool may wait for. -EREMOTEIO with *ret_reply for a non-zero
 * status; *ret_reply may be NULL. */
int nvme_purge_read_sanitize_log(const struct cmd_transport *t, struct nvme_sanitize_status *ret,
                                 struct cmd_reply *ret_reply);

/* "Sanitize: NVMe status 002h Invalid Field in Command (DNR)" into buf, for a non-zero status field. */
void nvme_purge_status_text(const char *what, uint16_t status_field, char *buf, size_t n);

/* "SSTAT completed, SPROG 65535, SCDW10 0x0000000c, global data erased" into buf. */
void nvme_purge_sanitize_status_text(const struct nvme_sanitize_status *s, char *buf, size_t n);

/* Fills ret->error/error_text for a failed command: a transport -errno, or PURGE_ERR_REFUSED with the
 * NVMe status for -EREMOTEIO. Returns ret->error. */
int nvme_purge_command_failed(const char *what, int r, const struct cmd_reply *reply,
                              struct purge_report *ret);

/* The operations; ret is already reset with method and started_ns; they set everything else but
 * ended_ns, and return ret->error. */
int nvme_purge_sanitize(const struct cmd_transport *t, enum purge_method method,
                        const struct purge_run_options *o, struct purge_report *ret);
int nvme_purge_format(const struct cmd_transport *t, enum purge_method method,
                      const struct purge_run_options *o, struct purge_report *ret);
