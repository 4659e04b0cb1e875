/* SPDX-License-Identifier: MIT */
/* dumper/seccomp.c: what a seccomp sandbox leaves the crash path.
 *
 * The dumper makes a child with clone(). Under a filter that kills on
 * clone (SECCOMP_RET_KILL_PROCESS, KILL_THREAD or TRAP, whose SIGSYS is
 * blocked in our handler and so kills too) that call ends the program by
 * SIGSYS instead of its own signal; under strict mode (read, write, exit
 * and rt_sigreturn only) the handler's first other system call kills the
 * thread by SIGKILL. Nothing can be probed at crash time: the probe is the
 * system call that kills. And a filter cannot be read back
 * (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN and a tracer). So the
 * dumper learns of seccomp beforehand, in three ways:
 *
 *   - at load, /proc/self/status "Seccomp:" shows a filter inherited
 *     through execve (systemd's SystemCallFilter=, containers, firejail);
 *     strict mode cannot be inherited (execve is not allowed in it);
 *   - the interposed prctl() and syscall() (preload.c) see
 *     PR_SET_SECCOMP and SYS_seccomp from the program and from libseccomp,
 *     which calls syscall(__NR_seccomp, ...): a filter marks the process,
 *     strict mode marks the calling thread (it is per thread and the
 *     thread can start no other);
 *   - at crash time, when neither said anything, the crashing thread's
 *     own /proc/thread-self/status (a raw open and read): a filter set with
 *     an inline system call instruction. Reading a file is what any
 *     filtered program must still be allowed to do; clone is what
 *     sandboxes forbid.
 *
 * A filter's verdict on clone is unknown, so any filter means "no child":
 * the dump is written in-process by the crashing thread (handler.c), with
 * the other threads parked if they can be (tgkill and futex: what abort()
 * and pthreads need anyway). Strict mode means no dump at all: the handler
 * makes the program die by its own signal without a single forbidden call.
 * A filter that returns an error for clone is handled too: clone fails and
 * the dump is written in-process. */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dumper.h"
#include "safe.h"

/* Per thread, initial-exec: reading it in the handler is a load at an
 * offset from %fs, no system call and no lazy TLS allocation (a preloaded
 * library's TLS is in the static block). */
static __thread bool thread_strict __attribute__((tls_model("initial-exec")));
static _Atomic bool process_filtered;

bool dumper_seccomp_thread_strict(void) {
        return thread_strict;
}

/* "Seccomp:\t2" in a status text of n bytes: 0 none, 1 strict, 2 filter.
 * A hand-made scan (no sscanf: this runs in the crash handler too). */
static int status_mode(const char *s, size_t n) {
        static const char key[] = "\nSeccomp:";
        const size_t k = sizeof(key) - 1;

        for (size_t i = 0; i + k < n; i++) {
                size_t j = 0;

                while (j < k && s[i + j] == key[j])
                        j++;
                if (j < k)
                        continue;
                for (i += k; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
                        ;
                return i < n && s[i] >= '0' && s[i] <= '2' ? s[i] - '0' : 0;
        }
        return 0;
}

int dumper_seccomp_status_mode(const char *s, size_t n) {
        return status_mode(s, n);
}

DUMPER_LOAD_TIME void dumper_seccomp_load(void) {
        char buf[4096];
        ssize_t n = safe_read_file("/proc/self/status", buf, sizeof(buf));

        if (n > 0 && status_mode(buf, (size_t) n) == SECCOMP_MODE_FILTER)
                atomic_store(&process_filtered, true);
}

/* Called by the interposed functions once the kernel said yes. Only
 * stores to memory: the thread may be in strict mode already. */
void dumper_seccomp_installed(unsigned long mode) {
        if (mode == SECCOMP_MODE_STRICT)
                thread_strict = true;
        else if (mode == SECCOMP_MODE_FILTER)
                atomic_store(&process_filtered, true);
}

/* prctl(PR_SET_SECCOMP, mode, ...) and seccomp(op, ...) name the mode
 * differently; both come here as SECCOMP_MODE_*. */
unsigned long dumper_seccomp_mode_of_op(unsigned long op) {
        switch (op) {
        case SECCOMP_SET_MODE_STRICT:
                return SECCOMP_MODE_STRICT;
        case SECCOMP_SET_MODE_FILTER:
                return SECCOMP_MODE_FILTER;
        default:
                return SECCOMP_MODE_DISABLED;   /* GET_ACTION_AVAIL, GET_NOTIF_SIZES */
        }
}

/* On the crash path, in the crashing thread (not in strict mode: the
 * handler checked that first). open and read of /proc are plain system
 * calls; the scan is a byte loop over a buffer on the stack. */
bool dumper_seccomp_no_child(void) {
        char buf[4096];
        ssize_t n;

        if (atomic_load(&process_filtered))
                return true;
        n = safe_read_file("/proc/thread-self/status", buf, sizeof(buf));
        if (n > 0 && status_mode(buf, (size_t) n) == SECCOMP_MODE_FILTER) {
                atomic_store(&process_filtered, true);
                return true;
        }
        return false;
}
