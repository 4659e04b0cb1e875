/* SPDX-License-Identifier: MIT */
#include "core-out.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "writer.h"

void core_out_init(struct core_out *o, int fd) {
        o->fd = fd;
        o->offset = 0;
        o->used = 0;
}

int core_out_flush(struct core_out *o) {
        int r;

        if (o->used == 0)
                return 0;
        r = proto_write_all(o->fd, o->buf, o->used);
        o->used = 0;
        return r;
}

int core_out_put(struct core_out *o, const void *p, size_t n) {
        int r;

        if (n >= sizeof(o->buf)) {
                r = core_out_flush(o);
                if (r < 0)
                        return r;
                r = proto_write_all(o->fd, p, n);
                if (r < 0)
                        return r;
                o->offset += n;
                return 0;
        }
        if (n > sizeof(o->buf) - o->used) {
                r = core_out_flush(o);
                if (r < 0)
                        return r;
        }
        memcpy(o->buf + o->used, p, n);
        o->used += n;
        o->offset += n;
        return 0;
}

int core_out_put_cb(void *userdata, const void *p, size_t n) {
        return core_out_put(userdata, p, n);
}

int core_out_zeros(struct core_out *o, uint64_t n) {
        static const uint8_t zeros[4096];

        while (n > 0) {
                size_t k = n < sizeof(zeros) ? (size_t) n : sizeof(zeros);
                int r = core_out_put(o, zeros, k);

                if (r < 0)
                        return r;
                n -= k;
        }
        return 0;
}

int core_out_pad_to(struct core_out *o, uint64_t offset) {
        assert(offset >= o->offset);
        return core_out_zeros(o, offset - o->offset);
}
