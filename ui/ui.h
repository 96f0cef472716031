/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui: the front ends. The only module that prints, asks questions or picks exit codes.
 */

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>

#include "certificates.h"
#include "verifier.h"
#include "wiper.h"

/* Exit codes (DESIGN.md: the command-line contract). */
enum {
        KESU_EXIT_OK = 0,            /* done and verified */
        KESU_EXIT_NOT_SANITIZED = 1, /* finished but not sanitized */
        KESU_EXIT_USAGE = 2,         /* bad usage or bad input */
        KESU_EXIT_SAFETY = 3,        /* refused for safety */
};

/* Prints "kesu: MESSAGE" as one line on stderr. */
void ui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* After getopt_long() gave '?': says whether argv's last option lacks its value (an option that
 * options marks required_argument) or is unknown, for `kesu COMMAND` (e.g. "cert verify"). */
struct option;
void ui_option_error(const char *command, const struct option *options, char **argv);

/* A TCG revert's secret as the operator gives it (the command line's file, the screen's field):
 * a PSID is the 32 ASCII letters and digits printed on the drive's label, a SID 1 to 32 printable
 * bytes. */
bool ui_tcg_secret_is_valid(bool is_psid, const char *s, size_t n);

/* A one-line explanation of why a target could not be read (from a negative errno). */
const char *ui_target_error(int err);

/* "1.5 GiB", "64.0 MiB", "512 B" into buf. */
const char *ui_format_bytes(uint64_t bytes, char *buf, size_t buf_size);

/* A disk's description as a JSON object (the `kesu list --json` schema). NULL on ENOMEM. */
json_t *ui_disk_to_json(const struct disk_info *d);
/* Why a disk has no purge commands to offer, in one line ("" when it has them). */
const char *ui_purge_probe_error(const struct disk_info *d);

/* A string for JSON: NULL becomes null; bytes that are not UTF-8 (a label in a legacy code page)
 * become U+FFFD rather than making the output invalid. */
json_t *ui_json_string_or_null(const char *s);

/* Prints the human-readable table of disks. */
void ui_print_disk_table(FILE *f, const struct disk_info *disks, size_t n);

/* Reads and describes targets; on a bad target reports it and returns -errno. With paths NULL,
 * enumerates every disk and skips those that vanish meanwhile. */
int ui_describe_targets(char **paths, struct disk_info **ret, size_t *ret_n);
#ifdef KESU_TEST_FAKE_DRIVES
/* Only in a test build of the screen (tests/tools/kesu-ui-fake-tcg.c, never installed): shows a
 * loop device the test named as a drive behind a fake (its purge commands asked through it), and
 * the transport a disposal then sends the drive's commands through. */
void ui_test_fake_drives(struct disk_info *disks, size_t n);
const struct cmd_transport *ui_test_fake_transport(void);
#endif
void ui_disk_infos_free(struct disk_info *disks, size_t n);

/* ISO 8601 UTC with milliseconds ("2026-11-23T10:00:00.000Z"). */
void ui_format_utc(int64_t ns, char *buf, size_t size);

/* A wipe result as the `kesu wipe --json` "result" event. */
json_t *ui_wipe_result_to_json(const struct wipe_result *r, const struct disk_info *info);

/* ---- tools and folders (spawn.c) ---------------------------------------------------------------- */

/* Runs argv[0] from PATH without a shell: stdin and stderr /dev/null, stdout into ret_out (up to
 * size - 1 bytes, NUL-terminated) or /dev/null. 0 when it exits 0, -ENOENT when it is not
 * installed, -EIO when it fails. */
int ui_run_tool(char *const argv[], char *ret_out, size_t size);

/* Removes path and all below it (not following links); what cannot be removed stays. */
void ui_remove_tree(const char *path);

/* ---- the configuration (config.c) -------------------------------------------------------------- */

#define UI_DEFAULT_CONFIG "/etc/kesu/kesu.conf"

/* The `key = value` settings; NULL when unset. The strings live in text. */
struct ui_config {
        char *text;
        const char *organization, *media_source, *key, *cert_dir, *export_dir, *ledger, *printer, *policy,
                *users;
};

/* Reads path (NULL: UI_DEFAULT_CONFIG, which may be missing: every setting unset). An unknown
 * setting or a line without '=' is an error naming its line; errors are reported (prefixed with
 * who) and returned as -errno. */
int ui_config_load(const char *path, const char *who, struct ui_config *ret);
void ui_config_done(struct ui_config *c);

/* The boot image that runs kesu, for every certificate: its version and build (the image's
 * /etc/kesu/image-release, KESU_IMAGE_VERSION=/KESU_IMAGE_BUILD= lines; env KESU_IMAGE_RELEASE names
 * another file) and the SHA-256 of its root file system as hashed at boot (/run/kesu/image-identity,
 * KESU_IMAGE_SQUASHFS_SHA256=; env KESU_IMAGE_IDENTITY names another). NULL fields when not run from
 * the image. The strings point into the two texts it owns. */
struct ui_image_release {
        char *release_text, *identity_text;
        const char *version, *build, *squashfs_sha256;
};
void ui_image_release_read(struct ui_image_release *ret);
void ui_image_release_done(struct ui_image_release *r);
/* Sets one `name = value` line of the configuration file at path (value NULL: removes it), keeping
 * every other line as it is, and writes the file atomically (write_file_atomic). Quiet: 0 or a
 * negative errno (-EINVAL a name or value that cannot be one line). */
int ui_config_set(const char *path, const char *name, const char *value);

/* ---- running jobs -------------------------------------------------------------------------- */

/* Set by SIGINT/SIGTERM/SIGHUP once ui_install_stop_signals() ran: running jobs are asked to stop. */
extern volatile sig_atomic_t ui_stop_signal;
void ui_install_stop_signals(void);

/* Prints one JSON object as a line on stdout and frees it. */
void ui_json_line(json_t *o);

/* One job's progress, filled in by its ui_job_ops.progress each tick. */
struct ui_progress_item {
        const char *path;
        const char *label; /* short name on the terminal bar */
        unsigned pass, n_passes;
        uint64_t bytes_done, bytes_total;
        bool is_done;
        double final_rate;   /* bytes/s over the job's own run, once done (0: unknown) */
        uint64_t last_bytes; /* private to the reporter */
        double rate;
};

struct ui_progress {
        const char *phase; /* "wipe", "verify" */
        bool is_json, is_tty;
        int64_t start_ns, last_ns, last_json_ns;
};

struct ui_job_ops {
        void (*progress)(void *job, struct ui_progress_item *item);
        int (*done_fd)(void *job);
        void (*request_stop)(void *job);
};

/* Waits for every job, drawing the bar (terminal) or sending progress events (JSON), and asks
 * them to stop on a stop signal. */
void ui_run_jobs(void *const *jobs, size_t n, const struct ui_job_ops *ops, const char *phase, bool is_json,
                 struct ui_progress_item *items);

/* ---- verification ------------------------------------------------------------------------- */

/* --expect zero|one|byte:HH|pattern:HEX|random:SEED */
int ui_parse_expect(const char *s, struct wipe_pattern *ret);
/* --plan-seed: up to 16 hex digits, optionally 0x-prefixed */
int ui_parse_plan_seed(const char *s, uint64_t *ret);
/* --sample-percent: (0, 100] */
int ui_parse_percent(const char *s, double *ret);
json_t *ui_verify_result_to_json(const struct verify_result *r);
void ui_print_verify_human(const struct verify_result *r, const char *path);
extern const struct ui_job_ops ui_verify_job_ops;

/* ---- keys and certificates ----------------------------------------------------------------- */

/* A passphrase in sodium_malloc memory. */
struct ui_passphrase {
        char *text;
        size_t len;
};
/* A line from the terminal without echo (a passphrase, a code) into buf, its line end removed. */
int ui_read_hidden_line(const char *prompt, char *buf, size_t size);
/* From a file (one line) or, on a terminal, asked for without echo (twice when is_new). Reports
 * its own errors. */
int ui_passphrase_get(const char *file, const char *what, bool is_new, struct ui_passphrase *ret);
void ui_passphrase_free(struct ui_passphrase *p);
/* Why a secret key could not be unlocked, for the operator. */
const char *ui_key_error(int r);
/* A QR code drawn with block characters. */
void ui_print_qr(FILE *f, const char *text);

int ui_cmd_key(int argc, char **argv);
int ui_cmd_key_init(int argc, char **argv);
int ui_cmd_cert(int argc, char **argv);
/* `kesu cert export [--cert-dir DIR] [--config FILE] [--json] [EXPORT_DIR]` (export.c) */
int ui_cmd_cert_export(int argc, char **argv);
/* `kesu cert report [--format csv|jsonl] [--bom] [--key PUB]… [--output FILE] DIR|FILE…`
 * (report.c): one row per certificate for asset-management systems. */
int ui_cmd_cert_report(int argc, char **argv);
/* The auditor's output shared by cert verify and cert report (cert.c): "OK", "FAILED",
 * "WARNING" or "PROBLEM"; one --key loaded into keys (reports its own error, prefixed with who);
 * why cert_audit_check() failed with a ledger; what one key's chain check covered, as a sentence,
 * as JSON, and as "Chain: …" lines. */
const char *ui_finding_severity_label(enum cert_finding_kind kind);
int ui_load_public_key(const char *who, const char *path, struct cert_public_key *keys, size_t max_keys,
                       size_t *n_keys);
const char *ui_audit_error(int r);
void ui_chain_sentence(const struct cert_audit_chain *ch, char *buf, size_t size);
json_t *ui_chains_to_json(const struct cert_audit *audit);
void ui_print_chains(FILE *f, const struct cert_audit *audit);
int ui_cmd_verify(int argc, char **argv);
int ui_cmd_list(int argc, char **argv);
int ui_cmd_wipe(int argc, char **argv);
int ui_cmd_demo(int argc, char **argv);
/* `kesu ui`: the operator's screen (ui/tui/). */
int ui_cmd_ui(int argc, char **argv);

/* ---- users and logging in (user.c) --------------------------------------------------------- */

#include "users.h"

/* Loads the users file (signature checked with appliance.pub beside the key): users_file, else
 * users.json beside key_file, else beside the key of config_file's `key = …` (NULL: the default
 * configuration). Reports its own errors; returns -errno (session_users_load()'s). */
int ui_users_load(const char *users_file, const char *key_file, const char *config_file,
                  struct session_users **ret);
/* Where ui_users_load() looks: the users file and the appliance's public key (both malloc'd). Says
 * why on stderr when it cannot tell. */
int ui_users_paths(const char *users_file, const char *key_file, const char *config_file, char **ret_users,
                   char **ret_pub);

/*
 * Logs a user in with both factors: secret_file holds the passphrase on line 1 and the current TOTP
 * code on line 2 (a FIFO's writer must deliver within 10 s); with secret_file NULL and a terminal
 * on stdin, both are asked for without echo. role_label ("operator", "witness") starts its one-line
 * errors: "operator X: wrong passphrase or code", "operator X is disabled", "operator X: too many
 * failed attempts: wait N s". Returns 0 and the user in *ret, or session_user_authenticate()'s
 * negative errno (-ENOENT, -EACCES, -EKEYREVOKED, -EAGAIN, …; -EINVAL no secret given).
 */
int ui_authenticate(struct session_users *u, const char *id, const char *secret_file, const char *role_label,
                    struct session_user_info *ret);

int ui_cmd_user(int argc, char **argv);
