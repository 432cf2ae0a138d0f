/*
 * nodes.c - maneuver nodes. A node stores its time and delta-v (prograde,
 * normal, radial, in the frame of the orbit at that time) and the planned
 * state after the burn: the vessel's orbit at the node's time plus the
 * delta-v as an impulse. The remaining burn vector is the planned velocity
 * minus the velocity the vessel's current orbit has at the node's time, so
 * it shrinks while the vessel burns and turns round after an overshoot.
 */
#include "sc.h"

#include <stdlib.h>
#include <string.h>

sc_node *sc_node_get(const sc_world *w, uint32_t id) {
    for (size_t i = 0; i < w->nnodes; i++) {
        if (w->nodes[i]->id == id) {
            return w->nodes[i];
        }
    }
    return NULL;
}

void sc_node_current(const sc_world *w, const sc_node *n, v3 *r, v3 *v) {
    sc_vessel *vessel = sc_vessel_get(w, n->vessel);
    if (vessel == NULL) {
        *r = n->target_r;
        *v = n->target_v;
        return;
    }
    sc_conic c = sc_vessel_conic(w, vessel);
    sc_conic_at(&c, n->ut, r, v);
}

/* prograde, normal and radial unit vectors of an orbit state (world axes) */
static void node_axes(v3 r, v3 v, v3 *prograde, v3 *normal, v3 *radial) {
    *prograde = v3_norm(v);
    *normal = v3_norm(v3_cross(v, r));
    *radial = v3_cross(*normal, *prograde);
}

v3 sc_node_burn_vector(const sc_world *w, const sc_node *n) {
    v3 r, v, pro, nor, rad;
    sc_node_current(w, n, &r, &v);
    node_axes(r, v, &pro, &nor, &rad);
    return v3_add(v3_add(v3_scale(pro, n->prograde), v3_scale(nor, n->normal)), v3_scale(rad, n->radial));
}

void sc_node_update(sc_world *w, sc_node *n) {
    sc_vessel *vessel = sc_vessel_get(w, n->vessel);
    if (vessel == NULL) {
        return;
    }
    v3 r, v;
    sc_conic c = sc_vessel_conic(w, vessel);
    sc_conic_at(&c, n->ut, &r, &v);
    n->body = vessel->body;
    n->target_r = r;
    n->target_v = v3_add(v, sc_node_burn_vector(w, n));
}

v3 sc_node_remaining(const sc_world *w, const sc_node *n) {
    v3 r, v;
    sc_node_current(w, n, &r, &v);
    return v3_sub(n->target_v, v);
}

sc_node *sc_node_add(sc_world *w, sc_vessel *vessel, double ut, double prograde, double normal, double radial) {
    if (w->nnodes == w->capnodes) {
        size_t cap = w->capnodes ? w->capnodes * 2 : 8;
        sc_node **grown = realloc(w->nodes, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        w->nodes = grown;
        w->capnodes = cap;
    }
    sc_node *n = calloc(1, sizeof *n);
    if (n == NULL) {
        return NULL;
    }
    n->id = w->next_node_id++;
    n->vessel = vessel->id;
    n->alive = true;
    n->ut = ut;
    n->prograde = prograde;
    n->normal = normal;
    n->radial = radial;
    n->body = vessel->body;
    w->nodes[w->nnodes++] = n;
    sc_node_update(w, n);
    return n;
}

void sc_node_remove(sc_state *st, sc_node *n) {
    if (!n->alive) {
        return;
    }
    n->alive = false;
    sc_objects_node_removed(st, n->id);
}
