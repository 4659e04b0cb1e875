/* SPDX-License-Identifier: MIT */
/* symbolicate/tailcalls.c: the frames of functions that left the stack by
 * a tail call, rebuilt as gdb does (dwarf2/frame-tailcall.c,
 * call_site_find_chain).
 *
 * When process() ends with `return ship(...)`, GCC jumps to ship instead
 * of calling it, and process's frame is gone: the unwinder goes from ship
 * straight to process's caller. DWARF still says what happened: the
 * caller's DW_TAG_call_site at its return address calls process, and
 * process has a call site marked DW_AT_call_tail_call that calls ship. So
 * between a frame and its caller, when the caller's call site calls
 * another function than the frame's, every path of tail calls from that
 * function to the frame's is followed; if there is exactly one, its
 * functions become frames, each at the return address of its tail call
 * site. Two paths or none: nothing is invented.
 *
 * Everything is found by function entry address, in runtime addresses: a
 * call site's DW_AT_call_origin may be a declaration (a function of
 * another CU), which is resolved through the module's ELF symbols. */
#include <dwarf.h>
#include <string.h>

#include "location.h"
#include "symb-internal.h"

#define MAX_DIES 20000          /* DIEs looked at for one frame's chain */
/* BOUND: nesting of blocks and inlined calls searched for tail-call
 * sites; MAX_DIES alone would allow 20000 nested frames of recursion on a
 * hostile file. Real code nests a few dozen (scopes.c keeps 64). */
#define MAX_NESTING 64

struct search {
        Dwfl_Module *mod;       /* the callee's module: the chain stays in it */
        struct symb_file *file;
        Dwarf_Addr bias;        /* runtime = DWARF address + bias */
        uint64_t goal;          /* entry of the callee's function */
        struct symb_tailcall path[SYMB_MAX_TAILCALLS];
        size_t depth;
        struct symb_tailcall found[SYMB_MAX_TAILCALLS];
        size_t n_found;
        unsigned paths;         /* paths that reach goal */
        bool differ;            /* two of them differ */
        unsigned work;
};

/* The entry of the function call site `site` calls, without a frame: its
 * origin, or a constant DW_AT_call_target. */
static bool site_target(Dwfl_Module *mod, Dwarf_Addr bias, Dwarf_Die *site, uint64_t *ret) {
        Dwarf_Attribute a;
        Dwarf_Die origin;
        Dwarf_Op *ops;
        size_t n;

        if (dwarf_formref_die(dwarf_attr(site, DW_AT_call_origin, &a), &origin) ||
            dwarf_formref_die(dwarf_attr(site, DW_AT_abstract_origin, &a), &origin))
                return symb_function_entry(mod, bias, &origin, ret);
        if ((dwarf_attr(site, DW_AT_call_target, &a) || dwarf_attr(site, DW_AT_GNU_call_site_target, &a)) &&
            dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_addr) {
                *ret = ops[0].number + bias;
                return true;
        }
        return false;
}

static bool site_return_pc(Dwarf_Die *site, Dwarf_Addr *ret) {
        Dwarf_Attribute a;

        return dwarf_formaddr(dwarf_attr(site, DW_AT_call_return_pc, &a), ret) == 0 ||
               (dwarf_tag(site) == DW_TAG_GNU_call_site && dwarf_formaddr(dwarf_attr(site, DW_AT_low_pc, &a), ret) == 0);
}

/* The DW_TAG_subprogram whose code starts at runtime address entry. */
static bool function_at(struct search *s, uint64_t entry, Dwarf_Die *ret) {
        const struct symb_scopes *sc = symb_file_scopes(s->file, entry - s->bias);

        for (int i = 0; sc && i < sc->n_chain; i++)
                if (dwarf_tag(&sc->chain[i]) == DW_TAG_subprogram) {
                        *ret = sc->chain[i];
                        return true;
                }
        return false;
}

static void follow(struct search *s, uint64_t entry);

static void record(struct search *s) {
        if (s->paths++ == 0) {
                memcpy(s->found, s->path, s->depth * sizeof(s->path[0]));
                s->n_found = s->depth;
        } else if (s->n_found != s->depth || memcmp(s->found, s->path, s->depth * sizeof(s->path[0])) != 0)
                s->differ = true;
}

/* The tail-call sites of one function (through its blocks and inlined
 * calls), each followed to its target. */
static void tail_sites(struct search *s, Dwarf_Die *parent, uint64_t entry, unsigned nesting) {
        Dwarf_Die c;

        if (nesting > MAX_NESTING || dwarf_child(parent, &c) != 0)
                return;
        do {
                int tag = dwarf_tag(&c);
                uint64_t target;
                Dwarf_Addr ret_pc;

                if (++s->work > MAX_DIES || s->differ)
                        return;
                if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine) {
                        tail_sites(s, &c, entry, nesting + 1);
                        continue;
                }
                if ((tag != DW_TAG_call_site && tag != DW_TAG_GNU_call_site) ||
                    !(dwarf_hasattr(&c, DW_AT_call_tail_call) || dwarf_hasattr(&c, DW_AT_GNU_tail_call)) ||
                    !site_return_pc(&c, &ret_pc) || !site_target(s->mod, s->bias, &c, &target))
                        continue;
                s->path[s->depth++] = (struct symb_tailcall) { .entry = entry, .pc = ret_pc + s->bias };
                follow(s, target);
                s->depth--;
        } while (dwarf_siblingof(&c, &c) == 0);
}

static void follow(struct search *s, uint64_t entry) {
        Dwarf_Die fn;

        if (entry == s->goal) {
                record(s);
                return;
        }
        if (s->depth == SYMB_MAX_TAILCALLS || s->differ)
                return;
        for (size_t i = 0; i < s->depth; i++)
                if (s->path[i].entry == entry)
                        return;         /* a cycle of tail calls */
        if (function_at(s, entry, &fn))
                tail_sites(s, &fn, entry, 0);
}

size_t symb_tailcalls(const struct symb_dump_module *callee_dm, const struct symb_frame_context *callee,
                      const struct symb_frame_context *caller, struct symb_tailcall *ret) {
        struct search s = { 0 };
        Dwarf_Die site;
        Dwarf_Addr entry;
        uint64_t target;

        if (!callee->has_subprogram || !caller->has_subprogram || !callee_dm || !callee_dm->file ||
            caller->lookup_pc + 1 != caller->pc || !symb_die_entry_pc((Dwarf_Die *) &callee->subprogram, &entry) ||
            !symb_call_site_at((Dwarf_Die *) &caller->subprogram, caller->pc - caller->bias, &site))
                return 0;
        s.mod = callee->module;
        s.file = callee_dm->file;
        s.bias = callee->bias;
        s.goal = entry + callee->bias;
        /* The target in the caller's module first (a static function or a
         * call through the PLT), then by name in the callee's. */
        if (!site_target(caller->module, caller->bias, &site, &target) &&
            (caller->module == callee->module || !site_target(callee->module, callee->bias, &site, &target))) {
                Dwarf_Attribute a;
                Dwarf_Op *ops;
                size_t n;

                /* An indirect call: its target from the caller's frame. */
                if (!(dwarf_attr(&site, DW_AT_call_target, &a) || dwarf_attr(&site, DW_AT_GNU_call_site_target, &a)) ||
                    dwarf_getlocation(&a, &ops, &n) != 0 ||
                    symb_expr_value(caller, &a, ops, n, &target) != SYMB_REASON_NONE)
                        return 0;
        }
        if (target == s.goal)
                return 0;
        follow(&s, target);
        if (s.paths == 0 || s.differ)
                return 0;
        /* Innermost first: the function that jumped to the callee last. */
        for (size_t i = 0; i < s.n_found; i++)
                ret[i] = s.found[s.n_found - 1 - i];
        return s.n_found;
}
