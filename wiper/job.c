/* SPDX-License-Identifier: MIT */
/*
 * The job runner: one disk, one thread, every pass of a method. Writes go through an I/O engine
 * from a ring of aligned buffers; the pattern for a buffer is generated on this thread while the
 * device works on the writes already in flight, so generation overlaps the device instead of
 * starving it. Failed writes are retried sector by sector and what stays unwritten is recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/nvme_ioctl.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common.h"
#include "purge.h"
#include "wiper-internal.h"
#include "worker.h"

#define DEFAULT_CHUNK_BYTES     (1u << 20)
#define DEFAULT_QUEUE_DEPTH     8u
#define DEFAULT_MAX_DEAD_CHUNKS 16u
#define BUFFER_ALIGN            4096u
/* How often protection is re-evaluated while a pass is being written. */
#define PROTECTION_RECHECK_NS (2 * (int64_t)1000000000)

struct wipe_job {
        struct wipe_options opts;
        struct wipe_result result;
        struct wipe_range_list ranges;
        int fd;
        int tail_fd; /* buffered descriptor for a file's tail that is not sector-sized */
        bool is_direct;
        struct worker worker;
        atomic_uint pass;
        _Atomic uint64_t bytes_done;
        bool has_no_space;       /* some write failed with ENOSPC (an image file on a full fs) */
        bool is_now_protected;   /* a re-check found the disk protected: stop writing */
        int64_t next_recheck_ns; /* CLOCK_MONOTONIC: the next re-check during a pass */
        volatile sig_atomic_t purge_stop; /* the purge's stop flag (set with the worker's) */
};

static const char *const status_names[] = {
        [WIPE_STATUS_COMPLETED] = "completed",
        [WIPE_STATUS_WRITE_ERRORS] = "write-errors",
        [WIPE_STATUS_INTERRUPTED] = "interrupted",
        [WIPE_STATUS_DEVICE_GONE] = "device-gone",
        [WIPE_STATUS_IDENTITY_CHANGED] = "identity-changed",
        [WIPE_STATUS_FAILED] = "failed",
        [WIPE_STATUS_PROTECTED] = "protected",
        [WIPE_STATUS_NO_SPACE] = "no-space",
};

const char *wipe_status_to_string(enum wipe_status s)
{
        return (unsigned)s < ELEMENTSOF(status_names) ? status_names[s] : "unknown";
}

bool wipe_result_is_pass(const struct wipe_result *r)
{
        if (r->status != WIPE_STATUS_COMPLETED || r->n_unwritten > 0)
                return false;
        if (r->method.technique == WIPE_TECHNIQUE_PURGE)
                return r->purge && r->purge->is_sent && r->purge->report.is_completed && r->purge->report.error == 0;
        for (size_t i = 0; i < r->method.n_passes; i++)
                if (!r->passes[i].is_flushed || r->passes[i].bytes_written != r->identity.size_bytes)
                        return false;
        return true;
}

int wipe_job_new(const struct disk_identity *id, const struct wipe_method *method,
                 const struct wipe_options *opts, struct wipe_job **ret)
{
        bool is_purge = method->technique == WIPE_TECHNIQUE_PURGE;
        /* a purge job runs one resolved command ("purge" must be resolved for the drive first) */
        if (is_purge ? method->purge_method == PURGE_METHOD_NONE || method->purge_method >= _PURGE_METHOD_MAX
                     : method->n_passes == 0 || method->n_passes > WIPE_MAX_PASSES)
                return -EINVAL;
        if (sodium_init() < 0)
                return -EIO;
        struct wipe_job *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->fd = j->tail_fd = -1;
        int r = worker_init(&j->worker);
        if (r < 0) {
                free(j);
                return r;
        }
        j->opts = opts ? *opts : (struct wipe_options){ 0 };
        if (j->opts.chunk_bytes == 0)
                j->opts.chunk_bytes = DEFAULT_CHUNK_BYTES;
        if (j->opts.queue_depth == 0)
                j->opts.queue_depth = DEFAULT_QUEUE_DEPTH;
        if (j->opts.max_dead_chunks == 0)
                j->opts.max_dead_chunks = DEFAULT_MAX_DEAD_CHUNKS;
        /* Whole sectors and whole pages, so O_DIRECT accepts every write. */
        j->opts.chunk_bytes -= j->opts.chunk_bytes % BUFFER_ALIGN;
        if (j->opts.chunk_bytes == 0 || id->logical_sector_bytes == 0 ||
            j->opts.chunk_bytes % id->logical_sector_bytes != 0) {
                worker_done(&j->worker);
                free(j);
                return -EINVAL;
        }
        r = disk_identity_copy(id, &j->result.identity);
        if (r < 0) {
                worker_done(&j->worker);
                free(j);
                return r;
        }
        j->result.method = *method;
        /* A fresh key for every random pass: the keystream can be regenerated from it later, it
         * protects nothing. */
        for (size_t i = 0; i < method->n_passes; i++) {
                j->result.passes[i].pattern = method->passes[i];
                if (method->passes[i].kind == WIPE_PATTERN_RANDOM) {
                        randombytes_buf(j->result.passes[i].pattern.key, WIPE_KEY_BYTES);
                        memcpy(j->result.method.passes[i].key, j->result.passes[i].pattern.key,
                               WIPE_KEY_BYTES);
                }
        }
        j->result.bytes_total = id->size_bytes * (is_purge ? 1 : method->n_passes);
        if (is_purge && !(j->result.purge = calloc(1, sizeof *j->result.purge))) {
                wipe_job_free(j);
                return -ENOMEM;
        }
        atomic_store(&j->pass, 1);
        *ret = j;
        return 0;
}

int wipe_job_open(struct wipe_job *j)
{
        struct disk_handle h;
        int r = disk_handle_open(&j->result.identity, true, &h);
        if (r < 0)
                return r;
        j->fd = h.fd;
        j->tail_fd = h.tail_fd;
        j->is_direct = h.is_direct;
        return 0;
}

/* Errors that mean the device itself is gone, not a bad sector. */
static bool is_gone_error(int err)
{
        return err == ENODEV || err == ENXIO || err == ENOMEDIUM || err == ENOTCONN || err == ESHUTDOWN;
}

/* Whether the block device still exists with a medium (sysfs), or the file still answers. */
static bool is_present(const struct wipe_job *j)
{
        const struct disk_identity *id = &j->result.identity;
        if (!id->is_block_device) {
                struct stat st;
                return fstat(j->fd, &st) == 0;
        }
        char p[64];
        snprintf(p, sizeof p, "/sys/dev/block/%u:%u/size", major(id->devnum), minor(id->devnum));
        _cleanup_free_ char *v = NULL;
        uint64_t sectors;
        return read_one_line_file(p, &v) == 0 && parse_u64(v, &sectors) == 0 && sectors > 0;
}

struct pass_state {
        struct wipe_job *j;
        unsigned pass; /* 1-based */
        struct wipe_engine engine;
        uint8_t **bufs;
        int64_t *buf_phase; /* the offset phase a fixed-pattern buffer holds, -1 if none */
        struct wipe_pattern_stream *stream;
        uint64_t written;
        unsigned dead_chunks;
        unsigned full_chunks; /* consecutive chunks in which every write failed with ENOSPC */
        int gone_error;       /* set once the device is taken for gone */
};

static void account(struct pass_state *ps, uint64_t n)
{
        if (n == 0)
                return;
        ps->written += n;
        atomic_fetch_add(&ps->j->bytes_done, n);
        if (ps->j->result.first_write_boot_ns == 0)
                ps->j->result.first_write_boot_ns = now_boottime_ns();
}

static int unwritten(struct pass_state *ps, uint64_t offset, uint64_t len)
{
        if (len == 0)
                return 0;
        return wipe_range_add(&ps->j->ranges, ps->pass, offset, len,
                              ps->j->result.identity.logical_sector_bytes);
}

/* A write failed or fell short: retry what is left sector by sector from the same buffer. */
static int recover_chunk(struct pass_state *ps, const struct wipe_completion *c)
{
        struct wipe_job *j = ps->j;
        uint32_t sector = j->result.identity.logical_sector_bytes;
        uint64_t start = c->offset, end = c->offset + c->len;
        const uint8_t *buf = ps->bufs[c->buf_index];
        int r;

        if (c->res > 0) {
                /* short write: the first part is on the device */
                uint64_t done = (uint64_t)c->res - (uint64_t)c->res % sector;
                account(ps, done);
                start += done;
        } else if (is_gone_error((int)-c->res)) {
                ps->gone_error = (int)-c->res;
                return unwritten(ps, start, end - start);
        } else if (c->res == -ENOSPC && ps->full_chunks >= j->opts.max_dead_chunks) {
                /* Deep in a hole of a sparse image on a full file system: sector-by-sector retries
                 * would only fail the same way, a syscall each. */
                j->has_no_space = true;
                return unwritten(ps, start, end - start);
        }

        bool is_any_written = false, is_all_no_space = true;
        for (uint64_t o = start; o < end; o += sector) {
                /* A dying disk can take seconds per sector: a stop request must not wait for all. */
                if (worker_is_stop_requested(&j->worker) || j->is_now_protected)
                        return unwritten(ps, o, end - o);
                ssize_t n;
                do
                        n = pwrite(j->fd, buf + (o - c->offset), sector, (off_t)o);
                while (n < 0 && errno == EINTR);
                if (n == (ssize_t)sector) {
                        account(ps, sector);
                        is_any_written = true;
                        continue;
                }
                int err = n < 0 ? errno : EIO;
                if (is_gone_error(err)) {
                        ps->gone_error = err;
                        return unwritten(ps, o, end - o);
                }
                if (err == ENOSPC)
                        j->has_no_space = true;
                else
                        is_all_no_space = false;
                if ((r = unwritten(ps, o, sector)) < 0)
                        return r;
        }
        ps->full_chunks = !is_any_written && is_all_no_space ? ps->full_chunks + 1 : 0;
        /* A full file system is no dead device: what is allocated further on still takes writes
         * (a sparse image's data lives there), so it does not count towards giving up. */
        if (is_any_written)
                ps->dead_chunks = 0;
        else if (!is_all_no_space && (++ps->dead_chunks >= j->opts.max_dead_chunks || !is_present(j)))
                ps->gone_error = is_present(j) ? EIO : ENODEV; /* nothing takes writes any more */
        return 0;
}

static int fill(struct pass_state *ps, unsigned idx, uint64_t offset, size_t len)
{
        const struct wipe_pattern *p = &ps->j->result.passes[ps->pass - 1].pattern;
        if (p->kind == WIPE_PATTERN_BYTES) {
                /* A fixed pattern only needs refilling when the buffer's phase changes. */
                int64_t phase = (int64_t)(offset % p->n_bytes);
                if (ps->buf_phase[idx] == phase && len <= ps->j->opts.chunk_bytes)
                        return 0;
                ps->buf_phase[idx] = phase;
                return wipe_pattern_fill(ps->stream, offset, ps->bufs[idx], ps->j->opts.chunk_bytes);
        }
        return wipe_pattern_fill(ps->stream, offset, ps->bufs[idx], len);
}

/* Re-evaluates protection with the disk held. 1 when it is protected now (the reason kept in the
 * result), 0 when not, or a negative errno when the system state cannot be read. */
static int recheck_protection(struct wipe_job *j)
{
        struct disk_protection p;
        int r = disk_protection_recheck(&j->result.identity, &p);
        if (r < 0)
                return r;
        if (p.is_protected) {
                free(j->result.protected_reason);
                j->result.protected_reason = TAKE_PTR(p.reason);
                j->is_now_protected = true;
        }
        disk_protection_done(&p);
        return j->is_now_protected;
}

/* During a pass, every PROTECTION_RECHECK_NS: a mount that appears mid-pass stops the writes
 * within seconds, not only at the end. An unreadable system state is no reason to stop here; the
 * check after the pass decides. */
static void recheck_protection_periodically(struct wipe_job *j)
{
        int64_t now = now_monotonic_ns();
        if (now < j->next_recheck_ns)
                return;
        j->next_recheck_ns = now + PROTECTION_RECHECK_NS;
        (void)recheck_protection(j);
}

/* The sector-aligned body of the pass through the engine. */
static int write_body(struct pass_state *ps, uint64_t end)
{
        struct wipe_job *j = ps->j;
        unsigned depth = j->opts.queue_depth;
        unsigned free_stack[depth];
        unsigned n_free = depth, inflight = 0;
        uint64_t offset = 0;
        int r;

        for (unsigned i = 0; i < depth; i++)
                free_stack[i] = depth - 1 - i;

        for (;;) {
                recheck_protection_periodically(j);
                bool is_stopping =
                        worker_is_stop_requested(&j->worker) || ps->gone_error || j->is_now_protected;
                while (!is_stopping && n_free > 0 && offset < end) {
                        unsigned idx = free_stack[--n_free];
                        size_t len = end - offset < j->opts.chunk_bytes ? (size_t)(end - offset)
                                                                        : j->opts.chunk_bytes;
                        if ((r = fill(ps, idx, offset, len)) < 0 ||
                            (r = ps->engine.ops->queue_write(&ps->engine, idx, offset, len)) < 0)
                                return r;
                        offset += len;
                        inflight++;
                }
                if ((r = ps->engine.ops->submit(&ps->engine)) < 0)
                        return r;
                if (inflight == 0)
                        break;
                struct wipe_completion c;
                if ((r = ps->engine.ops->reap(&ps->engine, &c)) < 0)
                        return r;
                inflight--;
                free_stack[n_free++] = c.buf_index;
                if (c.res == (ssize_t)c.len) {
                        account(ps, c.len);
                        ps->dead_chunks = ps->full_chunks = 0;
                } else if ((r = recover_chunk(ps, &c)) < 0)
                        return r;
        }
        /* Stopped early: the rest of the pass was never written. */
        return unwritten(ps, offset, end - offset);
}

/* A file's last bytes that do not fill a sector, which O_DIRECT cannot write. */
static int write_tail(struct pass_state *ps, uint64_t start, uint64_t end)
{
        uint8_t tail[4096];
        if (start >= end)
                return 0;
        if (worker_is_stop_requested(&ps->j->worker) || ps->gone_error || ps->j->is_now_protected)
                return unwritten(ps, start, end - start);
        int r = wipe_pattern_fill(ps->stream, start, tail, (size_t)(end - start));
        if (r < 0)
                return r;
        ssize_t n = pwrite(ps->j->tail_fd, tail, (size_t)(end - start), (off_t)start);
        if (n == (ssize_t)(end - start)) {
                account(ps, (uint64_t)n);
                return 0;
        }
        if (n < 0 && errno == ENOSPC)
                ps->j->has_no_space = true;
        return unwritten(ps, start, end - start);
}

static int run_pass(struct wipe_job *j, unsigned pass, uint8_t **bufs, int64_t *buf_phase,
                    const struct wipe_engine *engine)
{
        struct wipe_pass_result *pr = &j->result.passes[pass - 1];
        struct pass_state ps = {
                .j = j, .pass = pass, .bufs = bufs, .buf_phase = buf_phase, .engine = *engine
        };
        uint64_t size = j->result.identity.size_bytes;
        uint32_t sector = j->result.identity.logical_sector_bytes;
        uint64_t body_end = j->tail_fd >= 0 ? size - size % sector : size;
        int r;

        atomic_store(&j->pass, pass);
        pr->started_ns = now_realtime_ns();
        if ((r = wipe_pattern_stream_new(&pr->pattern, &ps.stream)) < 0)
                return r;
        for (unsigned i = 0; i < j->opts.queue_depth; i++)
                buf_phase[i] = -1;

        r = write_body(&ps, body_end);
        if (r >= 0 && j->tail_fd >= 0)
                r = write_tail(&ps, body_end, size);
        wipe_pattern_stream_free(ps.stream);
        pr->bytes_written = ps.written;
        if (r < 0)
                return r;

        /* The pass counts as done only once the device says the data is on the medium. */
        if (!ps.gone_error && !worker_is_stop_requested(&j->worker) && !j->is_now_protected) {
                bool is_ok = fdatasync(j->fd) == 0;
                if (is_ok && j->tail_fd >= 0)
                        is_ok = fdatasync(j->tail_fd) == 0;
                pr->is_flushed = is_ok;
                if (!is_ok) {
                        j->result.error = errno;
                        if (errno == ENOSPC) /* buffered data the full file system could not place */
                                j->has_no_space = true;
                        else if (is_gone_error(errno) || !is_present(j))
                                ps.gone_error = errno;
                }
        }
        pr->ended_ns = now_realtime_ns();
        if (ps.gone_error) {
                j->result.error = ps.gone_error;
                return -ps.gone_error;
        }
        return 0;
}

static int cmp_range(const void *a, const void *b)
{
        const struct wipe_range *x = a, *y = b;
        if (x->pass != y->pass)
                return x->pass < y->pass ? -1 : 1;
        return x->first_lba < y->first_lba ? -1 : x->first_lba > y->first_lba;
}

/* Completions arrive out of order: sort and merge what touches. */
static void normalize_ranges(struct wipe_range_list *l)
{
        if (l->n < 2)
                return;
        qsort(l->ranges, l->n, sizeof *l->ranges, cmp_range);
        size_t o = 0;
        for (size_t i = 1; i < l->n; i++) {
                struct wipe_range *cur = &l->ranges[o], *next = &l->ranges[i];
                if (next->pass == cur->pass && next->first_lba <= cur->last_lba + 1) {
                        if (next->last_lba > cur->last_lba)
                                cur->last_lba = next->last_lba;
                } else
                        l->ranges[++o] = *next;
        }
        l->n = o + 1;
}

/* ---- purge: the drive's own command ---------------------------------------------------------- */

static void purge_progress(void *userdata, uint32_t done_of_65536)
{
        struct wipe_job *j = userdata;
        atomic_store(&j->bytes_done, (uint64_t)((unsigned __int128)j->result.identity.size_bytes * done_of_65536 / 65536));
}

/* Probe, hidden areas, the caller's fingerprint, the command and its polling, protection around
 * it. Every step that fails before the command is sent leaves the disk untouched. */
static enum wipe_status run_purge(struct wipe_job *j)
{
        struct wipe_result *res = &j->result;
        struct wipe_purge *p = res->purge;
        enum purge_method pm = (enum purge_method)res->method.purge_method;
        int fd = j->fd;
        struct cmd_transport own;
        const struct cmd_transport *t = j->opts.purge_transport;
        if (!t) {
                cmd_transport_for_fd(&own, &fd);
                t = &own;
        }
        p->family = purge_family_for(res->identity.transport);
        p->report.method = pm;
        if (p->family == PURGE_FAMILY_NVME && !j->opts.purge_transport) {
                int nsid = ioctl(fd, NVME_IOCTL_ID);
                p->nsid = nsid > 0 ? (uint32_t)nsid : 1;
        } else
                p->nsid = 1;

        int r = purge_probe(t, p->family, p->nsid, &p->caps);
        if (r < 0) {
                p->probe_error = r;
                p->report.error = r;
                snprintf(p->report.error_text, sizeof p->report.error_text, "the drive could not be asked what it supports: %s",
                         purge_error_to_string(r));
                res->error = -r;
                return WIPE_STATUS_FAILED;
        }
        if (p->caps.hidden.has_hpa || p->caps.hidden.has_dco || p->caps.hidden.has_ama) {
                r = ata_purge_restore_hidden(t, &p->caps.hidden);
                if (r != 0) {
                        p->hidden_error = r;
                        p->report.error = r;
                        snprintf(p->report.error_text, sizeof p->report.error_text,
                                 "hidden capacity could not be restored, so it would not be erased: %.180s",
                                 p->caps.hidden.note[0] ? p->caps.hidden.note : purge_error_to_string(r));
                        res->error = EIO;
                        return WIPE_STATUS_FAILED;
                }
        }
        if (j->opts.before_purge) {
                r = j->opts.before_purge(j->opts.before_purge_userdata, &res->identity);
                if (r != 0) {
                        p->before_purge_error = r;
                        p->report.error = r;
                        snprintf(p->report.error_text, sizeof p->report.error_text,
                                 "the disk could not be fingerprinted before the purge: %s", purge_error_to_string(r));
                        res->error = r < 0 ? -r : EIO;
                        return WIPE_STATUS_FAILED;
                }
        }
        if (worker_is_stop_requested(&j->worker))
                return WIPE_STATUS_INTERRUPTED;
        if ((r = recheck_protection(j)) != 0) {
                res->error = r < 0 ? -r : EBUSY;
                res->is_protected_before_write = r > 0;
                return r < 0 ? WIPE_STATUS_FAILED : WIPE_STATUS_PROTECTED;
        }

        struct purge_run_options o = {
                .nsid = p->nsid,
                .poll_interval_ms = j->opts.purge_poll_ms,
                .stop = &j->purge_stop,
                .progress = purge_progress,
                .progress_userdata = j,
                .tcg_secret = j->opts.tcg_secret,
                .tcg_secret_len = j->opts.tcg_secret_len,
        };
        p->is_sent = true;
        r = purge_run(t, p->family, pm, &p->caps, &o, &p->report);
        if (r == PURGE_ERR_UNSUPPORTED || r == PURGE_ERR_FROZEN || r == PURGE_ERR_LOCKED || r == PURGE_ERR_NO_SECRET ||
            (r == PURGE_ERR_LOCKED_OUT && !p->report.command[0]))
                p->is_sent = false; /* refused before anything went to the drive */
        if (r == 0 && p->report.is_completed)
                atomic_store(&j->bytes_done, res->identity.size_bytes);

        /* Whatever appeared meanwhile outranks the drive's answer. */
        int pr = recheck_protection(j);
        if (pr > 0) {
                res->error = EBUSY;
                return WIPE_STATUS_PROTECTED;
        }
        if (r == PURGE_ERR_INTERRUPTED) {
                res->error = EINTR;
                return WIPE_STATUS_INTERRUPTED;
        }
        if (r != 0 || !p->report.is_completed) {
                res->error = r < 0 ? -r : EIO;
                return is_gone_error(-r) ? WIPE_STATUS_DEVICE_GONE : WIPE_STATUS_FAILED;
        }
        if (pr < 0) {
                res->error = -pr;
                return WIPE_STATUS_FAILED;
        }
        return WIPE_STATUS_COMPLETED;
}

static enum wipe_status run(struct wipe_job *j)
{
        struct wipe_result *res = &j->result;
        const struct disk_identity *id = &res->identity;
        int r;

        /* The disk the operator confirmed must still be the one behind the path. */
        struct disk_identity now;
        r = disk_identity_read(id->path, &now);
        if (r < 0) {
                res->error = -r;
                return is_gone_error(-r) || r == -ENOMEDIUM || r == -ENOENT ? WIPE_STATUS_DEVICE_GONE
                                                                            : WIPE_STATUS_FAILED;
        }
        bool is_same = disk_identity_same(id, &now);
        disk_identity_done(&now);
        if (!is_same) {
                res->error = ESTALE;
                return WIPE_STATUS_IDENTITY_CHANGED;
        }
        /* Protection was decided before the confirmation question; anything may have happened
         * while it was on screen (a loop device attached over the disk or its image file, and
         * mounted). Decide again, now that the disk is held. */
        r = recheck_protection(j);
        if (r != 0) {
                res->error = r < 0 ? -r : EBUSY;
                res->is_protected_before_write = r > 0;
                return r < 0 ? WIPE_STATUS_FAILED : WIPE_STATUS_PROTECTED;
        }
        j->next_recheck_ns = now_monotonic_ns() + PROTECTION_RECHECK_NS;
        if (res->method.technique == WIPE_TECHNIQUE_PURGE)
                return run_purge(j);

        unsigned depth = j->opts.queue_depth;
        uint8_t *bufs[depth];
        int64_t buf_phase[depth];
        memset(bufs, 0, sizeof bufs);
        enum wipe_status status = WIPE_STATUS_FAILED;
        struct wipe_engine engine = { 0 };
        for (unsigned i = 0; i < depth; i++)
                if (!(bufs[i] = aligned_alloc(BUFFER_ALIGN, j->opts.chunk_bytes))) {
                        res->error = ENOMEM;
                        goto out;
                }

        /* One engine for every pass: the ring and its registered buffers are reused. */
        r = wipe_engine_open(j->opts.engine, j->fd, bufs, depth, j->opts.chunk_bytes, &engine);
        if (r < 0) {
                res->error = -r;
                goto out;
        }
        res->engine = engine.ops->name;
        res->is_direct_io = j->is_direct;

        status = WIPE_STATUS_COMPLETED;
        unsigned pass;
        for (pass = 1; pass <= res->method.n_passes; pass++) {
                if (worker_is_stop_requested(&j->worker)) {
                        status = WIPE_STATUS_INTERRUPTED;
                        break;
                }
                r = run_pass(j, pass, bufs, buf_phase, &engine);
                if (j->is_now_protected) {
                        status = WIPE_STATUS_PROTECTED;
                        res->error = EBUSY;
                        pass++;
                        break;
                }
                if (r < 0) {
                        status = is_gone_error(-r) || r == -EIO ? WIPE_STATUS_DEVICE_GONE
                                                                : WIPE_STATUS_FAILED;
                        if (!res->error)
                                res->error = -r;
                        pass++;
                        break;
                }
                if (worker_is_stop_requested(&j->worker)) {
                        status = WIPE_STATUS_INTERRUPTED;
                        pass++;
                        break;
                }
                if (!res->passes[pass - 1].is_flushed) {
                        status = WIPE_STATUS_FAILED;
                        continue;
                }
                if (pass == res->method.n_passes)
                        continue;
                /* Between passes: stop before writing more over something now in use. */
                if ((r = recheck_protection(j)) != 0) {
                        status = r < 0 ? WIPE_STATUS_FAILED : WIPE_STATUS_PROTECTED;
                        res->error = r < 0 ? -r : EBUSY;
                        pass++;
                        break;
                }
                if (j->opts.after_pass)
                        j->opts.after_pass(j->opts.after_pass_userdata, pass, &res->passes[pass - 1]);
        }
        /* Passes that never ran left the whole device unwritten. */
        for (; pass <= res->method.n_passes; pass++)
                if (unwritten(&(struct pass_state){ .j = j, .pass = pass }, 0, id->size_bytes) < 0)
                        break;
        if (status == WIPE_STATUS_COMPLETED && j->ranges.n > 0)
                status = WIPE_STATUS_WRITE_ERRORS;
        if (j->has_no_space && (status == WIPE_STATUS_WRITE_ERRORS || status == WIPE_STATUS_FAILED)) {
                status = WIPE_STATUS_NO_SPACE;
                res->error = ENOSPC;
        }
        /* After the last write and flush: whatever appeared meanwhile outranks every other finding
         * (a file system was live on the disk while it was overwritten). */
        if (status != WIPE_STATUS_PROTECTED) {
                r = recheck_protection(j);
                if (r > 0) {
                        status = WIPE_STATUS_PROTECTED;
                        res->error = EBUSY;
                } else if (r < 0 && status == WIPE_STATUS_COMPLETED) {
                        status = WIPE_STATUS_FAILED; /* safety unconfirmed: no PASS */
                        res->error = -r;
                }
        }
out:
        /* Before the buffers go: the engine may have registered them. */
        if (engine.ops)
                engine.ops->exit(&engine);
        for (unsigned i = 0; i < depth; i++)
                free(bufs[i]);
        return status;
}

static void *job_thread(void *userdata)
{
        struct wipe_job *j = userdata;
        j->result.started_ns = now_realtime_ns();
        j->result.status = run(j);
        normalize_ranges(&j->ranges);
        j->result.unwritten = j->ranges.ranges;
        j->result.n_unwritten = j->ranges.n;
        for (size_t i = 0; i < j->result.method.n_passes; i++)
                j->result.bytes_written += j->result.passes[i].bytes_written;
        j->result.ended_ns = now_realtime_ns();
        return NULL;
}

int wipe_job_start(struct wipe_job *j)
{
        if (j->fd < 0)
                return -EINVAL;
        return worker_start(&j->worker, job_thread, j);
}

void wipe_job_request_stop(struct wipe_job *j)
{
        j->purge_stop = 1;
        worker_request_stop(&j->worker);
}

void wipe_job_progress(const struct wipe_job *j, struct wipe_progress *ret)
{
        *ret = (struct wipe_progress){
                .pass = atomic_load(&((struct wipe_job *)j)->pass),
                /* a purge is one step: the drive's command */
                .n_passes = j->result.method.technique == WIPE_TECHNIQUE_PURGE ? 1u : (unsigned)j->result.method.n_passes,
                .bytes_done = atomic_load(&((struct wipe_job *)j)->bytes_done),
                .bytes_total = j->result.bytes_total,
                .is_done = worker_is_done(&j->worker),
        };
}

int wipe_job_done_fd(const struct wipe_job *j)
{
        return j->worker.done_fd;
}

void wipe_job_wait(struct wipe_job *j)
{
        worker_wait(&j->worker);
}

const struct wipe_result *wipe_job_result(const struct wipe_job *j)
{
        return &j->result;
}

struct wipe_job *wipe_job_free(struct wipe_job *j)
{
        if (!j)
                return NULL;
        worker_done(&j->worker);
        if (j->fd >= 0)
                close(j->fd);
        if (j->tail_fd >= 0)
                close(j->tail_fd);
        wipe_range_list_done(&j->ranges);
        disk_identity_done(&j->result.identity);
        free(j->result.protected_reason);
        if (j->result.purge)
                sodium_memzero(j->result.purge, sizeof *j->result.purge); /* a password left is a secret */
        free(j->result.purge);
        sodium_memzero(&j->result.method, sizeof j->result.method);
        free(j);
        return NULL;
}
