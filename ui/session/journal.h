/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui/session: the disposal journal — so that a started disposal always ends with a certificate.
 *
 * Before the first write to a disk the session records (fdatasync) that a disposal started — who,
 * which disk, method, asset, class, destination; while it runs, which pass began; at the end, the
 * certificate it got. At the next start, session_journal_certify_unfinished() gives every
 * disposal that started but never finished (kill -9, power cut, crash) its FAIL "interrupted"
 * certificate, before anything else runs, and never a second one.
 *
 * The file: journal.jsonl in the appliance state folder (cert_state_dir()), mode 0600,
 * append-only JSON Lines, one object a line, each line written by one write() and fdatasync'd:
 *
 *   {"format":"kesu-journal","version":1,"created_utc":"…"}                       first line
 *   {"event":"started","disposal_id":"<32 hex>","utc":"…","key_id":"<16 hex>|","cert_dir":"…",
 *    "operator":{"id","name"},"witness":{"id","name"},"authentication":"…","asset":"…",
 *    "class":"…","destination":"…","organization":"…","media_source":"…","image_version":"…",
 *    "image_build":"…","required_level":"…","policy":"…","method":"dod3","verify":"sample",
 *    "pass_seeds":["<32 hex>"|"",…],
 *    "disk":{"path","name","by_id","vendor","model","serial","wwn","firmware","backing_file",
 *            "size_bytes","logical_sector_bytes","physical_sector_bytes","transport",
 *            "rotational","removable","is_block_device"}}
 *   {"event":"pass","disposal_id":"…","pass":N,"utc":"…","bytes_written":B}
 *   {"event":"finished","disposal_id":"…","serial":"KESU-…"|"","result":"PASS|FAIL|…","utc":"…"}
 *
 * Times are UTC with nanoseconds ("2026-12-02T03:55:50.123456789Z"); strings NULL in the C
 * structs are "" in the file; rotational/removable are "yes", "no" or "unknown".
 *
 * A crash can leave only the last line torn (a line is one write(), and nothing is appended
 * before the previous line was fdatasync'd): an unterminated last line is ignored when reading
 * and cut off (it was never acknowledged to anyone) before the next line is appended. Any other
 * damage is -EBADMSG: the journal is then left as it is, for a person to look at.
 *
 * Several kesu processes may use the journal at once (their disposals are certified with
 * different keys: the key's issuer lock keeps two from using one key): each append and each read
 * holds flock(LOCK_EX) for its few milliseconds only; a lock not had within
 * SESSION_JOURNAL_LOCK_TIMEOUT_MS is -EBUSY.
 *
 * Quiet like the engine: returns 0 or a negative errno, never prints, asks or exits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certificates.h"
#include "common.h"
#include "wiper.h"

#define SESSION_JOURNAL_FILE            "journal.jsonl"
#define SESSION_JOURNAL_FORMAT          "kesu-journal"
#define SESSION_JOURNAL_VERSION         1
#define SESSION_JOURNAL_LOCK_TIMEOUT_MS 10000
/* A journal line longer than this is damage, not a record. */
#define SESSION_JOURNAL_LINE_MAX_BYTES (1024u * 1024)

#define SESSION_DISPOSAL_ID_CHARS 32 /* 16 random bytes, lower-case hex */

/* A new disposal id: 32 lower-case hex digits of libsodium's randombytes, NUL-terminated. */
int session_disposal_id_new(char out[SESSION_DISPOSAL_ID_CHARS + 1]);
/* Whether s is one (32 lower-case hex digits). */
bool session_disposal_id_is_valid(const char *s);

struct session_journal;

/* The journal's path in the appliance state folder: cert_state_dir()/journal.jsonl, malloc'd. */
int session_journal_default_path(char **ret);

/*
 * Opens (creating it 0600, with its format line, and fsyncing its folder) the journal at path;
 * NULL: session_journal_default_path(), after making sure the state folder exists
 * (cert_state_dir_check()). The file is checked whole: -EBADMSG when it is not a kesu journal or
 * a line other than the last is damaged; -EBUSY when the lock cannot be had; -errno otherwise.
 */
int session_journal_open(const char *path, struct session_journal **ret);
struct session_journal *session_journal_free(struct session_journal *j);
static inline void session_journal_freep(struct session_journal **j)
{
        if (*j)
                session_journal_free(*j);
}
#define _cleanup_session_journal_ _cleanup_(session_journal_freep)

const char *session_journal_path(const struct session_journal *j);

/* What a disposal is, as the session knows it just before the first write. */
struct session_journal_start {
        const char *disposal_id; /* session_disposal_id_new() */
        int64_t started_ns;      /* CLOCK_REALTIME; 0: now */
        const char *key_id;   /* the appliance key that will certify it (cert_key_id_hex()); NULL/"": none */
        const char *cert_dir; /* where its certificate will be filed */
        /* Operator, witness, asset, class, destination, organisation, media source, image,
         * authentication, required level and policy are taken from here (disposal_id,
         * achieved_level and extra_reason are not: they are the journal's or the result's). */
        const struct cert_context *ctx;
        const char *method; /* as wipe_method_lookup() takes it: "dod3", "passes:0x00,random" */
        /* The method as the job will run it, its random keys drawn (wipe_job_result()->method
         * after wipe_job_new()): the keys are journaled so an interrupted disposal's certificate
         * carries the real seeds. NULL: not known (the certificate then shows zero seeds). */
        const struct wipe_method *method_drawn;
        const char *verify_mode; /* "none", "sample", "full" */
        const struct disk_identity *disk;
};

/* Journals that a disposal started (fdatasync'd before it returns: call it before the first
 * write, and do not write when it fails). -EINVAL for a malformed disposal id or a missing
 * disk/ctx/method. Thread-safe, as are pass and finished (parallel jobs share one journal). */
int session_journal_started(struct session_journal *j, const struct session_journal_start *s);

/*
 * Journals that pass (1-based) has begun, or how far it is: bytes_written is what this pass has
 * written so far (0 when it begins; UINT64_MAX: unknown). The wiper starts pass N+1 only after
 * pass N was written and flushed, so the replay records the passes before the last begun one as
 * flushed. Optional, and may be repeated for progress (each is one fdatasync'd line).
 */
int session_journal_pass(struct session_journal *j, const char *disposal_id, unsigned pass,
                         uint64_t bytes_written);

/* Journals that a disposal ended with its certificate (serial; NULL/"" when none was issued, e.g.
 * --no-cert) and result ("PASS", "FAIL"). Call it after cert_issue() returned. */
int session_journal_finished(struct session_journal *j, const char *disposal_id, const char *serial,
                             const char *result);

/* What the journal knows of one unfinished disposal. Strings are never NULL ("" when unknown)
 * and live as long as the entry. */
struct session_journal_entry {
        char disposal_id[SESSION_DISPOSAL_ID_CHARS + 1];
        int64_t started_ns;
        int64_t last_event_ns; /* the last line journaled for it */
        const char *key_id;
        const char *cert_dir;
        const char *operator_id, *operator_name, *witness_id, *witness_name, *authentication;
        const char *asset_number, *class_label, *destination, *organization, *media_source;
        const char *image_version, *image_build, *required_level, *policy;
        const char *image_squashfs_sha256; /* NULL in entries of older images */
        const char *method, *verify_mode;
        struct disk_identity disk; /* owned (disk_identity_done() at free) */
        size_t n_seeds;            /* random keys journaled, per pass ("" → all zero) */
        uint8_t seeds[WIPE_MAX_PASSES][WIPE_KEY_BYTES];
        bool has_seed[WIPE_MAX_PASSES];
        unsigned passes_begun; /* the highest pass journaled as begun; 0: none */
        int64_t pass_started_ns[WIPE_MAX_PASSES];
        uint64_t pass_bytes_written[WIPE_MAX_PASSES]; /* last known, per pass; 0 unknown */
        uint64_t bytes_written;                       /* their sum */
        bool has_bytes_written;                       /* some pass reported bytes */
        json_t *record;                               /* the started line (the strings point into it) */
};

/* The unfinished disposals, in the order they started. *ret_entries is NULL when there are
 * none. */
int session_journal_unfinished(struct session_journal *j, struct session_journal_entry **ret_entries,
                               size_t *ret_n);
void session_journal_entries_free(struct session_journal_entry *entries, size_t n);

/* ---- recovery ---------------------------------------------------------------------------------- */

enum session_recovery_kind {
        SESSION_RECOVERY_CERTIFIED, /* a FAIL "interrupted" certificate was issued and journaled */
        SESSION_RECOVERY_FOUND,     /* its certificate had been filed (a crash right after): journaled */
        SESSION_RECOVERY_LEFT,      /* another key's (or no key's) disposal: left alone, to warn about */
};

struct session_recovery {
        enum session_recovery_kind kind;
        char disposal_id[SESSION_DISPOSAL_ID_CHARS + 1];
        char key_id[2 * CERT_KEY_ID_BYTES + 1]; /* the key it is for ("" none) */
        char serial[64];                        /* CERTIFIED / FOUND */
        char result[8];                         /* CERTIFIED / FOUND: "FAIL" (FOUND: as filed) */
        struct cert_issued issued;              /* CERTIFIED: the new certificate (print, export) */
        char text[1024];                        /* one line in English for the operator */
};

/* The failure reason an interrupted disposal's certificate gets (ctx.extra_reason):
 * "interrupted: kesu stopped during the disposal (crash or power loss); recovered at <utc>". */
void session_recovery_reason(int64_t recovered_ns, char *buf, size_t size);

/*
 * Certifies the unfinished disposals of key (the issuer's key, open with cert_issuer_open(): its
 * lock guarantees no other kesu is running a disposal of this key), oldest first, before anything
 * else runs. For each one:
 *   - a certificate of this key already filed with its disposal id (in the journal's cert_dir or
 *     in cert_dir, its signature checked with the key) — kesu stopped between cert_issue() and
 *     the "finished" line — is only journaled as finished (FOUND);
 *   - otherwise a FAIL certificate is issued: the disk's identity from the journal, status
 *     interrupted, the passes begun and bytes written as journaled, started as journaled, ended
 *     now, ctx.extra_reason session_recovery_reason() (CERTIFIED) — and journaled as finished.
 * Unfinished disposals of another key (or of none) are left alone and returned (LEFT).
 * On error the disposals dealt with so far stay certified and journaled (a second call goes on
 * where this one stopped) and the ret_ outputs are untouched. *ret_recoveries is NULL when there
 * was nothing to do; free() it.
 */
int session_journal_certify_unfinished(struct session_journal *j, struct cert_issuer *issuer,
                                       const struct cert_secret_key *key, const char *cert_dir,
                                       struct session_recovery **ret_recoveries, size_t *ret_n);
