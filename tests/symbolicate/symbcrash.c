/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/symbcrash.c: a crash with something for each part of
 * symbolication to get right: a NULL write two inlined calls deep inside
 * a real function, three other threads blocked in the kernel, and locals
 * whose names must be masked in every report, with members that fooled
 * the old reader of printed values (issue 9, point 11): a char '"' before
 * a secret, a token inside a struct inside an array, a union, a char
 * array that holds ", password = ".
 *
 * usage: symbcrash [threads]
 * Built -O0 and -O2 (meson), and once more with -DOTHER_BUILD: the same
 * code with a different build-id, for the mismatch test; the modules test
 * also builds it with clang, which writes no .debug_aranges. The line
 * marked CRASH-HERE is where frame 0 must point. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#define INLINE static inline __attribute__((always_inline))

#ifdef OTHER_BUILD
const char symbcrash_build[] = "other";
#else
const char symbcrash_build[] = "main";
#endif

struct login {
        const char *user;
        const char *password;
        int tries;
};

/* The masking cases: every string starting "sec-" is a secret. */
struct quoted {
        char q;
        const char *password;
};
struct holder {
        int n;
        struct {
                const char *token;
        } inner;
};
union either {
        const char *passwd;
        long bits;
};
struct noted {
        char note[24];
        const char *password;
};

static int *volatile null_ptr;
static pthread_barrier_t all_up;
#define MAX_IDLE 64
static volatile pid_t idle_tids[MAX_IDLE];
static volatile int idle_started;

static void *idle_main(void *arg) {
        int k = __atomic_fetch_add(&idle_started, 1, __ATOMIC_SEQ_CST);

        if (k < MAX_IDLE)
                idle_tids[k] = gettid();
        pthread_barrier_wait(&all_up);
        for (;;)
                pause();
        return arg;
}

/* Until every idle thread sits in pause(): the dump and the kernel's core
 * are taken one after the other, and a thread still leaving the barrier
 * would be in another place in each. */
NOINLINE static void wait_idle(int threads) {
        for (int i = 0; i < threads && i < MAX_IDLE; i++)
                for (int tries = 0; tries < 10000; tries++) {
                        char path[64], buf[32] = { 0 };
                        FILE *f;

                        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) idle_tids[i]);
                        f = fopen(path, "r");
                        if (f) {
                                size_t n = fread(buf, 1, sizeof buf - 1, f);

                                fclose(f);
                                buf[n] = 0;
                        }
                        if (strncmp(buf, "34 ", 3) == 0)
                                break;
                        usleep(1000);
                }
}

INLINE void store_inner(int value) {
        *null_ptr = value; /* CRASH-HERE */
}

INLINE void store_outer(int value) {
        store_inner(value + 1);
}

NOINLINE static int check_login(const struct login *l, const char *api_token) {
        int attempts = l->tries * 2;

        if (attempts > 4 && api_token[0])
                store_outer(attempts);
        return attempts;
}

NOINLINE static int run(int threads) {
        struct login creds = { "bob", "hunter2", 3 };
        char session_cookie[16] = "c00k1e";
        struct quoted quoted = { '"', "sec-quoted" };
        struct holder holders[2] = { { 1, { "sec-arr-1" } }, { 2, { "sec-arr-2" } } };
        union either either = { .passwd = "sec-union" };
        struct noted noted = { "\", password = \"", "sec-noted" };
        int r;

        __asm__ volatile("" ::"r"(&quoted), "r"(holders), "r"(&either), "r"(&noted) : "memory");

        for (int i = 0; i < threads; i++) {
                pthread_t t;

                if (pthread_create(&t, NULL, idle_main, NULL) != 0)
                        return 2;
        }
        if (threads > 0) {
                pthread_barrier_wait(&all_up);
                wait_idle(threads);
        }
        r = check_login(&creds, session_cookie[0] ? "tok-123" : "");
        __asm__ volatile("" ::: "memory");      /* keep this frame: no tail call */
        return r + (int) strlen(session_cookie);
}

int main(int argc, char **argv) {
        int threads = argc > 1 ? atoi(argv[1]) : 3;

        pthread_barrier_init(&all_up, NULL, (unsigned) threads + 1);
        return run(threads) + (symbcrash_build[0] == 'x');
}
