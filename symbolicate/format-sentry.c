/* SPDX-License-Identifier: MIT */
/* symbolicate/format-sentry.c: the report as one Sentry event (the JSON
 * payload of an envelope's "event" item), valid against Sentry's event
 * schema (getsentry/sentry-data-schemas). Sentry wants frames oldest
 * first, addresses as "0x..." strings, ELF images with code_id (the
 * build-id) and debug_id (its first 16 bytes as a little-endian GUID),
 * and frame vars as an object of strings. Masking applies: the event
 * leaves the machine.
 *
 * The event_id is a hash of the dump's bytes, so submitting the same dump
 * twice gives the same id and Sentry drops the duplicate. The schema has
 * no field for a frame's unwind trust; it goes into "extra". */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "symb-internal.h"

/* Sentry trims a frame's vars beyond about 2 KiB (relay's "medium" bag);
 * shorter values keep more variables visible. */
#define SENTRY_VALUE_MAX 400

static const char *const sentry_regs[SYMB_NGPR] = {
        "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
        "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};

/* Sentry's default on Linux, plus our own preloaded dumper. */
static bool in_app(const char *module) {
        static const char *const system_prefixes[] = {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "linux-gate.so"};

        if (!module)
                return false;
        for (size_t i = 0; i < sizeof(system_prefixes) / sizeof(*system_prefixes); i++)
                if (!strncmp(module, system_prefixes[i], strlen(system_prefixes[i])))
                        return false;
        return !strstr(module, "libcrashdump");
}

static void hex(FILE *out, uint64_t v) {
        fprintf(out, "\"0x%" PRIx64 "\"", v);
}

static void event_id(const struct proto_dump *d, char out[33]) {
        uint64_t h[2] = {UINT64_C(0xcbf29ce484222325), UINT64_C(0x84222325cbf29ce4)};

        /* Two FNV-1a runs with different bases: a stable id, not a
         * secure one. */
        for (size_t i = 0; i < d->file_size; i++)
                for (int k = 0; k < 2; k++)
                        h[k] = (h[k] ^ d->file[i]) * UINT64_C(0x100000001b3);
        h[0] = (h[0] & ~UINT64_C(0xf000)) | UINT64_C(0x4000);   /* like a v4 UUID */
        h[1] = (h[1] & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62);
        snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h[0], h[1]);
}

static void timestamp(FILE *out, uint64_t ns) {
        struct timespec now;
        struct tm tm;
        time_t t;
        char buf[32];

        if (ns == 0) {
                clock_gettime(CLOCK_REALTIME, &now);
                ns = (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
        }
        t = (time_t) (ns / 1000000000u);
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(out, "\"%s.%06uZ\"", buf, (unsigned) (ns % 1000000000u / 1000u));
}

static void put_vars(FILE *out, const struct symb_frame *f, const char *const *mask) {
        fputs(",\"vars\":{", out);
        for (size_t i = 0; i < f->n_vars; i++) {
                const struct symb_var *v = &f->vars[i];
                char reason[128];
                bool masked;
                const char *shown = symb_var_shown_value(v, mask, &masked);

                if (!shown) {
                        snprintf(reason, sizeof(reason), "<%s>", v->reason ? v->reason : "optimized out");
                        shown = reason;
                }
                if (i)
                        fputc(',', out);
                symb_json_key(out, v->name ? v->name : "?");
                if (strlen(shown) > SENTRY_VALUE_MAX) {
                        char cut[SENTRY_VALUE_MAX + 4];
                        size_t k = SENTRY_VALUE_MAX;

                        /* Cut before a UTF-8 sequence, not inside one. */
                        while (k > 0 && ((uint8_t) shown[k] & 0xc0) == 0x80)
                                k--;
                        memcpy(cut, shown, k);
                        memcpy(cut + k, "...", 4);
                        symb_json_string(out, cut);
                        continue;
                }
                symb_json_string(out, shown);
        }
        fputc('}', out);
}

static void put_frame(FILE *out, const struct symb_frame *f, const char *const *mask) {
        fputs("{\"instruction_addr\":", out);
        hex(out, f->pc);
        if (f->function) {
                fputs(",\"function\":", out);
                symb_json_string(out, f->function);
                if (!f->inlined && f->function_offset <= f->pc) {
                        fputs(",\"symbol_addr\":", out);
                        hex(out, f->pc - f->function_offset);
                }
        }
        if (f->file) {
                const char *base = strrchr(f->file, '/');

                fputs(",\"filename\":", out);
                symb_json_string(out, base ? base + 1 : f->file);
                fputs(",\"abs_path\":", out);
                symb_json_string(out, f->file);
        }
        if (f->line > 0)
                fprintf(out, ",\"lineno\":%d", f->line);
        if (f->column > 0)
                fprintf(out, ",\"colno\":%d", f->column);
        if (f->module) {
                fputs(",\"package\":", out);
                symb_json_string(out, f->module);
                fputs(",\"image_addr\":", out);
                hex(out, f->module_base);
        }
        fprintf(out, ",\"in_app\":%s", in_app(f->module) ? "true" : "false");
        if (f->has_debug_info)
                put_vars(out, f, mask);
        fputc('}', out);
}

static void put_stacktrace(FILE *out, const struct symb_report *r, const struct symb_thread *t,
                           const char *const *mask) {
        const struct proto_thread *pt = NULL;
        const struct md_context_amd64 *ctx;

        fputs("{\"frames\":[", out);
        for (size_t i = t->n_frames; i > 0; i--) {
                put_frame(out, &t->frames[i - 1], mask);
                if (i > 1)
                        fputc(',', out);
        }
        fputc(']', out);
        /* By index: a scan per thread made 65,536 threads take a minute. */
        if (t->dump_index < r->dump->n_threads && r->dump->threads[t->dump_index].tid == t->tid)
                pt = &r->dump->threads[t->dump_index];
        for (size_t i = 0; !pt && i < r->dump->n_threads; i++)
                if (r->dump->threads[i].tid == t->tid)
                        pt = &r->dump->threads[i];
        ctx = pt ? proto_thread_context(r->dump, pt) : NULL;
        if (ctx && t->n_frames > 0 && t->frames[0].trust == SYMB_TRUST_CONTEXT) {
                const uint64_t v[SYMB_NGPR] = {ctx->rax, ctx->rdx, ctx->rcx, ctx->rbx, ctx->rsi, ctx->rdi,
                                               ctx->rbp, ctx->rsp, ctx->r8,  ctx->r9,  ctx->r10, ctx->r11,
                                               ctx->r12, ctx->r13, ctx->r14, ctx->r15, ctx->rip};

                fputs(",\"registers\":{", out);
                for (int i = 0; i < SYMB_NGPR; i++) {
                        fprintf(out, "%s\"%s\":", i ? "," : "", sentry_regs[i]);
                        hex(out, v[i]);
                }
                fputc('}', out);
        }
        fputc('}', out);
}

static void put_exception(FILE *out, const struct symb_report *r, const struct symb_crash *c,
                          const struct symb_thread *crashed, const char *const *mask) {
        fputs(",\n\"exception\":{\"values\":[{\"type\":", out);
        if (c->has_signal && r->exception) {
                /* An uncaught C++ exception: the exception is what
                 * happened, the SIGABRT of std::terminate how it ended. */
                const struct symb_exception *e = r->exception;

                symb_json_string(out, e->type ? e->type : "<unknown C++ exception>");
                if (!e->message && !e->message_reason && e->value) {
                        fputs(",\"value\":", out);
                        symb_json_string(out, e->value);
                } else if (e->message || e->message_reason) {
                        _cleanup_free_ char *v = NULL;

                        if (!e->message && asprintf(&v, "<%s>", e->message_reason) < 0)
                                v = NULL;
                        fputs(",\"value\":", out);
                        symb_json_string(out, e->message ? e->message : v ? v : "<unknown>");
                }
                fputs(",\"mechanism\":{\"type\":\"cxx_exception\",\"handled\":false,"
                      "\"description\":\"terminate called after throwing an exception\","
                      "\"data\":{\"thrown_by\":",
                      out);
                symb_json_string(out, e->thrown_by);
                fputs(",\"object\":", out);
                hex(out, e->object);
                if (e->detail) {
                        fputs(",\"crashd_detail\":", out);
                        symb_json_string(out, e->detail);
                }
                fputs("},\"meta\":{\"signal\":{", out);
                fprintf(out, "\"number\":%u,\"code\":%d", c->signo, c->code);
                if (c->signal_name) {
                        fputs(",\"name\":", out);
                        symb_json_string(out, c->signal_name);
                }
                if (c->code_name) {
                        fputs(",\"code_name\":", out);
                        symb_json_string(out, c->code_name);
                }
                fputs("}}}", out);
        } else if (c->has_signal) {
                char num[32];
                char *value = NULL;

                snprintf(num, sizeof(num), "signal %u", c->signo);
                symb_json_string(out, c->signal_name ? c->signal_name : num);
                if (c->has_addr &&
                    asprintf(&value, "%s at 0x%" PRIx64, c->code_name ? c->code_name : "fault", c->addr) < 0)
                        value = NULL;
                fputs(",\"value\":", out);
                symb_json_string(out, value ? value : c->code_name ? c->code_name : "fatal signal");
                free(value);
                fputs(",\"mechanism\":{\"type\":\"signalhandler\",\"handled\":false,\"synthetic\":true,"
                      "\"meta\":{\"signal\":{",
                      out);
                fprintf(out, "\"number\":%u,\"code\":%d", c->signo, c->code);
                if (c->signal_name) {
                        fputs(",\"name\":", out);
                        symb_json_string(out, c->signal_name);
                }
                if (c->code_name) {
                        fputs(",\"code_name\":", out);
                        symb_json_string(out, c->code_name);
                }
                fputs("}}}", out);
        } else
                fputs("\"DumpRequested\",\"value\":\"dump written on request, no crash\","
                      "\"mechanism\":{\"type\":\"minidump\",\"handled\":true}",
                      out);
        if (crashed) {
                fprintf(out, ",\"thread_id\":%u,\"stacktrace\":", crashed->tid);
                put_stacktrace(out, r, crashed, mask);
        }
        fputs("}]}", out);
}

static void put_threads(FILE *out, const struct symb_report *r, const struct symb_crash *c,
                        const struct symb_thread *crashed, const char *const *mask) {
        fputs(",\n\"threads\":{\"values\":[", out);
        for (size_t i = 0; i < r->n_threads; i++) {
                const struct symb_thread *t = &r->threads[i];

                fprintf(out, "%s{\"id\":%u", i ? ",\n" : "", t->tid);
                if (t->name) {
                        fputs(",\"name\":", out);
                        symb_json_string(out, t->name);
                }
                fprintf(out, ",\"crashed\":%s,\"current\":%s,\"main\":%s", t->crashed ? "true" : "false",
                        t == crashed ? "true" : "false", c->pid && t->tid == c->pid ? "true" : "false");
                /* The crashing thread's stack is in the exception already,
                 * as Sentry's docs ask. */
                if (t != crashed) {
                        fputs(",\"stacktrace\":", out);
                        put_stacktrace(out, r, t, mask);
                }
                fputc('}', out);
        }
        fputs("]}", out);
}

static void put_images(FILE *out, const struct symb_report *r) {
        fputs(",\n\"debug_meta\":{\"images\":[", out);
        for (size_t i = 0; i < r->n_modules; i++) {
                const struct symb_module *m = &r->modules[i];

                fputs(i ? ",\n{\"type\":\"elf\"" : "{\"type\":\"elf\"", out);
                if (m->build_id[0]) {
                        fputs(",\"code_id\":", out);
                        symb_json_string(out, m->build_id);
                }
                fputs(",\"debug_id\":", out);
                symb_json_string(out, m->debug_id[0] ? m->debug_id : "00000000-0000-0000-0000-000000000000");
                fputs(",\"code_file\":", out);
                symb_json_string(out, m->name ? m->name : "");
                fputs(",\"image_addr\":", out);
                hex(out, m->base);
                fprintf(out, ",\"image_size\":%" PRIu64 ",\"arch\":\"x86_64\"}", m->size);
        }
        fputs("]}", out);
}

static const char *breadcrumb_level(uint32_t l) {
        static const char *const names[] = {"debug", "info", "warning", "error"};

        return l < 4 ? names[l] : "info";
}

static void put_breadcrumbs(FILE *out, const struct proto_dump *d) {
        if (d->n_breadcrumbs == 0)
                return;
        fputs(",\n\"breadcrumbs\":{\"values\":[", out);
        for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                const struct proto_breadcrumb *b = &d->breadcrumbs[i];

                fputs(i ? ",{\"timestamp\":" : "{\"timestamp\":", out);
                timestamp(out, b->time_ns ? b->time_ns : 1);
                fprintf(out, ",\"level\":\"%s\",\"message\":", breadcrumb_level(b->level));
                symb_json_string(out, b->message);
                fputc('}', out);
        }
        fputs("]}", out);
}

/* VALUE of KEY=VALUE (quotes dropped) in an os-release/lsb-release text. */
static char *release_field(const struct proto_blob *b, const char *key) {
        size_t kl = strlen(key);

        for (size_t i = 0; b->data && i < b->size;) {
                const char *line = (const char *) b->data + i;
                const char *end = memchr(line, '\n', b->size - i);
                size_t n = end ? (size_t) (end - line) : b->size - i;

                if (n > kl && !strncmp(line, key, kl) && line[kl] == '=') {
                        const char *v = line + kl + 1;
                        size_t vl = n - kl - 1;

                        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
                                v++, vl -= 2;
                        return strndup(v, vl);
                }
                i += n + 1;
        }
        return NULL;
}

static void put_contexts(FILE *out, const struct proto_dump *d) {
        _cleanup_free_ char *name = release_field(&d->lsb_release, "ID");
        _cleanup_free_ char *version = release_field(&d->lsb_release, "VERSION_ID");
        _cleanup_free_ char *pretty = release_field(&d->lsb_release, "PRETTY_NAME");

        if (!name)
                name = release_field(&d->lsb_release, "DISTRIB_ID");
        if (!version)
                version = release_field(&d->lsb_release, "DISTRIB_RELEASE");
        if (!pretty)
                pretty = release_field(&d->lsb_release, "DISTRIB_DESCRIPTION");
        fputs(",\n\"contexts\":{\"os\":{\"type\":\"os\",\"name\":\"Linux\"", out);
        if (d->os_version && *d->os_version) {
                fputs(",\"raw_description\":", out);
                symb_json_string(out, d->os_version);
        }
        if (name || version || pretty) {
                fputs(",\"distribution\":{", out);
                fputs("\"name\":", out);
                symb_json_string_or_null(out, name);
                fputs(",\"version\":", out);
                symb_json_string_or_null(out, version);
                fputs(",\"pretty_name\":", out);
                symb_json_string_or_null(out, pretty);
                fputc('}', out);
        }
        fputs("},\"device\":{\"type\":\"device\",\"arch\":\"x86_64\"", out);
        if (d->has_system_info && d->system_info.number_of_processors)
                fprintf(out, ",\"processor_count\":%u", d->system_info.number_of_processors);
        fputs("}}", out);
}

static const char *tag(const struct proto_dump *d, const char *key) {
        for (size_t i = 0; i < d->n_tags; i++)
                if (!strcmp(d->tags[i].key, key) && d->tags[i].value[0])
                        return d->tags[i].value;
        return NULL;
}

static void put_extra(FILE *out, const struct symb_report *r) {
        /* Per-frame trust, innermost first, and where each walk stopped:
         * the schema's frames have no room for them. */
        fputs(",\n\"extra\":{\"crashd_threads\":[", out);
        for (size_t i = 0; i < r->n_threads; i++) {
                const struct symb_thread *t = &r->threads[i];

                fprintf(out, "%s{\"tid\":%u,\"trust\":[", i ? "," : "", t->tid);
                for (size_t j = 0; j < t->n_frames; j++)
                        fprintf(out, "%s\"%s\"", j ? "," : "",
                                t->frames[j].trust == SYMB_TRUST_CONTEXT ? "context"
                                : t->frames[j].trust == SYMB_TRUST_CFI  ? "cfi"
                                                                         : "fp");
                fputs("],\"stop_reason\":", out);
                symb_json_string_or_null(out, t->stop_reason);
                if (t->truncated) {
                        fputs(",\"truncated\":", out);
                        symb_json_string(out, t->truncated);
                }
                fputc('}', out);
        }
        fputc(']', out);
        /* What the limits cut (symb_limits): the event is not the whole
         * crash. */
        if (r->truncated) {
                fprintf(out, ",\"crashd_threads_in_dump\":%zu,\"crashd_truncated\":", r->n_threads_in_dump);
                symb_json_string(out, r->truncated);
        }
        fputc('}', out);
}

static bool has_tag(const struct proto_dump *d, const char *key) {
        for (size_t i = 0; i < d->n_tags; i++)
                if (!strcmp(d->tags[i].key, key))
                        return true;
        return false;
}

int symb_format_sentry(FILE *out, const struct symb_report *r, const char *const *mask) {
        const struct proto_dump *d;
        const struct symb_thread *crashed = NULL;
        struct symb_crash c;
        char id[33];
        const char *release, *env;
        struct symb_host host;
        bool have_host;
        size_t n_put;

        if (!out || !r)
                return -EINVAL;
        d = r->dump;
        symb_crash_get(r, &c);
        for (size_t i = 0; i < r->n_threads && !crashed; i++)
                if (r->threads[i].crashed)
                        crashed = &r->threads[i];
        event_id(d, id);

        fprintf(out, "{\"event_id\":\"%s\",\"timestamp\":", id);
        timestamp(out, c.time_ns);
        fprintf(out, ",\"platform\":\"native\",\"level\":\"%s\",\"logger\":\"crashd\"", c.has_signal ? "fatal" : "info");
        release = tag(d, "release");
        if (!release && c.main_module && c.main_module->build_id[0])
                release = c.main_module->build_id;
        if (release) {
                fputs(",\"release\":", out);
                symb_json_string(out, release);
        }
        env = tag(d, "environment");
        if (env) {
                fputs(",\"environment\":", out);
                symb_json_string(out, env);
        }
        fputs(",\"sdk\":{\"name\":\"crashd\",\"version\":\"" CRASHD_VERSION "\"}", out);
        have_host = symb_host_get(d, &host);
        if (host.hostname) {
                fputs(",\"server_name\":", out);
                symb_json_string(out, host.hostname);
        }
        fputs(",\n\"tags\":{", out);
        /* Where it crashed, as tags Sentry can search, unless the program
         * set tags of those names itself (one key once in the object). */
        n_put = 0;
        if (host.unit && !has_tag(d, "systemd_unit")) {
                fputs("\"systemd_unit\":", out);
                symb_json_string(out, host.user_unit ? host.user_unit : host.unit);
                n_put++;
        }
        if (host.container && !has_tag(d, "container")) {
                char container[256];

                (void) snprintf(container, sizeof(container), "%s%s%s", host.container,
                                host.container_name || host.container_id ? ":" : "",
                                host.container_name ? host.container_name : host.container_id ? host.container_id : "");
                fputs(n_put ? ",\"container\":" : "\"container\":", out);
                symb_json_string(out, container);
                n_put++;
        }
        if (have_host)
                symb_host_done(&host);
        for (size_t i = 0; i < d->n_tags; i++) {
                if (i || n_put)
                        fputc(',', out);
                symb_json_key(out, d->tags[i].key);
                /* Tags come from the program: one named like a secret is
                 * masked like a variable. */
                symb_json_string(out, symb_tag_masked(r, d->tags[i].key, mask) ? SYMB_MASKED : d->tags[i].value);
        }
        fputc('}', out);
        put_exception(out, r, &c, crashed, mask);
        put_threads(out, r, &c, crashed, mask);
        put_images(out, r);
        put_breadcrumbs(out, d);
        put_contexts(out, d);
        put_extra(out, r);
        fputs("}\n", out);
        return ferror(out) ? -EIO : 0;
}
