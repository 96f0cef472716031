/* SPDX-License-Identifier: MIT */
/* The helpers every purge family shares (purge-internal.h): a run's frame, the poll wait, text. */
#include "purge-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common.h"

void purge_append(char *buf, size_t n, const char *fmt, ...)
{
        size_t used = strnlen(buf, n);
        if (used + 1 >= n)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf + used, n - used, fmt, ap);
        va_end(ap);
}

static bool is_stopped(const struct purge_run_options *o)
{
        return o->stop && *o->stop;
}

bool purge_wait(const struct purge_run_options *o)
{
        if (is_stopped(o))
                return false;
        unsigned ms = o->poll_interval_ms ? o->poll_interval_ms : PURGE_DEFAULT_POLL_MS;
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                if (is_stopped(o))
                        return false;
        return !is_stopped(o);
}

const struct purge_run_options *purge_run_begin(enum purge_method method, const struct purge_run_options *o,
                                                struct purge_report *ret)
{
        static const struct purge_run_options defaults = { 0 };

        *ret = (struct purge_report){ .method = method, .started_ns = now_realtime_ns() };
        return o ? o : &defaults;
}

int purge_check_supported(const struct purge_caps *caps, enum purge_family family, enum purge_method method,
                          const char *fallback, struct purge_report *ret)
{
        if (caps && caps->family == family && method > PURGE_METHOD_NONE && method < _PURGE_METHOD_MAX &&
            purge_caps_has(caps, method))
                return 0;
        ret->error = PURGE_ERR_UNSUPPORTED;
        snprintf(ret->error_text, sizeof ret->error_text, "%s",
                 caps && method < _PURGE_METHOD_MAX && caps->why_not[method] ? caps->why_not[method]
                                                                             : fallback);
        return ret->error;
}

int purge_run_end(int error, struct purge_report *ret)
{
        ret->ended_ns = now_realtime_ns();
        if (error == 0 && !ret->is_completed)
                error = PURGE_ERR_NOT_DONE; /* never report success without the drive's word */
        ret->error = error;
        return error;
}
