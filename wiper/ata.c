/* SPDX-License-Identifier: MIT */
/* ATA IDENTIFY DEVICE: the command builder and the decoder (ACS-3 word layout). */
#include "wiper-internal.h"

#include <errno.h>
#include <string.h>

#include "common.h"

/* IDENTIFY DEVICE word numbers used here (ACS-3 §7.12.7). */
enum {
        ATA_W_GENERAL_CONFIG = 0,
        ATA_W_SERIAL = 10,   /* 10 words */
        ATA_W_FIRMWARE = 23, /* 4 words */
        ATA_W_MODEL = 27,    /* 20 words */
        ATA_W_SANITIZE = 59,
        ATA_W_LBA28 = 60, /* 2 words */
        ATA_W_CMDSET1 = 82,
        ATA_W_CMDSET2 = 83,
        ATA_W_LBA48 = 100, /* 4 words */
        ATA_W_SECTOR_SIZE = 106,
        ATA_W_WWN = 108,           /* 4 words */
        ATA_W_LOGICAL_WORDS = 117, /* 2 words */
        ATA_W_SECURITY = 128,
        ATA_W_DSM = 169,
        ATA_W_ROTATION = 217,
        ATA_W_INTEGRITY = 255,
};

static uint16_t word(const uint8_t *buf, unsigned w)
{
        return le16_load(buf + 2 * w);
}

void ata_build_identify_cdb(uint8_t cdb[16])
{
        memset(cdb, 0, 16);
        cdb[0] = SCSI_ATA_PASS_THROUGH_16;
        cdb[1] = 4 << 1; /* PROTOCOL = PIO Data-In, EXTEND = 0 */
        /* OFF_LINE 0, CK_COND 0, T_TYPE 0, T_DIR 1 (from device), BYTE_BLOCK 1 (blocks),
         * T_LENGTH 2 (length in the COUNT field) */
        cdb[2] = 1 << 3 | 1 << 2 | 2;
        cdb[6] = 1; /* COUNT: one 512-byte block */
        cdb[14] = ATA_CMD_IDENTIFY_DEVICE;
}

void ata_string(const uint8_t *words, size_t n_words, char *out)
{
        for (size_t i = 0; i < n_words; i++) {
                out[2 * i] = (char)words[2 * i + 1];
                out[2 * i + 1] = (char)words[2 * i];
        }
        out[2 * n_words] = 0;
        /* Replace anything unprintable rather than carrying it into certificates. */
        for (char *p = out; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                        *p = ' ';
        strstrip(out);
}

int ata_parse_identify(const uint8_t buf[ATA_IDENTIFY_BYTES], struct ata_identity *ret)
{
        struct ata_identity id = { .rotational = TRISTATE_UNKNOWN, .security_frozen = TRISTATE_UNKNOWN };

        if (word(buf, ATA_W_GENERAL_CONFIG) & 0x8000)
                return -EMEDIUMTYPE; /* ATAPI device (word 0 bit 15) */

        uint16_t integrity = word(buf, ATA_W_INTEGRITY);
        if ((integrity & 0xff) == 0xa5) {
                uint8_t sum = 0;
                for (size_t i = 0; i < ATA_IDENTIFY_BYTES; i++)
                        sum += buf[i];
                if (sum != 0)
                        return -EBADMSG;
        }

        ata_string(buf + 2 * ATA_W_SERIAL, 10, id.serial);
        ata_string(buf + 2 * ATA_W_FIRMWARE, 4, id.firmware);
        ata_string(buf + 2 * ATA_W_MODEL, 20, id.model);

        uint64_t lba28 = (uint64_t)word(buf, ATA_W_LBA28) | (uint64_t)word(buf, ATA_W_LBA28 + 1) << 16;
        id.sectors = lba28;
        if (word(buf, ATA_W_CMDSET2) & (1u << 10)) { /* 48-bit Address feature set supported */
                uint64_t lba48 = 0;
                for (unsigned i = 0; i < 4; i++)
                        lba48 |= (uint64_t)word(buf, ATA_W_LBA48 + i) << (16 * i);
                if (lba48 > 0)
                        id.sectors = lba48;
        }

        id.logical_sector_bytes = 512;
        id.physical_sector_bytes = 512;
        uint16_t w106 = word(buf, ATA_W_SECTOR_SIZE);
        if ((w106 & 0xc000) == 0x4000) { /* word valid: bit 14 set, bit 15 clear */
                if (w106 & (1u << 12)) {
                        uint32_t lwords = (uint32_t)word(buf, ATA_W_LOGICAL_WORDS) |
                                          (uint32_t)word(buf, ATA_W_LOGICAL_WORDS + 1) << 16;
                        if (lwords >= 256)
                                id.logical_sector_bytes = lwords * 2;
                }
                id.physical_sector_bytes = id.logical_sector_bytes;
                if (w106 & (1u << 13))
                        id.physical_sector_bytes = id.logical_sector_bytes << (w106 & 0xf);
        }

        if ((word(buf, ATA_W_WWN) >> 12) != 0) { /* NAA field set: WWN present */
                for (unsigned i = 0; i < 4; i++)
                        id.wwn = id.wwn << 16 | word(buf, ATA_W_WWN + i);
        }

        uint16_t rot = word(buf, ATA_W_ROTATION);
        if (rot == 0x0001)
                id.rotational = TRISTATE_NO;
        else if (rot >= 0x0401 && rot <= 0xfffe)
                id.rotational = TRISTATE_YES;

        uint16_t sec = word(buf, ATA_W_SECURITY);
        if ((word(buf, ATA_W_CMDSET1) & (1u << 1)) && (sec & 1u)) {
                id.capabilities |= DISK_CAP_ATA_SECURITY_ERASE;
                if (sec & (1u << 5))
                        id.capabilities |= DISK_CAP_ATA_ENHANCED_SECURITY_ERASE;
                id.security_frozen = (sec & (1u << 3)) ? TRISTATE_YES : TRISTATE_NO;
        }

        uint16_t san = word(buf, ATA_W_SANITIZE);
        if (san & (1u << 12)) { /* Sanitize feature set supported */
                if (san & (1u << 13))
                        id.capabilities |= DISK_CAP_ATA_SANITIZE_CRYPTO;
                if (san & (1u << 14))
                        id.capabilities |= DISK_CAP_ATA_SANITIZE_OVERWRITE;
                if (san & (1u << 15))
                        id.capabilities |= DISK_CAP_ATA_SANITIZE_BLOCK;
        }
        if (word(buf, ATA_W_DSM) & 1u)
                id.capabilities |= DISK_CAP_ATA_TRIM;

        *ret = id;
        return 0;
}

int ata_identify(const struct cmd_transport *t, struct ata_identity *ret)
{
        uint8_t cdb[16];
        uint8_t buf[ATA_IDENTIFY_BYTES] = { 0 };

        ata_build_identify_cdb(cdb);
        int r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS, NULL);
        if (r < 0)
                return r;
        return ata_parse_identify(buf, ret);
}
