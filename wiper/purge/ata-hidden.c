/* SPDX-License-Identifier: MIT */
/*
 * Hidden areas of an ATA drive: a Host Protected Area (ACS-2 HPA feature set: READ NATIVE MAX
 * ADDRESS EXT, SET MAX ADDRESS EXT), a Device Configuration Overlay (ACS-2 DCO: DEVICE
 * CONFIGURATION IDENTIFY / RESTORE) and an Accessible Max Address reduction (ACS-4 AMAC: GET NATIVE
 * MAX ADDRESS EXT, SET ACCESSIBLE MAX ADDRESS EXT) — found (the probe, reads only) and set back to
 * the full capacity before an erase.
 *
 * Decisions:
 *   - HPA: SET MAX ADDRESS EXT with VOLATILE VALUE (COUNT bit 0 = 0): the full capacity lasts until
 *     the next power-on or hardware reset, long enough to erase and verify it; after that the HPA
 *     comes back, erased. The owner's configuration is not changed for good. Restore must therefore
 *     run after any suspend/resume (a reset) and right before the erase.
 *   - DCO: DEVICE CONFIGURATION RESTORE is permanent (the factory configuration); ACS-2 aborts it
 *     while an HPA is set, so the HPA goes first.
 *   - AMA: SET ACCESSIBLE MAX ADDRESS EXT is non-volatile by definition (ACS-4); it is set to the
 *     native maximum.
 *   - Drives without 48-bit addressing (READ NATIVE MAX ADDRESS F8h, 28-bit) are not examined for
 *     an HPA; the note says so.
 */
#include "ata-purge-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* READ NATIVE MAX ADDRESS EXT (is_ama false) or GET NATIVE MAX ADDRESS EXT: the native capacity in
 * sectors. -EOPNOTSUPP when the drive aborted it (why filled), -ENODATA when fixed-format sense cut
 * off LBA(47:24), -errno. */
static int read_native(const struct cmd_transport *t, bool is_ama, uint64_t *ret_sectors, char *why,
                       size_t n)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        struct ata_answer a;
        uint64_t max_lba;

        if (is_ama)
                ata_build_get_native_max_address(cdb);
        else
                ata_build_read_native_max_ext(cdb);
        int r = ata_send(t, cdb, sizeof cdb, CMD_DIR_NONE, NULL, 0, CMD_TIMEOUT_IDENTIFY_MS, &a);
        if (r < 0) {
                snprintf(why, n, "not sent (%s)", strerror(-r));
                return r;
        }
        if (!a.has_ata || !ata_answer_is_ok(&a)) {
                char d[96];
                ata_answer_describe(&a, d, sizeof d);
                snprintf(why, n, "aborted (%s)", d);
                return -EOPNOTSUPP;
        }
        r = ata_parse_native_max(&a.ata, &max_lba);
        if (r < 0) {
                snprintf(why, n, "%s", r == -ENODATA ? "cut off by fixed-format sense" : "aborted");
                return r;
        }
        *ret_sectors = max_lba + 1;
        return 0;
}

static int read_dco(const struct cmd_transport *t, uint64_t *ret_sectors, char *why, size_t n)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        uint8_t buf[ATA_SECTOR_BYTES] = { 0 };
        struct ata_answer a;
        struct ata_dco dco;

        ata_build_dco_identify(cdb);
        int r = ata_send(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS,
                         &a);
        if (r < 0) {
                snprintf(why, n, "not sent (%s)", strerror(-r));
                return r;
        }
        if (!ata_answer_is_ok(&a)) {
                char d[96];
                ata_answer_describe(&a, d, sizeof d);
                snprintf(why, n, "aborted (%s)", d);
                return -EOPNOTSUPP;
        }
        r = ata_parse_dco_identify(buf, &dco);
        if (r < 0) {
                snprintf(why, n, "bad data (integrity word)");
                return r;
        }
        *ret_sectors = dco.max_lba + 1;
        return 0;
}

void ata_hidden_probe(const struct cmd_transport *t, const struct ata_identity *id,
                      const struct ata_purge_caps *c, struct purge_hidden *h)
{
        char why[128];
        uint64_t sectors;

        *h = (struct purge_hidden){ .is_examined = true, .current_sectors = id->sectors };
        purge_append(h->note, sizeof h->note, "IDENTIFY: %" PRIu64 " sectors", h->current_sectors);

        if (c->has_ama || (c->has_hpa && c->has_lba48)) {
                const char *name = c->has_ama ? "GET NATIVE MAX ADDRESS EXT" : "READ NATIVE MAX ADDRESS EXT";
                if (read_native(t, c->has_ama, &sectors, why, sizeof why) == 0) {
                        h->native_sectors = sectors;
                        bool is_reduced = sectors > h->current_sectors;
                        if (c->has_ama)
                                h->has_ama = is_reduced;
                        else
                                h->has_hpa = is_reduced;
                        if (is_reduced)
                                purge_append(h->note, sizeof h->note,
                                             "; %s: %" PRIu64 " (%s hides %" PRIu64 ")", name, sectors,
                                             c->has_ama ? "AMA" : "HPA", sectors - h->current_sectors);
                        else
                                purge_append(h->note, sizeof h->note, "; %s: %" PRIu64 " (no %s)", name,
                                             sectors, c->has_ama ? "AMA reduction" : "HPA");
                } else {
                        purge_append(h->note, sizeof h->note, "; %s %s: %s not examined", name, why,
                                     c->has_ama ? "AMA" : "HPA");
                }
        } else if (c->has_hpa) {
                purge_append(h->note, sizeof h->note, "; HPA not examined (no 48-bit addressing)");
        } else {
                purge_append(h->note, sizeof h->note, "; no HPA or AMA feature");
        }

        if (c->has_dco) {
                if (read_dco(t, &sectors, why, sizeof why) == 0) {
                        uint64_t visible = h->native_sectors ? h->native_sectors : h->current_sectors;
                        h->dco_sectors = sectors;
                        h->has_dco = sectors > visible;
                        if (h->has_dco)
                                purge_append(h->note, sizeof h->note,
                                             "; DCO IDENTIFY: %" PRIu64 " (DCO hides %" PRIu64 ")", sectors,
                                             sectors - visible);
                        else
                                purge_append(h->note, sizeof h->note, "; DCO IDENTIFY: %" PRIu64 " (no DCO)",
                                             sectors);
                } else {
                        purge_append(h->note, sizeof h->note, "; DCO IDENTIFY %s: DCO not examined", why);
                }
        }
}

/* Sends a non-data command that changes the capacity. 0, or PURGE_ERR_REFUSED / -errno with note. */
static int send_change(const struct cmd_transport *t, const char *name, const uint8_t cdb[16],
                       struct purge_hidden *h)
{
        struct ata_answer a;
        int r = ata_send(t, cdb, ATA_PT16_CDB_BYTES, CMD_DIR_NONE, NULL, 0, CMD_TIMEOUT_SHORT_MS, &a);
        if (r < 0) {
                purge_append(h->note, sizeof h->note, "; %s not sent (%s)", name, strerror(-r));
                return r;
        }
        if (!ata_answer_is_ok(&a)) {
                char d[96];
                ata_answer_describe(&a, d, sizeof d);
                purge_append(h->note, sizeof h->note, "; %s refused (%s)", name, d);
                return ata_answer_error(&a);
        }
        return 0;
}

int ata_purge_restore_hidden(const struct cmd_transport *t, struct purge_hidden *h)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        char why[128];
        uint64_t native;
        int r;

        if (!h->has_hpa && !h->has_dco && !h->has_ama)
                return 0;
        uint64_t target = h->native_sectors > h->dco_sectors ? h->native_sectors : h->dco_sectors;

        if (h->has_hpa) {
                /* ACS-2: SET MAX ADDRESS EXT must immediately follow READ NATIVE MAX ADDRESS EXT. */
                r = read_native(t, false, &native, why, sizeof why);
                if (r < 0) {
                        purge_append(h->note, sizeof h->note, "; READ NATIVE MAX ADDRESS EXT %s", why);
                        return r == -EOPNOTSUPP ? PURGE_ERR_REFUSED : r == -ENODATA ? PURGE_ERR_FAILED : r;
                }
                r = ata_build_set_max_address_ext(native - 1, false, cdb);
                if (r < 0)
                        return r;
                r = send_change(t, "SET MAX ADDRESS EXT", cdb, h);
                if (r != 0)
                        return r;
                purge_append(h->note, sizeof h->note, "; SET MAX ADDRESS EXT %" PRIu64 " (volatile)",
                             native - 1);
        }
        if (h->has_dco) {
                ata_build_dco_restore(cdb);
                r = send_change(t, "DEVICE CONFIGURATION RESTORE", cdb, h);
                if (r != 0)
                        return r;
                purge_append(h->note, sizeof h->note, "; DEVICE CONFIGURATION RESTORE (factory, permanent)");
        }
        if (h->has_ama) {
                r = read_native(t, true, &native, why, sizeof why);
                if (r < 0) {
                        purge_append(h->note, sizeof h->note, "; GET NATIVE MAX ADDRESS EXT %s", why);
                        return r == -EOPNOTSUPP ? PURGE_ERR_REFUSED : r == -ENODATA ? PURGE_ERR_FAILED : r;
                }
                r = ata_build_set_accessible_max_address(native - 1, cdb);
                if (r < 0)
                        return r;
                r = send_change(t, "SET ACCESSIBLE MAX ADDRESS EXT", cdb, h);
                if (r != 0)
                        return r;
                purge_append(h->note, sizeof h->note, "; SET ACCESSIBLE MAX ADDRESS EXT %" PRIu64,
                             native - 1);
        }

        struct ata_identity id;
        r = ata_identify_caps(t, &id, NULL);
        if (r < 0) {
                purge_append(h->note, sizeof h->note, "; IDENTIFY afterwards failed (%s)", strerror(-r));
                return r;
        }
        if (id.sectors < target) {
                purge_append(h->note, sizeof h->note,
                             "; IDENTIFY still reports %" PRIu64 " of %" PRIu64 " sectors", id.sectors,
                             target);
                return PURGE_ERR_FAILED;
        }
        h->current_sectors = id.sectors;
        h->is_restored = true;
        purge_append(h->note, sizeof h->note, "; restored: IDENTIFY reports %" PRIu64 " sectors",
                     id.sectors);
        return 0;
}
