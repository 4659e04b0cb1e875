/* SPDX-License-Identifier: MIT */
/* symbolicate/lines.c: where a frame is in the source. The innermost
 * virtual frame of a physical frame is at its pc's line-table row; each
 * frame an inlined call sits in is at that call (DW_AT_call_file, _line,
 * _column), as eu-stack -i and gdb place them. And whether gdb would print
 * frame 0 without its address, for the text format. */
#include <dwarf.h>
#include <errno.h>
#include <string.h>

#include "symb-internal.h"

static int set_str(char **dst, const char *src) {
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

static bool row(Dwarf_Lines *lines, size_t i, Dwarf_Addr *addr, int *ln, const char **file, bool *stmt,
                unsigned *disc) {
        Dwarf_Line *l = dwarf_onesrcline(lines, i);
        bool end = true;

        if (!l || dwarf_lineendsequence(l, &end) != 0 || end || dwarf_lineaddr(l, addr) != 0 ||
            dwarf_lineno(l, ln) != 0 || dwarf_linebeginstatement(l, stmt) != 0)
                return false;
        *file = dwarf_linesrc(l, NULL, NULL);
        if (dwarf_linediscriminator(l, disc) != 0)
                *disc = 0;
        return true;
}

/* The row gdb finds for address a, or -1: the last row at or before a,
 * where gdb never keeps a row of line 0 (lnp_state_machine::record_line
 * ignores it: the row before runs on over its addresses, as for a return
 * address clang puts on a line-0 row after a call). An end of sequence
 * ends the search: no line there. */
static ptrdiff_t gdb_row(Dwarf_Lines *lines, size_t n, Dwarf_Addr a) {
        size_t lo = 0, hi = n;
        Dwarf_Addr addr;
        const char *file;
        int ln;
        bool stmt;
        unsigned disc;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                Dwarf_Line *l = dwarf_onesrcline(lines, mid);

                if (l && dwarf_lineaddr(l, &addr) == 0 && addr <= a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i > 0; i--) {
                if (!row(lines, i - 1, &addr, &ln, &file, &stmt, &disc))
                        return -1;
                if (ln != 0)
                        return (ptrdiff_t) (i - 1);
        }
        return -1;
}

/* Whether gdb would print frame 0 without its address: gdb shows it
 * unless the pc is the start of the line-table row it finds for the pc and
 * that row is a statement (frame_show_address). gdb does not keep every
 * row: one with the same file and line as the row before is dropped once
 * that line has had a non-zero discriminator (dwarf_record_line_p). */
static bool gdb_line_start(Dwarf_Lines *lines, size_t n, Dwarf_Addr a) {
        size_t lo, first;
        ptrdiff_t at = gdb_row(lines, n, a);
        Dwarf_Addr addr, best_addr = 0;
        const char *file, *file0;
        int ln, ln0;
        bool stmt, best_stmt = false, nz = false;
        unsigned disc;

        if (at < 0 || !row(lines, (size_t) at, &addr, &ln0, &file0, &stmt, &disc))
                return false;
        lo = (size_t) at + 1;
        /* Back to the first row of this run of the same file and line
         * (rows of line 0 between them are not gdb's). */
        for (first = lo - 1; first > 0; first--)
                if (!row(lines, first - 1, &addr, &ln, &file, &stmt, &disc) || (ln != ln0 && ln != 0) ||
                    (ln != 0 && file != file0))
                        break;
        for (size_t k = first; k < lo; k++) {
                if (!row(lines, k, &addr, &ln, &file, &stmt, &disc))
                        return false;
                if (ln == 0)
                        continue;
                nz = k == first ? disc != 0 : nz || disc != 0;
                if (k == first || !nz) {
                        /* gdb prefers a statement among rows at one address. */
                        if (k == first || addr != best_addr || stmt || !best_stmt) {
                                best_addr = addr;
                                best_stmt = stmt;
                        }
                }
        }
        return best_addr == a && best_stmt;
}

int symb_pc_location(Dwarf_Die *cu, const struct symb_frame_context *fc, struct symb_frame *f) {
        Dwarf_Lines *lines;
        Dwarf_Line *line;
        Dwarf_Addr addr;
        const char *file;
        int ln = 0, col = 0;
        size_t n;
        ptrdiff_t at;

        if (dwarf_getsrclines(cu, &lines, &n) != 0 || n == 0 ||
            (at = gdb_row(lines, n, fc->lookup_pc - fc->bias)) < 0 || !(line = dwarf_onesrcline(lines, (size_t) at)) ||
            !(file = dwarf_linesrc(line, NULL, NULL)) || dwarf_lineno(line, &ln) != 0)
                return 0;
        dwarf_linecol(line, &col);
        f->line = ln;
        f->column = col;
        if (fc->pc == fc->lookup_pc && dwarf_lineaddr(line, &addr) == 0 && addr + fc->bias == fc->pc)
                f->pc_at_line_start = gdb_line_start(lines, n, fc->lookup_pc - fc->bias);
        return set_str(&f->file, file);
}

int symb_call_location(Dwarf_Die *cu, Dwarf_Die *inlined, struct symb_frame *f) {
        Dwarf_Attribute a;
        Dwarf_Word w;
        Dwarf_Files *files;
        size_t nfiles;
        const char *file;

        if (dwarf_attr(inlined, DW_AT_call_line, &a) && dwarf_formudata(&a, &w) == 0)
                f->line = (int) w;
        if (dwarf_attr(inlined, DW_AT_call_column, &a) && dwarf_formudata(&a, &w) == 0)
                f->column = (int) w;
        if (dwarf_attr(inlined, DW_AT_call_file, &a) && dwarf_formudata(&a, &w) == 0 &&
            dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && w < nfiles &&
            (file = dwarf_filesrc(files, w, NULL, NULL)))
                return set_str(&f->file, file);
        return 0;
}

