/* SPDX-License-Identifier: MIT */
/*
 * Recovery at start: the unfinished disposals of the journal get their FAIL "interrupted"
 * certificate — or, when kesu stopped right after filing one, the certificate is found by its
 * disposal id and only journaled. Uses the journal's public functions only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "journal.h"

/* A certificate record is ~2 KB; anything much larger named like one is not. */
#define CERT_RECORD_MAX_BYTES (4u * 1024 * 1024)

static const char *jstr(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : "";
}

void session_recovery_reason(int64_t recovered_ns, char *buf, size_t size)
{
        char utc[48];
        time_t t = (time_t)(recovered_ns / 1000000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(utc, sizeof utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(buf, size,
                 "interrupted: kesu stopped during the disposal (crash or power loss); recovered at %s",
                 utc);
}

/* Looks in dir for a certificate of key with this disposal id whose signature checks. 1 found
 * (serial, result filled), 0 not, -errno. */
static int find_in_dir(const char *dir, const struct cert_public_key *pub, const char *key_hex,
                       const char *disposal_id, char serial[64], char result[8])
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "KESU-%s-", key_hex);
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || n < 5 ||
                    strcmp(de->d_name + n - 5, ".json") != 0)
                        continue;
                _cleanup_free_ char *path = NULL, *sig_path = NULL, *data = NULL, *sig = NULL,
                                    *comment = NULL;
                size_t len = 0, sig_len = 0, index = 0;
                struct stat st;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0 ||
                    asprintf(&sig_path, "%s.minisig", path) < 0)
                        return -ENOMEM;
                if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CERT_RECORD_MAX_BYTES ||
                    read_full_file(path, &data, &len) < 0 || !strstr(data, disposal_id))
                        continue;
                json_auto_t *rec = json_loadb(data, len, 0, NULL);
                if (strcmp(jstr(rec, "disposal_id"), disposal_id) != 0 ||
                    strcmp(jstr(rec, "appliance_key_id"), key_hex) != 0)
                        continue;
                /* Only a certificate that is one counts: a stray file must not hide a disposal. */
                if (read_full_file(sig_path, &sig, &sig_len) < 0 ||
                    cert_verify_signature(pub, 1, data, len, sig, &comment, &index) < 0)
                        continue;
                snprintf(serial, 64, "%s", jstr(rec, "serial"));
                snprintf(result, 8, "%s", jstr(rec, "result"));
                return 1;
        }
        return errno ? -errno : 0;
}

static int find_certificate(const struct session_journal_entry *e, const char *cert_dir,
                            const struct cert_public_key *pub, const char *key_hex, char serial[64],
                            char result[8])
{
        const char *dirs[] = { e->cert_dir, cert_dir };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (!dirs[i] || !*dirs[i] || (i == 1 && streq_ptr(dirs[0], dirs[1])))
                        continue;
                int r = find_in_dir(dirs[i], pub, key_hex, e->disposal_id, serial, result);
                if (r != 0)
                        return r;
        }
        return 0;
}

static const char *or_null(const char *s)
{
        return s && *s ? s : NULL;
}

/* Issues the FAIL certificate of an interrupted disposal from what the journal knows. */
static int certify_interrupted(struct cert_issuer *issuer, const struct session_journal_entry *e,
                               struct cert_issued *ret)
{
        int64_t now = now_realtime_ns();
        char reason[256];
        session_recovery_reason(now, reason, sizeof reason);

        struct wipe_result w = { .identity = e->disk, .status = WIPE_STATUS_INTERRUPTED };
        if (wipe_method_lookup(e->method, &w.method) < 0) {
                /* A purge command, or a name this kesu no longer knows: named, no passes. */
                w.method = (struct wipe_method){ 0 };
                snprintf(w.method.name, sizeof w.method.name, "%s", e->method);
                snprintf(w.method.spec, sizeof w.method.spec, "%s", e->method);
        }
        unsigned begun = e->passes_begun < w.method.n_passes ? e->passes_begun : (unsigned)w.method.n_passes;
        for (size_t i = 0; i < w.method.n_passes; i++) {
                struct wipe_pass_result *p = &w.passes[i];
                p->pattern = w.method.passes[i];
                if (i < e->n_seeds && e->has_seed[i] && p->pattern.kind == WIPE_PATTERN_RANDOM) {
                        memcpy(p->pattern.key, e->seeds[i], WIPE_KEY_BYTES);
                        memcpy(w.method.passes[i].key, e->seeds[i], WIPE_KEY_BYTES);
                }
                p->bytes_written = e->pass_bytes_written[i];
                /* Pass N+1 begins only after pass N was flushed. */
                p->is_flushed = i + 1 < begun;
                p->started_ns = e->pass_started_ns[i];
                p->ended_ns = i + 1 < begun ? e->pass_started_ns[i + 1] : 0;
                w.bytes_written += p->bytes_written;
        }
        w.bytes_total = e->disk.size_bytes * w.method.n_passes;
        w.started_ns = e->started_ns;
        w.ended_ns = now;

        struct disk_info disk = { .identity = e->disk, .content = { .probe_error = -ENODATA } };
        struct cert_context ctx = {
                .operator_id = or_null(e->operator_id),
                .witness_id = or_null(e->witness_id),
                .asset_number = or_null(e->asset_number),
                .class_label = or_null(e->class_label),
                .destination = or_null(e->destination),
                .organization = or_null(e->organization),
                .media_source = or_null(e->media_source),
                .image_version = or_null(e->image_version),
                .image_build = or_null(e->image_build),
                .image_squashfs_sha256 = or_null(e->image_squashfs_sha256),
                .disposal_id = e->disposal_id,
                .operator_name = or_null(e->operator_name),
                .witness_name = or_null(e->witness_name),
                .authentication = or_null(e->authentication),
                .required_level = or_null(e->required_level),
                .achieved_level = "none",
                .policy = or_null(e->policy),
                .extra_reason = reason,
        };
        const char *verify_mode = *e->verify_mode ? e->verify_mode : "none";
        return cert_issue(issuer, &ctx, &disk, &w, NULL, verify_mode, true, ret);
}

int session_journal_certify_unfinished(struct session_journal *j, struct cert_issuer *issuer,
                                       const struct cert_secret_key *key, const char *cert_dir,
                                       struct session_recovery **ret_recoveries, size_t *ret_n)
{
        if (!j || !issuer || !key)
                return -EINVAL;
        char key_hex[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(key->key_id, key_hex);
        struct cert_public_key pub;
        memcpy(pub.key_id, key->key_id, sizeof pub.key_id);
        memcpy(pub.pk, key->pk, sizeof pub.pk);

        struct session_journal_entry *entries = NULL;
        size_t n = 0;
        int r = session_journal_unfinished(j, &entries, &n);
        if (r < 0)
                return r;
        _cleanup_free_ struct session_recovery *out = n ? calloc(n, sizeof *out) : NULL;
        if (n && !out) {
                session_journal_entries_free(entries, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const struct session_journal_entry *e = &entries[i];
                struct session_recovery *rec = &out[i];
                snprintf(rec->disposal_id, sizeof rec->disposal_id, "%s", e->disposal_id);
                snprintf(rec->key_id, sizeof rec->key_id, "%s", e->key_id);
                const char *what = *e->asset_number ? e->asset_number : "-";
                const char *disk_serial = e->disk.serial ? e->disk.serial : "-";
                if (strcmp(e->key_id, key_hex) != 0) {
                        rec->kind = SESSION_RECOVERY_LEFT;
                        snprintf(rec->text, sizeof rec->text,
                                 "unfinished disposal %s (asset %s, disk %s serial %s) is for %s%s: "
                                 "not certified now",
                                 e->disposal_id, what, e->disk.path ? e->disk.path : "-", disk_serial,
                                 *e->key_id ? "key " : "no key", e->key_id);
                        continue;
                }
                r = find_certificate(e, cert_dir, &pub, key_hex, rec->serial, rec->result);
                if (r < 0)
                        break;
                if (r > 0) {
                        rec->kind = SESSION_RECOVERY_FOUND;
                        snprintf(rec->text, sizeof rec->text,
                                 "disposal %s (asset %s, disk serial %s) already has certificate %s (%s)",
                                 e->disposal_id, what, disk_serial, rec->serial, rec->result);
                } else {
                        if ((r = certify_interrupted(issuer, e, &rec->issued)) < 0)
                                break;
                        rec->kind = SESSION_RECOVERY_CERTIFIED;
                        snprintf(rec->serial, sizeof rec->serial, "%s", rec->issued.serial);
                        snprintf(rec->result, sizeof rec->result, "%s", rec->issued.result);
                        snprintf(rec->text, sizeof rec->text,
                                 "interrupted disposal %s (asset %s, disk serial %s) certified %s: %s",
                                 e->disposal_id, what, disk_serial, rec->result, rec->serial);
                }
                if ((r = session_journal_finished(j, e->disposal_id, rec->serial, rec->result)) < 0)
                        break;
        }
        session_journal_entries_free(entries, n);
        if (r < 0)
                return r;
        *ret_recoveries = TAKE_PTR(out);
        *ret_n = n;
        return 0;
}
