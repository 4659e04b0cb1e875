/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-symb-hostile.c: dumps that lie. Each case builds
 * a proto_dump by hand (what the reader would give for such a file) whose
 * one module is this test program itself, found by its real build-id, and
 * whose registers and stack say something broken: rsp = 0 and a garbage
 * rip, a saved frame pointer that points at itself, a stack cut short, a
 * frame-pointer chain longer than the frame limit, a thread without
 * registers, modules that overlap or wrap. The walk must end with a stop
 * reason, within the frame limit, without inventing frames and without
 * crashing (the sanitizer builds run this too). Then the synthetic sample
 * dump of tests/proto and a few hundred mutations of it go through the
 * whole pipeline, formats included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample-dump.h"
#include "self-module.h"
#include "symbolicate.h"

#define STACK_BASE UINT64_C(0x7ff000000000)
#define STACK_SIZE (64u * 1024u)

static struct self_module self;

/* The function frame 0 sits in for the CFI case. */
__attribute__((noinline)) int hostile_target(int x);
__attribute__((noinline)) int hostile_target(int x) {
        __asm__ volatile("" ::: "memory");
        return x + 1;
}

/* A one-thread dump whose stack is buf, mapped at STACK_BASE. */
struct fake {
        struct proto_dump d;
        struct proto_thread threads[3];
        struct proto_module modules[4];
        struct proto_memory_region memory[1];
        uint8_t *stack;
};

static void fake_init(struct fake *f) {
        memset(f, 0, sizeof(*f));
        f->stack = calloc(1, STACK_SIZE);
        assert_non_null(f->stack);
        f->d.threads = f->threads;
        f->d.n_threads = 1;
        f->threads[0].tid = 100;
        f->threads[0].has_context = true;
        f->threads[0].context.context_flags = MD_CONTEXT_AMD64_FULL;
        f->threads[0].stack = (struct proto_memory_region) {STACK_BASE, STACK_SIZE, f->stack};
        f->d.memory = f->memory;
        f->d.n_memory = 1;
        f->memory[0] = f->threads[0].stack;
        f->d.modules = f->modules;
        f->d.n_modules = 1;
        self_module_fill(&self, &f->modules[0]);
        f->d.has_exception = true;
        f->d.exception.thread_id = 100;
        f->d.exception.exception_record.exception_code = 11;
        f->d.exception.exception_record.exception_flags = 1;
}

static void put64(struct fake *f, uint64_t addr, uint64_t v) {
        assert_true(addr >= STACK_BASE && addr + 8 <= STACK_BASE + STACK_SIZE);
        memcpy(f->stack + (addr - STACK_BASE), &v, 8);
}

/* Symbolicates f (every format, into memory) and returns the report. */
static struct symb_report *run(struct fake *f, unsigned max_frames) {
        struct symb_options o = {.max_frames = max_frames, .no_system_debug = true};
        struct symb_context *c;
        struct symb_report *r = NULL;
        char err[256], *buf = NULL;
        size_t len = 0;
        FILE *out;

        assert_int_equal(symb_context_new(&o, &c), 0);
        assert_int_equal(symb_symbolicate(c, &f->d, &r, err, sizeof(err)), 0);
        out = open_memstream(&buf, &len);
        assert_non_null(out);
        assert_int_equal(symb_format_text(out, r), 0);
        assert_int_equal(symb_format_json(out, r, symb_default_mask), 0);
        assert_int_equal(symb_format_sentry(out, r, symb_default_mask), 0);
        fclose(out);
        free(buf);
        symb_context_free(c);
        for (size_t i = 0; i < r->n_threads; i++)
                fprintf(stderr, "  thread %u: %zu frames, stopped: %s\n", r->threads[i].tid, r->threads[i].n_frames,
                        r->threads[i].stop_reason ? r->threads[i].stop_reason : "at the end");
        return r;
}

static void fake_free(struct fake *f, struct symb_report *r) {
        symb_report_free(r);
        free(f->stack);
}

static void test_module_is_found(void **state) {
        struct fake f;
        struct symb_report *r;

        fake_init(&f);
        f.threads[0].context.rip = (uint64_t) (uintptr_t) &hostile_target;
        f.threads[0].context.rsp = STACK_BASE + 0x1000;
        put64(&f, STACK_BASE + 0x1000, 0);      /* return address 0: the end */
        r = run(&f, 0);
        assert_int_equal(r->n_threads, 1);
        assert_null(r->modules[0].problem);
        assert_non_null(r->modules[0].elf_path);
        assert_true(r->threads[0].n_frames >= 1);
        assert_non_null(r->threads[0].frames[0].function);
        assert_string_equal(r->threads[0].frames[0].function, "hostile_target");
        assert_non_null(r->threads[0].frames[0].file);
        assert_non_null(strstr(r->threads[0].frames[0].file, "test-symb-hostile.c"));
        assert_int_equal(r->threads[0].frames[0].trust, SYMB_TRUST_CONTEXT);
        fake_free(&f, r);
}

static void test_bad_registers(void **state) {
        struct fake f;
        struct symb_report *r;

        fake_init(&f);
        f.threads[0].context.rip = UINT64_C(0xdeadbeef);
        f.threads[0].context.rsp = 0;
        f.threads[0].context.rbp = 0;
        r = run(&f, 0);
        assert_int_equal(r->n_threads, 1);
        /* Frame 0 is what the registers say; nothing is made up after. */
        assert_true(r->threads[0].n_frames >= 1 && r->threads[0].n_frames <= 2);
        assert_int_equal(r->threads[0].frames[0].pc, UINT64_C(0xdeadbeef));
        assert_null(r->threads[0].frames[0].function);
        assert_non_null(r->threads[0].stop_reason);
        fake_free(&f, r);
}

static void test_frame_pointer_loop(void **state) {
        struct fake f;
        struct symb_report *r;
        uint64_t fp = STACK_BASE + 0x2000;

        fake_init(&f);
        f.threads[0].context.rip = 0x10;        /* in no module: frame pointers */
        f.threads[0].context.rsp = STACK_BASE + 0x1000;
        f.threads[0].context.rbp = fp;
        put64(&f, fp, fp);                      /* saved rbp: itself */
        put64(&f, fp + 8, 0x1234);              /* return address */
        r = run(&f, 0);
        assert_true(r->threads[0].n_frames <= 3);
        assert_non_null(r->threads[0].stop_reason);
        fake_free(&f, r);

        /* A cycle of two: each step looks fine, the stack pointer goes
         * back down on the second. */
        fake_init(&f);
        f.threads[0].context.rip = 0x10;
        f.threads[0].context.rsp = STACK_BASE + 0x1000;
        f.threads[0].context.rbp = fp;
        put64(&f, fp, fp + 0x1000);
        put64(&f, fp + 8, 0x1234);
        put64(&f, fp + 0x1000, fp);
        put64(&f, fp + 0x1008, 0x1234);
        r = run(&f, 0);
        assert_true(r->threads[0].n_frames <= 4);
        assert_non_null(r->threads[0].stop_reason);
        fake_free(&f, r);
}

static void test_truncated_stack(void **state) {
        struct fake f;
        struct symb_report *r;

        fake_init(&f);
        f.threads[0].context.rip = 0x10;
        f.threads[0].context.rsp = STACK_BASE + 0x1000;
        f.threads[0].context.rbp = STACK_BASE + STACK_SIZE - 8;   /* [rbp+8] is past the end */
        r = run(&f, 0);
        assert_int_equal(r->threads[0].n_frames, 1);
        assert_non_null(r->threads[0].stop_reason);
        assert_non_null(strstr(r->threads[0].stop_reason, "not in the dump"));
        fake_free(&f, r);
}

static void test_frame_limit(void **state) {
        struct fake f;
        struct symb_report *r;
        uint64_t fp = STACK_BASE + 0x100;

        fake_init(&f);
        f.threads[0].context.rip = 0x10;
        f.threads[0].context.rsp = STACK_BASE + 0x80;
        f.threads[0].context.rbp = fp;
        /* 2000 well-formed frames, 16 bytes apart, returning to 0x20. */
        for (int i = 0; i < 2000; i++, fp += 16) {
                put64(&f, fp, fp + 16);
                put64(&f, fp + 8, 0x20);
        }
        r = run(&f, 50);
        assert_int_equal(r->threads[0].n_frames, 50);
        assert_non_null(r->threads[0].stop_reason);
        assert_non_null(strstr(r->threads[0].stop_reason, "frame limit"));
        for (size_t i = 1; i < r->threads[0].n_frames; i++)
                assert_int_equal(r->threads[0].frames[i].trust, SYMB_TRUST_FP);
        fake_free(&f, r);
}

static void test_odd_threads_and_modules(void **state) {
        struct fake f;
        struct symb_report *r;

        fake_init(&f);
        f.threads[0].context.rip = 0x10;
        f.threads[0].context.rsp = 0;
        /* A thread without registers, and one with the crashed tid again. */
        f.d.n_threads = 3;
        f.threads[1].tid = 101;
        f.threads[2] = f.threads[0];
        /* A module overlapping the first, one of size 0, one that wraps
         * around the address space, and one without a build-id. */
        f.d.n_modules = 4;
        f.modules[1] = f.modules[0];
        f.modules[1].base += 0x1000;
        f.modules[2].name = (char *) "/wraps";
        f.modules[2].base = UINT64_MAX - 0xfff;
        f.modules[2].size = 0x2000;
        f.modules[3].name = (char *) "/no-build-id";
        f.modules[3].base = 0x1000;
        f.modules[3].size = 0x1000;
        r = run(&f, 0);
        assert_int_equal(r->n_threads, 3);
        assert_true(r->threads[0].crashed);
        for (size_t i = 0; i < r->n_threads; i++)
                if (r->threads[i].tid == 101) {
                        assert_int_equal(r->threads[i].n_frames, 0);
                        assert_non_null(strstr(r->threads[i].stop_reason, "no registers"));
                }
        assert_non_null(r->modules[3].problem);
        assert_non_null(strstr(r->modules[3].problem, "no build-id"));
        assert_non_null(r->modules[1].problem);
        assert_non_null(strstr(r->modules[1].problem, "overlaps"));
        assert_non_null(r->modules[2].problem);
        fake_free(&f, r);
}

/* Module paths come from the dump: one naming a FIFO or a terminal must
 * not block the symbolicator (a daemon worker) or be read as a module. */
static void test_module_paths_not_files(void **state) {
        char dir[] = "/tmp/symb-hostile-XXXXXX", fifo[PATH_MAX];
        struct fake f;
        struct symb_report *r;

        assert_non_null(mkdtemp(dir));
        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        fake_init(&f);
        f.threads[0].context.rip = 0x10;
        f.d.n_modules = 3;
        f.modules[1] = f.modules[0];
        f.modules[1].name = fifo;
        f.modules[1].base = 0x100000;
        f.modules[1].size = 0x1000;
        f.modules[2] = f.modules[1];
        f.modules[2].name = (char *) "/dev/tty";
        f.modules[2].base = 0x200000;
        r = run(&f, 0);         /* a blocking open would hang here */
        assert_null(r->modules[1].elf_path);
        assert_null(r->modules[2].elf_path);
        fake_free(&f, r);
        unlink(fifo);
        rmdir(dir);
}

/* The synthetic sample dump (made-up modules, garbage stacks) and
 * mutations of it, parsed and symbolicated: nothing may crash. */
static void symbolicate_bytes(struct symb_context *c, const uint8_t *p, size_t n) {
        struct proto_dump *d;
        struct symb_report *r;
        char err[256];
        FILE *null = fopen("/dev/null", "w");

        assert_non_null(null);
        if (proto_dump_parse(p, n, &d, err, sizeof(err)) == 0) {
                if (symb_symbolicate(c, d, &r, err, sizeof(err)) == 0) {
                        symb_format_text(null, r);
                        symb_format_json(null, r, symb_default_mask);
                        symb_format_sentry(null, r, symb_default_mask);
                        symb_report_free(r);
                }
                proto_dump_free(d);
        }
        fclose(null);
}

static void test_sample_and_mutations(void **state) {
        static const enum sample_variant variants[] = {SAMPLE_FULL, SAMPLE_MINIMAL, SAMPLE_BREAKPAD,
                                                       SAMPLE_REQUESTED};
        struct symb_options o = {.no_system_debug = true, .max_frames = 64};
        struct symb_context *c;
        struct proto_buf b;
        uint8_t *copy;
        uint64_t seed = 42;

        assert_int_equal(symb_context_new(&o, &c), 0);
        for (size_t v = 0; v < sizeof(variants) / sizeof(*variants); v++) {
                assert_int_equal(proto_buf_map(&b, 1 << 20), 0);
                assert_int_equal(sample_dump_build(&b, variants[v]), 0);
                symbolicate_bytes(c, b.data, b.size);
                copy = malloc(b.size);
                assert_non_null(copy);
                for (int i = 0; i < 300; i++) {
                        memcpy(copy, b.data, b.size);
                        for (int k = 0; k < 8; k++) {
                                seed = seed * UINT64_C(6364136223846793005) + 1442695040888963407u;
                                copy[(seed >> 33) % b.size] ^= (uint8_t) (seed >> 13);
                        }
                        symbolicate_bytes(c, copy, b.size);
                }
                free(copy);
                proto_buf_unmap(&b);
        }
        symb_context_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_module_is_found),
                cmocka_unit_test(test_bad_registers),
                cmocka_unit_test(test_module_paths_not_files),
                cmocka_unit_test(test_frame_pointer_loop),
                cmocka_unit_test(test_truncated_stack),
                cmocka_unit_test(test_frame_limit),
                cmocka_unit_test(test_odd_threads_and_modules),
                cmocka_unit_test(test_sample_and_mutations),
        };

        if (self_module_find(&self) < 0) {
                fprintf(stderr, "this test program has no build-id: skipped\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
