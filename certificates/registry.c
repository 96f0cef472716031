/* SPDX-License-Identifier: MIT */
/*
 * Each key's registration on this appliance, in the state folder ($KESU_STATE_DIR or
 * /var/lib/kesu): keys/<keyid>.lock, flock'd while an issuer with the key is open, and
 * keys/<keyid>.ledger, a small JSON object naming the key's one ledger (canonical path) and the
 * highest sequence number the key has issued here. The ledger is bound to the key, not to the
 * path the key was opened by.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"
#include "issuer-internal.h"

#define REGISTRY_FORMAT "kesu-key-registration"

const char *cert_state_dir(void)
{
        const char *e = getenv("KESU_STATE_DIR");
        return e && *e ? e : CERT_STATE_DIR_DEFAULT;
}

static int keys_dir(char *buf, size_t size)
{
        return snprintf(buf, size, "%s/keys", cert_state_dir()) >= (int)size ? -ENAMETOOLONG : 0;
}

static int ensure_dir(const char *path)
{
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int cert_state_dir_check(void)
{
        char keys[PATH_MAX];
        int r = keys_dir(keys, sizeof keys);
        if (r < 0 || (r = ensure_dir(cert_state_dir())) < 0 || (r = ensure_dir(keys)) < 0)
                return r;
        return access(keys, W_OK | X_OK) < 0 ? -errno : 0;
}

static int key_file(const char *key_id, const char *suffix, char *buf, size_t size)
{
        return snprintf(buf, size, "%s/keys/%s%s", cert_state_dir(), key_id, suffix) >= (int)size
                       ? -ENAMETOOLONG
                       : 0;
}

int registry_lock(const char *key_id, int *ret_fd)
{
        char path[PATH_MAX];
        if (cert_state_dir_check() < 0 || key_file(key_id, ".lock", path, sizeof path) < 0)
                return -ENOLCK;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -ENOLCK;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -ENOLCK;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int registry_load(const char *key_id, struct key_registration *ret)
{
        char path[PATH_MAX];
        int r = key_file(key_id, ".ledger", path, sizeof path);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        r = read_full_file(path, &text, NULL);
        if (r == -ENOENT) {
                *ret = (struct key_registration){ .is_present = false };
                return 0;
        }
        if (r < 0)
                return r;
        json_t *o = json_loads(text, 0, NULL);
        const char *format = json_string_value(json_object_get(o, "format"));
        const char *id = json_string_value(json_object_get(o, "key_id"));
        const char *ledger = json_string_value(json_object_get(o, "ledger"));
        json_t *hw = json_object_get(o, "high_water");
        struct key_registration reg = { .is_present = true };
        bool is_ok = format && strcmp(format, REGISTRY_FORMAT) == 0 && id && strcmp(id, key_id) == 0 &&
                     ledger && *ledger == '/' && json_is_integer(hw) && json_integer_value(hw) >= 0 &&
                     snprintf(reg.ledger, sizeof reg.ledger, "%s", ledger) < (int)sizeof reg.ledger;
        if (is_ok)
                reg.high_water = (uint64_t)json_integer_value(hw);
        json_decref(o);
        if (!is_ok)
                return -EBADMSG;
        *ret = reg;
        return 0;
}

int registry_store(const char *key_id, const struct key_registration *reg)
{
        char path[PATH_MAX];
        int r = key_file(key_id, ".ledger", path, sizeof path);
        if (r < 0)
                return r;
        json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:I}", "format", REGISTRY_FORMAT, "version", 1, "key_id",
                              key_id, "ledger", reg->ledger, "high_water", (json_int_t)reg->high_water);
        if (!o)
                return -ENOMEM;
        _cleanup_free_ char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(o);
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        _cleanup_free_ char *line = malloc(n + 2);
        if (!line)
                return -ENOMEM;
        memcpy(line, text, n);
        memcpy(line + n, "\n", 2);
        return write_file_atomic(path, line, n + 1, true);
}

int cert_ledger_default_path(const struct cert_secret_key *key, const char *key_path, char **ret)
{
        char id[2 * CERT_KEY_ID_BYTES + 1];
        cert_key_id_hex(key->key_id, id);
        struct key_registration reg;
        struct stat st;
        if (registry_load(id, &reg) == 0 && reg.is_present && stat(reg.ledger, &st) == 0) {
                *ret = strdup(reg.ledger);
                return *ret ? 0 : -ENOMEM;
        }
        char real[PATH_MAX];
        if (!realpath(key_path, real))
                return -errno;
        char *slash = strrchr(real, '/');
        *slash = 0;
        return asprintf(ret, "%s/ledger.jsonl", real) < 0 ? -ENOMEM : 0;
}
