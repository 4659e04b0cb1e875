/* SPDX-License-Identifier: MIT */
/* tests/coredump/test-core-read.c: coredump/core-read.c on cores made
 * here, as the kernel lays them out (ELF header, program headers, the
 * notes, page-aligned segments in address order): what is kept of each
 * page, the stack windows before a full buffer, PN_XNUM, a stream cut
 * short, a segment behind the reader, the dead part of a stack, the
 * deadline; and a pipe that hands out one byte at a time gives the same
 * as one that hands out everything. Suite unit (ASan in CI). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <time.h>
#include <cmocka.h>

#include "core-read.h"

#define PAGE 4096u

struct seg {
        uint64_t vaddr, memsz, filesz;
        uint32_t flags;
        uint8_t fill;                   /* every byte; 0: zeros */
};

struct built {
        uint8_t *data;
        size_t size;
};

static void put(struct built *b, size_t at, const void *p, size_t n) {
        if (at + n > b->size) {
                b->data = realloc(b->data, at + n);
                memset(b->data + b->size, 0, at + n - b->size);
                b->size = at + n;
        }
        memcpy(b->data + at, p, n);
}

static size_t note(uint8_t *out, const char *name, uint32_t type, const void *desc, uint32_t descsz) {
        Elf64_Nhdr nh = { (uint32_t) strlen(name) + 1, descsz, type };
        size_t n = 0, namesz = (nh.n_namesz + 3) & ~3u;

        memcpy(out, &nh, sizeof(nh));
        n += sizeof(nh);
        memset(out + n, 0, namesz);
        memcpy(out + n, name, strlen(name));
        n += namesz;
        memset(out + n, 0, (descsz + 3) & ~3u);
        memcpy(out + n, desc, descsz);
        return n + ((descsz + 3) & ~3u);
}

/* A core of one thread whose SP is sp, the segments as given, in order. */
static struct built make_core(uint64_t sp, const struct seg *segs, size_t n, bool pn_xnum) {
        static uint8_t notes[4096];
        struct built b = { NULL, 0 };
        struct elf_prstatus ps;
        Elf64_Ehdr eh;
        size_t notes_len = 0, phnum = n + 1, data_off;
        uint64_t auxv[4] = { AT_PAGESZ, 4096, AT_NULL, 0 };

        memset(&ps, 0, sizeof(ps));
        ps.pr_pid = 4242;
        ps.pr_cursig = 11;
        ps.pr_reg[19] = sp;             /* rsp: user_regs_struct's 20th */
        ps.pr_reg[16] = 0x401000;       /* rip */
        notes_len += note(notes + notes_len, "CORE", NT_PRSTATUS, &ps, sizeof(ps));
        notes_len += note(notes + notes_len, "CORE", NT_AUXV, auxv, sizeof(auxv));

        memset(&eh, 0, sizeof(eh));
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_CORE;
        eh.e_machine = EM_X86_64;
        eh.e_version = EV_CURRENT;
        eh.e_phoff = sizeof(eh);
        eh.e_ehsize = sizeof(eh);
        eh.e_phentsize = sizeof(Elf64_Phdr);
        eh.e_phnum = pn_xnum ? PN_XNUM : (uint16_t) phnum;
        put(&b, 0, &eh, sizeof(eh));

        Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = sizeof(eh) + phnum * sizeof(Elf64_Phdr),
                          .p_filesz = notes_len, .p_align = 4 };
        put(&b, sizeof(eh), &ph, sizeof(ph));
        put(&b, ph.p_offset, notes, notes_len);
        data_off = (ph.p_offset + notes_len + PAGE - 1) & ~(size_t) (PAGE - 1);
        for (size_t i = 0; i < n; i++) {
                Elf64_Phdr l = { .p_type = PT_LOAD, .p_flags = segs[i].flags, .p_offset = data_off,
                                 .p_vaddr = segs[i].vaddr, .p_filesz = segs[i].filesz, .p_memsz = segs[i].memsz,
                                 .p_align = PAGE };
                uint8_t *bytes = malloc(segs[i].filesz + 1);

                put(&b, sizeof(eh) + (i + 1) * sizeof(Elf64_Phdr), &l, sizeof(l));
                memset(bytes, segs[i].fill, segs[i].filesz);
                put(&b, data_off, bytes, segs[i].filesz);
                free(bytes);
                data_off += (segs[i].filesz + PAGE - 1) & ~(uint64_t) (PAGE - 1);
        }
        return b;
}

struct feed {
        const uint8_t *p;
        size_t n, off, chunk;
};

static ssize_t feed_read(void *userdata, void *buf, size_t n) {
        struct feed *f = userdata;
        size_t k = n < f->chunk ? n : f->chunk;

        if (k > f->n - f->off)
                k = f->n - f->off;
        memcpy(buf, f->p + f->off, k);
        f->off += k;
        return (ssize_t) k;
}

static ssize_t feed_skip(void *userdata, size_t n) {
        struct feed *f = userdata;
        size_t k = n > f->n - f->off ? f->n - f->off : n;

        f->off += k;
        return (ssize_t) k;
}

static int read_core(const struct built *b, size_t chunk, const struct core_limits *lim, struct core *c) {
        struct feed f = { b->data, b->size, 0, chunk };
        struct core_input in = { feed_read, feed_skip, &f };
        char err[256] = "";

        memset(c, 0, sizeof(*c));
        return core_read(c, &in, lim, err, sizeof(err));
}

static struct core_limits limits(void) {
        struct core_limits l;

        core_limits_default(&l);
        return l;
}

#define STACK 0x7ff000000000ull
#define HEAP 0x10000000ull

static void test_pages(void **state) {
        /* A heap of data, a stack of 16 pages with SP in its middle, a
         * zero segment. */
        const struct seg segs[] = {
                { HEAP, 4 * PAGE, 4 * PAGE, PF_R | PF_W, 0xab },
                { HEAP + 0x100000, 8 * PAGE, 8 * PAGE, PF_R | PF_W, 0 },
                { STACK, 16 * PAGE, 16 * PAGE, PF_R | PF_W, 0x5c },
        };
        struct built b = make_core(STACK + 8 * PAGE + 64, segs, 3, false);
        struct core_limits l = limits();
        struct core c;
        uint8_t buf[64];

        (void) state;
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_int_equal(c.n_threads, 1);
        assert_int_equal(c.threads[0].tid, 4242);
        assert_int_equal(c.threads[0].regs.rsp, STACK + 8 * PAGE + 64);
        assert_int_equal(c.n_segs, 3);
        assert_int_equal(core_auxv(&c, AT_PAGESZ), 4096);
        assert_int_equal(core_memory_read(&c, HEAP + 10, buf, sizeof(buf)), sizeof(buf));
        assert_int_equal(buf[0], 0xab);
        /* Zeros are known, and cost nothing. */
        assert_int_equal(core_memory_read(&c, HEAP + 0x100000 + PAGE, buf, sizeof(buf)), sizeof(buf));
        assert_int_equal(buf[63], 0);
        /* The heap and the stack (no guard below it: not known for a
         * stack, read whole); nothing of the zeros. */
        assert_int_equal(c.buffered, 4 * PAGE + 16 * PAGE);
        assert_int_equal(core_memory_read(&c, STACK + 8 * PAGE + 64, buf, 1), 1);
        assert_int_equal(buf[0], 0x5c);
        assert_false(c.budget_hit);
        assert_false(c.truncated);
        assert_true(core_dumped(&c, HEAP));
        assert_false(core_dumped(&c, HEAP + 4 * PAGE));
        core_free(&c);
        free(b.data);
}

static void test_stack_before_full_buffer(void **state) {
        /* 4 MiB of heap first, then the stack: with a 1 MiB buffer the
         * heap fills it, and the stack (which comes last) is kept all the
         * same. */
        const struct seg segs[] = {
                { HEAP, 1024 * PAGE, 1024 * PAGE, PF_R | PF_W, 0x11 },
                { STACK, 16 * PAGE, 16 * PAGE, PF_R | PF_W, 0x22 },
        };
        struct built b = make_core(STACK + 4 * PAGE, segs, 2, false);
        struct core_limits l = limits();
        struct core c;
        uint8_t x;

        (void) state;
        l.buffer_max = 1u << 20;
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_true(c.budget_hit);
        assert_true(c.buffered <= l.buffer_max);
        assert_int_equal(core_memory_read(&c, STACK + 4 * PAGE, &x, 1), 1);
        assert_int_equal(x, 0x22);
        assert_int_equal(core_memory_read(&c, STACK + 16 * PAGE - 1, &x, 1), 1);
        /* The heap's start is in, its end is not. */
        assert_int_equal(core_memory_read(&c, HEAP, &x, 1), 1);
        assert_int_equal(core_memory_read(&c, HEAP + 1024 * PAGE - 1, &x, 1), 0);
        core_free(&c);
        free(b.data);
}

static void test_dead_below_sp(void **state) {
        /* A thread's stack with its guard right below: below SP is passed
         * over; the same segment without a guard (a heap block a signal
         * handler's alternate stack is in) is read whole. */
        const struct seg guarded[] = {
                { STACK - PAGE, PAGE, 0, 0, 0 },
                { STACK, 16 * PAGE, 16 * PAGE, PF_R | PF_W, 0x33 },
        };
        const struct seg bare[] = {
                { STACK, 16 * PAGE, 16 * PAGE, PF_R | PF_W, 0x33 },
        };
        struct core_limits l = limits();
        struct built b = make_core(STACK + 12 * PAGE, guarded, 2, false);
        struct core c;
        uint8_t x;

        (void) state;
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_int_equal(core_memory_read(&c, STACK + 12 * PAGE, &x, 1), 1);
        assert_int_equal(core_memory_read(&c, STACK + 2 * PAGE, &x, 1), 0);
        assert_false(c.budget_hit);
        core_free(&c);
        free(b.data);

        b = make_core(STACK + 12 * PAGE, bare, 1, false);
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_int_equal(core_memory_read(&c, STACK + 2 * PAGE, &x, 1), 1);
        assert_int_equal(x, 0x33);
        core_free(&c);
        free(b.data);
}

static void test_pn_xnum(void **state) {
        const struct seg segs[] = {
                { HEAP, 2 * PAGE, 2 * PAGE, PF_R | PF_W, 0x44 },
                { STACK, 4 * PAGE, 4 * PAGE, PF_R | PF_W, 0x55 },
        };
        struct built b = make_core(STACK + PAGE, segs, 2, true);
        struct core_limits l = limits();
        struct core c;
        uint8_t x;

        (void) state;
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_int_equal(c.n_segs, 2);
        assert_int_equal(core_memory_read(&c, HEAP + 1, &x, 1), 1);
        assert_int_equal(x, 0x44);
        core_free(&c);
        free(b.data);
}

static void test_cut_short(void **state) {
        const struct seg segs[] = {
                { HEAP, 4 * PAGE, 4 * PAGE, PF_R | PF_W, 0x66 },
                { STACK, 4 * PAGE, 4 * PAGE, PF_R | PF_W, 0x77 },
        };
        struct built b = make_core(STACK + PAGE, segs, 2, false);
        struct core_limits l = limits();
        struct core c;
        uint8_t x;

        (void) state;
        b.size -= 6 * PAGE;             /* in the heap's third page */
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_true(c.truncated);
        assert_int_equal(c.n_threads, 1);
        assert_int_equal(core_memory_read(&c, HEAP, &x, 1), 1);
        assert_int_equal(core_memory_read(&c, STACK + PAGE, &x, 1), 0);
        core_free(&c);
        /* In the notes: no thread, an error. */
        b.size = 200;
        assert_true(read_core(&b, SIZE_MAX, &l, &c) < 0);
        core_free(&c);
        free(b.data);
}

static void test_segment_behind(void **state) {
        const struct seg segs[] = {
                { HEAP, PAGE, PAGE, PF_R | PF_W, 0x12 },
                { STACK, 4 * PAGE, 4 * PAGE, PF_R | PF_W, 0x34 },
        };
        struct built b = make_core(STACK + PAGE, segs, 2, false);
        struct core_limits l = limits();
        Elf64_Phdr ph;
        struct core c;
        uint8_t x;

        (void) state;
        /* The heap's bytes "at" offset 64: behind what the reader passed. */
        memcpy(&ph, b.data + 64 + 56, sizeof(ph));
        ph.p_offset = 64;
        memcpy(b.data + 64 + 56, &ph, sizeof(ph));
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_true(c.budget_hit);
        assert_int_equal(core_memory_read(&c, HEAP, &x, 1), 0);
        assert_int_equal(core_memory_read(&c, STACK + PAGE, &x, 1), 1);
        core_free(&c);
        free(b.data);
}

static void test_deadline(void **state) {
        const struct seg segs[] = {
                { HEAP, 2048 * PAGE, 2048 * PAGE, PF_R | PF_W, 0x9 },
        };
        struct built b = make_core(HEAP + PAGE, segs, 1, false);
        struct core_limits l = limits();
        struct core c;

        (void) state;
        l.deadline_ns = 1;              /* long past */
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &c), 0);
        assert_true(c.timed_out);
        assert_true(c.buffered < 2048 * PAGE);
        core_free(&c);
        free(b.data);
}

static void test_byte_by_byte(void **state) {
        const struct seg segs[] = {
                { HEAP, 3 * PAGE, 3 * PAGE, PF_R | PF_W, 0xa5 },
                { STACK, 8 * PAGE, 8 * PAGE, PF_R | PF_W, 0x5a },
        };
        struct built b = make_core(STACK + 2 * PAGE + 8, segs, 2, false);
        struct core_limits l = limits();
        struct core one, all;

        (void) state;
        assert_int_equal(read_core(&b, 1, &l, &one), 0);
        assert_int_equal(read_core(&b, SIZE_MAX, &l, &all), 0);
        assert_int_equal(one.n_ext, all.n_ext);
        assert_int_equal(one.buffered, all.buffered);
        for (size_t i = 0; i < one.n_ext; i++) {
                assert_int_equal(one.ext[i].start, all.ext[i].start);
                assert_int_equal(one.ext[i].end, all.ext[i].end);
                assert_int_equal(!one.ext[i].data, !all.ext[i].data);
                if (one.ext[i].data)
                        assert_memory_equal(one.ext[i].data, all.ext[i].data, one.ext[i].end - one.ext[i].start);
        }
        core_free(&one);
        core_free(&all);
        free(b.data);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pages),
                cmocka_unit_test(test_stack_before_full_buffer),
                cmocka_unit_test(test_dead_below_sp),
                cmocka_unit_test(test_pn_xnum),
                cmocka_unit_test(test_cut_short),
                cmocka_unit_test(test_segment_behind),
                cmocka_unit_test(test_deadline),
                cmocka_unit_test(test_byte_by_byte),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
