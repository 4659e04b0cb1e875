/* SPDX-License-Identifier: MIT */
/* symbolicate/exception.c: which C++ exception a program died of in
 * std::terminate, from the dump alone, as libstdc++'s verbose terminate
 * handler says it ("terminate called after throwing an instance of
 * 'std::runtime_error'", "what():  insufficient funds").
 *
 * Only when the layout says so, never by guessing: the crashing thread
 * took SIGABRT with abort <- ... <- std::terminate <- __cxa_throw (or
 * __cxa_rethrow, std::rethrow_exception) on its stack, named by the ELF
 * symbols of libstdc++. Then the candidates are every register value known
 * in the frames up to and including the throwing one, and every stack word
 * from frame 0's SP to the throwing frame's CFA; the first one at which the
 * Itanium C++ ABI's exception header is found in the dump's memory is the
 * exception. libstdc++'s header (libsupc++/unwind-cxx.h), x86-64, from the
 * thrown object obj down:
 *
 *   obj-128  __cxa_refcounted_exception: int referenceCount (+ padding)
 *   obj-112  __cxa_exception: std::type_info *exceptionType
 *   obj-104    exceptionDestructor, obj-96 unexpectedHandler,
 *   obj-88     terminateHandler, obj-80 nextException, obj-72 handlerCount,
 *   obj-68     handlerSwitchValue, obj-64 actionRecord,
 *   obj-56     languageSpecificData, obj-48 catchTemp, obj-40 adjustedPtr
 *   obj-32   _Unwind_Exception (32 bytes): u64 exception_class first
 *
 * exception_class is the u64 'G'<<56|'N'<<48|...|'+'<<8|'\0' ("GNUCC++\0"
 * read from the high byte down; in little-endian memory "\0++CCUNG"); a
 * dependent exception (std::rethrow_exception) ends in 1 instead, and its
 * __cxa_dependent_exception holds void *primaryException 80 bytes before
 * its _Unwind_Exception (the rest mirrors __cxa_exception). Checked against
 * a live exception (offsetof is not available: the structures are
 * libsupc++'s private ones).
 *
 * The type is the ELF symbol at exceptionType ("typeinfo for X"), else
 * the mangled name the type_info holds. When the header is not in the dump
 * (the dumper of crashd 0.1 captures 256 bytes from 32 below each heap
 * pointer on the stack, and the stack holds &unwindHeader), the type comes
 * from the object's vtable ("vtable for X" + 16 at obj: polymorphic types)
 * or from a register of the throwing frame holding exactly a "typeinfo
 * for X" (__cxa_throw keeps its tinfo argument in a callee-saved register),
 * and detail says what was missing.
 *
 * what(): for classes derived from std::runtime_error or std::logic_error
 * (the type_info's base chain, else the standard's own hierarchy for the
 * standard library's classes), libstdc++'s {vptr, __cow_string _M_msg}:
 * one pointer to the characters, whose length is 24 bytes before them (the
 * COW _Rep: length, capacity, refcount). std::bad_alloc and the other
 * classes whose what() is a constant get libstdc++'s constant. A type with
 * no what() (an int, a plain struct) gets the object's value through the
 * value printer, when the compilation unit of the function that called
 * the thrower defines the type by that name. */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "symb-internal.h"
#include "values.h"

#define SIGABRT_NUMBER 6

#define EXC_CLASS_PRIMARY UINT64_C(0x474e5543432b2b00)   /* "GNUCC++\0" */
#define EXC_CLASS_DEPENDENT UINT64_C(0x474e5543432b2b01) /* "GNUCC++\1" */

/* Offsets from the thrown object (unwind-cxx.h, x86-64). */
#define OBJ_TO_REFCOUNTED 128
#define OBJ_TO_HEADER 112               /* __cxa_exception, exceptionType first */
#define OBJ_TO_UNWIND 32                /* _Unwind_Exception */
#define HEADER_TO_UNWIND 80
#define DEPENDENT_PRIMARY_BEFORE_UNWIND 80  /* __cxa_dependent_exception::primaryException */

/* A stack longer than this between frame 0 and the throwing frame is not
 * scanned past it: a hostile dump may say anything. */
#define MAX_SCAN_BYTES (256 * 1024)
#define MAX_MESSAGE 4096                /* bytes of what() kept */
#define MAX_BASE_DEPTH 16               /* type_info base chain */
#define MAX_BASE_VISITS 256             /* type_infos looked at in all: a hostile
                                           dump's multiple bases must not explode */

static void symb_exception_freep(struct symb_exception **e) {
        symb_exception_free(*e);
}

struct finder {
        struct symb_dump_state *s;
        const struct symb_phys_frame *pf;
        size_t n_pf;
        size_t throw_index;
};

/* The ELF symbol (linkage name) of a physical frame's function, or NULL. */
static const char *frame_symbol(struct symb_dump_state *s, const struct symb_phys_frame *f) {
        uint64_t pc = f->activation ? f->pc : f->pc - 1;
        const struct symb_dump_module *dm = symb_module_at(s, pc);
        GElf_Addr bias, start;

        if (!dm || !dm->file || !dm->file->elf || !dm->mod || !dwfl_module_getelf(dm->mod, &bias))
                return NULL;
        return symb_file_symbol(dm->file, pc - bias, &start);
}

/* The data object symbol at exactly addr in any module, or NULL. */
static const char *object_symbol(struct symb_dump_state *s, uint64_t addr) {
        const struct symb_dump_module *dm = symb_module_at(s, addr);
        GElf_Addr bias;

        if (!dm || !dm->file || !dm->file->elf || !dm->mod || !dwfl_module_getelf(dm->mod, &bias))
                return NULL;
        return symb_file_object_at(dm->file, addr - bias);
}

static bool dump_u64(struct symb_dump_state *s, uint64_t addr, uint64_t *ret) {
        return proto_dump_read_memory(s->d, addr, ret, 8) == 8;
}

/* Memory as the evaluator reads it: the dump, then read-only file bytes
 * (a type_info's name string sits in .rodata). */
static bool mem_u64(struct symb_dump_state *s, uint64_t addr, uint64_t *ret) {
        return symb_read_memory(s, addr, ret, 8) == 8;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && !strcmp(s + n - k, suffix);
}

/* What threw, by the throwing frame's symbol. */
static const char *thrower_name(const char *sym) {
        if (!strcmp(sym, "__cxa_throw"))
                return "__cxa_throw";
        if (!strcmp(sym, "__cxa_rethrow"))
                return "__cxa_rethrow";
        if (!strcmp(sym, "_ZSt17rethrow_exceptionNSt15__exception_ptr13exception_ptrE"))
                return "std::rethrow_exception";
        return NULL;
}

static bool is_terminate(const char *sym) {
        return !strcmp(sym, "_ZSt9terminatev") || !strcmp(sym, "_ZN10__cxxabiv111__terminateEPFvvE");
}

/* The index of the throwing frame when the walk is abort <- ... <-
 * std::terminate <- thrower, else n_pf. */
static size_t throw_frame(struct symb_dump_state *s, const struct symb_phys_frame *pf, size_t n_pf,
                          const char **thrown_by) {
        bool seen_abort = false, seen_terminate = false;

        for (size_t i = 0; i < n_pf; i++) {
                const char *sym = frame_symbol(s, &pf[i]);

                if (!sym)
                        continue;
                if (!seen_terminate && ends_with(sym, "abort"))
                        seen_abort = true;
                else if (seen_abort && is_terminate(sym))
                        seen_terminate = true;
                else if (seen_terminate && (*thrown_by = thrower_name(sym)))
                        return i;
        }
        return n_pf;
}

/* Whether an _Unwind_Exception of libstdc++ is at ue in the dump; its
 * thrown object in *obj. */
static bool exception_at(struct symb_dump_state *s, uint64_t ue, uint64_t *obj, bool *dependent) {
        uint64_t cls, o, primary_cls;

        if (ue < DEPENDENT_PRIMARY_BEFORE_UNWIND || ue > UINT64_MAX - 64 || !dump_u64(s, ue, &cls))
                return false;
        if (cls == EXC_CLASS_PRIMARY) {
                *obj = ue + OBJ_TO_UNWIND;
                *dependent = false;
                return true;
        }
        if (cls != EXC_CLASS_DEPENDENT || !dump_u64(s, ue - DEPENDENT_PRIMARY_BEFORE_UNWIND, &o) ||
            o < OBJ_TO_REFCOUNTED || o > UINT64_MAX - 64)
                return false;
        /* The primary exception's own header, when the dump has it, must
         * say so too. */
        if (dump_u64(s, o - OBJ_TO_UNWIND, &primary_cls) && primary_cls != EXC_CLASS_PRIMARY)
                return false;
        *obj = o;
        *dependent = true;
        return true;
}

/* A candidate p: the object, its _Unwind_Exception, its __cxa_exception,
 * or its __cxa_refcounted_exception. */
static bool candidate(struct symb_dump_state *s, uint64_t p, uint64_t *obj, bool *dependent) {
        return (p >= OBJ_TO_UNWIND && exception_at(s, p - OBJ_TO_UNWIND, obj, dependent)) ||
               exception_at(s, p, obj, dependent) ||
               (p < UINT64_MAX - 256 && (exception_at(s, p + HEADER_TO_UNWIND, obj, dependent) ||
                                         exception_at(s, p + OBJ_TO_REFCOUNTED - OBJ_TO_UNWIND, obj, dependent)));
}

static bool find_object(struct finder *fi, uint64_t *obj, bool *dependent) {
        const struct symb_phys_frame *pf = fi->pf, *tf = &pf[fi->throw_index];
        uint64_t lo, hi;

        for (size_t i = 0; i <= fi->throw_index; i++)
                for (int r = 0; r < SYMB_NGPR; r++)
                        if ((pf[i].regs.gpr_known & (UINT32_C(1) << r)) && candidate(fi->s, pf[i].regs.gpr[r], obj, dependent))
                                return true;
        if (!(pf[0].regs.gpr_known & (UINT32_C(1) << 7)))
                return false;
        lo = pf[0].regs.gpr[7] & ~(uint64_t) 7;
        if (tf->has_cfa)
                hi = tf->cfa;
        else if (tf->regs.gpr_known & (UINT32_C(1) << 7))
                hi = tf->regs.gpr[7];   /* its SP: the CFA is above, unknown */
        else
                return false;
        if (hi < lo)
                return false;
        if (hi - lo > MAX_SCAN_BYTES)
                hi = lo + MAX_SCAN_BYTES;
        for (uint64_t a = lo; a + 8 <= hi; a += 8) {
                uint64_t v;

                if (dump_u64(fi->s, a, &v) && candidate(fi->s, v, obj, dependent))
                        return true;
        }
        return false;
}

/* "typeinfo for std::runtime_error" -> "std::runtime_error", from a
 * symbol with that prefix; NULL otherwise. */
static char *demangled_without(const char *sym, const char *mangled_prefix, const char *prefix) {
        _cleanup_free_ char *plain = NULL;
        char *d, *r;
        size_t k = strlen(prefix);

        if (!sym || strncmp(sym, mangled_prefix, strlen(mangled_prefix)) != 0)
                return NULL;
        /* An executable's .symtab names copy-relocated symbols with their
         * version: "_ZTIi@CXXABI_1.3". */
        plain = strndup(sym, strcspn(sym, "@"));
        if (!plain || !(d = symb_demangle(plain)))
                return NULL;
        if (strncmp(d, prefix, k) != 0) {
                free(d);
                return NULL;
        }
        r = strdup(d + k);
        free(d);
        return r;
}

/* The name a type_info holds ("St13runtime_error", "*N12_GLOBAL__N_13FooE"
 * for a local type), demangled as a type; NULL if unreadable. */
static char *type_info_name(struct symb_dump_state *s, uint64_t ti) {
        char mangled[512 + 4] = "_ZTI";
        uint64_t p;
        size_t n;

        if (!mem_u64(s, ti + 8, &p))
                return NULL;
        n = symb_read_memory(s, p, mangled + 4, sizeof(mangled) - 5);
        mangled[4 + n] = 0;
        if (strlen(mangled + 4) == n)   /* no NUL read: cut or missing */
                return NULL;
        if (mangled[4] == '*')
                memmove(mangled + 4, mangled + 5, strlen(mangled + 5) + 1);
        return demangled_without(mangled, "_ZTI", "typeinfo for ");
}

static char *type_name(struct symb_dump_state *s, uint64_t ti) {
        char *r = demangled_without(object_symbol(s, ti), "_ZTI", "typeinfo for ");

        return r ? r : type_info_name(s, ti);
}

/* The standard's own hierarchy (C++ [std.exceptions], [syserr]), for
 * classes of libstdc++ whose type_info is not in the dump. */
static bool std_derives(const char *type, bool *logic) {
        static const char *const runtime[] = {
                "std::runtime_error", "std::range_error", "std::overflow_error", "std::underflow_error",
                "std::system_error", "std::regex_error",
        };
        static const char *const logic_errors[] = {
                "std::logic_error", "std::domain_error", "std::invalid_argument", "std::length_error",
                "std::out_of_range", "std::future_error",
        };

        for (size_t i = 0; i < sizeof(runtime) / sizeof(*runtime); i++)
                if (!strcmp(type, runtime[i])) {
                        *logic = false;
                        return true;
                }
        for (size_t i = 0; i < sizeof(logic_errors) / sizeof(*logic_errors); i++)
                if (!strcmp(type, logic_errors[i])) {
                        *logic = true;
                        return true;
                }
        return false;
}

/* Whether the class of type_info ti is, or derives from, runtime_error or
 * logic_error, and the offset of that base in the object: the base chain
 * of __si_class_type_info {vptr, name, base} and __vmi_class_type_info
 * {vptr, name, flags, base_count, {base, offset_flags}[]} (public,
 * non-virtual bases only), read from memory. 1 yes, 0 no, -1 unknown
 * (memory missing). */
static int derives(struct symb_dump_state *s, uint64_t ti, unsigned depth, unsigned *left, uint64_t *offset) {
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ char *vt = NULL;
        uint64_t vptr;
        bool logic;

        if (*left == 0)
                return -1;
        (*left)--;
        name = type_name(s, ti);

        if (name && (!strcmp(name, "std::runtime_error") || !strcmp(name, "std::logic_error"))) {
                *offset = 0;
                return 1;
        }
        if (depth >= MAX_BASE_DEPTH)
                return -1;
        if (!mem_u64(s, ti, &vptr) || vptr < 16) {
                /* Not in the dump: the standard's hierarchy for its own
                 * classes, nothing for others. */
                if (name && std_derives(name, &logic)) {
                        *offset = 0;
                        return 1;
                }
                return -1;
        }
        vt = demangled_without(object_symbol(s, vptr - 16), "_ZTV", "vtable for ");
        if (!vt)
                return -1;
        if (!strcmp(vt, "__cxxabiv1::__si_class_type_info")) {
                uint64_t base;

                if (!mem_u64(s, ti + 16, &base))
                        return name && std_derives(name, &logic) ? (*offset = 0, 1) : -1;
                return derives(s, base, depth + 1, left, offset);
        }
        if (!strcmp(vt, "__cxxabiv1::__vmi_class_type_info")) {
                uint32_t counts[2];
                int unknown = 0;

                if (symb_read_memory(s, ti + 16, counts, 8) != 8)
                        return -1;
                for (uint32_t i = 0; i < counts[1] && i < 64; i++) {
                        uint64_t bi[2], off;
                        int r;

                        if (symb_read_memory(s, ti + 24 + 16 * (uint64_t) i, bi, 16) != 16) {
                                unknown = 1;
                                continue;
                        }
                        /* __offset_shift 8, __virtual_mask 1, __public_mask 2 */
                        if ((bi[1] & 1) || !(bi[1] & 2))
                                continue;
                        r = derives(s, bi[0], depth + 1, left, &off);
                        if (r == 1) {
                                *offset = off + (uint64_t) ((int64_t) bi[1] >> 8);
                                return 1;
                        }
                        if (r < 0)
                                unknown = 1;
                }
                return unknown ? -1 : 0;
        }
        /* __class_type_info (no bases), or not a class. */
        return 0;
}

/* A fundamental type or a pointer ("int", "unsigned long", "char
 * const*"): no class, no what(). */
static bool is_fundamental(const char *type) {
        static const char *const words[] = {
                "void", "bool", "char", "signed", "unsigned", "short", "int", "long", "float", "double",
                "wchar_t", "char8_t", "char16_t", "char32_t", "__int128", "const", "volatile", "decltype(nullptr)",
        };
        const char *p = type;

        if (ends_with(type, "*"))
                return true;
        while (*p) {
                size_t n = strcspn(p, " ");
                bool known = false;

                for (size_t i = 0; i < sizeof(words) / sizeof(*words) && !known; i++)
                        known = strlen(words[i]) == n && !strncmp(p, words[i], n);
                if (!known)
                        return false;
                p += n;
                p += strspn(p, " ");
        }
        return true;
}

/* libstdc++'s constant what() of the classes that have one (checked
 * against libstdc++ 12). Not std::bad_variant_access: its what() says
 * which access failed. */
static const char *constant_what(const char *type) {
        static const char *const what[][2] = {
                {"std::exception", "std::exception"},
                {"std::bad_exception", "std::bad_exception"},
                {"std::bad_alloc", "std::bad_alloc"},
                {"std::bad_array_new_length", "std::bad_array_new_length"},
                {"std::bad_cast", "std::bad_cast"},
                {"std::bad_typeid", "std::bad_typeid"},
                {"std::bad_function_call", "bad_function_call"},
                {"std::bad_weak_ptr", "bad_weak_ptr"},
                {"std::bad_optional_access", "bad optional access"},
                {"std::bad_any_cast", "bad any_cast"},
        };

        for (size_t i = 0; i < sizeof(what) / sizeof(*what); i++)
                if (!strcmp(type, what[i][0]))
                        return what[i][1];
        return NULL;
}

/* The characters of a __cow_string at p: its length 24 bytes before. */
static int read_cow_string(struct symb_dump_state *s, uint64_t p, struct symb_exception *e) {
        uint64_t len;
        bool known;
        size_t n;
        char *m;

        /* The length when the dump has it (an empty what() is one), else
         * up to the NUL. */
        known = mem_u64(s, p - 24, &len) && len <= MAX_MESSAGE;
        if (!known)
                len = MAX_MESSAGE;
        m = malloc(len + 1);
        if (!m)
                return -ENOMEM;
        n = len ? symb_read_memory(s, p, m, len) : 0;
        m[n] = 0;
        if ((n == 0 && !(known && len == 0)) || (n < len && strlen(m) == n)) {
                free(m);
                e->message_reason = "unavailable";
                return asprintf(&e->detail, "what()'s characters at 0x%" PRIx64 " are not in the dump", p) < 0
                               ? -ENOMEM
                               : 0;
        }
        e->message = m;
        return 0;
}

static int find_message(struct symb_dump_state *s, struct symb_exception *e) {
        const char *k;
        uint64_t off = 0, p;
        unsigned left = MAX_BASE_VISITS;
        bool logic;
        int d = -1;

        if (!e->type || is_fundamental(e->type))
                return 0;
        if ((k = constant_what(e->type))) {
                e->message = strdup(k);
                return e->message ? 0 : -ENOMEM;
        }
        if (e->type_info)
                d = derives(s, e->type_info, 0, &left, &off);
        else if (std_derives(e->type, &logic))
                d = 1;
        if (d == 0)
                return 0;
        if (d < 0) {
                /* Whether it is a std::exception at all is not known. */
                e->message_reason = "unknown";
                return asprintf(&e->detail, "the base classes of %s (its type_info at 0x%" PRIx64 ") are not in the dump",
                                e->type, e->type_info) < 0
                               ? -ENOMEM
                               : 0;
        }
        if (!dump_u64(s, e->object + off + 8, &p)) {
                e->message_reason = "unavailable";
                return asprintf(&e->detail, "the exception object at 0x%" PRIx64 " is not in the dump", e->object) < 0
                               ? -ENOMEM
                               : 0;
        }
        return read_cow_string(s, p, e);
}

/* The definition of the type named want (qualified as the demangler
 * spells it: "ns::Outer::Inner", "int") among the DIEs below parent
 * (namespaces and classes followed), prefix being parent's qualification. */
static bool find_type_die(Dwarf_Die *parent, const char *prefix, const char *want, unsigned depth, Dwarf_Die *ret) {
        Dwarf_Die child;
        size_t pl = strlen(prefix);

        if (depth > 8 || strncmp(want, prefix, pl) != 0 || dwarf_child(parent, &child) != 0)
                return false;
        do {
                int tag = dwarf_tag(&child);
                const char *name = dwarf_diename(&child);
                bool is_type = tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type ||
                               tag == DW_TAG_enumeration_type || tag == DW_TAG_base_type;
                char sub[512];

                if (tag == DW_TAG_namespace || is_type) {
                        int n = snprintf(sub, sizeof(sub), "%s%s", prefix,
                                         name ? name : tag == DW_TAG_namespace ? "(anonymous namespace)" : "");
                        if (n < 0 || (size_t) n >= sizeof(sub) - 2)
                                continue;
                        if (is_type && name && !strcmp(sub, want) && !dwarf_hasattr(&child, DW_AT_declaration)) {
                                *ret = child;
                                return true;
                        }
                        if ((tag == DW_TAG_namespace || tag != DW_TAG_base_type) && name) {
                                strcat(sub, "::");
                                if (find_type_die(&child, sub, want, depth + 1, ret))
                                        return true;
                        }
                }
        } while (dwarf_siblingof(&child, &child) == 0);
        return false;
}

/* For an exception without what(): the object as the value printer shows
 * it, through its type's DWARF in the compilation unit of the function
 * that called the thrower (which built the object). Nothing when that CU
 * does not define the type by that name. */
static int find_value(struct finder *fi, struct symb_exception *e) {
        struct symb_dump_state *s = fi->s;
        const struct symb_phys_frame *caller;
        const struct symb_dump_module *dm;
        struct symb_frame_context fc = {0};
        Dwarf_Die cu, type;
        Dwarf_Addr bias;
        uint64_t pc;
        int64_t size;
        uint8_t *mem;
        size_t n;
        int r;

        if (!e->type || e->message || e->message_reason || fi->throw_index + 1 >= fi->n_pf)
                return 0;
        caller = &fi->pf[fi->throw_index + 1];
        pc = caller->activation ? caller->pc : caller->pc - 1;
        dm = symb_module_at(s, pc);
        if (!dm || !dm->mod || !dm->file || !symb_file_dwarf(dm->file) || !dwfl_module_getelf(dm->mod, &bias))
                return 0;
        bias -= (Dwarf_Addr) dm->file->dwarf_delta;
        if (!symb_file_cu(dm->file, pc - bias, &cu) || !find_type_die(&cu, "", e->type, 0, &type))
                return 0;
        fc.module = dm->mod;
        fc.dwfl = s->dwfl;
        fc.bias = bias;
        fc.pc = caller->pc;
        fc.lookup_pc = pc;
        fc.read = symb_read_memory;
        fc.read_userdata = s;
        fc.dump = s->d;
        fc.thread = &s->d->threads[s->walk_thread];
        size = symb_type_size_in(&fc, &type);
        if (size <= 0 || size > MAX_MESSAGE)
                return 0;
        mem = calloc(3, (size_t) size);
        if (!mem)
                return -ENOMEM;
        /* Only the dump's bytes: the object lives on the heap. */
        n = proto_dump_read_memory(s->d, e->object, mem, (size_t) size);
        memset(mem + size, 0xff, n);
        memset(mem + 2 * size + n, SYMB_REASON_UNAVAILABLE, (size_t) size - n);

        struct symb_value v = {
                .bytes = mem, .known = mem + size, .why = mem + 2 * size, .size = (size_t) size,
                .has_addr = true, .addr = e->object,
        };

        r = symb_value_format(&fc, &type, &v, &s->lim, /* deref_ref= */ false, &e->value, /* ret_masked= */ NULL);
        free(mem);
        if (r < 0)
                return r;
        if (r > 0)      /* all of it one marker: <unavailable> */
                e->value = strdup(symb_reason_name((enum symb_reason) r));
        return 0;
}

/* The type when the header is not in the dump: the object's vtable, else
 * a register of __cxa_throw's frame that holds exactly a typeinfo (its
 * tinfo argument; a rethrow has none). */
static char *type_without_header(struct finder *fi, struct symb_exception *e) {
        const struct symb_phys_frame *tf = &fi->pf[fi->throw_index];
        uint64_t vptr;
        char *t;

        if (dump_u64(fi->s, e->object, &vptr) && vptr >= 16 &&
            (t = demangled_without(object_symbol(fi->s, vptr - 16), "_ZTV", "vtable for "))) {
                e->type_from = "vtable";
                return t;
        }
        for (int r = 0; r < SYMB_NGPR && !strcmp(e->thrown_by, "__cxa_throw"); r++)
                if ((tf->regs.gpr_known & (UINT32_C(1) << r)) &&
                    (t = demangled_without(object_symbol(fi->s, tf->regs.gpr[r]), "_ZTI", "typeinfo for "))) {
                        e->type_from = "__cxa_throw registers";
                        e->type_info = tf->regs.gpr[r];
                        return t;
                }
        return NULL;
}

int symb_exception_find(struct symb_dump_state *s, const struct symb_phys_frame *pf, size_t n_pf,
                        struct symb_exception **ret) {
        _cleanup_(symb_exception_freep) struct symb_exception *e = NULL;
        struct finder fi = {.s = s, .pf = pf, .n_pf = n_pf};
        const char *thrown_by = NULL;
        uint64_t obj, ti = 0;
        bool dependent, have_header;
        int r;

        *ret = NULL;
        if (!s->d->has_crash_info || s->d->crash_info.si_signo != SIGABRT_NUMBER || n_pf == 0)
                return 0;
        fi.throw_index = throw_frame(s, pf, n_pf, &thrown_by);
        if (fi.throw_index >= n_pf || !find_object(&fi, &obj, &dependent))
                return 0;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->object = obj;
        e->dependent = dependent;
        e->thrown_by = thrown_by;
        have_header = dump_u64(s, obj - OBJ_TO_HEADER, &ti);
        if (have_header && !ti) {
                /* No type to name: say so rather than guess one. */
                if (asprintf(&e->detail, "the exception header at 0x%" PRIx64 " has no exceptionType",
                             obj - OBJ_TO_HEADER) < 0)
                        return -ENOMEM;
        } else if (have_header) {
                e->type_info = ti;
                e->type_from = "exception header";
                e->type = type_name(s, ti);
                if (!e->type &&
                    asprintf(&e->detail, "the type_info at 0x%" PRIx64 " has no symbol and its name is not in the dump",
                             ti) < 0)
                        return -ENOMEM;
        } else {
                if (asprintf(&e->detail, "the exception header at 0x%" PRIx64 "-0x%" PRIx64 " is not in the dump",
                             obj - OBJ_TO_REFCOUNTED, obj - OBJ_TO_UNWIND) < 0)
                        return -ENOMEM;
                e->type = type_without_header(&fi, e);
        }
        if (e->type) {
                _cleanup_free_ char *header_detail = TAKE_PTR(e->detail);

                r = find_message(s, e);
                if (r >= 0)
                        r = find_value(&fi, e);
                if (r < 0)
                        return r;
                if (header_detail && e->detail) {
                        char *both;

                        if (asprintf(&both, "%s; %s", header_detail, e->detail) < 0)
                                return -ENOMEM;
                        free(e->detail);
                        e->detail = both;
                } else if (header_detail)
                        e->detail = TAKE_PTR(header_detail);
        }
        *ret = TAKE_PTR(e);
        return 0;
}

void symb_exception_free(struct symb_exception *e) {
        if (!e)
                return;
        free(e->type);
        free(e->message);
        free(e->value);
        free(e->detail);
        free(e);
}
