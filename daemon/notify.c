/* SPDX-License-Identifier: MIT */
/* daemon/notify.c: see notify.h. One datagram to $NOTIFY_SOCKET (a path,
 * or '@' for the abstract namespace), as sd_notify(3) describes it. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

int notify_send(const char *message, bool wait) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t n, len = strlen(message);
        socklen_t salen;
        int fd, r = 0;

        if (!path || !path[0])
                return 0;
        n = strlen(path);
        if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, n);
        if (path[0] == '@')
                sa.sun_path[0] = 0;
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        for (int waited = 0;;) {
                if (sendto(fd, message, len, MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) >= 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN || !wait || waited >= NOTIFY_WAIT_MS) {
                        r = -errno;
                        break;
                }
                /* Full: a datagram socket cannot say when there is room
                 * for an unconnected sender, so try again shortly. */
                (void) poll(NULL, 0, 20);
                waited += 20;
        }
        close(fd);
        return r;
}
