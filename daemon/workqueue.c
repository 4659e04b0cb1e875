/* SPDX-License-Identifier: MIT */
/* daemon/workqueue.c: see workqueue.h. */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "blame.h"
#include "util.h"
#include "workqueue.h"

struct worker {
        struct workqueue *q;
        pthread_t thread;
        bool started;
        struct symb_context *ctx;
        struct job *current;            /* under q->lock */
        uint64_t current_since_ns;
        /* Where the fault handler runs when this worker overflows its
         * stack (blame.c): the thread is joined before it is freed. */
        max_align_t alt_stack[BLAME_ALT_STACK_SIZE / sizeof(max_align_t)];
};

struct workqueue {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct job *queued, **queued_tail;
        struct job *done, **done_tail;
        bool stopping;
        int efd;
        unsigned n_workers;
        struct worker *workers;
};

static void *worker_main(void *userdata) {
        struct worker *w = userdata;
        struct workqueue *q = w->q;

        /* Supplementary groups would survive the fsuid switch in job.c;
         * workers need none. The raw call is per thread (glibc's wrapper
         * would change every thread's). Failing is fine for a non-root
         * daemon, which has none to drop that matter. */
        (void) syscall(SYS_setgroups, 0, NULL);
        (void) blame_thread_init(w->alt_stack, sizeof(w->alt_stack));

        pthread_mutex_lock(&q->lock);
        for (;;) {
                struct job *j;
                uint64_t one = 1;

                while (!q->queued && !q->stopping)
                        pthread_cond_wait(&q->wake, &q->lock);
                if (q->stopping)
                        break;
                j = q->queued;
                q->queued = j->next;
                if (!q->queued)
                        q->queued_tail = &q->queued;
                j->next = NULL;
                w->current = j;
                w->current_since_ns = now_ns(CLOCK_MONOTONIC);
                pthread_mutex_unlock(&q->lock);

                blame_set_current(j->name);
                job_run(j, w->ctx);
                blame_set_current(NULL);

                pthread_mutex_lock(&q->lock);
                w->current = NULL;
                *q->done_tail = j;
                q->done_tail = &j->next;
                (void) !write(q->efd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&q->lock);
        blame_thread_fini();
        return NULL;
}

static void free_list(struct job *j) {
        while (j) {
                struct job *next = j->next;
                job_free(j);
                j = next;
        }
}

void workqueue_free(struct workqueue *q) {
        if (!q)
                return;
        pthread_mutex_lock(&q->lock);
        q->stopping = true;
        pthread_cond_broadcast(&q->wake);
        pthread_mutex_unlock(&q->lock);
        for (unsigned i = 0; i < q->n_workers; i++) {
                if (q->workers[i].started)
                        pthread_join(q->workers[i].thread, NULL);
                symb_context_free(q->workers[i].ctx);
        }
        free_list(q->queued);
        free_list(q->done);
        if (q->efd >= 0)
                close(q->efd);
        pthread_cond_destroy(&q->wake);
        pthread_mutex_destroy(&q->lock);
        free(q->workers);
        free(q);
}

int workqueue_new(unsigned n_workers, const struct symb_options *o, struct workqueue **ret) {
        struct workqueue *q;
        sigset_t all, old;
        int r = 0;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        pthread_mutex_init(&q->lock, NULL);
        pthread_cond_init(&q->wake, NULL);
        q->queued_tail = &q->queued;
        q->done_tail = &q->done;
        q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        q->workers = calloc(n_workers, sizeof(struct worker));
        if (q->efd < 0 || !q->workers) {
                r = q->efd < 0 ? -errno : -ENOMEM;
                workqueue_free(q);
                return r;
        }
        q->n_workers = n_workers;
        for (unsigned i = 0; i < n_workers; i++) {
                q->workers[i].q = q;
                r = symb_context_new(o, &q->workers[i].ctx);
                if (r < 0) {
                        workqueue_free(q);
                        return r;
                }
        }

        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        for (unsigned i = 0; i < n_workers; i++) {
                r = -pthread_create(&q->workers[i].thread, NULL, worker_main, &q->workers[i]);
                if (r < 0)
                        break;
                q->workers[i].started = true;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                workqueue_free(q);
                return r;
        }
        *ret = q;
        return 0;
}

int workqueue_fd(const struct workqueue *q) {
        return q->efd;
}

unsigned workqueue_workers(const struct workqueue *q) {
        return q->n_workers;
}

void workqueue_push(struct workqueue *q, struct job *j) {
        j->next = NULL;
        pthread_mutex_lock(&q->lock);
        *q->queued_tail = j;
        q->queued_tail = &j->next;
        pthread_cond_signal(&q->wake);
        pthread_mutex_unlock(&q->lock);
}

struct job *workqueue_collect(struct workqueue *q) {
        uint64_t v;
        struct job *list;

        (void) !read(q->efd, &v, sizeof(v));
        pthread_mutex_lock(&q->lock);
        list = q->done;
        q->done = NULL;
        q->done_tail = &q->done;
        pthread_mutex_unlock(&q->lock);
        return list;
}

struct job *workqueue_take_queued(struct workqueue *q) {
        struct job *list;

        pthread_mutex_lock(&q->lock);
        list = q->queued;
        q->queued = NULL;
        q->queued_tail = &q->queued;
        pthread_mutex_unlock(&q->lock);
        return list;
}

uint64_t workqueue_longest_running(struct workqueue *q, char *name, size_t size) {
        uint64_t now = now_ns(CLOCK_MONOTONIC), longest = 0;

        if (size)
                name[0] = 0;
        pthread_mutex_lock(&q->lock);
        for (unsigned i = 0; i < q->n_workers; i++) {
                struct worker *w = &q->workers[i];

                if (w->current && now - w->current_since_ns > longest) {
                        longest = now - w->current_since_ns;
                        if (size)
                                (void) strlcpy_ok(name, w->current->name, size);
                }
        }
        pthread_mutex_unlock(&q->lock);
        return longest;
}
