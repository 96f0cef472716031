/* SPDX-License-Identifier: MIT */
/*
 * ui/session journal: started/pass/finished round trip, unfinished detection, a torn last line
 * (tolerated, then cut off), damage in the middle (-EBADMSG, file untouched), and the replay: an
 * unfinished disposal certified FAIL "interrupted" with a real key, issuer and certificate folder;
 * a second replay adds nothing; a certificate filed just before a crash (no "finished" line) is
 * found by its disposal id, never issued twice; another key's disposal is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>

#include "certificates.h"
#include "common.h"
#include "journal.h"
#include "wiper.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static void rm_rf(const char *dir)
{
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static char *make_temp_dir(void)
{
        char *dir = strdup("/tmp/kesu-test-journal-XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static char *path_in(const char *dir, const char *name)
{
        char *p;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static char *slurp(const char *path)
{
        char *s;
        size_t n;
        assert_int_equal(read_full_file(path, &s, &n), 0);
        return s;
}

static void append_raw(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_APPEND);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

/* A 1 MiB image's identity (never opened: the journal and certificates only describe it). */
static struct disk_identity fake_disk(const char *serial)
{
        return (struct disk_identity){ .path = "/tmp/kesu-journal-disk.img",
                                       .vendor = "ACME",
                                       .model = "Model ä 1",
                                       .serial = (char *)serial,
                                       .wwn = "0x5000c500a1b2c3d4",
                                       .firmware = "FW1",
                                       .size_bytes = 1 << 20,
                                       .logical_sector_bytes = 512,
                                       .physical_sector_bytes = 4096,
                                       .transport = DISK_TRANSPORT_FILE,
                                       .rotational = TRISTATE_YES,
                                       .removable = TRISTATE_NO };
}

static const struct cert_context ctx = {
        .operator_id = "yamada",
        .witness_id = "suzuki",
        .operator_name = "山田 太郎",
        .witness_name = "鈴木 花子",
        .authentication = "passphrase+totp",
        .asset_number = "A-0042",
        .class_label = "2",
        .destination = "lease-return",
        .organization = "Example City",
        .media_source = "tax office",
        .required_level = "Purge",
        .policy = "built-in",
        .image_squashfs_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
};

static void start(struct session_journal *j, const char *id, const char *key_id, const char *cert_dir,
                  const char *serial, const struct wipe_method *drawn)
{
        struct disk_identity disk = fake_disk(serial);
        struct session_journal_start s = { .disposal_id = id,
                                           .key_id = key_id,
                                           .cert_dir = cert_dir,
                                           .ctx = &ctx,
                                           .method = "dod3",
                                           .method_drawn = drawn,
                                           .verify_mode = "sample",
                                           .disk = &disk };
        assert_int_equal(session_journal_started(j, &s), 0);
}

static size_t count_lines(const char *text)
{
        size_t n = 0;
        for (; *text; text++)
                n += *text == '\n';
        return n;
}

/* ---- the file ------------------------------------------------------------------------------------ */

static void test_disposal_id(void **state)
{
        (void)state;
        char a[33], b[33];
        assert_int_equal(session_disposal_id_new(a), 0);
        assert_int_equal(session_disposal_id_new(b), 0);
        assert_true(session_disposal_id_is_valid(a));
        assert_string_not_equal(a, b);
        assert_false(session_disposal_id_is_valid("0123"));
        assert_false(session_disposal_id_is_valid("0123456789ABCDEF0123456789abcdef")); /* lower case only */
        assert_false(session_disposal_id_is_valid(NULL));
}

static void test_round_trip(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *path = path_in(dir, "journal.jsonl");
        struct session_journal *j;
        assert_int_equal(session_journal_open(path, &j), 0);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        char a[33], b[33];
        session_disposal_id_new(a);
        session_disposal_id_new(b);
        struct wipe_method drawn;
        assert_int_equal(wipe_method_lookup("dod3", &drawn), 0);
        memset(drawn.passes[2].key, 0xab, WIPE_KEY_BYTES);
        start(j, a, "0102030405060708", "/srv/certs", "SER-A", &drawn);
        start(j, b, "0102030405060708", "/srv/certs", "SER-B", NULL);
        assert_int_equal(session_journal_pass(j, a, 1, 0), 0);
        assert_int_equal(session_journal_pass(j, b, 1, UINT64_MAX), 0); /* bytes unknown */
        assert_int_equal(session_journal_pass(j, a, 1, 1 << 20), 0);
        assert_int_equal(session_journal_pass(j, a, 2, 4096), 0);
        assert_int_equal(session_journal_pass(j, b, 1, UINT64_MAX), 0);
        assert_int_equal(session_journal_pass(j, a, 0, 0), -EINVAL);
        assert_int_equal(session_journal_pass(j, "nope", 1, 0), -EINVAL);

        struct session_journal_entry *e;
        size_t n;
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(e[0].disposal_id, a);
        assert_string_equal(e[1].disposal_id, b);
        assert_string_equal(e[0].key_id, "0102030405060708");
        assert_string_equal(e[0].cert_dir, "/srv/certs");
        assert_string_equal(e[0].operator_id, "yamada");
        assert_string_equal(e[0].operator_name, "山田 太郎");
        assert_string_equal(e[0].witness_id, "suzuki");
        assert_string_equal(e[0].witness_name, "鈴木 花子");
        assert_string_equal(e[0].authentication, "passphrase+totp");
        assert_string_equal(e[0].asset_number, "A-0042");
        assert_string_equal(e[0].class_label, "2");
        assert_string_equal(e[0].destination, "lease-return");
        assert_string_equal(e[0].organization, "Example City");
        assert_string_equal(e[0].media_source, "tax office");
        assert_string_equal(e[0].required_level, "Purge");
        assert_string_equal(e[0].policy, "built-in");
        assert_string_equal(e[0].image_version, "");
        /* the image's root file system hash, for the FAIL certificate of an interrupted disposal */
        assert_string_equal(e[0].image_squashfs_sha256, ctx.image_squashfs_sha256);
        assert_string_equal(e[0].method, "dod3");
        assert_string_equal(e[0].verify_mode, "sample");
        assert_string_equal(e[0].disk.path, "/tmp/kesu-journal-disk.img");
        assert_string_equal(e[0].disk.vendor, "ACME");
        assert_string_equal(e[0].disk.model, "Model ä 1");
        assert_string_equal(e[0].disk.serial, "SER-A");
        assert_string_equal(e[0].disk.wwn, "0x5000c500a1b2c3d4");
        assert_string_equal(e[0].disk.firmware, "FW1");
        assert_null(e[0].disk.by_id);
        assert_int_equal(e[0].disk.size_bytes, 1 << 20);
        assert_int_equal(e[0].disk.logical_sector_bytes, 512);
        assert_int_equal(e[0].disk.physical_sector_bytes, 4096);
        assert_int_equal(e[0].disk.transport, DISK_TRANSPORT_FILE);
        assert_int_equal(e[0].disk.rotational, TRISTATE_YES);
        assert_int_equal(e[0].disk.removable, TRISTATE_NO);
        assert_false(e[0].disk.is_block_device);
        assert_int_equal(e[0].n_seeds, 3);
        assert_false(e[0].has_seed[0]); /* 0x00: no key */
        assert_true(e[0].has_seed[2]);
        assert_int_equal(e[0].seeds[2][0], 0xab);
        assert_int_equal(e[0].passes_begun, 2);
        assert_int_equal(e[0].pass_bytes_written[0], 1 << 20);
        assert_int_equal(e[0].pass_bytes_written[1], 4096);
        assert_int_equal(e[0].bytes_written, (1 << 20) + 4096);
        assert_true(e[0].has_bytes_written);
        assert_true(e[0].pass_started_ns[0] >= e[0].started_ns && e[0].pass_started_ns[0] > 0);
        assert_true(e[0].last_event_ns >= e[0].pass_started_ns[1]);
        assert_int_equal(e[1].n_seeds, 0);
        assert_int_equal(e[1].passes_begun, 1);
        assert_false(e[1].has_bytes_written);
        assert_int_equal(e[1].bytes_written, 0);
        session_journal_entries_free(e, n);

        assert_int_equal(session_journal_finished(j, a, "KESU-0102030405060708-000001", "FAIL"), 0);
        session_journal_free(j);

        /* another process (a restart) sees the same */
        assert_int_equal(session_journal_open(path, &j), 0);
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(e[0].disposal_id, b);
        session_journal_entries_free(e, n);
        assert_int_equal(session_journal_finished(j, b, NULL, "PASS"), 0);
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 0);
        assert_null(e);
        session_journal_free(j);

        /* the format: a tagged first line, then one object a line */
        _cleanup_free_ char *text = slurp(path);
        assert_true(strncmp(text, "{\"format\":\"kesu-journal\",\"version\":1,", 37) == 0);
        assert_int_equal(count_lines(text), 1 + 2 + 5 + 2);
        assert_non_null(strstr(text, "\"event\":\"finished\""));
        rm_rf(dir);
}

static void test_torn_last_line(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *path = path_in(dir, "journal.jsonl");
        struct session_journal *j;
        char a[33];
        session_disposal_id_new(a);
        assert_int_equal(session_journal_open(path, &j), 0);
        start(j, a, "", "", "SER-A", NULL);
        /* kill -9 in the middle of writing a line */
        append_raw(path, "{\"event\":\"pass\",\"disposal_id\":\"");

        struct session_journal_entry *e;
        size_t n;
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0); /* read: tolerated */
        assert_int_equal(n, 1);
        assert_int_equal(e[0].passes_begun, 0);
        session_journal_entries_free(e, n);
        /* the next line goes where the torn one was, never after it */
        assert_int_equal(session_journal_pass(j, a, 1, 0), 0);
        session_journal_free(j);
        _cleanup_free_ char *text = slurp(path);
        assert_null(strstr(text, "\"disposal_id\":\"{"));
        assert_int_equal(count_lines(text), 3);

        /* at open, too */
        append_raw(path, "{\"event\":\"fin");
        assert_int_equal(session_journal_open(path, &j), 0);
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(e[0].passes_begun, 1);
        session_journal_entries_free(e, n);
        session_journal_free(j);
        free(text);
        text = slurp(path);
        assert_int_equal(text[strlen(text) - 1], '\n');
        assert_int_equal(count_lines(text), 3);

        /* a file torn while its very first line was written gets its format line */
        _cleanup_free_ char *fresh = path_in(dir, "fresh.jsonl");
        int fd = open(fresh, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_int_equal(write(fd, "{\"format\":\"kesu-jou", 19), 19);
        close(fd);
        assert_int_equal(session_journal_open(fresh, &j), 0);
        session_journal_free(j);
        _cleanup_free_ char *ftext = slurp(fresh);
        assert_int_equal(count_lines(ftext), 1);
        assert_non_null(strstr(ftext, "\"created_utc\""));
        rm_rf(dir);
}

static void test_damage(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *path = path_in(dir, "journal.jsonl");
        struct session_journal *j;
        char a[33], b[33];
        session_disposal_id_new(a);
        session_disposal_id_new(b);
        assert_int_equal(session_journal_open(path, &j), 0);
        start(j, a, "", "", "SER-A", NULL);
        append_raw(path, "{\"event\":\"pass\",\"disp\x01 garbage\n");
        start(j, b, "", "", "SER-B", NULL);

        /* damage is found by a handle already open, and at open */
        struct session_journal_entry *e = (void *)1;
        size_t n = 7;
        assert_int_equal(session_journal_unfinished(j, &e, &n), -EBADMSG);
        assert_ptr_equal(e, (void *)1); /* untouched */
        assert_int_equal(n, 7);
        session_journal_free(j);
        _cleanup_free_ char *before = slurp(path);
        assert_int_equal(session_journal_open(path, &j), -EBADMSG);
        _cleanup_free_ char *after = slurp(path);
        assert_string_equal(before, after); /* left as it is, for a person */

        /* valid JSON that is not a journal line: damage too */
        _cleanup_free_ char *p2 = path_in(dir, "j2.jsonl");
        assert_int_equal(session_journal_open(p2, &j), 0);
        session_journal_free(j);
        append_raw(p2, "{\"event\":\"started\",\"disposal_id\":\"xyz\"}\n");
        assert_int_equal(session_journal_open(p2, &j), -EBADMSG);

        /* one disposal id started twice */
        _cleanup_free_ char *p3 = path_in(dir, "j3.jsonl");
        assert_int_equal(session_journal_open(p3, &j), 0);
        start(j, a, "", "", "SER-A", NULL);
        start(j, a, "", "", "SER-A", NULL);
        assert_int_equal(session_journal_unfinished(j, &e, &n), -EBADMSG);
        session_journal_free(j);

        /* not a journal: refused, not "repaired" — even without a complete line */
        _cleanup_free_ char *other = path_in(dir, "other.txt");
        int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_int_equal(write(fd, "precious data", 13), 13);
        close(fd);
        assert_int_equal(session_journal_open(other, &j), -EBADMSG);
        _cleanup_free_ char *still = slurp(other);
        assert_string_equal(still, "precious data");
        _cleanup_free_ char *p4 = path_in(dir, "j4.jsonl");
        fd = open(p4, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_int_equal(write(fd, "{\"format\":\"something-else\",\"version\":1}\n", 40), 40);
        close(fd);
        assert_int_equal(session_journal_open(p4, &j), -EBADMSG);
        rm_rf(dir);
}

static void test_default_path(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *expected = path_in(dir, "state/journal.jsonl"),
                            *state_dir = path_in(dir, "state");
        assert_int_equal(setenv("KESU_STATE_DIR", state_dir, 1), 0);
        struct session_journal *j;
        assert_int_equal(session_journal_open(NULL, &j), 0); /* makes the state folder */
        assert_string_equal(session_journal_path(j), expected);
        session_journal_free(j);
        assert_int_equal(access(expected, R_OK | W_OK), 0);
        rm_rf(dir);
}

/* ---- the replay, with a real key, issuer and certificate folder ---------------------------------- */

struct appliance {
        char *dir, *state_dir, *cert_dir, *ledger, *journal;
        struct cert_secret_key *key;
        char key_hex[17];
};

static void appliance_setup(struct appliance *a)
{
        a->dir = make_temp_dir();
        a->state_dir = path_in(a->dir, "state");
        a->cert_dir = path_in(a->dir, "certs");
        a->ledger = path_in(a->dir, "ledger.jsonl");
        a->journal = path_in(a->state_dir, "journal.jsonl");
        assert_int_equal(mkdir(a->cert_dir, 0700), 0);
        assert_int_equal(setenv("KESU_STATE_DIR", a->state_dir, 1), 0);
        struct cert_public_key pub;
        assert_int_equal(cert_key_generate(a->dir, "passphrase", 10, false, &pub), 0);
        _cleanup_free_ char *key_path = path_in(a->dir, "appliance.key");
        assert_int_equal(cert_key_unlock(key_path, "passphrase", 10, &a->key), 0);
        cert_key_id_hex(a->key->key_id, a->key_hex);
}

static void appliance_done(struct appliance *a)
{
        cert_secret_key_free(a->key);
        rm_rf(a->dir);
        free(a->dir), free(a->state_dir), free(a->cert_dir), free(a->ledger), free(a->journal);
}

/* The certificate records (KESU-*.json) in the folder. */
static size_t count_certificates(const char *dir)
{
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                n += strncmp(de->d_name, "KESU-", 5) == 0 && len > 5 &&
                     strcmp(de->d_name + len - 5, ".json") == 0;
        }
        closedir(d);
        return n;
}

static json_t *load_record(const char *path)
{
        json_t *o = json_load_file(path, 0, NULL);
        assert_non_null(o);
        return o;
}

static void recover(struct appliance *a, struct session_recovery **ret, size_t *ret_n)
{
        struct cert_issuer *is;
        assert_int_equal(cert_issuer_open(a->cert_dir, a->ledger, a->key, &is), 0);
        struct session_journal *j;
        assert_int_equal(session_journal_open(NULL, &j), 0);
        assert_int_equal(session_journal_certify_unfinished(j, is, a->key, a->cert_dir, ret, ret_n), 0);
        session_journal_free(j);
        cert_issuer_free(is);
}

static void test_replay_certifies_interrupted(void **state)
{
        (void)state;
        struct appliance a = { 0 };
        appliance_setup(&a);
        char ours[33], theirs[33], done[33];
        session_disposal_id_new(ours);
        session_disposal_id_new(theirs);
        session_disposal_id_new(done);
        struct wipe_method drawn;
        assert_int_equal(wipe_method_lookup("dod3", &drawn), 0);
        memset(drawn.passes[2].key, 0x5a, WIPE_KEY_BYTES);

        /* the session before the crash: one disposal of ours in pass 2, one of another key, one
         * that finished properly */
        struct session_journal *j;
        assert_int_equal(session_journal_open(NULL, &j), 0);
        start(j, ours, a.key_hex, a.cert_dir, "SER-OURS", &drawn);
        start(j, theirs, "FFEEDDCCBBAA9988", "/elsewhere", "SER-THEIRS", NULL);
        start(j, done, a.key_hex, a.cert_dir, "SER-DONE", NULL);
        assert_int_equal(session_journal_pass(j, ours, 1, 0), 0);
        assert_int_equal(session_journal_pass(j, ours, 1, 1 << 20), 0);
        assert_int_equal(session_journal_pass(j, ours, 2, 65536), 0);
        assert_int_equal(session_journal_finished(j, done, "", "PASS"), 0);
        session_journal_free(j); /* kill -9 here */

        struct session_recovery *rec;
        size_t n;
        recover(&a, &rec, &n);
        assert_int_equal(n, 2);
        assert_int_equal(rec[0].kind, SESSION_RECOVERY_CERTIFIED);
        assert_string_equal(rec[0].disposal_id, ours);
        assert_string_equal(rec[0].result, "FAIL");
        assert_string_equal(rec[0].issued.result, "FAIL");
        assert_string_equal(rec[0].serial, rec[0].issued.serial);
        assert_non_null(strstr(rec[0].text, "certified FAIL"));
        assert_int_equal(rec[1].kind, SESSION_RECOVERY_LEFT);
        assert_string_equal(rec[1].disposal_id, theirs);
        assert_string_equal(rec[1].key_id, "FFEEDDCCBBAA9988");
        assert_non_null(strstr(rec[1].text, "not certified now"));

        /* the certificate: FAIL, interrupted, what was known */
        json_t *r = load_record(rec[0].issued.json_path);
        assert_string_equal(json_string_value(json_object_get(r, "result")), "FAIL");
        assert_string_equal(json_string_value(json_object_get(r, "asset_number")), "A-0042");
        assert_string_equal(json_string_value(json_object_get(json_object_get(r, "tool"), "image_squashfs_sha256")),
                            ctx.image_squashfs_sha256);
        json_t *media = json_object_get(r, "media");
        assert_string_equal(json_string_value(json_object_get(media, "serial")), "SER-OURS");
        assert_string_equal(json_string_value(json_object_get(media, "model")), "Model ä 1");
        json_t *san = json_object_get(r, "sanitization");
        assert_string_equal(json_string_value(json_object_get(san, "status")), "interrupted");
        assert_string_equal(json_string_value(json_object_get(san, "method")), "dod3");
        assert_int_equal(json_integer_value(json_object_get(san, "bytes_written")), (1 << 20) + 65536);
        json_t *passes = json_object_get(san, "passes");
        assert_int_equal(json_array_size(passes), 3);
        assert_string_equal(json_string_value(json_object_get(json_array_get(passes, 0), "flushed")), "yes");
        assert_string_equal(json_string_value(json_object_get(json_array_get(passes, 1), "flushed")), "no");
        assert_string_equal(json_string_value(json_object_get(json_array_get(passes, 2), "seed")),
                            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
        json_t *reasons = json_object_get(r, "failure_reasons");
        bool has_interrupted = false;
        for (size_t i = 0; i < json_array_size(reasons); i++)
                has_interrupted |= strstr(json_string_value(json_array_get(reasons, i)),
                                          "interrupted: kesu stopped during the disposal (crash or power "
                                          "loss); recovered at ") != NULL;
        assert_true(has_interrupted);
        assert_string_equal(json_string_value(json_object_get(r, "disposal_id")), ours);
        json_decref(r);
        free(rec);
        assert_int_equal(count_certificates(a.cert_dir), 1);

        /* a second start: nothing more to certify, the other key's disposal still told */
        recover(&a, &rec, &n);
        assert_int_equal(n, 1);
        assert_int_equal(rec[0].kind, SESSION_RECOVERY_LEFT);
        free(rec);
        assert_int_equal(count_certificates(a.cert_dir), 1);

        /* the auditor sees one valid certificate, which records a failed disposal */
        struct cert_public_key pub;
        memcpy(pub.key_id, a.key->key_id, 8);
        memcpy(pub.pk, a.key->pk, 32);
        struct cert_audit audit;
        char *paths[] = { a.cert_dir };
        assert_int_equal(cert_audit_paths(paths, 1, &pub, 1, &audit), 0);
        assert_int_equal(audit.n_certificates, 1);
        assert_int_equal(audit.n_valid, 1);
        assert_int_equal(audit.n_problems, 0);
        cert_audit_done(&audit);
        appliance_done(&a);
}

/* kill -9 after cert_issue() filed the certificate, before the journal's "finished" line. */
static void test_replay_finds_certificate_filed_before_crash(void **state)
{
        (void)state;
        struct appliance a = { 0 };
        appliance_setup(&a);
        char id[33];
        session_disposal_id_new(id);
        struct session_journal *j;
        assert_int_equal(session_journal_open(NULL, &j), 0);
        start(j, id, a.key_hex, a.cert_dir, "SER-1", NULL);
        session_journal_free(j);

        /* the session's own certificate, as it issued it (a completed wipe) */
        struct cert_issuer *is;
        assert_int_equal(cert_issuer_open(a.cert_dir, a.ledger, a.key, &is), 0);
        struct wipe_result w = { .identity = fake_disk("SER-1"), .status = WIPE_STATUS_COMPLETED };
        assert_int_equal(wipe_method_lookup("zero", &w.method), 0);
        w.passes[0] = (struct wipe_pass_result){ .pattern = w.method.passes[0],
                                                 .bytes_written = 1 << 20,
                                                 .is_flushed = true,
                                                 .started_ns = 1,
                                                 .ended_ns = 2 };
        w.bytes_written = w.bytes_total = 1 << 20;
        w.started_ns = now_realtime_ns();
        w.ended_ns = w.started_ns + 1000000000;
        struct disk_info disk = { .identity = w.identity };
        struct cert_context c = ctx;
        c.class_label = "1";
        c.required_level = NULL;
        c.disposal_id = id;
        struct cert_issued issued;
        assert_int_equal(cert_issue(is, &c, &disk, &w, NULL, "none", false, &issued), 0);
        assert_string_equal(issued.result, "PASS");
        cert_issuer_free(is);

        /* another certificate of this key in the folder, without the id, must not be confused */
        struct session_recovery *rec;
        size_t n;
        recover(&a, &rec, &n);
        assert_int_equal(n, 1);
        assert_int_equal(rec[0].kind, SESSION_RECOVERY_FOUND);
        assert_string_equal(rec[0].serial, issued.serial);
        assert_string_equal(rec[0].result, "PASS");
        free(rec);
        assert_int_equal(count_certificates(a.cert_dir), 1);

        /* journaled as finished with that serial: nothing left */
        assert_int_equal(session_journal_open(NULL, &j), 0);
        struct session_journal_entry *e;
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 0);
        session_journal_free(j);
        _cleanup_free_ char *text = slurp(a.journal);
        assert_non_null(strstr(text, issued.serial));
        recover(&a, &rec, &n);
        assert_int_equal(n, 0);
        assert_int_equal(count_certificates(a.cert_dir), 1);
        appliance_done(&a);
}

/* A certificate with the disposal id whose signature does not check (a forged or damaged file)
 * does not count: the disposal is certified, the stray left for cert_issuer_open/the auditor. */
static void test_replay_ignores_unsigned_lookalike(void **state)
{
        (void)state;
        struct appliance a = { 0 };
        appliance_setup(&a);
        char id[33];
        session_disposal_id_new(id);
        struct session_journal *j;
        assert_int_equal(session_journal_open(NULL, &j), 0);
        start(j, id, a.key_hex, a.cert_dir, "SER-1", NULL);
        session_journal_free(j);
        /* elsewhere (the journal's cert_dir is checked too): a fake certificate of this key */
        _cleanup_free_ char *other_dir = path_in(a.dir, "other"), *fake = NULL, *body = NULL;
        assert_int_equal(mkdir(other_dir, 0700), 0);
        assert_true(asprintf(&fake, "%s/KESU-%s-000001.json", other_dir, a.key_hex) > 0);
        assert_true(asprintf(&body,
                             "{\"appliance_key_id\":\"%s\",\"disposal_id\":\"%s\",\"result\":\"PASS\","
                             "\"serial\":\"KESU-%s-000001\"}\n",
                             a.key_hex, id, a.key_hex) > 0);
        int fd = open(fake, O_WRONLY | O_CREAT, 0600);
        assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
        close(fd);

        struct cert_issuer *is;
        assert_int_equal(cert_issuer_open(a.cert_dir, a.ledger, a.key, &is), 0);
        assert_int_equal(session_journal_open(NULL, &j), 0);
        struct session_recovery *rec;
        size_t n;
        assert_int_equal(session_journal_certify_unfinished(j, is, a.key, other_dir, &rec, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(rec[0].kind, SESSION_RECOVERY_CERTIFIED);
        assert_string_equal(rec[0].result, "FAIL");
        free(rec);
        session_journal_free(j);
        cert_issuer_free(is);
        assert_int_equal(count_certificates(a.cert_dir), 1);
        appliance_done(&a);
}

/* ---- many writers, and kill -9 --------------------------------------------------------------------- */

struct writer {
        struct session_journal *j;
        char id[33];
};

static void *write_passes(void *p)
{
        struct writer *w = p;
        for (unsigned i = 1; i <= 40; i++)
                assert_int_equal(session_journal_pass(w->j, w->id, i, (uint64_t)i * 512), 0);
        return NULL;
}

/* Threads of one process (parallel jobs) and another process append at once: every line whole. */
static void test_concurrent_writers(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *path = path_in(dir, "journal.jsonl");
        struct session_journal *j;
        assert_int_equal(session_journal_open(path, &j), 0);
        struct writer w[4];
        pthread_t t[4];
        for (size_t i = 0; i < 4; i++) {
                w[i].j = j;
                session_disposal_id_new(w[i].id);
                start(j, w[i].id, "", "", "SER", NULL);
        }
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                struct session_journal *cj;
                char id[33];
                if (session_journal_open(path, &cj) < 0 || session_disposal_id_new(id) < 0)
                        _exit(1);
                struct disk_identity disk = fake_disk("SER-CHILD");
                struct session_journal_start s = {
                        .disposal_id = id, .ctx = &ctx, .method = "zero", .disk = &disk
                };
                if (session_journal_started(cj, &s) < 0)
                        _exit(1);
                for (unsigned i = 1; i <= 40; i++)
                        if (session_journal_pass(cj, id, i, 0) < 0)
                                _exit(1);
                _exit(session_journal_finished(cj, id, "", "FAIL") < 0);
        }
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&t[i], NULL, write_passes, &w[i]), 0);
        for (size_t i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        struct session_journal_entry *e;
        size_t n;
        assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
        assert_int_equal(n, 4);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(e[i].passes_begun, 40);
                assert_int_equal(e[i].pass_bytes_written[39], 40 * 512);
        }
        session_journal_entries_free(e, n);
        session_journal_free(j);
        _cleanup_free_ char *text = slurp(path);
        assert_int_equal(count_lines(text), 1 + 4 + 4 * 40 + 1 + 40 + 1);
        rm_rf(dir);
}

/* kill -9 at arbitrary moments of a process writing as fast as it can: the journal always opens,
 * and what it says is what was acknowledged (at most one line more, never a torn one). */
static void test_kill_9(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_temp_dir(), *path = path_in(dir, "journal.jsonl");
        for (int round = 0; round < 20; round++) {
                int pipefd[2];
                assert_int_equal(pipe(pipefd), 0);
                pid_t child = fork();
                assert_true(child >= 0);
                if (child == 0) {
                        close(pipefd[0]);
                        struct session_journal *cj;
                        char id[33];
                        if (session_journal_open(path, &cj) < 0 || session_disposal_id_new(id) < 0)
                                _exit(1);
                        struct disk_identity disk = fake_disk("SER-KILL");
                        struct session_journal_start s = {
                                .disposal_id = id, .ctx = &ctx, .method = "gutmann", .disk = &disk
                        };
                        if (session_journal_started(cj, &s) < 0)
                                _exit(1);
                        (void)!write(pipefd[1], "s", 1);
                        for (unsigned i = 1;; i = i % WIPE_MAX_PASSES + 1)
                                if (session_journal_pass(cj, id, i, i) < 0)
                                        _exit(1);
                }
                close(pipefd[1]);
                char c;
                assert_int_equal(read(pipefd[0], &c, 1), 1); /* started is on disk */
                close(pipefd[0]);
                usleep((useconds_t)(rand() % 20000));
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);

                struct session_journal *j;
                assert_int_equal(session_journal_open(path, &j), 0);
                struct session_journal_entry *e;
                size_t n;
                assert_int_equal(session_journal_unfinished(j, &e, &n), 0);
                assert_int_equal(n, (size_t)round + 1);
                assert_string_equal(e[round].method, "gutmann");
                session_journal_entries_free(e, n);
                session_journal_free(j);
        }
        rm_rf(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_disposal_id),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_torn_last_line),
                cmocka_unit_test(test_damage),
                cmocka_unit_test(test_default_path),
                cmocka_unit_test(test_replay_certifies_interrupted),
                cmocka_unit_test(test_replay_finds_certificate_filed_before_crash),
                cmocka_unit_test(test_replay_ignores_unsigned_lookalike),
                cmocka_unit_test(test_concurrent_writers),
                cmocka_unit_test(test_kill_9),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
