/* SPDX-License-Identifier: MIT */
/* The operator, then the witness, log in: the user id chosen from the users file's list (no
 * Japanese typing), the passphrase (hidden) and the one-time code. The users module decides and
 * counts failures; this screen tells what it said. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "tui.h"

enum stage { STAGE_CHOOSE, STAGE_PASSPHRASE, STAGE_CODE };

/* The users who may log in now, in the file's order. */
static size_t active_users(struct tui *t, struct session_user_info **ret)
{
        struct session_user_info *all = NULL;
        size_t n = 0, k = 0;
        if (session_users_list(t->users, &all, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!all[i].is_disabled)
                        all[k++] = all[i];
        *ret = all;
        return k;
}

static void full_name(const struct session_user_info *u, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s%s%s", u->name, u->name_latin[0] ? " (" : "", u->name_latin,
                 u->name_latin[0] ? ")" : "");
}

/* Says what the users module answered. */
static void explain(struct tui *t, int r, const char *id, uint64_t wait_s)
{
        struct session_user_info info;
        switch (r) {
        case -EACCES:
                if (session_users_get(t->users, id, &info) == 0)
                        tui_message(
                                t, true,
                                _("%s: wrong passphrase or one-time code (failed attempts in a row: %llu)"),
                                id, (unsigned long long)info.failed_attempts);
                else
                        tui_message(t, true, _("%s: wrong passphrase or one-time code"), id);
                break;
        case -EKEYREVOKED:
                tui_message(t, true, _("%s is disabled and cannot log in"), id);
                break;
        case -EAGAIN:
                tui_message(t, true, _("%s: too many failed attempts: wait %llu s and try again"), id,
                            (unsigned long long)wait_s);
                break;
        case -ENOENT:
                tui_message(t, true, _("%s: no such user"), id);
                break;
        default:
                tui_message(t, true, _("%s: the login cannot be recorded (%s): refused"), id, strerror(-r));
        }
}

static void draw(struct tui *t, bool is_witness, const struct session_user_info *users, size_t n,
                 size_t cursor, enum stage stage, const struct tui_field *pass, const struct tui_field *code)
{
        const char *keys = is_witness ? _("[↑↓] choose  [Enter] next  [Esc] back")
                                      : _("[↑↓] choose  [Enter] next  [Esc] back  [F10] quit");
        int y = tui_frame(t, is_witness ? _("Witness login") : _("Operator login"), keys);
        tui_put(y++, 2, COLS - 4,
                is_witness ? _("A second person checks the work: the witness logs in (not the operator).")
                           : _("The operator logs in: choose your user ID with ↑↓ and press Enter."));
        y++;
        int list_rows = LINES - y - 9;
        size_t first = cursor >= (size_t)list_rows && list_rows > 0 ? cursor - (size_t)list_rows + 1 : 0;
        for (size_t i = first; i < n && (int)(i - first) < list_rows; i++) {
                char name[2 * SESSION_USER_NAME_MAX_BYTES + 8], id[64];
                full_name(&users[i], name, sizeof name);
                if (i == cursor)
                        attron(stage == STAGE_CHOOSE ? A_REVERSE : A_BOLD);
                tui_putf(y, 2, COLS - 4, "%s %s %s", i == cursor ? ">" : " ",
                         tui_pad(users[i].id, 20, id, sizeof id), name);
                if (i == cursor)
                        attroff(A_REVERSE | A_BOLD);
                y++;
        }
        if (n == 0)
                tui_put(y++, 2, COLS - 4,
                        _("No user can log in: an administrator adds users with 'kesu user add'."));
        y++;
        int label_w = 24;
        char label[128];
        if (stage >= STAGE_PASSPHRASE) {
                tui_put(y, 2, label_w, tui_pad(_("Passphrase:"), label_w, label, sizeof label));
                tui_field_draw(pass, y, 2 + label_w, 40, stage == STAGE_PASSPHRASE);
                y += 2;
        }
        if (stage >= STAGE_CODE) {
                tui_put(y, 2, label_w, tui_pad(_("One-time code:"), label_w, label, sizeof label));
                tui_put(y + 1, 2 + label_w, COLS - label_w - 4, _("(6 digits from the authenticator app)"));
                tui_field_draw(code, y, 2 + label_w, 12, stage == STAGE_CODE);
        }
        curs_set(stage == STAGE_CHOOSE ? 0 : 1);
        refresh();
}

/* Both factors checked by the users module; on success the person is logged in. */
static bool try_login(struct tui *t, bool is_witness, const char *id, struct tui_field *pass,
                      struct tui_field *code)
{
        char digits[16];
        size_t k = 0;
        for (size_t i = 0; code->text[i] && k + 1 < sizeof digits; i++)
                if (code->text[i] != ' ')
                        digits[k++] = code->text[i];
        digits[k] = 0;
        tui_message(t, false, "%s", _("Checking…"));
        struct session_user_info info;
        uint64_t wait_s = 0;
        int r = session_user_authenticate(t->users, id, pass->text, pass->len, digits, (int64_t)time(NULL),
                                          &info, &wait_s);
        tui_field_clear(pass);
        tui_field_clear(code);
        if (r < 0) {
                explain(t, r, id, wait_s);
                return false;
        }
        tui_message_clear(t);
        if (is_witness) {
                t->witness_info = info;
                full_name(&info, t->witness_name, sizeof t->witness_name);
                snprintf(t->authentication, sizeof t->authentication, "%s (operator and witness)",
                         t->operator_info.method);
                t->has_witness = true;
        } else {
                t->operator_info = info;
                full_name(&info, t->operator_name, sizeof t->operator_name);
                t->has_operator = true;
        }
        return true;
}

enum tui_step tui_screen_login(struct tui *t, bool is_witness)
{
        if (!is_witness)
                tui_log_out(t);
        struct session_user_info *users = NULL;
        size_t n = active_users(t, &users), cursor = 0;
        struct tui_field pass = { 0 }, code = { 0 };
        enum tui_step next = TUI_STEP_QUIT;
        if (tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0 ||
            tui_field_init(&code, 16, true) < 0)
                goto out;
        enum stage stage = STAGE_CHOOSE;
        for (;;) {
                draw(t, is_witness, users, n, cursor, stage, &pass, &code);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        goto out;
                if (!is_witness && stage == STAGE_CHOOSE && tui_input_is_key(&in, KEY_F(10)))
                        goto out;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_message_clear(t);
                        if (stage == STAGE_CHOOSE) {
                                if (is_witness) {
                                        next = TUI_STEP_LOGIN_OPERATOR;
                                        goto out;
                                }
                                continue;
                        }
                        tui_field_clear(&pass);
                        tui_field_clear(&code);
                        stage = STAGE_CHOOSE;
                        continue;
                }
                if (stage == STAGE_CHOOSE) {
                        if ((tui_input_is_key(&in, KEY_UP) || tui_input_is_char(&in, L'k')) && cursor > 0)
                                cursor--;
                        else if ((tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'j')) &&
                                 cursor + 1 < n)
                                cursor++;
                        else if (tui_input_is_enter(&in) && n > 0) {
                                if (is_witness && strcmp(users[cursor].id, t->operator_info.id) == 0) {
                                        tui_message(t, true, "%s",
                                                    _("The witness must be another person than the operator "
                                                      "(two people check the work)"));
                                        continue;
                                }
                                tui_message_clear(t);
                                stage = STAGE_PASSPHRASE;
                        }
                        continue;
                }
                struct tui_field *f = stage == STAGE_PASSPHRASE ? &pass : &code;
                if (tui_input_is_enter(&in)) {
                        if (stage == STAGE_PASSPHRASE) {
                                stage = STAGE_CODE;
                                continue;
                        }
                        draw(t, is_witness, users, n, cursor, stage, &pass, &code);
                        if (try_login(t, is_witness, users[cursor].id, &pass, &code)) {
                                next = is_witness ? TUI_STEP_KEY : tui_is_admin(t) ? TUI_STEP_ADMIN : TUI_STEP_LOGIN_WITNESS;
                                goto out;
                        }
                        stage = STAGE_PASSPHRASE;
                        continue;
                }
                tui_field_edit(f, &in);
        }
out:
        tui_field_done(&pass);
        tui_field_done(&code);
        free(users);
        return next;
}
