/* SPDX-License-Identifier: MIT */
/* An administrator's login: a menu — a disposal as any operator, or the appliance's users, its
 * organisation name and printer, the policy and the clock. */
#include "tui.h"

enum tui_step tui_screen_admin(struct tui *t)
{
        static const struct {
                const char *label;
                enum tui_step step;
        } items[] = {
                { N_("Disposal (a witness logs in next)"), TUI_STEP_LOGIN_WITNESS },
                { N_("Users: add, disable, enable, new passphrase"), TUI_STEP_ADMIN_USERS },
                { N_("Organisation name and printer"), TUI_STEP_ADMIN_SETTINGS },
                { N_("Disposal policy"), TUI_STEP_ADMIN_POLICY },
                { N_("Clock: check and set"), TUI_STEP_ADMIN_CLOCK },
        };
        for (;;) {
                int y = tui_frame(t, _("Administrator"), _("[1]-[5] choose  [Esc] log out"));
                tui_put(y++, 2, COLS - 4, _("You are logged in as an administrator. Choose:"));
                y++;
                for (size_t i = 0; i < ELEMENTSOF(items); i++)
                        tui_putf(y++, 4, COLS - 6, "[%zu] %s", i + 1, _(items[i].label));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        return TUI_STEP_QUIT;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_message_clear(t);
                        return TUI_STEP_LOGIN_OPERATOR;
                }
                if (in.kind == TUI_INPUT_CHAR && in.ch >= L'1' && in.ch < L'1' + (wint_t)ELEMENTSOF(items)) {
                        tui_message_clear(t);
                        return items[in.ch - L'1'].step;
                }
        }
}
