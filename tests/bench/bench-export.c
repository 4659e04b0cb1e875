/* SPDX-License-Identifier: MIT */
/* tests/bench/bench-export.c: core_export_write() alone, timed in process:
 * loads a dump once, then writes its core RUNS times into a memfd (the
 * page cache, no disk) and prints the median, p90 and minimum in
 * microseconds and the core's size. export-core.py runs it.
 *   bench-export DUMP [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core-export.h"

static int by_value(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
        struct proto_dump *d = NULL;
        char err[512];
        int runs = argc > 2 ? atoi(argv[2]) : 50;
        double *t;
        off_t size = 0;

        if (argc < 2 || runs < 1 || runs > 100000) {
                fprintf(stderr, "usage: bench-export DUMP [RUNS]\n");
                return 2;
        }
        if (proto_dump_load(argv[1], &d, err, sizeof(err)) < 0) {
                fprintf(stderr, "bench-export: %s: %s\n", argv[1], err);
                return 1;
        }
        t = calloc((size_t) runs, sizeof(*t));
        if (!t)
                return 1;
        for (int i = 0; i < runs; i++) {
                int fd = memfd_create("core", MFD_CLOEXEC);
                double t0;

                if (fd < 0)
                        return 1;
                t0 = now_us();
                if (core_export_write(d, fd, err, sizeof(err)) < 0) {
                        fprintf(stderr, "bench-export: %s\n", err);
                        return 1;
                }
                t[i] = now_us() - t0;
                size = lseek(fd, 0, SEEK_END);
                close(fd);
        }
        qsort(t, (size_t) runs, sizeof(*t), by_value);
        printf("median %.0f us, p90 %.0f us, min %.0f us, core %lld bytes, %d runs\n", t[runs / 2],
               t[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1], t[0], (long long) size, runs);
        free(t);
        proto_dump_free(d);
        return 0;
}
