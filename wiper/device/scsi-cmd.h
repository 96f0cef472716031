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

#define SCSI_REQUEST_SENSE 0x03
#define SCSI_FORMAT_UNIT   0x04
#define SCSI_SANITIZE      0x48

#define SCSI_SANITIZE_CDB_BYTES      10
#define SCSI_FORMAT_UNIT_CDB_BYTES   6
#define SCSI_REQUEST_SENSE_CDB_BYTES 6

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
