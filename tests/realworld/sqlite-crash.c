/* SPDX-License-Identifier: MIT */
/* tests/realworld/sqlite-crash.c: an order ledger on SQLite 3 (the
 * amalgamation sqlite3.c, from the npm package better-sqlite3, which ships
 * it; run-realworld.py builds it at -O2 -g with this file) that dies
 * inside SQLite's code, two statements deep, for comparing `crashctl
 * symbolicate` with gdb on real optimized code: SQLite's bytecode engine
 * (sqlite3VdbeExec) keeps hundreds of locals, and the statement being run
 * is a heap string (sqlite3_exec's zSql), the "SQL statement".
 *
 * The main thread runs a report, a SELECT over the orders whose audit()
 * (ours) checks each customer against a limits table with a statement of
 * its own. That statement calls weight(), which reads its optional second
 * argument without looking at argc: the value pointer it hands SQLite is
 * NULL, and sqlite3_value_double dies reading it (SIGSEGV in SQLite).
 *
 * One more thread, on its own connection, runs a query whose wait_more()
 * blocks in read() on a pipe nobody writes, so its SQLite frames are
 * compared too; the main thread waits until it sits in the system call.
 * Nothing depends on time or the environment: two runs hold the same
 * values. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sqlite3.h"

#include "wait-in-syscall.h"

#define NOINLINE __attribute__((noinline))

struct ledger {
        sqlite3 *db;
        sqlite3_stmt *limit_stmt;       /* SELECT ... FROM limits WHERE customer = ? */
        int audited;
};

static sem_t ready;
static int quiet_pipe[2];
static volatile pid_t waiter_tid;       /* not main's local: tids differ run to run */

/* weight(amount [, factor]): the bug is reading argv[1] without argc. */
static void weight_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
        sqlite3_value *factor = argc > 1 ? argv[1] : NULL;
        double amount = sqlite3_value_double(argv[0]);

        sqlite3_result_double(ctx, amount * sqlite3_value_double(factor));     /* NULL: SIGSEGV inside */
}

/* audit(customer, amount): the customer's limit, weighted, from the
 * limits table: a statement run from inside the report's. */
NOINLINE static int check_limit(struct ledger *lg, const unsigned char *customer, double amount) {
        int over = 0;

        sqlite3_reset(lg->limit_stmt);
        sqlite3_bind_text(lg->limit_stmt, 1, (const char *) customer, -1, SQLITE_STATIC);
        while (sqlite3_step(lg->limit_stmt) == SQLITE_ROW)
                over += amount > sqlite3_column_double(lg->limit_stmt, 0);
        lg->audited++;
        return over;
}

static void audit_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
        struct ledger *lg = sqlite3_user_data(ctx);

        (void) argc;
        sqlite3_result_int(ctx, check_limit(lg, sqlite3_value_text(argv[0]), sqlite3_value_double(argv[1])));
}

/* wait_more(): the waiting thread's query blocks here. */
static void wait_more_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
        char byte = 0;

        (void) argc;
        (void) argv;
        sem_post(&ready);
        while (read(quiet_pipe[0], &byte, 1) != 1)
                ;
        sqlite3_result_int(ctx, byte);
}

static void must(int rc, sqlite3 *db, const char *what) {
        if (rc != SQLITE_OK) {
                fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
                exit(1);
        }
}

static int print_row(void *user, int n, char **values, char **names) {
        (void) user;
        for (int i = 0; i < n; i++)
                printf("%s=%s ", names[i], values[i] ? values[i] : "NULL");
        printf("\n");
        return 0;
}

static void *waiter_main(void *p) {
        sqlite3 *db;
        char *error = NULL;

        (void) p;
        pthread_setname_np(pthread_self(), "sqlite-wait");
        waiter_tid = gettid();
        must(sqlite3_open(":memory:", &db), NULL, "open");
        must(sqlite3_create_function(db, "wait_more", 0, SQLITE_UTF8, NULL, wait_more_fn, NULL, NULL), db,
             "wait_more");
        sqlite3_exec(db, "WITH feed(n) AS (VALUES (1), (2)) SELECT n, wait_more() FROM feed", print_row, NULL,
                     &error);
        return NULL;
}

NOINLINE static void load(struct ledger *lg) {
        static const struct {
                const char *customer;
                double amount;
        } orders[] = { { "acme", 120.5 }, { "globex", 75.25 }, { "initech", 990.0 }, { "acme", 33.0 } };
        sqlite3_stmt *ins;

        must(sqlite3_exec(lg->db,
                          "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount REAL);"
                          "CREATE TABLE limits(customer TEXT PRIMARY KEY, cap REAL);"
                          "INSERT INTO limits VALUES ('acme', 100.0), ('globex', 500.0), ('initech', 750.0);",
                          NULL, NULL, NULL),
             lg->db, "schema");
        must(sqlite3_prepare_v2(lg->db, "INSERT INTO orders(customer, amount) VALUES (?, ?)", -1, &ins, NULL),
             lg->db, "prepare insert");
        for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
                sqlite3_bind_text(ins, 1, orders[i].customer, -1, SQLITE_STATIC);
                sqlite3_bind_double(ins, 2, orders[i].amount);
                sqlite3_step(ins);
                sqlite3_reset(ins);
        }
        sqlite3_finalize(ins);
}

/* The report: sqlite3_exec of a statement built on the heap. */
NOINLINE static int run_report(struct ledger *lg, const char *min_customer) {
        char *sql = sqlite3_mprintf("SELECT id, customer, amount, audit(customer, amount) AS over "
                                    "FROM orders WHERE customer >= %Q ORDER BY id",
                                    min_customer);
        char *error = NULL;
        int rc = sqlite3_exec(lg->db, sql, print_row, NULL, &error);

        sqlite3_free(sql);
        sqlite3_free(error);
        return rc;
}

int main(void) {
        struct ledger lg = { 0 };
        pthread_t waiter;

        if (pipe(quiet_pipe) != 0)
                return 1;
        sem_init(&ready, 0, 0);
        if (pthread_create(&waiter, NULL, waiter_main, NULL) != 0)
                return 1;
        sem_wait(&ready);
        wait_in_syscall(waiter_tid, 0 /* read */);

        must(sqlite3_open(":memory:", &lg.db), NULL, "open");
        must(sqlite3_create_function(lg.db, "audit", 2, SQLITE_UTF8, &lg, audit_fn, NULL, NULL), lg.db, "audit");
        must(sqlite3_create_function(lg.db, "weight", -1, SQLITE_UTF8, NULL, weight_fn, NULL, NULL), lg.db,
             "weight");
        load(&lg);
        must(sqlite3_prepare_v2(lg.db, "SELECT weight(cap) FROM limits WHERE customer = ?", -1, &lg.limit_stmt,
                                NULL),
             lg.db, "prepare limit");
        /* Not reached past the first audit: the crash is in weight(). */
        return run_report(&lg, "acme") == SQLITE_OK ? 0 : 1;
}
