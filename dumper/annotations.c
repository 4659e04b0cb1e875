/* SPDX-License-Identifier: MIT */
/* dumper/annotations.c: see annotations.h and crashdump.h.
 *
 * Writers (the program's threads) are ordinary code: tags take a spinlock
 * among themselves; breadcrumbs claim a slot with an atomic counter. The
 * reader is the dumper's child, which sees a frozen copy of this memory and
 * takes no lock: a sequence number per entry, odd while it is written,
 * lets it skip an entry that a thread was changing at the moment of the
 * crash instead of copying torn text. */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "annotations.h"
#include "crashdump.h"
#include "safe.h"

#define EXPORT __attribute__((visibility("default")))

_Static_assert(CRASHDUMP_MAX_TAGS == CRASHDUMP_MAX_TAGS_, "public and internal limits agree");
_Static_assert(CRASHDUMP_MAX_BREADCRUMBS == CRASHDUMP_MAX_BREADCRUMBS_, "public and internal limits agree");
_Static_assert(CRASHDUMP_TAG_KEY_MAX + 1 == PROTO_TAG_KEY_MAX, "key fits the stream");
_Static_assert(CRASHDUMP_TAG_VALUE_MAX + 1 == PROTO_TAG_VALUE_MAX, "value fits the stream");
_Static_assert(CRASHDUMP_BREADCRUMB_MAX + 1 == PROTO_BREADCRUMB_MESSAGE_MAX, "message fits the stream");

static struct {
        _Atomic uint32_t seq;
        bool used;
        struct proto_tag tag;
} tags[CRASHDUMP_MAX_TAGS_];
static atomic_flag tags_lock = ATOMIC_FLAG_INIT;

static struct {
        _Atomic uint64_t seq;           /* 2*n+2 when slot holds breadcrumb n */
        struct proto_breadcrumb b;
} crumbs[CRASHDUMP_MAX_BREADCRUMBS_];
static _Atomic uint64_t crumbs_next;

EXPORT int crashdump_set_tag(const char *key, const char *value) {
        int free_slot = -1, slot = -1, r = 0;

        if (!key || !*key)
                return -EINVAL;
        while (atomic_flag_test_and_set_explicit(&tags_lock, memory_order_acquire))
                ;
        for (int i = 0; i < CRASHDUMP_MAX_TAGS_; i++) {
                if (tags[i].used && safe_strnlen(key, PROTO_TAG_KEY_MAX) < PROTO_TAG_KEY_MAX &&
                    safe_streq(tags[i].tag.key, key)) {
                        slot = i;
                        break;
                }
                if (!tags[i].used && free_slot < 0)
                        free_slot = i;
        }
        if (slot < 0) {
                slot = free_slot;
                if (!value)
                        goto out;
                if (slot < 0) {
                        r = -ENOSPC;
                        goto out;
                }
        }
        atomic_fetch_add(&tags[slot].seq, 1);
        if (value) {
                safe_strlcpy(tags[slot].tag.key, key, sizeof(tags[slot].tag.key));
                safe_strlcpy(tags[slot].tag.value, value, sizeof(tags[slot].tag.value));
                tags[slot].used = true;
        } else
                tags[slot].used = false;
        atomic_fetch_add(&tags[slot].seq, 1);
out:
        atomic_flag_clear_explicit(&tags_lock, memory_order_release);
        return r;
}

EXPORT void crashdump_breadcrumb(enum crashdump_level level, const char *message) {
        uint64_t n = atomic_fetch_add(&crumbs_next, 1);
        unsigned i = (unsigned) (n % CRASHDUMP_MAX_BREADCRUMBS_);

        atomic_store(&crumbs[i].seq, 2 * n + 1);
        crumbs[i].b.time_ns = safe_now_ns(CLOCK_REALTIME);
        crumbs[i].b.level = (uint32_t) level;
        safe_strlcpy(crumbs[i].b.message, message ? message : "", sizeof(crumbs[i].b.message));
        atomic_store(&crumbs[i].seq, 2 * n + 2);
}

size_t dumper_tags_snapshot(struct proto_tag *out, size_t max) {
        size_t n = 0;

        for (int i = 0; i < CRASHDUMP_MAX_TAGS_ && n < max; i++) {
                uint32_t seq = atomic_load(&tags[i].seq);

                if ((seq & 1) || !tags[i].used)
                        continue;
                safe_memcpy(&out[n], &tags[i].tag, sizeof(out[n]));
                if (seq != atomic_load(&tags[i].seq))
                        continue;
                out[n].key[PROTO_TAG_KEY_MAX - 1] = 0;
                out[n].value[PROTO_TAG_VALUE_MAX - 1] = 0;
                n++;
        }
        return n;
}

size_t dumper_breadcrumbs_snapshot(struct proto_breadcrumb *out, size_t max) {
        uint64_t end = atomic_load(&crumbs_next), first;
        size_t n = 0;

        first = end > CRASHDUMP_MAX_BREADCRUMBS_ ? end - CRASHDUMP_MAX_BREADCRUMBS_ : 0;
        for (uint64_t k = first; k < end && n < max; k++) {
                unsigned i = (unsigned) (k % CRASHDUMP_MAX_BREADCRUMBS_);

                if (atomic_load(&crumbs[i].seq) != 2 * k + 2)
                        continue;       /* being written, or already overwritten */
                safe_memcpy(&out[n], &crumbs[i].b, sizeof(out[n]));
                if (atomic_load(&crumbs[i].seq) != 2 * k + 2)
                        continue;
                out[n].message[PROTO_BREADCRUMB_MESSAGE_MAX - 1] = 0;
                n++;
        }
        return n;
}

/* CRASHD_TAGS=key=value,key2=value2 (read once at load). */
void dumper_tags_from_env(const char *spec) {
        char key[PROTO_TAG_KEY_MAX], value[PROTO_TAG_VALUE_MAX];

        while (spec && *spec) {
                size_t k = 0, v = 0;

                while (*spec && *spec != '=' && *spec != ',') {
                        if (k + 1 < sizeof(key))
                                key[k++] = *spec;
                        spec++;
                }
                key[k] = 0;
                if (*spec == '=') {
                        spec++;
                        while (*spec && *spec != ',') {
                                if (v + 1 < sizeof(value))
                                        value[v++] = *spec;
                                spec++;
                        }
                }
                value[v] = 0;
                if (*spec == ',')
                        spec++;
                if (k)
                        (void) crashdump_set_tag(key, value);
        }
}
