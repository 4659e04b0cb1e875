/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-blame.c: a worker that faults names its dump
 * in state/blame and still dies of the fault (daemon/blame.c), even when
 * the fault is a stack overflow; a fault with no dump blames nothing. Each
 * case runs in a child, which dies. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "blame.h"

enum how { NULL_WRITE, OVERFLOW, ABORT };

static volatile int sink;

/* Deeper than any stack: sink is never negative, which the compiler
 * cannot know. */
static int __attribute__((noinline)) recurse(int n) {
        volatile char pad[4096];

        pad[0] = (char) n;
        if (sink < 0)
                return 0;
        return recurse(n + 1) + pad[0];
}

/* The child: the handlers, a dump of its own if name, then the fault. */
static void child(int dir_fd, const char *name, enum how how) {
        static max_align_t alt[BLAME_ALT_STACK_SIZE / sizeof(max_align_t)];
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS };

        /* As in crashd, what comes after the handler is the default death
         * (cmocka's own handlers are inherited from the runner). */
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                (void) signal(sigs[i], SIG_DFL);
        if (blame_setup(dir_fd) < 0 || blame_thread_init(alt, sizeof(alt)) < 0)
                _exit(2);
        blame_set_current(name);
        switch (how) {
        case NULL_WRITE:
                /* Address 16, not 0: UBSan would stop a null store first. */
                *(volatile int *) (uintptr_t) (sink + 16) = 1;
                break;
        case OVERFLOW:
                sink = recurse(0);
                break;
        case ABORT:
                abort();
        }
        _exit(3);
}

static void run(const char *name, enum how how, int want_signal, const char *want_blame) {
        char dir[] = "/tmp/test-blame.XXXXXX", path[64], got[64] = "";
        int dir_fd, status;
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
        assert_true(dir_fd >= 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                child(dir_fd, name, how);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), want_signal);
        (void) snprintf(path, sizeof(path), "%s/blame", dir);
        {
                FILE *f = fopen(path, "r");

                if (f) {
                        if (!fgets(got, sizeof(got), f))
                                got[0] = 0;
                        fclose(f);
                        (void) unlink(path);
                }
        }
        assert_string_equal(got, want_blame);
        close(dir_fd);
        assert_int_equal(rmdir(dir), 0);
}

static void test_fault_blames_the_dump(void **state) {
        run("upload.x.dmp.zst", NULL_WRITE, SIGSEGV, "upload.x.dmp.zst");
}

static void test_overflow_blames_the_dump(void **state) {
        run("deep.dmp", OVERFLOW, SIGSEGV, "deep.dmp");
}

static void test_abort_blames_the_dump(void **state) {
        run("a.dmp", ABORT, SIGABRT, "a.dmp");
}

static void test_fault_without_a_dump(void **state) {
        run(NULL, NULL_WRITE, SIGSEGV, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fault_blames_the_dump),
                cmocka_unit_test(test_overflow_blames_the_dump),
                cmocka_unit_test(test_abort_blames_the_dump),
                cmocka_unit_test(test_fault_without_a_dump),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
