/* SPDX-License-Identifier: MIT */
/* dumper/handler.c: the signal handler and what it hands to the child.
 *
 * The crash path, in the crashing thread:
 *   1. one thread wins the right to dump (an atomic compare-and-swap);
 *      others wait on a futex, bounded, and then die as they would have;
 *   2. the winner copies siginfo, ucontext and the XSAVE area into static
 *      memory with byte loops;
 *   3. for a fatal signal with the default action and no core file
 *      coming, it parks the other threads (park.c);
 *   4. it makes a child with clone() (no CLONE_VM: the child gets a
 *      copy-on-write snapshot; no atfork handlers run, unlike fork()) and
 *      puts it in a process group of its own;
 *   5. parked, it is done; otherwise it lets the child ptrace it (Yama),
 *      tells it to go, and waits until the child has copied what it needs
 *      from the live process, with a deadline, killing the child when it
 *      runs out;
 *   6. then it runs the program's own handler, or restores the default
 *      action and re-raises, so the process dies of its own signal.
 * Every call is an async-signal-safe system call (mmap, getrlimit and
 * setpgid among them: plain system-call wrappers in glibc) or plain code
 * over memory mapped at load time or in .bss; no malloc, stdio or lock. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crashdump.h"
#include "dumper.h"
#include "safe.h"

const int dumper_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
const unsigned dumper_n_signals = sizeof(dumper_signals) / sizeof(dumper_signals[0]);
_Static_assert(sizeof(dumper_signals) / sizeof(dumper_signals[0]) == DUMPER_N_SIGNALS, "one app_action slot each");

enum { STATE_IDLE, STATE_DUMPING, STATE_DONE };

static _Atomic uint32_t dump_state;
static _Atomic pid_t dump_owner;

/* The slot of a crash signal in dumper_rt.app_action: a table of 7, not
 * NSIG, keeps the memory this library touches at load small. */
static int slot_of(int sig) {
        for (unsigned i = 0; i < dumper_n_signals; i++)
                if (dumper_signals[i] == sig)
                        return (int) i;
        return -1;
}

bool dumper_is_crash_signal(int sig) {
        return sig > 0 && sig < NSIG && atomic_load(&dumper_rt.installed[sig]);
}

void dumper_app_action_get(int sig, struct sigaction *ret) {
        int i = slot_of(sig);
        uint32_t seq;

        if (i < 0) {
                safe_memset(ret, 0, sizeof(*ret));
                return;
        }
        do {
                seq = atomic_load(&dumper_rt.app_action_seq[i]);
                safe_memcpy(ret, &dumper_rt.app_action[i], sizeof(*ret));
        } while ((seq & 1) || seq != atomic_load(&dumper_rt.app_action_seq[i]));
}

DUMPER_LOAD_TIME void dumper_app_action_set(int sig, const struct sigaction *act) {
        /* Called from the program's sigaction(), which may race with
         * another thread's; the seqlock keeps readers consistent and the
         * last writer wins, as with the kernel. */
        int i = slot_of(sig);

        if (i < 0)
                return;
        atomic_fetch_add(&dumper_rt.app_action_seq[i], 1);
        memcpy(&dumper_rt.app_action[i], act, sizeof(*act));     /* ordinary context, not the crash path */
        atomic_fetch_add(&dumper_rt.app_action_seq[i], 1);
}

DUMPER_LOAD_TIME int dumper_install_handlers(void) {
        struct sigaction sa, old;
        unsigned i;

        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = dumper_crash_handler;
        /* SA_ONSTACK: the handler must run after a stack overflow. Every
         * crash signal is blocked while it runs: a fault inside it then
         * kills the process by the kernel's default action instead of
         * recursing. */
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        for (i = 0; i < dumper_n_signals; i++)
                sigaddset(&sa.sa_mask, dumper_signals[i]);

        for (i = 0; i < dumper_n_signals; i++) {
                int sig = dumper_signals[i];

                /* A handler some library installed before us becomes the
                 * program's handler that we chain to. */
                if (dumper_rt.real_sigaction(sig, &sa, &old) < 0)
                        continue;
                dumper_app_action_set(sig, &old);
                atomic_store(&dumper_rt.installed[sig], true);
        }
        return 0;
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *timeout) {
        return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

/* Waits while *addr == val, for at most ns nanoseconds. */
static void futex_wait_ns(_Atomic uint32_t *addr, uint32_t val, uint64_t ns, bool shared) {
        struct timespec ts = { .tv_sec = (time_t) (ns / 1000000000u),
                               .tv_nsec = (long) (ns % 1000000000u) };

        (void) futex(addr, shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, val, &ts);
}

static void futex_wake_all(_Atomic uint32_t *addr, bool shared) {
        (void) futex(addr, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* 2. Copy what the kernel gave the handler. */
static void record_crash(const siginfo_t *info, const ucontext_t *uc, pid_t tid) {
        struct dumper_crash *c = &dumper_rt.crash;
        const uint8_t *fp = (const uint8_t *) uc->uc_mcontext.fpregs;

        safe_memcpy(&c->info, info, sizeof(*info));
        safe_memcpy(&c->uc, uc, sizeof(*uc));
        c->pid = getpid();
        c->tid = tid;
        c->requested = false;
        c->time_ns = safe_now_ns(CLOCK_REALTIME);
        c->has_fpregs = fp != NULL;
        c->xstate_size = 0;
        if (fp) {
                /* The kernel marks an XSAVE frame with FP_XSTATE_MAGIC1 in
                 * the fxsave area's software bytes, followed by its size. */
                uint32_t magic, size;

                safe_memcpy(&magic, fp + 464, 4);
                safe_memcpy(&size, fp + 464 + 16, 4);
                if (magic != 0x46505853u || size < 512 || size > DUMPER_XSTATE_MAX)
                        size = 512;
                safe_memcpy(c->xstate, fp, size);
                c->xstate_size = size;
        }
}

/* Will the kernel write a core file when we die? Then the threads must
 * not be parked in our handler: the core would show them there. A limit
 * above 0, or a core_pattern pipe (which ignores the limit), means yes. */
static bool core_file_coming(int dumpable) {
        struct rlimit rl;
        char c = 0;

        if (dumpable == 0)
                return false;
        if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur > 0)
                return true;
        return safe_read_file("/proc/sys/kernel/core_pattern", &c, 1) == 1 && c == '|';
}

/* One line on stderr, once per process: write() is async-signal-safe and
 * allowed even in seccomp's strict mode. */
static void say_once(const char *msg) {
        static _Atomic bool said;

        if (!atomic_exchange(&said, true))
                (void) !write(STDERR_FILENO, msg, safe_strlen(msg));
}

/* Calls fn on another stack (top, 16-byte aligned) and comes back: the
 * in-process dump needs the child's 1 MiB, not the alternate signal
 * stack's 64 KiB. Plain register moves and a call: no system call. The
 * clobbers are every register the psABI lets fn change. */
static int run_on_stack(int (*fn)(void *), void *top) {
        long r;

        __asm__ volatile("movq %%rsp, %%rbx\n\t"
                         "movq %[top], %%rsp\n\t"
                         "xorl %%edi, %%edi\n\t"
                         "call *%[fn]\n\t"
                         "movq %%rbx, %%rsp\n\t"
                         : "=a"(r)
                         : [fn] "r"(fn), [top] "r"((uintptr_t) top & ~(uintptr_t) 15)
                         : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc",
                           "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                           "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
        return (int) r;
}

static bool child_exited(pid_t child) {
        int status;

        return waitpid(child, &status, WNOHANG | __WALL) == child;
}

int dumper_run(void) {
        struct dumper_runtime *rt = &dumper_rt;
        struct dumper_shared *sh;
        uint64_t deadline, now;
        int was_dumpable, r = 0;
        bool reaped = false, ptracer_set = false;
        pid_t child;

        if (!rt->shared || !rt->child_stack)
                return -ENOMEM;
        /* A fresh shared page per dump: the one mapped at load is also
         * shared with every fork() of the program, which might be dumping
         * at the same moment. mmap is a plain system call in glibc. */
        sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED)
                sh = rt->shared;
        rt->active = sh;
        atomic_store(&sh->go, 0);
        atomic_store(&sh->done, 0);

        /* The child must read /proc/PID and ptrace us: a non-dumpable
         * process (setuid, prctl) forbids both; we put it back after. */
        was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        if (was_dumpable == 0)
                (void) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);

        /* glibc's clone() is a thin system-call wrapper that runs no
         * atfork handlers. Exit signal 0: no SIGCHLD reaches the program
         * and its waitpid(-1) can't reap our child (that needs __WALL). */
        /* Every other thread parked: the fork holds all of them as of one
         * moment and the process may die as soon as the child has started.
         * Not for PID 1 or CRASHD_WAIT=1, which wait for the file. */
        rt->park.active = false;
        if (rt->crash.may_park && !rt->crash.requested && !rt->config.wait_for_file && rt->crash.pid != 1 &&
            !core_file_coming(was_dumpable))
                (void) dumper_park_all();
        /* Under a seccomp filter clone() may kill the process (seccomp.c):
         * no child then, and the dump is written here. A filter that
         * makes clone() fail (SECCOMP_RET_ERRNO), or a process limit,
         * ends the same way. */
        if (!dumper_seccomp_no_child())
                child = clone(dumper_child_main, (uint8_t *) rt->child_stack + rt->child_stack_size,
                              CLONE_UNTRACED, NULL);
        else
                child = -1, errno = EPERM;
        if (child < 0) {
                say_once("crashd: no dumper process may be made (seccomp or a limit): "
                         "the dump is written in-process\n");
                r = run_on_stack(dumper_capture_in_process, (uint8_t *) rt->child_stack + rt->child_stack_size);
                goto out;
        }
        /* Yama's ptrace_scope=1 lets only a named process trace us; the
         * child waits for this when Yama is there. Without Yama prctl
         * fails with EINVAL, which is fine. */
        /* Its own process group at once: whoever kills the crashed
         * program's group once it is dead (a test harness, a shell's job
         * control) must not take the unfinished dump with it. */
        (void) setpgid(child, child);
        /* Parked: the child's copy holds everything, nothing to wait for. */
        if (rt->park.active)
                goto out;
        ptracer_set = prctl(PR_SET_PTRACER, child, 0, 0, 0) == 0;
        atomic_store(&sh->go, 1);
        futex_wake_all(&sh->go, true);

        deadline = safe_now_ns(CLOCK_MONOTONIC) + (uint64_t) rt->config.timeout_ms * 1000000u;
        while (atomic_load(&sh->done) == 0) {
                now = safe_now_ns(CLOCK_MONOTONIC);
                if (now >= deadline) {
                        /* A stuck dumper must not hold the program: kill it.
                         * Threads it had stopped resume when it dies. */
                        (void) kill(child, SIGKILL);
                        r = -ETIMEDOUT;
                        break;
                }
                /* Short slices so that a child that crashed is noticed
                 * quickly: it can't set done then. */
                futex_wait_ns(&sh->done, 0, deadline - now < 20000000u ? deadline - now : 20000000u, true);
                if (atomic_load(&sh->done) == 0 && child_exited(child)) {
                        reaped = true;
                        r = -ECHILD;
                        break;
                }
        }
        if (r == 0 && atomic_load(&sh->done) == DUMPER_DONE_FAILED)
                r = -EIO;
        /* After a fatal signal the process is about to die: its child is
         * then reaped by init, and waiting for the child's teardown would
         * only delay the exit. A program that goes on must reap it. */
        if (!rt->crash.requested && r == 0)
                reaped = true;
        while (!reaped) {
                int status;

                if (waitpid(child, &status, __WALL) == child || errno != EINTR)
                        reaped = true;
        }
        if (ptracer_set)
                (void) prctl(PR_SET_PTRACER, 0, 0, 0, 0);
out:
        if (was_dumpable == 0)
                (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (sh != rt->shared)
                (void) munmap(sh, sizeof(*sh));
        return r;
}

/* One crash, one report: with a core_pattern pipe the kernel's core
 * handler runs once we die, and crashd-coredump would dump the crash a
 * second time. A memfd named "crashd-dumped:PID" left open tells it that
 * this process has its dump (coredump/README.md): it is the process's own
 * (nobody else can put it in its descriptor table), it goes with the
 * process, it changes nothing the core holds, and it carries the pid in
 * the process's namespace, so a child that inherits it across fork() is
 * not taken for it (MFD_CLOEXEC: not across exec). memfd_create and fcntl
 * are plain system calls; under a seccomp filter none is made that the
 * dump did not need (it could be the one the filter kills on), so such a
 * program's crash is dumped twice. */
static void mark_dumped(void) {
        char name[48] = "crashd-dumped:", num[24], c = 0;
        int fd;

        if (dumper_seccomp_no_child() ||
            safe_read_file("/proc/sys/kernel/core_pattern", &c, 1) != 1 || c != '|')
                return;
        safe_fmt_u64(num, (uint64_t) getpid());
        safe_strlcat(name, num, sizeof(name));
        fd = (int) syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
        /* Not 0, 1 or 2, should the program have closed them: its own
         * handler, if it goes on, must find them free. */
        if (fd >= 0 && fd < 3) {
                int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

                close(fd);
                (void) high;
        }
}

/* 1. One thread dumps; a crash in another thread meanwhile waits for it. */
static void dump_once(const siginfo_t *info, const ucontext_t *uc, bool may_park) {
        pid_t tid = safe_gettid();
        uint64_t deadline = safe_now_ns(CLOCK_MONOTONIC) +
                            ((uint64_t) dumper_rt.config.timeout_ms + 1000u) * 1000000u;

        for (;;) {
                uint32_t expected = STATE_IDLE;
                uint64_t now;

                if (atomic_compare_exchange_strong(&dump_state, &expected, STATE_DUMPING)) {
                        atomic_store(&dump_owner, tid);
                        record_crash(info, uc, tid);
                        dumper_rt.crash.may_park = may_park;
                        if (dumper_run() == 0)
                                mark_dumped();
                        atomic_store(&dump_state, STATE_DONE);
                        futex_wake_all(&dump_state, false);
                        return;
                }
                if (expected == STATE_DONE || atomic_load(&dump_owner) == tid)
                        return;
                now = safe_now_ns(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return;
                futex_wait_ns(&dump_state, STATE_DUMPING, deadline - now, false);
        }
}

/* Faults that happen again when the handler returns, with the kernel's own
 * siginfo; anything else must be raised again by hand. */
static bool refaults_by_itself(int sig, const siginfo_t *info) {
        if (info->si_code <= 0 || info->si_code == SI_KERNEL)
                return false;
        return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
}

/* 5. What the program would have done without us. */
static void chain(int sig, siginfo_t *info, void *uc, const struct sigaction *app) {
        struct sigaction dfl;

        if (app->sa_handler != SIG_DFL && app->sa_handler != SIG_IGN) {
                sigset_t mask = ((ucontext_t *) uc)->uc_sigmask;
                unsigned i;

                if (app->sa_flags & SA_RESETHAND) {
                        struct sigaction reset;

                        safe_memset(&reset, 0, sizeof(reset));
                        reset.sa_handler = SIG_DFL;
                        dumper_app_action_set(sig, &reset);
                }
                /* The mask the kernel would have set for the program's
                 * handler: the interrupted mask, its sa_mask, and the
                 * signal itself unless SA_NODEFER. */
                for (i = 1; i < NSIG; i++)
                        if (sigismember(&app->sa_mask, (int) i) == 1)
                                sigaddset(&mask, (int) i);
                if (!(app->sa_flags & SA_NODEFER))
                        sigaddset(&mask, sig);
                (void) sigprocmask(SIG_SETMASK, &mask, NULL);
                if (app->sa_flags & SA_SIGINFO)
                        app->sa_sigaction(sig, info, uc);
                else
                        app->sa_handler(sig);
                /* Returning restores the interrupted mask (sigreturn). */
                return;
        }

        /* SIG_DFL, or SIG_IGN for a fault (the kernel kills then too). */
        safe_memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        (void) dumper_rt.real_sigaction(sig, &dfl, NULL);
        atomic_store(&dumper_rt.installed[sig], false);
        if (refaults_by_itself(sig, info))
                return;
        /* Queue it again with its original siginfo, so a core file and the
         * parent see the same thing; the kernel refuses that from threads
         * other than the main one for si_code >= 0, so fall back to tgkill.
         * It is blocked until the handler returns, then kills us. */
        if (syscall(SYS_rt_tgsigqueueinfo, getpid(), safe_gettid(), sig, info) < 0)
                (void) syscall(SYS_tgkill, getpid(), safe_gettid(), sig);
}

/* Seccomp's strict mode in this thread (seccomp.c): any system call but
 * read, write, exit and rt_sigreturn kills the thread by SIGKILL, so no
 * dump, no sigaction, no tgkill. What is left: one line on stderr
 * (write), the program's own handler if it has one, else death by this
 * very signal. For that the signal is left blocked in the context
 * sigreturn restores: a fault that happens again (the instruction is
 * re-run) while its signal is blocked makes the kernel reset the action
 * to SIG_DFL and kill (force_sig_fault), as without us, core included.
 * A signal that would not come again is made to by a fault of the same
 * kind here, while it is blocked (our sa_mask); for the three that no
 * instruction raises the only way out is the kernel's SIGKILL. */
static void strict_mode_exit(int sig, siginfo_t *info, void *ucontext, const struct sigaction *app) {
        ucontext_t *uc = ucontext;

        say_once("crashd: seccomp strict mode: no dump\n");
        if (app->sa_handler != SIG_DFL && app->sa_handler != SIG_IGN) {
                /* Without sigprocmask (forbidden): the handler runs with
                 * our mask, the crash signals blocked. */
                if (app->sa_flags & SA_SIGINFO)
                        app->sa_sigaction(sig, info, ucontext);
                else
                        app->sa_handler(sig);
                return;
        }
        sigaddset(&uc->uc_sigmask, sig);        /* plain memory: the saved context */
        if (refaults_by_itself(sig, info))
                return;
        switch (sig) {
        case SIGSEGV:
                *(volatile char *) 0 = 0;
                break;
        case SIGILL:
                __asm__ volatile("ud2");
                break;
        case SIGTRAP:
                __asm__ volatile("int3");
                break;
        case SIGFPE:
                __asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" ::: "eax", "ecx", "edx");
                break;
        default:
                break;
        }
        (void) getpid();        /* SIGBUS, SIGABRT, SIGSYS: forbidden, SIGKILL */
}

void dumper_crash_handler(int sig, siginfo_t *info, void *ucontext) {
        int saved_errno = errno;
        struct sigaction app;

        dumper_app_action_get(sig, &app);
        /* First, before any system call: a TLS load. */
        if (dumper_seccomp_thread_strict()) {
                strict_mode_exit(sig, info, ucontext, &app);
                goto out;
        }
        /* A signal the program ignores, sent by another process or by
         * itself: the kernel would have dropped it, so do we. */
        if (app.sa_handler == SIG_IGN && info->si_code <= 0 && sig != SIGABRT)
                goto out;
        /* Parking the other threads interrupts their system calls: only
         * when the process is sure to die of this (no handler of its own). */
        dump_once(info, ucontext, app.sa_handler == SIG_DFL || app.sa_handler == SIG_IGN);
        chain(sig, info, ucontext, &app);
out:
        errno = saved_errno;
}

/* ---- Dumps on request, from the program's ordinary code ---- */

__attribute__((visibility("default"))) int crashdump_write_dump(void) {
        struct dumper_crash *c = &dumper_rt.crash;
        uint32_t expected = STATE_IDLE;
        uint8_t fx[512] __attribute__((aligned(16)));
        int r;

        if (!dumper_rt.shared)
                return -ENOSYS;
        if (!atomic_compare_exchange_strong(&dump_state, &expected, STATE_DUMPING))
                return -EBUSY;
        atomic_store(&dump_owner, safe_gettid());
        safe_memset(&c->info, 0, sizeof(c->info));
        /* getcontext() records the general registers here; fxsave adds the
         * x87/SSE state that getcontext leaves out. */
        if (getcontext(&c->uc) < 0) {
                r = -errno;
                goto out;
        }
        __builtin_ia32_fxsave64(fx);
        safe_memcpy(c->xstate, fx, sizeof(fx));
        c->xstate_size = sizeof(fx);
        c->has_fpregs = true;
        c->pid = getpid();
        c->tid = safe_gettid();
        c->requested = true;
        c->may_park = false;
        c->time_ns = safe_now_ns(CLOCK_REALTIME);
        r = dumper_run();
out:
        atomic_store(&dump_state, STATE_IDLE);
        futex_wake_all(&dump_state, false);
        return r;
}
