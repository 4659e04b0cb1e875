/* SPDX-License-Identifier: MIT */
/* tests/conformance/dwarf-op-coverage.c [--gap OP]... FILE...: walks every location
 * expression of each file's DWARF (DW_AT_location, frame bases, call-site
 * values and targets, bounds, member locations; expressions and location
 * lists alike) and runs each through the evaluator (symbolicate/location.c)
 * in a frame that knows every register and reads zeros from memory. Fails
 * (exit 1) on any operation the evaluator does not implement, naming it;
 * prints how many expressions and operations of each kind it saw. A --gap
 * operation (hex) is one the evaluator is known to lack: counted and
 * printed, not failed on, so the gap stays visible in every run.
 * run-op-coverage.py feeds it the conformance programs at every level,
 * gcc and clang, and libc's debug file. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "location.h"

static unsigned long op_count[256], expressions, unknown, gaps;
static bool gap[256];

static size_t zero_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        (void) userdata;
        (void) addr;
        memset(buf, 0, len);
        return len;
}

static bool is_location_attr(unsigned name) {
        switch (name) {
        case DW_AT_location:
        case DW_AT_frame_base:
        case DW_AT_data_member_location:
        case DW_AT_vtable_elem_location:
        case DW_AT_use_location:
        case DW_AT_data_location:
        case DW_AT_upper_bound:
        case DW_AT_lower_bound:
        case DW_AT_count:
        case DW_AT_byte_size:
        case DW_AT_call_value:
        case DW_AT_call_data_value:
        case DW_AT_call_data_location:
        case DW_AT_call_target:
        case DW_AT_call_target_clobbered:
        case DW_AT_GNU_call_site_value:
        case DW_AT_GNU_call_site_data_value:
        case DW_AT_GNU_call_site_target:
        case DW_AT_GNU_call_site_target_clobbered:
                return true;
        default:
                return false;
        }
}

struct walk {
        const char *file;
        struct symb_frame_context fc;
        Dwarf_Die *die;                 /* the DIE whose attributes are walked */
};

static void check_expr(struct walk *w, Dwarf_Attribute *a, Dwarf_Op *ops, size_t n) {
        struct symb_location loc;

        expressions++;
        for (size_t i = 0; i < n; i++)
                op_count[ops[i].atom]++;
        symb_location_eval(&w->fc, a, ops, n, &loc);
        /* The evaluator's words for an operation it lacks (location.c). */
        if (strncmp(loc.error, "DWARF operation 0x", 18) == 0 || strncmp(loc.error, "DW_OP_xderef", 12) == 0) {
                unsigned long op = strtoul(loc.error + 16, NULL, 16);

                if (strncmp(loc.error, "DWARF", 5) == 0 && op < 256 && gap[op]) {
                        gaps++;
                        return;
                }
                unknown++;
                if (unknown <= 2000)
                        fprintf(stderr, "FAIL: %s: DIE %#llx attribute %#x: %s\n", w->file,
                                (unsigned long long) dwarf_dieoffset(w->die), dwarf_whatattr(a), loc.error);
        }
}

static int attr_cb(Dwarf_Attribute *a, void *arg) {
        struct walk *w = arg;
        unsigned form = dwarf_whatform(a);
        Dwarf_Addr base, start, end;
        Dwarf_Op *ops;
        size_t n;
        ptrdiff_t off = 0;

        if (!is_location_attr(dwarf_whatattr(a)))
                return DWARF_CB_OK;
        /* Constants and references are not expressions. */
        if (form != DW_FORM_exprloc && form != DW_FORM_block && form != DW_FORM_block1 && form != DW_FORM_block2 &&
            form != DW_FORM_block4 && form != DW_FORM_sec_offset && form != DW_FORM_loclistx &&
            form != DW_FORM_data4 && form != DW_FORM_data8)
                return DWARF_CB_OK;
        if ((form == DW_FORM_data4 || form == DW_FORM_data8) && dwarf_whatattr(a) != DW_AT_location &&
            dwarf_whatattr(a) != DW_AT_frame_base)
                return DWARF_CB_OK;
        while ((off = dwarf_getlocations(a, off, &base, &start, &end, &ops, &n)) > 0)
                check_expr(w, a, ops, n);
        return DWARF_CB_OK;
}

static void walk_die(struct walk *w, Dwarf_Die *die, int depth) {
        Dwarf_Die child;

        w->die = die;
        dwarf_getattrs(die, attr_cb, w, 0);
        if (depth < 64 && dwarf_child(die, &child) == 0)
                do
                        walk_die(w, &child, depth + 1);
                while (dwarf_siblingof(&child, &child) == 0);
}

int main(int argc, char **argv) {
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--gap") == 0 && i + 1 < argc) {
                        gap[strtoul(argv[++i], NULL, 16) & 0xff] = true;
                        continue;
                }
                int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
                Dwarf *dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
                struct walk w = { .file = argv[i] };
                Dwarf_Off off = 0, next;
                size_t hsize;
                unsigned long before = expressions;

                if (!dw) {
                        fprintf(stderr, "FAIL: %s: no DWARF\n", argv[i]);
                        failed = 1;
                        if (fd >= 0)
                                close(fd);
                        continue;
                }
                w.fc.regs.gpr_known = (UINT32_C(1) << SYMB_NGPR) - 1;
                for (unsigned r = 0; r < SYMB_NGPR; r++)
                        w.fc.regs.gpr[r] = 0x10000 + 0x100 * r;
                w.fc.regs.xmm_known = (UINT32_C(1) << SYMB_NXMM) - 1;
                w.fc.has_cfa = true;
                w.fc.cfa = 0x20000;
                w.fc.read = zero_read;
                while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
                        Dwarf_Die cu;

                        if (dwarf_offdie(dw, off + hsize, &cu))
                                walk_die(&w, &cu, 0);
                        off = next;
                }
                printf("%s: %lu expressions\n", argv[i], expressions - before);
                dwarf_end(dw);
                close(fd);
        }
        printf("operations seen (of %lu expressions):", expressions);
        for (unsigned op = 0; op < 256; op++)
                if (op_count[op])
                        printf(" %#x:%lu", op, op_count[op]);
        printf("\n");
        if (gaps)
                printf("known gaps: %lu expressions use an operation listed with --gap\n", gaps);
        if (unknown) {
                fprintf(stderr, "FAIL: %lu expressions use an operation the evaluator does not implement\n",
                        unknown);
                failed = 1;
        }
        return failed;
}
