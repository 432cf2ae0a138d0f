/*
 * proc_control.c - the Control class (throttle, SAS, action groups,
 * staging, maneuver nodes, pilot inputs) and the AutoPilot class (targets,
 * reference frame, engage, Wait with the reference's thresholds).
 */
#include "procs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int check_active(krpc_call *call, const sc_vessel *v) {
    if (sc_of(call)->world.active_vessel != v->id) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Not the active vessel");
    }
    return KRPC_OK;
}

/* ---- Control --------------------------------------------------------------- */

VESSEL_GET(sc_control_get_sas, b, sas)

SC_PROC(sc_control_set_sas) {
    VESSEL_OR_FAIL(v);
    if (args[1].u.b && v->ap_engaged) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "SAS cannot be enabled when the auto-pilot is engaged");
    }
    v->sas = args[1].u.b;
    if (!v->sas) {
        v->sas_mode = SC_SAS_STABILITY;
    }
    return KRPC_OK;
}

VESSEL_GET(sc_control_get_sas_mode, e, sas_mode)

SC_PROC(sc_control_set_sas_mode) {
    VESSEL_OR_FAIL(v);
    int m = args[1].u.e;
    if (m < SC_SAS_STABILITY || m > SC_SAS_ANTITARGET) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Cannot set SAS mode of vessel");
    }
    v->sas_mode = m;
    return KRPC_OK;
}

VESSEL_FIELD(sc_control_get_speed_mode, sc_control_set_speed_mode, e, speed_mode)

VESSEL_FIELD(sc_control_get_rcs, sc_control_set_rcs, b, rcs)
VESSEL_FIELD(sc_control_get_gear, sc_control_set_gear, b, gear)
VESSEL_FIELD(sc_control_get_legs, sc_control_set_legs, b, legs)
VESSEL_FIELD(sc_control_get_wheels, sc_control_set_wheels, b, wheels)
VESSEL_FIELD(sc_control_get_lights, sc_control_set_lights, b, lights)
VESSEL_FIELD(sc_control_get_brakes, sc_control_set_brakes, b, brakes)
VESSEL_FIELD(sc_control_get_abort, sc_control_set_abort, b, abort)
VESSEL_FIELD(sc_control_get_stage_lock, sc_control_set_stage_lock, b, stage_lock)

VESSEL_GET(sc_control_get_parachutes, b, chutes_group)

SC_PROC(sc_control_set_parachutes) {
    VESSEL_OR_FAIL(v);
    v->chutes_group = args[1].u.b;
    if (args[1].u.b) {
        sc_world *w = &sc_of(call)->world;
        for (size_t i = 0; i < w->nparts; i++) {
            sc_part *p = &w->parts[i];
            if (p->vessel == v->id && p->alive && p->def->parachute) {
                sc_parachute_deploy(p);
            }
        }
    }
    return KRPC_OK;
}

VESSEL_GET(sc_control_get_throttle, f, throttle)

SC_PROC(sc_control_set_throttle) {
    VESSEL_OR_FAIL(v);
    float t = args[1].u.f;
    v->throttle_set = t < 0 ? 0 : t > 1 ? 1 : t;
    if (isnan(t)) {
        v->throttle_set = 0;
    }
    return KRPC_OK;
}

#define FLOAT_INPUT(getter, setter, field) \
    SC_PROC(getter) {                      \
        VESSEL_OR_FAIL(v);                 \
        result->u.f = v->field;            \
        return KRPC_OK;                    \
    }                                      \
    SC_PROC(setter) {                      \
        VESSEL_OR_FAIL(v);                 \
        float x = args[1].u.f;             \
        v->field = isnan(x) ? 0 : x < -1 ? -1 : x > 1 ? 1 : x; \
        return KRPC_OK;                    \
    }

FLOAT_INPUT(sc_control_get_pitch, sc_control_set_pitch, pitch_in)
FLOAT_INPUT(sc_control_get_yaw, sc_control_set_yaw, yaw_in)
FLOAT_INPUT(sc_control_get_roll, sc_control_set_roll, roll_in)
FLOAT_INPUT(sc_control_get_forward, sc_control_set_forward, fwd_in)
FLOAT_INPUT(sc_control_get_up, sc_control_set_up, up_in)
FLOAT_INPUT(sc_control_get_right, sc_control_set_right, right_in)

VESSEL_GET(sc_control_get_current_stage, i32, current_stage)

SC_PROC(sc_control_activate_next_stage) {
    VESSEL_OR_FAIL(v);
    if (check_active(call, v) != KRPC_OK) {
        return KRPC_ERROR;
    }
    if (v->stage_lock) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Staging is locked");
    }
    uint32_t ids[128];
    size_t n = sc_vessel_stage(&sc_of(call)->world, v, ids, 128);
    return sc_ret_vessels(call, result, ids, n);
}

SC_PROC(sc_control_get_action_group) {
    VESSEL_OR_FAIL(v);
    uint32_t g = args[1].u.u32;
    result->u.b = g < 10 && (v->action_groups & (1u << g)) != 0;
    return KRPC_OK;
}

SC_PROC(sc_control_set_action_group) {
    VESSEL_OR_FAIL(v);
    uint32_t g = args[1].u.u32;
    if (g >= 10) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                          "Specified argument was out of the range of valid values.\nParameter name: group");
    }
    if (args[2].u.b) {
        v->action_groups |= 1u << g;
    } else {
        v->action_groups &= ~(1u << g);
    }
    return KRPC_OK;
}

SC_PROC(sc_control_toggle_action_group) {
    VESSEL_OR_FAIL(v);
    uint32_t g = args[1].u.u32;
    if (g >= 10) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                          "Specified argument was out of the range of valid values.\nParameter name: group");
    }
    v->action_groups ^= 1u << g;
    return KRPC_OK;
}

SC_PROC(sc_control_add_node) {
    VESSEL_OR_FAIL(v);
    if (check_active(call, v) != KRPC_OK) {
        return KRPC_ERROR;
    }
    if (v->fixed && v->situation == SC_SIT_PRELAUNCH) {
        /* the reference has no flight plan while on the pad either */
    }
    if (!isfinite(args[1].u.d) || !isfinite(args[2].u.f) || !isfinite(args[3].u.f) || !isfinite(args[4].u.f)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The time and delta-v of a maneuver node must be finite");
    }
    sc_node *n = sc_node_add(&sc_of(call)->world, v, args[1].u.d, args[2].u.f, args[3].u.f, args[4].u.f);
    if (n == NULL) {
        return sc_oom(call);
    }
    return sc_ret_obj(call, result, sc_obj_node(sc_of(call), n));
}

SC_PROC(sc_control_get_nodes) {
    VESSEL_OR_FAIL(v);
    if (check_active(call, v) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    sc_node **list = krpc_alloc(call, (w->nnodes + 1) * sizeof *list);
    if (list == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nnodes; i++) {
        if (w->nodes[i]->alive && w->nodes[i]->vessel == v->id) {
            list[n++] = w->nodes[i];
        }
    }
    /* by time, first to last */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && list[j - 1]->ut > list[j]->ut; j--) {
            sc_node *t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    }
    krpc_value *items = sc_values(call, n);
    if (items == NULL) {
        return sc_oom(call);
    }
    for (size_t i = 0; i < n; i++) {
        sc_obj *o = sc_obj_node(st, list[i]);
        if (o == NULL) {
            return sc_oom(call);
        }
        items[i].u.obj.ptr = o;
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

SC_PROC(sc_control_remove_nodes) {
    VESSEL_OR_FAIL(v);
    if (check_active(call, v) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_state *st = sc_of(call);
    for (size_t i = 0; i < st->world.nnodes; i++) {
        sc_node *n = st->world.nodes[i];
        if (n->alive && n->vessel == v->id) {
            sc_node_remove(st, n);
        }
    }
    return KRPC_OK;
}

/* ---- AutoPilot ------------------------------------------------------------- */

SC_PROC(sc_ap_get_sas) { return sc_control_get_sas(call, args, result); }
SC_PROC(sc_ap_set_sas) { return sc_control_set_sas(call, args, result); }
SC_PROC(sc_ap_get_sas_mode) { return sc_control_get_sas_mode(call, args, result); }
SC_PROC(sc_ap_set_sas_mode) { return sc_control_set_sas_mode(call, args, result); }

VESSEL_GET(sc_ap_get_engaged, b, ap_engaged)

/* The engaging client is remembered: its leaving disengages (state.c). */
SC_PROC(sc_ap_set_engaged) {
    VESSEL_OR_FAIL(v);
    sc_autopilot_engage(v, args[1].u.b ? krpc_client_id(call) : NULL);
    return KRPC_OK;
}

SC_PROC(sc_ap_engage) {
    VESSEL_OR_FAIL(v);
    sc_autopilot_engage(v, krpc_client_id(call));
    return KRPC_OK;
}

SC_PROC(sc_ap_disengage) {
    VESSEL_OR_FAIL(v);
    sc_autopilot_engage(v, NULL);
    return KRPC_OK;
}

SC_PROC(sc_ap_reset) {
    VESSEL_OR_FAIL(v);
    sc_autopilot_reset(v);
    return KRPC_OK;
}

SC_PROC(sc_ap_get_reference_frame) {
    VESSEL_OR_FAIL(v);
    sc_obj *f = v->ap_frame != NULL ? v->ap_frame : sc_frame_vessel(sc_of(call), v->id, SC_F_VESSEL_SURFACE);
    return sc_ret_obj(call, result, f);
}

SC_PROC(sc_ap_set_reference_frame) {
    VESSEL_OR_FAIL(v);
    sc_obj *f = args[1].u.obj.ptr;
    if (sc_frame_rotates_with(sc_of(call), f, v->id)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Invalid reference frame; must not rotate with the vessel");
    }
    v->ap_frame = f;
    return KRPC_OK;
}

SC_PROC(sc_ap_get_target_pitch) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)v->ap_pitch;
    return KRPC_OK;
}

SC_PROC(sc_ap_set_target_pitch) {
    VESSEL_OR_FAIL(v);
    v->ap_pitch = args[1].u.f;
    v->ap_use_direction = false;
    return KRPC_OK;
}

SC_PROC(sc_ap_get_target_heading) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)v->ap_heading;
    return KRPC_OK;
}

SC_PROC(sc_ap_set_target_heading) {
    VESSEL_OR_FAIL(v);
    v->ap_heading = args[1].u.f;
    v->ap_use_direction = false;
    return KRPC_OK;
}

SC_PROC(sc_ap_get_target_roll) {
    VESSEL_OR_FAIL(v);
    result->u.f = (float)v->ap_roll;
    return KRPC_OK;
}

SC_PROC(sc_ap_set_target_roll) {
    VESSEL_OR_FAIL(v);
    v->ap_roll = args[1].u.f;
    return KRPC_OK;
}

SC_PROC(sc_ap_target_pitch_and_heading) {
    VESSEL_OR_FAIL(v);
    v->ap_pitch = args[1].u.f;
    v->ap_heading = args[2].u.f;
    v->ap_use_direction = false;
    return KRPC_OK;
}

SC_PROC(sc_ap_get_target_direction) {
    VESSEL_OR_FAIL(v);
    if (v->ap_use_direction) {
        return sc_ret_v3(call, result, v3_norm(v->ap_direction));
    }
    double p = sc_rad(v->ap_pitch), h = sc_rad(v->ap_heading);
    return sc_ret_v3(call, result, v3_make(sin(p), cos(p) * cos(h), cos(p) * sin(h)));
}

SC_PROC(sc_ap_set_target_direction) {
    VESSEL_OR_FAIL(v);
    v3 d = sc_arg_v3(&args[1]);
    if (!(v3_len2(d) > 0) || !isfinite(v3_len2(d))) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Target direction cannot be zero");
    }
    v->ap_direction = v3_norm(d);
    v->ap_use_direction = true;
    /* keep pitch and heading in step with the direction */
    v->ap_pitch = sc_deg(asin(sc_clamp(v->ap_direction.x, -1, 1)));
    double hd = sc_deg(atan2(v->ap_direction.z, v->ap_direction.y));
    v->ap_heading = hd < 0 ? hd + 360 : hd;
    return KRPC_OK;
}

VESSEL_FIELD(sc_ap_get_stopping_angle_threshold, sc_ap_set_stopping_angle_threshold, f, ap_stop_angle)

VESSEL_FIELD(sc_ap_get_stopping_velocity_threshold, sc_ap_set_stopping_velocity_threshold, f, ap_stop_velocity)

/* The pointing error, or raise as the reference does when nothing steers. */
static int ap_error(krpc_call *call, sc_vessel *v, double *err) {
    if (!v->ap_engaged && !(v->sas && v->sas_mode != SC_SAS_STABILITY)) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "The auto-pilot is not engaged");
    }
    *err = sc_autopilot_error(sc_of(call), v);
    if (isnan(*err)) {
        *err = 180;
    }
    return KRPC_OK;
}

SC_PROC(sc_ap_get_error) {
    VESSEL_OR_FAIL(v);
    double err = 0; /* set by ap_error unless it raised; -O3 cannot tell */
    if (ap_error(call, v, &err) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.f = (float)err;
    return KRPC_OK;
}

typedef struct ap_wait {
    sc_state *st;
    uint32_t vessel;
    double deadline; /* wall clock, s; negative = none */
} ap_wait;

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ap_wait_free(void *p) {
    ap_wait *aw = p;
    aw->st->waiters--;
    free(aw);
}

static int ap_wait_resume(krpc_call *call, void *state, krpc_value *result) {
    (void)result;
    ap_wait *aw = state;
    sc_state *st = sc_of(call);
    sc_vessel *v = sc_vessel_get(&st->world, aw->vessel);
    if (v == NULL) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
    }
    double err = 0; /* set by ap_error unless it raised; -O3 cannot tell */
    if (ap_error(call, v, &err) != KRPC_OK) {
        return KRPC_ERROR;
    }
    /* rotation relative to the body's surface does not count on the ground */
    double rate = v->fixed ? 0 : v3_len(v->w);
    if (err <= v->ap_stop_angle && rate <= v->ap_stop_velocity) {
        return KRPC_OK;
    }
    if (aw->deadline >= 0 && wall_now() > aw->deadline) {
        return krpc_raise(call, KRPC_ERR_GENERIC, "AutoPilot timed out waiting to reach target direction");
    }
    ap_wait *next = malloc(sizeof *next);
    if (next == NULL) {
        return sc_oom(call);
    }
    *next = *aw;
    st->waiters++;
    return krpc_yield(call, ap_wait_resume, next, ap_wait_free);
}

SC_PROC(sc_ap_wait) {
    VESSEL_OR_FAIL(v);
    double timeout = args[1].u.d;
    ap_wait aw = {sc_of(call), v->id, timeout >= 0 ? wall_now() + timeout : -1};
    return ap_wait_resume(call, &aw, result);
}
