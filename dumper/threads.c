/* SPDX-License-Identifier: MIT */
/* dumper/threads.c: every thread of the crashed process and its registers.
 * Runs in the dumper's child. The crashing thread's registers come from
 * the signal handler's ucontext (its live registers would only show the
 * handler waiting). The others are stopped with PTRACE_SEIZE +
 * PTRACE_INTERRUPT, read with PTRACE_GETREGSET and stay stopped until the
 * memory is copied, so registers and memory agree. When ptrace is denied
 * (Yama, seccomp, an attached debugger), those threads are listed without
 * registers. Only system calls and plain code: async-signal-safe. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "safe.h"

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

static void proc_path(char *buf, size_t size, pid_t pid, pid_t tid, const char *leaf) {
        char num[24];

        safe_strlcpy(buf, "/proc/", size);
        safe_fmt_u64(num, (uint64_t) pid);
        safe_strlcat(buf, num, size);
        if (tid) {
                safe_strlcat(buf, "/task/", size);
                safe_fmt_u64(num, (uint64_t) tid);
                safe_strlcat(buf, num, size);
        }
        safe_strlcat(buf, "/", size);
        safe_strlcat(buf, leaf, size);
}

static size_t list_tids(pid_t pid, pid_t *out, size_t max) {
        char path[64], buf[4096];
        size_t n = 0;
        int fd;

        proc_path(path, sizeof(path), pid, 0, "task");
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        for (;;) {
                /* getdents64 directly: opendir() would call malloc. */
                long k = syscall(SYS_getdents64, fd, buf, sizeof(buf));
                if (k <= 0)
                        break;
                for (long off = 0; off < k;) {
                        struct linux_dirent64 *d = (struct linux_dirent64 *) (buf + off);
                        const char *s = d->d_name;
                        uint64_t tid;

                        off += d->d_reclen;
                        if (d->d_reclen == 0)
                                break;
                        if (safe_parse_u64(&s, s + 16, 10, &tid) && *s == 0 && n < max)
                                out[n++] = (pid_t) tid;
                }
        }
        close(fd);
        return n;
}

static void read_name(pid_t pid, pid_t tid, char name[16]) {
        char path[64];
        ssize_t k;

        proc_path(path, sizeof(path), pid, tid, "comm");
        k = safe_read_file(path, name, 15);
        if (k < 0)
                k = 0;
        while (k > 0 && (name[k - 1] == '\n' || name[k - 1] == 0))
                k--;
        name[k] = 0;
}

/* XSAVE images hold large components in their initial, all-zero state
 * (AMX tiles: 8 KiB). Trailing zeros are left out; readers treat missing
 * bytes as zero. The 512-byte legacy area and 64-byte header stay. */
static uint32_t trimmed_size(const uint8_t *x, uint32_t size) {
        while (size > 576 && x[size - 1] == 0)
                size--;
        return size;
}

/* Registers from a signal handler's ucontext and XSAVE frame. */
static void from_context(struct dumper_thread *t, const ucontext_t *uc, const uint8_t *xstate,
                         uint32_t xstate_size) {
        const greg_t *g = uc->uc_mcontext.gregs;
        struct user_regs_struct *r = &t->regs;

        r->r8 = (uint64_t) g[REG_R8];
        r->r9 = (uint64_t) g[REG_R9];
        r->r10 = (uint64_t) g[REG_R10];
        r->r11 = (uint64_t) g[REG_R11];
        r->r12 = (uint64_t) g[REG_R12];
        r->r13 = (uint64_t) g[REG_R13];
        r->r14 = (uint64_t) g[REG_R14];
        r->r15 = (uint64_t) g[REG_R15];
        r->rdi = (uint64_t) g[REG_RDI];
        r->rsi = (uint64_t) g[REG_RSI];
        r->rbp = (uint64_t) g[REG_RBP];
        r->rbx = (uint64_t) g[REG_RBX];
        r->rdx = (uint64_t) g[REG_RDX];
        r->rax = (uint64_t) g[REG_RAX];
        r->rcx = (uint64_t) g[REG_RCX];
        r->rsp = (uint64_t) g[REG_RSP];
        r->rip = (uint64_t) g[REG_RIP];
        r->eflags = (uint64_t) g[REG_EFL];
        r->cs = (uint64_t) g[REG_CSGSFS] & 0xffff;
        r->gs = ((uint64_t) g[REG_CSGSFS] >> 16) & 0xffff;
        r->fs = ((uint64_t) g[REG_CSGSFS] >> 32) & 0xffff;
        r->ss = 0x2b;   /* the x86-64 user data segment; the ucontext lacks it */
        if (xstate && xstate_size >= 512) {
                safe_memcpy(t->fxsave, xstate, 512);
                t->xstate = (uint8_t *) xstate;
                t->xstate_size = xstate_size > 512 ? trimmed_size(xstate, xstate_size) : 0;
                if (!t->xstate_size)
                        t->xstate = NULL;
        }
}

/* The crashing thread, from what the handler copied. */
static void from_ucontext(struct dumper_thread *t, const struct dumper_crash *cr) {
        unsigned long fs = 0, gs = 0;

        from_context(t, &cr->uc, cr->has_fpregs ? cr->xstate : NULL, cr->xstate_size);
        /* This child runs on a copy of the crashing thread: its fs and gs
         * bases, and its name, are that thread's. */
        (void) syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs);
        (void) syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs);
        t->regs.fs_base = fs;
        t->regs.gs_base = gs;
        (void) prctl(PR_GET_NAME, t->name, 0, 0, 0);
        t->source = cr->requested ? PROTO_CONTEXT_CALLER : PROTO_CONTEXT_UCONTEXT;
        t->flags |= PROTO_THREAD_CRASHED;
}

/* A thread that park.c parked before the fork. */
static void from_slot(struct dumper_thread *t, const struct dumper_parked *s) {
        t->tid = s->tid;
        from_context(t, &s->uc, s->xstate, s->xstate_size);
        t->regs.fs_base = s->fs_base;
        t->regs.gs_base = s->gs_base;
        safe_memcpy(t->name, s->name, sizeof(t->name));
        t->name[sizeof(t->name) - 1] = 0;
        t->source = PROTO_CONTEXT_SIGNAL;
}

/* Asks one thread to stop; false when ptrace is denied or it is gone. All
 * threads are asked before any is waited for, so that their trips into the
 * stop overlap instead of adding up. */
static bool stop_thread(struct dumper_thread *t) {
        if (ptrace(PTRACE_SEIZE, t->tid, NULL, NULL) < 0)
                return false;
        t->attached = true;
        return ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) == 0;
}

/* Waits for the stop and reads the registers. */
static bool read_stopped_thread(struct capture *c, struct dumper_thread *t) {
        struct iovec iov;
        size_t dirty;
        int status;

        for (;;) {
                pid_t w = waitpid(t->tid, &status, __WALL);
                if (w == t->tid)
                        break;
                if (w < 0 && errno != EINTR)
                        return false;
        }
        if (!WIFSTOPPED(status)) {
                t->attached = false;    /* it exited */
                return false;
        }
        /* A signal-delivery stop holds a signal the thread must still get. */
        if ((status >> 16) != PTRACE_EVENT_STOP && WSTOPSIG(status) != SIGTRAP)
                t->stop_signal = WSTOPSIG(status);

        iov.iov_base = &t->regs;
        iov.iov_len = sizeof(t->regs);
        if (ptrace(PTRACE_GETREGSET, t->tid, (void *) NT_PRSTATUS, &iov) < 0)
                return false;
        iov.iov_base = t->fxsave;
        iov.iov_len = sizeof(t->fxsave);
        (void) ptrace(PTRACE_GETREGSET, t->tid, (void *) NT_PRFPREG, &iov);
        dirty = c->scratch.dirty;
        t->xstate = proto_buf_reserve(&c->scratch, DUMPER_XSTATE_MAX, 64, NULL);
        if (t->xstate) {
                uint8_t *x = t->xstate;

                iov.iov_base = t->xstate;
                iov.iov_len = DUMPER_XSTATE_MAX;
                if (ptrace(PTRACE_GETREGSET, t->tid, (void *) NT_X86_XSTATE, &iov) == 0 &&
                    iov.iov_len > 512)
                        t->xstate_size = trimmed_size(t->xstate, (uint32_t) iov.iov_len);
                else
                        t->xstate = NULL;
                /* Give back what XSAVE did not use. */
                proto_buf_give_back(&c->scratch, (size_t) (x - c->scratch.data) + (t->xstate ? iov.iov_len : 0), dirty);
        }
        t->source = PROTO_CONTEXT_PTRACE;
        return true;
}

int capture_threads(struct capture *c) {
        pid_t *tids;
        size_t n, i;
        /* In-process (seccomp, no child): a thread cannot ptrace its own
         * process, and the attempt is one more system call a filter may
         * kill on. The others are listed without registers. */
        bool denied = c->in_process;

        tids = proto_buf_reserve(&c->scratch, CAPTURE_MAX_THREADS * sizeof(pid_t), 8, NULL);
        c->threads = proto_buf_reserve(&c->scratch, CAPTURE_MAX_THREADS * sizeof(*c->threads), 64, NULL);
        if (!tids || !c->threads)
                return -ENOMEM;

        /* The crashing thread first: readers show it first, and it is the
         * one that matters if the dump has to be cut. */
        c->threads[0].tid = c->crash->tid;
        from_ucontext(&c->threads[0], c->crash);
        c->n_threads = 1;

        if (dumper_rt.park.active) {
                uint32_t k = atomic_load(&dumper_rt.park.next);

                for (i = 0; i < k && i < DUMPER_PARK_MAX; i++)
                        from_slot(&c->threads[c->n_threads++], &dumper_rt.park.slot[i]);
                return 0;
        }

        n = list_tids(c->pid, tids, CAPTURE_MAX_THREADS);
        for (i = 0; i < n; i++) {
                struct dumper_thread *t;

                if (tids[i] == c->crash->tid)
                        continue;
                t = &c->threads[c->n_threads++];
                t->tid = tids[i];
                t->source = PROTO_CONTEXT_NONE;
                if (!denied && !stop_thread(t) && !t->attached && (errno == EPERM || errno == EACCES))
                        denied = true;
        }
        for (i = 1; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (t->attached && !read_stopped_thread(c, t))
                        t->source = PROTO_CONTEXT_NONE;
        }
        for (i = 1; i < c->n_threads; i++)
                read_name(c->pid, c->threads[i].tid, c->threads[i].name);
        if (denied)
                c->flags |= PROTO_CRASH_PTRACE_DENIED;
        return 0;
}

void capture_release_threads(struct capture *c) {
        for (size_t i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (!t->attached)
                        continue;
                (void) ptrace(PTRACE_DETACH, t->tid, NULL, (void *) (long) t->stop_signal);
                t->attached = false;
        }
}
