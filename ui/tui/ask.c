/* SPDX-License-Identifier: MIT */
/* What the administrator's screens share: one question at a time (a line of text, a hidden
 * passphrase), the appliance key unlocked to sign the users file, and a QR code drawn with half
 * blocks so a phone scans it from the screen. */
#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "tui.h"

void tui_field_set(struct tui_field *f, const char *text)
{
        tui_field_clear(f);
        size_t n = strlen(text);
        if (n > f->max_bytes)
                n = f->max_bytes;
        memcpy(f->text, text, n);
        f->text[n] = 0;
        f->len = n;
}

int tui_ask(struct tui *t, const char *title, const char *intro, const char *label, struct tui_field *f)
{
        for (;;) {
                int y = tui_frame(t, title, _("[Enter] next  [Esc] back"));
                /* the intro's paragraphs, each wrapped */
                for (const char *p = intro; p && *p;) {
                        const char *nl = strchr(p, '\n');
                        char para[1024];
                        size_t n = nl ? (size_t)(nl - p) : strlen(p);
                        if (n >= sizeof para)
                                n = sizeof para - 1;
                        memcpy(para, p, n);
                        para[n] = 0;
                        y += tui_put_wrapped(y, 2, COLS - 4, LINES - y - 6, para);
                        p = nl ? nl + 1 : NULL;
                }
                y++;
                int label_w = tui_text_width(label) + 2;
                if (label_w < 24)
                        label_w = 24;
                tui_put(y, 2, label_w, label);
                curs_set(1);
                tui_field_draw(f, y, 2 + label_w, COLS - label_w - 6 > 60 ? 60 : COLS - label_w - 6, true);
                refresh();
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal)
                        return -1;
                if (tui_input_is_char(&in, TUI_ESC))
                        return 0;
                if (tui_input_is_enter(&in))
                        return 1;
                tui_field_edit(f, &in);
        }
}

int tui_unlock_key(struct tui *t, const char *title, struct cert_secret_key **ret)
{
        struct cert_public_key pub;
        int r = cert_public_key_load(t->pub_path, &pub);
        if (r < 0) {
                tui_message(t, true, _("Cannot read the appliance's public key %s: %s"), t->pub_path,
                            strerror(-r));
                return -ECANCELED;
        }
        struct tui_field pass;
        if (tui_field_init(&pass, SESSION_PASSPHRASE_MAX_BYTES, true) < 0)
                return -ENOMEM;
        r = -ECANCELED;
        char intro[1024];
        snprintf(intro, sizeof intro, "%s\n%s %s",
                 _("The users file is signed with the appliance key: type its passphrase to save the "
                   "change."),
                 _("Key:"), t->key_file);
        while (tui_ask(t, title, intro, _("Key passphrase:"), &pass) == 1) {
                tui_message(t, false, "%s", _("Checking…"));
                tui_frame(t, title, "");
                refresh();
                struct cert_secret_key *key = NULL;
                int k = cert_key_unlock(t->key_file, pass.text, pass.len, &key);
                tui_field_clear(&pass);
                if (k < 0) {
                        tui_message(t, true, _("Cannot unlock the signing key: %s"),
                                    k == -EACCES ? _("wrong passphrase") : ui_key_error(k));
                        continue;
                }
                if (memcmp(key->pk, pub.pk, sizeof pub.pk) != 0) {
                        cert_secret_key_free(key);
                        tui_message(t, true, _("%s is not the key of %s"), t->key_file, t->pub_path);
                        continue;
                }
                tui_message_clear(t);
                *ret = key;
                r = 0;
                break;
        }
        tui_field_done(&pass);
        return r;
}

int tui_draw_qr(int y, int x, const char *text, int *ret_cols)
{
        QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (!q)
                return 0;
        int w = q->width, margin = 2, rows = 0;
        /* as ui_print_qr(): two modules per cell; dark modules are the background, light ones the
         * foreground's full block, so the quiet zone is light whatever the colours */
        for (int my = -margin; my < w + margin; my += 2, rows++) {
                move(y + rows, x);
                for (int mx = -margin; mx < w + margin; mx++) {
                        bool top = my >= 0 && my < w && mx >= 0 && mx < w && (q->data[my * w + mx] & 1);
                        bool bottom = my + 1 >= 0 && my + 1 < w && mx >= 0 && mx < w &&
                                      (q->data[(my + 1) * w + mx] & 1);
                        addstr(top && bottom ? " " : top ? "\u2584" : bottom ? "\u2580" : "\u2588");
                }
        }
        if (ret_cols)
                *ret_cols = w + 2 * margin;
        QRcode_free(q);
        return rows;
}
