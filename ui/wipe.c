/* SPDX-License-Identifier: MIT */
/* `kesu wipe`: confirm, erase every target in parallel, report progress and results. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "ui.h"

struct wipe_cli {
        const char *method_spec;
        const char *verify;
        bool is_yes;
        bool is_json;
        double sample_percent;
        uint64_t plan_seed;
        bool has_plan_seed;
        bool is_verify_all_passes;
        struct wipe_options opts;
        /* the certificate */
        bool is_no_cert;
        bool is_print;
        const char *printer;
        const char *config;
        const char *cert_dir;
        const char *export_dir; /* a copy of each certificate goes here too (the export stick) */
        const char *key;
        const char *ledger;
        const char *passphrase_file;
        const char *assets; /* one, or one per target, comma-separated */
        struct cert_context ctx;
};

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
        if (r->status == WIPE_STATUS_PROTECTED)
                printf("      became protected: %s%s\n", r->protected_reason ? r->protected_reason : "?",
                       r->is_protected_before_write ? " (nothing was written)" : "");
        else if (r->error)
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
               "  --verify MODE      sample (default: NIST SP 800-88 sampling of the last pass), full\n"
               "                     (every byte read back) or none\n"
               "  --verify-passes W  last (default) or all: also verify every earlier pass as it ends\n"
               "  --sample-percent P coverage of the sample (default 10)\n"
               "  --plan-seed S      the sample plan's seed (hex; default: drawn and reported)\n"
               "\nThe certificate (one per target; --no-cert for none):\n"
               "  --operator ID --witness ID    the two people doing the work (must differ)\n"
               "  --asset NUMBER[,NUMBER…]      asset number(s): one for all targets or one each\n"
               "  --class 1|2|3|3A|3B|3C        confidentiality class before sanitization\n"
               "  --destination D               internal-reuse, external-reuse, lease-return, recycling,\n"
               "                                destruction\n"
               "  --organization NAME  --media-source TEXT\n"
               "  --key FILE (appliance.key) --passphrase-file F --cert-dir DIR (where they are filed)\n"
               "  --export-dir DIR   also copy each certificate here (the export stick); a failed copy\n"
               "                     is reported and loses nothing: the certificate stays filed\n"
               "  --ledger FILE (default: ledger.jsonl beside the key)  --print [--printer NAME]\n"
               "  --config FILE      key = value defaults (organization, key, cert-dir, export-dir,\n"
               "                     ledger, printer, media-source); default /etc/kesu/kesu.conf\n"
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
                { "sample-percent", required_argument, NULL, 'p' },
                { "plan-seed", required_argument, NULL, 's' },
                { "operator", required_argument, NULL, 'O' },
                { "witness", required_argument, NULL, 'W' },
                { "asset", required_argument, NULL, 'A' },
                { "class", required_argument, NULL, 'C' },
                { "destination", required_argument, NULL, 'D' },
                { "organization", required_argument, NULL, 'G' },
                { "media-source", required_argument, NULL, 'S' },
                { "cert-dir", required_argument, NULL, 'R' },
                { "export-dir", required_argument, NULL, 'E' },
                { "key", required_argument, NULL, 'K' },
                { "ledger", required_argument, NULL, 'L' },
                { "passphrase-file", required_argument, NULL, 'P' },
                { "config", required_argument, NULL, 'F' },
                { "no-cert", no_argument, NULL, 'N' },
                { "verify-passes", required_argument, NULL, 'V' },
                { "print", no_argument, NULL, 'X' },
                { "printer", required_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        *cli = (struct wipe_cli){ .method_spec = "random", .verify = "sample" };
        uint64_t v;
        int c;
        opterr = 0;
        optind = 0; /* a fresh scan, also when called from the demo */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
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
                case 'p':
                        if (ui_parse_percent(optarg, &cli->sample_percent) < 0) {
                                ui_error("wipe: --sample-percent takes a number above 0 and at most 100, "
                                         "not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        break;
                case 's':
                        if (ui_parse_plan_seed(optarg, &cli->plan_seed) < 0) {
                                ui_error("wipe: --plan-seed takes up to 16 hex digits, not '%s'", optarg);
                                return -EINVAL;
                        }
                        cli->has_plan_seed = true;
                        break;
                case 'O':
                        cli->ctx.operator_id = optarg;
                        break;
                case 'W':
                        cli->ctx.witness_id = optarg;
                        break;
                case 'A':
                        cli->assets = optarg;
                        break;
                case 'C':
                        cli->ctx.class_label = optarg;
                        break;
                case 'D':
                        cli->ctx.destination = optarg;
                        break;
                case 'G':
                        cli->ctx.organization = optarg;
                        break;
                case 'S':
                        cli->ctx.media_source = optarg;
                        break;
                case 'R':
                        cli->cert_dir = optarg;
                        break;
                case 'E':
                        cli->export_dir = optarg;
                        break;
                case 'K':
                        cli->key = optarg;
                        break;
                case 'L':
                        cli->ledger = optarg;
                        break;
                case 'P':
                        cli->passphrase_file = optarg;
                        break;
                case 'F':
                        cli->config = optarg;
                        break;
                case 'N':
                        cli->is_no_cert = true;
                        break;
                case 'V':
                        if (strcmp(optarg, "all") != 0 && strcmp(optarg, "last") != 0) {
                                ui_error("wipe: --verify-passes takes last or all, not '%s'", optarg);
                                return -EINVAL;
                        }
                        cli->is_verify_all_passes = strcmp(optarg, "all") == 0;
                        break;
                case 'X':
                        cli->is_print = true;
                        break;
                case 'T':
                        cli->printer = optarg;
                        cli->is_print = true;
                        break;
                case 'h':
                        wipe_help();
                        return 1;
                case '?':
                default:
                        if (optopt && strchr("mvecqpsOWACDGSRKLPFTV", optopt))
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

static void wipe_progress(void *job, struct ui_progress_item *it)
{
        struct wipe_progress p;
        wipe_job_progress(job, &p);
        const struct wipe_result *r = wipe_job_result(job);
        it->pass = p.pass;
        it->n_passes = p.n_passes;
        it->bytes_done = p.bytes_done;
        it->bytes_total = p.bytes_total;
        it->is_done = p.is_done;
        if (p.is_done && r->ended_ns > r->started_ns)
                it->final_rate = (double)r->bytes_written / ((double)(r->ended_ns - r->started_ns) / 1e9);
}

static int wipe_done_fd(void *job)
{
        return wipe_job_done_fd(job);
}

static void wipe_request_stop(void *job)
{
        wipe_job_request_stop(job);
}

static const struct ui_job_ops wipe_job_ops = {
        .progress = wipe_progress,
        .done_fd = wipe_done_fd,
        .request_stop = wipe_request_stop,
};

/* What a verification of pattern on disk needs: the mode, sample and I/O settings, and the areas
 * where partitions were before the wipe. areas is the caller's to free. */
static int verify_request_for(const struct wipe_cli *cli, const struct disk_info *disk,
                              const struct wipe_pattern *pattern, struct verify_request *ret,
                              struct verify_extent **ret_areas)
{
        *ret = (struct verify_request){
                .expect = *pattern,
                .mode = strcmp(cli->verify, "full") == 0 ? VERIFY_MODE_FULL : VERIFY_MODE_SAMPLE,
                .percent = cli->sample_percent,
                .plan_seed = cli->plan_seed,
                .has_plan_seed = cli->has_plan_seed,
                .io = cli->opts,
        };
        ret->io.after_pass = NULL;
        int r = ui_partition_areas(&disk->content, ret_areas, &ret->n_must);
        ret->must = *ret_areas;
        return r;
}

/* Verifying every pass (--verify-passes all): one per disk, filled on its job's thread. */
struct pass_verifications {
        const struct wipe_cli *cli;
        const struct disk_info *disk;
        struct verify_job *jobs[WIPE_MAX_PASSES];
        unsigned passes[WIPE_MAX_PASSES];
        size_t n;
};

static void verify_after_pass(void *userdata, unsigned pass, const struct wipe_pass_result *result)
{
        struct pass_verifications *pv = userdata;
        if (pv->n >= WIPE_MAX_PASSES || ui_stop_signal)
                return;
        struct verify_request req;
        _cleanup_free_ struct verify_extent *areas = NULL;
        struct verify_job *job = NULL;
        int r = verify_request_for(pv->cli, pv->disk, &result->pattern, &req, &areas);
        if (r >= 0)
                r = verify_job_new(&req, &pv->disk->identity, &job);
        if (r >= 0)
                r = verify_job_open(job);
        if (r >= 0)
                r = verify_job_start(job);
        if (r < 0) {
                job = verify_job_free(job); /* recorded as a verification that did not run */
        } else
                verify_job_wait(job);
        pv->jobs[pv->n] = job;
        pv->passes[pv->n++] = pass;
}

/* The first failed (or not run) pass verification, or -1 when all passed. */
static ssize_t failed_pass_verification(const struct pass_verifications *pv)
{
        for (size_t k = 0; pv && k < pv->n; k++)
                if (!pv->jobs[k] || !verify_result_is_pass(verify_job_result(pv->jobs[k])))
                        return (ssize_t)k;
        return -1;
}

/* Verification of the last pass of every wipe that ran to its end (also one with write errors:
 * its findings belong in the record). The wipe jobs still hold their disks exclusively meanwhile,
 * so nothing can mount or change them between the last write and the last read. */
static int verify_wipes(struct wipe_job **wipes, struct disk_info *disks, size_t n,
                        const struct wipe_cli *cli, struct verify_job **vjobs)
{
        void *run[n];
        struct ui_progress_item items[n];
        size_t n_run = 0;
        memset(items, 0, sizeof items);
        for (size_t i = 0; i < n; i++) {
                const struct wipe_result *w = wipe_job_result(wipes[i]);
                if (ui_stop_signal ||
                    (w->status != WIPE_STATUS_COMPLETED && w->status != WIPE_STATUS_WRITE_ERRORS))
                        continue;
                struct verify_request req;
                _cleanup_free_ struct verify_extent *areas = NULL;
                int r = verify_request_for(cli, &disks[i], &w->passes[w->method.n_passes - 1].pattern, &req,
                                           &areas);
                if (r >= 0)
                        r = verify_job_new(&req, &disks[i].identity, &vjobs[i]);
                if (r >= 0)
                        r = verify_job_open(vjobs[i]);
                if (r >= 0)
                        r = verify_job_start(vjobs[i]);
                if (r < 0) {
                        ui_error("wipe: cannot verify %s: %s", disks[i].identity.path, strerror(-r));
                        vjobs[i] = verify_job_free(vjobs[i]);
                        continue; /* no verification: the outcome is FAIL */
                }
                items[n_run] =
                        (struct ui_progress_item){ .path = disks[i].identity.path,
                                                   .label = disks[i].identity.name ? disks[i].identity.name
                                                                                   : "file" };
                run[n_run++] = vjobs[i];
        }
        if (n_run > 0)
                ui_run_jobs(run, n_run, &ui_verify_job_ops, "verify", cli->is_json, items);
        for (size_t i = 0; i < n; i++)
                if (vjobs[i])
                        verify_job_wait(vjobs[i]);
        return 0;
}

/* key = value lines; fills what the command line left unset. The text stays alive in *ret_text. */
static int load_config(struct wipe_cli *cli, char **ret_text)
{
        const char *path = cli->config ? cli->config : "/etc/kesu/kesu.conf";
        char *text = NULL;
        int r = read_full_file(path, &text, NULL);
        if (r == -ENOENT && !cli->config)
                return 0;
        if (r < 0) {
                ui_error("wipe: cannot read the configuration %s: %s", path, strerror(-r));
                return r;
        }
        struct {
                const char *name;
                const char **field;
        } keys[] = {
                { "organization", &cli->ctx.organization },
                { "media-source", &cli->ctx.media_source },
                { "key", &cli->key },
                { "cert-dir", &cli->cert_dir },
                { "export-dir", &cli->export_dir },
                { "ledger", &cli->ledger },
                { "printer", &cli->printer },
        };
        unsigned lineno = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                strstrip(line);
                if (!*line || *line == '#')
                        continue;
                char *eq = strchr(line, '=');
                if (!eq) {
                        ui_error("wipe: %s line %u: expected 'key = value'", path, lineno);
                        free(text);
                        return -EINVAL;
                }
                *eq = 0;
                char *name = strstrip(line), *value = strstrip(eq + 1);
                size_t k;
                for (k = 0; k < ELEMENTSOF(keys); k++)
                        if (strcmp(name, keys[k].name) == 0)
                                break;
                if (k == ELEMENTSOF(keys)) {
                        ui_error("wipe: %s line %u: unknown setting '%s'", path, lineno, name);
                        free(text);
                        return -EINVAL;
                }
                if (!*keys[k].field)
                        *keys[k].field = value;
        }
        *ret_text = text;
        return 0;
}

struct cert_setup {
        char *operator_id, *witness_id; /* trimmed */
        struct cert_secret_key *key;
        struct cert_issuer *issuer;
        char **assets; /* one per target */
        char *config_text;
        char *image_release; /* the boot image's /etc/kesu/image-release, when run from it */
        size_t n_notes_printed;
};

/* Run from the kesu image: its version and build hash go on every certificate. The image writes
 * KESU_IMAGE_VERSION=… and KESU_IMAGE_BUILD=… lines; KESU_IMAGE_RELEASE names another file (tests). */
static void read_image_release(struct cert_setup *cs, struct cert_context *ctx)
{
        const char *path = getenv("KESU_IMAGE_RELEASE");
        if (read_full_file(path && *path ? path : "/etc/kesu/image-release", &cs->image_release, NULL) < 0)
                return;
        char *save = NULL;
        for (char *line = strtok_r(cs->image_release, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strncmp(line, "KESU_IMAGE_VERSION=", 19) == 0)
                        ctx->image_version = line + 19;
                else if (strncmp(line, "KESU_IMAGE_BUILD=", 17) == 0)
                        ctx->image_build = line + 17;
        }
}

static void cert_setup_done(struct cert_setup *cs)
{
        cert_issuer_free(cs->issuer);
        cert_secret_key_free(cs->key);
        strv_free(cs->assets);
        free(cs->operator_id);
        free(cs->witness_id);
        free(cs->config_text);
        free(cs->image_release);
        *cs = (struct cert_setup){ 0 };
}

/* The longest texts a certificate takes (bytes of UTF-8): short enough for the QR code and one
 * line of the PDF. */
#define MAX_PERSON_BYTES 64
#define MAX_ASSET_BYTES  64
#define MAX_PROSE_BYTES  256

/* Refuses text that is not UTF-8, hides characters (controls, bidirectional overrides, zero
 * width…) or is too long, naming the field: what is printed must be what is signed. */
static int check_text(const char *field, const char *value, size_t max_bytes)
{
        if (!value)
                return 0;
        size_t at = 0;
        int r = text_check(value, max_bytes, &at);
        if (r == -EILSEQ)
                ui_error("wipe: %s is not valid UTF-8 text (byte %zu); nothing was written", field, at + 1);
        else if (r == -EINVAL) {
                _cleanup_free_ char *shown = text_escape_visible(value);
                ui_error("wipe: %s holds a control or invisible character (%s); nothing was written", field,
                         shown ? shown : "?");
        } else if (r == -E2BIG)
                ui_error("wipe: %s is longer than %zu bytes; nothing was written", field, max_bytes);
        return r;
}

/* Operator and witness: trimmed, not blank, readable; kept in cs, pointed to from cli->ctx. */
static int check_people(struct wipe_cli *cli, struct cert_setup *cs)
{
        if (check_text("--operator", cli->ctx.operator_id, MAX_PERSON_BYTES) < 0 ||
            check_text("--witness", cli->ctx.witness_id, MAX_PERSON_BYTES) < 0)
                return -EINVAL;
        cs->operator_id = strdup_stripped_or_null(cli->ctx.operator_id);
        cs->witness_id = strdup_stripped_or_null(cli->ctx.witness_id);
        if (!cs->operator_id || !cs->witness_id) {
                ui_error("wipe: %s is blank: name a person", !cs->operator_id ? "--operator" : "--witness");
                return -EINVAL;
        }
        cli->ctx.operator_id = cs->operator_id;
        cli->ctx.witness_id = cs->witness_id;
        return 0;
}

/* --asset: one number for every target, or exactly one per target, in order; an empty or blank
 * item is refused (it would shift the numbers onto the wrong disks). */
static int split_assets(const char *list, size_t n_targets, char ***ret)
{
        if (check_text("--asset", list, MAX_ASSET_BYTES * n_targets + n_targets) < 0)
                return -EINVAL;
        size_t n_items = 1;
        for (const char *p = list; *p; p++)
                n_items += *p == ',';
        if (n_items != 1 && n_items != n_targets) {
                ui_error("wipe: %zu asset numbers for %zu targets (give one for all, or exactly one per target "
                         "in order)",
                         n_items, n_targets);
                return -EINVAL;
        }
        char **items = calloc(n_targets + 1, sizeof *items);
        if (!items)
                return -ENOMEM;
        const char *p = list;
        for (size_t i = 0; i < n_items; i++) {
                size_t len = strcspn(p, ",");
                _cleanup_free_ char *raw = strndup(p, len);
                items[i] = raw ? strdup_stripped_or_null(raw) : NULL;
                if (!items[i]) {
                        ui_error("wipe: asset number %zu of %zu is empty or blank", i + 1, n_items);
                        strv_free(items);
                        return -EINVAL;
                }
                if (strlen(items[i]) > MAX_ASSET_BYTES) {
                        ui_error("wipe: asset number %zu is longer than %d bytes", i + 1, MAX_ASSET_BYTES);
                        strv_free(items);
                        return -EINVAL;
                }
                p += len + (p[len] == ',');
        }
        for (size_t i = n_items; i < n_targets; i++)
                if (!(items[i] = strdup(items[0]))) {
                        strv_free(items);
                        return -ENOMEM;
                }
        *ret = items;
        return 0;
}

/* Says why a folder cannot take certificates; true when it cannot. */
static bool filing_folder_refused(const char *what, const char *dir)
{
        int r = cert_folder_probe(dir, 0);
        switch (-r) {
        case 0:
                return false;
        case ENOENT:
                ui_error("wipe: the %s %s does not exist (is the KESU-DATA stick attached?); nothing was "
                         "written",
                         what, dir);
                break;
        case ENOTDIR:
                ui_error("wipe: the %s %s is not a folder; nothing was written", what, dir);
                break;
        case EROFS:
                ui_error("wipe: the %s %s is read-only: no certificate could be filed there; nothing was "
                         "written",
                         what, dir);
                break;
        case EACCES:
        case EPERM:
                ui_error("wipe: the %s %s cannot be written (permission denied); nothing was written", what,
                         dir);
                break;
        case ENOSPC:
        case EDQUOT:
                ui_error("wipe: the %s %s is full: a certificate and its PDF need %u MiB free; nothing was "
                         "written",
                         what, dir, CERT_FILING_MIN_FREE_BYTES >> 20);
                break;
        default:
                ui_error("wipe: the %s %s cannot take a certificate: %s; nothing was written", what, dir,
                         strerror(-r));
        }
        return true;
}

/* What the issuer did to bring the filing back in order (after a crash, a stray file…): one line
 * each, so nothing is changed silently. Prints the notes not printed yet. */
static void print_issuer_notes(struct cert_setup *cs, bool is_json)
{
        size_t n = 0;
        const struct cert_note *notes = cert_issuer_notes(cs->issuer, &n);
        for (size_t i = cs->n_notes_printed; i < n; i++) {
                if (is_json)
                        ui_json_line(json_pack("{s:s, s:s, s:o, s:o, s:o}", "event", "filing", "note",
                                               notes[i].text, "path", ui_json_string_or_null(notes[i].path),
                                               "moved_to",
                                               notes[i].moved_to[0] ? ui_json_string_or_null(notes[i].moved_to)
                                                                    : json_null(),
                                               "error",
                                               notes[i].error ? json_string(strerror(-notes[i].error))
                                                              : json_null()));
                ui_error("wipe: note: %s", notes[i].text);
        }
        cs->n_notes_printed = n;
}

/* Everything a certificate needs, checked and unlocked before a single byte is written: a wrong
 * passphrase or a missing export stick must leave the disks untouched. Returns an exit code, or
 * -1 to go on. */
static int cert_prepare(struct wipe_cli *cli, size_t n_targets, struct cert_setup *cs)
{
        if (load_config(cli, &cs->config_text) < 0)
                return KESU_EXIT_USAGE;
        if (cli->is_no_cert)
                return -1;
        read_image_release(cs, &cli->ctx);
        static const char *const needed[] = { "--operator",    "--witness", "--asset",   "--class",
                                              "--destination", "--key",     "--cert-dir" };
        const char *values[] = { cli->ctx.operator_id, cli->ctx.witness_id,  cli->assets,
                                 cli->ctx.class_label, cli->ctx.destination, cli->key,
                                 cli->cert_dir };
        for (size_t i = 0; i < ELEMENTSOF(needed); i++)
                if (!values[i] || !*values[i]) {
                        ui_error("wipe: a certificate needs %s (or pass --no-cert)", needed[i]);
                        return KESU_EXIT_USAGE;
                }
        if (check_people(cli, cs) < 0)
                return KESU_EXIT_USAGE;
        if (strcmp(cli->ctx.operator_id, cli->ctx.witness_id) == 0) {
                ui_error("wipe: the witness must be another person than the operator (two people check the "
                         "work)");
                return KESU_EXIT_USAGE;
        }
        if (!cert_class_is_valid(cli->ctx.class_label)) {
                ui_error("wipe: unknown confidentiality class '%s' (1, 2, 3, 3A, 3B, 3C)",
                         cli->ctx.class_label);
                return KESU_EXIT_USAGE;
        }
        if (!cert_destination_is_valid(cli->ctx.destination)) {
                ui_error("wipe: unknown destination '%s' (internal-reuse, external-reuse, lease-return, "
                         "recycling, "
                         "destruction)",
                         cli->ctx.destination);
                return KESU_EXIT_USAGE;
        }
        if (check_text("--organization", cli->ctx.organization, MAX_PROSE_BYTES) < 0 ||
            check_text("--media-source", cli->ctx.media_source, MAX_PROSE_BYTES) < 0 ||
            check_text("--key", cli->key, PATH_MAX) < 0 || check_text("--cert-dir", cli->cert_dir, PATH_MAX) < 0 ||
            check_text("--export-dir", cli->export_dir, PATH_MAX) < 0 ||
            check_text("--ledger", cli->ledger, PATH_MAX) < 0 ||
            check_text("--printer", cli->printer, MAX_PROSE_BYTES) < 0)
                return KESU_EXIT_USAGE;
        int r = split_assets(cli->assets, n_targets, &cs->assets);
        if (r < 0)
                return KESU_EXIT_USAGE;

        struct ui_passphrase pass;
        if (ui_passphrase_get(cli->passphrase_file, cli->key, false, &pass) < 0)
                return KESU_EXIT_USAGE;
        r = cert_key_unlock(cli->key, pass.text, pass.len, &cs->key);
        ui_passphrase_free(&pass);
        if (r < 0) {
                ui_error("wipe: cannot unlock the signing key %s: %s; nothing was written", cli->key,
                         ui_key_error(r));
                return KESU_EXIT_USAGE;
        }
        _cleanup_free_ char *ledger = NULL;
        r = cli->ledger ? ((ledger = strdup(cli->ledger)) ? 0 : -ENOMEM)
                        : cert_ledger_default_path(cs->key, cli->key, &ledger);
        if (r < 0) {
                ui_error("wipe: cannot find the ledger for the key %s: %s; nothing was written", cli->key,
                         strerror(-r));
                return KESU_EXIT_USAGE;
        }
        /* Where a certificate will be filed must really take one — checked before the first write,
         * or a disk would be erased with nowhere to file its certificate. */
        _cleanup_free_ char *ledger_dir = strdup(ledger);
        if (!ledger_dir)
                return KESU_EXIT_USAGE;
        char *slash = strrchr(ledger_dir, '/');
        if (slash)
                slash[slash == ledger_dir] = 0;
        if (filing_folder_refused("certificate folder", cli->cert_dir) ||
            filing_folder_refused("ledger's folder", slash ? ledger_dir : "."))
                return KESU_EXIT_USAGE;
        r = cert_issuer_open(cli->cert_dir, ledger, cs->key, &cs->issuer);
        if (r < 0) {
                if (r == -EBUSY)
                        ui_error("wipe: the ledger %s (or this key's) is in use by another kesu; nothing was "
                                 "written",
                                 ledger);
                else if (r == -EBADMSG)
                        ui_error("wipe: the ledger %s does not chain (damaged?); it is left as it is and "
                                 "nothing was written",
                                 ledger);
                else if (r == -EXDEV) {
                        _cleanup_free_ char *registered = NULL;
                        (void)cert_ledger_default_path(cs->key, cli->key, &registered);
                        ui_error("wipe: this key's ledger on this appliance is %s, not %s (one key, one "
                                 "ledger: sequence numbers are never issued twice); use --ledger %s; nothing "
                                 "was written",
                                 registered ? registered : "another file", ledger,
                                 registered ? registered : "…");
                } else if (r == -ESTALE)
                        ui_error("wipe: the ledger %s ends before the last sequence number this key issued "
                                 "(truncated, deleted or an old copy?): restore it, or put its certificates "
                                 "back in %s; nothing was written",
                                 ledger, cli->cert_dir);
                else if (r == -ENOLCK) {
                        int e = cert_state_dir_check();
                        ui_error("wipe: the appliance state folder %s cannot be used: %s (run as root, or set "
                                 "KESU_STATE_DIR); nothing was written",
                                 cert_state_dir(), strerror(e < 0 ? -e : ENOLCK));
                } else if (r == -ENOENT || r == -ENOTDIR || r == -EROFS || r == -EACCES || r == -ENOSPC)
                        ui_error("wipe: certificates cannot be filed in %s or the ledger's folder: %s; nothing "
                                 "was written",
                                 cli->cert_dir, strerror(-r));
                else
                        ui_error("wipe: cannot open the ledger %s: %s; nothing was written", ledger,
                                 strerror(-r));
                return KESU_EXIT_USAGE;
        }
        print_issuer_notes(cs, cli->is_json);
        /* No export stick is no reason to stop: the certificates are filed all the same. */
        struct stat st;
        if (cli->export_dir && (stat(cli->export_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
                ui_error("wipe: warning: the export folder %s is missing (is the export stick attached?); "
                         "certificates are filed in %s only",
                         cli->export_dir, cli->cert_dir);
                cli->export_dir = NULL;
        }
        return -1;
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
        bool is_verify = strcmp(cli.verify, "none") != 0;
        if (is_verify && strcmp(cli.verify, "sample") != 0 && strcmp(cli.verify, "full") != 0) {
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

        for (int i = optind; i < argc; i++)
                if (check_text("a target's path", argv[i], PATH_MAX) < 0)
                        return KESU_EXIT_USAGE;
        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(argv + optind, &disks, &n) < 0)
                return KESU_EXIT_USAGE;
        struct wipe_job **jobs = NULL;
        struct verify_job **vjobs = NULL;
        struct pass_verifications *pvs = NULL;
        struct ui_progress_item *items = NULL;
        struct cert_setup cs = { 0 };
        int exit_code = check_targets(disks, n);
        if (exit_code >= 0)
                goto out;
        if ((exit_code = cert_prepare(&cli, n, &cs)) >= 0)
                goto out;
        if (!cli.is_yes && !confirm(disks, n, &method)) {
                ui_error("wipe: not confirmed; nothing was written");
                exit_code = KESU_EXIT_USAGE;
                goto out;
        }

        jobs = calloc(n, sizeof *jobs);
        vjobs = calloc(n, sizeof *vjobs);
        items = calloc(n, sizeof *items);
        if (!jobs || !vjobs || !items) {
                ui_error("out of memory");
                exit_code = KESU_EXIT_NOT_SANITIZED;
                goto out;
        }
        if (cli.is_verify_all_passes && is_verify) {
                pvs = calloc(n, sizeof *pvs);
                if (!pvs) {
                        exit_code = KESU_EXIT_NOT_SANITIZED;
                        goto out;
                }
        }
        /* Open every target before writing to any: one refusal stops all, with nothing written. */
        for (size_t i = 0; i < n; i++) {
                struct wipe_options opts = cli.opts;
                if (pvs) {
                        pvs[i] = (struct pass_verifications){ .cli = &cli, .disk = &disks[i] };
                        opts.after_pass = verify_after_pass;
                        opts.after_pass_userdata = &pvs[i];
                }
                r = wipe_job_new(&disks[i].identity, &method, &opts, &jobs[i]);
                if (r < 0) {
                        ui_error("wipe: cannot prepare %s: %s", disks[i].identity.path, strerror(-r));
                        exit_code = KESU_EXIT_USAGE;
                        goto out;
                }
                r = wipe_job_open(jobs[i]);
                if (r < 0) {
                        exit_code = open_error_exit(disks[i].identity.path, r);
                        goto out;
                }
                items[i] =
                        (struct ui_progress_item){ .path = disks[i].identity.path,
                                                   .label = disks[i].identity.name ? disks[i].identity.name
                                                                                   : "file" };
        }

        ui_install_stop_signals();
        if (cli.is_json)
                for (size_t i = 0; i < n; i++)
                        ui_json_line(json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "event", "start", "path",
                                               disks[i].identity.path, "method", method.name, "passes",
                                               (json_int_t)method.n_passes, "size_bytes",
                                               (json_int_t)disks[i].identity.size_bytes, "verify",
                                               cli.verify));
        int64_t start_ns = now_monotonic_ns();
        size_t n_started = 0;
        for (; n_started < n; n_started++)
                if ((r = wipe_job_start(jobs[n_started])) < 0) {
                        ui_error("wipe: cannot start the job for %s: %s", disks[n_started].identity.path,
                                 strerror(-r));
                        ui_stop_signal = SIGTERM;
                        break;
                }
        ui_run_jobs((void *const *)jobs, n_started, &wipe_job_ops, "wipe", cli.is_json, items);
        for (size_t i = 0; i < n_started; i++)
                wipe_job_wait(jobs[i]);
        if (is_verify)
                verify_wipes(jobs, disks, n_started, &cli, vjobs);

        size_t n_passed = 0;
        uint64_t bytes = 0;
        bool is_pdf_missing = false;
        for (size_t i = 0; i < n_started; i++) {
                const struct wipe_result *res = wipe_job_result(jobs[i]);
                const struct verify_result *vres = vjobs[i] ? verify_job_result(vjobs[i]) : NULL;
                /* PASS needs a clean wipe and, unless verification was declined, a clean verification;
                 * with a certificate, also the level its class requires. */
                bool is_pass =
                        wipe_result_is_pass(res) && (!is_verify || (vres && verify_result_is_pass(vres)));
                /* every pass verified: a failed earlier pass fails the target, and its verification
                 * is the one the certificate records */
                ssize_t bad_pass = failed_pass_verification(pvs ? &pvs[i] : NULL);
                if (bad_pass >= 0) {
                        is_pass = false;
                        vres = pvs[i].jobs[bad_pass] ? verify_job_result(pvs[i].jobs[bad_pass]) : NULL;
                }
                struct cert_issued issued = { 0 };
                int cert_r = 0;
                if (cs.issuer) {
                        struct cert_context ctx = cli.ctx;
                        ctx.asset_number = cs.assets[i];
                        /* also a failed or interrupted job: its record says FAIL */
                        cert_r =
                                cert_issue(cs.issuer, &ctx, &disks[i], res, vres, cli.verify, true, &issued);
                        print_issuer_notes(&cs, cli.is_json);
                        if (cert_r < 0) {
                                ui_error("wipe: the certificate for %s could not be filed: %s",
                                         res->identity.path, strerror(-cert_r));
                                is_pass = false;
                        } else
                                is_pass = strcmp(issued.result, "PASS") == 0;
                        if (cert_r >= 0 && issued.pdf_error < 0) {
                                /* the disposal is not complete without its paper */
                                ui_error("wipe: the PDF of %s could not be made: %s (the signed record is "
                                         "filed; the PDF is made again at the next start)",
                                         issued.serial, strerror(-issued.pdf_error));
                                is_pdf_missing = true;
                        }
                }
                /* the copy on the export stick: a failure (a full stick) is told and loses nothing */
                int export_r = 0;
                if (cs.issuer && cert_r >= 0 && cli.export_dir) {
                        const char *failed = "";
                        export_r = cert_export(&issued, cli.export_dir, &failed);
                        if (strrchr(failed, '/'))
                                failed = strrchr(failed, '/') + 1;
                        if (export_r < 0)
                                ui_error("wipe: exporting %s to %s failed at %s: %s; the certificate is filed "
                                         "in %s (export it again from there)",
                                         issued.serial, cli.export_dir, failed, strerror(-export_r),
                                         cli.cert_dir);
                }
                int print_job = 0, print_r = 0;
                if (cs.issuer && cert_r >= 0 && cli.is_print && issued.pdf_path[0]) {
                        print_r = cert_print(issued.pdf_path, cli.printer, issued.serial, &print_job);
                        if (print_r < 0)
                                ui_error("wipe: printing %s failed: %s (the certificate is filed)",
                                         issued.serial,
                                         print_r == -ENOENT ? "no printer" : strerror(-print_r));
                }
                n_passed += is_pass;
                bytes += res->bytes_written;
                if (cli.is_json) {
                        json_t *o = ui_wipe_result_to_json(res, &disks[i]);
                        if (o) {
                                json_object_set_new(o, "wipe_outcome",
                                                    json_string(wipe_result_is_pass(res) ? "PASS" : "FAIL"));
                                json_object_set_new(o, "outcome", json_string(is_pass ? "PASS" : "FAIL"));
                                json_object_set_new(o, "protected_reason",
                                                    res->protected_reason
                                                            ? json_string(res->protected_reason)
                                                            : json_null());
                                json_object_set_new(o, "verification",
                                                    vres ? ui_verify_result_to_json(vres) : json_null());
                                json_t *each = json_array();
                                for (size_t k = 0; pvs && each && k < pvs[i].n; k++) {
                                        json_t *e = pvs[i].jobs[k]
                                                            ? ui_verify_result_to_json(
                                                                      verify_job_result(pvs[i].jobs[k]))
                                                            : json_pack("{s:s}", "outcome", "FAIL");
                                        if (e)
                                                json_object_set_new(e, "pass",
                                                                    json_integer(pvs[i].passes[k]));
                                        json_array_append_new(each, e);
                                }
                                json_object_set_new(o, "pass_verifications", each);
                                json_object_set_new(
                                        o, "certificate",
                                        cs.issuer && cert_r >= 0
                                                ? json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:o}",
                                                            "serial", issued.serial, "sequence",
                                                            (json_int_t)issued.sequence, "result",
                                                            issued.result, "hash", issued.hash, "json",
                                                            issued.json_path, "signature", issued.sig_path,
                                                            "pdf",
                                                            issued.pdf_path[0] ? json_string(issued.pdf_path)
                                                                               : json_null(),
                                                            "qr", issued.qr_payload, "print_job",
                                                            print_job > 0 ? json_integer(print_job)
                                                                          : json_null())
                                                : json_null());
                                json_t *cert = json_object_get(o, "certificate");
                                if (json_is_object(cert) && cli.export_dir) {
                                        json_object_set_new(cert, "exported",
                                                            json_boolean(export_r >= 0));
                                        json_object_set_new(cert, "export_dir", json_string(cli.export_dir));
                                        if (export_r < 0)
                                                json_object_set_new(cert, "export_error",
                                                                    json_string(strerror(-export_r)));
                                }
                                if (json_is_object(cert) && issued.pdf_error < 0)
                                        json_object_set_new(cert, "pdf_error",
                                                            json_string(strerror(-issued.pdf_error)));
                                if (json_is_object(cert) && cli.is_print && print_r < 0)
                                        json_object_set_new(cert, "print_error",
                                                            json_string(print_r == -ENOENT
                                                                                ? "no printer"
                                                                                : strerror(-print_r)));
                        }
                        ui_json_line(o);
                } else {
                        print_result_human(res);
                        for (size_t k = 0; pvs && k < pvs[i].n; k++) {
                                printf("      pass %u verified: %s\n", pvs[i].passes[k],
                                       pvs[i].jobs[k] && verify_result_is_pass(
                                                                 verify_job_result(pvs[i].jobs[k]))
                                               ? "PASS"
                                               : "FAIL");
                        }
                        if (vres)
                                ui_print_verify_human(vres, res->identity.path);
                        else if (is_verify)
                                printf("FAIL  %s  not verified (the wipe did not finish)\n",
                                       res->identity.path);
                        if (cs.issuer && cert_r >= 0) {
                                printf("%s  %s  certificate %s (sequence %" PRIu64 ")\n      %s\n      %s\n",
                                       issued.result, res->identity.path, issued.serial, issued.sequence,
                                       issued.json_path, issued.sig_path);
                                if (issued.pdf_path[0])
                                        printf("      %s\n", issued.pdf_path);
                                if (print_job > 0)
                                        printf("      printed: job %d\n", print_job);
                        }
                }
        }
        double seconds = (double)(now_monotonic_ns() - start_ns) / 1e9;
        if (cli.is_json)
                ui_json_line(json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:o}", "event", "summary", "targets",
                                       (json_int_t)n, "passed", (json_int_t)n_passed, "failed",
                                       (json_int_t)(n - n_passed), "duration_seconds", seconds,
                                       "bytes_written", (json_int_t)bytes, "interrupted",
                                       ui_stop_signal ? json_true() : json_false()));
        else
                printf("%zu of %zu target%s erased%s%s\n", n_passed, n, n == 1 ? "" : "s",
                       is_verify ? " and verified" : " (not verified: --verify none)",
                       ui_stop_signal ? " (interrupted)" : "");
        exit_code = n_passed == n && n_started == n && !is_pdf_missing ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
        /* a job that stopped for safety (not the confirmed disk, or protected meanwhile) */
        for (size_t i = 0; i < n_started; i++) {
                const struct wipe_result *res = wipe_job_result(jobs[i]);
                if (res->status == WIPE_STATUS_IDENTITY_CHANGED || res->status == WIPE_STATUS_PROTECTED)
                        exit_code = KESU_EXIT_SAFETY;
                if (res->status == WIPE_STATUS_IDENTITY_CHANGED)
                        ui_error("wipe: refusing to erase %s: it changed since it was confirmed; nothing "
                                 "was written",
                                 res->identity.path);
                else if (res->status == WIPE_STATUS_PROTECTED)
                        ui_error("wipe: %s %s: it became protected (%s)",
                                 res->is_protected_before_write ? "refusing to erase" : "stopped erasing",
                                 res->identity.path,
                                 res->protected_reason ? res->protected_reason : "unknown reason");
        }

out:
        for (size_t i = 0; vjobs && i < n; i++)
                verify_job_free(vjobs[i]);
        for (size_t i = 0; pvs && i < n; i++)
                for (size_t k = 0; k < pvs[i].n; k++)
                        verify_job_free(pvs[i].jobs[k]);
        free(pvs);
        for (size_t i = 0; jobs && i < n; i++)
                wipe_job_free(jobs[i]);
        free(vjobs);
        free(jobs);
        free(items);
        cert_setup_done(&cs);
        ui_disk_infos_free(disks, n);
        return exit_code;
}
