/* SPDX-License-Identifier: MIT */
/*
 * `kesu demo`: the main job on a virtual disk, needing no spare hardware: make a disk image with a
 * file system holding sample municipal documents, show every attached disk and the virtual one as
 * `kesu list` sees them, erase, verify and certify it exactly as `kesu wipe` does with a throwaway
 * key, show that nothing is left, and check the certificate as an auditor would (kesu cert verify
 * and stock minisign).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "ui.h"

extern char **environ;

#define DEMO_DISK_BYTES (64ull * 1024 * 1024)

static const struct {
        const char *name;
        const char *text;
} demo_documents[] = {
        { "住民基本台帳_抜粋.csv", "氏名,住所,生年月日\n山田 太郎,千歳市東雲町1-1,1980-04-01\n" },
        { "議事録_2026-11.txt", "総務委員会 議事録 (機密性2)\n出席: 委員長 ほか5名\n" },
        { "budget-2027.txt", "Draft budget 2027 — confidentiality class 2\n" },
};

/* dir/name into buf; -ENAMETOOLONG rather than a silently cut path. */
static int path_join(char *buf, size_t size, const char *dir, const char *name)
{
        int n = snprintf(buf, size, "%s/%s", dir, name);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int write_text(const char *dir, const char *name, const char *text)
{
        char p[PATH_MAX];
        if (path_join(p, sizeof p, dir, name) < 0)
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        if (write(fd, text, n) != (ssize_t)n)
                return -EIO;
        return 0;
}

/* Runs stock minisign over every certificate in certs, if minisign is installed. */
static int check_with_minisign(const char *certs, const char *pub)
{
        DIR *d = opendir(certs);
        if (!d)
                return KESU_EXIT_NOT_SANITIZED;
        struct dirent *de;
        int exit_code = KESU_EXIT_OK;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                char path[PATH_MAX];
                if (path_join(path, sizeof path, certs, de->d_name) < 0)
                        continue;
                char *argv[] = { "minisign", "-V", "-p", (char *)pub, "-m", path, NULL };
                pid_t pid;
                int r = posix_spawnp(&pid, "minisign", NULL, NULL, argv, environ), status;
                if (r == ENOENT) {
                        printf("(minisign is not installed: apt-get install minisign)\n");
                        break;
                }
                if (r != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        exit_code = KESU_EXIT_NOT_SANITIZED;
        }
        closedir(d);
        return exit_code;
}

static void remove_tree(const char *dir, const char *disk, const char *docs)
{
        char p[PATH_MAX];
        for (size_t i = 0; i < ELEMENTSOF(demo_documents); i++)
                if (path_join(p, sizeof p, docs, demo_documents[i].name) == 0)
                        unlink(p);
        rmdir(docs);
        unlink(disk);
        rmdir(dir); /* fails, as it should, while certificates are kept in it */
}

/* Adds a throwaway user (its passphrase random, kept in secret_path's first line for the login). */
static int demo_user(const char *keys, const char *key, const char *key_pass, const char *id, const char *name,
                     const char *name_latin, const char *secret_path)
{
        uint8_t rnd[12];
        char hex[2 * sizeof rnd + 2];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        char pass_path[PATH_MAX];
        if (snprintf(pass_path, sizeof pass_path, "%s/%s.passphrase", keys, id) >= (int)sizeof pass_path)
                return KESU_EXIT_USAGE;
        _cleanup_close_ int fd = open(pass_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        size_t n = strlen(hex);
        if (fd < 0 || write(fd, hex, n) != (ssize_t)n) {
                ui_error("demo: cannot write %s", pass_path);
                return KESU_EXIT_USAGE;
        }
        _cleanup_close_ int sfd = open(secret_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (sfd < 0 || write(sfd, hex, n) != (ssize_t)n || write(sfd, "\n", 1) != 1) {
                ui_error("demo: cannot write %s", secret_path);
                return KESU_EXIT_USAGE;
        }
        char *argv[] = { "user", "add", (char *)id, "--name", (char *)name, "--name-latin", (char *)name_latin,
                         "--role", "operator", "--passphrase-file", pass_path, "--key", (char *)key,
                         "--key-passphrase-file", (char *)key_pass, NULL };
        return ui_cmd_user((int)ELEMENTSOF(argv) - 1, argv);
}

/* The user's current TOTP code, appended as the secret file's second line. */
static int demo_codes(const char *key, const char *pub, const char *secret_path, const char *id)
{
        struct cert_public_key pk;
        if (cert_public_key_load(pub, &pk) < 0)
                return KESU_EXIT_USAGE;
        char users_path[PATH_MAX];
        const char *slash = strrchr(key, '/');
        if (snprintf(users_path, sizeof users_path, "%.*s/users.json", slash ? (int)(slash - key) : 1,
                     slash ? key : ".") >= (int)sizeof users_path)
                return KESU_EXIT_USAGE;
        struct session_users *u = NULL;
        uint8_t secret[SESSION_TOTP_SECRET_MAX_BYTES];
        size_t len = 0;
        char code[SESSION_TOTP_CODE_MAX + 1];
        int r = session_users_load(users_path, &pk, &u);
        if (r >= 0)
                r = session_users_totp_secret(u, id, secret, &len);
        if (r >= 0)
                r = session_totp_generate(secret, len, (int64_t)time(NULL), SESSION_TOTP_DIGITS, code);
        sodium_memzero(secret, sizeof secret);
        session_users_free(u);
        if (r < 0) {
                ui_error("demo: cannot make %s's code: %s", id, strerror(-r));
                return KESU_EXIT_USAGE;
        }
        FILE *f = fopen(secret_path, "a");
        if (!f || fprintf(f, "%s\n", code) < 0 || fclose(f) != 0) {
                ui_error("demo: cannot write %s", secret_path);
                return KESU_EXIT_USAGE;
        }
        printf("  %s: passphrase ••••••••, code %s\n", id, code);
        return KESU_EXIT_OK;
}

int ui_cmd_demo(int argc, char **argv)
{
        if (argc > 1) {
                if (strcmp(argv[1], "--help") == 0) {
                        printf("Usage: kesu demo\n\nRuns kesu's main job on a file-backed virtual disk.\n");
                        return KESU_EXIT_OK;
                }
                ui_error("demo: unexpected argument '%s' (see 'kesu demo --help')", argv[1]);
                return KESU_EXIT_USAGE;
        }

        const char *tmp = getenv("TMPDIR");
        char dir[PATH_MAX], disk[PATH_MAX], docs[PATH_MAX];
        if (path_join(dir, sizeof dir, tmp && *tmp ? tmp : "/tmp", "kesu-demo-XXXXXX") < 0 ||
            !mkdtemp(dir)) {
                ui_error("demo: cannot create a working directory under %s: %s", tmp && *tmp ? tmp : "/tmp",
                         strerror(errno));
                return KESU_EXIT_USAGE;
        }
        if (path_join(disk, sizeof disk, dir, "virtual-disk.img") < 0 ||
            path_join(docs, sizeof docs, dir, "documents") < 0) {
                ui_error("demo: the working directory's path is too long: %s", dir);
                rmdir(dir);
                return KESU_EXIT_USAGE;
        }

        int exit_code = KESU_EXIT_USAGE;
        bool is_keep = false;
        int r;
        if (mkdir(docs, 0755) < 0) {
                ui_error("demo: cannot create %s: %s", docs, strerror(errno));
                goto out;
        }
        for (size_t i = 0; i < ELEMENTSOF(demo_documents); i++)
                if ((r = write_text(docs, demo_documents[i].name, demo_documents[i].text)) < 0) {
                        ui_error("demo: cannot write a sample document: %s", strerror(-r));
                        goto out;
                }
        {
                _cleanup_close_ int fd = open(disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 || ftruncate(fd, (off_t)DEMO_DISK_BYTES) < 0) {
                        ui_error("demo: cannot create the virtual disk %s: %s", disk, strerror(errno));
                        goto out;
                }
        }
        /* mke2fs -d fills the new file system from a directory: no root, no mount needed. */
        char *mkfs[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-L", "SOUMU-2026", "-d", docs, disk, NULL };
        if ((r = ui_run_tool(mkfs, NULL, 0)) < 0) {
                ui_error("demo: mke2fs (e2fsprogs) could not make the demo file system: %s",
                         r == -ENOENT ? "mke2fs not found" : "it failed");
                goto out;
        }

        printf("== kesu demo ==\n\n");
        printf("Virtual disk: %s (%llu MiB, ext4 \"SOUMU-2026\" holding %zu sample documents)\n\n", disk,
               DEMO_DISK_BYTES >> 20, ELEMENTSOF(demo_documents));

        struct disk_info *disks = NULL;
        size_t n = 0;
        if (ui_describe_targets(NULL, &disks, &n) < 0)
                goto out;
        printf("Disks attached to this machine:\n");
        ui_print_disk_table(stdout, disks, n);
        ui_disk_infos_free(disks, n);

        char *targets[] = { disk, NULL };
        if (ui_describe_targets(targets, &disks, &n) < 0)
                goto out;
        printf("\nThe virtual disk:\n");
        ui_print_disk_table(stdout, disks, n);
        ui_disk_infos_free(disks, n);

        /* A throwaway appliance key, locked by a random passphrase kept beside it. */
        char keys[PATH_MAX], certs[PATH_MAX], pass[PATH_MAX], key[PATH_MAX], pub[PATH_MAX], ledger[PATH_MAX];
        if (path_join(keys, sizeof keys, dir, "keys") < 0 ||
            path_join(certs, sizeof certs, dir, "certificates") < 0 ||
            path_join(pass, sizeof pass, keys, "passphrase") < 0 ||
            path_join(key, sizeof key, keys, "appliance.key") < 0 ||
            path_join(pub, sizeof pub, keys, "appliance.pub") < 0 ||
            path_join(ledger, sizeof ledger, keys, "ledger.jsonl") < 0 || mkdir(keys, 0700) < 0 ||
            mkdir(certs, 0755) < 0) {
                ui_error("demo: cannot create the demo's key and certificate folders under %s", dir);
                goto out;
        }
        {
                uint8_t rnd[24];
                char hex[64];
                randombytes_buf(rnd, sizeof rnd);
                for (size_t i = 0; i < sizeof rnd; i++)
                        sprintf(hex + 2 * i, "%02x", rnd[i]);
                _cleanup_close_ int fd = open(pass, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 || write(fd, hex, 2 * sizeof rnd) != 2 * (ssize_t)sizeof rnd) {
                        ui_error("demo: cannot write %s", pass);
                        goto out;
                }
        }
        {
                /* the throwaway key is registered beside it, not in the appliance's state folder */
                char state[PATH_MAX];
                if (path_join(state, sizeof state, keys, "state") < 0 || setenv("KESU_STATE_DIR", state, 1) < 0) {
                        ui_error("demo: cannot set up the demo's state folder under %s", keys);
                        goto out;
                }
        }
        printf("\nA throwaway appliance key for the demo:\n");
        fflush(stdout);
        char *key_argv[] = { "init", "--dir", keys, "--passphrase-file", pass, NULL };
        if ((exit_code = ui_cmd_key_init((int)ELEMENTSOF(key_argv) - 1, key_argv)) != KESU_EXIT_OK)
                goto out;

        /* Two throwaway people who log in as a disposal needs: passphrase and a TOTP code. */
        char op_secret[PATH_MAX], wi_secret[PATH_MAX];
        if (path_join(op_secret, sizeof op_secret, keys, "operator.secret") < 0 ||
            path_join(wi_secret, sizeof wi_secret, keys, "witness.secret") < 0) {
                exit_code = KESU_EXIT_USAGE;
                goto out;
        }
        printf("\nTwo throwaway users, an operator and a witness (kesu user add):\n");
        fflush(stdout);
        if ((exit_code = demo_user(keys, key, pass, "demo-operator", "山田 太郎", "Yamada Taro", op_secret)) !=
                    KESU_EXIT_OK ||
            (exit_code = demo_user(keys, key, pass, "demo-witness", "佐藤 花子", "Sato Hanako", wi_secret)) !=
                    KESU_EXIT_OK)
                goto out;
        printf("\nBoth log in with their passphrase and the current 6-digit code, as an authenticator app\n"
               "shows it (here computed from the secret):\n");
        if ((exit_code = demo_codes(key, pub, op_secret, "demo-operator")) != KESU_EXIT_OK ||
            (exit_code = demo_codes(key, pub, wi_secret, "demo-witness")) != KESU_EXIT_OK)
                goto out;

        printf("\nErasing the virtual disk (one pass of AES-128-CTR keystream), reading a NIST SP 800-88 "
               "sample\n"
               "back against the regenerated keystream, and certifying it:\n");
        fflush(stdout);
        char *wipe_argv[] = { "wipe",
                              "--method",
                              "random",
                              "--verify",
                              "sample",
                              "--yes",
                              "--operator",
                              "demo-operator",
                              "--witness",
                              "demo-witness",
                              "--operator-secret-file",
                              op_secret,
                              "--witness-secret-file",
                              wi_secret,
                              "--asset",
                              "DEMO-0001",
                              "--class",
                              "1",
                              "--destination",
                              "internal-reuse",
                              "--organization",
                              "kesu demo 総務課",
                              "--media-source",
                              "demo virtual disk",
                              "--key",
                              key,
                              "--passphrase-file",
                              pass,
                              "--ledger",
                              ledger,
                              "--cert-dir",
                              certs,
                              disk,
                              NULL };
        exit_code = ui_cmd_wipe((int)ELEMENTSOF(wipe_argv) - 1, wipe_argv);
        if (exit_code != KESU_EXIT_OK)
                goto out;

        if (ui_describe_targets(targets, &disks, &n) < 0) {
                exit_code = KESU_EXIT_USAGE;
                goto out;
        }
        printf("\nThe virtual disk afterwards (libblkid finds nothing on it):\n");
        ui_print_disk_table(stdout, disks, n);
        bool is_blank = n == 1 && disks[0].content.n_entries == 0 && !disks[0].content.table_type;
        ui_disk_infos_free(disks, n);
        if (!is_blank) {
                ui_error("demo: a signature survived the wipe");
                exit_code = KESU_EXIT_NOT_SANITIZED;
                goto out;
        }

        printf("\nThe auditor's check (kesu cert verify --key %s %s):\n", pub, certs);
        fflush(stdout);
        char *cert_argv[] = { "cert", "verify", "--key", pub, certs, NULL };
        if ((exit_code = ui_cmd_cert((int)ELEMENTSOF(cert_argv) - 1, cert_argv)) != KESU_EXIT_OK)
                goto out;
        printf("\nThe same with stock minisign (minisign -V -p %s -m CERT.json):\n", pub);
        fflush(stdout);
        exit_code = check_with_minisign(certs, pub);
        if (exit_code != KESU_EXIT_OK)
                goto out;
        printf("\nThe certificates (JSON, its minisign signature, and the PDF to print) are in %s\n", certs);
        printf("Kept for you to look at; the virtual disk itself is removed.\n");
        is_keep = true;
out:
        remove_tree(dir, disk, docs);
        if (!is_keep)
                ui_remove_tree(dir);
        return exit_code;
}
