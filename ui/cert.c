/* SPDX-License-Identifier: MIT */
/* `kesu key …`, `kesu cert verify`, and the certificate options of `kesu wipe`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <qrencode.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
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

static int read_tty_line(const char *prompt, char *buf, size_t size)
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
                if ((r = read_full_file(file, &content, &n)) < 0) {
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
                if ((r = read_tty_line(prompt, p.text, 1024)) < 0)
                        goto fail;
                if (is_new) {
                        char *again = sodium_malloc(1024);
                        if (!again || read_tty_line("Again: ", again, 1024) < 0 ||
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

/* Decodes the QR codes of an image or a PDF's first page with the stock tools (pdftoppm, zbarimg). */
static int decode_qr_image(const char *path, char **ret)
{
        char tmp[] = "/tmp/kesu-qr-XXXXXX";
        if (!mkdtemp(tmp))
                return -errno;
        _cleanup_free_ char *cmd = NULL;
        size_t l = strlen(path);
        bool is_pdf = l > 4 && strcasecmp(path + l - 4, ".pdf") == 0;
        for (const char *p = path; *p; p++)
                if (*p == '\'')
                        return -EINVAL;
        int n = is_pdf ? asprintf(&cmd,
                                  "pdftoppm -r 200 -f 1 -l 1 -png '%s' %s/page >/dev/null 2>&1 && zbarimg "
                                  "--raw -q %s/page*.png 2>/dev/null",
                                  path, tmp, tmp)
                       : asprintf(&cmd, "zbarimg --raw -q '%s' 2>/dev/null", path);
        if (n < 0)
                return -ENOMEM;
        FILE *f = popen(cmd, "r");
        char buf[2048] = "";
        size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        int status = f ? pclose(f) : -1;
        buf[got] = 0;
        _cleanup_free_ char *rm = NULL;
        if (asprintf(&rm, "rm -rf %s", tmp) >= 0)
                (void)!system(rm);
        if (status != 0 || got == 0)
                return -ENODATA;
        buf[strcspn(buf, "\n")] = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int ui_cmd_cert(int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "verify") != 0) {
                if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
                        printf("Usage: kesu cert verify --key PUBFILE [--key …] [--qr TEXT] [--qr-image "
                               "FILE] [--json] "
                               "[FILE|DIR…]\n");
                        return KESU_EXIT_OK;
                }
                ui_error("cert: say verify (see 'kesu cert --help')");
                return KESU_EXIT_USAGE;
        }
        argc--;
        argv++;
        static const struct option options[] = {
                { "key", required_argument, NULL, 'k' },      { "qr", required_argument, NULL, 'q' },
                { "qr-image", required_argument, NULL, 'i' }, { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },           {},
        };
        struct cert_public_key keys[16];
        size_t n_keys = 0;
        const char *qr = NULL, *qr_image = NULL;
        bool is_json = false;
        int c, r;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'k':
                        if (n_keys >= ELEMENTSOF(keys)) {
                                ui_error("cert verify: at most %zu keys", ELEMENTSOF(keys));
                                return KESU_EXIT_USAGE;
                        }
                        if ((r = cert_public_key_load(optarg, &keys[n_keys])) < 0) {
                                ui_error("cert verify: %s: %s", optarg,
                                         r == -EBADMSG ? "not a minisign public key" : strerror(-r));
                                return KESU_EXIT_USAGE;
                        }
                        n_keys++;
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
                        printf("Usage: kesu cert verify --key PUBFILE [--key …] [--qr TEXT] [--qr-image "
                               "FILE] [--json] "
                               "[FILE|DIR…]\n\nChecks certificates (CERT.json beside CERT.json.minisig), "
                               "folders of "
                               "them (and their chain),\nand QR payloads (as text or decoded from a PNG or "
                               "PDF).\n"
                               "Exit 0 only when everything checks.\n");
                        return KESU_EXIT_OK;
                default:
                        if (optopt && strchr("kqi", optopt))
                                ui_error("cert verify: option '%s' needs a value", argv[optind - 1]);
                        else
                                ui_error("cert verify: unknown option '%s' (see 'kesu cert verify --help')",
                                         argv[optind - 1]);
                        return KESU_EXIT_USAGE;
                }
        }
        if (n_keys == 0) {
                ui_error("cert verify: give the appliance's public key with --key (appliance.pub)");
                return KESU_EXIT_USAGE;
        }
        if (optind >= argc && !qr && !qr_image) {
                ui_error("cert verify: nothing to check: give certificate files or folders, --qr or "
                         "--qr-image");
                return KESU_EXIT_USAGE;
        }

        json_t *out = is_json ? json_object() : NULL;
        json_t *qr_results = is_json ? json_array() : NULL;
        size_t n_problems = 0;
        _cleanup_free_ char *decoded = NULL;
        if (qr_image) {
                r = decode_qr_image(qr_image, &decoded);
                if (r < 0) {
                        ui_error("cert verify: no QR code could be read from %s%s", qr_image,
                                 r == -ENODATA ? "" : " (are pdftoppm and zbarimg installed?)");
                        json_decref(out);
                        json_decref(qr_results);
                        return KESU_EXIT_USAGE;
                }
        }
        const char *payloads[2] = { qr, decoded };
        for (size_t i = 0; i < 2; i++) {
                if (!payloads[i])
                        continue;
                struct cert_qr_fields f;
                r = cert_qr_verify(payloads[i], keys, n_keys, &f);
                const char *what = r == -EBADMSG  ? "malformed QR payload"
                                   : r == -ENOKEY ? "signed by an unknown key"
                                   : r < 0        ? "QR signature does not match: altered"
                                                  : "ok";
                if (r < 0)
                        n_problems++;
                if (is_json)
                        json_array_append_new(
                                qr_results,
                                r < 0 ? json_pack("{s:s, s:s}", "status", "problem", "message", what)
                                      : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "status", "ok",
                                                  "serial", f.serial, "sequence", f.sequence, "result",
                                                  f.result, "asset", f.asset, "disk_serial", f.disk_serial,
                                                  "record_hash", f.record_hash));
                else if (r < 0)
                        printf("PROBLEM  QR: %s\n", what);
                else
                        printf("OK       QR: %s sequence %s %s, asset %s, disk %s, ended %s, record %s, key "
                               "%s\n",
                               f.serial, f.sequence, f.result, f.asset, f.disk_serial, f.ended_utc,
                               f.record_hash, f.key_id);
                /* With the files at hand, the paper must name exactly this record. */
                for (int k = optind; r >= 0 && k < argc; k++) {
                        char path[PATH_MAX];
                        struct stat st;
                        if (stat(argv[k], &st) < 0)
                                continue;
                        if (S_ISDIR(st.st_mode))
                                snprintf(path, sizeof path, "%s/%s.json", argv[k], f.serial);
                        else {
                                const char *base = strrchr(argv[k], '/');
                                base = base ? base + 1 : argv[k];
                                if (strncmp(base, f.serial, strlen(f.serial)) != 0 ||
                                    strcmp(base + strlen(f.serial), ".json") != 0)
                                        continue;
                                snprintf(path, sizeof path, "%s", argv[k]);
                        }
                        _cleanup_free_ char *text = NULL;
                        size_t len;
                        if (read_full_file(path, &text, &len) < 0)
                                continue;
                        char hash[72];
                        cert_hash(text, len, hash);
                        bool is_same = strcmp(hash, f.record_hash) == 0;
                        n_problems += !is_same;
                        if (!is_json)
                                printf("%-8s QR and %s: %s\n", is_same ? "OK" : "PROBLEM", path,
                                       is_same ? "the paper names exactly this record"
                                               : "the record differs from the one the paper names");
                }
        }

        struct cert_audit audit = { 0 };
        if (optind < argc) {
                r = cert_audit_paths(argv + optind, (size_t)(argc - optind), keys, n_keys, &audit);
                if (r < 0) {
                        ui_error("cert verify: %s", strerror(-r));
                        json_decref(out);
                        json_decref(qr_results);
                        return KESU_EXIT_USAGE;
                }
        }
        n_problems += audit.n_problems;
        if (optind < argc && audit.n_certificates == 0) {
                n_problems++;
                if (!is_json)
                        printf("PROBLEM  no certificate found in the given files and folders\n");
        }
        json_t *findings = is_json ? json_array() : NULL;
        for (size_t i = 0; i < audit.n_findings; i++) {
                const struct cert_finding *fd = &audit.findings[i];
                if (is_json)
                        json_array_append_new(findings,
                                              json_pack("{s:s, s:s, s:s}", "kind",
                                                        cert_finding_kind_to_string(fd->kind), "subject",
                                                        fd->subject, "message", fd->message));
                else
                        printf("%-8s %s: %s\n",
                               fd->kind == CERT_OK                ? "OK"
                               : fd->kind == CERT_FAILED_DISPOSAL ? "FAILED"
                                                                  : "PROBLEM",
                               fd->subject, fd->message);
        }
        if (is_json) {
                json_object_set_new(out, "certificates", json_integer((json_int_t)audit.n_certificates));
                json_object_set_new(out, "valid", json_integer((json_int_t)audit.n_valid));
                json_object_set_new(out, "problems", json_integer((json_int_t)n_problems));
                json_object_set_new(out, "findings", findings);
                json_object_set_new(out, "qr", qr_results);
                ui_json_line(out);
        } else if (optind < argc || n_problems > 0)
                printf("%zu certificate%s, %zu valid, %zu problem%s\n", audit.n_certificates,
                       audit.n_certificates == 1 ? "" : "s", audit.n_valid, n_problems,
                       n_problems == 1 ? "" : "s");
        cert_audit_done(&audit);
        return n_problems == 0 ? KESU_EXIT_OK : KESU_EXIT_NOT_SANITIZED;
}
