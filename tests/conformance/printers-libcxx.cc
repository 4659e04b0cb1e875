// SPDX-License-Identifier: MIT
// tests/conformance/printers-libcxx.cc: the libc++ types crashd prints as
// gdb's libstdc++ printers would (symbolicate/printers-libcxx.c), in a
// few frames, crashing deterministically. run-printers-libcxx.py builds
// it with clang -stdlib=libc++ at -O0 and -O2 and compares the contents
// of each value with lldb-14's libc++ formatters on the core of the same
// crash.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#define NOINLINE __attribute__((noinline))
// The object stays in memory and alive at -O2: its address escapes.
#define KEEP(x) __asm__ volatile("" : : "g"(&(x)) : "memory")

int *volatile crash_ptr;        // NULL, but the compiler cannot know

struct Part {
        int id;
        double weight;
};

NOINLINE void crash() {
        *crash_ptr = 1;
}

// Strings: empty, short (in the object), at the short form's limit,
// long (on the heap), with a NUL inside.
NOINLINE void strings() {
        std::string empty, sso = "hello", full22(22, 's'), heap(300, 'y'), nul("a\0b", 3);
        KEEP(empty); KEEP(sso); KEEP(full22); KEEP(heap); KEEP(nul);
        crash();
}

NOINLINE void sequences() {
        std::vector<int> empty_vec, small{1, 2, 3}, big(250);
        std::vector<double> reserved;
        std::vector<std::string> words{"alpha", "beta", std::string(40, 'z')};
        std::vector<std::vector<int>> nested{{1}, {2, 3}, {}};
        for (int i = 0; i < 250; i++)
                big[i] = i * 3;
        reserved.reserve(10);
        reserved.push_back(1.5);
        KEEP(empty_vec); KEEP(small); KEEP(big); KEEP(reserved); KEEP(words); KEEP(nested);
        strings();
}

NOINLINE void owners() {
        std::unique_ptr<int> up(new int(5));
        std::unique_ptr<Part> up_null;
        std::shared_ptr<Part> sp = std::make_shared<Part>(Part{1, 2.5}), sp_empty, sp_copy = sp;
        std::shared_ptr<int> sp_new(new int(9));
        std::weak_ptr<Part> wp = sp, expired;
        {
                auto gone = std::make_shared<Part>(Part{2, 0.5});
                expired = gone;
        }
        KEEP(up); KEEP(up_null); KEEP(sp); KEEP(sp_empty); KEEP(sp_copy); KEEP(sp_new); KEEP(wp); KEEP(expired);
        sequences();
}

NOINLINE void trees() {
        std::map<int, int> by_id{{3, 30}, {1, 10}, {2, 20}}, empty_map;
        std::map<std::string, int> names{{"a", 1}, {"b", 2}};
        std::map<int, std::vector<int>> lists{{1, {1, 2}}, {2, {}}};
        std::multimap<int, int> mm{{1, 1}, {1, 2}, {0, 5}};
        std::set<int> ints{5, 1, 3};
        std::multiset<std::string> ms{"x", "x", "a"};
        std::optional<int> none, some = 5;
        std::optional<std::string> opt_str = "maybe";
        KEEP(by_id); KEEP(empty_map); KEEP(names); KEEP(lists); KEEP(mm); KEEP(ints); KEEP(ms);
        KEEP(none); KEEP(some); KEEP(opt_str);
        owners();
}

int main() {
        trees();
        return 0;
}
