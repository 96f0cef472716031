/* SPDX-License-Identifier: MIT */
/* The real command transport: SG_IO for SCSI CDBs (and ATA inside them), the NVMe admin ioctl. */
#include "wiper-internal.h"

#include <errno.h>
#include <scsi/sg.h>
#include <string.h>
#include <sys/ioctl.h>

#define SG_TIMEOUT_MS 15000

static int fd_scsi(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                   size_t buf_len)
{
        int fd = *(int *)userdata;
        uint8_t sense[32] = { 0 };
        struct sg_io_hdr io = {
                .interface_id = 'S',
                .cmd_len = (unsigned char)cdb_len,
                .cmdp = (unsigned char *)cdb,
                .mx_sb_len = sizeof sense,
                .sbp = sense,
                .dxfer_len = (unsigned)buf_len,
                .dxferp = buf,
                .timeout = SG_TIMEOUT_MS,
        };
        io.dxfer_direction = dir == CMD_DIR_FROM_DEVICE ? SG_DXFER_FROM_DEV
                             : dir == CMD_DIR_TO_DEVICE ? SG_DXFER_TO_DEV
                                                        : SG_DXFER_NONE;

        if (ioctl(fd, SG_IO, &io) < 0)
                return -errno;
        if (io.host_status != 0 || io.driver_status & ~0x08 /* DRIVER_SENSE */)
                return -EIO;
        if (io.status != 0) {
                /* ATA PASS-THROUGH reports success with "ATA status return" sense (additional
                 * sense 0x00/0x1D) only when CK_COND is set; we never set it, so any status fails. */
                return -EIO;
        }
        return 0;
}

static int fd_nvme_admin(void *userdata, struct nvme_admin_cmd *cmd)
{
        int fd = *(int *)userdata;
        int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);
        if (r < 0)
                return -errno;
        if (r > 0)
                return -EIO; /* NVMe status code */
        return 0;
}

void cmd_transport_for_fd(struct cmd_transport *t, int *fd_storage)
{
        *t = (struct cmd_transport){ .scsi = fd_scsi, .nvme_admin = fd_nvme_admin, .userdata = fd_storage };
}
