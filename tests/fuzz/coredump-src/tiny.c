/* SPDX-License-Identifier: MIT */
/* tests/fuzz/coredump-src/tiny.c: the smallest program with a core: no
 * libc, a NULL store at _start. gcc -static -nostdlib -O0 -g. */
void _start(void) {
        *(volatile int *) 0 = 42;
}
