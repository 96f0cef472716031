/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * NVMe purge commands: builders that fill a struct nvme_admin_cmd (Format NVM, Sanitize, Get Log
 * Page for the Sanitize Status log), the guards that decide from Identify Controller whether the
 * controller can do what is asked, and decoders of the controller's answers (the Sanitize Status
 * log page, the completion status field). Pure: nothing here touches a device or prints.
 *
 * References: NVM Express Base Specification 2.0 ("Base"), NVM Command Set Specification 1.0
 * ("NVM-CS").
 */

#include <stdbool.h>
#include <stdint.h>

#include "wiper-internal.h"

/* Admin opcodes (Base: Admin Command Set opcode table). */
#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_ADMIN_FORMAT_NVM   0x80
#define NVME_ADMIN_SANITIZE     0x84

#define NVME_NSID_ALL 0xffffffffu

/* Log page 81h, Sanitize Status (Base: Get Log Page, Sanitize Status log page). */
#define NVME_LID_SANITIZE_STATUS 0x81
#define NVME_SANITIZE_LOG_BYTES  512

/* Per-command timeouts carried in struct nvme_admin_cmd.timeout_ms. Format NVM runs in the
 * foreground (the command completes when the erase is done), so a user data erase of a large
 * namespace needs hours; a cryptographic erase only drops a key. Sanitize completes as soon as the
 * operation has started (it runs in the background: Base, Sanitize Operations), and so does reading a log.
 */
#define NVME_FORMAT_USER_DATA_TIMEOUT_MS (4u * 3600u * 1000u)
#define NVME_FORMAT_CRYPTO_TIMEOUT_MS    (10u * 60u * 1000u)
#define NVME_SANITIZE_TIMEOUT_MS         (60u * 1000u)
#define NVME_GET_LOG_TIMEOUT_MS          (10u * 1000u)

/* Identify Controller bits the guards read (Base: Identify Controller data structure). */
#define NVME_OACS_FORMAT_NVM   (1u << 1)  /* OACS bit 1: Format NVM supported */
#define NVME_SANICAP_CES       (1u << 0)  /* Crypto Erase sanitize supported */
#define NVME_SANICAP_BES       (1u << 1)  /* Block Erase sanitize supported */
#define NVME_SANICAP_OWS       (1u << 2)  /* Overwrite sanitize supported */
#define NVME_SANICAP_NDI       (1u << 29) /* No-Deallocate Inhibited */
#define NVME_FNA_FORMAT_ALL_NS (1u << 0)  /* a format (not its erase) applies to all namespaces */
#define NVME_FNA_ERASE_ALL_NS  (1u << 1)  /* a secure erase applies to all namespaces */
#define NVME_FNA_CRYPTO_ERASE  (1u << 2)  /* cryptographic erase supported */
#define NVME_FNA_NO_NSID_ALL   (1u << 3)  /* Format NVM with NSID FFFFFFFFh not supported */

/* ---- Format NVM (Base: Format NVM command; NVM-CS: Format NVM, LBA format fields) ------------ */

/* Secure Erase Settings, Format NVM CDW10 bits 11:9 (Base: Format NVM, Command Dword 10). */
enum nvme_ses {
        NVME_SES_NONE = 0,      /* no secure erase requested: not a purge */
        NVME_SES_USER_DATA = 1, /* User Data Erase */
        NVME_SES_CRYPTO = 2,    /* Cryptographic Erase */
};

/* Fills a Format NVM for namespace nsid that keeps the namespace's LBA format, metadata setting and
 * protection information (LBAF/MSET/PI/PIL from ns) and requests secure erase ses. The timeout
 * follows ses. -EINVAL for nsid 0 or an unknown ses. */
int nvme_build_format_nvm(uint32_t nsid, const struct nvme_ns_identity *ns, enum nvme_ses ses,
                          struct nvme_admin_cmd *ret_cmd);

/* Whether a Format NVM with ses is a purge this controller can do: SES 0 is refused (-EINVAL: it
 * erases nothing by contract), as is any SES when OACS bit 1 is clear (-EOPNOTSUPP) and SES 2 when
 * FNA bit 2 (crypto erase supported) is clear (-EOPNOTSUPP). 0 when allowed. On a refusal
 * *ret_reason, if ret_reason is not NULL, is set to a static one-line explanation (it is the
 * answer to "why not", so unlike other ret_ outputs it is set exactly when the call fails). */
int nvme_format_ses_allowed(const struct nvme_ctrl_identity *ctrl, enum nvme_ses ses,
                            const char **ret_reason);

/* Whether a secure erase by Format NVM erases every namespace of the subsystem (FNA bit 1), not just
 * the one named: the operation above must then hold the whole controller, not one namespace. */
bool nvme_format_erases_all_namespaces(const struct nvme_ctrl_identity *ctrl);

/* ---- Sanitize (Base: Sanitize command; Sanitize Operations) ---------------------------------- */

/* Sanitize Action, CDW10 bits 2:0 (Base: Sanitize, Command Dword 10). */
enum nvme_sanact {
        NVME_SANACT_EXIT_FAILURE_MODE = 1,
        NVME_SANACT_BLOCK_ERASE = 2,
        NVME_SANACT_OVERWRITE = 3,
        NVME_SANACT_CRYPTO_ERASE = 4,
};

struct nvme_sanitize_args {
        enum nvme_sanact action;
        bool ause;                  /* Allow Unrestricted Sanitize Exit */
        uint8_t overwrite_passes;   /* OWPASS, overwrite only: 1-15, or 0 for 16 passes */
        bool invert_between_passes; /* OIPBP, overwrite only */
        bool no_deallocate;         /* NDAS: do not deallocate after the sanitize */
        uint32_t overwrite_pattern; /* OVRPAT (CDW11), overwrite only */
};

/* Fills a Sanitize command from a. -EINVAL for an unknown action, OWPASS > 15, or overwrite fields
 * (OWPASS, OIPBP, OVRPAT) given with an action other than overwrite. */
int nvme_build_sanitize(const struct nvme_sanitize_args *a, struct nvme_admin_cmd *ret_cmd);

/* Whether the controller supports the sanitize a asks for: the SANICAP bit of the action (CES for
 * crypto erase, BES for block erase, OWS for overwrite; any of them for exit failure mode), and no
 * No-Deallocate request when SANICAP NDI says the controller will not honour it. Sanitize support
 * is reported by SANICAP alone: OACS has no sanitize bit (its bit 1 is Format NVM). 0 when allowed,
 * -EOPNOTSUPP otherwise, -EINVAL for an unknown action; *ret_reason as for
 * nvme_format_ses_allowed(). */
int nvme_sanitize_allowed(const struct nvme_ctrl_identity *ctrl, const struct nvme_sanitize_args *a,
                          const char **ret_reason);

/* ---- Sanitize Status log page (Base: Get Log Page, Sanitize Status) -------------------------- */

/* Fills a Get Log Page for the 512-byte Sanitize Status log into buf (NSID FFFFFFFFh: the log is
 * about the whole subsystem). rae keeps the Sanitize Operation Completed asynchronous event
 * outstanding (Retain Asynchronous Event). */
void nvme_build_get_log_sanitize(void *buf, bool rae, struct nvme_admin_cmd *ret_cmd);

/* SSTAT bits 2:0, status of the most recent sanitize (Base: Sanitize Status log, SSTAT). */
enum nvme_sanitize_state {
        NVME_SANITIZE_NEVER = 0,
        NVME_SANITIZE_COMPLETED = 1,
        NVME_SANITIZE_IN_PROGRESS = 2,
        NVME_SANITIZE_FAILED = 3,
        NVME_SANITIZE_COMPLETED_NO_DEALLOCATE = 4, /* completed; NDAS was honoured */
};

#define NVME_SANITIZE_NO_ESTIMATE 0xffffffffu

struct nvme_sanitize_status {
        enum nvme_sanitize_state state;
        uint16_t sprog;                 /* raw SPROG: progress numerator over 65536 */
        uint16_t progress_basis_points; /* SPROG in 1/100 %, 0-9999; 0 unless in progress */
        uint8_t overwrite_passes_done;  /* SSTAT bits 7:3 */
        bool is_global_data_erased;     /* SSTAT bit 8: no user data written since the last sanitize */
        uint32_t scdw10;                /* CDW10 of the Sanitize that started the operation */
        /* Estimated seconds; NVME_SANITIZE_NO_ESTIMATE when not reported, 0 for "done at once". */
        uint32_t est_overwrite_s, est_block_erase_s, est_crypto_erase_s;
        uint32_t est_overwrite_nd_s, est_block_erase_nd_s, est_crypto_erase_nd_s; /* with NDAS */
};

/* Decodes a Sanitize Status log page. -EBADMSG for a reserved status value (5-7). */
int nvme_parse_sanitize_log(const uint8_t buf[NVME_SANITIZE_LOG_BYTES], struct nvme_sanitize_status *ret);

/* ---- SMART / Health Information log page (Base: Get Log Page, SMART / Health Information) ------- */

#define NVME_LID_SMART       0x02
#define NVME_SMART_LOG_BYTES 512

/* Fills a Get Log Page for the 512-byte SMART / Health Information log of the whole controller (NSID
 * FFFFFFFFh) into buf. rae keeps a SMART / Health asynchronous event outstanding, so reading the log
 * changes nothing in the controller. */
void nvme_build_get_log_smart(void *buf, bool rae, struct nvme_admin_cmd *ret_cmd);

/* Critical Warning bits (byte 0). */
enum {
        NVME_SMART_CW_SPARE = 1u << 0,       /* available spare below its threshold */
        NVME_SMART_CW_TEMPERATURE = 1u << 1, /* a temperature above or below a threshold */
        NVME_SMART_CW_RELIABILITY = 1u << 2, /* degraded by media or internal errors */
        NVME_SMART_CW_READ_ONLY = 1u << 3,   /* media placed in read-only mode */
        NVME_SMART_CW_VOLATILE_BACKUP = 1u << 4,
        NVME_SMART_CW_PMR_READ_ONLY = 1u << 5,
};

struct nvme_smart_log {
        uint8_t critical_warning;
        uint16_t composite_temperature_k; /* Kelvin; 0 when not reported */
        uint8_t available_spare;          /* percent */
        uint8_t available_spare_threshold;
        uint8_t percentage_used; /* of the rated life; may exceed 100 (255 at most) */
        /* The 128-bit counters (16 bytes little-endian), saturated to UINT64_MAX (is_saturated tells). */
        uint64_t power_cycles;
        uint64_t power_on_hours;
        uint64_t unsafe_shutdowns;
        uint64_t media_errors; /* Media and Data Integrity Errors */
        uint64_t error_log_entries;
        bool is_saturated; /* some counter above did not fit in 64 bits */
};

/* Decodes a SMART / Health Information log page. Never fails on content (every value is legal); 0. */
int nvme_parse_smart_log(const uint8_t buf[NVME_SMART_LOG_BYTES], struct nvme_smart_log *ret);

/* ---- completion status (Base: Completion Queue Entry, Status Field; status code tables) ------- */

/* Status Code Types. */
enum {
        NVME_SCT_GENERIC = 0,
        NVME_SCT_COMMAND_SPECIFIC = 1,
        NVME_SCT_MEDIA = 2,
        NVME_SCT_PATH = 3,
        NVME_SCT_VENDOR = 7,
};

/* Statuses a purge meets, as (SCT << 8) | SC, comparable with struct nvme_status.code. */
enum {
        NVME_STATUS_SUCCESS = 0x000,
        NVME_STATUS_INVALID_OPCODE = 0x001,
        NVME_STATUS_INVALID_FIELD = 0x002,
        NVME_STATUS_INTERNAL_ERROR = 0x006,
        NVME_STATUS_INVALID_NS_OR_FORMAT = 0x00b,
        NVME_STATUS_COMMAND_SEQUENCE_ERROR = 0x00c,
        NVME_STATUS_OPERATION_DENIED = 0x015,
        NVME_STATUS_SANITIZE_FAILED = 0x01c,
        NVME_STATUS_SANITIZE_IN_PROGRESS = 0x01d,
        NVME_STATUS_NS_WRITE_PROTECTED = 0x020,
        NVME_STATUS_FORMAT_IN_PROGRESS = 0x084, /* NVM command set specific, in the generic type */
        NVME_STATUS_INVALID_LOG_PAGE = 0x109,
        NVME_STATUS_INVALID_FORMAT = 0x10a,
        NVME_STATUS_FW_NEEDS_CONVENTIONAL_RESET = 0x10b,
        NVME_STATUS_FW_NEEDS_SUBSYSTEM_RESET = 0x110,
        NVME_STATUS_FW_NEEDS_CONTROLLER_RESET = 0x111,
        NVME_STATUS_FW_NEEDS_MAX_TIME_VIOLATION = 0x112,
        NVME_STATUS_FW_ACTIVATION_PROHIBITED = 0x113,
        NVME_STATUS_SANITIZE_PROHIBITED_PMR = 0x123,
        NVME_STATUS_ACCESS_DENIED = 0x286,
};

struct nvme_status {
        uint16_t code; /* (SCT << 8) | SC */
        uint8_t sct;
        uint8_t sc;
        uint8_t crd;  /* Command Retry Delay index, 0 = retry at once */
        bool is_more; /* More: the Error Information log has more */
        bool is_dnr;  /* Do Not Retry */
};

/* Decodes a status field as the Linux NVMe ioctls return it: completion DW3 bits 31:17, i.e. SC in
 * bits 7:0, SCT 10:8, CRD 12:11, More 13, DNR 14 (no phase tag). -EINVAL when bit 15 is set (not a
 * status field in that layout: a CQE DW3 half with the phase tag must go through
 * nvme_status_field_from_cqe() first). */
int nvme_status_decode(uint16_t status_field, struct nvme_status *ret);

/* The status field (as above) from completion queue entry Dword 3. */
uint16_t nvme_status_field_from_cqe(uint32_t cqe_dw3);

/* The specification's name for (SCT << 8) | SC, or NULL for one kesu does not name. */
const char *nvme_status_to_string(uint16_t code);
