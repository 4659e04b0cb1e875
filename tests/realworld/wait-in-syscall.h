/* SPDX-License-Identifier: MIT */
/* tests/realworld/wait-in-syscall.h: for the drivers (*-crash.c). Waits
 * until thread tid sits in system call nr (as tests/conformance/conf.c
 * does): after it signals it is ready it may still be on its way there,
 * and its stack must be the same in both crashes of a case. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void wait_in_syscall(pid_t tid, int nr) {
        /* Static and blanked after: the crash's frames reuse the stack,
         * and an optimized frame's uninitialized slot that still points
         * here would show the tid, which differs from run to run. */
        static char path[64], buf[64];

        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) tid);
        for (int tries = 0; tries < 10000; tries++) {
                FILE *f = fopen(path, "r");
                size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

                if (f)
                        fclose(f);
                buf[n] = 0;
                if (buf[0] >= '0' && buf[0] <= '9' && atoi(buf) == nr)
                        break;
                usleep(1000);
        }
        memset(path, 0, sizeof path);
        memset(buf, 0, sizeof buf);
}
