/* SPDX-License-Identifier: MIT */
/* `kesu wipe`: what a person or a script sees of a disposal — progress, the question, results. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"
#include "purge.h"
#include "wipe-internal.h"

/* Seconds from this process's start (as the kernel counts it, exec included) to t (CLOCK_BOOTTIME). */
static double seconds_since_process_start(int64_t t_boot_ns)
{
        _cleanup_free_ char *stat = NULL;
        if (t_boot_ns == 0 || read_one_line_file("/proc/self/stat", &stat) < 0)
                return -1;
        /* field 22 (starttime) comes after the ")" that closes the command name */
        const char *p = strrchr(stat, ')');
        unsigned long long start_ticks;
        if (!p ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &start_ticks) != 1)
                return -1;
        double start_ns = (double)start_ticks * 1e9 / (double)sysconf(_SC_CLK_TCK);
        return ((double)t_boot_ns - start_ns) / 1e9;
}

static void key_hex(const uint8_t *key, char out[2 * WIPE_KEY_BYTES + 1])
{
        for (size_t i = 0; i < WIPE_KEY_BYTES; i++)
                sprintf(out + 2 * i, "%02x", key[i]);
}

json_t *ui_wipe_result_to_json(const struct wipe_result *r, const struct disk_info *info)
{
        json_t *passes = json_array(), *ranges = json_array();
        if (!passes || !ranges) {
                json_decref(passes);
                json_decref(ranges);
                return NULL;
        }
        for (size_t i = 0; i < r->method.n_passes; i++) {
                const struct wipe_pass_result *p = &r->passes[i];
                char pat[128], seed[2 * WIPE_KEY_BYTES + 1], start[40] = "", end[40] = "";
                if (p->started_ns)
                        ui_format_utc(p->started_ns, start, sizeof start);
                if (p->ended_ns)
                        ui_format_utc(p->ended_ns, end, sizeof end);
                key_hex(p->pattern.key, seed);
                json_array_append_new(
                        passes,
                        json_pack("{s:I, s:s, s:o, s:I, s:b, s:o, s:o}", "number", (json_int_t)(i + 1),
                                  "pattern", wipe_pattern_describe(&p->pattern, pat, sizeof pat), "seed",
                                  p->pattern.kind == WIPE_PATTERN_RANDOM ? json_string(seed) : json_null(),
                                  "bytes_written", (json_int_t)p->bytes_written, "flushed",
                                  (int)p->is_flushed, "started_utc",
                                  start[0] ? json_string(start) : json_null(), "ended_utc",
                                  end[0] ? json_string(end) : json_null()));
        }
        for (size_t i = 0; i < r->n_unwritten; i++)
                json_array_append_new(ranges,
                                      json_pack("{s:I, s:I, s:I}", "pass", (json_int_t)r->unwritten[i].pass,
                                                "first_lba", (json_int_t)r->unwritten[i].first_lba,
                                                "last_lba", (json_int_t)r->unwritten[i].last_lba));

        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        double first = seconds_since_process_start(r->first_write_boot_ns);
        char start[40], end[40];
        ui_format_utc(r->started_ns, start, sizeof start);
        ui_format_utc(r->ended_ns, end, sizeof end);
        bool is_pass = wipe_result_is_pass(r);
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:s, s:s, s:f, s:f, s:o,"
                " s:o, s:b, s:o, s:o}",
                "event", "result", "path", r->identity.path, "outcome", is_pass ? "PASS" : "FAIL", "error",
                r->error ? json_string(strerror(r->error)) : json_null(), "status",
                wipe_status_to_string(r->status), "method", r->method.name, "method_spec", r->method.spec,
                "passes", passes, "size_bytes", (json_int_t)r->identity.size_bytes, "bytes_written",
                (json_int_t)r->bytes_written, "bytes_total", (json_int_t)r->bytes_total, "sector_bytes",
                (json_int_t)r->identity.logical_sector_bytes, "started_utc", start, "ended_utc", end,
                "duration_seconds", seconds, "mb_per_s",
                seconds > 0 ? (double)r->bytes_written / seconds / 1e6 : 0.0,
                "first_write_after_start_seconds", first >= 0 ? json_real(first) : json_null(), "engine",
                r->engine ? json_string(r->engine) : json_null(), "direct_io", (int)r->is_direct_io,
                "unwritten_ranges", ranges, "disk", info ? ui_disk_to_json(info) : json_null());
        if (o && json_object_set_new(o, "technique", json_string(r->method.technique == WIPE_TECHNIQUE_PURGE
                                                                          ? "purge"
                                                                          : "overwrite")) < 0) {
                json_decref(o);
                return NULL;
        }
        if (o && r->purge && json_object_set_new(o, "purge", cert_json_purge_report(r->purge)) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static void print_purge_human(const struct wipe_result *r)
{
        const struct wipe_purge *p = r->purge;
        bool is_pass = wipe_result_is_pass(r);
        printf("%s  %s  %s (the drive's own command)  %s\n", is_pass ? "PASS" : "FAIL", r->identity.path,
               r->method.name, wipe_status_to_string(r->status));
        if (!p)
                return;
        if (p->report.command[0])
                printf("      sent: %s\n", p->report.command);
        if (p->report.device_status[0])
                printf("      drive: %s\n", p->report.device_status);
        if (p->caps.hidden.is_examined && p->caps.hidden.note[0])
                printf("      hidden areas: %s\n", p->caps.hidden.note);
        if (p->report.error)
                printf("      error: %s%s%s\n", purge_error_to_string(p->report.error),
                       p->report.error_text[0] ? " — " : "", p->report.error_text);
        if (p->report.password_left[0])
                printf("      THE DRIVE STILL HAS A SECURITY PASSWORD: %s (give it to the drive's owner)\n",
                       p->report.password_left);
}

static void print_result_human(const struct wipe_result *r)
{
        if (r->method.technique == WIPE_TECHNIQUE_PURGE) {
                print_purge_human(r);
                if (r->status == WIPE_STATUS_PROTECTED)
                        printf("      became protected: %s\n", r->protected_reason ? r->protected_reason : "?");
                return;
        }
        char size[32];
        double seconds = (double)(r->ended_ns - r->started_ns) / 1e9;
        bool is_pass = wipe_result_is_pass(r);
        printf("%s  %s  %s (%zu pass%s)  %s written in %.2f s (%.0f MB/s)  %s\n", is_pass ? "PASS" : "FAIL",
               r->identity.path, r->method.name, r->method.n_passes, r->method.n_passes == 1 ? "" : "es",
               ui_format_bytes(r->bytes_written, size, sizeof size), seconds,
               seconds > 0 ? (double)r->bytes_written / seconds / 1e6 : 0.0,
               wipe_status_to_string(r->status));
        if (r->status == WIPE_STATUS_PROTECTED)
                printf("      became protected: %s%s\n", r->protected_reason ? r->protected_reason : "?",
                       r->is_protected_before_write ? " (nothing was written)" : "");
        else if (r->error)
                printf("      error: %s\n", strerror(r->error));
        for (size_t i = 0; i < r->n_unwritten && i < 20; i++)
                printf("      not overwritten: pass %u, LBA %" PRIu64 "-%" PRIu64 " (%u-byte sectors)\n",
                       r->unwritten[i].pass, r->unwritten[i].first_lba, r->unwritten[i].last_lba,
                       r->identity.logical_sector_bytes);
        if (r->n_unwritten > 20)
                printf("      … and %zu more ranges not overwritten\n", r->n_unwritten - 20);
}

bool wipe_confirm(const struct disk_info *disks, size_t n, const struct wipe_method *m,
                  const struct wipe_cli *cli, struct session *s)
{
        printf("About to ERASE %zu disk%s with method %s (%s):\n\n", n, n == 1 ? "" : "s", m->name,
               m->description);
        ui_print_disk_table(stdout, disks, n);
        for (size_t i = 0; m->technique == WIPE_TECHNIQUE_PURGE && i < n; i++) {
                const struct wipe_method *tm = session_target_method(s, i);
                const struct purge_method_info *pi = tm ? purge_method_info((enum purge_method)tm->purge_method) : NULL;
                if (!pi)
                        continue;
                printf("\n%s: the drive runs %s — %s (%s).\n", disks[i].identity.path, pi->name, pi->description,
                       pi->standard);
                if (tm->purge_method <= PURGE_SANITIZE_OVERWRITE)
                        printf("  A sanitize cannot be stopped: it goes on after a power cycle until it ends, "
                               "and the drive refuses reads and writes until then.\n");
                if (purge_method_is_tcg((enum purge_method)tm->purge_method))
                        printf("  A TCG revert erases EVERY locking range and namespace of this drive (%s), not only "
                               "%s, and resets its owner.\n",
                               disks[i].purge ? disks[i].purge->tcg.kind : "self-encrypting", disks[i].identity.path);
                if (disks[i].purge && disks[i].purge->is_all_namespaces)
                        printf("  It erases EVERY namespace of this NVMe controller, not only %s.\n",
                               disks[i].identity.path);
                if (disks[i].purge && (disks[i].purge->hidden.has_hpa || disks[i].purge->hidden.has_dco ||
                                       disks[i].purge->hidden.has_ama))
                        printf("  Hidden areas found (%s): the full capacity is restored first.\n",
                               disks[i].purge->hidden.note);
                if (disks[i].purge && disks[i].purge->is_sanitize_running)
                        printf("  A sanitize is already running on it: kesu waits for it to end first.\n");
        }
        for (size_t i = 0; i < n; i++) {
                const struct session_policy_decision *d = session_decision(s, i);
                const struct wipe_method *tm = session_target_method(s, i);
                if (d && (i == 0 || m->technique == WIPE_TECHNIQUE_PURGE))
                        printf("\n%s%sClass %s, destination %s: %s required; %s reaches %s (policy allows it).\n",
                               n > 1 && m->technique == WIPE_TECHNIQUE_PURGE ? disks[i].identity.path : "",
                               n > 1 && m->technique == WIPE_TECHNIQUE_PURGE ? ": " : "", cli->ctx.class_label,
                               cli->ctx.destination, session_level_to_string(d->method_must_reach),
                               tm ? tm->name : m->name, session_level_to_string(d->method_reaches));
        }
        if (!cli->is_no_cert)
                printf("Operator %s (%s), witness %s (%s).\n", cli->ctx.operator_id,
                       cli->ctx.operator_name ? cli->ctx.operator_name : "-", cli->ctx.witness_id,
                       cli->ctx.witness_name ? cli->ctx.witness_name : "-");
        printf("\nEverything on %s will be destroyed. Type 'yes' to continue: ", n == 1 ? "it" : "them");
        fflush(stdout);
        char answer[16] = "";
        if (!fgets(answer, sizeof answer, stdin))
                return false;
        answer[strcspn(answer, "\n")] = 0;
        return strcmp(answer, "yes") == 0;
}

static void wipe_progress(void *job, struct ui_progress_item *it)
{
        struct wipe_progress p;
        wipe_job_progress(job, &p);
        const struct wipe_result *r = wipe_job_result(job);
        it->pass = p.pass;
        it->n_passes = p.n_passes;
        it->bytes_done = p.bytes_done;
        it->bytes_total = p.bytes_total;
        it->is_done = p.is_done;
        if (p.is_done && r->ended_ns > r->started_ns)
                it->final_rate = (double)r->bytes_written / ((double)(r->ended_ns - r->started_ns) / 1e9);
}

static int wipe_done_fd(void *job)
{
        return wipe_job_done_fd(job);
}

static void wipe_request_stop(void *job)
{
        wipe_job_request_stop(job);
}

const struct ui_job_ops wipe_job_ops = {
        .progress = wipe_progress,
        .done_fd = wipe_done_fd,
        .request_stop = wipe_request_stop,
};


static void certificate_json(json_t *o, const struct wipe_cli *cli, const struct session_outcome *oc)
{
        const struct cert_issued *is = &oc->issued;
        json_t *reasons = json_array();
        for (size_t k = 0; reasons && k < is->n_reasons; k++)
                json_array_append_new(reasons, ui_json_string_or_null(is->reasons[k]));
        json_t *cert = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "serial", is->serial,
                                 "sequence", (json_int_t)is->sequence, "result", is->result, "hash", is->hash,
                                 "json", is->json_path, "signature", is->sig_path, "pdf",
                                 is->pdf_path[0] ? json_string(is->pdf_path) : json_null(), "qr",
                                 is->qr_payload, "print_job",
                                 oc->print_job > 0 ? json_integer(oc->print_job) : json_null(),
                                 "failure_reasons", reasons ? reasons : json_array());
        if (!cert)
                return;
        if (cli->export_dir) {
                json_object_set_new(cert, "exported", json_boolean(oc->is_exported));
                json_object_set_new(cert, "export_dir", json_string(cli->export_dir));
                if (oc->export_error < 0)
                        json_object_set_new(cert, "export_error", json_string(strerror(-oc->export_error)));
        }
        if (is->pdf_error < 0)
                json_object_set_new(cert, "pdf_error", json_string(strerror(-is->pdf_error)));
        if (cli->is_print && oc->print_error < 0)
                json_object_set_new(cert, "print_error",
                                    json_string(oc->print_error == -ENOENT ? "no printer"
                                                                          : strerror(-oc->print_error)));
        json_object_set_new(o, "certificate", cert);
}

void wipe_render_outcome(const struct wipe_cli *cli, const struct disk_info *disk, const struct session_outcome *oc)
{
        const struct wipe_result *res = oc->wipe;
        bool is_verify = strcmp(cli->verify, "none") != 0;
        if (oc->cert_error < 0)
                ui_error("wipe: the certificate for %s could not be filed: %s (kept in the journal: it is "
                         "filed as FAIL at the next start)",
                         res->identity.path, strerror(-oc->cert_error));
        if (oc->is_certified && oc->issued.pdf_error < 0)
                ui_error("wipe: the PDF of %s could not be made: %s (the signed record is filed; the PDF is "
                         "made again at the next start)",
                         oc->issued.serial, strerror(-oc->issued.pdf_error));
        if (oc->is_certified && oc->export_error < 0) {
                const char *failed = oc->export_failed_file ? oc->export_failed_file : "";
                if (strrchr(failed, '/'))
                        failed = strrchr(failed, '/') + 1;
                ui_error("wipe: exporting %s to %s failed at %s: %s; the certificate is filed in %s (export it "
                         "again with 'kesu cert export')",
                         oc->issued.serial, cli->export_dir, failed, strerror(-oc->export_error), cli->cert_dir);
        }
        if (oc->is_certified && cli->is_print && oc->print_error < 0)
                ui_error("wipe: printing %s failed: %s (the certificate is filed)", oc->issued.serial,
                         oc->print_error == -ENOENT ? "no printer" : strerror(-oc->print_error));
        if (cli->is_json) {
                json_t *o = ui_wipe_result_to_json(res, disk);
                if (!o)
                        return;
                json_object_set_new(o, "wipe_outcome", json_string(oc->is_wipe_pass ? "PASS" : "FAIL"));
                json_object_set_new(o, "outcome", json_string(oc->is_pass ? "PASS" : "FAIL"));
                json_object_set_new(o, "protected_reason", ui_json_string_or_null(res->protected_reason));
                json_object_set_new(o, "verification", oc->verify ? ui_verify_result_to_json(oc->verify) : json_null());
                if (!cli->is_no_cert) {
                        json_object_set_new(o, "required_level",
                                            json_string(session_level_to_string(oc->required_level)));
                        json_object_set_new(o, "achieved_level",
                                            json_string(session_level_to_string(oc->achieved_level)));
                        json_object_set_new(o, "disposal_id", oc->disposal_id[0] ? json_string(oc->disposal_id)
                                                                                 : json_null());
                }
                json_t *each = json_array();
                for (size_t k = 0; each && k < oc->n_pass_verifications; k++) {
                        json_t *e = oc->pass_verifications[k] ? ui_verify_result_to_json(oc->pass_verifications[k])
                                                              : json_pack("{s:s}", "outcome", "FAIL");
                        if (e)
                                json_object_set_new(e, "pass", json_integer(oc->pass_numbers[k]));
                        json_array_append_new(each, e);
                }
                json_object_set_new(o, "pass_verifications", each);
                if (oc->is_certified)
                        certificate_json(o, cli, oc);
                else
                        json_object_set_new(o, "certificate", json_null());
                ui_json_line(o);
                return;
        }
        print_result_human(res);
        for (size_t k = 0; k < oc->n_pass_verifications; k++)
                printf("      pass %u verified: %s\n", oc->pass_numbers[k],
                       oc->pass_verifications[k] && verify_result_is_pass(oc->pass_verifications[k]) ? "PASS"
                                                                                                     : "FAIL");
        if (oc->verify)
                ui_print_verify_human(oc->verify, res->identity.path);
        else if (is_verify)
                printf("FAIL  %s  not verified (the wipe did not finish)\n", res->identity.path);
        if (oc->is_certified) {
                printf("%s  %s  certificate %s (sequence %" PRIu64 ")\n      %s\n      %s\n", oc->issued.result,
                       res->identity.path, oc->issued.serial, oc->issued.sequence, oc->issued.json_path,
                       oc->issued.sig_path);
                if (oc->issued.pdf_path[0])
                        printf("      %s\n", oc->issued.pdf_path);
                if (oc->print_job > 0)
                        printf("      printed: job %d\n", oc->print_job);
                /* a FAIL says why, one line per reason, not only inside the JSON */
                for (size_t k = 0; k < oc->issued.n_reasons; k++) {
                        _cleanup_free_ char *why = text_escape_visible(oc->issued.reasons[k]);
                        printf("      why: %s\n", why ? why : oc->issued.reasons[k]);
                }
        }
}
