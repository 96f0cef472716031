/* SPDX-License-Identifier: MIT */
/*
 * The appliance key: Ed25519 (libsodium). The secret key file is kesu's own, explicitly laid out:
 *   "KESUSK" 0x00 0x01 | key id (8) | opslimit (le64) | memlimit (le64) | salt (16) | nonce (24) |
 *   XChaCha20-Poly1305(secret key (64)) with the header before it as associated data
 * under a key derived from the passphrase with Argon2id. The public key file is minisign's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"

_Static_assert(CERT_KEY_OPSLIMIT == crypto_pwhash_OPSLIMIT_INTERACTIVE, "the key's Argon2 opslimit");
_Static_assert(CERT_KEY_MEMLIMIT == crypto_pwhash_MEMLIMIT_INTERACTIVE, "the key's Argon2 memlimit");
_Static_assert(CERT_KEY_OPSLIMIT_MAX <= crypto_pwhash_OPSLIMIT_MAX, "within Argon2id's range");

static const uint8_t secret_magic[8] = { 'K', 'E', 'S', 'U', 'S', 'K', 0x00, 0x01 };
#define SALT_BYTES        crypto_pwhash_SALTBYTES
#define NONCE_BYTES       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define HEADER_BYTES      (8 + CERT_KEY_ID_BYTES + 8 + 8 + SALT_BYTES + NONCE_BYTES)
#define SECRET_FILE_BYTES (HEADER_BYTES + CERT_SECRET_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)

static void le64_store(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le64_get(const uint8_t *p)
{
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

void cert_key_id_hex(const uint8_t id[CERT_KEY_ID_BYTES], char out[2 * CERT_KEY_ID_BYTES + 1])
{
        snprintf(out, 2 * CERT_KEY_ID_BYTES + 1, "%016llX", (unsigned long long)le64_get(id));
}

void cert_key_fingerprint(const uint8_t pk[CERT_PUBLIC_KEY_BYTES], char *out, size_t size)
{
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, pk, CERT_PUBLIC_KEY_BYTES);
        size_t o = 0;
        for (size_t i = 0; i < sizeof h && o + 6 <= size; i += 2)
                o += (size_t)snprintf(out + o, size - o, "%s%02x%02x", i ? " " : "", h[i], h[i + 1]);
}

void cert_secret_key_free(struct cert_secret_key *k)
{
        if (k)
                sodium_free(k); /* sodium_free wipes */
}

int cert_public_key_format(const struct cert_public_key *k, char **ret)
{
        uint8_t raw[2 + CERT_KEY_ID_BYTES + CERT_PUBLIC_KEY_BYTES];
        memcpy(raw, "Ed", 2);
        memcpy(raw + 2, k->key_id, CERT_KEY_ID_BYTES);
        memcpy(raw + 2 + CERT_KEY_ID_BYTES, k->pk, CERT_PUBLIC_KEY_BYTES);
        char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
        char id[17];
        cert_key_id_hex(k->key_id, id);
        if (asprintf(ret, "untrusted comment: minisign public key %s\n%s\n", id, b64) < 0)
                return -ENOMEM;
        return 0;
}

int cert_public_key_parse(const char *text, struct cert_public_key *ret)
{
        /* The base64 line: the file's second line, or the text itself. */
        const char *line = text;
        if (strncmp(text, "untrusted comment:", 18) == 0) {
                line = strchr(text, '\n');
                if (!line)
                        return -EBADMSG;
                line++;
        }
        size_t len = strcspn(line, "\r\n");
        uint8_t raw[2 + CERT_KEY_ID_BYTES + CERT_PUBLIC_KEY_BYTES];
        size_t n;
        if (sodium_base642bin(raw, sizeof raw, line, len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
                    0 ||
            n != sizeof raw || memcmp(raw, "Ed", 2) != 0)
                return -EBADMSG;
        memcpy(ret->key_id, raw + 2, CERT_KEY_ID_BYTES);
        memcpy(ret->pk, raw + 2 + CERT_KEY_ID_BYTES, CERT_PUBLIC_KEY_BYTES);
        return 0;
}

int cert_public_key_load(const char *path, struct cert_public_key *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        return cert_public_key_parse(text, ret);
}

/* Writes data to path: O_EXCL unless replacing, via a temporary file renamed into place. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode, bool is_replace)
{
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
                return -ENAMETOOLONG;
        unlink(tmp);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
                int r = errno ? -errno : -EIO;
                unlink(tmp);
                return r;
        }
        /* link() refuses an existing name: the O_EXCL of the final file, done atomically. */
        if (!is_replace) {
                if (link(tmp, path) < 0) {
                        int r = -errno;
                        unlink(tmp);
                        return r;
                }
                unlink(tmp);
                return 0;
        }
        if (rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int cert_key_generate(const char *dir, const char *passphrase, size_t passphrase_len, bool is_force,
                      struct cert_public_key *ret)
{
        char sec_path[PATH_MAX], pub_path[PATH_MAX];
        if (snprintf(sec_path, sizeof sec_path, "%s/appliance.key", dir) >= (int)sizeof sec_path ||
            snprintf(pub_path, sizeof pub_path, "%s/appliance.pub", dir) >= (int)sizeof pub_path)
                return -ENAMETOOLONG;
        if (sodium_init() < 0)
                return -EIO;
        struct stat st;
        if (!is_force && (stat(sec_path, &st) == 0 || stat(pub_path, &st) == 0))
                return -EEXIST;
        if (stat(dir, &st) < 0)
                return -errno;

        struct cert_secret_key *sk = sodium_malloc(sizeof *sk);
        uint8_t *derived = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        uint8_t file[SECRET_FILE_BYTES];
        _cleanup_free_ char *pub_text = NULL; /* before the first goto: the cleanup runs at out */
        int r = 0;
        if (!sk || !derived) {
                r = -ENOMEM;
                goto out;
        }
        crypto_sign_keypair(sk->pk, sk->sk);
        randombytes_buf(sk->key_id, CERT_KEY_ID_BYTES);

        uint64_t ops = CERT_KEY_OPSLIMIT, mem = CERT_KEY_MEMLIMIT;
        uint8_t *p = file;
        memcpy(p, secret_magic, 8);
        memcpy(p + 8, sk->key_id, CERT_KEY_ID_BYTES);
        le64_store(p + 16, ops);
        le64_store(p + 24, mem);
        randombytes_buf(p + 32, SALT_BYTES);
        randombytes_buf(p + 32 + SALT_BYTES, NONCE_BYTES);
        if (crypto_pwhash(derived, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase, passphrase_len,
                          p + 32, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
                r = -ENOMEM;
                goto out;
        }
        crypto_aead_xchacha20poly1305_ietf_encrypt(file + HEADER_BYTES, NULL, sk->sk, CERT_SECRET_KEY_BYTES,
                                                   file, HEADER_BYTES, NULL, p + 32 + SALT_BYTES, derived);

        struct cert_public_key pub;
        memcpy(pub.key_id, sk->key_id, CERT_KEY_ID_BYTES);
        memcpy(pub.pk, sk->pk, CERT_PUBLIC_KEY_BYTES);
        if ((r = cert_public_key_format(&pub, &pub_text)) < 0)
                goto out;
        if ((r = write_file(sec_path, file, sizeof file, 0600, is_force)) < 0)
                goto out;
        if ((r = write_file(pub_path, pub_text, strlen(pub_text), 0644, is_force)) < 0) {
                if (!is_force)
                        unlink(sec_path); /* no half key pair left behind */
                goto out;
        }
        *ret = pub;
out:
        sodium_memzero(file, sizeof file);
        sodium_free(derived);
        cert_secret_key_free(sk);
        return r;
}

int cert_key_unlock(const char *path, const char *passphrase, size_t passphrase_len,
                    struct cert_secret_key **ret)
{
        if (sodium_init() < 0)
                return -EIO;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if (st.st_mode & 077)
                return -EPERM; /* a secret key others can read is no longer secret */
        uint8_t file[SECRET_FILE_BYTES + 1];
        ssize_t n = read(fd, file, sizeof file);
        if (n < 0)
                return -errno;
        if (n != SECRET_FILE_BYTES || memcmp(file, secret_magic, 8) != 0)
                return -EBADMSG;
        /* The header is read before the passphrase can be checked: a crafted one must not make us
         * allocate gigabytes or spin for minutes. */
        uint64_t ops = le64_get(file + 16), mem = le64_get(file + 24);
        if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > CERT_KEY_OPSLIMIT_MAX ||
            mem < crypto_pwhash_MEMLIMIT_MIN || mem > CERT_KEY_MEMLIMIT_MAX)
                return -ERANGE;

        struct cert_secret_key *sk = sodium_malloc(sizeof *sk);
        uint8_t *derived = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        int r = 0;
        if (!sk || !derived) {
                r = -ENOMEM;
                goto out;
        }
        if (crypto_pwhash(derived, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase, passphrase_len,
                          file + 32, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
                r = -ENOMEM;
                goto out;
        }
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(sk->sk, NULL, NULL, file + HEADER_BYTES,
                                                       SECRET_FILE_BYTES - HEADER_BYTES, file, HEADER_BYTES,
                                                       file + 32 + SALT_BYTES, derived) != 0) {
                r = -EACCES; /* wrong passphrase (or a file altered since) */
                goto out;
        }
        memcpy(sk->key_id, file + 8, CERT_KEY_ID_BYTES);
        crypto_sign_ed25519_sk_to_pk(sk->pk, sk->sk);
        *ret = sk;
        sk = NULL;
out:
        sodium_memzero(file, sizeof file);
        sodium_free(derived);
        cert_secret_key_free(sk);
        return r;
}
