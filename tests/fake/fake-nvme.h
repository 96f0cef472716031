/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A stateful fake NVMe controller behind the command transport (tests only; plain C, no cmocka, so
 * any test binary can link it). It answers the admin commands kesu's purge sends, as the NVM Express
 * Base Specification 2.0 ("Base") and NVM Command Set 1.0 ("NVM-CS") say a controller does:
 *
 *   Identify (06h)        CNS 01h controller: VID, SN, MN, FR, OACS, NN, SANICAP, FNA from the config;
 *                         CNS 00h namespace: NSZE/NCAP/NUSE, NLBAF 1 (two LBA formats: 512 and 4096
 *                         bytes), FLBAS; an unknown NSID gets Invalid Namespace or Format (0Bh, DNR).
 *   Get Log Page (02h)    LID 02h SMART / Health (512 bytes) from the config; LID 81h Sanitize Status
 *                         (512 bytes): each read while a sanitize runs advances it one step (SPROG
 *                         k*65536/N), the (N+1)th read finds it ended. Other LIDs: Invalid Log Page.
 *   Format NVM (80h)      OACS bit 1 or Invalid Opcode; LBAF must exist (else Invalid Format); PI must
 *                         be 0 (the fake has none); SES 0 erases nothing, 1 zeroes the medium, 2 fills
 *                         it with random bytes and needs FNA bit 2 (else Invalid Field in Command) —
 *                         except is_qemu_like: QEMU 7.2 accepts SES 2 with FNA 0 and does what its
 *                         format always does (zeroes). Runs in the foreground: done at completion.
 *   Sanitize (84h)        the SANICAP bit of the action or Invalid Field (all of SANICAP 2:0 clear:
 *                         Invalid Opcode); NDAS with SANICAP NDI: Invalid Field. Starts the operation
 *                         (SSTAT in progress, SCDW10 recorded) and completes at once; it ends after
 *                         sanitize_polls log reads: crypto erase fills random, block erase zeros,
 *                         overwrite the OVRPAT pattern; SSTAT 1 (or 4 with NDAS), Global Data Erased.
 *                         With is_sanitize_failing it ends with SSTAT 3 and the controller in
 *                         sanitize failure mode. Exit Failure Mode (SANACT 1) leaves that mode when the
 *                         failed sanitize had AUSE=1; after an AUSE=0 failure (restricted) it is
 *                         aborted with Sanitize Failed (1Ch) — only a new sanitize ends it.
 *   Security Send (81h)   with a TPer (config tper, tests/fake/fake-tper.h): IF-SEND of CDW11 bytes to
 *   Security Receive (82h) it, SECP CDW10 31:24, SPSP 23:8; a TPer refusal: Invalid Field in Command.
 *                         Identify reports OACS bit 0 (Security Send/Receive supported) then. Without a
 *                         TPer: Invalid Opcode, as for any opcode the controller lacks.
 *   While a sanitize runs  Format NVM and Sanitize are aborted with Sanitize In Progress (1Dh);
 *                         Identify and Get Log Page are answered (Base: Sanitize Operations).
 *   In failure mode       Format NVM is aborted with Sanitize Failed (1Ch).
 *
 * Every admin command's data buffer must be page-aligned (kesu allocates them so: some controllers
 * DMA straight into them); one that is not is answered Invalid Field and counted in bad_commands.
 *
 * The optional medium (tests/fake/fake-medium.h) is what the erase commands fill; the fake does not
 * own its fd. A zeroed config has no medium (bytes 0).
 */

#include <stdbool.h>
#include <stdint.h>

#include "fake-medium.h"
#include "nvme-cmd.h" /* the field bits and states the config names */
#include "wiper-internal.h"

/* How the fake lies about a sanitize (a lying drive: the proof by fingerprint must catch it). */
enum fake_nvme_lie {
        FAKE_NVME_HONEST = 0,
        /* Sanitize and Format NVM succeed; nothing is erased and the Sanitize Status log never moves. */
        FAKE_NVME_LIE_LOG_UNCHANGED,
        /* Sanitize: the log shows it completed (with the right SCDW10) at once, nothing is erased;
         * Format NVM succeeds and erases nothing. No status can catch this: the content proof must. */
        FAKE_NVME_LIE_LOG_COMPLETED,
};

/* The SMART / Health Information log (02h) the fake returns. */
struct fake_nvme_smart {
        uint8_t critical_warning;
        uint16_t temperature_k;  /* Composite Temperature, Kelvin */
        uint8_t available_spare; /* percent */
        uint8_t percentage_used;
        uint64_t power_on_hours;      /* low 64 bits of the 128-bit counter */
        uint64_t power_on_hours_high; /* high 64 bits (non-zero: kesu must saturate) */
        uint64_t media_errors;
        uint64_t power_cycles;
};

struct fake_tper;

struct fake_nvme_config {
        const char *model;        /* NULL: "KESU FAKE NVMe" */
        const char *serial;       /* NULL: "FAKE0001" */
        uint16_t oacs;            /* Identify Controller OACS (bit 1: Format NVM) */
        uint32_t sanicap;         /* SANICAP (bits 0-2 CES/BES/OWS, 29 NDI) */
        uint8_t fna;              /* FNA (bit 1 erase all namespaces, bit 2 crypto erase) */
        uint32_t namespaces;      /* NN; 0: 1 */
        uint64_t nsze;            /* blocks of each namespace; 0: medium bytes / block size, or 2048 */
        uint8_t lba_format_index; /* 0: 512-byte blocks, 1: 4096-byte blocks */
        bool is_qemu_like;        /* accepts Format NVM SES 2 with FNA bit 2 clear, and zeroes */
        enum fake_nvme_lie lie;
        unsigned sanitize_polls;  /* log reads that show a sanitize in progress before it ends */
        bool is_sanitize_failing; /* every sanitize kesu starts ends in failure */
        /* The Sanitize Status log at power-on: SSTAT (enum nvme_sanitize_state) and SCDW10. With
         * SSTAT 2 (in progress) the sanitize runs for initial_polls more log reads, then ends as its
         * SCDW10 says; with SSTAT 3 (failed) the controller is in failure mode (restricted when
         * SCDW10 has AUSE clear). */
        unsigned initial_sstat;
        uint32_t initial_scdw10;
        unsigned initial_polls;
        /* Another host starts this sanitize (CDW10) just before kesu's first Sanitize command
         * arrives, running for race_polls log reads: kesu meets Sanitize In Progress. 0: none. */
        uint32_t race_scdw10;
        unsigned race_polls;
        /* Every Format NVM and Sanitize (not Exit Failure Mode) is aborted with this status field
         * (e.g. 0x4286: Access Denied, DNR). 0: none. */
        uint16_t refuse_status;
        struct fake_nvme_smart smart;
        struct fake_medium medium; /* no medium when bytes is 0 (or fd -1) */
        struct fake_tper *tper;    /* NULL: no security subsystem (not owned: the caller frees it) */
};

/* What the fake saw (counters are per command; SES and SANACT counts index by their value). */
struct fake_nvme_counts {
        unsigned admin; /* every admin command */
        unsigned identify;
        unsigned get_log_sanitize;
        unsigned get_log_smart;
        unsigned format;             /* Format NVM commands received (accepted or not) */
        unsigned format_ses[8];      /* ... by SES (CDW10 bits 11:9) */
        unsigned sanitize;           /* Sanitize commands received, exit failure mode included */
        unsigned sanitize_action[8]; /* ... by SANACT */
        unsigned sanitize_started;   /* sanitize operations started (kesu's or the race's) */
        unsigned refused;            /* commands answered with a non-zero status */
        unsigned bad_commands;       /* malformed: a misaligned or short buffer, unknown opcode */
        unsigned medium_fills;
        unsigned security_send, security_recv; /* Security Send / Receive commands received */
        uint32_t last_format_cdw10;
        uint32_t last_format_nsid;
        uint32_t last_sanitize_cdw10, last_sanitize_cdw11;
        uint16_t last_status; /* the status field of the last answer */
};

struct fake_nvme;

/* A controller in the state config describes. 0 or -ENOMEM/-EINVAL. */
int fake_nvme_new(const struct fake_nvme_config *config, struct fake_nvme **ret);
/* Frees; NULL is fine. Returns NULL. */
struct fake_nvme *fake_nvme_free(struct fake_nvme *f);

/* The transport that talks to f (nvme_admin only; scsi is NULL). */
void fake_nvme_transport(struct fake_nvme *f, struct cmd_transport *ret);

/* What f saw. */
const struct fake_nvme_counts *fake_nvme_counts(const struct fake_nvme *f);

/* The Sanitize Status log's current SSTAT (enum nvme_sanitize_state), SPROG and SCDW10, without
 * advancing it. */
void fake_nvme_sanitize_state(const struct fake_nvme *f, unsigned *ret_sstat, uint16_t *ret_sprog,
                              uint32_t *ret_scdw10);

/* Whether the controller is in sanitize failure mode. */
bool fake_nvme_is_failure_mode(const struct fake_nvme *f);

/* The LBA format index namespaces use now (Format NVM sets it). */
uint8_t fake_nvme_lba_format(const struct fake_nvme *f);

/* The last error filling the medium (0 when none): the command got Internal Error then. */
int fake_nvme_medium_error(const struct fake_nvme *f);
