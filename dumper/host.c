/* SPDX-License-Identifier: MIT */
/* dumper/host.c: who crashed, where (PROTO_STREAM_HOST, proto/FORMAT.md):
 * the host's name, machine-id and boot id, the kernel, the process's
 * cgroups (the daemon reads the systemd unit, slice and container from
 * them) and the files container runtimes leave in a container's root.
 * Raw facts as KEY=VALUE lines; what they mean is worked out later, off
 * the crash path.
 *
 * Async-signal-safe: uname() is one system call; the files are read with
 * open/read/close into the dump's own buffer (capture_read_proc); the
 * text is put together with the safe_* string functions. Nothing here
 * allocates or takes a lock. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture.h"
#include "crashd-streams.h"
#include "safe.h"

#define HOST_TEXT_MAX 8192      /* what one stream may take of the dump */

struct text {
        char *buf;
        size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n) {
        for (size_t i = 0; i < n && t->len + 1 < t->cap; i++)
                t->buf[t->len++] = s[i];
        t->buf[t->len] = 0;
}

static void puts_(struct text *t, const char *s) {
        put(t, s, safe_strlen(s));
}

/* KEY=VALUE for each line of value (a file's text), newlines and NULs
 * ending values: the reader splits on '\n' only. */
static void put_lines(struct text *t, const char *key, const char *value, size_t n) {
        size_t i = 0;

        while (i < n) {
                size_t j = i;

                while (j < n && value[j] != '\n' && value[j] != 0)
                        j++;
                if (j > i) {
                        puts_(t, key);
                        put(t, "=", 1);
                        put(t, value + i, j - i);
                        put(t, "\n", 1);
                }
                i = j + 1;
        }
}

void capture_read_host(struct capture *c) {
        /* The process's cgroups, read while it exists (a parked dump's
         * copy shares them: a fork stays in its parent's cgroups); unless
         * the caller has them (the core handler, read as root). */
        if (!c->cgroup.text)
                c->cgroup.text = capture_read_proc(c, "cgroup", 4096, &c->cgroup.len);
}

/* The core handler's: path in the crashed process's root (a container's),
 * resolved inside it whatever its symlinks say (RESOLVE_IN_ROOT: an
 * absolute link or .. stays in that root), regular files only, never
 * blocking; as capture_read_proc() otherwise. */
static char *read_in_root(struct capture *c, const char *path, size_t cap, size_t *ret_len) {
        struct open_how how = { .flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        size_t dirty = c->scratch.dirty, len = 0;
        struct stat st;
        char *buf;
        int fd;

        fd = (int) syscall(SYS_openat2, c->root_dirfd, path + 1, &how, sizeof(how));
        if (fd < 0)
                return NULL;
        buf = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? proto_buf_reserve(&c->scratch, cap + 1, 8, NULL) : NULL;
        while (buf && len < cap) {
                ssize_t k = read(fd, buf + len, cap - len);

                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        close(fd);
        if (!buf)
                return NULL;
        buf[len] = 0;
        proto_buf_give_back(&c->scratch, (size_t) (buf + len + 1 - (char *) c->scratch.data), dirty);
        *ret_len = len;
        return buf;
}

int capture_write_host(struct capture *c) {
        static const struct {
                const char *key, *path;
                size_t cap;
                bool in_root;           /* the process's own file, in its root */
        } files[] = {
                { "machine_id", "/etc/machine-id", 64, true },
                { "boot_id", "/proc/sys/kernel/random/boot_id", 64, false },
                /* Docker's and Podman's marks in a container's root. */
                { "dockerenv", "/.dockerenv", 256, true },
                { "containerenv", "/run/.containerenv", 2048, true },
        };
        struct utsname u;
        struct text t;
        uint32_t rva;
        size_t dirty = c->out.dirty;

        t.buf = proto_buf_reserve(&c->out, HOST_TEXT_MAX, 8, &rva);
        if (!t.buf)
                return -ENOSPC;
        t.len = 0;
        t.cap = HOST_TEXT_MAX;
        t.buf[0] = 0;
        if (uname(&u) == 0) {
                if (c->hostname)
                        put_lines(&t, "hostname", c->hostname, safe_strlen(c->hostname));
                else
                        put_lines(&t, "hostname", u.nodename, safe_strnlen(u.nodename, sizeof(u.nodename)));
                put_lines(&t, "kernel_release", u.release, safe_strnlen(u.release, sizeof(u.release)));
                put_lines(&t, "kernel_version", u.version, safe_strnlen(u.version, sizeof(u.version)));
        }
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                size_t dirty_scratch = c->scratch.dirty, n = 0;
                char *s = files[i].in_root && c->root_dirfd > 0 ? read_in_root(c, files[i].path, files[i].cap, &n)
                                                                : capture_read_proc(c, files[i].path, files[i].cap, &n);

                if (!s)
                        continue;
                if (n == 0)
                        put_lines(&t, files[i].key, "1", 1);    /* there, and empty (/.dockerenv is) */
                else
                        put_lines(&t, files[i].key, s, n);
                proto_buf_give_back(&c->scratch, (size_t) (s - (char *) c->scratch.data), dirty_scratch);
        }
        if (c->cgroup.text)
                put_lines(&t, "cgroup", c->cgroup.text, c->cgroup.len);
        proto_buf_give_back(&c->out, rva + t.len, dirty);
        return proto_writer_add_stream(&c->w, PROTO_STREAM_HOST, rva, (uint32_t) t.len);
}
