/* SPDX-License-Identifier: MIT */
/* tests/proto/sample-dump.h: a synthetic dump with every stream crashd reads,
 * built with proto/writer.h from made-up values (no data from the machine
 * that runs the tests). The unit tests check the reader against the values
 * below; the fuzz seed corpus and crashctl's test are built from it too. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "writer.h"

#define SAMPLE_TIME             1700000000u
#define SAMPLE_TIME_NS          UINT64_C(1700000000123456789)
#define SAMPLE_PID              4242u
#define SAMPLE_PPID             1u
#define SAMPLE_UID              1000u
#define SAMPLE_GID              1001u
#define SAMPLE_START_TICKS      UINT64_C(123456)
#define SAMPLE_DUMPER_VERSION   "0.1.0-test"

/* Threads: main (ptrace context, stack only in the thread list), worker (the
 * crashed one: ucontext, stack also in the memory list, xstate), idle (no
 * context, no stack). */
#define SAMPLE_TID_MAIN         4242u
#define SAMPLE_TID_CRASH        4243u
#define SAMPLE_TID_IDLE         4244u
#define SAMPLE_MAIN_RIP         UINT64_C(0x401000)
#define SAMPLE_MAIN_RSP         UINT64_C(0x7ffd0000f000)
#define SAMPLE_MAIN_STACK_SIZE  256u
#define SAMPLE_CRASH_RIP        UINT64_C(0x401234)   /* in the thread list */
#define SAMPLE_CRASH_EXC_RIP    UINT64_C(0x401238)   /* in the exception stream */
#define SAMPLE_CRASH_RSP        UINT64_C(0x7ffd00100000)
#define SAMPLE_CRASH_STACK_SIZE 512u
#define SAMPLE_XSTATE_SIZE      832u

#define SAMPLE_SIGNO            11u
#define SAMPLE_CODE             1           /* SEGV_MAPERR */
#define SAMPLE_ADDR             UINT64_C(0)
#define SAMPLE_FLAGS            0x10u       /* PROTO_CRASH_BUDGET_HIT */

/* Memory list: the crashed stack, code around the crash, a heap block. */
#define SAMPLE_CODE_START       UINT64_C(0x401200)
#define SAMPLE_CODE_SIZE        64u
#define SAMPLE_HEAP_START       UINT64_C(0x600000)
#define SAMPLE_HEAP_SIZE        128u

#define SAMPLE_EXE              "/usr/bin/crashme"
#define SAMPLE_LIBC             "/lib/x86_64-linux-gnu/libc.so.6"
#define SAMPLE_ODD_NAME         "/opt/\xc3\xbcn\xc3\xaf/\xf0\x9f\x98\x80.so"  /* "/opt/ünï/😀.so" */
#define SAMPLE_EXE_BASE         UINT64_C(0x400000)
#define SAMPLE_EXE_SIZE         0x5000u
#define SAMPLE_LIBC_BASE        UINT64_C(0x7f0000000000)
#define SAMPLE_LIBC_SIZE        0x1c0000u
#define SAMPLE_ODD_BASE         UINT64_C(0x7f1000000000)
#define SAMPLE_ODD_SIZE         0x1000u
#define SAMPLE_BUILD_ID_SIZE    20u

#define SAMPLE_CPUS             8u
#define SAMPLE_OS               "Linux 6.1.0-test #1 SMP PREEMPT_DYNAMIC x86_64"
#define SAMPLE_CMDLINE          "./crashme\0segv\0--flag=\"1\"\0"   /* with its NULs */
#define SAMPLE_CPU_INFO         "processor\t: 0\nvendor_id\t: TestVendor\n"
#define SAMPLE_STATUS           "Name:\tcrashme\nPid:\t4242\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\n"
#define SAMPLE_LSB              "DISTRIB_ID=Test\nDISTRIB_RELEASE=1\n"
#define SAMPLE_ENVIRON          "LANG=C\0TEST=1\0"
#define SAMPLE_MAPS             "00400000-00405000 r-xp 00000000 08:01 12 /usr/bin/crashme\n"
#define SAMPLE_UNKNOWN_STREAM   UINT32_C(0x7e570001)

#define SAMPLE_DSO_BRK          UINT64_C(0x7f0000001230)
#define SAMPLE_DSO_LDBASE       UINT64_C(0x7f2000000000)
#define SAMPLE_DSO_DYNAMIC      UINT64_C(0x403e00)

/* Byte i of a captured range that starts at addr, so that any read can be
 * checked without keeping a copy. */
static inline uint8_t sample_byte(uint64_t addr) {
        return (uint8_t) (addr * 7 + (addr >> 8) * 13 + 1);
}

/* The build-id of module i: bytes i*32+1, i*32+2, ... */
static inline uint8_t sample_build_id_byte(unsigned module, unsigned i) {
        return (uint8_t) (module * 32 + i + 1);
}

enum sample_variant {
        SAMPLE_FULL,            /* everything above */
        SAMPLE_MINIMAL,         /* header, one thread with a context, no other streams */
        SAMPLE_BREAKPAD,        /* the MDMP streams only, as Breakpad writes them */
        SAMPLE_REQUESTED,       /* a dump taken on request: no signal */
};

/* Builds variant v into b (mapped by the caller, at least 256 KiB). */
int sample_dump_build(struct proto_buf *b, enum sample_variant v);

/* Compresses b's bytes into fd with proto_zstd_write(). */
int sample_dump_write_zstd(int fd, const struct proto_buf *b);

/* The directory entry of the first stream of this type in a raw dump, or
 * NULL; for tests that corrupt a stream in place. */
struct md_directory;
struct md_directory *sample_find_stream(uint8_t *file, size_t size, uint32_t type);
