/* SPDX-License-Identifier: MIT */
/* daemon/json-util.c: see json-util.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json-util.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s) {
        unsigned c = s[0];

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return (s[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c >= 0xe0 && c <= 0xef) {
                if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
                        return 0;       /* overlong, or a surrogate */
                return 3;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
                        return 0;
                if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
                        return 0;
                return 4;
        }
        return 0;
}

json_t *json_util_string(const char *s) {
        return json_stringn(s, strlen(s));
}

json_t *json_util_null(void) {
        return json_pack("n");
}

json_t *json_string_lossy(const char *s) {
        const unsigned char *p;
        size_t n, out = 0;
        bool clean = true;
        char *buf;
        json_t *j;

        if (!s)
                return json_util_null();
        n = strlen(s);
        for (p = (const unsigned char *) s; *p;) {
                size_t k = utf8_len(p);

                if (k == 0) {
                        clean = false;
                        break;
                }
                p += k;
        }
        if (clean)
                return json_stringn(s, n);

        buf = malloc(3 * n + 1);        /* each bad byte becomes 3 bytes */
        if (!buf)
                return NULL;
        for (p = (const unsigned char *) s; *p;) {
                size_t k = utf8_len(p);

                if (k == 0) {
                        memcpy(buf + out, "\xef\xbf\xbd", 3);
                        out += 3;
                        p++;
                        continue;
                }
                memcpy(buf + out, p, k);
                out += k;
                p += k;
        }
        j = json_stringn(buf, out);
        free(buf);
        return j;
}

void format_iso_time(uint64_t ns, char *buf, size_t size) {
        time_t t = (time_t) (ns / 1000000000u);
        struct tm tm;

        if (!gmtime_r(&t, &tm)) {
                (void) snprintf(buf, size, "?");
                return;
        }
        (void) snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned) (ns % 1000000000u / 1000));
}

int64_t json_get_int(const json_t *o, const char *key, int64_t def) {
        json_t *v = json_object_get(o, key);

        return json_is_integer(v) ? (int64_t) json_integer_value(v) : def;
}

const char *json_get_str(const json_t *o, const char *key) {
        json_t *v = json_object_get(o, key);

        return json_is_string(v) ? json_string_value(v) : NULL;
}
