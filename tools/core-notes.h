/* SPDX-License-Identifier: MIT */
/* tools/core-notes.h: the PT_NOTE segment of a core written from a dump,
 * planned first (so that its size is known before anything is written) and
 * then written in pieces, never built whole in memory. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core-maps.h"
#include "core-out.h"
#include "reader.h"

struct core_notes;

/* Plans the notes of d's core: threads (the crashing one first), process,
 * signal, auxv, files (maps' from_file mappings; without a maps stream,
 * the first page of each module). maps must outlive the plan. Returns 0, or
 * -ENODATA (no threads) or -E2BIG (a note past 4 GiB) or -ENOMEM with a
 * reason in err. */
int core_notes_plan(const struct proto_dump *d, const struct core_mapping *maps, size_t n_maps,
                    struct core_notes **ret, char *err, size_t errlen);
/* Bytes of the whole PT_NOTE segment. */
uint64_t core_notes_size(const struct core_notes *n);
/* Threads that get an NT_PRSTATUS (a tid the dump repeats counts once). */
size_t core_notes_threads(const struct core_notes *n);
/* Writes exactly core_notes_size() bytes. Returns 0 or a negative errno. */
int core_notes_write(const struct core_notes *n, struct core_out *o);
void core_notes_free(struct core_notes *n);
