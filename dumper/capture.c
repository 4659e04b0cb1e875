/* SPDX-License-Identifier: MIT */
/* dumper/capture.c: the dumper's child, from start to exit.
 *
 * It is a copy-on-write snapshot of the crashed process made by clone()
 * from a signal handler, so it follows the same rules as the handler: any
 * lock in the copy may be held by a thread that no longer exists here, so
 * no malloc, stdio or other libc state is touched; memory comes from
 * mmap, files from open/read/write. A fault in here kills only this child
 * (the crash signals are reset to their defaults first), and the parent's
 * deadline bounds the time it may take. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <signal.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "safe.h"

#define SCRATCH_SIZE (256u << 20)       /* reserved, not committed */
#define MAX_STREAMS 24

/* /proc/PID/stat (capture_parse_stat()). Parked, the text was read
 * before the fork (park.c). */
static void read_stat(struct capture *c) {
        size_t len = 0;
        char *s;

        if (dumper_rt.park.active) {
                s = dumper_rt.park.stat;
                len = (size_t) dumper_rt.park.stat_len;
        } else
                s = capture_read_proc(c, "stat", 4096, &len);
        if (s)
                capture_parse_stat(c, s, len);
}

static int read_maps(struct capture *c) {
        struct dumper_mapping *m;

        /* maps can be large (thousands of mappings); it also goes into the
         * dump as it is. */
        if (dumper_rt.park.active) {
                c->maps_text = dumper_rt.park.maps;     /* read before the fork */
                c->maps_len = dumper_rt.park.maps_len;
        } else
                c->maps_text = capture_read_proc(c, "maps", 8u << 20, &c->maps_len);
        if (!c->maps_text)
                return -EIO;
        m = proto_buf_reserve(&c->scratch, CAPTURE_MAX_MAPPINGS * sizeof(*m), 8, NULL);
        if (!m)
                return -ENOMEM;
        c->maps.m = m;
        c->maps.n = maps_parse(c->maps_text, c->maps_len, m, CAPTURE_MAX_MAPPINGS);
        return 0;
}

/* Memory is read from the crashed process while its threads are stopped,
 * so that registers and memory agree. When ptrace was refused, reading it
 * is refused too; then our own copy-on-write image serves, which is exact
 * for the crashing thread (it is parked in the handler). */
static void choose_memory_source(struct capture *c) {
        uint64_t probe;
        uint64_t sp = c->threads[0].regs.rsp;

        c->mem_pid = c->pid;
        if (c->in_process)
                return;         /* our own memory, live: the same thing */
        if (!dumper_rt.park.active && !(c->flags & PROTO_CRASH_PTRACE_DENIED) &&
            safe_read_memory(c->pid, sp, &probe, sizeof(probe)) == sizeof(probe))
                return;
        c->mem_pid = getpid();
        c->flags |= PROTO_CRASH_MEMORY_FROM_COPY;
}

/* Once the crashed process may go, it goes first: its death (waking and
 * ending every thread) and a supervisor's restart would otherwise share
 * the CPUs with our compression. Wait until it is gone (a pidfd polls
 * readable then), for at most a moment, at the lowest priority (not
 * SCHED_IDLE, which a busy machine could starve past our alarm). */
static void step_aside(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        (void) setpriority(PRIO_PROCESS, 0, 19);
        if (fd >= 0) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                (void) poll(&p, 1, 200);
                close(fd);
        }
}

/* Everything the dump needs from the crashed process is copied: let it die
 * now, while we compress and write, so that a supervisor restarts it
 * sooner. Not when it must stay to the end: a dump it asked for
 * (crashdump_write_dump() returns when the file is in place), PID 1 of
 * a namespace (its death kills us too), or CRASHD_WAIT=1. This child
 * ignores the signals a service manager sends to the remaining processes
 * (reset_signals), so it finishes first. */
static void release_process(struct capture *c) {
        struct dumper_shared *sh = dumper_rt.active;

        if (c->crash->requested || c->config->wait_for_file || c->pid == 1 || dumper_rt.park.active ||
            c->in_process)
                return;         /* (parked: released as soon as we started; in-process: we are it) */
        atomic_store(&sh->done, DUMPER_DONE_RELEASED);
        (void) syscall(SYS_futex, &sh->done, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
        step_aside(c->pid);
}

/* What this process (the crashed one, or its copy) knows of itself and
 * the shared capture code takes as given (capture.h). */
static void set_own_facts(struct capture *c) {
        c->uid = (uint32_t) getuid();
        c->gid = (uint32_t) getgid();
        c->r_debug = (uint64_t) (uintptr_t) &_r_debug;
        c->self_addr = (uint64_t) (uintptr_t) &dumper_rt;
}

static int build(struct capture *c) {
        uint32_t rva, size, context_rva;
        int r;

        r = proto_buf_map(&c->scratch, SCRATCH_SIZE);
        if (r < 0)
                return r;
        r = proto_buf_map(&c->out, c->config->dump_max);
        if (r < 0)
                return r;
        r = proto_writer_begin(&c->w, &c->out, MAX_STREAMS, (uint32_t) (c->crash->time_ns / 1000000000u));
        if (r < 0)
                return r;

        read_stat(c);
        r = read_maps(c);
        if (r < 0)
                return r;

        /* Live state first, while the other threads are stopped... */
        r = capture_threads(c);
        if (r < 0)
                return r;
        choose_memory_source(c);
        c->regions.r = proto_buf_reserve(&c->scratch, CAPTURE_MAX_REGIONS * sizeof(struct region), 8, NULL);
        c->regions.max = c->regions.r ? CAPTURE_MAX_REGIONS : 0;
        capture_plan_tls(c);
        capture_plan_memory(c);
        r = capture_write_memory(c, &rva, &size);
        if (r < 0)
                return r;
        r = capture_write_modules(c);
        if (r < 0)
                return r;
        r = capture_write_dso_debug(c);
        if (r < 0)
                return r;
        r = capture_write_tls(c);
        if (r < 0)
                return r;
        if (dumper_rt.park.active && dumper_rt.park.status_len > 0) {
                /* The process's, read before the fork (ours is the fork's). */
                c->status.text = dumper_rt.park.status;
                c->status.len = (size_t) dumper_rt.park.status_len;
        }
        capture_read_process_files(c);
        capture_read_host(c);
        /* ...then let them go: the rest needs only what we copied. */
        capture_release_threads(c);
        release_process(c);

        r = capture_write_threads(c, &context_rva);
        if (r < 0)
                return r;
        r = proto_writer_add_stream(&c->w, MD_STREAM_MEMORY_LIST, rva, size);
        if (r < 0)
                return r;
        r = capture_write_exception(c, context_rva);
        if (r < 0)
                return r;
        r = capture_write_proc_streams(c);
        if (r < 0)
                return r;
        r = capture_write_crashd_streams(c);
        if (r < 0)
                return r;
        r = capture_write_host(c);
        if (r < 0)
                return r;
        return proto_writer_finish(&c->w);
}

/* Yama's ptrace_scope >= 1 lets a process trace only its descendants and
 * those that named it; we are neither until the parent has named us. */
static bool yama_restricts_ptrace(void) {
        char buf[8] = "";
        ssize_t n = safe_read_file("/proc/sys/kernel/yama/ptrace_scope", buf, sizeof(buf) - 1);

        return n > 0 && buf[0] != '0';
}

static void reset_signals(void) {
        static const int ignored[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2 };
        struct sigaction dfl, ign;
        sigset_t unblock;

        /* A fault in this child must kill it, not run the dumper again. */
        safe_memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&unblock);
        for (unsigned i = 0; i < dumper_n_signals; i++) {
                (void) dumper_rt.real_sigaction(dumper_signals[i], &dfl, NULL);
                sigaddset(&unblock, dumper_signals[i]);
        }
        (void) dumper_rt.real_sigaction(SIGALRM, &dfl, NULL);
        sigaddset(&unblock, SIGALRM);
        (void) sigprocmask(SIG_UNBLOCK, &unblock, NULL);
        /* Once the crashed process is gone, its service manager or shell
         * may signal what is left of it; the dump is finished first (the
         * alarm still bounds us). */
        safe_memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        for (unsigned i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
                (void) dumper_rt.real_sigaction(ignored[i], &ign, NULL);
}

int dumper_child_main(void *arg) {
        static struct capture c;        /* the child's own copy of .bss */
        struct dumper_shared *sh = dumper_rt.active;
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000000 };
        int r, tries;

        (void) arg;
        reset_signals();
        /* Our own session and process group: whoever kills the crashed
         * program's group once it is dead (a test harness, a shell's job
         * control) must not take the unfinished dump with it. */
        (void) setsid();
        /* Parked: every thread's state is in our copy already, and the
         * /proc files were read before the fork. The process may die now. */
        if (dumper_rt.park.active)
                step_aside(dumper_rt.crash.pid);
        /* Our own bound, in case the parent died and can't kill us. */
        alarm((unsigned) (dumper_rt.config.timeout_ms / 1000 + 2));

        /* With Yama restricting ptrace, wait until the parent has named us
         * as its tracer. */
        for (tries = 0; yama_restricts_ptrace() && atomic_load(&sh->go) == 0 && tries < 100; tries++)
                (void) syscall(SYS_futex, &sh->go, FUTEX_WAIT, 0, &ts, NULL, 0);

        if (dumper_rt.config.test_fault == DUMPER_TEST_FAULT_CRASH)
                (void) kill(getpid(), SIGSEGV);
        while (dumper_rt.config.test_fault == DUMPER_TEST_FAULT_HANG)
                pause();

        safe_memset(&c, 0, sizeof(c));
        c.config = &dumper_rt.config;
        c.crash = &dumper_rt.crash;
        c.pid = dumper_rt.crash.pid;
        c.proc_pid = dumper_rt.park.active ? getpid() : c.pid;
        set_own_facts(&c);
        r = build(&c);
        capture_release_threads(&c);
        if (r == 0)
                r = capture_save(&c);

        atomic_store(&sh->done, r == 0 ? DUMPER_DONE_WRITTEN : DUMPER_DONE_FAILED);
        (void) syscall(SYS_futex, &sh->done, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
        _exit(r == 0 ? 0 : 1);
}

/* No child may be made (seccomp.c): the crashing thread writes the dump
 * itself, on the child's stack (handler.c switches to it: the alternate
 * signal stack is too small for zstd). The same rules hold as in the
 * child, and more: nothing here may change the process's signal
 * dispositions, session or alarm, since the process goes on to die of
 * its own signal; and nothing bounds the time but the work itself
 * (the budgets), since nobody is left to kill us. */
int dumper_capture_in_process(void *arg) {
        static struct capture c;        /* .bss: one dump at a time (handler.c) */
        int r;

        (void) arg;
        safe_memset(&c, 0, sizeof(c));
        c.config = &dumper_rt.config;
        c.crash = &dumper_rt.crash;
        c.pid = dumper_rt.crash.pid;
        c.proc_pid = c.pid;
        set_own_facts(&c);
        c.in_process = true;
        c.flags = PROTO_CRASH_IN_PROCESS;
        r = build(&c);
        if (r == 0)
                r = capture_save(&c);
        proto_buf_unmap(&c.scratch);
        proto_buf_unmap(&c.out);
        return r;
}
