/* SPDX-License-Identifier: MIT */
/* tools/match.h: naming stored crashes on the command line, as
 * coredumpctl's MATCHES do. A MATCH is one of
 *   N                 the crash with ID N, if the caller has one; else the crashes of PID N
 *   ID=N, PID=N       explicitly one or the other
 *   COMM=NAME         the process's name (its main thread's comm)
 *   EXE=PATH, PATH    the executable (an argument with a '/'; an existing file is resolved)
 *   SIGNATURE=S       the crash signature (crashctl groups)
 *   GROUP=N           a group's ID (crashctl groups)
 *   BUILD_ID=HEX      the executable's build-id
 *   NAME              the process's name, the executable's last part, or a signature
 * Several MATCHes must all hold. Each becomes fields of the API's "list"
 * request (daemon/query.h), so the daemon and the database agree. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Adds arg to req. -EINVAL with a reason in err for a MATCH that cannot be read. */
int match_add(json_t *req, const char *arg, char *err, size_t errlen);

/* A dump named by its path, not a MATCH: an argument ending in .dmp or
 * .dmp.zst, an existing file that is not an executable, or an executable
 * one that starts like a minidump (MDMP) or a zstd frame. */
bool match_is_dump_path(const char *arg);
