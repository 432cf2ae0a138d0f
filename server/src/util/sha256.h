/* SHA-256, used only to derive service ids from names (semantics.md 8.3). */
#ifndef KRPC_SHA256_H
#define KRPC_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
