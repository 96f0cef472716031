/* SPDX-License-Identifier: MIT */
/* The appliance has no network: the operator confirms its clock against a reference (a phone, a
 * wall clock) before the times on certificates are trusted. Setting the clock is an
 * administrator's act (not on this screen yet). */
#include <stdio.h>
#include <time.h>

#include "tui.h"

enum tui_step tui_screen_clock(struct tui *t)
{
        for (;;) {
                int64_t now = (int64_t)time(NULL);
                char jst[64], utc[64];
                tui_format_jst(now, jst, sizeof jst);
                tui_format_utc(now, utc, sizeof utc);
                int y = tui_frame(t, _("Clock"),
                                  _("[y] the clock is right  [n] it is wrong  [Esc] log out"));
                tui_put(y++, 2, COLS - 4,
                        _("Certificates record the time. Compare this clock with a reference (a phone, a "
                          "wall clock)."));
                y++;
                attron(A_BOLD);
                tui_putf(y++, 4, COLS - 6, "%s  %s", _("Japan:"), jst);
                tui_putf(y++, 4, COLS - 6, "%s  %s", _("UTC:  "), utc);
                attroff(A_BOLD);
                y++;
                tui_put(y++, 2, COLS - 4, _("Is the clock right (within a minute)?"));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        return TUI_STEP_QUIT;
                if (tui_input_is_char(&in, TUI_ESC))
                        return TUI_STEP_LOGIN_OPERATOR;
                if (tui_input_is_char(&in, L'n') || tui_input_is_char(&in, L'N'))
                        tui_message(t, true, "%s",
                                    _("Ask an administrator to set the clock; no disposal starts before the "
                                      "clock is confirmed"));
                if (tui_input_is_char(&in, L'y') || tui_input_is_char(&in, L'Y')) {
                        tui_format_jst((int64_t)time(NULL), jst, sizeof jst);
                        snprintf(t->clock_confirmation, sizeof t->clock_confirmation, "%s, %s",
                                 t->operator_info.id, jst);
                        tui_message_clear(t);
                        return TUI_STEP_DISKS;
                }
        }
}
