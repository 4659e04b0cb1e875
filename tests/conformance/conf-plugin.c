/* SPDX-License-Identifier: MIT */
/* tests/conformance/conf-plugin.c: a shared library that conf.c dlopen()s
 * when CONF_PLUGIN names it, and crashes through: its frame holds static
 * locals in the library's writable data (a counter in .bss, a pointer in
 * .data) and a thread-local one in dynamic TLS (a dlopen()ed module's
 * block is allocated on first use, found through the thread's DTV). */
#define NOINLINE __attribute__((noinline, noclone))
#define KEEP(x) __asm__ volatile("" : : "g"(x) : "memory")

NOINLINE int plugin_call(int (*back)(int, const char *), int value, const char *why) {
        static int calls;                       /* .bss */
        static const char *name = "conf-plugin"; /* .data, pointing at .rodata */
        static __thread long per_thread = 5;    /* dynamic TLS */
        static long history[128];               /* .bss, larger than what is around a pointer */
        int doubled = value * 2;
        int r = -1;     /* every local is set before the crash: runs compare */

        calls++;
        per_thread += value;
        history[calls % 128] = value;
        history[120] = -value;
        r = back(doubled, why);
        KEEP(calls);
        KEEP(name);
        KEEP(per_thread);
        KEEP(history);
        KEEP(doubled);
        return r;
}
