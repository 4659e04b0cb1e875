/* SPDX-License-Identifier: MIT */
/* coredump/proc.c: see proc.h. Runs as root, before privileges are
 * dropped: it reads the kernel's text of /proc/PID/ (what the process
 * can only name, not write: its comm and paths are inside lines whose
 * shape the kernel makes), and opens the mapped files through the
 * kernel's own links, never by a path: map_files/ gives the very file the
 * process mapped, even deleted or in another mount namespace. */
#include "proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "maps.h"
#include "util.h"

#define MAX_THREADS 2048                /* as the dumper's CAPTURE_MAX_THREADS */
#define MAX_FDS_SCANNED 65536
#define MAX_FILE_MAPS 8192
#define MAX_FILES 512                   /* distinct files opened */

int proc_read_text(int dir_fd, const char *name, size_t cap, struct capture_text *ret) {
        _cleanup_close_ int fd = -1;
        char *buf;
        size_t len = 0;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        while (len < cap) {
                ssize_t k = read(fd, buf + len, cap - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = -errno;

                        free(buf);
                        return r;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = 0;
        *ret = (struct capture_text) { buf, len };
        return 0;
}

static void parse_numbers(const char *p, const char *eol, uint32_t *out, size_t max, size_t *ret_n) {
        size_t n = 0;

        while (p < eol && n < max) {
                char *end;
                unsigned long v;

                while (p < eol && (*p == ' ' || *p == '\t'))
                        p++;
                if (p >= eol || *p < '0' || *p > '9')
                        break;
                v = strtoul(p, &end, 10);
                out[n++] = (uint32_t) v;
                p = end;
        }
        *ret_n = n;
}

void proc_parse_ids(const char *text, size_t len, struct proc_ids *ret) {
        const char *p = text, *end = text + len;

        memset(ret, 0, sizeof(*ret));
        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                uint32_t v[32];
                size_t n;

                if (!eol)
                        eol = end;
                if (eol - p > 4 && strncmp(p, "Uid:", 4) == 0) {
                        parse_numbers(p + 4, eol, ret->uid, 4, &n);
                        ret->have_uid = n == 4;
                } else if (eol - p > 4 && strncmp(p, "Gid:", 4) == 0) {
                        parse_numbers(p + 4, eol, ret->gid, 4, &n);
                        ret->have_gid = n == 4;
                } else if (eol - p > 6 && strncmp(p, "NSpid:", 6) == 0) {
                        parse_numbers(p + 6, eol, v, ELEMENTSOF(v), &n);
                        if (n > 0)
                                ret->ns_pid = v[n - 1];
                        ret->namespaced = n > 1;
                }
                p = eol + 1;
        }
}

bool proc_preload_dumped(int proc_fd, uint32_t ns_pid) {
        char want[64];
        size_t want_len;
        struct dirent *de;
        int fd;
        DIR *d;
        bool found = false;
        unsigned scanned = 0;

        want_len = (size_t) snprintf(want, sizeof(want), "/memfd:" PROC_DUMPED_MARKER "%u ", ns_pid);
        fd = openat(proc_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return false;
        }
        while (!found && (de = readdir(d)) && scanned++ < MAX_FDS_SCANNED) {
                char link[256];
                ssize_t k;

                if (de->d_name[0] == '.')
                        continue;
                k = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
                if (k <= 0)
                        continue;
                link[k] = 0;
                /* "/memfd:crashd-dumped:1234 (deleted)" */
                found = (size_t) k >= want_len && memcmp(link, want, want_len) == 0;
        }
        closedir(d);
        return found;
}

int proc_thread_names(int proc_fd, bool namespaced, struct coredump_thread_name **ret, size_t *ret_n) {
        struct coredump_thread_name *names;
        struct dirent *de;
        size_t n = 0;
        int fd;
        DIR *d;

        fd = openat(proc_fd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        names = calloc(MAX_THREADS, sizeof(*names));
        if (!names) {
                closedir(d);
                return -ENOMEM;
        }
        while ((de = readdir(d)) && n < MAX_THREADS) {
                struct coredump_thread_name *t = &names[n];
                struct capture_text text = { 0 };
                char path[64];
                char *end;
                unsigned long tid = strtoul(de->d_name, &end, 10);

                if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end)
                        continue;
                t->tid = (uint32_t) tid;
                if (namespaced) {
                        struct proc_ids ids;

                        snprintf(path, sizeof(path), "%lu/status", tid);
                        if (proc_read_text(dirfd(d), path, 16384, &text) < 0)
                                continue;
                        proc_parse_ids(text.text, text.len, &ids);
                        free(text.text);
                        if (!ids.ns_pid)
                                continue;
                        t->tid = ids.ns_pid;
                }
                snprintf(path, sizeof(path), "%lu/comm", tid);
                if (proc_read_text(dirfd(d), path, sizeof(t->name) - 1, &text) == 0) {
                        size_t k = text.len;

                        while (k > 0 && (text.text[k - 1] == '\n' || text.text[k - 1] == 0))
                                k--;
                        memcpy(t->name, text.text, k);
                        t->name[k] = 0;
                        free(text.text);
                }
                n++;
        }
        closedir(d);
        *ret = names;
        *ret_n = n;
        return 0;
}

struct opened {
        dev_t dev;
        ino_t ino;
        int fd;
};

/* Could uid:gid read the file on its own? Its supplementary groups are
 * not counted: a file readable only through one of them is not read. */
static bool user_may_read(const struct stat *st, uint32_t uid, uint32_t gid) {
        if (uid == 0)
                return true;
        if (st->st_uid == uid)
                return st->st_mode & S_IRUSR;
        if (st->st_gid == gid)
                return st->st_mode & S_IRGRP;
        return st->st_mode & S_IROTH;
}

static int cmp_map(const void *a, const void *b) {
        const struct coredump_file_map *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

int proc_map_files(int proc_fd, const char *maps, size_t len, uint32_t uid, uint32_t gid,
                   struct coredump_file_map **ret, size_t *ret_n) {
        struct dumper_mapping *m;
        struct coredump_file_map *out;
        struct opened *files;
        size_t n_maps, n = 0, n_files = 0;

        m = calloc(MAX_FILE_MAPS, sizeof(*m));
        out = calloc(MAX_FILE_MAPS, sizeof(*out));
        files = calloc(MAX_FILES, sizeof(*files));
        if (!m || !out || !files) {
                free(m);
                free(out);
                free(files);
                return -ENOMEM;
        }
        n_maps = maps_parse(maps, len, m, MAX_FILE_MAPS);
        for (size_t i = 0; i < n_maps; i++) {
                char name[64], self[64];
                struct stat st;
                int path_fd, fd = -1;
                size_t k;

                if (!m[i].inode || m[i].path_len == 0 || m[i].path[0] != '/' || !(m[i].perms & MAP_R))
                        continue;
                snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long) m[i].start,
                         (unsigned long long) m[i].end);
                /* O_PATH first: a device's open could do something; only a
                 * regular file is opened for reading, through its own
                 * descriptor. */
                path_fd = openat(proc_fd, name, O_PATH | O_CLOEXEC);
                if (path_fd < 0)
                        continue;
                if (fstat(path_fd, &st) < 0 || !S_ISREG(st.st_mode) || !user_may_read(&st, uid, gid)) {
                        close(path_fd);
                        continue;
                }
                for (k = 0; k < n_files; k++)
                        if (files[k].dev == st.st_dev && files[k].ino == st.st_ino) {
                                fd = files[k].fd;
                                break;
                        }
                if (k == n_files && n_files < MAX_FILES) {
                        snprintf(self, sizeof(self), "/proc/self/fd/%d", path_fd);
                        fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                        if (fd >= 0)
                                files[n_files++] = (struct opened) { st.st_dev, st.st_ino, fd };
                }
                close(path_fd);
                if (fd < 0)
                        continue;
                out[n++] = (struct coredump_file_map) { m[i].start, m[i].end, m[i].offset, fd };
        }
        free(m);
        free(files);
        qsort(out, n, sizeof(*out), cmp_map);
        *ret = out;
        *ret_n = n;
        return 0;
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;

        return x < y ? -1 : x > y;
}

void proc_close_files(struct coredump_file_map *f, size_t n) {
        int *fds = calloc(n + 1, sizeof(int));

        /* Several mappings share a descriptor: each closed once. */
        if (fds) {
                for (size_t i = 0; i < n; i++)
                        fds[i] = f[i].fd;
                qsort(fds, n, sizeof(int), cmp_int);
                for (size_t i = 0; i < n; i++)
                        if (fds[i] >= 0 && (i == 0 || fds[i] != fds[i - 1]))
                                close(fds[i]);
                free(fds);
        }
        free(f);
}
