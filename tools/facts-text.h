/* SPDX-License-Identifier: MIT */
/* tools/facts-text.h: a dump's facts as text, shared by `crashctl info`
 * and `crashctl show`. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "facts.h"

/* Text from the dump: valid, printable UTF-8 as is; control characters
 * (C0, DEL, C1) and bytes that do not decode as \xNN. */
void facts_put_text(FILE *f, const char *s, size_t n);
void facts_put_str(FILE *f, const char *s);
/* Process, Command, Executable, Crash, Time, Dumper and System lines. */
void facts_print_header(FILE *f, const struct proto_dump *d, const struct dump_facts *x);
/* "Tags (N):" and "Breadcrumbs (N):" blocks, each after a blank line; nothing when there are none. */
void facts_print_annotations(FILE *f, const struct proto_dump *d);
