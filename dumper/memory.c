/* SPDX-License-Identifier: MIT */
/* dumper/memory.c: which memory goes into the dump, and copying it.
 *
 * In order of value, each within a budget:
 *   - every thread's stack from SP (less the 128-byte red zone) to the
 *     top of its mapping; past the cap, both ends (an overflow's deepest
 *     frames and the outermost ones);
 *   - the memory pointers lead to, breadth-first within CRASHD_HEAP_MAX:
 *     level 1 is what each register (512 bytes around it, as Crashpad) and
 *     each stack word points at, the crashing thread first, innermost
 *     frames first; level n + 1 what the words captured in writable memory
 *     at level n point at, down to 128 levels. No type information: a
 *     pointer counts when it lands in readable, non-code memory. Where it
 *     starts a glibc malloc allocation (the chunk header checks out) the
 *     whole allocation goes in, up to 64 KiB or a quarter of the budget;
 *     any other pointer gets 256 bytes at [p - 32, p + 224);
 *   - C++ exceptions in flight (the exception_class word of libstdc++'s
 *     __cxa_exception, found near a heap pointer or in heap captures): the
 *     header, the thrown object's first 256 bytes and 32 bytes of its
 *     type_info, past the budget if need be (8 exceptions at most);
 *   - every module's writable data (globals, static locals), RELRO and
 *     the whole .bss included: the executable's, then the libraries'.
 * The environment strings at the top of the main stack are left out unless
 * CRASHD_CAPTURE_ENV=1.
 *
 * Runs in the child, and is async-signal-safe: the process's memory is
 * only read with process_vm_readv (safe_read_memory), so a wild pointer is
 * an EFAULT, not a fault; every buffer is on our stack or in the scratch
 * mapping (the breadth-first queue is a fixed ring there); no malloc, no
 * stdio, no locks. The core handler (coredump/) runs the same code over
 * the segments of a kernel core (c->memory): the same choices, within the
 * same budgets. */
#include <elf.h>
#include <errno.h>
#include <sys/uio.h>
#include <limits.h>
#include <unistd.h>

#include "capture.h"
#include "safe.h"

#define RED_ZONE 128
#define REG_BEFORE 128
#define REG_AFTER 384
#define PTR_BEFORE 32
#define PTR_CHUNK 256

size_t capture_read_memory(const struct capture *c, uint64_t addr, void *buf, size_t len) {
        if (c->memory)
                return c->memory->read(c->memory->userdata, addr, buf, len);
        return safe_read_memory(c->mem_pid, addr, buf, len);
}

static void plan_stack(struct capture *c, struct dumper_thread *t, size_t cap) {
        uint64_t sp = t->regs.rsp, lo, hi;
        const struct dumper_mapping *m = maps_find(&c->maps, sp);

        /* After an overflow SP may sit in the guard gap below the stack, or
         * in a thread's PROT_NONE guard mapping: then the stack is the next
         * readable mapping up. */
        if (!m || !(m->perms & MAP_R)) {
                m = maps_next(&c->maps, m ? m->end : sp);
                if (!m || !(m->perms & MAP_R) || m->start - sp > 1024 * 1024)
                        return;
        }
        lo = sp > RED_ZONE && sp - RED_ZONE >= m->start ? sp - RED_ZONE : m->start;
        hi = m->end;
        if (hi - lo > cap) {
                uint64_t top = cap / 4;

                t->top_lo = hi - top;
                t->top_hi = hi;
                hi = lo + (cap - top);
                t->flags |= PROTO_THREAD_STACK_TRUNCATED;
                region_add(&c->regions, t->top_lo, t->top_hi);
        }
        t->stack_lo = lo;
        t->stack_hi = hi;
        region_add(&c->regions, lo, hi);
}

/* Pointer following: breadth-first, without type information.
 *
 * Level 1 is what the registers and the stack words point at, the
 * crashing thread first, each stack from its innermost frame out. What a
 * level captures in writable memory is queued, and its words give the
 * next level, down to MAX_DEPTH: a list's nodes, a tree's, a deque's map
 * and then its buffers, hash buckets, shared_ptr control blocks, string
 * buffers. A pointer where a glibc malloc allocation starts captures the
 * allocation whole (at most chunk_cap bytes of it); any other pointer the
 * window around it. All of it comes out of CRASHD_HEAP_MAX
 * (c->indirect_left), first come first served, so what is nearer the
 * stack goes in first. The queue is a ring of fixed size in scratch (no
 * malloc); only a capture that added bytes to the region set is queued, so
 * a cycle of pointers ends. */
#define MAX_DEPTH 128                   /* levels: a list of 100 nodes is 100 */
#define QUEUE_MAX 16384                 /* 384 KiB of scratch */
#define CHUNK_MAX (64 * 1024)           /* one allocation, at most; a quarter of the budget at most */
#define EXC_MAX 8                       /* exceptions in flight captured, at most */
#define SEEN_MAX 16384                  /* pointers remembered as followed: 128 KiB of scratch */

/* The Itanium C++ ABI's exception_class of a GNU C++ exception. libstdc++
 * builds it as the number 'G' << 56 | 'N' << 48 | ... | '+' << 8 | '\0', so
 * the bytes in (little-endian) memory read "\0++CCUNG"; a dependent
 * exception (std::rethrow_exception) has 1 for the last character. */
#define CXA_CLASS UINT64_C(0x474e5543432b2b00)
#define CXA_DEPENDENT_CLASS UINT64_C(0x474e5543432b2b01)

struct follow {
        uint64_t start, end;            /* captured, its words to be followed */
        uint32_t level;
};

struct follow_queue {
        struct follow *q;               /* ring of QUEUE_MAX in scratch; NULL: no following */
        size_t head, tail;
        uint64_t chunk_cap;
        uint64_t exc[EXC_MAX];          /* the exception_class words captured */
        unsigned n_exc;
        uint64_t *seen;                 /* SEEN_MAX in scratch, by hash; NULL: none */
};

/* Has p been followed already? Following it again would add nothing (the
 * same chunk or window, already in) but cost a system call or two, and
 * the same pointers come back at every level (a list's head, an object's
 * back pointer). A direct-mapped table: a collision forgets the older
 * pointer, which is then only followed twice. */
static bool seen_before(struct follow_queue *q, uint64_t p) {
        uint64_t *slot;

        if (!q->seen)
                return false;
        slot = &q->seen[((p >> 3) * UINT64_C(0x9e3779b97f4a7c15)) >> 50];
        if (*slot == p)
                return true;
        *slot = p;
        return false;
}

static bool read_u64(struct capture *c, uint64_t addr, uint64_t *ret) {
        return capture_read_memory(c, addr, ret, sizeof(*ret)) == sizeof(*ret);
}

/* Is p worth following: readable, not code, not a null-ish small value? */
static const struct dumper_mapping *pointee(struct capture *c, uint64_t p) {
        const struct dumper_mapping *m;

        if (p < 65536 || (p >> 47))
                return NULL;
        m = maps_find(&c->maps, p);
        if (!m || !(m->perms & MAP_R) || (m->perms & MAP_X))
                return NULL;
        return m;
}

/* Where malloc's chunks are: the brk heap, anonymous writable mappings
 * (other arenas, mmapped chunks; thread stacks look the same, but a stack
 * word is seldom a valid chunk header, and the stack is in already). */
static bool is_heap(const struct dumper_mapping *m) {
        return (m->perms & (MAP_R | MAP_W | MAP_X)) == (MAP_R | MAP_W) &&
               (m->path_len == 0 || mapping_path_is(m, "[heap]"));
}

/* When p is where a glibc malloc allocation starts, [*ret_start, *ret_end)
 * is that allocation and its chunk header (prev_size and size), cut at cap
 * bytes past p. The size word at p - 8 (the caller read it) is the chunk's
 * size with three flag bits (PREV_INUSE 1, IS_MMAPPED 2, NON_MAIN_ARENA
 * 4): a chunk is at least 32 bytes and a multiple of 16, p is 16-aligned,
 * and the chunk must lie inside p's mapping. An arena chunk is in use when the next chunk's size
 * word has PREV_INUSE (tcache and fastbin chunks keep it: their words are
 * as the program left them) and is sane; its data runs into the next
 * chunk's prev_size. An mmapped chunk starts a page. Anything else is no
 * allocation's start: the caller takes the window. Reads the next size
 * word with process_vm_readv: a wild p costs an EFAULT, never a fault. */
static bool malloc_chunk(struct capture *c, const struct dumper_mapping *m, uint64_t p, uint64_t size_word,
                         uint64_t cap, uint64_t *ret_start, uint64_t *ret_end) {
        uint64_t size, next, end;

        if ((p & 15) || p - m->start < 16)
                return false;
        size = size_word & ~(uint64_t) 7;
        if (size < 32 || (size & 15) || size > m->end - (p - 16))
                return false;
        if (size_word & 2) {
                if ((p - 16) & 4095)
                        return false;
                end = p - 16 + size;
        } else {
                if (size > m->end - p || !read_u64(c, p - 8 + size, &next) || !(next & 1) ||
                    (next & ~(uint64_t) 7) < 16 || (next & 8))
                        return false;
                end = p - 8 + size;
        }
        if (end - p > cap)
                end = p + cap;
        *ret_start = p - 16;
        *ret_end = end;
        return true;
}

/* [*start, *end) cut to m, which holds inside. */
static void clip(const struct dumper_mapping *m, uint64_t inside, uint64_t *start, uint64_t *end) {
        if (*start < m->start || *start > inside)
                *start = m->start;
        if (*end > m->end || *end < inside)
                *end = m->end;
}

/* Adds [start, end) when the bytes it adds fit the budget: returns them
 * (0: nothing new, or the region set is full), or -1 when they do not fit
 * (then nothing is added). The budget is never overdrawn. */
static int64_t take(struct capture *c, uint64_t start, uint64_t end) {
        uint64_t added;

        if (end <= start)
                return 0;
        added = (end - start) - region_covered(&c->regions, start, end);
        if (added == 0)
                return 0;
        if (added > c->indirect_left)
                return -1;
        added = region_add(&c->regions, start, end);
        c->indirect_left -= added;
        return (int64_t) added;
}

static void budget_out(struct capture *c) {
        c->indirect_left = 0;
        c->flags |= PROTO_CRASH_BUDGET_HIT;
}

static void push(struct follow_queue *q, uint64_t start, uint64_t end, uint32_t level) {
        /* Full: what this capture points to is not followed (the capture
         * itself is in). */
        if (!q->q || q->tail - q->head >= QUEUE_MAX || level >= MAX_DEPTH)
                return;
        q->q[q->tail++ % QUEUE_MAX] = (struct follow) { start, end, level };
}

/* Outside the budget when need be (EXC_MAX of them, under 4 KiB in all):
 * an exception in flight is what an uncaught-exception crash is about. */
static void add_exception_bytes(struct capture *c, uint64_t inside, uint64_t start, uint64_t end) {
        const struct dumper_mapping *m = maps_find(&c->maps, inside);
        uint64_t added;

        if (!m || !(m->perms & MAP_R))
                return;
        clip(m, inside, &start, &end);
        added = region_add(&c->regions, start, end);
        c->indirect_left -= added < c->indirect_left ? added : c->indirect_left;
}

/* at holds exception_class: it starts the _Unwind_Exception at the end of
 * a __cxa_exception (or __cxa_dependent_exception), which follows the
 * refcount of __cxa_refcounted_exception; the thrown object comes right
 * after the 32-byte _Unwind_Exception. The dump gets [at - 96, at + 288):
 * refcount (at - 96), exceptionType (at - 80), handlers, the unwind header
 * and the first 256 bytes of the object; and 32 bytes of the type_info
 * object exceptionType points at (in a module's RELRO, not otherwise in
 * the dump for a library). In a dependent exception that word is
 * primaryException, the primary's thrown object: its header goes in the
 * same way. */
static void capture_exception(struct capture *c, struct follow_queue *q, uint64_t at, uint64_t cls) {
        uint64_t type, primary_cls;

        for (unsigned i = 0; i < q->n_exc; i++)
                if (q->exc[i] == at)
                        return;
        if (q->n_exc >= EXC_MAX || at < 4096)
                return;
        q->exc[q->n_exc++] = at;
        add_exception_bytes(c, at, at - 96, at + 32 + 256);
        if (!read_u64(c, at - 80, &type) || !pointee(c, type))
                return;
        if (cls == CXA_DEPENDENT_CLASS) {
                if (read_u64(c, type - 32, &primary_cls) && primary_cls == CXA_CLASS)
                        capture_exception(c, q, type - 32, primary_cls);
                return;
        }
        add_exception_bytes(c, type, type, type + 32);
}

/* Captures what p points at, at this level: the allocation it starts, else
 * the window [p - 32, p + 224) (16-aligned); a register's value always
 * gets [p - 128, p + 384) too, code included (the bytes at the pc). What
 * was added in writable memory is queued for the next level.
 *
 * A heap pointer's neighbourhood [p - 32, p + 8) is read first, in one
 * process_vm_readv: the malloc size word at p - 8, and an exception_class
 * at p - 32 (p is a thrown object, as __cxa_throw and the frames above it
 * hold it) or at p (p is the _Unwind_Exception, as the unwinder's frames
 * hold it). That look is made with the budget spent too (the caller
 * bounds it): an exception in flight goes in whatever else did not. */
static void follow(struct capture *c, struct follow_queue *q, uint64_t p, uint32_t level, bool reg) {
        const struct dumper_mapping *m = reg ? maps_find(&c->maps, p) : pointee(c, p);
        uint64_t near[5], start, end, lo = UINT64_MAX, hi = 0;
        bool heap, whole = false;
        int64_t k;

        if (!m || !(m->perms & MAP_R) || p < 4096 || (seen_before(q, p) && !reg))
                return;
        heap = is_heap(m) && !(p & 7) && p - m->start >= 32 && m->end - p >= 8 &&
               capture_read_memory(c, p - 32, near, sizeof(near)) == sizeof(near);
        if (heap && (near[0] == CXA_CLASS || near[0] == CXA_DEPENDENT_CLASS))
                capture_exception(c, q, p - 32, near[0]);
        else if (heap && (near[4] == CXA_CLASS || near[4] == CXA_DEPENDENT_CLASS))
                capture_exception(c, q, p, near[4]);
        if (!c->indirect_left)
                return;
        if (heap && malloc_chunk(c, m, p, near[3], q->chunk_cap, &start, &end)) {
                k = take(c, start, end);
                whole = k >= 0;
                if (k > 0)
                        lo = start, hi = end;
        }
        if (reg || !whole) {
                start = reg ? p - REG_BEFORE : (p - PTR_BEFORE) & ~(uint64_t) 15;
                end = reg ? p + REG_AFTER : start + PTR_CHUNK;
                clip(m, p, &start, &end);
                k = take(c, start, end);
                if (k < 0)
                        budget_out(c);
                if (k > 0) {
                        lo = start < lo ? start : lo;
                        hi = end > hi ? end : hi;
                }
        }
        if (hi > lo && (m->perms & MAP_W) && !(m->perms & MAP_X))
                push(q, lo, hi, level);
}

/* Follows every aligned word of [lo, hi) at this level. In a queued
 * capture (heap, writable data) it also looks for exception headers. Once
 * the budget is spent, it goes on only looking for exceptions (follow()),
 * through the stack it was scanning (the crashing thread's, when the
 * budget ran out there) or a capture: no more than is in the dump. */
static void scan(struct capture *c, struct follow_queue *q, uint64_t lo, uint64_t hi, uint32_t level,
                 bool queued) {
        uint64_t buf[512];

        lo = (lo + 7) & ~(uint64_t) 7;
        while (lo < hi && (c->indirect_left || queued || level == 1)) {
                size_t want = hi - lo < sizeof(buf) ? (size_t) (hi - lo) : sizeof(buf);
                size_t got = capture_read_memory(c, lo, buf, want) / 8;

                if (got == 0)
                        break;
                for (size_t i = 0; i < got; i++) {
                        if (queued && (buf[i] == CXA_CLASS || buf[i] == CXA_DEPENDENT_CLASS))
                                capture_exception(c, q, lo + i * 8, buf[i]);
                        follow(c, q, buf[i], level, false);
                }
                lo += got * 8;
        }
}

static void plan_registers(struct capture *c, struct follow_queue *q, const struct dumper_thread *t) {
        const struct user_regs_struct *r = &t->regs;
        const uint64_t v[] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
                               r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
                               r->rip };

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]) && c->indirect_left; i++)
                follow(c, q, v[i], 1, true);
}

/* Adds the readable parts of [start, end) (mapping by mapping), at most
 * *left bytes; returns false when the budget ran out. */
static bool add_readable(struct capture *c, uint64_t start, uint64_t end, uint64_t *left) {
        const struct dumper_mapping *m = maps_find(&c->maps, start);

        if (!m)
                m = maps_next(&c->maps, start);
        for (; m && m < c->maps.m + c->maps.n && m->start < end && *left; m++) {
                uint64_t a = m->start > start ? m->start : start, b = m->end < end ? m->end : end;

                if (!(m->perms & MAP_R) || b <= a)
                        continue;
                if (b - a > *left)
                        b = a + *left;
                *left -= region_add(&c->regions, a, b);
        }
        return *left > 0;
}

/* Each module's writable segments as the ELF program headers give them:
 * .data.rel.ro and .got (RELRO: read-only by now, but relocated here, so
 * no file holds these bytes), .data, and .bss to its very end (past the
 * file's last page, in an anonymous mapping). Their globals and static
 * locals have their current values nowhere else. The main executable's
 * within CRASHD_GLOBALS_MAX, first; the libraries' within
 * CRASHD_LIB_GLOBALS_MAX, in load order (libc's state is in there),
 * without RELRO. */
static void plan_globals(struct capture *c) {
        char exe[PATH_MAX], link[64], num[24];
        uint64_t exe_left = c->config->globals_max, lib_left = c->config->lib_globals_max;
        uint64_t self = c->self_addr;
        ssize_t n;

        if (c->exe)
                safe_strlcpy(exe, c->exe, sizeof(exe));
        else {
                safe_strlcpy(link, "/proc/", sizeof(link));
                safe_fmt_u64(num, (uint64_t) c->proc_pid);
                safe_strlcat(link, num, sizeof(link));
                safe_strlcat(link, "/exe", sizeof(link));
                n = readlink(link, exe, sizeof(exe) - 1);
                exe[n > 0 ? n : 0] = 0;
        }
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < c->maps.n; i++) {
                        const struct dumper_mapping *m = &c->maps.m[i];
                        bool is_exe = exe[0] && mapping_path_is(m, exe);
                        uint64_t *left = pass == 0 ? &exe_left : &lib_left;
                        uint64_t relro_end = 0;
                        struct capture_elf e;

                        /* A module starts where its file's first page is.
                         * Not ours: the dumper's state says nothing of the
                         * program's. */
                        if (!mapping_starts_file(m) || is_exe != (pass == 0) || !*left ||
                            !capture_read_elf(c, m->start, &e) || (self && self >= m->start && self < e.image_end))
                                continue;

                        /* A library's RELRO is its GOT and tables of
                         * pointers to its own functions: what gdb would
                         * read there is rarely asked for, and it costs
                         * kilobytes that hardly compress. */
                        for (size_t k = 0; k < e.n_phdrs && pass == 1; k++)
                                if (e.phdrs[k].p_type == PT_GNU_RELRO)
                                        relro_end = e.bias + e.phdrs[k].p_vaddr + e.phdrs[k].p_memsz;
                        for (size_t k = 0; k < e.n_phdrs; k++) {
                                const Elf64_Phdr *ph = &e.phdrs[k];
                                uint64_t start = e.bias + ph->p_vaddr, end = start + ph->p_memsz;

                                if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) || ph->p_memsz > (UINT64_C(1) << 32))
                                        continue;
                                if (relro_end > start && relro_end < end)
                                        start = relro_end;
                                if (!add_readable(c, start, end, left))
                                        c->flags |= PROTO_CRASH_BUDGET_HIT;
                        }
                }
}

void capture_plan_memory(struct capture *c) {
        struct follow_queue q = { 0 };
        size_t i;

        plan_globals(c);

        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (t->source == PROTO_CONTEXT_NONE)
                        continue;
                plan_stack(c, t, i == 0 ? c->config->stack_crashed_max : c->config->stack_other_max);
        }

        c->indirect_left = c->config->indirect_max;
        q.q = proto_buf_reserve(&c->scratch, QUEUE_MAX * sizeof(struct follow), 8, NULL);
        q.seen = proto_buf_reserve(&c->scratch, SEEN_MAX * sizeof(uint64_t), 8, NULL);
        q.chunk_cap = c->config->indirect_max / 4 < CHUNK_MAX ? c->config->indirect_max / 4 : CHUNK_MAX;
        if (q.chunk_cap < PTR_CHUNK)
                q.chunk_cap = PTR_CHUNK;
        /* Level 1: the crashing thread first, its registers, then its stack
         * from the innermost frame out; then the other threads the same
         * way. */
        for (i = 0; i < c->n_threads && c->indirect_left; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (t->source == PROTO_CONTEXT_NONE)
                        continue;
                plan_registers(c, &q, t);
                scan(c, &q, t->stack_lo, t->stack_hi, 1, false);
        }
        /* Then level by level, in the order things were found: what the
         * captures of one level point to (this->member->...) is the next. */
        while (q.head < q.tail) {
                struct follow f = q.q[q.head++ % QUEUE_MAX];

                scan(c, &q, f.start, f.end, f.level + 1, true);
        }
        /* The environment strings at the top of the main stack stay out
         * (not zeroed: a pointer there must read as not in the dump, not
         * as an empty string). */
        if (!c->config->capture_env && c->env_end > c->env_start)
                region_remove(&c->regions, c->env_start, c->env_end);
}

#define IOV_BATCH 512

/* Reads regions [first, ...) into their places in the dump with one
 * process_vm_readv, which transfers whole iovec elements and stops at the
 * first it can't read; that one is then read page by page (and cut to what
 * could be read), and the next batch starts after it. Returns the index of
 * the next region to read. */
static size_t read_batch(struct capture *c, const uint32_t *rvas, size_t first) {
        struct iovec local[IOV_BATCH], remote[IOV_BATCH];
        size_t idx[IOV_BATCH], n = 0, i;
        ssize_t got;

        for (i = first; i < c->regions.n && n < IOV_BATCH; i++) {
                struct region *r = &c->regions.r[i];

                if (r->end == r->start)
                        continue;
                local[n].iov_base = c->out.data + rvas[i];
                local[n].iov_len = (size_t) (r->end - r->start);
                remote[n].iov_base = (void *) (uintptr_t) r->start;
                remote[n].iov_len = local[n].iov_len;
                idx[n++] = i;
        }
        if (n == 0)
                return c->regions.n;
        if (c->memory) {
                /* A core's segments, in our own memory: region by region. */
                for (size_t k = 0; k < n; k++) {
                        struct region *r = &c->regions.r[idx[k]];

                        r->end = r->start + capture_read_memory(c, r->start, local[k].iov_base, local[k].iov_len);
                }
                return idx[n - 1] + 1;
        }
        got = process_vm_readv(c->mem_pid, local, n, remote, n, 0);
        if (got < 0)
                got = 0;
        for (size_t k = 0; k < n; k++) {
                struct region *r = &c->regions.r[idx[k]];

                if ((size_t) got >= local[k].iov_len) {
                        got -= (ssize_t) local[k].iov_len;
                        continue;
                }
                /* The first element that was not read whole. */
                r->end = r->start + capture_read_memory(c, r->start, local[k].iov_base, local[k].iov_len);
                return idx[k] + 1;
        }
        return idx[n - 1] + 1;
}

int capture_write_memory(struct capture *c, uint32_t *ret_rva, uint32_t *ret_size) {
        struct md_memory_descriptor *d;
        uint32_t *rvas, list_rva;
        size_t i, kept = 0;

        rvas = proto_buf_reserve(&c->scratch, (c->regions.n + 1) * sizeof(uint32_t), 4, NULL);
        if (!rvas)
                return -ENOMEM;
        /* Room for every region first, then one system call per up to
         * IOV_BATCH regions instead of one each. */
        for (i = 0; i < c->regions.n; i++) {
                struct region *r = &c->regions.r[i];
                uint64_t n = r->end - r->start;

                if (n > c->out.capacity - c->out.size ||
                    !proto_buf_reserve(&c->out, (size_t) n, 16, &rvas[i])) {
                        c->flags |= PROTO_CRASH_BUDGET_HIT;
                        r->end = r->start;
                }
        }
        for (i = 0; i < c->regions.n;)
                i = read_batch(c, rvas, i);

        if (!proto_buf_reserve(&c->out, 4, 4, &list_rva))
                return -ENOSPC;
        for (i = 0; i < c->regions.n; i++) {
                struct region *r = &c->regions.r[i];

                if (r->end == r->start)
                        continue;
                d = proto_buf_reserve(&c->out, sizeof(*d), 4, NULL);
                if (!d)
                        return -ENOSPC;
                d->start_of_memory_range = r->start;
                d->memory.rva = rvas[i];
                d->memory.data_size = (uint32_t) (r->end - r->start);
                kept++;
        }
        *(uint32_t *) (c->out.data + list_rva) = (uint32_t) kept;

        /* Point each thread's stack descriptor into the bytes just written. */
        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];
                const struct region *r = region_find(&c->regions, t->stack_lo);

                if (!r || t->stack_hi <= t->stack_lo) {
                        t->stack_lo = t->stack_hi = 0;
                        continue;
                }
                if (t->stack_hi > r->end)
                        t->stack_hi = r->end;
                t->stack_rva = rvas[r - c->regions.r] + (uint32_t) (t->stack_lo - r->start);
        }
        *ret_rva = list_rva;
        *ret_size = (uint32_t) (4 + kept * sizeof(*d));
        return 0;
}
