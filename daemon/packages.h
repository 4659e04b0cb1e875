/* SPDX-License-Identifier: MIT */
/* daemon/packages.h: which Debian package holds a file, and its version,
 * from dpkg's own database (the .list files in ADMIN/info and ADMIN/status, ADMIN
 * being /var/lib/dpkg), read by the daemon's workers, never at crash
 * time. The answers are cached per path (a bounded table) and forgotten
 * when dpkg's status file changes. Thread-safe. */
#pragma once

#include <stdbool.h>

#define PACKAGES_ADMIN_DIR "/var/lib/dpkg"

/* path: an absolute path from a dump (hostile; only compared, never
 * opened). On a hit, *ret_name ("coreutils") and *ret_version
 * ("9.1-1"), malloc'ed; false when no installed package lists the file
 * (or there is no dpkg, or out of memory). A /usr-merged path also
 * matches the package's /bin, /sbin or /lib name of it. */
bool packages_owner(const char *admin_dir, const char *path, char **ret_name, char **ret_version);

/* Frees the cache (at exit; tests). */
void packages_forget(void);
