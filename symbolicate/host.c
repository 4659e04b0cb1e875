/* SPDX-License-Identifier: MIT */
/* symbolicate/host.c: see host.h. The unit and slice follow systemd's
 * layout of the cgroup tree (system.slice/NAME.service,
 * user.slice/user-UID.slice/user@UID.service/app.slice/NAME.scope);
 * containers are recognised only by the names their runtimes give
 * cgroups and the files they leave in a container's root, never guessed
 * from a hostname. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static bool ends_with(const char *s, size_t n, const char *suffix) {
        size_t k = strlen(suffix);

        return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static char *dup_n(const char *s, size_t n) {
        return strndup(s, n);
}

/* A value in quotes (containerenv's name="x"), unquoted. */
static char *unquote(const char *s, size_t n) {
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
                return dup_n(s + 1, n - 2);
        return dup_n(s, n);
}

/* Only hex digits and at least 12 of them: what runtimes use for ids. */
static bool is_id(const char *s, size_t n) {
        if (n < 12)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return false;
        return true;
}

static void set_container(struct symb_host *h, const char *runtime, const char *id, size_t id_n, const char *name,
                          size_t name_n) {
        if (h->container)
                return;         /* the first one seen: the innermost runtime's scope comes first */
        h->container = strdup(runtime);
        if (id)
                h->container_id = dup_n(id, id_n);
        if (name)
                h->container_name = dup_n(name, name_n);
}

/* One component of a cgroup path: what runtimes name their scopes. */
static void container_from_component(struct symb_host *h, const char *c, size_t n, const char *prev, size_t prev_n) {
        static const struct {
                const char *prefix, *runtime;
        } scopes[] = {
                { "docker-", "docker" },
                { "libpod-", "podman" },
                { "cri-containerd-", "containerd" },
                { "crio-", "cri-o" },
        };

        for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
                size_t k = strlen(scopes[i].prefix);
                size_t end = ends_with(c, n, ".scope") ? n - 6 : n;

                if (n > k && memcmp(c, scopes[i].prefix, k) == 0 && is_id(c + k, end - k)) {
                        set_container(h, scopes[i].runtime, c + k, end - k, NULL, 0);
                        return;
                }
        }
        /* cgroup v1 and cgroupfs drivers: /docker/ID, /kubepods/.../ID, /lxc/NAME */
        if (prev && is_id(c, n)) {
                if (prev_n == 6 && memcmp(prev, "docker", 6) == 0)
                        set_container(h, "docker", c, n, NULL, 0);
                else if (prev_n >= 3 && memcmp(prev, "pod", 3) == 0)
                        set_container(h, "kubernetes", c, n, NULL, 0);
        }
        if (prev && prev_n == 3 && memcmp(prev, "lxc", 3) == 0)
                set_container(h, "lxc", NULL, 0, c, n);
        if (n > 12 && memcmp(c, "lxc.payload.", 12) == 0)
                set_container(h, "lxc", NULL, 0, c + 12, n - 12);
        if (n > 16 && memcmp(c, "systemd-nspawn@", 15) == 0 && ends_with(c, n, ".service"))
                set_container(h, "systemd-nspawn", NULL, 0, c + 15, n - 15 - 8);
}

/* The unit, slice and user unit from a systemd cgroup path. */
static void units_from_path(struct symb_host *h, const char *p) {
        const char *prev = NULL;
        size_t prev_n = 0;

        for (const char *c = p; *c;) {
                const char *e;
                size_t n;

                while (*c == '/')
                        c++;
                if (!*c)
                        break;
                e = strchrnul(c, '/');
                n = (size_t) (e - c);
                container_from_component(h, c, n, prev, prev_n);
                if (ends_with(c, n, ".slice")) {
                        if (!h->unit) {
                                free(h->slice);
                                h->slice = dup_n(c, n);
                        }
                } else if (ends_with(c, n, ".service") || ends_with(c, n, ".scope")) {
                        if (!h->unit)
                                h->unit = dup_n(c, n);
                        else if (!h->user_unit && strncmp(h->unit, "user@", 5) == 0)
                                h->user_unit = dup_n(c, n);
                }
                prev = c;
                prev_n = n;
                c = e;
        }
}

static void take(char **field, const char *v, size_t n) {
        if (!*field)
                *field = dup_n(v, n);
}

bool symb_host_get(const struct proto_dump *d, struct symb_host *h) {
        const char *s = (const char *) d->host.data, *end = s ? s + d->host.size : NULL;
        char *unified = NULL, *systemd = NULL;

        memset(h, 0, sizeof(*h));
        if (!s)
                return false;
        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t) (end - s)), *line_end = nl ? nl : end;
                const char *eq = memchr(s, '=', (size_t) (line_end - s));

                if (eq && !memchr(s, 0, (size_t) (line_end - s))) {
                        size_t k = (size_t) (eq - s), n = (size_t) (line_end - eq - 1);
                        const char *v = eq + 1;

#define KEY(name) (k == sizeof(name) - 1 && memcmp(s, name, k) == 0)
                        if (KEY("hostname"))
                                take(&h->hostname, v, n);
                        else if (KEY("machine_id"))
                                take(&h->machine_id, v, n);
                        else if (KEY("boot_id"))
                                take(&h->boot_id, v, n);
                        else if (KEY("kernel_release"))
                                take(&h->kernel_release, v, n);
                        else if (KEY("kernel_version"))
                                take(&h->kernel_version, v, n);
                        else if (KEY("cgroup")) {
                                /* "0::/path" (unified) or "1:name=systemd:/path" (v1) */
                                const char *c1 = memchr(v, ':', n), *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (v + n - c1 - 1)) : NULL;

                                if (c2 && c1 == v + 1 && v[0] == '0' && c2 == c1 + 1)
                                        take(&unified, c2 + 1, (size_t) (v + n - c2 - 1));
                                else if (c2 && (size_t) (c2 - c1 - 1) == 12 && memcmp(c1 + 1, "name=systemd", 12) == 0)
                                        take(&systemd, c2 + 1, (size_t) (v + n - c2 - 1));
                                else if (c2) {
                                        /* Other v1 hierarchies name container scopes too. */
                                        char *path = dup_n(c2 + 1, (size_t) (v + n - c2 - 1));
                                        struct symb_host probe = {};

                                        if (path) {
                                                units_from_path(&probe, path);
                                                if (probe.container && !h->container) {
                                                        h->container = probe.container;
                                                        h->container_id = probe.container_id;
                                                        h->container_name = probe.container_name;
                                                        probe.container = probe.container_id = probe.container_name = NULL;
                                                }
                                                symb_host_done(&probe);
                                                free(path);
                                        }
                                }
                        } else if (KEY("dockerenv") && !h->container)
                                h->container = strdup("docker");
                        else if (KEY("containerenv")) {
                                const char *e2 = memchr(v, '=', n);

                                if (!h->container || !strcmp(h->container, "podman")) {
                                        if (!h->container)
                                                h->container = strdup("podman");
                                        if (e2 && e2 - v == 4 && !memcmp(v, "name", 4) && !h->container_name)
                                                h->container_name = unquote(e2 + 1, (size_t) (v + n - e2 - 1));
                                        else if (e2 && e2 - v == 2 && !memcmp(v, "id", 2) && !h->container_id)
                                                h->container_id = unquote(e2 + 1, (size_t) (v + n - e2 - 1));
                                }
                        }
#undef KEY
                }
                s = nl ? nl + 1 : end;
        }
        h->cgroup = unified && strcmp(unified, "/") ? unified : systemd ? systemd : unified;
        if (h->cgroup == unified)
                free(systemd);
        else
                free(unified);
        if (h->cgroup)
                units_from_path(h, h->cgroup);
        return true;
}

void symb_host_done(struct symb_host *h) {
        free(h->hostname);
        free(h->machine_id);
        free(h->boot_id);
        free(h->kernel_release);
        free(h->kernel_version);
        free(h->cgroup);
        free(h->unit);
        free(h->slice);
        free(h->user_unit);
        free(h->container);
        free(h->container_id);
        free(h->container_name);
        memset(h, 0, sizeof(*h));
}
