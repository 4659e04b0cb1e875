/* SPDX-License-Identifier: MIT */
/* tests/conformance/test-location.c: the DWARF expression evaluator
 * (symbolicate/location.c) on hand-built expressions and a fake frame:
 * every answer is either the exact value or an unknown piece with the
 * right reason, never a guess. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dwarf.h>
#include <string.h>

#include "location.h"

/* Fake memory: 64 bytes at 0x1000, byte i = i + 1. */
#define MEM_BASE 0x1000
#define MEM_SIZE 64

static size_t fake_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        uint8_t *out = buf;
        size_t n = 0;

        (void) userdata;
        while (n < len && addr + n >= MEM_BASE && addr + n < MEM_BASE + MEM_SIZE) {
                out[n] = (uint8_t) (addr + n - MEM_BASE + 1);
                n++;
        }
        return n;
}

static struct symb_frame_context frame0(void) {
        struct symb_frame_context fc = { 0 };

        for (unsigned r = 0; r < SYMB_NGPR; r++)
                fc.regs.gpr[r] = 100 + r;
        fc.regs.gpr[7] = MEM_BASE + 16;        /* rsp */
        fc.regs.gpr_known = (UINT32_C(1) << SYMB_NGPR) - 1;
        for (unsigned x = 0; x < SYMB_NXMM; x++)
                for (unsigned b = 0; b < 16; b++)
                        fc.regs.xmm[x][b] = (uint8_t) (x * 16 + b);
        fc.regs.xmm_known = (UINT32_C(1) << SYMB_NXMM) - 1;
        fc.pc = fc.lookup_pc = 0x5000;
        fc.bias = 0x400000;
        fc.read = fake_read;
        return fc;
}

/* Ops with consecutive offsets, as libdw gives them; sizes matter only
 * for DW_OP_skip/bra targets, given by hand there. */
static void eval(const struct symb_frame_context *fc, Dwarf_Op *ops, size_t n, struct symb_location *loc) {
        Dwarf_Word off = 0;

        for (size_t i = 0; i < n; i++)
                if (ops[i].offset == 0 && i > 0)
                        ops[i].offset = ++off;
        symb_location_eval(fc, NULL, ops, n, loc);
}

static uint64_t stack_value(const struct symb_location *loc) {
        uint64_t v = 0;

        assert_int_equal(loc->n_pieces, 1);
        assert_int_equal(loc->pieces[0].kind, SYMB_PIECE_VALUE);
        memcpy(&v, loc->pieces[0].value, 8);
        return v;
}

static void test_arithmetic(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op ops[] = {
                { .atom = DW_OP_lit7 }, { .atom = DW_OP_const1s, .number = (Dwarf_Word) -3 },
                { .atom = DW_OP_mul }, { .atom = DW_OP_lit5 }, { .atom = DW_OP_plus },
                { .atom = DW_OP_stack_value },
        };

        eval(&fc, ops, 6, &loc);
        assert_int_equal((int64_t) stack_value(&loc), -16);

        /* div is signed, shr logical, shra arithmetic, comparisons signed */
        Dwarf_Op div[] = { { .atom = DW_OP_const1s, .number = (Dwarf_Word) -9 }, { .atom = DW_OP_lit2 },
                           { .atom = DW_OP_div }, { .atom = DW_OP_stack_value } };
        eval(&fc, div, 4, &loc);
        assert_int_equal((int64_t) stack_value(&loc), -4);
        Dwarf_Op shra[] = { { .atom = DW_OP_const1s, .number = (Dwarf_Word) -8 }, { .atom = DW_OP_lit1 },
                            { .atom = DW_OP_shra }, { .atom = DW_OP_stack_value } };
        eval(&fc, shra, 4, &loc);
        assert_int_equal((int64_t) stack_value(&loc), -4);
        Dwarf_Op lt[] = { { .atom = DW_OP_const1s, .number = (Dwarf_Word) -1 }, { .atom = DW_OP_lit1 },
                          { .atom = DW_OP_lt }, { .atom = DW_OP_stack_value } };
        eval(&fc, lt, 4, &loc);
        assert_int_equal(stack_value(&loc), 1);
        Dwarf_Op zero[] = { { .atom = DW_OP_lit1 }, { .atom = DW_OP_lit0 }, { .atom = DW_OP_div },
                            { .atom = DW_OP_stack_value } };
        eval(&fc, zero, 4, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_ERROR);
}

static void test_stack_ops(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        /* 1 2 3 rot -> 3 1 2; swap -> 3 2 1; over -> 3 2 1 2; pick 3 -> .. 3;
         * drop -> 3 2 1 2; minus -> 3 2 -1 ... keep it simple: check top */
        Dwarf_Op ops[] = {
                { .atom = DW_OP_lit1 }, { .atom = DW_OP_lit2 }, { .atom = DW_OP_lit3 }, { .atom = DW_OP_rot },
                { .atom = DW_OP_swap }, { .atom = DW_OP_over }, { .atom = DW_OP_pick, .number = 3 },
                { .atom = DW_OP_stack_value },
        };

        eval(&fc, ops, 8, &loc);
        assert_int_equal(stack_value(&loc), 3);

        Dwarf_Op under[] = { { .atom = DW_OP_lit1 }, { .atom = DW_OP_plus }, { .atom = DW_OP_stack_value } };
        eval(&fc, under, 3, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_ERROR);
        assert_non_null(strstr(loc.error, "underflow"));
}

static void test_branches(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        /* offsets: lit1@0 bra@1(3 bytes) lit5@4 skip@5(3) lit9@8 stack_value@9
         * lit1 -> bra taken to offset 8 -> lit9 */
        Dwarf_Op ops[] = {
                { .atom = DW_OP_lit1, .offset = 0 }, { .atom = DW_OP_bra, .number = 4, .offset = 1 },
                { .atom = DW_OP_lit5, .offset = 4 }, { .atom = DW_OP_skip, .number = 1, .offset = 5 },
                { .atom = DW_OP_lit9, .offset = 8 }, { .atom = DW_OP_stack_value, .offset = 9 },
        };

        symb_location_eval(&fc, NULL, ops, 6, &loc);
        assert_int_equal(stack_value(&loc), 9);
        /* lit0 -> not taken -> lit5, skip over lit9 to stack_value */
        ops[0].atom = DW_OP_lit0;
        symb_location_eval(&fc, NULL, ops, 6, &loc);
        assert_int_equal(stack_value(&loc), 5);

        /* skip to itself forever: bounded */
        Dwarf_Op loop[] = { { .atom = DW_OP_skip, .number = (Dwarf_Word) -3, .offset = 0 } };
        symb_location_eval(&fc, NULL, loop, 1, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_ERROR);

        /* into the middle of an operation */
        Dwarf_Op bad[] = { { .atom = DW_OP_skip, .number = 1, .offset = 0 },
                           { .atom = DW_OP_const2u, .number = 7, .offset = 3 }, { .atom = DW_OP_lit1, .offset = 6 } };
        symb_location_eval(&fc, NULL, bad, 3, &loc);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_ERROR);
}

static void test_registers(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op breg[] = { { .atom = DW_OP_breg6, .number = (Dwarf_Word) -8 } };
        uint8_t bytes[8], known[8], why[8];
        uint64_t v;

        eval(&fc, breg, 1, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_MEMORY);
        assert_int_equal(loc.pieces[0].addr, 106 - 8);

        Dwarf_Op reg[] = { { .atom = DW_OP_reg3 } };
        eval(&fc, reg, 1, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_REGISTER);
        symb_location_read(&fc, &loc, 8, bytes, known, why);
        memcpy(&v, bytes, 8);
        assert_int_equal(v, 103);
        assert_int_equal(known[0], 0xff);

        /* a register the frame does not know */
        fc.regs.gpr_known &= ~(UINT32_C(1) << 3);
        symb_location_read(&fc, &loc, 8, bytes, known, why);
        assert_int_equal(known[0], 0);
        assert_int_equal(why[0], SYMB_REASON_OPTIMIZED_OUT);
        Dwarf_Op breg3[] = { { .atom = DW_OP_breg3, .number = 0 } };
        eval(&fc, breg3, 1, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_OPTIMIZED_OUT);
}

static void test_caller_frame_clobbered(void **state) {
        struct symb_frame_context fc = frame0();
        uint64_t v;

        /* A caller stopped in a call: rax, rdi, xmm0 are the callee's,
         * even when the unwinder marks them known. */
        fc.lookup_pc = fc.pc - 1;
        assert_false(symb_frame_reg(&fc, 0, &v));
        assert_false(symb_frame_reg(&fc, 5, &v));
        assert_false(symb_frame_reg(&fc, 11, &v));
        assert_false(symb_frame_reg(&fc, SYMB_REG_XMM0, &v));
        assert_true(symb_frame_reg(&fc, 3, &v));
        assert_int_equal(v, 103);
        assert_true(symb_frame_reg(&fc, 12, &v));
        assert_true(symb_frame_reg(&fc, 7, &v));
}

static void test_xmm(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op regx[] = { { .atom = DW_OP_regx, .number = SYMB_REG_XMM0 + 1 } };
        uint8_t bytes[16], known[16], why[16];

        eval(&fc, regx, 1, &loc);
        symb_location_read(&fc, &loc, 16, bytes, known, why);
        for (int b = 0; b < 16; b++) {
                assert_int_equal(bytes[b], 16 + b);
                assert_int_equal(known[b], 0xff);
        }
        /* no 17-byte object in a 16-byte register */
        uint8_t big[17], bk[17], bw[17];
        symb_location_read(&fc, &loc, 17, big, bk, bw);
        assert_int_equal(bk[0], 0);
        assert_int_equal(bw[0], SYMB_REASON_ERROR);
}

static void test_memory(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op deref[] = { { .atom = DW_OP_const2u, .number = MEM_BASE }, { .atom = DW_OP_deref_size, .number = 2 },
                             { .atom = DW_OP_stack_value } };
        uint8_t bytes[8], known[8], why[8];

        eval(&fc, deref, 3, &loc);
        assert_int_equal(stack_value(&loc), 0x0201);

        /* not captured: unavailable, not zero */
        Dwarf_Op miss[] = { { .atom = DW_OP_const2u, .number = 0x9000 }, { .atom = DW_OP_deref } };
        eval(&fc, miss, 2, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_UNAVAILABLE);

        /* an object straddling the end of captured memory */
        Dwarf_Op addr[] = { { .atom = DW_OP_const2u, .number = MEM_BASE + MEM_SIZE - 4 } };
        eval(&fc, addr, 1, &loc);
        symb_location_read(&fc, &loc, 8, bytes, known, why);
        for (int b = 0; b < 4; b++)
                assert_int_equal(known[b], 0xff);
        for (int b = 4; b < 8; b++) {
                assert_int_equal(known[b], 0);
                assert_int_equal(why[b], SYMB_REASON_UNAVAILABLE);
        }
}

static void test_addr_bias_and_cfa(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op a[] = { { .atom = DW_OP_addr, .number = 0x2010 } };
        Dwarf_Op cfa[] = { { .atom = DW_OP_call_frame_cfa }, { .atom = DW_OP_lit8 }, { .atom = DW_OP_minus } };

        eval(&fc, a, 1, &loc);
        assert_int_equal(loc.pieces[0].addr, 0x402010);
        fc.has_cfa = true;
        fc.cfa = 0x7000;
        eval(&fc, cfa, 3, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_MEMORY);
        assert_int_equal(loc.pieces[0].addr, 0x7000 - 8);
        /* no CFA and no module: unknown */
        fc.has_cfa = false;
        eval(&fc, cfa, 3, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
}

static void test_pieces(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        /* 4 bytes in rbx, 4 bytes optimized out (empty piece), 2 bytes at
         * MEM_BASE, 2 bytes from a stack value */
        Dwarf_Op ops[] = {
                { .atom = DW_OP_reg3 }, { .atom = DW_OP_piece, .number = 4 },
                { .atom = DW_OP_piece, .number = 4 },
                { .atom = DW_OP_const2u, .number = MEM_BASE }, { .atom = DW_OP_piece, .number = 2 },
                { .atom = DW_OP_const2u, .number = 0xbeef }, { .atom = DW_OP_stack_value },
                { .atom = DW_OP_piece, .number = 2 },
        };
        uint8_t bytes[12], known[12], why[12];

        eval(&fc, ops, 8, &loc);
        assert_int_equal(loc.n_pieces, 4);
        symb_location_read(&fc, &loc, 12, bytes, known, why);
        assert_int_equal(bytes[0], 103);
        assert_int_equal(known[0], 0xff);
        assert_int_equal(known[4], 0);
        assert_int_equal(why[4], SYMB_REASON_OPTIMIZED_OUT);
        assert_int_equal(bytes[8], 1);
        assert_int_equal(bytes[9], 2);
        assert_int_equal(bytes[10], 0xef);
        assert_int_equal(bytes[11], 0xbe);
        assert_int_equal(known[11], 0xff);

        /* a failing piece loses only itself */
        Dwarf_Op partial[] = {
                { .atom = DW_OP_const2u, .number = 0x9000 }, { .atom = DW_OP_deref }, { .atom = DW_OP_stack_value },
                { .atom = DW_OP_piece, .number = 4 },
                { .atom = DW_OP_reg12 }, { .atom = DW_OP_piece, .number = 4 },
        };
        eval(&fc, partial, 6, &loc);
        assert_int_equal(loc.n_pieces, 2);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_UNAVAILABLE);
        assert_int_equal(loc.pieces[1].kind, SYMB_PIECE_REGISTER);

        /* bit pieces: 3 bits of rbx (103 = 0b1100111) from bit 1, then 5 bits of 0 */
        Dwarf_Op bits[] = {
                { .atom = DW_OP_reg3 }, { .atom = DW_OP_bit_piece, .number = 3, .number2 = 1 },
                { .atom = DW_OP_lit0 }, { .atom = DW_OP_stack_value }, { .atom = DW_OP_bit_piece, .number = 5 },
        };
        uint8_t b1[1], k1[1], w1[1];
        eval(&fc, bits, 5, &loc);
        symb_location_read(&fc, &loc, 1, b1, k1, w1);
        assert_int_equal(k1[0], 0xff);
        assert_int_equal(b1[0], (103 >> 1) & 7);
}

static void test_not_implemented(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op ops[] = { { .atom = DW_OP_push_object_address }, { .atom = DW_OP_deref } };
        Dwarf_Op tls[] = { { .atom = DW_OP_const1u, .number = 8 }, { .atom = DW_OP_form_tls_address } };

        eval(&fc, ops, 2, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_NOT_IMPLEMENTED);
        /* TLS needs the dump's TLS stream and the thread: without them,
         * unavailable, and why. */
        eval(&fc, tls, 2, &loc);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_UNAVAILABLE);
        assert_string_equal(loc.error, "the thread's TLS is not in the dump");
        /* entry values need the caller's call site: no caller, no value */
        assert_string_equal(symb_reason_name(SYMB_REASON_OPTIMIZED_OUT), "optimized out");
        assert_string_equal(symb_reason_name(SYMB_REASON_UNAVAILABLE), "unavailable");
}

static void test_stack_limit(void **state) {
        struct symb_frame_context fc = frame0();
        struct symb_location loc;
        Dwarf_Op ops[100];

        for (int i = 0; i < 100; i++)
                ops[i] = (Dwarf_Op) { .atom = DW_OP_lit1 };
        eval(&fc, ops, 100, &loc);
        assert_int_equal(loc.pieces[0].kind, SYMB_PIECE_ABSENT);
        assert_int_equal(loc.pieces[0].reason, SYMB_REASON_ERROR);
        assert_non_null(strstr(loc.error, "overflow"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_arithmetic),
                cmocka_unit_test(test_stack_ops),
                cmocka_unit_test(test_branches),
                cmocka_unit_test(test_registers),
                cmocka_unit_test(test_caller_frame_clobbered),
                cmocka_unit_test(test_xmm),
                cmocka_unit_test(test_memory),
                cmocka_unit_test(test_addr_bias_and_cfa),
                cmocka_unit_test(test_pieces),
                cmocka_unit_test(test_not_implemented),
                cmocka_unit_test(test_stack_limit),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
