/* SPDX-License-Identifier: MIT */
/* Every disk at once: a bar, MB/s, time left, the pass (or "purge") and the verification — read
 * from the session (session_progress) while waiting on its event descriptor with a timeout, so
 * nothing spins. Wipes end → the session verifies → verifications end → each target is finished
 * (verdict, certificate, export, print). Ctrl-C asks, then asks the session to stop: every disk
 * not finished gets its FAIL certificate. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common.h"
#include "tui.h"

struct target_run {
        bool is_wipe_done, is_verify_expected, is_verify_done;
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

static void update_rate(struct target_run *tr, const struct session_progress *p, int64_t now)
{
        if (p->is_verifying != tr->was_verifying || tr->sample_ns == 0) {
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

static void draw(struct tui *t, struct target_run *runs, size_t n, bool is_asking_stop)
{
        struct session *s = t->session;
        int y = tui_frame(t, _("Erasing"), _("[Ctrl-C] stop"));
        tui_putf(y++, 2, COLS - 4, _("%zu disks are being erased and verified. Do not remove them."), n);
        y++;
        int64_t now = now_monotonic_ns();
        for (size_t i = 0; i < n && y < LINES - 5; i++) {
                struct session_progress p;
                if (session_progress(s, i, &p) < 0)
                        continue;
                struct target_run *tr = &runs[i];
                update_rate(tr, &p, now);
                const struct disk_info *d = session_disk(s, i);
                const struct wipe_method *m = session_target_method(s, i);
                char step[128], left[32];
                if (tr->is_verify_done || (tr->is_wipe_done && !tr->is_verify_expected && p.is_done))
                        snprintf(step, sizeof step, "%s", _("done"));
                else if (p.is_verifying)
                        snprintf(step, sizeof step, "%s", _("verifying"));
                else if (tr->is_wipe_done)
                        snprintf(step, sizeof step, "%s", _("waiting for the other disks"));
                else if (m->technique == WIPE_TECHNIQUE_PURGE)
                        snprintf(step, sizeof step, "%s (%s)", _("purge"), m->name);
                else
                        snprintf(step, sizeof step, _("pass %u/%u"), p.pass, p.n_passes);
                double pct = p.bytes_total ? 100.0 * (double)p.bytes_done / (double)p.bytes_total : 0;
                format_left(tr->rate > 0 ? (double)(p.bytes_total - p.bytes_done) / tr->rate : -1, left,
                            sizeof left);
                attron(A_BOLD);
                tui_putf(y++, 2, COLS - 4, "%s  %s  %s", d->identity.path, t->plans[i].asset, step);
                attroff(A_BOLD);
                int bar_w = COLS > 60 ? COLS - 44 : 16;
                tui_bar(y, 4, bar_w, p.bytes_done, p.bytes_total);
                tui_putf(y, 5 + bar_w, COLS - bar_w - 6, "%5.1f%%  %7.1f MB/s  %s %s", pct, tr->rate / 1e6,
                         _("left"), left);
                y += 2;
        }
        if (is_asking_stop) {
                attron(A_REVERSE | A_BOLD);
                tui_put(LINES - 3, 1, COLS - 2,
                        _("Stop every disk? Disks not finished get a FAIL certificate. [y] stop  [n] go "
                          "on"));
                attroff(A_REVERSE | A_BOLD);
        } else if (session_is_stop_requested(s))
                tui_put(LINES - 3, 1, COLS - 2, _("Stopping… each disk ends with its certificate."));
        curs_set(0);
        refresh();
}

/* Each started target is finished: verdict, certificate, journal, export, print. */
static void finish_all(struct tui *t, size_t n)
{
        tui_frame(t, _("Erasing"), "");
        tui_put(3, 2, COLS - 4, _("Filing the certificates…"));
        refresh();
        t->outcomes = calloc(n ? n : 1, sizeof *t->outcomes);
        t->has_outcome = calloc(n ? n : 1, sizeof *t->has_outcome);
        if (!t->outcomes || !t->has_outcome)
                return;
        for (size_t i = 0; i < n; i++)
                t->has_outcome[i] = session_finish(t->session, i, &t->outcomes[i]) == 0;
        tui_take_stderr(t);
        size_t notes = session_n_notes(t->session);
        if (notes)
                tui_message(t, false, "%s", session_note(t->session, notes - 1));
}

enum tui_step tui_screen_run(struct tui *t)
{
        struct session *s = t->session;
        tui_frame(t, _("Erasing"), "");
        tui_put(3, 2, COLS - 4, _("Opening the disks…"));
        refresh();
        struct session_refusal refusal;
        int r = session_start(s, &refusal);
        size_t n = session_n_started(s);
        if (r < 0) {
                tui_message(t, true, _("Refused: %s"), r == -EPERM ? refusal.message : strerror(-r));
                if (n == 0) {
                        tui_disposal_end(t);
                        return TUI_STEP_DISKS;
                }
        }
        struct target_run *runs = calloc(n ? n : 1, sizeof *runs);
        if (!runs)
                return TUI_STEP_QUIT;
        bool is_verifying = false, is_asking_stop = false;
        for (;;) {
                if (ui_stop_signal && !session_is_stop_requested(s))
                        session_request_stop(s);
                size_t n_wiped = 0, n_verified = 0, n_expected = 0;
                for (size_t i = 0; i < n; i++) {
                        n_wiped += runs[i].is_wipe_done;
                        n_expected += runs[i].is_verify_expected;
                        n_verified += runs[i].is_verify_done;
                }
                if (!is_verifying && n_wiped == n) {
                        /* every wipe ended: the session verifies those that ran to their end */
                        session_verify(s);
                        for (size_t i = 0; i < n; i++)
                                runs[i].is_verify_expected = session_verify_job(s, i) != NULL;
                        is_verifying = true;
                        continue;
                }
                if (is_verifying && n_verified == n_expected)
                        break;
                draw(t, runs, n, is_asking_stop);
                int fd = session_event_fd(s);
                struct tui_input in;
                tui_next_input(t, &fd, fd >= 0 ? 1 : 0, 500, &in);
                if (in.kind == TUI_INPUT_FD) {
                        struct session_event ev;
                        while (session_next_event(s, &ev) == 0 && ev.target < n) {
                                if (ev.kind == SESSION_EVENT_WIPE_DONE)
                                        runs[ev.target].is_wipe_done = true;
                                else
                                        runs[ev.target].is_verify_done = true;
                        }
                } else if (tui_input_is_char(&in, TUI_CTRL_C) && !session_is_stop_requested(s))
                        is_asking_stop = true;
                else if (is_asking_stop && (tui_input_is_char(&in, L'y') || tui_input_is_char(&in, L'Y'))) {
                        is_asking_stop = false;
                        session_request_stop(s);
                } else if (is_asking_stop && (tui_input_is_char(&in, L'n') || tui_input_is_char(&in, L'N') ||
                                              tui_input_is_char(&in, TUI_ESC)))
                        is_asking_stop = false;
        }
        free(runs);
        finish_all(t, n);
        return TUI_STEP_RESULTS;
}
