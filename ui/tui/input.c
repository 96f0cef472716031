/* SPDX-License-Identifier: MIT */
/* The keyboard and the descriptors a screen follows (the disk monitor, the session's events) in
 * one poll(): nothing spins, and fast typing — a barcode scanner's thirty characters in a few
 * milliseconds — is taken from curses' buffer character by character, never dropped. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

#include "common.h"
#include "tui.h"

static bool take_key(struct tui *t, struct tui_input *ret)
{
        wint_t ch;
        int r = get_wch(&ch);
        if (r == ERR)
                return false;
        if (r == KEY_CODE_YES) {
                if (ch == KEY_F(2)) {
                        tui_lang_set(t, t->lang == TUI_LANG_JA ? TUI_LANG_EN : TUI_LANG_JA);
                        *ret = (struct tui_input){ .kind = TUI_INPUT_NONE };
                } else if (ch == KEY_RESIZE)
                        *ret = (struct tui_input){ .kind = TUI_INPUT_NONE };
                else
                        *ret = (struct tui_input){ .kind = TUI_INPUT_KEY, .key = (int)ch };
                return true;
        }
        *ret = (struct tui_input){ .kind = TUI_INPUT_CHAR, .ch = ch };
        return true;
}

/*
 * The image's tests (tests/vm) drive the screen on tty1 with QEMU's keyboard but cannot read
 * kmscon's screen back: with KESU_UI_SCREEN_DUMP=FILE in the environment (set by the image only in
 * its autotest boot), the screen's text is written to FILE (atomically) whenever it changed, each
 * time input is awaited, after a first line COLSxLINES. Nothing else reads it; without the variable this does nothing.
 */
static void dump_screen(void)
{
        static char *last;
        const char *path = getenv("KESU_UI_SCREEN_DUMP");
        if (!path || !*path || LINES <= 0 || COLS <= 0)
                return;
        size_t cap = (size_t)LINES * ((size_t)COLS * MB_LEN_MAX + 1) + 1, len = 0;
        char *text = malloc(cap);
        wchar_t *line = calloc((size_t)COLS + 1, sizeof *line);
        if (!text || !line)
                goto done;
        /* the first line: the terminal's size, for the test to find the character cells in a
         * screenshot */
        len = (size_t)snprintf(text, cap, "%dx%d\n", COLS, LINES);
        int y0, x0;
        getyx(stdscr, y0, x0);
        for (int y = 0; y < LINES; y++) {
                int n = mvinnwstr(y, 0, line, COLS);
                size_t start = len;
                mbstate_t st = { 0 };
                for (int i = 0; i < n && line[i]; i++) {
                        size_t k = wcrtomb(text + len, line[i], &st);
                        len += k == (size_t)-1 ? 0 : k;
                }
                while (len > start && text[len - 1] == ' ')
                        len--;
                text[len++] = '\n';
        }
        move(y0, x0);
        text[len] = 0;
        if (last && strcmp(last, text) == 0)
                goto done;
        if (write_file_atomic(path, text, len, true) == 0) {
                free(last);
                last = text;
                text = NULL;
        }
done:
        free(text);
        free(line);
}

void tui_next_input(struct tui *t, const int *fds, size_t n_fds, int timeout_ms, struct tui_input *ret)
{
        struct pollfd p[8];
        if (n_fds > ELEMENTSOF(p) - 1)
                n_fds = ELEMENTSOF(p) - 1;
        for (;;) {
                if (take_key(t, ret)) /* already read by curses: typed faster than drawn */
                        return;
                dump_screen();
                p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
                for (size_t i = 0; i < n_fds; i++)
                        p[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
                int r = poll(p, n_fds + 1, timeout_ms);
                if (r <= 0) { /* the timeout, or a signal: the screen is drawn again */
                        *ret = (struct tui_input){ .kind = TUI_INPUT_NONE };
                        return;
                }
                for (size_t i = 0; i < n_fds; i++)
                        if (p[i + 1].revents) {
                                *ret = (struct tui_input){ .kind = TUI_INPUT_FD, .fd_index = i };
                                return;
                        }
                if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
                        /* the terminal went away: like SIGHUP, running jobs are asked to stop */
                        ui_stop_signal = 1;
                        *ret = (struct tui_input){ .kind = TUI_INPUT_NONE };
                        usleep(100 * 1000);
                        return;
                }
                if (take_key(t, ret))
                        return;
                /* part of an escape sequence: curses waits for the rest on the next round */
        }
}

bool tui_input_is_enter(const struct tui_input *in)
{
        return (in->kind == TUI_INPUT_CHAR && (in->ch == L'\n' || in->ch == L'\r')) ||
               (in->kind == TUI_INPUT_KEY && in->key == KEY_ENTER);
}

bool tui_input_is_key(const struct tui_input *in, int key)
{
        return in->kind == TUI_INPUT_KEY && in->key == key;
}

bool tui_input_is_char(const struct tui_input *in, wint_t ch)
{
        return in->kind == TUI_INPUT_CHAR && in->ch == ch;
}

int tui_field_init(struct tui_field *f, size_t max_bytes, bool is_hidden)
{
        *f = (struct tui_field){ .max_bytes = max_bytes, .is_hidden = is_hidden };
        f->text = is_hidden ? sodium_malloc(max_bytes + 1) : malloc(max_bytes + 1);
        if (!f->text)
                return -ENOMEM;
        f->text[0] = 0;
        return 0;
}

void tui_field_clear(struct tui_field *f)
{
        if (f->text)
                sodium_memzero(f->text, f->max_bytes + 1);
        f->len = 0;
}

void tui_field_done(struct tui_field *f)
{
        if (!f->text)
                return;
        tui_field_clear(f);
        if (f->is_hidden)
                sodium_free(f->text);
        else
                free(f->text);
        f->text = NULL;
}

bool tui_field_edit(struct tui_field *f, const struct tui_input *in)
{
        bool is_backspace = (in->kind == TUI_INPUT_KEY && in->key == KEY_BACKSPACE) ||
                            (in->kind == TUI_INPUT_CHAR && (in->ch == 127 || in->ch == 8));
        if (is_backspace) {
                /* one whole character: back over UTF-8 continuation bytes */
                while (f->len > 0 && (f->text[f->len - 1] & 0xC0) == 0x80)
                        f->text[--f->len] = 0;
                if (f->len > 0)
                        f->text[--f->len] = 0;
                return true;
        }
        if (in->kind != TUI_INPUT_CHAR || in->ch < 0x20 || in->ch == 0x7f || !iswprint(in->ch))
                return false;
        char mb[MB_LEN_MAX];
        mbstate_t st = { 0 };
        size_t n = wcrtomb(mb, (wchar_t)in->ch, &st);
        if (n == (size_t)-1 || f->len + n > f->max_bytes) {
                beep();
                return true;
        }
        memcpy(f->text + f->len, mb, n);
        f->len += n;
        f->text[f->len] = 0;
        return true;
}

void tui_field_draw(const struct tui_field *f, int y, int x, int cols, bool is_focused)
{
        if (is_focused)
                attron(A_UNDERLINE | A_BOLD);
        mvhline(y, x, ' ', cols);
        int w;
        if (f->is_hidden) {
                char stars[128];
                size_t n = 0;
                for (size_t i = 0; i < f->len && n + 1 < sizeof stars; i++)
                        if ((f->text[i] & 0xC0) != 0x80)
                                stars[n++] = '*';
                stars[n] = 0;
                w = tui_put(y, x, cols - 1, stars);
        } else {
                /* a long text shows its end, where the typing is */
                const char *s = f->text;
                while (tui_text_width(s) > cols - 1) {
                        s++;
                        while ((*s & 0xC0) == 0x80)
                                s++;
                }
                w = tui_put(y, x, cols - 1, s);
        }
        if (is_focused) {
                attroff(A_UNDERLINE | A_BOLD);
                move(y, x + w);
        }
}
