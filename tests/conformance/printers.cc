// SPDX-License-Identifier: MIT
// tests/conformance/printers.cc: every libstdc++ type crashd prints as
// gdb's printers do (symbolicate/printers-libstdcxx.c), in the frames of
// two threads, crashing deterministically, and a class defined only in
// another module (printers-parser.h). run-printers.py builds it with
// gcc and clang at -O0 and -O2 and compares each value with gdb's, with
// the printers Debian installs, on the core of the same crash.
//
// `printers corrupt` breaks some containers first (a vector whose end is
// before its start, a map whose nodes form a cycle, a string of a huge
// length, a list that loops, vectors sharing their buffers 200 x 200
// times): the report must say so and stay bounded.
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <forward_list>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <semaphore.h>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "printers-parser.h"

#define NOINLINE __attribute__((noinline))
// The object stays in memory and alive at -O2: its address escapes.
#define KEEP(x) __asm__ volatile("" : : "g"(&(x)) : "memory")

int *volatile crash_ptr;        // NULL, but the compiler cannot know
static sem_t worker_ready;

struct Part {
        int id;
        double weight;
};

struct Inventory {
        std::vector<int> counts;
        std::map<std::string, int> index;
        std::string owner;
        Part *featured;
};

// Parser is only declared in this program's DWARF (printers-parser.h).
struct Service {
        Parser *parser;
        Parser inline_parser;
        int port;
};

struct Node {
        std::string name;
        std::vector<Node *> children;
        std::shared_ptr<Part> part;
};

NOINLINE void crash(Inventory &inv, const std::string &why, std::vector<std::string> &log) {
        KEEP(inv);
        KEEP(why);
        KEEP(log);
        *crash_ptr = 1;
}

// Strings of every kind and length.
NOINLINE void strings(Inventory &inv) {
        std::string empty, sso = "fifteen chars!!", heap(300, 'y'), nul("a\0b", 3);
        std::string mixed = "line\n\ttab \"quoted\" \x7f\xff";
        std::wstring wide = L"wide";
        std::u16string u16 = u"sixteen";
        std::u32string u32 = U"thirty-two";
        std::string_view view = "a view", view_part(heap.data() + 290, 10);
        std::vector<std::string> log{"started", "loaded 3 parts", std::string(40, 'z')};
        KEEP(empty); KEEP(sso); KEEP(heap); KEEP(nul); KEEP(mixed); KEEP(wide); KEEP(u16); KEEP(u32);
        KEEP(view); KEEP(view_part); KEEP(log);
        crash(inv, mixed, log);
}

// Sequences.
NOINLINE void sequences(Inventory &inv) {
        std::vector<int> empty_vec, big(250);
        std::vector<double> reserved;
        std::vector<bool> bits(70, true);
        std::vector<std::vector<int>> nested{{1}, {2, 3}, {}};
        std::array<int, 4> arr{1, 2, 3, 4};
        std::array<std::string, 2> names{"left", "right"};
        std::deque<int> dq, spans;
        std::list<int> empty_list;
        std::list<std::string> words{"alpha", "beta"};
        std::forward_list<long> fl{5, 6, 7};
        std::forward_list<int> empty_fl;
        for (int i = 0; i < 250; i++)
                big[i] = i * 3;
        reserved.reserve(10);
        reserved.push_back(1.5);
        bits[3] = false;
        for (int i = 0; i < 3; i++)
                dq.push_front(i);
        for (int i = 0; i < 300; i++)
                spans.push_back(i);
        KEEP(empty_vec); KEEP(big); KEEP(reserved); KEEP(bits); KEEP(nested); KEEP(arr); KEEP(names);
        KEEP(dq); KEEP(spans); KEEP(empty_list); KEEP(words); KEEP(fl); KEEP(empty_fl);
        strings(inv);
}

// Associative containers.
NOINLINE void associative(Inventory &inv) {
        std::map<int, std::string> by_id{{3, "three"}, {1, "one"}, {2, "two"}};
        std::map<int, int> wide_map, empty_map;
        std::multimap<std::string, int> mm{{"a", 1}, {"a", 2}, {"b", 3}};
        std::set<std::string> tags{"red", "green", "blue"};
        std::multiset<int> ms{4, 4, 1};
        std::unordered_map<std::string, int> um{{"k", 1}, {"l", 2}};
        std::unordered_map<int, std::vector<int>> umv{{7, {7, 7}}};
        std::unordered_set<int> us{9, 10};
        std::unordered_multimap<int, int> umm{{1, 1}, {1, 2}};
        std::unordered_multiset<std::string> ums{"x", "x"};
        std::map<std::string, std::vector<int>> msv{{"x", {1, 2}}, {"y", {}}};
        for (int i = 0; i < 150; i++)
                wide_map[i] = -i;
        KEEP(by_id); KEEP(wide_map); KEEP(empty_map); KEEP(mm); KEEP(tags); KEEP(ms); KEEP(um); KEEP(umv);
        KEEP(us); KEEP(umm); KEEP(ums); KEEP(msv);
        sequences(inv);
}

// Owners, wrappers and the rest.
NOINLINE void wrappers(Inventory &inv) {
        std::unique_ptr<int> up(new int(5));
        std::unique_ptr<Part> up_null;
        std::unique_ptr<std::string> up_str(new std::string("owned"));
        std::unique_ptr<int[]> up_arr(new int[3]{1, 2, 3});
        std::shared_ptr<Part> sp = std::make_shared<Part>(Part{1, 2.5}), sp_empty, sp_copy = sp;
        std::weak_ptr<Part> wp = sp, expired;
        {
                auto gone = std::make_shared<Part>(Part{2, 0.5});
                expired = gone;
        }
        std::optional<int> none, some = 3;
        std::optional<std::string> opt_str = "maybe";
        std::optional<std::vector<int>> opt_vec = std::vector<int>{1, 2};
        std::variant<int, std::string> var_str = std::string("v"), var_int = 4;
        std::variant<double, std::vector<int>> var_vec = std::vector<int>{8};
        std::tuple<int, double, std::string> tup{1, 2.5, "t"};
        std::tuple<> empty_tup;
        std::pair<int, std::string> pr{1, "p"};
        std::pair<const std::string, std::vector<int>> pr_vec{"k", {1}};
        std::function<int(int)> fn_empty, fn_lambda = [](int x) { return x + 1; };
        std::atomic<int> at_int{7};
        std::atomic<bool> at_bool{true};
        std::atomic<long *> at_ptr{nullptr};
        std::chrono::milliseconds dur{250};
        std::thread::id self = std::this_thread::get_id();
        std::mutex mu;
        Node leaf{"leaf", {}, sp}, root{"root", {&leaf}, nullptr};
        Service service{nullptr, Parser(), 8080};
        KEEP(up); KEEP(up_null); KEEP(up_str); KEEP(up_arr); KEEP(sp); KEEP(sp_empty); KEEP(sp_copy); KEEP(wp);
        KEEP(expired); KEEP(none); KEEP(some); KEEP(opt_str); KEEP(opt_vec); KEEP(var_str); KEEP(var_int);
        KEEP(var_vec); KEEP(tup); KEEP(empty_tup); KEEP(pr); KEEP(pr_vec); KEEP(fn_empty); KEEP(fn_lambda);
        KEEP(at_int); KEEP(at_bool); KEEP(at_ptr); KEEP(dur); KEEP(self); KEEP(mu); KEEP(leaf); KEEP(root);
        KEEP(service);
        associative(inv);
}

// The crafted corruptions of `printers corrupt`, each in its own local.
struct FakeVector {
        int *start, *finish, *end;
};

static int shared_ints[200];
static FakeVector shared_rows[200], shared_tables[200];

NOINLINE void corrupt(Inventory &inv) {
        std::vector<int> backwards{1, 2, 3};
        std::string huge = "short";
        std::map<int, int> cycle{{1, 1}, {2, 2}, {3, 3}};
        std::list<int> loop{1, 2, 3};
        std::vector<int> wild{1, 2};
        FakeVector *fv = reinterpret_cast<FakeVector *>(&backwards);
        std::swap(fv->start, fv->finish);
        // _M_string_length: just after the pointer.
        reinterpret_cast<size_t *>(&huge)[1] = ~(size_t) 0 >> 1;
        // The leftmost node's right link back to the root: a cycle.
        {
                char *header = reinterpret_cast<char *>(&cycle) + 8;
                char *root = *reinterpret_cast<char **>(header + 8);
                char *leftmost = *reinterpret_cast<char **>(header + 16);
                *reinterpret_cast<char **>(leftmost + 24) = root;
                *reinterpret_cast<char **>(root + 16) = leftmost;
        }
        // The last node's next back to the second.
        {
                char *first = *reinterpret_cast<char **>(&loop);
                char *second = *reinterpret_cast<char **>(first);
                char *third = *reinterpret_cast<char **>(second);
                *reinterpret_cast<char **>(third) = second;
        }
        // Elements at an address nothing maps.
        reinterpret_cast<FakeVector *>(&wild)->start = reinterpret_cast<int *>(0x10000);
        reinterpret_cast<FakeVector *>(&wild)->finish = reinterpret_cast<int *>(0x10008);
        // 200 x 200 vectors that all share one buffer of 200 ints: 8
        // million elements to print from 10 KB of globals (in every dump).
        std::vector<std::vector<std::vector<int>>> amplify;
        for (int i = 0; i < 200; i++) {
                shared_ints[i] = 7;
                shared_rows[i] = FakeVector{shared_ints, shared_ints + 200, shared_ints + 200};
                shared_tables[i] = FakeVector{reinterpret_cast<int *>(shared_rows),
                                              reinterpret_cast<int *>(shared_rows + 200),
                                              reinterpret_cast<int *>(shared_rows + 200)};
        }
        *reinterpret_cast<FakeVector *>(&amplify) =
                FakeVector{reinterpret_cast<int *>(shared_tables), reinterpret_cast<int *>(shared_tables + 200),
                           reinterpret_cast<int *>(shared_tables + 200)};
        KEEP(backwards); KEEP(huge); KEEP(cycle); KEEP(loop); KEEP(wild); KEEP(amplify);
        std::vector<std::string> log;
        crash(inv, huge, log);
}

// A second thread with containers of its own, waiting when main crashes.
static void *worker(void *arg) {
        std::vector<std::string> queue{"job-1", "job-2"};
        std::map<int, double> rates{{1, 0.5}};
        (void) arg;
        KEEP(queue);
        KEEP(rates);
        sem_post(&worker_ready);
        for (;;)
                pause();
        return nullptr;
}

int main(int argc, char **argv) {
        Inventory inv{{4, 8, 15, 16, 23, 42}, {{"nuts", 2}, {"bolts", 1}}, "warehouse-north", nullptr};
        pthread_t t;

        sem_init(&worker_ready, 0, 0);
        pthread_create(&t, nullptr, worker, nullptr);
        sem_wait(&worker_ready);
        KEEP(inv);
        if (argc > 1 && strcmp(argv[1], "corrupt") == 0)
                corrupt(inv);
        else
                wrappers(inv);
        return 0;
}
