/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/type-cycle.c: a program whose DWARF run-symbolicate.py
 * makes hostile (issue 9, point 3): compiled to assembly, the array type of
 * grid gets itself as its element type, then assembled and crashed. A user
 * can hand crashd such a binary; symbolicating its dump must end, with a
 * clear mark for grid. */
int *volatile crash_ptr;
typedef int row[3];
int main(void) {
        row grid[2] = { { 1, 2, 3 }, { 4, 5, 6 } };
        __asm__ volatile("" : : "r"(grid) : "memory");
        *crash_ptr = grid[1][2];
        return grid[0][0];
}
