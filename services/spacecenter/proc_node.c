/*
 * proc_node.c - the Node class (maneuver nodes) and the ReferenceFrame
 * class's static constructors (relative and hybrid frames).
 */
#include "procs.h"

#include <string.h>

#define NODE_OR_FAIL(n)                          \
    sc_node *n = sc_arg_node(call, &args[0]);    \
    if (n == NULL) {                             \
        return KRPC_ERROR;                       \
    }

#define NODE_COMPONENT(getter, setter, field)             \
    SC_PROC(getter) {                                     \
        NODE_OR_FAIL(n);                                  \
        result->u.d = n->field;                           \
        return KRPC_OK;                                   \
    }                                                     \
    SC_PROC(setter) {                                     \
        NODE_OR_FAIL(n);                                  \
        if (!isfinite(args[1].u.d)) {                     \
            return krpc_raise(call, KRPC_ERR_ARGUMENT, "Value must be finite"); \
        }                                                 \
        n->field = args[1].u.d;                           \
        sc_node_update(&sc_of(call)->world, n);           \
        return KRPC_OK;                                   \
    }

NODE_COMPONENT(sc_node_get_prograde, sc_node_set_prograde, prograde)
NODE_COMPONENT(sc_node_get_normal, sc_node_set_normal, normal)
NODE_COMPONENT(sc_node_get_radial, sc_node_set_radial, radial)

SC_PROC(sc_node_get_delta_v) {
    NODE_OR_FAIL(n);
    result->u.d = sqrt(n->prograde * n->prograde + n->normal * n->normal + n->radial * n->radial);
    return KRPC_OK;
}

SC_PROC(sc_node_set_delta_v) {
    NODE_OR_FAIL(n);
    if (!isfinite(args[1].u.d)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Value must be finite");
    }
    double l = sqrt(n->prograde * n->prograde + n->normal * n->normal + n->radial * n->radial);
    double s = l > 0 ? args[1].u.d / l : 0;
    n->prograde *= s;
    n->normal *= s;
    n->radial *= s;
    sc_node_update(&sc_of(call)->world, n);
    return KRPC_OK;
}

SC_PROC(sc_node_get_remaining_delta_v) {
    NODE_OR_FAIL(n);
    result->u.d = v3_len(sc_node_remaining(&sc_of(call)->world, n));
    return KRPC_OK;
}

static int node_vector(krpc_call *call, const krpc_value *args, krpc_value *result, v3 world) {
    NODE_OR_FAIL(n);
    sc_fstate f;
    const sc_obj *frame = args[1].is_null ? sc_frame_vessel(sc_of(call), n->vessel, SC_F_VESSEL_ORBITAL)
                                          : args[1].u.obj.ptr;
    if (sc_eval_frame(call, frame, &f) != KRPC_OK) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_dir_from(&f, world));
}

SC_PROC(sc_node_burn_vector_proc) {
    NODE_OR_FAIL(n);
    return node_vector(call, args, result, sc_node_burn_vector(&sc_of(call)->world, n));
}

SC_PROC(sc_node_remaining_burn_vector) {
    NODE_OR_FAIL(n);
    return node_vector(call, args, result, sc_node_remaining(&sc_of(call)->world, n));
}

SC_PROC(sc_node_get_ut) {
    NODE_OR_FAIL(n);
    result->u.d = n->ut;
    return KRPC_OK;
}

SC_PROC(sc_node_set_ut) {
    NODE_OR_FAIL(n);
    if (!isfinite(args[1].u.d)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Value must be finite");
    }
    n->ut = args[1].u.d;
    sc_node_update(&sc_of(call)->world, n);
    return KRPC_OK;
}

SC_PROC(sc_node_get_time_to) {
    NODE_OR_FAIL(n);
    result->u.d = n->ut - sc_of(call)->world.ut;
    return KRPC_OK;
}

SC_PROC(sc_node_get_orbit) {
    NODE_OR_FAIL(n);
    return sc_ret_obj(call, result, sc_obj_orbit(sc_of(call), SC_O_NODE, n->id));
}

SC_PROC(sc_node_remove_proc) {
    NODE_OR_FAIL(n);
    sc_node_remove(sc_of(call), n);
    return KRPC_OK;
}

SC_PROC(sc_node_get_reference_frame) {
    NODE_OR_FAIL(n);
    return sc_ret_obj(call, result, sc_frame_node(sc_of(call), n, SC_F_NODE));
}

SC_PROC(sc_node_get_orbital_reference_frame) {
    NODE_OR_FAIL(n);
    return sc_ret_obj(call, result, sc_frame_node(sc_of(call), n, SC_F_NODE_ORBITAL));
}

SC_PROC(sc_node_position) {
    NODE_OR_FAIL(n);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    v3 r, v;
    sc_node_current(w, n, &r, &v);
    return sc_ret_v3(call, result, sc_f_pos_from(&f, v3_add(sc_body_position(w, n->body, w->ut), r)));
}

SC_PROC(sc_node_direction) {
    NODE_OR_FAIL(n);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_dir_from(&f, v3_norm(sc_node_burn_vector(&sc_of(call)->world, n))));
}

/* ---- ReferenceFrame --------------------------------------------------------- */

SC_PROC(sc_frame_static_create_relative) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = SC_F_RELATIVE;
    k.ref[0] = args[0].u.obj.ptr;
    v3 pos = sc_arg_v3(&args[1]), vel = sc_arg_v3(&args[3]), ang = sc_arg_v3(&args[4]);
    quat q = sc_arg_quat(&args[2]);
    double d[13] = {pos.x, pos.y, pos.z, q.x, q.y, q.z, q.w, vel.x, vel.y, vel.z, ang.x, ang.y, ang.z};
    memcpy(k.d, d, sizeof d);
    for (int i = 0; i < 13; i++) {
        if (k.d[i] == 0) {
            k.d[i] = 0; /* -0.0 and 0.0 are the same frame */
        }
    }
    return sc_ret_obj(call, result, sc_intern(sc_of(call), &k));
}

SC_PROC(sc_frame_static_create_hybrid) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = SC_F_HYBRID;
    for (int i = 0; i < 4; i++) {
        k.ref[i] = args[i].is_null ? NULL : args[i].u.obj.ptr;
    }
    /* a component given as the position frame is the same as one left out */
    for (int i = 1; i < 4; i++) {
        if (k.ref[i] == k.ref[0]) {
            k.ref[i] = NULL;
        }
    }
    return sc_ret_obj(call, result, sc_intern(sc_of(call), &k));
}
