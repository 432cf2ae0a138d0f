/*
 * proc_flight.c - the Flight class: a vessel's telemetry in a reference
 * frame (altitudes, speeds, attitude, navball directions, atmosphere).
 */
#include "procs.h"

#include <string.h>

typedef struct flight_ctx {
    sc_state *st;
    sc_world *w;
    sc_vessel *v;
    const sc_body *b;
    sc_fstate f;
    v3 pos, vel; /* world */
} flight_ctx;

static int flight_ctx_get(krpc_call *call, const krpc_value *args, flight_ctx *c) {
    const sc_obj *o = args[0].u.obj.ptr;
    c->st = sc_of(call);
    c->w = &c->st->world;
    c->v = sc_vessel_get(c->w, o->key.vessel);
    if (c->v == NULL) {
        return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
    }
    c->b = &c->w->bodies[c->v->body];
    if (sc_eval_frame(call, o->key.ref[0], &c->f) != KRPC_OK) {
        return KRPC_ERROR;
    }
    c->pos = sc_vessel_world_position(c->w, c->v);
    c->vel = sc_vessel_world_velocity(c->w, c->v);
    return KRPC_OK;
}

#define FLIGHT(c)                                            \
    flight_ctx c;                                            \
    if (flight_ctx_get(call, args, &c) != KRPC_OK) {         \
        return KRPC_ERROR;                                   \
    }

static double mean_altitude(const flight_ctx *c) { return v3_len(c->v->r) - c->b->radius; }

static void latlon(const flight_ctx *c, double *lat, double *lon) {
    sc_body_latlon(c->b, c->w->ut, c->v->r, lat, lon);
}

static double elevation(const flight_ctx *c) {
    double lat, lon;
    latlon(c, &lat, &lon);
    return sc_body_bedrock(c->b, lat, lon);
}

SC_PROC(sc_flight_get_g_force) {
    FLIGHT(c);
    result->u.f = (float)(v3_len(c.v->proper_accel) / 9.81);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_mean_altitude) {
    FLIGHT(c);
    result->u.d = mean_altitude(&c);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_surface_altitude) {
    FLIGHT(c);
    double mean = mean_altitude(&c);
    double bedrock = mean - elevation(&c);
    result->u.d = bedrock < mean ? bedrock : mean;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_bedrock_altitude) {
    FLIGHT(c);
    result->u.d = mean_altitude(&c) - elevation(&c);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_elevation) {
    FLIGHT(c);
    result->u.d = elevation(&c);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_latitude) {
    FLIGHT(c);
    double lat, lon;
    latlon(&c, &lat, &lon);
    result->u.d = lat;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_longitude) {
    FLIGHT(c);
    double lat, lon;
    latlon(&c, &lat, &lon);
    result->u.d = lon;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_surface_normal) {
    FLIGHT(c);
    return sc_ret_v3(call, result, v3_norm(sc_f_dir_from(&c.f, v3_norm(c.v->r))));
}

SC_PROC(sc_flight_get_velocity) {
    FLIGHT(c);
    return sc_ret_v3(call, result, sc_f_vel_from(&c.f, c.pos, c.vel));
}

SC_PROC(sc_flight_get_speed) {
    FLIGHT(c);
    result->u.d = v3_len(sc_f_vel_from(&c.f, c.pos, c.vel));
    return KRPC_OK;
}

static double vertical_speed(const flight_ctx *c) {
    v3 vel = sc_f_vel_from(&c->f, c->pos, c->vel);
    v3 up = sc_f_dir_from(&c->f, v3_norm(c->v->r));
    return v3_dot(vel, up);
}

SC_PROC(sc_flight_get_horizontal_speed) {
    FLIGHT(c);
    double speed = v3_len(sc_f_vel_from(&c.f, c.pos, c.vel));
    double vs = vertical_speed(&c);
    double h2 = speed * speed - vs * vs;
    result->u.d = h2 > 0 ? sqrt(h2) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_vertical_speed) {
    FLIGHT(c);
    result->u.d = vertical_speed(&c);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_acceleration) {
    FLIGHT(c);
    return sc_ret_v3(call, result, sc_f_dir_from(&c.f, c.v->accel));
}

SC_PROC(sc_flight_get_center_of_mass) {
    FLIGHT(c);
    return sc_ret_v3(call, result, sc_f_pos_from(&c.f, c.pos));
}

SC_PROC(sc_flight_get_rotation) {
    FLIGHT(c);
    m3 r = quat_to_m3(c.v->q);
    return sc_ret_quat(call, result, sc_f_rot_from(&c.f, &r));
}

SC_PROC(sc_flight_get_direction) {
    FLIGHT(c);
    return sc_ret_v3(call, result, v3_norm(sc_f_dir_from(&c.f, quat_rotate(c.v->q, v3_make(0, 1, 0)))));
}

/* Pitch, heading and roll in the flight's frame (its x axis is "up", y
 * "north", z "east", as for the surface frame). */
static void phr(const flight_ctx *c, double *pitch, double *heading, double *roll) {
    v3 d = v3_norm(sc_f_dir_from(&c->f, quat_rotate(c->v->q, v3_make(0, 1, 0))));
    *pitch = sc_deg(asin(sc_clamp(d.x, -1, 1)));
    double h = sc_deg(atan2(d.z, d.y));
    *heading = h < 0 ? h + 360 : h;
    v3 up_world = sc_f_dir_to(&c->f, v3_make(1, 0, 0));
    *roll = sc_vessel_roll(c->v, up_world);
}

SC_PROC(sc_flight_get_pitch) {
    FLIGHT(c);
    double p, h, r;
    phr(&c, &p, &h, &r);
    result->u.f = (float)p;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_heading) {
    FLIGHT(c);
    double p, h, r;
    phr(&c, &p, &h, &r);
    result->u.f = (float)h;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_roll) {
    FLIGHT(c);
    double p, h, r;
    phr(&c, &p, &h, &r);
    result->u.f = (float)r;
    return KRPC_OK;
}

static v3 world_normal(const flight_ctx *c) { return v3_norm(v3_cross(c->v->v, c->v->r)); }

static int ret_dir(krpc_call *call, krpc_value *result, const flight_ctx *c, v3 world) {
    return sc_ret_v3(call, result, sc_f_dir_from(&c->f, world));
}

SC_PROC(sc_flight_get_prograde) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_norm(c.v->v));
}

SC_PROC(sc_flight_get_retrograde) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_neg(v3_norm(c.v->v)));
}

SC_PROC(sc_flight_get_surface_prograde) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_norm(sc_vessel_surface_velocity(c.w, c.v)));
}

SC_PROC(sc_flight_get_surface_retrograde) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_neg(v3_norm(sc_vessel_surface_velocity(c.w, c.v))));
}

SC_PROC(sc_flight_get_normal) {
    FLIGHT(c);
    return ret_dir(call, result, &c, world_normal(&c));
}

SC_PROC(sc_flight_get_anti_normal) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_neg(world_normal(&c)));
}

SC_PROC(sc_flight_get_radial) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_cross(world_normal(&c), v3_norm(c.v->v)));
}

SC_PROC(sc_flight_get_anti_radial) {
    FLIGHT(c);
    return ret_dir(call, result, &c, v3_neg(v3_cross(world_normal(&c), v3_norm(c.v->v))));
}

static double density(const flight_ctx *c) { return sc_body_density(c->b, mean_altitude(c)); }
static double air_speed(const flight_ctx *c) { return v3_len(sc_vessel_surface_velocity(c->w, c->v)); }

SC_PROC(sc_flight_get_atmosphere_density) {
    FLIGHT(c);
    result->u.f = (float)density(&c);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_dynamic_pressure) {
    FLIGHT(c);
    double s = air_speed(&c);
    result->u.f = (float)(0.5 * density(&c) * s * s);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_static_pressure_at_msl) {
    FLIGHT(c);
    result->u.f = (float)sc_body_pressure(c.b, 0);
    return KRPC_OK;
}

SC_PROC(sc_flight_get_static_pressure) {
    FLIGHT(c);
    result->u.f = (float)sc_body_pressure(c.b, mean_altitude(&c));
    return KRPC_OK;
}

SC_PROC(sc_flight_get_aerodynamic_force) {
    FLIGHT(c);
    return ret_dir(call, result, &c, c.v->aero_force);
}

SC_PROC(sc_flight_get_lift) {
    FLIGHT(c);
    return sc_ret_v3(call, result, v3_zero());
}

SC_PROC(sc_flight_get_drag) {
    FLIGHT(c);
    return ret_dir(call, result, &c, c.v->aero_force);
}

SC_PROC(sc_flight_get_speed_of_sound) {
    FLIGHT(c);
    result->u.f = density(&c) > 0 ? (float)sc_speed_of_sound(sc_body_temperature(c.b, mean_altitude(&c))) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_mach) {
    FLIGHT(c);
    double a = sc_speed_of_sound(sc_body_temperature(c.b, mean_altitude(&c)));
    result->u.f = density(&c) > 0 ? (float)(air_speed(&c) / a) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_true_air_speed) {
    FLIGHT(c);
    result->u.f = density(&c) > 0 ? (float)air_speed(&c) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_equivalent_air_speed) {
    FLIGHT(c);
    double rho0 = sc_body_density(c.b, 0);
    result->u.f = rho0 > 0 ? (float)(air_speed(&c) * sqrt(density(&c) / rho0)) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_terminal_velocity) {
    FLIGHT(c);
    double m = sc_vessel_mass(c.w, c.v);
    double g = c.b->mu / v3_len2(c.v->r);
    double rho = density(&c);
    double drag = 0;
    for (size_t i = 0; i < c.w->nparts; i++) {
        const sc_part *p = &c.w->parts[i];
        if (p->vessel == c.v->id && p->alive) {
            drag += p->def->cda;
        }
    }
    result->u.f = rho > 0 && drag > 0 ? (float)sqrt(2 * m * g / (rho * drag)) : INFINITY;
    return KRPC_OK;
}

static void aero_angles(const flight_ctx *c, double *aoa, double *slip) {
    v3 srf = sc_vessel_surface_velocity(c->w, c->v);
    if (v3_len2(srf) < 1e-12) {
        *aoa = 0;
        *slip = 0;
        return;
    }
    m3 r = quat_to_m3(c->v->q);
    v3 l = m3_tmul_v(&r, srf);
    *aoa = sc_deg(atan2(l.z, l.y));
    *slip = sc_deg(atan2(l.x, l.y));
}

SC_PROC(sc_flight_get_angle_of_attack) {
    FLIGHT(c);
    double aoa, slip;
    aero_angles(&c, &aoa, &slip);
    result->u.f = (float)aoa;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_sideslip_angle) {
    FLIGHT(c);
    double aoa, slip;
    aero_angles(&c, &aoa, &slip);
    result->u.f = (float)slip;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_total_air_temperature) {
    FLIGHT(c);
    double t = sc_body_temperature(c.b, mean_altitude(&c));
    double s = density(&c) > 0 ? air_speed(&c) : 0;
    result->u.f = (float)(t + s * s / (2 * 1004.5));
    return KRPC_OK;
}

SC_PROC(sc_flight_get_static_air_temperature) {
    FLIGHT(c);
    result->u.f = (float)sc_body_temperature(c.b, mean_altitude(&c));
    return KRPC_OK;
}

SC_PROC(sc_flight_get_drag_coefficient) {
    FLIGHT(c);
    double area = 0, cda = 0;
    for (size_t i = 0; i < c.w->nparts; i++) {
        const sc_part *p = &c.w->parts[i];
        if (p->vessel == c.v->id && p->alive) {
            cda += p->def->cda;
            double a = M_PI * p->def->radius * p->def->radius;
            area = a > area ? a : area;
        }
    }
    result->u.f = area > 0 ? (float)(cda / area) : 0;
    return KRPC_OK;
}

SC_PROC(sc_flight_get_ballistic_coefficient) {
    FLIGHT(c);
    double cda = 0;
    for (size_t i = 0; i < c.w->nparts; i++) {
        const sc_part *p = &c.w->parts[i];
        if (p->vessel == c.v->id && p->alive) {
            cda += p->def->cda;
        }
    }
    result->u.f = cda > 0 ? (float)(sc_vessel_mass(c.w, c.v) / cda) : 0;
    return KRPC_OK;
}
