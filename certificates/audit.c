/* SPDX-License-Identifier: MIT */
/*
 * The auditor's check of certificate files and folders: each record's form and signature, its
 * trusted comment against its content, and, across a folder, the chain — missing, duplicated,
 * forked or re-linked certificates. It trusts nothing but the public keys it is given.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"

static const char *const kind_names[] = {
        [CERT_OK] = "ok",
        [CERT_BAD_SIGNATURE] = "bad-signature",
        [CERT_UNKNOWN_KEY] = "unknown-key",
        [CERT_MALFORMED] = "malformed",
        [CERT_COMMENT_MISMATCH] = "comment-mismatch",
        [CERT_GAP] = "gap",
        [CERT_DUPLICATE] = "duplicate",
        [CERT_FORK] = "fork",
        [CERT_BROKEN_CHAIN] = "broken-chain",
        [CERT_FAILED_DISPOSAL] = "failed-disposal",
};

const char *cert_finding_kind_to_string(enum cert_finding_kind k)
{
        return (unsigned)k < ELEMENTSOF(kind_names) ? kind_names[k] : "unknown";
}

/* One certificate that checked. */
struct valid_cert {
        char *file;
        char *key_id;
        uint64_t sequence;
        char hash[72];
        char *previous_hash;
};

static int add(struct cert_audit *a, enum cert_finding_kind kind, const char *subject, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int add(struct cert_audit *a, enum cert_finding_kind kind, const char *subject, const char *fmt, ...)
{
        struct cert_finding *n = realloc(a->findings, (a->n_findings + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        a->findings = n;
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        a->findings[a->n_findings++] =
                (struct cert_finding){ .kind = kind, .subject = strdup(subject), .message = msg };
        if (kind != CERT_OK && kind != CERT_FAILED_DISPOSAL)
                a->n_problems++;
        return 0;
}

/* "key=value" from the trusted comment, value up to the next space. */
static bool comment_has(const char *comment, const char *key, const char *value)
{
        char needle[256];
        snprintf(needle, sizeof needle, " %s=%s", key, value);
        const char *p = strstr(comment, needle);
        if (!p)
                return false;
        char end = p[strlen(needle)];
        return end == 0 || end == ' ';
}

static int check_file(struct cert_audit *a, const char *path, const struct cert_public_key *keys,
                      size_t n_keys, struct valid_cert **valid, size_t *n_valid)
{
        a->n_certificates++;
        _cleanup_free_ char *text = NULL, *sig = NULL, *comment = NULL, *canon = NULL;
        size_t len, canon_len;
        char sig_path[PATH_MAX];
        if (read_full_file(path, &text, &len) < 0)
                return add(a, CERT_MALFORMED, path, "cannot be read");
        json_error_t err;
        json_t *o = json_loadb(text, len, 0, &err);
        if (!o || !json_is_object(o)) {
                json_decref(o);
                return add(a, CERT_MALFORMED, path, "not a JSON certificate (truncated or damaged: %s)",
                           err.text);
        }
        int r = 0;
        const char *format = json_string_value(json_object_get(o, "format"));
        if (!format || strcmp(format, CERT_FORMAT) != 0) {
                r = add(a, CERT_MALFORMED, path, "not a kesu certificate (format tag missing)");
                goto out;
        }
        /* The signed bytes must be the canonical form: nothing can hide in white space or key order. */
        if ((r = cert_canonical(o, &canon, &canon_len)) < 0)
                goto out;
        if (canon_len != len || memcmp(canon, text, len) != 0) {
                r = add(a, CERT_MALFORMED, path, "not in canonical form (edited by hand?)");
                goto out;
        }
        snprintf(sig_path, sizeof sig_path, "%s.minisig", path);
        if (read_full_file(sig_path, &sig, NULL) < 0) {
                r = add(a, CERT_MALFORMED, path, "no signature file %s", sig_path);
                goto out;
        }
        size_t key_index;
        r = cert_verify_signature(keys, n_keys, text, len, sig, &comment, &key_index);
        const char *key_id = json_string_value(json_object_get(o, "appliance_key_id"));
        if (r == -ENOKEY) {
                r = add(a, CERT_UNKNOWN_KEY, path, "signed by key %s, which is not among the given keys",
                        key_id ? key_id : "?");
                goto out;
        }
        if (r == -EBADMSG) {
                r = add(a, CERT_MALFORMED, path, "the signature file is damaged");
                goto out;
        }
        if (r < 0) {
                r = add(a, CERT_BAD_SIGNATURE, path,
                        "the signature does not match: the certificate was altered");
                goto out;
        }
        const char *serial = json_string_value(json_object_get(o, "serial"));
        const char *result = json_string_value(json_object_get(o, "result"));
        const char *prev = json_string_value(json_object_get(o, "previous_hash"));
        json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
        char hash[72], seq_s[32], id[2 * CERT_KEY_ID_BYTES + 1];
        cert_hash(text, len, hash);
        snprintf(seq_s, sizeof seq_s, "%lld", (long long)seq);
        cert_key_id_hex(keys[key_index].key_id, id);
        if (!serial || !result || !prev || seq <= 0 || !key_id || strcmp(key_id, id) != 0 ||
            !comment_has(comment, "serial", serial) || !comment_has(comment, "sequence", seq_s) ||
            !comment_has(comment, "result", result) || !comment_has(comment, "hash", hash)) {
                r = add(a, CERT_COMMENT_MISMATCH, path, "the signed comment does not match the record");
                goto out;
        }
        struct valid_cert *nv = realloc(*valid, (*n_valid + 1) * sizeof *nv);
        if (!nv) {
                r = -ENOMEM;
                goto out;
        }
        *valid = nv;
        nv[*n_valid] = (struct valid_cert){ .file = strdup(path),
                                            .key_id = strdup(key_id),
                                            .sequence = (uint64_t)seq,
                                            .previous_hash = strdup(prev) };
        snprintf(nv[*n_valid].hash, sizeof nv[*n_valid].hash, "%s", hash);
        (*n_valid)++;
        a->n_valid++;
        if (strcmp(result, "PASS") == 0)
                r = add(a, CERT_OK, path, "%s sequence %lld: PASS, signature valid", serial, (long long)seq);
        else
                r = add(a, CERT_FAILED_DISPOSAL, path,
                        "%s sequence %lld: signature valid; records a FAILED disposal", serial,
                        (long long)seq);
out:
        json_decref(o);
        return r;
}

static int cmp_valid(const void *x, const void *y)
{
        const struct valid_cert *a = x, *b = y;
        int c = strcmp(a->key_id, b->key_id);
        if (c)
                return c;
        return a->sequence < b->sequence ? -1 : a->sequence > b->sequence;
}

/* Across the valid certificates of each key: gaps, duplicates, forks, broken links. */
static int check_chain(struct cert_audit *a, struct valid_cert *v, size_t n)
{
        if (n == 0)
                return 0;
        qsort(v, n, sizeof *v, cmp_valid);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                bool is_first_of_key = i == 0 || strcmp(v[i].key_id, v[i - 1].key_id) != 0;
                char subject[64];
                snprintf(subject, sizeof subject, "key %s", v[i].key_id);
                if (is_first_of_key) {
                        if (v[i].sequence > 1)
                                r = add(a, CERT_GAP, subject, "certificates 1 to %" PRIu64 " are missing",
                                        v[i].sequence - 1);
                        continue;
                }
                struct valid_cert *p = &v[i - 1];
                if (v[i].sequence == p->sequence) {
                        if (strcmp(v[i].hash, p->hash) == 0)
                                r = add(a, CERT_DUPLICATE, v[i].file,
                                        "sequence %" PRIu64 " appears twice (same certificate as %s)",
                                        v[i].sequence, p->file);
                        else
                                r = add(a, CERT_DUPLICATE, v[i].file,
                                        "sequence %" PRIu64
                                        " appears twice with different content (also %s)",
                                        v[i].sequence, p->file);
                        continue;
                }
                if (v[i].sequence > p->sequence + 1) {
                        if (v[i].sequence == p->sequence + 2)
                                r = add(a, CERT_GAP, subject, "certificate %" PRIu64 " is missing",
                                        p->sequence + 1);
                        else
                                r = add(a, CERT_GAP, subject,
                                        "certificates %" PRIu64 " to %" PRIu64 " are missing",
                                        p->sequence + 1, v[i].sequence - 1);
                        continue;
                }
                if (strcmp(v[i].previous_hash, p->hash) != 0)
                        r = add(a, CERT_BROKEN_CHAIN, v[i].file,
                                "does not follow certificate %" PRIu64 " (%s): its previous hash differs",
                                p->sequence, p->file);
        }
        /* Forks: two certificates of one key naming the same predecessor. */
        for (size_t i = 0; r >= 0 && i < n; i++)
                for (size_t k = i + 1; r >= 0 && k < n; k++)
                        if (strcmp(v[i].key_id, v[k].key_id) == 0 && v[i].sequence != v[k].sequence &&
                            v[i].previous_hash[0] && strcmp(v[i].previous_hash, v[k].previous_hash) == 0)
                                r = add(a, CERT_FORK, v[k].file, "forks the chain: it and %s both follow %s",
                                        v[i].file, v[i].previous_hash);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The certificate files of a folder: *.json, in name order. */
static int list_dir(const char *dir, char ***ret, size_t *ret_n)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                char **nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv || asprintf(&nv[n], "%s/%s", dir, de->d_name) < 0) {
                        if (nv)
                                v = nv;
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                n++;
        }
        closedir(d);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(v[i]);
                free(v);
                return r;
        }
        if (n)
                qsort(v, n, sizeof *v, cmp_str);
        *ret = v;
        *ret_n = n;
        return 0;
}

int cert_audit_paths(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     struct cert_audit *ret)
{
        struct cert_audit a = { 0 };
        struct valid_cert *valid = NULL;
        size_t n_valid = 0;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                struct stat st;
                if (stat(paths[i], &st) < 0) {
                        r = add(&a, CERT_MALFORMED, paths[i], "does not exist");
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = check_file(&a, paths[i], keys, n_keys, &valid, &n_valid);
                        continue;
                }
                char **files = NULL;
                size_t n_files = 0;
                if ((r = list_dir(paths[i], &files, &n_files)) < 0)
                        break;
                for (size_t k = 0; k < n_files; k++) {
                        if (r >= 0)
                                r = check_file(&a, files[k], keys, n_keys, &valid, &n_valid);
                        free(files[k]);
                }
                free(files);
        }
        if (r >= 0)
                r = check_chain(&a, valid, n_valid);
        for (size_t i = 0; i < n_valid; i++) {
                free(valid[i].file);
                free(valid[i].key_id);
                free(valid[i].previous_hash);
        }
        free(valid);
        if (r < 0) {
                cert_audit_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

void cert_audit_done(struct cert_audit *a)
{
        for (size_t i = 0; i < a->n_findings; i++) {
                free(a->findings[i].subject);
                free(a->findings[i].message);
        }
        free(a->findings);
        *a = (struct cert_audit){ 0 };
}
