/* SPDX-License-Identifier: MIT */
/* coredump/dump.c: see dump.h. The order of the work is the dumper's
 * (dumper/capture.c's build()), so that the same choices come out: the
 * budgets are spent the same way, on the same memory, found by the same
 * breadth-first walk. What differs is where things come from:
 *
 *   threads      the core's NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE (the
 *                kernel's saved user registers: context source "core");
 *                names from /proc/PID/task/TID/comm
 *   memory       the core's segments as core-read.c kept them, then the
 *                mapped files for pages the kernel did not dump
 *   siginfo      NT_SIGINFO; auxv NT_AUXV
 *   host         %h, the process's cgroups, and its root's files (a
 *                container's /etc/machine-id, /.dockerenv), read inside
 *                that root
 *   r_debug      the executable's DT_DEBUG (the dumper's child has its own
 *                copy of _r_debug at the same address; we do not)
 *   /proc facts  read as root before anything was parsed (main.c), or,
 *                missing, the core's own (NT_PRPSINFO, NT_FILE): the maps
 *                are then made from the segments. */
#include "dump.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#define SCRATCH_SIZE (256u << 20)       /* reserved, not committed (as the dumper's) */
#define MAX_STREAMS 24
#define MAPS_MAX (8u << 20)
#define MAX_PHDRS 256
#define MAX_DYN 1024

/* The capture's memory: the core's, then a mapped file's. */
struct memview {
        const struct core *core;
        const struct coredump_file_map *files;
        size_t n_files;
};

static const struct coredump_file_map *file_at(const struct memview *v, uint64_t addr) {
        size_t lo = 0, hi = v->n_files;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v->files[mid].end <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < v->n_files && v->files[lo].start <= addr ? &v->files[lo] : NULL;
}

/* capture_memory's read: never faults, stops at the first byte neither the
 * core nor a file has. A page the kernel did dump but core-read.c did not
 * keep (the buffer's cap) is not read from the file: the process may have
 * changed it (a written private mapping is dumped whole). */
static size_t memview_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        const struct memview *v = userdata;
        uint8_t *out = buf;
        size_t done = 0;

        while (done < len) {
                const struct coredump_file_map *f;
                size_t k = core_memory_read(v->core, addr, out + done, len - done), want;
                ssize_t got;

                done += k;
                addr += k;
                if (done == len || core_dumped(v->core, addr) || !(f = file_at(v, addr)) || f->fd < 0)
                        break;
                want = f->end - addr < len - done ? (size_t) (f->end - addr) : len - done;
                /* Up to the next page: past it the core may have bytes again. */
                if (want > 4096 - (addr & 4095))
                        want = 4096 - (addr & 4095);
                got = pread(f->fd, out + done, want, (off_t) (f->offset + (addr - f->start)));
                if (got <= 0)
                        break;
                done += (size_t) got;
                addr += (uint64_t) got;
                if ((size_t) got < want)
                        break;
        }
        return done;
}

/* Copies what fits, NUL-terminated (a comm is cut to 15 bytes, as the
 * kernel cuts it). */
static void copy_str(char *dst, size_t size, const char *src) {
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = 0;
}

static char *scratch_text(struct capture *c, size_t cap) {
        return proto_buf_reserve(&c->scratch, cap + 1, 8, NULL);
}

/* The maps text when /proc/PID/maps could not be read: one line per
 * segment, the file NT_FILE names for it (a label; inode 1, so that the
 * dumper's module walk takes it for a file). */
static int synthesize_maps(struct capture *c, const struct core *core) {
        size_t cap = core->n_segs * 96, len = 0;
        char *text;

        for (size_t i = 0; i < core->n_files; i++)
                cap += strnlen(core->files[i].name, 4096);
        if (cap > MAPS_MAX)
                cap = MAPS_MAX;
        text = scratch_text(c, cap);
        if (!text)
                return -ENOMEM;
        for (size_t i = 0; i < core->n_segs; i++) {
                const struct core_segment *sg = &core->segs[i];
                const struct core_file *f = NULL;
                uint64_t offset = 0;
                int k;

                for (size_t j = 0; j < core->n_files; j++)
                        if (core->files[j].start <= sg->vaddr && sg->vaddr < core->files[j].end) {
                                f = &core->files[j];
                                break;
                        }
                if (f)
                        offset = f->offset + (sg->vaddr - f->start);
                k = snprintf(text + len, cap + 1 - len, "%08llx-%08llx %c%c%cp %08llx 00:00 %d %.4000s\n",
                             (unsigned long long) sg->vaddr, (unsigned long long) (sg->vaddr + sg->memsz),
                             sg->flags & PF_R ? 'r' : '-', sg->flags & PF_W ? 'w' : '-',
                             sg->flags & PF_X ? 'x' : '-', (unsigned long long) offset, f ? 1 : 0,
                             f ? f->name : "");
                if (k < 0 || (size_t) k > cap - len)
                        break;
                len += (size_t) k;
        }
        text[len] = 0;
        c->maps_text = text;
        c->maps_len = len;
        return 0;
}

static int parse_maps(struct capture *c, const struct coredump_proc *proc, const struct core *core) {
        struct dumper_mapping *m;
        int r;

        if (proc->maps.text && proc->maps.len) {
                c->maps_text = proc->maps.text;
                c->maps_len = proc->maps.len;
        } else {
                r = synthesize_maps(c, core);
                if (r < 0)
                        return r;
        }
        m = proto_buf_reserve(&c->scratch, CAPTURE_MAX_MAPPINGS * sizeof(*m), 8, NULL);
        if (!m)
                return -ENOMEM;
        c->maps.m = m;
        c->maps.n = maps_parse(c->maps_text, c->maps_len, m, CAPTURE_MAX_MAPPINGS);
        return 0;
}

/* As dumper/threads.c: large XSAVE components in their initial, all-zero
 * state are left out (AMX tiles: 8 KiB); the legacy area and header stay. */
static uint32_t trimmed_size(const uint8_t *x, uint32_t size) {
        while (size > 576 && x[size - 1] == 0)
                size--;
        return size;
}

static const char *thread_name(const struct coredump_proc *proc, uint32_t tid) {
        for (size_t i = 0; i < proc->n_names; i++)
                if (proc->names[i].tid == tid)
                        return proc->names[i].name;
        return NULL;
}

static int cmp_thread(const void *a, const void *b) {
        const struct dumper_thread *x = a, *y = b;

        return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int add_threads(struct capture *c, const struct core *core, const struct coredump_proc *proc,
                       const struct coredump_args *a) {
        size_t n = core->n_threads < CAPTURE_MAX_THREADS ? core->n_threads : CAPTURE_MAX_THREADS;

        c->threads = proto_buf_reserve(&c->scratch, (n + 1) * sizeof(*c->threads), 64, NULL);
        if (!c->threads)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct core_thread *ct = &core->threads[i];
                struct dumper_thread *t = &c->threads[i];
                const char *name = thread_name(proc, ct->tid);

                t->tid = (pid_t) ct->tid;
                t->source = PROTO_CONTEXT_CORE;
                t->regs = ct->regs;
                if (ct->has_fpregs)
                        memcpy(t->fxsave, ct->fxsave, sizeof(t->fxsave));
                else if (ct->xstate && ct->xstate_size >= 512)
                        memcpy(t->fxsave, ct->xstate, sizeof(t->fxsave));
                if (ct->xstate && ct->xstate_size > 512) {
                        t->xstate_size = trimmed_size(ct->xstate, ct->xstate_size);
                        t->xstate = proto_buf_reserve(&c->scratch, t->xstate_size, 64, NULL);
                        if (t->xstate)
                                memcpy(t->xstate, ct->xstate, t->xstate_size);
                        else
                                t->xstate_size = 0;
                }
                /* The dumping thread's comm is %e when /proc had none. */
                if (!name && i == 0)
                        name = a->comm;
                if (name)
                        copy_str(t->name, sizeof(t->name), name);
        }
        c->threads[0].flags |= PROTO_THREAD_CRASHED;
        /* The others by tid, as the dumper lists /proc/PID/task. */
        if (n > 2)
                qsort(c->threads + 1, n - 1, sizeof(*c->threads), cmp_thread);
        c->n_threads = n;
        return 0;
}

/* The dynamic linker's r_debug: DT_DEBUG in the executable's dynamic
 * section, which the loader fills in (gdb finds it the same way). 0 for a
 * static program, which has none. */
static uint64_t find_r_debug(struct capture *c, const struct core *core) {
        uint64_t phdr = core_auxv(core, AT_PHDR), phnum = core_auxv(core, AT_PHNUM), bias = 0, dyn = 0;
        bool have_bias = false;

        if (!phdr || phnum == 0 || phnum > MAX_PHDRS)
                return 0;
        for (uint64_t i = 0; i < phnum; i++) {
                Elf64_Phdr ph;

                if (capture_read_memory(c, phdr + i * sizeof(ph), &ph, sizeof(ph)) != sizeof(ph))
                        return 0;
                if (ph.p_type == PT_PHDR) {
                        bias = phdr - ph.p_vaddr;
                        have_bias = true;
                } else if (ph.p_type == PT_DYNAMIC)
                        dyn = ph.p_vaddr;
        }
        if (!dyn || !have_bias)
                return 0;
        for (uint64_t i = 0; i < MAX_DYN; i++) {
                Elf64_Dyn d;

                if (capture_read_memory(c, bias + dyn + i * sizeof(d), &d, sizeof(d)) != sizeof(d) ||
                    d.d_tag == DT_NULL)
                        return 0;
                if (d.d_tag == DT_DEBUG)
                        return d.d_un.d_ptr;
        }
        return 0;
}

/* The executable's path: /proc/PID/exe, else the file NT_FILE names where
 * the program headers are (a label, for the module walk's "which is the
 * executable"). */
static void find_exe(struct capture *c, const struct core *core, const struct coredump_proc *proc, char *buf,
                     size_t size) {
        uint64_t phdr = core_auxv(core, AT_PHDR);

        buf[0] = 0;
        if (proc->exe[0])
                snprintf(buf, size, "%s", proc->exe);
        else
                for (size_t i = 0; i < core->n_files && phdr; i++)
                        if (core->files[i].start <= phdr && phdr < core->files[i].end) {
                                snprintf(buf, size, "%s", core->files[i].name);
                                break;
                        }
        c->exe = buf;
}

static void set_text(struct capture_text *dst, const struct capture_text *src) {
        if (src->text)
                *dst = *src;
}

int coredump_build(struct capture *c, const struct core *core, const struct coredump_proc *proc,
                   const struct coredump_args *a, const struct dumper_config *cfg, uint64_t time_ns, char *err,
                   size_t errlen) {
        static struct dumper_crash crash;       /* 16 KiB of XSAVE room: not on the stack */
        static char exe[PATH_MAX];
        struct memview view = { core, proc->files, proc->n_files };
        struct capture_memory memory = { memview_read, &view };
        struct elf_prpsinfo ps;
        uint32_t rva, size, context_rva;
        int r;

#define FAIL(r, what) do { snprintf(err, errlen, "%s: %s", what, strerror(-(r))); return (r); } while (0)

        if (core->n_threads == 0) {
                snprintf(err, errlen, "the core has no thread");
                return -ENODATA;
        }
        memset(&crash, 0, sizeof(crash));
        memset(&ps, 0, sizeof(ps));
        if (core->has_psinfo)
                memcpy(&ps, core->psinfo, sizeof(ps));
        if (core->has_siginfo)
                memcpy(&crash.info, core->siginfo, sizeof(core->siginfo) < sizeof(crash.info)
                                                   ? sizeof(core->siginfo) : sizeof(crash.info));
        else
                crash.info.si_signo = a->signo;
        crash.tid = (pid_t) core->threads[0].tid;
        crash.pid = (pid_t) (proc->ns_pid ? proc->ns_pid : ps.pr_pid > 0 ? (uint32_t) ps.pr_pid : a->pid);
        crash.time_ns = time_ns;

        c->config = cfg;
        c->crash = &crash;
        c->pid = crash.pid;
        c->proc_pid = 0;                /* nothing read from /proc by path: main.c read it */
        c->memory = &memory;
        c->uid = a->uid;
        c->gid = a->gid;
        c->flags = PROTO_CRASH_FROM_CORE | (core->budget_hit ? PROTO_CRASH_BUDGET_HIT : 0);

        r = proto_buf_map(&c->scratch, SCRATCH_SIZE);
        if (r < 0)
                FAIL(r, "scratch memory");
        r = proto_buf_map(&c->out, cfg->dump_max);
        if (r < 0)
                FAIL(r, "the dump's memory");
        r = proto_writer_begin(&c->w, &c->out, MAX_STREAMS, (uint32_t) (time_ns / 1000000000u));
        if (r < 0)
                FAIL(r, "the dump's header");

        if (proc->stat.text)
                capture_parse_stat(c, proc->stat.text, proc->stat.len);
        else
                copy_str(c->comm, sizeof(c->comm), ps.pr_fname[0] ? ps.pr_fname : a->comm);
        /* The parent as the process's own namespace sees it, as the
         * dumper records it (/proc on the host says the host's pid). */
        if (core->has_psinfo)
                c->ppid = (uint32_t) ps.pr_ppid;

        r = parse_maps(c, proc, core);
        if (r < 0)
                FAIL(r, "the maps");
        r = add_threads(c, core, proc, a);
        if (r < 0)
                FAIL(r, "the threads");
        c->r_debug = find_r_debug(c, core);
        /* A process under libcrashdump.so that did not dump (disabled, or
         * its dump failed): the library's state is no program's data. The
         * dumper leaves its own module's globals out the same way. */
        for (size_t i = 0; i < c->maps.n; i++) {
                const struct dumper_mapping *m = &c->maps.m[i];
                const char *base = m->path;

                for (uint32_t k = 0; k < m->path_len; k++)
                        if (m->path[k] == '/')
                                base = m->path + k + 1;
                if (mapping_starts_file(m) && (size_t) (m->path + m->path_len - base) >= 15 &&
                    !strncmp(base, "libcrashdump.so", 15)) {
                        c->self_addr = m->start;
                        break;
                }
        }
        find_exe(c, core, proc, exe, sizeof(exe));

        c->regions.r = proto_buf_reserve(&c->scratch, CAPTURE_MAX_REGIONS * sizeof(struct region), 8, NULL);
        c->regions.max = c->regions.r ? CAPTURE_MAX_REGIONS : 0;
        capture_plan_tls(c);
        capture_plan_memory(c);
        r = capture_write_memory(c, &rva, &size);
        if (r < 0)
                FAIL(r, "the memory list");
        r = capture_write_modules(c);
        if (r < 0)
                FAIL(r, "the module list");
        r = capture_write_dso_debug(c);
        if (r < 0)
                FAIL(r, "the link maps");
        r = capture_write_tls(c);
        if (r < 0)
                FAIL(r, "the TLS stream");

        set_text(&c->status, &proc->status);
        set_text(&c->environ, &proc->environ);
        if (proc->cmdline.text)
                c->cmdline = proc->cmdline;
        else if (core->has_psinfo && ps.pr_psargs[0]) {
                /* NT_PRPSINFO's 80 bytes, the arguments joined by spaces:
                 * the best guess at where they were split. */
                size_t n = strnlen(ps.pr_psargs, sizeof(ps.pr_psargs));
                char *t = scratch_text(c, n + 1);

                if (t) {
                        for (size_t i = 0; i < n; i++)
                                t[i] = ps.pr_psargs[i] == ' ' ? 0 : ps.pr_psargs[i];
                        t[n] = 0;
                        c->cmdline = (struct capture_text) { t, n + 1 };
                }
        }
        if (core->auxv_len) {
                char *t = scratch_text(c, core->auxv_len);

                if (t) {
                        memcpy(t, core->auxv, core->auxv_len);
                        c->auxv = (struct capture_text) { t, core->auxv_len };
                }
        }
        capture_read_process_files(c);
        set_text(&c->cgroup, &proc->cgroup);
        c->hostname = a->hostname[0] ? a->hostname : NULL;
        c->root_dirfd = proc->root_fd;
        capture_read_host(c);

        r = capture_write_threads(c, &context_rva);
        if (r < 0)
                FAIL(r, "the thread list");
        r = proto_writer_add_stream(&c->w, MD_STREAM_MEMORY_LIST, rva, size);
        if (r < 0)
                FAIL(r, "the memory list");
        r = capture_write_exception(c, context_rva);
        if (r < 0)
                FAIL(r, "the exception stream");
        r = capture_write_proc_streams(c);
        if (r < 0)
                FAIL(r, "the /proc streams");
        r = capture_write_crashd_streams(c);
        if (r < 0)
                FAIL(r, "crashd's streams");
        r = capture_write_host(c);
        if (r < 0)
                FAIL(r, "the host stream");
        r = proto_writer_finish(&c->w);
        if (r < 0)
                FAIL(r, "the dump's directory");
        c->memory = NULL;               /* on our stack: gone when we return */
        return 0;
#undef FAIL
}

void coredump_capture_free(struct capture *c) {
        proto_buf_unmap(&c->scratch);
        proto_buf_unmap(&c->out);
        memset(c, 0, sizeof(*c));
}
