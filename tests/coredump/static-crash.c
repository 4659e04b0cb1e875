/* SPDX-License-Identifier: MIT */
/* tests/coredump/static-crash.c: a static program (the preload cannot see
 * it) that dies by a NULL write three frames deep, with values in each
 * frame for crashctl symbolicate to show from crashd-coredump's dump.
 * Built -static -O0 -g. usage: static-crash [segv|abort] */
#include <stdlib.h>
#include <string.h>

struct order {
        int quantity;
        double unit_price;
        const char *customer;
};

static int *volatile null_ptr;

__attribute__((noinline)) static double charge(const struct order *o, double tax_rate) {
        double total = o->quantity * o->unit_price * (1 + tax_rate);

        *null_ptr = (int) total;        /* crash */
        return total;
}

__attribute__((noinline)) static double checkout(struct order *o) {
        const char *currency = "EUR";
        double r = charge(o, 0.2);

        return r + (double) strlen(currency);
}

int main(int argc, char **argv) {
        struct order o = { .quantity = 3, .unit_price = 9.99, .customer = "static-customer" };
        int attempts = 42;

        if (argc > 1 && strcmp(argv[1], "abort") == 0)
                abort();
        return (int) checkout(&o) + attempts;
}
