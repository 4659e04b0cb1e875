// SPDX-License-Identifier: MIT
// tests/fuzz/printers-module-libcxx.cc: the module of fuzz-printers-libcxx,
// never run: libc++ containers (clang++ -stdlib=libc++) in main's frame,
// so that the libc++ printers (symbolicate/printers-libcxx.c) walk
// whatever the fuzzed memory makes of them.
#include <forward_list>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

int *volatile crash_ptr;

__attribute__((noinline)) int use(void *p) {
        return *crash_ptr + (p != nullptr);
}

int main() {
        std::string s = "text", heap(40, 'h');
        std::vector<int> v{1, 2, 3};
        std::map<std::string, int> m{{"a", 1}, {"b", 2}};
        std::set<int> set{3, 1, 2};
        std::unordered_map<int, int> um{{1, 2}, {3, 4}};
        std::list<int> l{4, 5};
        std::forward_list<int> fl{6};
        std::unique_ptr<int> up(new int(5));
        std::shared_ptr<int> sp = std::make_shared<int>(6);
        std::weak_ptr<int> wp = sp;
        std::optional<std::string> o = "seven";
        std::variant<int, std::string> var = std::string("eight");
        return use(&s) + use(&heap) + use(&v) + use(&m) + use(&set) + use(&um) + use(&l) + use(&fl) + use(&up) +
               use(&sp) + use(&wp) + use(&o) + use(&var);
}
