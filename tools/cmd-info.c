/* SPDX-License-Identifier: MIT */
/* tools/cmd-info.c: `crashctl info [--json] [--verbose] DUMP|MATCH...`, what a dump
 * holds, without symbols. Text for people, JSON (tools/README.md) for
 * scripts and tests. Everything printed from the dump is escaped: a dump is
 * hostile input and must not drive the terminal. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "commands.h"
#include "facts.h"
#include "facts-text.h"
#include "json.h"
#include "target.h"
#include "utf8.h"

struct info_args {
        const char *path;
        bool json, verbose;
};

static void build_id_hex(const struct proto_module *m, char *buf) {
        for (size_t i = 0; i < m->build_id_size; i++)
                sprintf(buf + 2 * i, "%02x", m->build_id[i]);
        buf[2 * m->build_id_size] = 0;
}

static void print_text(FILE *f, const struct info_args *a, const struct proto_dump *d,
                       const struct dump_facts *x, uint64_t file_size) {
        fputs("File:       ", f);
        facts_put_str(f, a->path);
        fprintf(f, " (%s, %" PRIu64 " bytes", d->compressed ? "zstd" : "raw", file_size);
        if (d->compressed)
                fprintf(f, ", %zu raw", d->file_size);
        fputs(")\n", f);

        facts_print_header(f, d, x);
        fprintf(f, "\nThreads (%zu):\n", d->n_threads);
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                fprintf(f, "  %s %-7" PRIu32 " ", facts_thread_crashed(x, t) ? "*" : " ", t->tid);
                if (t->has_info && t->info.name[0]) {
                        int w = 16;

                        /* Pad by hand: the name may come out escaped. */
                        facts_put_str(f, t->info.name);
                        w -= (int) strlen(t->info.name);
                        fprintf(f, "%*s", w > 0 ? w : 1, "");
                } else
                        fprintf(f, "%-16s", "-");
                /* Padded only when more follows: no trailing blanks. */
                fprintf(f, c || t->stack.data || t->xstate.size ? "%-9s" : "%s", facts_thread_source(d, t));
                if (c)
                        fprintf(f, " pc 0x%-14" PRIx64 " sp 0x%-14" PRIx64, c->rip, c->rsp);
                if (t->stack.data)
                        fprintf(f, " stack 0x%" PRIx64 " (%" PRIu64 " bytes)", t->stack.start, t->stack.size);
                if (t->xstate.size)
                        fprintf(f, " xstate %zu bytes", t->xstate.size);
                fputc('\n', f);
        }

        fprintf(f, "\nModules (%zu):\n", d->n_modules);
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                char id[2 * PROTO_BUILD_ID_MAX + 1];

                build_id_hex(m, id);
                fprintf(f, "  0x%012" PRIx64 " %10" PRIu64 "  %-40s  ", m->base, m->size, id[0] ? id : "-");
                facts_put_str(f, m->name);
                fputc('\n', f);
        }

        fprintf(f, "\nMemory:     %zu regions, %" PRIu64 " bytes\n", d->n_memory, x->memory_bytes);
        if (a->verbose)
                for (size_t i = 0; i < d->n_memory; i++)
                        fprintf(f, "  0x%012" PRIx64 " %10" PRIu64 "\n", d->memory[i].start, d->memory[i].size);

        fprintf(f, "\nStreams (%zu):\n", d->n_streams);
        for (size_t i = 0; i < d->n_streams; i++) {
                const char *name = proto_stream_name(d->streams[i].type);

                fprintf(f, "  0x%08" PRIx32 "  %-20s %10" PRIu32 " bytes\n", d->streams[i].type,
                        name ?: "-", d->streams[i].size);
        }

        facts_print_annotations(f, d);
}

static void json_opt_uint(struct jw *j, bool has, uint64_t v) {
        if (has)
                jw_uint(j, v);
        else
                jw_null(j);
}

static void json_span(struct jw *j, const struct text_span *s) {
        if (s->s)
                jw_string_n(j, s->s, s->n);
        else
                jw_null(j);
}

static void print_json(FILE *f, const struct info_args *a, const struct proto_dump *d,
                       const struct dump_facts *x, uint64_t file_size) {
        struct jw j;
        char when[64];

        jw_init(&j, f);
        jw_object_begin(&j);
        jw_key(&j, "format"), jw_string(&j, "crashd-dump-info");
        jw_key(&j, "version"), jw_uint(&j, 1);

        jw_key(&j, "file");
        jw_object_begin(&j);
        jw_key(&j, "path"), jw_string(&j, a->path);
        jw_key(&j, "compressed"), jw_bool(&j, d->compressed);
        jw_key(&j, "size"), jw_uint(&j, file_size);
        jw_key(&j, "raw_size"), jw_uint(&j, d->file_size);
        jw_object_end(&j);

        jw_key(&j, "process");
        jw_object_begin(&j);
        jw_key(&j, "pid"), json_opt_uint(&j, x->has_pid, x->pid);
        jw_key(&j, "ppid"), json_opt_uint(&j, x->has_ppid, x->ppid);
        jw_key(&j, "uid"), json_opt_uint(&j, x->has_uid, x->uid);
        jw_key(&j, "gid"), json_opt_uint(&j, x->has_gid, x->gid);
        jw_key(&j, "cmdline");
        jw_array_begin(&j);
        for (size_t i = 0; i < x->argc; i++)
                json_span(&j, &x->argv[i]);
        jw_array_end(&j);
        jw_key(&j, "exe"), json_span(&j, &x->exe);
        jw_object_end(&j);

        jw_key(&j, "crash");
        jw_object_begin(&j);
        jw_key(&j, "signal"), jw_uint(&j, x->signo);
        jw_key(&j, "signal_name"), jw_string(&j, proto_signal_name(x->signo));
        jw_key(&j, "code"), jw_int(&j, x->code);
        jw_key(&j, "code_name"), jw_string(&j, x->signo ? proto_signal_code_name(x->signo, x->code) : NULL);
        jw_key(&j, "address"), jw_hex(&j, x->address);
        jw_key(&j, "thread"), json_opt_uint(&j, x->has_thread, x->thread);
        jw_key(&j, "requested"), jw_bool(&j, x->requested);
        jw_key(&j, "time");
        if (x->has_time) {
                facts_format_time(x->time_ns, x->time_has_fraction, when, sizeof(when));
                jw_string(&j, when);
        } else
                jw_null(&j);
        jw_key(&j, "pc");
        if (x->crash_context)
                jw_hex(&j, x->crash_context->rip);
        else
                jw_null(&j);
        jw_object_end(&j);

        jw_key(&j, "dumper");
        jw_object_begin(&j);
        jw_key(&j, "version"), jw_string(&j, x->dumper_version);
        jw_key(&j, "flags");
        jw_array_begin(&j);
        for (uint32_t bit = 1; bit; bit <<= 1) {
                const char *name = facts_flag_name(bit);

                if (!(x->flags & bit))
                        continue;
                if (name)
                        jw_string(&j, name);
                else {
                        char hex[16];

                        snprintf(hex, sizeof(hex), "0x%" PRIx32, bit);
                        jw_string(&j, hex);
                }
        }
        jw_array_end(&j);
        jw_object_end(&j);

        jw_key(&j, "threads");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                jw_object_begin(&j);
                jw_key(&j, "tid"), jw_uint(&j, t->tid);
                jw_key(&j, "name"), jw_string(&j, t->has_info && t->info.name[0] ? t->info.name : NULL);
                jw_key(&j, "crashed"), jw_bool(&j, facts_thread_crashed(x, t));
                jw_key(&j, "context_source"), jw_string(&j, facts_thread_source(d, t));
                jw_key(&j, "pc");
                c ? jw_hex(&j, c->rip) : jw_null(&j);
                jw_key(&j, "sp");
                c ? jw_hex(&j, c->rsp) : jw_null(&j);
                jw_key(&j, "stack");
                if (t->stack.data) {
                        jw_object_begin(&j);
                        jw_key(&j, "start"), jw_hex(&j, t->stack.start);
                        jw_key(&j, "size"), jw_uint(&j, t->stack.size);
                        jw_object_end(&j);
                } else
                        jw_null(&j);
                jw_key(&j, "xstate_size"), jw_uint(&j, t->xstate.size);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "modules");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                char id[2 * PROTO_BUILD_ID_MAX + 1];

                build_id_hex(m, id);
                jw_object_begin(&j);
                jw_key(&j, "base"), jw_hex(&j, m->base);
                jw_key(&j, "size"), jw_uint(&j, m->size);
                jw_key(&j, "name"), jw_string(&j, m->name);
                jw_key(&j, "build_id"), jw_string(&j, id[0] ? id : NULL);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "memory");
        jw_object_begin(&j);
        jw_key(&j, "regions"), jw_uint(&j, d->n_memory);
        jw_key(&j, "bytes"), jw_uint(&j, x->memory_bytes);
        jw_key(&j, "list");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_memory; i++) {
                jw_object_begin(&j);
                jw_key(&j, "start"), jw_hex(&j, d->memory[i].start);
                jw_key(&j, "size"), jw_uint(&j, d->memory[i].size);
                jw_object_end(&j);
        }
        jw_array_end(&j);
        jw_object_end(&j);

        jw_key(&j, "streams");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_streams; i++) {
                jw_object_begin(&j);
                jw_key(&j, "type"), jw_hex(&j, d->streams[i].type);
                jw_key(&j, "name"), jw_string(&j, proto_stream_name(d->streams[i].type));
                jw_key(&j, "size"), jw_uint(&j, d->streams[i].size);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        /* An object: a key the dump repeats is kept once, its first value
         * (as for streams), so that every JSON parser reads the same. */
        jw_key(&j, "tags");
        jw_object_begin(&j);
        for (size_t i = 0; i < d->n_tags; i++) {
                bool seen = false;

                for (size_t k = 0; k < i && !seen; k++)
                        seen = strcmp(d->tags[k].key, d->tags[i].key) == 0;
                if (seen)
                        continue;
                jw_key(&j, d->tags[i].key), jw_string(&j, d->tags[i].value);
        }
        jw_object_end(&j);

        jw_key(&j, "breadcrumbs");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                jw_object_begin(&j);
                jw_key(&j, "time_ns"), jw_uint(&j, d->breadcrumbs[i].time_ns);
                jw_key(&j, "level"), jw_uint(&j, d->breadcrumbs[i].level);
                jw_key(&j, "message"), jw_string(&j, d->breadcrumbs[i].message);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "system");
        jw_object_begin(&j);
        jw_key(&j, "os"), jw_string(&j, d->os_version);
        jw_key(&j, "cpus"), jw_uint(&j, d->has_system_info ? d->system_info.number_of_processors : 0);
        jw_key(&j, "arch"), jw_string(&j, facts_arch_name(d));
        jw_object_end(&j);

        jw_object_end(&j);
        jw_finish(&j);
}

static void usage(FILE *f) {
        fputs("usage: crashctl info [--json] [--verbose] DUMP|MATCH...\n"
              "\n"
              "Shows what a dump (.dmp or .dmp.zst, or a stored crash's: MATCHes as for 'crashctl list',\n"
              "none: the newest) holds: the process, the signal, threads, modules, memory, streams, tags\n"
              "and breadcrumbs.\n"
              "\n"
              "  -j, --json            one JSON object (see tools/README.md)\n"
              "  -v, --verbose         list every memory region in the text output\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n", f);
}

int cmd_info(int argc, char **argv) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        struct target t;
        int fd;
        struct info_args a = {};
        struct proto_dump *d = NULL;
        struct dump_facts x;
        struct stat st;
        char err[512];
        int c, r;

        optind = 0;
        opterr = 0;
        /* Options before and after the DUMP or MATCHes. */
        while ((c = getopt_long(argc, argv, "jv1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case 'j':
                        a.json = true;
                        break;
                case 'v':
                        a.verbose = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("info", argv[optind - 1]);
                }
        }
        r = target_find("info", &co, argc - optind, argv + optind, true, &t);
        if (r)
                return r;
        a.path = t.label;
        r = target_open("info", &co, &t, &fd);
        if (r) {
                target_done(&t);
                return r;
        }
        if (fstat(fd, &st) < 0)
                st.st_size = 0;
        r = proto_dump_load_fd(fd, &d, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: %s\n", a.path, err);
                target_done(&t);
                return 1;
        }
        r = dump_facts_get(d, &x);
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: out of memory\n", a.path);
                proto_dump_free(d);
                target_done(&t);
                return 1;
        }
        if (a.json)
                print_json(stdout, &a, d, &x, (uint64_t) st.st_size);
        else
                print_text(stdout, &a, d, &x, (uint64_t) st.st_size);
        dump_facts_done(&x);
        proto_dump_free(d);
        target_done(&t);
        return 0;
}
