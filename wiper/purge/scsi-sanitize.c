/* SPDX-License-Identifier: MIT */
/*
 * SCSI SANITIZE (SBC-4: SANITIZE command; sanitize operations): CRYPTOGRAPHIC ERASE, BLOCK ERASE,
 * OVERWRITE (one pass of the caller's 4-byte pattern), sent with IMMED=1 and polled with REQUEST
 * SENSE: NOT READY, LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS (04h/1Bh) with the progress in the
 * sense-key-specific bytes while it runs; NO SENSE when it is over; SANITIZE COMMAND FAILED (31h/03h)
 * when it failed. AUSE=1 so that a failure can be left with EXIT FAILURE MODE.
 *
 * Before sending: a sanitize in progress is followed to its end first (SCSI does not say which kind
 * it is, so kesu's own is sent afterwards: is_resumed stays false); a failed one is left with EXIT
 * FAILURE MODE. When that is refused (the failed sanitize had AUSE=0: only a new sanitize may end
 * the failure), the refusal is noted and the new sanitize sent.
 *
 * The drive's word that it ran is weaker than NVMe's: GOOD, then REQUEST SENSE without a sanitize in
 * progress. A drive that ignores the command says the same — the proof of the content decides.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scsi-purge-internal.h"

static bool is_sense(const struct cmd_reply *reply, uint8_t key, unsigned asc)
{
        struct scsi_sense s;
        return reply->scsi_status == SCSI_STATUS_CHECK_CONDITION &&
               sense_parse(reply->sense, reply->sense_len, &s) == 0 && s.sense_key == key &&
               scsi_purge_asc(&s) == asc;
}

int scsi_purge_sanitize(const struct cmd_transport *t, enum purge_method method,
                        const struct purge_run_options *o, struct purge_report *ret)
{
        enum scsi_sanitize_action action;
        const char *name;
        switch (method) {
        case PURGE_SANITIZE_CRYPTO:
                action = SCSI_SANITIZE_CRYPTO_ERASE;
                name = "CRYPTOGRAPHIC ERASE";
                break;
        case PURGE_SANITIZE_BLOCK:
                action = SCSI_SANITIZE_BLOCK_ERASE;
                name = "BLOCK ERASE";
                break;
        case PURGE_SANITIZE_OVERWRITE:
                action = SCSI_SANITIZE_OVERWRITE;
                name = "OVERWRITE";
                break;
        default:
                ret->error = -EINVAL;
                return ret->error;
        }

        /* OVERWRITE: one pass of the 32-bit pattern, stored little-endian as the fake media and the
         * NVMe OVRPAT repeat it (0: zeros either way). */
        uint8_t params[SCSI_SANITIZE_OVERWRITE_HEADER_BYTES + 4];
        size_t params_len = 0;
        if (action == SCSI_SANITIZE_OVERWRITE) {
                uint8_t pattern[4];
                for (int i = 0; i < 4; i++)
                        pattern[i] = (uint8_t)(o->overwrite_pattern >> (8 * i));
                const struct scsi_overwrite_params p = { .overwrite_count = 1,
                                                         .pattern = pattern,
                                                         .pattern_bytes = sizeof pattern };
                int r = scsi_build_sanitize_overwrite_params(&p, 512, params, sizeof params, &params_len);
                if (r < 0) {
                        ret->error = r;
                        return r;
                }
        }
        uint8_t cdb[SCSI_SANITIZE_CDB_BYTES];
        int r = scsi_build_sanitize_cdb(action, true, true, (uint16_t)params_len, cdb);
        if (r < 0) {
                ret->error = r;
                return r;
        }
        char what[128];
        if (action == SCSI_SANITIZE_OVERWRITE)
                snprintf(what, sizeof what,
                         "SCSI SANITIZE (48h) OVERWRITE, 1 pass, pattern %02X%02X%02X%02Xh, "
                         "IMMED=1 AUSE=1",
                         params[4], params[5], params[6], params[7]);
        else
                snprintf(what, sizeof what, "SCSI SANITIZE (48h) %s, IMMED=1 AUSE=1", name);
        snprintf(ret->command, sizeof ret->command, "%s", what);
        snprintf(ret->warnings, sizeof ret->warnings,
                 "a sanitize goes on after a power cycle until it completes; the drive refuses media access "
                 "until then");

        char notes[160] = "";
        bool is_desc = true;
        bool is_exit_sent = false;
        struct scsi_sense s;
        struct cmd_reply reply;
        for (unsigned attempt = 0;; attempt++) {
                r = scsi_purge_request_sense(t, &is_desc, &s, &reply);
                if (r < 0)
                        return scsi_purge_command_failed("REQUEST SENSE", r, &reply, ret);
                if (s.sense_key == SENSE_KEY_NOT_READY &&
                    scsi_purge_asc(&s) == SCSI_ASC_SANITIZE_IN_PROGRESS) {
                        if (o->progress && s.has_progress)
                                o->progress(o->progress_userdata, s.progress);
                        r = scsi_purge_poll(t, o, 0x1b, true, &is_desc, &s, NULL, ret);
                        if (r != 0)
                                return r;
                        purge_append(notes, sizeof notes,
                                     "a sanitize found in progress (of a kind SCSI does not report) was "
                                     "followed to its end; ");
                }
                if (scsi_purge_asc(&s) == SCSI_ASC_SANITIZE_FAILED && !is_exit_sent) {
                        uint8_t exit_cdb[SCSI_SANITIZE_CDB_BYTES];
                        is_exit_sent = true;
                        r = scsi_build_sanitize_cdb(SCSI_SANITIZE_EXIT_FAILURE_MODE, false, false, 0,
                                                    exit_cdb);
                        if (r < 0) {
                                ret->error = r;
                                return r;
                        }
                        snprintf(ret->command, sizeof ret->command,
                                 "SCSI SANITIZE (48h) EXIT FAILURE MODE, then %s", what);
                        r = cmd_scsi(t, exit_cdb, sizeof exit_cdb, CMD_DIR_NONE, NULL, 0,
                                     CMD_TIMEOUT_SHORT_MS, &reply);
                        if (r == -EREMOTEIO)
                                purge_append(notes, sizeof notes,
                                             "the last sanitize had failed; EXIT FAILURE MODE refused (a "
                                             "new sanitize ends it); ");
                        else if (r < 0)
                                return scsi_purge_command_failed("SANITIZE EXIT FAILURE MODE", r, &reply,
                                                                 ret);
                        else
                                purge_append(notes, sizeof notes,
                                             "the last sanitize had failed: failure mode exited; ");
                }

                r = cmd_scsi(t, cdb, sizeof cdb, params_len ? CMD_DIR_TO_DEVICE : CMD_DIR_NONE,
                             params_len ? params : NULL, params_len, CMD_TIMEOUT_SHORT_MS, &reply);
                if (r == -EREMOTEIO && attempt == 0 &&
                    is_sense(&reply, SENSE_KEY_NOT_READY, SCSI_ASC_SANITIZE_IN_PROGRESS)) {
                        purge_append(notes, sizeof notes, "SANITIZE IN PROGRESS answered; ");
                        continue; /* one started since REQUEST SENSE: follow it, then once more */
                }
                if (r < 0) {
                        scsi_purge_command_failed("SANITIZE", r, &reply, ret);
                        ret->device_status[0] = 0;
                        purge_append(ret->device_status, sizeof ret->device_status, "%s%s", notes,
                                     ret->error_text);
                        return ret->error;
                }
                break;
        }

        unsigned polls = 0;
        s = (struct scsi_sense){ 0 };
        r = scsi_purge_poll(t, o, 0x1b, false, &is_desc, &s, &polls, ret);
        char st[160];
        scsi_purge_sense_text(&s, st, sizeof st);
        ret->device_status[0] = 0;
        purge_append(ret->device_status, sizeof ret->device_status,
                     "%sSANITIZE: GOOD; REQUEST SENSE: sanitize in progress %u times, then %s", notes, polls, st);
        if (r != 0)
                return r;

        if (scsi_purge_asc(&s) == SCSI_ASC_SANITIZE_FAILED) {
                ret->error = PURGE_ERR_FAILED;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "REQUEST SENSE: SANITIZE COMMAND FAILED (31h/03h): the drive stays in the sanitize "
                         "failure mode until a sanitize succeeds or it is exited");
        } else if (s.sense_key == SENSE_KEY_NO_SENSE) {
                ret->is_completed = true;
        } else {
                ret->error = PURGE_ERR_NOT_DONE;
                snprintf(ret->error_text, sizeof ret->error_text, "REQUEST SENSE after SANITIZE: %s", st);
        }
        return ret->error;
}
