/* SPDX-License-Identifier: MIT */
/* `kesu wipe`: confirm, erase every target in parallel, report progress and results. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "ui.h"

struct wipe_cli {
        const char *method_spec;
        const char *verify;
        bool is_yes;
        bool is_json;
        struct wipe_options opts;
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
        stop_signal = sig;
}

/* Seconds from this process's start (as the kernel counts it, exec included) to t (CLOCK_BOOTTIME). */
static double seconds_since_process_start(int64_t t_boot_ns)
{
        _cleanup_free_ char *stat = NULL;
        if (t_boot_ns == 0 || read_one_line_file("/proc/self/stat", &stat) < 0)
                return -1;
        /* field 22 (starttime) comes after the ")" that closes the command name */
        const char *p = strrchr(stat, ')');
        unsigned long long start_ticks;
        if (!p ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &start_ticks) != 1)
                return -1;
        double start_ns = (double)start_ticks * 1e9 / (double)sysconf(_SC_CLK_TCK);
        return ((double)t_boot_ns - start_ns) / 1e9;
}

void ui_format_utc(int64_t ns, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%03dZ", (int)((ns / 1000000) % 1000));
}

static void key_hex(const uint8_t *key, char out[2 * WIPE_KEY_BYTES + 1])
{
        for (size_t i = 0; i < WIPE_KEY_BYTES; i++)
                sprintf(out + 2 * i, "%02x", key[i]);
}

json_t *ui_wipe_result_to_json(const struct wipe_result *r, const struct disk_info *info)
{
        json_t *passes = json_array(), *ranges = json_array();
        if (!passes || !ranges) {
                json_decref(passes);
                json_decref(ranges);
                return NULL;
        }
        for (size_t i = 0; i < r->method.n_passes; i++) {
                const struct wipe_pass_result *p = &r->passes[i];
                char pat[128], seed[2 * WIPE_KEY_BYTES + 1], start[40] = "", end[40] = "";
                if (p->started_ns)
                        ui_format_utc(p->started_ns, start, sizeof start);
                if (p->ended_ns)
                        ui_format_utc(p->ended_ns, end, sizeof end);
                key_hex(p->pattern.key, seed);
                json_array_append_new(
                        passes,
                        json_pack("{s:I, s:s, s:o, s:I, s:b, s:o, s:o}", "number", (json_int_t)(i + 1),
                                  "pattern", wipe_pattern_describe(&p->pattern, pat, sizeof pat), "seed",
                                  p->pattern.kind == WIPE_PATTERN_RANDOM ? json_string(seed) : json_null(),
                                  "bytes_written", (json_int_t)p->bytes_written, "flushed",
                                  (int)p->is_flushed, "started_utc",
                                  start[0] ? json_string(start) : json_null(), "ended_utc",
                                  end[0] ? json_string(end) : json_null()));
        }
        for (size_t i = 0; i < r->n_unwritten; i++)
                json_array_append_new(ranges,
                                      json_pack("{s:I, s:I, s:I}", "pass", (json_int_t)r->unwritten[i].pass,
                                                "first_lba", (json_int_t)r->unwritten[i].first_lba,
                                                "last_lba", (json_int_t)r->unwritten[i].last_lba));

        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        double first = seconds_since_process_start(r->first_write_boot_ns);
        char start[40], end[40];
        ui_format_utc(r->started_ns, start, sizeof start);
        ui_format_utc(r->ended_ns, end, sizeof end);
        bool is_pass = wipe_result_is_pass(r);
        return json_pack(
                "{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:s, s:s, s:f, s:f, s:o,"
                " s:o, s:b, s:o, s:o}",
                "event", "result", "path", r->identity.path, "outcome", is_pass ? "PASS" : "FAIL", "error",
                r->error ? json_string(strerror(r->error)) : json_null(), "status",
                wipe_status_to_string(r->status), "method", r->method.name, "method_spec", r->method.spec,
                "passes", passes, "size_bytes", (json_int_t)r->identity.size_bytes, "bytes_written",
                (json_int_t)r->bytes_written, "bytes_total", (json_int_t)r->bytes_total, "sector_bytes",
                (json_int_t)r->identity.logical_sector_bytes, "started_utc", start, "ended_utc", end,
                "duration_seconds", seconds, "mb_per_s",
                seconds > 0 ? (double)r->bytes_written / seconds / 1e6 : 0.0,
                "first_write_after_start_seconds", first >= 0 ? json_real(first) : json_null(), "engine",
                r->engine ? json_string(r->engine) : json_null(), "direct_io", (int)r->is_direct_io,
                "unwritten_ranges", ranges, "disk", info ? ui_disk_to_json(info) : json_null());
}

static void print_json_line(json_t *o)
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

struct progress_state {
        int64_t start_ns;
        int64_t last_json_ns;
        uint64_t *last_bytes; /* per job, for the rate */
        int64_t last_ns;
        double *rate; /* bytes/s, smoothed */
};

static void report_progress(struct wipe_job **jobs, size_t n, const struct wipe_cli *cli,
                            struct progress_state *st, bool is_final)
{
        int64_t now = now_monotonic_ns();
        double dt = (double)(now - st->last_ns) / 1e9;
        uint64_t total_done = 0, total_all = 0;
        double total_rate = 0;
        bool is_json_due = cli->is_json && (is_final || now - st->last_json_ns >= 1000000000);
        bool is_tty = !cli->is_json && isatty(STDERR_FILENO);
        char line[1024];
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                struct wipe_progress p;
                wipe_job_progress(jobs[i], &p);
                const struct wipe_result *res = wipe_job_result(jobs[i]);
                if (p.is_done && res->ended_ns > res->started_ns)
                        /* a finished job's rate is its own: bytes over its whole run */
                        st->rate[i] = (double)res->bytes_written /
                                      ((double)(res->ended_ns - res->started_ns) / 1e9);
                else if (dt > 0) {
                        double inst = (double)(p.bytes_done - st->last_bytes[i]) / dt;
                        st->rate[i] = st->rate[i] == 0 ? inst : 0.7 * st->rate[i] + 0.3 * inst;
                }
                st->last_bytes[i] = p.bytes_done;
                total_done += p.bytes_done;
                total_all += p.bytes_total;
                total_rate += st->rate[i];
                double pct = p.bytes_total ? 100.0 * (double)p.bytes_done / (double)p.bytes_total : 100;
                double eta = st->rate[i] > 0 ? (double)(p.bytes_total - p.bytes_done) / st->rate[i] : -1;
                if (is_json_due)
                        print_json_line(json_pack(
                                "{s:s, s:s, s:i, s:i, s:I, s:I, s:f, s:f, s:f}", "event", "progress", "path",
                                wipe_job_result(jobs[i])->identity.path, "pass", p.pass, "passes",
                                p.n_passes, "bytes_done", (json_int_t)p.bytes_done, "bytes_total",
                                (json_int_t)p.bytes_total, "percent", pct, "mb_per_s", st->rate[i] / 1e6,
                                "eta_seconds", p.is_done ? 0.0 : eta));
                if (is_tty && n > 1 && o < sizeof line)
                        o += (size_t)snprintf(line + o, sizeof line - o, " | %s %3.0f%%",
                                              wipe_job_result(jobs[i])->identity.name
                                                      ? wipe_job_result(jobs[i])->identity.name
                                                      : "file",
                                              pct);
        }
        double pct = total_all ? 100.0 * (double)total_done / (double)total_all : 100;
        double eta = total_rate > 0 ? (double)(total_all - total_done) / total_rate : -1;
        if (is_json_due) {
                print_json_line(json_pack("{s:s, s:I, s:I, s:f, s:f, s:f}", "event", "total", "bytes_done",
                                          (json_int_t)total_done, "bytes_total", (json_int_t)total_all,
                                          "percent", pct, "mb_per_s", total_rate / 1e6, "eta_seconds", eta));
                st->last_json_ns = now;
        }
        if (is_tty) {
                char etas[32], bar[31];
                format_eta(eta, etas, sizeof etas);
                int filled = (int)(pct * 30 / 100);
                for (int k = 0; k < 30; k++)
                        bar[k] = k < filled ? '#' : '-';
                bar[30] = 0;
                fprintf(stderr, "\r[%s] %5.1f%% %8.0f MB/s  left %s%s\033[K", bar, pct, total_rate / 1e6,
                        etas, n > 1 ? line : "");
                if (is_final)
                        fputc('\n', stderr);
                fflush(stderr);
        }
        st->last_ns = now;
}

static void print_result_human(const struct wipe_result *r)
{
        char size[32];
        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        bool is_pass = wipe_result_is_pass(r);
        printf("%s  %s  %s (%zu pass%s)  %s written in %.2f s (%.0f MB/s)  %s\n", is_pass ? "PASS" : "FAIL",
               r->identity.path, r->method.name, r->method.n_passes, r->method.n_passes == 1 ? "" : "es",
               ui_format_bytes(r->bytes_written, size, sizeof size), seconds,
               seconds > 0 ? (double)r->bytes_written / seconds / 1e6 : 0.0,
               wipe_status_to_string(r->status));
        if (r->error)
                printf("      error: %s\n", strerror(r->error));
        for (size_t i = 0; i < r->n_unwritten && i < 20; i++)
                printf("      not overwritten: pass %u, LBA %" PRIu64 "-%" PRIu64 " (%u-byte sectors)\n",
                       r->unwritten[i].pass, r->unwritten[i].first_lba, r->unwritten[i].last_lba,
                       r->identity.logical_sector_bytes);
        if (r->n_unwritten > 20)
                printf("      … and %zu more ranges not overwritten\n", r->n_unwritten - 20);
}

static bool confirm(const struct disk_info *disks, size_t n, const struct wipe_method *m)
{
        printf("About to ERASE %zu disk%s with method %s (%s):\n\n", n, n == 1 ? "" : "s", m->name,
               m->description);
        ui_print_disk_table(stdout, disks, n);
        printf("\nEverything on %s will be destroyed. Type 'yes' to continue: ", n == 1 ? "it" : "them");
        fflush(stdout);
        char answer[16] = "";
        if (!fgets(answer, sizeof answer, stdin))
                return false;
        answer[strcspn(answer, "\n")] = 0;
        return strcmp(answer, "yes") == 0;
}

static void wipe_help(void)
{
        printf("Usage: kesu wipe [OPTIONS] TARGET...\n"
               "\n"
               "Erases every target (block devices or image files) in parallel.\n"
               "\n"
               "  --method NAME      overwrite method (default random), or passes:P,P,… with P one of\n"
               "                     zero, one, random, 0xHH… (1-16 bytes), ~0xHH… (complement), comp\n"
               "  --verify MODE      none (sample and full arrive with the verifier)\n"
               "  --yes              do not ask for confirmation (required without a terminal)\n"
               "  --json             JSON Lines events on stdout\n"
               "  --engine E         auto (default), io_uring or sync\n"
               "  --chunk-bytes N    bytes per write (default 1048576)\n"
               "  --queue-depth N    writes in flight per disk (default 8)\n"
               "\nMethods:\n");
        const char *desc;
        const char *name;
        for (size_t i = 0; (name = wipe_method_name(i, &desc)); i++)
                printf("  %-10s %s\n", name, desc);
}

static int parse_uint(const char *s, const char *what, uint64_t max, uint64_t *ret)
{
        if (parse_u64(s, ret) < 0 || *ret == 0 || *ret > max) {
                ui_error("wipe: %s must be a whole number from 1 to %" PRIu64 ", not '%s'", what, max, s);
                return -EINVAL;
        }
        return 0;
}

static int parse_args(int argc, char **argv, struct wipe_cli *cli)
{
        static const struct option options[] = {
                { "method", required_argument, NULL, 'm' },
                { "verify", required_argument, NULL, 'v' },
                { "yes", no_argument, NULL, 'y' },
                { "json", no_argument, NULL, 'j' },
                { "engine", required_argument, NULL, 'e' },
                { "chunk-bytes", required_argument, NULL, 'c' },
                { "queue-depth", required_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        *cli = (struct wipe_cli){ .method_spec = "random", .verify = "sample" };
        uint64_t v;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'm':
                        cli->method_spec = optarg;
                        break;
                case 'v':
                        cli->verify = optarg;
                        break;
                case 'y':
                        cli->is_yes = true;
                        break;
                case 'j':
                        cli->is_json = true;
                        break;
                case 'e':
                        if (strcmp(optarg, "auto") == 0)
                                cli->opts.engine = WIPE_ENGINE_AUTO;
                        else if (strcmp(optarg, "io_uring") == 0)
                                cli->opts.engine = WIPE_ENGINE_URING;
                        else if (strcmp(optarg, "sync") == 0)
                                cli->opts.engine = WIPE_ENGINE_SYNC;
                        else {
                                ui_error("wipe: unknown engine '%s' (auto, io_uring, sync)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'c':
                        if (parse_uint(optarg, "--chunk-bytes", 64u << 20, &v) < 0)
                                return -EINVAL;
                        if (v % 4096) {
                                ui_error("wipe: --chunk-bytes must be a multiple of 4096, not %s", optarg);
                                return -EINVAL;
                        }
                        cli->opts.chunk_bytes = (uint32_t)v;
                        break;
                case 'q':
                        if (parse_uint(optarg, "--queue-depth", 256, &v) < 0)
                                return -EINVAL;
                        cli->opts.queue_depth = (unsigned)v;
                        break;
                case 'h':
                        wipe_help();
                        return 1;
                case '?':
                default:
                        if (optopt && strchr("mvecq", optopt))
                                ui_error("wipe: option '%s' needs a value", argv[optind - 1]);
                        else
                                ui_error("wipe: unknown option '%s' (see 'kesu wipe --help')",
                                         argv[optind - 1]);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Refuses what must not be erased; returns an exit code, or -1 to go on. */
static int check_targets(const struct disk_info *disks, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct disk_identity *a = &disks[i].identity;
                if (disks[i].protection.is_protected) {
                        ui_error("wipe: refusing to erase %s: it is protected (%s)", a->path,
                                 disks[i].protection.reason);
                        return KESU_EXIT_SAFETY;
                }
                if (a->size_bytes < a->logical_sector_bytes) {
                        ui_error("wipe: %s is smaller than one sector (%" PRIu64 " bytes)", a->path,
                                 a->size_bytes);
                        return KESU_EXIT_USAGE;
                }
                for (size_t k = 0; k < i; k++) {
                        const struct disk_identity *b = &disks[k].identity;
                        if (a->is_block_device == b->is_block_device &&
                            (a->is_block_device
                                     ? a->devnum == b->devnum
                                     : a->file_devnum == b->file_devnum && a->file_inode == b->file_inode)) {
                                ui_error("wipe: %s and %s are the same target", b->path, a->path);
                                return KESU_EXIT_USAGE;
                        }
                }
        }
        return -1;
}

static int open_error_exit(const char *path, int r)
{
        switch (-r) {
        case EBUSY:
                ui_error("wipe: refusing to erase %s: it is in use (cannot open it exclusively)", path);
                return KESU_EXIT_SAFETY;
        case ESTALE:
                ui_error("wipe: refusing to erase %s: it changed since it was identified", path);
                return KESU_EXIT_SAFETY;
        case EROFS:
        case EACCES:
        case EPERM:
                ui_error("wipe: %s is read-only (%s)", path, strerror(-r));
                return KESU_EXIT_USAGE;
        case ENOSPC:
                ui_error("wipe: %s is smaller than one sector", path);
                return KESU_EXIT_USAGE;
        default:
                ui_error("wipe: cannot open %s for writing: %s", path, ui_target_error(r));
                return KESU_EXIT_USAGE;
        }
}

int ui_cmd_wipe(int argc, char **argv)
{
        struct wipe_cli cli;
        int r = parse_args(argc, argv, &cli);
        if (r != 0)
                return r > 0 ? KESU_EXIT_OK : KESU_EXIT_USAGE;

        struct wipe_method method;
        r = wipe_method_lookup(cli.method_spec, &method);
        if (r == -ENOENT) {
                ui_error("wipe: unknown method '%s' (see 'kesu wipe --help')", cli.method_spec);
                return KESU_EXIT_USAGE;
        }
        if (r < 0) {
                ui_error("wipe: malformed pass list '%s' (passes: zero, one, random, 0xHH…, ~0xHH…, comp; "
                         "at most %d)",
                         cli.method_spec, WIPE_MAX_PASSES);
                return KESU_EXIT_USAGE;
        }
        if (strcmp(cli.verify, "none") != 0) {
                if (strcmp(cli.verify, "sample") == 0 || strcmp(cli.verify, "full") == 0)
                        ui_error("wipe: --verify %s is not available in this build yet; pass --verify none",
                                 cli.verify);
                else
                        ui_error("wipe: unknown verification mode '%s' (none, sample, full)", cli.verify);
                return KESU_EXIT_USAGE;
        }
        if (optind >= argc) {
                ui_error("wipe: no target given (see 'kesu wipe --help')");
                return KESU_EXIT_USAGE;
        }
        if (!cli.is_yes && !isatty(STDIN_FILENO)) {
                ui_error("wipe: no terminal to confirm on; pass --yes to erase without a question");
                return KESU_EXIT_USAGE;
        }

        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(argv + optind, &disks, &n) < 0)
                return KESU_EXIT_USAGE;
        int exit_code = check_targets(disks, n);
        if (exit_code >= 0)
                goto out_disks;
        if (!cli.is_yes && !confirm(disks, n, &method)) {
                ui_error("wipe: not confirmed; nothing was written");
                exit_code = KESU_EXIT_USAGE;
                goto out_disks;
        }

        struct wipe_job **jobs = calloc(n, sizeof *jobs);
        struct progress_state ps = { .last_bytes = calloc(n, sizeof(uint64_t)),
                                     .rate = calloc(n, sizeof(double)) };
        if (!jobs || !ps.last_bytes || !ps.rate) {
                ui_error("out of memory");
                exit_code = KESU_EXIT_NOT_SANITIZED;
                goto out_jobs;
        }
        /* Open every target before writing to any: one refusal stops all, with nothing written. */
        for (size_t i = 0; i < n; i++) {
                r = wipe_job_new(&disks[i].identity, &method, &cli.opts, &jobs[i]);
                if (r < 0) {
                        ui_error("wipe: cannot prepare %s: %s", disks[i].identity.path, strerror(-r));
                        exit_code = KESU_EXIT_USAGE;
                        goto out_jobs;
                }
                r = wipe_job_open(jobs[i]);
                if (r < 0) {
                        exit_code = open_error_exit(disks[i].identity.path, r);
                        goto out_jobs;
                }
        }

        struct sigaction sa = { .sa_handler = on_stop_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);

        if (cli.is_json)
                for (size_t i = 0; i < n; i++)
                        print_json_line(json_pack("{s:s, s:s, s:s, s:I, s:I}", "event", "start", "path",
                                                  disks[i].identity.path, "method", method.name, "passes",
                                                  (json_int_t)method.n_passes, "size_bytes",
                                                  (json_int_t)disks[i].identity.size_bytes));
        ps.start_ns = ps.last_ns = ps.last_json_ns = now_monotonic_ns();
        size_t n_started = 0;
        for (; n_started < n; n_started++)
                if ((r = wipe_job_start(jobs[n_started])) < 0) {
                        ui_error("wipe: cannot start the job for %s: %s", disks[n_started].identity.path,
                                 strerror(-r));
                        stop_signal = SIGTERM;
                        break;
                }

        bool is_stop_sent = false;
        for (;;) {
                bool is_all_done = true;
                for (size_t i = 0; i < n_started; i++) {
                        struct wipe_progress p;
                        wipe_job_progress(jobs[i], &p);
                        is_all_done = is_all_done && p.is_done;
                }
                if (stop_signal && !is_stop_sent) {
                        for (size_t i = 0; i < n_started; i++)
                                wipe_job_request_stop(jobs[i]);
                        is_stop_sent = true;
                }
                if (is_all_done)
                        break;
                report_progress(jobs, n_started, &cli, &ps, false);
                /* Sleep until the next tick, or until any job ends (no tick's worth of latency). */
                struct pollfd pfds[n_started > 0 ? n_started : 1];
                for (size_t i = 0; i < n_started; i++)
                        pfds[i] = (struct pollfd){ .fd = wipe_job_done_fd(jobs[i]), .events = POLLIN };
                poll(pfds, n_started, 200);
        }
        report_progress(jobs, n_started, &cli, &ps, true);

        size_t n_passed = 0;
        uint64_t bytes = 0;
        for (size_t i = 0; i < n_started; i++) {
                wipe_job_wait(jobs[i]);
                const struct wipe_result *res = wipe_job_result(jobs[i]);
                n_passed += wipe_result_is_pass(res);
                bytes += res->bytes_written;
                if (cli.is_json)
                        print_json_line(ui_wipe_result_to_json(res, &disks[i]));
                else
                        print_result_human(res);
        }
        double seconds = (double)(now_monotonic_ns() - ps.start_ns) / 1e9;
        if (cli.is_json)
                print_json_line(json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:o}", "event", "summary",
                                          "targets", (json_int_t)n, "passed", (json_int_t)n_passed, "failed",
                                          (json_int_t)(n - n_passed), "duration_seconds", seconds,
                                          "bytes_written", (json_int_t)bytes, "interrupted",
                                          stop_signal ? json_true() : json_false()));
        else
                printf("%zu of %zu target%s erased%s\n", n_passed, n, n == 1 ? "" : "s",
                       stop_signal ? " (interrupted)" : "");
        exit_code = n_passed == n && n_started == n ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;

out_jobs:
        for (size_t i = 0; jobs && i < n; i++)
                wipe_job_free(jobs[i]);
        free(jobs);
        free(ps.last_bytes);
        free(ps.rate);
out_disks:
        ui_disk_infos_free(disks, n);
        return exit_code;
}
