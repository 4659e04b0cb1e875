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
        /* The environment as it was at load, copied (preload.c env_copy:
         * a program may overwrite its environment strings to set its
         * process title); paths are made from these in the dumper's child
         * (output.c). NULL when unset. */
        const char *dump_dir;           /* CRASHD_DUMP_DIR */
        const char *socket_path;        /* CRASHD_SOCKET; "" turns notices off */
        const char *xdg_state_home;     /* XDG_STATE_HOME */
        const char *home;               /* HOME */
        bool capture_env;               /* CRASHD_CAPTURE_ENV=1 */
        bool disabled;                  /* CRASHD_DISABLE=1 */
        int timeout_ms;                 /* CRASHD_TIMEOUT_MS, default 5000 */
        bool wait_for_file;             /* CRASHD_WAIT=1: exit only once the dump is in place */
        bool park;                      /* CRASHD_PARK (default 1): park threads with a signal */
        size_t stack_crashed_max;       /* bytes of the crashing thread's stack */
        size_t stack_other_max;         /* bytes of every other thread's stack */
        size_t indirect_max;            /* bytes of memory that pointers lead to */
        size_t globals_max;             /* bytes of the executable's writable segments */
        size_t lib_globals_max;         /* bytes of the libraries' writable segments */
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
        bool may_park;                  /* fatal with the default action: park.c may be used */
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

/* Parking (park.c): before a fatal dump, every other thread is sent a
 * signal whose handler saves its registers here and waits; the dumper's
 * fork then holds all threads' registers and memory as of one moment, and
 * needs nothing more from the dying process. Up to DUMPER_PARK_MAX threads;
 * more, or a thread that does not answer in time, and the dumper stops
 * threads with ptrace instead. */
#define DUMPER_PARK_MAX 64
#define DUMPER_PARK_XSTATE_MAX 4096     /* AVX-512's 2.7 KiB fits; AMX tiles are cut */

struct dumper_parked {
        pid_t tid;
        char name[16];
        uint64_t fs_base, gs_base;
        ucontext_t uc;
        uint32_t xstate_size;
        uint8_t xstate[DUMPER_PARK_XSTATE_MAX] __attribute__((aligned(64)));
};

struct dumper_park {
        _Atomic uint32_t next;          /* the next free slot */
        _Atomic uint32_t parked;        /* slots filled */
        _Atomic uint32_t release;       /* 1: parked threads go on (the dump went another way) */
        _Atomic uint32_t asking;        /* 1: park_all() is sending: the signal is ours */
        _Atomic uint32_t sent;          /* 1: park_all() sent signals that may still arrive
                                           after it gave up: those are ours too */
        bool active;                    /* this dump takes its threads from the slots */
        uint32_t n;                     /* threads asked to park */
        struct dumper_parked slot[DUMPER_PARK_MAX];
        /* /proc files that describe the process, not its memory: the fork
         * has its own, so they are read before it. */
        char status[16384];
        ssize_t status_len;
        char stat[4096];
        ssize_t stat_len;
        char *maps;                     /* mapped at the crash; NULL when not read */
        size_t maps_len;
};

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

        int park_signal;                /* 0: parking off */

        struct dumper_crash crash;
        struct dumper_park park;
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

/* park.c */
int dumper_park_install(void);
/* Parks every other thread; true when all did (then dumper_rt.park.active). */
bool dumper_park_all(void);
/* Lets parked threads go on, after a dump that did not use them. */
void dumper_park_release(void);
bool dumper_is_park_signal(int sig);
/* The program sets a handler for the park signal: parking stops. */
void dumper_park_give_up(void);

/* capture.c: the forked child's entry point; never returns to the caller. */
int dumper_child_main(void *arg);
/* The same dump written by the crashing thread itself, when no child may
 * be made (seccomp): only the crashing thread's registers unless the
 * others are parked, no ptrace, no deadline. 0 when the file is in place. */
int dumper_capture_in_process(void *arg);

/* seccomp.c: what a seccomp sandbox leaves the crash path. */
void dumper_seccomp_load(void);
/* The interposed prctl()/syscall() saw a mode set (SECCOMP_MODE_*). */
void dumper_seccomp_installed(unsigned long mode);
unsigned long dumper_seccomp_mode_of_op(unsigned long op);
/* The calling thread is in strict mode: no system call but read, write,
 * exit and rt_sigreturn. Memory only. */
bool dumper_seccomp_thread_strict(void);
/* A filter is (or may be) installed: make no child. Crash path. */
bool dumper_seccomp_no_child(void);
/* The mode in a /proc status text: 0, 1 strict, 2 filter (tests). */
int dumper_seccomp_status_mode(const char *s, size_t n);

/* altstack.c: returns the stack it installed (NULL if it kept the
 * thread's own or failed), for dumper_altstack_free() at thread exit. */
void *dumper_altstack_install(void);
void dumper_altstack_free(void *stack);
