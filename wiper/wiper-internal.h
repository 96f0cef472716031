/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * wiper internals: device command builders and parsers (pure, byte-exact, unit-tested), and the
 * transport that sends commands to a device. Builders never touch a device; a transport only
 * carries bytes, so tests script a device's answers through the loopback transport.
 */

#include "wiper.h"

#include <linux/nvme_ioctl.h>

/* ---- little-endian loads (explicit, never a struct cast) ---------------------------------- */

static inline uint16_t le16_load(const uint8_t *p)
{
        return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t le32_load(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_load(const uint8_t *p)
{
        return (uint64_t)le32_load(p) | (uint64_t)le32_load(p + 4) << 32;
}

/* ---- big-endian loads and stores (SCSI CDBs, SPC, TCG) ----------------------------------------- */

static inline uint16_t be16_load(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32_load(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be16_store(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static inline void be32_store(uint8_t *p, uint32_t v)
{
        be16_store(p, (uint16_t)(v >> 16));
        be16_store(p + 2, (uint16_t)v);
}

/* ---- ATA ------------------------------------------------------------------------------------ */

#define ATA_IDENTIFY_BYTES       512
#define ATA_CMD_IDENTIFY_DEVICE  0xEC
#define SCSI_ATA_PASS_THROUGH_16 0x85

struct ata_identity {
        char model[41];
        char serial[21];
        char firmware[9];
        uint64_t sectors; /* user-addressable logical sectors */
        uint32_t logical_sector_bytes;
        uint32_t physical_sector_bytes;
        uint64_t wwn; /* 0 when the device reports none */
        enum tristate rotational;
        uint32_t capabilities; /* DISK_CAP_ATA_* */
        enum tristate security_frozen;
};

/* Fills a 16-byte ATA PASS-THROUGH (16) CDB carrying IDENTIFY DEVICE (PIO data-in, one 512-byte
 * block). */
void ata_build_identify_cdb(uint8_t cdb[16]);

/* Decodes IDENTIFY DEVICE data. -EMEDIUMTYPE for ATAPI data, -EBADMSG for a bad integrity word. */
int ata_parse_identify(const uint8_t buf[ATA_IDENTIFY_BYTES], struct ata_identity *ret);

/* Copies an ATA string (two characters per little-endian word, the first in the high byte) of
 * n_words words into out (2*n_words+1 bytes), trimmed. */
void ata_string(const uint8_t *words, size_t n_words, char *out);

/* ---- NVMe ----------------------------------------------------------------------------------- */

#define NVME_IDENTIFY_BYTES 4096
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_CNS_NAMESPACE  0x00
#define NVME_CNS_CONTROLLER 0x01

struct nvme_ctrl_identity {
        uint16_t pci_vendor_id;
        char serial[21];
        char model[41];
        char firmware[9];
        uint32_t capabilities; /* DISK_CAP_NVME_* */
        /* Raw capability fields the purge guards read (wiper/device/nvme-cmd.h). */
        uint16_t oacs;    /* Optional Admin Command Support, bytes 257:256 */
        uint32_t sanicap; /* Sanitize Capabilities, bytes 331:328 */
        uint8_t fna;      /* Format NVM Attributes, byte 524 */
};

struct nvme_ns_identity {
        uint64_t size_blocks; /* NSZE */
        uint32_t block_bytes; /* from the LBA format in use */
        uint8_t eui64[8];
        uint8_t nguid[16];
        bool has_eui64;
        bool has_nguid;
        /* The format in use, so a Format NVM can keep it (NVM Command Set 1.0, Identify Namespace). */
        uint8_t lba_format_index; /* FLBAS bits 3:0, plus bits 6:5 above 16 formats */
        bool has_extended_lba;    /* FLBAS bit 4: metadata inline with the data (Format NVM MSET) */
        uint8_t pi_type;          /* DPS bits 2:0: 0 none, 1-3 protection information type */
        bool is_pi_first;         /* DPS bit 3: PI in the first bytes of metadata (Format NVM PIL) */
};

/* Fills an Identify admin command for CNS cns and namespace nsid into buf (4096 bytes). */
void nvme_build_identify(struct nvme_admin_cmd *cmd, uint8_t cns, uint32_t nsid, void *buf);

int nvme_parse_identify_ctrl(const uint8_t buf[NVME_IDENTIFY_BYTES], struct nvme_ctrl_identity *ret);
/* -EINVAL when the namespace reports an LBA format index beyond NLBAF or a block size < 512. */
int nvme_parse_identify_ns(const uint8_t buf[NVME_IDENTIFY_BYTES], struct nvme_ns_identity *ret);

/* ---- transport ------------------------------------------------------------------------------ */

enum cmd_dir { CMD_DIR_NONE, CMD_DIR_FROM_DEVICE, CMD_DIR_TO_DEVICE };

#define CMD_SENSE_MAX_BYTES 252 /* the most sense data SPC lets a device return */

/* SAM-5 status codes a SCSI command completes with. */
enum {
        SCSI_STATUS_GOOD = 0x00,
        SCSI_STATUS_CHECK_CONDITION = 0x02,
        SCSI_STATUS_BUSY = 0x08,
};

/* Timeouts per command (the transport's, not the device's: when it passes, the kernel aborts the
 * command and resets the device, so a long erase must be given its own). */
#define CMD_TIMEOUT_IDENTIFY_MS 15000u               /* IDENTIFY, status, logs: seconds */
#define CMD_TIMEOUT_SHORT_MS    30000u               /* freeze lock, password, set max, sanitize start */
#define CMD_TIMEOUT_LONG_MS     (12u * 3600u * 1000u) /* SECURITY ERASE UNIT, FORMAT UNIT: hours */

/* What the device answered, kept whole: the front end and the certificate show it, and the purge
 * flows decide from it (a CHECK CONDITION is not just "an error": it carries the ATA registers of
 * a completed command, a sanitize's progress, the reason of a refusal). */
struct cmd_reply {
        /* SCSI (SG_IO): SAM status, sense bytes as returned, and the host/driver status of the
         * Linux SCSI midlayer (non-zero host_status: the command never completed on the device) */
        uint8_t scsi_status;
        uint8_t sense[CMD_SENSE_MAX_BYTES];
        size_t sense_len;
        uint16_t host_status;
        uint16_t driver_status;
        int32_t resid; /* bytes of the data transfer not done */
        /* NVMe: the completion's status field as the ioctl returns it (SC 7:0, SCT 10:8, CRD,
         * More, DNR 14: decode with nvme_status_decode()) and Dword 0 of the completion */
        uint16_t nvme_status;
        uint32_t nvme_result;
};

/* Carries commands to a device. The real one uses SG_IO and the NVMe admin ioctl on a file
 * descriptor; tests supply a stateful fake drive that checks the bytes and answers as a drive. */
struct cmd_transport {
        /* Sends a SCSI CDB (ATA commands travel inside ATA PASS-THROUGH) with a timeout. 0 when the
         * device answered (*ret says how: status, sense), -errno when the command could not be
         * carried (-ETIMEDOUT when the timeout passed). *ret is zeroed first. */
        int (*scsi)(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                    size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret);
        /* Sends an NVMe admin command (its timeout_ms field set; 0 means the driver's default). 0
         * when the controller answered (*ret: status, Dword 0), -errno otherwise. */
        int (*nvme_admin)(void *userdata, struct nvme_admin_cmd *cmd, struct cmd_reply *ret);
        void *userdata;
};

/* The real transport over an open device file descriptor (stored in *fd_storage). */
void cmd_transport_for_fd(struct cmd_transport *t, int *fd_storage);

/* Sends a CDB and folds the answer for callers that only need success: 0 for GOOD, -EREMOTEIO for
 * any other status (*ret, when not NULL, keeps the sense), -EIO when the host or driver status says
 * the command did not complete, -errno from the transport. */
int cmd_scsi(const struct cmd_transport *t, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
             size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret);
/* Likewise for NVMe: 0 for status 0, -EREMOTEIO for a non-zero status (kept in *ret). */
int cmd_nvme_admin(const struct cmd_transport *t, struct nvme_admin_cmd *cmd, struct cmd_reply *ret);

/* IDENTIFY DEVICE through the transport, parsed. */
int ata_identify(const struct cmd_transport *t, struct ata_identity *ret);
/* Identify Controller and Identify Namespace nsid through the transport, parsed. */
int nvme_identify(const struct cmd_transport *t, uint32_t nsid, struct nvme_ctrl_identity *ret_ctrl,
                  struct nvme_ns_identity *ret_ns);

/* ---- protection helpers --------------------------------------------------------------------- */

/* Parses one line of /proc/self/mountinfo into *ret (source and target unescaped). */
int mountinfo_parse_line(const char *line, struct sys_mount *ret);

/* A dev_t from the kernel's 32-bit "new" encoding (LOOP_GET_STATUS64's lo_device, lo_rdevice). */
dev_t kernel_dev_decode(uint64_t v);

/* Fills l's backing fields from LOOP_GET_STATUS64: lo_rdevice set means a block device backs it
 * (backing_devnum is that device), otherwise a file (backing_devnum is its file system). Pure. */
void sys_loop_set_backing(struct sys_loop *l, uint64_t lo_device, uint64_t lo_inode, uint64_t lo_rdevice);

/* Whether the loop device sits on block device d: d backs it, or d holds its backing file. Pure. */
bool sys_loop_is_on(const struct sys_loop *l, dev_t d);

/* Whether the loop device's backing file is the regular file (file_devnum, file_inode). Pure. */
bool sys_loop_backs_file(const struct sys_loop *l, dev_t file_devnum, ino_t file_inode);
