/* SPDX-License-Identifier: MIT */
/* Residual signatures: whatever libblkid (and a direct look for GPT headers) still recognises. */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "common.h"
#include "verifier.h"

struct findings {
        char **v;
        size_t n;
};

static int add_finding(struct findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_finding(struct findings *f, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        for (size_t i = 0; i < f->n; i++)
                if (strcmp(f->v[i], buf) == 0)
                        return 0;
        char **n = realloc(f->v, (f->n + 2) * sizeof *n);
        if (!n)
                return -ENOMEM;
        f->v = n;
        if (!(f->v[f->n] = strdup(buf)))
                return -ENOMEM;
        f->v[++f->n] = NULL;
        return 0;
}

/* Every signature libblkid finds in [offset, offset+len), one after the other, as wipefs lists
 * them (BLKID_SUBLKS_MAGIC gives each one's offset). */
static int probe_all(int fd, uint64_t offset, uint64_t len, bool is_whole, struct findings *f)
{
        blkid_probe pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;
        int r = 0;
        if (blkid_probe_set_device(pr, fd, (blkid_loff_t)offset, (blkid_loff_t)len) < 0) {
                r = -EIO;
                goto out;
        }
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_MAGIC |
                                                      BLKID_SUBLKS_BADCSUM);
        blkid_probe_enable_partitions(pr, is_whole);
        if (is_whole)
                /* also a GPT without its protective MBR, and a lone backup header */
                blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);

        while (blkid_do_probe(pr) == 0) {
                const char *type = NULL, *label = NULL, *magic_off = NULL;
                if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
                        blkid_probe_lookup_value(pr, "LABEL", &label, NULL);
                        blkid_probe_lookup_value(pr, "SBMAGIC_OFFSET", &magic_off, NULL);
                        uint64_t at = offset + (magic_off ? strtoull(magic_off, NULL, 10) : 0);
                        r = label && *label
                                    ? add_finding(f, "%s signature \"%s\" (magic at byte %" PRIu64 ")", type,
                                                  label, at)
                                    : add_finding(f, "%s signature (magic at byte %" PRIu64 ")", type, at);
                } else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
                        blkid_probe_lookup_value(pr, "PTMAGIC_OFFSET", &magic_off, NULL);
                        uint64_t at = offset + (magic_off ? strtoull(magic_off, NULL, 10) : 0);
                        r = add_finding(f, "%s partition table (magic at byte %" PRIu64 ")", type, at);
                }
                if (r < 0)
                        break;
        }
out:
        blkid_free_probe(pr);
        return r;
}

/* "EFI PART" at the primary (LBA 1) or backup (last LBA) header place, for 512- and 4096-byte
 * sectors alike: a surviving header lets tools rebuild the partition table. */
static int probe_gpt_headers(int fd, uint64_t size, struct findings *f)
{
        static const uint32_t sectors[] = { 512, 4096 };
        for (size_t i = 0; i < ELEMENTSOF(sectors); i++) {
                uint64_t at[2] = { sectors[i],
                                   size >= sectors[i] ? (size / sectors[i] - 1) * sectors[i] : 0 };
                for (size_t k = 0; k < 2; k++) {
                        char sig[8];
                        if (at[k] + sizeof sig > size ||
                            pread(fd, sig, sizeof sig, (off_t)at[k]) != sizeof sig)
                                continue;
                        if (memcmp(sig, "EFI PART", 8) != 0)
                                continue;
                        int r = add_finding(f, "%s GPT header (at byte %" PRIu64 ")",
                                            k ? "backup" : "primary", at[k]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int verify_residual_probe(const char *path, uint64_t size_bytes, uint32_t sector_bytes,
                          const struct verify_extent *areas, size_t n_areas, char ***ret_findings,
                          size_t *ret_n)
{
        (void)sector_bytes;
        /* Buffered reads: libblkid reads small odd-sized pieces that O_DIRECT would refuse. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct findings f = { 0 };
        int r = probe_all(fd, 0, size_bytes, true, &f);
        for (size_t i = 0; r >= 0 && i < n_areas; i++) {
                if (areas[i].offset >= size_bytes)
                        continue;
                uint64_t len = areas[i].len < size_bytes - areas[i].offset ? areas[i].len
                                                                           : size_bytes - areas[i].offset;
                r = probe_all(fd, areas[i].offset, len, false, &f);
        }
        if (r >= 0)
                r = probe_gpt_headers(fd, size_bytes, &f);
        if (r < 0) {
                for (size_t i = 0; i < f.n; i++)
                        free(f.v[i]);
                free(f.v);
                return r;
        }
        *ret_findings = f.v;
        *ret_n = f.n;
        return 0;
}
