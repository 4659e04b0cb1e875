/* SPDX-License-Identifier: MIT */
/* proto/zstd-write.c: one zstd frame into a file descriptor, with a static
 * compression context in memory the caller mapped ahead of time. A static
 * context never calls malloc (zstd's documented contract for
 * ZSTD_initStaticCStream), so this runs in the dumper's forked child. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <errno.h>


#include "writer.h"

/* Dumps are small (tens to hundreds of KiB); a 512 KiB window keeps the
 * workspace small (fewer pages for the crash path to fault in) and loses
 * next to nothing. */
#define WINDOW_LOG 19

static ZSTD_compressionParameters dump_cparams(void) {
        ZSTD_compressionParameters p = ZSTD_getCParams(PROTO_ZSTD_LEVEL, 0, 0);

        if (p.windowLog > WINDOW_LOG)
                p.windowLog = WINDOW_LOG;
        if (p.chainLog > WINDOW_LOG + 1)
                p.chainLog = WINDOW_LOG + 1;
        if (p.hashLog > WINDOW_LOG)
                p.hashLog = WINDOW_LOG;
        return p;
}

size_t proto_zstd_workspace_size(void) {
        return ZSTD_estimateCStreamSize_usingCParams(dump_cparams());
}

int proto_zstd_write(int fd, const void *src, size_t n, void *workspace, size_t workspace_size) {
        ZSTD_compressionParameters cp = dump_cparams();
        uint8_t out_buf[32 * 1024];
        ZSTD_inBuffer in = { .src = src, .size = n, .pos = 0 };
        ZSTD_CCtx *cctx;
        size_t rem;
        int r;

        cctx = ZSTD_initStaticCCtx(workspace, workspace_size);
        if (!cctx)
                return -ENOMEM;
        if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, (int) cp.windowLog)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog, (int) cp.chainLog)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, (int) cp.hashLog)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_searchLog, (int) cp.searchLog)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, (int) cp.minMatch)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_strategy, (int) cp.strategy)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
            ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx, n)))
                return -EINVAL;
        do {
                ZSTD_outBuffer out = { .dst = out_buf, .size = sizeof(out_buf), .pos = 0 };

                rem = ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_end);
                if (ZSTD_isError(rem))
                        return -EIO;
                r = proto_write_all(fd, out_buf, out.pos);
                if (r < 0)
                        return r;
        } while (rem != 0);
        return 0;
}
