/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-main.c: without libFuzzer, runs LLVMFuzzerTestOneInput
 * once on every file named, or on every file in each directory named (in
 * name order), as systemd's and sentry's replay mains do. A corpus that
 * turns out empty is a failure: it means the test checked nothing. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rbe");
        uint8_t *data = NULL;
        size_t size = 0, cap = 0, k;

        if (!f) {
                fprintf(stderr, "fuzz-main: %s: %m\n", path);
                return -errno;
        }
        do {
                if (size == cap) {
                        uint8_t *p;

                        cap = cap ? cap * 2 : 65536;
                        p = realloc(data, cap);
                        if (!p) {
                                free(data);
                                fclose(f);
                                return -ENOMEM;
                        }
                        data = p;
                }
                k = fread(data + size, 1, cap - size, f);
                size += k;
        } while (k > 0);
        if (ferror(f)) {
                fprintf(stderr, "fuzz-main: %s: read error\n", path);
                free(data);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        /* An exact-size copy, so that ASan sees reads past the input. */
        {
                uint8_t *exact = malloc(size ? size : 1);

                memcpy(exact, data, size);
                free(data);
                printf("%s (%zu bytes)\n", path, size);
                fflush(stdout);
                (void) LLVMFuzzerTestOneInput(exact, size);
                free(exact);
        }
        return 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv) {
        unsigned runs = 0;

        for (int i = 1; i < argc; i++) {
                struct dirent **names;
                struct stat st;
                int n;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "fuzz-main: %s: %m\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i]) < 0)
                                return 1;
                        runs++;
                        continue;
                }
                n = scandir(argv[i], &names, NULL, cmp_names);
                if (n < 0) {
                        fprintf(stderr, "fuzz-main: %s: %m\n", argv[i]);
                        return 1;
                }
                for (int k = 0; k < n; k++) {
                        char path[4096];

                        snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
                        if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                                if (run_file(path) < 0)
                                        return 1;
                                runs++;
                        }
                        free(names[k]);
                }
                free(names);
        }
        printf("%u inputs, no crash\n", runs);
        return runs > 0 ? 0 : 1;
}
