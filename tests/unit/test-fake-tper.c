/* SPDX-License-Identifier: MIT */
/*
 * tests/fake/fake-tper: the fake TPer driven through the NVMe, ATA and SCSI fakes' transports with the
 * wiper/device/tcg-cmd builders and parsers, as the TCG purge drives a real drive: Level 0 Discovery,
 * sessions with SID and PSID, TryLimit lockouts, power cycles, Get of C_PIN, Revert, and the three
 * fakes refusing the security commands when they carry no TPer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ata-cmd.h"
#include "fake-ata.h"
#include "fake-nvme.h"
#include "fake-scsi.h"
#include "fake-tper.h"
#include "sense.h"
#include "tcg-cmd.h"
#include "wiper-internal.h"

#define MEDIUM_BYTES (256u * 1024u)
#define OLD_BYTE     0xa5
#define MSID         "MSID-0123456789"
#define SID          "owner secret"
#define PSID         "PSID0123456789ABCDEF0123456789AB"
#define HSN          0x69

enum bus { BUS_NVME, BUS_ATA, BUS_SCSI };

/* One drive: a fake of bus carrying a TPer (or none), an optional medium, a session's ids. */
struct rig {
        enum bus bus;
        struct fake_tper *tper;
        struct fake_nvme *nvme;
        struct fake_ata *ata;
        struct fake_scsi *scsi;
        struct cmd_transport t;
        struct fake_medium medium;
        uint32_t tsn, hsn;
        struct cmd_reply reply;
        uint8_t *buf; /* TCG_IO_BYTES, page-aligned */
        struct tcg_token toks[128];
        size_t n;
};

static struct rig *rig_new(enum bus bus, const struct fake_tper_config *tc, bool has_medium)
{
        struct rig *r = calloc(1, sizeof *r);
        assert_non_null(r);
        r->bus = bus;
        r->medium = (struct fake_medium){ .fd = -1 };
        if (has_medium) {
                r->medium.fd = memfd_create("tper-medium", MFD_CLOEXEC);
                assert_true(r->medium.fd >= 0);
                r->medium.bytes = MEDIUM_BYTES;
                uint8_t *old = malloc(MEDIUM_BYTES);
                assert_non_null(old);
                memset(old, OLD_BYTE, MEDIUM_BYTES);
                assert_int_equal(pwrite(r->medium.fd, old, MEDIUM_BYTES, 0), (ssize_t)MEDIUM_BYTES);
                free(old);
        }
        if (tc) {
                struct fake_tper_config c = *tc;
                c.medium = has_medium ? &r->medium : NULL;
                assert_int_equal(fake_tper_new(&c, &r->tper), 0);
        }
        void *p;
        assert_int_equal(posix_memalign(&p, 4096, TCG_IO_BYTES), 0);
        r->buf = p;
        switch (bus) {
        case BUS_NVME:
                assert_int_equal(
                        fake_nvme_new(&(struct fake_nvme_config){ .medium = { .fd = -1 }, .tper = r->tper },
                                      &r->nvme),
                        0);
                fake_nvme_transport(r->nvme, &r->t);
                break;
        case BUS_ATA:
                assert_int_equal(fake_ata_new(&(struct fake_ata_config){ .tper = r->tper }, &r->ata), 0);
                fake_ata_transport(r->ata, &r->t);
                break;
        case BUS_SCSI:
                assert_int_equal(
                        fake_scsi_new(&(struct fake_scsi_config){ .medium = { .fd = -1 }, .tper = r->tper },
                                      &r->scsi),
                        0);
                fake_scsi_transport(r->scsi, &r->t);
                break;
        }
        return r;
}

static void rig_free(struct rig *r)
{
        fake_nvme_free(r->nvme);
        fake_ata_free(r->ata);
        fake_scsi_free(r->scsi);
        fake_tper_free(r->tper);
        if (r->medium.fd >= 0)
                close(r->medium.fd);
        free(r->buf);
        free(r);
}

/* IF-SEND / IF-RECV through the bus's carrier. 0, or -EREMOTEIO when the drive refused the command
 * (r->reply says how). */
static int xfer(struct rig *r, bool is_send, uint8_t protocol, uint16_t comid, uint8_t *buf, uint32_t len)
{
        enum cmd_dir dir = is_send ? CMD_DIR_TO_DEVICE : CMD_DIR_FROM_DEVICE;
        switch (r->bus) {
        case BUS_NVME: {
                struct nvme_admin_cmd cmd;
                tcg_build_nvme_cmd(&cmd, is_send, protocol, comid, buf, len, TCG_TIMEOUT_MS);
                assert_int_equal(r->t.nvme_admin(r->t.userdata, &cmd, &r->reply), 0);
                return r->reply.nvme_status ? -EREMOTEIO : 0;
        }
        case BUS_ATA: {
                uint8_t cdb[16];
                assert_int_equal(tcg_build_ata_cdb(cdb, is_send, protocol, comid, len), 0);
                assert_int_equal(r->t.scsi(r->t.userdata, cdb, 16, dir, buf, len, TCG_TIMEOUT_MS, &r->reply),
                                 0);
                return r->reply.scsi_status != SCSI_STATUS_GOOD ? -EREMOTEIO : 0;
        }
        case BUS_SCSI: {
                uint8_t cdb[12];
                tcg_build_scsi_cdb(cdb, is_send, protocol, comid, len);
                assert_int_equal(r->t.scsi(r->t.userdata, cdb, 12, dir, buf, len, TCG_TIMEOUT_MS, &r->reply),
                                 0);
                return r->reply.scsi_status != SCSI_STATUS_GOOD ? -EREMOTEIO : 0;
        }
        }
        return -EINVAL;
}

static void discover(struct rig *r, struct tcg_discovery *d)
{
        memset(r->buf, 0xcc, TCG_IO_BYTES);
        assert_int_equal(xfer(r, false, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, r->buf, TCG_IO_BYTES), 0);
        assert_int_equal(tcg_parse_level0(r->buf, TCG_IO_BYTES, d), 0);
}

/* Fetches the answer on the base ComID into r->toks. 0, or -EAGAIN for an empty ComPacket. */
static int receive(struct rig *r)
{
        struct tcg_frame_view v;
        memset(r->buf, 0xcc, TCG_IO_BYTES);
        assert_int_equal(xfer(r, false, TCG_PROTOCOL_TCG, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES), 0);
        int e = tcg_unframe(r->buf, TCG_IO_BYTES, &v);
        if (e < 0)
                return e;
        assert_int_equal(v.comid, FAKE_TPER_BASE_COMID);
        assert_int_equal(v.tsn, r->tsn);
        assert_int_equal(v.hsn, r->hsn);
        assert_int_equal(tcg_tokenize(v.payload, v.payload_len, r->toks, 128, &r->n), 0);
        return 0;
}

/* Sends the payload in w on the rig's session (or to the session manager) and fetches the answer. */
static void call(struct rig *r, const struct tcg_writer *w)
{
        assert_false(w->is_overflow);
        assert_int_equal(tcg_frame(r->buf, TCG_IO_BYTES, FAKE_TPER_BASE_COMID, r->tsn, r->hsn, w->p, w->len),
                         0);
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES), 0);
        assert_int_equal(receive(r), 0);
}

/* StartSession on the Admin SP; the status. On SUCCESS the rig's ids are the session's. */
static uint8_t start(struct rig *r, const tcg_uid *authority, const char *pin)
{
        uint8_t p[256];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_start_session(&w, HSN, &TCG_UID_ADMIN_SP, authority != NULL, authority,
                                                 pin, pin ? strlen(pin) : 0),
                         0);
        r->tsn = r->hsn = 0;
        call(r, &w);
        uint8_t st;
        uint32_t hsn, tsn;
        assert_int_equal(tcg_parse_sync_session(r->toks, r->n, &st, &hsn, &tsn), 0);
        if (st == TCG_ST_SUCCESS) {
                assert_int_equal(hsn, HSN);
                assert_true(tsn >= FAKE_TPER_FIRST_TSN);
                r->hsn = hsn;
                r->tsn = tsn;
        } else {
                assert_int_equal(tsn, 0);
        }
        return st;
}

static void end(struct rig *r)
{
        uint8_t p[4];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_end_session(&w), 0);
        call(r, &w);
        assert_int_equal(r->n, 1); /* the TPer answers EndOfSession with EndOfSession */
        assert_int_equal(r->toks[0].kind, TCG_ATOM_CONTROL);
        assert_int_equal(r->toks[0].control, TCG_TOK_END_OF_SESSION);
        r->tsn = r->hsn = 0;
}

/* Get of C_PIN columns first..last in the open session; the status. */
static uint8_t get_cpin(struct rig *r, const tcg_uid *row, unsigned first, unsigned last, uint64_t v[8],
                        bool has[8])
{
        uint8_t p[128];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_get(&w, row, first, last), 0);
        call(r, &w);
        uint8_t st;
        assert_int_equal(tcg_parse_status(r->toks, r->n, &st), 0);
        assert_int_equal(tcg_parse_get(r->toks, r->n, v, has, 8), 0);
        return st;
}

static uint8_t revert(struct rig *r)
{
        uint8_t p[64];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_revert(&w, &TCG_UID_ADMIN_SP), 0);
        call(r, &w);
        uint8_t st;
        assert_int_equal(tcg_parse_status(r->toks, r->n, &st), 0);
        return st;
}

static struct fake_tper_stats stats(const struct rig *r)
{
        struct fake_tper_stats s;
        fake_tper_stats(r->tper, &s);
        return s;
}

/* How many bytes of the medium still hold the old content, and whether all are zero. */
static size_t medium_old_bytes(const struct rig *r, bool *ret_is_zero)
{
        uint8_t *b = malloc(MEDIUM_BYTES);
        assert_non_null(b);
        assert_int_equal(pread(r->medium.fd, b, MEDIUM_BYTES, 0), (ssize_t)MEDIUM_BYTES);
        size_t old = 0;
        bool is_zero = true;
        for (size_t i = 0; i < MEDIUM_BYTES; i++) {
                old += b[i] == OLD_BYTE;
                is_zero = is_zero && b[i] == 0;
        }
        free(b);
        *ret_is_zero = is_zero;
        return old;
}

/* An owned Opal 2 drive: SID set, locking enabled, a range locked, PSID with a TryLimit. */
static struct fake_tper_config owned_opal2(void)
{
        return (struct fake_tper_config){ .ssc = TCG_SSC_OPAL2,
                                          .is_locking_enabled = true,
                                          .is_range_locked = true,
                                          .msid = MSID,
                                          .sid = SID,
                                          .psid = PSID,
                                          .sid_try_limit = 5,
                                          .psid_try_limit = 5 };
}

/* ---- tests ----------------------------------------------------------------------------------------- */

static void test_discovery_all_buses(void **state)
{
        (void)state;
        for (enum bus bus = BUS_NVME; bus <= BUS_SCSI; bus++) {
                struct fake_tper_config c = owned_opal2();
                struct rig *r = rig_new(bus, &c, false);
                struct tcg_discovery d;
                discover(r, &d);
                assert_int_equal(d.ssc, TCG_SSC_OPAL2);
                assert_int_equal(d.base_comid, FAKE_TPER_BASE_COMID);
                assert_int_equal(d.n_comids, 1);
                assert_true(d.has_tper);
                assert_true(d.is_locking_supported);
                assert_true(d.is_locking_enabled);
                assert_true(d.is_locked);
                assert_true(d.is_media_encryption);
                assert_true(d.has_block_sid);
                assert_false(d.is_sid_value_msid);
                assert_false(d.is_sid_blocked);
                assert_true(d.has_data_removal);
                assert_int_equal(d.data_removal_mechanisms, 1u << 2); /* crypto erase */

                /* protocol 00h: the supported protocols 00h, 01h, 02h */
                memset(r->buf, 0xcc, 512);
                assert_int_equal(xfer(r, false, TCG_PROTOCOL_INFO, 0, r->buf, 512), 0);
                static const uint8_t list[11] = { 0, 0, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x02 };
                assert_memory_equal(r->buf, list, sizeof list);

                /* nothing sent yet: an empty ComPacket */
                assert_int_equal(receive(r), -EAGAIN);
                rig_free(r);
        }
}

static void test_identify_bits(void **state)
{
        (void)state;
        for (int has_tper = 0; has_tper <= 1; has_tper++) {
                struct fake_tper_config c = owned_opal2();
                struct rig *r = rig_new(BUS_NVME, has_tper ? &c : NULL, false);
                void *p;
                assert_int_equal(posix_memalign(&p, 4096, NVME_IDENTIFY_BYTES), 0);
                struct nvme_admin_cmd cmd;
                nvme_build_identify(&cmd, NVME_CNS_CONTROLLER, 0, p);
                assert_int_equal(r->t.nvme_admin(r->t.userdata, &cmd, &r->reply), 0);
                assert_int_equal(r->reply.nvme_status, 0);
                assert_int_equal(((uint8_t *)p)[256] & 0x01, has_tper); /* OACS bit 0 */
                free(p);
                rig_free(r);

                r = rig_new(BUS_ATA, has_tper ? &c : NULL, false);
                uint8_t cdb[16], id[512];
                ata_build_identify_cdb(cdb);
                assert_int_equal(r->t.scsi(r->t.userdata, cdb, 16, CMD_DIR_FROM_DEVICE, id, sizeof id, 1000,
                                           &r->reply),
                                 0);
                uint16_t w48 = (uint16_t)(id[96] | id[97] << 8);
                assert_int_equal(w48, has_tper ? 0x4001 : 0x0000); /* word 48 bit 14 one, bit 0 */
                rig_free(r);
        }
}

static void test_properties(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        struct rig *r = rig_new(BUS_NVME, &c, false);
        uint8_t p[256];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_properties(&w), 0);
        call(r, &w);
        uint8_t st;
        assert_int_equal(tcg_parse_status(r->toks, r->n, &st), 0);
        assert_int_equal(st, TCG_ST_SUCCESS);
        bool has_max = false;
        for (size_t i = 0; i + 2 < r->n; i++)
                if (r->toks[i].kind == TCG_ATOM_BYTES && r->toks[i].len == 16 &&
                    memcmp(r->toks[i].bytes, "MaxComPacketSize", 16) == 0) {
                        assert_int_equal(r->toks[i + 1].value, TCG_IO_BYTES);
                        has_max = true;
                }
        assert_true(has_max);
        /* the answer was fetched once: the next IF-RECV finds nothing */
        assert_int_equal(receive(r), -EAGAIN);
        rig_free(r);
}

static void test_wrong_psid(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        struct rig *r = rig_new(BUS_NVME, &c, false);
        assert_int_equal(start(r, &TCG_UID_PSID, "WRONG"), TCG_ST_NOT_AUTHORIZED);
        struct fake_tper_stats s = stats(r);
        assert_int_equal(s.psid_tries, 1);
        assert_int_equal(s.auth_failures, 1);
        assert_false(s.is_session_open);
        assert_int_equal(s.sessions_started, 0);

        /* Anybody reads the PSID's TryLimit and Tries (PSID feature set ACE) */
        assert_int_equal(start(r, NULL, NULL), TCG_ST_SUCCESS);
        uint64_t v[8];
        bool has[8];
        assert_int_equal(
                get_cpin(r, &TCG_UID_C_PIN_PSID, TCG_C_PIN_TRY_LIMIT, TCG_C_PIN_PERSISTENCE, v, has),
                TCG_ST_SUCCESS);
        assert_true(has[TCG_C_PIN_TRY_LIMIT] && has[TCG_C_PIN_TRIES] && has[TCG_C_PIN_PERSISTENCE]);
        assert_int_equal(v[TCG_C_PIN_TRY_LIMIT], 5);
        assert_int_equal(v[TCG_C_PIN_TRIES], 1);
        assert_int_equal(v[TCG_C_PIN_PERSISTENCE], 0);
        /* a second session while one is open */
        uint32_t tsn = r->tsn;
        assert_int_equal(start(r, NULL, NULL), TCG_ST_NO_SESSIONS_AVAILABLE);
        r->tsn = tsn;
        r->hsn = HSN;
        end(r);
        assert_false(stats(r).is_session_open);
        rig_free(r);
}

static void test_lockout(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        c.psid_try_limit = 3;
        c.psid_tries = 2;
        struct rig *r = rig_new(BUS_ATA, &c, true);
        assert_int_equal(start(r, &TCG_UID_PSID, "WRONG"), TCG_ST_NOT_AUTHORIZED);
        assert_int_equal(stats(r).psid_tries, 3);
        /* at the limit: locked out, even with the right PSID, and not compared (Tries unchanged) */
        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_AUTHORITY_LOCKED_OUT);
        struct fake_tper_stats s = stats(r);
        assert_int_equal(s.psid_tries, 3);
        assert_int_equal(s.lockouts_reported, 1);
        assert_int_equal(s.auth_failures, 1);
        assert_int_equal(s.reverts, 0);
        bool is_zero;
        assert_int_equal(medium_old_bytes(r, &is_zero), MEDIUM_BYTES);
        /* the SID has its own counter */
        assert_int_equal(start(r, &TCG_UID_SID, SID), TCG_ST_SUCCESS);
        end(r);
        assert_int_equal(fake_ata_counters(r->ata)->trusted_send, 4);
        assert_int_equal(fake_ata_counters(r->ata)->trusted_receive, 4);
        rig_free(r);
}

static void test_power_cycle(void **state)
{
        (void)state;
        for (int is_persistent = 0; is_persistent <= 1; is_persistent++) {
                struct fake_tper_config c = owned_opal2();
                c.psid_try_limit = 2;
                c.is_tries_persistent = is_persistent;
                struct rig *r = rig_new(BUS_SCSI, &c, false);
                assert_int_equal(start(r, &TCG_UID_PSID, "x"), TCG_ST_NOT_AUTHORIZED);
                assert_int_equal(start(r, &TCG_UID_PSID, "y"), TCG_ST_NOT_AUTHORIZED);
                assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_AUTHORITY_LOCKED_OUT);
                assert_int_equal(start(r, NULL, NULL), TCG_ST_SUCCESS);
                fake_tper_power_cycle(r->tper);
                struct fake_tper_stats s = stats(r);
                assert_false(s.is_session_open);
                assert_int_equal(s.psid_tries, is_persistent ? 2 : 0);
                r->tsn = r->hsn = 0;
                if (is_persistent) {
                        assert_int_equal(start(r, NULL, NULL), TCG_ST_SUCCESS);
                        uint64_t v[8];
                        bool has[8];
                        assert_int_equal(get_cpin(r, &TCG_UID_C_PIN_PSID, TCG_C_PIN_TRIES,
                                                  TCG_C_PIN_PERSISTENCE, v, has),
                                         TCG_ST_SUCCESS);
                        assert_int_equal(v[TCG_C_PIN_TRIES], 2);
                        assert_int_equal(v[TCG_C_PIN_PERSISTENCE], 1);
                        assert_false(has[TCG_C_PIN_TRY_LIMIT]);
                        end(r);
                        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_AUTHORITY_LOCKED_OUT);
                } else {
                        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_SUCCESS);
                        assert_int_equal(stats(r).psid_tries, 0);
                }
                assert_int_equal(fake_scsi_counts(r->scsi)->check_conditions, 0);
                rig_free(r);
        }
}

static void test_psid_revert(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        c.sid_tries = 2;
        struct rig *r = rig_new(BUS_NVME, &c, true);
        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_SUCCESS);
        assert_true(stats(r).is_session_open);
        uint32_t tsn = r->tsn;
        assert_int_equal(revert(r), TCG_ST_SUCCESS);
        struct fake_tper_stats s = stats(r);
        assert_int_equal(s.reverts, 1);
        assert_false(s.is_session_open); /* the TPer ends the session after the answer */
        assert_false(s.is_locking_enabled);
        assert_false(s.is_range_locked);
        assert_true(s.is_sid_msid);
        assert_int_equal(s.sid_tries, 0);
        assert_int_equal(s.medium_error, 0);
        bool is_zero;
        assert_true(medium_old_bytes(r, &is_zero) < MEDIUM_BYTES / 64); /* random: a new key */
        assert_false(is_zero);

        struct tcg_discovery d;
        discover(r, &d);
        assert_false(d.is_locking_enabled);
        assert_false(d.is_locked);
        assert_true(d.is_sid_value_msid);

        /* the session is gone: a packet for it is dropped, nothing answered */
        uint8_t p[4];
        struct tcg_writer w = { .p = p, .cap = sizeof p };
        assert_int_equal(tcg_build_end_session(&w), 0);
        r->tsn = tsn;
        r->hsn = HSN;
        assert_int_equal(tcg_frame(r->buf, TCG_IO_BYTES, FAKE_TPER_BASE_COMID, r->tsn, r->hsn, w.p, w.len),
                         0);
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES), 0);
        assert_int_equal(receive(r), -EAGAIN);
        assert_int_equal(stats(r).dropped, 1);
        assert_int_equal(fake_nvme_counts(r->nvme)->bad_commands, 0);
        rig_free(r);
}

static void test_sid_revert(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        struct rig *r = rig_new(BUS_ATA, &c, true);

        /* Anybody reads the MSID */
        assert_int_equal(start(r, NULL, NULL), TCG_ST_SUCCESS);
        uint64_t v[8];
        bool has[8];
        assert_int_equal(get_cpin(r, &TCG_UID_C_PIN_MSID, TCG_C_PIN_PIN, TCG_C_PIN_PIN, v, has),
                         TCG_ST_SUCCESS);
        bool has_pin = false;
        for (size_t i = 0; i + 2 < r->n; i++)
                if (r->toks[i].kind == TCG_ATOM_CONTROL && r->toks[i].control == TCG_TOK_START_NAME &&
                    r->toks[i + 1].value == TCG_C_PIN_PIN && r->toks[i + 2].kind == TCG_ATOM_BYTES) {
                        assert_int_equal(r->toks[i + 2].len, strlen(MSID));
                        assert_memory_equal(r->toks[i + 2].bytes, MSID, strlen(MSID));
                        has_pin = true;
                }
        assert_true(has_pin);
        end(r);

        /* the MSID is not the owner's SID */
        assert_int_equal(start(r, &TCG_UID_SID, MSID), TCG_ST_NOT_AUTHORIZED);
        assert_int_equal(stats(r).sid_tries, 1);
        assert_int_equal(start(r, &TCG_UID_SID, SID), TCG_ST_SUCCESS);
        assert_int_equal(stats(r).sid_tries, 0); /* a success resets Tries */
        assert_int_equal(get_cpin(r, &TCG_UID_C_PIN_SID, TCG_C_PIN_PIN, TCG_C_PIN_PERSISTENCE, v, has),
                         TCG_ST_SUCCESS);
        assert_false(has[TCG_C_PIN_PIN]); /* never returned */
        assert_true(has[TCG_C_PIN_TRY_LIMIT]);
        assert_int_equal(v[TCG_C_PIN_TRY_LIMIT], 5);
        assert_int_equal(v[TCG_C_PIN_TRIES], 0);
        assert_int_equal(revert(r), TCG_ST_SUCCESS);
        assert_false(stats(r).is_session_open);
        bool is_zero;
        assert_true(medium_old_bytes(r, &is_zero) < MEDIUM_BYTES / 64);

        /* SID is the MSID again */
        r->tsn = r->hsn = 0;
        assert_int_equal(start(r, &TCG_UID_SID, MSID), TCG_ST_SUCCESS);
        end(r);
        struct tcg_discovery d;
        discover(r, &d);
        assert_false(d.is_locking_enabled);
        rig_free(r);
}

static void test_anybody_refused(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        struct rig *r = rig_new(BUS_SCSI, &c, true);
        assert_int_equal(start(r, NULL, NULL), TCG_ST_SUCCESS);
        uint64_t v[8];
        bool has[8];
        assert_int_equal(get_cpin(r, &TCG_UID_C_PIN_SID, TCG_C_PIN_TRY_LIMIT, TCG_C_PIN_TRIES, v, has),
                         TCG_ST_NOT_AUTHORIZED);
        assert_false(has[TCG_C_PIN_TRIES]);
        /* Revert needs SID or PSID */
        assert_int_equal(revert(r), TCG_ST_NOT_AUTHORIZED);
        assert_true(stats(r).is_session_open);
        end(r);
        bool is_zero;
        assert_int_equal(medium_old_bytes(r, &is_zero), MEDIUM_BYTES);
        /* an authority the SP does not have */
        c = owned_opal2();
        c.psid = NULL;
        struct rig *q = rig_new(BUS_SCSI, &c, false);
        assert_int_equal(start(q, &TCG_UID_PSID, PSID), TCG_ST_INVALID_PARAMETER);
        assert_int_equal(stats(q).psid_tries, 0);
        rig_free(q);
        rig_free(r);
}

static void test_pyrite_revert(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        c.ssc = TCG_SSC_PYRITE2;
        struct rig *r = rig_new(BUS_NVME, &c, true);
        struct tcg_discovery d;
        discover(r, &d);
        assert_int_equal(d.ssc, TCG_SSC_PYRITE2);
        assert_false(d.is_media_encryption);
        assert_int_equal(d.data_removal_mechanisms, 1u << 0);
        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_SUCCESS);
        assert_int_equal(revert(r), TCG_ST_SUCCESS);
        bool is_zero;
        assert_int_equal(medium_old_bytes(r, &is_zero), 0);
        assert_true(is_zero);
        rig_free(r);
}

static void test_lying_revert(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        c.is_lying = true;
        struct rig *r = rig_new(BUS_SCSI, &c, true);
        assert_int_equal(start(r, &TCG_UID_PSID, PSID), TCG_ST_SUCCESS);
        assert_int_equal(revert(r), TCG_ST_SUCCESS);
        struct fake_tper_stats s = stats(r);
        assert_int_equal(s.reverts, 0);
        assert_true(s.is_locking_enabled);
        assert_false(s.is_session_open);
        bool is_zero;
        assert_int_equal(medium_old_bytes(r, &is_zero), MEDIUM_BYTES);
        rig_free(r);
}

static void test_enterprise_no_revert(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        c.ssc = TCG_SSC_ENTERPRISE;
        struct rig *r = rig_new(BUS_SCSI, &c, true);
        struct tcg_discovery d;
        discover(r, &d);
        assert_int_equal(d.ssc, TCG_SSC_ENTERPRISE);
        assert_false(d.has_block_sid);
        assert_int_equal(start(r, &TCG_UID_SID, SID), TCG_ST_SUCCESS);
        assert_int_equal(revert(r), TCG_ST_INVALID_PARAMETER);
        bool is_zero;
        assert_int_equal(medium_old_bytes(r, &is_zero), MEDIUM_BYTES);
        rig_free(r);
}

/* Without a TPer each fake refuses the security commands as a drive without them does. */
static void test_no_tper(void **state)
{
        (void)state;
        struct rig *r = rig_new(BUS_NVME, NULL, false);
        assert_int_equal(xfer(r, false, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, r->buf, TCG_IO_BYTES),
                         -EREMOTEIO);
        assert_int_equal(r->reply.nvme_status & 0x7ff, NVME_STATUS_INVALID_OPCODE);
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES),
                         -EREMOTEIO);
        assert_int_equal(r->reply.nvme_status & 0x7ff, NVME_STATUS_INVALID_OPCODE);
        assert_int_equal(fake_nvme_counts(r->nvme)->bad_commands, 0); /* a probe, not a malformed command */
        rig_free(r);

        r = rig_new(BUS_ATA, NULL, false);
        for (int is_send = 0; is_send <= 1; is_send++) {
                assert_int_equal(xfer(r, is_send, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, r->buf, TCG_IO_BYTES),
                                 -EREMOTEIO);
                struct scsi_sense s;
                assert_int_equal(sense_parse(r->reply.sense, r->reply.sense_len, &s), 0);
                assert_int_equal(s.sense_key, SENSE_KEY_ABORTED_COMMAND);
                struct ata_registers regs;
                assert_int_equal(
                        sense_ata_registers(r->reply.sense, r->reply.sense_len, SENSE_ATA_LAYOUT_SAT, &regs),
                        0);
                assert_int_equal(regs.error, 0x04); /* ABRT */
        }
        assert_int_equal(fake_ata_counters(r->ata)->aborted, 2);
        rig_free(r);

        r = rig_new(BUS_SCSI, NULL, false);
        for (int is_send = 0; is_send <= 1; is_send++) {
                assert_int_equal(xfer(r, is_send, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, r->buf, TCG_IO_BYTES),
                                 -EREMOTEIO);
                struct scsi_sense s;
                assert_int_equal(sense_parse(r->reply.sense, r->reply.sense_len, &s), 0);
                assert_int_equal(s.sense_key, SENSE_KEY_ILLEGAL_REQUEST);
                assert_int_equal(s.asc, 0x20); /* INVALID COMMAND OPERATION CODE */
                assert_int_equal(s.ascq, 0x00);
        }
        rig_free(r);
}

/* A TPer refuses another ComID or protocol; the carrier reports it as its own error. */
static void test_wrong_comid(void **state)
{
        (void)state;
        struct fake_tper_config c = owned_opal2();
        struct rig *r = rig_new(BUS_NVME, &c, false);
        assert_int_equal(xfer(r, false, TCG_PROTOCOL_TCG, 0x2000, r->buf, TCG_IO_BYTES), -EREMOTEIO);
        assert_int_equal(r->reply.nvme_status & 0x7ff, NVME_STATUS_INVALID_FIELD);
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, TCG_LEVEL0_COMID, r->buf, TCG_IO_BYTES),
                         -EREMOTEIO);
        rig_free(r);

        r = rig_new(BUS_ATA, &c, false);
        assert_int_equal(xfer(r, false, TCG_PROTOCOL_COMID, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES),
                         -EREMOTEIO);
        struct scsi_sense s;
        assert_int_equal(sense_parse(r->reply.sense, r->reply.sense_len, &s), 0);
        assert_int_equal(s.sense_key, SENSE_KEY_ABORTED_COMMAND);
        rig_free(r);

        r = rig_new(BUS_SCSI, &c, false);
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, 0x2000, r->buf, TCG_IO_BYTES), -EREMOTEIO);
        assert_int_equal(sense_parse(r->reply.sense, r->reply.sense_len, &s), 0);
        assert_int_equal(s.sense_key, SENSE_KEY_ILLEGAL_REQUEST);
        assert_int_equal(s.asc, 0x24); /* INVALID FIELD IN CDB */
        /* a malformed ComPacket is dropped: nothing to fetch */
        memset(r->buf, 0, TCG_IO_BYTES);
        r->buf[19] = 200; /* a ComPacket length past the Packet */
        assert_int_equal(xfer(r, true, TCG_PROTOCOL_TCG, FAKE_TPER_BASE_COMID, r->buf, TCG_IO_BYTES), 0);
        assert_int_equal(receive(r), -EAGAIN);
        assert_int_equal(stats(r).dropped, 1);
        rig_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_discovery_all_buses),
                cmocka_unit_test(test_identify_bits),
                cmocka_unit_test(test_properties),
                cmocka_unit_test(test_wrong_psid),
                cmocka_unit_test(test_lockout),
                cmocka_unit_test(test_power_cycle),
                cmocka_unit_test(test_psid_revert),
                cmocka_unit_test(test_sid_revert),
                cmocka_unit_test(test_anybody_refused),
                cmocka_unit_test(test_pyrite_revert),
                cmocka_unit_test(test_lying_revert),
                cmocka_unit_test(test_enterprise_no_revert),
                cmocka_unit_test(test_no_tper),
                cmocka_unit_test(test_wrong_comid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
