/* SPDX-License-Identifier: MIT */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

int read_full_file(const char *path, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        size_t allocated = 4096, size = 0;
        _cleanup_free_ char *buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                if (size + 1 >= allocated) {
                        if (allocated > 64u * 1024 * 1024)
                                return -EFBIG;
                        char *n = realloc(buf, allocated * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        allocated *= 2;
                }
                ssize_t k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t)k;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

static int fsync_dir_of(const char *path)
{
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", path);
        _cleanup_close_ int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, bool is_replace)
{
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        int r = 0;
        /* a short write (a full disk) is followed by one that says why: -ENOSPC, not a stale errno */
        for (size_t done = 0; done < len && r == 0;) {
                ssize_t k = write(fd, (const char *)data + done, len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO;
                else
                        done += (size_t)k;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && (is_replace ? rename(tmp, path) < 0
                                  : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0))
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        return fsync_dir_of(path);
}

int read_one_line_file(const char *path, char **ret)
{
        char *s;
        size_t n;
        int r = read_full_file(path, &s, &n);
        if (r < 0)
                return r;
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = 0;
        *ret = s;
        return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
        if (!s || !*s || !isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0)
                return -errno;
        if (*end != 0)
                return -EINVAL;
        *ret = (uint64_t)v;
        return 0;
}

char *strstrip(char *s)
{
        char *start = s;
        while (isspace((unsigned char)*start))
                start++;
        size_t n = strlen(start);
        while (n > 0 && isspace((unsigned char)start[n - 1]))
                n--;
        memmove(s, start, n);
        s[n] = 0;
        return s;
}

char *strdup_stripped_or_null(const char *s)
{
        if (!s)
                return NULL;
        char *d = strdup(s);
        if (!d)
                return NULL;
        strstrip(d);
        if (!*d) {
                free(d);
                errno = 0;
                return NULL;
        }
        return d;
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

char *udev_unescape(const char *s)
{
        if (!s)
                return NULL;
        char *d = malloc(strlen(s) + 1);
        if (!d)
                return NULL;
        char *o = d;
        while (*s) {
                if (s[0] == '\\' && s[1] == 'x' && unhex(s[2]) >= 0 && unhex(s[3]) >= 0) {
                        *o++ = (char)(unhex(s[2]) << 4 | unhex(s[3]));
                        s += 4;
                } else
                        *o++ = *s++;
        }
        *o = 0;
        return d;
}

#include <time.h>

static int64_t clock_ns(clockid_t c)
{
        struct timespec ts;
        clock_gettime(c, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t now_realtime_ns(void)
{
        return clock_ns(CLOCK_REALTIME);
}

int64_t now_monotonic_ns(void)
{
        return clock_ns(CLOCK_MONOTONIC);
}

int64_t now_boottime_ns(void)
{
        return clock_ns(CLOCK_BOOTTIME);
}

int read_secret_file(const char *path, size_t max_bytes, int timeout_ms, char **ret, size_t *ret_size)
{
        /* O_NONBLOCK: opening a FIFO must not wait for a writer that may never come */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        bool is_stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
        _cleanup_free_ char *buf = malloc(max_bytes + 1);
        if (!buf)
                return -ENOMEM;
        size_t size = 0;
        int64_t deadline = now_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        for (;;) {
                ssize_t k = read(fd, buf + size, max_bytes + 1 - size);
                if (k > 0) {
                        size += (size_t)k;
                        if (size > max_bytes) {
                                explicit_bzero(buf, size);
                                return -EFBIG;
                        }
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno != EAGAIN) {
                        int e = errno;
                        explicit_bzero(buf, size);
                        return -e;
                }
                /* k == 0: the end — unless a FIFO's writer has not come yet (nothing read so far) */
                if (k == 0 && (!is_stream || size > 0))
                        break;
                int64_t left_ms = (deadline - now_monotonic_ns()) / 1000000;
                if (left_ms <= 0) {
                        explicit_bzero(buf, size);
                        return -ETIMEDOUT;
                }
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                /* a FIFO without a writer reads as EOF at once: look again every 50 ms */
                (void)poll(&pfd, 1, (int)(k == 0 && left_ms > 50 ? 50 : left_ms));
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}
