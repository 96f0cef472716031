/* SPDX-License-Identifier: MIT */
/* The disposal session: plan, journal, jobs, verdict, certificate (see session.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "journal.h"
#include "purge.h"
#include "session.h"

/* Verifying every pass (--verify-passes all): one per disk, filled on its job's thread. */
struct pass_verifications {
        const struct session *s;
        size_t target;
        struct verify_job *jobs[WIPE_MAX_PASSES];
        unsigned passes[WIPE_MAX_PASSES];
        size_t n;
};

struct session_target_state {
        struct disk_info *disk; /* borrowed */
        const char *asset;      /* borrowed */
        const char *class_label, *destination, *method_spec; /* borrowed: the plan's or the session's */
        const char *tcg_secret; /* borrowed: the plan's SID/PSID, or the session's (io) */
        size_t tcg_secret_len;
        struct wipe_method base; /* the method asked for ("purge" before it is resolved) */
        struct session_policy_decision decision;
        struct wipe_method method; /* the session's, or for "purge" the drive's command */
        struct verify_fingerprint fingerprint; /* a purge: the sectors before (job thread writes it) */
        bool has_fingerprint;
        struct wipe_job *wipe;
        struct verify_job *verify;
        struct pass_verifications pv;
        char disposal_id[SESSION_DISPOSAL_ID_CHARS + 1];
        bool is_journalled;
        bool is_wipe_watched, is_verify_watched; /* in the event descriptor's set (once) */
};

struct session {
        struct session_options o;
        struct wipe_method method;
        struct session_policy *own_policy; /* the default, when none was given */
        const struct session_policy *policy;
        struct cert_issuer *issuer;
        struct session_journal *journal;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        char **notes;
        size_t n_notes;
        size_t n_issuer_notes_taken;
        struct session_target_state *t;
        size_t n;
        size_t n_started;
        volatile sig_atomic_t is_stop_requested;
        int epoll_fd; /* session_event_fd(): the running jobs' done descriptors */
};

static int add_note(struct session *s, const char *text)
{
        char **n = realloc(s->notes, (s->n_notes + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        s->notes = n;
        if (!(s->notes[s->n_notes] = strdup(text)))
                return -ENOMEM;
        s->n_notes++;
        return 0;
}

/* The issuer's notes not taken yet become the session's. */
static void take_issuer_notes(struct session *s)
{
        if (!s->issuer)
                return;
        size_t n = 0;
        const struct cert_note *notes = cert_issuer_notes(s->issuer, &n);
        for (; s->n_issuer_notes_taken < n; s->n_issuer_notes_taken++)
                (void)add_note(s, notes[s->n_issuer_notes_taken].text);
}

const char *session_note(const struct session *s, size_t i)
{
        return i < s->n_notes ? s->notes[i] : NULL;
}

size_t session_n_notes(const struct session *s)
{
        return s->n_notes;
}

int session_open(const struct session_options *o, struct session **ret)
{
        struct session *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->epoll_fd = -1;
        s->o = *o;
        if (!s->o.method_spec)
                s->o.method_spec = "random";
        if (!s->o.verify_mode)
                s->o.verify_mode = "sample";
        int r = wipe_method_lookup(s->o.method_spec, &s->method);
        if (r < 0)
                goto fail;
        if (o->is_certify) {
                if (!o->key || !o->cert_dir) {
                        r = -EINVAL;
                        goto fail;
                }
                s->policy = o->policy;
                if (!s->policy) {
                        if ((r = session_policy_default(&s->own_policy)) < 0)
                                goto fail;
                        s->policy = s->own_policy;
                }
                _cleanup_free_ char *ledger = NULL;
                if (o->ledger_path)
                        ledger = strdup(o->ledger_path);
                else if ((r = cert_ledger_default_path(o->key, o->key_path ? o->key_path : "", &ledger)) < 0)
                        goto fail;
                if (!ledger) {
                        r = -ENOMEM;
                        goto fail;
                }
                if ((r = cert_issuer_open(o->cert_dir, ledger, o->key, &s->issuer)) < 0)
                        goto fail;
                take_issuer_notes(s);
                cert_key_id_hex(o->key->key_id, s->key_id);
                /* Disposals a crash left unfinished get their FAIL certificates before anything
                 * else runs. */
                _cleanup_free_ char *journal = NULL;
                if (o->journal_path)
                        journal = strdup(o->journal_path);
                else if ((r = session_journal_default_path(&journal)) < 0)
                        goto fail;
                if (!journal) {
                        r = -ENOMEM;
                        goto fail;
                }
                if ((r = session_journal_open(journal, &s->journal)) < 0)
                        goto fail;
                _cleanup_free_ struct session_recovery *rec = NULL;
                size_t n_rec = 0;
                r = session_journal_certify_unfinished(s->journal, s->issuer, o->key, o->cert_dir, &rec, &n_rec);
                take_issuer_notes(s);
                for (size_t i = 0; i < n_rec; i++)
                        (void)add_note(s, rec[i].text);
                if (r < 0)
                        goto fail;
        }
        *ret = s;
        return 0;
fail:
        session_free(s);
        return r;
}

static void refuse(struct session_refusal *ret, enum session_refusal_kind kind, size_t target, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void refuse(struct session_refusal *ret, enum session_refusal_kind kind, size_t target, const char *fmt,
                   ...)
{
        ret->kind = kind;
        ret->target = target;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ret->message, sizeof ret->message, fmt, ap);
        va_end(ap);
}

/* The policy's decision for the session's class, destination and method (the session's, or the
 * command "purge" resolved to for this drive), as a refusal. */
static int decide_policy(const struct session_policy *policy, const char *class_label, const char *destination,
                         const char *method, struct session_policy_decision *d, size_t target,
                         struct session_refusal *ret)
{
        int r = session_policy_decide(policy, class_label, destination, method, d);
        if (r < 0) {
                refuse(ret, SESSION_REFUSED_USAGE, target,
                       "the policy cannot decide class '%s', destination '%s', method '%s': %s",
                       class_label ? class_label : "", destination ? destination : "", method, strerror(-r));
                return -EPERM;
        }
        if (!d->is_allowed) {
                refuse(ret, SESSION_REFUSED_SAFETY, target, "the policy refuses it: %s", d->reason);
                return -EPERM;
        }
        return 0;
}

int session_preflight(const struct session_options *o, struct session_refusal *ret)
{
        *ret = (struct session_refusal){ 0 };
        if (!o->is_certify)
                return 0;
        _cleanup_session_policy_ struct session_policy *own = NULL;
        const struct session_policy *policy = o->policy;
        if (!policy) {
                int r = session_policy_default(&own);
                if (r < 0)
                        return r;
                policy = own;
        }
        struct session_policy_decision d;
        return decide_policy(policy, o->ctx.class_label, o->ctx.destination,
                             o->method_spec ? o->method_spec : "random", &d, 0, ret);
}

static bool is_same_target(const struct disk_identity *a, const struct disk_identity *b)
{
        return a->is_block_device == b->is_block_device &&
               (a->is_block_device ? a->devnum == b->devnum
                                   : a->file_devnum == b->file_devnum && a->file_inode == b->file_inode);
}

/* Target i's method: the session's overwrite, or the purge command this drive runs. */
static int resolve_method(struct session *s, size_t i, struct session_refusal *ret)
{
        struct session_target_state *t = &s->t[i];
        const struct disk_info *d = t->disk;
        const char *path = d->identity.path;
        if (t->base.technique != WIPE_TECHNIQUE_PURGE) {
                /* A self-encrypting drive with a locked range answers writes there with errors (or
                 * the shadow MBR's sectors): an overwrite cannot reach what is behind the lock. */
                if (d->purge && d->purge->tcg.is_sed && d->purge->tcg.is_locked) {
                        refuse(ret, SESSION_REFUSED_USAGE, i,
                               "%s is a self-encrypting drive (TCG %s) with a locked range: an overwrite cannot reach "
                               "the data behind the lock; use tcg-psid-revert with the PSID printed on the drive's "
                               "label (or tcg-revert with the owner's SID)",
                               path, d->purge->tcg.kind);
                        return -EPERM;
                }
                t->method = t->base;
                return 0;
        }
        if (!d->purge) {
                if (purge_family_for(d->identity.transport) == PURGE_FAMILY_NONE)
                        refuse(ret, SESSION_REFUSED_USAGE, i,
                               "%s cannot be purged: a %s disk has no purge commands kesu can send (use an overwrite "
                               "method)",
                               path, disk_transport_to_string(d->identity.transport));
                else if (d->purge_error == -EREMOTEIO || d->purge_error == -EOPNOTSUPP)
                        refuse(ret, SESSION_REFUSED_USAGE, i,
                               "%s cannot be purged: it (or its USB bridge) refuses the drive's own command set (use "
                               "an overwrite method)",
                               path);
                else
                        refuse(ret, SESSION_REFUSED_USAGE, i, "%s cannot be purged: the drive could not be asked (%s)",
                               path, purge_error_to_string(d->purge_error ? d->purge_error : -ENODATA));
                return -EPERM;
        }
        const struct purge_caps *c = d->purge;
        if (wipe_method_resolve_purge(&t->base, c, &t->method) < 0) {
                enum purge_method pm = (enum purge_method)t->base.purge_method;
                if (pm != PURGE_METHOD_NONE)
                        refuse(ret, SESSION_REFUSED_USAGE, i, "%s does not support %s: %s", path, t->base.name,
                               c->why_not[pm] ? c->why_not[pm] : "not reported by the drive");
                else
                        refuse(ret, SESSION_REFUSED_USAGE, i,
                               "%s supports no purge command kesu can send (it reports none of sanitize, security erase, "
                               "Format NVM)",
                               path);
                return -EPERM;
        }
        if (t->method.purge_method == PURGE_TCG_PSID_REVERT && (!t->tcg_secret || !t->tcg_secret_len)) {
                refuse(ret, SESSION_REFUSED_USAGE, i,
                       "%s: tcg-psid-revert needs the PSID printed on the drive's label (32 letters and digits)", path);
                return -EPERM;
        }
        if (purge_caps_is_frozen_for(c, (enum purge_method)t->method.purge_method)) {
                refuse(ret, SESSION_REFUSED_USAGE, i, "%s: %s (for %s)", path, purge_error_to_string(PURGE_ERR_FROZEN),
                       t->method.name);
                return -EPERM;
        }
        return 0;
}

int session_plan(struct session *s, struct disk_info *disks, size_t n, char *const *assets,
                 struct session_refusal *ret)
{
        _cleanup_free_ struct session_target_plan *plans = calloc(n ? n : 1, sizeof *plans);
        if (!plans)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                plans[i].asset = assets ? assets[i] : NULL;
        return session_plan_targets(s, disks, n, plans, ret);
}

int session_plan_targets(struct session *s, struct disk_info *disks, size_t n,
                         const struct session_target_plan *plans, struct session_refusal *ret)
{
        *ret = (struct session_refusal){ 0 };
        if (s->t)
                return -EBUSY;
        s->t = calloc(n ? n : 1, sizeof *s->t);
        if (!s->t)
                return -ENOMEM;
        s->n = n;
        for (size_t i = 0; i < n; i++) {
                struct session_target_state *t = &s->t[i];
                const struct session_target_plan *p = &plans[i];
                t->disk = &disks[i];
                t->asset = p->asset;
                t->class_label = p->class_label ? p->class_label : s->o.ctx.class_label;
                t->destination = p->destination ? p->destination : s->o.ctx.destination;
                t->method_spec = p->method_spec ? p->method_spec : s->o.method_spec;
                t->tcg_secret = p->tcg_secret ? p->tcg_secret : s->o.io.tcg_secret;
                t->tcg_secret_len = p->tcg_secret ? p->tcg_secret_len : s->o.io.tcg_secret_len;
                t->base = s->method;
                if (p->method_spec && wipe_method_lookup(p->method_spec, &t->base) < 0) {
                        refuse(ret, SESSION_REFUSED_USAGE, i, "unknown method '%s' for %s", p->method_spec,
                               disks[i].identity.path);
                        return -EPERM;
                }
        }
        for (size_t i = 0; i < n; i++) {
                const struct disk_identity *a = &disks[i].identity;
                if (disks[i].protection.is_protected) {
                        refuse(ret, SESSION_REFUSED_SAFETY, i, "refusing to erase %s: it is protected (%s)",
                               a->path, disks[i].protection.reason);
                        return -EPERM;
                }
                if (a->size_bytes < a->logical_sector_bytes) {
                        refuse(ret, SESSION_REFUSED_USAGE, i, "%s is smaller than one sector (%" PRIu64 " bytes)",
                               a->path, a->size_bytes);
                        return -EPERM;
                }
                for (size_t k = 0; k < i; k++)
                        if (is_same_target(a, &disks[k].identity)) {
                                refuse(ret, SESSION_REFUSED_USAGE, i, "%s and %s are the same target",
                                       disks[k].identity.path, a->path);
                                return -EPERM;
                        }
        }
        /* A purge: the drive must support the command (never another one in its place), and be in a
         * state to run it. */
        for (size_t i = 0; i < n; i++)
                if (resolve_method(s, i, ret) < 0)
                        return -EPERM;
        if (!s->o.is_certify)
                return 0;
        /* The policy, before a single byte is written: a method that cannot reach what the class
         * needs would spend the time and still leave the disk not sanitized. */
        for (size_t i = 0; i < n; i++)
                if (decide_policy(s->policy, s->t[i].class_label, s->t[i].destination, s->t[i].method.name,
                                  &s->t[i].decision, i, ret) < 0)
                        return -EPERM;
        return 0;
}

const struct session_policy_decision *session_decision(const struct session *s, size_t i)
{
        return i < s->n && s->o.is_certify ? &s->t[i].decision : NULL;
}

const struct wipe_method *session_method(const struct session *s)
{
        return &s->method;
}

const struct wipe_method *session_target_method(const struct session *s, size_t i)
{
        return i < s->n ? &s->t[i].method : NULL;
}

size_t session_n_targets(const struct session *s)
{
        return s->n;
}

const struct disk_info *session_disk(const struct session *s, size_t i)
{
        return i < s->n ? s->t[i].disk : NULL;
}

size_t session_n_started(const struct session *s)
{
        return s->n_started;
}

struct wipe_job *session_wipe_job(struct session *s, size_t i)
{
        return i < s->n ? s->t[i].wipe : NULL;
}

struct verify_job *session_verify_job(struct session *s, size_t i)
{
        return i < s->n ? s->t[i].verify : NULL;
}

void session_request_stop(struct session *s)
{
        s->is_stop_requested = 1;
        for (size_t i = 0; i < s->n; i++) {
                if (s->t[i].wipe)
                        wipe_job_request_stop(s->t[i].wipe);
                if (s->t[i].verify)
                        verify_job_request_stop(s->t[i].verify);
        }
}

bool session_is_stop_requested(const struct session *s)
{
        return s->is_stop_requested || (s->o.stop_flag && *s->o.stop_flag);
}

/* What a verification of pattern on a disk needs: the mode, sample and I/O settings, and the
 * areas where partitions were before the wipe. areas is the caller's to free. */
static int verify_request_for(const struct session *s, const struct disk_info *disk,
                              const struct wipe_pattern *pattern, struct verify_request *ret,
                              struct verify_extent **ret_areas)
{
        *ret = (struct verify_request){
                .expect = *pattern,
                .mode = strcmp(s->o.verify_mode, "full") == 0 ? VERIFY_MODE_FULL : VERIFY_MODE_SAMPLE,
                .percent = s->o.sample_percent,
                .plan_seed = s->o.plan_seed,
                .has_plan_seed = s->o.has_plan_seed,
                .io = s->o.io,
        };
        ret->io.after_pass = NULL;
        int r = verify_partition_areas(&disk->content, ret_areas, &ret->n_must);
        ret->must = *ret_areas;
        return r;
}

static void after_pass(void *userdata, unsigned pass, const struct wipe_pass_result *result)
{
        struct pass_verifications *pv = userdata;
        const struct session *s = pv->s;
        struct session_target_state *t = &s->t[pv->target];
        /* pass ended, written and flushed: the next one begins (what a crash leaves is known) */
        if (t->is_journalled) {
                (void)session_journal_pass(s->journal, t->disposal_id, pass, result->bytes_written);
                (void)session_journal_pass(s->journal, t->disposal_id, pass + 1, 0);
        }
        if (!s->o.is_verify_all_passes || strcmp(s->o.verify_mode, "none") == 0)
                return;
        if (pv->n >= WIPE_MAX_PASSES || session_is_stop_requested(s))
                return;
        const struct disk_info *disk = s->t[pv->target].disk;
        struct verify_request req;
        _cleanup_free_ struct verify_extent *areas = NULL;
        struct verify_job *job = NULL;
        int r = verify_request_for(s, disk, &result->pattern, &req, &areas);
        if (r >= 0)
                r = verify_job_new(&req, &disk->identity, &job);
        if (r >= 0)
                r = verify_job_open(job);
        if (r >= 0)
                r = verify_job_start(job);
        if (r < 0)
                job = verify_job_free(job); /* recorded as a verification that did not run */
        else
                verify_job_wait(job);
        pv->jobs[pv->n] = job;
        pv->passes[pv->n++] = pass;
}

static bool is_verify(const struct session *s)
{
        return strcmp(s->o.verify_mode, "none") != 0;
}

/* A purge's fingerprint, on the job's thread right before the command goes to the drive. */
static int before_purge(void *userdata, const struct disk_identity *id)
{
        struct pass_verifications *pv = userdata;
        struct session_target_state *t = &pv->s->t[pv->target];
        _cleanup_free_ struct verify_extent *areas = NULL;
        size_t n_areas = 0;
        int r = verify_partition_areas(&t->disk->content, &areas, &n_areas);
        if (r < 0)
                return r;
        uint64_t seed;
        randombytes_buf(&seed, sizeof seed);
        r = verify_fingerprint_take(id, seed, areas, n_areas, &t->fingerprint);
        if (r < 0)
                return r;
        t->has_fingerprint = true;
        return 0;
}

/* A purge's proof is its verification, whatever the verify mode: without it the drive's word is
 * all there is. */
static bool is_verify_target(const struct session *s, const struct session_target_state *t)
{
        return is_verify(s) || t->method.technique == WIPE_TECHNIQUE_PURGE;
}

int session_start(struct session *s, struct session_refusal *ret)
{
        *ret = (struct session_refusal){ 0 };
        int r;
        /* Open every target before writing to any: one refusal stops all, with nothing written. */
        for (size_t i = 0; i < s->n; i++) {
                struct session_target_state *t = &s->t[i];
                struct wipe_options io = s->o.io;
                t->pv = (struct pass_verifications){ .s = s, .target = i };
                io.after_pass = after_pass;
                io.after_pass_userdata = &t->pv;
                io.before_purge = before_purge;
                io.before_purge_userdata = &t->pv;
                io.tcg_secret = t->tcg_secret; /* each drive has its own */
                io.tcg_secret_len = t->tcg_secret_len;
                if ((r = wipe_job_new(&t->disk->identity, &t->method, &io, &t->wipe)) < 0) {
                        refuse(ret, SESSION_REFUSED_USAGE, i, "cannot prepare %s: %s", t->disk->identity.path,
                               strerror(-r));
                        return -EPERM;
                }
                if ((r = wipe_job_open(t->wipe)) < 0) {
                        const char *path = t->disk->identity.path;
                        if (r == -EBUSY)
                                refuse(ret, SESSION_REFUSED_SAFETY, i,
                                       "refusing to erase %s: it is in use (cannot open it exclusively)", path);
                        else if (r == -ESTALE)
                                refuse(ret, SESSION_REFUSED_SAFETY, i,
                                       "refusing to erase %s: it changed since it was identified", path);
                        else if (r == -EROFS || r == -EACCES || r == -EPERM)
                                refuse(ret, SESSION_REFUSED_USAGE, i, "%s is read-only (%s)", path,
                                       strerror(-r));
                        else if (r == -ENOSPC)
                                refuse(ret, SESSION_REFUSED_USAGE, i, "%s is smaller than one sector", path);
                        else
                                refuse(ret, SESSION_REFUSED_USAGE, i, "cannot open %s for writing: %s", path,
                                       strerror(-r));
                        return -EPERM;
                }
        }
        /* Each disposal is journalled (fdatasync) right before its wipe starts: a crash from here
         * on still ends with a certificate (FAIL, interrupted) at the next start. */
        for (; s->n_started < s->n; s->n_started++) {
                struct session_target_state *t = &s->t[s->n_started];
                if (session_is_stop_requested(s))
                        break;
                if (s->journal) {
                        struct cert_context ctx = s->o.ctx;
                        ctx.asset_number = t->asset;
                        ctx.class_label = t->class_label;
                        ctx.destination = t->destination;
                        if ((r = session_disposal_id_new(t->disposal_id)) < 0)
                                return r;
                        struct session_journal_start js = {
                                .disposal_id = t->disposal_id,
                                .key_id = s->key_id,
                                .cert_dir = s->o.cert_dir,
                                .ctx = &ctx,
                                .method = t->method.technique == WIPE_TECHNIQUE_PURGE ? t->method.name
                                                                                      : t->method_spec,
                                .method_drawn = &wipe_job_result(t->wipe)->method,
                                .verify_mode = s->o.verify_mode,
                                .disk = &t->disk->identity,
                        };
                        if ((r = session_journal_started(s->journal, &js)) < 0) {
                                refuse(ret, SESSION_REFUSED_USAGE, s->n_started,
                                       "cannot write the journal (%s); %s was not erased", strerror(-r),
                                       t->disk->identity.path);
                                session_request_stop(s);
                                return -EPERM;
                        }
                        t->is_journalled = true;
                }
                if ((r = wipe_job_start(t->wipe)) < 0) {
                        refuse(ret, SESSION_REFUSED_USAGE, s->n_started, "cannot start the job for %s: %s",
                               t->disk->identity.path, strerror(-r));
                        if (t->is_journalled) /* nothing was written: no disposal began */
                                (void)session_journal_finished(s->journal, t->disposal_id, NULL, "FAIL");
                        session_request_stop(s);
                        return -EPERM;
                }
                if (t->is_journalled)
                        (void)session_journal_pass(s->journal, t->disposal_id, 1, 0);
        }
        return 0;
}

int session_verify(struct session *s)
{
        for (size_t i = 0; i < s->n_started; i++)
                wipe_job_wait(s->t[i].wipe);
        for (size_t i = 0; i < s->n_started; i++) {
                struct session_target_state *t = &s->t[i];
                const struct wipe_result *w = wipe_job_result(t->wipe);
                bool is_purge = w->method.technique == WIPE_TECHNIQUE_PURGE;
                if (!is_verify_target(s, t))
                        continue;
                /* also a wipe with write errors: its findings belong in the record */
                if (session_is_stop_requested(s) ||
                    (w->status != WIPE_STATUS_COMPLETED && w->status != WIPE_STATUS_WRITE_ERRORS))
                        continue;
                if (is_purge && !t->has_fingerprint)
                        continue; /* nothing to compare with: no proof, FAIL */
                struct verify_request req;
                _cleanup_free_ struct verify_extent *areas = NULL;
                struct wipe_pattern zero = { .kind = WIPE_PATTERN_BYTES, .n_bytes = 1 };
                int r = verify_request_for(s, t->disk, is_purge ? &zero : &w->passes[w->method.n_passes - 1].pattern,
                                           &req, &areas);
                if (is_purge) {
                        const struct purge_method_info *pi = purge_method_info((enum purge_method)w->method.purge_method);
                        req.before = &t->fingerprint;
                        req.expect_kind = !pi                                   ? VERIFY_EXPECT_CHANGED
                                          : pi->expect == PURGE_EXPECT_PATTERN ? VERIFY_EXPECT_PATTERN
                                          : pi->expect == PURGE_EXPECT_UNIFORM ? VERIFY_EXPECT_UNIFORM
                                                                               : VERIFY_EXPECT_CHANGED;
                }
                if (r >= 0)
                        r = verify_job_new(&req, &t->disk->identity, &t->verify);
                if (r >= 0)
                        r = verify_job_open(t->verify);
                if (r >= 0)
                        r = verify_job_start(t->verify);
                if (r < 0)
                        t->verify = verify_job_free(t->verify); /* no verification: the outcome is FAIL */
        }
        return 0;
}

/* The verdict has one home: a clean wipe, a clean verification (unless declined, and of every
 * pass when asked), and with a certificate the level the policy requires. */
static void decide(struct session *s, struct session_target_state *t, struct session_outcome *o)
{
        o->wipe = wipe_job_result(t->wipe);
        o->verify = t->verify ? verify_job_result(t->verify) : NULL;
        o->is_wipe_pass = wipe_result_is_pass(o->wipe);
        bool is_verified = !is_verify_target(s, t) || (o->verify && verify_result_is_pass(o->verify));
        for (size_t k = 0; k < t->pv.n; k++) {
                o->pass_verifications[k] = t->pv.jobs[k] ? verify_job_result(t->pv.jobs[k]) : NULL;
                o->pass_numbers[k] = t->pv.passes[k];
                if (!o->pass_verifications[k] || !verify_result_is_pass(o->pass_verifications[k])) {
                        /* a failed earlier pass fails the target: its verification is the record's */
                        if (is_verified)
                                o->verify = o->pass_verifications[k];
                        is_verified = false;
                }
        }
        o->n_pass_verifications = t->pv.n;
        o->is_pass = o->is_wipe_pass && is_verified;
        o->required_level = SESSION_LEVEL_NONE;
        o->achieved_level = SESSION_LEVEL_NONE;
        if (s->o.is_certify) {
                o->required_level = t->decision.method_must_reach;
                if (session_policy_achieved_level(t->method.name[0] && t->method.technique == WIPE_TECHNIQUE_PURGE
                                                          ? t->method.name
                                                          : t->method_spec,
                                                  o->is_pass, &o->achieved_level) < 0)
                        o->achieved_level = SESSION_LEVEL_NONE;
                o->is_pass = o->is_pass && session_level_meets(o->achieved_level, o->required_level);
        }
}

int session_finish(struct session *s, size_t i, struct session_outcome *ret)
{
        if (i >= s->n_started)
                return -EINVAL;
        struct session_target_state *t = &s->t[i];
        struct session_outcome o = { 0 };
        if (t->verify)
                verify_job_wait(t->verify);
        decide(s, t, &o);
        snprintf(o.disposal_id, sizeof o.disposal_id, "%s", t->disposal_id);
        if (s->issuer) {
                struct cert_context ctx = s->o.ctx;
                char policy[256];
                ctx.asset_number = t->asset;
                ctx.class_label = t->class_label;
                ctx.destination = t->destination;
                ctx.disposal_id = t->disposal_id[0] ? t->disposal_id : NULL;
                ctx.required_level = session_level_to_string(o.required_level);
                ctx.achieved_level = session_level_to_string(o.achieved_level);
                snprintf(policy, sizeof policy, "%s:%u", session_policy_source(s->policy), t->decision.rule_line);
                ctx.policy = policy;
                /* also a failed or interrupted job: its record says FAIL */
                o.cert_error = cert_issue(s->issuer, &ctx, t->disk, o.wipe, o.verify, s->o.verify_mode, true,
                                          &o.issued);
                take_issuer_notes(s);
                if (o.cert_error < 0)
                        o.is_pass = false; /* not filed: not done (the journal keeps it for the next start) */
                else {
                        o.is_certified = true;
                        o.is_pass = strcmp(o.issued.result, "PASS") == 0;
                        if (t->is_journalled)
                                (void)session_journal_finished(s->journal, t->disposal_id, o.issued.serial,
                                                               o.issued.result);
                }
        }
        /* the copy on the export stick: a failure (a full stick) is told and loses nothing */
        if (o.is_certified && s->o.export_dir) {
                o.export_failed_file = "";
                o.export_error = cert_export(&o.issued, s->o.export_dir, &o.export_failed_file);
                o.is_exported = o.export_error >= 0; /* (the auditor's page goes with it) */
        }
        if (o.is_certified && s->o.is_print && o.issued.pdf_path[0])
                o.print_error = cert_print(o.issued.pdf_path, s->o.printer, o.issued.serial, &o.print_job);
        *ret = o;
        return 0;
}

/* Adds the jobs that run and are not watched yet (new ones after session_start/verify). */
static int watch_jobs(struct session *s)
{
        for (size_t i = 0; i < s->n_started; i++) {
                struct session_target_state *t = &s->t[i];
                struct {
                        bool *is_watched;
                        int fd;
                        uint64_t tag;
                } w[] = {
                        { &t->is_wipe_watched, wipe_job_done_fd(t->wipe) /* i < n_started: it runs */, 2 * i },
                        { &t->is_verify_watched, t->verify ? verify_job_done_fd(t->verify) : -1, 2 * i + 1 },
                };
                for (size_t k = 0; k < ELEMENTSOF(w); k++) {
                        if (*w[k].is_watched || w[k].fd < 0)
                                continue;
                        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = w[k].tag };
                        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, w[k].fd, &ev) < 0)
                                return -errno;
                        *w[k].is_watched = true;
                }
        }
        return 0;
}

int session_event_fd(struct session *s)
{
        if (s->epoll_fd < 0 && (s->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
                return -errno;
        int r = watch_jobs(s);
        return r < 0 ? r : s->epoll_fd;
}

int session_next_event(struct session *s, struct session_event *ret)
{
        int r = session_event_fd(s);
        if (r < 0)
                return r;
        struct epoll_event ev;
        while ((r = epoll_wait(s->epoll_fd, &ev, 1, 0)) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return -errno;
        if (r == 0)
                return -EAGAIN;
        size_t i = (size_t)(ev.data.u64 / 2);
        bool is_verify = ev.data.u64 % 2;
        struct session_target_state *t = &s->t[i];
        /* a job's done descriptor stays readable: it is told once, then no longer watched */
        int fd = is_verify ? verify_job_done_fd(t->verify) : wipe_job_done_fd(t->wipe);
        (void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        *ret = (struct session_event){ .kind = is_verify ? SESSION_EVENT_VERIFY_DONE : SESSION_EVENT_WIPE_DONE,
                                       .target = i };
        return 0;
}

int session_progress(const struct session *s, size_t i, struct session_progress *ret)
{
        if (i >= s->n || !s->t[i].wipe)
                return -EINVAL;
        const struct session_target_state *t = &s->t[i];
        struct wipe_progress w;
        wipe_job_progress(t->wipe, &w);
        struct session_progress p = { .pass = w.pass, .n_passes = w.n_passes };
        if (t->verify) {
                p.is_verifying = true;
                verify_job_progress(t->verify, &p.bytes_done, &p.bytes_total, &p.is_done);
        } else {
                p.bytes_done = w.bytes_done;
                p.bytes_total = w.bytes_total;
                p.is_done = w.is_done;
        }
        *ret = p;
        return 0;
}

struct session *session_free(struct session *s)
{
        if (!s)
                return NULL;
        if (s->epoll_fd >= 0)
                close(s->epoll_fd);
        for (size_t i = 0; s->t && i < s->n; i++) {
                verify_job_free(s->t[i].verify);
                verify_fingerprint_done(&s->t[i].fingerprint);
                for (size_t k = 0; k < s->t[i].pv.n; k++)
                        verify_job_free(s->t[i].pv.jobs[k]);
                wipe_job_free(s->t[i].wipe);
        }
        free(s->t);
        session_journal_free(s->journal);
        cert_issuer_free(s->issuer);
        session_policy_free(s->own_policy);
        for (size_t i = 0; i < s->n_notes; i++)
                free(s->notes[i]);
        free(s->notes);
        free(s);
        return NULL;
}
