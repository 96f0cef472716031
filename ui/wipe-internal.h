/* SPDX-License-Identifier: MIT */
#pragma once

/* `kesu wipe` (and `kesu demo`, which drives it): the command line's side of a disposal session —
 * options (wipe.c), checking and preparing them (wipe-prepare.c), showing results (wipe-render.c). */

#include "session.h"
#include "ui.h"

struct wipe_cli {
        const char *method_spec;
        const char *verify;
        bool is_yes;
        bool is_json;
        double sample_percent;
        uint64_t plan_seed;
        bool has_plan_seed;
        bool is_verify_all_passes;
        struct wipe_options opts;
        /* the certificate */
        bool is_no_cert;
        bool is_print;
        const char *printer;
        const char *config;
        const char *cert_dir;
        const char *export_dir; /* a copy of each certificate goes here too (the export stick) */
        const char *key;
        const char *ledger;
        const char *passphrase_file;
        const char *assets; /* one, or one per target, comma-separated */
        const char *policy_file;
        /* the two people */
        const char *users_file;
        const char *operator_secret_file;
        const char *witness_secret_file;
        const char *sid_file, *psid_file; /* TCG revert: the SID / the PSID from the drive's label */
        bool is_no_auth; /* demo and tests only: written on the certificate */
        struct cert_context ctx;
};

/* What a disposal was prepared with: all of it checked and unlocked before a byte is written. */
struct wipe_setup {
        char *operator_id, *witness_id; /* trimmed */
        char operator_name[2 * SESSION_USER_NAME_MAX_BYTES + 8], witness_name[2 * SESSION_USER_NAME_MAX_BYTES + 8];
        char authentication[128];
        struct cert_secret_key *key;
        struct session_users *users;
        struct session_policy *policy;
        char **assets; /* one per target */
        struct ui_config config;
        struct ui_image_release image; /* the boot image's identity, when run from it */
        char *tcg_secret;    /* --sid-file / --psid-file's secret (sodium_malloc: locked, wiped) */
        struct session *session;
        size_t n_notes_printed;
};

/* Parses `kesu wipe`'s options into cli: 0, 1 after --help, -EINVAL (reported). */
int wipe_parse_args(int argc, char **argv, struct wipe_cli *cli);

/* Checks every input (config, text, people, assets), logs both people in, unlocks the key, loads
 * the policy and opens the session (filing recovered, interrupted disposals certified). Returns an
 * exit code to stop with, or -1 to go on. */
int wipe_prepare(struct wipe_cli *cli, size_t n_targets, struct wipe_setup *ws);
void wipe_setup_done(struct wipe_setup *ws);

/* Refuses text that is not UTF-8, hides characters or is longer than max_bytes, naming the field
 * (reported). 0 or -EILSEQ/-EINVAL/-E2BIG. */
int wipe_check_text(const char *field, const char *value, size_t max_bytes);

/* Prints the session's notes not printed yet (one line each; a `filing` event with --json). */
void wipe_print_notes(struct wipe_setup *ws, bool is_json);

/* The confirmation question: identity, content and the plan of every target. */
bool wipe_confirm(const struct disk_info *disks, size_t n, const struct wipe_method *m,
                  const struct wipe_cli *cli, struct session *s);

/* One target's outcome, as a `result` JSON event or as lines for a person. */
void wipe_render_outcome(const struct wipe_cli *cli, const struct disk_info *disk,
                         const struct session_outcome *o);

extern const struct ui_job_ops wipe_job_ops;
