/* SPDX-License-Identifier: MIT */
/* symbolicate/address-names.c: the <symbol+offset> gdb prints after a
 * pointer (its build_address_symbolic).
 *
 * gdb looks in two places and takes the closer: the function of the debug
 * info holding the address (find_pc_sect_function: the innermost
 * non-inlined subprogram, named as its symbol table names it), and the ELF
 * symbol (minimal symbol) whose extent holds it. The ELF symbol wins when
 * there is no function, or when it starts exactly at the address and the
 * function does not (a ".cold" part). Data addresses only ever have ELF
 * symbols. */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"
#include "values.h"

/* A libc has some 3,000 symbols, a large C++ program 300,000: the alias
 * scan below is linear, so it is skipped beyond this. */
#define MAX_ALIAS_SCAN 200000

/* The debug info's function holding addr: its print name and entry (the
 * start of its first range, gdb's BLOCK_ENTRY_PC), in addresses of the
 * process. */
static char *debug_function(Dwfl_Module *m, uint64_t addr, uint64_t *entry) {
        Dwarf_Addr bias = 0, low, high, base;
        Dwarf_Die cu_mem, *cu = NULL, *scopes = NULL;
        void **ud = NULL;
        ptrdiff_t off;
        char *name = NULL;
        int n;

        /* The module's file (report.c keeps it as the module's userdata)
         * has its Dwarf open for the context's life, and finds CUs without
         * .debug_aranges too (clang's default). Never libdwfl's own Dwarf
         * for the module: each dump's Dwfl would open it again and
         * decompress the whole debug info (libc6-dbg's is zlib-compressed:
         * 14 ms a dump). The bias is the main file's (dwfl_module_getelf
         * only lends the cached Elf); the debug file has the same
         * addresses. */
        if (dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL) && ud && *ud) {
                if (dwfl_module_getelf(m, &bias) && symb_file_cu(*ud, addr - bias, &cu_mem))
                        cu = &cu_mem;
        } else
                cu = dwfl_module_addrdie(m, addr, &bias);
        if (!cu)
                return NULL;
        /* The concrete chain: the function a pc inside an inlined call
         * belongs to is the one it was inlined into, as gdb's
         * block_linkage_function. */
        n = symb_concrete_scopes(ud && *ud ? *ud : NULL, cu, addr - bias, &scopes);
        for (int i = 0; i < n; i++) {
                if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
                        continue;
                off = dwarf_ranges(&scopes[i], 0, &base, &low, &high);
                if (off > 0) {
                        *entry = low + bias;
                        name = symb_die_print_name(&scopes[i]);
                }
                break;
        }
        free(scopes);
        return name;
}

/* The ELF symbol holding addr, of aliases the one gdb's sorted minimal
 * symbols give (the last name in strcmp order: "clone3" over
 * "__clone3"); zero-sized data symbols are never used. */
static const char *elf_symbol(Dwfl_Module *m, uint64_t addr, uint64_t *start) {
        GElf_Sym sym;
        GElf_Off off;
        GElf_Addr bias = 0;
        void **ud = NULL;
        const char *name = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
        int n;

        if (!name || !*name)
                return NULL;
        if (GELF_ST_TYPE(sym.st_info) == STT_SECTION || GELF_ST_TYPE(sym.st_info) == STT_FILE ||
            GELF_ST_TYPE(sym.st_info) == STT_TLS)
                return NULL;
        if (sym.st_size == 0 ? !(off == 0 && GELF_ST_TYPE(sym.st_info) == STT_FUNC) : off >= sym.st_size)
                return NULL;
        *start = addr - off;
        /* The module's file has a table for this (symbols.c); a module
         * without one is scanned. */
        if (dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL) && ud && *ud &&
            dwfl_module_getelf(m, &bias))
                return symb_file_alias(*ud, *start - bias, sym.st_size, GELF_ST_TYPE(sym.st_info), name);
        n = dwfl_module_getsymtab(m);
        if (n > 0 && n < MAX_ALIAS_SCAN)
                for (int i = 1; i < n; i++) {
                        GElf_Sym s2;
                        GElf_Addr v2;
                        const char *n2 = dwfl_module_getsym_info(m, i, &s2, &v2, NULL, NULL, NULL);

                        if (n2 && *n2 && v2 == *start && s2.st_size == sym.st_size &&
                            GELF_ST_TYPE(s2.st_info) == GELF_ST_TYPE(sym.st_info) && strcmp(n2, name) > 0)
                                name = n2;
                }
        return name;
}

char *symb_address_name(Dwfl_Module *m, uint64_t addr, int64_t *offset) {
        uint64_t entry = 0, start = 0;
        char *fn = debug_function(m, addr, &entry);
        const char *sym = elf_symbol(m, addr, &start);

        if (sym && (!fn || (start == addr && entry != addr))) {
                free(fn);
                *offset = (int64_t) (addr - start);
                return symb_minsym_print_name(sym);
        }
        if (fn)
                *offset = (int64_t) (addr - entry);
        return fn;
}
