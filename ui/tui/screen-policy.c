/* SPDX-License-Identifier: MIT */
/* The disposal policy in force — where it comes from and what it requires for each class and
 * destination — and a new one loaded from a file in the data folder (the key's folder). The file
 * is checked whole by the session's parser first: a broken one is refused with its line and the
 * policy in force stays. A good one becomes the configuration's `policy =`. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tui.h"

#define MAX_FILES 32

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of the data folder but kesu.conf (the configuration): full paths, sorted. */
static size_t policy_files(const struct tui *t, char *ret[MAX_FILES])
{
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", t->key_file);
        const char *dir = dirname(copy);
        DIR *d = opendir(dir);
        size_t n = 0;
        if (!d)
                return 0;
        for (struct dirent *e; (e = readdir(d)) && n < MAX_FILES;) {
                size_t len = strlen(e->d_name);
                if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0 ||
                    strcmp(e->d_name, "kesu.conf") == 0 || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN))
                        continue;
                if (asprintf(&ret[n], "%s/%s", dir, e->d_name) >= 0)
                        n++;
        }
        closedir(d);
        qsort(ret, n, sizeof *ret, by_name);
        return n;
}

static void load(struct tui *t, const char *path)
{
        struct session_policy *p = NULL;
        struct session_policy_error err = { 0 };
        int r = session_policy_load(path, &p, &err);
        if (r < 0) {
                tui_message(t, true, _("Refused, the policy in force stays: %s"),
                            err.message[0] ? err.message : strerror(-r));
                return;
        }
        if (tui_config_set(t, "policy", path) < 0) {
                session_policy_free(p);
                return;
        }
        session_policy_free(t->policy);
        t->policy = p;
        tui_message(t, false, _("The policy %s is in force"), path);
}

enum tui_step tui_screen_policy(struct tui *t)
{
        char *files[MAX_FILES];
        size_t n = policy_files(t, files), cursor = 0;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                int y = tui_frame(t, _("Disposal policy"),
                                  _("[↑↓] choose a file  [Enter] load it  [Esc] back"));
                const char *source = session_policy_source(t->policy);
                tui_putf(y++, 2, COLS - 4, "%s %s", _("In force:"),
                         strcmp(source, "built-in default") == 0 ? _("the built-in default") : source);
                y++;
                /* what it requires: every class at every destination */
                char cell[128];
                int cw = 16;
                tui_put(y, 4, 10, _("Class"));
                for (size_t j = 0; session_policy_destination_name(j); j++)
                        tui_put(y, 14 + (int)j * cw, cw - 1,
                                tui_pad(tui_word_destination(session_policy_destination_name(j)), cw - 1,
                                        cell, sizeof cell));
                y++;
                for (size_t i = 0; session_policy_class_name(i); i++, y++) {
                        const char *c = session_policy_class_name(i);
                        tui_put(y, 4, 10, tui_word_class(c));
                        for (size_t j = 0; session_policy_destination_name(j); j++) {
                                struct session_policy_decision d;
                                if (session_policy_decide(t->policy, c, session_policy_destination_name(j),
                                                          "zero", &d) == 0)
                                        tui_put(y, 14 + (int)j * cw, cw - 1,
                                                tui_word_level(d.required_level));
                        }
                }
                y++;
                char copy[PATH_MAX];
                snprintf(copy, sizeof copy, "%s", t->key_file);
                tui_putf(y++, 2, COLS - 4, _("Policy files in the data folder %s:"), dirname(copy));
                for (size_t i = 0; i < n && y < LINES - 3; i++, y++) {
                        if (i == cursor)
                                attron(A_REVERSE);
                        tui_putf(y, 2, COLS - 4, "%s %s", i == cursor ? ">" : " ", files[i]);
                        if (i == cursor)
                                attroff(A_REVERSE);
                }
                if (n == 0)
                        tui_put(y++, 4, COLS - 6, _("(none: put a policy file named *.conf there)"));
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        next = TUI_STEP_ADMIN;
                        break;
                }
                if (tui_input_is_key(&in, KEY_UP) && cursor > 0)
                        cursor--;
                else if (tui_input_is_key(&in, KEY_DOWN) && cursor + 1 < n)
                        cursor++;
                else if (tui_input_is_enter(&in) && n)
                        load(t, files[cursor]);
        }
        for (size_t i = 0; i < n; i++)
                free(files[i]);
        return next;
}
