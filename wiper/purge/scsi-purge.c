/* SPDX-License-Identifier: MIT */
/*
 * SCSI purge: the probe (INQUIRY, REPORT SUPPORTED OPERATION CODES for SANITIZE and FORMAT UNIT,
 * REQUEST SENSE for an operation in progress or a failed sanitize), the dispatch of a run to
 * SANITIZE (scsi-sanitize.c) or FORMAT UNIT (scsi-format.c), and the REQUEST SENSE polling both
 * share. The CDBs come from wiper/device/scsi-cmd.h, the sense decoding from sense.h.
 *
 * SANITIZE is optional in SBC-4, and nothing but REPORT SUPPORTED OPERATION CODES says whether a
 * drive has it: a drive that rejects that command (QEMU's scsi-hd answers ILLEGAL REQUEST, INVALID
 * COMMAND OPERATION CODE) is not assumed to sanitize. FORMAT UNIT is mandatory for a direct-access
 * device, but it need not erase anything (QEMU's scsi-hd answers GOOD and changes nothing): it is
 * offered at Clear at most, and only the proof of the content decides.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scsi-purge-internal.h"

static const char *sense_key_name(uint8_t key)
{
        static const char *const names[16] = {
                "NO SENSE",       "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
                "HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
                "BLANK CHECK",    "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
                "RESERVED",       "VOLUME OVERFLOW", "MISCOMPARE",     "COMPLETED",
        };
        return names[key & 0xf];
}

static const char *asc_name(unsigned asc)
{
        switch (asc) {
        case 0x0000:
                return "no additional sense information";
        case SCSI_ASC_FORMAT_IN_PROGRESS:
                return "format in progress";
        case SCSI_ASC_SANITIZE_IN_PROGRESS:
                return "sanitize in progress";
        case SCSI_ASC_INVALID_OPCODE:
                return "invalid command operation code";
        case SCSI_ASC_INVALID_FIELD_IN_CDB:
                return "invalid field in CDB";
        case 0x2600:
                return "invalid field in parameter list";
        case 0x2700:
                return "write protected";
        case SCSI_ASC_COMMAND_SEQUENCE_ERROR:
                return "command sequence error";
        case SCSI_ASC_MEDIUM_FORMAT_CORRUPTED:
                return "medium format corrupted";
        case 0x3101:
                return "format command failed";
        case SCSI_ASC_SANITIZE_FAILED:
                return "sanitize command failed";
        default:
                return NULL;
        }
}

void scsi_purge_sense_text(const struct scsi_sense *s, char *buf, size_t n)
{
        if (s->sense_key == SENSE_KEY_NO_SENSE && s->asc == 0 && s->ascq == 0 && !s->has_progress) {
                snprintf(buf, n, "no sense");
                return;
        }
        const char *name = asc_name(scsi_purge_asc(s));
        int len = snprintf(buf, n, "sense key %s (%Xh), ASC/ASCQ %02Xh/%02Xh%s%s%s",
                           sense_key_name(s->sense_key), s->sense_key, s->asc, s->ascq, name ? " (" : "",
                           name ? name : "", name ? ")" : "");
        if (s->has_progress && len > 0 && (size_t)len < n)
                snprintf(buf + len, n - (size_t)len, ", progress %u%%", sense_progress_percent(s->progress));
}

int scsi_purge_command_failed(const char *what, int r, const struct cmd_reply *reply,
                              struct purge_report *ret)
{
        struct scsi_sense s;
        if (r == -EREMOTEIO && reply) {
                ret->error = PURGE_ERR_REFUSED;
                if (reply->scsi_status == SCSI_STATUS_CHECK_CONDITION &&
                    sense_parse(reply->sense, reply->sense_len, &s) == 0) {
                        char t[160];
                        scsi_purge_sense_text(&s, t, sizeof t);
                        snprintf(ret->error_text, sizeof ret->error_text, "%s: CHECK CONDITION, %s", what,
                                 t);
                } else
                        snprintf(ret->error_text, sizeof ret->error_text, "%s: SCSI status %02Xh%s", what,
                                 reply->scsi_status,
                                 reply->scsi_status == SCSI_STATUS_BUSY ? " (BUSY)" : "");
        } else {
                ret->error = r;
                snprintf(ret->error_text, sizeof ret->error_text, "%s: %s", what, strerror(-r));
        }
        return ret->error;
}

static int request_sense_once(const struct cmd_transport *t, bool desc, struct scsi_sense *ret,
                              struct cmd_reply *ret_reply)
{
        uint8_t cdb[SCSI_REQUEST_SENSE_CDB_BYTES];
        uint8_t buf[SCSI_SENSE_MAX_BYTES] = { 0 };
        struct cmd_reply reply;

        int r = scsi_build_request_sense_cdb(desc, SCSI_SENSE_MAX_BYTES, cdb);
        if (r < 0)
                return r;
        r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS,
                     &reply);
        if (ret_reply)
                *ret_reply = reply;
        if (r < 0)
                return r;
        size_t len = sizeof buf;
        if (reply.resid > 0 && (size_t)reply.resid < len)
                len -= (size_t)reply.resid;
        else if (reply.resid > 0)
                len = 0;
        if (len == 0 || (buf[0] & 0x7f) == 0) {
                /* nothing to report: NO SENSE */
                *ret = (struct scsi_sense){ .sense_key = SENSE_KEY_NO_SENSE };
                return 0;
        }
        return sense_parse(buf, len, ret);
}

int scsi_purge_request_sense(const struct cmd_transport *t, bool *is_desc, struct scsi_sense *ret,
                             struct cmd_reply *ret_reply)
{
        struct cmd_reply reply;
        struct scsi_sense s;
        int r = request_sense_once(t, *is_desc, ret, &reply);
        if (r == -EREMOTEIO && *is_desc && reply.scsi_status == SCSI_STATUS_CHECK_CONDITION &&
            sense_parse(reply.sense, reply.sense_len, &s) == 0 && s.sense_key == SENSE_KEY_ILLEGAL_REQUEST) {
                /* SPC: a device without descriptor-format sense may reject DESC=1 */
                *is_desc = false;
                r = request_sense_once(t, false, ret, &reply);
        }
        if (ret_reply)
                *ret_reply = reply;
        return r;
}

static bool is_in_progress(const struct scsi_sense *s, uint8_t ascq)
{
        if (s->sense_key == SENSE_KEY_NOT_READY && s->asc == 0x04 && s->ascq == ascq)
                return true;
        /* SPC: NO SENSE with a progress indication: an operation is still under way */
        return s->sense_key == SENSE_KEY_NO_SENSE && s->has_progress;
}

int scsi_purge_poll(const struct cmd_transport *t, const struct purge_run_options *o,
                    uint8_t ascq_in_progress, bool is_wait_first, bool *is_desc, struct scsi_sense *last,
                    unsigned *ret_polls_in_progress, struct purge_report *ret)
{
        unsigned polls = 0;
        for (bool is_wait = is_wait_first;; is_wait = true) {
                if (is_wait && !purge_wait(o)) {
                        ret->error = PURGE_ERR_INTERRUPTED;
                        snprintf(ret->error_text, sizeof ret->error_text,
                                 "stopped while the drive works (last progress %u%%): the drive goes on "
                                 "with it",
                                 last->has_progress ? sense_progress_percent(last->progress) : 0);
                        break;
                }
                struct cmd_reply reply;
                int r = scsi_purge_request_sense(t, is_desc, last, &reply);
                if (r < 0) {
                        scsi_purge_command_failed("REQUEST SENSE", r, &reply, ret);
                        break;
                }
                if (last->sense_key == SENSE_KEY_UNIT_ATTENTION)
                        continue; /* reported once and cleared: ask again */
                if (!is_in_progress(last, ascq_in_progress))
                        break;
                polls++;
                if (o->progress && last->has_progress)
                        o->progress(o->progress_userdata, last->progress);
        }
        if (ret_polls_in_progress)
                *ret_polls_in_progress = polls;
        return ret->error;
}

/* ---- probe ------------------------------------------------------------------------------------- */

static const struct {
        enum purge_method method;
        enum scsi_sanitize_action action;
        const char *why_not;
} sanitize_kinds[] = {
        { PURGE_SANITIZE_CRYPTO, SCSI_SANITIZE_CRYPTO_ERASE,
          "the drive reports no SANITIZE CRYPTOGRAPHIC ERASE (REPORT SUPPORTED OPERATION CODES)" },
        { PURGE_SANITIZE_BLOCK, SCSI_SANITIZE_BLOCK_ERASE,
          "the drive reports no SANITIZE BLOCK ERASE (REPORT SUPPORTED OPERATION CODES)" },
        { PURGE_SANITIZE_OVERWRITE, SCSI_SANITIZE_OVERWRITE,
          "the drive reports no SANITIZE OVERWRITE (REPORT SUPPORTED OPERATION CODES)" },
};

#define WHY_RSOC_REJECTED                                                                                   \
        "the drive does not list its commands (REPORT SUPPORTED OPERATION CODES rejected): SANITIZE not "   \
        "assumed"

/* One command's support: 1 supported, 0 not, -EREMOTEIO (with *reply) when the device rejected the
 * question, -errno from the transport. */
static int query_opcode(const struct cmd_transport *t, uint8_t opcode, bool has_sa, uint16_t sa,
                        struct cmd_reply *reply)
{
        uint8_t cdb[SCSI_MAINTENANCE_IN_CDB_BYTES];
        uint8_t buf[64] = { 0 };
        struct scsi_opcode_support s;

        int r = scsi_build_report_opcode_cdb(has_sa ? SCSI_RSOC_ONE_COMMAND_SA : SCSI_RSOC_ONE_COMMAND,
                                             opcode, sa, sizeof buf, cdb);
        if (r < 0)
                return r;
        r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS,
                     reply);
        if (r < 0)
                return r;
        size_t len = sizeof buf;
        if (reply->resid > 0 && (size_t)reply->resid <= len)
                len -= (size_t)reply->resid;
        r = scsi_parse_report_opcode_one(buf, len, &s);
        if (r < 0)
                return r;
        return s.is_supported ? 1 : 0;
}

static bool is_illegal_request(const struct cmd_reply *reply)
{
        struct scsi_sense s;
        return reply->scsi_status == SCSI_STATUS_CHECK_CONDITION &&
               sense_parse(reply->sense, reply->sense_len, &s) == 0 &&
               s.sense_key == SENSE_KEY_ILLEGAL_REQUEST;
}

int scsi_purge_probe(const struct cmd_transport *t, struct purge_caps *ret)
{
        uint8_t cdb[SCSI_INQUIRY_CDB_BYTES];
        uint8_t inq[96] = { 0 };
        struct scsi_inquiry q;
        struct cmd_reply reply;
        int r;

        r = scsi_build_inquiry_cdb(sizeof inq, cdb);
        if (r < 0)
                return r;
        r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, inq, sizeof inq, CMD_TIMEOUT_IDENTIFY_MS,
                     &reply);
        if (r < 0)
                return r;
        r = scsi_parse_inquiry(inq, sizeof inq, &q);
        if (r < 0)
                return r;

        struct purge_caps c = { .family = PURGE_FAMILY_SCSI };
        for (enum purge_method m = PURGE_METHOD_NONE + 1; m < _PURGE_METHOD_MAX; m++)
                c.why_not[m] = "not an NVMe drive";
        c.why_not[PURGE_SECURE_ERASE] = c.why_not[PURGE_SECURE_ERASE_ENHANCED] = "not an ATA drive";
        c.health = (struct purge_health){ .is_read = false };
        snprintf(c.health.note, sizeof c.health.note, "SCSI: log pages not read");
        c.hidden = (struct purge_hidden){ .is_examined = false };
        snprintf(c.hidden.note, sizeof c.hidden.note, "SCSI: no host protected areas (SBC has none)");

        if (q.peripheral_qualifier != 0 || (q.peripheral_type != SCSI_PDT_DIRECT_ACCESS &&
                                            q.peripheral_type != SCSI_PDT_ZBC_HOST_MANAGED)) {
                const char *why = "not a SCSI disk (INQUIRY: peripheral device type is not direct access)";
                for (size_t i = 0; i < sizeof sanitize_kinds / sizeof sanitize_kinds[0]; i++)
                        c.why_not[sanitize_kinds[i].method] = why;
                c.why_not[PURGE_SCSI_FORMAT] = why;
                *ret = c;
                return 0;
        }

        bool is_listed = true;
        for (size_t i = 0; i < sizeof sanitize_kinds / sizeof sanitize_kinds[0]; i++) {
                enum purge_method m = sanitize_kinds[i].method;
                if (!is_listed) {
                        c.why_not[m] = WHY_RSOC_REJECTED;
                        continue;
                }
                r = query_opcode(t, SCSI_SANITIZE, true, sanitize_kinds[i].action, &reply);
                if (r == -EREMOTEIO && i == 0) {
                        /* the question itself was refused: the drive does not list its commands */
                        is_listed = false;
                        c.why_not[m] = WHY_RSOC_REJECTED;
                } else if (r < 0 && r != -EREMOTEIO && r != -EBADMSG)
                        return r;
                else if (r == 1) {
                        c.supported |= 1u << m;
                        c.why_not[m] = NULL;
                } else
                        c.why_not[m] = sanitize_kinds[i].why_not;
        }

        /* FORMAT UNIT is mandatory in SBC; a drive that lists its commands may still say it has none. */
        c.supported |= 1u << PURGE_SCSI_FORMAT;
        c.why_not[PURGE_SCSI_FORMAT] = NULL;
        if (is_listed) {
                r = query_opcode(t, SCSI_FORMAT_UNIT, false, 0, &reply);
                if (r == 0 || (r == -EREMOTEIO && is_illegal_request(&reply))) {
                        c.supported &= ~(1u << PURGE_SCSI_FORMAT);
                        c.why_not[PURGE_SCSI_FORMAT] =
                                "the drive reports no FORMAT UNIT (REPORT SUPPORTED OPERATION CODES)";
                } else if (r < 0 && r != -EREMOTEIO && r != -EBADMSG)
                        return r;
        }

        /* An operation in progress, or a failed sanitize, shows in the sense data (SBC-4: sanitize). */
        struct scsi_sense s;
        bool is_desc = true;
        r = scsi_purge_request_sense(t, &is_desc, &s, NULL);
        if (r < 0)
                return r;
        c.is_sanitize_running =
                s.sense_key == SENSE_KEY_NOT_READY && scsi_purge_asc(&s) == SCSI_ASC_SANITIZE_IN_PROGRESS;
        c.is_sanitize_failed = scsi_purge_asc(&s) == SCSI_ASC_SANITIZE_FAILED;

        *ret = c;
        return 0;
}

/* ---- run --------------------------------------------------------------------------------------- */

int scsi_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                   const struct purge_run_options *o, struct purge_report *ret)
{
        o = purge_run_begin(method, o, ret);
        int r = purge_check_supported(caps, PURGE_FAMILY_SCSI, method, "not supported by this drive", ret);
        if (r == 0) {
                switch (method) {
                case PURGE_SANITIZE_CRYPTO:
                case PURGE_SANITIZE_BLOCK:
                case PURGE_SANITIZE_OVERWRITE:
                        scsi_purge_sanitize(t, method, o, ret);
                        break;
                case PURGE_SCSI_FORMAT:
                        scsi_purge_format(t, o, ret);
                        break;
                default:
                        ret->error = PURGE_ERR_UNSUPPORTED;
                        snprintf(ret->error_text, sizeof ret->error_text, "not a SCSI method");
                        break;
                }
        }
        return purge_run_end(ret->error, ret);
}
