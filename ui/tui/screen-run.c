/* SPDX-License-Identifier: MIT */
/* Every disk at once: a bar, MB/s, time left, the pass (or "purge") and the verification — drawn
 * from the runner's state file (runner.h), which the screen reads four times a second. The
 * session itself runs in the runner, a process of its own, so that the screen may crash or be
 * closed without stopping an erasure: a screen started again re-attaches (tui_runner_attach()).
 * A wipe that ends in error (the disk pulled out, an I/O error) shows FAIL with its reason at
 * once. Ctrl-C asks, then asks the runner to stop (SIGTERM): every disk not finished gets its FAIL
 * certificate. A stop signal to the screen itself (SIGTERM, SIGHUP) only ends the screen. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "runner.h"
#include "tui.h"

struct target_run {
        bool was_verifying;
        uint64_t sample_bytes;
        int64_t sample_ns;
        double rate; /* bytes/s over the last second or so */
};

static void format_left(double seconds, char *buf, size_t size)
{
        if (seconds < 0 || seconds > 99 * 3600)
                snprintf(buf, size, "--:--");
        else if (seconds >= 3600)
                snprintf(buf, size, "%d:%02d:%02d", (int)seconds / 3600, (int)seconds / 60 % 60,
                         (int)seconds % 60);
        else
                snprintf(buf, size, "%02d:%02d", (int)seconds / 60, (int)seconds % 60);
}

static void update_rate(struct target_run *tr, const struct runner_target *p, int64_t now)
{
        if (p->is_verifying != tr->was_verifying || tr->sample_ns == 0 || p->bytes_done < tr->sample_bytes) {
                tr->was_verifying = p->is_verifying;
                tr->sample_bytes = p->bytes_done;
                tr->sample_ns = now;
                tr->rate = 0;
                return;
        }
        if (now - tr->sample_ns >= 1000000000LL) {
                double dt = (double)(now - tr->sample_ns) / 1e9;
                double r = (double)(p->bytes_done - tr->sample_bytes) / dt;
                tr->rate = tr->rate > 0 ? 0.5 * tr->rate + 0.5 * r : r;
                tr->sample_bytes = p->bytes_done;
                tr->sample_ns = now;
        }
}

/* Why a wipe failed, in the operator's words (the certificate states it precisely). */
static void wipe_failure(const struct runner_target *rt, char *buf, size_t size)
{
        const char *why;
        switch ((enum wipe_status)rt->wipe_status) {
        case WIPE_STATUS_WRITE_ERRORS:
                why = _("some sectors could not be written");
                break;
        case WIPE_STATUS_INTERRUPTED:
                why = _("stopped");
                break;
        case WIPE_STATUS_DEVICE_GONE:
                why = _("the disk disappeared or stopped taking writes");
                break;
        case WIPE_STATUS_IDENTITY_CHANGED:
                why = _("not the disk that was confirmed (nothing written)");
                break;
        case WIPE_STATUS_PROTECTED:
                why = _("the disk came into use (protected)");
                break;
        case WIPE_STATUS_NO_SPACE:
                why = _("the file system holding the image is full");
                break;
        case WIPE_STATUS_FAILED:
        default:
                why = _("the erasure could not be completed");
                break;
        }
        if (rt->wipe_error && rt->wipe_status != WIPE_STATUS_INTERRUPTED)
                snprintf(buf, size, "%s (%s)", why,
                         strerror(rt->wipe_error < 0 ? -rt->wipe_error : rt->wipe_error));
        else
                snprintf(buf, size, "%s", why);
}

static void draw(struct tui *t, const struct runner_state *st, struct target_run *runs, bool is_asking_stop,
                 bool is_stop_sent)
{
        int y = tui_frame(t, _("Erasing"), _("[Ctrl-C] stop"));
        size_t n = st->phase == RUNNER_PHASE_STARTING ? st->n_targets : st->n_started;
        if (st->phase == RUNNER_PHASE_STARTING)
                tui_put(y++, 2, COLS - 4, _("Opening the disks…"));
        else if (st->phase == RUNNER_PHASE_FILING)
                tui_put(y++, 2, COLS - 4, _("Filing the certificates…"));
        else
                tui_putf(y++, 2, COLS - 4, _("%zu disks are being erased and verified. Do not remove them."),
                         n);
        tui_putf(y++, 2, COLS - 4, _("Started by %s (operator) and %s (witness)"), st->operator_id,
                 st->witness_id);
        y++;
        int64_t now = now_monotonic_ns();
        for (size_t i = 0; i < n && y < LINES - 5; i++) {
                const struct runner_target *p = &st->targets[i];
                struct target_run *tr = &runs[i];
                update_rate(tr, p, now);
                char step[512], left[32];
                bool is_failed = false;
                if (p->has_outcome) {
                        is_failed = !p->is_pass;
                        snprintf(step, sizeof step, "%s", tui_word_result(p->result));
                } else if (p->is_wipe_failed) {
                        /* the wipe's own end: FAIL now, whatever the verification says */
                        char why[384];
                        wipe_failure(p, why, sizeof why);
                        snprintf(step, sizeof step, "%s: %s", tui_word_result("FAIL"), why);
                        is_failed = true;
                } else if (p->is_verify_done || (p->is_wipe_done && !p->is_verify_expected &&
                                                 st->phase >= RUNNER_PHASE_VERIFYING && p->is_progress_done))
                        snprintf(step, sizeof step, "%s", _("done"));
                else if (p->is_verifying)
                        snprintf(step, sizeof step, "%s", _("verifying"));
                else if (p->is_wipe_done)
                        snprintf(step, sizeof step, "%s", _("waiting for the other disks"));
                else if (p->is_purge)
                        snprintf(step, sizeof step, "%s (%s)", _("purge"), p->method);
                else
                        snprintf(step, sizeof step, _("pass %u/%u"), p->pass ? p->pass : 1, p->n_passes);
                double pct = p->bytes_total ? 100.0 * (double)p->bytes_done / (double)p->bytes_total : 0;
                format_left(tr->rate > 0 && !is_failed ? (double)(p->bytes_total - p->bytes_done) / tr->rate
                                                       : -1,
                            left, sizeof left);
                attron(A_BOLD);
                if (is_failed)
                        attron(A_REVERSE);
                tui_putf(y++, 2, COLS - 4, "%s  %s  %s", p->path, p->asset, step);
                attroff(A_BOLD | A_REVERSE);
                int bar_w = COLS > 60 ? COLS - 44 : 16;
                tui_bar(y, 4, bar_w, p->bytes_done, p->bytes_total);
                tui_putf(y, 5 + bar_w, COLS - bar_w - 6, "%5.1f%%  %7.1f MB/s  %s %s", pct,
                         is_failed ? 0.0 : tr->rate / 1e6, _("left"), left);
                y += 2;
        }
        if (is_asking_stop) {
                attron(A_REVERSE | A_BOLD);
                tui_put(LINES - 3, 1, COLS - 2,
                        _("Stop every disk? Disks not finished get a FAIL certificate. [y] stop  [n] go "
                          "on"));
                attroff(A_REVERSE | A_BOLD);
        } else if (st->is_stop_requested || is_stop_sent)
                tui_put(LINES - 3, 1, COLS - 2, _("Stopping… each disk ends with its certificate."));
        curs_set(0);
        refresh();
}

/* In the runner, right after the fork: what belongs to the screen goes (the real stderr, the
 * capture pipe, the hotplug socket); the runner's stderr is its log. */
static void child_prepare(void *userdata)
{
        struct tui *t = userdata;
        if (t->stderr_read_fd >= 0)
                close(t->stderr_read_fd);
        if (t->stderr_saved_fd >= 0)
                close(t->stderr_saved_fd);
        t->stderr_read_fd = t->stderr_saved_fd = -1;
        t->monitor = disk_monitor_free(t->monitor);
}

static const char *busy_message(void)
{
        return _("Another disposal is still running: a new one can start when it has ended (kesu ui started "
                 "again shows it); nothing was written");
}

/* The confirmed session goes to a runner of its own; the screen keeps only the state file. */
static int start_runner(struct tui *t)
{
        struct runner_people people = {
                .operator_id = t->operator_info.id,
                .operator_name = t->operator_name,
                .witness_id = t->witness_info.id,
                .witness_name = t->witness_name,
        };
        tui_take_stderr(t);
        int r = runner_start(t->session, t->plans, &people, child_prepare, t, &t->runner);
        if (r == -EBUSY)
                tui_message(t, true, "%s", busy_message());
        else if (r == -EDEADLK)
                tui_message(
                        t, true, "%s",
                        _("Cannot start the erasure: this screen runs threads it must not (a bug); nothing "
                          "was written"));
        else if (r < 0)
                tui_message(t, true, _("Cannot start the erasure: %s; nothing was written"), strerror(-r));
        /* the session is the runner's now: this copy only closes its descriptors (the runner keeps
         * the disks, the issuer's lock and the journal open) */
        tui_disposal_plan_free(t);
        /* the runner has its copy of the drives' SIDs/PSIDs (or nothing started): the screen's go */
        for (size_t i = 0; i < t->n_choices; i++)
                explicit_bzero(t->choices[i].tcg_secret, sizeof t->choices[i].tcg_secret);
        return r;
}

/* Where the operator goes when the disposal is over: on to another one when both people are
 * still logged in with the key, else to the login (after a re-attach). */
static enum tui_step next_disposal(const struct tui *t)
{
        return t->has_operator && t->has_witness && t->key ? TUI_STEP_DISKS : TUI_STEP_LOGIN_OPERATOR;
}

/* The runner ended (DONE): its results, or its refusal when it started nothing. */
static enum tui_step take_end(struct tui *t, struct runner_state *st)
{
        if (st->start_error < 0)
                tui_message(t, true, _("Refused: %s"), st->refusal);
        else if (st->note[0])
                tui_message(t, false, "%s", st->note);
        if (st->n_started == 0) {
                free(st);
                tui_runner_forget(t);
                return next_disposal(t);
        }
        free(t->run_state);
        t->run_state = st;
        return TUI_STEP_RESULTS;
}

static void say_interrupted(struct tui *t)
{
        tui_message(
                t, true, "%s",
                _("The disposal was interrupted: its runner ended before it finished. The disks not "
                  "finished get their FAIL certificates from the journal when the next disposal starts"));
}

enum tui_step tui_screen_run(struct tui *t)
{
        if (!t->runner) {
                tui_frame(t, _("Erasing"), "");
                tui_put(3, 2, COLS - 4, _("Opening the disks…"));
                refresh();
                if (start_runner(t) < 0)
                        return TUI_STEP_DISKS;
        }
        struct target_run *runs = NULL;
        bool is_asking_stop = false, is_stop_sent = false;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                struct runner_state *st = NULL;
                int r = runner_snapshot(t->runner, &st);
                if (r == -EAGAIN)
                        continue;
                if (r < 0) {
                        tui_message(t, true, _("Cannot read the runner's state: %s"), strerror(-r));
                        break;
                }
                if (!runs && !(runs = calloc(st->n_targets ? st->n_targets : 1, sizeof *runs))) {
                        free(st);
                        break;
                }
                if (st->phase == RUNNER_PHASE_DONE) {
                        next = take_end(t, st);
                        break;
                }
                if (!runner_is_alive(t->runner)) {
                        free(st);
                        say_interrupted(t);
                        tui_runner_forget(t);
                        next = next_disposal(t);
                        break;
                }
                draw(t, st, runs, is_asking_stop, is_stop_sent);
                bool is_stopping = st->is_stop_requested || is_stop_sent;
                free(st);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 250, &in);
                if (ui_stop_signal)
                        break; /* the screen ends; the runner goes on (a new screen re-attaches) */
                if (tui_input_is_char(&in, TUI_CTRL_C) && !is_stopping)
                        is_asking_stop = true;
                else if (is_asking_stop && (tui_input_is_char(&in, L'y') || tui_input_is_char(&in, L'Y'))) {
                        is_asking_stop = false;
                        if ((r = runner_request_stop(t->runner)) < 0)
                                tui_message(t, true, _("Cannot stop the runner: %s"), strerror(-r));
                        else
                                is_stop_sent = true;
                } else if (is_asking_stop && (tui_input_is_char(&in, L'n') || tui_input_is_char(&in, L'N') ||
                                              tui_input_is_char(&in, TUI_ESC)))
                        is_asking_stop = false;
        }
        free(runs);
        return next;
}

/* ---- the state file at start, and before a new disposal ------------------------------------------ */

enum tui_step tui_runner_attach(struct tui *t, enum tui_step otherwise)
{
        struct runner *r = NULL;
        struct runner_state *st = NULL;
        int k = runner_open(&r);
        if (k == -EPROTO) {
                char path[256];
                if (runner_state_path(path, sizeof path) < 0)
                        path[0] = 0;
                tui_message(t, true, _("%s is not a state file this kesu can read: left as it is"), path);
        }
        if (k < 0)
                return otherwise;
        if (runner_snapshot(r, &st) < 0) {
                runner_free(r);
                return otherwise;
        }
        bool is_alive = runner_is_alive(r);
        if (st->phase == RUNNER_PHASE_DONE) {
                t->runner = r;
                if (st->n_started == 0) {
                        free(st);
                        tui_runner_forget(t);
                        return otherwise;
                }
                t->run_state = st;
                tui_message(t, false,
                            _("The last disposal ended while the screen was not running: its results"));
                return TUI_STEP_RESULTS;
        }
        if (is_alive) {
                t->runner = r;
                tui_message(t, false, _("Re-attached to the running disposal (started by %s and %s)"),
                            st->operator_id, st->witness_id);
                free(st);
                return TUI_STEP_RUN;
        }
        free(st);
        runner_free(r);
        say_interrupted(t);
        (void)runner_remove(); /* said once: the journal is what remembers */
        return otherwise;
}

bool tui_runner_is_busy(struct tui *t)
{
        struct runner *r = NULL;
        if (runner_open(&r) < 0)
                return false;
        bool is_busy = runner_is_alive(r);
        runner_free(r);
        if (is_busy)
                tui_message(t, true, "%s", busy_message());
        return is_busy;
}

void tui_runner_forget(struct tui *t)
{
        /* a runner that just said DONE may hold its lock for a moment more, until it exits */
        for (int tries = 0; tries < 40 && runner_remove() == -EBUSY; tries++)
                nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
        t->runner = runner_free(t->runner);
        free(t->run_state);
        t->run_state = NULL;
}
