/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void test_text_check(void **state)
{
        (void)state;
        size_t at = 99;
        assert_int_equal(text_check("山田 太郎", 64, NULL), 0);
        assert_int_equal(text_check("A-1|%", 64, NULL), 0);
        assert_int_equal(text_check("", 64, NULL), 0);
        /* not UTF-8: a lone continuation byte, a cut sequence, an overlong '/', a surrogate, > U+10FFFF */
        assert_int_equal(text_check("ab\x80", 64, &at), -EILSEQ);
        assert_int_equal(at, 2);
        assert_int_equal(text_check("\xe5\xb1", 64, NULL), -EILSEQ);
        assert_int_equal(text_check("\xc0\xaf", 64, NULL), -EILSEQ);
        assert_int_equal(text_check("\xed\xa0\x80", 64, NULL), -EILSEQ);
        assert_int_equal(text_check("\xf4\x90\x80\x80", 64, NULL), -EILSEQ);
        /* hidden: RLO, isolates, zero width, BOM, controls, C1, noncharacters, tags, private use */
        const char *hidden[] = { "SS\u202eAP", "\u2066x", "\u2069", "a\u200bb", "\u200f", "\ufeff", "a\nb",
                                 "\t",         "\x1b[2J", "\xc2\x85", "\uffff", "\ufdd0", "\U000E0041",
                                 "\ue000" };
        for (size_t i = 0; i < ELEMENTSOF(hidden); i++)
                assert_int_equal(text_check(hidden[i], 64, NULL), -EINVAL);
        assert_int_equal(text_check("SS\u202eAP", 64, &at), -EINVAL);
        assert_int_equal(at, 2);
        /* length in bytes, after the content check */
        assert_int_equal(text_check("abcd", 3, NULL), -E2BIG);
        assert_int_equal(text_check("abc", 3, NULL), 0);
}

static void test_text_escape_visible(void **state)
{
        (void)state;
        char *s = text_escape_visible("SS\u202eAP \xff model\n2");
        assert_string_equal(s, "SS<U+202E>AP \\xFF model\n2");
        free(s);
        s = text_escape_visible("千歳市\x1b");
        assert_string_equal(s, "千歳市<U+001B>");
        free(s);
        assert_null(text_escape_visible(NULL));
}

static void test_text_utf8_prefix(void **state)
{
        (void)state;
        assert_int_equal(text_utf8_prefix("abcdef", 4), 4);
        assert_int_equal(text_utf8_prefix("ab", 4), 2);
        /* 山 is 3 bytes: never cut in two */
        assert_int_equal(text_utf8_prefix("a山b", 3), 1);
        assert_int_equal(text_utf8_prefix("a山b", 4), 4);
}

static void test_read_secret_file(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-secret.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[64];
        snprintf(path, sizeof path, "%s/fifo", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        char *s = NULL;
        size_t n;
        int64_t t0 = now_monotonic_ns();
        /* no writer ever: a clear time-out, not a hang */
        assert_int_equal(read_secret_file(path, 1024, 300, &s, &n), -ETIMEDOUT);
        assert_true(now_monotonic_ns() - t0 < 5000000000LL);
        assert_null(s);
        unlink(path);
        snprintf(path, sizeof path, "%s/file", dir);
        FILE *f = fopen(path, "w");
        fputs("secret\nline2\n", f);
        fclose(f);
        assert_int_equal(read_secret_file(path, 1024, 300, &s, &n), 0);
        assert_int_equal(n, 13);
        assert_string_equal(s, "secret\nline2\n");
        free(s);
        assert_int_equal(read_secret_file(path, 4, 300, &s, &n), -EFBIG);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_u64),     cmocka_unit_test(test_strip),
                cmocka_unit_test(test_udev_unescape), cmocka_unit_test(test_streq_ptr),
                cmocka_unit_test(test_read_file),     cmocka_unit_test(test_text_check),
                cmocka_unit_test(test_text_escape_visible), cmocka_unit_test(test_text_utf8_prefix),
                cmocka_unit_test(test_read_secret_file),
        };
        return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
