#include "buf.h"

#include "varint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kbuf_grow(kbuf *b, size_t extra) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        abort();
    b->data = p;
    b->cap = cap;
}

void kbuf_append(kbuf *b, const void *data, size_t n) {
    if (!n)
        return;
    kbuf_reserve(b, n);
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

void kbuf_appendf(kbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char probe[1];
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    kbuf_reserve(b, (size_t)n + 1); /* vsnprintf writes the NUL too */
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void kbuf_consume(kbuf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void kbuf_free(kbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

size_t kbuf_nested_begin(kbuf *b) {
    kbuf_reserve(b, 1);
    b->len += 1;
    return b->len;
}

void kbuf_nested_end(kbuf *b, size_t mark) {
    size_t n = b->len - mark;
    size_t w = varint_size(n);
    if (w > 1) {
        kbuf_reserve(b, w - 1);
        memmove(b->data + mark + w - 1, b->data + mark, n);
        b->len += w - 1;
    }
    varint_encode(b->data + mark - 1, n);
}
