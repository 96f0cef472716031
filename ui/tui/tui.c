/* SPDX-License-Identifier: MIT */
/* `kesu ui [--lang ja|en] [--config FILE] [--users FILE] [--key FILE] [--cert-dir DIR]
 * [--export-dir DIR]`: the operator's screen. Reads the configuration as `kesu wipe` does, then
 * runs the screens in order: operator and witness log in, the signing key, the clock, the disks,
 * each disk's plan, the typed confirmation, the progress, the results. On a fresh data folder (no
 * appliance key or no users file) the administrator's set-up comes first; an administrator who
 * logs in gets the administrator's menu. The erasure itself runs in a runner process of its own
 * (runner.h): a screen started while one runs re-attaches to it, then shows its results. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "runner.h"
#include "tui.h"

static void help(void)
{
        printf("Usage: kesu ui [--lang ja|en] [--config FILE] [--users FILE] [--key FILE] [--cert-dir DIR]\n"
               "               [--export-dir DIR]\n"
               "\n"
               "The operator's screen: the operator and a witness log in (passphrase and one-time code),\n"
               "confirm the clock, choose disks from the live list, give each its asset number, class,\n"
               "destination and method, confirm by typing the number of disks, and follow the erasure,\n"
               "verification and certificates of all of them. Japanese unless --lang en; F2 switches.\n"
               "\n"
               "  --lang ja|en       the language to start in (default ja)\n"
               "  --config FILE      key = value settings, as for 'kesu wipe' (default %s)\n"
               "  --users FILE       the users file (default users.json beside the key)\n"
               "  --key FILE         the appliance key (default: 'key = …' in the configuration)\n"
               "  --cert-dir DIR     where certificates are filed (default: 'cert-dir = …')\n"
               "  --export-dir DIR   the export stick (default: 'export-dir = …')\n"
               "\n"
               "Without an appliance key or a users file (a fresh data folder) it starts with the\n"
               "set-up: the key, then the first administrator. An administrator's login opens the\n"
               "administrator's menu (users, organisation and printer, policy, clock).\n"
               "\n"
               "The erasure runs in a process of its own, which outlives the screen: a screen started\n"
               "while it runs follows it again, then shows its results. Its state file and log are in\n"
               "KESU_RUN_DIR (default /run/kesu).\n"
               "\n"
               "The catalogs are read from KESU_LOCALEDIR when it is set.\n",
               UI_DEFAULT_CONFIG);
}

static int parse_args(int argc, char **argv, struct tui *t)
{
        static const struct option options[] = {
                { "lang", required_argument, NULL, 'l' },     { "config", required_argument, NULL, 'F' },
                { "users", required_argument, NULL, 'U' },    { "key", required_argument, NULL, 'K' },
                { "cert-dir", required_argument, NULL, 'R' }, { "export-dir", required_argument, NULL, 'E' },
                { "help", no_argument, NULL, 'h' },           {},
        };
        int c;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'l':
                        if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
                                ui_error("ui: --lang takes ja or en, not '%s'", optarg);
                                return -EINVAL;
                        }
                        t->lang = strcmp(optarg, "ja") == 0 ? TUI_LANG_JA : TUI_LANG_EN;
                        break;
                case 'F':
                        t->config_path = optarg;
                        break;
                case 'U':
                        t->users_file = optarg;
                        break;
                case 'K':
                        t->key_file = optarg;
                        break;
                case 'R':
                        t->cert_dir = optarg;
                        break;
                case 'E':
                        t->export_dir = optarg;
                        break;
                case 'h':
                        help();
                        return 1;
                default:
                        ui_error("ui: %s option '%s' (see 'kesu ui --help')",
                                 optopt ? "option needs a value:" : "unknown", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                ui_error("ui: unexpected argument '%s' (see 'kesu ui --help')", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* Everything the screens need that does not need a person: the configuration, the policy and the
 * users. Errors are told on the terminal before the screen starts. */
static int prepare(struct tui *t)
{
        if (ui_config_load(t->config_path, "ui", &t->config) < 0)
                return -EINVAL;
        const struct {
                const char **field;
                const char *value;
        } fill[] = {
                { &t->key_file, t->config.key },
                { &t->cert_dir, t->config.cert_dir },
                { &t->export_dir, t->config.export_dir },
                { &t->ledger, t->config.ledger },
                { &t->printer, t->config.printer },
                { &t->policy_file, t->config.policy },
                { &t->users_file, t->config.users },
                { &t->organization, t->config.organization },
                { &t->media_source, t->config.media_source },
        };
        for (size_t i = 0; i < ELEMENTSOF(fill); i++)
                if (!*fill[i].field)
                        *fill[i].field = fill[i].value;
        if (!t->key_file || !t->cert_dir) {
                ui_error("ui: certificates need the appliance key and a certificate folder: give --key and "
                         "--cert-dir, or 'key = …' and 'cert-dir = …' in %s",
                         t->config_path ? t->config_path : UI_DEFAULT_CONFIG);
                return -EINVAL;
        }
        const struct {
                const char *what, *value;
                size_t max;
        } texts[] = {
                { "organization", t->organization, 256 },  { "media-source", t->media_source, 256 },
                { "key", t->key_file, PATH_MAX },          { "cert-dir", t->cert_dir, PATH_MAX },
                { "export-dir", t->export_dir, PATH_MAX }, { "printer", t->printer, 256 },
        };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++)
                if (texts[i].value && text_check(texts[i].value, texts[i].max, NULL) < 0) {
                        ui_error("ui: %s is not printable UTF-8 text of at most %zu bytes", texts[i].what,
                                 texts[i].max);
                        return -EINVAL;
                }
        int r;
        if (t->policy_file) {
                struct session_policy_error perr = { 0 };
                r = session_policy_load(t->policy_file, &t->policy, &perr);
                if (r < 0) {
                        ui_error("ui: the policy %s cannot be used: %s", t->policy_file,
                                 perr.message[0] ? perr.message : strerror(-r));
                        return r;
                }
        } else if ((r = session_policy_default(&t->policy)) < 0)
                return r;
        if (ui_users_paths(t->users_file, t->key_file, t->config_path, &t->users_path, &t->pub_path) < 0)
                return -EINVAL;
        /* a fresh KESU-DATA: the administrator's set-up comes first */
        t->needs_setup = access(t->key_file, F_OK) < 0 || access(t->users_path, F_OK) < 0;
        if (!t->needs_setup && tui_users_reload(t) < 0)
                return -EINVAL;
        ui_image_release_read(&t->image); /* on every certificate, as with `kesu wipe` */
        return 0;
}

/* What the code below writes on stderr (ui_error) would scribble over the screen: it goes into a
 * pipe instead, is shown on the message line, and is printed on the real stderr at the end. */
static void capture_stderr(struct tui *t)
{
        int p[2];
        t->stderr_read_fd = t->stderr_saved_fd = -1;
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return;
        t->stderr_saved_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (t->stderr_saved_fd < 0 || dup2(p[1], STDERR_FILENO) < 0) {
                close(p[0]);
                close(p[1]);
                return;
        }
        close(p[1]);
        t->stderr_read_fd = p[0];
}

static void release_stderr(struct tui *t)
{
        tui_take_stderr(t);
        if (t->stderr_saved_fd >= 0) {
                dup2(t->stderr_saved_fd, STDERR_FILENO);
                close(t->stderr_saved_fd);
        }
        if (t->stderr_read_fd >= 0)
                close(t->stderr_read_fd);
        if (t->log_len)
                fwrite(t->log, 1, t->log_len, stderr);
        free(t->log);
}

const struct disk_info *tui_find_disk(const struct tui *t, const char *path)
{
        for (size_t i = 0; i < t->n_disks; i++)
                if (strcmp(t->disks[i].identity.path, path) == 0)
                        return &t->disks[i];
        return NULL;
}

bool tui_is_admin(const struct tui *t)
{
        return t->has_operator && t->operator_info.role == SESSION_ROLE_ADMINISTRATOR;
}

int tui_users_reload(struct tui *t)
{
        struct session_users *u = NULL;
        int r = ui_users_load(t->users_file, t->key_file, t->config_path, &u);
        if (r < 0)
                return r;
        session_users_free(t->users);
        t->users = u;
        return 0;
}

int tui_config_set(struct tui *t, const char *name, const char *value)
{
        const char *path = t->config_path ? t->config_path : UI_DEFAULT_CONFIG;
        int r = ui_config_set(path, name, value);
        if (r < 0) {
                tui_message(t, true, _("Cannot write the configuration %s: %s"), path, strerror(-r));
                return r;
        }
        struct ui_config c;
        if ((r = ui_config_load(path, "ui", &c)) < 0)
                return r;
        /* the settings the options did not give follow the file */
        const char **fields[] = { &t->key_file,     &t->cert_dir,    &t->export_dir,
                                  &t->ledger,       &t->printer,     &t->policy_file,
                                  &t->users_file,   &t->organization, &t->media_source };
        const char *old[] = { t->config.key,      t->config.cert_dir, t->config.export_dir,
                              t->config.ledger,   t->config.printer,  t->config.policy,
                              t->config.users,    t->config.organization, t->config.media_source };
        const char *new[] = { c.key,    c.cert_dir, c.export_dir,   c.ledger,      c.printer,
                              c.policy, c.users,    c.organization, c.media_source };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (*fields[i] == old[i])
                        *fields[i] = new[i];
        ui_config_done(&t->config);
        t->config = c;
        return 0;
}

void tui_disposal_plan_free(struct tui *t)
{
        t->session = session_free(t->session);
        ui_disk_infos_free(t->targets, t->n_targets);
        t->targets = NULL;
        t->n_targets = 0;
        free(t->plans);
        t->plans = NULL;
}

void tui_disposal_end(struct tui *t)
{
        tui_disposal_plan_free(t);
        /* the runner's state file stays: its disposal may still run, or its results be unseen */
        t->runner = runner_free(t->runner);
        free(t->run_state);
        t->run_state = NULL;
}

void tui_log_out(struct tui *t)
{
        tui_disposal_end(t);
        if (t->choices)
                explicit_bzero(t->choices, t->n_choices * sizeof *t->choices); /* the PSIDs */
        free(t->choices);
        t->choices = NULL;
        t->n_choices = 0;
        free(t->selected);
        t->selected = NULL;
        t->n_selected = 0;
        cert_secret_key_free(t->key);
        t->key = NULL;
        t->has_operator = t->has_witness = false;
        t->operator_info = t->witness_info = (struct session_user_info){ 0 };
        t->clock_confirmation[0] = 0;
}

static void tui_free(struct tui *t)
{
        tui_log_out(t);
        disk_monitor_free(t->monitor);
        ui_disk_infos_free(t->disks, t->n_disks);
        session_users_free(t->users);
        free(t->users_path);
        free(t->pub_path);
        session_policy_free(t->policy);
        ui_config_done(&t->config);
        ui_image_release_done(&t->image);
}

static enum tui_step run_step(struct tui *t, enum tui_step step)
{
        switch (step) {
        case TUI_STEP_SETUP:
                return tui_screen_setup(t);
        case TUI_STEP_ADMIN:
                return tui_screen_admin(t);
        case TUI_STEP_ADMIN_USERS:
                return tui_screen_users(t);
        case TUI_STEP_ADMIN_SETTINGS:
                return tui_screen_settings(t);
        case TUI_STEP_ADMIN_POLICY:
                return tui_screen_policy(t);
        case TUI_STEP_ADMIN_CLOCK:
                return tui_screen_clock_set(t);
        case TUI_STEP_LOGIN_OPERATOR:
                return tui_screen_login(t, false);
        case TUI_STEP_LOGIN_WITNESS:
                return tui_screen_login(t, true);
        case TUI_STEP_KEY:
                return tui_screen_key(t);
        case TUI_STEP_CLOCK:
                return tui_screen_clock(t);
        case TUI_STEP_DISKS:
                return tui_screen_disks(t);
        case TUI_STEP_PLAN:
                return tui_screen_plan(t);
        case TUI_STEP_CONFIRM:
                /* one disposal at a time: said plainly before the session is opened (its issuer's
                 * lock would refuse it anyway, as "the ledger is in use") */
                if (tui_runner_is_busy(t))
                        return TUI_STEP_PLAN;
                return tui_screen_confirm(t);
        case TUI_STEP_RUN:
                return tui_screen_run(t);
        case TUI_STEP_RESULTS:
                return tui_screen_results(t);
        default:
                return TUI_STEP_QUIT;
        }
}

int ui_cmd_ui(int argc, char **argv)
{
        struct tui t = { .lang = TUI_LANG_JA, .stderr_read_fd = -1, .stderr_saved_fd = -1 };
        int r = parse_args(argc, argv, &t);
        if (r != 0)
                return r > 0 ? KESU_EXIT_OK : KESU_EXIT_USAGE;
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
                ui_error("ui: the operator's screen needs a terminal");
                return KESU_EXIT_USAGE;
        }
        if (tui_lang_init(t.lang) < 0) {
                ui_error("ui: no UTF-8 locale (C.UTF-8) to draw Japanese with");
                return KESU_EXIT_USAGE;
        }
        if (prepare(&t) < 0) {
                tui_free(&t);
                return KESU_EXIT_USAGE;
        }
        if ((r = disk_monitor_new(&t.monitor)) < 0)
                ui_error("ui: cannot watch for disks coming and going: %s (the list is read again on 'r')",
                         strerror(-r));
        /* SIGTERM, SIGHUP end the screen; a running disposal is its runner's and goes on (the
         * runner stops on its own SIGTERM, each disk with its certificate) */
        ui_install_stop_signals();
        capture_stderr(&t);
        if (!getenv("ESCDELAY"))
                set_escdelay(100);
        initscr();
        raw(); /* Ctrl-C is a key here: the progress screen asks before it stops anything */
        noecho();
        keypad(stdscr, TRUE);
        nodelay(stdscr, TRUE);
        enum tui_step step = t.needs_setup ? TUI_STEP_SETUP : TUI_STEP_LOGIN_OPERATOR;
        /* a disposal's runner outlives a screen that crashed: follow it again, or show how it ended */
        if (!t.needs_setup)
                step = tui_runner_attach(&t, step);
        while (step != TUI_STEP_QUIT) {
                step = run_step(&t, step);
                if (ui_stop_signal && !t.session)
                        step = TUI_STEP_QUIT;
        }
        endwin();
        release_stderr(&t);
        if (t.needs_setup && t.is_message_error) /* why the set-up could not finish */
                ui_error("ui: %s", t.message);
        tui_free(&t);
        return KESU_EXIT_OK;
}
