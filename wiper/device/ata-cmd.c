/* SPDX-License-Identifier: MIT */
/* ATA purge commands in SAT ATA PASS-THROUGH(16) CDBs, and decoders of what the drive answers. */
#include "ata-cmd.h"

#include <errno.h>
#include <string.h>

#include "wiper-internal.h"

/* ---- ATA PASS-THROUGH(16), SAT-5 ----------------------------------------------------
 * byte 0 opcode 85h; byte 1 MULTIPLE_COUNT(7:5) PROTOCOL(4:1) EXTEND(0); byte 2 OFF_LINE(7:6)
 * CK_COND(5) T_TYPE(4) T_DIR(3) BYT_BLOK(2) T_LENGTH(1:0); bytes 3/4 FEATURE(15:8)/(7:0);
 * 5/6 COUNT(15:8)/(7:0); 7 LBA(31:24), 8 LBA(7:0), 9 LBA(39:32), 10 LBA(15:8), 11 LBA(47:40),
 * 12 LBA(23:16); 13 DEVICE; 14 COMMAND; 15 CONTROL. */

enum {
        PT_CK_COND = 1u << 5,
        PT_T_DIR_IN = 1u << 3,
        PT_BYT_BLOK = 1u << 2,
        PT_T_LENGTH_COUNT = 2,
        ATA_DEVICE_LBA = 0x40,
};

int ata_pt16_build(const struct ata_pt_cmd *c, uint8_t ret_cdb[16])
{
        uint8_t cdb[ATA_PT16_CDB_BYTES] = { 0 };
        uint8_t device = c->device;

        if (c->lba > ATA_MAX_LBA48)
                return -EINVAL;
        if (!c->is_extend && (c->lba > 0x0fffffff || c->feature > 0xff || c->count > 0xff))
                return -EINVAL;
        bool is_pio = c->protocol == ATA_PT_PIO_DATA_IN || c->protocol == ATA_PT_PIO_DATA_OUT;
        if (is_pio && c->count == 0)
                return -EINVAL;

        cdb[0] = SCSI_ATA_PASS_THROUGH_16;
        cdb[1] = (uint8_t)((unsigned)c->protocol << 1 | (c->is_extend ? 1u : 0u));
        if (c->is_ck_cond)
                cdb[2] |= PT_CK_COND;
        if (is_pio) {
                cdb[2] |= PT_BYT_BLOK | PT_T_LENGTH_COUNT;
                if (c->protocol == ATA_PT_PIO_DATA_IN)
                        cdb[2] |= PT_T_DIR_IN;
        }
        cdb[4] = (uint8_t)c->feature;
        cdb[6] = (uint8_t)c->count;
        cdb[8] = (uint8_t)c->lba;
        cdb[10] = (uint8_t)(c->lba >> 8);
        cdb[12] = (uint8_t)(c->lba >> 16);
        if (c->is_extend) {
                cdb[3] = (uint8_t)(c->feature >> 8);
                cdb[5] = (uint8_t)(c->count >> 8);
                cdb[7] = (uint8_t)(c->lba >> 24);
                cdb[9] = (uint8_t)(c->lba >> 32);
                cdb[11] = (uint8_t)(c->lba >> 40);
        } else {
                device |= (uint8_t)((c->lba >> 24) & 0x0f); /* 28-bit LBA(27:24) lives in DEVICE */
        }
        cdb[13] = device;
        cdb[14] = c->command;
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

/* Builders of fixed, always-valid commands cannot fail; assert that in one place. */
static void build_fixed(const struct ata_pt_cmd *c, uint8_t ret_cdb[16])
{
        int r = ata_pt16_build(c, ret_cdb);
        (void)r;
}

/* ---- SANITIZE DEVICE, ACS-4 ------------------------------------------------------------ */

enum {
        SANITIZE_STATUS_EXT = 0x0000,
        SANITIZE_CRYPTO_SCRAMBLE_EXT = 0x0011,
        SANITIZE_BLOCK_ERASE_EXT = 0x0012,
        SANITIZE_OVERWRITE_EXT = 0x0014,
        SANITIZE_FREEZE_LOCK_EXT = 0x0020,
        SANITIZE_ANTIFREEZE_LOCK_EXT = 0x0040,
};

/* The LBA field carries each subcommand's name in ASCII so a stray command cannot start one. */
#define SANITIZE_KEY_CRYPTO     UINT64_C(0x43727970)     /* "Cryp" */
#define SANITIZE_KEY_BLOCK      UINT64_C(0x426b4572)     /* "BkEr" */
#define SANITIZE_KEY_OVERWRITE  UINT64_C(0x4f5700000000) /* "OW" in LBA(47:32) */
#define SANITIZE_KEY_FREEZE     UINT64_C(0x46724c6b)     /* "FrLk" */
#define SANITIZE_KEY_ANTIFREEZE UINT64_C(0x416e7469)     /* "Anti" */

/* COUNT bits of the sanitize subcommands. */
enum {
        SANITIZE_COUNT_CLEAR_FAILED = 1u << 0, /* SANITIZE STATUS EXT */
        SANITIZE_COUNT_FAILURE_MODE = 1u << 4,
        SANITIZE_COUNT_DEFINITIVE_ENDING = 1u << 6, /* OVERWRITE EXT */
        SANITIZE_COUNT_INVERT = 1u << 7,            /* OVERWRITE EXT */
        SANITIZE_COUNT_ZNR = 1u << 15,
        /* normal output of every sanitize command, COUNT(15:12) */
        SANITIZE_OUT_COMPLETED_OK = 1u << 15,
        SANITIZE_OUT_IN_PROGRESS = 1u << 14,
        SANITIZE_OUT_FROZEN = 1u << 13,
        SANITIZE_OUT_ANTIFREEZE = 1u << 12,
};

static uint16_t sanitize_common_count(bool is_failure_mode, bool is_znr)
{
        return (uint16_t)((is_failure_mode ? SANITIZE_COUNT_FAILURE_MODE : 0u) |
                          (is_znr ? SANITIZE_COUNT_ZNR : 0u));
}

static void build_sanitize(uint16_t feature, uint16_t count, uint64_t lba, bool is_ck_cond,
                           uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_SANITIZE_DEVICE,
                                          .feature = feature,
                                          .count = count,
                                          .lba = lba,
                                          .device = ATA_DEVICE_LBA,
                                          .protocol = ATA_PT_NON_DATA,
                                          .is_extend = true,
                                          .is_ck_cond = is_ck_cond },
                    ret_cdb);
}

/* ACS-4 CRYPTO SCRAMBLE EXT */
void ata_build_sanitize_crypto_scramble(const struct ata_sanitize_opts *o, uint8_t ret_cdb[16])
{
        build_sanitize(SANITIZE_CRYPTO_SCRAMBLE_EXT,
                       sanitize_common_count(o->is_failure_mode, o->is_zoned_no_reset), SANITIZE_KEY_CRYPTO,
                       false, ret_cdb);
}

/* ACS-4 BLOCK ERASE EXT */
void ata_build_sanitize_block_erase(const struct ata_sanitize_opts *o, uint8_t ret_cdb[16])
{
        build_sanitize(SANITIZE_BLOCK_ERASE_EXT,
                       sanitize_common_count(o->is_failure_mode, o->is_zoned_no_reset), SANITIZE_KEY_BLOCK,
                       false, ret_cdb);
}

/* ACS-4 OVERWRITE EXT: COUNT bit 15 ZNR, bit 7 INVERT PATTERN BETWEEN OVERWRITE PASSES,
 * bit 6 DEFINITIVE ENDING PATTERN, bit 4 FAILURE MODE, bits 3:0 OVERWRITE COUNT (0 = 16 passes). */
int ata_build_sanitize_overwrite(const struct ata_overwrite_opts *o, uint8_t ret_cdb[16])
{
        if (o->passes < 1 || o->passes > 16)
                return -EINVAL;
        uint16_t count = sanitize_common_count(o->is_failure_mode, o->is_zoned_no_reset);
        count |= (uint16_t)(o->passes & 0x0f); /* 16 wraps to 0, which ACS defines as 16 */
        if (o->is_invert)
                count |= SANITIZE_COUNT_INVERT;
        if (o->is_definitive_ending_pattern)
                count |= SANITIZE_COUNT_DEFINITIVE_ENDING;
        build_sanitize(SANITIZE_OVERWRITE_EXT, count, SANITIZE_KEY_OVERWRITE | o->pattern, false, ret_cdb);
        return 0;
}

/* ACS-4 SANITIZE STATUS EXT: CK_COND so the SATL returns the status in the registers. */
void ata_build_sanitize_status(bool is_clear_failed, uint8_t ret_cdb[16])
{
        build_sanitize(SANITIZE_STATUS_EXT, is_clear_failed ? SANITIZE_COUNT_CLEAR_FAILED : 0, 0, true,
                       ret_cdb);
}

/* ACS-4 SANITIZE FREEZE LOCK EXT */
void ata_build_sanitize_freeze_lock(uint8_t ret_cdb[16])
{
        build_sanitize(SANITIZE_FREEZE_LOCK_EXT, 0, SANITIZE_KEY_FREEZE, false, ret_cdb);
}

/* ACS-4 SANITIZE ANTIFREEZE LOCK EXT */
void ata_build_sanitize_antifreeze_lock(uint8_t ret_cdb[16])
{
        build_sanitize(SANITIZE_ANTIFREEZE_LOCK_EXT, 0, SANITIZE_KEY_ANTIFREEZE, false, ret_cdb);
}

int ata_parse_sanitize_status(const struct ata_registers *regs, struct ata_sanitize_status *ret)
{
        struct ata_sanitize_status st = { 0 };

        if (regs->status & ATA_STATUS_ERR) {
                /* Error output: ABRT, with the reason in LBA(7:0) (ACS-4). The flags may still be
                 * reported, but an abort is an answer on its own. */
                st.is_aborted = true;
                st.error_reason = (uint8_t)regs->lba;
                if (regs->is_count_complete) {
                        st.is_frozen = regs->count & SANITIZE_OUT_FROZEN;
                        st.is_antifreeze = regs->count & SANITIZE_OUT_ANTIFREEZE;
                }
                *ret = st;
                return 0;
        }
        if (!regs->is_count_complete)
                return -ENODATA;
        st.is_completed_ok = regs->count & SANITIZE_OUT_COMPLETED_OK;
        st.is_in_progress = regs->count & SANITIZE_OUT_IN_PROGRESS;
        st.is_frozen = regs->count & SANITIZE_OUT_FROZEN;
        st.is_antifreeze = regs->count & SANITIZE_OUT_ANTIFREEZE;
        st.progress = (uint16_t)regs->lba; /* LBA(15:0), carried in every sense layout */
        *ret = st;
        return 0;
}

/* ---- Security feature set, ACS-4 -------------------------------------------------------- */

static void build_security(uint8_t command, bool is_data_out, uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = command,
                                          .count = is_data_out ? 1 : 0,
                                          .protocol = is_data_out ? ATA_PT_PIO_DATA_OUT : ATA_PT_NON_DATA },
                    ret_cdb);
}

void ata_build_security_set_password(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_SET_PASSWORD, true, ret_cdb);
}

void ata_build_security_unlock(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_UNLOCK, true, ret_cdb);
}

void ata_build_security_erase_prepare(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_ERASE_PREPARE, false, ret_cdb);
}

void ata_build_security_erase_unit(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_ERASE_UNIT, true, ret_cdb);
}

void ata_build_security_freeze_lock(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_FREEZE_LOCK, false, ret_cdb);
}

void ata_build_security_disable_password(uint8_t ret_cdb[16])
{
        build_security(ATA_CMD_SECURITY_DISABLE_PASSWORD, true, ret_cdb);
}

/* Word 0 in little-endian, the password bytes as given in words 1-16 (the byte order hdparm and
 * the kernel's ATA security users send; ACS defines the field as 32 bytes of password). */
static void fill_security_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES], uint16_t word0,
                               uint8_t ret_data[512])
{
        memset(ret_data, 0, ATA_SECTOR_BYTES);
        ret_data[0] = (uint8_t)word0;
        ret_data[1] = (uint8_t)(word0 >> 8);
        memcpy(ret_data + 2, password, ATA_SECURITY_PASSWORD_BYTES);
}

/* ACS-4 SECURITY SET PASSWORD data content */
void ata_build_security_set_password_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                          enum ata_password_id id, enum ata_master_capability cap,
                                          uint16_t master_password_id, uint8_t ret_data[512])
{
        uint16_t word0 = (uint16_t)((id == ATA_PASSWORD_MASTER ? 1u : 0u) |
                                    (cap == ATA_MASTER_MAXIMUM ? 1u << 8 : 0u));
        fill_security_data(password, word0, ret_data);
        if (id == ATA_PASSWORD_MASTER) {
                ret_data[34] = (uint8_t)master_password_id; /* word 17 */
                ret_data[35] = (uint8_t)(master_password_id >> 8);
        }
}

/* ACS-4 SECURITY ERASE UNIT data content */
void ata_build_security_erase_unit_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                        enum ata_password_id id, bool is_enhanced, uint8_t ret_data[512])
{
        uint16_t word0 = (uint16_t)((id == ATA_PASSWORD_MASTER ? 1u : 0u) | (is_enhanced ? 1u << 1 : 0u));
        fill_security_data(password, word0, ret_data);
}

/* ACS-4 SECURITY DISABLE PASSWORD and SECURITY UNLOCK data content */
void ata_build_security_password_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                      enum ata_password_id id, uint8_t ret_data[512])
{
        fill_security_data(password, id == ATA_PASSWORD_MASTER ? 1u : 0u, ret_data);
}

/* ---- HPA, DCO, AMA ---------------------------------------------------------------------------- */

/* ACS-2 READ NATIVE MAX ADDRESS EXT: non-data, 48-bit, result in LBA(47:0). */
void ata_build_read_native_max_ext(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT,
                                          .device = ATA_DEVICE_LBA,
                                          .protocol = ATA_PT_NON_DATA,
                                          .is_extend = true,
                                          .is_ck_cond = true },
                    ret_cdb);
}

/* ACS-2 SET MAX ADDRESS EXT: LBA = the new max address, COUNT bit 0 VV. */
int ata_build_set_max_address_ext(uint64_t max_lba, bool is_permanent, uint8_t ret_cdb[16])
{
        return ata_pt16_build(&(struct ata_pt_cmd){ .command = ATA_CMD_SET_MAX_ADDRESS_EXT,
                                                    .count = is_permanent ? 1 : 0,
                                                    .lba = max_lba,
                                                    .device = ATA_DEVICE_LBA,
                                                    .protocol = ATA_PT_NON_DATA,
                                                    .is_extend = true },
                              ret_cdb);
}

enum {
        DCO_RESTORE = 0xc0,
        DCO_IDENTIFY = 0xc2,
};

/* ACS-2 DEVICE CONFIGURATION IDENTIFY: PIO data-in, one 512-byte block. */
void ata_build_dco_identify(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_DEVICE_CONFIGURATION,
                                          .feature = DCO_IDENTIFY,
                                          .count = 1,
                                          .protocol = ATA_PT_PIO_DATA_IN },
                    ret_cdb);
}

/* ACS-2 DEVICE CONFIGURATION RESTORE: non-data. */
void ata_build_dco_restore(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_DEVICE_CONFIGURATION,
                                          .feature = DCO_RESTORE,
                                          .protocol = ATA_PT_NON_DATA },
                    ret_cdb);
}

enum {
        AMA_GET_NATIVE_MAX_ADDRESS_EXT = 0x0000,
        AMA_SET_ACCESSIBLE_MAX_ADDRESS_EXT = 0x0001,
        AMA_FREEZE_ACCESSIBLE_MAX_ADDRESS_EXT = 0x0002,
};

/* ACS-4 GET NATIVE MAX ADDRESS EXT */
void ata_build_get_native_max_address(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_ACCESSIBLE_MAX_ADDRESS_CONFIGURATION,
                                          .feature = AMA_GET_NATIVE_MAX_ADDRESS_EXT,
                                          .device = ATA_DEVICE_LBA,
                                          .protocol = ATA_PT_NON_DATA,
                                          .is_extend = true,
                                          .is_ck_cond = true },
                    ret_cdb);
}

/* ACS-4 SET ACCESSIBLE MAX ADDRESS EXT */
int ata_build_set_accessible_max_address(uint64_t max_lba, uint8_t ret_cdb[16])
{
        return ata_pt16_build(&(struct ata_pt_cmd){ .command = ATA_CMD_ACCESSIBLE_MAX_ADDRESS_CONFIGURATION,
                                                    .feature = AMA_SET_ACCESSIBLE_MAX_ADDRESS_EXT,
                                                    .lba = max_lba,
                                                    .device = ATA_DEVICE_LBA,
                                                    .protocol = ATA_PT_NON_DATA,
                                                    .is_extend = true },
                              ret_cdb);
}

/* ACS-4 FREEZE ACCESSIBLE MAX ADDRESS EXT */
void ata_build_freeze_accessible_max_address(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_ACCESSIBLE_MAX_ADDRESS_CONFIGURATION,
                                          .feature = AMA_FREEZE_ACCESSIBLE_MAX_ADDRESS_EXT,
                                          .device = ATA_DEVICE_LBA,
                                          .protocol = ATA_PT_NON_DATA,
                                          .is_extend = true },
                    ret_cdb);
}

int ata_parse_native_max(const struct ata_registers *regs, uint64_t *ret_max_lba)
{
        if (regs->status & ATA_STATUS_ERR)
                return -EIO;
        if (!regs->is_lba_complete)
                return -ENODATA;
        *ret_max_lba = regs->lba & ATA_MAX_LBA48;
        return 0;
}

static uint16_t word_at(const uint8_t *buf, unsigned w)
{
        return le16_load(buf + 2 * w);
}

/* 512-byte structures whose word 255 is the integrity word: signature A5h in bits 7:0, and a
 * checksum in bits 15:8 that makes the bytes sum to zero. */
static bool is_integrity_ok(const uint8_t buf[512])
{
        if (buf[510] != 0xa5)
                return false;
        uint8_t sum = 0;
        for (size_t i = 0; i < ATA_SECTOR_BYTES; i++)
                sum += buf[i];
        return sum == 0;
}

/* ACS-2 DCO IDENTIFY data structure: word 0 revision, 1 MWDMA, 2 UDMA, 3-6 maximum LBA, 7-10 feature bits,
 * 255 integrity. */
int ata_parse_dco_identify(const uint8_t buf[512], struct ata_dco *ret)
{
        struct ata_dco d = { 0 };

        if (!is_integrity_ok(buf))
                return -EBADMSG;
        d.revision = word_at(buf, 0);
        d.mwdma_modes = word_at(buf, 1);
        d.udma_modes = word_at(buf, 2);
        for (unsigned i = 0; i < 4; i++)
                d.max_lba |= (uint64_t)word_at(buf, 3 + i) << (16 * i);
        for (unsigned i = 0; i < 4; i++)
                d.features[i] = word_at(buf, 7 + i);
        *ret = d;
        return 0;
}

/* ACS-3 (words 89/90): bit 15 set = extended format, time in bits 14:0, else
 * normal format, time in bits 7:0; units of 2 minutes; 0 = not reported; all ones = "longer". */
static void decode_erase_time(uint16_t w, uint32_t *ret_minutes, bool *ret_is_longer)
{
        uint16_t max = (w & 0x8000) ? 0x7fff : 0xff;
        uint16_t v = (w & 0x8000) ? (w & 0x7fff) : (w & 0xff);
        *ret_minutes = (uint32_t)v * 2;
        *ret_is_longer = v == max;
}

int ata_parse_purge_caps(const uint8_t buf[512], struct ata_purge_caps *ret)
{
        struct ata_identity id;
        struct ata_purge_caps c = { 0 };

        /* Shares the identity decoder's refusals (ATAPI, integrity) and its capability bits. */
        int r = ata_parse_identify(buf, &id);
        if (r < 0)
                return r;

        uint16_t w59 = word_at(buf, 59);
        c.has_sanitize = w59 & (1u << 12);
        c.has_sanitize_crypto = id.capabilities & DISK_CAP_ATA_SANITIZE_CRYPTO;
        c.has_sanitize_overwrite = id.capabilities & DISK_CAP_ATA_SANITIZE_OVERWRITE;
        c.has_sanitize_block = id.capabilities & DISK_CAP_ATA_SANITIZE_BLOCK;
        c.has_sanitize_antifreeze = c.has_sanitize && (w59 & (1u << 10));
        c.is_sanitize_acs3_commands = c.has_sanitize && (w59 & (1u << 11));

        uint16_t w128 = word_at(buf, 128);
        c.has_security = id.capabilities & DISK_CAP_ATA_SECURITY_ERASE;
        if (c.has_security) {
                c.is_security_enabled = w128 & (1u << 1);
                c.is_security_locked = w128 & (1u << 2);
                c.is_security_frozen = w128 & (1u << 3);
                c.is_security_count_expired = w128 & (1u << 4);
                c.has_enhanced_erase = id.capabilities & DISK_CAP_ATA_ENHANCED_SECURITY_ERASE;
                c.is_master_maximum = w128 & (1u << 8);
                decode_erase_time(word_at(buf, 89), &c.erase_minutes, &c.is_erase_longer);
                decode_erase_time(word_at(buf, 90), &c.enhanced_erase_minutes, &c.is_enhanced_erase_longer);
                c.master_password_id = word_at(buf, 92);
        }

        /* Words 82/83 are valid when word 83 reads 01b in bits 15:14; word 119 likewise. */
        uint16_t w82 = word_at(buf, 82), w83 = word_at(buf, 83);
        if ((w83 & 0xc000) == 0x4000) {
                c.has_hpa = w82 & (1u << 10);
                c.has_dco = w83 & (1u << 11);
                c.has_lba48 = w83 & (1u << 10);
        }
        uint16_t w119 = word_at(buf, 119);
        if ((w119 & 0xc000) == 0x4000)
                c.has_ama = w119 & (1u << 8);
        if ((w83 & 0xc000) == 0x4000)
                c.has_smart = w82 & 1u;
        uint16_t w85 = word_at(buf, 85), w87 = word_at(buf, 87);
        if (c.has_smart && (w87 & 0xc000) == 0x4000)
                c.is_smart_enabled = w85 & 1u;
        uint16_t w69 = word_at(buf, 69);
        c.has_extended_sectors = w69 & (1u << 3);
        c.is_encrypting_all = w69 & (1u << 4);

        *ret = c;
        return 0;
}

/* ---- SMART, ACS-3 ---------------------------------------------------------------------------- */

enum {
        SMART_READ_DATA = 0xd0,
        SMART_KEY_LBA = 0xc24f00, /* LBA(15:8) 4Fh, LBA(23:16) C2h: the SMART signature */
        SMART_ENTRY_BYTES = 12,
        SMART_FIRST_ENTRY = 2,
};

/* ACS-3 SMART READ DATA: PIO data-in, one block, 28-bit. */
void ata_build_smart_read_data(uint8_t ret_cdb[16])
{
        build_fixed(&(struct ata_pt_cmd){ .command = ATA_CMD_SMART,
                                          .feature = SMART_READ_DATA,
                                          .count = 1,
                                          .lba = SMART_KEY_LBA,
                                          .protocol = ATA_PT_PIO_DATA_IN },
                    ret_cdb);
}

/* SMART data structure (ATA8-ACS; the attribute table is the de-facto layout every vendor and
 * smartctl use): bytes 1:0 revision, 30 entries of 12 bytes from byte 2, byte 511 checksum. */
void ata_parse_smart_data(const uint8_t buf[512], struct ata_smart_data *ret)
{
        struct ata_smart_data d = { .revision = le16_load(buf) };
        uint8_t sum = 0;

        for (size_t i = 0; i < ATA_SECTOR_BYTES; i++)
                sum += buf[i];
        d.is_checksum_ok = sum == 0;
        for (size_t i = 0; i < ATA_SMART_MAX_ATTRIBUTES; i++) {
                const uint8_t *e = buf + SMART_FIRST_ENTRY + i * SMART_ENTRY_BYTES;
                if (e[0] == 0)
                        continue;
                struct ata_smart_attribute *a = &d.attributes[d.n_attributes++];
                a->id = e[0];
                a->flags = le16_load(e + 1);
                a->value = e[3];
                a->worst = e[4];
                a->raw = (uint64_t)le32_load(e + 5) | (uint64_t)le16_load(e + 9) << 32;
        }
        *ret = d;
}

const struct ata_smart_attribute *ata_smart_find(const struct ata_smart_data *d, uint8_t id)
{
        for (size_t i = 0; i < d->n_attributes; i++)
                if (d->attributes[i].id == id)
                        return &d->attributes[i];
        return NULL;
}
