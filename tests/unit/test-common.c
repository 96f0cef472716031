/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common.h"

static void test_parse_u64(void **state)
{
        (void)state;
        uint64_t v = 7;
        assert_int_equal(parse_u64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_u64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(parse_u64("12a", &v), -EINVAL);
        assert_int_equal(parse_u64("-1", &v), -EINVAL);
        assert_int_equal(parse_u64("", &v), -EINVAL);
        assert_int_equal(parse_u64(" 1", &v), -EINVAL);
}

static void test_strip(void **state)
{
        (void)state;
        char s[] = "  QEMU HARDDISK   \n";
        assert_string_equal(strstrip(s), "QEMU HARDDISK");
        char *d = strdup_stripped_or_null("   ");
        assert_null(d);
        d = strdup_stripped_or_null(" x ");
        assert_string_equal(d, "x");
        free(d);
        assert_null(strdup_stripped_or_null(NULL));
}

static void test_udev_unescape(void **state)
{
        (void)state;
        char *s = udev_unescape("Samsung\\x20SSD\\x20860\\x20EVO\\x20\\x20");
        assert_string_equal(s, "Samsung SSD 860 EVO  ");
        free(s);
        s = udev_unescape("bad\\x2escape\\xZZ");
        assert_string_equal(s, "bad.scape\\xZZ");
        free(s);
}

static void test_streq_ptr(void **state)
{
        (void)state;
        assert_true(streq_ptr(NULL, NULL));
        assert_false(streq_ptr("a", NULL));
        assert_true(streq_ptr("abc", "abc"));
        assert_false(streq_ptr("abc", "abd"));
        assert_false(streq_ptr("ab", "abc"));
}

static void test_read_file(void **state)
{
        (void)state;
        char *s = NULL;
        assert_int_equal(read_one_line_file("/proc/sys/kernel/ostype", &s), 0);
        assert_string_equal(s, "Linux");
        free(s);
        assert_int_equal(read_one_line_file("/nonexistent/kesu", &s), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_u64),     cmocka_unit_test(test_strip),
                cmocka_unit_test(test_udev_unescape), cmocka_unit_test(test_streq_ptr),
                cmocka_unit_test(test_read_file),
        };
        return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
