/* SPDX-License-Identifier: MIT */
/*
 * Issuing certificates and keeping the appliance's ledger. Every file is written to a temporary
 * name, fsync'd and renamed (and the directory fsync'd): signature, record, the key's high-water
 * mark, the ledger line, the PDF. Whatever a crash leaves is brought back in order at the next
 * open: a filed certificate missing from the ledger is adopted, a half-filed or stray one set
 * aside, temporary files removed, missing PDFs made again — each told as a note.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"
#include "issuer-internal.h"

struct cert_issuer {
        char cert_dir[PATH_MAX];
        char ledger_path[PATH_MAX];
        struct cert_secret_key *key; /* borrowed */
        struct cert_public_key pub;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        char fingerprint[96];
        int lock_fd;
        int key_lock_fd; /* the key's registration lock in the state folder */
        struct key_registration reg;
        pthread_mutex_t lock;
        struct cert_note *notes;
        size_t n_notes;
        char *ledger; /* the ledger's text */
        size_t ledger_len;
        uint64_t last_sequence;
        char last_hash[72];
};

static int ledger_line(const json_t *record, const char *hash, const char *file, char **ret)
{
        json_t *o = json_pack("{s:O, s:s, s:O, s:O, s:s}", "sequence", json_object_get(record, "sequence"),
                              "hash", hash, "previous_hash", json_object_get(record, "previous_hash"),
                              "serial", json_object_get(record, "serial"), "file", file);
        if (!o)
                return -ENOMEM;
        size_t len;
        int r = cert_canonical(o, ret, &len);
        json_decref(o);
        return r;
}

static int append_ledger(struct cert_issuer *is, const char *line, uint64_t sequence, const char *hash)
{
        size_t n = strlen(line);
        char *text = malloc(is->ledger_len + n + 1);
        if (!text)
                return -ENOMEM;
        memcpy(text, is->ledger, is->ledger_len);
        memcpy(text + is->ledger_len, line, n + 1);
        /* the high-water mark before the ledger: it may run ahead of the ledger (the certificate
         * files are there to adopt), never behind what was issued. A failure to store it loses no
         * certificate: the ledger raises it again at the next open. */
        if (sequence > is->reg.high_water) {
                is->reg.high_water = sequence;
                (void)registry_store(is->key_id, &is->reg);
        }
        int r = write_file_atomic(is->ledger_path, text, is->ledger_len + n, true);
        if (r < 0) {
                free(text);
                return r;
        }
        free(is->ledger);
        is->ledger = text;
        is->ledger_len += n;
        is->last_sequence = sequence;
        snprintf(is->last_hash, sizeof is->last_hash, "%s", hash);
        return 0;
}

/* Reads the ledger and checks that it chains; -EBADMSG if it does not (then nothing is written). */
static int load_ledger(struct cert_issuer *is)
{
        int r = read_full_file(is->ledger_path, &is->ledger, &is->ledger_len);
        if (r == -ENOENT) {
                is->ledger = strdup("");
                return is->ledger ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        char *save = NULL;
        _cleanup_free_ char *copy = strdup(is->ledger);
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_t *o = json_loads(line, 0, NULL);
                json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
                const char *hash = json_string_value(json_object_get(o, "hash"));
                const char *prev = json_string_value(json_object_get(o, "previous_hash"));
                bool is_ok = o && hash && prev && (uint64_t)seq == is->last_sequence + 1 &&
                             strcmp(prev, is->last_hash) == 0;
                if (is_ok) {
                        is->last_sequence = (uint64_t)seq;
                        snprintf(is->last_hash, sizeof is->last_hash, "%s", hash);
                }
                json_decref(o);
                if (!is_ok)
                        return -EBADMSG;
        }
        return 0;
}

static void add_note(struct cert_issuer *is, enum cert_note_kind kind, const char *path,
                     const char *moved_to, int error, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* Notes are best effort: without memory for one, the action still happened. */
static void add_note(struct cert_issuer *is, enum cert_note_kind kind, const char *path,
                     const char *moved_to, int error, const char *fmt, ...)
{
        struct cert_note *n = realloc(is->notes, (is->n_notes + 1) * sizeof *n);
        if (!n)
                return;
        is->notes = n;
        n = &is->notes[is->n_notes++];
        memset(n, 0, sizeof *n);
        n->kind = kind;
        n->error = error;
        snprintf(n->path, sizeof n->path, "%s", path ? path : "");
        snprintf(n->moved_to, sizeof n->moved_to, "%s", moved_to ? moved_to : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(n->text, sizeof n->text, fmt, ap);
        va_end(ap);
}

/* dir/name into buf; -ENAMETOOLONG rather than a path cut short */
static int path_join(char *buf, size_t size, const char *dir, const char *name)
{
        int n = snprintf(buf, size, "%s/%s", dir, name);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void serial_of(const struct cert_issuer *is, uint64_t sequence, char out[64])
{
        snprintf(out, 64, "KESU-%s-%06" PRIu64, is->key_id, sequence);
}

/* Moves cert_dir/name into set-aside/ and says so. */
static int set_aside(struct cert_issuer *is, const char *name, const char *why)
{
        char from[PATH_MAX], to[PATH_MAX];
        int r = path_join(from, sizeof from, is->cert_dir, name);
        if (r < 0 || (r = filing_set_aside(is->cert_dir, name, to, sizeof to)) < 0)
                return r;
        add_note(is, CERT_NOTE_SET_ASIDE, from, to, 0, "set aside %s (%s) as %s", name, why, to);
        return 0;
}

/* A certificate filed just before a crash, before its ledger line: take it in if it is ours and
 * follows on. Unless is_commit, only looks: *ret_reach is the sequence the ledger would reach. */
static int adopt_orphans(struct cert_issuer *is, bool is_commit, uint64_t *ret_reach)
{
        uint64_t last = is->last_sequence;
        char last_hash[72];
        snprintf(last_hash, sizeof last_hash, "%s", is->last_hash);
        for (;;) {
                char serial[64], json_path[PATH_MAX], sig_path[PATH_MAX];
                serial_of(is, last + 1, serial);
                if (snprintf(json_path, sizeof json_path, "%s/%s.json", is->cert_dir, serial) >=
                            (int)sizeof json_path ||
                    snprintf(sig_path, sizeof sig_path, "%s.minisig", json_path) >= (int)sizeof sig_path)
                        return -ENAMETOOLONG;
                _cleanup_free_ char *text = NULL, *sig = NULL;
                size_t len;
                if (read_full_file(json_path, &text, &len) < 0 || read_full_file(sig_path, &sig, NULL) < 0)
                        break;
                if (cert_verify_signature(&is->pub, 1, text, len, sig, NULL, NULL) < 0)
                        break; /* not a valid certificate of ours: set aside later */
                json_t *o = json_loads(text, 0, NULL);
                const char *prev = json_string_value(json_object_get(o, "previous_hash"));
                bool is_next = prev && strcmp(prev, last_hash) == 0 &&
                               (uint64_t)json_integer_value(json_object_get(o, "sequence")) == last + 1;
                char hash[72], file[80];
                cert_hash(text, len, hash);
                snprintf(file, sizeof file, "%s.json", serial);
                _cleanup_free_ char *line = NULL;
                int r = is_next && is_commit ? ledger_line(o, hash, file, &line) : 0;
                json_decref(o);
                if (r < 0)
                        return r;
                if (!is_next)
                        break;
                if (is_commit) {
                        if ((r = append_ledger(is, line, last + 1, hash)) < 0)
                                return r;
                        add_note(is, CERT_NOTE_ADOPTED, json_path, NULL, 0,
                                 "adopted %s: filed before a crash, now in the ledger", serial);
                }
                last++;
                snprintf(last_hash, sizeof last_hash, "%s", hash);
        }
        if (ret_reach)
                *ret_reach = last;
        return 0;
}

/* "KESU-<keyid>-<digits>" at the start of name: its sequence number, else false. */
static bool name_sequence(const struct cert_issuer *is, const char *name, uint64_t *ret)
{
        size_t prefix = 5 + strlen(is->key_id) + 1;
        if (strncmp(name, "KESU-", 5) != 0 || strncmp(name + 5, is->key_id, strlen(is->key_id)) != 0 ||
            name[prefix - 1] != '-')
                return false;
        const char *digits = name + prefix;
        size_t n = strspn(digits, "0123456789");
        if (n == 0 || n > 19)
                return false;
        *ret = strtoull(digits, NULL, 10);
        return true;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);
        return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* After a crash: this key's temporary files go (they were never renamed into place, so nothing
 * refers to them), files named like certificates after the last one in the ledger are set aside. */
static int tidy_cert_dir(struct cert_issuer *is)
{
        DIR *d = opendir(is->cert_dir);
        if (!d)
                return -errno;
        char **names = NULL;
        size_t n_names = 0;
        int r = 0;
        for (struct dirent *e; (e = readdir(d));) {
                uint64_t seq;
                bool is_probe = strncmp(e->d_name, ".kesu-probe-", 12) == 0;
                if (!is_probe && !name_sequence(is, e->d_name, &seq))
                        continue;
                if (!is_probe && !ends_with(e->d_name, ".tmp") && seq <= is->last_sequence)
                        continue;
                char **more = realloc(names, (n_names + 1) * sizeof *names);
                if (!more || !(more[n_names] = strdup(e->d_name))) {
                        names = more ? more : names;
                        r = -ENOMEM;
                        break;
                }
                names = more;
                n_names++;
        }
        closedir(d);
        for (size_t i = 0; i < n_names; i++) {
                char path[PATH_MAX];
                struct stat st;
                if (r == 0)
                        r = path_join(path, sizeof path, is->cert_dir, names[i]);
                if (r == 0 && (ends_with(names[i], ".tmp") || strncmp(names[i], ".kesu-probe-", 12) == 0) &&
                    lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        if (unlink(path) < 0)
                                r = -errno;
                        else
                                add_note(is, CERT_NOTE_TMP_REMOVED, path, NULL, 0,
                                         "removed %s, a temporary file left by a crash", names[i]);
                } else if (r == 0)
                        r = set_aside(is, names[i],
                                      "half-filed or stray: not in the ledger, not a "
                                      "certificate that follows on");
                free(names[i]);
        }
        free(names);
        return r;
}

/* Files that would stand in the way of certificate serial: set aside. */
static int make_way(struct cert_issuer *is, const char *serial, size_t *n_set_aside)
{
        static const char *const suffixes[] = { ".json.minisig", ".json", ".pdf" };
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                char name[128], path[PATH_MAX];
                struct stat st;
                snprintf(name, sizeof name, "%s%s", serial, suffixes[i]);
                if (path_join(path, sizeof path, is->cert_dir, name) < 0 || lstat(path, &st) < 0)
                        continue;
                int r = set_aside(is, name, "it was in the way of a new certificate");
                if (r < 0)
                        return r;
                (*n_set_aside)++;
        }
        return 0;
}

/* The ledgered certificates in this folder whose PDF is missing get it again. */
static void remake_missing_pdfs(struct cert_issuer *is)
{
        _cleanup_free_ char *copy = strdup(is->ledger);
        char *save = NULL;
        if (!copy)
                return;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_t *o = json_loads(line, 0, NULL);
                const char *file = json_string_value(json_object_get(o, "file"));
                char json_path[PATH_MAX], pdf_path[PATH_MAX];
                struct stat st;
                bool is_missing = file && !strchr(file, '/') && ends_with(file, ".json") &&
                                  snprintf(json_path, sizeof json_path, "%s/%s", is->cert_dir, file) <
                                          (int)sizeof json_path &&
                                  snprintf(pdf_path, sizeof pdf_path, "%.*s.pdf",
                                           (int)(strlen(json_path) - 5), json_path) < (int)sizeof pdf_path &&
                                  stat(json_path, &st) == 0 && lstat(pdf_path, &st) < 0 && errno == ENOENT;
                json_decref(o);
                if (!is_missing)
                        continue;
                int r = cert_pdf_remake(is, json_path, NULL);
                if (r < 0)
                        add_note(is, CERT_NOTE_PDF_FAILED, json_path, NULL, r,
                                 "the PDF of %s is missing and could not be made again: %s", json_path,
                                 strerror(-r));
                else
                        add_note(is, CERT_NOTE_PDF_REMADE, pdf_path, NULL, 0,
                                 "made the missing PDF %s again from its signed record", pdf_path);
        }
}

const struct cert_note *cert_issuer_notes(struct cert_issuer *is, size_t *ret_n)
{
        pthread_mutex_lock(&is->lock);
        const struct cert_note *n = is->notes;
        *ret_n = is->n_notes;
        pthread_mutex_unlock(&is->lock);
        return n;
}

int cert_pdf_remake(struct cert_issuer *is, const char *json_path, char **ret_pdf_path)
{
        char sig_path[PATH_MAX], pdf_path[PATH_MAX];
        if (!ends_with(json_path, ".json"))
                return -EINVAL;
        if (snprintf(sig_path, sizeof sig_path, "%s.minisig", json_path) >= (int)sizeof sig_path ||
            snprintf(pdf_path, sizeof pdf_path, "%.*s.pdf", (int)(strlen(json_path) - 5), json_path) >=
                    (int)sizeof pdf_path)
                return -ENAMETOOLONG;
        _cleanup_free_ char *text = NULL, *sig = NULL, *qr = NULL;
        size_t len;
        int r;
        if ((r = read_full_file(json_path, &text, &len)) < 0 ||
            (r = read_full_file(sig_path, &sig, NULL)) < 0)
                return r;
        /* only what this key signed: the QR signature vouches for the record */
        if ((r = cert_verify_signature(&is->pub, 1, text, len, sig, NULL, NULL)) < 0)
                return r;
        struct stat st;
        if (lstat(pdf_path, &st) == 0)
                return -EEXIST;
        json_t *record = json_loads(text, 0, NULL);
        if (!json_is_object(record)) {
                json_decref(record);
                return -EBADMSG;
        }
        char hash[72];
        cert_hash(text, len, hash);
        r = cert_qr_payload(record, hash, is->key, &qr);
        if (r >= 0)
                r = cert_pdf_write(record, qr, is->fingerprint, pdf_path);
        json_decref(record);
        if (r < 0)
                return r;
        if (ret_pdf_path && !(*ret_pdf_path = strdup(pdf_path)))
                return -ENOMEM;
        return 0;
}

struct cert_issuer *cert_issuer_free(struct cert_issuer *is)
{
        if (!is)
                return NULL;
        if (is->lock_fd >= 0)
                close(is->lock_fd); /* releases the flock */
        if (is->key_lock_fd >= 0)
                close(is->key_lock_fd);
        pthread_mutex_destroy(&is->lock);
        free(is->ledger);
        free(is->notes);
        free(is);
        return NULL;
}

/* The ledger's folder can take the ledger rewritten whole once more. */
static int probe_ledger_folder(const char *ledger_path)
{
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", ledger_path);
        char *slash = strrchr(dir, '/');
        if (!slash)
                snprintf(dir, sizeof dir, ".");
        else if (slash == dir)
                dir[1] = 0;
        else
                *slash = 0;
        struct stat st;
        uint64_t ledger_bytes = stat(ledger_path, &st) == 0 ? (uint64_t)st.st_size : 0;
        return cert_folder_probe(dir, 2 * ledger_bytes);
}

/* A crash while the ledger was rewritten leaves LEDGER.tmp: never renamed, so never the ledger. */
static int remove_ledger_tmp(struct cert_issuer *is)
{
        char tmp[PATH_MAX + 8];
        struct stat st;
        snprintf(tmp, sizeof tmp, "%s.tmp", is->ledger_path);
        if (lstat(tmp, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        if (unlink(tmp) < 0)
                return -errno;
        add_note(is, CERT_NOTE_TMP_REMOVED, tmp, NULL, 0, "removed %s, a temporary file left by a crash",
                 tmp);
        return 0;
}

int cert_issuer_open(const char *cert_dir, const char *ledger_path, struct cert_secret_key *key,
                     struct cert_issuer **ret)
{
        /* before anything is written (and before a disk is touched): can we file at all? */
        int r = cert_folder_probe(cert_dir, 0);
        if (r < 0)
                return r;
        if ((r = probe_ledger_folder(ledger_path)) < 0)
                return r;
        struct cert_issuer *is = calloc(1, sizeof *is);
        if (!is)
                return -ENOMEM;
        is->lock_fd = is->key_lock_fd = -1;
        pthread_mutex_init(&is->lock, NULL);
        is->key = key;
        memcpy(is->pub.key_id, key->key_id, CERT_KEY_ID_BYTES);
        memcpy(is->pub.pk, key->pk, CERT_PUBLIC_KEY_BYTES);
        cert_key_id_hex(key->key_id, is->key_id);
        cert_key_fingerprint(key->pk, is->fingerprint, sizeof is->fingerprint);
        r = -ENAMETOOLONG;
        char lock_path[PATH_MAX];
        if (snprintf(is->cert_dir, sizeof is->cert_dir, "%s", cert_dir) >= (int)sizeof is->cert_dir ||
            snprintf(lock_path, sizeof lock_path, "%s.lock", ledger_path) >= (int)sizeof lock_path)
                goto fail;
        if ((r = filing_canonical_path(ledger_path, is->ledger_path, sizeof is->ledger_path)) < 0)
                goto fail;
        /* One issuer per key on this appliance, whatever path it was opened by... */
        if ((r = registry_lock(is->key_id, &is->key_lock_fd)) < 0)
                goto fail;
        /* ...and one per ledger, or two appliances sharing a ledger would fork the chain. */
        is->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (is->lock_fd < 0) {
                r = -errno;
                goto fail;
        }
        if (flock(is->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                goto fail;
        }
        if ((r = registry_load(is->key_id, &is->reg)) < 0)
                goto fail;
        /* the key's one ledger: another path is refused while the registered file exists */
        struct stat st;
        if (is->reg.is_present && strcmp(is->reg.ledger, is->ledger_path) != 0 &&
            lstat(is->reg.ledger, &st) == 0) {
                r = -EXDEV;
                goto fail;
        }
        uint64_t high_water = is->reg.is_present ? is->reg.high_water : 0;
        bool is_changed = !is->reg.is_present || strcmp(is->reg.ledger, is->ledger_path) != 0;
        snprintf(is->reg.ledger, sizeof is->reg.ledger, "%s", is->ledger_path);
        is->reg.is_present = true;
        /* The ledger, with what can be adopted, must reach every number this key has issued here,
         * or they would come again: checked before anything is written. */
        uint64_t reach;
        if ((r = load_ledger(is)) < 0 || (r = adopt_orphans(is, false, &reach)) < 0)
                goto fail;
        if (reach < high_water) {
                r = -ESTALE;
                goto fail;
        }
        /* adoption raises the in-memory mark as it goes; it is stored once the ledger is whole */
        if ((r = remove_ledger_tmp(is)) < 0 || (r = adopt_orphans(is, true, NULL)) < 0)
                goto fail;
        if (is_changed || is->reg.high_water != is->last_sequence) {
                is->reg.high_water = is->last_sequence;
                if ((r = registry_store(is->key_id, &is->reg)) < 0)
                        goto fail;
        }
        if ((r = tidy_cert_dir(is)) < 0)
                goto fail;
        remake_missing_pdfs(is);
        *ret = is;
        return 0;
fail:
        cert_issuer_free(is);
        return r;
}

int cert_issue(struct cert_issuer *is, const struct cert_context *ctx, const struct disk_info *disk,
               const struct wipe_result *w, const struct verify_result *v, const char *verify_mode,
               bool is_pdf, struct cert_issued *ret)
{
        struct cert_issued out = { 0 };
        json_t *record = NULL;
        _cleanup_free_ char *canon = NULL, *minisig = NULL, *line = NULL, *qr = NULL;
        size_t len;
        int r;

        pthread_mutex_lock(&is->lock);
        uint64_t seq = is->last_sequence + 1;
        if ((r = cert_record_build(ctx, disk, w, v, verify_mode, seq, is->last_hash, is->key_id, &record)) <
                    0 ||
            (r = cert_canonical(record, &canon, &len)) < 0)
                goto out;
        cert_hash(canon, len, out.hash);
        out.sequence = seq;
        snprintf(out.serial, sizeof out.serial, "%s", json_string_value(json_object_get(record, "serial")));
        snprintf(out.result, sizeof out.result, "%s", json_string_value(json_object_get(record, "result")));
        const json_t *reasons = json_object_get(record, "failure_reasons");
        for (size_t i = 0; i < json_array_size(reasons) && out.n_reasons < CERT_MAX_REASONS; i++)
                snprintf(out.reasons[out.n_reasons++], sizeof out.reasons[0], "%s",
                         json_string_value(json_array_get(reasons, i)));

        char trusted[512], untrusted[128];
        const char *disk_serial =
                json_string_value(json_object_get(json_object_get(record, "media"), "serial"));
        snprintf(trusted, sizeof trusted,
                 "kesu certificate serial=%s sequence=%" PRIu64 " result=%s disk_serial=%s hash=%s",
                 out.serial, seq, out.result, disk_serial && *disk_serial ? disk_serial : "-", out.hash);
        for (char *c = trusted; *c; c++)
                if (*c == '\n' || *c == '\r')
                        *c = ' ';
        snprintf(untrusted, sizeof untrusted, "signature from kesu appliance key %s", is->key_id);
        if ((r = cert_sign(is->key, canon, len, untrusted, trusted, &minisig)) < 0)
                goto out;

        if (snprintf(out.json_path, sizeof out.json_path, "%s/%s.json", is->cert_dir, out.serial) >=
                    (int)sizeof out.json_path ||
            snprintf(out.sig_path, sizeof out.sig_path, "%s.minisig", out.json_path) >=
                    (int)sizeof out.sig_path) {
                r = -ENAMETOOLONG;
                goto out;
        }
        /* A file in the way (a stray, or one left half-filed since the open) never costs the
         * certificate of a disk already erased: it is set aside. The signature first: a record on
         * disk always has its signature beside it. */
        for (int attempt = 0;; attempt++) {
                if ((r = make_way(is, out.serial, &out.n_set_aside)) < 0)
                        goto out;
                r = write_file_atomic(out.sig_path, minisig, strlen(minisig), false);
                if (r == 0)
                        r = write_file_atomic(out.json_path, canon, len, false);
                if (r != -EEXIST || attempt == 2)
                        break;
        }
        if (r < 0)
                goto out;
        char file[80];
        snprintf(file, sizeof file, "%s.json", out.serial);
        if ((r = ledger_line(record, out.hash, file, &line)) < 0 ||
            (r = append_ledger(is, line, seq, out.hash)) < 0)
                goto out;
        pthread_mutex_unlock(&is->lock);

        /* The QR and the PDF are the record's printable forms, made after it is safely filed. */
        r = cert_qr_payload(record, out.hash, is->key, &qr);
        if (r >= 0)
                snprintf(out.qr_payload, sizeof out.qr_payload, "%s", qr);
        if (is_pdf) {
                if (snprintf(out.pdf_path, sizeof out.pdf_path, "%s/%s.pdf", is->cert_dir, out.serial) >=
                    (int)sizeof out.pdf_path)
                        r = -ENAMETOOLONG;
                if (r >= 0)
                        r = cert_pdf_write(record, qr, is->fingerprint, out.pdf_path);
                if (r < 0) {
                        out.pdf_path[0] = 0;
                        out.pdf_error = r;
                }
        }
        *ret = out;
        json_decref(record);
        return 0;
out:
        pthread_mutex_unlock(&is->lock);
        json_decref(record);
        return r;
}
