/* SPDX-License-Identifier: MIT */
/* dumper/memory.c: which memory goes into the dump, and copying it.
 *
 * In order of value, each within a budget:
 *   - every thread's stack from SP (less the 128-byte red zone) to the
 *     top of its mapping; past the cap, both ends (an overflow's deepest
 *     frames and the outermost ones);
 *   - 512 bytes around each register that points at readable memory
 *     (the fault address, `this`, a string being copied), as Crashpad;
 *   - 256 bytes at each stack word that points into readable, non-code
 *     memory (heap strings and structs, globals, read-only data), and one
 *     more level from heap chunks found that way, innermost frames first;
 *   - every module's writable data (globals, static locals), RELRO and
 *     the whole .bss included: the executable's, then the libraries'.
 * The environment strings at the top of the main stack are left out unless
 * CRASHD_CAPTURE_ENV=1. Runs in the child; async-signal-safe. */
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
#define MAX_CHUNKS 4096

/* Adds [start, end) clipped to the readable mapping that holds `inside`. */
static uint64_t add_clipped(struct capture *c, uint64_t inside, uint64_t start, uint64_t end) {
        const struct dumper_mapping *m = maps_find(&c->maps, inside);

        if (!m || !(m->perms & MAP_R))
                return 0;
        if (start < m->start || start > inside)
                start = m->start;
        if (end > m->end || end < inside)
                end = m->end;
        return region_add(&c->regions, start, end);
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

static bool take_budget(struct capture *c, uint64_t added) {
        if (added >= c->indirect_left) {
                c->indirect_left = 0;
                c->flags |= PROTO_CRASH_BUDGET_HIT;
                return false;
        }
        c->indirect_left -= added;
        return true;
}

static void plan_registers(struct capture *c, const struct dumper_thread *t) {
        const struct user_regs_struct *r = &t->regs;
        const uint64_t v[] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
                               r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
                               r->rip };

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]) && c->indirect_left; i++) {
                if (v[i] < 4096)
                        continue;
                (void) take_budget(c, add_clipped(c, v[i], v[i] - REG_BEFORE, v[i] + REG_AFTER));
        }
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

struct chunk_list {
        struct region *r;
        size_t n;
};

/* Follows every aligned word of [lo, hi) that is a pointer. Heap and other
 * writable chunks found are noted in more (if not NULL) for the next level. */
static void scan_words(struct capture *c, uint64_t lo, uint64_t hi, struct chunk_list *more) {
        uint64_t buf[512];

        lo = (lo + 7) & ~(uint64_t) 7;
        while (lo < hi && c->indirect_left) {
                size_t want = hi - lo < sizeof(buf) ? (size_t) (hi - lo) : sizeof(buf);
                size_t got = safe_read_memory(c->mem_pid, lo, buf, want) / 8;

                if (got == 0)
                        break;
                for (size_t i = 0; i < got && c->indirect_left; i++) {
                        const struct dumper_mapping *m = pointee(c, buf[i]);
                        uint64_t start, end, added;

                        if (!m)
                                continue;
                        start = (buf[i] - PTR_BEFORE) & ~(uint64_t) 15;
                        end = start + PTR_CHUNK;
                        added = add_clipped(c, buf[i], start, end);
                        if (!added)
                                continue;
                        if (!take_budget(c, added))
                                break;
                        if (more && (m->perms & MAP_W) && more->n < MAX_CHUNKS)
                                more->r[more->n++] = (struct region) { start, end };
                }
                lo += got * 8;
        }
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
        uint64_t self = (uint64_t) (uintptr_t) &dumper_rt;
        ssize_t n;

        safe_strlcpy(link, "/proc/", sizeof(link));
        safe_fmt_u64(num, (uint64_t) c->proc_pid);
        safe_strlcat(link, num, sizeof(link));
        safe_strlcat(link, "/exe", sizeof(link));
        n = readlink(link, exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = 0;
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
                            !capture_read_elf(c, m->start, &e) || (self >= m->start && self < e.image_end))
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
        struct chunk_list level2 = { 0 };
        size_t i;

        plan_globals(c);

        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (t->source == PROTO_CONTEXT_NONE)
                        continue;
                plan_stack(c, t, i == 0 ? c->config->stack_crashed_max : c->config->stack_other_max);
        }

        c->indirect_left = c->config->indirect_max;
        level2.r = proto_buf_reserve(&c->scratch, MAX_CHUNKS * sizeof(struct region), 8, NULL);
        /* The crashing thread first: its registers, then its stack from the
         * innermost frame out; then the other threads the same way. */
        for (i = 0; i < c->n_threads && c->indirect_left; i++) {
                struct dumper_thread *t = &c->threads[i];

                if (t->source == PROTO_CONTEXT_NONE)
                        continue;
                plan_registers(c, t);
                scan_words(c, t->stack_lo, t->stack_hi, level2.r ? &level2 : NULL);
        }
        /* One more level: what heap chunks point to (this->member->...). */
        for (i = 0; i < level2.n && c->indirect_left; i++)
                scan_words(c, level2.r[i].start, level2.r[i].end, NULL);
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
                r->end = r->start + safe_read_memory(c->mem_pid, r->start, local[k].iov_base,
                                                      local[k].iov_len);
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
