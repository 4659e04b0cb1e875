/* SPDX-License-Identifier: MIT */
/* tests/coredump/threads-crash.c: five threads, built -O2 -g: four named
 * workers wait in pause() with values in their frames, main dies by a
 * NULL write in compute(). The same input gives the same values, so the
 * preload's dump and crashd-coredump's can be compared. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static pthread_barrier_t all_up;
static int *volatile null_ptr;

struct job {
        int id;
        long weight;
        char label[16];
};

static struct job jobs[4];

NOINLINE static void wait_forever(struct job *j, int depth) {
        volatile long mine = j->weight * depth;

        pthread_barrier_wait(&all_up);
        for (;;)
                pause();
        (void) mine;
}

static void *worker(void *arg) {
        struct job *j = arg;
        char name[16] = "";     /* all of it set: no stack garbage to compare */

        snprintf(name, sizeof(name), "worker-%d", j->id);
        pthread_setname_np(pthread_self(), name);
        wait_forever(j, j->id + 1);
        KEEP_FRAME();
        return NULL;
}

NOINLINE static long compute(int n, long base) {
        volatile long sum = base;

        for (int i = 0; i < n; i++)
                sum += i * 7;
        *null_ptr = (int) sum;
        KEEP_FRAME();
        return sum;
}

int main(void) {
        pthread_t t[4];

        pthread_barrier_init(&all_up, NULL, 5);
        for (int i = 0; i < 4; i++) {
                jobs[i] = (struct job) { .id = i, .weight = 100 + i };
                snprintf(jobs[i].label, sizeof(jobs[i].label), "job %d", i);
                if (pthread_create(&t[i], NULL, worker, &jobs[i]) != 0)
                        return 2;
        }
        pthread_barrier_wait(&all_up);
        /* The workers are in pause() once they passed the barrier; a moment
         * for the last one to get there. */
        usleep(20000);
        return (int) compute(12, 1000);
}
