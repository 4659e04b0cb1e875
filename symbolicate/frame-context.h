/* SPDX-License-Identifier: MIT */
/* symbolicate/frame-context.h: what the variable evaluator needs to know
 * about one physical frame, filled in by the unwinder (unwind.c,
 * frames.c) and read by variables.c / location.c / values.c. */
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>

#include "reader.h"

/* x86-64 DWARF register numbers: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi,
 * 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip (return address), 17-32 xmm0-15. */
#define SYMB_NGPR 17
#define SYMB_NXMM 16
#define SYMB_REG_XMM0 17

struct symb_regs {
        uint64_t gpr[SYMB_NGPR];
        uint32_t gpr_known;             /* bit n: gpr[n] is known in this frame */
        uint8_t xmm[SYMB_NXMM][16];
        uint32_t xmm_known;             /* frame 0 only: CFI never restores xmm */
};

/* Reads target memory: first the dump's captured memory, then, for
 * addresses in a module's read-only segments, the module's file. Returns
 * the number of contiguous bytes read from addr. */
typedef size_t (*symb_read_fn)(void *userdata, uint64_t addr, void *buf, size_t len);

struct symb_frame_context {
        Dwfl_Module *module;            /* NULL: no module, no variables */
        Dwfl *dwfl;                     /* for naming what pointers point at ("<func>",
                                           "<global+8>") in any module; NULL: fc->module only */
        Dwarf_Addr bias;                /* module load bias for DWARF addresses */
        uint64_t pc;                    /* as unwound */
        uint64_t lookup_pc;             /* pc, or pc - 1 for callers (not activations) */
        struct symb_regs regs;
        bool has_cfa;
        uint64_t cfa;                   /* canonical frame address of this frame */
        Dwarf_Die subprogram;           /* the DW_TAG_subprogram holding lookup_pc */
        bool has_subprogram;
        const struct symb_frame_context *caller;  /* the next outer physical frame, or NULL */
        symb_read_fn read;
        void *read_userdata;
        /* The thread's TLS blocks (tls.c); NULL: thread-local variables
         * are unavailable. */
        const struct proto_dump *dump;
        const struct proto_thread *thread;
};
