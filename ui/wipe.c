/* SPDX-License-Identifier: MIT */
/* `kesu wipe`: parse, prepare, confirm, run the disposal session, render — nothing else. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "wipe-internal.h"

static void wipe_help(void)
{
        printf("Usage: kesu wipe [OPTIONS] TARGET...\n"
               "\n"
               "Erases every target (block devices or image files) in parallel.\n"
               "\n"
               "  --method NAME      overwrite method (default random), or passes:P,P,… with P one of\n"
               "                     zero, one, random, 0xHH… (1-16 bytes), ~0xHH… (complement), comp;\n"
               "                     or the drive's own purge command (sanitize-crypto, …), or purge: the\n"
               "                     strongest one each drive supports ('kesu list' shows them). A drive\n"
               "                     that does not support it is refused, never erased another way; the\n"
               "                     purge is proved by fingerprinting sectors before and reading them after\n"
               "  --verify MODE      sample (default: NIST SP 800-88 sampling of the last pass), full\n"
               "                     (every byte read back) or none\n"
               "  --verify-passes W  last (default) or all: also verify every earlier pass as it ends\n"
               "  --sample-percent P coverage of the sample (default 10)\n"
               "  --plan-seed S      the sample plan's seed (hex; default: drawn and reported)\n"
               "  --psid-file F      tcg-psid-revert: the PSID printed on the drive's label (32 letters and\n"
               "                     digits, line 1 of F); never logged nor written on the certificate\n"
               "  --sid-file F       tcg-revert: the drive owner's SID (line 1 of F); without it the drive's\n"
               "                     MSID is used, which works only when nobody took ownership\n"
               "\nThe certificate (one per target; --no-cert for none):\n"
               "  --operator ID --witness ID    the two people doing the work (must differ); both log in\n"
               "                                with a passphrase and a TOTP code (see 'kesu user --help')\n"
               "  --operator-secret-file F --witness-secret-file G\n"
               "                     passphrase on line 1, the current TOTP code on line 2 (default: asked\n"
               "                     on the terminal)\n"
               "  --users FILE       the users file (default users.json beside the key)\n"
               "  --no-auth          no login: demonstrations and tests only (the certificate says so)\n"
               "  --asset NUMBER[,NUMBER…]      asset number(s): one for all targets or one each\n"
               "  --class 1|2|3|3A|3B|3C|mynumber  confidentiality class before sanitization; the policy\n"
               "                     decides the level it needs (2 and above: Purge, 1: Clear, mynumber:\n"
               "                     destruction) and refuses, before anything is written, a method that\n"
               "                     cannot reach it (exit 3)\n"
               "  --policy FILE      the administrator's policy (default: built in; see README)\n"
               "  --destination D               internal-reuse, external-reuse, lease-return, recycling,\n"
               "                                destruction\n"
               "  --organization NAME  --media-source TEXT\n"
               "  --key FILE (appliance.key) --passphrase-file F --cert-dir DIR (where they are filed)\n"
               "  --export-dir DIR   also copy each certificate here (the export stick); a failed copy\n"
               "                     is reported and loses nothing: the certificate stays filed\n"
               "  --ledger FILE (default: ledger.jsonl beside the key)  --print [--printer NAME]\n"
               "  --config FILE      key = value defaults (organization, key, cert-dir, export-dir,\n"
               "                     ledger, printer, media-source, policy, users); default\n"
               "                     /etc/kesu/kesu.conf\n"
               "  --yes              do not ask for confirmation (required without a terminal)\n"
               "  --json             JSON Lines events on stdout\n"
               "  --engine E         auto (default), io_uring or sync\n"
               "  --chunk-bytes N    bytes per write (default 1048576)\n"
               "  --queue-depth N    writes in flight per disk (default 8)\n"
               "\nMethods (the level each reaches, IEEE 2883-2022 / NIST SP 800-88, the stricter):\n");
        const char *desc;
        const char *name;
        for (size_t i = 0; (name = wipe_method_name(i, &desc)); i++) {
                enum session_level level;
                bool is_known = session_method_level(name, &level) == 0;
                /* "purge" reaches what the drive's strongest command reaches */
                printf("  %-21s %-6s %s\n", name,
                       strcmp(name, WIPE_METHOD_PURGE) == 0 ? "varies"
                       : is_known                          ? session_level_to_string(level)
                                                           : "",
                       desc);
        }
}

static int parse_uint(const char *s, const char *what, uint64_t max, uint64_t *ret)
{
        if (parse_u64(s, ret) < 0 || *ret == 0 || *ret > max) {
                ui_error("wipe: %s must be a whole number from 1 to %" PRIu64 ", not '%s'", what, max, s);
                return -EINVAL;
        }
        return 0;
}

int wipe_parse_args(int argc, char **argv, struct wipe_cli *cli)
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
                { "policy", required_argument, NULL, 'Y' },
                { "users", required_argument, NULL, 'U' },
                { "operator-secret-file", required_argument, NULL, 'o' },
                { "witness-secret-file", required_argument, NULL, 'w' },
                { "no-auth", no_argument, NULL, 'n' },
                { "sid-file", required_argument, NULL, 'i' },
                { "psid-file", required_argument, NULL, 'I' },
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
                case 'Y':
                        cli->policy_file = optarg;
                        break;
                case 'U':
                        cli->users_file = optarg;
                        break;
                case 'o':
                        cli->operator_secret_file = optarg;
                        break;
                case 'w':
                        cli->witness_secret_file = optarg;
                        break;
                case 'n':
                        cli->is_no_auth = true;
                        break;
                case 'i':
                        cli->sid_file = optarg;
                        break;
                case 'I':
                        cli->psid_file = optarg;
                        break;
                case 'h':
                        wipe_help();
                        return 1;
                case '?':
                default:
                        ui_option_error("wipe", options, argv);
                        return -EINVAL;
                }
        }
        return 0;
}


/* Runs the jobs the session has started (wipe or verify), drawing their progress. */
static void run_phase(struct session *s, bool is_verify_phase, const struct wipe_cli *cli)
{
        size_t n = session_n_started(s), n_run = 0;
        void *run[n + 1];
        struct ui_progress_item items[n + 1];
        for (size_t i = 0; i < n; i++) {
                void *job = is_verify_phase ? (void *)session_verify_job(s, i) : (void *)session_wipe_job(s, i);
                if (!job)
                        continue;
                const struct disk_identity *id = &session_disk(s, i)->identity;
                items[n_run] = (struct ui_progress_item){ .path = id->path, .label = id->name ? id->name : "file" };
                run[n_run++] = job;
        }
        if (n_run > 0)
                ui_run_jobs(run, n_run, is_verify_phase ? &ui_verify_job_ops : &wipe_job_ops,
                            is_verify_phase ? "verify" : "wipe", cli->is_json, items);
        if (ui_stop_signal)
                session_request_stop(s);
}

/* A refusal, said once; "nothing was written" only while that is true. */
static int refusal_exit(const struct session_refusal *f, bool is_nothing_written)
{
        ui_error("wipe: %s%s", f->message, is_nothing_written ? "; nothing was written" : "");
        return f->kind == SESSION_REFUSED_SAFETY ? KESU_EXIT_SAFETY : KESU_EXIT_USAGE;
}

int ui_cmd_wipe(int argc, char **argv)
{
        struct wipe_cli cli;
        int r = wipe_parse_args(argc, argv, &cli);
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
                if (wipe_check_text("a target's path", argv[i], PATH_MAX) < 0)
                        return KESU_EXIT_USAGE;

        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(argv + optind, &disks, &n) < 0)
                return KESU_EXIT_USAGE;
        struct wipe_setup ws = { 0 };
        struct session_refusal refusal;
        int exit_code = wipe_prepare(&cli, n, &ws);
        if (exit_code >= 0)
                goto out;
        if (session_plan(ws.session, disks, n, ws.assets, &refusal) < 0) {
                exit_code = refusal_exit(&refusal, true);
                goto out;
        }
        if (!cli.is_yes && !wipe_confirm(disks, n, &method, &cli, ws.session)) {
                ui_error("wipe: not confirmed; nothing was written");
                exit_code = KESU_EXIT_USAGE;
                goto out;
        }
        ui_install_stop_signals();
        if ((r = session_start(ws.session, &refusal)) < 0) {
                exit_code = r == -EPERM ? refusal_exit(&refusal, session_n_started(ws.session) == 0)
                                        : KESU_EXIT_NOT_SANITIZED;
                if (session_n_started(ws.session) == 0)
                        goto out;
        }
        if (cli.is_json)
                for (size_t i = 0; i < n; i++)
                        ui_json_line(json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "event", "start", "path",
                                               disks[i].identity.path, "method",
                                               session_target_method(ws.session, i)->name, "passes",
                                               (json_int_t)method.n_passes, "size_bytes",
                                               (json_int_t)disks[i].identity.size_bytes, "verify", cli.verify));
        int64_t start_ns = now_monotonic_ns();
        run_phase(ws.session, false, &cli);
        session_verify(ws.session);
        run_phase(ws.session, true, &cli);

        size_t n_started = session_n_started(ws.session), n_passed = 0;
        uint64_t bytes = 0;
        bool is_pdf_missing = false, is_safety_stop = false;
        for (size_t i = 0; i < n_started; i++) {
                struct session_outcome oc;
                if (session_finish(ws.session, i, &oc) < 0)
                        continue;
                wipe_print_notes(&ws, cli.is_json);
                wipe_render_outcome(&cli, &disks[i], &oc);
                n_passed += oc.is_pass;
                bytes += oc.wipe->bytes_written;
                is_pdf_missing |= oc.is_certified && oc.issued.pdf_error < 0;
                /* a disk that changed or became protected under kesu is a refusal for safety */
                if (oc.wipe->status == WIPE_STATUS_IDENTITY_CHANGED) {
                        ui_error("wipe: refusing to erase %s: it changed since it was confirmed; nothing was "
                                 "written",
                                 oc.wipe->identity.path);
                        is_safety_stop = true;
                } else if (oc.wipe->status == WIPE_STATUS_PROTECTED) {
                        ui_error("wipe: %s %s: it became protected (%s)",
                                 oc.wipe->is_protected_before_write ? "refusing to erase" : "stopped erasing",
                                 oc.wipe->identity.path,
                                 oc.wipe->protected_reason ? oc.wipe->protected_reason : "in use");
                        is_safety_stop = true;
                }
        }
        double seconds = (double)(now_monotonic_ns() - start_ns) / 1e9;
        if (cli.is_json)
                ui_json_line(json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:o}", "event", "summary", "targets",
                                       (json_int_t)n, "passed", (json_int_t)n_passed, "failed",
                                       (json_int_t)(n - n_passed), "duration_seconds", seconds, "bytes_written",
                                       (json_int_t)bytes, "interrupted", ui_stop_signal ? json_true() : json_false()));
        else
                printf("%zu of %zu target%s erased%s%s\n", n_passed, n, n == 1 ? "" : "s",
                       is_verify ? " and verified" : " (not verified: --verify none)",
                       ui_stop_signal ? " (interrupted)" : "");
        if (exit_code < 0)
                exit_code = n_passed == n && n_started == n && !is_pdf_missing ? KESU_EXIT_OK
                                                                              : KESU_EXIT_NOT_SANITIZED;
        if (is_safety_stop)
                exit_code = KESU_EXIT_SAFETY;
out:
        wipe_setup_done(&ws);
        ui_disk_infos_free(disks, n);
        return exit_code;
}
