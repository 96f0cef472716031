/* SPDX-License-Identifier: MIT */
/*
 * The certificate folder itself: can a certificate be filed there (a probe file and the free
 * space, checked before a disk is touched), and setting aside a file that is in the way — moved,
 * never deleted, so nothing an auditor might want is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "certificates.h"
#include "common.h"
#include "issuer-internal.h"

/* Errors a write can end in, as the probe reports them. */
static int probe_errno(int e)
{
        switch (e) {
        case EDQUOT:
                return -ENOSPC;
        case EPERM: /* an immutable folder, a seccomp'd or LSM-denied write */
                return -EACCES;
        default:
                return -e;
        }
}

int cert_folder_probe(const char *dir, uint64_t min_extra_bytes)
{
        struct stat st;
        if (stat(dir, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        /* a random name, O_EXCL: never anyone else's file */
        uint8_t rnd[8];
        char hex[2 * sizeof rnd + 1], path[PATH_MAX];
        if (sodium_init() < 0)
                return -EIO;
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        if (snprintf(path, sizeof path, "%s/.kesu-probe-%s", dir, hex) >= (int)sizeof path)
                return -ENAMETOOLONG;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return probe_errno(errno);
        /* one block of data: a full file system may still have inodes for an empty file */
        static const char block[4096];
        int r = 0;
        ssize_t k = write(fd, block, sizeof block);
        if (k < 0)
                r = probe_errno(errno);
        else if (k != (ssize_t)sizeof block)
                r = -ENOSPC;
        if (r == 0 && fsync(fd) < 0)
                r = probe_errno(errno);
        close(fd);
        if (unlink(path) < 0 && r == 0)
                r = probe_errno(errno);
        if (r < 0)
                return r;

        struct statvfs sv;
        if (statvfs(dir, &sv) < 0)
                return -errno;
        /* f_bavail: what a user may still write; root's reserve is no room to plan on */
        uint64_t free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
        if (free_bytes < CERT_FILING_MIN_FREE_BYTES + min_extra_bytes)
                return -ENOSPC;
        /* file systems without inode counts (vfat) report 0 files: no limit to check */
        if (sv.f_files > 0 && sv.f_favail < 8)
                return -ENOSPC;
        return 0;
}

int filing_set_aside(const char *dir, const char *name, char *ret_moved_to, size_t size)
{
        char aside[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
        if (snprintf(aside, sizeof aside, "%s/%s", dir, CERT_SET_ASIDE_DIR) >= (int)sizeof aside ||
            snprintf(from, sizeof from, "%s/%s", dir, name) >= (int)sizeof from)
                return -ENAMETOOLONG;
        if (mkdir(aside, 0755) < 0 && errno != EEXIST)
                return -errno;

        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        for (unsigned n = 0; n < 1000; n++) {
                int len = n == 0 ? snprintf(to, sizeof to, "%s/%s.%s", aside, name, stamp)
                                 : snprintf(to, sizeof to, "%s/%s.%s.%u", aside, name, stamp, n);
                if (len >= (int)sizeof to)
                        return -ENAMETOOLONG;
                if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
                        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd >= 0)
                                (void)fsync(fd);
                        if (ret_moved_to && snprintf(ret_moved_to, size, "%s", to) >= (int)size)
                                return -ENAMETOOLONG;
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

int filing_canonical_path(const char *path, char *ret, size_t size)
{
        char resolved[PATH_MAX];
        if (realpath(path, resolved)) {
                if (snprintf(ret, size, "%s", resolved) >= (int)size)
                        return -ENAMETOOLONG;
                return 0;
        }
        if (errno != ENOENT)
                return -errno;
        char d[PATH_MAX], b[PATH_MAX];
        if (snprintf(d, sizeof d, "%s", path) >= (int)sizeof d)
                return -ENAMETOOLONG;
        snprintf(b, sizeof b, "%s", path);
        if (!realpath(dirname(d), resolved))
                return -errno;
        const char *base = basename(b);
        if (snprintf(ret, size, "%s%s%s", resolved, strcmp(resolved, "/") == 0 ? "" : "/", base) >=
            (int)size)
                return -ENAMETOOLONG;
        return 0;
}
