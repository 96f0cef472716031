/* SPDX-License-Identifier: MIT */
/* The signing key's passphrase, as `kesu wipe` asks for it: unlocked before any disk is chosen, so
 * a wrong passphrase never leaves a disk erased without its certificate. */
#include <errno.h>
#include <string.h>

#include "tui.h"

static const char *key_error(int r)
{
        switch (-r) {
        case EACCES:
                return _("wrong passphrase");
        case ENOENT:
                return _("no such key file");
        default:
                return ui_key_error(r);
        }
}

enum tui_step tui_screen_key(struct tui *t)
{
        struct tui_field pass;
        if (tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0)
                return TUI_STEP_QUIT;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                int y = tui_frame(t, _("Signing key"), _("[Enter] unlock  [Esc] log out"));
                tui_put(y++, 2, COLS - 4,
                        _("Certificates are signed with the appliance's key. Type its passphrase."));
                tui_putf(y++, 2, COLS - 4, "%s %s", _("Key:"), t->key_file);
                y++;
                tui_put(y, 2, 24, _("Key passphrase:"));
                curs_set(1);
                tui_field_draw(&pass, y, 26, 40, true);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        break;
                if (tui_input_is_char(&in, TUI_ESC)) {
                        next = TUI_STEP_LOGIN_OPERATOR;
                        break;
                }
                if (!tui_input_is_enter(&in)) {
                        tui_field_edit(&pass, &in);
                        continue;
                }
                tui_message(t, false, "%s", _("Checking…"));
                tui_frame(t, _("Signing key"), "");
                refresh();
                cert_secret_key_free(t->key);
                t->key = NULL;
                int r = cert_key_unlock(t->key_file, pass.text, pass.len, &t->key);
                tui_field_clear(&pass);
                if (r < 0) {
                        tui_message(t, true, _("Cannot unlock the signing key: %s"), key_error(r));
                        continue;
                }
                tui_message_clear(t);
                next = TUI_STEP_CLOCK;
                break;
        }
        tui_field_done(&pass);
        return next;
}
