/* SPDX-License-Identifier: MIT */
/* What is on a disk, by libblkid: partition table, partitions, file systems. Read-only. */
#include "wiper.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

void disk_content_done(struct disk_content *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_entries; i++) {
                struct disk_content_entry *e = &c->entries[i];
                free(e->part_type);
                free(e->part_name);
                free(e->part_uuid);
                free(e->fs_type);
                free(e->fs_label);
                free(e->fs_uuid);
        }
        free(c->entries);
        free(c->table_type);
        free(c->table_uuid);
        *c = (struct disk_content){ 0 };
}

static int dup_or_null(const char *s, char **ret)
{
        *ret = NULL;
        if (!s || !*s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Looks for a file system (or swap, RAID/LVM/LUKS superblock) in [offset, offset+size). */
static int probe_superblock(int fd, uint64_t offset, uint64_t size, struct disk_content_entry *e)
{
        blkid_probe pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;
        int r = 0;
        if (blkid_probe_set_device(pr, fd, (blkid_loff_t)offset, (blkid_loff_t)size) < 0) {
                r = -EIO;
                goto out;
        }
        blkid_probe_enable_partitions(pr, 0);
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);

        int rc = blkid_do_safeprobe(pr);
        if (rc == 0) {
                const char *v;
                if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0 &&
                    (r = dup_or_null(v, &e->fs_type)) < 0)
                        goto out;
                if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0 &&
                    (r = dup_or_null(v, &e->fs_label)) < 0)
                        goto out;
                if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0 &&
                    (r = dup_or_null(v, &e->fs_uuid)) < 0)
                        goto out;
        } else if (rc == -2) {
                /* Two signatures claim the area: say so rather than guess. */
                r = dup_or_null("ambivalent", &e->fs_type);
        } else if (rc < 0)
                r = -EIO;
out:
        blkid_free_probe(pr);
        return r;
}

static int content_from_partitions(int fd, blkid_probe pr, struct disk_content *c)
{
        blkid_partlist ls = blkid_probe_get_partitions(pr);
        if (!ls)
                return 0;
        blkid_parttable tab = blkid_partlist_get_table(ls);
        int r;
        if (tab) {
                if ((r = dup_or_null(blkid_parttable_get_type(tab), &c->table_type)) < 0 ||
                    (r = dup_or_null(blkid_parttable_get_id(tab), &c->table_uuid)) < 0)
                        return r;
        }
        int n = blkid_partlist_numof_partitions(ls);
        if (n <= 0)
                return 0;
        c->entries = calloc((size_t)n, sizeof *c->entries);
        if (!c->entries)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                blkid_partition par = blkid_partlist_get_partition(ls, i);
                if (!par)
                        continue;
                struct disk_content_entry *e = &c->entries[c->n_entries++];
                /* libblkid counts partition offsets in 512-byte sectors whatever the sector size. */
                e->number = (unsigned)blkid_partition_get_partno(par);
                e->offset_bytes = (uint64_t)blkid_partition_get_start(par) * 512;
                e->size_bytes = (uint64_t)blkid_partition_get_size(par) * 512;
                const char *type = blkid_partition_get_type_string(par);
                char mbr_type[8];
                if (!type) {
                        snprintf(mbr_type, sizeof mbr_type, "0x%02x", blkid_partition_get_type(par));
                        type = mbr_type;
                }
                if ((r = dup_or_null(type, &e->part_type)) < 0 ||
                    (r = dup_or_null(blkid_partition_get_name(par), &e->part_name)) < 0 ||
                    (r = dup_or_null(blkid_partition_get_uuid(par), &e->part_uuid)) < 0)
                        return r;
                /* An extended partition only holds other partitions. */
                if (blkid_partition_is_extended(par))
                        continue;
                /* One unreadable partition (bad sectors) leaves its file system unknown; the
                 * partition list stays. */
                if ((r = probe_superblock(fd, e->offset_bytes, e->size_bytes, e)) == -ENOMEM)
                        return r;
        }
        return 0;
}

int disk_content_probe(const char *path, uint64_t size_bytes, struct disk_content *ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        struct disk_content c = { 0 };
        int r = 0;
        blkid_probe pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;
        if (blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)size_bytes) < 0) {
                r = -EIO;
                goto out;
        }
        blkid_probe_enable_superblocks(pr, 0);
        blkid_probe_enable_partitions(pr, 1);
        blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
        int rc = blkid_do_safeprobe(pr);
        if (rc < 0 && rc != -2) {
                r = -EIO;
                goto out;
        }
        if (rc == 0 && (r = content_from_partitions(fd, pr, &c)) < 0)
                goto out;

        if (!c.table_type && c.n_entries == 0) {
                /* No partition table: maybe a file system (or swap, LVM…) on the whole device. */
                free(c.entries);
                c.entries = calloc(1, sizeof *c.entries);
                if (!c.entries) {
                        r = -ENOMEM;
                        goto out;
                }
                c.n_entries = 1; /* owned from here on, so disk_content_done() frees it */
                c.entries[0].size_bytes = size_bytes;
                if ((r = probe_superblock(fd, 0, size_bytes, &c.entries[0])) < 0)
                        goto out;
                if (!c.entries[0].fs_type) {
                        free(c.entries[0].fs_label);
                        free(c.entries[0].fs_uuid);
                        free(c.entries);
                        c.entries = NULL;
                        c.n_entries = 0;
                }
        }
        *ret = c;
        c = (struct disk_content){ 0 };
out:
        disk_content_done(&c);
        blkid_free_probe(pr);
        return r;
}
