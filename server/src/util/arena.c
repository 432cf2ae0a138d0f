#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

enum { ARENA_MIN_CHUNK = 4096 - sizeof(arena_chunk) };

static void *pb_alloc(void *ctx, size_t size) { return arena_alloc(ctx, size); }
static void pb_free(void *ctx, void *p) { (void)ctx, (void)p; }

void arena_init(arena *a) {
    a->head = NULL;
    a->total = 0;
    a->min_chunk = 0;
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
}

void arena_init_small(arena *a, size_t min_chunk) {
    arena_init(a);
    a->min_chunk = min_chunk;
}

void *arena_alloc(arena *a, size_t size) {
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (size == 0)
        size = sizeof(max_align_t);
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t min = a->min_chunk ? a->min_chunk : ARENA_MIN_CHUNK;
        size_t want = size > min ? size : min;
        if (c && c->size * 2 > want && c->size < (1u << 20))
            want = c->size * 2;
        c = malloc(sizeof(arena_chunk) + want);
        if (!c)
            abort(); /* out of memory: nothing sensible to do in a server thread */
        c->size = want;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    a->total += size;
    return p;
}

void *arena_zalloc(arena *a, size_t size) {
    void *p = arena_alloc(a, size);
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(arena *a, const char *fmt, ...) {
    if (!fmt)
        return arena_strdup(a, "");
    va_list ap;
    char probe[1];
    va_start(ap, fmt);
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(arena *a) {
    arena_chunk *c = a->head;
    if (!c)
        return;
    /* keep the oldest (last) chunk */
    while (c->next) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    c->used = 0;
    a->head = c;
    a->total = 0;
}

void arena_free(arena *a) {
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void arena_move(arena *dst, arena *src) {
    arena_init(dst);
    dst->head = src->head;
    dst->total = src->total;
    dst->min_chunk = src->min_chunk;
    arena_init(src);
}
