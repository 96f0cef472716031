/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The disposal's runner: the process that owns a running disposal, so that the operator's screen
 * can crash, be killed or be closed without stopping an erasure. When the operator confirms,
 * `kesu ui` forks it (before any of the session's threads exist) and it runs the session to its
 * end — wipes, verification, verdict, certificate, journal, export, print — on its own, in its
 * own session (setsid), deaf to SIGHUP, SIGINT and SIGPIPE. SIGTERM asks it to stop: every disk
 * not finished gets its FAIL certificate, as Ctrl-C did when the screen ran the session itself.
 *
 * It publishes what it does in a state file, $KESU_RUN_DIR/disposal.state (else
 * /run/kesu/disposal.state; the folder is made 0700), with its log (stderr) beside it in
 * runner.log. The screen maps the file and draws from it; a screen started later finds it and
 * re-attaches (runner_open()).
 *
 * The file is a struct runner_state followed by n_targets struct runner_target, fixed-size plain
 * data, mapped MAP_SHARED by the runner (read-write) and by the screens (read-only). Mapping
 * rather than rewriting: progress changes four times a second and the screen wants it without a
 * read, a parse or a rename each time; the file lives on tmpfs (/run), goes with a reboot (as the
 * runner does: the journal, not this file, is what survives a power cut) and is never fsync'd.
 * Consistency is a sequence counter (a seqlock): the runner makes it odd before it writes and
 * even after, a reader copies the whole file and tries again if the counter was odd or moved
 * (runner_snapshot()). The layout is this binary's own: the magic, the version and the two
 * record sizes in front are checked, and a file of another layout is refused (-EPROTO), never
 * guessed at. Its size is fixed when it is made: a file is never shrunk under a reader's mapping,
 * a new disposal renames a new file over the old one.
 *
 * The runner holds an exclusive flock() on the file for its whole life: a file whose lock is free
 * has no runner (ended, or died: then its phase is not DONE), whatever its pid says. A screen
 * removes the file once the operator has left its results (an ended disposal's results are shown
 * once, also by a screen started after it ended), or once it has said that its runner died; the
 * journal, not this file, makes sure a died runner's disks get their certificates.
 */

#include <stdbool.h>
#include <stdint.h>

#include "certificates.h"
#include "session.h"
#include "users.h"

#define RUNNER_STATE_MAGIC   "KESURUN" /* with its NUL: 8 bytes */
#define RUNNER_STATE_VERSION 1

enum runner_phase {
        RUNNER_PHASE_STARTING, /* forked; the disks being opened and the starts journalled */
        RUNNER_PHASE_WIPING,
        RUNNER_PHASE_VERIFYING,
        RUNNER_PHASE_FILING, /* verdicts, certificates, journal, export, print */
        RUNNER_PHASE_DONE,   /* every started target has its outcome (or none started) */
};

/* One disk of the disposal: what it is, where it is, and once finished what it got. */
struct runner_target {
        char path[256];
        char asset[72];
        char method[32];
        bool is_purge;
        /* progress (session_progress) */
        bool is_verifying, is_progress_done;
        uint32_t pass, n_passes;
        uint64_t bytes_done, bytes_total;
        /* the jobs' ends, as the runner took their events */
        bool is_wipe_done, is_verify_expected, is_verify_done;
        /* the wipe's own result once it ended: failed (disk gone, I/O error, stopped) is FAIL
         * already, before the verdict */
        bool is_wipe_failed;
        int32_t wipe_status; /* enum wipe_status */
        int32_t wipe_error;  /* its errno, or 0 */
        uint64_t n_unwritten_ranges;
        /* the outcome (session_finish), once has_outcome */
        bool has_outcome, is_pass, is_certified;
        int32_t required_level, achieved_level; /* enum session_level */
        int32_t cert_error;
        char serial[64];
        char result[8]; /* "PASS" / "FAIL" as the certificate says */
        char json_path[4096], sig_path[4096], pdf_path[4096];
        int32_t pdf_error;
        uint32_t n_reasons;
        char reasons[CERT_MAX_REASONS][256];
        bool is_export_tried, is_exported;
        int32_t export_error;
        int32_t print_error, print_job;
};

struct runner_state {
        char magic[8];
        uint32_t version;
        uint32_t state_bytes, target_bytes; /* sizeof of both records: the layout */
        uint32_t sequence;                  /* odd while the runner writes */
        int32_t pid;                        /* the runner's (0 until it runs) */
        int32_t phase;                      /* enum runner_phase */
        bool is_stop_requested;
        int64_t started_utc;
        char operator_id[SESSION_USER_ID_MAX + 1], witness_id[SESSION_USER_ID_MAX + 1];
        char operator_name[2 * SESSION_USER_NAME_MAX_BYTES + 8],
                witness_name[2 * SESSION_USER_NAME_MAX_BYTES + 8];
        /* session_start()'s refusal, if any (then only n_started targets ran) */
        int32_t start_error; /* -errno, -EPERM with refusal filled */
        char refusal[1024];
        char note[512]; /* the session's last note (filing recovered…), or "" */
        uint32_t n_targets, n_started;
        struct runner_target targets[];
};

/* Who starts the disposal, for the state file (the screen of a re-attach shows it). */
struct runner_people {
        const char *operator_id, *operator_name, *witness_id, *witness_name;
};

/* A state file mapped read-only, as a screen follows it. */
struct runner;

/* Where the state file is ($KESU_RUN_DIR/disposal.state, else /run/kesu/…) and the runner's log.
 * -ENAMETOOLONG. */
int runner_state_path(char *buf, size_t size);
int runner_log_path(char *buf, size_t size);

/*
 * Starts the runner for s, opened and planned (plans[i] for target i: its asset), with none of its
 * threads started: the state file made, locked and filled, the runner forked away (double fork:
 * it is no child of the screen, nothing to reap). In the runner, child_prepare(userdata) runs
 * first (the screen closes what it holds that the runner must not: the terminal, its pipes). The
 * caller's s is a copy after this: it frees it (closing descriptors releases nothing the runner
 * holds: disks opened O_EXCL, the issuer's flock and the journal are shared open files).
 * 0 and *ret mapped for reading; -EBUSY another runner holds the state file; -EDEADLK this process
 * runs threads (a fork would copy only this one: nothing was started); -errno.
 */
int runner_start(struct session *s, const struct session_target_plan *plans,
                 const struct runner_people *people, void (*child_prepare)(void *userdata), void *userdata,
                 struct runner **ret);

/* Opens the state file a runner left (running or not). -ENOENT: none; -EPROTO: not a state file
 * of this layout. */
int runner_open(struct runner **ret);

/* A consistent copy of the state, malloc'd (free()). -EAGAIN when the runner kept writing. */
int runner_snapshot(const struct runner *r, struct runner_state **ret);

/* Whether a runner holds the state file (alive), by its lock. */
bool runner_is_alive(const struct runner *r);

/* Asks the runner to stop (SIGTERM), when it is alive. -ESRCH when it is not. */
int runner_request_stop(const struct runner *r);

/* Removes the state file of an ended runner (its results were shown). Not while a runner holds it
 * (-EBUSY). */
int runner_remove(void);

struct runner *runner_free(struct runner *r);

/* Bytes of a state file of n targets. */
size_t runner_state_bytes(uint32_t n_targets);
