/* SPDX-License-Identifier: MIT */
/* NVMe purge commands: Format NVM, Sanitize, the Sanitize Status log and completion statuses. Pure
 * builders and decoders (NVM Express Base 2.0, NVM Command Set 1.0); a transport sends them. */
#include "nvme-cmd.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Format NVM Command Dword 10 (Base, Format NVM command; NVM Command Set, Format NVM). */
enum {
        NVME_FORMAT_LBAFL_MASK = 0xfu, /* bits 3:0: LBA format index, low nibble */
        NVME_FORMAT_MSET = 1u << 4,    /* metadata transferred inline (extended LBA) */
        NVME_FORMAT_PI_SHIFT = 5,      /* bits 7:5: protection information type */
        NVME_FORMAT_PIL = 1u << 8,     /* PI in the first bytes of metadata */
        NVME_FORMAT_SES_SHIFT = 9,     /* bits 11:9: secure erase settings */
        NVME_FORMAT_LBAFU_SHIFT = 12,  /* bits 13:12: LBA format index, bits 5:4 */
};

int nvme_build_format_nvm(uint32_t nsid, const struct nvme_ns_identity *ns, enum nvme_ses ses,
                          struct nvme_admin_cmd *ret_cmd)
{
        if (nsid == 0 || ns->lba_format_index >= 64 || ns->pi_type > 7)
                return -EINVAL;
        if (ses != NVME_SES_NONE && ses != NVME_SES_USER_DATA && ses != NVME_SES_CRYPTO)
                return -EINVAL;

        struct nvme_admin_cmd cmd = { 0 };
        cmd.opcode = NVME_ADMIN_FORMAT_NVM;
        cmd.nsid = nsid;
        cmd.cdw10 = (ns->lba_format_index & NVME_FORMAT_LBAFL_MASK) |
                    (ns->has_extended_lba ? NVME_FORMAT_MSET : 0) |
                    (uint32_t)ns->pi_type << NVME_FORMAT_PI_SHIFT | (ns->is_pi_first ? NVME_FORMAT_PIL : 0) |
                    (uint32_t)ses << NVME_FORMAT_SES_SHIFT |
                    (uint32_t)((ns->lba_format_index >> 4) & 0x3u) << NVME_FORMAT_LBAFU_SHIFT;
        cmd.timeout_ms =
                ses == NVME_SES_CRYPTO ? NVME_FORMAT_CRYPTO_TIMEOUT_MS : NVME_FORMAT_USER_DATA_TIMEOUT_MS;
        *ret_cmd = cmd;
        return 0;
}

static int refuse(int r, const char *reason, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = reason;
        return r;
}

int nvme_format_ses_allowed(const struct nvme_ctrl_identity *ctrl, enum nvme_ses ses,
                            const char **ret_reason)
{
        switch (ses) {
        case NVME_SES_NONE:
                return refuse(-EINVAL, "Format NVM with SES 0 requests no secure erase: it is no purge",
                              ret_reason);
        case NVME_SES_USER_DATA:
        case NVME_SES_CRYPTO:
                break;
        default:
                return refuse(-EINVAL, "unknown Format NVM secure erase setting", ret_reason);
        }
        if (!(ctrl->oacs & NVME_OACS_FORMAT_NVM))
                return refuse(-EOPNOTSUPP, "the controller does not support Format NVM (OACS bit 1 clear)",
                              ret_reason);
        if (ses == NVME_SES_CRYPTO && !(ctrl->fna & NVME_FNA_CRYPTO_ERASE))
                return refuse(-EOPNOTSUPP, "no cryptographic erase by Format NVM (FNA bit 2 clear)",
                              ret_reason);
        return 0;
}

bool nvme_format_erases_all_namespaces(const struct nvme_ctrl_identity *ctrl)
{
        return ctrl->fna & NVME_FNA_ERASE_ALL_NS;
}

/* Sanitize Command Dword 10 (Base, Sanitize command). */
enum {
        NVME_SANITIZE_SANACT_MASK = 0x7u, /* bits 2:0 */
        NVME_SANITIZE_AUSE = 1u << 3,
        NVME_SANITIZE_OWPASS_SHIFT = 4, /* bits 7:4 */
        NVME_SANITIZE_OIPBP = 1u << 8,
        NVME_SANITIZE_NDAS = 1u << 9,
};

static bool sanact_is_known(enum nvme_sanact a)
{
        return a == NVME_SANACT_EXIT_FAILURE_MODE || a == NVME_SANACT_BLOCK_ERASE ||
               a == NVME_SANACT_OVERWRITE || a == NVME_SANACT_CRYPTO_ERASE;
}

int nvme_build_sanitize(const struct nvme_sanitize_args *a, struct nvme_admin_cmd *ret_cmd)
{
        if (!sanact_is_known(a->action) || a->overwrite_passes > 15)
                return -EINVAL;
        /* Overwrite fields are ignored by the controller for other actions: a caller that sets them
         * has confused two requests, so say so rather than drop them. */
        if (a->action != NVME_SANACT_OVERWRITE &&
            (a->overwrite_passes || a->invert_between_passes || a->overwrite_pattern))
                return -EINVAL;

        struct nvme_admin_cmd cmd = { 0 };
        cmd.opcode = NVME_ADMIN_SANITIZE;
        cmd.nsid = 0; /* the scope is the NVM subsystem; NSID is not used */
        cmd.cdw10 = ((uint32_t)a->action & NVME_SANITIZE_SANACT_MASK) | (a->ause ? NVME_SANITIZE_AUSE : 0) |
                    (uint32_t)a->overwrite_passes << NVME_SANITIZE_OWPASS_SHIFT |
                    (a->invert_between_passes ? NVME_SANITIZE_OIPBP : 0) |
                    (a->no_deallocate ? NVME_SANITIZE_NDAS : 0);
        cmd.cdw11 = a->overwrite_pattern;
        cmd.timeout_ms = NVME_SANITIZE_TIMEOUT_MS;
        *ret_cmd = cmd;
        return 0;
}

int nvme_sanitize_allowed(const struct nvme_ctrl_identity *ctrl, const struct nvme_sanitize_args *a,
                          const char **ret_reason)
{
        uint32_t methods = ctrl->sanicap & (NVME_SANICAP_CES | NVME_SANICAP_BES | NVME_SANICAP_OWS);

        switch (a->action) {
        case NVME_SANACT_CRYPTO_ERASE:
                if (!(methods & NVME_SANICAP_CES))
                        return refuse(-EOPNOTSUPP, "no crypto erase sanitize (SANICAP CES clear)",
                                      ret_reason);
                break;
        case NVME_SANACT_BLOCK_ERASE:
                if (!(methods & NVME_SANICAP_BES))
                        return refuse(-EOPNOTSUPP, "no block erase sanitize (SANICAP BES clear)",
                                      ret_reason);
                break;
        case NVME_SANACT_OVERWRITE:
                if (!(methods & NVME_SANICAP_OWS))
                        return refuse(-EOPNOTSUPP, "no overwrite sanitize (SANICAP OWS clear)", ret_reason);
                break;
        case NVME_SANACT_EXIT_FAILURE_MODE:
                if (!methods)
                        return refuse(-EOPNOTSUPP,
                                      "the controller does not support Sanitize (SANICAP 2:0 clear)",
                                      ret_reason);
                break;
        default:
                return refuse(-EINVAL, "unknown sanitize action", ret_reason);
        }
        if (a->no_deallocate && (ctrl->sanicap & NVME_SANICAP_NDI))
                return refuse(
                        -EOPNOTSUPP,
                        "No-Deallocate After Sanitize is inhibited by this controller (SANICAP NDI set)",
                        ret_reason);
        return 0;
}

/* Get Log Page Command Dwords 10/11 (Base, Get Log Page command). NUMD is a zero-based count of
 * dwords, split into NUMDL (CDW10 31:16) and NUMDU (CDW11 15:0). */
enum {
        NVME_LOG_RAE = 1u << 15,
        NVME_LOG_NUMDL_SHIFT = 16,
};

static void build_get_log(uint8_t lid, uint32_t bytes, void *buf, bool rae, struct nvme_admin_cmd *ret_cmd)
{
        const uint32_t numd = bytes / 4 - 1;
        struct nvme_admin_cmd cmd = { 0 };

        cmd.opcode = NVME_ADMIN_GET_LOG_PAGE;
        cmd.nsid = NVME_NSID_ALL;
        cmd.addr = (uint64_t)(uintptr_t)buf;
        cmd.data_len = bytes;
        cmd.cdw10 = lid | (rae ? NVME_LOG_RAE : 0) | (numd & 0xffffu) << NVME_LOG_NUMDL_SHIFT;
        cmd.cdw11 = numd >> 16; /* NUMDU; LSI 0 */
        cmd.timeout_ms = NVME_GET_LOG_TIMEOUT_MS;
        *ret_cmd = cmd;
}

void nvme_build_get_log_sanitize(void *buf, bool rae, struct nvme_admin_cmd *ret_cmd)
{
        build_get_log(NVME_LID_SANITIZE_STATUS, NVME_SANITIZE_LOG_BYTES, buf, rae, ret_cmd);
}

void nvme_build_get_log_smart(void *buf, bool rae, struct nvme_admin_cmd *ret_cmd)
{
        build_get_log(NVME_LID_SMART, NVME_SMART_LOG_BYTES, buf, rae, ret_cmd);
}

/* SMART / Health Information log byte offsets (Base, SMART / Health Information log page). */
enum {
        NVME_SMART_CRITICAL_WARNING = 0,
        NVME_SMART_COMPOSITE_TEMPERATURE = 1, /* 2 bytes, Kelvin */
        NVME_SMART_AVAILABLE_SPARE = 3,
        NVME_SMART_AVAILABLE_SPARE_THRESHOLD = 4,
        NVME_SMART_PERCENTAGE_USED = 5,
        NVME_SMART_POWER_CYCLES = 112, /* 16 bytes each from here */
        NVME_SMART_POWER_ON_HOURS = 128,
        NVME_SMART_UNSAFE_SHUTDOWNS = 144,
        NVME_SMART_MEDIA_ERRORS = 160,
        NVME_SMART_ERROR_LOG_ENTRIES = 176,
};

/* A 128-bit little-endian counter, saturated to 64 bits. */
static uint64_t le128_load_saturated(const uint8_t *p, bool *is_saturated)
{
        if (le64_load(p + 8) != 0) {
                *is_saturated = true;
                return UINT64_MAX;
        }
        return le64_load(p);
}

int nvme_parse_smart_log(const uint8_t buf[NVME_SMART_LOG_BYTES], struct nvme_smart_log *ret)
{
        struct nvme_smart_log s = { 0 };

        s.critical_warning = buf[NVME_SMART_CRITICAL_WARNING];
        s.composite_temperature_k = le16_load(buf + NVME_SMART_COMPOSITE_TEMPERATURE);
        s.available_spare = buf[NVME_SMART_AVAILABLE_SPARE];
        s.available_spare_threshold = buf[NVME_SMART_AVAILABLE_SPARE_THRESHOLD];
        s.percentage_used = buf[NVME_SMART_PERCENTAGE_USED];
        s.power_cycles = le128_load_saturated(buf + NVME_SMART_POWER_CYCLES, &s.is_saturated);
        s.power_on_hours = le128_load_saturated(buf + NVME_SMART_POWER_ON_HOURS, &s.is_saturated);
        s.unsafe_shutdowns = le128_load_saturated(buf + NVME_SMART_UNSAFE_SHUTDOWNS, &s.is_saturated);
        s.media_errors = le128_load_saturated(buf + NVME_SMART_MEDIA_ERRORS, &s.is_saturated);
        s.error_log_entries = le128_load_saturated(buf + NVME_SMART_ERROR_LOG_ENTRIES, &s.is_saturated);
        *ret = s;
        return 0;
}

/* Sanitize Status log page byte offsets (Base, Sanitize Status log page). */
enum {
        NVME_SSLOG_SPROG = 0,
        NVME_SSLOG_SSTAT = 2,
        NVME_SSLOG_SCDW10 = 4,
        NVME_SSLOG_ETO = 8,
        NVME_SSLOG_ETBE = 12,
        NVME_SSLOG_ETCE = 16,
        NVME_SSLOG_ETOND = 20,
        NVME_SSLOG_ETBEND = 24,
        NVME_SSLOG_ETCEND = 28,
};

int nvme_parse_sanitize_log(const uint8_t buf[NVME_SANITIZE_LOG_BYTES], struct nvme_sanitize_status *ret)
{
        struct nvme_sanitize_status s = { 0 };
        uint16_t sstat = le16_load(buf + NVME_SSLOG_SSTAT);
        unsigned state = sstat & 0x7u;

        if (state > NVME_SANITIZE_COMPLETED_NO_DEALLOCATE)
                return -EBADMSG;
        s.state = (enum nvme_sanitize_state)state;
        s.overwrite_passes_done = (sstat >> 3) & 0x1fu;
        s.is_global_data_erased = sstat & (1u << 8);
        s.sprog = le16_load(buf + NVME_SSLOG_SPROG);
        /* SPROG is FFFFh unless a sanitize is in progress; report progress only then. */
        if (s.state == NVME_SANITIZE_IN_PROGRESS)
                s.progress_basis_points = (uint16_t)((uint32_t)s.sprog * 10000u / 65536u);
        s.scdw10 = le32_load(buf + NVME_SSLOG_SCDW10);
        s.est_overwrite_s = le32_load(buf + NVME_SSLOG_ETO);
        s.est_block_erase_s = le32_load(buf + NVME_SSLOG_ETBE);
        s.est_crypto_erase_s = le32_load(buf + NVME_SSLOG_ETCE);
        s.est_overwrite_nd_s = le32_load(buf + NVME_SSLOG_ETOND);
        s.est_block_erase_nd_s = le32_load(buf + NVME_SSLOG_ETBEND);
        s.est_crypto_erase_nd_s = le32_load(buf + NVME_SSLOG_ETCEND);
        *ret = s;
        return 0;
}

/* Status Field layout without the phase tag (Base, Completion Queue Entry: Status Field). */
enum {
        NVME_STATUS_SC_MASK = 0xffu,
        NVME_STATUS_SCT_SHIFT = 8,  /* bits 10:8 */
        NVME_STATUS_CRD_SHIFT = 11, /* bits 12:11 */
        NVME_STATUS_MORE = 1u << 13,
        NVME_STATUS_DNR = 1u << 14,
};

int nvme_status_decode(uint16_t status_field, struct nvme_status *ret)
{
        if (status_field & 0x8000u)
                return -EINVAL;

        struct nvme_status s = { 0 };
        s.sc = status_field & NVME_STATUS_SC_MASK;
        s.sct = (status_field >> NVME_STATUS_SCT_SHIFT) & 0x7u;
        s.crd = (status_field >> NVME_STATUS_CRD_SHIFT) & 0x3u;
        s.is_more = status_field & NVME_STATUS_MORE;
        s.is_dnr = status_field & NVME_STATUS_DNR;
        s.code = (uint16_t)(s.sct << 8 | s.sc);
        *ret = s;
        return 0;
}

uint16_t nvme_status_field_from_cqe(uint32_t cqe_dw3)
{
        /* DW3: bits 15:0 command identifier, bit 16 phase tag, bits 31:17 status field. */
        return (uint16_t)(cqe_dw3 >> 17);
}

static const struct {
        uint16_t code;
        const char *name;
} nvme_status_names[] = {
        { NVME_STATUS_SUCCESS, "Successful Completion" },
        { NVME_STATUS_INVALID_OPCODE, "Invalid Command Opcode" },
        { NVME_STATUS_INVALID_FIELD, "Invalid Field in Command" },
        { NVME_STATUS_INTERNAL_ERROR, "Internal Error" },
        { NVME_STATUS_INVALID_NS_OR_FORMAT, "Invalid Namespace or Format" },
        { NVME_STATUS_COMMAND_SEQUENCE_ERROR, "Command Sequence Error" },
        { NVME_STATUS_OPERATION_DENIED, "Operation Denied" },
        { NVME_STATUS_SANITIZE_FAILED, "Sanitize Failed" },
        { NVME_STATUS_SANITIZE_IN_PROGRESS, "Sanitize In Progress" },
        { NVME_STATUS_NS_WRITE_PROTECTED, "Namespace is Write Protected" },
        { NVME_STATUS_FORMAT_IN_PROGRESS, "Format In Progress" },
        { NVME_STATUS_INVALID_LOG_PAGE, "Invalid Log Page" },
        { NVME_STATUS_INVALID_FORMAT, "Invalid Format" },
        { NVME_STATUS_FW_NEEDS_CONVENTIONAL_RESET, "Firmware Activation Requires Conventional Reset" },
        { NVME_STATUS_FW_NEEDS_SUBSYSTEM_RESET, "Firmware Activation Requires NVM Subsystem Reset" },
        { NVME_STATUS_FW_NEEDS_CONTROLLER_RESET, "Firmware Activation Requires Controller Level Reset" },
        { NVME_STATUS_FW_NEEDS_MAX_TIME_VIOLATION, "Firmware Activation Requires Maximum Time Violation" },
        { NVME_STATUS_FW_ACTIVATION_PROHIBITED, "Firmware Activation Prohibited" },
        { NVME_STATUS_SANITIZE_PROHIBITED_PMR,
          "Sanitize Prohibited While Persistent Memory Region is Enabled" },
        { NVME_STATUS_ACCESS_DENIED, "Access Denied" },
};

const char *nvme_status_to_string(uint16_t code)
{
        for (size_t i = 0; i < sizeof nvme_status_names / sizeof nvme_status_names[0]; i++)
                if (nvme_status_names[i].code == code)
                        return nvme_status_names[i].name;
        return NULL;
}
