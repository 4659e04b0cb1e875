/* SPDX-License-Identifier: MIT */
/* symbolicate/host.h: who crashed, where, from the dump's host stream
 * (PROTO_STREAM_HOST, proto/FORMAT.md): the host, the kernel, the
 * systemd unit and slice from the process's cgroup, and the container
 * when a runtime's cgroup scope or marks name one. Every field is what
 * the dump says (a hostile dump can say anything; the formatters escape
 * it) or NULL when it does not say. */
#pragma once

#include "reader.h"

struct symb_host {
        char *hostname, *machine_id, *boot_id, *kernel_release, *kernel_version;
        char *cgroup;           /* the unified hierarchy's path (0::), else systemd's (name=systemd) */
        char *unit;             /* the systemd unit: the first component under the slices */
        char *slice;            /* the slice it is in */
        char *user_unit;        /* under user@UID.service: the user manager's unit */
        char *container;        /* "docker", "podman", "containerd", "cri-o", "kubernetes", "lxc",
                                   "systemd-nspawn"; NULL when none is seen */
        char *container_id, *container_name;
};

/* false when the dump has no host stream (h is then all NULL); -ENOMEM
 * is reported as false too, the host being optional. */
bool symb_host_get(const struct proto_dump *d, struct symb_host *h);
void symb_host_done(struct symb_host *h);
