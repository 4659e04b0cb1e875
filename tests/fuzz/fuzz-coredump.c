/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-coredump.c: any bytes as the core crashd-coredump reads
 * from the kernel's pipe (coredump/core-read.c), fed in chunks of varying
 * size as a pipe hands them out, with small limits; then, when it gives
 * threads, the dump made of it as the handler makes it (coredump/dump.c:
 * the dumper's capture code over the core's memory, with no /proc: the
 * core's own facts), which the dump reader must accept. Checked on the
 * way: the kept memory is sorted and disjoint, reads back as the index
 * says, and never comes from outside what was read. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "core-read.h"
#include "dump.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
        const uint8_t *p;
        size_t n, off;
        uint32_t rng;
};

static size_t next_chunk(struct feed *f, size_t want) {
        size_t k;

        /* 1 byte to 64 KiB: page boundaries fall anywhere. */
        f->rng = f->rng * 1103515245u + 12345u;
        k = 1 + (f->rng >> 8) % 65536;
        if (k > want)
                k = want;
        if (k > f->n - f->off)
                k = f->n - f->off;
        return k;
}

static ssize_t feed_read(void *userdata, void *buf, size_t n) {
        struct feed *f = userdata;
        size_t k = next_chunk(f, n);

        memcpy(buf, f->p + f->off, k);
        f->off += k;
        return (ssize_t) k;
}

static ssize_t feed_skip(void *userdata, size_t n) {
        struct feed *f = userdata;
        size_t k = next_chunk(f, n);

        f->off += k;
        return (ssize_t) k;
}

static void check_core(const struct core *c, size_t size) {
        for (size_t i = 0; i < c->n_ext; i++) {
                const struct core_extent *e = &c->ext[i];
                uint8_t b[16];

                if (e->end <= e->start || (i && e->start < c->ext[i - 1].end))
                        __builtin_trap();
                if (core_memory_read(c, e->start, b, 1) != 1)
                        __builtin_trap();
                if (e->data ? b[0] != e->data[0] : b[0] != 0)
                        __builtin_trap();
        }
        /* Never more than was there: nothing is made up. */
        if (c->bytes_read > size || c->buffered > (UINT64_C(1) << 20) + (UINT64_C(16) << 20))
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct capture cap;
        struct feed f = { data, size, 0, (uint32_t) size };
        struct core_input in = { feed_read, size & 1 ? feed_skip : NULL, &f };
        struct core_limits lim;
        struct core c = { 0 };
        struct coredump_proc proc = { 0 };
        struct coredump_args a = { .pid = 4242, .tid = 0, .uid = 1000, .gid = 1000, .signo = 11, .time = 1,
                                   .core_limit = 0, .dump_mode = 1 };
        struct dumper_config cfg = { .stack_crashed_max = 64 * 1024, .stack_other_max = 16 * 1024,
                                     .indirect_max = 32 * 1024, .globals_max = 16 * 1024,
                                     .lib_globals_max = 16 * 1024, .dump_max = 8u << 20 };
        char err[256] = "";
        int r;

        core_limits_default(&lim);
        lim.buffer_max = 1u << 20;
        lim.notes_max = 1u << 20;
        lim.max_segments = 4096;
        lim.max_threads = 64;
        lim.max_extents = 4096;
        lim.stack_crashed_max = cfg.stack_crashed_max;
        lim.stack_other_max = cfg.stack_other_max;
        r = core_read(&c, &in, &lim, err, sizeof(err));
        if (r < 0 && (!err[0] || strchr(err, '\n')))
                __builtin_trap();       /* an error is one line */
        check_core(&c, size);
        if (c.n_threads > 0) {
                memcpy(a.comm, "fuzz", 5);
                r = coredump_build(&cap, &c, &proc, &a, &cfg, UINT64_C(1000000000), err, sizeof(err));
                if (r == 0) {
                        struct proto_dump *d = NULL;

                        if (proto_dump_parse(cap.out.data, cap.out.size, &d, err, sizeof(err)) < 0)
                                __builtin_trap();       /* our own dump must read back */
                        proto_dump_free(d);
                }
                coredump_capture_free(&cap);
        }
        core_free(&c);
        return 0;
}
