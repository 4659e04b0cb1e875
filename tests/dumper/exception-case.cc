// SPDX-License-Identifier: MIT
// tests/dumper/exception-case.cc: a C++ exception nobody catches, for
// run-dumper-tests.py's "exception" case. std::vector::at throws
// std::out_of_range from inside libstdc++ (so its type_info is libstdc++'s,
// in that library's RELRO); std::terminate is called from __cxa_throw and
// abort()s: a SIGABRT with the exception in flight.
#include <vector>

__attribute__((noinline)) static int fail(int depth, const std::vector<int> &v) {
        if (depth > 0)
                return fail(depth - 1, v) + 1;
        return v.at(5);
}

int main() {
        std::vector<int> v{1, 2, 3};

        return fail(2, v);
}
