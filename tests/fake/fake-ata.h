/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A stateful fake ATA drive behind the command transport (tests only; plain C, no cmocka).
 *
 * It answers the SCSI callback of struct cmd_transport (wiper-internal.h) the way Linux libata and a
 * drive would together: ATA PASS-THROUGH(16) CDBs (SAT-5) carrying ACS commands, plus MODE SENSE(10)
 * / MODE SELECT(10) of the Control mode page (D_SENSE), which libata implements itself.
 *
 * Answers (libata's ata_gen_passthru_sense / ata_to_sense_error):
 *   - a successful command without CK_COND: GOOD, no sense (PIO data-in: the data);
 *   - CK_COND, or an error: CHECK CONDITION with the ATA registers — descriptor format (72h, ATA
 *     Status Return descriptor 09h) when D_SENSE is set, else fixed format (70h) in the configured
 *     layout: FAKE_ATA_SENSE_SAT (SAT-5, libata since v6.11: bytes 3-6 and 8-11) or
 *     FAKE_ATA_SENSE_LIBATA_LEGACY (libata v4.7..v6.10: bytes 8-11 and 16-19; those kernels gave
 *     a successful CK_COND command descriptor format regardless, and so does the fake);
 *     success: RECOVERED ERROR, 00h/1Dh ATA PASS-THROUGH INFORMATION AVAILABLE; ABRT: ABORTED
 *     COMMAND, 00h/00h, STATUS 51h ERROR 04h;
 *   - a CDB it does not know: ILLEGAL REQUEST, 20h/00h; an ATA command it does not know: ABRT.
 *
 * The drive (each answer cites ACS-2/ACS-3/ACS-4 in fake-ata.c):
 *   - IDENTIFY DEVICE built from the state: model/serial, capacity (words 60-61, 100-103), words
 *     59 (sanitize), 82/83/85/87 (HPA, DCO, 48-bit, SMART), 89/90 (erase times), 119 (AMA), 128
 *     (security state), integrity word 255;
 *   - security state machine (ACS-3 SEC1..SEC6): user password, enabled/locked/frozen, attempt
 *     counter (5) and expiry, ERASE PREPARE immediately before ERASE UNIT;
 *   - sanitize state machine (ACS-4 SD0..SD4): supported kinds, SANITIZE FROZEN, ANTIFREEZE, an
 *     operation in progress for sanitize_polls SANITIZE STATUS EXT reads with its progress
 *     advancing, failure (FAILURE MODE decides whether CLEAR SANITIZE OPERATION FAILED leaves it);
 *     a sanitize in progress survives fake_ata_power_cycle();
 *   - HPA (READ NATIVE MAX ADDRESS EXT immediately before SET MAX ADDRESS EXT; volatile or
 *     permanent), DCO (IDENTIFY, RESTORE; RESTORE aborted while an HPA is set), AMA (GET NATIVE MAX,
 *     SET ACCESSIBLE MAX, FREEZE);
 *   - SMART READ DATA with attributes 5, 9, 194, 197;
 *   - with a TPer (config tper, tests/fake/fake-tper.h): TRUSTED RECEIVE / SEND (5Ch/5Eh, PIO, COUNT
 *     and LBA(7:0) the length in 512-byte blocks, LBA(23:8) the ComID, FEATURE the protocol) carried
 *     to it, a TPer refusal ABRT; IDENTIFY word 48 bit 0 (Trusted Computing feature set supported).
 *     Without one both are aborted (ABRT), as QEMU's SATA disk does with any command it lacks.
 *
 * With a medium (a real file), an erase does to it what the drive would, when the operation
 * completes: CRYPTO SCRAMBLE random bytes, BLOCK ERASE zeros (ones with is_block_erase_ones),
 * OVERWRITE the pattern, SECURITY ERASE UNIT zeros (normal) or random bytes (enhanced). A lying
 * drive (is_lying) reports everything the same and leaves the medium alone.
 *
 * Typical use (a whole disposal on a file-backed medium):
 *
 *     struct fake_medium m = { .fd = fd, .bytes = size };
 *     struct fake_ata *drive;
 *     fake_ata_new(&(struct fake_ata_config){ .medium = &m, .has_sanitize_crypto = true,
 *                                              .sanitize_polls = 3 }, &drive);
 *     struct cmd_transport t;
 *     fake_ata_transport(drive, &t);
 *     purge_probe(&t, PURGE_FAMILY_ATA, 0, &caps);  ... purge_run(&t, ...);
 *     fake_ata_free(drive);
 */

#include <stdbool.h>
#include <stdint.h>

#include "fake-medium.h"
#include "wiper-internal.h"

enum fake_ata_sense_layout {
        FAKE_ATA_SENSE_SAT = 0,       /* fixed format as SAT-5 and libata >= v6.11 write it */
        FAKE_ATA_SENSE_LIBATA_LEGACY, /* fixed format as libata v4.7..v6.10 wrote it */
};

/* Zero is a bare drive: no optional feature, 0x100000 sectors (or the medium's size), D_SENSE clear.
 * "State" fields are read once by fake_ata_new(); "behaviour" fields are read on every command and
 * may be changed between commands through fake_ata_config_of(). */
struct fake_tper;

struct fake_ata_config {
        /* identity (state) */
        const char *model;  /* NULL: "KESU FAKE ATA" */
        const char *serial; /* NULL: "FAKE0001" */
        uint64_t sectors;   /* the factory capacity (what DCO IDENTIFY reports); 0: medium bytes / 512, or
                               0x100000 without a medium */
        const struct fake_medium *medium; /* NULL: no medium (copied by fake_ata_new) */
        bool has_no_lba48;                /* a 28-bit drive (IDENTIFY word 83 bit 10 clear) */
        struct fake_tper *tper;           /* NULL: no Trusted Computing feature set (not owned) */

        /* sanitize feature set, IDENTIFY word 59 (state) */
        bool has_sanitize_crypto, has_sanitize_block, has_sanitize_overwrite, has_sanitize_antifreeze;
        bool is_sanitize_frozen;          /* SANITIZE FROZEN at power-on (as if a BIOS sent FREEZE LOCK) */
        bool is_sanitize_running;         /* a sanitize (block erase, or the first supported kind) is in
                                             progress at power-on, from before a power cycle */
        bool is_sanitize_failed;          /* the last sanitize failed (SD4) */
        bool is_failed_with_failure_mode; /* ... and had FAILURE MODE 1 (CLEAR leaves SD4) */
        /* sanitize (behaviour) */
        unsigned sanitize_polls;     /* STATUS EXT reads still showing it in progress; 0: done at once */
        bool is_sanitize_failing;    /* every sanitize ends in the failed state */
        bool is_sanitize_never_done; /* lying: status then shows neither in progress nor done */
        bool is_block_erase_ones;    /* BLOCK ERASE leaves ones (FFh) instead of zeros */

        /* security feature set, IDENTIFY words 82/128/89/90 (state) */
        bool has_security, has_enhanced_erase;
        bool is_security_frozen;      /* frozen at power-on (a BIOS sent FREEZE LOCK) */
        const uint8_t *user_password; /* non-NULL: 32 bytes set at power-on (security enabled) */
        bool is_security_locked;      /* with user_password: locked at power-on */
        uint16_t erase_word89, enhanced_erase_word90; /* the raw IDENTIFY words (time estimates) */
        /* security (behaviour) */
        bool is_set_password_ignored;     /* lying: SET PASSWORD answers GOOD but sets nothing */
        bool is_erase_keeping_password;   /* ERASE UNIT erases but leaves security enabled */
        bool is_disable_password_refused; /* DISABLE PASSWORD aborted, whatever the password */
        bool is_erase_refused;            /* ERASE UNIT and the sanitize erase commands aborted */

        /* hidden areas (state) */
        bool has_hpa, has_dco, has_ama; /* IDENTIFY word 82 bit 10, 83 bit 11, 119 bit 8 */
        uint64_t dco_hidden_sectors;    /* the DCO reduces the native max by this many */
        uint64_t hpa_hidden_sectors;    /* a permanent HPA (or an AMA reduction, with has_ama) */
        /* hidden areas (behaviour) */
        bool is_set_max_refused; /* SET MAX ADDRESS EXT aborted (e.g. SET MAX FREEZE LOCK) */
        bool is_dco_frozen;      /* DEVICE CONFIGURATION RESTORE aborted (DCO FREEZE LOCK) */
        bool is_ama_frozen;      /* SET ACCESSIBLE MAX ADDRESS EXT aborted (FREEZE ACCESSIBLE MAX) */
        bool is_set_max_ignored; /* lying: SET MAX, RESTORE, SET ACCESSIBLE MAX do nothing */

        /* SMART, IDENTIFY words 82 bit 0 / 85 bit 0 (state), attributes (behaviour) */
        bool has_smart, is_smart_disabled;
        uint32_t power_on_hours;
        uint32_t reallocated_sectors, pending_sectors;
        uint8_t temperature_c;
        bool is_smart_checksum_bad;

        /* the drive's lie (behaviour): success everywhere, the medium never changed */
        bool is_lying;

        /* the SAT layer (D_SENSE state; the rest behaviour) */
        enum fake_ata_sense_layout fixed_layout;
        bool is_d_sense;             /* D_SENSE set at power-on */
        bool is_mode_select_refused; /* MODE SELECT answered ILLEGAL REQUEST (D_SENSE cannot be set) */
};

/* Every command seen, by kind. */
struct fake_ata_counters {
        unsigned commands; /* every CDB */
        unsigned identify;
        unsigned sanitize_status, sanitize_clear_failed; /* STATUS EXT; those with CLEAR ... FAILED */
        unsigned sanitize_crypto, sanitize_block, sanitize_overwrite;
        unsigned sanitize_freeze_lock, sanitize_antifreeze_lock;
        unsigned security_set_password, security_unlock, security_erase_prepare, security_erase_unit;
        unsigned security_freeze_lock, security_disable_password;
        unsigned read_native_max, set_max, dco_identify, dco_restore;
        unsigned ama_get_native_max, ama_set_accessible_max, ama_freeze;
        unsigned smart_read_data;
        unsigned trusted_receive, trusted_send;
        unsigned mode_sense, mode_select;
        unsigned unknown;                       /* CDBs or ATA commands the fake does not know */
        unsigned aborted;                       /* ATA commands answered with ABRT */
        unsigned sense_descriptor, sense_fixed; /* CHECK CONDITIONs by the sense format sent */
};

/* The drive's state now. */
struct fake_ata_state {
        uint64_t factory_sectors; /* DCO maximum + 1 */
        uint64_t native_sectors;  /* READ NATIVE MAX + 1 (after the DCO) */
        uint64_t current_sectors; /* what IDENTIFY reports */
        bool is_security_enabled, is_security_locked, is_security_frozen, is_security_expired;
        bool has_user_password;
        uint8_t user_password[32];
        bool is_sanitize_in_progress, is_sanitize_failed, is_sanitize_completed_ok;
        bool is_sanitize_frozen, is_sanitize_antifreeze;
        uint16_t sanitize_progress;
        bool is_d_sense;
        unsigned medium_fills; /* erases that took effect on the medium (or would have, without one) */
        enum fake_fill last_fill;
        uint32_t last_pattern;
        unsigned last_erase_unit_timeout_ms; /* the timeout the host gave ERASE UNIT */
        bool was_last_erase_enhanced;
        bool was_last_sanitize_failure_mode; /* FAILURE MODE of the last sanitize command */
        unsigned last_overwrite_passes;
        bool was_last_overwrite_inverted;
};

struct fake_ata;

/* A new drive in its power-on state. 0, -EINVAL for a contradictory config, -ENOMEM. */
int fake_ata_new(const struct fake_ata_config *config, struct fake_ata **ret);
/* Frees the drive (NULL accepted); returns NULL. */
struct fake_ata *fake_ata_free(struct fake_ata *f);
/* A transport whose scsi callback is this drive (nvme_admin NULL). */
void fake_ata_transport(struct fake_ata *f, struct cmd_transport *ret);

/* The behaviour knobs, changeable between commands. */
struct fake_ata_config *fake_ata_config_of(struct fake_ata *f);
const struct fake_ata_counters *fake_ata_counters(const struct fake_ata *f);
void fake_ata_state(const struct fake_ata *f, struct fake_ata_state *ret);

/* Sums for assertions: every sanitize command but STATUS; every security command; every command
 * that erases (SANITIZE crypto/block/overwrite, SECURITY ERASE UNIT); every command that changes
 * the drive's state or medium (the sanitize and security commands but ERASE PREPARE, SET MAX, DCO
 * RESTORE, AMA SET/FREEZE — MODE SELECT excluded: it is the SATL's setting, not the drive's). */
unsigned fake_ata_sanitize_commands(const struct fake_ata *f);
unsigned fake_ata_security_commands(const struct fake_ata *f);
unsigned fake_ata_erase_commands(const struct fake_ata *f);
unsigned fake_ata_writing_commands(const struct fake_ata *f);

/* A power cycle (or suspend/resume: a reset): security and sanitize freezes and antifreeze cleared,
 * a locked state back when a password is set, a volatile SET MAX forgotten, D_SENSE back to the
 * config's, the password attempt counter reset. A sanitize in progress or failed stays so. */
void fake_ata_power_cycle(struct fake_ata *f);
/* Freezes security as a BIOS would (SECURITY FREEZE LOCK behind the host's back). */
void fake_ata_freeze_security(struct fake_ata *f);
