/* SPDX-License-Identifier: MIT */
/* symbolicate/budget.h: what one symb_symbolicate() call may still spend
 * (symb_limits), checked by the loops over threads (report.c), frames
 * (frames.c, unwind.c) and variables (variables.c), and what was cut. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "symbolicate.h"

struct symb_budget {
        struct symb_limits l;           /* defaults filled in */
        struct timespec deadline;       /* CLOCK_MONOTONIC */
        bool expired;
        size_t frames_left, vars_left;
        uint64_t bytes_left;

        /* The thread being walked: NULL, or why it gets no values. */
        const char *values_off;
        /* The frame being built: NULL, or why its variables stopped. */
        const char *frame_cut;

        /* For the report's line: what was cut. */
        bool cut_frames, cut_frame_vars, cut_report_vars, cut_bytes, cut_time;
        size_t threads_with_values;
};

/* The limits with every 0 replaced by its default. */
void symb_limits_fill(struct symb_limits *l);
void symb_budget_start(struct symb_budget *b, const struct symb_limits *l);
/* Whether the time limit passed (once true, stays true). */
bool symb_budget_expired(struct symb_budget *b);
/* Whether one more variable may be described in a frame that has n_vars;
 * if not, b->frame_cut says why. */
bool symb_budget_var_ok(struct symb_budget *b, size_t n_vars);
/* Charges v's text to the report. */
void symb_budget_var_spent(struct symb_budget *b, const struct symb_var *v);
/* The report's truncated line (malloc'ed), NULL when nothing was cut or
 * out of memory (*oom then). */
char *symb_budget_summary(const struct symb_budget *b, size_t in_dump, size_t listed, bool *oom);

/* The reasons a thread or frame carries (static text). */
#define SYMB_CUT_THREADS "past the threads with values (max_threads)"
#define SYMB_CUT_TIME "the time limit passed (time_limit_ms)"
#define SYMB_CUT_BYTES "the report's bytes of values are spent (max_value_bytes)"
#define SYMB_CUT_REPORT_VARS "the report's variables are spent (max_report_vars)"
#define SYMB_CUT_FRAME_VARS "more variables than a frame may have (max_vars)"
#define SYMB_CUT_FRAMES "the report's frames are spent (max_report_frames)"
