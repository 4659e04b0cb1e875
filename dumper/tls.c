/* SPDX-License-Identifier: MIT */
/* dumper/tls.c: where each module's thread-local variables live in each
 * thread, so that a `static __thread` variable has a value in the dump
 * (DW_OP_form_tls_address gives only the offset in the module's block).
 *
 * glibc keeps it in internal structures (the link map's l_tls_modid and
 * l_tls_offset, the thread's DTV) whose layout it publishes for debuggers
 * as `_thread_db_*` descriptors in libc.so.6's dynamic symbols: what
 * libthread_db, and so gdb, reads. We look them up in libc's symbol hash
 * table in the process's memory, read each link map's two fields and each
 * thread's DTV pointer, and put the DTV entries into the memory list.
 *
 * Runs in the child; async-signal-safe: every read of the crashed process
 * goes through capture_read_memory() (process_vm_readv, or the core
 * handler's segments), which cannot fault, no
 * dlsym (it takes the loader's lock, which a thread of the crashed program
 * may hold), buffers in scratch. */
#include <elf.h>
#include <errno.h>
#include <link.h>

#include "capture.h"
#include "safe.h"

#define MAX_DYNAMIC 256
#define MAX_CHAIN 4096
#define MAX_MODID 4096
/* The static TLS blocks lie just below the thread pointer, the main
 * executable's first: at most this much of them is taken per thread. */
#define STATIC_TLS_MAX (16 * 1024)
/* The thread descriptor (struct pthread) at the thread pointer is what
 * libthread_db reads to list threads and find their TLS, so a debugger
 * on a core written from the dump (crashctl export --core) needs it;
 * glibc publishes its size. More than this is not glibc's. */
#define PTHREAD_MAX 4096
/* A dlopen()ed module's block in a thread is a heap chunk of its own; its
 * size is not in the link map fields glibc describes: the first bytes. */
#define DYNAMIC_TLS_CHUNK 1024

/* A `_thread_db_*` descriptor: {bits, count, offset} (glibc's nptl_db). */
struct td_desc {
        uint32_t bits, count, offset;
};

struct elf_dyn_tables {
        uint64_t symtab, strtab, gnu_hash;
};

/* The loader adjusts these entries of a library's dynamic section to run
 * time addresses in place; the vDSO's are left as file addresses. */
static uint64_t dyn_addr(uint64_t v, uint64_t l_addr) {
        return v < l_addr ? v + l_addr : v;
}

static bool read_dyn_tables(struct capture *c, uint64_t l_addr, uint64_t l_ld, struct elf_dyn_tables *t) {
        Elf64_Dyn dyn[32];

        safe_memset(t, 0, sizeof(*t));
        for (size_t i = 0; i < MAX_DYNAMIC; i += 32) {
                size_t n = capture_read_memory(c, l_ld + i * sizeof(dyn[0]), dyn, sizeof(dyn)) / sizeof(dyn[0]);

                for (size_t k = 0; k < n; k++) {
                        if (dyn[k].d_tag == DT_NULL)
                                return t->symtab && t->strtab && t->gnu_hash;
                        if (dyn[k].d_tag == DT_SYMTAB)
                                t->symtab = dyn_addr(dyn[k].d_un.d_ptr, l_addr);
                        else if (dyn[k].d_tag == DT_STRTAB)
                                t->strtab = dyn_addr(dyn[k].d_un.d_ptr, l_addr);
                        else if (dyn[k].d_tag == DT_GNU_HASH)
                                t->gnu_hash = dyn_addr(dyn[k].d_un.d_ptr, l_addr);
                }
                if (n < 32)
                        break;
        }
        return false;
}

static uint32_t gnu_hash(const char *s) {
        uint32_t h = 5381;

        for (; *s; s++)
                h = h * 33 + (uint8_t) *s;
        return h;
}

/* The run-time address of the dynamic symbol name of the module, through
 * its DT_GNU_HASH table (bounded: MAX_CHAIN symbols per bucket); 0 when it
 * has none. */
static uint64_t find_dynsym(struct capture *c, uint64_t l_addr, const struct elf_dyn_tables *t, const char *name) {
        uint32_t hdr[4], h = gnu_hash(name), bucket, chain;
        size_t name_len = safe_strlen(name);
        uint64_t buckets, chains;

        if (capture_read_memory(c, t->gnu_hash, hdr, sizeof(hdr)) != sizeof(hdr) || hdr[0] == 0)
                return 0;
        /* nbuckets, symoffset, bloom words, bloom shift; then the bloom
         * filter, the buckets and the chains. */
        buckets = t->gnu_hash + sizeof(hdr) + (uint64_t) hdr[2] * 8;
        chains = buckets + (uint64_t) hdr[0] * 4;
        if (capture_read_memory(c, buckets + (uint64_t) (h % hdr[0]) * 4, &bucket, 4) != 4 || bucket < hdr[1])
                return 0;
        for (uint32_t i = bucket; i < bucket + MAX_CHAIN; i++) {
                Elf64_Sym sym;
                char got[64];

                if (capture_read_memory(c, chains + (uint64_t) (i - hdr[1]) * 4, &chain, 4) != 4)
                        return 0;
                if ((chain | 1) == (h | 1) &&
                    capture_read_memory(c, t->symtab + (uint64_t) i * sizeof(sym), &sym, sizeof(sym)) == sizeof(sym) &&
                    name_len < sizeof(got) &&
                    capture_read_memory(c, t->strtab + sym.st_name, got, name_len + 1) == name_len + 1 &&
                    got[name_len] == 0 && safe_startswith(got, name) && sym.st_shndx != SHN_UNDEF)
                        return l_addr + sym.st_value;
                if (chain & 1)
                        return 0;       /* the end of this bucket's chain */
        }
        return 0;
}

static bool read_desc(struct capture *c, uint64_t l_addr, const struct elf_dyn_tables *t, const char *name,
                      struct td_desc *ret) {
        uint64_t a = find_dynsym(c, l_addr, t, name);

        return a && capture_read_memory(c, a, ret, sizeof(*ret)) == sizeof(*ret);
}

static bool read_u64_field(struct capture *c, uint64_t base, const struct td_desc *d, uint64_t *ret) {
        return d->bits == 64 && capture_read_memory(c, base + d->offset, ret, 8) == 8;
}

/* What libthread_db reads to find a module's block in a thread
 * (td_thr_tlsbase), for a debugger on a core written from the dump: the
 * list of DTV slot infos that _rtld_global points to, each node's length,
 * next pointer and entries (a generation and a link map each). The
 * loader allocates them, so no other capture has them. The layout comes
 * from libc's descriptors (libc_addr, libc_t), _rtld_global from the
 * loader's dynamic symbols (the link map at r_ldbase). */
#define SLOTINFO_NODES_MAX 16
static void capture_slotinfo(struct capture *c, const struct r_debug *dbg, const uint64_t *maps, size_t n,
                             uint64_t libc_addr, const struct elf_dyn_tables *libc_t) {
        struct td_desc head_d, len_d, next_d, slots_d;
        struct elf_dyn_tables t;
        struct link_map lm;
        uint64_t rtld_global = 0, node, sym;
        uint32_t slot_size;

        if (!read_desc(c, libc_addr, libc_t, "_thread_db_rtld_global__dl_tls_dtv_slotinfo_list", &head_d) ||
            !read_desc(c, libc_addr, libc_t, "_thread_db_dtv_slotinfo_list_len", &len_d) ||
            !read_desc(c, libc_addr, libc_t, "_thread_db_dtv_slotinfo_list_next", &next_d) ||
            !read_desc(c, libc_addr, libc_t, "_thread_db_dtv_slotinfo_list_slotinfo", &slots_d) ||
            !(sym = find_dynsym(c, libc_addr, libc_t, "_thread_db_sizeof_dtv_slotinfo")) ||
            capture_read_memory(c, sym, &slot_size, 4) != 4 || slot_size == 0 || slot_size > 64)
                return;
        for (size_t i = 0; i < n && !rtld_global; i++)
                if (capture_read_memory(c, maps[i], &lm, sizeof(lm)) == sizeof(lm) &&
                    lm.l_addr == dbg->r_ldbase && read_dyn_tables(c, lm.l_addr, (uint64_t) (uintptr_t) lm.l_ld, &t))
                        rtld_global = find_dynsym(c, lm.l_addr, &t, "_rtld_global");
        if (!rtld_global || !read_u64_field(c, rtld_global, &head_d, &node))
                return;
        (void) region_add(&c->regions, rtld_global + head_d.offset, rtld_global + head_d.offset + 8);
        for (size_t k = 0; k < SLOTINFO_NODES_MAX && node; k++) {
                uint64_t len, next;

                if (!read_u64_field(c, node, &len_d, &len) || !read_u64_field(c, node, &next_d, &next))
                        return;
                if (len > MAX_MODID)
                        len = MAX_MODID;
                (void) region_add(&c->regions, node, node + slots_d.offset + len * slot_size);
                node = next;
        }
}

void capture_plan_tls(struct capture *c) {
        struct td_desc modid_d, offset_d, dtvp_d, dtv_d, val_d;
        struct r_debug dbg;
        struct link_map lm;
        uint64_t maps[CAPTURE_MAX_LINK_MAPS], max_modid = 0, max_static = 0, sym, libc_addr = 0;
        struct elf_dyn_tables libc_t;
        uint32_t sizeof_pthread = 0;
        size_t n = 0, i;
        bool found = false;

        n = capture_link_maps(c, &dbg, maps, CAPTURE_MAX_LINK_MAPS);
        /* libc.so.6 defines the descriptors: the first module that has
         * them all. */
        for (i = 0; i < n && !found; i++) {
                struct elf_dyn_tables t;

                if (capture_read_memory(c, maps[i], &lm, sizeof(lm)) != sizeof(lm) ||
                    !read_dyn_tables(c, lm.l_addr, (uint64_t) (uintptr_t) lm.l_ld, &t))
                        continue;
                found = read_desc(c, lm.l_addr, &t, "_thread_db_link_map_l_tls_modid", &modid_d) &&
                        read_desc(c, lm.l_addr, &t, "_thread_db_link_map_l_tls_offset", &offset_d) &&
                        read_desc(c, lm.l_addr, &t, "_thread_db_pthread_dtvp", &dtvp_d) &&
                        read_desc(c, lm.l_addr, &t, "_thread_db_dtv_dtv", &dtv_d) &&
                        read_desc(c, lm.l_addr, &t, "_thread_db_dtv_t_pointer_val", &val_d);
                if (!found)
                        continue;
                libc_addr = lm.l_addr;
                libc_t = t;
                if ((sym = find_dynsym(c, lm.l_addr, &t, "_thread_db_sizeof_pthread")) != 0 &&
                    (capture_read_memory(c, sym, &sizeof_pthread, 4) != 4 || sizeof_pthread > PTHREAD_MAX))
                        sizeof_pthread = 0;
        }
        if (!found || dtv_d.bits % 8 || dtv_d.bits / 8 < 8 || dtv_d.bits / 8 > 64 || val_d.bits != 64 ||
            val_d.offset + 8 > dtv_d.bits / 8)
                return;
        c->tls = proto_buf_reserve(&c->scratch, n * sizeof(*c->tls) + 1, 8, NULL);
        if (!c->tls)
                return;
        c->dtv_entry_size = (uint16_t) (dtv_d.bits / 8);
        c->dtv_pointer_offset = (uint16_t) val_d.offset;
        for (i = 0; i < n; i++) {
                struct proto_tls_module *m = &c->tls[c->n_tls];

                if (capture_read_memory(c, maps[i], &lm, sizeof(lm)) != sizeof(lm) ||
                    !read_u64_field(c, maps[i], &modid_d, &m->modid) ||
                    !read_u64_field(c, maps[i], &offset_d, &m->tls_offset) ||
                    m->modid == 0 || m->modid > MAX_MODID)
                        continue;
                m->l_addr = lm.l_addr;
                m->l_ld = (uint64_t) (uintptr_t) lm.l_ld;
                /* The two fields in the dump too: libthread_db reads them
                 * from the link map (a core's debugger, not symbolicate/). */
                (void) region_add(&c->regions, maps[i] + modid_d.offset, maps[i] + modid_d.offset + 8);
                (void) region_add(&c->regions, maps[i] + offset_d.offset, maps[i] + offset_d.offset + 8);
                if (m->modid > max_modid)
                        max_modid = m->modid;
                if (m->tls_offset != 0 && m->tls_offset != UINT64_MAX && m->tls_offset > max_static)
                        max_static = m->tls_offset;
                c->n_tls++;
        }
        if (c->n_tls == 0)
                return;
        capture_slotinfo(c, &dbg, maps, n, libc_addr, &libc_t);
        if (max_static > STATIC_TLS_MAX)
                max_static = STATIC_TLS_MAX;
        /* Each thread's static TLS and descriptor (the main thread's are
         * not on its stack), its DTV from entry -1 (their count) to the
         * highest modid, and the start of each dynamic block: a few KiB a
         * thread, outside the budgets (for threads other than the main
         * one, mostly within their stack's top, which is taken anyway). */
        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];
                uint64_t dtv, tp = t->regs.fs_base;

                if (t->source == PROTO_CONTEXT_NONE || tp <= max_static)
                        continue;
                (void) region_add(&c->regions, tp - max_static, tp + sizeof_pthread);
                if (!read_u64_field(c, tp, &dtvp_d, &dtv) || dtv < c->dtv_entry_size)
                        continue;
                t->dtv = dtv;
                (void) region_add(&c->regions, dtv - c->dtv_entry_size, dtv + (max_modid + 1) * c->dtv_entry_size);
                for (size_t k = 0; k < c->n_tls; k++) {
                        uint64_t block;

                        if (c->tls[k].tls_offset != 0 && c->tls[k].tls_offset != UINT64_MAX)
                                continue;
                        if (capture_read_memory(c, dtv + c->tls[k].modid * c->dtv_entry_size + c->dtv_pointer_offset,
                                             &block, 8) == 8 && block != 0 && block != UINT64_MAX)
                                (void) region_add(&c->regions, block, block + DYNAMIC_TLS_CHUNK);
                }
        }
}

int capture_write_tls(struct capture *c) {
        struct proto_tls_header *h;
        uint32_t rva, size;

        if (c->n_tls == 0)
                return 0;
        size = (uint32_t) (sizeof(*h) + c->n_tls * sizeof(*c->tls));
        h = proto_buf_reserve(&c->out, size, 8, &rva);
        if (!h)
                return -ENOSPC;
        h->version = PROTO_TLS_VERSION;
        h->count = (uint32_t) c->n_tls;
        h->entry_size = sizeof(*c->tls);
        h->dtv_entry_size = c->dtv_entry_size;
        h->dtv_pointer_offset = c->dtv_pointer_offset;
        safe_memcpy(h + 1, c->tls, c->n_tls * sizeof(*c->tls));
        return proto_writer_add_stream(&c->w, PROTO_STREAM_TLS, rva, size);
}
