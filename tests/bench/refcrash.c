/* SPDX-License-Identifier: MIT */
/* tests/bench/refcrash.c: the reference crash of DESIGN.md's performance
 * budget, the same shape as Breakpad's bp_crash in the peer measurements:
 * 5 threads (main and 4 idle in pause()), main dies by a NULL write 4 frames
 * deep. Built -O2 -g -fno-omit-frame-pointer.
 *
 * usage: refcrash [FD]
 * REFCRASH_HEAP_MB=N fills N MiB of heap first, for a process of some size.
 * With FD, it writes a CLOCK_MONOTONIC struct timespec to that (inherited)
 * pipe just before the faulting store; crashtime takes its own stamp when
 * waitpid() returns, which gives crash->exit. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
/* After a call, so that -O2 cannot turn it into a tail call and drop a frame. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static int *volatile null_ptr;
static pthread_barrier_t all_up;

static void *idle_main(void *arg) {
        pthread_barrier_wait(&all_up);
        for (;;)
                pause();
        return arg;
}

NOINLINE static void level4(int fd) {
        struct timespec ts;

        if (fd >= 0) {
                clock_gettime(CLOCK_MONOTONIC, &ts);
                if (write(fd, &ts, sizeof(ts)) != (ssize_t) sizeof(ts))
                        _exit(3);
        }
        *null_ptr = 42;
}

NOINLINE static void level3(int fd) {
        level4(fd);
        KEEP_FRAME();
}

NOINLINE static void level2(int fd) {
        level3(fd);
        KEEP_FRAME();
}

NOINLINE static void level1(int fd) {
        level2(fd);
        KEEP_FRAME();
}

int main(int argc, char **argv) {
        int fd = argc > 1 ? atoi(argv[1]) : -1;
        pthread_t t[4];

        const char *heap_mb = getenv("REFCRASH_HEAP_MB");

        if (heap_mb && atoi(heap_mb) > 0) {
                size_t n = (size_t) atoi(heap_mb) << 20;
                char *heap = malloc(n);

                if (!heap)
                        return 2;
                for (size_t i = 0; i < n; i += 4096)
                        heap[i] = (char) i;     /* in use: every page touched */
        }
        pthread_barrier_init(&all_up, NULL, 5);
        for (int i = 0; i < 4; i++)
                if (pthread_create(&t[i], NULL, idle_main, NULL) != 0)
                        return 2;
        pthread_barrier_wait(&all_up);
        level1(fd);
        return 1;
}
