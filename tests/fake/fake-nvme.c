/* SPDX-License-Identifier: MIT */
/* A stateful fake NVMe controller (fake-nvme.h): the admin commands of a purge, from the spec. */
#include "fake-nvme.h"

#include "fake-tper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Status fields as the Linux ioctl returns them: SC 7:0, SCT 10:8, DNR 14 (Base: Status Field). */
enum {
        ST_SUCCESS = 0x0000,
        ST_DNR = 0x4000,
        ST_INVALID_OPCODE = 0x0001 | ST_DNR,
        ST_INVALID_FIELD = 0x0002 | ST_DNR,
        ST_INTERNAL_ERROR = 0x0006,
        ST_INVALID_NS = 0x000b | ST_DNR,
        ST_SANITIZE_FAILED = 0x001c | ST_DNR,
        ST_SANITIZE_IN_PROGRESS = 0x001d | ST_DNR,
        ST_INVALID_LOG_PAGE = 0x0109 | ST_DNR,
        ST_INVALID_FORMAT = 0x010a | ST_DNR,
};

/* Opcodes and fields (Base: Admin Command Set; Format NVM, Sanitize and Get Log Page CDW10). */
enum {
        OP_GET_LOG_PAGE = 0x02,
        OP_IDENTIFY = 0x06,
        OP_FORMAT_NVM = 0x80,
        OP_SANITIZE = 0x84,
        OP_SECURITY_SEND = 0x81,
        OP_SECURITY_RECV = 0x82,
        SANACT_EXIT = 1,
        SANACT_BLOCK = 2,
        SANACT_OVERWRITE = 3,
        SANACT_CRYPTO = 4,
        CDW10_AUSE = 1u << 3,
        CDW10_NDAS = 1u << 9,
        SSTAT_NEVER = 0,
        SSTAT_COMPLETED = 1,
        SSTAT_IN_PROGRESS = 2,
        SSTAT_FAILED = 3,
        SSTAT_COMPLETED_ND = 4,
        SSTAT_GDE = 1u << 8, /* Global Data Erased */
        LBAF_COUNT = 2,
};

struct fake_nvme {
        struct fake_nvme_config cfg;
        char model[41], serial[21];
        struct fake_nvme_counts counts;
        /* Sanitize Status log state */
        unsigned sstat; /* bits 2:0 */
        bool is_gde;
        uint16_t sprog;
        uint32_t scdw10;
        uint32_t ovrpat;     /* CDW11 of the running overwrite */
        bool is_failing;     /* the running sanitize ends in failure */
        bool is_filling;     /* the running sanitize erases the medium (false: a lie) */
        unsigned polls_left; /* log reads still showing it in progress */
        unsigned polls_total;
        bool is_failure_mode;
        bool is_restricted; /* the failed sanitize had AUSE=0 */
        bool is_race_done;
        uint8_t lba_format;
        int medium_error;
};

static void put_le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        put_le16(p, (uint16_t)v);
        put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
        put_le32(p, (uint32_t)v);
        put_le32(p + 4, (uint32_t)(v >> 32));
}

static void put_string(uint8_t *p, size_t n, const char *s)
{
        memset(p, ' ', n);
        memcpy(p, s, strnlen(s, n));
}

static uint32_t block_bytes(uint8_t lbaf)
{
        return lbaf == 1 ? 4096 : 512;
}

int fake_nvme_new(const struct fake_nvme_config *config, struct fake_nvme **ret)
{
        if (config->initial_sstat > SSTAT_COMPLETED_ND || config->lba_format_index >= LBAF_COUNT)
                return -EINVAL;
        struct fake_nvme *f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->cfg = *config;
        snprintf(f->model, sizeof f->model, "%s", config->model ? config->model : "KESU FAKE NVMe");
        snprintf(f->serial, sizeof f->serial, "%s", config->serial ? config->serial : "FAKE0001");
        if (!f->cfg.namespaces)
                f->cfg.namespaces = 1;
        f->lba_format = config->lba_format_index;
        f->sstat = config->initial_sstat;
        f->scdw10 = config->initial_scdw10;
        f->sprog = 0xffff;
        if (f->sstat == SSTAT_IN_PROGRESS) {
                f->sprog = 0;
                f->polls_left = f->polls_total = config->initial_polls;
                f->is_filling = true;
        } else if (f->sstat == SSTAT_FAILED) {
                f->is_failure_mode = true;
                f->is_restricted = !(config->initial_scdw10 & CDW10_AUSE);
        }
        *ret = f;
        return 0;
}

struct fake_nvme *fake_nvme_free(struct fake_nvme *f)
{
        free(f);
        return NULL;
}

static uint64_t ns_blocks(const struct fake_nvme *f)
{
        if (f->cfg.nsze)
                return f->cfg.nsze;
        if (f->cfg.medium.fd >= 0 && f->cfg.medium.bytes)
                return f->cfg.medium.bytes / block_bytes(f->lba_format);
        return 2048;
}

static void fill(struct fake_nvme *f, enum fake_fill how, uint32_t pattern)
{
        fake_medium_erase(&f->cfg.medium, how, pattern, &f->medium_error, &f->counts.medium_fills);
}

/* ---- Identify (Base: Identify Controller, Identify Namespace data structures) ----------------- */

static uint16_t identify(struct fake_nvme *f, const struct nvme_admin_cmd *cmd, uint8_t *buf)
{
        f->counts.identify++;
        memset(buf, 0, 4096);
        switch (cmd->cdw10 & 0xff) {
        case 0x01: /* controller */
                put_le16(buf + 0, 0x1b36);
                put_string(buf + 4, 20, f->serial);
                put_string(buf + 24, 40, f->model);
                put_string(buf + 64, 8, "1.0");
                /* OACS bit 0: Security Send and Security Receive supported */
                put_le16(buf + 256, (uint16_t)(f->cfg.oacs | (f->cfg.tper ? 1u << 0 : 0)));
                put_le32(buf + 328, f->cfg.sanicap);
                put_le32(buf + 516, f->cfg.namespaces); /* NN */
                buf[524] = f->cfg.fna;
                return ST_SUCCESS;
        case 0x00: /* namespace */
                if (cmd->nsid == 0 || cmd->nsid > f->cfg.namespaces)
                        return ST_INVALID_NS;
                put_le64(buf + 0, ns_blocks(f));  /* NSZE */
                put_le64(buf + 8, ns_blocks(f));  /* NCAP */
                put_le64(buf + 16, ns_blocks(f)); /* NUSE */
                buf[25] = LBAF_COUNT - 1;         /* NLBAF, zero-based */
                buf[26] = f->lba_format;          /* FLBAS */
                put_le32(buf + 128, 9u << 16);    /* LBAF0: LBADS 9 */
                put_le32(buf + 132, 12u << 16);   /* LBAF1: LBADS 12 */
                return ST_SUCCESS;
        default:
                return ST_INVALID_FIELD;
        }
}

/* ---- Sanitize Status log and the running sanitize (Base: Sanitize Operations) ------------------ */

static void sanitize_end(struct fake_nvme *f)
{
        f->sprog = 0xffff;
        if (f->is_failing) {
                f->sstat = SSTAT_FAILED;
                f->is_gde = false;
                f->is_failure_mode = true;
                f->is_restricted = !(f->scdw10 & CDW10_AUSE);
                return;
        }
        if (f->is_filling) {
                switch (f->scdw10 & 0x7) {
                case SANACT_CRYPTO:
                        fill(f, FAKE_FILL_RANDOM, 0);
                        break;
                case SANACT_BLOCK:
                        fill(f, FAKE_FILL_ZERO, 0);
                        break;
                case SANACT_OVERWRITE:
                        fill(f, FAKE_FILL_PATTERN, f->ovrpat);
                        break;
                }
        }
        f->sstat = (f->scdw10 & CDW10_NDAS) ? SSTAT_COMPLETED_ND : SSTAT_COMPLETED;
        f->is_gde = true;
        f->is_failure_mode = false;
}

static void sanitize_start(struct fake_nvme *f, uint32_t cdw10, uint32_t cdw11, unsigned polls,
                           bool is_failing, bool is_filling)
{
        f->counts.sanitize_started++;
        f->sstat = SSTAT_IN_PROGRESS;
        f->is_gde = false;
        f->sprog = 0;
        f->scdw10 = cdw10;
        f->ovrpat = cdw11;
        f->is_failing = is_failing;
        f->is_filling = is_filling;
        f->polls_left = f->polls_total = polls;
}

static void sanitize_log(struct fake_nvme *f, uint8_t *buf)
{
        if (f->sstat == SSTAT_IN_PROGRESS) {
                if (f->polls_left == 0)
                        sanitize_end(f);
                else {
                        unsigned done = f->polls_total - f->polls_left;
                        f->sprog = (uint16_t)((uint64_t)done * 65536 / f->polls_total);
                        f->polls_left--;
                }
        }
        memset(buf, 0, 512);
        put_le16(buf + 0, f->sprog);
        put_le16(buf + 2, (uint16_t)(f->sstat | (f->is_gde ? SSTAT_GDE : 0)));
        put_le32(buf + 4, f->scdw10);
        put_le32(buf + 8, 0xffffffffu); /* estimates: none reported */
        put_le32(buf + 12, 0xffffffffu);
        put_le32(buf + 16, 0xffffffffu);
}

static void smart_log(const struct fake_nvme *f, uint8_t *buf)
{
        const struct fake_nvme_smart *s = &f->cfg.smart;
        memset(buf, 0, 512);
        buf[0] = s->critical_warning;
        put_le16(buf + 1, s->temperature_k);
        buf[3] = s->available_spare;
        buf[4] = 10; /* available spare threshold */
        buf[5] = s->percentage_used;
        put_le64(buf + 112, s->power_cycles);
        put_le64(buf + 128, s->power_on_hours);
        put_le64(buf + 136, s->power_on_hours_high);
        put_le64(buf + 160, s->media_errors);
}

static uint16_t get_log_page(struct fake_nvme *f, const struct nvme_admin_cmd *cmd, uint8_t *buf)
{
        uint32_t numd = (cmd->cdw10 >> 16 | (cmd->cdw11 & 0xffff) << 16) + 1;
        uint32_t bytes = numd * 4;
        uint8_t page[512];

        if (bytes > cmd->data_len) {
                f->counts.bad_commands++;
                return ST_INVALID_FIELD;
        }
        switch (cmd->cdw10 & 0xff) {
        case 0x81:
                f->counts.get_log_sanitize++;
                sanitize_log(f, page);
                break;
        case 0x02:
                f->counts.get_log_smart++;
                if (cmd->nsid != 0xffffffffu && cmd->nsid != 0)
                        return ST_INVALID_FIELD; /* no per-namespace SMART log (LPA bit 0 clear) */
                smart_log(f, page);
                break;
        default:
                return ST_INVALID_LOG_PAGE;
        }
        memcpy(buf, page, bytes < sizeof page ? bytes : sizeof page);
        return ST_SUCCESS;
}

/* ---- Format NVM (Base: Format NVM; NVM-CS: Format NVM) ------------------------------------------ */

static uint16_t format_nvm(struct fake_nvme *f, const struct nvme_admin_cmd *cmd)
{
        unsigned lbaf = (cmd->cdw10 & 0xf) | ((cmd->cdw10 >> 12) & 0x3) << 4;
        unsigned pi = (cmd->cdw10 >> 5) & 0x7;
        unsigned ses = (cmd->cdw10 >> 9) & 0x7;

        f->counts.format++;
        f->counts.format_ses[ses]++;
        f->counts.last_format_cdw10 = cmd->cdw10;
        f->counts.last_format_nsid = cmd->nsid;
        if (!(f->cfg.oacs & (1u << 1)))
                return ST_INVALID_OPCODE;
        if (f->sstat == SSTAT_IN_PROGRESS)
                return ST_SANITIZE_IN_PROGRESS;
        if (f->is_failure_mode)
                return ST_SANITIZE_FAILED;
        if (f->cfg.refuse_status)
                return f->cfg.refuse_status;
        if (cmd->nsid == 0 || (cmd->nsid > f->cfg.namespaces && cmd->nsid != 0xffffffffu))
                return ST_INVALID_NS;
        if (cmd->nsid == 0xffffffffu && (f->cfg.fna & (1u << 3)))
                return ST_INVALID_NS;
        if (lbaf >= LBAF_COUNT || pi != 0)
                return ST_INVALID_FORMAT;
        if (ses > 2)
                return ST_INVALID_FIELD;
        if (ses == 2 && !(f->cfg.fna & (1u << 2)) && !f->cfg.is_qemu_like)
                return ST_INVALID_FIELD;

        f->lba_format = (uint8_t)lbaf;
        if (f->cfg.lie != FAKE_NVME_HONEST)
                return ST_SUCCESS;
        if (ses == 1 || (ses == 2 && f->cfg.is_qemu_like && !(f->cfg.fna & (1u << 2))))
                fill(f, FAKE_FILL_ZERO, 0);
        else if (ses == 2)
                fill(f, FAKE_FILL_RANDOM, 0);
        /* SES 0: no secure erase requested; the content is left as it was */
        return f->medium_error ? ST_INTERNAL_ERROR : ST_SUCCESS;
}

/* ---- Sanitize (Base: Sanitize command) -------------------------------------------------------- */

static uint16_t sanitize(struct fake_nvme *f, const struct nvme_admin_cmd *cmd)
{
        unsigned action = cmd->cdw10 & 0x7;
        uint32_t methods = f->cfg.sanicap & 0x7;

        f->counts.sanitize++;
        f->counts.sanitize_action[action]++;
        f->counts.last_sanitize_cdw10 = cmd->cdw10;
        f->counts.last_sanitize_cdw11 = cmd->cdw11;
        if (!methods)
                return ST_INVALID_OPCODE;
        if (action != SANACT_EXIT && f->cfg.race_scdw10 && !f->is_race_done) {
                f->is_race_done = true;
                sanitize_start(f, f->cfg.race_scdw10, 0, f->cfg.race_polls, false, true);
        }
        if (f->sstat == SSTAT_IN_PROGRESS)
                return ST_SANITIZE_IN_PROGRESS;

        switch (action) {
        case SANACT_EXIT:
                if (!f->is_failure_mode)
                        return ST_SUCCESS; /* nothing to exit */
                if (f->is_restricted)
                        return ST_SANITIZE_FAILED;
                f->is_failure_mode = false;
                return ST_SUCCESS;
        case SANACT_CRYPTO:
                if (!(methods & 0x1))
                        return ST_INVALID_FIELD;
                break;
        case SANACT_BLOCK:
                if (!(methods & 0x2))
                        return ST_INVALID_FIELD;
                break;
        case SANACT_OVERWRITE:
                if (!(methods & 0x4))
                        return ST_INVALID_FIELD;
                break;
        default:
                return ST_INVALID_FIELD;
        }
        if ((cmd->cdw10 & CDW10_NDAS) && (f->cfg.sanicap & (1u << 29)))
                return ST_INVALID_FIELD;
        if (f->cfg.refuse_status)
                return f->cfg.refuse_status;

        switch (f->cfg.lie) {
        case FAKE_NVME_LIE_LOG_UNCHANGED:
                return ST_SUCCESS;
        case FAKE_NVME_LIE_LOG_COMPLETED:
                f->scdw10 = cmd->cdw10;
                f->sstat = SSTAT_COMPLETED;
                f->is_gde = true;
                f->sprog = 0xffff;
                f->is_failure_mode = false;
                return ST_SUCCESS;
        case FAKE_NVME_HONEST:
                break;
        }
        sanitize_start(f, cmd->cdw10, cmd->cdw11, f->cfg.sanitize_polls, f->cfg.is_sanitize_failing, true);
        return ST_SUCCESS;
}

/* ---- Security Send / Receive (Base: Security Send, Security Receive; SIIS: the NVMe carrier) ---- */

static uint16_t security(struct fake_nvme *f, const struct nvme_admin_cmd *cmd, uint8_t *buf)
{
        bool is_send = cmd->opcode == OP_SECURITY_SEND;
        uint8_t secp = (uint8_t)(cmd->cdw10 >> 24);
        uint16_t spsp = (uint16_t)(cmd->cdw10 >> 8);
        uint32_t len = cmd->cdw11; /* TL / AL */

        if (is_send)
                f->counts.security_send++;
        else
                f->counts.security_recv++;
        if (len && (!buf || cmd->data_len < len)) {
                f->counts.bad_commands++;
                return ST_INVALID_FIELD;
        }
        int r = is_send ? fake_tper_if_send(f->cfg.tper, secp, spsp, buf, len)
                        : fake_tper_if_recv(f->cfg.tper, secp, spsp, buf, len);
        return r < 0 ? ST_INVALID_FIELD : ST_SUCCESS;
}

/* ---- the transport ---------------------------------------------------------------------------- */

static int fake_admin(void *userdata, struct nvme_admin_cmd *cmd, struct cmd_reply *ret)
{
        struct fake_nvme *f = userdata;
        uint8_t *buf = (uint8_t *)(uintptr_t)cmd->addr;
        uint16_t status;

        *ret = (struct cmd_reply){ 0 };
        f->counts.admin++;
        bool has_data = cmd->opcode == OP_IDENTIFY || cmd->opcode == OP_GET_LOG_PAGE;
        if (has_data &&
            (!buf || (cmd->addr & 4095) != 0 || cmd->data_len < (cmd->opcode == OP_IDENTIFY ? 4096u : 4u))) {
                f->counts.bad_commands++;
                status = ST_INVALID_FIELD;
        } else {
                switch (cmd->opcode) {
                case OP_IDENTIFY:
                        status = identify(f, cmd, buf);
                        break;
                case OP_GET_LOG_PAGE:
                        status = get_log_page(f, cmd, buf);
                        break;
                case OP_FORMAT_NVM:
                        status = format_nvm(f, cmd);
                        break;
                case OP_SANITIZE:
                        status = sanitize(f, cmd);
                        break;
                case OP_SECURITY_SEND:
                case OP_SECURITY_RECV:
                        if (f->cfg.tper) {
                                status = security(f, cmd, buf);
                                break;
                        }
                        /* OACS bit 0 clear: the opcode does not exist (a probe, not a malformed command) */
                        status = ST_INVALID_OPCODE;
                        break;
                default:
                        f->counts.bad_commands++;
                        status = ST_INVALID_OPCODE;
                        break;
                }
        }
        if (status)
                f->counts.refused++;
        f->counts.last_status = status;
        ret->nvme_status = status;
        cmd->result = 0;
        return 0;
}

void fake_nvme_transport(struct fake_nvme *f, struct cmd_transport *ret)
{
        *ret = (struct cmd_transport){ .nvme_admin = fake_admin, .userdata = f };
}

const struct fake_nvme_counts *fake_nvme_counts(const struct fake_nvme *f)
{
        return &f->counts;
}

void fake_nvme_sanitize_state(const struct fake_nvme *f, unsigned *ret_sstat, uint16_t *ret_sprog,
                              uint32_t *ret_scdw10)
{
        if (ret_sstat)
                *ret_sstat = f->sstat;
        if (ret_sprog)
                *ret_sprog = f->sprog;
        if (ret_scdw10)
                *ret_scdw10 = f->scdw10;
}

bool fake_nvme_is_failure_mode(const struct fake_nvme *f)
{
        return f->is_failure_mode;
}

uint8_t fake_nvme_lba_format(const struct fake_nvme *f)
{
        return f->lba_format;
}

int fake_nvme_medium_error(const struct fake_nvme *f)
{
        return f->medium_error;
}
