/* SPDX-License-Identifier: MIT */
/* Shared output helpers of the front ends: errors, sizes, the JSON schema of a disk. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certificates.h"
#include "common.h"
#include "purge.h"
#include "ui.h"

void ui_error(const char *fmt, ...)
{
        va_list ap;
        fputs("kesu: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void ui_option_error(const char *command, const struct option *options, char **argv)
{
        bool is_missing_value = false;
        for (const struct option *o = options; optopt && o->name; o++)
                is_missing_value |= o->val == optopt && o->has_arg == required_argument;
        if (is_missing_value)
                ui_error("%s: option '%s' needs a value", command, argv[optind - 1]);
        else
                ui_error("%s: unknown option '%s' (see 'kesu %s --help')", command, argv[optind - 1], command);
}

const char *ui_target_error(int err)
{
        switch (-err) {
        case ENOENT:
                return "no such file or device";
        case ENXIO:
        case ENODEV:
                return "the device is gone (unplugged or detached)";
        case ENOTBLK:
                return "not a block device or regular file";
        case EISDIR:
                return "is a directory, not a disk";
        case ENOMEDIUM:
                return "has no medium (size 0: empty, detached or no media)";
        case EMEDIUMTYPE:
                return "is a partition; kesu works on whole disks";
        case EACCES:
        case EPERM:
                return "permission denied (run as root)";
        default:
                return strerror(-err);
        }
}

const char *ui_format_bytes(uint64_t bytes, char *buf, size_t buf_size)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        if (bytes < 1024) {
                snprintf(buf, buf_size, "%" PRIu64 " B", bytes);
                return buf;
        }
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        snprintf(buf, buf_size, "%.1f %s", v, units[u]);
        return buf;
}

json_t *ui_json_string_or_null(const char *s)
{
        if (!s)
                return json_null();
        json_t *j = json_string(s);
        if (j)
                return j;
        /* Not UTF-8: keep the ASCII, mark each other byte with U+FFFD. */
        size_t n = strlen(s);
        _cleanup_free_ char *clean = malloc(3 * n + 1);
        if (!clean)
                return NULL;
        char *o = clean;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p < 0x80)
                        *o++ = (char)*p;
                else {
                        memcpy(o, "\xef\xbf\xbd", 3);
                        o += 3;
                }
        }
        *o = 0;
        return json_string(clean);
}

static json_t *tristate_json(enum tristate t)
{
        return t == TRISTATE_UNKNOWN ? json_null() : json_boolean(t == TRISTATE_YES);
}

static json_t *content_entry_json(const struct disk_content_entry *e)
{
        return json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "number",
                         e->number ? json_integer(e->number) : json_null(), "offset_bytes",
                         (json_int_t)e->offset_bytes, "size_bytes", (json_int_t)e->size_bytes, "part_type",
                         ui_json_string_or_null(e->part_type), "part_name",
                         ui_json_string_or_null(e->part_name), "part_uuid",
                         ui_json_string_or_null(e->part_uuid), "fs_type", ui_json_string_or_null(e->fs_type),
                         "label", ui_json_string_or_null(e->fs_label), "uuid",
                         ui_json_string_or_null(e->fs_uuid));
}

const char *ui_purge_probe_error(const struct disk_info *d)
{
        if (purge_family_for(d->identity.transport) == PURGE_FAMILY_NONE)
                return "this transport has no purge commands";
        switch (d->purge_error) {
        case 0:
                return d->purge ? "" : "not asked (the device could not be opened)";
        case -EREMOTEIO:
        case -EOPNOTSUPP:
                /* a CHECK CONDITION to IDENTIFY: typically a USB bridge that does not pass ATA through */
                return d->identity.transport == DISK_TRANSPORT_USB
                               ? "the USB bridge does not pass the drive's own commands through (ATA PASS-THROUGH refused)"
                               : "the drive refused to identify itself to a purge command set";
        default:
                return purge_error_to_string(d->purge_error);
        }
}

/* What the drive's own commands can do: "purge_methods" (always an array: [] when none), why not the
 * others, its state, hidden areas and health. */
static int add_purge_json(json_t *o, const struct disk_info *d)
{
        const struct purge_caps *c = d->purge;
        enum purge_family family = purge_family_for(d->identity.transport);
        json_t *methods = cert_json_purge_methods(c);
        if (!methods || json_object_set_new(o, "purge_methods", methods) < 0 ||
            json_object_set_new(o, "purge_family", json_string(purge_family_to_string(family))) < 0)
                return -ENOMEM;
        if (!c)
                return json_object_set_new(o, "purge_error", json_string(ui_purge_probe_error(d)));
        json_t *refused = cert_json_purge_refusals(c), *hidden = cert_json_hidden_areas(&c->hidden),
               *health = cert_json_health(&c->health);
        if (json_object_set_new(o, "purge_refused", refused) < 0 || json_object_set_new(o, "hidden_areas", hidden) < 0 ||
            json_object_set_new(o, "health", health) < 0 ||
            json_object_set_new(o, "purge_frozen", json_boolean(c->is_frozen)) < 0 ||
            json_object_set_new(o, "sanitize_running", json_boolean(c->is_sanitize_running)) < 0 ||
            json_object_set_new(o, "sanitize_failed", json_boolean(c->is_sanitize_failed)) < 0 ||
            json_object_set_new(o, "purge_all_namespaces", json_boolean(c->is_all_namespaces)) < 0 ||
            json_object_set_new(o, "tcg", cert_json_tcg(&c->tcg)) < 0)
                return -ENOMEM;
        return 0;
}

json_t *ui_disk_to_json(const struct disk_info *d)
{
        const struct disk_identity *id = &d->identity;

        /* Unknown content is null (with the reason), never an empty list that would read as blank. */
        json_t *content = d->content.probe_error < 0 ? json_null() : json_array();
        if (!content)
                return NULL;
        for (size_t i = 0; i < d->content.n_entries; i++)
                if (json_array_append_new(content, content_entry_json(&d->content.entries[i])) < 0) {
                        json_decref(content);
                        return NULL;
                }

        json_t *caps = json_array();
        if (!caps) {
                json_decref(content);
                return NULL;
        }
        for (unsigned i = 0; i < _DISK_CAP_COUNT; i++)
                if (id->capabilities & (1u << i))
                        json_array_append_new(caps, json_string(disk_capability_to_string(1u << i)));

        /* "o" steals each reference; json_pack fails as a whole (and frees them) on error. */
        json_t *o = json_pack(
                "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:o, s:o, s:o,"
                " s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
                "path", ui_json_string_or_null(id->path), "name", ui_json_string_or_null(id->name), "by_id",
                ui_json_string_or_null(id->by_id), "vendor", ui_json_string_or_null(id->vendor), "model",
                ui_json_string_or_null(id->model), "serial", ui_json_string_or_null(id->serial), "wwn",
                ui_json_string_or_null(id->wwn), "firmware", ui_json_string_or_null(id->firmware),
                "size_bytes", (json_int_t)id->size_bytes, "logical_sector_bytes",
                (json_int_t)id->logical_sector_bytes, "physical_sector_bytes",
                (json_int_t)id->physical_sector_bytes, "transport", disk_transport_to_string(id->transport),
                "rotational", tristate_json(id->rotational), "removable", tristate_json(id->removable),
                "backing_file", ui_json_string_or_null(id->backing_file), "capabilities", caps,
                "ata_security_frozen", tristate_json(id->ata_security_frozen), "partition_table",
                ui_json_string_or_null(d->content.table_type), "partition_table_uuid",
                ui_json_string_or_null(d->content.table_uuid), "content", content, "content_error",
                d->content.probe_error < 0 ? json_string(strerror(-d->content.probe_error)) : json_null(),
                "protected", (int)d->protection.is_protected, "protected_reason",
                ui_json_string_or_null(d->protection.reason));
        if (o && add_purge_json(o, d) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

void ui_format_utc(int64_t ns, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%03dZ", (int)((ns / 1000000) % 1000));
}
