/* SPDX-License-Identifier: MIT */
/* dumper/preload.c: what runs when libcrashdump.so loads, and the functions
 * it puts in front of libc's. Not on the crash path: this may allocate,
 * read the environment and call dlsym, because it runs before main() or
 * in the program's ordinary calls. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annotations.h"
#include "dumper.h"
#include "safe.h"
#include "writer.h"

#define EXPORT __attribute__((visibility("default")))
#define DUMPER_XSTR(x) #x
#define DUMPER_STR(x) DUMPER_XSTR(x)

extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);

#define CHILD_STACK_SIZE (1024 * 1024)

struct dumper_runtime dumper_rt __attribute__((aligned(4096)));

DUMPER_LOAD_TIME static bool env_true(const char *name) {
        const char *v = getenv(name);

        return v && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

DUMPER_LOAD_TIME static size_t env_size(const char *name, size_t def, size_t min, size_t max) {
        const char *v = getenv(name);
        char *end;
        unsigned long long n;

        if (!v || !*v)
                return def;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || *end || n < min || n > max)
                return def;
        return (size_t) n;
}

/* The value of environment variable name, copied into buf (n bytes):
 * servers that set their process title (redis-server's set-proc-title,
 * nginx, PostgreSQL, sshd) overwrite the argv and environment strings
 * getenv() points into, long before they crash. NULL when unset, or too
 * long for a path. */
DUMPER_LOAD_TIME static const char *env_copy(const char *name, char *buf, size_t n) {
        const char *v = getenv(name);
        size_t len;

        if (!v || (len = strlen(v)) >= n)
                return NULL;
        memcpy(buf, v, len + 1);
        return buf;
}

DUMPER_LOAD_TIME static void load_config(struct dumper_config *c) {
        static char dump_dir[PATH_MAX], socket_path[PATH_MAX], xdg_state_home[PATH_MAX], home[PATH_MAX];
        const char *fault = getenv("CRASHD_TEST_FAULT");

        c->disabled = env_true("CRASHD_DISABLE");
        c->capture_env = env_true("CRASHD_CAPTURE_ENV");
        c->wait_for_file = env_true("CRASHD_WAIT");
        c->park = !getenv("CRASHD_PARK") || env_true("CRASHD_PARK");
        c->timeout_ms = (int) env_size("CRASHD_TIMEOUT_MS", 5000, 10, 600000);
        c->stack_crashed_max = env_size("CRASHD_STACK_MAX", 256 * 1024, 4096, 64 << 20);
        c->stack_other_max = env_size("CRASHD_THREAD_STACK_MAX", 64 * 1024, 1024, 64 << 20);
        c->indirect_max = env_size("CRASHD_HEAP_MAX", 128 * 1024, 0, 64 << 20);
        c->globals_max = env_size("CRASHD_GLOBALS_MAX", 64 * 1024, 0, 64 << 20);
        c->lib_globals_max = env_size("CRASHD_LIB_GLOBALS_MAX", 128 * 1024, 0, 64 << 20);
        c->dump_max = 64 << 20;
        c->dump_dir = env_copy("CRASHD_DUMP_DIR", dump_dir, sizeof dump_dir);
        if (c->dump_dir && !c->dump_dir[0])
                c->dump_dir = NULL;
        c->socket_path = env_copy("CRASHD_SOCKET", socket_path, sizeof socket_path);
        c->xdg_state_home = env_copy("XDG_STATE_HOME", xdg_state_home, sizeof xdg_state_home);
        c->home = env_copy("HOME", home, sizeof home);
        /* Only the tests use this: they prove a failing dumper changes
         * nothing about how the program dies. */
        if (fault && strcmp(fault, "child-crash") == 0)
                c->test_fault = DUMPER_TEST_FAULT_CRASH;
        else if (fault && strcmp(fault, "child-hang") == 0)
                c->test_fault = DUMPER_TEST_FAULT_HANG;
}

DUMPER_LOAD_TIME static void *map_anon(size_t size, int flags) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_ANONYMOUS | MAP_NORESERVE | flags, -1, 0);
        return p == MAP_FAILED ? NULL : p;
}

__attribute__((constructor)) static void dumper_load(void) {
        struct dumper_runtime *rt = &dumper_rt;

        /* glibc exports the real function as __sigaction too (its ABI since
         * 2.2.5): no dlsym lookup needed at every program's start. */
        rt->real_sigaction = __sigaction;
        load_config(&rt->config);
        if (rt->config.disabled)
                return;
        dumper_tags_from_env(getenv("CRASHD_TAGS"));

        /* Mapped now so the crash path never has to: the handshake page is
         * shared with the child (a fallback: each dump maps its own), the
         * child's stack is copied into it by the fork. MAP_NORESERVE pages
         * cost nothing until the child touches them. */
        rt->shared = map_anon(4096, MAP_SHARED);
        rt->child_stack_size = CHILD_STACK_SIZE;
        rt->child_stack = map_anon(CHILD_STACK_SIZE, MAP_PRIVATE | MAP_STACK);
        if (!rt->shared || !rt->child_stack)
                return;

        /* A filter inherited through execve: no dumper child (seccomp.c). */
        dumper_seccomp_load();
        (void) dumper_altstack_install();
        (void) dumper_install_handlers();
        (void) dumper_park_install();
}

/* ---- Interposed libc functions: the program's own signal handlers ---- */

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact) {
        static int (*next)(int, const struct sigaction *, struct sigaction *);

        if (!next)
                next = __sigaction;
        /* The signal we park threads with is the program's if it wants it:
         * then we stop parking (and use ptrace) and step aside. */
        if (dumper_is_park_signal(sig)) {
                int r;

                if (act)
                        dumper_park_give_up();
                r = next(sig, act, oldact);
                if (r == 0 && oldact) {
                        /* What was there is ours, not the program's. */
                        memset(oldact, 0, sizeof(*oldact));
                        oldact->sa_handler = SIG_DFL;
                }
                return r;
        }
        /* For the crash signals our handler stays installed; the program's
         * wish is kept and honoured after the dump (handler.c). */
        if (dumper_is_crash_signal(sig)) {
                if (oldact)
                        dumper_app_action_get(sig, oldact);
                if (act)
                        dumper_app_action_set(sig, act);
                return 0;
        }
        return next(sig, act, oldact);
}

EXPORT sighandler_t signal(int sig, sighandler_t handler) {
        struct sigaction act = { .sa_handler = handler }, old;

        /* glibc's signal() has BSD semantics: restart, no reset, no defer. */
        act.sa_flags = SA_RESTART;
        sigemptyset(&act.sa_mask);
        if (sig > 0 && sig < NSIG)
                sigaddset(&act.sa_mask, sig);
        if (sigaction(sig, &act, &old) < 0)
                return SIG_ERR;
        return old.sa_handler;
}

/* ---- Interposed pthread_create: an alternate signal stack per thread ---- */

struct thread_start {
        void *(*fn)(void *);
        void *arg;
};

static pthread_key_t altstack_key;
static pthread_once_t altstack_key_once = PTHREAD_ONCE_INIT;
static bool altstack_key_ok;

/* Made when the program first starts a thread, not at load: a program
 * that never does pays nothing for it. Its destructor frees the thread's
 * alternate stack on return, pthread_exit() and cancellation alike. */
static void make_altstack_key(void) {
        altstack_key_ok = pthread_key_create(&altstack_key, dumper_altstack_free) == 0;
}

/* optimize-sibling-calls: the call to the thread's own start routine is a
 * jump, so this frame is gone from the thread's stack, and backtraces of
 * its threads look the same with and without the dumper. */
__attribute__((optimize("optimize-sibling-calls")))
static void *thread_trampoline(void *p) {
        void *(*fn)(void *) = ((struct thread_start *) p)->fn;
        void *arg = ((struct thread_start *) p)->arg;
        void *stack;

        free(p);
        stack = dumper_altstack_install();
        if (stack && altstack_key_ok)
                (void) pthread_setspecific(altstack_key, stack);
        return fn(arg);
}

EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg) {
        static int (*next)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
        struct thread_start *s;
        int r;

        if (!next)
                next = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
                        dlsym(RTLD_NEXT, "pthread_create");
        if (!next)
                return EAGAIN;
        if (dumper_rt.config.disabled || !dumper_rt.shared)
                return next(thread, attr, fn, arg);
        (void) pthread_once(&altstack_key_once, make_altstack_key);
        s = malloc(sizeof(*s));
        if (!s)
                return next(thread, attr, fn, arg);
        s->fn = fn;
        s->arg = arg;
        r = next(thread, attr, thread_trampoline, s);
        if (r != 0)
                free(s);
        return r;
}

/* ---- Interposed prctl and syscall: seccomp set up after load ---- */

/* A system call with no libc in between: the wrappers below must not
 * recurse into themselves, and prctl's must not go through syscall(). */
static long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        long r;

        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return r;
}

static long syscall_result(long r) {
        if (r < 0 && r > -4096) {
                errno = (int) -r;
                return -1;
        }
        return r;
}

/* prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT | SECCOMP_MODE_FILTER, ...):
 * noted once the kernel said yes (seccomp.c), by plain stores, since
 * this thread may now be in strict mode. glibc's prctl is variadic with
 * four more unsigned longs; reading all four is what it does too. */
EXPORT int prctl(int option, ...) {
        unsigned long a[4];
        va_list ap;
        long r;

        va_start(ap, option);
        for (int i = 0; i < 4; i++)
                a[i] = va_arg(ap, unsigned long);
        va_end(ap);
        r = syscall_result(raw_syscall6(SYS_prctl, option, (long) a[0], (long) a[1], (long) a[2], (long) a[3], 0));
        if (r == 0 && option == PR_SET_SECCOMP)
                dumper_seccomp_installed(a[0]);
        return (int) r;
}

/* syscall(SYS_seccomp, op, flags, args): what libseccomp and most
 * programs call, glibc having no seccomp() wrapper. Every other number
 * goes straight to the kernel from the assembly below, with no stack
 * frame of ours, exactly as glibc's syscall() does: a vfork or a clone
 * onto another stack made through syscall() must see no difference. */
long dumper_syscall_seccomp(long nr, long op, long flags, long args, long d, long e);
long dumper_syscall_fail(long r);

__attribute__((used)) long dumper_syscall_seccomp(long nr, long op, long flags, long args, long d, long e) {
        long r = syscall_result(raw_syscall6(nr, op, flags, args, d, e, 0));

        if (r == 0)
                dumper_seccomp_installed(dumper_seccomp_mode_of_op((unsigned long) op));
        return r;
}

__attribute__((used)) long dumper_syscall_fail(long r) {
        errno = (int) -r;
        return -1;
}

__asm__(".text\n"
        ".globl syscall\n"
        ".type syscall, @function\n"
        "syscall:\n"
        "        cmpq $" DUMPER_STR(SYS_seccomp) ", %rdi\n"
        "        je dumper_syscall_seccomp\n"
        "        movq %rdi, %rax\n"
        "        movq %rsi, %rdi\n"
        "        movq %rdx, %rsi\n"
        "        movq %rcx, %rdx\n"
        "        movq %r8, %r10\n"
        "        movq %r9, %r8\n"
        "        movq 8(%rsp), %r9\n"
        "        syscall\n"
        "        cmpq $-4095, %rax\n"
        "        jae 1f\n"
        "        ret\n"
        "1:      movq %rax, %rdi\n"
        "        jmp dumper_syscall_fail\n"
        ".size syscall, .-syscall\n");
