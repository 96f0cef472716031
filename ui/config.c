/* SPDX-License-Identifier: MIT */
/* The appliance's configuration: `key = value` lines, one reader for every command. */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "ui.h"

int ui_config_load(const char *path, const char *who, struct ui_config *ret)
{
        struct ui_config c = { 0 };
        const char *file = path ? path : UI_DEFAULT_CONFIG;
        int r = read_full_file(file, &c.text, NULL);
        if (r == -ENOENT && !path) {
                *ret = c; /* no configuration on this machine: every setting unset */
                return 0;
        }
        if (r < 0) {
                ui_error("%s: cannot read the configuration %s: %s", who, file, strerror(-r));
                return r;
        }
        const struct {
                const char *name;
                const char **field;
        } keys[] = {
                { "organization", &c.organization }, { "media-source", &c.media_source },
                { "key", &c.key },                   { "cert-dir", &c.cert_dir },
                { "export-dir", &c.export_dir },     { "ledger", &c.ledger },
                { "printer", &c.printer },           { "policy", &c.policy },
                { "users", &c.users },
        };
        unsigned lineno = 0;
        char *save = NULL;
        for (char *line = strtok_r(c.text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                strstrip(line);
                if (!*line || *line == '#')
                        continue;
                char *eq = strchr(line, '=');
                if (!eq) {
                        ui_error("%s: %s line %u: expected 'key = value'", who, file, lineno);
                        ui_config_done(&c);
                        return -EINVAL;
                }
                *eq = 0;
                char *name = strstrip(line), *value = strstrip(eq + 1);
                size_t k;
                for (k = 0; k < ELEMENTSOF(keys); k++)
                        if (strcmp(name, keys[k].name) == 0)
                                break;
                if (k == ELEMENTSOF(keys)) {
                        ui_error("%s: %s line %u: unknown setting '%s'", who, file, lineno, name);
                        ui_config_done(&c);
                        return -EINVAL;
                }
                *keys[k].field = *value ? value : NULL;
        }
        *ret = c;
        return 0;
}

void ui_config_done(struct ui_config *c)
{
        free(c->text);
        *c = (struct ui_config){ 0 };
}

int ui_config_set(const char *path, const char *name, const char *value)
{
        if (!name || !*name || strchr(name, '=') || strchr(name, '\n') || (value && strchr(value, '\n')))
                return -EINVAL;
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, &text, NULL);
        if (r == -ENOENT)
                text = NULL;
        else if (r < 0)
                return r;
        size_t cap = (text ? strlen(text) : 0) + strlen(name) + (value ? strlen(value) : 0) + 8;
        _cleanup_free_ char *out = malloc(cap);
        if (!out)
                return -ENOMEM;
        size_t len = 0;
        bool is_written = false;
        /* every line as it was, but the setting's own: the first becomes the new value (or goes, for
         * NULL), the later ones (which would override it) go */
        for (char *line = text; line && *line;) {
                char *end = strchr(line, '\n');
                size_t line_len = end ? (size_t)(end - line) : strlen(line);
                _cleanup_free_ char *copy = strndup(line, line_len);
                if (!copy)
                        return -ENOMEM;
                char *s = strstrip(copy), *eq = strchr(s, '=');
                bool is_it = false;
                if (*s && *s != '#' && eq) {
                        *eq = 0;
                        is_it = strcmp(strstrip(s), name) == 0;
                }
                if (!is_it) {
                        memcpy(out + len, line, line_len);
                        len += line_len;
                        out[len++] = '\n';
                } else if (!is_written && value)
                        len += (size_t)sprintf(out + len, "%s = %s\n", name, value);
                is_written |= is_it;
                line = end ? end + 1 : NULL;
        }
        if (!is_written && value)
                len += (size_t)sprintf(out + len, "%s = %s\n", name, value);
        return write_file_atomic(path, out, len, true);
}

/* The value of the first "NAME=value" line of text (modified in place: lines cut), or NULL. */
static void take_lines(char *text, const char *const *names, const char **values, size_t n)
{
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
                for (size_t i = 0; i < n; i++) {
                        size_t len = strlen(names[i]);
                        if (!values[i] && strncmp(line, names[i], len) == 0 && line[len] == '=')
                                values[i] = line + len + 1;
                }
}

void ui_image_release_read(struct ui_image_release *ret)
{
        *ret = (struct ui_image_release){ 0 };
        const char *path = getenv("KESU_IMAGE_RELEASE");
        if (read_full_file(path && *path ? path : "/etc/kesu/image-release", &ret->release_text, NULL) >= 0) {
                static const char *const names[] = { "KESU_IMAGE_VERSION", "KESU_IMAGE_BUILD" };
                const char *values[2] = { NULL, NULL };
                take_lines(ret->release_text, names, values, 2);
                ret->version = values[0];
                ret->build = values[1];
        }
        path = getenv("KESU_IMAGE_IDENTITY");
        if (read_full_file(path && *path ? path : "/run/kesu/image-identity", &ret->identity_text, NULL) >= 0) {
                static const char *const names[] = { "KESU_IMAGE_SQUASHFS_SHA256" };
                const char *value = NULL;
                take_lines(ret->identity_text, names, &value, 1);
                /* only a SHA-256 in hex: the file is the boot's, but it is text a certificate signs */
                bool is_hex = value && strlen(value) == 64 && strspn(value, "0123456789abcdef") == 64;
                ret->squashfs_sha256 = is_hex ? value : NULL;
        }
}

void ui_image_release_done(struct ui_image_release *r)
{
        free(r->release_text);
        free(r->identity_text);
        *r = (struct ui_image_release){ 0 };
}
