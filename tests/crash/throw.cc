// SPDX-License-Identifier: MIT
// tests/crash/throw.cc: one uncaught exception per mode, thrown two frames
// below main, for the symbolicator's "which exception" (issue 10):
//
//   throw runtime     std::runtime_error("insufficient funds")
//   throw out-of-range std::vector<int>::at past the end (libstdc++ throws)
//   throw int         42
//   throw ledger      struct LedgerError { int code; } (no std::exception)
//   throw rethrow     std::rethrow_exception of a caught std::logic_error
//   throw derived     ledger::Overdraft, a user class derived from
//                     std::runtime_error, whose constructor leaves a pointer
//                     to the exception's header on the caller's stack: the
//                     dumper of crashd 0.1 captures heap memory only from 32
//                     bytes below what the stack points at, so this mode has
//                     the whole header (and the class's type_info) in the
//                     dump, as a dumper capturing around "GNUCC++" would
//
// No handler matches, so __cxa_throw (or std::rethrow_exception) calls
// std::terminate without unwinding, and libstdc++'s verbose terminate
// handler prints the type and what() to stderr: the oracle of the tests.
#include <cstdint>
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

struct Overdraft : std::runtime_error {
        // 128: the __cxa_refcounted_exception before the object (Itanium
        // C++ ABI, libstdc++ on x86-64).
        Overdraft(volatile std::uintptr_t *header) : std::runtime_error("overdraft of 42") {
                *header = reinterpret_cast<std::uintptr_t>(this) - 128;
        }
};

[[gnu::noinline]] void withdraw(const char *mode, volatile std::uintptr_t *header) {
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
        if (!std::strcmp(mode, "derived"))
                throw Overdraft(header);
        seen = -1;
}

[[gnu::noinline]] void transfer(const char *mode) {
        volatile std::uintptr_t header = 0;

        withdraw(mode, &header);
        seen = -2;
}

} // namespace ledger

int main(int argc, char **argv) {
        if (argc != 2) {
                std::fprintf(stderr, "usage: throw runtime|out-of-range|int|ledger|rethrow|derived\n");
                return 2;
        }
        ledger::transfer(argv[1]);
        return 1;
}
