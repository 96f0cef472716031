/* SPDX-License-Identifier: MIT */
/*
 * certificates: canonical bytes (golden), Ed25519 against RFC 8032's test vector 1, minisig and
 * QR round trips and tampering, key files, and the ledger's chain as the auditor sees it; filing
 * that recovers from crashes and strays, folders probed before a wipe, PDFs made again, one ledger
 * per key, and key headers that ask for too much.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Fields longer than the QR carries (a USB bridge's 200-byte serial, a long asset) are cut at a
 * character boundary, so the paper still verifies and never splits a Japanese character. */
static void test_qr_long_fields(void **state)
{
        (void)state;
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        char serial[201], asset[70] = "";
        memset(serial, 'S', 200);
        serial[200] = 0;
        for (int i = 0; i < 23; i++)
                strcat(asset, "資"); /* 69 bytes: 3 bytes each */
        json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:{s:s}, s:{s:s}}", "serial", "KESU-0807060504030201-000008",
                                "sequence", 8, "result", "PASS", "asset_number", asset, "media", "serial", serial,
                                "times", "ended_utc", "2026-11-23T10:00:00Z");
        char hash[72], *payload;
        cert_hash("record", 6, hash);
        assert_int_equal(cert_qr_payload(rec, hash, k, &payload), 0);
        assert_true(strlen(payload) < sizeof(((struct cert_issued *)0)->qr_payload));
        struct cert_qr_fields f;
        assert_int_equal(cert_qr_verify(payload, &p, 1, &f), 0);
        assert_int_equal(strlen(f.disk_serial), CERT_QR_FIELD_MAX_BYTES);
        assert_int_equal(strncmp(f.disk_serial, serial, CERT_QR_FIELD_MAX_BYTES), 0);
        assert_int_equal(strlen(f.asset), 63); /* 21 whole characters, not 64 bytes of a cut one */
        assert_int_equal(strncmp(f.asset, asset, 63), 0);
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

/* Each test gets its own appliance state folder: the fixed key's registration must not carry
 * over from one test (or run) to the next. Returns the folder, to remove at the end. */
static char *fresh_state_dir(void)
{
        static char dir[64];
        snprintf(dir, sizeof dir, "/tmp/kesu-test-state-XXXXXX");
        assert_non_null(mkdtemp(dir));
        assert_int_equal(setenv("KESU_STATE_DIR", dir, 1), 0);
        return dir;
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
        char state_dir[64];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
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
        char pdf2[4096]; /* made again at the open above, from the signed record */
        snprintf(pdf2, sizeof pdf2, "%.*s.pdf", (int)strlen(out[1].json_path) - 5, out[1].json_path);
        unlink(pdf2);
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
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- hardening: filing, probes, PDFs, the key's one ledger, key headers ----------------------- */

static const struct cert_context test_ctx = { .operator_id = "op",
                                              .witness_id = "wit",
                                              .asset_number = "A-1",
                                              .class_label = "1",
                                              .destination = "recycling",
                                              .organization = "Org" };

static size_t count_notes(struct cert_issuer *is, enum cert_note_kind kind)
{
        size_t n, count = 0;
        const struct cert_note *notes = cert_issuer_notes(is, &n);
        for (size_t i = 0; i < n; i++)
                count += notes[i].kind == kind;
        return count;
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static bool exists(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static size_t count_dir(const char *path)
{
        DIR *d = opendir(path);
        size_t n = 0;
        if (!d)
                return 0;
        for (struct dirent *e; (e = readdir(d));)
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

/* A crash between the signature and the record, a stray file named like the next certificate,
 * temporary files: each recovered at the next open, said in a note, and the next certificate
 * files. */
static void test_filing_recovers(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-filing-XXXXXX", ledger[512], path[600], aside[600];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        snprintf(aside, sizeof aside, "%s/" CERT_SET_ASIDE_DIR, dir);
        struct cert_secret_key *k = fixed_key();
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        struct cert_issuer *is;
        struct cert_issued one, next;
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        size_t n_notes;
        cert_issuer_notes(is, &n_notes);
        assert_int_equal(n_notes, 0);
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &one), 0);
        cert_issuer_free(is);

        /* killed after the signature's rename, before the record's: a signature without record */
        snprintf(path, sizeof path, "%s/KESU-0807060504030201-000002.json.minisig", dir);
        write_text(path, "untrusted comment: half\nRWQ\n");
        /* and the temporary files a crash leaves */
        char tmp1[600], tmp2[600];
        snprintf(tmp1, sizeof tmp1, "%s/KESU-0807060504030201-000002.json.tmp", dir);
        snprintf(tmp2, sizeof tmp2, "%s.tmp", ledger);
        write_text(tmp1, "{");
        write_text(tmp2, "partial");
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(count_notes(is, CERT_NOTE_SET_ASIDE), 1);
        assert_int_equal(count_notes(is, CERT_NOTE_TMP_REMOVED), 2);
        assert_false(exists(path));
        assert_false(exists(tmp1));
        assert_false(exists(tmp2));
        assert_int_equal(count_dir(aside), 1); /* moved, never deleted */
        const struct cert_note *notes = cert_issuer_notes(is, &n_notes);
        bool is_told = false;
        for (size_t i = 0; i < n_notes; i++)
                if (notes[i].kind == CERT_NOTE_SET_ASIDE)
                        is_told = strstr(notes[i].text, "KESU-0807060504030201-000002.json.minisig") &&
                                  strncmp(notes[i].moved_to, aside, strlen(aside)) == 0 &&
                                  exists(notes[i].moved_to);
        assert_true(is_told);
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &next), 0);
        assert_int_equal(next.sequence, 2);
        assert_int_equal(next.n_set_aside, 0);

        /* a stray file appears named like the next certificate while the issuer is open: the
         * certificate is filed all the same, the stray set aside */
        snprintf(path, sizeof path, "%s/KESU-0807060504030201-000003.json", dir);
        write_text(path, "not a certificate");
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &next), 0);
        assert_int_equal(next.sequence, 3);
        assert_int_equal(next.n_set_aside, 1);
        assert_int_equal(count_notes(is, CERT_NOTE_SET_ASIDE), 2);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(read_full_file(path, &text, NULL), 0);
        assert_non_null(strstr(text, "kesu-disposal-certificate"));
        cert_issuer_free(is);

        /* a stray named like the next one before the open: set aside at the open */
        snprintf(path, sizeof path, "%s/KESU-0807060504030201-000004.pdf", dir);
        write_text(path, "stray");
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(count_notes(is, CERT_NOTE_SET_ASIDE), 1);
        assert_false(exists(path));
        assert_int_equal(count_dir(aside), 3);
        cert_issuer_free(is);

        /* the auditor still sees an unbroken chain 1-3 */
        struct cert_public_key p = public_of(k);
        struct cert_audit a;
        char *paths[] = { dir };
        assert_int_equal(cert_audit_paths(paths, 1, &p, 1, &a), 0);
        assert_int_equal(a.n_valid, 3);
        assert_int_equal(a.n_problems, 0);
        cert_audit_done(&a);

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Before any write: a folder that cannot take a certificate is refused, each case its own error. */
static void test_folder_probe(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-probe-XXXXXX", file[600], ledger[600], missing[600];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        snprintf(file, sizeof file, "%s/a-file", dir);
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        snprintf(missing, sizeof missing, "%s/missing", dir);
        write_text(file, "x");
        assert_int_equal(cert_folder_probe(dir, 0), 0);
        assert_int_equal(count_dir(dir), 1); /* the probe leaves nothing behind */
        assert_int_equal(cert_folder_probe(file, 0), -ENOTDIR);
        assert_int_equal(cert_folder_probe(missing, 0), -ENOENT);
        assert_int_equal(cert_folder_probe(dir, UINT64_MAX / 2), -ENOSPC);
        if (geteuid() != 0) { /* root ignores mode bits; the integration test mounts read-only */
                assert_int_equal(chmod(dir, 0500), 0);
                assert_int_equal(cert_folder_probe(dir, 0), -EACCES);
                assert_int_equal(chmod(dir, 0700), 0);
        }

        struct cert_secret_key *k = fixed_key();
        struct cert_issuer *is = NULL;
        assert_int_equal(cert_issuer_open(file, ledger, k, &is), -ENOTDIR);
        assert_int_equal(cert_issuer_open(missing, ledger, k, &is), -ENOENT);
        char bad_ledger[700];
        snprintf(bad_ledger, sizeof bad_ledger, "%s/ledger.jsonl", file); /* its folder is a file */
        assert_int_equal(cert_issuer_open(dir, bad_ledger, k, &is), -ENOTDIR);
        assert_null(is);
        /* a state folder that cannot be made: a clear error, no crash */
        assert_int_equal(setenv("KESU_STATE_DIR", "/proc/kesu-no-such-state", 1), 0);
        assert_int_equal(cert_state_dir_check() < 0, true);
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), -ENOLCK);
        assert_int_equal(setenv("KESU_STATE_DIR", state_dir, 1), 0);
        assert_int_equal(cert_state_dir_check(), 0);
        struct stat st;
        char keys[128];
        snprintf(keys, sizeof keys, "%s/keys", state_dir);
        assert_int_equal(stat(keys, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A certificate without its PDF (a crash, a failed PDF) gets it at the next open; a record with
 * U+FFFF, which cairo refuses as text, still makes a PDF. */
static void test_pdf_remade(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-pdf-XXXXXX", ledger[512];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        struct cert_secret_key *k = fixed_key();
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        struct cert_context ctx = test_ctx;
        ctx.organization = "Org \xef\xbf\xbf \xef\xb7\x90 end"; /* U+FFFF, U+FDD0 */
        struct cert_issuer *is;
        struct cert_issued one;
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(cert_issue(is, &ctx, &d, &w, NULL, "none", true, &one), 0);
        assert_int_equal(one.pdf_error, 0);
        assert_true(exists(one.pdf_path));
        char pdf[4096];
        snprintf(pdf, sizeof pdf, "%s", one.pdf_path);
        _cleanup_free_ char *remade = NULL;
        assert_int_equal(cert_pdf_remake(is, one.json_path, &remade), -EEXIST); /* never replaced */
        cert_issuer_free(is);

        /* the PDF lost in a crash, its temporary file left */
        assert_int_equal(unlink(pdf), 0);
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", pdf);
        write_text(tmp, "%PDF-1.5 torn");
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(count_notes(is, CERT_NOTE_TMP_REMOVED), 1);
        assert_int_equal(count_notes(is, CERT_NOTE_PDF_REMADE), 1);
        assert_int_equal(count_notes(is, CERT_NOTE_PDF_FAILED), 0);
        assert_true(exists(pdf));
        assert_false(exists(tmp));
        /* and on request, for the export command */
        assert_int_equal(unlink(pdf), 0);
        assert_int_equal(cert_pdf_remake(is, one.json_path, &remade), 0);
        assert_string_equal(remade, pdf);
        /* a record this key did not sign is not given a PDF */
        char forged[600];
        snprintf(forged, sizeof forged, "%s/forged.json", dir);
        _cleanup_free_ char *text = NULL, *sig = NULL;
        assert_int_equal(read_full_file(one.json_path, &text, NULL), 0);
        assert_int_equal(read_full_file(one.sig_path, &sig, NULL), 0);
        text[strlen(text) - 3] ^= 1;
        write_text(forged, text);
        char forged_sig[700];
        snprintf(forged_sig, sizeof forged_sig, "%s.minisig", forged);
        write_text(forged_sig, sig);
        assert_int_equal(cert_pdf_remake(is, forged, NULL), -EKEYREJECTED);
        cert_issuer_free(is);

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The ledger belongs to the key: another path is refused while the registered ledger exists, and
 * a ledger that lost lines can neither reuse their numbers nor be replaced by a fresh one. */
static void test_ledger_per_key(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-regkey-XXXXXX", ledger[512], other[512], link_path[512];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        snprintf(other, sizeof other, "%s/copy/ledger.jsonl", dir);
        snprintf(link_path, sizeof link_path, "%s/link.jsonl", dir);
        char copy_dir[560];
        snprintf(copy_dir, sizeof copy_dir, "%s/copy", dir);
        assert_int_equal(mkdir(copy_dir, 0700), 0);
        struct cert_secret_key *k = fixed_key();
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        struct cert_issuer *is, *second;
        struct cert_issued c;
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &c), 0);
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &c), 0);
        /* the same key through another ledger path, while the first is open: the key is locked */
        assert_int_equal(cert_issuer_open(dir, other, k, &second), -EBUSY);
        cert_issuer_free(is);

        /* a copy of the key beside another ledger: refused, and the default path finds the one */
        assert_int_equal(cert_issuer_open(dir, other, k, &second), -EXDEV);
        assert_false(exists(other));
        _cleanup_free_ char *def = NULL;
        char key_path[600];
        snprintf(key_path, sizeof key_path, "%s/copy/appliance.key", dir);
        write_text(key_path, "k");
        assert_int_equal(cert_ledger_default_path(k, key_path, &def), 0);
        assert_string_equal(def, ledger);
        /* a symlink to the ledger is the same ledger */
        assert_int_equal(symlink(ledger, link_path), 0);
        assert_int_equal(cert_issuer_open(dir, link_path, k, &is), 0);
        assert_int_equal(cert_issue(is, &test_ctx, &d, &w, NULL, "none", false, &c), 0);
        assert_int_equal(c.sequence, 3);
        cert_issuer_free(is);

        /* the ledger deleted, its certificates still in the folder: rebuilt from them */
        assert_int_equal(unlink(ledger), 0);
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        assert_int_equal(count_notes(is, CERT_NOTE_ADOPTED), 3);
        cert_issuer_free(is);

        /* truncated, and the certificates are elsewhere (an export stick): numbers 2 and 3 would
         * come again — refused, also through a new ledger path now that the old one is gone */
        char moved[600], from[600];
        snprintf(moved, sizeof moved, "%s/copy", dir);
        for (int i = 2; i <= 3; i++) {
                snprintf(from, sizeof from, "%s/KESU-0807060504030201-%06d.json", dir, i);
                snprintf(moved, sizeof moved, "%s/copy/%d.json", dir, i);
                assert_int_equal(rename(from, moved), 0);
        }
        _cleanup_free_ char *text = NULL;
        size_t len;
        assert_int_equal(read_full_file(ledger, &text, &len), 0);
        *(strchr(text, '\n') + 1) = 0;
        write_text(ledger, text);
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), -ESTALE);
        assert_int_equal(unlink(ledger), 0);
        assert_int_equal(unlink(link_path), 0);
        assert_int_equal(cert_issuer_open(dir, other, k, &is), -ESTALE);
        assert_false(exists(other));

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void le64_put(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* A key header asking for more Argon2 memory or passes than kesu allows is refused before any
 * work: 2^34 bytes of memory would be 16 GiB. */
static void test_key_header_caps(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-keycap-XXXXXX", path[600];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/appliance.key", dir);
        struct cert_public_key pub;
        assert_int_equal(cert_key_generate(dir, "secret", 6, false, &pub), 0);
        _cleanup_free_ char *orig = NULL;
        size_t len;
        assert_int_equal(read_full_file(path, &orig, &len), 0);
        /* what generation writes is inside the caps */
        assert_int_equal(orig[16], CERT_KEY_OPSLIMIT);
        assert_true(CERT_KEY_MEMLIMIT_MAX <= 1ull << 30);
        struct {
                uint64_t ops, mem;
                int expected;
        } cases[] = {
                { CERT_KEY_OPSLIMIT, 1ull << 34, -ERANGE },
                { CERT_KEY_OPSLIMIT, CERT_KEY_MEMLIMIT_MAX + 1, -ERANGE },
                { CERT_KEY_OPSLIMIT_MAX + 1, CERT_KEY_MEMLIMIT, -ERANGE },
                { UINT64_MAX, CERT_KEY_MEMLIMIT, -ERANGE },
                { 0, CERT_KEY_MEMLIMIT, -ERANGE },
                { CERT_KEY_OPSLIMIT, 1024, -ERANGE },
                /* in range but altered: the header is authenticated, so the passphrase fails */
                { CERT_KEY_OPSLIMIT, CERT_KEY_MEMLIMIT / 2, -EACCES },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint8_t *bytes = malloc(len);
                memcpy(bytes, orig, len);
                le64_put(bytes + 16, cases[i].ops);
                le64_put(bytes + 24, cases[i].mem);
                unlink(path);
                FILE *f = fopen(path, "w");
                fwrite(bytes, 1, len, f);
                fclose(f);
                chmod(path, 0600);
                free(bytes);
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                struct cert_secret_key *k = NULL;
                assert_int_equal(cert_key_unlock(path, "secret", 6, &k), cases[i].expected);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                assert_null(k);
                if (cases[i].expected == -ERANGE) /* refused before any Argon2 work */
                        assert_true(t1.tv_sec - t0.tv_sec < 1);
        }
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

/* ---- the auditor: the files around a record, folders together, the real signer, FAILs ---------- */

static size_t count_kind(const struct cert_audit *a, enum cert_finding_kind kind, const char *needle)
{
        size_t n = 0;
        for (size_t i = 0; i < a->n_findings; i++)
                n += a->findings[i].kind == kind && (!needle || strstr(a->findings[i].message, needle));
        return n;
}

static void copy_file(const char *from, const char *to)
{
        _cleanup_free_ char *text = NULL;
        assert_int_equal(read_full_file(from, &text, NULL), 0);
        write_text(to, text);
}

/* Three certificates (the third a FAIL) filed in a fresh folder, without PDFs. */
static void issue_three(const char *dir, struct cert_secret_key *k, const char *asset,
                        struct cert_issued out[3])
{
        char ledger[600];
        snprintf(ledger, sizeof ledger, "%s.ledger.jsonl", dir);
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        struct cert_context ctx = test_ctx;
        ctx.asset_number = asset;
        struct cert_issuer *is;
        assert_int_equal(cert_issuer_open(dir, ledger, k, &is), 0);
        for (int i = 0; i < 3; i++) {
                ctx.class_label = i == 2 ? "3A" : "1"; /* an overwrite is Clear: class 3A fails */
                assert_int_equal(cert_issue(is, &ctx, &d, &w, NULL, "none", false, &out[i]), 0);
        }
        cert_issuer_free(is);
}

static void audit_dir(const char *dir, const struct cert_public_key *keys, size_t n_keys,
                      struct cert_audit *a)
{
        char *paths[] = { (char *)dir };
        assert_int_equal(cert_audit_paths(paths, 1, keys, n_keys, a), 0);
}

static void test_audit_files_around(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-audit-XXXXXX", path[700], away[700];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        struct cert_issued out[3];
        issue_three(dir, k, "A-1", out);
        struct cert_audit a;

        /* no PDFs: warnings, not problems; the FAIL is plain, with its reason */
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(a.n_warnings, 3);
        assert_int_equal(count_kind(&a, CERT_MISSING_PDF, "has no PDF"), 3);
        assert_int_equal(a.n_pass, 2);
        assert_int_equal(a.n_fail, 1);
        assert_int_equal(a.n_records, 3);
        size_t n_failed = 0;
        for (size_t i = 0; i < a.n_records; i++)
                if (a.records[i].is_valid && !a.records[i].is_pass) {
                        n_failed++;
                        assert_string_equal(a.records[i].serial, out[2].serial);
                        assert_string_equal(a.records[i].asset, "A-1");
                        assert_non_null(strstr(a.records[i].failure_reasons, "3A requires Purge"));
                }
        assert_int_equal(n_failed, 1);
        assert_int_equal(count_kind(&a, CERT_FAILED_DISPOSAL, "3A requires Purge"), 1);
        cert_audit_done(&a);
        for (int i = 0; i < 3; i++) {
                snprintf(path, sizeof path, "%s/%.63s.pdf", dir, out[i].serial);
                write_text(path, "%PDF-1.5\n");
        }
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(a.n_problems + a.n_warnings, 0);
        cert_audit_done(&a);

        /* the record gone: its signature and its PDF are orphans */
        snprintf(away, sizeof away, "%s.away", dir);
        assert_int_equal(rename(out[2].json_path, away), 0);
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(count_kind(&a, CERT_ORPHAN, "a signature without its record"), 1);
        assert_int_equal(count_kind(&a, CERT_ORPHAN, "a PDF without its record"), 1);
        assert_int_equal(a.n_problems, 2);
        cert_audit_done(&a);
        assert_int_equal(rename(away, out[2].json_path), 0);

        /* the signature gone: the record is half-filed */
        assert_int_equal(rename(out[2].sig_path, away), 0);
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(count_kind(&a, CERT_ORPHAN, "half-filed: no signature file"), 1);
        assert_int_equal(a.n_problems, 1);
        cert_audit_done(&a);
        assert_int_equal(rename(away, out[2].sig_path), 0);

        /* stray files named like certificates and a leftover temporary file; other names are not ours */
        char stray[4200], tmp[4200], other[700];
        snprintf(stray, sizeof stray, "%s.bak", out[0].json_path);
        snprintf(tmp, sizeof tmp, "%s.tmp", out[1].sig_path);
        snprintf(other, sizeof other, "%s/README.txt", dir);
        write_text(stray, "x");
        write_text(tmp, "x");
        write_text(other, "x");
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(count_kind(&a, CERT_STRAY, NULL), 1);
        assert_int_equal(count_kind(&a, CERT_LEFTOVER_TEMP, NULL), 1);
        assert_int_equal(a.n_problems, 2);
        assert_string_equal(cert_finding_kind_to_string(CERT_LEFTOVER_TEMP), "leftover-temp");
        cert_audit_done(&a);
        unlink(stray);
        unlink(tmp);

        /* what the issuer set aside is listed as such, and is no problem */
        snprintf(path, sizeof path, "%s/quarantine", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof path, "%s/quarantine/%.63s.json.minisig", dir, out[0].serial);
        copy_file(out[0].sig_path, path);
        audit_dir(dir, &p, 1, &a);
        assert_int_equal(count_kind(&a, CERT_SET_ASIDE, "set aside"), 1);
        assert_int_equal(cert_finding_severity(CERT_SET_ASIDE), CERT_SEVERITY_WARNING);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(a.n_warnings, 1);
        cert_audit_done(&a);

        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        snprintf(path, sizeof path, "%s.ledger.jsonl", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s.ledger.jsonl.lock", dir);
        unlink(path);
}

static void test_audit_across_folders(void **state)
{
        (void)state;
        char state_dir[64], state_dir2[64], dir[] = "/tmp/kesu-test-audit-XXXXXX",
                                            stick[] = "/tmp/kesu-test-stick-XXXXXX",
                                            again[] = "/tmp/kesu-test-again-XXXXXX", path[700];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        assert_non_null(mkdtemp(stick));
        assert_non_null(mkdtemp(again));
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        struct cert_issued out[3], out2[3];
        issue_three(dir, k, "A-1", out);

        /* the cert folder and its copy on the export stick: copies, not duplicates */
        for (int i = 0; i < 3; i++) {
                snprintf(path, sizeof path, "%s/%.63s.json", stick, out[i].serial);
                copy_file(out[i].json_path, path);
                snprintf(path, sizeof path, "%s/%.63s.json.minisig", stick, out[i].serial);
                copy_file(out[i].sig_path, path);
        }
        char *both[] = { dir, stick };
        struct cert_audit a;
        assert_int_equal(cert_audit_paths(both, 2, &p, 1, &a), 0);
        assert_int_equal(count_kind(&a, CERT_COPY, "a copy"), 3);
        assert_int_equal(count_kind(&a, CERT_DUPLICATE, NULL), 0);
        assert_int_equal(count_kind(&a, CERT_FORK, NULL), 0);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(a.n_valid, 6);

        /* the paper against the folders: found and matching */
        struct cert_qr_fields f;
        const struct cert_audit_record *rec = NULL;
        assert_int_equal(cert_qr_verify(out[1].qr_payload, &p, 1, &f), 0);
        assert_int_equal(cert_audit_match_qr(&a, &f, &rec), CERT_QR_MATCH);
        assert_non_null(strstr(rec->path, out[1].serial));
        cert_audit_done(&a);

        /* the same key starting a second ledger (another appliance state): serials issued twice */
        snprintf(state_dir2, sizeof state_dir2, "%s", fresh_state_dir());
        issue_three(again, k, "B-1", out2); /* same key, other disks */
        assert_string_equal(out2[0].serial, out[0].serial);
        char *two[] = { dir, again };
        assert_int_equal(cert_audit_paths(two, 2, &p, 1, &a), 0);
        assert_int_equal(count_kind(&a, CERT_DUPLICATE, "was issued twice"), 3);
        assert_int_equal(count_kind(&a, CERT_COPY, NULL), 0);
        cert_audit_done(&a);

        /* the paper names a record the folder holds in another version, or not at all */
        char *one[] = { again };
        assert_int_equal(cert_audit_paths(one, 1, &p, 1, &a), 0);
        assert_int_equal(cert_audit_match_qr(&a, &f, &rec), CERT_QR_DIFFERENT);
        assert_non_null(strstr(rec->path, again));
        cert_audit_done(&a);
        unlink(out2[1].json_path);
        unlink(out2[1].sig_path);
        assert_int_equal(cert_audit_paths(one, 1, &p, 1, &a), 0);
        assert_int_equal(cert_audit_match_qr(&a, &f, &rec), CERT_QR_NOT_FOUND);
        cert_audit_done(&a);

        cert_secret_key_free(k);
        const char *dirs[] = { dir, stick, again, state_dir, state_dir2 };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                nftw(dirs[i], rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        for (size_t i = 0; i < 3; i += 2) {
                snprintf(path, sizeof path, "%s.ledger.jsonl", dirs[i]);
                unlink(path);
                snprintf(path, sizeof path, "%s.ledger.jsonl.lock", dirs[i]);
                unlink(path);
        }
}

static void test_audit_real_signer(void **state)
{
        (void)state;
        char state_dir[64], dir[] = "/tmp/kesu-test-audit-XXXXXX", path[700];
        snprintf(state_dir, sizeof state_dir, "%s", fresh_state_dir());
        assert_non_null(mkdtemp(dir));
        struct cert_secret_key *k = fixed_key();
        struct cert_issued out[3];
        issue_three(dir, k, "A-1", out);

        /* another key (RFC 8032 TEST 2's seed, id 0x0909…) re-signs record 2, comment and all */
        struct cert_secret_key *other = sodium_malloc(sizeof *other);
        uint8_t seed[32];
        unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed);
        crypto_sign_seed_keypair(other->pk, other->sk, seed);
        memset(other->key_id, 9, sizeof other->key_id);
        struct cert_public_key keys[2] = { public_of(k), public_of(other) };
        char other_id[17], own_id[17];
        cert_key_id_hex(other->key_id, other_id);
        cert_key_id_hex(k->key_id, own_id);
        _cleanup_free_ char *text = NULL, *sig = NULL, *resigned = NULL;
        size_t len;
        assert_int_equal(read_full_file(out[1].json_path, &text, &len), 0);
        assert_int_equal(read_full_file(out[1].sig_path, &sig, NULL), 0);
        char *tc = strstr(sig, "trusted comment: ") + strlen("trusted comment: ");
        tc[strcspn(tc, "\n")] = 0;
        assert_int_equal(cert_sign(other, text, len, "re-signed", tc, &resigned), 0);
        write_text(out[1].sig_path, resigned);

        struct cert_audit a;
        audit_dir(dir, keys, 2, &a);
        assert_int_equal(count_kind(&a, CERT_WRONG_KEY, NULL), 1);
        snprintf(path, sizeof path, "the signature is by key %s, but the record claims key %s", other_id,
                 own_id);
        assert_int_equal(count_kind(&a, CERT_WRONG_KEY, path), 1);
        assert_int_equal(a.n_valid, 2);
        cert_audit_done(&a);
        /* the other key not given: the unknown key named is the one that signed */
        audit_dir(dir, keys, 1, &a);
        snprintf(path, sizeof path, "signed by key %s, which is not among the given keys", other_id);
        assert_int_equal(count_kind(&a, CERT_UNKNOWN_KEY, path), 1);
        cert_audit_done(&a);

        sodium_free(other);
        cert_secret_key_free(k);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        nftw(state_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        snprintf(path, sizeof path, "%s.ledger.jsonl", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s.ledger.jsonl.lock", dir);
        unlink(path);
}

/* ---- the auditor: a part of the chain, the whole chain, a ledger, forks, the same findings on any
 * number of threads --------------------------------------------------------------------------- */

/* Files one validly signed certificate of sequence seq naming previous as its predecessor, as
 * cert_issue() files it (the record, its canonical bytes, the minisig with kesu's trusted comment;
 * no PDF), under dir/NAME.json (NAME: its serial unless name is given). The record's hash goes to
 * ret_hash. Lets a test make forks and re-links, which the issuer never makes. */
static void sign_record(const char *dir, const char *name, struct cert_secret_key *k, uint64_t seq,
                        const char *previous, const char *asset, char ret_hash[72])
{
        struct wipe_result w;
        struct disk_info d;
        fake_wipe(&w, &d);
        char key_id[17], trusted[512], path[600], sig_path[700];
        cert_key_id_hex(k->key_id, key_id);
        struct cert_context ctx = test_ctx;
        ctx.asset_number = asset;
        json_t *record = NULL;
        _cleanup_free_ char *canon = NULL, *minisig = NULL;
        size_t len;
        assert_int_equal(cert_record_build(&ctx, &d, &w, NULL, "none", seq, previous, key_id, &record), 0);
        assert_int_equal(cert_canonical(record, &canon, &len), 0);
        cert_hash(canon, len, ret_hash);
        const char *serial = json_string_value(json_object_get(record, "serial"));
        snprintf(trusted, sizeof trusted,
                 "kesu certificate serial=%s sequence=%" PRIu64 " result=%s disk_serial=%s hash=%s", serial,
                 seq, json_string_value(json_object_get(record, "result")), "SER|1", ret_hash);
        assert_int_equal(cert_sign(k, canon, len, "signature from a test", trusted, &minisig), 0);
        snprintf(path, sizeof path, "%s/%s.json", dir, name ? name : serial);
        snprintf(sig_path, sizeof sig_path, "%s.minisig", path);
        write_text(sig_path, minisig);
        write_text(path, canon);
        json_decref(record);
}

/* A chain 1..n in dir; hashes[i] is sequence i's (hashes[0] unused). */
static void sign_chain(const char *dir, struct cert_secret_key *k, uint64_t n, char (*hashes)[72])
{
        hashes[0][0] = 0;
        for (uint64_t i = 1; i <= n; i++)
                sign_record(dir, NULL, k, i, hashes[i - 1], "A-1", hashes[i]);
}

static void rm_tree(const char *dir)
{
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void audit_with(const char *dir, const struct cert_public_key *p,
                       const struct cert_audit_options *opts, struct cert_audit *a)
{
        char *paths[] = { (char *)dir };
        assert_int_equal(cert_audit_check(paths, 1, p, 1, opts, a), 0);
}

static void test_audit_part_of_chain(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-part-XXXXXX", part[600], one[700], ledger[600], src[700], dst[700];
        assert_non_null(mkdtemp(dir));
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        char key_id[17];
        cert_key_id_hex(k->key_id, key_id);
        char hashes[9][72];
        snprintf(part, sizeof part, "%s/part", dir);
        assert_int_equal(mkdir(part, 0755), 0);
        sign_chain(dir, k, 8, hashes);
        /* sequences 3-6 of 8 */
        for (int i = 3; i <= 6; i++)
                for (int sig = 0; sig < 2; sig++) {
                        snprintf(src, sizeof src, "%s/KESU-%s-%06d.json%s", dir, key_id, i,
                                 sig ? ".minisig" : "");
                        snprintf(dst, sizeof dst, "%s/KESU-%s-%06d.json%s", part, key_id, i,
                                 sig ? ".minisig" : "");
                        copy_file(src, dst);
                }
        struct cert_audit a;

        /* a part is no broken chain: no problem, and the range says what was checked */
        audit_with(part, &p, NULL, &a);
        assert_int_equal(a.n_valid, 4);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(count_findings(&a, CERT_GAP), 0);
        assert_int_equal(a.n_chains, 1);
        assert_string_equal(a.chains[0].key_id, key_id);
        assert_int_equal(a.chains[0].first, 3);
        assert_int_equal(a.chains[0].last, 6);
        assert_int_equal(a.chains[0].checked_from, 3);
        assert_int_equal(a.chains[0].checked_to, 6);
        assert_int_equal(a.chains[0].n_missing, 0);
        assert_false(a.chains[0].is_complete);
        cert_audit_done(&a);

        /* one certificate alone */
        snprintf(one, sizeof one, "%s/KESU-%s-000005.json", part, key_id);
        char *paths[] = { one };
        assert_int_equal(cert_audit_paths(paths, 1, &p, 1, &a), 0);
        assert_int_equal(a.n_problems, 0);
        assert_int_equal(a.chains[0].checked_from, 5);
        assert_int_equal(a.chains[0].checked_to, 5);
        cert_audit_done(&a);

        /* the whole chain required: 1 to 2 are missing */
        struct cert_audit_options complete = { .is_complete = true };
        audit_with(part, &p, &complete, &a);
        assert_int_equal(a.n_problems, 1);
        assert_int_equal(count_kind(&a, CERT_GAP, "certificates 1 to 2 are missing"), 1);
        assert_int_equal(a.chains[0].checked_from, 1);
        assert_int_equal(a.chains[0].n_missing, 2);
        assert_true(a.chains[0].is_complete);
        cert_audit_done(&a);
        audit_with(dir, &p, &complete, &a);
        assert_int_equal(a.n_problems, 0);
        cert_audit_done(&a);

        /* a gap inside the set is a problem */
        snprintf(src, sizeof src, "%s/KESU-%s-000004.json", part, key_id);
        unlink(src);
        strcat(src, ".minisig");
        unlink(src);
        audit_with(part, &p, NULL, &a);
        assert_int_equal(a.n_problems, 1);
        assert_int_equal(count_kind(&a, CERT_GAP, "certificate 4 is missing"), 1);
        assert_int_equal(a.chains[0].n_missing, 1);
        cert_audit_done(&a);

        /* a ledger: from 1 to its last (8), and each sequence it names with its hash */
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);
        FILE *f = fopen(ledger, "w");
        assert_non_null(f);
        for (int i = 1; i <= 8; i++)
                fprintf(f,
                        "{\"file\":\"KESU-%s-%06d.json\",\"hash\":\"%s\",\"previous_hash\":\"%s\","
                        "\"sequence\":%d,\"serial\":\"KESU-%s-%06d\"}\n",
                        key_id, i, i == 6 ? hashes[1] : hashes[i], hashes[i - 1], i, key_id, i);
        fclose(f);
        struct cert_audit_options with_ledger = { .ledger_path = ledger };
        audit_with(part, &p, &with_ledger, &a);
        assert_int_equal(count_kind(&a, CERT_GAP, "certificates 1 to 2 are missing"), 1);
        assert_int_equal(count_kind(&a, CERT_GAP, "certificate 4 is missing"), 1);
        assert_int_equal(
                count_kind(&a, CERT_GAP, "certificates 7 to 8 are missing (the ledger's last is 8)"), 1);
        /* the ledger names another record for 6 */
        assert_int_equal(count_findings(&a, CERT_LEDGER_MISMATCH), 1);
        assert_int_equal(a.n_problems, 4);
        assert_int_equal(a.chains[0].checked_from, 1);
        assert_int_equal(a.chains[0].checked_to, 8);
        assert_int_equal(a.chains[0].ledger_last, 8);
        assert_int_equal(a.chains[0].n_missing, 5);
        cert_audit_done(&a);
        /* a ledger that is none */
        write_text(ledger, "not a ledger\n");
        char *dirs[] = { part };
        assert_int_equal(cert_audit_check(dirs, 1, &p, 1, &with_ledger, &a), -EBADMSG);

        cert_secret_key_free(k);
        rm_tree(dir);
}

/* Two audits said the same, finding for finding, record for record. */
static void assert_same_audit(const struct cert_audit *x, const struct cert_audit *y)
{
        assert_int_equal(x->n_findings, y->n_findings);
        for (size_t i = 0; i < x->n_findings; i++) {
                assert_int_equal(x->findings[i].kind, y->findings[i].kind);
                assert_string_equal(x->findings[i].subject, y->findings[i].subject);
                assert_string_equal(x->findings[i].message, y->findings[i].message);
                assert_int_equal(x->findings[i].record, y->findings[i].record);
        }
        assert_int_equal(x->n_records, y->n_records);
        for (size_t i = 0; i < x->n_records; i++) {
                assert_string_equal(x->records[i].path, y->records[i].path);
                assert_string_equal(x->records[i].hash, y->records[i].hash);
                assert_int_equal(x->records[i].severity, y->records[i].severity);
        }
        assert_int_equal(x->n_problems, y->n_problems);
        assert_int_equal(x->n_valid, y->n_valid);
}

static void test_audit_forks_and_threads(void **state)
{
        (void)state;
        char dir[] = "/tmp/kesu-test-fork-XXXXXX", path[700];
        assert_non_null(mkdtemp(dir));
        struct cert_secret_key *k = fixed_key();
        struct cert_public_key p = public_of(k);
        char key_id[17], hashes[201][72], h[72];
        cert_key_id_hex(k->key_id, key_id);
        sign_chain(dir, k, 200, hashes);
        /* two more certificates follow 100, as 101 does: forks, reported pair by pair in chain order */
        sign_record(dir, "fork-a", k, 150, hashes[100], "F-1", h);
        sign_record(dir, "fork-b", k, 180, hashes[100], "F-2", h);
        /* 120 re-linked: signed, but naming another predecessor; 60 twice with other content */
        char nowhere[72];
        cert_hash("no such record", 14, nowhere);
        sign_record(dir, NULL, k, 120, nowhere, "R-1", h);
        sign_record(dir, "dup-60", k, 60, hashes[59], "D-1", h);
        /* 30 altered, 40's record gone */
        snprintf(path, sizeof path, "%s/KESU-%s-000030.json", dir, key_id);
        write_text(path, "{\"format\":\"kesu-disposal-certificate\"}\n");
        snprintf(path, sizeof path, "%s/KESU-%s-000040.json", dir, key_id);
        unlink(path);

        struct cert_audit one, two, many;
        struct cert_audit_options o1 = { .n_threads = 1, .is_report = true },
                                  o2 = { .n_threads = 2, .is_report = true },
                                  o7 = { .n_threads = 7, .is_report = true };
        audit_with(dir, &p, &o1, &one);
        audit_with(dir, &p, &o2, &two);
        audit_with(dir, &p, &o7, &many);
        assert_same_audit(&one, &two);
        assert_same_audit(&one, &many);

        assert_int_equal(count_findings(&one, CERT_FORK), 3);
        size_t forks[3], n = 0;
        for (size_t i = 0; i < one.n_findings; i++)
                if (one.findings[i].kind == CERT_FORK)
                        forks[n++] = i;
        /* sorted by sequence: 101, fork-a (150), fork-b (180); pairs (101, a), (101, b), (a, b) */
        assert_non_null(strstr(one.findings[forks[0]].subject, "fork-a.json"));
        assert_non_null(strstr(one.findings[forks[0]].message, "-000101.json both follow"));
        assert_non_null(strstr(one.findings[forks[1]].subject, "fork-b.json"));
        assert_non_null(strstr(one.findings[forks[1]].message, "-000101.json both follow"));
        assert_non_null(strstr(one.findings[forks[2]].subject, "fork-b.json"));
        assert_non_null(strstr(one.findings[forks[2]].message, "fork-a.json both follow"));
        /* 120 is replaced by one that names a predecessor no certificate has */
        assert_int_equal(count_kind(&one, CERT_BROKEN_CHAIN, "does not follow certificate 119"), 1);
        assert_int_equal(
                count_kind(&one, CERT_DUPLICATE, "sequence 60 appears twice with different content"), 1);
        assert_int_equal(count_kind(&one, CERT_GAP, "certificate 30 is missing"), 1);
        assert_int_equal(count_kind(&one, CERT_GAP, "certificate 40 is missing"), 1);
        assert_int_equal(count_findings(&one, CERT_BAD_SIGNATURE), 1);
        assert_int_equal(count_kind(&one, CERT_ORPHAN, "a signature without its record"), 1);

        /* each record's worst finding, and its report fields */
        for (size_t i = 0; i < one.n_records; i++) {
                const struct cert_audit_record *rec = &one.records[i];
                assert_non_null(rec->report);
                if (strstr(rec->path, "-000030.json"))
                        assert_int_equal(rec->severity, CERT_SEVERITY_PROBLEM);
                if (strstr(rec->path, "-000002.json")) {
                        assert_int_equal(rec->severity, CERT_SEVERITY_WARNING); /* no PDF */
                        assert_string_equal(rec->report->destination, "recycling");
                        assert_string_equal(rec->report->class_label, "1");
                        assert_string_equal(rec->report->method, "zero");
                        assert_string_equal(rec->report->level, "Clear");
                        assert_string_equal(rec->report->operator_id, "op");
                        assert_string_equal(rec->report->key_id, key_id);
                        assert_int_equal(rec->report->capacity_bytes, 1 << 20);
                        /* fake_wipe ends at 1795000001 s UTC: 2026-11-18T11:06:41Z */
                        assert_string_equal(rec->report->date_jst, "2026-11-18T20:06:41+09:00");
                }
        }
        cert_audit_done(&one);
        cert_audit_done(&two);
        cert_audit_done(&many);
        cert_secret_key_free(k);
        rm_tree(dir);
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_canonical),
                cmocka_unit_test(test_ed25519_vector),
                cmocka_unit_test(test_minisig),
                cmocka_unit_test(test_qr), cmocka_unit_test(test_qr_long_fields),
                cmocka_unit_test(test_key_files),
                cmocka_unit_test(test_ledger_chain),
                cmocka_unit_test(test_levels),
                cmocka_unit_test(test_filing_recovers),
                cmocka_unit_test(test_folder_probe),
                cmocka_unit_test(test_pdf_remade),
                cmocka_unit_test(test_ledger_per_key),
                cmocka_unit_test(test_key_header_caps),
                cmocka_unit_test(test_audit_files_around),
                cmocka_unit_test(test_audit_across_folders),
                cmocka_unit_test(test_audit_real_signer),
                cmocka_unit_test(test_audit_part_of_chain),
                cmocka_unit_test(test_audit_forks_and_threads),
        };
        return cmocka_run_group_tests_name("certificates", tests, NULL, NULL);
}
