/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ATA purge commands carried in SAT ATA PASS-THROUGH(16) CDBs (SAT-5), and decoders of
 * the drive's answers. Builders only fill bytes; parsers only read them. A caller sends the CDB
 * (and, for PIO data-out, the 512-byte payload) through a transport and hands the sense data back
 * to sense_classify()/sense_ata_registers().
 *
 * Commands that report their result in output registers (SANITIZE STATUS EXT, READ NATIVE MAX
 * ADDRESS EXT, GET NATIVE MAX ADDRESS EXT) set CK_COND so the SATL returns those registers even on
 * success. Their 48-bit outputs (COUNT(15:8), LBA(47:24)) survive only in descriptor-format sense;
 * fixed format carries just "upper bytes non-zero" flags, so parsers return -ENODATA when a value
 * they need was cut off (ask for descriptor sense: D_SENSE=1 in the Control mode page).
 */

#include <stdbool.h>
#include <stdint.h>

#include "sense.h"

#define ATA_PT16_CDB_BYTES          16
#define ATA_SECTOR_BYTES            512
#define ATA_SECURITY_PASSWORD_BYTES 32
#define ATA_MAX_LBA48               UINT64_C(0xffffffffffff)

/* Command opcodes (ACS-4 unless noted). */
enum {
        ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT = 0x27,          /* ACS-2; obsolete in ACS-3 */
        ATA_CMD_SET_MAX_ADDRESS_EXT = 0x37,                  /* ACS-2; obsolete in ACS-3 */
        ATA_CMD_ACCESSIBLE_MAX_ADDRESS_CONFIGURATION = 0x78, /* ACS-4 */
        ATA_CMD_DEVICE_CONFIGURATION = 0xb1,                 /* ACS-2; obsolete in ACS-3 */
        ATA_CMD_SANITIZE_DEVICE = 0xb4,                      /* ACS-4 */
        ATA_CMD_SECURITY_SET_PASSWORD = 0xf1,                /* ACS-4 */
        ATA_CMD_SECURITY_UNLOCK = 0xf2,                      /* ACS-4 */
        ATA_CMD_SECURITY_ERASE_PREPARE = 0xf3,               /* ACS-4 */
        ATA_CMD_SECURITY_ERASE_UNIT = 0xf4,                  /* ACS-4 */
        ATA_CMD_SECURITY_FREEZE_LOCK = 0xf5,                 /* ACS-4 */
        ATA_CMD_SECURITY_DISABLE_PASSWORD = 0xf6,            /* ACS-4 */
};

/* ---- SANITIZE DEVICE (B4h) ------------------------------------------------------------------ */

struct ata_sanitize_opts {
        bool is_failure_mode;   /* FAILURE MODE: a failed sanitize may be left by SANITIZE STATUS */
        bool is_zoned_no_reset; /* ZNR (ACS-4): zoned devices keep their write pointers */
};

struct ata_overwrite_opts {
        uint32_t pattern;                  /* OVERWRITE PATTERN, LBA(31:0) */
        unsigned passes;                   /* 1..16; 16 is sent as OVERWRITE COUNT 0 */
        bool is_invert;                    /* INVERT PATTERN BETWEEN OVERWRITE PASSES */
        bool is_definitive_ending_pattern; /* DEFINITIVE ENDING PATTERN (ACS-4) */
        bool is_failure_mode;
        bool is_zoned_no_reset;
};

/* CRYPTO SCRAMBLE EXT (FEATURE 0011h, LBA 4372_7970h "Cryp"). */
void ata_build_sanitize_crypto_scramble(const struct ata_sanitize_opts *o, uint8_t ret_cdb[16]);
/* BLOCK ERASE EXT (FEATURE 0012h, LBA 0000_426B_4572h "BkEr"). */
void ata_build_sanitize_block_erase(const struct ata_sanitize_opts *o, uint8_t ret_cdb[16]);
/* OVERWRITE EXT (FEATURE 0014h, LBA(47:32) 4F57h "OW", LBA(31:0) pattern). -EINVAL for passes
 * outside 1..16. */
int ata_build_sanitize_overwrite(const struct ata_overwrite_opts *o, uint8_t ret_cdb[16]);
/* SANITIZE STATUS EXT (FEATURE 0000h), CK_COND set; COUNT bit 0 CLEAR SANITIZE OPERATION FAILED. */
void ata_build_sanitize_status(bool is_clear_failed, uint8_t ret_cdb[16]);
/* SANITIZE FREEZE LOCK EXT (FEATURE 0020h, LBA 4672_4C6Bh "FrLk"). */
void ata_build_sanitize_freeze_lock(uint8_t ret_cdb[16]);
/* SANITIZE ANTIFREEZE LOCK EXT (FEATURE 0040h, LBA 416E_7469h "Anti"). */
void ata_build_sanitize_antifreeze_lock(uint8_t ret_cdb[16]);

struct ata_sanitize_status {
        bool is_aborted;      /* the device completed SANITIZE STATUS EXT with ERR/ABRT */
        bool is_completed_ok; /* SANITIZE OPERATION COMPLETED WITHOUT ERROR, COUNT bit 15 */
        bool is_in_progress;  /* SANITIZE IN PROGRESS, COUNT bit 14 */
        bool is_frozen;       /* SANITIZE DEVICE FROZEN, COUNT bit 13 */
        bool is_antifreeze;   /* SANITIZE ANTIFREEZE, COUNT bit 12 */
        uint16_t progress;    /* SANITIZE PROGRESS INDICATION, LBA(15:0), 1/65536ths */
        uint8_t error_reason; /* on abort: LBA(7:0), SANITIZE DEVICE ERROR REASON */
};

/* Sanitize device error reasons (ACS-4 Table "Sanitize Device error reason"; see report). */
enum {
        ATA_SANITIZE_REASON_UNKNOWN = 0x00,
        ATA_SANITIZE_REASON_FAILED = 0x01,      /* the last sanitize command completed unsuccessfully */
        ATA_SANITIZE_REASON_UNSUPPORTED = 0x02, /* unsupported sanitize command */
        ATA_SANITIZE_REASON_FROZEN = 0x03,      /* the device is in the SANITIZE FROZEN state */
        ATA_SANITIZE_REASON_ANTIFREEZE = 0x04,  /* SANITIZE ANTIFREEZE LOCK is in effect */
};

/* Decodes the registers SANITIZE STATUS EXT (or any sanitize command) returned (ACS-4).
 * -ENODATA when the status flags in COUNT(15:8) did not survive fixed-format sense. */
int ata_parse_sanitize_status(const struct ata_registers *regs, struct ata_sanitize_status *ret);

/* ---- Security feature set (F1h-F6h) --------------------------------------------------------- */

enum ata_password_id { ATA_PASSWORD_USER = 0, ATA_PASSWORD_MASTER = 1 };
enum ata_master_capability { ATA_MASTER_HIGH = 0, ATA_MASTER_MAXIMUM = 1 };

/* CDBs: SET PASSWORD, UNLOCK, ERASE UNIT and DISABLE PASSWORD move one 512-byte block PIO
 * data-out; ERASE PREPARE and FREEZE LOCK are non-data. */
void ata_build_security_set_password(uint8_t ret_cdb[16]);
void ata_build_security_unlock(uint8_t ret_cdb[16]);
void ata_build_security_erase_prepare(uint8_t ret_cdb[16]);
void ata_build_security_erase_unit(uint8_t ret_cdb[16]);
void ata_build_security_freeze_lock(uint8_t ret_cdb[16]);
void ata_build_security_disable_password(uint8_t ret_cdb[16]);

/* SECURITY SET PASSWORD data (ACS-4 Table "SECURITY SET PASSWORD data content"): word 0 bit 0
 * IDENTIFIER, bit 8 MASTER PASSWORD CAPABILITY; words 1-16 PASSWORD; word 17 MASTER PASSWORD
 * IDENTIFIER (used with ATA_PASSWORD_MASTER only). The payload holds a secret: wipe it after use. */
void ata_build_security_set_password_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                          enum ata_password_id id, enum ata_master_capability cap,
                                          uint16_t master_password_id, uint8_t ret_data[512]);
/* SECURITY ERASE UNIT data: word 0 bit 0 IDENTIFIER, bit 1 ENHANCED; words 1-16 PASSWORD. */
void ata_build_security_erase_unit_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                        enum ata_password_id id, bool is_enhanced, uint8_t ret_data[512]);
/* SECURITY UNLOCK / DISABLE PASSWORD data: word 0 bit 0 IDENTIFIER; words 1-16 PASSWORD. */
void ata_build_security_password_data(const uint8_t password[ATA_SECURITY_PASSWORD_BYTES],
                                      enum ata_password_id id, uint8_t ret_data[512]);

/* ---- Host protected area, DCO, accessible max address ------------------------------------------ */

/* READ NATIVE MAX ADDRESS EXT (27h), CK_COND set. */
void ata_build_read_native_max_ext(uint8_t ret_cdb[16]);
/* SET MAX ADDRESS EXT (37h): LBA = max_lba, COUNT bit 0 VV (is_permanent: the value survives power
 * cycles). -EINVAL beyond 48 bits. */
int ata_build_set_max_address_ext(uint64_t max_lba, bool is_permanent, uint8_t ret_cdb[16]);
/* DEVICE CONFIGURATION IDENTIFY (B1h/C2h, PIO data-in, 512 bytes). */
void ata_build_dco_identify(uint8_t ret_cdb[16]);
/* DEVICE CONFIGURATION RESTORE (B1h/C0h, non-data). */
void ata_build_dco_restore(uint8_t ret_cdb[16]);
/* ACCESSIBLE MAX ADDRESS CONFIGURATION (78h): GET NATIVE MAX ADDRESS EXT (0000h, CK_COND set),
 * SET ACCESSIBLE MAX ADDRESS EXT (0001h; -EINVAL beyond 48 bits), FREEZE ACCESSIBLE MAX ADDRESS
 * EXT (0002h). */
void ata_build_get_native_max_address(uint8_t ret_cdb[16]);
int ata_build_set_accessible_max_address(uint64_t max_lba, uint8_t ret_cdb[16]);
void ata_build_freeze_accessible_max_address(uint8_t ret_cdb[16]);

/* The 48-bit LBA READ NATIVE MAX ADDRESS EXT or GET NATIVE MAX ADDRESS EXT returned (the native
 * max address, i.e. the last LBA). -EIO when the device set ERR, -ENODATA when LBA(47:24) was cut
 * off by fixed-format sense. */
int ata_parse_native_max(const struct ata_registers *regs, uint64_t *ret_max_lba);

/* DEVICE CONFIGURATION IDENTIFY data (ACS-2, DEVICE CONFIGURATION IDENTIFY data structure). */
struct ata_dco {
        uint16_t revision; /* word 0, 0002h */
        uint64_t max_lba;  /* words 3-6: the largest LBA the device can be configured to report */
        uint16_t mwdma_modes, udma_modes; /* words 1, 2 */
        uint16_t features[4];             /* words 7-10: command set/feature bits that can be hidden */
};

/* -EBADMSG unless word 255 holds the A5h signature and the 512 bytes sum to zero. */
int ata_parse_dco_identify(const uint8_t buf[512], struct ata_dco *ret);

/* ---- What IDENTIFY DEVICE says about purging (ACS-3) ------------------------------------ */

struct ata_purge_caps {
        /* Sanitize, word 59 (bits 13-15 via ata_parse_identify()) */
        bool has_sanitize;              /* bit 12 */
        bool has_sanitize_crypto;       /* bit 13 */
        bool has_sanitize_overwrite;    /* bit 14 */
        bool has_sanitize_block;        /* bit 15 */
        bool has_sanitize_antifreeze;   /* bit 10: SANITIZE ANTIFREEZE LOCK EXT supported */
        bool is_sanitize_acs3_commands; /* bit 11: commands allowed during sanitize are ACS-3's */
        /* Security, word 128 (+ word 82 bit 1) */
        bool has_security;
        bool is_security_enabled;        /* bit 1 */
        bool is_security_locked;         /* bit 2 */
        bool is_security_frozen;         /* bit 3 */
        bool is_security_count_expired;  /* bit 4 */
        bool has_enhanced_erase;         /* bit 5 */
        bool is_master_maximum;          /* bit 8: MASTER PASSWORD CAPABILITY is Maximum */
        uint32_t erase_minutes;          /* word 89; 0 = not reported */
        uint32_t enhanced_erase_minutes; /* word 90; 0 = not reported */
        bool is_erase_longer;            /* word 89 holds its maximum: "more than erase_minutes" */
        bool is_enhanced_erase_longer;   /* likewise word 90 */
        uint16_t master_password_id;     /* word 92; 0000h and FFFFh mean none */
        /* Hidden areas */
        bool has_hpa;              /* word 82 bit 10 */
        bool has_dco;              /* word 83 bit 11 (ATA8-ACS; obsolete in ACS-3) */
        bool has_ama;              /* word 119 bit 8: Accessible Max Address Configuration */
        bool has_extended_sectors; /* word 69 bit 3: words 230-233 valid */
        bool is_encrypting_all;    /* word 69 bit 4: device encrypts all user data */
        bool has_lba48;            /* word 83 bit 10 */
        /* SMART */
        bool has_smart;        /* word 82 bit 0 */
        bool is_smart_enabled; /* word 85 bit 0 (valid when word 87 reads 01b in bits 15:14) */
};

/* Decodes the purge-related words. Refuses what ata_parse_identify() refuses (ATAPI, bad checksum). */
int ata_parse_purge_caps(const uint8_t buf[512], struct ata_purge_caps *ret);

/* ---- SMART (ACS-3 SMART feature set, B0h) ------------------------------------------------------ */

#define ATA_CMD_SMART            0xb0
#define ATA_SMART_MAX_ATTRIBUTES 30

/* SMART attribute IDs kesu reads (de-facto vendor numbering; ACS leaves them vendor specific). */
enum {
        ATA_SMART_ID_REALLOCATED = 5,
        ATA_SMART_ID_POWER_ON_HOURS = 9,
        ATA_SMART_ID_AIRFLOW_TEMPERATURE = 190,
        ATA_SMART_ID_TEMPERATURE = 194,
        ATA_SMART_ID_PENDING = 197,
};

/* SMART READ DATA (B0h, FEATURE D0h, LBA(23:8) C24Fh, PIO data-in, one 512-byte block; 28-bit). */
void ata_build_smart_read_data(uint8_t ret_cdb[16]);

struct ata_smart_attribute {
        uint8_t id;     /* 1-255; 0 marks an unused entry (never returned) */
        uint16_t flags; /* little-endian status flags */
        uint8_t value;  /* normalised current value */
        uint8_t worst;
        uint64_t raw; /* the 6 raw bytes, little-endian (48 bits; their meaning is vendor specific) */
};

struct ata_smart_data {
        uint16_t revision; /* bytes 1:0 */
        size_t n_attributes;
        struct ata_smart_attribute attributes[ATA_SMART_MAX_ATTRIBUTES];
        bool is_checksum_ok; /* byte 511 makes bytes 0-511 sum to zero (many drives get it wrong) */
};

/* Decodes SMART READ DATA: 30 entries of 12 bytes from byte 2 (id, flags, value, worst, raw[6],
 * reserved). Entries with id 0 are skipped. Never fails on a bad checksum (is_checksum_ok says). */
void ata_parse_smart_data(const uint8_t buf[512], struct ata_smart_data *ret);
/* The attribute id in d, NULL when absent. */
const struct ata_smart_attribute *ata_smart_find(const struct ata_smart_data *d, uint8_t id);

/* ---- The generic builder ------------------------------------------------------------------------ */

enum ata_pt_protocol {
        ATA_PT_NON_DATA = 3, /* SAT-5 Table "PROTOCOL field" */
        ATA_PT_PIO_DATA_IN = 4,
        ATA_PT_PIO_DATA_OUT = 5,
};

struct ata_pt_cmd {
        uint8_t command;
        uint16_t feature;
        uint16_t count;
        uint64_t lba; /* 48 bits used */
        uint8_t device;
        enum ata_pt_protocol protocol;
        bool is_extend;  /* 48-bit command: EXTEND = 1 */
        bool is_ck_cond; /* return the output registers even on success */
};

/* Fills an ATA PASS-THROUGH(16) CDB (SAT-5). For PIO protocols the transfer length is
 * COUNT 512-byte blocks (T_LENGTH 2, BYT_BLOK 1, T_TYPE 0). -EINVAL for an LBA beyond 48 bits, a
 * 28-bit command with LBA or FEATURE/COUNT beyond its registers, or a PIO command of 0 blocks. */
int ata_pt16_build(const struct ata_pt_cmd *c, uint8_t ret_cdb[16]);
