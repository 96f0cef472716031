/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui: the front ends. The only module that prints, asks questions or picks exit codes.
 */

#include <jansson.h>
#include <stdarg.h>

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

int ui_cmd_list(int argc, char **argv);
int ui_cmd_wipe(int argc, char **argv);
int ui_cmd_demo(int argc, char **argv);
