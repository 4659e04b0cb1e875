// SPDX-License-Identifier: MIT
// tests/conformance/conf.cc: the C++ side of the conformance suite (see
// conf.c): classes with bases and virtual functions, references, a class
// template, namespaces, static members, enum classes, methods (this) and
// two worker threads, crashing deterministically 5 frames deep. No
// standard library types in the frames: gdb's raw printing of them is not
// what a person reads, and the pretty printers are off in the test.
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
#define KEEP(x) __asm__ volatile("" : : "g"(x) : "memory")

int *volatile crash_ptr;        // NULL, but the compiler cannot know

namespace geo {

enum class Unit : unsigned char { mm, cm, m };

struct Vec {
        double x, y;
};

class Shape {
public:
        explicit Shape(const char *name) : name_(name), id_(++count) {}
        virtual ~Shape() {}
        virtual double area() const = 0;

        static int count;
        static const int kSides = 0;

protected:
        const char *name_;
        int id_;
};

int Shape::count = 0;

class Circle : public Shape {
public:
        Circle(double r, Unit u) : Shape("circle"), radius_(r), unit_(u) {}
        double area() const override { return 3.0 * radius_ * radius_; }
        NOINLINE double scaled(const Vec &by, int &calls, Vec &&moved) const;

private:
        double radius_;
        Unit unit_;
};

template <typename T> struct Box {
        T value;
        int tag;
        T get() const { return value; }
};

// A base named through a typedef, as basic_string's allocator_type: gdb
// labels it with the class's own name, <geo::Box<int>> = {...}. And one
// whose name clang spells "Slot<2UL, const char *>", gdb
// <geo::Slot<2ul, char const*>>.
typedef Box<int> IntBox;
template <unsigned long N, typename T> struct Slot {
        T held[N];
};
struct Tagged : IntBox, Slot<2UL, const char *> {
        int extra;
};

}  // namespace geo

struct Worker {
        int id;
        volatile pid_t tid;
        const char *label;
        geo::Box<long> box;
};

static sem_t ready;

NOINLINE static void fault(const geo::Shape &shape, int depth, const char *why) {
        int local = depth * 3;

        __asm__ volatile("nop");
        *crash_ptr = local;     // SIGSEGV
        KEEP(local);
        KEEP(why);
        KEEP(&shape);
}

NOINLINE double geo::Circle::scaled(const Vec &by, int &calls, Vec &&moved) const {
        Vec local = { by.x * radius_, by.y * radius_ };
        Box<int> ibox = { 42, 7 };
        Tagged tagged;
        Unit u = unit_;

        tagged.value = 5;       // no aggregate bases before C++17 (clang 14's default)
        tagged.tag = 6;
        tagged.extra = 9;
        tagged.held[0] = "held";
        tagged.held[1] = nullptr;
        calls++;
        fault(*this, calls, "from scaled");
        KEEP(local);
        KEEP(ibox);
        KEEP(tagged);
        KEEP(u);
        KEEP(moved);
        return local.x + local.y;
}

// A C function in C++: gdb names pointers to it "<c_check(char const*, int)>".
extern "C" NOINLINE int c_check(const char *s, int n) {
        return s[n];
}

NOINLINE static int visit(geo::Shape *shape, const geo::Circle &circle, int level) {
        // A C++ thread_local, in the main thread's static TLS block.
        static thread_local int visits = 40;
        int counter = level;
        geo::Vec by = { 2.0, 0.5 };
        double r = 0;
        int (*check)(const char *, int) = c_check;
        void (*where)(const geo::Shape &, int, const char *) = fault;

        KEEP(check);
        KEEP(where);
        visits += level;
        KEEP(visits);

        r = circle.scaled(by, counter, geo::Vec{ 1.0, -1.0 });

        KEEP(r);
        KEEP(shape);
        return counter;
}

NOINLINE static void worker_block(Worker *w, geo::Box<short> &sbox) {
        // Each worker's own copy: 7 + 10 * id.
        static thread_local long turns = 7;
        int twice = w->id * 2;
        const char *greeting = w->id == 1 ? "cxx one" : "cxx two";

        turns += 10 * w->id;
        KEEP(turns);
        sem_post(&ready);
        for (;;) {
                pause();
                KEEP(twice);
                KEEP(greeting);
                KEEP(&sbox);
        }
}

static void *worker_main(void *p) {
        Worker *w = static_cast<Worker *>(p);
        geo::Box<short> sbox = { static_cast<short>(w->id * 100), w->id };
        char name[16] = { 0 };

        snprintf(name, sizeof name, "cxx-worker-%d", w->id);
        w->tid = gettid();
        pthread_setname_np(pthread_self(), name);
        worker_block(w, sbox);
        return nullptr;
}

// Until thread tid sits in pause(), so that its stack is the same in
// every run (see conf.c).
static void wait_in_pause(pid_t tid) {
        char path[64], buf[64];

        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) tid);
        for (int tries = 0; tries < 10000; tries++) {
                FILE *f = fopen(path, "r");
                size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

                if (f)
                        fclose(f);
                buf[n] = 0;
                if (strncmp(buf, "34 ", 3) == 0)
                        return;
                usleep(1000);
        }
}

NOINLINE static int start_workers() {
        static Worker workers[2] = {
                { 1, 0, "alpha", { 1000, 1 } },
                { 2, 0, "beta", { 2000, 2 } },
        };
        pthread_t threads[2];

        sem_init(&ready, 0, 0);
        for (int i = 0; i < 2; i++)
                if (pthread_create(&threads[i], nullptr, worker_main, &workers[i]) != 0)
                        return -1;
        for (int i = 0; i < 2; i++)
                sem_wait(&ready);
        for (int i = 0; i < 2; i++)
                wait_in_pause(workers[i].tid);
        return 2;
}

int main() {
        int started = start_workers();
        geo::Circle circle(1.5, geo::Unit::cm);
        geo::Shape *shape = &circle;
        int result = 0;

        if (started < 0)
                return 1;
        result = visit(shape, circle, 3);
        KEEP(result);
        return 0;
}
