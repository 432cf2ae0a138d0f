/* Valid UTF-8 only: proto3 readers reject strings that are not, and the
 * reference replaces bad sequences with U+FFFD when it decodes them. */
#ifndef KRPC_UTF8_H
#define KRPC_UTF8_H

#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

/* A NUL-terminated copy of p[0..n) in a, with every invalid sequence (its
 * maximal subpart) replaced by U+FFFD; its length in *len. */
char *utf8_sanitize(arena *a, const uint8_t *p, size_t n, size_t *len);
/* The same in place, for a NUL-terminated buffer of size cap (truncates). */
void utf8_sanitize_buf(char *buf, size_t cap);

#endif
