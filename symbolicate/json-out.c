/* SPDX-License-Identifier: MIT */
/* symbolicate/json-out.c: escaping for what the formatters print. Every
 * string may come from a hostile dump or a hostile debug file: JSON gets
 * valid UTF-8 (bad bytes become U+FFFD) with control characters escaped;
 * text gets printable UTF-8 with everything else as \xNN, so a report
 * cannot drive a terminal. */
#include <stdint.h>
#include <string.h>

#include "symb-internal.h"

/* The length of the UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 for an invalid or overlong sequence or a surrogate. */
size_t symb_utf8_next(const uint8_t *p, size_t n, uint32_t *cp) {
        uint32_t c;
        size_t k;

        if (n == 0)
                return 0;
        if (p[0] < 0x80) {
                *cp = p[0];
                return 1;
        }
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                k = 2, c = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                k = 3, c = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                k = 4, c = p[0] & 0x07;
        else
                return 0;
        if (n < k)
                return 0;
        for (size_t i = 1; i < k; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (p[i] & 0x3f);
        }
        if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *cp = c;
        return k;
}

void symb_json_string(FILE *out, const char *s) {
        const uint8_t *p = (const uint8_t *) s;
        size_t n = strlen(s);

        fputc('"', out);
        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = symb_utf8_next(p + i, n - i, &c);

                if (k == 0) {
                        fputs("\\ufffd", out);
                        i++;
                        continue;
                }
                switch (c) {
                case '"': fputs("\\\"", out); break;
                case '\\': fputs("\\\\", out); break;
                case '\n': fputs("\\n", out); break;
                case '\r': fputs("\\r", out); break;
                case '\t': fputs("\\t", out); break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                fprintf(out, "\\u%04x", c);
                        else
                                fwrite(p + i, 1, k, out);
                }
                i += k;
        }
        fputc('"', out);
}

void symb_json_string_or_null(FILE *out, const char *s) {
        if (s)
                symb_json_string(out, s);
        else
                fputs("null", out);
}

void symb_json_key(FILE *out, const char *key) {
        symb_json_string(out, key);
        fputc(':', out);
}

void symb_text_put(FILE *out, const char *s) {
        const uint8_t *p = (const uint8_t *) s;
        size_t n = strlen(s);

        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = symb_utf8_next(p + i, n - i, &c);

                if (k == 0 || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                        size_t m = k ? k : 1;

                        for (size_t x = 0; x < m; x++)
                                fprintf(out, "\\x%02x", p[i + x]);
                        i += m;
                        continue;
                }
                fwrite(p + i, 1, k, out);
                i += k;
        }
}
