/* SPDX-License-Identifier: MIT */
/* SCSI sense data and the ATA registers in it (SPC-5 sense data; SAT-5 ATA PASS-THROUGH sense). */
#include "sense.h"

#include <errno.h>
#include <string.h>

/* Response codes (SPC-5, RESPONSE CODE). */
enum {
        SENSE_FIXED_CURRENT = 0x70,
        SENSE_FIXED_DEFERRED = 0x71,
        SENSE_DESC_CURRENT = 0x72,
        SENSE_DESC_DEFERRED = 0x73,
};

/* Sense data descriptor types (SPC-5 descriptor types; SAT-5 ATA Status Return). */
enum {
        SENSE_DESC_INFORMATION = 0x00,
        SENSE_DESC_SENSE_KEY_SPECIFIC = 0x02,
        SENSE_DESC_ATA_STATUS_RETURN = 0x09,
};

/* Fixed format byte offsets (SPC-5 fixed format sense data). */
enum {
        FIXED_INFORMATION = 3, /* 4 bytes, big-endian */
        FIXED_ADDITIONAL_LENGTH = 7,
        FIXED_ASC = 12,
        FIXED_ASCQ = 13,
        FIXED_SKS = 15, /* 3 bytes */
        FIXED_MIN_BYTES = 8,
        DESC_MIN_BYTES = 8,
};

#define SKSV 0x80u

static uint64_t be_load(const uint8_t *p, size_t n)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

/* SPC-5: for NO SENSE and NOT READY the sense-key specific field is the PROGRESS
 * INDICATION, a fraction of 65536 in bytes 1-2. */
static void decode_sks(struct scsi_sense *s, const uint8_t sks[3])
{
        if (!(sks[0] & SKSV))
                return;
        s->has_sks = true;
        memcpy(s->sks, sks, 3);
        if (s->sense_key == SENSE_KEY_NO_SENSE || s->sense_key == SENSE_KEY_NOT_READY) {
                s->has_progress = true;
                s->progress = (uint16_t)be_load(sks + 1, 2);
        }
}

/* SAT-5 ATA Status Return sense data descriptor, 14 bytes. */
static void decode_ata_descriptor(const uint8_t *d, struct ata_registers *r)
{
        *r = (struct ata_registers){
                .is_extended = d[2] & 0x01,
                .error = d[3],
                .count = (uint16_t)(d[4] << 8 | d[5]),
                .lba = (uint64_t)d[7] | (uint64_t)d[9] << 8 | (uint64_t)d[11] << 16 | (uint64_t)d[6] << 24 |
                       (uint64_t)d[8] << 32 | (uint64_t)d[10] << 40,
                .device = d[12],
                .status = d[13],
        };
        /* Without EXTEND the upper bytes are not output registers. */
        if (!r->is_extended) {
                r->count &= 0xff;
                r->lba &= 0xffffff;
        }
        r->is_count_complete = true;
        r->is_lba_complete = true;
}

static int parse_descriptors(const uint8_t *buf, size_t end, struct scsi_sense *s)
{
        size_t pos = DESC_MIN_BYTES;
        while (pos + 2 <= end) {
                const uint8_t *d = buf + pos;
                size_t dlen = (size_t)d[1] + 2;
                if (pos + dlen > end)
                        return -EBADMSG; /* a descriptor runs past the sense data */
                switch (d[0]) {
                case SENSE_DESC_INFORMATION:
                        if (dlen >= 12 && (d[2] & 0x80)) {
                                s->has_information = true;
                                s->information = be_load(d + 4, 8);
                        }
                        break;
                case SENSE_DESC_SENSE_KEY_SPECIFIC:
                        if (dlen >= 8)
                                decode_sks(s, d + 4);
                        break;
                case SENSE_DESC_ATA_STATUS_RETURN:
                        if (dlen >= 14 && !s->has_ata) {
                                decode_ata_descriptor(d, &s->ata);
                                s->has_ata = true;
                        }
                        break;
                default:
                        break;
                }
                pos += dlen;
        }
        return 0;
}

int sense_parse(const uint8_t *buf, size_t len, struct scsi_sense *ret)
{
        struct scsi_sense s = { 0 };

        if (!buf || len < 1)
                return -EBADMSG;
        s.response_code = buf[0] & 0x7f;
        switch (s.response_code) {
        case SENSE_FIXED_CURRENT:
        case SENSE_FIXED_DEFERRED: {
                if (len < FIXED_MIN_BYTES)
                        return -EBADMSG;
                size_t end = FIXED_MIN_BYTES + (size_t)buf[FIXED_ADDITIONAL_LENGTH];
                if (end > len)
                        end = len;
                s.is_deferred = s.response_code == SENSE_FIXED_DEFERRED;
                s.sense_key = buf[2] & 0x0f;
                if (buf[0] & 0x80) { /* VALID */
                        s.has_information = true;
                        s.information = be_load(buf + FIXED_INFORMATION, 4);
                }
                if (end > FIXED_ASCQ) {
                        s.asc = buf[FIXED_ASC];
                        s.ascq = buf[FIXED_ASCQ];
                }
                if (end >= FIXED_SKS + 3)
                        decode_sks(&s, buf + FIXED_SKS);
                break;
        }
        case SENSE_DESC_CURRENT:
        case SENSE_DESC_DEFERRED: {
                if (len < DESC_MIN_BYTES)
                        return -EBADMSG;
                size_t end = DESC_MIN_BYTES + (size_t)buf[7];
                if (end > len)
                        end = len;
                s.is_descriptor = true;
                s.is_deferred = s.response_code == SENSE_DESC_DEFERRED;
                s.sense_key = buf[1] & 0x0f;
                s.asc = buf[2];
                s.ascq = buf[3];
                int r = parse_descriptors(buf, end, &s);
                if (r < 0)
                        return r;
                break;
        }
        default:
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

/* The fixed-format fields shared by both layouts, found at base (the ERROR byte) and flags (the
 * EXTEND / COUNT UPPER NONZERO / LBA UPPER NONZERO byte, followed by LBA(7:0), (15:8), (23:16)). */
static void decode_fixed_registers(const uint8_t *base, const uint8_t *flags, struct ata_registers *r)
{
        *r = (struct ata_registers){
                .error = base[0],
                .status = base[1],
                .device = base[2],
                .count = base[3],
                .lba = (uint64_t)flags[1] | (uint64_t)flags[2] << 8 | (uint64_t)flags[3] << 16,
                .is_extended = flags[0] & 0x80,
                /* Only "non-zero" flags travel for the upper bytes: when clear, the upper bytes
                 * were zero and the value is complete. */
                .is_count_complete = !(flags[0] & 0x40),
                .is_lba_complete = !(flags[0] & 0x20),
        };
}

enum {
        SAT_FIXED_REGS = 3,     /* ERROR, STATUS, DEVICE, COUNT(7:0) in bytes 3-6 */
        SAT_FIXED_FLAGS = 8,    /* flags, LBA(7:0), LBA(15:8), LBA(23:16) in bytes 8-11 */
        LEGACY_FIXED_REGS = 8,  /* bytes 8-11 */
        LEGACY_FIXED_FLAGS = 16 /* bytes 16-19 */
};

static enum sense_ata_layout detect_fixed_layout(const uint8_t *buf, size_t len)
{
        /* libata's legacy layout never set VALID; the SAT layout puts a STATUS in byte 4, and a
         * completed ATA command always reports some status bit (at least DRDY). */
        if ((buf[0] & 0x80) || buf[SAT_FIXED_REGS + 1] != 0)
                return SENSE_ATA_LAYOUT_SAT;
        if (len >= LEGACY_FIXED_FLAGS + 4 && buf[LEGACY_FIXED_REGS + 1] != 0 && buf[3] == 0 && buf[5] == 0 &&
            buf[6] == 0)
                return SENSE_ATA_LAYOUT_LIBATA_LEGACY;
        return SENSE_ATA_LAYOUT_AUTO; /* undecided */
}

int sense_ata_registers(const uint8_t *buf, size_t len, enum sense_ata_layout layout,
                        struct ata_registers *ret)
{
        struct scsi_sense s;
        int r = sense_parse(buf, len, &s);
        if (r < 0)
                return r;

        if (s.is_descriptor) {
                if (!s.has_ata)
                        return -ENODATA;
                *ret = s.ata;
                return 0;
        }

        if (layout == SENSE_ATA_LAYOUT_AUTO) {
                if (len < SAT_FIXED_FLAGS + 4)
                        return -EBADMSG;
                layout = detect_fixed_layout(buf, len);
                if (layout == SENSE_ATA_LAYOUT_AUTO)
                        return -ENOTUNIQ;
        }

        struct ata_registers regs;
        switch (layout) {
        case SENSE_ATA_LAYOUT_SAT:
                if (len < SAT_FIXED_FLAGS + 4)
                        return -EBADMSG;
                decode_fixed_registers(buf + SAT_FIXED_REGS, buf + SAT_FIXED_FLAGS, &regs);
                break;
        case SENSE_ATA_LAYOUT_LIBATA_LEGACY:
                /* The legacy layout wrote past ADDITIONAL SENSE LENGTH, so only the count of bytes
                 * the transport returned bounds it. */
                if (len < LEGACY_FIXED_FLAGS + 4)
                        return -EBADMSG;
                decode_fixed_registers(buf + LEGACY_FIXED_REGS, buf + LEGACY_FIXED_FLAGS, &regs);
                break;
        default:
                return -EINVAL;
        }
        *ret = regs;
        return 0;
}

/* SPC-5 Annex F (ASC/ASCQ assignments): 04h/04h FORMAT IN PROGRESS, 04h/07h OPERATION IN PROGRESS,
 * 04h/09h SELF-TEST IN PROGRESS, 04h/1Bh SANITIZE IN PROGRESS. */
static bool is_in_progress(const struct scsi_sense *s)
{
        if (s->sense_key != SENSE_KEY_NOT_READY || s->asc != 0x04)
                return false;
        return s->ascq == 0x04 || s->ascq == 0x07 || s->ascq == 0x09 || s->ascq == 0x1b;
}

int sense_classify(const uint8_t *buf, size_t len, enum sense_ata_layout layout, struct sense_verdict *ret)
{
        struct sense_verdict v = { .result = SENSE_RESULT_GOOD };

        if (len == 0) {
                *ret = v;
                return 0;
        }
        int r = sense_parse(buf, len, &v.sense);
        if (r < 0)
                return r;

        struct ata_registers regs;
        if (sense_ata_registers(buf, len, layout, &regs) == 0) {
                v.has_ata = true;
                v.ata = regs;
        }

        if (is_in_progress(&v.sense))
                v.result = SENSE_RESULT_IN_PROGRESS;
        else if (v.sense.sense_key == SENSE_KEY_ILLEGAL_REQUEST)
                v.result = SENSE_RESULT_UNSUPPORTED;
        else if (v.has_ata && (v.ata.status & ATA_STATUS_ERR) && (v.ata.error & ATA_ERROR_ABRT))
                v.result = SENSE_RESULT_ATA_ABORTED;
        else if (v.has_ata && (v.ata.status & (ATA_STATUS_ERR | ATA_STATUS_DF)))
                v.result = SENSE_RESULT_ATA_ERROR;
        else if (v.has_ata)
                v.result = SENSE_RESULT_ATA_COMPLETED;
        else if (v.sense.sense_key == SENSE_KEY_NO_SENSE || v.sense.sense_key == SENSE_KEY_RECOVERED_ERROR)
                v.result = SENSE_RESULT_GOOD;
        else
                v.result = SENSE_RESULT_OTHER;
        *ret = v;
        return 0;
}

unsigned sense_progress_percent(uint16_t progress)
{
        return (unsigned)(((uint32_t)progress * 100u) >> 16);
}

/* ---- Control mode page, SPC-5 -------------------------------------------------------------------
 * MODE SENSE(10): [0] 5Ah [1] LLBAA(4) DBD(3) [2] PC(7:6) PAGE CODE(5:0) [3] SUBPAGE [7-8] ALLOCATION
 * LENGTH. MODE SELECT(10): [0] 55h [1] PF(4) SP(0) [7-8] PARAMETER LIST LENGTH. Mode parameter
 * header(10): [0-1] MODE DATA LENGTH [2] MEDIUM TYPE [3] DEVICE-SPECIFIC [4] LONGLBA [6-7] BLOCK
 * DESCRIPTOR LENGTH. Control page: [0] PS(7) SPF(6) 0Ah [1] 0Ah [2] TST TMF_ONLY DPICZ D_SENSE(2)
 * GLTSD RLEC. */

enum {
        MODE_DBD = 1u << 3,
        MODE_PF = 1u << 4,
        MODE_PS = 1u << 7,
        MODE_SPF = 1u << 6,
};

void sense_build_mode_sense_control(uint16_t alloc_bytes, uint8_t ret_cdb[SCSI_MODE_CDB10_BYTES])
{
        memset(ret_cdb, 0, SCSI_MODE_CDB10_BYTES);
        ret_cdb[0] = SCSI_MODE_SENSE_10;
        ret_cdb[1] = MODE_DBD;
        ret_cdb[2] = SCSI_MODE_PAGE_CONTROL; /* PC 00b: current values */
        ret_cdb[7] = (uint8_t)(alloc_bytes >> 8);
        ret_cdb[8] = (uint8_t)alloc_bytes;
}

void sense_build_mode_select(uint16_t param_bytes, uint8_t ret_cdb[SCSI_MODE_CDB10_BYTES])
{
        memset(ret_cdb, 0, SCSI_MODE_CDB10_BYTES);
        ret_cdb[0] = SCSI_MODE_SELECT_10;
        ret_cdb[1] = MODE_PF;
        ret_cdb[7] = (uint8_t)(param_bytes >> 8);
        ret_cdb[8] = (uint8_t)param_bytes;
}

int sense_parse_control_page(const uint8_t *buf, size_t len, struct scsi_control_page *ret)
{
        struct scsi_control_page p = { 0 };

        if (!buf || len < SCSI_MODE_HEADER10_BYTES)
                return -EBADMSG;
        size_t data_end = 2 + (size_t)be_load(buf, 2); /* MODE DATA LENGTH excludes itself */
        if (data_end < len)
                len = data_end;
        size_t pos = SCSI_MODE_HEADER10_BYTES + (size_t)be_load(buf + 6, 2);
        if (pos + 2 > len)
                return -EBADMSG;
        if ((buf[pos] & 0x3f) != SCSI_MODE_PAGE_CONTROL || (buf[pos] & MODE_SPF))
                return -ENOENT;
        if (buf[pos + 1] != SCSI_CONTROL_PAGE_BYTES - 2 || pos + SCSI_CONTROL_PAGE_BYTES > len)
                return -EBADMSG;
        memcpy(p.page, buf + pos, SCSI_CONTROL_PAGE_BYTES);
        p.is_d_sense = p.page[2] & SCSI_CONTROL_PAGE_D_SENSE;
        *ret = p;
        return 0;
}

void sense_build_control_select(const struct scsi_control_page *p, bool is_d_sense,
                                uint8_t ret_buf[SCSI_CONTROL_SELECT_BYTES])
{
        memset(ret_buf, 0, SCSI_MODE_HEADER10_BYTES);
        uint8_t *page = ret_buf + SCSI_MODE_HEADER10_BYTES;
        memcpy(page, p->page, SCSI_CONTROL_PAGE_BYTES);
        page[0] &= (uint8_t)~MODE_PS; /* PS is reserved in MODE SELECT */
        if (is_d_sense)
                page[2] |= SCSI_CONTROL_PAGE_D_SENSE;
        else
                page[2] &= (uint8_t)~SCSI_CONTROL_PAGE_D_SENSE;
}
