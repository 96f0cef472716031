/* SPDX-License-Identifier: MIT */
/*
 * ui/session policy: the default table exhaustively (every class × destination × method, the
 * expectations computed here from the guideline, not by the code under test), the method → level
 * table, the parser and its errors, and an administrator's file overriding the default.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "policy.h"
#include "purge.h"
#include "wiper.h"

/* ---- what the guideline and the standards say, written out independently ---------------------- */

static const char *const all_classes[] = { "1", "2", "3", "3A", "3B", "3C", "mynumber" };
static const char *const all_destinations[] = { "internal-reuse", "external-reuse", "lease-return",
                                                "recycling", "destruction" };

/* Every --method name of DESIGN.md with the level expected of it, in the order the policy lists
 * them. is_overwrite: a host overwrite (else the drive's own command). */
static const struct {
        const char *spec;    /* what an operator passes */
        const char *display; /* how the policy names it */
        enum session_level level;
        bool is_overwrite;
} expected_methods[] = {
        { "zero", "zero", SESSION_LEVEL_CLEAR, true },
        { "one", "one", SESSION_LEVEL_CLEAR, true },
        { "random", "random", SESSION_LEVEL_CLEAR, true },
        { "dod3", "dod3", SESSION_LEVEL_CLEAR, true },
        { "dod7", "dod7", SESSION_LEVEL_CLEAR, true },
        { "hmgis5", "hmgis5", SESSION_LEVEL_CLEAR, true },
        { "ops2", "ops2", SESSION_LEVEL_CLEAR, true },
        { "bsi", "bsi", SESSION_LEVEL_CLEAR, true },
        { "gutmann", "gutmann", SESSION_LEVEL_CLEAR, true },
        { "passes:0x00,0xff,random", "passes:…", SESSION_LEVEL_CLEAR, true },
        { "purge", "purge", SESSION_LEVEL_PURGE, false },
        { "sanitize-crypto", "sanitize-crypto", SESSION_LEVEL_PURGE, false },
        { "sanitize-block", "sanitize-block", SESSION_LEVEL_PURGE, false },
        { "sanitize-overwrite", "sanitize-overwrite", SESSION_LEVEL_PURGE, false },
        { "secure-erase-enhanced", "secure-erase-enhanced", SESSION_LEVEL_CLEAR, false },
        { "secure-erase", "secure-erase", SESSION_LEVEL_CLEAR, false },
        { "nvme-format-crypto", "nvme-format-crypto", SESSION_LEVEL_CLEAR, false },
        { "nvme-format", "nvme-format", SESSION_LEVEL_CLEAR, false },
        { "scsi-format", "scsi-format", SESSION_LEVEL_CLEAR, false },
        { "tcg-revert", "tcg-revert", SESSION_LEVEL_PURGE, false },
        { "tcg-psid-revert", "tcg-psid-revert", SESSION_LEVEL_PURGE, false },
};

#define PURGE_METHODS                                                                                       \
        "purge, sanitize-crypto, sanitize-block, sanitize-overwrite, tcg-revert, tcg-psid-revert"

/* MIC guideline: My Number → destruction; before destruction Clear for every class; class 2 and
 * above → Purge; class 1 → Clear. */
static enum session_level guideline_required(const char *class_label, const char *destination)
{
        if (strcmp(class_label, "mynumber") == 0)
                return SESSION_LEVEL_DESTROY;
        if (strcmp(destination, "destruction") == 0)
                return SESSION_LEVEL_CLEAR;
        if (strcmp(class_label, "1") == 0)
                return SESSION_LEVEL_CLEAR;
        return SESSION_LEVEL_PURGE;
}

static const char *kind(size_t m)
{
        return expected_methods[m].is_overwrite ? "overwrite" : "drive command";
}

static const char *level_name(enum session_level l)
{
        switch (l) {
        case SESSION_LEVEL_NONE:
                return "none";
        case SESSION_LEVEL_CLEAR:
                return "Clear";
        case SESSION_LEVEL_PURGE:
                return "Purge";
        case SESSION_LEVEL_DESTROY:
                return "Destroy";
        }
        return "?";
}

/* ---- the default, exhaustively ----------------------------------------------------------------- */

static void check_default_decisions(const struct session_policy *p)
{
        size_t n_checked = 0, n_allowed = 0;
        for (size_t c = 0; c < ELEMENTSOF(all_classes); c++)
                for (size_t d = 0; d < ELEMENTSOF(all_destinations); d++)
                        for (size_t m = 0; m < ELEMENTSOF(expected_methods); m++) {
                                const char *cls = all_classes[c], *dst = all_destinations[d];
                                enum session_level required = guideline_required(cls, dst);
                                bool is_destruction = strcmp(dst, "destruction") == 0;
                                enum session_level must = required == SESSION_LEVEL_DESTROY && is_destruction
                                                                  ? SESSION_LEVEL_CLEAR
                                                                  : required;
                                bool is_allowed =
                                        must != SESSION_LEVEL_DESTROY && expected_methods[m].level >= must;
                                char reason[512] = "";
                                if (!is_allowed && must == SESSION_LEVEL_DESTROY)
                                        snprintf(reason, sizeof reason,
                                                 "class %s needs Destroy for %s; %s (%s) reaches %s; no "
                                                 "method "
                                                 "reaches Destroy: choose destination destruction (a Clear "
                                                 "pass, then physical destruction)",
                                                 cls, dst, expected_methods[m].display, kind(m),
                                                 level_name(expected_methods[m].level));
                                else if (!is_allowed)
                                        snprintf(reason, sizeof reason,
                                                 "class %s needs Purge for %s; %s (%s) reaches Clear; "
                                                 "use " PURGE_METHODS " (the drive's own commands)",
                                                 cls, dst, expected_methods[m].display, kind(m));

                                struct session_policy_decision dec;
                                assert_int_equal(
                                        session_policy_decide(p, cls, dst, expected_methods[m].spec, &dec),
                                        0);
                                if (dec.is_allowed != is_allowed || strcmp(dec.reason, reason) != 0)
                                        print_error("class %s to %s with %s: got %d '%s'\n", cls, dst,
                                                    expected_methods[m].spec, dec.is_allowed, dec.reason);
                                assert_int_equal(dec.required_level, required);
                                assert_int_equal(dec.method_must_reach, must);
                                assert_int_equal(dec.method_reaches, expected_methods[m].level);
                                assert_int_equal(dec.is_allowed, is_allowed);
                                assert_string_equal(dec.reason, reason);

                                /* The methods that would do: every one reaching `must`, in order. */
                                size_t k = 0;
                                for (size_t i = 0;
                                     must != SESSION_LEVEL_DESTROY && i < ELEMENTSOF(expected_methods); i++)
                                        if (expected_methods[i].level >= must) {
                                                assert_true(k < dec.n_allowed_methods);
                                                assert_string_equal(dec.allowed_methods[k],
                                                                    expected_methods[i].display);
                                                k++;
                                        }
                                assert_int_equal(dec.n_allowed_methods, k);
                                n_checked++;
                                n_allowed += is_allowed;
                        }
        assert_int_equal(n_checked, 7 * 5 * 21);
        /* 7 classes × destruction (21 each) + class 1 × 4 other destinations (21 each) + classes
         * 2..3C × 4 destinations × 6 Purge methods. */
        assert_int_equal(n_allowed, 7 * 21 + 4 * 21 + 5 * 4 * 6);
}

static void test_default_exhaustive(void **state)
{
        (void)state;
        _cleanup_session_policy_ struct session_policy *p = NULL;
        assert_int_equal(session_policy_default(&p), 0);
        assert_string_equal(session_policy_source(p), "built-in default");
        check_default_decisions(p);
}

/* The policy.conf shipped beside the code says exactly what the built-in default says. */
static void test_shipped_file_is_the_default(void **state)
{
        (void)state;
        /* meson compiles this file as ../tests/unit/… relative to the build directory, where tests run. */
        char path[4096];
        const char *here = __FILE__;
        const char *slash = strrchr(here, '/');
        assert_non_null(slash);
        snprintf(path, sizeof path, "%.*s/../../ui/session/policy.conf", (int)(slash - here), here);

        _cleanup_session_policy_ struct session_policy *p = NULL;
        struct session_policy_error e = { 0 };
        int r = session_policy_load(path, &p, &e);
        if (r < 0)
                print_error("%s: %d %s\n", path, r, e.message);
        assert_int_equal(r, 0);
        check_default_decisions(p);
}

/* ---- levels and methods -------------------------------------------------------------------------- */

static void test_levels(void **state)
{
        (void)state;
        assert_string_equal(session_level_to_string(SESSION_LEVEL_NONE), "none");
        assert_string_equal(session_level_to_string(SESSION_LEVEL_CLEAR), "Clear");
        assert_string_equal(session_level_to_string(SESSION_LEVEL_PURGE), "Purge");
        assert_string_equal(session_level_to_string(SESSION_LEVEL_DESTROY), "Destroy");
        assert_null(session_level_to_string((enum session_level)4));
        enum session_level l;
        assert_int_equal(session_level_from_string("purge", &l), 0);
        assert_int_equal(l, SESSION_LEVEL_PURGE);
        assert_int_equal(session_level_from_string("Purged", &l), -EINVAL);
        assert_true(session_level_meets(SESSION_LEVEL_PURGE, SESSION_LEVEL_CLEAR));
        assert_true(session_level_meets(SESSION_LEVEL_CLEAR, SESSION_LEVEL_CLEAR));
        assert_false(session_level_meets(SESSION_LEVEL_CLEAR, SESSION_LEVEL_PURGE));
        assert_false(session_level_meets(SESSION_LEVEL_NONE, SESSION_LEVEL_NONE));
        assert_false(session_level_meets(SESSION_LEVEL_PURGE, SESSION_LEVEL_DESTROY));
}

static void test_method_table(void **state)
{
        (void)state;
        enum session_level l;
        bool is_overwrite;
        /* The table is the list above, in that order, and nothing reaches Destroy. */
        size_t n = 0;
        for (const char *name; (name = session_method_name(n, &l, &is_overwrite)); n++) {
                assert_true(n < ELEMENTSOF(expected_methods));
                const char *want = expected_methods[n].spec;
                if (strncmp(want, "passes:", 7) == 0)
                        want = "passes";
                assert_string_equal(name, want);
                assert_int_equal(l, expected_methods[n].level);
                assert_int_equal(is_overwrite, expected_methods[n].is_overwrite);
        }
        assert_int_equal(n, ELEMENTSOF(expected_methods));
        for (size_t i = 0; i < ELEMENTSOF(expected_methods); i++) {
                assert_int_equal(session_method_level(expected_methods[i].spec, &l), 0);
                assert_int_equal(l, expected_methods[i].level);
        }
        /* Every method the wiper knows is in the table: overwrites reach Clear, purge commands the
         * level of the purge table (wiper/purge/purge.c) — the two tables must not drift apart. */
        for (size_t i = 0; wipe_method_name(i, NULL); i++) {
                struct wipe_method m;
                assert_int_equal(wipe_method_lookup(wipe_method_name(i, NULL), &m), 0);
                assert_int_equal(session_method_level(wipe_method_name(i, NULL), &l), 0);
                const struct purge_method_info *pi = purge_method_info_by_name(m.name);
                if (m.technique == WIPE_TECHNIQUE_OVERWRITE)
                        assert_int_equal(l, SESSION_LEVEL_CLEAR);
                else if (pi)
                        assert_string_equal(session_level_to_string(l), pi->level);
                else
                        assert_string_equal(m.name, "purge");
        }
        assert_int_equal(session_method_level("shred", &l), -ENOENT);
        assert_int_equal(session_method_level("passes", &l), -ENOENT);
        assert_int_equal(session_method_level("passes:0xZZ", &l), -EINVAL);
        assert_int_equal(session_method_level("passes:", &l), -EINVAL);
        assert_int_equal(session_method_level(NULL, &l), -EINVAL);
}

static void test_achieved_level(void **state)
{
        (void)state;
        enum session_level l = SESSION_LEVEL_DESTROY;
        for (size_t i = 0; i < ELEMENTSOF(expected_methods); i++) {
                int r = session_policy_achieved_level(expected_methods[i].spec, true, &l);
                if (strcmp(expected_methods[i].spec, "purge") == 0) {
                        assert_int_equal(r, -EINVAL); /* what the drive ran decides */
                        continue;
                }
                assert_int_equal(r, 0);
                assert_int_equal(l, expected_methods[i].level);
                assert_int_equal(session_policy_achieved_level(expected_methods[i].spec, false, &l), 0);
                assert_int_equal(l, SESSION_LEVEL_NONE);
        }
        l = SESSION_LEVEL_DESTROY;
        assert_int_equal(session_policy_achieved_level("nonsense", true, &l), -ENOENT);
        assert_int_equal(l, SESSION_LEVEL_DESTROY); /* untouched on failure */
}

static void test_decide_errors(void **state)
{
        (void)state;
        _cleanup_session_policy_ struct session_policy *p = NULL;
        assert_int_equal(session_policy_default(&p), 0);
        struct session_policy_decision d;
        assert_int_equal(session_policy_decide(p, "4", "recycling", "zero", &d), -EINVAL);
        assert_int_equal(session_policy_decide(p, "3a", "recycling", "zero", &d), -EINVAL);
        assert_int_equal(session_policy_decide(p, "2", "landfill", "zero", &d), -EINVAL);
        assert_int_equal(session_policy_decide(p, "2", "recycling", "shred", &d), -ENOENT);
        assert_int_equal(session_policy_decide(p, "2", "recycling", "passes:0xZZ", &d), -EINVAL);
        assert_int_equal(session_policy_decide(p, NULL, "recycling", "zero", &d), -EINVAL);
        assert_false(session_policy_class_is_valid("4"));
        assert_true(session_policy_class_is_valid("mynumber"));
        assert_false(session_policy_destination_is_valid("landfill"));
        assert_true(session_policy_destination_is_valid("lease-return"));
        for (size_t i = 0; i < ELEMENTSOF(all_classes); i++)
                assert_string_equal(session_policy_class_name(i), all_classes[i]);
        assert_null(session_policy_class_name(ELEMENTSOF(all_classes)));
        for (size_t i = 0; i < ELEMENTSOF(all_destinations); i++)
                assert_string_equal(session_policy_destination_name(i), all_destinations[i]);
        assert_null(session_policy_destination_name(ELEMENTSOF(all_destinations)));
}

/* ---- the parser ---------------------------------------------------------------------------------- */

static void test_parse_good(void **state)
{
        (void)state;
        /* Comments, blank lines, CR LF, any case, patterns, method lists, `passes`. */
        static const char text[] = "# a comment\r\n"
                                   "\n"
                                   "   \t  # indented comment\n"
                                   "1 *-reuse clear zero PASSES # trailing comment\r\n"
                                   "3? * DESTROY\n"
                                   "* destruction Clear random\n"
                                   "* * Purge any";
        _cleanup_session_policy_ struct session_policy *p = NULL;
        struct session_policy_error e = { 0 };
        int r = session_policy_parse(text, "test.conf", &p, &e);
        if (r < 0)
                print_error("%s\n", e.message);
        assert_int_equal(r, 0);
        assert_string_equal(session_policy_source(p), "test.conf");

        struct session_policy_decision d;
        assert_int_equal(session_policy_decide(p, "1", "external-reuse", "passes:zero,random", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.rule_line, 4);
        assert_int_equal(d.n_allowed_methods, 2);
        assert_string_equal(d.allowed_methods[0], "zero");
        assert_string_equal(d.allowed_methods[1], "passes:…");

        assert_int_equal(session_policy_decide(p, "1", "internal-reuse", "random", &d), 0);
        assert_false(d.is_allowed);
        assert_string_equal(d.reason,
                            "class 1 needs Clear for internal-reuse; random (overwrite) reaches Clear but "
                            "the policy (line 4) does not allow it; use zero, passes:… (an overwrite)");

        /* 3? is 3A, 3B, 3C — not 3. */
        assert_int_equal(session_policy_decide(p, "3B", "destruction", "random", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.rule_line, 5);
        assert_int_equal(d.required_level, SESSION_LEVEL_DESTROY);
        assert_int_equal(d.method_must_reach, SESSION_LEVEL_CLEAR);
        assert_int_equal(session_policy_decide(p, "3", "destruction", "zero", &d), 0);
        assert_false(d.is_allowed);
        assert_int_equal(d.rule_line, 6);
        assert_string_equal(d.reason,
                            "class 3 needs Clear before destruction; zero (overwrite) reaches Clear but the "
                            "policy (line 6) does not allow it; use random (an overwrite)");
        assert_int_equal(session_policy_decide(p, "3C", "recycling", "sanitize-crypto", &d), 0);
        assert_false(d.is_allowed);
        assert_int_equal(d.n_allowed_methods, 0);

        assert_int_equal(session_policy_decide(p, "mynumber", "recycling", "purge", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.rule_line, 7);
        assert_int_equal(d.required_level, SESSION_LEVEL_PURGE);
}

struct bad_policy {
        const char *text;
        unsigned line;
        const char *message;
};

static void test_parse_errors(void **state)
{
        (void)state;
        static const char tail[] = "* * Purge\n";
        static const struct bad_policy cases[] = {
                { "# ok\n2 *\n", 2, "bad.conf:2: expected CLASS DESTINATION LEVEL [METHOD…|any]" },
                { "1\n", 1, "bad.conf:1: expected CLASS DESTINATION LEVEL" },
                { "\n\n4 * Clear\n", 3,
                  "bad.conf:3: unknown class '4' (classes: 1, 2, 3, 3A, 3B, 3C, mynumber, or a pattern such "
                  "as 3*)" },
                { "5* * Clear\n", 1, "bad.conf:1: no class matches '5*'" },
                { "1 landfill Clear\n", 1,
                  "bad.conf:1: unknown destination 'landfill' (internal-reuse, external-reuse, "
                  "lease-return, "
                  "recycling, destruction, or *)" },
                { "1 *-sale Clear\n", 1, "bad.conf:1: no destination matches '*-sale'" },
                { "1 * Purg\n", 1, "bad.conf:1: unknown level 'Purg' (Clear, Purge or Destroy)" },
                { "1 * none\n", 1, "bad.conf:1: unknown level 'none'" },
                { "1 * Clear zero shred\n", 1, "bad.conf:1: unknown method 'shred'" },
                { "1 * Clear passes:0x00\n", 1,
                  "bad.conf:1: unknown method 'passes:0x00' (write passes for any pass list)" },
                { "1 * Clear zero zero\n", 1, "bad.conf:1: method 'zero' given twice" },
                { "1 * Clear any zero\n", 1, "bad.conf:1: 'any' stands alone" },
                { "1 * Clear zero any\n", 1, "bad.conf:1: 'any' stands alone" },
                { "1 * Clear \x1b[2Jzero\n", 1, "bad.conf:1: unknown method '<U+001B>[2Jzero'" },
                /* Completeness and order. */
                { "1 * Clear\n", 0, "bad.conf: no rule for class 2 to internal-reuse" },
                { "* * Purge\n1 * Clear\n", 2,
                  "bad.conf:2: this line never applies: earlier lines already decide" },
                { "3* * Purge\n3 * Clear\n* * Clear\n", 2, "bad.conf:2: this line never applies" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_session_policy_ struct session_policy *p = NULL;
                struct session_policy_error e = { .line = 999 };
                /* Each case also ends with a rule that decides everything, so that only the line at
                 * fault is wrong (except for the completeness cases). */
                char text[512];
                bool is_whole = cases[i].line == 0 || strstr(cases[i].message, "never applies");
                snprintf(text, sizeof text, "%s%s", cases[i].text, is_whole ? "" : tail);
                int r = session_policy_parse(text, "bad.conf", &p, &e);
                if (r != -EINVAL || e.line != cases[i].line || !strstr(e.message, cases[i].message))
                        print_error("case %zu: r=%d line=%u '%s'\n", i, r, e.line, e.message);
                assert_int_equal(r, -EINVAL);
                assert_null(p);
                assert_int_equal(e.line, cases[i].line);
                assert_non_null(strstr(e.message, cases[i].message));
        }

        /* A line of 1024 bytes or more. */
        char long_text[1100];
        memset(long_text, ' ', 1030);
        snprintf(long_text + 1030, sizeof long_text - 1030, "x\n");
        struct session_policy_error e;
        struct session_policy *p = NULL;
        assert_int_equal(session_policy_parse(long_text, "bad.conf", &p, &e), -EINVAL);
        assert_int_equal(e.line, 1);
        assert_non_null(strstr(e.message, "bad.conf:1: line longer than 1023 bytes"));
        /* The error is optional. */
        assert_int_equal(session_policy_parse("1 * Clear\n", "bad.conf", &p, NULL), -EINVAL);
        assert_null(p);
}

static void test_parse_empty(void **state)
{
        (void)state;
        static const char *const texts[] = { "", "\n\n", "# only comments\n   # and more\n" };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct session_policy *p = NULL;
                struct session_policy_error e = { .line = 999 };
                assert_int_equal(session_policy_parse(texts[i], "empty.conf", &p, &e), -EINVAL);
                assert_null(p);
                assert_int_equal(e.line, 0);
                assert_string_equal(
                        e.message,
                        "empty.conf: no rules (a policy must decide every class and destination)");
        }
}

/* ---- an administrator's file ------------------------------------------------------------------- */

static char *write_temp(const char *content, size_t len)
{
        char *path = strdup("/tmp/kesu-test-policy-XXXXXX");
        assert_non_null(path);
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t)len);
        close(fd);
        return path;
}

static void test_custom_file_overrides_default(void **state)
{
        (void)state;
        static const char text[] = "# Our city: stricter than the guideline in places.\n"
                                   "1    internal-reuse  Clear    zero random\n"
                                   "3A   *               Destroy\n"
                                   "2    lease-return    Purge    sanitize-crypto tcg-revert zero\n"
                                   "mynumber  *          Destroy  any\n"
                                   "*    destruction     Clear    any\n"
                                   "1    *               Clear    any\n"
                                   "*    *               Purge    any\n";
        _cleanup_free_ char *path = write_temp(text, strlen(text));
        _cleanup_session_policy_ struct session_policy *p = NULL;
        struct session_policy_error e = { 0 };
        int r = session_policy_load(path, &p, &e);
        if (r < 0)
                print_error("%s\n", e.message);
        assert_int_equal(r, 0);
        assert_string_equal(session_policy_source(p), path);

        struct session_policy_decision d;
        /* Line 2 narrows class 1 in the office to two overwrites. */
        assert_int_equal(session_policy_decide(p, "1", "internal-reuse", "gutmann", &d), 0);
        assert_false(d.is_allowed);
        assert_string_equal(d.reason,
                            "class 1 needs Clear for internal-reuse; gutmann (overwrite) reaches Clear but "
                            "the policy (line 2) does not allow it; use zero, random (an overwrite)");
        assert_int_equal(session_policy_decide(p, "1", "internal-reuse", "random", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(session_policy_decide(p, "1", "recycling", "gutmann", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.rule_line, 7);

        /* Line 3: class 3A is never reused, whatever the method. */
        assert_int_equal(session_policy_decide(p, "3A", "external-reuse", "sanitize-block", &d), 0);
        assert_false(d.is_allowed);
        assert_int_equal(d.required_level, SESSION_LEVEL_DESTROY);
        assert_string_equal(d.reason,
                            "class 3A needs Destroy for external-reuse; sanitize-block (drive command) "
                            "reaches Purge; no method reaches Destroy: choose destination destruction "
                            "(a Clear pass, then physical destruction)");
        assert_int_equal(session_policy_decide(p, "3A", "destruction", "zero", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.required_level, SESSION_LEVEL_DESTROY);
        assert_int_equal(d.method_must_reach, SESSION_LEVEL_CLEAR);
        assert_int_equal(d.rule_line, 3);

        /* Line 4: listing zero under Purge does not make it enough. */
        assert_int_equal(session_policy_decide(p, "2", "lease-return", "zero", &d), 0);
        assert_false(d.is_allowed);
        assert_string_equal(d.reason,
                            "class 2 needs Purge for lease-return; zero (overwrite) reaches Clear; use "
                            "sanitize-crypto, tcg-revert (the drive's own commands)");
        assert_int_equal(session_policy_decide(p, "2", "lease-return", "sanitize-block", &d), 0);
        assert_false(d.is_allowed);
        assert_string_equal(d.reason,
                            "class 2 needs Purge for lease-return; sanitize-block (drive command) reaches "
                            "Purge but the policy (line 4) does not allow it; use sanitize-crypto, "
                            "tcg-revert (the drive's own commands)");
        assert_int_equal(session_policy_decide(p, "2", "lease-return", "tcg-revert", &d), 0);
        assert_true(d.is_allowed);
        assert_string_equal(d.reason, "");

        /* Elsewhere the guideline rules of the file's own lines. */
        assert_int_equal(session_policy_decide(p, "3B", "recycling", "dod7", &d), 0);
        assert_false(d.is_allowed);
        assert_int_equal(d.rule_line, 8);
        assert_int_equal(session_policy_decide(p, "3B", "destruction", "dod7", &d), 0);
        assert_true(d.is_allowed);
        assert_int_equal(d.rule_line, 6);
}

/* The alternatives say what kind of method they are; a rule can leave no method that reaches. */
static void test_reason_kinds(void **state)
{
        (void)state;
        static const char text[] = "1 internal-reuse Clear zero secure-erase\n"
                                   "1 external-reuse Clear scsi-format\n"
                                   "2 * Purge zero nvme-format\n"
                                   "* * Purge\n";
        _cleanup_session_policy_ struct session_policy *p = NULL;
        assert_int_equal(session_policy_parse(text, "kinds.conf", &p, NULL), 0);
        struct session_policy_decision d;
        assert_int_equal(session_policy_decide(p, "1", "internal-reuse", "random", &d), 0);
        assert_string_equal(d.reason,
                            "class 1 needs Clear for internal-reuse; random (overwrite) reaches Clear but "
                            "the policy (line 1) does not allow it; use zero, secure-erase (an overwrite "
                            "or the drive's own commands)");
        assert_int_equal(session_policy_decide(p, "1", "external-reuse", "zero", &d), 0);
        assert_string_equal(d.reason,
                            "class 1 needs Clear for external-reuse; zero (overwrite) reaches Clear but "
                            "the policy (line 2) does not allow it; use scsi-format (the drive's own "
                            "commands)");
        assert_int_equal(session_policy_decide(p, "2", "recycling", "passes:one", &d), 0);
        assert_string_equal(d.reason,
                            "class 2 needs Purge for recycling; passes:… (overwrite) reaches Clear; no "
                            "method the policy allows reaches it");
        assert_int_equal(d.n_allowed_methods, 0);

        /* A long token is cut short in the message. */
        struct session_policy_error e;
        char long_class[200];
        memset(long_class, 'x', 100);
        snprintf(long_class + 100, sizeof long_class - 100, " * Clear\n* * Purge\n");
        assert_int_equal(session_policy_parse(long_class, "long.conf", &p, &e), -EINVAL);
        assert_non_null(
                strstr(e.message, "long.conf:1: unknown class 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"));
}

static void test_load_errors(void **state)
{
        (void)state;
        struct session_policy *p = NULL;
        struct session_policy_error e = { 0 };
        assert_int_equal(session_policy_load("/nonexistent/kesu/policy.conf", &p, &e), -ENOENT);
        assert_null(p);

        static const char nul[] = "* * Clear\n\0* * Purge\n";
        _cleanup_free_ char *path = write_temp(nul, sizeof nul - 1);
        assert_int_equal(session_policy_load(path, &p, &e), -EINVAL);
        assert_null(p);
        assert_non_null(strstr(e.message, "holds a NUL byte"));

        static const char bad[] = "* * Clear\n* * Purge\n";
        _cleanup_free_ char *path2 = write_temp(bad, sizeof bad - 1);
        assert_int_equal(session_policy_load(path2, &p, &e), -EINVAL);
        assert_int_equal(e.line, 2);
        char want[256];
        snprintf(want, sizeof want, "%s:2: this line never applies", path2);
        assert_non_null(strstr(e.message, want));
        unlink(path);
        unlink(path2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_exhaustive),
                cmocka_unit_test(test_shipped_file_is_the_default),
                cmocka_unit_test(test_levels),
                cmocka_unit_test(test_method_table),
                cmocka_unit_test(test_achieved_level),
                cmocka_unit_test(test_decide_errors),
                cmocka_unit_test(test_parse_good),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_parse_empty),
                cmocka_unit_test(test_custom_file_overrides_default),
                cmocka_unit_test(test_reason_kinds),
                cmocka_unit_test(test_load_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
