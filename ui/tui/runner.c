/* SPDX-License-Identifier: MIT */
/* The disposal's runner and its state file (see runner.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "runner.h"
#include "ui.h"

#define RUNNER_TICK_MS 250 /* how often progress is published */

struct runner {
        int fd; /* read-only, our own open file: its flock probe never touches the runner's lock */
        const struct runner_state *map;
        size_t size;
};

size_t runner_state_bytes(uint32_t n_targets)
{
        return sizeof(struct runner_state) + (size_t)n_targets * sizeof(struct runner_target);
}

static const char *run_dir(void)
{
        const char *dir = getenv("KESU_RUN_DIR");
        return dir && *dir ? dir : "/run/kesu";
}

static int path_in_run_dir(const char *name, char *buf, size_t size)
{
        return snprintf(buf, size, "%s/%s", run_dir(), name) >= (int)size ? -ENAMETOOLONG : 0;
}

int runner_state_path(char *buf, size_t size)
{
        return path_in_run_dir("disposal.state", buf, size);
}

int runner_log_path(char *buf, size_t size)
{
        return path_in_run_dir("runner.log", buf, size);
}

static void copy_text(char *dst, size_t size, const char *src)
{
        snprintf(dst, size, "%s", src ? src : "");
}

/* ---- the seqlock ------------------------------------------------------------------------------- */

/* Only the runner's main thread writes, so the counter needs no read-modify-write atomics; the
 * fences order it against the data for the readers in other processes. */
static void begin_write(struct runner_state *st)
{
        __atomic_store_n(&st->sequence, st->sequence + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void end_write(struct runner_state *st)
{
        __atomic_store_n(&st->sequence, st->sequence + 1, __ATOMIC_RELEASE);
}

int runner_snapshot(const struct runner *r, struct runner_state **ret)
{
        struct runner_state *copy = malloc(r->size);
        if (!copy)
                return -ENOMEM;
        for (int tries = 0; tries < 400; tries++) {
                uint32_t before = __atomic_load_n(&r->map->sequence, __ATOMIC_ACQUIRE);
                if (!(before & 1)) {
                        memcpy(copy, (const void *)r->map, r->size);
                        __atomic_thread_fence(__ATOMIC_ACQUIRE);
                        if (__atomic_load_n(&r->map->sequence, __ATOMIC_RELAXED) == before)
                                goto done;
                }
                nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
        }
        /* A runner that died in the middle of a write leaves the counter odd for ever: its last
         * state is the best there is (it is only shown, never acted upon). */
        if (runner_is_alive(r)) {
                free(copy);
                return -EAGAIN;
        }
        memcpy(copy, (const void *)r->map, r->size);
done:
        if (copy->n_targets > (r->size - sizeof *copy) / sizeof(struct runner_target))
                copy->n_targets = 0; /* cannot happen with a checked layout; never read past the copy */
        if (copy->n_started > copy->n_targets)
                copy->n_started = copy->n_targets;
        *ret = copy;
        return 0;
}

/* ---- the screen's side --------------------------------------------------------------------------- */

bool runner_is_alive(const struct runner *r)
{
        if (flock(r->fd, LOCK_SH | LOCK_NB) == 0) {
                (void)flock(r->fd, LOCK_UN);
                return false;
        }
        return errno == EWOULDBLOCK;
}

int runner_open(struct runner **ret)
{
        char path[PATH_MAX];
        int r = runner_state_path(path, sizeof path);
        if (r < 0)
                return r;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat st;
        struct runner_state head;
        ssize_t n = pread(fd, &head, sizeof head, 0);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || n != (ssize_t)sizeof head ||
            memcmp(head.magic, RUNNER_STATE_MAGIC, sizeof head.magic) != 0 ||
            head.version != RUNNER_STATE_VERSION || head.state_bytes != sizeof(struct runner_state) ||
            head.target_bytes != sizeof(struct runner_target) ||
            (uint64_t)st.st_size != runner_state_bytes(head.n_targets)) {
                close(fd);
                return -EPROTO;
        }
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
                r = -errno;
                close(fd);
                return r;
        }
        struct runner *rn = malloc(sizeof *rn);
        if (!rn) {
                munmap(map, (size_t)st.st_size);
                close(fd);
                return -ENOMEM;
        }
        *rn = (struct runner){ .fd = fd, .map = map, .size = (size_t)st.st_size };
        *ret = rn;
        return 0;
}

int runner_request_stop(const struct runner *r)
{
        pid_t pid = __atomic_load_n(&r->map->pid, __ATOMIC_ACQUIRE);
        /* pid 0 or less would signal a whole process group: never */
        if (pid <= 0 || !runner_is_alive(r))
                return -ESRCH;
        return kill(pid, SIGTERM) < 0 ? -errno : 0;
}

struct runner *runner_free(struct runner *r)
{
        if (!r)
                return NULL;
        munmap((void *)r->map, r->size);
        close(r->fd);
        free(r);
        return NULL;
}

/* Takes the state file's lock (no runner has it), checking that the file locked is still the one
 * at path (a new runner may have renamed its own over it meanwhile). -ENOENT when there is none. */
static int lock_state_file(const char *path, int *ret_fd)
{
        for (int tries = 0; tries < 10; tries++) {
                int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                        close(fd);
                        return r;
                }
                struct stat locked, now;
                if (fstat(fd, &locked) == 0 && stat(path, &now) == 0 && locked.st_dev == now.st_dev &&
                    locked.st_ino == now.st_ino) {
                        *ret_fd = fd;
                        return 0;
                }
                close(fd);
        }
        return -EBUSY;
}

int runner_remove(void)
{
        char path[PATH_MAX];
        int r = runner_state_path(path, sizeof path);
        if (r < 0)
                return r;
        int fd;
        if ((r = lock_state_file(path, &fd)) < 0)
                return r == -ENOENT ? 0 : r;
        /* unlinked under the lock: a runner starting now waits for it, then makes its own */
        r = unlink(path) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* ---- the runner ------------------------------------------------------------------------------------ */

/* The runner copies this process with fork(): a thread other than this one would not be copied,
 * and a lock it held (malloc's, stdio's) would stay held for ever in the copy. The screen runs no
 * threads (the session's start only when the runner calls session_start()); this makes sure. */
static int count_threads(void)
{
        DIR *d = opendir("/proc/self/task");
        if (!d)
                return -errno;
        int n = 0;
        for (struct dirent *e; (e = readdir(d));)
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

static void publish_progress(struct session *s, struct runner_state *st)
{
        for (size_t i = 0; i < st->n_started; i++) {
                struct session_progress p;
                if (session_progress(s, i, &p) < 0)
                        continue;
                struct runner_target *rt = &st->targets[i];
                rt->is_verifying = p.is_verifying;
                rt->is_progress_done = p.is_done;
                rt->pass = p.pass;
                rt->n_passes = p.n_passes;
                rt->bytes_done = p.bytes_done;
                rt->bytes_total = p.bytes_total;
        }
}

/* A wipe that ended: its own result says whether it failed (gone, I/O error, stopped) before any
 * verdict, so the screen can say FAIL at once. */
static void take_wipe_end(struct session *s, struct runner_state *st, size_t i)
{
        struct wipe_job *job = session_wipe_job(s, i);
        struct runner_target *rt = &st->targets[i];
        rt->is_wipe_done = true;
        if (!job)
                return;
        wipe_job_wait(job); /* its thread ended: joined, the result complete */
        const struct wipe_result *w = wipe_job_result(job);
        rt->wipe_status = (int32_t)w->status;
        rt->wipe_error = w->error;
        rt->n_unwritten_ranges = w->n_unwritten;
        rt->is_wipe_failed = !wipe_result_is_pass(w);
}

static void take_outcome(struct runner_target *rt, const struct session_outcome *o)
{
        rt->has_outcome = true;
        rt->is_pass = o->is_pass;
        rt->is_certified = o->is_certified;
        rt->required_level = (int32_t)o->required_level;
        rt->achieved_level = (int32_t)o->achieved_level;
        rt->cert_error = o->cert_error;
        if (o->is_certified) {
                copy_text(rt->serial, sizeof rt->serial, o->issued.serial);
                copy_text(rt->result, sizeof rt->result, o->issued.result);
                copy_text(rt->json_path, sizeof rt->json_path, o->issued.json_path);
                copy_text(rt->sig_path, sizeof rt->sig_path, o->issued.sig_path);
                copy_text(rt->pdf_path, sizeof rt->pdf_path, o->issued.pdf_path);
                rt->pdf_error = o->issued.pdf_error;
                rt->n_reasons = (uint32_t)(o->issued.n_reasons < CERT_MAX_REASONS ? o->issued.n_reasons
                                                                                  : CERT_MAX_REASONS);
                for (size_t k = 0; k < rt->n_reasons; k++)
                        copy_text(rt->reasons[k], sizeof rt->reasons[k], o->issued.reasons[k]);
        } else
                copy_text(rt->result, sizeof rt->result, o->is_pass ? "PASS" : "FAIL");
        rt->is_export_tried = o->export_failed_file != NULL;
        rt->is_exported = o->is_exported;
        rt->export_error = o->export_error;
        rt->print_error = o->print_error;
        rt->print_job = o->print_job;
}

static void set_phase(struct runner_state *st, enum runner_phase phase)
{
        begin_write(st);
        st->phase = phase;
        end_write(st);
}

static void take_note(struct session *s, struct runner_state *st)
{
        size_t n = session_n_notes(s);
        if (n)
                copy_text(st->note, sizeof st->note, session_note(s, n - 1));
}

/* What `kesu ui` did itself before: start, follow the events, verify, finish every target. */
static void run(struct session *s, struct runner_state *st)
{
        struct session_refusal refusal;
        int r = session_start(s, &refusal);
        begin_write(st);
        st->n_started = (uint32_t)session_n_started(s);
        if (r < 0) {
                st->start_error = r;
                copy_text(st->refusal, sizeof st->refusal, r == -EPERM ? refusal.message : strerror(-r));
                ui_error("runner: refused: %s", st->refusal);
        }
        st->phase = st->n_started ? RUNNER_PHASE_WIPING : RUNNER_PHASE_DONE;
        end_write(st);
        size_t n = st->n_started;
        if (n == 0)
                return;
        bool is_verifying = false;
        for (;;) {
                if (ui_stop_signal && !st->is_stop_requested) {
                        session_request_stop(s);
                        begin_write(st);
                        st->is_stop_requested = true;
                        end_write(st);
                        ui_error("runner: stop requested (signal %d)", (int)ui_stop_signal);
                }
                size_t n_wiped = 0, n_verified = 0, n_expected = 0;
                for (size_t i = 0; i < n; i++) {
                        n_wiped += st->targets[i].is_wipe_done;
                        n_expected += st->targets[i].is_verify_expected;
                        n_verified += st->targets[i].is_verify_done;
                }
                if (!is_verifying && n_wiped == n) {
                        /* every wipe ended: the session verifies those that ran to their end */
                        session_verify(s);
                        begin_write(st);
                        for (size_t i = 0; i < n; i++)
                                st->targets[i].is_verify_expected = session_verify_job(s, i) != NULL;
                        st->phase = RUNNER_PHASE_VERIFYING;
                        end_write(st);
                        is_verifying = true;
                        continue;
                }
                if (is_verifying && n_verified == n_expected)
                        break;
                begin_write(st);
                publish_progress(s, st);
                end_write(st);
                int fd = session_event_fd(s);
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (fd < 0 || poll(&pfd, 1, RUNNER_TICK_MS) <= 0)
                        continue;
                struct session_event ev;
                while (session_next_event(s, &ev) == 0 && ev.target < n) {
                        begin_write(st);
                        if (ev.kind == SESSION_EVENT_WIPE_DONE)
                                take_wipe_end(s, st, ev.target);
                        else
                                st->targets[ev.target].is_verify_done = true;
                        publish_progress(s, st);
                        end_write(st);
                }
        }
        set_phase(st, RUNNER_PHASE_FILING);
        for (size_t i = 0; i < n; i++) {
                struct session_outcome o;
                r = session_finish(s, i, &o);
                begin_write(st);
                publish_progress(s, st);
                if (r == 0)
                        take_outcome(&st->targets[i], &o);
                else
                        ui_error("runner: %s: cannot finish: %s", st->targets[i].path, strerror(-r));
                take_note(s, st);
                end_write(st);
        }
}

/* In the runner: its own session, no terminal, its log beside the state file. */
static void detach(void)
{
        struct sigaction ignore = { .sa_handler = SIG_IGN };
        sigemptyset(&ignore.sa_mask);
        /* the screen's terminal going away (SIGHUP) or a Ctrl-C typed at it (SIGINT) is not a stop:
         * only SIGTERM is (its handler, ui_install_stop_signals()'s, is kept) */
        sigaction(SIGHUP, &ignore, NULL);
        sigaction(SIGINT, &ignore, NULL);
        sigaction(SIGPIPE, &ignore, NULL);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                close(null);
        }
        char log[PATH_MAX];
        int fd = runner_log_path(log, sizeof log) < 0
                         ? -1
                         : open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
                dup2(fd, STDERR_FILENO);
                close(fd);
        }
}

static void fill(struct runner_state *st, struct session *s, const struct session_target_plan *plans,
                 const struct runner_people *people, uint32_t n)
{
        memcpy(st->magic, RUNNER_STATE_MAGIC, sizeof st->magic);
        st->version = RUNNER_STATE_VERSION;
        st->state_bytes = sizeof *st;
        st->target_bytes = sizeof(struct runner_target);
        st->phase = RUNNER_PHASE_STARTING;
        st->started_utc = now_realtime_ns() / 1000000000LL;
        copy_text(st->operator_id, sizeof st->operator_id, people->operator_id);
        copy_text(st->operator_name, sizeof st->operator_name, people->operator_name);
        copy_text(st->witness_id, sizeof st->witness_id, people->witness_id);
        copy_text(st->witness_name, sizeof st->witness_name, people->witness_name);
        st->n_targets = n;
        for (uint32_t i = 0; i < n; i++) {
                struct runner_target *rt = &st->targets[i];
                const struct wipe_method *m = session_target_method(s, i);
                copy_text(rt->path, sizeof rt->path, session_disk(s, i)->identity.path);
                copy_text(rt->asset, sizeof rt->asset, plans[i].asset);
                copy_text(rt->method, sizeof rt->method, m->name);
                rt->is_purge = m->technique == WIPE_TECHNIQUE_PURGE;
                rt->n_passes = (uint32_t)m->n_passes;
        }
}

/* The runner's life after the fork: never returns. */
static _Noreturn void runner_main(struct session *s, struct runner_state *st, int ready_fd,
                                  void (*child_prepare)(void *), void *userdata)
{
        detach();
        if (child_prepare)
                child_prepare(userdata);
        begin_write(st);
        st->pid = (int32_t)getpid();
        end_write(st);
        ui_error("runner %d: %u disks, started by %s and %s", (int)getpid(), st->n_targets, st->operator_id,
                 st->witness_id);
        (void)!write(ready_fd, "", 1);
        close(ready_fd);
        run(s, st);
        set_phase(st, RUNNER_PHASE_DONE);
        ui_error("runner %d: done", (int)getpid());
        session_free(s);
        _exit(0);
}

/* Makes the new state file beside the old one: sized, locked, filled, then renamed into place. */
static int make_state_file(struct session *s, const struct session_target_plan *plans,
                           const struct runner_people *people, const char *path, int *ret_fd,
                           struct runner_state **ret_map)
{
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof tmp, "%s/.disposal.state.XXXXXX", run_dir()) >= (int)sizeof tmp)
                return -ENAMETOOLONG;
        uint32_t n = (uint32_t)session_n_targets(s);
        size_t size = runner_state_bytes(n);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct runner_state *st = MAP_FAILED;
        int r = 0;
        if (ftruncate(fd, (off_t)size) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 ||
            (st = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
                r = -errno;
        else {
                fill(st, s, plans, people, n);
                if (rename(tmp, path) < 0)
                        r = -errno;
        }
        if (r < 0) {
                if (st != MAP_FAILED)
                        munmap(st, size);
                (void)unlink(tmp);
                close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_map = st;
        return 0;
}

int runner_start(struct session *s, const struct session_target_plan *plans,
                 const struct runner_people *people, void (*child_prepare)(void *userdata), void *userdata,
                 struct runner **ret)
{
        char path[PATH_MAX];
        int old_fd = -1, fd = -1, ready[2] = { -1, -1 }, status = 0;
        struct runner_state *st = NULL;
        size_t size = runner_state_bytes((uint32_t)session_n_targets(s));
        pid_t pid;
        char byte;
        ssize_t k;
        int r = runner_state_path(path, sizeof path);
        if (r < 0)
                return r;
        if (mkdir(run_dir(), 0700) < 0 && errno != EEXIST)
                return -errno;
        /* the last disposal's file, locked: no runner has it (else -EBUSY), none takes it meanwhile */
        if ((r = lock_state_file(path, &old_fd)) < 0 && r != -ENOENT)
                return r;
        if ((r = count_threads()) != 1) {
                r = r < 0 ? r : -EDEADLK;
                goto out;
        }
        if ((r = make_state_file(s, plans, people, path, &fd, &st)) < 0)
                goto out;
        if (pipe2(ready, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        fflush(NULL);
        if ((pid = fork()) < 0) {
                r = -errno;
                goto out;
        }
        if (pid == 0) {
                /* its own session, and no child of the screen: a grandchild, adopted by init */
                close(ready[0]);
                if (old_fd >= 0)
                        close(old_fd);
                (void)setsid();
                pid_t runner = fork();
                if (runner != 0)
                        _exit(runner < 0 ? 1 : 0);
                /* Memory locks are not inherited across fork(): the unlocked appliance key (in
                 * sodium_malloc'd, locked pages in the screen) would be swappable here. Lock what
                 * is mapped now — the key among it; the wipe's buffers come later and stay
                 * unlocked. Root has no limit on it; if it fails the disposal still runs (the
                 * image has no swap). */
                if (mlockall(MCL_CURRENT) < 0)
                        fprintf(stderr, "kesu ui: runner: cannot lock the key's memory: %s\n", strerror(errno));
                runner_main(s, st, ready[1], child_prepare, userdata); /* keeps fd: the lock */
        }
        close(ready[1]);
        ready[1] = -1;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        while ((k = read(ready[0], &byte, 1)) < 0 && errno == EINTR)
                ;
        r = k == 1 ? 0 : -ECHILD; /* -ECHILD: no runner came up, nothing was started */
out:
        if (st)
                munmap(st, size);
        if (r < 0 && fd >= 0)
                (void)unlink(path); /* ours: we hold its lock */
        /* our copy of the runner's open file goes: its lock stays with the runner */
        if (fd >= 0)
                close(fd);
        for (int i = 0; i < 2; i++)
                if (ready[i] >= 0)
                        close(ready[i]);
        if (old_fd >= 0)
                close(old_fd);
        return r < 0 ? r : runner_open(ret);
}
