/* SPDX-License-Identifier: MIT */
/* daemon/sha256.h: the content hash that, with the owner and the file name,
 * makes storing a dump idempotent. SHA-256 from OpenSSL's libcrypto. */
#pragma once

#include <stddef.h>

#define SHA256_DIGEST_SIZE 32

/* Hex (65 bytes with the NUL) of SHA-256(data). */
void sha256_hex(const void *data, size_t n, char out[2 * SHA256_DIGEST_SIZE + 1]);
