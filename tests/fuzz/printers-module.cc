// SPDX-License-Identifier: MIT
// tests/fuzz/printers-module.cc: the module of fuzz-printers, never run:
// libstdc++ containers in main's frame, so that the library printers
// (symbolicate/printers-libstdcxx.c) walk whatever the fuzzed memory
// makes of them.
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

int *volatile crash_ptr;

__attribute__((noinline)) int use(void *p) {
        return *crash_ptr + (p != nullptr);
}

int main() {
        std::string s = "text";
        std::vector<int> v{1, 2, 3};
        std::vector<bool> bits{true, false};
        std::map<std::string, int> m{{"a", 1}};
        std::unordered_map<int, int> um{{1, 2}};
        std::list<int> l{4};
        std::unique_ptr<int> up(new int(5));
        std::shared_ptr<int> sp = std::make_shared<int>(6);
        std::optional<int> o = 7;
        std::variant<int, std::string> var = 8;
        std::tuple<int, std::string> t{9, "t"};
        return use(&s) + use(&v) + use(&bits) + use(&m) + use(&um) + use(&l) + use(&up) + use(&sp) + use(&o) +
               use(&var) + use(&t);
}
