/* SPDX-License-Identifier: MIT */
/* tests/coredump/threads-crash.c: five threads, built -O2 -g: four named
 * workers wait in pause() with values in their frames, main dies by a
 * NULL write in compute(). The same input gives the same values, so the
 * preload's dump and crashd-coredump's can be compared. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

static pthread_barrier_t all_up;
static int *volatile null_ptr;

struct job {
        int id;
        long weight;
        char label[16];
        volatile pid_t tid;
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

        j->tid = (pid_t) syscall(SYS_gettid);
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

static int in_pause(pid_t tid) {
        char path[64], buf[32] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int) tid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        fclose(f);
        return strncmp(buf, "34 ", 3) == 0;     /* SYS_pause */
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
        /* Every worker in pause() itself (its system call, in /proc), not
         * on its way there: two runs must find them in the same place. */
        for (int i = 0; i < 4; i++)
                for (int tries = 0; tries < 2000 && !in_pause(jobs[i].tid); tries++)
                        usleep(1000);
        return (int) compute(12, 1000);
}
