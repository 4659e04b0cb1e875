/* SPDX-License-Identifier: MIT */
/* symbolicate/format-text.c: the report as gdb's `bt full` prints it, so
 * that people read it without learning a new layout:
 *
 *   #1  0x000055555555513d in level3 (fd=-1) at /src/refcrash.c:42
 *           x = 1
 *
 * "#N" padded to two columns, the pc in 16 hex digits unless gdb would omit
 * it (frame 0 at the start of a line, and the outer frames of an inlined
 * call), parameters in the parentheses (aggregates as "...", as gdb's
 * default `print frame-arguments scalars`), then each local on its own
 * line indented by 8 spaces. Masked as the report was made (symb_options
 * mask), tags too; what the limits cut says "Truncated:". */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "host.h"
#include "symb-internal.h"

static const char *or_reason(const struct symb_var *v, char *buf, size_t n) {
        if (v->value)
                return v->value;
        snprintf(buf, n, "<%s>", v->reason ? v->reason : "optimized out");
        return buf;
}

/* gdb prints non-scalar arguments of a frame line as "...": aggregates
 * print in braces, and references to them as "@0x...: {...}". */
static bool is_aggregate(const char *value) {
        const char *brace;

        if (!value)
                return false;
        if (value[0] == '{')
                return true;
        return value[0] == '@' && (brace = strstr(value, ": {")) && brace == strchr(value, ':');
}

/* As libstdc++'s verbose terminate handler prints it, then what the dump
 * could not tell. */
static void print_exception(FILE *out, const struct symb_exception *e) {
        fputs("terminate called after throwing an instance of '", out);
        symb_text_put(out, e->type ? e->type : "<unknown type>");
        fputs("'\n", out);
        if (e->message) {
                fputs("  what():  ", out);
                symb_text_put(out, e->message);
                fputc('\n', out);
        } else if (e->message_reason) {
                fputs("  what():  <", out);
                symb_text_put(out, e->message_reason);
                fputs(">\n", out);
        } else if (e->value) {
                fputs("  value:  ", out);
                symb_text_put(out, e->value);
                fputc('\n', out);
        }
        fprintf(out, "Exception: object at 0x%" PRIx64 ", thrown by %s%s", e->object, e->thrown_by,
                e->dependent ? " (a dependent exception)" : "");
        if (e->type_from)
                fprintf(out, ", type from the %s", e->type_from);
        if (e->detail) {
                fputs("; ", out);
                symb_text_put(out, e->detail);
        }
        fputc('\n', out);
}

/* Host:, Unit: and Container: lines, from the dump's host stream. */
static void print_host(FILE *out, const struct proto_dump *d) {
        struct symb_host h;

        if (!symb_host_get(d, &h))
                return;
        if (h.hostname || h.kernel_release) {
                const char *sep = "";

                fputs("Host: ", out);
                if (h.hostname) {
                        symb_text_put(out, h.hostname);
                        sep = ", ";
                }
                if (h.kernel_release) {
                        fprintf(out, "%skernel ", sep);
                        symb_text_put(out, h.kernel_release);
                }
                if (h.machine_id) {
                        fputs(", machine-id ", out);
                        symb_text_put(out, h.machine_id);
                }
                if (h.boot_id) {
                        fputs(", boot ", out);
                        symb_text_put(out, h.boot_id);
                }
                fputc('\n', out);
        }
        if (h.unit) {
                fputs("Unit: ", out);
                symb_text_put(out, h.user_unit ? h.user_unit : h.unit);
                if (h.user_unit) {
                        fputs(" of ", out);
                        symb_text_put(out, h.unit);
                }
                if (h.slice) {
                        fputs(" in ", out);
                        symb_text_put(out, h.slice);
                }
                fputc('\n', out);
        }
        if (h.container) {
                fputs("Container: ", out);
                symb_text_put(out, h.container);
                if (h.container_name) {
                        fputc(' ', out);
                        symb_text_put(out, h.container_name);
                }
                if (h.container_id) {
                        fputc(' ', out);
                        symb_text_put(out, h.container_id);
                }
                fputc('\n', out);
        }
        symb_host_done(&h);
}

static void print_header(FILE *out, const struct symb_report *r) {
        struct symb_crash c;
        _cleanup_free_ char *cmd = NULL;

        symb_crash_get(r, &c);
        if (c.has_signal) {
                fprintf(out, "Signal: ");
                if (c.signal_name)
                        fputs(c.signal_name, out);
                else
                        fprintf(out, "signal %u", c.signo);
                if (c.code_name)
                        fprintf(out, " (%s)", c.code_name);
                else
                        fprintf(out, " (code %d)", c.code);
                if (c.has_addr)
                        fprintf(out, " at 0x%" PRIx64, c.addr);
                if (c.signo < 65 && c.signal_name)
                        fprintf(out, ": %s", strsignal((int) c.signo));
                fputc('\n', out);
        } else
                fputs("Signal: none (dump taken on request)\n", out);
        if (r->exception)
                print_exception(out, r->exception);
        fputs("Process: ", out);
        symb_text_put(out, c.process);
        if (c.pid)
                fprintf(out, " (pid %u)", c.pid);
        if (c.main_module && c.main_module->name) {
                fputs(", ", out);
                symb_text_put(out, c.main_module->name);
        }
        fputc('\n', out);
        cmd = symb_crash_cmdline(r);
        if (cmd) {
                fputs("Command: ", out);
                symb_text_put(out, cmd);
                fputc('\n', out);
        }
        print_host(out, r->dump);
        if (r->dump->n_tags > 0) {
                fputs("Tags:", out);
                for (size_t i = 0; i < r->dump->n_tags; i++) {
                        fputc(' ', out);
                        symb_text_put(out, r->dump->tags[i].key);
                        fputc('=', out);
                        symb_text_put(out, symb_tag_masked(r, r->dump->tags[i].key, NULL) ? SYMB_MASKED
                                                                                         : r->dump->tags[i].value);
                }
                fputc('\n', out);
        }
        if (r->truncated) {
                fputs("Truncated: ", out);
                symb_text_put(out, r->truncated);
                fputc('\n', out);
        }
        for (size_t i = 0; i < r->n_modules; i++)
                if (r->modules[i].problem) {
                        fputs("Module ", out);
                        symb_text_put(out, r->modules[i].name);
                        fputs(": ", out);
                        symb_text_put(out, r->modules[i].problem);
                        fputc('\n', out);
                }
}

/* exe: the executable's path; gdb says "from LIB" for libraries only. */
static void print_frame(FILE *out, size_t level, const struct symb_frame *f, bool show_addr, const char *exe) {
        char buf[128];
        bool first = true;

        fprintf(out, "#%-2zu ", level);
        if (show_addr)
                fprintf(out, "0x%016" PRIx64 " in ", f->pc);
        symb_text_put(out, f->function ? f->function : "??");
        fputs(" (", out);
        for (size_t i = 0; i < f->n_vars; i++) {
                const struct symb_var *v = &f->vars[i];

                if (v->kind != SYMB_VAR_PARAM)
                        continue;
                fputs(first ? "" : ", ", out);
                symb_text_put(out, v->name ? v->name : "?");
                fputc('=', out);
                symb_text_put(out, is_aggregate(v->value) ? "..." : or_reason(v, buf, sizeof(buf)));
                first = false;
        }
        fputc(')', out);
        if (f->file && f->line > 0) {
                fputs(" at ", out);
                symb_text_put(out, f->file);
                fprintf(out, ":%d", f->line);
        } else if (f->module && !(exe && !strcmp(f->module, exe))) {
                fputs(" from ", out);
                symb_text_put(out, f->module);
        }
        /* gdb shows such a frame like any other; say that its function
         * already left by a tail call, and the frame is rebuilt. */
        if (f->tailcall)
                fputs(" [tail call]", out);
        fputc('\n', out);

        if (!f->has_debug_info) {
                fputs("No symbol table info available.\n", out);
                return;
        }
        first = true;
        for (size_t i = 0; i < f->n_vars; i++) {
                const struct symb_var *v = &f->vars[i];

                if (v->kind != SYMB_VAR_LOCAL)
                        continue;
                fputs("        ", out);
                symb_text_put(out, v->name ? v->name : "?");
                fputs(" = ", out);
                symb_text_put(out, or_reason(v, buf, sizeof(buf)));
                fputc('\n', out);
                first = false;
        }
        if (f->vars_truncated) {
                fputs("        <variables left out: ", out);
                symb_text_put(out, f->vars_truncated);
                fputs(">\n", out);
        } else if (first)
                fputs("No locals.\n", out);
}

static void print_thread(FILE *out, size_t n, const struct symb_thread *t, const char *exe) {
        fprintf(out, "\nThread %zu (%u", n, t->tid);
        if (t->name) {
                fputs(" \"", out);
                symb_text_put(out, t->name);
                fputc('"', out);
        }
        fprintf(out, ")%s:\n", t->crashed ? " [crashed]" : "");
        for (size_t i = 0; i < t->n_frames; i++) {
                const struct symb_frame *f = &t->frames[i];
                /* A physical frame's first virtual frame carries its pc;
                 * the frames it was inlined into share that pc. */
                bool first_of_pc = i == 0 || !t->frames[i - 1].inlined;
                bool show = first_of_pc && !(i == 0 && f->pc_at_line_start);

                print_frame(out, i, f, show, exe);
        }
        if (t->stop_reason) {
                fputs("Backtrace stopped: ", out);
                symb_text_put(out, t->stop_reason);
                fputc('\n', out);
        }
        if (t->truncated) {
                fputs("Truncated: ", out);
                symb_text_put(out, t->truncated);
                fputc('\n', out);
        }
}

int symb_format_text(FILE *out, const struct symb_report *r) {
        struct symb_crash c;

        if (!out || !r)
                return -EINVAL;
        symb_crash_get(r, &c);
        print_header(out, r);
        for (size_t i = 0; i < r->n_threads; i++)
                print_thread(out, i + 1, &r->threads[i], c.main_module ? c.main_module->name : NULL);
        return ferror(out) ? -EIO : 0;
}
