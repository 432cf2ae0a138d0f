#include "rpc/objects.h"

#include <stdlib.h>

void objects_init(kobjects *s) {
    *s = (kobjects){0};
    s->next_id = 1;
}

static uint64_t hash_key(const kclass *cls, uint64_t h) { return h ^ hash_u64((uint64_t)(uintptr_t)cls); }

uint64_t objects_put(kobjects *s, const kclass *cls, void *ptr) {
    kobject *o = u64map_get(&s->by_ptr, (uint64_t)(uintptr_t)ptr);
    if (o && o->cls == cls)
        return o->id;
    const krpc_class_decl *d = cls->decl;
    uint64_t h = 0;
    if (d && d->equals) {
        h = d->hash ? d->hash(ptr) : 0;
        for (kobject *c = u64map_get(&s->by_hash, hash_key(cls, h)); c; c = c->next_same_hash) {
            if (c->cls == cls && c->hash == h && d->equals(c->ptr, ptr)) {
                if (d->release && c->ptr != ptr)
                    d->release(ptr);
                return c->id;
            }
        }
    }
    o = malloc(sizeof *o);
    if (!o)
        abort();
    o->id = s->next_id++;
    o->cls = cls;
    o->ptr = ptr;
    o->hash = h;
    o->next_same_hash = NULL;
    u64map_put(&s->by_id, o->id, o);
    u64map_put(&s->by_ptr, (uint64_t)(uintptr_t)ptr, o);
    if (d && d->equals) {
        o->next_same_hash = u64map_get(&s->by_hash, hash_key(cls, h));
        u64map_put(&s->by_hash, hash_key(cls, h), o);
    }
    return o->id;
}

kobject *objects_get(const kobjects *s, uint64_t id) { return u64map_get(&s->by_id, id); }

bool objects_was_destroyed(const kobjects *s, uint64_t id) {
    return id > 0 && id < s->next_id && !u64map_get(&s->by_id, id);
}

static void unlink_hash(kobjects *s, kobject *o) {
    if (!o->cls->decl || !o->cls->decl->equals)
        return;
    uint64_t k = hash_key(o->cls, o->hash);
    kobject *head = u64map_get(&s->by_hash, k);
    if (head == o) {
        if (o->next_same_hash)
            u64map_put(&s->by_hash, k, o->next_same_hash);
        else
            u64map_remove(&s->by_hash, k);
        return;
    }
    for (kobject *c = head; c; c = c->next_same_hash) {
        if (c->next_same_hash == o) {
            c->next_same_hash = o->next_same_hash;
            return;
        }
    }
}

int objects_destroy(kobjects *s, const kclass *cls, void *ptr) {
    kobject *o = u64map_get(&s->by_ptr, (uint64_t)(uintptr_t)ptr);
    if (!o || o->cls != cls)
        return -1;
    u64map_remove(&s->by_ptr, (uint64_t)(uintptr_t)ptr);
    u64map_remove(&s->by_id, o->id);
    unlink_hash(s, o);
    if (cls->decl && cls->decl->release)
        cls->decl->release(ptr);
    free(o);
    return 0;
}

void objects_clear(kobjects *s) {
    void *v;
    for (size_t it = 0; u64map_next(&s->by_id, &it, NULL, &v);) {
        kobject *o = v;
        if (o->cls->decl && o->cls->decl->release)
            o->cls->decl->release(o->ptr);
        free(o);
    }
    u64map_free(&s->by_id);
    u64map_free(&s->by_ptr);
    u64map_free(&s->by_hash);
    s->next_id = 1;
}
