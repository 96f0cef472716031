/* SPDX-License-Identifier: MIT */
/* ui: the `kesu list --json` schema of a disk, byte sizes, error texts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
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

/* Waits on the session's descriptor, as a front end does, for the next event. */
static struct session_event next_event(struct session *s)
{
        struct session_event ev;
        for (int tries = 0; tries < 600; tries++) {
                if (session_next_event(s, &ev) == 0)
                        return ev;
                struct pollfd p = { .fd = session_event_fd(s), .events = POLLIN };
                assert_true(p.fd >= 0);
                (void)poll(&p, 1, 100);
        }
        fail_msg("no event from the session within 60 s");
        return ev;
}

/* A real session over two image files (no certificates): the event descriptor tells each job's
 * end once, progress is there, and the verdict is PASS with the files zeroed. */
static void test_session_events(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-session.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char a[64], b[64];
        snprintf(a, sizeof a, "%s/a.img", dir);
        snprintf(b, sizeof b, "%s/b.img", dir);
        for (const char *f = a; f; f = f == a ? b : NULL) {
                FILE *fp = fopen(f, "w");
                assert_non_null(fp);
                for (int i = 0; i < 4096; i++)
                        fputs("SECRETDATA-1234-", fp); /* 64 KiB of something to erase */
                fclose(fp);
                assert_int_equal(truncate(f, 2 << 20), 0);
        }
        char *paths[] = { a, b, NULL };
        struct disk_info *disks = NULL;
        size_t n = 0;
        assert_int_equal(ui_describe_targets(paths, &disks, &n), 0);
        assert_int_equal(n, 2);

        struct session_options o = { .method_spec = "zero", .verify_mode = "full" };
        struct session *s = NULL;
        assert_int_equal(session_open(&o, &s), 0);
        struct session_refusal refusal;
        assert_int_equal(session_plan(s, disks, n, NULL, &refusal), 0);
        struct session_event ev;
        assert_int_equal(session_next_event(s, &ev), -EAGAIN); /* nothing runs yet */
        assert_int_equal(session_start(s, &refusal), 0);
        assert_int_equal(session_n_started(s), 2);
        bool is_wiped[2] = { false, false };
        for (int k = 0; k < 2; k++) {
                ev = next_event(s);
                assert_int_equal(ev.kind, SESSION_EVENT_WIPE_DONE);
                assert_true(ev.target < 2 && !is_wiped[ev.target]);
                is_wiped[ev.target] = true;
        }
        assert_int_equal(session_next_event(s, &ev), -EAGAIN); /* each end is told once */
        struct session_progress p;
        assert_int_equal(session_progress(s, 0, &p), 0);
        assert_true(p.is_done && !p.is_verifying && p.bytes_done == p.bytes_total && p.bytes_total == 2 << 20);
        assert_int_equal(session_verify(s), 0);
        bool is_verified[2] = { false, false };
        for (int k = 0; k < 2; k++) {
                ev = next_event(s);
                assert_int_equal(ev.kind, SESSION_EVENT_VERIFY_DONE);
                assert_true(ev.target < 2 && !is_verified[ev.target]);
                is_verified[ev.target] = true;
        }
        assert_int_equal(session_progress(s, 1, &p), 0);
        assert_true(p.is_verifying && p.is_done);
        for (size_t i = 0; i < 2; i++) {
                struct session_outcome oc;
                assert_int_equal(session_finish(s, i, &oc), 0);
                assert_true(oc.is_pass);
                assert_false(oc.is_certified);
                assert_non_null(oc.verify);
        }
        session_free(s);
        ui_disk_infos_free(disks, n);
        /* the files hold zeros now */
        FILE *fp = fopen(a, "r");
        assert_non_null(fp);
        int c, nonzero = 0;
        while ((c = fgetc(fp)) != EOF)
                nonzero += c != 0;
        fclose(fp);
        assert_int_equal(nonzero, 0);
        unlink(a);
        unlink(b);
        rmdir(dir);
}

/* Each target its own method in one session (the operator's screen's per-disk plans): one file
 * zeroed, the other filled with ones; an unknown method is refused naming its target. */
static void test_session_plan_targets(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-plan.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char a[64], b[64];
        snprintf(a, sizeof a, "%s/a.img", dir);
        snprintf(b, sizeof b, "%s/b.img", dir);
        assert_int_equal(close(open(a, O_CREAT | O_WRONLY, 0600)), 0);
        assert_int_equal(close(open(b, O_CREAT | O_WRONLY, 0600)), 0);
        assert_int_equal(truncate(a, 1 << 20), 0);
        assert_int_equal(truncate(b, 1 << 20), 0);
        char *paths[] = { a, b, NULL };
        struct disk_info *disks = NULL;
        size_t n = 0;
        assert_int_equal(ui_describe_targets(paths, &disks, &n), 0);
        struct session_options o = { .method_spec = "random", .verify_mode = "full" };
        struct session *s = NULL;
        struct session_refusal refusal;
        struct session_target_plan bad[2] = { { .method_spec = "zero" }, { .method_spec = "no-such-method" } };
        assert_int_equal(session_open(&o, &s), 0);
        assert_int_equal(session_plan_targets(s, disks, n, bad, &refusal), -EPERM);
        assert_int_equal(refusal.kind, SESSION_REFUSED_USAGE);
        assert_int_equal(refusal.target, 1);
        assert_non_null(strstr(refusal.message, "no-such-method"));
        session_free(s);

        struct session_target_plan plans[2] = { { .asset = "A1", .method_spec = "zero" },
                                                { .asset = "A2", .method_spec = "one" } };
        assert_int_equal(session_open(&o, &s), 0);
        assert_int_equal(session_plan_targets(s, disks, n, plans, &refusal), 0);
        assert_string_equal(session_target_method(s, 0)->name, "zero");
        assert_string_equal(session_target_method(s, 1)->name, "one");
        assert_int_equal(session_start(s, &refusal), 0);
        for (int k = 0; k < 2; k++)
                assert_int_equal(next_event(s).kind, SESSION_EVENT_WIPE_DONE);
        assert_int_equal(session_verify(s), 0);
        for (int k = 0; k < 2; k++)
                assert_int_equal(next_event(s).kind, SESSION_EVENT_VERIFY_DONE);
        for (size_t i = 0; i < 2; i++) {
                struct session_outcome oc;
                assert_int_equal(session_finish(s, i, &oc), 0);
                assert_true(oc.is_pass);
        }
        session_free(s);
        ui_disk_infos_free(disks, n);
        for (const char *f = a; f; f = f == a ? b : NULL) {
                FILE *fp = fopen(f, "r");
                assert_non_null(fp);
                int c, other = 0, expect = f == a ? 0x00 : 0xff;
                while ((c = fgetc(fp)) != EOF)
                        other += c != expect;
                fclose(fp);
                assert_int_equal(other, 0);
                unlink(f);
        }
        rmdir(dir);
}

/* The policy decides before a secret is asked for or a disk is opened. */
static void test_session_preflight(void **state)
{
        (void)state;
        struct session_options o = { .method_spec = "zero", .is_certify = true };
        o.ctx.class_label = "2";
        o.ctx.destination = "lease-return";
        struct session_refusal r;
        assert_int_equal(session_preflight(&o, &r), -EPERM);
        assert_int_equal(r.kind, SESSION_REFUSED_SAFETY);
        assert_non_null(strstr(r.message, "class 2 needs Purge"));
        o.ctx.class_label = "1";
        assert_int_equal(session_preflight(&o, &r), 0);
        o.ctx.class_label = "2";
        o.ctx.destination = "destruction"; /* Clear before physical destruction */
        assert_int_equal(session_preflight(&o, &r), 0);
        o.ctx.class_label = "9";
        assert_int_equal(session_preflight(&o, &r), -EPERM);
        assert_int_equal(r.kind, SESSION_REFUSED_USAGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_disk_json),
                cmocka_unit_test(test_disk_json_unprotected_blank),
                cmocka_unit_test(test_format_bytes),
                cmocka_unit_test(test_target_errors),
                cmocka_unit_test(test_session_events),
                cmocka_unit_test(test_session_preflight),
                cmocka_unit_test(test_session_plan_targets),
        };
        return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
