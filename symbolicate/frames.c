/* SPDX-License-Identifier: MIT */
/* symbolicate/frames.c: from unwound physical frames to the frames a
 * person reads. Per physical frame: its module and ELF symbol, its CU
 * (with a fallback for binaries without .debug_aranges, which libdw 0.188
 * cannot search), the concrete scope chain at the pc, and one virtual
 * frame per DW_TAG_inlined_subroutine plus one for the DW_TAG_subprogram,
 * exactly as `eu-stack -i` splits them, each placed by lines.c. Then the
 * variables of each virtual frame, from the scopes that belong to it. */
#include <dwarf.h>
#include <errno.h>
#include <string.h>

#include "symb-internal.h"

/* Everything the evaluator and the splitter need per physical frame. */
struct phys {
        struct symb_phys_frame pf;      /* a copy; made up for a tail-call frame */
        bool tailcall;
        struct symb_frame_context fc;
        const struct symb_dump_module *dm;
        const struct symb_scopes *sc;   /* borrowed from the file's cache */
        bool has_cu;
        Dwarf_Die cu;
        Dwarf_Die *chain;       /* concrete scopes, innermost first */
        int n_chain;
};

static bool is_function_tag(int tag) {
        return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point;
}

static void phys_fill(struct symb_dump_state *s, const struct symb_phys_frame *f, struct phys *p) {
        struct symb_frame_context *fc = &p->fc;
        Dwarf_Addr bias = 0;

        fc->pc = f->pc;
        fc->lookup_pc = f->activation ? f->pc : f->pc - 1;
        fc->regs = f->regs;
        fc->has_cfa = f->has_cfa;
        fc->cfa = f->cfa;
        fc->read = symb_read_memory;
        fc->read_userdata = s;
        fc->dwfl = s->dwfl;     /* pointers into any module are named */
        fc->dump = s->d;
        fc->thread = &s->d->threads[s->walk_thread];
        p->dm = symb_module_at(s, fc->lookup_pc);
        if (!p->dm || !p->dm->mod)
                return;
        fc->module = p->dm->mod;
        /* DWARF comes from the context's long-lived Dwarf of this file,
         * never from the per-dump Dwfl (which would parse it again). */
        if (!p->dm->file || !symb_file_dwarf(p->dm->file) || !dwfl_module_getelf(fc->module, &bias))
                return;
        bias -= (Dwarf_Addr) p->dm->file->dwarf_delta;
        fc->bias = bias;
        p->sc = symb_file_scopes(p->dm->file, fc->lookup_pc - bias);
        if (!p->sc || !p->sc->has_cu)
                return;
        p->has_cu = true;
        p->cu = p->sc->cu;
        p->chain = p->sc->chain;
        p->n_chain = p->sc->n_chain;
        for (int i = 0; i < p->n_chain; i++)
                if (dwarf_tag(&p->chain[i]) == DW_TAG_subprogram) {
                        fc->subprogram = p->chain[i];
                        fc->has_subprogram = true;
                        break;
                }
}

/* The caller's CFA rule: when this frame's CFI gave no CFA but its caller
 * was unwound by CFI, the caller's rsp is this frame's CFA (x86-64). */
static void cfa_from_caller(struct phys *p, const struct symb_phys_frame *caller) {
        if (p->fc.has_cfa || !caller || caller->trust != SYMB_TRUST_CFI ||
            !(caller->regs.gpr_known & (UINT32_C(1) << 7)))
                return;
        p->fc.has_cfa = true;
        p->fc.cfa = caller->regs.gpr[7];
}

static char *elf_symbol(const struct phys *p, uint64_t *offset) {
        GElf_Addr bias, start;
        const char *name;

        if (!p->dm || !p->dm->file || !p->dm->file->elf || !dwfl_module_getelf(p->fc.module, &bias))
                return NULL;
        name = symb_file_symbol(p->dm->file, p->fc.lookup_pc - bias, &start);
        if (!name)
                return NULL;
        *offset = p->fc.pc - (start + bias);
        return symb_minsym_print_name(name);
}

static int grow(struct symb_frame **v, size_t *n, size_t *cap) {
        if (*n < *cap)
                return 0;
        size_t ncap = *cap ? 2 * *cap : 16;
        struct symb_frame *g = realloc(*v, ncap * sizeof(*g));

        if (!g)
                return -ENOMEM;
        *v = g;
        *cap = ncap;
        return 0;
}

static void frame_base(const struct symb_phys_frame *pf, const struct phys *p, struct symb_frame *f) {
        memset(f, 0, sizeof(*f));
        f->pc = pf->pc;
        f->trust = pf->trust;
        if (p->dm) {
                f->module = p->dm->pm->name;
                f->module_base = p->dm->pm->base;
        }
}

/* Appends the virtual frames of one physical frame. */
static int split_frame(struct symb_dump_state *s, const struct symb_phys_frame *pf, struct phys *p,
                       struct symb_frame **v, size_t *n, size_t *cap) {
        uint64_t sym_off = 0;
        _cleanup_free_ char *sym = elf_symbol(p, &sym_off);
        int start = 0, r;
        Dwarf_Die *inner_inlined = NULL;
        bool any = false;

        for (int i = 0; i < p->n_chain; i++) {
                int tag = dwarf_tag(&p->chain[i]);
                struct symb_frame *f;

                if (!is_function_tag(tag))
                        continue;
                r = grow(v, n, cap);
                if (r < 0)
                        return r;
                f = &(*v)[*n];
                frame_base(pf, p, f);
                (*n)++;
                any = true;
                f->inlined = tag == DW_TAG_inlined_subroutine;
                f->has_debug_info = true;
                f->function = symb_die_function_name(&p->chain[i]);
                if (!f->function && tag != DW_TAG_inlined_subroutine && sym)
                        f->function = strdup(sym);
                if (tag != DW_TAG_inlined_subroutine)
                        f->function_offset = sym_off;
                r = inner_inlined ? symb_call_location(&p->cu, inner_inlined, f)
                                  : symb_pc_location(&p->cu, &p->fc, f);
                if (r < 0)
                        return r;
                /* chain[start..i]: the blocks inside this function, then
                 * the function itself, innermost first. */
                s->budget.frame_cut = NULL;
                r = symb_collect_vars(&p->fc, &p->chain[start], (size_t) (i - start + 1), &s->lim, &f->vars,
                                      &f->n_vars);
                if (r < 0)
                        return r;
                f->vars_truncated = s->budget.frame_cut;
                /* gdb shows a tail-call frame as one frame, named by the
                 * innermost function at its pc (its tail-call unwinder
                 * claims the frame before the inline one can): pthread_kill
                 * is "__pthread_kill_internal", inlined into it, alone. */
                if (tag != DW_TAG_inlined_subroutine || p->tailcall) {
                        f->inlined = false;
                        return 0;
                }
                inner_inlined = &p->chain[i];
                start = i + 1;
        }
        if (any)
                return 0;       /* inlined frames without their subprogram: odd DWARF */

        r = grow(v, n, cap);
        if (r < 0)
                return r;
        struct symb_frame *f = &(*v)[*n];
        frame_base(pf, p, f);
        (*n)++;
        f->function = TAKE_PTR(sym);
        f->function_offset = sym_off;
        return p->has_cu ? symb_pc_location(&p->cu, &p->fc, f) : 0;
}

/* A frame for a function that tail-called its way to `callee`: at the
 * return address of its tail-call site, with the CFA of the frame it
 * jumped to, and only the callee-saved registers, which a function
 * restores before it jumps: they are the real caller's. */
static void tailcall_frame(const struct phys *callee, const struct symb_phys_frame *caller,
                           const struct symb_tailcall *t, struct symb_phys_frame *ret) {
        const uint32_t saved = UINT32_C(1) << 3 | UINT32_C(1) << 6 | UINT32_C(0xf) << 12;

        memset(ret, 0, sizeof(*ret));
        ret->pc = t->pc;
        ret->trust = caller->trust;
        ret->regs.gpr_known = caller->regs.gpr_known & saved;
        memcpy(ret->regs.gpr, caller->regs.gpr, sizeof(ret->regs.gpr));
        for (unsigned r = 0; r < SYMB_NGPR; r++)
                if (!(ret->regs.gpr_known & (UINT32_C(1) << r)))
                        ret->regs.gpr[r] = 0;
        ret->has_cfa = callee->fc.has_cfa;
        ret->cfa = callee->fc.cfa;
}

int symb_frames_build(struct symb_dump_state *s, const struct symb_phys_frame *pf, size_t n_pf,
                      struct symb_frame **frames, size_t *n_frames) {
        /* Each physical frame, and the tail-call frames above it. */
        size_t max = n_pf * (1 + SYMB_MAX_TAILCALLS);
        struct phys *p = calloc(max ? max : 1, sizeof(*p));
        struct symb_frame *v = NULL;
        size_t n = 0, cap = 0, np = 0;
        int r = 0;

        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n_pf; i++) {
                struct phys *q = &p[np++];

                q->pf = pf[i];
                phys_fill(s, &q->pf, q);
                cfa_from_caller(q, i + 1 < n_pf ? &pf[i + 1] : NULL);
                if (i + 1 < n_pf) {
                        struct phys caller = { .pf = pf[i + 1] };
                        struct symb_tailcall t[SYMB_MAX_TAILCALLS];
                        size_t k;

                        phys_fill(s, &caller.pf, &caller);
                        k = symb_tailcalls(q->dm, &q->fc, &caller.fc, t);
                        for (size_t j = 0; j < k; j++) {
                                struct phys *tc = &p[np++];

                                tailcall_frame(q, &pf[i + 1], &t[j], &tc->pf);
                                tc->tailcall = true;
                                phys_fill(s, &tc->pf, tc);
                        }
                }
        }
        /* Entry values are found in the caller's call sites: a tail-call
         * frame's, for the function it jumped to. */
        for (size_t i = 0; i + 1 < np; i++)
                p[i].fc.caller = &p[i + 1].fc;
        for (size_t i = 0; r >= 0 && i < np; i++) {
                size_t first = n;

                r = split_frame(s, &p[i].pf, &p[i], &v, &n, &cap);
                for (size_t j = first; r >= 0 && j < n; j++)
                        v[j].tailcall = p[i].tailcall;
        }
        free(p);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        symb_frame_clear(&v[i]);
                free(v);
                return r;
        }
        *frames = v;
        *n_frames = n;
        return 0;
}

void symb_frame_clear(struct symb_frame *f) {
        for (size_t i = 0; i < f->n_vars; i++)
                symb_var_clear(&f->vars[i]);
        free(f->vars);
        free(f->function);
        free(f->file);
        memset(f, 0, sizeof(*f));
}
