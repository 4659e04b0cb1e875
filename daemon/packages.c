/* SPDX-License-Identifier: MIT */
/* daemon/packages.c: see packages.h. dpkg -S would do the same, but it
 * treats its argument as a pattern and costs a process per crash; the
 * .list files are plain text, one path a line (about 9 MB on a desktop,
 * read in some tens of milliseconds once per new executable). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packages.h"

#define CACHE_MAX 256
#define LIST_MAX (64u << 20)    /* a .list file larger than this is not read */

struct entry {
        char *path, *name, *version;    /* name NULL: no package has it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[CACHE_MAX];
static size_t n_cache, next_slot;
static struct timespec status_mtime;

static void entry_clear(struct entry *e) {
        free(e->path);
        free(e->name);
        free(e->version);
        *e = (struct entry) {};
}

void packages_forget(void) {
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < n_cache; i++)
                entry_clear(&cache[i]);
        n_cache = next_slot = 0;
        pthread_mutex_unlock(&lock);
}

/* The whole of a regular file at dirfd/name, NUL-terminated; NULL if it
 * is not one, or larger than max. */
static char *read_file_at(int dirfd, const char *name, size_t max, size_t *ret_len) {
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        char *buf = NULL;
        size_t got = 0;

        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size > max ||
            !(buf = malloc((size_t) st.st_size + 1))) {
                close(fd);
                return NULL;
        }
        while (got < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t) st.st_size - got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                got += (size_t) k;
        }
        close(fd);
        buf[got] = 0;
        *ret_len = got;
        return buf;
}

/* Whether text holds want as a whole line. */
static bool has_line(const char *text, size_t len, const char *want) {
        size_t n = strlen(want);

        for (const char *p = text, *end = text + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t k = nl ? (size_t) (nl - p) : (size_t) (end - p);

                if (k == n && memcmp(p, want, n) == 0)
                        return true;
                p += k + 1;
        }
        return false;
}

/* The package whose ADMIN/info/NAME.list lists path or alt. */
static char *find_list(int info_fd, const char *path, const char *alt) {
        int fd = dup(info_fd);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        char *found = NULL;

        if (!dir) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        while (!found && (de = readdir(dir))) {
                size_t n = strlen(de->d_name), len;
                char *text;

                if (n <= 5 || strcmp(de->d_name + n - 5, ".list") != 0)
                        continue;
                text = read_file_at(info_fd, de->d_name, LIST_MAX, &len);
                if (text && (has_line(text, len, path) || (alt && has_line(text, len, alt))))
                        found = strndup(de->d_name, n - 5);
                free(text);
        }
        closedir(dir);
        return found;
}

/* Version of an installed package in dpkg's status file: the stanza whose
 * Package is name (without ":arch") and whose Architecture matches when
 * the list's name had one. */
static char *find_version(const char *status, size_t len, const char *list_name) {
        const char *colon = strchr(list_name, ':');
        size_t name_n = colon ? (size_t) (colon - list_name) : strlen(list_name);
        const char *arch = colon ? colon + 1 : NULL;
        char *version = NULL;

        for (const char *p = status, *end = status + len; p < end && !version;) {
                /* One stanza: up to a blank line. */
                const char *stop = p;
                bool name_ok = false, arch_ok = !arch, installed = false;
                const char *v = NULL;
                size_t v_n = 0;

                while (stop < end) {
                        const char *nl = memchr(stop, '\n', (size_t) (end - stop));
                        size_t k = nl ? (size_t) (nl - stop) : (size_t) (end - stop);

                        if (k == 0) {
                                stop = nl ? nl + 1 : end;
                                break;
                        }
#define FIELD(f) (k > sizeof(f) - 1 && memcmp(stop, f, sizeof(f) - 1) == 0)
                        if (FIELD("Package: "))
                                name_ok = k - 9 == name_n && memcmp(stop + 9, list_name, name_n) == 0;
                        else if (FIELD("Architecture: ") && arch)
                                arch_ok = k - 14 == strlen(arch) && memcmp(stop + 14, arch, k - 14) == 0;
                        else if (FIELD("Status: "))
                                installed = k >= 8 + 9 && memcmp(stop + k - 9, "installed", 9) == 0;
                        else if (FIELD("Version: ")) {
                                v = stop + 9;
                                v_n = k - 9;
                        }
#undef FIELD
                        stop = nl ? nl + 1 : end;
                }
                if (name_ok && arch_ok && installed && v)
                        version = strndup(v, v_n);
                p = stop;
        }
        return version;
}

/* /usr/bin/x is /bin/x in a package made before the /usr merge. */
static bool merged_alt(const char *path, char *buf, size_t size) {
        static const char *const dirs[] = { "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib64/", "/usr/libx32/" };

        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
                if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
                        return snprintf(buf, size, "%s", path + 4) < (int) size;
        return false;
}

static bool lookup(const char *admin_dir, const char *path, char **ret_name, char **ret_version) {
        char alt[PATH_MAX];
        int admin = open(admin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), info = -1;
        char *list = NULL, *status;
        size_t len;
        bool ok = false;

        if (admin < 0)
                return false;
        info = openat(admin, "info", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (info >= 0)
                list = find_list(info, path, merged_alt(path, alt, sizeof(alt)) ? alt : NULL);
        if (list && (status = read_file_at(admin, "status", LIST_MAX, &len))) {
                *ret_version = find_version(status, len, list);
                free(status);
                if (*ret_version) {
                        const char *colon = strchr(list, ':');

                        *ret_name = strndup(list, colon ? (size_t) (colon - list) : strlen(list));
                        ok = *ret_name != NULL;
                        if (!ok) {
                                free(*ret_version);
                                *ret_version = NULL;
                        }
                }
        }
        free(list);
        if (info >= 0)
                close(info);
        close(admin);
        return ok;
}

bool packages_owner(const char *admin_dir, const char *path, char **ret_name, char **ret_version) {
        char status_path[PATH_MAX];
        struct stat st;
        bool ok = false, hit = false;

        *ret_name = *ret_version = NULL;
        if (!path || path[0] != '/' || strlen(path) >= PATH_MAX || strchr(path, '\n'))
                return false;
        if (!admin_dir)
                admin_dir = PACKAGES_ADMIN_DIR;
        if (snprintf(status_path, sizeof(status_path), "%s/status", admin_dir) >= (int) sizeof(status_path) ||
            stat(status_path, &st) < 0)
                return false;   /* no dpkg here */

        pthread_mutex_lock(&lock);
        /* dpkg rewrites its status file on every change: the cache goes. */
        if (st.st_mtim.tv_sec != status_mtime.tv_sec || st.st_mtim.tv_nsec != status_mtime.tv_nsec) {
                for (size_t i = 0; i < n_cache; i++)
                        entry_clear(&cache[i]);
                n_cache = next_slot = 0;
                status_mtime = st.st_mtim;
        }
        for (size_t i = 0; i < n_cache && !hit; i++)
                if (cache[i].path && strcmp(cache[i].path, path) == 0) {
                        hit = true;
                        if (cache[i].name) {
                                *ret_name = strdup(cache[i].name);
                                *ret_version = strdup(cache[i].version);
                                ok = *ret_name && *ret_version;
                        }
                }
        pthread_mutex_unlock(&lock);
        if (hit) {
                if (!ok) {
                        free(*ret_name);
                        free(*ret_version);
                        *ret_name = *ret_version = NULL;
                }
                return ok;
        }

        /* Looked up without the lock: other workers go on meanwhile. */
        ok = lookup(admin_dir, path, ret_name, ret_version);

        pthread_mutex_lock(&lock);
        {
                struct entry *e = &cache[next_slot];

                entry_clear(e);
                e->path = strdup(path);
                if (ok) {
                        e->name = strdup(*ret_name);
                        e->version = strdup(*ret_version);
                }
                if (!e->path || (ok && (!e->name || !e->version)))
                        entry_clear(e);
                else {
                        next_slot = (next_slot + 1) % CACHE_MAX;
                        if (n_cache < CACHE_MAX)
                                n_cache++;
                }
        }
        pthread_mutex_unlock(&lock);
        return ok;
}
