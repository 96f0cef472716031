/* SPDX-License-Identifier: MIT */
/*
 * The TCG flow (wiper/purge/tcg-purge.c) end to end against the stateful fake TPer
 * (tests/fake/fake-tper.h) carried by the fake NVMe, ATA and SCSI drives, with a real medium (a
 * memfd) that a revert fills — no TCG drive has an emulator. Discovery in the probe, the methods'
 * support and refusals, PSID / SID / MSID reverts, a wrong PSID, the lockout guard, a lying TPer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake-ata.h"
#include "fake-nvme.h"
#include "fake-scsi.h"
#include "fake-tper.h"
#include "purge-test-util.h"
#include "purge.h"

#define MSID "MSID-UNIT-0000001"
#define SID  "owner-sid-unit"
#define PSID "0123456789ABCDEFGHJKLMNPQRSTUVWX"

enum bus { BUS_NVME, BUS_ATA, BUS_SCSI };

/* A drive on bus carrying a TPer as tc says (tc.medium set to the case's medium), probed. */
struct tcg_case {
        struct fake_medium medium;
        struct fake_tper *tper;
        struct fake_nvme *nvme;
        struct fake_ata *ata;
        struct fake_scsi *scsi;
        struct cmd_transport t;
        enum purge_family family;
        struct purge_caps caps;
};

static struct fake_tper_config opal_owned(void)
{
        return (struct fake_tper_config){ .ssc = TCG_SSC_OPAL2, .is_locking_enabled = true, .is_range_locked = true,
                                          .msid = MSID, .sid = SID, .psid = PSID, .sid_try_limit = 5,
                                          .psid_try_limit = 5 };
}

static void case_new(struct tcg_case *c, enum bus bus, const struct fake_tper_config *tc, bool has_tper)
{
        *c = (struct tcg_case){ .medium = medium_new() };
        struct fake_tper_config cfg = *tc;
        cfg.medium = &c->medium;
        if (has_tper)
                assert_int_equal(fake_tper_new(&cfg, &c->tper), 0);
        switch (bus) {
        case BUS_NVME: {
                struct fake_nvme_config n = { .oacs = 1u << 1, .medium = c->medium, .tper = c->tper };
                assert_int_equal(fake_nvme_new(&n, &c->nvme), 0);
                fake_nvme_transport(c->nvme, &c->t);
                c->family = PURGE_FAMILY_NVME;
                break;
        }
        case BUS_ATA: {
                struct fake_ata_config a = { .medium = &c->medium, .tper = c->tper };
                assert_int_equal(fake_ata_new(&a, &c->ata), 0);
                fake_ata_transport(c->ata, &c->t);
                c->family = PURGE_FAMILY_ATA;
                break;
        }
        case BUS_SCSI: {
                struct fake_scsi_config s = { .medium = c->medium, .tper = c->tper };
                assert_int_equal(fake_scsi_new(&s, &c->scsi), 0);
                fake_scsi_transport(c->scsi, &c->t);
                c->family = PURGE_FAMILY_SCSI;
                break;
        }
        }
        assert_int_equal(purge_probe(&c->t, c->family, 1, &c->caps), 0);
}

static void case_free(struct tcg_case *c)
{
        fake_nvme_free(c->nvme);
        fake_ata_free(c->ata);
        fake_scsi_free(c->scsi);
        fake_tper_free(c->tper);
        medium_close(&c->medium);
}

static int run(struct tcg_case *c, enum purge_method m, const char *secret, struct purge_report *ret)
{
        struct progress p;
        struct purge_run_options o = options(&p);
        o.tcg_secret = secret;
        o.tcg_secret_len = secret ? strlen(secret) : 0;
        return purge_run(&c->t, c->family, m, &c->caps, &o, ret);
}

static struct fake_tper_stats stats(const struct tcg_case *c)
{
        struct fake_tper_stats s;
        fake_tper_stats(c->tper, &s);
        return s;
}

/* No secret may appear in any text of the report. */
static void assert_secret_absent(const struct purge_report *r, const char *secret)
{
        const char *texts[] = { r->command, r->device_status, r->warnings, r->error_text, r->password_left };
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
                assert_null(strstr(texts[i], secret));
}

static void test_probe_without_tcg(void **state)
{
        (void)state;
        for (enum bus b = BUS_NVME; b <= BUS_SCSI; b++) {
                struct tcg_case c;
                struct fake_tper_config tc = opal_owned();
                case_new(&c, b, &tc, false);
                assert_true(c.caps.tcg.is_examined);
                assert_int_equal(c.caps.tcg.error, 0);
                assert_false(c.caps.tcg.is_sed);
                assert_false(purge_caps_has(&c.caps, PURGE_TCG_REVERT));
                assert_false(purge_caps_has(&c.caps, PURGE_TCG_PSID_REVERT));
                assert_non_null(strstr(c.caps.why_not[PURGE_TCG_PSID_REVERT], "no TCG"));
                /* and "purge" never picks a TCG method */
                assert_false(purge_method_is_tcg(purge_pick_strongest(&c.caps)));
                case_free(&c);
        }
}

static void test_probe_opal_each_bus(void **state)
{
        (void)state;
        for (enum bus b = BUS_NVME; b <= BUS_SCSI; b++) {
                struct tcg_case c;
                struct fake_tper_config tc = opal_owned();
                case_new(&c, b, &tc, true);
                const struct purge_tcg *g = &c.caps.tcg;
                assert_true(g->is_sed);
                assert_string_equal(g->kind, "Opal 2");
                assert_true(g->is_encrypting && g->has_revert && g->is_locking_supported);
                assert_true(g->is_locking_enabled && g->is_locked);
                assert_int_equal(g->base_comid, FAKE_TPER_BASE_COMID);
                assert_true(purge_caps_has(&c.caps, PURGE_TCG_REVERT));
                assert_true(purge_caps_has(&c.caps, PURGE_TCG_PSID_REVERT));
                char s[256];
                purge_tcg_summary(g, s, sizeof s);
                assert_non_null(strstr(s, "locking enabled"));
                assert_non_null(strstr(s, "a range is locked"));
                assert_false(purge_method_is_tcg(purge_pick_strongest(&c.caps)));
                /* the probe only reads: no session authenticated, nothing erased */
                assert_int_equal(stats(&c).auth_failures, 0);
                assert_int_equal(stats(&c).reverts, 0);
                assert_true(medium_is_old(&c.medium));
                case_free(&c);
        }
}

static void test_probe_pyrite_enterprise(void **state)
{
        (void)state;
        struct { enum tcg_ssc ssc; const char *kind, *why; } cases[] = {
                { TCG_SSC_PYRITE2, "Pyrite 2", "does not encrypt" },
                { TCG_SSC_ENTERPRISE, "Enterprise", "Enterprise has no Revert" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                struct tcg_case c;
                struct fake_tper_config tc = { .ssc = cases[i].ssc, .msid = MSID, .psid = PSID };
                case_new(&c, BUS_NVME, &tc, true);
                assert_true(c.caps.tcg.is_sed);
                assert_string_equal(c.caps.tcg.kind, cases[i].kind);
                assert_false(purge_caps_has(&c.caps, PURGE_TCG_PSID_REVERT));
                assert_non_null(strstr(c.caps.why_not[PURGE_TCG_PSID_REVERT], cases[i].why));
                struct purge_report r;
                assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, PSID, &r), PURGE_ERR_UNSUPPORTED);
                assert_int_equal(stats(&c).sessions_started, 0);
                case_free(&c);
        }
}

static void test_psid_revert(void **state)
{
        (void)state;
        for (enum bus b = BUS_NVME; b <= BUS_SCSI; b++) {
                struct tcg_case c;
                struct fake_tper_config tc = opal_owned();
                tc.psid_tries = 2;
                case_new(&c, b, &tc, true);
                struct purge_report r;
                assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, PSID, &r), 0);
                assert_true(r.is_completed);
                assert_int_equal(r.error, 0);
                assert_non_null(strstr(r.command, "Revert (Admin SP) authorised by the PSID"));
                assert_non_null(strstr(r.device_status, "locking not enabled"));
                assert_non_null(strstr(r.warnings, "every locking range"));
                assert_non_null(strstr(r.warnings, "PSID tries 2 of 5"));
                assert_secret_absent(&r, PSID);
                struct fake_tper_stats s = stats(&c);
                assert_int_equal(s.reverts, 1);
                assert_false(s.is_locking_enabled);
                assert_false(s.is_range_locked);
                assert_false(s.is_session_open);
                assert_int_equal(s.dropped, 0);
                assert_true(medium_is_random(&c.medium));
                case_free(&c);
        }
}

static void test_psid_missing_or_wrong(void **state)
{
        (void)state;
        struct tcg_case c;
        struct fake_tper_config tc = opal_owned();
        case_new(&c, BUS_NVME, &tc, true);
        struct purge_report r;
        /* no PSID: nothing sent at all */
        assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, NULL, &r), PURGE_ERR_NO_SECRET);
        assert_int_equal(stats(&c).sessions_started, 0);
        /* a wrong one: NOT_AUTHORIZED, counted by the drive, told with the count; nothing erased */
        const char *wrong = "ZZZZ56789ABCDEFGHJKLMNPQRSTUVWX0";
        assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, wrong, &r), PURGE_ERR_AUTH);
        assert_false(r.is_completed);
        assert_non_null(strstr(r.error_text, "rejected the PSID"));
        assert_non_null(strstr(r.error_text, "1 of 5 attempts used"));
        assert_secret_absent(&r, wrong);
        assert_int_equal(stats(&c).psid_tries, 1);
        assert_int_equal(stats(&c).reverts, 0);
        assert_true(medium_is_old(&c.medium));
        case_free(&c);
}

static void test_lockout_guard(void **state)
{
        (void)state;
        struct tcg_case c;
        struct fake_tper_config tc = opal_owned();
        tc.psid_tries = 4; /* of 5: one more failure would lock the PSID out */
        case_new(&c, BUS_NVME, &tc, true);
        struct purge_report r;
        assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, PSID, &r), PURGE_ERR_LOCKED_OUT);
        assert_non_null(strstr(r.error_text, "4 failed PSID attempts of 5"));
        assert_string_equal(r.command, ""); /* no authentication was sent */
        assert_int_equal(stats(&c).psid_tries, 4);
        assert_int_equal(stats(&c).auth_failures, 0);
        assert_true(medium_is_old(&c.medium));
        /* a power cycle resets a non-persistent counter: then the right PSID works */
        fake_tper_power_cycle(c.tper);
        assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, PSID, &r), 0);
        assert_true(medium_is_random(&c.medium));
        case_free(&c);
}

static void test_sid_locked_out(void **state)
{
        (void)state;
        struct tcg_case c;
        struct fake_tper_config tc = opal_owned();
        tc.sid_try_limit = 3;
        tc.sid_tries = 3; /* already locked out: the drive says so even to the right SID */
        case_new(&c, BUS_SCSI, &tc, true);
        struct purge_report r;
        assert_int_equal(run(&c, PURGE_TCG_REVERT, SID, &r), PURGE_ERR_LOCKED_OUT);
        assert_non_null(strstr(r.error_text, "AUTHORITY_LOCKED_OUT"));
        assert_true(medium_is_old(&c.medium));
        case_free(&c);
}

static void test_sid_and_msid_revert(void **state)
{
        (void)state;
        /* an unowned drive: the MSID is the SID, read and used without a secret given */
        struct tcg_case c;
        struct fake_tper_config tc = { .ssc = TCG_SSC_OPAL2, .msid = MSID, .psid = PSID };
        case_new(&c, BUS_ATA, &tc, true);
        struct purge_report r;
        assert_int_equal(run(&c, PURGE_TCG_REVERT, NULL, &r), 0);
        assert_non_null(strstr(r.command, "MSID"));
        assert_secret_absent(&r, MSID);
        assert_true(medium_is_random(&c.medium));
        case_free(&c);

        /* an owned drive without its SID: the MSID is rejected, and the operator told what to do */
        tc = opal_owned();
        case_new(&c, BUS_NVME, &tc, true);
        assert_int_equal(run(&c, PURGE_TCG_REVERT, NULL, &r), PURGE_ERR_AUTH);
        assert_non_null(strstr(r.error_text, "has an owner"));
        assert_true(medium_is_old(&c.medium));
        /* with the owner's SID */
        assert_int_equal(run(&c, PURGE_TCG_REVERT, SID, &r), 0);
        assert_secret_absent(&r, SID);
        assert_false(stats(&c).is_locking_enabled);
        assert_true(medium_is_random(&c.medium));
        case_free(&c);
}

static void test_lying_tper(void **state)
{
        (void)state;
        struct tcg_case c;
        struct fake_tper_config tc = opal_owned();
        tc.is_lying = true;
        case_new(&c, BUS_NVME, &tc, true);
        struct purge_report r;
        assert_int_equal(run(&c, PURGE_TCG_PSID_REVERT, PSID, &r), PURGE_ERR_NOT_DONE);
        assert_false(r.is_completed);
        assert_non_null(strstr(r.error_text, "still reports"));
        case_free(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_probe_without_tcg),   cmocka_unit_test(test_probe_opal_each_bus),
                cmocka_unit_test(test_probe_pyrite_enterprise), cmocka_unit_test(test_psid_revert),
                cmocka_unit_test(test_psid_missing_or_wrong), cmocka_unit_test(test_lockout_guard),
                cmocka_unit_test(test_sid_locked_out),      cmocka_unit_test(test_sid_and_msid_revert),
                cmocka_unit_test(test_lying_tper),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
