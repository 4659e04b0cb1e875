/* SPDX-License-Identifier: MIT */
/* symbolicate/report.c: symb_symbolicate(), one dump to one report. It
 * resolves the modules through the context's cache, reports them to a
 * fresh Dwfl at their runtime addresses (libdwfl needs one Dwfl per
 * address layout), attaches the dump's threads, and walks each thread,
 * the crashing one first. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "symb-internal.h"

/* libdwfl asks for a module's files lazily; the context already has them
 * open and verified. The main Elf is lent by reference count, so the
 * Dwfl's elf_end() leaves the context's copy open. */
static int dump_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                         char **file_name, Elf **elfp) {
        struct symb_file *f = *userdata;
        Elf *e;

        if (!f || !f->elf)
                return -1;
        e = elf_begin(-1, ELF_C_READ_MMAP, f->elf);
        if (!e)
                return -1;
        *file_name = strdup(f->elf_path);
        *elfp = e;
        return -1;
}

static int dump_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                               const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                               char **debuginfo_file_name) {
        struct symb_file *f = *userdata;
        int fd;

        /* The context keeps the verified file open: no second lookup, and
         * no chance of opening a file replaced since it was checked. */
        if (!f || f->debug_fd < 0)
                return -1;
        fd = fcntl(f->debug_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -1;
        *debuginfo_file_name = strdup(f->debug_path);
        return fd;
}

static const Dwfl_Callbacks dump_callbacks = {
        .find_elf = dump_find_elf,
        .find_debuginfo = dump_find_debuginfo,
        .section_address = dwfl_offline_section_address,
};

static int fail(char *err, size_t errlen, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int r, const char *fmt, ...) {
        va_list ap;

        if (err && errlen) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

/* Breakpad's and Sentry's debug id of an ELF file: the first 16 bytes of
 * the build-id (zero-padded) as a GUID, whose first three fields are
 * little-endian, with no age. */
static void debug_id(const struct proto_module *m, char out[40]) {
        uint8_t g[16] = {0};

        if (m->build_id_size == 0) {
                out[0] = 0;
                return;
        }
        memcpy(g, m->build_id, m->build_id_size < 16 ? m->build_id_size : 16);
        snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2], g[1],
                 g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static int dup_str(char **dst, const char *s) {
        if (!s)
                return 0;
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

static int mod_cmp(const void *a, const void *b) {
        const struct symb_dump_module *x = a, *y = b;

        return x->pm->base < y->pm->base ? -1 : x->pm->base > y->pm->base;
}

/* The modules libdwfl will see: sorted, non-empty, not wrapping, not
 * overlapping (a hostile dump may say anything). */
static int plan_modules(struct symb_dump_state *s) {
        const struct proto_dump *d = s->d;
        size_t n = 0;

        s->mods = calloc(d->n_modules ? d->n_modules : 1, sizeof(*s->mods));
        if (!s->mods)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *pm = &d->modules[i];

                if (pm->size == 0 || pm->base + pm->size < pm->base)
                        continue;
                s->mods[n++].pm = pm;
        }
        if (n > 1)
                qsort(s->mods, n, sizeof(*s->mods), mod_cmp);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (k == 0 || s->mods[i].pm->base >= s->mods[k - 1].pm->base + s->mods[k - 1].pm->size)
                        s->mods[k++] = s->mods[i];
        s->n_mods = k;
        return 0;
}

static int report_modules(struct symb_dump_state *s, struct symb_report *rep) {
        const struct proto_dump *d = s->d;
        int r;

        rep->modules = calloc(d->n_modules ? d->n_modules : 1, sizeof(*rep->modules));
        if (!rep->modules)
                return -ENOMEM;
        rep->n_modules = d->n_modules;
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *pm = &d->modules[i];
                struct symb_module *m = &rep->modules[i];

                m->name = pm->name;
                m->base = pm->base;
                m->size = pm->size;
                symb_hex(pm->build_id, pm->build_id_size, m->build_id);
                debug_id(pm, m->debug_id);
        }

        dwfl_report_begin(s->dwfl);
        for (size_t i = 0; i < s->n_mods; i++) {
                struct symb_dump_module *dm = &s->mods[i];
                struct symb_module *m = &rep->modules[dm->pm - d->modules];
                void **ud;

                r = symb_context_lookup(s->c, dm->pm, &dm->file);
                if (r < 0)
                        return r;
                if ((r = dup_str(&m->elf_path, dm->file->elf_path)) < 0 ||
                    (r = dup_str(&m->debug_path, dm->file->debug_path)) < 0 ||
                    (r = dup_str(&m->problem, dm->file->problem)) < 0)
                        return r;
                dm->mod = dwfl_report_module(s->dwfl, dm->pm->name, dm->pm->base, dm->pm->base + dm->pm->size);
                if (!dm->mod)
                        continue;
                if (dwfl_module_info(dm->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
                        *ud = dm->file;
        }
        if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
                return -EINVAL;
        /* Modules plan_modules() left out say why. */
        for (size_t i = 0; i < d->n_modules; i++) {
                struct symb_module *m = &rep->modules[i];
                bool used = false;

                for (size_t k = 0; k < s->n_mods && !used; k++)
                        used = s->mods[k].pm == &d->modules[i];
                if (!used && !m->problem &&
                    !(m->problem = strdup("not used: its address range is empty, wraps or overlaps another module")))
                        return -ENOMEM;
        }
        return 0;
}

static bool requested(const struct proto_dump *d) {
        return (d->has_crash_info && (d->crash_info.flags & PROTO_CRASH_REQUESTED)) ||
               (d->has_exception &&
                d->exception.exception_record.exception_code == MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED);
}

/* What the budget cut from thread t, in one line; NULL if nothing. */
static int thread_cut(struct symb_thread *t, const char *not_walked, bool frames_cut) {
        const char *vars = NULL;
        size_t first = 0;
        int k = 0;

        for (size_t i = 0; i < t->n_frames && !vars; i++)
                if (t->frames[i].vars_truncated) {
                        vars = t->frames[i].vars_truncated;
                        first = i;
                }
        if (not_walked)
                k = asprintf(&t->truncated, "not walked: %s", not_walked);
        else if (frames_cut && vars)
                k = asprintf(&t->truncated, "frames cut: %s; variables left out from frame #%zu: %s",
                             SYMB_CUT_FRAMES, first, vars);
        else if (frames_cut)
                k = asprintf(&t->truncated, "frames cut: %s", SYMB_CUT_FRAMES);
        else if (vars && first == 0)
                k = asprintf(&t->truncated, "variables left out: %s", vars);
        else if (vars)
                k = asprintf(&t->truncated, "variables left out from frame #%zu: %s", first, vars);
        return k < 0 ? -ENOMEM : 0;
}

/* exc: where the crashing thread's uncaught C++ exception goes, or NULL
 * for the other threads. */
static int walk_thread(struct symb_dump_state *s, size_t ti, size_t k, struct symb_thread *t,
                       struct symb_exception **exc) {
        const struct proto_thread *pt = &s->d->threads[ti];
        struct symb_budget *b = &s->budget;
        struct symb_phys_frame *pf = NULL;
        size_t n_pf = 0;
        bool frames_cut;
        int r;

        t->tid = pt->tid;
        t->dump_index = ti;
        t->name = pt->has_info && pt->info.name[0] ? pt->info.name : NULL;
        /* A dump taken on request names the requesting thread in its
         * exception stream; that thread did not crash. */
        t->crashed = !requested(s->d) && (pt == proto_dump_crashing_thread(s->d) ||
                                          (pt->has_info && (pt->info.flags & PROTO_THREAD_CRASHED)));
        /* Past the time limit or the report's frames, the thread is only
         * named: walking it is what costs. */
        if (symb_budget_expired(b))
                return thread_cut(t, SYMB_CUT_TIME, false);
        if (b->frames_left == 0) {
                b->cut_frames = true;
                return thread_cut(t, SYMB_CUT_FRAMES, false);
        }
        b->values_off = k >= b->l.max_threads ? SYMB_CUT_THREADS : NULL;
        s->walk_max = s->c->o.max_frames < b->frames_left ? s->c->o.max_frames : b->frames_left;
        r = symb_unwind_thread(s, ti, &pf, &n_pf, &t->stop_reason);
        if (r < 0)
                return r;
        frames_cut = s->walk_max < s->c->o.max_frames && n_pf >= s->walk_max;
        r = symb_frames_build(s, pf, n_pf, &t->frames, &t->n_frames);
        /* Needs the physical frames' registers and CFAs, which the
         * report's frames do not keep. */
        if (r >= 0 && exc && t->crashed)
                r = symb_exception_find(s, pf, n_pf, exc);
        free(pf);
        if (r < 0)
                return r;
        b->frames_left = t->n_frames < b->frames_left ? b->frames_left - t->n_frames : 0;
        if (frames_cut) {
                b->cut_frames = true;
                /* The walk said "frame limit": the report's, not the thread's. */
                free(t->stop_reason);
                t->stop_reason = NULL;
        }
        if (!b->values_off && !symb_budget_expired(b))
                b->threads_with_values++;
        return thread_cut(t, NULL, frames_cut);
}

static void deadline_start(struct symb_context *c) {
        clock_gettime(CLOCK_MONOTONIC, &c->dbgd_deadline);
        c->dbgd_deadline.tv_sec += c->o.debuginfod_timeout_s;
        c->dbgd_expired = false;
}

int symb_symbolicate(struct symb_context *c, const struct proto_dump *d, struct symb_report **ret, char *err,
                     size_t errlen) {
        struct symb_dump_state s = {.c = c, .d = d};
        struct symb_report *rep;
        const struct proto_thread *crashed;
        size_t k = 0, listed;
        int r;

        if (!c || !d || !ret)
                return fail(err, errlen, -EINVAL, "no context or no dump");
        if (d->n_threads == 0)
                return fail(err, errlen, -EINVAL, "the dump has no threads");
        rep = calloc(1, sizeof(*rep));
        if (!rep)
                return fail(err, errlen, -ENOMEM, "out of memory");
        rep->dump = d;
        rep->n_threads_in_dump = d->n_threads;
        s.lim.max_depth = c->o.max_depth;
        s.lim.max_elements = c->o.max_elements;
        s.lim.raw = c->o.raw;
        s.lim.mask = c->o.mask;
        s.lim.budget = &s.budget;
        symb_budget_start(&s.budget, &c->o.limits);
        deadline_start(c);
        symb_context_trim(c);
        if (err && errlen)
                err[0] = 0;

        r = plan_modules(&s);
        if (r < 0)
                goto out;
        s.dwfl = dwfl_begin(&dump_callbacks);
        if (!s.dwfl) {
                r = -ENOMEM;
                goto out;
        }
        r = report_modules(&s, rep);
        if (r < 0)
                goto out;
        r = symb_unwind_attach(&s);
        if (r < 0) {
                fail(err, errlen, r, "cannot attach the dump's threads: %s", dwfl_errmsg(-1));
                goto out;
        }

        {
                bool oom = false;

                rep->mask = symb_strv_copy(c->o.mask, &oom);
                if (oom) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        listed = d->n_threads < s.budget.l.max_threads_listed ? d->n_threads : s.budget.l.max_threads_listed;
        rep->threads = calloc(listed, sizeof(*rep->threads));
        if (!rep->threads) {
                r = -ENOMEM;
                goto out;
        }
        crashed = proto_dump_crashing_thread(d);
        if (crashed) {
                r = walk_thread(&s, (size_t) (crashed - d->threads), k, &rep->threads[k], &rep->exception);
                rep->n_threads = ++k;
        }
        for (size_t i = 0; r >= 0 && i < d->n_threads && k < listed; i++) {
                if (&d->threads[i] == crashed)
                        continue;
                r = walk_thread(&s, i, k, &rep->threads[k], NULL);
                rep->n_threads = ++k;
        }
        if (r >= 0) {
                bool oom = false;

                rep->truncated = symb_budget_summary(&s.budget, d->n_threads, rep->n_threads, &oom);
                if (oom)
                        r = -ENOMEM;
        }
out:
        if (s.dwfl)
                dwfl_end(s.dwfl);
        free(s.mods);
        if (r < 0) {
                symb_report_free(rep);
                if (err && errlen && !err[0])
                        fail(err, errlen, r, "symbolication failed: %s", strerror(-r));
                return r;
        }
        *ret = rep;
        return 0;
}

void symb_report_free(struct symb_report *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_threads; i++) {
                struct symb_thread *t = &r->threads[i];

                for (size_t j = 0; j < t->n_frames; j++)
                        symb_frame_clear(&t->frames[j]);
                free(t->frames);
                free(t->stop_reason);
                free(t->truncated);
        }
        free(r->threads);
        free(r->truncated);
        symb_exception_free(r->exception);
        symb_strv_free(r->mask);
        for (size_t i = 0; i < r->n_modules; i++) {
                free(r->modules[i].elf_path);
                free(r->modules[i].debug_path);
                free(r->modules[i].problem);
        }
        free(r->modules);
        free(r);
}
