/* SPDX-License-Identifier: MIT */
/* proto/names.c: names for the numbers a dump holds. The numbers are those
 * of Linux on x86-64 written into the file, not the reading host's <signal.h>
 * macros, so a dump reads the same wherever it is opened. */
#include "reader.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const signal_names[] = {
        [1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",   [4] = "SIGILL",
        [5] = "SIGTRAP",  [6] = "SIGABRT",    [7] = "SIGBUS",    [8] = "SIGFPE",
        [9] = "SIGKILL",  [10] = "SIGUSR1",   [11] = "SIGSEGV",  [12] = "SIGUSR2",
        [13] = "SIGPIPE", [14] = "SIGALRM",   [15] = "SIGTERM",  [16] = "SIGSTKFLT",
        [17] = "SIGCHLD", [18] = "SIGCONT",   [19] = "SIGSTOP",  [20] = "SIGTSTP",
        [21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",   [24] = "SIGXCPU",
        [25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF",  [28] = "SIGWINCH",
        [29] = "SIGIO",   [30] = "SIGPWR",    [31] = "SIGSYS",
};

const char *proto_signal_name(uint32_t signo) {
        return signo < ELEMENTSOF(signal_names) ? signal_names[signo] : NULL;
}

/* Per-signal si_code values (positive: set by the kernel for that signal),
 * from include/uapi/asm-generic/siginfo.h. */
static const char *const segv_codes[] = {
        [1] = "SEGV_MAPERR", [2] = "SEGV_ACCERR", [3] = "SEGV_BNDERR", [4] = "SEGV_PKUERR",
        [5] = "SEGV_ACCADI", [6] = "SEGV_ADIDERR", [7] = "SEGV_ADIPERR", [8] = "SEGV_MTEAERR",
        [9] = "SEGV_MTESERR", [10] = "SEGV_CPERR",
};
static const char *const bus_codes[] = {
        [1] = "BUS_ADRALN", [2] = "BUS_ADRERR", [3] = "BUS_OBJERR",
        [4] = "BUS_MCEERR_AR", [5] = "BUS_MCEERR_AO",
};
static const char *const fpe_codes[] = {
        [1] = "FPE_INTDIV", [2] = "FPE_INTOVF", [3] = "FPE_FLTDIV", [4] = "FPE_FLTOVF",
        [5] = "FPE_FLTUND", [6] = "FPE_FLTRES", [7] = "FPE_FLTINV", [8] = "FPE_FLTSUB",
        [9] = "FPE_DECOVF", [10] = "FPE_DECDIV", [11] = "FPE_DECERR", [12] = "FPE_INVASC",
        [13] = "FPE_INVDEC", [14] = "FPE_FLTUNK", [15] = "FPE_CONDTRAP",
};
static const char *const ill_codes[] = {
        [1] = "ILL_ILLOPC", [2] = "ILL_ILLOPN", [3] = "ILL_ILLADR", [4] = "ILL_ILLTRP",
        [5] = "ILL_PRVOPC", [6] = "ILL_PRVREG", [7] = "ILL_COPROC", [8] = "ILL_BADSTK",
        [9] = "ILL_BADIADDR",
};
static const char *const trap_codes[] = {
        [1] = "TRAP_BRKPT", [2] = "TRAP_TRACE", [3] = "TRAP_BRANCH",
        [4] = "TRAP_HWBKPT", [5] = "TRAP_UNK", [6] = "TRAP_PERF",
};
static const char *const sys_codes[] = {
        [1] = "SYS_SECCOMP", [2] = "SYS_USER_DISPATCH",
};

#define CODE(table, code) \
        ((size_t) (code) < ELEMENTSOF(table) ? (table)[code] : NULL)

const char *proto_signal_code_name(uint32_t signo, int32_t code) {
        /* Codes <= 0 and SI_KERNEL mean the same for every signal. */
        switch (code) {
        case 0:    return "SI_USER";
        case 0x80: return "SI_KERNEL";
        case -1:   return "SI_QUEUE";
        case -2:   return "SI_TIMER";
        case -3:   return "SI_MESGQ";
        case -4:   return "SI_ASYNCIO";
        case -5:   return "SI_SIGIO";
        case -6:   return "SI_TKILL";
        case -7:   return "SI_DETHREAD";
        case -60:  return "SI_ASYNCNL";
        }
        if (code < 0)
                return NULL;
        switch (signo) {
        case 11: return CODE(segv_codes, code);
        case 7:  return CODE(bus_codes, code);
        case 8:  return CODE(fpe_codes, code);
        case 4:  return CODE(ill_codes, code);
        case 5:  return CODE(trap_codes, code);
        case 31: return CODE(sys_codes, code);
        default: return NULL;
        }
}

const char *proto_context_source_name(uint32_t source) {
        switch (source) {
        case PROTO_CONTEXT_NONE:     return "none";
        case PROTO_CONTEXT_UCONTEXT: return "ucontext";
        case PROTO_CONTEXT_PTRACE:   return "ptrace";
        case PROTO_CONTEXT_CALLER:   return "caller";
        case PROTO_CONTEXT_SIGNAL:   return "signal";
        case PROTO_CONTEXT_CORE:     return "core";
        default:                     return NULL;
        }
}

/* Microsoft's names without the "Stream" suffix, Breakpad's and Crashpad's
 * as their headers spell them, then ours. */
static const char *const ms_stream_names[] = {
        [0] = "Unused", [1] = "Reserved0", [2] = "Reserved1", [3] = "ThreadList",
        [4] = "ModuleList", [5] = "MemoryList", [6] = "Exception", [7] = "SystemInfo",
        [8] = "ThreadExList", [9] = "Memory64List", [10] = "CommentA", [11] = "CommentW",
        [12] = "HandleData", [13] = "FunctionTable", [14] = "UnloadedModuleList",
        [15] = "MiscInfo", [16] = "MemoryInfoList", [17] = "ThreadInfoList",
        [18] = "HandleOperationList", [19] = "Token", [20] = "JavaScriptData",
        [21] = "SystemMemoryInfo", [22] = "ProcessVmCounters", [23] = "IptTrace",
        [24] = "ThreadNames",
};

static const char *const breakpad_stream_names[] = {
        [0x1] = "BreakpadInfo", [0x2] = "AssertionInfo", [0x3] = "LinuxCpuInfo",
        [0x4] = "LinuxProcStatus", [0x5] = "LinuxLsbRelease", [0x6] = "LinuxCmdLine",
        [0x7] = "LinuxEnviron", [0x8] = "LinuxAuxv", [0x9] = "LinuxMaps",
        [0xa] = "LinuxDsoDebug",
};

static const char *const crashd_stream_names[] = {
        [0x1] = "CrashdCrashInfo", [0x2] = "CrashdThreadInfo", [0x3] = "CrashdTags",
        [0x4] = "CrashdBreadcrumbs", [0x5] = "CrashdTls", [0x6] = "CrashdHost",
};

const char *proto_stream_name(uint32_t type) {
        uint32_t low = type & 0xffff;

        if (type < ELEMENTSOF(ms_stream_names))
                return ms_stream_names[type];
        switch (type >> 16) {
        case 0x4767: /* "Gg": Breakpad */
                return low < ELEMENTSOF(breakpad_stream_names) ? breakpad_stream_names[low] : NULL;
        case 0x4352: /* "CR": crashd */
                return low < ELEMENTSOF(crashd_stream_names) ? crashd_stream_names[low] : NULL;
        case 0x4350: /* "CP": Crashpad */
                return low == 1 ? "CrashpadInfo" : NULL;
        default:
                return NULL;
        }
}
