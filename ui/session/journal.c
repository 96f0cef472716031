/* SPDX-License-Identifier: MIT */
/*
 * The disposal journal (see journal.h for the format and the rules). Why it is shaped so:
 *   - one write() per line, fdatasync before returning: a line the caller was told about is on
 *     disk, and a crash can tear only the line being written — the last one;
 *   - the torn tail is cut off under the lock before the next append, so it can never end up in
 *     the middle, where it would be indistinguishable from damage;
 *   - the lock is held per operation, not per process: two kesu processes certifying with two
 *     keys share the journal; one key is only ever used by one process (the issuer's lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "journal.h"

/* A journal is read whole; past this it is refused rather than read into memory. (One disposal
 * journals ~2 KB; this is years of an appliance's work.) */
#define JOURNAL_MAX_BYTES (512ull * 1024 * 1024)

struct session_journal {
        char *path;
        int fd;
        /* flock() excludes other processes only: threads of this one (parallel jobs) share
         * the file description, so they take this first. */
        pthread_mutex_t mutex;
};

/* ---- small helpers -------------------------------------------------------------------------- */

static void format_utc(int64_t ns, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%09" PRId64 "Z", ns % 1000000000);
}

static int parse_utc(const char *s, int64_t *ret)
{
        struct tm tm = { 0 };
        char frac[16] = "";
        int n = 0;
        if (!s ||
            sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac, &n) != 7 ||
            (size_t)n != strlen(s) || strlen(frac) != 9)
                return -EBADMSG;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        time_t t = timegm(&tm);
        if (t == (time_t)-1)
                return -EBADMSG;
        *ret = (int64_t)t * 1000000000 + strtoll(frac, NULL, 10);
        return 0;
}


static const char *jstr(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : "";
}

static uint64_t juint(const json_t *o, const char *key)
{
        json_int_t v = json_integer_value(json_object_get(o, key));
        return v > 0 ? (uint64_t)v : 0;
}

static const char *tristate_to_string(enum tristate t)
{
        return t == TRISTATE_YES ? "yes" : t == TRISTATE_NO ? "no" : "unknown";
}

static enum tristate tristate_from_string(const char *s)
{
        return strcmp(s, "yes") == 0 ? TRISTATE_YES : strcmp(s, "no") == 0 ? TRISTATE_NO : TRISTATE_UNKNOWN;
}

static enum disk_transport transport_from_string(const char *s)
{
        for (int t = 0; t < _DISK_TRANSPORT_MAX; t++) {
                const char *name = disk_transport_to_string((enum disk_transport)t);
                if (name && strcmp(name, s) == 0)
                        return (enum disk_transport)t;
        }
        return DISK_TRANSPORT_UNKNOWN;
}

bool session_disposal_id_is_valid(const char *s)
{
        if (!s || strlen(s) != SESSION_DISPOSAL_ID_CHARS)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

int session_disposal_id_new(char out[SESSION_DISPOSAL_ID_CHARS + 1])
{
        uint8_t b[SESSION_DISPOSAL_ID_CHARS / 2];
        if (sodium_init() < 0)
                return -EIO;
        randombytes_buf(b, sizeof b);
        sodium_bin2hex(out, SESSION_DISPOSAL_ID_CHARS + 1, b, sizeof b);
        return 0;
}

/* ---- the file --------------------------------------------------------------------------------- */

static int lock_file(int fd)
{
        /* Poll rather than block: a kesu stuck in fdatasync on a dying disk must not hang the
         * next one forever. */
        for (int waited_ms = 0;; waited_ms += 10) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                if (waited_ms >= SESSION_JOURNAL_LOCK_TIMEOUT_MS)
                        return -EBUSY;
                nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
}

static void unlock_file(int fd)
{
        (void)flock(fd, LOCK_UN);
}

static int pread_full(int fd, void *buf, size_t len, uint64_t offset)
{
        for (size_t done = 0; done < len;) {
                ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* shrank under us: only a person does that */
                done += (size_t)n;
        }
        return 0;
}

/* The whole file (locked by the caller), NUL-terminated. */
static int read_all(int fd, char **ret, size_t *ret_len)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((uint64_t)st.st_size > JOURNAL_MAX_BYTES)
                return -EFBIG;
        size_t len = (size_t)st.st_size;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        int r = pread_full(fd, buf, len, 0);
        if (r < 0)
                return r;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* Cuts off an unterminated last line (locked by the caller). Returns the new size. */
static int cut_torn_tail(int fd, uint64_t *ret_size)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        uint64_t size = (uint64_t)st.st_size, keep = size;
        char buf[4096];
        while (keep > 0) {
                size_t n = keep < sizeof buf ? (size_t)keep : sizeof buf;
                int r = pread_full(fd, buf, n, keep - n);
                if (r < 0)
                        return r;
                size_t i = n;
                while (i > 0 && buf[i - 1] != '\n')
                        i--;
                if (i > 0) {
                        keep = keep - n + i;
                        break;
                }
                keep -= n;
                if (size - keep > SESSION_JOURNAL_LINE_MAX_BYTES)
                        return -EBADMSG; /* no torn line is this long */
        }
        if (keep != size) {
                if (ftruncate(fd, (off_t)keep) < 0)
                        return -errno;
                if (fdatasync(fd) < 0)
                        return -errno;
        }
        *ret_size = keep;
        return 0;
}

static char *format_line(void)
{
        char utc[48];
        format_utc(now_realtime_ns(), utc, sizeof utc);
        json_auto_t *o = json_pack("{s:s, s:i, s:s}", "format", SESSION_JOURNAL_FORMAT, "version",
                                   SESSION_JOURNAL_VERSION, "created_utc", utc);
        return o ? json_dumps(o, JSON_COMPACT) : NULL;
}

/* Writes text (whole lines) at the end in one write(), then fdatasync; on a short write the
 * file is cut back so no torn line is left behind by us. */
static int write_lines(int fd, uint64_t size, const char *text, size_t len)
{
        ssize_t n;
        do
                n = write(fd, text, len);
        while (n < 0 && errno == EINTR);
        if (n < 0 || (size_t)n != len) {
                int r = n < 0 ? -errno : -ENOSPC;
                (void)!ftruncate(fd, (off_t)size);
                return r;
        }
        return fdatasync(fd) < 0 ? -errno : 0;
}

/* Appends one object as a line (the format line first when the file is empty). */
static int append(struct session_journal *j, const json_t *o)
{
        _cleanup_free_ char *line = json_dumps(o, JSON_COMPACT);
        if (!line)
                return -ENOMEM;
        size_t len = strlen(line);
        if (len + 1 > SESSION_JOURNAL_LINE_MAX_BYTES)
                return -E2BIG;
        _cleanup_free_ char *header = NULL;
        _cleanup_free_ char *text = NULL;

        pthread_mutex_lock(&j->mutex);
        int r = lock_file(j->fd);
        if (r < 0)
                goto unlock_mutex;
        uint64_t size;
        if ((r = cut_torn_tail(j->fd, &size)) < 0)
                goto unlock;
        if (size == 0 && !(header = format_line())) {
                r = -ENOMEM;
                goto unlock;
        }
        if (asprintf(&text, "%s%s%s\n", header ? header : "", header ? "\n" : "", line) < 0) {
                text = NULL;
                r = -ENOMEM;
                goto unlock;
        }
        r = write_lines(j->fd, size, text, strlen(text));
unlock:
        unlock_file(j->fd);
unlock_mutex:
        pthread_mutex_unlock(&j->mutex);
        return r;
}

/* ---- reading ---------------------------------------------------------------------------------- */

struct entry_list {
        struct session_journal_entry *v;
        size_t n, cap;
};

static void entry_done(struct session_journal_entry *e)
{
        disk_identity_done(&e->disk);
        json_decref(e->record);
        e->record = NULL;
}

void session_journal_entries_free(struct session_journal_entry *entries, size_t n)
{
        for (size_t i = 0; entries && i < n; i++)
                entry_done(&entries[i]);
        free(entries);
}

static struct session_journal_entry *entry_find(struct entry_list *l, const char *id)
{
        /* Backwards: the lines of a disposal follow its start closely. */
        for (size_t i = l->n; i > 0; i--)
                if (strcmp(l->v[i - 1].disposal_id, id) == 0)
                        return &l->v[i - 1];
        return NULL;
}

/* Fills the entry's strings and disk from its started line. */
static int entry_fill(struct session_journal_entry *e)
{
        const json_t *o = e->record, *op = json_object_get(o, "operator"),
                     *wi = json_object_get(o, "witness"), *d = json_object_get(o, "disk");
        e->key_id = jstr(o, "key_id");
        e->cert_dir = jstr(o, "cert_dir");
        e->operator_id = jstr(op, "id");
        e->operator_name = jstr(op, "name");
        e->witness_id = jstr(wi, "id");
        e->witness_name = jstr(wi, "name");
        e->authentication = jstr(o, "authentication");
        e->asset_number = jstr(o, "asset");
        e->class_label = jstr(o, "class");
        e->destination = jstr(o, "destination");
        e->organization = jstr(o, "organization");
        e->media_source = jstr(o, "media_source");
        e->image_version = jstr(o, "image_version");
        e->image_build = jstr(o, "image_build");
        e->image_squashfs_sha256 = jstr(o, "image_squashfs_sha256");
        e->required_level = jstr(o, "required_level");
        e->policy = jstr(o, "policy");
        e->method = jstr(o, "method");
        e->verify_mode = jstr(o, "verify");

        const json_t *seeds = json_object_get(o, "pass_seeds");
        for (size_t i = 0; i < json_array_size(seeds) && i < WIPE_MAX_PASSES; i++) {
                const char *h = json_string_value(json_array_get(seeds, i));
                size_t n = 0;
                e->has_seed[i] =
                        h && strlen(h) == 2 * WIPE_KEY_BYTES &&
                        sodium_hex2bin(e->seeds[i], WIPE_KEY_BYTES, h, strlen(h), NULL, &n, NULL) == 0 &&
                        n == WIPE_KEY_BYTES;
                e->n_seeds = i + 1;
        }

        struct disk_identity *id = &e->disk;
        id->transport = transport_from_string(jstr(d, "transport"));
        id->rotational = tristate_from_string(jstr(d, "rotational"));
        id->removable = tristate_from_string(jstr(d, "removable"));
        id->size_bytes = juint(d, "size_bytes");
        id->logical_sector_bytes = (uint32_t)juint(d, "logical_sector_bytes");
        id->physical_sector_bytes = (uint32_t)juint(d, "physical_sector_bytes");
        id->is_block_device = strcmp(jstr(d, "is_block_device"), "yes") == 0;
        id->is_openable = true;
        id->ata_security_frozen = TRISTATE_UNKNOWN;
        struct {
                char **field;
                const char *key;
        } strs[] = {
                { &id->path, "path" },
                { &id->name, "name" },
                { &id->by_id, "by_id" },
                { &id->vendor, "vendor" },
                { &id->model, "model" },
                { &id->serial, "serial" },
                { &id->wwn, "wwn" },
                { &id->firmware, "firmware" },
                { &id->backing_file, "backing_file" },
        };
        for (size_t i = 0; i < ELEMENTSOF(strs); i++) {
                const char *s = jstr(d, strs[i].key);
                if (*s && !(*strs[i].field = strdup(s)))
                        return -ENOMEM;
        }
        return 0;
}

static int handle_started(struct entry_list *l, json_t *o, const char *id, int64_t t)
{
        if (entry_find(l, id))
                return -EBADMSG; /* one id, started twice */
        if (!json_is_object(json_object_get(o, "disk")))
                return -EBADMSG;
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 8;
                struct session_journal_entry *v = realloc(l->v, cap * sizeof *v);
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        struct session_journal_entry *e = &l->v[l->n++];
        *e = (struct session_journal_entry){ .started_ns = t, .last_event_ns = t, .record = json_incref(o) };
        snprintf(e->disposal_id, sizeof e->disposal_id, "%s", id);
        return 0;
}

static int handle_pass(struct entry_list *l, const json_t *o, const char *id, int64_t t)
{
        struct session_journal_entry *e = entry_find(l, id);
        json_int_t pass = json_integer_value(json_object_get(o, "pass"));
        if (pass < 1 || pass > WIPE_MAX_PASSES)
                return -EBADMSG;
        if (!e)
                return 0; /* a finished disposal's late line: harmless */
        e->last_event_ns = t;
        if ((unsigned)pass > e->passes_begun)
                e->passes_begun = (unsigned)pass;
        if (!e->pass_started_ns[pass - 1])
                e->pass_started_ns[pass - 1] = t;
        const json_t *b = json_object_get(o, "bytes_written");
        if (json_is_integer(b) && json_integer_value(b) >= 0) {
                e->pass_bytes_written[pass - 1] = (uint64_t)json_integer_value(b);
                e->has_bytes_written = true;
        }
        return 0;
}

static void handle_finished(struct entry_list *l, const char *id)
{
        struct session_journal_entry *e = entry_find(l, id);
        if (!e)
                return; /* finished twice, or its start is older than the journal: nothing open */
        entry_done(e);
        size_t i = (size_t)(e - l->v);
        memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
        l->n--;
}

/* One complete line. */
static int parse_line(struct entry_list *l, const char *line, size_t len, bool is_first)
{
        json_auto_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(o))
                return -EBADMSG;
        if (is_first)
                return strcmp(jstr(o, "format"), SESSION_JOURNAL_FORMAT) == 0 &&
                                       json_integer_value(json_object_get(o, "version")) ==
                                               SESSION_JOURNAL_VERSION
                               ? 0
                               : -EBADMSG;
        const char *event = jstr(o, "event"), *id = jstr(o, "disposal_id");
        int64_t t;
        if (!*event || !session_disposal_id_is_valid(id) || parse_utc(jstr(o, "utc"), &t) < 0)
                return -EBADMSG;
        if (strcmp(event, "started") == 0)
                return handle_started(l, o, id, t);
        if (strcmp(event, "pass") == 0)
                return handle_pass(l, o, id, t);
        if (strcmp(event, "finished") == 0)
                handle_finished(l, id);
        /* Other events (a later kesu's) are not ours to judge. */
        return 0;
}

/* Checks the whole text and collects the unfinished disposals. The last line may be torn. */
static int parse_all(const char *buf, size_t len, struct entry_list *ret)
{
        struct entry_list l = { 0 };
        int r = 0;
        bool is_first = true;
        for (size_t pos = 0; pos < len;) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                if (!nl)
                        break; /* torn by a crash while it was written: never acknowledged */
                size_t n = (size_t)(nl - (buf + pos));
                if (n > SESSION_JOURNAL_LINE_MAX_BYTES || (r = parse_line(&l, buf + pos, n, is_first)) < 0) {
                        r = r < 0 ? r : -EBADMSG;
                        session_journal_entries_free(l.v, l.n);
                        return r;
                }
                is_first = false;
                pos += n + 1;
        }
        for (size_t i = 0; i < l.n; i++)
                if ((r = entry_fill(&l.v[i])) < 0) {
                        session_journal_entries_free(l.v, l.n);
                        return r;
                }
        *ret = l;
        return 0;
}

static int load(struct session_journal *j, struct entry_list *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        pthread_mutex_lock(&j->mutex);
        int r = lock_file(j->fd);
        if (r >= 0) {
                r = read_all(j->fd, &buf, &len);
                unlock_file(j->fd);
        }
        pthread_mutex_unlock(&j->mutex);
        if (r < 0)
                return r;
        return parse_all(buf, len, ret);
}

/* ---- opening ---------------------------------------------------------------------------------- */

int session_journal_default_path(char **ret)
{
        char *p;
        if (asprintf(&p, "%s/%s", cert_state_dir(), SESSION_JOURNAL_FILE) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int fsync_parent(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                dir[1] = 0;
        else
                *slash = 0;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/* At open, locked: the whole file must parse; a torn last line is cut off — unless the file has
 * no complete line and does not even begin like a journal (a wrong path must not be truncated);
 * an empty file gets its format line. */
static int check_and_repair(int fd)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct entry_list l;
        int r = read_all(fd, &buf, &len);
        if (r < 0 || (r = parse_all(buf, len, &l)) < 0)
                return r;
        session_journal_entries_free(l.v, l.n);
        static const char start[] = "{\"format\":\"" SESSION_JOURNAL_FORMAT "\"";
        size_t n = len < sizeof start - 1 ? len : sizeof start - 1;
        if (!memchr(buf, '\n', len) && memcmp(buf, start, n) != 0)
                return -EBADMSG;
        uint64_t size;
        if ((r = cut_torn_tail(fd, &size)) < 0 || size > 0)
                return r;
        _cleanup_free_ char *header = format_line(), *line = NULL;
        if (!header || asprintf(&line, "%s\n", header) < 0)
                return -ENOMEM;
        return write_lines(fd, 0, line, strlen(line));
}

struct session_journal *session_journal_free(struct session_journal *j)
{
        if (!j)
                return NULL;
        if (j->fd >= 0)
                close(j->fd);
        pthread_mutex_destroy(&j->mutex);
        free(j->path);
        free(j);
        return NULL;
}

const char *session_journal_path(const struct session_journal *j)
{
        return j->path;
}

int session_journal_open(const char *path, struct session_journal **ret)
{
        _cleanup_free_ char *p = NULL;
        int r;
        if (!path) {
                if ((r = cert_state_dir_check()) < 0 || (r = session_journal_default_path(&p)) < 0)
                        return r;
        } else if (!(p = strdup(path)))
                return -ENOMEM;

        bool is_new = true;
        _cleanup_close_ int fd =
                open(p, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno == EEXIST) {
                is_new = false;
                fd = open(p, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        /* The file's name must survive a power cut as well as its lines. */
        if (is_new && (r = fsync_parent(p)) < 0)
                return r;

        struct session_journal *j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->fd = TAKE_FD(fd);
        j->path = TAKE_PTR(p);
        pthread_mutex_init(&j->mutex, NULL);

        /* Check it whole now, so damage is found at start, not at the first disposal's end;
         * and give a new (or torn-at-birth) file its format line. */
        if ((r = lock_file(j->fd)) >= 0) {
                r = check_and_repair(j->fd);
                unlock_file(j->fd);
        }
        if (r < 0) {
                session_journal_free(j);
                return r;
        }
        *ret = j;
        return 0;
}

/* ---- writing ---------------------------------------------------------------------------------- */

static json_t *disk_json(const struct disk_identity *id)
{
        return json_pack(
                "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "path",
                cert_json_string_lossy(id->path), "name", cert_json_string_lossy(id->name), "by_id", cert_json_string_lossy(id->by_id), "vendor",
                cert_json_string_lossy(id->vendor), "model", cert_json_string_lossy(id->model), "serial", cert_json_string_lossy(id->serial), "wwn",
                cert_json_string_lossy(id->wwn), "firmware", cert_json_string_lossy(id->firmware), "backing_file",
                cert_json_string_lossy(id->backing_file), "size_bytes", (json_int_t)id->size_bytes,
                "logical_sector_bytes", (json_int_t)id->logical_sector_bytes, "physical_sector_bytes",
                (json_int_t)id->physical_sector_bytes, "transport",
                disk_transport_to_string(id->transport) ? disk_transport_to_string(id->transport)
                                                        : "unknown",
                "rotational", tristate_to_string(id->rotational), "removable",
                tristate_to_string(id->removable), "is_block_device", id->is_block_device ? "yes" : "no");
}

static json_t *seeds_json(const struct wipe_method *m)
{
        json_t *a = json_array();
        for (size_t i = 0; a && m && i < m->n_passes; i++) {
                char h[2 * WIPE_KEY_BYTES + 1] = "";
                if (m->passes[i].kind == WIPE_PATTERN_RANDOM)
                        sodium_bin2hex(h, sizeof h, m->passes[i].key, WIPE_KEY_BYTES);
                if (json_array_append_new(a, json_string(h)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

int session_journal_started(struct session_journal *j, const struct session_journal_start *s)
{
        if (!j || !s || !session_disposal_id_is_valid(s->disposal_id) || !s->ctx || !s->disk || !s->method)
                return -EINVAL;
        const struct cert_context *c = s->ctx;
        char utc[48];
        format_utc(s->started_ns ? s->started_ns : now_realtime_ns(), utc, sizeof utc);
        json_auto_t *o = json_pack(
                "{s:s, s:s, s:s, s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:o, s:o, s:o, s:o,"
                " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                "event", "started", "disposal_id", s->disposal_id, "utc", utc, "key_id",
                cert_json_string_lossy(s->key_id), "cert_dir", cert_json_string_lossy(s->cert_dir), "operator", "id",
                cert_json_string_lossy(c->operator_id), "name", cert_json_string_lossy(c->operator_name), "witness", "id",
                cert_json_string_lossy(c->witness_id), "name", cert_json_string_lossy(c->witness_name), "authentication",
                cert_json_string_lossy(c->authentication), "asset", cert_json_string_lossy(c->asset_number), "class",
                cert_json_string_lossy(c->class_label), "destination", cert_json_string_lossy(c->destination), "organization",
                cert_json_string_lossy(c->organization), "media_source", cert_json_string_lossy(c->media_source), "image_version",
                cert_json_string_lossy(c->image_version), "image_build", cert_json_string_lossy(c->image_build), "required_level",
                cert_json_string_lossy(c->required_level), "policy", cert_json_string_lossy(c->policy), "method", cert_json_string_lossy(s->method),
                "verify", cert_json_string_lossy(s->verify_mode ? s->verify_mode : "none"), "pass_seeds",
                seeds_json(s->method_drawn), "disk", disk_json(s->disk));
        if (!o)
                return -ENOMEM;
        /* absent without one, as before images hashed their root file system */
        if (c->image_squashfs_sha256 &&
            json_object_set_new(o, "image_squashfs_sha256", cert_json_string_lossy(c->image_squashfs_sha256)) < 0)
                return -ENOMEM;
        return append(j, o);
}

int session_journal_pass(struct session_journal *j, const char *disposal_id, unsigned pass,
                         uint64_t bytes_written)
{
        if (!j || !session_disposal_id_is_valid(disposal_id) || pass < 1 || pass > WIPE_MAX_PASSES)
                return -EINVAL;
        char utc[48];
        format_utc(now_realtime_ns(), utc, sizeof utc);
        json_auto_t *o = json_pack("{s:s, s:s, s:I, s:s}", "event", "pass", "disposal_id", disposal_id,
                                   "pass", (json_int_t)pass, "utc", utc);
        if (!o)
                return -ENOMEM;
        if (bytes_written != UINT64_MAX && bytes_written <= (uint64_t)INT64_MAX &&
            json_object_set_new(o, "bytes_written", json_integer((json_int_t)bytes_written)) < 0)
                return -ENOMEM;
        return append(j, o);
}

int session_journal_finished(struct session_journal *j, const char *disposal_id, const char *serial,
                             const char *result)
{
        if (!j || !session_disposal_id_is_valid(disposal_id))
                return -EINVAL;
        char utc[48];
        format_utc(now_realtime_ns(), utc, sizeof utc);
        json_auto_t *o =
                json_pack("{s:s, s:s, s:o, s:o, s:s}", "event", "finished", "disposal_id", disposal_id,
                          "serial", cert_json_string_lossy(serial), "result", cert_json_string_lossy(result), "utc", utc);
        if (!o)
                return -ENOMEM;
        return append(j, o);
}

int session_journal_unfinished(struct session_journal *j, struct session_journal_entry **ret_entries,
                               size_t *ret_n)
{
        struct entry_list l;
        int r = load(j, &l);
        if (r < 0)
                return r;
        if (l.n == 0) {
                free(l.v);
                l.v = NULL;
        }
        for (size_t i = 0; i < l.n; i++) {
                uint64_t sum = 0;
                for (size_t p = 0; p < WIPE_MAX_PASSES; p++)
                        sum += l.v[i].pass_bytes_written[p];
                l.v[i].bytes_written = sum;
        }
        *ret_entries = l.v;
        *ret_n = l.n;
        return 0;
}
