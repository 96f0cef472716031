/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui/session: the appliance's users — who may log in, and their two factors (a passphrase, kept as
 * an Argon2id hash, and a TOTP secret). Quiet like the engine: returns 0 or a negative errno.
 *
 * The users file (users.json, mode 0600) is signed with the appliance key, so a role changed or a
 * user added by editing it is refused on load. What changes in normal use — failed attempts and
 * the last accepted TOTP step — lives beside it in users.state.json (0600, not signed).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certificates.h"
#include "totp.h"

#define SESSION_USERS_FORMAT         "kesu-users"
#define SESSION_USERS_VERSION        1
#define SESSION_USERS_STATE_FORMAT   "kesu-users-state"
#define SESSION_USERS_STATE_VERSION  1
#define SESSION_USER_ID_MAX          32 /* [A-Za-z0-9._-], 1–32 characters */
#define SESSION_USER_NAME_MAX_BYTES  64 /* UTF-8 bytes */
#define SESSION_PASSPHRASE_MIN       8  /* characters (UTF-8 code points) */
#define SESSION_PASSPHRASE_MAX_BYTES 1023
#define SESSION_AUTH_METHOD          "passphrase+totp"
/* Throttling: from the third failure in a row on, the next attempt waits 2^(failures-3) s. */
#define SESSION_THROTTLE_FREE_FAILURES 3
#define SESSION_THROTTLE_MAX_S         (15 * 60)

enum session_role {
        SESSION_ROLE_OPERATOR,
        SESSION_ROLE_ADMINISTRATOR,
};

/* "operator", "administrator"; NULL for a value out of range. */
const char *session_role_to_string(enum session_role role);
/* -EINVAL for anything else. */
int session_role_from_string(const char *s, enum session_role *ret);

/* 0 when id is 1–32 of [A-Za-z0-9._-]; -EINVAL otherwise. */
int session_user_id_check(const char *id);
/* 0 when name is non-empty UTF-8 without hidden code points, at most 64 bytes; else text_check()'s
 * -EILSEQ / -EINVAL / -E2BIG (-EINVAL also for an empty name). */
int session_user_name_check(const char *name);
/* 0 when a new passphrase is long enough (-EINVAL: shorter than SESSION_PASSPHRASE_MIN characters;
 * -E2BIG: longer than SESSION_PASSPHRASE_MAX_BYTES; -EILSEQ: not UTF-8, or holds a NUL). */
int session_passphrase_check(const char *passphrase, size_t len);

/* What may be shown about a user: never a secret. Plain data, no ownership. */
struct session_user_info {
        char id[SESSION_USER_ID_MAX + 1];
        char name[SESSION_USER_NAME_MAX_BYTES + 1];
        char name_latin[SESSION_USER_NAME_MAX_BYTES + 1]; /* "" when not given */
        enum session_role role;
        bool is_disabled;
        const char *method;       /* SESSION_AUTH_METHOD (static) */
        uint64_t failed_attempts; /* in a row, from the state file */
};

struct session_users;

/* An empty set of users that session_users_save() will write to path (its state file beside it). */
int session_users_new(const char *path, struct session_users **ret);

/*
 * Reads path and its state file and checks the users file's signature with the appliance's public
 * key. -ENOENT missing, -EPERM readable or writable by group/others (must be 0600 or stricter) or
 * not a regular file, -EBADMSG not a kesu users file (not JSON, truncated, missing or malformed
 * fields, a duplicate id; also a malformed state file), -EPROTONOSUPPORT a version this kesu does
 * not know, -ENOKEY signed by another key than pub, -EKEYREJECTED the signature does not verify
 * (the file was edited). A missing state file means no failures and no code used yet.
 */
int session_users_load(const char *path, const struct cert_public_key *pub, struct session_users **ret);

/* Signs the users with key and writes the file atomically (mode 0600), then the state file. */
int session_users_save(struct session_users *u, const struct cert_secret_key *key);

/* Frees everything, wiping the secrets. Accepts NULL; returns NULL. */
struct session_users *session_users_free(struct session_users *u);

/* The users file and state file paths (owned by u). */
const char *session_users_path(const struct session_users *u);
const char *session_users_state_path(const struct session_users *u);

/*
 * Adds a user with a fresh random TOTP secret (20 bytes) and the passphrase's Argon2id hash (in
 * memory only: session_users_save() writes it). name_latin may be NULL. Returns the secret in
 * base32 (sodium_malloc'd: show it once, then sodium_free() it). -EINVAL a bad id, name or
 * passphrase (see the checks above), -EEXIST the id is taken.
 */
int session_users_add(struct session_users *u, const char *id, const char *name, const char *name_latin,
                      enum session_role role, const char *passphrase, size_t passphrase_len,
                      char **ret_totp_secret_base32);

/* Records that the TOTP code of time step step was used for id (the code typed back when the user
 * was enrolled), so it cannot also log the user in. Call after session_users_save() made the user's
 * state entry. -ENOENT unknown id, or the state file's errors. */
int session_users_note_code_used(struct session_users *u, const char *id, uint64_t step);

/* Disables a user: it can no longer log in (kept in the file, so certificates that name it stay
 * explainable). -ENOENT unknown id, -EALREADY already disabled. */
int session_users_disable(struct session_users *u, const char *id);

/* Enables a disabled user again; its failure count starts from zero when session_users_save()
 * writes the change (an administrator vouched for it). -ENOENT unknown id, -EALREADY not disabled. */
int session_users_enable(struct session_users *u, const char *id);

/*
 * Both factors anew, for a user who forgot the passphrase or lost the phone: the passphrase's new
 * hash and a fresh random TOTP secret (the old one stops working), returned in base32 as by
 * session_users_add() (sodium_free() it). session_users_save() also clears the failure count, so
 * a throttled user can log in at once; the last used time step is kept (codes are never replayed).
 * Whether the user is disabled is not changed. -ENOENT unknown id, -EINVAL/-E2BIG/-EILSEQ a bad
 * passphrase (see session_passphrase_check()).
 */
int session_users_reset(struct session_users *u, const char *id, const char *passphrase, size_t passphrase_len,
                        char **ret_totp_secret_base32);

/* A new passphrase for a user. -ENOENT unknown id, -EINVAL too short. */
int session_users_set_passphrase(struct session_users *u, const char *id, const char *passphrase,
                                 size_t passphrase_len);

/* One user's description. -ENOENT unknown id. */
int session_users_get(const struct session_users *u, const char *id, struct session_user_info *ret);

/* Every user, in the file's order (malloc'd array; free() it). */
int session_users_list(const struct session_users *u, struct session_user_info **ret, size_t *ret_n);

/*
 * Checks a login at Unix time now: the passphrase and the current 6-digit TOTP code together.
 *   0               both right: *ret_info describes the user (method "passphrase+totp"); the
 *                   failure count is reset and the code's time step recorded so it cannot be used
 *                   again.
 *   -ENOENT         no such user.
 *   -EACCES         wrong passphrase or wrong/used code (never which); the failure is counted.
 *   -EKEYREVOKED    both right, but the user is disabled.
 *   -EAGAIN         too many failures in a row: nothing was checked; *ret_wait_s says how long
 *                   to wait (2^(failures-3) s from the last failure, at most 15 min).
 * Other negative errnos: the state file could not be written (the login is then refused: a code
 * whose use cannot be recorded could be used twice). The state file is re-read under a lock
 * (flock on the users file) first, so two kesu processes cannot both accept one code.
 */
int session_user_authenticate(struct session_users *u, const char *id, const char *passphrase,
                              size_t passphrase_len, const char *totp_code, int64_t now,
                              struct session_user_info *ret_info, uint64_t *ret_wait_s);

/* For tests and the provisioning screen: the user's TOTP secret (raw bytes, into a buffer of
 * SESSION_TOTP_SECRET_MAX_BYTES the caller keeps in sodium_malloc memory). -ENOENT unknown id. */
int session_users_totp_secret(const struct session_users *u, const char *id,
                              uint8_t ret_secret[SESSION_TOTP_SECRET_MAX_BYTES], size_t *ret_len);
