/* SPDX-License-Identifier: MIT */
#include "sample-dump.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "crashd-streams.h"
#include "minidump.h"

#define TRY(expr)                       \
        do {                            \
                int _r = (expr);        \
                if (_r < 0)             \
                        return _r;      \
        } while (0)

static void *reserve(struct proto_buf *b, size_t n, uint32_t *rva) {
        return proto_buf_reserve(b, n, 8, rva);
}

/* Captured bytes at rva for the range that starts at addr. */
static int add_range(struct proto_buf *b, uint64_t addr, size_t n, uint32_t *ret_rva) {
        uint8_t *p = reserve(b, n, ret_rva);

        if (!p)
                return -ENOSPC;
        for (size_t i = 0; i < n; i++)
                p[i] = sample_byte(addr + i);
        return 0;
}

static int add_context(struct proto_buf *b, uint64_t rip, uint64_t rsp, uint32_t *ret_rva) {
        struct md_context_amd64 *c = reserve(b, sizeof(*c), ret_rva);

        if (!c)
                return -ENOSPC;
        c->context_flags = MD_CONTEXT_AMD64_FULL;
        c->rip = rip;
        c->rsp = rsp;
        c->rbp = rsp + 0x40;
        c->rax = 0x1111;
        c->r15 = 0xf15;
        c->flt_save.mx_csr = 0x1f80;
        c->mx_csr = 0x1f80;
        c->eflags = 0x246;
        return 0;
}

static int add_string(struct proto_writer *w, const char *s, uint32_t *rva) {
        return proto_writer_string(w, s, strlen(s), rva);
}

struct threads_out {
        uint32_t crash_context_rva;
        uint32_t crash_stack_rva;
};

static int add_threads(struct proto_writer *w, enum sample_variant v, struct threads_out *out) {
        struct proto_buf *b = w->buf;
        uint32_t n = v == SAMPLE_MINIMAL ? 1 : 3, rva, ctx_rva, stack_rva;
        uint8_t *list;
        struct md_thread t;

        list = proto_buf_reserve(b, 4 + n * sizeof(struct md_thread), 4, &rva);
        if (!list)
                return -ENOSPC;
        memcpy(list, &n, 4);
        TRY(proto_writer_add_stream(w, MD_STREAM_THREAD_LIST, rva, 4 + n * sizeof(struct md_thread)));

        /* main */
        TRY(add_context(b, SAMPLE_MAIN_RIP, SAMPLE_MAIN_RSP, &ctx_rva));
        TRY(add_range(b, SAMPLE_MAIN_RSP, SAMPLE_MAIN_STACK_SIZE, &stack_rva));
        t = (struct md_thread) {
                .thread_id = SAMPLE_TID_MAIN,
                .stack = { SAMPLE_MAIN_RSP, { SAMPLE_MAIN_STACK_SIZE, stack_rva } },
                .thread_context = { sizeof(struct md_context_amd64), ctx_rva },
        };
        memcpy(list + 4, &t, sizeof(t));
        if (n == 1)
                return 0;

        /* worker, the crashed one */
        TRY(add_context(b, SAMPLE_CRASH_RIP, SAMPLE_CRASH_RSP, &ctx_rva));
        TRY(add_range(b, SAMPLE_CRASH_RSP, SAMPLE_CRASH_STACK_SIZE, &stack_rva));
        t = (struct md_thread) {
                .thread_id = SAMPLE_TID_CRASH,
                .stack = { SAMPLE_CRASH_RSP, { SAMPLE_CRASH_STACK_SIZE, stack_rva } },
                .thread_context = { sizeof(struct md_context_amd64), ctx_rva },
        };
        memcpy(list + 4 + sizeof(t), &t, sizeof(t));
        out->crash_context_rva = ctx_rva;
        out->crash_stack_rva = stack_rva;

        /* idle: nothing captured */
        t = (struct md_thread) { .thread_id = SAMPLE_TID_IDLE };
        memcpy(list + 4 + 2 * sizeof(t), &t, sizeof(t));
        return 0;
}

static int add_modules(struct proto_writer *w) {
        static const struct {
                const char *name;
                uint64_t base;
                uint32_t size;
                bool build_id;
        } mods[] = {
                { SAMPLE_EXE, SAMPLE_EXE_BASE, SAMPLE_EXE_SIZE, true },
                { SAMPLE_LIBC, SAMPLE_LIBC_BASE, SAMPLE_LIBC_SIZE, true },
                { SAMPLE_ODD_NAME, SAMPLE_ODD_BASE, SAMPLE_ODD_SIZE, false },
        };
        struct proto_buf *b = w->buf;
        uint32_t n = 3, rva;
        uint8_t *list;

        list = proto_buf_reserve(b, 4 + n * sizeof(struct md_module), 4, &rva);
        if (!list)
                return -ENOSPC;
        memcpy(list, &n, 4);
        TRY(proto_writer_add_stream(w, MD_STREAM_MODULE_LIST, rva, 4 + n * sizeof(struct md_module)));
        for (unsigned i = 0; i < n; i++) {
                struct md_module m = {
                        .base_of_image = mods[i].base,
                        .size_of_image = mods[i].size,
                };

                TRY(add_string(w, mods[i].name, &m.module_name_rva));
                if (mods[i].build_id) {
                        uint8_t *cv = proto_buf_reserve(b, 4 + SAMPLE_BUILD_ID_SIZE, 4, &m.cv_record.rva);
                        uint32_t sig = MD_CVINFOELF_SIGNATURE;

                        if (!cv)
                                return -ENOSPC;
                        memcpy(cv, &sig, 4);
                        for (unsigned k = 0; k < SAMPLE_BUILD_ID_SIZE; k++)
                                cv[4 + k] = sample_build_id_byte(i, k);
                        m.cv_record.data_size = 4 + SAMPLE_BUILD_ID_SIZE;
                }
                memcpy(list + 4 + i * sizeof(m), &m, sizeof(m));
        }
        return 0;
}

static int add_memory(struct proto_writer *w, const struct threads_out *t) {
        struct proto_buf *b = w->buf;
        struct md_memory_descriptor md[3];
        uint32_t n = 3, rva;
        uint8_t *list;

        md[0] = (struct md_memory_descriptor) {
                SAMPLE_CRASH_RSP, { SAMPLE_CRASH_STACK_SIZE, t->crash_stack_rva } };
        md[1].start_of_memory_range = SAMPLE_CODE_START;
        md[1].memory.data_size = SAMPLE_CODE_SIZE;
        TRY(add_range(b, SAMPLE_CODE_START, SAMPLE_CODE_SIZE, &md[1].memory.rva));
        md[2].start_of_memory_range = SAMPLE_HEAP_START;
        md[2].memory.data_size = SAMPLE_HEAP_SIZE;
        TRY(add_range(b, SAMPLE_HEAP_START, SAMPLE_HEAP_SIZE, &md[2].memory.rva));

        list = proto_buf_reserve(b, 4 + sizeof(md), 4, &rva);
        if (!list)
                return -ENOSPC;
        memcpy(list, &n, 4);
        memcpy(list + 4, md, sizeof(md));
        return proto_writer_add_stream(w, MD_STREAM_MEMORY_LIST, rva, 4 + sizeof(md));
}

static int add_exception(struct proto_writer *w, enum sample_variant v, const struct threads_out *t) {
        struct md_exception_stream e = {
                .thread_id = SAMPLE_TID_CRASH,
                .exception_record = {
                        .exception_code = v == SAMPLE_REQUESTED ? MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED
                                                                : SAMPLE_SIGNO,
                        .exception_flags = v == SAMPLE_REQUESTED ? 0 : SAMPLE_CODE,
                        .exception_address = SAMPLE_ADDR,
                },
        };

        TRY(add_context(w->buf, SAMPLE_CRASH_EXC_RIP, SAMPLE_CRASH_RSP, &e.thread_context.rva));
        e.thread_context.data_size = sizeof(struct md_context_amd64);
        (void) t;
        return proto_writer_add_blob(w, MD_STREAM_EXCEPTION, &e, sizeof(e));
}

static int add_system_info(struct proto_writer *w, uint8_t cpus) {
        struct md_system_info si = {
                .processor_architecture = MD_CPU_ARCHITECTURE_AMD64,
                .processor_level = 6,
                .number_of_processors = cpus,
                .major_version = 6,
                .minor_version = 1,
                .platform_id = MD_OS_LINUX,
        };

        TRY(add_string(w, SAMPLE_OS, &si.csd_version_rva));
        return proto_writer_add_blob(w, MD_STREAM_SYSTEM_INFO, &si, sizeof(si));
}

static int add_linux_streams(struct proto_writer *w) {
        static const uint64_t auxv[] = { 6, 4096, 25, 0x7ffd00200000, 0, 0 };  /* AT_PAGESZ, AT_RANDOM, AT_NULL */

        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_CPU_INFO, SAMPLE_CPU_INFO, sizeof(SAMPLE_CPU_INFO) - 1));
        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_PROC_STATUS, SAMPLE_STATUS, sizeof(SAMPLE_STATUS) - 1));
        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_LSB_RELEASE, SAMPLE_LSB, sizeof(SAMPLE_LSB) - 1));
        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_CMD_LINE, SAMPLE_CMDLINE, sizeof(SAMPLE_CMDLINE) - 1));
        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_ENVIRON, SAMPLE_ENVIRON, sizeof(SAMPLE_ENVIRON) - 1));
        TRY(proto_writer_add_blob(w, MD_STREAM_LINUX_AUXV, auxv, sizeof(auxv)));
        return proto_writer_add_blob(w, MD_STREAM_LINUX_MAPS, SAMPLE_MAPS, sizeof(SAMPLE_MAPS) - 1);
}

static int add_dso_debug(struct proto_writer *w) {
        struct md_raw_link_map lm[2] = {
                { .addr = 0, .ld = SAMPLE_DSO_DYNAMIC },
                { .addr = SAMPLE_LIBC_BASE, .ld = SAMPLE_LIBC_BASE + 0x1bc000 },
        };
        struct md_raw_debug dbg = {
                .version = 1,
                .dso_count = 2,
                .brk = SAMPLE_DSO_BRK,
                .ldbase = SAMPLE_DSO_LDBASE,
                .dynamic = SAMPLE_DSO_DYNAMIC,
        };

        TRY(add_string(w, "", &lm[0].name));
        TRY(add_string(w, SAMPLE_LIBC, &lm[1].name));
        TRY(proto_buf_append(w->buf, lm, sizeof(lm), 4, &dbg.map));
        return proto_writer_add_blob(w, MD_STREAM_LINUX_DSO_DEBUG, &dbg, sizeof(dbg));
}

static int add_crash_info(struct proto_writer *w, enum sample_variant v) {
        struct proto_crash_info ci = {
                .version = PROTO_CRASH_INFO_VERSION,
                .flags = v == SAMPLE_REQUESTED ? PROTO_CRASH_REQUESTED : SAMPLE_FLAGS,
                .si_signo = v == SAMPLE_REQUESTED ? 0 : SAMPLE_SIGNO,
                .si_code = v == SAMPLE_REQUESTED ? 0 : (uint32_t) SAMPLE_CODE,
                .crashing_tid = SAMPLE_TID_CRASH,
                .fault_addr = SAMPLE_ADDR,
                .pid = SAMPLE_PID,
                .ppid = SAMPLE_PPID,
                .uid = SAMPLE_UID,
                .gid = SAMPLE_GID,
                .crash_time_ns = SAMPLE_TIME_NS,
                .start_time_ticks = SAMPLE_START_TICKS,
                .dumper_version = SAMPLE_DUMPER_VERSION,
        };

        for (unsigned i = 0; i < sizeof(ci.siginfo); i++)
                ci.siginfo[i] = (uint8_t) i;
        return proto_writer_add_blob(w, PROTO_STREAM_CRASH_INFO, &ci, sizeof(ci));
}

static int add_thread_info(struct proto_writer *w) {
        static const struct {
                uint32_t tid, source, flags;
                const char *name;
        } ti[] = {
                { SAMPLE_TID_MAIN, PROTO_CONTEXT_PTRACE, 0, "main" },
                { SAMPLE_TID_CRASH, PROTO_CONTEXT_UCONTEXT, PROTO_THREAD_CRASHED, "worker" },
                { SAMPLE_TID_IDLE, PROTO_CONTEXT_NONE, 0, "idle-thread-nam" },
        };
        struct proto_buf *b = w->buf;
        struct proto_thread_info_header h = {
                .version = PROTO_THREAD_INFO_VERSION,
                .count = 3,
                .entry_size = sizeof(struct proto_thread_info),
        };
        uint32_t xstate_rva, rva;
        uint8_t *p;

        TRY(add_range(b, 0, SAMPLE_XSTATE_SIZE, &xstate_rva));
        p = reserve(b, sizeof(h) + 3 * sizeof(struct proto_thread_info), &rva);
        if (!p)
                return -ENOSPC;
        memcpy(p, &h, sizeof(h));
        for (unsigned i = 0; i < 3; i++) {
                struct proto_thread_info e = {
                        .tid = ti[i].tid,
                        .context_source = ti[i].source,
                        .flags = ti[i].flags,
                        .fs_base = 0x7f3000000000 + i * 0x1000,
                        .gs_base = 0,
                };

                strncpy(e.name, ti[i].name, sizeof(e.name) - 1);
                if (ti[i].tid == SAMPLE_TID_CRASH) {
                        e.xstate_rva = xstate_rva;
                        e.xstate_size = SAMPLE_XSTATE_SIZE;
                }
                memcpy(p + sizeof(h) + i * sizeof(e), &e, sizeof(e));
        }
        return proto_writer_add_stream(w, PROTO_STREAM_THREAD_INFO, rva,
                                       sizeof(h) + 3 * sizeof(struct proto_thread_info));
}

static int add_tags(struct proto_writer *w) {
        static const char *const kv[][2] = {
                { "release", "1.2.3" },
                { "user", "alice \"a\" <tab>\t" },
        };
        struct proto_buf *b = w->buf;
        uint32_t hdr[2] = { 2, sizeof(struct proto_tag) }, rva;
        uint8_t *p;

        p = reserve(b, 8 + 2 * sizeof(struct proto_tag), &rva);
        if (!p)
                return -ENOSPC;
        memcpy(p, hdr, 8);
        for (unsigned i = 0; i < 2; i++) {
                struct proto_tag t = {};

                strncpy(t.key, kv[i][0], sizeof(t.key) - 1);
                strncpy(t.value, kv[i][1], sizeof(t.value) - 1);
                memcpy(p + 8 + i * sizeof(t), &t, sizeof(t));
        }
        return proto_writer_add_stream(w, PROTO_STREAM_TAGS, rva, 8 + 2 * sizeof(struct proto_tag));
}

static int add_breadcrumbs(struct proto_writer *w) {
        static const char *const msgs[] = { "started", "opening \"/tmp/x\"\nthen \\ crashing" };
        struct proto_buf *b = w->buf;
        uint32_t hdr[2] = { 2, sizeof(struct proto_breadcrumb) }, rva;
        uint8_t *p;

        p = reserve(b, 8 + 2 * sizeof(struct proto_breadcrumb), &rva);
        if (!p)
                return -ENOSPC;
        memcpy(p, hdr, 8);
        for (unsigned i = 0; i < 2; i++) {
                struct proto_breadcrumb bc = {
                        .time_ns = SAMPLE_TIME_NS - 1000000000 + i,
                        .level = i + 1,
                };

                strncpy(bc.message, msgs[i], sizeof(bc.message) - 1);
                memcpy(p + 8 + i * sizeof(bc), &bc, sizeof(bc));
        }
        return proto_writer_add_stream(w, PROTO_STREAM_BREADCRUMBS, rva, 8 + 2 * sizeof(struct proto_breadcrumb));
}

int sample_dump_build(struct proto_buf *b, enum sample_variant v) {
        struct proto_writer w;
        struct threads_out t = {};

        b->size = 0;
        TRY(proto_writer_begin(&w, b, 24, SAMPLE_TIME));
        TRY(add_threads(&w, v, &t));
        if (v == SAMPLE_MINIMAL)
                return proto_writer_finish(&w);

        TRY(add_modules(&w));
        TRY(add_memory(&w, &t));
        TRY(add_exception(&w, v, &t));
        TRY(add_system_info(&w, SAMPLE_CPUS));
        TRY(add_linux_streams(&w));
        TRY(add_dso_debug(&w));
        if (v != SAMPLE_BREAKPAD) {
                TRY(add_crash_info(&w, v));
                TRY(add_thread_info(&w));
                TRY(add_tags(&w));
                TRY(add_breadcrumbs(&w));
                /* The first system info wins; an unknown stream is skipped. */
                TRY(add_system_info(&w, SAMPLE_CPUS + 1));
                TRY(proto_writer_add_blob(&w, SAMPLE_UNKNOWN_STREAM, "??", 2));
        }
        return proto_writer_finish(&w);
}

int sample_dump_write_zstd(int fd, const struct proto_buf *b) {
        size_t ws = proto_zstd_workspace_size();
        void *workspace;
        int r;

        workspace = mmap(NULL, ws, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (workspace == MAP_FAILED)
                return -errno;
        r = proto_zstd_write(fd, b->data, b->size, workspace, ws);
        (void) munmap(workspace, ws);
        return r;
}

struct md_directory *sample_find_stream(uint8_t *file, size_t size, uint32_t type) {
        struct md_header h;

        if (size < sizeof(h))
                return NULL;
        memcpy(&h, file, sizeof(h));
        for (uint32_t i = 0; i < h.stream_count; i++) {
                uint64_t off = h.stream_directory_rva + (uint64_t) i * sizeof(struct md_directory);
                struct md_directory *e;

                if (off + sizeof(*e) > size)
                        return NULL;
                e = (struct md_directory *) (file + off);
                if (e->stream_type == type)
                        return e;
        }
        return NULL;
}
