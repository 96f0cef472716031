/* SPDX-License-Identifier: MIT */
/* The purge method table and dispatch (wiper/device/purge.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "purge.h"

static void test_table(void **state)
{
        (void)state;
        size_t n = 0;
        for (const struct purge_method_info *m; (m = purge_method_info_at(n)); n++) {
                assert_ptr_equal(purge_method_info(m->method), m);
                assert_ptr_equal(purge_method_info_by_name(m->name), m);
                /* only the sanitize commands and the TCG crypto erase reach Purge under both standards */
                bool is_purge = strncmp(m->name, "sanitize-", 9) == 0 || strncmp(m->name, "tcg-", 4) == 0;
                assert_string_equal(m->level, is_purge ? "Purge" : "Clear");
                assert_int_equal(purge_method_is_tcg(m->method), strncmp(m->name, "tcg-", 4) == 0);
                assert_non_null(strstr(m->standard, "IEEE 2883"));
        }
        assert_int_equal(n, _PURGE_METHOD_MAX - 1);
        assert_null(purge_method_info_by_name("zero"));
        assert_null(purge_method_info_by_name("purge"));
}

static void test_pick(void **state)
{
        (void)state;
        struct purge_caps c = { .family = PURGE_FAMILY_ATA };
        assert_int_equal(purge_pick_strongest(&c), PURGE_METHOD_NONE);
        c.supported = 1u << PURGE_SECURE_ERASE | 1u << PURGE_SANITIZE_BLOCK | 1u << PURGE_SECURE_ERASE_ENHANCED;
        assert_int_equal(purge_pick_strongest(&c), PURGE_SANITIZE_BLOCK);
        c.supported |= 1u << PURGE_SANITIZE_CRYPTO;
        assert_int_equal(purge_pick_strongest(&c), PURGE_SANITIZE_CRYPTO);
        c.supported = 1u << PURGE_SECURE_ERASE;
        assert_int_equal(purge_pick_strongest(&c), PURGE_SECURE_ERASE);
        /* a TCG revert needs a secret: "purge" never picks it, however strong */
        c.supported = 1u << PURGE_TCG_PSID_REVERT | 1u << PURGE_TCG_REVERT;
        assert_int_equal(purge_pick_strongest(&c), PURGE_METHOD_NONE);
        c.supported |= 1u << PURGE_NVME_FORMAT;
        assert_int_equal(purge_pick_strongest(&c), PURGE_NVME_FORMAT);
}

static void test_refuse_unsupported(void **state)
{
        (void)state;
        struct purge_caps c = { .family = PURGE_FAMILY_NVME, .supported = 1u << PURGE_NVME_FORMAT };
        c.why_not[PURGE_NVME_FORMAT_CRYPTO] = "FNA bit 2 is clear";
        struct purge_report rep;
        /* no transport at all: a refusal must not reach it */
        struct cmd_transport t = { 0 };
        assert_int_equal(purge_run(&t, PURGE_FAMILY_NVME, PURGE_NVME_FORMAT_CRYPTO, &c, NULL, &rep),
                         PURGE_ERR_UNSUPPORTED);
        assert_string_equal(rep.error_text, "FNA bit 2 is clear");
        assert_false(rep.is_completed);
        /* a family mismatch is refused as well */
        assert_int_equal(purge_run(&t, PURGE_FAMILY_ATA, PURGE_NVME_FORMAT, &c, NULL, &rep), PURGE_ERR_UNSUPPORTED);
}

static void test_family(void **state)
{
        (void)state;
        assert_int_equal(purge_family_for(DISK_TRANSPORT_SATA), PURGE_FAMILY_ATA);
        assert_int_equal(purge_family_for(DISK_TRANSPORT_NVME), PURGE_FAMILY_NVME);
        assert_int_equal(purge_family_for(DISK_TRANSPORT_SCSI), PURGE_FAMILY_SCSI);
        assert_int_equal(purge_family_for(DISK_TRANSPORT_VIRTIO), PURGE_FAMILY_NONE);
        assert_int_equal(purge_family_for(DISK_TRANSPORT_LOOP), PURGE_FAMILY_NONE);
        assert_non_null(strstr(purge_error_to_string(PURGE_ERR_FROZEN), "suspend"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_pick),
                cmocka_unit_test(test_refuse_unsupported),
                cmocka_unit_test(test_family),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
