/* SPDX-License-Identifier: MIT */
/* crashdump.h: the optional API of libcrashdump.so for programs that link
 * it (-lcrashdump) instead of, or as well as, loading it with LD_PRELOAD.
 * Every function is safe to call from any thread, never allocates after
 * the library has loaded, and does nothing harmful when the dumper is
 * disabled. Programs that only LD_PRELOAD the library can reach the same
 * functions with dlsym(RTLD_DEFAULT, "crashdump_write_dump"). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of what a dump keeps (longer text is cut). */
#define CRASHDUMP_TAG_KEY_MAX      63
#define CRASHDUMP_TAG_VALUE_MAX    191
#define CRASHDUMP_MAX_TAGS         64
#define CRASHDUMP_BREADCRUMB_MAX   239
#define CRASHDUMP_MAX_BREADCRUMBS  64

enum crashdump_level {
        CRASHDUMP_DEBUG = 0,
        CRASHDUMP_INFO = 1,
        CRASHDUMP_WARNING = 2,
        CRASHDUMP_ERROR = 3,
};

/* Sets key to value in every later dump; a NULL value removes the key.
 * Returns 0, -EINVAL for an empty key, or -ENOSPC when the table is full. */
int crashdump_set_tag(const char *key, const char *value);

/* Adds a line to a ring of the last CRASHDUMP_MAX_BREADCRUMBS messages,
 * which every later dump carries, oldest first. */
void crashdump_breadcrumb(enum crashdump_level level, const char *message);

/* Writes a dump of the whole process now, without crashing, and returns
 * when the file is in place (for handled errors, hangs, watchdogs). Other
 * threads are stopped while their state is copied, for a few milliseconds.
 * Returns 0, -EBUSY if a dump is being written, or another -errno. */
int crashdump_write_dump(void);

#ifdef __cplusplus
}
#endif
