/* SPDX-License-Identifier: MIT */
/* The frame every screen shares: title and who is logged in on top, the message line and the
 * keys (always with the language key) at the bottom. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"

/* A narrow terminal's language key, when the whole one does not fit. */
#define KEY_LANG_HINT_SHORT "[F2] EN/日本語"

/* The key lines for cols columns: one row of the keys and the language key (or its short form)
 * when they fit; else two rows, the hints (groups apart by two spaces) kept whole and in order,
 * the language key last. Returns the rows (1 or 2). */
static int key_lines(const char *keys, int cols, char *row1, char *row2, size_t size)
{
        const char *sep = *keys ? "   " : "";
        row2[0] = 0;
        snprintf(row1, size, "%s%s%s", keys, sep, TUI_KEY_LANG_HINT);
        if (tui_text_width(row1) <= cols)
                return 1;
        snprintf(row1, size, "%s%s%s", keys, sep, KEY_LANG_HINT_SHORT);
        if (tui_text_width(row1) <= cols)
                return 1;
        /* as many whole hints as fit on the first row, the rest on the second */
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", keys);
        row1[0] = 0;
        size_t o1 = 0, o2 = 0;
        int used1 = 0;
        bool is_second = false;
        for (char *p = copy; *p;) {
                char *gap = strstr(p, "  "), *next = NULL;
                if (gap) {
                        *gap = 0;
                        for (next = gap + 1; *next == ' '; next++)
                                ;
                }
                int w = tui_text_width(p);
                if (!is_second && (used1 == 0 || used1 + 2 + w <= cols)) {
                        o1 += (size_t)snprintf(row1 + o1, o1 < size ? size - o1 : 0, "%s%s", used1 ? "  " : "", p);
                        used1 += (used1 ? 2 : 0) + w;
                } else {
                        is_second = true;
                        o2 += (size_t)snprintf(row2 + o2, o2 < size ? size - o2 : 0, "%s%s", o2 ? "  " : "", p);
                }
                if (!next)
                        break;
                p = next;
        }
        const char *lang = tui_text_width(row2) + 3 + tui_text_width(TUI_KEY_LANG_HINT) <= cols
                                   ? TUI_KEY_LANG_HINT
                                   : KEY_LANG_HINT_SHORT;
        snprintf(row2 + o2, o2 < size ? size - o2 : 0, "%s%s", o2 ? "   " : "", lang);
        return 2;
}

int tui_frame(struct tui *t, const char *title, const char *keys)
{
        tui_take_stderr(t);
        erase();
        attron(A_REVERSE);
        mvhline(0, 0, ' ', COLS);
        int x = tui_putf(0, 1, COLS - 2, "kesu — %s", title);
        if (t->has_operator) {
                char who[512];
                snprintf(who, sizeof who, "%s: %s%s%s%s", _("Operator"), t->operator_info.id,
                         t->has_witness ? "  " : "", t->has_witness ? _("Witness") : "",
                         t->has_witness ? ": " : "");
                if (t->has_witness)
                        strncat(who, t->witness_info.id, sizeof who - strlen(who) - 1);
                int w = tui_text_width(who);
                if (x + 4 + w < COLS)
                        tui_put(0, COLS - w - 1, w, who);
        }
        attroff(A_REVERSE);
        /* the keys, with the language key on every screen; on a narrow terminal on two rows */
        char row1[1024], row2[1024];
        int key_rows = key_lines(keys ? keys : "", COLS - 2, row1, row2, sizeof row1);
        attron(A_BOLD);
        tui_put_frame_line(LINES - key_rows, 1, COLS - 2, row1);
        if (key_rows == 2)
                tui_put_frame_line(LINES - 1, 1, COLS - 2, row2);
        attroff(A_BOLD);
        /* the screens' own rows end above the message line */
        tui_set_frame_rows(key_rows + 1);
        if (t->message[0]) {
                if (t->is_message_error)
                        attron(A_REVERSE | A_BOLD);
                tui_put_frame_line(LINES - key_rows - 1, 1, COLS - 2, t->message);
                if (t->is_message_error)
                        attroff(A_REVERSE | A_BOLD);
        }
        return 2;
}

void tui_bar(int y, int x, int cols, uint64_t done, uint64_t total)
{
        if (cols < 3)
                return;
        int inner = cols - 2;
        int fill = total ? (int)((long double)inner * done / total) : 0;
        if (fill > inner)
                fill = inner;
        mvaddch(y, x, '[');
        for (int i = 0; i < inner; i++)
                mvaddch(y, x + 1 + i, i < fill ? '#' : '.');
        mvaddch(y, x + cols - 1, ']');
}

void tui_message(struct tui *t, bool is_error, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->message, sizeof t->message, fmt, ap);
        va_end(ap);
        t->is_message_error = is_error;
}

void tui_message_clear(struct tui *t)
{
        t->message[0] = 0;
        t->is_message_error = false;
}

void tui_take_stderr(struct tui *t)
{
        if (t->stderr_read_fd < 0)
                return;
        char buf[4096];
        ssize_t n;
        while ((n = read(t->stderr_read_fd, buf, sizeof buf)) > 0) {
                char *grown = realloc(t->log, t->log_len + (size_t)n + 1);
                if (!grown)
                        break;
                t->log = grown;
                memcpy(t->log + t->log_len, buf, (size_t)n);
                size_t start = t->log_len;
                t->log_len += (size_t)n;
                t->log[t->log_len] = 0;
                /* the last complete line of what just came is the message */
                char *end = t->log + t->log_len;
                while (end > t->log + start && end[-1] == '\n')
                        end--;
                char *begin = end;
                while (begin > t->log + start && begin[-1] != '\n')
                        begin--;
                if (end > begin) {
                        size_t len = (size_t)(end - begin);
                        if (len >= sizeof t->message)
                                len = sizeof t->message - 1;
                        memcpy(t->message, begin, len);
                        t->message[len] = 0;
                        t->is_message_error = true;
                }
        }
}

static void format_time(int64_t now, int offset_s, const char *zone, char *buf, size_t size)
{
        time_t s = (time_t)(now + offset_s);
        struct tm tm;
        gmtime_r(&s, &tm);
        char stamp[64];
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(buf, size, "%s %s", stamp, zone);
}

void tui_format_jst(int64_t now, char *buf, size_t size)
{
        format_time(now, 9 * 3600, "JST (+09:00)", buf, size);
}

void tui_format_utc(int64_t now, char *buf, size_t size)
{
        format_time(now, 0, "UTC", buf, size);
}
