/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui/session: the disposal policy — confidentiality class and destination → the level required →
 * the methods allowed, decided before anything is written. The one home of that decision: the
 * certificate records what it says, the front ends show it.
 *
 * The policy is the administrator's file (policy.conf on KESU-DATA; see POLICY.md for the format)
 * or the built-in default, which follows the national guideline (MIC, revised after the 2019
 * leased-HDD incident): My Number media are destroyed after a Clear pass; before destruction
 * Clear suffices for every class; class 2 and above (3, 3A, 3B, 3C) need Purge; class 1 Clear.
 *
 * The level each method reaches comes from one static table (IEEE 2883-2022, NIST SP 800-88
 * Rev. 1 and Rev. 2, the stricter where they differ); no method reaches Destroy.
 *
 * Quiet like the engine: returns 0 or a negative errno, never prints, asks or exits.
 */

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

/* NIST SP 800-88 sanitization levels, weakest first. */
enum session_level {
        SESSION_LEVEL_NONE,    /* not sanitized (failed, interrupted, unverified) */
        SESSION_LEVEL_CLEAR,   /* logical techniques on all user-addressable locations */
        SESSION_LEVEL_PURGE,   /* also against laboratory attack: the drive's own commands */
        SESSION_LEVEL_DESTROY, /* physical destruction: reached by no method of kesu */
};

/* "none", "Clear", "Purge", "Destroy" (the spellings certificates carry); NULL out of range. */
const char *session_level_to_string(enum session_level level);
/* The same spellings, any case; -EINVAL for anything else. */
int session_level_from_string(const char *s, enum session_level *ret);
/* Whether achieved is at least needed (NONE never meets anything). */
bool session_level_meets(enum session_level achieved, enum session_level needed);

/* The classes ("1", "2", "3", "3A", "3B", "3C" and SESSION_CLASS_MY_NUMBER) and destinations
 * ("internal-reuse", "external-reuse", "lease-return", "recycling", "destruction") the policy
 * knows: the i-th, NULL past the end. */
#define SESSION_CLASS_MY_NUMBER     "mynumber" /* media of a My Number (個人番号) system */
#define SESSION_DESTINATION_DESTROY "destruction"
const char *session_policy_class_name(size_t i);
const char *session_policy_destination_name(size_t i);
bool session_policy_class_is_valid(const char *class_label);
bool session_policy_destination_is_valid(const char *destination);

/* ---- methods ----------------------------------------------------------------------------------- */

/*
 * The level a method reaches when it completes and verifies: every name of `kesu wipe --method`
 * ("zero" … "gutmann", "passes:…", "purge", "sanitize-crypto", …, "tcg-psid-revert").
 * -ENOENT for an unknown name, -EINVAL for a malformed "passes:" list.
 * "purge" (the strongest command the drive supports) counts as Purge here: the session resolves
 * it to the drive's command before it starts and decides again with that name.
 */
int session_method_level(const char *method_spec, enum session_level *ret);

/* The method table, for help texts: the i-th method's name ("passes" for custom pass lists), its
 * level and whether it is a host overwrite (false: the drive's own command); NULL past the end. */
const char *session_method_name(size_t i, enum session_level *ret_level, bool *ret_is_overwrite);

/*
 * The level a finished disposal achieved: the method's level when it completed and was verified
 * (the wipe or purge finished without errors and the verification passed), SESSION_LEVEL_NONE
 * otherwise. method_spec is the method actually run: "purge" unresolved is -EINVAL (what it reached
 * depends on the command the drive ran). -ENOENT/-EINVAL as session_method_level().
 */
int session_policy_achieved_level(const char *method_spec, bool is_completed_and_verified,
                                  enum session_level *ret);

/* ---- the policy -------------------------------------------------------------------------------- */

struct session_policy;

/* Where a policy file is wrong: the 1-based line (0 when the whole file is), and one line of text
 * for the front end to print ("policy.conf:7: unknown level 'Purg' (Clear, Purge or Destroy)"). */
struct session_policy_error {
        unsigned line;
        char message[512];
};

/*
 * Parses a policy from text; source names it in messages and session_policy_source() (a path, or
 * "built-in default"). The file must decide every class and destination and every line must decide
 * at least one of them (a line hidden by earlier ones is a mistake). -EINVAL with *ret_error
 * filled (when not NULL) on any error, -ENOMEM.
 */
int session_policy_parse(const char *text, const char *source, struct session_policy **ret,
                         struct session_policy_error *ret_error);

/* Reads and parses a policy file. -ENOENT missing (the caller may fall back to the default, and
 * should say so), other read errors as read_full_file(), -EINVAL as session_policy_parse(). */
int session_policy_load(const char *path, struct session_policy **ret,
                        struct session_policy_error *ret_error);

/* The built-in default (the same rules as the policy.conf shipped beside this file). -ENOMEM. */
int session_policy_default(struct session_policy **ret);

/* "built-in default" or the path it was loaded from. */
const char *session_policy_source(const struct session_policy *p);

struct session_policy *session_policy_free(struct session_policy *p);
static inline void session_policy_freep(struct session_policy **p)
{
        session_policy_free(*p);
}
#define _cleanup_session_policy_ _cleanup_(session_policy_freep)

#define SESSION_POLICY_MAX_METHODS 32

/* What the policy says about one disposal. Plain data; names point into static tables. */
struct session_policy_decision {
        /* What the class needs at this destination: Clear, Purge or Destroy. */
        enum session_level required_level;
        /* What the method must reach here: required_level, but Clear when it is Destroy and the
         * destination is destruction (the medium is physically destroyed after the appliance's
         * Clear pass). Destroy elsewhere: no method is allowed. Compare the achieved level with
         * this one (session_level_meets()) for the verdict. */
        enum session_level method_must_reach;
        /* What the method reaches when it completes and verifies. */
        enum session_level method_reaches;
        bool is_allowed;
        /* When refused: one line saying the class, the level it needs, what the method reaches and
         * what would do; "" when allowed. */
        char reason[512];
        /* The methods that would be allowed here, in table order ("passes:…" for custom lists). */
        const char *allowed_methods[SESSION_POLICY_MAX_METHODS];
        size_t n_allowed_methods;
        /* The line of the policy that decided (of the built-in default's text for the default). */
        unsigned rule_line;
};

/*
 * Decides whether method_spec may erase a medium of class_label going to destination, before
 * anything is written. -EINVAL an unknown class or destination (check them with
 * session_policy_class_is_valid()/…_destination_is_valid() to tell which), -ENOENT an unknown
 * method, -EINVAL a malformed "passes:" list. A refusal is not an error: 0 with is_allowed false.
 */
int session_policy_decide(const struct session_policy *p, const char *class_label, const char *destination,
                          const char *method_spec, struct session_policy_decision *ret);
