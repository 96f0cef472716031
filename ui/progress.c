/* SPDX-License-Identifier: MIT */
/* Running jobs from the front end: Ctrl-C/SIGTERM, the live bar, JSON progress events. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "ui.h"

volatile sig_atomic_t ui_stop_signal;

static void on_stop_signal(int sig)
{
        ui_stop_signal = sig;
}

void ui_install_stop_signals(void)
{
        struct sigaction sa = { .sa_handler = on_stop_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
}

void ui_json_line(json_t *o)
{
        if (!o)
                return;
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        fflush(stdout);
        json_decref(o);
}

static void format_eta(double seconds, char *buf, size_t size)
{
        if (seconds < 0 || seconds > 1e7)
                snprintf(buf, size, "--:--");
        else
                snprintf(buf, size, "%d:%02d:%02d", (int)seconds / 3600, (int)seconds / 60 % 60,
                         (int)seconds % 60);
}

static void report(struct ui_progress *p, struct ui_progress_item *items, size_t n, bool is_final)
{
        int64_t now = now_monotonic_ns();
        double dt = (double)(now - p->last_ns) / 1e9;
        uint64_t done = 0, total = 0;
        double total_rate = 0;
        bool is_json_due = p->is_json && (is_final || now - p->last_json_ns >= 1000000000);
        char line[1024];
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                struct ui_progress_item *it = &items[i];
                if (it->is_done && it->final_rate > 0)
                        it->rate = it->final_rate; /* a finished job's rate is its own */
                else if (dt > 0) {
                        double inst = (double)(it->bytes_done - it->last_bytes) / dt;
                        it->rate = it->rate == 0 ? inst : 0.7 * it->rate + 0.3 * inst;
                }
                it->last_bytes = it->bytes_done;
                done += it->bytes_done;
                total += it->bytes_total;
                total_rate += it->is_done ? 0 : it->rate;
                double pct =
                        it->bytes_total ? 100.0 * (double)it->bytes_done / (double)it->bytes_total : 100;
                double eta = it->is_done    ? 0
                             : it->rate > 0 ? (double)(it->bytes_total - it->bytes_done) / it->rate
                                            : -1;
                if (is_json_due)
                        ui_json_line(json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:f, s:f, s:f}", "event",
                                               "progress", "phase", p->phase, "path", it->path, "pass",
                                               it->pass, "passes", it->n_passes, "bytes_done",
                                               (json_int_t)it->bytes_done, "bytes_total",
                                               (json_int_t)it->bytes_total, "percent", pct, "mb_per_s",
                                               it->rate / 1e6, "eta_seconds", eta));
                if (p->is_tty && n > 1 && o < sizeof line)
                        o += (size_t)snprintf(line + o, sizeof line - o, " | %s %3.0f%%", it->label, pct);
        }
        if (is_final && now > p->start_ns)
                total_rate = (double)done / ((double)(now - p->start_ns) / 1e9); /* over the whole run */
        double pct = total ? 100.0 * (double)done / (double)total : 100;
        double eta = is_final ? 0 : total_rate > 0 ? (double)(total - done) / total_rate : -1;
        if (is_json_due) {
                ui_json_line(json_pack("{s:s, s:s, s:I, s:I, s:f, s:f, s:f}", "event", "total", "phase",
                                       p->phase, "bytes_done", (json_int_t)done, "bytes_total",
                                       (json_int_t)total, "percent", pct, "mb_per_s", total_rate / 1e6,
                                       "eta_seconds", eta));
                p->last_json_ns = now;
        }
        if (p->is_tty) {
                char etas[32], bar[31];
                format_eta(eta, etas, sizeof etas);
                int filled = (int)(pct * 30 / 100);
                for (int k = 0; k < 30; k++)
                        bar[k] = k < filled ? '#' : '-';
                bar[30] = 0;
                fprintf(stderr, "\r%-6s [%s] %5.1f%% %8.0f MB/s  left %s%s\033[K", p->phase, bar, pct,
                        total_rate / 1e6, etas, n > 1 ? line : "");
                if (is_final)
                        fputc('\n', stderr);
                fflush(stderr);
        }
        p->last_ns = now;
}

void ui_run_jobs(void *const *jobs, size_t n, const struct ui_job_ops *ops, const char *phase, bool is_json,
                 struct ui_progress_item *items)
{
        struct ui_progress p = { .phase = phase,
                                 .is_json = is_json,
                                 .is_tty = !is_json && isatty(STDERR_FILENO) };
        p.start_ns = p.last_ns = p.last_json_ns = now_monotonic_ns();
        bool is_stop_sent = false;
        for (;;) {
                bool is_all_done = true;
                for (size_t i = 0; i < n; i++) {
                        ops->progress(jobs[i], &items[i]);
                        is_all_done = is_all_done && items[i].is_done;
                }
                if (ui_stop_signal && !is_stop_sent) {
                        for (size_t i = 0; i < n; i++)
                                ops->request_stop(jobs[i]);
                        is_stop_sent = true;
                }
                if (is_all_done)
                        break;
                report(&p, items, n, false);
                /* Sleep until the next tick, or until any job ends (no tick's worth of latency). */
                struct pollfd pfds[n > 0 ? n : 1];
                for (size_t i = 0; i < n; i++)
                        pfds[i] = (struct pollfd){ .fd = ops->done_fd(jobs[i]), .events = POLLIN };
                poll(pfds, n, 200);
        }
        report(&p, items, n, true);
}
