/* SPDX-License-Identifier: MIT */
/*
 * ATA SECURITY ERASE UNIT (ACS-4 §7.37, Security feature set): a temporary user password, SECURITY
 * SET PASSWORD, SECURITY ERASE PREPARE, SECURITY ERASE UNIT (normal or enhanced), then IDENTIFY to
 * see the password gone (a successful erase disables security), SECURITY DISABLE PASSWORD when the
 * drive kept it, and the password in the report when even that failed.
 *
 * Decisions:
 *   - The password is 32 ASCII characters: the lowercase hex of 16 random bytes (128 bits), filling
 *     the 32-byte PASSWORD field exactly. When it cannot be cleared, the report shows those 32
 *     characters, which the owner types as they are (hdparm --security-disable PWD copies a string
 *     into the field the same way); 64 hex digits of 32 raw bytes would neither fit password_left
 *     nor be typeable.
 *   - Evidence: SET PASSWORD must show in IDENTIFY (security enabled) before anything is erased — a
 *     drive that accepts it without effect gives no sign that a later ERASE UNIT would run either
 *     (PURGE_ERR_NOT_DONE). ERASE UNIT counts as completed when it returned GOOD after running in
 *     the foreground; a drive that then still holds the password is noted in warnings.
 *   - The erase blocks for its whole duration (no progress but 0 at the start), with the drive's
 *     own estimate (IDENTIFY word 89/90) doubled, at least 2 minutes, CMD_TIMEOUT_LONG_MS when the
 *     drive gives none.
 */
#include "ata-purge-internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define PASSWORD_RANDOM_BYTES 16 /* hex: the 32 characters of the PASSWORD field */

struct secret {
        uint8_t password[ATA_SECURITY_PASSWORD_BYTES + 1]; /* ASCII, NUL after the 32 characters */
        uint8_t data[ATA_SECTOR_BYTES];                    /* the command's data block */
};

static void secret_freep(struct secret **s)
{
        if (*s)
                sodium_free(*s); /* sodium_free wipes before freeing */
}

static unsigned erase_timeout_ms(const struct ata_purge_caps *c, bool is_enhanced)
{
        uint32_t minutes = is_enhanced ? c->enhanced_erase_minutes : c->erase_minutes;
        bool is_longer = is_enhanced ? c->is_enhanced_erase_longer : c->is_erase_longer;
        if (minutes == 0 || is_longer)
                return CMD_TIMEOUT_LONG_MS;
        uint64_t ms = (uint64_t)minutes * 2u * 60u * 1000u;
        if (ms < 2u * 60u * 1000u)
                ms = 2u * 60u * 1000u;
        return ms > UINT32_MAX ? UINT32_MAX : (unsigned)ms;
}

/* Sends a security command (data-out with s->data when is_data). 0 for success, PURGE_ERR_* with
 * error_text for a refusal, -errno. */
static int security_command(const struct cmd_transport *t, const char *name, const uint8_t cdb[16],
                            bool is_data, struct secret *s, unsigned timeout_ms, struct purge_report *ret)
{
        struct ata_answer a;
        int r = ata_send(t, cdb, ATA_PT16_CDB_BYTES, is_data ? CMD_DIR_TO_DEVICE : CMD_DIR_NONE,
                         is_data ? s->data : NULL, is_data ? sizeof s->data : 0, timeout_ms, &a);
        sodium_memzero(s->data, sizeof s->data);
        if (r < 0) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s not completed: %s", name,
                         strerror(-r));
                return r;
        }
        if (ata_answer_is_ok(&a))
                return 0;
        char d[96];
        ata_answer_describe(&a, d, sizeof d);
        snprintf(ret->error_text, sizeof ret->error_text, "the drive refused %s: %s", name, d);
        return ata_answer_error(&a);
}

/* Makes sure no temporary password is left: IDENTIFY, SECURITY DISABLE PASSWORD when security is
 * still enabled, IDENTIFY again. Fills is_password_cleared, password_left and device_status.
 * is_kept: set when the drive still held the password (it had to be disabled, or could not be). */
static void clear_password(const struct cmd_transport *t, struct secret *s, struct purge_report *ret,
                           bool *is_kept)
{
        struct ata_purge_caps c;
        uint8_t cdb[ATA_PT16_CDB_BYTES];

        *is_kept = false;
        int r = ata_identify_caps(t, NULL, &c);
        if (r == 0) {
                ata_describe_security(&c, ret->device_status, sizeof ret->device_status);
                if (!c.is_security_enabled) {
                        ret->is_password_cleared = true;
                        return;
                }
                *is_kept = true;
                ata_build_security_disable_password(cdb);
                ata_build_security_password_data(s->password, ATA_PASSWORD_USER, s->data);
                char saved[sizeof ret->error_text];
                memcpy(saved, ret->error_text, sizeof saved); /* the first error is the one to report */
                (void)security_command(t, "SECURITY DISABLE PASSWORD", cdb, true, s, CMD_TIMEOUT_SHORT_MS,
                                       ret);
                memcpy(ret->error_text, saved, sizeof saved);
                r = ata_identify_caps(t, NULL, &c);
                if (r == 0) {
                        ata_describe_security(&c, ret->device_status, sizeof ret->device_status);
                        if (!c.is_security_enabled) {
                                ret->is_password_cleared = true;
                                return;
                        }
                }
        }
        /* Still set, or unknown: show it, so the owner can unlock the drive. */
        ret->is_password_cleared = false;
        snprintf(ret->password_left, sizeof ret->password_left, "%s", (const char *)s->password);
}

static int run_erase(const struct cmd_transport *t, bool is_enhanced, const struct ata_purge_caps *c,
                     struct secret *s, struct purge_report *ret, bool *ret_is_erased)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];

        *ret_is_erased = false;
        ata_build_security_set_password(cdb);
        ata_build_security_set_password_data(s->password, ATA_PASSWORD_USER, ATA_MASTER_HIGH, 0, s->data);
        int r = security_command(t, "SECURITY SET PASSWORD (F1h)", cdb, true, s, CMD_TIMEOUT_SHORT_MS, ret);
        if (r != 0)
                return r;

        struct ata_purge_caps after;
        r = ata_identify_caps(t, NULL, &after);
        if (r < 0)
                return r;
        if (!after.is_security_enabled) {
                ata_describe_security(&after, ret->device_status, sizeof ret->device_status);
                snprintf(ret->error_text, sizeof ret->error_text,
                         "SECURITY SET PASSWORD returned success, but IDENTIFY word 128 shows security not "
                         "enabled: no sign the drive acts on security commands; nothing was erased");
                return PURGE_ERR_NOT_DONE;
        }

        ata_build_security_erase_prepare(cdb);
        r = security_command(t, "SECURITY ERASE PREPARE (F3h)", cdb, false, s, CMD_TIMEOUT_SHORT_MS, ret);
        if (r != 0)
                return r;
        ata_build_security_erase_unit(cdb);
        ata_build_security_erase_unit_data(s->password, ATA_PASSWORD_USER, is_enhanced, s->data);
        r = security_command(t, ret->command, cdb, true, s, erase_timeout_ms(c, is_enhanced), ret);
        if (r != 0)
                return r;
        *ret_is_erased = true;
        return 0;
}

int ata_security_erase_run(const struct cmd_transport *t, enum purge_method method,
                           const struct purge_run_options *o, struct purge_report *ret)
{
        _cleanup_(secret_freep) struct secret *s = NULL;
        struct ata_purge_caps c;
        bool is_enhanced = method == PURGE_SECURE_ERASE_ENHANCED;

        snprintf(ret->command, sizeof ret->command,
                 "ATA SECURITY ERASE UNIT (F4h), %s (after SECURITY SET PASSWORD "
                 "F1h and SECURITY ERASE PREPARE F3h)",
                 is_enhanced ? "enhanced" : "normal");
        if (sodium_init() < 0)
                return -EIO;

        /* The state now, not at the probe: a BIOS or another tool may have acted since. */
        int r = ata_identify_caps(t, NULL, &c);
        if (r < 0) {
                snprintf(ret->error_text, sizeof ret->error_text, "IDENTIFY DEVICE failed: %s",
                         strerror(-r));
                return r;
        }
        ata_describe_security(&c, ret->device_status, sizeof ret->device_status);
        if (!c.has_security || (is_enhanced && !c.has_enhanced_erase)) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s", ret->device_status);
                return PURGE_ERR_UNSUPPORTED;
        }
        if (c.is_security_frozen) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s", ret->device_status);
                return PURGE_ERR_FROZEN;
        }
        if (c.is_security_enabled || c.is_security_locked) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s", ret->device_status);
                return PURGE_ERR_LOCKED;
        }
        if (c.is_security_count_expired) {
                snprintf(ret->error_text, sizeof ret->error_text, "%s", ret->device_status);
                purge_append(ret->error_text, sizeof ret->error_text, " (power-cycle the drive)");
                return PURGE_ERR_REFUSED;
        }

        s = sodium_malloc(sizeof *s);
        if (!s)
                return -ENOMEM;
        uint8_t raw[PASSWORD_RANDOM_BYTES];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex((char *)s->password, sizeof s->password, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);

        if (o->progress)
                o->progress(o->progress_userdata, 0);
        bool is_erased, is_kept;
        int error = run_erase(t, is_enhanced, &c, s, ret, &is_erased);
        /* Whatever happened after SET PASSWORD was tried: make sure nothing is left set. */
        clear_password(t, s, ret, &is_kept);
        if (is_erased) {
                ret->is_completed = true;
                if (is_kept && ret->is_password_cleared)
                        purge_append(
                                ret->warnings, sizeof ret->warnings,
                                "%sthe drive kept the temporary password after SECURITY ERASE UNIT (ACS "
                                "says the erase clears it); it was cleared with SECURITY DISABLE PASSWORD",
                                ret->warnings[0] ? "; " : "");
                if (o->progress)
                        o->progress(o->progress_userdata, 65535);
        }
        if (error == 0 && !ret->is_password_cleared) {
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the temporary user password could not be cleared (SECURITY DISABLE PASSWORD "
                         "refused); "
                         "unlock the drive with the password in the report");
                error = PURGE_ERR_PASSWORD_LEFT;
        }
        return error;
}
