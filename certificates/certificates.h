/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * certificates: the disposal certificate — its record and canonical bytes, Ed25519 signatures in
 * minisign's formats (so stock `minisign -V` checks them), the appliance key, the hash-chained
 * ledger, the QR payload, the PDF, printing, and the auditor's verification. Uses verifier/,
 * wiper/ and common/. Quiet engine code: returns 0 or -errno.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifier.h"
#include "wiper.h"

/* ---- keys ------------------------------------------------------------------------------------ */

#define CERT_KEY_ID_BYTES     8
#define CERT_PUBLIC_KEY_BYTES 32
#define CERT_SECRET_KEY_BYTES 64
#define CERT_SIGNATURE_BYTES  64

struct cert_public_key {
        uint8_t key_id[CERT_KEY_ID_BYTES];
        uint8_t pk[CERT_PUBLIC_KEY_BYTES];
};

/* Lives in sodium_malloc memory; cert_secret_key_free() wipes it. */
struct cert_secret_key {
        uint8_t key_id[CERT_KEY_ID_BYTES];
        uint8_t sk[CERT_SECRET_KEY_BYTES];
        uint8_t pk[CERT_PUBLIC_KEY_BYTES];
};

/*
 * Makes the appliance key pair: DIR/appliance.key (the secret key encrypted under the passphrase
 * with Argon2id + XChaCha20-Poly1305, created O_EXCL, mode 0600) and DIR/appliance.pub (minisign's
 * public-key format). -EEXIST when either exists and !is_force (nothing is touched then).
 */
int cert_key_generate(const char *dir, const char *passphrase, size_t passphrase_len, bool is_force,
                      struct cert_public_key *ret);

/*
 * The Argon2id cost a key is made with (libsodium's "interactive": 2 passes over 64 MiB), and the
 * most a key file may ask for. The cost is read from the file's header before the passphrase can
 * be checked, so a crafted header could otherwise make kesu allocate gigabytes: up to 8x the
 * passes and 16x the memory (1 GiB, libsodium's "sensitive") are accepted, more is refused.
 */
#define CERT_KEY_OPSLIMIT     2u
#define CERT_KEY_MEMLIMIT     (64u * 1024 * 1024)
#define CERT_KEY_OPSLIMIT_MAX (8u * CERT_KEY_OPSLIMIT)
#define CERT_KEY_MEMLIMIT_MAX (16ull * CERT_KEY_MEMLIMIT)

/* Unlocks a secret key file. -ENOENT missing, -EPERM readable by group/others (mode must be 0600
 * or stricter), -EBADMSG not a kesu key file (or truncated), -ERANGE a header whose Argon2 cost is
 * outside [minimum, CERT_KEY_*LIMIT_MAX] (refused before any work), -EACCES wrong passphrase. */
int cert_key_unlock(const char *path, const char *passphrase, size_t passphrase_len,
                    struct cert_secret_key **ret);
void cert_secret_key_free(struct cert_secret_key *k);

/* Reads a public key in minisign's format (file or the base64 line). -EBADMSG if malformed. */
int cert_public_key_load(const char *path, struct cert_public_key *ret);
int cert_public_key_parse(const char *text, struct cert_public_key *ret);
/* The public key file's text, as minisign writes it. */
int cert_public_key_format(const struct cert_public_key *k, char **ret);

/* The key id as minisign prints it: 16 upper-case hex digits of the little-endian number. */
void cert_key_id_hex(const uint8_t id[CERT_KEY_ID_BYTES], char out[2 * CERT_KEY_ID_BYTES + 1]);
/* SHA-256 of the public key, in groups of four hex digits ("1a2b 3c4d …"). */
void cert_key_fingerprint(const uint8_t pk[CERT_PUBLIC_KEY_BYTES], char *out, size_t size);

/* ---- signatures (minisign's .minisig format, pre-hashed "ED") ------------------------------- */

/* Signs msg: the text of a .minisig file whose trusted comment is trusted_comment. Both comments
 * must be one line (-EINVAL for a CR or LF in either). */
int cert_sign(const struct cert_secret_key *k, const void *msg, size_t len, const char *untrusted_comment,
              const char *trusted_comment, char **ret_minisig);

/*
 * Checks a .minisig text against msg with whichever of keys has its key id. -ENOKEY when no key
 * has it, -EBADMSG when the file is malformed, -EKEYREJECTED when a signature does not verify.
 * Returns the trusted comment and which key signed.
 */
int cert_verify_signature(const struct cert_public_key *keys, size_t n_keys, const void *msg, size_t len,
                          const char *minisig, char **ret_trusted_comment, size_t *ret_key_index);

/* Ed25519 over bytes (no pre-hash) and its check, for the QR payload. */
int cert_sign_raw(const struct cert_secret_key *k, const void *msg, size_t len,
                  uint8_t ret_sig[CERT_SIGNATURE_BYTES]);
bool cert_verify_raw(const struct cert_public_key *k, const void *msg, size_t len,
                     const uint8_t sig[CERT_SIGNATURE_BYTES]);

/* ---- the vocabulary ----------------------------------------------------------------------------- */

/* The Japanese word the certificate uses for one of its values ("PASS" → 合格, "Purge" → パージ,
 * "lease-return" → リース返却, …), or NULL for a value it does not translate. The PDF and the
 * operator's screen both use it, so the screen says what the paper says. */
const char *cert_term_japanese(const char *word);

/* ---- a drive's purge facts as JSON (list and record share them) -------------------------------- */

struct purge_caps;
struct purge_hidden;
struct purge_health;
struct purge_tcg;
struct wipe_purge;

/* [{"method", "level", "standard", "capability"}] for each purge method c supports (table order). */
json_t *cert_json_purge_methods(const struct purge_caps *c);
/* {"method": "why not"} for each one it does not. */
json_t *cert_json_purge_refusals(const struct purge_caps *c);
/* {"examined": "yes"/"no", sectors, "hpa"/"dco"/"ama"/"restored": "yes"/"no", "note"}. */
json_t *cert_json_hidden_areas(const struct purge_hidden *h);
/* {"read": "yes"/"no", "source", and each value the drive reported}. */
json_t *cert_json_health(const struct purge_health *h);
/* What was sent and what the drive answered. */
/* A drive's TCG security subsystem as probed (Level 0 Discovery): self-encrypting or not, the class,
 * locking (the record's "self_encrypting" and `kesu list --json`'s "tcg"). */
json_t *cert_json_tcg(const struct purge_tcg *t);
json_t *cert_json_purge_report(const struct wipe_purge *p);
/* A purge's proof: the fingerprinted sectors' counts and both fingerprints (the record's
 * verification.proof, also `kesu wipe --json`'s). */
json_t *cert_json_proof(const struct verify_proof *p);

/* ---- the record ------------------------------------------------------------------------------- */

#define CERT_FORMAT         "kesu-disposal-certificate"
#define CERT_FORMAT_VERSION 1

/* What the operator and the appliance add to the results. Strings may be NULL (recorded as ""). */
struct cert_context {
        const char *operator_id; /* the sanitizer */
        const char *witness_id;  /* the validator */
        const char *asset_number;
        const char *class_label; /* confidentiality class before: "1", "2", "3", "3A", "3B", "3C" */
        const char *destination; /* internal-reuse, external-reuse, lease-return, recycling, destruction */
        const char *organization;
        const char *media_source;  /* where the medium came from (department, system) */
        const char *image_version; /* the boot image's version and build, when run from it */
        const char *image_build;
        const char *image_squashfs_sha256; /* its root file system's SHA-256, hashed at boot */
        /* From the disposal session (ui/session), recorded as given when not NULL: */
        const char *disposal_id;    /* the journal's id of this disposal (one certificate each) */
        const char *operator_name;  /* the people as the users file names them */
        const char *witness_name;
        const char *authentication; /* how both were authenticated: "passphrase+totp", or "none …" */
        const char *required_level; /* the session's decision (policy); NULL: the built-in rule */
        const char *achieved_level; /* "Clear", "Purge" or "none"; NULL: the built-in rule */
        const char *policy;         /* which policy rule decided, e.g. "policy.conf:12" */
        const char *extra_reason;   /* one more failure reason (e.g. "interrupted: …"); forces FAIL */
        /* The appliance has no network: who confirmed its clock against a reference, and when
         * ("yamada, 2026-12-02 16:40:00 JST"), recorded as times.clock_confirmed_by. */
        const char *clock_confirmation;
};

/* Valid values, for option checking and the auditor. */
bool cert_class_is_valid(const char *label);
bool cert_destination_is_valid(const char *destination);

/* "Clear" or "Purge": what NIST SP 800-88 and the national guideline require for the class before
 * sanitization (2 and above: Purge; 1: Clear) — "Clear" when the medium goes to destruction next. */
const char *cert_required_level(const char *class_label, const char *destination);

/*
 * Builds the record of one disposal as a JSON object of strings, integers, objects and arrays only
 * (no floats, no booleans: the canonical bytes must be the same everywhere). sequence, previous
 * hash and key id chain it into the appliance's ledger. v is NULL when verification did not run.
 * The result is PASS only when the wipe and (unless verify_mode is "none") the verification
 * passed and the achieved sanitization level meets the required one.
 */
int cert_record_build(const struct cert_context *ctx, const struct disk_info *disk,
                      const struct wipe_result *w, const struct verify_result *v, const char *verify_mode,
                      uint64_t sequence, const char *previous_hash, const char *key_id_hex, json_t **ret);

/* A JSON string of s for a record (NULL: ""): text that is not UTF-8 (a legacy disk label) becomes
 * "hex:" and its bytes in hex, losslessly. NULL on ENOMEM. */
json_t *cert_json_string_lossy(const char *s);

/* The canonical bytes: sorted keys, no insignificant white space, UTF-8, a final newline. */
int cert_canonical(const json_t *record, char **ret, size_t *ret_len);
/* "sha256:" + 64 hex digits of bytes. */
void cert_hash(const void *bytes, size_t len, char out[72]);

/* ---- the QR payload ------------------------------------------------------------------------------ */

/*
 * A compact, self-contained text for the QR code:
 *   KESU1|serial|seq|result|asset|disk serial|end UTC|record hash|key id|signature
 * fields percent-escaped ('|' and '%'), the hash and the Ed25519 signature (over everything before
 * the last '|') in unpadded base64url. The paper alone is checkable offline with the public key.
 */
int cert_qr_payload(const json_t *record, const char *record_hash, const struct cert_secret_key *k,
                    char **ret);

/* The most bytes of one text field (asset, disk serial…) the QR carries; longer ones are cut at a
 * character boundary, and the record's hash in the QR binds the full text. */
#define CERT_QR_FIELD_MAX_BYTES 64

struct cert_qr_fields {
        char serial[64], sequence[24], result[8], asset[128], disk_serial[128], ended_utc[40];
        char record_hash[72];
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
};

/* Parses and checks a payload. -EBADMSG malformed, -ENOKEY no key with its id, -EKEYREJECTED bad
 * signature. */
int cert_qr_verify(const char *payload, const struct cert_public_key *keys, size_t n_keys,
                   struct cert_qr_fields *ret);

/* ---- issuing: files and the ledger ------------------------------------------------------------ */

/*
 * The appliance's ledger: one line per certificate (sequence, serial, hash, previous hash, file),
 * rewritten whole to a temporary file, fsync'd and renamed into place, so a crash at any moment
 * leaves the old or the new ledger, never a torn one.
 *
 * Filing order, so that a crash at any point is recoverable at the next cert_issuer_open():
 *   CERT.json.minisig, CERT.json (each temp + fsync + rename) → the key registry's high-water
 *   mark → the ledger line → CERT.pdf.
 * At open, for this key's certificates in the certificate folder:
 *   - a CERT.json + .minisig that verifies and chains onto the ledger is adopted (note ADOPTED);
 *   - any other file named like a certificate after the last one ledgered (a signature without
 *     its record, a stray file) is moved — never deleted — to CERT_DIR/set-aside/NAME.<UTC time>
 *     (note SET_ASIDE);
 *   - this key's temporary files (KESU-<keyid>-*.tmp, LEDGER.tmp) are removed (note TMP_REMOVED);
 *   - a ledgered certificate whose .json is here but whose .pdf is not gets its PDF made again
 *     (note PDF_REMADE, or PDF_FAILED with the error).
 *
 * The ledger belongs to the key, not to a path: an appliance state folder (env KESU_STATE_DIR,
 * default CERT_STATE_DIR_DEFAULT, made 0700) holds keys/<keyid>.lock (flock'd while an issuer is
 * open) and keys/<keyid>.ledger, the key's registration: the canonical path of its ledger and the
 * highest sequence it has issued (the high-water mark). So one key never issues one sequence
 * number twice on one appliance, whichever path, symlink or copy of the key is used.
 */
#define CERT_STATE_DIR_DEFAULT "/var/lib/kesu"
#define CERT_SET_ASIDE_DIR     "set-aside"

/* Free space a folder needs before a wipe may start. A typical certificate set measured: record
 * 1.5 KB, signature 0.4 KB, PDF 1.0 MB (the CJK font goes in with it) — about 1 MB. 4x that (a
 * second page, long Japanese texts, the ledger's rewrite, a few parallel disks' certificates
 * while one job is running): 4 MiB, well above the 1 MiB floor. */
#define CERT_FILING_MIN_FREE_BYTES (4u * 1024 * 1024)
/* And for each further disk of one run: its certificate set with some room. */
#define CERT_FILING_BYTES_PER_CERTIFICATE (1536u * 1024)

struct cert_issuer;

/*
 * Can a certificate be filed in dir? Creates (O_EXCL, a random name), writes, fsyncs and removes a
 * probe file, then checks that CERT_FILING_MIN_FREE_BYTES + min_extra_bytes are free (statvfs,
 * space for unprivileged users). 0, or -ENOENT missing, -ENOTDIR not a folder, -EROFS read-only
 * file system, -EACCES no permission to write, -ENOSPC full (also out of quota or inodes). Nothing
 * is left behind.
 */
int cert_folder_probe(const char *dir, uint64_t min_extra_bytes);

/* The appliance state folder in use: $KESU_STATE_DIR, or CERT_STATE_DIR_DEFAULT. */
const char *cert_state_dir(void);

/* Makes sure the state folder and its keys/ folder exist (created 0700) and can be written.
 * -errno as the system said it (e.g. -EACCES for a user that may not create /var/lib/kesu,
 * -EROFS); the UI says which folder with cert_state_dir(). */
int cert_state_dir_check(void);

/*
 * The ledger a key should use when none is given: the one registered for it on this appliance
 * when that file still exists, else ledger.jsonl beside the real key file (symlinks resolved).
 * So a key used through a symlink or a copy finds its one ledger. *ret is malloc'd.
 */
int cert_ledger_default_path(const struct cert_secret_key *key, const char *key_path, char **ret);

/* What cert_issuer_open() (and cert_issue()) did to bring the filing back in order. */
enum cert_note_kind {
        CERT_NOTE_ADOPTED,     /* a certificate filed before a crash was taken into the ledger */
        CERT_NOTE_SET_ASIDE,   /* a half-filed or stray file was moved into set-aside/ */
        CERT_NOTE_TMP_REMOVED, /* a temporary file left by a crash was removed */
        CERT_NOTE_PDF_REMADE,  /* a missing PDF was made again from the signed record */
        CERT_NOTE_PDF_FAILED,  /* ... and could not be; error says why */
};

struct cert_note {
        enum cert_note_kind kind;
        char path[4096];     /* the file concerned (for SET_ASIDE: where it was) */
        char moved_to[4096]; /* SET_ASIDE: where it is now; else "" */
        int error;           /* PDF_FAILED: -errno */
        char text[512];      /* one line in English for the operator, e.g. "set aside stray file …" */
};

/*
 * Opens the ledger for issuing with key, filing into cert_dir. Before anything is written it
 * probes cert_dir and the ledger's folder (cert_folder_probe), locks and checks the key's
 * registration, loads the ledger and brings the filing back in order (see above; each action is a
 * note). Errors, nothing written and no issuer made:
 *   -ENOENT / -ENOTDIR / -EROFS / -EACCES / -ENOSPC  cert_dir or the ledger's folder cannot take a
 *                       certificate (the UI tells which by calling cert_folder_probe() itself)
 *   -EBUSY     another issuer has this key or this ledger open
 *   -EBADMSG   the ledger does not chain (damaged); it is left as it is
 *   -EXDEV     this key's ledger on this appliance is another file, which still exists
 *              (cert_ledger_default_path() finds it)
 *   -ESTALE    the ledger ends before the key's high-water mark, and the certificate folder does
 *              not hold the missing certificates: it was truncated, deleted or replaced by an
 *              older copy; issuing would repeat sequence numbers
 *   -ENOLCK    the state folder cannot be used (cert_state_dir_check() says why)
 */
int cert_issuer_open(const char *cert_dir, const char *ledger_path, struct cert_secret_key *key,
                     struct cert_issuer **ret);
struct cert_issuer *cert_issuer_free(struct cert_issuer *is);

/* The notes so far, oldest first (cert_issue() may add SET_ASIDE ones); valid until the next
 * cert_issue() or cert_issuer_free(). The UI prints one line each (note->text). */
const struct cert_note *cert_issuer_notes(struct cert_issuer *is, size_t *ret_n);

#define CERT_MAX_REASONS 8

struct cert_issued {
        char serial[64];
        uint64_t sequence;
        char hash[72];
        char json_path[4096];
        char sig_path[4096];
        char pdf_path[4096]; /* "" when no PDF was made */
        int pdf_error;       /* -errno when the PDF could not be made (the certificate is filed) */
        char qr_payload[1024];
        char result[8];     /* "PASS" / "FAIL" */
        size_t n_set_aside; /* files that were in this certificate's way, set aside (see the notes) */
        char reasons[CERT_MAX_REASONS][256]; /* a FAIL's reasons, as the record states them */
        size_t n_reasons;
};

/* Builds, signs and files one certificate (thread-safe: parallel jobs share an issuer). -errno
 * only when nothing was filed; a PDF that failed is reported in ret->pdf_error. A file already
 * named like the new certificate never stops it: it is set aside (a note) and the certificate
 * filed. */
int cert_issue(struct cert_issuer *is, const struct cert_context *ctx, const struct disk_info *disk,
               const struct wipe_result *w, const struct verify_result *v, const char *verify_mode,
               bool is_pdf, struct cert_issued *ret);

/*
 * Makes the PDF of a filed certificate again from its signed record (json_path, with its .minisig
 * beside it, signed by the issuer's key): the QR payload is recomputed and signed with the
 * unlocked key. The PDF goes beside the record (CERT.pdf), never replacing one (-EEXIST).
 * -EKEYREJECTED / -ENOKEY / -EBADMSG when the record is not a valid certificate of this key.
 * *ret_pdf_path (may be NULL) is malloc'd.
 */
int cert_pdf_remake(struct cert_issuer *is, const char *json_path, char **ret_pdf_path);

/* Copies a filed certificate's signature, record and PDF (when made) into dir, each written
 * atomically; identical files already there are accepted, different ones never replaced
 * (-EEXIST). -errno on the first failure (e.g. -ENOSPC: a full export stick), with the file that
 * failed in *ret_failed_file; the certificate stays filed where it was issued. After a success the
 * auditor's page goes beside it too (by cert_export_file()'s rules: never replacing another page;
 * its failure fails nothing — the certificates still check with kesu or minisign). */
int cert_export(const struct cert_issued *issued, const char *dir, const char **ret_failed_file);

/* The files of one certificate, in the order they are copied (a record never arrives before its
 * signature). */
enum cert_export_part {
        CERT_EXPORT_SIGNATURE, /* CERT.json.minisig */
        CERT_EXPORT_RECORD,    /* CERT.json */
        CERT_EXPORT_PDF,       /* CERT.pdf */
        CERT_EXPORT_N_PARTS,
};

enum cert_export_status {
        CERT_EXPORT_COPIED,    /* written now (temp file, fsync, rename without replacing) */
        CERT_EXPORT_IDENTICAL, /* already there, byte for byte: left alone */
        CERT_EXPORT_DIFFERS,   /* another file of that name is there: never replaced */
        CERT_EXPORT_FAILED,    /* could not be copied: error */
        CERT_EXPORT_MISSING,   /* not in the certificate folder, nor there (a PDF not made yet) */
        CERT_EXPORT_KEPT,      /* not in the certificate folder, but there: left alone */
        CERT_EXPORT_NOT_TRIED, /* not copied: the certificate is half-filed, an earlier file of it
                                * differs or failed, or the export stopped */
};

struct cert_export_file {
        char name[96]; /* the file's name, in both folders */
        enum cert_export_status status;
        int error;                 /* FAILED: -errno */
        bool is_destination_error; /* FAILED: writing to the export folder failed (else reading) */
};

struct cert_export_entry {
        char serial[64];
        size_t index, n_certificates; /* this is certificate index (0-based) of n_certificates */
        bool is_half_filed;           /* the record or its signature is missing: nothing copied */
        struct cert_export_file files[CERT_EXPORT_N_PARTS];
};

typedef void (*cert_export_report_fn)(const struct cert_export_entry *e, void *userdata);

/*
 * Copies every certificate filed in cert_dir (its regular files named exactly
 * KESU-<key id>-<sequence>.json, .json.minisig and .pdf; not set-aside/, temporary or stray files)
 * into export_dir, in sequence order, as cert_export() does: identical files already there are
 * left alone, a different one is never replaced. A certificate without its PDF is copied without
 * it. report() is called once per certificate, after its files were handled.
 * 0 when every certificate was tried (whatever each one's outcome); -ENOENT / -ENOTDIR when either
 * folder is missing or not a folder (nothing done); when writing to export_dir fails (-ENOSPC full,
 * -EROFS, -EACCES, -EIO…) the run stops there with that -errno, after reporting the certificate
 * concerned — a signature copied without its record is taken back, nothing in cert_dir is touched,
 * and a later run continues where this one stopped.
 */
int cert_export_folder(const char *cert_dir, const char *export_dir, cert_export_report_fn report,
                       void *userdata);

/* Copies the file src into dir as name (the auditor's page beside the certificates) by the same
 * rules: written atomically, never replacing. 0 copied, 1 the same bytes were already there,
 * -EEXIST a different file of that name is there (left alone), other -errno with
 * *ret_is_destination telling whether writing to dir failed (else reading src). */
int cert_export_file(const char *src, const char *dir, const char *name, bool *ret_is_destination);

/* The auditor's page (web/: one HTML file that checks a folder of certificates in a browser), as
 * `meson install` puts it with the image's prefix /usr or the default /usr/local; the environment's
 * KESU_VERIFY_PAGE names another ("" for none). NULL when there is none. */
#define CERT_VERIFY_PAGE_NAME "kesu-verify.html"
const char *cert_verify_page(void);

/* ---- the PDF and printing ---------------------------------------------------------------------- */

/* Renders the certificate as an A4 PDF (Japanese and English, result first, QR ≥ 35 mm). Code
 * points the fonts or cairo cannot take (noncharacters such as U+FFFF, controls) are shown as
 * "<U+FFFF>": the signed record stays the truth, the PDF shows it visibly. The text is set in VL
 * PGothic (Debian's fonts-vlgothic), embedded as a subset: a certificate is about 70 KB.
 * -ENOPKG when that font is not installed (no stand-in is taken). */
int cert_pdf_write(const json_t *record, const char *qr_payload, const char *key_fingerprint,
                   const char *path);

/* Prints a PDF through CUPS to printer (NULL: the default). Returns the job id. */
int cert_print(const char *pdf_path, const char *printer, const char *title, int *ret_job_id);

/* ---- the auditor ------------------------------------------------------------------------------ */

enum cert_finding_kind {
        CERT_OK,
        CERT_BAD_SIGNATURE, /* altered record or signature */
        CERT_UNKNOWN_KEY,
        CERT_MALFORMED,        /* truncated, not JSON, not canonical, missing signature */
        CERT_COMMENT_MISMATCH, /* the trusted comment does not match the record */
        CERT_GAP,              /* a sequence number is missing */
        CERT_DUPLICATE,        /* a sequence number appears twice */
        CERT_FORK,             /* two certificates claim the same predecessor */
        CERT_BROKEN_CHAIN,     /* previous hash does not match the predecessor */
        CERT_FAILED_DISPOSAL,  /* a valid certificate that records a FAIL */
        CERT_ORPHAN,           /* half-filed: a record, signature or PDF without its partner */
        CERT_STRAY,            /* a file named like a certificate (KESU-…) that is none of its forms */
        CERT_LEFTOVER_TEMP,    /* a *.tmp left by an interrupted write */
        CERT_MISSING_PDF,      /* warning: a valid certificate without its PDF (the record is the truth) */
        CERT_SET_ASIDE,        /* warning: a file the issuer set aside (set-aside/ or quarantine/) */
        CERT_WRONG_KEY,        /* signed by a given key, but not the one the record and serial claim */
        CERT_COPY,             /* the same certificate in another folder (cert dir and export stick) */
        CERT_LEDGER_MISMATCH,  /* a certificate of a sequence the ledger names with another hash */
};

/* How a finding counts: only problems make the check fail. */
enum cert_finding_severity {
        CERT_SEVERITY_OK,      /* CERT_OK, CERT_COPY */
        CERT_SEVERITY_FAIL,    /* CERT_FAILED_DISPOSAL: valid, but the disk was not sanitized */
        CERT_SEVERITY_WARNING, /* CERT_MISSING_PDF, CERT_SET_ASIDE: printed and counted, no evidence lost */
        CERT_SEVERITY_PROBLEM, /* everything else */
};

struct cert_finding {
        enum cert_finding_kind kind;
        char *subject; /* file or sequence concerned */
        char *message;
        size_t record; /* 1 + the index in cert_audit.records of the certificate it is about; 0 when
                        * it is about no one record (a key's chain, a folder, a stray file) */
};

/* What `kesu cert report` shows of a record, as the record states it (unverified unless the
 * record is_valid); "" for what it lacks. One allocation: free() it. */
struct cert_report_fields {
        const char *date_jst;    /* the disposal's end, ISO 8601 with +09:00 */
        const char *class_label; /* confidentiality.before */
        const char *destination;
        const char *method;         /* sanitization.method */
        const char *level;          /* sanitization.achieved_level */
        const char *required_level; /* sanitization.required_level */
        const char *result;         /* what the record says: "PASS" / "FAIL" */
        const char *operator_id, *witness_id, *operator_name, *witness_name;
        const char *organization;
        const char *disk_model, *disk_serial;
        const char *key_id;      /* appliance_key_id */
        int64_t capacity_bytes;  /* media.capacity_bytes; -1 when the record has none */
};

/* One *.json the auditor read, valid or not (for the FAIL list and for matching a QR). */
struct cert_audit_record {
        char *path;
        char *serial;          /* NULL when the file is not a readable record */
        char *asset;           /* "" when none */
        char *failure_reasons; /* the record's reasons joined with "; ", "" when none */
        char hash[72];         /* of the file's bytes */
        uint64_t sequence;
        bool is_valid;
        bool is_pass;
        /* the worst finding about this file: PROBLEM, WARNING, FAIL (a valid FAIL certificate) or OK */
        enum cert_finding_severity severity;
        struct cert_report_fields *report; /* with is_report (cert_audit_check()); else NULL */
};

/* What the chain check covered for one key. Certificates outside [checked_from, checked_to] were
 * not required: a folder of one month is a part of the chain, not a broken chain. */
struct cert_audit_chain {
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        uint64_t first, last; /* the lowest and highest sequence of its valid certificates; 0 if none */
        /* The set's range: from the lowest to the highest sequence given for the key (a record that
         * did not verify still counts where it claims to be), from 1 when the whole chain is
         * required (complete, a ledger), to the ledger's last when that is higher. */
        uint64_t checked_from, checked_to;
        uint64_t ledger_last;  /* this key's last sequence in the ledger; 0 without one */
        uint64_t n_missing;    /* sequences in the checked range without a valid certificate */
        size_t n_valid;        /* its valid certificates (copies included) */
        bool is_complete;      /* the chain was required from sequence 1 */
};

struct cert_audit {
        struct cert_finding *findings;
        size_t n_findings;
        size_t n_certificates;
        size_t n_valid;
        size_t n_problems; /* findings of CERT_SEVERITY_PROBLEM */
        size_t n_warnings; /* findings of CERT_SEVERITY_WARNING */
        size_t n_pass;     /* valid certificates that record a PASS */
        size_t n_fail;     /* valid certificates that record a FAIL */
        struct cert_audit_record *records;
        size_t n_records;
        struct cert_audit_chain *chains; /* one per key, in key id order */
        size_t n_chains;
};

struct cert_audit_options {
        /* Require the whole chain from sequence 1 (`--complete`); by default certificates before
         * the first and after the last given are outside the set, only gaps inside it count. */
        bool is_complete;
        /* The appliance's ledger (ledger.jsonl): the chain of each of its keys must run from 1 to
         * its last sequence, and a certificate of a sequence it names must have the hash it names. */
        const char *ledger_path;
        /* Fill each record's report fields (kesu cert report). */
        bool is_report;
        /* Files checked at once (parse, canonical form, signature); 0: one per CPU online. The
         * findings come in the same order whatever the number. */
        unsigned n_threads;
};

/*
 * Checks certificate files (CERT.json with CERT.json.minisig beside it) and folders of them: each
 * record, the files around it (half-filed, stray and temporary files, missing PDFs, what the
 * issuer set aside in set-aside/ or quarantine/), and across everything given the chain and the
 * serials (a serial issued twice; the same certificate in two folders is a copy, not a problem).
 */
int cert_audit_paths(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     struct cert_audit *ret);
/* The same with options (NULL: the defaults). Time and memory grow as n log n in the number of
 * certificates; memory holds a few small facts per certificate, never its whole record.
 * -EBADMSG when opts->ledger_path is not a kesu ledger, -errno when it cannot be read. */
int cert_audit_check(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     const struct cert_audit_options *opts, struct cert_audit *ret);
void cert_audit_done(struct cert_audit *a);
const char *cert_finding_kind_to_string(enum cert_finding_kind k);
enum cert_finding_severity cert_finding_severity(enum cert_finding_kind k);

enum cert_qr_match {
        CERT_QR_NOT_FOUND, /* no record of that serial or hash among those read */
        CERT_QR_MATCH,     /* a record with exactly the hash the paper carries */
        CERT_QR_DIFFERENT, /* a record of that serial (or file name) whose bytes differ */
};

/* Which record read by the audit the QR payload names. *ret_record is set unless NOT_FOUND. */
enum cert_qr_match cert_audit_match_qr(const struct cert_audit *a, const struct cert_qr_fields *f,
                                       const struct cert_audit_record **ret_record);
