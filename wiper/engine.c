/* SPDX-License-Identifier: MIT */
/* I/O engines behind one interface: io_uring (liburing) with registered buffers, and pwrite. */
#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/uio.h>

#include "common.h"
#include "wiper-internal.h"

/* ---- io_uring ------------------------------------------------------------------------------- */

struct uring_data {
        struct io_uring ring;
        uint8_t *const *bufs;
        unsigned n_bufs;
        uint64_t *offsets; /* per buffer, for the completion */
        size_t *lens;
        bool has_fixed_buffers;
        unsigned inflight;
        unsigned queued;
};

static void uring_exit(struct wipe_engine *e)
{
        struct uring_data *d = e->data;
        if (!d)
                return;
        /* Unregister first: a ring's own teardown runs later in a kernel worker, and until it
         * has, the registered file keeps the device's exclusive claim — the next kesu (or
         * mount) would find the disk busy. Unregistering waits for the ring to let go. */
        io_uring_unregister_files(&d->ring);
        if (d->has_fixed_buffers)
                io_uring_unregister_buffers(&d->ring);
        io_uring_queue_exit(&d->ring);
        free(d->offsets);
        free(d->lens);
        free(d);
        e->data = NULL;
}

static int uring_init(struct wipe_engine *e, int fd, uint8_t *const *bufs, unsigned n_bufs, size_t buf_bytes)
{
        struct uring_data *d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->offsets = calloc(n_bufs, sizeof *d->offsets);
        d->lens = calloc(n_bufs, sizeof *d->lens);
        if (!d->offsets || !d->lens) {
                free(d->offsets);
                free(d->lens);
                free(d);
                return -ENOMEM;
        }
        int r = io_uring_queue_init(n_bufs, &d->ring, 0);
        if (r < 0) {
                free(d->offsets);
                free(d->lens);
                free(d);
                return r; /* -ENOSYS, -EPERM where io_uring is disabled: the caller falls back */
        }
        e->data = d;
        d->bufs = bufs;
        d->n_bufs = n_bufs;

        r = io_uring_register_files(&d->ring, &fd, 1);
        if (r < 0) {
                uring_exit(e);
                return r;
        }
        /* Registered buffers spare the kernel pinning pages on every write; without them (a low
         * RLIMIT_MEMLOCK) plain writes still work. */
        struct iovec *iov = calloc(n_bufs, sizeof *iov);
        if (!iov) {
                uring_exit(e);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < n_bufs; i++)
                iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = buf_bytes };
        d->has_fixed_buffers = io_uring_register_buffers(&d->ring, iov, n_bufs) == 0;
        free(iov);
        return 0;
}

static int uring_queue(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len, bool is_write)
{
        struct uring_data *d = e->data;
        struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);
        if (!sqe)
                return -EBUSY;
        if (is_write && d->has_fixed_buffers)
                io_uring_prep_write_fixed(sqe, 0, d->bufs[buf_index], (unsigned)len, offset, (int)buf_index);
        else if (is_write)
                io_uring_prep_write(sqe, 0, d->bufs[buf_index], (unsigned)len, offset);
        else if (d->has_fixed_buffers)
                io_uring_prep_read_fixed(sqe, 0, d->bufs[buf_index], (unsigned)len, offset, (int)buf_index);
        else
                io_uring_prep_read(sqe, 0, d->bufs[buf_index], (unsigned)len, offset);
        sqe->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data64(sqe, buf_index);
        d->offsets[buf_index] = offset;
        d->lens[buf_index] = len;
        d->queued++;
        return 0;
}

static int uring_queue_write(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len)
{
        return uring_queue(e, buf_index, offset, len, true);
}

static int uring_queue_read(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len)
{
        return uring_queue(e, buf_index, offset, len, false);
}

static int uring_submit(struct wipe_engine *e)
{
        struct uring_data *d = e->data;
        if (d->queued == 0)
                return 0;
        int r = io_uring_submit(&d->ring);
        if (r < 0)
                return r;
        d->inflight += (unsigned)r;
        d->queued -= (unsigned)r;
        return 0;
}

static int uring_reap(struct wipe_engine *e, struct wipe_completion *ret)
{
        struct uring_data *d = e->data;
        if (d->inflight == 0)
                return -EAGAIN;
        struct io_uring_cqe *cqe;
        int r;
        do
                r = io_uring_wait_cqe(&d->ring, &cqe);
        while (r == -EINTR);
        if (r < 0)
                return r;
        unsigned idx = (unsigned)io_uring_cqe_get_data64(cqe);
        *ret = (struct wipe_completion){
                .buf_index = idx, .offset = d->offsets[idx], .len = d->lens[idx], .res = cqe->res
        };
        io_uring_cqe_seen(&d->ring, cqe);
        d->inflight--;
        return 0;
}

const struct wipe_engine_ops wipe_engine_uring = {
        .name = "io_uring",
        .init = uring_init,
        .queue_write = uring_queue_write,
        .queue_read = uring_queue_read,
        .submit = uring_submit,
        .reap = uring_reap,
        .exit = uring_exit,
};

/* ---- pwrite ------------------------------------------------------------------------------------ */

/* Writes happen at queue time; completions wait in a small FIFO for reap. */
struct sync_data {
        int fd;
        uint8_t *const *bufs;
        struct wipe_completion *done;
        unsigned n_bufs, head, count;
};

static int sync_init(struct wipe_engine *e, int fd, uint8_t *const *bufs, unsigned n_bufs, size_t buf_bytes)
{
        (void)buf_bytes;
        struct sync_data *d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->done = calloc(n_bufs, sizeof *d->done);
        if (!d->done) {
                free(d);
                return -ENOMEM;
        }
        d->fd = fd;
        d->bufs = bufs;
        d->n_bufs = n_bufs;
        e->data = d;
        return 0;
}

static int sync_queue(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len, bool is_write)
{
        struct sync_data *d = e->data;
        if (d->count >= d->n_bufs)
                return -EBUSY;
        ssize_t n;
        do
                n = is_write ? pwrite(d->fd, d->bufs[buf_index], len, (off_t)offset)
                             : pread(d->fd, d->bufs[buf_index], len, (off_t)offset);
        while (n < 0 && errno == EINTR);
        d->done[(d->head + d->count) % d->n_bufs] = (struct wipe_completion){
                .buf_index = buf_index, .offset = offset, .len = len, .res = n < 0 ? -errno : n
        };
        d->count++;
        return 0;
}

static int sync_queue_write(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len)
{
        return sync_queue(e, buf_index, offset, len, true);
}

static int sync_queue_read(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len)
{
        return sync_queue(e, buf_index, offset, len, false);
}

static int sync_submit(struct wipe_engine *e)
{
        (void)e;
        return 0;
}

static int sync_reap(struct wipe_engine *e, struct wipe_completion *ret)
{
        struct sync_data *d = e->data;
        if (d->count == 0)
                return -EAGAIN;
        *ret = d->done[d->head];
        d->head = (d->head + 1) % d->n_bufs;
        d->count--;
        return 0;
}

static void sync_exit(struct wipe_engine *e)
{
        struct sync_data *d = e->data;
        if (!d)
                return;
        free(d->done);
        free(d);
        e->data = NULL;
}

const struct wipe_engine_ops wipe_engine_sync = {
        .name = "sync",
        .init = sync_init,
        .queue_write = sync_queue_write,
        .queue_read = sync_queue_read,
        .submit = sync_submit,
        .reap = sync_reap,
        .exit = sync_exit,
};

/* ---- ranges ------------------------------------------------------------------------------------ */

int wipe_range_add(struct wipe_range_list *l, unsigned pass, uint64_t offset, uint64_t len,
                   uint32_t sector_bytes)
{
        if (len == 0 || sector_bytes == 0)
                return -EINVAL;
        uint64_t first = offset / sector_bytes, last = (offset + len - 1) / sector_bytes;
        if (l->n > 0) {
                struct wipe_range *prev = &l->ranges[l->n - 1];
                if (prev->pass == pass && first <= prev->last_lba + 1 && last >= prev->first_lba) {
                        if (first < prev->first_lba)
                                prev->first_lba = first;
                        if (last > prev->last_lba)
                                prev->last_lba = last;
                        return 0;
                }
        }
        struct wipe_range *n = realloc(l->ranges, (l->n + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        l->ranges = n;
        l->ranges[l->n++] = (struct wipe_range){ .pass = pass, .first_lba = first, .last_lba = last };
        return 0;
}

void wipe_range_list_done(struct wipe_range_list *l)
{
        free(l->ranges);
        *l = (struct wipe_range_list){ 0 };
}

int wipe_engine_open(enum wipe_engine_kind kind, int fd, uint8_t *const *bufs, unsigned n_bufs,
                     size_t buf_bytes, struct wipe_engine *ret)
{
        /* io_uring unless asked otherwise; AUTO falls back to pwrite/pread where io_uring is
         * unavailable (an old kernel, disabled by policy). */
        struct wipe_engine e = { .ops = kind == WIPE_ENGINE_SYNC ? &wipe_engine_sync : &wipe_engine_uring };
        int r = e.ops->init(&e, fd, bufs, n_bufs, buf_bytes);
        if (r < 0 && kind == WIPE_ENGINE_AUTO) {
                e = (struct wipe_engine){ .ops = &wipe_engine_sync };
                r = e.ops->init(&e, fd, bufs, n_bufs, buf_bytes);
        }
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}
