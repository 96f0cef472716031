/* SPDX-License-Identifier: MIT */
/* SCSI purge commands: SANITIZE, FORMAT UNIT (SBC-4) and REQUEST SENSE (SPC). Pure builders; the
 * transport sends the bytes, wiper/device/sense.c decodes the answer. */
#include "scsi-cmd.h"

#include <errno.h>
#include <string.h>

#include "wiper-internal.h" /* be16/be32 loads and stores */

/* SANITIZE CDB byte 1 (SBC-4, SANITIZE command). */
enum {
        SCSI_SANITIZE_IMMED = 1u << 7,
        SCSI_SANITIZE_AUSE = 1u << 5,
        SCSI_SANITIZE_SA_MASK = 0x1fu,
};

int scsi_build_sanitize_cdb(enum scsi_sanitize_action action, bool immed, bool ause,
                            uint16_t param_list_bytes, uint8_t ret_cdb[SCSI_SANITIZE_CDB_BYTES])
{
        switch (action) {
        case SCSI_SANITIZE_OVERWRITE:
                /* The list is a 4-byte header and a pattern of at least one byte (SBC-4, service
                 * action table: "greater than 0004h"). */
                if (param_list_bytes <= SCSI_SANITIZE_OVERWRITE_HEADER_BYTES)
                        return -EINVAL;
                break;
        case SCSI_SANITIZE_BLOCK_ERASE:
        case SCSI_SANITIZE_CRYPTO_ERASE:
        case SCSI_SANITIZE_EXIT_FAILURE_MODE:
                if (param_list_bytes != 0)
                        return -EINVAL;
                break;
        default:
                return -EINVAL;
        }

        uint8_t cdb[SCSI_SANITIZE_CDB_BYTES] = { 0 };
        cdb[0] = SCSI_SANITIZE;
        cdb[1] = (uint8_t)((immed ? SCSI_SANITIZE_IMMED : 0) | (ause ? SCSI_SANITIZE_AUSE : 0) |
                           ((unsigned)action & SCSI_SANITIZE_SA_MASK));
        be16_store(cdb + 7, param_list_bytes);
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

/* OVERWRITE parameter list byte 0 (SBC-4, OVERWRITE service action parameter list). */
enum {
        SCSI_OVERWRITE_INVERT = 1u << 7,
        SCSI_OVERWRITE_TEST_SHIFT = 5, /* bits 6:5 */
        SCSI_OVERWRITE_COUNT_MASK = 0x1fu,
};

int scsi_build_sanitize_overwrite_params(const struct scsi_overwrite_params *p, uint32_t logical_block_bytes,
                                         uint8_t *buf, size_t buf_bytes, size_t *ret_len)
{
        if (p->test > 3 || p->overwrite_count == 0 || p->overwrite_count > SCSI_OVERWRITE_COUNT_MASK)
                return -EINVAL;
        /* "shall be greater than zero and shall not exceed the logical block length" */
        if (!p->pattern || p->pattern_bytes == 0 || p->pattern_bytes > logical_block_bytes)
                return -EINVAL;
        size_t len = SCSI_SANITIZE_OVERWRITE_HEADER_BYTES + (size_t)p->pattern_bytes;
        if (len > UINT16_MAX)
                return -EINVAL; /* the CDB's parameter list length is 16 bits */
        if (buf_bytes < len)
                return -ENOBUFS;

        buf[0] = (uint8_t)((p->invert ? SCSI_OVERWRITE_INVERT : 0) |
                           (unsigned)p->test << SCSI_OVERWRITE_TEST_SHIFT | p->overwrite_count);
        buf[1] = 0;
        be16_store(buf + 2, p->pattern_bytes);
        memcpy(buf + SCSI_SANITIZE_OVERWRITE_HEADER_BYTES, p->pattern, p->pattern_bytes);
        *ret_len = len;
        return 0;
}

/* FORMAT UNIT CDB byte 1 (SBC-4, FORMAT UNIT command). */
enum {
        SCSI_FORMAT_FMTPINFO_SHIFT = 6, /* bits 7:6 */
        SCSI_FORMAT_LONGLIST = 1u << 5,
        SCSI_FORMAT_FMTDATA = 1u << 4,
        SCSI_FORMAT_CMPLST = 1u << 3,
        /* bits 2:0 DEFECT LIST FORMAT: 000b, short block format (the list is empty anyway) */
};

int scsi_build_format_unit_cdb(const struct scsi_format_unit_args *a,
                               uint8_t ret_cdb[SCSI_FORMAT_UNIT_CDB_BYTES])
{
        if (a->fmtpinfo > 3 || (a->cmplst && !a->has_param_list))
                return -EINVAL;

        uint8_t cdb[SCSI_FORMAT_UNIT_CDB_BYTES] = { 0 };
        cdb[0] = SCSI_FORMAT_UNIT;
        cdb[1] = (uint8_t)((unsigned)a->fmtpinfo << SCSI_FORMAT_FMTPINFO_SHIFT |
                           (a->has_param_list ? SCSI_FORMAT_FMTDATA : 0) |
                           (a->cmplst ? SCSI_FORMAT_CMPLST : 0));
        /* byte 2 vendor specific, 3-4 obsolete, byte 4 bits 1:0 FFMT 00b (a full format), 5 CONTROL */
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

/* Short parameter list header byte 1 (SBC-4, parameter list header). */
enum {
        SCSI_FORMAT_HDR_FOV = 1u << 7,
        SCSI_FORMAT_HDR_DCRT = 1u << 5,
        SCSI_FORMAT_HDR_IMMED = 1u << 1,
};

int scsi_build_format_unit_short_header(const struct scsi_format_unit_header *h,
                                        uint8_t ret_hdr[SCSI_FORMAT_UNIT_SHORT_HEADER_BYTES])
{
        if (h->protection_field_usage > 7 || (h->dcrt && !h->fov))
                return -EINVAL;

        uint8_t hdr[SCSI_FORMAT_UNIT_SHORT_HEADER_BYTES] = { 0 };
        hdr[0] = h->protection_field_usage;
        hdr[1] = (uint8_t)((h->fov ? SCSI_FORMAT_HDR_FOV : 0) | (h->dcrt ? SCSI_FORMAT_HDR_DCRT : 0) |
                           (h->immed ? SCSI_FORMAT_HDR_IMMED : 0));
        /* bytes 2-3 DEFECT LIST LENGTH: 0 */
        memcpy(ret_hdr, hdr, sizeof hdr);
        return 0;
}

int scsi_build_request_sense_cdb(bool desc, uint8_t alloc_bytes,
                                 uint8_t ret_cdb[SCSI_REQUEST_SENSE_CDB_BYTES])
{
        if (alloc_bytes == 0 || alloc_bytes > SCSI_SENSE_MAX_BYTES)
                return -EINVAL;

        uint8_t cdb[SCSI_REQUEST_SENSE_CDB_BYTES] = { 0 };
        cdb[0] = SCSI_REQUEST_SENSE;
        cdb[1] = desc ? 0x01 : 0x00; /* DESC */
        cdb[4] = alloc_bytes;
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

int scsi_build_inquiry_cdb(uint16_t alloc_bytes, uint8_t ret_cdb[SCSI_INQUIRY_CDB_BYTES])
{
        if (alloc_bytes < 5)
                return -EINVAL;

        uint8_t cdb[SCSI_INQUIRY_CDB_BYTES] = { 0 };
        cdb[0] = SCSI_INQUIRY;
        /* byte 1 EVPD 0, byte 2 PAGE CODE 0: the standard data */
        be16_store(cdb + 3, alloc_bytes);
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

/* SCSI strings are ASCII, space padded. */
static void scsi_string(const uint8_t *p, size_t n, char *out)
{
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                out[i] = (p[i] >= 0x20 && p[i] <= 0x7e) ? (char)p[i] : ' ';
                if (out[i] != ' ')
                        len = i + 1;
        }
        out[len] = 0;
}

/* Standard INQUIRY data (SPC, standard INQUIRY data format). */
enum {
        INQ_PDT = 0,
        INQ_RMB = 1,
        INQ_VERSION = 2,
        INQ_VENDOR = 8,    /* 8 bytes */
        INQ_PRODUCT = 16,  /* 16 bytes */
        INQ_REVISION = 32, /* 4 bytes */
};

int scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *ret)
{
        if (!buf || len < SCSI_INQUIRY_STANDARD_BYTES)
                return -EBADMSG;

        struct scsi_inquiry q = { 0 };
        q.peripheral_qualifier = buf[INQ_PDT] >> 5;
        q.peripheral_type = buf[INQ_PDT] & 0x1f;
        q.is_removable = buf[INQ_RMB] & 0x80;
        q.version = buf[INQ_VERSION];
        scsi_string(buf + INQ_VENDOR, 8, q.vendor);
        scsi_string(buf + INQ_PRODUCT, 16, q.product);
        scsi_string(buf + INQ_REVISION, 4, q.revision);
        *ret = q;
        return 0;
}

int scsi_build_report_opcode_cdb(enum scsi_rsoc_options option, uint8_t opcode, uint16_t service_action,
                                 uint32_t alloc_bytes, uint8_t ret_cdb[SCSI_MAINTENANCE_IN_CDB_BYTES])
{
        if (option != SCSI_RSOC_ONE_COMMAND && option != SCSI_RSOC_ONE_COMMAND_SA)
                return -EINVAL;
        /* with 001b the device server would reject a non-zero REQUESTED SERVICE ACTION */
        if (option == SCSI_RSOC_ONE_COMMAND && service_action != 0)
                return -EINVAL;
        if (alloc_bytes < SCSI_RSOC_ONE_HEADER_BYTES)
                return -EINVAL;

        uint8_t cdb[SCSI_MAINTENANCE_IN_CDB_BYTES] = { 0 };
        cdb[0] = SCSI_MAINTENANCE_IN;
        cdb[1] = SCSI_SA_REPORT_SUPPORTED_OPCODES; /* bits 4:0 */
        cdb[2] = (uint8_t)option;                  /* RCTD (bit 7) 0 */
        cdb[3] = opcode;
        be16_store(cdb + 4, service_action);
        be32_store(cdb + 6, alloc_bytes);
        memcpy(ret_cdb, cdb, sizeof cdb);
        return 0;
}

/* one_command parameter data (SPC, REPORT SUPPORTED OPERATION CODES). */
enum {
        RSOC_SUPPORT = 1, /* bits 2:0; CTDP bit 7 */
        RSOC_CDB_SIZE = 2,
        RSOC_USAGE = 4,
};

int scsi_parse_report_opcode_one(const uint8_t *buf, size_t len, struct scsi_opcode_support *ret)
{
        if (!buf || len < SCSI_RSOC_ONE_HEADER_BYTES)
                return -EBADMSG;

        struct scsi_opcode_support o = { 0 };
        o.support = buf[RSOC_SUPPORT] & 0x7;
        o.is_supported = o.support == SCSI_RSOC_SUPPORT_STANDARD || o.support == SCSI_RSOC_SUPPORT_VENDOR;
        o.cdb_bytes = be16_load(buf + RSOC_CDB_SIZE);
        if (o.is_supported) {
                if (o.cdb_bytes == 0 || RSOC_USAGE + (size_t)o.cdb_bytes > len)
                        return -EBADMSG;
                memcpy(o.usage, buf + RSOC_USAGE,
                       o.cdb_bytes < sizeof o.usage ? o.cdb_bytes : sizeof o.usage);
        }
        *ret = o;
        return 0;
}
