/* SPDX-License-Identifier: MIT */
/* dumper/streams.c: the thread list, exception, system info, /proc text
 * and crashd's own streams. Runs in the child; async-signal-safe. */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "annotations.h"
#include "capture.h"
#include "safe.h"

char *capture_read_proc(struct capture *c, const char *what, size_t cap, size_t *ret_len) {
        char path[PATH_MAX], num[24];
        size_t dirty;
        char *buf;
        ssize_t k;

        if (what[0] == '/')
                safe_strlcpy(path, what, sizeof(path));
        else {
                safe_strlcpy(path, "/proc/", sizeof(path));
                safe_fmt_u64(num, (uint64_t) c->proc_pid);
                safe_strlcat(path, num, sizeof(path));
                safe_strlcat(path, "/", sizeof(path));
                safe_strlcat(path, what, sizeof(path));
        }
        dirty = c->scratch.dirty;
        buf = proto_buf_reserve(&c->scratch, cap + 1, 8, NULL);
        if (!buf)
                return NULL;
        k = safe_read_file(path, buf, cap);
        if (k < 0) {
                proto_buf_give_back(&c->scratch, (size_t) (buf - (char *) c->scratch.data), dirty);
                return NULL;
        }
        buf[k] = 0;
        /* Give back the part read() did not touch. */
        proto_buf_give_back(&c->scratch, (size_t) (buf + k + 1 - (char *) c->scratch.data), dirty);
        *ret_len = (size_t) k;
        return buf;
}

void capture_parse_stat(struct capture *c, const char *s, size_t len) {
        const char *p, *end = s + len, *open;
        size_t field = 2;

        /* The command name in parentheses (it may itself hold spaces and
         * parentheses, so the last ')' ends it), then fields counted from
         * there. */
        p = end;
        while (p > s && p[-1] != ')')
                p--;
        open = s;
        while (open < p && *open != '(')
                open++;
        if (open < p - 1) {
                size_t n = (size_t) (p - 1 - (open + 1));

                safe_memcpy(c->comm, open + 1, n < sizeof(c->comm) - 1 ? n : sizeof(c->comm) - 1);
        }
        for (; p < end; p++) {
                uint64_t v;
                const char *q;

                if (*p != ' ')
                        continue;
                field++;
                q = p + 1;
                if (!safe_parse_u64(&q, end, 10, &v))
                        continue;
                if (field == 4)
                        c->ppid = (uint32_t) v;
                else if (field == 22)
                        c->start_time = v;
                else if (field == 50)
                        c->env_start = v;
                else if (field == 51)
                        c->env_end = v;
        }
}

void capture_file_name(const char *comm, uint64_t pid, uint64_t time_ns, const char *suffix, char *buf,
                       size_t size) {
        char num[24];
        size_t i, n;

        /* COMM.PID.SECONDS.NANOSECONDS.dmp.zst: unique per crash, sortable,
         * and the program's name shows in ls. */
        buf[0] = 0;
        for (i = 0, n = 0; comm[i] && n + 1 < size && i < 16; i++) {
                char ch = comm[i];
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
                buf[n++] = ok ? ch : '_';
        }
        buf[n] = 0;
        if (n == 0)
                safe_strlcpy(buf, "unknown", size);
        safe_strlcat(buf, ".", size);
        safe_fmt_u64(num, pid);
        safe_strlcat(buf, num, size);
        safe_strlcat(buf, ".", size);
        safe_fmt_u64(num, time_ns / 1000000000u);
        safe_strlcat(buf, num, size);
        safe_strlcat(buf, ".", size);
        /* Nanoseconds with leading zeros, so names sort by time. */
        safe_fmt_u64(num, 1000000000u + time_ns % 1000000000u);
        safe_strlcat(buf, num + 1, size);
        safe_strlcat(buf, suffix, size);
}

static void to_md_context(const struct dumper_thread *t, struct md_context_amd64 *m) {
        const struct user_regs_struct *r = &t->regs;

        m->context_flags = MD_CONTEXT_AMD64_FULL | MD_CONTEXT_AMD64_SEGMENTS;
        m->cs = (uint16_t) r->cs;
        m->ds = (uint16_t) r->ds;
        m->es = (uint16_t) r->es;
        m->fs = (uint16_t) r->fs;
        m->gs = (uint16_t) r->gs;
        m->ss = (uint16_t) r->ss;
        m->eflags = (uint32_t) r->eflags;
        m->rax = r->rax;
        m->rcx = r->rcx;
        m->rdx = r->rdx;
        m->rbx = r->rbx;
        m->rsp = r->rsp;
        m->rbp = r->rbp;
        m->rsi = r->rsi;
        m->rdi = r->rdi;
        m->r8 = r->r8;
        m->r9 = r->r9;
        m->r10 = r->r10;
        m->r11 = r->r11;
        m->r12 = r->r12;
        m->r13 = r->r13;
        m->r14 = r->r14;
        m->r15 = r->r15;
        m->rip = r->rip;
        safe_memcpy(&m->flt_save, t->fxsave, sizeof(m->flt_save));
        m->mx_csr = m->flt_save.mx_csr;
}

int capture_write_threads(struct capture *c, uint32_t *crashed_context_rva) {
        struct md_thread *list;
        uint32_t rva, *count;
        size_t i;

        /* Contexts first, so the list can point at them. */
        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];
                struct md_context_amd64 *ctx;

                if (t->source == PROTO_CONTEXT_NONE)
                        continue;
                ctx = proto_buf_reserve(&c->out, sizeof(*ctx), 16, &t->context_rva);
                if (!ctx)
                        return -ENOSPC;
                to_md_context(t, ctx);
        }
        *crashed_context_rva = c->threads[0].context_rva;

        count = proto_buf_reserve(&c->out, 4 + c->n_threads * sizeof(*list), 4, &rva);
        if (!count)
                return -ENOSPC;
        *count = (uint32_t) c->n_threads;
        list = (struct md_thread *) (count + 1);
        for (i = 0; i < c->n_threads; i++) {
                const struct dumper_thread *t = &c->threads[i];

                list[i].thread_id = (uint32_t) t->tid;
                list[i].teb = t->regs.fs_base;
                if (t->source != PROTO_CONTEXT_NONE) {
                        list[i].thread_context.rva = t->context_rva;
                        list[i].thread_context.data_size = sizeof(struct md_context_amd64);
                }
                if (t->stack_hi > t->stack_lo) {
                        list[i].stack.start_of_memory_range = t->stack_lo;
                        list[i].stack.memory.rva = t->stack_rva;
                        list[i].stack.memory.data_size = (uint32_t) (t->stack_hi - t->stack_lo);
                }
        }
        return proto_writer_add_stream(&c->w, MD_STREAM_THREAD_LIST, rva,
                                       (uint32_t) (4 + c->n_threads * sizeof(*list)));
}

int capture_write_exception(struct capture *c, uint32_t context_rva) {
        const struct dumper_crash *cr = c->crash;
        struct md_exception_stream e;

        safe_memset(&e, 0, sizeof(e));
        e.thread_id = (uint32_t) cr->tid;
        if (cr->requested)
                e.exception_record.exception_code = MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED;
        else {
                e.exception_record.exception_code = (uint32_t) cr->info.si_signo;
                e.exception_record.exception_flags = (uint32_t) cr->info.si_code;
                /* si_addr is the fault address only for kernel-made signals;
                 * for kill() the same bytes hold the sender's pid and uid. */
                if (cr->info.si_code > 0)
                        e.exception_record.exception_address = (uint64_t) (uintptr_t) cr->info.si_addr;
        }
        e.thread_context.rva = context_rva;
        e.thread_context.data_size = context_rva ? sizeof(struct md_context_amd64) : 0;
        return proto_writer_add_blob(&c->w, MD_STREAM_EXCEPTION, &e, sizeof(e));
}

static uint32_t parse_version_part(const char **p) {
        uint64_t v = 0;

        (void) safe_parse_u64(p, *p + 12, 10, &v);
        if (**p == '.')
                (*p)++;
        return (uint32_t) v;
}

static unsigned count_cpus(const char *cpuinfo, size_t len) {
        unsigned n = 0;

        for (size_t i = 0; i + 9 < len; i++)
                if ((i == 0 || cpuinfo[i - 1] == '\n') && safe_startswith(cpuinfo + i, "processor"))
                        n++;
        return n;
}

static int write_system_info(struct capture *c, const char *cpuinfo, size_t cpuinfo_len) {
        struct md_system_info si;
        struct utsname u;
        unsigned a, b, cx, d;
        char text[4 * 65 + 4];
        int r;

        safe_memset(&si, 0, sizeof(si));
        si.processor_architecture = MD_CPU_ARCHITECTURE_AMD64;
        si.platform_id = MD_OS_LINUX;
        if (__get_cpuid(0, &a, &b, &cx, &d)) {
                si.cpu.vendor_id[0] = b;
                si.cpu.vendor_id[1] = d;
                si.cpu.vendor_id[2] = cx;
        }
        if (__get_cpuid(1, &a, &b, &cx, &d)) {
                unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;

                if (family == 0xf)
                        family += (a >> 20) & 0xff;
                if (family >= 6)
                        model |= ((a >> 16) & 0xf) << 4;
                si.processor_level = (uint16_t) family;
                si.processor_revision = (uint16_t) ((model << 8) | (a & 0xf));
                si.cpu.version_information = a;
                si.cpu.feature_information = d;
        }
        if (__get_cpuid(0x80000001, &a, &b, &cx, &d))
                si.cpu.amd_extended_cpu_features = d;
        a = count_cpus(cpuinfo, cpuinfo_len);
        si.number_of_processors = (uint8_t) (a > 255 ? 255 : a);

        /* As Breakpad: "Linux RELEASE VERSION MACHINE" in csd_version. */
        if (uname(&u) == 0) {
                const char *p = u.release;

                si.major_version = parse_version_part(&p);
                si.minor_version = parse_version_part(&p);
                si.build_number = parse_version_part(&p);
                safe_strlcpy(text, u.sysname, sizeof(text));
                safe_strlcat(text, " ", sizeof(text));
                safe_strlcat(text, u.release, sizeof(text));
                safe_strlcat(text, " ", sizeof(text));
                safe_strlcat(text, u.version, sizeof(text));
                safe_strlcat(text, " ", sizeof(text));
                safe_strlcat(text, u.machine, sizeof(text));
                r = proto_writer_string(&c->w, text, safe_strlen(text), &si.csd_version_rva);
                if (r < 0)
                        return r;
        }
        return proto_writer_add_blob(&c->w, MD_STREAM_SYSTEM_INFO, &si, sizeof(si));
}

static int add_text_stream(struct capture *c, uint32_t type, const struct capture_text *t) {
        int r;

        if (!t->text || t->len == 0)
                return 0;       /* a missing file is not an error */
        r = proto_writer_add_blob(&c->w, type, t->text, t->len);
        return r < 0 ? r : 1;
}

/* Each file unless the caller has it already: parked, the dumper read
 * status before the fork (the fork's own would describe the fork); the
 * core handler read them all before giving up root. */
void capture_read_process_files(struct capture *c) {
        if (!c->status.text)
                c->status.text = capture_read_proc(c, "status", 16 * 1024, &c->status.len);
        if (!c->cmdline.text)
                c->cmdline.text = capture_read_proc(c, "cmdline", 64 * 1024, &c->cmdline.len);
        if (!c->auxv.text)
                c->auxv.text = capture_read_proc(c, "auxv", 4096, &c->auxv.len);
        if (c->config->capture_env) {
                if (!c->environ.text)
                        c->environ.text = capture_read_proc(c, "environ", 256 * 1024, &c->environ.len);
                c->flags |= PROTO_CRASH_ENV_CAPTURED;
        }
}

int capture_write_proc_streams(struct capture *c) {
        struct capture_text cpuinfo = { 0 }, release = { 0 };
        int r;

        /* cpuinfo grows with the number of CPUs; 64 KiB keeps dozens. */
        cpuinfo.text = capture_read_proc(c, "/proc/cpuinfo", 64 * 1024, &cpuinfo.len);
        r = add_text_stream(c, MD_STREAM_LINUX_CPU_INFO, &cpuinfo);
        if (r < 0)
                return r;
        r = write_system_info(c, cpuinfo.text ? cpuinfo.text : "", cpuinfo.len);
        if (r < 0)
                return r;
        r = add_text_stream(c, MD_STREAM_LINUX_PROC_STATUS, &c->status);
        if (r < 0)
                return r;
        /* Debian has no /etc/lsb-release; os-release has the same facts in
         * the KEY=value form readers of this stream accept. */
        release.text = capture_read_proc(c, "/etc/lsb-release", 4096, &release.len);
        if (!release.text || !release.len)
                release.text = capture_read_proc(c, "/etc/os-release", 4096, &release.len);
        r = add_text_stream(c, MD_STREAM_LINUX_LSB_RELEASE, &release);
        if (r < 0)
                return r;
        r = add_text_stream(c, MD_STREAM_LINUX_CMD_LINE, &c->cmdline);
        if (r < 0)
                return r;
        r = add_text_stream(c, MD_STREAM_LINUX_ENVIRON, &c->environ);
        if (r < 0)
                return r;
        r = add_text_stream(c, MD_STREAM_LINUX_AUXV, &c->auxv);
        if (r < 0)
                return r;
        return proto_writer_add_blob(&c->w, MD_STREAM_LINUX_MAPS, c->maps_text, c->maps_len);
}

int capture_write_crashd_streams(struct capture *c) {
        const struct dumper_crash *cr = c->crash;
        struct proto_crash_info ci;
        struct proto_thread_info_header *th;
        struct proto_thread_info *ti;
        uint32_t rva, *hdr;
        size_t i, n, dirty;
        int r;

        safe_memset(&ci, 0, sizeof(ci));
        ci.version = PROTO_CRASH_INFO_VERSION;
        ci.flags = c->flags | (cr->requested ? PROTO_CRASH_REQUESTED : 0);
        ci.si_signo = (uint32_t) cr->info.si_signo;
        ci.si_code = (uint32_t) cr->info.si_code;
        ci.si_errno = (uint32_t) cr->info.si_errno;
        ci.crashing_tid = (uint32_t) cr->tid;
        ci.fault_addr = cr->info.si_code > 0 ? (uint64_t) (uintptr_t) cr->info.si_addr : 0;
        ci.pid = (uint32_t) c->pid;
        ci.ppid = c->ppid;
        ci.uid = c->uid;
        ci.gid = c->gid;
        ci.crash_time_ns = cr->time_ns;
        ci.start_time_ticks = c->start_time;
        safe_strlcpy(ci.dumper_version, CRASHD_VERSION, sizeof(ci.dumper_version));
        safe_memcpy(ci.siginfo, &cr->info, sizeof(ci.siginfo) < sizeof(cr->info) ? sizeof(ci.siginfo) : sizeof(cr->info));
        r = proto_writer_add_blob(&c->w, PROTO_STREAM_CRASH_INFO, &ci, sizeof(ci));
        if (r < 0)
                return r;

        /* XSAVE images first, then the thread info that points at them. */
        for (i = 0; i < c->n_threads; i++) {
                struct dumper_thread *t = &c->threads[i];
                uint32_t xrva;

                if (!t->xstate || !t->xstate_size)
                        continue;
                r = proto_buf_append(&c->out, t->xstate, t->xstate_size, 64, &xrva);
                if (r < 0)
                        return r;
                t->xstate = (uint8_t *) (uintptr_t) xrva;  /* now an rva */
        }
        th = proto_buf_reserve(&c->out, sizeof(*th) + c->n_threads * sizeof(*ti), 8, &rva);
        if (!th)
                return -ENOSPC;
        th->version = PROTO_THREAD_INFO_VERSION;
        th->count = (uint32_t) c->n_threads;
        th->entry_size = sizeof(*ti);
        ti = (struct proto_thread_info *) (th + 1);
        for (i = 0; i < c->n_threads; i++) {
                const struct dumper_thread *t = &c->threads[i];

                ti[i].tid = (uint32_t) t->tid;
                ti[i].context_source = t->source;
                ti[i].flags = t->flags;
                safe_strlcpy(ti[i].name, t->name, sizeof(ti[i].name));
                ti[i].fs_base = t->regs.fs_base;
                ti[i].gs_base = t->regs.gs_base;
                ti[i].dtv = t->dtv;
                if (t->xstate && t->xstate_size) {
                        ti[i].xstate_rva = (uint32_t) (uintptr_t) t->xstate;
                        ti[i].xstate_size = t->xstate_size;
                }
        }
        r = proto_writer_add_stream(&c->w, PROTO_STREAM_THREAD_INFO, rva,
                                    (uint32_t) (sizeof(*th) + c->n_threads * sizeof(*ti)));
        if (r < 0)
                return r;

        dirty = c->out.dirty;
        hdr = proto_buf_reserve(&c->out, 8 + CRASHDUMP_MAX_TAGS_ * sizeof(struct proto_tag), 8, &rva);
        if (!hdr)
                return -ENOSPC;
        n = dumper_tags_snapshot((struct proto_tag *) (hdr + 2), CRASHDUMP_MAX_TAGS_);
        hdr[0] = (uint32_t) n;
        hdr[1] = sizeof(struct proto_tag);
        proto_buf_give_back(&c->out, rva + 8 + n * sizeof(struct proto_tag), dirty);
        r = proto_writer_add_stream(&c->w, PROTO_STREAM_TAGS, rva, (uint32_t) (8 + n * sizeof(struct proto_tag)));
        if (r < 0)
                return r;

        dirty = c->out.dirty;
        hdr = proto_buf_reserve(&c->out, 8 + CRASHDUMP_MAX_BREADCRUMBS_ * sizeof(struct proto_breadcrumb), 8, &rva);
        if (!hdr)
                return -ENOSPC;
        n = dumper_breadcrumbs_snapshot((struct proto_breadcrumb *) (hdr + 2), CRASHDUMP_MAX_BREADCRUMBS_);
        hdr[0] = (uint32_t) n;
        hdr[1] = sizeof(struct proto_breadcrumb);
        proto_buf_give_back(&c->out, rva + 8 + n * sizeof(struct proto_breadcrumb), dirty);
        return proto_writer_add_stream(&c->w, PROTO_STREAM_BREADCRUMBS, rva,
                                       (uint32_t) (8 + n * sizeof(struct proto_breadcrumb)));
}
