/* SPDX-License-Identifier: MIT */
/* daemon/workqueue.h: worker threads that run jobs off the event loop.
 * Each worker has its own symb_context (libdw is not thread-safe per
 * Dwfl) and keeps it warm between dumps. The loop pushes jobs (it keeps
 * the number in flight under its bound, so a push never waits), and
 * finished jobs come back on a list; an eventfd becomes readable when
 * there is something to collect, so the loop learns of results as an
 * event. Workers block every signal: signals are the loop's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "job.h"
#include "symbolicate.h"

struct workqueue;

int workqueue_new(unsigned n_workers, const struct symb_options *o, struct workqueue **ret);
/* Stops the workers after the jobs they are running (jobs still queued
 * are freed, their files stay in the spool) and frees everything. */
void workqueue_free(struct workqueue *q);

int workqueue_fd(const struct workqueue *q);
unsigned workqueue_workers(const struct workqueue *q);
void workqueue_push(struct workqueue *q, struct job *j);
/* Finished jobs, oldest first, as a list through job->next; NULL if none.
 * Clears the eventfd. */
struct job *workqueue_collect(struct workqueue *q);
/* Takes back the jobs no worker has started (SIGTERM: they stay in the
 * spool for the next start). */
struct job *workqueue_take_queued(struct workqueue *q);
/* The longest any worker has been on its current job, in ns (0: idle);
 * and that job's name. */
uint64_t workqueue_longest_running(struct workqueue *q, char *name, size_t size);
