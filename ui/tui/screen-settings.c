/* SPDX-License-Identifier: MIT */
/* The organisation name certificates carry and the printer they are printed on: the
 * configuration's `organization =` and `printer =` lines, changed in place (the rest of the file
 * is kept) and written atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tui.h"

#define ORGANIZATION_MAX_BYTES 256 /* as prepare() checks it */

static void edit_organization(struct tui *t)
{
        struct tui_field f;
        if (tui_field_init(&f, ORGANIZATION_MAX_BYTES, false) < 0)
                return;
        tui_field_set(&f, t->organization ? t->organization : "");
        while (tui_ask(t, _("Organisation name"),
                       _("The organisation named on every certificate (romaji or English is fine)."),
                       _("Organisation:"), &f) == 1) {
                char *v = strdup_stripped_or_null(f.text);
                if (!v || text_check(v, ORGANIZATION_MAX_BYTES, NULL) < 0) {
                        free(v);
                        tui_message(t, true, "%s", _("The name must be printable text"));
                        continue;
                }
                if (tui_config_set(t, "organization", v) == 0)
                        tui_message(t, false, _("Organisation set: %s"), v);
                free(v);
                break;
        }
        tui_field_done(&f);
}

/* The CUPS queues (`lpstat -e`), one a line, into names; returns how many. */
static size_t printer_queues(char *out, size_t size, const char *names[], size_t max)
{
        char *const argv[] = { (char *)"lpstat", (char *)"-e", NULL };
        size_t n = 0;
        if (ui_run_tool(argv, out, size) < 0)
                return 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
                if (*strstrip(line))
                        names[n++] = line;
        return n;
}

static void choose_printer(struct tui *t)
{
        char out[8192];
        const char *names[64];
        size_t n = printer_queues(out, sizeof out, names, ELEMENTSOF(names)), cursor = 0;
        /* the first row is "no printer" */
        for (size_t i = 0; i < n; i++)
                if (t->printer && strcmp(names[i], t->printer) == 0)
                        cursor = i + 1;
        for (;;) {
                int y = tui_frame(t, _("Printer"), _("[↑↓] choose  [Enter] set  [Esc] back"));
                tui_put(y++, 2, COLS - 4, _("The printer queue certificates are printed on (CUPS):"));
                y++;
                for (size_t i = 0; i <= n && y < LINES - 3; i++, y++) {
                        if (i == cursor)
                                attron(A_REVERSE);
                        tui_putf(y, 2, COLS - 4, "%s %s", i == cursor ? ">" : " ",
                                 i == 0 ? _("(no printer: certificates are not printed)") : names[i - 1]);
                        if (i == cursor)
                                attroff(A_REVERSE);
                }
                if (n == 0)
                        tui_put(y + 1, 2, COLS - 4, _("No printer queue is set up (lpstat -e lists none)."));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal || tui_input_is_char(&in, TUI_ESC))
                        return;
                if (tui_input_is_key(&in, KEY_UP) && cursor > 0)
                        cursor--;
                else if (tui_input_is_key(&in, KEY_DOWN) && cursor < n)
                        cursor++;
                else if (tui_input_is_enter(&in)) {
                        const char *v = cursor ? names[cursor - 1] : NULL;
                        if (tui_config_set(t, "printer", v) == 0)
                                tui_message(t, false, _("Printer set: %s"), v ? v : _("none"));
                        return;
                }
        }
}

enum tui_step tui_screen_settings(struct tui *t)
{
        for (;;) {
                int y = tui_frame(t, _("Organisation name and printer"),
                                  _("[o] organisation  [p] printer  [Esc] back"));
                const char *path = t->config_path ? t->config_path : UI_DEFAULT_CONFIG;
                tui_putf(y++, 2, COLS - 4, "%s %s", _("Configuration:"), path);
                y++;
                tui_putf(y++, 4, COLS - 6, "%s %s", _("Organisation:"),
                         t->organization ? t->organization : _("(not set)"));
                tui_putf(y++, 4, COLS - 6, "%s %s", _("Printer:"), t->printer ? t->printer : _("none"));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        return TUI_STEP_QUIT;
                if (tui_input_is_char(&in, TUI_ESC))
                        return TUI_STEP_ADMIN;
                if (tui_input_is_char(&in, L'o'))
                        edit_organization(t);
                else if (tui_input_is_char(&in, L'p'))
                        choose_printer(t);
        }
}
