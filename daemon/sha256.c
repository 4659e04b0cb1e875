/* SPDX-License-Identifier: MIT */
/* daemon/sha256.c: see sha256.h. */
#include <openssl/evp.h>

#include "sha256.h"

void sha256_hex(const void *data, size_t n, char out[2 * SHA256_DIGEST_SIZE + 1]) {
        static const char digits[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;

        /* EVP_Digest fails only without memory; an all-zero hash then keeps
         * the caller going (the dump is still stored, just not deduplicated
         * by content). */
        if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) || len != SHA256_DIGEST_SIZE) {
                for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
                        md[i] = 0;
        }
        for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++) {
                out[2 * i] = digits[md[i] >> 4];
                out[2 * i + 1] = digits[md[i] & 15];
        }
        out[2 * SHA256_DIGEST_SIZE] = 0;
}
