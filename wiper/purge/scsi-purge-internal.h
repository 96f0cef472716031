/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The SCSI purge files' shared helpers (scsi-purge.c) and the two operations (scsi-sanitize.c,
 * scsi-format.c) that scsi_purge_run() dispatches to. Internal to wiper/purge.
 */

#include <stddef.h>
#include <stdint.h>

#include "purge-internal.h"
#include "scsi-cmd.h"
#include "sense.h"

/* Additional sense codes the purge flows act on (SPC-5 Annex F), as (ASC << 8) | ASCQ. */
enum {
        SCSI_ASC_FORMAT_IN_PROGRESS = 0x0404,   /* LOGICAL UNIT NOT READY, FORMAT IN PROGRESS */
        SCSI_ASC_SANITIZE_IN_PROGRESS = 0x041b, /* LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS */
        SCSI_ASC_INVALID_OPCODE = 0x2000,
        SCSI_ASC_INVALID_FIELD_IN_CDB = 0x2400,
        SCSI_ASC_COMMAND_SEQUENCE_ERROR = 0x2c00,
        SCSI_ASC_MEDIUM_FORMAT_CORRUPTED = 0x3100,
        SCSI_ASC_SANITIZE_FAILED = 0x3103, /* SANITIZE COMMAND FAILED */
};

static inline unsigned scsi_purge_asc(const struct scsi_sense *s)
{
        return (unsigned)s->asc << 8 | s->ascq;
}

/* REQUEST SENSE, parsed. Asks for descriptor format while *is_desc (the flows' choice) and falls
 * back to fixed format for good (*is_desc = false) when the device rejects DESC=1. Sense data with
 * no response code (an all-zero answer) reads as NO SENSE. -errno, or -EREMOTEIO with *ret_reply
 * (when not NULL) when REQUEST SENSE itself is not GOOD. */
int scsi_purge_request_sense(const struct cmd_transport *t, bool *is_desc, struct scsi_sense *ret,
                             struct cmd_reply *ret_reply);

/* "sense key NOT READY (2h), ASC/ASCQ 04h/1Bh (sanitize in progress), progress 50%" into buf; "no
 * sense" for NO SENSE without additional sense or progress. */
void scsi_purge_sense_text(const struct scsi_sense *s, char *buf, size_t n);

/* Fills ret->error/error_text for a failed command: a transport -errno, or PURGE_ERR_REFUSED with the
 * status and sense for -EREMOTEIO. Returns ret->error. */
int scsi_purge_command_failed(const char *what, int r, const struct cmd_reply *reply,
                              struct purge_report *ret);

/* Polls REQUEST SENSE while it shows an operation in progress (NOT READY, 04h/ascq_in_progress, or
 * NO SENSE with a progress indication), calling o->progress; waits an interval before each request
 * when is_wait_first. Unit attentions are read through. *last is the last sense (also on
 * interruption); *ret_polls_in_progress counts the answers that showed the operation running. */
int scsi_purge_poll(const struct cmd_transport *t, const struct purge_run_options *o,
                    uint8_t ascq_in_progress, bool is_wait_first, bool *is_desc, struct scsi_sense *last,
                    unsigned *ret_polls_in_progress, struct purge_report *ret);

/* The operations; ret is already reset with method and started_ns; they set everything else but
 * ended_ns, and return ret->error. */
int scsi_purge_sanitize(const struct cmd_transport *t, enum purge_method method,
                        const struct purge_run_options *o, struct purge_report *ret);
int scsi_purge_format(const struct cmd_transport *t, const struct purge_run_options *o,
                      struct purge_report *ret);
