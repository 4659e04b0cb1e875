/* SPDX-License-Identifier: MIT */
/* proto/crashd-streams.h: crashd's private minidump streams, for what MDMP
 * cannot hold. They live in the "CR" range (0x4352xxxx) so that other readers
 * skip them. Little-endian, fixed-size records; append-only: a new field goes
 * into reserved room and bumps the version, so old dumps and fuzz corpora
 * stay valid. Readers ignore unknown flag bits and accept larger entry_size
 * values (newer writers) by reading only the fields they know. */
#pragma once

#include <assert.h>
#include <stdint.h>

#define PROTO_STREAM_CRASH_INFO   UINT32_C(0x43520001)
#define PROTO_STREAM_THREAD_INFO  UINT32_C(0x43520002)
#define PROTO_STREAM_TAGS         UINT32_C(0x43520003)
#define PROTO_STREAM_BREADCRUMBS  UINT32_C(0x43520004)
#define PROTO_STREAM_TLS          UINT32_C(0x43520005)
#define PROTO_STREAM_HOST         UINT32_C(0x43520006)  /* KEY=VALUE lines: FORMAT.md */

#define PROTO_CRASH_INFO_VERSION  1

/* proto_crash_info.flags */
#define PROTO_CRASH_REQUESTED       UINT32_C(0x01) /* crashdump_write_dump(), no signal */
#define PROTO_CRASH_PTRACE_DENIED   UINT32_C(0x02) /* other threads have no registers */
#define PROTO_CRASH_ENV_CAPTURED    UINT32_C(0x04) /* CRASHD_CAPTURE_ENV=1 */
#define PROTO_CRASH_MEMORY_FROM_COPY UINT32_C(0x08) /* memory read from the fork's copy */
#define PROTO_CRASH_BUDGET_HIT      UINT32_C(0x10) /* some memory left out for size */
#define PROTO_CRASH_IN_PROCESS      UINT32_C(0x20) /* written by the crashing thread (seccomp: no child) */
#define PROTO_CRASH_FROM_CORE       UINT32_C(0x40) /* made from the kernel's core by crashd-coredump */

struct proto_crash_info {
        uint32_t version;               /* PROTO_CRASH_INFO_VERSION */
        uint32_t flags;                 /* PROTO_CRASH_* */
        uint32_t si_signo, si_code, si_errno;
        uint32_t crashing_tid;
        uint64_t fault_addr;            /* si_addr (a macro in <signal.h>, hence the name) */
        uint32_t pid, ppid;
        uint32_t uid, gid;              /* real ids of the crashed process */
        uint64_t crash_time_ns;         /* CLOCK_REALTIME at the crash */
        uint64_t start_time_ticks;      /* /proc/PID/stat starttime, clock ticks since boot */
        char dumper_version[32];        /* NUL-terminated */
        uint8_t siginfo[128];           /* the raw siginfo_t, for si_pkey, si_addr_lsb... */
        uint64_t reserved[10];          /* fields add up to 224; room to 304 */
};
static_assert(sizeof(struct proto_crash_info) == 304, "on-disk ABI");

/* Where a thread's registers came from. */
enum proto_context_source {
        PROTO_CONTEXT_NONE     = 0,     /* not captured (ptrace denied, thread gone) */
        PROTO_CONTEXT_UCONTEXT = 1,     /* the signal handler's ucontext: the crash itself */
        PROTO_CONTEXT_PTRACE   = 2,     /* PTRACE_GETREGSET from the dumper process */
        PROTO_CONTEXT_CALLER   = 3,     /* getcontext() in crashdump_write_dump() */
        PROTO_CONTEXT_SIGNAL   = 4,     /* the thread's own signal handler, parked before the fork */
        PROTO_CONTEXT_CORE     = 5,     /* the kernel's core: NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE */
};

#define PROTO_THREAD_INFO_VERSION 2     /* 2: dtv */

/* PROTO_STREAM_THREAD_INFO: this header, then count entries of entry_size
 * bytes each (at least sizeof(struct proto_thread_info)). */
struct proto_thread_info_header {
        uint32_t version;
        uint32_t count;
        uint32_t entry_size;
        uint32_t reserved;
};
static_assert(sizeof(struct proto_thread_info_header) == 16, "on-disk ABI");

struct proto_thread_info {
        uint32_t tid;
        uint32_t context_source;        /* enum proto_context_source */
        uint32_t flags;                 /* PROTO_THREAD_* */
        uint32_t reserved0;
        char name[16];                  /* /proc/PID/task/TID/comm, NUL-terminated */
        uint64_t fs_base, gs_base;
        uint32_t xstate_size;           /* bytes of the XSAVE image at xstate_rva, 0 if none */
        uint32_t xstate_rva;            /* the kernel's XSAVE layout (fxsave + header + extended) */
        uint64_t dtv;                   /* v2: the thread's dynamic thread vector (glibc), 0 unknown */
        uint64_t reserved[4];           /* fields add up to 64; room to 96 */
};
static_assert(sizeof(struct proto_thread_info) == 96, "on-disk ABI");

#define PROTO_THREAD_CRASHED         UINT32_C(0x01)
#define PROTO_THREAD_STACK_TRUNCATED UINT32_C(0x02) /* both ends kept, the middle left out */

#define PROTO_TAG_KEY_MAX   64
#define PROTO_TAG_VALUE_MAX 192

/* PROTO_STREAM_TAGS: uint32_t count, uint32_t entry_size, then entries. */
struct proto_tag {
        char key[PROTO_TAG_KEY_MAX];            /* NUL-terminated */
        char value[PROTO_TAG_VALUE_MAX];        /* NUL-terminated */
};
static_assert(sizeof(struct proto_tag) == 256, "on-disk ABI");

#define PROTO_BREADCRUMB_MESSAGE_MAX 240

/* PROTO_STREAM_BREADCRUMBS: uint32_t count, uint32_t entry_size, then entries,
 * oldest first. */
struct proto_breadcrumb {
        uint64_t time_ns;                       /* CLOCK_REALTIME */
        uint32_t level;                         /* crashdump_level */
        uint32_t reserved;
        char message[PROTO_BREADCRUMB_MESSAGE_MAX]; /* NUL-terminated */
};
static_assert(sizeof(struct proto_breadcrumb) == 256, "on-disk ABI");

/* PROTO_STREAM_TLS: where each module's thread-local storage block is, in
 * glibc's terms (what gdb reads through libthread_db). A module's block in
 * a thread is at fs_base - tls_offset when the module has static TLS, else
 * at the thread's DTV entry modid (proto_thread_info.dtv, whose entries
 * from -1 up to the highest modid are in the memory list: entry -1 holds
 * their count). This header, then count entries of entry_size bytes. */
#define PROTO_TLS_VERSION 1

struct proto_tls_header {
        uint32_t version;               /* PROTO_TLS_VERSION */
        uint32_t count;
        uint32_t entry_size;            /* at least sizeof(struct proto_tls_module) */
        uint16_t dtv_entry_size;        /* bytes per DTV entry (dtv_t) */
        uint16_t dtv_pointer_offset;    /* of the block's address in an entry */
};
static_assert(sizeof(struct proto_tls_header) == 16, "on-disk ABI");

struct proto_tls_module {
        uint64_t l_addr, l_ld;          /* the link map's: l_ld lies in the module */
        uint64_t modid;                 /* l_tls_modid, >= 1 */
        uint64_t tls_offset;            /* l_tls_offset: 0 none yet, -1 dynamic only */
};
static_assert(sizeof(struct proto_tls_module) == 32, "on-disk ABI");
