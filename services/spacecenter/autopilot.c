/*
 * autopilot.c - attitude control: kRPC's autopilot (target pitch/heading/
 * roll or direction in a reference frame), SAS (hold, or point along a
 * navball marker) and the pilot's pitch/yaw/roll inputs.
 *
 * The vessel turns with limited angular acceleration: the torque of its
 * reaction wheels and engine gimbals over its moments of inertia. The
 * controller asks for an angular velocity that brakes in time
 * (w = min(w_max, sqrt(2 alpha theta), k theta) towards the target) and
 * reaches it as fast as the torque allows, so it settles without overshoot
 * and AutoPilot.Wait returns once the error is below the thresholds.
 */
#include "sc.h"

#include <string.h>

#define AP_GAIN 2.0       /* 1/s: rate per radian of error near the target */
#define AP_MAX_RATE 0.75  /* rad/s */

void sc_autopilot_reset(sc_vessel *v) {
    sc_autopilot_engage(v, NULL); /* Reset disengages, as the reference's does */
    v->ap_frame = NULL;
    v->ap_pitch = 0;
    v->ap_heading = 0;
    v->ap_roll = NAN;
    v->ap_direction = v3_zero();
    v->ap_use_direction = false;
    v->ap_stop_angle = 1.0f;
    v->ap_stop_velocity = 0.05f;
}

void sc_autopilot_engage(sc_vessel *v, const uint8_t *client_id) {
    v->ap_engaged = client_id != NULL;
    v->ap_has_client = client_id != NULL;
    memset(v->ap_client, 0, sizeof v->ap_client);
    if (client_id != NULL) {
        memcpy(v->ap_client, client_id, sizeof v->ap_client);
        v->sas = false; /* engaging switches SAS off */
    }
}

/* The autopilot's reference frame (the vessel's surface frame by default). */
static int ap_frame(sc_state *st, sc_vessel *v, sc_fstate *f) {
    const sc_obj *frame = v->ap_frame;
    if (frame == NULL) {
        frame = sc_frame_vessel(st, v->id, SC_F_VESSEL_SURFACE);
        if (frame == NULL) {
            return -1;
        }
    }
    krpc_error_kind kind;
    char msg[160];
    return sc_frame_eval(st, frame, f, &kind, msg, sizeof msg);
}

static v3 pitch_heading_dir(double pitch, double heading) {
    double p = sc_rad(pitch), h = sc_rad(heading);
    return v3_make(sin(p), cos(p) * cos(h), cos(p) * sin(h));
}

/* Navball directions for SAS modes (world axes); false when none. */
static bool sas_direction(sc_state *st, sc_vessel *v, v3 *dir) {
    sc_world *w = &st->world;
    v3 vel = v->speed_mode == SC_SPEED_SURFACE ? sc_vessel_surface_velocity(w, v) : v->v;
    v3 normal = v3_norm(v3_cross(v->v, v->r));
    v3 prograde = v3_norm(v->v);
    v3 radial = v3_cross(normal, prograde);
    switch (v->sas_mode) {
    case SC_SAS_PROGRADE:
        *dir = v3_norm(vel);
        return v3_len2(vel) > 1e-6;
    case SC_SAS_RETROGRADE:
        *dir = v3_neg(v3_norm(vel));
        return v3_len2(vel) > 1e-6;
    case SC_SAS_NORMAL:
        *dir = normal;
        return true;
    case SC_SAS_ANTINORMAL:
        *dir = v3_neg(normal);
        return true;
    case SC_SAS_RADIAL:
        *dir = radial;
        return true;
    case SC_SAS_ANTIRADIAL:
        *dir = v3_neg(radial);
        return true;
    case SC_SAS_MANEUVER:
        for (size_t i = 0; i < w->nnodes; i++) {
            if (w->nodes[i]->alive && w->nodes[i]->vessel == v->id) {
                *dir = v3_norm(sc_node_remaining(w, w->nodes[i]));
                return v3_len2(*dir) > 0;
            }
        }
        return false;
    default:
        return false;
    }
}

bool sc_autopilot_target(sc_state *st, sc_vessel *v, v3 *dir, double *roll_deg, bool *has_roll) {
    *has_roll = false;
    *roll_deg = 0;
    if (!v->ap_engaged) {
        return v->sas && sas_direction(st, v, dir);
    }
    sc_fstate f;
    if (ap_frame(st, v, &f) != 0) {
        return false;
    }
    v3 local = v->ap_use_direction ? v->ap_direction : pitch_heading_dir(v->ap_pitch, v->ap_heading);
    if (!(v3_len2(local) > 0) || !isfinite(v3_len2(local))) {
        return false;
    }
    *dir = v3_norm(sc_f_dir_to(&f, local));
    if (isfinite(v->ap_roll)) {
        *has_roll = true;
        *roll_deg = v->ap_roll;
    }
    return true;
}

/* The zero-roll "top" of a vessel pointing along nose: the local zenith made
 * perpendicular to the nose (any perpendicular when pointing straight up). */
static v3 zero_roll_top(v3 nose, v3 zenith) {
    v3 top = v3_exclude(nose, zenith);
    if (v3_len2(top) < 1e-8) {
        top = v3_exclude(nose, v3_make(0, 1, 0));
        if (v3_len2(top) < 1e-8) {
            top = v3_exclude(nose, v3_make(1, 0, 0));
        }
    }
    return v3_norm(top);
}

/* Signed roll angle (degrees, positive to the right) of the vessel about its
 * nose, relative to the zero-roll top. */
double sc_vessel_roll(sc_vessel *v, v3 zenith) {
    v3 nose = quat_rotate(v->q, v3_make(0, 1, 0));
    v3 top = quat_rotate(v->q, v3_make(0, 0, -1));
    v3 top0 = zero_roll_top(nose, zenith);
    v3 right0 = v3_cross(top0, nose);
    return sc_deg(atan2(v3_dot(top, right0), v3_dot(top, top0)));
}

double sc_autopilot_error(sc_state *st, sc_vessel *v) {
    v3 dir;
    double roll;
    bool has_roll;
    if (!sc_autopilot_target(st, v, &dir, &roll, &has_roll)) {
        return NAN;
    }
    v3 nose = quat_rotate(v->q, v3_make(0, 1, 0));
    double err = sc_deg(v3_angle(nose, dir));
    if (has_roll) {
        double cur = sc_vessel_roll(v, v3_norm(v->r));
        double d = fabs(remainder(cur - roll, 360.0));
        if (d > err) {
            err = d;
        }
    }
    return err;
}

void sc_attitude_step(sc_state *st, sc_vessel *v, double h) {
    sc_world *w = &st->world;
    if (v->fixed) {
        return;
    }
    m3 rot = quat_to_m3(v->q);
    v3 wl = m3_tmul_v(&rot, v->w);
    v3 inertia = sc_vessel_inertia(w, v);
    v3 torque = v3_add(sc_vessel_wheel_torque(w, v), sc_vessel_engine_torque(w, v));
    v3 alpha = v3_make(inertia.x > 0 ? torque.x / inertia.x : 0, inertia.y > 0 ? torque.y / inertia.y : 0,
                       inertia.z > 0 ? torque.z / inertia.z : 0);
    v3 want;
    bool control = v->ap_engaged || v->sas;
    v3 dir;
    double roll;
    bool has_roll;
    if (v->ap_engaged && v->sas) {
        v->sas = false; /* the autopilot switches SAS off */
    }
    if (control && sc_autopilot_target(st, v, &dir, &roll, &has_roll)) {
        v3 t = m3_tmul_v(&rot, dir);
        v3 e = v3_cross(v3_make(0, 1, 0), t);
        double theta = atan2(v3_len(e), t.y);
        v3 axis = v3_len2(e) > 1e-18 ? v3_norm(e) : (theta > 1 ? v3_make(1, 0, 0) : v3_zero());
        double a = fmin(alpha.x, alpha.z);
        double rate = fmin(AP_MAX_RATE, fmin(0.8 * sqrt(2 * a * theta), AP_GAIN * theta));
        want = v3_scale(axis, rate);
        want.y = 0;
        if (has_roll && theta < sc_rad(10)) {
            double cur = sc_vessel_roll(v, v3_norm(v->r));
            double err = sc_rad(remainder(roll - cur, 360.0));
            double rr = fmin(AP_MAX_RATE, fmin(0.8 * sqrt(2 * alpha.y * fabs(err)), AP_GAIN * fabs(err)));
            /* rolling right turns the top towards the right: about -y */
            want.y = err > 0 ? -rr : rr;
        }
    } else if (control) {
        want = v3_zero(); /* hold attitude */
    } else {
        /* the pilot's inputs, as a fraction of the available torque */
        v3 in = v3_make(v->pitch_in, v->roll_in, v->yaw_in);
        wl = v3_add(wl, v3_make(in.x * alpha.x * h, in.y * alpha.y * h, in.z * alpha.z * h));
        v->w = m3_mul_v(&rot, wl);
        return;
    }
    double step[3] = {alpha.x * h, alpha.y * h, alpha.z * h};
    double cur[3] = {wl.x, wl.y, wl.z};
    double tgt[3] = {want.x, want.y, want.z};
    for (int i = 0; i < 3; i++) {
        double d = tgt[i] - cur[i];
        cur[i] += sc_clamp(d, -step[i], step[i]);
    }
    v->w = m3_mul_v(&rot, v3_make(cur[0], cur[1], cur[2]));
}
