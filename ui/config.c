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
