/* SPDX-License-Identifier: MIT */
/* tools/core-export.h: an ELF core file (ET_CORE, x86-64, as the Linux
 * kernel writes them) from a dump, so that gdb and lldb open the crash
 * with the program: every thread's registers (the crashing thread first)
 * with its FPU and XSAVE state, the process, the siginfo, auxv, the files
 * mapped, and the memory the dump holds. Memory it does not hold gets no
 * segment, so that debuggers say they cannot read it rather than show
 * zeros; the program's code and read-only data are read from its files,
 * which NT_FILE names. tools/README.md says what is in the core and what
 * is left out. */
#pragma once

#include <stddef.h>

#include "reader.h"

/* Writes the core of d to out_fd from its current position, sequentially
 * with write() (a pipe will do), in pieces: nothing the size of the core
 * is held in memory. Returns 0, or a negative errno with a one-line reason
 * in err (errlen > 0): -ENODATA a dump without threads, -EPROTONOSUPPORT
 * not an x86-64 dump, -E2BIG a core past what ELF can say, -ENOMEM, or
 * write()'s error. On failure part of the core may have been written. */
int core_export_write(const struct proto_dump *d, int out_fd, char *err, size_t errlen);
