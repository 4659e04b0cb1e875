/* SPDX-License-Identifier: MIT */
/* symbolicate/safe-open.c: opening a path that a dump (or a report read
 * back from one) names, on behalf of whoever wrote it. crashd opens these
 * as root with the owner's fsuid, which leaves it CAP_SYS_PTRACE: through
 * /proc/<pid>/cwd, /proc/<pid>/root or /proc/<pid>/environ one user could
 * have crashd read another's files. So the kernel's pseudo file systems
 * are refused by name and, whatever links lead there, by the file system
 * the descriptor is on; magic links are not followed at all (openat2's
 * RESOLVE_NO_MAGICLINKS); and only regular files are returned, opened
 * without blocking (a FIFO cannot hold the caller). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "symbolicate.h"

static bool pseudo_path(const char *path) {
        static const char *const roots[] = { "/proc", "/sys", "/dev", NULL };

        for (size_t i = 0; roots[i]; i++) {
                size_t n = strlen(roots[i]);

                if (strncmp(path, roots[i], n) == 0 && (path[n] == '/' || path[n] == 0))
                        return true;
        }
        return false;
}

static bool pseudo_fs(long type) {
        switch (type) {
        case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEVPTS_SUPER_MAGIC: case DEBUGFS_MAGIC:
        case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC: case TRACEFS_MAGIC:
        case BPF_FS_MAGIC: case EFIVARFS_MAGIC:
                return true;
        default:
                return false;
        }
}

int symb_open_untrusted(const char *path) {
        struct open_how how = {
                .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_NO_MAGICLINKS,
        };
        struct stat st;
        struct statfs sf;
        int fd, e;

        if (!path || !*path)
                return -ENOENT;
        /* "//proc" and "/./proc" name /proc too: squeeze them before the
         * check, which the file system check below backs up anyway. */
        while (path[0] == '/' && (path[1] == '/' || (path[1] == '.' && path[2] == '/')))
                path += path[1] == '/' ? 1 : 2;
        if (pseudo_path(path))
                return -EPERM;
        fd = (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS)
                /* Before Linux 5.6: the file system check still holds. */
                fd = open(path, (int) how.flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0) {
                e = -errno;
                close(fd);
                return e;
        }
        if (!S_ISREG(st.st_mode) || pseudo_fs((long) sf.f_type)) {
                close(fd);
                return -EPERM;
        }
        return fd;
}
