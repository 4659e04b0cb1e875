/* SPDX-License-Identifier: MIT */
/* symbolicate/unwind.c: walks each thread's stack with libdwfl's unwinder
 * over the dump alone, as libdwfl/linux-core-attach.c does for ELF cores:
 * registers from the thread's context, memory only from what the dumper
 * captured. libdwfl tries .eh_frame, then .debug_frame, then the frame
 * pointer; it never scans the stack, so no frame here is invented.
 *
 * libdwfl 0.188 frees each Dwfl_Frame as soon as the callback returns, so
 * the callback copies every register it can read (dwfl_frame_reg). It does
 * not say how a frame was unwound either: trust_cfa_regs() recomputes the
 * callee's CFA from its CFI row and calls the frame "cfi" when that CFA is
 * the caller's stack pointer (x86-64: CFA == caller's rsp), else "fp". */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "symb-internal.h"

/* DWARF register numbers (x86-64 psABI). */
enum { REG_RBP = 6, REG_RSP = 7, REG_RIP = 16 };

/* The thread's registers in DWARF order, with what the context holds. */
static void context_regs(const struct md_context_amd64 *ctx, struct symb_regs *r) {
        bool control = (ctx->context_flags & MD_CONTEXT_AMD64_CONTROL) == MD_CONTEXT_AMD64_CONTROL;
        bool integer = (ctx->context_flags & MD_CONTEXT_AMD64_INTEGER) == MD_CONTEXT_AMD64_INTEGER;
        bool fp = (ctx->context_flags & MD_CONTEXT_AMD64_FLOATING_POINT) == MD_CONTEXT_AMD64_FLOATING_POINT;
        const uint64_t v[SYMB_NGPR] = {ctx->rax, ctx->rdx, ctx->rcx, ctx->rbx, ctx->rsi, ctx->rdi,
                                       ctx->rbp, ctx->rsp, ctx->r8,  ctx->r9,  ctx->r10, ctx->r11,
                                       ctx->r12, ctx->r13, ctx->r14, ctx->r15, ctx->rip};

        memset(r, 0, sizeof(*r));
        memcpy(r->gpr, v, sizeof(v));
        if (integer)
                r->gpr_known |= ((UINT32_C(1) << SYMB_NGPR) - 1) & ~(UINT32_C(1) << REG_RSP | UINT32_C(1) << REG_RIP);
        if (control)
                r->gpr_known |= UINT32_C(1) << REG_RSP | UINT32_C(1) << REG_RIP;
        if (fp) {
                for (unsigned i = 0; i < SYMB_NXMM; i++) {
                        memcpy(r->xmm[i], &ctx->flt_save.xmm_registers[i].low, 8);
                        memcpy(r->xmm[i] + 8, &ctx->flt_save.xmm_registers[i].high, 8);
                }
                r->xmm_known = (UINT32_C(1) << SYMB_NXMM) - 1;
        }
}

static const struct md_context_amd64 *thread_ctx(const struct symb_dump_state *s, size_t i) {
        return i < s->d->n_threads ? proto_thread_context(s->d, &s->d->threads[i]) : NULL;
}

/* Threads are walked one at a time by index (tids may repeat in a hostile
 * dump): s->walk_thread names the thread, and the thread argument is s
 * itself (libdwfl has no accessor for the process argument). */
static pid_t dump_next_thread(Dwfl *dwfl, void *arg, void **thread_argp) {
        struct symb_dump_state *s = arg;
        size_t i = *thread_argp ? s->walk_thread + 1 : 0;

        for (; i < s->d->n_threads; i++)
                if (thread_ctx(s, i)) {
                        s->walk_thread = i;
                        *thread_argp = s;
                        return s->d->threads[i].tid > 0 ? (pid_t) s->d->threads[i].tid : (pid_t) (i + 1);
                }
        return 0;
}

static bool dump_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp) {
        struct symb_dump_state *s = arg;

        if (!thread_ctx(s, s->walk_thread))
                return false;
        *thread_argp = s;
        return true;
}

static bool dump_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg) {
        struct symb_dump_state *s = arg;
        uint64_t v;

        if (proto_dump_read_memory(s->d, addr, &v, sizeof(v)) != sizeof(v)) {
                if (!s->read_failed) {
                        s->read_failed = true;
                        s->read_failed_addr = addr;
                }
                return false;
        }
        *result = v;
        return true;
}

static bool dump_set_initial_registers(Dwfl_Thread *thread, void *thread_arg) {
        struct symb_dump_state *s = thread_arg;
        const struct md_context_amd64 *ctx = thread_ctx(s, s->walk_thread);
        struct symb_regs r;

        if (!ctx)
                return false;
        context_regs(ctx, &r);
        for (unsigned n = 0; n < SYMB_NGPR; n++)
                if ((r.gpr_known & (UINT32_C(1) << n)) &&
                    !dwfl_thread_state_registers(thread, (int) n, 1, &r.gpr[n]))
                        return false;
        return true;
}

static const Dwfl_Thread_Callbacks dump_thread_callbacks = {
        .next_thread = dump_next_thread,
        .get_thread = dump_get_thread,
        .memory_read = dump_memory_read,
        .set_initial_registers = dump_set_initial_registers,
        /* detach, thread_detach: nothing to let go of */
};

/* An ELF header alone, for dwfl_attach_state to pick the x86-64 backend
 * even when no module's file was found. */
static Elf *arch_elf(void) {
        static Elf64_Ehdr eh = {
                .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
                .e_type = ET_CORE,
                .e_machine = EM_X86_64,
                .e_version = EV_CURRENT,
                .e_ehsize = sizeof(Elf64_Ehdr),
        };

        return elf_memory((char *) &eh, sizeof(eh));
}

int symb_unwind_attach(struct symb_dump_state *s) {
        Elf *elf = arch_elf();
        pid_t pid = s->d->has_crash_info && s->d->crash_info.pid > 0 ? (pid_t) s->d->crash_info.pid : 1;
        bool ok;

        if (!elf)
                return -ENOMEM;
        ok = dwfl_attach_state(s->dwfl, elf, pid, &dump_thread_callbacks, s);
        /* libdwfl keeps the backend, not the Elf. */
        elf_end(elf);
        return ok ? 0 : -EINVAL;
}

/* ---- the walk ---- */

struct walk {
        struct symb_dump_state *s;
        struct symb_phys_frame *f;
        size_t n, cap, max;
        char *stop;
};

static int frame_cb(Dwfl_Frame *state, void *arg) {
        struct walk *w = arg;
        struct symb_phys_frame fr = {0};
        Dwarf_Addr pc;
        bool act;

        if (!dwfl_frame_pc(state, &pc, &act)) {
                if (asprintf(&w->stop, "no pc: %s", dwfl_errmsg(-1)) < 0)
                        w->stop = NULL;
                return DWARF_CB_ABORT;
        }
        fr.pc = pc;
        fr.activation = act;
        fr.trust = w->n == 0 ? SYMB_TRUST_CONTEXT : SYMB_TRUST_FP;
        for (unsigned r = 0; r < SYMB_NGPR; r++) {
                Dwarf_Word v;

                if (dwfl_frame_reg(state, r, &v) == 0) {
                        fr.regs.gpr[r] = v;
                        fr.regs.gpr_known |= UINT32_C(1) << r;
                }
        }
        if (w->n > 0) {
                const struct symb_phys_frame *prev = &w->f[w->n - 1];
                uint32_t sp = UINT32_C(1) << REG_RSP;

                /* Each caller's frame is above its callee's, except across
                 * a signal frame (alternate stacks). No progress is a loop. */
                if (!act && (fr.regs.gpr_known & sp) && (prev->regs.gpr_known & sp) &&
                    fr.regs.gpr[REG_RSP] <= prev->regs.gpr[REG_RSP]) {
                        if (asprintf(&w->stop, "the stack pointer did not move up at frame #%zu (0x%" PRIx64
                                     "): a loop or a corrupt stack",
                                     w->n, fr.regs.gpr[REG_RSP]) < 0)
                                w->stop = NULL;
                        return DWARF_CB_ABORT;
                }
        }
        if (w->n == w->cap) {
                size_t ncap = w->cap ? 2 * w->cap : 16;
                struct symb_phys_frame *g = realloc(w->f, ncap * sizeof(*g));

                if (!g)
                        return DWARF_CB_ABORT;
                w->f = g;
                w->cap = ncap;
        }
        w->f[w->n++] = fr;
        /* Reads from here on belong to unwinding the next frame. */
        w->s->read_failed = false;
        if (w->n >= w->max) {
                if (asprintf(&w->stop, "stopped at the frame limit (%zu)", w->max) < 0)
                        w->stop = NULL;
                return DWARF_CB_ABORT;
        }
        return DWARF_CB_OK;
}

/* A tiny evaluator for CFI expressions: register + offset, the
 * arithmetic of PLT entries' CFI, and the register rules of signal frames
 * (memory at an offset from rsp, or from the CFA when cfa is not NULL).
 * Anything else: not known. */
static bool eval_cfi(const struct symb_dump_state *s, const Dwarf_Op *ops, size_t nops,
                     const struct symb_regs *r, const uint64_t *cfa, uint64_t *ret) {
        uint64_t st[8];
        size_t sp = 0;

        for (size_t i = 0; i < nops; i++) {
                const Dwarf_Op *op = &ops[i];
                uint8_t a = op->atom;
                unsigned reg = 0;

                if (a == DW_OP_call_frame_cfa) {
                        if (!cfa || sp == 8)
                                return false;
                        st[sp++] = *cfa;
                        continue;
                }

                if (a >= DW_OP_breg0 && a <= DW_OP_breg31)
                        reg = a - DW_OP_breg0;
                else if (a == DW_OP_bregx)
                        reg = (unsigned) op->number;
                if ((a >= DW_OP_breg0 && a <= DW_OP_breg31) || a == DW_OP_bregx) {
                        int64_t off = a == DW_OP_bregx ? (int64_t) op->number2 : (int64_t) op->number;

                        if (reg >= SYMB_NGPR || !(r->gpr_known & (UINT32_C(1) << reg)) || sp == 8)
                                return false;
                        st[sp++] = r->gpr[reg] + (uint64_t) off;
                        continue;
                }
                if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
                        if (sp == 8)
                                return false;
                        st[sp++] = a - DW_OP_lit0;
                        continue;
                }
                switch (a) {
                case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
                case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
                case DW_OP_constu: case DW_OP_consts:
                        if (sp == 8)
                                return false;
                        st[sp++] = op->number;
                        continue;
                case DW_OP_plus_uconst:
                        if (sp < 1)
                                return false;
                        st[sp - 1] += op->number;
                        continue;
                case DW_OP_deref:
                        if (sp < 1 || proto_dump_read_memory(s->d, st[sp - 1], &st[sp - 1], 8) != 8)
                                return false;
                        continue;
                default:
                        break;
                }
                if (sp < 2)
                        return false;
                uint64_t y = st[--sp], x = st[sp - 1];
                switch (a) {
                case DW_OP_plus: x += y; break;
                case DW_OP_minus: x -= y; break;
                case DW_OP_and: x &= y; break;
                case DW_OP_or: x |= y; break;
                case DW_OP_shl: x = y < 64 ? x << y : 0; break;
                case DW_OP_shr: x = y < 64 ? x >> y : 0; break;
                case DW_OP_ge: x = (int64_t) x >= (int64_t) y; break;
                case DW_OP_gt: x = (int64_t) x > (int64_t) y; break;
                case DW_OP_le: x = (int64_t) x <= (int64_t) y; break;
                case DW_OP_lt: x = (int64_t) x < (int64_t) y; break;
                case DW_OP_eq: x = x == y; break;
                case DW_OP_ne: x = x != y; break;
                default: return false;
                }
                st[sp - 1] = x;
        }
        if (sp != 1)
                return false;
        *ret = st[0];
        return true;
}

/* The CFA of frame f from its own registers and its module's CFI, and
 * the CFI row it came from in *row (free it). */
static bool frame_cfa(const struct symb_dump_state *s, const struct symb_phys_frame *f, uint64_t *ret,
                      Dwarf_Frame **row) {
        uint64_t lookup = f->activation ? f->pc : f->pc - 1;
        Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, lookup);

        *row = NULL;
        if (!mod)
                return false;
        /* .eh_frame first, as libdwfl's unwinder: .debug_frame means
         * loading the module's DWARF through the Dwfl, which is costly. */
        for (int i = 0; i < 2; i++) {
                Dwarf_Addr bias;
                Dwarf_CFI *cfi = i == 0 ? dwfl_module_eh_cfi(mod, &bias) : dwfl_module_dwarf_cfi(mod, &bias);
                Dwarf_Frame *fr;
                Dwarf_Op *ops;
                size_t nops;

                if (!cfi || dwarf_cfi_addrframe(cfi, lookup - bias, &fr) != 0)
                        continue;
                if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && eval_cfi(s, ops, nops, &f->regs, NULL, ret)) {
                        *row = fr;
                        return true;
                }
                free(fr);
        }
        return false;
}

static bool callee_saved(unsigned regno) {
        /* x86-64 psABI: rbx, rbp, r12-r15. */
        return regno == 3 || regno == REG_RBP || (regno >= 12 && regno <= 15);
}

/* The caller's general registers, from its callee's CFI row, CFA and
 * registers, replacing what libdwfl 0.188 reports: its x86-64 default rules
 * say "same value" for rax where the psABI means rbx
 * (backends/x86_64_cfi.c), so it loses rbx and invents rax in every outer
 * frame. The rules here are the psABI's and gdb's: a callee-saved register
 * the CFI does not mention keeps its value; a call-clobbered one is known
 * only where the CFI says where it was saved (signal frames). rsp and rip
 * are libdwfl's (the CFA and the return address). */
static void caller_regs(const struct symb_dump_state *s, const struct symb_phys_frame *callee, Dwarf_Frame *row,
                        struct symb_phys_frame *caller) {
        const struct symb_regs *in = &callee->regs;
        struct symb_regs *out = &caller->regs;

        for (unsigned r = 0; r < SYMB_NGPR; r++) {
                Dwarf_Op mem[3], *ops;
                size_t nops;
                uint64_t v;
                bool known = false;
                uint32_t bit = UINT32_C(1) << r;

                if (r == REG_RSP || r == REG_RIP)
                        continue;
                if (row && dwarf_frame_register(row, (int) r, mem, &ops, &nops) == 0) {
                        if ((!ops || nops == 0) && callee_saved(r)) {
                                /* Same value, said or unsaid. */
                                known = in->gpr_known & bit;
                                v = in->gpr[r];
                        } else if (ops && nops == 1 && ops[0].atom == DW_OP_regx && ops[0].number < SYMB_NGPR) {
                                known = in->gpr_known & (UINT32_C(1) << ops[0].number);
                                v = in->gpr[ops[0].number];
                        } else if (ops && nops > 0) {
                                bool is_value = ops[nops - 1].atom == DW_OP_stack_value;
                                uint64_t at;

                                if (eval_cfi(s, ops, is_value ? nops - 1 : nops, in, &callee->cfa, &at))
                                        known = is_value || proto_dump_read_memory(s->d, at, &v, 8) == 8;
                                if (is_value)
                                        v = at;
                        }
                }
                /* Without a CFI row (a frame-pointer step) only rbp, rsp
                 * and rip are known, as libdwfl set them. */
                if (!row && r == REG_RBP)
                        continue;
                if (known) {
                        out->gpr[r] = v;
                        out->gpr_known |= bit;
                } else {
                        out->gpr[r] = 0;
                        out->gpr_known &= ~bit;
                }
        }
}

/* Frame by frame from the innermost: the CFA from the frame's registers,
 * then the caller's registers from the frame's CFI row. */
static void trust_cfa_regs(const struct symb_dump_state *s, struct symb_phys_frame *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t cfa = 0;
                Dwarf_Frame *row;

                f[i].has_cfa = frame_cfa(s, &f[i], &cfa, &row);
                f[i].cfa = cfa;
                if (i + 1 < n) {
                        const struct symb_regs *caller = &f[i + 1].regs;
                        bool caller_sp = caller->gpr_known & (UINT32_C(1) << REG_RSP);

                        if (f[i].has_cfa && caller_sp && caller->gpr[REG_RSP] == cfa)
                                f[i + 1].trust = SYMB_TRUST_CFI;
                        caller_regs(s, &f[i], f[i + 1].trust == SYMB_TRUST_CFI ? row : NULL, &f[i + 1]);
                }
                free(row);
        }
}

int symb_unwind_thread(struct symb_dump_state *s, size_t ti, struct symb_phys_frame **frames, size_t *n_frames,
                       char **stop) {
        const struct proto_thread *t = &s->d->threads[ti];
        struct walk w = {.s = s, .max = s->walk_max ? s->walk_max : s->c->o.max_frames};
        int rc;

        *frames = NULL;
        *n_frames = 0;
        *stop = NULL;
        if (!thread_ctx(s, ti)) {
                *stop = strdup("no registers in the dump for this thread");
                return *stop ? 0 : -ENOMEM;
        }
        s->walk_thread = ti;
        s->read_failed = false;
        rc = dwfl_getthread_frames(s->dwfl, t->tid > 0 ? (pid_t) t->tid : (pid_t) (ti + 1), frame_cb, &w);
        if (rc == -1 && !w.stop) {
                /* libdwfl may also report the natural end of a stack as an
                 * error; say what it was. */
                const struct symb_phys_frame *last = w.n ? &w.f[w.n - 1] : NULL;
                const struct symb_dump_module *m =
                        last ? symb_module_at(s, last->activation ? last->pc : last->pc - 1) : NULL;
                int k;

                if (s->read_failed)
                        k = asprintf(&w.stop, "stack memory at 0x%" PRIx64 " is not in the dump",
                                     s->read_failed_addr);
                else if (last && !m)
                        k = asprintf(&w.stop,
                                     "frame #%zu: pc 0x%" PRIx64 " is in no module, and the frame pointer "
                                     "gives no caller",
                                     w.n - 1, last->pc);
                else
                        k = asprintf(&w.stop, "frame #%zu%s%s: %s", w.n ? w.n - 1 : 0, m ? " in " : "",
                                     m ? m->pm->name : "", dwfl_errmsg(-1));
                if (k < 0)
                        w.stop = NULL;
        }
        if (w.n == 0 && !w.stop) {
                free(w.f);
                return -ENOMEM;
        }
        if (w.n > 0) {
                /* CFI never restores vector registers: xmm0-15 are known
                 * in frame 0 only, from the context's FXSAVE area. */
                struct symb_regs r;

                context_regs(thread_ctx(s, ti), &r);
                memcpy(w.f[0].regs.xmm, r.xmm, sizeof(r.xmm));
                w.f[0].regs.xmm_known = r.xmm_known;
        }
        trust_cfa_regs(s, w.f, w.n);
        *frames = w.f;
        *n_frames = w.n;
        *stop = w.stop;
        return 0;
}
