/* SPDX-License-Identifier: MIT */
/* `kesu verify`, and the verification step inside `kesu wipe`. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "ui.h"

int ui_parse_expect(const char *s, struct wipe_pattern *ret)
{
        char token[64];
        if (strcmp(s, "zero") == 0 || strcmp(s, "one") == 0)
                return wipe_pattern_parse(s, NULL, ret);
        if (strncmp(s, "byte:", 5) == 0 && strlen(s + 5) == 2) {
                snprintf(token, sizeof token, "0x%s", s + 5);
                return wipe_pattern_parse(token, NULL, ret);
        }
        if (strncmp(s, "pattern:", 8) == 0 && strlen(s + 8) <= 2 * WIPE_PATTERN_MAX_BYTES) {
                snprintf(token, sizeof token, "0x%s", s + 8);
                return wipe_pattern_parse(token, NULL, ret);
        }
        if (strncmp(s, "random:", 7) == 0 && strlen(s + 7) == 2 * WIPE_KEY_BYTES) {
                struct wipe_pattern p = { .kind = WIPE_PATTERN_RANDOM };
                for (size_t i = 0; i < WIPE_KEY_BYTES; i++) {
                        char two[3] = { s[7 + 2 * i], s[8 + 2 * i], 0 };
                        char *end;
                        p.key[i] = (uint8_t)strtoul(two, &end, 16);
                        if (*end)
                                return -EINVAL;
                }
                *ret = p;
                return 0;
        }
        return -EINVAL;
}

int ui_parse_plan_seed(const char *s, uint64_t *ret)
{
        if (strncmp(s, "0x", 2) == 0)
                s += 2;
        if (!*s || strlen(s) > 16)
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 16);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int ui_parse_percent(const char *s, double *ret)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || !(v > 0 && v <= 100))
                return -EINVAL;
        *ret = v;
        return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
        sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* "with 2000 clean samples, less than 0.23% of the device is left unerased (99% confidence)" */
static void statement(const struct verify_result *r, char *buf, size_t size)
{
        if (!verify_result_is_pass(r))
                snprintf(buf, size, "not verified: see the findings");
        else if (r->plan.is_full)
                snprintf(buf, size, "every addressable byte was read back and matched");
        else
                snprintf(buf, size,
                         "with %zu clean pseudorandom samples, less than %.3g%% of the device is left "
                         "unerased "
                         "(%.0f%% confidence)",
                         r->plan.n_locations, 100 * r->unerased_bound, 100 * r->confidence);
}

json_t *ui_verify_result_to_json(const struct verify_result *r)
{
        json_t *mm = json_array(), *unread = json_array(), *resid = json_array();
        if (!mm || !unread || !resid) {
                json_decref(mm);
                json_decref(unread);
                json_decref(resid);
                return NULL;
        }
        for (size_t i = 0; i < r->n_mismatches && i < 1000; i++) {
                char found[2 * VERIFY_FOUND_BYTES + 1], expected[2 * VERIFY_FOUND_BYTES + 1];
                hex(r->mismatches[i].found, r->mismatches[i].n_found, found);
                hex(r->mismatches[i].expected, r->mismatches[i].n_found, expected);
                json_array_append_new(mm, json_pack("{s:I, s:I, s:s, s:I, s:s}", "first_lba",
                                                    (json_int_t)r->mismatches[i].first_lba, "last_lba",
                                                    (json_int_t)r->mismatches[i].last_lba, "found", found,
                                                    "offset_in_sector",
                                                    (json_int_t)r->mismatches[i].offset_in_sector,
                                                    "expected_hex", expected));
        }
        for (size_t i = 0; i < r->n_unreadable; i++)
                json_array_append_new(unread, json_pack("{s:I, s:I}", "first_lba",
                                                        (json_int_t)r->unreadable[i].first_lba, "last_lba",
                                                        (json_int_t)r->unreadable[i].last_lba));
        for (size_t i = 0; i < r->n_residual; i++)
                json_array_append_new(resid, json_string(r->residual[i]));

        char pat[128], seed[2 * WIPE_KEY_BYTES + 1], plan_seed[17], start[40], end[40], stmt[256];
        wipe_pattern_describe(&r->expect, pat, sizeof pat);
        hex(r->expect.key, WIPE_KEY_BYTES, seed);
        snprintf(plan_seed, sizeof plan_seed, "%016" PRIx64, r->plan.seed);
        ui_format_utc(r->started_ns, start, sizeof start);
        ui_format_utc(r->ended_ns, end, sizeof end);
        statement(r, stmt, sizeof stmt);
        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        bool is_full = r->plan.is_full;
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:b, s:o, s:o,"
                " s:f, s:f, s:s, s:s, s:s, s:f, s:f, s:o, s:b, s:o}",
                "outcome", verify_result_is_pass(r) ? "PASS" : "FAIL", "mode",
                verify_mode_to_string(r->mode), "expect", pat, "seed",
                r->expect.kind == WIPE_PATTERN_RANDOM ? json_string(seed) : json_null(), "plan_seed",
                r->mode == VERIFY_MODE_SAMPLE ? json_string(plan_seed) : json_null(), "sample_percent",
                r->mode == VERIFY_MODE_SAMPLE ? json_real(r->plan.percent) : json_null(), "read_whole",
                (int)is_full, "subsections", (json_int_t)r->plan.n_subsections, "samples",
                (json_int_t)r->plan.n_locations, "planned_bytes", (json_int_t)r->plan.planned_bytes,
                "bytes_read", (json_int_t)r->bytes_read, "sectors_compared", (json_int_t)r->sectors_compared,
                "sectors_mismatched", (json_int_t)r->sectors_mismatched, "mismatches", mm,
                "mismatch_list_truncated", (int)(r->is_mismatch_list_truncated || r->n_mismatches > 1000),
                "unreadable_ranges", unread, "residual_signatures", resid, "confidence", r->confidence,
                "unerased_fraction_bound", r->unerased_bound, "statement", stmt, "started_utc", start,
                "ended_utc", end, "duration_seconds", seconds, "mb_per_s",
                seconds > 0 ? (double)r->bytes_read / seconds / 1e6 : 0.0, "engine",
                r->engine ? json_string(r->engine) : json_null(), "interrupted", (int)r->is_interrupted,
                "error", r->error ? json_string(strerror(r->error)) : json_null());
        if (o && r->proof.is_proof) {
                /* a purge's proof: the fingerprinted sectors compared with before */
                json_t *pj = cert_json_proof(&r->proof);
                if (!pj || json_object_set_new(o, "proof", pj) < 0 ||
                    json_object_set_new(o, "mode", json_string("purge-proof")) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

void ui_print_verify_human(const struct verify_result *r, const char *path)
{
        char read[32], stmt[256];
        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        statement(r, stmt, sizeof stmt);
        printf("%s  %s  verify %s%s: %s read in %.2f s, %" PRIu64 " sectors compared, %" PRIu64
               " mismatched, "
               "%zu unreadable range%s, %zu residual signature%s\n",
               verify_result_is_pass(r) ? "PASS" : "FAIL", path, verify_mode_to_string(r->mode),
               r->plan.is_full ? " (whole device)" : "", ui_format_bytes(r->bytes_read, read, sizeof read),
               seconds, r->sectors_compared, r->sectors_mismatched, r->n_unreadable,
               r->n_unreadable == 1 ? "" : "s", r->n_residual, r->n_residual == 1 ? "" : "s");
        if (r->proof.is_proof)
                printf("      purge proof: %" PRIu64 " fingerprinted sectors read again: %" PRIu64
                       " unchanged, %" PRIu64 " blank before, %" PRIu64 " not %s\n",
                       r->proof.sectors_compared, r->proof.sectors_unchanged, r->proof.sectors_blank_before,
                       r->proof.sectors_unexpected,
                       r->proof.kind == VERIFY_EXPECT_PATTERN   ? "the pattern"
                       : r->proof.kind == VERIFY_EXPECT_UNIFORM ? "one repeated byte"
                                                                : "changed");
        else if (r->mode == VERIFY_MODE_SAMPLE)
                printf("      sample: %.4g%% in %zu subsections, %zu samples, plan seed %016" PRIx64 "\n",
                       r->plan.percent, r->plan.n_subsections, r->plan.n_locations, r->plan.seed);
        printf("      %s\n", stmt);
        for (size_t i = 0; i < r->n_mismatches && i < 20; i++) {
                char found[2 * VERIFY_FOUND_BYTES + 1], expected[2 * VERIFY_FOUND_BYTES + 1];
                hex(r->mismatches[i].found, r->mismatches[i].n_found, found);
                hex(r->mismatches[i].expected, r->mismatches[i].n_found, expected);
                printf("      mismatch: LBA %" PRIu64 "-%" PRIu64 ", from byte %" PRIu32
                       " of the sector: found %s, expected %s\n",
                       r->mismatches[i].first_lba, r->mismatches[i].last_lba,
                       r->mismatches[i].offset_in_sector, found, expected);
        }
        if (r->n_mismatches > 20)
                printf("      … and %zu more mismatching ranges\n", r->n_mismatches - 20);
        for (size_t i = 0; i < r->n_unreadable && i < 20; i++)
                printf("      unreadable: LBA %" PRIu64 "-%" PRIu64 "\n", r->unreadable[i].first_lba,
                       r->unreadable[i].last_lba);
        for (size_t i = 0; i < r->n_residual; i++)
                printf("      residual: %s\n", r->residual[i]);
        if (r->is_interrupted)
                printf("      interrupted\n");
        if (r->error)
                printf("      error: %s\n", strerror(r->error));
}

/* ---- running verify jobs --------------------------------------------------------------------- */

static void job_progress(void *job, struct ui_progress_item *it)
{
        verify_job_progress(job, &it->bytes_done, &it->bytes_total, &it->is_done);
        const struct verify_result *r = verify_job_result(job);
        if (it->is_done && r->ended_ns > r->started_ns)
                it->final_rate = (double)r->bytes_read / ((double)(r->ended_ns - r->started_ns) / 1e9);
}

static int job_done_fd(void *job)
{
        return verify_job_done_fd(job);
}

static void job_request_stop(void *job)
{
        verify_job_request_stop(job);
}

const struct ui_job_ops ui_verify_job_ops = {
        .progress = job_progress,
        .done_fd = job_done_fd,
        .request_stop = job_request_stop,
};

/* ---- kesu verify ----------------------------------------------------------------------------- */

static void verify_help(void)
{
        printf("Usage: kesu verify --expect WHAT [OPTIONS] TARGET\n"
               "\n"
               "Reads a device or image file back and checks that it holds nothing but WHAT:\n"
               "  zero | one | byte:HH | pattern:HEX (up to 16 bytes) | random:SEED (the 32-hex-digit key\n"
               "  a kesu random pass reports)\n"
               "\n"
               "  --mode sample|full     sample (default): NIST SP 800-88 sampling; full: every byte\n"
               "  --sample-percent P     coverage of the sample (default 10)\n"
               "  --plan-seed S          the sample plan's seed (hex), to re-read a recorded plan\n"
               "  --json                 JSON Lines: progress events, then one \"verify\" event with the "
               "figures\n"
               "\nExit codes: 0 verified, 1 not verified (findings printed), 2 bad usage or input.\n");
}

int ui_cmd_verify(int argc, char **argv)
{
        static const struct option options[] = {
                { "expect", required_argument, NULL, 'e' },
                { "mode", required_argument, NULL, 'm' },
                { "sample-percent", required_argument, NULL, 'p' },
                { "plan-seed", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct verify_request req = { .mode = VERIFY_MODE_SAMPLE };
        bool has_expect = false, is_json = false;
        int c;
        opterr = 0;
        optind = 0; /* a fresh scan, also when called from the demo */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'e':
                        if (ui_parse_expect(optarg, &req.expect) < 0) {
                                ui_error("verify: --expect takes zero, one, byte:HH, pattern:HEX or "
                                         "random:SEED "
                                         "(32 hex digits), not '%s'",
                                         optarg);
                                return KESU_EXIT_USAGE;
                        }
                        has_expect = true;
                        break;
                case 'm':
                        if (strcmp(optarg, "sample") == 0)
                                req.mode = VERIFY_MODE_SAMPLE;
                        else if (strcmp(optarg, "full") == 0)
                                req.mode = VERIFY_MODE_FULL;
                        else {
                                ui_error("verify: unknown mode '%s' (sample, full)", optarg);
                                return KESU_EXIT_USAGE;
                        }
                        break;
                case 'p':
                        if (ui_parse_percent(optarg, &req.percent) < 0) {
                                ui_error("verify: --sample-percent takes a number above 0 and at most 100, "
                                         "not '%s'",
                                         optarg);
                                return KESU_EXIT_USAGE;
                        }
                        break;
                case 's':
                        if (ui_parse_plan_seed(optarg, &req.plan_seed) < 0) {
                                ui_error("verify: --plan-seed takes up to 16 hex digits, not '%s'", optarg);
                                return KESU_EXIT_USAGE;
                        }
                        req.has_plan_seed = true;
                        break;
                case 'j':
                        is_json = true;
                        break;
                case 'h':
                        verify_help();
                        return KESU_EXIT_OK;
                default:
                        ui_option_error("verify", options, argv);
                        return KESU_EXIT_USAGE;
                }
        }
        if (!has_expect) {
                ui_error("verify: say what the target must hold with --expect (see 'kesu verify --help')");
                return KESU_EXIT_USAGE;
        }
        if (optind + 1 != argc) {
                ui_error("verify: give exactly one target (see 'kesu verify --help')");
                return KESU_EXIT_USAGE;
        }

        struct disk_info *disks = NULL;
        size_t n = 0;
        if (text_check(argv[optind], PATH_MAX, NULL) == -EILSEQ) {
                ui_error("verify: the target's path is not valid UTF-8 text");
                return KESU_EXIT_USAGE;
        }
        if (ui_describe_targets(argv + optind, &disks, &n) < 0)
                return KESU_EXIT_USAGE;
        struct verify_job *job = NULL;
        int exit_code = KESU_EXIT_USAGE;
        int r = verify_job_new(&req, &disks[0].identity, &job);
        if (r >= 0)
                r = verify_job_open(job);
        if (r < 0) {
                ui_error("verify: cannot read %s: %s", disks[0].identity.path, ui_target_error(r));
                goto out;
        }
        ui_install_stop_signals();
        if ((r = verify_job_start(job)) < 0) {
                ui_error("verify: cannot start: %s", strerror(-r));
                goto out;
        }
        struct ui_progress_item item = { .path = disks[0].identity.path,
                                         .label = disks[0].identity.name ? disks[0].identity.name : "file" };
        void *jobs[] = { job };
        ui_run_jobs(jobs, 1, &ui_verify_job_ops, "verify", is_json, &item);
        verify_job_wait(job);
        const struct verify_result *res = verify_job_result(job);
        if (is_json) {
                json_t *o = ui_verify_result_to_json(res);
                if (o) {
                        json_object_set_new(o, "event", json_string("verify"));
                        json_object_set_new(o, "path", json_string(disks[0].identity.path));
                }
                ui_json_line(o);
        } else
                ui_print_verify_human(res, disks[0].identity.path);
        exit_code = verify_result_is_pass(res) ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
out:
        verify_job_free(job);
        ui_disk_infos_free(disks, n);
        return exit_code;
}
