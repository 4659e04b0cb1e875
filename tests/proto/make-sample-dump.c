/* SPDX-License-Identifier: MIT */
/* tests/proto/make-sample-dump.c: writes the synthetic sample dump to a file,
 * for crashctl's test and the fuzz seed corpus.
 *   make-sample-dump [--raw] [--variant full|minimal|breakpad|requested] OUT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sample-dump.h"

static int write_all(int fd, const uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int main(int argc, char **argv) {
        static const char *const variants[] = {
                [SAMPLE_FULL] = "full", [SAMPLE_MINIMAL] = "minimal",
                [SAMPLE_BREAKPAD] = "breakpad", [SAMPLE_REQUESTED] = "requested",
        };
        enum sample_variant v = SAMPLE_FULL;
        struct proto_buf b = {};
        const char *out = NULL;
        bool raw = false;
        int fd, r, i;

        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--raw") == 0)
                        raw = true;
                else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc) {
                        const char *name = argv[++i];
                        size_t k;

                        for (k = 0; k < sizeof(variants) / sizeof(variants[0]); k++)
                                if (strcmp(name, variants[k]) == 0)
                                        break;
                        if (k == sizeof(variants) / sizeof(variants[0])) {
                                fprintf(stderr, "make-sample-dump: unknown variant '%s'\n", name);
                                return 2;
                        }
                        v = (enum sample_variant) k;
                } else if (argv[i][0] != '-' && !out)
                        out = argv[i];
                else {
                        fprintf(stderr, "usage: make-sample-dump [--raw] [--variant full|minimal|breakpad|requested] OUT\n");
                        return 2;
                }
        }
        if (!out) {
                fprintf(stderr, "usage: make-sample-dump [--raw] [--variant full|minimal|breakpad|requested] OUT\n");
                return 2;
        }

        r = proto_buf_map(&b, 1 << 20);
        if (r >= 0)
                r = sample_dump_build(&b, v);
        if (r < 0) {
                fprintf(stderr, "make-sample-dump: building the dump: %s\n", strerror(-r));
                return 1;
        }
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
                fprintf(stderr, "make-sample-dump: %s: %m\n", out);
                return 1;
        }
        r = raw ? write_all(fd, b.data, b.size) : sample_dump_write_zstd(fd, &b);
        if (r < 0 || close(fd) < 0) {
                fprintf(stderr, "make-sample-dump: %s: %s\n", out, strerror(r < 0 ? -r : errno));
                return 1;
        }
        proto_buf_unmap(&b);
        return 0;
}
