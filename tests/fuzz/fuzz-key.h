/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The fuzzers' fixed keys, made from constant seeds: public by design, they sign nothing but the
 * seed corpora. make-corpus.c signs the corpora with the same key, so a seed passes every check
 * and the fuzzer starts from inputs that reach the code after the signature, not only the parsing
 * before it. A decoy key with another id sits first in the list, so the key lookup is exercised.
 */

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "certificates.h"

#define FUZZ_KEY_DECOY 0
#define FUZZ_KEY_FIXED 1
#define FUZZ_N_KEYS    2

struct fuzz_keys {
        struct cert_public_key pub[FUZZ_N_KEYS];
        struct cert_secret_key *secret; /* the fixed key's; sodium_malloc'd, lives as long as the process */
};

static void fuzz_key_make(uint8_t seed_byte, const char id[CERT_KEY_ID_BYTES + 1],
                          struct cert_secret_key *ret)
{
        uint8_t seed[crypto_sign_SEEDBYTES];
        for (size_t i = 0; i < sizeof seed; i++)
                seed[i] = (uint8_t)(seed_byte + i);
        crypto_sign_seed_keypair(ret->pk, ret->sk, seed);
        memcpy(ret->key_id, id, CERT_KEY_ID_BYTES);
}

/* The keys, made on the first call (sodium_init once). Aborts when that fails: nothing to fuzz. */
static const struct fuzz_keys *fuzz_keys(void)
{
        static struct fuzz_keys keys;
        static bool is_ready;
        if (is_ready)
                return &keys;
        if (sodium_init() < 0)
                abort();
        struct cert_secret_key *decoy = sodium_malloc(sizeof *decoy);
        keys.secret = sodium_malloc(sizeof *keys.secret);
        if (!decoy || !keys.secret)
                abort();
        fuzz_key_make(0xd0, "decoykey", decoy);
        fuzz_key_make(0x4b, "kesufuzz", keys.secret);
        const struct cert_secret_key *sk[FUZZ_N_KEYS] = {
                [FUZZ_KEY_DECOY] = decoy, [FUZZ_KEY_FIXED] = keys.secret
        };
        for (size_t i = 0; i < FUZZ_N_KEYS; i++) {
                memcpy(keys.pub[i].key_id, sk[i]->key_id, CERT_KEY_ID_BYTES);
                memcpy(keys.pub[i].pk, sk[i]->pk, CERT_PUBLIC_KEY_BYTES);
        }
        cert_secret_key_free(decoy);
        is_ready = true;
        return &keys;
}
