/* SPDX-License-Identifier: MIT */
/* daemon/dirs.c: see dirs.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dirs.h"
#include "log.h"
#include "paths.h"
#include "util.h"

int dirs_mkdir_p(const char *path, unsigned parent_mode, unsigned mode) {
        char p[PATH_MAX];
        size_t n;

        if (!strlcpy_ok(p, path, sizeof(p)))
                return -ENAMETOOLONG;
        n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
                p[--n] = 0;
        for (size_t i = 1; i <= n; i++) {
                int made;

                if (p[i] != '/' && p[i] != 0)
                        continue;
                p[i] = 0;
                made = mkdir(p, i == n ? mode : parent_mode);
                if (made < 0 && errno != EEXIST)
                        return -errno;
                /* mkdir's mode is filtered by crashd's umask (077); the
                 * sticky bit and the group/other bits must be exact. */
                if (made == 0 && chmod(p, i == n ? mode : parent_mode) < 0)
                        return -errno;
                if (i != n)
                        p[i] = '/';
        }
        return 0;
}

static int dirname_of(const char *path, char *buf, size_t size) {
        const char *slash = strrchr(path, '/');
        size_t n;

        if (!slash)
                return -EINVAL;
        n = slash == path ? 1 : (size_t) (slash - path);
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, path, n);
        buf[n] = 0;
        return 0;
}

static int open_dir(int at, const char *path, int *ret) {
        int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

void dirs_close(struct dirs *d) {
        closep(&d->spool_fd);
        closep(&d->bad_fd);
        closep(&d->state_fd);
        closep(&d->dumps_fd);
        closep(&d->uploads_fd);
        *d = DIRS_NULL;
}

int dirs_prepare(const struct daemon_config *c, bool system, struct dirs *ret) {
        _cleanup_(dirs_close) struct dirs d = DIRS_NULL;
        unsigned parent = system ? 0755 : 0700;
        unsigned spool_mode = system ? 01733 : 0700;
        char dir[PATH_MAX];
        struct stat st;
        int r;

        r = dirs_mkdir_p(c->state_dir, parent, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create the state directory '%s': %m", c->state_dir);
        r = open_dir(AT_FDCWD, c->state_dir, &d.state_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open the state directory '%s': %m", c->state_dir);
        if (mkdirat(d.state_fd, PATHS_DUMPS_DIR, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create '%s/" PATHS_DUMPS_DIR "': %m", c->state_dir);
        r = open_dir(d.state_fd, PATHS_DUMPS_DIR, &d.dumps_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s/" PATHS_DUMPS_DIR "': %m", c->state_dir);
        if (mkdirat(d.state_fd, PATHS_UPLOADS_DIR, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create '%s/" PATHS_UPLOADS_DIR "': %m", c->state_dir);
        r = open_dir(d.state_fd, PATHS_UPLOADS_DIR, &d.uploads_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s/" PATHS_UPLOADS_DIR "': %m", c->state_dir);

        r = dirs_mkdir_p(c->spool_dir, parent, spool_mode);
        if (r < 0)
                return log_error_errno(r, "Failed to create the spool '%s': %m", c->spool_dir);
        r = open_dir(AT_FDCWD, c->spool_dir, &d.spool_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open the spool '%s' (it must be a directory, not a symlink): %m",
                                       c->spool_dir);
        if (fstat(d.spool_fd, &st) < 0)
                return log_error_errno(-errno, "Failed to stat the spool '%s': %m", c->spool_dir);
        if (st.st_uid != geteuid())
                return log_error_errno(-EPERM, "The spool '%s' belongs to uid %u, not to crashd's uid %u; refusing it.",
                                       c->spool_dir, (unsigned) st.st_uid, (unsigned) geteuid());
        /* An existing spool gets the mode it must have: 1733 lets every
         * user create files that only they and crashd can touch. */
        if ((st.st_mode & 07777) != spool_mode && fchmod(d.spool_fd, spool_mode) < 0)
                return log_error_errno(-errno, "Failed to set mode %o on the spool '%s': %m", spool_mode, c->spool_dir);
        if (mkdirat(d.spool_fd, PATHS_BAD_DIR, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create '%s/" PATHS_BAD_DIR "': %m", c->spool_dir);
        r = open_dir(d.spool_fd, PATHS_BAD_DIR, &d.bad_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s/" PATHS_BAD_DIR "': %m", c->spool_dir);
        if (fstat(d.bad_fd, &st) < 0 || st.st_uid != geteuid())
                return log_error_errno(-EPERM, "'%s/" PATHS_BAD_DIR "' is not crashd's own directory; refusing it.",
                                       c->spool_dir);
        if ((st.st_mode & 0077) && fchmod(d.bad_fd, 0700) < 0)
                return log_error_errno(-errno, "Failed to set mode 700 on '%s/" PATHS_BAD_DIR "': %m", c->spool_dir);

        for (int i = 0; i < 2; i++) {
                const char *sock = i == 0 ? c->notify_socket : c->api_socket;

                r = dirname_of(sock, dir, sizeof(dir));
                if (r >= 0)
                        r = dirs_mkdir_p(dir, parent, parent);
                if (r < 0)
                        return log_error_errno(r, "Failed to create the directory of '%s': %m", sock);
        }

        *ret = d;
        d = DIRS_NULL;
        return 0;
}
