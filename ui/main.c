/* SPDX-License-Identifier: MIT */
/* kesu: entry point and command dispatch. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ui.h"

static void help(void)
{
        printf("kesu %s — secure media wipe and disposal verification\n"
               "\n"
               "Usage: kesu COMMAND [OPTIONS]\n"
               "\n"
               "  list [--json] [--watch] [TARGET...]   disks with identity, content and protection\n"
               "  wipe [OPTIONS] TARGET...              erase targets in parallel (see 'kesu wipe --help')\n"
               "  verify --expect WHAT [OPTIONS] TARGET prove what a disk holds (see 'kesu verify --help')\n"
               "  key init|show                         the appliance's signing key\n"
               "  cert verify --key PUB FILE|DIR…       the auditor's check of certificates and their "
               "chain\n"
               "  cert export EXPORT_DIR                copy the filed certificates not yet on the export "
               "stick\n"
               "  cert report [--format csv|jsonl] DIR… one row per certificate for asset systems\n"
               "  user add|list|disable|enable|passwd|reset  who may log in, with two factors (see 'kesu user "
               "--help')\n"
               "  ui [--lang ja|en] [--config FILE]     the operator's screen (see 'kesu ui --help')\n"
               "  demo                                  the whole flow on a file-backed virtual disk\n"
               "  --version                             print the version\n"
               "\n"
               "Exit codes: 0 done, 1 finished but not sanitized, 2 bad usage or input, 3 refused for "
               "safety.\n",
               KESU_VERSION);
}

int main(int argc, char **argv)
{
        /* libsodium first: secrets live in its guarded memory from the start. */
        if (sodium_init() < 0) {
                ui_error("cannot initialise libsodium");
                return KESU_EXIT_NOT_SANITIZED;
        }
        /* A closed output (`kesu wipe --json … | head -1`) must never stop an erasure or its
         * certificate: writes to it fail with EPIPE instead, and the work goes on. */
        signal(SIGPIPE, SIG_IGN);
        if (argc < 2) {
                help();
                return KESU_EXIT_USAGE;
        }
        const char *cmd = argv[1];
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
                help();
                return KESU_EXIT_OK;
        }
        if (strcmp(cmd, "--version") == 0) {
                printf("kesu %s\n", KESU_VERSION);
                return KESU_EXIT_OK;
        }
        if (strcmp(cmd, "list") == 0)
                return ui_cmd_list(argc - 1, argv + 1);
        if (strcmp(cmd, "wipe") == 0)
                return ui_cmd_wipe(argc - 1, argv + 1);
        if (strcmp(cmd, "verify") == 0)
                return ui_cmd_verify(argc - 1, argv + 1);
        if (strcmp(cmd, "key") == 0)
                return ui_cmd_key(argc - 1, argv + 1);
        if (strcmp(cmd, "cert") == 0)
                return ui_cmd_cert(argc - 1, argv + 1);
        if (strcmp(cmd, "demo") == 0)
                return ui_cmd_demo(argc - 1, argv + 1);
        if (strcmp(cmd, "user") == 0)
                return ui_cmd_user(argc - 1, argv + 1);
        if (strcmp(cmd, "ui") == 0)
                return ui_cmd_ui(argc - 1, argv + 1);

        ui_error("unknown command '%s' (see 'kesu --help')", cmd);
        return KESU_EXIT_USAGE;
}
