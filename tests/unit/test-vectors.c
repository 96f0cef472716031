/* SPDX-License-Identifier: MIT */
/*
 * The shared vectors (tests/vectors/certificates.json) against the C library: canonical bytes,
 * hashes, Ed25519, public keys, minisign signatures, QR payloads and folders of certificates as
 * the auditor checks them. The auditor's page (web/, tests/browser) runs the same file, so the
 * two are held to the same answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"

static json_t *vectors;

static const char *vstr(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

static void unhex(const char *h, uint8_t *out, size_t size, size_t *ret_len)
{
        size_t n = 0;
        assert_int_equal(sodium_hex2bin(out, size, h, strlen(h), NULL, &n, NULL), 0);
        *ret_len = n;
}

/* The keys a case names ("k1", "k2"), from the vectors' public key files. */
static size_t case_keys(const json_t *c, struct cert_public_key keys[4])
{
        size_t i, n = 0;
        const json_t *name;
        json_array_foreach(json_object_get(c, "keys"), i, name)
        {
                const json_t *k = json_object_get(json_object_get(vectors, "keys"), json_string_value(name));
                assert_non_null(k);
                assert_true(n < 4);
                assert_int_equal(cert_public_key_parse(vstr(k, "public_key_file"), &keys[n]), 0);
                n++;
        }
        return n;
}

static void test_canonical(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "canonical"), i, c)
        {
                const char *want = vstr(c, "canonical");
                json_t *o = json_loads(vstr(c, "input"), 0, NULL);
                print_message("canonical: %s\n", vstr(c, "name"));
                if (!want) {
                        assert_null(o);
                        continue;
                }
                assert_non_null(o);
                char *bytes, hash[72];
                size_t len;
                assert_int_equal(cert_canonical(o, &bytes, &len), 0);
                assert_string_equal(bytes, want);
                cert_hash(bytes, len, hash);
                assert_string_equal(hash, vstr(c, "sha256"));
                free(bytes);
                json_decref(o);
        }
}

static void test_hashes(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "sha256"), i, c)
        {
                char hash[72];
                const char *in = vstr(c, "input");
                cert_hash(in, strlen(in), hash);
                assert_string_equal(hash, vstr(c, "sha256"));
        }
        json_array_foreach(json_object_get(vectors, "blake2b512"), i, c)
        {
                uint8_t h[64];
                char hex[129];
                const char *in = vstr(c, "input");
                crypto_generichash(h, sizeof h, (const uint8_t *)in, strlen(in), NULL, 0);
                sodium_bin2hex(hex, sizeof hex, h, sizeof h);
                assert_string_equal(hex, vstr(c, "hex"));
        }
}

static void test_ed25519(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "ed25519"), i, c)
        {
                struct cert_public_key k = { 0 };
                uint8_t msg[256], sig[64];
                size_t n_pk, n_msg, n_sig;
                unhex(vstr(c, "public_key"), k.pk, sizeof k.pk, &n_pk);
                unhex(vstr(c, "message"), msg, sizeof msg, &n_msg);
                unhex(vstr(c, "signature"), sig, sizeof sig, &n_sig);
                assert_int_equal(n_pk, 32);
                assert_int_equal(n_sig, 64);
                print_message("ed25519: %s\n", vstr(c, "name"));
                assert_int_equal(cert_verify_raw(&k, msg, n_msg, sig), json_is_true(json_object_get(c, "valid")));
        }
}

static void test_public_keys(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "public_keys"), i, c)
        {
                struct cert_public_key k;
                const char *want = vstr(c, "key_id");
                int r = cert_public_key_parse(vstr(c, "text"), &k);
                print_message("public key: %s\n", vstr(c, "name"));
                if (!want) {
                        assert_int_equal(r, -EBADMSG);
                        continue;
                }
                assert_int_equal(r, 0);
                char id[17];
                cert_key_id_hex(k.key_id, id);
                assert_string_equal(id, want);
        }
}

static const char *status_of(int r)
{
        return r == 0 ? "ok" : r == -EBADMSG ? "malformed" : r == -ENOKEY ? "unknown-key" : r == -EKEYREJECTED ? "bad-signature" : "?";
}

static void test_minisig(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "minisig"), i, c)
        {
                struct cert_public_key keys[4];
                size_t n = case_keys(c, keys), index;
                const char *msg = vstr(c, "message");
                char *comment = NULL;
                int r = cert_verify_signature(keys, n, msg, strlen(msg), vstr(c, "minisig"), &comment, &index);
                print_message("minisig: %s\n", vstr(c, "name"));
                assert_string_equal(status_of(r), vstr(c, "status"));
                if (r == 0)
                        assert_string_equal(comment, vstr(c, "trusted_comment"));
                free(comment);
        }
}

static void test_qr(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "qr"), i, c)
        {
                struct cert_public_key keys[4];
                size_t n = case_keys(c, keys);
                struct cert_qr_fields f;
                int r = cert_qr_verify(vstr(c, "payload"), keys, n, &f);
                print_message("qr: %s\n", vstr(c, "name"));
                assert_string_equal(status_of(r), vstr(c, "status"));
                const char *name;
                const json_t *want;
                json_object_foreach(json_object_get(c, "fields"), name, want)
                {
                        const char *got = strcmp(name, "serial") == 0        ? f.serial
                                          : strcmp(name, "sequence") == 0    ? f.sequence
                                          : strcmp(name, "result") == 0      ? f.result
                                          : strcmp(name, "asset") == 0       ? f.asset
                                          : strcmp(name, "disk_serial") == 0 ? f.disk_serial
                                          : strcmp(name, "ended_utc") == 0   ? f.ended_utc
                                          : strcmp(name, "record_hash") == 0 ? f.record_hash
                                          : strcmp(name, "key_id") == 0      ? f.key_id
                                                                             : NULL;
                        assert_non_null(got);
                        assert_string_equal(got, json_string_value(want));
                }
        }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

/* Writes path (made of '/'-separated parts below dir), making its folders. */
static void write_case_file(const char *dir, const json_t *f)
{
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, vstr(f, "path"));
        for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
                *p = 0;
                assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
                *p = '/';
        }
        const char *text = vstr(f, "text"), *hex = vstr(f, "hex");
        uint8_t buf[65536];
        size_t len = 0;
        if (hex)
                unhex(hex, buf, sizeof buf, &len);
        FILE *out = fopen(path, "wb");
        assert_non_null(out);
        if (hex)
                fwrite(buf, 1, len, out);
        else
                fputs(text, out);
        fclose(out);
}

static void test_chain(void **state)
{
        (void)state;
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(vectors, "chain"), i, c)
        {
                char dir[] = "/tmp/kesu-test-vectors-XXXXXX";
                assert_non_null(mkdtemp(dir));
                size_t k;
                const json_t *x;
                json_array_foreach(json_object_get(c, "files"), k, x) write_case_file(dir, x);
                char *paths[8];
                size_t n_paths = 0;
                json_array_foreach(json_object_get(c, "paths"), k, x)
                {
                        assert_true(n_paths < 8);
                        assert_true(asprintf(&paths[n_paths++], "%s/%s", dir, json_string_value(x)) > 0);
                }
                struct cert_public_key keys[4];
                size_t n_keys = case_keys(c, keys);
                struct cert_audit a;
                print_message("chain: %s\n", vstr(c, "name"));
                assert_int_equal(cert_audit_paths(paths, n_paths, keys, n_keys, &a), 0);

                const json_t *want = json_object_get(c, "expect");
                const struct {
                        const char *name;
                        size_t value;
                } counts[] = { { "certificates", a.n_certificates }, { "valid", a.n_valid }, { "problems", a.n_problems },
                               { "warnings", a.n_warnings },         { "pass", a.n_pass },   { "fail", a.n_fail } };
                for (size_t m = 0; m < ELEMENTSOF(counts); m++) {
                        const json_t *w = json_object_get(want, counts[m].name);
                        if (w) {
                                if ((json_int_t)counts[m].value != json_integer_value(w))
                                        for (size_t f = 0; f < a.n_findings; f++)
                                                print_message("  %s %s: %s\n", cert_finding_kind_to_string(a.findings[f].kind),
                                                              a.findings[f].subject, a.findings[f].message);
                                assert_int_equal(counts[m].value, json_integer_value(w));
                        }
                }
                /* every kind found but "ok", as many times as the vector says, and no other */
                json_t *kinds = json_object();
                for (size_t f = 0; f < a.n_findings; f++) {
                        const char *kind = cert_finding_kind_to_string(a.findings[f].kind);
                        if (strcmp(kind, "ok") != 0)
                                json_object_set_new(kinds, kind, json_integer(json_integer_value(json_object_get(kinds, kind)) + 1));
                }
                char *got = json_dumps(kinds, JSON_SORT_KEYS | JSON_COMPACT),
                     *expected = json_dumps(json_object_get(want, "kinds"), JSON_SORT_KEYS | JSON_COMPACT);
                assert_string_equal(got, expected);
                free(got);
                free(expected);
                json_decref(kinds);
                cert_audit_done(&a);
                for (size_t m = 0; m < n_paths; m++)
                        free(paths[m]);
                nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        }
}

int main(int argc, char **argv)
{
        if (sodium_init() < 0)
                return 1;
        const char *path = argc > 1 ? argv[1] : getenv("KESU_VECTORS");
        json_error_t err;
        if (!path || !(vectors = json_load_file(path, 0, &err))) {
                fprintf(stderr, "test-vectors: cannot read the vectors %s: %s\n", path ? path : "(none given)",
                        path ? err.text : "pass tests/vectors/certificates.json");
                return 1;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_canonical), cmocka_unit_test(test_hashes),
                cmocka_unit_test(test_ed25519),   cmocka_unit_test(test_public_keys),
                cmocka_unit_test(test_minisig),   cmocka_unit_test(test_qr),
                cmocka_unit_test(test_chain),
        };
        int r = cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
        json_decref(vectors);
        return r;
}
