/* SPDX-License-Identifier: MIT */
/*
 * NVMe Format NVM as a purge (Base 2.0: Format NVM command; NVM-CS 1.0: Format NVM): SES=1 user data
 * erase, SES=2 cryptographic erase. Never SES=0 (it requests no erase), and SES=2 only when the
 * controller reports FNA bit 2 itself: QEMU 7.2's controller reports FNA=0 yet accepts SES=2 and
 * ignores it, so the capability is read from Identify Controller again here, whatever the caps say,
 * and a refusal sends no Format NVM at all.
 *
 * Format NVM runs in the foreground: its successful completion is the drive's word that the erase
 * is done (the command's timeout is hours for a user data erase). The namespace keeps its LBA
 * format, metadata and protection settings (they come from Identify Namespace); Identify Namespace
 * is read again afterwards to show it did.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nvme-purge-internal.h"

int nvme_purge_format(const struct cmd_transport *t, enum purge_method method,
                      const struct purge_run_options *o, struct purge_report *ret)
{
        enum nvme_ses ses = method == PURGE_NVME_FORMAT_CRYPTO ? NVME_SES_CRYPTO : NVME_SES_USER_DATA;
        const char *ses_name = ses == NVME_SES_CRYPTO ? "cryptographic erase" : "user data erase";
        uint32_t nsid = o->nsid;
        struct nvme_ctrl_identity ctrl;
        struct nvme_ns_identity ns;
        struct cmd_reply reply;
        int r;

        if (nsid == 0 || nsid == NVME_NSID_ALL) {
                /* FFFFFFFFh would format every namespace: kesu names the one it holds */
                ret->error = -EINVAL;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "Format NVM needs the namespace to erase (NSID %u given)", nsid);
                return ret->error;
        }
        r = nvme_identify(t, nsid, &ctrl, &ns);
        if (r < 0)
                return nvme_purge_command_failed("Identify", r, NULL, ret);

        const char *reason = NULL;
        r = nvme_format_ses_allowed(&ctrl, ses, &reason);
        if (r < 0) {
                ret->error = PURGE_ERR_UNSUPPORTED;
                snprintf(ret->error_text, sizeof ret->error_text, "%s", reason);
                return ret->error;
        }

        struct nvme_admin_cmd cmd;
        r = nvme_build_format_nvm(nsid, &ns, ses, &cmd);
        if (r < 0) {
                ret->error = r;
                snprintf(ret->error_text, sizeof ret->error_text,
                         "the namespace's format cannot be kept "
                         "(LBA format index or PI out of range)");
                return ret->error;
        }
        snprintf(ret->command, sizeof ret->command, "NVMe Format NVM (80h) SES=%u %s, NSID %u, CDW10 0x%08x",
                 (unsigned)ses, ses_name, nsid, cmd.cdw10);
        if (nvme_format_erases_all_namespaces(&ctrl))
                snprintf(ret->warnings, sizeof ret->warnings,
                         "the controller's secure erase applies to every namespace (FNA bit 1): all of them "
                         "are erased");
        else if (ctrl.fna & NVME_FNA_FORMAT_ALL_NS)
                snprintf(ret->warnings, sizeof ret->warnings,
                         "the controller formats every namespace together (FNA bit 0)");

        r = cmd_nvme_admin(t, &cmd, &reply);
        if (r < 0) {
                nvme_purge_command_failed("Format NVM", r, &reply, ret);
                if (r == -EREMOTEIO)
                        snprintf(ret->device_status, sizeof ret->device_status, "%s", ret->error_text);
                return ret->error;
        }
        ret->is_completed = true; /* the foreground command completed successfully */

        /* Read back: the namespace is there with the format it had. */
        struct nvme_ctrl_identity ctrl_after;
        struct nvme_ns_identity ns_after;
        r = nvme_identify(t, nsid, &ctrl_after, &ns_after);
        if (r < 0)
                snprintf(ret->device_status, sizeof ret->device_status,
                         "Format NVM: Successful Completion; Identify Namespace afterwards failed: %s",
                         strerror(-r));
        else
                snprintf(ret->device_status, sizeof ret->device_status,
                         "Format NVM: Successful Completion; Identify Namespace afterwards: NSZE %llu, "
                         "%u-byte "
                         "blocks, LBA format %u (%s)",
                         (unsigned long long)ns_after.size_blocks, ns_after.block_bytes,
                         (unsigned)ns_after.lba_format_index,
                         ns_after.lba_format_index == ns.lba_format_index &&
                                         ns_after.block_bytes == ns.block_bytes
                                 ? "kept"
                                 : "CHANGED");
        return 0;
}
