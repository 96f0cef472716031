/* SPDX-License-Identifier: MIT */
/*
 * Drive health of an ATA drive: SMART READ DATA (ACS-3 SMART feature set) through the same ATA
 * PASS-THROUGH transport. Reads only: a drive with SMART disabled is reported as such, not enabled.
 *
 * Raw values are vendor-defined; kesu reads the common ones the way smartctl's defaults do:
 * attribute 9 (power-on hours: the low 32 bits, since some vendors keep minutes or flags in the
 * upper bytes), 5 (reallocated sectors) and 197 (pending sectors) as 48-bit counts, 194 (else 190)
 * temperature in raw byte 0.
 */
#include "ata-purge-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void ata_smart_probe(const struct cmd_transport *t, const struct ata_purge_caps *c, struct purge_health *h)
{
        uint8_t cdb[ATA_PT16_CDB_BYTES];
        uint8_t buf[ATA_SECTOR_BYTES] = { 0 };
        struct ata_answer a;
        struct ata_smart_data d;

        *h = (struct purge_health){ .source = "ATA SMART READ DATA" };
        if (!c->has_smart) {
                snprintf(h->note, sizeof h->note, "SMART not supported (IDENTIFY word 82 bit 0)");
                return;
        }
        if (!c->is_smart_enabled) {
                snprintf(h->note, sizeof h->note, "SMART disabled on the drive (IDENTIFY word 85 bit 0)");
                return;
        }
        ata_build_smart_read_data(cdb);
        int r = ata_send(t, cdb, sizeof cdb, CMD_DIR_FROM_DEVICE, buf, sizeof buf, CMD_TIMEOUT_IDENTIFY_MS,
                         &a);
        if (r < 0) {
                snprintf(h->note, sizeof h->note, "SMART READ DATA not sent: %s", strerror(-r));
                return;
        }
        if (!ata_answer_is_ok(&a)) {
                char desc[96];
                ata_answer_describe(&a, desc, sizeof desc);
                snprintf(h->note, sizeof h->note, "SMART READ DATA refused: %s", desc);
                return;
        }
        ata_parse_smart_data(buf, &d);
        h->is_read = true;
        if (!d.is_checksum_ok)
                snprintf(h->note, sizeof h->note, "SMART data checksum invalid (values shown as read)");

        const struct ata_smart_attribute *at = ata_smart_find(&d, ATA_SMART_ID_POWER_ON_HOURS);
        if (at) {
                h->has_power_on_hours = true;
                h->power_on_hours = at->raw & 0xffffffffu;
        }
        at = ata_smart_find(&d, ATA_SMART_ID_REALLOCATED);
        if (at) {
                h->has_reallocated = true;
                h->reallocated_sectors = at->raw;
        }
        at = ata_smart_find(&d, ATA_SMART_ID_PENDING);
        if (at) {
                h->has_pending = true;
                h->pending_sectors = at->raw;
        }
        at = ata_smart_find(&d, ATA_SMART_ID_TEMPERATURE);
        if (!at)
                at = ata_smart_find(&d, ATA_SMART_ID_AIRFLOW_TEMPERATURE);
        if (at && (at->raw & 0xff) > 0 && (at->raw & 0xff) < 128) {
                h->has_temperature = true;
                h->temperature_c = (int)(at->raw & 0xff);
        }
}
