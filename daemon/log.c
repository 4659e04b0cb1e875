/* SPDX-License-Identifier: MIT */
/* daemon/log.c: console or journald output (see log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "util.h"

/* journalctl MESSAGE_ID=... finds every crash crashd stored. */
#define CRASH_MESSAGE_ID "8d45620c1a4348dbb1f1a8d6b0e3c7a5"

static int max_level = LOG_INFO;
static bool journal;

/* systemd sets JOURNAL_STREAM=DEV:INO for a service whose stderr goes to
 * the journal; matching it against our stderr tells that apart from an
 * inherited variable. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(enum log_target target, int level) {
        max_level = level;
        switch (target) {
        case LOG_TARGET_AUTO:
                journal = stderr_is_journal();
                break;
        case LOG_TARGET_CONSOLE:
                journal = false;
                break;
        case LOG_TARGET_JOURNAL:
                journal = true;
                break;
        }
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

bool log_to_journal(void) {
        return journal;
}

int log_internal(int level, int error, const char *file, int line, const char *format, ...) {
        char msg[2048];
        va_list ap;
        int e = error < 0 ? -error : error;

        if (level > max_level)
                return -e;

        errno = e;      /* for %m */
        va_start(ap, format);
        (void) vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);

        if (journal) {
                char code_line[32], errno_field[32];

                (void) snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);
                (void) snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", e);
                (void) sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%i", level,
                                       "SYSLOG_IDENTIFIER=crashd", "CODE_FILE=%s", file,
                                       code_line, e ? errno_field : NULL, NULL);
        } else {
                /* One write per line, so lines from a crashing shutdown
                 * do not interleave. */
                (void) fprintf(stderr, "%s\n", msg);
                (void) fflush(stderr);
        }
        return -e;
}

void log_escape(const char *s, char *buf, size_t size) {
        static const char hex[] = "0123456789abcdef";
        size_t n = 0;

        if (size == 0)
                return;
        if (!s)
                s = "";
        for (; *s && n + 1 < size; s++) {
                unsigned char c = (unsigned char) *s;

                if (c >= 0x20 && c < 0x7f && c != '\\') {
                        buf[n++] = (char) c;
                        continue;
                }
                if (n + 5 > size)
                        break;
                buf[n++] = '\\';
                buf[n++] = 'x';
                buf[n++] = hex[c >> 4];
                buf[n++] = hex[c & 15];
        }
        buf[n] = 0;
}

void log_crash(const struct log_crash *c) {
        char program[256], signature[1024];
        const char *sig = NULL;
        char signame[32], seen[96];

        if (LOG_INFO > max_level)
                return;
        log_escape(c->program, program, sizeof(program));
        log_escape(c->signature, signature, sizeof(signature));
        if (c->signo > 0)
                sig = sigabbrev_np((int) c->signo);
        if (sig)
                (void) snprintf(signame, sizeof(signame), "SIG%s", sig);
        else if (c->signo == 0)
                (void) snprintf(signame, sizeof(signame), "requested");
        else
                (void) snprintf(signame, sizeof(signame), "signal %u", c->signo);

        if (c->group_count == 1)
                (void) snprintf(seen, sizeof(seen), "new group %lld", (long long) c->group_id);
        else
                (void) snprintf(seen, sizeof(seen), "group %lld, seen %llu times", (long long) c->group_id,
                                (unsigned long long) c->group_count);
        if (!journal) {
                (void) fprintf(stderr, "Crash %lld: %s (pid %u, uid %u) %s in %s; %s\n", (long long) c->id, program,
                               c->pid, c->uid, signame, signature, seen);
                (void) fflush(stderr);
                return;
        }
        (void) sd_journal_send("MESSAGE=Crash %lld: %s (pid %u, uid %u) %s in %s; %s", (long long) c->id, program,
                               c->pid, c->uid, signame, signature, seen,
                               "MESSAGE_ID=" CRASH_MESSAGE_ID,
                               "PRIORITY=%i", LOG_INFO,
                               "SYSLOG_IDENTIFIER=crashd",
                               "CRASHD_REPORT_ID=%lld", (long long) c->id,
                               "CRASHD_PROGRAM=%s", program,
                               "CRASHD_SIGNAL=%s", signame,
                               "CRASHD_SIGNATURE=%s", signature,
                               "CRASHD_UID=%u", c->uid,
                               "CRASHD_PID=%u", c->pid,
                               "CRASHD_GROUP_ID=%lld", (long long) c->group_id,
                               NULL);
}

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (strcmp(s, "error") == 0)
                return LOG_ERR;
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcmp(s, level_names[i]) == 0)
                        return (int) i;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
                return s[0] - '0';
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(level_names))
                return "?";
        return level_names[level];
}
