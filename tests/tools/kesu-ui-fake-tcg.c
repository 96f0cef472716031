/* SPDX-License-Identifier: MIT */
/*
 * The fake drive behind kesu-ui-fake-tcg: `kesu` built again from the same sources with
 * KESU_TEST_FAKE_DRIVES (test-only, never installed; the installed kesu has none of this), in which
 * the loop device named by KESU_TEST_FAKE_TCG_DEVICE is shown as a self-encrypting NVMe drive: its
 * purge commands are asked through a fake NVMe controller carrying the fake TPer (tests/fake), and a
 * disposal sends the drive's commands there, while every byte read, fingerprinted and certified is
 * the loop device's own. No TCG drive can be emulated anywhere, so this is how the screen's PSID
 * step (tests/integration/test-tui-tcg.sh) meets a drive at all.
 *
 * The drive: Opal 2, owned (SID "owner-sid-fake"), locking enabled, a range locked, PSID
 * "0123456789ABCDEFGHJKLMNPQRSTUVWX" with TryLimit 5; a revert fills the loop device with random
 * bytes (a new media key). The state lives in the screen's process; the disposal's runner, forked
 * from it, takes a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fake-nvme.h"
#include "fake-tper.h"
#include "purge.h"
#include "ui.h"

static struct {
        bool is_made;
        struct fake_medium medium;
        struct fake_tper *tper;
        struct fake_nvme *nvme;
        struct cmd_transport t;
} fake;

static int make(const char *path)
{
        int fd = open(path, O_RDWR | O_CLOEXEC);
        uint64_t bytes = 0;
        if (fd < 0)
                return -errno;
        if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
                close(fd);
                return -errno;
        }
        fake.medium = (struct fake_medium){ .fd = fd, .bytes = bytes };
        struct fake_tper_config tc = { .ssc = TCG_SSC_OPAL2, .is_locking_enabled = true, .is_range_locked = true,
                                       .msid = "MSID-FAKE-0000001", .sid = "owner-sid-fake",
                                       .psid = "0123456789ABCDEFGHJKLMNPQRSTUVWX", .sid_try_limit = 5,
                                       .psid_try_limit = 5, .medium = &fake.medium };
        int r = fake_tper_new(&tc, &fake.tper);
        if (r < 0)
                return r;
        struct fake_nvme_config nc = { .medium = fake.medium, .tper = fake.tper };
        if ((r = fake_nvme_new(&nc, &fake.nvme)) < 0)
                return r;
        fake_nvme_transport(fake.nvme, &fake.t);
        fake.is_made = true;
        return 0;
}

void ui_test_fake_drives(struct disk_info *disks, size_t n)
{
        const char *dev = getenv("KESU_TEST_FAKE_TCG_DEVICE");
        for (size_t i = 0; dev && i < n; i++) {
                struct disk_info *d = &disks[i];
                if (!d->identity.path || strcmp(d->identity.path, dev) != 0)
                        continue;
                if (!fake.is_made && make(dev) < 0)
                        return;
                d->identity.transport = DISK_TRANSPORT_NVME;
                free(d->purge);
                d->purge = malloc(sizeof *d->purge);
                if (!d->purge)
                        return;
                d->purge_error = disk_purge_probe(&d->identity, &fake.t, d->purge);
                if (d->purge_error < 0) {
                        free(d->purge);
                        d->purge = NULL;
                }
        }
}

const struct cmd_transport *ui_test_fake_transport(void)
{
        return fake.is_made ? &fake.t : NULL;
}
