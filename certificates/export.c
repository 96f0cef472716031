/* SPDX-License-Identifier: MIT */
/*
 * Exporting a filed certificate (record, signature, PDF) to another directory — the export stick.
 * The certificate stays filed where the issuer put it; an export that fails (a full or missing
 * stick) loses nothing and can be repeated.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "certificates.h"
#include "common.h"

/* Copies one file into dir under its own name. An identical file already there is fine (a repeated
 * export); a different one is never replaced (-EEXIST). */
static int export_file(const char *src, const char *dir)
{
        const char *base = strrchr(src, '/');
        base = base ? base + 1 : src;
        char dst[PATH_MAX];
        if (snprintf(dst, sizeof dst, "%s/%s", dir, base) >= (int)sizeof dst)
                return -ENAMETOOLONG;
        _cleanup_free_ char *data = NULL, *there = NULL;
        size_t len, there_len;
        int r = read_full_file(src, &data, &len);
        if (r < 0)
                return r;
        r = write_file_atomic(dst, data, len, false);
        if (r == -EEXIST && read_full_file(dst, &there, &there_len) >= 0 && there_len == len &&
            memcmp(there, data, len) == 0)
                return 0;
        return r;
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
        return 0;
}
