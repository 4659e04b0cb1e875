/* SPDX-License-Identifier: MIT */
/* symbolicate/tree.c: the files under a --debug-dir that is a plain tree
 * (a build folder, an unpacked package), by base name. Each tree is walked
 * once per context; modules.c checks every candidate's build-id. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "symb-internal.h"

/* These bound a mistaken --debug-dir /: the walk stays cheap and cannot
 * loop (symlinked directories are not followed). */
#define TREE_MAX_DEPTH 12
#define TREE_MAX_FILES 200000

struct tree_entry {
        const char *base;       /* into path */
        char *path;
};

struct symb_tree {
        struct tree_entry *e;
        size_t n, cap;
};

static int tree_add(struct symb_tree *t, const char *path) {
        char *p;

        if (t->n >= TREE_MAX_FILES)
                return 0;
        if (t->n == t->cap) {
                size_t ncap = t->cap ? 2 * t->cap : 256;
                struct tree_entry *g = realloc(t->e, ncap * sizeof(*g));

                if (!g)
                        return -ENOMEM;
                t->e = g;
                t->cap = ncap;
        }
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        t->e[t->n++] = (struct tree_entry) {strrchr(p, '/') + 1, p};
        return 0;
}

static int tree_walk(struct symb_tree *t, const char *dir, unsigned depth) {
        DIR *dp;
        struct dirent *de;
        int r = 0;

        if (depth > TREE_MAX_DEPTH || !(dp = opendir(dir)))
                return 0;
        while (r == 0 && (de = readdir(dp))) {
                char path[PATH_MAX];
                int n;

                if (de->d_name[0] == '.' &&
                    (!de->d_name[1] || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".build-id")))
                        continue;
                n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (n < 0 || (size_t) n >= sizeof(path))
                        continue;
                /* Symlinks are taken as files (opened and checked later),
                 * never followed as directories: no loops. */
                if (de->d_type == DT_DIR)
                        r = tree_walk(t, path, depth + 1);
                else if (de->d_type == DT_REG || de->d_type == DT_LNK || de->d_type == DT_UNKNOWN)
                        r = tree_add(t, path);
        }
        closedir(dp);
        return r;
}

static int tree_cmp(const void *a, const void *b) {
        const struct tree_entry *x = a, *y = b;

        return strcmp(x->base, y->base);
}

static void symb_tree_free(struct symb_tree *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++)
                free(t->e[i].path);
        free(t->e);
        free(t);
}

static struct symb_tree *tree_get(struct symb_context *c, size_t i) {
        struct symb_tree *t;

        if (!c->trees) {
                c->trees = calloc(c->o.n_debug_dirs, sizeof(*c->trees));
                if (!c->trees)
                        return NULL;
        }
        if (c->trees[i])
                return c->trees[i];
        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        if (tree_walk(t, c->o.debug_dirs[i], 0) < 0) {
                symb_tree_free(t);
                return NULL;
        }
        if (t->n > 0)
                qsort(t->e, t->n, sizeof(*t->e), tree_cmp);
        c->trees[i] = t;
        return t;
}

const char *symb_tree_path(struct symb_context *c, size_t dir, const char *base, size_t k) {
        struct symb_tree *t = tree_get(c, dir);
        struct tree_entry key = {.base = base};
        struct tree_entry *e;

        if (!t || t->n == 0 || !(e = bsearch(&key, t->e, t->n, sizeof(*t->e), tree_cmp)))
                return NULL;
        while (e > t->e && !strcmp(e[-1].base, base))
                e--;
        for (; e < t->e + t->n && !strcmp(e->base, base); e++)
                if (k-- == 0)
                        return e->path;
        return NULL;
}

void symb_trees_free(struct symb_context *c) {
        for (size_t i = 0; c->trees && i < c->o.n_debug_dirs; i++)
                symb_tree_free(c->trees[i]);
        free(c->trees);
        c->trees = NULL;
}
