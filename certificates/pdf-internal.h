/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The certificate PDF's internals: pdf-rows.c reads the record (defensively) and turns it into the
 * label/value rows of the six sections; pdf.c lays the page out and draws it. Both read the record
 * with the same helpers, and both show a value that is missing or empty as DASH.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define DASH "—"

/* One line of a section: a header (label only) or a label/value row. */
struct pdf_row {
        bool is_header;
        char *label;
        char *value;
        double height; /* set by the layout */
};

struct pdf_rows {
        struct pdf_row *items;
        size_t n, allocated;
        int error; /* the first allocation failure; reported once at the end */
};

/* ---- the record, read defensively ------------------------------------------------------------- */

/* snprintf that, when it cuts the text short, never leaves half a UTF-8 character at the end */
void pdf_bprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Follows a dotted path ("media.model") through objects; NULL when any step is missing. */
const json_t *pdf_jget(const json_t *o, const char *path);

/* A non-empty string value, or NULL. */
const char *pdf_jstr(const json_t *o, const char *path);

/* An integer value (or a decimal string of one) into *ret; false, and *ret untouched, otherwise. */
bool pdf_jint(const json_t *o, const char *path, json_int_t *ret);

/* The value as text: a string as it is, an integer grouped ("1,234,567", written into buf),
 * anything else NULL. */
void pdf_jtext(const json_t *o, const char *path, char buf[32], const char **ret);

/* s, or DASH when it is NULL or empty. */
const char *pdf_or_dash(const char *s);

/* Japanese beside the record's own word, for the small vocabularies the record uses; NULL for any
 * other word. */

/* "2026-11-23T19:00:00+09:00" → "2026-11-23 19:00:00 JST" (zone_suffix "+09:00", zone "JST");
 * anything unexpected as it is, DASH for NULL. */
void pdf_format_time(const char *s, const char *zone_suffix, const char *zone, char out[64]);

/* ---- rows --------------------------------------------------------------------------------------- */

/* The rows of the six sections (media, asset, sanitization, verification, work, signature), from
 * the record. Returns 0 or -ENOMEM; *ret is left untouched on failure. */
int pdf_rows_from_record(const json_t *record, const char *key_fingerprint, struct pdf_rows *ret);

/* Frees the rows and empties *t. */
void pdf_rows_done(struct pdf_rows *t);
