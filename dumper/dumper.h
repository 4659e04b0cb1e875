/* SPDX-License-Identifier: MIT */
/* dumper/dumper.h: the dumper's internal state, shared by its files.
 * Everything the crash path needs is set up when the library loads:
 * configuration resolved from the environment, the crash context in .bss,
 * the dumper child's stack and zstd workspace mapped, so the crash path
 * itself never allocates. */
#pragma once

#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

#include "crashd-streams.h"

#define DUMPER_XSTATE_MAX (16 * 1024)   /* AMX needs ~11 KiB; AVX-512 2.7 KiB */

/* Code that runs only when the library loads (or at the program's own
 * sigaction/pthread_create calls) goes into one section, next to the
 * constructor: every program we are preloaded into touches fewer pages. */
#define DUMPER_LOAD_TIME __attribute__((section(".text.startup")))

struct dumper_config {
        /* The environment as it was at load, as getenv() returned it (glibc
         * never frees environment strings); paths are made from these in
         * the dumper's child (output.c), so that loading the library
         * touches as little memory as possible. NULL when unset. */
        const char *dump_dir;           /* CRASHD_DUMP_DIR */
        const char *socket_path;        /* CRASHD_SOCKET; "" turns notices off */
        const char *xdg_state_home;     /* XDG_STATE_HOME */
        const char *home;               /* HOME */
        bool capture_env;               /* CRASHD_CAPTURE_ENV=1 */
        bool disabled;                  /* CRASHD_DISABLE=1 */
        int timeout_ms;                 /* CRASHD_TIMEOUT_MS, default 5000 */
        bool wait_for_file;             /* CRASHD_WAIT=1: exit only once the dump is in place */
        size_t stack_crashed_max;       /* bytes of the crashing thread's stack */
        size_t stack_other_max;         /* bytes of every other thread's stack */
        size_t indirect_max;            /* bytes of memory that pointers lead to */
        size_t globals_max;             /* bytes of the executable's .data/.bss */
        size_t dump_max;                /* raw dump size cap */
        int test_fault;                 /* CRASHD_TEST_FAULT: make the dumper fail, for tests */
};

enum {
        DUMPER_TEST_FAULT_NONE,
        DUMPER_TEST_FAULT_CRASH,        /* the dumper's child segfaults */
        DUMPER_TEST_FAULT_HANG,         /* the dumper's child never finishes */
};

/* What the signal handler saw, copied before the child is made. */
struct dumper_crash {
        siginfo_t info;
        ucontext_t uc;
        uint8_t xstate[DUMPER_XSTATE_MAX] __attribute__((aligned(64)));
        uint32_t xstate_size;           /* 0: only the 512-byte fxsave in uc */
        bool has_fpregs;
        pid_t pid, tid;
        bool requested;                 /* crashdump_write_dump(), not a signal */
        uint64_t time_ns;
};

/* A page shared with the dumper child (MAP_SHARED), for the handshake. */
enum {
        DUMPER_DONE_RUNNING = 0,
        DUMPER_DONE_WRITTEN = 1,        /* the dump is in place */
        DUMPER_DONE_FAILED = 2,
        DUMPER_DONE_RELEASED = 3,       /* everything is copied: the process may die */
};

struct dumper_shared {
        _Atomic uint32_t go;            /* parent: ptracer set, start */
        _Atomic uint32_t done;          /* child: DUMPER_DONE_* */
};

#define DUMPER_N_SIGNALS 7

/* What loading the library writes comes first, so that it all lands on one
 * page (dumper_rt is page-aligned); the large crash context after it is
 * untouched until a crash. */
struct dumper_runtime {
        struct dumper_config config;
        struct dumper_shared *shared;   /* mapped at load: the fallback */
        struct dumper_shared *active;   /* the one this dump uses */
        void *child_stack;              /* bottom of the child's stack mapping */
        size_t child_stack_size;
        int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

        /* handler.c: the program's view of each crash signal's disposition,
         * as it set it, with a sequence number per slot so the handler
         * notices a torn read while the program changes it. */
        struct sigaction app_action[DUMPER_N_SIGNALS];
        _Atomic uint32_t app_action_seq[DUMPER_N_SIGNALS];
        _Atomic bool installed[NSIG];

        struct dumper_crash crash;
};

extern struct dumper_runtime dumper_rt;

/* handler.c */
extern const int dumper_signals[];
extern const unsigned dumper_n_signals;
bool dumper_is_crash_signal(int sig);
void dumper_crash_handler(int sig, siginfo_t *info, void *ucontext);
/* The program's own disposition of a crash signal, as it set it. */
void dumper_app_action_get(int sig, struct sigaction *ret);
void dumper_app_action_set(int sig, const struct sigaction *act);
int dumper_install_handlers(void);
/* Makes a dump of the calling process from the crash context in
 * dumper_rt.crash; returns 0 when the file is in place. */
int dumper_run(void);

/* capture.c: the forked child's entry point; never returns to the caller. */
int dumper_child_main(void *arg);

/* altstack.c: returns the stack it installed (NULL if it kept the
 * thread's own or failed), for dumper_altstack_free() at thread exit. */
void *dumper_altstack_install(void);
void dumper_altstack_free(void *stack);
