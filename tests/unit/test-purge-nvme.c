/* SPDX-License-Identifier: MIT */
/*
 * The NVMe purge flows (wiper/purge/nvme-*.c) end to end against the stateful fake controller
 * (tests/fake/fake-nvme.h), with a real medium (a memfd) that the fake's erase fills, so every run
 * also checks what the content became.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake-nvme.h"
#include "nvme-cmd.h"
#include "purge-test-util.h"
#include "purge.h"

#define CDW10_AUSE (1u << 3)

/* A controller with every purge: Format NVM (OACS bit 1), crypto/block/overwrite sanitize (SANICAP
 * 2:0), crypto erase by Format (FNA bit 2). */
static struct fake_nvme_config nvme_full(void)
{
        return (struct fake_nvme_config){
                .oacs = 1u << 1,
                .sanicap = 0x7,
                .fna = 1u << 2,
                .sanitize_polls = 4,
                .smart = { .critical_warning = 0x01,
                           .temperature_k = 313,
                           .percentage_used = 7,
                           .power_on_hours = 12345,
                           .media_errors = 2,
                           .power_cycles = 99 },
                .medium = { .fd = -1 },
        };
}

/* QEMU 7.2's controller: Format NVM, no sanitize, FNA 0 (yet it accepts SES 2 and ignores it). */
static struct fake_nvme_config nvme_qemu_like(void)
{
        return (struct fake_nvme_config){ .oacs = 1u << 1, .is_qemu_like = true };
}

/* Nothing kesu sends may be malformed, and SES 0 is never sent. */
static void nvme_check_clean(const struct fake_nvme *f)
{
        const struct fake_nvme_counts *c = fake_nvme_counts(f);
        assert_int_equal(c->bad_commands, 0);
        assert_int_equal(c->format_ses[0], 0);
        assert_int_equal(fake_nvme_medium_error(f), 0);
}

/* One fake controller and what a run on it gives back. */
struct nvme_case {
        struct fake_nvme_config cfg; /* cfg.medium: the medium, when the case has one */
        struct fake_nvme *f;
        struct cmd_transport t;
        struct purge_caps caps;
        struct purge_report rep;
        struct progress p;
        struct purge_run_options o;
};

/* Makes the fake controller of cfg, with a medium of old data when has_medium (else none). */
static void nvme_open(struct nvme_case *c, struct fake_nvme_config cfg, bool has_medium)
{
        *c = (struct nvme_case){ .cfg = cfg };
        c->cfg.medium = has_medium ? medium_new() : (struct fake_medium){ .fd = -1 };
        c->o = options(&c->p);
        assert_int_equal(fake_nvme_new(&c->cfg, &c->f), 0);
        fake_nvme_transport(c->f, &c->t);
}

/* Probes the controller and runs method through purge_run() as a caller does. */
static int nvme_run(struct nvme_case *c, enum purge_method method)
{
        assert_int_equal(purge_probe(&c->t, PURGE_FAMILY_NVME, 1, &c->caps), 0);
        return purge_run(&c->t, PURGE_FAMILY_NVME, method, &c->caps, &c->o, &c->rep);
}

/* Checks that nothing malformed was sent, then frees the fake and closes the medium. */
static void nvme_close(struct nvme_case *c)
{
        nvme_check_clean(c->f);
        c->f = fake_nvme_free(c->f);
        medium_close(&c->cfg.medium);
}

/* ---- probe ----------------------------------------------------------------------------------------- */

static void test_nvme_probe(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.fna |= 1u << 1; /* erase applies to all namespaces */
        struct nvme_case k;
        nvme_open(&k, cfg, false);
        struct purge_caps c;

        assert_int_equal(purge_probe(&k.t, PURGE_FAMILY_NVME, 1, &c), 0);
        assert_int_equal(c.family, PURGE_FAMILY_NVME);
        assert_int_equal(c.supported, 1u << PURGE_SANITIZE_CRYPTO | 1u << PURGE_SANITIZE_BLOCK |
                                              1u << PURGE_SANITIZE_OVERWRITE | 1u << PURGE_NVME_FORMAT |
                                              1u << PURGE_NVME_FORMAT_CRYPTO);
        for (enum purge_method m = PURGE_METHOD_NONE + 1; m < _PURGE_METHOD_MAX; m++)
                if (purge_caps_has(&c, m))
                        assert_null(c.why_not[m]);
                else
                        assert_non_null(c.why_not[m]);
        assert_string_equal(c.why_not[PURGE_SECURE_ERASE], "not an ATA drive");
        assert_string_equal(c.why_not[PURGE_SECURE_ERASE_ENHANCED], "not an ATA drive");
        assert_string_equal(c.why_not[PURGE_SCSI_FORMAT], "not a SCSI drive");
        assert_true(c.is_all_namespaces);
        assert_false(c.is_sanitize_running);
        assert_false(c.is_sanitize_failed);
        assert_false(c.is_frozen);

        /* SMART / Health log */
        assert_true(c.health.is_read);
        assert_string_equal(c.health.source, "NVMe SMART / Health log (02h)");
        assert_true(c.health.has_power_on_hours);
        assert_true(c.health.power_on_hours == 12345);
        assert_true(c.health.has_percentage_used);
        assert_int_equal(c.health.percentage_used, 7);
        assert_true(c.health.has_media_errors);
        assert_true(c.health.media_errors == 2);
        assert_true(c.health.has_temperature);
        assert_int_equal(c.health.temperature_c, 40); /* 313 K */
        assert_true(c.health.has_critical_warning);
        assert_int_equal(c.health.critical_warning, 1);
        assert_false(c.health.has_reallocated);

        assert_false(c.hidden.is_examined);
        assert_non_null(strstr(c.hidden.note, "no host protected areas"));
        assert_true(c.hidden.current_sectors == 2048);

        /* reads only: no Format, no Sanitize */
        const struct fake_nvme_counts *n = fake_nvme_counts(k.f);
        assert_int_equal(n->format, 0);
        assert_int_equal(n->sanitize, 0);
        assert_int_equal(n->get_log_sanitize, 1);
        assert_int_equal(n->get_log_smart, 1);
        nvme_close(&k);
}

/* QEMU 7.2's controller: Format NVM, no sanitize, FNA 0. */
static void test_nvme_probe_qemu(void **state)
{
        (void)state;
        struct nvme_case k;
        nvme_open(&k, nvme_qemu_like(), false);
        struct purge_caps c;

        assert_int_equal(nvme_purge_probe(&k.t, 1, &c), 0);
        assert_int_equal(c.supported, 1u << PURGE_NVME_FORMAT);
        assert_non_null(strstr(c.why_not[PURGE_NVME_FORMAT_CRYPTO], "FNA bit 2"));
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_CRYPTO], "CES"));
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_BLOCK], "BES"));
        assert_non_null(strstr(c.why_not[PURGE_SANITIZE_OVERWRITE], "OWS"));
        assert_false(c.is_all_namespaces); /* FNA bit 1 clear and no sanitize */
        assert_int_equal(purge_pick_strongest(&c), PURGE_NVME_FORMAT);
        /* no sanitize: the log is not read */
        assert_int_equal(fake_nvme_counts(k.f)->get_log_sanitize, 0);
        nvme_close(&k);
}

static void test_nvme_probe_smart_saturated(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.smart.power_on_hours_high = 1;
        cfg.smart.temperature_k = 0; /* not reported */
        struct nvme_case k;
        struct purge_caps c;

        nvme_open(&k, cfg, false);
        assert_int_equal(nvme_purge_probe(&k.t, 1, &c), 0);
        assert_true(c.health.power_on_hours == UINT64_MAX);
        assert_non_null(strstr(c.health.note, "exceeds 64 bits"));
        assert_false(c.health.has_temperature);
        k.f = fake_nvme_free(k.f);

        /* Identify Namespace of a namespace that does not exist fails the probe */
        nvme_open(&k, cfg, false);
        assert_int_equal(nvme_purge_probe(&k.t, 2, &c), -EREMOTEIO);
        k.f = fake_nvme_free(k.f);
}

/* ---- Sanitize -------------------------------------------------------------------------------------- */

static void test_nvme_sanitize_kinds(void **state)
{
        (void)state;
        static const struct {
                enum purge_method method;
                uint32_t cdw10;
                const char *command;
        } kinds[] = {
                /* SANACT 2:0, AUSE bit 3, OWPASS 7:4, NDAS bit 9 (0) */
                { PURGE_SANITIZE_CRYPTO, 4 | CDW10_AUSE,
                  "NVMe Sanitize (84h) crypto erase, CDW10 0x0000000c" },
                { PURGE_SANITIZE_BLOCK, 2 | CDW10_AUSE,
                  "NVMe Sanitize (84h) block erase, CDW10 0x0000000a" },
                { PURGE_SANITIZE_OVERWRITE, 3 | CDW10_AUSE | 1u << 4,
                  "NVMe Sanitize (84h) overwrite, 1 pass, CDW10 0x0000001b, OVRPAT 0x11223344" },
        };
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
                struct nvme_case k;
                nvme_open(&k, nvme_full(), true);
                k.o.overwrite_pattern = 0x11223344u;

                assert_int_equal(nvme_run(&k, kinds[i].method), 0);
                const struct purge_report *rep = &k.rep;
                assert_int_equal(rep->error, 0);
                assert_true(rep->is_completed);
                assert_false(rep->is_resumed);
                assert_int_equal(rep->method, kinds[i].method);
                assert_string_equal(rep->command, kinds[i].command);
                assert_non_null(
                        strstr(rep->device_status, "Sanitize Status log: SSTAT completed, SPROG 65535"));
                assert_non_null(strstr(rep->device_status, "global data erased"));
                assert_non_null(strstr(rep->warnings, "power cycle"));
                assert_non_null(strstr(rep->warnings, "every namespace"));
                assert_true(rep->started_ns > 0 && rep->ended_ns >= rep->started_ns);

                /* progress from SPROG: 0, 1/4, 2/4, 3/4 of 65536 */
                assert_int_equal(k.p.calls, 4);
                assert_true(k.p.is_monotonic);
                assert_int_equal(k.p.last, 3 * 65536 / 4);

                const struct fake_nvme_counts *n = fake_nvme_counts(k.f);
                assert_int_equal(n->sanitize, 1);
                assert_int_equal(n->last_sanitize_cdw10, kinds[i].cdw10);
                assert_int_equal(n->last_sanitize_cdw11,
                                 kinds[i].method == PURGE_SANITIZE_OVERWRITE ? 0x11223344u : 0);
                assert_int_equal(n->format, 0);
                if (kinds[i].method == PURGE_SANITIZE_CRYPTO)
                        assert_true(medium_is_random(&k.cfg.medium));
                else if (kinds[i].method == PURGE_SANITIZE_BLOCK)
                        assert_true(medium_is_pattern(&k.cfg.medium, 0));
                else
                        assert_true(medium_is_pattern(&k.cfg.medium, 0x11223344u));
                nvme_close(&k);
        }
}

/* A sanitize of the same kind already running is followed and counted instead of a new one. */
static void test_nvme_sanitize_running_resumed(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.initial_sstat = NVME_SANITIZE_IN_PROGRESS;
        cfg.initial_scdw10 = 4 | CDW10_AUSE;
        cfg.initial_polls = 3;
        struct nvme_case k;
        nvme_open(&k, cfg, true);

        assert_int_equal(nvme_run(&k, PURGE_SANITIZE_CRYPTO), 0);
        assert_true(k.caps.is_sanitize_running);
        assert_true(k.rep.is_completed);
        assert_true(k.rep.is_resumed);
        assert_int_equal(fake_nvme_counts(k.f)->sanitize, 0); /* none sent */
        assert_non_null(strstr(k.rep.command, "was followed"));
        assert_true(k.p.calls >= 1);
        assert_true(medium_is_random(&k.cfg.medium));
        nvme_close(&k);
}

/* A running sanitize of another kind is followed to its end, then kesu's is sent. */
static void test_nvme_sanitize_running_other(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.initial_sstat = NVME_SANITIZE_IN_PROGRESS;
        cfg.initial_scdw10 = 2; /* block erase, AUSE 0 */
        cfg.initial_polls = 2;
        struct nvme_case k;
        nvme_open(&k, cfg, true);

        assert_int_equal(nvme_run(&k, PURGE_SANITIZE_CRYPTO), 0);
        assert_true(k.rep.is_completed);
        assert_false(k.rep.is_resumed);
        assert_int_equal(fake_nvme_counts(k.f)->sanitize_action[4], 1);
        assert_int_equal(fake_nvme_counts(k.f)->sanitize_started, 1);
        assert_non_null(strstr(k.rep.device_status, "a running sanitize (SCDW10 0x00000002) was followed"));
        assert_true(medium_is_random(&k.cfg.medium));
        nvme_close(&k);
}

/* Another host starts a sanitize between kesu's log read and its command: Sanitize In Progress
 * (1Dh, DNR) — kesu follows it, then sends its own once more; of the same kind it counts it. */
static void test_nvme_sanitize_in_progress_status(void **state)
{
        (void)state;
        for (int same = 0; same < 2; same++) {
                struct fake_nvme_config cfg = nvme_full();
                cfg.race_scdw10 = same ? 4 | CDW10_AUSE : 2 | CDW10_AUSE;
                cfg.race_polls = 2;
                struct nvme_case k;
                nvme_open(&k, cfg, true);

                assert_int_equal(nvme_run(&k, PURGE_SANITIZE_CRYPTO), 0);
                assert_true(k.rep.is_completed);
                const struct fake_nvme_counts *n = fake_nvme_counts(k.f);
                if (same) {
                        assert_true(k.rep.is_resumed);
                        assert_int_equal(n->sanitize, 1); /* the one answered 1Dh */
                } else {
                        assert_false(k.rep.is_resumed);
                        assert_int_equal(n->sanitize, 2);
                        assert_non_null(strstr(k.rep.device_status, "Sanitize In Progress answered"));
                }
                assert_true(medium_is_random(&k.cfg.medium));
                nvme_close(&k);
        }
}

/* The last sanitize failed: Exit Failure Mode first (AUSE=1 failure), or — restricted, AUSE=0 — its
 * refusal noted and a new sanitize sent, which ends the failure either way. */
static void test_nvme_sanitize_failed_exit(void **state)
{
        (void)state;
        for (int restricted = 0; restricted < 2; restricted++) {
                struct fake_nvme_config cfg = nvme_full();
                cfg.initial_sstat = NVME_SANITIZE_FAILED;
                cfg.initial_scdw10 = restricted ? 2 : 2 | CDW10_AUSE;
                struct nvme_case k;
                nvme_open(&k, cfg, true);

                assert_int_equal(nvme_run(&k, PURGE_SANITIZE_BLOCK), 0);
                assert_true(k.caps.is_sanitize_failed);
                assert_true(k.rep.is_completed);
                const struct fake_nvme_counts *n = fake_nvme_counts(k.f);
                assert_int_equal(n->sanitize_action[1], 1); /* exit failure mode */
                assert_int_equal(n->sanitize_action[2], 1);
                assert_non_null(
                        strstr(k.rep.command, "exit failure mode, then NVMe Sanitize (84h) block erase"));
                assert_non_null(
                        strstr(k.rep.device_status, restricted ? "Sanitize Failed" : "failure mode exited"));
                assert_false(fake_nvme_is_failure_mode(k.f));
                assert_true(medium_is_pattern(&k.cfg.medium, 0));
                nvme_close(&k);
        }
}

static void test_nvme_sanitize_fails(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.is_sanitize_failing = true;
        struct nvme_case k;
        nvme_open(&k, cfg, true);

        assert_int_equal(nvme_run(&k, PURGE_SANITIZE_OVERWRITE), PURGE_ERR_FAILED);
        assert_false(k.rep.is_completed);
        assert_non_null(strstr(k.rep.device_status, "SSTAT failed"));
        assert_true(fake_nvme_is_failure_mode(k.f));
        /* the next probe sees it */
        assert_int_equal(nvme_purge_probe(&k.t, 1, &k.caps), 0);
        assert_true(k.caps.is_sanitize_failed);
        assert_true(medium_is_old(&k.cfg.medium));
        nvme_close(&k);
}

/* Lying controllers: the log never moves (never sanitized; an old completed sanitize of another kind;
 * the same kind) — not done. One that writes "completed" with the right SCDW10 and erases nothing
 * cannot be caught by its status: the engine counts it, the content proof must not. */
static void test_nvme_sanitize_stale_log(void **state)
{
        (void)state;
        static const struct {
                enum fake_nvme_lie lie;
                unsigned sstat;
                uint32_t scdw10;
                int expect;
                const char *text;
        } cases[] = {
                { FAKE_NVME_LIE_LOG_UNCHANGED, NVME_SANITIZE_NEVER, 0, PURGE_ERR_NOT_DONE, "does not show" },
                { FAKE_NVME_LIE_LOG_UNCHANGED, NVME_SANITIZE_COMPLETED, 2 | CDW10_AUSE, PURGE_ERR_NOT_DONE,
                  "SCDW10 0x0000000a (sent 0x0000000c)" },
                { FAKE_NVME_LIE_LOG_UNCHANGED, NVME_SANITIZE_COMPLETED, 4 | CDW10_AUSE, PURGE_ERR_NOT_DONE,
                  "did not change" },
                { FAKE_NVME_LIE_LOG_COMPLETED, NVME_SANITIZE_NEVER, 0, 0, NULL },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct fake_nvme_config cfg = nvme_full();
                cfg.lie = cases[i].lie;
                cfg.initial_sstat = cases[i].sstat;
                cfg.initial_scdw10 = cases[i].scdw10;
                struct nvme_case k;
                nvme_open(&k, cfg, true);

                assert_int_equal(nvme_run(&k, PURGE_SANITIZE_CRYPTO), cases[i].expect);
                assert_int_equal(fake_nvme_counts(k.f)->sanitize, 1);
                if (cases[i].text) {
                        assert_false(k.rep.is_completed);
                        assert_non_null(strstr(k.rep.error_text, cases[i].text));
                } else
                        assert_true(k.rep.is_completed);
                assert_true(medium_is_old(&k.cfg.medium)); /* nothing was erased in any case */
                nvme_close(&k);
        }
}

static void test_nvme_sanitize_interrupted(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.sanitize_polls = 1000;
        struct nvme_case k;
        nvme_open(&k, cfg, false);
        stop_after(&k.p, &k.o, 3);

        assert_int_equal(nvme_run(&k, PURGE_SANITIZE_BLOCK), PURGE_ERR_INTERRUPTED);
        assert_false(k.rep.is_completed);
        assert_int_equal(k.p.calls, 3);
        assert_non_null(strstr(k.rep.error_text, "goes on"));
        assert_non_null(strstr(k.rep.device_status, "SSTAT in progress"));
        unsigned sstat;
        fake_nvme_sanitize_state(k.f, &sstat, NULL, NULL);
        assert_int_equal(sstat, NVME_SANITIZE_IN_PROGRESS);
        nvme_close(&k);
}

/* ---- Format NVM ------------------------------------------------------------------------------------ */

static void test_nvme_format_user_data(void **state)
{
        (void)state;
        for (uint8_t lbaf = 0; lbaf < 2; lbaf++) {
                struct fake_nvme_config cfg = nvme_full();
                cfg.fna = 0;
                cfg.lba_format_index = lbaf;
                struct nvme_case k;
                nvme_open(&k, cfg, true);

                assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT), 0);
                assert_true(k.rep.is_completed);
                const struct fake_nvme_counts *n = fake_nvme_counts(k.f);
                assert_int_equal(n->format, 1);
                assert_int_equal(n->format_ses[1], 1);
                assert_int_equal(n->last_format_nsid, 1);
                /* LBAF 3:0 kept, MSET/PI/PIL 0, SES 11:9 = 1 */
                assert_int_equal(n->last_format_cdw10, lbaf | 1u << 9);
                assert_int_equal(fake_nvme_lba_format(k.f), lbaf);
                char expect[128];
                snprintf(expect, sizeof expect,
                         "NVMe Format NVM (80h) SES=1 user data erase, NSID 1, CDW10 0x%08x",
                         lbaf | 1u << 9);
                assert_string_equal(k.rep.command, expect);
                assert_non_null(strstr(k.rep.device_status, "Format NVM: Successful Completion"));
                assert_non_null(strstr(k.rep.device_status, "(kept)"));
                assert_non_null(strstr(k.rep.device_status, lbaf ? "4096-byte" : "512-byte"));
                assert_true(medium_is_pattern(&k.cfg.medium, 0));
                assert_int_equal(k.p.calls, 0); /* a foreground command reports no progress */
                nvme_close(&k);
        }
}

/* QEMU 7.2 reports FNA 0 but would accept SES 2 (and only zero): kesu must refuse it from FNA, and
 * send no Format NVM at all — even when the caps handed in claim it. */
static void test_nvme_format_crypto_refused(void **state)
{
        (void)state;
        struct nvme_case k;
        nvme_open(&k, nvme_qemu_like(), true);

        assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT_CRYPTO), PURGE_ERR_UNSUPPORTED);
        assert_false(k.rep.is_completed);
        assert_non_null(strstr(k.rep.error_text, "FNA bit 2"));
        assert_int_equal(fake_nvme_counts(k.f)->format, 0);

        /* forged caps: the engine asks the controller again */
        k.caps.supported |= 1u << PURGE_NVME_FORMAT_CRYPTO;
        k.caps.why_not[PURGE_NVME_FORMAT_CRYPTO] = NULL;
        assert_int_equal(nvme_purge_run(&k.t, PURGE_NVME_FORMAT_CRYPTO, &k.caps, &k.o, &k.rep),
                         PURGE_ERR_UNSUPPORTED);
        assert_non_null(strstr(k.rep.error_text, "FNA bit 2"));
        assert_int_equal(fake_nvme_counts(k.f)->format, 0);
        assert_true(medium_is_old(&k.cfg.medium));
        nvme_close(&k);
}

static void test_nvme_format_crypto(void **state)
{
        (void)state;
        struct nvme_case k;
        nvme_open(&k, nvme_full(), true);

        assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT_CRYPTO), 0);
        assert_true(k.rep.is_completed);
        assert_int_equal(fake_nvme_counts(k.f)->format_ses[2], 1);
        assert_int_equal(fake_nvme_counts(k.f)->last_format_cdw10, 2u << 9);
        assert_non_null(strstr(k.rep.command, "SES=2 cryptographic erase"));
        assert_true(medium_is_random(&k.cfg.medium));
        nvme_close(&k);
}

static void test_nvme_format_bad_nsid(void **state)
{
        (void)state;
        struct nvme_case k;
        nvme_open(&k, nvme_full(), false);

        k.o.nsid = 0;
        assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT), -EINVAL);
        k.o.nsid = NVME_NSID_ALL;
        assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT), -EINVAL);
        assert_int_equal(fake_nvme_counts(k.f)->format, 0);
        nvme_close(&k);
}

/* ---- both ------------------------------------------------------------------------------------------ */

static void test_nvme_refused(void **state)
{
        (void)state;
        struct fake_nvme_config cfg = nvme_full();
        cfg.refuse_status = 0x4286; /* Access Denied (SCT 2h, SC 86h), DNR */
        struct nvme_case k;
        nvme_open(&k, cfg, false);

        assert_int_equal(nvme_run(&k, PURGE_SANITIZE_CRYPTO), PURGE_ERR_REFUSED);
        assert_string_equal(k.rep.error_text,
                            "Sanitize: NVMe status 286h (SCT 2, SC 86h) Access Denied, DNR: do "
                            "not retry");
        assert_int_equal(nvme_run(&k, PURGE_NVME_FORMAT), PURGE_ERR_REFUSED);
        assert_non_null(strstr(k.rep.error_text, "Format NVM: NVMe status 286h"));
        assert_false(k.rep.is_completed);
        nvme_close(&k);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nvme_probe),
                cmocka_unit_test(test_nvme_probe_qemu),
                cmocka_unit_test(test_nvme_probe_smart_saturated),
                cmocka_unit_test(test_nvme_sanitize_kinds),
                cmocka_unit_test(test_nvme_format_user_data),
                cmocka_unit_test(test_nvme_format_crypto_refused),
                cmocka_unit_test(test_nvme_format_crypto),
                cmocka_unit_test(test_nvme_format_bad_nsid),
                cmocka_unit_test(test_nvme_sanitize_running_resumed),
                cmocka_unit_test(test_nvme_sanitize_running_other),
                cmocka_unit_test(test_nvme_sanitize_in_progress_status),
                cmocka_unit_test(test_nvme_sanitize_failed_exit),
                cmocka_unit_test(test_nvme_sanitize_fails),
                cmocka_unit_test(test_nvme_sanitize_stale_log),
                cmocka_unit_test(test_nvme_sanitize_interrupted),
                cmocka_unit_test(test_nvme_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
