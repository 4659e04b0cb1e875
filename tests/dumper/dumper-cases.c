/* SPDX-License-Identifier: MIT */
/* tests/dumper/dumper-cases.c: programs for run-dumper-tests.py. Linked
 * against libcrashdump.so (the "api" case uses crashdump.h directly); the
 * other cases run with or without LD_PRELOAD like any program.
 *
 *   api         tags, 70 breadcrumbs (the ring keeps 64), two dumps on
 *               request, then a normal exit 0
 *   crash       a NULL write three frames down
 *   fork-crash  forks; parent and child crash at the same moment
 *   threads N   N threads in all, N - 1 of them waiting in read(), then
 *               crashes as "crash" does
 *   proc-title  rewrites its argv and environment area as servers that set
 *               their process title do (redis-server, nginx, PostgreSQL:
 *               environ moved to the heap, the strings overwritten), then
 *               crashes as "crash" does
 *   seccomp-kill     4 threads; a seccomp filter (through syscall(), as
 *                    libseccomp installs it) that kills the process on
 *                    clone, clone3, fork and vfork; then crashes
 *   seccomp-eperm    the same filter through prctl(), returning EPERM
 *   seccomp-raw      the kill filter with an inline syscall instruction,
 *                    unseen by the dumper until the crash
 *   seccomp-exec     the kill filter, then execve of "crash": inherited
 *   seccomp-api      the kill filter, then crashdump_write_dump() and exit 0
 *   seccomp-strict   strict mode (read, write, exit, sigreturn), then
 *                    crashes
 *   heap        a list of 50 heap nodes, each after an unreferenced spacer
 *               allocation, and a 4 KiB heap buffer, reachable only from
 *               its stack; prints "node ADDR SIZE" for each, "buffer ADDR
 *               SIZE" and "heap START END" for [heap], then crashes
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashdump.h"

static volatile int *volatile null_ptr;

__attribute__((noinline)) static void crash_here(int depth) {
        if (depth > 0) {
                crash_here(depth - 1);
                return;
        }
        *null_ptr = 42;
}

static int api(void) {
        char msg[64];
        int r;

        if (crashdump_set_tag("build", "1234") < 0 || crashdump_set_tag("role", "api-test") < 0 ||
            crashdump_set_tag("gone", "x") < 0 || crashdump_set_tag("gone", NULL) < 0)
                return 10;
        for (int i = 0; i < 70; i++) {
                snprintf(msg, sizeof(msg), "step %d", i);
                crashdump_breadcrumb(i % 2 ? CRASHDUMP_WARNING : CRASHDUMP_INFO, msg);
        }
        r = crashdump_write_dump();
        if (r < 0) {
                fprintf(stderr, "crashdump_write_dump: %s\n", strerror(-r));
                return 11;
        }
        crashdump_breadcrumb(CRASHDUMP_ERROR, "after the first dump");
        r = crashdump_write_dump();
        if (r < 0)
                return 12;
        puts("still running");
        return 0;
}

static int fork_crash(void) {
        int fds[2];
        char go = 0;
        pid_t pid;

        if (pipe(fds) < 0)
                return 20;
        pid = fork();
        if (pid < 0)
                return 21;
        /* Both wait on the pipe so that they crash together. */
        if (pid == 0) {
                close(fds[1]);
                if (read(fds[0], &go, 1) < 0)
                        _exit(22);
                crash_here(2);
                _exit(23);
        }
        close(fds[0]);
        if (write(fds[1], &go, 1) != 1)
                return 24;
        crash_here(3);
        return 25;
}

static int quiet[2];
static pthread_barrier_t started;

static void *waiter(void *arg) {
        char c;

        (void) arg;
        pthread_barrier_wait(&started);
        while (read(quiet[0], &c, 1) != 0)
                ;
        return NULL;
}

/* n threads in all: the parking path holds 64 besides the crashing one,
 * past that the dumper takes the others with ptrace. */
static int threads_start(int n) {
        pthread_attr_t attr;

        if (n < 1 || n > 4096 || pipe(quiet) != 0 || pthread_barrier_init(&started, NULL, (unsigned) n) != 0 ||
            pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 64 * 1024) != 0)
                return 50;
        for (int i = 1; i < n; i++) {
                pthread_t t;

                if (pthread_create(&t, &attr, waiter, NULL) != 0)
                        return 51;
        }
        pthread_barrier_wait(&started);
        return 0;
}

static int threads(int n) {
        int r = threads_start(n);

        if (r != 0)
                return r;
        crash_here(3);
        return 52;
}

extern char **environ;

enum install_via { VIA_SYSCALL, VIA_PRCTL, VIA_INSTRUCTION };

/* Kills (or fails, per action) clone, clone3, fork and vfork; allows the
 * rest. */
static int deny_clone(uint32_t action, enum install_via via) {
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 4, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 3, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fork, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_vfork, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, action),
        };
        struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
        long r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
                return -1;
        switch (via) {
        case VIA_SYSCALL:
                return (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
        case VIA_PRCTL:
                return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
        case VIA_INSTRUCTION:
                __asm__ volatile("syscall"
                                 : "=a"(r)
                                 : "a"((long) SYS_seccomp), "D"((long) SECCOMP_SET_MODE_FILTER), "S"(0L),
                                   "d"(&prog)
                                 : "rcx", "r11", "memory");
                return r == 0 ? 0 : -1;
        }
        return -1;
}

static int seccomp_case(const char *mode, char **argv) {
        if (strcmp(mode, "seccomp-strict") == 0) {
                if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
                        return 60;
                crash_here(3);          /* no system call before the fault */
                return 61;
        }
        if (strcmp(mode, "seccomp-kill") == 0) {
                int r = threads_start(4);

                if (r != 0)
                        return r;
                if (deny_clone(SECCOMP_RET_KILL_PROCESS, VIA_SYSCALL) != 0)
                        return 62;
        } else if (strcmp(mode, "seccomp-api") == 0) {
                if (deny_clone(SECCOMP_RET_KILL_PROCESS, VIA_SYSCALL) != 0)
                        return 68;
                return crashdump_write_dump() == 0 ? 0 : 69;
        } else if (strcmp(mode, "seccomp-eperm") == 0) {
                if (deny_clone(SECCOMP_RET_ERRNO | 1 /* EPERM */, VIA_PRCTL) != 0)
                        return 63;
        } else if (strcmp(mode, "seccomp-raw") == 0) {
                if (deny_clone(SECCOMP_RET_KILL_PROCESS, VIA_INSTRUCTION) != 0)
                        return 64;
        } else if (strcmp(mode, "seccomp-exec") == 0) {
                char *args[] = { argv[0], "crash", NULL };

                if (deny_clone(SECCOMP_RET_KILL_PROCESS, VIA_INSTRUCTION) != 0)
                        return 65;
                execv(argv[0], args);
                return 66;
        } else
                return 2;
        crash_here(3);
        return 67;
}

/* As redis-server's setproctitle does: the argv and environment strings
 * are one contiguous area; environ moves to copies on the heap, and the
 * whole area is cleared and holds the new title. */
static int proc_title(int argc, char **argv) {
        char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
        size_t n = 0;
        char **copy;

        while (environ[n])
                n++;
        if (!(copy = calloc(n + 1, sizeof(*copy))))
                return 40;
        for (size_t i = 0; i < n; i++) {
                if (environ[i] == end)
                        end += strlen(environ[i]) + 1;
                if (!(copy[i] = strdup(environ[i])))
                        return 41;
        }
        environ = copy;
        memset(start, 0, (size_t) (end - start));
        snprintf(start, (size_t) (end - start), "dumper-cases: a rewritten title");
        crash_here(3);
        return 42;
}

struct heap_node {
        struct heap_node *next;
        uint64_t index;
        char tag[32];
};

/* The list and the buffer hang off main's and this frame's locals only:
 * each node is one pointer further from the stack than the one before. */
__attribute__((noinline)) static int heap_case(void) {
        struct heap_node *volatile head = NULL;
        unsigned char *volatile buffer = malloc(4096);
        char line[256];
        FILE *maps;

        if (!buffer)
                return 2;
        for (size_t i = 0; i < 4096; i++)
                buffer[i] = (unsigned char) (i * 7 + 1);
        for (uint64_t i = 0; i < 50; i++) {
                struct heap_node *n;

                /* Never referenced: the nodes are not neighbours, so no
                 * window around one node holds the next. */
                if (!malloc(200))
                        return 2;
                n = malloc(sizeof(*n));
                if (!n)
                        return 2;
                n->next = head;
                n->index = 49 - i;
                snprintf(n->tag, sizeof(n->tag), "crashd-node-%02u", (unsigned) (49 - i));
                head = n;
        }
        for (struct heap_node *n = head; n; n = n->next)
                printf("node %p %zu\n", (void *) n, sizeof(*n));
        printf("buffer %p %d\n", (void *) buffer, 4096);
        maps = fopen("/proc/self/maps", "r");
        while (maps && fgets(line, sizeof(line), maps)) {
                unsigned long lo, hi;

                if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
                        printf("heap 0x%lx 0x%lx\n", lo, hi);
        }
        if (maps)
                fclose(maps);
        fflush(stdout);
        crash_here(3);
        return head->index + buffer[0];
}

int main(int argc, char **argv) {
        const char *mode = argc > 1 ? argv[1] : "";

        if (strcmp(mode, "proc-title") == 0)
                return proc_title(argc, argv);
        if (strcmp(mode, "threads") == 0 && argc > 2)
                return threads(atoi(argv[2]));
        if (strcmp(mode, "api") == 0)
                return api();
        if (strcmp(mode, "crash") == 0) {
                crash_here(3);
                return 30;
        }
        if (strcmp(mode, "fork-crash") == 0)
                return fork_crash();
        if (strcmp(mode, "heap") == 0)
                return heap_case();
        if (strncmp(mode, "seccomp-", 8) == 0)
                return seccomp_case(mode, argv);
        fprintf(stderr, "usage: %s api|crash|fork-crash|heap|proc-title|threads N|seccomp-*\n", argv[0]);
        return 2;
}
