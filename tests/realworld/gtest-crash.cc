// SPDX-License-Identifier: MIT
// tests/realworld/gtest-crash.cc: a googletest 1.12.1 test program
// (Debian's googletest ships its source; run-realworld.py builds
// gtest-all.cc at -O2 -g with this file) whose test crashes inside an
// assertion, with googletest's runner above it, for comparing `crashctl
// symbolicate` with gdb on real optimized C++.
//
// A value-parameterized test checks the names of a table of records with
// EXPECT_STREQ. The table's third record holds a dangling name: a small
// integer where a pointer should be (16). googletest's CmpHelperSTREQ ->
// String::CStringEquals hands it to strcmp, which faults reading it: the
// crash is in libc, with googletest's assertion helper (C++ in its own
// source tree), the test body, and the whole runner above it:
// TestBody <- HandleExceptionsInMethodIfSupported <- Test::Run <-
// TestInfo::Run <- TestSuite::Run <- UnitTestImpl::RunAllTests <-
// UnitTest::Run <- RUN_ALL_TESTS <- main.
//
// One more thread, started by a global test environment (a fake server
// the tests would talk to), waits in read() on a pipe nobody writes, so
// every thread is compared; the environment's SetUp returns when it sits
// in the system call. Flags fix what would differ between two runs: no
// shuffling (the seed comes from the clock), no colours, no timings.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <unistd.h>

#include "wait-in-syscall.h"

namespace {

struct Record {
        const char *name;
        int size;
};

// The third name is dangling: a handle where the string should be.
const Record kRecords[] = {
        { "alpha", 5 },
        { "bravo", 5 },
        { reinterpret_cast<const char *>(static_cast<uintptr_t>(16)), 7 },
        { "delta", 5 },
};

class FakeServer : public ::testing::Environment {
public:
        void SetUp() override {
                if (pipe(pipe_) != 0)
                        std::abort();
                thread_ = std::thread([this] { Serve(); });
                WaitInRead();
        }

private:
        __attribute__((noinline)) void Serve() {
                char request[32];

                tid_ = gettid();
                pthread_setname_np(pthread_self(), "fake-server");
                for (;;)
                        if (read(pipe_[0], request, sizeof request) <= 0)
                                break;
        }

        // Until the server thread sits in read() (as conf.c's workers).
        void WaitInRead() {
                while (tid_ == 0)
                        usleep(1000);
                wait_in_syscall(tid_, 0 /* read */);
        }

        int pipe_[2] = { -1, -1 };
        std::thread thread_;
        volatile pid_t tid_ = 0;
};

class RecordTest : public ::testing::TestWithParam<int> {};

TEST_P(RecordTest, NameMatchesSize) {
        const Record &r = kRecords[GetParam()];
        const char *expected = GetParam() == 2 ? "charlie" : kRecords[GetParam()].name;

        EXPECT_EQ(r.size, static_cast<int>(strlen(expected)));
        EXPECT_STREQ(r.name, expected);
}

INSTANTIATE_TEST_SUITE_P(Table, RecordTest, ::testing::Range(0, 4));

}  // namespace

int main(int argc, char **argv) {
        ::testing::InitGoogleTest(&argc, argv);
        GTEST_FLAG_SET(shuffle, false);
        GTEST_FLAG_SET(color, "no");
        GTEST_FLAG_SET(print_time, false);
        ::testing::AddGlobalTestEnvironment(new FakeServer);
        return RUN_ALL_TESTS();
}
