/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the minisign-format parsers, cert_verify_signature() and
 * cert_public_key_parse(). The input is split at its first NUL byte: the text before it is the
 * .minisig file (and, read as a public key file, the key text: both are minisign's comment line
 * plus a base64 line), the bytes after it the signed message. Beyond not crashing, leaking or
 * hitting UB: output parameters stay untouched on failure, an accepted trusted comment is one line,
 * and a parsed public key survives being formatted and parsed again.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certificates.h"
#include "fuzz-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_signature(const struct fuzz_keys *keys, const char *minisig, const uint8_t *msg,
                            size_t msg_len)
{
        char *comment = NULL;
        size_t key_index = SIZE_MAX;
        int r = cert_verify_signature(keys->pub, FUZZ_N_KEYS, msg, msg_len, minisig, &comment, &key_index);
        if (r < 0) {
                if (comment || key_index != SIZE_MAX)
                        abort();
                if (r != -EBADMSG && r != -ENOKEY && r != -EKEYREJECTED && r != -ENOMEM)
                        abort(); /* the documented errors only */
                return;
        }
        if (!comment || strpbrk(comment, "\r\n") || key_index >= FUZZ_N_KEYS)
                abort();
        free(comment);
}

static void check_public_key(const char *text)
{
        struct cert_public_key key, again;
        memset(&key, 0xa5, sizeof key);
        const struct cert_public_key untouched = key;
        if (cert_public_key_parse(text, &key) < 0) {
                if (memcmp(&key, &untouched, sizeof key) != 0)
                        abort();
                return;
        }
        char *formatted = NULL;
        if (cert_public_key_format(&key, &formatted) < 0)
                return; /* out of memory */
        if (cert_public_key_parse(formatted, &again) < 0 || memcmp(&key, &again, sizeof key) != 0)
                abort();
        free(formatted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct fuzz_keys *keys = fuzz_keys();
        const uint8_t *nul = memchr(data, 0, size);
        size_t text_len = nul ? (size_t)(nul - data) : size;
        char *text = strndup((const char *)data, text_len);
        if (!text)
                return 0;
        /* The message in its own allocation, so reading past its end is caught. */
        size_t msg_len = nul ? size - text_len - 1 : 0;
        uint8_t *msg = malloc(msg_len ? msg_len : 1);
        if (msg) {
                if (msg_len)
                        memcpy(msg, nul + 1, msg_len);
                check_signature(keys, text, msg, msg_len);
        }
        check_public_key(text);
        free(msg);
        free(text);
        return 0;
}
