/* SPDX-License-Identifier: MIT */
/* daemon/blame.c: see blame.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "blame.h"

#define BLAME_FILE "blame"

static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS };
static struct sigaction previous[sizeof(fault_signals) / sizeof(fault_signals[0])];
static int blame_dir_fd = -1;
static __thread const char *current;

static size_t signal_index(int sig) {
        for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
                if (fault_signals[i] == sig)
                        return i;
        return 0;
}

/* Writes name to state/blame. Used from the handler: openat, write and
 * close are async-signal-safe, strlen touches only name, and nothing here
 * allocates or locks. */
static void write_blame(const char *name) {
        int fd = openat(blame_dir_fd, BLAME_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return;
        (void) !write(fd, name, strlen(name));
        (void) close(fd);
}

static void on_fault(int sig, siginfo_t *info, void *uctx) {
        int saved = errno;

        /* Only a worker with a dump has one to blame; a fault anywhere else
         * is crashd's own and must not put a dump in bad/. */
        if (current)
                write_blame(current);
        /* Then the death it was going to be: the previous disposition
         * (SIG_DFL, or a sanitizer's report) takes over. A fault raised by
         * the hardware happens again when the handler returns; one sent
         * (abort(), kill) is sent again. */
        (void) sigaction(sig, &previous[signal_index(sig)], NULL);
        errno = saved;
        if (info->si_code <= 0)
                (void) raise(sig);
}

int blame_setup(int state_fd) {
        struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };

        blame_dir_fd = state_fd;
        (void) sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
                if (sigaction(fault_signals[i], &sa, &previous[i]) < 0)
                        return -errno;
        return 0;
}

void blame_set_current(const char *name) {
        current = name;
}

int blame_thread_init(void *stack, size_t size) {
        stack_t ss = { .ss_sp = stack, .ss_size = size };

        return sigaltstack(&ss, NULL) < 0 ? -errno : 0;
}

void blame_thread_fini(void) {
        stack_t ss = { .ss_flags = SS_DISABLE };

        (void) sigaltstack(&ss, NULL);
}

void blame_write(const char *name) {
        write_blame(name);
}

void blame_take(char *buf, size_t size) {
        int fd = openat(blame_dir_fd, BLAME_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        ssize_t n = 0;

        buf[0] = 0;
        if (fd < 0)
                return;
        n = read(fd, buf, size - 1);
        buf[n > 0 ? n : 0] = 0;
        (void) close(fd);
        (void) unlinkat(blame_dir_fd, BLAME_FILE, 0);
}
