/* SPDX-License-Identifier: MIT */
/* The certificate record (NIST SP 800-88 Rev. 1 Appendix G fields and more) and its canonical bytes. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "certificates.h"
#include "purge.h"
#include "common.h"
#include "config.h"

static const char *const classes[] = { "1", "2", "3", "3A", "3B", "3C" };
static const char *const destinations[] = { "internal-reuse", "external-reuse", "lease-return", "recycling",
                                            "destruction" };

bool cert_class_is_valid(const char *label)
{
        for (size_t i = 0; label && i < ELEMENTSOF(classes); i++)
                if (strcmp(label, classes[i]) == 0)
                        return true;
        return false;
}

bool cert_destination_is_valid(const char *destination)
{
        for (size_t i = 0; destination && i < ELEMENTSOF(destinations); i++)
                if (strcmp(destination, destinations[i]) == 0)
                        return true;
        return false;
}

const char *cert_required_level(const char *class_label, const char *destination)
{
        /* Physical destruction follows: overwriting before it is the Clear step. */
        if (destination && strcmp(destination, "destruction") == 0)
                return "Clear";
        return class_label && class_label[0] >= '2' ? "Purge" : "Clear";
}

static void format_time(int64_t ns, int offset_hours, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000) + (time_t)offset_hours * 3600;
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        if (offset_hours == 0)
                snprintf(buf + n, size - n, "Z");
        else
                snprintf(buf + n, size - n, "%+03d:00", offset_hours);
}

static json_t *str(const char *s)
{
        return json_string(s ? s : "");
}

/* Bytes that are not UTF-8 (a legacy label) must not break the record: hex them instead. */
json_t *cert_json_string_lossy(const char *s)
{
        json_t *j = json_string(s ? s : "");
        if (j)
                return j;
        size_t n = strlen(s);
        _cleanup_free_ char *h = malloc(2 * n + 5);
        if (!h)
                return NULL;
        memcpy(h, "hex:", 4);
        sodium_bin2hex(h + 4, 2 * n + 1, (const unsigned char *)s, n);
        return json_string(h);
}


static const char *media_type(const struct disk_identity *id)
{
        switch (id->transport) {
        case DISK_TRANSPORT_FILE:
                return "disk image file";
        case DISK_TRANSPORT_LOOP:
                return "loop device";
        case DISK_TRANSPORT_USB:
        case DISK_TRANSPORT_MMC:
                if (id->rotational != TRISTATE_YES)
                        return "flash";
                break;
        default:
                break;
        }
        if (id->rotational == TRISTATE_YES)
                return "HDD";
        if (id->rotational == TRISTATE_NO)
                return "SSD";
        return "unknown";
}

static void hex(const uint8_t *b, size_t n, char *out)
{
        sodium_bin2hex(out, 2 * n + 1, b, n);
}

static json_t *sanitization_json(const struct wipe_result *w, const char *required, const char *achieved)
{
        json_t *passes = json_array();
        for (size_t i = 0; passes && i < w->method.n_passes; i++) {
                const struct wipe_pass_result *p = &w->passes[i];
                char pat[128], seed[2 * WIPE_KEY_BYTES + 1] = "";
                wipe_pattern_describe(&p->pattern, pat, sizeof pat);
                if (p->pattern.kind == WIPE_PATTERN_RANDOM)
                        hex(p->pattern.key, WIPE_KEY_BYTES, seed);
                json_array_append_new(passes, json_pack("{s:I, s:s, s:s, s:I, s:s}", "number",
                                                        (json_int_t)(i + 1), "pattern", pat, "seed", seed,
                                                        "bytes_written", (json_int_t)p->bytes_written,
                                                        "flushed", p->is_flushed ? "yes" : "no"));
        }
        bool is_purge = w->method.technique == WIPE_TECHNIQUE_PURGE;
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:o}", "required_level", required,
                              "achieved_level", achieved, "technique", is_purge ? "purge" : "overwrite", "method",
                              w->method.name, "method_spec", w->method.spec, "method_description",
                              str(w->method.description), "passes", passes, "bytes_written",
                              (json_int_t)w->bytes_written, "status", wipe_status_to_string(w->status), "engine",
                              str(w->engine));
        /* a purge: the command sent and the drive's own answer */
        if (o && is_purge && w->purge && json_object_set_new(o, "purge", cert_json_purge_report(w->purge)) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *verification_json(const struct verify_result *v, const char *mode)
{
        if (!v)
                return json_pack("{s:s, s:s}", "method", mode, "result",
                                 strcmp(mode, "none") == 0 ? "not requested" : "not run");
        char pat[128], seed[2 * WIPE_KEY_BYTES + 1] = "", plan_seed[17], pct[32] = "100", bound[32],
                                                 stmt[256];
        wipe_pattern_describe(&v->expect, pat, sizeof pat);
        if (v->expect.kind == WIPE_PATTERN_RANDOM)
                hex(v->expect.key, WIPE_KEY_BYTES, seed);
        snprintf(plan_seed, sizeof plan_seed, "%016" PRIx64, v->plan.seed);
        if (!v->plan.is_full)
                snprintf(pct, sizeof pct, "%.6g", v->plan.percent);
        snprintf(bound, sizeof bound, "%.6g", v->unerased_bound);
        bool is_pass = verify_result_is_pass(v);
        if (!is_pass)
                snprintf(stmt, sizeof stmt, "verification failed");
        else if (v->plan.is_full)
                snprintf(stmt, sizeof stmt, "every addressable byte was read back and matched");
        else
                snprintf(stmt, sizeof stmt,
                         "with %zu clean pseudorandom samples, less than %.3g%% of the device is left "
                         "unerased (99%% "
                         "confidence)",
                         v->plan.n_locations, 100 * v->unerased_bound);
        json_t *resid = json_array(), *mm = json_array(), *unread = json_array();
        for (size_t i = 0; resid && i < v->n_residual; i++)
                json_array_append_new(resid, cert_json_string_lossy(v->residual[i]));
        for (size_t i = 0; mm && i < v->n_mismatches && i < 100; i++) {
                char found[2 * VERIFY_FOUND_BYTES + 1], expected[2 * VERIFY_FOUND_BYTES + 1];
                hex(v->mismatches[i].found, v->mismatches[i].n_found, found);
                hex(v->mismatches[i].expected, v->mismatches[i].n_found, expected);
                json_array_append_new(mm, json_pack("{s:I, s:I, s:s, s:I, s:s}", "first_lba",
                                                    (json_int_t)v->mismatches[i].first_lba, "last_lba",
                                                    (json_int_t)v->mismatches[i].last_lba, "found", found,
                                                    "offset_in_sector",
                                                    (json_int_t)v->mismatches[i].offset_in_sector,
                                                    "expected", expected));
        }
        for (size_t i = 0; unread && i < v->n_unreadable; i++)
                json_array_append_new(unread, json_pack("{s:I, s:I}", "first_lba",
                                                        (json_int_t)v->unreadable[i].first_lba, "last_lba",
                                                        (json_int_t)v->unreadable[i].last_lba));
        if (v->proof.is_proof) {
                const struct verify_proof *p = &v->proof;
                if (!is_pass)
                        snprintf(stmt, sizeof stmt,
                                 "the purge is not proved: %" PRIu64 " of %" PRIu64
                                 " fingerprinted sectors still hold what they held before, %" PRIu64
                                 " do not hold what the command leaves",
                                 p->sectors_unchanged, p->sectors_compared, p->sectors_unexpected);
                else
                        snprintf(stmt, sizeof stmt,
                                 "all %" PRIu64 " sectors fingerprinted before the purge were read again: none "
                                 "holds what it held (%" PRIu64 " were blank before), each holds what the command "
                                 "leaves (%s), no signature remains",
                                 p->sectors_compared, p->sectors_blank_before, verify_expect_kind_to_string(p->kind));
                snprintf(pat, sizeof pat, "%s", p->kind == VERIFY_EXPECT_PATTERN ? "0x00"
                                                : p->kind == VERIFY_EXPECT_UNIFORM ? "one repeated byte a sector"
                                                                                   : "different from before");
        }
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
                "method", v->proof.is_proof ? "purge-proof" : verify_mode_to_string(v->mode), "result",
                is_pass ? "PASS" : "FAIL",
                "coverage_percent", pct, "subsections", (json_int_t)v->plan.n_subsections, "samples",
                (json_int_t)v->plan.n_locations, "bytes_read", (json_int_t)v->bytes_read, "sectors_compared",
                (json_int_t)v->sectors_compared, "sectors_mismatched", (json_int_t)v->sectors_mismatched,
                "plan_seed", v->plan.is_full ? "" : plan_seed, "expected", pat, "pattern_seed", seed,
                "confidence", v->plan.is_full ? "1" : "0.99", "unerased_fraction_bound", bound, "statement",
                stmt, "residual_signatures", resid, "mismatches", mm, "unreadable_ranges", unread);
        if (o && v->proof.is_proof) {
                json_t *pj = cert_json_proof(&v->proof);
                if (!pj || json_object_set_new(o, "proof", pj) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

int cert_record_build(const struct cert_context *ctx, const struct disk_info *disk,
                      const struct wipe_result *w, const struct verify_result *v, const char *verify_mode,
                      uint64_t sequence, const char *previous_hash, const char *key_id_hex, json_t **ret)
{
        const struct disk_identity *id = &w->identity;
        const char *required = ctx->required_level ? ctx->required_level
                                                   : cert_required_level(ctx->class_label, ctx->destination);
        bool is_wipe_ok = wipe_result_is_pass(w);
        bool is_purge = w->method.technique == WIPE_TECHNIQUE_PURGE;
        /* a purge is proved by its fingerprint comparison whatever the verify mode */
        bool is_verify_needed = is_purge || strcmp(verify_mode, "none") != 0;
        bool is_verify_ok = !is_verify_needed || (v && verify_result_is_pass(v));
        /* A software overwrite is NIST SP 800-88's Clear; Purge needs the drive's own commands. The
         * session decides both levels; the built-in rule serves callers without one. */
        const char *achieved = !(is_wipe_ok && is_verify_ok) ? "none"
                               : ctx->achieved_level         ? ctx->achieved_level
                                                             : "Clear";
        bool is_level_ok = strcmp(achieved, "none") != 0 &&
                           (strcmp(required, "Clear") == 0 || strcmp(achieved, "Purge") == 0 ||
                            strcmp(required, achieved) == 0) &&
                           strcmp(required, "Destroy") != 0;

        json_t *reasons = json_array();
        if (!reasons)
                return -ENOMEM;
        if (!is_wipe_ok) {
                char why[512];
                if (w->status == WIPE_STATUS_PROTECTED)
                        snprintf(why, sizeof why, "%s stopped: the disk became protected (%s)%s",
                                 is_purge ? "purge" : "overwrite", w->protected_reason ? w->protected_reason : "in use",
                                 w->is_protected_before_write ? "; nothing was written" : "");
                else if (is_purge && w->purge)
                        snprintf(why, sizeof why, "purge %s %s: %s%s%.200s", w->method.name,
                                 wipe_status_to_string(w->status),
                                 w->purge->report.error ? purge_error_to_string(w->purge->report.error)
                                                        : "the drive's status does not show it ran",
                                 w->purge->report.error_text[0] ? " — " : "", w->purge->report.error_text);
                else if (is_purge)
                        snprintf(why, sizeof why, "purge %s %s%s%s", w->method.name, wipe_status_to_string(w->status),
                                 w->error ? ": " : "", w->error ? strerror(w->error) : "");
                else
                        snprintf(why, sizeof why, "overwrite %s%s%s%s", wipe_status_to_string(w->status),
                                 w->n_unwritten ? ": ranges not overwritten" : "", w->error ? ": " : "",
                                 w->error ? strerror(w->error) : "");
                json_array_append_new(reasons, cert_json_string_lossy(why));
        }
        if (is_verify_needed && !v)
                json_array_append_new(reasons, json_string("verification did not run"));
        else if (is_verify_needed && !verify_result_is_pass(v))
                json_array_append_new(reasons,
                                      json_string(v->proof.is_proof
                                                          ? "purge not proved: sectors unchanged from before the "
                                                            "purge, content the command does not leave, unreadable "
                                                            "sectors or residual signatures were found"
                                                          : "verification failed: data remains readable or "
                                                            "unreadable sectors or residual signatures were found"));
        if (strcmp(achieved, "none") != 0 && !is_level_ok) {
                char why[256];
                snprintf(why, sizeof why,
                         "confidentiality class %s requires %s; %s achieves %s (use a purge "
                         "method that reaches it or destroy the medium)",
                         ctx->class_label, required, is_purge ? w->method.name : "an overwrite", achieved);
                json_array_append_new(reasons, json_string(why));
        }
        if (ctx->extra_reason)
                json_array_append_new(reasons, cert_json_string_lossy(ctx->extra_reason));
        bool is_pass = json_array_size(reasons) == 0;

        char serial[64], st_utc[40], st_jst[40], en_utc[40], en_jst[40], dur[32];
        snprintf(serial, sizeof serial, "KESU-%s-%06" PRIu64, key_id_hex, sequence);
        format_time(w->started_ns, 0, st_utc, sizeof st_utc);
        format_time(w->started_ns, 9, st_jst, sizeof st_jst);
        int64_t end_ns = v && v->ended_ns > w->ended_ns ? v->ended_ns : w->ended_ns;
        format_time(end_ns, 0, en_utc, sizeof en_utc);
        format_time(end_ns, 9, en_jst, sizeof en_jst);
        snprintf(dur, sizeof dur, "%.3f", (double)(end_ns - w->started_ns) / 1e9);

        json_t *unwritten = json_array();
        for (size_t i = 0; unwritten && i < w->n_unwritten && i < 1000; i++)
                json_array_append_new(unwritten,
                                      json_pack("{s:I, s:I, s:I}", "pass", (json_int_t)w->unwritten[i].pass,
                                                "first_lba", (json_int_t)w->unwritten[i].first_lba,
                                                "last_lba", (json_int_t)w->unwritten[i].last_lba));
        json_t *unreadable = json_array();
        for (size_t i = 0; unreadable && v && i < v->n_unreadable && i < 1000; i++)
                json_array_append_new(unreadable,
                                      json_pack("{s:I, s:I}", "first_lba",
                                                (json_int_t)v->unreadable[i].first_lba, "last_lba",
                                                (json_int_t)v->unreadable[i].last_lba));

        json_t *media = json_pack(
                "{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:s, s:o, s:o}", "manufacturer",
                cert_json_string_lossy(id->vendor), "model", cert_json_string_lossy(id->model), "serial", cert_json_string_lossy(id->serial), "wwn",
                cert_json_string_lossy(id->wwn), "firmware", cert_json_string_lossy(id->firmware), "capacity_bytes",
                (json_int_t)id->size_bytes, "logical_sector_bytes", (json_int_t)id->logical_sector_bytes,
                "physical_sector_bytes", (json_int_t)id->physical_sector_bytes, "media_type", media_type(id),
                "transport", disk_transport_to_string(id->transport), "device_path", cert_json_string_lossy(id->path),
                "by_id", cert_json_string_lossy(id->by_id));
        (void)disk;
        json_t *r = json_pack(
                "{s:s, s:I, s:s, s:I, s:s, s:s, s:o, s:{s:s, s:s, s:o, s:o}, s:s, s:o, s:o, s:o, s:o,"
                " s:{s:o, s:s}, s:o, s:o, s:o, s:{s:s, s:s}, s:{s:o, s:o, s:s}, s:{s:s, s:s, s:s, s:s, s:s},"
                " s:{s:o, s:o}}",
                "format", CERT_FORMAT, "format_version", (json_int_t)CERT_FORMAT_VERSION, "serial", serial,
                "sequence", (json_int_t)sequence, "previous_hash", previous_hash ? previous_hash : "",
                "appliance_key_id", key_id_hex, "organization", str(ctx->organization), "tool", "name",
                "kesu", "version", KESU_VERSION, "image_version", str(ctx->image_version), "image_build",
                str(ctx->image_build), "result", is_pass ? "PASS" : "FAIL", "failure_reasons", reasons,
                "media", media, "asset_number", str(ctx->asset_number), "media_source",
                str(ctx->media_source), "confidentiality", "before", str(ctx->class_label), "after",
                is_pass ? "none (sanitized)" : (ctx->class_label ? ctx->class_label : ""), "destination",
                str(ctx->destination), "sanitization", sanitization_json(w, required, achieved),
                "verification", verification_json(v, is_purge ? "purge-proof" : verify_mode), "hidden_areas", "examined", "no", "note",
                "HPA/DCO and over-provisioned areas are not examined by an overwrite; a purge method "
                "reaches them",
                "errors", "unwritten_ranges", unwritten, "unreadable_ranges", unreadable, "error",
                w->error ? strerror(w->error) : "", "times", "started_utc", st_utc, "started_jst", st_jst,
                "ended_utc", en_utc, "ended_jst", en_jst, "duration_seconds", dur, "people", "operator",
                str(ctx->operator_id), "witness", str(ctx->witness_id));
        if (!r)
                return -ENOMEM;
        /* A purge examined the hidden areas and read the drive's health: the record says what. */
        if (is_purge && w->purge && w->purge->probe_error == 0) {
                json_t *hid = cert_json_hidden_areas(&w->purge->caps.hidden);
                json_t *health = cert_json_health(&w->purge->caps.health);
                json_t *tcg = cert_json_tcg(&w->purge->caps.tcg); /* as found before the purge */
                if (!hid || json_object_set_new(r, "hidden_areas", hid) < 0 || !health ||
                    json_object_set_new(r, "drive_health", health) < 0 || !tcg ||
                    json_object_set_new(r, "self_encrypting", tcg) < 0) {
                        json_decref(r);
                        return -ENOMEM;
                }
        }
        /* What the session adds; absent (not empty) without one, so older records keep their bytes. */
        json_t *people = json_object_get(r, "people");
        if ((ctx->operator_name && json_object_set_new(people, "operator_name", cert_json_string_lossy(ctx->operator_name)) < 0) ||
            (ctx->witness_name && json_object_set_new(people, "witness_name", cert_json_string_lossy(ctx->witness_name)) < 0) ||
            (ctx->authentication &&
             json_object_set_new(people, "authentication", cert_json_string_lossy(ctx->authentication)) < 0) ||
            (ctx->disposal_id && json_object_set_new(r, "disposal_id", cert_json_string_lossy(ctx->disposal_id)) < 0) ||
            (ctx->image_squashfs_sha256 &&
             json_object_set_new(json_object_get(r, "tool"), "image_squashfs_sha256",
                                 cert_json_string_lossy(ctx->image_squashfs_sha256)) < 0) ||
            (ctx->clock_confirmation &&
             json_object_set_new(json_object_get(r, "times"), "clock_confirmed_by",
                                 cert_json_string_lossy(ctx->clock_confirmation)) < 0) ||
            (ctx->policy &&
             json_object_set_new(json_object_get(r, "sanitization"), "policy", cert_json_string_lossy(ctx->policy)) < 0)) {
                json_decref(r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

int cert_canonical(const json_t *record, char **ret, size_t *ret_len)
{
        char *s = json_dumps(record, JSON_SORT_KEYS | JSON_COMPACT);
        if (!s)
                return -ENOMEM;
        size_t n = strlen(s);
        char *t = realloc(s, n + 2);
        if (!t) {
                free(s);
                return -ENOMEM;
        }
        t[n] = '\n';
        t[n + 1] = 0;
        *ret = t;
        *ret_len = n + 1;
        return 0;
}

void cert_hash(const void *bytes, size_t len, char out[72])
{
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, bytes, len);
        strcpy(out, "sha256:");
        hex(h, sizeof h, out + 7);
}
