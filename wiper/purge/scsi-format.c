/* SPDX-License-Identifier: MIT */
/*
 * SCSI FORMAT UNIT as a purge (SBC-4: FORMAT UNIT command), method scsi-format: FMTDATA with the
 * short parameter list header, IMMED=1 and no defect list, then REQUEST SENSE polled while it shows
 * NOT READY, FORMAT IN PROGRESS (04h/04h) with its progress.
 *
 * FORMAT UNIT is mandatory for an SBC disk, but SBC does not say it must change the content: QEMU's
 * scsi-hd answers GOOD at once and erases nothing. Its "completed" is only that the drive said GOOD
 * and has no format in progress: at most Clear, and the proof of the content decides. The report says
 * exactly what the drive answered.
 *
 * FMTPINFO 0 formats without protection information: a drive formatted with PI loses it (its data
 * is gone anyway; the owner may reformat with PI).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scsi-purge-internal.h"

int scsi_purge_format(const struct cmd_transport *t, const struct purge_run_options *o,
                      struct purge_report *ret)
{
        const struct scsi_format_unit_args args = { .has_param_list = true };
        const struct scsi_format_unit_header header = { .immed = true };
        uint8_t cdb[SCSI_FORMAT_UNIT_CDB_BYTES];
        uint8_t hdr[SCSI_FORMAT_UNIT_SHORT_HEADER_BYTES];
        char notes[128] = "";
        bool is_desc = true;
        struct scsi_sense s;
        struct cmd_reply reply;

        int r = scsi_build_format_unit_cdb(&args, cdb);
        if (r >= 0)
                r = scsi_build_format_unit_short_header(&header, hdr);
        if (r < 0) {
                ret->error = r;
                return r;
        }
        snprintf(ret->command, sizeof ret->command,
                 "SCSI FORMAT UNIT (04h) FMTDATA=1 FMTPINFO=0, short header IMMED=1, no defect list");
        snprintf(ret->warnings, sizeof ret->warnings,
                 "FORMAT UNIT is at most Clear, and a drive may answer GOOD without erasing: only the proof "
                 "of the content shows it changed");

        /* A format already running is followed to its end first: its parameters are unknown. */
        r = scsi_purge_request_sense(t, &is_desc, &s, &reply);
        if (r < 0)
                return scsi_purge_command_failed("REQUEST SENSE", r, &reply, ret);
        if (s.sense_key == SENSE_KEY_NOT_READY && scsi_purge_asc(&s) == SCSI_ASC_FORMAT_IN_PROGRESS) {
                r = scsi_purge_poll(t, o, 0x04, true, &is_desc, &s, NULL, ret);
                if (r != 0)
                        return r;
                snprintf(notes, sizeof notes, "a format found in progress was followed to its end; ");
        }

        /* IMMED=1: GOOD once the list is checked. The long timeout covers a drive that ignores it. */
        r = cmd_scsi(t, cdb, sizeof cdb, CMD_DIR_TO_DEVICE, hdr, sizeof hdr, CMD_TIMEOUT_LONG_MS, &reply);
        if (r < 0) {
                scsi_purge_command_failed("FORMAT UNIT", r, &reply, ret);
                ret->device_status[0] = 0;
                purge_append(ret->device_status, sizeof ret->device_status, "%s%s", notes, ret->error_text);
                return ret->error;
        }

        unsigned polls = 0;
        s = (struct scsi_sense){ 0 };
        r = scsi_purge_poll(t, o, 0x04, false, &is_desc, &s, &polls, ret);
        char st[160];
        scsi_purge_sense_text(&s, st, sizeof st);
        ret->device_status[0] = 0;
        if (r == 0 && s.sense_key == SENSE_KEY_NO_SENSE && polls == 0)
                purge_append(ret->device_status, sizeof ret->device_status,
                             "%sFORMAT UNIT: GOOD; REQUEST SENSE: no sense, no format in progress", notes);
        else
                purge_append(ret->device_status, sizeof ret->device_status,
                             "%sFORMAT UNIT: GOOD; REQUEST SENSE: format in progress %u times, then %s", notes,
                             polls, st);
        if (r != 0)
                return r;

        if (s.sense_key == SENSE_KEY_NO_SENSE)
                ret->is_completed = true;
        else {
                unsigned asc = scsi_purge_asc(&s);
                ret->error = asc == SCSI_ASC_MEDIUM_FORMAT_CORRUPTED || asc == 0x3101 ? PURGE_ERR_FAILED
                                                                                      : PURGE_ERR_NOT_DONE;
                snprintf(ret->error_text, sizeof ret->error_text, "REQUEST SENSE after FORMAT UNIT: %s", st);
        }
        return ret->error;
}
