/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * wiper: the disks kesu may erase — discovery (libudev), identity (udev, sysfs and the device's own
 * IDENTIFY data), content (libblkid) and the safety guards that decide which disks are protected.
 *
 * Engine code: nothing here prints or exits. Functions return 0 or a negative errno and fill
 * ret_… parameters only on success.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- identity ---------------------------------------------------------------------------- */

/* How the disk is attached. FILE is a regular file used as a disk image. */
enum disk_transport {
        DISK_TRANSPORT_UNKNOWN = 0,
        DISK_TRANSPORT_SATA,
        DISK_TRANSPORT_SAS,
        DISK_TRANSPORT_SCSI,
        DISK_TRANSPORT_NVME,
        DISK_TRANSPORT_USB,
        DISK_TRANSPORT_VIRTIO,
        DISK_TRANSPORT_MMC,
        DISK_TRANSPORT_LOOP,
        DISK_TRANSPORT_FILE,
        _DISK_TRANSPORT_MAX,
};

/* "sata", "nvme", … ; "unknown" for DISK_TRANSPORT_UNKNOWN. */
const char *disk_transport_to_string(enum disk_transport t);

/* Classifies a block device by its kernel name and its sysfs device path (the target of
 * /sys/class/block/NAME). Pure; used by discovery and unit-tested on real-world paths. */
enum disk_transport disk_transport_from_syspath(const char *name, const char *syspath);

/* A yes/no fact that may be unknown. */
enum tristate { TRISTATE_UNKNOWN = -1, TRISTATE_NO = 0, TRISTATE_YES = 1 };

/* Purge commands and related features the device itself reports (ATA IDENTIFY, NVMe Identify).
 * One bit each; disk_capability_to_string() names them. */
enum disk_capability {
        DISK_CAP_ATA_SECURITY_ERASE = 1u << 0,
        DISK_CAP_ATA_ENHANCED_SECURITY_ERASE = 1u << 1,
        DISK_CAP_ATA_SANITIZE_CRYPTO = 1u << 2,
        DISK_CAP_ATA_SANITIZE_BLOCK = 1u << 3,
        DISK_CAP_ATA_SANITIZE_OVERWRITE = 1u << 4,
        DISK_CAP_ATA_TRIM = 1u << 5,
        DISK_CAP_NVME_FORMAT = 1u << 6,
        DISK_CAP_NVME_FORMAT_CRYPTO = 1u << 7,
        DISK_CAP_NVME_SANITIZE_CRYPTO = 1u << 8,
        DISK_CAP_NVME_SANITIZE_BLOCK = 1u << 9,
        DISK_CAP_NVME_SANITIZE_OVERWRITE = 1u << 10,
        _DISK_CAP_COUNT = 11,
};

/* "ata-security-erase", "nvme-sanitize-crypto", …; NULL for a value that is not one single bit. */
const char *disk_capability_to_string(uint32_t cap);

/* Everything kesu knows about who a disk is. Strings are NULL when unknown — never invented. */
struct disk_identity {
        char *path;   /* device node or file path as opened */
        char *name;   /* kernel name ("sda"); NULL for a file */
        char *by_id;  /* a /dev/disk/by-id/ link, or NULL */
        char *vendor; /* manufacturer as the device reports it */
        char *model;
        char *serial;
        char *wwn; /* WWN (SATA/SAS, "0x…") or EUI-64/NGUID (NVMe, "eui.…") */
        char *firmware;
        char *backing_file; /* loop devices: the file behind it */
        uint64_t size_bytes;
        uint32_t logical_sector_bytes;
        uint32_t physical_sector_bytes;
        enum disk_transport transport;
        enum tristate rotational;
        enum tristate removable;
        bool is_block_device;
        bool is_openable;                  /* false when the device refused to be opened: sysfs facts only */
        dev_t devnum;                      /* block devices: major:minor */
        dev_t file_devnum;                 /* regular files: the file system the file lives on */
        ino_t file_inode;                  /* regular files */
        uint32_t capabilities;             /* enum disk_capability bits */
        enum tristate ata_security_frozen; /* a frozen drive refuses SECURITY ERASE until power-cycled */
};

/* Fills *ret with the identity of PATH: a whole-disk block device or a regular file.
 * Errors: -ENOENT/-ENXIO (no such device, or it vanished), -ENOTBLK (neither block device nor
 * regular file), -EISDIR, -ENOMEDIUM (size 0: no medium, detached loop), -EMEDIUMTYPE (a partition,
 * not a whole disk). */
int disk_identity_read(const char *path, struct disk_identity *ret);
void disk_identity_done(struct disk_identity *id);

/* A deep copy. */
int disk_identity_copy(const struct disk_identity *src, struct disk_identity *ret);

/* Whether b is the same disk as a: same device (or file), size, sector size, model, serial and
 * WWN. Used to re-check a disk right before its first write. */
bool disk_identity_same(const struct disk_identity *a, const struct disk_identity *b);

/* ---- opening a target ------------------------------------------------------------------------ */

/* An open target: O_DIRECT where possible; tail_fd (buffered) only for a file whose size is not
 * a whole number of sectors, since O_DIRECT cannot reach its last bytes. */
struct disk_handle {
        int fd;
        int tail_fd;
        bool is_direct;
};

/* Opens the disk id describes, for writing (a block device exclusively) or reading, and checks
 * it is still that disk. -ESTALE when it changed since it was identified, -EROFS when it cannot
 * be written, -ENOSPC when it is smaller than one sector, -EBUSY when someone else holds it. */
int disk_handle_open(const struct disk_identity *id, bool is_write, struct disk_handle *ret);
void disk_handle_close(struct disk_handle *h);

/* ---- content ------------------------------------------------------------------------------ */

/* One partition, or a file system on the whole device (number 0). */
struct disk_content_entry {
        unsigned number; /* partition number, 0 for a whole-device file system */
        uint64_t offset_bytes;
        uint64_t size_bytes;
        char *part_type; /* GPT type GUID or MBR type ("0x83") */
        char *part_name; /* GPT partition name */
        char *part_uuid;
        char *fs_type; /* "ext4", "vfat", "swap", "LVM2_member", "crypto_LUKS", … */
        char *fs_label;
        char *fs_uuid;
};

struct disk_content {
        int probe_error;  /* 0, or -errno when the device could not be read: content unknown */
        char *table_type; /* "gpt", "dos", …, or NULL when there is no partition table */
        char *table_uuid;
        struct disk_content_entry *entries;
        size_t n_entries;
};

/* Probes what is on the device (partition table, partitions, file systems) with libblkid,
 * reading only. */
int disk_content_probe(const char *path, uint64_t size_bytes, struct disk_content *ret);
void disk_content_done(struct disk_content *c);

/* ---- protection ---------------------------------------------------------------------------- */

struct sys_mount {
        dev_t devnum;        /* st_dev of the mounted file system */
        dev_t source_devnum; /* the block device named as source, 0 if none */
        char *source;
        char *target;
};

struct sys_swap {
        char *path;
        bool is_block_device;
        dev_t devnum; /* block swap: its device; file swap: the file system holding it */
        ino_t inode;  /* file swap */
};

struct sys_loop {
        dev_t devnum;
        char *name;
        char *backing_path;
        bool backing_is_block_device;
        dev_t backing_devnum; /* block backing: its device; file: the file system it lives on */
        ino_t backing_inode;
};

/* What the running system is using, read once per listing. */
struct system_state {
        struct sys_mount *mounts;
        size_t n_mounts;
        struct sys_swap *swaps;
        size_t n_swaps;
        struct sys_loop *loops;
        size_t n_loops;
        dev_t root_devnum;   /* block device holding "/", 0 if unknown */
        dev_t *boot_devnums; /* block devices holding the boot medium */
        size_t n_boot_devnums;
};

int system_state_read(struct system_state *ret);
void system_state_done(struct system_state *s);

/* Every block device that is a disk, a partition of it, or stacked on either (dm, md, LVM, loop
 * devices backed by them), with the first entry the disk itself. */
struct disk_stack {
        dev_t *devnums;
        char **names; /* kernel names, parallel to devnums */
        size_t n;
        size_t n_partitions; /* entries 1..n_partitions are the disk's own partitions */
};

int disk_stack_read(const struct disk_identity *id, const struct system_state *s, struct disk_stack *ret);
void disk_stack_done(struct disk_stack *st);

struct disk_protection {
        bool is_protected;
        char *reason; /* every reason, "; "-joined; NULL when not protected */
};

/*
 * The protection rules, pure: given what the system uses, the disk's stack and how an O_EXCL open
 * went (0, or the negative errno it failed with), decide. A disk is protected when anything in its
 * stack holds the root file system or the boot medium, is mounted, is active swap, has a holder
 * stacked on it, or when the exclusive open failed for any reason. A regular file is protected
 * when it is active swap or backs a loop device.
 */
int disk_protection_evaluate(const struct system_state *s, const struct disk_identity *id,
                             const struct disk_stack *stack, int exclusive_open_error,
                             struct disk_protection *ret);

/* Reads the stack, tries the O_EXCL open and evaluates. */
int disk_protection_check(const struct system_state *s, const struct disk_identity *id,
                          struct disk_protection *ret);
void disk_protection_done(struct disk_protection *p);

/* The same rules again for a disk the caller holds open for writing (exclusively, for a block
 * device): reads the system state afresh and evaluates without the O_EXCL test, which the
 * caller's own open would fail. Catches what appeared after the first check — a mount, swap, a
 * holder, a loop device attached over the disk or over its image file (losetup does not open
 * with O_EXCL, and a file has no exclusive open at all). */
int disk_protection_recheck(const struct disk_identity *id, struct disk_protection *ret);

/* ---- the whole description ---------------------------------------------------------------- */

struct purge_caps; /* wiper/purge/purge.h */

struct disk_info {
        struct disk_identity identity;
        struct disk_content content;
        struct disk_protection protection;
        /* What the drive's own erase commands can do (ATA, NVMe, SCSI drives): the purge methods it
         * supports, its hidden areas and health. NULL when its transport has no purge commands
         * (virtio, loop, file, MMC) or the probe failed (purge_error). */
        struct purge_caps *purge;
        int purge_error;
};

/* Asks the drive behind id (opened read-only) what it can purge — through t, or SG_IO / the NVMe
 * ioctl on the device when t is NULL. -EOPNOTSUPP when its transport has no purge commands. */
struct cmd_transport;
int disk_purge_probe(const struct disk_identity *id, const struct cmd_transport *t, struct purge_caps *ret);

/* Identity, content and protection of one target. A device that refuses to be opened (EPERM:
 * a sandbox, a locked-down kernel) is still described from sysfs and comes out protected; content
 * that cannot be read (that, or bad sectors) leaves content.probe_error set. */
int disk_info_read(const char *path, const struct system_state *s, struct disk_info *ret);
void disk_info_done(struct disk_info *d);

/* ---- discovery ----------------------------------------------------------------------------- */

/* Whether a block device is a disk kesu offers: not a partition, not zero-size, not a CD-ROM, RAM
 * disk (ram, zram), mapper/RAID device (dm, md: they are stacked on real disks), eMMC boot/RPMB
 * area, or hidden multipath path. Pure. */
bool disk_is_candidate(const char *name, const char *devtype, uint64_t size_bytes, bool is_cdrom,
                       bool is_hidden);

/* The device nodes of all candidate disks, sorted by name, as a NULL-terminated array. */
int disk_enumerate(char ***ret_paths);
void strv_free(char **v);

enum disk_event_action { DISK_EVENT_ADD, DISK_EVENT_REMOVE, DISK_EVENT_CHANGE };
const char *disk_event_action_to_string(enum disk_event_action a);

struct disk_event {
        enum disk_event_action action;
        char path[256];
};

/* Watches udev (or, when no udev daemon runs, the kernel's uevents) for disks coming and going.
 * The monitor keeps the set of candidate disks it has seen, so a loop device being attached is an
 * ADD and being detached a REMOVE, as a user sees it. */
struct disk_monitor;
int disk_monitor_new(struct disk_monitor **ret);
struct disk_monitor *disk_monitor_free(struct disk_monitor *m);
/* The file descriptor to poll for readability. */
int disk_monitor_fd(const struct disk_monitor *m);
/* Whether events come from the udev daemon (true) or straight from the kernel (false). */
bool disk_monitor_is_udev(const struct disk_monitor *m);
/* Returns 1 and fills *ret when an event for a disk is ready, 0 when the message was of no
 * interest, or a negative errno. */
int disk_monitor_receive(struct disk_monitor *m, struct disk_event *ret);

/* ---- I/O engines (also used by the verifier to read back)
 * ------------------------------------------------------------------------------ */

/* One finished read or write. */
struct wipe_completion {
        unsigned buf_index;
        uint64_t offset;
        size_t len;
        ssize_t res; /* bytes transferred, or -errno */
};

struct wipe_engine;

/* The single interface that asynchronous (io_uring) and synchronous (pwrite) engines share, as
 * fio's ioengine_ops. The caller owns the buffers; an engine may register them with the kernel. */
struct wipe_engine_ops {
        const char *name;
        int (*init)(struct wipe_engine *e, int fd, uint8_t *const *bufs, unsigned n_bufs, size_t buf_bytes);
        /* Queues a write of buffer buf_index (len bytes) at offset. */
        int (*queue_write)(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len);
        /* Queues a read of len bytes at offset into buffer buf_index. */
        int (*queue_read)(struct wipe_engine *e, unsigned buf_index, uint64_t offset, size_t len);
        /* Hands queued writes to the device. */
        int (*submit)(struct wipe_engine *e);
        /* Waits for one completion. -EAGAIN when nothing is in flight. */
        int (*reap)(struct wipe_engine *e, struct wipe_completion *ret);
        void (*exit)(struct wipe_engine *e);
};

struct wipe_engine {
        const struct wipe_engine_ops *ops;
        void *data;
};

/* The engines, in order of preference. */
extern const struct wipe_engine_ops wipe_engine_uring;
extern const struct wipe_engine_ops wipe_engine_sync;

enum wipe_engine_kind { WIPE_ENGINE_AUTO, WIPE_ENGINE_URING, WIPE_ENGINE_SYNC };

/* Starts the engine of the kind asked for over fd and the buffers (AUTO: io_uring, else pwrite).
 * ret->ops->exit() ends it. */
int wipe_engine_open(enum wipe_engine_kind kind, int fd, uint8_t *const *bufs, unsigned n_bufs,
                     size_t buf_bytes, struct wipe_engine *ret);

/* ---- patterns ------------------------------------------------------------------------------- */

#define WIPE_PATTERN_MAX_BYTES 16
#define WIPE_KEY_BYTES         16

enum wipe_pattern_kind {
        WIPE_PATTERN_BYTES,  /* a fixed byte sequence, repeated */
        WIPE_PATTERN_RANDOM, /* the AES-128-CTR keystream */
};

/*
 * What a pass writes. The byte at device offset o is, for BYTES, bytes[o % n_bytes]; for RANDOM,
 * byte o of the AES-128-CTR keystream under key with the initial counter block 0 (the 128-bit
 * big-endian counter of the block holding o is o / 16) — what `openssl enc -aes-128-ctr -K KEY
 * -iv 0` makes of zeros. So any offset can be regenerated from (pattern, key, offset) alone.
 */
struct wipe_pattern {
        enum wipe_pattern_kind kind;
        uint8_t bytes[WIPE_PATTERN_MAX_BYTES];
        size_t n_bytes;
        uint8_t key[WIPE_KEY_BYTES]; /* RANDOM only; drawn from libsodium's randombytes per pass */
};

/*
 * Parses one pass token: "zero", "one", "random", "0xHH…" (1 to 16 bytes, hex), "~0xHH…" (the
 * complement of the bytes given) or "comp" (the complement of prev, which must be a fixed
 * pattern). -EINVAL on anything else. A RANDOM pattern's key is left zero (keys are drawn when a
 * job starts).
 */
int wipe_pattern_parse(const char *token, const struct wipe_pattern *prev, struct wipe_pattern *ret);

/* "0x00", "0x92 0x49 0x24", "random" into buf. */
const char *wipe_pattern_describe(const struct wipe_pattern *p, char *buf, size_t size);

/* Fills buffers with a pattern's content at given offsets. One per thread (owns cipher state). */
struct wipe_pattern_stream;
int wipe_pattern_stream_new(const struct wipe_pattern *p, struct wipe_pattern_stream **ret);
struct wipe_pattern_stream *wipe_pattern_stream_free(struct wipe_pattern_stream *s);
/* buf receives the len bytes the pattern has at device offset [offset, offset+len). */
int wipe_pattern_fill(struct wipe_pattern_stream *s, uint64_t offset, uint8_t *buf, size_t len);

/* ---- methods -------------------------------------------------------------------------------- */

#define WIPE_MAX_PASSES 40

/* How a method erases: the host overwrites every sector, or the drive runs its own purge command. */
enum wipe_technique { WIPE_TECHNIQUE_OVERWRITE, WIPE_TECHNIQUE_PURGE };

#define WIPE_METHOD_PURGE "purge" /* the strongest purge command the drive supports */

struct wipe_method {
        char name[32];  /* "dod3", "passes" for a custom sequence, "sanitize-crypto", "purge" */
        char spec[512]; /* the pass list it was built from, e.g. "0x00,0xff,random"; purge: the name */
        const char *description;
        enum wipe_technique technique;
        /* PURGE: the command (enum purge_method of wiper/purge/purge.h); 0 for "purge" itself, which
         * wipe_method_resolve_purge() turns into the drive's strongest before a job can run it. */
        unsigned purge_method;
        size_t n_passes; /* OVERWRITE: 1..WIPE_MAX_PASSES; PURGE: 0 */
        struct wipe_pattern passes[WIPE_MAX_PASSES];
};

/* A method by name from the static tables (overwrites, then purge commands and "purge"), or
 * "passes:TOKEN,TOKEN,…". -ENOENT for an unknown name, -EINVAL for a malformed pass list. */
int wipe_method_lookup(const char *spec, struct wipe_method *ret);

/* For a purge method: the one this drive will run — "purge" becomes the strongest command caps
 * supports, a named one is kept. -EOPNOTSUPP when the drive does not support it (or, for "purge",
 * any); ret untouched then. OVERWRITE methods are copied as they are. */
int wipe_method_resolve_purge(const struct wipe_method *m, const struct purge_caps *caps, struct wipe_method *ret);

/* The table, for help texts: the i-th method's name and description (overwrites, then purge
 * commands, then "purge"); NULL past the end. */
const char *wipe_method_name(size_t i, const char **ret_description);

/* ---- the job runner ------------------------------------------------------------------------- */

struct wipe_pass_result;

struct wipe_options {
        enum wipe_engine_kind engine;
        uint32_t chunk_bytes; /* bytes a write; 0: default (1 MiB) */
        unsigned queue_depth; /* writes in flight; 0: default (8) */
        /* Consecutive chunks in which not one sector could be written before the device counts
         * as gone; 0: default (16). */
        unsigned max_dead_chunks;
        /* Called on the job's thread after each pass but the last has been written and flushed
         * (to verify every pass); its verdict is the caller's to keep. NULL: nothing. */
        void (*after_pass)(void *userdata, unsigned pass, const struct wipe_pass_result *result);
        void *after_pass_userdata;
        /* PURGE: the transport to the drive; NULL: SG_IO / the NVMe ioctl on the job's own
         * descriptor (tests give a fake drive here). */
        const struct cmd_transport *purge_transport;
        /* PURGE: called on the job's thread after the drive was probed and its hidden areas were
         * restored, right before the purge command: the caller takes its fingerprint of the disk
         * (the proof lives in the verifier, above this module). Non-zero: nothing is sent, FAILED. */
        int (*before_purge)(void *userdata, const struct disk_identity *id);
        void *before_purge_userdata;
        unsigned purge_poll_ms; /* between drive status polls; 0: 1000 */
        /* PURGE, the TCG methods: the SID (tcg-revert) or PSID (tcg-psid-revert), borrowed until the
         * jobs end; never recorded anywhere. NULL: none given (tcg-revert then tries the MSID). */
        const char *tcg_secret;
        size_t tcg_secret_len;
};

enum wipe_status {
        WIPE_STATUS_COMPLETED,        /* every byte of every pass written and flushed */
        WIPE_STATUS_WRITE_ERRORS,     /* finished, but some ranges could not be written */
        WIPE_STATUS_INTERRUPTED,      /* stopped on request (Ctrl-C, SIGTERM) */
        WIPE_STATUS_DEVICE_GONE,      /* the device disappeared or stopped taking writes */
        WIPE_STATUS_IDENTITY_CHANGED, /* not the disk that was confirmed: nothing written */
        WIPE_STATUS_FAILED,           /* could not start or flush (see error) */
        WIPE_STATUS_PROTECTED,        /* became protected after it was confirmed (protected_reason) */
        WIPE_STATUS_NO_SPACE,         /* an image file on a full file system (ENOSPC) */
};
const char *wipe_status_to_string(enum wipe_status s);

/* A run of logical sectors a pass could not write. */
struct wipe_range {
        unsigned pass; /* 1-based */
        uint64_t first_lba;
        uint64_t last_lba; /* inclusive */
};

struct wipe_pass_result {
        struct wipe_pattern pattern;
        uint64_t bytes_written;
        bool is_flushed;
        int64_t started_ns; /* CLOCK_REALTIME; 0 when the pass never started */
        int64_t ended_ns;
};

struct wipe_result {
        struct disk_identity identity; /* as confirmed */
        struct wipe_method method;     /* with the random keys used */
        struct wipe_pass_result passes[WIPE_MAX_PASSES];
        const char *engine; /* "io_uring" or "sync" */
        bool is_direct_io;
        int64_t started_ns, ended_ns; /* CLOCK_REALTIME */
        int64_t first_write_boot_ns;  /* CLOCK_BOOTTIME at the first completed write; 0 if none */
        uint64_t bytes_written;       /* all passes */
        uint64_t bytes_total;         /* size × passes */
        struct wipe_range *unwritten;
        size_t n_unwritten;
        enum wipe_status status;
        int error; /* the errno behind a non-COMPLETED status, or 0 */
        /* WIPE_STATUS_PROTECTED: the protection reasons found ("backs /dev/loop7", "/dev/loop8 is
         * mounted at /mnt"); NULL otherwise. Owned by the job. */
        char *protected_reason;
        /* WIPE_STATUS_PROTECTED: found before the first write (true: nothing was written) */
        bool is_protected_before_write;
        /* PURGE: what the drive was found to be and what it answered (struct wipe_purge, in
         * wiper/purge/purge.h); NULL for an overwrite. Owned by the job. */
        struct wipe_purge *purge;
};

/* ---- range bookkeeping (also the verifier's unreadable ranges)
 * ----------------------------------------------------------------------- */

struct wipe_range_list {
        struct wipe_range *ranges;
        size_t n;
};

/* Adds the byte range [offset, offset+len) of pass as logical sectors of sector_bytes, merging
 * with the previous range when they touch. Ranges must be added in ascending order per pass. */
int wipe_range_add(struct wipe_range_list *l, unsigned pass, uint64_t offset, uint64_t len,
                   uint32_t sector_bytes);
void wipe_range_list_done(struct wipe_range_list *l);

/* PASS for the wipe itself: every pass complete, nothing left unwritten; for a purge: the drive's
 * status shows its command ran to the end. */
bool wipe_result_is_pass(const struct wipe_result *r);

struct wipe_progress {
        unsigned pass; /* 1-based, the pass being written */
        unsigned n_passes;
        uint64_t bytes_done; /* over all passes */
        uint64_t bytes_total;
        bool is_done;
};

/* One disk's wipe, run on its own thread. */
struct wipe_job;

/* Prepares a job for the disk described by id (copied) with method (copied; random keys are
 * drawn here). */
int wipe_job_new(const struct disk_identity *id, const struct wipe_method *method,
                 const struct wipe_options *opts, struct wipe_job **ret);

/* Opens the target for writing, exclusively. -EBUSY when someone else holds it, -EROFS when it
 * is read-only, -ENOSPC when it is smaller than one sector. Nothing is written. */
int wipe_job_open(struct wipe_job *j);

/* Starts the thread. On it, just before the first write, the identity is re-checked
 * (IDENTITY_CHANGED) and so is protection (PROTECTED); protection again after every pass but the
 * last and once more after the last pass's flush. */
int wipe_job_start(struct wipe_job *j);

/* Asks the job to stop after the writes in flight (async-signal-safe). */
void wipe_job_request_stop(struct wipe_job *j);

void wipe_job_progress(const struct wipe_job *j, struct wipe_progress *ret);

/* A file descriptor that becomes readable when the job has ended, for poll(). */
int wipe_job_done_fd(const struct wipe_job *j);

/* Waits for the thread to end. */
void wipe_job_wait(struct wipe_job *j);

/* The result; complete once wipe_job_wait() returned. */
const struct wipe_result *wipe_job_result(const struct wipe_job *j);

struct wipe_job *wipe_job_free(struct wipe_job *j);
