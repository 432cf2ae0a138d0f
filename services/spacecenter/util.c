/*
 * util.c - helpers the procedures share: errors, results in call memory,
 * tuples, and the game things behind object arguments.
 */
#include "sc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sc_oom(krpc_call *call) {
    return krpc_raise(call, KRPC_ERR_GENERIC, "Insufficient memory to continue the execution of the program.");
}

int sc_raisef(krpc_call *call, krpc_error_kind kind, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return krpc_raise(call, kind, msg);
}

krpc_value *sc_values(krpc_call *call, size_t n) {
    size_t slots = n > 0 ? n : 1;
    krpc_value *v = krpc_alloc(call, slots * sizeof *v);
    if (v != NULL) {
        memset(v, 0, slots * sizeof *v);
    }
    return v;
}

int sc_ret_v3(krpc_call *call, krpc_value *result, v3 v) {
    krpc_value *items = sc_values(call, 3);
    if (items == NULL) {
        return sc_oom(call);
    }
    items[0].u.d = v.x;
    items[1].u.d = v.y;
    items[2].u.d = v.z;
    result->u.seq.items = items;
    result->u.seq.count = 3;
    return KRPC_OK;
}

int sc_ret_quat(krpc_call *call, krpc_value *result, quat q) {
    krpc_value *items = sc_values(call, 4);
    if (items == NULL) {
        return sc_oom(call);
    }
    items[0].u.d = q.x;
    items[1].u.d = q.y;
    items[2].u.d = q.z;
    items[3].u.d = q.w;
    result->u.seq.items = items;
    result->u.seq.count = 4;
    return KRPC_OK;
}

int sc_ret_string(krpc_call *call, krpc_value *result, const char *s) {
    krpc_set_string(call, result, s, strlen(s));
    return KRPC_OK;
}

int sc_ret_obj(krpc_call *call, krpc_value *result, sc_obj *o) {
    if (o == NULL) {
        return sc_oom(call);
    }
    result->u.obj.ptr = o;
    return KRPC_OK;
}

v3 sc_arg_v3(const krpc_value *v) {
    if (v->is_null || v->u.seq.count < 3) {
        return v3_zero();
    }
    return v3_make(v->u.seq.items[0].u.d, v->u.seq.items[1].u.d, v->u.seq.items[2].u.d);
}

quat sc_arg_quat(const krpc_value *v) {
    if (v->is_null || v->u.seq.count < 4) {
        return quat_identity();
    }
    quat q = {v->u.seq.items[0].u.d, v->u.seq.items[1].u.d, v->u.seq.items[2].u.d, v->u.seq.items[3].u.d};
    return q;
}

static int gone(krpc_call *call, const char *what) {
    return sc_raisef(call, KRPC_ERR_OBJECT_DESTROYED, "The %s no longer exists.", what);
}

sc_vessel *sc_arg_vessel(krpc_call *call, const krpc_value *arg) {
    const sc_obj *o = arg->u.obj.ptr;
    sc_vessel *v = o != NULL && !o->dead ? sc_vessel_get(&sc_of(call)->world, o->key.vessel) : NULL;
    if (v == NULL) {
        gone(call, "vessel");
    }
    return v;
}

sc_part *sc_arg_part(krpc_call *call, const krpc_value *arg) {
    const sc_obj *o = arg->u.obj.ptr;
    sc_part *p = o != NULL && !o->dead ? sc_part_get(&sc_of(call)->world, o->key.id) : NULL;
    if (p == NULL || !p->alive) {
        gone(call, "part");
        return NULL;
    }
    return p;
}

sc_node *sc_arg_node(krpc_call *call, const krpc_value *arg) {
    const sc_obj *o = arg->u.obj.ptr;
    sc_node *n = o != NULL && !o->dead ? sc_node_get(&sc_of(call)->world, o->key.id) : NULL;
    if (n == NULL || !n->alive) {
        krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED,
                   "The maneuver node no longer exists, as it is not in the vessel's flight plan.");
        return NULL;
    }
    return n;
}

int sc_eval_frame(krpc_call *call, const sc_obj *frame, sc_fstate *out) {
    krpc_error_kind kind;
    char msg[256];
    if (frame == NULL) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_NULL, "Value cannot be null.\nParameter name: referenceFrame");
    }
    if (sc_frame_eval(sc_of(call), frame, out, &kind, msg, sizeof msg) != 0) {
        return krpc_raise(call, kind, msg);
    }
    return KRPC_OK;
}

int sc_arg_frame(krpc_call *call, const krpc_value *arg, sc_fstate *out) {
    return sc_eval_frame(call, arg->is_null ? NULL : arg->u.obj.ptr, out);
}

sc_obj *sc_obj_vessel(sc_state *st, uint32_t vessel, sc_kind kind) {
    sc_key k;
    sc_key_init(&k, kind);
    k.vessel = vessel;
    return sc_intern(st, &k);
}

sc_obj *sc_obj_part(sc_state *st, uint32_t part, sc_kind kind) {
    sc_key k;
    sc_key_init(&k, kind);
    k.id = part;
    return sc_intern(st, &k);
}

sc_obj *sc_obj_body(sc_state *st, int body) {
    sc_key k;
    sc_key_init(&k, SC_K_BODY);
    k.id = (uint32_t)body;
    return sc_intern(st, &k);
}

sc_obj *sc_obj_orbit(sc_state *st, int sub, uint32_t id) {
    sc_key k;
    sc_key_init(&k, SC_K_ORBIT);
    k.sub = sub;
    if (sub == SC_O_VESSEL) {
        k.vessel = id;
    } else {
        k.id = id;
    }
    if (sub == SC_O_NODE) {
        sc_node *n = sc_node_get(&st->world, id);
        k.vessel = n != NULL ? n->vessel : 0;
    }
    return sc_intern(st, &k);
}

sc_obj *sc_obj_node(sc_state *st, const sc_node *n) {
    sc_key k;
    sc_key_init(&k, SC_K_NODE);
    k.id = n->id;
    k.vessel = n->vessel;
    return sc_intern(st, &k);
}

int sc_ret_vessels(krpc_call *call, krpc_value *result, const uint32_t *ids, size_t n) {
    krpc_value *items = sc_values(call, n);
    if (items == NULL) {
        return sc_oom(call);
    }
    for (size_t i = 0; i < n; i++) {
        sc_obj *o = sc_obj_vessel(sc_of(call), ids[i], SC_K_VESSEL);
        if (o == NULL) {
            return sc_oom(call);
        }
        items[i].u.obj.ptr = o;
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}
