/* SPDX-License-Identifier: MIT */
/* proto/reader-internal.h: knobs of the reader that only tests and fuzzers
 * turn. Not part of the API in reader.h. */
#pragma once

#include "reader.h"

/* proto_dump_parse() with a smaller cap than PROTO_DUMP_MAX_SIZE on the
 * (decompressed) file, so that a test can prove a zstd bomb is stopped
 * without inflating a gigabyte, and a fuzzer can keep each run small. */
int proto_dump_parse_max(const void *data, size_t size, uint64_t max_size,
                         struct proto_dump **ret, char *err, size_t errlen);
