/* SPDX-License-Identifier: MIT */
/*
 * A fake ATA drive behind Linux libata's SAT layer (see fake-ata.h). Each answer cites the
 * section it follows: SAT-5 (ATA PASS-THROUGH(16), sense), ACS-3 (IDENTIFY DEVICE, Security and SMART
 * feature sets), ACS-4 (Sanitize Device feature set, Accessible Max Address Configuration), ACS-2
 * (HPA: READ NATIVE MAX ADDRESS EXT / SET MAX ADDRESS EXT, Device Configuration Overlay), SPC-5 (MODE
 * SENSE/SELECT, Control mode page).
 */
#include "fake-ata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ata-cmd.h"
#include "fake-tper.h"
#include "sense.h"
#include "tcg-cmd.h"

#define DEFAULT_SECTORS UINT64_C(0x100000)
#define MAX_ATTEMPTS    5 /* ACS-3: the password attempt counter expires after 5 wrong passwords */

enum {
        ST_DRDY = 0x40,
        ST_DSC = 0x10, /* bit 4, as libata shows for a completed command */
        ST_OK = ST_DRDY | ST_DSC,
        ST_ERR = 0x01,
        ER_ABRT = 0x04,
        ER_IDNF = 0x10,
};

struct fake_ata {
        struct fake_ata_config cfg;
        struct fake_medium medium;
        struct fake_ata_counters n;
        struct fake_ata_state s;
        char model[41], serial[21];

        /* HPA / AMA */
        uint64_t permanent_current; /* the capacity a power cycle brings back */
        bool was_read_native;       /* the previous command was READ NATIVE MAX ADDRESS EXT */
        bool is_ama_frozen;         /* FREEZE ACCESSIBLE MAX ADDRESS EXT was sent */
        /* security */
        bool was_erase_prepared; /* the previous command was SECURITY ERASE PREPARE */
        unsigned wrong_passwords;
        /* sanitize */
        unsigned polls_left, polls_total;
        uint16_t running_feature;
        uint32_t running_pattern;
        bool is_failure_mode; /* of the sanitize that failed / runs */
};

/* The registers a command returns (ACS normal / error outputs). */
struct ata_out {
        bool is_error;
        uint8_t error, status, device;
        uint16_t count;
        uint64_t lba;
        bool is_extend;
};

struct ata_in {
        uint8_t command;
        uint16_t feature, count;
        uint64_t lba;
        uint8_t device;
        bool is_extend;
        const uint8_t *data_out; /* 512 bytes for PIO data-out */
        uint8_t *data_in;        /* 512 bytes for PIO data-in */
        unsigned timeout_ms;
};

static void abort_cmd(struct fake_ata *f, struct ata_out *o)
{
        o->is_error = true;
        o->status = ST_OK | ST_ERR;
        o->error = ER_ABRT;
        f->n.aborted++;
}

static void put_word(uint8_t *buf, unsigned w, uint16_t v)
{
        buf[2 * w] = (uint8_t)v;
        buf[2 * w + 1] = (uint8_t)(v >> 8);
}

/* ATA strings: two characters per word, the first in the high byte, padded with spaces. */
static void put_string(uint8_t *buf, unsigned w, unsigned n_words, const char *s)
{
        size_t len = strlen(s);
        for (unsigned i = 0; i < 2 * n_words; i++) {
                uint8_t c = i < len ? (uint8_t)s[i] : ' ';
                buf[2 * w + (i ^ 1)] = c;
        }
}

/* Integrity word 255: A5h signature, checksum making the 512 bytes sum to zero (ACS-3). */
static void seal(uint8_t *buf)
{
        buf[510] = 0xa5;
        uint8_t sum = 0;
        for (int i = 0; i < 511; i++)
                sum += buf[i];
        buf[511] = (uint8_t)(0 - sum);
}

static bool has_sanitize(const struct fake_ata *f)
{
        return f->cfg.has_sanitize_crypto || f->cfg.has_sanitize_block || f->cfg.has_sanitize_overwrite;
}

/* ---- IDENTIFY DEVICE, ACS-3 §7.12.7 ------------------------------------------------------------------ */

static void build_identify(const struct fake_ata *f, uint8_t *buf)
{
        const struct fake_ata_config *c = &f->cfg;
        memset(buf, 0, ATA_SECTOR_BYTES);
        put_word(buf, 0, 0x0040); /* ATA device */
        put_string(buf, 10, 10, f->serial);
        put_string(buf, 23, 4, "FAKE1.0");
        put_string(buf, 27, 20, f->model);
        /* word 48: Trusted Computing feature set options, bit 14 one, bit 0 supported (ACS-3) */
        put_word(buf, 48, (uint16_t)(c->tper ? 0x4001 : 0x0000));
        put_word(buf, 49, 0x0200); /* LBA supported */
        uint16_t w59 = 0;
        if (has_sanitize(f)) {
                w59 |= 1u << 12;
                w59 |= c->has_sanitize_crypto ? 1u << 13 : 0;
                w59 |= c->has_sanitize_overwrite ? 1u << 14 : 0;
                w59 |= c->has_sanitize_block ? 1u << 15 : 0;
                w59 |= c->has_sanitize_antifreeze ? 1u << 10 : 0;
        }
        put_word(buf, 59, w59);
        uint64_t lba28 = f->s.current_sectors > 0x0fffffff ? 0x0fffffff : f->s.current_sectors;
        put_word(buf, 60, (uint16_t)lba28);
        put_word(buf, 61, (uint16_t)(lba28 >> 16));
        put_word(buf, 80, 0x07f0); /* ATA/ATAPI-4 .. ACS-4 */
        uint16_t w82 = 0x4000;     /* NOP */
        w82 |= c->has_smart ? 1u << 0 : 0;
        w82 |= c->has_security ? 1u << 1 : 0;
        w82 |= c->has_hpa ? 1u << 10 : 0;
        put_word(buf, 82, w82);
        uint16_t w83 = 0x4000;
        w83 |= c->has_no_lba48 ? 0 : 1u << 10;
        w83 |= c->has_dco ? 1u << 11 : 0;
        put_word(buf, 83, w83);
        put_word(buf, 84, 0x4000);
        uint16_t w85 = 0x4000;
        w85 |= c->has_smart && !c->is_smart_disabled ? 1u << 0 : 0;
        w85 |= f->s.is_security_enabled ? 1u << 1 : 0;
        w85 |= c->has_hpa ? 1u << 10 : 0;
        put_word(buf, 85, w85);
        put_word(buf, 86, (uint16_t)(c->has_no_lba48 ? 0 : 1u << 10));
        put_word(buf, 87, 0x4000);
        if (c->has_security) {
                put_word(buf, 89, c->erase_word89);
                put_word(buf, 90, c->enhanced_erase_word90);
        }
        if (!c->has_no_lba48)
                for (unsigned i = 0; i < 4; i++)
                        put_word(buf, 100 + i, (uint16_t)(f->s.current_sectors >> (16 * i)));
        put_word(buf, 119, (uint16_t)(0x4000 | (c->has_ama ? 1u << 8 : 0)));
        put_word(buf, 120, 0x4000);
        if (c->has_security) {
                uint16_t w128 = 1u << 0;
                w128 |= f->s.is_security_enabled ? 1u << 1 : 0;
                w128 |= f->s.is_security_locked ? 1u << 2 : 0;
                w128 |= f->s.is_security_frozen ? 1u << 3 : 0;
                w128 |= f->s.is_security_expired ? 1u << 4 : 0;
                w128 |= c->has_enhanced_erase ? 1u << 5 : 0;
                put_word(buf, 128, w128);
        }
        put_word(buf, 217, 0x0001); /* non-rotating */
        seal(buf);
}

/* ---- the medium -------------------------------------------------------------------------------------- */

/* Does to the medium what a completed erase does; a lying drive does nothing. 0 or -errno. */
static int fill(struct fake_ata *f, enum fake_fill kind, uint32_t pattern)
{
        if (f->cfg.is_lying)
                return 0;
        f->s.medium_fills++;
        f->s.last_fill = kind;
        f->s.last_pattern = pattern;
        return fake_medium_fill(&f->medium, kind, pattern);
}

/* ---- Sanitize Device feature set, ACS-4 §4.18 and §7.30 ------------------------------------------- */

enum {
        SAN_STATUS = 0x0000,
        SAN_CRYPTO = 0x0011,
        SAN_BLOCK = 0x0012,
        SAN_OVERWRITE = 0x0014,
        SAN_FREEZE = 0x0020,
        SAN_ANTIFREEZE = 0x0040,
};

/* The end of the operation (ACS-4 SD2 -> SD0 or SD4). */
static void sanitize_finish(struct fake_ata *f)
{
        f->s.is_sanitize_in_progress = false;
        f->s.sanitize_progress = 0xffff;
        if (f->cfg.is_sanitize_never_done) {
                f->s.is_sanitize_completed_ok = false;
                return;
        }
        int r = 0;
        if (!f->cfg.is_sanitize_failing) {
                switch (f->running_feature) {
                case SAN_CRYPTO:
                        r = fill(f, FAKE_FILL_RANDOM, 0);
                        break;
                case SAN_BLOCK:
                        r = fill(f, f->cfg.is_block_erase_ones ? FAKE_FILL_ONES : FAKE_FILL_ZERO, 0);
                        break;
                default: {
                        /* INVERT PATTERN BETWEEN OVERWRITE PASSES: an even count ends inverted. */
                        uint32_t last =
                                f->s.was_last_overwrite_inverted && f->s.last_overwrite_passes % 2 == 0
                                        ? ~f->running_pattern
                                        : f->running_pattern;
                        r = fill(f, FAKE_FILL_PATTERN, last);
                        break;
                }
                }
        }
        if (f->cfg.is_sanitize_failing || r < 0) {
                f->s.is_sanitize_failed = true;
                f->s.is_sanitize_completed_ok = false;
                return;
        }
        f->s.is_sanitize_completed_ok = true;
}

static void sanitize_start(struct fake_ata *f, uint16_t feature, uint32_t pattern, bool is_failure_mode)
{
        f->running_feature = feature;
        f->running_pattern = pattern;
        f->is_failure_mode = is_failure_mode;
        f->s.was_last_sanitize_failure_mode = is_failure_mode;
        f->s.is_sanitize_failed = false; /* a new sanitize leaves SD4 (ACS-4) */
        f->s.is_sanitize_completed_ok = false;
        f->s.is_sanitize_in_progress = true;
        f->s.sanitize_progress = 0;
        f->polls_total = f->polls_left = f->cfg.sanitize_polls;
        if (f->polls_left == 0)
                sanitize_finish(f);
}

/* ACS-4 normal outputs: COUNT(15:12) flags, LBA(15:0) progress (FFFFh when none runs). */
static void sanitize_outputs(const struct fake_ata *f, struct ata_out *o)
{
        o->count = (uint16_t)((f->s.is_sanitize_completed_ok ? 1u << 15 : 0) |
                              (f->s.is_sanitize_in_progress ? 1u << 14 : 0) |
                              (f->s.is_sanitize_frozen ? 1u << 13 : 0) |
                              (f->s.is_sanitize_antifreeze ? 1u << 12 : 0));
        o->lba = f->s.is_sanitize_in_progress ? f->s.sanitize_progress : 0xffff;
}

/* ACS-4 error outputs: ABRT, SANITIZE DEVICE ERROR REASON in LBA(7:0). */
static void sanitize_abort(struct fake_ata *f, uint8_t reason, struct ata_out *o)
{
        sanitize_outputs(f, o);
        o->count &= (uint16_t)((1u << 13) | (1u << 12)); /* only the frozen/antifreeze flags */
        o->lba = reason;
        abort_cmd(f, o);
}

static void cmd_sanitize(struct fake_ata *f, const struct ata_in *in, struct ata_out *o)
{
        static const uint64_t keys[] = { [1] = 0x43727970, [2] = 0x426b4572, [3] = 0x4f5700000000 };

        if (!has_sanitize(f)) {
                f->n.unknown++;
                abort_cmd(f, o);
                return;
        }
        switch (in->feature) {
        case SAN_STATUS:
                f->n.sanitize_status++;
                if (in->count & 1u)
                        f->n.sanitize_clear_failed++;
                if (f->s.is_sanitize_in_progress) {
                        if (f->polls_left > 0) {
                                f->polls_left--;
                                unsigned done = f->polls_total - f->polls_left;
                                f->s.sanitize_progress =
                                        (uint16_t)((uint64_t)done * 65536 / (f->polls_total + 1));
                        } else {
                                sanitize_finish(f);
                        }
                }
                if (f->s.is_sanitize_failed) {
                        /* SD4: CLEAR SANITIZE OPERATION FAILED leaves it only after FAILURE MODE 1. */
                        if ((in->count & 1u) && f->is_failure_mode) {
                                f->s.is_sanitize_failed = false;
                        } else {
                                sanitize_abort(f, 0x01, o);
                                return;
                        }
                }
                sanitize_outputs(f, o);
                return;
        case SAN_CRYPTO:
        case SAN_BLOCK:
        case SAN_OVERWRITE: {
                unsigned kind = in->feature == SAN_CRYPTO ? 1 : in->feature == SAN_BLOCK ? 2 : 3;
                bool is_supported = kind == 1   ? f->cfg.has_sanitize_crypto
                                    : kind == 2 ? f->cfg.has_sanitize_block
                                                : f->cfg.has_sanitize_overwrite;
                if (kind == 1)
                        f->n.sanitize_crypto++;
                else if (kind == 2)
                        f->n.sanitize_block++;
                else
                        f->n.sanitize_overwrite++;
                uint64_t key = kind == 3 ? in->lba & UINT64_C(0xffff00000000) : in->lba;
                if (!is_supported)
                        sanitize_abort(f, 0x02, o);
                else if (f->s.is_sanitize_frozen)
                        sanitize_abort(f, 0x03, o);
                else if (key != keys[kind] || f->s.is_sanitize_in_progress || f->s.is_security_locked ||
                         f->cfg.is_erase_refused)
                        sanitize_abort(f, 0x00, o);
                else {
                        if (kind == 3) {
                                unsigned passes = in->count & 0x0f;
                                f->s.last_overwrite_passes = passes ? passes : 16;
                                f->s.was_last_overwrite_inverted = in->count & 0x80;
                        }
                        sanitize_start(f, in->feature, (uint32_t)in->lba, in->count & 0x10);
                        sanitize_outputs(f, o);
                }
                return;
        }
        case SAN_FREEZE:
                f->n.sanitize_freeze_lock++;
                if (f->s.is_sanitize_antifreeze)
                        sanitize_abort(f, 0x04, o);
                else if (in->lba != 0x46724c6b || f->s.is_sanitize_in_progress)
                        sanitize_abort(f, 0x00, o);
                else {
                        f->s.is_sanitize_frozen = true;
                        sanitize_outputs(f, o);
                }
                return;
        case SAN_ANTIFREEZE:
                f->n.sanitize_antifreeze_lock++;
                if (!f->cfg.has_sanitize_antifreeze)
                        sanitize_abort(f, 0x02, o);
                else if (f->s.is_sanitize_frozen)
                        sanitize_abort(f, 0x03, o);
                else if (in->lba != 0x416e7469)
                        sanitize_abort(f, 0x00, o);
                else {
                        f->s.is_sanitize_antifreeze = true;
                        sanitize_outputs(f, o);
                }
                return;
        default:
                f->n.unknown++;
                sanitize_abort(f, 0x02, o);
                return;
        }
}

/* ---- Security feature set, ACS-3 §4.18 (states SEC1-SEC6) and §7.38-7.43 ---------------------------- */

static bool password_matches(struct fake_ata *f, const uint8_t *data)
{
        bool is_user = !(data[0] & 1u);
        if (is_user && f->s.has_user_password && memcmp(data + 2, f->s.user_password, 32) == 0) {
                f->wrong_passwords = 0;
                return true;
        }
        /* a wrong password counts (ACS-3: the attempt counter, expired at 5) */
        if (++f->wrong_passwords >= MAX_ATTEMPTS)
                f->s.is_security_expired = true;
        return false;
}

static void cmd_security(struct fake_ata *f, const struct ata_in *in, struct ata_out *o, bool was_prepared)
{
        switch (in->command) {
        case ATA_CMD_SECURITY_SET_PASSWORD:
                f->n.security_set_password++;
                break;
        case ATA_CMD_SECURITY_UNLOCK:
                f->n.security_unlock++;
                break;
        case ATA_CMD_SECURITY_ERASE_PREPARE:
                f->n.security_erase_prepare++;
                break;
        case ATA_CMD_SECURITY_ERASE_UNIT:
                f->n.security_erase_unit++;
                break;
        case ATA_CMD_SECURITY_FREEZE_LOCK:
                f->n.security_freeze_lock++;
                break;
        case ATA_CMD_SECURITY_DISABLE_PASSWORD:
                f->n.security_disable_password++;
                break;
        }
        if (!f->cfg.has_security || f->s.is_sanitize_in_progress) {
                abort_cmd(f, o);
                return;
        }
        /* SEC2/SEC6 (frozen): every security command but FREEZE LOCK aborts; it is a no-op. */
        if (f->s.is_security_frozen) {
                if (in->command != ATA_CMD_SECURITY_FREEZE_LOCK)
                        abort_cmd(f, o);
                return;
        }
        switch (in->command) {
        case ATA_CMD_SECURITY_SET_PASSWORD:
                if (f->s.is_security_locked) {
                        abort_cmd(f, o);
                        return;
                }
                if (f->cfg.is_set_password_ignored ||
                    (in->data_out[0] & 1u)) /* the master password: kept apart */
                        return;
                memcpy(f->s.user_password, in->data_out + 2, 32);
                f->s.has_user_password = true;
                f->s.is_security_enabled = true;
                return;
        case ATA_CMD_SECURITY_UNLOCK:
                if (f->s.is_security_expired || !password_matches(f, in->data_out)) {
                        abort_cmd(f, o);
                        return;
                }
                f->s.is_security_locked = false;
                return;
        case ATA_CMD_SECURITY_ERASE_PREPARE:
                f->was_erase_prepared = true;
                return;
        case ATA_CMD_SECURITY_ERASE_UNIT: {
                bool is_enhanced = in->data_out[0] & 2u;
                /* ERASE PREPARE immediately before; a password set (this fake never erases in SEC1). */
                if (!was_prepared || f->s.is_security_expired || !f->s.is_security_enabled ||
                    (is_enhanced && !f->cfg.has_enhanced_erase) || !password_matches(f, in->data_out) ||
                    f->cfg.is_erase_refused) {
                        abort_cmd(f, o);
                        return;
                }
                f->s.last_erase_unit_timeout_ms = in->timeout_ms;
                f->s.was_last_erase_enhanced = is_enhanced;
                if (fill(f, is_enhanced ? FAKE_FILL_RANDOM : FAKE_FILL_ZERO, 0) < 0) {
                        o->is_error = true;
                        o->status = ST_OK | ST_ERR | 0x20; /* DF */
                        return;
                }
                if (!f->cfg.is_erase_keeping_password) {
                        /* a successful erase with the user password ends in SEC1 */
                        f->s.is_security_enabled = false;
                        f->s.is_security_locked = false;
                        f->s.has_user_password = false;
                        memset(f->s.user_password, 0, 32);
                }
                return;
        }
        case ATA_CMD_SECURITY_FREEZE_LOCK:
                if (f->s.is_security_locked) {
                        abort_cmd(f, o);
                        return;
                }
                f->s.is_security_frozen = true;
                return;
        case ATA_CMD_SECURITY_DISABLE_PASSWORD:
                if (f->s.is_security_locked || f->cfg.is_disable_password_refused ||
                    f->s.is_security_expired) {
                        abort_cmd(f, o);
                        return;
                }
                if (!f->s.is_security_enabled)
                        return;
                if (!password_matches(f, in->data_out)) {
                        abort_cmd(f, o);
                        return;
                }
                f->s.is_security_enabled = false;
                f->s.has_user_password = false;
                memset(f->s.user_password, 0, 32);
                return;
        }
}

/* ---- HPA (ACS-2 §7.32, §7.48), DCO (ACS-2 §7.10), AMA (ACS-4 §7.4) ------------------------------------ */

static void cmd_read_native(struct fake_ata *f, struct ata_out *o)
{
        f->n.read_native_max++;
        if (!f->cfg.has_hpa || f->cfg.has_no_lba48 || f->s.is_security_locked ||
            f->s.is_sanitize_in_progress) {
                abort_cmd(f, o);
                return;
        }
        o->lba = f->s.native_sectors - 1;
        f->was_read_native = true;
}

static void cmd_set_max(struct fake_ata *f, const struct ata_in *in, struct ata_out *o, bool was_read_native)
{
        f->n.set_max++;
        /* ACS-2: aborted unless READ NATIVE MAX ADDRESS EXT came immediately before. */
        if (!f->cfg.has_hpa || !was_read_native || f->s.is_security_locked || f->cfg.is_set_max_refused ||
            f->s.is_sanitize_in_progress) {
                abort_cmd(f, o);
                return;
        }
        if (in->lba >= f->s.native_sectors) {
                abort_cmd(f, o);
                o->error |= ER_IDNF;
                return;
        }
        if (f->cfg.is_set_max_ignored)
                return;
        f->s.current_sectors = in->lba + 1;
        if (in->count & 1u) /* VOLATILE VALUE clear = volatile; set = survives power cycles */
                f->permanent_current = f->s.current_sectors;
}

static void cmd_dco(struct fake_ata *f, const struct ata_in *in, struct ata_out *o)
{
        if (in->feature == 0xc2)
                f->n.dco_identify++;
        else if (in->feature == 0xc0)
                f->n.dco_restore++;
        else
                f->n.unknown++;
        if (!f->cfg.has_dco || f->s.is_security_locked || f->s.is_sanitize_in_progress ||
            (in->feature != 0xc2 && in->feature != 0xc0)) {
                abort_cmd(f, o);
                return;
        }
        if (in->feature == 0xc2) {
                uint8_t *b = in->data_in;
                memset(b, 0, ATA_SECTOR_BYTES);
                put_word(b, 0, 0x0002);
                put_word(b, 1, 0x0007);
                put_word(b, 2, 0x007f);
                for (unsigned i = 0; i < 4; i++)
                        put_word(b, 3 + i, (uint16_t)((f->s.factory_sectors - 1) >> (16 * i)));
                put_word(b, 7, 0x01ff);
                seal(b);
                return;
        }
        /* RESTORE: aborted while an HPA is set or the DCO is frozen (ACS-2). */
        if (f->cfg.is_dco_frozen || f->s.current_sectors < f->s.native_sectors) {
                abort_cmd(f, o);
                return;
        }
        if (f->cfg.is_set_max_ignored)
                return;
        f->s.native_sectors = f->s.factory_sectors;
        f->s.current_sectors = f->s.factory_sectors;
        f->permanent_current = f->s.factory_sectors;
}

static void cmd_ama(struct fake_ata *f, const struct ata_in *in, struct ata_out *o)
{
        if (in->feature == 0x0000)
                f->n.ama_get_native_max++;
        else if (in->feature == 0x0001)
                f->n.ama_set_accessible_max++;
        else if (in->feature == 0x0002)
                f->n.ama_freeze++;
        else
                f->n.unknown++;
        if (!f->cfg.has_ama || f->s.is_security_locked || f->s.is_sanitize_in_progress) {
                abort_cmd(f, o);
                return;
        }
        switch (in->feature) {
        case 0x0000:
                o->lba = f->s.native_sectors - 1;
                return;
        case 0x0001:
                if (f->cfg.is_ama_frozen || f->is_ama_frozen) {
                        abort_cmd(f, o);
                        return;
                }
                if (in->lba >= f->s.native_sectors) {
                        abort_cmd(f, o);
                        o->error |= ER_IDNF;
                        return;
                }
                if (f->cfg.is_set_max_ignored)
                        return;
                f->s.current_sectors = in->lba + 1; /* non-volatile (ACS-4) */
                f->permanent_current = f->s.current_sectors;
                return;
        case 0x0002:
                f->is_ama_frozen = true;
                return;
        default:
                abort_cmd(f, o);
                return;
        }
}

/* ---- SMART, ACS-3 §7.48 ------------------------------------------------------------------------------ */

static void put_attribute(uint8_t *b, unsigned slot, uint8_t id, uint8_t value, uint64_t raw)
{
        uint8_t *e = b + 2 + 12 * slot;
        e[0] = id;
        e[1] = 0x32; /* flags: online, event count */
        e[3] = value;
        e[4] = value;
        for (unsigned i = 0; i < 6; i++)
                e[5 + i] = (uint8_t)(raw >> (8 * i));
}

static void cmd_smart(struct fake_ata *f, const struct ata_in *in, struct ata_out *o)
{
        if (in->feature != 0xd0) {
                f->n.unknown++;
                abort_cmd(f, o);
                return;
        }
        f->n.smart_read_data++;
        if (!f->cfg.has_smart || f->cfg.is_smart_disabled || ((in->lba >> 8) & 0xffff) != 0xc24f) {
                abort_cmd(f, o);
                return;
        }
        uint8_t *b = in->data_in;
        memset(b, 0, ATA_SECTOR_BYTES);
        put_word(b, 0, 0x0010);
        put_attribute(b, 0, 1, 100, 0);
        put_attribute(b, 1, 5, 100, f->cfg.reallocated_sectors);
        /* some vendors keep other counters above the hours in attribute 9's raw bytes */
        put_attribute(b, 2, 9, 98, f->cfg.power_on_hours | UINT64_C(0x1200) << 32);
        put_attribute(b, 3, 194, 64, f->cfg.temperature_c | (uint64_t)55 << 16); /* with the lifetime max */
        put_attribute(b, 4, 197, 100, f->cfg.pending_sectors);
        uint8_t sum = 0;
        for (int i = 0; i < 511; i++)
                sum += b[i];
        b[511] = (uint8_t)(0 - sum + (f->cfg.is_smart_checksum_bad ? 1 : 0));
}

/* ---- Trusted Computing feature set, ACS-3 §7.57-7.60 (TRUSTED RECEIVE 5Ch, TRUSTED SEND 5Eh) ---------- */

/* COUNT(7:0) and LBA(7:0) hold the transfer length in 512-byte blocks, LBA(23:8) the SP specific field
 * (the ComID), FEATURE(7:0) the security protocol. */
static void cmd_trusted(struct fake_ata *f, const struct ata_in *in, void *buf, size_t bytes, struct ata_out *o)
{
        bool is_send = in->command == ATA_CMD_TRUSTED_SEND;
        if (is_send)
                f->n.trusted_send++;
        else
                f->n.trusted_receive++;
        if (!f->cfg.tper) {
                abort_cmd(f, o);
                return;
        }
        uint8_t protocol = (uint8_t)in->feature;
        uint16_t comid = (uint16_t)(in->lba >> 8);
        int r = is_send ? fake_tper_if_send(f->cfg.tper, protocol, comid, buf, bytes)
                        : fake_tper_if_recv(f->cfg.tper, protocol, comid, buf, bytes);
        if (r < 0)
                abort_cmd(f, o);
}

/* ---- sense data (SAT-5 §12.2, libata) ---------------------------------------------------------------- */

static void reply_check_condition(struct fake_ata *f, struct cmd_reply *ret, const uint8_t *sense,
                                  size_t len)
{
        if ((sense[0] & 0x7f) == 0x72)
                f->n.sense_descriptor++;
        else
                f->n.sense_fixed++;
        ret->scsi_status = SCSI_STATUS_CHECK_CONDITION;
        memcpy(ret->sense, sense, len);
        ret->sense_len = len;
}

/* SCSI-level sense (the SATL's own refusals), in the format D_SENSE asks for. */
static void reply_scsi_error(struct fake_ata *f, uint8_t key, uint8_t asc, uint8_t ascq,
                             struct cmd_reply *ret)
{
        uint8_t s[18] = { 0 };
        if (f->s.is_d_sense) {
                s[0] = 0x72;
                s[1] = key;
                s[2] = asc;
                s[3] = ascq;
                reply_check_condition(f, ret, s, 8);
                return;
        }
        s[0] = 0x70;
        s[2] = key;
        s[7] = 10;
        s[12] = asc;
        s[13] = ascq;
        reply_check_condition(f, ret, s, 18);
}

static void reply_ata(struct fake_ata *f, const struct ata_out *o, struct cmd_reply *ret)
{
        uint8_t s[32] = { 0 };
        uint8_t key = o->is_error ? SENSE_KEY_ABORTED_COMMAND : SENSE_KEY_RECOVERED_ERROR;
        uint8_t ascq = o->is_error ? 0x00 : 0x1d; /* 00h/1Dh ATA PASS-THROUGH INFORMATION AVAILABLE */
        uint64_t lba = o->lba;
        bool is_desc =
                f->s.is_d_sense || (f->cfg.fixed_layout == FAKE_ATA_SENSE_LIBATA_LEGACY && !o->is_error);

        if (is_desc) {
                s[0] = 0x72;
                s[1] = key;
                s[3] = ascq;
                s[7] = 14;
                uint8_t *d = s + 8; /* ATA Status Return descriptor */
                d[0] = 0x09;
                d[1] = 0x0c;
                d[2] = o->is_extend ? 1 : 0;
                d[3] = o->error;
                d[4] = (uint8_t)(o->count >> 8);
                d[5] = (uint8_t)o->count;
                d[6] = (uint8_t)(lba >> 24);
                d[7] = (uint8_t)lba;
                d[8] = (uint8_t)(lba >> 32);
                d[9] = (uint8_t)(lba >> 8);
                d[10] = (uint8_t)(lba >> 40);
                d[11] = (uint8_t)(lba >> 16);
                d[12] = o->device;
                d[13] = o->status;
                reply_check_condition(f, ret, s, 22);
                return;
        }
        uint8_t flags = (uint8_t)((o->is_extend ? 0x80 : 0) | (o->is_extend && (o->count >> 8) ? 0x40 : 0) |
                                  (o->is_extend && (lba >> 24) ? 0x20 : 0));
        s[2] = key;
        s[7] = 10;
        s[12] = 0x00;
        s[13] = ascq;
        if (f->cfg.fixed_layout == FAKE_ATA_SENSE_SAT) {
                s[0] = 0x80 | 0x70; /* VALID: the INFORMATION field holds the registers */
                s[3] = o->error;
                s[4] = o->status;
                s[5] = o->device;
                s[6] = (uint8_t)o->count;
                s[8] = flags;
                s[9] = (uint8_t)lba;
                s[10] = (uint8_t)(lba >> 8);
                s[11] = (uint8_t)(lba >> 16);
                reply_check_condition(f, ret, s, 18);
        } else {
                s[0] = 0x70;
                s[8] = o->error;
                s[9] = o->status;
                s[10] = o->device;
                s[11] = (uint8_t)o->count;
                s[16] = flags;
                s[17] = (uint8_t)lba;
                s[18] = (uint8_t)(lba >> 8);
                s[19] = (uint8_t)(lba >> 16);
                reply_check_condition(f, ret, s, 20);
        }
}

/* ---- MODE SENSE(10) / MODE SELECT(10) of the Control mode page, as libata answers them (SPC-5) ------- */

static void control_page(const struct fake_ata *f, bool is_changeable, uint8_t page[12])
{
        memset(page, 0, 12);
        page[0] = 0x0a;
        page[1] = 0x0a;
        if (is_changeable) {
                page[2] = 0x04; /* only D_SENSE can change */
                return;
        }
        page[2] = f->s.is_d_sense ? 0x04 : 0x00;
        page[8] = 0xff; /* BUSY TIMEOUT PERIOD: unlimited */
        page[9] = 0xff;
        page[11] = 30; /* EXTENDED SELF-TEST COMPLETION TIME */
}

static void mode_sense(struct fake_ata *f, const uint8_t *cdb, enum cmd_dir dir, uint8_t *buf,
                       size_t buf_len, struct cmd_reply *ret)
{
        f->n.mode_sense++;
        uint8_t data[8 + 8 + 12] = { 0 };
        bool is_dbd = cdb[1] & 0x08;
        unsigned pc = cdb[2] >> 6, page = cdb[2] & 0x3f;
        size_t alloc = (size_t)cdb[7] << 8 | cdb[8];
        if ((page != 0x0a && page != 0x3f) || cdb[3] != 0 || pc == 3 || dir != CMD_DIR_FROM_DEVICE) {
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x24, 0x00, ret);
                return;
        }
        size_t pos = 8;
        if (!is_dbd) { /* one short block descriptor, as libata gives */
                data[7] = 8;
                uint64_t n = f->s.current_sectors > 0xffffffff ? 0xffffffff : f->s.current_sectors;
                for (int i = 0; i < 4; i++)
                        data[8 + i] = (uint8_t)(n >> (24 - 8 * i));
                data[14] = 0x02; /* 512-byte blocks */
                pos += 8;
        }
        control_page(f, pc == 1, data + pos);
        size_t len = pos + 12;
        data[1] = (uint8_t)(len - 2);
        size_t n = alloc < len ? alloc : len;
        if (n > buf_len)
                n = buf_len;
        memcpy(buf, data, n);
        ret->resid = (int32_t)(buf_len - n);
}

static void mode_select(struct fake_ata *f, const uint8_t *cdb, enum cmd_dir dir, const uint8_t *buf,
                        size_t buf_len, struct cmd_reply *ret)
{
        f->n.mode_select++;
        if (f->cfg.is_mode_select_refused) {
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x20, 0x00, ret);
                return;
        }
        size_t len = (size_t)cdb[7] << 8 | cdb[8];
        if ((cdb[1] & 0x11) != 0x10 || dir != CMD_DIR_TO_DEVICE || len > buf_len) { /* PF=1, SP=0 only */
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x24, 0x00, ret);
                return;
        }
        size_t bd_len = (size_t)buf[6] << 8 | buf[7];
        if (len < 8 || bd_len != 0 || len < 8 + 12) {
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x00, ret);
                return;
        }
        const uint8_t *p = buf + 8;
        uint8_t current[12];
        control_page(f, false, current);
        if ((p[0] & 0x3f) != 0x0a || p[1] != 0x0a) {
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x00, ret);
                return;
        }
        /* every bit but D_SENSE must be sent back as it is */
        for (int i = 2; i < 12; i++) {
                uint8_t mask = i == 2 ? (uint8_t)~0x04 : 0xff;
                if ((p[i] & mask) != (current[i] & mask)) {
                        reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x00, ret);
                        return;
                }
        }
        f->s.is_d_sense = p[2] & 0x04;
}

/* ---- the transport --------------------------------------------------------------------------------- */

static int fake_scsi(void *userdata, const uint8_t *cdb, size_t cdb_len, enum cmd_dir dir, void *buf,
                     size_t buf_len, unsigned timeout_ms, struct cmd_reply *ret)
{
        struct fake_ata *f = userdata;

        *ret = (struct cmd_reply){ 0 };
        f->n.commands++;
        bool was_read_native = f->was_read_native, was_prepared = f->was_erase_prepared;
        f->was_read_native = false;
        f->was_erase_prepared = false;

        if (cdb_len == 10 && cdb[0] == SCSI_MODE_SENSE_10) {
                mode_sense(f, cdb, dir, buf, buf_len, ret);
                return 0;
        }
        if (cdb_len == 10 && cdb[0] == SCSI_MODE_SELECT_10) {
                mode_select(f, cdb, dir, buf, buf_len, ret);
                return 0;
        }
        if (cdb_len != 16 || cdb[0] != SCSI_ATA_PASS_THROUGH_16) {
                f->n.unknown++;
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x20, 0x00, ret);
                return 0;
        }

        /* SAT-5 ATA PASS-THROUGH(16) fields */
        unsigned protocol = (cdb[1] >> 1) & 0x0f;
        bool is_extend = cdb[1] & 1u, is_ck_cond = cdb[2] & 0x20;
        struct ata_in in = {
                .command = cdb[14],
                .device = cdb[13],
                .is_extend = is_extend,
                .feature = (uint16_t)(cdb[4] | (is_extend ? cdb[3] << 8 : 0)),
                .count = (uint16_t)(cdb[6] | (is_extend ? cdb[5] << 8 : 0)),
                .lba = (uint64_t)cdb[8] | (uint64_t)cdb[10] << 8 | (uint64_t)cdb[12] << 16,
                .timeout_ms = timeout_ms,
        };
        if (is_extend)
                in.lba |= (uint64_t)cdb[7] << 24 | (uint64_t)cdb[9] << 32 | (uint64_t)cdb[11] << 40;
        else
                in.lba |= (uint64_t)(cdb[13] & 0x0f) << 24;

        /* TRUSTED RECEIVE / SEND move COUNT + LBA(7:0) << 8 blocks (ACS-3), not COUNT alone. */
        if (in.command == ATA_CMD_TRUSTED_RECEIVE || in.command == ATA_CMD_TRUSTED_SEND) {
                bool is_send = in.command == ATA_CMD_TRUSTED_SEND;
                size_t bytes = ((size_t)(in.count & 0xff) | (size_t)(in.lba & 0xff) << 8) * ATA_SECTOR_BYTES;
                unsigned want = is_send ? ATA_PT_PIO_DATA_OUT : ATA_PT_PIO_DATA_IN;
                struct ata_out o = { .status = ST_OK, .device = in.device, .is_extend = is_extend };
                if (protocol != want || is_extend || bytes == 0 || bytes > buf_len ||
                    dir != (is_send ? CMD_DIR_TO_DEVICE : CMD_DIR_FROM_DEVICE) ||
                    (cdb[2] & 0x0f) != (is_send ? 0x06 : 0x0e)) {
                        if (f->cfg.tper) { /* a malformed carrier; a drive without the feature aborts anyway */
                                f->n.unknown++;
                                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x24, 0x00, ret);
                                return 0;
                        }
                        bytes = 0;
                }
                cmd_trusted(f, &in, buf, bytes, &o);
                if (o.is_error && !is_send)
                        ret->resid = (int32_t)buf_len;
                if (o.is_error || is_ck_cond)
                        reply_ata(f, &o, ret);
                return 0;
        }

        /* The transfer the CDB describes must be the one the host set up (T_LENGTH 2: COUNT blocks). */
        bool is_ok_transfer;
        switch (protocol) {
        case ATA_PT_NON_DATA:
                is_ok_transfer = dir == CMD_DIR_NONE && (cdb[2] & 0x03) == 0;
                break;
        case ATA_PT_PIO_DATA_IN:
                is_ok_transfer = dir == CMD_DIR_FROM_DEVICE && (cdb[2] & 0x0f) == 0x0e && in.count == 1 &&
                                 buf_len >= ATA_SECTOR_BYTES;
                in.data_in = buf;
                break;
        case ATA_PT_PIO_DATA_OUT:
                is_ok_transfer = dir == CMD_DIR_TO_DEVICE && (cdb[2] & 0x0f) == 0x06 && in.count == 1 &&
                                 buf_len >= ATA_SECTOR_BYTES;
                in.data_out = buf;
                break;
        default:
                is_ok_transfer = false;
                break;
        }
        if (!is_ok_transfer) {
                f->n.unknown++;
                reply_scsi_error(f, SENSE_KEY_ILLEGAL_REQUEST, 0x24, 0x00, ret);
                return 0;
        }

        struct ata_out o = { .status = ST_OK, .device = in.device, .is_extend = is_extend };
        bool is_expected_protocol = true;
        switch (in.command) {
        case ATA_CMD_IDENTIFY_DEVICE:
                f->n.identify++;
                if ((is_expected_protocol = protocol == ATA_PT_PIO_DATA_IN))
                        build_identify(f, in.data_in);
                break;
        case ATA_CMD_SANITIZE_DEVICE:
                if ((is_expected_protocol = protocol == ATA_PT_NON_DATA && is_extend))
                        cmd_sanitize(f, &in, &o);
                break;
        case ATA_CMD_SECURITY_SET_PASSWORD:
        case ATA_CMD_SECURITY_UNLOCK:
        case ATA_CMD_SECURITY_ERASE_UNIT:
        case ATA_CMD_SECURITY_DISABLE_PASSWORD:
                if ((is_expected_protocol = protocol == ATA_PT_PIO_DATA_OUT))
                        cmd_security(f, &in, &o, was_prepared);
                break;
        case ATA_CMD_SECURITY_ERASE_PREPARE:
        case ATA_CMD_SECURITY_FREEZE_LOCK:
                if ((is_expected_protocol = protocol == ATA_PT_NON_DATA))
                        cmd_security(f, &in, &o, was_prepared);
                break;
        case ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT:
                if ((is_expected_protocol = protocol == ATA_PT_NON_DATA && is_extend))
                        cmd_read_native(f, &o);
                break;
        case ATA_CMD_SET_MAX_ADDRESS_EXT:
                if ((is_expected_protocol = protocol == ATA_PT_NON_DATA && is_extend))
                        cmd_set_max(f, &in, &o, was_read_native);
                break;
        case ATA_CMD_DEVICE_CONFIGURATION:
                if ((is_expected_protocol =
                             protocol == (in.feature == 0xc2 ? ATA_PT_PIO_DATA_IN : ATA_PT_NON_DATA)))
                        cmd_dco(f, &in, &o);
                break;
        case ATA_CMD_ACCESSIBLE_MAX_ADDRESS_CONFIGURATION:
                if ((is_expected_protocol = protocol == ATA_PT_NON_DATA && is_extend))
                        cmd_ama(f, &in, &o);
                break;
        case ATA_CMD_SMART:
                if ((is_expected_protocol = protocol == ATA_PT_PIO_DATA_IN))
                        cmd_smart(f, &in, &o);
                break;
        default:
                f->n.unknown++;
                abort_cmd(f, &o);
                break;
        }
        if (!is_expected_protocol) { /* a drive given the wrong protocol: the command fails */
                f->n.unknown++;
                abort_cmd(f, &o);
        }
        if (o.is_error && in.data_in)
                ret->resid = (int32_t)buf_len;
        if (o.is_error || is_ck_cond)
                reply_ata(f, &o, ret);
        return 0;
}

/* ---- life cycle ------------------------------------------------------------------------------------ */

int fake_ata_new(const struct fake_ata_config *config, struct fake_ata **ret)
{
        const struct fake_ata_config *c = config;
        if (c->is_security_locked && !c->user_password)
                return -EINVAL;
        struct fake_ata *f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->cfg = *c;
        f->medium = c->medium ? *c->medium : (struct fake_medium){ .fd = -1 };
        f->cfg.medium = NULL;
        snprintf(f->model, sizeof f->model, "%s", c->model ? c->model : "KESU FAKE ATA");
        snprintf(f->serial, sizeof f->serial, "%s", c->serial ? c->serial : "FAKE0001");

        uint64_t sectors = c->sectors;
        if (!sectors)
                sectors = c->medium ? c->medium->bytes / ATA_SECTOR_BYTES : DEFAULT_SECTORS;
        if (sectors <= c->dco_hidden_sectors + c->hpa_hidden_sectors + 1) {
                free(f);
                return -EINVAL;
        }
        f->s.factory_sectors = sectors;
        f->s.native_sectors = sectors - (c->has_dco ? c->dco_hidden_sectors : 0);
        f->s.current_sectors = f->s.native_sectors - (c->has_hpa || c->has_ama ? c->hpa_hidden_sectors : 0);
        f->permanent_current = f->s.current_sectors;

        if (c->has_security) {
                f->s.is_security_frozen = c->is_security_frozen;
                if (c->user_password) {
                        memcpy(f->s.user_password, c->user_password, 32);
                        f->s.has_user_password = true;
                        f->s.is_security_enabled = true;
                        f->s.is_security_locked = c->is_security_locked;
                }
        }
        f->s.sanitize_progress = 0xffff;
        if (has_sanitize(f)) {
                f->s.is_sanitize_frozen = c->is_sanitize_frozen;
                if (c->is_sanitize_failed) {
                        f->s.is_sanitize_failed = true;
                        f->is_failure_mode = c->is_failed_with_failure_mode;
                }
                if (c->is_sanitize_running) {
                        uint16_t kind = c->has_sanitize_block    ? SAN_BLOCK
                                        : c->has_sanitize_crypto ? SAN_CRYPTO
                                                                 : SAN_OVERWRITE;
                        f->running_feature = kind;
                        f->s.is_sanitize_in_progress = true;
                        f->s.sanitize_progress = 0;
                        f->polls_total = f->polls_left = c->sanitize_polls;
                }
        }
        f->s.is_d_sense = c->is_d_sense;
        *ret = f;
        return 0;
}

struct fake_ata *fake_ata_free(struct fake_ata *f)
{
        if (f) {
                memset(f->s.user_password, 0, sizeof f->s.user_password);
                free(f);
        }
        return NULL;
}

void fake_ata_transport(struct fake_ata *f, struct cmd_transport *ret)
{
        *ret = (struct cmd_transport){ .scsi = fake_scsi, .nvme_admin = NULL, .userdata = f };
}

struct fake_ata_config *fake_ata_config_of(struct fake_ata *f)
{
        return &f->cfg;
}

const struct fake_ata_counters *fake_ata_counters(const struct fake_ata *f)
{
        return &f->n;
}

void fake_ata_state(const struct fake_ata *f, struct fake_ata_state *ret)
{
        *ret = f->s;
}

unsigned fake_ata_sanitize_commands(const struct fake_ata *f)
{
        const struct fake_ata_counters *n = &f->n;
        return n->sanitize_crypto + n->sanitize_block + n->sanitize_overwrite + n->sanitize_freeze_lock +
               n->sanitize_antifreeze_lock;
}

unsigned fake_ata_security_commands(const struct fake_ata *f)
{
        const struct fake_ata_counters *n = &f->n;
        return n->security_set_password + n->security_unlock + n->security_erase_prepare +
               n->security_erase_unit + n->security_freeze_lock + n->security_disable_password;
}

unsigned fake_ata_erase_commands(const struct fake_ata *f)
{
        const struct fake_ata_counters *n = &f->n;
        return n->sanitize_crypto + n->sanitize_block + n->sanitize_overwrite + n->security_erase_unit;
}

unsigned fake_ata_writing_commands(const struct fake_ata *f)
{
        const struct fake_ata_counters *n = &f->n;
        return fake_ata_sanitize_commands(f) + fake_ata_security_commands(f) - n->security_erase_prepare +
               n->set_max + n->dco_restore + n->ama_set_accessible_max + n->ama_freeze;
}

void fake_ata_power_cycle(struct fake_ata *f)
{
        f->s.is_security_frozen = false;
        f->s.is_security_expired = false;
        f->wrong_passwords = 0;
        if (f->s.is_security_enabled)
                f->s.is_security_locked = true; /* SEC4 after power-on with a password set */
        f->s.is_sanitize_frozen = false;
        f->s.is_sanitize_antifreeze = false;
        f->is_ama_frozen = false;
        f->s.current_sectors = f->permanent_current;
        f->s.is_d_sense = f->cfg.is_d_sense;
        f->was_read_native = false;
        f->was_erase_prepared = false;
}

void fake_ata_freeze_security(struct fake_ata *f)
{
        if (f->cfg.has_security)
                f->s.is_security_frozen = true;
}
