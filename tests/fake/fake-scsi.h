/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A stateful fake SCSI disk behind the command transport (tests only; plain C, no cmocka, so any
 * test binary can link it). It answers the commands kesu's purge sends as SPC-5 and SBC-4 say a
 * direct-access device does:
 *
 *   INQUIRY (12h)                 standard data: peripheral type, vendor/product/revision from the
 *                                 config; EVPD is not supported (ILLEGAL REQUEST, 24h/00h).
 *   REPORT SUPPORTED OPERATION    reporting options 001b and 010b (one command): SUPPORT 011b for the
 *   CODES (A3h/0Ch)               commands the fake has (SANITIZE per service action as configured,
 *                                 FORMAT UNIT, INQUIRY, REQUEST SENSE, TEST UNIT READY), 001b for the
 *                                 rest; 001b for an opcode with service actions is ILLEGAL REQUEST.
 *                                 is_rsoc_rejected: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE
 *                                 (20h/00h), as QEMU's scsi-hd answers any MAINTENANCE IN.
 *   SANITIZE (48h)                a configured service action (others: ILLEGAL REQUEST 24h/00h);
 *                                 OVERWRITE takes its parameter list (count >= 1, a 1- or 4-byte
 *                                 pattern; else 26h/00h). IMMED=1: GOOD at once, the operation runs
 *                                 for sanitize_polls REQUEST SENSEs; IMMED=0: done before GOOD. It
 *                                 ends filling the medium (crypto: random, block: zeros, overwrite:
 *                                 the pattern) or, with is_sanitize_failing, in the failure state:
 *                                 31h/03h SANITIZE COMMAND FAILED until EXIT FAILURE MODE (refused
 *                                 with ILLEGAL REQUEST 24h/00h when the failed one had AUSE=0) or a
 *                                 successful sanitize. EXIT FAILURE MODE outside it: ILLEGAL REQUEST,
 *                                 COMMAND SEQUENCE ERROR (2Ch/00h).
 *   FORMAT UNIT (04h)             FMTDATA with the 4-byte short header (IMMED honoured) or none;
 *                                 runs for format_polls REQUEST SENSEs with IMMED, and zeroes the
 *                                 medium. is_format_qemu_like: GOOD at once, nothing changed (QEMU's
 *                                 scsi-hd).
 *   REQUEST SENSE (03h)           the state, as fixed (70h) or descriptor (72h) sense as DESC asks:
 *                                 NOT READY 04h/1Bh (sanitize) or 04h/04h (format) with the progress
 *                                 in the sense-key-specific bytes; MEDIUM ERROR 31h/03h after a failed
 *                                 sanitize; else NO SENSE. Each one while an operation runs advances
 *                                 it one step; the (N+1)th finds it ended.
 *   TEST UNIT READY (00h)         GOOD, or the NOT READY / MEDIUM ERROR of the state.
 *   While a sanitize runs         every other command but INQUIRY, REPORT SUPPORTED OPERATION CODES,
 *                                 REQUEST SENSE gets CHECK CONDITION NOT READY 04h/1Bh (SBC-4).
 *   SECURITY PROTOCOL IN (A2h)    with a TPer (config tper, tests/fake/fake-tper.h): IF-RECV / IF-SEND
 *   SECURITY PROTOCOL OUT (B5h)   of the CDB's protocol, SP specific (ComID) and length (INC_512
 *                                 honoured); a TPer refusal: ILLEGAL REQUEST 24h/00h. Without a TPer:
 *                                 ILLEGAL REQUEST 20h/00h, as any other command it lacks.
 *   Anything else                 ILLEGAL REQUEST 20h/00h.
 *
 * A CHECK CONDITION's sense goes into the reply in fixed format. The optional medium
 * (tests/fake/fake-medium.h) is what the erase commands fill; the fake does not own its fd. A zeroed
 * config has no medium (bytes 0).
 */

#include <stdbool.h>
#include <stdint.h>

#include "fake-medium.h"
#include "scsi-cmd.h" /* the field bits and states the config names */
#include "wiper-internal.h"

/* The fake's state at power-on (and as it goes). */
enum fake_scsi_state {
        FAKE_SCSI_IDLE = 0,
        FAKE_SCSI_SANITIZE_RUNNING,
        FAKE_SCSI_SANITIZE_FAILED,
        FAKE_SCSI_FORMAT_RUNNING,
};

/* SANITIZE service actions the fake has, as a mask of 1u << service action (SBC-4 codes). */
#define FAKE_SCSI_SANITIZE_OVERWRITE (1u << 0x01)
#define FAKE_SCSI_SANITIZE_BLOCK     (1u << 0x02)
#define FAKE_SCSI_SANITIZE_CRYPTO    (1u << 0x03)
#define FAKE_SCSI_SANITIZE_ALL                                                                              \
        (FAKE_SCSI_SANITIZE_OVERWRITE | FAKE_SCSI_SANITIZE_BLOCK | FAKE_SCSI_SANITIZE_CRYPTO)

struct fake_tper;

struct fake_scsi_config {
        const char *vendor;        /* NULL: "KESU" */
        const char *product;       /* NULL: "FAKE SCSI DISK" */
        uint8_t peripheral_type;   /* 0: direct access */
        bool is_rsoc_rejected;     /* REPORT SUPPORTED OPERATION CODES: ILLEGAL REQUEST (QEMU) */
        uint32_t sanitize_actions; /* FAKE_SCSI_SANITIZE_* (with EXIT FAILURE MODE when any) */
        unsigned sanitize_polls;   /* REQUEST SENSEs that show a sanitize in progress before it ends */
        bool is_sanitize_failing;  /* every sanitize ends in failure (31h/03h) */
        bool is_sanitize_lying;    /* SANITIZE: GOOD, no operation, nothing erased */
        bool is_format_qemu_like;  /* FORMAT UNIT: GOOD, nothing changed, no format in progress */
        unsigned format_polls;     /* REQUEST SENSEs that show a format in progress (IMMED) */
        /* The state at power-on: a running sanitize or format goes on for initial_polls REQUEST
         * SENSEs and then ends, a running sanitize filling as initial_action (a service action) says;
         * a failed sanitize was sent with AUSE initial_ause. */
        enum fake_scsi_state initial_state;
        unsigned initial_polls;
        uint8_t initial_action;
        bool initial_ause;
        struct fake_medium medium;
        struct fake_tper *tper; /* NULL: no security subsystem (not owned: the caller frees it) */
};

struct fake_scsi_counts {
        unsigned commands;
        unsigned inquiry;
        unsigned rsoc;
        unsigned sanitize;            /* SANITIZE commands, exit failure mode included */
        unsigned sanitize_action[32]; /* ... by service action */
        unsigned format_unit;
        unsigned request_sense;
        unsigned request_sense_desc; /* of them, with DESC=1 */
        unsigned check_conditions;   /* commands answered CHECK CONDITION */
        unsigned medium_fills;
        unsigned security_in, security_out; /* SECURITY PROTOCOL IN / OUT commands received */
        uint8_t last_sanitize_cdb[10];
        uint8_t last_format_cdb[6];
        uint8_t last_format_header[4];
        uint8_t last_overwrite_params[8]; /* the first 8 bytes of the last OVERWRITE parameter list */
};

struct fake_scsi;

/* A disk in the state config describes. 0 or -ENOMEM/-EINVAL. */
int fake_scsi_new(const struct fake_scsi_config *config, struct fake_scsi **ret);
/* Frees; NULL is fine. Returns NULL. */
struct fake_scsi *fake_scsi_free(struct fake_scsi *f);

/* The transport that talks to f (scsi only; nvme_admin is NULL). */
void fake_scsi_transport(struct fake_scsi *f, struct cmd_transport *ret);

/* What f saw. */
const struct fake_scsi_counts *fake_scsi_counts(const struct fake_scsi *f);

/* The state now. */
enum fake_scsi_state fake_scsi_state(const struct fake_scsi *f);

/* The last error filling the medium (0 when none): the command got HARDWARE ERROR then. */
int fake_scsi_medium_error(const struct fake_scsi *f);
