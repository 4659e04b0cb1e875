/* SPDX-License-Identifier: MIT */
/* coredump/core-read.h: a Linux x86-64 ELF core read as the kernel streams
 * it into a core_pattern pipe (fs/coredump.c, fs/binfmt_elf.c): the ELF
 * header, the program headers, the PT_NOTE segment, then every PT_LOAD's
 * bytes in file order, page-aligned, with zeros in between. A pipe cannot
 * seek, so each byte is seen once and what is to be kept is decided as it
 * passes:
 *
 *   - the notes, whole (threads' registers, siginfo, auxv, NT_FILE);
 *   - each thread's stack window, as the dumper takes it (from SP less the
 *     red zone to the top of its segment, both ends past the cap): known
 *     from the notes before any segment comes, and always kept; the rest
 *     of a stack's segment, below SP (dead frames, and the untouched
 *     reserve of a thread's 8 MiB: most of a core's bytes), is passed over
 *     unread;
 *   - the first page of each file mapping the kernel dumped alone (the
 *     ELF headers and notes of a module: its build-id);
 *   - every other page of every segment, in stream order, while the
 *     buffer's cap lasts.
 * Pages of zeros cost nothing: they are remembered as zero, not stored
 * (a thread's 8 MiB stack and an arena's reserve are mostly that).
 *
 * Every byte is hostile: sizes and counts are checked before anything is
 * allocated for them, every allocation is bounded by the limits, and any
 * input gives a result or an error, never a crash or a hang (the input
 * callback is the only thing that may wait). Returns 0 or a negative
 * errno; the error text is one line. Not async-signal-safe: it allocates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* The stream: read() returns bytes read (fewer is fine), 0 at its end, or
 * a negative errno. skip(), if not NULL, passes over up to n bytes nobody
 * needs to see (splice() into /dev/null: no copy) and returns the same. */
struct core_input {
        ssize_t (*read)(void *userdata, void *buf, size_t n);
        ssize_t (*skip)(void *userdata, size_t n);
        void *userdata;
};

struct core_limits {
        size_t buffer_max;              /* segment bytes kept (not zero pages), stacks' windows first */
        size_t notes_max;               /* the PT_NOTE segment, at most */
        size_t max_segments;            /* program headers read, at most */
        size_t max_threads;             /* NT_PRSTATUS notes taken, at most */
        size_t max_extents;             /* runs of kept pages, at most (the index's size) */
        size_t stack_crashed_max;       /* the stack windows, as the dumper's budgets */
        size_t stack_other_max;
        uint32_t crashing_tid;          /* %i; 0: the first thread (the kernel's dumping thread) */
        uint64_t deadline_ns;           /* CLOCK_MONOTONIC: stop reading segments then (0: never) */
};

/* The defaults the core handler uses, for tests and the fuzzer too. */
void core_limits_default(struct core_limits *l);

#define CORE_XSTATE_MAX (16 * 1024)     /* as the dumper's DUMPER_XSTATE_MAX */

struct core_thread {
        uint32_t tid;                   /* pr_pid: in the process's own PID namespace */
        int32_t cursig;
        struct user_regs_struct regs;
        bool has_fpregs;
        uint8_t fxsave[512];
        uint8_t *xstate;                /* NT_X86_XSTATE as the kernel wrote it; NULL: none */
        uint32_t xstate_size;
};

struct core_segment {
        uint64_t vaddr, memsz;
        uint64_t offset, filesz;        /* filesz < memsz: the kernel dumped only a part (a module's first page) */
        uint32_t flags;                 /* PF_R | PF_W | PF_X */
        bool stack;                     /* a thread's stack (SP in it, or just below), dead below SP */
};

struct core_file {
        uint64_t start, end, offset;    /* NT_FILE: offset in bytes */
        const char *name;               /* a label from the core, never a path to open */
};

/* A run of kept memory; data NULL: all zeros. */
struct core_extent {
        uint64_t start, end;
        const uint8_t *data;
};

struct core {
        struct core_segment *segs;      /* in address order */
        size_t n_segs;
        struct core_thread *threads;    /* the crashing thread first, then as the notes list them */
        size_t n_threads;
        bool has_siginfo, has_psinfo;
        uint8_t siginfo[128];           /* NT_SIGINFO: the siginfo_t as is */
        uint8_t psinfo[136];            /* NT_PRPSINFO: struct elf_prpsinfo */
        uint8_t *auxv;                  /* NT_AUXV */
        size_t auxv_len;
        struct core_file *files;
        size_t n_files;
        struct core_extent *ext;        /* sorted, disjoint */
        size_t n_ext;

        uint64_t stream_end;            /* where the last segment's bytes end, per the headers */
        uint64_t bytes_read;            /* of the stream, by core_read() */
        uint64_t buffered;              /* bytes of non-zero pages kept */
        bool budget_hit;                /* some pages or threads were left out */
        bool truncated;                 /* the stream ended before the headers said */
        bool timed_out;                 /* the deadline came first: later segments are not read */

        /* internal */
        uint8_t *pool;                  /* kept pages, one mapping */
        size_t pool_size, pool_used;
        uint8_t *notes;
        size_t notes_len;
        size_t ext_cap;
};

/* Reads the stream up to the end of the last PT_LOAD (not to EOF: the
 * caller drains the rest) into c, which must be zeroed. On error c holds
 * what was read so far and must still be freed. */
int core_read(struct core *c, const struct core_input *in, const struct core_limits *lim, char *err,
              size_t errlen);
void core_free(struct core *c);

/* The bytes of [addr, addr + len) that c kept, from addr on: returns how
 * many, stopping at the first byte it does not have. */
size_t core_memory_read(const struct core *c, uint64_t addr, void *buf, size_t len);
/* Did the kernel write addr's page into the core (whether or not it was
 * kept)? False for memory it left out: a file's pages it did not dump are
 * the file's own bytes. */
bool core_dumped(const struct core *c, uint64_t addr);
/* The segment holding addr, or NULL. */
const struct core_segment *core_segment_at(const struct core *c, uint64_t addr);
/* The auxv entry of type `type`, 0 when there is none. */
uint64_t core_auxv(const struct core *c, uint64_t type);
