/* SPDX-License-Identifier: MIT */
/*
 * Text that people read: what a certificate, a PDF or a screen shows must be what was signed. So
 * text typed in (operator, asset, organisation…) must be valid UTF-8 without controls or invisible
 * format characters (bidirectional overrides could make "SSAP" read as "PASS"), and text read from
 * a device (model, label) is shown with such characters made visible.
 */
#include <errno.h>
#include <string.h>

#include "common.h"

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length and the code point, or 0 when
 * it is not well-formed (overlong, surrogate, above U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
        if (n == 0)
                return 0;
        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        size_t len;
        uint32_t cp, min;
        if ((s[0] & 0xe0) == 0xc0)
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return len;
}

bool text_is_hidden_code_point(uint32_t cp)
{
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /* C0, DEL, C1 controls */
               cp == 0xad ||                               /* soft hyphen */
               cp == 0x34f ||                              /* combining grapheme joiner */
               cp == 0x61c ||                              /* Arabic letter mark */
               cp == 0x115f || cp == 0x1160 ||             /* Hangul fillers */
               (cp >= 0x17b4 && cp <= 0x17b5) || (cp >= 0x180b && cp <= 0x180f) ||
               (cp >= 0x200b && cp <= 0x200f) || /* zero width, LRM, RLM */
               (cp >= 0x2028 && cp <= 0x202e) || /* line/paragraph separators, embeddings, overrides */
               (cp >= 0x2060 && cp <= 0x206f) || /* word joiner, invisible operators, isolates */
               cp == 0x3164 || cp == 0xfeff || cp == 0xffa0 || /* Hangul filler, BOM/ZWNBSP */
               (cp >= 0xfe00 && cp <= 0xfe0f) ||               /* variation selectors */
               (cp >= 0xfff0 && cp <= 0xfffb) ||               /* interlinear annotation, specials */
               (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe || /* noncharacters */
               (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) ||
               (cp >= 0xe0000 && cp <= 0xe0fff) || /* tags, variation selectors supplement */
               (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xf0000); /* private use */
}

int text_check(const char *s, size_t max_bytes, size_t *ret_bad_offset)
{
        size_t n = strlen(s);
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
                if (len == 0 || text_is_hidden_code_point(cp)) {
                        if (ret_bad_offset)
                                *ret_bad_offset = i;
                        return len == 0 ? -EILSEQ : -EINVAL;
                }
                i += len;
        }
        if (n > max_bytes)
                return -E2BIG;
        return 0;
}

char *text_escape_visible(const char *s)
{
        if (!s)
                return NULL;
        size_t n = strlen(s);
        /* worst case: a one-byte control becomes "<U+001B>", 8 bytes */
        char *out = malloc(8 * n + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
                if (len == 0) {
                        o += (size_t)sprintf(out + o, "\\x%02X", (unsigned char)s[i]);
                        i++;
                } else if (cp != '\n' && text_is_hidden_code_point(cp)) {
                        o += (size_t)sprintf(out + o, "<U+%04X>", (unsigned)cp);
                        i += len;
                } else {
                        memcpy(out + o, s + i, len);
                        o += len;
                        i += len;
                }
        }
        out[o] = 0;
        return out;
}

size_t text_utf8_prefix(const char *s, size_t max_bytes)
{
        size_t n = strlen(s), i = 0;
        while (i < n) {
                uint32_t cp;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
                if (len == 0)
                        len = 1;
                if (i + len > max_bytes)
                        break;
                i += len;
        }
        return i;
}
