/* SPDX-License-Identifier: MIT */
/* Opening a target for erasing or reading back: the same checks for the wiper and the verifier. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wiper.h"

void disk_handle_close(struct disk_handle *h)
{
        if (h->fd >= 0)
                close(h->fd);
        if (h->tail_fd >= 0)
                close(h->tail_fd);
        *h = (struct disk_handle){ .fd = -1, .tail_fd = -1 };
}

int disk_handle_open(const struct disk_identity *id, bool is_write, struct disk_handle *ret)
{
        struct disk_handle h = { .fd = -1, .tail_fd = -1 };
        int mode = is_write ? O_WRONLY : O_RDONLY;
        struct stat st;
        int r;

        if (id->size_bytes < id->logical_sector_bytes)
                return -ENOSPC;
        if (id->is_block_device) {
                /* Writing claims the disk exclusively: no mount, no other program meanwhile. */
                h.fd = open(id->path, mode | (is_write ? O_EXCL : 0) | O_DIRECT | O_CLOEXEC);
                if (h.fd < 0)
                        return -errno;
                int ro = 0;
                if (is_write && ioctl(h.fd, BLKROGET, &ro) == 0 && ro) {
                        r = -EROFS;
                        goto fail;
                }
                if (fstat(h.fd, &st) < 0) {
                        r = -errno;
                        goto fail;
                }
                if (!S_ISBLK(st.st_mode) || st.st_rdev != id->devnum) {
                        r = -ESTALE;
                        goto fail;
                }
                h.is_direct = true;
                *ret = h;
                return 0;
        }

        /* A regular file: never created, truncated or extended. O_DIRECT where the file system
         * has it (not tmpfs); a tail that is not a whole sector goes through a buffered
         * descriptor. */
        h.fd = open(id->path, mode | O_DIRECT | O_CLOEXEC | O_NOCTTY);
        h.is_direct = h.fd >= 0;
        if (h.fd < 0 && errno == EINVAL)
                h.fd = open(id->path, mode | O_CLOEXEC | O_NOCTTY);
        if (h.fd < 0)
                return -errno;
        if (fstat(h.fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (!S_ISREG(st.st_mode) || st.st_dev != id->file_devnum || st.st_ino != id->file_inode ||
            (uint64_t)st.st_size != id->size_bytes) {
                r = -ESTALE;
                goto fail;
        }
        if (h.is_direct && id->size_bytes % id->logical_sector_bytes != 0) {
                h.tail_fd = open(id->path, mode | O_CLOEXEC | O_NOCTTY);
                if (h.tail_fd < 0) {
                        r = -errno;
                        goto fail;
                }
        }
        *ret = h;
        return 0;
fail:
        disk_handle_close(&h);
        return r;
}
