/* SPDX-License-Identifier: MIT */
/*
 * Signatures in minisign's .minisig format, so stock `minisign -V` checks them:
 *   untrusted comment: …
 *   base64("ED" | key id (8) | Ed25519(BLAKE2b-512(message)))
 *   trusted comment: …
 *   base64(Ed25519(signature | trusted comment))
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "certificates.h"
#include "common.h"

#define SIG_LINE_BYTES (2 + CERT_KEY_ID_BYTES + CERT_SIGNATURE_BYTES)

int cert_sign_raw(const struct cert_secret_key *k, const void *msg, size_t len,
                  uint8_t ret_sig[CERT_SIGNATURE_BYTES])
{
        return crypto_sign_detached(ret_sig, NULL, msg, len, k->sk) == 0 ? 0 : -EIO;
}

bool cert_verify_raw(const struct cert_public_key *k, const void *msg, size_t len,
                     const uint8_t sig[CERT_SIGNATURE_BYTES])
{
        return crypto_sign_verify_detached(sig, msg, len, k->pk) == 0;
}

static void prehash(const void *msg, size_t len, uint8_t out[crypto_generichash_BYTES_MAX])
{
        crypto_generichash(out, crypto_generichash_BYTES_MAX, msg, len, NULL, 0);
}

int cert_sign(const struct cert_secret_key *k, const void *msg, size_t len, const char *untrusted_comment,
              const char *trusted_comment, char **ret_minisig)
{
        /* One line each: the checker ends a line at '\r' too, so a '\r' would break the signature. */
        if (strpbrk(trusted_comment, "\r\n") || strpbrk(untrusted_comment, "\r\n"))
                return -EINVAL;
        uint8_t line[SIG_LINE_BYTES], hash[crypto_generichash_BYTES_MAX];
        memcpy(line, "ED", 2);
        memcpy(line + 2, k->key_id, CERT_KEY_ID_BYTES);
        prehash(msg, len, hash);
        if (crypto_sign_detached(line + 2 + CERT_KEY_ID_BYTES, NULL, hash, sizeof hash, k->sk) != 0)
                return -EIO;

        /* The global signature binds the trusted comment to the signature. */
        size_t tc_len = strlen(trusted_comment);
        _cleanup_free_ uint8_t *global_msg = malloc(CERT_SIGNATURE_BYTES + tc_len);
        if (!global_msg)
                return -ENOMEM;
        memcpy(global_msg, line + 2 + CERT_KEY_ID_BYTES, CERT_SIGNATURE_BYTES);
        memcpy(global_msg + CERT_SIGNATURE_BYTES, trusted_comment, tc_len);
        uint8_t global[CERT_SIGNATURE_BYTES];
        if (crypto_sign_detached(global, NULL, global_msg, CERT_SIGNATURE_BYTES + tc_len, k->sk) != 0)
                return -EIO;

        char b64_line[sodium_base64_ENCODED_LEN(SIG_LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        char b64_global[sodium_base64_ENCODED_LEN(CERT_SIGNATURE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64_line, sizeof b64_line, line, sizeof line, sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(b64_global, sizeof b64_global, global, sizeof global,
                          sodium_base64_VARIANT_ORIGINAL);
        if (asprintf(ret_minisig, "untrusted comment: %s\n%s\ntrusted comment: %s\n%s\n", untrusted_comment,
                     b64_line, trusted_comment, b64_global) < 0)
                return -ENOMEM;
        return 0;
}

/* The n-th line (0-based) of text without its line ending, in [*ret_start, *ret_start + *ret_len). */
static bool nth_line(const char *text, unsigned n, const char **ret_start, size_t *ret_len)
{
        const char *p = text;
        for (unsigned i = 0; i < n; i++) {
                p = strchr(p, '\n');
                if (!p)
                        return false;
                p++;
        }
        *ret_start = p;
        *ret_len = strcspn(p, "\r\n");
        return true;
}

int cert_verify_signature(const struct cert_public_key *keys, size_t n_keys, const void *msg, size_t len,
                          const char *minisig, char **ret_trusted_comment, size_t *ret_key_index)
{
        const char *l0, *l1, *l2, *l3;
        size_t n0, n1, n2, n3;
        static const char tc_prefix[] = "trusted comment: ";
        if (!nth_line(minisig, 0, &l0, &n0) || !nth_line(minisig, 1, &l1, &n1) ||
            !nth_line(minisig, 2, &l2, &n2) || !nth_line(minisig, 3, &l3, &n3))
                return -EBADMSG;
        if (strncmp(l0, "untrusted comment:", 18) != 0 || n2 < sizeof tc_prefix - 1 ||
            strncmp(l2, tc_prefix, sizeof tc_prefix - 1) != 0)
                return -EBADMSG;

        uint8_t line[SIG_LINE_BYTES], global[CERT_SIGNATURE_BYTES];
        size_t n;
        if (sodium_base642bin(line, sizeof line, l1, n1, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
                    0 ||
            n != sizeof line)
                return -EBADMSG;
        if (sodium_base642bin(global, sizeof global, l3, n3, NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            n != sizeof global)
                return -EBADMSG;
        bool is_prehashed = memcmp(line, "ED", 2) == 0;
        if (!is_prehashed && memcmp(line, "Ed", 2) != 0)
                return -EBADMSG;

        size_t k;
        for (k = 0; k < n_keys; k++)
                if (memcmp(keys[k].key_id, line + 2, CERT_KEY_ID_BYTES) == 0)
                        break;
        if (k == n_keys)
                return -ENOKEY;

        const uint8_t *sig = line + 2 + CERT_KEY_ID_BYTES;
        uint8_t hash[crypto_generichash_BYTES_MAX];
        int ok;
        if (is_prehashed) {
                prehash(msg, len, hash);
                ok = crypto_sign_verify_detached(sig, hash, sizeof hash, keys[k].pk);
        } else
                ok = crypto_sign_verify_detached(sig, msg, len, keys[k].pk);
        if (ok != 0)
                return -EKEYREJECTED;

        const char *tc = l2 + sizeof tc_prefix - 1;
        size_t tc_len = n2 - (sizeof tc_prefix - 1);
        _cleanup_free_ uint8_t *global_msg = malloc(CERT_SIGNATURE_BYTES + tc_len);
        if (!global_msg)
                return -ENOMEM;
        memcpy(global_msg, sig, CERT_SIGNATURE_BYTES);
        memcpy(global_msg + CERT_SIGNATURE_BYTES, tc, tc_len);
        if (crypto_sign_verify_detached(global, global_msg, CERT_SIGNATURE_BYTES + tc_len, keys[k].pk) != 0)
                return -EKEYREJECTED;

        if (ret_trusted_comment && !(*ret_trusted_comment = strndup(tc, tc_len)))
                return -ENOMEM;
        if (ret_key_index)
                *ret_key_index = k;
        return 0;
}
