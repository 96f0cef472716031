/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SCSI sense data (SPC-5: fixed format 70h/71h, descriptor format 72h/73h) and the ATA
 * registers a SAT layer puts into it for ATA PASS-THROUGH (SAT-5 ATA Status Return
 * descriptor, fixed format sense data), including the layout Linux libata used before
 * commit 38dab832c3f4 (see SENSE_ATA_LAYOUT_LIBATA_LEGACY). Pure parsers: no device, no output.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sense keys (SPC-5 sense key table) used by the classification. */
enum {
        SENSE_KEY_NO_SENSE = 0x0,
        SENSE_KEY_RECOVERED_ERROR = 0x1,
        SENSE_KEY_NOT_READY = 0x2,
        SENSE_KEY_MEDIUM_ERROR = 0x3,
        SENSE_KEY_HARDWARE_ERROR = 0x4,
        SENSE_KEY_ILLEGAL_REQUEST = 0x5,
        SENSE_KEY_UNIT_ATTENTION = 0x6,
        SENSE_KEY_DATA_PROTECT = 0x7,
        SENSE_KEY_ABORTED_COMMAND = 0xb,
};

/* ATA status and error register bits (ACS-4 Status field, Error field). */
enum {
        ATA_STATUS_ERR = 1u << 0,
        ATA_STATUS_DRQ = 1u << 3,
        ATA_STATUS_DF = 1u << 5,
        ATA_STATUS_DRDY = 1u << 6,
        ATA_STATUS_BSY = 1u << 7,
        ATA_ERROR_ABRT = 1u << 2,
};

/* The ATA output registers of a completed command, as carried back in sense data. */
struct ata_registers {
        uint8_t error;
        uint8_t status;
        uint8_t device;
        uint16_t count;         /* COUNT(15:0); (15:8) is meaningful only when is_count_complete */
        uint64_t lba;           /* LBA(47:0);  bits above 23 only when is_lba_complete */
        bool is_extended;       /* EXTEND bit: the device returned 48-bit output registers */
        bool is_count_complete; /* count holds every bit the device returned */
        bool is_lba_complete;   /* lba holds every bit the device returned */
};

enum sense_ata_layout {
        /* Decide from the bytes; -ENOTUNIQ when they could be either fixed layout. */
        SENSE_ATA_LAYOUT_AUTO,
        /* SAT-5 fixed format: ERROR, STATUS, DEVICE, COUNT(7:0) in the INFORMATION
         * field (bytes 3-6); byte 8 EXTEND/COUNT UPPER NONZERO/LBA UPPER NONZERO; LBA(23:0) in
         * bytes 9-11. Linux libata since 38dab832c3f4 (v6.11, also backported to stable
         * kernels; check the running kernel rather than its major version). */
        SENSE_ATA_LAYOUT_SAT,
        /* libata from v4.7 (11093cb1ef56) until 38dab832c3f4: the same fields written eight
         * bytes too far — ERROR, STATUS, DEVICE, COUNT(7:0) at bytes 8-11, byte 15 zeroed, the
         * EXTEND/UPPER NONZERO byte at 16 and LBA(23:0) at bytes 17-19 (past the 18 bytes the
         * ADDITIONAL SENSE LENGTH 0Ah covers), VALID bit clear. Those kernels used it only for
         * failed commands; successful CK_COND=1 commands always got descriptor format. */
        SENSE_ATA_LAYOUT_LIBATA_LEGACY,
};

/* Sense data decoded (SPC-5 descriptor format, fixed format). */
struct scsi_sense {
        uint8_t response_code; /* 70h, 71h, 72h or 73h */
        bool is_descriptor;    /* 72h/73h */
        bool is_deferred;      /* 71h/73h: the error belongs to an earlier command */
        uint8_t sense_key;
        uint8_t asc;
        uint8_t ascq;
        bool has_information; /* VALID bit (fixed) or a valid Information descriptor (00h) */
        uint64_t information;
        bool has_sks;   /* SKSV: sense-key specific bytes valid */
        uint8_t sks[3]; /* raw SENSE KEY SPECIFIC bytes, SKSV bit included */
        bool has_progress;
        uint16_t progress; /* completed fraction, in 1/65536ths */
        bool has_ata;      /* descriptor format carried an ATA Status Return descriptor (09h) */
        struct ata_registers ata;
};

/* Parses sense data of len bytes (the count the transport wrote). -EBADMSG when the response code
 * is not 70h-73h or the buffer is too short for its format. Fixed-format ATA registers are not
 * decoded here (their layout is ambiguous): use sense_ata_registers(). */
int sense_parse(const uint8_t *buf, size_t len, struct scsi_sense *ret);

/* The ATA registers an ATA PASS-THROUGH command returned in its sense data: the 09h descriptor in
 * descriptor format, or the fixed-format fields in the layout given (layout is ignored for
 * descriptor format). -ENODATA when descriptor-format sense has no 09h descriptor, -ENOTUNIQ when
 * AUTO cannot tell the fixed layouts apart, -EBADMSG for malformed or short sense. */
int sense_ata_registers(const uint8_t *buf, size_t len, enum sense_ata_layout layout,
                        struct ata_registers *ret);

enum sense_result {
        SENSE_RESULT_GOOD,          /* no sense, or NO SENSE/RECOVERED ERROR without ATA registers */
        SENSE_RESULT_ATA_COMPLETED, /* ATA registers returned, no ERR: read ata for the output */
        SENSE_RESULT_ATA_ABORTED,   /* ATA registers with ERR and ABRT: the device refused */
        SENSE_RESULT_ATA_ERROR,     /* ATA registers with ERR (or DF) but not ABRT */
        SENSE_RESULT_IN_PROGRESS,   /* NOT READY, LOGICAL UNIT NOT READY, operation in progress */
        SENSE_RESULT_UNSUPPORTED,   /* ILLEGAL REQUEST: the SATL or device rejected the CDB */
        SENSE_RESULT_OTHER,         /* anything else: look at sense */
};

struct sense_verdict {
        enum sense_result result;
        struct scsi_sense sense; /* zeroed for an empty buffer */
        bool has_ata;
        struct ata_registers ata;
};

/* Classifies the outcome of an ATA PASS-THROUGH command from its sense data (len 0 = the command
 * completed with GOOD status and no sense). Fixed-format ATA registers are decoded in layout; when
 * they cannot be (ambiguous, too short), the verdict is made from the sense key alone. -EBADMSG
 * for malformed sense. */
int sense_classify(const uint8_t *buf, size_t len, enum sense_ata_layout layout, struct sense_verdict *ret);

/* Percent (0-100, rounded down) from a progress fraction of 65536. */
unsigned sense_progress_percent(uint16_t progress);

/* ---- Asking for descriptor-format sense: D_SENSE in the Control mode page (SPC-5) ------------- *
 * The 48-bit ATA output registers (SANITIZE STATUS EXT flags in COUNT(15:8)) survive only in
 * descriptor format; a SATL (Linux libata among them) switches to it when D_SENSE is set. */

#define SCSI_MODE_SENSE_10        0x5a
#define SCSI_MODE_SELECT_10       0x55
#define SCSI_MODE_CDB10_BYTES     10
#define SCSI_MODE_PAGE_CONTROL    0x0a
#define SCSI_MODE_HEADER10_BYTES  8
#define SCSI_CONTROL_PAGE_BYTES   12 /* page code, page length 0Ah, 10 bytes */
#define SCSI_CONTROL_SELECT_BYTES (SCSI_MODE_HEADER10_BYTES + SCSI_CONTROL_PAGE_BYTES)
#define SCSI_CONTROL_PAGE_D_SENSE 0x04 /* byte 2 bit 2 */

/* MODE SENSE(10) of the current Control mode page (PC 00b, page 0Ah, subpage 0), DBD set (no block
 * descriptors), allocation length alloc_bytes. */
void sense_build_mode_sense_control(uint16_t alloc_bytes, uint8_t ret_cdb[SCSI_MODE_CDB10_BYTES]);
/* MODE SELECT(10) with PF 1 (the page format of SPC), SP 0 (not saved), parameter list length
 * param_bytes. */
void sense_build_mode_select(uint16_t param_bytes, uint8_t ret_cdb[SCSI_MODE_CDB10_BYTES]);

struct scsi_control_page {
        bool is_d_sense;                       /* D_SENSE: descriptor-format sense data */
        uint8_t page[SCSI_CONTROL_PAGE_BYTES]; /* the page as returned, from its page code byte */
};

/* Finds the Control mode page in MODE SENSE(10) data of len bytes (after the header and any block
 * descriptors). -EBADMSG for short data, -ENOENT when the first page is not the Control page. */
int sense_parse_control_page(const uint8_t *buf, size_t len, struct scsi_control_page *ret);
/* The MODE SELECT(10) parameter list that sends p back with D_SENSE as asked: a header with MODE
 * DATA LENGTH 0 (reserved for MODE SELECT) and no block descriptors, the page with PS cleared and
 * every other bit as read (a SATL refuses changes to bits it does not let change). */
void sense_build_control_select(const struct scsi_control_page *p, bool is_d_sense,
                                uint8_t ret_buf[SCSI_CONTROL_SELECT_BYTES]);
