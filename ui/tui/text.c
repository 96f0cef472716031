/* SPDX-License-Identifier: MIT */
/* The terminal width of UTF-8 text: Japanese takes two columns a character, and a line is never
 * cut in the middle of one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui.h"

/* The next character of s (UTF-8) into *ret; bytes that are not UTF-8 become U+FFFD. Returns the
 * bytes taken (0 at the end). */
static size_t next_char(const char *s, mbstate_t *st, wchar_t *ret)
{
        if (!*s)
                return 0;
        size_t n = mbrtowc(ret, s, strlen(s), st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
                memset(st, 0, sizeof *st);
                *ret = L'\uFFFD';
                return 1;
        }
        return n;
}

static int char_width(wchar_t c)
{
        int w = wcwidth(c);
        return w < 0 ? 1 : w; /* shown as a replacement, one column */
}

int tui_text_width(const char *s)
{
        mbstate_t st = { 0 };
        int w = 0;
        wchar_t c;
        for (size_t n; (n = next_char(s, &st, &c)); s += n)
                w += char_width(c);
        return w;
}

static int put(int y, int x, int max_cols, const char *s)
{
        /* a caller's width for a wide terminal must not run past a narrow one's edge: curses would
         * wrap the rest onto the next line (or split a wide character over two) */
        if (max_cols > COLS - x)
                max_cols = COLS - x;
        if (!s || max_cols <= 0 || y < 0 || y >= LINES || x < 0)
                return 0;
        mbstate_t st = { 0 };
        int used = 0;
        wchar_t c;
        move(y, x);
        for (size_t n; (n = next_char(s, &st, &c)); s += n) {
                int w = char_width(c);
                if (used + w > max_cols)
                        break; /* a wide character that does not fit whole is left out */
                if (wcwidth(c) < 0)
                        c = L'?'; /* a control character is never sent to the terminal */
                wchar_t one[2] = { c, 0 };
                addnwstr(one, 1);
                used += w;
        }
        return used;
}

/* The bottom rows the frame keeps: the message line and one or two key lines. */
static int frame_rows = 2;

void tui_set_frame_rows(int rows)
{
        frame_rows = rows;
}

int tui_last_content_row(void)
{
        return LINES - frame_rows - 1;
}

int tui_put(int y, int x, int max_cols, const char *s)
{
        /* the message and key lines are the frame's: a screen longer than a small terminal is cut
         * above them, never drawn over the keys */
        if (y >= LINES - frame_rows)
                return 0;
        return put(y, x, max_cols, s);
}

int tui_put_frame_line(int y, int x, int max_cols, const char *s)
{
        return put(y, x, max_cols, s);
}

int tui_putf(int y, int x, int max_cols, const char *fmt, ...)
{
        char buf[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        return tui_put(y, x, max_cols, buf);
}

const char *tui_pad(const char *s, int cols, char *buf, size_t size)
{
        mbstate_t st = { 0 };
        size_t o = 0;
        int used = 0;
        wchar_t c;
        for (size_t n; (n = next_char(s, &st, &c)); s += n) {
                int w = char_width(c);
                if (used + w > cols || o + n + 1 >= size)
                        break;
                memcpy(buf + o, s, n);
                o += n;
                used += w;
        }
        while (used < cols && o + 1 < size) {
                buf[o++] = ' ';
                used++;
        }
        buf[o] = 0;
        return buf;
}

/* Japanese line breaking (kinsoku, simply): these never begin a line… */
static bool is_no_line_start(wchar_t c)
{
        return c && wcschr(L"、。，．・：；？！ー）」』】〕〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ…", c);
}

/* …and these never end one. */
static bool is_no_line_end(wchar_t c)
{
        return c && wcschr(L"（「『【〔〈《", c);
}

int tui_put_wrapped(int y, int x, int cols, int max_lines, const char *s)
{
        int lines = 0;
        while (s && *s && lines < max_lines) {
                /* as much as fits, then back to the last place a line may break: a space, or
                 * beside a wide (Japanese) character, where no space is needed */
                mbstate_t st = { 0 };
                const char *p = s, *last_break = NULL;
                int used = 0;
                wchar_t c, prev = 0;
                for (size_t n; (n = next_char(p, &st, &c)); p += n) {
                        int w = char_width(c);
                        if (used + w > cols)
                                break;
                        if (c == L' ')
                                last_break = p;
                        else if (prev && prev != L' ' && (char_width(prev) == 2 || w == 2) &&
                                 !is_no_line_start(c) && !is_no_line_end(prev))
                                last_break = p;
                        prev = c;
                        used += w;
                }
                const char *end = *p && last_break && last_break > s ? last_break : p;
                if (end == s)
                        break;
                char line[1024];
                size_t len = (size_t)(end - s) < sizeof line - 1 ? (size_t)(end - s) : sizeof line - 1;
                memcpy(line, s, len);
                line[len] = 0;
                tui_put(y + lines++, x, cols, line);
                s = end;
                while (*s == ' ')
                        s++;
        }
        return lines;
}
