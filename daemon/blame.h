/* SPDX-License-Identifier: MIT */
/* daemon/blame.h: which dump killed crashd, if one did. The attempts
 * count (store.c) says which dumps were with the workers when crashd died;
 * this says whether the death was one of theirs. A worker that faults
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS) writes the name of
 * its dump to state/blame from the signal handler, and a worker stuck past
 * the watchdog has the loop write it; the next start reads and removes the
 * file. A death with no blame (SIGKILL, OOM, power loss, a fault outside
 * the workers) is no dump's fault: the dumps in flight are absolved of
 * that attempt (pipeline.c counts such deaths apart, under a higher cap,
 * so that a dump that gets crashd OOM-killed still ends in bad/). */
#pragma once

#include <stddef.h>

/* Installs the fault handlers (once, before the workers start); state_fd
 * must stay open for crashd's life. */
int blame_setup(int state_fd);
/* The calling worker's dump (NULL: none); name must stay valid meanwhile. */
void blame_set_current(const char *name);
/* Gives the calling thread stack (size bytes, which must outlive the
 * thread) as its alternate signal stack, so that a stack overflow in it
 * still reaches the handler. */
#define BLAME_ALT_STACK_SIZE (64 * 1024)
int blame_thread_init(void *stack, size_t size);
/* Before the thread ends: the stack is the caller's to free (and ASan,
 * which unmaps the alternate stack of an ending thread, must not try). */
void blame_thread_fini(void);
/* The loop's word: name is hung (the watchdog is withheld for it). */
void blame_write(const char *name);
/* At start: the blamed name into buf ("" if none), and the file removed. */
void blame_take(char *buf, size_t size);
