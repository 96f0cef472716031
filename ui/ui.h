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

/* A one-line explanation of why a target could not be read (from a negative errno). */
const char *ui_target_error(int err);

/* "1.5 GiB", "64.0 MiB", "512 B" into buf. */
const char *ui_format_bytes(uint64_t bytes, char *buf, size_t buf_size);

/* A disk's description as a JSON object (the `kesu list --json` schema). NULL on ENOMEM. */
json_t *ui_disk_to_json(const struct disk_info *d);

/* A string for JSON: NULL becomes null; bytes that are not UTF-8 (a label in a legacy code page)
 * become U+FFFD rather than making the output invalid. */
json_t *ui_json_string_or_null(const char *s);

/* Prints the human-readable table of disks. */
void ui_print_disk_table(FILE *f, const struct disk_info *disks, size_t n);

/* Reads and describes targets; on a bad target reports it and returns -errno. With paths NULL,
 * enumerates every disk and skips those that vanish meanwhile. */
int ui_describe_targets(char **paths, struct disk_info **ret, size_t *ret_n);
void ui_disk_infos_free(struct disk_info *disks, size_t n);

/* ISO 8601 UTC with milliseconds ("2026-11-23T10:00:00.000Z"). */
void ui_format_utc(int64_t ns, char *buf, size_t size);

/* A wipe result as the `kesu wipe --json` "result" event. */
json_t *ui_wipe_result_to_json(const struct wipe_result *r, const struct disk_info *info);

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
/* The first and last MiB of every partition found (before a wipe), as areas the sample must read. */
int ui_partition_areas(const struct disk_content *c, struct verify_extent **ret, size_t *ret_n);
json_t *ui_verify_result_to_json(const struct verify_result *r);
void ui_print_verify_human(const struct verify_result *r, const char *path);
extern const struct ui_job_ops ui_verify_job_ops;

/* ---- keys and certificates ----------------------------------------------------------------- */

/* A passphrase in sodium_malloc memory. */
struct ui_passphrase {
        char *text;
        size_t len;
};
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
int ui_cmd_verify(int argc, char **argv);
int ui_cmd_list(int argc, char **argv);
int ui_cmd_wipe(int argc, char **argv);
int ui_cmd_demo(int argc, char **argv);
