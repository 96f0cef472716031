/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the auditor, cert_audit_paths(), over one certificate file. The input is split
 * at its first NUL byte: the bytes before it become CERT.json, the bytes after it CERT.json.minisig
 * (no NUL: no signature file). Both are written to a fresh folder in /dev/shm (or $KESU_FUZZ_DIR),
 * removed after the run.
 *
 * Signing mode: a signature part that is one line starting "trusted comment: " (never a valid
 * .minisig, which has four lines) is replaced by a real signature of the JSON with the fuzz key
 * under that trusted comment. Mutated records then still get past the signature, and the checks
 * after it — the trusted comment against the record, the key id, the result — are fuzzed too.
 * There, what cert_sign() made must verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "fuzz-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char tc_prefix[] = "trusted comment: ";

static void write_file(const char *path, const void *bytes, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, bytes, len) != (ssize_t)len) {
                perror(path); /* the harness cannot run: not a finding in the parser */
                abort();
        }
        close(fd);
}

/* The minisig text signing mode makes, or NULL when sig is not a request for it. */
static char *sign_on_request(const struct fuzz_keys *keys, const uint8_t *json, size_t json_len,
                             const uint8_t *sig, size_t sig_len)
{
        _cleanup_free_ char *line = strndup((const char *)sig, sig_len);
        if (!line || strncmp(line, tc_prefix, strlen(tc_prefix)) != 0 || strchr(line, '\n'))
                return NULL;
        char *minisig = NULL;
        if (cert_sign(keys->secret, json, json_len, "fuzz", line + strlen(tc_prefix), &minisig) < 0)
                return NULL;
        /* a signature kesu makes, kesu must accept */
        char *comment = NULL;
        size_t key_index;
        int r = cert_verify_signature(keys->pub, FUZZ_N_KEYS, json, json_len, minisig, &comment, &key_index);
        if (r != 0 || key_index != FUZZ_KEY_FIXED || strcmp(comment, line + strlen(tc_prefix)) != 0)
                abort();
        free(comment);
        return minisig;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct fuzz_keys *keys = fuzz_keys();
        const uint8_t *nul = memchr(data, 0, size);
        size_t json_len = nul ? (size_t)(nul - data) : size;

        /* run-fuzzers.sh points KESU_FUZZ_DIR into its own folder, which it removes even after a crash */
        const char *base = getenv("KESU_FUZZ_DIR");
        char dir[4096], json_path[4096 + 16], sig_path[4096 + 32];
        snprintf(dir, sizeof dir, "%s/kesu-fuzz-cert-XXXXXX", base && *base ? base : "/dev/shm");
        if (!mkdtemp(dir)) {
                perror(dir);
                abort();
        }
        snprintf(json_path, sizeof json_path, "%s/CERT.json", dir);
        snprintf(sig_path, sizeof sig_path, "%s.minisig", json_path);
        write_file(json_path, data, json_len);
        if (nul) {
                const uint8_t *sig = nul + 1;
                size_t sig_len = size - json_len - 1;
                _cleanup_free_ char *made = sign_on_request(keys, data, json_len, sig, sig_len);
                if (made)
                        write_file(sig_path, made, strlen(made));
                else
                        write_file(sig_path, sig, sig_len);
        }

        struct cert_audit a;
        char *paths[] = { json_path };
        if (cert_audit_paths(paths, 1, keys->pub, FUZZ_N_KEYS, &a) == 0) {
                if (a.n_certificates != 1 || a.n_findings < 1 || a.n_valid > 1 ||
                    a.n_problems > a.n_findings)
                        abort();
                for (size_t i = 0; i < a.n_findings; i++)
                        if (!a.findings[i].subject || !a.findings[i].message)
                                abort();
                cert_audit_done(&a);
        }

        unlink(sig_path);
        unlink(json_path);
        rmdir(dir);
        return 0;
}
