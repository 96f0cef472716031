/* SPDX-License-Identifier: MIT */
/* ui/session users and TOTP: RFC 6238 vectors, base32, the signed users file, logging in. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "totp.h"
#include "users.h"

/* ---- TOTP ------------------------------------------------------------------------------------ */

/* RFC 6238 Appendix B, the SHA1 rows (the secret is the ASCII of "12345678901234567890"). */
static void test_rfc6238_vectors(void **state)
{
        (void)state;
        static const struct {
                int64_t t;
                const char *code;
        } v[] = {
                { 59, "94287082" },         { 1111111109, "07081804" }, { 1111111111, "14050471" },
                { 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
        };
        const uint8_t *secret = (const uint8_t *)"12345678901234567890";
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                char code[SESSION_TOTP_CODE_MAX + 1];
                assert_int_equal(session_totp_generate(secret, 20, v[i].t, 8, code), 0);
                assert_string_equal(code, v[i].code);
        }
        uint64_t step;
        assert_int_equal(session_totp_step(59, &step), 0);
        assert_int_equal(step, 1);
        assert_int_equal(session_totp_step(1111111109, &step), 0);
        assert_int_equal(step, 0x023523EC); /* the table's T column */
}

static void test_totp_check(void **state)
{
        (void)state;
        const uint8_t *secret = (const uint8_t *)"12345678901234567890";
        const int64_t now = 1111111111; /* step 37037037 */
        char code[SESSION_TOTP_CODE_MAX + 1];
        uint64_t step = 0;
        /* the 6-digit code is the 8-digit one's last six (RFC 4226 §5.3: mod 10^6) */
        assert_int_equal(session_totp_generate(secret, 20, now, 6, code), 0);
        assert_string_equal(code, "050471");
        assert_int_equal(session_totp_check(secret, 20, now, code, 0, &step), 0);
        assert_int_equal(step, 37037037);
        /* one step either side is accepted, two are not */
        assert_int_equal(session_totp_check(secret, 20, now + 30, code, 0, &step), 0);
        assert_int_equal(session_totp_check(secret, 20, now - 30, code, 0, &step), 0);
        assert_int_equal(session_totp_check(secret, 20, now + 60, code, 0, &step), -EACCES);
        assert_int_equal(session_totp_check(secret, 20, now - 60, code, 0, &step), -EACCES);
        /* used once: not again */
        assert_int_equal(session_totp_check(secret, 20, now, code, 37037037, &step), -EACCES);
        /* malformed */
        assert_int_equal(session_totp_check(secret, 20, now, "05047", 0, &step), -EACCES);
        assert_int_equal(session_totp_check(secret, 20, now, "0504711", 0, &step), -EACCES);
        assert_int_equal(session_totp_check(secret, 20, now, "05047a", 0, &step), -EACCES);
        assert_int_equal(session_totp_check(secret, 20, now, "", 0, &step), -EACCES);
}

static void test_base32(void **state)
{
        (void)state;
        char *s;
        /* RFC 4648 §10 and the RFC 6238 secret as authenticator apps take it */
        assert_int_equal(session_base32_encode((const uint8_t *)"foobar", 6, &s), 0);
        assert_string_equal(s, "MZXW6YTBOI======");
        sodium_free(s);
        assert_int_equal(session_base32_encode((const uint8_t *)"12345678901234567890", 20, &s), 0);
        assert_string_equal(s, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        sodium_free(s);

        uint8_t in[SESSION_TOTP_SECRET_BYTES], out[SESSION_TOTP_SECRET_MAX_BYTES];
        size_t n;
        for (int round = 0; round < 50; round++) {
                randombytes_buf(in, sizeof in);
                assert_int_equal(session_base32_encode(in, sizeof in, &s), 0);
                assert_int_equal(strlen(s), 32);
                assert_int_equal(session_base32_decode(s, out, sizeof out, &n), 0);
                assert_int_equal(n, sizeof in);
                assert_memory_equal(in, out, n);
                sodium_free(s);
        }
        assert_int_equal(session_base32_decode("not base32!", out, sizeof out, &n), -EINVAL);
        assert_int_equal(session_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", out, 8, &n), -E2BIG);

        char *uri;
        assert_int_equal(session_totp_uri("yamada", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", &uri), 0);
        assert_string_equal(uri, "otpauth://totp/kesu:yamada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                                 "&issuer=kesu&algorithm=SHA1&digits=6&period=30");
        sodium_free(uri);
}

/* ---- checks ------------------------------------------------------------------------------------ */

static void test_checks(void **state)
{
        (void)state;
        assert_int_equal(session_user_id_check("yamada.t_01-x"), 0);
        assert_int_equal(session_user_id_check("a"), 0);
        assert_int_equal(session_user_id_check("0123456789abcdef0123456789abcdef"), 0);
        assert_int_equal(session_user_id_check("0123456789abcdef0123456789abcdef0"), -EINVAL);
        assert_int_equal(session_user_id_check(""), -EINVAL);
        assert_int_equal(session_user_id_check("yamada taro"), -EINVAL);
        assert_int_equal(session_user_id_check("山田"), -EINVAL);
        assert_int_equal(session_user_id_check("a/b"), -EINVAL);

        assert_int_equal(session_user_name_check("山田 太郎"), 0);
        assert_int_equal(session_user_name_check(""), -EINVAL);
        assert_int_equal(session_user_name_check("山田\u202e太郎"), -EINVAL);
        assert_int_equal(session_user_name_check("a\tb"), -EINVAL);
        assert_int_equal(session_user_name_check("\xff"), -EILSEQ);
        /* 72 bytes */
        assert_int_equal(session_user_name_check("山田山田山田山田山田山田山田山田山田山田山田山田"),
                         -E2BIG);

        enum session_role role;
        assert_int_equal(session_role_from_string("administrator", &role), 0);
        assert_int_equal(role, SESSION_ROLE_ADMINISTRATOR);
        assert_int_equal(session_role_from_string("root", &role), -EINVAL);
        assert_string_equal(session_role_to_string(SESSION_ROLE_OPERATOR), "operator");

        assert_int_equal(session_passphrase_check("12345678", 8), 0);
        assert_int_equal(session_passphrase_check("1234567", 7), -EINVAL);
        /* characters count, not bytes: 8 characters (24 bytes) pass, 3 (9 bytes) do not */
        const char *kana8 = "あいうえおかきく", *kana3 = "あいう";
        assert_int_equal(session_passphrase_check(kana8, strlen(kana8)), 0);
        assert_int_equal(session_passphrase_check(kana3, strlen(kana3)), -EINVAL);
}

/* ---- the users file ---------------------------------------------------------------------------- */

struct fixture {
        char dir[64], path[96];
        struct cert_secret_key *key;
        struct cert_public_key pub;
};

static struct cert_secret_key *make_key(struct cert_public_key *ret_pub)
{
        struct cert_secret_key *k = sodium_malloc(sizeof *k);
        assert_non_null(k);
        randombytes_buf(k->key_id, sizeof k->key_id);
        crypto_sign_keypair(k->pk, k->sk);
        memcpy(ret_pub->key_id, k->key_id, sizeof k->key_id);
        memcpy(ret_pub->pk, k->pk, sizeof k->pk);
        return k;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        strcpy(f->dir, "/tmp/kesu-test-users.XXXXXX");
        if (!f || !mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof f->path, "%s/users.json", f->dir);
        f->key = make_key(&f->pub);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char p[128];
        const char *names[] = { "users.json", "users.state.json", "users.json.tmp", "users.state.json.tmp" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(p, sizeof p, "%s/%s", f->dir, names[i]);
                unlink(p);
        }
        rmdir(f->dir);
        cert_secret_key_free(f->key);
        free(f);
        return 0;
}

#define PASS_YAMADA "correct horse battery"
#define PASS_SATO   "佐藤のパスフレーズ"

/* Two users, saved: yamada (operator) and sato (administrator). */
static void make_users(struct fixture *f)
{
        struct session_users *u;
        assert_int_equal(session_users_new(f->path, &u), 0);
        char *secret;
        assert_int_equal(session_users_add(u, "yamada", "山田 太郎", "Yamada Taro", SESSION_ROLE_OPERATOR,
                                           PASS_YAMADA, strlen(PASS_YAMADA), &secret),
                         0);
        assert_int_equal(strlen(secret), 32);
        sodium_free(secret);
        assert_int_equal(session_users_add(u, "sato", "佐藤 花子", NULL, SESSION_ROLE_ADMINISTRATOR,
                                           PASS_SATO, strlen(PASS_SATO), &secret),
                         0);
        sodium_free(secret);
        assert_int_equal(
                session_users_add(u, "yamada", "別人", NULL, SESSION_ROLE_OPERATOR, "12345678", 8, &secret),
                -EEXIST);
        assert_int_equal(
                session_users_add(u, "short", "短い", NULL, SESSION_ROLE_OPERATOR, "1234567", 7, &secret),
                -EINVAL);
        assert_int_equal(
                session_users_add(u, "bad id", "名前", NULL, SESSION_ROLE_OPERATOR, "12345678", 8, &secret),
                -EINVAL);
        assert_int_equal(session_users_save(u, f->key), 0);
        session_users_free(u);
        struct stat st;
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        char state_path[128];
        snprintf(state_path, sizeof state_path, "%s/users.state.json", f->dir);
        assert_int_equal(stat(state_path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
}

static void code_for(struct session_users *u, const char *id, int64_t now,
                     char code[SESSION_TOTP_CODE_MAX + 1])
{
        uint8_t secret[SESSION_TOTP_SECRET_MAX_BYTES];
        size_t len;
        assert_int_equal(session_users_totp_secret(u, id, secret, &len), 0);
        assert_int_equal(len, SESSION_TOTP_SECRET_BYTES);
        assert_int_equal(session_totp_generate(secret, len, now, 6, code), 0);
        sodium_memzero(secret, sizeof secret);
}

static int authenticate(struct session_users *u, const char *id, const char *pass, const char *code,
                        int64_t now, uint64_t *ret_wait)
{
        struct session_user_info info;
        uint64_t wait = 0;
        int r = session_user_authenticate(u, id, pass, strlen(pass), code, now, &info, &wait);
        if (r == 0) {
                assert_string_equal(info.id, id);
                assert_string_equal(info.method, "passphrase+totp");
        }
        if (ret_wait)
                *ret_wait = wait;
        return r;
}

static void test_users_add_load_authenticate(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);

        struct session_user_info *list;
        size_t n;
        assert_int_equal(session_users_list(u, &list, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(list[0].id, "yamada");
        assert_string_equal(list[0].name, "山田 太郎");
        assert_string_equal(list[0].name_latin, "Yamada Taro");
        assert_int_equal(list[0].role, SESSION_ROLE_OPERATOR);
        assert_string_equal(list[1].id, "sato");
        assert_string_equal(list[1].name_latin, "");
        assert_int_equal(list[1].role, SESSION_ROLE_ADMINISTRATOR);
        free(list);

        const int64_t now = 1800000000;
        char code[SESSION_TOTP_CODE_MAX + 1], wrong[SESSION_TOTP_CODE_MAX + 1];
        code_for(u, "yamada", now, code);
        snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);

        struct session_user_info info;
        uint64_t wait;
        assert_int_equal(session_user_authenticate(u, "yamada", PASS_YAMADA, strlen(PASS_YAMADA), code, now,
                                                   &info, &wait),
                         0);
        assert_string_equal(info.name, "山田 太郎");
        assert_string_equal(info.name_latin, "Yamada Taro");
        assert_int_equal(info.role, SESSION_ROLE_OPERATOR);
        assert_string_equal(info.method, "passphrase+totp");

        /* the same code again, also from another process (a fresh load): refused */
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now, NULL), -EACCES);
        struct session_users *u2;
        assert_int_equal(session_users_load(f->path, &f->pub, &u2), 0);
        assert_int_equal(authenticate(u2, "yamada", PASS_YAMADA, code, now + 5, NULL), -EACCES);
        session_users_free(u2);

        /* the next step's code is fine; unknown users, a wrong passphrase, a wrong code */
        code_for(u, "yamada", now + 30, code);
        assert_int_equal(authenticate(u, "nobody", PASS_YAMADA, code, now + 30, NULL), -ENOENT);
        assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now + 30, NULL), -EACCES);
        code_for(u, "yamada", now + 30, code);
        snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
        /* the two replays and the wrong passphrase were failures 1–3: a second's wait */
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, wrong, now + 30, NULL), -EAGAIN);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, wrong, now + 31, NULL), -EACCES);
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 4);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 33, NULL), 0);
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 0); /* a success resets */

        /* a new passphrase: the old one no longer works */
        assert_int_equal(session_users_set_passphrase(u, "sato", "short", 5), -EINVAL);
        assert_int_equal(session_users_set_passphrase(u, "sato", "a new passphrase", 16), 0);
        assert_int_equal(session_users_save(u, f->key), 0);
        code_for(u, "sato", now, code);
        assert_int_equal(authenticate(u, "sato", PASS_SATO, code, now, NULL), -EACCES);
        assert_int_equal(authenticate(u, "sato", "a new passphrase", code, now, NULL), 0);
        session_users_free(u);
}

static void test_users_disabled(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        assert_int_equal(session_users_disable(u, "yamada"), 0);
        assert_int_equal(session_users_disable(u, "yamada"), -EALREADY);
        assert_int_equal(session_users_disable(u, "nobody"), -ENOENT);
        assert_int_equal(session_users_save(u, f->key), 0);
        session_users_free(u);

        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        struct session_user_info info;
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_true(info.is_disabled);
        const int64_t now = 1800000000;
        char code[SESSION_TOTP_CODE_MAX + 1];
        code_for(u, "yamada", now, code);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now, NULL), -EKEYREVOKED);
        /* a disabled user with a wrong passphrase learns nothing more than anyone else */
        code_for(u, "yamada", now + 30, code);
        assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now + 30, NULL), -EACCES);
        session_users_free(u);
}

/* A disabled user enabled again logs in, its failure count cleared once saved. */
static void test_users_enable(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        assert_int_equal(session_users_enable(u, "yamada"), -EALREADY);
        assert_int_equal(session_users_enable(u, "nobody"), -ENOENT);
        assert_int_equal(session_users_disable(u, "yamada"), 0);
        assert_int_equal(session_users_save(u, f->key), 0);
        const int64_t now = 1800000000;
        char code[SESSION_TOTP_CODE_MAX + 1];
        code_for(u, "yamada", now, code);
        assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now, NULL), -EACCES);
        assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now, NULL), -EACCES);
        session_users_free(u);

        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        struct session_user_info info;
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 2);
        assert_int_equal(session_users_enable(u, "yamada"), 0);
        assert_int_equal(session_users_enable(u, "yamada"), -EALREADY);
        assert_int_equal(session_users_save(u, f->key), 0);
        session_users_free(u);

        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_false(info.is_disabled);
        assert_int_equal(info.failed_attempts, 0);
        code_for(u, "yamada", now + 30, code);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 30, NULL), 0);
        session_users_free(u);
}

/* Both factors reset: the old passphrase and the old secret's codes stop working, the new ones
 * work, a throttled user may try at once; a bad passphrase changes nothing. */
static void test_users_reset(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        const int64_t now = 1800000000;
        char old_code[SESSION_TOTP_CODE_MAX + 1], code[SESSION_TOTP_CODE_MAX + 1];
        for (int i = 0; i < SESSION_THROTTLE_FREE_FAILURES; i++) {
                code_for(u, "yamada", now, code);
                assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now, NULL), -EACCES);
        }
        uint64_t wait = 0;
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now, &wait), -EAGAIN);
        assert_true(wait > 0);

        char *secret = NULL;
        uint8_t old_raw[SESSION_TOTP_SECRET_MAX_BYTES], new_raw[SESSION_TOTP_SECRET_MAX_BYTES];
        size_t old_len, new_len;
        assert_int_equal(session_users_totp_secret(u, "yamada", old_raw, &old_len), 0);
        assert_int_equal(session_users_reset(u, "yamada", "short", 5, &secret), -EINVAL);
        assert_int_equal(session_users_reset(u, "nobody", "a new passphrase", 16, &secret), -ENOENT);
        assert_null(secret);
        assert_int_equal(session_users_totp_secret(u, "yamada", new_raw, &new_len), 0);
        assert_memory_equal(old_raw, new_raw, old_len); /* a refused reset kept the old secret */
        assert_int_equal(session_users_reset(u, "yamada", "a new passphrase", 16, &secret), 0);
        assert_non_null(secret);
        assert_int_equal(strlen(secret), 32);
        assert_int_equal(session_users_totp_secret(u, "yamada", new_raw, &new_len), 0);
        size_t b32_len;
        uint8_t b32_raw[SESSION_TOTP_SECRET_MAX_BYTES];
        assert_int_equal(session_base32_decode(secret, b32_raw, sizeof b32_raw, &b32_len), 0);
        assert_int_equal(b32_len, new_len);
        assert_memory_equal(b32_raw, new_raw, new_len);
        assert_memory_not_equal(old_raw, new_raw, new_len);
        sodium_free(secret);
        assert_int_equal(session_users_save(u, f->key), 0);
        session_users_free(u);

        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        struct session_user_info info;
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 0);
        /* the old secret's code with the new passphrase, the new code with the old passphrase */
        assert_int_equal(session_totp_generate(old_raw, old_len, now + 30, 6, old_code), 0);
        assert_int_equal(authenticate(u, "yamada", "a new passphrase", old_code, now + 30, NULL), -EACCES);
        code_for(u, "yamada", now + 60, code);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 60, NULL), -EACCES);
        code_for(u, "yamada", now + 90, code);
        assert_int_equal(authenticate(u, "yamada", "a new passphrase", code, now + 90, NULL), 0);
        sodium_memzero(old_raw, sizeof old_raw);
        session_users_free(u);
}

/* The code typed back at enrolment is used: it cannot also log the user in, also after a fresh load
 * (another process); the next step's code can. */
static void test_users_enrolment_code_used(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        const int64_t now = 1800000000;
        char code[SESSION_TOTP_CODE_MAX + 1];
        code_for(u, "sato", now, code);
        assert_int_equal(session_users_note_code_used(u, "sato", (uint64_t)now / 30), 0);
        assert_int_equal(session_users_note_code_used(u, "nobody", (uint64_t)now / 30), -ENOENT);
        session_users_free(u);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        assert_int_equal(authenticate(u, "sato", PASS_SATO, code, now, NULL), -EACCES);
        /* an older step recorded later never makes a used one usable again */
        assert_int_equal(session_users_note_code_used(u, "sato", (uint64_t)now / 30 - 5), 0);
        code_for(u, "sato", now + 30, code);
        assert_int_equal(authenticate(u, "sato", PASS_SATO, code, now + 30, NULL), 0);
        session_users_free(u);
}

static void test_users_throttling(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u;
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        const int64_t now = 1800000000;
        char code[SESSION_TOTP_CODE_MAX + 1];
        uint64_t wait = 0;
        code_for(u, "yamada", now, code);
        for (int i = 0; i < 3; i++)
                assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now, NULL), -EACCES);
        /* after the third: 1 s, and nothing is checked meanwhile — not even the right answer */
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now, &wait), -EAGAIN);
        assert_int_equal(wait, 1);
        assert_int_equal(authenticate(u, "yamada", "wrong passphrase", code, now + 1, NULL), -EACCES);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 2, &wait), -EAGAIN);
        assert_int_equal(wait, 1); /* 2 s from now + 1 */

        /* persisted: a fresh load (another kesu process) knows it */
        struct session_users *u2;
        assert_int_equal(session_users_load(f->path, &f->pub, &u2), 0);
        struct session_user_info info;
        assert_int_equal(session_users_get(u2, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 4);
        assert_int_equal(authenticate(u2, "yamada", PASS_YAMADA, code, now + 2, &wait), -EAGAIN);
        session_users_free(u2);

        /* the right answer once the wait is over: accepted and reset */
        code_for(u, "yamada", now + 3, code);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 3, NULL), 0);
        assert_int_equal(session_users_get(u, "yamada", &info), 0);
        assert_int_equal(info.failed_attempts, 0);

        /* the wait doubles per failure up to 15 min: 50 failures in the state file */
        char state_path[128], text[256];
        snprintf(state_path, sizeof state_path, "%s/users.state.json", f->dir);
        snprintf(text, sizeof text,
                 "{\"format\":\"kesu-users-state\",\"version\":1,\"users\":{\"yamada\":{\"failed_attempts\":"
                 "50,"
                 "\"last_failure\":%lld,\"last_totp_step\":0}}}\n",
                 (long long)now + 100);
        assert_int_equal(write_file_atomic(state_path, text, strlen(text), true), 0);
        assert_int_equal(authenticate(u, "yamada", PASS_YAMADA, code, now + 100, &wait), -EAGAIN);
        assert_int_equal(wait, 900);
        /* sato is not affected */
        code_for(u, "sato", now + 100, code);
        assert_int_equal(authenticate(u, "sato", PASS_SATO, code, now + 100, NULL), 0);
        session_users_free(u);
}

/* Replaces the first `from` in the users file by `to`, keeping its mode. */
static void edit_file(const char *path, const char *from, const char *to)
{
        char *text;
        size_t len;
        assert_int_equal(read_full_file(path, &text, &len), 0);
        char *at = strstr(text, from);
        assert_non_null(at);
        char *out = malloc(len + strlen(to) + 1);
        size_t head = (size_t)(at - text);
        memcpy(out, text, head);
        strcpy(out + head, to);
        strcat(out, at + strlen(from));
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(out, fp);
        fclose(fp);
        free(out);
        free(text);
}

static void test_users_tampered(void **state)
{
        struct fixture *f = *state;
        make_users(f);
        struct session_users *u = NULL;
        char *text;
        size_t len;
        assert_int_equal(read_full_file(f->path, &text, &len), 0);

        /* layout is not signed, contents are: re-indented it still loads */
        edit_file(f->path, "\n  \"format\"", "\n      \"format\"");
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        u = session_users_free(u);

        /* a role changed by hand */
        edit_file(f->path, "\"role\": \"operator\"", "\"role\": \"administrator\"");
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EKEYREJECTED);
        assert_null(u);
        assert_int_equal(write_file_atomic(f->path, text, len, true), 0);
        chmod(f->path, 0600);

        /* a name changed */
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        u = session_users_free(u);
        edit_file(f->path, "山田 太郎", "山田 次郎");
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EKEYREJECTED);

        /* a signature from another key */
        struct cert_public_key other;
        struct cert_secret_key *other_key = make_key(&other);
        assert_int_equal(write_file_atomic(f->path, text, len, true), 0);
        chmod(f->path, 0600);
        assert_int_equal(session_users_load(f->path, &other, &u), -ENOKEY);
        cert_secret_key_free(other_key);

        /* an unknown format version */
        edit_file(f->path, "\"version\": 1", "\"version\": 2");
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EPROTONOSUPPORT);

        /* not a users file at all */
        edit_file(f->path, "\"kesu-users\"", "\"kesu-disposal-certificate\"");
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EBADMSG);

        /* truncated */
        assert_int_equal(write_file_atomic(f->path, text, len / 2, true), 0);
        chmod(f->path, 0600);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EBADMSG);
        assert_int_equal(write_file_atomic(f->path, text, 0, true), 0);
        chmod(f->path, 0600);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EBADMSG);

        /* readable by others */
        assert_int_equal(write_file_atomic(f->path, text, len, true), 0);
        chmod(f->path, 0644);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EPERM);
        chmod(f->path, 0640);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -EPERM);
        chmod(f->path, 0400);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), 0);
        u = session_users_free(u);

        /* missing */
        unlink(f->path);
        assert_int_equal(session_users_load(f->path, &f->pub, &u), -ENOENT);
        free(text);
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc6238_vectors),
                cmocka_unit_test(test_totp_check),
                cmocka_unit_test(test_base32),
                cmocka_unit_test(test_checks),
                cmocka_unit_test_setup_teardown(test_users_add_load_authenticate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_enrolment_code_used, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_disabled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_enable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_reset, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_throttling, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_tampered, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
