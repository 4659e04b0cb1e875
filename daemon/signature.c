/* SPDX-License-Identifier: MIT */
/* daemon/signature.c: crash signatures for grouping (see signature.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature.h"
#include "util.h"

#define FRAME_NAME_MAX 256      /* one frame's part of the signature */

/* Basenames of the libraries every process has; their frames are how a
 * crash is delivered, not where the bug is. */
static const char *const system_libraries[] = {
        "libc.so", "libc-", "ld-linux", "ld.so", "ld64.so", "libstdc++", "libgcc_s",
        "libpthread", "libdl.so", "libm.so", "librt.so", "libcrashdump", "libasan",
        "libubsan", "libtsan", "linux-vdso", "linux-gate", "[vdso]",
};

/* Where distributions install libraries (Sentry's native in-app rules mark
 * packages under /usr/lib and /lib not in-app in the same way). */
static const char *const system_dirs[] = { "/lib/", "/lib32/", "/lib64/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/" };

/* Functions that raise, abort or unwind on behalf of the real culprit
 * (Socorro's irrelevant and prefix lists, trimmed to Linux). */
static const char *const noise_exact[] = {
        "abort", "raise", "gsignal", "pthread_kill", "__assert_fail", "__assert_fail_base",
        "__assert_perror_fail", "__assert", "__cxa_throw", "__cxa_rethrow", "__cxa_call_terminate",
        "__cxa_call_unexpected", "__cxa_pure_virtual", "__cxa_deleted_virtual",
        "std::terminate", "std::__terminate", "__cxxabiv1::__terminate", "__cxxabiv1::__unexpected",
        "__gnu_cxx::__verbose_terminate_handler", "_Unwind_RaiseException", "_Unwind_Resume",
        "_Unwind_Resume_or_Rethrow", "__stack_chk_fail", "__stack_chk_fail_local", "__fortify_fail",
        "__chk_fail", "__libc_message", "__libc_fatal", "malloc_printerr", "__restore_rt",
        "__kernel_vsyscall",
};
static const char *const noise_prefix[] = {
        "__GI_", "__libc_", "__pthread_kill", "std::__throw_", "crashdump_", "dumper_",
        "__sanitizer", "__asan", "__ubsan",
};

/* GCC's names for partial copies of a function: foo.constprop.0,
 * foo.isra.0, foo.part.0, foo.cold, foo.lto_priv.0. */
static const char *const clone_suffixes[] = { ".constprop", ".isra", ".part", ".cold", ".lto_priv", ".clone" };

static const char *basename_of(const char *path) {
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

bool signature_module_is_system(const char *module, const char *executable) {
        const char *base;

        if (!module)
                return false;
        if (executable && strcmp(module, executable) == 0)
                return false;
        base = basename_of(module);
        for (size_t i = 0; i < ELEMENTSOF(system_libraries); i++)
                if (strncmp(base, system_libraries[i], strlen(system_libraries[i])) == 0)
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++)
                if (strncmp(module, system_dirs[i], strlen(system_dirs[i])) == 0)
                        return true;
        return false;
}

bool signature_function_is_noise(const char *f) {
        for (size_t i = 0; i < ELEMENTSOF(noise_exact); i++)
                if (strcmp(f, noise_exact[i]) == 0)
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(noise_prefix); i++)
                if (strncmp(f, noise_prefix[i], strlen(noise_prefix[i])) == 0)
                        return true;
        return false;
}

static bool is_operator_char(char c) {
        return c && strchr("<>=!+-*/%^&|~,", c);
}

/* Whether name[0..i) ends with the keyword "operator". */
static bool ends_with_operator(const char *name, size_t i) {
        if (i < 8 || memcmp(name + i - 8, "operator", 8) != 0)
                return false;
        return i == 8 || name[i - 9] == ':' || name[i - 9] == ' ';
}

void signature_normalize_function(const char *name, char *buf, size_t size) {
        size_t n = strlen(name), cut = n;
        int angle = 0, brace = 0, paren = 0;

        for (size_t i = 0; i < n; i++) {
                char c = name[i];

                if (ends_with_operator(name, i)) {
                        /* operator(), operator[], operator<<, operator->: the
                         * punctuation is the name, not brackets. */
                        if ((c == '(' && name[i + 1] == ')') || (c == '[' && name[i + 1] == ']')) {
                                i++;
                                continue;
                        }
                        while (is_operator_char(name[i]))
                                i++;
                        if (i >= n)
                                break;
                        c = name[i];
                }
                if (c == '(' && angle == 0 && brace == 0 && paren == 0 &&
                    strncmp(name + i, "(anonymous namespace)", 21) == 0) {
                        i += 20;
                        continue;
                }
                switch (c) {
                case '<': angle++; break;
                case '>': if (angle > 0) angle--; break;
                case '{': brace++; break;
                case '}': if (brace > 0) brace--; break;
                case ')': if (paren > 0) paren--; break;
                case '(':
                        if (angle == 0 && brace == 0 && paren == 0 && i > 0) {
                                cut = i;
                                goto done;
                        }
                        paren++;
                        break;
                }
        }
done:
        for (size_t k = 0; k < ELEMENTSOF(clone_suffixes); k++) {
                const char *s = strstr(name, clone_suffixes[k]);

                if (s && (size_t) (s - name) < cut && s > name)
                        cut = (size_t) (s - name);
        }
        while (cut > 0 && name[cut - 1] == ' ')
                cut--;
        if (size == 0)
                return;
        if (cut >= size)
                cut = size - 1;
        memcpy(buf, name, cut);
        buf[cut] = 0;
}

static void frame_name(const struct symb_frame *f, char *buf, size_t size) {
        if (f->function && f->function[0]) {
                signature_normalize_function(f->function, buf, size);
                if (buf[0])
                        return;
        }
        if (f->module)
                (void) snprintf(buf, size, "%s+0x%" PRIx64, basename_of(f->module), f->pc - f->module_base);
        else
                (void) snprintf(buf, size, "0x%" PRIx64, f->pc);
}

static const struct symb_thread *crashing_thread(const struct symb_report *r) {
        for (size_t i = 0; i < r->n_threads; i++)
                if (r->threads[i].crashed)
                        return &r->threads[i];
        return r->n_threads ? &r->threads[0] : NULL;
}

/* Appends part to sig (size SIGNATURE_MAX) unless it repeats the last
 * part: recursion counts once. */
static size_t append(char *sig, size_t len, const char *part, char *last) {
        int n;

        if (strcmp(part, last) == 0)
                return len;
        n = snprintf(sig + len, SIGNATURE_MAX - len, "%s%s", len ? " | " : "", part);
        (void) strlcpy_ok(last, part, FRAME_NAME_MAX);
        if (n < 0 || (size_t) n >= SIGNATURE_MAX - len)
                return SIGNATURE_MAX - 1;
        return len + (size_t) n;
}

static size_t collect(const struct symb_thread *t, const char *exe, unsigned max, bool in_app_only, char *sig) {
        char name[FRAME_NAME_MAX], last[FRAME_NAME_MAX] = "";
        size_t len = 0;
        unsigned taken = 0;
        bool top = true;

        sig[0] = 0;
        for (size_t i = 0; i < t->n_frames && taken < max && len < SIGNATURE_MAX - 1; i++) {
                const struct symb_frame *f = &t->frames[i];

                frame_name(f, name, sizeof(name));
                /* The noise list applies to the top of the stack only, as
                 * Socorro's prefix list does: below the first real frame, an
                 * in-app function called abort() is still part of the story. */
                if (top && signature_function_is_noise(name))
                        continue;
                if (in_app_only && signature_module_is_system(f->module, exe))
                        continue;
                top = false;
                if (strcmp(name, last) == 0)
                        continue;
                len = append(sig, len, name, last);
                taken++;
        }
        return len;
}

int signature_from_report(const struct symb_report *r, unsigned max_frames, char **ret) {
        const struct symb_thread *t = crashing_thread(r);
        const char *exe = r->n_modules ? r->modules[0].name : NULL;
        char sig[SIGNATURE_MAX];
        size_t len = 0;
        char *s;

        if (max_frames == 0)
                max_frames = 1;
        if (t) {
                len = collect(t, exe, max_frames, /* in_app_only= */ true, sig);
                /* A crash with no in-app frame at all (a library's own
                 * thread, a stripped program): the top frames, noise aside. */
                if (len == 0)
                        len = collect(t, exe, max_frames, /* in_app_only= */ false, sig);
        }
        /* An uncaught C++ exception: its type leads, so that the same
         * frames throwing another type are another bug (Sentry groups by
         * exception type first as well). */
        if (r->exception && r->exception->type && r->exception->type[0]) {
                if (asprintf(&s, "%.*s | %s", FRAME_NAME_MAX, r->exception->type, len ? sig : "<no frames>") < 0)
                        return -ENOMEM;
                if (strlen(s) >= SIGNATURE_MAX)
                        s[SIGNATURE_MAX - 1] = 0;
        } else if (!(s = strdup(len ? sig : "<no frames>")))
                return -ENOMEM;
        *ret = s;
        return 0;
}
