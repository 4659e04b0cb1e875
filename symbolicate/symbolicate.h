/* SPDX-License-Identifier: MIT */
/* symbolicate/symbolicate.h: turns a dump into threads of frames with
 * function, file:line, inlined frames and the values of parameters and
 * locals, as gdb's `bt full` shows them, with elfutils libdw. Used by
 * crashctl now and by the daemon's workers later. Never logs; errors are
 * negative errno values with a one-line message in the caller's buffer.
 * A symb_context may be used by one thread at a time (libdw is not
 * thread-safe per Dwfl); a daemon keeps one per worker. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reader.h"

/* What one dump may cost: a dump is whatever a local user wrote, and 65,536
 * threads sharing one stack made a 91 KB dump a 304 MB report. 0 in any
 * field takes its default. What is cut says so in the report (truncated
 * fields below), so in every output. */
struct symb_limits {
        unsigned max_threads;           /* threads with values; 0: 1024 */
        unsigned max_threads_listed;    /* threads in the report, past max_threads with
                                           frames only; 0: 4096 */
        unsigned max_report_frames;     /* frames of all threads together; 0: 131072 */
        unsigned max_vars;              /* variables per frame; 0: 1024 */
        unsigned max_report_vars;       /* variables of all frames; 0: 262144 */
        uint64_t max_value_bytes;       /* bytes of variables' text (name, type, value);
                                           0: 16 MiB */
        unsigned time_limit_ms;         /* wall time per dump, after which no more values
                                           and no more threads walked; 0: 60 s */
};

struct symb_options {
        const char *const *debug_dirs;  /* searched in order: .build-id layout and plain trees */
        size_t n_debug_dirs;
        const char *sysroot;            /* module paths are looked up under it first; may be NULL */
        bool no_system_debug;           /* skip /usr/lib/debug (tests) */
        int debuginfod_timeout_s;       /* 0: 10 s. Used only when DEBUGINFOD_URLS is set */
        unsigned max_frames;            /* per thread; 0: 256 */
        unsigned max_depth;             /* nesting of structs/arrays in values; 0: 20, as gdb */
        unsigned max_elements;          /* array elements and string chars; 0: 200 */
        bool raw;                       /* standard library types as their structures, like
                                           gdb's print/r; false: as gdb's libstdc++ printers */
        struct symb_limits limits;
        /* Names (case-insensitive substrings) of variables, struct and
         * union members and tags whose values the report holds as
         * "[masked]", decided while values are printed; NULL-terminated,
         * NULL: none. symb_default_mask is the usual list. */
        const char *const *mask;
};

struct symb_context;

int symb_context_new(const struct symb_options *o, struct symb_context **ret);
void symb_context_free(struct symb_context *c);

/* Replaces the mask and the limits for the calls that follow (copies
 * both; NULL mask: none, NULL limits: the defaults), so that a daemon
 * applies a reloaded configuration without a new context. 0 or -ENOMEM
 * (the old ones then stay). */
int symb_context_set_mask_limits(struct symb_context *c, const char *const *mask, const struct symb_limits *limits);

enum symb_var_kind { SYMB_VAR_PARAM, SYMB_VAR_LOCAL };

struct symb_var {
        char *name;
        enum symb_var_kind kind;
        char *type;                     /* as C spells it: "const char *", "struct point" */
        char *value;                    /* as gdb prints it; NULL when unknown */
        char *reason;                   /* when value is NULL: "optimized out", "unavailable",
                                           "not implemented", "error: ..." */
        char *detail;                   /* when value is NULL, or NULL: what the reason comes
                                           from ("rdi is call-clobbered: ...") */
        bool masked;                    /* value is "[masked]", or holds members masked so */
};

enum symb_trust {
        SYMB_TRUST_CONTEXT,             /* registers from the dump: frame 0 */
        SYMB_TRUST_CFI,                 /* unwound with .eh_frame/.debug_frame */
        SYMB_TRUST_FP,                  /* unwound by frame pointer */
};

struct symb_frame {
        uint64_t pc;                    /* as unwound (return address for callers) */
        bool inlined;                   /* a virtual frame for an inlined call */
        bool tailcall;                  /* a function that left by a tail call, rebuilt
                                           from call sites (tailcalls.c) */
        enum symb_trust trust;
        const char *module;             /* path as in the dump; NULL if in no module */
        uint64_t module_base;
        char *function;                 /* demangled; NULL if unknown */
        uint64_t function_offset;       /* pc - symbol start, when known */
        char *file;                     /* NULL if unknown */
        int line, column;               /* 0 if unknown */
        bool pc_at_line_start;          /* pc begins a line-table row: gdb omits the address */
        bool has_debug_info;            /* false: "No symbol table info available." */
        struct symb_var *vars;          /* params first, in declaration order, then locals */
        size_t n_vars;
        const char *vars_truncated;     /* NULL, or why variables were left out (a limit;
                                           static text) */
};

struct symb_thread {
        uint32_t tid;
        const char *name;               /* NULL if unknown */
        bool crashed;
        struct symb_frame *frames;      /* innermost first */
        size_t n_frames;
        char *stop_reason;              /* why the walk ended early, or NULL */
        size_t dump_index;              /* its entry in the dump's thread list */
        char *truncated;                /* NULL, or what a limit cut from this thread:
                                           its frames, or the values of some */
};

struct symb_module {
        const char *name;               /* path in the dump */
        uint64_t base, size;
        char build_id[2 * PROTO_BUILD_ID_MAX + 1];  /* hex, "" if none */
        char debug_id[40];              /* Sentry/Breakpad debug id (GUID form), "" if none */
        char *elf_path;                 /* the file used, or NULL */
        char *debug_path;               /* separate debug file, or NULL */
        char *problem;                  /* "not found", "build-id mismatch: FILE has ...", or NULL */
};

/* The exception a C++ program died of in std::terminate, as libstdc++'s
 * verbose terminate handler names it ("terminate called after throwing an
 * instance of 'std::runtime_error'", "what():  insufficient funds"), found
 * from the crashing thread's registers and stack and the Itanium ABI's
 * exception header, read from the dump only (symbolicate/exception.c). */
struct symb_exception {
        char *type;                     /* demangled: "std::runtime_error", "int",
                                           "LedgerError"; NULL if unknown */
        char *message;                  /* what(), as the handler prints it; NULL when
                                           none or unknown (message_reason) */
        const char *message_reason;     /* when message is NULL: NULL (the type has no
                                           what(): not a std::exception), "unavailable"
                                           (memory not in the dump), "unknown" (a
                                           std::exception whose what() is not read) */
        char *value;                    /* when there is no what() (an int, a class not
                                           derived from std::exception): the object as the
                                           value printer shows it ("42", "{code = 1234}"),
                                           through its type's DWARF; NULL when not found */
        char *detail;                   /* what the dump lacked, for people; or NULL */
        const char *type_from;          /* static text: "exception header", "vtable",
                                           "__cxa_throw registers" */
        const char *thrown_by;          /* "__cxa_throw", "__cxa_rethrow",
                                           "std::rethrow_exception" */
        bool dependent;                 /* a dependent exception (std::rethrow_exception) */
        uint64_t object;                /* the thrown object's address */
        uint64_t type_info;             /* its std::type_info, 0 if unknown */
};

struct symb_report {
        const struct proto_dump *dump;  /* borrowed: must outlive the report */
        struct symb_thread *threads;    /* the crashing thread first */
        size_t n_threads;
        struct symb_module *modules;
        size_t n_modules;
        size_t n_threads_in_dump;       /* n_threads may be fewer (max_threads_listed) */
        char *truncated;                /* NULL, or what the limits cut, in one line */
        char **mask;                    /* the names it was masked with (NULL-terminated),
                                           or NULL */
        struct symb_exception *exception;  /* NULL: not an uncaught C++ exception */
};

/* Symbolicates every thread of d. Missing debug info is not an error: the
 * frames say what is unknown. Fails only for a dump it cannot walk at all
 * (no threads) or when out of memory. */
int symb_symbolicate(struct symb_context *c, const struct proto_dump *d,
                     struct symb_report **ret, char *err, size_t errlen);
void symb_report_free(struct symb_report *r);

/* Where module m's files are, found as symb_symbolicate() finds them (by
 * build-id: the dump's path under the sysroot and as it is, the debug
 * dirs, /usr/lib/debug, debuginfod), for tools that hand them to another
 * program (`crashctl gdb`). *ret_path: the verified main file (or the
 * debug file when only that exists), NULL when none was found, then
 * *ret_problem says why; *ret_debug_path: its separate DWARF, or NULL.
 * All malloc'ed. 0, or -ENOMEM. */
int symb_locate_module(struct symb_context *c, const struct proto_module *m, char **ret_path,
                       char **ret_debug_path, char **ret_problem);

/* Output. Every format shows the report as it was made: masked (struct
 * members too) when symb_options.mask was set, and its tags masked by the
 * same names. mask: names masked on top of that, whole variables and
 * tags only (members are masked only while values are printed);
 * NULL-terminated, or NULL for none. */
int symb_format_text(FILE *out, const struct symb_report *r);
int symb_format_json(FILE *out, const struct symb_report *r, const char *const *mask);
int symb_format_sentry(FILE *out, const struct symb_report *r, const char *const *mask);

/* What a masked value reads. */
#define SYMB_MASKED "[masked]"

/* The default mask list: password, passwd, secret, token, api_key,
 * apikey, auth, credential, cookie, private. */
extern const char *const symb_default_mask[];

/* Whether a name (a variable's, a struct member's, a tag's) matches one of
 * mask's entries, case-insensitively, anywhere in it. NULL mask: never. */
bool symb_name_masked(const char *name, const char *const *mask);

/* Opens a path that a dump names (a module, a source file) for reading:
 * never /proc, /sys, /dev or another kernel pseudo file system (by name,
 * by magic link or through any other link), never anything but a regular
 * file, never blocking. A descriptor, or -EPERM for a refused path, or
 * -errno. */
int symb_open_untrusted(const char *path);
