/* SPDX-License-Identifier: MIT */
/* symbolicate/symb-internal.h: what the files of symbolicate/ share and
 * nobody outside sees: the per-build-id file cache of a context, the
 * per-dump state, the unwound physical frames, and small helpers. */
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "budget.h"
#include "frame-context.h"
#include "symbolicate.h"
#include "variables.h"

#define SYMB_DEFAULT_MAX_FRAMES 256
#define SYMB_DEFAULT_MAX_DEPTH 20   /* gdb's default print max-depth */
#define SYMB_DEFAULT_MAX_ELEMENTS 200
#define SYMB_DEFAULT_DEBUGINFOD_TIMEOUT_S 10
/* A module that was not found is looked for again after this long, as the
 * debuginfod client retries its misses (cache_miss_s): a daemon must pick
 * up debug files installed after the first crash. */
#define SYMB_MISS_RETRY_S 600

#define _cleanup_(f) __attribute__((cleanup(f)))
static inline void symb_freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(symb_freep)
#define TAKE_PTR(p)                          \
        ({                                   \
                __typeof__(p) _p_ = (p);     \
                (p) = NULL;                  \
                _p_;                         \
        })

/* One compilation unit's address range, in the file's addresses: the
 * fallback for binaries without .debug_aranges (clang), which libdw 0.188's
 * dwfl_module_addrdie cannot search. CU offsets are the same in every
 * Dwarf opened on the same file, so the table survives the per-dump Dwfl. */
struct symb_cu_range {
        Dwarf_Addr low, high;
        Dwarf_Off cu_offset;
};

/* What was found for one module (build-id + path in the dump), cached in
 * the context for its lifetime. modules.c fills it, context.c owns it. */
struct symb_file {
        char *key;                      /* build-id hex, NUL, path: see context.c */
        uint8_t build_id[PROTO_BUILD_ID_MAX];
        size_t build_id_size;
        char *elf_path;                 /* the verified main file, or the debug file
                                           when only that exists */
        Elf *elf;                       /* ELF_C_READ_MMAP, lent to each Dwfl by reference
                                           count (elf_begin with a ref) */
        int elf_fd;
        void *image;                    /* elf's bytes when it came from memory (the vdso) */
        bool elf_has_code;              /* real file bytes behind .text: memory.c may read
                                           read-only segments from it */
        char *debug_path;               /* separate DWARF, NULL if none or elf has it */
        Elf *debug_elf;                 /* open on debug_fd for the context's lifetime */
        int debug_fd;
        /* The DWARF of this file, opened once for the context's lifetime:
         * the per-dump Dwfl would parse (and decompress) it for every dump.
         * frames.c and the evaluator read DIEs and lines from here. */
        Dwarf *dwarf;
        bool dwarf_tried;
        int64_t dwarf_delta;            /* DWARF address - main file address (prelink) */
        char *problem;                  /* refused files and misses, or NULL */
        time_t resolved_at;             /* CLOCK_MONOTONIC seconds */

        bool cus_built;
        struct symb_cu_range *cus;
        size_t n_cus;

        bool syms_built;                /* symbols.c */
        struct symb_sym *syms;
        size_t n_syms;
        struct symb_sym **by_name;      /* symbols.c: syms sorted by name */
        bool aliases_built;             /* symbols.c: every symbol, by value */
        struct symb_alias *aliases;
        size_t n_aliases;

        struct symb_scopes **scopes;    /* scopes.c: open addressing by address */
        size_t scopes_cap, n_scopes;

        struct symb_scope_index *scope_index;
};

/* The concrete scopes at one DWARF address of a file, innermost first up
 * to the function (symb_concrete_scopes), and its CU. */
struct symb_scopes {
        Dwarf_Addr addr;
        bool has_cu;
        Dwarf_Die cu;
        Dwarf_Die *chain;
        int n_chain;
};

struct symb_context {
        struct symb_options o;          /* strings below are owned copies; limits filled in */
        char **mask;                    /* o.mask's owned copy */
        char **debug_dirs;
        char *sysroot;

        struct symb_file **files;       /* sorted by key */
        size_t n_files;

        struct symb_tree **trees;       /* per debug dir, the plain-tree index (modules.c) */
        struct debuginfod_client *dbgd; /* NULL: DEBUGINFOD_URLS unset or no library */
        bool dbgd_tried;
        struct timespec dbgd_deadline;  /* per symb_symbolicate() call */
        bool dbgd_expired;              /* the deadline passed: no more queries this call */
};

/* context.c */
int symb_context_lookup(struct symb_context *c, const struct proto_module *m, struct symb_file **ret);
void symb_file_free(struct symb_file *f);
/* The file's DWARF (NULL if none), and the CU containing DWARF address a:
 * .debug_aranges first, then a per-file table of every CU's ranges. */
Dwarf *symb_file_dwarf(struct symb_file *f);
void symb_file_set_delta(struct symb_file *f);  /* once debug_elf is set */
void symb_context_trim(struct symb_context *c);  /* between calls: bounds the caches */
bool symb_file_cu(struct symb_file *f, Dwarf_Addr a, Dwarf_Die *ret);

/* symbols.c: the ELF symbol covering main-file address a, and its start
 * in *ret_addr; NULL if none. The name lives as long as the context. */
const char *symb_file_symbol(struct symb_file *f, GElf_Addr a, GElf_Addr *ret_addr);

/* symbols.c: of the symbols at main-file address addr with this size and
 * ELF type, the one gdb names (the last in strcmp order), or name. */
const char *symb_file_alias(struct symb_file *f, GElf_Addr addr, GElf_Addr size, int type, const char *name);

/* symbols.c: the main-file address of the function symbol named name. */
bool symb_file_symbol_named(struct symb_file *f, const char *name, GElf_Addr *ret_addr);

/* symbols.c: the name of a data object (STT_OBJECT) symbol starting at
 * exactly main-file address addr, or NULL. Lives as long as the context. */
const char *symb_file_object_at(struct symb_file *f, GElf_Addr addr);

/* scopes.c: the concrete scopes at DWARF address a of cu, innermost first
 * up to the function holding them (the CU's own parents may follow), into
 * *chain (malloc'ed); their number, 0 when none holds a. Uncached. */
int symb_concrete_scopes(struct symb_file *f, Dwarf_Die *cu, Dwarf_Addr a, Dwarf_Die **chain);

/* scopes.c: the cached scopes at DWARF address a (NULL: no DWARF or out of
 * memory), valid until symb_file_scopes_clear(). */
const struct symb_scopes *symb_file_scopes(struct symb_file *f, Dwarf_Addr a);
void symb_file_scopes_clear(struct symb_file *f, bool only_if_big);

/* modules.c: fills f (elf, debug_path, problem) for module m. Returns 0 or
 * -ENOMEM; not finding anything is not an error. */
int symb_resolve_module(struct symb_context *c, const struct proto_module *m, struct symb_file *f);

/* tree.c: the k-th file named base under plain-tree debug dir `dir` (the
 * tree is indexed on first use), or NULL. */
const char *symb_tree_path(struct symb_context *c, size_t dir, const char *base, size_t k);
void symb_trees_free(struct symb_context *c);

/* debuginfod.c: an fd of the executable or debug file with this build-id
 * from debuginfod, and its cache path in *ret_path (free it), or -errno
 * (-ENOSYS: no DEBUGINFOD_URLS, no library, or the deadline passed). */
int symb_debuginfod_fetch(struct symb_context *c, const uint8_t *id, size_t n, bool debuginfo, char **ret_path);
void symb_debuginfod_free(struct symb_context *c);
bool symb_elf_build_id_is(Elf *elf, const uint8_t *id, size_t n);
void symb_hex(const uint8_t *p, size_t n, char *out);

/* One module of the dump within one symbolication. */
struct symb_dump_module {
        const struct proto_module *pm;
        struct symb_file *file;         /* NULL when the module was skipped */
        Dwfl_Module *mod;
};

/* One unwound (physical) frame. */
struct symb_phys_frame {
        uint64_t pc;
        bool activation;                /* frame 0 or after a signal frame: pc is exact */
        enum symb_trust trust;
        struct symb_regs regs;          /* frame 0 adds xmm from the context (frames.c) */
        bool has_cfa;
        uint64_t cfa;                   /* from this frame's CFI row and registers */
};

/* The state of one symb_symbolicate() call. */
struct symb_dump_state {
        struct symb_context *c;
        const struct proto_dump *d;
        Dwfl *dwfl;
        struct symb_dump_module *mods;  /* sorted by base, overlaps dropped */
        size_t n_mods;
        struct symb_value_limits lim;
        struct symb_budget budget;
        size_t walk_max;                /* frames the walk in progress may have */

        /* unwind.c: the walk in progress */
        size_t walk_thread;             /* index into d->threads */
        bool read_failed;
        uint64_t read_failed_addr;
};

/* memory.c */
size_t symb_read_memory(void *userdata, uint64_t addr, void *buf, size_t len);
const struct symb_dump_module *symb_module_at(const struct symb_dump_state *s, uint64_t addr);

/* unwind.c: attaches the dump's threads to s->dwfl (once), then walks
 * thread t. *frames is malloc'ed; *stop is a malloc'ed reason or NULL. */
int symb_unwind_attach(struct symb_dump_state *s);
int symb_unwind_thread(struct symb_dump_state *s, size_t thread_index, struct symb_phys_frame **frames,
                       size_t *n_frames, char **stop);

/* exception.c: when thread's walk pf is an uncaught C++ exception's
 * (SIGABRT, abort <- ... <- std::terminate <- __cxa_throw or a rethrow),
 * the exception, read from the dump: *ret malloc'ed, or NULL when it is
 * not one. 0 or -ENOMEM. */
int symb_exception_find(struct symb_dump_state *s, const struct symb_phys_frame *pf, size_t n_pf,
                        struct symb_exception **ret);
void symb_exception_free(struct symb_exception *e);

/* frames.c: turns physical frames into report frames (inlined ones split
 * out) with variables. */
int symb_frames_build(struct symb_dump_state *s, const struct symb_phys_frame *pf, size_t n_pf,
                      struct symb_frame **frames, size_t *n_frames);
void symb_frame_clear(struct symb_frame *f);

/* tailcalls.c: the functions that tail-called their way from the
 * function the caller's call site calls to the callee's, innermost first,
 * when exactly one chain of DW_AT_call_tail_call sites leads there (at
 * most SYMB_MAX_TAILCALLS); 0 when there is none, or more than one. */
#define SYMB_MAX_TAILCALLS 8
struct symb_tailcall {
        uint64_t entry;                 /* the function's entry address */
        uint64_t pc;                    /* return address of its tail-call site */
};
size_t symb_tailcalls(const struct symb_dump_module *callee_dm, const struct symb_frame_context *callee,
                      const struct symb_frame_context *caller, struct symb_tailcall *ret);

/* lines.c: the source location of the innermost virtual frame of a
 * physical frame (its pc's row; also sets pc_at_line_start as gdb would
 * decide) and of a frame an inlined call sits in (the call site). 0 or
 * -ENOMEM. */
int symb_pc_location(Dwarf_Die *cu, const struct symb_frame_context *fc, struct symb_frame *f);
int symb_call_location(Dwarf_Die *cu, Dwarf_Die *inlined, struct symb_frame *f);

/* demangle.cc: a malloc'ed demangled name, or NULL if name is not a
 * mangled C++ name (or on failure). */
char *symb_demangle(const char *name);

/* names.c: the name of a function DIE (a subprogram or an inlined
 * subroutine) as gdb shows it in a backtrace ("ns::Class::method",
 * "main", "std::function<int (int)>::operator()(int) const"), malloc'ed;
 * NULL if it has none. */
char *symb_die_function_name(Dwarf_Die *die);

/* names.c: gdb's print name of a function DIE's symbol: in C++ with its
 * parameters ("main(int, char**)", "ns::f<int>(int)"), malloc'ed; NULL if
 * it has none. */
char *symb_die_print_name(Dwarf_Die *die);

/* names.c: whether die's compilation unit is C++. */
bool symb_die_is_cxx(Dwarf_Die *die);

/* minsym-names.c: an ELF symbol's name as gdb prints it: C++ demangled
 * with parameters, else GNAT-decoded where gdb's Ada sniffer claims it
 * ("args.1" -> "args", "f.x" -> "f[x]"), else as it is; malloc'ed. */
char *symb_minsym_print_name(const char *linkage);

/* mask.c: copies of NULL-terminated name lists (NULL stays NULL; NULL
 * and *oom set when out of memory), and what a formatter shows of a
 * variable: "[masked]" when the report masked it or its name is in mask
 * (*masked then), else its value (NULL: unknown). */
char **symb_strv_copy(const char *const *l, bool *oom);
void symb_strv_free(char **l);
const char *symb_var_shown_value(const struct symb_var *v, const char *const *mask, bool *masked);
/* Whether a tag's value is shown masked: its key matches the report's
 * mask or mask. */
bool symb_tag_masked(const struct symb_report *r, const char *key, const char *const *mask);

/* json-out.c: escaping for the formatters. */
size_t symb_utf8_next(const uint8_t *p, size_t n, uint32_t *cp);
void symb_json_string(FILE *out, const char *s);
void symb_json_string_or_null(FILE *out, const char *s);
void symb_json_key(FILE *out, const char *key);
void symb_text_put(FILE *out, const char *s);   /* printable UTF-8, else \xNN */

/* crash.c: what the formatters say about the crash, from the crash-info
 * stream when the dumper wrote one, else the exception stream. */
struct symb_crash {
        bool has_signal;                /* false: a dump taken on request */
        uint32_t signo;
        int32_t code;
        const char *signal_name;        /* "SIGSEGV", or NULL for an unknown number */
        const char *code_name;          /* "SEGV_MAPERR", or NULL */
        bool has_addr;                  /* si_addr means an address for this signal */
        uint64_t addr;
        uint32_t tid;                   /* the crashing thread, 0 if unknown */
        uint32_t pid;                   /* 0 if unknown */
        uint64_t time_ns;               /* CLOCK_REALTIME, 0 if unknown */
        const struct symb_module *main_module;  /* the executable, or NULL */
        const char *process;            /* its base name, or "unknown" */
};
void symb_crash_get(const struct symb_report *r, struct symb_crash *ret);
/* The command line, arguments joined by spaces, malloc'ed; NULL if absent. */
char *symb_crash_cmdline(const struct symb_report *r);
