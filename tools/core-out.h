/* SPDX-License-Identifier: MIT */
/* tools/core-out.h: the core writer's output: sequential, buffered, to any
 * file descriptor (a file, a pipe), through write() only, so that a core
 * can go to standard output. Short writes and EINTR are retried. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CORE_OUT_BUFFER (64 * 1024)

struct core_out {
        int fd;
        uint64_t offset;        /* bytes handed over so far, buffered ones too */
        size_t used;
        uint8_t buf[CORE_OUT_BUFFER];
};

void core_out_init(struct core_out *o, int fd);
/* Each returns 0 or a negative errno from write(). Pieces at least as
 * large as the buffer go straight to write() without a copy. */
int core_out_put(struct core_out *o, const void *p, size_t n);
int core_out_zeros(struct core_out *o, uint64_t n);
/* Zeros up to offset (which must not be behind o->offset). */
int core_out_pad_to(struct core_out *o, uint64_t offset);
int core_out_flush(struct core_out *o);
/* core_out_put() as a callback: userdata is the struct core_out. */
int core_out_put_cb(void *userdata, const void *p, size_t n);
