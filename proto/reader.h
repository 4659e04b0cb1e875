/* SPDX-License-Identifier: MIT */
/* proto/reader.h: reads a minidump (raw MDMP or one zstd frame of it) that
 * may be truncated or hostile. Every offset, size and count is checked
 * against the file before use; allocations are bounded by the file's size
 * (and the decompressed size by PROTO_DUMP_MAX_SIZE), so any byte sequence
 * gives either a dump or an error message, never a crash or a hang.
 * Not for the crash path: it allocates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashd-streams.h"
#include "minidump.h"

#define PROTO_DUMP_MAX_SIZE (UINT64_C(1) << 30)  /* 1 GiB decompressed */
#define PROTO_BUILD_ID_MAX 64

struct proto_blob {
        const uint8_t *data;    /* into proto_dump.file; NULL when absent */
        size_t size;
};

struct proto_memory_region {
        uint64_t start;
        uint64_t size;
        const uint8_t *data;    /* into proto_dump.file */
};

struct proto_thread {
        uint32_t tid;
        bool has_context;
        struct md_context_amd64 context;        /* copied: the file may be unaligned */
        struct proto_memory_region stack;       /* data NULL when absent */
        bool has_info;                          /* a PROTO_STREAM_THREAD_INFO entry */
        struct proto_thread_info info;
        struct proto_blob xstate;               /* XSAVE image, if any */
};

struct proto_module {
        uint64_t base;
        uint64_t size;
        char *name;                             /* UTF-8, owned */
        uint8_t build_id[PROTO_BUILD_ID_MAX];
        size_t build_id_size;                   /* 0: no BpEL record */
};

struct proto_link_map {
        uint64_t addr, ld;
        char *name;                             /* UTF-8, owned */
};

struct proto_stream_entry {
        uint32_t type, rva, size;
};

struct proto_dump {
        uint8_t *file;                          /* the decompressed file, owned */
        size_t file_size;
        bool compressed;                        /* it came as zstd */
        struct md_header header;

        struct proto_stream_entry *streams;
        size_t n_streams;

        struct proto_thread *threads;
        size_t n_threads;
        struct proto_module *modules;
        size_t n_modules;
        struct proto_memory_region *memory;     /* sorted by start, non-overlapping */
        size_t n_memory;

        bool has_exception;
        struct md_exception_stream exception;
        bool has_exception_context;
        struct md_context_amd64 exception_context;

        bool has_system_info;
        struct md_system_info system_info;
        char *os_version;                       /* csd_version, owned; NULL if absent */

        bool has_crash_info;
        struct proto_crash_info crash_info;

        struct proto_tag *tags;                 /* owned, NUL-terminated fields */
        size_t n_tags;
        struct proto_breadcrumb *breadcrumbs;   /* owned, oldest first */
        size_t n_breadcrumbs;

        struct proto_blob cpu_info, proc_status, lsb_release, cmd_line, environ, auxv, maps;
        struct proto_blob host;                 /* PROTO_STREAM_HOST: KEY=VALUE lines */

        bool has_dso_debug;
        struct md_raw_debug dso_debug;
        struct proto_link_map *link_maps;
        size_t n_link_maps;

        struct proto_tls_module *tls_modules;   /* PROTO_STREAM_TLS; owned */
        size_t n_tls_modules;
        uint16_t dtv_entry_size, dtv_pointer_offset;
};

/* Parses data (copied; the caller keeps it). On failure returns a negative
 * errno and, if err is not NULL, a one-line reason in err. */
int proto_dump_parse(const void *data, size_t size, struct proto_dump **ret, char *err, size_t errlen);
/* Reads and parses a file (.dmp or .dmp.zst, told apart by their magic). */
int proto_dump_load(const char *path, struct proto_dump **ret, char *err, size_t errlen);
/* The same from an open file, read from its current offset; takes fd
 * (closed whatever happens). */
int proto_dump_load_fd(int fd, struct proto_dump **ret, char *err, size_t errlen);
void proto_dump_free(struct proto_dump *d);

/* Copies up to len bytes starting at addr from the captured memory; returns
 * how many contiguous bytes from addr were captured (0: none). */
size_t proto_dump_read_memory(const struct proto_dump *d, uint64_t addr, void *buf, size_t len);

/* The thread the exception stream names, or NULL. */
const struct proto_thread *proto_dump_crashing_thread(const struct proto_dump *d);

/* The register file for thread t: the exception context for the crashing
 * thread (what the signal handler saw), else the thread's own. */
const struct md_context_amd64 *proto_thread_context(const struct proto_dump *d, const struct proto_thread *t);

/* Text helpers shared by the tools. */
const char *proto_signal_name(uint32_t signo);                     /* "SIGSEGV" or NULL */
const char *proto_signal_code_name(uint32_t signo, int32_t code); /* "SEGV_MAPERR", "SI_USER" or NULL */
const char *proto_context_source_name(uint32_t source);            /* "ucontext", "ptrace", ... */
const char *proto_stream_name(uint32_t type);                      /* "ThreadList" or NULL */
