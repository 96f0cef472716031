/* SPDX-License-Identifier: MIT */
/* The disks, live: read through the same description `kesu list` gives, and read again whenever
 * the disk monitor (udev, or the kernel's events) says one came or went — a disk plugged in
 * appears within a second, one pulled out disappears. Space chooses, Enter goes on. Protected
 * disks are listed with the reason and cannot be chosen. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>

#include "common.h"
#include "tui.h"

#define ROWS_PER_DISK 3

static bool is_selected(const struct tui *t, const char *path, size_t *ret_index)
{
        for (size_t i = 0; i < t->n_selected; i++)
                if (strcmp(t->selected[i], path) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return true;
                }
        return false;
}

static void toggle(struct tui *t, const struct disk_info *d)
{
        size_t k;
        if (is_selected(t, d->identity.path, &k)) {
                memmove(&t->selected[k], &t->selected[k + 1], (t->n_selected - k - 1) * sizeof *t->selected);
                t->n_selected--;
                return;
        }
        if (d->protection.is_protected) {
                tui_message(t, true, _("%s is protected and cannot be chosen: %s"), d->identity.path,
                            d->protection.reason ? d->protection.reason : "");
                return;
        }
        char(*grown)[256] = realloc(t->selected, (t->n_selected + 1) * sizeof *t->selected);
        if (!grown)
                return;
        t->selected = grown;
        snprintf(t->selected[t->n_selected++], sizeof *t->selected, "%s", d->identity.path);
}

/* Reads every disk again; chosen disks that are gone (or became protected) are no longer chosen. */
static void refresh_list(struct tui *t)
{
        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(NULL, &disks, &n) < 0)
                return; /* the error is on the message line; the old list stays */
        ui_disk_infos_free(t->disks, t->n_disks);
        t->disks = disks;
        t->n_disks = n;
        for (size_t i = 0; i < t->n_selected;) {
                const struct disk_info *d = tui_find_disk(t, t->selected[i]);
                if (d && !d->protection.is_protected) {
                        i++;
                        continue;
                }
                tui_message(t, true,
                            d ? _("%s became protected: no longer chosen")
                              : _("%s was removed: no longer chosen"),
                            t->selected[i]);
                memmove(&t->selected[i], &t->selected[i + 1], (t->n_selected - i - 1) * sizeof *t->selected);
                t->n_selected--;
        }
}

static void draw_disk(struct tui *t, const struct disk_info *d, int y, bool is_cursor)
{
        const struct disk_identity *id = &d->identity;
        char size[32], line[1024], content[512], purge[512];
        _cleanup_free_ char *model = text_escape_visible(id->model ? id->model : "-");
        _cleanup_free_ char *serial = text_escape_visible(id->serial ? id->serial : "-");
        _cleanup_free_ char *path = text_escape_visible(id->path);
        _cleanup_free_ char *backing = id->backing_file ? text_escape_visible(id->backing_file) : NULL;
        snprintf(line, sizeof line, "%s %s  %-6s %10s  %s / %s%s%s",
                 is_selected(t, id->path, NULL) ? "[x]" : "[ ]", path ? path : "?",
                 tui_word_transport(id->transport), ui_format_bytes(id->size_bytes, size, sizeof size),
                 model ? model : "?", serial ? serial : "?", backing ? "  ← " : "", backing ? backing : "");
        if (is_cursor)
                attron(A_REVERSE);
        if (d->protection.is_protected)
                attron(A_DIM);
        tui_put(y, 1, COLS - 2, is_cursor ? ">" : " ");
        tui_put(y, 3, COLS - 4, line);
        if (is_cursor)
                attroff(A_REVERSE);
        tui_content_summary(&d->content, content, sizeof content);
        tui_putf(y + 1, 8, COLS - 9, "%s %s", _("Content:"), content);
        if (d->protection.is_protected) {
                attroff(A_DIM);
                attron(A_BOLD);
                tui_putf(y + 2, 8, COLS - 9, "%s %s", _("PROTECTED:"),
                         d->protection.reason ? d->protection.reason : "");
                attroff(A_BOLD);
        } else {
                tui_purge_summary(d, purge, sizeof purge);
                tui_putf(y + 2, 8, COLS - 9, "%s %s", _("Purge:"), purge);
        }
}

static void draw(struct tui *t, size_t cursor)
{
        int y = tui_frame(t, _("Disks"),
                          _("[↑↓] move  [Space] choose  [Enter] next  [r] read again  [Esc] log out"));
        tui_putf(y++, 2, COLS - 4,
                 _("Choose the disks to erase (%zu chosen). Disks plugged in or pulled out are shown at "
                   "once."),
                 t->n_selected);
        y++;
        int rows = (LINES - y - 2) / ROWS_PER_DISK;
        size_t first = rows > 0 && cursor >= (size_t)rows ? cursor - (size_t)rows + 1 : 0;
        for (size_t i = first; i < t->n_disks && (int)(i - first) < rows; i++, y += ROWS_PER_DISK)
                draw_disk(t, &t->disks[i], y, i == cursor);
        if (t->n_disks == 0)
                tui_put(y, 2, COLS - 4, _("No disk is attached."));
        curs_set(0);
        refresh();
}

/* The chosen disks' plans: kept for disks chosen before, defaults for new ones. */
static int make_choices(struct tui *t)
{
        struct tui_choice *c = calloc(t->n_selected, sizeof *c);
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_selected; i++) {
                snprintf(c[i].path, sizeof c[i].path, "%s", t->selected[i]);
                bool is_kept = false;
                for (size_t k = 0; k < t->n_choices && !is_kept; k++)
                        if (strcmp(t->choices[k].path, c[i].path) == 0) {
                                c[i] = t->choices[k];
                                is_kept = true;
                        }
                if (is_kept)
                        continue;
                /* the method: the drive's strongest purge when it has one, else a random overwrite */
                const struct disk_info *d = tui_find_disk(t, c[i].path);
                const char *name;
                for (size_t m = 0; d && (name = tui_method_offered(d, m)); m++)
                        if (strcmp(name, "random") == 0 || (strcmp(name, "purge") == 0)) {
                                c[i].method_index = m;
                                if (strcmp(name, "purge") == 0)
                                        break;
                        }
        }
        if (t->choices) /* the secrets of kept choices live on in c */
                explicit_bzero(t->choices, t->n_choices * sizeof *t->choices);
        free(t->choices);
        t->choices = c;
        t->n_choices = t->n_selected;
        return 0;
}

/* Takes every message the monitor has now; true when a disk came, went or changed. */
static bool drain_events(struct tui *t)
{
        bool is_changed = false;
        for (int i = 0; t->monitor && i < 4096; i++) {
                struct pollfd p = { .fd = disk_monitor_fd(t->monitor), .events = POLLIN };
                if (poll(&p, 1, 0) <= 0)
                        break;
                struct disk_event ev;
                if (disk_monitor_receive(t->monitor, &ev) > 0)
                        is_changed = true;
        }
        return is_changed;
}

enum tui_step tui_screen_disks(struct tui *t)
{
        tui_disposal_end(t);
        int fds[1] = { t->monitor ? disk_monitor_fd(t->monitor) : -1 };
        size_t n_fds = t->monitor ? 1 : 0;
        /* events that came while another screen was shown are stale: the list is read anew */
        (void)drain_events(t);
        refresh_list(t);
        size_t cursor = 0;
        for (;;) {
                if (cursor >= t->n_disks)
                        cursor = t->n_disks ? t->n_disks - 1 : 0;
                draw(t, cursor);
                struct tui_input in;
                tui_next_input(t, fds, n_fds, 1000, &in);
                if (ui_stop_signal)
                        return TUI_STEP_QUIT;
                if (in.kind == TUI_INPUT_FD) {
                        if (drain_events(t))
                                refresh_list(t);
                        continue;
                }
                if (tui_input_is_char(&in, TUI_ESC))
                        return TUI_STEP_LOGIN_OPERATOR;
                if ((tui_input_is_key(&in, KEY_UP) || tui_input_is_char(&in, L'k')) && cursor > 0)
                        cursor--;
                else if ((tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'j')) &&
                         cursor + 1 < t->n_disks)
                        cursor++;
                else if (tui_input_is_char(&in, L' ') && cursor < t->n_disks) {
                        tui_message_clear(t);
                        toggle(t, &t->disks[cursor]);
                } else if (tui_input_is_char(&in, L'r'))
                        refresh_list(t);
                else if (tui_input_is_enter(&in)) {
                        if (t->n_selected == 0) {
                                tui_message(t, true, "%s", _("Choose at least one disk with Space"));
                                continue;
                        }
                        tui_message_clear(t);
                        if (make_choices(t) == 0)
                                return TUI_STEP_PLAN;
                }
        }
}
