/* SPDX-License-Identifier: MIT */
/* PASS or FAIL for every disk, with the reasons the certificate states, its serial, and whether it
 * was exported and printed; the selected certificate can be printed and exported again. Logging
 * out returns to the operator's login. */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "tui.h"

static void export_state(const struct tui *t, const struct session_outcome *o, char *buf, size_t size)
{
        if (!o->is_certified)
                snprintf(buf, size, "%s", _("not filed"));
        else if (!t->export_dir)
                snprintf(buf, size, "%s", _("no export folder set"));
        else if (o->is_exported)
                snprintf(buf, size, "%s", _("exported"));
        else if (o->export_failed_file)
                snprintf(buf, size, _("export failed: %s"), strerror(-o->export_error));
        else
                snprintf(buf, size, "%s", _("not exported (is the export stick attached?)"));
}

static void print_state(const struct tui *t, const struct session_outcome *o, char *buf, size_t size)
{
        if (!o->is_certified)
                snprintf(buf, size, "%s", _("not filed"));
        else if (!t->printer && o->print_job == 0 && o->print_error == 0)
                snprintf(buf, size, "%s", _("not printed (no printer set)"));
        else if (o->print_error < 0)
                snprintf(buf, size, _("printing failed: %s"), strerror(-o->print_error));
        else
                snprintf(buf, size, _("printed (job %d)"), o->print_job);
}

static void draw(struct tui *t, size_t cursor)
{
        size_t n = session_n_started(t->session), n_pass = 0;
        for (size_t i = 0; i < n; i++)
                n_pass += t->has_outcome[i] && t->outcomes[i].is_pass;
        int y = tui_frame(
                t, _("Results"),
                _("[↑↓] choose  [p] print again  [e] export again  [Enter] new disposal  [Esc] log out"));
        tui_putf(y++, 2, COLS - 4, _("%zu of %zu disks erased and verified."), n_pass, n);
        for (size_t i = 0; i < n && y < LINES - 4; i++) {
                const struct session_outcome *o = &t->outcomes[i];
                const struct disk_info *d = session_disk(t->session, i);
                const char *result = !t->has_outcome[i] ? "FAIL"
                                     : o->is_certified  ? o->issued.result
                                     : o->is_pass       ? "PASS"
                                                        : "FAIL";
                y++;
                if (i == cursor)
                        attron(A_REVERSE);
                attron(A_BOLD);
                tui_putf(y++, 2, COLS - 4, "%s %-6s %s  %s %s", i == cursor ? ">" : " ",
                         tui_word_result(result), d->identity.path, _("Asset number:"), t->plans[i].asset);
                attroff(A_BOLD | A_REVERSE);
                if (!t->has_outcome[i])
                        continue;
                char exported[256], printed[256];
                export_state(t, o, exported, sizeof exported);
                print_state(t, o, printed, sizeof printed);
                tui_putf(y++, 6, COLS - 8, "%s %s   %s %s → %s", _("Certificate:"),
                         o->is_certified ? o->issued.serial : _("not filed"), _("Level:"),
                         tui_word_level(o->achieved_level), tui_word_level(o->required_level));
                tui_putf(y++, 6, COLS - 8, "%s   %s", exported, printed);
                for (size_t k = 0; o->is_certified && k < o->issued.n_reasons && y < LINES - 4; k++)
                        tui_putf(y++, 8, COLS - 10, "%s %s", _("Reason:"), o->issued.reasons[k]);
                if (o->is_certified && o->issued.pdf_error < 0)
                        tui_putf(y++, 8, COLS - 10,
                                 _("The PDF could not be made (%s); it is made again at the next start"),
                                 strerror(-o->issued.pdf_error));
                if (!o->is_certified)
                        tui_putf(y++, 8, COLS - 10, _("The certificate could not be filed: %s"),
                                 strerror(-o->cert_error));
        }
        curs_set(0);
        refresh();
}

static void reprint(struct tui *t, struct session_outcome *o)
{
        if (!o->is_certified || !o->issued.pdf_path[0]) {
                tui_message(t, true, "%s", _("This certificate has no PDF to print"));
                return;
        }
        o->print_error = cert_print(o->issued.pdf_path, t->printer, o->issued.serial, &o->print_job);
        if (o->print_error < 0)
                tui_message(t, true, _("Printing %s failed: %s"), o->issued.serial,
                            strerror(-o->print_error));
        else
                tui_message(t, false, _("%s sent to the printer (job %d)"), o->issued.serial, o->print_job);
}

static void reexport(struct tui *t, struct session_outcome *o)
{
        if (!o->is_certified) {
                tui_message(t, true, "%s", _("This disk has no certificate to export"));
                return;
        }
        if (!t->export_dir) {
                tui_message(t, true, "%s", _("No export folder is set (export-dir in the configuration)"));
                return;
        }
        o->export_failed_file = "";
        o->export_error = cert_export(&o->issued, t->export_dir, &o->export_failed_file);
        o->is_exported = o->export_error >= 0;
        if (o->is_exported)
                tui_message(t, false, _("%s exported to %s"), o->issued.serial, t->export_dir);
        else
                tui_message(t, true, _("Exporting %s failed: %s (the certificate stays filed)"),
                            o->issued.serial, strerror(-o->export_error));
}

enum tui_step tui_screen_results(struct tui *t)
{
        size_t n = session_n_started(t->session), cursor = 0;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                draw(t, cursor);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                if ((tui_input_is_key(&in, KEY_UP) || tui_input_is_char(&in, L'k')) && cursor > 0)
                        cursor--;
                else if ((tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'j')) && cursor + 1 < n)
                        cursor++;
                else if (tui_input_is_char(&in, L'p') && cursor < n && t->has_outcome[cursor])
                        reprint(t, &t->outcomes[cursor]);
                else if (tui_input_is_char(&in, L'e') && cursor < n && t->has_outcome[cursor])
                        reexport(t, &t->outcomes[cursor]);
                else if (tui_input_is_enter(&in)) {
                        next = TUI_STEP_DISKS;
                        break;
                } else if (tui_input_is_char(&in, TUI_ESC)) {
                        next = TUI_STEP_LOGIN_OPERATOR;
                        break;
                }
        }
        tui_message_clear(t);
        tui_disposal_end(t);
        if (next == TUI_STEP_DISKS) {
                free(t->selected);
                t->selected = NULL;
                t->n_selected = 0;
        }
        return next;
}
