/* SPDX-License-Identifier: MIT */
/* dumper/output.c: the dump file and the notice to the daemon. The file is
 * written as ".NAME.tmp" and renamed, so nobody ever sees half a dump; it
 * is 0600 and owned by the crashed program's user (this child runs as that
 * user). Runs in the child; async-signal-safe: system calls only. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <stdio.h> /* rename() only: a plain system call */
#include <unistd.h>

#include "capture.h"
#include "safe.h"

/* Where a root crashd keeps its spool (world-writable with the sticky bit,
 * like /var/tmp) and its socket. */
#define SYSTEM_SPOOL  "/var/spool/crashd"
#define SYSTEM_SOCKET "/run/crashd/notify.sock"

/* mkdir -p, 0700: the per-user spool may not exist yet. */
static int make_dirs(const char *dir) {
        char path[PATH_MAX];
        size_t n = safe_strlcpy(path, dir, sizeof(path));

        for (size_t i = 1; i <= n; i++) {
                if (path[i] != '/' && path[i] != 0)
                        continue;
                char saved = path[i];
                path[i] = 0;
                if (mkdir(path, 0700) < 0 && errno != EEXIST)
                        return -errno;
                path[i] = saved;
        }
        return 0;
}

static void file_name(const struct capture *c, char *buf, size_t size) {
        capture_file_name(c->comm, (uint64_t) c->pid, c->crash->time_ns, ".dmp.zst", buf, size);
}

static int save_in(struct capture *c, const char *dir, char *final, size_t final_size) {
        char name[128], tmp[PATH_MAX];
        size_t ws_size;
        void *ws;
        int fd, r;

        if (!dir[0])
                return -ENOENT;
        r = make_dirs(dir);
        if (r < 0)
                return r;
        file_name(c, name, sizeof(name));
        safe_strlcpy(final, dir, final_size);
        safe_strlcat(final, "/", final_size);
        safe_strlcpy(tmp, final, sizeof(tmp));
        safe_strlcat(tmp, ".", sizeof(tmp));
        safe_strlcat(tmp, name, sizeof(tmp));
        safe_strlcat(tmp, ".tmp", sizeof(tmp));
        safe_strlcat(final, name, final_size);

        /* zstd's static context lives in our scratch mapping: it never
         * calls malloc. */
        ws_size = proto_zstd_workspace_size();
        ws = proto_buf_reserve(&c->scratch, ws_size, 64, NULL);
        if (!ws)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = proto_zstd_write(fd, c->out.data, c->out.size, ws, ws_size);
        if (r == 0 && close(fd) < 0)
                r = -errno;
        else if (r < 0)
                close(fd);
        if (r == 0 && rename(tmp, final) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);     /* a full disk must not keep half a dump */
        return r;
}

static void notify_daemon(const char *socket_path, const char *dump_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!socket_path[0])
                return;
        safe_strlcpy(sa.sun_path, socket_path, sizeof(sa.sun_path));
        /* Non-blocking: if no daemon listens, or its queue is full, nothing
         * waits; the daemon also watches the spool and rescans at start. */
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return;
        (void) sendto(fd, dump_path, safe_strlen(dump_path), MSG_DONTWAIT | MSG_NOSIGNAL,
                      (struct sockaddr *) &sa, sizeof(sa));
        close(fd);
}

/* The per-user place: $XDG_STATE_HOME/crashd, else ~/.local/state/crashd. */
static bool user_state_dir(const struct dumper_config *cfg, char *buf, size_t size) {
        if (cfg->xdg_state_home && cfg->xdg_state_home[0] == '/')
                safe_strlcpy(buf, cfg->xdg_state_home, size);
        else if (cfg->home && cfg->home[0] == '/') {
                safe_strlcpy(buf, cfg->home, size);
                safe_strlcat(buf, "/.local/state", size);
        } else
                return false;
        safe_strlcat(buf, "/crashd", size);
        return true;
}

int capture_save(struct capture *c) {
        const struct dumper_config *cfg = c->config;
        char state[PATH_MAX], fallback[PATH_MAX] = "", sock[108] = "", path[PATH_MAX];
        const char *dir;
        bool have_state = user_state_dir(cfg, state, sizeof(state));
        int r;

        if (have_state) {
                safe_strlcpy(fallback, state, sizeof(fallback));
                safe_strlcat(fallback, "/spool", sizeof(fallback));
        }
        /* CRASHD_DUMP_DIR, else the system daemon's spool when we may write
         * there, else the user's own. */
        if (cfg->dump_dir)
                dir = cfg->dump_dir;
        else if (access(SYSTEM_SPOOL, W_OK | X_OK) == 0) {
                dir = SYSTEM_SPOOL;
                safe_strlcpy(sock, SYSTEM_SOCKET, sizeof(sock));
        } else
                dir = fallback;
        if (!sock[0] && have_state && !cfg->dump_dir) {
                safe_strlcpy(sock, state, sizeof(sock));
                safe_strlcat(sock, "/notify.sock", sizeof(sock));
        }
        if (cfg->socket_path)
                safe_strlcpy(sock, cfg->socket_path, sizeof(sock));

        r = save_in(c, dir, path, sizeof(path));
        /* The daemon's spool can't be written (full, gone): the user's own. */
        if (r < 0 && !cfg->dump_dir && !safe_streq(dir, fallback))
                r = save_in(c, fallback, path, sizeof(path));
        if (r < 0)
                return r;
        notify_daemon(sock, path);
        return 0;
}
