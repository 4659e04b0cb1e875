/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-dump.c: any bytes through the dump reader, then through
 * everything a consumer of a parsed dump touches. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader-internal.h"

/* The decompressed-size cap for fuzzing. The real one (1 GiB) works the
 * same way but lets a 64 KiB RLE frame take seconds and most of libFuzzer's
 * memory limit per run; test-reader-reject checks the cap itself. */
#define FUZZ_MAX_SIZE (UINT64_C(16) << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const void *p, size_t n, volatile uint8_t *sink) {
        const uint8_t *b = p;

        if (n > 0)
                *sink ^= b[0] ^ b[n - 1];
}

/* proto_dump_load() hands its own buffer to the parser, a path
 * proto_dump_parse() does not take; raw input only, so that no zstd frame
 * inflates past FUZZ_MAX_SIZE here. Returns 1 if the file parsed, 0 if it
 * was refused, -1 if it was not tried. */
static int load_via_memfd(const uint8_t *data, size_t size) {
        struct proto_dump *d = NULL;
        char path[64], err[256];
        int fd, r;

        if (size >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0)
                return -1;
        fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
        if (fd < 0)
                return -1;
        if (write(fd, data, size) != (ssize_t) size) {
                (void) close(fd);
                return -1;
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        r = proto_dump_load(path, &d, err, sizeof(err));
        (void) close(fd);
        if (r < 0 && memchr(err, '\n', strnlen(err, sizeof(err))))
                __builtin_trap();
        proto_dump_free(d);
        return r >= 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static volatile uint8_t sink;
        struct proto_dump *d = NULL;
        const struct proto_thread *ct;
        uint8_t buf[256];
        char err[256];
        int loaded = load_via_memfd(data, size);

        if (proto_dump_parse_max(data, size, FUZZ_MAX_SIZE, &d, err, sizeof(err)) < 0) {
                /* The contract: one line; and the same answer as load(). */
                if (memchr(err, '\n', strnlen(err, sizeof(err))) || loaded == 1)
                        __builtin_trap();
                return 0;
        }
        if (loaded == 0)
                __builtin_trap();
        for (size_t i = 0; i < d->n_memory; i++) {
                const struct proto_memory_region *m = &d->memory[i];
                size_t n = proto_dump_read_memory(d, m->start, buf, sizeof(buf));

                /* The index is sorted, disjoint, non-empty, and reads back. */
                if (m->size == 0 || n == 0 || memcmp(buf, m->data, n < m->size ? n : m->size) != 0)
                        __builtin_trap();
                if (i + 1 < d->n_memory && m->start + (m->size - 1) >= d->memory[i + 1].start)
                        __builtin_trap();
                touch(m->data, m->size, &sink);
                (void) proto_dump_read_memory(d, m->start + m->size - 1, buf, sizeof(buf));
                (void) proto_dump_read_memory(d, m->start - 1, buf, 2);
        }
        (void) proto_dump_read_memory(d, 0, buf, sizeof(buf));
        (void) proto_dump_read_memory(d, UINT64_MAX, buf, sizeof(buf));

        ct = proto_dump_crashing_thread(d);
        if (ct) {
                const struct md_context_amd64 *c = proto_thread_context(d, ct);

                if (c)
                        (void) proto_dump_read_memory(d, c->rsp, buf, sizeof(buf));
        }
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                if (c)
                        sink ^= (uint8_t) c->rip;
                touch(t->stack.data, t->stack.size, &sink);
                touch(t->xstate.data, t->xstate.size, &sink);
                sink ^= (uint8_t) strlen(t->info.name);
                (void) proto_context_source_name(t->info.context_source);
        }
        for (size_t i = 0; i < d->n_modules; i++)
                sink ^= (uint8_t) strlen(d->modules[i].name);
        for (size_t i = 0; i < d->n_link_maps; i++)
                sink ^= (uint8_t) strlen(d->link_maps[i].name);
        for (size_t i = 0; i < d->n_tags; i++)
                sink ^= (uint8_t) (strlen(d->tags[i].key) + strlen(d->tags[i].value));
        for (size_t i = 0; i < d->n_breadcrumbs; i++)
                sink ^= (uint8_t) strlen(d->breadcrumbs[i].message);
        for (size_t i = 0; i < d->n_streams; i++) {
                touch(d->file + d->streams[i].rva, d->streams[i].size, &sink);
                (void) proto_stream_name(d->streams[i].type);
        }
        if (d->os_version)
                sink ^= (uint8_t) strlen(d->os_version);
        if (d->has_crash_info) {
                sink ^= (uint8_t) strlen(d->crash_info.dumper_version);
                (void) proto_signal_name(d->crash_info.si_signo);
                (void) proto_signal_code_name(d->crash_info.si_signo, (int32_t) d->crash_info.si_code);
        }
        if (d->has_exception)
                (void) proto_signal_code_name(d->exception.exception_record.exception_code,
                                              (int32_t) d->exception.exception_record.exception_flags);
        touch(d->cpu_info.data, d->cpu_info.size, &sink);
        touch(d->proc_status.data, d->proc_status.size, &sink);
        touch(d->lsb_release.data, d->lsb_release.size, &sink);
        touch(d->cmd_line.data, d->cmd_line.size, &sink);
        touch(d->environ.data, d->environ.size, &sink);
        touch(d->auxv.data, d->auxv.size, &sink);
        touch(d->maps.data, d->maps.size, &sink);
        proto_dump_free(d);
        return 0;
}
