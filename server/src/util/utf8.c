#include "util/utf8.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p, or 0 with the length of its
 * maximal invalid subpart in *bad (the Unicode "best practice" for U+FFFD). */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad) {
    uint8_t c = p[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
    }
    return need + 1;
}

static bool valid(const uint8_t *p, size_t n) {
    size_t bad;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i, &bad);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* Writes the sanitized form of p[0..n) to d (room for 3n bytes). */
static size_t sanitize_into(char *d, const uint8_t *p, size_t n) {
    char *w = d;
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i, &bad);
        if (k) {
            memcpy(w, p + i, k);
            w += k;
            i += k;
        } else {
            memcpy(w, "\xef\xbf\xbd", 3);
            w += 3;
            i += bad;
        }
    }
    return (size_t)(w - d);
}

char *utf8_sanitize(arena *a, const uint8_t *p, size_t n, size_t *len) {
    if (valid(p, n)) {
        *len = n;
        return arena_strndup(a, (const char *)p, n);
    }
    char *d = arena_alloc(a, 3 * n + 1);
    *len = sanitize_into(d, p, n);
    d[*len] = 0;
    return d;
}

void utf8_sanitize_buf(char *buf, size_t cap) {
    size_t n = strlen(buf);
    if (valid((const uint8_t *)buf, n))
        return;
    char *d = malloc(3 * n + 1);
    if (!d)
        abort();
    size_t m = sanitize_into(d, (const uint8_t *)buf, n);
    /* keep whole characters when truncating */
    if (m >= cap) {
        m = cap - 1;
        while (m > 0 && ((uint8_t)d[m] & 0xc0) == 0x80)
            m--;
    }
    memcpy(buf, d, m);
    buf[m] = 0;
    free(d);
}
