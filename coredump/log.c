/* SPDX-License-Identifier: MIT */
/* coredump/log.c: see util.h. One write() per line, so that lines from
 * the two processes (root's and the unprivileged one) never mix. */
#include <stdio.h>
#include <string.h>

#include "util.h"

bool log_to_kmsg;
bool log_verbose;

__attribute__((format(printf, 3, 0))) static void vlog(int level, int error, const char *fmt, va_list ap) {
        char line[1024];
        int n = 0, k;

        if (level > LOG_LEVEL_WARNING && !log_verbose)
                return;
        if (log_to_kmsg)
                n = snprintf(line, sizeof(line), "<%d>", level);
        k = snprintf(line + n, sizeof(line) - (size_t) n, "crashd-coredump[%d]: ", (int) getpid());
        n += k > 0 ? k : 0;
        k = vsnprintf(line + n, sizeof(line) - (size_t) n, fmt, ap);
        n = k > 0 && (size_t) (n + k) < sizeof(line) - 1 ? n + k : (int) sizeof(line) - 2;
        if (error) {
                k = snprintf(line + n, sizeof(line) - (size_t) n, ": %s", strerror(error < 0 ? -error : error));
                n = k > 0 && (size_t) (n + k) < sizeof(line) - 1 ? n + k : (int) sizeof(line) - 2;
        }
        line[n++] = '\n';
        (void) !write(STDERR_FILENO, line, (size_t) n);
}

void log_msg(int level, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vlog(level, 0, fmt, ap);
        va_end(ap);
}

int log_errno(int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vlog(LOG_LEVEL_ERR, r, fmt, ap);
        va_end(ap);
        return r;
}
