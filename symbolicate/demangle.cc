/* SPDX-License-Identifier: MIT */
/* symbolicate/demangle.cc: C++ names through libstdc++'s own demangler,
 * the one gdb and eu-stack agree with, behind a C function. */
#include <cstdlib>
#include <cxxabi.h>

extern "C" char *symb_demangle(const char *name);

extern "C" char *symb_demangle(const char *name) {
        int status = 0;
        char *r;

        /* Only Itanium-mangled names: __cxa_demangle also "demangles"
         * plain C names that happen to look like type encodings ("f"). */
        if (!name || name[0] != '_' || name[1] != 'Z')
                return nullptr;
        r = abi::__cxa_demangle(name, nullptr, nullptr, &status);
        if (status != 0) {
                std::free(r);
                return nullptr;
        }
        return r;
}
