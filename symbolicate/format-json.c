/* SPDX-License-Identifier: MIT */
/* symbolicate/format-json.c: the report as JSON for scripts, tests and
 * the daemon's API. The schema is docs/symbolicate-json.md, version
 * SYMB_JSON_VERSION: fields are only ever added (a reader ignores what it
 * does not know); a change of meaning bumps the version. Addresses are
 * "0x..." strings (JSON numbers lose 64-bit precision in JavaScript);
 * unknown values are null. Masked variables' values are "[masked]"; what
 * the limits cut is said in "truncated" fields. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "host.h"
#include "symb-internal.h"

#define SYMB_JSON_VERSION 1

static const char *trust_name(enum symb_trust t) {
        switch (t) {
        case SYMB_TRUST_CONTEXT: return "context";
        case SYMB_TRUST_CFI: return "cfi";
        case SYMB_TRUST_FP: return "fp";
        }
        return "fp";
}

static void hex(FILE *out, uint64_t v) {
        fprintf(out, "\"0x%" PRIx64 "\"", v);
}

static void put_var(FILE *out, const struct symb_var *v, const char *const *mask) {
        bool masked;
        const char *shown = symb_var_shown_value(v, mask, &masked);

        fputc('{', out);
        symb_json_key(out, "name");
        symb_json_string_or_null(out, v->name);
        fputs(",\"kind\":", out);
        fputs(v->kind == SYMB_VAR_PARAM ? "\"param\"" : "\"local\"", out);
        fputs(",\"type\":", out);
        symb_json_string_or_null(out, v->type);
        fputs(",\"value\":", out);
        symb_json_string_or_null(out, shown);
        fputs(",\"reason\":", out);
        symb_json_string_or_null(out, shown ? NULL : (v->reason ? v->reason : "optimized out"));
        if (!shown && v->detail) {
                fputs(",\"detail\":", out);
                symb_json_string(out, v->detail);
        }
        if (masked)
                fputs(",\"masked\":true", out);
        fputc('}', out);
}

static void put_frame(FILE *out, const struct symb_frame *f, const char *const *mask) {
        fputs("{\"pc\":", out);
        hex(out, f->pc);
        fputs(",\"module\":", out);
        symb_json_string_or_null(out, f->module);
        fputs(",\"module_base\":", out);
        if (f->module)
                hex(out, f->module_base);
        else
                fputs("null", out);
        fputs(",\"function\":", out);
        symb_json_string_or_null(out, f->function);
        fputs(",\"function_offset\":", out);
        if (f->function && !f->inlined)
                hex(out, f->function_offset);
        else
                fputs("null", out);
        fputs(",\"file\":", out);
        symb_json_string_or_null(out, f->file);
        fputs(",\"line\":", out);
        if (f->line > 0)
                fprintf(out, "%d", f->line);
        else
                fputs("null", out);
        fputs(",\"column\":", out);
        if (f->column > 0)
                fprintf(out, "%d", f->column);
        else
                fputs("null", out);
        fprintf(out, ",\"inlined\":%s,\"tailcall\":%s,\"trust\":\"%s\",\"debug_info\":%s,\"vars\":[",
                f->inlined ? "true" : "false", f->tailcall ? "true" : "false", trust_name(f->trust),
                f->has_debug_info ? "true" : "false");
        for (size_t i = 0; i < f->n_vars; i++) {
                if (i)
                        fputc(',', out);
                put_var(out, &f->vars[i], mask);
        }
        fputc(']', out);
        if (f->vars_truncated) {
                fputs(",\"vars_truncated\":", out);
                symb_json_string(out, f->vars_truncated);
        }
        fputc('}', out);
}

static void put_thread(FILE *out, const struct symb_thread *t, const char *const *mask) {
        fprintf(out, "{\"tid\":%u,\"name\":", t->tid);
        symb_json_string_or_null(out, t->name);
        fprintf(out, ",\"crashed\":%s,\"stop_reason\":", t->crashed ? "true" : "false");
        symb_json_string_or_null(out, t->stop_reason);
        fputs(",\"truncated\":", out);
        symb_json_string_or_null(out, t->truncated);
        fputs(",\"frames\":[", out);
        for (size_t i = 0; i < t->n_frames; i++) {
                if (i)
                        fputs(",\n", out);
                put_frame(out, &t->frames[i], mask);
        }
        fputs("]}", out);
}

static void put_module(FILE *out, const struct symb_module *m) {
        fputs("{\"name\":", out);
        symb_json_string_or_null(out, m->name);
        fputs(",\"base\":", out);
        hex(out, m->base);
        fprintf(out, ",\"size\":%" PRIu64 ",\"build_id\":", m->size);
        symb_json_string_or_null(out, m->build_id[0] ? m->build_id : NULL);
        fputs(",\"debug_id\":", out);
        symb_json_string_or_null(out, m->debug_id[0] ? m->debug_id : NULL);
        fputs(",\"elf_path\":", out);
        symb_json_string_or_null(out, m->elf_path);
        fputs(",\"debug_path\":", out);
        symb_json_string_or_null(out, m->debug_path);
        fputs(",\"problem\":", out);
        symb_json_string_or_null(out, m->problem);
        fputc('}', out);
}

/* The uncaught C++ exception, or null. */
static void put_exception(FILE *out, const struct symb_exception *e) {
        if (!e) {
                fputs("null", out);
                return;
        }
        fputs("{\"type\":", out);
        symb_json_string_or_null(out, e->type);
        fputs(",\"message\":", out);
        symb_json_string_or_null(out, e->message);
        fputs(",\"message_reason\":", out);
        symb_json_string_or_null(out, e->message ? NULL : e->message_reason);
        fputs(",\"value\":", out);
        symb_json_string_or_null(out, e->value);
        fputs(",\"thrown_by\":", out);
        symb_json_string_or_null(out, e->thrown_by);
        fprintf(out, ",\"dependent\":%s,\"object\":", e->dependent ? "true" : "false");
        hex(out, e->object);
        fputs(",\"type_info\":", out);
        if (e->type_info)
                hex(out, e->type_info);
        else
                fputs("null", out);
        fputs(",\"type_from\":", out);
        symb_json_string_or_null(out, e->type_from);
        fputs(",\"detail\":", out);
        symb_json_string_or_null(out, e->detail);
        fputc('}', out);
}

static void put_crash(FILE *out, const struct symb_report *r) {
        struct symb_crash c;

        symb_crash_get(r, &c);
        fputs("\"crash\":{\"signal\":", out);
        if (c.has_signal)
                fprintf(out, "%u", c.signo);
        else
                fputs("null", out);
        fputs(",\"signal_name\":", out);
        symb_json_string_or_null(out, c.signal_name);
        fputs(",\"code\":", out);
        if (c.has_signal)
                fprintf(out, "%d", c.code);
        else
                fputs("null", out);
        fputs(",\"code_name\":", out);
        symb_json_string_or_null(out, c.code_name);
        fputs(",\"address\":", out);
        if (c.has_addr)
                hex(out, c.addr);
        else
                fputs("null", out);
        fprintf(out, ",\"requested\":%s,\"thread\":", c.has_signal ? "false" : "true");
        if (c.tid)
                fprintf(out, "%u", c.tid);
        else
                fputs("null", out);
        fputs(",\"pid\":", out);
        if (c.pid)
                fprintf(out, "%u", c.pid);
        else
                fputs("null", out);
        fputs(",\"time_ns\":", out);
        if (c.time_ns)
                fprintf(out, "%" PRIu64, c.time_ns);
        else
                fputs("null", out);
        fputs(",\"process\":", out);
        symb_json_string(out, c.process);
        fputs(",\"executable\":", out);
        symb_json_string_or_null(out, c.main_module ? c.main_module->name : NULL);
        fputs(",\"exception\":", out);
        put_exception(out, r->exception);
        fputc('}', out);
}

static void put_host(FILE *out, const struct proto_dump *d) {
        struct symb_host h;

        fputs(",\n\"host\":", out);
        if (!symb_host_get(d, &h)) {
                fputs("null", out);
                return;
        }
        {
                const struct {
                        const char *key, *value;
                } fields[] = {
                        { "hostname", h.hostname },
                        { "machine_id", h.machine_id },
                        { "boot_id", h.boot_id },
                        { "kernel_release", h.kernel_release },
                        { "kernel_version", h.kernel_version },
                        { "cgroup", h.cgroup },
                        { "systemd_unit", h.unit },
                        { "systemd_slice", h.slice },
                        { "systemd_user_unit", h.user_unit },
                };

                for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                        fprintf(out, "%s\"%s\":", i ? "," : "{", fields[i].key);
                        symb_json_string_or_null(out, fields[i].value);
                }
        }
        fputs(",\"container\":", out);
        if (h.container) {
                fputs("{\"runtime\":", out);
                symb_json_string(out, h.container);
                fputs(",\"id\":", out);
                symb_json_string_or_null(out, h.container_id);
                fputs(",\"name\":", out);
                symb_json_string_or_null(out, h.container_name);
                fputc('}', out);
        } else
                fputs("null", out);
        fputc('}', out);
        symb_host_done(&h);
}

int symb_format_json(FILE *out, const struct symb_report *r, const char *const *mask) {
        const struct proto_dump *d;
        _cleanup_free_ char *cmd = NULL;

        if (!out || !r)
                return -EINVAL;
        d = r->dump;
        fprintf(out, "{\"schema\":\"crashd-symbolicate\",\"version\":%d,\n", SYMB_JSON_VERSION);
        put_crash(out, r);
        cmd = symb_crash_cmdline(r);
        fputs(",\n\"command_line\":", out);
        symb_json_string_or_null(out, cmd);
        put_host(out, d);
        fprintf(out, ",\n\"threads_in_dump\":%zu,\"truncated\":", r->n_threads_in_dump);
        symb_json_string_or_null(out, r->truncated);
        fputs(",\n\"tags\":{", out);
        for (size_t i = 0; i < d->n_tags; i++) {
                if (i)
                        fputc(',', out);
                symb_json_key(out, d->tags[i].key);
                /* Tags come from the program: one named like a secret is
                 * masked like a variable. */
                symb_json_string(out, symb_tag_masked(r, d->tags[i].key, mask) ? SYMB_MASKED : d->tags[i].value);
        }
        /* Breadcrumbs are the program's log lines, kept as it wrote
         * them (as the Sentry event's); levels by name. */
        fputs("},\n\"breadcrumbs\":[", out);
        for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                const struct proto_breadcrumb *b = &d->breadcrumbs[i];
                static const char *const levels[] = { "debug", "info", "warning", "error" };

                fprintf(out, "%s{\"time_ns\":%" PRIu64 ",\"level\":", i ? "," : "", b->time_ns);
                symb_json_string_or_null(out, b->level < 4 ? levels[b->level] : NULL);
                fputs(",\"message\":", out);
                symb_json_string(out, b->message);
                fputc('}', out);
        }
        fputs("],\n\"modules\":[", out);
        for (size_t i = 0; i < r->n_modules; i++) {
                if (i)
                        fputs(",\n", out);
                put_module(out, &r->modules[i]);
        }
        fputs("],\n\"threads\":[", out);
        for (size_t i = 0; i < r->n_threads; i++) {
                if (i)
                        fputs(",\n", out);
                put_thread(out, &r->threads[i], mask);
        }
        fputs("]}\n", out);
        return ferror(out) ? -EIO : 0;
}
