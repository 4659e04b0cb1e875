// SPDX-License-Identifier: MIT
// tests/conformance/printers-libcxx.cc: the libc++ types crashd prints as
// gdb's libstdc++ printers would (symbolicate/printers-libcxx.c), in a
// few frames, crashing deterministically. run-printers-libcxx.py builds
// it with clang -stdlib=libc++ at -O0 and -O2 and compares the contents
// of each value with lldb-14's libc++ formatters on the core of the same
// crash. `printers-libcxx corrupt` breaks some containers first: the
// report must say so and stop.
#include <forward_list>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
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
        std::wstring wide = L"wide", wide_long(30, L'w');
        KEEP(empty); KEEP(sso); KEEP(full22); KEEP(heap); KEEP(nul); KEEP(wide); KEEP(wide_long);
        crash();
}

NOINLINE void sequences() {
        std::vector<int> empty_vec, small{1, 2, 3}, big(250);
        std::vector<double> reserved;
        std::vector<std::string> words{"alpha", "beta", std::string(40, 'z')};
        std::vector<std::vector<int>> nested{{1}, {2, 3}, {}};
        std::list<int> empty_list, ints{1, 2, 3};
        std::list<std::string> words_list{"alpha", "beta"};
        std::forward_list<long> fl{5, 6, 7};
        std::forward_list<int> empty_fl;
        for (int i = 0; i < 250; i++)
                big[i] = i * 3;
        reserved.reserve(10);
        reserved.push_back(1.5);
        KEEP(empty_vec); KEEP(small); KEEP(big); KEEP(reserved); KEEP(words); KEEP(nested);
        KEEP(empty_list); KEEP(ints); KEEP(words_list); KEEP(fl); KEEP(empty_fl);
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
        std::variant<int, std::string> var_str = std::string("v"), var_int = 4;
        std::variant<double, std::vector<int>> var_vec = std::vector<int>{8};
        std::unordered_map<std::string, int> um{{"k", 1}, {"l", 2}}, empty_um;
        std::unordered_map<int, std::vector<int>> umv{{7, {7, 7}}};
        std::unordered_multimap<int, int> umm{{1, 1}, {1, 2}};
        std::unordered_set<int> us{9, 10};
        std::unordered_multiset<std::string> ums{"x", "x"};
        KEEP(by_id); KEEP(empty_map); KEEP(names); KEEP(lists); KEEP(mm); KEEP(ints); KEEP(ms);
        KEEP(none); KEEP(some); KEEP(opt_str); KEEP(var_str); KEEP(var_int); KEEP(var_vec);
        KEEP(um); KEEP(empty_um); KEEP(umv); KEEP(umm); KEEP(us); KEEP(ums);
        owners();
}

// The crafted corruptions of `printers-libcxx corrupt`, each in its own
// local (libc++ ABI v1's layouts, x86-64).
NOINLINE void corrupt() {
        std::vector<int> backwards{1, 2, 3}, wild{1, 2};
        std::string huge(300, 'h'), bad_short = "short";
        std::map<int, int> cycle{{1, 1}, {2, 2}, {3, 3}};
        std::shared_ptr<int> wild_count = std::make_shared<int>(1);
        std::list<int> loop{1, 2, 3};
        std::unordered_set<int> hcycle{1, 2};
        int **vec = reinterpret_cast<int **>(&backwards);
        std::swap(vec[0], vec[1]);                     // __begin_ after __end_
        // Elements at an address nothing maps.
        reinterpret_cast<int **>(&wild)[0] = reinterpret_cast<int *>(0x10000);
        reinterpret_cast<int **>(&wild)[1] = reinterpret_cast<int *>(0x10008);
        reinterpret_cast<size_t *>(&huge)[1] = ~(size_t) 0 >> 1;   // __l.__size_
        reinterpret_cast<unsigned char *>(&bad_short)[0] = 0xfe;  // short, 127 characters
        // The leftmost node's __right_ to the root, whose __left_ it is:
        // the successor of the leftmost is itself.
        {
                char *root = *reinterpret_cast<char **>(reinterpret_cast<char *>(&cycle) + 8);
                char *leftmost = *reinterpret_cast<char **>(&cycle);
                *reinterpret_cast<char **>(leftmost + 8) = root;
        }
        reinterpret_cast<void **>(&wild_count)[1] = reinterpret_cast<void *>(0x10000);   // __cntrl_
        // The last node's __next_ back to the second.
        {
                char *first = reinterpret_cast<char **>(&loop)[1];
                char *second = reinterpret_cast<char **>(first)[1];
                char *third = reinterpret_cast<char **>(second)[1];
                reinterpret_cast<char **>(third)[1] = second;
        }
        // The first node's __next_ to itself (after __bucket_list_, a
        // pointer and a size, __p1_'s __next_).
        {
                char *first = reinterpret_cast<char **>(&hcycle)[2];
                reinterpret_cast<char **>(first)[0] = first;
        }
        KEEP(backwards); KEEP(wild); KEEP(huge); KEEP(bad_short); KEEP(cycle); KEEP(wild_count); KEEP(loop);
        KEEP(hcycle);
        crash();
        reinterpret_cast<void **>(&wild_count)[1] = nullptr;
}

int main(int argc, char **argv) {
        if (argc > 1 && std::string(argv[1]) == "corrupt")
                corrupt();
        trees();
        return 0;
}
