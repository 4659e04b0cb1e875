// SPDX-License-Identifier: MIT
// tests/conformance/printers-parser.h: a class with virtual functions
// whose key function (and so its vtable and its only full definition in
// DWARF) is in libprinters-parser.so (printers-parser.cc); printers.cc
// sees a declaration and must find the definition in the other module,
// as gdb does.
#pragma once

#include <string>
#include <vector>

class Parser {
public:
        Parser();
        virtual ~Parser();
        virtual int parse(const std::string &text);

        std::vector<int> bindings_;
        std::string name_;
};
