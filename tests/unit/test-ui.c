/* SPDX-License-Identifier: MIT */
/* ui: the `kesu list --json` schema of a disk, byte sizes, error texts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ui.h"

static struct disk_content_entry entries[] = {
        { .number = 1,
          .offset_bytes = 1048576,
          .size_bytes = 33554432,
          .part_type = "0fc63daf-8483-4772-8e79-3d69d8477de4",
          .part_name = "data",
          .part_uuid = "6a5c4e0b-0d6f-4bb4-9d38-7f3e2c3b9a01",
          .fs_type = "ext4",
          .fs_label = "Accounting",
          .fs_uuid = "2f9b6f0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b" },
        { .number = 2,
          .offset_bytes = 34603008,
          .size_bytes = 16777216,
          .part_type = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
          .fs_type = "vfat",
          .fs_label = "\x91\x8d\x96\xb1" /* "総務" in CP932: not UTF-8 */ },
};

static struct disk_info sample_disk(void)
{
        struct disk_info d = {
                .identity = {
                        .path = "/dev/sdb", .name = "sdb", .by_id = "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_S3Z9",
                        .model = "Samsung SSD 860 EVO 2TB", .serial = "S3Z9NB0K123456X", .wwn = "0x5002538e40001234",
                        .size_bytes = 2000398934016ull, .logical_sector_bytes = 512, .physical_sector_bytes = 4096,
                        .transport = DISK_TRANSPORT_SATA, .rotational = TRISTATE_NO, .removable = TRISTATE_UNKNOWN,
                        .capabilities = DISK_CAP_ATA_SECURITY_ERASE | DISK_CAP_ATA_SANITIZE_CRYPTO,
                        .ata_security_frozen = TRISTATE_YES, .is_block_device = true,
                },
                .content = { .table_type = "gpt", .table_uuid = "c2a1f7e0-1111-2222-3333-444455556666",
                             .entries = entries, .n_entries = 2 },
                .protection = { .is_protected = true, .reason = "/dev/sdb1 is mounted at /data" },
        };
        return d;
}

static void test_disk_json(void **state)
{
        (void)state;
        struct disk_info d = sample_disk();
        json_t *o = ui_disk_to_json(&d);
        assert_non_null(o);

        assert_string_equal(json_string_value(json_object_get(o, "path")), "/dev/sdb");
        assert_string_equal(json_string_value(json_object_get(o, "by_id")),
                            "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_S3Z9");
        assert_true(json_is_null(json_object_get(o, "vendor")));
        assert_string_equal(json_string_value(json_object_get(o, "model")), "Samsung SSD 860 EVO 2TB");
        assert_string_equal(json_string_value(json_object_get(o, "serial")), "S3Z9NB0K123456X");
        assert_string_equal(json_string_value(json_object_get(o, "wwn")), "0x5002538e40001234");
        assert_true(json_integer_value(json_object_get(o, "size_bytes")) == 2000398934016ll);
        assert_int_equal(json_integer_value(json_object_get(o, "logical_sector_bytes")), 512);
        assert_int_equal(json_integer_value(json_object_get(o, "physical_sector_bytes")), 4096);
        assert_string_equal(json_string_value(json_object_get(o, "transport")), "sata");
        assert_true(json_is_false(json_object_get(o, "rotational")));
        assert_true(json_is_null(json_object_get(o, "removable")));
        assert_true(json_is_true(json_object_get(o, "ata_security_frozen")));
        assert_true(json_is_true(json_object_get(o, "protected")));
        assert_string_equal(json_string_value(json_object_get(o, "protected_reason")),
                            "/dev/sdb1 is mounted at /data");
        assert_string_equal(json_string_value(json_object_get(o, "partition_table")), "gpt");

        json_t *caps = json_object_get(o, "capabilities");
        assert_int_equal(json_array_size(caps), 2);
        assert_string_equal(json_string_value(json_array_get(caps, 0)), "ata-security-erase");
        assert_string_equal(json_string_value(json_array_get(caps, 1)), "ata-sanitize-crypto");

        json_t *content = json_object_get(o, "content");
        assert_int_equal(json_array_size(content), 2);
        json_t *p1 = json_array_get(content, 0);
        assert_int_equal(json_integer_value(json_object_get(p1, "number")), 1);
        assert_int_equal(json_integer_value(json_object_get(p1, "offset_bytes")), 1048576);
        assert_int_equal(json_integer_value(json_object_get(p1, "size_bytes")), 33554432);
        assert_string_equal(json_string_value(json_object_get(p1, "fs_type")), "ext4");
        assert_string_equal(json_string_value(json_object_get(p1, "label")), "Accounting");
        assert_string_equal(json_string_value(json_object_get(p1, "part_name")), "data");
        json_t *p2 = json_array_get(content, 1);
        assert_true(json_is_null(json_object_get(p2, "part_name")));
        /* a CP932 label must not break the JSON: each foreign byte becomes U+FFFD */
        assert_string_equal(json_string_value(json_object_get(p2, "label")),
                            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");

        /* the whole thing serialises */
        char *text = json_dumps(o, JSON_COMPACT);
        assert_non_null(text);
        json_error_t err;
        json_t *back = json_loads(text, 0, &err);
        assert_non_null(back);
        assert_true(json_equal(o, back));
        json_decref(back);
        free(text);
        json_decref(o);
}

static void test_disk_json_unprotected_blank(void **state)
{
        (void)state;
        struct disk_info d = { .identity = { .path = "/tmp/disk.img",
                                             .size_bytes = 4096,
                                             .logical_sector_bytes = 512,
                                             .physical_sector_bytes = 4096,
                                             .transport = DISK_TRANSPORT_FILE,
                                             .rotational = TRISTATE_UNKNOWN,
                                             .removable = TRISTATE_UNKNOWN,
                                             .ata_security_frozen = TRISTATE_UNKNOWN } };
        json_t *o = ui_disk_to_json(&d);
        assert_non_null(o);
        assert_true(json_is_false(json_object_get(o, "protected")));
        assert_true(json_is_null(json_object_get(o, "protected_reason")));
        assert_true(json_is_null(json_object_get(o, "partition_table")));
        assert_int_equal(json_array_size(json_object_get(o, "content")), 0);
        assert_true(json_is_null(json_object_get(o, "serial")));
        assert_true(json_is_null(json_object_get(o, "rotational")));
        assert_string_equal(json_string_value(json_object_get(o, "transport")), "file");
        json_decref(o);
}

static void test_format_bytes(void **state)
{
        (void)state;
        char buf[32];
        assert_string_equal(ui_format_bytes(0, buf, sizeof buf), "0 B");
        assert_string_equal(ui_format_bytes(1023, buf, sizeof buf), "1023 B");
        assert_string_equal(ui_format_bytes(64ull << 20, buf, sizeof buf), "64.0 MiB");
        assert_string_equal(ui_format_bytes(3ull << 29, buf, sizeof buf), "1.5 GiB");
        assert_string_equal(ui_format_bytes(256ull << 30, buf, sizeof buf), "256.0 GiB");
}

static void test_target_errors(void **state)
{
        (void)state;
        assert_string_equal(ui_target_error(-EMEDIUMTYPE), "is a partition; kesu works on whole disks");
        assert_string_equal(ui_target_error(-ENOTBLK), "not a block device or regular file");
        assert_non_null(strstr(ui_target_error(-ENOMEDIUM), "size 0"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_disk_json),
                cmocka_unit_test(test_disk_json_unprotected_blank),
                cmocka_unit_test(test_format_bytes),
                cmocka_unit_test(test_target_errors),
        };
        return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
