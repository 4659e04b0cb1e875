/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-symb-amplify.c: what one dump may cost (issue 9,
 * point 7). A 91 KB dump whose 65,536 threads all point at one real stack
 * became a 304 MB JSON report. Here this program snapshots its own stack
 * (four frames with arrays and structs in them, at -O0) and builds such a
 * dump in memory: 65,536 threads with the same registers and the same
 * stack, its one module this program, found by its build-id. The report
 * must stay under a bound, say in every output that it was cut, and come
 * back; a dump of 1,000 such threads (a big server) must be whole. The
 * figures (bytes of each output, peak RSS, time) are printed for the
 * note. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "self-module.h"
#include "symbolicate.h"

#define HOSTILE_THREADS 65536
#define SERVER_THREADS 1000
#define STACK_MAX (256u * 1024u)
/* The bound on the JSON report of the hostile dump: the limits' defaults
 * give about 12 MB; without them it was 300 MB. */
#define JSON_BOUND (32u * 1024u * 1024u)

static struct self_module self;

/* This program's registers and stack, as the dumper would take them. */
static struct {
        uint64_t rip, rsp, rbp, rbx, r12, r13, r14, r15;
        uint64_t stack_base;
        uint8_t *stack;
        size_t stack_size;
} snap;

static uint64_t stack_top(uint64_t sp) {
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        uint64_t lo, hi, top = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 && sp >= lo && sp < hi)
                        top = hi;
        fclose(f);
        return top;
}

/* The stack as it is, sanitizers' redzones between locals included: a
 * byte loop they do not instrument (memcpy would be reported). */
__attribute__((no_sanitize_address, noinline)) static void copy_stack(uint8_t *dst, uintptr_t src, size_t n) {
        for (size_t i = 0; i < n; i++)
                dst[i] = ((const volatile uint8_t *) src)[i];
}

__attribute__((noinline)) static void capture(void) {
        uint64_t top;

        /* One asm: rip is the instruction after the lea, where the CFI row
         * is the one for this rsp. Stored through memory so that no output
         * register is one still to be read. */
        __asm__ volatile("lea 0(%%rip), %%rax\n\t"
                         "mov %%rax, %0\n\t"
                         "mov %%rsp, %1\n\t"
                         "mov %%rbp, %2\n\t"
                         "mov %%rbx, %3\n\t"
                         "mov %%r12, %4\n\t"
                         "mov %%r13, %5\n\t"
                         "mov %%r14, %6\n\t"
                         "mov %%r15, %7\n\t"
                         : "=m"(snap.rip), "=m"(snap.rsp), "=m"(snap.rbp), "=m"(snap.rbx), "=m"(snap.r12),
                           "=m"(snap.r13), "=m"(snap.r14), "=m"(snap.r15)
                         :
                         : "rax", "memory");
        top = stack_top(snap.rsp);
        if (top <= snap.rsp)
                return;
        snap.stack_base = snap.rsp;
        snap.stack_size = top - snap.rsp < STACK_MAX ? (size_t) (top - snap.rsp) : STACK_MAX;
        snap.stack = malloc(snap.stack_size);
        if (snap.stack)
                copy_stack(snap.stack, (uintptr_t) snap.rsp, snap.stack_size);
}

/* A server's stack: what gdb's `bt full` shows a few kilobytes of. */
struct order {
        int id;
        double price;
        char note[48];
        const char *customer;
        int lines[32];
};

__attribute__((noinline)) static int level3(const struct order *o, int depth) {
        char label[64];
        int table[200];

        snprintf(label, sizeof(label), "order %d at depth %d", o->id, depth);
        for (int i = 0; i < 200; i++)
                table[i] = i * 7 + depth;
        capture();
        return table[depth] + label[0];
}

__attribute__((noinline)) static int level2(struct order o, int n) {
        struct order more[3];

        for (int i = 0; i < 3; i++) {
                more[i] = o;
                more[i].id = o.id + i + 1;
        }
        return level3(&more[n % 3], n) + more[0].lines[1];
}

__attribute__((noinline)) static int level1(const char *who) {
        struct order o = {.id = 7, .price = 9.99, .note = "deliver after six", .customer = who};

        for (int i = 0; i < 32; i++)
                o.lines[i] = 100 + i;
        return level2(o, 2);
}

/* A dump of n threads with the snapshot's registers and stack. */
struct fake {
        struct proto_dump d;
        struct proto_thread *threads;
        struct proto_module module;
        struct proto_memory_region memory;
};

static void fake_init(struct fake *f, size_t n) {
        memset(f, 0, sizeof(*f));
        f->threads = calloc(n, sizeof(*f->threads));
        assert_non_null(f->threads);
        f->memory = (struct proto_memory_region) {snap.stack_base, snap.stack_size, snap.stack};
        for (size_t i = 0; i < n; i++) {
                struct proto_thread *t = &f->threads[i];
                struct md_context_amd64 *c = &t->context;

                t->tid = (uint32_t) (1000 + i);
                t->has_context = true;
                c->context_flags = MD_CONTEXT_AMD64_FULL;
                c->rip = snap.rip;
                c->rsp = snap.rsp;
                c->rbp = snap.rbp;
                c->rbx = snap.rbx;
                c->r12 = snap.r12;
                c->r13 = snap.r13;
                c->r14 = snap.r14;
                c->r15 = snap.r15;
                t->stack = f->memory;
        }
        f->d.threads = f->threads;
        f->d.n_threads = n;
        f->d.memory = &f->memory;
        f->d.n_memory = 1;
        self_module_fill(&self, &f->module);
        f->d.modules = &f->module;
        f->d.n_modules = 1;
        f->d.has_exception = true;
        f->d.exception.thread_id = 1000;
        f->d.exception.exception_record.exception_code = 11;
        f->d.exception.exception_record.exception_flags = 1;
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static long maxrss_kib(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

struct outputs {
        char *text, *json, *sentry;
        size_t text_len, json_len, sentry_len;
};

static void format_all(const struct symb_report *r, struct outputs *o) {
        FILE *f;

        f = open_memstream(&o->text, &o->text_len);
        assert_non_null(f);
        assert_int_equal(symb_format_text(f, r), 0);
        fclose(f);
        f = open_memstream(&o->json, &o->json_len);
        assert_non_null(f);
        assert_int_equal(symb_format_json(f, r, symb_default_mask), 0);
        fclose(f);
        f = open_memstream(&o->sentry, &o->sentry_len);
        assert_non_null(f);
        assert_int_equal(symb_format_sentry(f, r, symb_default_mask), 0);
        fclose(f);
}

static void outputs_free(struct outputs *o) {
        free(o->text);
        free(o->json);
        free(o->sentry);
}

/* Symbolicates a dump of n threads with the default limits, printing the
 * figures; the report and its outputs are returned. */
static struct symb_report *run(size_t n, struct outputs *out) {
        struct symb_options o = {.no_system_debug = true};
        struct symb_context *c;
        struct symb_report *r = NULL;
        struct fake f;
        char err[256];
        long rss0;
        double t0, t1, t2;

        fake_init(&f, n);
        rss0 = maxrss_kib();
        assert_int_equal(symb_context_new(&o, &c), 0);
        t0 = now_s();
        assert_int_equal(symb_symbolicate(c, &f.d, &r, err, sizeof(err)), 0);
        t1 = now_s();
        format_all(r, out);
        t2 = now_s();
        printf("amplify: %zu threads: symbolicated in %.2f s, formatted in %.2f s; text %zu bytes, JSON %zu "
               "bytes, Sentry %zu bytes; peak RSS %ld MiB (%ld MiB before)\n",
               n, t1 - t0, t2 - t1, out->text_len, out->json_len, out->sentry_len, maxrss_kib() / 1024,
               rss0 / 1024);
        fflush(stdout);
        symb_context_free(c);
        /* The report borrows the dump: keep the threads until it is freed. */
        r->dump = NULL;
        free(f.threads);
        return r;
}

static void test_hostile_threads(void **state) {
        struct outputs out = {0};
        struct symb_report *r = run(HOSTILE_THREADS, &out);

        assert_true(out.json_len < JSON_BOUND);
        assert_true(out.text_len < JSON_BOUND);
        assert_true(out.sentry_len < JSON_BOUND);
        /* The cut is said in every output. */
        assert_non_null(strstr(out.json, "\"truncated\":\""));
        assert_non_null(strstr(out.json, "\"threads_in_dump\":65536"));
        assert_non_null(strstr(out.text, "Truncated: "));
        assert_non_null(strstr(out.sentry, "\"crashd_truncated\":\""));
        /* The first threads are whole, values and all. */
        assert_non_null(strstr(out.json, "\"name\":\"table\""));
        assert_non_null(strstr(out.text, "        table = {"));
        outputs_free(&out);
        symb_report_free(r);
}

static void test_big_server_whole(void **state) {
        struct outputs out = {0};
        struct symb_report *r = run(SERVER_THREADS, &out);
        size_t with_table = 0;

        assert_int_equal(r->n_threads, SERVER_THREADS);
        assert_null(strstr(out.json, "\"truncated\":\""));
        assert_null(strstr(out.text, "Truncated: "));
        for (const char *p = out.text; (p = strstr(p, "        table = {2, 9, 16, ")); p++)
                with_table++;
        assert_int_equal(with_table, SERVER_THREADS);
        outputs_free(&out);
        symb_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_big_server_whole),
                cmocka_unit_test(test_hostile_threads),
        };

        if (self_module_find(&self) < 0) {
                fprintf(stderr, "this test program has no build-id: skipped\n");
                return 77;
        }
        level1("bob");
        if (!snap.stack) {
                fprintf(stderr, "could not snapshot the stack\n");
                return 1;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
