/* SPDX-License-Identifier: MIT */
#include "fake-medium.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int fake_medium_fill(const struct fake_medium *m, enum fake_fill fill, uint32_t pattern)
{
        enum { CHUNK = 1 << 20 };
        if (m->fd < 0 || fill == FAKE_FILL_NOTHING)
                return 0;
        uint8_t *buf = malloc(CHUNK);
        if (!buf)
                return -ENOMEM;
        int r = 0;
        if (fill == FAKE_FILL_ZERO || fill == FAKE_FILL_ONES)
                memset(buf, fill == FAKE_FILL_ZERO ? 0x00 : 0xff, CHUNK);
        else if (fill == FAKE_FILL_PATTERN)
                for (size_t i = 0; i < CHUNK; i++)
                        buf[i] = (uint8_t)(pattern >> (8 * (i % 4)));
        for (uint64_t off = 0; off < m->bytes; off += CHUNK) {
                size_t n = m->bytes - off < CHUNK ? (size_t)(m->bytes - off) : CHUNK;
                if (fill == FAKE_FILL_RANDOM)
                        for (size_t i = 0; i < n; i += 256)
                                if (getrandom(buf + i, n - i < 256 ? n - i : 256, 0) < 0) {
                                        r = -errno;
                                        goto out;
                                }
                ssize_t w = pwrite(m->fd, buf, n, (off_t)off);
                if (w != (ssize_t)n) {
                        r = w < 0 ? -errno : -EIO;
                        goto out;
                }
        }
        if (fsync(m->fd) < 0)
                r = -errno;
out:
        free(buf);
        return r;
}

void fake_medium_erase(const struct fake_medium *m, enum fake_fill fill, uint32_t pattern, int *error,
                       unsigned *fills)
{
        if (m->fd < 0 || m->bytes == 0)
                return;
        int r = fake_medium_fill(m, fill, pattern);
        if (r < 0)
                *error = r;
        else if (fill != FAKE_FILL_NOTHING)
                (*fills)++;
}
