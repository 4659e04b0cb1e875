/* SPDX-License-Identifier: MIT */
/* symbolicate/crash.c: the facts of the crash the formatters share: the
 * signal and its code, the fault address when the signal has one, the
 * crashing thread, the process and its executable. */
#include <string.h>

#include "symb-internal.h"

#define AT_ENTRY_TYPE 9         /* AT_ENTRY: the executable's entry point */

/* si_addr is the faulting address only for these (Linux x86-64 numbers,
 * as the dump holds them). */
static bool signal_has_addr(uint32_t signo) {
        return signo == 4 /* ILL */ || signo == 5 /* TRAP */ || signo == 7 /* BUS */ || signo == 8 /* FPE */ ||
               signo == 11 /* SEGV */;
}

/* The executable is the module holding AT_ENTRY; without an auxv, the
 * first module (the dumper lists mappings in address order, and a PIE
 * executable sits below the libraries). */
static const struct symb_module *main_module(const struct symb_report *r) {
        const struct proto_dump *d = r->dump;

        for (size_t off = 0; d->auxv.data && off + 16 <= d->auxv.size; off += 16) {
                uint64_t type, val;

                memcpy(&type, d->auxv.data + off, 8);
                memcpy(&val, d->auxv.data + off + 8, 8);
                if (type != AT_ENTRY_TYPE)
                        continue;
                for (size_t i = 0; i < r->n_modules; i++)
                        if (val - r->modules[i].base < r->modules[i].size)
                                return &r->modules[i];
                break;
        }
        return r->n_modules > 0 ? &r->modules[0] : NULL;
}

void symb_crash_get(const struct symb_report *r, struct symb_crash *ret) {
        const struct proto_dump *d = r->dump;
        struct symb_crash c = {0};

        if (d->has_crash_info && !(d->crash_info.flags & PROTO_CRASH_REQUESTED) && d->crash_info.si_signo) {
                c.has_signal = true;
                c.signo = d->crash_info.si_signo;
                c.code = (int32_t) d->crash_info.si_code;
                c.addr = d->crash_info.fault_addr;
        } else if (!d->has_crash_info && d->has_exception &&
                   d->exception.exception_record.exception_code != MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED) {
                c.has_signal = true;
                c.signo = d->exception.exception_record.exception_code;
                c.code = (int32_t) d->exception.exception_record.exception_flags;
                c.addr = d->exception.exception_record.exception_address;
        }
        if (c.has_signal) {
                c.signal_name = proto_signal_name(c.signo);
                c.code_name = proto_signal_code_name(c.signo, c.code);
                /* Codes <= 0 come from kill()/tgkill(), where si_addr is
                 * the sender's pid, not an address. */
                c.has_addr = signal_has_addr(c.signo) && c.code > 0;
        }
        if (d->has_crash_info) {
                c.tid = d->crash_info.crashing_tid;
                c.pid = d->crash_info.pid;
                c.time_ns = d->crash_info.crash_time_ns;
        }
        if (!c.tid && d->has_exception)
                c.tid = d->exception.thread_id;
        c.main_module = main_module(r);
        c.process = "unknown";
        if (c.main_module && c.main_module->name && *c.main_module->name) {
                const char *s = strrchr(c.main_module->name, '/');

                c.process = s ? s + 1 : c.main_module->name;
        }
        *ret = c;
}

char *symb_crash_cmdline(const struct symb_report *r) {
        const struct proto_blob *b = &r->dump->cmd_line;
        char *s;
        size_t n;

        if (!b->data || b->size == 0)
                return NULL;
        n = b->size;
        while (n > 0 && b->data[n - 1] == 0)
                n--;
        s = malloc(n + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++)
                s[i] = b->data[i] ? (char) b->data[i] : ' ';
        s[n] = 0;
        return s;
}
