/* SPDX-License-Identifier: MIT */
/* Japanese or English, from the message catalogs (gettext domain "kesu"), switched on one key.
 *
 * glibc reads LANGUAGE only when LC_MESSAGES is not "C": the image runs with LANG=C.UTF-8, which
 * is fine; a bare C or POSIX locale is moved to C.UTF-8 so LANGUAGE (ja or en) decides. A switch
 * sets LANGUAGE again and bumps _nl_msg_cat_cntr, which makes gettext look its answers up anew. */
#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tui.h"

extern int _nl_msg_cat_cntr; /* glibc's (and GNU gettext's) catalog generation counter */

static enum tui_lang current = TUI_LANG_JA;

enum tui_lang tui_lang_current(void)
{
        return current;
}

static void select_language(enum tui_lang lang)
{
        current = lang;
        setenv("LANGUAGE", lang == TUI_LANG_JA ? "ja" : "en", 1);
        ++_nl_msg_cat_cntr;
}

int tui_lang_init(enum tui_lang lang)
{
        setlocale(LC_ALL, "");
        /* wide characters need a UTF-8 LC_CTYPE; C.UTF-8 is always there (glibc 2.35 and later) */
        if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0 && !setlocale(LC_CTYPE, "C.UTF-8"))
                return -1;
        const char *messages = setlocale(LC_MESSAGES, NULL);
        if (!messages || strcmp(messages, "C") == 0 || strcmp(messages, "POSIX") == 0)
                (void)setlocale(LC_MESSAGES, "C.UTF-8");
        const char *dir = getenv("KESU_LOCALEDIR");
        bindtextdomain("kesu", dir && *dir ? dir : KESU_LOCALEDIR);
        bind_textdomain_codeset("kesu", "UTF-8");
        textdomain("kesu");
        select_language(lang);
        return 0;
}

void tui_lang_set(struct tui *t, enum tui_lang lang)
{
        t->lang = lang;
        select_language(lang);
}
