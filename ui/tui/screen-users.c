/* SPDX-License-Identifier: MIT */
/* The appliance's users: the list (id, name, role, disabled), adding one (enrolled with a code
 * check), disabling one (confirmed by typing its id) and enabling it again, and enrolling one again
 * with both factors new (a forgotten passphrase, a lost phone). Each change is made on a fresh copy
 * of the users file, signed with the appliance key and saved; the screen then reads the file
 * again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* The users file as it is on disk now, to change. */
static struct session_users *fresh_copy(struct tui *t)
{
        struct session_users *u = NULL;
        if (ui_users_load(t->users_file, t->key_file, t->config_path, &u) < 0)
                return NULL;
        return u;
}

static void add_user(struct tui *t)
{
        struct session_users *u = fresh_copy(t);
        if (!u)
                return;
        if (tui_enrol(t, u, NULL, false) == 0)
                tui_users_reload(t);
        session_users_free(u);
}

static void disable_user(struct tui *t, const struct session_user_info *who)
{
        if (who->is_disabled) {
                tui_message(t, true, _("%s is already disabled"), who->id);
                return;
        }
        if (strcmp(who->id, t->operator_info.id) == 0) {
                tui_message(t, true, "%s", _("You cannot disable yourself (another administrator can)"));
                return;
        }
        const char *title = _("Disable a user");
        struct tui_field f;
        if (tui_field_init(&f, SESSION_USER_ID_MAX, false) < 0)
                return;
        char intro[512];
        snprintf(intro, sizeof intro,
                 _("%s (%s) will no longer be able to log in (kept in the file for the records). Type the "
                   "user ID to confirm."),
                 who->id, who->name);
        int r = tui_ask(t, title, intro, _("User ID:"), &f);
        bool is_confirmed = r == 1 && strcmp(f.text, who->id) == 0;
        tui_field_done(&f);
        if (!is_confirmed) {
                tui_message(t, r == 1, _("%s was not disabled"), who->id);
                return;
        }
        struct session_users *u = fresh_copy(t);
        struct cert_secret_key *key = NULL;
        if (!u)
                return;
        if ((r = session_users_disable(u, who->id)) < 0)
                tui_message(t, true, _("Cannot disable %s: %s"), who->id, strerror(-r));
        else if (tui_unlock_key(t, title, &key) < 0)
                tui_message(t, false, _("%s was not disabled"), who->id);
        else if ((r = session_users_save(u, key)) < 0)
                tui_message(t, true, _("Cannot write %s: %s"), session_users_path(u), strerror(-r));
        else {
                tui_message(t, false, _("%s is disabled"), who->id);
                tui_users_reload(t);
        }
        cert_secret_key_free(key);
        session_users_free(u);
}

static void enable_user(struct tui *t, const struct session_user_info *who)
{
        if (!who->is_disabled) {
                tui_message(t, true, _("%s is not disabled"), who->id);
                return;
        }
        /* the key's passphrase is the confirmation: the title says what it is for */
        char title[128];
        snprintf(title, sizeof title, _("Enable %s again"), who->id);
        struct session_users *u = fresh_copy(t);
        struct cert_secret_key *key = NULL;
        int r;
        if (!u)
                return;
        if ((r = session_users_enable(u, who->id)) < 0)
                tui_message(t, true, _("Cannot enable %s: %s"), who->id, strerror(-r));
        else if (tui_unlock_key(t, title, &key) < 0)
                tui_message(t, false, _("%s was not enabled"), who->id);
        else if ((r = session_users_save(u, key)) < 0)
                tui_message(t, true, _("Cannot write %s: %s"), session_users_path(u), strerror(-r));
        else {
                tui_message(t, false, _("%s is enabled: they can log in again"), who->id);
                tui_users_reload(t);
        }
        cert_secret_key_free(key);
        session_users_free(u);
}

static void enrol_again(struct tui *t, const struct session_user_info *who)
{
        struct session_users *u = fresh_copy(t);
        if (!u)
                return;
        if (tui_enrol_again(t, u, who->id) == 0)
                tui_users_reload(t);
        session_users_free(u);
}

enum tui_step tui_screen_users(struct tui *t)
{
        size_t cursor = 0;
        for (;;) {
                struct session_user_info *users = NULL;
                size_t n = 0;
                if (session_users_list(t->users, &users, &n) < 0)
                        return TUI_STEP_ADMIN;
                if (cursor >= n)
                        cursor = n ? n - 1 : 0;
                int y = tui_frame(t, _("Users"),
                                  _("[↑↓] choose  [a] add  [d] disable  [e] enable  [r] new passphrase  "
                                    "[Esc] back"));
                /* the name column takes what the others leave (a narrow console still shows all) */
                int id_w = COLS >= 80 ? 20 : 12, role_w = COLS >= 80 ? 14 : 8;
                int name_w = COLS - 4 - 2 - id_w - role_w - 8 - 3;
                if (name_w > 32)
                        name_w = 32;
                if (name_w < 4)
                        name_w = 4;
                char c1[64], c2[160], c3[64];
                attron(A_BOLD);
                tui_putf(y++, 2, COLS - 4, "  %s %s %s %s", tui_pad(_("User ID"), id_w, c1, sizeof c1),
                         tui_pad(_("Name"), name_w, c2, sizeof c2), tui_pad(_("Role"), role_w, c3, sizeof c3),
                         _("State"));
                attroff(A_BOLD);
                int rows = LINES - y - 3;
                size_t first = rows > 0 && cursor >= (size_t)rows ? cursor - (size_t)rows + 1 : 0;
                for (size_t i = first; i < n && (int)(i - first) < rows; i++, y++) {
                        if (i == cursor)
                                attron(A_REVERSE);
                        tui_putf(y, 2, COLS - 4, "%s %s %s %s %s", i == cursor ? ">" : " ",
                                 tui_pad(users[i].id, id_w, c1, sizeof c1),
                                 tui_pad(users[i].name, name_w, c2, sizeof c2),
                                 tui_pad(tui_word_role(users[i].role), role_w, c3, sizeof c3),
                                 users[i].is_disabled ? _("disabled") : _("active"));
                        if (i == cursor)
                                attroff(A_REVERSE);
                }
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                struct session_user_info chosen = n ? users[cursor] : (struct session_user_info){ 0 };
                free(users);
                if (ui_stop_signal)
                        return TUI_STEP_QUIT;
                if (tui_input_is_char(&in, TUI_ESC))
                        return TUI_STEP_ADMIN;
                if ((tui_input_is_key(&in, KEY_UP) || tui_input_is_char(&in, L'k')) && cursor > 0)
                        cursor--;
                else if ((tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'j')) && cursor + 1 < n)
                        cursor++;
                else if (tui_input_is_char(&in, L'a'))
                        add_user(t);
                else if (tui_input_is_char(&in, L'd') && n)
                        disable_user(t, &chosen);
                else if (tui_input_is_char(&in, L'e') && n)
                        enable_user(t, &chosen);
                else if (tui_input_is_char(&in, L'r') && n)
                        enrol_again(t, &chosen);
        }
}
