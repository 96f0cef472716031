/* SPDX-License-Identifier: MIT */
/* PASS or FAIL for every disk, with the reasons the certificate states, its serial, and whether it
 * was exported and printed — from the runner's state file (runner.h), so the results of a disposal
 * that ended while no screen was running are shown the same. The selected certificate can be
 * printed and exported again, here in the screen's process, from the certificate's filed paths.
 * Leaving the results removes the state file: they are shown once. Logging out returns to the
 * operator's login. */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "runner.h"
#include "tui.h"

static void export_state(const struct tui *t, const struct runner_target *o, char *buf, size_t size)
{
        if (!o->is_certified)
                snprintf(buf, size, "%s", _("not filed"));
        else if (o->is_exported)
                snprintf(buf, size, "%s", _("exported"));
        else if (o->is_export_tried)
                snprintf(buf, size, _("export failed: %s"), strerror(-o->export_error));
        else if (!t->export_dir)
                snprintf(buf, size, "%s", _("no export folder set"));
        else
                snprintf(buf, size, "%s", _("not exported (is the export stick attached?)"));
}

/* Why printing failed, in the operator's words (cert_print()'s errors: see certificates/print.c). */
static const char *print_error_text(int error)
{
        switch (error) {
        case -ENOENT:
                return _("no such printer (is the USB printer connected? an administrator can set it up)");
        case -ECONNREFUSED:
                return _("the print service is not running");
        default:
                return strerror(-error);
        }
}

static void print_state(const struct tui *t, const struct runner_target *o, char *buf, size_t size)
{
        if (!o->is_certified)
                snprintf(buf, size, "%s", _("not filed"));
        else if (!t->printer && o->print_job == 0 && o->print_error == 0)
                snprintf(buf, size, "%s", _("not printed (no printer set)"));
        else if (o->print_error < 0)
                snprintf(buf, size, _("printing failed: %s"), print_error_text(o->print_error));
        else
                snprintf(buf, size, _("printed (job %d)"), o->print_job);
}

static void draw(struct tui *t, size_t cursor)
{
        const struct runner_state *st = t->run_state;
        size_t n = st->n_started, n_pass = 0;
        for (size_t i = 0; i < n; i++)
                n_pass += st->targets[i].has_outcome && st->targets[i].is_pass;
        int y = tui_frame(
                t, _("Results"),
                _("[↑↓] choose  [p] print again  [e] export again  [Enter] new disposal  [Esc] log out"));
        tui_putf(y++, 2, COLS - 4, _("%zu of %zu disks erased and verified."), n_pass, n);
        for (size_t i = 0; i < n && y < LINES - 4; i++) {
                const struct runner_target *o = &st->targets[i];
                const char *result = !o->has_outcome ? "FAIL" : o->result;
                y++;
                if (i == cursor)
                        attron(A_REVERSE);
                attron(A_BOLD);
                tui_putf(y++, 2, COLS - 4, "%s %-6s %s  %s %s", i == cursor ? ">" : " ",
                         tui_word_result(result), o->path, _("Asset number:"), o->asset);
                attroff(A_BOLD | A_REVERSE);
                if (!o->has_outcome)
                        continue;
                char exported[256], printed[256];
                export_state(t, o, exported, sizeof exported);
                print_state(t, o, printed, sizeof printed);
                char cert[160], level[160];
                snprintf(cert, sizeof cert, "%s %s", _("Certificate:"),
                         o->is_certified ? o->serial : _("not filed"));
                snprintf(level, sizeof level, "%s %s → %s", _("Level:"),
                         tui_word_level((enum session_level)o->achieved_level),
                         tui_word_level((enum session_level)o->required_level));
                /* one line when both fit (an 80-column console does not in Japanese), else two */
                if (tui_text_width(cert) + 3 + tui_text_width(level) <= COLS - 8)
                        tui_putf(y++, 6, COLS - 8, "%s   %s", cert, level);
                else {
                        tui_put(y++, 6, COLS - 8, cert);
                        tui_put(y++, 6, COLS - 8, level);
                }
                tui_putf(y++, 6, COLS - 8, "%s   %s", exported, printed);
                for (size_t k = 0; o->is_certified && k < o->n_reasons && y < LINES - 4; k++)
                        tui_putf(y++, 8, COLS - 10, "%s %s", _("Reason:"), o->reasons[k]);
                if (o->is_certified && o->pdf_error < 0)
                        tui_putf(y++, 8, COLS - 10,
                                 _("The PDF could not be made (%s); it is made again at the next start"),
                                 strerror(-o->pdf_error));
                if (!o->is_certified)
                        tui_putf(y++, 8, COLS - 10, _("The certificate could not be filed: %s"),
                                 strerror(-o->cert_error));
        }
        curs_set(0);
        refresh();
}

static void reprint(struct tui *t, struct runner_target *o)
{
        if (!o->is_certified || !o->pdf_path[0]) {
                tui_message(t, true, "%s", _("This certificate has no PDF to print"));
                return;
        }
        int job = 0;
        o->print_error = cert_print(o->pdf_path, t->printer, o->serial, &job);
        o->print_job = job;
        if (o->print_error < 0)
                tui_message(t, true, _("Printing %s failed: %s"), o->serial, print_error_text(o->print_error));
        else
                tui_message(t, false, _("%s sent to the printer (job %d)"), o->serial, o->print_job);
}

static void reexport(struct tui *t, struct runner_target *o)
{
        if (!o->is_certified) {
                tui_message(t, true, "%s", _("This disk has no certificate to export"));
                return;
        }
        if (!t->export_dir) {
                tui_message(t, true, "%s", _("No export folder is set (export-dir in the configuration)"));
                return;
        }
        /* the certificate's files are all cert_export() reads */
        struct cert_issued *issued = calloc(1, sizeof *issued);
        if (!issued)
                return;
        snprintf(issued->serial, sizeof issued->serial, "%s", o->serial);
        snprintf(issued->json_path, sizeof issued->json_path, "%s", o->json_path);
        snprintf(issued->sig_path, sizeof issued->sig_path, "%s", o->sig_path);
        snprintf(issued->pdf_path, sizeof issued->pdf_path, "%s", o->pdf_path);
        o->export_error = cert_export(issued, t->export_dir, NULL);
        free(issued);
        o->is_export_tried = true;
        o->is_exported = o->export_error >= 0;
        if (o->is_exported)
                tui_message(t, false, _("%s exported to %s"), o->serial, t->export_dir);
        else
                tui_message(t, true, _("Exporting %s failed: %s (the certificate stays filed)"), o->serial,
                            strerror(-o->export_error));
}

enum tui_step tui_screen_results(struct tui *t)
{
        if (!t->run_state)
                return TUI_STEP_LOGIN_OPERATOR;
        size_t n = t->run_state->n_started, cursor = 0;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                draw(t, cursor);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                struct runner_target *o = cursor < n ? &t->run_state->targets[cursor] : NULL;
                if ((tui_input_is_key(&in, KEY_UP) || tui_input_is_char(&in, L'k')) && cursor > 0)
                        cursor--;
                else if ((tui_input_is_key(&in, KEY_DOWN) || tui_input_is_char(&in, L'j')) && cursor + 1 < n)
                        cursor++;
                else if (tui_input_is_char(&in, L'p') && o && o->has_outcome)
                        reprint(t, o);
                else if (tui_input_is_char(&in, L'e') && o && o->has_outcome)
                        reexport(t, o);
                else if (tui_input_is_enter(&in)) {
                        next = TUI_STEP_DISKS;
                        break;
                } else if (tui_input_is_char(&in, TUI_ESC)) {
                        next = TUI_STEP_LOGIN_OPERATOR;
                        break;
                }
        }
        tui_message_clear(t);
        if (next == TUI_STEP_QUIT) {
                /* not seen to the end: a new screen shows them again */
                tui_disposal_end(t);
                return next;
        }
        tui_runner_forget(t); /* shown: the state file goes */
        tui_disposal_end(t);
        /* after a re-attach nobody is logged in: a new disposal starts with the logins */
        if (next == TUI_STEP_DISKS && !(t->has_operator && t->has_witness && t->key))
                next = TUI_STEP_LOGIN_OPERATOR;
        if (next == TUI_STEP_DISKS) {
                free(t->selected);
                t->selected = NULL;
                t->n_selected = 0;
        }
        return next;
}
