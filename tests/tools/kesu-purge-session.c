/* SPDX-License-Identifier: MIT */
/*
 * kesu-purge-session: a whole disposal by purge — probe, plan and policy, fingerprint, the drive's
 * command, the proof, the signed certificate — through the disposal session kesu itself uses, on
 * a real medium (a loop device the test made) behind a FAKE drive (tests/fake). Test-only: no ATA,
 * NVMe or SCSI drive with SANITIZE or SECURITY can run on these machines or in QEMU, so the drive's
 * command set is the fake's; everything above the transport, and every byte read and certified,
 * is real.
 *
 *   kesu-purge-session SCENARIO DEVICE KEY PASSPHRASE-FILE CERT-DIR CLASS METHOD
 *
 * SCENARIO: ata-sanitize (crypto, block, overwrite), ata-lying (success everywhere, nothing
 * erased), ata-frozen, ata-hpa (an HPA restored first), ata-security (SECURITY ERASE only),
 * nvme-sanitize (crypto, block, overwrite; Format NVM), scsi-format-lie (FORMAT UNIT's empty GOOD),
 * tcg-BUS-CLASS[-unowned][-lying] (a self-encrypting drive behind a fake TPer: tests/fake/fake-tper.h;
 * the SID or PSID given from the environment's KESU_PURGE_TCG_SECRET, as --sid-file/--psid-file would).
 * Prints one JSON object: the outcome, the certificate's serial, result and path. Exit 0 when the
 * session ran to a certificate (PASS or FAIL), 3 refused before anything was sent, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fake-ata.h"
#include "fake-nvme.h"
#include "fake-scsi.h"
#include "fake-tper.h"
#include "purge.h"
#include "session.h"

/* The fake self-encrypting drive's secrets (tests/integration/test-purge.sh knows them too). */
#define FAKE_MSID "MSID-FAKE-0000001"
#define FAKE_SID  "owner-sid-fake"
#define FAKE_PSID "0123456789ABCDEFGHJKLMNPQRSTUVWX"

static int usage(void)
{
        fprintf(stderr, "usage: kesu-purge-session SCENARIO DEVICE KEY PASSPHRASE-FILE CERT-DIR CLASS METHOD\n");
        return 2;
}

int main(int argc, char **argv)
{
        if (argc != 8)
                return usage();
        const char *scenario = argv[1], *dev = argv[2], *key_path = argv[3], *pass_file = argv[4],
                   *cert_dir = argv[5], *class_label = argv[6], *method = argv[7];

        struct system_state sys;
        struct disk_info info;
        int r = system_state_read(&sys);
        if (r < 0 || (r = disk_info_read(dev, &sys, &info)) < 0) {
                fprintf(stderr, "%s: %s\n", dev, strerror(-r));
                return 1;
        }
        int medium_fd = open(dev, O_RDWR | O_CLOEXEC);
        if (medium_fd < 0) {
                perror(dev);
                return 1;
        }
        struct fake_medium medium = { .fd = medium_fd, .bytes = info.identity.size_bytes };
        struct cmd_transport t;
        struct fake_ata *ata = NULL;
        struct fake_nvme *nvme = NULL;
        struct fake_scsi *scsi = NULL;
        struct fake_tper *tper = NULL;
        if (strncmp(scenario, "tcg-", 4) == 0) {
                /* A self-encrypting drive, tcg-BUS-CLASS[-unowned][-lying]: an owned Opal 2 drive by
                 * default (SID set, locking enabled, a range locked; PSID TryLimit 5, the tries so far
                 * from KESU_FAKE_PSID_TRIES) behind the fake of BUS (nvme, ata, scsi). */
                const char *rest = scenario + 4;
                struct fake_tper_config tc = { .ssc = TCG_SSC_OPAL2, .is_locking_enabled = true,
                                               .is_range_locked = true, .msid = FAKE_MSID, .sid = FAKE_SID,
                                               .psid = FAKE_PSID, .sid_try_limit = 5, .psid_try_limit = 5,
                                               .medium = &medium };
                if (strstr(rest, "-pyrite"))
                        tc.ssc = TCG_SSC_PYRITE2;
                else if (strstr(rest, "-enterprise"))
                        tc.ssc = TCG_SSC_ENTERPRISE;
                if (strstr(rest, "-unowned")) {
                        tc.sid = NULL;
                        tc.is_locking_enabled = tc.is_range_locked = false;
                }
                tc.is_lying = strstr(rest, "-lying") != NULL;
                const char *tries = getenv("KESU_FAKE_PSID_TRIES");
                tc.psid_tries = tries ? (unsigned)strtoul(tries, NULL, 10) : 0;
                if ((r = fake_tper_new(&tc, &tper)) < 0)
                        goto fail;
                if (strncmp(rest, "nvme-", 5) == 0) {
                        struct fake_nvme_config c = { .medium = medium, .tper = tper };
                        if ((r = fake_nvme_new(&c, &nvme)) < 0)
                                goto fail;
                        fake_nvme_transport(nvme, &t);
                        info.identity.transport = DISK_TRANSPORT_NVME;
                } else if (strncmp(rest, "ata-", 4) == 0) {
                        struct fake_ata_config c = { .medium = &medium, .tper = tper };
                        if ((r = fake_ata_new(&c, &ata)) < 0)
                                goto fail;
                        fake_ata_transport(ata, &t);
                        info.identity.transport = DISK_TRANSPORT_SATA;
                } else if (strncmp(rest, "scsi-", 5) == 0) {
                        struct fake_scsi_config c = { .medium = medium, .tper = tper };
                        if ((r = fake_scsi_new(&c, &scsi)) < 0)
                                goto fail;
                        fake_scsi_transport(scsi, &t);
                        info.identity.transport = DISK_TRANSPORT_SCSI;
                } else
                        return usage();
        } else if (strncmp(scenario, "ata-", 4) == 0) {
                struct fake_ata_config c = { .medium = &medium, .sanitize_polls = 3, .has_smart = true,
                                             .power_on_hours = 12345, .reallocated_sectors = 2, .temperature_c = 35 };
                c.has_sanitize_crypto = c.has_sanitize_block = c.has_sanitize_overwrite = true;
                if (strcmp(scenario, "ata-lying") == 0)
                        c.is_lying = true;
                else if (strcmp(scenario, "ata-frozen") == 0)
                        c.is_sanitize_frozen = true;
                else if (strcmp(scenario, "ata-hpa") == 0) {
                        c.has_hpa = true;
                        c.hpa_hidden_sectors = 2048;
                } else if (strcmp(scenario, "ata-security") == 0) {
                        c.has_sanitize_crypto = c.has_sanitize_block = c.has_sanitize_overwrite = false;
                        c.has_security = c.has_enhanced_erase = true;
                } else if (strcmp(scenario, "ata-sanitize") != 0)
                        return usage();
                if ((r = fake_ata_new(&c, &ata)) < 0)
                        goto fail;
                fake_ata_transport(ata, &t);
                info.identity.transport = DISK_TRANSPORT_SATA;
        } else if (strcmp(scenario, "nvme-sanitize") == 0) {
                struct fake_nvme_config c = { .medium = medium, .sanitize_polls = 3,
                                              .smart = { .percentage_used = 7, .power_on_hours = 4321 } };
                c.sanicap = NVME_SANICAP_CES | NVME_SANICAP_BES | NVME_SANICAP_OWS;
                c.oacs = NVME_OACS_FORMAT_NVM;
                c.fna = NVME_FNA_CRYPTO_ERASE;
                if ((r = fake_nvme_new(&c, &nvme)) < 0)
                        goto fail;
                fake_nvme_transport(nvme, &t);
                info.identity.transport = DISK_TRANSPORT_NVME;
        } else if (strcmp(scenario, "scsi-format-lie") == 0) {
                struct fake_scsi_config c = { .medium = medium, .is_rsoc_rejected = true, .is_format_qemu_like = true };
                if ((r = fake_scsi_new(&c, &scsi)) < 0)
                        goto fail;
                fake_scsi_transport(scsi, &t);
                info.identity.transport = DISK_TRANSPORT_SCSI;
        } else
                return usage();
        /* what `kesu list` finds on a real drive: its purge commands, asked through the fake */
        free(info.purge);
        info.purge = malloc(sizeof *info.purge);
        if (!info.purge || (info.purge_error = disk_purge_probe(&info.identity, &t, info.purge)) < 0) {
                fprintf(stderr, "probe: %s\n", purge_error_to_string(info.purge_error));
                r = -EIO;
                goto fail;
        }

        char *pass = NULL;
        size_t pass_len = 0;
        struct cert_secret_key *key = NULL;
        if ((r = read_secret_file(pass_file, 4096, 10000, &pass, &pass_len)) < 0 ||
            (r = cert_key_unlock(key_path, pass, strcspn(pass, "\n"), &key)) < 0) {
                fprintf(stderr, "key: %s\n", strerror(-r));
                free(pass);
                goto fail;
        }
        free(pass);
        char ledger[4096];
        const char *slash = strrchr(key_path, '/');
        snprintf(ledger, sizeof ledger, "%.*s/ledger.jsonl", slash ? (int)(slash - key_path) : 1, slash ? key_path : ".");
        struct session_options so = {
                .method_spec = method,
                .verify_mode = "sample",
                .is_certify = true,
                .ctx = { .operator_id = "OP-FAKE-1", .witness_id = "WIT-FAKE-2", .asset_number = "FAKE-001",
                         .class_label = class_label, .destination = "lease-return",
                         .organization = "kesu fake-drive test", .media_source = scenario,
                         .authentication = "none (test tool kesu-purge-session)" },
                .key = key,
                .key_path = key_path,
                .cert_dir = cert_dir,
                .ledger_path = ledger,
                .io = { .purge_transport = &t, .purge_poll_ms = 1 },
        };
        /* the SID or PSID the operator would give (a test secret: the fake's own) */
        const char *secret = getenv("KESU_PURGE_TCG_SECRET");
        so.io.tcg_secret = secret && *secret ? secret : NULL;
        so.io.tcg_secret_len = so.io.tcg_secret ? strlen(secret) : 0;
        struct session *s = NULL;
        struct session_refusal refusal;
        char *assets[] = { "FAKE-001" };
        int exit_code = 1;
        if ((r = session_preflight(&so, &refusal)) < 0 || (r = session_open(&so, &s)) < 0 ||
            (r = session_plan(s, &info, 1, assets, &refusal)) < 0 || (r = session_start(s, &refusal)) < 0) {
                if (r == -EPERM) {
                        printf("{\"refused\": true, \"message\": \"%s\"}\n", refusal.message);
                        exit_code = 3;
                } else
                        fprintf(stderr, "session: %s\n", strerror(-r));
                goto out;
        }
        session_verify(s);
        struct session_outcome o;
        if ((r = session_finish(s, 0, &o)) < 0) {
                fprintf(stderr, "finish: %s\n", strerror(-r));
                goto out;
        }
        printf("{\"refused\": false, \"outcome\": \"%s\", \"method\": \"%s\", \"certified\": %s, \"serial\": \"%s\", "
               "\"result\": \"%s\", \"json\": \"%s\", \"achieved\": \"%s\"}\n",
               o.is_pass ? "PASS" : "FAIL", session_target_method(s, 0)->name, o.is_certified ? "true" : "false",
               o.issued.serial, o.issued.result, o.issued.json_path, session_level_to_string(o.achieved_level));
        exit_code = o.is_certified ? 0 : 1;
out:
        session_free(s);
        cert_secret_key_free(key);
        fake_ata_free(ata);
        fake_nvme_free(nvme);
        fake_scsi_free(scsi);
        fake_tper_free(tper);
        disk_info_done(&info);
        system_state_done(&sys);
        close(medium_fd);
        return exit_code;
fail:
        fprintf(stderr, "%s: %s\n", scenario, strerror(r < 0 ? -r : r));
        return 1;
}
