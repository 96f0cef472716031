/* SPDX-License-Identifier: MIT */
/* A stateful fake SCSI disk (fake-scsi.h): the commands of a purge, from SPC-5 and SBC-4. */
#include "fake-scsi.h"

#include "fake-tper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opcodes, sense keys and additional sense codes (SPC-5, SBC-4; Annex F). */
enum {
        OP_TEST_UNIT_READY = 0x00,
        OP_REQUEST_SENSE = 0x03,
        OP_FORMAT_UNIT = 0x04,
        OP_INQUIRY = 0x12,
        OP_SANITIZE = 0x48,
        OP_MAINTENANCE_IN = 0xa3,
        OP_SECURITY_PROTOCOL_IN = 0xa2,
        OP_SECURITY_PROTOCOL_OUT = 0xb5,
        SA_RSOC = 0x0c,
        SA_EXIT_FAILURE_MODE = 0x1f,
        KEY_NO_SENSE = 0x0,
        KEY_NOT_READY = 0x2,
        KEY_MEDIUM_ERROR = 0x3,
        KEY_HARDWARE_ERROR = 0x4,
        KEY_ILLEGAL_REQUEST = 0x5,
        ASC_NOT_READY = 0x04,
        ASCQ_FORMAT_IN_PROGRESS = 0x04,
        ASCQ_SANITIZE_IN_PROGRESS = 0x1b,
        ASC_INVALID_OPCODE = 0x20,
        ASC_INVALID_FIELD_IN_CDB = 0x24,
        ASC_INVALID_FIELD_IN_PARAMS = 0x26,
        ASC_COMMAND_SEQUENCE_ERROR = 0x2c,
        ASC_MEDIUM_FORMAT = 0x31, /* ASCQ 03h: SANITIZE COMMAND FAILED */
        ASCQ_SANITIZE_FAILED = 0x03,
        ASC_INTERNAL_TARGET_FAILURE = 0x44,
};

struct fake_scsi {
        struct fake_scsi_config cfg;
        char vendor[9], product[17];
        struct fake_scsi_counts counts;
        enum fake_scsi_state state;
        uint8_t action;   /* of the running or failed sanitize */
        uint32_t pattern; /* of the running overwrite */
        bool is_ause;     /* of the failed sanitize */
        bool is_failing;  /* the running sanitize ends in failure */
        unsigned polls_left, polls_total;
        int medium_error;
};

struct sense {
        uint8_t key, asc, ascq;
        bool has_progress;
        uint16_t progress;
};

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint16_t be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static void put_string(uint8_t *p, size_t n, const char *s)
{
        memset(p, ' ', n);
        memcpy(p, s, strnlen(s, n));
}

int fake_scsi_new(const struct fake_scsi_config *config, struct fake_scsi **ret)
{
        if (config->initial_state > FAKE_SCSI_FORMAT_RUNNING)
                return -EINVAL;
        struct fake_scsi *f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->cfg = *config;
        snprintf(f->vendor, sizeof f->vendor, "%s", config->vendor ? config->vendor : "KESU");
        snprintf(f->product, sizeof f->product, "%s", config->product ? config->product : "FAKE SCSI DISK");
        f->state = config->initial_state;
        f->action = config->initial_action;
        f->is_ause = config->initial_ause;
        f->polls_left = f->polls_total = config->initial_polls;
        *ret = f;
        return 0;
}

struct fake_scsi *fake_scsi_free(struct fake_scsi *f)
{
        free(f);
        return NULL;
}

static void fill(struct fake_scsi *f, enum fake_fill how, uint32_t pattern)
{
        fake_medium_erase(&f->cfg.medium, how, pattern, &f->medium_error, &f->counts.medium_fills);
}

/* ---- sense data (SPC-5: fixed format 70h, descriptor format 72h with a sense key specific
 * descriptor 02h carrying the PROGRESS INDICATION) ---------------------------------------------- */

static size_t build_sense(const struct sense *s, bool desc, uint8_t *buf, size_t n)
{
        uint8_t b[18] = { 0 };
        size_t len;
        if (desc) {
                b[0] = 0x72;
                b[1] = s->key;
                b[2] = s->asc;
                b[3] = s->ascq;
                len = 8;
                if (s->has_progress) {
                        b[8] = 0x02; /* sense key specific descriptor */
                        b[9] = 0x06;
                        b[12] = 0x80; /* SKSV */
                        put_be16(b + 13, s->progress);
                        len = 16;
                }
                b[7] = (uint8_t)(len - 8);
        } else {
                b[0] = 0x70;
                b[2] = s->key;
                b[7] = 10; /* additional sense length: 18 bytes in all */
                b[12] = s->asc;
                b[13] = s->ascq;
                if (s->has_progress) {
                        b[15] = 0x80; /* SKSV */
                        put_be16(b + 16, s->progress);
                }
                len = 18;
        }
        if (len > n)
                len = n;
        memcpy(buf, b, len);
        return len;
}

/* Answers CHECK CONDITION with fixed-format sense. */
static void check_condition(struct fake_scsi *f, const struct sense *s, struct cmd_reply *ret)
{
        f->counts.check_conditions++;
        ret->scsi_status = SCSI_STATUS_CHECK_CONDITION;
        ret->sense_len = build_sense(s, false, ret->sense, sizeof ret->sense);
}

static void illegal(struct fake_scsi *f, uint8_t asc, struct cmd_reply *ret)
{
        const struct sense s = { .key = KEY_ILLEGAL_REQUEST, .asc = asc };
        check_condition(f, &s, ret);
}

/* ---- the state machine (SBC-4: sanitize operations; FORMAT UNIT) ------------------------------ */

static void operation_end(struct fake_scsi *f)
{
        if (f->state == FAKE_SCSI_FORMAT_RUNNING) {
                fill(f, FAKE_FILL_ZERO, 0);
                f->state = FAKE_SCSI_IDLE;
                return;
        }
        if (f->is_failing) {
                f->state = FAKE_SCSI_SANITIZE_FAILED;
                return;
        }
        switch (f->action) {
        case 0x01:
                fill(f, FAKE_FILL_PATTERN, f->pattern);
                break;
        case 0x02:
                fill(f, FAKE_FILL_ZERO, 0);
                break;
        case 0x03:
                fill(f, FAKE_FILL_RANDOM, 0);
                break;
        }
        f->state = FAKE_SCSI_IDLE;
}

/* The sense the state gives; is_advance: a REQUEST SENSE, which moves a running operation on. */
static struct sense state_sense(struct fake_scsi *f, bool is_advance)
{
        bool is_running = f->state == FAKE_SCSI_SANITIZE_RUNNING || f->state == FAKE_SCSI_FORMAT_RUNNING;
        if (is_running && is_advance && f->polls_left == 0)
                operation_end(f);
        switch (f->state) {
        case FAKE_SCSI_SANITIZE_RUNNING:
        case FAKE_SCSI_FORMAT_RUNNING: {
                unsigned done = f->polls_total - f->polls_left;
                struct sense s = {
                        .key = KEY_NOT_READY,
                        .asc = ASC_NOT_READY,
                        .ascq = f->state == FAKE_SCSI_FORMAT_RUNNING ? ASCQ_FORMAT_IN_PROGRESS
                                                                     : ASCQ_SANITIZE_IN_PROGRESS,
                        .has_progress = true,
                        .progress = f->polls_total ? (uint16_t)((uint64_t)done * 65536 / f->polls_total) : 0,
                };
                if (is_advance && f->polls_left)
                        f->polls_left--;
                return s;
        }
        case FAKE_SCSI_SANITIZE_FAILED:
                return (struct sense){ .key = KEY_MEDIUM_ERROR,
                                       .asc = ASC_MEDIUM_FORMAT,
                                       .ascq = ASCQ_SANITIZE_FAILED };
        case FAKE_SCSI_IDLE:
                break;
        }
        return (struct sense){ .key = KEY_NO_SENSE };
}

/* ---- commands ---------------------------------------------------------------------------------- */

static size_t respond(const uint8_t *data, size_t len, void *buf, size_t buf_len, uint32_t alloc,
                      struct cmd_reply *ret)
{
        size_t n = len;
        if (n > alloc)
                n = alloc;
        if (n > buf_len)
                n = buf_len;
        if (buf && n)
                memcpy(buf, data, n);
        ret->resid = (int32_t)(buf_len - n);
        return n;
}

static void inquiry(struct fake_scsi *f, const uint8_t *cdb, void *buf, size_t buf_len,
                    struct cmd_reply *ret)
{
        uint8_t d[36] = { 0 };
        f->counts.inquiry++;
        if (cdb[1] & 0x01) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret); /* no VPD pages in the fake */
                return;
        }
        d[0] = f->cfg.peripheral_type & 0x1f;
        d[2] = 0x06; /* SPC-4 */
        d[3] = 0x02; /* response data format */
        d[4] = sizeof d - 5;
        put_string(d + 8, 8, f->vendor);
        put_string(d + 16, 16, f->product);
        put_string(d + 32, 4, "1.0");
        respond(d, sizeof d, buf, buf_len, be16(cdb + 3), ret);
}

static bool has_sanitize_action(const struct fake_scsi *f, unsigned sa)
{
        if (sa == SA_EXIT_FAILURE_MODE)
                return f->cfg.sanitize_actions != 0;
        return sa < 32 && (f->cfg.sanitize_actions & (1u << sa));
}

static void report_opcode(struct fake_scsi *f, const uint8_t *cdb, void *buf, size_t buf_len,
                          struct cmd_reply *ret)
{
        uint8_t d[4 + 16] = { 0 };
        unsigned option = cdb[2] & 0x7;
        uint8_t opcode = cdb[3];
        uint16_t sa = be16(cdb + 4);
        size_t len = 4;

        f->counts.rsoc++;
        if (f->cfg.is_rsoc_rejected) {
                illegal(f, ASC_INVALID_OPCODE, ret);
                return;
        }
        if (option != 1 && option != 2) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret); /* the fake has no full list */
                return;
        }
        bool has_sas = opcode == OP_SANITIZE;
        if ((option == 1 && has_sas) || (option == 2 && !has_sas && opcode != OP_MAINTENANCE_IN)) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                return;
        }
        d[1] = 0x01; /* SUPPORT 001b: not supported */
        if (opcode == OP_SANITIZE && has_sanitize_action(f, sa)) {
                d[1] = 0x03;
                put_be16(d + 2, 10);
                d[4] = OP_SANITIZE;
                d[5] = (uint8_t)(0xe0 | sa); /* IMMED, ZNR, AUSE, the service action */
                d[11] = d[12] = 0xff;        /* PARAMETER LIST LENGTH */
                d[13] = 0x07;                /* CONTROL */
                len = 4 + 10;
        } else if (option == 1 && (opcode == OP_FORMAT_UNIT || opcode == OP_INQUIRY ||
                                   opcode == OP_REQUEST_SENSE || opcode == OP_TEST_UNIT_READY)) {
                static const uint8_t usage[4][6] = {
                        { OP_TEST_UNIT_READY, 0, 0, 0, 0, 0x07 },
                        { OP_REQUEST_SENSE, 0x01, 0, 0, 0xff, 0x07 },
                        { OP_FORMAT_UNIT, 0xff, 0, 0, 0, 0x07 },
                        { OP_INQUIRY, 0x01, 0xff, 0xff, 0xff, 0x07 },
                };
                for (int i = 0; i < 4; i++)
                        if (usage[i][0] == opcode)
                                memcpy(d + 4, usage[i], 6);
                d[1] = 0x03;
                put_be16(d + 2, 6);
                len = 4 + 6;
        }
        respond(d, len, buf, buf_len, be32(cdb + 6), ret);
}

static void request_sense(struct fake_scsi *f, const uint8_t *cdb, void *buf, size_t buf_len,
                          struct cmd_reply *ret)
{
        uint8_t d[18];
        bool desc = cdb[1] & 0x01;
        f->counts.request_sense++;
        if (desc)
                f->counts.request_sense_desc++;
        struct sense s = state_sense(f, true);
        size_t len = build_sense(&s, desc, d, sizeof d);
        respond(d, len, buf, buf_len, cdb[4], ret);
}

/* Refuses a command the state does not allow: true when it did. */
static bool is_busy(struct fake_scsi *f, struct cmd_reply *ret)
{
        if (f->state != FAKE_SCSI_SANITIZE_RUNNING && f->state != FAKE_SCSI_FORMAT_RUNNING)
                return false;
        struct sense s = state_sense(f, false);
        check_condition(f, &s, ret);
        return true;
}

static void sanitize(struct fake_scsi *f, const uint8_t *cdb, enum cmd_dir dir, const void *buf,
                     size_t buf_len, struct cmd_reply *ret)
{
        unsigned sa = cdb[1] & 0x1f;
        bool is_immed = cdb[1] & 0x80;
        bool is_ause = cdb[1] & 0x20;
        uint16_t param_len = be16(cdb + 7);
        uint32_t pattern = 0;

        f->counts.sanitize++;
        f->counts.sanitize_action[sa]++;
        memcpy(f->counts.last_sanitize_cdb, cdb, 10);
        if (!f->cfg.sanitize_actions) {
                illegal(f, ASC_INVALID_OPCODE, ret);
                return;
        }
        if (is_busy(f, ret))
                return;
        if (!has_sanitize_action(f, sa)) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                return;
        }
        if (sa == SA_EXIT_FAILURE_MODE) {
                if (f->state != FAKE_SCSI_SANITIZE_FAILED)
                        illegal(f, ASC_COMMAND_SEQUENCE_ERROR, ret);
                else if (!f->is_ause)
                        illegal(f, ASC_INVALID_FIELD_IN_CDB, ret); /* restricted: only a new sanitize */
                else
                        f->state = FAKE_SCSI_IDLE;
                return;
        }
        if (sa == 0x01) {
                /* OVERWRITE parameter list: byte 0 INVERT/TEST/OVERWRITE COUNT, bytes 2-3 pattern length */
                const uint8_t *p = buf;
                if (dir != CMD_DIR_TO_DEVICE || !p || buf_len < param_len || param_len < 5) {
                        illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                        return;
                }
                memcpy(f->counts.last_overwrite_params, p, param_len < 8 ? param_len : 8);
                uint16_t pattern_len = be16(p + 2);
                if ((p[0] & 0x1f) == 0 || (p[0] & 0x60) || 4u + pattern_len != param_len ||
                    (pattern_len != 1 && pattern_len != 4)) {
                        illegal(f, ASC_INVALID_FIELD_IN_PARAMS, ret);
                        return;
                }
                pattern = pattern_len == 1 ? p[4] * 0x01010101u
                                           : (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                                                     (uint32_t)p[7] << 24;
        } else if (param_len != 0) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                return;
        }
        if (f->cfg.is_sanitize_lying)
                return; /* GOOD: nothing happens */

        f->state = FAKE_SCSI_SANITIZE_RUNNING;
        f->action = (uint8_t)sa;
        f->pattern = pattern;
        f->is_ause = is_ause;
        f->is_failing = f->cfg.is_sanitize_failing;
        f->polls_left = f->polls_total = f->cfg.sanitize_polls;
        if (!is_immed) {
                operation_end(f);
                if (f->state == FAKE_SCSI_SANITIZE_FAILED) {
                        struct sense s = state_sense(f, false);
                        check_condition(f, &s, ret);
                }
        }
}

static void format_unit(struct fake_scsi *f, const uint8_t *cdb, enum cmd_dir dir, const void *buf,
                        size_t buf_len, struct cmd_reply *ret)
{
        bool has_data = cdb[1] & 0x10;
        bool is_immed = false;

        f->counts.format_unit++;
        memcpy(f->counts.last_format_cdb, cdb, 6);
        if (is_busy(f, ret))
                return;
        if (f->state == FAKE_SCSI_SANITIZE_FAILED) {
                struct sense s = state_sense(f, false);
                check_condition(f, &s, ret);
                return;
        }
        if ((cdb[1] & 0xc0) || (cdb[1] & 0x20)) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret); /* no PI, no long list in the fake */
                return;
        }
        if (has_data) {
                const uint8_t *h = buf;
                if (dir != CMD_DIR_TO_DEVICE || !h || buf_len < 4) {
                        illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                        return;
                }
                memcpy(f->counts.last_format_header, h, 4);
                if (be16(h + 2) != 0) {
                        illegal(f, ASC_INVALID_FIELD_IN_PARAMS, ret); /* no defect list in the fake */
                        return;
                }
                is_immed = h[1] & 0x02;
        }
        if (f->cfg.is_format_qemu_like)
                return; /* QEMU scsi-hd: GOOD, nothing done */
        f->state = FAKE_SCSI_FORMAT_RUNNING;
        f->polls_left = f->polls_total = f->cfg.format_polls;
        if (!is_immed)
                operation_end(f);
}

/* SECURITY PROTOCOL IN / OUT (SPC-5): 1 SECURITY PROTOCOL, 2-3 SECURITY PROTOCOL SPECIFIC, 4 bit 7
 * INC_512, 6-9 ALLOCATION / TRANSFER LENGTH. */
static void security_protocol(struct fake_scsi *f, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir,
                              void *buf, size_t buf_len, struct cmd_reply *ret)
{
        bool is_out = cdb[0] == OP_SECURITY_PROTOCOL_OUT;
        if (is_out)
                f->counts.security_out++;
        else
                f->counts.security_in++;
        if (cdb_len < 12) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                return;
        }
        uint64_t len = be32(cdb + 6) * ((cdb[4] & 0x80) ? UINT64_C(512) : 1);
        if (len > buf_len || (len && dir != (is_out ? CMD_DIR_TO_DEVICE : CMD_DIR_FROM_DEVICE))) {
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                return;
        }
        int r = is_out ? fake_tper_if_send(f->cfg.tper, cdb[1], be16(cdb + 2), buf, (size_t)len)
                       : fake_tper_if_recv(f->cfg.tper, cdb[1], be16(cdb + 2), buf, (size_t)len);
        if (r < 0)
                illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
        else if (!is_out)
                ret->resid = (int32_t)(buf_len - len);
}

static int fake_scsi_cmd(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                         size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        struct fake_scsi *f = userdata;
        (void)timeout_ms;
        *ret = (struct cmd_reply){ 0 };
        f->counts.commands++;
        if (cdb_len < 6)
                return -EINVAL;
        switch (cdb[0]) {
        case OP_INQUIRY:
                inquiry(f, cdb, buf, buf_len, ret);
                break;
        case OP_MAINTENANCE_IN:
                if (cdb_len < 12 || (cdb[1] & 0x1f) != SA_RSOC)
                        illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                else
                        report_opcode(f, cdb, buf, buf_len, ret);
                break;
        case OP_REQUEST_SENSE:
                request_sense(f, cdb, buf, buf_len, ret);
                break;
        case OP_TEST_UNIT_READY: {
                struct sense s = state_sense(f, false);
                if (s.key != KEY_NO_SENSE)
                        check_condition(f, &s, ret);
                break;
        }
        case OP_SANITIZE:
                if (cdb_len < 10)
                        illegal(f, ASC_INVALID_FIELD_IN_CDB, ret);
                else
                        sanitize(f, cdb, dir, buf, buf_len, ret);
                break;
        case OP_FORMAT_UNIT:
                format_unit(f, cdb, dir, buf, buf_len, ret);
                break;
        case OP_SECURITY_PROTOCOL_IN:
        case OP_SECURITY_PROTOCOL_OUT:
                if (f->cfg.tper) {
                        security_protocol(f, cdb, cdb_len, dir, buf, buf_len, ret);
                        break;
                }
                if (!is_busy(f, ret))
                        illegal(f, ASC_INVALID_OPCODE, ret); /* a disk without a security protocol */
                break;
        default:
                if (!is_busy(f, ret))
                        illegal(f, ASC_INVALID_OPCODE, ret);
                break;
        }
        if (f->medium_error && ret->scsi_status == SCSI_STATUS_GOOD) {
                const struct sense s = { .key = KEY_HARDWARE_ERROR, .asc = ASC_INTERNAL_TARGET_FAILURE };
                check_condition(f, &s, ret);
        }
        return 0;
}

void fake_scsi_transport(struct fake_scsi *f, struct cmd_transport *ret)
{
        *ret = (struct cmd_transport){ .scsi = fake_scsi_cmd, .userdata = f };
}

const struct fake_scsi_counts *fake_scsi_counts(const struct fake_scsi *f)
{
        return &f->counts;
}

enum fake_scsi_state fake_scsi_state(const struct fake_scsi *f)
{
        return f->state;
}

int fake_scsi_medium_error(const struct fake_scsi *f)
{
        return f->medium_error;
}
