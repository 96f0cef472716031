/* SPDX-License-Identifier: MIT */
/* The real command transport: SG_IO for SCSI CDBs (and ATA inside them), the NVMe admin ioctl. Both
 * keep the device's whole answer (struct cmd_reply); deciding what it means is the caller's. */
#include "wiper-internal.h"

#include <errno.h>
#include <scsi/sg.h>
#include <string.h>
#include <sys/ioctl.h>

#define SG_DRIVER_SENSE 0x08 /* driver_status: sense data was returned (not an error by itself) */
#define SG_DRIVER_TIMEOUT 0x06
#define SG_HOST_TIMEOUT 0x03 /* DID_TIME_OUT */

static int fd_scsi(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                   size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        int fd = *(int *)userdata;
        *ret = (struct cmd_reply){ 0 };
        struct sg_io_hdr io = {
                .interface_id = 'S',
                .cmd_len = (unsigned char)cdb_len,
                .cmdp = (unsigned char *)cdb,
                .mx_sb_len = sizeof ret->sense,
                .sbp = ret->sense,
                .dxfer_len = (unsigned)buf_len,
                .dxferp = buf,
                .timeout = timeout_ms ? timeout_ms : CMD_TIMEOUT_IDENTIFY_MS,
        };
        io.dxfer_direction = dir == CMD_DIR_FROM_DEVICE ? SG_DXFER_FROM_DEV
                             : dir == CMD_DIR_TO_DEVICE ? SG_DXFER_TO_DEV
                                                        : SG_DXFER_NONE;
        if (cdb_len > 255)
                return -EINVAL;
        if (ioctl(fd, SG_IO, &io) < 0)
                return -errno;
        ret->scsi_status = io.status;
        ret->sense_len = io.sb_len_wr;
        ret->host_status = io.host_status;
        ret->driver_status = io.driver_status;
        ret->resid = io.resid;
        if (io.host_status == SG_HOST_TIMEOUT || (io.driver_status & 0x0f) == SG_DRIVER_TIMEOUT)
                return -ETIMEDOUT;
        return 0;
}

static int fd_nvme_admin(void *userdata, struct nvme_admin_cmd *cmd, struct cmd_reply *ret)
{
        int fd = *(int *)userdata;
        *ret = (struct cmd_reply){ 0 };
        cmd->result = 0;
        int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);
        if (r < 0)
                return -errno;
        /* A positive return is the completion's status field (without the phase tag). */
        ret->nvme_status = (uint16_t)r;
        ret->nvme_result = cmd->result;
        return 0;
}

void cmd_transport_for_fd(struct cmd_transport *t, int *fd_storage)
{
        *t = (struct cmd_transport){ .scsi = fd_scsi, .nvme_admin = fd_nvme_admin, .userdata = fd_storage };
}

int cmd_scsi(const struct cmd_transport *t, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
             size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        struct cmd_reply reply;
        if (!t->scsi)
                return -EOPNOTSUPP;
        int r = t->scsi(t->userdata, cdb, cdb_len, dir, buf, buf_len, timeout_ms, &reply);
        if (ret)
                *ret = reply;
        if (r < 0)
                return r;
        if (reply.host_status != 0 || (reply.driver_status & ~SG_DRIVER_SENSE) != 0)
                return -EIO;
        return reply.scsi_status == SCSI_STATUS_GOOD ? 0 : -EREMOTEIO;
}

int cmd_nvme_admin(const struct cmd_transport *t, struct nvme_admin_cmd *cmd, struct cmd_reply *ret)
{
        struct cmd_reply reply;
        if (!t->nvme_admin)
                return -EOPNOTSUPP;
        int r = t->nvme_admin(t->userdata, cmd, &reply);
        if (ret)
                *ret = reply;
        if (r < 0)
                return r;
        return reply.nvme_status == 0 ? 0 : -EREMOTEIO;
}
