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

/* Unlocks a secret key file. -ENOENT missing, -EPERM readable by group/others (mode must be 0600
 * or stricter), -EBADMSG not a kesu key file (or truncated), -EACCES wrong passphrase. */
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
 * leaves the old or the new ledger, never a torn one. Certificate files are written the same way
 * before the ledger names them; a certificate written just before a crash is found and adopted
 * the next time the ledger is opened.
 */
struct cert_issuer;

int cert_issuer_open(const char *cert_dir, const char *ledger_path, struct cert_secret_key *key,
                     struct cert_issuer **ret);
struct cert_issuer *cert_issuer_free(struct cert_issuer *is);

struct cert_issued {
        char serial[64];
        uint64_t sequence;
        char hash[72];
        char json_path[4096];
        char sig_path[4096];
        char pdf_path[4096]; /* "" when no PDF was made */
        int pdf_error;       /* -errno when the PDF could not be made (the certificate is filed) */
        char qr_payload[1024];
        char result[8]; /* "PASS" / "FAIL" */
};

/* Builds, signs and files one certificate (thread-safe: parallel jobs share an issuer). -errno
 * only when nothing was filed; a PDF that failed is reported in ret->pdf_error. */
int cert_issue(struct cert_issuer *is, const struct cert_context *ctx, const struct disk_info *disk,
               const struct wipe_result *w, const struct verify_result *v, const char *verify_mode,
               bool is_pdf, struct cert_issued *ret);

/* Copies a filed certificate's signature, record and PDF (when made) into dir, each written
 * atomically; identical files already there are accepted, different ones never replaced
 * (-EEXIST). -errno on the first failure (e.g. -ENOSPC: a full export stick), with the file that
 * failed in *ret_failed_file; the certificate stays filed where it was issued. */
int cert_export(const struct cert_issued *issued, const char *dir, const char **ret_failed_file);

/* ---- the PDF and printing ---------------------------------------------------------------------- */

/* Renders the certificate as an A4 PDF (Japanese and English, result first, QR ≥ 35 mm). */
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
};

struct cert_finding {
        enum cert_finding_kind kind;
        char *subject; /* file or sequence concerned */
        char *message;
};

struct cert_audit {
        struct cert_finding *findings;
        size_t n_findings;
        size_t n_certificates;
        size_t n_valid;
        size_t n_problems; /* findings other than CERT_OK and CERT_FAILED_DISPOSAL */
};

/* Checks certificate files (CERT.json with CERT.json.minisig beside it) and folders of them. */
int cert_audit_paths(char *const *paths, size_t n_paths, const struct cert_public_key *keys, size_t n_keys,
                     struct cert_audit *ret);
void cert_audit_done(struct cert_audit *a);
const char *cert_finding_kind_to_string(enum cert_finding_kind k);
