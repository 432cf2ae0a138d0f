/* The object store: plugin objects <-> uint64 ids, shared by every client.
 * Ids start at 1 and are never reused; an object equal (by its class's
 * notion, on current state) to a stored one gets the stored one's id. */
#ifndef KRPC_OBJECTS_H
#define KRPC_OBJECTS_H

#include "registry/registry.h"
#include "util/map.h"

typedef struct kobject kobject;
struct kobject {
    uint64_t id;
    const kclass *cls;
    void *ptr;
    uint64_t hash;
    kobject *next_same_hash;
};

typedef struct kobjects {
    u64map by_id;
    u64map by_ptr;
    u64map by_hash; /* (class, hash) -> chain of kobject */
    uint64_t next_id;
} kobjects;

void objects_init(kobjects *s);
/* The id for ptr, storing it if new. May release ptr (a duplicate). */
uint64_t objects_put(kobjects *s, const kclass *cls, void *ptr);
kobject *objects_get(const kobjects *s, uint64_t id);
/* True if id was issued and its object has been removed. */
bool objects_was_destroyed(const kobjects *s, uint64_t id);
/* Remove an object (its game object is gone). Returns 0, or -1 if unknown. */
int objects_destroy(kobjects *s, const kclass *cls, void *ptr);
/* Release everything; ids restart at 1. */
void objects_clear(kobjects *s);

#endif
