/* SPDX-License-Identifier: MIT */
/* The first start on a fresh data folder: the appliance key (its passphrase typed twice) when
 * there is none, then the first administrator, enrolled with a code check. Then the normal login. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui.h"

/* The key folder: the key is made as DIR/appliance.key (and DIR/appliance.pub). */
static int key_dir(struct tui *t, char *buf, size_t size)
{
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", t->key_file);
        if (strcmp(basename(copy), "appliance.key") != 0) {
                tui_message(t, true,
                            _("The appliance key is made as appliance.key; the configuration names %s"),
                            t->key_file);
                return -EINVAL;
        }
        snprintf(copy, sizeof copy, "%s", t->key_file);
        snprintf(buf, size, "%s", dirname(copy));
        if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
                int r = -errno;
                tui_message(t, true, _("Cannot make the folder %s: %s"), buf, strerror(-r));
                return r;
        }
        return 0;
}

/* A new key: its passphrase twice, then made and unlocked (to sign the users file). */
static int make_key(struct tui *t, const char *title, struct cert_secret_key **ret)
{
        char dir[PATH_MAX];
        if (key_dir(t, dir, sizeof dir) < 0)
                return -EINVAL;
        struct tui_field a, b;
        if (tui_field_init(&a, SESSION_PASSPHRASE_MAX_BYTES, true) < 0)
                return -ENOMEM;
        if (tui_field_init(&b, SESSION_PASSPHRASE_MAX_BYTES, true) < 0) {
                tui_field_done(&a);
                return -ENOMEM;
        }
        char intro[1024];
        snprintf(intro, sizeof intro, "%s\n%s %s",
                 _("Step 1 of 2: the appliance key signs every certificate and the users file. Choose its "
                   "passphrase (at least 8 characters) and keep it safe: it cannot be recovered."),
                 _("Key:"), t->key_file);
        int r = -ECANCELED;
        for (;;) {
                tui_field_clear(&a);
                tui_field_clear(&b);
                if (tui_ask(t, title, intro, _("New key passphrase:"), &a) <= 0)
                        break;
                if (session_passphrase_check(a.text, a.len) < 0) {
                        tui_message(t, true, "%s", _("The passphrase is too short: at least 8 characters"));
                        continue;
                }
                if (tui_ask(t, title, intro, _("Passphrase again:"), &b) <= 0)
                        break;
                if (a.len != b.len || sodium_memcmp(a.text, b.text, a.len) != 0) {
                        tui_message(t, true, "%s", _("The two passphrases differ: type them again"));
                        continue;
                }
                tui_message(t, false, "%s", _("Making the key…"));
                tui_frame(t, title, "");
                refresh();
                struct cert_public_key pub;
                r = cert_key_generate(dir, a.text, a.len, false, &pub);
                if (r == 0)
                        r = cert_key_unlock(t->key_file, a.text, a.len, ret);
                if (r < 0)
                        tui_message(t, true, _("Cannot make the appliance key in %s: %s"), dir,
                                    r == -EEXIST ? _("a key is already there") : strerror(-r));
                else
                        tui_message(t, false, _("The appliance key was made: %s"), t->key_file);
                break;
        }
        tui_field_done(&a);
        tui_field_done(&b);
        return r;
}

enum tui_step tui_screen_setup(struct tui *t)
{
        const char *title = _("First start: set-up");
        struct cert_secret_key *key = NULL;
        struct session_users *u = NULL;
        enum tui_step next = TUI_STEP_QUIT;
        int r = access(t->key_file, F_OK) == 0 ? tui_unlock_key(t, title, &key) : make_key(t, title, &key);
        if (r == -EINVAL || r == -ENOMEM)
                goto out; /* nothing the administrator can type changes it: said when the screen ends */
        if (r < 0) {
                next = r == -ECANCELED ? TUI_STEP_QUIT : TUI_STEP_SETUP; /* a failure: try again */
                goto out;
        }
        if ((r = session_users_new(t->users_path, &u)) < 0) {
                tui_message(t, true, "%s", strerror(-r));
                goto out;
        }
        if ((r = tui_enrol(t, u, key, true)) < 0) {
                next = r == -ECANCELED ? TUI_STEP_QUIT : TUI_STEP_SETUP;
                goto out;
        }
        if (tui_users_reload(t) < 0)
                goto out;
        t->needs_setup = false;
        next = TUI_STEP_LOGIN_OPERATOR;
out:
        session_users_free(u);
        cert_secret_key_free(key);
        return next;
}
