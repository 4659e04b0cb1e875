/* SPDX-License-Identifier: MIT */
/* symbolicate/location.h: a DWARF expression evaluator over one frame of
 * a dump, and the composition of an object's bytes from the result.
 *
 * symb_location_eval() runs a location description (DWARF 2-5 plus the GNU
 * extensions GCC emits) on a bounded stack machine and gives where the
 * object lives, piece by piece: memory, a register, a literal value, an
 * implicit pointer, or nothing, with the reason. symb_location_read() then
 * fills the object's bytes with a mask of which bits are known and why the
 * others are not. Nothing is ever guessed: a register that the frame does
 * not really know, memory that is not in the dump, an operation we do not
 * implement, each makes its piece unknown with its own reason. */
#pragma once

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame-context.h"

/* Why some bits of an object are not known. Ordered: when an object has
 * several, the lowest non-zero one is the one reported for it. */
enum symb_reason {
        SYMB_REASON_NONE = 0,
        SYMB_REASON_OPTIMIZED_OUT,      /* no location here, or a register not known */
        SYMB_REASON_UNAVAILABLE,        /* memory not in the dump */
        SYMB_REASON_NOT_IMPLEMENTED,    /* a DWARF operation we do not evaluate */
        SYMB_REASON_ERROR,              /* malformed DWARF, or beyond our limits */
        SYMB_REASON_SYNTHETIC,          /* bits of an implicit pointer (no address) */
};

/* "optimized out", "unavailable", "not implemented", "error" */
const char *symb_reason_name(enum symb_reason r);

enum symb_piece_kind {
        SYMB_PIECE_MEMORY,              /* at addr */
        SYMB_PIECE_REGISTER,            /* DWARF register regno of the frame */
        SYMB_PIECE_VALUE,               /* the bytes in value[] (stack or implicit value) */
        SYMB_PIECE_IMPLICIT_POINTER,    /* a pointer to target's value, plus offset */
        SYMB_PIECE_ABSENT,              /* unknown, for reason */
};

#define SYMB_VALUE_INLINE 16

struct symb_piece {
        enum symb_piece_kind kind;
        uint64_t bit_size;              /* 0: the whole object (no DW_OP_piece) */
        uint64_t bit_offset;            /* DW_OP_bit_piece: first bit taken from the source */
        uint64_t addr;                  /* MEMORY */
        unsigned regno;                 /* REGISTER */
        size_t value_size;              /* VALUE: bytes in value or in block */
        uint8_t value[SYMB_VALUE_INLINE];
        const uint8_t *block;           /* VALUE from DW_OP_implicit_value: into the DWARF data */
        Dwarf_Die target;               /* IMPLICIT_POINTER: the DIE pointed at */
        int64_t target_offset;          /* IMPLICIT_POINTER: byte offset into it */
        enum symb_reason reason;        /* ABSENT */
};

#define SYMB_MAX_PIECES 64

struct symb_location {
        struct symb_piece pieces[SYMB_MAX_PIECES];
        size_t n_pieces;                /* >= 1 after symb_location_eval() */
        char error[96];                 /* for pieces that are ABSENT with an error or not implemented */
};

/* Evaluates one location expression (ops from dwarf_getlocation_addr() on
 * attr, which the typed, implicit and entry-value operations need to reach
 * their operands; attr may be NULL for an expression without them) in the
 * frame fc. The result always has at least one piece; failures are ABSENT
 * pieces with a reason (and a message in error), never an error return. */
void symb_location_eval(const struct symb_frame_context *fc, Dwarf_Attribute *attr,
                        const Dwarf_Op *ops, size_t n_ops, struct symb_location *ret);

/* Finds the location of die (a variable or parameter) at fc->lookup_pc
 * from its own DW_AT_location (an expression or a location list) and
 * evaluates it. Returns 1 with *ret filled, 0 when the DIE has no
 * DW_AT_location (the caller may look at DW_AT_const_value), or 0 with
 * one ABSENT piece when the list has no entry for this pc. */
int symb_location_of_die(const struct symb_frame_context *fc, Dwarf_Die *die, struct symb_location *ret);

/* Evaluates a DWARF expression whose result is a value, not a place (an
 * array bound, DW_AT_call_value): the top of the stack, or the contents of
 * a register named by DW_OP_regN. Returns 0 with *ret set, or the reason it
 * cannot. */
enum symb_reason symb_expr_value(const struct symb_frame_context *fc, Dwarf_Attribute *attr,
                                 const Dwarf_Op *ops, size_t n_ops, uint64_t *ret);

/* The bytes of one object of size bytes, composed from loc. bytes gets the
 * contents (zero where unknown), known a mask per byte of the bits that are
 * known (0xff: the whole byte), why the reason for the unknown bits of each
 * byte (SYMB_REASON_NONE where known is 0xff). Each array holds size
 * entries. Reads memory through fc->read. */
void symb_location_read(const struct symb_frame_context *fc, const struct symb_location *loc,
                        size_t size, uint8_t *bytes, uint8_t *known, uint8_t *why);

/* The whole object is one piece of memory: its address. */
bool symb_location_is_memory(const struct symb_location *loc, uint64_t *ret_addr);

/* Value of DWARF register regno in fc (0-16 general purpose, 17-32 xmm0-15,
 * low 8 bytes). False when the frame does not know it. */
bool symb_frame_reg(const struct symb_frame_context *fc, unsigned regno, uint64_t *ret);

/* The DW_TAG_call_site (or GNU_call_site) of function DIE fn, searched
 * through its lexical blocks and inlined calls, whose return address is
 * the DWARF address return_pc. False if there is none. */
bool symb_call_site_at(Dwarf_Die *fn, Dwarf_Addr return_pc, Dwarf_Die *ret);

/* The runtime entry of the function DIE fn of module mod (DWARF address +
 * bias): its entry pc when it is a definition, else the ELF function
 * symbol of its linkage name or name (a declaration, or the abstract
 * origin of an out-of-line copy). */
bool symb_function_entry(Dwfl_Module *mod, Dwarf_Addr bias, Dwarf_Die *fn, uint64_t *ret);

/* The entry of a function DIE with code, as gdb's BLOCK_ENTRY_PC: its
 * low pc, or the start of its first range (a function with a ".cold"
 * part has DW_AT_ranges only, which dwarf_entrypc does not read). */
bool symb_die_entry_pc(Dwarf_Die *fn, Dwarf_Addr *ret);

/* The address of the thread-local storage block of fc->module in fc's
 * thread (what DW_OP_form_tls_address adds its offset to), the way
 * glibc's libthread_db finds it for gdb: fs_base - l_tls_offset for a
 * module with static TLS, else the thread's DTV entry. Returns 0 with
 * *ret set, or why it cannot, with a message in why. */
enum symb_reason symb_tls_block(const struct symb_frame_context *fc, uint64_t *ret, const char **why);
