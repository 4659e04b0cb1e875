/* SPDX-License-Identifier: MIT */
/* daemon/signature.h: what makes two crashes the same bug. As Socorro and
 * Sentry do it: the crashing thread's frames, innermost first, minus the
 * machinery every crash passes through (libc, the dynamic loader,
 * libstdc++, libgcc, libcrashdump; abort, raise, assert, __cxa_throw,
 * std::terminate, stack-protector and fortify failures), keeping in-app
 * frames only (not from /lib, /usr/lib and the like, unless the program
 * itself lives there), with parameter lists and compiler clone suffixes
 * stripped and recursion collapsed; the first N joined by " | ".
 * So "charge | checkout | process" stays the same across runs, ASLR,
 * rebuilds and argument types. An uncaught C++ exception's type (the
 * report's exception) comes first: "std::out_of_range | charge | checkout". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "symbolicate.h"

#define SIGNATURE_MAX 1024      /* bytes, with the NUL; longer is cut */

/* Returns 0 and a malloc'd signature, or -ENOMEM. Never fails for lack of
 * frames: then it is "<no frames>" or, for frames without names,
 * "MODULE+0xOFFSET". */
int signature_from_report(const struct symb_report *r, unsigned max_frames, char **ret);

/* The pieces, for the tests. */
/* "ns::A::f(int) const" -> "ns::A::f"; "foo.constprop.0" -> "foo". */
void signature_normalize_function(const char *name, char *buf, size_t size);
/* libc, ld.so, libstdc++, ... or anything under the system library
 * directories, unless it is the executable. */
bool signature_module_is_system(const char *module, const char *executable);
/* abort, raise, __assert_fail, __cxa_throw, std::terminate, ... (takes a
 * normalized name). */
bool signature_function_is_noise(const char *function);
