/*
 * proc_spacecenter.c - the SpaceCenter service's own procedures and
 * properties: the active vessel, vessels, bodies, targets, the clock, time
 * warp (WarpTo blocks until the time is reached) and the frame transforms.
 */
#include "procs.h"

#include <stdlib.h>
#include <string.h>

SC_PROC(sc_get_active_vessel) {
    sc_state *st = sc_of(call);
    sc_vessel *v = sc_vessel_get(&st->world, st->world.active_vessel);
    if (v == NULL) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_vessel(st, v->id, SC_K_VESSEL));
}

SC_PROC(sc_set_active_vessel) {
    sc_vessel *v = sc_arg_vessel(call, &args[0]);
    if (v == NULL) {
        return KRPC_ERROR;
    }
    sc_of(call)->world.active_vessel = v->id;
    return KRPC_OK;
}

SC_PROC(sc_get_vessels) {
    sc_world *w = &sc_of(call)->world;
    uint32_t *ids = krpc_alloc(call, (w->nvessels + 1) * sizeof *ids);
    if (ids == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nvessels; i++) {
        if (w->vessels[i]->alive) {
            ids[n++] = w->vessels[i]->id;
        }
    }
    return sc_ret_vessels(call, result, ids, n);
}

SC_PROC(sc_get_bodies) {
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    krpc_value *keys = sc_values(call, w->nbodies), *values = sc_values(call, w->nbodies);
    if (keys == NULL || values == NULL) {
        return sc_oom(call);
    }
    for (size_t i = 0; i < w->nbodies; i++) {
        krpc_set_string(call, &keys[i], w->bodies[i].name, strlen(w->bodies[i].name));
        sc_obj *o = sc_obj_body(st, (int)i);
        if (o == NULL) {
            return sc_oom(call);
        }
        values[i].u.obj.ptr = o;
    }
    result->u.dict.keys = keys;
    result->u.dict.values = values;
    result->u.dict.count = w->nbodies;
    return KRPC_OK;
}

SC_PROC(sc_get_target_body) {
    sc_state *st = sc_of(call);
    if (st->world.target_body < 0) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_body(st, st->world.target_body));
}

SC_PROC(sc_set_target_body) {
    sc_state *st = sc_of(call);
    st->world.target_body = args[0].is_null ? -1 : (int)((const sc_obj *)args[0].u.obj.ptr)->key.id;
    if (!args[0].is_null) {
        st->world.target_vessel = 0;
    }
    return KRPC_OK;
}

SC_PROC(sc_get_target_vessel) {
    sc_state *st = sc_of(call);
    sc_vessel *v = sc_vessel_get(&st->world, st->world.target_vessel);
    if (v == NULL) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_vessel(st, v->id, SC_K_VESSEL));
}

SC_PROC(sc_set_target_vessel) {
    sc_state *st = sc_of(call);
    if (args[0].is_null) {
        st->world.target_vessel = 0;
        return KRPC_OK;
    }
    sc_vessel *v = sc_arg_vessel(call, &args[0]);
    if (v == NULL) {
        return KRPC_ERROR;
    }
    if (v->id == st->world.active_vessel) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Cannot set target vessel to the active vessel");
    }
    st->world.target_vessel = v->id;
    st->world.target_body = -1;
    return KRPC_OK;
}

SC_PROC(sc_clear_target) {
    sc_state *st = sc_of(call);
    st->world.target_vessel = 0;
    st->world.target_body = -1;
    return KRPC_OK;
}

SC_PROC(sc_get_ut) {
    result->u.d = sc_of(call)->world.ut;
    return KRPC_OK;
}

SC_PROC(sc_get_g) {
    result->u.d = SC_G;
    return KRPC_OK;
}

SC_PROC(sc_get_warp_mode) {
    sc_world *w = &sc_of(call)->world;
    result->u.e = w->rails_index > 0 ? SC_WARP_RAILS : w->physics_index > 0 ? SC_WARP_PHYSICS : SC_WARP_NONE;
    return KRPC_OK;
}

SC_PROC(sc_get_warp_rate) {
    sc_world *w = &sc_of(call)->world;
    result->u.f = (float)(w->rails_index > 0 ? sc_rails_rates[w->rails_index]
                                             : sc_physics_rates[w->physics_index]);
    return KRPC_OK;
}

SC_PROC(sc_get_warp_factor) {
    sc_world *w = &sc_of(call)->world;
    result->u.f = (float)(w->rails_index > 0 ? w->rails_index : w->physics_index);
    return KRPC_OK;
}

SC_PROC(sc_get_rails_warp_factor) {
    result->u.i32 = sc_of(call)->world.rails_index;
    return KRPC_OK;
}

static int max_rails_index(sc_state *st) {
    sc_vessel *v = sc_vessel_get(&st->world, st->world.active_vessel);
    int m = 0;
    for (int i = 1; i < SC_NRAILS; i++) {
        if (sc_can_rails_warp(&st->world, v, i)) {
            m = i;
        }
    }
    return m;
}

SC_PROC(sc_set_rails_warp_factor) {
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    int f = args[0].u.i32;
    if (f < 0) {
        f = 0;
    }
    int m = max_rails_index(st);
    if (f > m) {
        f = m;
    }
    w->rails_index = f;
    w->physics_index = 0;
    w->warp_mode = f > 0 ? SC_WARP_RAILS : SC_WARP_NONE;
    if (f > 0) {
        /* rails warp cuts the throttle */
        sc_vessel *v = sc_vessel_get(w, w->active_vessel);
        if (v != NULL) {
            v->throttle_set = 0;
        }
    }
    return KRPC_OK;
}

SC_PROC(sc_get_physics_warp_factor) {
    result->u.i32 = sc_of(call)->world.physics_index;
    return KRPC_OK;
}

SC_PROC(sc_set_physics_warp_factor) {
    sc_world *w = &sc_of(call)->world;
    int f = args[0].u.i32;
    w->physics_index = f < 0 ? 0 : f > 3 ? 3 : f;
    w->rails_index = 0;
    w->warp_mode = w->physics_index > 0 ? SC_WARP_PHYSICS : SC_WARP_NONE;
    return KRPC_OK;
}

SC_PROC(sc_can_rails_warp_at) {
    sc_state *st = sc_of(call);
    int f = args[0].u.i32;
    result->u.b = f >= 0 && f < SC_NRAILS &&
                  sc_can_rails_warp(&st->world, sc_vessel_get(&st->world, st->world.active_vessel), f);
    return KRPC_OK;
}

SC_PROC(sc_get_maximum_rails_warp_factor) {
    result->u.i32 = max_rails_index(sc_of(call));
    return KRPC_OK;
}

/* ---- WarpTo ------------------------------------------------------------------ */

typedef struct warp_wait {
    sc_state *st;
    double ut;
} warp_wait;

static void warp_wait_free(void *p) {
    warp_wait *ww = p;
    ww->st->waiters--;
    free(ww);
}

static int warp_resume(krpc_call *call, void *state, krpc_value *result) {
    (void)result;
    warp_wait *ww = state;
    sc_state *st = sc_of(call);
    if (st->world.ut >= ww->ut) {
        if (st->warp_target >= 0 && st->warp_target <= st->world.ut) {
            st->warp_target = -1;
        }
        st->world.rails_index = 0;
        st->world.physics_index = 0;
        st->world.warp_mode = SC_WARP_NONE;
        return KRPC_OK;
    }
    st->warp_target = ww->ut;
    warp_wait *next = malloc(sizeof *next);
    if (next == NULL) {
        return sc_oom(call);
    }
    *next = *ww;
    st->waiters++;
    return krpc_yield(call, warp_resume, next, warp_wait_free);
}

SC_PROC(sc_warp_to) {
    sc_state *st = sc_of(call);
    if (isnan(args[0].u.d)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The time to warp to must be a number");
    }
    warp_wait ww = {st, args[0].u.d};
    st->warp_max_rails = args[1].u.f;
    st->warp_max_physics = args[2].u.f;
    return warp_resume(call, &ww, result);
}

/* ---- transforms --------------------------------------------------------------- */

SC_PROC(sc_transform_position) {
    sc_fstate from, to;
    if (sc_arg_frame(call, &args[1], &from) || sc_arg_frame(call, &args[2], &to)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_pos_from(&to, sc_f_pos_to(&from, sc_arg_v3(&args[0]))));
}

SC_PROC(sc_transform_direction) {
    sc_fstate from, to;
    if (sc_arg_frame(call, &args[1], &from) || sc_arg_frame(call, &args[2], &to)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_dir_from(&to, sc_f_dir_to(&from, sc_arg_v3(&args[0]))));
}

SC_PROC(sc_transform_rotation) {
    sc_fstate from, to;
    if (sc_arg_frame(call, &args[1], &from) || sc_arg_frame(call, &args[2], &to)) {
        return KRPC_ERROR;
    }
    m3 q = quat_to_m3(quat_normalize(sc_arg_quat(&args[0])));
    m3 world = m3_mul(&from.r, &q);
    return sc_ret_quat(call, result, sc_f_rot_from(&to, &world));
}

SC_PROC(sc_transform_velocity) {
    sc_fstate from, to;
    if (sc_arg_frame(call, &args[2], &from) || sc_arg_frame(call, &args[3], &to)) {
        return KRPC_ERROR;
    }
    v3 p = sc_arg_v3(&args[0]), v = sc_arg_v3(&args[1]);
    v3 wp = sc_f_pos_to(&from, p), wv = sc_f_vel_to(&from, p, v);
    return sc_ret_v3(call, result, sc_f_vel_from(&to, wp, wv));
}

/* ---- saved games ------------------------------------------------------------- */

static int save_named(krpc_call *call, const char *name) {
    if (sc_save_game(sc_of(call), name) != 0) {
        return sc_oom(call);
    }
    return KRPC_OK;
}

static int load_named(krpc_call *call, const char *name) {
    int rc = sc_load_game(sc_of(call), name);
    if (rc == -1) {
        return sc_raisef(call, KRPC_ERR_ARGUMENT, "Save game '%s' does not exist", name);
    }
    if (rc != 0) {
        return sc_oom(call);
    }
    return KRPC_OK;
}

static void arg_name(const krpc_value *arg, char *out, size_t len) {
    size_t n = arg->u.s.len < len - 1 ? arg->u.s.len : len - 1;
    memcpy(out, arg->u.s.data, n);
    out[n] = '\0';
}

SC_PROC(sc_save_proc) {
    char name[SC_NAME];
    arg_name(&args[0], name, sizeof name);
    return save_named(call, name);
}

SC_PROC(sc_load_proc) {
    char name[SC_NAME];
    arg_name(&args[0], name, sizeof name);
    return load_named(call, name);
}

SC_PROC(sc_quicksave) { return save_named(call, "quicksave"); }
SC_PROC(sc_quickload) { return load_named(call, "quicksave"); }
