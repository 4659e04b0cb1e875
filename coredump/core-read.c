/* SPDX-License-Identifier: MIT */
/* coredump/core-read.c: see core-read.h. The layouts are the kernel's
 * (include/uapi/linux/elfcore.h, fs/binfmt_elf.c's fill_note_info and
 * write_note_info), as tools/core-notes.c writes them in the other
 * direction: each thread's NT_PRSTATUS starts it, its NT_FPREGSET and
 * NT_X86_XSTATE follow; the process's NT_PRPSINFO, NT_SIGINFO, NT_AUXV and
 * NT_FILE come after the first thread's NT_PRSTATUS. glibc's <sys/procfs.h>
 * has the same layouts: this runs on the machine whose kernel wrote the
 * core. */
#include "core-read.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <time.h>

#define PAGE 4096u
#define RED_ZONE 128                    /* as dumper/memory.c */
#define STACK_SEARCH (1024 * 1024)      /* SP in a guard gap: the stack is the next segment up, this near */
#define HEADERS_MAX (16u << 20)         /* first pages of file mappings kept, at most */
#define READ_CHUNK (1024u * 1024)     /* as the pipe main.c asks for */
#define AUXV_MAX 4096                   /* as the dumper's /proc/PID/auxv read */
#define FILE_NAMES_MAX (16u << 20)      /* NT_FILE's names, at most */

#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

_Static_assert(sizeof(struct elf_prstatus) == 336, "the kernel's x86-64 NT_PRSTATUS");
_Static_assert(sizeof(struct elf_prpsinfo) == 136, "the kernel's x86-64 NT_PRPSINFO");
_Static_assert(sizeof(elf_gregset_t) == sizeof(struct user_regs_struct), "pr_reg is user_regs_struct");

void core_limits_default(struct core_limits *l) {
        *l = (struct core_limits) {
                .buffer_max = 128u << 20,
                .notes_max = 32u << 20,
                .max_segments = 1u << 17,       /* vm.max_map_count is 65530 by default */
                .max_threads = 2048,            /* as the dumper's CAPTURE_MAX_THREADS */
                .max_extents = 1u << 20,
                .stack_crashed_max = 256 * 1024,
                .stack_other_max = 64 * 1024,
        };
}

static uint64_t now_monotonic(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int r, const char *fmt, ...) {
        va_list ap;

        if (errlen) {
                va_start(ap, fmt);
                (void) vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

/* ---- the stream ---------------------------------------------------------- */

struct stream {
        const struct core_input *in;
        uint64_t pos;                   /* bytes consumed */
        uint8_t *buf;
        size_t have, off;
        bool eof;
        int error;
        uint64_t deadline_ns;           /* for skip_bytes() over segments; 0 none */
};

static int refill(struct stream *s) {
        ssize_t k;

        if (s->eof)
                return 0;
        s->off = 0;
        s->have = 0;
        do
                k = s->in->read(s->in->userdata, s->buf, READ_CHUNK);
        while (k == -EINTR);
        if (k < 0) {
                s->error = (int) k;
                s->eof = true;
                return (int) k;
        }
        if (k == 0) {
                s->eof = true;
                return 0;
        }
        s->have = (size_t) k;
        return 1;
}

/* Up to max bytes from the buffer; 0 at the end of the stream. */
static size_t take(struct stream *s, const uint8_t **p, size_t max) {
        size_t n;

        if (s->off == s->have && refill(s) <= 0)
                return 0;
        n = s->have - s->off < max ? s->have - s->off : max;
        *p = s->buf + s->off;
        s->off += n;
        s->pos += n;
        return n;
}

static int read_exact(struct stream *s, void *dst, size_t n) {
        uint8_t *d = dst;

        while (n > 0) {
                const uint8_t *p;
                size_t k = take(s, &p, n);

                if (k == 0)
                        return s->error ? s->error : -ENODATA;
                memcpy(d, p, k);
                d += k;
                n -= k;
        }
        return 0;
}

/* Passes over n bytes: what is buffered, then the input's skip() (or
 * reads). */
static int skip_bytes(struct stream *s, uint64_t n) {
        unsigned rounds = 0;

        while (n > 0) {
                const uint8_t *p;
                size_t k;

                if (s->deadline_ns && ++rounds % 64 == 0 && now_monotonic() >= s->deadline_ns)
                        return -ETIMEDOUT;
                if (s->off == s->have && s->in->skip && !s->eof) {
                        ssize_t r = s->in->skip(s->in->userdata, n < READ_CHUNK * 4 ? (size_t) n : READ_CHUNK * 4);

                        if (r == -EINTR)
                                continue;
                        if (r <= 0) {
                                s->eof = true;
                                s->error = (int) (r < 0 ? r : 0);
                                return r < 0 ? (int) r : -ENODATA;
                        }
                        s->pos += (uint64_t) r;
                        n -= (uint64_t) r;
                        continue;
                }
                k = take(s, &p, n < SIZE_MAX ? (size_t) n : SIZE_MAX);
                if (k == 0)
                        return s->error ? s->error : -ENODATA;
                n -= k;
        }
        return 0;
}

static int skip_to(struct stream *s, uint64_t off) {
        if (off < s->pos)
                return -ESPIPE;
        return skip_bytes(s, off - s->pos);
}

/* ---- kept memory ----------------------------------------------------------- */

struct window {
        uint64_t start, end;
};

struct keep {
        struct window *w;               /* the stacks' windows, sorted */
        size_t n_w;
        uint64_t reserved_left, other_left, headers_left;
};

static bool all_zero(const uint8_t *p, size_t n) {
        const uint64_t *q = (const uint64_t *) p;
        uint64_t acc = 0;
        size_t i;

        /* The pool and chunk buffers are page-aligned, pages whole but the
         * last; checked 64 bytes at a time. */
        for (i = 0; i + 8 <= n / 8; i += 8) {
                acc |= q[i] | q[i + 1] | q[i + 2] | q[i + 3] | q[i + 4] | q[i + 5] | q[i + 6] | q[i + 7];
                if (acc)
                        return false;
        }
        for (i *= 8; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

/* The first window that ends past addr, or NULL. */
static const struct window *window_after(const struct keep *k, uint64_t addr) {
        size_t lo = 0, hi = k->n_w;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (k->w[mid].end <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < k->n_w ? &k->w[lo] : NULL;
}

static bool in_window(const struct keep *k, uint64_t start, uint64_t end) {
        const struct window *w = window_after(k, start);

        return w && w->start < end;
}

static int add_extent(struct core *c, const struct core_limits *lim, uint64_t start, uint64_t end,
                      const uint8_t *data) {
        struct core_extent *last = c->n_ext ? &c->ext[c->n_ext - 1] : NULL;

        if (last && last->end == start &&
            (data ? last->data && last->data + (last->end - last->start) == data : !last->data)) {
                last->end = end;
                return 0;
        }
        if (c->n_ext == c->ext_cap) {
                size_t cap = c->ext_cap ? 2 * c->ext_cap : 256;
                struct core_extent *bigger;

                if (c->n_ext >= lim->max_extents)
                        return -E2BIG;
                if (cap > lim->max_extents)
                        cap = lim->max_extents;
                bigger = realloc(c->ext, cap * sizeof(*c->ext));
                if (!bigger)
                        return -ENOMEM;
                c->ext = bigger;
                c->ext_cap = cap;
        }
        c->ext[c->n_ext++] = (struct core_extent) { start, end, data };
        return 0;
}

/* One page (n bytes, n <= PAGE) of the segment at addr, as it passes. */
static void keep_page(struct core *c, const struct core_limits *lim, struct keep *k, const struct core_segment *sg,
                      uint64_t addr, const uint8_t *p, size_t n) {
        uint64_t *left;
        int r;

        if (all_zero(p, n)) {
                r = add_extent(c, lim, addr, addr + n, NULL);
                if (r < 0)
                        c->budget_hit = true;
                return;
        }
        if (in_window(k, addr, addr + n))
                left = &k->reserved_left;
        else if (sg->filesz < sg->memsz || sg->filesz <= PAGE)
                left = &k->headers_left;
        else
                left = &k->other_left;
        if (*left < n || c->pool_used + n > c->pool_size) {
                c->budget_hit = true;
                return;
        }
        memcpy(c->pool + c->pool_used, p, n);
        r = add_extent(c, lim, addr, addr + n, c->pool + c->pool_used);
        if (r < 0) {
                c->budget_hit = true;
                return;
        }
        c->pool_used += n;
        *left -= n;
        c->buffered += n;
}

/* Is sg a stack whose part below SP is dead: the main thread's (the auxv's
 * AT_EXECFN and AT_RANDOM point into its top), or one glibc (or anyone
 * using a guard page) made for a thread, with its guard, a segment of no
 * permissions, right below? Not any segment SP is in: a signal handler's
 * alternate stack may be a malloc()ed block in the middle of the heap. */
static bool dead_below_sp(const struct core *c, const struct core_segment *sg) {
        uint64_t execfn = core_auxv(c, AT_EXECFN), random = core_auxv(c, AT_RANDOM);

        if ((execfn && execfn - sg->vaddr < sg->memsz) || (random && random - sg->vaddr < sg->memsz))
                return true;
        return sg > c->segs && !(sg[-1].flags & (PF_R | PF_W | PF_X)) && sg[-1].vaddr + sg[-1].memsz == sg->vaddr;
}

/* As dumper/memory.c's plan_stack(): from SP less the red zone to the top
 * of its segment; past the cap, the part at SP and the top quarter. */
static size_t stack_windows(struct core *c, const struct core_thread *t, size_t cap, struct window *out) {
        uint64_t sp = t->regs.rsp, lo, hi;
        struct core_segment *sg = (struct core_segment *) core_segment_at(c, sp);

        if (!sg || !(sg->flags & PF_R)) {
                sg = NULL;
                for (size_t i = 0; i < c->n_segs; i++)
                        if (c->segs[i].vaddr > sp) {
                                sg = &c->segs[i];
                                break;
                        }
                if (!sg || !(sg->flags & PF_R) || sg->vaddr - sp > STACK_SEARCH)
                        return 0;
        }
        if (dead_below_sp(c, sg))
                sg->stack = true;
        lo = sp > RED_ZONE && sp - RED_ZONE >= sg->vaddr ? sp - RED_ZONE : sg->vaddr;
        hi = sg->vaddr + sg->memsz;
        lo &= ~(uint64_t) (PAGE - 1);
        if (hi - lo <= cap) {
                out[0] = (struct window) { lo, hi };
                return 1;
        }
        out[0] = (struct window) { lo, (lo + (cap - cap / 4) + PAGE - 1) & ~(uint64_t) (PAGE - 1) };
        out[1] = (struct window) { (hi - cap / 4) & ~(uint64_t) (PAGE - 1), hi };
        return 2;
}

static int cmp_window(const void *a, const void *b) {
        const struct window *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

static int plan_keep(struct core *c, const struct core_limits *lim, struct keep *k) {
        uint64_t reserved = 0;
        size_t n = 0;

        k->w = calloc(2 * c->n_threads + 1, sizeof(*k->w));
        if (!k->w)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_threads; i++)
                n += stack_windows(c, &c->threads[i], i == 0 ? lim->stack_crashed_max : lim->stack_other_max,
                                   k->w + n);
        qsort(k->w, n, sizeof(*k->w), cmp_window);
        /* Merged, so that the search finds the one window that matters. */
        k->n_w = 0;
        for (size_t i = 0; i < n; i++) {
                if (k->n_w && k->w[i].start <= k->w[k->n_w - 1].end) {
                        if (k->w[i].end > k->w[k->n_w - 1].end)
                                k->w[k->n_w - 1].end = k->w[i].end;
                        continue;
                }
                k->w[k->n_w++] = k->w[i];
        }
        for (size_t i = 0; i < k->n_w; i++)
                reserved += k->w[i].end - k->w[i].start;
        if (reserved > lim->buffer_max)
                reserved = lim->buffer_max;
        k->reserved_left = reserved;
        k->other_left = lim->buffer_max - reserved;
        k->headers_left = HEADERS_MAX;
        c->pool_size = (size_t) reserved + (size_t) k->other_left + HEADERS_MAX;
        c->pool = mmap(NULL, c->pool_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (c->pool == MAP_FAILED) {
                c->pool = NULL;
                c->pool_size = 0;
                return -ENOMEM;
        }
        return 0;
}

/* ---- notes ------------------------------------------------------------------ */

static bool name_is(const uint8_t *name, uint32_t namesz, const char *want) {
        size_t n = strlen(want);

        return namesz == n + 1 && memcmp(name, want, n) == 0 && name[n] == 0;
}

static int add_thread(struct core *c, size_t cap, const uint8_t *desc, uint32_t descsz) {
        struct elf_prstatus ps;
        struct core_thread *t;

        if (descsz < sizeof(ps))
                return 0;               /* not the layout we know: no thread */
        if (c->n_threads >= cap) {
                c->budget_hit = true;
                return 0;
        }
        memcpy(&ps, desc, sizeof(ps));
        t = &c->threads[c->n_threads++];
        memset(t, 0, sizeof(*t));
        t->tid = (uint32_t) ps.pr_pid;
        t->cursig = ps.pr_cursig;
        memcpy(&t->regs, &ps.pr_reg, sizeof(t->regs));
        return 1;
}

static int parse_files(struct core *c, const uint8_t *d, uint32_t n) {
        uint64_t count, page_size;
        const char *names, *end;

        if (n < 16)
                return 0;
        memcpy(&count, d, 8);
        memcpy(&page_size, d + 8, 8);
        if (page_size == 0 || page_size > (1u << 30) || count > (n - 16) / 24)
                return 0;
        c->files = calloc(count + 1, sizeof(*c->files));
        if (!c->files)
                return -ENOMEM;
        names = (const char *) d + 16 + count * 24;
        end = (const char *) d + n;
        for (uint64_t i = 0; i < count && names < end; i++) {
                uint64_t e[3];
                const char *nul = memchr(names, 0, (size_t) (end - names));

                if (!nul)
                        break;
                memcpy(e, d + 16 + i * 24, sizeof(e));
                if (e[1] > e[0] && e[2] <= UINT64_MAX / page_size)
                        c->files[c->n_files++] = (struct core_file) { e[0], e[1], e[2] * page_size, names };
                names = nul + 1;
        }
        return 0;
}

static int parse_notes(struct core *c, const struct core_limits *lim) {
        const uint8_t *p = c->notes, *end = c->notes + c->notes_len;
        struct core_thread *cur = NULL;
        size_t max_threads = lim->max_threads, fit;
        int r;

        /* At most one thread per NT_PRSTATUS that fits in the notes. */
        fit = c->notes_len / (sizeof(Elf64_Nhdr) + 8 + sizeof(struct elf_prstatus)) + 1;
        if (max_threads > fit)
                max_threads = fit;
        c->threads = calloc(max_threads, sizeof(*c->threads));
        if (!c->threads)
                return -ENOMEM;
        while ((size_t) (end - p) >= sizeof(Elf64_Nhdr)) {
                Elf64_Nhdr nh;
                const uint8_t *name, *desc;
                uint64_t name_span, desc_span;

                memcpy(&nh, p, sizeof(nh));
                name_span = ((uint64_t) nh.n_namesz + 3) & ~(uint64_t) 3;
                desc_span = ((uint64_t) nh.n_descsz + 3) & ~(uint64_t) 3;
                if (name_span + desc_span > (uint64_t) (end - p) - sizeof(nh))
                        break;          /* cut: what came before stands */
                name = p + sizeof(nh);
                desc = name + name_span;
                p = desc + desc_span;

                if (name_is(name, nh.n_namesz, "CORE")) {
                        switch (nh.n_type) {
                        case NT_PRSTATUS:
                                r = add_thread(c, max_threads, desc, nh.n_descsz);
                                cur = r > 0 ? &c->threads[c->n_threads - 1] : NULL;
                                break;
                        case NT_PRFPREG:
                                if (cur && nh.n_descsz >= sizeof(cur->fxsave)) {
                                        memcpy(cur->fxsave, desc, sizeof(cur->fxsave));
                                        cur->has_fpregs = true;
                                }
                                break;
                        case NT_PRPSINFO:
                                if (nh.n_descsz >= sizeof(c->psinfo)) {
                                        memcpy(c->psinfo, desc, sizeof(c->psinfo));
                                        c->has_psinfo = true;
                                }
                                break;
                        case NT_SIGINFO:
                                if (nh.n_descsz >= sizeof(c->siginfo) && !c->has_siginfo) {
                                        memcpy(c->siginfo, desc, sizeof(c->siginfo));
                                        c->has_siginfo = true;
                                }
                                break;
                        case NT_AUXV:
                                if (!c->auxv && nh.n_descsz > 0) {
                                        c->auxv_len = nh.n_descsz < AUXV_MAX ? nh.n_descsz : AUXV_MAX;
                                        c->auxv_len &= ~(size_t) 15;
                                        c->auxv = malloc(c->auxv_len + 1);
                                        if (!c->auxv)
                                                return -ENOMEM;
                                        memcpy(c->auxv, desc, c->auxv_len);
                                }
                                break;
                        case NT_FILE:
                                if (!c->files && nh.n_descsz <= FILE_NAMES_MAX) {
                                        r = parse_files(c, desc, nh.n_descsz);
                                        if (r < 0)
                                                return r;
                                }
                                break;
                        }
                } else if (name_is(name, nh.n_namesz, "LINUX") && nh.n_type == NT_X86_XSTATE && cur &&
                           !cur->xstate && nh.n_descsz >= 512) {
                        cur->xstate_size = nh.n_descsz < CORE_XSTATE_MAX ? nh.n_descsz : CORE_XSTATE_MAX;
                        cur->xstate = malloc(cur->xstate_size);
                        if (!cur->xstate)
                                return -ENOMEM;
                        memcpy(cur->xstate, desc, cur->xstate_size);
                }
        }
        /* The crashing thread first: readers show it first (it is the
         * kernel's first anyway, the one that dumps). */
        for (size_t i = 1; i < c->n_threads && lim->crashing_tid; i++)
                if (c->threads[i].tid == lim->crashing_tid) {
                        struct core_thread t = c->threads[i];

                        memmove(&c->threads[1], &c->threads[0], i * sizeof(t));
                        c->threads[0] = t;
                        break;
                }
        return 0;
}

/* ---- headers ------------------------------------------------------------------ */

static int cmp_seg(const void *a, const void *b) {
        const struct core_segment *x = a, *y = b;

        return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int cmp_seg_offset(const void *a, const void *b) {
        const struct core_segment *const *x = a, *const *y = b;

        return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

static int read_headers(struct core *c, struct stream *s, const struct core_limits *lim, Elf64_Phdr *note,
                        char *err, size_t errlen) {
        Elf64_Ehdr eh;
        Elf64_Phdr ph;
        uint64_t phnum;
        bool have_note = false;
        int r;

        r = read_exact(s, &eh, sizeof(eh));
        if (r < 0)
                return fail(err, errlen, r, "the stream ends in the ELF header");
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_ident[EI_DATA] != ELFDATA2LSB)
                return fail(err, errlen, -EPROTO, "not a 64-bit little-endian ELF file");
        if (eh.e_type != ET_CORE || eh.e_machine != EM_X86_64)
                return fail(err, errlen, -EPROTONOSUPPORT, "not an x86-64 core (type %u, machine %u)",
                            eh.e_type, eh.e_machine);
        if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff < sizeof(eh))
                return fail(err, errlen, -EPROTO, "program headers of %u bytes at %llu", eh.e_phentsize,
                            (unsigned long long) eh.e_phoff);
        r = skip_to(s, eh.e_phoff);
        if (r < 0)
                return fail(err, errlen, r, "the stream ends before the program headers");

        /* PN_XNUM: the real count is in a section header at the end of the
         * file, past every segment. The kernel puts the notes right after
         * the program headers, so the first one (PT_NOTE) tells it. */
        phnum = eh.e_phnum;
        c->segs = NULL;
        for (uint64_t i = 0; i < phnum; i++) {
                r = read_exact(s, &ph, sizeof(ph));
                if (r < 0)
                        return fail(err, errlen, r, "the stream ends in program header %llu", (unsigned long long) i);
                if (i == 0 && eh.e_phnum == PN_XNUM) {
                        if (ph.p_type != PT_NOTE || ph.p_offset < eh.e_phoff + sizeof(ph))
                                return fail(err, errlen, -EPROTO, "PN_XNUM without the notes first");
                        phnum = (ph.p_offset - eh.e_phoff) / sizeof(ph);
                }
                if (i == 0) {
                        size_t want = phnum < lim->max_segments ? (size_t) phnum : lim->max_segments;

                        c->segs = calloc(want + 1, sizeof(*c->segs));
                        if (!c->segs)
                                return -ENOMEM;
                }
                if (ph.p_type == PT_NOTE && !have_note) {
                        *note = ph;
                        have_note = true;
                        continue;
                }
                if (ph.p_type != PT_LOAD)
                        continue;
                if (c->n_segs >= lim->max_segments) {
                        c->budget_hit = true;
                        continue;
                }
                /* A segment that wraps, or whose bytes would, is left out. */
                if (ph.p_memsz == 0 || ph.p_vaddr + ph.p_memsz < ph.p_vaddr || ph.p_filesz > ph.p_memsz ||
                    ph.p_offset + ph.p_filesz < ph.p_offset)
                        continue;
                c->segs[c->n_segs++] = (struct core_segment) { ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz,
                                                               ph.p_flags, false };
        }
        if (!have_note)
                return fail(err, errlen, -EPROTO, "no PT_NOTE");
        qsort(c->segs, c->n_segs, sizeof(*c->segs), cmp_seg);
        /* Overlapping segments: the first keeps its addresses. */
        for (size_t i = 1; i < c->n_segs; i++) {
                struct core_segment *a = &c->segs[i - 1], *b = &c->segs[i];

                if (b->vaddr < a->vaddr + a->memsz) {
                        memmove(b, b + 1, (c->n_segs - i - 1) * sizeof(*b));
                        c->n_segs--;
                        i--;
                }
        }
        for (size_t i = 0; i < c->n_segs; i++)
                if (c->segs[i].offset + c->segs[i].filesz > c->stream_end)
                        c->stream_end = c->segs[i].offset + c->segs[i].filesz;
        return 0;
}

/* ---- the whole --------------------------------------------------------------- */

static bool headers_only(const struct core_segment *sg) {
        return sg->filesz < sg->memsz || sg->filesz <= PAGE;
}

static int read_segment(struct core *c, struct stream *s, const struct core_limits *lim, struct keep *k,
                        const struct core_segment *sg) {
        uint64_t done = 0;
        unsigned pages = 0;
        int r;

        r = skip_to(s, sg->offset);
        if (r < 0)
                return r;
        while (done < sg->filesz) {
                uint8_t page[PAGE] __attribute__((aligned(64)));
                const uint8_t *p;
                size_t n = sg->filesz - done < PAGE ? (size_t) (sg->filesz - done) : PAGE;

                if (lim->deadline_ns && ++pages % 256 == 0 && now_monotonic() >= lim->deadline_ns)
                        return -ETIMEDOUT;
                /* Up to the next stack window nothing of this segment is
                 * kept when the buffer is full, or when it is a stack (below
                 * SP: dead frames, and a thread's untouched reserve, which
                 * the kernel streams as zeros); so it is passed over whole,
                 * not read (not even its zeros are noted: it is missing). */
                if (((!k->other_left && !headers_only(sg)) || sg->stack) &&
                    !in_window(k, sg->vaddr + done, sg->vaddr + done + 1)) {
                        const struct window *w = window_after(k, sg->vaddr + done);
                        uint64_t until = w && w->start < sg->vaddr + sg->filesz ? w->start - sg->vaddr : sg->filesz;

                        until &= ~(uint64_t) (PAGE - 1);
                        if (until > done + PAGE) {
                                if (!sg->stack)
                                        c->budget_hit = true;
                                r = skip_bytes(s, until - done);
                                if (r < 0)
                                        return r;
                                done = until;
                                continue;
                        }
                }

                /* Whole pages straight from the stream's buffer when they
                 * are there, else gathered. */
                if (s->off + n <= s->have && !((uintptr_t) (s->buf + s->off) & 7)) {
                        p = s->buf + s->off;
                        s->off += n;
                        s->pos += n;
                } else {
                        r = read_exact(s, page, n);
                        if (r < 0)
                                return r;
                        p = page;
                }
                keep_page(c, lim, k, sg, sg->vaddr + done, p, n);
                done += n;
        }
        return 0;
}

static int cmp_ext(const void *a, const void *b) {
        const struct core_extent *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

static void sort_extents(struct core *c) {
        size_t n = 0;

        for (size_t i = 1; i < c->n_ext; i++)
                if (c->ext[i].start < c->ext[i - 1].start) {
                        qsort(c->ext, c->n_ext, sizeof(*c->ext), cmp_ext);
                        break;
                }
        /* Disjoint: where they overlap, the earlier one keeps its bytes. */
        for (size_t i = 0; i < c->n_ext; i++) {
                struct core_extent e = c->ext[i];

                if (n && e.start < c->ext[n - 1].end) {
                        uint64_t cut = c->ext[n - 1].end;

                        if (e.end <= cut)
                                continue;
                        if (e.data)
                                e.data += cut - e.start;
                        e.start = cut;
                }
                c->ext[n++] = e;
        }
        c->n_ext = n;
}

int core_read(struct core *c, const struct core_input *in, const struct core_limits *lim, char *err,
              size_t errlen) {
        struct stream s = { .in = in };
        struct keep k = { 0 };
        struct core_segment **order = NULL;
        Elf64_Phdr note = { 0 };
        int r;

        s.buf = mmap(NULL, READ_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (s.buf == MAP_FAILED)
                return fail(err, errlen, -ENOMEM, "no memory for the stream's buffer");

        r = read_headers(c, &s, lim, &note, err, errlen);
        if (r < 0)
                goto out;

        r = skip_to(&s, note.p_offset);
        if (r < 0) {
                r = fail(err, errlen, r, "the stream ends before the notes (or they lie behind it)");
                goto out;
        }
        c->notes_len = note.p_filesz < lim->notes_max ? (size_t) note.p_filesz : lim->notes_max;
        if (c->notes_len < note.p_filesz)
                c->budget_hit = true;
        c->notes = malloc(c->notes_len + 1);
        if (!c->notes) {
                r = fail(err, errlen, -ENOMEM, "no memory for %zu bytes of notes", c->notes_len);
                goto out;
        }
        r = read_exact(&s, c->notes, c->notes_len);
        if (r < 0) {
                r = fail(err, errlen, r, "the stream ends in the notes");
                goto out;
        }
        r = parse_notes(c, lim);
        if (r < 0) {
                r = fail(err, errlen, r, "no memory for the notes");
                goto out;
        }
        if (c->n_threads == 0) {
                r = fail(err, errlen, -EPROTO, "no thread in the notes");
                goto out;
        }

        r = plan_keep(c, lim, &k);
        if (r < 0) {
                r = fail(err, errlen, r, "no memory for the segments");
                goto out;
        }
        /* Segments in the order their bytes come. One that starts before
         * the bytes already read (overlapping, or behind the notes) cannot
         * be read from a pipe: it is left out. */
        order = calloc(c->n_segs + 1, sizeof(*order));
        if (!order) {
                r = fail(err, errlen, -ENOMEM, "no memory for the segments");
                goto out;
        }
        for (size_t i = 0; i < c->n_segs; i++)
                order[i] = &c->segs[i];
        qsort(order, c->n_segs, sizeof(*order), cmp_seg_offset);
        s.deadline_ns = lim->deadline_ns;
        for (size_t i = 0; i < c->n_segs; i++) {
                const struct core_segment *sg = order[i];

                if (sg->filesz == 0)
                        continue;
                if (sg->offset < s.pos) {
                        c->budget_hit = true;
                        continue;
                }
                r = read_segment(c, &s, lim, &k, sg);
                if (r == -ETIMEDOUT) {
                        /* The rest is left to the caller's drain: a dump of
                         * what came in time beats none. */
                        c->timed_out = c->truncated = c->budget_hit = true;
                        r = 0;
                        break;
                }
                if (r < 0) {
                        /* What came before stands: a core cut short (the
                         * process was killed while the kernel wrote it)
                         * still has its notes and first segments. */
                        c->truncated = true;
                        r = s.error ? fail(err, errlen, s.error, "reading the core failed") : 0;
                        break;
                }
        }
out:
        sort_extents(c);
        c->bytes_read = s.pos;
        free(order);
        free(k.w);
        (void) munmap(s.buf, READ_CHUNK);
        return r;
}

void core_free(struct core *c) {
        for (size_t i = 0; i < c->n_threads; i++)
                free(c->threads[i].xstate);
        free(c->threads);
        free(c->segs);
        free(c->auxv);
        free(c->files);
        free(c->ext);
        free(c->notes);
        if (c->pool)
                (void) munmap(c->pool, c->pool_size);
        memset(c, 0, sizeof(*c));
}

/* ---- reading it back --------------------------------------------------------- */

static const struct core_extent *extent_at(const struct core *c, uint64_t addr) {
        size_t lo = 0, hi = c->n_ext;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (c->ext[mid].end <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < c->n_ext && c->ext[lo].start <= addr ? &c->ext[lo] : NULL;
}

size_t core_memory_read(const struct core *c, uint64_t addr, void *buf, size_t len) {
        const struct core_extent *e = extent_at(c, addr);
        uint8_t *out = buf;
        size_t done = 0;

        while (e && e < c->ext + c->n_ext && done < len && e->start <= addr && addr < e->end) {
                size_t n = e->end - addr < len - done ? (size_t) (e->end - addr) : len - done;

                if (e->data)
                        memcpy(out + done, e->data + (addr - e->start), n);
                else
                        memset(out + done, 0, n);
                done += n;
                addr += n;
                e++;
        }
        return done;
}

const struct core_segment *core_segment_at(const struct core *c, uint64_t addr) {
        size_t lo = 0, hi = c->n_segs;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (c->segs[mid].vaddr + c->segs[mid].memsz <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < c->n_segs && c->segs[lo].vaddr <= addr ? &c->segs[lo] : NULL;
}

bool core_dumped(const struct core *c, uint64_t addr) {
        const struct core_segment *sg = core_segment_at(c, addr);

        return sg && addr - sg->vaddr < sg->filesz;
}

uint64_t core_auxv(const struct core *c, uint64_t type) {
        for (size_t i = 0; i + 16 <= c->auxv_len; i += 16) {
                uint64_t e[2];

                memcpy(e, c->auxv + i, sizeof(e));
                if (e[0] == type)
                        return e[1];
                if (e[0] == AT_NULL)
                        break;
        }
        return 0;
}
