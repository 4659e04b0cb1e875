/* SPDX-License-Identifier: MIT */
/* symbolicate/location.c: see location.h.
 *
 * The machine follows DWARF 5 section 2.5/2.6 and what GCC emits. Values on
 * the stack are either of the generic type (an unsigned 64-bit integer, the
 * address size of x86-64) or typed (DW_OP_regval_type, deref_type,
 * const_type, convert): a base type's encoding and size with up to 16
 * bytes. Arithmetic on typed values needs both operands of the same type,
 * as gdb requires. Every limit below turns into an "error" piece, never
 * into a value. */
#include <assert.h>
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "location.h"
#include "symb-internal.h"

/* drgn allows 10000 operations; an expression from a compiler has a few
 * dozen, a hostile one may loop with DW_OP_skip. */
#define MAX_OPS 10000
#define MAX_STACK 64
/* Frame base -> entry value -> the caller's call site value -> the
 * caller's own entry value -> ...: a recursion passes a parameter down
 * unchanged as DW_OP_entry_value at every level, and gdb follows it to the
 * first caller. About 10 KiB of stack per level. */
#define MAX_NESTING 40
/* Call sites searched for in one caller function. */
#define MAX_CALL_SITE_DIES 100000
/* BOUND: nesting of blocks and inlined calls searched for a call site.
 * The DIE count alone would let a hostile file nest 100000 blocks, one
 * stack frame each, inside an evaluation already MAX_NESTING deep; real
 * code nests a few dozen (scopes.c keeps 64 too). */
#define MAX_CALL_SITE_NESTING 64

const char *symb_reason_name(enum symb_reason r) {
        switch (r) {
        case SYMB_REASON_NONE:
                return "known";
        case SYMB_REASON_OPTIMIZED_OUT:
                return "optimized out";
        case SYMB_REASON_UNAVAILABLE:
                return "unavailable";
        case SYMB_REASON_NOT_IMPLEMENTED:
                return "not implemented";
        case SYMB_REASON_SYNTHETIC:
                return "synthetic pointer";
        case SYMB_REASON_ERROR:
                break;
        }
        return "error";
}

struct entry {
        uint64_t lo, hi;        /* little-endian bytes 0-7, 8-15 */
        uint8_t size;           /* bytes; 8 for the generic type */
        uint8_t enc;            /* DW_ATE_*; 0 for the generic type */
};

struct machine {
        const struct symb_frame_context *fc;
        Dwarf_Attribute *attr;
        struct Dwarf_CU *cu;    /* of the DIE the expression belongs to: DIE references */
        int nesting;
        struct symb_location *loc;
        struct entry stack[MAX_STACK];
        size_t sp;
        enum symb_reason fail;  /* set: the current piece cannot be known */
        bool value_result;      /* a DWARF expression, not a location: its
                                   result is the top of the stack, typed */
};

static void set_error(struct symb_location *loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct symb_location *loc, const char *fmt, ...) {
        va_list ap;

        if (loc->error[0])
                return;         /* keep the first, it is the cause */
        va_start(ap, fmt);
        vsnprintf(loc->error, sizeof loc->error, fmt, ap);
        va_end(ap);
}

static void fail(struct machine *m, enum symb_reason r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct machine *m, enum symb_reason r, const char *fmt, ...) {
        va_list ap;

        if (m->fail == SYMB_REASON_NONE)
                m->fail = r;
        if (fmt && !m->loc->error[0]) {
                va_start(ap, fmt);
                vsnprintf(m->loc->error, sizeof m->loc->error, fmt, ap);
                va_end(ap);
        }
}

static bool lost_in_caller(const struct symb_frame_context *fc, unsigned regno);
static const char *reg_name(unsigned regno);

/* A register operand the frame does not know. */
static void reg_unknown(struct machine *m, unsigned regno) {
        if (lost_in_caller(m->fc, regno))
                fail(m, SYMB_REASON_OPTIMIZED_OUT, "%s is call-clobbered: a caller frame does not keep it",
                     reg_name(regno));
        else
                fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
}

/* Registers the x86-64 SysV ABI lets a callee clobber. In a caller's frame
 * (stopped in a call) they hold whatever the callee left there, whatever
 * the unwinder says: libdw 0.188's default CFI rules even mark rax (not
 * rbx) as "same value" (backends/x86_64_cfi.c), which would give the
 * callee's rax as the caller's. So they are never known there. */
static bool call_clobbered(unsigned regno) {
        return regno <= 2 || regno == 4 || regno == 5 || (regno >= 8 && regno <= 11) ||
               (regno >= SYMB_REG_XMM0 && regno < SYMB_REG_XMM0 + SYMB_NXMM);
}

static bool is_caller_frame(const struct symb_frame_context *fc) {
        return fc->lookup_pc != fc->pc;
}

static const char *reg_name(unsigned regno) {
        static const char *const gpr[SYMB_NGPR] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                                    "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip" };
        static const char *const xmm[SYMB_NXMM] = { "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                                                    "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                                                    "xmm12", "xmm13", "xmm14", "xmm15" };

        if (regno < SYMB_NGPR)
                return gpr[regno];
        if (regno >= SYMB_REG_XMM0 && regno < SYMB_REG_XMM0 + SYMB_NXMM)
                return xmm[regno - SYMB_REG_XMM0];
        return "a register";
}


static bool lost_in_caller(const struct symb_frame_context *fc, unsigned regno) {
        return is_caller_frame(fc) && call_clobbered(regno);
}

bool symb_frame_reg(const struct symb_frame_context *fc, unsigned regno, uint64_t *ret) {
        if (lost_in_caller(fc, regno))
                return false;
        if (regno < SYMB_NGPR) {
                if (!(fc->regs.gpr_known & (UINT32_C(1) << regno)))
                        return false;
                *ret = fc->regs.gpr[regno];
                return true;
        }
        if (regno >= SYMB_REG_XMM0 && regno < SYMB_REG_XMM0 + SYMB_NXMM) {
                unsigned x = regno - SYMB_REG_XMM0;

                if (!(fc->regs.xmm_known & (UINT32_C(1) << x)))
                        return false;
                memcpy(ret, fc->regs.xmm[x], 8);
                return true;
        }
        return false;
}

/* The register's bytes (8 for general purpose, 16 for xmm); 0 if unknown. */
static size_t reg_bytes(const struct symb_frame_context *fc, unsigned regno, uint8_t out[16]) {
        uint64_t v;

        if (regno >= SYMB_REG_XMM0 && regno < SYMB_REG_XMM0 + SYMB_NXMM) {
                unsigned x = regno - SYMB_REG_XMM0;

                if (is_caller_frame(fc) || !(fc->regs.xmm_known & (UINT32_C(1) << x)))
                        return 0;
                memcpy(out, fc->regs.xmm[x], 16);
                return 16;
        }
        if (!symb_frame_reg(fc, regno, &v))
                return 0;
        memcpy(out, &v, 8);
        return 8;
}

static bool push(struct machine *m, struct entry e) {
        if (m->sp >= MAX_STACK) {
                fail(m, SYMB_REASON_ERROR, "DWARF stack overflow");
                return false;
        }
        m->stack[m->sp++] = e;
        return true;
}

static bool push_u(struct machine *m, uint64_t v) {
        return push(m, (struct entry) { .lo = v, .size = 8 });
}

static bool pop(struct machine *m, struct entry *e) {
        if (m->sp == 0) {
                fail(m, SYMB_REASON_ERROR, "DWARF stack underflow");
                return false;
        }
        *e = m->stack[--m->sp];
        return true;
}

/* Pops a value to be used as an address or an integer operand. */
static bool pop_generic(struct machine *m, uint64_t *v) {
        struct entry e;

        if (!pop(m, &e))
                return false;
        if (e.enc == DW_ATE_float) {
                fail(m, SYMB_REASON_ERROR, "a floating-point value used as an integer");
                return false;
        }
        *v = e.lo;
        return true;
}

static bool is_signed_enc(uint8_t enc) {
        return enc == 0 || enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static uint64_t mask_bytes(uint64_t v, unsigned size) {
        return size >= 8 ? v : v & ((UINT64_C(1) << (8 * size)) - 1);
}

static int64_t sext(uint64_t v, unsigned size) {
        unsigned sh;

        if (size >= 8)
                return (int64_t) v;
        sh = 64 - 8 * size;
        return (int64_t) (v << sh) >> sh;
}

/* Base type DIE -> (encoding, size). */
static bool base_type(struct machine *m, Dwarf_Die *t, uint8_t *enc, uint8_t *size) {
        Dwarf_Attribute a;
        Dwarf_Word e;
        int s;

        if (dwarf_tag(t) != DW_TAG_base_type || !dwarf_attr(t, DW_AT_encoding, &a) ||
            dwarf_formudata(&a, &e) != 0 || (s = dwarf_bytesize(t)) <= 0 || s > 16) {
                fail(m, SYMB_REASON_ERROR, "a typed DWARF operation without a base type");
                return false;
        }
        *enc = (uint8_t) e;
        *size = (uint8_t) s;
        return true;
}

static bool op_type(struct machine *m, const Dwarf_Op *op, uint8_t *enc, uint8_t *size) {
        Dwarf_Die t;
        /* The type is a CU-relative DIE offset, so only the attribute's CU
         * matters. Not m->attr's own: an attribute from
         * dwarf_getlocation_attr (a DW_OP_entry_value block inside a
         * location list) belongs to libdw's fake loclists CU, where the
         * offset names nothing. */
        Dwarf_Attribute in_cu = { .code = DW_AT_location, .form = DW_FORM_exprloc, .cu = m->cu };

        if (!m->cu || dwarf_getlocation_die(&in_cu, op, &t) != 0) {
                fail(m, SYMB_REASON_ERROR, "cannot find the type of DWARF operation 0x%x", op->atom);
                return false;
        }
        return base_type(m, &t, enc, size);
}

static bool read_mem(struct machine *m, uint64_t addr, void *buf, size_t n) {
        if (m->fc->read && m->fc->read(m->fc->read_userdata, addr, buf, n) >= n)
                return true;
        fail(m, SYMB_REASON_UNAVAILABLE, "memory at 0x%" PRIx64 " is not in the dump", addr);
        return false;
}

static double entry_double(const struct entry *e) {
        if (e->size == 4) {
                float f;
                uint32_t u = (uint32_t) e->lo;

                memcpy(&f, &u, 4);
                return f;
        }
        double d;

        memcpy(&d, &e->lo, 8);
        return d;
}

static struct entry double_entry(double d, uint8_t size) {
        struct entry e = { .size = size, .enc = DW_ATE_float };

        if (size == 4) {
                float f = (float) d;
                uint32_t u;

                memcpy(&u, &f, 4);
                e.lo = u;
        } else
                memcpy(&e.lo, &d, 8);
        return e;
}

static bool float_ok(struct machine *m, const struct entry *e) {
        if (e->enc == DW_ATE_float && e->size != 4 && e->size != 8) {
                fail(m, SYMB_REASON_NOT_IMPLEMENTED, "arithmetic on a %u-byte floating-point value", e->size);
                return false;
        }
        if (e->size > 8) {
                fail(m, SYMB_REASON_NOT_IMPLEMENTED, "arithmetic on a %u-byte value", e->size);
                return false;
        }
        return true;
}

/* Converts e to the type (enc, size), as C converts; enc 0 is generic. */
static bool convert(struct machine *m, struct entry *e, uint8_t enc, uint8_t size) {
        if (!float_ok(m, e))
                return false;
        if (enc == DW_ATE_float) {
                double d;

                if (size != 4 && size != 8) {
                        fail(m, SYMB_REASON_NOT_IMPLEMENTED, "conversion to a %u-byte floating-point type", size);
                        return false;
                }
                if (e->enc == DW_ATE_float)
                        d = entry_double(e);
                else if (is_signed_enc(e->enc) && e->enc != 0)
                        d = (double) sext(e->lo, e->size);
                else
                        d = (double) mask_bytes(e->lo, e->size);
                *e = double_entry(d, size);
                return true;
        }
        if (size > 8) {
                fail(m, SYMB_REASON_NOT_IMPLEMENTED, "conversion to a %u-byte integer", size);
                return false;
        }
        if (e->enc == DW_ATE_float) {
                double d = entry_double(e);

                /* Out of range is undefined in C; gdb's answer would be
                 * whatever its host does. Refuse instead. */
                if (!(d > -9.3e18 && d < 1.8e19)) {
                        fail(m, SYMB_REASON_ERROR, "floating-point value out of range for an integer");
                        return false;
                }
                e->lo = d < 0 ? (uint64_t) (int64_t) d : (uint64_t) d;
        } else if (is_signed_enc(e->enc) && e->enc != 0)
                e->lo = (uint64_t) sext(e->lo, e->size);
        else
                e->lo = mask_bytes(e->lo, e->size);
        e->lo = mask_bytes(e->lo, size);
        e->hi = 0;
        e->enc = enc;
        e->size = enc == 0 ? 8 : size;
        return true;
}

static bool same_type(struct machine *m, const struct entry *a, const struct entry *b) {
        if (a->enc != b->enc || a->size != b->size) {
                fail(m, SYMB_REASON_ERROR, "incompatible types on the DWARF stack");
                return false;
        }
        return float_ok(m, a);
}

enum binop { B_AND, B_OR, B_XOR, B_PLUS, B_MINUS, B_MUL, B_DIV, B_MOD, B_SHL, B_SHR, B_SHRA,
             B_EQ, B_NE, B_LT, B_GT, B_LE, B_GE };

static bool binop(struct machine *m, enum binop op) {
        struct entry b, a, r;
        bool is_float, sgn, cmp = op >= B_EQ;
        int c = 0;

        if (!pop(m, &b) || !pop(m, &a))
                return false;
        /* Shifts take their count as any integer. */
        if (op != B_SHL && op != B_SHR && op != B_SHRA) {
                if (!same_type(m, &a, &b))
                        return false;
        } else if (!float_ok(m, &a) || b.enc == DW_ATE_float || a.enc == DW_ATE_float) {
                fail(m, SYMB_REASON_ERROR, "a shift of a floating-point value");
                return false;
        }
        is_float = a.enc == DW_ATE_float;
        sgn = is_signed_enc(a.enc);
        r = a;
        if (is_float) {
                double x = entry_double(&a), y = entry_double(&b), z = 0;

                switch (op) {
                case B_PLUS: z = x + y; break;
                case B_MINUS: z = x - y; break;
                case B_MUL: z = x * y; break;
                case B_DIV: z = x / y; break;
                case B_EQ: c = x == y; break;
                case B_NE: c = x != y; break;
                case B_LT: c = x < y; break;
                case B_GT: c = x > y; break;
                case B_LE: c = x <= y; break;
                case B_GE: c = x >= y; break;
                default:
                        fail(m, SYMB_REASON_ERROR, "an integer operation on a floating-point value");
                        return false;
                }
                if (!cmp)
                        r = double_entry(z, a.size);
        } else {
                uint64_t x = mask_bytes(a.lo, a.size), y = mask_bytes(b.lo, b.size), z = 0;
                int64_t sx = sext(a.lo, a.size), sy = sext(b.lo, b.size);

                switch (op) {
                case B_AND: z = x & y; break;
                case B_OR: z = x | y; break;
                case B_XOR: z = x ^ y; break;
                case B_PLUS: z = x + y; break;
                case B_MINUS: z = x - y; break;
                case B_MUL: z = x * y; break;
                case B_DIV:
                case B_MOD:
                        if (y == 0) {
                                fail(m, SYMB_REASON_ERROR, "division by zero in a DWARF expression");
                                return false;
                        }
                        /* DWARF: DW_OP_div is signed for the generic type;
                         * DW_OP_mod is unsigned for it. */
                        if (op == B_DIV && sgn) {
                                if (sx == INT64_MIN && sy == -1)
                                        z = x;
                                else
                                        z = (uint64_t) (sx / sy);
                        } else if (op == B_MOD && sgn && a.enc != 0) {
                                z = sy == -1 ? 0 : (uint64_t) (sx % sy);
                        } else
                                z = op == B_DIV ? x / y : x % y;
                        break;
                case B_SHL: z = y >= 64 ? 0 : x << y; break;
                case B_SHR: z = y >= 64 ? 0 : mask_bytes(x, a.size) >> y; break;
                case B_SHRA: z = (uint64_t) (y >= 64 ? (sx < 0 ? -1 : 0) : sx >> y); break;
                /* gdb compares the generic type as signed, as DWARF 2 said. */
                case B_EQ: c = x == y; break;
                case B_NE: c = x != y; break;
                case B_LT: c = sgn ? sx < sy : x < y; break;
                case B_GT: c = sgn ? sx > sy : x > y; break;
                case B_LE: c = sgn ? sx <= sy : x <= y; break;
                case B_GE: c = sgn ? sx >= sy : x >= y; break;
                }
                r.lo = mask_bytes(z, a.size);
                r.hi = 0;
        }
        if (cmp)
                r = (struct entry) { .lo = (uint64_t) c, .size = 8 };
        return push(m, r);
}

static void eval_ops(struct machine *m, const Dwarf_Op *ops, size_t n_ops);

/* The frame base of fc's subprogram at lookup_pc. */
static bool frame_base(struct machine *m, uint64_t *ret) {
        const struct symb_frame_context *fc = m->fc;
        Dwarf_Attribute a;
        Dwarf_Op *ops;
        size_t n;
        int k;

        if (!fc->has_subprogram || !dwarf_attr((Dwarf_Die *) &fc->subprogram, DW_AT_frame_base, &a)) {
                fail(m, SYMB_REASON_ERROR, "DW_OP_fbreg without DW_AT_frame_base");
                return false;
        }
        k = dwarf_getlocation_addr(&a, fc->lookup_pc - fc->bias, &ops, &n, 1);
        if (k <= 0) {
                if (k == 0)
                        fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
                else
                        fail(m, SYMB_REASON_ERROR, "bad DW_AT_frame_base: %s", dwarf_errmsg(-1));
                return false;
        }
        if (m->nesting >= MAX_NESTING) {
                fail(m, SYMB_REASON_ERROR, "DWARF expressions nested too deeply");
                return false;
        }

        struct symb_location sub = { 0 };
        struct machine fm = { .fc = fc, .attr = &a, .cu = a.cu, .nesting = m->nesting + 1, .loc = &sub };

        eval_ops(&fm, ops, n);
        if (sub.n_pieces == 1 && sub.pieces[0].kind == SYMB_PIECE_MEMORY && sub.pieces[0].bit_size == 0) {
                *ret = sub.pieces[0].addr;
                return true;
        }
        if (sub.n_pieces == 1 && sub.pieces[0].kind == SYMB_PIECE_REGISTER && sub.pieces[0].bit_size == 0) {
                if (symb_frame_reg(fc, sub.pieces[0].regno, ret))
                        return true;
                reg_unknown(m, sub.pieces[0].regno);
                return false;
        }
        if (sub.n_pieces == 1 && sub.pieces[0].kind == SYMB_PIECE_ABSENT) {
                fail(m, sub.pieces[0].reason, "%s", sub.error);
                return false;
        }
        fail(m, SYMB_REASON_NOT_IMPLEMENTED, "an unusual DW_AT_frame_base");
        return false;
}

/* The CFA of fc: from the unwinder, or from the module's CFI at lookup_pc
 * evaluated with this frame's registers. */
static bool frame_cfa(struct machine *m, uint64_t *ret) {
        const struct symb_frame_context *fc = m->fc;

        if (fc->has_cfa) {
                *ret = fc->cfa;
                return true;
        }
        for (int which = 0; fc->module && which < 2; which++) {
                Dwarf_Addr cbias;
                Dwarf_CFI *cfi = which == 0 ? dwfl_module_eh_cfi(fc->module, &cbias)
                                            : dwfl_module_dwarf_cfi(fc->module, &cbias);
                Dwarf_Frame *frame = NULL;
                Dwarf_Op *ops;
                size_t n;

                if (!cfi || dwarf_cfi_addrframe(cfi, fc->lookup_pc - cbias, &frame) != 0)
                        continue;
                if (dwarf_frame_cfa(frame, &ops, &n) == 0 && m->nesting < MAX_NESTING) {
                        struct symb_location sub = { 0 };
                        struct machine cm = { .fc = fc, .attr = NULL, .nesting = m->nesting + 1, .loc = &sub };

                        eval_ops(&cm, ops, n);
                        free(frame);
                        if (sub.n_pieces == 1 && sub.pieces[0].kind == SYMB_PIECE_MEMORY) {
                                *ret = sub.pieces[0].addr;
                                return true;
                        }
                        fail(m, sub.n_pieces == 1 && sub.pieces[0].kind == SYMB_PIECE_ABSENT ?
                                sub.pieces[0].reason : SYMB_REASON_ERROR, "cannot compute the CFA");
                        return false;
                }
                free(frame);
        }
        fail(m, SYMB_REASON_OPTIMIZED_OUT, "no CFA for this frame");
        return false;
}

/* ---- entry values ---- */

static bool callee_saved(unsigned regno) {
        /* x86-64 SysV: rbx, rbp, r12-r15. */
        return regno == 3 || regno == 6 || (regno >= 12 && regno <= 15);
}

/* The register a DW_OP_entry_value block names, if it is just a register. */
static bool entry_block_reg(const Dwarf_Op *ops, size_t n, unsigned *regno) {
        if (n != 1)
                return false;
        if (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31) {
                *regno = ops[0].atom - DW_OP_reg0;
                return true;
        }
        if (ops[0].atom == DW_OP_regx) {
                *regno = (unsigned) ops[0].number;
                return true;
        }
        /* DWARF 5: DW_OP_entry_value(DW_OP_bregN 0) is the register's value. */
        if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31 && ops[0].number == 0) {
                *regno = ops[0].atom - DW_OP_breg0;
                return true;
        }
        return false;
}

static const char *die_link_name(Dwarf_Die *d) {
        Dwarf_Attribute a;
        const char *s = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_linkage_name, &a));

        if (!s)
                s = dwarf_formstring(dwarf_attr_integrate(d, DW_AT_MIPS_linkage_name, &a));
        if (!s)
                s = dwarf_diename(d);
        return s;
}

/* ELF symbols scanned for one name: a libc has 3,000. */
#define MAX_SYMBOL_SCAN 200000

/* The runtime address of an ELF function symbol of mod named name. */
static bool symbol_entry(Dwfl_Module *mod, const char *name, uint64_t *ret) {
        void **ud = NULL;
        GElf_Addr bias, a;
        int n;

        /* The symbol table of the module's file, cached for the context
         * (report.c keeps the file as the module's userdata). */
        if (name && dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL) && ud && *ud) {
                if (!dwfl_module_getelf(mod, &bias) || !symb_file_symbol_named(*ud, name, &a))
                        return false;
                *ret = a + bias;
                return true;
        }
        n = dwfl_module_getsymtab(mod);

        if (!name || n <= 0 || n > MAX_SYMBOL_SCAN)
                return false;
        for (int i = 1; i < n; i++) {
                GElf_Sym sym;
                GElf_Addr addr;
                const char *s = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);

                if (s && GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != SHN_UNDEF &&
                    strcmp(s, name) == 0) {
                        *ret = addr;
                        return true;
                }
        }
        return false;
}

bool symb_die_entry_pc(Dwarf_Die *fn, Dwarf_Addr *ret) {
        Dwarf_Addr base, low, high;

        if (dwarf_entrypc(fn, ret) == 0)
                return true;
        if (dwarf_ranges(fn, 0, &base, &low, &high) > 0) {
                *ret = low;
                return true;
        }
        return false;
}

/* The entry of the function a DIE names: its own entry pc when it is a
 * definition, else its ELF symbol (a declaration, or the abstract origin
 * of an out-of-line copy). */
bool symb_function_entry(Dwfl_Module *mod, Dwarf_Addr bias, Dwarf_Die *fn, uint64_t *ret) {
        Dwarf_Attribute a;
        Dwarf_Addr pc;
        const char *name;

        if (!dwarf_hasattr(fn, DW_AT_declaration) && symb_die_entry_pc(fn, &pc)) {
                *ret = pc + bias;
                return true;
        }
        name = dwarf_formstring(dwarf_attr_integrate(fn, DW_AT_linkage_name, &a));
        if (!name)
                name = dwarf_diename(fn);
        return symbol_entry(mod, name, ret);
}

/* Does the call site's DW_AT_call_origin name the function of frame fc? */
static bool origin_is_function(Dwarf_Die *origin, const struct symb_frame_context *fc,
                               const struct symb_frame_context *caller) {
        Dwarf_Die d = fc->subprogram;
        const char *a, *b;
        Dwarf_Addr entry;
        uint64_t target;

        for (int i = 0; i < 8; i++) {
                Dwarf_Attribute at;
                Dwarf_Die next;

                if (dwarf_dieoffset(&d) == dwarf_dieoffset(origin) && d.cu == origin->cu)
                        return true;
                if (!dwarf_formref_die(dwarf_attr(&d, DW_AT_abstract_origin, &at), &next) &&
                    !dwarf_formref_die(dwarf_attr(&d, DW_AT_specification, &at), &next))
                        break;
                d = next;
        }
        /* A declaration of a function in another compilation unit: by
         * name, else by the address its name has in the caller's module
         * (raise calls "__pthread_kill", defined as "__GI___pthread_kill"
         * at the same address), as gdb finds a call site's target. */
        a = die_link_name(origin);
        b = die_link_name((Dwarf_Die *) &fc->subprogram);
        if (a && b && strcmp(a, b) == 0)
                return true;
        return caller && caller->module && symb_die_entry_pc((Dwarf_Die *) &fc->subprogram, &entry) &&
               symb_function_entry(caller->module, caller->bias, origin, &target) && target == entry + fc->bias;
}

struct call_site_search {
        uint64_t return_pc;     /* DWARF address */
        Dwarf_Die found;
        bool ok;
        unsigned visited;
        unsigned depth;
};

static void find_call_site(Dwarf_Die *parent, struct call_site_search *s) {
        Dwarf_Die child;

        if (dwarf_child(parent, &child) != 0)
                return;
        do {
                int tag = dwarf_tag(&child);
                Dwarf_Attribute a;
                Dwarf_Addr pc;

                if (++s->visited > MAX_CALL_SITE_DIES || s->ok)
                        return;
                if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site) {
                        if ((dwarf_formaddr(dwarf_attr(&child, DW_AT_call_return_pc, &a), &pc) == 0 ||
                             (tag == DW_TAG_GNU_call_site &&
                              dwarf_formaddr(dwarf_attr(&child, DW_AT_low_pc, &a), &pc) == 0)) &&
                            pc == s->return_pc) {
                                s->found = child;
                                s->ok = true;
                                return;
                        }
                } else if ((tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine) &&
                           s->depth < MAX_CALL_SITE_NESTING) {
                        s->depth++;
                        find_call_site(&child, s);
                        s->depth--;
                }
        } while (dwarf_siblingof(&child, &child) == 0);
}

bool symb_call_site_at(Dwarf_Die *fn, Dwarf_Addr return_pc, Dwarf_Die *ret) {
        struct call_site_search s = { .return_pc = return_pc };

        find_call_site(fn, &s);
        if (s.ok)
                *ret = s.found;
        return s.ok;
}

/* What the caller passed: for a register regno (param_off 0), the value it
 * had when fc's function was entered, from the caller frame: its own
 * register if the ABI preserves it, else the call site parameter GCC
 * recorded in the caller; for param_off, the call site parameter for that
 * parameter DIE. */
static bool call_site_value(struct machine *m, unsigned regno, Dwarf_Off param_off, uint64_t *ret) {
        const struct symb_frame_context *fc = m->fc, *caller = fc->caller;
        struct call_site_search s = { 0 };
        Dwarf_Attribute a;
        Dwarf_Die origin, param;
        bool target_ok = false;

        if (!caller) {
                fail(m, SYMB_REASON_OPTIMIZED_OUT, "no caller frame for an entry value");
                return false;
        }
        if (!param_off && callee_saved(regno)) {
                if (symb_frame_reg(caller, regno, ret))
                        return true;
                fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
                return false;
        }
        /* The caller must have stopped in a call: its pc is a return address. */
        if (!caller->module || !caller->has_subprogram || caller->lookup_pc + 1 != caller->pc ||
            !fc->has_subprogram || m->nesting >= MAX_NESTING) {
                fail(m, SYMB_REASON_OPTIMIZED_OUT, "no call site for an entry value");
                return false;
        }
        s.ok = symb_call_site_at((Dwarf_Die *) &caller->subprogram, caller->pc - caller->bias, &s.found);
        if (!s.ok) {
                fail(m, SYMB_REASON_OPTIMIZED_OUT, "no call site for an entry value");
                return false;
        }
        /* The call must be to this function: after a tail call the caller's
         * call site is for another one, and its parameters are not ours. */
        if (dwarf_formref_die(dwarf_attr(&s.found, DW_AT_call_origin, &a), &origin) ||
            dwarf_formref_die(dwarf_attr(&s.found, DW_AT_abstract_origin, &a), &origin))
                target_ok = origin_is_function(&origin, fc, caller);
        else if (dwarf_attr(&s.found, DW_AT_call_target, &a) ||
                 dwarf_attr(&s.found, DW_AT_GNU_call_site_target, &a)) {
                Dwarf_Op *ops;
                size_t n;
                Dwarf_Addr entry;
                uint64_t target;

                if (dwarf_getlocation(&a, &ops, &n) == 0 && symb_die_entry_pc((Dwarf_Die *) &fc->subprogram, &entry) &&
                    symb_expr_value(caller, &a, ops, n, &target) == SYMB_REASON_NONE)
                        target_ok = target == entry + fc->bias;
        }
        if (!target_ok) {
                fail(m, SYMB_REASON_OPTIMIZED_OUT, "the caller's call site is not known to call this function");
                return false;
        }
        if (dwarf_child(&s.found, &param) != 0) {
                fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
                return false;
        }
        do {
                int tag = dwarf_tag(&param);
                Dwarf_Op *ops;
                size_t n;
                unsigned r;

                if (tag != DW_TAG_call_site_parameter && tag != DW_TAG_GNU_call_site_parameter)
                        continue;
                if (param_off) {
                        Dwarf_Die ref;

                        if (!(dwarf_formref_die(dwarf_attr(&param, DW_AT_call_parameter, &a), &ref) ||
                              dwarf_formref_die(dwarf_attr(&param, DW_AT_abstract_origin, &a), &ref)) ||
                            dwarf_dieoffset(&ref) != param_off)
                                continue;
                } else if (!dwarf_attr(&param, DW_AT_location, &a) || dwarf_getlocation(&a, &ops, &n) != 0 ||
                    n != 1 || !((ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31) || ops[0].atom == DW_OP_regx) ||
                    !entry_block_reg(ops, n, &r) || r != regno)
                        continue;
                if (!dwarf_attr(&param, DW_AT_call_value, &a) && !dwarf_attr(&param, DW_AT_GNU_call_site_value, &a))
                        break;
                if (dwarf_getlocation(&a, &ops, &n) != 0) {
                        fail(m, SYMB_REASON_ERROR, "bad DW_AT_call_value: %s", dwarf_errmsg(-1));
                        return false;
                }

                struct symb_location sub = { 0 };
                struct machine cm = { .fc = caller, .attr = &a, .cu = a.cu, .nesting = m->nesting + 1, .loc = &sub,
                                      .value_result = true };
                enum symb_reason why;

                why = SYMB_REASON_NONE;
                eval_ops(&cm, ops, n);
                if (sub.n_pieces != 1 || sub.pieces[0].bit_size != 0)
                        why = SYMB_REASON_NOT_IMPLEMENTED;
                else if (sub.pieces[0].kind == SYMB_PIECE_MEMORY)
                        *ret = sub.pieces[0].addr;
                else if (sub.pieces[0].kind == SYMB_PIECE_REGISTER) {
                        if (!symb_frame_reg(caller, sub.pieces[0].regno, ret))
                                why = SYMB_REASON_OPTIMIZED_OUT;
                } else if (sub.pieces[0].kind == SYMB_PIECE_VALUE && !sub.pieces[0].block &&
                           sub.pieces[0].value_size <= 8) {
                        *ret = 0;
                        memcpy(ret, sub.pieces[0].value, sub.pieces[0].value_size);
                } else if (sub.pieces[0].kind == SYMB_PIECE_ABSENT)
                        why = sub.pieces[0].reason;
                else
                        why = SYMB_REASON_NOT_IMPLEMENTED;
                if (why != SYMB_REASON_NONE) {
                        fail(m, why, "%s", sub.error[0] ? sub.error : "the call site value is not known");
                        return false;
                }
                return true;
        } while (dwarf_siblingof(&param, &param) == 0);
        fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
        return false;
}

/* DW_OP_entry_value of register regno. */
static bool entry_value(struct machine *m, unsigned regno, uint64_t *ret) {
        return call_site_value(m, regno, 0, ret);
}

/* DW_OP_GNU_parameter_ref: the value the caller passed for the callee's
 * parameter DIE at param_off (GCC's IPA-SRA drops the parameter from the
 * clone; the call site names it by DW_AT_call_parameter or, in GNU form,
 * DW_AT_abstract_origin). */
static bool parameter_ref(struct machine *m, Dwarf_Off param_off, uint64_t *ret) {
        return call_site_value(m, UINT32_MAX, param_off, ret);
}

/* ---- the machine ---- */

enum pending { P_NONE, P_REG, P_STACK_VALUE, P_IMPLICIT, P_IMPLICIT_POINTER };

struct piece_state {
        enum pending kind;
        unsigned regno;
        const uint8_t *block;
        size_t block_size;
        Dwarf_Die target;
        int64_t target_offset;
};

/* Closes the piece being built: bit_size 0 for "the whole object". */
static void close_piece(struct machine *m, struct piece_state *ps, uint64_t bit_size, uint64_t bit_offset) {
        struct symb_location *loc = m->loc;
        struct symb_piece *p;
        struct entry e;

        if (loc->n_pieces >= SYMB_MAX_PIECES) {
                /* Makes the whole object unknown below. */
                fail(m, SYMB_REASON_ERROR, "more than %d pieces", SYMB_MAX_PIECES);
                loc->n_pieces = 0;
                return;
        }
        p = &loc->pieces[loc->n_pieces++];
        memset(p, 0, sizeof *p);
        p->bit_size = bit_size;
        p->bit_offset = bit_offset;
        /* An expression's value is its top of stack, as if it ended
         * with DW_OP_stack_value: typed (a double), not an address. */
        if (m->value_result && ps->kind == P_NONE && m->sp > 0)
                ps->kind = P_STACK_VALUE;
        if (m->fail != SYMB_REASON_NONE) {
                p->kind = SYMB_PIECE_ABSENT;
                p->reason = m->fail;
        } else
                switch (ps->kind) {
                case P_REG:
                        p->kind = SYMB_PIECE_REGISTER;
                        p->regno = ps->regno;
                        /* symb_location_read() finds it unknown: say why. A
                         * debugger that reads the callee's register shows
                         * whatever the callee left in it. */
                        if (lost_in_caller(m->fc, ps->regno))
                                set_error(loc, "%s is call-clobbered: a caller frame does not keep it",
                                          reg_name(ps->regno));
                        break;
                case P_IMPLICIT:
                        p->kind = SYMB_PIECE_VALUE;
                        p->block = ps->block;
                        p->value_size = ps->block_size;
                        break;
                case P_IMPLICIT_POINTER:
                        p->kind = SYMB_PIECE_IMPLICIT_POINTER;
                        p->target = ps->target;
                        p->target_offset = ps->target_offset;
                        break;
                case P_STACK_VALUE:
                        if (!pop(m, &e)) {
                                p->kind = SYMB_PIECE_ABSENT;
                                p->reason = SYMB_REASON_ERROR;
                                break;
                        }
                        p->kind = SYMB_PIECE_VALUE;
                        p->value_size = e.size;
                        memcpy(p->value, &e.lo, 8);
                        memcpy(p->value + 8, &e.hi, 8);
                        break;
                case P_NONE:
                        if (m->sp == 0) {
                                /* An empty piece: DWARF's "optimized out". */
                                p->kind = SYMB_PIECE_ABSENT;
                                p->reason = SYMB_REASON_OPTIMIZED_OUT;
                                break;
                        }
                        if (!pop(m, &e) || e.enc == DW_ATE_float) {
                                p->kind = SYMB_PIECE_ABSENT;
                                p->reason = SYMB_REASON_ERROR;
                                set_error(loc, "a memory location that is not an address");
                                break;
                        }
                        p->kind = SYMB_PIECE_MEMORY;
                        p->addr = e.lo;
                        break;
                }
        memset(ps, 0, sizeof *ps);
        m->fail = SYMB_REASON_NONE;
}

/* After a failure inside a piece: the index of its DW_OP_piece, or n. */
static size_t skip_to_piece(const Dwarf_Op *ops, size_t i, size_t n) {
        for (; i < n; i++)
                if (ops[i].atom == DW_OP_piece || ops[i].atom == DW_OP_bit_piece)
                        return i;
        return n;
}

static size_t find_offset(const Dwarf_Op *ops, size_t n, Dwarf_Word offset) {
        for (size_t i = 0; i < n; i++)
                if (ops[i].offset == offset)
                        return i;
        return SIZE_MAX;
}

static void eval_ops(struct machine *m, const Dwarf_Op *ops, size_t n_ops) {
        const struct symb_frame_context *fc = m->fc;
        struct piece_state ps = { 0 };
        size_t i = 0, steps = 0;
        bool any_piece = false;

        while (i < n_ops) {
                const Dwarf_Op *op = &ops[i];
                uint8_t op_code = op->atom;
                struct entry e, e2, e3;
                uint64_t v;
                uint8_t enc, size;
                bool next = true;

                if (++steps > MAX_OPS) {
                        fail(m, SYMB_REASON_ERROR, "DWARF expression runs too long");
                        break;
                }
                /* After a register, a stack value or an implicit value only
                 * a piece may follow. */
                if (ps.kind != P_NONE && op_code != DW_OP_piece && op_code != DW_OP_bit_piece &&
                    !(ps.kind == P_STACK_VALUE && op_code == DW_OP_nop)) {
                        fail(m, SYMB_REASON_ERROR, "DWARF operation 0x%x after a location", op_code);
                        break;
                }

                if (op_code >= DW_OP_lit0 && op_code <= DW_OP_lit31) {
                        push_u(m, op_code - DW_OP_lit0);
                } else if (op_code >= DW_OP_reg0 && op_code <= DW_OP_reg31) {
                        ps.kind = P_REG;
                        ps.regno = op_code - DW_OP_reg0;
                } else if (op_code >= DW_OP_breg0 && op_code <= DW_OP_breg31) {
                        if (!symb_frame_reg(fc, op_code - DW_OP_breg0, &v))
                                reg_unknown(m, op_code - DW_OP_breg0);
                        else
                                push_u(m, v + op->number);
                } else
                        switch (op_code) {
                        case DW_OP_addr:
                                push_u(m, op->number + fc->bias);
                                break;
                        case DW_OP_addrx:
                        case DW_OP_GNU_addr_index:
                        case DW_OP_constx:
                        case DW_OP_GNU_const_index: {
                                Dwarf_Attribute r;
                                Dwarf_Addr a;

                                if (!m->attr || dwarf_getlocation_attr(m->attr, op, &r) != 0 ||
                                    dwarf_formaddr(&r, &a) != 0) {
                                        fail(m, SYMB_REASON_ERROR, "bad .debug_addr index");
                                        break;
                                }
                                push_u(m, op_code == DW_OP_addrx || op_code == DW_OP_GNU_addr_index ? a + fc->bias : a);
                                break;
                        }
                        case DW_OP_const1u:
                        case DW_OP_const2u:
                        case DW_OP_const4u:
                        case DW_OP_const8u:
                        case DW_OP_constu:
                        case DW_OP_const1s:
                        case DW_OP_const2s:
                        case DW_OP_const4s:
                        case DW_OP_const8s:
                        case DW_OP_consts:
                                /* libdw sign-extends the signed forms into number. */
                                push_u(m, op->number);
                                break;
                        case DW_OP_dup:
                                if (m->sp == 0)
                                        fail(m, SYMB_REASON_ERROR, "DWARF stack underflow");
                                else
                                        push(m, m->stack[m->sp - 1]);
                                break;
                        case DW_OP_drop:
                                pop(m, &e);
                                break;
                        case DW_OP_over:
                                if (m->sp < 2)
                                        fail(m, SYMB_REASON_ERROR, "DWARF stack underflow");
                                else
                                        push(m, m->stack[m->sp - 2]);
                                break;
                        case DW_OP_pick:
                                if (op->number >= m->sp)
                                        fail(m, SYMB_REASON_ERROR, "DW_OP_pick beyond the stack");
                                else
                                        push(m, m->stack[m->sp - 1 - op->number]);
                                break;
                        case DW_OP_swap:
                                if (pop(m, &e) && pop(m, &e2)) {
                                        push(m, e);
                                        push(m, e2);
                                }
                                break;
                        case DW_OP_rot:
                                if (pop(m, &e) && pop(m, &e2) && pop(m, &e3)) {
                                        push(m, e);
                                        push(m, e3);
                                        push(m, e2);
                                }
                                break;
                        case DW_OP_deref:
                        case DW_OP_deref_size:
                        case DW_OP_deref_type:
                        case DW_OP_GNU_deref_type: {
                                uint8_t buf[16] = { 0 };

                                enc = 0;
                                size = 8;
                                if (op_code == DW_OP_deref_size)
                                        size = (uint8_t) op->number;
                                else if (op_code != DW_OP_deref) {
                                        if (!op_type(m, op, &enc, &size))
                                                break;
                                        if (op->number != size) {
                                                fail(m, SYMB_REASON_ERROR, "DW_OP_deref_type size differs from its type");
                                                break;
                                        }
                                }
                                if (size == 0 || size > (enc ? 16 : 8)) {
                                        fail(m, SYMB_REASON_ERROR, "bad DW_OP_deref size %u", size);
                                        break;
                                }
                                if (!pop_generic(m, &v) || !read_mem(m, v, buf, size))
                                        break;
                                e = (struct entry) { .size = enc ? size : 8, .enc = enc };
                                memcpy(&e.lo, buf, 8);
                                memcpy(&e.hi, buf + 8, 8);
                                push(m, e);
                                break;
                        }
                        case DW_OP_xderef:
                        case DW_OP_xderef_size:
                        case DW_OP_xderef_type:
                                fail(m, SYMB_REASON_NOT_IMPLEMENTED, "DW_OP_xderef");
                                break;
                        case DW_OP_abs:
                        case DW_OP_neg:
                        case DW_OP_not:
                                if (!pop(m, &e) || !float_ok(m, &e))
                                        break;
                                if (e.enc == DW_ATE_float) {
                                        double d = entry_double(&e);

                                        if (op_code == DW_OP_not) {
                                                fail(m, SYMB_REASON_ERROR, "DW_OP_not of a floating-point value");
                                                break;
                                        }
                                        e = double_entry(op_code == DW_OP_neg ? -d : fabs(d), e.size);
                                } else if (op_code == DW_OP_not)
                                        e.lo = mask_bytes(~e.lo, e.size);
                                else if (op_code == DW_OP_neg)
                                        e.lo = mask_bytes((uint64_t) -sext(e.lo, e.size), e.size);
                                else if (is_signed_enc(e.enc) && sext(e.lo, e.size) < 0)
                                        e.lo = mask_bytes((uint64_t) -sext(e.lo, e.size), e.size);
                                push(m, e);
                                break;
                        case DW_OP_plus_uconst:
                                if (pop(m, &e)) {
                                        if (e.enc == DW_ATE_float) {
                                                fail(m, SYMB_REASON_ERROR, "DW_OP_plus_uconst of a floating-point value");
                                                break;
                                        }
                                        e.lo = mask_bytes(e.lo + op->number, e.size);
                                        push(m, e);
                                }
                                break;
                        case DW_OP_and: binop(m, B_AND); break;
                        case DW_OP_or: binop(m, B_OR); break;
                        case DW_OP_xor: binop(m, B_XOR); break;
                        case DW_OP_plus: binop(m, B_PLUS); break;
                        case DW_OP_minus: binop(m, B_MINUS); break;
                        case DW_OP_mul: binop(m, B_MUL); break;
                        case DW_OP_div: binop(m, B_DIV); break;
                        case DW_OP_mod: binop(m, B_MOD); break;
                        case DW_OP_shl: binop(m, B_SHL); break;
                        case DW_OP_shr: binop(m, B_SHR); break;
                        case DW_OP_shra: binop(m, B_SHRA); break;
                        case DW_OP_eq: binop(m, B_EQ); break;
                        case DW_OP_ne: binop(m, B_NE); break;
                        case DW_OP_lt: binop(m, B_LT); break;
                        case DW_OP_gt: binop(m, B_GT); break;
                        case DW_OP_le: binop(m, B_LE); break;
                        case DW_OP_ge: binop(m, B_GE); break;
                        case DW_OP_skip:
                        case DW_OP_bra: {
                                int64_t target;
                                size_t to;

                                if (op_code == DW_OP_bra) {
                                        if (!pop(m, &e))
                                                break;
                                        if (e.lo == 0 && e.hi == 0)
                                                break;
                                }
                                /* libdw keeps the signed 16-bit operand in number;
                                 * the target is relative to the next op. */
                                target = (int64_t) op->offset + 3 + (int16_t) op->number;
                                to = target >= 0 ? find_offset(ops, n_ops, (Dwarf_Word) target) : SIZE_MAX;
                                if (to == SIZE_MAX) {
                                        /* Only the end of the expression is
                                         * a target that is no operation. */
                                        bool past = target > 0;

                                        for (size_t k = 0; k < n_ops && past; k++)
                                                if ((int64_t) ops[k].offset >= target)
                                                        past = false;
                                        if (!past) {
                                                fail(m, SYMB_REASON_ERROR, "DW_OP_skip to a bad target");
                                                break;
                                        }
                                }
                                i = to == SIZE_MAX ? n_ops : to;
                                next = false;
                                break;
                        }
                        case DW_OP_regx:
                                ps.kind = P_REG;
                                ps.regno = (unsigned) op->number;
                                break;
                        case DW_OP_bregx:
                                if (!symb_frame_reg(fc, (unsigned) op->number, &v))
                                        reg_unknown(m, (unsigned) op->number);
                                else
                                        push_u(m, v + op->number2);
                                break;
                        case DW_OP_fbreg:
                                if (frame_base(m, &v))
                                        push_u(m, v + op->number);
                                break;
                        case DW_OP_call_frame_cfa:
                                if (frame_cfa(m, &v))
                                        push_u(m, v);
                                break;
                        case DW_OP_nop:
                                break;
                        case DW_OP_stack_value:
                                if (m->sp == 0)
                                        fail(m, SYMB_REASON_ERROR, "DW_OP_stack_value on an empty stack");
                                else
                                        ps.kind = P_STACK_VALUE;
                                break;
                        case DW_OP_implicit_value: {
                                Dwarf_Block b;

                                if (!m->attr || dwarf_getlocation_implicit_value(m->attr, op, &b) != 0) {
                                        fail(m, SYMB_REASON_ERROR, "bad DW_OP_implicit_value");
                                        break;
                                }
                                ps.kind = P_IMPLICIT;
                                ps.block = b.data;
                                ps.block_size = b.length;
                                break;
                        }
                        case DW_OP_implicit_pointer:
                        case DW_OP_GNU_implicit_pointer:
                                if (!m->attr || dwarf_getlocation_die(m->attr, op, &ps.target) != 0) {
                                        fail(m, SYMB_REASON_ERROR, "bad DW_OP_implicit_pointer");
                                        break;
                                }
                                ps.kind = P_IMPLICIT_POINTER;
                                ps.target_offset = (int64_t) op->number2;
                                break;
                        case DW_OP_piece:
                        case DW_OP_bit_piece:
                                if (op->number == 0 || op->number > (UINT64_C(1) << 32)) {
                                        fail(m, SYMB_REASON_ERROR, "a DW_OP_piece of size %" PRIu64, (uint64_t) op->number);
                                        m->loc->n_pieces = 0;
                                        any_piece = false;
                                        goto out;
                                }
                                close_piece(m, &ps, op_code == DW_OP_piece ? op->number * 8 : op->number,
                                            op_code == DW_OP_piece ? 0 : op->number2);
                                if (m->loc->n_pieces == 0) {
                                        any_piece = false;
                                        goto out;       /* too many pieces */
                                }
                                any_piece = true;
                                break;
                        case DW_OP_entry_value:
                        case DW_OP_GNU_entry_value: {
                                Dwarf_Attribute sub;
                                Dwarf_Op *sops;
                                size_t sn;
                                unsigned regno;

                                if (!m->attr || dwarf_getlocation_attr(m->attr, op, &sub) != 0 ||
                                    dwarf_getlocation(&sub, &sops, &sn) != 0) {
                                        fail(m, SYMB_REASON_ERROR, "bad DW_OP_entry_value");
                                        break;
                                }
                                enc = 0;
                                size = 8;
                                if (sn == 1 && (sops[0].atom == DW_OP_regval_type ||
                                                sops[0].atom == DW_OP_GNU_regval_type)) {
                                        /* The entry value of a register as a typed value
                                         * (a double in xmm0). */
                                        struct machine tm = { .fc = fc, .attr = &sub, .cu = m->cu, .loc = m->loc };

                                        if (!op_type(&tm, &sops[0], &enc, &size) || size > 8) {
                                                fail(m, tm.fail ? tm.fail : SYMB_REASON_NOT_IMPLEMENTED,
                                                     "DW_OP_entry_value of a %u-byte register value", size);
                                                break;
                                        }
                                        regno = (unsigned) sops[0].number;
                                } else if (!entry_block_reg(sops, sn, &regno)) {
                                        fail(m, SYMB_REASON_NOT_IMPLEMENTED, "DW_OP_entry_value of memory");
                                        break;
                                }
                                if (regno >= SYMB_REG_XMM0 + SYMB_NXMM) {
                                        fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);
                                        break;
                                }
                                if (!entry_value(m, regno, &v))
                                        break;
                                e = (struct entry) { .lo = enc ? mask_bytes(v, size) : v, .size = size, .enc = enc };
                                push(m, e);
                                break;
                        }
                        case DW_OP_GNU_parameter_ref: {
                                /* The operand is a CU-relative DIE offset. */
                                Dwarf_Die cudie;

                                if (!dwarf_cu_die(m->cu, &cudie, NULL, NULL, NULL, NULL, NULL, NULL)) {
                                        fail(m, SYMB_REASON_ERROR, "DW_OP_GNU_parameter_ref outside a CU");
                                        break;
                                }
                                if (parameter_ref(m, dwarf_dieoffset(&cudie) - dwarf_cuoffset(&cudie) + op->number,
                                                  &v))
                                        push_u(m, v);
                                break;
                        }
                        case DW_OP_const_type:
                        case DW_OP_GNU_const_type: {
                                Dwarf_Attribute r;
                                Dwarf_Block b;

                                if (!op_type(m, op, &enc, &size))
                                        break;
                                if (dwarf_getlocation_attr(m->attr, op, &r) != 0 || dwarf_formblock(&r, &b) != 0 ||
                                    b.length != size) {
                                        fail(m, SYMB_REASON_ERROR, "bad DW_OP_const_type");
                                        break;
                                }
                                e = (struct entry) { .size = size, .enc = enc };
                                memcpy(&e.lo, b.data, size < 8 ? size : 8);
                                if (size > 8)
                                        memcpy(&e.hi, b.data + 8, size - 8);
                                push(m, e);
                                break;
                        }
                        case DW_OP_regval_type:
                        case DW_OP_GNU_regval_type: {
                                uint8_t buf[16];
                                size_t have;

                                if (!op_type(m, op, &enc, &size))
                                        break;
                                have = reg_bytes(fc, (unsigned) op->number, buf);
                                if (have == 0) {
                                        reg_unknown(m, (unsigned) op->number);
                                        break;
                                }
                                if (size > have) {
                                        fail(m, SYMB_REASON_ERROR, "a %u-byte type in a %zu-byte register", size, have);
                                        break;
                                }
                                e = (struct entry) { .size = size, .enc = enc };
                                memcpy(&e.lo, buf, size < 8 ? size : 8);
                                if (size > 8)
                                        memcpy(&e.hi, buf + 8, size - 8);
                                push(m, e);
                                break;
                        }
                        case DW_OP_convert:
                        case DW_OP_GNU_convert:
                        case DW_OP_reinterpret:
                        case DW_OP_GNU_reinterpret:
                                if (op->number == 0) {
                                        enc = 0;
                                        size = 8;
                                } else if (!op_type(m, op, &enc, &size))
                                        break;
                                if (!pop(m, &e))
                                        break;
                                if (op_code == DW_OP_convert || op_code == DW_OP_GNU_convert) {
                                        if (convert(m, &e, enc, size))
                                                push(m, e);
                                } else {
                                        if (e.size != size) {
                                                fail(m, SYMB_REASON_ERROR, "DW_OP_reinterpret to another size");
                                                break;
                                        }
                                        e.enc = enc;
                                        push(m, e);
                                }
                                break;
                        case DW_OP_form_tls_address:
                        case DW_OP_GNU_push_tls_address: {
                                /* The offset in the module's TLS block of
                                 * this thread (tls.c). */
                                const char *why = NULL;
                                uint64_t off, block;
                                enum symb_reason r;

                                if (!pop_generic(m, &off))
                                        break;
                                r = symb_tls_block(fc, &block, &why);
                                if (r != SYMB_REASON_NONE) {
                                        fail(m, r, "%s", why);
                                        break;
                                }
                                push_u(m, block + off);
                                break;
                        }
                        case DW_OP_push_object_address:
                        case DW_OP_call2:
                        case DW_OP_call4:
                        case DW_OP_call_ref:
                        case DW_OP_GNU_variable_value:
                        default:
                                fail(m, SYMB_REASON_NOT_IMPLEMENTED, "DWARF operation 0x%x", op_code);
                                break;
                        }

                if (m->fail != SYMB_REASON_NONE) {
                        /* This piece is lost; the next ones may not be:
                         * go on at its DW_OP_piece, which closes it as
                         * absent. Without one, the whole object is. */
                        size_t p = skip_to_piece(ops, i + 1, n_ops);

                        if (p >= n_ops)
                                break;
                        m->sp = 0;
                        memset(&ps, 0, sizeof ps);
                        i = p;
                        continue;
                }
                if (next)
                        i++;
        }
out:
        if (any_piece && m->fail == SYMB_REASON_NONE && ps.kind == P_NONE && m->sp == 0)
                return;         /* ended with a piece */
        if (any_piece) {
                /* Ops after the last piece: DWARF has no meaning for that. */
                m->loc->n_pieces = 0;
                if (m->fail == SYMB_REASON_NONE)
                        fail(m, SYMB_REASON_ERROR, "a DWARF location with unfinished pieces");
        }
        if (m->loc->n_pieces == 0) {
                if (m->fail == SYMB_REASON_NONE && ps.kind == P_NONE && m->sp == 0)
                        fail(m, SYMB_REASON_OPTIMIZED_OUT, NULL);       /* an empty expression */
                close_piece(m, &ps, 0, 0);
        }
}

void symb_location_eval(const struct symb_frame_context *fc, Dwarf_Attribute *attr,
                        const Dwarf_Op *ops, size_t n_ops, struct symb_location *ret) {
        struct machine m = { .fc = fc, .attr = attr, .cu = attr ? attr->cu : NULL, .loc = ret };

        assert(fc);
        assert(ret);
        ret->n_pieces = 0;
        ret->error[0] = 0;
        eval_ops(&m, ops, n_ops);
        assert(ret->n_pieces >= 1);
}

int symb_location_of_die(const struct symb_frame_context *fc, Dwarf_Die *die, struct symb_location *ret) {
        Dwarf_Attribute a;
        Dwarf_Op *ops;
        size_t n;
        int k;

        ret->n_pieces = 0;
        ret->error[0] = 0;
        /* The location is the concrete DIE's own: not _integrate. */
        if (!dwarf_attr(die, DW_AT_location, &a))
                return 0;
        k = dwarf_getlocation_addr(&a, fc->lookup_pc - fc->bias, &ops, &n, 1);
        if (k < 0) {
                ret->n_pieces = 1;
                memset(&ret->pieces[0], 0, sizeof ret->pieces[0]);
                ret->pieces[0].kind = SYMB_PIECE_ABSENT;
                ret->pieces[0].reason = SYMB_REASON_ERROR;
                set_error(ret, "bad DW_AT_location: %s", dwarf_errmsg(-1));
                return 1;
        }
        if (k == 0 || n == 0) {
                /* No entry for this pc, or an empty expression. */
                ret->n_pieces = 1;
                memset(&ret->pieces[0], 0, sizeof ret->pieces[0]);
                ret->pieces[0].kind = SYMB_PIECE_ABSENT;
                ret->pieces[0].reason = SYMB_REASON_OPTIMIZED_OUT;
                return 1;
        }
        symb_location_eval(fc, &a, ops, n, ret);
        return 1;
}

enum symb_reason symb_expr_value(const struct symb_frame_context *fc, Dwarf_Attribute *attr,
                                 const Dwarf_Op *ops, size_t n_ops, uint64_t *ret) {
        struct symb_location loc = { 0 };
        const struct symb_piece *p;
        struct machine m = { .fc = fc, .attr = attr, .cu = attr ? attr->cu : NULL, .loc = &loc,
                             .value_result = true };

        eval_ops(&m, ops, n_ops);
        if (loc.n_pieces != 1 || loc.pieces[0].bit_size != 0)
                return SYMB_REASON_NOT_IMPLEMENTED;
        p = &loc.pieces[0];
        switch (p->kind) {
        case SYMB_PIECE_MEMORY:
                *ret = p->addr;
                return SYMB_REASON_NONE;
        case SYMB_PIECE_REGISTER:
                return symb_frame_reg(fc, p->regno, ret) ? SYMB_REASON_NONE : SYMB_REASON_OPTIMIZED_OUT;
        case SYMB_PIECE_VALUE:
                if (p->block || p->value_size > 8)
                        return SYMB_REASON_NOT_IMPLEMENTED;
                *ret = 0;
                memcpy(ret, p->value, p->value_size);
                return SYMB_REASON_NONE;
        case SYMB_PIECE_ABSENT:
                return p->reason;
        case SYMB_PIECE_IMPLICIT_POINTER:
                break;
        }
        return SYMB_REASON_NOT_IMPLEMENTED;
}

bool symb_location_is_memory(const struct symb_location *loc, uint64_t *ret_addr) {
        if (loc->n_pieces != 1 || loc->pieces[0].kind != SYMB_PIECE_MEMORY || loc->pieces[0].bit_size != 0)
                return false;
        *ret_addr = loc->pieces[0].addr;
        return true;
}

/* ---- composing the object ---- */

static void mark(uint8_t *known, uint8_t *why, uint64_t bit, uint64_t nbits, enum symb_reason r) {
        for (uint64_t b = bit; b < bit + nbits; b++) {
                uint8_t m = (uint8_t) (1u << (b % 8));

                if (r == SYMB_REASON_NONE)
                        known[b / 8] |= m;
                else {
                        known[b / 8] &= (uint8_t) ~m;
                        if (why[b / 8] == SYMB_REASON_NONE || r < why[b / 8])
                                why[b / 8] = (uint8_t) r;
                }
        }
}

static void copy_bits(uint8_t *dst, uint64_t dbit, const uint8_t *src, uint64_t sbit, uint64_t n) {
        if (dbit % 8 == 0 && sbit % 8 == 0) {
                memcpy(dst + dbit / 8, src + sbit / 8, n / 8);
                dbit += n / 8 * 8;
                sbit += n / 8 * 8;
                n %= 8;
        }
        for (uint64_t k = 0; k < n; k++) {
                int bit = (src[(sbit + k) / 8] >> ((sbit + k) % 8)) & 1;
                uint8_t m = (uint8_t) (1u << ((dbit + k) % 8));

                if (bit)
                        dst[(dbit + k) / 8] |= m;
                else
                        dst[(dbit + k) / 8] &= (uint8_t) ~m;
        }
}

/* Copies memory bits into the object, byte by byte where the dump has
 * holes, so that what was captured is still known. */
static void read_memory_piece(const struct symb_frame_context *fc, uint64_t addr, uint64_t sbit,
                              uint8_t *bytes, uint8_t *known, uint8_t *why, uint64_t dbit, uint64_t nbits) {
        uint64_t first = sbit / 8, nbytes = (sbit % 8 + nbits + 7) / 8;
        uint8_t buf[512];

        sbit %= 8;
        /* In chunks; a chunk read short is retried byte by byte. */
        for (uint64_t off = 0; off < nbytes;) {
                size_t want = nbytes - off > sizeof buf ? sizeof buf : (size_t) (nbytes - off);
                size_t got = fc->read ? fc->read(fc->read_userdata, addr + first + off, buf, want) : 0;
                uint64_t lo, hi;

                if (got > want)
                        got = want;
                /* bits of this chunk: source bits [off*8, (off+got)*8) of
                 * the bytes read, less the sbit leading bits. */
                lo = off * 8 > sbit ? off * 8 - sbit : 0;
                hi = (off + got) * 8 - sbit;
                if (hi > nbits)
                        hi = nbits;
                if (got > 0 && hi > lo) {
                        /* buf holds source bytes starting at byte off. */
                        copy_bits(bytes, dbit + lo, buf, lo + sbit - off * 8, hi - lo);
                        mark(known, why, dbit + lo, hi - lo, SYMB_REASON_NONE);
                }
                if (got == want) {
                        off += got;
                        continue;
                }
                /* byte off+got is not captured */
                off += got;
                lo = off * 8 > sbit ? off * 8 - sbit : 0;
                hi = (off + 1) * 8 - sbit;
                if (hi > nbits)
                        hi = nbits;
                if (hi > lo)
                        mark(known, why, dbit + lo, hi - lo, SYMB_REASON_UNAVAILABLE);
                off++;
        }
}

void symb_location_read(const struct symb_frame_context *fc, const struct symb_location *loc,
                        size_t size, uint8_t *bytes, uint8_t *known, uint8_t *why) {
        uint64_t total = (uint64_t) size * 8, pos = 0;

        memset(bytes, 0, size);
        memset(known, 0, size);
        memset(why, 0, size);
        for (size_t i = 0; i < loc->n_pieces && pos < total; i++) {
                const struct symb_piece *p = &loc->pieces[i];
                uint64_t nbits = p->bit_size ? p->bit_size : total - pos;
                uint8_t reg[16];
                size_t have;

                if (nbits > total - pos)
                        nbits = total - pos;    /* pieces beyond the type: ignored, as gdb */
                switch (p->kind) {
                case SYMB_PIECE_MEMORY:
                        read_memory_piece(fc, p->addr, p->bit_offset, bytes, known, why, pos, nbits);
                        break;
                case SYMB_PIECE_REGISTER:
                        have = reg_bytes(fc, p->regno, reg);
                        if (have == 0) {
                                mark(known, why, pos, nbits, SYMB_REASON_OPTIMIZED_OUT);
                                break;
                        }
                        if (p->bit_offset + nbits > have * 8) {
                                /* Wider than the register: gdb refuses too. */
                                mark(known, why, pos, nbits, SYMB_REASON_ERROR);
                                break;
                        }
                        copy_bits(bytes, pos, reg, p->bit_offset, nbits);
                        mark(known, why, pos, nbits, SYMB_REASON_NONE);
                        break;
                case SYMB_PIECE_VALUE: {
                        const uint8_t *src = p->block ? p->block : p->value;
                        uint64_t avail = p->value_size * 8 > p->bit_offset ? p->value_size * 8 - p->bit_offset : 0;
                        uint64_t n = nbits < avail ? nbits : avail;

                        copy_bits(bytes, pos, src, p->bit_offset, n);
                        mark(known, why, pos, n, SYMB_REASON_NONE);
                        if (n < nbits)
                                mark(known, why, pos + n, nbits - n, SYMB_REASON_OPTIMIZED_OUT);
                        break;
                }
                case SYMB_PIECE_IMPLICIT_POINTER:
                        mark(known, why, pos, nbits, SYMB_REASON_SYNTHETIC);
                        break;
                case SYMB_PIECE_ABSENT:
                        mark(known, why, pos, nbits, p->reason);
                        break;
                }
                pos += nbits;
        }
        if (pos < total)
                mark(known, why, pos, total - pos, SYMB_REASON_OPTIMIZED_OUT);
}
