/* SPDX-License-Identifier: MIT */
/* symbolicate/debuginfod.c: files by build-id from debuginfod servers
 * (DEBUGINFOD_URLS), never for long. crashd drives libdebuginfod itself,
 * one client per context, with a progress function that cancels the
 * transfer at the deadline of the current symb_symbolicate() call; once it
 * has passed, no more queries for that dump. (libdwfl's own debuginfod
 * path, dwfl_get_debuginfod_client, is never reached: our Dwfl callbacks do
 * not call the standard ones.) What comes back is checked by build-id in
 * modules.c like any other file. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "symb-internal.h"

#if HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>

static int dbgd_progress(debuginfod_client *cl, long a, long b) {
        struct symb_context *c = debuginfod_get_user_data(cl);
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > c->dbgd_deadline.tv_sec ||
            (now.tv_sec == c->dbgd_deadline.tv_sec && now.tv_nsec >= c->dbgd_deadline.tv_nsec)) {
                c->dbgd_expired = true;
                return 1;       /* cancels the transfer */
        }
        return 0;
}

static debuginfod_client *dbgd_client(struct symb_context *c) {
        const char *urls = getenv("DEBUGINFOD_URLS");

        if (c->dbgd_expired || !urls || !*urls)
                return NULL;
        if (!c->dbgd && !c->dbgd_tried) {
                c->dbgd_tried = true;
                c->dbgd = debuginfod_begin();
                if (c->dbgd) {
                        debuginfod_set_user_data(c->dbgd, c);
                        debuginfod_set_progressfn(c->dbgd, dbgd_progress);
                }
        }
        return c->dbgd;
}

int symb_debuginfod_fetch(struct symb_context *c, const uint8_t *id, size_t n, bool debuginfo, char **ret_path) {
        debuginfod_client *cl = dbgd_client(c);

        *ret_path = NULL;
        if (!cl || n == 0)
                return -ENOSYS;
        return debuginfo ? debuginfod_find_debuginfo(cl, id, (int) n, ret_path)
                         : debuginfod_find_executable(cl, id, (int) n, ret_path);
}
#else
int symb_debuginfod_fetch(struct symb_context *c, const uint8_t *id, size_t n, bool debuginfo, char **ret_path) {
        *ret_path = NULL;
        return -ENOSYS;
}
#endif

void symb_debuginfod_free(struct symb_context *c) {
#if HAVE_DEBUGINFOD
        if (c->dbgd)
                debuginfod_end(c->dbgd);
#endif
        c->dbgd = NULL;
}
