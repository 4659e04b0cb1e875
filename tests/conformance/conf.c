/* SPDX-License-Identifier: MIT */
/* tests/conformance/conf.c: a C program that dies the same way on every
 * run, with a little of every kind of value in its frames, for comparing
 * `crashctl symbolicate` with gdb's `bt full` (run-conformance.py). Built
 * at -O0 and -O2. Every local in scope at the crash is initialized, and no
 * value depends on addresses, time or the environment, so two runs (one
 * under gdb, one under the dumper) hold the same values.
 *
 * Threads: two workers block in pause() with their own locals, one in
 * pthread_cond_wait (libc's inlined futex chain and entry values), one in
 * read() (a local kept in a callee-saved register across the call), one
 * in pause() at the end of a chain of tail calls (at -O2); the main thread
 * then crashes 14 frames deep (recursion, an inlined helper, an
 * always_inline function) by writing through a NULL pointer that the
 * compiler cannot see is NULL, or with "abort" as its argument by calling
 * abort() there (libc's raise chain). asm statements after the faulting
 * store keep values live at -O2, so that the optimizer leaves something to
 * recover.
 *
 * With CONF_PLUGIN naming conf-plugin.c built as a shared library, the
 * crash goes through it (dlopen()ed: its static locals in a library's
 * .data and .bss, its thread-local one in dynamic TLS). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Keeps a value alive (in a register or memory) up to this point. */
#define KEEP(x) __asm__ volatile("" : : "g"(x) : "memory")

enum color { RED, GREEN, BLUE };
enum perm { P_READ = 1, P_WRITE = 2, P_EXEC = 4 };
enum level { L_LOW = -1, L_MID = 0, L_HIGH = 1 };

struct point {
        int x, y;
};
typedef struct point point_t;

struct shape {
        const char *label;
        point_t corners[3];
        double area;
        float scale;
        enum color color;
};

struct flags {
        unsigned ready : 1;
        unsigned mode : 3;
        int delta : 5;
        bool on : 1;
        unsigned wide : 20;
};

union number {
        int i;
        float f;
        unsigned char bytes[4];
};

struct node {
        int value;
        struct node *next;
        char tag[8];
};

struct mixed {
        char c;
        short s;
        long l;
        double d;
        struct {
                int a, b;
        } inner;
        union {
                int ui;
                char uc[4];
        };
};

typedef int (*binop_fn)(int, int);

struct worker_arg {
        int id;
        volatile pid_t tid;
        const char *name;
        double weight;
        struct point home;
};

int *volatile crash_ptr;        /* NULL, but the compiler cannot know */
char global_buf[32] = "global buffer";
static const char rodata_msg[] = "read-only message";
/* Large enough that its end is past the file's last page: the .bss tail
 * is an anonymous mapping. */
static char bss_area[32 * 1024];

/* conf-plugin.c's entry, when CONF_PLUGIN names it. */
typedef int (*plugin_call_fn)(int (*back)(int, const char *), int value, const char *why);
static plugin_call_fn plugin_call;
static sem_t ready;

NOINLINE static int op_add(int a, int b) {
        return a + b;
}

NOINLINE static int op_mul(int a, int b) {
        return a * b;
}

/* ---- the workers ---- */

NOINLINE static void worker_block(struct worker_arg *arg, int depth, double factor) {
        int squares[4] = { arg->id, arg->id * arg->id, 9, 16 };
        double scaled = arg->weight * factor;
        const char *greeting = arg->id == 1 ? "hello from one" : "hello from two";
        enum perm access = arg->id == 1 ? P_READ | P_WRITE : P_EXEC;
        /* Thread-local: each worker's own (DW_OP_form_tls_address). */
        static __thread long worker_tls;

        worker_tls = 100L * arg->id;
        sem_post(&ready);
        for (;;) {
                pause();
                KEEP(squares);
                KEEP(scaled);
                KEEP(greeting);
                KEEP(access);
                KEEP(depth);
                KEEP(worker_tls);
        }
}

static void *worker_main(void *p) {
        struct worker_arg *arg = p;
        char name[16] = { 0 };

        snprintf(name, sizeof name, "worker-%d", arg->id);
        arg->tid = gettid();
        pthread_setname_np(pthread_self(), name);
        worker_block(arg, arg->id + 1, 0.5 * arg->id);
        return NULL;
}

/* ---- workers blocked in other system calls ---- */

/* Waits on a condition nobody signals: libc's futex wait, whose frames are
 * an inlined chain (__futex_abstimed_wait_common into
 * __futex_abstimed_wait_cancelable64 into __pthread_cond_wait_common)
 * with parameters known only through entry values. */
static pthread_mutex_t never_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

NOINLINE static void waiter_block(int id, double limit) {
        long spent = 333L * id;         /* in a callee-saved register at -O2 */

        pthread_mutex_lock(&never_mutex);
        sem_post(&ready);
        for (;;) {
                pthread_cond_wait(&never, &never_mutex);
                KEEP(spent);
                KEEP(limit);
        }
}

/* Reads a pipe nobody writes to. */
static int quiet_pipe[2];

NOINLINE static long reader_block(int fd, unsigned rounds) {
        long spent = 333;
        char buf[8];
        ssize_t n;

        sem_post(&ready);
        n = read(fd, buf, sizeof buf);
        spent += n + (long) rounds;
        KEEP(buf);
        return spent;
}

/* Tail calls at -O2: process jumps to ship, ship to label_for, which
 * blocks; gdb rebuilds ship and process from the call sites. */
static volatile bool never_true;

NOINLINE static int label_for(int code, double amount) {
        int label = code * 3;

        sem_post(&ready);
        /* Not noreturn: GCC would call it instead of jumping to it. */
        while (!never_true) {
                pause();
                KEEP(label);
                KEEP(amount);
        }
        return label;
}

NOINLINE static int ship(int code, double amount) {
        return label_for(code + 1, amount * 2);
}

NOINLINE static int process(int code, double amount) {
        return ship(code + 1, amount + 0.5);
}

static void *waiter_main(void *p) {
        *(volatile pid_t *) p = gettid();
        pthread_setname_np(pthread_self(), "waiter");
        waiter_block(3, 2.5);
        return p;
}

static void *reader_main(void *p) {
        *(volatile pid_t *) p = gettid();
        pthread_setname_np(pthread_self(), "reader");
        return (void *) reader_block(quiet_pipe[0], 7);
}

static void *shipper_main(void *p) {
        *(volatile pid_t *) p = gettid();
        pthread_setname_np(pthread_self(), "shipper");
        return (void *) (long) process(1000, 250.0);
}

/* ---- the crash ---- */

static bool crash_by_abort;     /* argv[1] == "abort": libc's raise chain */

ALWAYS_INLINE int scale_point(point_t *p, int k) {
        int sx = p->x * k, sy = p->y * k;

        p->x = sx;
        p->y = sy;
        return sx + sy;
}

/* abort()'s own locals are read before it sets them (its sigaction
 * `act`), so they show what earlier calls left on the stack; the dumper's
 * start-up leaves its dump folder's name there, which differs between the
 * parked and the ptrace run. Painting the stack below crash_now first makes
 * them the same in every run. */
NOINLINE static void paint_stack(void) {
        volatile unsigned char pad[16384];

        for (size_t i = 0; i < sizeof pad; i++)
                pad[i] = 0x5a;
}

/* The crash itself, inlined into its caller at every level. */
ALWAYS_INLINE void poke(int value, const char *why) {
        /* Static locals of an inlined function: at -O2 their locations are
         * only in the abstract instance. */
        static int pokes;
        int doubled = value * 2;

        pokes++;
        KEEP(__PRETTY_FUNCTION__);

        /* Live gdb hides an inlined frame whose first instruction is the
         * pc (skip_inline_frames, for breakpoints); a nop first keeps the
         * faulting store inside poke for both. */
        __asm__ volatile("nop");
        if (crash_by_abort)
                abort();                /* SIGABRT */
        *crash_ptr = doubled;           /* SIGSEGV */
        KEEP(why);
        KEEP(doubled);
        KEEP(pokes);
}

/* Called back from the plugin: the crash, with the plugin's frame above. */
NOINLINE static int crash_back(int value, const char *why) {
        poke(value, why);
        return value;
}

/* Small and called once: GCC inlines it at -O2. */
static int checksum(const unsigned char *data, int n) {
        int sum = 0;

        for (int i = 0; i < n; i++)
                sum = sum * 31 + data[i];
        return sum;
}

NOINLINE static void crash_now(struct shape *shape, double ratio, float fraction, char initial, const char *text,
                               binop_fn fn, enum level lvl) {
        static int calls;
        static __thread int tls_calls = 40;     /* the crashing thread's */
        /* Function pointers in a PIE: relocated at load, in RELRO; more
         * of them than the memory around a register holding its address. */
#define OPS4 op_add, op_mul, op_mul, op_add
#define OPS16 OPS4, OPS4, OPS4, OPS4
        static const binop_fn dispatch[96] = { OPS16, OPS16, OPS16, OPS16, OPS16, OPS16 };
#undef OPS16
#undef OPS4
        char *far_bss = bss_area + sizeof bss_area - 4000;
        struct flags fl = { .ready = 1, .mode = 5, .delta = -7, .on = true, .wide = 123456 };
        union number num = { .f = 1.5f };
        struct mixed mx = { .c = 'x', .s = -300, .l = 1234567890123L, .d = 0.1, .inner = { 7, 8 }, .ui = 0x41424344 };
        char stack_str[16] = "stack-string";
        char tail[12] = "tail";
        int zeros[20] = { 0 };
        int grid[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
        double doubles[3] = { 0.25, -1e10, 3.0 / 7.0 };
        unsigned char raw[5] = { 0, 1, 127, 128, 255 };
        bool yes = true;
        long long big = -9007199254740993LL;
        unsigned long ubig = 18446744073709551615UL;
        short neg_short = -12345;
        unsigned short ushort = 54321;
        signed char small = -100;
        enum perm both = P_READ | P_EXEC;
        enum perm odd = (enum perm) 8;
        enum color hue = BLUE;
        int result = fn(6, 7);
        int sum;

        calls++;
        tls_calls += 2;
        strcpy(far_bss, "deep in the bss");
        point_t pt = { 3, 4 };
        if (crash_by_abort)
                paint_stack();
        sum = scale_point(&pt, 10);
        {
                int inner_local = sum + 1;
                const char *inner_msg = rodata_msg;

                if (plugin_call)
                        plugin_call(crash_back, inner_local, inner_msg);
                else
                        poke(inner_local, inner_msg);
                KEEP(inner_msg);
                KEEP(inner_local);
        }
        KEEP(fl);
        KEEP(num);
        KEEP(mx);
        KEEP(stack_str);
        KEEP(tail);
        KEEP(zeros);
        KEEP(grid);
        KEEP(doubles);
        KEEP(raw);
        KEEP(yes);
        KEEP(big);
        KEEP(ubig);
        KEEP(neg_short);
        KEEP(ushort);
        KEEP(small);
        KEEP(both);
        KEEP(odd);
        KEEP(hue);
        KEEP(result);
        KEEP(tls_calls);
        KEEP(dispatch);
        KEEP(far_bss);
        KEEP(pt);
        KEEP(shape);
        KEEP(ratio);
        KEEP(fraction);
        KEEP(initial);
        KEEP(text);
        KEEP(lvl);
}

/* At -O2 code and mult are dead after the call: gdb and we find them
 * through DW_OP_entry_value and the call site in the caller. lp points at
 * a local that lives in registers: an implicit pointer. */
NOINLINE static void middle(int code, long mult, const char *tag, struct shape *sh, const char *text, binop_fn fn) {
        struct point local_pt = { code, (int) (mult / 10) };
        struct point *lp = &local_pt;
        /* Members that fooled the old reader of printed values (issue 9,
         * point 11): crashctl masks them while printing; unmasked
         * (--no-mask, as compared here) they must print as gdb prints them. */
        struct { char q; const char *password; } quoted = { '"', "sec-quoted" };
        struct { int n; struct { const char *token; } inner; } holders[2] = { { 1, { "sec-arr-1" } }, { 2, { "sec-arr-2" } } };
        union { const char *passwd; long bits; } either = { .passwd = "sec-union" };
        struct { char note[24]; const char *password; } noted = { "\", password = \"", "sec-noted" };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
        int vla[code - 2];      /* its bound lives in the frame */
#pragma GCC diagnostic pop

        for (int i = 0; i < code - 2; i++)
                vla[i] = i * i;
        crash_now(sh, 2.5, 0.75f, 'Q', text, fn, L_LOW);
        KEEP(lp->x + lp->y);
        KEEP(tag);
        KEEP(vla);
        KEEP(&quoted);
        KEEP(holders);
        KEEP(&either);
        KEEP(&noted);
}

/* Inlined at every level; unused_flag exists only in the abstract origin
 * at -O2 (<optimized out>). */
ALWAYS_INLINE void relay(int depth, int unused_flag, struct shape *sh, const char *text, binop_fn fn) {
        middle(depth + 5, 1000, "middle-tag", sh, text, fn);
}

NOINLINE static int recurse(int n, struct node *prev, const char *heap_text) {
        struct node here = { .value = n * 100, .next = prev };
        int local_n = n;

        memcpy(here.tag, "node", 4);
        here.tag[4] = (char) ('0' + n % 10);
        if (n == 0) {
                struct shape sh = {
                        .label = "triangle",
                        .corners = { { 0, 0 }, { 4, 0 }, { 0, 3 } },
                        .area = 6.0,
                        .scale = 1.25f,
                        .color = GREEN,
                };
                unsigned char bytes[4] = { 1, 2, 3, 4 };
                int check = checksum(bytes, 4);

                relay(0, 99, &sh, heap_text, check > 0 ? op_mul : op_add);
                KEEP(sh);
                KEEP(check);
        } else
                recurse(n - 1, &here, heap_text);
        KEEP(here);
        KEEP(local_n);
        return local_n;
}

/* Until thread tid sits in system call nr: after sem_post it may still
 * be on its way there, and its stack must be the same in every run. */
static void wait_in_syscall(pid_t tid, int nr) {
        char path[64], buf[64];

        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) tid);
        for (int tries = 0; tries < 10000; tries++) {
                FILE *f = fopen(path, "r");
                size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

                if (f)
                        fclose(f);
                buf[n] = 0;
                if (atoi(buf) == nr && buf[0] >= '0' && buf[0] <= '9')
                        return;
                usleep(1000);
        }
}

/* Its own frame, gone before the crash: pthread_t values are addresses. */
NOINLINE static int start_workers(void) {
        static struct worker_arg args[2] = {
                { 1, 0, "first", 1.5, { 10, 20 } },
                { 2, 0, "second", 2.5, { 30, 40 } },
        };
        static void *(*const others[3])(void *) = { waiter_main, reader_main, shipper_main };
        static const int other_syscalls[3] = { 202 /* futex */, 0 /* read */, 34 /* pause */ };
        static volatile pid_t other_tids[3];
        pthread_t threads[5];

        sem_init(&ready, 0, 0);
        if (pipe(quiet_pipe) != 0)
                return -1;
        for (int i = 0; i < 2; i++)
                if (pthread_create(&threads[i], NULL, worker_main, &args[i]) != 0)
                        return -1;
        for (int i = 0; i < 2; i++)
                sem_wait(&ready);
        for (int i = 0; i < 2; i++)
                wait_in_syscall(args[i].tid, 34 /* pause */);
        /* One at a time: each writes its tid, then blocks. */
        for (int i = 0; i < 3; i++) {
                if (pthread_create(&threads[2 + i], NULL, others[i], (void *) &other_tids[i]) != 0)
                        return -1;
                sem_wait(&ready);
                wait_in_syscall(other_tids[i], other_syscalls[i]);
        }
        return 5;
}

/* Its own frame, gone before the crash: the path points into the
 * environment, which dumps leave out. */
NOINLINE static bool load_plugin(void) {
        const char *path = getenv("CONF_PLUGIN");
        void *h;

        if (!path)
                return true;
        h = dlopen(path, RTLD_NOW);
        plugin_call = h ? (plugin_call_fn) dlsym(h, "plugin_call") : NULL;
        if (!plugin_call)
                fprintf(stderr, "%s: %s\n", path, dlerror());
        return plugin_call != NULL;
}

int main(int argc, char **argv) {
        /* Longer than the 200 characters gdb prints of a string. */
        char *heap_text = malloc(400);
        int workers;

        if (!heap_text)
                return 1;
        strcpy(heap_text, "heap-allocated text:");
        for (int i = 0; i < 60; i++)
                snprintf(heap_text + strlen(heap_text), 8, " w%03d", i);
        if (!load_plugin())
                return 1;

        crash_by_abort = argc > 1 && strcmp(argv[1], "abort") == 0;
        workers = start_workers();
        if (workers < 0)
                return 1;
        recurse(8, NULL, heap_text);
        KEEP(workers);
        free(heap_text);
        return 0;
}
