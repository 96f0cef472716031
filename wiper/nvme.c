/* SPDX-License-Identifier: MIT */
/* NVMe Identify: the admin command builder and the decoders (NVM Express Base 2.0 layout). */
#include "wiper-internal.h"

#include <errno.h>
#include <string.h>

#include "common.h"

/* Identify Controller byte offsets. */
enum {
        NVME_IDC_VID = 0,
        NVME_IDC_SN = 4,        /* 20 bytes */
        NVME_IDC_MN = 24,       /* 40 bytes */
        NVME_IDC_FR = 64,       /* 8 bytes */
        NVME_IDC_OACS = 256,    /* 2 bytes */
        NVME_IDC_SANICAP = 328, /* 4 bytes */
        NVME_IDC_FNA = 524,
};

/* Identify Namespace byte offsets. */
enum {
        NVME_IDNS_NSZE = 0,
        NVME_IDNS_NLBAF = 25,
        NVME_IDNS_FLBAS = 26,
        NVME_IDNS_DPS = 29,
        NVME_IDNS_NGUID = 104,
        NVME_IDNS_EUI64 = 120,
        NVME_IDNS_LBAF = 128, /* 64 formats of 4 bytes */
};

void nvme_build_identify(struct nvme_admin_cmd *cmd, uint8_t cns, uint32_t nsid, void *buf)
{
        memset(cmd, 0, sizeof *cmd);
        cmd->opcode = NVME_ADMIN_IDENTIFY;
        cmd->nsid = nsid;
        cmd->addr = (uint64_t)(uintptr_t)buf;
        cmd->data_len = NVME_IDENTIFY_BYTES;
        cmd->cdw10 = cns;
}

/* NVMe strings are plain ASCII, space padded. */
static void nvme_string(const uint8_t *p, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                out[i] = (p[i] >= 0x20 && p[i] <= 0x7e) ? (char)p[i] : ' ';
        out[n] = 0;
        strstrip(out);
}

int nvme_parse_identify_ctrl(const uint8_t buf[NVME_IDENTIFY_BYTES], struct nvme_ctrl_identity *ret)
{
        struct nvme_ctrl_identity c = { 0 };

        c.pci_vendor_id = le16_load(buf + NVME_IDC_VID);
        nvme_string(buf + NVME_IDC_SN, 20, c.serial);
        nvme_string(buf + NVME_IDC_MN, 40, c.model);
        nvme_string(buf + NVME_IDC_FR, 8, c.firmware);

        uint16_t oacs = le16_load(buf + NVME_IDC_OACS);
        c.oacs = oacs;
        c.sanicap = le32_load(buf + NVME_IDC_SANICAP);
        c.fna = buf[NVME_IDC_FNA];
        if (oacs & (1u << 1)) {
                c.capabilities |= DISK_CAP_NVME_FORMAT;
                if (buf[NVME_IDC_FNA] & (1u << 2))
                        c.capabilities |= DISK_CAP_NVME_FORMAT_CRYPTO;
        }
        uint32_t sanicap = le32_load(buf + NVME_IDC_SANICAP);
        if (sanicap & (1u << 0))
                c.capabilities |= DISK_CAP_NVME_SANITIZE_CRYPTO;
        if (sanicap & (1u << 1))
                c.capabilities |= DISK_CAP_NVME_SANITIZE_BLOCK;
        if (sanicap & (1u << 2))
                c.capabilities |= DISK_CAP_NVME_SANITIZE_OVERWRITE;

        if (!c.model[0] && !c.serial[0])
                return -EBADMSG; /* an all-blank answer is no identity */
        *ret = c;
        return 0;
}

static bool is_all_zero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int nvme_parse_identify_ns(const uint8_t buf[NVME_IDENTIFY_BYTES], struct nvme_ns_identity *ret)
{
        struct nvme_ns_identity ns = { 0 };

        ns.size_blocks = le64_load(buf + NVME_IDNS_NSZE);
        unsigned nlbaf = buf[NVME_IDNS_NLBAF]; /* zero-based count */
        uint8_t flbas = buf[NVME_IDNS_FLBAS];
        /* Format index: bits 3:0, plus bits 6:5 as the upper bits when more than 16 formats. */
        unsigned index = (flbas & 0x0f) | (nlbaf >= 16 ? ((flbas >> 5) & 0x3u) << 4 : 0);
        if (index > nlbaf || index >= 64)
                return -EINVAL;
        uint32_t lbaf = le32_load(buf + NVME_IDNS_LBAF + 4 * index);
        unsigned lbads = (lbaf >> 16) & 0xff;
        if (lbads < 9 || lbads > 31)
                return -EINVAL;
        ns.block_bytes = 1u << lbads;
        ns.lba_format_index = (uint8_t)index;
        ns.has_extended_lba = flbas & (1u << 4);
        ns.pi_type = buf[NVME_IDNS_DPS] & 0x7u;
        ns.is_pi_first = buf[NVME_IDNS_DPS] & (1u << 3);

        memcpy(ns.nguid, buf + NVME_IDNS_NGUID, 16);
        ns.has_nguid = !is_all_zero(ns.nguid, 16);
        memcpy(ns.eui64, buf + NVME_IDNS_EUI64, 8);
        ns.has_eui64 = !is_all_zero(ns.eui64, 8);

        *ret = ns;
        return 0;
}

int nvme_identify(const struct cmd_transport *t, uint32_t nsid, struct nvme_ctrl_identity *ret_ctrl,
                  struct nvme_ns_identity *ret_ns)
{
        struct nvme_admin_cmd cmd;
        uint8_t *buf;
        int r;

        if (!t->nvme_admin)
                return -EOPNOTSUPP;
        /* Identify data goes to a page-aligned buffer: some controllers DMA straight into it. */
        if (posix_memalign((void **)&buf, 4096, NVME_IDENTIFY_BYTES) != 0)
                return -ENOMEM;

        struct nvme_ctrl_identity ctrl;
        struct nvme_ns_identity ns;

        memset(buf, 0, NVME_IDENTIFY_BYTES);
        nvme_build_identify(&cmd, NVME_CNS_CONTROLLER, 0, buf);
        cmd.timeout_ms = CMD_TIMEOUT_IDENTIFY_MS;
        r = cmd_nvme_admin(t, &cmd, NULL);
        if (r >= 0)
                r = nvme_parse_identify_ctrl(buf, &ctrl);
        if (r < 0)
                goto out;

        memset(buf, 0, NVME_IDENTIFY_BYTES);
        nvme_build_identify(&cmd, NVME_CNS_NAMESPACE, nsid, buf);
        cmd.timeout_ms = CMD_TIMEOUT_IDENTIFY_MS;
        r = cmd_nvme_admin(t, &cmd, NULL);
        if (r >= 0)
                r = nvme_parse_identify_ns(buf, &ns);
        if (r < 0)
                goto out;

        *ret_ctrl = ctrl;
        *ret_ns = ns;
out:
        free(buf);
        return r;
}
