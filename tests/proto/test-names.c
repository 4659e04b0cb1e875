/* SPDX-License-Identifier: MIT */
/* tests/proto/test-names.c: the text helpers at the end of reader.h, checked
 * against this host's <signal.h> where it has the constant (x86-64 Linux is
 * the format's only numbering, and the only host we build on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "reader.h"

#define SIG(name) { name, #name }

static void test_signals(void **state) {
        static const struct { int no; const char *name; } sigs[] = {
                SIG(SIGHUP), SIG(SIGINT), SIG(SIGQUIT), SIG(SIGILL), SIG(SIGTRAP), SIG(SIGABRT),
                SIG(SIGBUS), SIG(SIGFPE), SIG(SIGKILL), SIG(SIGUSR1), SIG(SIGSEGV), SIG(SIGUSR2),
                SIG(SIGPIPE), SIG(SIGALRM), SIG(SIGTERM), SIG(SIGSTKFLT), SIG(SIGCHLD), SIG(SIGCONT),
                SIG(SIGSTOP), SIG(SIGTSTP), SIG(SIGTTIN), SIG(SIGTTOU), SIG(SIGURG), SIG(SIGXCPU),
                SIG(SIGXFSZ), SIG(SIGVTALRM), SIG(SIGPROF), SIG(SIGWINCH), SIG(SIGIO), SIG(SIGPWR),
                SIG(SIGSYS),
        };

        assert_int_equal(sizeof(sigs) / sizeof(sigs[0]), 31);
        for (size_t i = 0; i < 31; i++)
                assert_string_equal(proto_signal_name((uint32_t) sigs[i].no), sigs[i].name);
        assert_null(proto_signal_name(0));
        assert_null(proto_signal_name(32));
        assert_null(proto_signal_name(64));
        assert_null(proto_signal_name(UINT32_MAX));
}

static void test_codes(void **state) {
        static const struct { int sig, code; const char *name; } codes[] = {
                { SIGSEGV, SEGV_MAPERR, "SEGV_MAPERR" }, { SIGSEGV, SEGV_ACCERR, "SEGV_ACCERR" },
                { SIGSEGV, SEGV_BNDERR, "SEGV_BNDERR" }, { SIGSEGV, SEGV_PKUERR, "SEGV_PKUERR" },
                { SIGSEGV, 10, "SEGV_CPERR" },
                { SIGBUS, BUS_ADRALN, "BUS_ADRALN" }, { SIGBUS, BUS_ADRERR, "BUS_ADRERR" },
                { SIGBUS, BUS_OBJERR, "BUS_OBJERR" }, { SIGBUS, BUS_MCEERR_AR, "BUS_MCEERR_AR" },
                { SIGBUS, BUS_MCEERR_AO, "BUS_MCEERR_AO" },
                { SIGFPE, FPE_INTDIV, "FPE_INTDIV" }, { SIGFPE, FPE_INTOVF, "FPE_INTOVF" },
                { SIGFPE, FPE_FLTDIV, "FPE_FLTDIV" }, { SIGFPE, FPE_FLTOVF, "FPE_FLTOVF" },
                { SIGFPE, FPE_FLTUND, "FPE_FLTUND" }, { SIGFPE, FPE_FLTRES, "FPE_FLTRES" },
                { SIGFPE, FPE_FLTINV, "FPE_FLTINV" }, { SIGFPE, FPE_FLTSUB, "FPE_FLTSUB" },
                { SIGFPE, 14, "FPE_FLTUNK" }, { SIGFPE, 15, "FPE_CONDTRAP" },
                { SIGILL, ILL_ILLOPC, "ILL_ILLOPC" }, { SIGILL, ILL_ILLOPN, "ILL_ILLOPN" },
                { SIGILL, ILL_ILLADR, "ILL_ILLADR" }, { SIGILL, ILL_ILLTRP, "ILL_ILLTRP" },
                { SIGILL, ILL_PRVOPC, "ILL_PRVOPC" }, { SIGILL, ILL_PRVREG, "ILL_PRVREG" },
                { SIGILL, ILL_COPROC, "ILL_COPROC" }, { SIGILL, ILL_BADSTK, "ILL_BADSTK" },
                { SIGTRAP, TRAP_BRKPT, "TRAP_BRKPT" }, { SIGTRAP, TRAP_TRACE, "TRAP_TRACE" },
                { SIGTRAP, 3, "TRAP_BRANCH" }, { SIGTRAP, 4, "TRAP_HWBKPT" },
                { SIGSYS, 1, "SYS_SECCOMP" },
                /* The generic codes, for any signal. */
                { SIGSEGV, SI_USER, "SI_USER" }, { SIGABRT, SI_TKILL, "SI_TKILL" },
                { SIGUSR1, SI_QUEUE, "SI_QUEUE" }, { SIGALRM, SI_TIMER, "SI_TIMER" },
                { SIGIO, SI_MESGQ, "SI_MESGQ" }, { SIGIO, SI_ASYNCIO, "SI_ASYNCIO" },
                { SIGIO, SI_SIGIO, "SI_SIGIO" }, { SIGKILL, SI_KERNEL, "SI_KERNEL" },
                { SIGSEGV, SI_KERNEL, "SI_KERNEL" }, { SIGCHLD, SI_ASYNCNL, "SI_ASYNCNL" },
        };

        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                const char *got = proto_signal_code_name((uint32_t) codes[i].sig, codes[i].code);

                if (!got || strcmp(got, codes[i].name) != 0)
                        fail_msg("signal %d code %d: %s, want %s", codes[i].sig, codes[i].code,
                                 got ?: "NULL", codes[i].name);
        }
        assert_null(proto_signal_code_name(SIGSEGV, 11));
        assert_null(proto_signal_code_name(SIGSEGV, 1000));
        assert_null(proto_signal_code_name(SIGSEGV, -8));
        assert_null(proto_signal_code_name(SIGSEGV, INT32_MIN));
        assert_null(proto_signal_code_name(SIGSEGV, INT32_MAX));
        assert_null(proto_signal_code_name(SIGUSR1, 1));       /* no per-signal codes */
        assert_null(proto_signal_code_name(0, 1));
        assert_null(proto_signal_code_name(UINT32_MAX, 1));
}

static void test_context_sources(void **state) {
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_NONE), "none");
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_UCONTEXT), "ucontext");
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_PTRACE), "ptrace");
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_CALLER), "caller");
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_SIGNAL), "signal");
        assert_string_equal(proto_context_source_name(PROTO_CONTEXT_CORE), "core");
        assert_null(proto_context_source_name(6));
        assert_null(proto_context_source_name(UINT32_MAX));
}

static void test_streams(void **state) {
        static const struct { uint32_t type; const char *name; } names[] = {
                { MD_STREAM_UNUSED, "Unused" },
                { MD_STREAM_THREAD_LIST, "ThreadList" },
                { MD_STREAM_MODULE_LIST, "ModuleList" },
                { MD_STREAM_MEMORY_LIST, "MemoryList" },
                { MD_STREAM_EXCEPTION, "Exception" },
                { MD_STREAM_SYSTEM_INFO, "SystemInfo" },
                { 9, "Memory64List" },
                { MD_STREAM_MISC_INFO, "MiscInfo" },
                { MD_STREAM_MEMORY_INFO_LIST, "MemoryInfoList" },
                { MD_STREAM_THREAD_NAME_LIST, "ThreadNames" },
                { 0x47670001, "BreakpadInfo" },
                { 0x47670002, "AssertionInfo" },
                { MD_STREAM_LINUX_CPU_INFO, "LinuxCpuInfo" },
                { MD_STREAM_LINUX_PROC_STATUS, "LinuxProcStatus" },
                { MD_STREAM_LINUX_LSB_RELEASE, "LinuxLsbRelease" },
                { MD_STREAM_LINUX_CMD_LINE, "LinuxCmdLine" },
                { MD_STREAM_LINUX_ENVIRON, "LinuxEnviron" },
                { MD_STREAM_LINUX_AUXV, "LinuxAuxv" },
                { MD_STREAM_LINUX_MAPS, "LinuxMaps" },
                { MD_STREAM_LINUX_DSO_DEBUG, "LinuxDsoDebug" },
                { 0x43500001, "CrashpadInfo" },
                { PROTO_STREAM_CRASH_INFO, "CrashdCrashInfo" },
                { PROTO_STREAM_THREAD_INFO, "CrashdThreadInfo" },
                { PROTO_STREAM_TAGS, "CrashdTags" },
                { PROTO_STREAM_BREADCRUMBS, "CrashdBreadcrumbs" },
                { PROTO_STREAM_TLS, "CrashdTls" },
                { PROTO_STREAM_HOST, "CrashdHost" },
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                const char *got = proto_stream_name(names[i].type);

                if (!got || strcmp(got, names[i].name) != 0)
                        fail_msg("stream 0x%x: %s, want %s", names[i].type, got ?: "NULL", names[i].name);
        }
        assert_null(proto_stream_name(25));
        assert_null(proto_stream_name(0x47670000));
        assert_null(proto_stream_name(0x4767000b));
        assert_null(proto_stream_name(0x43520000));
        assert_null(proto_stream_name(0x43520007));
        assert_null(proto_stream_name(0x43500002));
        assert_null(proto_stream_name(0x12345678));
        assert_null(proto_stream_name(UINT32_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_signals),
                cmocka_unit_test(test_codes),
                cmocka_unit_test(test_context_sources),
                cmocka_unit_test(test_streams),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
