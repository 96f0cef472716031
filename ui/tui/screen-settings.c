/* SPDX-License-Identifier: MIT */
/* The organisation name certificates carry and the printer they are printed on: the
 * configuration's `organization =` and `printer =` lines, changed in place (the rest of the file
 * is kept) and written atomically. A USB printer plugged in is set up by the image's helper, which
 * makes the CUPS queue "kesu"; the screen runs it on request, shows what it said, and on success
 * makes that queue the printer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "tui.h"

#define ORGANIZATION_MAX_BYTES 256 /* as prepare() checks it */
/* the image's helper (image/rootfs/usr/lib/kesu/kesu-printer): exit 0 when the queue exists */
#define PRINTER_SETUP_COMMAND "/usr/lib/kesu/kesu-printer"
#define PRINTER_SETUP_QUEUE   "kesu"
/* it waits up to 10 s for cupsd, then lpinfo and lpadmin: a helper still running after this is
 * stuck, and the administrator gets the screen back */
#define PRINTER_SETUP_TIMEOUT_MS (120 * 1000)

extern char **environ;

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

/* Runs argv with stdout and stderr into out (what does not fit is read and dropped), for at most
 * timeout_ms (then its process group is killed). Its exit status in *ret_status (wait(2)'s). 0, or
 * -ENOENT no such program, -ETIMEDOUT, another negative errno. */
static int run_helper(char *const argv[], int timeout_ms, char *out, size_t size, int *ret_status)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
        posix_spawnattr_init(&attr);
        /* its own process group: a timeout kills the helper's children (lpadmin…) too */
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        pid_t pid;
        int r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        close(p[1]);
        if (r != 0) {
                close(p[0]);
                return -r;
        }
        size_t got = 0;
        int64_t deadline = now_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        r = 0;
        for (;;) {
                int64_t left_ms = (deadline - now_monotonic_ns()) / 1000000;
                if (left_ms <= 0) {
                        kill(-pid, SIGKILL);
                        r = -ETIMEDOUT;
                        break;
                }
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                int k = poll(&pfd, 1, (int)left_ms);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        continue; /* the deadline is checked above */
                char sink[512];
                bool is_full = got + 1 >= size;
                ssize_t n = is_full ? read(p[0], sink, sizeof sink) : read(p[0], out + got, size - 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (!is_full)
                        got += (size_t)n;
        }
        out[got] = 0;
        close(p[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_status = status;
        return r;
}

/* The helper's output, one line a row, below y; what does not fit keeps its last lines (the
 * outcome is said last). */
static void draw_output(int y, int max_rows, char *out)
{
        char *lines[64];
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line[strcspn(line, "\r")] = 0;
                if (n == ELEMENTSOF(lines)) {
                        memmove(lines, lines + 1, (n - 1) * sizeof *lines);
                        n--;
                }
                lines[n++] = line;
        }
        size_t first = max_rows > 0 && n > (size_t)max_rows ? n - (size_t)max_rows : 0;
        for (size_t i = first; i < n; i++)
                tui_put(y++, 4, COLS - 6, lines[i]);
}

static void set_up_printer(struct tui *t)
{
        const char *title = _("Set up a USB printer");
        const char *test_command = getenv("KESU_PRINTER_SETUP_COMMAND"); /* tests only */
        const char *command = test_command && *test_command ? test_command : PRINTER_SETUP_COMMAND;
        if (access(command, X_OK) < 0) {
                tui_message(t, true,
                            _("The printer set-up %s is not here (it comes with the kesu image): set up a "
                              "CUPS queue by hand, then choose it with [p]"),
                            command);
                return;
        }
        tui_message_clear(t);
        int y = tui_frame(t, title, "");
        tui_put_wrapped(y, 2, COLS - 4, 3,
                        _("Setting up the printer plugged in by USB (this can take a minute)…"));
        curs_set(0);
        refresh();
        char out[4096] = "";
        int status = 0;
        char *const argv[] = { (char *)command, NULL };
        int r = run_helper(argv, PRINTER_SETUP_TIMEOUT_MS, out, sizeof out, &status);
        bool is_done = r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (is_done && tui_config_set(t, "printer", PRINTER_SETUP_QUEUE) < 0)
                is_done = false; /* tui_config_set() said why */
        else if (is_done)
                tui_message(t, false, _("Printer set: %s"), PRINTER_SETUP_QUEUE);
        else if (r == -ETIMEDOUT)
                tui_message(t, true, _("The printer set-up did not finish within %d s: stopped"),
                            PRINTER_SETUP_TIMEOUT_MS / 1000);
        else if (r < 0)
                tui_message(t, true, _("Cannot run %s: %s"), command, strerror(-r));
        else if (WIFEXITED(status))
                tui_message(t, true, _("The printer was not set up (exit status %d): is it plugged in and on?"),
                            WEXITSTATUS(status));
        else
                tui_message(t, true, "%s", _("The printer was not set up: the set-up stopped"));
        for (;;) {
                y = tui_frame(t, title, _("[Enter] back"));
                tui_putf(y++, 2, COLS - 4, "%s %s", _("Set-up:"), command);
                y++;
                tui_put(y++, 2, COLS - 4, is_done ? _("Done. What it said:") : _("Not done. What it said:"));
                char copy[sizeof out];
                memcpy(copy, out, sizeof copy);
                if (!*out)
                        tui_put(y, 4, COLS - 6, _("(nothing)"));
                else
                        draw_output(y, LINES - y - 3, copy);
                curs_set(0);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal || tui_input_is_char(&in, TUI_ESC) || tui_input_is_enter(&in))
                        return;
        }
}

enum tui_step tui_screen_settings(struct tui *t)
{
        for (;;) {
                int y = tui_frame(t, _("Organisation name and printer"),
                                  _("[o] organisation  [p] printer  [u] USB printer set-up  [Esc] back"));
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
                else if (tui_input_is_char(&in, L'u'))
                        set_up_printer(t);
        }
}
