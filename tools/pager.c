/* SPDX-License-Identifier: MIT */
/* tools/pager.c: see pager.h. The pager is our child, reading a pipe that
 * becomes our stdout; we wait for it at the end so that the shell prompt
 * comes back after it, and a pager that quits early makes our writes
 * fail with EPIPE (SIGPIPE ignored), which ends the command quietly. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pager.h"

static pid_t pager_pid = -1;

static const char *pager_command(void) {
        const char *p = getenv("CRASHCTL_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (!p)
                return "less";
        /* Spaces alone, or cat: no pager. */
        if (strspn(p, " \t") == strlen(p) || strcmp(p, "cat") == 0)
                return NULL;
        return p;
}

void pager_open(bool disabled) {
        const char *cmd;
        int fds[2];
        pid_t pid;

        if (disabled || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;
        cmd = pager_command();
        if (!cmd)
                return;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                close(fds[0]);
                close(fds[1]);
                /* less's defaults for a tool's output, as systemd sets them. */
                (void) setenv("LESS", "FRSXMK", 0);
                (void) setenv("LESSCHARSET", "utf-8", 0);
                execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
                fprintf(stderr, "crashctl: cannot start the pager '%s': %m\n", cmd);
                _exit(EXIT_FAILURE);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                close(fds[0]);
                close(fds[1]);
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        close(fds[0]);
        close(fds[1]);
        /* A pager that quits before the end: writes fail instead of
         * killing us, and main() reports nothing for EPIPE. */
        (void) signal(SIGPIPE, SIG_IGN);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        /* The pager sees the end of its input when the last writer's
         * descriptor closes; stdout stays a valid FILE with nothing in it. */
        (void) fflush(stdout);
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = -1;
}

bool pager_running(void) {
        return pager_pid > 0;
}
