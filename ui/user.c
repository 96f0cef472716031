/* SPDX-License-Identifier: MIT */
/* `kesu user …`: the appliance's users, and the two-factor login `kesu wipe` asks for. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "ui.h"

#define DEFAULT_CONFIG UI_DEFAULT_CONFIG

/* ---- where the users file is ----------------------------------------------------------------- */

/* The `key = …` line of the configuration; *ret stays NULL when there is none. */
static int config_key(const char *config, char **ret)
{
        struct ui_config c;
        int r = ui_config_load(config, "user", &c);
        if (r < 0)
                return r;
        if (c.key && !(*ret = strdup(c.key)))
                r = -ENOMEM;
        ui_config_done(&c);
        return r;
}

static char *path_beside(const char *file, const char *name)
{
        _cleanup_free_ char *copy = strdup(file);
        if (!copy)
                return NULL;
        char *s = NULL;
        if (asprintf(&s, "%s/%s", dirname(copy), name) < 0)
                return NULL;
        return s;
}

struct user_paths {
        char *users, *key, *pub;
};

static void user_paths_free(struct user_paths *p)
{
        free(p->users);
        free(p->key);
        free(p->pub);
}

/* users: --users, else users.json beside the key. The key: --key, else the configuration's, else
 * appliance.key beside --users. The public key: appliance.pub beside the key. */
static int resolve_paths(const char *users, const char *key, const char *config, struct user_paths *ret)
{
        struct user_paths p = { 0 };
        int r = 0;
        if (key)
                p.key = strdup(key);
        else if ((r = config_key(config, &p.key)) < 0)
                return r;
        if (!p.key && users)
                p.key = path_beside(users, "appliance.key");
        if (!p.key) {
                ui_error(
                        "user: which users file? Give --users FILE or --key FILE (users.json is kept beside "
                        "the key), or set 'key = …' in %s",
                        config ? config : DEFAULT_CONFIG);
                return -EINVAL;
        }
        p.users = users ? strdup(users) : path_beside(p.key, "users.json");
        p.pub = path_beside(p.key, "appliance.pub");
        if (!p.users || !p.pub) {
                user_paths_free(&p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

static const char *users_load_error(int r)
{
        switch (-r) {
        case ENOENT:
                return "no such file (add a user first with 'kesu user add')";
        case EPERM:
                return "it can be read or written by others; it must be mode 0600 (chmod 600 it)";
        case EBADMSG:
                return "not a kesu users file, or damaged or truncated (or its state file is)";
        case EPROTONOSUPPORT:
                return "a format version this kesu does not know";
        case ENOKEY:
                return "signed by another key than the appliance's";
        case EKEYREJECTED:
                return "it was changed after it was signed (the signature does not verify): refused";
        default:
                return strerror(-r);
        }
}

static int load_users(const struct user_paths *p, bool is_missing_ok, struct cert_public_key *ret_pub,
                      struct session_users **ret)
{
        struct cert_public_key pub;
        int r = cert_public_key_load(p->pub, &pub);
        if (r < 0) {
                ui_error("cannot read the appliance's public key %s: %s", p->pub,
                         r == -EBADMSG ? "not a minisign public key" : strerror(-r));
                return r;
        }
        r = session_users_load(p->users, &pub, ret);
        if (r == -ENOENT && is_missing_ok)
                r = session_users_new(p->users, ret);
        if (r < 0) {
                ui_error("users file %s: %s", p->users, users_load_error(r));
                return r;
        }
        if (ret_pub)
                *ret_pub = pub;
        return 0;
}

int ui_users_load(const char *users_file, const char *key_file, const char *config_file,
                  struct session_users **ret)
{
        struct user_paths p;
        int r = resolve_paths(users_file, key_file, config_file, &p);
        if (r < 0)
                return r;
        r = load_users(&p, false, NULL, ret);
        user_paths_free(&p);
        return r;
}

int ui_users_paths(const char *users_file, const char *key_file, const char *config_file, char **ret_users,
                   char **ret_pub)
{
        struct user_paths p;
        int r = resolve_paths(users_file, key_file, config_file, &p);
        if (r < 0)
                return r;
        *ret_users = p.users;
        *ret_pub = p.pub;
        free(p.key);
        return 0;
}

/* ---- saving: an administrator's act, under the appliance key ------------------------------------ */

static int save_users(struct session_users *u, const struct user_paths *p, const struct cert_public_key *pub,
                      const char *key_pass_file)
{
        char what[PATH_MAX + 32];
        snprintf(what, sizeof what, "the appliance key (%s)", p->key);
        struct ui_passphrase pass;
        int r = ui_passphrase_get(key_pass_file, what, false, &pass);
        if (r < 0)
                return r;
        struct cert_secret_key *key = NULL;
        r = cert_key_unlock(p->key, pass.text, pass.len, &key);
        ui_passphrase_free(&pass);
        if (r < 0) {
                ui_error("user: cannot unlock %s: %s; nothing was changed", p->key, ui_key_error(r));
                return r;
        }
        if (memcmp(key->pk, pub->pk, sizeof key->pk) != 0) {
                cert_secret_key_free(key);
                ui_error("user: %s is not the key of %s; nothing was changed", p->key, p->pub);
                return -ENOKEY;
        }
        r = session_users_save(u, key);
        cert_secret_key_free(key);
        if (r < 0)
                ui_error("user: cannot write %s: %s", p->users, strerror(-r));
        return r;
}

/* A new passphrase for a user: asked twice on a terminal, at least 8 characters. */
static int new_passphrase(const char *file, const char *id, struct ui_passphrase *ret)
{
        char what[128];
        snprintf(what, sizeof what, "user %s", id);
        struct ui_passphrase p;
        int r = ui_passphrase_get(file, what, true, &p);
        if (r < 0)
                return r;
        r = session_passphrase_check(p.text, p.len);
        if (r < 0) {
                ui_passphrase_free(&p);
                ui_error("user: %s", r == -EINVAL  ? "the passphrase is too short: at least 8 characters"
                                     : r == -E2BIG ? "the passphrase is too long"
                                                   : "the passphrase is not UTF-8 text");
                return r;
        }
        *ret = p;
        return 0;
}

/* ---- the command line ------------------------------------------------------------------------ */

enum {
        OPT_NAME = 1 << 0,
        OPT_NAME_LATIN = 1 << 1,
        OPT_ROLE = 1 << 2,
        OPT_PASS = 1 << 3,
        OPT_USERS = 1 << 4,
        OPT_KEY = 1 << 5,
        OPT_KEY_PASS = 1 << 6,
        OPT_CONFIG = 1 << 7,
        OPT_JSON = 1 << 8,
        OPT_SECRET = 1 << 9,
        OPT_FILES = OPT_USERS | OPT_KEY | OPT_CONFIG,
};

struct user_cli {
        const char *name, *name_latin, *role, *pass_file, *users, *key, *key_pass_file, *config,
                *secret_file;
        bool is_json;
        unsigned seen;
        char **args;
        int n_args;
};

static void help(void)
{
        printf("Usage: kesu user add ID --name NAME --role operator|administrator [--name-latin NAME]\n"
               "                      [--passphrase-file F] [FILES]\n"
               "       kesu user list [--json] [--users FILE | --key FILE | --config FILE]\n"
               "       kesu user disable ID [FILES]\n"
               "       kesu user enable ID [FILES]\n"
               "       kesu user passwd ID [--passphrase-file F] [FILES]\n"
               "       kesu user reset ID [--passphrase-file F] [FILES]\n"
               "       kesu user check ID [--secret-file F] [--users FILE | --key FILE | --config FILE]\n"
               "\n"
               "The people who may log in to the appliance (as operator or witness of a disposal), each\n"
               "with two factors: a passphrase (at least 8 characters, kept as an Argon2id hash) and a\n"
               "6-digit time-based code (TOTP, RFC 6238: SHA1, 30 s) from an authenticator app.\n"
               "\n"
               "  add      adds a user: ID is 1-32 of A-Z a-z 0-9 . _ -; NAME as written in Japanese\n"
               "           (--name-latin: in Latin letters). Prints the TOTP secret and its otpauth://\n"
               "           URI once (and, on a terminal, a QR code to scan): keep it nowhere else.\n"
               "  list     the users, their roles and whether they are disabled (no secrets);\n"
               "           --json: a JSON array.\n"
               "  disable  the user can no longer log in (kept in the file for the records).\n"
               "  enable   a disabled user may log in again (its failed attempts are cleared).\n"
               "  passwd   sets a new passphrase.\n"
               "  reset    both factors anew (a forgotten passphrase, a lost phone): a new passphrase\n"
               "           and a new TOTP secret, printed once as by add; the old ones stop working\n"
               "           and the failed attempts are cleared.\n"
               "  check    logs the user in once, as 'kesu wipe' does (to try a new authenticator app):\n"
               "           --secret-file F holds the passphrase on line 1 and the current code on line 2\n"
               "           (default: both asked on the terminal). The code is used up; failures count.\n"
               "\n"
               "  --passphrase-file F      the user's passphrase on its first line (default: asked twice\n"
               "                           on the terminal)\n"
               "FILES:\n"
               "  --users FILE             the users file (default: users.json beside the key)\n"
               "  --key FILE               the appliance key (default: 'key = …' in the configuration,\n"
               "                           else appliance.key beside --users)\n"
               "  --key-passphrase-file F  the appliance key's passphrase (default: asked on the terminal)\n"
               "  --config FILE            key = value settings (default %s)\n"
               "\n"
               "The users file is signed with the appliance key, so add, disable, enable, passwd and\n"
               "reset need the key's passphrase (an administrator's act); a file edited by hand is refused. It must be\n"
               "mode 0600. Failed logins and used codes are counted in users.state.json beside it:\n"
               "after 3 failures in a row each attempt waits 1, 2, 4 … s (at most 15 min).\n"
               "\n"
               "Exit codes: 0 done, 2 bad usage or input (also a wrong key passphrase, a users file\n"
               "that is missing, readable by others, damaged or changed after signing, and a login\n"
               "that 'check' refused).\n",
               DEFAULT_CONFIG);
}

static int parse(int argc, char **argv, unsigned allowed, struct user_cli *cli)
{
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "name-latin", required_argument, NULL, 'l' },
                { "role", required_argument, NULL, 'r' },
                { "passphrase-file", required_argument, NULL, 'p' },
                { "users", required_argument, NULL, 'u' },
                { "key", required_argument, NULL, 'k' },
                { "key-passphrase-file", required_argument, NULL, 'K' },
                { "config", required_argument, NULL, 'F' },
                { "json", no_argument, NULL, 'j' },
                { "secret-file", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        static const struct {
                int c;
                unsigned bit;
        } bits[] = {
                { 'n', OPT_NAME },  { 'l', OPT_NAME_LATIN }, { 'r', OPT_ROLE },     { 'p', OPT_PASS },
                { 'u', OPT_USERS }, { 'k', OPT_KEY },        { 'K', OPT_KEY_PASS }, { 'F', OPT_CONFIG },
                { 'j', OPT_JSON },  { 's', OPT_SECRET },
        };
        const char **fields[128] = {
                ['n'] = &cli->name,          ['l'] = &cli->name_latin, ['r'] = &cli->role,
                ['p'] = &cli->pass_file,     ['u'] = &cli->users,      ['k'] = &cli->key,
                ['K'] = &cli->key_pass_file, ['F'] = &cli->config,     ['s'] = &cli->secret_file,
        };
        int c;
        opterr = 0;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 1;
                }
                unsigned bit = 0;
                for (size_t i = 0; i < ELEMENTSOF(bits); i++)
                        if (bits[i].c == c)
                                bit = bits[i].bit;
                if (!bit || !(allowed & bit)) {
                        ui_error("user %s: %s option '%s' (see 'kesu user --help')", argv[0],
                                 bit ? "no" : "unknown", argv[optind - 1]);
                        return -EINVAL;
                }
                cli->seen |= bit;
                if (c == 'j')
                        cli->is_json = true;
                else
                        *fields[c] = optarg;
        }
        cli->args = argv + optind;
        cli->n_args = argc - optind;
        return 0;
}

/* The one ID argument of add, disable, enable, passwd, reset, check. */
static const char *the_id(const struct user_cli *cli, const char *sub)
{
        if (cli->n_args != 1) {
                ui_error("user %s: %s (see 'kesu user --help')", sub,
                         cli->n_args == 0 ? "which user? Give its ID" : "one user ID at a time");
                return NULL;
        }
        if (session_user_id_check(cli->args[0]) < 0) {
                _cleanup_free_ char *shown = text_escape_visible(cli->args[0]);
                ui_error("user %s: '%s' is not a user ID: 1-32 of A-Z a-z 0-9 . _ -", sub,
                         shown ? shown : "?");
                return NULL;
        }
        return cli->args[0];
}

static bool check_name(const char *option, const char *name)
{
        int r = session_user_name_check(name);
        if (r == 0)
                return true;
        _cleanup_free_ char *shown = text_escape_visible(name);
        ui_error("user add: %s '%s': %s", option, shown ? shown : "?",
                 r == -E2BIG    ? "too long (at most 64 bytes of UTF-8)"
                 : r == -EILSEQ ? "not UTF-8 text"
                 : !*name       ? "empty"
                                : "holds a control or invisible character");
        return false;
}

/* The TOTP secret of a user just added or reset, shown once (with a QR code on a terminal). */
static int print_secret(const char *id, const char *secret)
{
        char *uri = NULL;
        if (session_totp_uri(id, secret, &uri) < 0) {
                ui_error("user: out of memory");
                return -ENOMEM;
        }
        printf("TOTP secret: %s\n"
               "URI:         %s\n\n"
               "Enter the secret in an authenticator app (or scan the code): it is shown only now.\n",
               secret, uri);
        if (isatty(STDOUT_FILENO)) {
                printf("\n");
                ui_print_qr(stdout, uri);
        }
        fflush(stdout);
        sodium_free(uri);
        return 0;
}

static int cmd_add(struct user_cli *cli)
{
        const char *id = the_id(cli, "add");
        if (!id)
                return KESU_EXIT_USAGE;
        enum session_role role;
        if (!cli->name || !cli->role) {
                ui_error("user add: --name and --role are required (see 'kesu user --help')");
                return KESU_EXIT_USAGE;
        }
        if (session_role_from_string(cli->role, &role) < 0) {
                ui_error("user add: unknown role '%s': operator or administrator", cli->role);
                return KESU_EXIT_USAGE;
        }
        if (!check_name("--name", cli->name) ||
            (cli->name_latin && !check_name("--name-latin", cli->name_latin)))
                return KESU_EXIT_USAGE;
        _cleanup_(user_paths_free) struct user_paths p = { 0 };
        if (resolve_paths(cli->users, cli->key, cli->config, &p) < 0)
                return KESU_EXIT_USAGE;
        struct cert_public_key pub;
        struct session_users *u = NULL;
        if (load_users(&p, true, &pub, &u) < 0)
                return KESU_EXIT_USAGE;
        int rc = KESU_EXIT_USAGE;
        struct session_user_info info;
        struct ui_passphrase pass = { 0 };
        char *secret = NULL;
        if (session_users_get(u, id, &info) == 0) {
                ui_error("user add: %s already exists (see 'kesu user passwd')", id);
                goto out;
        }
        if (new_passphrase(cli->pass_file, id, &pass) < 0)
                goto out;
        int r = session_users_add(u, id, cli->name, cli->name_latin, role, pass.text, pass.len, &secret);
        ui_passphrase_free(&pass);
        if (r < 0) {
                ui_error("user add: cannot add %s: %s", id, strerror(-r));
                goto out;
        }
        if (save_users(u, &p, &pub, cli->key_pass_file) < 0)
                goto out;
        printf("User %s added: %s%s%s%s, %s.\n"
               "Users file: %s\n\n",
               id, cli->name, cli->name_latin ? " (" : "", cli->name_latin ? cli->name_latin : "",
               cli->name_latin ? ")" : "", cli->role, p.users);
        if (print_secret(id, secret) < 0)
                goto out;
        rc = KESU_EXIT_OK;
out:
        if (secret)
                sodium_free(secret);
        session_users_free(u);
        return rc;
}

static int cmd_list(struct user_cli *cli)
{
        if (cli->n_args > 0) {
                ui_error("user list: unexpected argument '%s'", cli->args[0]);
                return KESU_EXIT_USAGE;
        }
        _cleanup_(user_paths_free) struct user_paths p = { 0 };
        if (resolve_paths(cli->users, cli->key, cli->config, &p) < 0)
                return KESU_EXIT_USAGE;
        struct session_users *u = NULL;
        if (load_users(&p, false, NULL, &u) < 0)
                return KESU_EXIT_USAGE;
        _cleanup_free_ struct session_user_info *list = NULL;
        size_t n = 0;
        int r = session_users_list(u, &list, &n);
        session_users_free(u);
        if (r < 0) {
                ui_error("user list: %s", strerror(-r));
                return KESU_EXIT_USAGE;
        }
        if (cli->is_json) {
                json_t *arr = json_array();
                for (size_t i = 0; arr && i < n; i++) {
                        json_t *o = json_pack(
                                "{ss ss so ss ss sI}", "id", list[i].id, "name", list[i].name, "name_latin",
                                *list[i].name_latin ? json_string(list[i].name_latin) : json_null(), "role",
                                session_role_to_string(list[i].role), "status",
                                list[i].is_disabled ? "disabled" : "active", "failed_attempts",
                                (json_int_t)list[i].failed_attempts);
                        if (!o || json_array_append_new(arr, o) < 0) {
                                json_decref(arr);
                                arr = NULL;
                        }
                }
                if (!arr || json_dumpf(arr, stdout, JSON_INDENT(2)) < 0) {
                        json_decref(arr);
                        ui_error("user list: cannot write the list");
                        return KESU_EXIT_USAGE;
                }
                json_decref(arr);
                printf("\n");
                return KESU_EXIT_OK;
        }
        int width = 2; /* IDs are ASCII: one column per byte */
        for (size_t i = 0; i < n; i++)
                if ((int)strlen(list[i].id) > width)
                        width = (int)strlen(list[i].id);
        printf("%-*s  %-13s  %-8s  %s\n", width, "ID", "ROLE", "STATUS", "NAME");
        for (size_t i = 0; i < n; i++)
                printf("%-*s  %-13s  %-8s  %s%s%s%s\n", width, list[i].id,
                       session_role_to_string(list[i].role), list[i].is_disabled ? "disabled" : "active",
                       list[i].name, *list[i].name_latin ? " (" : "", list[i].name_latin,
                       *list[i].name_latin ? ")" : "");
        if (n == 0)
                printf("(no users)\n");
        return KESU_EXIT_OK;
}

static int cmd_check(struct user_cli *cli)
{
        const char *id = the_id(cli, "check");
        if (!id)
                return KESU_EXIT_USAGE;
        struct session_users *u = NULL;
        if (ui_users_load(cli->users, cli->key, cli->config, &u) < 0)
                return KESU_EXIT_USAGE;
        struct session_user_info info;
        int r = ui_authenticate(u, id, cli->secret_file, "user", &info);
        session_users_free(u);
        if (r < 0)
                return KESU_EXIT_USAGE;
        printf("User %s (%s%s%s, %s): passphrase and code accepted.\n", info.id, info.name,
               *info.name_latin ? " / " : "", info.name_latin, session_role_to_string(info.role));
        return KESU_EXIT_OK;
}

/* disable, enable, passwd and reset: load, change one user, sign and save. */
static int cmd_change(struct user_cli *cli, const char *sub)
{
        const char *id = the_id(cli, sub);
        if (!id)
                return KESU_EXIT_USAGE;
        _cleanup_(user_paths_free) struct user_paths p = { 0 };
        if (resolve_paths(cli->users, cli->key, cli->config, &p) < 0)
                return KESU_EXIT_USAGE;
        struct cert_public_key pub;
        struct session_users *u = NULL;
        if (load_users(&p, false, &pub, &u) < 0)
                return KESU_EXIT_USAGE;
        int rc = KESU_EXIT_USAGE, r;
        struct session_user_info info;
        char *secret = NULL;
        bool is_disable = strcmp(sub, "disable") == 0, is_enable = strcmp(sub, "enable") == 0,
             is_reset = strcmp(sub, "reset") == 0;
        if (session_users_get(u, id, &info) < 0) {
                ui_error("user %s: no user %s in %s", sub, id, p.users);
                goto out;
        }
        if (is_disable || is_enable) {
                r = is_disable ? session_users_disable(u, id) : session_users_enable(u, id);
                if (r == -EALREADY) {
                        printf(is_disable ? "User %s is already disabled.\n" : "User %s is not disabled.\n", id);
                        rc = KESU_EXIT_OK;
                        goto out;
                }
        } else {
                struct ui_passphrase pass;
                if (new_passphrase(cli->pass_file, id, &pass) < 0)
                        goto out;
                r = is_reset ? session_users_reset(u, id, pass.text, pass.len, &secret)
                             : session_users_set_passphrase(u, id, pass.text, pass.len);
                ui_passphrase_free(&pass);
        }
        if (r < 0) {
                ui_error("user %s: %s: %s", sub, id, strerror(-r));
                goto out;
        }
        if (save_users(u, &p, &pub, cli->key_pass_file) < 0)
                goto out;
        if (is_reset) {
                printf("User %s has a new passphrase and a new TOTP secret (the old ones no longer work)%s.\n"
                       "Users file: %s\n\n",
                       id, info.is_disabled ? "; it is still disabled ('kesu user enable')" : "", p.users);
                if (print_secret(id, secret) < 0)
                        goto out;
        } else
                printf(is_disable  ? "User %s disabled: it can no longer log in.\n"
                       : is_enable ? "User %s enabled: it can log in again.\n"
                                   : "User %s has a new passphrase.\n",
                       id);
        rc = KESU_EXIT_OK;
out:
        if (secret)
                sodium_free(secret);
        session_users_free(u);
        return rc;
}

int ui_cmd_user(int argc, char **argv)
{
        if (argc < 2) {
                help();
                return KESU_EXIT_USAGE;
        }
        const char *sub = argv[1];
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                help();
                return KESU_EXIT_OK;
        }
        static const struct {
                const char *name;
                unsigned allowed;
        } subs[] = {
                { "add", OPT_NAME | OPT_NAME_LATIN | OPT_ROLE | OPT_PASS | OPT_KEY_PASS | OPT_FILES },
                { "list", OPT_JSON | OPT_FILES },
                { "disable", OPT_KEY_PASS | OPT_FILES },
                { "enable", OPT_KEY_PASS | OPT_FILES },
                { "passwd", OPT_PASS | OPT_KEY_PASS | OPT_FILES },
                { "reset", OPT_PASS | OPT_KEY_PASS | OPT_FILES },
                { "check", OPT_SECRET | OPT_FILES },
        };
        size_t k;
        for (k = 0; k < ELEMENTSOF(subs); k++)
                if (strcmp(sub, subs[k].name) == 0)
                        break;
        if (k == ELEMENTSOF(subs)) {
                ui_error("user: unknown command '%s': add, list, disable, enable, passwd, reset or check (see 'kesu user "
                         "--help')",
                         sub);
                return KESU_EXIT_USAGE;
        }
        struct user_cli cli = { 0 };
        int r = parse(argc - 1, argv + 1, subs[k].allowed, &cli);
        if (r != 0)
                return r > 0 ? KESU_EXIT_OK : KESU_EXIT_USAGE;
        if (strcmp(sub, "add") == 0)
                return cmd_add(&cli);
        if (strcmp(sub, "list") == 0)
                return cmd_list(&cli);
        if (strcmp(sub, "check") == 0)
                return cmd_check(&cli);
        return cmd_change(&cli, sub);
}

/* ---- logging in (for `kesu wipe`) ------------------------------------------------------------ */

/* "123 456" as apps show it → "123456" (in place). */
static void drop_spaces(char *s)
{
        char *w = s;
        for (char *c = s; *c; c++)
                if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n')
                        *w++ = *c;
        *w = 0;
}

#define SECRET_MAX 1024

/* The passphrase (line 1) and code (line 2) of a secret file, into pass and code (sodium memory). */
static int secrets_from_file(const char *file, const char *who, char *pass, size_t *ret_pass_len, char *code)
{
        _cleanup_free_ char *content = NULL;
        size_t n = 0;
        int r = read_secret_file(file, 4096, 10000, &content, &n);
        if (r < 0) {
                ui_error("%s: cannot read the secret file %s: %s", who, file,
                         r == -ETIMEDOUT ? "nothing came within 10 s (a FIFO with no writer?)"
                         : r == -EFBIG   ? "too long"
                                         : strerror(-r));
                return r;
        }
        char *nl = memchr(content, '\n', n);
        size_t pass_len = nl ? (size_t)(nl - content) : n;
        if (pass_len > 0 && content[pass_len - 1] == '\r')
                pass_len--;
        size_t code_len = nl ? n - (size_t)(nl + 1 - content) : 0;
        r = 0;
        if (pass_len == 0 || pass_len >= SECRET_MAX || code_len == 0 || code_len > 64) {
                ui_error("%s: the secret file %s must hold the passphrase on line 1 and the current "
                         "one-time code on line 2",
                         who, file);
                r = -EINVAL;
        } else {
                memcpy(pass, content, pass_len);
                pass[pass_len] = 0;
                *ret_pass_len = pass_len;
                memcpy(code, nl + 1, code_len);
                code[code_len] = 0;
                code[strcspn(code, "\n")] = 0; /* a third line is not part of the code */
                drop_spaces(code);
        }
        sodium_memzero(content, n);
        return r;
}

int ui_authenticate(struct session_users *u, const char *id, const char *secret_file, const char *role_label,
                    struct session_user_info *ret)
{
        /* the id comes from the command line: shown escaped */
        _cleanup_free_ char *shown = text_escape_visible(id ? id : "");
        char who[160];
        snprintf(who, sizeof who, "%s %s", role_label ? role_label : "user", shown ? shown : "?");
        struct session_user_info info;
        char *pass = sodium_malloc(SECRET_MAX), *code = sodium_malloc(SECRET_MAX);
        size_t pass_len = 0;
        int r;
        if (!pass || !code) {
                r = -ENOMEM;
                ui_error("%s: out of memory", who);
                goto out;
        }
        if (secret_file) {
                if ((r = secrets_from_file(secret_file, who, pass, &pass_len, code)) < 0)
                        goto out;
        } else if (isatty(STDIN_FILENO)) {
                char prompt[sizeof who + 64];
                snprintf(prompt, sizeof prompt, "Passphrase for %s: ", who);
                if ((r = ui_read_hidden_line(prompt, pass, SECRET_MAX)) < 0)
                        goto out;
                snprintf(prompt, sizeof prompt, "One-time code for %s (authenticator app): ", who);
                if ((r = ui_read_hidden_line(prompt, code, SECRET_MAX)) < 0)
                        goto out;
                pass_len = strlen(pass);
                drop_spaces(code);
        } else {
                ui_error("%s: no passphrase and code: give a secret file (passphrase on line 1, code on "
                         "line 2) or run on a terminal",
                         who);
                r = -EINVAL;
                goto out;
        }
        uint64_t wait_s = 0;
        /* the secret file is read first even for an unknown id: a FIFO's writer is never left hanging */
        r = session_user_authenticate(u, id ? id : "", pass, pass_len, code, (int64_t)time(NULL), &info,
                                      &wait_s);
        switch (r) {
        case 0:
                *ret = info;
                break;
        case -EACCES:
                ui_error("%s: wrong passphrase or code", who);
                break;
        case -EKEYREVOKED:
                ui_error("%s is disabled", who);
                break;
        case -EAGAIN:
                ui_error("%s: too many failed attempts: wait %llu s", who, (unsigned long long)wait_s);
                break;
        case -ENOENT:
                ui_error("%s: no such user in %s", who, session_users_path(u));
                break;
        default:
                ui_error("%s: cannot record the login in %s: %s", who, session_users_state_path(u),
                         strerror(-r));
        }
out:
        if (pass)
                sodium_free(pass);
        if (code)
                sodium_free(code);
        return r;
}
