/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-block-order.c: the order gdb 13 lists a lexical
 * block's locals in (symbolicate/block-order.c). Each case is a block of
 * glibc 2.36 (libc6-dbg) as gdb printed it in `thread apply all bt full`
 * on a core of tests/conformance/conf.c: the names in DIE order, then in
 * gdb's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "variables.h"

struct order_case {
        const char *die_order[16];
        const char *gdb_order[16];
};

static const struct order_case cases[] = {
        /* read(): SYSCALL_CANCEL's block, 8 symbols. */
        { { "sc_ret", "resultvar", "__arg3", "__arg2", "__arg1", "_a3", "_a2", "_a1" },
          { "sc_ret", "__arg2", "_a3", "_a1", "resultvar", "__arg3", "__arg1", "_a2" } },
        /* __pthread_cond_wait_common's loop block, 10 symbols. */
        { { "maxspin", "err", "result", "wseq", "g", "seq", "flags", "private", "signals", "g1_start" },
          { "err", "g", "flags", "g1_start", "maxspin", "signals", "result", "wseq", "seq", "private" } },
        /* __futex_abstimed_wait_common64: sc_ret and the 13 of the
         * abstract block it inherits, 14 symbols. */
        { { "sc_ret", "resultvar", "__arg6", "__arg5", "__arg4", "__arg3", "__arg2", "__arg1", "_a6", "_a5", "_a4",
            "_a3", "_a2", "_a1" },
          { "__arg6", "__arg3", "_a5", "_a2", "sc_ret", "__arg4", "__arg1", "_a6", "_a3", "resultvar", "__arg5",
            "__arg2", "_a4", "_a1" } },
};

static void gdb_orders(void **state) {
        (void) state;
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                const struct order_case *oc = &cases[c];
                size_t n = 0, k = 0, buckets;

                while (n < 16 && oc->die_order[n])
                        n++;
                buckets = n / 5 + 1;
                /* Bucket by bucket, each in DIE order. */
                for (size_t b = 0; b < buckets; b++)
                        for (size_t i = 0; i < n; i++)
                                if (symb_block_bucket(oc->die_order[i], n, false) == b)
                                        assert_string_equal(oc->die_order[i], oc->gdb_order[k++]);
                assert_int_equal(k, n);
        }
}

/* One bucket below five symbols: DIE order stays. */
static void small_blocks(void **state) {
        (void) state;
        assert_int_equal(symb_block_bucket("spin", 3, false), 0);
        assert_int_equal(symb_block_bucket("anything", 4, true), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(gdb_orders),
                cmocka_unit_test(small_blocks),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
