/* SPDX-License-Identifier: MIT */
/* The purge method table and the dispatch by command family. */
#include "purge-internal.h"

#include <errno.h>
#include <string.h>

#include "common.h"

/*
 * Levels: IEEE 2883-2022 and NIST SP 800-88 Rev. 1 differ on a few commands; the stricter rating is
 * applied and named. Rev. 1 counts ATA SECURITY ERASE UNIT and NVMe Format NVM (SES 1 and 2) as
 * Purge for some media; IEEE 2883 counts them as Clear (they do not reach every physical location,
 * e.g. retired blocks, and are not resumed after a power loss), as does openSeaChest. Only the
 * sanitize commands are Purge in both.
 */
#define STD_BOTH   "IEEE 2883-2022 and NIST SP 800-88 Rev.1: Purge"
#define STD_STRICT "IEEE 2883-2022: Clear (stricter than NIST SP 800-88 Rev.1, which counts it as Purge)"
#define STD_CLEAR  "IEEE 2883-2022 and NIST SP 800-88 Rev.1: Clear"
#define STD_BOTH_CRYPTO "IEEE 2883-2022 and NIST SP 800-88 Rev.1: Purge (cryptographic erase through the TCG interface)"

static const struct purge_method_info table[] = {
        { PURGE_SANITIZE_CRYPTO, "sanitize-crypto", "Purge", STD_BOTH,
          "ATA IDENTIFY word 59 bit 13 / NVMe SANICAP bit 0 (CES) / SCSI SANITIZE CRYPTOGRAPHIC ERASE",
          "the drive's sanitize crypto erase: its media encryption key replaced", PURGE_EXPECT_CHANGED },
        { PURGE_SANITIZE_BLOCK, "sanitize-block", "Purge", STD_BOTH,
          "ATA IDENTIFY word 59 bit 15 / NVMe SANICAP bit 1 (BES) / SCSI SANITIZE BLOCK ERASE",
          "the drive's sanitize block erase: every block, spare ones too, erased", PURGE_EXPECT_UNIFORM },
        { PURGE_SANITIZE_OVERWRITE, "sanitize-overwrite", "Purge", STD_BOTH,
          "ATA IDENTIFY word 59 bit 14 / NVMe SANICAP bit 2 (OWS) / SCSI SANITIZE OVERWRITE",
          "the drive's sanitize overwrite: one pass of zeros over every block, by the drive", PURGE_EXPECT_PATTERN },
        { PURGE_NVME_FORMAT_CRYPTO, "nvme-format-crypto", "Clear", STD_STRICT,
          "NVMe OACS bit 1 (Format NVM) and FNA bit 2 (cryptographic erase)",
          "NVMe Format NVM with SES=2: cryptographic erase", PURGE_EXPECT_CHANGED },
        { PURGE_SECURE_ERASE_ENHANCED, "secure-erase-enhanced", "Clear", STD_STRICT,
          "ATA IDENTIFY word 128 bits 0 and 5 (security, enhanced erase), not frozen",
          "ATA SECURITY ERASE UNIT, enhanced", PURGE_EXPECT_CHANGED },
        { PURGE_NVME_FORMAT, "nvme-format", "Clear", STD_STRICT, "NVMe OACS bit 1 (Format NVM)",
          "NVMe Format NVM with SES=1: user data erase", PURGE_EXPECT_UNIFORM },
        { PURGE_SECURE_ERASE, "secure-erase", "Clear", STD_STRICT,
          "ATA IDENTIFY word 128 bit 0 (security feature set), not frozen",
          "ATA SECURITY ERASE UNIT, normal", PURGE_EXPECT_UNIFORM },
        { PURGE_SCSI_FORMAT, "scsi-format", "Clear", STD_CLEAR, "SCSI FORMAT UNIT (every SCSI disk)",
          "SCSI FORMAT UNIT: at most Clear, and only if the content is proved changed", PURGE_EXPECT_CHANGED },
        { PURGE_TCG_REVERT, "tcg-revert", "Purge", STD_BOTH_CRYPTO,
          "TCG Level 0 Discovery: Opal 1/2, Opalite or Ruby (an encrypting class with Revert)",
          "TCG Revert with the SID (or the MSID of a drive nobody owns): cryptographic erase of every range",
          PURGE_EXPECT_CHANGED },
        { PURGE_TCG_PSID_REVERT, "tcg-psid-revert", "Purge", STD_BOTH_CRYPTO,
          "TCG Level 0 Discovery: Opal 1/2, Opalite or Ruby, and the PSID from the drive's label",
          "TCG Revert with the PSID printed on the drive: cryptographic erase of every range", PURGE_EXPECT_CHANGED },
};

const struct purge_method_info *purge_method_info_at(size_t i)
{
        return i < ELEMENTSOF(table) ? &table[i] : NULL;
}

const struct purge_method_info *purge_method_info(enum purge_method m)
{
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].method == m)
                        return &table[i];
        return NULL;
}

const struct purge_method_info *purge_method_info_by_name(const char *name)
{
        for (size_t i = 0; name && i < ELEMENTSOF(table); i++)
                if (strcmp(table[i].name, name) == 0)
                        return &table[i];
        return NULL;
}

enum purge_family purge_family_for(enum disk_transport t)
{
        switch (t) {
        case DISK_TRANSPORT_SATA:
        case DISK_TRANSPORT_USB: /* a bridge that translates ATA PASS-THROUGH; IDENTIFY tells */
                return PURGE_FAMILY_ATA;
        case DISK_TRANSPORT_NVME:
                return PURGE_FAMILY_NVME;
        case DISK_TRANSPORT_SAS:
        case DISK_TRANSPORT_SCSI:
                return PURGE_FAMILY_SCSI;
        default:
                return PURGE_FAMILY_NONE;
        }
}

const char *purge_family_to_string(enum purge_family f)
{
        switch (f) {
        case PURGE_FAMILY_ATA:
                return "ata";
        case PURGE_FAMILY_NVME:
                return "nvme";
        case PURGE_FAMILY_SCSI:
                return "scsi";
        default:
                return "none";
        }
}

const char *purge_error_to_string(int error)
{
        switch (error) {
        case 0:
                return "no error";
        case PURGE_ERR_UNSUPPORTED:
                return "the drive does not report this purge command";
        case PURGE_ERR_FROZEN:
                return "the drive is frozen (its firmware refuses erase commands until it is reset): suspend "
                       "and resume the PC (systemctl suspend), or unplug and replug the drive's power, then "
                       "try again";
        case PURGE_ERR_LOCKED:
                return "the drive has a security password set that kesu does not know";
        case PURGE_ERR_REFUSED:
                return "the drive refused the command";
        case PURGE_ERR_FAILED:
                return "the drive reports that the operation failed";
        case PURGE_ERR_NOT_DONE:
                return "the drive's status does not show that the operation ran";
        case PURGE_ERR_INTERRUPTED:
                return "stopped while waiting for the drive (the drive goes on with it)";
        case PURGE_ERR_PASSWORD_LEFT:
                return "erased, but the temporary security password could not be cleared";
        case PURGE_ERR_NO_SECRET:
                return "the PSID printed on the drive's label is needed (give it with --psid-file)";
        case PURGE_ERR_AUTH:
                return "the drive rejected the SID or PSID given";
        case PURGE_ERR_LOCKED_OUT:
                return "the drive locks out further attempts (or one more failure would): power the drive off "
                       "and on to reset its counter, and check the PSID on the label before trying again";
        default:
                return error < 0 ? strerror(-error) : "unknown error";
        }
}

int purge_probe(const struct cmd_transport *t, enum purge_family family, uint32_t nsid, struct purge_caps *ret)
{
        int r;
        switch (family) {
        case PURGE_FAMILY_ATA:
                r = ata_purge_probe(t, ret);
                break;
        case PURGE_FAMILY_NVME:
                r = nvme_purge_probe(t, nsid, ret);
                break;
        case PURGE_FAMILY_SCSI:
                r = scsi_purge_probe(t, ret);
                break;
        default:
                return -EOPNOTSUPP;
        }
        if (r < 0)
                return r;
        /* the security subsystem: a drive without one answers so, which is not a failed probe */
        return tcg_purge_probe(t, family, ret);
}

int purge_run(const struct cmd_transport *t, enum purge_family family, enum purge_method method,
              const struct purge_caps *caps, const struct purge_run_options *o, struct purge_report *ret)
{
        *ret = (struct purge_report){ .method = method };
        if (purge_check_supported(caps, family, method, "not supported", ret) != 0)
                return ret->error;
        if (purge_method_is_tcg(method))
                return tcg_purge_run(t, family, method, caps, o, ret);
        switch (family) {
        case PURGE_FAMILY_ATA:
                return ata_purge_run(t, method, caps, o, ret);
        case PURGE_FAMILY_NVME:
                return nvme_purge_run(t, method, caps, o, ret);
        case PURGE_FAMILY_SCSI:
                return scsi_purge_run(t, method, caps, o, ret);
        default:
                ret->error = PURGE_ERR_UNSUPPORTED;
                return ret->error;
        }
}

enum purge_method purge_pick_strongest(const struct purge_caps *caps)
{
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (purge_caps_has(caps, table[i].method) && !purge_method_is_tcg(table[i].method))
                        return table[i].method; /* (a TCG revert needs a secret: asked for by name) */
        return PURGE_METHOD_NONE;
}
