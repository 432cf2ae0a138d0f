#include "map.h"

#include <stdlib.h>
#include <string.h>

#define DELETED ((void *)1)

uint64_t hash_bytes(const void *data, size_t len) {
    /* FNV-1a, then mixed: good enough for names and short keys */
    const uint8_t *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return hash_u64(h);
}

static void u64map_grow(u64map *m) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    uint64_t *ok = m->keys;
    void **ov = m->vals;
    size_t ocap = m->cap;
    m->keys = calloc(ncap, sizeof *m->keys);
    m->vals = calloc(ncap, sizeof *m->vals);
    if (!m->keys || !m->vals)
        abort();
    m->cap = ncap;
    m->count = m->used = 0;
    for (size_t i = 0; i < ocap; i++)
        if (ov[i] && ov[i] != DELETED)
            u64map_put(m, ok[i], ov[i]);
    free(ok);
    free(ov);
}

void *u64map_get(const u64map *m, uint64_t key) {
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_u64(key) & mask;; i = (i + 1) & mask) {
        void *v = m->vals[i];
        if (!v)
            return NULL;
        if (v != DELETED && m->keys[i] == key)
            return v;
    }
}

void u64map_put(u64map *m, uint64_t key, void *val) {
    if ((m->used + 1) * 4 >= m->cap * 3)
        u64map_grow(m);
    size_t mask = m->cap - 1;
    size_t tomb = SIZE_MAX;
    for (size_t i = hash_u64(key) & mask;; i = (i + 1) & mask) {
        void *v = m->vals[i];
        if (!v) {
            if (tomb != SIZE_MAX)
                i = tomb;
            else
                m->used++;
            m->keys[i] = key;
            m->vals[i] = val;
            m->count++;
            return;
        }
        if (v == DELETED) {
            if (tomb == SIZE_MAX)
                tomb = i;
        } else if (m->keys[i] == key) {
            m->vals[i] = val;
            return;
        }
    }
}

void *u64map_remove(u64map *m, uint64_t key) {
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_u64(key) & mask;; i = (i + 1) & mask) {
        void *v = m->vals[i];
        if (!v)
            return NULL;
        if (v != DELETED && m->keys[i] == key) {
            m->vals[i] = DELETED;
            m->count--;
            return v;
        }
    }
}

bool u64map_next(const u64map *m, size_t *it, uint64_t *key, void **val) {
    for (; *it < m->cap; (*it)++) {
        void *v = m->vals[*it];
        if (v && v != DELETED) {
            if (key)
                *key = m->keys[*it];
            if (val)
                *val = v;
            (*it)++;
            return true;
        }
    }
    return false;
}

void u64map_free(u64map *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static void strmap_grow(strmap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    strmap old = *m;
    m->keys = calloc(ncap, sizeof *m->keys);
    m->lens = calloc(ncap, sizeof *m->lens);
    m->vals = calloc(ncap, sizeof *m->vals);
    if (!m->keys || !m->lens || !m->vals)
        abort();
    m->cap = ncap;
    m->count = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            strmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.lens);
    free(old.vals);
}

void *strmap_getn(const strmap *m, const char *key, size_t len) {
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask) {
        if (!m->vals[i])
            return NULL;
        if (m->lens[i] == len && memcmp(m->keys[i], key, len) == 0)
            return m->vals[i];
    }
}

void *strmap_get(const strmap *m, const char *key) { return strmap_getn(m, key, strlen(key)); }

void strmap_put(strmap *m, const char *key, void *val) {
    if ((m->count + 1) * 4 >= m->cap * 3)
        strmap_grow(m);
    size_t len = strlen(key);
    size_t mask = m->cap - 1;
    for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask) {
        if (!m->vals[i]) {
            m->keys[i] = key;
            m->lens[i] = len;
            m->vals[i] = val;
            m->count++;
            return;
        }
        if (m->lens[i] == len && memcmp(m->keys[i], key, len) == 0) {
            m->vals[i] = val;
            return;
        }
    }
}

void strmap_free(strmap *m) {
    free(m->keys);
    free(m->lens);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
