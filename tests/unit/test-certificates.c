/* SPDX-License-Identifier: MIT */
/*
 * certificates: canonical bytes (golden), Ed25519 against RFC 8032's test vector 1, minisig and
 * QR round trips and tampering, key files, and the ledger's chain as the auditor sees it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"

static void unhex(const char *h, uint8_t *out)
{
        for (size_t i = 0; h[2 * i]; i++) {
                char two[3] = { h[2 * i], h[2 * i + 1], 0 };
                out[i] = (uint8_t)strtoul(two, NULL, 16);
        }
}

static struct cert_secret_key *fixed_key(void)
{
        /* RFC 8032 §7.1, TEST 1 */
        struct cert_secret_key *k = sodium_malloc(sizeof *k);
        uint8_t seed[32];
        unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed);
        crypto_sign_seed_keypair(k->pk, k->sk, seed);
        memcpy(k->key_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
        return k;
}

static struct cert_public_key public_of(const struct cert_secret_key *k)
{
        struct cert_public_key p;
        memcpy(p.key_id, k->key_id, 8);
        memcpy(p.pk, k->pk, 32);
        return p;
}

static void test_canonical(void **state)
{
        (void)state;
        json_t *o = json_pack("{s:i, s:s, s:{s:s, s:i}, s:[i, s]}", "b", 1, "a", "é/\"x\"", "c", "z", "x",
                              "y", 2, "d", -3, "住民");
        char *bytes;
        size_t len;
        assert_int_equal(cert_canonical(o, &bytes, &len), 0);
        const char *golden =
                "{\"a\":\"é/\\\"x\\\"\",\"b\":1,\"c\":{\"y\":2,\"z\":\"x\"},\"d\":[-3,\"住民\"]}\n";
        assert_string_equal(bytes, golden);
        assert_int_equal(len, strlen(golden));
        char h[72];
        cert_hash("abc", 3, h); /* FIPS 180-2 SHA-256 test vector */
        assert_string_equal(h, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        free(bytes);
        json_decref(o);
}

static void test_ed25519_vector(void **state)
{
        (void)state;
        struct cert_secret_key *k = fixed_key();
        uint8_t pk[32], sig[64], want[64];
        unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk);
        assert_memory_equal(k->pk, pk, 32);
        assert_int_equal(cert_sign_raw(k, "", 0, sig), 0);
        unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
              "46bd25bf5f0595"
              "bbe24655141438e7a100b",
              want);
        assert_memory_equal(sig, want, 64);
        struct cert_public_key p = public_of(k);
        assert_true(cert_verify_raw(&p, "", 0, sig));
        sig[0] ^= 1;
        assert_false(cert_verify_raw(&p, "", 0, sig));
        cert_secret_key_free(k);
}

static void test_minisig(void **state)
{
        (void)state;
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k), other = p;
        other.key_id[0] ^= 0xff;
        const char msg[] = "{\"a\":1}\n";
        char *sig1, *sig2, *comment;
        assert_int_equal(cert_sign(k, msg, strlen(msg), "u", "kesu certificate serial=X", &sig1), 0);
        assert_int_equal(cert_sign(k, msg, strlen(msg), "u", "kesu certificate serial=X", &sig2), 0);
        assert_string_equal(sig1, sig2); /* Ed25519 is deterministic: a golden file is possible */
        assert_non_null(strstr(sig1, "\ntrusted comment: kesu certificate serial=X\n"));
        size_t idx = 9;
        assert_int_equal(cert_verify_signature(&p, 1, msg, strlen(msg), sig1, &comment, &idx), 0);
        assert_string_equal(comment, "kesu certificate serial=X");
        assert_int_equal(idx, 0);
        free(comment);
        /* the message, the comment, the key id: each change is caught */
        assert_int_equal(cert_verify_signature(&p, 1, "{\"a\":2}\n", 8, sig1, NULL, NULL), -EKEYREJECTED);
        char *forged = strdup(sig1);
        *strstr(forged, "serial=X") = 'S';
        assert_int_equal(cert_verify_signature(&p, 1, msg, strlen(msg), forged, NULL, NULL), -EKEYREJECTED);
        free(forged);
        assert_int_equal(cert_verify_signature(&other, 1, msg, strlen(msg), sig1, NULL, NULL), -ENOKEY);
        assert_int_equal(cert_verify_signature(&p, 1, msg, strlen(msg), "garbage", NULL, NULL), -EBADMSG);
        assert_int_equal(cert_sign(k, msg, strlen(msg), "u", "two\nlines", &sig2), -EINVAL);
        free(sig1);
        free(sig2);

        /* the public key file round-trips through minisign's format */
        char *text;
        struct cert_public_key back;
        assert_int_equal(cert_public_key_format(&p, &text), 0);
        assert_non_null(strstr(text, "untrusted comment: minisign public key 0807060504030201\n"));
        assert_int_equal(cert_public_key_parse(text, &back), 0);
        assert_memory_equal(&back, &p, sizeof p);
        free(text);
        cert_secret_key_free(k);
}

static void test_qr(void **state)
{
        (void)state;
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        json_t *rec =
                json_pack("{s:s, s:i, s:s, s:s, s:{s:s}, s:{s:s}}", "serial", "KESU-0807060504030201-000007",
                          "sequence", 7, "result", "PASS", "asset_number", "A|100%", "media", "serial",
                          "S3Z9 X", "times", "ended_utc", "2026-11-23T10:00:00Z");
        char hash[72], *payload;
        cert_hash("record", 6, hash);
        assert_int_equal(cert_qr_payload(rec, hash, k, &payload), 0);
        const char *prefix =
                "KESU1|KESU-0807060504030201-000007|7|PASS|A%7C100%25|S3Z9 X|2026-11-23T10:00:00Z|";
        assert_true(strncmp(payload, prefix, strlen(prefix)) == 0);
        struct cert_qr_fields f;
        assert_int_equal(cert_qr_verify(payload, &p, 1, &f), 0);
        assert_string_equal(f.asset, "A|100%");
        assert_string_equal(f.record_hash, hash);
        assert_string_equal(f.sequence, "7");
        assert_string_equal(f.key_id, "0807060504030201");
        /* every single-character change of the payload is refused */
        size_t n = strlen(payload);
        for (size_t i = 0; i < n; i++) {
                char *t = strdup(payload);
                t[i] = t[i] == 'A' ? 'B' : 'A';
                int r = cert_qr_verify(t, &p, 1, &f);
                assert_true(r == -EKEYREJECTED || r == -EBADMSG || r == -ENOKEY);
                free(t);
        }
        struct cert_public_key other = p;
        other.key_id[7] ^= 1;
        assert_int_equal(cert_qr_verify(payload, &other, 1, &f), -ENOKEY);
        free(payload);
        json_decref(rec);
        cert_secret_key_free(k);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static void test_key_files(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-keys-XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct cert_public_key pub, loaded;
        assert_int_equal(cert_key_generate(dir, "secret", 6, false, &pub), 0);
        assert_int_equal(cert_key_generate(dir, "other", 5, false, &pub), -EEXIST); /* never overwritten */
        char path[512], pubpath[512];
        snprintf(path, sizeof path, "%s/appliance.key", dir);
        snprintf(pubpath, sizeof pubpath, "%s/appliance.pub", dir);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(cert_public_key_load(pubpath, &loaded), 0);
        assert_memory_equal(&loaded, &pub, sizeof pub);

        struct cert_secret_key *k = NULL;
        assert_int_equal(cert_key_unlock(path, "wrong", 5, &k), -EACCES);
        assert_null(k);
        assert_int_equal(cert_key_unlock(path, "secret", 6, &k), 0);
        assert_memory_equal(k->pk, pub.pk, 32);
        assert_memory_equal(k->key_id, pub.key_id, 8);
        cert_secret_key_free(k);
        chmod(path, 0644);
        assert_int_equal(cert_key_unlock(path, "secret", 6, &k), -EPERM);
        chmod(path, 0600);
        assert_int_equal(truncate(path, 100), 0);
        assert_int_equal(cert_key_unlock(path, "secret", 6, &k), -EBADMSG);
        assert_int_equal(cert_key_unlock("/nonexistent/kesu.key", "secret", 6, &k), -ENOENT);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A finished zero wipe of a 1 MiB image, as the job runner reports it. */
static void fake_wipe(struct wipe_result *w, struct disk_info *d)
{
        memset(w, 0, sizeof *w);
        memset(d, 0, sizeof *d);
        w->identity = (struct disk_identity){ .path = "/tmp/x.img",
                                              .serial = "SER|1",
                                              .size_bytes = 1 << 20,
                                              .logical_sector_bytes = 512,
                                              .physical_sector_bytes = 4096,
                                              .transport = DISK_TRANSPORT_FILE,
                                              .rotational = TRISTATE_UNKNOWN };
        assert_int_equal(wipe_method_lookup("zero", &w->method), 0);
        w->passes[0] = (struct wipe_pass_result){ .pattern = w->method.passes[0],
                                                  .bytes_written = 1 << 20,
                                                  .is_flushed = true,
                                                  .started_ns = 1,
                                                  .ended_ns = 2 };
        w->bytes_written = w->bytes_total = 1 << 20;
        w->started_ns = 1795000000000000000;
        w->ended_ns = w->started_ns + 1000000000;
        w->status = WIPE_STATUS_COMPLETED;
        d->identity = w->identity;
}

static int count_findings(const struct cert_audit *a, enum cert_finding_kind kind)
{
        int n = 0;
        for (size_t i = 0; i < a->n_findings; i++)
                n += a->findings[i].kind == kind;
        return n;
}

static void test_ledger_chain(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-ledger-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char ledger[512];
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        struct cert_context ctx = { .operator_id = "op",
                                    .witness_id = "wit",
                                    .asset_number = "A-1",
                                    .class_label = "1",
                                    .destination = "recycling",
                                    .organization = "Org" };

        struct cert_issuer *is, *second;
        struct cert_issued out[4];
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(cert_issuer_open(dir, ledger, k, &second), -EBUSY); /* one issuer per ledger */
        for (int i = 0; i < 3; i++) {
                assert_int_equal(cert_issue(is, &ctx, &d, &w, NULL, "none", false, &out[i]), 0);
                assert_int_equal(out[i].sequence, (uint64_t)i + 1);
                assert_string_equal(out[i].result, "PASS");
        }
        /* class 3 needs Purge; an overwrite is Clear: a valid certificate that says FAIL */
        ctx.class_label = "3A";
        assert_int_equal(cert_issue(is, &ctx, &d, &w, NULL, "none", false, &out[3]), 0);
        assert_string_equal(out[3].result, "FAIL");
        cert_issuer_free(is);

        struct cert_audit a;
        char *paths[] = { dir };
        assert_int_equal(cert_audit_paths(paths, 1, &p, 1, &a), 0);
        assert_int_equal(a.n_certificates, 4);
        assert_int_equal(a.n_valid, 4);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(count_findings(&a, CERT_FAILED_DISPOSAL), 1);
        cert_audit_done(&a);

        /* the ledger line of the last certificate is lost (a crash between the two writes): the
         * certificate is adopted at the next open, and the chain goes on from it */
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(read_full_file(ledger, &text, &len), 0);
        char *last = strrchr(text, '\n');
        *last = 0;
        last = strrchr(text, '\n');
        FILE *f = fopen(ledger, "w");
        fwrite(text, 1, (size_t)(last - text + 1), f);
        fclose(f);
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        struct cert_issued next;
        assert_int_equal(cert_issue(is, &ctx, &d, &w, NULL, "none", false, &next), 0);
        assert_int_equal(next.sequence, 5);
        cert_issuer_free(is);

        /* remove 2, duplicate 3, alter 4: each reported */
        unlink(out[1].json_path);
        unlink(out[1].sig_path);
        char copy[600], cmd[4 * 4096 + 1300];
        snprintf(copy, sizeof copy, "%s/copy-of-3.json", dir);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s.minisig'", out[2].json_path, copy,
                 out[2].sig_path, copy);
        assert_int_equal(system(cmd), 0);
        _cleanup_free_ char *t4 = NULL;
        assert_int_equal(read_full_file(out[3].json_path, &t4, &len), 0);
        char *res = strstr(t4, "\"result\":\"FAIL\"");
        assert_non_null(res);
        memcpy(res, "\"result\":\"PASS\"", 15);
        f = fopen(out[3].json_path, "w");
        fwrite(t4, 1, len, f);
        fclose(f);
        assert_int_equal(cert_audit_paths(paths, 1, &p, 1, &a), 0);
        /* 2 is missing; 4 is there but altered, so the valid chain misses it too */
        assert_int_equal(count_findings(&a, CERT_GAP), 2);
        assert_int_equal(count_findings(&a, CERT_DUPLICATE), 1);
        assert_int_equal(count_findings(&a, CERT_BAD_SIGNATURE), 1);
        assert_true(a.n_problems == 4);
        cert_audit_done(&a);

        /* a key the auditor does not know */
        struct cert_public_key stranger = p;
        stranger.key_id[0] ^= 1;
        assert_int_equal(cert_audit_paths(paths, 1, &stranger, 1, &a), 0);
        assert_int_equal(a.n_valid, 0);
        assert_true(count_findings(&a, CERT_UNKNOWN_KEY) >= 3);
        cert_audit_done(&a);

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_levels(void **state)
{
        (void)state;
        assert_string_equal(cert_required_level("1", "recycling"), "Clear");
        assert_string_equal(cert_required_level("2", "lease-return"), "Purge");
        assert_string_equal(cert_required_level("3B", "external-reuse"), "Purge");
        assert_string_equal(cert_required_level("3", "destruction"), "Clear");
        assert_true(cert_class_is_valid("3C"));
        assert_false(cert_class_is_valid("4"));
        assert_true(cert_destination_is_valid("lease-return"));
        assert_false(cert_destination_is_valid("landfill"));
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_canonical), cmocka_unit_test(test_ed25519_vector),
                cmocka_unit_test(test_minisig),   cmocka_unit_test(test_qr),
                cmocka_unit_test(test_key_files), cmocka_unit_test(test_ledger_chain),
                cmocka_unit_test(test_levels),
        };
        return cmocka_run_group_tests_name("certificates", tests, NULL, NULL);
}
