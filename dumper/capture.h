/* SPDX-License-Identifier: MIT */
/* dumper/capture.h: the state of one capture in the dumper's child. All of
 * it lives in memory the child maps for itself. */
#pragma once

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "crashd-streams.h"
#include "dumper.h"
#include "minidump.h"
#include "maps.h"
#include "regions.h"
#include "writer.h"

#define CAPTURE_MAX_THREADS 2048
#define CAPTURE_MAX_MAPPINGS 16384
#define CAPTURE_MAX_REGIONS 8192

struct dumper_thread {
        pid_t tid;
        uint32_t source;                /* enum proto_context_source */
        uint32_t flags;                 /* PROTO_THREAD_* */
        bool attached;                  /* ptrace-stopped by us: detach later */
        int stop_signal;                /* to give back on detach */
        struct user_regs_struct regs;
        uint8_t fxsave[512] __attribute__((aligned(16)));
        uint8_t *xstate;                /* in scratch; NULL if none */
        uint32_t xstate_size;
        char name[16];
        /* The stack as captured: [lo, hi), plus the top [top_lo, top_hi)
         * when the middle was left out. */
        uint64_t stack_lo, stack_hi, top_lo, top_hi;
        uint32_t stack_rva;             /* where [stack_lo, stack_hi) is in the dump */
        uint32_t context_rva;
        uint64_t dtv;                   /* glibc's DTV of the thread, 0 unknown (tls.c) */
};

struct capture_text {
        char *text;                     /* in scratch; NULL when the file was missing */
        size_t len;
};

/* Where the crashed process's memory is read. NULL in struct capture: from
 * mem_pid with process_vm_readv (the dumper's child). The core handler
 * (coredump/) reads the segments of the kernel's core instead. read()
 * copies up to len bytes at addr into buf and returns how many it could,
 * from addr on, stopping at the first byte it has not; it must not fault
 * whatever addr is. */
struct capture_memory {
        size_t (*read)(void *userdata, uint64_t addr, void *buf, size_t len);
        void *userdata;
};

struct capture {
        const struct dumper_config *config;
        const struct dumper_crash *crash;
        pid_t pid;                      /* the crashed process */
        pid_t proc_pid;                 /* whose /proc files to read: it, or (parked) our own,
                                           which match its cmdline, auxv, environ, exe */
        pid_t mem_pid;                  /* where memory is read: it, or our copy */
        const struct capture_memory *memory;    /* NULL: from mem_pid */
        uint32_t flags;                 /* PROTO_CRASH_* */
        bool in_process;                /* the crashing thread writes it: no ptrace, no release */

        struct proto_buf scratch;       /* working memory */
        struct proto_buf out;           /* the dump being built */
        struct proto_writer w;

        char *maps_text;
        size_t maps_len;
        struct dumper_maps maps;

        struct dumper_thread *threads;
        size_t n_threads;

        struct region_set regions;
        uint64_t indirect_left;         /* budget for pointed-to memory */

        /* What the dumper finds in its own copy of the process, which the
         * core handler has to be told: the real ids (crash info), the
         * dynamic linker's r_debug (0: none, as in a static program), the
         * executable's path (NULL: read /proc/PID/exe), and an address
         * inside the module whose globals stay out (the dumper's own; 0:
         * none). */
        uint32_t uid, gid;
        uint64_t r_debug;
        const char *exe;
        uint64_t self_addr;
        /* host.c, for the core handler: the crashed process's hostname (%h;
         * NULL: ours, uname()'s) and root directory (above 0: a descriptor
         * of /proc/PID/root, whose /etc/machine-id and container marks are
         * read inside it; else our own /). */
        const char *hostname;
        int root_dirfd;

        /* From /proc/PID/stat. */
        uint32_t ppid;
        uint64_t start_time;
        uint64_t env_start, env_end;
        char comm[17];
        /* /proc/PID files, read while the process still exists. Already
         * set (text not NULL) before capture_read_process_files() and
         * capture_read_host(): kept. */
        struct capture_text status, cmdline, auxv, environ, cgroup;

        /* tls.c: the modules with thread-local storage. */
        struct proto_tls_module *tls;   /* in scratch */
        size_t n_tls;
        uint16_t dtv_entry_size, dtv_pointer_offset;
};

/* host.c: PROTO_STREAM_HOST. The cgroups are read while the process
 * exists, the rest when the stream is written. */
void capture_read_host(struct capture *c);
int capture_write_host(struct capture *c);

/* threads.c */
int capture_threads(struct capture *c);
void capture_release_threads(struct capture *c);

/* memory.c */
/* Reads the crashed process's memory (c->memory, else process_vm_readv
 * from c->mem_pid): the bytes from addr on that could be read. */
size_t capture_read_memory(const struct capture *c, uint64_t addr, void *buf, size_t len);
void capture_plan_memory(struct capture *c);
int capture_write_memory(struct capture *c, uint32_t *ret_rva, uint32_t *ret_size);

/* tls.c: each module's TLS block (link map fields, each thread's DTV),
 * planned with the memory (the DTVs go into it) and written as
 * PROTO_STREAM_TLS. */
void capture_plan_tls(struct capture *c);
int capture_write_tls(struct capture *c);

/* modules.c: an ELF image in the process's memory, its program headers
 * and load bias; false when base holds no 64-bit ELF header. */
#define CAPTURE_MAX_PHDRS 64
struct capture_elf {
        Elf64_Phdr phdrs[CAPTURE_MAX_PHDRS];
        size_t n_phdrs;
        uint64_t bias;
        uint64_t image_end;             /* page end of the last PT_LOAD's memory */
};
bool capture_read_elf(struct capture *c, uint64_t base, struct capture_elf *ret);
int capture_write_modules(struct capture *c);
int capture_write_dso_debug(struct capture *c);
/* The addresses of the r_debug list's link maps, in load order (at most
 * max); *dbg gets r_debug itself (all zeros when unreadable). */
#define CAPTURE_MAX_LINK_MAPS 1024
struct r_debug;
size_t capture_link_maps(struct capture *c, struct r_debug *dbg, uint64_t *addrs, size_t max);

/* streams.c */
/* /proc/PID/stat's text: comm, ppid, start time, the environment's range. */
void capture_parse_stat(struct capture *c, const char *s, size_t len);
/* The dump's file name, COMM.PID.SECONDS.NANOSECONDS + suffix (".dmp.zst"),
 * with what is not [A-Za-z0-9_-] in comm as '_'. */
void capture_file_name(const char *comm, uint64_t pid, uint64_t time_ns, const char *suffix, char *buf,
                       size_t size);
int capture_write_threads(struct capture *c, uint32_t *exception_context_rva);
int capture_write_exception(struct capture *c, uint32_t context_rva);
void capture_read_process_files(struct capture *c);
int capture_write_proc_streams(struct capture *c);
int capture_write_crashd_streams(struct capture *c);

/* output.c */
int capture_save(struct capture *c);

/* Reads a small /proc/PID/... file into scratch; NULL-terminated text. */
char *capture_read_proc(struct capture *c, const char *what, size_t cap, size_t *ret_len);
