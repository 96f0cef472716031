/* SPDX-License-Identifier: MIT */
/*
 * ATA purge through SAT ATA PASS-THROUGH(16): what the drive supports (IDENTIFY DEVICE, SANITIZE
 * STATUS EXT, hidden areas, SMART) and the dispatch of a run to sanitize or security erase.
 *
 * Decisions kept here:
 *   - Frozen: caps->is_security_frozen is security FROZEN (IDENTIFY word 128 bit 3),
 *     caps->is_sanitize_frozen SANITIZE FROZEN (SANITIZE STATUS EXT COUNT bit 13); caps->is_frozen
 *     either. Each refuses only its own command set (purge_caps_is_frozen_for()): a BIOS commonly
 *     sends SECURITY FREEZE LOCK at boot, which leaves SANITIZE usable. The methods stay
 *     "supported" (the drive has them; the state is temporary) and why_not stays NULL;
 *     ata_purge_run() refuses a frozen method with PURGE_ERR_FROZEN and its remedy before sending
 *     anything (one suspend/resume or replug clears both freezes).
 *   - Security enabled (a user password kesu does not know) or locked: SECURITY ERASE is not
 *     supported (why_not says why); locked also takes sanitize (a locked drive aborts it).
 *   - Descriptor sense: the probe asks the SATL for it (MODE SELECT of D_SENSE: a SATL setting, not
 *     the drive's). When SANITIZE STATUS EXT still comes back in fixed format, its flags cannot be
 *     read (COUNT(15:8) is cut off), so the sanitize methods are not supported through this SATL:
 *     a sanitize whose end cannot be read would leave the drive refusing reads with no verdict.
 */
#include "ata-purge-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

const char ata_why_fixed_sense[] =
        "the SAT layer returns only fixed-format sense data (D_SENSE could not be set), which cuts off the "
        "SANITIZE STATUS EXT flags: the sanitize's outcome could not be read";
const char ata_why_satl_rejects[] = "the SAT layer (e.g. a USB bridge) rejects ATA PASS-THROUGH of SANITIZE";

int ata_send(const struct cmd_transport *t, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
             size_t buf_len, unsigned timeout_ms, struct ata_answer *ret)
{
        struct cmd_reply reply;
        struct ata_answer a = { 0 };

        int r = cmd_scsi(t, cdb, cdb_len, dir, buf, buf_len, timeout_ms, &reply);
        if (r < 0 && r != -EREMOTEIO)
                return r;
        a.scsi_status = reply.scsi_status;
        if (reply.sense_len > 0) {
                struct sense_verdict v;
                size_t len = reply.sense_len < sizeof reply.sense ? reply.sense_len : sizeof reply.sense;
                r = sense_classify(reply.sense, len, SENSE_ATA_LAYOUT_AUTO, &v);
                if (r < 0)
                        return r;
                a.result = v.result;
                a.sense = v.sense;
                a.has_ata = v.has_ata;
                a.ata = v.ata;
        } else {
                a.result = reply.scsi_status == SCSI_STATUS_GOOD ? SENSE_RESULT_GOOD : SENSE_RESULT_OTHER;
        }
        *ret = a;
        return 0;
}

void ata_answer_describe(const struct ata_answer *a, char *buf, size_t n)
{
        if (a->has_ata)
                snprintf(buf, n, "ATA STATUS %02Xh ERROR %02Xh%s", a->ata.status, a->ata.error,
                         (a->ata.status & ATA_STATUS_ERR) && (a->ata.error & ATA_ERROR_ABRT) ? " (ABRT)"
                                                                                             : "");
        else if (a->sense.response_code)
                snprintf(buf, n, "SCSI status %02Xh, sense key %Xh, ASC/ASCQ %02Xh/%02Xh", a->scsi_status,
                         a->sense.sense_key, a->sense.asc, a->sense.ascq);
        else
                snprintf(buf, n, "SCSI status %02Xh without sense data", a->scsi_status);
}

int ata_answer_error(const struct ata_answer *a)
{
        switch (a->result) {
        case SENSE_RESULT_ATA_ABORTED:
        case SENSE_RESULT_UNSUPPORTED:
        case SENSE_RESULT_IN_PROGRESS:
                return PURGE_ERR_REFUSED;
        case SENSE_RESULT_OTHER:
                /* Fixed sense whose registers could not be decoded: libata reports ABRT as ABORTED
                 * COMMAND. */
                return a->sense.sense_key == SENSE_KEY_ABORTED_COMMAND ? PURGE_ERR_REFUSED
                                                                       : PURGE_ERR_FAILED;
        default:
                return PURGE_ERR_FAILED;
        }
}

int ata_identify_caps(const struct cmd_transport *t, struct ata_identity *ret_id,
                      struct ata_purge_caps *ret_caps)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        uint8_t buf[ATA_IDENTIFY_BYTES] = { 0 };
        struct ata_identity id;
        struct ata_purge_caps c;

        ata_build_identify_cdb(cdb);
        int r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS,
                         NULL);
        if (r < 0)
                return r;
        r = ata_parse_identify(buf, &id);
        if (r < 0)
                return r;
        r = ata_parse_purge_caps(buf, &c);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        if (ret_caps)
                *ret_caps = c;
        return 0;
}

void ata_describe_security(const struct ata_purge_caps *c, char *buf, size_t n)
{
        if (!c->has_security) {
                snprintf(buf, n, "IDENTIFY word 128: security feature set not supported");
                return;
        }
        snprintf(buf, n, "IDENTIFY word 128: security %s, %s, %s%s",
                 c->is_security_enabled ? "enabled" : "not enabled",
                 c->is_security_locked ? "locked" : "not locked",
                 c->is_security_frozen ? "frozen" : "not frozen",
                 c->is_security_count_expired ? ", password attempts expired" : "");
}

bool ata_ensure_descriptor_sense(const struct cmd_transport *t)
{
        uint8_t cdb[SCSI_MODE_CDB10_BYTES];
        uint8_t data[64] = { 0 };
        struct scsi_control_page page;
        struct ata_answer a;

        sense_build_mode_sense_control(sizeof data, cdb);
        if (ata_send(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, data, sizeof data, CMD_TIMEOUT_IDENTIFY_MS,
                     &a) < 0 ||
            a.result != SENSE_RESULT_GOOD)
                return false;
        if (sense_parse_control_page(data, sizeof data, &page) < 0)
                return false;
        if (page.is_d_sense)
                return true;

        uint8_t list[SCSI_CONTROL_SELECT_BYTES];
        sense_build_control_select(&page, true, list);
        sense_build_mode_select(sizeof list, cdb);
        if (ata_send(t, cdb, sizeof cdb, CMD_DIR_TO_DEVICE, list, sizeof list, CMD_TIMEOUT_IDENTIFY_MS, &a) <
                    0 ||
            a.result != SENSE_RESULT_GOOD)
                return false;
        return true;
}

/* ---- probe --------------------------------------------------------------------------------------- */

static void probe_security(const struct ata_purge_caps *id, struct purge_caps *c)
{
        const char *why = NULL, *why_enhanced = NULL;

        if (!id->has_security)
                why = "the drive does not report the ATA security feature set (IDENTIFY word 82 bit 1, word "
                      "128 "
                      "bit 0)";
        else if (id->is_security_locked)
                why = "the drive is locked with a security password kesu does not know (IDENTIFY word 128 "
                      "bit 2)";
        else if (id->is_security_enabled)
                why = "a security password kesu does not know is set (IDENTIFY word 128 bit 1)";
        else if (id->is_security_count_expired)
                why = "the drive counted too many wrong security passwords and refuses more until it is "
                      "power-cycled (IDENTIFY word 128 bit 4)";
        else if (!id->has_enhanced_erase)
                why_enhanced =
                        "the drive does not report the enhanced security erase (IDENTIFY word 128 bit 5)";

        c->is_security_enabled = id->is_security_enabled || id->is_security_locked;
        if (id->has_security && id->is_security_frozen)
                c->is_frozen = c->is_security_frozen = true;
        c->why_not[PURGE_SECURE_ERASE] = why;
        c->why_not[PURGE_SECURE_ERASE_ENHANCED] = why ? why : why_enhanced;
        if (!why)
                c->supported |= 1u << PURGE_SECURE_ERASE;
        if (!why && !why_enhanced)
                c->supported |= 1u << PURGE_SECURE_ERASE_ENHANCED;
        c->erase_minutes = id->erase_minutes;
        c->enhanced_erase_minutes = id->enhanced_erase_minutes;
}

static void set_sanitize_why(struct purge_caps *c, const char *why)
{
        static const enum purge_method sanitize_methods[] = { PURGE_SANITIZE_CRYPTO, PURGE_SANITIZE_BLOCK,
                                                              PURGE_SANITIZE_OVERWRITE };
        for (size_t i = 0; i < ELEMENTSOF(sanitize_methods); i++) {
                c->supported &= ~(1u << sanitize_methods[i]);
                c->why_not[sanitize_methods[i]] = why;
        }
}

static int probe_sanitize(const struct cmd_transport *t, const struct ata_purge_caps *id,
                          struct purge_caps *c)
{
        if (!id->has_sanitize) {
                set_sanitize_why(
                        c, "the drive does not report the sanitize feature set (IDENTIFY word 59 bit 12)");
                return 0;
        }
        if (id->has_sanitize_crypto)
                c->supported |= 1u << PURGE_SANITIZE_CRYPTO;
        else
                c->why_not[PURGE_SANITIZE_CRYPTO] =
                        "the drive does not report CRYPTO SCRAMBLE (IDENTIFY word 59 bit 13)";
        if (id->has_sanitize_block)
                c->supported |= 1u << PURGE_SANITIZE_BLOCK;
        else
                c->why_not[PURGE_SANITIZE_BLOCK] =
                        "the drive does not report BLOCK ERASE (IDENTIFY word 59 bit 15)";
        if (id->has_sanitize_overwrite)
                c->supported |= 1u << PURGE_SANITIZE_OVERWRITE;
        else
                c->why_not[PURGE_SANITIZE_OVERWRITE] =
                        "the drive does not report OVERWRITE (IDENTIFY word 59 bit 14)";
        if (id->is_security_locked) {
                set_sanitize_why(c,
                                 "the drive is locked with a security password kesu does not know (a locked "
                                 "drive aborts SANITIZE)");
                return 0;
        }

        /* The SANITIZE STATUS EXT flags live in COUNT(15:8), which only descriptor sense carries. */
        (void)ata_ensure_descriptor_sense(t);
        struct ata_sanitize_status st;
        int r = ata_sanitize_read_status(t, false, &st, NULL);
        if (r == -ENODATA) {
                set_sanitize_why(c, ata_why_fixed_sense);
                return 0;
        }
        if (r == -EOPNOTSUPP) {
                set_sanitize_why(c, ata_why_satl_rejects);
                return 0;
        }
        if (r < 0)
                return r;
        if (st.is_aborted) {
                switch (st.error_reason) {
                case ATA_SANITIZE_REASON_FAILED:
                        c->is_sanitize_failed = true;
                        break;
                case ATA_SANITIZE_REASON_FROZEN:
                        c->is_frozen = c->is_sanitize_frozen = true;
                        break;
                default:
                        set_sanitize_why(c, "the drive aborts SANITIZE STATUS EXT");
                        return 0;
                }
        }
        if (st.is_frozen)
                c->is_frozen = c->is_sanitize_frozen = true;
        if (st.is_in_progress)
                c->is_sanitize_running = true;
        return 0;
}

int ata_purge_probe(const struct cmd_transport *t, struct purge_caps *ret)
{
        struct purge_caps c = { .family = PURGE_FAMILY_ATA };
        struct ata_identity id;
        struct ata_purge_caps ic;

        int r = ata_identify_caps(t, &id, &ic);
        if (r < 0)
                return r;

        c.why_not[PURGE_NVME_FORMAT_CRYPTO] = "not an NVMe drive";
        c.why_not[PURGE_NVME_FORMAT] = "not an NVMe drive";
        c.why_not[PURGE_SCSI_FORMAT] = "not a SCSI drive (an ATA drive is purged with ATA commands)";
        c.why_not[PURGE_METHOD_NONE] = "no method";

        probe_security(&ic, &c);
        r = probe_sanitize(t, &ic, &c);
        if (r < 0)
                return r;
        ata_hidden_probe(t, &id, &ic, &c.hidden);
        ata_smart_probe(t, &ic, &c.health);

        *ret = c;
        return 0;
}

/* ---- run ------------------------------------------------------------------------------------------ */

/* A frozen drive's refusal, or the operation; caps already checked. 0 or a PURGE_ERR_* / -errno. */
static int run_method(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                      const struct purge_run_options *o, struct purge_report *ret)
{
        /* frozen for this command set only: a BIOS's SECURITY FREEZE LOCK leaves SANITIZE usable */
        if (purge_caps_is_frozen_for(caps, method)) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s",
                         method == PURGE_SECURE_ERASE || method == PURGE_SECURE_ERASE_ENHANCED
                                 ? "the probe found security FROZEN (IDENTIFY word 128 bit 3); nothing was sent"
                                 : "the probe found SANITIZE FROZEN (SANITIZE STATUS EXT); nothing was sent");
                return PURGE_ERR_FROZEN;
        }
        switch (method) {
        case PURGE_SANITIZE_CRYPTO:
        case PURGE_SANITIZE_BLOCK:
        case PURGE_SANITIZE_OVERWRITE:
                return ata_sanitize_run(t, method, o, ret);
        case PURGE_SECURE_ERASE:
        case PURGE_SECURE_ERASE_ENHANCED:
                return ata_security_erase_run(t, method, o, ret);
        default:
                snprintf(ret->error_text, sizeof ret->error_text, "not an ATA method");
                return PURGE_ERR_UNSUPPORTED;
        }
}

int ata_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                  const struct purge_run_options *o, struct purge_report *ret)
{
        o = purge_run_begin(method, o, ret);
        ret->is_password_cleared = true;

        int r = purge_check_supported(caps, PURGE_FAMILY_ATA, method, "not supported", ret);
        if (r == 0)
                r = run_method(t, method, caps, o, ret);
        return purge_run_end(r, ret);
}
