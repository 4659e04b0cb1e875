/* SPDX-License-Identifier: MIT */
/* symbolicate/tls.c: where a module's thread-local variables are in one
 * thread of the dump, from the dumper's PROTO_STREAM_TLS (glibc's link
 * map fields) and the thread's DTV, the same steps as glibc's
 * td_thr_tlsbase(), which gdb uses through libthread_db. x86-64 puts the
 * thread pointer (fs_base) at the TCB, with the static TLS blocks below
 * it (TLS variant II). */
#include <dwarf.h>

#include "location.h"
#include "symb-internal.h"

/* glibc's l_tls_offset values that are not an offset: no block yet, and
 * "dynamic TLS only" (FORCED_DYNAMIC_TLS_OFFSET for TLS_TCB_AT_TP). */
#define NO_TLS_OFFSET 0
#define FORCED_DYNAMIC_TLS_OFFSET UINT64_MAX

static const struct proto_tls_module *module_tls(const struct symb_frame_context *fc) {
        Dwarf_Addr start, end;

        if (!dwfl_module_info(fc->module, NULL, &start, &end, NULL, NULL, NULL, NULL))
                return NULL;
        /* The link map's l_ld (its dynamic section) lies in the module. */
        for (size_t i = 0; i < fc->dump->n_tls_modules; i++) {
                const struct proto_tls_module *m = &fc->dump->tls_modules[i];

                if (m->l_ld >= start && m->l_ld < end)
                        return m;
        }
        return NULL;
}

static bool read_u64(const struct symb_frame_context *fc, uint64_t addr, uint64_t *ret) {
        return fc->read(fc->read_userdata, addr, ret, 8) == 8;
}

enum symb_reason symb_tls_block(const struct symb_frame_context *fc, uint64_t *ret, const char **why) {
        const struct proto_tls_module *m;
        uint64_t tp, dtv, size = fc->dump ? fc->dump->dtv_entry_size : 0, count, val;

        if (!fc->dump || !fc->thread || !fc->module || !fc->thread->has_info || !fc->thread->info.fs_base) {
                *why = "the thread's TLS is not in the dump";
                return SYMB_REASON_UNAVAILABLE;
        }
        m = module_tls(fc);
        if (!m) {
                *why = "the module's TLS is not in the dump";
                return SYMB_REASON_UNAVAILABLE;
        }
        tp = fc->thread->info.fs_base;
        /* Static TLS never moves: below the thread pointer, in every thread
         * (libthread_db takes it whenever the DTV is not current). */
        if (m->tls_offset != NO_TLS_OFFSET && m->tls_offset != FORCED_DYNAMIC_TLS_OFFSET) {
                *ret = tp - m->tls_offset;
                return SYMB_REASON_NONE;
        }
        /* Dynamic TLS: the DTV entry modid; entry -1 counts the entries
         * (dtv_t is a union: its counter shares the pointer's place). */
        dtv = fc->thread->info.dtv;
        if (!dtv || size == 0 || !read_u64(fc, dtv - size + fc->dump->dtv_pointer_offset, &count) ||
            !read_u64(fc, dtv + m->modid * size + fc->dump->dtv_pointer_offset, &val)) {
                *why = "the thread's DTV is not in the dump";
                return SYMB_REASON_UNAVAILABLE;
        }
        /* Not yet allocated: the thread never touched the module's TLS
         * (glibc's TLS_DTV_UNALLOCATED is -1). */
        if (m->modid > count || val == UINT64_MAX || val == 0) {
                *why = "the module's TLS is not allocated in this thread";
                return SYMB_REASON_UNAVAILABLE;
        }
        *ret = val;
        return SYMB_REASON_NONE;
}
