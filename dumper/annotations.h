/* SPDX-License-Identifier: MIT */
/* dumper/annotations.h: tags and breadcrumbs, kept in fixed tables in the
 * library's own memory so that nothing is serialized at crash time: the
 * dumper's child copies them out of its snapshot. */
#pragma once

#include <stddef.h>

#include "crashd-streams.h"

#define CRASHDUMP_MAX_TAGS_ 64
#define CRASHDUMP_MAX_BREADCRUMBS_ 64

size_t dumper_tags_snapshot(struct proto_tag *out, size_t max);
size_t dumper_breadcrumbs_snapshot(struct proto_breadcrumb *out, size_t max);
void dumper_tags_from_env(const char *spec);
