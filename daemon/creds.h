/* SPDX-License-Identifier: MIT */
/* daemon/creds.h: the calling thread takes a user's identity for files
 * (and gives it back), so that what a dump names is opened as its owner
 * could open it. Per thread: the other workers and the loop keep root's. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* uid != 0: no supplementary groups, fsuid/fsgid uid/gid, and no
 * capability in the effective set (setfsuid() alone keeps
 * CAP_SYS_PTRACE, which opens /proc/<pid>/ of every process).
 * uid == 0: root's file identity and every permitted capability back.
 * Returns whether it all took. */
bool creds_become(uid_t uid, gid_t gid);
