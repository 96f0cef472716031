/* SPDX-License-Identifier: MIT */
/*
 * Patterns: fixed byte sequences and the AES-128-CTR keystream. The keystream comes from OpenSSL's
 * libcrypto (AES-NI/VAES: several GB/s a core, against ~1.8 GB/s for libsodium's ChaCha20), so a
 * cryptographic random pass runs at device speed and any offset can be regenerated.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "common.h"
#include "wiper.h"

struct wipe_pattern_stream {
        struct wipe_pattern pattern;
        EVP_CIPHER_CTX *ctx;
};

static int parse_hex_bytes(const char *s, uint8_t *out, size_t *ret_n)
{
        if (strncmp(s, "0x", 2) != 0 && strncmp(s, "0X", 2) != 0)
                return -EINVAL;
        s += 2;
        size_t len = strlen(s);
        if (len == 0 || len % 2 != 0 || len / 2 > WIPE_PATTERN_MAX_BYTES)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!isxdigit((unsigned char)s[i]))
                        return -EINVAL;
        for (size_t i = 0; i < len / 2; i++) {
                char two[3] = { s[2 * i], s[2 * i + 1], 0 };
                out[i] = (uint8_t)strtoul(two, NULL, 16);
        }
        *ret_n = len / 2;
        return 0;
}

int wipe_pattern_parse(const char *token, const struct wipe_pattern *prev, struct wipe_pattern *ret)
{
        struct wipe_pattern p = { .kind = WIPE_PATTERN_BYTES };

        if (!token)
                return -EINVAL;
        if (strcmp(token, "random") == 0)
                p.kind = WIPE_PATTERN_RANDOM;
        else if (strcmp(token, "zero") == 0)
                p.n_bytes = 1; /* bytes[0] = 0x00 */
        else if (strcmp(token, "one") == 0) {
                p.bytes[0] = 0xff;
                p.n_bytes = 1;
        } else if (strcmp(token, "comp") == 0) {
                if (!prev || prev->kind != WIPE_PATTERN_BYTES)
                        return -EINVAL; /* the complement of random (or of nothing) is undefined */
                p = *prev;
                for (size_t i = 0; i < p.n_bytes; i++)
                        p.bytes[i] = (uint8_t)~p.bytes[i];
        } else if (token[0] == '~') {
                int r = parse_hex_bytes(token + 1, p.bytes, &p.n_bytes);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < p.n_bytes; i++)
                        p.bytes[i] = (uint8_t)~p.bytes[i];
        } else {
                int r = parse_hex_bytes(token, p.bytes, &p.n_bytes);
                if (r < 0)
                        return r;
        }
        *ret = p;
        return 0;
}

const char *wipe_pattern_describe(const struct wipe_pattern *p, char *buf, size_t size)
{
        if (p->kind == WIPE_PATTERN_RANDOM) {
                snprintf(buf, size, "random");
                return buf;
        }
        size_t o = 0;
        buf[0] = 0;
        for (size_t i = 0; i < p->n_bytes && o < size; i++)
                o += (size_t)snprintf(buf + o, size - o, "%s0x%02x", i ? " " : "", p->bytes[i]);
        return buf;
}

struct wipe_pattern_stream *wipe_pattern_stream_free(struct wipe_pattern_stream *s)
{
        if (!s)
                return NULL;
        EVP_CIPHER_CTX_free(s->ctx);
        OPENSSL_cleanse(&s->pattern, sizeof s->pattern);
        free(s);
        return NULL;
}

int wipe_pattern_stream_new(const struct wipe_pattern *p, struct wipe_pattern_stream **ret)
{
        if (p->kind == WIPE_PATTERN_BYTES && (p->n_bytes == 0 || p->n_bytes > WIPE_PATTERN_MAX_BYTES))
                return -EINVAL;
        struct wipe_pattern_stream *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->pattern = *p;
        if (p->kind == WIPE_PATTERN_RANDOM) {
                uint8_t iv[16] = { 0 };
                s->ctx = EVP_CIPHER_CTX_new();
                if (!s->ctx || EVP_EncryptInit_ex(s->ctx, EVP_aes_128_ctr(), NULL, p->key, iv) != 1) {
                        wipe_pattern_stream_free(s);
                        return -ENOMEM;
                }
        }
        *ret = s;
        return 0;
}

/* Encrypting zeros gives the keystream itself. The zeros come from one small read-only block
 * that stays in cache, so the output buffer is written once and never read (no memset pass). */
static const uint8_t zeros[64 * 1024];

static int keystream(struct wipe_pattern_stream *s, uint64_t offset, uint8_t *buf, size_t len)
{
        uint8_t iv[16] = { 0 };
        uint64_t block = offset / 16;
        for (int i = 0; i < 8; i++)
                iv[15 - i] = (uint8_t)(block >> (8 * i));
        if (EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, iv) != 1)
                return -EIO;

        int outl;
        size_t skip = offset % 16;
        if (skip) {
                /* Consume the first bytes of the block so the stream lines up with offset. */
                uint8_t scratch[16];
                if (EVP_EncryptUpdate(s->ctx, scratch, &outl, zeros, (int)skip) != 1)
                        return -EIO;
        }
        while (len > 0) {
                int n = len > sizeof zeros ? (int)sizeof zeros : (int)len;
                if (EVP_EncryptUpdate(s->ctx, buf, &outl, zeros, n) != 1)
                        return -EIO;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int wipe_pattern_fill(struct wipe_pattern_stream *s, uint64_t offset, uint8_t *buf, size_t len)
{
        const struct wipe_pattern *p = &s->pattern;
        if (p->kind == WIPE_PATTERN_RANDOM)
                return keystream(s, offset, buf, len);
        if (p->n_bytes == 1) {
                memset(buf, p->bytes[0], len);
                return 0;
        }
        /* Lay down one period in phase, then double the filled part until done. */
        size_t phase = (size_t)(offset % p->n_bytes);
        size_t first = len < p->n_bytes ? len : p->n_bytes;
        for (size_t i = 0; i < first; i++)
                buf[i] = p->bytes[(phase + i) % p->n_bytes];
        size_t filled = first;
        while (filled < len) {
                size_t n = filled <= len - filled ? filled : len - filled;
                /* copying whole periods keeps the phase: filled is always a multiple of n_bytes */
                memcpy(buf + filled, buf, n);
                filled += n;
        }
        return 0;
}
