/* SPDX-License-Identifier: MIT */
/*
 * The auditor's check of certificate files and folders: each record's form and signature, its
 * trusted comment against its content, the files around it (half-filed, stray, temporary, set
 * aside, a missing PDF), and, across everything given, the chain and the serials — missing,
 * duplicated, forked or re-linked certificates, a serial issued twice. It trusts nothing but the
 * public keys it is given.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        [CERT_ORPHAN] = "orphan",
        [CERT_STRAY] = "stray",
        [CERT_LEFTOVER_TEMP] = "leftover-temp",
        [CERT_MISSING_PDF] = "missing-pdf",
        [CERT_SET_ASIDE] = "set-aside",
        [CERT_WRONG_KEY] = "wrong-key",
        [CERT_COPY] = "copy",
};

const char *cert_finding_kind_to_string(enum cert_finding_kind k)
{
        return (unsigned)k < ELEMENTSOF(kind_names) && kind_names[k] ? kind_names[k] : "unknown";
}

enum cert_finding_severity cert_finding_severity(enum cert_finding_kind k)
{
        switch (k) {
        case CERT_OK:
        case CERT_COPY:
                return CERT_SEVERITY_OK;
        case CERT_FAILED_DISPOSAL:
                return CERT_SEVERITY_FAIL;
        case CERT_MISSING_PDF:
        case CERT_SET_ASIDE:
                return CERT_SEVERITY_WARNING;
        default:
                return CERT_SEVERITY_PROBLEM;
        }
}

/* One certificate that checked. */
struct valid_cert {
        char *file;
        char *real_file; /* the file and its folder, resolved: one file named twice is one file */
        char *dir;       /* a copy in another folder is no duplicate */
        char *key_id;
        char *serial;
        uint64_t sequence;
        char hash[72];
        char *previous_hash;
        bool is_copy; /* an earlier entry has the same hash */
};

struct audit_state {
        struct cert_audit a;
        struct valid_cert *valid;
        size_t n_valid;
        const struct cert_public_key *keys;
        size_t n_keys;
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
        char *subj = strdup(subject);
        if (!subj) {
                free(msg);
                return -ENOMEM;
        }
        a->findings[a->n_findings++] =
                (struct cert_finding){ .kind = kind, .subject = subj, .message = msg };
        switch (cert_finding_severity(kind)) {
        case CERT_SEVERITY_PROBLEM:
                a->n_problems++;
                break;
        case CERT_SEVERITY_WARNING:
                a->n_warnings++;
                break;
        default:
                break;
        }
        return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t l = strlen(s), n = strlen(suffix);
        return l > n && strcmp(s + l - n, suffix) == 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
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

/* The key id a .minisig names (its second line: "Ed" or "ED", key id, signature), as minisign
 * prints it — the key that really signed, whatever the record claims. */
static bool minisig_key_id(const char *minisig, char out[2 * CERT_KEY_ID_BYTES + 1])
{
        const char *line = strchr(minisig, '\n');
        if (!line)
                return false;
        line++;
        size_t l = strcspn(line, "\r\n");
        uint8_t bin[2 + CERT_KEY_ID_BYTES + CERT_SIGNATURE_BYTES];
        size_t n = 0;
        if (sodium_base642bin(bin, sizeof bin, line, l, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) <
                    0 ||
            n != sizeof bin)
                return false;
        cert_key_id_hex(bin + 2, out);
        return true;
}

/* The key id part of a serial "KESU-<key id>-<sequence>", or "" when it has another form. */
static void serial_key_id(const char *serial, char out[2 * CERT_KEY_ID_BYTES + 1])
{
        out[0] = 0;
        if (!serial || !has_prefix(serial, "KESU-"))
                return;
        const char *p = serial + 5, *dash = strchr(p, '-');
        if (dash && dash - p == 2 * CERT_KEY_ID_BYTES) {
                memcpy(out, p, 2 * CERT_KEY_ID_BYTES);
                out[2 * CERT_KEY_ID_BYTES] = 0;
        }
}

/* "a; b; c" from the record's failure_reasons. */
static char *join_reasons(const json_t *o)
{
        const json_t *arr = json_object_get(o, "failure_reasons");
        size_t size = 1, i;
        const json_t *v;
        json_array_foreach(arr, i, v)
        {
                if (json_is_string(v))
                        size += strlen(json_string_value(v)) + 2;
        }
        char *s = calloc(1, size);
        if (!s)
                return NULL;
        json_array_foreach(arr, i, v)
        {
                if (!json_is_string(v))
                        continue;
                if (*s)
                        strcat(s, "; ");
                strcat(s, json_string_value(v));
        }
        return s;
}

static int add_record(struct cert_audit *a, const char *path, const char *text, size_t len, const json_t *o,
                      struct cert_audit_record **ret)
{
        struct cert_audit_record *n = realloc(a->records, (a->n_records + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        a->records = n;
        struct cert_audit_record *rec = &a->records[a->n_records];
        *rec = (struct cert_audit_record){ .path = strdup(path) };
        const char *serial = json_string_value(json_object_get(o, "serial"));
        const char *asset = json_string_value(json_object_get(o, "asset_number"));
        rec->serial = serial ? strdup(serial) : NULL;
        rec->asset = strdup(asset ? asset : "");
        rec->failure_reasons = o ? join_reasons(o) : strdup("");
        json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
        rec->sequence = seq > 0 ? (uint64_t)seq : 0;
        if (text)
                cert_hash(text, len, rec->hash);
        a->n_records++;
        if (!rec->path || (serial && !rec->serial) || !rec->asset || !rec->failure_reasons)
                return -ENOMEM;
        *ret = rec;
        return 0;
}

/* The path resolved (symbolic links, "." and ".."), or as given when it cannot be. */
static char *resolve(const char *path)
{
        char *r = realpath(path, NULL);
        return r ? r : strdup(path);
}

/* The PDF beside a record: CERT.json → CERT.pdf. */
static bool pdf_exists(const char *json_path)
{
        char pdf[PATH_MAX];
        size_t l = strlen(json_path);
        if (l < 5 || l - 5 + 4 >= sizeof pdf)
                return true;
        memcpy(pdf, json_path, l - 5);
        memcpy(pdf + l - 5, ".pdf", 5);
        return access(pdf, F_OK) == 0;
}

static int check_file(struct audit_state *s, const char *path, const char *dir)
{
        struct cert_audit *a = &s->a;
        a->n_certificates++;
        _cleanup_free_ char *text = NULL, *sig = NULL, *comment = NULL, *canon = NULL;
        size_t len, canon_len;
        char sig_path[PATH_MAX];
        struct cert_audit_record *rec = NULL;
        int r;
        if (read_full_file(path, &text, &len) < 0) {
                if ((r = add_record(a, path, NULL, 0, NULL, &rec)) < 0)
                        return r;
                return add(a, CERT_MALFORMED, path, "cannot be read");
        }
        json_error_t err;
        json_t *o = json_loadb(text, len, 0, &err);
        if (!o || !json_is_object(o)) {
                json_decref(o);
                if ((r = add_record(a, path, text, len, NULL, &rec)) < 0)
                        return r;
                return add(a, CERT_MALFORMED, path, "not a JSON certificate (truncated or damaged: %s)",
                           err.text);
        }
        if ((r = add_record(a, path, text, len, o, &rec)) < 0)
                goto out;
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
                r = add(a, CERT_ORPHAN, path, "half-filed: no signature file %s", sig_path);
                goto out;
        }
        size_t key_index;
        r = cert_verify_signature(s->keys, s->n_keys, text, len, sig, &comment, &key_index);
        const char *key_id = json_string_value(json_object_get(o, "appliance_key_id"));
        const char *serial = json_string_value(json_object_get(o, "serial"));
        char signer[2 * CERT_KEY_ID_BYTES + 1], claimed_by_serial[2 * CERT_KEY_ID_BYTES + 1];
        bool has_signer = minisig_key_id(sig, signer);
        serial_key_id(serial, claimed_by_serial);
        if (r == -ENOKEY) {
                /* Name the key that really signed (from the signature), not the one the record claims. */
                const char *claimed = key_id ? key_id : claimed_by_serial;
                if (has_signer && *claimed && strcmp(claimed, signer) != 0)
                        r = add(a, CERT_UNKNOWN_KEY, path,
                                "signed by key %s, which is not among the given keys (the record claims "
                                "key %s)",
                                signer, claimed);
                else
                        r = add(a, CERT_UNKNOWN_KEY, path,
                                "signed by key %s, which is not among the given keys",
                                has_signer ? signer
                                : key_id   ? key_id
                                           : "?");
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
        cert_key_id_hex(s->keys[key_index].key_id, signer);
        const char *claimed = key_id && strcmp(key_id, signer) != 0 ? key_id
                              : *claimed_by_serial && strcmp(claimed_by_serial, signer) != 0
                                      ? claimed_by_serial
                                      : NULL;
        if (claimed) {
                r = add(a, CERT_WRONG_KEY, path,
                        "re-signed: the signature is by key %s, but the record%s claims key %s", signer,
                        claimed == claimed_by_serial ? "'s serial" : "", claimed);
                goto out;
        }
        const char *result = json_string_value(json_object_get(o, "result"));
        const char *prev = json_string_value(json_object_get(o, "previous_hash"));
        json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
        char seq_s[32];
        snprintf(seq_s, sizeof seq_s, "%lld", (long long)seq);
        if (!key_id || !serial || !result || !prev || seq <= 0 || !comment_has(comment, "serial", serial) ||
            !comment_has(comment, "sequence", seq_s) || !comment_has(comment, "result", result) ||
            !comment_has(comment, "hash", rec->hash)) {
                r = add(a, CERT_COMMENT_MISMATCH, path, "the signed comment does not match the record");
                goto out;
        }
        struct valid_cert *nv = realloc(s->valid, (s->n_valid + 1) * sizeof *nv);
        if (!nv) {
                r = -ENOMEM;
                goto out;
        }
        s->valid = nv;
        nv += s->n_valid;
        *nv = (struct valid_cert){ .file = strdup(path),
                                   .real_file = resolve(path),
                                   .dir = resolve(dir),
                                   .key_id = strdup(key_id),
                                   .serial = strdup(serial),
                                   .sequence = (uint64_t)seq,
                                   .previous_hash = strdup(prev) };
        snprintf(nv->hash, sizeof nv->hash, "%s", rec->hash);
        s->n_valid++;
        if (!nv->file || !nv->real_file || !nv->dir || !nv->key_id || !nv->serial || !nv->previous_hash) {
                r = -ENOMEM;
                goto out;
        }
        a->n_valid++;
        rec->is_valid = true;
        rec->is_pass = strcmp(result, "PASS") == 0;
        if (rec->is_pass) {
                a->n_pass++;
                r = add(a, CERT_OK, path, "%s sequence %lld: PASS, signature valid", serial, (long long)seq);
        } else {
                a->n_fail++;
                r = add(a, CERT_FAILED_DISPOSAL, path,
                        "%s sequence %lld: signature valid; records a FAILED disposal (asset %s%s%s)",
                        serial, (long long)seq, *rec->asset ? rec->asset : "-",
                        *rec->failure_reasons ? ": " : "", rec->failure_reasons);
        }
        /* The signed record is the evidence; its PDF is only its printable form. */
        if (r >= 0 && !pdf_exists(path))
                r = add(a, CERT_MISSING_PDF, path, "%s has no PDF beside it (the signed record is intact)",
                        serial);
        /* A file named like a certificate must hold that certificate. */
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (r >= 0 && has_prefix(base, "KESU-") &&
            (strncmp(base, serial, strlen(serial)) != 0 || strcmp(base + strlen(serial), ".json") != 0))
                r = add(a, CERT_STRAY, path, "named like a certificate but holds %s", serial);
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
        if (a->sequence != b->sequence)
                return a->sequence < b->sequence ? -1 : 1;
        return strcmp(a->file, b->file);
}

/* Across the valid certificates of each key: gaps, duplicates, forks, broken links; copies of one
 * certificate in different folders are no duplicates. */
static int check_chain(struct cert_audit *a, struct valid_cert *v, size_t n)
{
        if (n == 0)
                return 0;
        qsort(v, n, sizeof *v, cmp_valid);
        int r = 0;
        size_t group = 0, prev_group = SIZE_MAX; /* first index of this and the previous sequence */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                bool is_first_of_key = i == 0 || strcmp(v[i].key_id, v[i - 1].key_id) != 0;
                char subject[64];
                snprintf(subject, sizeof subject, "key %s", v[i].key_id);
                if (is_first_of_key) {
                        group = i;
                        prev_group = SIZE_MAX;
                        if (v[i].sequence > 1)
                                r = add(a, CERT_GAP, subject, "certificates 1 to %" PRIu64 " are missing",
                                        v[i].sequence - 1);
                        continue;
                }
                if (v[i].sequence == v[group].sequence) {
                        struct valid_cert *same = NULL;
                        for (size_t k = group; k < i && !same; k++)
                                if (strcmp(v[k].hash, v[i].hash) == 0)
                                        same = &v[k];
                        if (same) {
                                v[i].is_copy = true;
                                if (strcmp(same->dir, v[i].dir) != 0)
                                        r = add(a, CERT_COPY, v[i].file,
                                                "sequence %" PRIu64 ": the same certificate as %s (a copy)",
                                                v[i].sequence, same->file);
                                else if (strcmp(same->real_file, v[i].real_file) != 0)
                                        r = add(a, CERT_DUPLICATE, v[i].file,
                                                "sequence %" PRIu64
                                                " appears twice (same certificate as %s)",
                                                v[i].sequence, same->file);
                                continue;
                        }
                        bool is_same_serial = strcmp(v[i].serial, v[group].serial) == 0;
                        r = add(a, CERT_DUPLICATE, v[i].file,
                                "sequence %" PRIu64 " appears twice with different content (also %s)%s%s%s",
                                v[i].sequence, v[group].file, is_same_serial ? ": serial " : "",
                                is_same_serial ? v[i].serial : "",
                                is_same_serial ? " was issued twice" : "");
                        if (r < 0 || prev_group == SIZE_MAX)
                                continue;
                } else {
                        prev_group = group;
                        group = i;
                        struct valid_cert *p = &v[prev_group];
                        if (v[i].sequence > p->sequence + 1) {
                                if (v[i].sequence == p->sequence + 2)
                                        r = add(a, CERT_GAP, subject, "certificate %" PRIu64 " is missing",
                                                p->sequence + 1);
                                else
                                        r = add(a, CERT_GAP, subject,
                                                "certificates %" PRIu64 " to %" PRIu64 " are missing",
                                                p->sequence + 1, v[i].sequence - 1);
                                prev_group = SIZE_MAX; /* no predecessor to link to */
                                continue;
                        }
                }
                if (prev_group == SIZE_MAX)
                        continue;
                /* It must follow one of the certificates of the sequence before. */
                bool is_linked = false;
                for (size_t k = prev_group; k < group && !is_linked; k++)
                        is_linked = strcmp(v[i].previous_hash, v[k].hash) == 0;
                if (!is_linked)
                        r = add(a, CERT_BROKEN_CHAIN, v[i].file,
                                "does not follow certificate %" PRIu64 " (%s): its previous hash differs",
                                v[prev_group].sequence, v[prev_group].file);
        }
        /* Forks: two certificates of one key naming the same predecessor. */
        for (size_t i = 0; r >= 0 && i < n; i++)
                for (size_t k = i + 1; r >= 0 && k < n; k++)
                        if (!v[i].is_copy && !v[k].is_copy && strcmp(v[i].key_id, v[k].key_id) == 0 &&
                            v[i].sequence != v[k].sequence && v[i].previous_hash[0] &&
                            strcmp(v[i].previous_hash, v[k].previous_hash) == 0)
                                r = add(a, CERT_FORK, v[k].file, "forks the chain: it and %s both follow %s",
                                        v[i].file, v[i].previous_hash);
        return r;
}

static int cmp_valid_ptr_serial(const void *x, const void *y)
{
        const struct valid_cert *a = *(struct valid_cert *const *)x, *b = *(struct valid_cert *const *)y;
        int c = strcmp(a->serial, b->serial);
        return c ? c : strcmp(a->hash, b->hash);
}

/* One serial, two different records under different key ids or sequences (the same key id and
 * sequence are reported by the chain). */
static int check_serials(struct cert_audit *a, struct valid_cert *v, size_t n)
{
        if (n < 2)
                return 0;
        struct valid_cert **p = calloc(n, sizeof *p);
        if (!p)
                return -ENOMEM;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
                if (!v[i].is_copy)
                        p[m++] = &v[i];
        qsort(p, m, sizeof *p, cmp_valid_ptr_serial);
        int r = 0;
        for (size_t i = 1; r >= 0 && i < m; i++) {
                struct valid_cert *x = p[i - 1], *y = p[i];
                if (strcmp(x->serial, y->serial) != 0 || strcmp(x->hash, y->hash) == 0 ||
                    (strcmp(x->key_id, y->key_id) == 0 && x->sequence == y->sequence))
                        continue;
                r = add(a, CERT_DUPLICATE, y->file,
                        "serial %s was issued twice: also %s (key %s sequence %" PRIu64 ")", y->serial,
                        x->file, x->key_id, x->sequence);
        }
        free(p);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strv(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* The names in a folder, sorted. */
static int list_names(const char *dir, char ***ret, size_t *ret_n)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                char **nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                if (!(v[n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r < 0) {
                free_strv(v, n);
                return r;
        }
        if (n)
                qsort(v, n, sizeof *v, cmp_str);
        *ret = v;
        *ret_n = n;
        return 0;
}

static bool names_have(char **names, size_t n, const char *name)
{
        return n && bsearch(&name, names, n, sizeof *names, cmp_str) != NULL;
}

/* Everything below a folder the issuer set aside: listed, not checked, not lost from view. */
static int list_set_aside(struct cert_audit *a, const char *dir, int depth)
{
        char **names = NULL;
        size_t n = 0;
        int r = list_names(dir, &names, &n);
        if (r < 0)
                return add(a, CERT_SET_ASIDE, dir, "a set-aside folder that cannot be read: %s",
                           strerror(-r));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;
                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                        r = depth < 8 ? list_set_aside(a, path, depth + 1) : 0;
                        continue;
                }
                r = add(a, CERT_SET_ASIDE, path,
                        "set aside by the issuer (a half-filed or damaged file); not part of the chain");
        }
        free_strv(names, n);
        return r;
}

/* A folder: its records (*.json) and the files around them. */
static int check_dir(struct audit_state *s, const char *dir)
{
        struct cert_audit *a = &s->a;
        char **names = NULL;
        size_t n = 0;
        int r = list_names(dir, &names, &n);
        if (r < 0)
                return add(a, CERT_MALFORMED, dir, "the folder cannot be read: %s", strerror(-r));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *name = names[i];
                _cleanup_free_ char *path = NULL, *partner = NULL;
                struct stat st;
                if (asprintf(&path, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (lstat(path, &st) < 0)
                        continue; /* gone while we looked */
                if (S_ISDIR(st.st_mode)) {
                        if (strcmp(name, "set-aside") == 0 || strcmp(name, "quarantine") == 0)
                                r = list_set_aside(a, path, 0);
                        continue;
                }
                if (has_suffix(name, ".tmp")) {
                        r = add(a, CERT_LEFTOVER_TEMP, path,
                                "a leftover temporary file (a write was interrupted)");
                        continue;
                }
                if (has_suffix(name, ".json")) {
                        r = check_file(s, path, dir);
                        continue;
                }
                if (has_suffix(name, ".json.minisig")) {
                        if (!(partner = strndup(name, strlen(name) - strlen(".minisig")))) {
                                r = -ENOMEM;
                                break;
                        }
                        if (!names_have(names, n, partner))
                                r = add(a, CERT_ORPHAN, path,
                                        "half-filed: a signature without its record %s", partner);
                        continue;
                }
                if (!has_prefix(name, "KESU-"))
                        continue; /* not ours: the export stick may hold anything */
                if (has_suffix(name, ".pdf")) {
                        if (asprintf(&partner, "%.*s.json", (int)(strlen(name) - 4), name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        if (!names_have(names, n, partner))
                                r = add(a, CERT_ORPHAN, path, "a PDF without its record %s", partner);
                        continue;
                }
                r = add(a, CERT_STRAY, path,
                        "named like a certificate but none of its files (.json, .json.minisig, .pdf)");
        }
        free_strv(names, n);
        return r;
}

static void state_free_valid(struct audit_state *s)
{
        for (size_t i = 0; i < s->n_valid; i++) {
                free(s->valid[i].file);
                free(s->valid[i].real_file);
                free(s->valid[i].dir);
                free(s->valid[i].key_id);
                free(s->valid[i].serial);
                free(s->valid[i].previous_hash);
        }
        free(s->valid);
        s->valid = NULL;
        s->n_valid = 0;
}

/* A file given by name: its folder is where a copy elsewhere is told from a duplicate. */
static int check_named_file(struct audit_state *s, const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (slash)
                slash[slash == dir] = 0;
        return check_file(s, path, slash ? dir : ".");
}

/* The resolved parent folder of a resolved path. */
static bool is_in_folder(const char *resolved_file, const char *resolved_dir)
{
        size_t l = strlen(resolved_dir);
        return strncmp(resolved_file, resolved_dir, l) == 0 && resolved_file[l] == '/' &&
               !strchr(resolved_file + l + 1, '/');
}

int cert_audit_paths(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     struct cert_audit *ret)
{
        struct audit_state s = { .keys = keys, .n_keys = n_keys };
        char **resolved = calloc(n_paths ? n_paths : 1, sizeof *resolved);
        bool *is_dir = calloc(n_paths ? n_paths : 1, sizeof *is_dir);
        int r = resolved && is_dir ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                struct stat st;
                if (stat(paths[i], &st) < 0)
                        continue;
                is_dir[i] = S_ISDIR(st.st_mode);
                if (!(resolved[i] = resolve(paths[i])))
                        r = -ENOMEM;
        }
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                if (!resolved[i]) {
                        r = add(&s.a, CERT_MALFORMED, paths[i], "does not exist");
                        continue;
                }
                /* Something named twice (say "certs", "./certs/" and "certs/X.json") is checked once. */
                bool is_seen = false;
                for (size_t k = 0; k < n_paths && !is_seen; k++)
                        is_seen = resolved[k] &&
                                  ((k < i && strcmp(resolved[k], resolved[i]) == 0) ||
                                   (!is_dir[i] && is_dir[k] && has_suffix(resolved[i], ".json") &&
                                    is_in_folder(resolved[i], resolved[k])));
                if (!is_seen)
                        r = is_dir[i] ? check_dir(&s, paths[i]) : check_named_file(&s, paths[i]);
        }
        if (resolved)
                free_strv(resolved, n_paths);
        free(is_dir);
        if (r >= 0)
                r = check_chain(&s.a, s.valid, s.n_valid);
        if (r >= 0)
                r = check_serials(&s.a, s.valid, s.n_valid);
        state_free_valid(&s);
        if (r < 0) {
                cert_audit_done(&s.a);
                return r;
        }
        *ret = s.a;
        return 0;
}

enum cert_qr_match cert_audit_match_qr(const struct cert_audit *a, const struct cert_qr_fields *f,
                                       const struct cert_audit_record **ret_record)
{
        const struct cert_audit_record *different = NULL;
        for (size_t i = 0; i < a->n_records; i++) {
                const struct cert_audit_record *rec = &a->records[i];
                if (strcmp(rec->hash, f->record_hash) == 0) {
                        *ret_record = rec;
                        return CERT_QR_MATCH;
                }
                const char *base = strrchr(rec->path, '/');
                base = base ? base + 1 : rec->path;
                bool is_named = strncmp(base, f->serial, strlen(f->serial)) == 0 &&
                                strcmp(base + strlen(f->serial), ".json") == 0;
                if (!different && ((rec->serial && strcmp(rec->serial, f->serial) == 0) || is_named))
                        different = rec;
        }
        if (!different)
                return CERT_QR_NOT_FOUND;
        *ret_record = different;
        return CERT_QR_DIFFERENT;
}

void cert_audit_done(struct cert_audit *a)
{
        for (size_t i = 0; i < a->n_findings; i++) {
                free(a->findings[i].subject);
                free(a->findings[i].message);
        }
        free(a->findings);
        for (size_t i = 0; i < a->n_records; i++) {
                free(a->records[i].path);
                free(a->records[i].serial);
                free(a->records[i].asset);
                free(a->records[i].failure_reasons);
        }
        free(a->records);
        *a = (struct cert_audit){ 0 };
}
