/* SPDX-License-Identifier: MIT */
/* A new user, enrolled at the appliance: id, name, role, passphrase twice, then the TOTP secret
 * shown once (a QR code for the phone and the base32 text), and a current code typed back before
 * anything is saved — a user whose app does not have the secret is never written. */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "tui.h"

/* Asks until check() accepts the text (0) or the administrator goes back (-ECANCELED). */
static int ask_checked(struct tui *t, const char *title, const char *intro, const char *label,
                       struct tui_field *f, const struct session_users *u,
                       int (*check)(struct tui *, const struct session_users *, const char *))
{
        for (;;) {
                int r = tui_ask(t, title, intro, label, f);
                if (r <= 0)
                        return -ECANCELED;
                if (check(t, u, f->text) == 0) {
                        tui_message_clear(t);
                        return 0;
                }
        }
}

static int check_id(struct tui *t, const struct session_users *u, const char *id)
{
        struct session_user_info info;
        if (session_user_id_check(id) < 0) {
                tui_message(t, true, "%s", _("A user ID is 1 to 32 of A-Z a-z 0-9 . _ -"));
                return -EINVAL;
        }
        if (session_users_get(u, id, &info) == 0) {
                tui_message(t, true, _("%s already exists"), id);
                return -EEXIST;
        }
        return 0;
}

static int check_name(struct tui *t, const struct session_users *u, const char *name)
{
        (void)u;
        if (session_user_name_check(name) < 0) {
                tui_message(t, true, "%s",
                            _("A name is 1 to 64 bytes of printable text (romaji is fine: Yamada Taro)"));
                return -EINVAL;
        }
        return 0;
}

static int ask_role(struct tui *t, const char *title, enum session_role *ret)
{
        for (;;) {
                int y = tui_frame(t, title, _("[1] operator  [2] administrator  [Esc] back"));
                tui_put(y++, 2, COLS - 4, _("Role of the new user:"));
                y++;
                tui_putf(y++, 4, COLS - 6, "[1] %s", _("operator — erases disks, or witnesses"));
                tui_putf(y++, 4, COLS - 6, "[2] %s",
                         _("administrator — also manages users, settings, the policy and the clock"));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal || tui_input_is_char(&in, TUI_ESC))
                        return -ECANCELED;
                if (tui_input_is_char(&in, L'1') || tui_input_is_char(&in, L'2')) {
                        *ret = tui_input_is_char(&in, L'1') ? SESSION_ROLE_OPERATOR
                                                            : SESSION_ROLE_ADMINISTRATOR;
                        return 0;
                }
        }
}

/* The passphrase, twice, hidden; into a (the first field). */
static int ask_passphrase(struct tui *t, const char *title, const char *id, struct tui_field *a,
                          struct tui_field *b)
{
        char intro[256];
        snprintf(intro, sizeof intro, _("The passphrase of %s: at least 8 characters, typed twice."), id);
        for (;;) {
                tui_field_clear(a);
                tui_field_clear(b);
                if (tui_ask(t, title, intro, _("Passphrase:"), a) <= 0)
                        return -ECANCELED;
                int r = session_passphrase_check(a->text, a->len);
                if (r < 0) {
                        tui_message(t, true, "%s",
                                    r == -EINVAL ? _("The passphrase is too short: at least 8 characters")
                                                 : _("The passphrase is not usable text"));
                        continue;
                }
                if (tui_ask(t, title, intro, _("Passphrase again:"), b) <= 0)
                        return -ECANCELED;
                if (a->len != b->len || sodium_memcmp(a->text, b->text, a->len) != 0) {
                        tui_message(t, true, "%s", _("The two passphrases differ: type them again"));
                        continue;
                }
                tui_message_clear(t);
                return 0;
        }
}

static void draw_enrolment(struct tui *t, const char *title, const char *id, const char *name,
                           enum session_role role, const char *secret, const char *uri,
                           const struct tui_field *code)
{
        int y = tui_frame(t, title, _("[Enter] check the code  [Esc] cancel (nothing is saved)"));
        tui_put_wrapped(y, 2, COLS - 4, 2,
                        _("Scan the QR code with the authenticator app (or type the secret into it), then "
                          "type the 6-digit code the app shows. It is shown only now."));
        y += 3;
        int cols = 0, rows = tui_draw_qr(y, 2, uri, &cols);
        /* the text beside the code when there is room, else below it */
        int tx = 2 + cols + 3, ty = y;
        if (tx + 40 > COLS) {
                tx = 2;
                ty = y + rows + 1;
        }
        int w = COLS - tx - 2;
        tui_putf(ty++, tx, w, "%s %s (%s)", _("User:"), id, name);
        tui_putf(ty++, tx, w, "%s %s", _("Role:"), tui_word_role(role));
        ty++;
        tui_put(ty++, tx, w, _("Secret (base32):"));
        attron(A_BOLD);
        tui_putf(ty++, tx, w, "  %s", secret);
        attroff(A_BOLD);
        ty++;
        tui_put(ty++, tx, w, _("One-time code:"));
        curs_set(1);
        tui_field_draw(code, ty, tx + 2, 12, true);
        refresh();
}

int tui_enrol(struct tui *t, struct session_users *u, const struct cert_secret_key *key, bool is_first_admin)
{
        const char *title = is_first_admin ? _("First administrator") : _("Add a user");
        struct tui_field id = { 0 }, name = { 0 }, pass = { 0 }, again = { 0 }, code = { 0 };
        uint64_t used_step = 0; /* the time step of the code typed back */
        char *secret = NULL, *uri = NULL;
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        struct cert_secret_key *own_key = NULL;
        enum session_role role = SESSION_ROLE_ADMINISTRATOR;
        int r = -ENOMEM;
        if (tui_field_init(&id, SESSION_USER_ID_MAX, false) < 0 ||
            tui_field_init(&name, SESSION_USER_NAME_MAX_BYTES, false) < 0 ||
            tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0 ||
            tui_field_init(&again, SESSION_PASSPHRASE_MAX_BYTES, true) < 0 ||
            tui_field_init(&code, 16, false) < 0 || !(raw = sodium_malloc(SESSION_TOTP_SECRET_MAX_BYTES)))
                goto out;
        r = -ECANCELED;
        if (ask_checked(t, title,
                        is_first_admin
                                ? _("The first administrator: choose a user ID (letters, digits, . _ -).")
                                : _("The new user's ID (letters, digits, . _ -)."),
                        _("User ID:"), &id, u, check_id) < 0 ||
            ask_checked(t, title, _("The person's name (romaji is fine: Yamada Taro)."), _("Name:"), &name,
                        u, check_name) < 0)
                goto out;
        if (!is_first_admin && ask_role(t, title, &role) < 0)
                goto out;
        if (ask_passphrase(t, title, id.text, &pass, &again) < 0)
                goto out;
        r = session_users_add(u, id.text, name.text, NULL, role, pass.text, pass.len, &secret);
        tui_field_clear(&pass);
        tui_field_clear(&again);
        if (r < 0 || (r = session_totp_uri(id.text, secret, &uri)) < 0 ||
            (r = session_base32_decode(secret, raw, SESSION_TOTP_SECRET_MAX_BYTES, &raw_len)) < 0) {
                tui_message(t, true, _("Cannot add %s: %s"), id.text, strerror(-r));
                goto out;
        }
        r = -ECANCELED;
        for (;;) {
                draw_enrolment(t, title, id.text, name.text, role, secret, uri, &code);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        goto out;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_message(t, false, _("%s was not added"), id.text);
                        goto out;
                }
                if (!tui_input_is_enter(&in)) {
                        tui_field_edit(&code, &in);
                        continue;
                }
                int k = session_totp_check(raw, raw_len, (int64_t)time(NULL), code.text, 0, &used_step);
                tui_field_clear(&code);
                if (k == 0)
                        break;
                tui_message(t, true, "%s",
                            _("The code does not match: check the secret in the app and the clock, and type "
                              "the code it shows now"));
        }
        tui_message_clear(t);
        if (!key) {
                if (tui_unlock_key(t, title, &own_key) < 0) {
                        tui_message(t, false, _("%s was not added"), id.text);
                        goto out;
                }
                key = own_key;
        }
        tui_message(t, false, "%s", _("Saving…"));
        tui_frame(t, title, "");
        refresh();
        r = session_users_save(u, key);
        /* the code typed back was seen: it must not also log the new user in */
        if (r >= 0)
                r = session_users_note_code_used(u, id.text, used_step);
        if (r < 0)
                tui_message(t, true, _("Cannot write %s: %s"), session_users_path(u), strerror(-r));
        else
                tui_message(t, false, _("%s (%s) was added as %s"), id.text, name.text, tui_word_role(role));
out:
        cert_secret_key_free(own_key);
        if (secret)
                sodium_free(secret);
        if (uri)
                sodium_free(uri);
        if (raw)
                sodium_free(raw);
        tui_field_done(&id);
        tui_field_done(&name);
        tui_field_done(&pass);
        tui_field_done(&again);
        tui_field_done(&code);
        return r;
}
