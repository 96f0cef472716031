/* SPDX-License-Identifier: MIT */
/* `kesu wipe`: every input checked, both people logged in, the key unlocked and the session opened
 * before a single byte is written. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include <unistd.h>

#include "common.h"
#include "wipe-internal.h"

/* The configuration fills what the command line left unset. */
static int load_config(struct wipe_cli *cli, struct wipe_setup *ws)
{
        int r = ui_config_load(cli->config, "wipe", &ws->config);
        if (r < 0)
                return r;
        const struct {
                const char **field;
                const char *value;
        } fill[] = {
                { &cli->ctx.organization, ws->config.organization }, { &cli->ctx.media_source, ws->config.media_source },
                { &cli->key, ws->config.key },                       { &cli->cert_dir, ws->config.cert_dir },
                { &cli->export_dir, ws->config.export_dir },         { &cli->ledger, ws->config.ledger },
                { &cli->printer, ws->config.printer },               { &cli->policy_file, ws->config.policy },
                { &cli->users_file, ws->config.users },
        };
        for (size_t i = 0; i < ELEMENTSOF(fill); i++)
                if (!*fill[i].field)
                        *fill[i].field = fill[i].value;
        return 0;
}

/* Run from the kesu image: its version, build and root file system's hash go on every certificate. */
static void read_image_release(struct wipe_setup *cs, struct cert_context *ctx)
{
        ui_image_release_read(&cs->image);
        ctx->image_version = cs->image.version;
        ctx->image_build = cs->image.build;
        ctx->image_squashfs_sha256 = cs->image.squashfs_sha256;
}

/* The longest texts a certificate takes (bytes of UTF-8): short enough for the QR code and one
 * line of the PDF. */
#define MAX_PERSON_BYTES 64
#define MAX_ASSET_BYTES  64
#define MAX_PROSE_BYTES  256

/* Refuses text that is not UTF-8, hides characters (controls, bidirectional overrides, zero
 * width…) or is too long, naming the field: what is printed must be what is signed. */
int wipe_check_text(const char *field, const char *value, size_t max_bytes)
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
static int check_people(struct wipe_cli *cli, struct wipe_setup *cs)
{
        if (wipe_check_text("--operator", cli->ctx.operator_id, MAX_PERSON_BYTES) < 0 ||
            wipe_check_text("--witness", cli->ctx.witness_id, MAX_PERSON_BYTES) < 0)
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
        if (wipe_check_text("--asset", list, MAX_ASSET_BYTES * n_targets + n_targets) < 0)
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
static bool filing_folder_refused(const char *what, const char *dir, uint64_t extra_bytes)
{
        int r = cert_folder_probe(dir, extra_bytes);
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
                ui_error("wipe: the %s %s is full: the certificates and their PDFs need %" PRIu64
                         " MiB free; nothing was written",
                         what, dir, (CERT_FILING_MIN_FREE_BYTES + extra_bytes) >> 20);
                break;
        default:
                ui_error("wipe: the %s %s cannot take a certificate: %s; nothing was written", what, dir,
                         strerror(-r));
        }
        return true;
}


void wipe_print_notes(struct wipe_setup *ws, bool is_json)
{
        size_t n = ws->session ? session_n_notes(ws->session) : 0;
        for (size_t i = ws->n_notes_printed; i < n; i++) {
                if (is_json)
                        ui_json_line(json_pack("{s:s, s:o}", "event", "filing", "note",
                                               ui_json_string_or_null(session_note(ws->session, i))));
                ui_error("wipe: note: %s", session_note(ws->session, i));
        }
        ws->n_notes_printed = n;
}

void wipe_setup_done(struct wipe_setup *ws)
{
        session_free(ws->session);
        session_users_free(ws->users);
        session_policy_free(ws->policy);
        cert_secret_key_free(ws->key);
        strv_free(ws->assets);
        free(ws->operator_id);
        free(ws->witness_id);
        ui_config_done(&ws->config);
        ui_image_release_done(&ws->image);
        sodium_free(ws->tcg_secret);
        *ws = (struct wipe_setup){ 0 };
}

bool ui_tcg_secret_is_valid(bool is_psid, const char *s, size_t n)
{
        if (n == 0 || n > 32 || (is_psid && n != 32))
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                bool is_alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                if (is_psid ? !is_alnum : c < 0x20 || c == 0x7f)
                        return false;
        }
        return true;
}

/* The TCG revert's secret from --sid-file / --psid-file (line 1), into locked memory that is wiped
 * when the disposal ends, and only with the method that uses it. */
static int read_tcg_secret(struct wipe_cli *cli, struct wipe_setup *ws)
{
        bool is_psid_method = strcmp(cli->method_spec, "tcg-psid-revert") == 0,
             is_sid_method = strcmp(cli->method_spec, "tcg-revert") == 0;
        if (cli->sid_file && cli->psid_file) {
                ui_error("wipe: --sid-file and --psid-file exclude each other");
                return -EINVAL;
        }
        if ((cli->psid_file && !is_psid_method) || (cli->sid_file && !is_sid_method)) {
                ui_error("wipe: %s goes with --method %s only", cli->psid_file ? "--psid-file" : "--sid-file",
                         cli->psid_file ? "tcg-psid-revert" : "tcg-revert");
                return -EINVAL;
        }
        if (is_psid_method && !cli->psid_file) {
                ui_error("wipe: tcg-psid-revert needs the PSID printed on the drive's label: --psid-file F (the 32 "
                         "letters and digits on line 1 of F)");
                return -EINVAL;
        }
        const char *path = cli->psid_file ? cli->psid_file : cli->sid_file;
        if (!path)
                return 0;
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = read_full_file(path, &data, &len);
        if (r < 0) {
                ui_error("wipe: cannot read %s: %s", path, strerror(-r));
                return r;
        }
        size_t n = strcspn(data, "\r\n");
        while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t'))
                n--;
        size_t start = strspn(data, " \t");
        if (start > n || !ui_tcg_secret_is_valid(cli->psid_file != NULL, data + start, n - start)) {
                sodium_memzero(data, len);
                ui_error("wipe: %s: %s", path,
                         cli->psid_file ? "a PSID is the 32 letters and digits printed on the drive's label (line 1)"
                                        : "the SID must be 1 to 32 printable characters on line 1");
                return -EINVAL;
        }
        ws->tcg_secret = sodium_malloc(n - start + 1);
        if (!ws->tcg_secret) {
                sodium_memzero(data, len);
                return -ENOMEM;
        }
        memcpy(ws->tcg_secret, data + start, n - start);
        ws->tcg_secret[n - start] = '\0';
        sodium_memzero(data, len);
        cli->opts.tcg_secret = ws->tcg_secret;
        cli->opts.tcg_secret_len = n - start;
        return 0;
}

/* Both people log in with two factors (passphrase + TOTP) against the appliance's users file, or
 * --no-auth (demo and tests), which the certificate says. */
static int log_in(struct wipe_cli *cli, struct wipe_setup *ws)
{
        if (cli->is_no_auth) {
                if (cli->operator_secret_file || cli->witness_secret_file) {
                        ui_error("wipe: --no-auth and --operator-secret-file/--witness-secret-file exclude each "
                                 "other");
                        return -EINVAL;
                }
                snprintf(ws->authentication, sizeof ws->authentication,
                         "none (--no-auth: demonstration or test, the people were not authenticated)");
                cli->ctx.authentication = ws->authentication;
                return 0;
        }
        if ((!cli->operator_secret_file || !cli->witness_secret_file) && !isatty(STDIN_FILENO)) {
                ui_error("wipe: the operator and the witness must log in: give --operator-secret-file and "
                         "--witness-secret-file (passphrase on line 1, TOTP code on line 2), run on a terminal, "
                         "or --no-auth for a demonstration or test");
                return -EINVAL;
        }
        if (ui_users_load(cli->users_file, cli->key, cli->config, &ws->users) < 0)
                return -EINVAL;
        struct session_user_info op, wi;
        if (ui_authenticate(ws->users, cli->ctx.operator_id, cli->operator_secret_file, "operator", &op) < 0 ||
            ui_authenticate(ws->users, cli->ctx.witness_id, cli->witness_secret_file, "witness", &wi) < 0)
                return -EACCES;
        snprintf(ws->operator_name, sizeof ws->operator_name, "%s%s%s%s", op.name, op.name_latin[0] ? " (" : "",
                 op.name_latin, op.name_latin[0] ? ")" : "");
        snprintf(ws->witness_name, sizeof ws->witness_name, "%s%s%s%s", wi.name, wi.name_latin[0] ? " (" : "",
                 wi.name_latin, wi.name_latin[0] ? ")" : "");
        snprintf(ws->authentication, sizeof ws->authentication, "%s (operator and witness)", op.method);
        cli->ctx.operator_name = ws->operator_name;
        cli->ctx.witness_name = ws->witness_name;
        cli->ctx.authentication = ws->authentication;
        return 0;
}

/* Why a session could not open, for the operator; the disks are untouched. */
static void explain_open_error(const struct wipe_cli *cli, struct wipe_setup *ws, const char *ledger, int r)
{
        if (r == -EBUSY)
                ui_error("wipe: the ledger %s (or this key's) is in use by another kesu; nothing was written",
                         ledger);
        else if (r == -EBADMSG)
                ui_error("wipe: the ledger %s (or the journal) does not chain or parse (damaged?); it is left as "
                         "it is and nothing was written",
                         ledger);
        else if (r == -EXDEV) {
                _cleanup_free_ char *registered = NULL;
                (void)cert_ledger_default_path(ws->key, cli->key, &registered);
                ui_error("wipe: this key's ledger on this appliance is %s, not %s (one key, one ledger: "
                         "sequence numbers are never issued twice); use --ledger %s; nothing was written",
                         registered ? registered : "another file", ledger, registered ? registered : "…");
        } else if (r == -ESTALE)
                ui_error("wipe: the ledger %s ends before the last sequence number this key issued (truncated, "
                         "deleted or an old copy?): restore it, or put its certificates back in %s; nothing "
                         "was written",
                         ledger, cli->cert_dir);
        else if (r == -ENOLCK) {
                int e = cert_state_dir_check();
                ui_error("wipe: the appliance state folder %s cannot be used: %s (run as root, or set "
                         "KESU_STATE_DIR); nothing was written",
                         cert_state_dir(), strerror(e < 0 ? -e : ENOLCK));
        } else if (r == -ENOENT || r == -ENOTDIR || r == -EROFS || r == -EACCES || r == -ENOSPC)
                ui_error("wipe: certificates cannot be filed in %s or the ledger's folder: %s; nothing was "
                         "written",
                         cli->cert_dir, strerror(-r));
        else
                ui_error("wipe: cannot open the ledger %s or the journal: %s; nothing was written", ledger,
                         strerror(-r));
}

/* Everything a certificate needs, checked and unlocked before a single byte is written: a wrong
 * passphrase or a missing folder must leave the disks untouched. Returns an exit code, or -1 to
 * go on. */
int wipe_prepare(struct wipe_cli *cli, size_t n_targets, struct wipe_setup *ws)
{
        if (load_config(cli, ws) < 0 || read_tcg_secret(cli, ws) < 0)
                return KESU_EXIT_USAGE;
        if (ws->tcg_secret && n_targets != 1) {
                ui_error("wipe: a %s belongs to one drive: give one target with %s", cli->psid_file ? "PSID" : "SID",
                         cli->psid_file ? "--psid-file" : "--sid-file");
                return KESU_EXIT_USAGE;
        }
        struct session_options so = {
                .method_spec = cli->method_spec,
                .verify_mode = cli->verify,
                .sample_percent = cli->sample_percent,
                .plan_seed = cli->plan_seed,
                .has_plan_seed = cli->has_plan_seed,
                .is_verify_all_passes = cli->is_verify_all_passes,
                .io = cli->opts,
                .stop_flag = &ui_stop_signal,
        };
        if (cli->is_no_cert) {
                int r = session_open(&so, &ws->session);
                if (r < 0) {
                        ui_error("wipe: cannot start: %s", strerror(-r));
                        return KESU_EXIT_USAGE;
                }
                return -1;
        }
        read_image_release(ws, &cli->ctx);
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
        if (check_people(cli, ws) < 0)
                return KESU_EXIT_USAGE;
        if (strcmp(cli->ctx.operator_id, cli->ctx.witness_id) == 0) {
                ui_error("wipe: the witness must be another person than the operator (two people check the "
                         "work)");
                return KESU_EXIT_USAGE;
        }
        if (!session_policy_class_is_valid(cli->ctx.class_label)) {
                ui_error("wipe: unknown confidentiality class '%s' (1, 2, 3, 3A, 3B, 3C, %s)",
                         cli->ctx.class_label, SESSION_CLASS_MY_NUMBER);
                return KESU_EXIT_USAGE;
        }
        if (!session_policy_destination_is_valid(cli->ctx.destination)) {
                ui_error("wipe: unknown destination '%s' (internal-reuse, external-reuse, lease-return, "
                         "recycling, destruction)",
                         cli->ctx.destination);
                return KESU_EXIT_USAGE;
        }
        if (wipe_check_text("--organization", cli->ctx.organization, MAX_PROSE_BYTES) < 0 ||
            wipe_check_text("--media-source", cli->ctx.media_source, MAX_PROSE_BYTES) < 0 ||
            wipe_check_text("--key", cli->key, PATH_MAX) < 0 || wipe_check_text("--cert-dir", cli->cert_dir, PATH_MAX) < 0 ||
            wipe_check_text("--export-dir", cli->export_dir, PATH_MAX) < 0 ||
            wipe_check_text("--ledger", cli->ledger, PATH_MAX) < 0 ||
            wipe_check_text("--printer", cli->printer, MAX_PROSE_BYTES) < 0 ||
            wipe_check_text("--policy", cli->policy_file, PATH_MAX) < 0 ||
            wipe_check_text("--users", cli->users_file, PATH_MAX) < 0)
                return KESU_EXIT_USAGE;
        int r = split_assets(cli->assets, n_targets, &ws->assets);
        if (r < 0)
                return KESU_EXIT_USAGE;
        /* the policy first: a class the policy does not know is bad input, found before any secret */
        if (cli->policy_file) {
                struct session_policy_error perr = { 0 };
                r = session_policy_load(cli->policy_file, &ws->policy, &perr);
                if (r < 0) {
                        ui_error("wipe: the policy %s cannot be used: %s; nothing was written", cli->policy_file,
                                 perr.message[0] ? perr.message : strerror(-r));
                        return KESU_EXIT_USAGE;
                }
        }

        so.is_certify = true;
        so.ctx = cli->ctx;
        so.policy = ws->policy;
        struct session_refusal refusal;
        if (session_preflight(&so, &refusal) < 0) {
                ui_error("wipe: %s; nothing was written", refusal.message);
                return refusal.kind == SESSION_REFUSED_SAFETY ? KESU_EXIT_SAFETY : KESU_EXIT_USAGE;
        }

        struct ui_passphrase pass;
        if (ui_passphrase_get(cli->passphrase_file, cli->key, false, &pass) < 0)
                return KESU_EXIT_USAGE;
        r = cert_key_unlock(cli->key, pass.text, pass.len, &ws->key);
        ui_passphrase_free(&pass);
        if (r < 0) {
                ui_error("wipe: cannot unlock the signing key %s: %s; nothing was written", cli->key,
                         ui_key_error(r));
                return KESU_EXIT_USAGE;
        }
        if (log_in(cli, ws) < 0) {
                ui_error("wipe: not logged in; nothing was written");
                return KESU_EXIT_USAGE;
        }
        _cleanup_free_ char *ledger = NULL;
        r = cli->ledger ? ((ledger = strdup(cli->ledger)) ? 0 : -ENOMEM)
                        : cert_ledger_default_path(ws->key, cli->key, &ledger);
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
        if (filing_folder_refused("certificate folder", cli->cert_dir,
                                  (uint64_t)(n_targets - 1) * CERT_FILING_BYTES_PER_CERTIFICATE) ||
            filing_folder_refused("ledger's folder", slash ? ledger_dir : ".", 0))
                return KESU_EXIT_USAGE;
        /* No export stick is no reason to stop: the certificates are filed all the same. */
        struct stat st;
        if (cli->export_dir && (stat(cli->export_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
                ui_error("wipe: warning: the export folder %s is missing (is the export stick attached?); "
                         "certificates are filed in %s only",
                         cli->export_dir, cli->cert_dir);
                cli->export_dir = NULL;
        }
        so.is_certify = true;
        so.ctx = cli->ctx;
        so.key = ws->key;
        so.key_path = cli->key;
        so.cert_dir = cli->cert_dir;
        so.ledger_path = ledger;
        so.export_dir = cli->export_dir;
        so.is_print = cli->is_print;
        so.printer = cli->printer;
        so.policy = ws->policy;
        r = session_open(&so, &ws->session);
        if (r < 0) {
                explain_open_error(cli, ws, ledger, r);
                return KESU_EXIT_USAGE;
        }
        wipe_print_notes(ws, cli->is_json);
        return -1;
}
