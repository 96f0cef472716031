/* SPDX-License-Identifier: MIT */
/* The disposal is prepared as `kesu wipe` prepares it — the chosen disks described again, the
 * session opened (filing recovered, interrupted disposals certified) and planned (protection,
 * purge support and the policy, target by target) — then every disk is shown with its identity,
 * content and method, and the operator answers by typing the number of disks. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "purge.h"
#include "tui.h"

static const char *open_error(int r)
{
        switch (-r) {
        case EBUSY:
                return _("the ledger is in use by another kesu");
        case EBADMSG:
                return _("the ledger or the journal is damaged (left as it is)");
        case ENOENT:
        case ENOTDIR:
        case EROFS:
        case EACCES:
        case ENOSPC:
                return _("certificates cannot be filed in the certificate folder (is the KESU-DATA stick "
                         "attached?)");
        default:
                return strerror(-r);
        }
}

/* Opens and plans the session; false with the reason on the message line (nothing written). */
static bool prepare(struct tui *t)
{
        size_t n = t->n_choices;
        char *paths[n + 1];
        for (size_t i = 0; i < n; i++)
                paths[i] = t->choices[i].path;
        paths[n] = NULL;
        /* identity and protection read again right before the plan */
        if (ui_describe_targets(paths, &t->targets, &t->n_targets) < 0)
                return false;
        int r = cert_folder_probe(t->cert_dir, (uint64_t)(n - 1) * CERT_FILING_BYTES_PER_CERTIFICATE);
        if (r < 0) {
                tui_message(
                        t, true,
                        _("The certificate folder %s cannot take the certificates: %s; nothing was written"),
                        t->cert_dir, strerror(-r));
                return false;
        }
        /* no export stick is no reason to stop: the certificates are filed all the same */
        struct stat st;
        const char *export_dir = t->export_dir;
        if (export_dir && (stat(export_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
                export_dir = NULL;
        struct session_options so = {
                .verify_mode = "sample",
                .is_certify = true,
                .ctx = {
                        .operator_id = t->operator_info.id,
                        .witness_id = t->witness_info.id,
                        .organization = t->organization,
                        .media_source = t->media_source,
                        .image_version = t->image.version,
                        .image_build = t->image.build,
                        .image_squashfs_sha256 = t->image.squashfs_sha256,
                        .operator_name = t->operator_name,
                        .witness_name = t->witness_name,
                        .authentication = t->authentication,
                        .clock_confirmation = t->clock_confirmation[0] ? t->clock_confirmation : NULL,
                },
                .key = t->key,
                .key_path = t->key_file,
                .cert_dir = t->cert_dir,
                .ledger_path = t->ledger,
                .export_dir = export_dir,
                .is_print = t->printer != NULL, /* a printer named in the configuration prints */
                .printer = t->printer,
                .policy = t->policy,
                .stop_flag = &ui_stop_signal,
        };
#ifdef KESU_TEST_FAKE_DRIVES
        so.io.purge_transport = ui_test_fake_transport(); /* the test build only */
#endif
        if ((r = session_open(&so, &t->session)) < 0) {
                tui_message(t, true, _("Cannot start: %s; nothing was written"), open_error(r));
                return false;
        }
        t->plans = calloc(n, sizeof *t->plans);
        if (!t->plans)
                return false;
        for (size_t i = 0; i < n; i++) {
                const struct tui_choice *c = &t->choices[i];
                t->plans[i] = (struct session_target_plan){
                        .asset = c->asset,
                        .class_label = session_policy_class_name(c->class_index),
                        .destination = session_policy_destination_name(c->destination_index),
                        .method_spec = tui_method_offered(&t->targets[i], c->method_index),
                        .tcg_secret = c->tcg_secret[0] ? c->tcg_secret : NULL,
                        .tcg_secret_len = strlen(c->tcg_secret),
                };
        }
        struct session_refusal refusal;
        if (session_plan_targets(t->session, t->targets, t->n_targets, t->plans, &refusal) < 0) {
                tui_message(t, true, _("Refused: %s; nothing was written"), refusal.message);
                return false;
        }
        return true;
}

static void draw(struct tui *t, const struct tui_field *answer)
{
        char title[128];
        snprintf(title, sizeof title, "%s", _("Confirm"));
        int y = tui_frame(t, title, _("[Enter] answer  [Esc] back"));
        attron(A_BOLD);
        tui_putf(y++, 2, COLS - 4, _("These %zu disks will be erased. Everything on them is lost."),
                 t->n_targets);
        attroff(A_BOLD);
        bool is_purge = false, is_tcg = false;
        for (size_t i = 0; i < t->n_targets && y < LINES - 8; i++) {
                const struct disk_info *d = &t->targets[i];
                const struct session_policy_decision *dec = session_decision(t->session, i);
                const struct wipe_method *m = session_target_method(t->session, i);
                is_purge |= m->technique == WIPE_TECHNIQUE_PURGE;
                is_tcg |= m->technique == WIPE_TECHNIQUE_PURGE && purge_method_is_tcg((enum purge_method)m->purge_method);
                char size[32], content[512];
                _cleanup_free_ char *model =
                        text_escape_visible(d->identity.model ? d->identity.model : "-");
                _cleanup_free_ char *serial =
                        text_escape_visible(d->identity.serial ? d->identity.serial : "-");
                y++;
                attron(A_BOLD);
                tui_putf(y++, 2, COLS - 4, "%zu. %s  %s %s  %s / %s", i + 1, d->identity.path,
                         tui_word_transport(d->identity.transport),
                         ui_format_bytes(d->identity.size_bytes, size, sizeof size), model ? model : "?",
                         serial ? serial : "?");
                attroff(A_BOLD);
                tui_content_summary(&d->content, content, sizeof content);
                tui_putf(y++, 6, COLS - 8, "%s %s", _("Content:"), content);
                tui_putf(y++, 6, COLS - 8, "%s %s   %s %s   %s %s", _("Asset number:"), t->plans[i].asset,
                         _("Class:"), tui_word_class(t->plans[i].class_label), _("Destination:"),
                         tui_word_destination(t->plans[i].destination));
                tui_putf(y++, 6, COLS - 8, "%s %s (%s)   %s %s", _("Method:"), m->name,
                         tui_word_level(dec ? dec->method_reaches : SESSION_LEVEL_NONE),
                         _("Required level:"),
                         tui_word_level(dec ? dec->method_must_reach : SESSION_LEVEL_NONE));
        }
        y++;
        if (is_purge)
                tui_put(y++, 2, COLS - 4,
                        _("A purge runs inside the drive: once sent it cannot be stopped and survives a "
                          "power cycle."));
        if (is_tcg)
                tui_put(y++, 2, COLS - 4,
                        _("A TCG revert erases every locking range and namespace of the drive, not only what is "
                          "listed here, and resets its owner."));
        tui_putf(y++, 2, COLS - 4, "%s %s", _("Clock confirmed by:"), t->clock_confirmation);
        y++;
        tui_putf(y++, 2, COLS - 4,
                 _("To erase, type the number of disks (%zu) and press Enter. Anything else goes back."),
                 t->n_targets);
        curs_set(1);
        tui_field_draw(answer, y, 4, 8, true);
        refresh();
}

enum tui_step tui_screen_confirm(struct tui *t)
{
        tui_disposal_end(t);
        tui_frame(t, _("Confirm"), "");
        tui_put(3, 2, COLS - 4, _("Preparing…"));
        refresh();
        if (!prepare(t)) {
                tui_disposal_end(t);
                return TUI_STEP_PLAN;
        }
        struct tui_field answer;
        if (tui_field_init(&answer, 8, false) < 0)
                return TUI_STEP_QUIT;
        enum tui_step next = TUI_STEP_QUIT;
        for (;;) {
                draw(t, &answer);
                struct tui_input in;
                tui_next_input(t, NULL, 0, 1000, &in);
                if (ui_stop_signal) {
                        tui_disposal_end(t);
                        break;
                }
                if (tui_input_is_char(&in, TUI_ESC)) {
                        tui_disposal_end(t);
                        next = TUI_STEP_PLAN;
                        break;
                }
                if (!tui_input_is_enter(&in)) {
                        tui_field_edit(&answer, &in);
                        continue;
                }
                char expected[24];
                snprintf(expected, sizeof expected, "%zu", t->n_targets);
                _cleanup_free_ char *typed = strdup_stripped_or_null(answer.text);
                if (typed && strcmp(typed, expected) == 0) {
                        tui_message_clear(t);
                        next = TUI_STEP_RUN;
                } else {
                        tui_message(t, true, "%s", _("Not confirmed; nothing was written"));
                        tui_disposal_end(t);
                        next = TUI_STEP_PLAN;
                }
                break;
        }
        tui_field_done(&answer);
        return next;
}
