/* SPDX-License-Identifier: MIT */
/*
 * NVMe purge: the probe (Identify Controller and Namespace, Sanitize Status log, SMART / Health
 * log), the dispatch of a run to Sanitize (nvme-sanitize.c) or Format NVM (nvme-format.c), and the
 * helpers both share. Reads and decides; the command bytes come from wiper/device/nvme-cmd.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "nvme-purge-internal.h"

/* NVMe data buffers are page-aligned: some controllers DMA straight into them (as nvme_identify). */
static void *page_alloc(size_t bytes)
{
        void *p;
        if (posix_memalign(&p, 4096, bytes) != 0)
                return NULL;
        memset(p, 0, bytes);
        return p;
}

int nvme_purge_identify_ctrl(const struct cmd_transport *t, struct nvme_ctrl_identity *ret)
{
        _cleanup_free_ uint8_t *buf = page_alloc(NVME_IDENTIFY_BYTES);
        struct nvme_admin_cmd cmd;
        struct nvme_ctrl_identity c;

        if (!buf)
                return -ENOMEM;
        nvme_build_identify(&cmd, NVME_CNS_CONTROLLER, 0, buf);
        int r = cmd_nvme_admin(t, &cmd, NULL);
        if (r < 0)
                return r;
        r = nvme_parse_identify_ctrl(buf, &c);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

int nvme_purge_read_sanitize_log(const struct cmd_transport *t, struct nvme_sanitize_status *ret,
                                 struct cmd_reply *ret_reply)
{
        _cleanup_free_ uint8_t *buf = page_alloc(NVME_SANITIZE_LOG_BYTES);
        struct nvme_admin_cmd cmd;
        struct nvme_sanitize_status s;
        struct cmd_reply reply;

        if (!buf)
                return -ENOMEM;
        nvme_build_get_log_sanitize(buf, true, &cmd);
        int r = cmd_nvme_admin(t, &cmd, &reply);
        if (ret_reply)
                *ret_reply = reply;
        if (r < 0)
                return r;
        r = nvme_parse_sanitize_log(buf, &s);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

static int read_smart_log(const struct cmd_transport *t, struct nvme_smart_log *ret,
                          struct cmd_reply *ret_reply)
{
        _cleanup_free_ uint8_t *buf = page_alloc(NVME_SMART_LOG_BYTES);
        struct nvme_admin_cmd cmd;

        if (!buf)
                return -ENOMEM;
        nvme_build_get_log_smart(buf, true, &cmd);
        int r = cmd_nvme_admin(t, &cmd, ret_reply);
        if (r < 0)
                return r;
        return nvme_parse_smart_log(buf, ret);
}

void nvme_purge_status_text(const char *what, uint16_t status_field, char *buf, size_t n)
{
        struct nvme_status s;
        if (nvme_status_decode(status_field, &s) < 0) {
                snprintf(buf, n, "%s: NVMe status field 0x%04x (not decodable)", what, status_field);
                return;
        }
        const char *name = nvme_status_to_string(s.code);
        snprintf(buf, n, "%s: NVMe status %03Xh (SCT %u, SC %02Xh) %s%s", what, s.code, s.sct, s.sc,
                 name ? name : "(unnamed status)", s.is_dnr ? ", DNR: do not retry" : "");
}

static const char *sanitize_state_name(enum nvme_sanitize_state s)
{
        switch (s) {
        case NVME_SANITIZE_NEVER:
                return "never sanitized";
        case NVME_SANITIZE_COMPLETED:
                return "completed";
        case NVME_SANITIZE_IN_PROGRESS:
                return "in progress";
        case NVME_SANITIZE_FAILED:
                return "failed";
        case NVME_SANITIZE_COMPLETED_NO_DEALLOCATE:
                return "completed (no deallocate)";
        }
        return "?";
}

void nvme_purge_sanitize_status_text(const struct nvme_sanitize_status *s, char *buf, size_t n)
{
        snprintf(buf, n, "SSTAT %s, SPROG %u, SCDW10 0x%08x%s", sanitize_state_name(s->state), s->sprog,
                 s->scdw10, s->is_global_data_erased ? ", global data erased" : "");
}

int nvme_purge_command_failed(const char *what, int r, const struct cmd_reply *reply,
                              struct purge_report *ret)
{
        if (r == -EREMOTEIO && reply) {
                ret->error = PURGE_ERR_REFUSED;
                nvme_purge_status_text(what, reply->nvme_status, ret->error_text, sizeof ret->error_text);
        } else {
                ret->error = r;
                snprintf(ret->error_text, sizeof ret->error_text, "%s: %s", what, strerror(-r));
        }
        return ret->error;
}

/* ---- probe ------------------------------------------------------------------------------------- */

static const enum nvme_sanact sanitize_actions[_PURGE_METHOD_MAX] = {
        [PURGE_SANITIZE_CRYPTO] = NVME_SANACT_CRYPTO_ERASE,
        [PURGE_SANITIZE_BLOCK] = NVME_SANACT_BLOCK_ERASE,
        [PURGE_SANITIZE_OVERWRITE] = NVME_SANACT_OVERWRITE,
};

static void mark(struct purge_caps *c, enum purge_method m, int r, const char *reason)
{
        if (r == 0) {
                c->supported |= 1u << m;
                c->why_not[m] = NULL;
        } else {
                c->supported &= ~(1u << m);
                c->why_not[m] = reason ? reason : "not supported by this controller";
        }
}

static void probe_health(const struct cmd_transport *t, struct purge_health *h)
{
        struct nvme_smart_log s;
        struct cmd_reply reply;

        *h = (struct purge_health){ .source = "NVMe SMART / Health log (02h)" };
        int r = read_smart_log(t, &s, &reply);
        if (r == -EREMOTEIO)
                nvme_purge_status_text("Get Log Page 02h", reply.nvme_status, h->note, sizeof h->note);
        else if (r < 0)
                snprintf(h->note, sizeof h->note, "Get Log Page 02h: %s", strerror(-r));
        if (r < 0)
                return;
        h->is_read = true;
        h->has_critical_warning = true;
        h->critical_warning = s.critical_warning;
        h->has_percentage_used = true;
        h->percentage_used = s.percentage_used;
        h->has_power_on_hours = true;
        h->power_on_hours = s.power_on_hours;
        h->has_media_errors = true;
        h->media_errors = s.media_errors;
        if (s.composite_temperature_k != 0) { /* 0 K: not reported */
                h->has_temperature = true;
                h->temperature_c = (int)s.composite_temperature_k - 273;
        }
        if (s.is_saturated)
                snprintf(h->note, sizeof h->note, "a 128-bit counter exceeds 64 bits: shown as its maximum");
}

int nvme_purge_probe(const struct cmd_transport *t, uint32_t nsid, struct purge_caps *ret)
{
        struct nvme_ctrl_identity ctrl;
        struct nvme_ns_identity ns;
        int r;

        r = nvme_identify(t, nsid, &ctrl, &ns);
        if (r < 0)
                return r;

        struct purge_caps c = { .family = PURGE_FAMILY_NVME };
        for (enum purge_method m = PURGE_METHOD_NONE + 1; m < _PURGE_METHOD_MAX; m++)
                c.why_not[m] = "not an NVMe method";
        c.why_not[PURGE_SECURE_ERASE] = c.why_not[PURGE_SECURE_ERASE_ENHANCED] = "not an ATA drive";
        c.why_not[PURGE_SCSI_FORMAT] = "not a SCSI drive";

        const char *reason = NULL;
        bool has_sanitize = false;
        for (enum purge_method m = PURGE_SANITIZE_CRYPTO; m <= PURGE_SANITIZE_OVERWRITE; m++) {
                /* the arguments nvme-sanitize.c sends: AUSE 1, NDAS 0 */
                struct nvme_sanitize_args a = { .action = sanitize_actions[m], .ause = true };
                r = nvme_sanitize_allowed(&ctrl, &a, &reason);
                mark(&c, m, r, reason);
                has_sanitize |= r == 0;
        }
        r = nvme_format_ses_allowed(&ctrl, NVME_SES_USER_DATA, &reason);
        mark(&c, PURGE_NVME_FORMAT, r, reason);
        r = nvme_format_ses_allowed(&ctrl, NVME_SES_CRYPTO, &reason);
        mark(&c, PURGE_NVME_FORMAT_CRYPTO, r, reason);

        /* A sanitize always takes the whole NVM subsystem; a Format NVM secure erase does when FNA
         * bit 1 says so. One flag for the drive: true when any method it offers reaches beyond the
         * namespace (each run's warnings say which). */
        c.is_all_namespaces = has_sanitize || (purge_caps_has(&c, PURGE_NVME_FORMAT) &&
                                               nvme_format_erases_all_namespaces(&ctrl));

        if (has_sanitize) {
                struct nvme_sanitize_status s;
                r = nvme_purge_read_sanitize_log(t, &s, NULL);
                if (r < 0) {
                        /* without the log kesu cannot see a sanitize end, so it cannot count one */
                        for (enum purge_method m = PURGE_SANITIZE_CRYPTO; m <= PURGE_SANITIZE_OVERWRITE; m++)
                                mark(&c, m, -EIO,
                                     "the Sanitize Status log (81h) cannot be read: no way to see the "
                                     "result");
                } else {
                        c.is_sanitize_running = s.state == NVME_SANITIZE_IN_PROGRESS;
                        c.is_sanitize_failed = s.state == NVME_SANITIZE_FAILED;
                }
        }

        probe_health(t, &c.health);

        c.hidden = (struct purge_hidden){ .current_sectors = ns.size_blocks };
        snprintf(c.hidden.note, sizeof c.hidden.note,
                 "NVMe: no host protected areas; capacity of unallocated namespaces not examined");

        *ret = c;
        return 0;
}

/* ---- run --------------------------------------------------------------------------------------- */

int nvme_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                   const struct purge_run_options *o, struct purge_report *ret)
{
        o = purge_run_begin(method, o, ret);
        int r = purge_check_supported(caps, PURGE_FAMILY_NVME, method, "not supported by this drive", ret);
        if (r == 0) {
                switch (method) {
                case PURGE_SANITIZE_CRYPTO:
                case PURGE_SANITIZE_BLOCK:
                case PURGE_SANITIZE_OVERWRITE:
                        nvme_purge_sanitize(t, method, o, ret);
                        break;
                case PURGE_NVME_FORMAT:
                case PURGE_NVME_FORMAT_CRYPTO:
                        nvme_purge_format(t, method, o, ret);
                        break;
                default:
                        ret->error = PURGE_ERR_UNSUPPORTED;
                        snprintf(ret->error_text, sizeof ret->error_text, "not an NVMe method");
                        break;
                }
        }
        return purge_run_end(ret->error, ret);
}
