/* SPDX-License-Identifier: MIT */
/*
 * Issuing certificates and keeping the appliance's ledger. Every file is written to a temporary
 * name, fsync'd and renamed (and the directory fsync'd), certificate files before the ledger line
 * that names them: a crash leaves the old ledger or the new one, and a certificate whose ledger
 * line was lost is adopted the next time the ledger is opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"

struct cert_issuer {
        char cert_dir[PATH_MAX];
        char ledger_path[PATH_MAX];
        struct cert_secret_key *key; /* borrowed */
        struct cert_public_key pub;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        char fingerprint[96];
        int lock_fd;
        pthread_mutex_t lock;
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

/* A certificate filed just before a crash, before its ledger line: take it in if it is ours and
 * follows on. */
static int adopt_orphans(struct cert_issuer *is)
{
        for (;;) {
                char serial[64], json_path[PATH_MAX], sig_path[PATH_MAX];
                snprintf(serial, sizeof serial, "KESU-%s-%06" PRIu64, is->key_id, is->last_sequence + 1);
                if (snprintf(json_path, sizeof json_path, "%s/%s.json", is->cert_dir, serial) >=
                            (int)sizeof json_path ||
                    snprintf(sig_path, sizeof sig_path, "%s.minisig", json_path) >= (int)sizeof sig_path)
                        return -ENAMETOOLONG;
                _cleanup_free_ char *text = NULL, *sig = NULL;
                size_t len;
                if (read_full_file(json_path, &text, &len) < 0 || read_full_file(sig_path, &sig, NULL) < 0)
                        return 0;
                if (cert_verify_signature(&is->pub, 1, text, len, sig, NULL, NULL) < 0)
                        return 0; /* not a valid certificate of ours: leave it for the auditor */
                json_t *o = json_loads(text, 0, NULL);
                const char *prev = json_string_value(json_object_get(o, "previous_hash"));
                bool is_next = prev && strcmp(prev, is->last_hash) == 0 &&
                               (uint64_t)json_integer_value(json_object_get(o, "sequence")) ==
                                       is->last_sequence + 1;
                char hash[72], file[80];
                cert_hash(text, len, hash);
                snprintf(file, sizeof file, "%s.json", serial);
                _cleanup_free_ char *line = NULL;
                int r = is_next ? ledger_line(o, hash, file, &line) : 0;
                json_decref(o);
                if (r < 0)
                        return r;
                if (!is_next)
                        return 0;
                if ((r = append_ledger(is, line, is->last_sequence + 1, hash)) < 0)
                        return r;
        }
}

struct cert_issuer *cert_issuer_free(struct cert_issuer *is)
{
        if (!is)
                return NULL;
        if (is->lock_fd >= 0)
                close(is->lock_fd); /* releases the flock */
        pthread_mutex_destroy(&is->lock);
        free(is->ledger);
        free(is);
        return NULL;
}

int cert_issuer_open(const char *cert_dir, const char *ledger_path, struct cert_secret_key *key,
                     struct cert_issuer **ret)
{
        struct stat st;
        if (stat(cert_dir, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        struct cert_issuer *is = calloc(1, sizeof *is);
        if (!is)
                return -ENOMEM;
        is->lock_fd = -1;
        pthread_mutex_init(&is->lock, NULL);
        is->key = key;
        memcpy(is->pub.key_id, key->key_id, CERT_KEY_ID_BYTES);
        memcpy(is->pub.pk, key->pk, CERT_PUBLIC_KEY_BYTES);
        cert_key_id_hex(key->key_id, is->key_id);
        cert_key_fingerprint(key->pk, is->fingerprint, sizeof is->fingerprint);
        int r = -ENAMETOOLONG;
        char lock_path[PATH_MAX];
        if (snprintf(is->cert_dir, sizeof is->cert_dir, "%s", cert_dir) >= (int)sizeof is->cert_dir ||
            snprintf(is->ledger_path, sizeof is->ledger_path, "%s", ledger_path) >=
                    (int)sizeof is->ledger_path ||
            snprintf(lock_path, sizeof lock_path, "%s.lock", ledger_path) >= (int)sizeof lock_path)
                goto fail;
        /* One issuer per ledger at a time, or two appliances' runs would fork the chain. */
        is->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (is->lock_fd < 0) {
                r = -errno;
                goto fail;
        }
        if (flock(is->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                goto fail;
        }
        if ((r = load_ledger(is)) < 0 || (r = adopt_orphans(is)) < 0)
                goto fail;
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
        /* the signature first: a record on disk always has its signature beside it */
        if ((r = write_file_atomic(out.sig_path, minisig, strlen(minisig), false)) < 0 ||
            (r = write_file_atomic(out.json_path, canon, len, false)) < 0)
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
