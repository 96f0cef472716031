/* SPDX-License-Identifier: MIT */
/* `kesu list`: which disks are attached, who they are, what is on them, which are protected. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common.h"
#include "purge.h"
#include "ui.h"

void ui_disk_infos_free(struct disk_info *disks, size_t n)
{
        for (size_t i = 0; i < n; i++)
                disk_info_done(&disks[i]);
        free(disks);
}

int ui_describe_targets(char **paths, struct disk_info **ret, size_t *ret_n)
{
        struct system_state sys;
        int r = system_state_read(&sys);
        if (r < 0) {
                ui_error("cannot read the system's mounts and swaps: %s", strerror(-r));
                return r;
        }

        char **enumerated = NULL;
        bool is_enumerated = !paths;
        if (is_enumerated) {
                r = disk_enumerate(&enumerated);
                if (r < 0) {
                        ui_error("cannot enumerate block devices through udev: %s", strerror(-r));
                        system_state_done(&sys);
                        return r;
                }
                paths = enumerated;
        }

        size_t n_paths = 0;
        while (paths[n_paths])
                n_paths++;
        struct disk_info *disks = calloc(n_paths ? n_paths : 1, sizeof *disks);
        size_t n = 0;
        if (!disks) {
                r = -ENOMEM;
                ui_error("out of memory");
                goto out;
        }
        for (size_t i = 0; i < n_paths; i++) {
                r = disk_info_read(paths[i], &sys, &disks[n]);
                if (r >= 0) {
                        n++;
                        continue;
                }
                /* A disk that went away between enumeration and reading is simply gone. */
                if (is_enumerated && (r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -ENOMEDIUM))
                        continue;
                ui_error("%s: %s", paths[i], ui_target_error(r));
                ui_disk_infos_free(disks, n);
                disks = NULL;
                goto out;
        }
        r = 0;
#ifdef KESU_TEST_FAKE_DRIVES
        ui_test_fake_drives(disks, n); /* the test build only (tests/tools/kesu-ui-fake-tcg.c) */
#endif
        *ret = disks;
        *ret_n = n;
out:
        strv_free(enumerated);
        system_state_done(&sys);
        return r;
}

static void content_summary(const struct disk_content *c, char *buf, size_t size)
{
        size_t o = 0;
        buf[0] = 0;
        if (c->probe_error < 0) {
                snprintf(buf, size, "unknown (%s)", strerror(-c->probe_error));
                return;
        }
        if (c->table_type)
                o += (size_t)snprintf(buf + o, size - o, "%s:", c->table_type);
        for (size_t i = 0; i < c->n_entries && o < size; i++) {
                const struct disk_content_entry *e = &c->entries[i];
                if (e->number)
                        o += (size_t)snprintf(buf + o, size - o, " %u=", e->number);
                o += (size_t)snprintf(buf + o, size - o, "%s", e->fs_type ? e->fs_type : "?");
                if (o < size && e->fs_label) {
                        _cleanup_free_ char *label = text_escape_visible(e->fs_label);
                        o += (size_t)snprintf(buf + o, size - o, "\"%s\"", label ? label : "?");
                }
        }
        if (!buf[0])
                snprintf(buf, size, c->table_type ? "%s: no partitions" : "blank (no signature)",
                         c->table_type);
}

/* The drive's purge commands with their levels, its state, hidden areas and health: one line each. */
static void print_purge(FILE *f, int w, const struct disk_info *d)
{
        const struct purge_caps *c = d->purge;
        if (purge_family_for(d->identity.transport) == PURGE_FAMILY_NONE)
                return;
        if (!c) {
                fprintf(f, "%*s purge: none (%s)\n", w, "", ui_purge_probe_error(d));
                return;
        }
        fprintf(f, "%*s purge:", w, "");
        bool is_any = false;
        for (size_t i = 0; purge_method_info_at(i); i++) {
                const struct purge_method_info *m = purge_method_info_at(i);
                if (purge_caps_has(c, m->method)) {
                        fprintf(f, " %s (%s)", m->name, m->level);
                        is_any = true;
                }
        }
        fprintf(f, "%s%s%s%s\n", is_any ? "" : " none (the drive reports no sanitize, security erase or Format NVM)",
                c->is_frozen ? "  FROZEN: suspend/resume or replug before a purge" : "",
                c->is_sanitize_running ? "  a sanitize is running" : "",
                c->is_sanitize_failed ? "  the last sanitize failed" : "");
        if (c->tcg.is_examined) {
                char s[256];
                purge_tcg_summary(&c->tcg, s, sizeof s);
                fprintf(f, "%*s self-encrypting: %s%s\n", w, "", c->tcg.is_sed ? "" : "no — ", s);
        }
        if (c->hidden.is_examined && (c->hidden.has_hpa || c->hidden.has_dco || c->hidden.has_ama))
                fprintf(f, "%*s hidden areas: %s\n", w, "", c->hidden.note);
        const struct purge_health *h = &c->health;
        if (h->is_read) {
                fprintf(f, "%*s health:", w, "");
                if (h->has_power_on_hours)
                        fprintf(f, " %" PRIu64 " h powered on", h->power_on_hours);
                if (h->has_reallocated)
                        fprintf(f, ", %" PRIu64 " reallocated", h->reallocated_sectors);
                if (h->has_pending)
                        fprintf(f, ", %" PRIu64 " pending", h->pending_sectors);
                if (h->has_media_errors)
                        fprintf(f, ", %" PRIu64 " media errors", h->media_errors);
                if (h->has_percentage_used)
                        fprintf(f, ", %u%% used", h->percentage_used);
                if (h->has_temperature)
                        fprintf(f, ", %d °C", h->temperature_c);
                if (h->has_critical_warning && h->critical_warning)
                        fprintf(f, ", CRITICAL WARNING 0x%02x", h->critical_warning);
                fprintf(f, "\n");
        }
}

void ui_print_disk_table(FILE *f, const struct disk_info *disks, size_t n)
{
        int w = 14; /* the DISK column grows to the longest path (image files can be long) */
        for (size_t i = 0; i < n; i++)
                if ((int)strlen(disks[i].identity.path) > w)
                        w = (int)strlen(disks[i].identity.path);
        fprintf(f, "%-*s %-9s %10s %-9s %-24s %-20s %s\n", w, "DISK", "TRANSPORT", "SIZE", "SECTOR", "MODEL",
                "SERIAL", "CONTENT");
        for (size_t i = 0; i < n; i++) {
                const struct disk_identity *id = &disks[i].identity;
                char size[32], sector[24], content[512];
                snprintf(sector, sizeof sector, "%u/%u", id->logical_sector_bytes,
                         id->physical_sector_bytes);
                content_summary(&disks[i].content, content, sizeof content);
                /* what a device says about itself is shown, never obeyed (bidirectional overrides) */
                _cleanup_free_ char *path = text_escape_visible(id->path);
                _cleanup_free_ char *model = text_escape_visible(id->model ? id->model : "-");
                _cleanup_free_ char *serial = text_escape_visible(id->serial ? id->serial : "-");
                fprintf(f, "%-*s %-9s %10s %-9s %-24s %-20s %s\n", w, path ? path : "?",
                        disk_transport_to_string(id->transport),
                        ui_format_bytes(id->size_bytes, size, sizeof size), sector, model ? model : "?",
                        serial ? serial : "?", content);
                if (id->backing_file) {
                        _cleanup_free_ char *backing = text_escape_visible(id->backing_file);
                        fprintf(f, "%*s backing file %s\n", w, "", backing ? backing : "?");
                }
                if (disks[i].protection.is_protected)
                        fprintf(f, "%*s PROTECTED: %s\n", w, "", disks[i].protection.reason);
                print_purge(f, w, &disks[i]);
        }
}

static int print_list(char **paths, bool is_json)
{
        struct disk_info *disks = NULL;
        size_t n = 0;
        int r = ui_describe_targets(paths, &disks, &n);
        if (r < 0)
                return r == -ENOMEM ? KESU_EXIT_NOT_SANITIZED : KESU_EXIT_USAGE;

        if (is_json) {
                json_t *arr = json_array();
                for (size_t i = 0; arr && i < n; i++) {
                        json_t *o = ui_disk_to_json(&disks[i]);
                        if (!o || json_array_append_new(arr, o) < 0) {
                                json_decref(arr);
                                arr = NULL;
                        }
                }
                if (!arr || json_dumpf(arr, stdout, JSON_INDENT(2)) < 0) {
                        ui_error("cannot write JSON output");
                        json_decref(arr);
                        ui_disk_infos_free(disks, n);
                        return KESU_EXIT_USAGE;
                }
                fputc('\n', stdout);
                json_decref(arr);
        } else
                ui_print_disk_table(stdout, disks, n);
        ui_disk_infos_free(disks, n);
        return fflush(stdout) == 0 ? KESU_EXIT_OK : KESU_EXIT_USAGE;
}

static void print_json_line(json_t *o)
{
        if (!o)
                return;
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
}

static void print_event_json(const char *event, const char *path, const struct disk_info *d)
{
        print_json_line(json_pack("{s:s, s:s, s:o}", "event", event, "path", path, "disk",
                                  d ? ui_disk_to_json(d) : json_null()));
}

/* Lists, then follows disks coming and going until SIGINT/SIGTERM. With --json every line is
 * one JSON object: "present" for each disk at the start, then "add", "remove", "change". */
static int watch(bool is_json)
{
        struct disk_monitor *m;
        int r = disk_monitor_new(&m);
        if (r < 0) {
                ui_error("cannot watch for disks: %s", strerror(-r));
                return KESU_EXIT_USAGE;
        }
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                ui_error("cannot watch for signals: %s", strerror(errno));
                disk_monitor_free(m);
                return KESU_EXIT_USAGE;
        }

        /* The monitor listens before the list is read, so no disk falls between the two. */
        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(NULL, &disks, &n) < 0) {
                disk_monitor_free(m);
                return KESU_EXIT_USAGE;
        }
        const char *source = disk_monitor_is_udev(m) ? "udev" : "kernel";
        if (is_json) {
                for (size_t i = 0; i < n; i++)
                        print_event_json("present", disks[i].identity.path, &disks[i]);
                json_t *o = json_pack("{s:s, s:s}", "event", "watching", "source", source);
                print_json_line(o);
        } else {
                ui_print_disk_table(stdout, disks, n);
                printf("Watching for disks (%s events); Ctrl-C stops.\n", source);
        }
        ui_disk_infos_free(disks, n);
        fflush(stdout);

        int exit_code = KESU_EXIT_OK;
        for (;;) {
                struct pollfd p[2] = { { .fd = disk_monitor_fd(m), .events = POLLIN },
                                       { .fd = sfd, .events = POLLIN } };
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        exit_code = KESU_EXIT_USAGE;
                        break;
                }
                if (p[1].revents)
                        break;
                struct disk_event ev;
                r = disk_monitor_receive(m, &ev);
                if (r <= 0)
                        continue;

                struct disk_info info;
                struct system_state sys;
                bool has_info = false;
                if (ev.action != DISK_EVENT_REMOVE && system_state_read(&sys) >= 0) {
                        has_info = disk_info_read(ev.path, &sys, &info) >= 0;
                        system_state_done(&sys);
                }
                if (is_json)
                        print_event_json(disk_event_action_to_string(ev.action), ev.path,
                                         has_info ? &info : NULL);
                else {
                        printf("%s %s\n", disk_event_action_to_string(ev.action), ev.path);
                        if (has_info)
                                ui_print_disk_table(stdout, &info, 1);
                }
                fflush(stdout);
                if (has_info)
                        disk_info_done(&info);
        }
        disk_monitor_free(m);
        return exit_code;
}

static void list_help(void)
{
        printf("Usage: kesu list [--json] [--watch] [TARGET...]\n"
               "\n"
               "Lists every attached disk (or the given devices and image files) with its identity,\n"
               "content and whether it is protected from erasure, and why.\n"
               "\n"
               "  --json    a JSON array, one object per disk\n"
               "  --watch   after the list, follow disks being added and removed (JSON Lines with\n"
               "            --json) until interrupted\n");
}

int ui_cmd_list(int argc, char **argv)
{
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "watch", no_argument, NULL, 'w' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool is_json = false, is_watch = false;
        int c;
        opterr = 0;
        optind = 0; /* a fresh scan, also when called from the demo */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'j':
                        is_json = true;
                        break;
                case 'w':
                        is_watch = true;
                        break;
                case 'h':
                        list_help();
                        return KESU_EXIT_OK;
                default:
                        ui_error("list: unknown option '%s' (see 'kesu list --help')", argv[optind - 1]);
                        return KESU_EXIT_USAGE;
                }
        }
        char **targets = optind < argc ? argv + optind : NULL;
        if (is_watch && targets) {
                ui_error("list: --watch follows all disks; it takes no targets");
                return KESU_EXIT_USAGE;
        }
        if (is_watch)
                return watch(is_json);
        return print_list(targets, is_json);
}
