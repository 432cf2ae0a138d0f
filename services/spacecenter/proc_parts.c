/*
 * proc_parts.c - parts and their modules: Parts, Part, Engine, Parachute,
 * Decoupler, LaunchClamp; resources (Resources, Resource) and stages.
 */
#include "procs.h"

#include <stdio.h>
#include <string.h>

#define PART_OR_FAIL(p)                          \
    sc_part *p = sc_arg_part(call, &args[0]);    \
    if (p == NULL) {                             \
        return KRPC_ERROR;                       \
    }

static bool str_eq(const krpc_value *s, const char *c) {
    return strlen(c) == s->u.s.len && memcmp(c, s->u.s.data, s->u.s.len) == 0;
}

/* A list of objects of one kind, for the parts that pass a filter. */
typedef bool (*part_filter)(const sc_world *w, const sc_part *p, const krpc_value *arg);

static int ret_parts(krpc_call *call, krpc_value *result, uint32_t vessel, sc_kind kind, part_filter filter,
                     const krpc_value *arg) {
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    krpc_value *items = sc_values(call, w->nparts);
    if (items == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != vessel || !p->alive || (filter != NULL && !filter(w, p, arg))) {
            continue;
        }
        sc_obj *o = sc_obj_part(st, p->id, kind);
        if (o == NULL) {
            return sc_oom(call);
        }
        items[n++].u.obj.ptr = o;
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

static bool f_name(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    return str_eq(a, p->def->name);
}
static bool f_title(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    return str_eq(a, p->def->title);
}
static bool f_tag(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    return str_eq(a, p->tag);
}
static bool f_module(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    const sc_partdef *d = p->def;
    return (d->engine && str_eq(a, "ModuleEngines")) || (d->parachute && str_eq(a, "ModuleParachute")) ||
           (d->decoupler && (str_eq(a, "ModuleDecouple") || str_eq(a, "ModuleAnchoredDecoupler"))) ||
           (d->clamp && str_eq(a, "LaunchClamp")) || (d->command && str_eq(a, "ModuleCommand")) ||
           (d->command && d->wheel_torque > 0 && str_eq(a, "ModuleReactionWheel"));
}
static bool f_stage(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    return p->stage == a->u.i32;
}
static bool f_decouple_stage(const sc_world *w, const sc_part *p, const krpc_value *a) {
    return sc_part_decouple_stage(w, p) == a->u.i32;
}
static bool f_engine(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    (void)a;
    return p->def->engine;
}
static bool f_parachute(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    (void)a;
    return p->def->parachute;
}
static bool f_decoupler(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    (void)a;
    return p->def->decoupler;
}
static bool f_clamp(const sc_world *w, const sc_part *p, const krpc_value *a) {
    (void)w;
    (void)a;
    return p->def->clamp;
}

/* ---- Parts ------------------------------------------------------------------ */

/* A Parts member listing the vessel's parts (or modules) of one kind that
 * pass a filter (with args[1] or no argument). */
#define PARTS_LIST(fname, kind, filter, arg)                               \
    SC_PROC(fname) {                                                       \
        VESSEL_OR_FAIL(v);                                                 \
        return ret_parts(call, result, v->id, kind, filter, arg);          \
    }

PARTS_LIST(sc_parts_get_all, SC_K_PART, NULL, NULL)

SC_PROC(sc_parts_get_root) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    int root = sc_vessel_root(w, v);
    if (root < 0) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "The vessel has no parts");
    }
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), w->parts[root].id, SC_K_PART));
}

SC_PROC(sc_parts_get_controlling) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    int idx = v->controlling_part >= 0 ? v->controlling_part : sc_vessel_root(w, v);
    if (idx < 0) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), w->parts[idx].id, SC_K_PART));
}

SC_PROC(sc_parts_set_controlling) {
    VESSEL_OR_FAIL(v);
    sc_world *w = &sc_of(call)->world;
    if (args[1].is_null) {
        v->controlling_part = -1;
        return KRPC_OK;
    }
    sc_part *p = sc_arg_part(call, &args[1]);
    if (p == NULL) {
        return KRPC_ERROR;
    }
    if (p->vessel != v->id) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Part is not part of this vessel");
    }
    v->controlling_part = sc_part_index(w, p);
    return KRPC_OK;
}

PARTS_LIST(sc_parts_with_name, SC_K_PART, f_name, &args[1])

PARTS_LIST(sc_parts_with_title, SC_K_PART, f_title, &args[1])

PARTS_LIST(sc_parts_with_tag, SC_K_PART, f_tag, &args[1])

PARTS_LIST(sc_parts_with_module, SC_K_PART, f_module, &args[1])

PARTS_LIST(sc_parts_in_stage, SC_K_PART, f_stage, &args[1])

PARTS_LIST(sc_parts_in_decouple_stage, SC_K_PART, f_decouple_stage, &args[1])

PARTS_LIST(sc_parts_get_decouplers, SC_K_DECOUPLER, f_decoupler, NULL)

PARTS_LIST(sc_parts_get_engines, SC_K_ENGINE, f_engine, NULL)

PARTS_LIST(sc_parts_get_launch_clamps, SC_K_CLAMP, f_clamp, NULL)

PARTS_LIST(sc_parts_get_parachutes, SC_K_PARACHUTE, f_parachute, NULL)

/* ---- Part --------------------------------------------------------------------- */

SC_PROC(sc_part_get_name) {
    PART_OR_FAIL(p);
    return sc_ret_string(call, result, p->def->name);
}

SC_PROC(sc_part_get_title) {
    PART_OR_FAIL(p);
    return sc_ret_string(call, result, p->def->title);
}

SC_PROC(sc_part_get_tag) {
    PART_OR_FAIL(p);
    return sc_ret_string(call, result, p->tag);
}

SC_PROC(sc_part_set_tag) {
    PART_OR_FAIL(p);
    size_t n = args[1].u.s.len < sizeof p->tag - 1 ? args[1].u.s.len : sizeof p->tag - 1;
    memcpy(p->tag, args[1].u.s.data, n);
    p->tag[n] = '\0';
    return KRPC_OK;
}

SC_PROC(sc_part_get_cost) {
    PART_OR_FAIL(p);
    result->u.d = p->def->cost;
    return KRPC_OK;
}

SC_PROC(sc_part_get_vessel) {
    PART_OR_FAIL(p);
    return sc_ret_obj(call, result, sc_obj_vessel(sc_of(call), p->vessel, SC_K_VESSEL));
}

SC_PROC(sc_part_get_parent) {
    PART_OR_FAIL(p);
    sc_world *w = &sc_of(call)->world;
    if (p->parent < 0 || w->parts[p->parent].vessel != p->vessel) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), w->parts[p->parent].id, SC_K_PART));
}

static bool f_child_of(const sc_world *w, const sc_part *p, const krpc_value *a) {
    return p->parent == a->u.i32 && p->parent >= 0 && w->parts[p->parent].vessel == p->vessel;
}

SC_PROC(sc_part_get_children) {
    PART_OR_FAIL(p);
    krpc_value idx;
    memset(&idx, 0, sizeof idx);
    idx.u.i32 = sc_part_index(&sc_of(call)->world, p);
    return ret_parts(call, result, p->vessel, SC_K_PART, f_child_of, &idx);
}

SC_PROC(sc_part_get_axially_attached) {
    PART_OR_FAIL(p);
    result->u.b = p->parent < 0 || !p->radial;
    return KRPC_OK;
}

SC_PROC(sc_part_get_radially_attached) {
    PART_OR_FAIL(p);
    result->u.b = p->parent >= 0 && p->radial;
    return KRPC_OK;
}

SC_PROC(sc_part_get_stage) {
    PART_OR_FAIL(p);
    result->u.i32 = p->stage;
    return KRPC_OK;
}

SC_PROC(sc_part_get_decouple_stage) {
    PART_OR_FAIL(p);
    result->u.i32 = sc_part_decouple_stage(&sc_of(call)->world, p);
    return KRPC_OK;
}

SC_PROC(sc_part_get_massless) {
    PART_OR_FAIL(p);
    result->u.b = p->def->mass == 0;
    return KRPC_OK;
}

SC_PROC(sc_part_get_mass) {
    PART_OR_FAIL(p);
    result->u.d = sc_part_mass(&sc_of(call)->world, p);
    return KRPC_OK;
}

SC_PROC(sc_part_get_dry_mass) {
    PART_OR_FAIL(p);
    result->u.d = p->def->mass;
    return KRPC_OK;
}

SC_PROC(sc_part_get_impact_tolerance) {
    PART_OR_FAIL(p);
    result->u.d = p->def->crash_tolerance;
    return KRPC_OK;
}

SC_PROC(sc_part_get_temperature) {
    PART_OR_FAIL(p);
    sc_world *w = &sc_of(call)->world;
    sc_vessel *v = sc_vessel_get(w, p->vessel);
    const sc_body *b = v != NULL ? &w->bodies[v->body] : &w->bodies[w->home];
    double t = v != NULL ? sc_body_temperature(b, sc_vessel_altitude(w, v)) : 0;
    result->u.d = t > 0 ? t : 4;
    return KRPC_OK;
}

SC_PROC(sc_part_get_max_temperature) {
    PART_OR_FAIL(p);
    result->u.d = p->def->max_temperature;
    return KRPC_OK;
}

SC_PROC(sc_part_get_resources) {
    PART_OR_FAIL(p);
    sc_key k;
    sc_key_init(&k, SC_K_RESOURCES);
    k.sub = SC_R_PART;
    k.id = p->id;
    return sc_ret_obj(call, result, sc_intern(sc_of(call), &k));
}

SC_PROC(sc_part_get_crew_capacity) {
    PART_OR_FAIL(p);
    result->u.i32 = p->def->crew_capacity;
    return KRPC_OK;
}

SC_PROC(sc_part_get_crossfeed) {
    PART_OR_FAIL(p);
    result->u.b = p->crossfeed;
    return KRPC_OK;
}

static int module_of(krpc_call *call, const krpc_value *args, krpc_value *result, bool has, sc_kind kind) {
    PART_OR_FAIL(p);
    if (!has) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), p->id, kind));
}

SC_PROC(sc_part_get_decoupler) {
    PART_OR_FAIL(p);
    return module_of(call, args, result, p->def->decoupler, SC_K_DECOUPLER);
}
SC_PROC(sc_part_get_engine) {
    PART_OR_FAIL(p);
    return module_of(call, args, result, p->def->engine, SC_K_ENGINE);
}
SC_PROC(sc_part_get_launch_clamp) {
    PART_OR_FAIL(p);
    return module_of(call, args, result, p->def->clamp, SC_K_CLAMP);
}
SC_PROC(sc_part_get_parachute) {
    PART_OR_FAIL(p);
    return module_of(call, args, result, p->def->parachute, SC_K_PARACHUTE);
}

static int part_frame_state(krpc_call *call, sc_part *p, sc_vessel **v) {
    *v = sc_vessel_get(&sc_of(call)->world, p->vessel);
    if (*v == NULL) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
    }
    return KRPC_OK;
}

SC_PROC(sc_part_position) {
    PART_OR_FAIL(p);
    sc_vessel *v;
    sc_fstate f;
    if (part_frame_state(call, p, &v) || sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_pos_from(&f, sc_part_world_position(&sc_of(call)->world, p)));
}

SC_PROC(sc_part_direction) {
    PART_OR_FAIL(p);
    sc_vessel *v;
    sc_fstate f;
    if (part_frame_state(call, p, &v) || sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    v3 up = quat_rotate(v->q, quat_rotate(p->rot, v3_make(0, 1, 0)));
    return sc_ret_v3(call, result, v3_norm(sc_f_dir_from(&f, up)));
}

SC_PROC(sc_part_velocity) {
    PART_OR_FAIL(p);
    sc_vessel *v;
    sc_fstate f;
    if (part_frame_state(call, p, &v) || sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    return sc_ret_v3(call, result, sc_f_vel_from(&f, sc_part_world_position(w, p), sc_vessel_world_velocity(w, v)));
}

SC_PROC(sc_part_rotation) {
    PART_OR_FAIL(p);
    sc_vessel *v;
    sc_fstate f;
    if (part_frame_state(call, p, &v) || sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    m3 vr = quat_to_m3(v->q), pr = quat_to_m3(p->rot);
    m3 r = m3_mul(&vr, &pr);
    return sc_ret_quat(call, result, sc_f_rot_from(&f, &r));
}

SC_PROC(sc_part_get_reference_frame) {
    PART_OR_FAIL(p);
    return sc_ret_obj(call, result, sc_frame_part(sc_of(call), p->id, SC_F_PART));
}

SC_PROC(sc_part_get_center_of_mass_reference_frame) {
    PART_OR_FAIL(p);
    return sc_ret_obj(call, result, sc_frame_part(sc_of(call), p->id, SC_F_PART_COM));
}

/* ---- Engine ------------------------------------------------------------------ */

SC_PROC(sc_module_get_part) {
    PART_OR_FAIL(p);
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), p->id, SC_K_PART));
}

SC_PROC(sc_engine_get_active) {
    PART_OR_FAIL(p);
    result->u.b = p->active;
    return KRPC_OK;
}

SC_PROC(sc_engine_set_active) {
    PART_OR_FAIL(p);
    bool on = args[1].u.b;
    if (!on && p->active && !p->def->can_shutdown) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Engine cannot be shut down");
    }
    if (on && !p->active && p->flameout && !p->def->can_restart) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Engine cannot be restarted");
    }
    p->active = on;
    if (!on) {
        p->thrust = 0;
    }
    return KRPC_OK;
}

static double part_pressure(krpc_call *call, const sc_part *p) {
    sc_world *w = &sc_of(call)->world;
    sc_vessel *v = sc_vessel_get(w, p->vessel);
    return v != NULL ? sc_vessel_pressure_atm(w, v) : 0;
}

SC_PROC(sc_engine_get_thrust) {
    PART_OR_FAIL(p);
    result->u.f = (float)(p->active ? p->thrust : 0);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_available_thrust) {
    PART_OR_FAIL(p);
    result->u.f = (float)sc_engine_available_thrust(&sc_of(call)->world, p, part_pressure(call, p));
    return KRPC_OK;
}

SC_PROC(sc_engine_available_thrust_at) {
    PART_OR_FAIL(p);
    result->u.f = (float)sc_engine_available_thrust(&sc_of(call)->world, p, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_max_thrust) {
    PART_OR_FAIL(p);
    result->u.f = (float)sc_engine_max_thrust(p, part_pressure(call, p));
    return KRPC_OK;
}

SC_PROC(sc_engine_max_thrust_at) {
    PART_OR_FAIL(p);
    result->u.f = (float)sc_engine_max_thrust(p, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_max_vacuum_thrust) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->def->thrust_vac;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_thrust_limit) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->thrust_limit;
    return KRPC_OK;
}

SC_PROC(sc_engine_set_thrust_limit) {
    PART_OR_FAIL(p);
    p->thrust_limit = isnan(args[1].u.f) ? p->thrust_limit : sc_clamp(args[1].u.f, 0, 1);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_specific_impulse) {
    PART_OR_FAIL(p);
    bool running = p->active && sc_engine_has_fuel(&sc_of(call)->world, p);
    result->u.f = running ? (float)sc_engine_isp(p->def, part_pressure(call, p)) : 0;
    return KRPC_OK;
}

SC_PROC(sc_engine_specific_impulse_at) {
    PART_OR_FAIL(p);
    result->u.f = (float)sc_engine_isp(p->def, args[1].u.d / SC_ATM);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_vacuum_specific_impulse) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->def->isp_vac;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_kerbin_sea_level_specific_impulse) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->def->isp_asl;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_propellant_names) {
    PART_OR_FAIL(p);
    sc_world *w = &sc_of(call)->world;
    krpc_value *items = sc_values(call, p->def->nprop);
    if (items == NULL) {
        return sc_oom(call);
    }
    for (size_t i = 0; i < p->def->nprop; i++) {
        sc_ret_string(call, &items[i], w->resdefs[p->def->prop[i]].name);
    }
    result->u.seq.items = items;
    result->u.seq.count = p->def->nprop;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_propellant_ratios) {
    PART_OR_FAIL(p);
    sc_world *w = &sc_of(call)->world;
    size_t n = p->def->nprop;
    krpc_value *keys = sc_values(call, n), *values = sc_values(call, n);
    if (keys == NULL || values == NULL) {
        return sc_oom(call);
    }
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        max = fmax(max, p->def->prop_ratio[i]);
    }
    for (size_t i = 0; i < n; i++) {
        sc_ret_string(call, &keys[i], w->resdefs[p->def->prop[i]].name);
        values[i].u.f = max > 0 ? (float)(p->def->prop_ratio[i] / max) : 0;
    }
    result->u.dict.keys = keys;
    result->u.dict.values = values;
    result->u.dict.count = n;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_has_fuel) {
    PART_OR_FAIL(p);
    result->u.b = sc_engine_has_fuel(&sc_of(call)->world, p);
    return KRPC_OK;
}

SC_PROC(sc_engine_get_flameout) {
    PART_OR_FAIL(p);
    result->u.b = p->active && (p->flameout || !sc_engine_has_fuel(&sc_of(call)->world, p));
    return KRPC_OK;
}

SC_PROC(sc_engine_get_throttle) {
    PART_OR_FAIL(p);
    sc_vessel *v = sc_vessel_get(&sc_of(call)->world, p->vessel);
    result->u.f = !p->active || v == NULL ? 0 : p->def->throttle_locked ? 1 : v->throttle;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_throttle_locked) {
    PART_OR_FAIL(p);
    result->u.b = p->def->throttle_locked;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_can_restart) {
    PART_OR_FAIL(p);
    result->u.b = p->def->can_restart;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_can_shutdown) {
    PART_OR_FAIL(p);
    result->u.b = p->def->can_shutdown;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_gimballed) {
    PART_OR_FAIL(p);
    result->u.b = p->def->gimbal_range > 0;
    return KRPC_OK;
}

SC_PROC(sc_engine_get_gimbal_range) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->def->gimbal_range;
    return KRPC_OK;
}

/* ---- Parachute --------------------------------------------------------------- */

SC_PROC(sc_parachute_deploy_proc) {
    PART_OR_FAIL(p);
    sc_parachute_deploy(p);
    return KRPC_OK;
}

SC_PROC(sc_parachute_get_deployed) {
    PART_OR_FAIL(p);
    result->u.b = p->chute_state == SC_CHUTE_SEMI || p->chute_state == SC_CHUTE_DEPLOYED;
    return KRPC_OK;
}

SC_PROC(sc_parachute_arm) {
    PART_OR_FAIL(p);
    sc_parachute_deploy(p);
    return KRPC_OK;
}

SC_PROC(sc_parachute_get_armed) {
    PART_OR_FAIL(p);
    result->u.b = p->chute_state != SC_CHUTE_STOWED && p->chute_state != SC_CHUTE_CUT;
    return KRPC_OK;
}

SC_PROC(sc_parachute_cut) {
    PART_OR_FAIL(p);
    if (p->chute_state == SC_CHUTE_SEMI || p->chute_state == SC_CHUTE_DEPLOYED) {
        p->chute_state = SC_CHUTE_CUT;
    }
    return KRPC_OK;
}

SC_PROC(sc_parachute_get_state) {
    PART_OR_FAIL(p);
    result->u.e = p->chute_state;
    return KRPC_OK;
}

SC_PROC(sc_parachute_get_deploy_altitude) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->chute_deploy_altitude;
    return KRPC_OK;
}

SC_PROC(sc_parachute_set_deploy_altitude) {
    PART_OR_FAIL(p);
    p->chute_deploy_altitude = args[1].u.f;
    return KRPC_OK;
}

SC_PROC(sc_parachute_get_deploy_min_pressure) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->chute_min_pressure;
    return KRPC_OK;
}

SC_PROC(sc_parachute_set_deploy_min_pressure) {
    PART_OR_FAIL(p);
    p->chute_min_pressure = args[1].u.f;
    return KRPC_OK;
}

/* ---- Decoupler and LaunchClamp ------------------------------------------------ */

SC_PROC(sc_decoupler_decouple) {
    PART_OR_FAIL(p);
    if (p->decoupled) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Decoupler has already fired");
    }
    uint32_t ids[16];
    size_t n = sc_part_decouple(&sc_of(call)->world, p, ids, 16);
    if (n == 0) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Decoupler is not attached to anything");
    }
    return sc_ret_obj(call, result, sc_obj_vessel(sc_of(call), ids[0], SC_K_VESSEL));
}

SC_PROC(sc_decoupler_get_decoupled) {
    PART_OR_FAIL(p);
    result->u.b = p->decoupled;
    return KRPC_OK;
}

SC_PROC(sc_decoupler_get_staged) {
    PART_OR_FAIL(p);
    result->u.b = p->stage >= 0;
    return KRPC_OK;
}

SC_PROC(sc_decoupler_get_impulse) {
    PART_OR_FAIL(p);
    result->u.f = (float)p->def->ejection_impulse;
    return KRPC_OK;
}

SC_PROC(sc_decoupler_get_is_omni_decoupler) {
    PART_OR_FAIL(p);
    result->u.b = p->def->omni;
    return KRPC_OK;
}

SC_PROC(sc_decoupler_get_attached_part) {
    PART_OR_FAIL(p);
    sc_world *w = &sc_of(call)->world;
    if (p->decoupled || p->parent < 0 || w->parts[p->parent].vessel != p->vessel) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), w->parts[p->parent].id, SC_K_PART));
}

SC_PROC(sc_clamp_release) {
    PART_OR_FAIL(p);
    uint32_t ids[4];
    sc_part_release_clamp(&sc_of(call)->world, p, ids, 4);
    return KRPC_OK;
}

/* ---- Resources and Resource --------------------------------------------------- */

static int resource_index(krpc_call *call, const krpc_value *name) {
    sc_world *w = &sc_of(call)->world;
    for (size_t i = 0; i < w->nresdefs; i++) {
        if (str_eq(name, w->resdefs[i].name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Does a part belong to a Resources object's selection? */
static bool resources_has_part(const sc_world *w, const sc_key *k, const sc_part *p) {
    if (!p->alive) {
        return false;
    }
    if (k->sub == SC_R_PART) {
        return p->id == k->id;
    }
    if (p->vessel != k->vessel) {
        return false;
    }
    bool cumulative = (k->flag & 1) != 0, decouple = (k->flag & 2) != 0;
    int s = decouple ? sc_part_decouple_stage(w, p) : p->stage;
    return s == k->num || (cumulative && s >= k->num);
}

static int check_resources(krpc_call *call, const krpc_value *arg, const sc_key **k) {
    const sc_obj *o = arg->u.obj.ptr;
    *k = &o->key;
    sc_world *w = &sc_of(call)->world;
    if ((*k)->sub == SC_R_VESSEL && sc_vessel_get(w, (*k)->vessel) == NULL) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
    }
    return KRPC_OK;
}

static double resources_sum(const sc_world *w, const sc_key *k, int res, bool max) {
    double total = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (!resources_has_part(w, k, p)) {
            continue;
        }
        for (size_t r = 0; r < p->def->nres; r++) {
            if (p->def->res[r] == res) {
                total += max ? p->max[r] : p->amount[r];
            }
        }
    }
    return total;
}

static sc_obj *resource_obj(sc_state *st, const sc_part *p, const char *name) {
    sc_key k;
    sc_key_init(&k, SC_K_RESOURCE);
    k.id = p->id;
    snprintf(k.name, sizeof k.name, "%s", name);
    return sc_intern(st, &k);
}

static int ret_resource_list(krpc_call *call, const krpc_value *args, krpc_value *result, int only) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    krpc_value *items = sc_values(call, w->nparts * SC_MAX_RES);
    if (items == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (!resources_has_part(w, k, p)) {
            continue;
        }
        for (size_t r = 0; r < p->def->nres; r++) {
            if (only >= 0 && p->def->res[r] != only) {
                continue;
            }
            sc_obj *o = resource_obj(st, p, w->resdefs[p->def->res[r]].name);
            if (o == NULL) {
                return sc_oom(call);
            }
            items[n++].u.obj.ptr = o;
        }
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

SC_PROC(sc_resources_get_all) { return ret_resource_list(call, args, result, -1); }

SC_PROC(sc_resources_with_resource) {
    int res = resource_index(call, &args[1]);
    if (res < 0) {
        result->u.seq.items = sc_values(call, 0);
        result->u.seq.count = 0;
        return KRPC_OK;
    }
    return ret_resource_list(call, args, result, res);
}

SC_PROC(sc_resources_get_names) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    krpc_value *items = sc_values(call, w->nresdefs);
    if (items == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t r = 0; r < w->nresdefs; r++) {
        bool present = false;
        for (size_t i = 0; i < w->nparts && !present; i++) {
            const sc_part *p = &w->parts[i];
            if (!resources_has_part(w, k, p)) {
                continue;
            }
            for (size_t j = 0; j < p->def->nres; j++) {
                present = present || p->def->res[j] == (int)r;
            }
        }
        if (present) {
            sc_ret_string(call, &items[n++], w->resdefs[r].name);
        }
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

SC_PROC(sc_resources_has_resource) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    int res = resource_index(call, &args[1]);
    sc_world *w = &sc_of(call)->world;
    bool present = false;
    for (size_t i = 0; i < w->nparts && res >= 0 && !present; i++) {
        const sc_part *p = &w->parts[i];
        if (!resources_has_part(w, k, p)) {
            continue;
        }
        for (size_t j = 0; j < p->def->nres; j++) {
            present = present || p->def->res[j] == res;
        }
    }
    result->u.b = present;
    return KRPC_OK;
}

SC_PROC(sc_resources_max) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    int res = resource_index(call, &args[1]);
    result->u.f = res < 0 ? 0 : (float)resources_sum(&sc_of(call)->world, k, res, true);
    return KRPC_OK;
}

SC_PROC(sc_resources_amount) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    int res = resource_index(call, &args[1]);
    result->u.f = res < 0 ? 0 : (float)resources_sum(&sc_of(call)->world, k, res, false);
    return KRPC_OK;
}

SC_PROC(sc_resources_static_density) {
    int res = resource_index(call, &args[0]);
    if (res < 0) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Resource not found");
    }
    result->u.f = (float)sc_of(call)->world.resdefs[res].density;
    return KRPC_OK;
}

SC_PROC(sc_resources_static_flow_mode) {
    int res = resource_index(call, &args[0]);
    if (res < 0) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Resource not found");
    }
    result->u.e = sc_of(call)->world.resdefs[res].flow;
    return KRPC_OK;
}

SC_PROC(sc_resources_get_enabled) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    bool all = true;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (resources_has_part(w, k, p)) {
            for (size_t r = 0; r < p->def->nres; r++) {
                all = all && p->res_enabled[r];
            }
        }
    }
    result->u.b = all;
    return KRPC_OK;
}

SC_PROC(sc_resources_set_enabled) {
    const sc_key *k;
    if (check_resources(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    for (size_t i = 0; i < w->nparts; i++) {
        sc_part *p = &w->parts[i];
        if (resources_has_part(w, k, p)) {
            for (size_t r = 0; r < p->def->nres; r++) {
                p->res_enabled[r] = args[1].u.b;
            }
        }
    }
    return KRPC_OK;
}

/* The part and slot behind a Resource object. */
static int resource_slot(krpc_call *call, const krpc_value *arg, sc_part **part, size_t *slot) {
    const sc_obj *o = arg->u.obj.ptr;
    sc_world *w = &sc_of(call)->world;
    sc_part *p = sc_part_get(w, o->key.id);
    if (p == NULL || !p->alive) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The part no longer exists.");
    }
    for (size_t r = 0; r < p->def->nres; r++) {
        if (strcmp(w->resdefs[p->def->res[r]].name, o->key.name) == 0) {
            *part = p;
            *slot = r;
            return KRPC_OK;
        }
    }
    return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The resource no longer exists.");
}

#define RESOURCE(p, r)                                             \
    sc_part *p;                                                    \
    size_t r;                                                      \
    if (resource_slot(call, &args[0], &p, &r) != KRPC_OK) {        \
        return KRPC_ERROR;                                         \
    }

SC_PROC(sc_resource_get_name) {
    RESOURCE(p, r);
    return sc_ret_string(call, result, sc_of(call)->world.resdefs[p->def->res[r]].name);
}

SC_PROC(sc_resource_get_part) {
    RESOURCE(p, r);
    return sc_ret_obj(call, result, sc_obj_part(sc_of(call), p->id, SC_K_PART));
}

SC_PROC(sc_resource_get_max) {
    RESOURCE(p, r);
    result->u.f = (float)p->max[r];
    return KRPC_OK;
}

SC_PROC(sc_resource_get_amount) {
    RESOURCE(p, r);
    result->u.f = (float)p->amount[r];
    return KRPC_OK;
}

SC_PROC(sc_resource_get_density) {
    RESOURCE(p, r);
    result->u.f = (float)sc_of(call)->world.resdefs[p->def->res[r]].density;
    return KRPC_OK;
}

SC_PROC(sc_resource_get_flow_mode) {
    RESOURCE(p, r);
    result->u.e = sc_of(call)->world.resdefs[p->def->res[r]].flow;
    return KRPC_OK;
}

SC_PROC(sc_resource_get_enabled) {
    RESOURCE(p, r);
    result->u.b = p->res_enabled[r];
    return KRPC_OK;
}

SC_PROC(sc_resource_set_enabled) {
    RESOURCE(p, r);
    p->res_enabled[r] = args[1].u.b;
    return KRPC_OK;
}

/* ---- Stage ------------------------------------------------------------------ */

static int stage_key(krpc_call *call, const krpc_value *arg, const sc_key **k) {
    const sc_obj *o = arg->u.obj.ptr;
    *k = &o->key;
    if (sc_vessel_get(&sc_of(call)->world, (*k)->vessel) == NULL) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
    }
    return KRPC_OK;
}

SC_PROC(sc_stage_get_number) {
    const sc_key *k;
    if (stage_key(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.i32 = k->num;
    return KRPC_OK;
}

SC_PROC(sc_stage_get_parts) {
    const sc_key *k;
    if (stage_key(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    krpc_value num;
    memset(&num, 0, sizeof num);
    num.u.i32 = k->num;
    return ret_parts(call, result, k->vessel, SC_K_PART, k->flag ? f_decouple_stage : f_stage, &num);
}

SC_PROC(sc_stage_resources) {
    const sc_key *k;
    if (stage_key(call, &args[0], &k) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_key rk;
    sc_key_init(&rk, SC_K_RESOURCES);
    rk.sub = SC_R_VESSEL;
    rk.vessel = k->vessel;
    rk.num = k->num;
    rk.flag = (args[1].u.b ? 1 : 0) | (k->flag ? 2 : 0);
    return sc_ret_obj(call, result, sc_intern(sc_of(call), &rk));
}
