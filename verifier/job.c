/* SPDX-License-Identifier: MIT */
/*
 * Read-back: read the plan's extents in large aligned requests, many in flight, in offset order,
 * regenerate what each byte must be from the pattern, compare, and record what differs or cannot
 * be read, by sector. Then probe for residual signatures. Read-only throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "verifier-internal.h"
#include "worker.h"

#define DEFAULT_CHUNK_BYTES (1u << 20)
#define DEFAULT_QUEUE_DEPTH 8u
#define BUFFER_ALIGN        4096u

struct verify_job {
        struct verify_request req;
        struct verify_extent *must; /* owned copy of req.must */
        struct disk_identity id;
        struct verify_result result;
        struct wipe_range_list unreadable;
        int fd;
        int tail_fd; /* buffered, for a file's tail that is not a whole sector */
        bool is_direct;
        struct worker worker;
        _Atomic uint64_t bytes_done;
        uint64_t bytes_total;
};

const char *verify_mode_to_string(enum verify_mode m)
{
        return m == VERIFY_MODE_FULL ? "full" : "sample";
}

bool verify_result_is_pass(const struct verify_result *r)
{
        return r->error == 0 && !r->is_interrupted && r->sectors_mismatched == 0 && r->n_unreadable == 0 &&
               r->n_residual == 0 && r->bytes_read == r->plan.planned_bytes && r->bytes_read > 0;
}

int verify_job_new(const struct verify_request *req, const struct disk_identity *id, struct verify_job **ret)
{
        if (sodium_init() < 0)
                return -EIO;
        struct verify_job *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->fd = j->tail_fd = -1;
        j->req = *req;
        if (j->req.percent == 0)
                j->req.percent = VERIFY_DEFAULT_PERCENT;
        if (j->req.io.chunk_bytes == 0)
                j->req.io.chunk_bytes = DEFAULT_CHUNK_BYTES;
        if (j->req.io.queue_depth == 0)
                j->req.io.queue_depth = DEFAULT_QUEUE_DEPTH;
        if (!j->req.has_plan_seed) {
                randombytes_buf(&j->req.plan_seed, sizeof j->req.plan_seed);
                j->req.has_plan_seed = true;
        }
        int r = worker_init(&j->worker);
        if (r < 0)
                goto fail;
        if (req->n_must > 0) {
                j->must = malloc(req->n_must * sizeof *j->must);
                if (!j->must) {
                        r = -ENOMEM;
                        goto fail;
                }
                memcpy(j->must, req->must, req->n_must * sizeof *j->must);
        }
        j->req.must = j->must;
        if ((r = disk_identity_copy(id, &j->id)) < 0)
                goto fail;

        struct verify_result *res = &j->result;
        res->mode = req->mode;
        res->expect = req->expect;
        res->confidence = VERIFY_CONFIDENCE;
        uint32_t sector = id->logical_sector_bytes;
        if (j->req.io.chunk_bytes % BUFFER_ALIGN || j->req.io.chunk_bytes % sector) {
                r = -EINVAL;
                goto fail;
        }
        if (req->before) {
                /* a proof reads exactly the sectors the fingerprint read */
                const struct verify_plan *bp = &req->before->plan;
                if (bp->device_bytes != id->size_bytes || bp->sector_bytes != sector) {
                        r = -ESTALE;
                        goto fail;
                }
                res->plan = *bp;
                res->plan.extents = malloc((bp->n_extents ? bp->n_extents : 1) * sizeof *bp->extents);
                if (!res->plan.extents) {
                        r = -ENOMEM;
                        goto fail;
                }
                memcpy(res->plan.extents, bp->extents, bp->n_extents * sizeof *bp->extents);
                res->mode = VERIFY_MODE_SAMPLE;
        } else {
                r = req->mode == VERIFY_MODE_FULL
                            ? verify_plan_full(id->size_bytes, sector, &res->plan)
                            : verify_plan_build(id->size_bytes, sector, j->req.percent, j->req.plan_seed, j->must,
                                                j->req.n_must, &res->plan);
                if (r < 0)
                        goto fail;
        }
        j->bytes_total = res->plan.planned_bytes;
        *ret = j;
        return 0;
fail:
        verify_job_free(j);
        return r;
}

int verify_job_open(struct verify_job *j)
{
        struct disk_handle h;
        int r = disk_handle_open(&j->id, false, &h);
        if (r < 0)
                return r;
        j->fd = h.fd;
        j->tail_fd = h.tail_fd;
        j->is_direct = h.is_direct;
        return 0;
}

struct read_state {
        struct verify_job *j;
        struct wipe_engine engine;
        uint8_t **bufs;
        uint8_t *expected;      /* scratch: what a buffer must hold */
        int64_t expected_phase; /* fixed patterns: the phase `expected` holds, -1 if none */
        size_t expected_len;
        struct wipe_pattern_stream *stream;
};

void verify_mismatch_init(uint64_t lba, const uint8_t *found, const uint8_t *expected, size_t n,
                          struct verify_mismatch *ret)
{
        size_t at = 0;
        while (at < n && found[at] == expected[at])
                at++;
        if (at == n) /* no difference given: describe the sector's start */
                at = 0;
        *ret = (struct verify_mismatch){ .first_lba = lba,
                                         .last_lba = lba,
                                         .offset_in_sector = (uint32_t)at };
        ret->n_found = n - at < VERIFY_FOUND_BYTES ? n - at : VERIFY_FOUND_BYTES;
        memcpy(ret->found, found + at, ret->n_found);
        memcpy(ret->expected, expected + at, ret->n_found);
}

static int add_mismatch(struct verify_result *res, uint64_t first_lba, uint64_t last_lba,
                        const uint8_t *found, const uint8_t *expected, size_t n_bytes)
{
        res->sectors_mismatched += last_lba - first_lba + 1;
        if (res->n_mismatches > 0) {
                struct verify_mismatch *prev = &res->mismatches[res->n_mismatches - 1];
                if (first_lba == prev->last_lba + 1) {
                        prev->last_lba = last_lba;
                        return 0;
                }
        }
        if (res->n_mismatches >= VERIFY_MAX_MISMATCH_RUNS) {
                res->is_mismatch_list_truncated = true;
                return 0;
        }
        struct verify_mismatch *n = realloc(res->mismatches, (res->n_mismatches + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        res->mismatches = n;
        struct verify_mismatch *m = &res->mismatches[res->n_mismatches++];
        verify_mismatch_init(first_lba, found, expected, n_bytes, m);
        m->last_lba = last_lba;
        return 0;
}

/* What the device must hold at [offset, offset+len), into rs->expected. */
static int expected_at(struct read_state *rs, uint64_t offset, size_t len)
{
        const struct wipe_pattern *p = &rs->j->req.expect;
        if (p->kind == WIPE_PATTERN_BYTES) {
                int64_t phase = (int64_t)(offset % p->n_bytes);
                if (rs->expected_phase == phase && rs->expected_len >= len)
                        return 0;
                rs->expected_phase = phase;
                rs->expected_len = rs->j->req.io.chunk_bytes;
                return wipe_pattern_fill(rs->stream, offset, rs->expected, rs->expected_len);
        }
        return -EINVAL; /* keystream is compared piecewise in compare() */
}

/* The sectors of [offset, offset+len) that differ from expected, as mismatch runs. */
static int record_mismatches(struct read_state *rs, const uint8_t *buf, const uint8_t *expected,
                             uint64_t offset, size_t len)
{
        uint32_t sector = rs->j->id.logical_sector_bytes;
        for (size_t o = 0; o < len; o += sector) {
                size_t n = len - o < sector ? len - o : sector;
                if (memcmp(buf + o, expected + o, n) == 0)
                        continue;
                uint64_t lba = (offset + o) / sector;
                int r = add_mismatch(&rs->j->result, lba, lba, buf + o, expected + o, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Keystream is compared a cache-sized piece at a time: generated into a small buffer that stays in
 * cache, so the read buffer is the only thing that travels through memory. */
#define KEYSTREAM_PIECE (64u * 1024)

static int compare(struct read_state *rs, const uint8_t *buf, uint64_t offset, size_t len)
{
        struct verify_result *res = &rs->j->result;
        uint32_t sector = rs->j->id.logical_sector_bytes;
        int r;
        res->sectors_compared += (len + sector - 1) / sector;
        if (rs->j->req.expect.kind == WIPE_PATTERN_RANDOM) {
                for (size_t o = 0; o < len; o += KEYSTREAM_PIECE) {
                        size_t n = len - o < KEYSTREAM_PIECE ? len - o : KEYSTREAM_PIECE;
                        if ((r = wipe_pattern_fill(rs->stream, offset + o, rs->expected, n)) < 0)
                                return r;
                        if (memcmp(buf + o, rs->expected, n) != 0 &&
                            (r = record_mismatches(rs, buf + o, rs->expected, offset + o, n)) < 0)
                                return r;
                }
                return 0;
        }
        if ((r = expected_at(rs, offset, len)) < 0)
                return r;
        if (memcmp(buf, rs->expected, len) == 0)
                return 0;
        return record_mismatches(rs, buf, rs->expected, offset, len);
}

/* A read failed or fell short: read sector by sector, compare what reads, record what does not. */
static int recover_read(struct read_state *rs, const struct wipe_completion *c)
{
        struct verify_job *j = rs->j;
        uint32_t sector = j->id.logical_sector_bytes;
        uint8_t *buf = rs->bufs[c->buf_index];
        int r;
        for (uint64_t o = c->offset; o < c->offset + c->len; o += sector) {
                /* A dying disk can take seconds per sector: a stop request must not wait for all. */
                if (worker_is_stop_requested(&j->worker))
                        return 0; /* the result says interrupted: nothing is concluded from it */
                ssize_t n;
                do
                        n = pread(j->fd, buf, sector, (off_t)o);
                while (n < 0 && errno == EINTR);
                if (n == (ssize_t)sector) {
                        atomic_fetch_add(&j->bytes_done, sector);
                        j->result.bytes_read += sector;
                        if ((r = compare(rs, buf, o, sector)) < 0)
                                return r;
                } else if ((r = wipe_range_add(&j->unreadable, 0, o, sector, sector)) < 0)
                        return r;
        }
        return 0;
}

/* Reads the plan's extents up to end (the sector-aligned part), in order, depth requests deep. */
static int read_body(struct read_state *rs, uint64_t end)
{
        struct verify_job *j = rs->j;
        const struct verify_plan *plan = &j->result.plan;
        unsigned depth = j->req.io.queue_depth;
        unsigned free_stack[depth];
        unsigned n_free = depth, inflight = 0;
        size_t ext = 0;
        uint64_t pos = plan->n_extents ? plan->extents[0].offset : 0;
        int r;

        for (unsigned i = 0; i < depth; i++)
                free_stack[i] = depth - 1 - i;
        for (;;) {
                bool is_stopping = worker_is_stop_requested(&j->worker);
                while (!is_stopping && n_free > 0 && ext < plan->n_extents) {
                        const struct verify_extent *e = &plan->extents[ext];
                        uint64_t e_end = e->offset + e->len < end ? e->offset + e->len : end;
                        if (pos >= e_end) {
                                if (++ext < plan->n_extents)
                                        pos = plan->extents[ext].offset;
                                continue;
                        }
                        size_t len = e_end - pos < j->req.io.chunk_bytes ? (size_t)(e_end - pos)
                                                                         : j->req.io.chunk_bytes;
                        unsigned idx = free_stack[--n_free];
                        if ((r = rs->engine.ops->queue_read(&rs->engine, idx, pos, len)) < 0)
                                return r;
                        pos += len;
                        inflight++;
                }
                if ((r = rs->engine.ops->submit(&rs->engine)) < 0)
                        return r;
                if (inflight == 0)
                        break;
                struct wipe_completion c;
                if ((r = rs->engine.ops->reap(&rs->engine, &c)) < 0)
                        return r;
                inflight--;
                if (c.res == (ssize_t)c.len) {
                        atomic_fetch_add(&j->bytes_done, c.len);
                        j->result.bytes_read += c.len;
                        r = compare(rs, rs->bufs[c.buf_index], c.offset, c.len);
                } else
                        r = recover_read(rs, &c);
                free_stack[n_free++] = c.buf_index;
                if (r < 0)
                        return r;
        }
        if (worker_is_stop_requested(&j->worker))
                j->result.is_interrupted = true;
        return 0;
}

/* A file's last bytes that are not a whole sector, which O_DIRECT cannot read. */
static int read_tail(struct read_state *rs, uint64_t start)
{
        struct verify_job *j = rs->j;
        uint64_t size = j->id.size_bytes;
        const struct verify_plan *plan = &j->result.plan;
        if (j->tail_fd < 0 || plan->n_extents == 0 || j->result.is_interrupted)
                return 0;
        const struct verify_extent *last = &plan->extents[plan->n_extents - 1];
        if (last->offset + last->len <= start)
                return 0; /* the plan does not reach the tail */
        uint64_t from = last->offset > start ? last->offset : start;
        uint8_t tail[4096];
        ssize_t n = pread(j->tail_fd, tail, (size_t)(size - from), (off_t)from);
        if (n != (ssize_t)(size - from))
                return wipe_range_add(&j->unreadable, 0, from, size - from, j->id.logical_sector_bytes);
        atomic_fetch_add(&j->bytes_done, (uint64_t)n);
        j->result.bytes_read += (uint64_t)n;
        return compare(rs, tail, from, (size_t)n);
}

static int cmp_mismatch(const void *a, const void *b)
{
        const struct verify_mismatch *x = a, *y = b;
        return x->first_lba < y->first_lba ? -1 : x->first_lba > y->first_lba;
}

/* Completions come out of order: sort, then merge runs that touch. */
static void normalize_mismatches(struct verify_result *res)
{
        if (res->n_mismatches < 2)
                return;
        qsort(res->mismatches, res->n_mismatches, sizeof *res->mismatches, cmp_mismatch);
        size_t o = 0;
        for (size_t i = 1; i < res->n_mismatches; i++) {
                struct verify_mismatch *cur = &res->mismatches[o], *next = &res->mismatches[i];
                if (next->first_lba <= cur->last_lba + 1) {
                        if (next->last_lba > cur->last_lba)
                                cur->last_lba = next->last_lba;
                } else
                        res->mismatches[++o] = *next;
        }
        res->n_mismatches = o + 1;
}

static bool proof_is_stopping(void *userdata)
{
        return worker_is_stop_requested(&((struct verify_job *)userdata)->worker);
}

/* A purge's proof: the fingerprint's sectors again, then the residual probe. */
static int run_proof(struct verify_job *j)
{
        struct verify_result *res = &j->result;
        int r = verify_proof_read(j->fd, &j->id, j->req.before, j->req.expect_kind, &j->req.expect, res,
                                  &j->unreadable, &j->bytes_done, proof_is_stopping, j);
        if (r == -EINTR) {
                res->is_interrupted = true;
                return 0;
        }
        if (r < 0)
                return r;
        res->engine = "pread";
        return verify_residual_probe(j->id.path, j->id.size_bytes, j->id.logical_sector_bytes, j->must,
                                     j->req.n_must, &res->residual, &res->n_residual);
}

static int run(struct verify_job *j)
{
        if (j->req.before)
                return run_proof(j);
        struct verify_result *res = &j->result;
        unsigned depth = j->req.io.queue_depth;
        uint32_t sector = j->id.logical_sector_bytes;
        uint64_t size = j->id.size_bytes;
        uint64_t body_end = j->tail_fd >= 0 ? size - size % sector : size;
        uint8_t *bufs[depth];
        struct read_state rs = { .j = j, .bufs = bufs, .expected_phase = -1 };
        int r = -ENOMEM;

        memset(bufs, 0, sizeof bufs);
        for (unsigned i = 0; i < depth; i++)
                if (!(bufs[i] = aligned_alloc(BUFFER_ALIGN, j->req.io.chunk_bytes)))
                        goto out;
        if (!(rs.expected = aligned_alloc(BUFFER_ALIGN, j->req.io.chunk_bytes)))
                goto out;
        if ((r = wipe_pattern_stream_new(&j->req.expect, &rs.stream)) < 0)
                goto out;

        r = wipe_engine_open(j->req.io.engine, j->fd, bufs, depth, j->req.io.chunk_bytes, &rs.engine);
        if (r < 0)
                goto out;
        res->engine = rs.engine.ops->name;
        r = read_body(&rs, body_end);
        rs.engine.ops->exit(&rs.engine);
        if (r >= 0)
                r = read_tail(&rs, body_end);
        if (r < 0 || res->is_interrupted)
                goto out;

        /* Signatures anywhere on the device, and where partitions were before the wipe. */
        r = verify_residual_probe(j->id.path, size, sector, j->must, j->req.n_must, &res->residual,
                                  &res->n_residual);
out:
        wipe_pattern_stream_free(rs.stream);
        free(rs.expected);
        for (unsigned i = 0; i < depth; i++)
                free(bufs[i]);
        return r;
}

static void *job_thread(void *userdata)
{
        struct verify_job *j = userdata;
        struct verify_result *res = &j->result;
        res->started_ns = now_realtime_ns();
        int r = run(j);
        if (r < 0)
                res->error = -r;
        normalize_mismatches(res);
        res->unreadable = j->unreadable.ranges;
        res->n_unreadable = j->unreadable.n;
        /* Only a whole, clean sample supports the statement; full mode read everything. */
        res->unerased_bound =
                res->plan.is_full ? 0.0 : verify_unerased_bound(res->plan.n_locations, res->confidence);
        res->ended_ns = now_realtime_ns();
        return NULL;
}

int verify_job_start(struct verify_job *j)
{
        if (j->fd < 0)
                return -EINVAL;
        return worker_start(&j->worker, job_thread, j);
}

void verify_job_request_stop(struct verify_job *j)
{
        worker_request_stop(&j->worker);
}

void verify_job_progress(const struct verify_job *j, uint64_t *ret_bytes_done, uint64_t *ret_bytes_total,
                         bool *ret_is_done)
{
        *ret_bytes_done = atomic_load(&((struct verify_job *)j)->bytes_done);
        *ret_bytes_total = j->bytes_total;
        *ret_is_done = worker_is_done(&j->worker);
}

int verify_job_done_fd(const struct verify_job *j)
{
        return j->worker.done_fd;
}

void verify_job_wait(struct verify_job *j)
{
        worker_wait(&j->worker);
}

const struct verify_result *verify_job_result(const struct verify_job *j)
{
        return &j->result;
}

struct verify_job *verify_job_free(struct verify_job *j)
{
        if (!j)
                return NULL;
        worker_done(&j->worker);
        if (j->fd >= 0)
                close(j->fd);
        if (j->tail_fd >= 0)
                close(j->tail_fd);
        verify_plan_done(&j->result.plan);
        free(j->result.mismatches);
        wipe_range_list_done(&j->unreadable);
        if (j->result.residual) {
                for (size_t i = 0; i < j->result.n_residual; i++)
                        free(j->result.residual[i]);
                free(j->result.residual);
        }
        disk_identity_done(&j->id);
        free(j->must);
        free(j);
        return NULL;
}
