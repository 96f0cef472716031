/* SPDX-License-Identifier: MIT */

/*
 * kesu-faultfs: a FUSE file system for tests only, that injects I/O errors.
 *
 * A mock only where no real part can run here: this kernel has no dm-flakey and no scsi_debug, so
 * a disk that fails at chosen offsets, or is pulled mid-wipe, cannot be made from real parts.
 * faultfs keeps everything else real — the kernel FUSE path, pwrite, O_DIRECT, fdatasync — and
 * injects only the faults.
 *
 *   kesu-faultfs [--bad OFFSET:LENGTH]... [--bad-write OFFSET:LENGTH]... [--unplug-after BYTES]
 *                BACKING_FILE MOUNTPOINT
 * (--bad-write: only writes fail there; reads return what was there before — a sector that
 * cannot be overwritten but still gives up its old data. --drop-write, once: writes there report
 * success but the old data stays — a disk that lies.)
 *
 * MOUNTPOINT then holds one regular file, disk.img, whose content is BACKING_FILE. Its size is
 * fixed: truncation and writes past the end fail with EPERM. Each read or write request that
 * overlaps a --bad range fails whole with EIO; requests beside it succeed, so a tool that retries
 * sector by sector can find the exact bad sectors. With --unplug-after, the disk accepts at most
 * BYTES bytes of writes: the write that would go past that fails with EIO and writes nothing, and
 * from then on every read, write and fsync fails with EIO. SIGUSR1 unplugs at once.
 *
 * Runs in the foreground and single-threaded; SIGTERM or umount stops it with status 0. Files are
 * opened with direct_io, so every write reaches this process synchronously and its error comes
 * back from that pwrite, not from close. O_DIRECT opens succeed and do not check alignment. The
 * kernel splits a pwrite into requests of at most max_write (1 MiB here): if a later piece fails,
 * the pwrite returns a short count, and only the retry of the rest returns EIO. If this process
 * dies, the open files get ENOTCONN and the mount stays until `fusermount3 -u MOUNTPOINT`.
 */

#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

#define DISK_NAME        "disk.img"
#define DISK_PATH        "/" DISK_NAME
#define BAD_RANGES_MAX   64
#define REPORTED_BLKSIZE 4096

struct byte_range {
        uint64_t offset;
        uint64_t length;
        bool is_write_only; /* --bad-write: reads of the range still work (old data survives) */
        bool is_dropped;    /* --drop-write: writes "succeed" but never reach the medium (a lying disk) */
};

static int backing_fd = -1;
static uint64_t disk_size_bytes;
static struct byte_range bad_ranges[BAD_RANGES_MAX];
static size_t n_bad_ranges;
static bool has_unplug_limit;
static uint64_t unplug_after_bytes;
static uint64_t written_bytes;
static atomic_bool is_unplugged;

static void on_sigusr1(int sig)
{
        (void)sig;
        atomic_store(&is_unplugged, true);
}

/* The original bytes of the (single) dropped range, read once at start. */
static uint8_t *dropped_copy;

static bool overlaps_dropped_range(uint64_t offset, uint64_t length)
{
        for (size_t i = 0; i < n_bad_ranges; i++)
                if (bad_ranges[i].is_dropped && offset < bad_ranges[i].offset + bad_ranges[i].length &&
                    bad_ranges[i].offset < offset + length)
                        return true;
        return false;
}

static bool overlaps_bad_range(uint64_t offset, uint64_t length, bool is_write)
{
        for (size_t i = 0; i < n_bad_ranges; i++)
                if (!bad_ranges[i].is_dropped && (is_write || !bad_ranges[i].is_write_only) &&
                    offset < bad_ranges[i].offset + bad_ranges[i].length &&
                    bad_ranges[i].offset < offset + length)
                        return true;
        return false;
}

static int faultfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
        (void)fi;
        memset(st, 0, sizeof(*st));
        st->st_uid = getuid();
        st->st_gid = getgid();
        st->st_blksize = REPORTED_BLKSIZE;
        if (streq_ptr(path, "/")) {
                st->st_mode = S_IFDIR | 0755;
                st->st_nlink = 2;
        } else if (streq_ptr(path, DISK_PATH)) {
                st->st_mode = S_IFREG | 0644;
                st->st_nlink = 1;
                st->st_size = (off_t)disk_size_bytes;
                st->st_blocks = (blkcnt_t)((disk_size_bytes + 511) / 512);
        } else
                return -ENOENT;
        return 0;
}

static int faultfs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset,
                           struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
        (void)offset, (void)fi, (void)flags;
        if (!streq_ptr(path, "/"))
                return -ENOTDIR;
        fill(buf, ".", NULL, 0, 0);
        fill(buf, "..", NULL, 0, 0);
        fill(buf, DISK_NAME, NULL, 0, 0);
        return 0;
}

static int faultfs_open(const char *path, struct fuse_file_info *fi)
{
        if (!streq_ptr(path, DISK_PATH))
                return -ENOENT;
        if ((fi->flags & O_TRUNC) && disk_size_bytes > 0)
                return -EPERM; /* with atomic_o_trunc, O_TRUNC arrives here, not as a truncate */
        fi->direct_io = 1;
        return 0;
}

static int faultfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
        (void)fi;
        if (!streq_ptr(path, DISK_PATH))
                return -ENOENT;
        return (uint64_t)size == disk_size_bytes ? 0 : -EPERM;
}

/* Accepted and ignored, so that touch and cp -p do not fail for no reason. */
static int faultfs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
        (void)path, (void)tv, (void)fi;
        return 0;
}

static int faultfs_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
        (void)path, (void)fi;
        if (atomic_load(&is_unplugged) || overlaps_bad_range((uint64_t)offset, size, false))
                return -EIO;
        ssize_t n = pread(backing_fd, buf, size, offset);
        return n < 0 ? -errno : (int)n;
}

static int faultfs_write(const char *path, const char *buf, size_t size, off_t offset,
                         struct fuse_file_info *fi)
{
        (void)path, (void)fi;
        if (atomic_load(&is_unplugged) || overlaps_bad_range((uint64_t)offset, size, true))
                return -EIO;
        if ((uint64_t)offset + size > disk_size_bytes)
                return -EPERM;
        if (has_unplug_limit && written_bytes + size > unplug_after_bytes) {
                atomic_store(&is_unplugged, true);
                return -EIO;
        }
        ssize_t n = pwrite(backing_fd, buf, size, offset);
        if (n < 0)
                return -errno;
        written_bytes += (uint64_t)n;
        /* A lying disk: where writes are dropped, put the old bytes back and still say "done". */
        if (overlaps_dropped_range((uint64_t)offset, size))
                for (size_t i = 0; i < n_bad_ranges; i++) {
                        if (!bad_ranges[i].is_dropped)
                                continue;
                        uint64_t a = bad_ranges[i].offset > (uint64_t)offset ? bad_ranges[i].offset
                                                                             : (uint64_t)offset;
                        uint64_t b = bad_ranges[i].offset + bad_ranges[i].length;
                        if (b > (uint64_t)offset + size)
                                b = (uint64_t)offset + size;
                        if (a >= b)
                                continue;
                        if (pwrite(backing_fd, dropped_copy + (a - bad_ranges[i].offset), b - a, (off_t)a) <
                            0)
                                return -errno;
                }
        return (int)n;
}

static int faultfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
        (void)path, (void)datasync, (void)fi;
        if (atomic_load(&is_unplugged))
                return -EIO;
        return fdatasync(backing_fd) < 0 ? -errno : 0;
}

static const struct fuse_operations faultfs_ops = {
        .getattr = faultfs_getattr,
        .readdir = faultfs_readdir,
        .open = faultfs_open,
        .truncate = faultfs_truncate,
        .utimens = faultfs_utimens,
        .read = faultfs_read,
        .write = faultfs_write,
        .fsync = faultfs_fsync,
};

/* "4096", "64K", "4M", "1G": bytes, with an optional binary suffix. */
static int parse_size(const char *s, uint64_t *ret)
{
        char digits[32];
        size_t n = strlen(s);
        uint64_t unit = 1, v;

        if (n == 0 || n >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, s, n + 1);
        switch (digits[n - 1]) {
        case 'K':
        case 'k':
                unit = UINT64_C(1) << 10;
                break;
        case 'M':
        case 'm':
                unit = UINT64_C(1) << 20;
                break;
        case 'G':
        case 'g':
                unit = UINT64_C(1) << 30;
                break;
        }
        if (unit != 1)
                digits[n - 1] = 0;
        if (parse_u64(digits, &v) < 0 || v > UINT64_MAX / unit)
                return -EINVAL;
        *ret = v * unit;
        return 0;
}

static int parse_bad_range(const char *s, struct byte_range *ret)
{
        char offset_str[32];
        const char *colon = strchr(s, ':');
        uint64_t offset, length;

        if (!colon || (size_t)(colon - s) >= sizeof(offset_str))
                return -EINVAL;
        memcpy(offset_str, s, colon - s);
        offset_str[colon - s] = 0;
        if (parse_size(offset_str, &offset) < 0 || parse_size(colon + 1, &length) < 0 || length == 0 ||
            offset > UINT64_MAX - length)
                return -EINVAL;
        *ret = (struct byte_range){ .offset = offset, .length = length };
        return 0;
}

static int fail(const char *msg, const char *arg)
{
        fprintf(stderr, "kesu-faultfs: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
        return 1;
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                { "bad", required_argument, NULL, 'b' },
                { "bad-write", required_argument, NULL, 'w' },
                { "drop-write", required_argument, NULL, 'd' },
                { "unplug-after", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'b':
                case 'w':
                case 'd':
                        if (n_bad_ranges >= ELEMENTSOF(bad_ranges))
                                return fail("too many --bad ranges", NULL);
                        if (parse_bad_range(optarg, &bad_ranges[n_bad_ranges]) < 0)
                                return fail("--bad wants OFFSET:LENGTH, e.g. 4M:64K", optarg);
                        bad_ranges[n_bad_ranges].is_write_only = c == 'w';
                        bad_ranges[n_bad_ranges].is_dropped = c == 'd';
                        n_bad_ranges++;
                        break;
                case 'u':
                        if (parse_size(optarg, &unplug_after_bytes) < 0)
                                return fail("--unplug-after wants a byte count", optarg);
                        has_unplug_limit = true;
                        break;
                case 'h':
                        printf("Usage: %s [--bad OFFSET:LENGTH]... [--bad-write OFFSET:LENGTH]... "
                               "[--unplug-after BYTES] "
                               "BACKING_FILE MOUNTPOINT\n",
                               argv[0]);
                        return 0;
                default:
                        return 1; /* getopt has said what was wrong */
                }
        }
        if (argc - optind != 2)
                return fail("expected BACKING_FILE MOUNTPOINT (see --help)", NULL);

        _cleanup_close_ int fd = open(argv[optind], O_RDWR | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return fail(strerror(errno), argv[optind]);
        if (!S_ISREG(st.st_mode))
                return fail("backing file is not a regular file", argv[optind]);
        backing_fd = fd;
        disk_size_bytes = (uint64_t)st.st_size;
        for (size_t i = 0; i < n_bad_ranges; i++) {
                if (!bad_ranges[i].is_dropped)
                        continue;
                if (dropped_copy)
                        return fail("only one --drop-write range is supported", NULL);
                if (bad_ranges[i].offset + bad_ranges[i].length > disk_size_bytes)
                        return fail("--drop-write reaches past the end of the backing file", NULL);
                dropped_copy = malloc(bad_ranges[i].length);
                if (!dropped_copy || pread(backing_fd, dropped_copy, bad_ranges[i].length,
                                           (off_t)bad_ranges[i].offset) != (ssize_t)bad_ranges[i].length)
                        return fail("cannot read the --drop-write range", NULL);
        }

        /* The FUSE loop runs in this, the only thread, so a process-directed SIGUSR1 lands here. */
        struct sigaction sa = { .sa_handler = on_sigusr1 };
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGUSR1, &sa, NULL) < 0)
                return fail(strerror(errno), "sigaction");

        /* Not fuse_main(): it reports a stop by SIGTERM as failure, and a test stopping us is not one. */
        char *fuse_argv[] = { argv[0], "-o", "fsname=kesu-faultfs,subtype=kesu-faultfs", NULL };
        struct fuse_args args = FUSE_ARGS_INIT((int)ELEMENTSOF(fuse_argv) - 1, fuse_argv);
        struct fuse *fuse = fuse_new(&args, &faultfs_ops, sizeof(faultfs_ops), NULL);
        if (!fuse)
                return 1; /* libfuse has said why */
        int r = 1;
        if (fuse_mount(fuse, argv[optind + 1]) == 0) {
                struct fuse_session *se = fuse_get_session(fuse);
                if (fuse_set_signal_handlers(se) == 0) {
                        r = fuse_loop(fuse); /* single-threaded, in the foreground */
                        if (r < 0)
                                fprintf(stderr, "kesu-faultfs: %s\n", strerror(-r));
                        r = r < 0 ? 1 : 0; /* 0: unmounted, > 0: stopped by SIGTERM, SIGINT, SIGHUP */
                        fuse_remove_signal_handlers(se);
                }
                fuse_unmount(fuse);
        }
        fuse_destroy(fuse);
        fuse_opt_free_args(&args);
        return r;
}
