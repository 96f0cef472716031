/* SPDX-License-Identifier: MIT */
/* Who a disk is: udev properties, sysfs, and the device's own IDENTIFY data. */
#include "wiper-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <limits.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common.h"

static const char *const transport_names[_DISK_TRANSPORT_MAX] = {
        [DISK_TRANSPORT_UNKNOWN] = "unknown", [DISK_TRANSPORT_SATA] = "sata", [DISK_TRANSPORT_SAS] = "sas",
        [DISK_TRANSPORT_SCSI] = "scsi",       [DISK_TRANSPORT_NVME] = "nvme", [DISK_TRANSPORT_USB] = "usb",
        [DISK_TRANSPORT_VIRTIO] = "virtio",   [DISK_TRANSPORT_MMC] = "mmc",   [DISK_TRANSPORT_LOOP] = "loop",
        [DISK_TRANSPORT_FILE] = "file",
};

const char *disk_transport_to_string(enum disk_transport t)
{
        if ((unsigned)t >= _DISK_TRANSPORT_MAX)
                return "unknown";
        return transport_names[t];
}

static const char *const capability_names[_DISK_CAP_COUNT] = {
        "ata-security-erase",  "ata-enhanced-security-erase", "ata-sanitize-crypto",
        "ata-sanitize-block",  "ata-sanitize-overwrite",      "ata-trim",
        "nvme-format",         "nvme-format-crypto",          "nvme-sanitize-crypto",
        "nvme-sanitize-block", "nvme-sanitize-overwrite",
};

const char *disk_capability_to_string(uint32_t cap)
{
        for (unsigned i = 0; i < _DISK_CAP_COUNT; i++)
                if (cap == 1u << i)
                        return capability_names[i];
        return NULL;
}

enum disk_transport disk_transport_from_syspath(const char *name, const char *syspath)
{
        if (!name)
                return DISK_TRANSPORT_UNKNOWN;
        if (strncmp(name, "loop", 4) == 0)
                return DISK_TRANSPORT_LOOP;
        if (strncmp(name, "nvme", 4) == 0)
                return DISK_TRANSPORT_NVME;
        if (strncmp(name, "mmcblk", 6) == 0)
                return DISK_TRANSPORT_MMC;
        if (!syspath)
                return DISK_TRANSPORT_UNKNOWN;
        /* Order matters: a USB-SATA bridge is USB; virtio-scsi disks sit under a SCSI host. */
        if (strstr(syspath, "/usb"))
                return DISK_TRANSPORT_USB;
        if (strstr(syspath, "/nvme"))
                return DISK_TRANSPORT_NVME;
        if (strstr(syspath, "/mmc"))
                return DISK_TRANSPORT_MMC;
        if (strstr(syspath, "/ata"))
                return DISK_TRANSPORT_SATA;
        if (strstr(syspath, "/end_device-") || strstr(syspath, "/sas_") || strstr(syspath, "/expander-"))
                return DISK_TRANSPORT_SAS;
        if (strstr(syspath, "/host") && strstr(syspath, "/target"))
                return DISK_TRANSPORT_SCSI;
        if (strstr(syspath, "/virtio"))
                return DISK_TRANSPORT_VIRTIO;
        return DISK_TRANSPORT_UNKNOWN;
}

void disk_identity_done(struct disk_identity *id)
{
        if (!id)
                return;
        free(id->path);
        free(id->name);
        free(id->by_id);
        free(id->vendor);
        free(id->model);
        free(id->serial);
        free(id->wwn);
        free(id->firmware);
        free(id->backing_file);
        *id = (struct disk_identity){ 0 };
}

static int dup_field(const char *src, char **dst)
{
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int disk_identity_copy(const struct disk_identity *src, struct disk_identity *ret)
{
        struct disk_identity c = *src;
        c.path = c.name = c.by_id = c.vendor = c.model = c.serial = c.wwn = c.firmware = c.backing_file =
                NULL;
        if (dup_field(src->path, &c.path) < 0 || dup_field(src->name, &c.name) < 0 ||
            dup_field(src->by_id, &c.by_id) < 0 || dup_field(src->vendor, &c.vendor) < 0 ||
            dup_field(src->model, &c.model) < 0 || dup_field(src->serial, &c.serial) < 0 ||
            dup_field(src->wwn, &c.wwn) < 0 || dup_field(src->firmware, &c.firmware) < 0 ||
            dup_field(src->backing_file, &c.backing_file) < 0) {
                disk_identity_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

bool disk_identity_same(const struct disk_identity *a, const struct disk_identity *b)
{
        return a->is_block_device == b->is_block_device && a->devnum == b->devnum &&
               a->file_devnum == b->file_devnum && a->file_inode == b->file_inode &&
               a->size_bytes == b->size_bytes && a->logical_sector_bytes == b->logical_sector_bytes &&
               streq_ptr(a->model, b->model) && streq_ptr(a->serial, b->serial) &&
               streq_ptr(a->wwn, b->wwn) && streq_ptr(a->backing_file, b->backing_file);
}

/* Sets *field to a cleaned copy of value unless it is already set or value is blank. */
static int set_if_unset(char **field, const char *value)
{
        if (*field || !value)
                return 0;
        errno = 0;
        *field = strdup_stripped_or_null(value);
        if (!*field && errno == ENOMEM)
                return -ENOMEM;
        return 0;
}

/* Replaces *field with value when value is non-empty (the device's own answer wins). */
static int replace_if_set(char **field, const char *value)
{
        if (!value || !*value)
                return 0;
        char *d = strdup(value);
        if (!d)
                return -ENOMEM;
        free(*field);
        *field = d;
        return 0;
}

static int set_if_unset_udev_enc(char **field, const char *encoded)
{
        if (*field || !encoded)
                return 0;
        _cleanup_free_ char *s = udev_unescape(encoded);
        if (!s)
                return -ENOMEM;
        return set_if_unset(field, s);
}

static int identity_read_file(const char *path, const struct stat *st, struct disk_identity *ret)
{
        if (st->st_size <= 0)
                return -ENOMEDIUM;
        struct disk_identity id = {
                .size_bytes = (uint64_t)st->st_size,
                .logical_sector_bytes = 512,
                .physical_sector_bytes = st->st_blksize >= 512 ? (uint32_t)st->st_blksize : 512,
                .transport = DISK_TRANSPORT_FILE,
                .rotational = TRISTATE_UNKNOWN,
                .removable = TRISTATE_UNKNOWN,
                .ata_security_frozen = TRISTATE_UNKNOWN,
                .file_devnum = st->st_dev,
                .file_inode = st->st_ino,
        };
        id.path = strdup(path);
        if (!id.path)
                return -ENOMEM;
        *ret = id;
        return 0;
}

/* Picks the most readable /dev/disk/by-id/ link from udev's DEVLINKS: a model_serial name over a
 * bare wwn-/eui name. */
static int by_id_from_devlinks(const char *devlinks, char **ret)
{
        _cleanup_free_ char *copy = strdup(devlinks);
        if (!copy)
                return -ENOMEM;
        const char *best = NULL;
        char *save = NULL;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                if (strncmp(tok, "/dev/disk/by-id/", 16) != 0)
                        continue;
                const char *base = tok + 16;
                bool is_plain = strncmp(base, "wwn-", 4) != 0 && strncmp(base, "nvme-eui.", 9) != 0 &&
                                strncmp(base, "nvme-nvme.", 10) != 0;
                if (!best || (is_plain &&
                              (strncmp(best + 16, "wwn-", 4) == 0 || strncmp(best + 16, "nvme-", 5) == 0)))
                        best = tok;
        }
        if (!best)
                return 0;
        *ret = strdup(best);
        return *ret ? 0 : -ENOMEM;
}

/* Without a udev database (no udev daemon), /dev/disk/by-id may still exist; look there. */
static int by_id_from_dev(dev_t devnum, char **ret)
{
        DIR *d = opendir("/dev/disk/by-id");
        if (!d)
                return 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char p[PATH_MAX];
                struct stat st;
                snprintf(p, sizeof p, "/dev/disk/by-id/%s", de->d_name);
                if (stat(p, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != devnum)
                        continue;
                *ret = strdup(p);
                r = *ret ? 0 : -ENOMEM;
                break;
        }
        closedir(d);
        return r;
}

/* SCSI VPD page 0x80 (unit serial number) as sysfs exposes it: 4-byte header, then ASCII. */
static int serial_from_vpd80(struct udev_device *dev, char **field)
{
        if (*field)
                return 0;
        const char *syspath = udev_device_get_syspath(dev);
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/device/vpd_pg80", syspath);
        _cleanup_free_ char *buf = NULL;
        size_t n;
        if (read_full_file(p, &buf, &n) < 0 || n <= 4)
                return 0;
        size_t len = (size_t)((uint8_t)buf[2] << 8 | (uint8_t)buf[3]);
        if (len > n - 4)
                len = n - 4;
        char s[256];
        if (len >= sizeof s)
                len = sizeof s - 1;
        memcpy(s, buf + 4, len);
        s[len] = 0;
        return set_if_unset(field, s);
}

static const char *sysattr(struct udev_device *dev, const char *name)
{
        return udev_device_get_sysattr_value(dev, name);
}

/* The SCSI INQUIRY vendor; virtio and PCI devices put a numeric vendor ID in the same attribute,
 * which names no manufacturer. */
static const char *scsi_vendor(struct udev_device *dev)
{
        const char *v = sysattr(dev, "device/vendor");
        return v && strncmp(v, "0x", 2) != 0 ? v : NULL;
}

static enum tristate tristate_from_attr(const char *v)
{
        if (!v)
                return TRISTATE_UNKNOWN;
        if (streq_ptr(v, "0"))
                return TRISTATE_NO;
        if (streq_ptr(v, "1"))
                return TRISTATE_YES;
        return TRISTATE_UNKNOWN;
}

static char *format_hex_id(const char *prefix, const uint8_t *bytes, size_t n)
{
        size_t len = strlen(prefix) + 2 * n + 1;
        char *s = malloc(len);
        if (!s)
                return NULL;
        size_t o = (size_t)snprintf(s, len, "%s", prefix);
        for (size_t i = 0; i < n; i++)
                o += (size_t)snprintf(s + o, len - o, "%02x", bytes[i]);
        return s;
}

/* Asks the device itself (ATA IDENTIFY, NVMe Identify). The device's answer is the most exact
 * source for model, serial and firmware (SCSI INQUIRY truncates ATA model names to 16 bytes). */
static int identity_query_device(int fd, struct udev_device *dev, struct disk_identity *id)
{
        _cleanup_close_ int fd_dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (fd_dup < 0)
                return -errno;
        struct cmd_transport t;
        cmd_transport_for_fd(&t, &fd_dup);

        if (id->transport == DISK_TRANSPORT_SATA || id->transport == DISK_TRANSPORT_USB) {
                struct ata_identity ata;
                if (ata_identify(&t, &ata) < 0)
                        return 0; /* not an ATA device, or a bridge without SAT: keep what udev said */
                if (replace_if_set(&id->model, ata.model) < 0 ||
                    replace_if_set(&id->serial, ata.serial) < 0 ||
                    replace_if_set(&id->firmware, ata.firmware) < 0)
                        return -ENOMEM;
                if (ata.wwn && !id->wwn) {
                        char wwn[19];
                        snprintf(wwn, sizeof wwn, "0x%016" PRIx64, ata.wwn);
                        if (set_if_unset(&id->wwn, wwn) < 0)
                                return -ENOMEM;
                }
                if (ata.rotational != TRISTATE_UNKNOWN)
                        id->rotational = ata.rotational;
                id->capabilities |= ata.capabilities;
                id->ata_security_frozen = ata.security_frozen;
                /* SAT reports "ATA" as the vendor: that is the protocol, not the manufacturer. */
                if (streq_ptr(id->vendor, "ATA")) {
                        free(id->vendor);
                        id->vendor = NULL;
                }
        } else if (id->transport == DISK_TRANSPORT_NVME) {
                uint64_t nsid = 0;
                const char *v = sysattr(dev, "nsid");
                if (!v || parse_u64(v, &nsid) < 0) {
                        int r = ioctl(fd, NVME_IOCTL_ID);
                        if (r <= 0)
                                return 0;
                        nsid = (uint64_t)r;
                }
                struct nvme_ctrl_identity ctrl;
                struct nvme_ns_identity ns;
                if (nvme_identify(&t, (uint32_t)nsid, &ctrl, &ns) < 0)
                        return 0;
                if (set_if_unset(&id->model, ctrl.model) < 0 || set_if_unset(&id->serial, ctrl.serial) < 0 ||
                    set_if_unset(&id->firmware, ctrl.firmware) < 0)
                        return -ENOMEM;
                if (!id->wwn && (ns.has_nguid || ns.has_eui64)) {
                        id->wwn = ns.has_nguid ? format_hex_id("eui.", ns.nguid, 16)
                                               : format_hex_id("eui.", ns.eui64, 8);
                        if (!id->wwn)
                                return -ENOMEM;
                }
                id->capabilities |= ctrl.capabilities;
        }
        return 0;
}

static int identity_read_block(const char *path, dev_t devnum, struct disk_identity *ret)
{
        uint64_t size_bytes = 0;
        int lsz = 0;
        unsigned psz = 0;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno != EPERM && errno != EACCES)
                return -errno;
        /* The device itself is the authority on its size; when it refuses to be opened, sysfs
         * still tells (below), and the disk comes out protected. */
        if (fd >= 0 && (ioctl(fd, BLKGETSIZE64, &size_bytes) < 0 || ioctl(fd, BLKSSZGET, &lsz) < 0 ||
                        ioctl(fd, BLKPBSZGET, &psz) < 0))
                return -errno;
        if (fd >= 0 && size_bytes == 0)
                return -ENOMEDIUM;

        struct udev *udev = udev_new();
        if (!udev)
                return -ENOMEM;
        struct udev_device *dev = udev_device_new_from_devnum(udev, 'b', devnum);
        if (!dev) {
                int r = errno > 0 ? -errno : -ENODEV;
                udev_unref(udev);
                return r;
        }

        struct disk_identity id = {
                .size_bytes = size_bytes,
                .logical_sector_bytes = (uint32_t)lsz,
                .physical_sector_bytes = psz,
                .is_block_device = true,
                .is_openable = fd >= 0,
                .devnum = devnum,
                .ata_security_frozen = TRISTATE_UNKNOWN,
        };
        int r = 0;

        if (fd < 0) {
                uint64_t sectors = 0, lbs = 0, pbs = 0;
                /* sysfs "size" counts 512-byte units whatever the sector size. */
                if (parse_u64(sysattr(dev, "size"), &sectors) < 0 ||
                    parse_u64(sysattr(dev, "queue/logical_block_size"), &lbs) < 0 ||
                    parse_u64(sysattr(dev, "queue/physical_block_size"), &pbs) < 0) {
                        r = -ENODEV;
                        goto out;
                }
                if (sectors == 0) {
                        r = -ENOMEDIUM;
                        goto out;
                }
                id.size_bytes = sectors * 512;
                id.logical_sector_bytes = (uint32_t)lbs;
                id.physical_sector_bytes = (uint32_t)pbs;
        }

        if (streq_ptr(udev_device_get_devtype(dev), "partition")) {
                r = -EMEDIUMTYPE;
                goto out;
        }

        id.path = strdup(path);
        id.name = strdup(udev_device_get_sysname(dev));
        if (!id.path || !id.name) {
                r = -ENOMEM;
                goto out;
        }
        id.transport = disk_transport_from_syspath(id.name, udev_device_get_syspath(dev));
        id.rotational = tristate_from_attr(sysattr(dev, "queue/rotational"));
        id.removable = tristate_from_attr(sysattr(dev, "removable"));

        /* udev's properties first (when a udev daemon has run), then sysfs. */
        if ((r = set_if_unset_udev_enc(&id.vendor, udev_device_get_property_value(dev, "ID_VENDOR_ENC"))) <
                    0 ||
            (r = set_if_unset(&id.vendor, scsi_vendor(dev))) < 0 ||
            (r = set_if_unset_udev_enc(&id.model, udev_device_get_property_value(dev, "ID_MODEL_ENC"))) <
                    0 ||
            (r = set_if_unset(&id.model, sysattr(dev, "device/model"))) < 0 ||
            (r = set_if_unset(&id.model, sysattr(dev, "device/name"))) < 0 || /* MMC */
            (r = set_if_unset(&id.serial, udev_device_get_property_value(dev, "ID_SERIAL_SHORT"))) < 0 ||
            (r = set_if_unset(&id.serial, sysattr(dev, "serial"))) < 0 ||        /* virtio */
            (r = set_if_unset(&id.serial, sysattr(dev, "device/serial"))) < 0 || /* NVMe, MMC */
            (r = serial_from_vpd80(dev, &id.serial)) < 0 ||                      /* SCSI */
            (r = set_if_unset(&id.wwn, udev_device_get_property_value(dev, "ID_WWN_WITH_EXTENSION"))) < 0 ||
            (r = set_if_unset(&id.wwn, udev_device_get_property_value(dev, "ID_WWN"))) < 0 ||
            (r = set_if_unset(&id.wwn, sysattr(dev, "wwid"))) < 0 ||        /* NVMe */
            (r = set_if_unset(&id.wwn, sysattr(dev, "device/wwid"))) < 0 || /* SCSI */
            (r = set_if_unset(&id.firmware, udev_device_get_property_value(dev, "ID_REVISION"))) < 0 ||
            (r = set_if_unset(&id.firmware, sysattr(dev, "device/rev"))) < 0 ||
            (r = set_if_unset(&id.firmware, sysattr(dev, "device/firmware_rev"))) < 0)
                goto out;
        if (id.transport == DISK_TRANSPORT_LOOP &&
            (r = set_if_unset(&id.backing_file, sysattr(dev, "loop/backing_file"))) < 0)
                goto out;

        const char *devlinks = udev_device_get_property_value(dev, "DEVLINKS");
        r = devlinks ? by_id_from_devlinks(devlinks, &id.by_id) : by_id_from_dev(devnum, &id.by_id);
        if (r < 0)
                goto out;

        if (fd >= 0 && (r = identity_query_device(fd, dev, &id)) < 0)
                goto out;

        *ret = id;
        id = (struct disk_identity){ 0 };
out:
        disk_identity_done(&id);
        udev_device_unref(dev);
        udev_unref(udev);
        return r;
}

int disk_identity_read(const char *path, struct disk_identity *ret)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode))
                return identity_read_file(path, &st, ret);
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        return identity_read_block(path, st.st_rdev, ret);
}
