/*
 * objects.c - the kRPC objects of the mock game. Every object the plugin
 * returns is interned here by its key (what game thing it names), so the
 * same thing is always the same pointer and the host gives it the same id
 * (the class declarations need no equals/hash). The plugin keeps every
 * object until it stops; when the game thing goes away (a vessel is
 * destroyed, a node removed) the objects naming it are reported to the host
 * with object_destroyed, so clients get ObjectDestroyedException.
 */
#include "sc.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

struct sc_objects {
    sc_obj *buckets[BUCKETS];
    size_t count, cap;
    sc_obj **all; /* in creation order: an object's references come before it */
};

void sc_key_init(sc_key *k, sc_kind kind) {
    memset(k, 0, sizeof *k);
    k->kind = (int32_t)kind;
}

static uint64_t key_hash(const sc_key *k) {
    const unsigned char *p = (const unsigned char *)k;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < sizeof *k; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

sc_objects *sc_objects_create(void) { return calloc(1, sizeof(sc_objects)); }

void sc_objects_free(sc_objects *o) {
    if (o == NULL) {
        return;
    }
    for (size_t i = 0; i < o->count; i++) {
        free(o->all[i]->line);
        free(o->all[i]);
    }
    free(o->all);
    free(o);
}

sc_obj *sc_intern(sc_state *st, const sc_key *k) {
    sc_objects *o = st->objects;
    size_t b = (size_t)(key_hash(k) % BUCKETS);
    for (sc_obj *c = o->buckets[b]; c != NULL; c = c->hnext) {
        if (!c->dead && memcmp(&c->key, k, sizeof *k) == 0) {
            return c;
        }
    }
    if (o->count == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        sc_obj **grown = realloc(o->all, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        o->all = grown;
        o->cap = cap;
    }
    sc_obj *obj = calloc(1, sizeof *obj);
    if (obj == NULL) {
        return NULL;
    }
    obj->key = *k;
    obj->hnext = o->buckets[b];
    o->buckets[b] = obj;
    o->all[o->count++] = obj;
    return obj;
}

const char *sc_kind_class(sc_kind kind) {
    switch (kind) {
    case SC_K_VESSEL:
        return "Vessel";
    case SC_K_CONTROL:
        return "Control";
    case SC_K_FLIGHT:
        return "Flight";
    case SC_K_AUTOPILOT:
        return "AutoPilot";
    case SC_K_ORBIT:
        return "Orbit";
    case SC_K_BODY:
        return "CelestialBody";
    case SC_K_FRAME:
        return "ReferenceFrame";
    case SC_K_RESOURCES:
        return "Resources";
    case SC_K_RESOURCE:
        return "Resource";
    case SC_K_STAGE:
        return "Stage";
    case SC_K_NODE:
        return "Node";
    case SC_K_PARTS:
        return "Parts";
    case SC_K_PART:
        return "Part";
    case SC_K_ENGINE:
        return "Engine";
    case SC_K_PARACHUTE:
        return "Parachute";
    case SC_K_DECOUPLER:
        return "Decoupler";
    case SC_K_CLAMP:
        return "LaunchClamp";
    case SC_K_LINE:
        return "Line";
    }
    return "";
}

void sc_objects_kill(sc_state *st, sc_obj *o) {
    if (o->dead) {
        return;
    }
    o->dead = true;
    st->api->object_destroyed(st->host, sc_kind_class((sc_kind)o->key.kind), o);
}

static bool names_part(const sc_key *k) {
    switch (k->kind) {
    case SC_K_PART:
    case SC_K_ENGINE:
    case SC_K_PARACHUTE:
    case SC_K_DECOUPLER:
    case SC_K_CLAMP:
    case SC_K_RESOURCE:
        return true;
    case SC_K_RESOURCES:
        return k->sub == SC_R_PART;
    case SC_K_FRAME:
        return k->sub == SC_F_PART || k->sub == SC_F_PART_COM;
    default:
        return false;
    }
}

static bool names_node(const sc_key *k) {
    return k->kind == SC_K_NODE || (k->kind == SC_K_FRAME && (k->sub == SC_F_NODE || k->sub == SC_F_NODE_ORBITAL)) ||
           (k->kind == SC_K_ORBIT && k->sub == SC_O_NODE);
}

static bool refs_dead(const sc_obj *o) {
    for (int i = 0; i < 4; i++) {
        if (o->key.ref[i] != NULL && o->key.ref[i]->dead) {
            return true;
        }
    }
    return false;
}

void sc_objects_vessel_destroyed(sc_state *st, uint32_t vessel, bool everything) {
    sc_objects *o = st->objects;
    sc_world *w = &st->world;
    for (size_t i = 0; i < o->count; i++) {
        sc_obj *obj = o->all[i];
        if (obj->dead) {
            continue;
        }
        const sc_key *k = &obj->key;
        bool kill = everything || refs_dead(obj);
        if (!kill && k->kind != SC_K_BODY && k->kind != SC_K_LINE && k->vessel == vessel && vessel != 0) {
            kill = true;
        }
        if (!kill && names_part(k)) {
            sc_part *p = sc_part_get(w, k->id);
            kill = p == NULL || !p->alive || p->vessel == vessel;
        }
        if (!kill && names_node(k)) {
            sc_node *n = sc_node_get(w, k->id);
            kill = n == NULL || !n->alive || n->vessel == vessel;
        }
        if (kill) {
            sc_objects_kill(st, obj);
        }
    }
}

void sc_objects_node_removed(sc_state *st, uint32_t node) {
    sc_objects *o = st->objects;
    for (size_t i = 0; i < o->count; i++) {
        sc_obj *obj = o->all[i];
        if (obj->dead) {
            continue;
        }
        if ((names_node(&obj->key) && obj->key.id == node) || refs_dead(obj)) {
            sc_objects_kill(st, obj);
        }
    }
}

/* Bodies, their orbits and frames, and frames built only from those. */
static bool survives_reload(const sc_obj *o) {
    const sc_key *k = &o->key;
    switch (k->kind) {
    case SC_K_BODY:
        return true;
    case SC_K_ORBIT:
        return k->sub == SC_O_BODY;
    case SC_K_FRAME:
        if (k->sub == SC_F_BODY || k->sub == SC_F_BODY_NONROT || k->sub == SC_F_BODY_ORBITAL) {
            return true;
        }
        if (k->sub == SC_F_RELATIVE || k->sub == SC_F_HYBRID) {
            return !refs_dead(o);
        }
        return false;
    default:
        return false;
    }
}

void sc_objects_game_reloaded(sc_state *st) {
    sc_objects *o = st->objects;
    for (size_t i = 0; i < o->count; i++) {
        sc_obj *obj = o->all[i];
        if (!obj->dead && !survives_reload(obj)) {
            sc_objects_kill(st, obj);
        }
    }
}
