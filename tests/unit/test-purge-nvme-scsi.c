/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "purge.h"

static void test_placeholder(void **state)
{
        (void)state;
        fail_msg("not written yet");
}

int main(void)
{
        const struct CMUnitTest tests[] = { cmocka_unit_test(test_placeholder) };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
