/* SPDX-License-Identifier: MIT */
/* A drive's purge facts as JSON, one builder for `kesu list --json` and the certificate record: so
 * strings and integers only (the record's canonical bytes allow no booleans or floats). */
#include <inttypes.h>
#include <stdio.h>

#include "certificates.h"
#include "purge.h"

static const char *yes_no(bool b)
{
        return b ? "yes" : "no";
}

json_t *cert_json_purge_methods(const struct purge_caps *c)
{
        json_t *a = json_array();
        for (size_t i = 0; a && c; i++) {
                const struct purge_method_info *m = purge_method_info_at(i);
                if (!m)
                        break;
                if (!purge_caps_has(c, m->method))
                        continue;
                json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "method", m->name, "level", m->level,
                                                   "standard", m->standard, "capability", m->capability));
        }
        return a;
}

json_t *cert_json_purge_refusals(const struct purge_caps *c)
{
        json_t *o = json_object();
        for (size_t i = 0; o && c; i++) {
                const struct purge_method_info *m = purge_method_info_at(i);
                if (!m)
                        break;
                if (!purge_caps_has(c, m->method) && c->why_not[m->method])
                        json_object_set_new(o, m->name, cert_json_string_lossy(c->why_not[m->method]));
        }
        return o;
}

json_t *cert_json_hidden_areas(const struct purge_hidden *h)
{
        if (!h->is_examined)
                return json_pack("{s:s, s:o}", "examined", "no", "note", cert_json_string_lossy(h->note));
        return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:o}", "examined", "yes", "current_sectors",
                         (json_int_t)h->current_sectors, "native_sectors", (json_int_t)h->native_sectors,
                         "dco_sectors", (json_int_t)h->dco_sectors, "hpa", yes_no(h->has_hpa), "dco",
                         yes_no(h->has_dco), "ama", yes_no(h->has_ama), "restored", yes_no(h->is_restored), "note",
                         cert_json_string_lossy(h->note));
}

json_t *cert_json_health(const struct purge_health *h)
{
        if (!h->is_read)
                return json_pack("{s:s, s:o}", "read", "no", "note", cert_json_string_lossy(h->note));
        json_t *o = json_pack("{s:s, s:s}", "read", "yes", "source", h->source ? h->source : "");
        if (!o)
                return NULL;
        if (h->has_power_on_hours)
                json_object_set_new(o, "power_on_hours", json_integer((json_int_t)h->power_on_hours));
        if (h->has_reallocated)
                json_object_set_new(o, "reallocated_sectors", json_integer((json_int_t)h->reallocated_sectors));
        if (h->has_pending)
                json_object_set_new(o, "pending_sectors", json_integer((json_int_t)h->pending_sectors));
        if (h->has_media_errors)
                json_object_set_new(o, "media_errors", json_integer((json_int_t)h->media_errors));
        if (h->has_percentage_used)
                json_object_set_new(o, "percentage_used", json_integer((json_int_t)h->percentage_used));
        if (h->has_temperature)
                json_object_set_new(o, "temperature_celsius", json_integer(h->temperature_c));
        if (h->has_critical_warning)
                json_object_set_new(o, "critical_warning", json_integer((json_int_t)h->critical_warning));
        return o;
}

json_t *cert_json_tcg(const struct purge_tcg *t)
{
        if (!t->is_examined)
                return json_pack("{s:s}", "examined", "no");
        char summary[256];
        purge_tcg_summary(t, summary, sizeof summary);
        json_t *o = json_pack("{s:s, s:s, s:o, s:o}", "examined", t->error ? "failed" : "yes", "self_encrypting",
                              yes_no(t->is_sed), "kind", t->is_sed ? json_string(t->kind) : json_null(), "summary",
                              cert_json_string_lossy(summary));
        if (!o || !t->is_sed)
                return o;
        json_t *more = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "encrypting", yes_no(t->is_encrypting), "locking_supported",
                                 yes_no(t->is_locking_supported), "locking_enabled", yes_no(t->is_locking_enabled),
                                 "range_locked", yes_no(t->is_locked), "shadow_mbr",
                                 t->is_mbr_enabled ? (t->is_mbr_done ? "enabled, done" : "enabled, shown") : "no",
                                 "sid_blocked", yes_no(t->is_sid_blocked));
        if (!more || json_object_update(o, more) < 0) {
                json_decref(more);
                json_decref(o);
                return NULL;
        }
        json_decref(more);
        return o;
}

json_t *cert_json_purge_report(const struct wipe_purge *p)
{
        const struct purge_report *r = &p->report;
        const struct purge_method_info *m = purge_method_info(r->method);
        return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "family",
                         purge_family_to_string(p->family), "command_sent", yes_no(p->is_sent), "standard",
                         m ? m->standard : "", "command", cert_json_string_lossy(r->command), "device_status",
                         cert_json_string_lossy(r->device_status), "warnings", cert_json_string_lossy(r->warnings),
                         "completed", yes_no(r->is_completed), "resumed", yes_no(r->is_resumed),
                         "password_cleared",
                         r->method == PURGE_SECURE_ERASE || r->method == PURGE_SECURE_ERASE_ENHANCED
                                 ? yes_no(r->is_password_cleared)
                                 : "not applicable",
                         "error", r->error ? purge_error_to_string(r->error) : "", "error_detail",
                         cert_json_string_lossy(r->error_text), "password_left",
                         cert_json_string_lossy(r->password_left));
}

json_t *cert_json_proof(const struct verify_proof *p)
{
        char before[2 * VERIFY_DIGEST_BYTES + 1], after[2 * VERIFY_DIGEST_BYTES + 1];
        verify_digest_hex(p->digest_before, before);
        verify_digest_hex(p->digest_after, after);
        return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "expected", verify_expect_kind_to_string(p->kind),
                         "sectors_compared", (json_int_t)p->sectors_compared, "sectors_unchanged",
                         (json_int_t)p->sectors_unchanged, "sectors_blank_before", (json_int_t)p->sectors_blank_before,
                         "sectors_unexpected", (json_int_t)p->sectors_unexpected, "sectors_uniform_after",
                         (json_int_t)p->sectors_uniform_after, "fingerprint_before", before, "fingerprint_after",
                         after);
}
