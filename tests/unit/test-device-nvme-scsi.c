/* SPDX-License-Identifier: MIT */
/*
 * wiper/device: the NVMe (Format NVM, Sanitize, Sanitize Status log, status field) and SCSI
 * (SANITIZE, FORMAT UNIT, REQUEST SENSE) builders byte for byte, and the capability guards.
 *
 * Every expected value below is written out from the specifications' field tables (NVM Express
 * Base 2.0, NVM Command Set 1.0, SBC-4, SPC-5) -- bit positions are spelled as shifts with the field
 * named beside them -- never obtained by calling a builder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "nvme-cmd.h"
#include "scsi-cmd.h"
#include "wiper-internal.h"

static void put_le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static bool is_all_byte(const void *p, size_t n, uint8_t b)
{
        const uint8_t *q = p;
        for (size_t i = 0; i < n; i++)
                if (q[i] != b)
                        return false;
        return true;
}

/* An Identify Controller page: QEMU 7.2's NVMe controller has OACS Format NVM, no sanitize and FNA 0;
 * the test overrides the three fields it cares about. */
static void make_ctrl_page(uint8_t *buf, uint16_t oacs, uint32_t sanicap, uint8_t fna)
{
        memset(buf, 0, NVME_IDENTIFY_BYTES);
        memcpy(buf + 4, "serial1             ", 20);
        memcpy(buf + 24, "QEMU NVMe Ctrl                          ", 40);
        put_le16(buf + 256, oacs);    /* OACS, bytes 257:256 */
        put_le32(buf + 328, sanicap); /* SANICAP, bytes 331:328 */
        buf[524] = fna;               /* FNA, byte 524 */
}

static struct nvme_ctrl_identity ctrl_from(uint16_t oacs, uint32_t sanicap, uint8_t fna)
{
        uint8_t buf[NVME_IDENTIFY_BYTES];
        struct nvme_ctrl_identity c;
        make_ctrl_page(buf, oacs, sanicap, fna);
        assert_int_equal(nvme_parse_identify_ctrl(buf, &c), 0);
        return c;
}

/* ---- Identify: the fields the purge layer added ----------------------------------------------- */

static void test_identify_purge_fields(void **state)
{
        (void)state;
        struct nvme_ctrl_identity c = ctrl_from(0x0006, 0xa0000007u, 0x0c);
        assert_int_equal(c.oacs, 0x0006);
        assert_int_equal(c.sanicap, 0xa0000007u);
        assert_int_equal(c.fna, 0x0c);
        /* the existing capability summary is unchanged */
        assert_true(c.capabilities & DISK_CAP_NVME_FORMAT);
        assert_true(c.capabilities & DISK_CAP_NVME_FORMAT_CRYPTO);
        assert_true(c.capabilities & DISK_CAP_NVME_SANITIZE_OVERWRITE);
        assert_false(nvme_format_erases_all_namespaces(&c)); /* FNA bit 1 clear */
        c = ctrl_from(0x0002, 0, 0x02);
        assert_true(nvme_format_erases_all_namespaces(&c));

        /* Identify Namespace with 20 formats (NLBAF 19, zero-based): FLBAS 0x31 = bits 3:0 0001b,
         * bit 4 (extended LBA) set, bits 6:5 01b -> format index 1 | 01b << 4 = 17. DPS 0x0a = PI
         * type 2 (bits 2:0), PI first (bit 3). */
        uint8_t buf[NVME_IDENTIFY_BYTES] = { 0 };
        buf[0] = 0x00, buf[1] = 0x10; /* NSZE 4096 blocks */
        buf[25] = 19;                 /* NLBAF */
        buf[26] = 0x31;               /* FLBAS */
        buf[29] = 0x0a;               /* DPS */
        buf[128 + 4 * 0 + 2] = 9;     /* LBAF0: 512 B */
        buf[128 + 4 * 17 + 2] = 12;   /* LBAF17: 4096 B */
        buf[128 + 4 * 17 + 0] = 8;    /* LBAF17: 8 bytes of metadata */
        struct nvme_ns_identity ns;
        assert_int_equal(nvme_parse_identify_ns(buf, &ns), 0);
        assert_int_equal(ns.lba_format_index, 17);
        assert_int_equal(ns.block_bytes, 4096);
        assert_true(ns.has_extended_lba);
        assert_int_equal(ns.pi_type, 2);
        assert_true(ns.is_pi_first);

        /* Format NVM keeps all of it: LBAFL = 17 & 0xf = 1 (bits 3:0), MSET bit 4, PI 2 in bits 7:5,
         * PIL bit 8, SES 2 in bits 11:9, LBAFU = 17 >> 4 = 1 in bits 13:12. */
        struct nvme_admin_cmd cmd;
        assert_int_equal(nvme_build_format_nvm(1, &ns, NVME_SES_CRYPTO, &cmd), 0);
        assert_int_equal(cmd.cdw10, 1u | 1u << 4 | 2u << 5 | 1u << 8 | 2u << 9 | 1u << 12);
        assert_int_equal(cmd.cdw10, 0x1551);
}

/* ---- Format NVM -------------------------------------------------------------------------------- */

static void test_format_nvm(void **state)
{
        (void)state;
        struct nvme_ns_identity ns = { .block_bytes = 4096, .lba_format_index = 1 };
        struct nvme_admin_cmd cmd;

        memset(&cmd, 0x55, sizeof cmd);
        assert_int_equal(nvme_build_format_nvm(1, &ns, NVME_SES_USER_DATA, &cmd), 0);
        assert_int_equal(cmd.opcode, 0x80); /* Format NVM */
        assert_int_equal(cmd.flags, 0);
        assert_int_equal(cmd.nsid, 1);
        /* LBAF 1 (bits 3:0), MSET 0, PI 000b, PIL 0, SES 001b (bits 11:9), LBAFU 0 */
        assert_int_equal(cmd.cdw10, 0x0201);
        assert_int_equal(cmd.cdw11, 0);
        assert_int_equal(cmd.cdw12, 0);
        assert_int_equal(cmd.cdw13, 0);
        assert_int_equal(cmd.cdw14, 0);
        assert_int_equal(cmd.cdw15, 0);
        assert_int_equal(cmd.cdw2, 0);
        assert_int_equal(cmd.cdw3, 0);
        assert_true(cmd.addr == 0);
        assert_true(cmd.metadata == 0);
        assert_int_equal(cmd.data_len, 0); /* no data transfer */
        assert_int_equal(cmd.metadata_len, 0);
        assert_int_equal(cmd.timeout_ms, 4u * 3600u * 1000u);
        assert_int_equal(cmd.result, 0);

        assert_int_equal(nvme_build_format_nvm(0xffffffffu, &ns, NVME_SES_CRYPTO, &cmd), 0);
        assert_int_equal(cmd.nsid, 0xffffffffu);
        assert_int_equal(cmd.cdw10, 0x0401); /* SES 010b */
        assert_int_equal(cmd.timeout_ms, 10u * 60u * 1000u);

        /* A plain format (SES 0) is buildable -- the guard, not the builder, refuses it as a purge. */
        assert_int_equal(nvme_build_format_nvm(1, &ns, NVME_SES_NONE, &cmd), 0);
        assert_int_equal(cmd.cdw10, 0x0001);

        /* Refusals leave the output untouched. */
        memset(&cmd, 0x55, sizeof cmd);
        assert_int_equal(nvme_build_format_nvm(0, &ns, NVME_SES_USER_DATA, &cmd), -EINVAL);
        assert_int_equal(nvme_build_format_nvm(1, &ns, (enum nvme_ses)3, &cmd), -EINVAL);
        ns.lba_format_index = 64;
        assert_int_equal(nvme_build_format_nvm(1, &ns, NVME_SES_USER_DATA, &cmd), -EINVAL);
        assert_true(is_all_byte(&cmd, sizeof cmd, 0x55));
}

static void test_format_guard(void **state)
{
        (void)state;
        const char *why;

        /* QEMU 7.2: OACS bit 1 (Format NVM) set, FNA 0. */
        struct nvme_ctrl_identity qemu = ctrl_from(0x0002, 0, 0x00);
        why = NULL;
        assert_int_equal(nvme_format_ses_allowed(&qemu, NVME_SES_NONE, &why), -EINVAL);
        assert_non_null(why);
        assert_non_null(strstr(why, "SES 0"));
        why = NULL;
        assert_int_equal(nvme_format_ses_allowed(&qemu, NVME_SES_CRYPTO, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "FNA bit 2"));
        assert_null(strchr(why, '\n')); /* one line */
        why = "untouched";
        assert_int_equal(nvme_format_ses_allowed(&qemu, NVME_SES_USER_DATA, &why), 0);
        assert_string_equal(why, "untouched");
        assert_int_equal(nvme_format_ses_allowed(&qemu, (enum nvme_ses)5, NULL), -EINVAL);

        /* FNA bit 2 (crypto erase supported) allows SES 2. */
        struct nvme_ctrl_identity crypto = ctrl_from(0x0002, 0, 0x04);
        assert_int_equal(nvme_format_ses_allowed(&crypto, NVME_SES_CRYPTO, NULL), 0);

        /* No Format NVM at all (OACS bit 1 clear): nothing allowed, even with FNA bit 2. */
        struct nvme_ctrl_identity none = ctrl_from(0x0000, 0, 0x04);
        assert_int_equal(nvme_format_ses_allowed(&none, NVME_SES_USER_DATA, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "OACS bit 1"));
        assert_int_equal(nvme_format_ses_allowed(&none, NVME_SES_CRYPTO, NULL), -EOPNOTSUPP);
}

/* ---- Sanitize ---------------------------------------------------------------------------------- */

static void test_sanitize(void **state)
{
        (void)state;
        struct nvme_admin_cmd cmd;

        memset(&cmd, 0x55, sizeof cmd);
        struct nvme_sanitize_args crypto = { .action = NVME_SANACT_CRYPTO_ERASE, .ause = true };
        assert_int_equal(nvme_build_sanitize(&crypto, &cmd), 0);
        assert_int_equal(cmd.opcode, 0x84); /* Sanitize */
        assert_int_equal(cmd.flags, 0);
        assert_int_equal(cmd.nsid, 0);
        assert_int_equal(cmd.cdw10, 0x4u | 1u << 3); /* SANACT 100b, AUSE bit 3 */
        assert_int_equal(cmd.cdw11, 0);
        assert_int_equal(cmd.cdw12, 0);
        assert_int_equal(cmd.cdw13, 0);
        assert_int_equal(cmd.cdw14, 0);
        assert_int_equal(cmd.cdw15, 0);
        assert_true(cmd.addr == 0);
        assert_int_equal(cmd.data_len, 0);
        assert_int_equal(cmd.timeout_ms, 60000);

        struct nvme_sanitize_args ow = { .action = NVME_SANACT_OVERWRITE,
                                         .overwrite_passes = 3,
                                         .invert_between_passes = true,
                                         .no_deallocate = true,
                                         .overwrite_pattern = 0xdeadbeefu };
        assert_int_equal(nvme_build_sanitize(&ow, &cmd), 0);
        /* SANACT 011b, AUSE 0, OWPASS 3 in bits 7:4, OIPBP bit 8, NDAS bit 9 */
        assert_int_equal(cmd.cdw10, 0x3u | 3u << 4 | 1u << 8 | 1u << 9);
        assert_int_equal(cmd.cdw10, 0x333);
        assert_int_equal(cmd.cdw11, 0xdeadbeefu); /* OVRPAT */

        ow.overwrite_passes = 0; /* 0 = 16 passes */
        ow.invert_between_passes = false;
        ow.no_deallocate = false;
        assert_int_equal(nvme_build_sanitize(&ow, &cmd), 0);
        assert_int_equal(cmd.cdw10, 0x003);

        struct nvme_sanitize_args block = { .action = NVME_SANACT_BLOCK_ERASE };
        assert_int_equal(nvme_build_sanitize(&block, &cmd), 0);
        assert_int_equal(cmd.cdw10, 0x002);
        struct nvme_sanitize_args exitfm = { .action = NVME_SANACT_EXIT_FAILURE_MODE };
        assert_int_equal(nvme_build_sanitize(&exitfm, &cmd), 0);
        assert_int_equal(cmd.cdw10, 0x001);

        memset(&cmd, 0x55, sizeof cmd);
        struct nvme_sanitize_args bad = { .action = (enum nvme_sanact)0 };
        assert_int_equal(nvme_build_sanitize(&bad, &cmd), -EINVAL);
        bad.action = (enum nvme_sanact)5;
        assert_int_equal(nvme_build_sanitize(&bad, &cmd), -EINVAL);
        bad = (struct nvme_sanitize_args){ .action = NVME_SANACT_OVERWRITE, .overwrite_passes = 16 };
        assert_int_equal(nvme_build_sanitize(&bad, &cmd), -EINVAL);
        bad = (struct nvme_sanitize_args){ .action = NVME_SANACT_BLOCK_ERASE, .overwrite_pattern = 1 };
        assert_int_equal(nvme_build_sanitize(&bad, &cmd), -EINVAL);
        assert_true(is_all_byte(&cmd, sizeof cmd, 0x55));
}

static void test_sanitize_guard(void **state)
{
        (void)state;
        const char *why = NULL;
        struct nvme_sanitize_args crypto = { .action = NVME_SANACT_CRYPTO_ERASE };
        struct nvme_sanitize_args block = { .action = NVME_SANACT_BLOCK_ERASE };
        struct nvme_sanitize_args ow = { .action = NVME_SANACT_OVERWRITE, .overwrite_passes = 1 };
        struct nvme_sanitize_args exitfm = { .action = NVME_SANACT_EXIT_FAILURE_MODE };

        /* QEMU 7.2: SANICAP 0, no sanitize at all. */
        struct nvme_ctrl_identity qemu = ctrl_from(0x0002, 0, 0);
        assert_int_equal(nvme_sanitize_allowed(&qemu, &crypto, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "CES"));
        assert_int_equal(nvme_sanitize_allowed(&qemu, &block, NULL), -EOPNOTSUPP);
        assert_int_equal(nvme_sanitize_allowed(&qemu, &ow, NULL), -EOPNOTSUPP);
        assert_int_equal(nvme_sanitize_allowed(&qemu, &exitfm, NULL), -EOPNOTSUPP);

        /* SANICAP CES (bit 0) and BES (bit 1), no OWS (bit 2). OACS 0: Sanitize support is not an
         * OACS bit (OACS bit 1 is Format NVM), so it does not matter here. */
        struct nvme_ctrl_identity cb = ctrl_from(0x0000, 0x3, 0);
        why = "untouched";
        assert_int_equal(nvme_sanitize_allowed(&cb, &crypto, &why), 0);
        assert_string_equal(why, "untouched");
        assert_int_equal(nvme_sanitize_allowed(&cb, &block, NULL), 0);
        assert_int_equal(nvme_sanitize_allowed(&cb, &exitfm, NULL), 0);
        assert_int_equal(nvme_sanitize_allowed(&cb, &ow, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "OWS"));

        struct nvme_ctrl_identity owonly = ctrl_from(0x0002, 0x4, 0);
        assert_int_equal(nvme_sanitize_allowed(&owonly, &ow, NULL), 0);
        assert_int_equal(nvme_sanitize_allowed(&owonly, &crypto, NULL), -EOPNOTSUPP);
        assert_int_equal(nvme_sanitize_allowed(&owonly, &block, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "BES"));

        /* NDI (bit 29): a No-Deallocate request is not honoured, so it is refused. */
        struct nvme_ctrl_identity ndi = ctrl_from(0x0002, 0x3u | 1u << 29, 0);
        struct nvme_sanitize_args nd = { .action = NVME_SANACT_BLOCK_ERASE, .no_deallocate = true };
        assert_int_equal(nvme_sanitize_allowed(&ndi, &nd, &why), -EOPNOTSUPP);
        assert_non_null(strstr(why, "NDI"));
        assert_int_equal(nvme_sanitize_allowed(&cb, &nd, NULL), 0);

        struct nvme_sanitize_args bad = { .action = (enum nvme_sanact)7 };
        assert_int_equal(nvme_sanitize_allowed(&cb, &bad, NULL), -EINVAL);
}

/* ---- Sanitize Status log ----------------------------------------------------------------------- */

static void test_get_log_sanitize(void **state)
{
        (void)state;
        uint8_t buf[512];
        struct nvme_admin_cmd cmd;

        memset(&cmd, 0x55, sizeof cmd);
        nvme_build_get_log_sanitize(buf, false, &cmd);
        assert_int_equal(cmd.opcode, 0x02); /* Get Log Page */
        assert_int_equal(cmd.flags, 0);
        assert_int_equal(cmd.nsid, 0xffffffffu);
        assert_true(cmd.addr == (uint64_t)(uintptr_t)buf);
        assert_int_equal(cmd.data_len, 512);
        /* LID 81h (bits 7:0), LSP 0, RAE 0 (bit 15), NUMDL = 512/4 - 1 = 127 (bits 31:16) */
        assert_int_equal(cmd.cdw10, 0x81u | 127u << 16);
        assert_int_equal(cmd.cdw10, 0x007f0081u);
        assert_int_equal(cmd.cdw11, 0); /* NUMDU 0, LSI 0 */
        assert_int_equal(cmd.cdw12, 0); /* LPOL */
        assert_int_equal(cmd.cdw13, 0); /* LPOU */
        assert_int_equal(cmd.cdw14, 0); /* UUID index, CSI */
        assert_int_equal(cmd.cdw15, 0);
        assert_int_equal(cmd.timeout_ms, 10000);

        nvme_build_get_log_sanitize(buf, true, &cmd);
        assert_int_equal(cmd.cdw10, 0x007f8081u); /* RAE bit 15 */
}

/* A Sanitize Status page: SPROG bytes 1:0, SSTAT 3:2, SCDW10 7:4, ETO 11:8, ETBE 15:12, ETCE 19:16,
 * ETOND 23:20, ETBEND 27:24, ETCEND 31:28. */
static void make_sanitize_log(uint8_t *buf, uint16_t sprog, uint16_t sstat, uint32_t scdw10)
{
        memset(buf, 0, 512);
        put_le16(buf + 0, sprog);
        put_le16(buf + 2, sstat);
        put_le32(buf + 4, scdw10);
        put_le32(buf + 8, 0xffffffffu); /* overwrite: no estimate */
        put_le32(buf + 12, 120);
        put_le32(buf + 16, 0); /* crypto erase: done when the command completes */
        put_le32(buf + 20, 0xffffffffu);
        put_le32(buf + 24, 180);
        put_le32(buf + 28, 5);
}

static void test_sanitize_log(void **state)
{
        (void)state;
        uint8_t buf[512];
        struct nvme_sanitize_status s;

        /* Block erase in progress, half done: SPROG 8000h / 10000h. */
        make_sanitize_log(buf, 0x8000, 0x0002, 0x00000002);
        assert_int_equal(nvme_parse_sanitize_log(buf, &s), 0);
        assert_int_equal(s.state, NVME_SANITIZE_IN_PROGRESS);
        assert_int_equal(s.sprog, 0x8000);
        assert_int_equal(s.progress_basis_points, 5000);
        assert_false(s.is_global_data_erased);
        assert_int_equal(s.overwrite_passes_done, 0);
        assert_int_equal(s.scdw10, 0x2);
        assert_int_equal(s.est_overwrite_s, NVME_SANITIZE_NO_ESTIMATE);
        assert_int_equal(s.est_block_erase_s, 120);
        assert_int_equal(s.est_crypto_erase_s, 0);
        assert_int_equal(s.est_overwrite_nd_s, NVME_SANITIZE_NO_ESTIMATE);
        assert_int_equal(s.est_block_erase_nd_s, 180);
        assert_int_equal(s.est_crypto_erase_nd_s, 5);

        /* Completed, Global Data Erased (SSTAT bit 8); SPROG FFFFh when not in progress. */
        make_sanitize_log(buf, 0xffff, 0x0101, 0x0000000c);
        assert_int_equal(nvme_parse_sanitize_log(buf, &s), 0);
        assert_int_equal(s.state, NVME_SANITIZE_COMPLETED);
        assert_true(s.is_global_data_erased);
        assert_int_equal(s.progress_basis_points, 0);
        assert_int_equal(s.scdw10, 0xc); /* crypto erase with AUSE */

        /* Failed. */
        make_sanitize_log(buf, 0xffff, 0x0003, 0x00000002);
        assert_int_equal(nvme_parse_sanitize_log(buf, &s), 0);
        assert_int_equal(s.state, NVME_SANITIZE_FAILED);
        assert_false(s.is_global_data_erased);

        /* Overwrite completed with No-Deallocate honoured, 3 passes done (SSTAT bits 7:3). */
        make_sanitize_log(buf, 0xffff, (uint16_t)(4u | 3u << 3 | 1u << 8), 0x00000333);
        assert_int_equal(nvme_parse_sanitize_log(buf, &s), 0);
        assert_int_equal(s.state, NVME_SANITIZE_COMPLETED_NO_DEALLOCATE);
        assert_int_equal(s.overwrite_passes_done, 3);
        assert_true(s.is_global_data_erased);

        /* Never sanitized. */
        make_sanitize_log(buf, 0xffff, 0x0000, 0);
        assert_int_equal(nvme_parse_sanitize_log(buf, &s), 0);
        assert_int_equal(s.state, NVME_SANITIZE_NEVER);

        /* Reserved status values 5-7 are no answer: refused, output untouched. */
        memset(&s, 0x55, sizeof s);
        for (uint16_t v = 5; v <= 7; v++) {
                make_sanitize_log(buf, 0xffff, v, 0);
                assert_int_equal(nvme_parse_sanitize_log(buf, &s), -EBADMSG);
        }
        assert_true(is_all_byte(&s, sizeof s, 0x55));
}

/* ---- completion status ------------------------------------------------------------------------- */

static void test_status(void **state)
{
        (void)state;
        struct nvme_status st;

        /* Sanitize In Progress with DNR: SC 1Dh (bits 7:0), SCT 0 (bits 10:8), DNR bit 14. */
        assert_int_equal(nvme_status_decode(1u << 14 | 0x1d, &st), 0);
        assert_int_equal(st.sct, 0);
        assert_int_equal(st.sc, 0x1d);
        assert_true(st.is_dnr);
        assert_false(st.is_more);
        assert_int_equal(st.crd, 0);
        assert_int_equal(st.code, NVME_STATUS_SANITIZE_IN_PROGRESS);
        assert_string_equal(nvme_status_to_string(st.code), "Sanitize In Progress");

        assert_int_equal(nvme_status_decode(0x001c, &st), 0);
        assert_string_equal(nvme_status_to_string(st.code), "Sanitize Failed");
        assert_false(st.is_dnr);

        /* Invalid Format: SCT 1 (command specific), SC 0Ah. */
        assert_int_equal(nvme_status_decode(1u << 8 | 0x0a, &st), 0);
        assert_int_equal(st.sct, NVME_SCT_COMMAND_SPECIFIC);
        assert_int_equal(st.sc, 0x0a);
        assert_int_equal(st.code, NVME_STATUS_INVALID_FORMAT);
        assert_string_equal(nvme_status_to_string(st.code), "Invalid Format");

        /* Format In Progress: SCT 0, SC 84h (NVM command set specific), More bit 13, CRD 2. */
        assert_int_equal(nvme_status_decode(1u << 13 | 2u << 11 | 0x84, &st), 0);
        assert_int_equal(st.sct, 0);
        assert_int_equal(st.sc, 0x84);
        assert_true(st.is_more);
        assert_int_equal(st.crd, 2);
        assert_string_equal(nvme_status_to_string(st.code), "Format In Progress");

        assert_string_equal(nvme_status_to_string(0x001), "Invalid Command Opcode");
        assert_string_equal(nvme_status_to_string(0x002), "Invalid Field in Command");
        assert_string_equal(nvme_status_to_string(0x020), "Namespace is Write Protected");
        assert_string_equal(nvme_status_to_string(0x10b), "Firmware Activation Requires Conventional Reset");
        assert_string_equal(nvme_status_to_string(0x113), "Firmware Activation Prohibited");
        assert_null(nvme_status_to_string(0x7ff));

        /* Bit 15 is outside the ioctl status layout: 0x811D is not a status field (it would need
         * SCT 1, SC 1Dh -- Device Self-test In Progress -- plus a bit that does not exist). */
        memset(&st, 0x55, sizeof st);
        assert_int_equal(nvme_status_decode(0x811d, &st), -EINVAL);
        assert_true(is_all_byte(&st, sizeof st, 0x55));

        /* From a CQE's Dword 3: status 31:17, phase tag 16, command identifier 15:0. */
        uint32_t dw3 = (uint32_t)(1u << 14 | 0x1d) << 17 | 1u << 16 | 0x1234;
        assert_int_equal(nvme_status_field_from_cqe(dw3), 0x401d);
        assert_int_equal(nvme_status_field_from_cqe(1u << 16), 0); /* success, phase 1 */
}

/* ---- SCSI SANITIZE ----------------------------------------------------------------------------- */

static void test_scsi_sanitize(void **state)
{
        (void)state;
        uint8_t cdb[10];

        /* OVERWRITE, IMMED (byte 1 bit 7), AUSE (bit 5), SA 01h, PARAMETER LIST LENGTH 8 (bytes 7-8). */
        const uint8_t ow[10] = { 0x48, 0x80 | 0x20 | 0x01, 0, 0, 0, 0, 0, 0x00, 0x08, 0 };
        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_OVERWRITE, true, true, 8, cdb), 0);
        assert_memory_equal(cdb, ow, 10);

        const uint8_t be[10] = { 0x48, 0x80 | 0x02, 0, 0, 0, 0, 0, 0, 0, 0 };
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_BLOCK_ERASE, true, false, 0, cdb), 0);
        assert_memory_equal(cdb, be, 10);

        const uint8_t ce[10] = { 0x48, 0x20 | 0x03, 0, 0, 0, 0, 0, 0, 0, 0 };
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_CRYPTO_ERASE, false, true, 0, cdb), 0);
        assert_memory_equal(cdb, ce, 10);

        const uint8_t ex[10] = { 0x48, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0 };
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_EXIT_FAILURE_MODE, false, false, 0, cdb), 0);
        assert_memory_equal(cdb, ex, 10);

        /* A 16-bit length lands big-endian. */
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_OVERWRITE, false, false, 0x0204, cdb), 0);
        assert_int_equal(cdb[7], 0x02);
        assert_int_equal(cdb[8], 0x04);

        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_OVERWRITE, true, false, 4, cdb), -EINVAL);
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_BLOCK_ERASE, true, false, 8, cdb), -EINVAL);
        assert_int_equal(scsi_build_sanitize_cdb((enum scsi_sanitize_action)0x04, true, false, 0, cdb),
                         -EINVAL);
        assert_true(is_all_byte(cdb, sizeof cdb, 0x55));
}

static void test_scsi_overwrite_params(void **state)
{
        (void)state;
        const uint8_t pattern[4] = { 0xde, 0xad, 0xbe, 0xef };
        uint8_t buf[16];
        size_t len = 0;

        /* INVERT (byte 0 bit 7), TEST 00b (bits 6:5), OVERWRITE COUNT 3 (bits 4:0), byte 1 reserved,
         * INITIALIZATION PATTERN LENGTH 4 (bytes 2-3, big-endian), then the pattern. */
        const uint8_t want[8] = { 0x80 | 0x03, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef };
        struct scsi_overwrite_params p = {
                .invert = true, .overwrite_count = 3, .pattern = pattern, .pattern_bytes = 4
        };
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), 0);
        assert_int_equal(len, 8);
        assert_memory_equal(buf, want, 8);

        p.invert = false;
        p.test = 2;
        p.overwrite_count = 31;
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), 0);
        assert_int_equal(buf[0], 2u << 5 | 31u);

        /* The whole list's length is what the CDB carries. */
        uint8_t cdb[10];
        assert_int_equal(scsi_build_sanitize_cdb(SCSI_SANITIZE_OVERWRITE, true, false, (uint16_t)len, cdb),
                         0);
        assert_int_equal(cdb[8], 8);

        memset(buf, 0x55, sizeof buf);
        len = 99;
        p = (struct scsi_overwrite_params){ .overwrite_count = 0, .pattern = pattern, .pattern_bytes = 4 };
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), -EINVAL);
        p.overwrite_count = 32;
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), -EINVAL);
        p.overwrite_count = 1;
        p.test = 4;
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), -EINVAL);
        p.test = 0;
        p.pattern_bytes = 0;
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, sizeof buf, &len), -EINVAL);
        p.pattern_bytes = 4;
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 3, buf, sizeof buf, &len), -EINVAL);
        assert_int_equal(scsi_build_sanitize_overwrite_params(&p, 512, buf, 7, &len), -ENOBUFS);
        assert_true(is_all_byte(buf, sizeof buf, 0x55));
        assert_int_equal(len, 99);
}

/* ---- SCSI FORMAT UNIT, REQUEST SENSE ----------------------------------------------------------- */

static void test_scsi_format_unit(void **state)
{
        (void)state;
        uint8_t cdb[6];

        /* No parameter list: FMTPINFO 0, LONGLIST 0, FMTDATA 0, CMPLST 0, DEFECT LIST FORMAT 000b. */
        const uint8_t plain[6] = { 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 };
        struct scsi_format_unit_args a = { 0 };
        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_format_unit_cdb(&a, cdb), 0);
        assert_memory_equal(cdb, plain, 6);

        /* With the short header: FMTDATA (byte 1 bit 4), CMPLST (bit 3). */
        const uint8_t list[6] = { 0x04, 0x10 | 0x08, 0x00, 0x00, 0x00, 0x00 };
        a = (struct scsi_format_unit_args){ .has_param_list = true, .cmplst = true };
        assert_int_equal(scsi_build_format_unit_cdb(&a, cdb), 0);
        assert_memory_equal(cdb, list, 6);

        /* FMTPINFO 10b in bits 7:6. */
        a = (struct scsi_format_unit_args){ .fmtpinfo = 2, .has_param_list = true };
        assert_int_equal(scsi_build_format_unit_cdb(&a, cdb), 0);
        assert_int_equal(cdb[1], 2u << 6 | 0x10);

        memset(cdb, 0x55, sizeof cdb);
        a = (struct scsi_format_unit_args){ .fmtpinfo = 4 };
        assert_int_equal(scsi_build_format_unit_cdb(&a, cdb), -EINVAL);
        a = (struct scsi_format_unit_args){ .cmplst = true };
        assert_int_equal(scsi_build_format_unit_cdb(&a, cdb), -EINVAL);
        assert_true(is_all_byte(cdb, sizeof cdb, 0x55));

        /* Short header: byte 0 PROTECTION FIELD USAGE (2:0); byte 1 FOV 7, DPRY 6, DCRT 5, STPF 4,
         * IP 3, obsolete 2, IMMED 1, vendor 0; bytes 2-3 DEFECT LIST LENGTH. */
        uint8_t hdr[4];
        const uint8_t immed[4] = { 0x00, 0x02, 0x00, 0x00 };
        struct scsi_format_unit_header h = { .immed = true };
        assert_int_equal(scsi_build_format_unit_short_header(&h, hdr), 0);
        assert_memory_equal(hdr, immed, 4);

        const uint8_t fov[4] = { 0x00, 0x80 | 0x20 | 0x02, 0x00, 0x00 };
        h = (struct scsi_format_unit_header){ .fov = true, .dcrt = true, .immed = true };
        assert_int_equal(scsi_build_format_unit_short_header(&h, hdr), 0);
        assert_memory_equal(hdr, fov, 4);

        h = (struct scsi_format_unit_header){ .protection_field_usage = 1 };
        assert_int_equal(scsi_build_format_unit_short_header(&h, hdr), 0);
        assert_int_equal(hdr[0], 0x01);

        memset(hdr, 0x55, sizeof hdr);
        h = (struct scsi_format_unit_header){ .dcrt = true };
        assert_int_equal(scsi_build_format_unit_short_header(&h, hdr), -EINVAL);
        h = (struct scsi_format_unit_header){ .protection_field_usage = 8 };
        assert_int_equal(scsi_build_format_unit_short_header(&h, hdr), -EINVAL);
        assert_true(is_all_byte(hdr, sizeof hdr, 0x55));
}

static void test_scsi_request_sense(void **state)
{
        (void)state;
        uint8_t cdb[6];

        /* DESC byte 1 bit 0, ALLOCATION LENGTH byte 4. */
        const uint8_t desc[6] = { 0x03, 0x01, 0x00, 0x00, 252, 0x00 };
        assert_int_equal(scsi_build_request_sense_cdb(true, 252, cdb), 0);
        assert_memory_equal(cdb, desc, 6);

        const uint8_t fixed[6] = { 0x03, 0x00, 0x00, 0x00, 18, 0x00 };
        assert_int_equal(scsi_build_request_sense_cdb(false, 18, cdb), 0);
        assert_memory_equal(cdb, fixed, 6);

        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_request_sense_cdb(true, 0, cdb), -EINVAL);
        assert_int_equal(scsi_build_request_sense_cdb(true, 253, cdb), -EINVAL);
        assert_true(is_all_byte(cdb, sizeof cdb, 0x55));
}

/* ---- SMART / Health Information log (02h) ------------------------------------------------------ */

static void test_get_log_smart(void **state)
{
        (void)state;
        uint8_t buf[512];
        struct nvme_admin_cmd cmd;

        memset(&cmd, 0x55, sizeof cmd);
        nvme_build_get_log_smart(buf, true, &cmd);
        assert_int_equal(cmd.opcode, 0x02);
        assert_int_equal(cmd.flags, 0);
        assert_int_equal(cmd.nsid, 0xffffffffu); /* the controller as a whole */
        assert_true(cmd.addr == (uint64_t)(uintptr_t)buf);
        assert_int_equal(cmd.data_len, 512);
        /* LID 02h (bits 7:0), RAE (bit 15), NUMDL = 512/4 - 1 = 127 (bits 31:16) */
        assert_int_equal(cmd.cdw10, 0x02u | 1u << 15 | 127u << 16);
        assert_int_equal(cmd.cdw10, 0x007f8002u);
        assert_int_equal(cmd.cdw11, 0);
        assert_int_equal(cmd.cdw12, 0);
        assert_int_equal(cmd.cdw13, 0);
        assert_int_equal(cmd.cdw14, 0);
        assert_int_equal(cmd.timeout_ms, 10000);

        nvme_build_get_log_smart(buf, false, &cmd);
        assert_int_equal(cmd.cdw10, 0x007f0002u);
}

static void put_le64(uint8_t *p, uint64_t v)
{
        put_le32(p, (uint32_t)v);
        put_le32(p + 4, (uint32_t)(v >> 32));
}

static void test_smart_log(void **state)
{
        (void)state;
        uint8_t buf[512] = { 0 };
        struct nvme_smart_log s;

        /* Critical Warning byte 0, Composite Temperature bytes 2:1 (K), Available Spare 3, threshold 4,
         * Percentage Used 5; 16-byte counters: Power Cycles 127:112, Power On Hours 143:128, Unsafe
         * Shutdowns 159:144, Media and Data Integrity Errors 175:160, Error Log Entries 191:176. */
        buf[0] = 0x04;
        put_le16(buf + 1, 310);
        buf[3] = 97;
        buf[4] = 10;
        buf[5] = 12;
        put_le64(buf + 112, 1234);
        put_le64(buf + 128, 0x0000000100000002ull);
        put_le64(buf + 144, 7);
        put_le64(buf + 160, 3);
        put_le64(buf + 176, 9);
        assert_int_equal(nvme_parse_smart_log(buf, &s), 0);
        assert_int_equal(s.critical_warning, NVME_SMART_CW_RELIABILITY);
        assert_int_equal(s.composite_temperature_k, 310);
        assert_int_equal(s.available_spare, 97);
        assert_int_equal(s.available_spare_threshold, 10);
        assert_int_equal(s.percentage_used, 12);
        assert_true(s.power_cycles == 1234);
        assert_true(s.power_on_hours == 0x0000000100000002ull);
        assert_true(s.unsafe_shutdowns == 7);
        assert_true(s.media_errors == 3);
        assert_true(s.error_log_entries == 9);
        assert_false(s.is_saturated);

        /* a counter beyond 64 bits saturates, and says so */
        buf[128 + 8] = 1;
        assert_int_equal(nvme_parse_smart_log(buf, &s), 0);
        assert_true(s.power_on_hours == UINT64_MAX);
        assert_true(s.is_saturated);
        assert_true(s.media_errors == 3);
}

/* ---- INQUIRY, REPORT SUPPORTED OPERATION CODES -------------------------------------------------- */

static void test_scsi_inquiry(void **state)
{
        (void)state;
        uint8_t cdb[6];

        /* EVPD byte 1 bit 0 = 0, PAGE CODE byte 2 = 0, ALLOCATION LENGTH bytes 3-4 big-endian */
        const uint8_t expect[6] = { 0x12, 0x00, 0x00, 0x01, 0x00, 0x00 };
        assert_int_equal(scsi_build_inquiry_cdb(256, cdb), 0);
        assert_memory_equal(cdb, expect, 6);
        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_inquiry_cdb(4, cdb), -EINVAL);
        assert_true(is_all_byte(cdb, sizeof cdb, 0x55));

        uint8_t d[36] = { 0 };
        struct scsi_inquiry q;
        d[0] = 0x00; /* qualifier 000b, direct access */
        d[1] = 0x80; /* RMB */
        d[2] = 0x06;
        memcpy(d + 8, "SEAGATE ", 8);
        memcpy(d + 16, "ST4000NM0023    ", 16);
        memcpy(d + 32, "0004", 4);
        assert_int_equal(scsi_parse_inquiry(d, sizeof d, &q), 0);
        assert_int_equal(q.peripheral_type, SCSI_PDT_DIRECT_ACCESS);
        assert_int_equal(q.peripheral_qualifier, 0);
        assert_true(q.is_removable);
        assert_int_equal(q.version, 6);
        assert_string_equal(q.vendor, "SEAGATE");
        assert_string_equal(q.product, "ST4000NM0023");
        assert_string_equal(q.revision, "0004");
        d[0] = 0x7f; /* qualifier 011b, type 1Fh: no device at this LUN */
        assert_int_equal(scsi_parse_inquiry(d, sizeof d, &q), 0);
        assert_int_equal(q.peripheral_qualifier, 3);
        assert_int_equal(q.peripheral_type, 0x1f);
        assert_int_equal(scsi_parse_inquiry(d, 35, &q), -EBADMSG);
}

static void test_scsi_report_opcode(void **state)
{
        (void)state;
        uint8_t cdb[12];

        /* MAINTENANCE IN (A3h), SERVICE ACTION 0Ch (byte 1 bits 4:0), REPORTING OPTIONS (byte 2 bits
         * 2:0), REQUESTED OPERATION CODE byte 3, REQUESTED SERVICE ACTION bytes 4-5, ALLOCATION LENGTH
         * bytes 6-9, byte 10 reserved, CONTROL byte 11. */
        const uint8_t sanitize_crypto[12] = { 0xa3, 0x0c, 0x02, 0x48, 0x00, 0x03,
                                              0x00, 0x00, 0x00, 0x40, 0,    0 };
        assert_int_equal(scsi_build_report_opcode_cdb(SCSI_RSOC_ONE_COMMAND_SA, 0x48, 0x03, 64, cdb), 0);
        assert_memory_equal(cdb, sanitize_crypto, 12);
        const uint8_t format[12] = { 0xa3, 0x0c, 0x01, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0, 0 };
        assert_int_equal(scsi_build_report_opcode_cdb(SCSI_RSOC_ONE_COMMAND, 0x04, 0, 65536, cdb), 0);
        assert_memory_equal(cdb, format, 12);

        memset(cdb, 0x55, sizeof cdb);
        assert_int_equal(scsi_build_report_opcode_cdb(SCSI_RSOC_ONE_COMMAND, 0x04, 1, 64, cdb), -EINVAL);
        assert_int_equal(scsi_build_report_opcode_cdb(0, 0x04, 0, 64, cdb), -EINVAL);
        assert_int_equal(scsi_build_report_opcode_cdb(SCSI_RSOC_ONE_COMMAND_SA, 0x48, 1, 3, cdb), -EINVAL);
        assert_true(is_all_byte(cdb, sizeof cdb, 0x55));

        /* one_command parameter data: byte 1 bits 2:0 SUPPORT, bytes 2-3 CDB SIZE, CDB USAGE DATA */
        struct scsi_opcode_support o;
        const uint8_t yes[14] = { 0, 0x03, 0x00, 0x0a, 0x48, 0xe3, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 };
        assert_int_equal(scsi_parse_report_opcode_one(yes, sizeof yes, &o), 0);
        assert_true(o.is_supported);
        assert_int_equal(o.support, SCSI_RSOC_SUPPORT_STANDARD);
        assert_int_equal(o.cdb_bytes, 10);
        assert_int_equal(o.usage[0], 0x48);
        assert_int_equal(o.usage[1], 0xe3);
        const uint8_t vendor[14] = { 0, 0x85, 0x00, 0x0a, 0x48 }; /* CTDP set, SUPPORT 101b */
        assert_int_equal(scsi_parse_report_opcode_one(vendor, sizeof vendor, &o), 0);
        assert_true(o.is_supported);
        assert_int_equal(o.support, SCSI_RSOC_SUPPORT_VENDOR);
        const uint8_t no[4] = { 0, 0x01, 0, 0 };
        assert_int_equal(scsi_parse_report_opcode_one(no, sizeof no, &o), 0);
        assert_false(o.is_supported);
        const uint8_t unknown[4] = { 0, 0x00, 0, 0 };
        assert_int_equal(scsi_parse_report_opcode_one(unknown, sizeof unknown, &o), 0);
        assert_false(o.is_supported);
        assert_int_equal(scsi_parse_report_opcode_one(yes, 13, &o), -EBADMSG); /* CDB SIZE past the data */
        assert_int_equal(scsi_parse_report_opcode_one(yes, 3, &o), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_identify_purge_fields), cmocka_unit_test(test_format_nvm),
                cmocka_unit_test(test_format_guard),          cmocka_unit_test(test_sanitize),
                cmocka_unit_test(test_sanitize_guard),        cmocka_unit_test(test_get_log_sanitize),
                cmocka_unit_test(test_sanitize_log),          cmocka_unit_test(test_status),
                cmocka_unit_test(test_scsi_sanitize),         cmocka_unit_test(test_scsi_overwrite_params),
                cmocka_unit_test(test_scsi_format_unit),      cmocka_unit_test(test_scsi_request_sense),
                cmocka_unit_test(test_get_log_smart),         cmocka_unit_test(test_smart_log),
                cmocka_unit_test(test_scsi_inquiry),          cmocka_unit_test(test_scsi_report_opcode),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
