/* SPDX-License-Identifier: MIT */
/* A new user, enrolled at the appliance: id, name, role, passphrase twice, then the TOTP secret
 * shown once (a QR code for the phone and the base32 text), and a current code typed back before
 * anything is saved — a user whose app does not have the secret is never written. A user who forgot
 * the passphrase or lost the phone is enrolled again the same way, with both factors new. */
#include <assert.h>
#include <errno.h>
#include <qrencode.h>
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
static int ask_passphrase(struct tui *t, const char *title, const char *intro, struct tui_field *a,
                          struct tui_field *b)
{
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

/* The columns and rows tui_draw_qr() takes for text (its parameters: level M, a 2-module quiet
 * zone, two modules a row); 0 when it cannot be encoded. */
static void qr_size(const char *text, int *ret_cols, int *ret_rows)
{
        QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        *ret_cols = *ret_rows = 0;
        if (!q)
                return;
        *ret_cols = q->width + 4;
        *ret_rows = (q->width + 4 + 1) / 2;
        QRcode_free(q);
}

#define TEXT_COLS 34 /* the secret (32), indented by two */
#define TEXT_ROWS 8  /* user, role, gap, secret label, secret, gap, code label, code */

/* The otpauth:// URI without the parameters that are the Key URI Format's defaults (SHA1, 6
 * digits, 30 s — kesu's own): the same secret in a smaller QR code, for a console of 80x24 where
 * the full one does not fit. sodium_malloc'd, or NULL. */
static char *short_uri(const char *id, const char *secret)
{
        static_assert(SESSION_TOTP_DIGITS == 6 && SESSION_TOTP_PERIOD_S == 30,
                      "the short URI relies on the defaults");
        static const char fmt[] = "otpauth://totp/kesu:%s?secret=%s&issuer=kesu";
        int n = snprintf(NULL, 0, fmt, id, secret);
        char *s = n > 0 ? sodium_malloc((size_t)n + 1) : NULL;
        if (s)
                snprintf(s, (size_t)n + 1, fmt, id, secret);
        return s;
}

static void draw_enrolment(struct tui *t, const char *title, const char *id, const char *name,
                           enum session_role role, const char *secret, const char *uri,
                           const char *small_uri, const struct tui_field *code)
{
        const char *intro = _("Scan the QR code with the authenticator app (or type the secret into it), then "
                              "type the 6-digit code the app shows. It is shown only now.");
        int y = tui_frame(t, title, _("[Enter] check the code  [Esc] cancel (nothing is saved)"));
        int last = tui_last_content_row();
        int qr_cols, qr_rows, tx, ty, w, gap = 1;
        qr_size(uri, &qr_cols, &qr_rows);
        bool is_text_beside = 2 + qr_cols + 3 + 40 <= COLS;
        bool is_roomy = qr_rows && y + 3 + qr_rows - 1 <= last &&
                        (is_text_beside || y + 3 + qr_rows + 1 + TEXT_ROWS - 1 <= last);
        /* a console (80x24): the code right below the title, everything else beside it */
        bool is_compact = !is_roomy && qr_rows && 1 + qr_rows - 1 <= last && 2 + qr_cols + 2 + TEXT_COLS <= COLS;
        if (!is_roomy && !is_compact && small_uri) {
                uri = small_uri;
                qr_size(uri, &qr_cols, &qr_rows);
                is_compact = qr_rows && 1 + qr_rows - 1 <= last && 2 + qr_cols + 2 + TEXT_COLS <= COLS;
        }
        if (is_roomy) {
                /* room for all: the intro, the code, the text beside it (or below) */
                tui_put_wrapped(y, 2, COLS - 4, 2, intro);
                y += 3;
                tui_draw_qr(y, 2, uri, NULL);
                tx = is_text_beside ? 2 + qr_cols + 3 : 2;
                ty = is_text_beside ? y : y + qr_rows + 1;
                w = COLS - tx - 2;
        } else if (is_compact) {
                tui_draw_qr(1, 2, uri, NULL);
                tx = 2 + qr_cols + 2;
                ty = 1;
                w = COLS - tx - 1;
                int used = tui_put_wrapped(ty, tx, w, last - ty - TEXT_ROWS, intro);
                ty += used + (used ? 1 : 0);
        } else {
                /* too small for a code a phone can scan: the secret is typed into the app; the
                 * reason in as many lines as leave room for the rows below without their gaps */
                int room = last - y - (TEXT_ROWS - 2);
                int intro_lines = room < 2 ? 2 : room > 4 ? 4 : room;
                y += tui_put_wrapped(y, 2, COLS - 4, intro_lines,
                                     _("This terminal is too small for the QR code: type the secret into "
                                       "the authenticator app, then type the 6-digit code it shows."));
                tx = 2;
                ty = y + 1;
                w = COLS - 4;
                if (ty + TEXT_ROWS - 1 > last)
                        gap = 0;
        }
        tui_putf(ty++, tx, w, "%s %s (%s)", _("User:"), id, name);
        tui_putf(ty++, tx, w, "%s %s", _("Role:"), tui_word_role(role));
        ty += gap;
        tui_put(ty++, tx, w, _("Secret (base32):"));
        attron(A_BOLD);
        tui_putf(ty++, tx, w, "  %s", secret);
        attroff(A_BOLD);
        ty += gap;
        tui_put(ty++, tx, w, _("One-time code:"));
        curs_set(1);
        if (ty <= last)
                tui_field_draw(code, ty, tx + 2, 12, true);
        else
                tui_field_draw(code, ty - 1, tx + tui_text_width(_("One-time code:")) + 1, 12, true);
        refresh();
}

/* Shows the secret (QR code and base32) until the code the app shows is typed back: 0 with that
 * code's time step in *ret_step, -ECANCELED on Esc or a stop signal, another negative errno when
 * the secret cannot be shown (said on the message line). */
static int confirm_secret(struct tui *t, const char *title, const char *id, const char *name,
                          enum session_role role, const char *secret, uint64_t *ret_step)
{
        struct tui_field code = { 0 };
        char *uri = NULL, *small_uri = NULL;
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        int r = -ENOMEM;
        if (tui_field_init(&code, 16, false) < 0 || !(raw = sodium_malloc(SESSION_TOTP_SECRET_MAX_BYTES)))
                goto out;
        if ((r = session_totp_uri(id, secret, &uri)) < 0 ||
            (r = session_base32_decode(secret, raw, SESSION_TOTP_SECRET_MAX_BYTES, &raw_len)) < 0) {
                tui_message(t, true, _("Cannot show the secret of %s: %s"), id, strerror(-r));
                goto out;
        }
        small_uri = short_uri(id, secret); /* NULL (no memory): only the full code is offered */
        r = -ECANCELED;
        for (;;) {
                draw_enrolment(t, title, id, name, role, secret, uri, small_uri, &code);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal || tui_input_is_char(&in, TUI_ESC))
                        goto out;
                if (!tui_input_is_enter(&in)) {
                        tui_field_edit(&code, &in);
                        continue;
                }
                int k = session_totp_check(raw, raw_len, (int64_t)time(NULL), code.text, 0, ret_step);
                tui_field_clear(&code);
                if (k == 0)
                        break;
                tui_message(t, true, "%s",
                            _("The code does not match: check the secret in the app and the clock, and type "
                              "the code it shows now"));
        }
        tui_message_clear(t);
        r = 0;
out:
        if (uri)
                sodium_free(uri);
        if (small_uri)
                sodium_free(small_uri);
        if (raw)
                sodium_free(raw);
        tui_field_done(&code);
        return r;
}

/* Signs u with key (asked for when NULL) and saves it, then records the code typed back as used:
 * it must not also log the user in. 0, -ECANCELED (the key was not unlocked), or the error said
 * on the message line. */
static int sign_and_save(struct tui *t, const char *title, struct session_users *u,
                         const struct cert_secret_key *key, const char *id, uint64_t used_step)
{
        struct cert_secret_key *own_key = NULL;
        if (!key) {
                if (tui_unlock_key(t, title, &own_key) < 0)
                        return -ECANCELED;
                key = own_key;
        }
        tui_message(t, false, "%s", _("Saving…"));
        tui_frame(t, title, "");
        refresh();
        int r = session_users_save(u, key);
        if (r >= 0)
                r = session_users_note_code_used(u, id, used_step);
        if (r < 0)
                tui_message(t, true, _("Cannot write %s: %s"), session_users_path(u), strerror(-r));
        cert_secret_key_free(own_key);
        return r;
}

int tui_enrol(struct tui *t, struct session_users *u, const struct cert_secret_key *key, bool is_first_admin)
{
        const char *title = is_first_admin ? _("First administrator") : _("Add a user");
        struct tui_field id = { 0 }, name = { 0 }, pass = { 0 }, again = { 0 };
        uint64_t used_step = 0; /* the time step of the code typed back */
        char *secret = NULL;
        enum session_role role = SESSION_ROLE_ADMINISTRATOR;
        int r = -ENOMEM;
        if (tui_field_init(&id, SESSION_USER_ID_MAX, false) < 0 ||
            tui_field_init(&name, SESSION_USER_NAME_MAX_BYTES, false) < 0 ||
            tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0 ||
            tui_field_init(&again, SESSION_PASSPHRASE_MAX_BYTES, true) < 0)
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
        char intro[256];
        snprintf(intro, sizeof intro, _("The passphrase of %s: at least 8 characters, typed twice."), id.text);
        if (ask_passphrase(t, title, intro, &pass, &again) < 0)
                goto out;
        r = session_users_add(u, id.text, name.text, NULL, role, pass.text, pass.len, &secret);
        tui_field_clear(&pass);
        tui_field_clear(&again);
        if (r < 0) {
                tui_message(t, true, _("Cannot add %s: %s"), id.text, strerror(-r));
                goto out;
        }
        r = confirm_secret(t, title, id.text, name.text, role, secret, &used_step);
        if (r == 0)
                r = sign_and_save(t, title, u, key, id.text, used_step);
        if (r == -ECANCELED && !ui_stop_signal)
                tui_message(t, false, _("%s was not added"), id.text);
        else if (r == 0)
                tui_message(t, false, _("%s (%s) was added as %s"), id.text, name.text, tui_word_role(role));
out:
        if (secret)
                sodium_free(secret);
        tui_field_done(&id);
        tui_field_done(&name);
        tui_field_done(&pass);
        tui_field_done(&again);
        return r;
}

int tui_enrol_again(struct tui *t, struct session_users *u, const char *id)
{
        const char *title = _("New passphrase and one-time codes");
        struct session_user_info info;
        struct tui_field pass = { 0 }, again = { 0 };
        uint64_t used_step = 0;
        char *secret = NULL;
        int r = session_users_get(u, id, &info);
        if (r < 0) {
                tui_message(t, true, _("Cannot reset %s: %s"), id, strerror(-r));
                return r;
        }
        r = -ENOMEM;
        if (tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0 ||
            tui_field_init(&again, SESSION_PASSPHRASE_MAX_BYTES, true) < 0)
                goto out;
        char intro[1024];
        snprintf(intro, sizeof intro, "%s %s (%s)\n%s\n%s", _("User:"), info.id, info.name,
                 _("For a forgotten passphrase or a lost phone: both factors are made anew, and the old "
                   "passphrase and codes stop working once the new code is checked. The person needs "
                   "the phone with the authenticator app here."),
                 _("The new passphrase: at least 8 characters, typed twice."));
        if ((r = ask_passphrase(t, title, intro, &pass, &again)) < 0)
                goto out;
        r = session_users_reset(u, id, pass.text, pass.len, &secret);
        tui_field_clear(&pass);
        tui_field_clear(&again);
        if (r < 0) {
                tui_message(t, true, _("Cannot reset %s: %s"), id, strerror(-r));
                goto out;
        }
        r = confirm_secret(t, title, info.id, info.name, info.role, secret, &used_step);
        if (r == 0)
                r = sign_and_save(t, title, u, NULL, id, used_step);
        if (r == 0)
                tui_message(t, false,
                            info.is_disabled ? _("%s has a new passphrase and new one-time codes (still disabled)")
                                             : _("%s has a new passphrase and new one-time codes"),
                            id);
out:
        if (r == -ECANCELED && !ui_stop_signal)
                tui_message(t, false, _("Nothing was changed for %s"), id);
        if (secret)
                sodium_free(secret);
        tui_field_done(&pass);
        tui_field_done(&again);
        return r;
}
