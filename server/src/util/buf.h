/* A growable byte buffer, with the protobuf primitives kRPC values are made of. */
#ifndef KRPC_BUF_H
#define KRPC_BUF_H

#include "varint.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} kbuf;

/* Grow the buffer to take extra more bytes (kbuf_reserve's slow path). */
void kbuf_grow(kbuf *b, size_t extra);
/* Inline: values are encoded a few bytes at a time, thousands per update. */
static inline void kbuf_reserve(kbuf *b, size_t extra) {
    if (b->cap - b->len < extra)
        kbuf_grow(b, extra);
}
static inline void kbuf_varint(kbuf *b, uint64_t v) {
    kbuf_reserve(b, VARINT_MAX);
    b->len += varint_encode(b->data + b->len, v);
}
void kbuf_append(kbuf *b, const void *data, size_t n);
/* printf onto the end of the buffer (no truncation). */
void kbuf_appendf(kbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void kbuf_consume(kbuf *b, size_t n);
void kbuf_free(kbuf *b);

/* A length-delimited nested item: begin reserves room for the length, end
 * writes it (moving the payload if the length needs more than one byte). */
size_t kbuf_nested_begin(kbuf *b);
void kbuf_nested_end(kbuf *b, size_t mark);

#endif
