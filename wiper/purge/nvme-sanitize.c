/* SPDX-License-Identifier: MIT */
/*
 * NVMe Sanitize (Base 2.0: Sanitize command; Sanitize Operations; Sanitize Status log page): crypto
 * erase, block erase, overwrite (one pass of the caller's pattern), polled with the Sanitize Status
 * log (81h) until the log shows the end.
 *
 * What counts (purge.h): SSTAT completed (1, or 4 when the controller kept NDAS) and SCDW10 equal to
 * the CDW10 kesu sent — an old completed sanitize of another kind does not count, and neither does a
 * log that is the same before and after the command (a controller that ignores it). Every Sanitize
 * is sent with AUSE=1 (Allow Unrestricted Sanitize Exit), so that a failure can be left with Exit
 * Failure Mode rather than only by another sanitize, and NDAS=0: the controller deallocates
 * afterwards, as the specification recommends.
 *
 * Before sending: a sanitize already running is followed to its end — when it is the same erase
 * (SCDW10 without AUSE) it is counted instead of a new one (is_resumed), otherwise kesu's follows
 * it; a failed one is left with Exit Failure Mode first. When the controller was left in the
 * restricted failure mode (the failed sanitize had AUSE=0), Exit Failure Mode is aborted and a new
 * sanitize is the way out (Base: Sanitize Operations): kesu notes the refusal and sends it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nvme-purge-internal.h"

/* Sanitize Command Dword 10 bit 3, AUSE (Base: Sanitize command): not part of what is erased. */
#define SANITIZE_CDW10_AUSE (1u << 3)

static bool is_same_erase(uint32_t a, uint32_t b)
{
        return (a & ~SANITIZE_CDW10_AUSE) == (b & ~SANITIZE_CDW10_AUSE);
}

static bool is_completed_state(enum nvme_sanitize_state s)
{
        return s == NVME_SANITIZE_COMPLETED || s == NVME_SANITIZE_COMPLETED_NO_DEALLOCATE;
}

static const char *action_name(enum nvme_sanact a)
{
        switch (a) {
        case NVME_SANACT_EXIT_FAILURE_MODE:
                return "exit failure mode";
        case NVME_SANACT_BLOCK_ERASE:
                return "block erase";
        case NVME_SANACT_OVERWRITE:
                return "overwrite";
        case NVME_SANACT_CRYPTO_ERASE:
                return "crypto erase";
        }
        return "?";
}

static void set_device_status(struct purge_report *ret, const char *notes,
                              const struct nvme_sanitize_status *st)
{
        char s[128];
        nvme_purge_sanitize_status_text(st, s, sizeof s);
        snprintf(ret->device_status, sizeof ret->device_status, "%sSanitize Status log: %s", notes, s);
}

/* Reads the log until it no longer shows a sanitize in progress, reporting SPROG; waits an interval
 * before each read when is_wait_first. *st holds the last log read (also on interruption). */
static int poll_to_end(const struct cmd_transport *t, const struct purge_run_options *o, bool is_wait_first,
                       struct nvme_sanitize_status *st, bool *ret_seen_in_progress, struct purge_report *ret)
{
        for (bool is_wait = is_wait_first;; is_wait = true) {
                if (is_wait && !purge_wait(o)) {
                        ret->error = PURGE_ERR_INTERRUPTED;
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "stopped while the sanitize runs (SPROG %u of 65536): the controller goes "
                                 "on "
                                 "with it, also after a power cycle",
                                 st->sprog);
                        return ret->error;
                }
                struct cmd_reply reply;
                int r = nvme_purge_read_sanitize_log(t, st, &reply);
                if (r < 0)
                        return nvme_purge_command_failed("Get Log Page 81h (Sanitize Status)", r, &reply,
                                                         ret);
                if (st->state != NVME_SANITIZE_IN_PROGRESS)
                        return 0;
                if (ret_seen_in_progress)
                        *ret_seen_in_progress = true;
                if (o->progress)
                        o->progress(o->progress_userdata, st->sprog);
        }
}

static int send_sanitize(const struct cmd_transport *t, const struct nvme_sanitize_args *a,
                         struct cmd_reply *ret_reply)
{
        struct nvme_admin_cmd cmd;
        int r = nvme_build_sanitize(a, &cmd);
        if (r < 0)
                return r;
        return cmd_nvme_admin(t, &cmd, ret_reply);
}

int nvme_purge_sanitize(const struct cmd_transport *t, enum purge_method method,
                        const struct purge_run_options *o, struct purge_report *ret)
{
        struct nvme_sanitize_args a = { .ause = true };
        switch (method) {
        case PURGE_SANITIZE_CRYPTO:
                a.action = NVME_SANACT_CRYPTO_ERASE;
                break;
        case PURGE_SANITIZE_BLOCK:
                a.action = NVME_SANACT_BLOCK_ERASE;
                break;
        case PURGE_SANITIZE_OVERWRITE:
                a.action = NVME_SANACT_OVERWRITE;
                a.overwrite_passes = 1;
                a.overwrite_pattern = o->overwrite_pattern;
                break;
        default:
                ret->error = -EINVAL;
                return ret->error;
        }
        struct nvme_admin_cmd cmd;
        int r = nvme_build_sanitize(&a, &cmd);
        if (r < 0) {
                ret->error = r;
                return r;
        }
        const uint32_t cdw10 = cmd.cdw10;
        char what[128];
        if (a.action == NVME_SANACT_OVERWRITE)
                snprintf(what, sizeof what,
                         "NVMe Sanitize (84h) overwrite, 1 pass, CDW10 0x%08x, OVRPAT 0x%08x", cdw10,
                         cmd.cdw11);
        else
                snprintf(what, sizeof what, "NVMe Sanitize (84h) %s, CDW10 0x%08x", action_name(a.action),
                         cdw10);
        snprintf(ret->command, sizeof ret->command, "%s", what);
        snprintf(ret->warnings, sizeof ret->warnings,
                 "a sanitize goes on after a power cycle until it completes and erases every namespace of "
                 "the controller");

        /* The controller's own word, not only the caps handed in. */
        struct nvme_ctrl_identity ctrl;
        r = nvme_purge_identify_ctrl(t, &ctrl);
        if (r < 0)
                return nvme_purge_command_failed("Identify Controller", r, NULL, ret);
        const char *reason = NULL;
        if (nvme_sanitize_allowed(&ctrl, &a, &reason) < 0) {
                ret->error = PURGE_ERR_UNSUPPORTED;
                snprintf(ret->error_text, sizeof ret->error_text, "%s", reason);
                return ret->error;
        }

        char notes[192] = "";
        struct nvme_sanitize_status before = { 0 };
        struct cmd_reply reply;
        bool is_exit_sent = false;
        for (unsigned attempt = 0;; attempt++) {
                r = nvme_purge_read_sanitize_log(t, &before, &reply);
                if (r < 0)
                        return nvme_purge_command_failed("Get Log Page 81h (Sanitize Status)", r, &reply,
                                                         ret);

                if (before.state == NVME_SANITIZE_IN_PROGRESS) {
                        uint32_t running = before.scdw10;
                        if (o->progress)
                                o->progress(o->progress_userdata, before.sprog);
                        r = poll_to_end(t, o, true, &before, NULL, ret);
                        if (r != 0) {
                                set_device_status(ret, "a sanitize found running was being followed; ",
                                                  &before);
                                return r;
                        }
                        if (is_completed_state(before.state) && is_same_erase(before.scdw10, cdw10)) {
                                /* the same erase, already under way: counted instead of a new one */
                                ret->is_resumed = true;
                                ret->is_completed = true;
                                snprintf(ret->command, sizeof ret->command,
                                         "none: a running NVMe Sanitize (84h) %s (SCDW10 0x%08x) was "
                                         "followed",
                                         action_name((enum nvme_sanact)(running & 0x7u)), running);
                                set_device_status(ret, "", &before);
                                return 0;
                        }
                        purge_append(notes, sizeof notes,
                                     "a running sanitize (SCDW10 0x%08x) was followed to its end; ",
                                     running);
                }

                if (before.state == NVME_SANITIZE_FAILED && !is_exit_sent) {
                        const struct nvme_sanitize_args exit = { .action = NVME_SANACT_EXIT_FAILURE_MODE };
                        is_exit_sent = true;
                        snprintf(ret->command, sizeof ret->command,
                                 "NVMe Sanitize (84h) exit failure mode, then %s", what);
                        r = send_sanitize(t, &exit, &reply);
                        if (r == -EREMOTEIO) {
                                /* restricted failure mode: only a new sanitize leaves it */
                                struct nvme_status s = { 0 };
                                (void)nvme_status_decode(reply.nvme_status, &s);
                                const char *name = nvme_status_to_string(s.code);
                                purge_append(notes, sizeof notes,
                                             "the last sanitize had failed; exit failure mode refused "
                                             "(%03Xh %s): a new sanitize ends it; ",
                                             s.code, name ? name : "unnamed status");
                        } else if (r < 0)
                                return nvme_purge_command_failed("Sanitize (exit failure mode)", r, &reply,
                                                                 ret);
                        else
                                purge_append(notes, sizeof notes,
                                             "the last sanitize had failed: failure mode exited; ");
                }

                r = send_sanitize(t, &a, &reply);
                if (r == -EREMOTEIO && attempt == 0) {
                        struct nvme_status s;
                        if (nvme_status_decode(reply.nvme_status, &s) == 0 &&
                            s.code == NVME_STATUS_SANITIZE_IN_PROGRESS) {
                                /* one was started since the log was read (another host, a lagging log):
                                 * follow it, then try once more */
                                purge_append(notes, sizeof notes, "Sanitize In Progress answered; ");
                                continue;
                        }
                }
                if (r < 0)
                        return nvme_purge_command_failed("Sanitize", r, &reply, ret);
                break;
        }

        struct nvme_sanitize_status st = before;
        bool is_seen_in_progress = false;
        r = poll_to_end(t, o, false, &st, &is_seen_in_progress, ret);
        set_device_status(ret, notes, &st);
        if (r != 0)
                return r;

        if (st.state == NVME_SANITIZE_FAILED) {
                ret->error = PURGE_ERR_FAILED;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the Sanitize Status log shows the sanitize failed (SSTAT 3): the controller stays "
                         "in "
                         "sanitize failure mode until a sanitize succeeds or it is exited");
        } else if (!is_completed_state(st.state) || st.scdw10 != cdw10) {
                ret->error = PURGE_ERR_NOT_DONE;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the Sanitize Status log does not show this sanitize: SSTAT %u, SCDW10 0x%08x "
                         "(sent 0x%08x)",
                         (unsigned)st.state, st.scdw10, cdw10);
        } else if (!is_seen_in_progress && is_completed_state(before.state) && before.scdw10 == cdw10) {
                /* The log already showed this very sanitize completed before the command and never
                 * moved: it cannot tell a new run from none. */
                ret->error = PURGE_ERR_NOT_DONE;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the Sanitize Status log did not change: it showed the same completed sanitize "
                         "(SCDW10 0x%08x) before the command and never showed it in progress",
                         cdw10);
        } else
                ret->is_completed = true;
        return ret->error;
}
