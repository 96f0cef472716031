/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * ui/session: the second factor — RFC 6238 time-based one-time codes (TOTP, HMAC-SHA1, 30 s, 6
 * digits), computed by liboath, and the base32 text authenticator apps take the secret in. Quiet:
 * returns 0 or a negative errno. Secrets and codes are the caller's to keep in sodium_malloc
 * memory; strings returned here live there already (free them with sodium_free()).
 */

#include <stddef.h>
#include <stdint.h>

#define SESSION_TOTP_SECRET_BYTES     20 /* RFC 4226 §4: 160 bits for HMAC-SHA1 */
#define SESSION_TOTP_SECRET_MAX_BYTES 64
#define SESSION_TOTP_PERIOD_S         30
#define SESSION_TOTP_DIGITS           6
#define SESSION_TOTP_WINDOW_STEPS     1  /* accept one step either side: clocks drift, people type slowly */
#define SESSION_TOTP_CODE_MAX         10 /* digits */

/* The time step (RFC 6238 T) of a Unix time: floor(now / 30); -ERANGE before 1970. */
int session_totp_step(int64_t now, uint64_t *ret_step);

/* The code for secret at Unix time now with digits digits (6–8), into ret_code (NUL-terminated). */
int session_totp_generate(const uint8_t *secret, size_t secret_len, int64_t now, unsigned digits,
                          char ret_code[SESSION_TOTP_CODE_MAX + 1]);

/*
 * Checks a 6-digit code against the time steps now-1 … now+1 that are later than after_step (the
 * last step accepted before, 0 for none: a code once used does not count again). Returns 0 and the
 * step it matched, or -EACCES (wrong, malformed or already used — never which).
 */
int session_totp_check(const uint8_t *secret, size_t secret_len, int64_t now, const char *code,
                       uint64_t after_step, uint64_t *ret_step);

/* Base32 (RFC 4648, upper case, padded to whole groups) of bytes, as a sodium_malloc'd string. */
int session_base32_encode(const uint8_t *bytes, size_t len, char **ret);

/* Decodes base32 text into buf (at most size bytes). -EINVAL not base32, -E2BIG longer than size. */
int session_base32_decode(const char *text, uint8_t *buf, size_t size, size_t *ret_len);

/*
 * The provisioning URI authenticator apps read from a QR code:
 * otpauth://totp/kesu:ID?secret=…&issuer=kesu&algorithm=SHA1&digits=6&period=30 (sodium_malloc'd).
 * id must be a valid user id (it needs no escaping).
 */
int session_totp_uri(const char *id, const char *secret_base32, char **ret);
