/* SPDX-License-Identifier: MIT */
/* Finding disks: libudev enumeration, the udev/kernel monitor, and the whole description. */
#include "wiper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <libudev.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common.h"
#include "purge.h"

bool disk_is_candidate(const char *name, const char *devtype, uint64_t size_bytes, bool is_cdrom,
                       bool is_hidden)
{
        static const char *const skipped_prefixes[] = { "ram", "zram", "dm-", "md", "sr", "fd", "nbd" };

        if (!name || !streq_ptr(devtype, "disk"))
                return false;
        if (size_bytes == 0 || is_cdrom || is_hidden)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(skipped_prefixes); i++)
                if (strncmp(name, skipped_prefixes[i], strlen(skipped_prefixes[i])) == 0)
                        return false;
        /* eMMC boot areas and the replay-protected memory block are not user data areas. */
        if (strncmp(name, "mmcblk", 6) == 0 && (strstr(name, "boot") || strstr(name, "rpmb")))
                return false;
        return true;
}

void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static bool udev_device_is_candidate(struct udev_device *dev)
{
        uint64_t sectors = 0;
        const char *size = udev_device_get_sysattr_value(dev, "size");
        if (!size || parse_u64(size, &sectors) < 0)
                return false;
        const char *hidden = udev_device_get_sysattr_value(dev, "hidden");
        bool is_cdrom = streq_ptr(udev_device_get_property_value(dev, "ID_CDROM"), "1") ||
                        major(udev_device_get_devnum(dev)) == 11;
        /* sysfs "size" counts 512-byte units whatever the sector size. */
        return disk_is_candidate(udev_device_get_sysname(dev), udev_device_get_devtype(dev), sectors * 512,
                                 is_cdrom, streq_ptr(hidden, "1"));
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int disk_enumerate(char ***ret_paths)
{
        struct udev *udev = udev_new();
        if (!udev)
                return -ENOMEM;
        struct udev_enumerate *e = udev_enumerate_new(udev);
        int r = 0;
        char **v = NULL;
        size_t n = 0;
        if (!e) {
                r = -ENOMEM;
                goto out;
        }
        if (udev_enumerate_add_match_subsystem(e, "block") < 0 ||
            udev_enumerate_add_match_property(e, "DEVTYPE", "disk") < 0 ||
            udev_enumerate_scan_devices(e) < 0) {
                r = -EIO;
                goto out;
        }
        struct udev_list_entry *le;
        udev_list_entry_foreach (le, udev_enumerate_get_list_entry(e)) {
                struct udev_device *dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(le));
                if (!dev)
                        continue;
                const char *node = udev_device_get_devnode(dev);
                if (node && udev_device_is_candidate(dev)) {
                        char **nv = realloc(v, (n + 2) * sizeof *nv);
                        if (!nv || !(nv[n] = strdup(node))) {
                                if (nv)
                                        v = nv;
                                udev_device_unref(dev);
                                r = -ENOMEM;
                                goto out;
                        }
                        v = nv;
                        v[++n] = NULL;
                }
                udev_device_unref(dev);
        }
        if (!v) {
                v = calloc(1, sizeof *v);
                if (!v) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        qsort(v, n, sizeof *v, cmp_str);
        *ret_paths = TAKE_PTR(v);
out:
        if (v) {
                v[n] = NULL;
                strv_free(v);
        }
        udev_enumerate_unref(e);
        udev_unref(udev);
        return r;
}

/* ---- the whole description -------------------------------------------------------------------- */

void disk_info_done(struct disk_info *d)
{
        if (!d)
                return;
        disk_identity_done(&d->identity);
        disk_content_done(&d->content);
        disk_protection_done(&d->protection);
        free(d->purge);
        d->purge = NULL;
}

int disk_purge_probe(const struct disk_identity *id, const struct cmd_transport *t, struct purge_caps *ret)
{
        enum purge_family family = purge_family_for(id->transport);
        if (family == PURGE_FAMILY_NONE || !id->is_block_device)
                return -EOPNOTSUPP;
        int fd = -1;
        struct cmd_transport own;
        uint32_t nsid = 1;
        if (!t) {
                /* read-only and not exclusive: a probe sends no command that changes the drive */
                fd = open(id->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                cmd_transport_for_fd(&own, &fd);
                t = &own;
                if (family == PURGE_FAMILY_NVME) {
                        int n = ioctl(fd, NVME_IOCTL_ID);
                        if (n > 0)
                                nsid = (uint32_t)n;
                }
        }
        struct purge_caps caps;
        int r = purge_probe(t, family, nsid, &caps);
        if (fd >= 0)
                close(fd);
        if (r < 0)
                return r;
        *ret = caps;
        return 0;
}

int disk_info_read(const char *path, const struct system_state *s, struct disk_info *ret)
{
        struct disk_info d = { 0 };
        int r = disk_identity_read(path, &d.identity);
        if (r < 0)
                return r;
        r = disk_content_probe(path, d.identity.size_bytes, &d.content);
        /* Unreadable content (a refused open, bad sectors) is unknown content, not a reason to
         * give up on the disk: a damaged disk still has to be described, and erased. */
        if (r < 0 && r != -ENOMEM) {
                d.content = (struct disk_content){ .probe_error = r };
                r = 0;
        }
        if (r < 0 || (r = disk_protection_check(s, &d.identity, &d.protection)) < 0) {
                disk_info_done(&d);
                return r;
        }
        if (purge_family_for(d.identity.transport) != PURGE_FAMILY_NONE && d.identity.is_openable) {
                struct purge_caps caps;
                d.purge_error = disk_purge_probe(&d.identity, NULL, &caps);
                if (d.purge_error == 0) {
                        d.purge = malloc(sizeof *d.purge);
                        if (!d.purge) {
                                disk_info_done(&d);
                                return -ENOMEM;
                        }
                        *d.purge = caps;
                }
        }
        *ret = d;
        return 0;
}

/* ---- the monitor ------------------------------------------------------------------------------ */

struct disk_monitor {
        struct udev *udev;
        struct udev_monitor *mon;
        bool is_udev;
        dev_t *known; /* candidate disks seen so far */
        size_t n_known;
};

const char *disk_event_action_to_string(enum disk_event_action a)
{
        switch (a) {
        case DISK_EVENT_ADD:
                return "add";
        case DISK_EVENT_REMOVE:
                return "remove";
        case DISK_EVENT_CHANGE:
                return "change";
        }
        return "unknown";
}

struct disk_monitor *disk_monitor_free(struct disk_monitor *m)
{
        if (!m)
                return NULL;
        udev_monitor_unref(m->mon);
        udev_unref(m->udev);
        free(m->known);
        free(m);
        return NULL;
}

static ssize_t known_index(const struct disk_monitor *m, dev_t d)
{
        for (size_t i = 0; i < m->n_known; i++)
                if (m->known[i] == d)
                        return (ssize_t)i;
        return -1;
}

static int known_add(struct disk_monitor *m, dev_t d)
{
        if (known_index(m, d) >= 0)
                return 0;
        dev_t *n = realloc(m->known, (m->n_known + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        m->known = n;
        m->known[m->n_known++] = d;
        return 0;
}

int disk_monitor_new(struct disk_monitor **ret)
{
        struct disk_monitor *m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        int r = 0;
        m->udev = udev_new();
        if (!m->udev) {
                r = -ENOMEM;
                goto fail;
        }
        /* With a udev daemon, its events (after rules ran, with by-id links); without one, the
         * kernel's own uevents still say when a disk comes or goes. */
        struct stat st;
        m->is_udev = stat("/run/udev/control", &st) == 0;
        m->mon = udev_monitor_new_from_netlink(m->udev, m->is_udev ? "udev" : "kernel");
        if (!m->mon) {
                r = errno > 0 ? -errno : -EIO;
                goto fail;
        }
        if (udev_monitor_filter_add_match_subsystem_devtype(m->mon, "block", "disk") < 0 ||
            udev_monitor_enable_receiving(m->mon) < 0) {
                r = -EIO;
                goto fail;
        }
        /* Seed the known set after listening starts, so nothing falls between the two. */
        char **paths = NULL;
        if ((r = disk_enumerate(&paths)) < 0)
                goto fail;
        for (char **p = paths; *p; p++) {
                struct stat ps;
                if (stat(*p, &ps) == 0 && (r = known_add(m, ps.st_rdev)) < 0)
                        break;
        }
        strv_free(paths);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        disk_monitor_free(m);
        return r;
}

int disk_monitor_fd(const struct disk_monitor *m)
{
        return udev_monitor_get_fd(m->mon);
}

bool disk_monitor_is_udev(const struct disk_monitor *m)
{
        return m->is_udev;
}

int disk_monitor_receive(struct disk_monitor *m, struct disk_event *ret)
{
        struct udev_device *dev = udev_monitor_receive_device(m->mon);
        if (!dev)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == 0 ? 0 : -errno;

        int r = 0;
        const char *action = udev_device_get_action(dev);
        const char *node = udev_device_get_devnode(dev);
        const char *sysname = udev_device_get_sysname(dev);
        dev_t d = udev_device_get_devnum(dev);
        bool is_candidate = !streq_ptr(action, "remove") && udev_device_is_candidate(dev);
        ssize_t idx = known_index(m, d);
        struct disk_event ev = { 0 };

        /* A loop device or card reader "changes" when a medium comes or goes; report what the
         * user sees: a disk appearing or disappearing. */
        if (is_candidate && idx < 0) {
                if ((r = known_add(m, d)) < 0)
                        goto out;
                ev.action = DISK_EVENT_ADD;
        } else if (!is_candidate && idx >= 0) {
                m->known[idx] = m->known[--m->n_known];
                ev.action = DISK_EVENT_REMOVE;
        } else if (is_candidate && streq_ptr(action, "change"))
                ev.action = DISK_EVENT_CHANGE;
        else
                goto out; /* of no interest: not a candidate before or after */

        if (node)
                snprintf(ev.path, sizeof ev.path, "%s", node);
        else
                snprintf(ev.path, sizeof ev.path, "/dev/%s", sysname ? sysname : "?");
        *ret = ev;
        r = 1;
out:
        udev_device_unref(dev);
        return r;
}
