/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-export.c: any bytes through the dump reader, then what
 * parses through the core writer (tools/core-export.c) into a memfd, whose
 * ELF header, program headers and size must then agree with each other. A
 * dump from any user is hostile; the writer must neither crash nor write a
 * core its own headers contradict. */
#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core-export.h"
#include "reader-internal.h"

/* As fuzz-dump.c: small runs. */
#define FUZZ_MAX_SIZE (UINT64_C(16) << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_core(int fd) {
        Elf64_Ehdr h;
        struct stat st;
        uint64_t phnum, end;

        if (fstat(fd, &st) < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t) sizeof(h))
                __builtin_trap();
        if (memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 || h.e_type != ET_CORE || h.e_machine != EM_X86_64)
                __builtin_trap();
        phnum = h.e_phnum;
        if (h.e_phnum == PN_XNUM) {
                Elf64_Shdr sh;

                if (pread(fd, &sh, sizeof(sh), (off_t) h.e_shoff) != (ssize_t) sizeof(sh))
                        __builtin_trap();
                phnum = sh.sh_info;
        }
        end = h.e_phoff + phnum * sizeof(Elf64_Phdr);
        for (uint64_t i = 0; i < phnum; i++) {
                Elf64_Phdr ph;

                if (pread(fd, &ph, sizeof(ph), (off_t) (h.e_phoff + i * sizeof(ph))) != (ssize_t) sizeof(ph))
                        __builtin_trap();
                /* Every segment within the file; loads hold their bytes. */
                if (ph.p_offset + ph.p_filesz > (uint64_t) st.st_size ||
                    (ph.p_type == PT_LOAD && ph.p_filesz != ph.p_memsz) || (i == 0) != (ph.p_type == PT_NOTE))
                        __builtin_trap();
                if (ph.p_offset + ph.p_filesz > end)
                        end = ph.p_offset + ph.p_filesz;
        }
        if (h.e_shoff)
                end = h.e_shoff + sizeof(Elf64_Shdr);
        if (end != (uint64_t) st.st_size)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct proto_dump *d = NULL;
        char err[256];
        int fd, r;

        if (proto_dump_parse_max(data, size, FUZZ_MAX_SIZE, &d, err, sizeof(err)) < 0)
                return 0;
        fd = memfd_create("fuzz-export", MFD_CLOEXEC);
        if (fd < 0) {
                proto_dump_free(d);
                return 0;
        }
        r = core_export_write(d, fd, err, sizeof(err));
        /* The contract: 0, or an error with a one-line reason. */
        if (r < 0 && (!err[0] || memchr(err, '\n', strnlen(err, sizeof(err)))))
                __builtin_trap();
        if (r >= 0)
                check_core(fd);
        (void) close(fd);
        proto_dump_free(d);
        return 0;
}
