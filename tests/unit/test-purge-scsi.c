/* SPDX-License-Identifier: MIT */
/*
 * The SCSI purge flows (wiper/purge/scsi-*.c) end to end against the stateful fake disk
 * (tests/fake/fake-scsi.h), with a real medium (a memfd) that the fake's erase fills, so every run
 * also checks what the content became.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake-scsi.h"
#include "purge-test-util.h"
#include "purge.h"
#include "scsi-cmd.h"
#include "sense.h"

static struct fake_scsi_config scsi_full(void)
{
        return (struct fake_scsi_config){
                .sanitize_actions = FAKE_SCSI_SANITIZE_ALL,
                .sanitize_polls = 3,
                .format_polls = 2,
                .medium = { .fd = -1 },
        };
}

/* QEMU's scsi-hd: rejects REPORT SUPPORTED OPERATION CODES, answers FORMAT UNIT with GOOD at once. */
static struct fake_scsi_config scsi_qemu_like(void)
{
        return (struct fake_scsi_config){ .is_rsoc_rejected = true, .is_format_qemu_like = true };
}

/* One fake disk and what a run on it gives back. */
struct scsi_case {
        struct fake_scsi_config cfg; /* cfg.medium: the medium, when the case has one */
        struct fake_scsi *f;
        struct cmd_transport t;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        struct purge_run_options o;
};

/* Makes the fake disk of cfg, with a medium of old data when has_medium (else none). */
static void scsi_open(struct scsi_case *c, struct fake_scsi_config cfg, bool has_medium)
{
        *c = (struct scsi_case){ .cfg = cfg };
        c->cfg.medium = has_medium ? medium_new() : (struct fake_medium){ .fd = -1 };
        c->o = options(&c->p);
        assert_int_equal(fake_scsi_new(&c->cfg, &c->f), 0);
        fake_scsi_transport(c->f, &c->t);
}

/* Probes the disk and runs method through purge_run() as a caller does. */
static int scsi_run(struct scsi_case *c, enum purge_method method)
{
        assert_int_equal(purge_probe(&c->t, PURGE_FAMILY_SCSI, 0, &c->caps), 0);
        return purge_run(&c->t, PURGE_FAMILY_SCSI, method, &c->caps, &c->o, &c->rep);
}

/* Frees the fake and closes the medium. */
static void scsi_close(struct scsi_case *c)
{
        c->f = fake_scsi_free(c->f);
        medium_close(&c->cfg.medium);
}

/* ---- probe ----------------------------------------------------------------------------------------- */

static void test_scsi_probe(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        struct scsi_case k;
        struct purge_caps c;

        scsi_open(&k, cfg, false);
        assert_int_equal(scsi_purge_probe(&k.t, &c), 0);
        assert_int_equal(c.family, PURGE_FAMILY_SCSI);
        assert_int_equal(c.supported, 1u << PURGE_SANITIZE_CRYPTO | 1u << PURGE_SANITIZE_BLOCK |
                                              1u << PURGE_SANITIZE_OVERWRITE | 1u << PURGE_SCSI_FORMAT);
        assert_string_equal(c.why_not[PURGE_NVME_FORMAT], "not an NVMe drive");
        assert_string_equal(c.why_not[PURGE_SECURE_ERASE], "not an ATA drive");
        assert_false(c.is_sanitize_running);
        assert_false(c.is_sanitize_failed);
        assert_false(c.is_all_namespaces);
        assert_false(c.health.is_read);
        assert_string_equal(c.health.note, "SCSI: log pages not read");
        assert_int_equal(fake_scsi_counts(k.f)->sanitize, 0);
        assert_int_equal(fake_scsi_counts(k.f)->format_unit, 0);
        scsi_close(&k);

        /* only block erase listed */
        cfg.sanitize_actions = FAKE_SCSI_SANITIZE_BLOCK;
        scsi_open(&k, cfg, false);
        assert_int_equal(scsi_purge_probe(&k.t, &c), 0);
        assert_int_equal(c.supported, 1u << PURGE_SANITIZE_BLOCK | 1u << PURGE_SCSI_FORMAT);
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_CRYPTO], "CRYPTOGRAPHIC ERASE"));
        scsi_close(&k);

        /* not a disk */
        cfg.peripheral_type = 0x05; /* CD/DVD */
        scsi_open(&k, cfg, false);
        assert_int_equal(scsi_purge_probe(&k.t, &c), 0);
        assert_int_equal(c.supported, 0);
        assert_non_null(strstr(c.why_not[PURGE_SCSI_FORMAT], "not a SCSI disk"));
        scsi_close(&k);
}

/* QEMU's scsi-hd rejects REPORT SUPPORTED OPERATION CODES: SANITIZE is not assumed; FORMAT UNIT is. */
static void test_scsi_probe_qemu(void **state)
{
        (void)state;
        struct scsi_case k;
        struct purge_caps c;

        scsi_open(&k, scsi_qemu_like(), false);
        assert_int_equal(scsi_purge_probe(&k.t, &c), 0);
        assert_int_equal(c.supported, 1u << PURGE_SCSI_FORMAT);
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_CRYPTO], "does not list its commands"));
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_OVERWRITE], "SANITIZE not assumed"));
        assert_int_equal(purge_pick_strongest(&c), PURGE_SCSI_FORMAT);
        assert_int_equal(fake_scsi_counts(k.f)->rsoc, 1); /* asked once, not again */
        scsi_close(&k);
}

/* ---- SANITIZE -------------------------------------------------------------------------------------- */

static void test_scsi_sanitize_kinds(void **state)
{
        (void)state;
        static const struct {
                enum purge_method method;
                uint8_t sa;
                const char *command;
        } kinds[] = {
                { PURGE_SANITIZE_CRYPTO, 0x03, "SCSI SANITIZE (48h) CRYPTOGRAPHIC ERASE, IMMED=1 AUSE=1" },
                { PURGE_SANITIZE_BLOCK, 0x02, "SCSI SANITIZE (48h) BLOCK ERASE, IMMED=1 AUSE=1" },
                { PURGE_SANITIZE_OVERWRITE, 0x01,
                  "SCSI SANITIZE (48h) OVERWRITE, 1 pass, pattern 00000000h, IMMED=1 AUSE=1" },
        };
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
                struct scsi_case k;
                scsi_open(&k, scsi_full(), true);

                assert_int_equal(scsi_run(&k, kinds[i].method), 0);
                assert_true(k.rep.is_completed);
                assert_false(k.rep.is_resumed);
                assert_string_equal(k.rep.command, kinds[i].command);
                assert_non_null(strstr(k.rep.device_status,
                                       "SANITIZE: GOOD; REQUEST SENSE: sanitize in progress "
                                       "3 times, then no sense"));
                assert_non_null(strstr(k.rep.warnings, "power cycle"));
                /* progress from the sense-key-specific bytes: 0, 1/3, 2/3 */
                assert_int_equal(k.p.calls, 3);
                assert_true(k.p.is_monotonic);
                assert_int_equal(k.p.last, 2 * 65536 / 3);

                const struct fake_scsi_counts *n = fake_scsi_counts(k.f);
                assert_int_equal(n->sanitize, 1);
                /* byte 1: IMMED (bit 7), AUSE (bit 5), service action (4:0); bytes 7-8 list length */
                const uint8_t cdb[10] = { 0x48, (uint8_t)(0x80 | 0x20 | kinds[i].sa), 0, 0, 0, 0, 0,
                                          0,    kinds[i].sa == 0x01 ? 8 : 0,          0 };
                assert_memory_equal(n->last_sanitize_cdb, cdb, 10);
                assert_int_equal(n->request_sense, n->request_sense_desc); /* descriptor sense asked */
                if (kinds[i].sa == 0x01) {
                        /* count 1, pattern length 4, the pattern (zeros) */
                        const uint8_t params[8] = { 0x01, 0, 0, 4, 0, 0, 0, 0 };
                        assert_memory_equal(n->last_overwrite_params, params, 8);
                }
                if (kinds[i].method == PURGE_SANITIZE_CRYPTO)
                        assert_true(medium_is_random(&k.cfg.medium));
                else
                        assert_true(medium_is_pattern(&k.cfg.medium, 0));
                assert_int_equal(fake_scsi_medium_error(k.f), 0);
                scsi_close(&k);
        }
}

/* A sanitize that fails (31h/03h), and the next run that leaves the failure first. */
static void test_scsi_sanitize_failure(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.is_sanitize_failing = true;
        struct scsi_case k;
        scsi_open(&k, cfg, true);

        assert_int_equal(scsi_run(&k, PURGE_SANITIZE_BLOCK), PURGE_ERR_FAILED);
        assert_false(k.rep.is_completed);
        assert_non_null(strstr(k.rep.error_text, "31h/03h"));
        assert_non_null(strstr(k.rep.device_status, "MEDIUM ERROR"));
        assert_int_equal(fake_scsi_state(k.f), FAKE_SCSI_SANITIZE_FAILED);
        assert_true(medium_is_old(&k.cfg.medium));
        scsi_close(&k);

        for (int restricted = 0; restricted < 2; restricted++) {
                cfg = scsi_full();
                cfg.initial_state = FAKE_SCSI_SANITIZE_FAILED;
                cfg.initial_action = 0x02;
                cfg.initial_ause = !restricted;
                scsi_open(&k, cfg, false);
                assert_int_equal(scsi_run(&k, PURGE_SANITIZE_BLOCK), 0);
                assert_true(k.caps.is_sanitize_failed);
                assert_true(k.rep.is_completed);
                assert_int_equal(fake_scsi_counts(k.f)->sanitize_action[0x1f], 1);
                assert_int_equal(fake_scsi_counts(k.f)->sanitize_action[0x02], 1);
                assert_non_null(
                        strstr(k.rep.command, "EXIT FAILURE MODE, then SCSI SANITIZE (48h) BLOCK ERASE"));
                assert_non_null(strstr(k.rep.device_status,
                                       restricted ? "EXIT FAILURE MODE refused" : "failure mode exited"));
                assert_int_equal(fake_scsi_state(k.f), FAKE_SCSI_IDLE);
                scsi_close(&k);
        }
}

static void test_scsi_sanitize_running_at_start(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.initial_state = FAKE_SCSI_SANITIZE_RUNNING;
        cfg.initial_action = 0x02;
        cfg.initial_polls = 2;
        struct scsi_case k;
        scsi_open(&k, cfg, true);

        assert_int_equal(scsi_run(&k, PURGE_SANITIZE_CRYPTO), 0);
        assert_true(k.caps.is_sanitize_running);
        assert_true(k.rep.is_completed);
        assert_false(k.rep.is_resumed); /* SCSI cannot tell which kind ran: its own is sent after */
        assert_non_null(strstr(k.rep.device_status, "was followed to its end"));
        assert_int_equal(fake_scsi_counts(k.f)->sanitize_action[0x03], 1);
        assert_true(medium_is_random(&k.cfg.medium));
        scsi_close(&k);
}

static void test_scsi_sanitize_interrupted(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.sanitize_polls = 1000;
        struct scsi_case k;
        scsi_open(&k, cfg, false);
        stop_after(&k.p, &k.o, 2);

        assert_int_equal(scsi_run(&k, PURGE_SANITIZE_CRYPTO), PURGE_ERR_INTERRUPTED);
        assert_false(k.rep.is_completed);
        assert_int_equal(k.p.calls, 2);
        assert_int_equal(fake_scsi_state(k.f), FAKE_SCSI_SANITIZE_RUNNING);
        scsi_close(&k);
}

/* A CHECK CONDITION is a refusal naming the sense: caps forged to ask for a sanitize the drive lacks. */
static void test_scsi_refused(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.sanitize_actions = FAKE_SCSI_SANITIZE_BLOCK;
        struct scsi_case k;
        scsi_open(&k, cfg, false);

        assert_int_equal(scsi_purge_probe(&k.t, &k.caps), 0);
        assert_int_equal(purge_run(&k.t, PURGE_FAMILY_SCSI, PURGE_SANITIZE_CRYPTO, &k.caps, &k.o, &k.rep),
                         PURGE_ERR_UNSUPPORTED);
        assert_int_equal(fake_scsi_counts(k.f)->sanitize, 0);
        k.caps.supported |= 1u << PURGE_SANITIZE_CRYPTO;
        assert_int_equal(scsi_purge_run(&k.t, PURGE_SANITIZE_CRYPTO, &k.caps, &k.o, &k.rep),
                         PURGE_ERR_REFUSED);
        assert_string_equal(k.rep.error_text,
                            "SANITIZE: CHECK CONDITION, sense key ILLEGAL REQUEST (5h), ASC/ASCQ "
                            "24h/00h (invalid field in CDB)");
        assert_false(k.rep.is_completed);
        scsi_close(&k);
}

/* A lying SANITIZE (GOOD, nothing done) looks the same as a fast one by REQUEST SENSE. */
static void test_scsi_sanitize_lying(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.is_sanitize_lying = true;
        struct scsi_case k;
        scsi_open(&k, cfg, true);

        assert_int_equal(scsi_run(&k, PURGE_SANITIZE_BLOCK), 0);
        assert_true(k.rep.is_completed);
        assert_true(medium_is_old(&k.cfg.medium));
        scsi_close(&k);
}

/* ---- FORMAT UNIT ----------------------------------------------------------------------------------- */

static void test_scsi_format(void **state)
{
        (void)state;
        struct scsi_case k;
        scsi_open(&k, scsi_full(), true);

        assert_int_equal(scsi_run(&k, PURGE_SCSI_FORMAT), 0);
        assert_true(k.rep.is_completed);
        const struct fake_scsi_counts *n = fake_scsi_counts(k.f);
        /* FMTDATA (byte 1 bit 4), FMTPINFO 0, LONGLIST 0; short header: IMMED (byte 1 bit 1) */
        const uint8_t cdb[6] = { 0x04, 0x10, 0, 0, 0, 0 };
        const uint8_t hdr[4] = { 0x00, 0x02, 0x00, 0x00 };
        assert_memory_equal(n->last_format_cdb, cdb, 6);
        assert_memory_equal(n->last_format_header, hdr, 4);
        assert_int_equal(k.p.calls, 2);
        assert_non_null(
                strstr(k.rep.device_status, "FORMAT UNIT: GOOD; REQUEST SENSE: format in progress 2 times"));
        assert_true(medium_is_pattern(&k.cfg.medium, 0));
        scsi_close(&k);
}

/* QEMU's scsi-hd answers FORMAT UNIT with GOOD and erases nothing: by its status it is "completed",
 * and only the proof of the content (the fingerprint) shows nothing changed. This is why scsi-format
 * is Clear at most and never trusted without the proof. */
static void test_scsi_format_qemu_like(void **state)
{
        (void)state;
        struct scsi_case k;
        scsi_open(&k, scsi_qemu_like(), true);

        assert_int_equal(scsi_run(&k, PURGE_SCSI_FORMAT), 0);
        assert_true(k.rep.is_completed);
        assert_string_equal(k.rep.device_status,
                            "FORMAT UNIT: GOOD; REQUEST SENSE: no sense, no format in progress");
        assert_non_null(strstr(k.rep.warnings, "only the proof"));
        assert_true(medium_is_old(&k.cfg.medium)); /* nothing changed */
        scsi_close(&k);
}

/* ---- the fake itself ------------------------------------------------------------------------------- */

/* The fake answers REQUEST SENSE in the format asked, with the progress in both. */
static void test_scsi_fake_sense_formats(void **state)
{
        (void)state;
        struct fake_scsi_config cfg = scsi_full();
        cfg.initial_state = FAKE_SCSI_FORMAT_RUNNING;
        cfg.initial_polls = 4;
        struct scsi_case k;
        uint8_t cdb[6], buf[252];
        struct cmd_reply reply;
        struct scsi_sense s;

        scsi_open(&k, cfg, false);
        for (int desc = 0; desc < 2; desc++) {
                assert_int_equal(scsi_build_request_sense_cdb(desc, sizeof buf, cdb), 0);
                assert_int_equal(cmd_scsi(&k.t, cdb, 6, CMD_DIR_FROM_DEVICE, buf, sizeof buf, 1000, &reply),
                                 0);
                assert_int_equal(buf[0], desc ? 0x72 : 0x70);
                assert_int_equal(sense_parse(buf, sizeof buf - (size_t)reply.resid, &s), 0);
                assert_int_equal(s.sense_key, SENSE_KEY_NOT_READY);
                assert_int_equal(s.asc, 0x04);
                assert_int_equal(s.ascq, 0x04);
                assert_true(s.has_progress);
                assert_int_equal(s.progress, desc ? 65536 / 4 : 0);
        }
        /* a command during the format: NOT READY */
        const uint8_t tur[6] = { 0 };
        assert_int_equal(cmd_scsi(&k.t, tur, 6, CMD_DIR_NONE, NULL, 0, 1000, &reply), -EREMOTEIO);
        assert_int_equal(reply.scsi_status, SCSI_STATUS_CHECK_CONDITION);
        scsi_close(&k);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scsi_probe),
                cmocka_unit_test(test_scsi_probe_qemu),
                cmocka_unit_test(test_scsi_sanitize_kinds),
                cmocka_unit_test(test_scsi_sanitize_failure),
                cmocka_unit_test(test_scsi_sanitize_running_at_start),
                cmocka_unit_test(test_scsi_sanitize_interrupted),
                cmocka_unit_test(test_scsi_refused),
                cmocka_unit_test(test_scsi_format),
                cmocka_unit_test(test_scsi_format_qemu_like),
                cmocka_unit_test(test_scsi_sanitize_lying),
                cmocka_unit_test(test_scsi_fake_sense_formats),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
