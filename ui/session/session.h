/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The disposal session: one home for what a disposal decides — the targets it may touch, the
 * method the policy allows for their class, the journal that makes every started disposal end
 * with a certificate, the jobs, the verdict, and issuing, exporting and printing the certificate.
 * Quiet like the engine: it returns errors and fills results; the command line (`kesu wipe`,
 * `kesu demo`) and the operator's screen render them and pick exit codes.
 *
 * A disposal goes: session_open() (policy, issuer with its notes, journal replay) →
 * session_plan() (targets and policy: refusals before anything is written) → session_start()
 * (every disk opened exclusively, the start journalled with fsync, then the wipes) → the front end
 * follows session_wipe_job() until each is done → session_verify() → it follows
 * session_verify_job() → session_finish() for each target (verdict, certificate, journal,
 * export, print) → session_free().
 */

#include <signal.h>

#include "certificates.h"
#include "policy.h"
#include "verifier.h"
#include "wiper.h"

struct session_options {
        const char *method_spec; /* "random" when NULL */
        const char *verify_mode; /* none, sample (default), full */
        double sample_percent;   /* 0: the default */
        uint64_t plan_seed;
        bool has_plan_seed;
        bool is_verify_all_passes; /* verify every pass as it ends, not only the last */
        struct wipe_options io;

        /* Certificates: with is_certify false, a plain erase with no record and no policy. */
        bool is_certify;
        struct cert_context ctx;      /* class, destination, organization, people… (borrowed) */
        struct cert_secret_key *key;  /* unlocked (borrowed) */
        const char *cert_dir;
        const char *ledger_path;      /* NULL: the key's registered ledger */
        const char *key_path;         /* to find the registered ledger */
        const char *export_dir;       /* NULL: no copy */
        bool is_print;
        const char *printer;          /* NULL: the default queue */
        const struct session_policy *policy; /* NULL: the built-in default */
        const char *journal_path;     /* NULL: journal.jsonl in the appliance state folder */
        const volatile sig_atomic_t *stop_flag; /* non-zero: stop (a front end's signal flag) */
};

/* A refusal before anything was written, for the front end to say and map to an exit code. */
enum session_refusal_kind {
        SESSION_REFUSED_NONE,
        SESSION_REFUSED_USAGE,  /* bad input (exit 2) */
        SESSION_REFUSED_SAFETY, /* protected disk, policy, identity (exit 3) */
};

struct session_refusal {
        enum session_refusal_kind kind;
        size_t target; /* the target concerned */
        char message[1024];
};

/* How one target ended, filled by session_finish(). */
struct session_outcome {
        const struct wipe_result *wipe;
        const struct verify_result *verify; /* the verification the certificate records, or NULL */
        size_t n_pass_verifications;        /* --verify-passes all */
        const struct verify_result *pass_verifications[WIPE_MAX_PASSES]; /* NULL: did not run */
        unsigned pass_numbers[WIPE_MAX_PASSES];
        bool is_wipe_pass; /* the overwrite alone */
        bool is_pass;      /* the verdict: wipe, verification, level and filing */
        enum session_level required_level, achieved_level;
        char disposal_id[33];
        /* the certificate */
        bool is_certified;
        int cert_error; /* -errno when it could not be filed */
        struct cert_issued issued;
        bool is_exported;
        int export_error;
        const char *export_failed_file;
        int print_error;
        int print_job;
};

struct session;

/* What the policy says of o's class, destination and method before anything else — no key, no
 * login, no disk needed — so that a disposal the policy refuses asks nobody for a secret. 0, or
 * -EPERM with *ret filled (SAFETY: the policy refuses; USAGE: it cannot decide). */
int session_preflight(const struct session_options *o, struct session_refusal *ret);

/* Opens a session: with certificates, the issuer (folders probed, filing recovered: see
 * session_notes()) and the journal, whose unfinished disposals get their FAIL certificates here,
 * before anything else runs. -errno as cert_issuer_open() says (the front end explains). */
int session_open(const struct session_options *o, struct session **ret);

/* One line each: what was done to bring the filing and the journal back in order (adopted,
 * set aside, re-made PDFs, interrupted disposals certified). New ones appear after each step;
 * *ret_n counts them all. */
const char *session_note(const struct session *s, size_t i);
size_t session_n_notes(const struct session *s);

/* The targets (borrowed; described just before) and their asset numbers (one each, borrowed).
 * Refuses what must not be erased — protected, duplicated, too small — and, with certificates,
 * what the policy does not allow for the class and destination. 0, or -EPERM with *ret filled. */
int session_plan(struct session *s, struct disk_info *disks, size_t n, char *const *assets,
                 struct session_refusal *ret);

/* What may differ from one target to the next in one disposal: the operator's screen gives each
 * disk its own asset number, class, destination and method, and all of them share one session
 * (one issuer, one journal, the same two people). A NULL field takes the session's options
 * (o->ctx.class_label, o->ctx.destination, o->method_spec; no asset). */
struct session_target_plan {
        const char *asset;
        const char *class_label;
        const char *destination;
        const char *method_spec;
        /* the TCG methods: this drive's SID or PSID (NULL: the session's io.tcg_secret) */
        const char *tcg_secret;
        size_t tcg_secret_len;
};

/* session_plan() with each target's own plan (plans[i] for disks[i], borrowed until
 * session_free()): the method is resolved and the policy decides for each target with its own
 * class, destination and method; its certificate and journal entry record them. A method that is
 * not in the method table is refused (USAGE). */
int session_plan_targets(struct session *s, struct disk_info *disks, size_t n,
                         const struct session_target_plan *plans, struct session_refusal *ret);

/* The policy's decision for target i (after session_plan()). */
const struct session_policy_decision *session_decision(const struct session *s, size_t i);
const struct wipe_method *session_method(const struct session *s);
/* Target i's method (after session_plan()): the session's, or for "purge" the command this drive
 * will run (its strongest). */
const struct wipe_method *session_target_method(const struct session *s, size_t i);

/* Opens every target exclusively before writing to any (one refusal stops all, nothing written),
 * journals each disposal (fsync), then starts the wipes. 0, -EPERM with *ret filled (safety or
 * usage), or -errno. */
int session_start(struct session *s, struct session_refusal *ret);

size_t session_n_targets(const struct session *s);
/* The running jobs, for progress; NULL when the target's job is not running. */
struct wipe_job *session_wipe_job(struct session *s, size_t i);
struct verify_job *session_verify_job(struct session *s, size_t i);
size_t session_n_started(const struct session *s);
const struct disk_info *session_disk(const struct session *s, size_t i);

/* ---- following a running session: a poll()-able descriptor and its events -------------------- */

enum session_event_kind {
        SESSION_EVENT_WIPE_DONE,   /* target's wipe ended (then session_verify()) */
        SESSION_EVENT_VERIFY_DONE, /* target's verification ended (then session_finish()) */
};

struct session_event {
        enum session_event_kind kind;
        size_t target;
};

/* Where a target is, for a progress bar: its phase's bytes, and the pass being written. */
struct session_progress {
        bool is_verifying;
        unsigned pass, n_passes; /* the wipe's */
        uint64_t bytes_done, bytes_total;
        bool is_done;
};

/* A descriptor that poll() reports readable while the session has events to take (a job of it
 * ended); the front end waits on it (with a timeout for drawing progress) beside its own input.
 * -errno when it cannot be made. Owned by the session. */
int session_event_fd(struct session *s);

/* Takes the next event: 0 and *ret, or -EAGAIN when there is none now. Each job's end is told
 * once. */
int session_next_event(struct session *s, struct session_event *ret);

/* Target i's progress now (its verification's once that started). */
int session_progress(const struct session *s, size_t i, struct session_progress *ret);

/* Asks every job to stop (Ctrl-C): each ends as an interrupted FAIL, still certified. */
void session_request_stop(struct session *s);
bool session_is_stop_requested(const struct session *s);

/* After the wipes: starts verifying every target whose wipe ran to its end. Errors of single
 * targets are theirs (no verification: FAIL). */
int session_verify(struct session *s);

/* Decides target i, files its certificate, journals the end, exports and prints it. */
int session_finish(struct session *s, size_t i, struct session_outcome *ret);

struct session *session_free(struct session *s);
