/* SPDX-License-Identifier: MIT */
/* symbolicate/budget.c: see budget.h.
 *
 * The defaults keep a real program whole and a hostile dump small. A big
 * server has a thousand threads (gdb's `thread apply all bt full` shows
 * them all), most parked in a few frames; measured on
 * tests/symbolicate/test-symb-amplify.c, 1,000 threads of four frames
 * with arrays and structs give 5.7 MB of JSON, so 1024 threads with values
 * and a 16 MiB budget of value text (three times that) leave room for
 * deep stacks. Threads past 1024 are still listed with their frames, as
 * many again as three times that, so a pool of idle workers is seen;
 * 131072 frames is 1024 threads of 128 frames. A dump that would need
 * more is cut and says so: 65,536 threads on one stack made 375 MB of
 * JSON, and now 12.9 MB. The worst a dump can make of these defaults is
 * about 80 MB of JSON (131072 frames of ~300 bytes, 262144 variables of
 * ~80 bytes around their text, 16 MiB of text), against no bound at all
 * before; lower them on small machines. One minute of
 * wall time is far more than any real dump takes (the 1,000 threads:
 * 0.6 s) and far less than the daemon's 5-minute watchdog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

#define DEFAULT_MAX_THREADS 1024
#define DEFAULT_MAX_THREADS_LISTED 4096
#define DEFAULT_MAX_REPORT_FRAMES 131072
#define DEFAULT_MAX_VARS 1024
#define DEFAULT_MAX_REPORT_VARS 262144
#define DEFAULT_MAX_VALUE_BYTES (UINT64_C(16) << 20)
#define DEFAULT_TIME_LIMIT_MS 60000

void symb_limits_fill(struct symb_limits *l) {
        if (!l->max_threads)
                l->max_threads = DEFAULT_MAX_THREADS;
        if (!l->max_threads_listed)
                l->max_threads_listed = DEFAULT_MAX_THREADS_LISTED;
        if (l->max_threads_listed < l->max_threads)
                l->max_threads_listed = l->max_threads;
        if (!l->max_report_frames)
                l->max_report_frames = DEFAULT_MAX_REPORT_FRAMES;
        if (!l->max_vars)
                l->max_vars = DEFAULT_MAX_VARS;
        if (!l->max_report_vars)
                l->max_report_vars = DEFAULT_MAX_REPORT_VARS;
        if (!l->max_value_bytes)
                l->max_value_bytes = DEFAULT_MAX_VALUE_BYTES;
        if (!l->time_limit_ms)
                l->time_limit_ms = DEFAULT_TIME_LIMIT_MS;
}

void symb_budget_start(struct symb_budget *b, const struct symb_limits *l) {
        memset(b, 0, sizeof(*b));
        b->l = *l;
        symb_limits_fill(&b->l);
        clock_gettime(CLOCK_MONOTONIC, &b->deadline);
        b->deadline.tv_sec += b->l.time_limit_ms / 1000;
        b->deadline.tv_nsec += (long) (b->l.time_limit_ms % 1000) * 1000000;
        if (b->deadline.tv_nsec >= 1000000000) {
                b->deadline.tv_sec++;
                b->deadline.tv_nsec -= 1000000000;
        }
        b->frames_left = b->l.max_report_frames;
        b->vars_left = b->l.max_report_vars;
        b->bytes_left = b->l.max_value_bytes;
}

bool symb_budget_expired(struct symb_budget *b) {
        struct timespec now;

        if (b->expired)
                return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > b->deadline.tv_sec ||
            (now.tv_sec == b->deadline.tv_sec && now.tv_nsec >= b->deadline.tv_nsec))
                b->expired = b->cut_time = true;
        return b->expired;
}

bool symb_budget_var_ok(struct symb_budget *b, size_t n_vars) {
        if (b->frame_cut)
                return false;
        if (b->values_off)
                b->frame_cut = b->values_off;
        else if (symb_budget_expired(b))
                b->frame_cut = SYMB_CUT_TIME;
        else if (b->bytes_left == 0)
                b->frame_cut = SYMB_CUT_BYTES, b->cut_bytes = true;
        else if (b->vars_left == 0)
                b->frame_cut = SYMB_CUT_REPORT_VARS, b->cut_report_vars = true;
        else if (n_vars >= b->l.max_vars)
                b->frame_cut = SYMB_CUT_FRAME_VARS, b->cut_frame_vars = true;
        return !b->frame_cut;
}

static size_t len(const char *s) {
        return s ? strlen(s) : 0;
}

void symb_budget_var_spent(struct symb_budget *b, const struct symb_var *v) {
        uint64_t n = len(v->name) + len(v->type) + len(v->value) + len(v->reason) + len(v->detail);

        b->bytes_left = n < b->bytes_left ? b->bytes_left - n : 0;
        if (b->vars_left)
                b->vars_left--;
}

char *symb_budget_summary(const struct symb_budget *b, size_t in_dump, size_t listed, bool *oom) {
        char *s = NULL;
        size_t n = 0;
        FILE *f;

        if (listed == in_dump && b->threads_with_values == listed && !b->cut_frames && !b->cut_frame_vars &&
            !b->cut_report_vars && !b->cut_bytes && !b->cut_time)
                return NULL;
        f = open_memstream(&s, &n);
        if (!f) {
                *oom = true;
                return NULL;
        }
        fprintf(f, "%zu threads in the dump, %zu listed", in_dump, listed);
        if (listed < in_dump)
                fprintf(f, " (max_threads_listed %u)", b->l.max_threads_listed);
        fprintf(f, ", %zu with values", b->threads_with_values);
        if (b->threads_with_values < listed && listed > b->l.max_threads)
                fprintf(f, " (max_threads %u)", b->l.max_threads);
        if (b->cut_time)
                fprintf(f, "; the time limit passed (time_limit_ms %u)", b->l.time_limit_ms);
        if (b->cut_frames)
                fprintf(f, "; frames cut (max_report_frames %u)", b->l.max_report_frames);
        if (b->cut_bytes)
                fprintf(f, "; values cut (max_value_bytes %llu)", (unsigned long long) b->l.max_value_bytes);
        if (b->cut_report_vars)
                fprintf(f, "; variables cut (max_report_vars %u)", b->l.max_report_vars);
        if (b->cut_frame_vars)
                fprintf(f, "; variables cut in a frame (max_vars %u)", b->l.max_vars);
        if (fclose(f) != 0) {
                free(s);
                *oom = true;
                return NULL;
        }
        return s;
}
