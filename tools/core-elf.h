/* SPDX-License-Identifier: MIT */
/* tools/core-elf.h: the notes of a Linux x86-64 ELF core file as the kernel
 * lays them out (fs/binfmt_elf.c, include/uapi/linux/elfcore.h), written
 * from the published layouts with fixed-width fields, so that sizeof() is
 * the size on disk whatever machine crashctl runs on. On x86-64 each one is
 * checked against glibc's <sys/procfs.h> at compile time. */
#pragma once

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* struct user_regs_struct: the kernel's order, which gdb's and lldb's
 * x86-64 Linux register maps index. */
struct core_user_regs {
        uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
        uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
        uint64_t fs_base, gs_base, ds, es, fs, gs;
};
static_assert(sizeof(struct core_user_regs) == 27 * 8, "on-disk ABI");

struct core_timeval {
        int64_t tv_sec, tv_usec;
};

/* NT_PRSTATUS: one per thread. */
struct core_prstatus {
        int32_t si_signo, si_code, si_errno;    /* pr_info: struct elf_siginfo */
        int16_t pr_cursig;
        uint16_t pad0;
        uint64_t pr_sigpend, pr_sighold;
        int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;       /* pr_pid: the thread's id */
        struct core_timeval pr_utime, pr_stime, pr_cutime, pr_cstime;
        struct core_user_regs pr_reg;
        int32_t pr_fpvalid;                     /* 1: an NT_FPREGSET follows */
        uint32_t pad2;
};
static_assert(sizeof(struct core_prstatus) == 336, "on-disk ABI");

#define CORE_PRARGSZ 80

/* NT_PRPSINFO: one per process. */
struct core_prpsinfo {
        char pr_state, pr_sname, pr_zomb, pr_nice;
        uint32_t pad0;
        uint64_t pr_flag;
        uint32_t pr_uid, pr_gid;
        int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
        char pr_fname[16];                      /* comm, NUL-terminated */
        char pr_psargs[CORE_PRARGSZ];           /* the command line, NULs as spaces */
};
static_assert(sizeof(struct core_prpsinfo) == 136, "on-disk ABI");

#define CORE_SIGINFO_SIZE 128                   /* NT_SIGINFO: the siginfo_t as is */
#define CORE_FXSAVE_SIZE 512                    /* NT_FPREGSET: the FXSAVE area */
#define CORE_XSAVE_HEADER_END 576               /* FXSAVE area + XSAVE header */
#define CORE_PAGE_SIZE 4096                     /* NT_FILE's unit and the data's alignment */

#if defined(__x86_64__) && defined(__GLIBC__)
#include <sys/procfs.h>
static_assert(sizeof(struct core_prstatus) == sizeof(struct elf_prstatus), "matches glibc");
static_assert(offsetof(struct core_prstatus, pr_cursig) == offsetof(struct elf_prstatus, pr_cursig), "");
static_assert(offsetof(struct core_prstatus, pr_pid) == offsetof(struct elf_prstatus, pr_pid), "");
static_assert(offsetof(struct core_prstatus, pr_reg) == offsetof(struct elf_prstatus, pr_reg), "");
static_assert(offsetof(struct core_prstatus, pr_fpvalid) == offsetof(struct elf_prstatus, pr_fpvalid), "");
static_assert(sizeof(struct core_prpsinfo) == sizeof(struct elf_prpsinfo), "matches glibc");
static_assert(offsetof(struct core_prpsinfo, pr_uid) == offsetof(struct elf_prpsinfo, pr_uid), "");
static_assert(offsetof(struct core_prpsinfo, pr_pid) == offsetof(struct elf_prpsinfo, pr_pid), "");
static_assert(offsetof(struct core_prpsinfo, pr_fname) == offsetof(struct elf_prpsinfo, pr_fname), "");
static_assert(offsetof(struct core_prpsinfo, pr_psargs) == offsetof(struct elf_prpsinfo, pr_psargs), "");
#endif
