/* SPDX-License-Identifier: MIT */
#include "purge-test-util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- progress ------------------------------------------------------------------------------------ */

static void on_progress(void *userdata, uint32_t done)
{
        struct progress *p = userdata;
        if (p->calls > 0 && done < p->last)
                p->is_monotonic = false;
        assert_true(done <= 65535);
        p->last = done;
        p->calls++;
        if (p->stop_after && p->calls >= p->stop_after)
                p->stop = 1;
}

struct purge_run_options options(struct progress *p)
{
        *p = (struct progress){ .is_monotonic = true };
        return (struct purge_run_options){
                .nsid = 1,
                .poll_interval_ms = 1,
                .progress = on_progress,
                .progress_userdata = p,
        };
}

void stop_after(struct progress *p, struct purge_run_options *o, unsigned calls)
{
        p->stop_after = calls;
        o->stop = &p->stop;
}

/* ---- the medium ---------------------------------------------------------------------------------- */

#define MEDIUM_BYTES (64u * 1024u)

static uint8_t old_byte(size_t i)
{
        return (uint8_t)(i * 7 + 3);
}

struct fake_medium medium_new(void)
{
        int fd = memfd_create("kesu-test-medium", MFD_CLOEXEC);
        assert_true(fd >= 0);
        uint8_t *buf = malloc(MEDIUM_BYTES);
        assert_non_null(buf);
        for (size_t i = 0; i < MEDIUM_BYTES; i++)
                buf[i] = old_byte(i);
        assert_int_equal(pwrite(fd, buf, MEDIUM_BYTES, 0), (ssize_t)MEDIUM_BYTES);
        free(buf);
        return (struct fake_medium){ .fd = fd, .bytes = MEDIUM_BYTES };
}

void medium_close(struct fake_medium *m)
{
        if (m->fd >= 0)
                close(m->fd);
        m->fd = -1;
}

static uint8_t *medium_read(const struct fake_medium *m)
{
        uint8_t *buf = malloc(MEDIUM_BYTES);
        assert_non_null(buf);
        assert_int_equal(pread(m->fd, buf, MEDIUM_BYTES, 0), (ssize_t)MEDIUM_BYTES);
        return buf;
}

bool medium_is_old(const struct fake_medium *m)
{
        uint8_t *buf = medium_read(m);
        bool is_old = true;
        for (size_t i = 0; i < MEDIUM_BYTES && is_old; i++)
                is_old = buf[i] == old_byte(i);
        free(buf);
        return is_old;
}

bool medium_is_pattern(const struct fake_medium *m, uint32_t pattern)
{
        uint8_t *buf = medium_read(m);
        bool is = true;
        for (size_t i = 0; i < MEDIUM_BYTES && is; i++)
                is = buf[i] == (uint8_t)(pattern >> (8 * (i % 4)));
        free(buf);
        return is;
}

bool medium_is_random(const struct fake_medium *m)
{
        uint8_t *buf = medium_read(m);
        size_t same_as_old = 0, zeros = 0;
        for (size_t i = 0; i < MEDIUM_BYTES; i++) {
                same_as_old += buf[i] == old_byte(i);
                zeros += buf[i] == 0;
        }
        free(buf);
        return same_as_old < MEDIUM_BYTES / 64 && zeros < MEDIUM_BYTES / 64;
}
