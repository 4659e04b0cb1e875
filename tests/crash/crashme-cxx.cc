// SPDX-License-Identifier: MIT
// tests/crash/crashme-cxx.cc: an uncaught C++ exception thrown 3 frames
// below main. No handler matches, so __cxa_throw calls std::terminate
// without unwinding: the throwing frames are still on the stack when
// abort() raises SIGABRT, and a dump must show them.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

namespace crashme {

volatile int depth_seen;

[[gnu::noinline]] void thrower3(int n) {
        depth_seen = n;
        throw std::runtime_error("crashme-cxx: uncaught at depth " + std::to_string(n));
}

[[gnu::noinline]] void thrower2(int n) {
        thrower3(n + 1);
        depth_seen = -1;
}

[[gnu::noinline]] void thrower1(int n) {
        thrower2(n + 1);
        depth_seen = -1;
}

} // namespace crashme

int main() {
        std::printf("pid=%ld\ntid=%ld\n", (long) getpid(), (long) syscall(SYS_gettid));
        std::fflush(stdout);
        crashme::thrower1(1);
        return 1;
}
