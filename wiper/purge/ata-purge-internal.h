/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by the ATA purge files (ata-*.c): sending one ATA PASS-THROUGH(16) command and classifying
 * the drive's answer, IDENTIFY with the purge words, SANITIZE STATUS EXT, and each operation's entry.
 * Only wiper/purge/ata-*.c include this.
 */

#include "ata-cmd.h"
#include "purge-internal.h"
#include "sense.h"

/* The answer to one ATA PASS-THROUGH command: how it completed and the registers it returned. */
struct ata_answer {
        enum sense_result result; /* GOOD, ATA_COMPLETED (registers, no ERR), ATA_ABORTED, ... */
        uint8_t scsi_status;
        struct scsi_sense sense; /* zeroed when the command completed with GOOD and no sense */
        bool has_ata;
        struct ata_registers ata;
};

static inline bool ata_answer_is_ok(const struct ata_answer *a)
{
        return a->result == SENSE_RESULT_GOOD || a->result == SENSE_RESULT_ATA_COMPLETED;
}

/* Sends one CDB (SCSI or ATA PASS-THROUGH) and classifies the answer (fixed-format registers in
 * SENSE_ATA_LAYOUT_AUTO: decided from the bytes). 0 when the device answered, whatever it said
 * (*ret); -errno when no answer came (-EIO host/driver status, -ETIMEDOUT, -EBADMSG for sense that
 * cannot be parsed). */
int ata_send(const struct cmd_transport *t, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
             size_t buf_len, unsigned timeout_ms, struct ata_answer *ret);

/* "ATA STATUS 51h ERROR 04h (ABRT)", "SCSI CHECK CONDITION, sense key 5h, ASC/ASCQ 20h/00h", ... */
void ata_answer_describe(const struct ata_answer *a, char *buf, size_t n);

/* A PURGE_ERR_* for an answer that is not a success: the drive aborted or the SATL rejected it
 * (REFUSED), the drive reported an error (FAILED). */
int ata_answer_error(const struct ata_answer *a);

/* IDENTIFY DEVICE, decoded twice: the identity (sectors) and the purge words. */
int ata_identify_caps(const struct cmd_transport *t, struct ata_identity *ret_id,
                      struct ata_purge_caps *ret_caps);

/* "IDENTIFY word 128: security supported, not enabled, not locked, not frozen" */
void ata_describe_security(const struct ata_purge_caps *c, char *buf, size_t n);

/* Asks the SATL for descriptor-format sense (MODE SENSE(10) of the Control mode page, then MODE
 * SELECT(10) with D_SENSE set when it is clear). true when D_SENSE is set afterwards. Changes only
 * how the SATL reports sense, nothing on the drive. */
bool ata_ensure_descriptor_sense(const struct cmd_transport *t);

/* SANITIZE STATUS EXT (is_clear_failed: CLEAR SANITIZE OPERATION FAILED). 0 with *ret_st decoded;
 * -ENODATA when the flags cannot be trusted (fixed-format sense: COUNT(15:8) cut off), -EOPNOTSUPP
 * when the SATL rejected the command, -EREMOTEIO for another answer without registers, -errno.
 * *ret_answer (may be NULL) is filled whenever the device answered. */
int ata_sanitize_read_status(const struct cmd_transport *t, bool is_clear_failed,
                             struct ata_sanitize_status *ret_st, struct ata_answer *ret_answer);
/* "completed without error", "in progress (42%)", "failed (the last sanitize ...)" ... */
const char *ata_sanitize_reason_to_string(uint8_t reason);

/* Why sanitize cannot be used through this SATL (ata-purge.c fills caps->why_not with these). */
extern const char ata_why_fixed_sense[];
extern const char ata_why_satl_rejects[];

/* Each operation (caps already checked, not frozen). They fill ret and return 0 or ret->error. */
int ata_sanitize_run(const struct cmd_transport *t, enum purge_method method,
                     const struct purge_run_options *o, struct purge_report *ret);
int ata_security_erase_run(const struct cmd_transport *t, enum purge_method method,
                           const struct purge_run_options *o, struct purge_report *ret);

/* Probe parts: never write, never fail (what could not be read is said in note). */
void ata_hidden_probe(const struct cmd_transport *t, const struct ata_identity *id,
                      const struct ata_purge_caps *c, struct purge_hidden *h);
void ata_smart_probe(const struct cmd_transport *t, const struct ata_purge_caps *c, struct purge_health *h);
