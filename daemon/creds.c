/* SPDX-License-Identifier: MIT */
/* daemon/creds.c: see creds.h. Raw system calls throughout: glibc's
 * setgroups() and libcap-style wrappers would change every thread of the
 * process (glibc broadcasts set*id calls to all threads), and the point
 * is to change this one. */
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "creds.h"

/* Effective set := nothing, or := the permitted set. */
static bool set_effective(bool all) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
                d[i].effective = all ? d[i].permitted : 0;
        return syscall(SYS_capset, &h, d) == 0;
}

bool creds_become(uid_t uid, gid_t gid) {
        if (uid != 0 && syscall(SYS_setgroups, 0, NULL) < 0)
                return false;
        (void) setfsgid(gid);
        (void) setfsuid(uid);
        /* The calls return the previous id: asking again tells whether it stuck. */
        if ((uid_t) setfsuid(uid) != uid || (gid_t) setfsgid(gid) != gid)
                return false;
        return set_effective(uid == 0);
}
