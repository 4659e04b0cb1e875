/* SPDX-License-Identifier: MIT */
/* examples/crashme.c: an ordinary program with a bug, for the quick start.
 * It knows nothing of crashd: four worker threads wait for jobs while the
 * main thread parses an order and dereferences a NULL pointer four calls
 * deep. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct customer {
        int id;
        const char *name;
        double balance;
};

struct order {
        int quantity;
        double unit_price;
        struct customer *customer;      /* NULL for guest orders: the bug */
};

static void *worker(void *arg) {
        (void) arg;
        for (;;)
                pause();
        return NULL;
}

__attribute__((noinline)) static double charge(struct order *o, double tax_rate) {
        double total = o->quantity * o->unit_price * (1.0 + tax_rate);

        o->customer->balance -= total;  /* crashes for guest orders */
        return total;
}

__attribute__((noinline)) static double checkout(struct order *o) {
        const char *currency = "EUR";
        double total = charge(o, 0.2);

        printf("charged %.2f %s\n", total, currency);
        return total;
}

__attribute__((noinline)) static int process(const char *line) {
        struct order o = { .quantity = 3, .unit_price = 9.99, .customer = NULL };
        char copy[32];

        snprintf(copy, sizeof(copy), "%s", line);
        if (strstr(copy, "customer="))
                return 0;
        return checkout(&o) > 0;
}

int main(void) {
        pthread_t workers[4];

        for (int i = 0; i < 4; i++)
                pthread_create(&workers[i], NULL, worker, NULL);
        usleep(10000);
        return process("order qty=3 guest") ? 0 : 1;
}
