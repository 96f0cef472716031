/* SPDX-License-Identifier: MIT */
/* The certificate's vocabulary on screen: in Japanese the very words the PDF certificate prints
 * (cert_term_japanese(): 合格/不合格, クリア/パージ/破壊, 組織内で再利用 …), in English the
 * catalog's. */
#include <string.h>

#include "certificates.h"
#include "common.h"
#include "purge.h"
#include "tui.h"

/* The certificate's Japanese for value, in Japanese; english (a catalog message) otherwise. */
static const char *term(const char *value, const char *english)
{
        const char *ja = tui_lang_current() == TUI_LANG_JA ? cert_term_japanese(value) : NULL;
        return ja ? ja : english;
}

const char *tui_word_level(enum session_level level)
{
        switch (level) {
        case SESSION_LEVEL_CLEAR:
                return term("Clear", _("Clear"));
        case SESSION_LEVEL_PURGE:
                return term("Purge", _("Purge"));
        case SESSION_LEVEL_DESTROY:
                return term("Destroy", _("Destroy"));
        default:
                return term("none", _("none"));
        }
}

const char *tui_word_destination(const char *destination)
{
        static const struct {
                const char *name, *word;
        } words[] = {
                { "internal-reuse", N_("internal reuse") }, { "external-reuse", N_("external reuse") },
                { "lease-return", N_("lease return") },     { "recycling", N_("recycling") },
                { "destruction", N_("destruction") },
        };
        for (size_t i = 0; destination && i < ELEMENTSOF(words); i++)
                if (strcmp(destination, words[i].name) == 0)
                        return term(words[i].name, _(words[i].word));
        return destination ? destination : "";
}

const char *tui_word_class(const char *class_label)
{
        if (class_label && strcmp(class_label, SESSION_CLASS_MY_NUMBER) == 0)
                return _("My Number");
        return class_label ? class_label : "";
}

const char *tui_word_transport(enum disk_transport t)
{
        return disk_transport_to_string(t); /* sata, nvme, usb…: the same in both languages */
}

const char *tui_word_result(const char *result)
{
        if (result && strcmp(result, "PASS") == 0)
                return term("PASS", _("PASS"));
        if (result && strcmp(result, "FAIL") == 0)
                return term("FAIL", _("FAIL"));
        return result ? result : "";
}

void tui_content_summary(const struct disk_content *c, char *buf, size_t size)
{
        size_t o = 0;
        buf[0] = 0;
        if (c->probe_error < 0) {
                snprintf(buf, size, _("unknown (cannot be read)"));
                return;
        }
        if (c->table_type)
                o += (size_t)snprintf(buf + o, size - o, "%s:", c->table_type);
        for (size_t i = 0; i < c->n_entries && o < size; i++) {
                const struct disk_content_entry *e = &c->entries[i];
                if (e->number)
                        o += (size_t)snprintf(buf + o, size - o, " %u=", e->number);
                if (o < size)
                        o += (size_t)snprintf(buf + o, size - o, "%s", e->fs_type ? e->fs_type : "?");
                if (o < size && e->fs_label) {
                        /* what a device says about itself is shown, never obeyed */
                        _cleanup_free_ char *label = text_escape_visible(e->fs_label);
                        o += (size_t)snprintf(buf + o, size - o, " \"%s\"", label ? label : "?");
                }
        }
        if (!buf[0])
                snprintf(buf, size, "%s", _("blank (no signature)"));
        else if (c->table_type && c->n_entries == 0 && o < size)
                snprintf(buf + o, size - o, " %s", _("no partitions"));
}

void tui_purge_summary(const struct disk_info *d, char *buf, size_t size)
{
        size_t o = 0;
        buf[0] = 0;
        const struct purge_caps *c = d->purge;
        if (purge_family_for(d->identity.transport) == PURGE_FAMILY_NONE) {
                snprintf(buf, size, "%s", _("none (overwrite only)"));
                return;
        }
        if (!c) {
                snprintf(buf, size, "%s (%s)", _("none"), ui_purge_probe_error(d));
                return;
        }
        for (size_t i = 0; purge_method_info_at(i) && o < size; i++) {
                const struct purge_method_info *m = purge_method_info_at(i);
                if (purge_caps_has(c, m->method)) {
                        enum session_level level = SESSION_LEVEL_NONE;
                        (void)session_level_from_string(m->level, &level);
                        o += (size_t)snprintf(buf + o, size - o, "%s%s (%s)", o ? ", " : "", m->name,
                                              tui_word_level(level));
                }
        }
        if (!buf[0])
                snprintf(buf, size, "%s", _("none (the drive reports no purge command)"));
        if (c->is_frozen && (o = strlen(buf)) < size)
                snprintf(buf + o, size - o, " — %s", _("FROZEN: suspend/resume or replug before a purge"));
        if (c->tcg.is_sed && (o = strlen(buf)) < size)
                snprintf(buf + o, size - o, " — %s TCG %s%s%s", _("self-encrypting:"), c->tcg.kind,
                         c->tcg.is_locking_enabled ? _(", locking enabled") : "",
                         c->tcg.is_locked ? _(", a range is LOCKED (overwrite impossible: PSID revert)") : "");
}

const char *tui_word_role(enum session_role role)
{
        return role == SESSION_ROLE_ADMINISTRATOR ? _("administrator") : _("operator");
}
