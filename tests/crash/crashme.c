/* SPDX-License-Identifier: MIT */
/* tests/crash/crashme.c: one way to die per mode, for run-crash.py.
 *
 * Built with -O0 -g -fno-omit-frame-pointer so that every named function
 * below is a real frame that Breakpad's minidump_stackwalk and our own
 * symbolicator must find. Before it dies, a mode prints what the runner
 * needs to check the dump ("pid=", "tid=", "addr=") on stdout, flushed, one
 * fact per line. The runner also runs every mode without the dumper and
 * compares the wait status: the dumper must not change how a program dies. */
#undef NDEBUG
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashdump.h"

#define NOINLINE __attribute__((noinline))

/* A pid that cannot exist (above PID_MAX_LIMIT): getpgid() on it is
 * harmless without the filter, and nothing else calls getpgid() with it,
 * so the seccomp trap below cannot fire inside the dumper. */
#define SYS_MODE_MAGIC_PID 0x7ffff00d

/* Keeps the compiler from proving a store dead or a pointer NULL. */
static int *volatile null_ptr;
static volatile int zero;
static volatile unsigned long sink;
static volatile unsigned long never = ~0UL; /* stops the recursion in theory only */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
        va_list ap;

        /* One line at a time: two threads that crash together (mode
         * threads) must not interleave their "crasher-tid=" lines. */
        flockfile(stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        funlockfile(stdout);
}

static void say_ids(void) {
        say("pid=%ld", (long) getpid());
        say("tid=%ld", (long) syscall(SYS_gettid));
}

/* ---- segv: a NULL write 4 frames below main ---------------------------- */

NOINLINE static void level4(int *p) {
        *p = 42;
}

NOINLINE static void level3(int *p) {
        level4(p);
        sink++;
}

NOINLINE static void level2(int *p) {
        level3(p);
        sink++;
}

NOINLINE static void level1(int *p) {
        level2(p);
        sink++;
}

static int mode_segv(void) {
        say_ids();
        say("addr=0x0");
        level1(null_ptr);
        return 1;
}

/* ---- bus: a page of a file that shrank under the mapping ---------------- */

NOINLINE static void bus_touch(volatile char *page) {
        page[0] = 1;
}

static int mode_bus(void) {
        long pagesz = sysconf(_SC_PAGESIZE);
        int fd = memfd_create("crashme-bus", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, pagesz) < 0) {
                perror("memfd");
                return 2;
        }
        char *page = mmap(NULL, (size_t) pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (page == MAP_FAILED) {
                perror("mmap");
                return 2;
        }
        if (ftruncate(fd, 0) < 0) {
                perror("ftruncate");
                return 2;
        }
        say_ids();
        say("addr=%p", (void *) page);
        bus_touch(page);
        return 1;
}

/* ---- fpe, ill, trap ------------------------------------------------------ */

NOINLINE static int divide(int a, int b) {
        return a / b;
}

static int mode_fpe(void) {
        say_ids();
        sink = (unsigned long) divide(1, zero);
        return 1;
}

NOINLINE static void illegal(void) {
        __builtin_trap();
}

static int mode_ill(void) {
        say_ids();
        illegal();
        return 1;
}

NOINLINE static void breakpoint(void) {
        __asm__ volatile("int3");
        /* Only reached if SIGTRAP was ignored: int3 is a trap, the kernel
         * reports the address after it and a handler that returns goes on. */
        sink++;
}

static int mode_trap(void) {
        say_ids();
        breakpoint();
        say("survived int3");
        return 1;
}

/* ---- abrt, assert -------------------------------------------------------- */

NOINLINE static void abort_here(void) {
        abort();
}

static int mode_abrt(void) {
        say_ids();
        abort_here();
        return 1;
}

NOINLINE static void assert_here(int value) {
        assert(value == 42);
}

static int mode_assert(void) {
        say_ids();
        assert_here(zero);
        return 1;
}

/* ---- sys: SECCOMP_RET_TRAP on getpgid(SYS_MODE_MAGIC_PID) ---------------- */

static int install_filter(const struct sock_filter *insns, unsigned short n) {
        struct sock_fprog prog = {.len = n, .filter = (struct sock_filter *) insns};

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return -errno;
        return 0;
}

/* The syscall instruction is inline so that the faulting pc is in this
 * program, not in libc's syscall() wrapper. */
NOINLINE static long trapped_syscall(void) {
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"((long) SYS_getpgid), "D"((long) SYS_MODE_MAGIC_PID)
                         : "rcx", "r11", "memory");
        return ret;
}

static int mode_sys(void) {
        static const struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgid, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_MODE_MAGIC_PID, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        int r = install_filter(filter, sizeof(filter) / sizeof(filter[0]));
        if (r < 0) {
                fprintf(stderr, "seccomp: %s\n", strerror(-r));
                return 2;
        }
        say_ids();
        sink = (unsigned long) trapped_syscall();
        return 1;
}

/* ---- threads: two of four workers fault at the same moment --------------- */

static pthread_barrier_t start_line;

NOINLINE static void crash_together(int *p) {
        *p = 7;
}

static void *crasher_main(void *arg) {
        char name[16];

        snprintf(name, sizeof(name), "crasher-%d", (int) (intptr_t) arg);
        pthread_setname_np(pthread_self(), name);
        say("crasher-tid=%ld", (long) syscall(SYS_gettid));
        pthread_barrier_wait(&start_line);
        crash_together(null_ptr);
        return NULL;
}

static void *idler_main(void *arg) {
        char name[16];

        snprintf(name, sizeof(name), "idler-%d", (int) (intptr_t) arg);
        pthread_setname_np(pthread_self(), name);
        pthread_barrier_wait(&start_line);
        for (;;)
                pause();
        return NULL;
}

/* blocked: the idlers block every signal (as signalfd programs do), so
 * the dumper can't park them and stops them with ptrace instead. */
static void *blocked_idler_main(void *arg) {
        sigset_t all;

        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
        return idler_main(arg);
}

static int mode_blocked(void) {
        pthread_t t[3];

        say_ids();
        pthread_barrier_init(&start_line, NULL, 3);
        for (int i = 0; i < 2; i++)
                if (pthread_create(&t[i], NULL, blocked_idler_main, (void *) (intptr_t) (i + 2)) != 0)
                        return 2;
        pthread_barrier_wait(&start_line);
        crash_together(null_ptr);
        return 1;
}

/* rt-signal: the program raises the dumper's parking signal itself, with
 * no handler: it must die of it, as it would without the dumper. */
static int mode_rt_signal(void) {
        say_ids();
        raise(SIGRTMAX - 3);
        return 1;
}

static int mode_threads(void) {
        pthread_t t[4];

        say_ids();
        pthread_barrier_init(&start_line, NULL, 4);
        for (int i = 0; i < 4; i++)
                if (pthread_create(&t[i], NULL, i < 2 ? crasher_main : idler_main,
                                   (void *) (intptr_t) i) != 0)
                        return 2;
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        return 1;
}

/* ---- overflow, thread-overflow ------------------------------------------- */

NOINLINE static unsigned long recurse(unsigned long depth) {
        volatile char pad[256];

        pad[0] = (char) depth;
        if (depth == never)
                return 0;
        /* Used after the call, so it is not a tail call even if optimized. */
        return recurse(depth + 1) + pad[0];
}

static int mode_overflow(void) {
        say_ids();
        sink = recurse(0);
        return 1;
}

static void *overflow_main(void *arg) {
        pthread_setname_np(pthread_self(), "overflower");
        say("crasher-tid=%ld", (long) syscall(SYS_gettid));
        sink = recurse(0);
        return arg;
}

static int mode_thread_overflow(void) {
        pthread_t t;

        say_ids();
        if (pthread_create(&t, NULL, overflow_main, NULL) != 0)
                return 2;
        pthread_join(t, NULL);
        return 1;
}

/* ---- kill: the runner sends SIGSEGV from outside ------------------------- */

static int mode_kill(void) {
        say_ids();
        say("ready");
        for (int i = 0; i < 600; i++)
                sleep(1);
        return 1;
}

/* ---- handler: the program's own SA_SIGINFO handler exits 42 -------------- */

static void exit42(int sig, siginfo_t *si, void *uc) {
        static const char line[] = "handler: caught SIGSEGV, exiting 42\n";

        (void) sig;
        (void) si;
        (void) uc;
        if (write(STDOUT_FILENO, line, sizeof(line) - 1) < 0)
                _exit(43);
        _exit(42);
}

static int mode_handler(void) {
        struct sigaction sa = {.sa_sigaction = exit42, .sa_flags = SA_SIGINFO};

        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, NULL) < 0)
                return 2;
        say_ids();
        level1(null_ptr);
        return 1;
}

/* ---- handler-signal: signal(), count, back to SIG_DFL, fault again ------- */

static volatile sig_atomic_t segv_count;

static void count_and_rearm(int sig) {
        static const char line[] = "handler-signal: caught SIGSEGV once\n";

        segv_count++;
        if (write(STDOUT_FILENO, line, sizeof(line) - 1) < 0)
                segv_count += 100;
        signal(sig, SIG_DFL);
        /* Returning re-executes the store, which now kills the process. */
}

static int mode_handler_signal(void) {
        if (signal(SIGSEGV, count_and_rearm) == SIG_ERR)
                return 2;
        say_ids();
        level1(null_ptr);
        return 1;
}

/* ---- forkexec: the dump must be the child's ------------------------------ */

static int mode_forkexec(void) {
        int status;
        pid_t child;

        char self[4096];
        ssize_t n;

        /* The real path, not /proc/self/exe: the kernel names the process
         * (comm, and so the dump file) after the file that was exec'd. */
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0)
                return 2;
        self[n] = '\0';
        say("parent-pid=%ld", (long) getpid());
        child = fork();
        if (child < 0)
                return 2;
        if (child == 0) {
                char *argv[] = {"crashme", "segv", NULL};
                execv(self, argv);
                _exit(127);
        }
        say("child-pid=%ld", (long) child);
        if (waitpid(child, &status, 0) != child)
                return 2;
        say("child-status=0x%x", (unsigned) status);
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? 0 : 1;
}

/* ---- requested: crashdump_write_dump() if the dumper is loaded ----------- */

/* Looked up, not linked: the same program runs without the dumper. The
 * types come from the public header, so a changed signature fails here. */
static int mode_requested(void) {
        __typeof__(crashdump_set_tag) *set_tag = (__typeof__(set_tag)) dlsym(RTLD_DEFAULT, "crashdump_set_tag");
        __typeof__(crashdump_breadcrumb) *breadcrumb = (__typeof__(breadcrumb)) dlsym(RTLD_DEFAULT, "crashdump_breadcrumb");
        __typeof__(crashdump_write_dump) *write_dump = (__typeof__(write_dump)) dlsym(RTLD_DEFAULT, "crashdump_write_dump");

        say_ids();
        if (!write_dump) {
                say("no dumper");
                return 0;
        }
        if (set_tag)
                say("set_tag=%d", set_tag("case", "requested"));
        if (breadcrumb)
                breadcrumb(CRASHDUMP_INFO, "about to write a dump");
        say("write_dump=%d", write_dump());
        say("still alive");
        return 0;
}

/* ---- ptrace-denied: seccomp makes ptrace() fail with EPERM --------------- */

static void *sleeper_main(void *arg) {
        for (;;)
                pause();
        return arg;
}

static int mode_ptrace_denied(void) {
        static const struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        pthread_t t[2];
        int r;

        /* Before the threads, so that all three (and the dumper's child,
         * which inherits the filter) run under it. */
        r = install_filter(filter, sizeof(filter) / sizeof(filter[0]));
        if (r < 0) {
                fprintf(stderr, "seccomp: %s\n", strerror(-r));
                return 2;
        }
        /* Without the filter this would fail with ESRCH (we are not our
         * own tracer); EPERM shows the filter works. */
        errno = 0;
        syscall(SYS_ptrace, PTRACE_PEEKDATA, (long) getpid(), 0L, 0L);
        say("ptrace=%s", errno == EPERM ? "EPERM" : strerror(errno));
        for (int i = 0; i < 2; i++)
                if (pthread_create(&t[i], NULL, sleeper_main, NULL) != 0)
                        return 2;
        say_ids();
        level1(null_ptr);
        return 1;
}

/* -------------------------------------------------------------------------- */

static const struct {
        const char *name;
        int (*run)(void);
} modes[] = {
        {"segv", mode_segv},
        {"bus", mode_bus},
        {"fpe", mode_fpe},
        {"ill", mode_ill},
        {"abrt", mode_abrt},
        {"trap", mode_trap},
        {"sys", mode_sys},
        {"assert", mode_assert},
        {"threads", mode_threads},
        {"blocked", mode_blocked},
        {"rt-signal", mode_rt_signal},
        {"overflow", mode_overflow},
        {"thread-overflow", mode_thread_overflow},
        {"kill", mode_kill},
        {"handler", mode_handler},
        {"handler-signal", mode_handler_signal},
        {"forkexec", mode_forkexec},
        {"requested", mode_requested},
        {"ptrace-denied", mode_ptrace_denied},
};

int main(int argc, char **argv) {
        if (argc == 2)
                for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
                        if (strcmp(argv[1], modes[i].name) == 0)
                                return modes[i].run();

        fprintf(stderr, "usage: %s MODE\nmodes:", argv[0]);
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
                fprintf(stderr, " %s", modes[i].name);
        fputc('\n', stderr);
        return 2;
}
