/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * common: the bottom layer. Helpers that more than one module needs — cleanup attributes, small
 * string and file helpers. Uses nothing else of kesu; quiet like every engine module.
 */

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

#define _cleanup_(x)     __attribute__((cleanup(x)))
#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_close_  _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hands ownership out of a cleanup variable: returns its value and leaves NULL/-1 behind. */
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _p_ = (p);                                                                    \
                (p) = NULL;                                                                                 \
                _p_;                                                                                        \
        })
#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd_ = (fd);                                                                            \
                (fd) = -1;                                                                                  \
                _fd_;                                                                                       \
        })

static inline bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        for (; *a && *a == *b; a++, b++)
                ;
        return *a == *b;
}

/* Reads a small text file (sysfs attribute, /proc entry) whole, without the trailing newlines.
 * Returns 0 and a malloc'd string in *ret, or a negative errno. */
int read_one_line_file(const char *path, char **ret);

/* Reads a whole file into a malloc'd, NUL-terminated buffer; *ret_size excludes the NUL. */
int read_full_file(const char *path, char **ret, size_t *ret_size);

/* Writes path whole: a temporary file (path.tmp), fsync, rename — refusing to replace an existing
 * file (-EEXIST) unless is_replace — then fsync of the directory. A crash leaves the old file or
 * the new one; a failure (e.g. -ENOSPC) removes the temporary file. */
int write_file_atomic(const char *path, const void *data, size_t len, bool is_replace);

/* Parses a decimal unsigned 64-bit number that must fill the whole string. */
int parse_u64(const char *s, uint64_t *ret);

/* Strips leading and trailing white space in place; returns s. */
char *strstrip(char *s);

/* strdup of s with leading/trailing white space removed; NULL (and no allocation) when the result
 * would be empty or s is NULL. Sets errno ENOMEM on allocation failure. */
char *strdup_stripped_or_null(const char *s);

/* Decodes udev's \xHH escapes (ID_MODEL_ENC, ID_VENDOR_ENC) into a new string. */
char *udev_unescape(const char *s);

/* Nanoseconds on CLOCK_REALTIME / CLOCK_MONOTONIC / CLOCK_BOOTTIME (the clock of a process's
 * start time in /proc/PID/stat). */
int64_t now_realtime_ns(void);
int64_t now_monotonic_ns(void);
int64_t now_boottime_ns(void);

/* ---- text people read (text.c) ----------------------------------------------------------------- */

/* Controls, bidirectional embeddings/overrides/isolates, zero-width and other invisible format
 * characters, noncharacters, private use: code points that could make printed text read
 * differently from the signed bytes. */
bool text_is_hidden_code_point(uint32_t cp);

/* Checks text typed by a person: 0 when s is well-formed UTF-8 with no hidden code point and at
 * most max_bytes long; -EILSEQ not UTF-8, -EINVAL a hidden code point (its byte offset in
 * *ret_bad_offset, when not NULL), -E2BIG too long. */
int text_check(const char *s, size_t max_bytes, size_t *ret_bad_offset);

/* A malloc'd copy of s for display: bytes that are not UTF-8 become "\xHH", hidden code points
 * "<U+202E>" (line breaks stay: they are visible). NULL for NULL or on ENOMEM. */
char *text_escape_visible(const char *s);

/* The length of the longest prefix of s that is at most max_bytes long and does not cut a UTF-8
 * sequence in two. */
size_t text_utf8_prefix(const char *s, size_t max_bytes);

/* Reads a small secret file (a passphrase) of at most max_bytes: a regular file, or a FIFO or
 * pipe whose writer must deliver within timeout_ms (-ETIMEDOUT otherwise, rather than waiting
 * forever for a writer that never comes); -EFBIG when longer. The caller wipes and frees *ret. */
int read_secret_file(const char *path, size_t max_bytes, int timeout_ms, char **ret, size_t *ret_size);
