/* SPDX-License-Identifier: MIT */
/*
 * The ATA purge flows (wiper/purge/ata-*.c) against the stateful fake drive (tests/fake/fake-ata.c):
 * probe, each sanitize kind to its end on a file-backed medium, the refusals (frozen, unsupported,
 * locked), an interrupted and a failed sanitize, one found running, lying drives, security erase
 * with its password always cleared (or shown), hidden areas found and restored, SMART, and the
 * three sense layouts a SATL may answer in.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-ata.h"
#include "purge-test-util.h"
#include "purge.h"

#define MEDIUM_BYTES (1u << 20)
#define ORIGINAL     0xa5

struct drive {
        struct fake_ata *fake;
        struct cmd_transport t;
        struct fake_medium medium;
};

static void drive_open(struct drive *d, struct fake_ata_config cfg, bool has_medium)
{
        *d = (struct drive){ .medium = { .fd = -1 } };
        if (has_medium) {
                char path[] = "/tmp/kesu-test-purge-ata-XXXXXX";
                int fd = mkstemp(path);
                assert_true(fd >= 0);
                unlink(path);
                uint8_t *buf = malloc(MEDIUM_BYTES);
                assert_non_null(buf);
                memset(buf, ORIGINAL, MEDIUM_BYTES);
                assert_int_equal(pwrite(fd, buf, MEDIUM_BYTES, 0), MEDIUM_BYTES);
                free(buf);
                d->medium = (struct fake_medium){ .fd = fd, .bytes = MEDIUM_BYTES };
                cfg.medium = &d->medium;
        }
        assert_int_equal(fake_ata_new(&cfg, &d->fake), 0);
        fake_ata_transport(d->fake, &d->t);
}

/* Opens a drive of cfg (see drive_open) and probes it with ata_purge_probe(). */
static void drive_probe(struct drive *d, struct fake_ata_config cfg, bool has_medium,
                        struct purge_caps *caps)
{
        drive_open(d, cfg, has_medium);
        assert_int_equal(ata_purge_probe(&d->t, caps), 0);
}

static void drive_close(struct drive *d)
{
        d->fake = fake_ata_free(d->fake);
        if (d->medium.fd >= 0)
                close(d->medium.fd);
}

/* Every byte of the medium is b. */
static bool medium_is(const struct drive *d, uint8_t b)
{
        uint8_t *buf = malloc(MEDIUM_BYTES);
        assert_non_null(buf);
        assert_int_equal(pread(d->medium.fd, buf, MEDIUM_BYTES, 0), MEDIUM_BYTES);
        bool is = true;
        for (size_t i = 0; i < MEDIUM_BYTES && is; i++)
                is = buf[i] == b;
        free(buf);
        return is;
}

/* Neither the original content nor one repeated byte: what a crypto erase leaves. */
static bool medium_is_scrambled(const struct drive *d)
{
        uint8_t *buf = malloc(MEDIUM_BYTES);
        assert_non_null(buf);
        assert_int_equal(pread(d->medium.fd, buf, MEDIUM_BYTES, 0), MEDIUM_BYTES);
        size_t same = 0;
        for (size_t i = 0; i < MEDIUM_BYTES; i++)
                same += buf[i] == ORIGINAL;
        free(buf);
        return same < MEDIUM_BYTES / 64;
}

static const struct fake_ata_config all_features = {
        .has_sanitize_crypto = true,
        .has_sanitize_block = true,
        .has_sanitize_overwrite = true,
        .has_security = true,
        .has_enhanced_erase = true,
        .erase_word89 = 0x0003,          /* 6 minutes */
        .enhanced_erase_word90 = 0x0005, /* 10 minutes */
        .has_smart = true,
        .power_on_hours = 12345,
        .reallocated_sectors = 3,
        .pending_sectors = 1,
        .temperature_c = 38,
        .sanitize_polls = 3,
};

/* ---- probe ------------------------------------------------------------------------------------------- */

static void test_probe(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        drive_open(&d, all_features, false);

        assert_int_equal(purge_probe(&d.t, PURGE_FAMILY_ATA, 0, &caps), 0);
        assert_int_equal(caps.family, PURGE_FAMILY_ATA);
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO));
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_BLOCK));
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_OVERWRITE));
        assert_true(purge_caps_has(&caps, PURGE_SECURE_ERASE));
        assert_true(purge_caps_has(&caps, PURGE_SECURE_ERASE_ENHANCED));
        assert_false(purge_caps_has(&caps, PURGE_NVME_FORMAT));
        assert_false(purge_caps_has(&caps, PURGE_SCSI_FORMAT));
        assert_null(caps.why_not[PURGE_SANITIZE_CRYPTO]);
        assert_null(caps.why_not[PURGE_SECURE_ERASE]);
        assert_string_equal(caps.why_not[PURGE_NVME_FORMAT], "not an NVMe drive");
        assert_string_equal(caps.why_not[PURGE_NVME_FORMAT_CRYPTO], "not an NVMe drive");
        assert_non_null(strstr(caps.why_not[PURGE_SCSI_FORMAT], "not a SCSI drive"));
        assert_false(caps.is_frozen);
        assert_false(caps.is_security_enabled);
        assert_false(caps.is_sanitize_running);
        assert_false(caps.is_sanitize_failed);
        assert_int_equal(caps.erase_minutes, 6);
        assert_int_equal(caps.enhanced_erase_minutes, 10);
        assert_int_equal(purge_pick_strongest(&caps), PURGE_SANITIZE_CRYPTO);

        assert_true(caps.hidden.is_examined);
        assert_int_equal(caps.hidden.current_sectors, 0x100000);
        assert_false(caps.hidden.has_hpa || caps.hidden.has_dco || caps.hidden.has_ama);
        assert_non_null(strstr(caps.hidden.note, "no HPA or AMA feature"));

        assert_true(caps.health.is_read);
        assert_string_equal(caps.health.source, "ATA SMART READ DATA");
        assert_true(caps.health.has_power_on_hours);
        assert_int_equal(caps.health.power_on_hours, 12345); /* the vendor bits above 32 are left out */
        assert_true(caps.health.has_reallocated);
        assert_int_equal(caps.health.reallocated_sectors, 3);
        assert_true(caps.health.has_pending);
        assert_int_equal(caps.health.pending_sectors, 1);
        assert_true(caps.health.has_temperature);
        assert_int_equal(caps.health.temperature_c, 38);

        /* Reads only: nothing but the SATL's sense format was set. */
        const struct fake_ata_counters *n = fake_ata_counters(d.fake);
        assert_int_equal(fake_ata_writing_commands(d.fake), 0);
        assert_int_equal(n->sanitize_status, 1);
        assert_int_equal(n->mode_select, 1);
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_true(s.is_d_sense);
        drive_close(&d);
}

/* ---- sanitize ------------------------------------------------------------------------------------------
 */

static void run_sanitize_kind(enum purge_method m, uint32_t pattern, const char *feature_text,
                              bool (*check)(const struct drive *d))
{
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        drive_probe(&d, all_features, true, &caps);

        struct purge_run_options o = options(&p);
        o.overwrite_pattern = pattern;
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, m, &caps, &o, &rep), 0);
        assert_int_equal(rep.error, 0);
        assert_int_equal(rep.method, m);
        assert_true(rep.is_completed);
        assert_false(rep.is_resumed);
        assert_non_null(strstr(rep.command, feature_text));
        assert_non_null(strstr(rep.command, "ATA SANITIZE DEVICE (B4h)"));
        assert_non_null(strstr(rep.device_status, "completed without error"));
        assert_non_null(strstr(rep.warnings, "power cycle"));
        assert_true(rep.started_ns > 0 && rep.ended_ns >= rep.started_ns);
        /* progress: 0 at the start, three polls in progress, then the end */
        assert_int_equal(p.calls, 5);
        assert_true(p.is_monotonic);
        assert_int_equal(p.last, 65535);
        assert_true(check(&d));

        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_false(s.was_last_sanitize_failure_mode);
        assert_int_equal(fake_ata_erase_commands(d.fake), 1);
        if (m == PURGE_SANITIZE_OVERWRITE) {
                assert_int_equal(s.last_overwrite_passes, 1);
                assert_false(s.was_last_overwrite_inverted);
                assert_int_equal(s.last_pattern, pattern);
        }
        drive_close(&d);
}

static bool is_zero(const struct drive *d)
{
        return medium_is(d, 0x00);
}

static bool is_pattern(const struct drive *d)
{
        uint8_t buf[8];
        assert_int_equal(pread(d->medium.fd, buf, sizeof buf, 4096), sizeof buf);
        static const uint8_t expected[8] = { 0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad, 0xde };
        return memcmp(buf, expected, sizeof buf) == 0;
}

static void test_sanitize_kinds(void **state)
{
        (void)state;
        run_sanitize_kind(PURGE_SANITIZE_CRYPTO, 0, "CRYPTO SCRAMBLE EXT (FEATURE 0011h)",
                          medium_is_scrambled);
        run_sanitize_kind(PURGE_SANITIZE_BLOCK, 0, "BLOCK ERASE EXT (FEATURE 0012h)", is_zero);
        run_sanitize_kind(PURGE_SANITIZE_OVERWRITE, 0,
                          "OVERWRITE EXT (FEATURE 0014h), 1 pass of pattern 00000000h", is_zero);
        run_sanitize_kind(PURGE_SANITIZE_OVERWRITE, 0xdeadbeef, "pattern DEADBEEFh", is_pattern);
}

static void test_sanitize_frozen(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_sanitize_frozen = true;
        drive_probe(&d, cfg, false, &caps);

        assert_true(caps.is_frozen);
        assert_true(caps.is_sanitize_frozen);
        assert_false(caps.is_security_frozen);
        /* still supported by capability; the run refuses it */
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO));
        assert_null(caps.why_not[PURGE_SANITIZE_CRYPTO]);
        unsigned before = fake_ata_counters(d.fake)->commands;
        for (enum purge_method m = PURGE_SANITIZE_CRYPTO; m <= PURGE_SANITIZE_OVERWRITE; m++) {
                assert_true(purge_caps_is_frozen_for(&caps, m));
                assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, m, &caps, NULL, &rep), PURGE_ERR_FROZEN);
                assert_int_equal(rep.error, PURGE_ERR_FROZEN);
                assert_false(rep.is_completed);
                assert_true(rep.error_text[0] != 0);
        }
        assert_int_equal(fake_ata_counters(d.fake)->commands, before); /* nothing sent */
        assert_int_equal(fake_ata_sanitize_commands(d.fake), 0);
        assert_int_equal(fake_ata_security_commands(d.fake), 0);
        assert_non_null(strstr(purge_error_to_string(PURGE_ERR_FROZEN), "suspend"));
        /* SANITIZE FREEZE LOCK does not freeze the security feature set */
        assert_false(purge_caps_is_frozen_for(&caps, PURGE_SECURE_ERASE));
        drive_close(&d);
}

static void test_security_frozen(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_security_frozen = true;
        drive_probe(&d, cfg, false, &caps);

        assert_true(caps.is_frozen);
        assert_true(caps.is_security_frozen);
        assert_false(caps.is_sanitize_frozen);
        assert_true(purge_caps_has(&caps, PURGE_SECURE_ERASE));
        assert_null(caps.why_not[PURGE_SECURE_ERASE]);
        unsigned before = fake_ata_counters(d.fake)->commands;
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE, &caps, NULL, &rep),
                         PURGE_ERR_FROZEN);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE_ENHANCED, &caps, NULL, &rep),
                         PURGE_ERR_FROZEN);
        assert_int_equal(fake_ata_counters(d.fake)->commands, before);
        assert_int_equal(fake_ata_erase_commands(d.fake), 0);
        /* a BIOS's SECURITY FREEZE LOCK leaves SANITIZE usable: the sanitize runs */
        assert_false(purge_caps_is_frozen_for(&caps, PURGE_SANITIZE_BLOCK));
        struct progress p;
        struct purge_run_options fast = options(&p);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_BLOCK, &caps, &fast, &rep), 0);
        assert_true(rep.is_completed);
        assert_int_equal(fake_ata_security_commands(d.fake), 0);

        /* A resume unfreezes; a BIOS freezing it again between probe and run is caught by the run's
         * own IDENTIFY, before any security command. */
        fake_ata_power_cycle(d.fake);
        assert_int_equal(ata_purge_probe(&d.t, &caps), 0);
        assert_false(caps.is_frozen);
        fake_ata_freeze_security(d.fake);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE, &caps, NULL, &rep),
                         PURGE_ERR_FROZEN);
        assert_int_equal(fake_ata_security_commands(d.fake), 0);
        drive_close(&d);
}

static void test_sanitize_interrupted(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        struct fake_ata_config cfg = all_features;
        cfg.sanitize_polls = 100;
        drive_probe(&d, cfg, true, &caps);

        struct purge_run_options o = options(&p);
        stop_after(&p, &o, 3); /* 0, then two polls */
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_BLOCK, &caps, &o, &rep),
                         PURGE_ERR_INTERRUPTED);
        assert_false(rep.is_completed);
        assert_non_null(strstr(rep.error_text, "goes on"));
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_true(s.is_sanitize_in_progress);
        assert_true(s.sanitize_progress > 0);
        assert_true(medium_is(&d, ORIGINAL));
        drive_close(&d);
}

static void test_sanitize_failed(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        struct fake_ata_config cfg = all_features;
        cfg.is_sanitize_failing = true;
        drive_probe(&d, cfg, true, &caps);

        struct purge_run_options o = options(&p);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_BLOCK, &caps, &o, &rep),
                         PURGE_ERR_FAILED);
        assert_false(rep.is_completed);
        assert_non_null(strstr(rep.error_text, "reason 01h"));
        assert_non_null(strstr(rep.device_status, "aborted"));

        /* The failed state is seen by the next probe; the next run gets out of it first (CLEAR with
         * FAILURE MODE 0 does not do it; the new sanitize does, as ACS-4 allows). */
        assert_int_equal(ata_purge_probe(&d.t, &caps), 0);
        assert_true(caps.is_sanitize_failed);
        fake_ata_config_of(d.fake)->is_sanitize_failing = false;
        o = options(&p);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_BLOCK, &caps, &o, &rep), 0);
        assert_true(rep.is_completed);
        assert_int_equal(fake_ata_counters(d.fake)->sanitize_clear_failed, 1);
        assert_non_null(strstr(rep.warnings, "the new sanitize is the way out"));
        assert_true(medium_is(&d, 0x00));
        drive_close(&d);
}

static void test_sanitize_failed_with_failure_mode(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_sanitize_failed = true;
        cfg.is_failed_with_failure_mode = true;
        cfg.sanitize_polls = 0;
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.is_sanitize_failed);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps, NULL, &rep), 0);
        assert_int_equal(fake_ata_counters(d.fake)->sanitize_clear_failed, 1);
        assert_non_null(strstr(rep.warnings, "was cleared"));
        drive_close(&d);
}

static void test_sanitize_running_at_start(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        struct fake_ata_config cfg = all_features;
        cfg.is_sanitize_running = true; /* a block erase from before a power cycle */
        cfg.sanitize_polls = 2;
        drive_probe(&d, cfg, true, &caps);

        assert_true(caps.is_sanitize_running);
        struct purge_run_options o = options(&p);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps, &o, &rep), 0);
        assert_true(rep.is_resumed);
        assert_true(rep.is_completed);
        /* the running one ended first (zeros), then the requested crypto scramble ran */
        const struct fake_ata_counters *n = fake_ata_counters(d.fake);
        assert_int_equal(n->sanitize_crypto, 1);
        assert_int_equal(n->sanitize_block, 0);
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_int_equal(s.medium_fills, 2);
        assert_int_equal(s.last_fill, FAKE_FILL_RANDOM);
        assert_true(medium_is_scrambled(&d));
        drive_close(&d);
}

static void test_sanitize_lying(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_lying = true;
        drive_probe(&d, cfg, true, &caps);
        /* The drive claims completion: the run believes its status; the proof reads the medium. */
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_BLOCK, &caps, NULL, &rep), 0);
        assert_true(medium_is(&d, ORIGINAL));
        drive_close(&d);

        /* A drive whose status never shows the completion is not counted. */
        cfg = all_features;
        cfg.is_sanitize_never_done = true;
        drive_probe(&d, cfg, true, &caps);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps,
                                   &(struct purge_run_options){ .poll_interval_ms = 1 }, &rep),
                         PURGE_ERR_NOT_DONE);
        assert_int_equal(rep.error, PURGE_ERR_NOT_DONE);
        assert_false(rep.is_completed);
        assert_non_null(strstr(rep.error_text, "neither"));
        drive_close(&d);
}

static void test_sanitize_refused(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_erase_refused = true;
        drive_probe(&d, cfg, false, &caps);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps, NULL, &rep),
                         PURGE_ERR_REFUSED);
        assert_non_null(strstr(rep.error_text, "ERROR 04h (ABRT)"));
        assert_non_null(strstr(rep.error_text, "reason 00h"));
        drive_close(&d);
}

/* ---- security erase ------------------------------------------------------------------------------------
 */

static void test_security_erase(void **state)
{
        (void)state;
        for (int enhanced = 0; enhanced <= 1; enhanced++) {
                struct drive d;
                struct purge_caps caps;
                struct purge_report rep;
                struct progress p;
                struct fake_ata_config cfg = all_features;
                cfg.enhanced_erase_word90 = 0; /* not reported: the long timeout */
                drive_probe(&d, cfg, true, &caps);
                enum purge_method m = enhanced ? PURGE_SECURE_ERASE_ENHANCED : PURGE_SECURE_ERASE;
                struct purge_run_options o = options(&p);
                assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, m, &caps, &o, &rep), 0);
                assert_true(rep.is_completed);
                assert_true(rep.is_password_cleared);
                assert_string_equal(rep.password_left, "");
                assert_non_null(strstr(rep.command, "SECURITY ERASE UNIT (F4h)"));
                assert_non_null(strstr(rep.command, enhanced ? "enhanced" : "normal"));
                assert_non_null(strstr(rep.device_status, "security not enabled, not locked, not frozen"));
                assert_int_equal(p.calls, 2);

                const struct fake_ata_counters *n = fake_ata_counters(d.fake);
                assert_int_equal(n->security_set_password, 1);
                assert_int_equal(n->security_erase_prepare, 1);
                assert_int_equal(n->security_erase_unit, 1);
                assert_int_equal(n->security_disable_password, 0);
                assert_int_equal(fake_ata_sanitize_commands(d.fake), 0);
                struct fake_ata_state s;
                fake_ata_state(d.fake, &s);
                assert_false(s.is_security_enabled);
                assert_int_equal(s.was_last_erase_enhanced, enhanced);
                /* word 89: 6 minutes, doubled; word 90 unreported: the long timeout */
                assert_int_equal(s.last_erase_unit_timeout_ms,
                                 enhanced ? CMD_TIMEOUT_LONG_MS : 12u * 60u * 1000u);
                if (enhanced)
                        assert_true(medium_is_scrambled(&d));
                else
                        assert_true(medium_is(&d, 0x00));
                drive_close(&d);
        }
}

static void test_security_password_kept(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_erase_keeping_password = true;
        drive_probe(&d, cfg, false, &caps);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE, &caps, NULL, &rep), 0);
        assert_true(rep.is_completed);
        assert_true(rep.is_password_cleared);
        assert_non_null(strstr(rep.warnings, "kept the temporary password"));
        assert_int_equal(fake_ata_counters(d.fake)->security_disable_password, 1);
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_false(s.is_security_enabled);
        drive_close(&d);
}

static void test_security_password_left(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_erase_keeping_password = true;
        cfg.is_disable_password_refused = true;
        drive_probe(&d, cfg, false, &caps);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE, &caps, NULL, &rep),
                         PURGE_ERR_PASSWORD_LEFT);
        assert_int_equal(rep.error, PURGE_ERR_PASSWORD_LEFT);
        assert_true(rep.is_completed); /* erased, but the password stays */
        assert_false(rep.is_password_cleared);
        /* The password shown is the one the drive holds: 32 hex characters, typed as they are. */
        assert_int_equal(strlen(rep.password_left), 32);
        for (size_t i = 0; i < 32; i++)
                assert_non_null(strchr("0123456789abcdef", rep.password_left[i]));
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_true(s.is_security_enabled);
        assert_memory_equal(s.user_password, rep.password_left, 32);
        drive_close(&d);
}

static void test_security_set_password_ignored(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        struct fake_ata_config cfg = all_features;
        cfg.is_set_password_ignored = true;
        drive_probe(&d, cfg, true, &caps);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE_ENHANCED, &caps, NULL, &rep),
                         PURGE_ERR_NOT_DONE);
        assert_false(rep.is_completed);
        assert_true(rep.is_password_cleared);
        assert_int_equal(fake_ata_counters(d.fake)->security_erase_unit, 0);
        assert_true(medium_is(&d, ORIGINAL));
        drive_close(&d);
}

/* ERASE UNIT refused, answered in each sense layout: REFUSED from the registers, password cleared. */
static void test_security_refused_every_layout(void **state)
{
        (void)state;
        static const struct {
                bool is_d_sense;
                enum fake_ata_sense_layout layout;
        } layouts[] = { { true, FAKE_ATA_SENSE_SAT },
                        { false, FAKE_ATA_SENSE_SAT },
                        { false, FAKE_ATA_SENSE_LIBATA_LEGACY } };
        for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
                struct drive d;
                struct purge_caps caps;
                struct purge_report rep;
                struct fake_ata_config cfg = all_features;
                cfg.is_erase_refused = true;
                cfg.is_d_sense = layouts[i].is_d_sense;
                cfg.is_mode_select_refused = true; /* the fixed layouts stay fixed */
                cfg.fixed_layout = layouts[i].layout;
                drive_probe(&d, cfg, false, &caps);
                assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SECURE_ERASE, &caps, NULL, &rep),
                                 PURGE_ERR_REFUSED);
                assert_non_null(strstr(rep.error_text, "SECURITY ERASE UNIT"));
                assert_non_null(strstr(rep.error_text, "STATUS 51h ERROR 04h (ABRT)"));
                assert_false(rep.is_completed);
                assert_true(rep.is_password_cleared);
                assert_int_equal(fake_ata_counters(d.fake)->security_disable_password, 1);
                /* the refusal really came in the layout under test */
                if (layouts[i].is_d_sense)
                        assert_int_equal(fake_ata_counters(d.fake)->sense_fixed, 0);
                else
                        assert_true(fake_ata_counters(d.fake)->sense_fixed > 0);
                drive_close(&d);
        }
}

/* ---- sense layouts and sanitize -------------------------------------------------------------------------
 */

static void test_sanitize_sense_layouts(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;

        /* SAT fixed format and D_SENSE refused: the status cannot be read, so no sanitize. */
        struct fake_ata_config cfg = all_features;
        cfg.is_mode_select_refused = true;
        cfg.fixed_layout = FAKE_ATA_SENSE_SAT;
        drive_probe(&d, cfg, false, &caps);
        assert_false(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO));
        assert_non_null(strstr(caps.why_not[PURGE_SANITIZE_BLOCK], "fixed-format"));
        assert_true(purge_caps_has(&caps, PURGE_SECURE_ERASE));
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps, NULL, &rep),
                         PURGE_ERR_UNSUPPORTED);
        /* called directly with stale caps, the run checks again and starts nothing */
        caps.supported |= 1u << PURGE_SANITIZE_CRYPTO;
        assert_int_equal(ata_purge_run(&d.t, PURGE_SANITIZE_CRYPTO, &caps, NULL, &rep),
                         PURGE_ERR_UNSUPPORTED);
        assert_int_equal(fake_ata_sanitize_commands(d.fake), 0);
        drive_close(&d);

        /* Legacy libata: a successful CK_COND command comes back in descriptor format anyway. */
        cfg.fixed_layout = FAKE_ATA_SENSE_LIBATA_LEGACY;
        drive_probe(&d, cfg, false, &caps);
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO));
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_OVERWRITE, &caps,
                                   &(struct purge_run_options){ .poll_interval_ms = 1 }, &rep),
                         0);
        drive_close(&d);

        /* SAT fixed format with D_SENSE settable: set, and the sanitize runs. */
        cfg.is_mode_select_refused = false;
        cfg.fixed_layout = FAKE_ATA_SENSE_SAT;
        drive_probe(&d, cfg, false, &caps);
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO));
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps,
                                   &(struct purge_run_options){ .poll_interval_ms = 1 }, &rep),
                         0);
        /* a reset in between turns D_SENSE off: the run asks again */
        fake_ata_power_cycle(d.fake);
        assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, PURGE_SANITIZE_CRYPTO, &caps,
                                   &(struct purge_run_options){ .poll_interval_ms = 1 }, &rep),
                         0);
        assert_int_equal(fake_ata_counters(d.fake)->mode_select, 2);
        drive_close(&d);
}

/* ---- refusals --------------------------------------------------------------------------------------------
 */

static void test_unsupported(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;
        drive_probe(&d, (struct fake_ata_config){ 0 }, false, &caps);

        assert_int_equal(caps.supported, 0);
        /* (the TCG methods' reasons come from tcg_purge_probe: test-purge-tcg.c) */
        for (enum purge_method m = PURGE_SANITIZE_CRYPTO; m <= PURGE_SCSI_FORMAT; m++)
                assert_non_null(caps.why_not[m]);
        assert_non_null(strstr(caps.why_not[PURGE_SANITIZE_CRYPTO], "word 59"));
        assert_non_null(strstr(caps.why_not[PURGE_SECURE_ERASE], "word 128"));
        assert_int_equal(purge_pick_strongest(&caps), PURGE_METHOD_NONE);
        assert_false(caps.health.is_read);
        assert_non_null(strstr(caps.health.note, "not supported"));

        unsigned before = fake_ata_counters(d.fake)->commands;
        for (enum purge_method m = PURGE_SANITIZE_CRYPTO; m <= PURGE_SCSI_FORMAT; m++) {
                assert_int_equal(purge_run(&d.t, PURGE_FAMILY_ATA, m, &caps, NULL, &rep),
                                 PURGE_ERR_UNSUPPORTED);
                assert_string_equal(rep.error_text, caps.why_not[m]);
                assert_int_equal(ata_purge_run(&d.t, m, &caps, NULL, &rep), PURGE_ERR_UNSUPPORTED);
                assert_string_equal(rep.error_text, caps.why_not[m]);
        }
        assert_int_equal(fake_ata_counters(d.fake)->commands, before);
        assert_int_equal(fake_ata_counters(d.fake)->sanitize_status, 0); /* no sanitize feature: not asked */
        drive_close(&d);

        /* Enhanced erase not reported: only the normal one. */
        struct fake_ata_config cfg = all_features;
        cfg.has_enhanced_erase = false;
        drive_probe(&d, cfg, false, &caps);
        assert_true(purge_caps_has(&caps, PURGE_SECURE_ERASE));
        assert_false(purge_caps_has(&caps, PURGE_SECURE_ERASE_ENHANCED));
        assert_non_null(strstr(caps.why_not[PURGE_SECURE_ERASE_ENHANCED], "bit 5"));
        drive_close(&d);
}

static void test_security_password_unknown(void **state)
{
        (void)state;
        static const uint8_t owners[32] = "the owner's password";
        struct drive d;
        struct purge_caps caps;
        struct purge_report rep;

        struct fake_ata_config cfg = all_features;
        cfg.user_password = owners;
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.is_security_enabled);
        assert_false(purge_caps_has(&caps, PURGE_SECURE_ERASE));
        assert_non_null(strstr(caps.why_not[PURGE_SECURE_ERASE], "password"));
        assert_true(purge_caps_has(&caps, PURGE_SANITIZE_CRYPTO)); /* enabled but unlocked */
        caps.supported |= 1u << PURGE_SECURE_ERASE;
        assert_int_equal(ata_purge_run(&d.t, PURGE_SECURE_ERASE, &caps, NULL, &rep), PURGE_ERR_LOCKED);
        assert_int_equal(fake_ata_security_commands(d.fake), 0);
        drive_close(&d);

        cfg.is_security_locked = true;
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.is_security_enabled);
        assert_int_equal(caps.supported, 0);
        assert_non_null(strstr(caps.why_not[PURGE_SANITIZE_BLOCK], "locked"));
        assert_int_equal(fake_ata_writing_commands(d.fake), 0);
        drive_close(&d);
}

/* ---- hidden areas
 * ------------------------------------------------------------------------------------------ */

/* ata_purge_restore_hidden() of what the probe found fails with error: never "restored", and the
 * note says why (when note is not NULL). */
static void check_restore_fails(struct drive *d, struct purge_caps *caps, int error, const char *note)
{
        assert_int_equal(ata_purge_restore_hidden(&d->t, &caps->hidden), error);
        assert_false(caps->hidden.is_restored);
        if (note)
                assert_non_null(strstr(caps->hidden.note, note));
}

static void test_hpa(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct fake_ata_config cfg = { .has_hpa = true, .hpa_hidden_sectors = 100 };
        drive_probe(&d, cfg, false, &caps);

        struct purge_hidden *h = &caps.hidden;
        assert_true(h->is_examined);
        assert_true(h->has_hpa);
        assert_false(h->has_dco || h->has_ama);
        assert_int_equal(h->current_sectors, 0x100000 - 100);
        assert_int_equal(h->native_sectors, 0x100000);
        assert_non_null(strstr(h->note, "HPA hides 100"));
        assert_int_equal(fake_ata_counters(d.fake)->set_max, 0);

        assert_int_equal(ata_purge_restore_hidden(&d.t, h), 0);
        assert_true(h->is_restored);
        assert_int_equal(h->current_sectors, 0x100000);
        assert_non_null(strstr(h->note, "(volatile)"));
        assert_non_null(strstr(h->note, "restored"));
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_int_equal(s.current_sectors, 0x100000);
        assert_int_equal(fake_ata_counters(d.fake)->set_max, 1);
        /* volatile: the HPA is back after a power cycle */
        fake_ata_power_cycle(d.fake);
        fake_ata_state(d.fake, &s);
        assert_int_equal(s.current_sectors, 0x100000 - 100);

        /* refused (SET MAX frozen) and ignored (a lying drive): errors, never "restored" */
        fake_ata_config_of(d.fake)->is_set_max_refused = true;
        assert_int_equal(ata_purge_probe(&d.t, &caps), 0);
        check_restore_fails(&d, &caps, PURGE_ERR_REFUSED, "SET MAX ADDRESS EXT refused");
        fake_ata_config_of(d.fake)->is_set_max_refused = false;
        fake_ata_config_of(d.fake)->is_set_max_ignored = true;
        assert_int_equal(ata_purge_probe(&d.t, &caps), 0);
        check_restore_fails(&d, &caps, PURGE_ERR_FAILED, "still reports");
        drive_close(&d);

        /* Nothing hidden: nothing sent. */
        cfg.hpa_hidden_sectors = 0;
        drive_probe(&d, cfg, false, &caps);
        assert_false(caps.hidden.has_hpa);
        assert_non_null(strstr(caps.hidden.note, "no HPA"));
        unsigned before = fake_ata_counters(d.fake)->commands;
        assert_int_equal(ata_purge_restore_hidden(&d.t, &caps.hidden), 0);
        assert_int_equal(fake_ata_counters(d.fake)->commands, before);
        drive_close(&d);
}

static void test_dco(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct fake_ata_config cfg = {
                .has_hpa = true, .has_dco = true, .hpa_hidden_sectors = 100, .dco_hidden_sectors = 200
        };
        drive_probe(&d, cfg, false, &caps);

        struct purge_hidden *h = &caps.hidden;
        assert_true(h->has_hpa);
        assert_true(h->has_dco);
        assert_int_equal(h->current_sectors, 0x100000 - 300);
        assert_int_equal(h->native_sectors, 0x100000 - 200);
        assert_int_equal(h->dco_sectors, 0x100000);
        assert_non_null(strstr(h->note, "DCO hides 200"));
        assert_int_equal(ata_purge_restore_hidden(&d.t, h), 0);
        assert_true(h->is_restored);
        assert_int_equal(h->current_sectors, 0x100000);
        assert_int_equal(fake_ata_counters(d.fake)->set_max, 1);
        assert_int_equal(fake_ata_counters(d.fake)->dco_restore, 1);
        drive_close(&d);

        cfg.is_dco_frozen = true;
        drive_probe(&d, cfg, false, &caps);
        check_restore_fails(&d, &caps, PURGE_ERR_REFUSED, "DEVICE CONFIGURATION RESTORE refused");
        drive_close(&d);
}

static void test_ama(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct fake_ata_config cfg = { .has_ama = true, .hpa_hidden_sectors = 50 };
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.hidden.has_ama);
        assert_false(caps.hidden.has_hpa);
        assert_non_null(strstr(caps.hidden.note, "AMA hides 50"));
        assert_int_equal(ata_purge_restore_hidden(&d.t, &caps.hidden), 0);
        assert_true(caps.hidden.is_restored);
        assert_int_equal(fake_ata_counters(d.fake)->ama_set_accessible_max, 1);
        struct fake_ata_state s;
        fake_ata_state(d.fake, &s);
        assert_int_equal(s.current_sectors, s.native_sectors);
        drive_close(&d);

        cfg.is_ama_frozen = true;
        drive_probe(&d, cfg, false, &caps);
        check_restore_fails(&d, &caps, PURGE_ERR_REFUSED, NULL);
        drive_close(&d);
}

/* READ NATIVE MAX's LBA(47:24) in each layout: fixed SAT sense cuts it off above 2^24 sectors. */
static void test_hidden_sense_layouts(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;
        struct fake_ata_config cfg = { .has_hpa = true,
                                       .hpa_hidden_sectors = 8,
                                       .is_mode_select_refused = true };

        cfg.fixed_layout = FAKE_ATA_SENSE_SAT; /* small: LBA(47:24) zero, complete */
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.hidden.has_hpa);
        assert_int_equal(ata_purge_restore_hidden(&d.t, &caps.hidden), 0);
        drive_close(&d);

        cfg.sectors = UINT64_C(0x3000000);
        drive_probe(&d, cfg, false, &caps);
        assert_false(caps.hidden.has_hpa);
        assert_int_equal(caps.hidden.native_sectors, 0);
        assert_non_null(strstr(caps.hidden.note, "cut off"));
        drive_close(&d);

        cfg.fixed_layout = FAKE_ATA_SENSE_LIBATA_LEGACY; /* success came as descriptor */
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.hidden.has_hpa);
        assert_int_equal(caps.hidden.native_sectors, UINT64_C(0x3000000));
        assert_int_equal(ata_purge_restore_hidden(&d.t, &caps.hidden), 0);
        drive_close(&d);
}

/* ---- SMART ----------------------------------------------------------------------------------------------
 */

static void test_smart(void **state)
{
        (void)state;
        struct drive d;
        struct purge_caps caps;

        struct fake_ata_config cfg = all_features;
        cfg.is_smart_disabled = true;
        drive_probe(&d, cfg, false, &caps);
        assert_false(caps.health.is_read);
        assert_non_null(strstr(caps.health.note, "disabled"));
        assert_int_equal(fake_ata_counters(d.fake)->smart_read_data, 0);
        drive_close(&d);

        cfg.is_smart_disabled = false;
        cfg.is_smart_checksum_bad = true;
        drive_probe(&d, cfg, false, &caps);
        assert_true(caps.health.is_read);
        assert_non_null(strstr(caps.health.note, "checksum"));
        assert_int_equal(caps.health.pending_sectors, 1);
        drive_close(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_probe),
                cmocka_unit_test(test_sanitize_kinds),
                cmocka_unit_test(test_sanitize_frozen),
                cmocka_unit_test(test_security_frozen),
                cmocka_unit_test(test_sanitize_interrupted),
                cmocka_unit_test(test_sanitize_failed),
                cmocka_unit_test(test_sanitize_failed_with_failure_mode),
                cmocka_unit_test(test_sanitize_running_at_start),
                cmocka_unit_test(test_sanitize_lying),
                cmocka_unit_test(test_sanitize_refused),
                cmocka_unit_test(test_security_erase),
                cmocka_unit_test(test_security_password_kept),
                cmocka_unit_test(test_security_password_left),
                cmocka_unit_test(test_security_set_password_ignored),
                cmocka_unit_test(test_security_refused_every_layout),
                cmocka_unit_test(test_sanitize_sense_layouts),
                cmocka_unit_test(test_unsupported),
                cmocka_unit_test(test_security_password_unknown),
                cmocka_unit_test(test_hpa),
                cmocka_unit_test(test_dco),
                cmocka_unit_test(test_ama),
                cmocka_unit_test(test_hidden_sense_layouts),
                cmocka_unit_test(test_smart),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
