/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SCSI purge commands: CDB and parameter-list builders for SANITIZE and FORMAT UNIT (SBC-4) and
 * REQUEST SENSE (SPC-4/SPC-5). Pure: they fill bytes (multi-byte fields big-endian) and never touch
 * a device. The answers -- sense data, with a running sanitize or format's progress in its
 * sense-key-specific bytes -- are decoded by wiper/device/sense.h, not here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSI_REQUEST_SENSE  0x03
#define SCSI_FORMAT_UNIT    0x04
#define SCSI_INQUIRY        0x12
#define SCSI_SANITIZE       0x48
#define SCSI_MAINTENANCE_IN 0xa3

#define SCSI_SANITIZE_CDB_BYTES       10
#define SCSI_FORMAT_UNIT_CDB_BYTES    6
#define SCSI_REQUEST_SENSE_CDB_BYTES  6
#define SCSI_INQUIRY_CDB_BYTES        6
#define SCSI_MAINTENANCE_IN_CDB_BYTES 12

/* The largest sense data SPC lets a device return (REQUEST SENSE allocation length). */
#define SCSI_SENSE_MAX_BYTES 252

/* ---- SANITIZE (SBC-4, SANITIZE command) ------------------------------------------------------- */

/* SANITIZE service actions (SBC-4, SANITIZE service action codes). */
enum scsi_sanitize_action {
        SCSI_SANITIZE_OVERWRITE = 0x01,
        SCSI_SANITIZE_BLOCK_ERASE = 0x02,
        SCSI_SANITIZE_CRYPTO_ERASE = 0x03,
        SCSI_SANITIZE_EXIT_FAILURE_MODE = 0x1f,
};

/* The OVERWRITE parameter list header; the initialization pattern follows it. */
#define SCSI_SANITIZE_OVERWRITE_HEADER_BYTES 4

/* Fills a SANITIZE CDB: byte 1 IMMED (bit 7), AUSE (bit 5), service action (4:0); bytes 7-8 the
 * parameter list length. ZNR (zoned no reset) is left clear. -EINVAL for an unknown action, an
 * OVERWRITE with a parameter list length of 4 or less (it must carry a pattern), or another action
 * with a non-zero parameter list length. */
int scsi_build_sanitize_cdb(enum scsi_sanitize_action action, bool immed, bool ause,
                            uint16_t param_list_bytes, uint8_t ret_cdb[SCSI_SANITIZE_CDB_BYTES]);

struct scsi_overwrite_params {
        bool invert;             /* INVERT: invert the pattern between passes */
        uint8_t test;            /* TEST, 0-3; 0 for a real sanitize */
        uint8_t overwrite_count; /* OVERWRITE COUNT, 1-31 passes */
        const uint8_t *pattern;  /* INITIALIZATION PATTERN */
        uint16_t pattern_bytes;  /* 1 .. the logical block length */
};

/* Writes the OVERWRITE service action parameter list for p into buf (buf_bytes long) and sets
 * *ret_len to its length (4 + pattern bytes: the SANITIZE CDB's parameter list length).
 * logical_block_bytes bounds the pattern. -EINVAL for a field out of range, -ENOBUFS when buf is too
 * small; buf is not written then. */
int scsi_build_sanitize_overwrite_params(const struct scsi_overwrite_params *p, uint32_t logical_block_bytes,
                                         uint8_t *buf, size_t buf_bytes, size_t *ret_len);

/* ---- FORMAT UNIT (SBC-4, FORMAT UNIT command) ------------------------------------------------- */

#define SCSI_FORMAT_UNIT_SHORT_HEADER_BYTES 4

struct scsi_format_unit_args {
        uint8_t fmtpinfo;    /* FMTPINFO (byte 1 bits 7:6), 0-3: with PFU, the protection type */
        bool has_param_list; /* FMTDATA: a parameter list (here: the short header) follows */
        bool cmplst;         /* CMPLST: the (empty) defect list replaces the grown list */
};

/* Fills a FORMAT UNIT CDB (LONGLIST 0: the short header; defect list format 000b; FFMT 0).
 * -EINVAL for FMTPINFO > 3 or CMPLST without a parameter list (CMPLST is only meaningful with
 * FMTDATA). */
int scsi_build_format_unit_cdb(const struct scsi_format_unit_args *a,
                               uint8_t ret_cdb[SCSI_FORMAT_UNIT_CDB_BYTES]);

struct scsi_format_unit_header {
        uint8_t protection_field_usage; /* PROTECTION FIELD USAGE, 0-7 */
        bool fov;                       /* FOV: DCRT below is meant, not the device's default */
        bool dcrt;                      /* DCRT: disable certification (verify) */
        bool immed;                     /* IMMED: return status once the list is checked */
};

/* Fills the 4-byte short parameter list header (defect list length 0: no defect list). -EINVAL for
 * PROTECTION FIELD USAGE > 7 or DCRT without FOV (SBC: FOV 0 requires DPRY, DCRT, STPF and IP 0). */
int scsi_build_format_unit_short_header(const struct scsi_format_unit_header *h,
                                        uint8_t ret_hdr[SCSI_FORMAT_UNIT_SHORT_HEADER_BYTES]);

/* ---- REQUEST SENSE (SPC, REQUEST SENSE command) ----------------------------------------------- */

/* Fills a REQUEST SENSE CDB: DESC (byte 1 bit 0) asks for descriptor-format sense, allocation
 * length in byte 4. -EINVAL for an allocation length of 0 or above SCSI_SENSE_MAX_BYTES. */
int scsi_build_request_sense_cdb(bool desc, uint8_t alloc_bytes,
                                 uint8_t ret_cdb[SCSI_REQUEST_SENSE_CDB_BYTES]);

/* ---- INQUIRY (SPC, INQUIRY command; standard INQUIRY data) ------------------------------------ */

#define SCSI_INQUIRY_STANDARD_BYTES 36 /* the fields below; a device may return more */

/* Peripheral device types (SPC, standard INQUIRY data byte 0 bits 4:0) a purge can handle. */
enum {
        SCSI_PDT_DIRECT_ACCESS = 0x00, /* SBC: a disk */
        SCSI_PDT_ZBC_HOST_MANAGED = 0x14,
};

/* Fills an INQUIRY CDB for the standard data (EVPD 0, page code 0) with allocation length
 * alloc_bytes (bytes 3-4). -EINVAL for an allocation length below 5 (the header). */
int scsi_build_inquiry_cdb(uint16_t alloc_bytes, uint8_t ret_cdb[SCSI_INQUIRY_CDB_BYTES]);

struct scsi_inquiry {
        uint8_t peripheral_qualifier; /* byte 0 bits 7:5; 0: a device is connected to this LUN */
        uint8_t peripheral_type;      /* byte 0 bits 4:0 */
        bool is_removable;            /* RMB */
        uint8_t version;              /* the SPC version the device claims */
        char vendor[9];               /* trimmed ASCII, as product and revision */
        char product[17];
        char revision[5];
};

/* Decodes standard INQUIRY data of len bytes. -EBADMSG when shorter than
 * SCSI_INQUIRY_STANDARD_BYTES. */
int scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *ret);

/* ---- REPORT SUPPORTED OPERATION CODES (SPC, MAINTENANCE IN service action 0Ch) --------------- */

#define SCSI_SA_REPORT_SUPPORTED_OPCODES 0x0c
#define SCSI_RSOC_ONE_HEADER_BYTES       4 /* one_command parameter data: header before CDB USAGE DATA */

/* REPORTING OPTIONS (CDB byte 2 bits 2:0). */
enum scsi_rsoc_options {
        SCSI_RSOC_ONE_COMMAND = 0x1,    /* one opcode without service actions */
        SCSI_RSOC_ONE_COMMAND_SA = 0x2, /* one opcode and service action */
};

/* Fills a REPORT SUPPORTED OPERATION CODES CDB asking about one command: REQUESTED OPERATION CODE
 * byte 3, REQUESTED SERVICE ACTION bytes 4-5, ALLOCATION LENGTH bytes 6-9; RCTD 0 (no timeouts
 * descriptor). -EINVAL for another reporting option, a non-zero service action with
 * SCSI_RSOC_ONE_COMMAND (the device server would reject it), or an allocation length below the
 * 4-byte header. */
int scsi_build_report_opcode_cdb(enum scsi_rsoc_options option, uint8_t opcode, uint16_t service_action,
                                 uint32_t alloc_bytes, uint8_t ret_cdb[SCSI_MAINTENANCE_IN_CDB_BYTES]);

/* SUPPORT field of the one_command parameter data (byte 1 bits 2:0). */
enum scsi_rsoc_support {
        SCSI_RSOC_SUPPORT_NOT_AVAILABLE = 0x0, /* data not currently available */
        SCSI_RSOC_SUPPORT_NONE = 0x1,          /* the device server does not support the command */
        SCSI_RSOC_SUPPORT_STANDARD = 0x3,      /* supported as the standard says */
        SCSI_RSOC_SUPPORT_VENDOR = 0x5,        /* supported in a vendor-specific manner */
};

struct scsi_opcode_support {
        uint8_t support;    /* SUPPORT, enum scsi_rsoc_support (reserved values kept as sent) */
        bool is_supported;  /* SUPPORT 011b or 101b */
        uint16_t cdb_bytes; /* CDB SIZE: the length of the usage data */
        uint8_t usage[32];  /* CDB USAGE DATA (the first 32 bytes): which CDB bits the device reads */
};

/* Decodes one_command parameter data of len bytes. -EBADMSG when shorter than the header, or when
 * a supported command's CDB SIZE runs past len. */
int scsi_parse_report_opcode_one(const uint8_t *buf, size_t len, struct scsi_opcode_support *ret);
