/* SPDX-License-Identifier: MIT */
/*
 * wiper/device ATA layer: every ATA PASS-THROUGH(16) CDB against golden bytes written out from the
 * field definitions (SAT-5 CDB layout, ACS-4 SANITIZE, SECURITY, AMA,
 * ACS-2 DCO and HPA), and the sense parsers against buffers laid out by hand in the
 * three layouts: descriptor 72h with the 09h ATA Status Return descriptor (SAT-5), fixed
 * 70h as SAT-5 and Linux >= 6.11 write it, and fixed 70h as libata wrote it before
 * commit 38dab832c3f4.
 *
 * CDB byte map used for the golden arrays (SAT-5 Table "ATA PASS-THROUGH (16) command"):
 *   [0] 85h  [1] PROTOCOL<<1 | EXTEND  [2] CK_COND<<5 | T_DIR<<3 | BYT_BLOK<<2 | T_LENGTH
 *   [3] FEATURE(15:8) [4] FEATURE(7:0) [5] COUNT(15:8) [6] COUNT(7:0)
 *   [7] LBA(31:24) [8] LBA(7:0) [9] LBA(39:32) [10] LBA(15:8) [11] LBA(47:40) [12] LBA(23:16)
 *   [13] DEVICE [14] COMMAND [15] CONTROL
 * PROTOCOL: 3 non-data, 4 PIO data-in, 5 PIO data-out. So byte 1 is 07h for a non-data 48-bit
 * command, 06h non-data 28-bit, 08h PIO-in 28-bit, 0Ah PIO-out 28-bit; byte 2 is 00h non-data,
 * 20h non-data with CK_COND, 0Eh PIO-in (T_DIR 1, BYT_BLOK 1, T_LENGTH 2), 06h PIO-out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ata-cmd.h"
#include "sense.h"

static void assert_cdb(const uint8_t *got, const uint8_t expected[16])
{
        for (int i = 0; i < 16; i++) {
                if (got[i] != expected[i])
                        fail_msg("CDB byte %d: got %02Xh, expected %02Xh", i, got[i], expected[i]);
        }
}

/* ---- SANITIZE DEVICE ------------------------------------------------------------------------- */

static void test_sanitize_crypto_scramble(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* FEATURE 0011h; LBA 4372_7970h ("Cryp"): (31:24)=43 (23:16)=72 (15:8)=79 (7:0)=70 */
        static const uint8_t plain[16] = { 0x85, 0x07, 0x00, 0x00, 0x11, 0x00, 0x00, 0x43,
                                           0x70, 0x00, 0x79, 0x00, 0x72, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_crypto_scramble(&(struct ata_sanitize_opts){ 0 }, cdb);
        assert_cdb(cdb, plain);

        /* FAILURE MODE = COUNT bit 4, ZNR = COUNT bit 15 -> COUNT 8010h */
        static const uint8_t flags[16] = { 0x85, 0x07, 0x00, 0x00, 0x11, 0x80, 0x10, 0x43,
                                           0x70, 0x00, 0x79, 0x00, 0x72, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_crypto_scramble(
                &(struct ata_sanitize_opts){ .is_failure_mode = true, .is_zoned_no_reset = true }, cdb);
        assert_cdb(cdb, flags);
}

static void test_sanitize_block_erase(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* FEATURE 0012h; LBA 0000_426B_4572h ("BkEr"): (31:24)=42 (23:16)=6B (15:8)=45 (7:0)=72 */
        static const uint8_t expected[16] = { 0x85, 0x07, 0x00, 0x00, 0x12, 0x00, 0x10, 0x42,
                                              0x72, 0x00, 0x45, 0x00, 0x6b, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_block_erase(&(struct ata_sanitize_opts){ .is_failure_mode = true }, cdb);
        assert_cdb(cdb, expected);
}

static void test_sanitize_overwrite(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* FEATURE 0014h; LBA(47:32) = 4F57h ("OW"), LBA(31:0) = pattern DEADBEEFh;
         * COUNT: INVERT bit 7 + 3 passes = 0083h */
        static const uint8_t expected[16] = { 0x85, 0x07, 0x00, 0x00, 0x14, 0x00, 0x83, 0xde,
                                              0xef, 0x57, 0xbe, 0x4f, 0xad, 0x40, 0xb4, 0x00 };
        assert_int_equal(ata_build_sanitize_overwrite(&(struct ata_overwrite_opts){ .pattern = 0xdeadbeef,
                                                                                    .passes = 3,
                                                                                    .is_invert = true },
                                                      cdb),
                         0);
        assert_cdb(cdb, expected);

        /* 16 passes = OVERWRITE COUNT 0; DEFINITIVE ENDING PATTERN bit 6, FAILURE MODE bit 4,
         * ZNR bit 15 -> COUNT 8050h; pattern 0 */
        static const uint8_t sixteen[16] = { 0x85, 0x07, 0x00, 0x00, 0x14, 0x80, 0x50, 0x00,
                                             0x00, 0x57, 0x00, 0x4f, 0x00, 0x40, 0xb4, 0x00 };
        assert_int_equal(ata_build_sanitize_overwrite(
                                 &(struct ata_overwrite_opts){ .passes = 16,
                                                               .is_definitive_ending_pattern = true,
                                                               .is_failure_mode = true,
                                                               .is_zoned_no_reset = true },
                                 cdb),
                         0);
        assert_cdb(cdb, sixteen);

        /* 0 and 17 passes are refused and the CDB is left alone. */
        uint8_t untouched[16];
        memset(untouched, 0xaa, sizeof untouched);
        memcpy(cdb, untouched, sizeof cdb);
        assert_int_equal(ata_build_sanitize_overwrite(&(struct ata_overwrite_opts){ .passes = 0 }, cdb),
                         -EINVAL);
        assert_int_equal(ata_build_sanitize_overwrite(&(struct ata_overwrite_opts){ .passes = 17 }, cdb),
                         -EINVAL);
        assert_memory_equal(cdb, untouched, 16);
}

static void test_sanitize_status_and_locks(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* SANITIZE STATUS EXT: FEATURE 0000h, CK_COND (byte 2 = 20h), COUNT bit 0 CLEAR SANITIZE
         * OPERATION FAILED */
        static const uint8_t status[16] = { 0x85, 0x07, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xb4, 0x00 };
        static const uint8_t status_clear[16] = { 0x85, 0x07, 0x20, 0x00, 0x00, 0x00, 0x01, 0x00,
                                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_status(false, cdb);
        assert_cdb(cdb, status);
        ata_build_sanitize_status(true, cdb);
        assert_cdb(cdb, status_clear);

        /* FREEZE LOCK EXT: FEATURE 0020h, LBA 4672_4C6Bh ("FrLk") */
        static const uint8_t freeze[16] = { 0x85, 0x07, 0x00, 0x00, 0x20, 0x00, 0x00, 0x46,
                                            0x6b, 0x00, 0x4c, 0x00, 0x72, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_freeze_lock(cdb);
        assert_cdb(cdb, freeze);

        /* ANTIFREEZE LOCK EXT: FEATURE 0040h, LBA 416E_7469h ("Anti") */
        static const uint8_t antifreeze[16] = { 0x85, 0x07, 0x00, 0x00, 0x40, 0x00, 0x00, 0x41,
                                                0x69, 0x00, 0x74, 0x00, 0x6e, 0x40, 0xb4, 0x00 };
        ata_build_sanitize_antifreeze_lock(cdb);
        assert_cdb(cdb, antifreeze);
}

/* ---- SECURITY -------------------------------------------------------------------------------- */

static void test_security_cdbs(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* PIO data-out, 28-bit, one 512-byte block in COUNT */
#define PIO_OUT(op)                                                                                         \
        {                                                                                                   \
                0x85, 0x0a, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, op,     \
                        0x00                                                                                \
        }
#define NON_DATA(op)                                                                                        \
        {                                                                                                   \
                0x85, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, op,     \
                        0x00                                                                                \
        }
        static const uint8_t set_password[16] = PIO_OUT(0xf1);
        static const uint8_t unlock[16] = PIO_OUT(0xf2);
        static const uint8_t erase_prepare[16] = NON_DATA(0xf3);
        static const uint8_t erase_unit[16] = PIO_OUT(0xf4);
        static const uint8_t freeze_lock[16] = NON_DATA(0xf5);
        static const uint8_t disable_password[16] = PIO_OUT(0xf6);
#undef PIO_OUT
#undef NON_DATA
        ata_build_security_set_password(cdb);
        assert_cdb(cdb, set_password);
        ata_build_security_unlock(cdb);
        assert_cdb(cdb, unlock);
        ata_build_security_erase_prepare(cdb);
        assert_cdb(cdb, erase_prepare);
        ata_build_security_erase_unit(cdb);
        assert_cdb(cdb, erase_unit);
        ata_build_security_freeze_lock(cdb);
        assert_cdb(cdb, freeze_lock);
        ata_build_security_disable_password(cdb);
        assert_cdb(cdb, disable_password);
}

static void test_security_payloads(void **state)
{
        (void)state;
        uint8_t pw[32];
        for (int i = 0; i < 32; i++)
                pw[i] = (uint8_t)('A' + i % 26);
        uint8_t data[512];

        /* SET PASSWORD, master, capability Maximum, identifier 1234h: word 0 = 0101h (bit 0
         * IDENTIFIER, bit 8 MASTER PASSWORD CAPABILITY), words 1-16 password, word 17 = 1234h */
        memset(data, 0xcc, sizeof data);
        ata_build_security_set_password_data(pw, ATA_PASSWORD_MASTER, ATA_MASTER_MAXIMUM, 0x1234, data);
        assert_int_equal(data[0], 0x01);
        assert_int_equal(data[1], 0x01);
        assert_memory_equal(data + 2, pw, 32);
        assert_int_equal(data[34], 0x34);
        assert_int_equal(data[35], 0x12);
        for (int i = 36; i < 512; i++)
                assert_int_equal(data[i], 0);

        /* user password, High: word 0 = 0000h, and no master identifier */
        ata_build_security_set_password_data(pw, ATA_PASSWORD_USER, ATA_MASTER_HIGH, 0x1234, data);
        assert_int_equal(data[0], 0x00);
        assert_int_equal(data[1], 0x00);
        assert_int_equal(data[34], 0x00);
        assert_int_equal(data[35], 0x00);

        /* ERASE UNIT, user, enhanced: word 0 = 0002h (bit 1 ENHANCED) */
        memset(data, 0xcc, sizeof data);
        ata_build_security_erase_unit_data(pw, ATA_PASSWORD_USER, true, data);
        assert_int_equal(data[0], 0x02);
        assert_int_equal(data[1], 0x00);
        assert_memory_equal(data + 2, pw, 32);
        for (int i = 34; i < 512; i++)
                assert_int_equal(data[i], 0);
        ata_build_security_erase_unit_data(pw, ATA_PASSWORD_MASTER, false, data);
        assert_int_equal(data[0], 0x01);

        /* DISABLE PASSWORD / UNLOCK, master: word 0 = 0001h */
        ata_build_security_password_data(pw, ATA_PASSWORD_MASTER, data);
        assert_int_equal(data[0], 0x01);
        assert_int_equal(data[1], 0x00);
        assert_memory_equal(data + 2, pw, 32);
}

/* ---- HPA, DCO, AMA --------------------------------------------------------------------------- */

static void test_hpa_dco_ama_cdbs(void **state)
{
        (void)state;
        uint8_t cdb[16];

        /* READ NATIVE MAX ADDRESS EXT 27h: non-data 48-bit, CK_COND, DEVICE LBA bit */
        static const uint8_t read_native[16] = { 0x85, 0x07, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x27, 0x00 };
        ata_build_read_native_max_ext(cdb);
        assert_cdb(cdb, read_native);

        /* SET MAX ADDRESS EXT 37h, LBA 1234_5678_9ABCh, VV: (31:24)=56 (7:0)=BC (39:32)=34
         * (15:8)=9A (47:40)=12 (23:16)=78; COUNT 0001h */
        static const uint8_t set_max[16] = { 0x85, 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, 0x56,
                                             0xbc, 0x34, 0x9a, 0x12, 0x78, 0x40, 0x37, 0x00 };
        assert_int_equal(ata_build_set_max_address_ext(UINT64_C(0x123456789abc), true, cdb), 0);
        assert_cdb(cdb, set_max);
        uint8_t untouched[16];
        memcpy(untouched, cdb, 16);
        assert_int_equal(ata_build_set_max_address_ext(UINT64_C(1) << 48, false, cdb), -EINVAL);
        assert_memory_equal(cdb, untouched, 16);

        /* DEVICE CONFIGURATION IDENTIFY B1h/C2h: PIO data-in one block */
        static const uint8_t dco_identify[16] = { 0x85, 0x08, 0x0e, 0x00, 0xc2, 0x00, 0x01, 0x00,
                                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb1, 0x00 };
        ata_build_dco_identify(cdb);
        assert_cdb(cdb, dco_identify);
        /* DEVICE CONFIGURATION RESTORE B1h/C0h: non-data */
        static const uint8_t dco_restore[16] = { 0x85, 0x06, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00,
                                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb1, 0x00 };
        ata_build_dco_restore(cdb);
        assert_cdb(cdb, dco_restore);

        /* ACCESSIBLE MAX ADDRESS CONFIGURATION 78h */
        static const uint8_t ama_get[16] = { 0x85, 0x07, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
                                             0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x78, 0x00 };
        ata_build_get_native_max_address(cdb);
        assert_cdb(cdb, ama_get);
        /* SET ACCESSIBLE MAX ADDRESS EXT, FEATURE 0001h, LBA E8E0_88AFh:
         * (31:24)=E8 (7:0)=AF (15:8)=88 (23:16)=E0 */
        static const uint8_t ama_set[16] = { 0x85, 0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0xe8,
                                             0xaf, 0x00, 0x88, 0x00, 0xe0, 0x40, 0x78, 0x00 };
        assert_int_equal(ata_build_set_accessible_max_address(UINT64_C(0xe8e088af), cdb), 0);
        assert_cdb(cdb, ama_set);
        assert_int_equal(ata_build_set_accessible_max_address(UINT64_C(1) << 48, cdb), -EINVAL);
        static const uint8_t ama_freeze[16] = { 0x85, 0x07, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                                0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x78, 0x00 };
        ata_build_freeze_accessible_max_address(cdb);
        assert_cdb(cdb, ama_freeze);
}

static void test_pt16_generic_limits(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* A 28-bit command puts LBA(27:24) in DEVICE bits 3:0 and leaves the EXTEND bytes zero. */
        static const uint8_t lba28[16] = { 0x85, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0x44, 0x00, 0x33, 0x00, 0x22, 0x41, 0xf9, 0x00 };
        assert_int_equal(ata_pt16_build(&(struct ata_pt_cmd){ .command = 0xf9,
                                                              .lba = 0x1223344,
                                                              .device = 0x40,
                                                              .protocol = ATA_PT_NON_DATA },
                                        cdb),
                         0);
        assert_cdb(cdb, lba28);
        assert_int_equal(ata_pt16_build(&(struct ata_pt_cmd){ .command = 0xf9,
                                                              .lba = 0x10000000,
                                                              .protocol = ATA_PT_NON_DATA },
                                        cdb),
                         -EINVAL);
        assert_int_equal(
                ata_pt16_build(
                        &(struct ata_pt_cmd){ .command = 0xf1, .count = 0, .protocol = ATA_PT_PIO_DATA_OUT },
                        cdb),
                -EINVAL);
}

/* ---- sense data ------------------------------------------------------------------------------ */

/* Descriptor format, RECOVERED ERROR / ATA PASS-THROUGH INFORMATION AVAILABLE (00h/1Dh), with an
 * ATA Status Return descriptor: EXTEND, ERROR 00h, COUNT 4000h (SANITIZE IN PROGRESS), LBA(15:0)
 * 8000h (half done), DEVICE 40h, STATUS 50h. Descriptor bytes: 0 type 09h, 1 length 0Ch, 2 EXTEND,
 * 3 ERROR, 4 COUNT(15:8), 5 COUNT(7:0), 6 LBA(31:24), 7 LBA(7:0), 8 LBA(39:32), 9 LBA(15:8),
 * 10 LBA(47:40), 11 LBA(23:16), 12 DEVICE, 13 STATUS. */
static const uint8_t sense_desc_sanitizing[22] = {
        0x72, 0x01, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x0e, /* header, ADDITIONAL SENSE LENGTH 14 */
        0x09, 0x0c, 0x01, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0x50,
};

static void test_sense_descriptor_ata(void **state)
{
        (void)state;
        struct scsi_sense s;
        assert_int_equal(sense_parse(sense_desc_sanitizing, sizeof sense_desc_sanitizing, &s), 0);
        assert_true(s.is_descriptor);
        assert_false(s.is_deferred);
        assert_int_equal(s.response_code, 0x72);
        assert_int_equal(s.sense_key, SENSE_KEY_RECOVERED_ERROR);
        assert_int_equal(s.asc, 0x00);
        assert_int_equal(s.ascq, 0x1d);
        assert_true(s.has_ata);

        struct ata_registers r;
        /* The layout hint does not matter for descriptor format. */
        assert_int_equal(sense_ata_registers(sense_desc_sanitizing, sizeof sense_desc_sanitizing,
                                             SENSE_ATA_LAYOUT_LIBATA_LEGACY, &r),
                         0);
        assert_true(r.is_extended);
        assert_true(r.is_count_complete);
        assert_int_equal(r.error, 0x00);
        assert_int_equal(r.count, 0x4000);
        assert_int_equal(r.lba, 0x8000);
        assert_int_equal(r.device, 0x40);
        assert_int_equal(r.status, 0x50);

        struct ata_sanitize_status st;
        assert_int_equal(ata_parse_sanitize_status(&r, &st), 0);
        assert_true(st.is_in_progress);
        assert_false(st.is_completed_ok);
        assert_false(st.is_frozen);
        assert_false(st.is_aborted);
        assert_int_equal(st.progress, 0x8000);
        assert_int_equal(sense_progress_percent(st.progress), 50);

        struct sense_verdict v;
        assert_int_equal(sense_classify(sense_desc_sanitizing, sizeof sense_desc_sanitizing,
                                        SENSE_ATA_LAYOUT_AUTO, &v),
                         0);
        assert_int_equal(v.result, SENSE_RESULT_ATA_COMPLETED);
        assert_true(v.has_ata);
}

static void test_sense_descriptor_48bit_lba(void **state)
{
        (void)state;
        /* READ NATIVE MAX ADDRESS EXT answered 0000_E8E0_88AFh, every LBA byte distinct:
         * LBA 0xA1B2_C3D4_E5F6: (31:24)=C3 (7:0)=F6 (39:32)=B2 (15:8)=E5 (47:40)=A1 (23:16)=D4 */
        static const uint8_t buf[22] = {
                0x72, 0x01, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x0e, 0x09, 0x0c, 0x01,
                0x00, 0x00, 0x00, 0xc3, 0xf6, 0xb2, 0xe5, 0xa1, 0xd4, 0x40, 0x50,
        };
        struct ata_registers r;
        assert_int_equal(sense_ata_registers(buf, sizeof buf, SENSE_ATA_LAYOUT_AUTO, &r), 0);
        uint64_t max = 0;
        assert_int_equal(ata_parse_native_max(&r, &max), 0);
        assert_int_equal(max, UINT64_C(0xa1b2c3d4e5f6));

        /* A descriptor that runs past the sense data is malformed. */
        uint8_t bad[22];
        memcpy(bad, buf, sizeof bad);
        bad[9] = 0x20;
        struct scsi_sense s;
        assert_int_equal(sense_parse(bad, sizeof bad, &s), -EBADMSG);

        /* Descriptor sense without a 09h descriptor has no registers. */
        static const uint8_t none[8] = { 0x72, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        assert_int_equal(sense_ata_registers(none, sizeof none, SENSE_ATA_LAYOUT_AUTO, &r), -ENODATA);
}

/* Fixed format, SAT-5 / Linux >= 6.11. This is the sense hdparm -C printed on 6.11-rc2
 * (CHECK POWER MODE, CK_COND) in the regression report on linux-ide, 2024-08-07:
 * f0 00 01 00 50 40 ff 0a 00 00 78 00 00 1d ...: VALID + 70h, RECOVERED ERROR, INFORMATION =
 * ERROR 00h, STATUS 50h, DEVICE 40h, COUNT(7:0) FFh (active/idle); byte 8 flags 00h, LBA(7:0) 00h,
 * LBA(15:8) 78h, LBA(23:16) 00h; ASC/ASCQ 00h/1Dh. */
static const uint8_t sense_fixed_sat[32] = {
        0xf0, 0x00, 0x01, 0x00, 0x50, 0x40, 0xff, 0x0a, 0x00, 0x00, 0x78, 0x00, 0x00, 0x1d,
};

static void test_sense_fixed_sat_layout(void **state)
{
        (void)state;
        struct scsi_sense s;
        assert_int_equal(sense_parse(sense_fixed_sat, sizeof sense_fixed_sat, &s), 0);
        assert_false(s.is_descriptor);
        assert_int_equal(s.sense_key, SENSE_KEY_RECOVERED_ERROR);
        assert_int_equal(s.asc, 0x00);
        assert_int_equal(s.ascq, 0x1d);
        assert_true(s.has_information);
        assert_int_equal(s.information, 0x005040ff);
        assert_false(s.has_sks);

        struct ata_registers r;
        assert_int_equal(
                sense_ata_registers(sense_fixed_sat, sizeof sense_fixed_sat, SENSE_ATA_LAYOUT_AUTO, &r), 0);
        assert_int_equal(r.error, 0x00);
        assert_int_equal(r.status, 0x50);
        assert_int_equal(r.device, 0x40);
        assert_int_equal(r.count, 0xff);
        assert_int_equal(r.lba, 0x7800);
        assert_false(r.is_extended);
        assert_true(r.is_count_complete);
        assert_true(r.is_lba_complete);

        struct sense_verdict v;
        assert_int_equal(sense_classify(sense_fixed_sat, sizeof sense_fixed_sat, SENSE_ATA_LAYOUT_AUTO, &v),
                         0);
        assert_int_equal(v.result, SENSE_RESULT_ATA_COMPLETED);

        /* SANITIZE STATUS EXT in fixed format: EXTEND, COUNT UPPER NONZERO: the status flags in
         * COUNT(15:8) are lost, so the parser refuses to guess. */
        uint8_t sanitize[18] = { 0xf0, 0x00, 0x01, 0x00, 0x50, 0x40, 0x00,
                                 0x0a, 0xc0, 0x00, 0x80, 0x00, 0x00, 0x1d };
        assert_int_equal(sense_ata_registers(sanitize, sizeof sanitize, SENSE_ATA_LAYOUT_SAT, &r), 0);
        assert_true(r.is_extended);
        assert_false(r.is_count_complete);
        assert_true(r.is_lba_complete);
        struct ata_sanitize_status st;
        assert_int_equal(ata_parse_sanitize_status(&r, &st), -ENODATA);

        /* READ NATIVE MAX in fixed format: LBA UPPER NONZERO means LBA(47:24) was cut off... */
        uint8_t native[18] = { 0xf0, 0x00, 0x01, 0x00, 0x50, 0x40, 0x00,
                               0x0a, 0xa0, 0xaf, 0x88, 0xe0, 0x00, 0x1d };
        uint64_t max = 7;
        assert_int_equal(sense_ata_registers(native, sizeof native, SENSE_ATA_LAYOUT_SAT, &r), 0);
        assert_int_equal(ata_parse_native_max(&r, &max), -ENODATA);
        assert_int_equal(max, 7);
        /* ...and without it the 24 bits are the whole answer. */
        native[8] = 0x80;
        assert_int_equal(sense_ata_registers(native, sizeof native, SENSE_ATA_LAYOUT_SAT, &r), 0);
        assert_int_equal(ata_parse_native_max(&r, &max), 0);
        assert_int_equal(max, 0xe088af);
}

/* Fixed format as libata wrote it from v4.7 until 38dab832c3f4 (desc = sb + 8): ERROR, STATUS,
 * DEVICE, COUNT(7:0) at bytes 8-11, flags at 16, LBA(7:0)/(15:8)/(23:16) at 17-19; VALID clear;
 * ABORTED COMMAND. Here a SANITIZE command the device aborted: ERROR 04h (ABRT), STATUS 51h
 * (DRDY|ERR), EXTEND, LBA(7:0) 03h = SANITIZE DEVICE ERROR REASON "frozen". */
static const uint8_t sense_fixed_legacy[32] = {
        0x70, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x04, 0x51,
        0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x03, 0x00, 0x00,
};

static void test_sense_fixed_legacy_layout(void **state)
{
        (void)state;
        struct ata_registers r;
        assert_int_equal(sense_ata_registers(sense_fixed_legacy, sizeof sense_fixed_legacy,
                                             SENSE_ATA_LAYOUT_AUTO, &r),
                         0);
        assert_int_equal(r.error, 0x04);
        assert_int_equal(r.status, 0x51);
        assert_int_equal(r.device, 0x40);
        assert_int_equal(r.count, 0x00);
        assert_int_equal(r.lba, 0x03);
        assert_true(r.is_extended);

        struct ata_sanitize_status st;
        assert_int_equal(ata_parse_sanitize_status(&r, &st), 0);
        assert_true(st.is_aborted);
        assert_int_equal(st.error_reason, ATA_SANITIZE_REASON_FROZEN);

        struct sense_verdict v;
        assert_int_equal(
                sense_classify(sense_fixed_legacy, sizeof sense_fixed_legacy, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_ATA_ABORTED);
        assert_int_equal(v.sense.sense_key, SENSE_KEY_ABORTED_COMMAND);

        /* An explicit hint wins: read as SAT layout, the same bytes hold no status at all. */
        assert_int_equal(
                sense_ata_registers(sense_fixed_legacy, sizeof sense_fixed_legacy, SENSE_ATA_LAYOUT_SAT, &r),
                0);
        assert_int_equal(r.status, 0x00);
        assert_int_equal(r.lba, 0x4051); /* bytes 9-11: the legacy STATUS, DEVICE, COUNT */

        /* The legacy layout needs 20 bytes. */
        assert_int_equal(sense_ata_registers(sense_fixed_legacy, 18, SENSE_ATA_LAYOUT_LIBATA_LEGACY, &r),
                         -EBADMSG);

        /* Both candidate STATUS bytes zero: AUTO cannot tell. */
        static const uint8_t ambiguous[20] = { 0x70, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x0a };
        assert_int_equal(sense_ata_registers(ambiguous, sizeof ambiguous, SENSE_ATA_LAYOUT_AUTO, &r),
                         -ENOTUNIQ);
}

static void test_sense_progress(void **state)
{
        (void)state;
        /* Fixed: NOT READY, 04h/1Bh SANITIZE IN PROGRESS, SKSV + progress 4000h (25%) */
        static const uint8_t fixed[18] = { 0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
                                           0x00, 0x00, 0x00, 0x04, 0x1b, 0x00, 0x80, 0x40, 0x00 };
        struct sense_verdict v;
        assert_int_equal(sense_classify(fixed, sizeof fixed, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_IN_PROGRESS);
        assert_true(v.sense.has_sks);
        assert_true(v.sense.has_progress);
        assert_int_equal(v.sense.progress, 0x4000);
        assert_int_equal(sense_progress_percent(v.sense.progress), 25);

        /* Descriptor: NOT READY, 04h/04h FORMAT IN PROGRESS, sense-key specific descriptor (02h,
         * length 06h, SKS at bytes 4-6) with progress FFFFh */
        static const uint8_t desc[16] = { 0x72, 0x02, 0x04, 0x04, 0x00, 0x00, 0x00, 0x08,
                                          0x02, 0x06, 0x00, 0x00, 0x80, 0xff, 0xff, 0x00 };
        assert_int_equal(sense_classify(desc, sizeof desc, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_IN_PROGRESS);
        assert_int_equal(v.sense.progress, 0xffff);
        assert_int_equal(sense_progress_percent(v.sense.progress), 99);

        /* SKSV clear: no progress */
        uint8_t no_sksv[18];
        memcpy(no_sksv, fixed, sizeof no_sksv);
        no_sksv[15] = 0x00;
        assert_int_equal(sense_classify(no_sksv, sizeof no_sksv, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_false(v.sense.has_progress);
}

static void test_sense_classify_other(void **state)
{
        (void)state;
        struct sense_verdict v;

        /* no sense at all: GOOD */
        assert_int_equal(sense_classify(NULL, 0, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_GOOD);

        /* ILLEGAL REQUEST, 24h/00h INVALID FIELD IN CDB, field pointer SKS (C0h 00h 02h) */
        static const uint8_t illegal[18] = { 0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
                                             0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0xc0, 0x00, 0x02 };
        assert_int_equal(sense_classify(illegal, sizeof illegal, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_UNSUPPORTED);
        assert_false(v.has_ata);
        assert_true(v.sense.has_sks);
        assert_false(v.sense.has_progress); /* field pointer, not progress */

        /* Deferred descriptor sense, MEDIUM ERROR, Information descriptor (00h, length 0Ah, VALID,
         * 64-bit INFORMATION 0000_0000_0012_3456h) */
        static const uint8_t deferred[20] = { 0x73, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a,
                                              0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56 };
        assert_int_equal(sense_classify(deferred, sizeof deferred, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_OTHER);
        assert_true(v.sense.is_deferred);
        assert_true(v.sense.has_information);
        assert_int_equal(v.sense.information, 0x123456);

        /* ATA error without ABRT (UNC, 40h) in descriptor sense: ATA_ERROR */
        uint8_t unc[22];
        memcpy(unc, sense_desc_sanitizing, sizeof unc);
        unc[1] = 0x03;
        unc[11] = 0x40; /* ERROR */
        unc[21] = 0x51; /* STATUS DRDY|ERR */
        assert_int_equal(sense_classify(unc, sizeof unc, SENSE_ATA_LAYOUT_AUTO, &v), 0);
        assert_int_equal(v.result, SENSE_RESULT_ATA_ERROR);

        /* malformed */
        static const uint8_t junk[8] = { 0x00 };
        struct scsi_sense s;
        memset(&s, 0x5a, sizeof s);
        struct scsi_sense before = s;
        assert_int_equal(sense_parse(junk, sizeof junk, &s), -EBADMSG);
        assert_memory_equal(&s, &before, sizeof s);
        assert_int_equal(sense_parse(sense_fixed_sat, 4, &s), -EBADMSG);
}

static void test_sanitize_status_flags(void **state)
{
        (void)state;
        struct ata_sanitize_status st;
        /* COMPLETED WITHOUT ERROR (bit 15) + ANTIFREEZE (bit 12) */
        struct ata_registers r = { .status = 0x50,
                                   .count = 0x9000,
                                   .lba = 0xffff,
                                   .is_extended = true,
                                   .is_count_complete = true,
                                   .is_lba_complete = true };
        assert_int_equal(ata_parse_sanitize_status(&r, &st), 0);
        assert_true(st.is_completed_ok);
        assert_true(st.is_antifreeze);
        assert_false(st.is_in_progress);
        assert_false(st.is_frozen);
        /* FROZEN (bit 13) */
        r.count = 0x2000;
        assert_int_equal(ata_parse_sanitize_status(&r, &st), 0);
        assert_true(st.is_frozen);
        assert_false(st.is_completed_ok);
}

/* ---- IDENTIFY and DCO data ------------------------------------------------------------------- */

static void put_word(uint8_t *buf, unsigned w, uint16_t v)
{
        buf[2 * w] = (uint8_t)(v & 0xff);
        buf[2 * w + 1] = (uint8_t)(v >> 8);
}

static void seal_checksum(uint8_t *buf)
{
        buf[510] = 0xa5;
        uint8_t sum = 0;
        for (int i = 0; i < 511; i++)
                sum += buf[i];
        buf[511] = (uint8_t)(0 - sum);
}

static void test_purge_caps(void **state)
{
        (void)state;
        uint8_t id[512] = { 0 };
        put_word(id, 0, 0x0040);
        /* word 59: sanitize (12), crypto (13), block (15), antifreeze (10) */
        put_word(id, 59, 0x1000 | 0x2000 | 0x8000 | 0x0400);
        put_word(id, 69, 0x0010);                   /* encrypts all user data */
        put_word(id, 82, 0x0002 | 0x0400);          /* security, HPA */
        put_word(id, 83, 0x4000 | 0x0800 | 0x0400); /* valid, DCO, 48-bit */
        put_word(id, 89, 0x0003);                   /* normal format: 6 minutes */
        put_word(id, 90, 0x8000 | 0x7fff);          /* extended format, maximum: more than 65534 minutes */
        put_word(id, 92, 0xfffe);
        put_word(id, 119, 0x4000 | 0x0100); /* valid, AMA */
        /* word 128: supported, enabled, frozen, enhanced erase, master capability Maximum */
        put_word(id, 128, 0x0001 | 0x0002 | 0x0008 | 0x0020 | 0x0100);
        seal_checksum(id);

        struct ata_purge_caps c;
        assert_int_equal(ata_parse_purge_caps(id, &c), 0);
        assert_true(c.has_sanitize);
        assert_true(c.has_sanitize_crypto);
        assert_true(c.has_sanitize_block);
        assert_false(c.has_sanitize_overwrite);
        assert_true(c.has_sanitize_antifreeze);
        assert_false(c.is_sanitize_acs3_commands);
        assert_true(c.has_security);
        assert_true(c.is_security_enabled);
        assert_false(c.is_security_locked);
        assert_true(c.is_security_frozen);
        assert_false(c.is_security_count_expired);
        assert_true(c.has_enhanced_erase);
        assert_true(c.is_master_maximum);
        assert_int_equal(c.erase_minutes, 6);
        assert_false(c.is_erase_longer);
        assert_int_equal(c.enhanced_erase_minutes, 65534);
        assert_true(c.is_enhanced_erase_longer);
        assert_int_equal(c.master_password_id, 0xfffe);
        assert_true(c.has_hpa);
        assert_true(c.has_dco);
        assert_true(c.has_lba48);
        assert_true(c.has_ama);
        assert_true(c.is_encrypting_all);
        assert_false(c.has_extended_sectors);

        /* A bad checksum is refused, as ata_parse_identify() refuses it. */
        id[100] ^= 1;
        memset(&c, 0x5a, sizeof c);
        struct ata_purge_caps before = c;
        assert_int_equal(ata_parse_purge_caps(id, &c), -EBADMSG);
        assert_memory_equal(&c, &before, sizeof c);
}

static void test_dco_identify(void **state)
{
        (void)state;
        uint8_t buf[512] = { 0 };
        put_word(buf, 0, 0x0002);
        put_word(buf, 1, 0x0007);
        put_word(buf, 2, 0x007f);
        /* maximum LBA 0000_E8E0_88AFh in words 3-6, least significant word first */
        put_word(buf, 3, 0x88af);
        put_word(buf, 4, 0xe8e0);
        put_word(buf, 7, 0x01ff);
        seal_checksum(buf);

        struct ata_dco d;
        assert_int_equal(ata_parse_dco_identify(buf, &d), 0);
        assert_int_equal(d.revision, 2);
        assert_int_equal(d.mwdma_modes, 7);
        assert_int_equal(d.udma_modes, 0x7f);
        assert_int_equal(d.max_lba, UINT64_C(0xe8e088af));
        assert_int_equal(d.features[0], 0x01ff);

        uint8_t bad[512];
        memcpy(bad, buf, sizeof bad);
        bad[6] ^= 0x01; /* checksum no longer sums to zero */
        assert_int_equal(ata_parse_dco_identify(bad, &d), -EBADMSG);
        memcpy(bad, buf, sizeof bad);
        bad[510] = 0x00; /* no signature */
        assert_int_equal(ata_parse_dco_identify(bad, &d), -EBADMSG);
}

/* ---- SMART, Control mode page ----------------------------------------------------------------------- */

static void test_smart_read_data(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* SMART READ DATA: 28-bit PIO data-in (byte 1 08h, byte 2 0Eh), FEATURE D0h, COUNT 1,
         * LBA(15:8) 4Fh and LBA(23:16) C2h (the SMART signature, ACS-3), COMMAND B0h */
        static const uint8_t expected[16] = { 0x85, 0x08, 0x0e, 0x00, 0xd0, 0x00, 0x01, 0x00,
                                              0x00, 0x00, 0x4f, 0x00, 0xc2, 0x00, 0xb0, 0x00 };
        ata_build_smart_read_data(cdb);
        assert_cdb(cdb, expected);

        uint8_t buf[512] = { 0 };
        buf[0] = 0x10; /* revision 0010h */
        /* entry 0 at byte 2: id 9, flags 0032h, value 98, worst 97, raw 0000_1200_3039h */
        static const uint8_t e9[12] = { 9, 0x32, 0x00, 98, 97, 0x39, 0x30, 0x00, 0x00, 0x12, 0x00, 0 };
        memcpy(buf + 2, e9, sizeof e9);
        /* entry 2 at byte 26 (entry 1 unused): id 197, raw 7 */
        static const uint8_t e197[12] = { 197, 0x12, 0x00, 100, 100, 7, 0, 0, 0, 0, 0, 0 };
        memcpy(buf + 26, e197, sizeof e197);
        uint8_t sum = 0;
        for (int i = 0; i < 511; i++)
                sum += buf[i];
        buf[511] = (uint8_t)(0 - sum);

        struct ata_smart_data d;
        ata_parse_smart_data(buf, &d);
        assert_true(d.is_checksum_ok);
        assert_int_equal(d.revision, 0x0010);
        assert_int_equal(d.n_attributes, 2);
        const struct ata_smart_attribute *a = ata_smart_find(&d, 9);
        assert_non_null(a);
        assert_int_equal(a->flags, 0x0032);
        assert_int_equal(a->value, 98);
        assert_int_equal(a->worst, 97);
        assert_int_equal(a->raw, UINT64_C(0x001200003039)); /* bytes 5-10, little-endian */
        a = ata_smart_find(&d, 197);
        assert_non_null(a);
        assert_int_equal(a->raw, 7);
        assert_null(ata_smart_find(&d, 5));

        buf[511] ^= 1;
        ata_parse_smart_data(buf, &d);
        assert_false(d.is_checksum_ok);
        assert_int_equal(d.n_attributes, 2);
}

static void test_purge_caps_smart(void **state)
{
        (void)state;
        uint8_t id[512] = { 0 };
        put_word(id, 82, 0x0001); /* SMART supported */
        put_word(id, 83, 0x4000); /* words 82-84 valid */
        put_word(id, 85, 0x0001); /* SMART enabled */
        put_word(id, 87, 0x4000); /* words 85-87 valid */
        seal_checksum(id);
        struct ata_purge_caps c;
        assert_int_equal(ata_parse_purge_caps(id, &c), 0);
        assert_true(c.has_smart);
        assert_true(c.is_smart_enabled);

        put_word(id, 87, 0x0000); /* word 85 not valid: not known to be enabled */
        seal_checksum(id);
        assert_int_equal(ata_parse_purge_caps(id, &c), 0);
        assert_true(c.has_smart);
        assert_false(c.is_smart_enabled);
}

static void test_mode_control_page(void **state)
{
        (void)state;
        uint8_t cdb[10];
        /* MODE SENSE(10): 5Ah, DBD (byte 1 bit 3), PC 00b page 0Ah, ALLOCATION LENGTH 0040h in 7-8 */
        static const uint8_t sense10[10] = { 0x5a, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00 };
        sense_build_mode_sense_control(64, cdb);
        assert_memory_equal(cdb, sense10, 10);
        /* MODE SELECT(10): 55h, PF (byte 1 bit 4), SP 0, PARAMETER LIST LENGTH 0014h */
        static const uint8_t select10[10] = { 0x55, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00 };
        sense_build_mode_select(20, cdb);
        assert_memory_equal(cdb, select10, 10);

        /* header (MODE DATA LENGTH 001Ah: 28 bytes), one 8-byte block descriptor, the Control page
         * with PS set, GLTSD (bit 1) set, D_SENSE clear, BUSY TIMEOUT FFFFh, self-test time 30 */
        static const uint8_t data[28] = { 0x00, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0,    0,
                                          0,    0,    0,    0,    2,    0,    0x8a, 0x0a, 0x02, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 30 };
        struct scsi_control_page p;
        assert_int_equal(sense_parse_control_page(data, sizeof data, &p), 0);
        assert_false(p.is_d_sense);
        assert_memory_equal(p.page, data + 16, 12);

        uint8_t list[SCSI_CONTROL_SELECT_BYTES];
        sense_build_control_select(&p, true, list);
        static const uint8_t expected[20] = {
                0,    0,    0,    0,    0,    0,    0,    0, /* MODE DATA LENGTH reserved, no descriptors */
                0x0a, 0x0a, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 30
        };
        assert_memory_equal(list, expected, 20);
        sense_build_control_select(&p, false, list);
        assert_int_equal(list[10], 0x02);

        uint8_t d_sense[20];
        memcpy(d_sense, expected, 20);
        d_sense[1] = 18; /* MODE DATA LENGTH */
        assert_int_equal(sense_parse_control_page(d_sense, sizeof d_sense, &p), 0);
        assert_true(p.is_d_sense);

        uint8_t other[20];
        memcpy(other, d_sense, 20);
        other[8] = 0x1c; /* another page */
        assert_int_equal(sense_parse_control_page(other, sizeof other, &p), -ENOENT);
        assert_int_equal(sense_parse_control_page(d_sense, 12, &p), -EBADMSG);
        assert_int_equal(sense_parse_control_page(d_sense, 4, &p), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sanitize_crypto_scramble),
                cmocka_unit_test(test_sanitize_block_erase),
                cmocka_unit_test(test_sanitize_overwrite),
                cmocka_unit_test(test_sanitize_status_and_locks),
                cmocka_unit_test(test_security_cdbs),
                cmocka_unit_test(test_security_payloads),
                cmocka_unit_test(test_hpa_dco_ama_cdbs),
                cmocka_unit_test(test_pt16_generic_limits),
                cmocka_unit_test(test_sense_descriptor_ata),
                cmocka_unit_test(test_sense_descriptor_48bit_lba),
                cmocka_unit_test(test_sense_fixed_sat_layout),
                cmocka_unit_test(test_sense_fixed_legacy_layout),
                cmocka_unit_test(test_sense_progress),
                cmocka_unit_test(test_sense_classify_other),
                cmocka_unit_test(test_sanitize_status_flags),
                cmocka_unit_test(test_purge_caps),
                cmocka_unit_test(test_dco_identify),
                cmocka_unit_test(test_smart_read_data),
                cmocka_unit_test(test_purge_caps_smart),
                cmocka_unit_test(test_mode_control_page),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
