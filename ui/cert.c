/* SPDX-License-Identifier: MIT */
/* `kesu key …`, `kesu cert verify`, and the certificate options of `kesu wipe`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <qrencode.h>
#include <sodium.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "ui.h"

#define DEFAULT_KEY_DIR "/var/lib/kesu"

/* ---- passphrases --------------------------------------------------------------------------- */

void ui_passphrase_free(struct ui_passphrase *p)
{
        if (p->text)
                sodium_free(p->text);
        *p = (struct ui_passphrase){ 0 };
}

int ui_read_hidden_line(const char *prompt, char *buf, size_t size)
{
        struct termios old, quiet;
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        bool is_tty = tcgetattr(STDIN_FILENO, &old) == 0;
        if (is_tty) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        char *r = fgets(buf, (int)size, stdin);
        if (is_tty)
                tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
        if (!r)
                return -EIO;
        buf[strcspn(buf, "\r\n")] = 0;
        return 0;
}

int ui_passphrase_get(const char *file, const char *what, bool is_new, struct ui_passphrase *ret)
{
        struct ui_passphrase p = { .text = sodium_malloc(1024) };
        if (!p.text)
                return -ENOMEM;
        int r;
        if (file) {
                _cleanup_free_ char *content = NULL;
                size_t n;
                /* a FIFO whose writer never comes must not hang the appliance */
                if ((r = read_secret_file(file, 4096, 10000, &content, &n)) < 0) {
                        if (r == -ETIMEDOUT)
                                ui_error("cannot read the passphrase file %s: nothing came within 10 s "
                                         "(timed "
                                         "out: a FIFO with no writer?)",
                                         file);
                        else if (r == -EFBIG)
                                ui_error("the passphrase file %s is empty or too long", file);
                        else
                                ui_error("cannot read the passphrase file %s: %s", file, strerror(-r));
                        goto fail;
                }
                if (n > 0 && content[n - 1] == '\n')
                        n--; /* the line ending is not part of the passphrase */
                if (n > 0 && content[n - 1] == '\r')
                        n--;
                if (n == 0 || n >= 1024) {
                        sodium_memzero(content, n);
                        ui_error("the passphrase file %s is empty or too long", file);
                        r = -EINVAL;
                        goto fail;
                }
                memcpy(p.text, content, n);
                p.text[n] = 0;
                p.len = n;
                sodium_memzero(content, n);
        } else if (isatty(STDIN_FILENO)) {
                char prompt[256];
                snprintf(prompt, sizeof prompt, "Passphrase for %s: ", what);
                if ((r = ui_read_hidden_line(prompt, p.text, 1024)) < 0)
                        goto fail;
                if (is_new) {
                        char *again = sodium_malloc(1024);
                        if (!again || ui_read_hidden_line("Again: ", again, 1024) < 0 ||
                            strcmp(again, p.text) != 0) {
                                if (again)
                                        sodium_free(again);
                                ui_error("the passphrases differ");
                                r = -EINVAL;
                                goto fail;
                        }
                        sodium_free(again);
                }
                p.len = strlen(p.text);
                if (p.len == 0) {
                        ui_error("an empty passphrase is not accepted");
                        r = -EINVAL;
                        goto fail;
                }
        } else {
                ui_error("no passphrase for %s: give --passphrase-file or run on a terminal", what);
                r = -EINVAL;
                goto fail;
        }
        *ret = p;
        return 0;
fail:
        ui_passphrase_free(&p);
        return r;
}

const char *ui_key_error(int r)
{
        switch (-r) {
        case ENOENT:
                return "no such key file";
        case EPERM:
                return "the key file can be read by others; it must be mode 0600 (chmod 600 it)";
        case EACCES:
                return "wrong passphrase";
        case EBADMSG:
                return "not a kesu secret key file (damaged or truncated)";
        case ERANGE:
                return "the key file asks for more Argon2 memory or time than kesu accepts (crafted or "
                       "damaged); it was not tried";
        default:
                return strerror(-r);
        }
}

/* ---- the terminal QR ------------------------------------------------------------------------ */

void ui_print_qr(FILE *f, const char *text)
{
        QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (!q)
                return;
        int w = q->width, margin = 2;
        /* Two modules per character cell with half blocks; dark modules print as spaces on a light
         * background, so any terminal theme scans. */
        for (int y = -margin; y < w + margin; y += 2) {
                for (int x = -margin; x < w + margin; x++) {
                        bool top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
                        bool bottom =
                                y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
                        fputs(top && bottom ? " " : top ? "\u2584" : bottom ? "\u2580" : "\u2588", f);
                }
                fputc('\n', f);
        }
        QRcode_free(q);
}

/* ---- kesu key ------------------------------------------------------------------------------ */

int ui_cmd_key_init(int argc, char **argv)
{
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "passphrase-file", required_argument, NULL, 'p' },
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *dir = DEFAULT_KEY_DIR, *pass_file = NULL;
        bool is_force = false;
        int c;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'p':
                        pass_file = optarg;
                        break;
                case 'f':
                        is_force = true;
                        break;
                case 'h':
                        printf("Usage: kesu key init [--dir DIR] [--passphrase-file F] [--force]\n\n"
                               "Makes the appliance's signing key: DIR/appliance.key (secret, encrypted "
                               "under a\n"
                               "passphrase, mode 0600) and DIR/appliance.pub (minisign format). DIR "
                               "defaults to %s.\n",
                               DEFAULT_KEY_DIR);
                        return KESU_EXIT_OK;
                default:
                        ui_error("key init: unknown option '%s' (see 'kesu key init --help')",
                                 argv[optind - 1]);
                        return KESU_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                ui_error("key init: unexpected argument '%s'", argv[optind]);
                return KESU_EXIT_USAGE;
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                ui_error("key init: cannot create %s: %s", dir, strerror(errno));
                return KESU_EXIT_USAGE;
        }
        struct ui_passphrase pass;
        if (ui_passphrase_get(pass_file, "the new appliance key", true, &pass) < 0)
                return KESU_EXIT_USAGE;
        struct cert_public_key pub;
        int r = cert_key_generate(dir, pass.text, pass.len, is_force, &pub);
        ui_passphrase_free(&pass);
        if (r == -EEXIST) {
                ui_error("key init: %s already holds a key; it is not overwritten (--force replaces it)",
                         dir);
                return KESU_EXIT_USAGE;
        }
        if (r < 0) {
                ui_error("key init: cannot make the key in %s: %s", dir, strerror(-r));
                return KESU_EXIT_USAGE;
        }
        char id[17], fp[96];
        cert_key_id_hex(pub.key_id, id);
        cert_key_fingerprint(pub.pk, fp, sizeof fp);
        printf("Key id:      %s\nFingerprint: %s\nSecret key:  %s/appliance.key (mode 0600)\nPublic key:  "
               "%s/appliance.pub\n",
               id, fp, dir, dir);
        return KESU_EXIT_OK;
}

static int key_show(int argc, char **argv)
{
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "key", required_argument, NULL, 'k' },
                { "qr", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *dir = DEFAULT_KEY_DIR, *key = NULL;
        bool is_qr = false;
        int c;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 'q':
                        is_qr = true;
                        break;
                case 'h':
                        printf("Usage: kesu key show [--dir DIR | --key PUBFILE] [--qr]\n");
                        return KESU_EXIT_OK;
                default:
                        ui_error("key show: unknown option '%s' (see 'kesu key show --help')",
                                 argv[optind - 1]);
                        return KESU_EXIT_USAGE;
                }
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s", key ? key : dir);
        if (!key)
                snprintf(path, sizeof path, "%s/appliance.pub", dir);
        struct cert_public_key pub;
        int r = cert_public_key_load(path, &pub);
        if (r < 0) {
                ui_error("key show: %s: %s", path,
                         r == -EBADMSG ? "not a minisign public key" : strerror(-r));
                return KESU_EXIT_USAGE;
        }
        char id[17], fp[96];
        _cleanup_free_ char *text = NULL;
        cert_key_id_hex(pub.key_id, id);
        cert_key_fingerprint(pub.pk, fp, sizeof fp);
        if (cert_public_key_format(&pub, &text) < 0)
                return KESU_EXIT_USAGE;
        printf("Key id:      %s\nFingerprint: %s\n\n%s", id, fp, text);
        if (is_qr) {
                /* the second line alone is the key: what `minisign -P` takes */
                char *line = strchr(text, '\n') + 1;
                line[strcspn(line, "\n")] = 0;
                printf("\n");
                ui_print_qr(stdout, line);
        }
        return KESU_EXIT_OK;
}

int ui_cmd_key(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "init") == 0)
                return ui_cmd_key_init(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "show") == 0)
                return key_show(argc - 1, argv + 1);
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
                printf("Usage: kesu key init [--dir DIR] [--passphrase-file F] [--force]\n"
                       "       kesu key show [--dir DIR | --key PUBFILE] [--qr]\n");
                return KESU_EXIT_OK;
        }
        ui_error("key: say init or show (see 'kesu key --help')");
        return KESU_EXIT_USAGE;
}

/* ---- kesu cert verify ------------------------------------------------------------------------ */

extern char **environ;

/* A path as one argument no tool can take for an option. */
static char *as_argument(const char *path)
{
        char *s = NULL;
        if (path[0] == '-')
                return asprintf(&s, "./%s", path) < 0 ? NULL : s;
        return strdup(path);
}

/* The first page image pdftoppm left in dir ("page-1.png" or "page-01.png"). */
static char *find_page(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return NULL;
        char *found = NULL;
        struct dirent *de;
        while (!found && (de = readdir(d)))
                if (strncmp(de->d_name, "page", 4) == 0 && strstr(de->d_name, ".png") &&
                    asprintf(&found, "%s/%s", dir, de->d_name) < 0)
                        found = NULL;
        closedir(d);
        return found;
}

/* Decodes the QR code of an image or a PDF's first page with the stock tools (pdftoppm, zbarimg),
 * run without a shell; the PDF's page goes to a private mkdtemp folder removed on every path. */
static int decode_qr_image(const char *path, char **ret)
{
        size_t l = strlen(path);
        bool is_pdf = l > 4 && strcasecmp(path + l - 4, ".pdf") == 0;
        _cleanup_free_ char *arg = as_argument(path), *tmp = NULL, *prefix = NULL, *page = NULL;
        if (!arg)
                return -ENOMEM;
        char out[2048];
        int r;
        if (!is_pdf) {
                char *zbar[] = { "zbarimg", "--raw", "-q", arg, NULL };
                r = ui_run_tool(zbar, out, sizeof out);
        } else {
                const char *base = getenv("TMPDIR");
                if (asprintf(&tmp, "%s/kesu-qr-XXXXXX", base && *base ? base : "/tmp") < 0)
                        return -ENOMEM;
                if (!mkdtemp(tmp))
                        return -errno;
                if (asprintf(&prefix, "%s/page", tmp) < 0)
                        r = -ENOMEM;
                else {
                        char *pdftoppm[] = { "pdftoppm", "-r",   "200", "-f",   "1", "-l",
                                             "1",        "-png", arg,   prefix, NULL };
                        r = ui_run_tool(pdftoppm, NULL, 0);
                }
                if (r >= 0 && !(page = find_page(tmp)))
                        r = -ENODATA;
                if (r >= 0) {
                        char *zbar[] = { "zbarimg", "--raw", "-q", page, NULL };
                        r = ui_run_tool(zbar, out, sizeof out);
                }
                ui_remove_tree(tmp);
        }
        if (r == -ENOENT)
                return r; /* a tool is missing */
        if (r < 0 || !*out)
                return -ENODATA;
        out[strcspn(out, "\n")] = 0;
        *ret = strdup(out);
        return *ret ? 0 : -ENOMEM;
}

const char *ui_finding_severity_label(enum cert_finding_kind kind)
{
        switch (cert_finding_severity(kind)) {
        case CERT_SEVERITY_OK:
                return "OK";
        case CERT_SEVERITY_FAIL:
                return "FAILED";
        case CERT_SEVERITY_WARNING:
                return "WARNING";
        default:
                return "PROBLEM";
        }
}

static const char *const qr_match_names[] = {
        [CERT_QR_NOT_FOUND] = "not-found",
        [CERT_QR_MATCH] = "match",
        [CERT_QR_DIFFERENT] = "different",
};

/* Checks one QR payload, and with files given, whether they hold the record it names. Returns the
 * problems found. */
static size_t check_qr(const char *payload, const struct cert_public_key *keys, size_t n_keys,
                       const struct cert_audit *audit, bool has_paths, json_t *json_results)
{
        struct cert_qr_fields f;
        int r = cert_qr_verify(payload, keys, n_keys, &f);
        const char *what = r == -EBADMSG  ? "malformed QR payload"
                           : r == -ENOKEY ? "signed by an unknown key"
                           : r < 0        ? "QR signature does not match: altered"
                                          : "ok";
        if (r < 0) {
                if (json_results)
                        json_array_append_new(json_results,
                                              json_pack("{s:s, s:s}", "status", "problem", "message", what));
                else
                        printf("PROBLEM  QR: %s\n", what);
                return 1;
        }
        size_t n_problems = 0;
        json_t *entry = json_results ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "status", "ok",
                                                 "serial", f.serial, "sequence", f.sequence, "result",
                                                 f.result, "asset", f.asset, "disk_serial", f.disk_serial,
                                                 "record_hash", f.record_hash, "key_id", f.key_id)
                                     : NULL;
        if (!json_results)
                printf("OK       QR: %s sequence %s %s, asset %s, disk %s, ended %s, record %s, key %s\n",
                       f.serial, f.sequence, f.result, f.asset, f.disk_serial, f.ended_utc, f.record_hash,
                       f.key_id);
        /* The serial names the key that issued it: a payload signed by another key is re-signed. */
        char serial_key[2 * CERT_KEY_ID_BYTES + 1] = "";
        if (strncmp(f.serial, "KESU-", 5) == 0 && strlen(f.serial) > 5 + 2 * CERT_KEY_ID_BYTES &&
            f.serial[5 + 2 * CERT_KEY_ID_BYTES] == '-')
                snprintf(serial_key, sizeof serial_key, "%.*s", 2 * CERT_KEY_ID_BYTES, f.serial + 5);
        if (*serial_key && strcmp(serial_key, f.key_id) != 0) {
                n_problems++;
                if (entry) {
                        json_object_set_new(entry, "status", json_string("problem"));
                        json_object_set_new(
                                entry, "message",
                                json_string("re-signed: signed by another key than its serial names"));
                } else
                        printf("PROBLEM  QR: re-signed: signed by key %s, but its serial names key %s\n",
                               f.key_id, serial_key);
        }
        /* With files at hand, they must hold exactly the record the paper names. */
        if (has_paths) {
                const struct cert_audit_record *rec = NULL;
                enum cert_qr_match m = cert_audit_match_qr(audit, &f, &rec);
                n_problems += m != CERT_QR_MATCH;
                if (entry) {
                        json_object_set_new(entry, "record", json_string(qr_match_names[m]));
                        json_object_set_new(entry, "record_path",
                                            rec ? json_string(rec->path) : json_null());
                } else if (m == CERT_QR_NOT_FOUND)
                        printf("PROBLEM  QR: no record of %s among the given files and folders "
                               "(the paper names record %s)\n",
                               f.serial, f.record_hash);
                else
                        printf("%-8s QR and %s: %s\n", m == CERT_QR_MATCH ? "OK" : "PROBLEM", rec->path,
                               m == CERT_QR_MATCH ? "the paper names exactly this record"
                                                  : "the record differs from the one the paper names");
        }
        if (entry)
                json_array_append_new(json_results, entry);
        return n_problems;
}

/* "5" or "5–9" */
static void sequence_range(uint64_t from, uint64_t to, char *buf, size_t size)
{
        if (from == to)
                snprintf(buf, size, "%" PRIu64, from);
        else
                snprintf(buf, size, "%" PRIu64 "\u2013%" PRIu64, from, to);
}

void ui_chain_sentence(const struct cert_audit_chain *ch, char *buf, size_t size)
{
        char range[64], checked[80], before[64], missing[64] = "";
        sequence_range(ch->checked_from, ch->checked_to, range, sizeof range);
        snprintf(checked, sizeof checked, "sequence%s %s", ch->checked_from == ch->checked_to ? "" : "s",
                 range);
        if (ch->n_missing > 0)
                snprintf(missing, sizeof missing, ", %" PRIu64 " missing", ch->n_missing);
        if (ch->n_valid == 0)
                snprintf(buf, size, "%s required by the ledger, none of them here (key %s)", checked,
                         ch->key_id);
        else if (ch->ledger_last > 0)
                snprintf(buf, size,
                         "%s checked%s: the whole chain, %s the ledger's last (%" PRIu64 ") (key %s)",
                         checked, missing, ch->last > ch->ledger_last ? "past" : "to", ch->ledger_last,
                         ch->key_id);
        else if (ch->is_complete)
                snprintf(buf, size,
                         "%s checked%s, complete from 1; after %" PRIu64 " are outside this set (key %s)",
                         checked, missing, ch->checked_to, ch->key_id);
        else if (ch->checked_from > 1) {
                sequence_range(1, ch->checked_from - 1, before, sizeof before);
                snprintf(buf, size, "%s checked%s; %s and after %" PRIu64 " are outside this set (key %s)",
                         checked, missing, before, ch->checked_to, ch->key_id);
        } else
                snprintf(buf, size, "%s checked%s; after %" PRIu64 " are outside this set (key %s)", checked,
                         missing, ch->checked_to, ch->key_id);
}

json_t *ui_chains_to_json(const struct cert_audit *audit)
{
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < audit->n_chains; i++) {
                const struct cert_audit_chain *ch = &audit->chains[i];
                char sentence[512];
                ui_chain_sentence(ch, sentence, sizeof sentence);
                json_array_append_new(
                        arr,
                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:b, s:o, s:I, s:I, s:s}", "key_id", ch->key_id,
                                  "first", (json_int_t)ch->first, "last", (json_int_t)ch->last,
                                  "checked_from", (json_int_t)ch->checked_from, "checked_to",
                                  (json_int_t)ch->checked_to, "complete", (int)ch->is_complete,
                                  "ledger_last",
                                  ch->ledger_last ? json_integer((json_int_t)ch->ledger_last) : json_null(),
                                  "missing", (json_int_t)ch->n_missing, "valid", (json_int_t)ch->n_valid,
                                  "summary", sentence));
        }
        return arr;
}

void ui_print_chains(FILE *f, const struct cert_audit *audit)
{
        for (size_t i = 0; i < audit->n_chains; i++) {
                char sentence[512];
                ui_chain_sentence(&audit->chains[i], sentence, sizeof sentence);
                fprintf(f, "Chain: %s\n", sentence);
        }
}

/* The summary: counts, PASS and FAIL, the sequences checked, and one line per FAIL certificate. */
static void render_summary(const struct cert_audit *audit, size_t n_problems, json_t *out)
{
        json_t *failed = out ? json_array() : NULL;
        for (size_t i = 0; i < audit->n_records; i++) {
                const struct cert_audit_record *rec = &audit->records[i];
                if (!rec->is_valid || rec->is_pass)
                        continue;
                if (failed)
                        json_array_append_new(
                                failed, json_pack("{s:s, s:I, s:s, s:s, s:s}", "serial", rec->serial,
                                                  "sequence", (json_int_t)rec->sequence, "path", rec->path,
                                                  "asset", rec->asset, "reason", rec->failure_reasons));
        }
        if (out) {
                json_object_set_new(out, "certificates", json_integer((json_int_t)audit->n_certificates));
                json_object_set_new(out, "valid", json_integer((json_int_t)audit->n_valid));
                json_object_set_new(out, "problems", json_integer((json_int_t)n_problems));
                json_object_set_new(out, "warnings", json_integer((json_int_t)audit->n_warnings));
                json_object_set_new(out, "pass", json_integer((json_int_t)audit->n_pass));
                json_object_set_new(out, "fail", json_integer((json_int_t)audit->n_fail));
                json_object_set_new(out, "failed", failed);
                json_object_set_new(out, "chains", ui_chains_to_json(audit));
                return;
        }
        printf("%zu certificate%s, %zu valid, %zu problem%s, %zu warning%s: %zu PASS, %zu FAIL\n",
               audit->n_certificates, audit->n_certificates == 1 ? "" : "s", audit->n_valid, n_problems,
               n_problems == 1 ? "" : "s", audit->n_warnings, audit->n_warnings == 1 ? "" : "s",
               audit->n_pass, audit->n_fail);
        ui_print_chains(stdout, audit);
        if (audit->n_fail == 0)
                return;
        printf("FAIL certificates (the disposal failed: these disks are NOT sanitized):\n");
        for (size_t i = 0; i < audit->n_records; i++) {
                const struct cert_audit_record *rec = &audit->records[i];
                if (rec->is_valid && !rec->is_pass)
                        printf("FAIL     %s asset %s (%s)%s%s\n", rec->serial,
                               *rec->asset ? rec->asset : "-", rec->path, *rec->failure_reasons ? ": " : "",
                               rec->failure_reasons);
        }
}

static void print_verify_help(void)
{
        printf("Usage: kesu cert verify --key PUBFILE [--key …] [--complete] [--ledger FILE] [--qr TEXT]\n"
               "                        [--qr-image FILE] [--json] [FILE|DIR…]\n\n"
               "Checks certificates (CERT.json beside CERT.json.minisig), folders of them (their chain,\n"
               "serials, half-filed, stray and temporary files, missing PDFs, what was set aside), and QR\n"
               "payloads (as text or decoded from a PNG or PDF) against the files given.\n"
               "\n"
               "The chain is checked over the sequences given: a gap inside them is a problem; "
               "certificates\n"
               "before the first or after the last given are outside the set (one certificate, or one\n"
               "month's folder, checks clean), and the summary says which sequences were checked.\n"
               "  --complete       require the whole chain from sequence 1\n"
               "  --ledger FILE    the appliance's ledger (ledger.jsonl): require the chain from 1 to its\n"
               "                   last sequence, and each certificate it names to have the hash it names\n"
               "\n"
               "Exit 0 only when there is no problem (FAIL certificates and warnings are listed), 1 when\n"
               "there is one, 2 bad usage or input.\n");
}

int ui_load_public_key(const char *who, const char *path, struct cert_public_key *keys, size_t max_keys,
                       size_t *n_keys)
{
        if (*n_keys >= max_keys) {
                ui_error("%s: at most %zu keys", who, max_keys);
                return -E2BIG;
        }
        int r = cert_public_key_load(path, &keys[*n_keys]);
        if (r < 0) {
                ui_error("%s: %s: %s", who, path,
                         r == -EBADMSG ? "not a minisign public key" : strerror(-r));
                return r;
        }
        (*n_keys)++;
        return 0;
}

const char *ui_audit_error(int r)
{
        switch (-r) {
        case EBADMSG:
                return "not a kesu ledger (a line without sequence, hash and serial)";
        case ENOENT:
                return "no such file";
        default:
                return strerror(-r);
        }
}

int ui_cmd_cert(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "export") == 0)
                return ui_cmd_cert_export(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "report") == 0)
                return ui_cmd_cert_report(argc - 1, argv + 1);
        if (argc < 2 || strcmp(argv[1], "verify") != 0) {
                if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
                        printf("Usage: kesu cert verify --key PUBFILE [--key …] [--complete] [--ledger "
                               "FILE] "
                               "[--qr TEXT]\n"
                               "                        [--qr-image FILE] [--json] [FILE|DIR…]\n"
                               "       kesu cert report [--format csv|jsonl] [--bom] [--key PUBFILE]… "
                               "[--output FILE] DIR|FILE…\n"
                               "       kesu cert export [--cert-dir DIR] [--config FILE] [--json] "
                               "[EXPORT_DIR]\n");
                        return KESU_EXIT_OK;
                }
                ui_error("cert: say verify, report or export (see 'kesu cert --help')");
                return KESU_EXIT_USAGE;
        }
        argc--;
        argv++;
        static const struct option options[] = {
                { "key", required_argument, NULL, 'k' },      { "qr", required_argument, NULL, 'q' },
                { "qr-image", required_argument, NULL, 'i' }, { "json", no_argument, NULL, 'j' },
                { "complete", no_argument, NULL, 'c' },       { "ledger", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },           {},
        };
        struct cert_public_key keys[16];
        size_t n_keys = 0;
        const char *qr = NULL, *qr_image = NULL;
        struct cert_audit_options opts = { 0 };
        bool is_json = false;
        int c, r;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'k':
                        if (ui_load_public_key("cert verify", optarg, keys, ELEMENTSOF(keys), &n_keys) < 0)
                                return KESU_EXIT_USAGE;
                        break;
                case 'c':
                        opts.is_complete = true;
                        break;
                case 'l':
                        opts.ledger_path = optarg;
                        break;
                case 'q':
                        qr = optarg;
                        break;
                case 'i':
                        qr_image = optarg;
                        break;
                case 'j':
                        is_json = true;
                        break;
                case 'h':
                        print_verify_help();
                        return KESU_EXIT_OK;
                default:
                        ui_option_error("cert verify", options, argv);
                        return KESU_EXIT_USAGE;
                }
        }
        if (n_keys == 0) {
                ui_error("cert verify: give the appliance's public key with --key (appliance.pub)");
                return KESU_EXIT_USAGE;
        }
        bool has_paths = optind < argc;
        if (!has_paths && !qr && !qr_image) {
                ui_error("cert verify: nothing to check: give certificate files or folders, --qr or "
                         "--qr-image");
                return KESU_EXIT_USAGE;
        }

        _cleanup_free_ char *decoded = NULL;
        if (qr_image && (r = decode_qr_image(qr_image, &decoded)) < 0) {
                ui_error("cert verify: no QR code could be read from %s%s", qr_image,
                         r == -ENODATA ? "" : " (are pdftoppm and zbarimg installed?)");
                return KESU_EXIT_USAGE;
        }
        if (!has_paths && (opts.is_complete || opts.ledger_path)) {
                ui_error("cert verify: --complete and --ledger check a chain: give certificate files or "
                         "folders");
                return KESU_EXIT_USAGE;
        }
        struct cert_audit audit = { 0 };
        if (has_paths && (r = cert_audit_check(argv + optind, (size_t)(argc - optind), keys, n_keys, &opts,
                                               &audit)) < 0) {
                if (opts.ledger_path && r != -ENOMEM)
                        ui_error("cert verify: the ledger %s cannot be used: %s", opts.ledger_path,
                                 ui_audit_error(r));
                else
                        ui_error("cert verify: %s", strerror(-r));
                return KESU_EXIT_USAGE;
        }

        json_t *out = is_json ? json_object() : NULL;
        json_t *qr_results = is_json ? json_array() : NULL;
        size_t n_problems = 0;
        const char *payloads[2] = { qr, decoded };
        for (size_t i = 0; i < 2; i++)
                if (payloads[i])
                        n_problems += check_qr(payloads[i], keys, n_keys, &audit, has_paths, qr_results);

        n_problems += audit.n_problems;
        if (has_paths && audit.n_certificates == 0) {
                n_problems++;
                if (!is_json)
                        printf("PROBLEM  no certificate found in the given files and folders\n");
        }
        json_t *findings = is_json ? json_array() : NULL;
        for (size_t i = 0; i < audit.n_findings; i++) {
                const struct cert_finding *fd = &audit.findings[i];
                if (is_json)
                        json_array_append_new(findings,
                                              json_pack("{s:s, s:s, s:s, s:s}", "kind",
                                                        cert_finding_kind_to_string(fd->kind), "severity",
                                                        ui_finding_severity_label(fd->kind), "subject",
                                                        fd->subject, "message", fd->message));
                else
                        printf("%-8s %s: %s\n", ui_finding_severity_label(fd->kind), fd->subject,
                               fd->message);
        }
        if (is_json) {
                render_summary(&audit, n_problems, out);
                json_object_set_new(out, "findings", findings);
                json_object_set_new(out, "qr", qr_results);
                ui_json_line(out);
        } else if (has_paths || n_problems > 0)
                render_summary(&audit, n_problems, NULL);
        cert_audit_done(&audit);
        return n_problems == 0 ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
}
