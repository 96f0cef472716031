/* SPDX-License-Identifier: MIT */
/*
 * ATA SANITIZE DEVICE (ACS-4 §7.30): CRYPTO SCRAMBLE EXT, BLOCK ERASE EXT, OVERWRITE EXT, polled with
 * SANITIZE STATUS EXT until the drive reports the end.
 *
 * Decisions:
 *   - A sanitize found running is followed to its end first (report.is_resumed), then the requested
 *     one is started: ATA does not say which kind of sanitize is running, so the running one cannot
 *     stand in for the requested method, and while it runs the drive aborts a new one.
 *   - A failed state (SANITIZE STATUS EXT aborted with reason 01h) is left before starting: first
 *     SANITIZE STATUS EXT with CLEAR SANITIZE OPERATION FAILED, which ACS-4 honours when the failed
 *     sanitize had FAILURE MODE 1; when it had FAILURE MODE 0 the drive stays failed and ACS-4's
 *     exit is a successful new sanitize, which is what comes next anyway.
 *   - kesu sends FAILURE MODE 0 (a failure keeps the drive in the failed state, reads and writes
 *     refused, until a sanitize completes), ZNR 0, overwrite one pass of o->overwrite_pattern,
 *     no inversion, no definitive ending pattern.
 *   - Success only when SANITIZE STATUS EXT shows SANITIZE OPERATION COMPLETED WITHOUT ERROR with no
 *     sanitize in progress. Flags that did not survive (fixed-format sense) are "unknown": never
 *     success (PURGE_ERR_NOT_DONE).
 */
#include "ata-purge-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *ata_sanitize_reason_to_string(uint8_t reason)
{
        switch (reason) {
        case ATA_SANITIZE_REASON_UNKNOWN:
                return "no reason reported";
        case ATA_SANITIZE_REASON_FAILED:
                return "the last sanitize operation failed";
        case ATA_SANITIZE_REASON_UNSUPPORTED:
                return "unsupported sanitize command";
        case ATA_SANITIZE_REASON_FROZEN:
                return "the drive is in the SANITIZE FROZEN state";
        case ATA_SANITIZE_REASON_ANTIFREEZE:
                return "SANITIZE ANTIFREEZE LOCK is in effect";
        default:
                return "reserved reason";
        }
}

int ata_sanitize_read_status(const struct cmd_transport *t, bool is_clear_failed,
                             struct ata_sanitize_status *ret_st, struct ata_answer *ret_answer)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        struct ata_answer a;

        ata_build_sanitize_status(is_clear_failed, cdb);
        int r = ata_send(t, cdb, sizeof cdb, CMD_DIR_NONE, NULL, 0, CMD_TIMEOUT_IDENTIFY_MS, &a);
        if (r < 0)
                return r;
        if (ret_answer)
                *ret_answer = a;
        if (!a.has_ata) {
                if (a.result == SENSE_RESULT_UNSUPPORTED)
                        return -EOPNOTSUPP;
                /* GOOD without registers: the SATL ignored CK_COND, so no flags came back. */
                return a.result == SENSE_RESULT_GOOD ? -ENODATA : -EREMOTEIO;
        }
        /* Fixed format carries COUNT(15:8) only as "non-zero"; even a complete-looking zero there
         * cannot be relied on once a sanitize sets flags, so only an abort (reason in LBA(7:0))
         * is read from fixed format. */
        if (!a.sense.is_descriptor && !(a.ata.status & ATA_STATUS_ERR))
                return -ENODATA;
        return ata_parse_sanitize_status(&a.ata, ret_st);
}

static void status_text(const struct ata_sanitize_status *st, const struct ata_answer *a, char *buf,
                        size_t n)
{
        if (st->is_aborted)
                snprintf(buf, n, "SANITIZE STATUS EXT: aborted, reason %02Xh (%s)", st->error_reason,
                         ata_sanitize_reason_to_string(st->error_reason));
        else
                snprintf(buf, n, "SANITIZE STATUS EXT: %s (COUNT %04Xh, progress %u%%)",
                         st->is_in_progress    ? "sanitize in progress"
                         : st->is_completed_ok ? "completed without error"
                                               : "no sanitize completed without error",
                         a->ata.count, st->is_in_progress ? sense_progress_percent(st->progress) : 100u);
}

/* Reads SANITIZE STATUS EXT until no sanitize is in progress. 0 when the drive shows it completed
 * without error; PURGE_ERR_FAILED / NOT_DONE / INTERRUPTED / -errno otherwise. */
static int poll_to_end(const struct cmd_transport *t, const struct purge_run_options *o,
                       struct purge_report *ret)
{
        bool is_retried = false;

        for (;;) {
                struct ata_sanitize_status st;
                struct ata_answer a;
                int r = ata_sanitize_read_status(t, false, &st, &a);
                if (r == -ENODATA && !is_retried) {
                        /* A reset on the way may have turned descriptor sense off: ask once more. */
                        is_retried = true;
                        if (ata_ensure_descriptor_sense(t))
                                continue;
                }
                if (r == -ENODATA) {
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "SANITIZE STATUS EXT came back in fixed-format sense data: the sanitize's "
                                 "outcome "
                                 "could not be read (it may still be running)");
                        return PURGE_ERR_NOT_DONE;
                }
                if (r == -EOPNOTSUPP || r == -EREMOTEIO) {
                        char d[96];
                        ata_answer_describe(&a, d, sizeof d);
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "SANITIZE STATUS EXT answered without the status: %s", d);
                        return PURGE_ERR_NOT_DONE;
                }
                if (r < 0) {
                        snprintf(ret->error_text, sizeof ret->error_text, "SANITIZE STATUS EXT not sent: %s",
                                 strerror(-r));
                        return r;
                }
                status_text(&st, &a, ret->device_status, sizeof ret->device_status);
                if (st.is_aborted) {
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "SANITIZE STATUS EXT aborted (ATA STATUS %02Xh ERROR %02Xh), reason %02Xh: "
                                 "%s",
                                 a.ata.status, a.ata.error, st.error_reason,
                                 ata_sanitize_reason_to_string(st.error_reason));
                        return PURGE_ERR_FAILED;
                }
                if (!st.is_in_progress) {
                        if (st.is_completed_ok) {
                                if (o->progress)
                                        o->progress(o->progress_userdata, 65535);
                                return 0;
                        }
                        snprintf(
                                ret->error_text, sizeof ret->error_text,
                                "SANITIZE STATUS EXT shows neither a sanitize in progress nor one completed "
                                "without error (COUNT %04Xh)",
                                a.ata.count);
                        return PURGE_ERR_NOT_DONE;
                }
                if (o->progress)
                        o->progress(o->progress_userdata, st.progress);
                if (!purge_wait(o)) {
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "stopped while the sanitize was at %u%%; the drive goes on with it, also "
                                 "after "
                                 "a power cycle",
                                 sense_progress_percent(st.progress));
                        return PURGE_ERR_INTERRUPTED;
                }
        }
}

static int build_command(enum purge_method method, const struct purge_run_options *o, uint8_t cdb[16],
                         char *text, size_t n)
{
        const struct ata_sanitize_opts so = { .is_failure_mode = false, .is_zoned_no_reset = false };

        switch (method) {
        case PURGE_SANITIZE_CRYPTO:
                ata_build_sanitize_crypto_scramble(&so, cdb);
                snprintf(text, n, "ATA SANITIZE DEVICE (B4h) CRYPTO SCRAMBLE EXT (FEATURE 0011h)");
                return 0;
        case PURGE_SANITIZE_BLOCK:
                ata_build_sanitize_block_erase(&so, cdb);
                snprintf(text, n, "ATA SANITIZE DEVICE (B4h) BLOCK ERASE EXT (FEATURE 0012h)");
                return 0;
        case PURGE_SANITIZE_OVERWRITE:
                snprintf(text, n,
                         "ATA SANITIZE DEVICE (B4h) OVERWRITE EXT (FEATURE 0014h), 1 pass of pattern %08Xh, "
                         "no inversion",
                         o->overwrite_pattern);
                return ata_build_sanitize_overwrite(
                        &(struct ata_overwrite_opts){ .pattern = o->overwrite_pattern, .passes = 1 }, cdb);
        default:
                return -EINVAL;
        }
}

int ata_sanitize_run(const struct cmd_transport *t, enum purge_method method,
                     const struct purge_run_options *o, struct purge_report *ret)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        struct ata_sanitize_status st;
        struct ata_answer a;

        int r = build_command(method, o, cdb, ret->command, sizeof ret->command);
        if (r < 0)
                return r;
        snprintf(ret->warnings, sizeof ret->warnings,
                 "a sanitize goes on after a power cycle until it completes; the drive refuses reads and "
                 "writes "
                 "until then");

        (void)ata_ensure_descriptor_sense(t);
        r = ata_sanitize_read_status(t, false, &st, &a);
        if (r == -ENODATA || r == -EOPNOTSUPP) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s; nothing was started",
                         r == -ENODATA ? ata_why_fixed_sense : ata_why_satl_rejects);
                return PURGE_ERR_UNSUPPORTED;
        }
        if (r == -EREMOTEIO) {
                char d[96];
                ata_answer_describe(&a, d, sizeof d);
                snprintf(ret->error_text, sizeof ret->error_text, "SANITIZE STATUS EXT: %s", d);
                return ata_answer_error(&a);
        }
        if (r < 0)
                return r;
        if (st.is_frozen || (st.is_aborted && st.error_reason == ATA_SANITIZE_REASON_FROZEN)) {
                status_text(&st, &a, ret->device_status, sizeof ret->device_status);
                snprintf(ret->error_text, sizeof ret->error_text,
                         "SANITIZE STATUS EXT reports SANITIZE FROZEN");
                return PURGE_ERR_FROZEN;
        }

        if (st.is_in_progress) {
                ret->is_resumed = true;
                r = poll_to_end(t, o, ret);
                if (r == PURGE_ERR_INTERRUPTED || r < 0)
                        return r;
                /* Whatever its end, the requested sanitize follows (see the top). */
                ret->error_text[0] = 0;
                r = ata_sanitize_read_status(t, false, &st, &a);
                if (r < 0)
                        return r == -ENODATA || r == -EOPNOTSUPP || r == -EREMOTEIO ? PURGE_ERR_NOT_DONE : r;
        }

        if (st.is_aborted && st.error_reason == ATA_SANITIZE_REASON_FAILED) {
                struct ata_sanitize_status cleared;
                r = ata_sanitize_read_status(t, true, &cleared, &a);
                if (r < 0 && r != -ENODATA && r != -EOPNOTSUPP && r != -EREMOTEIO)
                        return r;
                bool is_cleared = r == 0 && !cleared.is_aborted;
                purge_append(ret->warnings, sizeof ret->warnings,
                             is_cleared
                                     ? "; an earlier sanitize had failed: its failed state was cleared "
                                       "(CLEAR SANITIZE OPERATION FAILED)"
                                     : "; an earlier sanitize had failed: the new sanitize is the way out "
                                       "of its failed state");
        } else if (st.is_aborted) {
                status_text(&st, &a, ret->device_status, sizeof ret->device_status);
                snprintf(ret->error_text, sizeof ret->error_text,
                         "SANITIZE STATUS EXT aborted, reason %02Xh: %s", st.error_reason,
                         ata_sanitize_reason_to_string(st.error_reason));
                return PURGE_ERR_REFUSED;
        }

        r = ata_send(t, cdb, sizeof cdb, CMD_DIR_NONE, NULL, 0, CMD_TIMEOUT_SHORT_MS, &a);
        if (r < 0) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s not sent: %s", ret->command,
                         strerror(-r));
                return r;
        }
        if (!ata_answer_is_ok(&a)) {
                char d[96];
                struct ata_sanitize_status refusal = { 0 };
                ata_answer_describe(&a, d, sizeof d);
                if (a.has_ata && ata_parse_sanitize_status(&a.ata, &refusal) == 0 && refusal.is_aborted) {
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "the drive refused SANITIZE: %s, reason %02Xh: %s", d, refusal.error_reason,
                                 ata_sanitize_reason_to_string(refusal.error_reason));
                        if (refusal.error_reason == ATA_SANITIZE_REASON_FROZEN)
                                return PURGE_ERR_FROZEN;
                } else {
                        snprintf(ret->error_text, sizeof ret->error_text, "the drive refused SANITIZE: %s",
                                 d);
                }
                return ata_answer_error(&a);
        }
        if (o->progress)
                o->progress(o->progress_userdata, 0);

        r = poll_to_end(t, o, ret);
        if (r == 0)
                ret->is_completed = true;
        return r;
}
