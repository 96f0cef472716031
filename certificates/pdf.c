/* SPDX-License-Identifier: MIT */
/*
 * The certificate as an A4 PDF: cairo draws, pango sets every piece of text (Japanese and English in
 * VL PGothic), libqrencode makes the QR code. The result comes first, in a coloured band;
 * the QR code sits beside a short summary right under it, so both are always on page 1. The six
 * sections follow in two columns, row by row, onto a second page when they do not fit. The page is
 * laid out twice: once into nothing to count the pages ("page 1 / 2"), then into the file.
 *
 * Everything shown comes from the record; a value that is missing or empty shows as "—". The rows
 * of the six sections come from pdf-rows.c; this file lays them out and draws them.
 *
 * The font is a TrueType (glyf) one because cairo embeds only the glyphs a page uses from those: a
 * certificate is about 70 KB. Noto Sans CJK, an OpenType/CFF collection, made 1-2 MB files: cairo
 * 1.16 keeps every subroutine of a CFF font once it fails to follow one glyph's charstring, which
 * happens for some sets of glyphs, and even a subset it follows costs about 60 KB a weight. VL
 * PGothic has no bold: the bold text is emboldened, and cairo embeds those glyphs as outlines
 * (subset too). The page was laid out for Noto's line box; each line is set in that same box
 * (LINE_HEIGHT_EM, LINE_ASCENT_EM) whatever the font's own, so the page keeps its look.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <libgen.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "certificates.h"
#include "common.h"
#include "pdf-internal.h"

#define MM               (72.0 / 25.4)
#define PAGE_WIDTH       595.276
#define PAGE_HEIGHT      841.89
#define MARGIN_X         (14 * MM)
#define MARGIN_TOP       (13 * MM)
#define MARGIN_BOTTOM    (14 * MM)
#define CONTENT_WIDTH    (PAGE_WIDTH - 2 * MARGIN_X)
#define COLUMN_GAP       (5 * MM)
#define COLUMN_WIDTH     ((CONTENT_WIDTH - COLUMN_GAP) / 2)
#define LABEL_WIDTH      (33 * MM)
#define TABLE_FONT       7.5
#define SECTION_FONT     9.0
#define SECTION_GAP      4.0
#define SECTION_HEIGHT   14.0
#define CELL_PAD_X       2.5
#define CELL_PAD_Y       1.4
#define CELL_TRIM        (0.18 * TABLE_FONT) /* the room the font keeps above its glyphs, for accents */
#define CELL_LINES       16                  /* at most, in one cell; a column holds about 70 */
#define LINE_HEIGHT_EM   1.448     /* a line's box, × the size: the first line of a layout this high */
#define LINE_ASCENT_EM   1.16      /* … with its baseline this far below the top */
#define LINE_SPACING     0.9       /* the next lines' baselines LINE_SPACING × LINE_HEIGHT_EM apart */
#define QR_SYMBOL_WIDTH  (40 * MM) /* the modules; the quiet zone comes on top */
#define QR_QUIET_MODULES 4
#define SIGNATURE_HEIGHT (24 * MM)
#define MAX_REASONS      8 /* and REASON_LINES lines each at most: page 1 keeps room for the QR */
#define REASON_LINES     3
#define FONT_FAMILY      "VL PGothic" /* Debian's fonts-vlgothic, also the console's font */

struct rgb {
        double r, g, b;
};

static const struct rgb INK = { 0.08, 0.08, 0.10 };
static const struct rgb MUTED = { 0.33, 0.35, 0.40 };
static const struct rgb NAVY = { 0.11, 0.22, 0.37 };
static const struct rgb RULE = { 0.78, 0.80, 0.84 };
static const struct rgb SHADE = { 0.92, 0.94, 0.97 };
static const struct rgb WHITE = { 1, 1, 1 };
static const struct rgb PASS_GREEN = { 0.09, 0.47, 0.22 };
static const struct rgb FAIL_RED = { 0.72, 0.11, 0.11 };
static const struct rgb FAIL_TINT = { 0.99, 0.93, 0.93 };

struct doc {
        cairo_t *cr;
        PangoContext *pango;
        const json_t *record;
        const char *qr_payload;
        const char *key_fingerprint;
        /* FONT_FAMILY's own line, × the size: its baseline below the top, its height */
        double font_ascent_em, font_height_em;
        int page;    /* the current page, from 1 */
        int n_pages; /* 0 while counting */
};

/* ---- drawing --------------------------------------------------------------------------------------- */

static void set_color(cairo_t *cr, struct rgb c)
{
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

enum {
        ALIGN_LEFT,
        ALIGN_CENTER,
        ALIGN_RIGHT,
};

/* A layout of s in width w (wrapping at words, or anywhere inside a long hash, never adding a
 * hyphen that could be read as part of it), at most max_lines lines (0: any) with "…" where it is
 * cut short. */
static PangoLayout *new_layout(struct doc *d, const char *s, double w, double size, bool is_bold, int align,
                               int max_lines)
{
        PangoLayout *layout = pango_layout_new(d->pango);
        PangoFontDescription *font = pango_font_description_new();
        PangoAttrList *attrs = pango_attr_list_new();

        pango_font_description_set_family(font, FONT_FAMILY);
        pango_font_description_set_weight(font, is_bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
        pango_layout_set_font_description(layout, font);
        pango_font_description_free(font);
        pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
        pango_layout_set_attributes(layout, attrs);
        pango_attr_list_unref(attrs);
        pango_layout_set_width(layout, (int)(w * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
        if (max_lines > 0) {
                pango_layout_set_height(layout, -max_lines);
                pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
        }
        pango_layout_set_line_spacing(layout, (float)(LINE_SPACING * LINE_HEIGHT_EM / d->font_height_em));
        pango_layout_set_alignment(layout, align == ALIGN_CENTER  ? PANGO_ALIGN_CENTER
                                           : align == ALIGN_RIGHT ? PANGO_ALIGN_RIGHT
                                                                  : PANGO_ALIGN_LEFT);
        pango_layout_set_text(layout, s, -1);
        return layout;
}

/* How much lower than in the font's own line the text sits in the line box. */
static double box_shift(const struct doc *d, double size)
{
        return (LINE_ASCENT_EM - d->font_ascent_em) * size;
}

/* Sets s in width w, at most max_lines lines (0: any), and draws it at (x, y) unless color is
 * NULL. Returns its height. */
static double text_lines(struct doc *d, double x, double y, double w, const char *s, double size,
                         bool is_bold, const struct rgb *color, int align, int max_lines)
{
        PangoLayout *layout = new_layout(d, s, w, size, is_bold, align, max_lines);
        int width, height;

        pango_layout_get_size(layout, &width, &height);
        if (color) {
                set_color(d->cr, *color);
                cairo_move_to(d->cr, x, y + box_shift(d, size));
                pango_cairo_show_layout(d->cr, layout);
        }
        g_object_unref(layout);
        /* the first line's box instead of the font's own line; the others are LINE_SPACING apart */
        return (double)height / PANGO_SCALE + (LINE_HEIGHT_EM - d->font_height_em) * size;
}

static double text(struct doc *d, double x, double y, double w, const char *s, double size, bool is_bold,
                   const struct rgb *color, int align)
{
        return text_lines(d, x, y, w, s, size, is_bold, color, align, 0);
}

/* How far below the layout's top its first baseline is. */
static double text_baseline(struct doc *d, const char *s, double size, bool is_bold)
{
        PangoLayout *layout = new_layout(d, s, 1000, size, is_bold, ALIGN_LEFT, 1);
        double baseline = (double)pango_layout_get_baseline(layout) / PANGO_SCALE + box_shift(d, size);
        g_object_unref(layout);
        return baseline;
}

static void fill_rect(cairo_t *cr, double x, double y, double w, double h, struct rgb c)
{
        set_color(cr, c);
        cairo_rectangle(cr, x, y, w, h);
        cairo_fill(cr);
}

static void hline(cairo_t *cr, double x0, double x1, double y, double width, struct rgb c)
{
        set_color(cr, c);
        cairo_set_line_width(cr, width);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x1, y);
        cairo_stroke(cr);
}

static void footer(struct doc *d)
{
        char right[192];
        double y = PAGE_HEIGHT - MARGIN_BOTTOM + 4 * MM;

        /* (while counting pages n_pages is 0, and nothing drawn is kept) */
        pdf_bprintf(right, sizeof(right), "%s %s  ·  %s  ·  %d / %d",
                    pdf_or_dash(pdf_jstr(d->record, "tool.name")),
                    pdf_or_dash(pdf_jstr(d->record, "tool.version")),
                    pdf_or_dash(pdf_jstr(d->record, "serial")), d->page, d->n_pages);
        hline(d->cr, MARGIN_X, PAGE_WIDTH - MARGIN_X, y - 2, 0.4, RULE);
        text(d, MARGIN_X, y, CONTENT_WIDTH * 0.62,
             "正本は署名付きの電子記録 CERT.json です。The signed record CERT.json is authoritative.", 6.5,
             false, &MUTED, ALIGN_LEFT);
        text(d, MARGIN_X + CONTENT_WIDTH * 0.62, y, CONTENT_WIDTH * 0.38, right, 6.5, false, &MUTED,
             ALIGN_RIGHT);
}

static void new_page(struct doc *d)
{
        footer(d);
        cairo_show_page(d->cr);
        d->page++;
}

/* Title, organisation, and the serial at the right. Returns the y below it. */
static double draw_title(struct doc *d, double y)
{
        char right[160], seq_buf[32];
        const char *seq;

        text(d, MARGIN_X, y, CONTENT_WIDTH, "データ消去証明書", 18, true, &NAVY, ALIGN_LEFT);
        pdf_jtext(d->record, "sequence", seq_buf, &seq);
        pdf_bprintf(right, sizeof(right), "証明書番号 Certificate No.\n%s\n連番 Sequence %s",
                    pdf_or_dash(pdf_jstr(d->record, "serial")), pdf_or_dash(seq));
        text(d, MARGIN_X + CONTENT_WIDTH * 0.55, y + 1, CONTENT_WIDTH * 0.45, right, 7.5, false, &MUTED,
             ALIGN_RIGHT);
        y += 25;
        y += text(d, MARGIN_X, y, CONTENT_WIDTH * 0.6, "Certificate of Media Sanitization", 11, false, &NAVY,
                  ALIGN_LEFT);
        y += 2;
        char org[512];
        pdf_bprintf(org, sizeof(org), "発行 Issued by: %s",
                    pdf_or_dash(pdf_jstr(d->record, "organization")));
        y += text_lines(d, MARGIN_X, y, CONTENT_WIDTH * 0.6, org, 9, false, &INK, ALIGN_LEFT, 2);
        y += 3;
        hline(d->cr, MARGIN_X, PAGE_WIDTH - MARGIN_X, y, 1.2, NAVY);
        return y + 6;
}

/* The result band: PASS only for a record that says exactly "PASS"; anything else is a FAIL. */
static int draw_result(struct doc *d, double y, double *ret_y)
{
        bool is_pass = streq_ptr(pdf_jstr(d->record, "result"), "PASS");
        const char *title = is_pass ? "消去完了・検証合格  PASS" : "不合格  FAIL";
        const double band = 34;

        fill_rect(d->cr, MARGIN_X, y, CONTENT_WIDTH, band, is_pass ? PASS_GREEN : FAIL_RED);
        double h = text(d, 0, 0, CONTENT_WIDTH, title, 19, true, NULL, ALIGN_CENTER);
        text(d, MARGIN_X, y + (band - h) / 2, CONTENT_WIDTH, title, 19, true, &WHITE, ALIGN_CENTER);

        char levels[256];
        pdf_bprintf(levels, sizeof(levels), "達成 Achieved: %s\n要求 Required: %s",
                    pdf_or_dash(pdf_jstr(d->record, "sanitization.achieved_level")),
                    pdf_or_dash(pdf_jstr(d->record, "sanitization.required_level")));
        h = text(d, 0, 0, 45 * MM, levels, 7.5, false, NULL, ALIGN_RIGHT);
        text(d, PAGE_WIDTH - MARGIN_X - 45 * MM - 8, y + (band - h) / 2, 45 * MM, levels, 7.5, false, &WHITE,
             ALIGN_RIGHT);
        y += band;
        if (is_pass) {
                *ret_y = y + 8;
                return 0;
        }

        /* why it failed, under the band: a few lines each at most, so the QR code stays on page 1 */
        const json_t *reasons = pdf_jget(d->record, "failure_reasons");
        size_t n = json_array_size(reasons), n_shown = n < MAX_REASONS ? n : MAX_REASONS;
        const double x = MARGIN_X + 8, w = CONTENT_WIDTH - 16;
        const char *intro = "不合格の理由 Reasons:";
        char more[96] = "";
        if (n > n_shown)
                pdf_bprintf(more, sizeof(more), "… 他 %zu 件 and %zu more (CERT.json)", n - n_shown,
                            n - n_shown);

        for (int step = 0; step < 2; step++) { /* measure (and draw the box), then write */
                bool is_drawing = step == 1;
                double top = y, yy = y + 4;

                yy += text(d, x, yy, w, intro, 8.5, true, is_drawing ? &FAIL_RED : NULL, ALIGN_LEFT) + 2;
                for (size_t i = 0; i < n_shown || (n == 0 && i == 0); i++) {
                        char *line = NULL;
                        if (asprintf(&line, "• %s",
                                     pdf_or_dash(json_string_value(json_array_get(reasons, i)))) < 0)
                                return -ENOMEM;
                        yy += text_lines(d, x, yy, w, line, 8.5, false, is_drawing ? &INK : NULL, ALIGN_LEFT,
                                         REASON_LINES) +
                              1;
                        free(line);
                }
                if (*more)
                        yy += text(d, x, yy, w, more, 8.5, false, is_drawing ? &FAIL_RED : NULL, ALIGN_LEFT);
                yy += 3;
                if (!is_drawing) {
                        fill_rect(d->cr, MARGIN_X, top, CONTENT_WIDTH, yy - top, FAIL_TINT);
                        fill_rect(d->cr, MARGIN_X, top, 2.5, yy - top, FAIL_RED);
                } else
                        *ret_y = yy + 8;
        }
        return 0;
}

/* The QR code, its right edge at x_right: the modules as filled rectangles (one path, runs merged,
 * so no seams between them), a white quiet zone of four modules around. Returns its full width. */
static int draw_qr(struct doc *d, double x_right, double y, double *ret_size)
{
        QRcode *qr = QRcode_encodeString(d->qr_payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (!qr)
                return errno > 0 ? -errno : -EINVAL;

        int n = qr->width;
        double module = QR_SYMBOL_WIDTH / n;
        double size = module * (n + 2 * QR_QUIET_MODULES);
        double x = x_right - size;
        double x0 = x + module * QR_QUIET_MODULES, y0 = y + module * QR_QUIET_MODULES;

        fill_rect(d->cr, x, y, size, size, WHITE);
        for (int row = 0; row < n; row++)
                for (int col = 0; col < n;) {
                        if (!(qr->data[row * n + col] & 1)) {
                                col++;
                                continue;
                        }
                        int start = col;
                        while (col < n && (qr->data[row * n + col] & 1))
                                col++;
                        cairo_rectangle(d->cr, x0 + start * module, y0 + row * module,
                                        (col - start) * module, module);
                }
        set_color(d->cr, (struct rgb){ 0, 0, 0 });
        cairo_fill(d->cr);
        QRcode_free(qr);
        *ret_size = size;
        return 0;
}

/* "500 GB (466 GiB)", "67.1 MB (64.0 MiB)": three figures in decimal and binary units. */
static void format_capacity(uint64_t bytes, char out[64])
{
        static const char *const decimal[] = { "B", "kB", "MB", "GB", "TB", "PB" };
        static const char *const binary[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double d = (double)bytes, b = (double)bytes;
        size_t i = 0, j = 0;

        while (d >= 1000 && i + 1 < ELEMENTSOF(decimal))
                d /= 1000, i++;
        while (b >= 1024 && j + 1 < ELEMENTSOF(binary))
                b /= 1024, j++;
        pdf_bprintf(out, 64, "%.*f %s (%.*f %s)",
                    d < 10    ? 2
                    : d < 100 ? 1
                              : 0,
                    d, decimal[i],
                    b < 10    ? 2
                    : b < 100 ? 1
                              : 0,
                    b, binary[j]);
}

/* The summary at a glance on the left, the QR code with its caption on the right. */
static int draw_summary(struct doc *d, double y, double *ret_y)
{
        const json_t *r = d->record;
        double qr_size = 0;
        int ret = draw_qr(d, PAGE_WIDTH - MARGIN_X, y - 2, &qr_size);
        if (ret < 0)
                return ret;
        double qr_x = PAGE_WIDTH - MARGIN_X - qr_size;
        double qr_bottom = y - 2 + qr_size;
        double caption_w = qr_size + 10;
        double cx = qr_x + qr_size / 2 - caption_w / 2;
        qr_bottom += text(d, cx, qr_bottom, caption_w, "QR: 紙だけで検証可能\ncheckable from paper alone", 7,
                          false, &MUTED, ALIGN_CENTER);

        struct {
                const char *label;
                char value[512];
        } lines[7];
        char b[32];
        const char *s;
        json_int_t cap;
        char capacity[64] = DASH;
        if (pdf_jint(r, "media.capacity_bytes", &cap) && cap >= 0)
                format_capacity((uint64_t)cap, capacity);

        lines[0].label = "資産番号 Asset number";
        pdf_bprintf(lines[0].value, sizeof(lines[0].value), "%s", pdf_or_dash(pdf_jstr(r, "asset_number")));
        lines[1].label = "媒体 Medium";
        /* what the medium says it is; a device without identity (a loop device) by its path */
        const char *maker = pdf_jstr(r, "media.manufacturer"), *model = pdf_jstr(r, "media.model"),
                   *serial = pdf_jstr(r, "media.serial");
        if (!maker && !model && !serial)
                model = pdf_jstr(r, "media.device_path");
        pdf_bprintf(lines[1].value, sizeof(lines[1].value), "%s%s%s%s%s  ·  %s", maker ? maker : "",
                    maker && model ? " " : "", model ? model : (maker ? "" : DASH), serial ? "  S/N " : "",
                    serial ? serial : "", capacity);
        lines[2].label = "消去 Sanitization";
        pdf_bprintf(lines[2].value, sizeof(lines[2].value),
                    "%s (%s), %zu パス pass(es) — 達成 achieved %s / 要求 required %s",
                    pdf_or_dash(pdf_jstr(r, "sanitization.method")),
                    pdf_or_dash(pdf_jstr(r, "sanitization.technique")),
                    json_array_size(pdf_jget(r, "sanitization.passes")),
                    pdf_or_dash(pdf_jstr(r, "sanitization.achieved_level")),
                    pdf_or_dash(pdf_jstr(r, "sanitization.required_level")));
        lines[3].label = "検証 Verification";
        const char *cov = pdf_jstr(r, "verification.coverage_percent");
        pdf_jtext(r, "verification.sectors_mismatched", b, &s);
        pdf_bprintf(lines[3].value, sizeof(lines[3].value), "%s — %s%s%s%s, 不一致 mismatched %s",
                    pdf_or_dash(pdf_jstr(r, "verification.result")),
                    pdf_or_dash(pdf_jstr(r, "verification.method")), cov ? " " : "", cov ? cov : "",
                    cov ? " %" : "", pdf_or_dash(s));
        lines[4].label = "処分先 Destination";
        const char *dest = pdf_jstr(r, "destination");
        pdf_bprintf(lines[4].value, sizeof(lines[4].value), "%s%s%s",
                    cert_term_japanese(dest) ? cert_term_japanese(dest) : "", cert_term_japanese(dest) ? " " : "",
                    pdf_or_dash(dest));
        lines[5].label = "完了 Completed";
        char jst[64];
        pdf_format_time(pdf_jstr(r, "times.ended_jst"), "+09:00", "JST", jst);
        pdf_bprintf(lines[5].value, sizeof(lines[5].value), "%s", jst);
        lines[6].label = "担当者 Operator / Witness";
        pdf_bprintf(lines[6].value, sizeof(lines[6].value), "%s / %s",
                    pdf_or_dash(pdf_jstr(r, "people.operator")), pdf_or_dash(pdf_jstr(r, "people.witness")));

        double w = qr_x - MARGIN_X - 6 * MM, lw = 40 * MM, sy = y;
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                double h1 =
                        text_lines(d, MARGIN_X, sy, lw - 4, lines[i].label, 8, false, &MUTED, ALIGN_LEFT, 2);
                double h2 = text_lines(d, MARGIN_X + lw, sy, w - lw, lines[i].value, 9, true, &INK,
                                       ALIGN_LEFT, 2);
                sy += (h1 > h2 ? h1 : h2) + 3.5;
                hline(d->cr, MARGIN_X, MARGIN_X + w, sy - 1.8, 0.3, RULE);
        }
        *ret_y = (sy > qr_bottom ? sy : qr_bottom) + 6;
        return 0;
}

static double measure_row(struct doc *d, const struct pdf_row *row)
{
        if (row->is_header)
                return SECTION_HEIGHT + SECTION_GAP;
        double h1 = text_lines(d, 0, 0, LABEL_WIDTH - 2 * CELL_PAD_X, row->label, TABLE_FONT, false, NULL,
                               ALIGN_LEFT, CELL_LINES);
        double h2 =
                text_lines(d, 0, 0, COLUMN_WIDTH - LABEL_WIDTH - 2 * CELL_PAD_X,
                           row->value ? row->value : "", TABLE_FONT, false, NULL, ALIGN_LEFT, CELL_LINES);
        return (h1 > h2 ? h1 : h2) + 2 * CELL_PAD_Y - CELL_TRIM;
}

static void draw_header(struct doc *d, double x, double y, const char *title, bool is_continued)
{
        char s[160];
        pdf_bprintf(s, sizeof(s), "%s%s", title, is_continued ? "（続き cont.）" : "");
        fill_rect(d->cr, x, y + 1, COLUMN_WIDTH, SECTION_HEIGHT - 2, SHADE);
        fill_rect(d->cr, x, y + 1, 2.5, SECTION_HEIGHT - 2, NAVY);
        /* an ideograph spans 0.88 of the size above the baseline to 0.12 below: centred in the box */
        double baseline = y + 1 + (SECTION_HEIGHT - 2) / 2 + 0.38 * SECTION_FONT;
        text(d, x + 6, baseline - text_baseline(d, s, SECTION_FONT, true), COLUMN_WIDTH - 8, s, SECTION_FONT,
             true, &NAVY, ALIGN_LEFT);
}

static void draw_row(struct doc *d, double x, double y, const struct pdf_row *row)
{
        text_lines(d, x + CELL_PAD_X, y + CELL_PAD_Y - CELL_TRIM, LABEL_WIDTH - 2 * CELL_PAD_X, row->label,
                   TABLE_FONT, false, &MUTED, ALIGN_LEFT, CELL_LINES);
        text_lines(d, x + LABEL_WIDTH + CELL_PAD_X, y + CELL_PAD_Y - CELL_TRIM,
                   COLUMN_WIDTH - LABEL_WIDTH - 2 * CELL_PAD_X, row->value ? row->value : "", TABLE_FONT,
                   false, &INK, ALIGN_LEFT, CELL_LINES);
        hline(d->cr, x, x + COLUMN_WIDTH, y + row->height, 0.3, RULE);
}

/*
 * The sections in two columns, read column by column. When all of them fit on this page above
 * the signature lines, the columns are balanced at a section boundary; otherwise rows flow from
 * column to column and page to page, a section header never alone at a column's foot and repeated
 * ("cont.") where a section continues. Returns the y below the lower column on the last page.
 */
static double draw_sections(struct doc *d, struct pdf_rows *t, double y_top, double reserve)
{
        double total = 0, avail = PAGE_HEIGHT - MARGIN_BOTTOM - reserve - y_top;
        size_t split = t->n; /* the first row of the right column, when balanced */

        for (size_t i = 0; i < t->n; i++) {
                t->items[i].height = measure_row(d, &t->items[i]);
                total += t->items[i].height;
        }

        /* the split with the lower taller column: at a section boundary when one fits, else between
         * any two rows (the right column then begins with the section's header again) */
        double best_section = DBL_MAX, best_row = DBL_MAX, left = 0;
        size_t split_section = t->n, split_row = t->n;
        for (size_t k = 1; k < t->n; k++) {
                left += t->items[k - 1].height;
                if (t->items[k - 1].is_header)
                        continue; /* never a header alone at a column's foot */
                bool is_section = t->items[k].is_header;
                double right = total - left + (is_section ? 0 : SECTION_HEIGHT);
                double taller = left > right ? left : right;
                if (is_section && taller < best_section) {
                        best_section = taller;
                        split_section = k;
                }
                if (taller < best_row) {
                        best_row = taller;
                        split_row = k;
                }
        }
        bool is_balanced = true;
        if (best_section <= avail)
                split = split_section;
        else if (best_row <= avail)
                split = split_row;
        else
                is_balanced = false;

        int column = 0;
        double y = y_top, bottom = PAGE_HEIGHT - MARGIN_BOTTOM, lowest = y_top;
        const char *section = "";

        for (size_t i = 0; i < t->n; i++) {
                const struct pdf_row *row = &t->items[i];
                double need = row->height;
                if (row->is_header && i + 1 < t->n)
                        need += t->items[i + 1].height; /* keep a header with its first row */

                bool is_break = is_balanced ? (i == split && column == 0) : (y + need > bottom && y > y_top);
                if (is_break) {
                        if (column == 0) {
                                column = 1;
                        } else {
                                new_page(d);
                                column = 0;
                                y_top = lowest = MARGIN_TOP;
                        }
                        y = y_top;
                        if (!row->is_header) {
                                draw_header(d, MARGIN_X + column * (COLUMN_WIDTH + COLUMN_GAP), y, section,
                                            true);
                                y += SECTION_HEIGHT;
                        }
                }
                double x = MARGIN_X + column * (COLUMN_WIDTH + COLUMN_GAP);
                if (row->is_header) {
                        double gap = y > y_top ? SECTION_GAP : 0; /* none at a column's top */
                        section = row->label;
                        draw_header(d, x, y + gap, row->label, false);
                        y += gap + SECTION_HEIGHT;
                } else {
                        draw_row(d, x, y, row);
                        y += row->height;
                }
                if (y > lowest)
                        lowest = y;
        }
        return lowest;
}

/* The two hand-signature lines. */
static void draw_signatures(struct doc *d, double y)
{
        static const char *const roles[] = { "作業者（消去実施者）Operator (sanitizer)",
                                             "確認者 Witness (validator)" };
        const char *names[] = { pdf_jstr(d->record, "people.operator"),
                                pdf_jstr(d->record, "people.witness") };
        double x = MARGIN_X;

        text(d, x, y, CONTENT_WIDTH, "署名欄 Signatures", SECTION_FONT, true, &NAVY, ALIGN_LEFT);
        y += 16;
        for (size_t i = 0; i < ELEMENTSOF(roles); i++) {
                double base = y + 20;
                char who[256];
                pdf_bprintf(who, sizeof(who), "%s:  %s", roles[i], pdf_or_dash(names[i]));
                text_lines(d, x, base - 11, 95 * MM, who, 8.5, false, &INK, ALIGN_LEFT, 1);
                double sx = x + 97 * MM;
                text(d, sx, base - 11, 12 * MM, "署名", 8.5, false, &MUTED, ALIGN_LEFT);
                hline(d->cr, sx + 9 * MM, sx + 52 * MM, base, 0.6, INK);
                double dx = sx + 56 * MM;
                text(d, dx, base - 11, 12 * MM, "日付", 8.5, false, &MUTED, ALIGN_LEFT);
                hline(d->cr, dx + 9 * MM, PAGE_WIDTH - MARGIN_X, base, 0.6, INK);
                y += 26;
        }
}

/* Lays out and draws the whole document; returns the number of pages or -errno. */
static int render(struct doc *d)
{
        struct pdf_rows t = {};
        double y;
        int r;

        d->page = 1;
        y = draw_title(d, MARGIN_TOP);
        r = draw_result(d, y, &y);
        if (r < 0)
                return r;
        r = draw_summary(d, y, &y);
        if (r < 0)
                return r;

        r = pdf_rows_from_record(d->record, d->key_fingerprint, &t);
        if (r < 0)
                return r;

        y = draw_sections(d, &t, y, SIGNATURE_HEIGHT);
        pdf_rows_done(&t);
        if (y + 8 + SIGNATURE_HEIGHT > PAGE_HEIGHT - MARGIN_BOTTOM) {
                new_page(d);
                y = MARGIN_TOP;
        }
        draw_signatures(d, y + 8);
        footer(d);
        cairo_show_page(d->cr);
        return d->page;
}

/* ---- the file --------------------------------------------------------------------------------------- */

struct sink {
        int fd;
        int error;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
        struct sink *s = closure;

        if (s->fd < 0) /* counting pages: the bytes go nowhere */
                return CAIRO_STATUS_SUCCESS;
        while (length > 0) {
                ssize_t k = write(s->fd, data, length);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        s->error = -errno;
                        return CAIRO_STATUS_WRITE_ERROR;
                }
                data += k;
                length -= (unsigned)k;
        }
        return CAIRO_STATUS_SUCCESS;
}

/* A cairo status as an errno. */
static int cairo_error(cairo_status_t st)
{
        if (st == CAIRO_STATUS_SUCCESS)
                return 0;
        return st == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : -EIO;
}

/* Loads FONT_FAMILY and measures its own line, × the size: where the baseline is, how high it is.
 * -ENOPKG when fontconfig offers another family instead (the font is not installed): a stand-in
 * would change the page, and might be one that cairo embeds whole. */
static int font_line(PangoFontMap *font_map, PangoContext *pango, double *ret_ascent_em,
                     double *ret_height_em)
{
        const double size = 100;
        PangoFontDescription *want = pango_font_description_new();
        pango_font_description_set_family(want, FONT_FAMILY);
        pango_font_description_set_absolute_size(want, size * PANGO_SCALE);
        PangoFont *font = pango_font_map_load_font(font_map, pango, want);
        pango_font_description_free(want);
        if (!font)
                return -ENOPKG;

        PangoFontDescription *got = pango_font_describe(font);
        const char *family = pango_font_description_get_family(got);
        bool is_ours = family && strcasecmp(family, FONT_FAMILY) == 0;
        pango_font_description_free(got);
        if (!is_ours) {
                g_object_unref(font);
                return -ENOPKG;
        }

        PangoFontMetrics *metrics = pango_font_get_metrics(font, pango_language_from_string("ja"));
        double ascent = (double)pango_font_metrics_get_ascent(metrics) / PANGO_SCALE / size;
        double descent = (double)pango_font_metrics_get_descent(metrics) / PANGO_SCALE / size;
        pango_font_metrics_unref(metrics);
        g_object_unref(font);
        if (ascent <= 0 || ascent + descent <= 0)
                return -EIO; /* a broken font file */
        *ret_ascent_em = ascent;
        *ret_height_em = ascent + descent;
        return 0;
}

/* Renders into the stream; returns the page count or -errno. */
static int render_to(struct sink *sink, const json_t *record, const char *qr_payload,
                     const char *key_fingerprint, int n_pages)
{
        cairo_surface_t *surface =
                cairo_pdf_surface_create_for_stream(sink_write, sink, PAGE_WIDTH, PAGE_HEIGHT);
        int r = cairo_error(cairo_surface_status(surface));
        if (r < 0) {
                cairo_surface_destroy(surface);
                return r;
        }

        char title[160];
        pdf_bprintf(title, sizeof(title), "データ消去証明書 Certificate of Media Sanitization %s",
                    pdf_or_dash(pdf_jstr(record, "serial")));
        char creator[96];
        pdf_bprintf(creator, sizeof(creator), "%s %s", pdf_or_dash(pdf_jstr(record, "tool.name")),
                    pdf_or_dash(pdf_jstr(record, "tool.version")));
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, creator);
        const char *org = pdf_jstr(record, "organization");
        if (org)
                cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, org);
        /* the disposal's end, not the moment of rendering: the same record makes the same file */
        const char *ended = pdf_jstr(record, "times.ended_utc");
        if (ended && strlen(ended) == 20 && ended[10] == 'T' && ended[19] == 'Z')
                cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, ended);

        cairo_t *cr = cairo_create(surface);
        /* a font map of our own, not pango's per-thread default: everything it loads is freed
         * again when we are done (jobs run in threads that come and go) */
        PangoFontMap *font_map = pango_cairo_font_map_new();
        PangoContext *pango = pango_font_map_create_context(font_map);
        pango_cairo_update_context(cr, pango);
        cairo_font_options_t *options = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
        pango_cairo_context_set_font_options(pango, options);
        cairo_font_options_destroy(options);

        struct doc d = {
                .cr = cr,
                .pango = pango,
                .record = record,
                .qr_payload = qr_payload,
                .key_fingerprint = key_fingerprint,
                .n_pages = n_pages,
        };
        r = font_line(font_map, pango, &d.font_ascent_em, &d.font_height_em);
        if (r >= 0)
                r = render(&d);

        g_object_unref(pango);
        g_object_unref(font_map);
        int st = cairo_error(cairo_status(cr));
        cairo_destroy(cr);
        cairo_surface_finish(surface);
        if (st == 0)
                st = cairo_error(cairo_surface_status(surface));
        cairo_surface_destroy(surface);

        if (r < 0)
                return r;
        if (sink->error < 0)
                return sink->error;
        return st < 0 ? st : r;
}

static int fsync_directory_of(const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        _cleanup_close_ int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/* Whether cairo and pango take the code point as text: cairo refuses noncharacters (U+FDD0-FDEF,
 * U+xxFFFE/F) outright (CAIRO_STATUS_INVALID_STRING, the whole PDF fails), and controls draw as
 * nothing or boxes. Those are shown as "<U+XXXX>" instead, so the reader sees exactly what the
 * signed record holds. */
static bool is_drawable(uint32_t cp)
{
        if (cp == '\n' || cp == '\t')
                return true;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
                return false;
        if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
                return false;
        return !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
}

/* s with every code point that cannot be drawn written as <U+XXXX> (a byte that is not UTF-8 as
 * <0xHH>); NULL when out of memory. */
static char *visible_text(const char *s)
{
        size_t n = strlen(s), o = 0;
        char *out = malloc(n * 10 + 1); /* one byte grows to at most "<U+10FFFF>" */
        if (!out)
                return NULL;
        for (size_t i = 0; i < n;) {
                const unsigned char *p = (const unsigned char *)s + i;
                uint32_t cp;
                size_t len = p[0] < 0x80             ? 1
                             : (p[0] & 0xe0) == 0xc0 ? 2
                             : (p[0] & 0xf0) == 0xe0 ? 3
                             : (p[0] & 0xf8) == 0xf0 ? 4
                                                     : 0;
                bool is_valid = len > 0 && i + len <= n;
                for (size_t k = 1; is_valid && k < len; k++)
                        is_valid = (p[k] & 0xc0) == 0x80;
                if (!is_valid) {
                        o += (size_t)sprintf(out + o, "<0x%02X>", p[0]);
                        i++;
                        continue;
                }
                cp = len == 1 ? p[0] : p[0] & (0x7f >> len);
                for (size_t k = 1; k < len; k++)
                        cp = cp << 6 | (p[k] & 0x3f);
                if (is_drawable(cp))
                        memcpy(out + o, p, len), o += len;
                else
                        o += (size_t)sprintf(out + o, "<U+%04X>", cp);
                i += len;
        }
        out[o] = 0;
        return out;
}

/* The record with every string made drawable (a copy; the record itself is not touched). */
static json_t *visible_copy(const json_t *v)
{
        if (json_is_string(v)) {
                _cleanup_free_ char *t = visible_text(json_string_value(v));
                return t ? json_string(t) : NULL;
        }
        if (json_is_object(v)) {
                json_t *o = json_object();
                const char *key;
                json_t *item;
                json_object_foreach((json_t *)v, key, item) {
                        if (!o || json_object_set_new(o, key, visible_copy(item)) < 0) {
                                json_decref(o);
                                return NULL;
                        }
                }
                return o;
        }
        if (json_is_array(v)) {
                json_t *a = json_array();
                size_t i;
                json_t *item;
                json_array_foreach(v, i, item) {
                        if (!a || json_array_append_new(a, visible_copy(item)) < 0) {
                                json_decref(a);
                                return NULL;
                        }
                }
                return a;
        }
        return json_deep_copy(v);
}

int cert_pdf_write(const json_t *signed_record, const char *qr_payload, const char *key_fingerprint,
                   const char *path)
{
        if (!json_is_object(signed_record) || !qr_payload || !*qr_payload || !path)
                return -EINVAL;
        json_auto_t *record = visible_copy(signed_record);
        if (!record)
                return -ENOMEM;

        /* first into nothing, to know how many pages there are */
        struct sink counting = { .fd = -1 };
        int n_pages = render_to(&counting, record, qr_payload, key_fingerprint, 0);
        if (n_pages < 0)
                return n_pages;

        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;

        struct sink sink = { .fd = fd };
        int r = render_to(&sink, record, qr_payload, key_fingerprint, n_pages);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlink(tmp);
                return r;
        }
        return fsync_directory_of(path);
}
