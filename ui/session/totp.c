/* SPDX-License-Identifier: MIT */
/* RFC 6238 one-time codes and base32, through liboath (no HMAC or truncation of our own). */
#include <errno.h>
#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "totp.h"

/* oath_init() only sets up liboath's built-in hash functions; calling it again is harmless. */
static int oath_ready(void)
{
        return oath_init() == OATH_OK ? 0 : -EIO;
}

int session_totp_step(int64_t now, uint64_t *ret_step)
{
        if (now < 0)
                return -ERANGE;
        *ret_step = (uint64_t)now / SESSION_TOTP_PERIOD_S;
        return 0;
}

int session_totp_generate(const uint8_t *secret, size_t secret_len, int64_t now, unsigned digits,
                          char ret_code[SESSION_TOTP_CODE_MAX + 1])
{
        if (!secret || secret_len == 0 || digits < 6 || digits > 8 || now < 0)
                return -EINVAL;
        int r = oath_ready();
        if (r < 0)
                return r;
        char code[SESSION_TOTP_CODE_MAX + 1] = { 0 };
        if (oath_totp_generate((const char *)secret, secret_len, (time_t)now, SESSION_TOTP_PERIOD_S,
                               OATH_TOTP_DEFAULT_START_TIME, digits, code) != OATH_OK)
                return -EIO;
        memcpy(ret_code, code, sizeof code);
        sodium_memzero(code, sizeof code);
        return 0;
}

static bool is_code_well_formed(const char *code)
{
        size_t n = 0;
        for (; code[n]; n++)
                if (code[n] < '0' || code[n] > '9')
                        return false;
        return n == SESSION_TOTP_DIGITS;
}

int session_totp_check(const uint8_t *secret, size_t secret_len, int64_t now, const char *code,
                       uint64_t after_step, uint64_t *ret_step)
{
        if (!secret || secret_len == 0 || !code)
                return -EINVAL;
        uint64_t step;
        if (session_totp_step(now, &step) < 0 || !is_code_well_formed(code))
                return -EACCES;
        int r = oath_ready();
        if (r < 0)
                return r;
        /* Each step on its own (window 0), oldest first, so a code that happens to match both a used
         * and an unused step is judged on the unused one, and replays are told apart from drift. */
        uint64_t first = step >= SESSION_TOTP_WINDOW_STEPS ? step - SESSION_TOTP_WINDOW_STEPS : 0;
        for (uint64_t s = first; s <= step + SESSION_TOTP_WINDOW_STEPS; s++) {
                if (s <= after_step)
                        continue;
                if (s > (uint64_t)INT64_MAX / SESSION_TOTP_PERIOD_S)
                        break;
                int k = oath_totp_validate3((const char *)secret, secret_len,
                                            (time_t)(s * SESSION_TOTP_PERIOD_S), SESSION_TOTP_PERIOD_S,
                                            OATH_TOTP_DEFAULT_START_TIME, 0, NULL, NULL, code);
                if (k >= 0) {
                        *ret_step = s;
                        return 0;
                }
        }
        return -EACCES;
}

int session_base32_encode(const uint8_t *bytes, size_t len, char **ret)
{
        char *b32 = NULL;
        size_t b32_len = 0;
        if (oath_base32_encode((const char *)bytes, len, &b32, &b32_len) != OATH_OK)
                return -ENOMEM;
        char *s = sodium_malloc(b32_len + 1);
        if (s) {
                memcpy(s, b32, b32_len);
                s[b32_len] = 0;
        }
        sodium_memzero(b32, b32_len);
        free(b32);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int session_base32_decode(const char *text, uint8_t *buf, size_t size, size_t *ret_len)
{
        char *bin = NULL;
        size_t bin_len = 0;
        int k = oath_base32_decode(text, strlen(text), &bin, &bin_len);
        if (k == OATH_MALLOC_ERROR)
                return -ENOMEM;
        if (k != OATH_OK)
                return -EINVAL;
        int r = 0;
        if (bin_len > size)
                r = -E2BIG;
        else
                memcpy(buf, bin, bin_len);
        sodium_memzero(bin, bin_len);
        free(bin);
        if (r < 0)
                return r;
        *ret_len = bin_len;
        return 0;
}

int session_totp_uri(const char *id, const char *secret_base32, char **ret)
{
        static const char fmt[] =
                "otpauth://totp/kesu:%s?secret=%s&issuer=kesu&algorithm=SHA1&digits=%d&period=%d";
        int n = snprintf(NULL, 0, fmt, id, secret_base32, SESSION_TOTP_DIGITS, SESSION_TOTP_PERIOD_S);
        if (n < 0)
                return -EINVAL;
        char *s = sodium_malloc((size_t)n + 1);
        if (!s)
                return -ENOMEM;
        snprintf(s, (size_t)n + 1, fmt, id, secret_base32, SESSION_TOTP_DIGITS, SESSION_TOTP_PERIOD_S);
        *ret = s;
        return 0;
}
