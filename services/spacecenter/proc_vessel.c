/*
 * proc_vessel.c - the Vessel class: name and situation, the objects that
 * belong to a vessel (flight telemetry, orbit, control, autopilot,
 * resources, stages, parts, reference frames), masses, thrust and specific
 * impulse, and its position, velocity, rotation and direction in a frame.
 */
#include "procs.h"

#include <string.h>

SC_PROC(sc_vessel_get_name) {
    VESSEL_OR_FAIL(v);
    return sc_ret_string(call, result, v->name);
}

SC_PROC(sc_vessel_set_name) {
    VESSEL_OR_FAIL(v);
    size_t n = args[1].u.s.len < sizeof v->name - 1 ? args[1].u.s.len : sizeof v->name - 1;
    memcpy(v->name, args[1].u.s.data, n);
    v->name[n] = '\0';
    return KRPC_OK;
}

VESSEL_FIELD(sc_vessel_get_type, sc_vessel_set_type, e, type)

VESSEL_GET(sc_vessel_get_situation, e, situation)

SC_PROC(sc_vessel_get_loaded) {
    VESSEL_OR_FAIL(v);
    result->u.b = true;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_packed) {
    VESSEL_OR_FAIL(v);
    result->u.b = false;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_recoverable) {
    VESSEL_OR_FAIL(v);
    result->u.b = v->situation == SC_SIT_LANDED || v->situation == SC_SIT_SPLASHED ||
                  v->situation == SC_SIT_PRELAUNCH;
    return KRPC_OK;
}

SC_PROC(sc_vessel_recover) {
    VESSEL_OR_FAIL(v);
    if (!(v->situation == SC_SIT_LANDED || v->situation == SC_SIT_SPLASHED || v->situation == SC_SIT_PRELAUNCH)) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Vessel is not recoverable");
    }
    sc_vessel_destroy(sc_of(call), v);
    return KRPC_OK;
}

SC_PROC(sc_vessel_terminate) {
    VESSEL_OR_FAIL(v);
    sc_vessel_destroy(sc_of(call), v);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_met) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    result->u.d = v->launched ? w->ut - v->launch_ut : 0;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_biome) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    const sc_body *b = &w->bodies[v->body];
    double lat, lon;
    sc_body_latlon(b, w->ut, v->r, &lat, &lon);
    bool water = false;
    sc_body_terrain(b, lat, lon, &water);
    return sc_ret_string(call, result, water ? "Water" : "KSC");
}

SC_PROC(sc_vessel_flight) {
    VESSEL_OR_FAIL(v);
    sc_state *st = sc_of(call);
    const sc_obj *frame = args[1].is_null ? sc_frame_vessel(st, v->id, SC_F_VESSEL_SURFACE) : args[1].u.obj.ptr;
    if (frame == NULL) {
        return sc_oom(call);
    }
    sc_key k;
    sc_key_init(&k, SC_K_FLIGHT);
    k.vessel = v->id;
    k.ref[0] = frame;
    return sc_ret_obj(call, result, sc_intern(st, &k));
}

SC_PROC(sc_vessel_get_orbit) {
    VESSEL_OR_FAIL(v);
    return sc_ret_obj(call, result, sc_obj_orbit(sc_of(call), SC_O_VESSEL, v->id));
}

SC_PROC(sc_vessel_get_control) {
    VESSEL_OR_FAIL(v);
    return sc_ret_obj(call, result, sc_obj_vessel(sc_of(call), v->id, SC_K_CONTROL));
}

SC_PROC(sc_vessel_get_auto_pilot) {
    VESSEL_OR_FAIL(v);
    return sc_ret_obj(call, result, sc_obj_vessel(sc_of(call), v->id, SC_K_AUTOPILOT));
}

SC_PROC(sc_vessel_get_crew_capacity) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    int n = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == v->id && w->parts[i].alive) {
            n += w->parts[i].def->crew_capacity;
        }
    }
    result->u.i32 = n;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_crew_count) {
    VESSEL_OR_FAIL(v);
    result->u.i32 = 0;
    return KRPC_OK;
}

static int resources_obj(krpc_call *call, krpc_value *result, uint32_t vessel, int stage, bool cumulative,
                         bool decouple) {
    sc_key k;
    sc_key_init(&k, SC_K_RESOURCES);
    k.sub = SC_R_VESSEL;
    k.vessel = vessel;
    k.num = stage;
    k.flag = (cumulative ? 1 : 0) | (decouple ? 2 : 0);
    return sc_ret_obj(call, result, sc_intern(sc_of(call), &k));
}

SC_PROC(sc_vessel_get_resources) {
    VESSEL_OR_FAIL(v);
    return resources_obj(call, result, v->id, -1, true, true);
}

SC_PROC(sc_vessel_resources_in_decouple_stage) {
    VESSEL_OR_FAIL(v);
    return resources_obj(call, result, v->id, args[1].u.i32, args[2].u.b, true);
}

/* Activation stage numbers of the vessel's parts, sorted, distinct. */
static size_t activation_stages(const sc_world *w, const sc_vessel *v, int *out, size_t max) {
    size_t n = 0;
    for (int s = 0; s <= 64; s++) {
        for (size_t i = 0; i < w->nparts; i++) {
            if (w->parts[i].vessel == v->id && w->parts[i].alive && w->parts[i].stage == s) {
                if (n < max) {
                    out[n++] = s;
                }
                break;
            }
        }
    }
    return n;
}

static size_t decouple_stages(const sc_world *w, const sc_vessel *v, int *out, size_t max) {
    size_t n = 0;
    for (int s = -1; s <= 64; s++) {
        for (size_t i = 0; i < w->nparts; i++) {
            if (w->parts[i].vessel == v->id && w->parts[i].alive && sc_part_decouple_stage(w, &w->parts[i]) == s) {
                if (n < max) {
                    out[n++] = s;
                }
                break;
            }
        }
    }
    return n;
}

static sc_obj *stage_obj(sc_state *st, uint32_t vessel, int number, bool decouple) {
    sc_key k;
    sc_key_init(&k, SC_K_STAGE);
    k.vessel = vessel;
    k.num = number;
    k.flag = decouple ? 1 : 0;
    return sc_intern(st, &k);
}

static int ret_stages(krpc_call *call, krpc_value *result, uint32_t vessel, const int *nums, size_t n,
                      bool decouple) {
    krpc_value *items = sc_values(call, n);
    if (items == NULL) {
        return sc_oom(call);
    }
    for (size_t i = 0; i < n; i++) {
        sc_obj *o = stage_obj(sc_of(call), vessel, nums[i], decouple);
        if (o == NULL) {
            return sc_oom(call);
        }
        items[i].u.obj.ptr = o;
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_stages) {
    VESSEL_OR_FAIL(v);
    int nums[80];
    size_t n = activation_stages(&sc_of(call)->world, v, nums, 80);
    return ret_stages(call, result, v->id, nums, n, false);
}

SC_PROC(sc_vessel_stage_at) {
    VESSEL_OR_FAIL(v);
    int nums[80];
    size_t n = activation_stages(&sc_of(call)->world, v, nums, 80);
    int s = args[1].u.i32;
    bool found = s == -1;
    for (size_t i = 0; i < n; i++) {
        found = found || nums[i] == s;
    }
    if (!found) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Stage not found\nParameter name: stage");
    }
    return sc_ret_obj(call, result, stage_obj(sc_of(call), v->id, s, false));
}

SC_PROC(sc_vessel_get_decouple_stages) {
    VESSEL_OR_FAIL(v);
    int nums[80];
    size_t n = decouple_stages(&sc_of(call)->world, v, nums, 80);
    return ret_stages(call, result, v->id, nums, n, true);
}

SC_PROC(sc_vessel_decouple_stage_at) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    int act[80], dec[80];
    size_t na = activation_stages(w, v, act, 80), nd = decouple_stages(w, v, dec, 80);
    int max = 0;
    for (size_t i = 0; i < na; i++) {
        max = act[i] > max ? act[i] : max;
    }
    for (size_t i = 0; i < nd; i++) {
        max = dec[i] > max ? dec[i] : max;
    }
    int s = args[1].u.i32;
    if (s < -1 || s > max) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Decouple stage not found\nParameter name: stage");
    }
    return sc_ret_obj(call, result, stage_obj(sc_of(call), v->id, s, true));
}

SC_PROC(sc_vessel_get_parts) {
    VESSEL_OR_FAIL(v);
    return sc_ret_obj(call, result, sc_obj_vessel(sc_of(call), v->id, SC_K_PARTS));
}

SC_PROC(sc_vessel_get_mass) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)sc_vessel_mass(&sc_of(call)->world, v);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_dry_mass) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)sc_vessel_dry_mass(&sc_of(call)->world, v);
    return KRPC_OK;
}

/* Sums over the vessel's active engines. what: 0 thrust now, 1 available,
 * 2 max at pressure, 3 max vacuum. */
static double engines_sum(const sc_world *w, const sc_vessel *v, int what, double p_atm) {
    double t = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive || !p->def->engine || !p->active) {
            continue;
        }
        switch (what) {
        case 0:
            t += p->thrust;
            break;
        case 1:
            t += sc_engine_available_thrust(w, p, p_atm);
            break;
        case 2:
            t += sc_engine_has_fuel(w, p) ? sc_engine_max_thrust(p, p_atm) : 0;
            break;
        default:
            t += p->def->thrust_vac;
            break;
        }
    }
    return t;
}

static double vessel_isp(const sc_world *w, const sc_vessel *v, double p_atm) {
    double thrust = 0, flow = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive || !p->def->engine || !p->active) {
            continue;
        }
        double f = sc_engine_max_thrust(p, p_atm);
        thrust += f;
        flow += f / sc_engine_isp(p->def, p_atm);
    }
    return flow > 0 ? thrust / flow : 0;
}

SC_PROC(sc_vessel_get_thrust) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)engines_sum(&sc_of(call)->world, v, 0, 0);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_available_thrust) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    result->u.f = (float)engines_sum(w, v, 1, sc_vessel_pressure_atm(w, v));
    return KRPC_OK;
}

SC_PROC(sc_vessel_available_thrust_at) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)engines_sum(&sc_of(call)->world, v, 1, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_max_thrust) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    result->u.f = (float)engines_sum(w, v, 2, sc_vessel_pressure_atm(w, v));
    return KRPC_OK;
}

SC_PROC(sc_vessel_max_thrust_at) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)engines_sum(&sc_of(call)->world, v, 2, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_max_vacuum_thrust) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)engines_sum(&sc_of(call)->world, v, 3, 0);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_specific_impulse) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    result->u.f = (float)vessel_isp(w, v, sc_vessel_pressure_atm(w, v));
    return KRPC_OK;
}

SC_PROC(sc_vessel_specific_impulse_at) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)vessel_isp(&sc_of(call)->world, v, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_vacuum_specific_impulse) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)vessel_isp(&sc_of(call)->world, v, 0);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_kerbin_sea_level_specific_impulse) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)vessel_isp(&sc_of(call)->world, v, 1);
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_moment_of_inertia) {
    VESSEL_OR_FAIL(v);
    return sc_ret_v3(call, result, sc_vessel_inertia(&sc_of(call)->world, v));
}

static int ret_torque(krpc_call *call, krpc_value *result, v3 t) {
    krpc_value *items = sc_values(call, 2);
    if (items == NULL) {
        return sc_oom(call);
    }
    if (sc_ret_v3(call, &items[0], t) != KRPC_OK || sc_ret_v3(call, &items[1], v3_neg(t)) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

SC_PROC(sc_vessel_get_available_torque) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    return ret_torque(call, result, v3_add(sc_vessel_wheel_torque(w, v), sc_vessel_engine_torque(w, v)));
}

SC_PROC(sc_vessel_get_available_reaction_wheel_torque) {
    VESSEL_OR_FAIL(v);
    return ret_torque(call, result, sc_vessel_wheel_torque(&sc_of(call)->world, v));
}

SC_PROC(sc_vessel_get_available_engine_torque) {
    VESSEL_OR_FAIL(v);
    return ret_torque(call, result, sc_vessel_engine_torque(&sc_of(call)->world, v));
}

static int frame_ret(krpc_call *call, const krpc_value *args, krpc_value *result, int sub) {
    VESSEL_OR_FAIL(v);
    return sc_ret_obj(call, result, sc_frame_vessel(sc_of(call), v->id, sub));
}

SC_PROC(sc_vessel_get_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL); }
SC_PROC(sc_vessel_get_orbital_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL_ORBITAL); }
SC_PROC(sc_vessel_get_surface_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL_SURFACE); }
SC_PROC(sc_vessel_get_surface_velocity_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL_SURFVEL); }
SC_PROC(sc_vessel_get_orbit_speed_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL_ORBITSPEED); }
SC_PROC(sc_vessel_get_surface_speed_reference_frame) { return frame_ret(call, args, result, SC_F_VESSEL_SURFSPEED); }

SC_PROC(sc_vessel_position) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_pos_from(&f, sc_vessel_world_position(&sc_of(call)->world, v)));
}

SC_PROC(sc_vessel_bounding_box) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    v3 lo = v3_make(INFINITY, INFINITY, INFINITY), hi = v3_neg(lo);
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive) {
            continue;
        }
        v3 c = sc_f_pos_from(&f, sc_part_world_position(w, p));
        double e = fmax(p->def->radius, p->def->height / 2);
        lo = v3_make(fmin(lo.x, c.x - e), fmin(lo.y, c.y - e), fmin(lo.z, c.z - e));
        hi = v3_make(fmax(hi.x, c.x + e), fmax(hi.y, c.y + e), fmax(hi.z, c.z + e));
    }
    krpc_value *items = sc_values(call, 2);
    if (items == NULL) {
        return sc_oom(call);
    }
    if (sc_ret_v3(call, &items[0], lo) != KRPC_OK || sc_ret_v3(call, &items[1], hi) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

SC_PROC(sc_vessel_velocity) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    return sc_ret_v3(call, result,
                     sc_f_vel_from(&f, sc_vessel_world_position(w, v), sc_vessel_world_velocity(w, v)));
}

SC_PROC(sc_vessel_rotation) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    m3 r = quat_to_m3(v->q);
    return sc_ret_quat(call, result, sc_f_rot_from(&f, &r));
}

SC_PROC(sc_vessel_direction) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, v3_norm(sc_f_dir_from(&f, quat_rotate(v->q, v3_make(0, 1, 0)))));
}

SC_PROC(sc_vessel_angular_velocity) {
    VESSEL_OR_FAIL(v);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_angvel_from(&f, v->w));
}
