/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `kesu ui`: the operator's screen (ncursesw). It renders the disposal session's state and events
 * and collects the operator's input; every decision — who may log in, the policy, the plan, the
 * verdict — is the session's (ui/session), exactly as for `kesu wipe`.
 *
 * One file per screen (screen-*.c), each a function that runs its own loop and returns the next
 * step; below them the drawing (draw.c), text width (text.c), input (input.c) and language
 * (lang.c) helpers.
 */

/* the wide-character curses API (get_wch, addnwstr) */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <libintl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "session.h"
#include "ui.h"

#define _(s)  gettext(s)
#define N_(s) (s)

enum tui_lang { TUI_LANG_JA, TUI_LANG_EN };

enum tui_step {
        TUI_STEP_SETUP, /* first start: the appliance key and the first administrator */
        TUI_STEP_LOGIN_OPERATOR,
        TUI_STEP_ADMIN, /* an administrator's menu */
        TUI_STEP_ADMIN_USERS,
        TUI_STEP_ADMIN_SETTINGS,
        TUI_STEP_ADMIN_POLICY,
        TUI_STEP_ADMIN_CLOCK,
        TUI_STEP_LOGIN_WITNESS,
        TUI_STEP_KEY,
        TUI_STEP_CLOCK,
        TUI_STEP_DISKS,
        TUI_STEP_PLAN,
        TUI_STEP_CONFIRM,
        TUI_STEP_RUN,
        TUI_STEP_RESULTS,
        TUI_STEP_QUIT,
};

#define TUI_ASSET_MAX_BYTES 64 /* as `kesu wipe --asset` */

/* One disk chosen for the disposal, and what the operator said about it. */
struct tui_choice {
        char path[256];
        char asset[TUI_ASSET_MAX_BYTES + 1];
        size_t class_index, destination_index, method_index;
        /* tcg-psid-revert: the PSID typed from the drive's label; tcg-revert: the owner's SID ("":
         * the MSID). Never shown, logged or recorded; wiped when the disposal is forgotten. */
        char tcg_secret[33];
};

struct tui {
        /* the configuration (options over kesu.conf, as `kesu wipe`) */
        const char *config_path, *users_file, *key_file, *cert_dir, *export_dir, *ledger, *printer,
                *policy_file, *organization, *media_source;
        struct ui_config config;
        struct ui_image_release image; /* the boot image's identity (pointed into by the context) */
        enum tui_lang lang;

        struct session_users *users; /* NULL until the first start's set-up made the file */
        char *users_path, *pub_path; /* where users.json and appliance.pub are */
        bool needs_setup;            /* no appliance key or no users file yet */
        struct session_policy *policy; /* the administrator's, or the built-in default */

        /* who is logged in */
        bool has_operator, has_witness;
        struct session_user_info operator_info, witness_info;
        char operator_name[2 * SESSION_USER_NAME_MAX_BYTES + 8],
                witness_name[2 * SESSION_USER_NAME_MAX_BYTES + 8];
        char authentication[128];
        struct cert_secret_key *key;  /* unlocked after both logins, locked at log out */
        char clock_confirmation[160]; /* "" until the operator confirmed the clock */

        /* the live list */
        struct disk_monitor *monitor;
        struct disk_info *disks;
        size_t n_disks;
        char (*selected)[256]; /* paths of the disks chosen on the list */
        size_t n_selected;

        /* the disposal being prepared or run */
        struct tui_choice *choices;
        size_t n_choices;
        struct disk_info *targets; /* the chosen disks, described again right before the plan */
        size_t n_targets;
        struct session_target_plan *plans;
        struct session *session; /* until the runner takes it (runner.h) */
        struct runner *runner;          /* the running (or ended) disposal's state file, followed */
        struct runner_state *run_state; /* a copy of it, for the results (reprint, re-export) */

        /* the message line, and what the code below said on stderr (captured) */
        char message[1024];
        bool is_message_error;
        int stderr_read_fd, stderr_saved_fd;
        char *log; /* everything captured, printed on the real stderr at exit */
        size_t log_len;
};

/* ---- language (lang.c) ---------------------------------------------------------------------- */

/* Binds the catalogs (KESU_LOCALEDIR, else the installed localedir) and selects lang. Makes
 * LC_CTYPE UTF-8 (C.UTF-8 when the environment's is not) so wide characters work anywhere. */
int tui_lang_init(enum tui_lang lang);
/* The language the screen speaks now. */
enum tui_lang tui_lang_current(void);
void tui_lang_set(struct tui *t, enum tui_lang lang);
/* "[F2] English / 日本語": the key shown on every screen. */
#define TUI_KEY_LANG_HINT "[F2] English / 日本語"

/* ---- the certificate's words, translated (words.c) ------------------------------------------ */

const char *tui_word_level(enum session_level level);
const char *tui_word_destination(const char *destination);
const char *tui_word_class(const char *class_label);
const char *tui_word_transport(enum disk_transport t);
const char *tui_word_result(const char *result); /* "PASS" → 合格 */
const char *tui_word_role(enum session_role role); /* 作業者 / 管理者 */
/* A disk's content in one line ("gpt: 1=ext4 "DATA""), device text made visible. */
void tui_content_summary(const struct disk_content *c, char *buf, size_t size);
/* The drive's purge commands with their levels ("" when none), or why none. */
void tui_purge_summary(const struct disk_info *d, char *buf, size_t size);

/* ---- text width (text.c) -------------------------------------------------------------------- */

/* Columns UTF-8 text takes on the terminal (wcwidth; an unprintable character counts 1). */
int tui_text_width(const char *s);
/* Draws s at (y, x) in at most max_cols columns (and never past the right edge), never cutting a
 * wide character in half; returns the columns drawn. The frame's bottom rows (the message and key
 * lines, tui_put_frame_line()) are left alone: nothing is drawn there. */
int tui_put(int y, int x, int max_cols, const char *s);
/* Draws s over at most max_lines lines of cols columns, broken at spaces where it can be;
 * returns the lines used. */
int tui_put_wrapped(int y, int x, int cols, int max_lines, const char *s);
/* tui_put() of a formatted line. */
int tui_putf(int y, int x, int max_cols, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Pads s with spaces to cols columns (cut at a character boundary when longer) into buf. */
const char *tui_pad(const char *s, int cols, char *buf, size_t size);

/* ---- drawing (draw.c) ----------------------------------------------------------------------- */

/* Clears the screen and draws the title line (with who is logged in) and the key line at the
 * bottom (keys, then the language key); the message line above it. Returns the first free row. */
int tui_frame(struct tui *t, const char *title, const char *keys);
/* A progress bar of width cols for done/total. */
void tui_bar(int y, int x, int cols, uint64_t done, uint64_t total);
void tui_message(struct tui *t, bool is_error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_message_clear(struct tui *t);
/* Reads what the code below wrote on stderr; its last line becomes an error message. */
void tui_take_stderr(struct tui *t);
/* "2026-11-23 19:00:00 JST (+09:00)" and "2026-11-23 10:00:00 UTC" for Unix time now. */
void tui_format_jst(int64_t now, char *buf, size_t size);
void tui_format_utc(int64_t now, char *buf, size_t size);

/* ---- input (input.c) ------------------------------------------------------------------------ */

enum tui_input_kind {
        TUI_INPUT_NONE, /* the timeout passed, or the screen must be drawn again (language, resize) */
        TUI_INPUT_CHAR, /* a character (ch) */
        TUI_INPUT_KEY,  /* a function or cursor key (key: KEY_UP, KEY_ENTER…) */
        TUI_INPUT_FD,   /* fds[fd_index] is readable */
};

struct tui_input {
        enum tui_input_kind kind;
        wint_t ch;
        int key;
        size_t fd_index;
};

#define TUI_CTRL_C 3
#define TUI_ESC    27

/* Waits up to timeout_ms (-1: for ever) for a key or one of fds (with the keyboard, in one
 * poll()). F2 switches the language here (TUI_INPUT_NONE: draw again). */
void tui_next_input(struct tui *t, const int *fds, size_t n_fds, int timeout_ms, struct tui_input *ret);
bool tui_input_is_enter(const struct tui_input *in);
bool tui_input_is_key(const struct tui_input *in, int key);
bool tui_input_is_char(const struct tui_input *in, wint_t ch);

/* A one-line text field; a hidden one (secrets) keeps its text in sodium_malloc memory and shows
 * one '*' per character. */
struct tui_field {
        char *text;
        size_t len, max_bytes;
        bool is_hidden;
};

int tui_field_init(struct tui_field *f, size_t max_bytes, bool is_hidden);
void tui_field_clear(struct tui_field *f);
void tui_field_done(struct tui_field *f);
/* Takes a character or Backspace: true when the field used it. */
bool tui_field_edit(struct tui_field *f, const struct tui_input *in);
/* Draws the field at (y, x), cols wide, with the cursor at its end when is_focused. */
void tui_field_draw(const struct tui_field *f, int y, int x, int cols, bool is_focused);

/* Asks for one line of text: intro (wrapped) above, label and field, keys at the bottom. 1 on
 * Enter, 0 on Esc, -1 when a stop signal came. */
int tui_ask(struct tui *t, const char *title, const char *intro, const char *label, struct tui_field *f);
/* Sets the field's text (a value to edit). */
void tui_field_set(struct tui_field *f, const char *text);
/* Draws the QR code of text at (y, x) with half blocks (two modules a row, a light quiet zone);
 * returns its rows (0 when text cannot be encoded) and its columns in *ret_cols. */
int tui_draw_qr(int y, int x, const char *text, int *ret_cols);

/* ---- the administrator's helpers ------------------------------------------------------------- */

/* Asks for the appliance key's passphrase (to sign the users file) and unlocks it; checks it is the
 * key of the public key the users file is checked with. 0, or -ECANCELED (Esc or a stop signal). */
int tui_unlock_key(struct tui *t, const char *title, struct cert_secret_key **ret);
/* The enrolment of a new user into u (a copy the caller throws away on failure): id, name, role
 * (administrator only when is_first_admin), passphrase twice, the TOTP secret as a QR code and in
 * base32, a current code typed to prove the app has it; then u is signed with key (asked for when
 * NULL) and saved. 0, or -ECANCELED. */
int tui_enrol(struct tui *t, struct session_users *u, const struct cert_secret_key *key, bool is_first_admin);
/* Both factors anew for the user id of u (a copy the caller throws away on failure): a new
 * passphrase twice, a new TOTP secret shown and checked as by tui_enrol(), then u signed (the key
 * asked for) and saved; the old passphrase and secret stop working and the failure count is
 * cleared. 0, -ECANCELED, or the error said on the message line. */
int tui_enrol_again(struct tui *t, struct session_users *u, const char *id);
/* tui_put() for the frame's own bottom rows (the message and key lines), which tui_put() keeps
 * every screen off (text.c); tui_frame() says how many they are (2, or 3 when the keys take two
 * rows on a narrow terminal). */
int tui_put_frame_line(int y, int x, int max_cols, const char *s);
void tui_set_frame_rows(int rows);
/* The last row a screen may draw on, above the frame's bottom rows (after tui_frame()). */
int tui_last_content_row(void);
/* Reads the users file again (after an administrator changed it). */
int tui_users_reload(struct tui *t);
/* Sets `name = value` in the configuration file and reads it again; what it says applies at once.
 * Says why on the message line when it cannot. */
int tui_config_set(struct tui *t, const char *name, const char *value);
/* Sets the system clock (and the RTC) to Unix time s: KESU_CLOCK_SET_COMMAND, when set (tests
 * only), is run with "@s" instead. 0 or a negative errno. */
int tui_clock_set(int64_t s);
/* Whether the logged-in operator is an administrator. */
bool tui_is_admin(const struct tui *t);

/* ---- the screens ------------------------------------------------------------------------------ */

enum tui_step tui_screen_setup(struct tui *t);
enum tui_step tui_screen_admin(struct tui *t);
enum tui_step tui_screen_users(struct tui *t);
enum tui_step tui_screen_settings(struct tui *t);
enum tui_step tui_screen_policy(struct tui *t);
enum tui_step tui_screen_clock_set(struct tui *t);
enum tui_step tui_screen_login(struct tui *t, bool is_witness);
enum tui_step tui_screen_key(struct tui *t);
enum tui_step tui_screen_clock(struct tui *t);
enum tui_step tui_screen_disks(struct tui *t);
enum tui_step tui_screen_plan(struct tui *t);
enum tui_step tui_screen_confirm(struct tui *t);
enum tui_step tui_screen_run(struct tui *t);
enum tui_step tui_screen_results(struct tui *t);

/* ---- the disposal's runner (runner.c, screen-run.c, screen-results.c) ------------------------ */

struct runner;
struct runner_state;

/* At start: a state file left by a runner. Alive and running → TUI_STEP_RUN (re-attached, said on
 * the message line); ended → TUI_STEP_RESULTS (shown once); died unfinished → the message says so
 * and the journal's recovery, and `otherwise` is returned, as it is when there is none. */
enum tui_step tui_runner_attach(struct tui *t, enum tui_step otherwise);
/* Whether another disposal's runner is running (then the message line says so). */
bool tui_runner_is_busy(struct tui *t);
/* Forgets the runner's state file once its results were shown (it is removed). */
void tui_runner_forget(struct tui *t);

/* The method names offered for a disk: the overwrites, then "purge" and the drive's own commands
 * when it has them (screen-plan.c). The i-th, NULL past the end. */
const char *tui_method_offered(const struct disk_info *d, size_t i);
/* The disk on the live list with this path, or NULL. */
const struct disk_info *tui_find_disk(const struct tui *t, const char *path);
/* Ends the disposal being prepared or shown: the session freed, the targets and plans dropped. */
/* Frees the disposal being prepared (the session, the targets described again, the plans); the
 * runner and its results stay. */
void tui_disposal_plan_free(struct tui *t);
void tui_disposal_end(struct tui *t);
/* Logs both people out: the key locked again, the clock to be confirmed again. */
void tui_log_out(struct tui *t);
