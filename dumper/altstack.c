/* SPDX-License-Identifier: MIT */
/* dumper/altstack.c: an alternate signal stack for every thread, so that a
 * stack overflow, which leaves no room on the thread's own stack, still
 * runs the handler. sigaltstack is per thread: the main thread gets one at
 * load (kept for the life of the process), every other thread when it
 * starts, freed when it ends (preload.c wraps pthread_create). A stack the program or its runtime installed (Go, Rust,
 * ART) is never replaced. Not on the crash path. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dumper.h"

#define GUARD 4096

DUMPER_LOAD_TIME static size_t altstack_size(void) {
        /* 64 KiB, or 4x what the kernel says a signal frame needs with this
         * CPU's extended state (AVX-512 and AMX make it large). */
        size_t size = 64 * 1024, min = getauxval(AT_MINSIGSTKSZ);

        if (min && 4 * min > size)
                size = (4 * min + 4095) & ~(size_t) 4095;
        return size;
}

void dumper_altstack_free(void *p) {
        stack_t ss = { .ss_flags = SS_DISABLE }, cur;

        if (!p)
                return;
        /* Only if it is still ours: the program may have replaced it. */
        if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == p)
                (void) sigaltstack(&ss, NULL);
        (void) munmap((uint8_t *) p - GUARD, altstack_size() + GUARD);
}

DUMPER_LOAD_TIME void *dumper_altstack_install(void) {
        stack_t cur, ss;
        size_t size = altstack_size();
        uint8_t *p;

        if (sigaltstack(NULL, &cur) < 0)
                return NULL;
        if (!(cur.ss_flags & SS_DISABLE))
                return NULL;    /* someone else's: keep it */
        /* A guard page below, so an overflow of the handler itself faults
         * instead of running into other memory. */
        p = mmap(NULL, size + GUARD, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (p == MAP_FAILED)
                return NULL;
        (void) mprotect(p, GUARD, PROT_NONE);
        ss.ss_sp = p + GUARD;
        ss.ss_size = size;
        ss.ss_flags = 0;
        if (sigaltstack(&ss, NULL) < 0) {
                munmap(p, size + GUARD);
                return NULL;
        }
        return ss.ss_sp;
}
