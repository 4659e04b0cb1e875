/* SPDX-License-Identifier: MIT */
/* tests/fuzz/symbolicate-src/module.c: the program the fuzz-symbolicate
 * seeds are built from (make-seeds.sh): a little of every DWARF shape the
 * symbolicator walks: structs, a union, an array, a typedef chain, an
 * enum, a function pointer, inlined calls (abstract origins), a static
 * local, recursion, and at -O2 location lists and call sites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long counter_t;
typedef counter_t count_t;

enum colour { RED, GREEN = 5, BLUE };

struct node {
        struct node *next;
        const char *name;
        double weight;
        int tags[4];
        union {
                int i;
                float f;
        } u;
        enum colour colour;
        int (*cb)(int);
};

static int twice(int x) {
        return 2 * x;
}

static inline __attribute__((always_inline)) count_t add(count_t a, count_t b) {
        count_t s = a + b;

        return s * 3;
}

__attribute__((noinline)) static int walk(struct node *n, int depth) {
        static int calls;
        int total = 0;

        calls++;
        for (; n; n = n->next)
                total += n->cb(n->tags[depth & 3]) + (int) add((count_t) depth, (count_t) n->u.i);
        if (depth > 0)
                return walk(NULL, depth - 1) + total + calls;
        return total;
}

int main(int argc, char **argv) {
        struct node b = { NULL, "b", 2.5, { 1, 2, 3, 4 }, { .f = 1.5f }, BLUE, twice };
        struct node a = { &b, argc > 1 ? argv[1] : "a", 0.5, { 5, 6, 7, 8 }, { .i = 3 }, RED, twice };
        char buf[32];

        snprintf(buf, sizeof(buf), "%d", walk(&a, argc + 2));
        puts(buf);
        return (int) strlen(buf) > 100 ? EXIT_FAILURE : EXIT_SUCCESS;
}
