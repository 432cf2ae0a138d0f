/* Open-addressing hash maps: uint64 -> pointer and string -> pointer.
 * Keys of a strmap are borrowed: they must outlive their entry. */
#ifndef KRPC_MAP_H
#define KRPC_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct u64map {
    uint64_t *keys;
    void **vals; /* NULL marks an empty slot, (void*)1 a deleted one */
    size_t cap, count, used;
} u64map;

void *u64map_get(const u64map *m, uint64_t key);
void u64map_put(u64map *m, uint64_t key, void *val); /* val must not be NULL */
void *u64map_remove(u64map *m, uint64_t key);
void u64map_free(u64map *m);
/* Iterate: for (size_t i = 0; u64map_next(m, &i, &k, &v);) */
bool u64map_next(const u64map *m, size_t *it, uint64_t *key, void **val);

typedef struct strmap {
    const char **keys;
    size_t *lens;
    void **vals;
    size_t cap, count;
} strmap;

void *strmap_getn(const strmap *m, const char *key, size_t len);
void *strmap_get(const strmap *m, const char *key);
void strmap_put(strmap *m, const char *key, void *val);
void strmap_free(strmap *m);

uint64_t hash_bytes(const void *data, size_t len);
static inline uint64_t hash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
