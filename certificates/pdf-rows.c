/* SPDX-License-Identifier: MIT */
/*
 * The certificate PDF's data side: the record, read defensively, turned into the label/value rows
 * of the six sections that pdf.c lays out and draws. Everything shown comes from the record; a
 * value that is missing or empty shows as "—".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "pdf-internal.h"

#define MAX_LIST_ROWS 12 /* longer lists (passes, mismatches) end in "… and N more" */

/* ---- the record, read defensively ------------------------------------------------------------- */

void pdf_bprintf(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (n < 0) {
                buf[0] = 0;
                return;
        }
        if ((size_t)n < size)
                return;

        size_t len = size - 1, lead = len;
        while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xc0) == 0x80)
                lead--;
        if (lead > 0 && ((unsigned char)buf[lead - 1] & 0x80)) {
                unsigned char c = (unsigned char)buf[lead - 1];
                size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
                if (len - (lead - 1) < need)
                        buf[lead - 1] = 0;
        }
}

const json_t *pdf_jget(const json_t *o, const char *path)
{
        char key[64];

        while (o && *path) {
                size_t n = strcspn(path, ".");
                if (n >= sizeof(key))
                        return NULL;
                memcpy(key, path, n);
                key[n] = 0;
                o = json_is_object(o) ? json_object_get(o, key) : NULL;
                path += n + (path[n] == '.');
        }
        return o;
}

const char *pdf_jstr(const json_t *o, const char *path)
{
        const json_t *v = pdf_jget(o, path);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        return s && *s ? s : NULL;
}

bool pdf_jint(const json_t *o, const char *path, json_int_t *ret)
{
        const json_t *v = pdf_jget(o, path);
        if (json_is_integer(v)) {
                *ret = json_integer_value(v);
                return true;
        }
        /* integers that arrive as decimal strings are read as well */
        const char *s = pdf_jstr(o, path);
        uint64_t u;
        if (s && parse_u64(s, &u) >= 0 && u <= INT64_MAX) {
                *ret = (json_int_t)u;
                return true;
        }
        return false;
}

/* "1,234,567" (ASCII digits, grouped by three). */
static void format_grouped(json_int_t value, char out[32])
{
        char digits[24];
        uint64_t mag = value < 0 ? -(uint64_t)value : (uint64_t)value;
        int n = snprintf(digits, sizeof(digits), "%" PRIu64, mag);
        char *p = out;

        if (value < 0)
                *p++ = '-';
        for (int i = 0; i < n; i++) {
                if (i > 0 && (n - i) % 3 == 0)
                        *p++ = ',';
                *p++ = digits[i];
        }
        *p = 0;
}

void pdf_jtext(const json_t *o, const char *path, char buf[32], const char **ret)
{
        const json_t *v = pdf_jget(o, path);
        if (json_is_integer(v)) {
                format_grouped(json_integer_value(v), buf);
                *ret = buf;
        } else
                *ret = pdf_jstr(o, path);
}

const char *pdf_or_dash(const char *s)
{
        return s && *s ? s : DASH;
}

const char *cert_term_japanese(const char *word)
{
        static const char *const table[][2] = {
                { "PASS", "合格" },
                { "FAIL", "不合格" },
                { "Clear", "クリア" },
                { "Purge", "パージ" },
                { "Destroy", "破壊" },
                { "internal-reuse", "組織内で再利用" },
                { "external-reuse", "組織外で再利用" },
                { "lease-return", "リース返却" },
                { "recycling", "リサイクル" },
                { "destruction", "物理破壊" },
                { "overwrite", "上書き" },
                { "block-erase", "ブロック消去" },
                { "crypto-erase", "暗号消去" },
                { "sanitize", "サニタイズ" },
                { "completed", "完了" },
                { "failed", "失敗" },
                { "interrupted", "中断" },
                { "cancelled", "取消" },
                { "sample", "抽出検証" },
                { "full", "全数検証" },
                { "none", "なし" },
                { "yes", "はい" },
                { "no", "いいえ" },
        };

        if (!word)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcmp(table[i][0], word) == 0)
                        return table[i][1];
        return NULL;
}

/* ---- rows ---------------------------------------------------------------------------------------- */

void pdf_rows_done(struct pdf_rows *t)
{
        for (size_t i = 0; i < t->n; i++) {
                free(t->items[i].label);
                free(t->items[i].value);
        }
        free(t->items);
        *t = (struct pdf_rows){};
}

static void rows_push(struct pdf_rows *t, bool is_header, const char *label, char *value_owned)
{
        if (t->error)
                goto fail;
        if (t->n == t->allocated) {
                size_t k = t->allocated ? 2 * t->allocated : 64;
                struct pdf_row *n = realloc(t->items, k * sizeof(*n));
                if (!n)
                        goto fail;
                t->items = n;
                t->allocated = k;
        }
        /* What is printed must read as what was signed: bytes that are not UTF-8 and invisible or
         * bidirectional-control characters (a disk's model, a label) are shown, not obeyed. */
        char *l = text_escape_visible(label ? label : "");
        if (!l)
                goto fail;
        if (value_owned) {
                char *v = text_escape_visible(value_owned);
                if (!v) {
                        free(l);
                        goto fail;
                }
                free(value_owned);
                value_owned = v;
        }
        t->items[t->n++] = (struct pdf_row){ .is_header = is_header, .label = l, .value = value_owned };
        return;
fail:
        free(value_owned);
        t->error = -ENOMEM;
}

static void header(struct pdf_rows *t, const char *title)
{
        rows_push(t, true, title, NULL);
}

static void rowf(struct pdf_rows *t, const char *label, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void rowf(struct pdf_rows *t, const char *label, const char *fmt, ...)
{
        char *v = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&v, fmt, ap) < 0)
                v = NULL;
        va_end(ap);
        if (!v) {
                t->error = -ENOMEM;
                return;
        }
        rows_push(t, false, label, v);
}

/* "… and 23 more" after the first MAX_LIST_ROWS of a list */
static void row_more(struct pdf_rows *t, size_t shown, size_t n)
{
        if (shown < n)
                rowf(t, "", "… 他 %zu 件 and %zu more (CERT.json)", n - shown, n - shown);
}

static void row(struct pdf_rows *t, const char *label, const char *value)
{
        rowf(t, label, "%s", pdf_or_dash(value));
}

/* A row for a word of the record's vocabulary: "パージ Purge". */
static void row_word(struct pdf_rows *t, const char *label, const char *word)
{
        const char *ja = cert_term_japanese(word);
        if (ja)
                rowf(t, label, "%s %s", ja, word);
        else
                row(t, label, word);
}

static void row_bytes(struct pdf_rows *t, const char *label, const json_t *o, const char *path)
{
        char buf[32];
        json_int_t v;

        if (!pdf_jint(o, path, &v)) {
                row(t, label, NULL);
                return;
        }
        format_grouped(v, buf);
        rowf(t, label, "%s bytes", buf);
}

void pdf_format_time(const char *s, const char *zone_suffix, const char *zone, char out[64])
{
        size_t n = s ? strlen(s) : 0;
        if (n >= 19 && s[10] == 'T' && strcmp(s + 19, zone_suffix) == 0)
                pdf_bprintf(out, 64, "%.10s %.8s %s", s, s + 11, zone);
        else
                pdf_bprintf(out, 64, "%s", pdf_or_dash(s));
}

static void row_time(struct pdf_rows *t, const char *label, const json_t *r, const char *jst_path,
                     const char *utc_path)
{
        char jst[64], utc[64];
        pdf_format_time(pdf_jstr(r, jst_path), "+09:00", "JST", jst);
        pdf_format_time(pdf_jstr(r, utc_path), "Z", "UTC", utc);
        rowf(t, label, "%s\n%s", jst, utc);
}

/* "1.234" seconds → "1.234 s", with h:mm:ss beside it from a minute on. */
static void row_duration(struct pdf_rows *t, const char *label, const json_t *r)
{
        const char *s = pdf_jstr(r, "times.duration_seconds");
        char *end = NULL;
        double sec = s ? strtod(s, &end) : -1;

        if (!s || end == s || *end || sec < 0) {
                row(t, label, s);
                return;
        }
        if (sec < 60) {
                rowf(t, label, "%s 秒 s", s);
                return;
        }
        uint64_t whole = (uint64_t)sec;
        rowf(t, label, "%s 秒 s (%" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ")", s, whole / 3600, whole / 60 % 60,
             whole % 60);
}

/* One row per string of an array (the label on the first), "なし none" when it is empty. */
static void rows_strings(struct pdf_rows *t, const char *label, const json_t *array)
{
        size_t i, n = json_array_size(array);

        if (!json_is_array(array)) {
                row(t, label, NULL);
                return;
        }
        if (n == 0) {
                row(t, label, "なし none");
                return;
        }
        for (i = 0; i < n && i < MAX_LIST_ROWS; i++) {
                const char *s = json_string_value(json_array_get(array, i));
                rowf(t, i == 0 ? label : "", "• %s", pdf_or_dash(s));
        }
        row_more(t, i, n);
}

/* ---- the six sections ----------------------------------------------------------------------------- */

static void section_media(struct pdf_rows *t, const json_t *r)
{
        const json_t *m = pdf_jget(r, "media");
        char buf[32], gb[64];
        json_int_t v;

        header(t, "1  媒体 Media");
        row(t, "製造者 Manufacturer", pdf_jstr(m, "manufacturer"));
        row(t, "型番 Model", pdf_jstr(m, "model"));
        row(t, "シリアル番号 Serial", pdf_jstr(m, "serial"));
        row(t, "WWN", pdf_jstr(m, "wwn"));
        row(t, "ファーム Firmware", pdf_jstr(m, "firmware"));
        if (pdf_jint(m, "capacity_bytes", &v)) {
                format_grouped(v, buf);
                pdf_bprintf(gb, sizeof(gb), "%.2f GiB", (double)v / (1u << 30));
                rowf(t, "容量 Capacity", "%s bytes (%s)", buf, gb);
        } else
                row(t, "容量 Capacity", NULL);

        char logical[32], physical[32];
        const char *ls, *ps;
        pdf_jtext(m, "logical_sector_bytes", logical, &ls);
        pdf_jtext(m, "physical_sector_bytes", physical, &ps);
        rowf(t, "セクタ長 Sector size", "論理 logical %s B / 物理 physical %s B", pdf_or_dash(ls),
             pdf_or_dash(ps));
        row(t, "媒体種別 Media type", pdf_jstr(m, "media_type"));
        row(t, "接続方式 Transport", pdf_jstr(m, "transport"));
        row(t, "デバイス Device", pdf_jstr(m, "device_path"));
}

static void section_asset(struct pdf_rows *t, const json_t *r)
{
        header(t, "2  資産 Asset");
        row(t, "資産番号 Asset No.", pdf_jstr(r, "asset_number"));
        row(t, "出所 Media source", pdf_jstr(r, "media_source"));
        rowf(t, "機密区分 Class", "消去前 before %s → 消去後 after %s",
             pdf_or_dash(pdf_jstr(r, "confidentiality.before")),
             pdf_or_dash(pdf_jstr(r, "confidentiality.after")));
        row_word(t, "処分先 Destination", pdf_jstr(r, "destination"));
}

static void section_sanitization(struct pdf_rows *t, const json_t *r)
{
        const json_t *s = pdf_jget(r, "sanitization");
        const json_t *passes = pdf_jget(s, "passes");
        size_t i, n = json_array_size(passes);

        header(t, "3  消去 Sanitization");
        row_word(t, "要求レベル Required", pdf_jstr(s, "required_level"));
        row_word(t, "達成レベル Achieved", pdf_jstr(s, "achieved_level"));
        row_word(t, "技術 Technique", pdf_jstr(s, "technique"));

        const char *method = pdf_jstr(s, "method"), *spec = pdf_jstr(s, "method_spec"),
                   *desc = pdf_jstr(s, "method_description");
        _cleanup_free_ char *m = NULL;
        if (asprintf(&m, "%s%s%s%s%s", pdf_or_dash(method), spec && !streq_ptr(spec, method) ? " (" : "",
                     spec && !streq_ptr(spec, method) ? spec : "",
                     spec && !streq_ptr(spec, method) ? ")" : "", desc ? "\n" : "") < 0) {
                t->error = -ENOMEM;
                return;
        }
        rowf(t, "方式 Method", "%s%s", m, desc ? desc : "");

        if (n == 0)
                row(t, "パス Passes", NULL);
        for (i = 0; i < n && i < MAX_LIST_ROWS; i++) {
                const json_t *p = json_array_get(passes, i);
                char num[32], bytes[32];
                const char *number, *written, *seed = pdf_jstr(p, "seed"), *flushed = pdf_jstr(p, "flushed");
                pdf_jtext(p, "number", num, &number);
                pdf_jtext(p, "bytes_written", bytes, &written);
                rowf(t, i == 0 ? "パス Passes" : "", "%s: %s%s%s%s, %s bytes%s%s", pdf_or_dash(number),
                     pdf_or_dash(pdf_jstr(p, "pattern")), seed ? " (seed " : "", seed ? seed : "",
                     seed ? ")" : "", pdf_or_dash(written), flushed ? ", flushed " : "",
                     flushed ? flushed : "");
        }
        row_more(t, i, n);

        const json_t *pg = pdf_jget(s, "purge");
        if (pg) {
                /* the drive's own command: what was sent, what the drive said, the standard applied */
                row(t, "コマンド Command", pdf_jstr(pg, "command"));
                row(t, "装置の応答 Drive status", pdf_jstr(pg, "device_status"));
                row(t, "基準 Standard", pdf_jstr(pg, "standard"));
                const char *e = pdf_jstr(pg, "error"), *d = pdf_jstr(pg, "error_detail"),
                           *w = pdf_jstr(pg, "warnings"), *pw = pdf_jstr(pg, "password_left");
                if (e && *e)
                        rowf(t, "エラー Error", "%s%s%s", e, d && *d ? "\n" : "", d && *d ? d : "");
                if (w && *w)
                        row(t, "注意 Warnings", w);
                if (pw && *pw)
                        rowf(t, "パスワード残存 Password left", "%s", pw);
        } else
                row_bytes(t, "書込量 Bytes written", s, "bytes_written");
        row_word(t, "状態 Status", pdf_jstr(s, "status"));
        if (!pg)
                row(t, "I/O エンジン Engine", pdf_jstr(s, "engine"));
        const char *examined = pdf_jstr(r, "hidden_areas.examined"),
                   *note = pdf_jstr(r, "hidden_areas.note");
        const char *ja = cert_term_japanese(examined);
        rowf(t, "隠し領域 Hidden areas", "調査 examined: %s%s%s%s%s", ja ? ja : "", ja ? " " : "",
             pdf_or_dash(examined), note ? "\n" : "", note ? note : "");
        const json_t *h = pdf_jget(r, "drive_health");
        if (h) {
                char a[32], b[32], c[32], d[32], e[32];
                const char *poh, *realloc_, *pending, *media, *used;
                pdf_jtext(h, "power_on_hours", a, &poh);
                pdf_jtext(h, "reallocated_sectors", b, &realloc_);
                pdf_jtext(h, "pending_sectors", c, &pending);
                pdf_jtext(h, "media_errors", d, &media);
                pdf_jtext(h, "percentage_used", e, &used);
                rowf(t, "装置の状態 Drive health",
                     "%s\n通電時間 power-on hours %s, 代替 reallocated %s, 保留 pending %s, 媒体エラー media errors "
                     "%s, 使用率 used %s%%",
                     pdf_or_dash(pdf_jstr(h, "source")), pdf_or_dash(poh), pdf_or_dash(realloc_),
                     pdf_or_dash(pending), pdf_or_dash(media), pdf_or_dash(used));
        }
}

static void section_verification(struct pdf_rows *t, const json_t *r)
{
        const json_t *v = pdf_jget(r, "verification");
        char b1[32], b2[32], b3[32];
        const char *s1, *s2, *s3;

        header(t, "4  検証 Verification");
        row_word(t, "方法 Method", pdf_jstr(v, "method"));
        row_word(t, "結果 Result", pdf_jstr(v, "result"));
        pdf_jtext(v, "subsections", b1, &s1);
        pdf_jtext(v, "samples", b2, &s2);
        const char *coverage = pdf_jstr(v, "coverage_percent");
        rowf(t, "範囲 Coverage", "%s%s — %s 区画 subsections, %s 標本 samples", pdf_or_dash(coverage),
             coverage ? " %" : "", pdf_or_dash(s1), pdf_or_dash(s2));
        row_bytes(t, "読取量 Bytes read", v, "bytes_read");
        const json_t *pf = pdf_jget(v, "proof");
        if (pf) {
                char n1[32], n2[32], n3[32];
                const char *cmp, *unch, *blank;
                pdf_jtext(pf, "sectors_compared", n1, &cmp);
                pdf_jtext(pf, "sectors_unchanged", n2, &unch);
                pdf_jtext(pf, "sectors_blank_before", n3, &blank);
                rowf(t, "指紋比較 Fingerprint", "%s sectors compared, %s unchanged, %s blank before (%s)\n%s → %s",
                     pdf_or_dash(cmp), pdf_or_dash(unch), pdf_or_dash(blank), pdf_or_dash(pdf_jstr(pf, "expected")),
                     pdf_or_dash(pdf_jstr(pf, "fingerprint_before")), pdf_or_dash(pdf_jstr(pf, "fingerprint_after")));
        }
        pdf_jtext(v, "sectors_mismatched", b1, &s1);
        pdf_jtext(v, "sectors_compared", b3, &s3);
        rowf(t, "不一致 Mismatched", "%s / %s 比較 compared", pdf_or_dash(s1), pdf_or_dash(s3));

        const json_t *mm = pdf_jget(v, "mismatches");
        size_t i, n = json_array_size(mm);
        for (i = 0; i < n && i < MAX_LIST_ROWS; i++) {
                const json_t *x = json_array_get(mm, i);
                const char *found = pdf_jstr(x, "found");
                pdf_jtext(x, "first_lba", b1, &s1);
                pdf_jtext(x, "last_lba", b2, &s2);
                /* the first bytes found are enough to recognise old data; CERT.json has them all */
                rowf(t, i == 0 ? "不一致範囲 Mismatches" : "", "LBA %s – %s%s%.16s%s", pdf_or_dash(s1),
                     pdf_or_dash(s2), found ? ": " : "", found ? found : "",
                     found && strlen(found) > 16 ? "…" : "");
        }
        row_more(t, i, n);

        const char *expected = pdf_jstr(v, "expected"), *pattern_seed = pdf_jstr(v, "pattern_seed");
        rowf(t, "期待内容 Expected", "%s%s%s%s", pdf_or_dash(expected), pattern_seed ? " (seed " : "",
             pattern_seed ? pattern_seed : "", pattern_seed ? ")" : "");
        row(t, "抽出シード Plan seed", pdf_jstr(v, "plan_seed"));
        const char *bound = pdf_jstr(v, "unerased_fraction_bound");
        rowf(t, "信頼度 Confidence", "%s%s%s", pdf_or_dash(pdf_jstr(v, "confidence")),
             bound ? " — 未消去率の上限 unerased fraction < " : "", bound ? bound : "");
        row(t, "結論 Statement", pdf_jstr(v, "statement"));
        rows_strings(t, "残留署名 Residual sig.", pdf_jget(v, "residual_signatures"));
}

static void section_work(struct pdf_rows *t, const json_t *r)
{
        header(t, "5  作業 Work");
        row_time(t, "開始 Started", r, "times.started_jst", "times.started_utc");
        row_time(t, "終了 Ended", r, "times.ended_jst", "times.ended_utc");
        row_duration(t, "所要時間 Duration", r);
        const char *clock = pdf_jstr(r, "times.clock_confirmed_by");
        if (clock)
                row(t, "時刻確認 Clock confirmed", clock);
        rowf(t, "ツール Tool", "%s %s", pdf_or_dash(pdf_jstr(r, "tool.name")),
             pdf_or_dash(pdf_jstr(r, "tool.version")));
        rowf(t, "イメージ Image", "%s / build %s", pdf_or_dash(pdf_jstr(r, "tool.image_version")),
             pdf_or_dash(pdf_jstr(r, "tool.image_build")));

        const json_t *e = pdf_jget(r, "errors");
        const char *error = pdf_jstr(e, "error");
        if (!json_is_object(e)) {
                row(t, "エラー Errors", NULL);
                return;
        }
        rowf(t, "エラー Errors", "未書込範囲 unwritten ranges: %zu\n読取不能範囲 unreadable ranges: %zu%s%s",
             json_array_size(pdf_jget(e, "unwritten_ranges")),
             json_array_size(pdf_jget(e, "unreadable_ranges")), error ? "\n" : "", error ? error : "");
}

static void section_signature(struct pdf_rows *t, const json_t *r, const char *key_fingerprint)
{
        char buf[32];
        const char *seq;

        header(t, "6  署名 Signature");
        row(t, "証明書番号 Serial", pdf_jstr(r, "serial"));
        pdf_jtext(r, "sequence", buf, &seq);
        row(t, "連番 Sequence", seq);
        /* "" is the first certificate of an appliance; a missing key is just missing */
        const char *prev = pdf_jstr(r, "previous_hash");
        bool is_first = !prev && json_is_string(pdf_jget(r, "previous_hash"));
        row(t, "前の証明書 Previous", is_first ? DASH " （最初の証明書 first certificate）" : prev);
        row(t, "装置鍵 Appliance key", pdf_jstr(r, "appliance_key_id"));
        row(t, "鍵指紋 Key fingerprint", key_fingerprint);
        row(t, "検証 Verify", "minisign -Vm CERT.json -p appliance.pub");
}

int pdf_rows_from_record(const json_t *record, const char *key_fingerprint, struct pdf_rows *ret)
{
        struct pdf_rows t = {};

        section_media(&t, record);
        section_asset(&t, record);
        section_sanitization(&t, record);
        section_verification(&t, record);
        section_work(&t, record);
        section_signature(&t, record, key_fingerprint);
        if (t.error) {
                int r = t.error;
                pdf_rows_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}
