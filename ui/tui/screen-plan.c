/* SPDX-License-Identifier: MIT */
/* Each chosen disk in turn: its asset number (typed, or scanned — a barcode scanner types fast
 * and ends with Enter), its class, destination and method. The policy's decision is shown as the
 * choice changes (the level required, the level the method reaches), and a refused method
 * cannot go on: the screen says why. */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "purge.h"
#include "tui.h"

enum field { FIELD_ASSET, FIELD_CLASS, FIELD_DESTINATION, FIELD_METHOD, N_FIELDS };

static bool has_purge_methods(const struct disk_info *d)
{
        return d->purge && d->purge->supported != 0;
}

const char *tui_method_offered(const struct disk_info *d, size_t i)
{
        enum session_level level;
        bool is_overwrite;
        const char *name;
        size_t k = 0;
        /* the overwrites of the method table (not custom pass lists: not for the screen) */
        for (size_t m = 0; (name = session_method_name(m, &level, &is_overwrite)); m++)
                if (is_overwrite && strcmp(name, "passes") != 0 && k++ == i)
                        return name;
        if (!has_purge_methods(d))
                return NULL;
        /* "purge" (the strongest the drive has: not a TCG revert, which needs a secret), then each
         * command the drive reports */
        bool has_strongest = purge_pick_strongest(d->purge) != PURGE_METHOD_NONE;
        for (size_t m = 0; (name = session_method_name(m, &level, &is_overwrite)); m++) {
                if (is_overwrite)
                        continue;
                const struct purge_method_info *pi = purge_method_info_by_name(name);
                bool is_offered = (strcmp(name, "purge") == 0 && has_strongest) ||
                                  (pi && purge_caps_has(d->purge, pi->method));
                if (is_offered && k++ == i)
                        return name;
        }
        return NULL;
}

static size_t n_offered(const struct disk_info *d)
{
        size_t n = 0;
        while (tui_method_offered(d, n))
                n++;
        return n;
}

static size_t n_names(const char *(*name)(size_t))
{
        size_t n = 0;
        while (name(n))
                n++;
        return n;
}

/* The command "purge" becomes on this drive (the session resolves it the same way), or name. */
static const char *method_for_policy(const struct disk_info *d, const char *name, struct wipe_method *buf)
{
        struct wipe_method asked;
        if (wipe_method_lookup(name, &asked) < 0 || asked.technique != WIPE_TECHNIQUE_PURGE || !d->purge)
                return name;
        return wipe_method_resolve_purge(&asked, d->purge, buf) == 0 ? buf->name : name;
}

static void draw_choice(int y, const char *label, const char *value, bool is_focused)
{
        char pad[128];
        tui_put(y, 4, 24, tui_pad(label, 24, pad, sizeof pad));
        if (is_focused)
                attron(A_REVERSE);
        tui_putf(y, 28, COLS - 30, "< %s >", value);
        if (is_focused)
                attroff(A_REVERSE);
}

/* Draws disk k's plan; returns whether the policy allows it. */
static bool draw(struct tui *t, size_t k, const struct disk_info *d, const struct tui_field *asset,
                 enum field focus)
{
        struct tui_choice *c = &t->choices[k];
        char title[256], line[1024], size[32], buf[512];
        snprintf(title, sizeof title, _("Disk %zu of %zu"), k + 1, t->n_choices);
        int y = tui_frame(t, title, _("[↑↓] field  [←→] change  [Enter] next  [Esc] back"));
        _cleanup_free_ char *model = text_escape_visible(d->identity.model ? d->identity.model : "-");
        _cleanup_free_ char *serial = text_escape_visible(d->identity.serial ? d->identity.serial : "-");
        snprintf(line, sizeof line, "%s  %s %s  %s / %s", d->identity.path,
                 tui_word_transport(d->identity.transport),
                 ui_format_bytes(d->identity.size_bytes, size, sizeof size), model ? model : "?",
                 serial ? serial : "?");
        attron(A_BOLD);
        tui_put(y++, 2, COLS - 4, line);
        attroff(A_BOLD);
        tui_content_summary(&d->content, buf, sizeof buf);
        tui_putf(y++, 4, COLS - 6, "%s %s", _("Content:"), buf);
        tui_purge_summary(d, buf, sizeof buf);
        tui_putf(y++, 4, COLS - 6, "%s %s", _("Purge:"), buf);
        /* a short terminal (a small window, 50x16) drops the blank rows so that the policy's
         * decision below the fields stays on the screen */
        int gap = LINES >= 24 ? 2 : 1;
        y += gap - 1;

        const char *class_label = session_policy_class_name(c->class_index);
        const char *destination = session_policy_destination_name(c->destination_index);
        const char *method = tui_method_offered(d, c->method_index);
        struct wipe_method resolved;
        const char *decided = method_for_policy(d, method, &resolved);
        enum session_level method_level = SESSION_LEVEL_NONE;
        (void)session_method_level(decided, &method_level);

        char pad[128];
        int asset_y = y;
        tui_put(y, 4, 24, tui_pad(_("Asset number:"), 24, pad, sizeof pad));
        y += gap;
        draw_choice(y, _("Class:"), tui_word_class(class_label), focus == FIELD_CLASS);
        y += gap;
        draw_choice(y, _("Destination:"), tui_word_destination(destination), focus == FIELD_DESTINATION);
        y += gap;
        bool is_resolved = strcmp(decided, method) != 0; /* "purge" → the drive's strongest */
        snprintf(buf, sizeof buf, "%s%s%s (%s)", method, is_resolved ? " → " : "", is_resolved ? decided : "",
                 tui_word_level(method_level));
        draw_choice(y, _("Method:"), buf, focus == FIELD_METHOD);
        y += gap;

        struct session_policy_decision dec;
        int r = session_policy_decide(t->policy, class_label, destination, decided, &dec);
        bool is_allowed = r == 0 && dec.is_allowed;
        if (r < 0)
                tui_putf(y++, 2, COLS - 4, _("The policy cannot decide: %s"), strerror(-r));
        else {
                tui_putf(y++, 2, COLS - 4, _("Policy: class %s to %s needs %s; %s reaches %s."), class_label,
                         tui_word_destination(destination), tui_word_level(dec.method_must_reach), decided,
                         tui_word_level(dec.method_reaches));
                if (is_allowed) {
                        attron(A_BOLD);
                        tui_put(y++, 4, COLS - 6, _("Allowed."));
                        attroff(A_BOLD);
                } else {
                        attron(A_BOLD | A_REVERSE);
                        tui_put(y++, 4, COLS - 6,
                                _("REFUSED: this method does not reach the level required."));
                        attroff(A_BOLD | A_REVERSE);
                        y += tui_put_wrapped(y, 4, COLS - 6, 3, dec.reason);
                }
        }
        curs_set(focus == FIELD_ASSET);
        tui_field_draw(asset, asset_y, 28, COLS - 30 < 40 ? (COLS - 30 > 8 ? COLS - 30 : 8) : 40,
                       focus == FIELD_ASSET);
        refresh();
        return is_allowed;
}

/* The asset number: trimmed, not blank, printable text of at most 64 bytes (as --asset). */
static bool take_asset(struct tui *t, const struct tui_field *f, struct tui_choice *c)
{
        _cleanup_free_ char *s = strdup_stripped_or_null(f->text);
        if (!s) {
                tui_message(t, true, "%s", _("Type or scan the asset number"));
                return false;
        }
        if (text_check(s, TUI_ASSET_MAX_BYTES, NULL) < 0) {
                tui_message(t, true, _("The asset number must be printable text of at most %d bytes"),
                            TUI_ASSET_MAX_BYTES);
                return false;
        }
        snprintf(c->asset, sizeof c->asset, "%s", s);
        return true;
}

/* A TCG revert's secret for this drive, asked on a screen of its own (hidden as it is typed): the
 * PSID printed on the drive's label (32 letters and digits), or the owner's SID (empty: the MSID,
 * for a drive nobody took ownership of). false: back to the plan. */
static bool ask_tcg_secret(struct tui *t, const struct disk_info *d, const char *method, struct tui_choice *c)
{
        bool is_psid = strcmp(method, "tcg-psid-revert") == 0;
        if (!is_psid && strcmp(method, "tcg-revert") != 0) {
                explicit_bzero(c->tcg_secret, sizeof c->tcg_secret);
                return true;
        }
        struct tui_field f;
        if (tui_field_init(&f, 32, true) < 0)
                return false;
        char intro[1024];
        snprintf(intro, sizeof intro, "%s %s\n%s", d->identity.path, d->identity.serial ? d->identity.serial : "",
                 is_psid ? _("Type the PSID printed on the drive's label (32 letters and digits). It is not shown, "
                             "logged or written on the certificate. A drive allows only a few wrong PSIDs.")
                         : _("Type the drive owner's SID, or leave it empty when nobody took ownership of the "
                             "drive (its MSID is then used)."));
        bool is_ok = false;
        for (;;) {
                int r = tui_ask(t, is_psid ? _("PSID") : _("SID"), intro, is_psid ? _("PSID:") : _("SID:"), &f);
                if (r <= 0)
                        break;
                size_t n = strlen(f.text);
                /* an empty SID: the MSID (a drive nobody took ownership of) */
                if (!(n == 0 && !is_psid) && !ui_tcg_secret_is_valid(is_psid, f.text, n)) {
                        tui_message(t, true, "%s",
                                    is_psid ? _("A PSID is 32 letters and digits: check the drive's label")
                                            : _("The SID is at most 32 printable characters"));
                        tui_field_clear(&f);
                        continue;
                }
                snprintf(c->tcg_secret, sizeof c->tcg_secret, "%s", f.text);
                tui_message_clear(t);
                is_ok = true;
                break;
        }
        tui_field_clear(&f);
        tui_field_done(&f);
        return is_ok;
}

static void cycle(size_t *index, size_t n, int step)
{
        if (n) /* wraps both ways */
                *index = step > 0 ? (*index + 1) % n : (*index + n - 1) % n;
}

enum tui_step tui_screen_plan(struct tui *t)
{
        tui_disposal_end(t);
        struct tui_field asset;
        if (tui_field_init(&asset, TUI_ASSET_MAX_BYTES * 4, false) < 0)
                return TUI_STEP_QUIT;
        enum tui_step next = TUI_STEP_QUIT;
        size_t k = 0;
        enum field focus = FIELD_ASSET;
        snprintf(asset.text, asset.max_bytes + 1, "%s", t->choices[0].asset);
        asset.len = strlen(asset.text);
        for (;;) {
                struct tui_choice *c = &t->choices[k];
                const struct disk_info *d = tui_find_disk(t, c->path);
                if (!d) {
                        tui_message(t, true, _("%s was removed: no longer chosen"), c->path);
                        next = TUI_STEP_DISKS;
                        break;
                }
                bool is_allowed = draw(t, k, d, &asset, focus);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                int step = tui_input_is_key(&in, KEY_RIGHT) ? 1 : tui_input_is_key(&in, KEY_LEFT) ? -1 : 0;
                if (step && focus != FIELD_ASSET)
                        tui_message_clear(t); /* a new choice, a new decision */
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_message_clear(t);
                        snprintf(c->asset, sizeof c->asset, "%s", asset.text);
                        if (k == 0) {
                                next = TUI_STEP_DISKS;
                                break;
                        }
                        k--;
                } else if (tui_input_is_key(&in, KEY_UP) || tui_input_is_key(&in, KEY_BTAB)) {
                        focus = focus == 0 ? N_FIELDS - 1 : focus - 1;
                        continue;
                } else if (tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'\t')) {
                        focus = (focus + 1) % N_FIELDS;
                        continue;
                } else if (step && focus == FIELD_CLASS) {
                        cycle(&c->class_index, n_names(session_policy_class_name), step);
                        continue;
                } else if (step && focus == FIELD_DESTINATION) {
                        cycle(&c->destination_index, n_names(session_policy_destination_name), step);
                        continue;
                } else if (step && focus == FIELD_METHOD) {
                        cycle(&c->method_index, n_offered(d), step);
                        continue;
                } else if (tui_input_is_enter(&in) && focus == FIELD_ASSET) {
                        /* the scanner's Enter ends the number: on to the class */
                        if (take_asset(t, &asset, c)) {
                                tui_message_clear(t);
                                focus = FIELD_CLASS;
                        }
                        continue;
                } else if (tui_input_is_enter(&in)) {
                        if (!take_asset(t, &asset, c)) {
                                focus = FIELD_ASSET;
                                continue;
                        }
                        if (!is_allowed) {
                                tui_message(t, true, "%s",
                                            _("The policy refuses this method for this class and "
                                              "destination: change the method, class or destination"));
                                continue;
                        }
                        tui_message_clear(t);
                        if (!ask_tcg_secret(t, d, tui_method_offered(d, c->method_index), c))
                                continue;
                        if (k + 1 == t->n_choices) {
                                next = TUI_STEP_CONFIRM;
                                break;
                        }
                        k++;
                } else {
                        if (focus == FIELD_ASSET)
                                tui_field_edit(&asset, &in);
                        continue;
                }
                /* another disk: its own asset field */
                focus = FIELD_ASSET;
                tui_field_clear(&asset);
                snprintf(asset.text, asset.max_bytes + 1, "%s", t->choices[k].asset);
                asset.len = strlen(asset.text);
        }
        tui_field_done(&asset);
        return next;
}
