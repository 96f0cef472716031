/* SPDX-License-Identifier: MIT */
/*
 * kesu-cert-mint: makes many validly signed, chained certificates quickly, for benchmarks and for
 * tests that need a large or a deliberately damaged folder (a fork, a re-linked certificate)
 * without running a wipe per certificate. Test-only, never installed.
 *
 * Each certificate is made as kesu files one (certificates/ledger.c, cert_issue()): the record
 * from cert_record_build(), its canonical bytes (cert_canonical()), its hash (cert_hash()) and its
 * minisign signature with the same trusted comment (cert_sign()), filed as CERT.json.minisig then
 * CERT.json. What it skips: the PDF, fsync and the issuer's ledger and key registration — the
 * files are the evidence an auditor checks, and these are made for checking, not for keeping.
 * Existing files are never replaced (O_EXCL): a second run into the same folder fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"

/* The first certificate's start time: 2026-04-01 09:00 JST; each next one starts 10 minutes later. */
#define MINT_FIRST_START_NS (1775001600ll * 1000000000ll)
#define MINT_STEP_NS        (600ll * 1000000000ll)

/* Certificates signed and written together by the worker threads; the records themselves are made
 * one after another, because each names the hash of the one before. */
#define MINT_BATCH 512

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: kesu-cert-mint --key DIR/appliance.key --passphrase-file F --out DIR --count N\n"
                "                      [--start-sequence S] [--previous-hash sha256:HEX]\n"
                "                      [--fork-at SEQ] [--relink-at SEQ] [--fail-every K]\n"
                "                      [--ledger FILE] [--threads T]\n"
                "\n"
                "Makes N validly signed, chained kesu certificates (KESU-<key id>-<sequence>.json and\n"
                ".json.minisig, no PDF) in DIR with the appliance key that `kesu key init` made, as kesu\n"
                "files them. For tests and benchmarks only.\n"
                "\n"
                "  --key FILE             the secret key file (appliance.key, mode 0600)\n"
                "  --passphrase-file F    its passphrase (the first line)\n"
                "  --out DIR              where the certificates go (made if missing; nothing there\n"
                "                         is ever replaced)\n"
                "  --count N              how many certificates (sequences S .. S+N-1)\n"
                "  --start-sequence S     the first sequence (default 1)\n"
                "  --previous-hash H      the previous hash of the first certificate when S > 1\n"
                "                         (default: a made-up hash, as of a predecessor outside DIR)\n"
                "  --fork-at SEQ          also make a second, different certificate with sequence SEQ\n"
                "                         and the same previous hash, validly signed, filed as\n"
                "                         fork-KESU-<key id>-<SEQ>.json (+ .minisig); the chain goes on\n"
                "                         from the first one\n"
                "  --relink-at SEQ        certificate SEQ is validly signed but names a previous hash\n"
                "                         that is not its predecessor's; the chain goes on from it\n"
                "  --fail-every K         every K-th certificate records a FAILED disposal (class 3\n"
                "                         wiped by an overwrite: Purge was required)\n"
                "  --ledger FILE          also write the appliance's ledger (JSON Lines) for them\n"
                "  --threads T            signing threads (default: the CPUs online)\n"
                "\n"
                "Prints one line: the count, the key id, the first and last sequence and the seconds.\n"
                "Exit 0 done, 1 failed, 2 bad usage.\n");
}

struct mint_item {
        uint64_t sequence;
        char serial[64];
        char name[96]; /* the file name, without .json */
        char *canonical;
        size_t len;
        char hash[72];
        char previous_hash[72];
        char result[8];
        char disk_serial[64];
        int error; /* -errno from signing or writing */
};

struct mint {
        struct cert_secret_key *key;
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        const char *out_dir;
        struct mint_item *items;
        size_t n_items;
        size_t next; /* the next item a worker takes */
        pthread_mutex_t lock;
};

/* Writes a new file (O_EXCL: never replacing one). */
static int write_new_file(const char *path, const char *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        int r = 0;
        while (len > 0) {
                ssize_t k = write(fd, data, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                data += k;
                len -= (size_t)k;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* Signs one record with the trusted comment kesu gives it (cert_issue() in certificates/ledger.c)
 * and files the signature, then the record. */
static int sign_and_file(struct mint *m, struct mint_item *it)
{
        char trusted[512], untrusted[128], path[PATH_MAX], sig_path[PATH_MAX];
        snprintf(trusted, sizeof trusted,
                 "kesu certificate serial=%s sequence=%" PRIu64 " result=%s disk_serial=%s hash=%s",
                 it->serial, it->sequence, it->result, it->disk_serial, it->hash);
        snprintf(untrusted, sizeof untrusted, "signature from kesu appliance key %s", m->key_id);
        _cleanup_free_ char *minisig = NULL;
        int r = cert_sign(m->key, it->canonical, it->len, untrusted, trusted, &minisig);
        if (r < 0)
                return r;
        if (snprintf(path, sizeof path, "%s/%s.json", m->out_dir, it->name) >= (int)sizeof path ||
            snprintf(sig_path, sizeof sig_path, "%s.minisig", path) >= (int)sizeof sig_path)
                return -ENAMETOOLONG;
        /* the signature first, as kesu files them: a record never lies there without it */
        if ((r = write_new_file(sig_path, minisig, strlen(minisig))) < 0)
                return r;
        return write_new_file(path, it->canonical, it->len);
}

static void *worker(void *userdata)
{
        struct mint *m = userdata;
        for (;;) {
                pthread_mutex_lock(&m->lock);
                size_t i = m->next < m->n_items ? m->next++ : SIZE_MAX;
                pthread_mutex_unlock(&m->lock);
                if (i == SIZE_MAX)
                        return NULL;
                m->items[i].error = sign_and_file(m, &m->items[i]);
        }
}

/* A finished one-pass zero wipe of a 1 GiB image, as the job runner would report it. */
static void fake_wipe(uint64_t sequence, char *disk_serial, size_t size, char *path, size_t path_size,
                      struct wipe_result *w)
{
        memset(w, 0, sizeof *w);
        snprintf(disk_serial, size, "MINT-%08" PRIu64, sequence);
        snprintf(path, path_size, "/var/tmp/mint-%" PRIu64 ".img", sequence);
        w->identity = (struct disk_identity){ .path = path,
                                              .vendor = "kesu",
                                              .model = "cert-mint disk",
                                              .serial = disk_serial,
                                              .size_bytes = 1ull << 30,
                                              .logical_sector_bytes = 512,
                                              .physical_sector_bytes = 4096,
                                              .transport = DISK_TRANSPORT_FILE,
                                              .rotational = TRISTATE_UNKNOWN };
        (void)wipe_method_lookup("zero", &w->method);
        w->passes[0] = (struct wipe_pass_result){ .pattern = w->method.passes[0],
                                                  .bytes_written = 1ull << 30,
                                                  .is_flushed = true };
        w->bytes_written = w->bytes_total = 1ull << 30;
        w->started_ns = MINT_FIRST_START_NS + (int64_t)sequence * MINT_STEP_NS;
        w->ended_ns = w->started_ns + 5 * 1000000000ll;
        w->passes[0].started_ns = w->started_ns;
        w->passes[0].ended_ns = w->ended_ns;
        w->status = WIPE_STATUS_COMPLETED;
        w->engine = "sync";
}

static const char *const destinations[] = { "recycling", "lease-return", "internal-reuse", "external-reuse",
                                            "destruction" };
static const char *const operators[] = { "yamada", "sato", "suzuki" };
static const char *const witnesses[] = { "tanaka", "ito", "watanabe" };

/* Builds the record of one certificate, its canonical bytes and hash. variant > 0 makes a
 * different record of the same sequence (a fork). */
static int make_item(struct mint *m, uint64_t sequence, const char *previous_hash, unsigned variant,
                     uint64_t fail_every, struct mint_item *it)
{
        struct wipe_result w;
        struct disk_info d;
        char disk_serial[64], disk_path[128], asset[64];
        fake_wipe(sequence, disk_serial, sizeof disk_serial, disk_path, sizeof disk_path, &w);
        memset(&d, 0, sizeof d);
        d.identity = w.identity;
        bool is_fail = fail_every > 0 && sequence % fail_every == 0;
        snprintf(asset, sizeof asset, "%sA-%06" PRIu64, variant ? "FORK-" : "", sequence);
        struct cert_context ctx = {
                .operator_id = operators[sequence % ELEMENTSOF(operators)],
                .witness_id = witnesses[sequence % ELEMENTSOF(witnesses)],
                .asset_number = asset,
                .class_label = is_fail ? "3" : "1",
                /* destruction next needs only Clear: a FAIL goes to recycling */
                .destination = is_fail ? "recycling" : destinations[sequence % ELEMENTSOF(destinations)],
                .organization = "kesu-cert-mint test organisation",
                .media_source = "benchmark",
        };
        json_t *record = NULL;
        int r = cert_record_build(&ctx, &d, &w, NULL, "none", sequence, previous_hash, m->key_id, &record);
        if (r < 0)
                return r;
        *it = (struct mint_item){ .sequence = sequence };
        snprintf(it->serial, sizeof it->serial, "%s", json_string_value(json_object_get(record, "serial")));
        snprintf(it->result, sizeof it->result, "%s", json_string_value(json_object_get(record, "result")));
        snprintf(it->disk_serial, sizeof it->disk_serial, "%s", disk_serial);
        snprintf(it->previous_hash, sizeof it->previous_hash, "%s", previous_hash);
        snprintf(it->name, sizeof it->name, "%s%s", variant ? "fork-" : "", it->serial);
        r = cert_canonical(record, &it->canonical, &it->len);
        json_decref(record);
        if (r < 0)
                return r;
        cert_hash(it->canonical, it->len, it->hash);
        return 0;
}

static int ledger_append(FILE *f, const struct mint_item *it)
{
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s+}", "sequence", (json_int_t)it->sequence, "hash",
                              it->hash, "previous_hash", it->previous_hash, "serial", it->serial, "file",
                              it->serial, ".json");
        if (!o)
                return -ENOMEM;
        _cleanup_free_ char *line = NULL;
        size_t len;
        int r = cert_canonical(o, &line, &len);
        json_decref(o);
        if (r < 0)
                return r;
        return fwrite(line, 1, len, f) == len ? 0 : -EIO;
}

static int parse_count(const char *s, uint64_t min, uint64_t *ret)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v < min || v > 999999999999ull)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int read_passphrase(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r = read_secret_file(path, 4096, 10000, &text, &n);
        if (r < 0)
                return r;
        size_t len = strcspn(text, "\r\n");
        char *p = sodium_malloc(len + 1);
        if (!p) {
                sodium_memzero(text, n);
                return -ENOMEM;
        }
        memcpy(p, text, len);
        p[len] = 0;
        sodium_memzero(text, n);
        *ret = p;
        *ret_len = len;
        return 0;
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "key", required_argument, NULL, 'k' },
                { "passphrase-file", required_argument, NULL, 'p' },
                { "out", required_argument, NULL, 'o' },
                { "count", required_argument, NULL, 'n' },
                { "start-sequence", required_argument, NULL, 's' },
                { "previous-hash", required_argument, NULL, 'P' },
                { "fork-at", required_argument, NULL, 'f' },
                { "relink-at", required_argument, NULL, 'r' },
                { "fail-every", required_argument, NULL, 'F' },
                { "ledger", required_argument, NULL, 'l' },
                { "threads", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *key_path = NULL, *pass_path = NULL, *out_dir = NULL, *ledger_path = NULL,
                   *first_previous = NULL;
        uint64_t count = 0, start = 1, fork_at = 0, relink_at = 0, fail_every = 0, n_threads = 0;
        int c;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                int r = 0;
                switch (c) {
                case 'k':
                        key_path = optarg;
                        break;
                case 'p':
                        pass_path = optarg;
                        break;
                case 'o':
                        out_dir = optarg;
                        break;
                case 'n':
                        r = parse_count(optarg, 1, &count);
                        break;
                case 's':
                        r = parse_count(optarg, 1, &start);
                        break;
                case 'P':
                        first_previous = optarg;
                        break;
                case 'f':
                        r = parse_count(optarg, 1, &fork_at);
                        break;
                case 'r':
                        r = parse_count(optarg, 1, &relink_at);
                        break;
                case 'F':
                        r = parse_count(optarg, 1, &fail_every);
                        break;
                case 'l':
                        ledger_path = optarg;
                        break;
                case 't':
                        r = parse_count(optarg, 1, &n_threads);
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
                if (r < 0) {
                        fprintf(stderr, "kesu-cert-mint: %s takes a positive whole number, not '%s'\n",
                                argv[optind - 1], optarg);
                        return 2;
                }
        }
        if (!key_path || !pass_path || !out_dir || count == 0 || optind < argc) {
                fprintf(stderr, "kesu-cert-mint: --key, --passphrase-file, --out and --count are needed "
                                "(see --help)\n");
                return 2;
        }
        uint64_t last = start + count - 1;
        if ((fork_at && (fork_at < start || fork_at > last)) ||
            (relink_at && (relink_at < start || relink_at > last))) {
                fprintf(stderr,
                        "kesu-cert-mint: --fork-at and --relink-at must name a sequence from %" PRIu64
                        " to %" PRIu64 "\n",
                        start, last);
                return 2;
        }
        if (first_previous && start == 1) {
                fprintf(stderr, "kesu-cert-mint: the first certificate (sequence 1) has no previous hash\n");
                return 2;
        }
        if (sodium_init() < 0)
                return 1;
        if (n_threads == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                n_threads = n > 0 ? (uint64_t)n : 1;
        }
        if (n_threads > 64)
                n_threads = 64;

        double t0 = now_s();
        char *pass = NULL;
        size_t pass_len = 0;
        struct mint m = { .out_dir = out_dir };
        int r = read_passphrase(pass_path, &pass, &pass_len);
        if (r < 0) {
                fprintf(stderr, "kesu-cert-mint: cannot read %s: %s\n", pass_path, strerror(-r));
                return 1;
        }
        r = cert_key_unlock(key_path, pass, pass_len, &m.key);
        sodium_free(pass);
        if (r < 0) {
                fprintf(stderr, "kesu-cert-mint: cannot unlock %s: %s\n", key_path,
                        r == -EACCES ? "wrong passphrase" : strerror(-r));
                return 1;
        }
        cert_key_id_hex(m.key->key_id, m.key_id);
        if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "kesu-cert-mint: cannot make %s: %s\n", out_dir, strerror(errno));
                cert_secret_key_free(m.key);
                return 1;
        }
        _cleanup_fclose_ FILE *ledger = NULL;
        if (ledger_path) {
                int fd = open(ledger_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0 || !(ledger = fdopen(fd, "w"))) {
                        fprintf(stderr, "kesu-cert-mint: cannot make %s: %s\n", ledger_path,
                                strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        cert_secret_key_free(m.key);
                        return 1;
                }
        }

        /* The predecessor of the first certificate: none for sequence 1; otherwise the one given,
         * or a made-up one (it lies outside this folder either way). */
        char previous[72] = "";
        if (first_previous)
                snprintf(previous, sizeof previous, "%s", first_previous);
        else if (start > 1) {
                char seed[64];
                snprintf(seed, sizeof seed, "kesu-cert-mint predecessor %" PRIu64, start - 1);
                cert_hash(seed, strlen(seed), previous);
        }
        m.items = calloc(MINT_BATCH + 1, sizeof *m.items);
        pthread_mutex_init(&m.lock, NULL);
        pthread_t threads[64];
        r = m.items ? 0 : -ENOMEM;
        bool is_reported = false;
        for (uint64_t seq = start; r >= 0 && seq <= last;) {
                /* make a batch of records one after another (each names the hash of the one before)... */
                m.n_items = m.next = 0;
                for (; r >= 0 && seq <= last && m.n_items < MINT_BATCH; seq++) {
                        struct mint_item *it = &m.items[m.n_items];
                        const char *prev = previous;
                        char wrong[72];
                        if (seq == relink_at) {
                                /* a hash no certificate has: this one does not follow its predecessor */
                                char seed[64];
                                snprintf(seed, sizeof seed, "kesu-cert-mint re-linked %" PRIu64, seq);
                                cert_hash(seed, strlen(seed), wrong);
                                prev = wrong;
                        }
                        if ((r = make_item(&m, seq, prev, 0, fail_every, it)) < 0)
                                break;
                        m.n_items++;
                        if (seq == fork_at) {
                                /* the same sequence and predecessor, other content */
                                if ((r = make_item(&m, seq, prev, 1, fail_every, &m.items[m.n_items])) < 0)
                                        break;
                                m.n_items++;
                        }
                        if (ledger && (r = ledger_append(ledger, it)) < 0)
                                break;
                        snprintf(previous, sizeof previous, "%s", it->hash);
                }
                /* ...then sign and file them on every CPU */
                size_t n_started = 0;
                for (; r >= 0 && n_started < n_threads; n_started++)
                        if (pthread_create(&threads[n_started], NULL, worker, &m) != 0)
                                break;
                if (r >= 0 && n_started == 0)
                        worker(&m);
                for (size_t i = 0; i < n_started; i++)
                        pthread_join(threads[i], NULL);
                for (size_t i = 0; i < m.n_items; i++) {
                        if (r >= 0 && m.items[i].error < 0) {
                                r = m.items[i].error;
                                is_reported = true;
                                fprintf(stderr, "kesu-cert-mint: cannot file %s/%s.json: %s\n", out_dir,
                                        m.items[i].name, strerror(-r));
                        }
                        free(m.items[i].canonical);
                        m.items[i].canonical = NULL;
                }
        }
        if (r >= 0 && ledger && fflush(ledger) != 0)
                r = -errno;
        pthread_mutex_destroy(&m.lock);
        free(m.items);
        cert_secret_key_free(m.key);
        if (r < 0) {
                if (!is_reported)
                        fprintf(stderr, "kesu-cert-mint: %s\n", strerror(-r));
                return 1;
        }
        printf("%" PRIu64 " certificates of key %s, sequences %" PRIu64 " to %" PRIu64 ", in %.2f s\n",
               count, m.key_id, start, last, now_s() - t0);
        return 0;
}
