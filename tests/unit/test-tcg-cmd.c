/* SPDX-License-Identifier: MIT */
/*
 * wiper/device/tcg-cmd: the TCG Storage carriers, tokens, framing, method calls and parsers, byte for
 * byte. Expected bytes are written out from the specifications' tables (TCG Core 2.01 3.2.2 tokens and
 * 3.2.3 framing, Opal 2.01, Pyrite 2.01, Block SID 1.01, Supported Data Removal Mechanism 1.00, SPC-5,
 * ACS-4, NVM Express Base 2.0), never obtained by calling a builder; the Level 0 Discovery and session
 * dumps of real drives are quoted from public sedutil issue reports (each names its source).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "tcg-cmd.h"

#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
        assert_int_equal(got_len, want_len);
        for (size_t i = 0; i < want_len; i++)
                if (got[i] != want[i])
                        fail_msg("byte %zu: got %02x, want %02x", i, got[i], want[i]);
}

/* Expands a sedutil-style hex dump ("0000 000000a0 00000001 ...": an offset, then 4-byte groups) into
 * bytes; returns how many. */
static size_t from_dump(const char *dump, uint8_t *out, size_t cap)
{
        size_t n = 0;
        const char *p = dump;
        while (*p) {
                /* each line: 4 hex digits of offset, then up to four groups of 8 hex digits */
                while (*p == ' ' || *p == '\n')
                        p++;
                if (!*p)
                        break;
                p += 4; /* the offset */
                while (*p == ' ') {
                        p++;
                        while (*p && *p != ' ' && *p != '\n') {
                                unsigned v;
                                char h[3] = { p[0], p[1], 0 };
                                assert_int_equal(sscanf(h, "%2x", &v), 1);
                                assert_true(n < cap);
                                out[n++] = (uint8_t)v;
                                p += 2;
                        }
                }
        }
        return n;
}

/* ---- carriers ------------------------------------------------------------------------------------ */

static void test_scsi_cdb(void **state)
{
        (void)state;
        uint8_t cdb[12];
        /* SPC-5: 0 opcode, 1 protocol, 2-3 SP specific (big endian), 4 INC_512 0, 6-9 length (BE) */
        tcg_build_scsi_cdb(cdb, false, TCG_PROTOCOL_TCG, 0x1000, 2048);
        static const uint8_t in[12] = { 0xa2, 0x01, 0x10, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x08, 0x00, 0x00, 0x00 };
        assert_bytes(cdb, 12, in, 12);
        tcg_build_scsi_cdb(cdb, true, TCG_PROTOCOL_TCG, 0x07fe, 0x01020304);
        static const uint8_t out[12] = { 0xb5, 0x01, 0x07, 0xfe, 0x00, 0x00,
                                         0x01, 0x02, 0x03, 0x04, 0x00, 0x00 };
        assert_bytes(cdb, 12, out, 12);
        tcg_build_scsi_cdb(cdb, false, TCG_PROTOCOL_INFO, 0x0000, 512);
        static const uint8_t info[12] = { 0xa2, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x02, 0x00, 0x00, 0x00 };
        assert_bytes(cdb, 12, info, 12);
}

static void test_ata_cdb(void **state)
{
        (void)state;
        uint8_t cdb[16];
        /* TRUSTED RECEIVE, protocol 01h, ComID 1000h, 2048 bytes = 4 blocks: PIO data-in (PROTOCOL 4
         * in byte 1 bits 4:1), byte 2 T_DIR 1 BYT_BLOK 1 T_LENGTH 2 = 0Eh, FEATURE(7:0) byte 4 = 01h,
         * COUNT(7:0) byte 6 = 04h, LBA(7:0) byte 8 = 00h (length 15:8), LBA(15:8) byte 10 = ComID 7:0,
         * LBA(23:16) byte 12 = ComID 15:8, DEVICE byte 13 = 0, COMMAND byte 14 = 5Ch. */
        assert_int_equal(tcg_build_ata_cdb(cdb, false, TCG_PROTOCOL_TCG, 0x1000, 2048), 0);
        static const uint8_t rcv[16] = { 0x85, 0x08, 0x0e, 0x00, 0x01, 0x00, 0x04, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x5c, 0x00 };
        assert_bytes(cdb, 16, rcv, 16);
        /* TRUSTED SEND, ComID 07FEh, 1234h blocks: PIO data-out (PROTOCOL 5), byte 2 06h, COUNT 34h,
         * LBA(7:0) 12h, LBA(15:8) FEh, LBA(23:16) 07h, COMMAND 5Eh */
        assert_int_equal(tcg_build_ata_cdb(cdb, true, TCG_PROTOCOL_TCG, 0x07fe, 0x1234u * 512), 0);
        static const uint8_t snd[16] = { 0x85, 0x0a, 0x06, 0x00, 0x01, 0x00, 0x34, 0x00,
                                         0x12, 0x00, 0xfe, 0x00, 0x07, 0x00, 0x5e, 0x00 };
        assert_bytes(cdb, 16, snd, 16);
        assert_int_equal(tcg_build_ata_cdb(cdb, false, TCG_PROTOCOL_TCG, 1, 0), -EINVAL);
        assert_int_equal(tcg_build_ata_cdb(cdb, false, TCG_PROTOCOL_TCG, 1, 513), -EINVAL);
        assert_int_equal(tcg_build_ata_cdb(cdb, false, TCG_PROTOCOL_TCG, 1, 0x10000u * 512), -EINVAL);
        assert_int_equal(tcg_build_ata_cdb(cdb, false, TCG_PROTOCOL_TCG, 1, 0xffffu * 512), 0);
}

static void test_nvme_cmd(void **state)
{
        (void)state;
        uint8_t buf[2048];
        struct nvme_admin_cmd c;
        memset(&c, 0xaa, sizeof c);
        /* Security Receive: CDW10 SECP 31:24 = 01h, SPSP1 23:16 = 10h, SPSP0 15:8 = 00h, NSSF 0 */
        tcg_build_nvme_cmd(&c, false, TCG_PROTOCOL_TCG, 0x1000, buf, sizeof buf, 1234);
        assert_int_equal(c.opcode, 0x82);
        assert_int_equal(c.nsid, 0);
        assert_int_equal(c.cdw10, 0x01100000u);
        assert_int_equal(c.cdw11, 2048);
        assert_int_equal(c.cdw12, 0);
        assert_int_equal(c.cdw13, 0);
        assert_int_equal(c.flags, 0);
        assert_true(c.addr == (uint64_t)(uintptr_t)buf);
        assert_int_equal(c.data_len, 2048);
        assert_int_equal(c.timeout_ms, 1234);
        /* Security Send to ComID 07FEh */
        tcg_build_nvme_cmd(&c, true, TCG_PROTOCOL_TCG, 0x07fe, buf, 512, TCG_TIMEOUT_MS);
        assert_int_equal(c.opcode, 0x81);
        assert_int_equal(c.cdw10, 0x0107fe00u);
        assert_int_equal(c.cdw11, 512);
        assert_int_equal(c.timeout_ms, TCG_TIMEOUT_MS);
}

/* ---- tokens ---------------------------------------------------------------------------------------- */

static void test_put_atoms(void **state)
{
        (void)state;
        uint8_t b[4096];
        struct tcg_writer w = { .p = b, .cap = sizeof b };

        tcg_put_uint(&w, 0);                 /* tiny 00 */
        tcg_put_uint(&w, 63);                /* tiny 3F */
        tcg_put_uint(&w, 64);                /* short, 1 byte: 81 40 */
        tcg_put_uint(&w, 0x1000);            /* 82 10 00 */
        tcg_put_uint(&w, UINT64_C(1) << 32); /* 85 01 00 00 00 00 */
        tcg_put_uint(&w, UINT64_MAX);        /* 88 FF x8 */
        tcg_put_token(&w, TCG_TOK_END_OF_DATA);
        tcg_put_name_uint(&w, 3); /* F2 03 */
        static const uint8_t want[] = { 0x00, 0x3f, 0x81, 0x40, 0x82, 0x10, 0x00, 0x85, 0x01,
                                        0x00, 0x00, 0x00, 0x00, 0x88, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 0xf9, 0xf2, 0x03 };
        assert_bytes(b, w.len, want, sizeof want);
        assert_false(w.is_overflow);

        /* bytes: short atom A0|n up to 15, medium D0|n>>8 n up to 2047, long E2 n(24 bits) beyond */
        uint8_t data[2048];
        for (size_t i = 0; i < sizeof data; i++)
                data[i] = (uint8_t)i;
        size_t lens[] = { 0, 15, 16, 2047, 2048 };
        uint8_t heads[][4] = {
                { 0xa0 }, { 0xaf }, { 0xd0, 0x10 }, { 0xd7, 0xff }, { 0xe2, 0x00, 0x08, 0x00 }
        };
        size_t head_lens[] = { 1, 1, 2, 2, 4 };
        for (size_t k = 0; k < ELEMS(lens); k++) {
                w = (struct tcg_writer){ .p = b, .cap = sizeof b };
                tcg_put_bytes(&w, data, lens[k]);
                assert_int_equal(w.len, head_lens[k] + lens[k]);
                assert_memory_equal(b, heads[k], head_lens[k]);
                if (lens[k])
                        assert_memory_equal(b + head_lens[k], data, lens[k]);
        }

        /* a UID: an 8-byte short atom A8 */
        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        tcg_put_uid(&w, &TCG_UID_PSID);
        static const uint8_t uid[] = { 0xa8, 0x00, 0x00, 0x00, 0x09, 0x00, 0x01, 0xff, 0x01 };
        assert_bytes(b, w.len, uid, sizeof uid);

        /* overflow: the atom that does not fit is dropped whole, and so is everything after it */
        w = (struct tcg_writer){ .p = b, .cap = 4 };
        tcg_put_token(&w, TCG_TOK_START_LIST);
        tcg_put_bytes(&w, "abcd", 4);
        assert_true(w.is_overflow);
        assert_int_equal(w.len, 1);
        tcg_put_token(&w, TCG_TOK_END_LIST);
        assert_int_equal(w.len, 1);
}

static void test_uids(void **state)
{
        (void)state;
        /* Core 5.1 / Opal Table 240 / PSID feature set: the UIDs as 64-bit numbers */
        struct {
                const tcg_uid *uid;
                uint64_t v;
        } t[] = {
                { &TCG_UID_THIS_SP, 0x0000000000000001 },
                { &TCG_UID_SMUID, 0x00000000000000ff },
                { &TCG_UID_ADMIN_SP, 0x0000020500000001 },
                { &TCG_UID_LOCKING_SP, 0x0000020500000002 },
                { &TCG_UID_ANYBODY, 0x0000000900000001 },
                { &TCG_UID_SID, 0x0000000900000006 },
                { &TCG_UID_PSID, 0x000000090001ff01 },
                { &TCG_UID_C_PIN_SID, 0x0000000b00000001 },
                { &TCG_UID_C_PIN_MSID, 0x0000000b00008402 },
                { &TCG_UID_C_PIN_PSID, 0x0000000b0001ff01 },
                { &TCG_UID_M_PROPERTIES, 0x000000000000ff01 },
                { &TCG_UID_M_START_SESSION, 0x000000000000ff02 },
                { &TCG_UID_M_SYNC_SESSION, 0x000000000000ff03 },
                { &TCG_UID_M_GET, 0x0000000600000016 },
                { &TCG_UID_M_SET, 0x0000000600000017 },
                { &TCG_UID_M_REVERT, 0x0000000600000202 },
                { &TCG_UID_M_REVERT_SP, 0x0000000600000011 },
        };
        for (size_t i = 0; i < ELEMS(t); i++)
                for (int k = 0; k < 8; k++)
                        assert_int_equal(t[i].uid->b[k], (uint8_t)(t[i].v >> (56 - 8 * k)));
}

static void test_tokenize(void **state)
{
        (void)state;
        static const uint8_t s[] = {
                0x00, 0x3f,                                        /* tiny 0, 63 */
                0x7f, 0x60, 0x5f,                                  /* tiny signed: -1, -32, 31 */
                0x81, 0x40,                                        /* short uint 64 */
                0x91, 0xff,                                        /* short signed 1 byte: -1 */
                0x98, 0x80, 0,    0,    0,    0,    0,    0,    0, /* short signed 8 bytes: INT64_MIN */
                0x80,                                              /* short uint of no bytes: 0 */
                0xc0, 0x02, 0x12, 0x34,                            /* medium uint 2 bytes */
                0xa3, 'a',  'b',  'c',                             /* short bytes */
                0xd0, 0x10, '0',  '1',  '2',  '3',  '4',  '5',  '6',  '7',  '8', '9',
                'a',  'b',  'c',  'd',  'e',  'f',  0xe2, 0x00, 0x00, 0x02, 'x', 'y', /* long bytes */
                0xff,                                                                 /* empty: skipped */
                0xf0, 0xf1, 0xf2, 0xf3, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc,
        };
        struct tcg_token k[32];
        size_t n = 0;
        assert_int_equal(tcg_tokenize(s, sizeof s, k, ELEMS(k), &n), 0);
        assert_int_equal(n, 22);
        assert_int_equal(k[0].kind, TCG_ATOM_UINT);
        assert_int_equal(k[0].value, 0);
        assert_int_equal(k[1].value, 63);
        assert_int_equal(k[2].kind, TCG_ATOM_INT);
        assert_true((int64_t)k[2].value == -1);
        assert_true((int64_t)k[3].value == -32);
        assert_int_equal(k[4].kind, TCG_ATOM_INT);
        assert_int_equal(k[4].value, 31);
        assert_int_equal(k[5].kind, TCG_ATOM_UINT);
        assert_int_equal(k[5].value, 64);
        assert_int_equal(k[6].kind, TCG_ATOM_INT);
        assert_true((int64_t)k[6].value == -1);
        assert_true((int64_t)k[7].value == INT64_MIN);
        assert_int_equal(k[8].kind, TCG_ATOM_UINT);
        assert_int_equal(k[8].value, 0);
        assert_int_equal(k[9].value, 0x1234);
        assert_int_equal(k[10].kind, TCG_ATOM_BYTES);
        assert_int_equal(k[10].len, 3);
        assert_ptr_equal(k[10].bytes, s + 24);
        assert_int_equal(k[11].len, 16);
        assert_memory_equal(k[11].bytes, "0123456789abcdef", 16);
        assert_int_equal(k[12].kind, TCG_ATOM_BYTES);
        assert_memory_equal(k[12].bytes, "xy", 2);
        static const uint8_t ctl[] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc };
        for (size_t i = 0; i < ELEMS(ctl); i++) {
                assert_int_equal(k[13 + i].kind, TCG_ATOM_CONTROL);
                assert_int_equal(k[13 + i].control, ctl[i]);
        }

        /* too many */
        assert_int_equal(tcg_tokenize(s, sizeof s, k, 21, &n), -E2BIG);
        /* empty input */
        assert_int_equal(tcg_tokenize(s, 0, k, ELEMS(k), &n), 0);
        assert_int_equal(n, 0);

        /* malformed: each -EBADMSG, *ret_n untouched */
        static const struct {
                uint8_t b[12];
                size_t len;
        } bad[] = {
                { { 0xa3, 'a', 'b' }, 3 },                                  /* short bytes past the end */
                { { 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 10 },                /* integer of 9 bytes */
                { { 0xd0 }, 1 },                                            /* medium header cut */
                { { 0xd0, 0x05, 1, 2 }, 4 },                                /* medium bytes past the end */
                { { 0xe2, 0x00, 0x00 }, 3 },                                /* long header cut */
                { { 0xe0, 0x00, 0x00, 0x09, 1, 2, 3, 4, 5, 6, 7, 8 }, 12 }, /* long integer of 9 bytes */
                { { 0xb1, 'a' }, 2 },                                       /* B 1 S 1: continued */
                { { 0xe4 }, 1 },                                            /* reserved atom */
                { { 0xf4 }, 1 },                                            /* reserved token */
                { { 0xfe }, 1 },                                            /* reserved token */
        };
        for (size_t i = 0; i < ELEMS(bad); i++) {
                n = 777;
                assert_int_equal(tcg_tokenize(bad[i].b, bad[i].len, k, ELEMS(k), &n), -EBADMSG);
                assert_int_equal(n, 777);
        }
}

/* ---- framing --------------------------------------------------------------------------------------- */

static void test_frame(void **state)
{
        (void)state;
        uint8_t out[256];
        static const uint8_t payload[5] = { 0xf8, 0x01, 0x02, 0x03, 0xfa };
        memset(out, 0xee, sizeof out);
        assert_int_equal(tcg_frame(out, 128, 0x1000, 0x1001, 0x69, payload, sizeof payload), 0);
        static const uint8_t want[64] = {
                /* ComPacket: reserved, ComID 1000h, extension 0, OutstandingData 0, MinTransfer 0,
                 * Length 24 + 12 + 8 = 44 */
                0, 0, 0, 0, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 44,
                /* Packet: TSN, HSN, SeqNumber, reserved, AckType, Acknowledgement, Length 12 + 8 */
                0, 0, 0x10, 0x01, 0, 0, 0, 0x69, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20,
                /* SubPacket: reserved x6, Kind 0, Length 5 */
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
                /* payload, padded to 4 */
                0xf8, 0x01, 0x02, 0x03, 0xfa, 0, 0, 0
        };
        assert_bytes(out, 64, want, sizeof want);
        for (size_t i = 64; i < 128; i++)
                assert_int_equal(out[i], 0); /* zero-filled to out_len */
        assert_int_equal(out[128], 0xee);

        assert_int_equal(tcg_frame(out, 63, 0x1000, 0, 0, payload, sizeof payload), -ENOBUFS);
        assert_int_equal(tcg_frame(out, 64, 0x1000, 0, 0, payload, sizeof payload), 0);
        assert_int_equal(tcg_frame(out, 56, 0x1000, 0, 0, NULL, 0), 0);

        struct tcg_frame_view v;
        assert_int_equal(tcg_frame(out, 128, 0x1000, 0x1001, 0x69, payload, sizeof payload), 0);
        assert_int_equal(tcg_unframe(out, 128, &v), 0);
        assert_int_equal(v.comid, 0x1000);
        assert_int_equal(v.tsn, 0x1001);
        assert_int_equal(v.hsn, 0x69);
        assert_int_equal(v.outstanding, 0);
        assert_ptr_equal(v.payload, out + 56);
        assert_int_equal(v.payload_len, 5);
}

static void test_unframe_bad(void **state)
{
        (void)state;
        uint8_t b[128] = { 0 };
        struct tcg_frame_view v = { .comid = 77 };

        /* empty ComPacket: -EAGAIN, with or without OutstandingData */
        b[5] = 0x10;
        assert_int_equal(tcg_unframe(b, sizeof b, &v), -EAGAIN);
        b[11] = 0x40;
        assert_int_equal(tcg_unframe(b, sizeof b, &v), -EAGAIN);
        assert_int_equal(v.comid, 77); /* untouched */
        assert_int_equal(tcg_unframe(b, 19, &v), -EBADMSG);

        static const uint8_t p[4] = { 1, 2, 3, 4 };
        assert_int_equal(tcg_frame(b, sizeof b, 0x1000, 1, 2, p, 4), 0);
        assert_int_equal(tcg_unframe(b, 59, &v), -EBADMSG); /* the ComPacket runs past len */
        uint8_t c[128];
        memcpy(c, b, sizeof c);
        c[19] = 23; /* ComPacket too short for a Packet header */
        assert_int_equal(tcg_unframe(c, sizeof c, &v), -EBADMSG);
        memcpy(c, b, sizeof c);
        c[43] = 40; /* Packet longer than its ComPacket */
        assert_int_equal(tcg_unframe(c, sizeof c, &v), -EBADMSG);
        memcpy(c, b, sizeof c);
        c[43] = 11; /* Packet too short for a SubPacket header */
        assert_int_equal(tcg_unframe(c, sizeof c, &v), -EBADMSG);
        memcpy(c, b, sizeof c);
        c[55] = 5; /* SubPacket longer than its Packet */
        assert_int_equal(tcg_unframe(c, sizeof c, &v), -EBADMSG);
        assert_int_equal(tcg_unframe(b, sizeof b, &v), 0);
}

/* ---- method calls -------------------------------------------------------------------------------- */

#define SMUID_A8       0xa8, 0, 0, 0, 0, 0, 0, 0, 0xff
#define STATUS_LIST_OK 0xf9, 0xf0, 0x00, 0x00, 0x00, 0xf1

static void test_build_properties(void **state)
{
        (void)state;
        uint8_t b[256];
        struct tcg_writer w = { .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_properties(&w), 0);
        /* the layout sedutil sends (sedutil issue #64 dump, "Dumping command buffer"): HostProperties
         * MaxComPacketSize 2048, MaxPacketSize 2028, MaxIndTokenSize 1992 */
        static const uint8_t want[] = {
                0xf8, SMUID_A8,
                0xa8, 0,
                0,    0,
                0,    0,
                0,    0xff,
                0x01, 0xf0,
                0xf2, 0x00,
                0xf0, 0xf2,
                0xd0, 0x10,
                'M',  'a',
                'x',  'C',
                'o',  'm',
                'P',  'a',
                'c',  'k',
                'e',  't',
                'S',  'i',
                'z',  'e',
                0x82, 0x08,
                0x00, 0xf3,
                0xf2, 0xad,
                'M',  'a',
                'x',  'P',
                'a',  'c',
                'k',  'e',
                't',  'S',
                'i',  'z',
                'e',  0x82,
                0x07, 0xec,
                0xf3, 0xf2,
                0xaf, 'M',
                'a',  'x',
                'I',  'n',
                'd',  'T',
                'o',  'k',
                'e',  'n',
                'S',  'i',
                'z',  'e',
                0x82, 0x07,
                0xc8, 0xf3,
                0xf1, 0xf3,
                0xf1, STATUS_LIST_OK,
        };
        assert_bytes(b, w.len, want, sizeof want);
        w = (struct tcg_writer){ .p = b, .cap = 40 };
        assert_int_equal(tcg_build_properties(&w), -ENOBUFS);
}

static void test_build_start_session(void **state)
{
        (void)state;
        uint8_t b[256];
        struct tcg_writer w = { .p = b, .cap = sizeof b };
        /* Anybody, read-only: F8 SMUID StartSession F0 hsn SPID write F1 F9 F0 00 00 00 F1 */
        assert_int_equal(tcg_build_start_session(&w, 0x69, &TCG_UID_ADMIN_SP, false, NULL, NULL, 0), 0);
        static const uint8_t anybody[] = { 0xf8, SMUID_A8,      0xa8, 0,    0,    0,    0,    0,
                                           0,    0xff,          0x02, 0xf0, 0x81, 0x69, 0xa8, 0,
                                           0,    0x02,          0x05, 0,    0,    0,    0x01, 0x00,
                                           0xf1, STATUS_LIST_OK };
        assert_bytes(b, w.len, anybody, sizeof anybody);

        /* SID with a challenge: [F2 00 challenge F3] [F2 03 authority F3] */
        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_start_session(&w, 1, &TCG_UID_ADMIN_SP, true, &TCG_UID_SID, "abc", 3), 0);
        static const uint8_t sid[] = {
                0xf8, SMUID_A8, 0xa8, 0, 0, 0, 0,    0,    0,    0xff, 0x02, 0xf0, 0x01, 0xa8,          0,
                0,    0x02,     0x05, 0, 0, 0, 0x01, 0x01, 0xf2, 0x00, 0xa3, 'a',  'b',  'c',           0xf3,
                0xf2, 0x03,     0xa8, 0, 0, 0, 0x09, 0,    0,    0,    0x06, 0xf3, 0xf1, STATUS_LIST_OK
        };
        assert_bytes(b, w.len, sid, sizeof sid);

        /* The whole IF-SEND buffer of a PSID StartSession, as sedutil sent it to a Samsung PM961
         * (sedutil issue #524, "Dumping command buffer": ComID 1004h, HostSessionID 69h, a 32-character
         * PSID; the PSID characters are replaced here, every other byte is the dump's). */
        static const char *dump = "0000 00000000 10040000 00000000 00000000\n"
                                  "0010 0000007c 00000000 00000000 00000000\n"
                                  "0020 00000000 00000000 00000064 00000000\n"
                                  "0030 00000000 00000058 f8a80000 00000000\n"
                                  "0040 00ffa800 00000000 00ff02f0 8169a800\n"
                                  "0050 00020500 00000101 f200d020 30313233\n"
                                  "0060 34353637 38394142 43444546 30313233\n"
                                  "0070 34353637 38394142 43444546 f3f203a8\n"
                                  "0080 00000009 0001ff01 f3f1f9f0 000000f1\n";
        uint8_t want[256];
        size_t want_len = from_dump(dump, want, sizeof want);
        assert_int_equal(want_len, 0x90);
        const char *psid = "0123456789ABCDEF0123456789ABCDEF";
        uint8_t payload[256];
        w = (struct tcg_writer){ .p = payload, .cap = sizeof payload };
        assert_int_equal(tcg_build_start_session(&w, 0x69, &TCG_UID_ADMIN_SP, true, &TCG_UID_PSID, psid, 32),
                         0);
        uint8_t out[TCG_IO_BYTES];
        assert_int_equal(tcg_frame(out, sizeof out, 0x1004, 0, 0, w.p, w.len), 0);
        assert_bytes(out, want_len, want, want_len);
        for (size_t i = want_len; i < sizeof out; i++)
                assert_int_equal(out[i], 0);
}

static void test_build_get_revert_end(void **state)
{
        (void)state;
        uint8_t b[128];
        struct tcg_writer w = { .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_get(&w, &TCG_UID_C_PIN_MSID, TCG_C_PIN_PIN, TCG_C_PIN_PIN), 0);
        static const uint8_t get[] = { 0xf8, 0xa8, 0,    0,    0,    0x0b, 0,    0,
                                       0x84, 0x02, 0xa8, 0,    0,    0,    0x06, 0,
                                       0,    0,    0x16, 0xf0, 0xf0, 0xf2, 0x03, 0x03,
                                       0xf3, 0xf2, 0x04, 0x03, 0xf3, 0xf1, 0xf1, STATUS_LIST_OK };
        assert_bytes(b, w.len, get, sizeof get);
        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_get(&w, &TCG_UID_C_PIN_PSID, TCG_C_PIN_TRY_LIMIT, TCG_C_PIN_PERSISTENCE),
                         0);
        static const uint8_t get2[] = { 0xf8, 0xa8, 0,    0,    0,    0x0b, 0,    0x01,
                                        0xff, 0x01, 0xa8, 0,    0,    0,    0x06, 0,
                                        0,    0,    0x16, 0xf0, 0xf0, 0xf2, 0x03, 0x05,
                                        0xf3, 0xf2, 0x04, 0x07, 0xf3, 0xf1, 0xf1, STATUS_LIST_OK };
        assert_bytes(b, w.len, get2, sizeof get2);
        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_get(&w, &TCG_UID_C_PIN_PSID, 6, 5), -EINVAL);

        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_revert(&w, &TCG_UID_ADMIN_SP), 0);
        static const uint8_t revert[] = {
                0xf8, 0xa8, 0, 0,    0x02, 0x05, 0,    0,    0,    0x01, 0xa8,
                0,    0,    0, 0x06, 0,    0,    0x02, 0x02, 0xf0, 0xf1, STATUS_LIST_OK
        };
        assert_bytes(b, w.len, revert, sizeof revert);

        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_revert_sp(&w), 0);
        static const uint8_t revert_sp[] = {
                0xf8, 0xa8, 0, 0,    0, 0, 0, 0,    0,    0x01, 0xa8,
                0,    0,    0, 0x06, 0, 0, 0, 0x11, 0xf0, 0xf1, STATUS_LIST_OK
        };
        assert_bytes(b, w.len, revert_sp, sizeof revert_sp);

        w = (struct tcg_writer){ .p = b, .cap = sizeof b };
        assert_int_equal(tcg_build_end_session(&w), 0);
        static const uint8_t end[] = { 0xfa };
        assert_bytes(b, w.len, end, sizeof end);
        w = (struct tcg_writer){ .p = b, .cap = 0 };
        assert_int_equal(tcg_build_end_session(&w), -ENOBUFS);
        w = (struct tcg_writer){ .p = b, .cap = 25 };
        assert_int_equal(tcg_build_revert(&w, &TCG_UID_ADMIN_SP), -ENOBUFS);
}

/* ---- answers ------------------------------------------------------------------------------------- */

static size_t toks_of(const uint8_t *b, size_t len, struct tcg_token *k, size_t max)
{
        size_t n = 0;
        assert_int_equal(tcg_tokenize(b, len, k, max, &n), 0);
        return n;
}

static void test_parse_status(void **state)
{
        (void)state;
        struct tcg_token k[32];
        uint8_t st = 0xee;
        static const uint8_t ok[] = { 0xf0, 0xf1, 0xf9, 0xf0, 0x12, 0x00, 0x00, 0xf1 };
        assert_int_equal(tcg_parse_status(k, toks_of(ok, sizeof ok, k, 32), &st), 0);
        assert_int_equal(st, TCG_ST_AUTHORITY_LOCKED_OUT);

        static const struct {
                uint8_t b[8];
                size_t len;
        } bad[] = {
                { { 0xf0, 0xf1 }, 2 },                                     /* no EndOfData */
                { { 0xf9, 0xf0, 0x00, 0x00, 0x00 }, 5 },                   /* list not closed */
                { { 0xf9, 0xf0, 0x00, 0x00, 0xf1 }, 5 },                   /* two elements */
                { { 0xf9, 0xf0, 0xa1, 0x00, 0x00, 0x00, 0xf1 }, 7 },       /* status as bytes */
                { { 0xf9, 0x00, 0x00, 0x00, 0x00, 0xf1 }, 6 },             /* no StartList */
                { { 0xf9, 0xf0, 0x82, 0x01, 0x00, 0x00, 0x00, 0xf1 }, 8 }, /* status beyond a byte */
        };
        for (size_t i = 0; i < ELEMS(bad); i++) {
                st = 0xee;
                assert_int_equal(tcg_parse_status(k, toks_of(bad[i].b, bad[i].len, k, 32), &st), -EBADMSG);
                assert_int_equal(st, 0xee);
        }
        assert_string_equal(tcg_status_to_string(TCG_ST_SUCCESS), "SUCCESS");
        assert_string_equal(tcg_status_to_string(TCG_ST_NOT_AUTHORIZED), "NOT_AUTHORIZED");
        assert_string_equal(tcg_status_to_string(TCG_ST_AUTHORITY_LOCKED_OUT), "AUTHORITY_LOCKED_OUT");
        assert_string_equal(tcg_status_to_string(TCG_ST_INVALID_PARAMETER), "INVALID_PARAMETER");
        assert_string_equal(tcg_status_to_string(TCG_ST_FAIL), "FAIL");
        assert_string_equal(tcg_status_to_string(0x02), "unknown status");
}

static void test_parse_sync_session(void **state)
{
        (void)state;
        /* A Samsung PM961's answer to StartSession (sedutil issue #524, "Dumping reply buffer"): ComID
         * 1004h, HostSessionID 69h, SPSessionID 1002h, SUCCESS. */
        static const char *dump = "0000 00000000 10040000 00000000 00000000\n"
                                  "0010 0000004c 00000000 00000000 00000000\n"
                                  "0020 00000000 00000000 00000034 00000000\n"
                                  "0030 00000000 00000025 f8a80000 00000000\n"
                                  "0040 00ffa800 00000000 00ff03f0 84000000\n"
                                  "0050 69840000 1002f1f9 f0000000 f1000000\n";
        uint8_t b[128];
        size_t len = from_dump(dump, b, sizeof b);
        struct tcg_frame_view v;
        assert_int_equal(tcg_unframe(b, len, &v), 0);
        assert_int_equal(v.comid, 0x1004);
        assert_int_equal(v.tsn, 0);
        assert_int_equal(v.hsn, 0);
        assert_int_equal(v.payload_len, 0x25);
        struct tcg_token k[32];
        size_t n = toks_of(v.payload, v.payload_len, k, 32);
        uint8_t st = 0xee;
        uint32_t hsn = 0, tsn = 0;
        assert_int_equal(tcg_parse_sync_session(k, n, &st, &hsn, &tsn), 0);
        assert_int_equal(st, TCG_ST_SUCCESS);
        assert_int_equal(hsn, 0x69);
        assert_int_equal(tsn, 0x1002);

        /* a refusal in the SyncSession position: its status, ids 0 */
        static const uint8_t refused[] = { 0xf8, SMUID_A8, 0xa8, 0,    0,    0,    0,    0,
                                           0,    0xff,     0x03, 0xf0, 0x81, 0x69, 0x00, 0xf1,
                                           0xf9, 0xf0,     0x01, 0x00, 0x00, 0xf1 };
        hsn = tsn = 5;
        assert_int_equal(tcg_parse_sync_session(k, toks_of(refused, sizeof refused, k, 32), &st, &hsn, &tsn),
                         0);
        assert_int_equal(st, TCG_ST_NOT_AUTHORIZED);
        assert_int_equal(hsn, 0);
        assert_int_equal(tsn, 0);
        /* a bare status list, as some TPers answer a refused StartSession */
        static const uint8_t bare[] = { 0xf9, 0xf0, 0x12, 0x00, 0x00, 0xf1 };
        assert_int_equal(tcg_parse_sync_session(k, toks_of(bare, sizeof bare, k, 32), &st, &hsn, &tsn), 0);
        assert_int_equal(st, TCG_ST_AUTHORITY_LOCKED_OUT);

        /* SUCCESS but not a SyncSession: -EBADMSG, outputs untouched */
        static const uint8_t wrong_method[] = {
                0xf8, SMUID_A8, 0xa8, 0, 0, 0, 0, 0, 0, 0xff, 0x02, 0xf0, 0x01, 0x02, 0xf1, STATUS_LIST_OK
        };
        static const uint8_t no_tsn[] = { 0xf8, SMUID_A8, 0xa8,          0, 0, 0, 0, 0, 0, 0xff, 0x03, 0xf0,
                                          0x01, 0xf1,     STATUS_LIST_OK };
        static const uint8_t big_hsn[] = { 0xf8, SMUID_A8, 0xa8, 0, 0, 0, 0, 0,    0,    0xff,          0x03,
                                           0xf0, 0x85,     0x01, 0, 0, 0, 0, 0x01, 0xf1, STATUS_LIST_OK };
        static const uint8_t no_status[] = { 0xf8, SMUID_A8, 0xa8, 0,    0,    0,    0,   0,
                                             0,    0xff,     0x03, 0xf0, 0x01, 0x02, 0xf1 };
        const struct {
                const uint8_t *b;
                size_t len;
        } bad[] = { { wrong_method, sizeof wrong_method },
                    { no_tsn, sizeof no_tsn },
                    { big_hsn, sizeof big_hsn },
                    { no_status, sizeof no_status } };
        for (size_t i = 0; i < ELEMS(bad); i++) {
                st = 0xee;
                hsn = tsn = 7;
                assert_int_equal(
                        tcg_parse_sync_session(k, toks_of(bad[i].b, bad[i].len, k, 32), &st, &hsn, &tsn),
                        -EBADMSG);
                assert_int_equal(st, 0xee);
                assert_int_equal(hsn, 7);
        }
}

static void test_parse_get(void **state)
{
        (void)state;
        struct tcg_token k[64];
        uint64_t v[8];
        bool has[8];
        /* C_PIN: PIN bytes (skipped), TryLimit 5, Tries 2, Persistence 0, a column beyond n_columns */
        static const uint8_t ok[] = { 0xf0, 0xf0, 0xf2, 0x03, 0xa4, 'M',  'S',  'I',  'D',           0xf3,
                                      0xf2, 0x05, 0x05, 0xf3, 0xf2, 0x06, 0x02, 0xf3, 0xf2,          0x07,
                                      0x00, 0xf3, 0xf2, 0x09, 0x01, 0xf3, 0xf1, 0xf1, STATUS_LIST_OK };
        memset(v, 0, sizeof v);
        memset(has, 1, sizeof has);
        assert_int_equal(tcg_parse_get(k, toks_of(ok, sizeof ok, k, 64), v, has, 8), 0);
        assert_false(has[TCG_C_PIN_PIN]);
        assert_true(has[TCG_C_PIN_TRY_LIMIT]);
        assert_int_equal(v[TCG_C_PIN_TRY_LIMIT], 5);
        assert_true(has[TCG_C_PIN_TRIES]);
        assert_int_equal(v[TCG_C_PIN_TRIES], 2);
        assert_true(has[TCG_C_PIN_PERSISTENCE]);
        assert_int_equal(v[TCG_C_PIN_PERSISTENCE], 0);
        assert_false(has[0]);

        /* a refused Get: an empty result, nothing set */
        static const uint8_t refused[] = { 0xf0, 0xf1, 0xf9, 0xf0, 0x01, 0x00, 0x00, 0xf1 };
        memset(has, 1, sizeof has);
        assert_int_equal(tcg_parse_get(k, toks_of(refused, sizeof refused, k, 64), v, has, 8), 0);
        for (int i = 0; i < 8; i++)
                assert_false(has[i]);

        static const struct {
                uint8_t b[24];
                size_t len;
        } bad[] = {
                { { 0xf0, 0xf0, 0xf2, 0x05, 0x05, 0xf1, 0xf1, STATUS_LIST_OK }, 13 }, /* no EndName */
                { { 0xf0, 0xf0, 0xf2, 0x05, 0x05, 0xf3, 0xf1, 0xf1 }, 8 },            /* no status */
                { { 0xf0, 0xf0, 0xf2, 0x05, 0xf0, 0xf3, 0xf1, 0xf1, STATUS_LIST_OK },
                  14 },                                                               /* a list value */
                { { 0xf0, 0xf0, 0xf2, 0x05, 0x05, 0xf3, 0xf1, STATUS_LIST_OK }, 13 }, /* one EndList */
                { { 0xf0, 0xf2, 0x05, 0x05, 0xf3, 0xf1, STATUS_LIST_OK }, 12 },       /* no inner list */
                { { 0xf2, 0x05, 0x05, 0xf3, STATUS_LIST_OK }, 10 },                   /* no list at all */
        };
        for (size_t i = 0; i < ELEMS(bad); i++)
                assert_int_equal(tcg_parse_get(k, toks_of(bad[i].b, bad[i].len, k, 64), v, has, 8),
                                 -EBADMSG);
}

/* ---- Level 0 Discovery ----------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        put16(p, (uint16_t)(v >> 16));
        put16(p + 2, (uint16_t)v);
}

/* A descriptor header at p: code, version 1 (bits 7:4 of byte 2), length; returns the next one. */
static uint8_t *desc(uint8_t *p, uint16_t code, uint8_t len)
{
        put16(p, code);
        p[2] = 0x10;
        p[3] = len;
        return p + 4 + len;
}

static void test_level0_opal2(void **state)
{
        (void)state;
        uint8_t b[512] = { 0 };
        uint8_t *p = b + 48;
        put16(b + 4, 0x0000);     /* major */
        put16(b + 6, 0x0001);     /* minor */
        memset(b + 16, 0x5a, 32); /* vendor unique header bytes */

        p[4] = 0x51; /* TPer: Sync, Streaming, ComID Management */
        p = desc(p, 0x0001, 0x0c);
        p[4] = 0x2b; /* Locking: Supported, Enabled, Media Encryption, MBR Done */
        p = desc(p, 0x0002, 0x0c);
        put32(p + 12, 512); /* Geometry: ignored */
        p = desc(p, 0x0003, 0x1c);
        put16(p + 4, 0x0800); /* Opal 1 too: less preferred */
        put16(p + 6, 0x0001);
        p = desc(p, 0x0200, 0x0c);
        put16(p + 4, 0x07fe);  /* Opal 2: base ComID, */
        put16(p + 6, 0x0002);  /* number of ComIDs, */
        p[8] = 0x01;           /* range crossing, */
        put16(p + 9, 0x0004);  /* Locking SP admins, */
        put16(p + 11, 0x0008); /* users, */
        p[13] = 0xff;          /* Initial C_PIN_SID: vendor unique, */
        p[14] = 0x00;          /* upon revert: the MSID */
        p = desc(p, 0x0203, 0x10);
        p[4] = 0x02; /* Block SID: SID Value State 0 (SID = MSID), Blocked 1; Hardware Reset */
        p[5] = 0x01;
        p = desc(p, 0x0402, 0x0c);
        p[5] = 0x01; /* Data Removal: processing; mechanisms overwrite, crypto erase, vendor */
        p[6] = 0x25;
        p = desc(p, 0x0404, 0x20);
        memset(p + 4, 0x77, 8); /* a vendor-unique descriptor: skipped */
        p = desc(p, 0xc001, 0x08);
        put32(b, (uint32_t)(p - b - 4));

        struct tcg_discovery d;
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), 0);
        assert_int_equal(d.major, 0);
        assert_int_equal(d.minor, 1);
        assert_int_equal(d.ssc, TCG_SSC_OPAL2);
        assert_int_equal(d.sscs, (1u << TCG_SSC_OPAL2) | (1u << TCG_SSC_OPAL1));
        assert_int_equal(d.base_comid, 0x07fe);
        assert_int_equal(d.n_comids, 2);
        assert_true(d.has_tper);
        assert_int_equal(d.tper_flags, 0x51);
        assert_true(d.has_locking);
        assert_true(d.is_locking_supported);
        assert_true(d.is_locking_enabled);
        assert_false(d.is_locked);
        assert_true(d.is_media_encryption);
        assert_false(d.is_mbr_enabled);
        assert_true(d.is_mbr_done);
        assert_int_equal(d.n_locking_admins, 4);
        assert_int_equal(d.n_locking_users, 8);
        assert_int_equal(d.initial_pin, 0xff);
        assert_int_equal(d.revert_pin, 0x00);
        assert_true(d.has_block_sid);
        assert_true(d.is_sid_blocked);
        assert_true(d.is_sid_value_msid);
        assert_true(d.has_data_removal);
        assert_int_equal(d.data_removal_mechanisms, 0x25);
        assert_true(d.is_data_removal_processing);

        /* exactly as long as the header says: the same */
        size_t total = (size_t)(p - b);
        assert_int_equal(tcg_parse_level0(b, total, &d), 0);
        /* one byte short of what the header says: -EBADMSG, *ret zeroed */
        assert_int_equal(tcg_parse_level0(b, total - 1, &d), -EBADMSG);
        assert_int_equal(d.ssc, TCG_SSC_NONE);
        assert_false(d.has_tper);

        /* a descriptor that runs past the data the header counts */
        uint8_t c[512];
        memcpy(c, b, sizeof c);
        c[(size_t)(p - b) - 12 + 3] = 0x09; /* the vendor descriptor claims 9 bytes, 8 remain */
        assert_int_equal(tcg_parse_level0(c, sizeof c, &d), -EBADMSG);
        /* a descriptor header cut by the header's length */
        memcpy(c, b, sizeof c);
        put32(c, (uint32_t)(p - b - 4 + 2));
        assert_int_equal(tcg_parse_level0(c, sizeof c, &d), -EBADMSG);
        /* an SSC descriptor too short for its ComIDs */
        memset(c, 0, sizeof c);
        desc(c + 48, 0x0203, 0x02);
        put32(c, 48 + 6 - 4);
        assert_int_equal(tcg_parse_level0(c, sizeof c, &d), -EBADMSG);
        /* a TPer descriptor of no body */
        memset(c, 0, sizeof c);
        desc(c + 48, 0x0001, 0x00);
        put32(c, 48 + 4 - 4);
        assert_int_equal(tcg_parse_level0(c, sizeof c, &d), -EBADMSG);
        /* a header length shorter than the header */
        memset(c, 0, sizeof c);
        put32(c, 20);
        assert_int_equal(tcg_parse_level0(c, sizeof c, &d), -EBADMSG);
        /* a non-zero header cut short */
        assert_int_equal(tcg_parse_level0(b, 30, &d), -EBADMSG);
}

static void test_level0_none(void **state)
{
        (void)state;
        uint8_t b[2048] = { 0 };
        struct tcg_discovery d;
        memset(&d, 0x55, sizeof d);
        assert_int_equal(tcg_parse_level0(b, 0, &d), -ENODATA);
        assert_int_equal(d.ssc, TCG_SSC_NONE); /* zeroed first */
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), -ENODATA);
        assert_int_equal(tcg_parse_level0(b, 3, &d), -ENODATA);
        /* a zero parameter length, whatever follows */
        b[5] = 1;
        memset(b + 48, 0xab, 64);
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), -ENODATA);

        /* only a TPer descriptor: parses, no SSC */
        memset(b, 0, sizeof b);
        b[48 + 4] = 0x01;
        desc(b + 48, 0x0001, 0x0c);
        put32(b, 48 + 16 - 4);
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), 0);
        assert_int_equal(d.ssc, TCG_SSC_NONE);
        assert_int_equal(d.sscs, 0);
        assert_true(d.has_tper);
        assert_false(d.has_locking);
}

/* Crucial M550 (SATA), sedutil-cli -vvvvv, "Dumping D0Response" in sedutil issue #300 ("Crucial M550
 * odd behavior", Drive-Trust-Alliance/sedutil). sedutil dumps as many bytes as the header's length
 * field (A0h), so the last four bytes of the 164 (reserved bytes 16-19 of the Opal 2 descriptor) are
 * not in the report: zeros here. */
static const char *DUMP_M550 = "0000 000000a0 00000001 00000000 00000000\n"
                               "0010 00000000 00000000 00000000 00000000\n"
                               "0020 00000000 00000000 00000000 00000000\n"
                               "0030 0001100c 11000000 00000000 00000000\n"
                               "0040 0002100c 0f000000 00000000 00000000\n"
                               "0050 0003101c 01000000 00000000 00000200\n"
                               "0060 00000000 00000008 00000000 00000000\n"
                               "0070 0201100c 00000009 02000000 00000000\n"
                               "0080 0202100c 00000009 05a00000 00000001\n"
                               "0090 02031010 10000001 00000400 09000000\n";

/* Crucial MX500 (SATA, CT500MX500SSD1 M3CR023), sedutil-cli -vvvvv in sedutil issue #340 ("Unable to
 * perform PSID revert on Crucial MX500 SED"); its --query in the same issue reads Locked N,
 * LockingEnabled Y, MediaEncrypt Y, Opal 2 base ComID 0x0888, Locking Admins 4, Users 9. The dump
 * stops at the header's length (B0h): the last four (reserved) bytes of the Block SID descriptor are
 * zeros here. */
static const char *DUMP_MX500 = "0000 000000b0 00000001 00000000 00000000\n"
                                "0010 00000000 00000000 00000000 00000000\n"
                                "0020 00000000 00000000 00000000 00000000\n"
                                "0030 0001100c 11000000 00000000 00000000\n"
                                "0040 0002100c 0b000000 00000000 00000000\n"
                                "0050 0003101c 01000000 00000000 00000200\n"
                                "0060 00000000 00000001 00000000 00000000\n"
                                "0070 0201100c 00000009 03000000 00000000\n"
                                "0080 0202100c 0000000a 00a00000 00000001\n"
                                "0090 02031010 08880001 00000400 09000000\n"
                                "00a0 00000000 0402100c 01000000 00000000\n";

static void test_level0_m550(void **state)
{
        (void)state;
        uint8_t b[512] = { 0 };
        size_t n = from_dump(DUMP_M550, b, sizeof b);
        assert_int_equal(n, 0xa0);
        struct tcg_discovery d;
        assert_int_equal(tcg_parse_level0(b, n, &d), -EBADMSG); /* as printed: 4 bytes short */
        assert_int_equal(tcg_parse_level0(b, n + 4, &d), 0);
        assert_int_equal(d.major, 0);
        assert_int_equal(d.minor, 1);
        assert_int_equal(d.ssc, TCG_SSC_OPAL2);
        assert_int_equal(d.sscs, 1u << TCG_SSC_OPAL2);
        assert_true(tcg_ssc_has_revert(d.ssc));
        assert_int_equal(d.base_comid, 0x1000);
        assert_int_equal(d.n_comids, 1);
        assert_int_equal(d.tper_flags, 0x11); /* Sync, Streaming */
        assert_true(d.is_locking_supported);
        assert_true(d.is_locking_enabled);
        assert_true(d.is_locked);
        assert_true(d.is_media_encryption);
        assert_false(d.is_mbr_enabled);
        assert_false(d.is_mbr_done);
        assert_int_equal(d.n_locking_admins, 4);
        assert_int_equal(d.n_locking_users, 9);
        assert_int_equal(d.initial_pin, 0);
        assert_int_equal(d.revert_pin, 0);
        assert_false(d.has_block_sid);
        assert_false(d.has_data_removal);
}

static void test_level0_mx500(void **state)
{
        (void)state;
        uint8_t b[512] = { 0 };
        size_t n = from_dump(DUMP_MX500, b, sizeof b);
        assert_int_equal(n, 0xb0);
        struct tcg_discovery d;
        assert_int_equal(tcg_parse_level0(b, n + 4, &d), 0);
        assert_int_equal(d.ssc, TCG_SSC_OPAL2);
        assert_int_equal(d.base_comid, 0x0888);
        assert_int_equal(d.n_comids, 1);
        assert_true(d.is_locking_supported);
        assert_true(d.is_locking_enabled);
        assert_false(d.is_locked);
        assert_true(d.is_media_encryption);
        assert_int_equal(d.n_locking_admins, 4);
        assert_int_equal(d.n_locking_users, 9);
        assert_true(d.has_block_sid);
        assert_false(d.is_sid_value_msid); /* SID Value State 1: an owner set SID */
        assert_false(d.is_sid_blocked);
        assert_false(d.has_data_removal);
}

static void test_level0_enterprise(void **state)
{
        (void)state;
        /* TPer, Locking (supported, enabled, encryption), Enterprise SSC (Enterprise 1.01 3.6.2.7:
         * base ComID 07FEh, 1 ComID, range crossing) */
        uint8_t b[256] = { 0 };
        uint8_t *p = b + 48;
        put16(b + 6, 1);
        p[4] = 0x01;
        p = desc(p, 0x0001, 0x0c);
        p[4] = 0x0b;
        p = desc(p, 0x0002, 0x0c);
        put16(p + 4, 0x07fe);
        put16(p + 6, 0x0001);
        p[8] = 0x01;
        p = desc(p, 0x0100, 0x0c);
        put32(b, (uint32_t)(p - b - 4));
        struct tcg_discovery d;
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), 0);
        assert_int_equal(d.ssc, TCG_SSC_ENTERPRISE);
        assert_int_equal(d.base_comid, 0x07fe);
        assert_int_equal(d.n_comids, 1);
        assert_false(tcg_ssc_has_revert(d.ssc));
        assert_true(tcg_ssc_is_encrypting(d.ssc));
        assert_int_equal(d.n_locking_admins, 0);
        assert_string_equal(tcg_ssc_to_string(d.ssc), "Enterprise");
}

static void test_level0_pyrite(void **state)
{
        (void)state;
        /* Pyrite 2.01: TPer, Locking (supported, enabled, no media encryption), Pyrite SSC V2 0303h
         * (base ComID, ComIDs, 8-12 reserved, 13 Initial PIN, 14 revert PIN), Data Removal
         * (overwrite, block erase) */
        uint8_t b[256] = { 0 };
        uint8_t *p = b + 48;
        put16(b + 6, 1);
        p[4] = 0x11;
        p = desc(p, 0x0001, 0x0c);
        p[4] = 0x03;
        p = desc(p, 0x0002, 0x0c);
        put16(p + 4, 0x1000);
        put16(p + 6, 0x0001);
        p[13] = 0x00;
        p[14] = 0xff;
        p = desc(p, 0x0303, 0x10);
        p[6] = 0x03;
        p = desc(p, 0x0404, 0x20);
        put32(b, (uint32_t)(p - b - 4));
        struct tcg_discovery d;
        assert_int_equal(tcg_parse_level0(b, sizeof b, &d), 0);
        assert_int_equal(d.ssc, TCG_SSC_PYRITE2);
        assert_int_equal(d.base_comid, 0x1000);
        assert_false(d.is_media_encryption);
        assert_int_equal(d.initial_pin, 0x00);
        assert_int_equal(d.revert_pin, 0xff);
        assert_int_equal(d.n_locking_admins, 0);
        assert_true(d.has_data_removal);
        assert_int_equal(d.data_removal_mechanisms, 0x03);
        assert_false(d.is_data_removal_processing);
        assert_true(tcg_ssc_has_revert(d.ssc));
        assert_false(tcg_ssc_is_encrypting(d.ssc));
        assert_string_equal(tcg_ssc_to_string(d.ssc), "Pyrite 2");
}

static void test_ssc_table(void **state)
{
        (void)state;
        static const struct {
                enum tcg_ssc ssc;
                const char *name;
                bool has_revert, is_encrypting;
        } t[] = {
                { TCG_SSC_NONE, "none", false, false },
                { TCG_SSC_OPAL2, "Opal 2", true, true },
                { TCG_SSC_OPAL1, "Opal 1", true, true },
                { TCG_SSC_RUBY, "Ruby", true, true },
                { TCG_SSC_PYRITE2, "Pyrite 2", true, false },
                { TCG_SSC_PYRITE1, "Pyrite 1", true, false },
                { TCG_SSC_OPALITE, "Opalite", true, true },
                { TCG_SSC_ENTERPRISE, "Enterprise", false, true },
                { TCG_SSC_KEY_PER_IO, "Key Per I/O", false, true },
        };
        for (size_t i = 0; i < ELEMS(t); i++) {
                assert_string_equal(tcg_ssc_to_string(t[i].ssc), t[i].name);
                assert_int_equal(tcg_ssc_has_revert(t[i].ssc), t[i].has_revert);
                assert_int_equal(tcg_ssc_is_encrypting(t[i].ssc), t[i].is_encrypting);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scsi_cdb),
                cmocka_unit_test(test_ata_cdb),
                cmocka_unit_test(test_nvme_cmd),
                cmocka_unit_test(test_put_atoms),
                cmocka_unit_test(test_uids),
                cmocka_unit_test(test_tokenize),
                cmocka_unit_test(test_frame),
                cmocka_unit_test(test_unframe_bad),
                cmocka_unit_test(test_build_properties),
                cmocka_unit_test(test_build_start_session),
                cmocka_unit_test(test_build_get_revert_end),
                cmocka_unit_test(test_parse_status),
                cmocka_unit_test(test_parse_sync_session),
                cmocka_unit_test(test_parse_get),
                cmocka_unit_test(test_level0_opal2),
                cmocka_unit_test(test_level0_none),
                cmocka_unit_test(test_level0_m550),
                cmocka_unit_test(test_level0_mx500),
                cmocka_unit_test(test_level0_enterprise),
                cmocka_unit_test(test_level0_pyrite),
                cmocka_unit_test(test_ssc_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
