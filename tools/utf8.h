/* SPDX-License-Identifier: MIT */
/* tools/utf8.h: decoding one UTF-8 sequence, strictly (no overlongs, no
 * surrogates, nothing past U+10FFFF), for printing text that came out of a
 * dump: whatever does not decode is shown escaped, never passed through. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The length of the valid sequence at s[0..n) and its code point, or 0. */
static inline size_t utf8_next(const uint8_t *s, size_t n, uint32_t *ret) {
        uint32_t c = s[0], min;
        size_t len;

        if (c < 0x80) {
                *ret = c;
                return 1;
        }
        if ((c & 0xe0) == 0xc0)
                len = 2, c &= 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
                len = 3, c &= 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
                len = 4, c &= 0x07, min = 0x10000;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}
