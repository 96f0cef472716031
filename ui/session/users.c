/* SPDX-License-Identifier: MIT */
/*
 * The users file and its state file.
 *
 * users.json (mode 0600, signed):
 *   { "format": "kesu-users", "version": 1, "key_id": "<16 hex, as minisign prints it>",
 *     "users": [ { "id", "name", "name_latin", "role": "operator"|"administrator",
 *                  "status": "active"|"disabled", "passphrase_hash": "$argon2id$…",
 *                  "totp_secret": "<base32>", "created": "<UTC>", "updated": "<UTC>" }, … ],
 *     "signature": "<base64 Ed25519 over the canonical bytes of everything else>" }
 * The canonical bytes are cert_canonical()'s (sorted keys, compact, final newline) of the object
 * without "signature"; the format tag inside them keeps the signature from meaning anything else.
 *
 * users.state.json (mode 0600, NOT signed):
 *   { "format": "kesu-users-state", "version": 1,
 *     "users": { "<id>": { "failed_attempts", "last_failure", "last_totp_step" }, … } }
 * It changes at every login, when no administrator (and so no key) is at hand; it cannot be
 * signed. Tampering with it only affects throttling and the replay guard of codes already seen —
 * it cannot add a user, change a role or let a wrong passphrase or code in.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "users.h"

#define USERS_FILE_MAX_BYTES (4u * 1024 * 1024)

struct user_secrets { /* sodium_malloc'd */
        char passphrase_hash[crypto_pwhash_STRBYTES];
        uint8_t totp[SESSION_TOTP_SECRET_MAX_BYTES];
        size_t totp_len;
};

struct user {
        char id[SESSION_USER_ID_MAX + 1];
        char name[SESSION_USER_NAME_MAX_BYTES + 1];
        char name_latin[SESSION_USER_NAME_MAX_BYTES + 1];
        enum session_role role;
        bool is_disabled;
        char created[32], updated[32];
        struct user_secrets *secrets;
        /* state */
        uint64_t failed_attempts;
        int64_t last_failure; /* Unix s */
        uint64_t last_totp_step;
        /* an administrator enabled or reset the user: the failure count is cleared when saved
         * (not before: saving re-reads the state file, which logins may have changed meanwhile) */
        bool is_failure_reset_pending;
};

struct session_users {
        char *path, *state_path;
        struct user *users;
        size_t n;
};

static const char *const role_names[] = {
        [SESSION_ROLE_OPERATOR] = "operator",
        [SESSION_ROLE_ADMINISTRATOR] = "administrator",
};

const char *session_role_to_string(enum session_role role)
{
        return (size_t)role < ELEMENTSOF(role_names) ? role_names[role] : NULL;
}

int session_role_from_string(const char *s, enum session_role *ret)
{
        for (size_t i = 0; s && i < ELEMENTSOF(role_names); i++)
                if (strcmp(s, role_names[i]) == 0) {
                        *ret = (enum session_role)i;
                        return 0;
                }
        return -EINVAL;
}

int session_user_id_check(const char *id)
{
        if (!id)
                return -EINVAL;
        size_t n = 0;
        for (; id[n]; n++) {
                char c = id[n];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return -EINVAL;
        }
        return n >= 1 && n <= SESSION_USER_ID_MAX ? 0 : -EINVAL;
}

int session_user_name_check(const char *name)
{
        if (!name || !*name)
                return -EINVAL;
        return text_check(name, SESSION_USER_NAME_MAX_BYTES, NULL);
}

int session_passphrase_check(const char *passphrase, size_t len)
{
        if (!passphrase || memchr(passphrase, 0, len) || passphrase[len] != 0)
                return -EILSEQ;
        if (len > SESSION_PASSPHRASE_MAX_BYTES)
                return -E2BIG;
        /* hidden code points (a tab) are fine in a passphrase; bytes that are not UTF-8 are not:
         * the same passphrase must be typeable on the appliance's own terminal */
        if (text_check(passphrase, SESSION_PASSPHRASE_MAX_BYTES, NULL) == -EILSEQ)
                return -EILSEQ;
        size_t n_chars = 0;
        for (size_t i = 0; i < len; i++)
                if (((unsigned char)passphrase[i] & 0xC0) != 0x80)
                        n_chars++;
        return n_chars >= SESSION_PASSPHRASE_MIN ? 0 : -EINVAL;
}

static void format_utc(int64_t t, char out[32])
{
        struct tm tm;
        time_t tt = (time_t)t;
        if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                strcpy(out, "");
}

/* ---- the set --------------------------------------------------------------------------------- */

static void user_clear(struct user *x)
{
        if (x->secrets)
                sodium_free(x->secrets); /* wipes */
        *x = (struct user){ 0 };
}

struct session_users *session_users_free(struct session_users *u)
{
        if (!u)
                return NULL;
        for (size_t i = 0; i < u->n; i++)
                user_clear(&u->users[i]);
        free(u->users);
        free(u->path);
        free(u->state_path);
        free(u);
        return NULL;
}

static void session_users_freep(struct session_users **u)
{
        session_users_free(*u);
}
#define _cleanup_users_ _cleanup_(session_users_freep)

/* A secret's text in memory we are about to free: wiped first. */
static void free_wiped(char *s)
{
        if (s) {
                sodium_memzero(s, strlen(s));
                free(s);
        }
}
static void free_wipedp(char **s)
{
        free_wiped(*s);
}
#define _cleanup_wiped_ _cleanup_(free_wipedp)

/* jansson keeps strings in its own malloc'd memory: wipe the secret ones before the tree goes. */
static void json_wipe_secrets(json_t *root)
{
        json_t *users = json_object_get(root, "users"), *x;
        size_t i;
        json_array_foreach(users, i, x)
        {
                const char *fields[] = { "passphrase_hash", "totp_secret" };
                for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
                        json_t *s = json_object_get(x, fields[k]);
                        if (json_is_string(s))
                                sodium_memzero((char *)json_string_value(s), json_string_length(s));
                }
        }
}

static void json_wipe_decrefp(json_t **j)
{
        if (*j) {
                json_wipe_secrets(*j);
                json_decref(*j);
        }
}
#define _cleanup_json_wipe_ _cleanup_(json_wipe_decrefp)

static int state_path_of(const char *path, char **ret)
{
        size_t n = strlen(path);
        char *s = malloc(n + sizeof ".state.json");
        if (!s)
                return -ENOMEM;
        if (n > 5 && strcmp(path + n - 5, ".json") == 0)
                sprintf(s, "%.*s.state.json", (int)(n - 5), path); /* users.json → users.state.json */
        else
                sprintf(s, "%s.state.json", path);
        *ret = s;
        return 0;
}

int session_users_new(const char *path, struct session_users **ret)
{
        if (!path || !*path)
                return -EINVAL;
        struct session_users *u = calloc(1, sizeof *u);
        if (!u)
                return -ENOMEM;
        u->path = strdup(path);
        if (!u->path || state_path_of(path, &u->state_path) < 0) {
                session_users_free(u);
                return -ENOMEM;
        }
        *ret = u;
        return 0;
}

const char *session_users_path(const struct session_users *u)
{
        return u->path;
}

const char *session_users_state_path(const struct session_users *u)
{
        return u->state_path;
}

static struct user *find(const struct session_users *u, const char *id)
{
        for (size_t i = 0; id && i < u->n; i++)
                if (strcmp(u->users[i].id, id) == 0)
                        return &u->users[i];
        return NULL;
}

/* ---- reading --------------------------------------------------------------------------------- */

/* Reads an open file whole (at most max bytes: -EBADMSG beyond). */
static int read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        size_t size = 4096, n = 0;
        char *buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (n == size) {
                        if (size >= max) {
                                free_wiped((buf[n] = 0, buf));
                                return -EBADMSG;
                        }
                        char *b = malloc(2 * size + 1); /* not realloc: the old copy is wiped */
                        if (!b) {
                                buf[n] = 0;
                                free_wiped(buf);
                                return -ENOMEM;
                        }
                        memcpy(b, buf, n);
                        sodium_memzero(buf, n);
                        free(buf);
                        buf = b;
                        size *= 2;
                }
                ssize_t k = read(fd, buf + n, size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = -errno;
                        buf[n] = 0;
                        free_wiped(buf);
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        buf[n] = 0;
        *ret = buf;
        *ret_len = n;
        return 0;
}

static int get_string(json_t *o, const char *field, const char **ret)
{
        json_t *v = json_object_get(o, field);
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = json_string_value(v);
        return 0;
}

static int copy_text(char *dst, size_t size, const char *s)
{
        size_t n = strlen(s);
        if (n >= size)
                return -EBADMSG;
        memcpy(dst, s, n + 1);
        return 0;
}

static int parse_user(json_t *o, struct user *x)
{
        const char *id, *name, *name_latin = "", *role, *status, *hash, *totp, *created = "", *updated = "";
        if (!json_is_object(o) || get_string(o, "id", &id) < 0 || get_string(o, "name", &name) < 0 ||
            get_string(o, "role", &role) < 0 || get_string(o, "status", &status) < 0 ||
            get_string(o, "passphrase_hash", &hash) < 0 || get_string(o, "totp_secret", &totp) < 0)
                return -EBADMSG;
        if (json_object_get(o, "name_latin") && get_string(o, "name_latin", &name_latin) < 0)
                return -EBADMSG;
        if (json_object_get(o, "created") && get_string(o, "created", &created) < 0)
                return -EBADMSG;
        if (json_object_get(o, "updated") && get_string(o, "updated", &updated) < 0)
                return -EBADMSG;
        if (session_user_id_check(id) < 0 || session_user_name_check(name) < 0 ||
            (*name_latin && session_user_name_check(name_latin) < 0) ||
            session_role_from_string(role, &x->role) < 0)
                return -EBADMSG;
        if (strcmp(status, "active") == 0)
                x->is_disabled = false;
        else if (strcmp(status, "disabled") == 0)
                x->is_disabled = true;
        else
                return -EBADMSG;
        if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX, strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
                return -EBADMSG;
        x->secrets = sodium_malloc(sizeof *x->secrets);
        if (!x->secrets)
                return -ENOMEM;
        memset(x->secrets, 0, sizeof *x->secrets);
        if (copy_text(x->id, sizeof x->id, id) < 0 || copy_text(x->name, sizeof x->name, name) < 0 ||
            copy_text(x->name_latin, sizeof x->name_latin, name_latin) < 0 ||
            copy_text(x->created, sizeof x->created, created) < 0 ||
            copy_text(x->updated, sizeof x->updated, updated) < 0 ||
            copy_text(x->secrets->passphrase_hash, sizeof x->secrets->passphrase_hash, hash) < 0)
                return -EBADMSG;
        int r = session_base32_decode(totp, x->secrets->totp, sizeof x->secrets->totp,
                                      &x->secrets->totp_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || x->secrets->totp_len < 16)
                return -EBADMSG;
        return 0;
}

/* Fills the users' counters from the state file; a missing file means all zero. */
static int state_load(struct session_users *u)
{
        for (size_t i = 0; i < u->n; i++) {
                u->users[i].failed_attempts = 0;
                u->users[i].last_failure = 0;
                u->users[i].last_totp_step = 0;
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_full_file(u->state_path, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        json_auto_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *users = json_object_get(root, "users");
        if (!json_is_object(root) ||
            !streq_ptr(json_string_value(json_object_get(root, "format")), SESSION_USERS_STATE_FORMAT))
                return -EBADMSG;
        json_t *version = json_object_get(root, "version");
        if (!json_is_integer(version))
                return -EBADMSG;
        if (json_integer_value(version) != SESSION_USERS_STATE_VERSION)
                return -EPROTONOSUPPORT;
        if (!json_is_object(users))
                return -EBADMSG;
        const char *id;
        json_t *s;
        json_object_foreach(users, id, s)
        {
                json_t *failed = json_object_get(s, "failed_attempts"),
                       *last = json_object_get(s, "last_failure"),
                       *step = json_object_get(s, "last_totp_step");
                if (!json_is_integer(failed) || !json_is_integer(last) || !json_is_integer(step) ||
                    json_integer_value(failed) < 0 || json_integer_value(step) < 0)
                        return -EBADMSG;
                struct user *x = find(u, id);
                if (!x)
                        continue; /* a user removed from the users file: its counters no longer matter */
                x->failed_attempts = (uint64_t)json_integer_value(failed);
                x->last_failure = json_integer_value(last);
                x->last_totp_step = (uint64_t)json_integer_value(step);
        }
        return 0;
}

int session_users_load(const char *path, const struct cert_public_key *pub, struct session_users **ret)
{
        if (!path || !pub)
                return -EINVAL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* it holds every user's TOTP secret: like the key file, owner only */
        if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
                return -EPERM;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_fd(fd, USERS_FILE_MAX_BYTES, &text, &len);
        if (r < 0)
                return r;
        _cleanup_json_wipe_ json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        sodium_memzero(text, len); /* by length: the file may hold a NUL */
        if (!json_is_object(root) ||
            !streq_ptr(json_string_value(json_object_get(root, "format")), SESSION_USERS_FORMAT))
                return -EBADMSG;
        json_t *version = json_object_get(root, "version");
        if (!json_is_integer(version))
                return -EBADMSG;
        if (json_integer_value(version) != SESSION_USERS_VERSION)
                return -EPROTONOSUPPORT;
        const char *key_id, *sig_b64;
        if (get_string(root, "key_id", &key_id) < 0 || get_string(root, "signature", &sig_b64) < 0)
                return -EBADMSG;
        char pub_id[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(pub->key_id, pub_id);
        if (strlen(key_id) != 2 * CERT_KEY_ID_BYTES)
                return -EBADMSG;
        if (strcmp(key_id, pub_id) != 0)
                return -ENOKEY;
        uint8_t sig[CERT_SIGNATURE_BYTES];
        size_t sig_len;
        if (sodium_base642bin(sig, sizeof sig, sig_b64, strlen(sig_b64), NULL, &sig_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) < 0 ||
            sig_len != sizeof sig)
                return -EBADMSG;
        json_object_del(root, "signature");
        _cleanup_wiped_ char *canonical = NULL;
        size_t canonical_len;
        if ((r = cert_canonical(root, &canonical, &canonical_len)) < 0)
                return r;
        if (!cert_verify_raw(pub, canonical, canonical_len, sig))
                return -EKEYREJECTED;

        /* signed by the appliance key: now the contents may be believed — and still checked */
        json_t *users = json_object_get(root, "users");
        if (!json_is_array(users))
                return -EBADMSG;
        _cleanup_users_ struct session_users *u = NULL;
        if ((r = session_users_new(path, &u)) < 0)
                return r;
        size_t n = json_array_size(users);
        u->users = calloc(n ? n : 1, sizeof *u->users);
        if (!u->users)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct user x = { 0 };
                r = parse_user(json_array_get(users, i), &x);
                if (r == 0 && find(u, x.id))
                        r = -EBADMSG; /* one id twice */
                if (r < 0) {
                        user_clear(&x);
                        return r;
                }
                u->users[u->n++] = x;
        }
        if ((r = state_load(u)) < 0)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}

/* ---- writing --------------------------------------------------------------------------------- */

static void unlockp(int *fd)
{
        if (*fd >= 0) {
                flock(*fd, LOCK_UN);
                close(*fd);
        }
}

/* Serialises the state file's read-modify-write between kesu processes: an exclusive flock on the
 * users file (none while it does not exist yet). */
static int lock_users(const struct session_users *u, int *ret_fd)
{
        int fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (flock(fd, LOCK_EX) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* write_file_atomic() creates its temporary file 0644 less the umask; these files hold secrets and
 * must never exist readable by others, not even for a moment: 0600 from the start. */
static int write_private_file(const char *path, const void *data, size_t len)
{
        mode_t old = umask(077);
        int r = write_file_atomic(path, data, len, true);
        umask(old);
        if (r == 0 && chmod(path, 0600) < 0) /* a temporary file left by someone else kept its mode */
                r = -errno;
        return r;
}

static int state_save(const struct session_users *u)
{
        json_auto_t *users = json_object();
        if (!users)
                return -ENOMEM;
        for (size_t i = 0; i < u->n; i++) {
                const struct user *x = &u->users[i];
                json_t *s = json_pack("{sI sI sI}", "failed_attempts", (json_int_t)x->failed_attempts,
                                      "last_failure", (json_int_t)x->last_failure, "last_totp_step",
                                      (json_int_t)x->last_totp_step);
                if (!s || json_object_set_new(users, x->id, s) < 0)
                        return -ENOMEM;
        }
        json_auto_t *root = json_pack("{ss si sO}", "format", SESSION_USERS_STATE_FORMAT, "version",
                                      SESSION_USERS_STATE_VERSION, "users", users);
        if (!root)
                return -ENOMEM;
        _cleanup_free_ char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        text[n] = '\n'; /* json_dumps' NUL becomes the final newline; the length says where it ends */
        return write_private_file(u->state_path, text, n + 1);
}

static json_t *user_to_json(const struct user *x)
{
        _cleanup_wiped_ char *totp = NULL;
        char *b32;
        if (session_base32_encode(x->secrets->totp, x->secrets->totp_len, &b32) < 0)
                return NULL;
        totp = strdup(b32);
        sodium_free(b32);
        if (!totp)
                return NULL;
        return json_pack("{ss ss ss ss ss ss ss ss ss}", "id", x->id, "name", x->name, "name_latin",
                         x->name_latin, "role", session_role_to_string(x->role), "status",
                         x->is_disabled ? "disabled" : "active", "passphrase_hash",
                         x->secrets->passphrase_hash, "totp_secret", totp, "created", x->created, "updated",
                         x->updated);
}

int session_users_save(struct session_users *u, const struct cert_secret_key *key)
{
        if (!u || !key)
                return -EINVAL;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(key->key_id, key_id);
        _cleanup_json_wipe_ json_t *root =
                json_pack("{ss si ss s[]}", "format", SESSION_USERS_FORMAT, "version", SESSION_USERS_VERSION,
                          "key_id", key_id, "users");
        if (!root)
                return -ENOMEM;
        json_t *users = json_object_get(root, "users");
        for (size_t i = 0; i < u->n; i++) {
                json_t *x = user_to_json(&u->users[i]);
                if (!x || json_array_append_new(users, x) < 0)
                        return -ENOMEM;
        }
        _cleanup_wiped_ char *canonical = NULL;
        size_t canonical_len;
        int r = cert_canonical(root, &canonical, &canonical_len);
        if (r < 0)
                return r;
        uint8_t sig[CERT_SIGNATURE_BYTES];
        if ((r = cert_sign_raw(key, canonical, canonical_len, sig)) < 0)
                return r;
        char sig_b64[sodium_base64_ENCODED_LEN(CERT_SIGNATURE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(sig_b64, sizeof sig_b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
        if (json_object_set_new(root, "signature", json_string(sig_b64)) < 0)
                return -ENOMEM;
        _cleanup_wiped_ char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        text[n] = '\n';
        r = write_private_file(u->path, text, n + 1);
        text[n] = 0; /* for the wipe */
        if (r < 0)
                return r;
        /* the state file gets the new users' entries; what logins recorded since the users were
         * loaded is re-read first under the lock, so no used code becomes usable again */
        _cleanup_(unlockp) int lock = -1;
        if ((r = lock_users(u, &lock)) < 0)
                return r;
        r = state_load(u);
        if (r < 0 && r != -EBADMSG && r != -EPROTONOSUPPORT) /* a broken state file is replaced */
                return r;
        for (size_t i = 0; i < u->n; i++)
                if (u->users[i].is_failure_reset_pending) {
                        u->users[i].failed_attempts = 0;
                        u->users[i].last_failure = 0;
                }
        if ((r = state_save(u)) < 0)
                return r;
        for (size_t i = 0; i < u->n; i++)
                u->users[i].is_failure_reset_pending = false;
        return 0;
}

/* ---- changes --------------------------------------------------------------------------------- */

static int hash_passphrase(const char *passphrase, size_t len, char out[crypto_pwhash_STRBYTES])
{
        int r = session_passphrase_check(passphrase, len);
        if (r < 0)
                return r == -E2BIG || r == -EILSEQ ? r : -EINVAL;
        if (crypto_pwhash_str(out, passphrase, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
                return -ENOMEM; /* libsodium's only failure here: the memory Argon2 needs */
        return 0;
}

int session_users_add(struct session_users *u, const char *id, const char *name, const char *name_latin,
                      enum session_role role, const char *passphrase, size_t passphrase_len,
                      char **ret_totp_secret_base32)
{
        if (!u || session_user_id_check(id) < 0 || session_user_name_check(name) < 0 ||
            (name_latin && *name_latin && session_user_name_check(name_latin) < 0) ||
            !session_role_to_string(role))
                return -EINVAL;
        if (find(u, id))
                return -EEXIST;
        struct user x = { .role = role };
        x.secrets = sodium_malloc(sizeof *x.secrets);
        if (!x.secrets)
                return -ENOMEM;
        memset(x.secrets, 0, sizeof *x.secrets);
        int r = hash_passphrase(passphrase, passphrase_len, x.secrets->passphrase_hash);
        if (r < 0)
                goto fail;
        x.secrets->totp_len = SESSION_TOTP_SECRET_BYTES;
        randombytes_buf(x.secrets->totp, x.secrets->totp_len);
        char *b32;
        if ((r = session_base32_encode(x.secrets->totp, x.secrets->totp_len, &b32)) < 0)
                goto fail;
        strcpy(x.id, id);
        strcpy(x.name, name);
        strcpy(x.name_latin, name_latin ? name_latin : "");
        format_utc(time(NULL), x.created);
        strcpy(x.updated, x.created);
        struct user *users = realloc(u->users, (u->n + 1) * sizeof *users);
        if (!users) {
                sodium_free(b32);
                r = -ENOMEM;
                goto fail;
        }
        u->users = users;
        u->users[u->n++] = x;
        *ret_totp_secret_base32 = b32;
        return 0;
fail:
        user_clear(&x);
        return r;
}

int session_users_disable(struct session_users *u, const char *id)
{
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        if (x->is_disabled)
                return -EALREADY;
        x->is_disabled = true;
        format_utc(time(NULL), x->updated);
        return 0;
}

int session_users_enable(struct session_users *u, const char *id)
{
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        if (!x->is_disabled)
                return -EALREADY;
        x->is_disabled = false;
        x->is_failure_reset_pending = true;
        format_utc(time(NULL), x->updated);
        return 0;
}

int session_users_reset(struct session_users *u, const char *id, const char *passphrase, size_t passphrase_len,
                        char **ret_totp_secret_base32)
{
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        /* both new secrets are made aside first: on any failure the user keeps the old ones */
        struct user_secrets *s = sodium_malloc(sizeof *s);
        if (!s)
                return -ENOMEM;
        memset(s, 0, sizeof *s);
        int r = hash_passphrase(passphrase, passphrase_len, s->passphrase_hash);
        if (r < 0) {
                sodium_free(s);
                return r;
        }
        s->totp_len = SESSION_TOTP_SECRET_BYTES;
        randombytes_buf(s->totp, s->totp_len);
        char *b32;
        if ((r = session_base32_encode(s->totp, s->totp_len, &b32)) < 0) {
                sodium_free(s);
                return r;
        }
        sodium_free(x->secrets); /* wipes the old ones */
        x->secrets = s;
        x->is_failure_reset_pending = true;
        format_utc(time(NULL), x->updated);
        *ret_totp_secret_base32 = b32;
        return 0;
}

int session_users_set_passphrase(struct session_users *u, const char *id, const char *passphrase,
                                 size_t passphrase_len)
{
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        char hash[crypto_pwhash_STRBYTES];
        int r = hash_passphrase(passphrase, passphrase_len, hash);
        if (r < 0)
                return r;
        memcpy(x->secrets->passphrase_hash, hash, sizeof hash);
        sodium_memzero(hash, sizeof hash);
        format_utc(time(NULL), x->updated);
        return 0;
}

/* ---- reading out ----------------------------------------------------------------------------- */

static void user_info(const struct user *x, struct session_user_info *ret)
{
        *ret = (struct session_user_info){ .role = x->role,
                                           .is_disabled = x->is_disabled,
                                           .method = SESSION_AUTH_METHOD,
                                           .failed_attempts = x->failed_attempts };
        strcpy(ret->id, x->id);
        strcpy(ret->name, x->name);
        strcpy(ret->name_latin, x->name_latin);
}

int session_users_get(const struct session_users *u, const char *id, struct session_user_info *ret)
{
        const struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        user_info(x, ret);
        return 0;
}

int session_users_list(const struct session_users *u, struct session_user_info **ret, size_t *ret_n)
{
        struct session_user_info *list = calloc(u->n ? u->n : 1, sizeof *list);
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < u->n; i++)
                user_info(&u->users[i], &list[i]);
        *ret = list;
        *ret_n = u->n;
        return 0;
}

int session_users_totp_secret(const struct session_users *u, const char *id,
                              uint8_t ret_secret[SESSION_TOTP_SECRET_MAX_BYTES], size_t *ret_len)
{
        const struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        memcpy(ret_secret, x->secrets->totp, x->secrets->totp_len);
        *ret_len = x->secrets->totp_len;
        return 0;
}

/* ---- logging in ------------------------------------------------------------------------------ */

/* Seconds a user must still wait before the next attempt at now (0: may try). */
static uint64_t throttle_wait(const struct user *x, int64_t now)
{
        if (x->failed_attempts < SESSION_THROTTLE_FREE_FAILURES)
                return 0;
        uint64_t shift = x->failed_attempts - SESSION_THROTTLE_FREE_FAILURES;
        uint64_t delay = shift >= 10 ? SESSION_THROTTLE_MAX_S : (1ull << shift);
        if (delay > SESSION_THROTTLE_MAX_S)
                delay = SESSION_THROTTLE_MAX_S;
        if (now >= x->last_failure + (int64_t)delay)
                return 0;
        uint64_t left = (uint64_t)(x->last_failure + (int64_t)delay - now);
        return left > delay ? delay : left; /* a clock set back must not lock anyone out for longer */
}

int session_users_note_code_used(struct session_users *u, const char *id, uint64_t step)
{
        if (!u || !id)
                return -EINVAL;
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        _cleanup_(unlockp) int lock = -1;
        int r = lock_users(u, &lock);
        if (r < 0)
                return r;
        if ((r = state_load(u)) < 0)
                return r;
        if (step > x->last_totp_step)
                x->last_totp_step = step;
        return state_save(u);
}

int session_user_authenticate(struct session_users *u, const char *id, const char *passphrase,
                              size_t passphrase_len, const char *totp_code, int64_t now,
                              struct session_user_info *ret_info, uint64_t *ret_wait_s)
{
        if (!u || !id || !passphrase || !totp_code)
                return -EINVAL;
        struct user *x = find(u, id);
        if (!x)
                return -ENOENT;
        /* one login at a time across processes: re-read the counters under the lock, so a code
         * accepted by another kesu a moment ago counts here too */
        _cleanup_(unlockp) int lock = -1;
        int r = lock_users(u, &lock);
        if (r < 0)
                return r;
        r = state_load(u);
        if (r < 0)
                return r;
        uint64_t wait = throttle_wait(x, now);
        if (wait > 0) {
                if (ret_wait_s)
                        *ret_wait_s = wait;
                return -EAGAIN;
        }
        /* both factors are always checked, so neither the answer nor the time says which was wrong */
        bool is_passphrase_ok =
                crypto_pwhash_str_verify(x->secrets->passphrase_hash, passphrase, passphrase_len) == 0;
        uint64_t step = 0;
        bool is_code_ok = session_totp_check(x->secrets->totp, x->secrets->totp_len, now, totp_code,
                                             x->last_totp_step, &step) == 0;
        if (!is_passphrase_ok || !is_code_ok) {
                x->failed_attempts++;
                x->last_failure = now;
                r = state_save(u);
                return r < 0 ? r : -EACCES;
        }
        if (x->is_disabled)
                return -EKEYREVOKED;
        x->failed_attempts = 0;
        x->last_failure = 0;
        x->last_totp_step = step;
        if ((r = state_save(u)) < 0)
                return r; /* the code's use could not be recorded: refused */
        user_info(x, ret_info);
        return 0;
}
