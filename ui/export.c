/* SPDX-License-Identifier: MIT */
/* `kesu cert export`: copy the filed certificates that are not on the export stick yet. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "ui.h"

#define DEFAULT_CONFIG UI_DEFAULT_CONFIG


struct export_cli {
        const char *cert_dir, *export_dir, *config;
        bool is_json;
        struct ui_config settings; /* owns the strings taken from the configuration */
};

struct export_totals {
        const struct export_cli *cli;
        size_t n_exported, n_already_there, n_differs, n_failed, n_without_pdf, n_half_filed;
        size_t n_not_tried;
        const struct cert_export_entry *stopped_at;
        struct cert_export_entry last; /* a copy of the entry the run stopped at */
};

static const char *const part_labels[CERT_EXPORT_N_PARTS] = {
        [CERT_EXPORT_SIGNATURE] = "signature",
        [CERT_EXPORT_RECORD] = "record",
        [CERT_EXPORT_PDF] = "PDF",
};

static const char *const status_names[] = {
        [CERT_EXPORT_COPIED] = "copied",       [CERT_EXPORT_IDENTICAL] = "identical",
        [CERT_EXPORT_DIFFERS] = "differs",     [CERT_EXPORT_FAILED] = "failed",
        [CERT_EXPORT_MISSING] = "missing",     [CERT_EXPORT_KEPT] = "kept",
        [CERT_EXPORT_NOT_TRIED] = "not-tried",
};

static void print_help(void)
{
        printf("Usage: kesu cert export [--cert-dir DIR] [--config FILE] [--json] [EXPORT_DIR]\n\n"
               "Copies the filed certificates (KESU-<key id>-<sequence>.json, .json.minisig, .pdf) that\n"
               "are not in EXPORT_DIR yet — the export stick — each written atomically. Files already\n"
               "there byte for byte are left alone; a different file of the same name is never replaced\n"
               "(it is named instead). set-aside/, temporary and stray files are not copied. A full stick\n"
               "loses nothing: the certificates stay filed, and running again continues.\n"
               "The auditor's page kesu-verify.html (checks the folder in any browser, offline) is put\n"
               "beside them by the same rules, when it is installed (env KESU_VERIFY_PAGE names another).\n\n"
               "  --cert-dir DIR   where the certificates are filed (default: cert-dir = … of the config)\n"
               "  --config FILE    key = value settings (default " DEFAULT_CONFIG "); cert-dir and\n"
               "                   export-dir (EXPORT_DIR when none is given) are read from it\n"
               "  --json           one JSON object a line: an \"export\" event per certificate, a "
               "\"summary\"\n\n"
               "Exit 0 all exported, 1 finished but incomplete (a file differs, could not be copied or a\n"
               "PDF is missing), 2 bad usage or a missing folder.\n");
}

/* cert-dir and export-dir from the configuration, where the command line left them unset. */
static int read_config(struct export_cli *cli)
{
        int r = ui_config_load(cli->config, "cert export", &cli->settings);
        if (r < 0)
                return r;
        if (!cli->cert_dir)
                cli->cert_dir = cli->settings.cert_dir;
        if (!cli->export_dir)
                cli->export_dir = cli->settings.export_dir;
        return 0;
}

static int parse_args(int argc, char **argv, struct export_cli *cli)
{
        static const struct option options[] = {
                { "cert-dir", required_argument, NULL, 'c' },
                { "config", required_argument, NULL, 'f' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        cli->cert_dir = optarg;
                        break;
                case 'f':
                        cli->config = optarg;
                        break;
                case 'j':
                        cli->is_json = true;
                        break;
                case 'h':
                        print_help();
                        return 1;
                default:
                        ui_option_error("cert export", options, argv);
                        return -EINVAL;
                }
        }
        if (argc - optind > 1) {
                ui_error("cert export: one export folder, not %d (see 'kesu cert export --help')",
                         argc - optind);
                return -EINVAL;
        }
        if (optind < argc)
                cli->export_dir = argv[optind];
        return 0;
}

/* A folder that must exist; says which and why not. */
static int check_folder(const char *what, const char *dir, const char *hint)
{
        struct stat st;
        if (stat(dir, &st) < 0) {
                int r = -errno;
                if (r == -ENOENT)
                        ui_error("cert export: the %s %s does not exist%s", what, dir, hint);
                else
                        ui_error("cert export: cannot use the %s %s: %s", what, dir, strerror(-r));
                return r;
        }
        if (!S_ISDIR(st.st_mode)) {
                ui_error("cert export: the %s %s is not a folder", what, dir);
                return -ENOTDIR;
        }
        return 0;
}

static bool has_status(const struct cert_export_entry *e, enum cert_export_status s)
{
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++)
                if (e->files[k].status == s)
                        return true;
        return false;
}

static const char *entry_status(const struct cert_export_entry *e)
{
        if (has_status(e, CERT_EXPORT_FAILED))
                return "failed";
        if (has_status(e, CERT_EXPORT_DIFFERS))
                return "differs";
        if (e->is_half_filed)
                return "half-filed";
        if (has_status(e, CERT_EXPORT_COPIED))
                return "exported";
        if (has_status(e, CERT_EXPORT_NOT_TRIED))
                return "not-tried";
        return "already-there";
}

static void report_json(const struct cert_export_entry *e, const struct export_cli *cli)
{
        json_t *files = json_array();
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++) {
                const struct cert_export_file *f = &e->files[k];
                json_t *o = json_pack("{s:s, s:s, s:s}", "part", part_labels[k], "name", f->name, "status",
                                      status_names[f->status]);
                if (f->status == CERT_EXPORT_FAILED)
                        json_object_set_new(o, "error", json_string(strerror(-f->error)));
                json_array_append_new(files, o);
        }
        bool has_pdf = e->files[CERT_EXPORT_PDF].status != CERT_EXPORT_MISSING;
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o}", "event", "export", "serial", e->serial, "status",
                              entry_status(e), "has_pdf", has_pdf, "files", files);
        /* paths need not be UTF-8 */
        json_object_set_new(o, "cert_dir", ui_json_string_or_null(cli->cert_dir));
        json_object_set_new(o, "export_dir", ui_json_string_or_null(cli->export_dir));
        ui_json_line(o);
}

/* One certificate: counted; a line when something was copied or is wrong (identical files are
 * skipped silently). */
static void report(const struct cert_export_entry *e, void *userdata)
{
        struct export_totals *t = userdata;
        const struct export_cli *cli = t->cli;
        bool is_copied = has_status(e, CERT_EXPORT_COPIED);
        bool is_without_pdf = !e->is_half_filed && e->files[CERT_EXPORT_PDF].status == CERT_EXPORT_MISSING;
        bool is_problem =
                has_status(e, CERT_EXPORT_FAILED) || has_status(e, CERT_EXPORT_DIFFERS) || e->is_half_filed;

        t->n_exported += is_copied && !is_problem;
        t->n_already_there += !is_copied && !is_problem && !has_status(e, CERT_EXPORT_NOT_TRIED);
        t->n_without_pdf += is_without_pdf;
        t->n_half_filed += e->is_half_filed;
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++) {
                t->n_differs += e->files[k].status == CERT_EXPORT_DIFFERS;
                t->n_failed += e->files[k].status == CERT_EXPORT_FAILED;
        }
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++)
                if (e->files[k].status == CERT_EXPORT_FAILED && e->files[k].is_destination_error) {
                        /* the export folder stopped taking files: the run ends with this one */
                        t->last = *e;
                        t->stopped_at = &t->last;
                        t->n_not_tried = e->n_certificates - e->index - 1;
                }

        if (!is_copied && !is_problem && !is_without_pdf)
                return; /* already there, whole */
        if (cli->is_json) {
                report_json(e, cli);
                return;
        }
        if (is_copied) {
                char parts[64] = "";
                for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++)
                        if (e->files[k].status == CERT_EXPORT_COPIED)
                                snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "%s%s",
                                         *parts ? ", " : "", part_labels[k]);
                printf("%s %s (%s)%s\n", is_problem ? "partly exported" : "exported", e->serial, parts,
                       is_without_pdf ? " without its PDF" : "");
        }
        if (is_without_pdf)
                printf("note: %s has no PDF in %s yet: the record and signature are the certificate; the "
                       "PDF is made again at the next 'kesu wipe' — export again then\n",
                       e->serial, cli->cert_dir);
        if (e->is_half_filed)
                ui_error("cert export: %s is half-filed in %s (its %s is missing): not exported; the issuer "
                         "sets it aside at the next 'kesu wipe'",
                         e->serial, cli->cert_dir,
                         e->files[CERT_EXPORT_RECORD].status == CERT_EXPORT_MISSING ? "record"
                                                                                    : "signature");
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++) {
                const struct cert_export_file *f = &e->files[k];
                if (f->status == CERT_EXPORT_DIFFERS)
                        ui_error(
                                "cert export: %s/%s differs from the one filed in %s: not replaced (compare "
                                "them; move the stick's file away to export it again)",
                                cli->export_dir, f->name, cli->cert_dir);
                else if (f->status == CERT_EXPORT_FAILED && !f->is_destination_error)
                        ui_error("cert export: cannot read %s/%s: %s; not exported", cli->cert_dir, f->name,
                                 strerror(-f->error));
        }
}

/* Why the export folder stopped taking files, in words. */
static void report_stop(const struct export_totals *t, int r)
{
        const struct export_cli *cli = t->cli;
        const char *name = "";
        for (size_t k = 0; t->stopped_at && k < CERT_EXPORT_N_PARTS; k++)
                if (t->stopped_at->files[k].status == CERT_EXPORT_FAILED)
                        name = t->stopped_at->files[k].name;
        const char *why = r == -ENOSPC || r == -EDQUOT  ? "is full"
                          : r == -EROFS                 ? "is read-only"
                          : r == -EACCES || r == -EPERM ? "cannot be written (no permission)"
                          : r == -ENOENT || r == -ENODEV || r == -ENXIO || r == -EIO
                                  ? "is gone or failing (was the stick pulled out?)"
                                  : "failed";
        size_t n_left = t->n_not_tried + (t->stopped_at ? 1 : 0);
        ui_error("cert export: the export folder %s %s (%s, at %s): %zu certificate%s exported, %zu already "
                 "there, %zu not; nothing was lost: they stay filed in %s — %s and run 'kesu cert export' "
                 "again to continue",
                 cli->export_dir, why, strerror(-r), name, t->n_exported, t->n_exported == 1 ? "" : "s",
                 t->n_already_there, n_left, cli->cert_dir,
                 r == -ENOSPC || r == -EDQUOT ? "free some space or use another stick" : "fix the stick");
}

/* Puts the auditor's page on the stick beside the certificates: "copied", "identical", "differs"
 * (an older page is there: left alone), "failed" or "not-installed". Returns 0, or -errno when it
 * differs or could not be copied (the export is then incomplete). */
static int export_page(const struct export_cli *cli, const char **ret_status)
{
        const char *page = cert_verify_page();
        *ret_status = "not-installed";
        if (!page)
                return 0;
        bool is_destination;
        int r = cert_export_file(page, cli->export_dir, CERT_VERIFY_PAGE_NAME, &is_destination);
        *ret_status = r == 0 ? "copied" : r == 1 ? "identical" : r == -EEXIST ? "differs" : "failed";
        if (cli->is_json) {
                json_t *o = json_pack("{s:s, s:s, s:s}", "event", "page", "name", CERT_VERIFY_PAGE_NAME, "status",
                                      *ret_status);
                json_object_set_new(o, "source", ui_json_string_or_null(page));
                json_object_set_new(o, "error", r < 0 && r != -EEXIST ? json_string(strerror(-r)) : json_null());
                ui_json_line(o);
        } else if (r == 0)
                printf("exported the auditor's page %s (open it in a browser to check this folder)\n",
                       CERT_VERIFY_PAGE_NAME);
        else if (r == -EEXIST)
                ui_error("cert export: %s/%s differs from this appliance's page %s: not replaced (an older "
                         "version? move it away to export the page again)",
                         cli->export_dir, CERT_VERIFY_PAGE_NAME, page);
        else if (r < 0)
                ui_error("cert export: cannot %s the auditor's page %s: %s", is_destination ? "write" : "read",
                         is_destination ? cli->export_dir : page, strerror(-r));
        return r < 0 ? r : 0;
}

static void print_summary(const struct export_totals *t, int r, const char *page_status)
{
        const struct export_cli *cli = t->cli;
        bool is_page_ok = strcmp(page_status, "differs") != 0 && strcmp(page_status, "failed") != 0;
        bool is_complete = r == 0 && is_page_ok && t->n_differs == 0 && t->n_failed == 0 && t->n_without_pdf == 0 &&
                           t->n_half_filed == 0;
        if (cli->is_json) {
                json_t *o =
                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "event", "summary",
                                  "exported", (json_int_t)t->n_exported, "already_there",
                                  (json_int_t)t->n_already_there, "differs", (json_int_t)t->n_differs,
                                  "failed", (json_int_t)t->n_failed, "without_pdf",
                                  (json_int_t)t->n_without_pdf, "half_filed", (json_int_t)t->n_half_filed,
                                  "not_tried", (json_int_t)t->n_not_tried, "complete", is_complete);
                json_object_set_new(o, "cert_dir", ui_json_string_or_null(cli->cert_dir));
                json_object_set_new(o, "export_dir", ui_json_string_or_null(cli->export_dir));
                json_object_set_new(o, "error", r < 0 ? json_string(strerror(-r)) : json_null());
                json_object_set_new(o, "page", json_string(page_status));
                ui_json_line(o);
                return;
        }
        printf("%zu exported, %zu already there, %zu differ%s", t->n_exported, t->n_already_there,
               t->n_differs, t->n_differs == 1 ? "s" : "");
        if (t->n_without_pdf)
                printf(", %zu without its PDF", t->n_without_pdf);
        if (t->n_half_filed)
                printf(", %zu half-filed", t->n_half_filed);
        if (t->n_failed)
                printf(", %zu failed", t->n_failed);
        if (t->n_not_tried)
                printf(", %zu not tried", t->n_not_tried);
        printf("\n");
}

int ui_cmd_cert_export(int argc, char **argv)
{
        struct export_cli cli = { 0 };
        int r = parse_args(argc, argv, &cli);
        if (r != 0)
                return r > 0 ? KESU_EXIT_OK : KESU_EXIT_USAGE;
        _cleanup_free_ char *config_text = NULL; /* ui_config's one allocation */
        r = read_config(&cli);
        config_text = cli.settings.text;
        if (r < 0)
                return KESU_EXIT_USAGE;
        if (!cli.export_dir) {
                ui_error("cert export: say where to: kesu cert export EXPORT_DIR (see 'kesu cert export "
                         "--help')");
                return KESU_EXIT_USAGE;
        }
        if (!cli.cert_dir) {
                ui_error("cert export: no certificate folder: give --cert-dir DIR (or cert-dir = … in %s)",
                         cli.config ? cli.config : DEFAULT_CONFIG);
                return KESU_EXIT_USAGE;
        }
        if (check_folder("certificate folder", cli.cert_dir, "") < 0 ||
            check_folder("export folder", cli.export_dir, " (is the export stick attached?)") < 0)
                return KESU_EXIT_USAGE;

        struct export_totals t = { .cli = &cli };
        r = cert_export_folder(cli.cert_dir, cli.export_dir, report, &t);
        fflush(stdout);
        if (r == -ENOENT || r == -ENOTDIR) {
                if (!t.stopped_at) { /* a folder vanished between the check and the run */
                        ui_error(
                                "cert export: the certificate folder %s or the export folder %s is gone: %s",
                                cli.cert_dir, cli.export_dir, strerror(-r));
                        return KESU_EXIT_USAGE;
                }
        }
        if (r < 0 && t.stopped_at)
                report_stop(&t, r);
        else if (r < 0) {
                ui_error("cert export: cannot read the certificate folder %s: %s", cli.cert_dir,
                         strerror(-r));
                return KESU_EXIT_NOT_SANITIZED;
        }
        /* the page beside the certificates, once they are all there */
        const char *page_status = "not-tried";
        int r_page = r == 0 ? export_page(&cli, &page_status) : 0;
        fflush(stdout);
        print_summary(&t, r, page_status);
        bool is_complete = r == 0 && r_page == 0 && t.n_differs == 0 && t.n_failed == 0 && t.n_without_pdf == 0 &&
                           t.n_half_filed == 0;
        return is_complete ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
}
