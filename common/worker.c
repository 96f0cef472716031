/* SPDX-License-Identifier: MIT */
#include "worker.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

int worker_init(struct worker *w)
{
        *w = (struct worker){ 0 };
        w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        return w->done_fd < 0 ? -errno : 0;
}

static void *trampoline(void *userdata)
{
        struct worker *w = userdata;
        w->fn(w->userdata);
        atomic_store(&w->is_done, true);
        uint64_t one = 1;
        (void)!write(w->done_fd, &one, sizeof one);
        return NULL;
}

int worker_start(struct worker *w, void *(*fn)(void *), void *userdata)
{
        if (w->has_thread)
                return -EALREADY;
        w->fn = fn;
        w->userdata = userdata;
        int r = pthread_create(&w->thread, NULL, trampoline, w);
        if (r != 0)
                return -r;
        w->has_thread = true;
        return 0;
}

void worker_request_stop(struct worker *w)
{
        atomic_store(&w->is_stop_requested, true);
}

bool worker_is_stop_requested(struct worker *w)
{
        return atomic_load(&w->is_stop_requested);
}

bool worker_is_done(const struct worker *w)
{
        return atomic_load(&((struct worker *)w)->is_done);
}

void worker_wait(struct worker *w)
{
        if (w->has_thread) {
                pthread_join(w->thread, NULL);
                w->has_thread = false;
        }
}

void worker_done(struct worker *w)
{
        worker_wait(w);
        if (w->done_fd >= 0)
                close(w->done_fd);
        w->done_fd = -1;
}
