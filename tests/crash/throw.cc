// SPDX-License-Identifier: MIT
// tests/crash/throw.cc: one uncaught exception per mode, thrown two frames
// below main, for the symbolicator's "which exception" (issue 10):
//
//   throw runtime     std::runtime_error("insufficient funds")
//   throw out-of-range std::vector<int>::at past the end (libstdc++ throws)
//   throw int         42
//   throw ledger      struct LedgerError { int code; } (no std::exception)
//   throw rethrow     std::rethrow_exception of a caught std::logic_error
//
// No handler matches, so __cxa_throw (or std::rethrow_exception) calls
// std::terminate without unwinding, and libstdc++'s verbose terminate
// handler prints the type and what() to stderr: the oracle of the tests.
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

struct LedgerError {
        int code;
};

namespace ledger {

volatile int seen;

[[gnu::noinline]] void withdraw(const char *mode) {
        seen = 1;
        if (!std::strcmp(mode, "runtime"))
                throw std::runtime_error("insufficient funds");
        if (!std::strcmp(mode, "out-of-range")) {
                std::vector<int> v(3);
                seen = v.at(7 + seen);
        }
        if (!std::strcmp(mode, "int"))
                throw 42;
        if (!std::strcmp(mode, "ledger"))
                throw LedgerError{1234};
        if (!std::strcmp(mode, "rethrow")) {
                std::exception_ptr p;
                try {
                        throw std::logic_error("ledger is closed");
                } catch (...) {
                        p = std::current_exception();
                }
                std::rethrow_exception(p);
        }
        seen = -1;
}

[[gnu::noinline]] void transfer(const char *mode) {
        withdraw(mode);
        seen = -2;
}

} // namespace ledger

int main(int argc, char **argv) {
        if (argc != 2) {
                std::fprintf(stderr, "usage: throw runtime|out-of-range|int|ledger|rethrow\n");
                return 2;
        }
        ledger::transfer(argv[1]);
        return 1;
}
