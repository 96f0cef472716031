/* SPDX-License-Identifier: MIT */
/* Overwrite methods: one static table, each a pass list in the same syntax as "passes:". */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "purge.h"
#include "wiper.h"

static const struct {
        const char *name;
        const char *spec;
        const char *description;
} method_table[] = {
        { "zero", "zero", "1 pass of 0x00 (NIST SP 800-88 Clear)" },
        { "one", "one", "1 pass of 0xFF" },
        { "random", "random", "1 pass of AES-128-CTR keystream (default)" },
        { "dod3", "0x00,0xff,random", "DoD 5220.22-M short (E): 0x00, 0xFF, random" },
        { "dod7", "0x00,0xff,random,random,0x00,0xff,random",
          "DoD 5220.22-M ECE: (E), random, (E) — 7 passes" },
        { "hmgis5", "0x00,0xff,random", "HMG IS5 Enhanced: 0x00, 0xFF, random" },
        { "ops2", "0x00,0xff,0x00,0xff,0x00,0xff,random",
          "RCMP TSSIT OPS-II: 0x00/0xFF three times, random" },
        { "bsi", "0x00,0xff,0x00,0xff,0x00,0xff,0xaa", "BSI VSITR: 0x00/0xFF three times, then 0xAA" },
        /* Gutmann (1996): 4 random, the 27 MFM/RLL patterns in his table's order, 4 random. */
        { "gutmann",
          "random,random,random,random,0x55,0xaa,0x924924,0x492492,0x249249,0x00,0x11,0x22,0x33,0x44,0x55,"
          "0x66,0x77,0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff,0x924924,0x492492,0x249249,0x6db6db,0xb6db6d,"
          "0xdb6db6,random,random,random,random",
          "Gutmann: 35 passes" },
};

static const char purge_auto_description[] =
        "the strongest purge command the drive supports (crypto erase first); never another method";

const char *wipe_method_name(size_t i, const char **ret_description)
{
        const char *name, *description;
        const struct purge_method_info *p;
        if (i < ELEMENTSOF(method_table))
                name = method_table[i].name, description = method_table[i].description;
        else if ((p = purge_method_info_at(i - ELEMENTSOF(method_table))))
                name = p->name, description = p->description;
        else if (i == ELEMENTSOF(method_table) + _PURGE_METHOD_MAX - 1)
                name = WIPE_METHOD_PURGE, description = purge_auto_description;
        else
                return NULL;
        if (ret_description)
                *ret_description = description;
        return name;
}

int wipe_method_resolve_purge(const struct wipe_method *m, const struct purge_caps *caps, struct wipe_method *ret)
{
        if (m->technique != WIPE_TECHNIQUE_PURGE) {
                *ret = *m;
                return 0;
        }
        enum purge_method pm = m->purge_method ? (enum purge_method)m->purge_method : purge_pick_strongest(caps);
        if (pm == PURGE_METHOD_NONE || !caps || !purge_caps_has(caps, pm))
                return -EOPNOTSUPP;
        const struct purge_method_info *info = purge_method_info(pm);
        struct wipe_method r = { .technique = WIPE_TECHNIQUE_PURGE, .purge_method = pm,
                                 .description = info->description };
        snprintf(r.name, sizeof r.name, "%s", info->name);
        snprintf(r.spec, sizeof r.spec, "%s", info->name);
        *ret = r;
        return 0;
}

static int parse_passes(const char *spec, struct wipe_method *m)
{
        if (strlen(spec) >= sizeof m->spec)
                return -EINVAL;
        char copy[sizeof m->spec];
        snprintf(copy, sizeof copy, "%s", spec);
        snprintf(m->spec, sizeof m->spec, "%s", spec);

        m->n_passes = 0;
        const char *start = copy;
        for (char *p = copy;; p++) {
                if (*p != ',' && *p != 0)
                        continue;
                bool is_end = *p == 0;
                *p = 0;
                if (m->n_passes >= WIPE_MAX_PASSES)
                        return -EINVAL;
                const struct wipe_pattern *prev = m->n_passes ? &m->passes[m->n_passes - 1] : NULL;
                int r = wipe_pattern_parse(start, prev, &m->passes[m->n_passes]);
                if (r < 0)
                        return r;
                m->n_passes++;
                if (is_end)
                        break;
                start = p + 1;
        }
        return 0;
}

int wipe_method_lookup(const char *spec, struct wipe_method *ret)
{
        struct wipe_method m = { 0 };
        int r;
        if (!spec)
                return -EINVAL;
        if (strncmp(spec, "passes:", 7) == 0) {
                snprintf(m.name, sizeof m.name, "passes");
                m.description = "custom pass list";
                r = parse_passes(spec + 7, &m);
                if (r < 0)
                        return r;
                *ret = m;
                return 0;
        }
        const struct purge_method_info *p = purge_method_info_by_name(spec);
        if (p || strcmp(spec, WIPE_METHOD_PURGE) == 0) {
                m.technique = WIPE_TECHNIQUE_PURGE;
                m.purge_method = p ? p->method : PURGE_METHOD_NONE;
                m.description = p ? p->description : purge_auto_description;
                snprintf(m.name, sizeof m.name, "%s", spec);
                snprintf(m.spec, sizeof m.spec, "%s", spec);
                *ret = m;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(method_table); i++)
                if (strcmp(spec, method_table[i].name) == 0) {
                        snprintf(m.name, sizeof m.name, "%s", method_table[i].name);
                        m.description = method_table[i].description;
                        r = parse_passes(method_table[i].spec, &m);
                        if (r < 0)
                                return r; /* a table bug; the unit test parses every entry */
                        *ret = m;
                        return 0;
                }
        return -ENOENT;
}
