/* SPDX-License-Identifier: MIT */
/*
 * make-corpus OUT_DIR: writes the fuzzers' seed corpora into OUT_DIR/corpus-{qr,minisig,cert}/.
 *
 * The samples are made by kesu itself — cert_issue(), the code behind `kesu wipe`, for a recorded
 * zero wipe of a 1 MiB image file — but signed with the fuzzers' fixed key (fuzz-key.h) rather than
 * a key from `kesu key init`, which is random: only then do the seeds pass the signature checks in
 * the fuzzers. Ed25519 is deterministic and the record's times are fixed, so the output is the same
 * on every run. Not built by default: ninja -C BUILD tests/fuzz/make-corpus.
 * Files named regress-* in the corpora are not made here: they are fuzzer finds, kept so that
 * every test run checks the bug stays fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "fuzz-key.h"

static int write_parts(const char *out_dir, const char *corpus, const char *name, const char *a,
                       size_t a_len, const char *b, size_t b_len)
{
        char path[4096];
        snprintf(path, sizeof path, "%s/corpus-%s", out_dir, corpus);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        snprintf(path, sizeof path, "%s/corpus-%s/%s", out_dir, corpus, name);
        _cleanup_fclose_ FILE *f = fopen(path, "wb");
        if (!f)
                return -errno;
        /* two parts joined by one NUL byte, as the fuzzers split them */
        if (fwrite(a, 1, a_len, f) != a_len ||
            (b && (fputc(0, f) == EOF || fwrite(b, 1, b_len, f) != b_len)))
                return -EIO;
        printf("%s\n", path);
        return 0;
}

static int write_cert_samples(const char *out_dir, const char *name, const struct cert_issued *c)
{
        _cleanup_free_ char *json = NULL, *minisig = NULL;
        size_t json_len, minisig_len;
        int r;
        if ((r = read_full_file(c->json_path, &json, &json_len)) < 0 ||
            (r = read_full_file(c->sig_path, &minisig, &minisig_len)) < 0)
                return r;
        /* signing mode of fuzz-cert.c: the minisig's trusted comment line alone */
        const char *tc = strstr(minisig, "\ntrusted comment: ");
        if (!tc)
                return -EBADMSG;
        tc++;
        size_t tc_len = strcspn(tc, "\n");
        char sign_name[64];
        snprintf(sign_name, sizeof sign_name, "%s-sign-request", name);
        if ((r = write_parts(out_dir, "qr", name, c->qr_payload, strlen(c->qr_payload), NULL, 0)) < 0 ||
            (r = write_parts(out_dir, "minisig", name, minisig, minisig_len, json, json_len)) < 0 ||
            (r = write_parts(out_dir, "cert", name, json, json_len, minisig, minisig_len)) < 0 ||
            (r = write_parts(out_dir, "cert", sign_name, json, json_len, tc, tc_len)) < 0)
                return r;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: %s OUT_DIR (tests/fuzz of the source tree)\n", argv[0]);
                return 2;
        }
        const struct fuzz_keys *keys = fuzz_keys();
        char dir[] = "/dev/shm/kesu-fuzz-corpus-XXXXXX", ledger[64];
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        snprintf(ledger, sizeof ledger, "%s/ledger.jsonl", dir);

        /* A finished zero wipe of a 1 MiB image file; '|' and '%' in the serial exercise the QR escapes. */
        struct wipe_result w = { 0 };
        struct disk_info d = { 0 };
        w.identity = (struct disk_identity){ .path = "/dev/shm/kesu-fuzz.img",
                                             .serial = "FUZZ|1%",
                                             .size_bytes = 1 << 20,
                                             .logical_sector_bytes = 512,
                                             .physical_sector_bytes = 4096,
                                             .transport = DISK_TRANSPORT_FILE,
                                             .rotational = TRISTATE_UNKNOWN };
        int r = wipe_method_lookup("zero", &w.method);
        w.passes[0] = (struct wipe_pass_result){ .pattern = w.method.passes[0],
                                                 .bytes_written = 1 << 20,
                                                 .is_flushed = true };
        w.bytes_written = w.bytes_total = 1 << 20;
        w.started_ns = 1795000000000000000;
        w.ended_ns = w.started_ns + 1000000000;
        w.status = WIPE_STATUS_COMPLETED;
        w.engine = "sync";
        d.identity = w.identity;
        struct cert_context ctx = { .operator_id = "operator",
                                    .witness_id = "witness",
                                    .asset_number = "ASSET-1",
                                    .class_label = "1",
                                    .destination = "recycling",
                                    .organization = "kesu fuzz corpus" };

        struct cert_issuer *is = NULL;
        struct cert_issued pass, fail;
        struct cert_audit a = { 0 };
        char *paths[] = { dir };
        struct cert_qr_fields f;
        _cleanup_free_ char *pub = NULL;
        if (r < 0 || (r = cert_issuer_open(dir, ledger, keys->secret, &is)) < 0 ||
            (r = cert_issue(is, &ctx, &d, &w, NULL, "none", false, &pass)) < 0)
                goto out;
        ctx.class_label = "3A"; /* needs Purge, an overwrite is Clear: a valid certificate saying FAIL */
        if ((r = cert_issue(is, &ctx, &d, &w, NULL, "none", false, &fail)) < 0)
                goto out;
        /* the samples must pass every check, or the fuzzers start shallow */
        if ((r = cert_audit_paths(paths, 1, keys->pub, FUZZ_N_KEYS, &a)) < 0)
                goto out;
        if (a.n_valid != 2 || a.n_problems != 0 ||
            cert_qr_verify(pass.qr_payload, keys->pub, FUZZ_N_KEYS, &f) < 0 ||
            cert_qr_verify(fail.qr_payload, keys->pub, FUZZ_N_KEYS, &f) < 0) {
                r = -EBADMSG;
                goto out;
        }
        if ((r = write_cert_samples(argv[1], "pass", &pass)) < 0 ||
            (r = write_cert_samples(argv[1], "fail", &fail)) < 0)
                goto out;
        if ((r = cert_public_key_format(&keys->pub[FUZZ_KEY_FIXED], &pub)) < 0 ||
            (r = write_parts(argv[1], "minisig", "public-key", pub, strlen(pub), NULL, 0)) < 0)
                goto out;
out:
        cert_audit_done(&a);
        cert_issuer_free(is);
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[0], strerror(-r));
                return 1;
        }
        return 0;
}
