/* SPDX-License-Identifier: MIT */
/*
 * The QR payload: the key fields, the record's hash and an Ed25519 signature, as one line of text:
 *   KESU1|serial|sequence|result|asset|disk serial|ended UTC|hash|key id|signature
 * '|' and '%' inside fields are percent-escaped, and each text field is cut to its first
 * CERT_QR_FIELD_MAX_BYTES bytes (at a character boundary); hash (32 bytes) and signature (64 bytes) are
 * unpadded base64url; the signature covers every byte before the last '|'.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "certificates.h"
#include "common.h"

#define QR_TAG    "KESU1"
#define QR_FIELDS 10

static const char *get_str(const json_t *o, const char *path1, const char *path2)
{
        const json_t *v = json_object_get(o, path1);
        if (path2)
                v = json_object_get(v, path2);
        return json_is_string(v) ? json_string_value(v) : "";
}

/* Appends the first len bytes of s to buf (size), escaping '|' and '%'. */
static void append_escaped(char *buf, size_t size, const char *s, size_t len)
{
        size_t o = strlen(buf);
        for (const char *end = s + len; s < end && *s && o + 4 < size; s++) {
                if (*s == '|' || *s == '%')
                        o += (size_t)snprintf(buf + o, size - o, "%%%02X", (unsigned char)*s);
                else
                        buf[o++] = *s;
        }
        buf[o] = 0;
}

static int unescape(const char *s, size_t len, char *out, size_t size)
{
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (o + 1 >= size)
                        return -EBADMSG;
                if (s[i] == '%') {
                        if (i + 2 >= len)
                                return -EBADMSG;
                        char two[3] = { s[i + 1], s[i + 2], 0 };
                        char *end;
                        long v = strtol(two, &end, 16);
                        if (*end)
                                return -EBADMSG;
                        out[o++] = (char)v;
                        i += 2;
                } else
                        out[o++] = s[i];
        }
        out[o] = 0;
        return 0;
}

static int hash_to_bytes(const char *record_hash, uint8_t out[32])
{
        if (strncmp(record_hash, "sha256:", 7) != 0 || strlen(record_hash) != 7 + 64)
                return -EINVAL;
        size_t n;
        if (sodium_hex2bin(out, 32, record_hash + 7, 64, NULL, &n, NULL) != 0 || n != 32)
                return -EINVAL;
        return 0;
}

int cert_qr_payload(const json_t *record, const char *record_hash, const struct cert_secret_key *k,
                    char **ret)
{
        char buf[2048] = QR_TAG;
        char num[32];
        uint8_t hash[32];
        int r = hash_to_bytes(record_hash, hash);
        if (r < 0)
                return r;
        json_int_t seq = json_integer_value(json_object_get(record, "sequence"));
        snprintf(num, sizeof num, "%lld", (long long)seq);
        const char *fields[] = { get_str(record, "serial", NULL),    num,
                                 get_str(record, "result", NULL),    get_str(record, "asset_number", NULL),
                                 get_str(record, "media", "serial"), get_str(record, "times", "ended_utc") };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                strcat(buf, "|");
                /* a long field (a USB bridge's serial) is cut at a character boundary: the QR stays
                 * small enough to scan and still verifies; the record's hash binds the whole text */
                append_escaped(buf, sizeof buf - 256, fields[i], text_utf8_prefix(fields[i], CERT_QR_FIELD_MAX_BYTES));
        }
        char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
        sodium_bin2base64(b64, sizeof b64, hash, sizeof hash, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        char id[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(k->key_id, id);
        size_t o = strlen(buf);
        snprintf(buf + o, sizeof buf - o, "|%s|%s", b64, id);

        uint8_t sig[CERT_SIGNATURE_BYTES];
        if ((r = cert_sign_raw(k, buf, strlen(buf), sig)) < 0)
                return r;
        sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        o = strlen(buf);
        snprintf(buf + o, sizeof buf - o, "|%s", b64);
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int cert_qr_verify(const char *payload, const struct cert_public_key *keys, size_t n_keys,
                   struct cert_qr_fields *ret)
{
        const char *start[QR_FIELDS];
        size_t len[QR_FIELDS];
        size_t n = 0;
        const char *p = payload;
        size_t total = strcspn(payload, "\r\n");
        const char *end = payload + total;
        while (n < QR_FIELDS) {
                const char *bar = memchr(p, '|', (size_t)(end - p));
                start[n] = p;
                len[n] = bar ? (size_t)(bar - p) : (size_t)(end - p);
                n++;
                if (!bar)
                        break;
                p = bar + 1;
        }
        if (n != QR_FIELDS || start[QR_FIELDS - 1] + len[QR_FIELDS - 1] != end)
                return -EBADMSG;
        if (len[0] != strlen(QR_TAG) || memcmp(start[0], QR_TAG, len[0]) != 0)
                return -EBADMSG;

        struct cert_qr_fields f = { 0 };
        if (unescape(start[1], len[1], f.serial, sizeof f.serial) < 0 ||
            unescape(start[2], len[2], f.sequence, sizeof f.sequence) < 0 ||
            unescape(start[3], len[3], f.result, sizeof f.result) < 0 ||
            unescape(start[4], len[4], f.asset, sizeof f.asset) < 0 ||
            unescape(start[5], len[5], f.disk_serial, sizeof f.disk_serial) < 0 ||
            unescape(start[6], len[6], f.ended_utc, sizeof f.ended_utc) < 0)
                return -EBADMSG;
        uint8_t hash[32], sig[CERT_SIGNATURE_BYTES], id[CERT_KEY_ID_BYTES];
        size_t got;
        if (sodium_base642bin(hash, sizeof hash, start[7], len[7], NULL, &got, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            got != sizeof hash)
                return -EBADMSG;
        if (sodium_base642bin(sig, sizeof sig, start[9], len[9], NULL, &got, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            got != sizeof sig)
                return -EBADMSG;
        if (len[8] != 2 * CERT_KEY_ID_BYTES)
                return -EBADMSG;
        memcpy(f.key_id, start[8], len[8]);
        f.key_id[len[8]] = 0;
        /* the printed id is the little-endian number in upper-case hex */
        unsigned long long v = strtoull(f.key_id, NULL, 16);
        for (int i = 0; i < CERT_KEY_ID_BYTES; i++)
                id[i] = (uint8_t)(v >> (8 * i));
        char check[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(id, check);
        if (strcmp(check, f.key_id) != 0)
                return -EBADMSG;

        size_t k;
        for (k = 0; k < n_keys; k++)
                if (memcmp(keys[k].key_id, id, CERT_KEY_ID_BYTES) == 0)
                        break;
        if (k == n_keys)
                return -ENOKEY;
        if (!cert_verify_raw(&keys[k], payload, (size_t)(start[9] - 1 - payload), sig))
                return -EKEYREJECTED;
        strcpy(f.record_hash, "sha256:");
        for (size_t i = 0; i < sizeof hash; i++)
                sprintf(f.record_hash + 7 + 2 * i, "%02x", hash[i]);
        *ret = f;
        return 0;
}
