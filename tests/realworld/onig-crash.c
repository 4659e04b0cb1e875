/* SPDX-License-Identifier: MIT */
/* tests/realworld/onig-crash.c: a record scanner on Oniguruma 6.9.8
 * (Debian's librust-onig-sys-dev ships its C source; run-realworld.py
 * builds it at -O2 -g with this file) that dies inside Oniguruma's
 * matcher, for comparing `crashctl symbolicate` with gdb on real
 * optimized code.
 *
 * The main thread scans "key=value;..." records with a pattern with named
 * captures and a callout of contents, (?{field}). The callout (ours) takes
 * the key and value from the captures and checks an id with a second
 * pattern, a search of its own from inside the first one's match, whose
 * callout (?{copy_id}) copies the digits matched so far into the check's
 * 16-byte buffer. The bug: no bound. The record's id has 32 digits, so the
 * copy runs over the OnigRegion that follows the buffer in the same
 * struct, and its beg pointer becomes ASCII digits. The callout returns,
 * the match goes on, and at OP_END match_at stores the match's start
 * through region->beg: SIGSEGV (a non-canonical address) in Oniguruma's
 * code, with a nested match above it: match_at, search_in_range and
 * onig_search_with_param twice, our two callouts between.
 *
 * One more thread scans a stream whose callout (?{more}) waits for more
 * input in read() on a pipe nobody writes, so its match_at frames are
 * compared too; the main thread waits until it sits in the system call.
 * Nothing depends on time or the environment: two runs hold the same
 * values. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oniguruma.h"

#include "wait-in-syscall.h"

#define NOINLINE __attribute__((noinline))

struct id_check {
        char digits[16];        /* the id, copied by the copy_id callout */
        OnigRegion region;      /* the id pattern's captures, right after */
};

struct scanner {
        regex_t *field_re;      /* key=value, calls (?{field}) */
        regex_t *id_re;         /* digits, calls (?{copy_id}) */
        OnigMatchParam *mp;
        const char *record;
        int fields;
        struct id_check check;
};

static sem_t ready;
static int quiet_pipe[2];
static volatile pid_t stream_tid;       /* not main's local: tids differ run to run */

static int callout_is(OnigCalloutArgs *args, const char *name) {
        const UChar *c = onig_get_contents_by_callout_args(args);
        const UChar *e = onig_get_contents_end_by_callout_args(args);

        return c != NULL && (size_t) (e - c) == strlen(name) && memcmp(c, name, e - c) == 0;
}

/* (?{copy_id}): the digits matched so far, into the check's buffer. */
static int copy_id(OnigCalloutArgs *args, struct id_check *check) {
        const UChar *start = onig_get_start_by_callout_args(args);
        const UChar *current = onig_get_current_by_callout_args(args);

        memcpy(check->digits, start, (size_t) (current - start));      /* the bug: no bound */
        return ONIG_CALLOUT_SUCCESS;
}

NOINLINE static int validate_id(struct scanner *sc, const UChar *value, const UChar *value_end) {
        int r;

        onig_region_init(&sc->check.region);
        r = onig_search_with_param(sc->id_re, value, value_end, value, value_end, &sc->check.region,
                                   ONIG_OPTION_NONE, sc->mp);
        onig_region_free(&sc->check.region, 0);
        return r >= 0 ? ONIG_CALLOUT_SUCCESS : ONIG_CALLOUT_FAIL;
}

/* (?{field}): a key=value pair; ids are checked by the second pattern. */
static int on_field(OnigCalloutArgs *args, struct scanner *sc) {
        const UChar *str = onig_get_string_by_callout_args(args);
        int key_beg, key_end, value_beg, value_end;

        if (onig_get_capture_range_in_callout(args, 1, &key_beg, &key_end) != ONIG_NORMAL ||
            onig_get_capture_range_in_callout(args, 2, &value_beg, &value_end) != ONIG_NORMAL)
                return ONIG_CALLOUT_FAIL;
        sc->fields++;
        if (key_end - key_beg == 2 && memcmp(str + key_beg, "id", 2) == 0)
                return validate_id(sc, str + value_beg, str + value_end);
        return ONIG_CALLOUT_SUCCESS;
}

/* (?{more}): the stream scanner waits for input that never comes. */
static int wait_for_more(void) {
        char byte;

        sem_post(&ready);
        for (;;)
                if (read(quiet_pipe[0], &byte, 1) == 1)
                        return byte == 'x' ? ONIG_CALLOUT_FAIL : ONIG_CALLOUT_SUCCESS;
}

/* The one progress callout of every match: which one by its contents. */
static int on_callout(OnigCalloutArgs *args, void *user) {
        if (callout_is(args, "field"))
                return on_field(args, user);
        if (callout_is(args, "copy_id"))
                return copy_id(args, &((struct scanner *) user)->check);
        if (callout_is(args, "more"))
                return wait_for_more();
        return ONIG_CALLOUT_SUCCESS;
}

static regex_t *compile(const char *pattern) {
        regex_t *re;
        OnigErrorInfo einfo;
        int r = onig_new(&re, (const UChar *) pattern, (const UChar *) pattern + strlen(pattern),
                         ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_ONIGURUMA, &einfo);

        if (r != ONIG_NORMAL) {
                UChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];

                onig_error_code_to_str(msg, r, &einfo);
                fprintf(stderr, "onig_new(%s): %s\n", pattern, msg);
                exit(1);
        }
        return re;
}

/* Every key=value of the record, one search each. */
NOINLINE static int scan_record(struct scanner *sc) {
        const UChar *str = (const UChar *) sc->record;
        const UChar *end = str + strlen(sc->record);
        const UChar *at = str;
        OnigRegion *region = onig_region_new();
        int matches = 0;

        while (at < end) {
                int r = onig_search_with_param(sc->field_re, str, end, at, end, region, ONIG_OPTION_NONE, sc->mp);

                if (r < 0)
                        break;
                matches++;
                at = str + region->end[0];
        }
        onig_region_free(region, 1);
        return matches;
}

static void *stream_main(void *p) {
        regex_t *re = compile("(?<chunk>[a-z]+)(?{more})(?<rest>[a-z]*);");
        OnigMatchParam *mp = onig_new_match_param();
        OnigRegion *region = onig_region_new();
        static const char stream[] = "partial";

        pthread_setname_np(pthread_self(), "onig-stream");
        stream_tid = gettid();
        onig_initialize_match_param(mp);
        onig_set_progress_callout_of_match_param(mp, on_callout);
        onig_search_with_param(re, (const UChar *) stream, (const UChar *) stream + sizeof stream - 1,
                               (const UChar *) stream, (const UChar *) stream + sizeof stream - 1, region,
                               ONIG_OPTION_NONE, mp);
        return NULL;
}

int main(void) {
        static OnigEncoding encodings[] = { ONIG_ENCODING_UTF8 };
        struct scanner sc = { 0 };
        pthread_t stream;
        int n;

        if (onig_initialize(encodings, 1) != ONIG_NORMAL || pipe(quiet_pipe) != 0)
                return 1;
        sem_init(&ready, 0, 0);
        if (pthread_create(&stream, NULL, stream_main, NULL) != 0)
                return 1;
        sem_wait(&ready);
        wait_in_syscall(stream_tid, 0 /* read */);

        sc.field_re = compile("(?<key>[a-z]+)=(?<value>[^;]*)(?{field})(?:;|$)");
        sc.id_re = compile("^(?<id>[0-9]+)(?{copy_id})(?:-[a-z]+)?$");
        sc.mp = onig_new_match_param();
        onig_initialize_match_param(sc.mp);
        onig_set_progress_callout_of_match_param(sc.mp, on_callout);
        onig_set_callout_user_data_of_match_param(sc.mp, &sc);
        sc.record = "name=widget;id=12345678901234567890123456789012-rev;size=3";
        n = scan_record(&sc);
        /* Not reached: the crash is in scan_record. */
        printf("%d matches, %d fields\n", n, sc.fields);
        return 0;
}
