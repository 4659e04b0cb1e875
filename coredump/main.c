/* SPDX-License-Identifier: MIT */
/* coredump/main.c: crashd-coredump, the kernel's core handler
 * (kernel.core_pattern=|/usr/libexec/crashd/crashd-coredump %P %i %u %g %s
 * %t %c %h %e %d). The kernel runs it as root, with the core on stdin
 * (a pipe), no stdout or stderr, and keeps the crashed process while it
 * reads (and until it exits, with core_pipe_limit > 0).
 *
 * Two processes:
 *   root (this one)  reads /proc/PID while the process is held (the kernel's
 *                    text only), opens the spool and creates the temp files
 *                    with their final owner, then forks; renames what the
 *                    other one finished and tells the daemon. It never reads
 *                    a byte of the core.
 *   the other        drops to the crashed uid/gid (nobody for root's
 *                    crashes), no supplementary groups, not dumpable, no new
 *                    privileges, and does all the parsing: the core from
 *                    stdin, the dump, its compression into the temp file; then
 *                    drains the rest of the core (and compresses it too, to
 *                    keep it).
 * An alarm bounds the whole: the kernel waits for us, and a slow handler
 * holds up the crashed process's death. coredump/README.md has the rest. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <zstd.h>

#include "config.h"
#include "core-read.h"
#include "dump.h"
#include "proc.h"
#include "util.h"

#define NOBODY 65534
#define MAPS_MAX (8u << 20)             /* as the dumper's /proc/PID/maps read */
#define DRAIN_CHUNK (1u << 20)

/* What the unprivileged process tells root on the status pipe. */
enum {
        STATUS_DUMP = 'D',              /* the dump's temp file is complete */
        STATUS_CORE = 'C',              /* the core's temp file is complete */
        STATUS_FACTS = 'F',             /* struct child_facts follows */
};

struct child_facts {
        uint64_t core_bytes;            /* read from stdin in all */
        uint64_t buffered;              /* core bytes held */
        uint64_t dump_raw, dump_bytes;  /* the dump before and after zstd */
        uint64_t core_zst_bytes;        /* the kept core, compressed */
        uint64_t dump_done_ns;          /* CLOCK_MONOTONIC when the dump was written */
        uint64_t maxrss_kib;            /* its peak memory */
};

struct job {
        struct coredump_config cfg;
        struct coredump_args a;
        uint64_t time_ns;               /* CLOCK_REALTIME of the crash */
        uint64_t start_ns;              /* CLOCK_MONOTONIC when we started */
        uid_t owner_uid;                /* the files' owner */
        gid_t owner_gid;
        uid_t run_uid;                  /* who parses */
        gid_t run_gid;
        bool privileged;                /* root: drop, chown, map_files */
        bool setuid_like;               /* root-only dump */
        bool preload_dumped;            /* libcrashdump.so wrote this crash's dump */
        struct coredump_proc proc;
        int spool_fd, core_dir_fd;
        int dump_fd, core_fd;           /* temp files, -1 none */
        char name[160], tmp[176];       /* the dump's */
        char core_name[160], core_tmp[176];
        uint64_t core_max;              /* bytes of core to keep */
        int status_fd;
};

static volatile sig_atomic_t timed_out;
static volatile pid_t child_pid;

static void on_alarm(int sig) {
        (void) sig;
        timed_out = 1;
        if (child_pid > 0)
                (void) kill(child_pid, SIGKILL);
        else
                _exit(2);
}

/* The kernel starts us with only stdin: whatever we open next would become
 * stdout or stderr. Those go to /dev/null and the kernel log. */
static void fix_std_fds(void) {
        if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF) {
                int fd = open("/dev/null", O_WRONLY | O_NOCTTY);

                if (fd >= 0 && fd != STDOUT_FILENO) {
                        (void) dup2(fd, STDOUT_FILENO);
                        close(fd);
                }
        }
        if (fcntl(STDERR_FILENO, F_GETFD) < 0 && errno == EBADF) {
                int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);

                log_to_kmsg = fd >= 0;
                if (fd < 0)
                        fd = open("/dev/null", O_WRONLY | O_NOCTTY);
                if (fd >= 0 && fd != STDERR_FILENO) {
                        (void) dup2(fd, STDERR_FILENO);
                        close(fd);
                }
        }
}

static void usage(FILE *f) {
        fputs("usage: crashd-coredump [OPTIONS] %P %i %u %g %s %t %c %h %e %d   (as core_pattern's pipe)\n"
              "\n"
              "The kernel's core handler: reads the core on stdin and writes crashd's minidump of the crash\n"
              "into the spool (coredump/README.md).\n"
              "\n"
              "  -s, --spool DIR     write dumps into DIR (default " COREDUMP_SPOOL ")\n"
              "  -c, --config FILE   settings (default " COREDUMP_CONFIG_FILE "; \"\" for none)\n"
              "  -o KEY=VALUE        any setting of the config file\n"
              "      --keep-core     keep the whole core too, zstd-compressed, in core_dir\n"
              "      --stats FILE    append timings and sizes to FILE\n"
              "  -v, --verbose       log every crash to the kernel log, not only errors\n"
              "  -h, --help, -V, --version\n", f);
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s[0] || s[0] == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* %P %i %u %g %s %t %c %h %e %d. The kernel splits core_pattern at its
 * spaces before it fills in the specifiers, so a comm with spaces stays
 * one argument; older kernels split after: then the middle ones are %e. */
static int parse_specifiers(int n, char **v, struct coredump_args *a) {
        uint64_t x[7], d = 0;
        const char *names[] = { "%P", "%i", "%u", "%g", "%s", "%t", "%c" };
        int last = n;

        if (n < 9) {
                log_msg(LOG_LEVEL_ERR, "needs %%P %%i %%u %%g %%s %%t %%c %%h %%e %%d, got %d arguments", n);
                return -EINVAL;
        }
        for (int i = 0; i < 7; i++)
                if (parse_u64(v[i], &x[i]) < 0) {
                        log_msg(LOG_LEVEL_ERR, "bad %s '%s'", names[i], v[i]);
                        return -EINVAL;
                }
        if (x[0] == 0 || x[0] > INT32_MAX || x[2] > UINT32_MAX || x[3] > UINT32_MAX || x[4] == 0 || x[4] >= 65) {
                log_msg(LOG_LEVEL_ERR, "pid, ids or signal out of range");
                return -EINVAL;
        }
        a->pid = x[0];
        a->tid = x[1];
        a->uid = (uint32_t) x[2];
        a->gid = (uint32_t) x[3];
        a->signo = (int) x[4];
        a->time = x[5];
        a->core_limit = x[6];
        snprintf(a->hostname, sizeof(a->hostname), "%s", v[7]);
        a->dump_mode = -1;
        if (n >= 10 && parse_u64(v[n - 1], &d) == 0 && d <= 2) {
                a->dump_mode = (int) d;
                last = n - 1;
        }
        a->comm[0] = 0;
        for (int i = 8; i < last; i++) {
                size_t len = strlen(a->comm);

                snprintf(a->comm + len, sizeof(a->comm) - len, "%s%s", i > 8 ? " " : "", v[i]);
        }
        return 0;
}

/* ---- root's part: /proc, the spool, the temp files ------------------------------- */

static void read_proc(struct job *j, int proc_fd, struct proc_ids *ids) {
        struct coredump_proc *p = &j->proc;
        ssize_t k;

        (void) proc_read_text(proc_fd, "stat", 4096, &p->stat);
        (void) proc_read_text(proc_fd, "maps", MAPS_MAX, &p->maps);
        (void) proc_read_text(proc_fd, "cmdline", 64 * 1024, &p->cmdline);
        (void) proc_read_text(proc_fd, "cgroup", 4096, &p->cgroup);
        /* Its root (a container's): the host stream's files are read in
         * it, by the unprivileged process, never by root. */
        p->root_fd = openat(proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (j->cfg.capture_env)
                (void) proc_read_text(proc_fd, "environ", 256 * 1024, &p->environ);
        k = readlinkat(proc_fd, "exe", p->exe, sizeof(p->exe) - 1);
        p->exe[k > 0 ? k : 0] = 0;
        p->ns_pid = ids->ns_pid;
        (void) proc_thread_names(proc_fd, ids->namespaced, &p->names, &p->n_names);
        /* The files' bytes the kernel leaves out: opening map_files needs
         * CAP_SYS_ADMIN. */
        if (j->privileged && p->maps.text)
                (void) proc_map_files(proc_fd, p->maps.text, p->maps.len, j->a.uid, j->a.gid, &p->files,
                                      &p->n_files);
}

/* The comm in the file name: /proc/PID/comm is the process's (the
 * dumper's, too: it names dumps by /proc/PID/stat's comm). */
static void comm_for_name(struct job *j, int proc_fd, char *buf, size_t size) {
        struct capture_text t = { 0 };

        snprintf(buf, size, "%s", j->a.comm);
        if (proc_fd >= 0 && proc_read_text(proc_fd, "comm", 64, &t) == 0) {
                while (t.len > 0 && t.text[t.len - 1] == '\n')
                        t.text[--t.len] = 0;
                if (t.len)
                        snprintf(buf, size, "%s", t.text);
                free(t.text);
        }
}

static int open_dir(const char *path, mode_t mode, bool create) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT && create) {
                if (mkdir(path, mode) < 0 && errno != EEXIST)
                        return -errno;
                fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        (void) fchmod(fd, mode);        /* umask aside */
        }
        return fd < 0 ? -errno : fd;
}

/* A temp file in dir_fd that only its owner (the crashed user, or root)
 * reads: made by root, given away before anyone writes to it. */
static int create_temp(const struct job *j, int dir_fd, const char *tmp) {
        int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        if (j->privileged && fchown(fd, j->owner_uid, j->owner_gid) < 0) {
                int r = -errno;

                close(fd);
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        (void) fchmod(fd, 0600);
        return fd;
}

static void notify_daemon(const char *socket_path, const char *dump_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!socket_path[0] || strlen(socket_path) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
        /* As the dumper: a datagram with the path, never waiting (the
         * daemon also watches the spool). */
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return;
        (void) sendto(fd, dump_path, strlen(dump_path), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &sa,
                      sizeof(sa));
        close(fd);
}

/* ---- the unprivileged part ----------------------------------------------------------- */

struct tee {
        struct job *j;
        int null_fd;                    /* /dev/null, for splice(); -1 none */
        ZSTD_CCtx *z;                   /* NULL: no core kept */
        uint64_t fed;                   /* core bytes given to z */
        uint64_t written;               /* compressed bytes written */
        uint64_t total;                 /* bytes read from stdin */
        bool failed;
        uint8_t *out;
        size_t out_size;
};

static int tee_flush(struct tee *t, ZSTD_inBuffer *in, ZSTD_EndDirective mode) {
        for (;;) {
                ZSTD_outBuffer o = { t->out, t->out_size, 0 };
                size_t left = ZSTD_compressStream2(t->z, &o, in, mode);

                if (ZSTD_isError(left))
                        return -EIO;
                if (o.pos && proto_write_all(t->j->core_fd, t->out, o.pos) < 0)
                        return -EIO;
                t->written += o.pos;
                if (mode == ZSTD_e_end ? left == 0 : in->pos == in->size)
                        return 0;
        }
}

static void tee_feed(struct tee *t, const void *buf, size_t n) {
        ZSTD_inBuffer in;

        if (!t->z || t->failed || t->fed >= t->j->core_max)
                return;
        /* Cut at the limit, as the kernel cuts a core file at RLIMIT_CORE. */
        if (n > t->j->core_max - t->fed)
                n = (size_t) (t->j->core_max - t->fed);
        in = (ZSTD_inBuffer) { buf, n, 0 };
        if (tee_flush(t, &in, ZSTD_e_continue) < 0) {
                t->failed = true;
                log_msg(LOG_LEVEL_ERR, "writing the core failed: it is not kept");
        }
        t->fed += n;
}

static ssize_t stdin_read(void *userdata, void *buf, size_t n) {
        struct tee *t = userdata;
        ssize_t k = read(STDIN_FILENO, buf, n);

        if (k < 0)
                return -errno;
        t->total += (uint64_t) k;
        tee_feed(t, buf, (size_t) k);
        return k;
}

/* Bytes nobody needs: spliced into /dev/null, never copied to us, unless
 * the core is being kept (then they are read, to be compressed). */
static ssize_t stdin_skip(void *userdata, size_t n) {
        struct tee *t = userdata;
        uint8_t buf[64 * 1024];
        ssize_t k;

        if (!t->z && t->null_fd >= 0) {
                k = splice(STDIN_FILENO, NULL, t->null_fd, NULL, n, SPLICE_F_MOVE);
                if (k >= 0) {
                        t->total += (uint64_t) k;
                        return k;
                }
                if (errno == EINTR)
                        return -EINTR;
                t->null_fd = -1;        /* stdin is not a pipe (a test's file): read */
        }
        return stdin_read(t, buf, n < sizeof(buf) ? n : sizeof(buf));
}

static int drop_privileges(const struct job *j) {
        uid_t r, e, s;

        if (j->privileged) {
                if (setgroups(0, NULL) < 0 || setresgid(j->run_gid, j->run_gid, j->run_gid) < 0 ||
                    setresuid(j->run_uid, j->run_uid, j->run_uid) < 0)
                        return -errno;
                if (getresuid(&r, &e, &s) < 0 || r != j->run_uid || e != j->run_uid || s != j->run_uid ||
                    (j->run_uid != 0 && setuid(0) == 0))
                        return -EPERM;
        }
        /* Not ptraceable, not readable through /proc by the crashed user,
         * and no way back up. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        return 0;
}

static void send_status(const struct job *j, char what, const void *data, size_t n) {
        (void) proto_write_all(j->status_fd, &what, 1);
        if (n)
                (void) proto_write_all(j->status_fd, data, n);
}

static int write_dump(struct job *j, const struct core *core, struct child_facts *facts) {
        static struct capture c;
        struct dumper_config budgets = {
                .capture_env = j->cfg.capture_env,
                .stack_crashed_max = j->cfg.stack_max,
                .stack_other_max = j->cfg.thread_stack_max,
                .indirect_max = j->cfg.heap_max,
                .globals_max = j->cfg.globals_max,
                .lib_globals_max = j->cfg.lib_globals_max,
                .dump_max = 64u << 20,  /* as the dumper's */
        };
        char err[256] = "";
        size_t ws_size = proto_zstd_workspace_size();
        void *ws;
        struct stat st;
        int r;

        r = coredump_build(&c, core, &j->proc, &j->a, &budgets, j->time_ns, err, sizeof(err));
        if (r < 0) {
                coredump_capture_free(&c);
                return log_errno(r, "pid %llu: no dump: %s", (unsigned long long) j->a.pid, err);
        }
        facts->dump_raw = c.out.size;
        ws = aligned_alloc(64, (ws_size + 63) & ~(size_t) 63);
        r = ws ? proto_zstd_write(j->dump_fd, c.out.data, c.out.size, ws, ws_size) : -ENOMEM;
        free(ws);
        coredump_capture_free(&c);
        if (r == 0 && fstat(j->dump_fd, &st) == 0)
                facts->dump_bytes = (uint64_t) st.st_size;
        if (r == 0 && close(j->dump_fd) < 0)
                r = -errno;
        j->dump_fd = -1;
        if (r < 0)
                return log_errno(r, "pid %llu: writing the dump failed", (unsigned long long) j->a.pid);
        return 0;
}

static void child_main(struct job *j) {
        struct core core = { 0 };
        struct core_limits lim;
        struct child_facts facts = { 0 };
        struct tee tee = { .j = j, .null_fd = -1 };
        struct core_input in = { stdin_read, stdin_skip, &tee };
        struct rlimit as;
        struct rusage ru;
        char err[256] = "";
        uint8_t *drain;
        int r;

        (void) signal(SIGPIPE, SIG_IGN);
        r = drop_privileges(j);
        if (r < 0) {
                log_errno(r, "cannot drop privileges to %u:%u", (unsigned) j->run_uid, (unsigned) j->run_gid);
                _exit(1);
        }
        /* A backstop under the budgets below: whatever the core says, this
         * process cannot take more than this. */
        as.rlim_cur = as.rlim_max = (rlim_t) (j->cfg.buffer_max * 2 + (UINT64_C(1) << 30));
#if !defined(__SANITIZE_ADDRESS__)
        /* (ASan's shadow alone is terabytes of address space.) */
        (void) setrlimit(RLIMIT_AS, &as);
#endif

        tee.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (j->core_fd >= 0) {
                tee.z = ZSTD_createCCtx();
                tee.out_size = ZSTD_CStreamOutSize();
                tee.out = malloc(tee.out_size);
                if (!tee.z || !tee.out ||
                    ZSTD_isError(ZSTD_CCtx_setParameter(tee.z, ZSTD_c_compressionLevel, 1)) ||
                    ZSTD_isError(ZSTD_CCtx_setParameter(tee.z, ZSTD_c_checksumFlag, 1)))
                        tee.failed = true;
        }

        /* No dump to write (libcrashdump.so wrote it): nothing to parse. */
        if (j->dump_fd >= 0) {
                core_limits_default(&lim);
                lim.buffer_max = (size_t) j->cfg.buffer_max;
                lim.stack_crashed_max = (size_t) j->cfg.stack_max;
                lim.stack_other_max = (size_t) j->cfg.thread_stack_max;
                lim.crashing_tid = (uint32_t) j->a.tid;
                /* Three quarters of the time to read, the rest to write
                 * the dump of what came in that time. */
                lim.deadline_ns = j->start_ns + (uint64_t) j->cfg.timeout * 750000000u;
                r = core_read(&core, &in, &lim, err, sizeof(err));
                if (r < 0)
                        log_errno(r, "pid %llu: the core: %s", (unsigned long long) j->a.pid, err);
                else if (core.timed_out)
                        log_msg(LOG_LEVEL_WARNING, "pid %llu: %llu bytes of the core read in time; the dump has "
                                "what they hold", (unsigned long long) j->a.pid, (unsigned long long) core.bytes_read);
                else if (core.truncated)
                        log_msg(LOG_LEVEL_WARNING, "pid %llu: the core ends early (%llu of %llu bytes)",
                                (unsigned long long) j->a.pid, (unsigned long long) core.bytes_read,
                                (unsigned long long) core.stream_end);
                facts.buffered = core.buffered;
                if (core.n_threads > 0 && write_dump(j, &core, &facts) == 0) {
                        facts.dump_done_ns = now_ns(CLOCK_MONOTONIC);
                        send_status(j, STATUS_DUMP, NULL, 0);
                }
                /* What is known so far, should the drain be cut short. */
                facts.core_bytes = tee.total;
                send_status(j, STATUS_FACTS, &facts, sizeof(facts));
                core_free(&core);
        }

        /* The rest of the core, to its end: the kernel then finishes the
         * dump as it would have (the process dies "core dumped"). */
        drain = malloc(DRAIN_CHUNK);
        while (drain && (r = (int) stdin_skip(&tee, DRAIN_CHUNK)) != 0)
                if (r < 0 && r != -EINTR)
                        break;
        free(drain);
        if (tee.z && !tee.failed) {
                ZSTD_inBuffer none = { NULL, 0, 0 };

                if (tee_flush(&tee, &none, ZSTD_e_end) == 0 && close(j->core_fd) == 0) {
                        j->core_fd = -1;
                        facts.core_zst_bytes = tee.written;
                        if (tee.fed < tee.total)
                                log_msg(LOG_LEVEL_WARNING, "pid %llu: the core kept is cut at %llu bytes of %llu",
                                        (unsigned long long) j->a.pid, (unsigned long long) tee.fed,
                                        (unsigned long long) tee.total);
                        send_status(j, STATUS_CORE, NULL, 0);
                }
        }
        facts.core_bytes = tee.total;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
                facts.maxrss_kib = (uint64_t) ru.ru_maxrss;
        send_status(j, STATUS_FACTS, &facts, sizeof(facts));
        ZSTD_freeCCtx(tee.z);
        free(tee.out);
        _exit(0);
}

/* ---- root again: wait, rename, tell ------------------------------------------------- */

static void finish(struct job *j, const char *tmp, const char *name, int dir_fd, bool done, const char *what) {
        if (!done) {
                (void) unlinkat(dir_fd, tmp, 0);
                return;
        }
        if (renameat2(dir_fd, tmp, dir_fd, name, RENAME_NOREPLACE) < 0) {
                log_errno(-errno, "pid %llu: cannot put the %s in place", (unsigned long long) j->a.pid, what);
                (void) unlinkat(dir_fd, tmp, 0);
        }
}

static void write_stats(const struct job *j, const struct child_facts *f, uint64_t start_ns, bool dumped,
                        bool cored) {
        char line[512];
        int fd, n;

        if (!j->cfg.stats[0])
                return;
        n = snprintf(line, sizeof(line),
                     "pid=%llu start_ns=%llu dump_done_ns=%llu exit_ns=%llu core_bytes=%llu buffered=%llu "
                     "dump_raw=%llu dump_bytes=%llu core_zst_bytes=%llu maxrss_kib=%llu preload=%d dump=%d core=%d uid=%u\n",
                     (unsigned long long) j->a.pid, (unsigned long long) start_ns,
                     (unsigned long long) f->dump_done_ns, (unsigned long long) now_ns(CLOCK_MONOTONIC),
                     (unsigned long long) f->core_bytes, (unsigned long long) f->buffered,
                     (unsigned long long) f->dump_raw, (unsigned long long) f->dump_bytes,
                     (unsigned long long) f->core_zst_bytes, (unsigned long long) f->maxrss_kib, j->preload_dumped,
                     dumped, cored,
                     (unsigned) j->run_uid);
        fd = open(j->cfg.stats, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0) {
                (void) proto_write_all(fd, line, (size_t) n);
                close(fd);
        }
}

static int run(struct job *j, uint64_t start_ns) {
        _cleanup_close_ int proc_fd = -1;
        struct proc_ids ids = { 0 };
        struct capture_text status = { 0 };
        struct child_facts facts = { 0 };
        struct rusage ru = { 0 };
        char comm[64], path[PATH_MAX + 200];
        bool dumped = false, cored = false;
        int status_pipe[2], r;
        pid_t pid;

        j->privileged = geteuid() == 0;
        j->spool_fd = j->core_dir_fd = j->dump_fd = j->core_fd = -1;

        /* The process, held by the kernel. Its ids are the kernel's word
         * (status), checked against the arguments; nothing in the core
         * decides who owns the dump. */
        snprintf(path, sizeof(path), "/proc/%llu", (unsigned long long) j->a.pid);
        proc_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd >= 0 && proc_read_text(proc_fd, "status", 16384, &status) == 0) {
                proc_parse_ids(status.text, status.len, &ids);
                j->proc.status = status;
        }
        if (!ids.have_uid || !ids.have_gid) {
                /* The kernel keeps the process until we have read its core;
                 * root without it is not run by the kernel. Anyone else may
                 * run us by hand on a core (tests): the core's facts only. */
                if (j->privileged)
                        return log_errno(-ESRCH, "no process %llu", (unsigned long long) j->a.pid);
                if (proc_fd >= 0)
                        close(proc_fd);
                proc_fd = -1;
        } else if (ids.uid[0] != j->a.uid || ids.gid[0] != j->a.gid) {
                return log_errno(-EPERM, "pid %llu is %u:%u, not %u:%u as the arguments say",
                                 (unsigned long long) j->a.pid, ids.uid[0], ids.gid[0], j->a.uid, j->a.gid);
        }
        /* setuid or setgid (the ids differ), or dumpable only as root
         * (fs.suid_dumpable = 2, %d 2): the dump is root's alone. */
        for (int i = 1; i < 4 && proc_fd >= 0; i++)
                if (ids.uid[i] != ids.uid[0] || ids.gid[i] != ids.gid[0])
                        j->setuid_like = true;
        if (j->a.dump_mode == 2)
                j->setuid_like = true;
        j->owner_uid = j->setuid_like ? 0 : j->a.uid;
        j->owner_gid = j->setuid_like ? 0 : j->a.gid;
        /* Parsing needs nothing of anyone's: root's crashes are parsed as
         * nobody. */
        j->run_uid = j->a.uid ? j->a.uid : NOBODY;
        j->run_gid = j->a.uid ? j->a.gid : NOBODY;
        if (!j->privileged) {
                j->run_uid = geteuid();
                j->run_gid = getegid();
        }

        if (proc_fd >= 0) {
                j->preload_dumped = proc_preload_dumped(proc_fd, ids.ns_pid ? ids.ns_pid : (uint32_t) j->a.pid);
                read_proc(j, proc_fd, &ids);
        }
        comm_for_name(j, proc_fd, comm, sizeof(comm));
        if (j->preload_dumped)
                log_msg(LOG_LEVEL_INFO, "pid %llu (%s): libcrashdump.so dumped it already", (unsigned long long) j->a.pid,
                        comm);

        if (!j->preload_dumped) {
                r = open_dir(j->cfg.spool, 01733, j->privileged && strcmp(j->cfg.spool, COREDUMP_SPOOL) == 0);
                if (r < 0)
                        return log_errno(r, "cannot open the spool %s", j->cfg.spool);
                j->spool_fd = r;
                capture_file_name(comm, ids.ns_pid ? ids.ns_pid : j->a.pid, j->time_ns, ".dmp.zst", j->name,
                                  sizeof(j->name));
                snprintf(j->tmp, sizeof(j->tmp), ".%s.tmp", j->name);
                j->dump_fd = create_temp(j, j->spool_fd, j->tmp);
                if (j->dump_fd < 0)
                        return log_errno(j->dump_fd, "cannot create %s/%s", j->cfg.spool, j->tmp);
        }
        /* The whole core too, when asked, unless the process's own limit
         * says no core (%c 0; 1 never gets here, the kernel stops). */
        j->core_max = j->cfg.core_max < j->a.core_limit ? j->cfg.core_max : j->a.core_limit;
        if (j->cfg.keep_core && j->core_max > 0) {
                r = open_dir(j->cfg.core_dir, 0755, j->privileged);
                if (r < 0)
                        log_errno(r, "cannot open %s: the core is not kept", j->cfg.core_dir);
                else {
                        j->core_dir_fd = r;
                        capture_file_name(comm, ids.ns_pid ? ids.ns_pid : j->a.pid, j->time_ns, ".core.zst",
                                          j->core_name, sizeof(j->core_name));
                        snprintf(j->core_tmp, sizeof(j->core_tmp), ".%s.tmp", j->core_name);
                        j->core_fd = create_temp(j, j->core_dir_fd, j->core_tmp);
                        if (j->core_fd < 0)
                                log_errno(j->core_fd, "cannot create %s/%s", j->cfg.core_dir, j->core_tmp);
                }
        }

        if (pipe2(status_pipe, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
                r = log_errno(-errno, "cannot start the process that reads the core");
                if (j->spool_fd >= 0)
                        finish(j, j->tmp, j->name, j->spool_fd, false, "dump");
                if (j->core_dir_fd >= 0 && j->core_fd >= 0)
                        finish(j, j->core_tmp, j->core_name, j->core_dir_fd, false, "core");
                return r;
        }
        if (pid == 0) {
                /* Only what it writes to and reads from: not /proc, not
                 * the directories. */
                close(status_pipe[0]);
                if (proc_fd >= 0)
                        close(proc_fd);
                proc_fd = -1;
                if (j->spool_fd >= 0)
                        close(j->spool_fd);
                if (j->core_dir_fd >= 0)
                        close(j->core_dir_fd);
                j->status_fd = status_pipe[1];
                child_main(j);
        }
        child_pid = pid;
        /* Only the other process reads the core: the kernel lets the
         * crashed process go when it is done with it. */
        close(STDIN_FILENO);
        close(status_pipe[1]);
        if (j->dump_fd >= 0)
                close(j->dump_fd);
        if (j->core_fd >= 0)
                close(j->core_fd);
        proc_close_files(j->proc.files, j->proc.n_files);
        j->proc.files = NULL;
        j->proc.n_files = 0;

        for (;;) {
                char what;
                ssize_t k = read(status_pipe[0], &what, 1);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (what == STATUS_DUMP && !dumped && j->spool_fd >= 0) {
                        finish(j, j->tmp, j->name, j->spool_fd, true, "dump");
                        dumped = true;
                        snprintf(path, sizeof(path), "%s/%s", j->cfg.spool, j->name);
                        notify_daemon(j->cfg.socket, path);
                        log_msg(LOG_LEVEL_INFO, "pid %llu (%s), signal %d: %s", (unsigned long long) j->a.pid,
                                comm, j->a.signo, path);
                } else if (what == STATUS_CORE && !cored && j->core_dir_fd >= 0) {
                        finish(j, j->core_tmp, j->core_name, j->core_dir_fd, true, "core");
                        cored = true;
                } else if (what == STATUS_FACTS) {
                        size_t got = 0;

                        while (got < sizeof(facts)) {
                                k = read(status_pipe[0], (char *) &facts + got, sizeof(facts) - got);
                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k <= 0)
                                        break;
                                got += (size_t) k;
                        }
                }
        }
        close(status_pipe[0]);
        /* Its peak memory even when it was killed (the kernel's count). */
        while (wait4(pid, NULL, 0, &ru) < 0 && errno == EINTR)
                ;
        if (!facts.maxrss_kib)
                facts.maxrss_kib = (uint64_t) ru.ru_maxrss;
        if (timed_out)
                log_msg(LOG_LEVEL_ERR, "pid %llu: timed out after %u s%s", (unsigned long long) j->a.pid,
                        j->cfg.timeout, dumped ? " (the dump is in place)" : "");
        if (j->spool_fd >= 0 && !dumped)
                finish(j, j->tmp, j->name, j->spool_fd, false, "dump");
        if (j->core_dir_fd >= 0 && !cored)
                finish(j, j->core_tmp, j->core_name, j->core_dir_fd, false, "core");
        write_stats(j, &facts, start_ns, dumped, cored);
        return dumped || j->preload_dumped ? 0 : -EIO;
}

int main(int argc, char **argv) {
        static struct job j;
        uint64_t start_ns = now_ns(CLOCK_MONOTONIC), now;
        const char *config_path = COREDUMP_CONFIG_FILE;
        char err[512];
        struct sigaction sa = { .sa_handler = on_alarm };
        int i, r;

        fix_std_fds();
        umask(077);
        /* The kernel's pipe holds 64 KiB: a switch between the crashing
         * process writing its core and us reading it every 64 KiB. 1 MiB
         * (pipe-max-size's default; root may go past it) makes a 30 MiB
         * core of mostly zeros (threads' stacks) cost a few milliseconds
         * less. Not a pipe (a test's file): nothing. */
        (void) fcntl(STDIN_FILENO, F_SETPIPE_SZ, 1 << 20);
        config_defaults(&j.cfg);

        /* The config file first (wherever -c says), then the command line
         * over it. */
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
                        config_path = argv[++i];
                else if (!strncmp(argv[i], "--config=", 9))
                        config_path = argv[i] + 9;
                else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
                        printf("crashd-coredump %s\n", CRASHD_VERSION);
                        return 0;
                } else if (!strcmp(argv[i], "--"))
                        break;
                else if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--spool") || !strcmp(argv[i], "-o") ||
                          !strcmp(argv[i], "--stats")) && i + 1 < argc)
                        i++;
        }
        if (config_path[0]) {
                /* All of the file or none of it. */
                static struct coredump_config file;

                file = j.cfg;
                if (config_load(&file, config_path, geteuid() == 0, err, sizeof(err)) < 0)
                        log_msg(LOG_LEVEL_ERR, "%s (none of its settings are used)", err);
                else
                        j.cfg = file;
        }
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

                r = 0;
                if (!strcmp(opt, "--")) {
                        i++;
                        break;
                } else if ((!strcmp(opt, "-c") || !strcmp(opt, "--config")) && val)
                        i++;
                else if (!strncmp(opt, "--config=", 9))
                        ;
                else if ((!strcmp(opt, "-s") || !strcmp(opt, "--spool")) && val) {
                        r = config_set(&j.cfg, "spool", val, err, sizeof(err));
                        i++;
                } else if (!strncmp(opt, "--spool=", 8))
                        r = config_set(&j.cfg, "spool", opt + 8, err, sizeof(err));
                else if (!strcmp(opt, "--stats") && val) {
                        r = config_set(&j.cfg, "stats", val, err, sizeof(err));
                        i++;
                } else if (!strcmp(opt, "--keep-core"))
                        j.cfg.keep_core = true;
                else if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose"))
                        j.cfg.verbose = true;
                else if (!strcmp(opt, "-o") && val) {
                        char key[64];
                        const char *eq = strchr(val, '=');

                        if (!eq || (size_t) (eq - val) >= sizeof(key)) {
                                snprintf(err, sizeof(err), "-o wants KEY=VALUE, not '%s'", val);
                                r = -EINVAL;
                        } else {
                                memcpy(key, val, (size_t) (eq - val));
                                key[eq - val] = 0;
                                r = config_set(&j.cfg, key, eq + 1, err, sizeof(err));
                        }
                        i++;
                } else {
                        snprintf(err, sizeof(err), "unknown option '%s'", opt);
                        r = -EINVAL;
                }
                if (r < 0) {
                        log_msg(LOG_LEVEL_ERR, "%s", err);
                        usage(stderr);
                        return 2;
                }
        }
        log_verbose = j.cfg.verbose;
        if (parse_specifiers(argc - i, argv + i, &j.a) < 0)
                return 2;

        if (sigaction(SIGALRM, &sa, NULL) == 0)
                alarm(j.cfg.timeout);
        now = now_ns(CLOCK_REALTIME);
        /* The crash's time: ours, which has the nanoseconds, when it is the
         * kernel's %t or a moment after; else %t. */
        j.time_ns = now / 1000000000u >= j.a.time && now / 1000000000u - j.a.time < 60
                            ? now : j.a.time * UINT64_C(1000000000);
        j.start_ns = start_ns;
        r = run(&j, start_ns);
        return r < 0 ? 1 : 0;
}
