/* SPDX-License-Identifier: MIT */
/* daemon/ingest.c: how crashd learns that a dump is in the spool.
 *
 *  - The dumper's notice: one datagram with the dump's path on the notify
 *    socket. SO_PASSCRED makes the kernel attach the sender's pid, uid and
 *    gid, which is what the log says about the sender; the path only
 *    contributes its last component, and only if its directory is the
 *    spool. Who owns the dump is decided later from the file, never from
 *    the notice or the dump.
 *  - inotify on the spool: IN_MOVED_TO (the dumper renames its temp file
 *    into place), IN_CLOSE_WRITE (a dump copied in), IN_CREATE for things
 *    that are not regular files (a symlink or FIFO never gets the other
 *    two, and must still be moved aside). Dot-files are temp files.
 *  - A rescan at start, after an inotify overflow, when the backlog was
 *    full, and on the housekeeping timer.
 * Every source only offers names; pipeline.c decides what to do. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

#define NOTICES_PER_EVENT 256   /* then let other events run */
#define HOUSEKEEPING_S 60

/* Binds a Unix socket at path, replacing a stale one. The state
 * directory's lock (main.c) already says no other crashd uses it. */
int ingest_bind_unix(const char *path, int type, unsigned mode, int *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        mode_t old;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return -EEXIST;
                if (unlink(path) < 0)
                        return -errno;
        }
        fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* The mode is set by bind() through the umask: no window in which
         * the socket has another one. */
        old = umask(~mode & 0777);
        r = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static bool same_dir_as_spool(struct daemon *d, const char *path, size_t dir_len) {
        char dir[PATH_MAX];
        struct stat a, b;

        if (dir_len == 0 || dir_len >= sizeof(dir))
                return false;
        memcpy(dir, path, dir_len);
        dir[dir_len] = 0;
        if (strcmp(dir, d->config.spool_dir) == 0)
                return true;
        /* Another spelling of the same directory (a trailing slash, a
         * symlinked parent): compare what the kernel says. */
        if (stat(dir, &a) < 0 || fstat(d->dirs.spool_fd, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void on_notice(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;
        bool any = false;

        for (int i = 0; i < NOTICES_PER_EVENT; i++) {
                char buf[PATH_MAX + 1];
                union {
                        struct cmsghdr h;
                        uint8_t space[CMSG_SPACE(sizeof(struct ucred))];
                } control;
                struct iovec iov = { buf, sizeof(buf) - 1 };
                struct msghdr mh = {
                        .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = &control, .msg_controllen = sizeof(control),
                };
                struct ucred cred = { .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
                char esc[3 * NAME_MAX];
                const char *name, *slash;
                ssize_t n;

                n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                log_warning_errno(-errno, "Failed to read a notice: %m");
                        break;
                }
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                            c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                                memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                        else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                                /* Nobody should send us file descriptors: close them. */
                                int *fds = (int *) CMSG_DATA(c);
                                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                                for (size_t m = 0; m < k; m++)
                                        close(fds[m]);
                        }
                }
                if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n == 0 || memchr(buf, 0, (size_t) n)) {
                        log_debug("Ignoring a malformed notice from pid %d, uid %d.", (int) cred.pid, (int) cred.uid);
                        continue;
                }
                buf[n] = 0;
                slash = strrchr(buf, '/');
                name = slash ? slash + 1 : buf;
                log_escape(name, esc, sizeof(esc));
                if (!slash || !same_dir_as_spool(d, buf, (size_t) (slash - buf))) {
                        log_debug("Ignoring a notice for a file outside the spool from pid %d, uid %d.",
                                  (int) cred.pid, (int) cred.uid);
                        continue;
                }
                log_debug("Notice from pid %d, uid %d: '%s'.", (int) cred.pid, (int) cred.uid, esc);
                pipeline_offer(d, name);
                any = true;
        }
        if (any)
                pipeline_kick(d);
}

static void on_inotify(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;
        _Alignas(struct inotify_event) char buf[16384];
        bool any = false;

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                log_warning_errno(-errno, "Failed to read inotify events: %m");
                        break;
                }
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;

                        p += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                log_debug("inotify queue overflow: rescanning the spool.");
                                d->rescan_needed = true;
                                any = true;
                                continue;
                        }
                        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                                log_error("The spool '%s' was removed or moved; crashd no longer sees new dumps. "
                                          "Restart it.", d->config.spool_dir);
                                continue;
                        }
                        if (ev->len == 0 || ev->name[0] == '.')
                                continue;
                        if (ev->mask & IN_CREATE) {
                                struct stat st;

                                /* A regular file that was just created is still
                                 * being written: IN_CLOSE_WRITE tells when it is
                                 * done. Anything else is offered now. */
                                if (fstatat(d->dirs.spool_fd, ev->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                                    S_ISREG(st.st_mode))
                                        continue;
                        }
                        pipeline_offer(d, ev->name);
                        any = true;
                }
        }
        if (any)
                pipeline_kick(d);
}

static void on_housekeeping(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;

        /* A safety net for lost notices, and the sweep of stale temp files;
         * retention by age needs a clock, not an event. */
        d->rescan_needed = true;
        pipeline_kick(d);
        (void) retention_run(d, /* check_age= */ true);
}

/* Files in state/dumps/ that no row points at: a worker wrote them and
 * crashd died before the commit (the spool file is processed again), or
 * a retention delete was interrupted. */
static void sweep_orphans(struct daemon *d) {
        _cleanup_close_ int fd = openat(d->dirs.dumps_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned removed = 0;
        struct dirent *de;
        DIR *dir;

        if (fd < 0)
                return;
        dir = fdopendir(fd);
        if (!dir)
                return;
        fd = -EBADF;
        while ((de = readdir(dir))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_name[0] == '.' || store_has_file(d->store, de->d_name) == 0)
                        if (unlinkat(d->dirs.dumps_fd, de->d_name, 0) == 0)
                                removed++;
        }
        closedir(dir);
        if (removed)
                log_info("Removed %u stored dump file%s that no crash refers to.", removed, removed == 1 ? "" : "s");
}

int ingest_start(struct daemon *d) {
        char watch_path[64];
        struct timeval tv = { .tv_sec = HOUSEKEEPING_S };
        int one = 1, r;

        if (d->notify_fd < 0) {
                r = ingest_bind_unix(d->config.notify_socket, SOCK_DGRAM, d->system ? 0666 : 0600, &d->notify_fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to bind the notify socket '%s': %m", d->config.notify_socket);
                d->notify_owned = true;
        }
        if (setsockopt(d->notify_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return log_error_errno(-errno, "Failed to enable SO_PASSCRED on the notify socket: %m");
        d->notify_event = event_new(d->base, d->notify_fd, EV_READ | EV_PERSIST, on_notice, d);

        d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (d->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to set up inotify: %m");
        /* Watch the directory we opened and checked, not whatever the path
         * names now. */
        (void) snprintf(watch_path, sizeof(watch_path), "/proc/self/fd/%d", d->dirs.spool_fd);
        if (inotify_add_watch(d->inotify_fd, watch_path,
                              IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0 &&
            inotify_add_watch(d->inotify_fd, d->config.spool_dir,
                              IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF |
                              IN_ONLYDIR | IN_DONT_FOLLOW) < 0)
                return log_error_errno(-errno, "Failed to watch the spool '%s': %m", d->config.spool_dir);
        d->inotify_event = event_new(d->base, d->inotify_fd, EV_READ | EV_PERSIST, on_inotify, d);
        d->housekeeping_timer = event_new(d->base, -1, EV_PERSIST, on_housekeeping, d);
        if (!d->notify_event || !d->inotify_event || !d->housekeeping_timer ||
            event_add(d->notify_event, NULL) < 0 || event_add(d->inotify_event, NULL) < 0 ||
            event_add(d->housekeeping_timer, &tv) < 0)
                return log_error_errno(-ENOMEM, "Failed to set up the ingest events.");

        sweep_orphans(d);
        return 0;
}

void ingest_stop(struct daemon *d) {
        if (d->notify_event)
                event_free(d->notify_event);
        if (d->inotify_event)
                event_free(d->inotify_event);
        if (d->housekeeping_timer)
                event_free(d->housekeeping_timer);
        d->notify_event = d->inotify_event = d->housekeeping_timer = NULL;
        closep(&d->inotify_fd);
        d->inotify_fd = -EBADF;
        if (d->notify_fd >= 0 && d->notify_owned)
                (void) unlink(d->config.notify_socket);
        closep(&d->notify_fd);
        d->notify_fd = -EBADF;
}
