/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-symbolicate.c: the symbolicator over a hostile module.
 * The input is a module's ELF file, with DWARF: a user's own binary, as a
 * dump names it (issue 9, point 3). It is written to a file in a private
 * directory and named by a small fixed dump, with its own build-id (read
 * from the input, so mutations of everything else get past the build-id
 * check) and one thread per function symbol (up to four), each stopped in
 * the middle of its function with a stack of made-up words. So libdw and
 * our DWARF walks (scopes, types, abstract origins, specifications,
 * location lists, call sites) run on whatever DWARF the input holds,
 * then the three formatters print the report. Nothing is asserted beyond
 * "no crash, no hang, no leak": a hostile module gives a report with
 * reasons, or an error. */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolicate.h"

#define STACK_BASE UINT64_C(0x7ffd00000000)
#define STACK_SIZE 4096u
#define PIE_BASE UINT64_C(0x555555554000)
#define MAX_THREADS 4

static char module_path[64];
static FILE *devnull;

static char dir[] = "/tmp/fuzz-symbolicate-XXXXXX";

static void cleanup(void) {
        (void) unlink(module_path);
        (void) rmdir(dir);
}

static int setup(void) {
        if (module_path[0])
                return 0;
        if (!mkdtemp(dir))
                return -1;
        snprintf(module_path, sizeof(module_path), "%s/module", dir);
        atexit(cleanup);
        /* Only the file we name: no debuginfod, no system debug files. */
        unsetenv("DEBUGINFOD_URLS");
        /* FUZZ_SYMBOLICATE_PRINT=1: the text report on stdout, to see
         * that a seed really reaches the DWARF. */
        devnull = getenv("FUZZ_SYMBOLICATE_PRINT") ? stdout : fopen("/dev/null", "we");
        elf_version(EV_CURRENT);
        return devnull ? 0 : -1;
}

static int write_module(const uint8_t *data, size_t size) {
        int fd = open(module_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        size_t off = 0;

        if (fd < 0)
                return -1;
        while (off < size) {
                ssize_t k = write(fd, data + off, size - off);

                if (k <= 0) {
                        close(fd);
                        return -1;
                }
                off += (size_t) k;
        }
        return close(fd);
}

/* What the dumper would have recorded for this file: where it is mapped,
 * its build-id, and where its functions are (from .symtab or .dynsym). */
struct layout {
        uint64_t base, size, bias;
        uint8_t build_id[PROTO_BUILD_ID_MAX];
        size_t build_id_size;
        uint64_t pcs[MAX_THREADS];
        size_t n_pcs;
};

static void read_layout(Elf *e, struct layout *l) {
        uint64_t lo = UINT64_MAX, hi = 0;
        const void *id;
        GElf_Ehdr eh;
        Elf_Scn *scn = NULL;
        size_t n;
        ssize_t k;

        memset(l, 0, sizeof(*l));
        if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &n) != 0)
                return;
        for (size_t i = 0; i < n; i++) {
                GElf_Phdr ph;

                if (gelf_getphdr(e, (int) i, &ph) && ph.p_type == PT_LOAD && ph.p_memsz < (UINT64_C(1) << 32)) {
                        if (ph.p_vaddr < lo)
                                lo = ph.p_vaddr;
                        if (ph.p_vaddr + ph.p_memsz > hi)
                                hi = ph.p_vaddr + ph.p_memsz;
                }
        }
        if (lo >= hi || hi - lo > (UINT64_C(1) << 32))
                return;
        lo &= ~UINT64_C(4095);
        l->base = eh.e_type == ET_DYN ? PIE_BASE : lo;
        l->bias = l->base - lo;
        l->size = hi - lo;
        k = dwelf_elf_gnu_build_id(e, &id);
        if (k > 0 && (size_t) k <= PROTO_BUILD_ID_MAX) {
                memcpy(l->build_id, id, (size_t) k);
                l->build_id_size = (size_t) k;
        }
        while ((scn = elf_nextscn(e, scn)) && l->n_pcs < MAX_THREADS) {
                GElf_Shdr sh;
                Elf_Data *d;

                if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
                    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
                        continue;
                for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && l->n_pcs < MAX_THREADS; i++) {
                        GElf_Sym s;

                        if (!gelf_getsym(d, (int) i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
                            s.st_shndx == SHN_UNDEF || s.st_value == 0 ||
                            s.st_value < lo || s.st_value >= hi)
                                continue;
                        l->pcs[l->n_pcs++] = l->bias + s.st_value + s.st_size / 2;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t stack[STACK_SIZE];
        struct proto_thread threads[MAX_THREADS];
        struct proto_memory_region memory[1];
        struct proto_module module;
        struct proto_dump d;
        struct symb_options o = { .no_system_debug = true, .max_frames = 16 };
        struct symb_context *c = NULL;
        struct symb_report *r = NULL;
        struct layout l;
        char err[256], *copy;
        Elf *e;

        if (setup() < 0 || write_module(data, size) < 0)
                return 0;
        copy = malloc(size ? size : 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        e = elf_memory(copy, size);
        if (e)
                read_layout(e, &l);
        else
                memset(&l, 0, sizeof(l));
        if (e)
                elf_end(e);
        free(copy);
        if (l.n_pcs == 0) {
                l.pcs[0] = l.base + 0x1000;     /* no symbols: frame 0 somewhere in it */
                l.n_pcs = 1;
        }

        /* Stack words: small numbers, pointers into the stack and into the
         * module, so locals and pointed-to values read something. */
        for (size_t i = 0; i < STACK_SIZE / 8; i++) {
                uint64_t w = i % 3 == 0 ? STACK_BASE + (i * 40) % STACK_SIZE : i % 3 == 1 ? l.base + i * 64 : i;

                memcpy(stack + i * 8, &w, 8);
        }
        memset(&d, 0, sizeof(d));
        memset(threads, 0, sizeof(threads));
        memory[0] = (struct proto_memory_region) { STACK_BASE, STACK_SIZE, stack };
        module = (struct proto_module) { .base = l.base, .size = l.size ? l.size : 0x10000, .name = module_path };
        memcpy(module.build_id, l.build_id, l.build_id_size);
        module.build_id_size = l.build_id_size;
        for (size_t i = 0; i < l.n_pcs; i++) {
                struct proto_thread *t = &threads[i];

                t->tid = (uint32_t) (100 + i);
                t->has_context = true;
                t->context.context_flags = MD_CONTEXT_AMD64_FULL;
                t->context.rip = l.pcs[i];
                t->context.rsp = STACK_BASE + 0x100;
                t->context.rbp = STACK_BASE + 0x200;
                t->context.rdi = STACK_BASE + 0x300;
                t->context.rsi = 7;
                t->stack = memory[0];
        }
        d.threads = threads;
        d.n_threads = l.n_pcs;
        d.memory = memory;
        d.n_memory = 1;
        d.modules = &module;
        d.n_modules = 1;
        d.has_exception = true;
        d.exception.thread_id = 100;
        d.exception.exception_record.exception_code = 11;
        d.exception.exception_record.exception_flags = 1;

        if (symb_context_new(&o, &c) < 0)
                return 0;
        if (symb_symbolicate(c, &d, &r, err, sizeof(err)) == 0) {
                (void) symb_format_text(devnull, r);
                (void) symb_format_json(devnull, r, symb_default_mask);
                (void) symb_format_sentry(devnull, r, symb_default_mask);
                symb_report_free(r);
        }
        symb_context_free(c);
        return 0;
}
