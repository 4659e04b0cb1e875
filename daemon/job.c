/* SPDX-License-Identifier: MIT */
/* daemon/job.c: a spool file becomes a stored dump and a report (see
 * job.h). Every step that looks at the file trusts only the kernel: the
 * name is checked before use, the entry is lstat'ed and must be a regular
 * file with one link before it is opened (so FIFOs and devices are never
 * opened), it is opened O_NOFOLLOW|O_NONBLOCK and checked again, and its
 * size is capped before and while reading and while decompressing. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <zstd.h>

#include "creds.h"
#include "job.h"
#include "writer.h"
#include "packages.h"
#include "programs.h"
#include "paths.h"
#include "sentry-envelope.h"
#include "signature.h"
#include "util.h"

#define NAME_LEN_MAX 200

bool job_name_ok(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n > NAME_LEN_MAX || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-' || c == '+' || c == '@'))
                        return false;
        }
        return str_has_suffix(name, ".dmp.zst") || str_has_suffix(name, ".dmp");
}

static int set_status(struct job *j, enum job_status status, int error, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int set_status(struct job *j, enum job_status status, int error, const char *fmt, ...) {
        va_list ap;

        j->status = status;
        j->error = error;
        va_start(ap, fmt);
        (void) vsnprintf(j->reason, sizeof(j->reason), fmt, ap);
        va_end(ap);
        return -1;
}

static bool is_transient(int e) {
        return e == ENOMEM || e == EMFILE || e == ENFILE || e == ENOSPC || e == EDQUOT || e == EIO ||
               e == EROFS || e == EAGAIN || e == EINTR || e == ENOBUFS;
}

static const char *file_kind(mode_t m) {
        if (S_ISLNK(m)) return "a symbolic link";
        if (S_ISDIR(m)) return "a directory";
        if (S_ISFIFO(m)) return "a FIFO";
        if (S_ISSOCK(m)) return "a socket";
        if (S_ISCHR(m)) return "a character device";
        if (S_ISBLK(m)) return "a block device";
        return "not a regular file";
}

/* An upload (crashd's own file, named by upload.c) has the peer's address
 * beside it in state/uploads/; nothing else has facts there. */
static void read_upload_facts(struct job *j) {
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (!paths_is_upload(j->uid, j->name))
                return;
        fd = openat(j->uploads_fd, j->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return;
        n = read(fd, j->upload_from, sizeof(j->upload_from) - 1);
        j->upload_from[n > 0 ? n : 0] = 0;
}

/* Reads the spool file into *ret. */
static int load(struct job *j, uint8_t **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st, st2;
        size_t got = 0;

        if (fstatat(j->spool_fd, j->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return set_status(j, JOB_GONE, 0, "gone");
                return set_status(j, is_transient(errno) ? JOB_RETRY : JOB_BAD, -errno, "cannot stat: %m");
        }
        j->uid = st.st_uid;
        j->gid = st.st_gid;
        j->dev = st.st_dev;
        j->ino = st.st_ino;
        if (!job_name_ok(j->name))
                return set_status(j, JOB_BAD, 0, "not a dump's name (expected NAME.dmp.zst or NAME.dmp)");
        if (!S_ISREG(st.st_mode))
                return set_status(j, JOB_BAD, 0, "%s", file_kind(st.st_mode));

        fd = openat(j->spool_fd, j->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return set_status(j, JOB_GONE, 0, "gone");
                if (errno == ELOOP)
                        return set_status(j, JOB_BAD, 0, "a symbolic link");
                return set_status(j, is_transient(errno) ? JOB_RETRY : JOB_BAD, -errno, "cannot open: %m");
        }
        if (fstat(fd, &st2) < 0)
                return set_status(j, JOB_RETRY, -errno, "cannot stat: %m");
        /* Swapped between the lstat and the open: judge what we opened. */
        if (!S_ISREG(st2.st_mode))
                return set_status(j, JOB_BAD, 0, "%s", file_kind(st2.st_mode));
        j->uid = st2.st_uid;
        j->gid = st2.st_gid;
        j->dev = st2.st_dev;
        j->ino = st2.st_ino;
        read_upload_facts(j);
        /* A second link would let a user hand us a file they do not own
         * under a name they do (where protected_hardlinks is off). */
        if (st2.st_nlink != 1)
                return set_status(j, JOB_BAD, 0, "has %lu hard links", (unsigned long) st2.st_nlink);
        if (st2.st_size == 0)
                return set_status(j, JOB_BAD, 0, "empty");
        if ((uint64_t) st2.st_size > j->limits.max_dump_size)
                return set_status(j, JOB_BAD, 0, "%llu bytes, more than max_dump_size (%llu)",
                                  (unsigned long long) st2.st_size, (unsigned long long) j->limits.max_dump_size);

        buf = malloc((size_t) st2.st_size + 1);
        if (!buf)
                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
        /* One byte more than the size: a file that is still growing is
         * not one the dumper finished (it renames only when done). */
        while (got <= (size_t) st2.st_size) {
                ssize_t k = read(fd, buf + got, (size_t) st2.st_size + 1 - got);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return set_status(j, is_transient(errno) ? JOB_RETRY : JOB_BAD, -errno, "read error: %m");
                }
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        if (got != (size_t) st2.st_size)
                return set_status(j, JOB_BAD, 0, "changed size while being read");
        j->size = got;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* zstd frames become the raw minidump, capped at max_raw_size (a small
 * file can claim to expand to anything). Raw files pass as they are. */
static int decompress(struct job *j, const uint8_t *in, size_t n, uint8_t **ret, size_t *ret_size) {
        static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
        _cleanup_free_ uint8_t *out = NULL;
        ZSTD_DStream *z;
        ZSTD_inBuffer ib = { in, n, 0 };
        size_t cap = 64 * 1024, used = 0, ret_code = 1;

        if (n < 4 || memcmp(in, zstd_magic, 4) != 0) {
                *ret = NULL;
                *ret_size = 0;
                return 0;
        }
        z = ZSTD_createDStream();
        if (!z)
                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
        /* The window is memory zstd allocates on the frame's say-so: 16 MiB
         * is far more than the dumper's frames ask for. */
        (void) ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 24);
        out = malloc(cap);
        if (!out) {
                ZSTD_freeDStream(z);
                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
        }
        while (ib.pos < ib.size || ret_code != 0) {
                ZSTD_outBuffer ob;

                if (used == cap) {
                        uint8_t *bigger;

                        if (cap >= j->limits.max_raw_size) {
                                ZSTD_freeDStream(z);
                                return set_status(j, JOB_BAD, 0, "decompresses to more than %llu bytes",
                                                  (unsigned long long) j->limits.max_raw_size);
                        }
                        cap = cap * 2 > j->limits.max_raw_size ? j->limits.max_raw_size : cap * 2;
                        bigger = realloc(out, cap);
                        if (!bigger) {
                                ZSTD_freeDStream(z);
                                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                        }
                        out = bigger;
                }
                ob = (ZSTD_outBuffer) { out, cap, used };
                ret_code = ZSTD_decompressStream(z, &ob, &ib);
                used = ob.pos;
                if (ZSTD_isError(ret_code)) {
                        ZSTD_freeDStream(z);
                        return set_status(j, JOB_BAD, 0, "not valid zstd data: %s", ZSTD_getErrorName(ret_code));
                }
                if (ib.pos == ib.size && ret_code != 0 && ob.pos < ob.size) {
                        ZSTD_freeDStream(z);
                        return set_status(j, JOB_BAD, 0, "truncated zstd data");
                }
        }
        ZSTD_freeDStream(z);
        *ret = TAKE_PTR(out);
        *ret_size = used;
        return 0;
}

static char *hex_dup(const uint8_t *p, size_t n) {
        static const char hex[] = "0123456789abcdef";
        char *s = malloc(2 * n + 1);

        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = hex[p[i] >> 4];
                s[2 * i + 1] = hex[p[i] & 15];
        }
        s[2 * n] = 0;
        return s;
}

static const char *basename_of(const char *path) {
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

/* What the list shows: pid, signal, time, program, executable, build-id.
 * From crashd's crash info, else Breakpad's exception stream. */
static int summarize(struct job *j, const struct proto_dump *d) {
        const struct proto_thread *t = proto_dump_crashing_thread(d);
        const char *program = NULL;

        if (d->has_crash_info) {
                const struct proto_crash_info *ci = &d->crash_info;

                j->pid = ci->pid;
                j->signo = (ci->flags & PROTO_CRASH_REQUESTED) ? 0 : ci->si_signo;
                j->code = (int32_t) ci->si_code;
                j->crash_time_ns = ci->crash_time_ns;
        } else if (d->has_exception) {
                uint32_t code = d->exception.exception_record.exception_code;

                j->signo = code == MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED ? 0 : code;
                j->code = (int32_t) d->exception.exception_record.exception_flags;
                j->crash_time_ns = (uint64_t) d->header.time_date_stamp * 1000000000u;
        }
        if (j->signo > 64)
                j->signo = 0;
        if (d->n_modules > 0 && d->modules[0].name && d->modules[0].name[0]) {
                j->executable = strdup(d->modules[0].name);
                if (!j->executable)
                        return -ENOMEM;
                if (d->modules[0].build_id_size > 0) {
                        j->build_id = hex_dup(d->modules[0].build_id, d->modules[0].build_id_size);
                        if (!j->build_id)
                                return -ENOMEM;
                }
        }
        /* The process's name, as coredumpctl's COMM: its main thread's
         * comm (the thread whose id is the pid), not the crashing
         * thread's ("worker-2"); else the executable's last part. */
        for (size_t i = 0; i < d->n_threads && !program; i++)
                if (j->pid && d->threads[i].tid == j->pid && d->threads[i].has_info && d->threads[i].info.name[0])
                        program = d->threads[i].info.name;
        if (!program && j->executable)
                program = basename_of(j->executable);
        if (!program && t && t->has_info && t->info.name[0])
                program = t->info.name;
        if (program) {
                j->program = strndup(program, 255);
                if (!j->program)
                        return -ENOMEM;
        }
        return 0;
}

static int to_string(int (*fmt_text)(FILE *, const struct symb_report *),
                     int (*fmt_json)(FILE *, const struct symb_report *, const char *const *),
                     const struct symb_report *rep, char **ret, size_t *ret_len) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int r;

        if (!f)
                return -ENOMEM;
        r = fmt_text ? fmt_text(f, rep) : fmt_json(f, rep, /* mask= */ NULL);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* The symbolication runs with the owner's file identity (creds.c), so
 * that a dump can only make crashd read module and debug files its owner
 * could read (a dump names them, and a dump is whatever its owner wrote).
 * An upload belongs to crashd itself, but anyone may have sent it: it is
 * symbolicated as upload_user. */

static char **strv_dup(char **l) {
        size_t n = 0;
        char **c;

        while (l && l[n])
                n++;
        c = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        for (size_t k = 0; k < i; k++)
                                free(c[k]);
                        free(c);
                        return NULL;
                }
        return c;
}

static void strv_free_(char **l) {
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

/* The dump's tags plus the section's, the program's own winning on a
 * key both have, within the dumper's limit of 64. */
static int add_tags(struct proto_dump *d, char **tags) {
        for (char **t = tags; t && *t; t++) {
                const char *eq = strchr(*t, '=');
                size_t k = (size_t) (eq - *t);
                struct proto_tag *grown;
                bool have = false;

                for (size_t i = 0; i < d->n_tags && !have; i++)
                        have = strlen(d->tags[i].key) == k && strncmp(d->tags[i].key, *t, k) == 0;
                if (have || d->n_tags >= 64)
                        continue;
                grown = realloc(d->tags, (d->n_tags + 1) * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                d->tags = grown;
                memset(&d->tags[d->n_tags], 0, sizeof(*grown));
                memcpy(d->tags[d->n_tags].key, *t, k < PROTO_TAG_KEY_MAX - 1 ? k : PROTO_TAG_KEY_MAX - 1);
                snprintf(d->tags[d->n_tags].value, PROTO_TAG_VALUE_MAX, "%s", eq + 1);
                d->n_tags++;
        }
        return 0;
}

/* The crash's [program] section (programs.h): collection off, its own
 * mask, tags, limits and Sentry DSN. */
static int apply_program_rule(struct job *j, struct proto_dump *d) {
        const struct program_rule *rule = programs_match(j->programs, j->executable, j->program);

        if (!rule)
                return 0;
        if (rule->collect == 0)
                return set_status(j, JOB_IGNORED, 0, "[program %s] has collect = no", rule->pattern);
        if (rule->mask_names) {
                char **m;

                if (j->mask) {
                        if (!(m = strv_dup(rule->mask_names)))
                                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                        strv_free_(j->mask);
                        j->mask = m;
                }
                if (j->sentry_mask) {
                        if (!(m = strv_dup(rule->mask_names)))
                                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                        strv_free_(j->sentry_mask);
                        j->sentry_mask = m;
                }
        }
        if (rule->tags && add_tags(d, rule->tags) < 0)
                return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
        j->loop_keep = rule->loop_keep;
        j->sentry_max_per_group = rule->sentry_max_per_group;
        if (rule->sentry_dsn) {
                if (!(j->sentry_dsn = strdup(rule->sentry_dsn)))
                        return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                /* No DSN for these programs: no event to make. */
                if (!rule->sentry_dsn[0]) {
                        strv_free_(j->sentry_mask);
                        j->sentry_mask = NULL;
                }
        }
        return 0;
}

static int symbolicate(struct job *j, struct symb_context *ctx, const struct proto_dump *d) {
        struct symb_report *rep = NULL;
        char err[512] = "";
        json_t *check;
        int r;

        bool upload = paths_is_upload(j->uid, j->name);
        uid_t as_uid = upload ? j->limits.upload_uid : j->uid;
        gid_t as_gid = upload ? j->limits.upload_gid : j->gid;

        if (j->limits.drop_privileges && !creds_become(as_uid, as_gid)) {
                (void) creds_become(0, 0);
                return set_status(j, JOB_RETRY, -EPERM, "cannot take uid %u's file system identity",
                                  (unsigned) as_uid);
        }
        /* The stored report is masked as it is made (values are masked
         * while printed), so every view of it is: the API, crashctl show,
         * the web page, and the Sentry event made from it. */
        r = symb_context_set_mask_limits(ctx, (const char *const *) j->mask, &j->limits.symb);
        if (r >= 0)
                r = symb_symbolicate(ctx, d, &rep, err, sizeof(err));
        /* The installed package that holds the executable, when the file
         * at the dump's path is the one that crashed (its build-id was
         * checked): a later upgrade is then not taken for the crashed
         * version. Not for uploads: their paths are another machine's. */
        if (r >= 0 && !upload && rep->n_modules > 0 && rep->modules[0].elf_path && rep->modules[0].name &&
            strcmp(rep->modules[0].elf_path, rep->modules[0].name) == 0)
                (void) packages_owner(NULL, rep->modules[0].name, &j->package,
                                      &j->package_version);
        if (r >= 0) {
                r = to_string(NULL, symb_format_json, rep, &j->json, &j->json_len);
                if (r >= 0)
                        r = to_string(symb_format_text, NULL, rep, &j->text, &j->text_len);
                if (r >= 0)
                        r = signature_from_report(rep, j->limits.signature_frames, &j->signature);
                /* The Sentry event is made here, off the loop, from the
                 * report in memory (forward.c queues it); from a masked
                 * one, made again with the mask when the stored one is
                 * not (members can only be masked while printed). */
                if (r >= 0 && j->sentry_mask && !j->mask) {
                        symb_report_free(TAKE_PTR(rep));
                        r = symb_context_set_mask_limits(ctx, (const char *const *) j->sentry_mask,
                                                         &j->limits.symb);
                        if (r >= 0)
                                r = symb_symbolicate(ctx, d, &rep, err, sizeof(err));
                }
                if (r >= 0 && j->sentry_mask)
                        r = sentry_event_make(rep, (const char *const *) j->sentry_mask, j->upload_from,
                                              &j->sentry_event, &j->sentry_event_len, j->event_id);
                if (r == -EINVAL)
                        r = 0;          /* no event: the crash is still stored */
        }
        symb_report_free(rep);
        if (j->limits.drop_privileges && !creds_become(0, 0))
                abort();        /* a worker stuck with a user's identity must not go on */

        if (r == -ENOMEM)
                return set_status(j, JOB_RETRY, r, "out of memory");
        if (r < 0)
                return set_status(j, JOB_BAD, r, "cannot symbolicate: %s", err[0] ? err : strerror(-r));

        /* The report goes out through the API as it is stored: it must
         * parse. A symbolicator bug must not make the crash unreadable. */
        check = json_loadb(j->json, j->json_len, JSON_DECODE_ANY, NULL);
        if (!check) {
                free(j->json);
                j->json = strdup("{\"error\":\"the symbolicator wrote invalid JSON\"}");
                if (!j->json)
                        return set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                j->json_len = strlen(j->json);
        }
        json_decref(check);
        return 0;
}

/* state/dumps/UID-HASH-NAME, written as a temp file and renamed, synced
 * before the rename when asked: the database row that points at it is
 * committed only after this returns. The name is a function of the
 * crash's key, so processing the same spool file twice writes the same
 * file. */
static int store_file(struct job *j, const uint8_t *buf) {
        char tmp[NAME_MAX + 1];
        int fd, r;

        (void) snprintf(j->stored_name, sizeof(j->stored_name), "%u-%.16s-%.200s", (unsigned) j->uid, j->sha256, j->name);
        (void) snprintf(tmp, sizeof(tmp), ".%.240s.tmp", j->stored_name);

        fd = openat(j->dumps_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return set_status(j, JOB_RETRY, -errno, "cannot create the stored dump: %m");
        r = proto_write_all(fd, buf, j->size);
        if (r == 0 && j->limits.sync && fdatasync(fd) < 0)
                r = -errno;
        /* Stored dumps stay the crashed user's files, as in the spool. */
        if (r == 0 && j->limits.drop_privileges)
                (void) fchown(fd, j->uid, j->gid);
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(j->dumps_fd, tmp, j->dumps_fd, j->stored_name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(j->dumps_fd, tmp, 0);
                return set_status(j, JOB_RETRY, r, "cannot write the stored dump: %s", strerror(-r));
        }
        return 0;
}

void job_run(struct job *j, struct symb_context *ctx) {
        _cleanup_free_ uint8_t *buf = NULL, *raw = NULL;
        struct proto_dump *d = NULL;
        uint64_t start = now_ns(CLOCK_MONOTONIC);
        size_t raw_size = 0;
        char err[512] = "";
        int r;

        j->status = JOB_OK;
        if (load(j, &buf) < 0)
                goto out;
        sha256_hex(buf, j->size, j->sha256);
        if (decompress(j, buf, j->size, &raw, &raw_size) < 0)
                goto out;

        r = proto_dump_parse(raw ? raw : buf, raw ? raw_size : j->size, &d, err, sizeof(err));
        if (r >= 0 && j->keep_minidump) {
                /* The plain minidump, for Sentry's event.minidump. */
                if (raw) {
                        j->minidump_len = raw_size;
                        j->minidump = TAKE_PTR(raw);
                } else if ((j->minidump = malloc(j->size))) {
                        memcpy(j->minidump, buf, j->size);
                        j->minidump_len = j->size;
                }
        }
        free(TAKE_PTR(raw));
        if (r == -ENOMEM) {
                set_status(j, JOB_RETRY, r, "out of memory");
                goto out;
        }
        if (r < 0) {
                set_status(j, JOB_BAD, r, "not a minidump: %s", err[0] ? err : strerror(-r));
                goto out;
        }
        if (summarize(j, d) < 0) {
                set_status(j, JOB_RETRY, -ENOMEM, "out of memory");
                goto out;
        }
        if (apply_program_rule(j, d) < 0)
                goto out;
        if (symbolicate(j, ctx, d) < 0)
                goto out;
        (void) store_file(j, buf);
out:
        proto_dump_free(d);
        j->work_ns = now_ns(CLOCK_MONOTONIC) - start;
}

void job_free(struct job *j) {
        if (!j)
                return;
        free(j->program);
        free(j->executable);
        free(j->build_id);
        free(j->package);
        free(j->package_version);
        free(j->sentry_dsn);
        programs_unref(j->programs);
        free(j->signature);
        free(j->json);
        free(j->text);
        for (char **p = j->sentry_mask; p && *p; p++)
                free(*p);
        free(j->sentry_mask);
        for (char **p = j->mask; p && *p; p++)
                free(*p);
        free(j->mask);
        free(j->sentry_event);
        free(j->minidump);
        free(j);
}
