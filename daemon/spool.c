/* SPDX-License-Identifier: MIT */
/* daemon/spool.c: see spool.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "spool.h"
#include "util.h"

/* The reason file's name may already be taken by what a user dropped in
 * the spool and crashd moved here (a FIFO named "x.dmp.reason", before
 * an "x.dmp": opening it for writing would block the event loop for good;
 * a hard link, which O_TRUNC would empty). bad/ is crashd's alone (0700),
 * so whatever holds the name goes, and the file is made anew: O_EXCL, and
 * O_NONBLOCK in case. */
static int write_reason(int bad_fd, const char *target, const char *reason) {
        char name[NAME_MAX + 1];
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(reason);

        if (snprintf(name, sizeof(name), "%s.reason", target) >= (int) sizeof(name))
                return -ENAMETOOLONG;
        if (unlinkat(bad_fd, name, 0) < 0 && errno == EISDIR)
                (void) unlinkat(bad_fd, name, AT_REMOVEDIR);
        fd = openat(bad_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, reason, n) != (ssize_t) n || write(fd, "\n", 1) != 1)
                return errno ? -errno : -EIO;
        return 0;
}

struct bad_entry {
        char *name;
        struct timespec mtime;
};

static int cmp_mtime(const void *a, const void *b) {
        const struct bad_entry *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
        if (x->mtime.tv_nsec != y->mtime.tv_nsec)
                return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* bad/ holds what users dropped in the spool: bounded, or a user could
 * fill the disk through it. The oldest go first (by when they were moved:
 * the .reason file's time). */
static int trim_bad(int bad_fd, unsigned keep) {
        struct bad_entry *e = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        DIR *dir;
        int fd, r = 0;

        fd = openat(bad_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dir))) {
                struct stat st;
                char *dot;

                if (!str_has_suffix(de->d_name, ".reason"))
                        continue;
                if (fstatat(bad_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (n == cap) {
                        struct bad_entry *bigger = reallocarray(e, cap ? 2 * cap : 64, sizeof(*e));
                        if (!bigger) {
                                r = -ENOMEM;
                                break;
                        }
                        e = bigger;
                        cap = cap ? 2 * cap : 64;
                }
                e[n].name = strdup(de->d_name);
                if (!e[n].name) {
                        r = -ENOMEM;
                        break;
                }
                dot = strrchr(e[n].name, '.');
                *dot = 0;       /* the entry's own name */
                e[n].mtime = st.st_mtim;
                n++;
        }
        closedir(dir);
        if (r == 0 && n > keep) {
                qsort(e, n, sizeof(*e), cmp_mtime);
                for (size_t i = 0; i < n - keep; i++) {
                        char reason[NAME_MAX + 1];

                        if (unlinkat(bad_fd, e[i].name, 0) < 0 && errno == EISDIR)
                                (void) unlinkat(bad_fd, e[i].name, AT_REMOVEDIR);
                        (void) snprintf(reason, sizeof(reason), "%s.reason", e[i].name);
                        (void) unlinkat(bad_fd, reason, 0);
                }
        }
        for (size_t i = 0; i < n; i++)
                free(e[i].name);
        free(e);
        return r;
}

int spool_move_bad(const struct dirs *d, const char *name, const char *reason, unsigned keep) {
        char target[NAME_MAX + 1];
        int r = -EEXIST;

        for (int i = 0; i < 10 && r == -EEXIST; i++) {
                if (i == 0)
                        (void) snprintf(target, sizeof(target), "%.240s", name);
                else
                        (void) snprintf(target, sizeof(target), "%.240s.%d", name, i);
                r = renameat2(d->spool_fd, name, d->bad_fd, target, RENAME_NOREPLACE) < 0 ? -errno : 0;
        }
        if (r == -EEXIST) {
                /* Ten of the same name already: the reason is known. */
                if (unlinkat(d->spool_fd, name, 0) < 0 && errno == EISDIR)
                        (void) unlinkat(d->spool_fd, name, AT_REMOVEDIR);
                return 0;
        }
        if (r < 0)
                return r;
        r = write_reason(d->bad_fd, target, reason);
        (void) trim_bad(d->bad_fd, keep);
        return r;
}

int spool_remove_if_same(const struct dirs *d, const char *name, dev_t dev, ino_t ino) {
        struct stat st;

        if (fstatat(d->spool_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (st.st_dev != dev || st.st_ino != ino)
                return -ESTALE;
        if (unlinkat(d->spool_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int spool_scan(const struct dirs *d, uint64_t stale_ns, bool (*fn)(const char *name, void *userdata),
               void *userdata, unsigned *ret_stale_removed) {
        struct dirent *de;
        unsigned removed = 0;
        DIR *dir;
        int fd;

        fd = openat(d->spool_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dir))) {
                const char *n = de->d_name;

                if (n[0] == '.') {
                        struct stat st;

                        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || !str_has_suffix(n, ".tmp"))
                                continue;
                        if (fstatat(d->spool_fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
                                continue;
                        if ((uint64_t) st.st_mtim.tv_sec * UINT64_C(1000000000) + (uint64_t) st.st_mtim.tv_nsec < stale_ns &&
                            unlinkat(d->spool_fd, n, 0) == 0)
                                removed++;
                        continue;
                }
                if (strcmp(n, PATHS_BAD_DIR) == 0)
                        continue;
                if (!fn(n, userdata))
                        break;
        }
        closedir(dir);
        if (ret_stale_removed)
                *ret_stale_removed = removed;
        return 0;
}
