/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-printers.c: the standard library printers over hostile
 * memory. The module is fixed (printers-module.cc, built with the tests:
 * libstdc++ containers in main's frame) and mapped where a process without
 * ASLR has it; the input is the dump's memory: a header of three words
 * (the stack's address, the heap's, main's rbp), then 16 KiB of stack
 * that main's locals live in, then heap (up to 48 KiB), where the
 * containers' pointers may lead. Seeds come from a real crash of the
 * module (printers/make-seeds.py).
 * So every printer meets sizes that do not fit, links that cycle or
 * leave the dump, strings longer than their buffers. Nothing is asserted
 * beyond "no crash, no hang, no leak" and a bounded report. */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolicate.h"

#define STACK_SIZE 16384u
#define HEADER 24u
#define PIE_BASE UINT64_C(0x555555554000)

static FILE *devnull;
static struct proto_module module;
static uint64_t main_pc;
static bool ready;

/* The module's layout and main's middle, once. */
static int setup(void) {
        GElf_Ehdr eh;
        Elf_Scn *scn = NULL;
        Elf *e;
        const void *id;
        ssize_t k;
        size_t n;
        uint64_t lo = UINT64_MAX, hi = 0;
        int fd;

        if (ready)
                return 0;
        unsetenv("DEBUGINFOD_URLS");
        devnull = getenv("FUZZ_SYMBOLICATE_PRINT") ? stdout : fopen("/dev/null", "we");
        elf_version(EV_CURRENT);
        fd = open(PRINTERS_MODULE, O_RDONLY | O_CLOEXEC);
        if (!devnull || fd < 0 || !(e = elf_begin(fd, ELF_C_READ, NULL)))
                return -1;
        if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &n) != 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                GElf_Phdr ph;

                if (gelf_getphdr(e, (int) i, &ph) && ph.p_type == PT_LOAD) {
                        lo = ph.p_vaddr < lo ? ph.p_vaddr : lo;
                        hi = ph.p_vaddr + ph.p_memsz > hi ? ph.p_vaddr + ph.p_memsz : hi;
                }
        }
        module.base = PIE_BASE;
        module.size = hi - (lo & ~UINT64_C(4095));
        module.name = PRINTERS_MODULE;
        k = dwelf_elf_gnu_build_id(e, &id);
        if (k > 0 && (size_t) k <= PROTO_BUILD_ID_MAX) {
                memcpy(module.build_id, id, (size_t) k);
                module.build_id_size = (size_t) k;
        }
        while ((scn = elf_nextscn(e, scn)) && !main_pc) {
                GElf_Shdr sh;
                Elf_Data *d;

                if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
                        continue;
                for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
                        GElf_Sym s;
                        const char *name;

                        if (gelf_getsym(d, (int) i, &s) && GELF_ST_TYPE(s.st_info) == STT_FUNC &&
                            (name = elf_strptr(e, sh.sh_link, s.st_name)) && strcmp(name, "main") == 0) {
                                /* Past the prologue and the constructors:
                                 * every local is in scope. */
                                main_pc = PIE_BASE - (lo & ~UINT64_C(4095)) + s.st_value + s.st_size * 3 / 4;
                                break;
                        }
                }
        }
        elf_end(e);
        close(fd);
        ready = main_pc != 0;
        return ready ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t stack[STACK_SIZE];
        struct proto_memory_region memory[2];
        struct proto_thread thread;
        struct proto_dump d;
        struct symb_options o = { .no_system_debug = true, .max_frames = 4 };
        struct symb_context *c = NULL;
        struct symb_report *r = NULL;
        uint64_t stack_base, heap_base, rbp;
        size_t n_stack;
        char err[256];

        /* Without its module the target would fuzz nothing and pass:
         * that is a broken build, not a clean run. */
        if (setup() < 0) {
                fprintf(stderr, "fuzz-printers: cannot read its module %s (build fuzz-printers-module)\n",
                        PRINTERS_MODULE);
                abort();
        }
        if (size < HEADER)
                return 0;
        memcpy(&stack_base, data, 8);
        memcpy(&heap_base, data + 8, 8);
        memcpy(&rbp, data + 16, 8);
        data += HEADER;
        size -= HEADER;
        n_stack = size < STACK_SIZE ? size : STACK_SIZE;
        memset(stack, 0, sizeof stack);
        memcpy(stack, data, n_stack);
        /* The regions must not overlap (the reader sorts and drops). */
        if (heap_base < stack_base + STACK_SIZE && heap_base + (size - n_stack) > stack_base)
                heap_base = stack_base + STACK_SIZE;
        memset(&d, 0, sizeof d);
        memset(&thread, 0, sizeof thread);
        /* In address order, as the reader keeps them. */
        memory[0] = (struct proto_memory_region) { stack_base, STACK_SIZE, stack };
        memory[1] = (struct proto_memory_region) { heap_base, size - n_stack, data + n_stack };
        if (size > n_stack && heap_base < stack_base) {
                struct proto_memory_region t = memory[0];

                memory[0] = memory[1];
                memory[1] = t;
        }
        thread.tid = 100;
        thread.has_context = true;
        thread.context.context_flags = MD_CONTEXT_AMD64_FULL;
        thread.context.rip = main_pc;
        thread.context.rsp = stack_base;
        thread.context.rbp = rbp;
        thread.stack = (struct proto_memory_region) { stack_base, STACK_SIZE, stack };
        d.threads = &thread;
        d.n_threads = 1;
        d.memory = memory;
        d.n_memory = size > n_stack ? 2 : 1;
        d.modules = &module;
        d.n_modules = 1;
        d.has_exception = true;
        d.exception.thread_id = 100;
        d.exception.exception_record.exception_code = 11;
        if (symb_context_new(&o, &c) < 0)
                return 0;
        if (symb_symbolicate(c, &d, &r, err, sizeof err) == 0) {
                (void) symb_format_text(devnull, r);
                (void) symb_format_json(devnull, r, NULL);
                symb_report_free(r);
        }
        symb_context_free(c);
        return 0;
}
