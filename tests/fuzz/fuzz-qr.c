/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the QR payload parser, cert_qr_verify(). The input, up to its first NUL byte,
 * is the payload text (what a scanner hands over). Besides not crashing, leaking or hitting UB, a
 * rejected payload must leave the output untouched, and an accepted one must fill it with
 * terminated strings and a well-formed record hash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certificates.h"
#include "fuzz-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_terminated(const char *s, size_t size)
{
        return memchr(s, 0, size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct fuzz_keys *keys = fuzz_keys();
        char *payload = strndup((const char *)data, size);
        if (!payload)
                return 0;

        struct cert_qr_fields fields, untouched;
        memset(&fields, 0xa5, sizeof fields);
        untouched = fields;
        int r = cert_qr_verify(payload, keys->pub, FUZZ_N_KEYS, &fields);
        if (r < 0) {
                if (memcmp(&fields, &untouched, sizeof fields) != 0)
                        abort(); /* output parameters are left untouched on failure */
        } else if (!is_terminated(fields.serial, sizeof fields.serial) ||
                   !is_terminated(fields.sequence, sizeof fields.sequence) ||
                   !is_terminated(fields.result, sizeof fields.result) ||
                   !is_terminated(fields.asset, sizeof fields.asset) ||
                   !is_terminated(fields.disk_serial, sizeof fields.disk_serial) ||
                   !is_terminated(fields.ended_utc, sizeof fields.ended_utc) ||
                   strlen(fields.key_id) != 2 * CERT_KEY_ID_BYTES ||
                   strlen(fields.record_hash) != strlen("sha256:") + 64 ||
                   strncmp(fields.record_hash, "sha256:", 7) != 0)
                abort();
        free(payload);
        return 0;
}
