/* SPDX-License-Identifier: MIT */
/* tools/facts-text.c: see facts-text.h. Everything printed from the dump
 * is escaped: a dump is hostile input and must not drive the terminal. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "facts-text.h"
#include "utf8.h"

/* Text from the dump: valid, printable UTF-8 as is; control characters
 * (C0, DEL, C1) and bytes that do not decode as \xNN. */
void facts_put_text(FILE *f, const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *) s;

        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = utf8_next(p + i, n - i, &c);

                if (k == 0 || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                        size_t m = k ? k : 1;

                        for (size_t x = 0; x < m; x++)
                                fprintf(f, "\\x%02x", p[i + x]);
                        i += m;
                        continue;
                }
                fwrite(p + i, 1, k, f);
                i += k;
        }
}

void facts_put_str(FILE *f, const char *s) {
        facts_put_text(f, s, strlen(s));
}

static void print_crash_line(FILE *f, const struct dump_facts *x) {
        const char *sig = proto_signal_name(x->signo), *code = proto_signal_code_name(x->signo, x->code);

        fputs("Crash:      ", f);
        if (x->requested)
                fputs("dump requested", f);
        else if (x->signo == 0)
                fputs("unknown (no exception or crash info)", f);
        else {
                if (sig)
                        fputs(sig, f);
                else
                        fprintf(f, "signal %" PRIu32, x->signo);
                if (code)
                        fprintf(f, " (%s)", code);
                else
                        fprintf(f, " (code %" PRId32 ")", x->code);
                fprintf(f, " at 0x%" PRIx64, x->address);
        }
        if (x->has_thread)
                fprintf(f, ", thread %" PRIu32, x->thread);
        if (x->crash_context)
                fprintf(f, ", pc 0x%" PRIx64, x->crash_context->rip);
        fputc('\n', f);
}

void facts_print_header(FILE *f, const struct proto_dump *d, const struct dump_facts *x) {
        char when[64];

        fputs("Process:    ", f);
        if (x->has_pid)
                fprintf(f, "pid %" PRIu32, x->pid);
        else
                fputs("pid unknown", f);
        if (x->has_ppid)
                fprintf(f, ", ppid %" PRIu32, x->ppid);
        if (x->has_uid)
                fprintf(f, ", uid %" PRIu32, x->uid);
        if (x->has_gid)
                fprintf(f, ", gid %" PRIu32, x->gid);
        fputc('\n', f);
        if (x->argc > 0) {
                fputs("Command:    ", f);
                for (size_t i = 0; i < x->argc; i++) {
                        if (i > 0)
                                fputc(' ', f);
                        facts_put_text(f, x->argv[i].s, x->argv[i].n);
                }
                fputc('\n', f);
        }
        if (x->exe.s) {
                fputs("Executable: ", f);
                facts_put_text(f, x->exe.s, x->exe.n);
                fputc('\n', f);
        }
        print_crash_line(f, x);
        if (x->has_time) {
                facts_format_time(x->time_ns, x->time_has_fraction, when, sizeof(when));
                fprintf(f, "Time:       %s\n", when);
        }
        if (x->dumper_version) {
                fputs("Dumper:     crashd ", f);
                facts_put_str(f, x->dumper_version);
                for (uint32_t bit = 1, n = 0; bit; bit <<= 1) {
                        const char *name;

                        if (!(x->flags & bit))
                                continue;
                        name = facts_flag_name(bit);
                        fputs(n++ ? ", " : " (", f);
                        if (name)
                                fputs(name, f);
                        else
                                fprintf(f, "0x%" PRIx32, bit);
                        if (!(x->flags & ~((bit << 1) - 1)))
                                fputc(')', f);
                }
                fputc('\n', f);
        }
        fputs("System:     ", f);
        if (d->os_version) {
                facts_put_str(f, d->os_version);
                fputs(", ", f);
        }
        if (d->has_system_info)
                fprintf(f, "%u CPUs, ", d->system_info.number_of_processors);
        fprintf(f, "%s\n", facts_arch_name(d));
}

void facts_print_annotations(FILE *f, const struct proto_dump *d) {
        char when[64];

        if (d->n_tags > 0) {
                fprintf(f, "\nTags (%zu):\n", d->n_tags);
                for (size_t i = 0; i < d->n_tags; i++) {
                        fputs("  ", f);
                        facts_put_str(f, d->tags[i].key);
                        fputs(" = ", f);
                        facts_put_str(f, d->tags[i].value);
                        fputc('\n', f);
                }
        }
        if (d->n_breadcrumbs > 0) {
                fprintf(f, "\nBreadcrumbs (%zu):\n", d->n_breadcrumbs);
                for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                        const char *level = facts_level_name(d->breadcrumbs[i].level);

                        facts_format_time(d->breadcrumbs[i].time_ns, true, when, sizeof(when));
                        if (level)
                                fprintf(f, "  %s %-7s ", when, level);
                        else
                                fprintf(f, "  %s %-7" PRIu32 " ", when, d->breadcrumbs[i].level);
                        facts_put_str(f, d->breadcrumbs[i].message);
                        fputc('\n', f);
                }
        }
}
