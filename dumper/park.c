/* SPDX-License-Identifier: MIT */
/* dumper/park.c: parking the other threads before a fatal dump.
 *
 * The crashing thread sends each other thread a real-time signal (tgkill).
 * Its handler copies the thread's ucontext and XSAVE frame into a slot of
 * dumper_rt.park and waits on a futex. Once every thread is parked, the
 * dumper's fork is a snapshot in which every thread's registers and stack
 * agree, taken without ptrace (no Yama or seccomp trouble, no stop/attach
 * round trips), and the process may die right after the fork while the
 * child writes the dump from its copy. This is only done for a fatal
 * signal whose disposition is the default: the other threads' interrupted
 * system calls do not matter to a process about to die. A program that
 * handles the signal itself, a dump on request, a thread that blocks the
 * signal, or more than DUMPER_PARK_MAX threads: the ptrace path.
 *
 * Everything here runs in signal handlers and uses only system calls,
 * atomics and memory in .bss. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dumper.h"
#include "safe.h"

/* How long the crashing thread waits for the others to park. A thread
 * that blocks signals never answers; sleeping ones answer in microseconds. */
#define PARK_WAIT_NS (20 * 1000000u)
/* /proc/self/maps of a process with tens of thousands of mappings fits. */
#define PARK_MAPS_MAX (8u << 20)

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

bool dumper_is_park_signal(int sig) {
        return sig > 0 && sig == dumper_rt.park_signal;
}

void dumper_park_give_up(void) {
        dumper_rt.park_signal = 0;
}

static void park_handler(int sig, siginfo_t *info, void *ucv) {
        struct dumper_park *p = &dumper_rt.park;
        const ucontext_t *uc = ucv;
        const uint8_t *fp = (const uint8_t *) uc->uc_mcontext.fpregs;
        int saved_errno = errno;
        unsigned long fs = 0, gs = 0;
        struct dumper_parked *s;
        uint32_t i, size = 0;

        /* A thread in seccomp's strict mode would be killed by getpid()
         * below: it stays out (park_all() then times out on it, and the
         * dump has it without registers). */
        if (dumper_seccomp_thread_strict())
                return;
        /* Only our own tgkill during a dump parks a thread. The signal
         * from anyone else, or from the program at any other time, does
         * what it would have done without us: its default action,
         * terminating the process. */
        if (!(atomic_load(&p->asking) || atomic_load(&p->sent)) || info->si_code != SI_TKILL ||
            info->si_pid != getpid()) {
                struct sigaction dfl;

                safe_memset(&dfl, 0, sizeof(dfl));
                dfl.sa_handler = SIG_DFL;
                (void) dumper_rt.real_sigaction(sig, &dfl, NULL);
                dumper_park_give_up();
                if (syscall(SYS_rt_tgsigqueueinfo, getpid(), safe_gettid(), sig, info) < 0)
                        (void) syscall(SYS_tgkill, getpid(), safe_gettid(), sig);
                goto out;       /* delivered, and fatal, when we return */
        }
        /* Ours, but late: park_all() gave up (too many threads, or one
         * too slow) and the dump goes the ptrace way. */
        if (atomic_load(&p->release))
                goto out;
        i = atomic_fetch_add(&p->next, 1);
        if (i < DUMPER_PARK_MAX) {
                s = &p->slot[i];
                s->tid = safe_gettid();
                safe_memcpy(&s->uc, uc, sizeof(*uc));
                if (fp) {
                        uint32_t magic;

                        /* As in handler.c: the kernel's XSAVE frame size. */
                        safe_memcpy(&magic, fp + 464, 4);
                        safe_memcpy(&size, fp + 464 + 16, 4);
                        if (magic != 0x46505853u || size < 512)
                                size = 512;
                        if (size > DUMPER_PARK_XSTATE_MAX)
                                size = DUMPER_PARK_XSTATE_MAX;
                        safe_memcpy(s->xstate, fp, size);
                }
                s->xstate_size = size;
                (void) syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs);
                (void) syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
                s->fs_base = fs;
                s->gs_base = gs;
                (void) prctl(PR_GET_NAME, s->name, 0, 0, 0);
        }
        atomic_fetch_add(&p->parked, 1);
        (void) syscall(SYS_futex, &p->parked, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        /* Wait here until the process dies, or the dump goes another way. */
        while (!atomic_load(&p->release))
                (void) syscall(SYS_futex, &p->release, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
out:
        errno = saved_errno;
}

DUMPER_LOAD_TIME int dumper_park_install(void) {
        struct sigaction sa, old;
        int sig = SIGRTMAX - 3;

        /* A program that already handles this signal keeps it. */
        if (!dumper_rt.config.park || dumper_rt.real_sigaction(sig, NULL, &old) < 0 ||
            old.sa_handler != SIG_DFL)
                return -EBUSY;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = park_handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigfillset(&sa.sa_mask);
        if (dumper_rt.real_sigaction(sig, &sa, NULL) < 0)
                return -errno;
        dumper_rt.park_signal = sig;
        return 0;
}

void dumper_park_release(void) {
        atomic_store(&dumper_rt.park.asking, 0);
        atomic_store(&dumper_rt.park.release, 1);
        (void) syscall(SYS_futex, &dumper_rt.park.release, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* Calls each(tid) for every thread but this one, from /proc/self/task
 * (getdents64 directly: opendir() would call malloc); stops when each
 * returns false. False if the list cannot be read. */
static bool for_each_thread(pid_t self, bool (*each)(pid_t tid, void *arg), void *arg) {
        char buf[4096];
        int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return false;
        for (;;) {
                long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));

                if (k <= 0)
                        break;
                for (long off = 0; off < k;) {
                        struct linux_dirent64 *d = (struct linux_dirent64 *) (buf + off);
                        const char *s = d->d_name;
                        uint64_t tid;

                        if (d->d_reclen == 0)
                                break;
                        off += d->d_reclen;
                        if (!safe_parse_u64(&s, s + 16, 10, &tid) || *s || (pid_t) tid == self)
                                continue;
                        if (!each((pid_t) tid, arg)) {
                                close(fd);
                                return true;
                        }
                }
        }
        close(fd);
        return true;
}

static bool count_one(pid_t tid, void *arg) {
        uint32_t *n = arg;

        (void) tid;
        return ++*n <= DUMPER_PARK_MAX;
}

struct asking {
        struct dumper_park *p;
        bool overflow;          /* more threads than slots */
};

static bool ask_one(pid_t tid, void *arg) {
        struct asking *a = arg;

        if (a->p->n >= DUMPER_PARK_MAX) {
                a->overflow = true;
                return false;
        }
        if (syscall(SYS_tgkill, getpid(), tid, dumper_rt.park_signal) == 0)
                a->p->n++;
        return true;
}

bool dumper_park_all(void) {
        struct dumper_park *p = &dumper_rt.park;
        pid_t self = safe_gettid();
        struct asking asking = { p, false };
        uint32_t threads = 0;
        uint64_t deadline;
        ssize_t n;
        int sig = dumper_rt.park_signal;

        if (!sig)
                return false;
        /* More threads than slots: the ptrace path, before any signal is
         * sent (a thread asked and then let go would otherwise take the
         * signal's default action, and the program would die by it). */
        if (!for_each_thread(self, count_one, &threads) || threads > DUMPER_PARK_MAX)
                return false;
        atomic_store(&p->next, 0);
        atomic_store(&p->parked, 0);
        atomic_store(&p->release, 0);
        atomic_store(&p->sent, 1);
        atomic_store(&p->asking, 1);
        p->active = false;
        p->n = 0;
        /* Threads made since the count: past the slots, give up (the late
         * signals are recognized as ours by `sent`). */
        if (!for_each_thread(self, ask_one, &asking) || asking.overflow)
                goto give_up;

        deadline = safe_now_ns(CLOCK_MONOTONIC) + PARK_WAIT_NS;
        for (;;) {
                uint32_t have = atomic_load(&p->parked);
                uint64_t now = safe_now_ns(CLOCK_MONOTONIC);
                struct timespec ts;

                if (have >= p->n)
                        break;
                if (now >= deadline)
                        goto give_up;   /* one blocks the signal, or exited */
                ts.tv_sec = 0;
                ts.tv_nsec = (long) (deadline - now);
                (void) syscall(SYS_futex, &p->parked, FUTEX_WAIT_PRIVATE, have, &ts, NULL, 0);
        }
        /* These describe the process itself (pid, threads, memory use,
         * mappings); the fork's own would describe the fork, and the
         * process may be gone by the time it reads them. */
        p->status_len = safe_read_file("/proc/self/status", p->status, sizeof(p->status));
        p->stat_len = safe_read_file("/proc/self/stat", p->stat, sizeof(p->stat) - 1);
        if (p->stat_len <= 0)
                goto give_up;
        p->stat[p->stat_len] = 0;
        if (!p->maps) {
                void *m = mmap(NULL, PARK_MAPS_MAX, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

                if (m == MAP_FAILED)
                        goto give_up;
                p->maps = m;
        }
        n = safe_read_file("/proc/self/maps", p->maps, PARK_MAPS_MAX);
        if (n <= 0)
                goto give_up;
        p->maps_len = (size_t) n;
        p->active = true;
        return true;

give_up:
        dumper_park_release();
        return false;
}
