/* SPDX-License-Identifier: MIT */
/* daemon/log.h: the daemon's only way to say something. Plain lines on
 * stderr, or journald entries with structured fields when stderr is the
 * journal (JOURNAL_STREAM) or the config asks for it. Errors are logged
 * once, where they are handled, and the log_*_errno() forms return the
 * negative errno they were given so that `return log_error_errno(r, ...)`
 * reads as systemd's does. "%m" prints that errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

enum log_target {
        LOG_TARGET_AUTO,        /* journald if stderr is connected to it, else the console */
        LOG_TARGET_CONSOLE,
        LOG_TARGET_JOURNAL,
};

void log_setup(enum log_target target, int max_level);
void log_set_max_level(int max_level);
int log_get_max_level(void);
bool log_to_journal(void);

int log_internal(int level, int error, const char *file, int line,
                 const char *format, ...) __attribute__((format(printf, 5, 6)));

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)

/* The one line per stored crash, with journald fields CRASHD_REPORT_ID,
 * CRASHD_PROGRAM, CRASHD_SIGNAL, CRASHD_SIGNATURE, CRASHD_UID, CRASHD_PID
 * and a MESSAGE_ID that `journalctl MESSAGE_ID=` can select on. Strings
 * come from dumps and are escaped here. */
struct log_crash {
        int64_t id;
        const char *program;
        uint32_t signo;
        const char *signature;
        uint32_t uid, pid;
        int64_t group_id;
        uint64_t group_count;
};
void log_crash(const struct log_crash *c);

/* "crashd: " text that came from outside (dump contents, file names):
 * control characters and non-ASCII bytes become \xNN so that a log line
 * stays one line. Writes at most size bytes including the NUL. */
void log_escape(const char *s, char *buf, size_t size);

/* Parses "debug", "info", "notice", "warning", "err"/"error" (or a number
 * 0-7); returns the level or -EINVAL. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
