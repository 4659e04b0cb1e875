/* SPDX-License-Identifier: MIT */
/* tools/core-notes.c: the notes, in the order fs/binfmt_elf.c writes them
 * (write_note_info): the first thread's NT_PRSTATUS, then the process's
 * NT_PRPSINFO, NT_SIGINFO, NT_AUXV and NT_FILE, then that thread's
 * NT_FPREGSET and NT_X86_XSTATE; then each other thread's NT_PRSTATUS,
 * NT_FPREGSET and NT_X86_XSTATE. The crashing thread comes first, as in
 * the kernel's (the dumping thread leads its list): gdb numbers threads in
 * note order and takes the first NT_PRSTATUS as the crash's, and BFD files
 * NT_SIGINFO and the register notes under the thread whose NT_PRSTATUS
 * came last, so this order is what ties them to their thread.
 *
 * What the dump lacks is left out or marked, never made up: orig_rax is
 * -1 (unknown, as the kernel writes it for a thread not in a system
 * call), times and signal masks 0, a thread without registers has zeros
 * (gdb shows pc 0x0). Text from the dump (comm, the command line) has its
 * control characters replaced by '?', since gdb prints it to a terminal. */
#include "core-notes.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-elf.h"
#include "facts.h"

#define NOTE_NAME_CORE "CORE"
#define NOTE_NAME_LINUX "LINUX"         /* NT_X86_XSTATE's, as the kernel names it */

/* The XSAVE image: the FXSAVE area's software-reserved bytes 464..511 are
 * what tells its layout. A signal frame (the crashing thread's, or a
 * parked one's, from the ucontext) has struct _fpx_sw_bytes there: magic,
 * extended size, the feature mask and the image's size. PTRACE_GETREGSET
 * and the kernel's cores have XCR0 at 464 and zeros after it, which is
 * what gdb reads the layout from, so a signal frame's are rewritten. */
#define FP_XSTATE_MAGIC1 UINT32_C(0x46505853)
#define XSAVE_SW_OFFSET 464
#define XSAVE_MAX_SIZE (64 * 1024)      /* AMX needs ~11 KiB; more is hostile */

struct file_entry {
        uint64_t start, end, pgoff;
        const char *name;
        size_t len;
};

struct thread_plan {
        const struct proto_thread *t;
        const struct md_context_amd64 *ctx;     /* NULL: no registers */
        const uint8_t *xsave;                   /* the dump's XSAVE image, NULL: none */
        size_t xsave_len;
        uint64_t xcr0;
        uint32_t xstate_size;                   /* NT_X86_XSTATE's size, 0: no note */
        bool fpregs;                            /* an NT_FPREGSET */
};

struct core_notes {
        const struct proto_dump *d;
        struct dump_facts facts;
        struct thread_plan *threads;
        size_t n_threads;
        struct core_prpsinfo psinfo;
        int32_t signo, pgrp, sid;
        bool has_siginfo;
        uint8_t siginfo[CORE_SIGINFO_SIZE];
        size_t auxv_size;
        struct file_entry *files;
        size_t n_files;
        uint64_t files_size;                    /* NT_FILE's descriptor, 0: no note */
        uint64_t size;
};

static uint64_t align4(uint64_t n) {
        return (n + 3) & ~UINT64_C(3);
}

static uint64_t note_size(const char *name, uint64_t descsz) {
        return sizeof(Elf64_Nhdr) + align4(strlen(name) + 1) + align4(descsz);
}

static void copy_text(char *dst, size_t dstsz, const char *src, size_t n, bool nul_as_space) {
        size_t k = n < dstsz - 1 ? n : dstsz - 1;

        for (size_t i = 0; i < k; i++) {
                unsigned char c = (unsigned char) src[i];

                if (c == 0 && nul_as_space)
                        c = ' ';
                else if (c < 0x20 || c == 0x7f)
                        c = '?';
                dst[i] = (char) c;
        }
        dst[k] = 0;
}

static uint32_t u32_at(const uint8_t *p, size_t len, size_t off) {
        uint32_t v = 0;

        if (off + 4 <= len)
                memcpy(&v, p + off, 4);
        return v;
}

static uint64_t u64_at(const uint8_t *p, size_t len, size_t off) {
        uint64_t v = 0;

        if (off + 8 <= len)
                memcpy(&v, p + off, 8);
        return v;
}

static bool is_sigframe(const uint8_t *x, size_t len) {
        return u32_at(x, len, XSAVE_SW_OFFSET) == FP_XSTATE_MAGIC1;
}

/* The size of the process's XSAVE images: a signal frame says it (every
 * thread of a process has the same); the dumper trimmed their trailing
 * zeros, which the note gets back, since gdb wants the whole image. 0:
 * no signal frame says. */
static uint32_t process_xsave_size(const struct proto_dump *d) {
        uint32_t best = 0;

        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_blob *x = &d->threads[i].xstate;
                uint32_t size;

                if (!x->data || !is_sigframe(x->data, x->size))
                        continue;
                size = u32_at(x->data, x->size, XSAVE_SW_OFFSET + 16);
                if (size >= CORE_XSAVE_HEADER_END && size <= XSAVE_MAX_SIZE && size > best)
                        best = size;
        }
        return best;
}

static void plan_thread(struct core_notes *n, const struct proto_thread *t, uint32_t xsave_size) {
        struct thread_plan *p = &n->threads[n->n_threads++];
        const struct proto_blob *x = &t->xstate;

        *p = (struct thread_plan) { .t = t, .ctx = proto_thread_context(n->d, t) };
        if (x->data && x->size > 0) {
                uint64_t size = x->size;

                p->xsave = x->data;
                p->xsave_len = x->size;
                p->fpregs = true;
                if (is_sigframe(x->data, x->size)) {
                        p->xcr0 = u64_at(x->data, x->size, XSAVE_SW_OFFSET + 8);
                        size = u32_at(x->data, x->size, XSAVE_SW_OFFSET + 16);
                        if (size < x->size || size > XSAVE_MAX_SIZE)
                                size = x->size;
                } else {
                        p->xcr0 = u64_at(x->data, x->size, XSAVE_SW_OFFSET);
                        if (xsave_size > size)
                                size = xsave_size;
                }
                /* An image is only worth a note with its XSAVE header. */
                if (x->size > CORE_FXSAVE_SIZE && size <= XSAVE_MAX_SIZE)
                        p->xstate_size = (uint32_t) (size < CORE_XSAVE_HEADER_END ? CORE_XSAVE_HEADER_END : size);
        } else if (p->ctx && (p->ctx->context_flags & MD_CONTEXT_AMD64_FLOATING_POINT) ==
                                     MD_CONTEXT_AMD64_FLOATING_POINT)
                p->fpregs = true;
}

static int by_tid(const void *a, const void *b) {
        const uint64_t *x = a, *y = b;

        return *x < *y ? -1 : *x > *y;
}

/* The crashing thread first, then the others in the dump's order; a tid
 * the dump repeats (hostile) only once, since gdb keys threads by it. */
static int plan_threads(struct core_notes *n) {
        const struct proto_dump *d = n->d;
        const struct proto_thread *first = n->facts.crash_thread;
        uint32_t xsave_size = process_xsave_size(d);
        uint64_t *keys;
        bool *dup;

        n->threads = calloc(d->n_threads, sizeof(*n->threads));
        keys = calloc(d->n_threads, sizeof(*keys));
        dup = calloc(d->n_threads, sizeof(*dup));
        if (!n->threads || !keys || !dup) {
                free(keys);
                free(dup);
                return -ENOMEM;
        }
        /* tid << 32 | index: sorted, the first index of each tid leads. */
        for (size_t i = 0; i < d->n_threads; i++)
                keys[i] = (uint64_t) d->threads[i].tid << 32 | i;
        qsort(keys, d->n_threads, sizeof(*keys), by_tid);
        for (size_t i = 1; i < d->n_threads; i++)
                if (keys[i] >> 32 == keys[i - 1] >> 32)
                        dup[keys[i] & UINT32_MAX] = true;
        if (first)
                plan_thread(n, first, xsave_size);
        for (size_t i = 0; i < d->n_threads; i++)
                if (&d->threads[i] != first && !dup[i] && !(first && d->threads[i].tid == first->tid))
                        plan_thread(n, &d->threads[i], xsave_size);
        free(keys);
        free(dup);
        return 0;
}

/* comm: the group leader's thread name (what the kernel writes), else
 * /proc/PID/status's Name:, else the executable's basename. */
static void plan_fname(struct core_notes *n) {
        const struct proto_dump *d = n->d;
        const struct dump_facts *f = &n->facts;
        char *fname = n->psinfo.pr_fname;
        size_t size = sizeof(n->psinfo.pr_fname);

        for (size_t i = 0; f->has_pid && i < d->n_threads; i++)
                if (d->threads[i].tid == f->pid && d->threads[i].has_info && d->threads[i].info.name[0]) {
                        copy_text(fname, size, d->threads[i].info.name, strnlen(d->threads[i].info.name, 16), false);
                        return;
                }
        if (d->proc_status.data && d->proc_status.size > 6 && memcmp(d->proc_status.data, "Name:\t", 6) == 0) {
                const char *s = (const char *) d->proc_status.data + 6;
                const char *nl = memchr(s, '\n', d->proc_status.size - 6);
                size_t len = nl ? (size_t) (nl - s) : d->proc_status.size - 6;

                copy_text(fname, size, s, len, false);
                return;
        }
        if (f->exe.s) {
                const char *slash = memrchr(f->exe.s, '/', f->exe.n);
                const char *base = slash ? slash + 1 : f->exe.s;

                copy_text(fname, size, base, f->exe.n - (size_t) (base - f->exe.s), false);
        }
}

static void plan_psinfo(struct core_notes *n) {
        const struct proto_dump *d = n->d;
        const struct dump_facts *f = &n->facts;
        struct core_prpsinfo *ps = &n->psinfo;

        /* The dumping task runs: the kernel writes state 0, 'R'. */
        ps->pr_state = 0;
        ps->pr_sname = 'R';
        ps->pr_uid = f->has_uid ? f->uid : 0;
        ps->pr_gid = f->has_gid ? f->gid : 0;
        ps->pr_pid = f->has_pid ? (int32_t) f->pid : 0;
        ps->pr_ppid = f->has_ppid ? (int32_t) f->ppid : 0;
        ps->pr_pgrp = n->pgrp;
        ps->pr_sid = n->sid;
        plan_fname(n);
        /* As fill_psinfo(): at most 79 bytes of the arguments, NULs as spaces. */
        if (d->cmd_line.data)
                copy_text(ps->pr_psargs, sizeof(ps->pr_psargs), (const char *) d->cmd_line.data, d->cmd_line.size, true);
}

/* The raw siginfo_t the dumper kept; without one (a Breakpad dump, an old
 * dumper) the fields it has: si_signo, si_errno, si_code (that order in
 * siginfo_t), and si_addr for the signals that have one. */
static void plan_siginfo(struct core_notes *n) {
        const struct proto_dump *d = n->d;
        const struct dump_facts *f = &n->facts;
        int32_t v[3] = { (int32_t) f->signo, 0, f->code };

        if (f->signo == 0)
                return;         /* a requested dump: no signal to describe */
        n->has_siginfo = true;
        if (d->has_crash_info && u32_at(d->crash_info.siginfo, sizeof(d->crash_info.siginfo), 0) == f->signo) {
                memcpy(n->siginfo, d->crash_info.siginfo, sizeof(n->siginfo));
                return;
        }
        if (d->has_crash_info)
                v[1] = (int32_t) d->crash_info.si_errno;
        memcpy(n->siginfo, v, sizeof(v));
        if (f->signo == 4 || f->signo == 5 || f->signo == 7 || f->signo == 8 || f->signo == 11)
                memcpy(n->siginfo + 16, &f->address, 8);    /* SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV */
}

static int plan_files(struct core_notes *n, const struct core_mapping *maps, size_t n_maps) {
        const struct proto_dump *d = n->d;
        size_t cap = 0;

        for (size_t i = 0; i < n_maps; i++)
                cap += maps[i].from_file;
        if (n_maps == 0)
                cap = d->n_modules;
        if (cap == 0)
                return 0;
        n->files = calloc(cap, sizeof(*n->files));
        if (!n->files)
                return -ENOMEM;
        for (size_t i = 0; i < n_maps; i++)
                if (maps[i].from_file)
                        n->files[n->n_files++] = (struct file_entry) {
                                maps[i].start, maps[i].end, maps[i].offset / CORE_PAGE_SIZE,
                                maps[i].path, maps[i].path_len };
        /* No maps stream (a Breakpad dump, say): the module list, but only
         * each module's first page (its ELF header, at file offset 0),
         * since where its other segments lie in the file is not known.
         * Enough for debuggers to name the files; and an NT_FILE at all
         * keeps gdb from reading the rest, .data too, from the files. */
        for (size_t i = 0; n_maps == 0 && i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                uint64_t size = m->size < CORE_PAGE_SIZE ? m->size : CORE_PAGE_SIZE;
                size_t len = strlen(m->name);

                if (m->name[0] != '/' || size == 0 || len > 4095 || m->base + size < m->base)
                        continue;
                n->files[n->n_files++] = (struct file_entry) { m->base, m->base + size, 0, m->name, len };
        }
        if (n->n_files == 0)
                return 0;
        n->files_size = 16 + 24 * (uint64_t) n->n_files;
        for (size_t i = 0; i < n->n_files; i++)
                n->files_size += n->files[i].len + 1;
        return 0;
}

int core_notes_plan(const struct proto_dump *d, const struct core_mapping *maps, size_t n_maps,
                    struct core_notes **ret, char *err, size_t errlen) {
        struct core_notes *n;
        uint32_t v;
        int r;

        if (d->n_threads == 0) {
                snprintf(err, errlen, "the dump has no threads");
                return -ENODATA;
        }
        n = calloc(1, sizeof(*n));
        if (!n)
                goto oom;
        n->d = d;
        r = dump_facts_get(d, &n->facts);
        if (r < 0) {
                free(n);
                goto oom;
        }
        n->signo = (int32_t) n->facts.signo;
        if (facts_status_number(&d->proc_status, "NSpgid", &v))
                n->pgrp = (int32_t) v;
        if (facts_status_number(&d->proc_status, "NSsid", &v))
                n->sid = (int32_t) v;
        if (plan_threads(n) < 0 || plan_files(n, maps, n_maps) < 0) {
                core_notes_free(n);
                goto oom;
        }
        plan_psinfo(n);
        plan_siginfo(n);
        /* auxv: whole (key, value) pairs only. */
        if (d->auxv.data)
                n->auxv_size = d->auxv.size & ~(size_t) 15;
        if (n->files_size > UINT32_MAX || n->auxv_size > UINT32_MAX) {
                snprintf(err, errlen, "the %s note would be larger than 4 GiB",
                         n->files_size > UINT32_MAX ? "NT_FILE" : "NT_AUXV");
                core_notes_free(n);
                return -E2BIG;
        }

        n->size = note_size(NOTE_NAME_CORE, sizeof(struct core_prpsinfo));
        if (n->has_siginfo)
                n->size += note_size(NOTE_NAME_CORE, CORE_SIGINFO_SIZE);
        if (n->auxv_size)
                n->size += note_size(NOTE_NAME_CORE, n->auxv_size);
        if (n->files_size)
                n->size += note_size(NOTE_NAME_CORE, n->files_size);
        for (size_t i = 0; i < n->n_threads; i++) {
                n->size += note_size(NOTE_NAME_CORE, sizeof(struct core_prstatus));
                if (n->threads[i].fpregs)
                        n->size += note_size(NOTE_NAME_CORE, CORE_FXSAVE_SIZE);
                if (n->threads[i].xstate_size)
                        n->size += note_size(NOTE_NAME_LINUX, n->threads[i].xstate_size);
        }
        *ret = n;
        return 0;
oom:
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
}

uint64_t core_notes_size(const struct core_notes *n) {
        return n->size;
}

size_t core_notes_threads(const struct core_notes *n) {
        return n->n_threads;
}

void core_notes_free(struct core_notes *n) {
        if (!n)
                return;
        dump_facts_done(&n->facts);
        free(n->threads);
        free(n->files);
        free(n);
}

/* ---- writing */

static int note_begin(struct core_out *o, const char *name, uint32_t type, uint64_t descsz) {
        Elf64_Nhdr h = {
                .n_namesz = (Elf64_Word) (strlen(name) + 1),
                .n_descsz = (Elf64_Word) descsz,
                .n_type = type,
        };
        char namebuf[8] = {};
        int r;

        memcpy(namebuf, name, strlen(name));
        r = core_out_put(o, &h, sizeof(h));
        return r < 0 ? r : core_out_put(o, namebuf, (size_t) align4(h.n_namesz));
}

static int note_end(struct core_out *o, uint64_t descsz) {
        return core_out_zeros(o, align4(descsz) - descsz);
}

static int write_note(struct core_out *o, const char *name, uint32_t type, const void *desc, uint64_t descsz) {
        int r = note_begin(o, name, type, descsz);

        if (r >= 0)
                r = core_out_put(o, desc, (size_t) descsz);
        return r < 0 ? r : note_end(o, descsz);
}

static void fill_regs(struct core_user_regs *g, const struct proto_thread *t, const struct md_context_amd64 *c) {
        *g = (struct core_user_regs) { .orig_rax = UINT64_MAX };
        if (c) {
                g->r15 = c->r15, g->r14 = c->r14, g->r13 = c->r13, g->r12 = c->r12;
                g->rbp = c->rbp, g->rbx = c->rbx, g->r11 = c->r11, g->r10 = c->r10;
                g->r9 = c->r9, g->r8 = c->r8, g->rax = c->rax, g->rcx = c->rcx;
                g->rdx = c->rdx, g->rsi = c->rsi, g->rdi = c->rdi, g->rip = c->rip;
                g->cs = c->cs, g->eflags = c->eflags, g->rsp = c->rsp, g->ss = c->ss;
                g->ds = c->ds, g->es = c->es, g->fs = c->fs, g->gs = c->gs;
        }
        if (t->has_info) {
                g->fs_base = t->info.fs_base;
                g->gs_base = t->info.gs_base;
        }
}

static int write_prstatus(const struct core_notes *n, const struct thread_plan *p, struct core_out *o) {
        struct core_prstatus s = {
                .si_signo = n->signo,
                .pr_cursig = (int16_t) n->signo,
                .pr_pid = (int32_t) p->t->tid,
                .pr_ppid = n->psinfo.pr_ppid,
                .pr_pgrp = n->pgrp,
                .pr_sid = n->sid,
                .pr_fpvalid = p->fpregs,
        };

        fill_regs(&s.pr_reg, p->t, p->ctx);
        return write_note(o, NOTE_NAME_CORE, NT_PRSTATUS, &s, sizeof(s));
}

/* The FXSAVE area: the image's first 512 bytes (those the dumper trimmed
 * were zeros), else the context's; the software bytes zero, as the
 * kernel's NT_PRFPREG has them. */
static int write_fpregs(const struct thread_plan *p, struct core_out *o) {
        uint8_t fx[CORE_FXSAVE_SIZE] = {};

        if (p->xsave)
                memcpy(fx, p->xsave, p->xsave_len < XSAVE_SW_OFFSET ? p->xsave_len : XSAVE_SW_OFFSET);
        else
                memcpy(fx, &p->ctx->flt_save, XSAVE_SW_OFFSET);
        return write_note(o, NOTE_NAME_CORE, NT_FPREGSET, fx, sizeof(fx));
}

/* The whole XSAVE image, trimmed zeros given back, XCR0 in the software
 * bytes as gdb and lldb read it. */
static int write_xstate(const struct thread_plan *p, struct core_out *o) {
        uint8_t sw[CORE_FXSAVE_SIZE - XSAVE_SW_OFFSET] = {};
        size_t head = p->xsave_len < XSAVE_SW_OFFSET ? p->xsave_len : XSAVE_SW_OFFSET;
        int r;

        memcpy(sw, &p->xcr0, sizeof(p->xcr0));
        r = note_begin(o, NOTE_NAME_LINUX, NT_X86_XSTATE, p->xstate_size);
        if (r >= 0)
                r = core_out_put(o, p->xsave, head);
        if (r >= 0)
                r = core_out_zeros(o, XSAVE_SW_OFFSET - head);
        if (r >= 0)
                r = core_out_put(o, sw, sizeof(sw));
        if (r >= 0 && p->xsave_len > CORE_FXSAVE_SIZE)
                r = core_out_put(o, p->xsave + CORE_FXSAVE_SIZE, p->xsave_len - CORE_FXSAVE_SIZE);
        if (r >= 0)
                r = core_out_zeros(o, p->xstate_size - (p->xsave_len > CORE_FXSAVE_SIZE ? p->xsave_len : CORE_FXSAVE_SIZE));
        return r < 0 ? r : note_end(o, p->xstate_size);
}

static int write_files(const struct core_notes *n, struct core_out *o) {
        uint64_t head[2] = { n->n_files, CORE_PAGE_SIZE };
        int r;

        r = note_begin(o, NOTE_NAME_CORE, NT_FILE, n->files_size);
        if (r >= 0)
                r = core_out_put(o, head, sizeof(head));
        for (size_t i = 0; r >= 0 && i < n->n_files; i++) {
                uint64_t e[3] = { n->files[i].start, n->files[i].end, n->files[i].pgoff };

                r = core_out_put(o, e, sizeof(e));
        }
        for (size_t i = 0; r >= 0 && i < n->n_files; i++) {
                r = core_out_put(o, n->files[i].name, n->files[i].len);
                if (r >= 0)
                        r = core_out_zeros(o, 1);
        }
        return r < 0 ? r : note_end(o, n->files_size);
}

int core_notes_write(const struct core_notes *n, struct core_out *o) {
        uint64_t start = o->offset;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n->n_threads; i++) {
                const struct thread_plan *p = &n->threads[i];

                r = write_prstatus(n, p, o);
                if (r >= 0 && i == 0) {
                        r = write_note(o, NOTE_NAME_CORE, NT_PRPSINFO, &n->psinfo, sizeof(n->psinfo));
                        if (r >= 0 && n->has_siginfo)
                                r = write_note(o, NOTE_NAME_CORE, NT_SIGINFO, n->siginfo, sizeof(n->siginfo));
                        if (r >= 0 && n->auxv_size)
                                r = write_note(o, NOTE_NAME_CORE, NT_AUXV, n->d->auxv.data, n->auxv_size);
                        if (r >= 0 && n->files_size)
                                r = write_files(n, o);
                }
                if (r >= 0 && p->fpregs)
                        r = write_fpregs(p, o);
                if (r >= 0 && p->xstate_size)
                        r = write_xstate(p, o);
        }
        if (r >= 0 && o->offset - start != n->size)
                r = -EIO;       /* the plan and the writing disagree: a bug */
        return r;
}
