/* SPDX-License-Identifier: MIT */
/* coredump/util.h: the few helpers crashd-coredump needs: systemd's
 * cleanup idioms (as daemon/util.h has them; the handler links nothing of
 * the daemon) and one-line logging to stderr, which is the kernel log when
 * the kernel started us (no stderr then: main.c opens /dev/kmsg). */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline uint64_t now_ns(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

/* log.c: "crashd-coredump[PID]: message" on stderr, with the kernel log's
 * level prefix when stderr is /dev/kmsg. Errors always; info only with
 * verbose set. */
enum { LOG_LEVEL_ERR = 3, LOG_LEVEL_WARNING = 4, LOG_LEVEL_INFO = 6 };
extern bool log_to_kmsg;
extern bool log_verbose;
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs, and returns r (a negative errno) for `return log_errno(r, ...)`. */
int log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
