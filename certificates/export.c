/* SPDX-License-Identifier: MIT */
/*
 * Exporting filed certificates (record, signature, PDF) to another directory — the export stick.
 * The certificate stays filed where the issuer put it; an export that fails (a full or missing
 * stick) loses nothing and can be repeated: what is already there, byte for byte, is left alone,
 * and a different file of the same name is never replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates.h"
#include "common.h"

/* What is at dst compared with data: 0 nothing there, 1 the same bytes, -EEXIST something else
 * (also a folder or anything that cannot be read as a file: it is never replaced). */
static int compare_existing(const char *dst, const char *data, size_t len)
{
        struct stat st;
        if (lstat(dst, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
                return -EEXIST;
        _cleanup_free_ char *there = NULL;
        size_t there_len;
        int r = read_full_file(dst, &there, &there_len);
        if (r < 0)
                return r;
        return there_len == len && memcmp(there, data, len) == 0 ? 1 : -EEXIST;
}

/* Copies src to dst (atomically, never replacing). 0 copied, 1 identical already there, -EEXIST a
 * different file is there; other -errno with *ret_is_destination telling which side failed. */
static int export_file_to(const char *src, const char *dst, bool *ret_is_destination)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        *ret_is_destination = false;
        int r = read_full_file(src, &data, &len);
        if (r < 0)
                return r;
        *ret_is_destination = true;
        /* Look before writing: a re-run over a full stick must not fail on files already there. */
        r = compare_existing(dst, data, len);
        if (r != 0)
                return r;
        r = write_file_atomic(dst, data, len, false);
        if (r == -EEXIST) /* it appeared meanwhile (another export): the same bytes are fine */
                return compare_existing(dst, data, len);
        return r;
}

int cert_export_file(const char *src, const char *dir, const char *name, bool *ret_is_destination)
{
        char dst[PATH_MAX];
        bool is_destination = true;
        int r = snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst ? -ENAMETOOLONG
                                                                                  : export_file_to(src, dst, &is_destination);
        if (ret_is_destination)
                *ret_is_destination = is_destination;
        return r;
}

static const char *const verify_page_paths[] = { "/usr/share/kesu/" CERT_VERIFY_PAGE_NAME,
                                                 "/usr/local/share/kesu/" CERT_VERIFY_PAGE_NAME };

const char *cert_verify_page(void)
{
        const char *env = getenv("KESU_VERIFY_PAGE");
        if (env)
                return *env ? env : NULL;
        for (size_t i = 0; i < ELEMENTSOF(verify_page_paths); i++)
                if (access(verify_page_paths[i], R_OK) == 0)
                        return verify_page_paths[i];
        return NULL;
}

/* The auditor's page into dir beside the certificates: as cert_export_file(), or -ENOPKG when none
 * is installed. */
static int export_verify_page(const char *dir)
{
        const char *page = cert_verify_page();
        return page ? cert_export_file(page, dir, CERT_VERIFY_PAGE_NAME, NULL) : -ENOPKG;
}

/* Copies one file into dir under its own name. */
static int export_file(const char *src, const char *dir)
{
        const char *base = strrchr(src, '/');
        int r = cert_export_file(src, dir, base ? base + 1 : src, NULL);
        return r < 0 ? r : 0;
}

int cert_export(const struct cert_issued *issued, const char *dir, const char **ret_failed_file)
{
        /* the signature before the record, as when filing: a record never appears without it */
        const char *files[] = { issued->sig_path, issued->json_path, issued->pdf_path };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                if (!files[i][0])
                        continue;
                int r = export_file(files[i], dir);
                if (r < 0) {
                        if (ret_failed_file)
                                *ret_failed_file = files[i];
                        return r;
                }
        }
        (void)export_verify_page(dir);
        return 0;
}

/* ---- a whole folder ----------------------------------------------------------------------------- */

/* In copying order: the signature before the record, the PDF last. */
static const char *const part_suffixes[CERT_EXPORT_N_PARTS] = {
        [CERT_EXPORT_SIGNATURE] = ".json.minisig",
        [CERT_EXPORT_RECORD] = ".json",
        [CERT_EXPORT_PDF] = ".pdf",
};

struct found_cert {
        char key_id[2 * CERT_KEY_ID_BYTES + 1];
        uint64_t sequence;
        char serial[64];
        bool has_part[CERT_EXPORT_N_PARTS];
};

/* "KESU-<16 upper-case hex digits>-<decimal sequence>" followed by one of the parts' suffixes,
 * nothing else: temporary files, set-aside copies and other strays are not certificates. */
static bool parse_cert_name(const char *name, struct found_cert *ret, enum cert_export_part *ret_part)
{
        if (strncmp(name, "KESU-", 5) != 0)
                return false;
        const char *p = name + 5;
        for (size_t i = 0; i < 2 * CERT_KEY_ID_BYTES; i++)
                if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'F')))
                        return false;
        if (p[2 * CERT_KEY_ID_BYTES] != '-')
                return false;
        const char *digits = p + 2 * CERT_KEY_ID_BYTES + 1;
        size_t n_digits = strspn(digits, "0123456789");
        if (n_digits == 0 || n_digits > 19)
                return false;
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++) {
                if (strcmp(digits + n_digits, part_suffixes[k]) != 0)
                        continue;
                memcpy(ret->key_id, p, 2 * CERT_KEY_ID_BYTES);
                ret->key_id[2 * CERT_KEY_ID_BYTES] = 0;
                ret->sequence = strtoull(digits, NULL, 10);
                snprintf(ret->serial, sizeof ret->serial, "%.*s", (int)(digits + n_digits - name), name);
                *ret_part = (enum cert_export_part)k;
                return true;
        }
        return false;
}

static int found_cert_compare(const void *a, const void *b)
{
        const struct found_cert *x = a, *y = b;
        int c = strcmp(x->key_id, y->key_id);
        if (c != 0)
                return c;
        if (x->sequence != y->sequence)
                return x->sequence < y->sequence ? -1 : 1;
        return strcmp(x->serial, y->serial); /* "…-7" and "…-000007": both kept, in a fixed order */
}

/* The certificates in dir (its regular files named like one), one entry per serial, sorted. */
static int list_certificates(const char *dir, struct found_cert **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return -errno;
        _cleanup_free_ struct found_cert *certs = NULL;
        size_t n = 0, allocated = 0;
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }
                struct found_cert f = { 0 };
                enum cert_export_part part;
                if (!parse_cert_name(de->d_name, &f, &part))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (n == allocated) {
                        allocated = allocated ? 2 * allocated : 64;
                        struct found_cert *grown = realloc(certs, allocated * sizeof *certs);
                        if (!grown)
                                return -ENOMEM;
                        certs = grown;
                }
                f.has_part[part] = true;
                certs[n++] = f;
        }
        /* one entry per file so far: sort, then merge the files of each serial */
        if (n > 0)
                qsort(certs, n, sizeof *certs, found_cert_compare);
        size_t n_merged = 0;
        for (size_t i = 0; i < n; i++) {
                if (n_merged > 0 && strcmp(certs[n_merged - 1].serial, certs[i].serial) == 0) {
                        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++)
                                certs[n_merged - 1].has_part[k] |= certs[i].has_part[k];
                        continue;
                }
                certs[n_merged++] = certs[i];
        }
        n = n_merged;
        *ret = TAKE_PTR(certs);
        *ret_n = n;
        return 0;
}

/* A write that failed on the export folder itself (full, read-only, pulled out) ends the run: the
 * next certificates would only fail the same way. A source that cannot be read is that file's. */
static int export_one(const char *cert_dir, const char *export_dir, const struct found_cert *c,
                      struct cert_export_entry *e)
{
        int stop = 0;
        /* Half-filed (a record without its signature or the reverse, a PDF alone): not a certificate
         * anyone could check; the issuer sets it aside at its next start. Nothing of it is copied. */
        e->is_half_filed = !c->has_part[CERT_EXPORT_SIGNATURE] || !c->has_part[CERT_EXPORT_RECORD];
        bool is_blocked = e->is_half_filed; /* a file differs or failed: the later ones are not copied */
        for (size_t k = 0; k < CERT_EXPORT_N_PARTS; k++) {
                struct cert_export_file *f = &e->files[k];
                snprintf(f->name, sizeof f->name, "%s%s", c->serial, part_suffixes[k]);
                char src[PATH_MAX], dst[PATH_MAX];
                if (snprintf(src, sizeof src, "%s/%s", cert_dir, f->name) >= (int)sizeof src ||
                    snprintf(dst, sizeof dst, "%s/%s", export_dir, f->name) >= (int)sizeof dst) {
                        f->status = CERT_EXPORT_FAILED;
                        f->error = -ENAMETOOLONG;
                        is_blocked = true;
                        continue;
                }
                struct stat st;
                bool is_there = lstat(dst, &st) == 0;
                if (!c->has_part[k]) {
                        f->status = is_there ? CERT_EXPORT_KEPT : CERT_EXPORT_MISSING;
                        continue;
                }
                if (is_blocked || stop < 0) {
                        /* not copied, but a different file already there is still worth telling */
                        f->status = CERT_EXPORT_NOT_TRIED;
                        _cleanup_free_ char *data = NULL;
                        size_t len;
                        if (is_there && stop == 0 && read_full_file(src, &data, &len) >= 0 &&
                            compare_existing(dst, data, len) == -EEXIST)
                                f->status = CERT_EXPORT_DIFFERS;
                        continue;
                }
                bool is_destination;
                int r = export_file_to(src, dst, &is_destination);
                if (r == 0)
                        f->status = CERT_EXPORT_COPIED;
                else if (r == 1)
                        f->status = CERT_EXPORT_IDENTICAL;
                else if (r == -EEXIST)
                        f->status = CERT_EXPORT_DIFFERS;
                else {
                        f->status = CERT_EXPORT_FAILED;
                        f->error = r;
                        f->is_destination_error = is_destination;
                        if (is_destination)
                                stop = r;
                }
                is_blocked = f->status == CERT_EXPORT_DIFFERS || f->status == CERT_EXPORT_FAILED;
        }
        /* A signature copied now whose record could not follow would be an orphan on the stick: take
         * it back (it is ours, just written), so the stick holds whole certificates only. */
        struct cert_export_file *sig = &e->files[CERT_EXPORT_SIGNATURE],
                                *rec = &e->files[CERT_EXPORT_RECORD];
        if (sig->status == CERT_EXPORT_COPIED && rec->status != CERT_EXPORT_COPIED &&
            rec->status != CERT_EXPORT_IDENTICAL) {
                char dst[PATH_MAX];
                snprintf(dst, sizeof dst, "%s/%s", export_dir, sig->name);
                if (unlink(dst) == 0) {
                        sig->status = CERT_EXPORT_NOT_TRIED;
                        _cleanup_close_ int dfd = open(export_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0)
                                (void)fsync(dfd);
                }
        }
        return stop;
}

int cert_export_folder(const char *cert_dir, const char *export_dir, cert_export_report_fn report,
                       void *userdata)
{
        const char *dirs[] = { cert_dir, export_dir };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                struct stat st;
                if (stat(dirs[i], &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
        }
        _cleanup_free_ struct found_cert *certs = NULL;
        size_t n = 0;
        int r = list_certificates(cert_dir, &certs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct cert_export_entry e = { .index = i, .n_certificates = n };
                snprintf(e.serial, sizeof e.serial, "%s", certs[i].serial);
                r = export_one(cert_dir, export_dir, &certs[i], &e);
                if (report)
                        report(&e, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
