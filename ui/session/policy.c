/* SPDX-License-Identifier: MIT */
/* The disposal policy: class and destination → required level → allowed methods (see POLICY.md). */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "policy.h"
#include "wiper.h"

/* ---- levels ------------------------------------------------------------------------------------ */

static const char *const level_names[] = {
        [SESSION_LEVEL_NONE] = "none",
        [SESSION_LEVEL_CLEAR] = "Clear",
        [SESSION_LEVEL_PURGE] = "Purge",
        [SESSION_LEVEL_DESTROY] = "Destroy",
};

const char *session_level_to_string(enum session_level level)
{
        if ((size_t)level >= ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

int session_level_from_string(const char *s, enum session_level *ret)
{
        for (size_t i = 0; s && i < ELEMENTSOF(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0) {
                        *ret = (enum session_level)i;
                        return 0;
                }
        return -EINVAL;
}

bool session_level_meets(enum session_level achieved, enum session_level needed)
{
        return achieved != SESSION_LEVEL_NONE && achieved >= needed;
}

/* ---- classes and destinations ------------------------------------------------------------------ */

/* The confidentiality classes of the local-government policies (自治体機密性 3A/3B/3C, 2, 1; "3"
 * where a body does not split it) and the My Number marker. */
static const char *const classes[] = { "1", "2", "3", "3A", "3B", "3C", SESSION_CLASS_MY_NUMBER };
static const char *const destinations[] = { "internal-reuse", "external-reuse", "lease-return", "recycling",
                                            SESSION_DESTINATION_DESTROY };

#define N_CLASSES      ELEMENTSOF(classes)
#define N_DESTINATIONS ELEMENTSOF(destinations)

const char *session_policy_class_name(size_t i)
{
        return i < N_CLASSES ? classes[i] : NULL;
}

const char *session_policy_destination_name(size_t i)
{
        return i < N_DESTINATIONS ? destinations[i] : NULL;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; s && i < n; i++)
                if (strcmp(s, names[i]) == 0)
                        return (int)i;
        return -1;
}

bool session_policy_class_is_valid(const char *class_label)
{
        return index_of(classes, N_CLASSES, class_label) >= 0;
}

bool session_policy_destination_is_valid(const char *destination)
{
        return index_of(destinations, N_DESTINATIONS, destination) >= 0;
}

/* ---- methods ----------------------------------------------------------------------------------- */

/*
 * The level each method reaches when it completes and verifies: IEEE 2883-2022, NIST SP 800-88
 * Rev. 1 (2014, Appendix A: Table A-5 magnetic ATA/SCSI hard disks, Table A-8 flash ATA/SCSI/NVMe
 * SSDs; §2.6 cryptographic erase) and Rev. 2 (2025, which leaves the per-interface techniques to
 * IEEE 2883; §3.2.5 the preconditions of cryptographic erase) — the stricter where they differ.
 * Nothing here reaches Destroy: physical destruction happens after kesu, which records Clear.
 */
static const struct {
        const char *name;
        enum session_level level;
        bool is_overwrite; /* host writes through the ordinary interface; else the drive's own command */
} method_table[] = {
        /* Overwrites: writes through the host interface reach the user-addressable locations only —
         * Clear (IEEE 2883 §3.1 "Clear"; Rev. 1 Tables A-5/A-8 "Clear: overwrite"; Rev. 2 adds that
         * more than one pass buys nothing, so every scheme below is Clear, none more). */
        { "zero", SESSION_LEVEL_CLEAR, true },
        { "one", SESSION_LEVEL_CLEAR, true },
        { "random", SESSION_LEVEL_CLEAR, true },
        { "dod3", SESSION_LEVEL_CLEAR, true },
        { "dod7", SESSION_LEVEL_CLEAR, true },
        { "hmgis5", SESSION_LEVEL_CLEAR, true },
        { "ops2", SESSION_LEVEL_CLEAR, true },
        { "bsi", SESSION_LEVEL_CLEAR, true },
        { "gutmann", SESSION_LEVEL_CLEAR, true },
        { "passes", SESSION_LEVEL_CLEAR, true }, /* "passes:…", any custom pass list */
        /* The strongest of the commands below that the drive supports; the session resolves it
         * before starting and refuses it when the strongest is only Clear. */
        { "purge", SESSION_LEVEL_PURGE, false },
        /* ATA SANITIZE CRYPTO SCRAMBLE EXT, SCSI SANITIZE CRYPTOGRAPHIC ERASE, NVMe Sanitize Crypto
         * Erase: Purge in IEEE 2883 (the sanitize commands per interface) and Rev. 1 Tables
         * with §2.6; Rev. 2 §3.2.5 adds preconditions (no plaintext before the key, ≥128-bit). */
        { "sanitize-crypto", SESSION_LEVEL_PURGE, false },
        /* ATA SANITIZE BLOCK ERASE EXT, SCSI SANITIZE BLOCK ERASE, NVMe Sanitize Block Erase (flash):
         * Purge in IEEE 2883 and Rev. 1 Table A-8 — reaches over-provisioned and retired blocks. */
        { "sanitize-block", SESSION_LEVEL_PURGE, false },
        /* ATA SANITIZE OVERWRITE EXT, SCSI SANITIZE OVERWRITE, NVMe Sanitize Overwrite: Purge in
         * IEEE 2883 and Rev. 1 Table A-5 (hard disks: the drive also writes reallocated sectors). */
        { "sanitize-overwrite", SESSION_LEVEL_PURGE, false },
        /* ATA SECURITY ERASE UNIT, enhanced: Rev. 1 Table A-5 accepts it as Purge for hard disks,
         * but its glossary ("Secure Erase") says what it does is "vendor unique … varying levels of
         * effectiveness", and IEEE 2883 puts the Security feature set under Clear, keeping Purge
         * for SANITIZE. The stricter: Clear. */
        { "secure-erase-enhanced", SESSION_LEVEL_CLEAR, false },
        /* ATA SECURITY ERASE UNIT, normal: "only required to address … LBA 0 through … READ NATIVE
         * MAX" and writes 0s or 1s (Rev. 1 glossary) — the addressable space only: Clear (IEEE
         * 2883 likewise). */
        { "secure-erase", SESSION_LEVEL_CLEAR, false },
        /* NVMe Format NVM, SES=010b (cryptographic erase): Rev. 1 Table A-8 lists it as a Purge
         * option, but it acts on the namespace(s) formatted, while IEEE 2883 names the Sanitize
         * command for NVMe Purge (it "affects everything that is currently user data, was user
         * data, or could be user data", including controller memory and all namespaces). The
         * stricter: Clear. */
        { "nvme-format-crypto", SESSION_LEVEL_CLEAR, false },
        /* NVMe Format NVM, SES=001b (user data erase): contents afterwards indeterminate, scope the
         * namespace(s) formatted — Clear in both (Rev. 1 Table A-8 accepts it for Purge only where
         * the vendor confirms a block or cryptographic erase of all of the media). */
        { "nvme-format", SESSION_LEVEL_CLEAR, false },
        /* SCSI FORMAT UNIT: not a sanitize command (Rev. 1 Table A-5 names SANITIZE for SCSI Purge;
         * the Security Erase of ATA "does not apply to media with a SCSI interface"); it reaches the
         * addressable blocks at best — Clear, and only once verified (QEMU's disk answers GOOD and
         * erases nothing). */
        { "scsi-format", SESSION_LEVEL_CLEAR, false },
        /* TCG Opal/Enterprise Revert (Admin SP, SID authority): the media encryption keys are
         * regenerated — cryptographic erase "through the TCG Opal SSC or Enterprise SSC interface",
         * Purge in Rev. 1 Tables with §2.6, and a TCG method of IEEE 2883; Rev. 2 §3.2.5. */
        { "tcg-revert", SESSION_LEVEL_PURGE, false },
        /* The same Revert authorised by the PSID printed on the label: the same cryptographic erase. */
        { "tcg-psid-revert", SESSION_LEVEL_PURGE, false },
};

#define N_METHODS ELEMENTSOF(method_table)
_Static_assert(N_METHODS <= 32, "method masks are 32 bits");
_Static_assert(N_METHODS <= SESSION_POLICY_MAX_METHODS, "decision holds every method");

#define METHOD_ALL ((uint32_t)((N_METHODS == 32) ? UINT32_MAX : ((UINT32_C(1) << N_METHODS) - 1)))

const char *session_method_name(size_t i, enum session_level *ret_level, bool *ret_is_overwrite)
{
        if (i >= N_METHODS)
                return NULL;
        if (ret_level)
                *ret_level = method_table[i].level;
        if (ret_is_overwrite)
                *ret_is_overwrite = method_table[i].is_overwrite;
        return method_table[i].name;
}

/* The table row of a method spec as `kesu wipe --method` takes it. */
static int method_index(const char *spec, size_t *ret)
{
        if (!spec)
                return -EINVAL;
        if (strncmp(spec, "passes:", 7) == 0) {
                struct wipe_method m;
                int r = wipe_method_lookup(spec, &m);
                if (r < 0)
                        return r == -ENOENT ? -EINVAL : r;
                spec = "passes";
        } else if (strcmp(spec, "passes") == 0)
                return -ENOENT; /* the row stands for "passes:…", not a method of its own */
        for (size_t i = 0; i < N_METHODS; i++)
                if (strcmp(spec, method_table[i].name) == 0) {
                        *ret = i;
                        return 0;
                }
        return -ENOENT;
}

static const char *method_display(size_t i)
{
        return strcmp(method_table[i].name, "passes") == 0 ? "passes:…" : method_table[i].name;
}

int session_method_level(const char *method_spec, enum session_level *ret)
{
        size_t i;
        int r = method_index(method_spec, &i);
        if (r < 0)
                return r;
        *ret = method_table[i].level;
        return 0;
}

int session_policy_achieved_level(const char *method_spec, bool is_completed_and_verified,
                                  enum session_level *ret)
{
        size_t i;
        int r = method_index(method_spec, &i);
        if (r < 0)
                return r;
        if (strcmp(method_table[i].name, "purge") == 0)
                return -EINVAL;
        *ret = is_completed_and_verified ? method_table[i].level : SESSION_LEVEL_NONE;
        return 0;
}

/* ---- the policy -------------------------------------------------------------------------------- */

#define POLICY_MAX_LINE_BYTES 1024
#define POLICY_MAX_RULES      256

struct policy_rule {
        unsigned line;
        uint32_t class_mask;       /* bit i: classes[i] */
        uint32_t destination_mask; /* bit i: destinations[i] */
        enum session_level level;
        uint32_t method_mask; /* bit i: method_table[i] */
};

struct session_policy {
        char *source;
        size_t n_rules;
        struct policy_rule rules[];
};

/* The built-in default: the rules of policy.conf (which explains them), first match wins. */
static const char default_policy_text[] = "# kesu built-in default policy (the rules of policy.conf)\n"
                                          "mynumber  *            Destroy  any\n"
                                          "*         destruction  Clear    any\n"
                                          "1         *            Clear    any\n"
                                          "2         *            Purge    any\n"
                                          "3*        *            Purge    any\n";

#define DEFAULT_SOURCE "built-in default"

struct session_policy *session_policy_free(struct session_policy *p)
{
        if (p) {
                free(p->source);
                free(p);
        }
        return NULL;
}

const char *session_policy_source(const struct session_policy *p)
{
        return p ? p->source : NULL;
}

__attribute__((format(printf, 4, 5))) static int fail(struct session_policy_error *e, const char *source,
                                                      unsigned line, const char *fmt, ...)
{
        if (!e)
                return -EINVAL;
        char what[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        e->line = line;
        if (line)
                snprintf(e->message, sizeof e->message, "%.100s:%u: %s", source, line, what);
        else
                snprintf(e->message, sizeof e->message, "%.100s: %s", source, what);
        return -EINVAL;
}

/* A token quoted for a message: bytes that could hide or mislead printed as escapes, cut short. */
static const char *shown(const char *token, char *buf, size_t size)
{
        _cleanup_free_ char *e = text_escape_visible(token);
        if (!e)
                return "?";
        size_t n = text_utf8_prefix(e, 40);
        snprintf(buf, size, "%.*s%s", (int)n, e, e[n] ? "…" : "");
        return buf;
}

static bool is_pattern(const char *s)
{
        return strpbrk(s, "*?[") != NULL;
}

/* A class or destination field: a name (any case) or a shell pattern that matches at least one. */
static int parse_names(const char *token, const char *const *names, size_t n, uint32_t *ret_mask)
{
        uint32_t mask = 0;
        for (size_t i = 0; i < n; i++) {
                bool is_match = is_pattern(token) ? fnmatch(token, names[i], FNM_CASEFOLD) == 0
                                                  : strcasecmp(token, names[i]) == 0;
                if (is_match)
                        mask |= UINT32_C(1) << i;
        }
        if (!mask)
                return -ENOENT;
        *ret_mask = mask;
        return 0;
}

static void list_names(const char *const *names, size_t n, char *buf, size_t size)
{
        buf[0] = 0;
        for (size_t i = 0; i < n; i++)
                snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", names[i]);
}

static int parse_rule(char *text, unsigned line, const char *source, struct policy_rule *ret,
                      struct session_policy_error *e)
{
        char buf[64], names[160];
        char *save = NULL;
        const char *class_field = strtok_r(text, " \t", &save);
        const char *destination_field = strtok_r(NULL, " \t", &save);
        const char *level_field = strtok_r(NULL, " \t", &save);
        if (!destination_field || !level_field)
                return fail(e, source, line, "expected CLASS DESTINATION LEVEL [METHOD…|any]");

        struct policy_rule rule = { .line = line };
        if (parse_names(class_field, classes, N_CLASSES, &rule.class_mask) < 0) {
                list_names(classes, N_CLASSES, names, sizeof names);
                return fail(e, source, line, "%s '%s' (classes: %s, or a pattern such as 3*)",
                            is_pattern(class_field) ? "no class matches" : "unknown class",
                            shown(class_field, buf, sizeof buf), names);
        }
        if (parse_names(destination_field, destinations, N_DESTINATIONS, &rule.destination_mask) < 0) {
                list_names(destinations, N_DESTINATIONS, names, sizeof names);
                return fail(e, source, line, "%s '%s' (%s, or *)",
                            is_pattern(destination_field) ? "no destination matches" : "unknown destination",
                            shown(destination_field, buf, sizeof buf), names);
        }
        if (session_level_from_string(level_field, &rule.level) < 0 || rule.level == SESSION_LEVEL_NONE)
                return fail(e, source, line, "unknown level '%s' (Clear, Purge or Destroy)",
                            shown(level_field, buf, sizeof buf));

        bool has_any = false;
        for (const char *m; (m = strtok_r(NULL, " \t", &save));) {
                if (strcasecmp(m, "any") == 0) {
                        if (has_any || rule.method_mask)
                                return fail(e, source, line, "'any' stands alone: it allows every method");
                        has_any = true;
                        continue;
                }
                if (has_any)
                        return fail(e, source, line, "'any' stands alone: it allows every method");
                size_t i = 0;
                while (i < N_METHODS && strcasecmp(m, method_table[i].name) != 0)
                        i++;
                if (i == N_METHODS)
                        return fail(e, source, line, "unknown method '%s'%s", shown(m, buf, sizeof buf),
                                    strncasecmp(m, "passes:", 7) == 0 ? " (write passes for any pass list)"
                                                                      : "");
                if (rule.method_mask & (UINT32_C(1) << i))
                        return fail(e, source, line, "method '%s' given twice", method_table[i].name);
                rule.method_mask |= UINT32_C(1) << i;
        }
        if (!rule.method_mask)
                rule.method_mask = METHOD_ALL; /* "any", or no method named */
        *ret = rule;
        return 0;
}

/* The first rule that matches, or NULL. */
static const struct policy_rule *match(const struct session_policy *p, size_t class_index,
                                       size_t destination_index)
{
        for (size_t i = 0; i < p->n_rules; i++)
                if ((p->rules[i].class_mask & (UINT32_C(1) << class_index)) &&
                    (p->rules[i].destination_mask & (UINT32_C(1) << destination_index)))
                        return &p->rules[i];
        return NULL;
}

/* Every class and destination decided, every rule deciding something. */
static int check_complete(const struct session_policy *p, struct session_policy_error *e)
{
        if (p->n_rules == 0)
                return fail(e, p->source, 0, "no rules (a policy must decide every class and destination)");
        bool is_used[POLICY_MAX_RULES] = { false };
        for (size_t c = 0; c < N_CLASSES; c++)
                for (size_t d = 0; d < N_DESTINATIONS; d++) {
                        const struct policy_rule *r = match(p, c, d);
                        if (!r)
                                return fail(
                                        e, p->source, 0,
                                        "no rule for class %s to %s (add a line, or end with '* * LEVEL')",
                                        classes[c], destinations[d]);
                        is_used[r - p->rules] = true;
                }
        for (size_t i = 0; i < p->n_rules; i++)
                if (!is_used[i])
                        return fail(e, p->source, p->rules[i].line,
                                    "this line never applies: earlier lines already decide every class and "
                                    "destination it matches (the first matching line wins)");
        return 0;
}

int session_policy_parse(const char *text, const char *source, struct session_policy **ret,
                         struct session_policy_error *ret_error)
{
        struct session_policy_error error = { 0 };
        if (!text || !ret)
                return -EINVAL;
        if (!source)
                source = "policy";

        _cleanup_session_policy_ struct session_policy *p =
                calloc(1, sizeof *p + POLICY_MAX_RULES * sizeof p->rules[0]);
        if (!p)
                return -ENOMEM;
        p->source = strdup(source);
        if (!p->source)
                return -ENOMEM;

        unsigned line = 0;
        int r = 0;
        for (const char *s = text; *s && r == 0;) {
                line++;
                const char *end = strchr(s, '\n');
                size_t len = end ? (size_t)(end - s) : strlen(s);
                if (len >= POLICY_MAX_LINE_BYTES) {
                        r = fail(&error, source, line, "line longer than %d bytes",
                                 POLICY_MAX_LINE_BYTES - 1);
                        break;
                }
                char buf[POLICY_MAX_LINE_BYTES];
                memcpy(buf, s, len);
                buf[len] = 0;
                s = end ? end + 1 : s + len;

                char *hash = strchr(buf, '#');
                if (hash)
                        *hash = 0;
                for (char *c = buf; *c; c++)
                        if (*c == '\r' || *c == '\v' || *c == '\f')
                                *c = ' '; /* a file saved on Windows ends its lines in CR LF */
                if (strspn(buf, " \t") == strlen(buf))
                        continue;
                if (p->n_rules >= POLICY_MAX_RULES) {
                        r = fail(&error, source, line, "more than %d rules", POLICY_MAX_RULES);
                        break;
                }
                r = parse_rule(buf, line, source, &p->rules[p->n_rules], &error);
                if (r == 0)
                        p->n_rules++;
        }
        if (r == 0)
                r = check_complete(p, &error);
        if (r < 0) {
                if (ret_error)
                        *ret_error = error;
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

int session_policy_load(const char *path, struct session_policy **ret,
                        struct session_policy_error *ret_error)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        if (!path)
                return -EINVAL;
        int r = read_full_file(path, &text, &size);
        if (r < 0)
                return r;
        if (memchr(text, 0, size)) {
                if (ret_error) {
                        struct session_policy_error error = { 0 };
                        fail(&error, path, 0, "holds a NUL byte: not a text file");
                        *ret_error = error;
                }
                return -EINVAL;
        }
        return session_policy_parse(text, path, ret, ret_error);
}

int session_policy_default(struct session_policy **ret)
{
        struct session_policy_error error;
        int r = session_policy_parse(default_policy_text, DEFAULT_SOURCE, ret, &error);
        return r == -EINVAL ? -EPROTO : r; /* -EPROTO: a bug in the text above; the unit test parses it */
}

/* ---- the decision ------------------------------------------------------------------------------ */

struct text {
        char *buf;
        size_t size;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
        size_t n = strlen(t->buf);
        if (n + 1 >= t->size)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->buf + n, t->size - n, fmt, ap);
        va_end(ap);
}

static const char *method_kind(size_t i)
{
        return method_table[i].is_overwrite ? "overwrite" : "drive command";
}

/* "; use A, B (the drive's own commands)": the methods allowed here, and what kind they are. */
static void add_alternatives(struct text *t, const size_t *allowed, size_t n_allowed)
{
        if (n_allowed == 0) {
                add(t, "; no method the policy allows reaches it");
                return;
        }
        bool has_overwrite = false, has_command = false;
        add(t, "; use ");
        for (size_t i = 0; i < n_allowed; i++) {
                has_overwrite |= method_table[allowed[i]].is_overwrite;
                has_command |= !method_table[allowed[i]].is_overwrite;
                add(t, "%s%s", i ? ", " : "", method_display(allowed[i]));
        }
        add(t, " (%s)",
            has_overwrite && has_command ? "an overwrite or the drive's own commands"
            : has_overwrite              ? "an overwrite"
                                         : "the drive's own commands");
}

int session_policy_decide(const struct session_policy *p, const char *class_label, const char *destination,
                          const char *method_spec, struct session_policy_decision *ret)
{
        if (!p || !ret)
                return -EINVAL;
        int c = index_of(classes, N_CLASSES, class_label);
        int dst = index_of(destinations, N_DESTINATIONS, destination);
        if (c < 0 || dst < 0)
                return -EINVAL;
        size_t m;
        int r = method_index(method_spec, &m);
        if (r < 0)
                return r;
        const struct policy_rule *rule = match(p, (size_t)c, (size_t)dst);
        if (!rule)
                return -EPROTO; /* cannot happen: loading checks that every pair is decided */

        struct session_policy_decision d = {
                .required_level = rule->level,
                .method_reaches = method_table[m].level,
                .rule_line = rule->line,
        };
        bool is_destruction_next = strcmp(destination, SESSION_DESTINATION_DESTROY) == 0;
        d.method_must_reach = rule->level == SESSION_LEVEL_DESTROY && is_destruction_next
                                      ? SESSION_LEVEL_CLEAR
                                      : rule->level;
        size_t allowed[N_METHODS];
        if (d.method_must_reach != SESSION_LEVEL_DESTROY)
                for (size_t i = 0; i < N_METHODS; i++)
                        if ((rule->method_mask & (UINT32_C(1) << i)) &&
                            session_level_meets(method_table[i].level, d.method_must_reach)) {
                                allowed[d.n_allowed_methods] = i;
                                d.allowed_methods[d.n_allowed_methods++] = method_display(i);
                        }
        bool is_listed = rule->method_mask & (UINT32_C(1) << m);
        d.is_allowed = d.method_must_reach != SESSION_LEVEL_DESTROY && is_listed &&
                       session_level_meets(d.method_reaches, d.method_must_reach);

        if (!d.is_allowed) {
                struct text t = { d.reason, sizeof d.reason };
                const char *level = session_level_to_string(d.method_must_reach);
                add(&t, "class %s needs %s %s %s; %s (%s) reaches %s", class_label, level,
                    is_destruction_next ? "before" : "for", destination, method_display(m), method_kind(m),
                    session_level_to_string(d.method_reaches));
                if (d.method_must_reach == SESSION_LEVEL_DESTROY)
                        add(&t, "; no method reaches Destroy: choose destination destruction (a Clear pass, "
                                "then physical destruction)");
                else {
                        if (session_level_meets(d.method_reaches, d.method_must_reach))
                                add(&t, " but the policy (line %u) does not allow it", rule->line);
                        add_alternatives(&t, allowed, d.n_allowed_methods);
                }
        }
        *ret = d;
        return 0;
}
