/* SPDX-License-Identifier: MIT */
/* dumper/safe.c: see safe.h. Every function here is async-signal-safe. */
#include "safe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

pid_t safe_gettid(void) {
        return (pid_t) syscall(SYS_gettid);
}

uint64_t safe_now_ns(int clock_id) {
        struct timespec ts;

        /* clock_gettime is async-signal-safe (POSIX.1-2008 list). */
        if (clock_gettime(clock_id, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

void safe_memcpy(void *dst, const void *src, size_t n) {
        volatile uint8_t *d = dst;
        const volatile uint8_t *s = src;

        while (n--)
                *d++ = *s++;
}

void safe_memset(void *dst, int c, size_t n) {
        volatile uint8_t *d = dst;

        while (n--)
                *d++ = (uint8_t) c;
}

size_t safe_strlen(const char *s) {
        const volatile char *p = s;

        while (*p)
                p++;
        return (size_t) (p - s);
}

size_t safe_strnlen(const char *s, size_t max) {
        size_t n = 0;

        while (n < max && s[n])
                n++;
        return n;
}

size_t safe_strlcpy(char *dst, const char *src, size_t size) {
        size_t n = safe_strnlen(src, size - 1);

        safe_memcpy(dst, src, n);
        dst[n] = 0;
        return n;
}

size_t safe_strlcat(char *dst, const char *src, size_t size) {
        size_t have = safe_strnlen(dst, size);

        if (have + 1 >= size)
                return have;
        return have + safe_strlcpy(dst + have, src, size - have);
}

bool safe_streq(const char *a, const char *b) {
        while (*a && *a == *b)
                a++, b++;
        return *a == *b;
}

bool safe_startswith(const char *s, const char *prefix) {
        while (*prefix)
                if (*s++ != *prefix++)
                        return false;
        return true;
}

size_t safe_fmt_u64(char *buf, uint64_t v) {
        char tmp[21];
        size_t n = 0, i;

        do {
                tmp[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        for (i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        buf[n] = 0;
        return n;
}

size_t safe_fmt_hex(char *buf, uint64_t v) {
        char tmp[17];
        size_t n = 0, i;

        do {
                tmp[n++] = "0123456789abcdef"[v & 15];
                v >>= 4;
        } while (v);
        for (i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        buf[n] = 0;
        return n;
}

bool safe_parse_u64(const char **p, const char *end, unsigned base, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        bool any = false;

        for (; s < end; s++) {
                unsigned d;

                if (*s >= '0' && *s <= '9')
                        d = (unsigned) (*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned) (*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned) (*s - 'A' + 10);
                else
                        break;
                if (d >= base)
                        break;
                v = v * base + d;
                any = true;
        }
        *p = s;
        *ret = v;
        return any;
}

ssize_t safe_read_file(const char *path, void *buf, size_t cap) {
        size_t have = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (have < cap) {
                ssize_t k = read(fd, (uint8_t *) buf + have, cap - have);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                have += (size_t) k;
        }
        close(fd);
        return (ssize_t) have;
}

size_t safe_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len) {
        size_t done = 0;

        /* process_vm_readv returns EFAULT or a short count for unmapped
         * ranges instead of raising SIGSEGV, so hostile or stale pointers
         * are harmless. It stops at the first unreadable page. */
        while (done < len) {
                struct iovec local = { (uint8_t *) buf + done, len - done };
                struct iovec remote = { (void *) (uintptr_t) (addr + done), len - done };
                ssize_t k = process_vm_readv(pid, &local, 1, &remote, 1, 0);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                done += (size_t) k;
        }
        return done;
}
