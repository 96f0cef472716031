/* SPDX-License-Identifier: MIT */
/* The safety guards: which disks must never be erased, and why. */
#include "wiper-internal.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common.h"

/* ---- reading what the system uses ----------------------------------------------------------- */

/* Undoes the kernel's octal escapes (\040 for space) in place. */
static void unescape_octal(char *s)
{
        char *o = s;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 4;
                } else
                        *o++ = *s++;
        }
        *o = 0;
}

static dev_t block_devnum_of(const char *path)
{
        struct stat st;
        if (!path || path[0] != '/' || stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
                return 0;
        return st.st_rdev;
}

int mountinfo_parse_line(const char *line, struct sys_mount *ret)
{
        /* "36 35 98:0 /root /mnt rw,noatime shared:1 - ext3 /dev/sda1 rw" */
        unsigned maj, min;
        int n = 0;
        if (sscanf(line, "%*u %*u %u:%u %*s %n", &maj, &min, &n) != 2 || n == 0)
                return -EINVAL;
        const char *p = line + n;
        const char *sp = strchr(p, ' ');
        if (!sp)
                return -EINVAL;
        const char *sep = strstr(sp, " - ");
        if (!sep)
                return -EINVAL;
        const char *fstype = sep + 3;
        const char *src = strchr(fstype, ' ');
        if (!src)
                return -EINVAL;
        src++;
        const char *src_end = strchr(src, ' ');
        size_t src_len = src_end ? (size_t)(src_end - src) : strlen(src);
        while (src_len > 0 && (src[src_len - 1] == '\n'))
                src_len--;

        struct sys_mount m = { .devnum = makedev(maj, min) };
        m.target = strndup(p, (size_t)(sp - p));
        m.source = strndup(src, src_len);
        if (!m.target || !m.source) {
                free(m.target);
                free(m.source);
                return -ENOMEM;
        }
        unescape_octal(m.target);
        unescape_octal(m.source);
        m.source_devnum = block_devnum_of(m.source);
        *ret = m;
        return 0;
}

static int read_mounts(struct system_state *s)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -errno;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                struct sys_mount m;
                if (mountinfo_parse_line(line, &m) < 0)
                        continue;
                struct sys_mount *n = realloc(s->mounts, (s->n_mounts + 1) * sizeof *n);
                if (!n) {
                        free(m.source);
                        free(m.target);
                        return -ENOMEM;
                }
                s->mounts = n;
                s->mounts[s->n_mounts++] = m;
        }
        return 0;
}

static int read_swaps(struct system_state *s)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/swaps", "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        bool is_header = true;
        while (getline(&line, &cap, f) > 0) {
                if (is_header) {
                        is_header = false;
                        continue;
                }
                char *end = strpbrk(line, " \t\n");
                if (end)
                        *end = 0;
                if (!*line)
                        continue;
                unescape_octal(line);
                struct sys_swap w = { 0 };
                struct stat st;
                if (stat(line, &st) < 0)
                        continue;
                w.is_block_device = S_ISBLK(st.st_mode);
                w.devnum = w.is_block_device ? st.st_rdev : st.st_dev;
                w.inode = st.st_ino;
                w.path = strdup(line);
                struct sys_swap *n = w.path ? realloc(s->swaps, (s->n_swaps + 1) * sizeof *n) : NULL;
                if (!n) {
                        free(w.path);
                        return -ENOMEM;
                }
                s->swaps = n;
                s->swaps[s->n_swaps++] = w;
        }
        return 0;
}

static int read_loops(struct system_state *s)
{
        DIR *d = opendir("/sys/block");
        if (!d)
                return -errno;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "loop", 4) != 0)
                        continue;
                char p[PATH_MAX];
                _cleanup_free_ char *backing = NULL, *dev = NULL;
                snprintf(p, sizeof p, "/sys/block/%s/loop/backing_file", de->d_name);
                if (read_one_line_file(p, &backing) < 0)
                        continue; /* not attached */
                snprintf(p, sizeof p, "/sys/block/%s/dev", de->d_name);
                unsigned maj, min;
                if (read_one_line_file(p, &dev) < 0 || sscanf(dev, "%u:%u", &maj, &min) != 2)
                        continue;
                struct sys_loop l = { .devnum = makedev(maj, min) };
                /* The kernel's own record of the backing file first: the path in sysfs may be
                 * "(deleted)", renamed, or out of this mount namespace's reach. */
                struct loop_info64 info;
                snprintf(p, sizeof p, "/dev/%s", de->d_name);
                _cleanup_close_ int fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == l.devnum &&
                    ioctl(fd, LOOP_GET_STATUS64, &info) == 0)
                        sys_loop_set_backing(&l, info.lo_device, info.lo_inode, info.lo_rdevice);
                else if (stat(backing, &st) == 0) {
                        l.backing_is_block_device = S_ISBLK(st.st_mode);
                        l.backing_devnum = l.backing_is_block_device ? st.st_rdev : st.st_dev;
                        l.backing_inode = st.st_ino;
                }
                l.name = strdup(de->d_name);
                l.backing_path = TAKE_PTR(backing);
                struct sys_loop *n = l.name ? realloc(s->loops, (s->n_loops + 1) * sizeof *n) : NULL;
                if (!n) {
                        free(l.name);
                        free(l.backing_path);
                        r = -ENOMEM;
                        break;
                }
                s->loops = n;
                s->loops[s->n_loops++] = l;
        }
        closedir(d);
        return r;
}

dev_t kernel_dev_decode(uint64_t v)
{
        /* new_decode_dev() of include/linux/kdev_t.h: mmmM MMmm (12-bit major, 20-bit minor) */
        return makedev((unsigned)((v & 0xfff00) >> 8), (unsigned)((v & 0xff) | ((v >> 12) & 0xfff00)));
}

void sys_loop_set_backing(struct sys_loop *l, uint64_t lo_device, uint64_t lo_inode, uint64_t lo_rdevice)
{
        /* Only device nodes have an rdev, and a loop device's backing node can only be a block
         * device. */
        l->backing_is_block_device = lo_rdevice != 0;
        l->backing_devnum = kernel_dev_decode(lo_rdevice != 0 ? lo_rdevice : lo_device);
        l->backing_inode = (ino_t)lo_inode;
}

bool sys_loop_is_on(const struct sys_loop *l, dev_t d)
{
        /* Block backing: that device. File backing: backing_devnum is the file system holding it. */
        return d != 0 && l->backing_devnum == d;
}

bool sys_loop_backs_file(const struct sys_loop *l, dev_t file_devnum, ino_t file_inode)
{
        return !l->backing_is_block_device && l->backing_devnum == file_devnum &&
               l->backing_inode == file_inode;
}

static int add_boot_devnum(struct system_state *s, dev_t d)
{
        if (d == 0)
                return 0;
        for (size_t i = 0; i < s->n_boot_devnums; i++)
                if (s->boot_devnums[i] == d)
                        return 0;
        dev_t *n = realloc(s->boot_devnums, (s->n_boot_devnums + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        s->boot_devnums = n;
        s->boot_devnums[s->n_boot_devnums++] = d;
        return 0;
}

/* Where live systems (Debian live-boot, dracut, casper) mount the medium they booted from. */
static const char *const boot_medium_mountpoints[] = {
        "/run/live/medium", "/lib/live/mount/medium", "/run/initramfs/live", "/cdrom", "/run/kesu/boot",
};

static int read_boot_medium(struct system_state *s)
{
        int r;
        for (size_t i = 0; i < s->n_mounts; i++)
                for (size_t j = 0; j < ELEMENTSOF(boot_medium_mountpoints); j++)
                        if (streq_ptr(s->mounts[i].target, boot_medium_mountpoints[j])) {
                                dev_t d = s->mounts[i].source_devnum ? s->mounts[i].source_devnum
                                                                     : s->mounts[i].devnum;
                                if (major(d) != 0 && (r = add_boot_devnum(s, d)) < 0)
                                        return r;
                        }

        /* The kernel command line names the boot medium: kesu.boot=LABEL=…/UUID=…/path (set by the
         * image), and root=. */
        _cleanup_free_ char *cmdline = NULL;
        if (read_one_line_file("/proc/cmdline", &cmdline) < 0)
                return 0;
        char *save = NULL;
        for (char *tok = strtok_r(cmdline, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                if (strcmp(tok, "--") == 0)
                        break; /* the rest belongs to init */
                const char *spec = NULL;
                if (strncmp(tok, "kesu.boot=", 10) == 0)
                        spec = tok + 10;
                else if (strncmp(tok, "root=", 5) == 0)
                        spec = tok + 5;
                if (!spec || !*spec)
                        continue;
                char *dev = blkid_evaluate_spec(spec, NULL);
                if (!dev)
                        continue;
                r = add_boot_devnum(s, block_devnum_of(dev));
                free(dev);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void read_root(struct system_state *s)
{
        struct stat st;
        if (stat("/", &st) < 0)
                return;
        if (major(st.st_dev) != 0) {
                s->root_devnum = st.st_dev;
                return;
        }
        /* btrfs, overlay and friends report an anonymous device: use the mount's source. */
        for (size_t i = s->n_mounts; i > 0; i--)
                if (s->mounts[i - 1].devnum == st.st_dev && streq_ptr(s->mounts[i - 1].target, "/")) {
                        s->root_devnum = s->mounts[i - 1].source_devnum;
                        return;
                }
}

void system_state_done(struct system_state *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].source);
                free(s->mounts[i].target);
        }
        free(s->mounts);
        for (size_t i = 0; i < s->n_swaps; i++)
                free(s->swaps[i].path);
        free(s->swaps);
        for (size_t i = 0; i < s->n_loops; i++) {
                free(s->loops[i].name);
                free(s->loops[i].backing_path);
        }
        free(s->loops);
        free(s->boot_devnums);
        *s = (struct system_state){ 0 };
}

int system_state_read(struct system_state *ret)
{
        struct system_state s = { 0 };
        int r;
        if ((r = read_mounts(&s)) < 0 || (r = read_swaps(&s)) < 0 || (r = read_loops(&s)) < 0 ||
            (r = read_boot_medium(&s)) < 0) {
                system_state_done(&s);
                return r;
        }
        read_root(&s);
        *ret = s;
        return 0;
}

/* ---- the stack of block devices on a disk ---------------------------------------------------- */

void disk_stack_done(struct disk_stack *st)
{
        if (!st)
                return;
        for (size_t i = 0; i < st->n; i++)
                free(st->names[i]);
        free(st->names);
        free(st->devnums);
        *st = (struct disk_stack){ 0 };
}

static bool stack_has(const struct disk_stack *st, dev_t d)
{
        for (size_t i = 0; i < st->n; i++)
                if (st->devnums[i] == d)
                        return true;
        return false;
}

static int stack_add(struct disk_stack *st, const char *name)
{
        char p[PATH_MAX];
        _cleanup_free_ char *dev = NULL;
        unsigned maj, min;
        snprintf(p, sizeof p, "/sys/class/block/%s/dev", name);
        if (read_one_line_file(p, &dev) < 0 || sscanf(dev, "%u:%u", &maj, &min) != 2)
                return 0; /* vanished meanwhile */
        dev_t d = makedev(maj, min);
        if (stack_has(st, d))
                return 0;
        dev_t *nd = realloc(st->devnums, (st->n + 1) * sizeof *nd);
        if (!nd)
                return -ENOMEM;
        st->devnums = nd;
        char **nn = realloc(st->names, (st->n + 1) * sizeof *nn);
        if (!nn)
                return -ENOMEM;
        st->names = nn;
        st->names[st->n] = strdup(name);
        if (!st->names[st->n])
                return -ENOMEM;
        st->devnums[st->n++] = d;
        return 1;
}

/* Adds every entry of /sys/class/block/NAME/SUB (holders/) to the stack. */
static int stack_add_dir(struct disk_stack *st, const char *name, const char *sub)
{
        char p[PATH_MAX];
        snprintf(p, sizeof p, "/sys/class/block/%s/%s", name, sub);
        DIR *d = opendir(p);
        if (!d)
                return 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && (r = stack_add(st, de->d_name)) < 0)
                        break;
        closedir(d);
        return r < 0 ? r : 0;
}

static int stack_add_partitions(struct disk_stack *st, const char *name)
{
        char p[PATH_MAX];
        snprintf(p, sizeof p, "/sys/class/block/%s", name);
        DIR *d = opendir(p);
        if (!d)
                return 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char q[PATH_MAX];
                struct stat st_;
                snprintf(q, sizeof q, "/sys/class/block/%s/%s/partition", name, de->d_name);
                if (stat(q, &st_) == 0 && (r = stack_add(st, de->d_name)) < 0)
                        break;
        }
        closedir(d);
        return r < 0 ? r : 0;
}

int disk_stack_read(const struct disk_identity *id, const struct system_state *s, struct disk_stack *ret)
{
        struct disk_stack st = { 0 };
        int r = 0;
        if (!id->is_block_device || !id->name) {
                *ret = st;
                return 0;
        }
        if ((r = stack_add(&st, id->name)) < 0 || (r = stack_add_partitions(&st, id->name)) < 0)
                goto fail;
        st.n_partitions = st.n > 0 ? st.n - 1 : 0;
        /* Walk upward: holders (dm, md) and loop devices whose backing file is one of ours or lives
         * on one of ours (losetup opens without O_EXCL, so our own exclusive open does not keep
         * them away), until nothing new turns up. */
        for (size_t i = 0; i < st.n; i++) {
                if ((r = stack_add_dir(&st, st.names[i], "holders")) < 0)
                        goto fail;
                for (size_t j = 0; j < s->n_loops; j++)
                        if (sys_loop_is_on(&s->loops[j], st.devnums[i])) {
                                if ((r = stack_add(&st, s->loops[j].name)) < 0)
                                        goto fail;
                                if ((r = stack_add_partitions(&st, s->loops[j].name)) < 0)
                                        goto fail;
                        }
                if (i > st.n_partitions && (r = stack_add_partitions(&st, st.names[i])) < 0)
                        goto fail;
        }
        *ret = st;
        return 0;
fail:
        disk_stack_done(&st);
        return r;
}

/* ---- the rules ------------------------------------------------------------------------------- */

struct reasons {
        char *text;
        size_t len;
        int error;
};

static void reasons_add(struct reasons *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reasons_add(struct reasons *rs, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (rs->error)
                return;
        if (rs->text && strstr(rs->text, buf))
                return;
        size_t add = strlen(buf) + (rs->len ? 2 : 0);
        char *n = realloc(rs->text, rs->len + add + 1);
        if (!n) {
                rs->error = -ENOMEM;
                return;
        }
        rs->text = n;
        snprintf(rs->text + rs->len, add + 1, "%s%s", rs->len ? "; " : "", buf);
        rs->len += add;
}

int disk_protection_evaluate(const struct system_state *s, const struct disk_identity *id,
                             const struct disk_stack *stack, int exclusive_open_error,
                             struct disk_protection *ret)
{
        struct reasons rs = { 0 };

        if (!id->is_block_device) {
                for (size_t i = 0; i < s->n_swaps; i++)
                        if (!s->swaps[i].is_block_device && s->swaps[i].devnum == id->file_devnum &&
                            s->swaps[i].inode == id->file_inode)
                                reasons_add(&rs, "is active swap");
                for (size_t i = 0; i < s->n_loops; i++)
                        if (sys_loop_backs_file(&s->loops[i], id->file_devnum, id->file_inode))
                                reasons_add(&rs, "backs /dev/%s", s->loops[i].name);
        }

        for (size_t k = 0; k < stack->n; k++) {
                dev_t d = stack->devnums[k];
                const char *name = stack->names[k];
                if (d == s->root_devnum)
                        reasons_add(&rs, "/dev/%s holds the running root file system (/)", name);
                for (size_t i = 0; i < s->n_boot_devnums; i++)
                        if (d == s->boot_devnums[i])
                                reasons_add(&rs, "/dev/%s holds the boot medium", name);
                for (size_t i = 0; i < s->n_mounts; i++)
                        if (s->mounts[i].devnum == d || s->mounts[i].source_devnum == d)
                                reasons_add(&rs, "/dev/%s is mounted at %s", name, s->mounts[i].target);
                for (size_t i = 0; i < s->n_swaps; i++)
                        if (s->swaps[i].is_block_device && s->swaps[i].devnum == d)
                                reasons_add(&rs, "/dev/%s is active swap", name);
                if (k > stack->n_partitions)
                        reasons_add(&rs, "/dev/%s is stacked on it", name);
        }

        /* Last, and only when nothing above explains it: a mount or holder also makes O_EXCL fail. */
        if (exclusive_open_error == -EBUSY && !rs.text)
                reasons_add(&rs, "opened exclusively by another program");
        else if (exclusive_open_error < 0 && !rs.text)
                reasons_add(&rs, "cannot be opened exclusively (%s)", strerror(-exclusive_open_error));

        if (rs.error) {
                free(rs.text);
                return rs.error;
        }
        *ret = (struct disk_protection){ .is_protected = rs.text != NULL, .reason = rs.text };
        return 0;
}

void disk_protection_done(struct disk_protection *p)
{
        if (!p)
                return;
        free(p->reason);
        *p = (struct disk_protection){ 0 };
}

int disk_protection_check(const struct system_state *s, const struct disk_identity *id,
                          struct disk_protection *ret)
{
        struct disk_stack st;
        int r = disk_stack_read(id, s, &st);
        if (r < 0)
                return r;
        int excl_error = 0;
        if (id->is_block_device) {
                /* The kernel refuses O_EXCL while anyone else holds the device exclusively (a
                 * mount, a dm/md/LVM holder, another erasing program). Read-only: never writes. */
                int fd = open(id->path, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        excl_error = -errno;
                else
                        close(fd);
        }
        r = disk_protection_evaluate(s, id, &st, excl_error, ret);
        disk_stack_done(&st);
        return r;
}

int disk_protection_recheck(const struct disk_identity *id, struct disk_protection *ret)
{
        struct system_state s;
        int r = system_state_read(&s);
        if (r < 0)
                return r;
        struct disk_stack st;
        r = disk_stack_read(id, &s, &st);
        if (r >= 0) {
                /* The caller holds the exclusive open: no test open here (it would fail on us). */
                r = disk_protection_evaluate(&s, id, &st, 0, ret);
                disk_stack_done(&st);
        }
        system_state_done(&s);
        return r;
}
