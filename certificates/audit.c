/* SPDX-License-Identifier: MIT */
/*
 * The auditor's check of certificate files and folders: each record's form and signature, its
 * trusted comment against its content, the files around it (half-filed, stray, temporary, set
 * aside, a missing PDF), and, across everything given, the chain and the serials — missing,
 * duplicated, forked or re-linked certificates, a serial issued twice. It trusts nothing but the
 * public keys it is given.
 *
 * This file checks the files; audit-chain.c checks across them. It is built for folders of
 * 100,000 certificates: the files are walked in order into a work list of up to AUDIT_CHUNK
 * entries; the certificates in it are checked on every CPU (parse, canonical form, signature: each
 * on its own), then their results are taken in list order, so the findings are the same whatever
 * the number of threads. Only the small facts the chain needs are kept per certificate (struct
 * valid_cert), never a record's JSON tree.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit-internal.h"
#include "common.h"

/* Work-list entries between two parallel checks: enough to keep both CPUs busy, small enough that
 * the results waiting to be taken stay a few hundred KiB. */
#define AUDIT_CHUNK       1024
#define AUDIT_MAX_THREADS 16

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
        [CERT_LEDGER_MISMATCH] = "ledger-mismatch",
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

/* A finding a file check makes, before it is taken into the audit. */
struct pending_finding {
        enum cert_finding_kind kind;
        char *message;
};

/* One *.json to check: the input, and what the check found (filled by a worker thread). */
struct file_check {
        const char *path;
        const char *dir;
        int has_pdf; /* 1 / 0 as the folder's listing says, -1: look */
        int error;   /* -ENOMEM: the audit stops */
        struct cert_audit_record rec;
        struct pending_finding findings[4];
        size_t n_findings;
        bool is_valid;
        char key_id[2 * CERT_KEY_ID_BYTES + 1]; /* the signer's; or, not valid, the key the record claims */
        char *previous_hash;
};

/* The work list: files to check and findings about other files, in the order they were met. */
struct work_item {
        bool is_file;
        char *path;                  /* the file checked, or the finding's subject */
        enum cert_finding_kind kind; /* !is_file */
        char *message;               /* !is_file */
        struct file_check check;     /* is_file */
};

/* Doubling: n log n copies at worst, not n². */
int audit_grow(void *array, size_t *size, size_t n, size_t elem)
{
        if (n < *size)
                return 0;
        size_t new_size = *size ? 2 * *size : 64;
        void *p = reallocarray(*(void **)array, new_size, elem);
        if (!p)
                return -ENOMEM;
        *(void **)array = p;
        *size = new_size;
        return 0;
}

/* Takes ownership of subject and message (freed on failure too). */
static int add_owned(struct audit_state *s, enum cert_finding_kind kind, char *subject, char *message,
                     size_t record)
{
        struct cert_audit *a = &s->a;
        if (!subject || !message ||
            audit_grow(&a->findings, &s->findings_size, a->n_findings, sizeof *a->findings) < 0) {
                free(subject);
                free(message);
                return -ENOMEM;
        }
        a->findings[a->n_findings++] = (struct cert_finding){
                .kind = kind, .subject = subject, .message = message, .record = record
        };
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

int audit_add(struct audit_state *s, enum cert_finding_kind kind, const char *subject, size_t record,
              const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        return add_owned(s, kind, strdup(subject), r < 0 ? NULL : msg, record);
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

void audit_serial_key_id(const char *serial, char out[2 * CERT_KEY_ID_BYTES + 1])
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

/* A string at a path of object keys ("times", "ended_jst", NULL), or "". */
static const char *get_str(const json_t *o, ...)
{
        va_list ap;
        va_start(ap, o);
        for (const char *key; o && (key = va_arg(ap, const char *));)
                o = json_object_get(o, key);
        va_end(ap);
        const char *v = json_string_value(o);
        return v ? v : "";
}

/* The disposal's end in JST: the record's ended_jst, or its ended_utc moved to +09:00. */
static void date_jst(const json_t *o, char out[40])
{
        const char *jst = get_str(o, "times", "ended_jst", NULL),
                   *utc = get_str(o, "times", "ended_utc", NULL);
        out[0] = 0;
        if (has_suffix(jst, "+09:00") && strlen(jst) < 40) {
                strcpy(out, jst);
                return;
        }
        struct tm tm = { 0 };
        const char *end = strptime(utc, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || strcmp(end, "Z") != 0)
                return;
        time_t t = timegm(&tm) + 9 * 3600;
        gmtime_r(&t, &tm);
        strftime(out, 40, "%Y-%m-%dT%H:%M:%S+09:00", &tm);
}

/* The report's fields in one allocation: the struct, then its strings. */
static struct cert_report_fields *report_fields(const json_t *o)
{
        char jst[40];
        date_jst(o, jst);
        const char *v[] = {
                jst,
                get_str(o, "confidentiality", "before", NULL),
                get_str(o, "destination", NULL),
                get_str(o, "sanitization", "method", NULL),
                get_str(o, "sanitization", "achieved_level", NULL),
                get_str(o, "sanitization", "required_level", NULL),
                get_str(o, "result", NULL),
                get_str(o, "people", "operator", NULL),
                get_str(o, "people", "witness", NULL),
                get_str(o, "people", "operator_name", NULL),
                get_str(o, "people", "witness_name", NULL),
                get_str(o, "organization", NULL),
                get_str(o, "media", "model", NULL),
                get_str(o, "media", "serial", NULL),
                get_str(o, "appliance_key_id", NULL),
        };
        size_t size = sizeof(struct cert_report_fields);
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                size += strlen(v[i]) + 1;
        struct cert_report_fields *f = malloc(size);
        if (!f)
                return NULL;
        const char **slots[] = { &f->date_jst,   &f->class_label,    &f->destination,  &f->method,
                                 &f->level,      &f->required_level, &f->result,       &f->operator_id,
                                 &f->witness_id, &f->operator_name,  &f->witness_name, &f->organization,
                                 &f->disk_model, &f->disk_serial,    &f->key_id };
        char *p = (char *)(f + 1);
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                size_t n = strlen(v[i]) + 1;
                memcpy(p, v[i], n);
                *slots[i] = p;
                p += n;
        }
        const json_t *cap = json_object_get(json_object_get(o, "media"), "capacity_bytes");
        f->capacity_bytes = json_is_integer(cap) ? (int64_t)json_integer_value(cap) : -1;
        return f;
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

static void note(struct file_check *c, enum cert_finding_kind kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* A finding about the file checked; without memory for it the whole audit stops (c->error). */
static void note(struct file_check *c, enum cert_finding_kind kind, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0 || c->n_findings >= ELEMENTSOF(c->findings)) {
                if (r >= 0)
                        free(msg);
                c->error = -ENOMEM;
                return;
        }
        c->findings[c->n_findings++] = (struct pending_finding){ .kind = kind, .message = msg };
}

/* What the record is, for the FAIL list, the QR match and the report. */
static void fill_record(struct file_check *c, const char *text, size_t len, const json_t *o, bool is_report)
{
        struct cert_audit_record *rec = &c->rec;
        const char *serial = json_string_value(json_object_get(o, "serial"));
        const char *asset = json_string_value(json_object_get(o, "asset_number"));
        rec->serial = serial ? strdup(serial) : NULL;
        rec->asset = strdup(asset ? asset : "");
        rec->failure_reasons = o ? join_reasons(o) : strdup("");
        json_int_t seq = json_integer_value(json_object_get(o, "sequence"));
        rec->sequence = seq > 0 ? (uint64_t)seq : 0;
        if (text)
                cert_hash(text, len, rec->hash);
        if (is_report && o)
                rec->report = report_fields(o);
        if ((serial && !rec->serial) || !rec->asset || !rec->failure_reasons ||
            (is_report && o && !rec->report))
                c->error = -ENOMEM;
}

/* One record and its signature: everything that can be said of it alone. Runs on a worker thread:
 * touches nothing but c (and reads the keys). */
static void check_file(const struct audit_state *s, struct file_check *c)
{
        const char *path = c->path;
        bool is_report = s->opts.is_report;
        _cleanup_free_ char *text = NULL, *sig = NULL, *comment = NULL, *canon = NULL;
        size_t len, canon_len;
        char sig_path[PATH_MAX];
        if (read_full_file(path, &text, &len) < 0) {
                fill_record(c, NULL, 0, NULL, is_report);
                note(c, CERT_MALFORMED, "cannot be read");
                return;
        }
        json_error_t err;
        json_t *o = json_loadb(text, len, 0, &err);
        if (!o || !json_is_object(o)) {
                json_decref(o);
                fill_record(c, text, len, NULL, is_report);
                note(c, CERT_MALFORMED, "not a JSON certificate (truncated or damaged: %s)", err.text);
                return;
        }
        fill_record(c, text, len, o, is_report);
        struct cert_audit_record *rec = &c->rec;
        /* until it verifies, the key it claims (by its key id, else its serial) */
        const char *claimed_key = json_string_value(json_object_get(o, "appliance_key_id"));
        if (claimed_key && strlen(claimed_key) == 2 * CERT_KEY_ID_BYTES)
                snprintf(c->key_id, sizeof c->key_id, "%s", claimed_key);
        else
                audit_serial_key_id(json_string_value(json_object_get(o, "serial")), c->key_id);
        const char *format = json_string_value(json_object_get(o, "format"));
        if (!format || strcmp(format, CERT_FORMAT) != 0) {
                note(c, CERT_MALFORMED, "not a kesu certificate (format tag missing)");
                goto out;
        }
        /* The signed bytes must be the canonical form: nothing can hide in white space or key order. */
        if (cert_canonical(o, &canon, &canon_len) < 0) {
                c->error = -ENOMEM;
                goto out;
        }
        if (canon_len != len || memcmp(canon, text, len) != 0) {
                note(c, CERT_MALFORMED, "not in canonical form (edited by hand?)");
                goto out;
        }
        snprintf(sig_path, sizeof sig_path, "%s.minisig", path);
        if (read_full_file(sig_path, &sig, NULL) < 0) {
                note(c, CERT_ORPHAN, "half-filed: no signature file %s", sig_path);
                goto out;
        }
        size_t key_index;
        int r = cert_verify_signature(s->keys, s->n_keys, text, len, sig, &comment, &key_index);
        const char *key_id = json_string_value(json_object_get(o, "appliance_key_id"));
        const char *serial = json_string_value(json_object_get(o, "serial"));
        char signer[2 * CERT_KEY_ID_BYTES + 1], claimed_by_serial[2 * CERT_KEY_ID_BYTES + 1];
        bool has_signer = minisig_key_id(sig, signer);
        audit_serial_key_id(serial, claimed_by_serial);
        if (r == -ENOKEY) {
                /* Name the key that really signed (from the signature), not the one the record claims. */
                const char *claimed = key_id ? key_id : claimed_by_serial;
                if (has_signer && *claimed && strcmp(claimed, signer) != 0)
                        note(c, CERT_UNKNOWN_KEY,
                             "signed by key %s, which is not among the given keys (the record claims "
                             "key %s)",
                             signer, claimed);
                else
                        note(c, CERT_UNKNOWN_KEY, "signed by key %s, which is not among the given keys",
                             has_signer ? signer
                             : key_id   ? key_id
                                        : "?");
                goto out;
        }
        if (r == -EBADMSG) {
                note(c, CERT_MALFORMED, "the signature file is damaged");
                goto out;
        }
        if (r == -ENOMEM) {
                c->error = r;
                goto out;
        }
        if (r < 0) {
                note(c, CERT_BAD_SIGNATURE, "the signature does not match: the certificate was altered");
                goto out;
        }
        cert_key_id_hex(s->keys[key_index].key_id, signer);
        const char *claimed = key_id && strcmp(key_id, signer) != 0 ? key_id
                              : *claimed_by_serial && strcmp(claimed_by_serial, signer) != 0
                                      ? claimed_by_serial
                                      : NULL;
        if (claimed) {
                note(c, CERT_WRONG_KEY,
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
                note(c, CERT_COMMENT_MISMATCH, "the signed comment does not match the record");
                goto out;
        }
        /* key_id is the signer's: 16 hex digits */
        snprintf(c->key_id, sizeof c->key_id, "%s", key_id);
        if (!(c->previous_hash = strdup(prev))) {
                c->error = -ENOMEM;
                goto out;
        }
        c->is_valid = true;
        rec->is_valid = true;
        rec->is_pass = strcmp(result, "PASS") == 0;
        if (rec->is_pass)
                note(c, CERT_OK, "%s sequence %lld: PASS, signature valid", serial, (long long)seq);
        else
                note(c, CERT_FAILED_DISPOSAL,
                     "%s sequence %lld: signature valid; records a FAILED disposal (asset %s%s%s)", serial,
                     (long long)seq, *rec->asset ? rec->asset : "-", *rec->failure_reasons ? ": " : "",
                     rec->failure_reasons);
        /* The signed record is the evidence; its PDF is only its printable form. */
        if (c->has_pdf == 0 || (c->has_pdf < 0 && !pdf_exists(path)))
                note(c, CERT_MISSING_PDF, "%s has no PDF beside it (the signed record is intact)", serial);
        /* A file named like a certificate must hold that certificate. */
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (has_prefix(base, "KESU-") &&
            (strncmp(base, serial, strlen(serial)) != 0 || strcmp(base + strlen(serial), ".json") != 0))
                note(c, CERT_STRAY, "named like a certificate but holds %s", serial);
out:
        json_decref(o);
}

/* ---- the work list: checked in parallel, taken in order --------------------------------------- */

struct pool {
        const struct audit_state *s;
        struct work_item *items;
        size_t n;
        size_t next; /* taken with __atomic_fetch_add */
};

static void *pool_worker(void *userdata)
{
        struct pool *p = userdata;
        for (;;) {
                size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
                if (i >= p->n)
                        return NULL;
                if (p->items[i].is_file)
                        check_file(p->s, &p->items[i].check);
        }
}

static void free_check(struct file_check *c)
{
        free(c->rec.serial);
        free(c->rec.asset);
        free(c->rec.failure_reasons);
        free(c->rec.report);
        for (size_t i = 0; i < c->n_findings; i++)
                free(c->findings[i].message);
        free(c->previous_hash);
}

/* Takes one checked file into the audit: its record, its findings and, when valid, its chain facts. */
static int take_check(struct audit_state *s, struct work_item *w)
{
        struct file_check *c = &w->check;
        struct cert_audit *a = &s->a;
        int r = c->error;
        if (r >= 0)
                r = audit_grow(&a->records, &s->records_size, a->n_records, sizeof *a->records);
        if (r >= 0 && c->is_valid)
                r = audit_grow(&s->valid, &s->valid_size, s->n_valid, sizeof *s->valid);
        if (r < 0) {
                free(w->path);
                free_check(c);
                return r;
        }
        a->n_certificates++;
        size_t index = a->n_records++;
        struct cert_audit_record *rec = &a->records[index];
        *rec = c->rec;
        rec->path = w->path; /* the record owns it from here */
        c->rec = (struct cert_audit_record){ 0 };
        for (size_t i = 0; i < c->n_findings; i++) {
                if (r >= 0)
                        r = add_owned(s, c->findings[i].kind, strdup(rec->path), c->findings[i].message,
                                      index + 1);
                else
                        free(c->findings[i].message);
                c->findings[i].message = NULL;
        }
        c->n_findings = 0;
        if (r >= 0 && !c->is_valid && rec->sequence > 0 && c->key_id[0]) {
                if ((r = audit_grow(&s->claims, &s->claims_size, s->n_claims, sizeof *s->claims)) >= 0) {
                        struct claim *cl = &s->claims[s->n_claims++];
                        snprintf(cl->key_id, sizeof cl->key_id, "%s", c->key_id);
                        cl->sequence = rec->sequence;
                }
        }
        if (r >= 0 && c->is_valid) {
                a->n_valid++;
                if (rec->is_pass)
                        a->n_pass++;
                else
                        a->n_fail++;
                struct valid_cert *v = &s->valid[s->n_valid++];
                *v = (struct valid_cert){ .file = rec->path,
                                          .serial = rec->serial,
                                          .dir = c->dir,
                                          .previous_hash = c->previous_hash,
                                          .record = index,
                                          .sequence = rec->sequence };
                snprintf(v->key_id, sizeof v->key_id, "%s", c->key_id);
                snprintf(v->hash, sizeof v->hash, "%s", rec->hash);
                c->previous_hash = NULL;
        }
        free_check(c);
        return r;
}

/* Checks the files in the work list on every CPU, then takes everything in list order. */
static int flush_work(struct audit_state *s)
{
        size_t n_files = 0;
        for (size_t i = 0; i < s->n_work; i++)
                n_files += s->work[i].is_file;
        struct pool p = { .s = s, .items = s->work, .n = s->n_work };
        pthread_t threads[AUDIT_MAX_THREADS];
        size_t n_started = 0;
        while (n_files > 1 && n_started + 1 < s->n_threads && n_started + 1 < n_files &&
               pthread_create(&threads[n_started], NULL, pool_worker, &p) == 0)
                n_started++;
        pool_worker(&p); /* this thread works too: with one CPU, it is the only one */
        for (size_t i = 0; i < n_started; i++)
                pthread_join(threads[i], NULL);

        int r = 0;
        for (size_t i = 0; i < s->n_work; i++) {
                struct work_item *w = &s->work[i];
                if (r < 0) {
                        free(w->path);
                        free(w->message);
                        if (w->is_file)
                                free_check(&w->check);
                } else if (w->is_file)
                        r = take_check(s, w);
                else
                        r = add_owned(s, w->kind, w->path, w->message, 0);
        }
        s->n_work = 0;
        return r;
}

static int queue_file(struct audit_state *s, const char *path, const char *dir, int has_pdf)
{
        struct work_item *w = &s->work[s->n_work];
        *w = (struct work_item){ .is_file = true, .path = strdup(path) };
        if (!w->path)
                return -ENOMEM;
        w->check = (struct file_check){ .path = w->path, .dir = dir, .has_pdf = has_pdf };
        s->n_work++;
        return s->n_work == AUDIT_CHUNK ? flush_work(s) : 0;
}

static int queue(struct audit_state *s, enum cert_finding_kind kind, const char *subject, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));
/* A finding about a file that is not checked as a certificate, in its place in the order. */
static int queue(struct audit_state *s, enum cert_finding_kind kind, const char *subject, const char *fmt,
                 ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        char *subj = strdup(subject);
        if (r < 0 || !subj) {
                if (r >= 0)
                        free(msg);
                free(subj);
                return -ENOMEM;
        }
        s->work[s->n_work++] = (struct work_item){ .path = subj, .kind = kind, .message = msg };
        return s->n_work == AUDIT_CHUNK ? flush_work(s) : 0;
}

/* ---- walking the paths given ------------------------------------------------------------------- */

char *audit_resolve(const char *path)
{
        char *r = realpath(path, NULL);
        return r ? r : strdup(path);
}

/* A resolved folder, kept for the valid certificates that point to it. */
static const char *keep_dir(struct audit_state *s, const char *dir)
{
        char *d = audit_resolve(dir);
        if (!d || audit_grow(&s->dirs, &s->dirs_size, s->n_dirs, sizeof *s->dirs) < 0) {
                free(d);
                return NULL;
        }
        return s->dirs[s->n_dirs++] = d;
}

struct name {
        char *name;
        unsigned char type; /* d_type: DT_DIR, DT_REG, DT_LNK…, DT_UNKNOWN */
};

static int cmp_name(const void *a, const void *b)
{
        return strcmp(((const struct name *)a)->name, ((const struct name *)b)->name);
}

static void free_names(struct name *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
}

/* The names in a folder, sorted. */
static int list_names(const char *dir, struct name **ret, size_t *ret_n)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        struct name *v = NULL;
        size_t n = 0, size = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if ((r = audit_grow(&v, &size, n, sizeof *v)) < 0)
                        break;
                if (!(v[n].name = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                v[n++].type = de->d_type;
        }
        closedir(d);
        if (r < 0) {
                free_names(v, n);
                return r;
        }
        if (n)
                qsort(v, n, sizeof *v, cmp_name);
        *ret = v;
        *ret_n = n;
        return 0;
}

static bool names_have(const struct name *names, size_t n, const char *name)
{
        struct name key = { .name = (char *)name };
        return n && bsearch(&key, names, n, sizeof *names, cmp_name) != NULL;
}

/* Is dir/name a folder? From the listing, or from lstat when the file system does not say.
 * -ENOENT: gone while we looked. */
static int is_folder(const char *path, unsigned char type)
{
        if (type != DT_UNKNOWN)
                return type == DT_DIR;
        struct stat st;
        if (lstat(path, &st) < 0)
                return -ENOENT;
        return S_ISDIR(st.st_mode);
}

/* Everything below a folder the issuer set aside: listed, not checked, not lost from view. */
static int list_set_aside(struct audit_state *s, const char *dir, int depth)
{
        struct name *names = NULL;
        size_t n = 0;
        int r = list_names(dir, &names, &n);
        if (r < 0)
                return queue(s, CERT_SET_ASIDE, dir, "a set-aside folder that cannot be read: %s",
                             strerror(-r));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, names[i].name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (is_folder(path, names[i].type) > 0) {
                        r = depth < 8 ? list_set_aside(s, path, depth + 1) : 0;
                        continue;
                }
                r = queue(s, CERT_SET_ASIDE, path,
                          "set aside by the issuer (a half-filed or damaged file); not part of the chain");
        }
        free_names(names, n);
        return r;
}

/* A folder: its records (*.json) and the files around them. */
static int check_dir(struct audit_state *s, const char *dir)
{
        struct name *names = NULL;
        size_t n = 0;
        int r = list_names(dir, &names, &n);
        if (r < 0)
                return queue(s, CERT_MALFORMED, dir, "the folder cannot be read: %s", strerror(-r));
        const char *resolved_dir = keep_dir(s, dir);
        if (!resolved_dir)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *name = names[i].name;
                _cleanup_free_ char *path = NULL, *partner = NULL;
                if (asprintf(&path, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                int is_dir = is_folder(path, names[i].type);
                if (is_dir < 0)
                        continue; /* gone while we looked */
                if (is_dir) {
                        if (strcmp(name, "set-aside") == 0 || strcmp(name, "quarantine") == 0)
                                r = list_set_aside(s, path, 0);
                        continue;
                }
                if (has_suffix(name, ".tmp")) {
                        r = queue(s, CERT_LEFTOVER_TEMP, path,
                                  "a leftover temporary file (a write was interrupted)");
                        continue;
                }
                if (has_suffix(name, ".json")) {
                        if (asprintf(&partner, "%.*s.pdf", (int)(strlen(name) - 5), name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        r = queue_file(s, path, resolved_dir, names_have(names, n, partner));
                        continue;
                }
                if (has_suffix(name, ".json.minisig")) {
                        if (!(partner = strndup(name, strlen(name) - strlen(".minisig")))) {
                                r = -ENOMEM;
                                break;
                        }
                        if (!names_have(names, n, partner))
                                r = queue(s, CERT_ORPHAN, path,
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
                                r = queue(s, CERT_ORPHAN, path, "a PDF without its record %s", partner);
                        continue;
                }
                r = queue(s, CERT_STRAY, path,
                          "named like a certificate but none of its files (.json, .json.minisig, .pdf)");
        }
        free_names(names, n);
        return r;
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
        const char *resolved_dir = keep_dir(s, slash ? dir : ".");
        if (!resolved_dir)
                return -ENOMEM;
        return queue_file(s, path, resolved_dir, -1);
}

/* ---- the whole check ---------------------------------------------------------------------------- */

static void state_free(struct audit_state *s)
{
        for (size_t i = 0; i < s->n_valid; i++)
                free(s->valid[i].previous_hash);
        free(s->valid);
        free(s->claims);
        for (size_t i = 0; i < s->n_dirs; i++)
                free(s->dirs[i]);
        free(s->dirs);
        for (size_t i = 0; i < s->n_work; i++) {
                free(s->work[i].path);
                free(s->work[i].message);
                if (s->work[i].is_file)
                        free_check(&s->work[i].check);
        }
        free(s->work);
}

struct given {
        char *resolved; /* NULL: does not exist */
        size_t index;
        bool is_dir;
};

static int cmp_given(const void *x, const void *y)
{
        const struct given *a = x, *b = y;
        int c = strcmp(a->resolved ? a->resolved : "", b->resolved ? b->resolved : "");
        return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Something named twice (say "certs", "./certs/" and "certs/X.json") is checked once: at its first
 * naming, and a *.json inside a folder given is checked with the folder. is_skipped[i] says which. */
static int mark_seen(char *const *paths, size_t n, bool *is_skipped)
{
        _cleanup_free_ struct given *g = calloc(n ? n : 1, sizeof *g);
        _cleanup_free_ char **dirs = calloc(n ? n : 1, sizeof *dirs);
        if (!g || !dirs)
                return -ENOMEM;
        int r = 0;
        size_t n_dirs = 0;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                g[i].index = i;
                if (stat(paths[i], &st) < 0)
                        continue;
                g[i].is_dir = S_ISDIR(st.st_mode);
                if (!(g[i].resolved = audit_resolve(paths[i]))) {
                        r = -ENOMEM;
                        goto out;
                }
                if (g[i].is_dir)
                        dirs[n_dirs++] = g[i].resolved;
        }
        if (n_dirs)
                qsort(dirs, n_dirs, sizeof *dirs, cmp_str);
        for (size_t i = 0; i < n; i++) {
                const char *f = g[i].resolved;
                const char *slash = f ? strrchr(f, '/') : NULL;
                if (!f || g[i].is_dir || !has_suffix(f, ".json") || !slash || slash == f)
                        continue;
                _cleanup_free_ char *parent = strndup(f, (size_t)(slash - f));
                if (!parent) {
                        r = -ENOMEM;
                        goto out;
                }
                is_skipped[i] = n_dirs && bsearch(&parent, dirs, n_dirs, sizeof *dirs, cmp_str);
        }
        qsort(g, n, sizeof *g, cmp_given);
        for (size_t i = 1; i < n; i++)
                if (g[i].resolved && g[i - 1].resolved && strcmp(g[i].resolved, g[i - 1].resolved) == 0)
                        is_skipped[g[i].index] = true;
out:
        for (size_t i = 0; i < n; i++)
                free(g[i].resolved);
        return r;
}

/* The worst finding of each record. */
static void record_severities(struct cert_audit *a)
{
        for (size_t i = 0; i < a->n_findings; i++) {
                size_t k = a->findings[i].record;
                if (k == 0 || k > a->n_records)
                        continue;
                enum cert_finding_severity sev = cert_finding_severity(a->findings[i].kind);
                if (sev > a->records[k - 1].severity)
                        a->records[k - 1].severity = sev;
        }
}

int cert_audit_check(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     const struct cert_audit_options *opts, struct cert_audit *ret)
{
        struct audit_state *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->keys = keys;
        s->n_keys = n_keys;
        if (opts)
                s->opts = *opts;
        s->n_threads = s->opts.n_threads;
        if (s->n_threads == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                s->n_threads = n > 0 ? (unsigned)n : 1;
        }
        if (s->n_threads > AUDIT_MAX_THREADS)
                s->n_threads = AUDIT_MAX_THREADS;
        /* jansson seeds its hash tables on first use; do it here, before any worker thread runs */
        json_object_seed(0);

        struct audit_ledger *ledger = NULL;
        int r = s->opts.ledger_path ? audit_ledger_load(s->opts.ledger_path, &ledger) : 0;
        if (r >= 0 && !(s->work = calloc(AUDIT_CHUNK, sizeof *s->work)))
                r = -ENOMEM;
        _cleanup_free_ bool *is_skipped = calloc(n_paths ? n_paths : 1, sizeof *is_skipped);
        if (r >= 0 && !is_skipped)
                r = -ENOMEM;
        if (r >= 0)
                r = mark_seen(paths, n_paths, is_skipped);
        for (size_t i = 0; r >= 0 && i < n_paths; i++) {
                struct stat st;
                if (is_skipped[i])
                        continue;
                if (stat(paths[i], &st) < 0)
                        r = queue(s, CERT_MALFORMED, paths[i], "does not exist");
                else
                        r = S_ISDIR(st.st_mode) ? check_dir(s, paths[i]) : check_named_file(s, paths[i]);
        }
        if (r >= 0)
                r = flush_work(s);
        if (r >= 0)
                r = audit_check_across(s, ledger);
        if (r >= 0)
                record_severities(&s->a);
        audit_ledger_free(ledger);
        state_free(s);
        if (r < 0)
                cert_audit_done(&s->a);
        else
                *ret = s->a;
        free(s);
        return r;
}

int cert_audit_paths(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     struct cert_audit *ret)
{
        return cert_audit_check(paths, n_paths, keys, n_keys, NULL, ret);
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
                free(a->records[i].report);
        }
        free(a->records);
        free(a->chains);
        *a = (struct cert_audit){ 0 };
}
