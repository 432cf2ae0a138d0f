/* A bump allocator: everything belonging to one request (decoded protobuf,
 * argument values, encoded results) is freed at once. */
#ifndef KRPC_ARENA_H
#define KRPC_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *head;
    size_t total; /* bytes handed out, for limits and statistics */
    size_t min_chunk; /* size of the first chunk (0: a page) */
    ProtobufCAllocator pb; /* protobuf-c allocator drawing from this arena */
} arena;

void arena_init(arena *a);
/* An arena for a few small, long-lived allocations: its first chunk holds
 * min_chunk bytes instead of a page (many such arenas stay compact). */
void arena_init_small(arena *a, size_t min_chunk);
void *arena_alloc(arena *a, size_t size);
void *arena_zalloc(arena *a, size_t size);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything but keeps the first chunk for reuse. */
void arena_reset(arena *a);
/* Take over src's memory (src is left empty). */
void arena_move(arena *dst, arena *src);
void arena_free(arena *a);

#endif
