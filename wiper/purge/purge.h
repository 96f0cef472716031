/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Device purge: the drive's own erase commands, run through a transport (wiper-internal.h) — what a
 * drive supports (probe), its hidden areas and health, and running one purge to its end with the
 * drive's own evidence. One family per command set:
 *
 *   ATA  (ata-*.c)   SANITIZE CRYPTO/BLOCK/OVERWRITE, SECURITY ERASE UNIT (normal/enhanced),
 *                    HPA/DCO/AMA, SMART
 *   NVMe (nvme-*.c)  Sanitize CRYPTO/BLOCK/OVERWRITE, Format NVM SES 1/2, SMART / Health log
 *   SCSI (scsi-*.c)  SANITIZE CRYPTO/BLOCK/OVERWRITE, FORMAT UNIT
 *   TCG  (tcg-*.c)   Level 0 Discovery and Revert (SID / PSID) of self-encrypting drives, over the
 *                    family's security protocol carrier (TRUSTED SEND/RECEIVE, Security Send/Receive,
 *                    SECURITY PROTOCOL IN/OUT)
 *
 * (wiper/purge/ sits above wiper/device/: the command bytes are built and parsed there; here each
 * operation decides, sends and polls.)
 *
 * and purge.c dispatches by family and owns the method table (names, levels, capabilities).
 *
 * Rules every family keeps:
 *   - the capability is checked (probe) before any command is sent; a method the drive does not
 *     report is refused with a reason, never tried;
 *   - nothing falls back to another method;
 *   - success counts only when the drive's own status shows the operation ran to completion
 *     (ATA SANITIZE STATUS "completed without error", NVMe Sanitize Status log SSTAT completed with
 *     the same SCDW10, SCSI REQUEST SENSE without an operation in progress after GOOD, a foreground
 *     command's GOOD/success status) — is_completed;
 *   - a running sanitize found at the start is followed to its end (is_resumed), a failed one is
 *     left with the exit failure mode command only when the caller asks for a new sanitize;
 *   - an ATA drive in the security FROZEN or SANITIZE FROZEN state is refused with a remedy
 *     (PURGE_ERR_FROZEN), before any command;
 *   - the temporary ATA security password is always cleared afterwards (SECURITY DISABLE PASSWORD
 *     when the erase did not clear it); when it could not be, the report shows the password.
 *
 * Engine code: quiet, returns 0 or -errno, fills ret_ only on success (a report is filled also on
 * failure: that is its purpose).
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wiper-internal.h"

/* The purge methods, strongest first (the order "purge" picks in). */
enum purge_method {
        PURGE_METHOD_NONE = 0,
        PURGE_SANITIZE_CRYPTO,       /* ATA CRYPTO SCRAMBLE EXT, NVMe Sanitize crypto, SCSI SANITIZE CRYPTOGRAPHIC ERASE */
        PURGE_SANITIZE_BLOCK,        /* ATA BLOCK ERASE EXT, NVMe Sanitize block, SCSI SANITIZE BLOCK ERASE */
        PURGE_SANITIZE_OVERWRITE,    /* ATA OVERWRITE EXT, NVMe Sanitize overwrite, SCSI SANITIZE OVERWRITE (1 pass, zeros) */
        PURGE_NVME_FORMAT_CRYPTO,    /* NVMe Format NVM SES=2 (only when FNA bit 2) */
        PURGE_SECURE_ERASE_ENHANCED, /* ATA SECURITY ERASE UNIT, enhanced */
        PURGE_NVME_FORMAT,           /* NVMe Format NVM SES=1 */
        PURGE_SECURE_ERASE,          /* ATA SECURITY ERASE UNIT, normal */
        PURGE_SCSI_FORMAT,           /* SCSI FORMAT UNIT */
        /* TCG (any family with a security protocol carrier); they need a secret, so "purge" never
         * picks them: they are asked for by name. */
        PURGE_TCG_REVERT,      /* Revert of the Admin SP authorised by the SID (or the MSID when unowned) */
        PURGE_TCG_PSID_REVERT, /* the same authorised by the PSID printed on the drive's label */
        _PURGE_METHOD_MAX,
};

enum purge_family {
        PURGE_FAMILY_NONE = 0, /* no command set kesu can purge through (virtio, loop, file, MMC) */
        PURGE_FAMILY_ATA,      /* SATA, and USB bridges that translate ATA PASS-THROUGH */
        PURGE_FAMILY_NVME,
        PURGE_FAMILY_SCSI, /* SAS and SCSI disks */
};

/* What the content is expected to be after the purge, for the proof (wiper/purge-proof). */
enum purge_expect {
        PURGE_EXPECT_CHANGED, /* crypto erase: differs from before, no file system signature */
        PURGE_EXPECT_UNIFORM, /* block erase, user data erase: every sector one repeated byte */
        PURGE_EXPECT_PATTERN, /* overwrite: the pattern (zeros, one pass) */
};

/* Specific failures, beyond the errno the transport gives. */
enum {
        PURGE_ERR_UNSUPPORTED = 1001, /* the drive does not report the capability */
        PURGE_ERR_FROZEN,             /* ATA security or sanitize frozen: suspend/resume or replug */
        PURGE_ERR_LOCKED,             /* ATA security locked/enabled with an unknown password */
        PURGE_ERR_REFUSED,            /* the drive aborted the command (ATA ABRT, NVMe status, sense) */
        PURGE_ERR_FAILED,             /* the drive reports the operation failed */
        PURGE_ERR_NOT_DONE,           /* the drive's status does not show it ran (a lying drive) */
        PURGE_ERR_INTERRUPTED,        /* the stop flag was raised while polling (the drive goes on) */
        PURGE_ERR_PASSWORD_LEFT,      /* erased, but the temporary password could not be cleared */
        PURGE_ERR_NO_SECRET,          /* TCG: the SID or PSID the method needs was not given */
        PURGE_ERR_AUTH,               /* TCG: the drive rejected the SID or PSID */
        PURGE_ERR_LOCKED_OUT,         /* TCG: the authority is locked out, or one more failure would lock it */
};

/* One line of text for a PURGE_ERR_* or -errno. */
const char *purge_error_to_string(int error);

struct purge_method_info {
        enum purge_method method;
        const char *name;        /* "sanitize-crypto", the name of `kesu wipe --method` */
        const char *level;       /* "Purge" or "Clear": the stricter of IEEE 2883-2022 and NIST SP 800-88 Rev.1 */
        const char *standard;    /* which standard's rating is applied, and why */
        const char *capability;  /* what the drive must report, e.g. "ATA IDENTIFY word 59 bit 13" */
        const char *description; /* one line for help texts */
        enum purge_expect expect;
};

/* The method table: the i-th entry, NULL past the end. */
const struct purge_method_info *purge_method_info_at(size_t i);
/* By method, or by name; NULL when unknown. */
const struct purge_method_info *purge_method_info(enum purge_method m);
const struct purge_method_info *purge_method_info_by_name(const char *name);

/* The family a disk's transport speaks. */
enum purge_family purge_family_for(enum disk_transport t);
const char *purge_family_to_string(enum purge_family f);

/* ---- hidden areas and health ----------------------------------------------------------------- */

struct purge_hidden {
        bool is_examined;         /* the drive was asked (ATA only; NVMe and SCSI have no such areas) */
        uint64_t current_sectors; /* the user-addressable capacity IDENTIFY reports */
        uint64_t native_sectors;  /* READ NATIVE MAX ADDRESS (EXT) / GET NATIVE MAX + 1; 0 unknown */
        uint64_t dco_sectors;     /* DEVICE CONFIGURATION IDENTIFY maximum LBA + 1; 0 unknown */
        bool has_hpa;             /* current < native */
        bool has_dco;             /* native < the DCO maximum */
        bool has_ama;             /* an AMA reduction (ACCESSIBLE MAX ADDRESS CONFIGURATION) */
        bool is_restored;         /* the full capacity was set back (SET MAX / DCO RESTORE / AMAC) */
        char note[256];           /* what was found and done, or why it could not be examined */
};

struct purge_health {
        bool is_read;
        const char *source; /* "ATA SMART READ DATA", "NVMe SMART / Health log (02h)" */
        bool has_power_on_hours;
        uint64_t power_on_hours;
        bool has_reallocated;
        uint64_t reallocated_sectors; /* ATA attribute 5 */
        bool has_pending;
        uint64_t pending_sectors; /* ATA attribute 197 */
        bool has_media_errors;
        uint64_t media_errors; /* NVMe Media and Data Integrity Errors */
        bool has_percentage_used;
        unsigned percentage_used; /* NVMe */
        bool has_temperature;
        int temperature_c;
        bool has_critical_warning;
        unsigned critical_warning; /* NVMe byte 0 */
        char note[128]; /* why it could not be read */
};

/* ---- self-encrypting drives (TCG Storage) ------------------------------------------------------ */

struct purge_tcg {
        bool is_examined;   /* Level 0 Discovery was asked for */
        int error;          /* asking failed in the transport (-errno); 0 otherwise */
        bool is_sed;        /* the drive answered with a security subsystem class */
        char kind[16];      /* "Opal 2", "Pyrite 2", "Enterprise", …; "" when none */
        bool is_encrypting; /* the class encrypts user data (a revert is a cryptographic erase) */
        bool has_revert;    /* the class's Admin SP has Revert */
        bool is_locking_supported, is_locking_enabled, is_locked, is_mbr_enabled, is_mbr_done;
        bool is_sid_blocked; /* Block SID: SID authentication blocked until the next power cycle */
        uint8_t data_removal_mechanisms; /* Supported Data Removal Mechanism (0 when not reported) */
        uint16_t base_comid;
        enum purge_family carrier; /* the command set that carried the answer: an ATA drive behind
                                    * libata answers SCSI SECURITY PROTOCOL IN/OUT (libata translates
                                    * it, while it filters TRUSTED SEND/RECEIVE in ATA PASS-THROUGH
                                    * unless libata.allow_tpm=1); behind a USB bridge, ATA TRUSTED */
        char note[192];     /* why not, or what was found, in one line */
};

/* One line: "Opal 2, locking enabled, a range locked" / "no TCG security subsystem". */
void purge_tcg_summary(const struct purge_tcg *tcg, char *buf, size_t n);

/* ---- probing ----------------------------------------------------------------------------------- */

struct purge_caps {
        enum purge_family family;
        uint32_t supported; /* 1u << enum purge_method */
        /* For each method not supported: why (static text), NULL for supported ones. */
        const char *why_not[_PURGE_METHOD_MAX];
        bool is_frozen;             /* ATA: either of the two below (for the list's summary) */
        bool is_security_frozen;    /* ATA: SECURITY FREEZE LOCK in effect: no security erase */
        bool is_sanitize_frozen;    /* ATA: SANITIZE FREEZE LOCK in effect: no sanitize */
        bool is_security_enabled;   /* ATA: a password is set (kesu will not guess it) */
        bool is_sanitize_running;   /* a sanitize is in progress (resume polling) */
        bool is_sanitize_failed;    /* the last sanitize failed (exit failure mode first) */
        bool is_all_namespaces;     /* NVMe: the erase takes every namespace of the controller */
        uint32_t erase_minutes;     /* ATA SECURITY ERASE estimate (normal); 0 unknown */
        uint32_t enhanced_erase_minutes;
        struct purge_hidden hidden;
        struct purge_health health;
        struct purge_tcg tcg;
};

static inline bool purge_caps_has(const struct purge_caps *c, enum purge_method m)
{
        return c->supported & (1u << m);
}

/* Asks the drive what it can do (ATA IDENTIFY, SANITIZE STATUS, hidden areas, SMART; NVMe Identify
 * Controller/Namespace nsid, Sanitize Status log, SMART log; SCSI REPORT SUPPORTED OPERATION CODES
 * or INQUIRY). Reads only. -EOPNOTSUPP for PURGE_FAMILY_NONE. */
int purge_probe(const struct cmd_transport *t, enum purge_family family, uint32_t nsid, struct purge_caps *ret);
int ata_purge_probe(const struct cmd_transport *t, struct purge_caps *ret);
int nvme_purge_probe(const struct cmd_transport *t, uint32_t nsid, struct purge_caps *ret);
int scsi_purge_probe(const struct cmd_transport *t, struct purge_caps *ret);
/* Level 0 Discovery through family's carrier, into caps->tcg, and the TCG methods' support and
 * why_not in caps (the families' probes leave them unsupported). A drive that does not answer the
 * security protocol at all is not an error: is_sed false with a note. Reads only. */
int tcg_purge_probe(const struct cmd_transport *t, enum purge_family family, struct purge_caps *caps);

/* ATA: sets the capacity back to the native maximum when an HPA, DCO or AMA reduction was found
 * (h from the probe, updated: is_restored, note). 0 when there was nothing to restore or it was
 * restored and IDENTIFY then reports the full capacity; -errno/PURGE_ERR_* otherwise: the caller
 * must not go on to erase. */
int ata_purge_restore_hidden(const struct cmd_transport *t, struct purge_hidden *h);

/* ---- running ----------------------------------------------------------------------------------- */

struct purge_run_options {
        uint32_t nsid;                         /* NVMe: the namespace (Format NVM) */
        uint32_t overwrite_pattern;            /* sanitize overwrite: 0 (one pass of zeros) */
        unsigned poll_interval_ms;             /* between status polls; 0: 1000 (tests: 1) */
        const volatile sig_atomic_t *stop;     /* non-zero: stop polling (the drive goes on) */
        /* Called with the drive's progress, 0-65535 (of 65536), when it reports one. */
        void (*progress)(void *userdata, uint32_t done_of_65536);
        void *progress_userdata;
        /* TCG: the SID (tcg-revert; NULL: the drive's MSID, which works only while nobody took
         * ownership) or the PSID (tcg-psid-revert, required). Never copied into a report. */
        const char *tcg_secret;
        size_t tcg_secret_len;
};

struct purge_report {
        enum purge_method method;
        char command[192];       /* what was sent: "ATA SANITIZE DEVICE (B4h) BLOCK ERASE EXT (FEATURE 0012h)" */
        char device_status[256]; /* the drive's own status after it, as read back */
        char warnings[256];      /* e.g. "sanitize continues after a power cycle; erases every namespace" */
        bool is_completed;       /* the drive's status shows the operation ran to its end */
        bool is_resumed;         /* a sanitize already running was followed instead of a new one */
        bool is_password_cleared; /* ATA security erase: the temporary password is gone */
        char password_left[40];   /* when it could not be cleared: the password to give the owner */
        int error;                /* 0, -errno or PURGE_ERR_* */
        char error_text[256];     /* the drive's answer behind error (sense, status, registers) */
        int64_t started_ns, ended_ns; /* CLOCK_REALTIME */
};

/* Runs method to its end on the drive (caps from purge_probe() of the same drive): refuses what
 * caps does not support or a frozen drive (no command sent then), sends the command, polls the
 * drive's status until it shows the end, and fills *ret (always, also on failure). 0 only when
 * ret->is_completed; otherwise ret->error (also returned). */
int purge_run(const struct cmd_transport *t, enum purge_family family, enum purge_method method,
              const struct purge_caps *caps, const struct purge_run_options *o, struct purge_report *ret);
int ata_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                  const struct purge_run_options *o, struct purge_report *ret);
int nvme_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                   const struct purge_run_options *o, struct purge_report *ret);
int scsi_purge_run(const struct cmd_transport *t, enum purge_method method, const struct purge_caps *caps,
                   const struct purge_run_options *o, struct purge_report *ret);
int tcg_purge_run(const struct cmd_transport *t, enum purge_family family, enum purge_method method,
                  const struct purge_caps *caps, const struct purge_run_options *o, struct purge_report *ret);

/* Whether m is one of the TCG methods (run through tcg_purge_run, whatever the family). */
static inline bool purge_method_is_tcg(enum purge_method m)
{
        return m == PURGE_TCG_REVERT || m == PURGE_TCG_PSID_REVERT;
}

/* The strongest method caps supports (the table's order), or PURGE_METHOD_NONE. */
enum purge_method purge_pick_strongest(const struct purge_caps *caps);

/* ---- a purge job's record (struct wipe_result.purge) ------------------------------------------ */

struct wipe_purge {
        enum purge_family family;
        uint32_t nsid;
        int probe_error;          /* the probe at the start failed: nothing sent */
        struct purge_caps caps;   /* as probed at the start: hidden areas, health, state */
        int hidden_error;         /* restoring hidden capacity failed: nothing sent */
        int before_purge_error;   /* the caller's fingerprint failed: nothing sent */
        bool is_sent;             /* the purge command went to the drive */
        struct purge_report report;
};

/* Whether the drive is frozen for this method (a BIOS commonly freezes security, not sanitize). */
static inline bool purge_caps_is_frozen_for(const struct purge_caps *c, enum purge_method m)
{
        if (m == PURGE_SECURE_ERASE || m == PURGE_SECURE_ERASE_ENHANCED)
                return c->is_security_frozen;
        if (m == PURGE_SANITIZE_CRYPTO || m == PURGE_SANITIZE_BLOCK || m == PURGE_SANITIZE_OVERWRITE)
                return c->family == PURGE_FAMILY_ATA && c->is_sanitize_frozen;
        return false;
}
