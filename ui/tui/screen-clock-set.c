/* SPDX-License-Identifier: MIT */
/* The administrator checks the clock (JST and UTC) and sets it: the date and time typed in JST,
 * checked strictly, then the system clock (clock_settime) and the RTC (`hwclock --systohc`, when
 * installed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui.h"

#define JST_OFFSET_S (9 * 3600)

/* "YYYY-MM-DD HH:MM:SS" (or "HH:MM" without seconds) in JST → Unix time; -EINVAL for anything
 * else, a date that does not exist (2026-02-30) or a year out of 2024–2099. */
static int parse_jst(const char *s, int64_t *ret)
{
        int y, mo, d, h, mi, sec = 0, used = 0;
        if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6) {
                sec = 0;
                used = 0;
                if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5)
                        return -EINVAL;
        }
        if (s[used] != 0 || y < 2024 || y > 2099 || h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 ||
            sec < 0)
                return -EINVAL;
        struct tm tm = { .tm_year = y - 1900,
                         .tm_mon = mo - 1,
                         .tm_mday = d,
                         .tm_hour = h,
                         .tm_min = mi,
                         .tm_sec = sec };
        time_t u = timegm(&tm);
        /* timegm normalises 02-30 to 03-02: a date that changed did not exist */
        if (u == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
                return -EINVAL;
        *ret = (int64_t)u - JST_OFFSET_S;
        return 0;
}

int tui_clock_set(int64_t s)
{
        char arg[32];
        snprintf(arg, sizeof arg, "@%lld", (long long)s);
        const char *test_command =
                getenv("KESU_CLOCK_SET_COMMAND"); /* tests only: not the machine's clock */
        if (test_command && *test_command) {
                char *const argv[] = { (char *)test_command, arg, NULL };
                return ui_run_tool(argv, NULL, 0);
        }
        struct timespec ts = { .tv_sec = (time_t)s };
        if (clock_settime(CLOCK_REALTIME, &ts) < 0)
                return -errno;
        char *const hwclock[] = { (char *)"hwclock", (char *)"--systohc", (char *)"--utc", NULL };
        int r = ui_run_tool(hwclock, NULL, 0);
        return r == -ENOENT ? 0 : r; /* no RTC tool: the system clock is set */
}

enum tui_step tui_screen_clock_set(struct tui *t)
{
        struct tui_field f;
        if (tui_field_init(&f, 32, false) < 0)
                return TUI_STEP_ADMIN;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                int64_t now = (int64_t)time(NULL);
                char jst[64], utc[64];
                tui_format_jst(now, jst, sizeof jst);
                tui_format_utc(now, utc, sizeof utc);
                int y = tui_frame(t, _("Set the clock"), _("[Enter] set the clock  [Esc] back"));
                attron(A_BOLD);
                tui_putf(y++, 4, COLS - 6, "%s  %s", _("Japan:"), jst);
                tui_putf(y++, 4, COLS - 6, "%s  %s", _("UTC:  "), utc);
                attroff(A_BOLD);
                y++;
                tui_put_wrapped(
                        y, 2, COLS - 4, 2,
                        _("To set it, type the date and time in Japan time (JST) as 2026-11-23 19:00:00 "
                          "and press Enter. The hardware clock is set too."));
                y += 3;
                tui_put(y, 2, 24, _("New time (JST):"));
                curs_set(1);
                tui_field_draw(&f, y, 26, 24, true);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_message_clear(t);
                        next = TUI_STEP_ADMIN;
                        break;
                }
                if (!tui_input_is_enter(&in)) {
                        tui_field_edit(&f, &in);
                        continue;
                }
                int64_t s;
                if (parse_jst(f.text, &s) < 0) {
                        tui_message(t, true, "%s",
                                    _("Not a date and time: type it as 2026-11-23 19:00:00 (JST)"));
                        continue;
                }
                int r = tui_clock_set(s);
                tui_format_jst(s, jst, sizeof jst);
                if (r < 0)
                        tui_message(t, true, _("Cannot set the clock to %s: %s"), jst, strerror(-r));
                else
                        tui_message(t, false, _("The clock was set to %s"), jst);
                tui_field_clear(&f);
        }
        tui_field_done(&f);
        return next;
}
