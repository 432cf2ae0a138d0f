/*
 * proc_orbit.c - the Orbit class (elements of a vessel's, a body's or a
 * maneuver node's planned orbit, from its state vectors) and the
 * CelestialBody class.
 */
#include "procs.h"

#include <string.h>

/* The conic behind an Orbit object; raises when it is gone. */
static int orbit_conic(krpc_call *call, const krpc_value *arg, sc_conic *c) {
    const sc_obj *o = arg->u.obj.ptr;
    sc_world *w = &sc_of(call)->world;
    switch (o->key.sub) {
    case SC_O_VESSEL: {
        sc_vessel *v = sc_vessel_get(w, o->key.vessel);
        if (v == NULL) {
            return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
        }
        *c = sc_vessel_conic(w, v);
        return KRPC_OK;
    }
    case SC_O_BODY:
        *c = sc_body_conic(w, (int)o->key.id, w->ut);
        return KRPC_OK;
    case SC_O_NODE: {
        sc_node *n = sc_node_get(w, o->key.id);
        if (n == NULL || !n->alive) {
            return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED,
                              "The maneuver node no longer exists, as it is not in the vessel's flight plan.");
        }
        memset(c, 0, sizeof *c);
        c->body = n->body;
        c->mu = w->bodies[n->body].mu;
        c->r = n->target_r;
        c->v = n->target_v;
        c->t = n->ut;
        return KRPC_OK;
    }
    default:
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Unknown orbit");
    }
}

#define ORBIT(c)                                         \
    sc_conic c = {0}; /* set unless orbit_conic raised */ \
    if (orbit_conic(call, &args[0], &c) != KRPC_OK) {    \
        return KRPC_ERROR;                               \
    }

/* A double-valued Orbit member: expr of the conic c (and call, args). */
#define ORBIT_DOUBLE(fname, expr) \
    SC_PROC(fname) {              \
        ORBIT(c);                 \
        result->u.d = (expr);     \
        return KRPC_OK;           \
    }

static double now(krpc_call *call) { return sc_of(call)->world.ut; }

/* The conic moved to the current time (node orbits start at the node). */
static sc_conic conic_now(krpc_call *call, const sc_conic *c) {
    sc_conic n = *c;
    double t = now(call);
    if (c->t != t) {
        sc_conic_at(c, t, &n.r, &n.v);
        n.t = t;
    }
    return n;
}

SC_PROC(sc_orbit_get_body) {
    ORBIT(c);
    return sc_ret_obj(call, result, sc_obj_body(sc_of(call), c.body));
}

ORBIT_DOUBLE(sc_orbit_get_apoapsis, sc_elements_of(&c).ap)

ORBIT_DOUBLE(sc_orbit_get_periapsis, sc_elements_of(&c).pe)

ORBIT_DOUBLE(sc_orbit_get_apoapsis_altitude, sc_elements_of(&c).ap - sc_of(call)->world.bodies[c.body].radius)

ORBIT_DOUBLE(sc_orbit_get_periapsis_altitude, sc_elements_of(&c).pe - sc_of(call)->world.bodies[c.body].radius)

SC_PROC(sc_orbit_get_semi_major_axis) {
    ORBIT(c);
    sc_elements el = sc_elements_of(&c);
    result->u.d = 0.5 * (el.ap + el.pe);
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_semi_minor_axis) {
    ORBIT(c);
    sc_elements el = sc_elements_of(&c);
    result->u.d = el.e < 1 ? el.a * sqrt(1 - el.e * el.e) : -el.a * sqrt(el.e * el.e - 1);
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_radius) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = v3_len(n.r);
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_speed) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = v3_len(n.v);
    return KRPC_OK;
}

ORBIT_DOUBLE(sc_orbit_get_period, sc_elements_of(&c).period)

SC_PROC(sc_orbit_get_time_to_apoapsis) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    sc_elements el = sc_elements_of(&n);
    result->u.d = el.e < 1 ? sc_conic_time_to_true_anomaly(&n, M_PI) : INFINITY;
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_time_to_periapsis) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = sc_conic_time_to_true_anomaly(&n, 0);
    return KRPC_OK;
}

ORBIT_DOUBLE(sc_orbit_get_eccentricity, sc_elements_of(&c).e)

ORBIT_DOUBLE(sc_orbit_get_inclination, sc_elements_of(&c).i)

ORBIT_DOUBLE(sc_orbit_get_longitude_of_ascending_node, sc_elements_of(&c).lan)

ORBIT_DOUBLE(sc_orbit_get_argument_of_periapsis, sc_elements_of(&c).argpe)

ORBIT_DOUBLE(sc_orbit_get_mean_anomaly_at_epoch, sc_elements_of(&c).mean_anomaly)

ORBIT_DOUBLE(sc_orbit_get_epoch, c.t)

SC_PROC(sc_orbit_get_mean_anomaly) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = sc_elements_of(&n).mean_anomaly;
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_eccentric_anomaly) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = sc_elements_of(&n).ecc_anomaly;
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_true_anomaly) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = sc_elements_of(&n).true_anomaly;
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_next_orbit) {
    (void)args;
    result->is_null = true;
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_time_to_soi_change) {
    ORBIT(c);
    (void)c;
    result->u.d = NAN;
    return KRPC_OK;
}

ORBIT_DOUBLE(sc_orbit_mean_anomaly_at_ut, sc_mean_anomaly_at(&c, args[1].u.d))

SC_PROC(sc_orbit_radius_at_true_anomaly) {
    ORBIT(c);
    sc_elements el = sc_elements_of(&c);
    double p = el.a * (1 - el.e * el.e);
    result->u.d = p / (1 + el.e * cos(args[1].u.d));
    return KRPC_OK;
}

SC_PROC(sc_orbit_true_anomaly_at_radius) {
    ORBIT(c);
    sc_elements el = sc_elements_of(&c);
    double p = el.a * (1 - el.e * el.e);
    double cosnu = el.e > 0 ? (p / args[1].u.d - 1) / el.e : 1;
    result->u.d = acos(sc_clamp(cosnu, -1, 1));
    return KRPC_OK;
}

SC_PROC(sc_orbit_true_anomaly_at_ut) {
    ORBIT(c);
    v3 r, v;
    sc_conic_at(&c, args[1].u.d, &r, &v);
    sc_conic n = c;
    n.r = r;
    n.v = v;
    n.t = args[1].u.d;
    result->u.d = sc_elements_of(&n).true_anomaly;
    return KRPC_OK;
}

SC_PROC(sc_orbit_ut_at_true_anomaly) {
    ORBIT(c);
    sc_conic n = conic_now(call, &c);
    result->u.d = n.t + sc_conic_time_to_true_anomaly(&n, args[1].u.d);
    return KRPC_OK;
}

SC_PROC(sc_orbit_eccentric_anomaly_at_ut) {
    ORBIT(c);
    sc_elements el = sc_elements_of(&c);
    result->u.d = sc_ecc_anomaly_from_mean(el.e, sc_mean_anomaly_at(&c, args[1].u.d));
    return KRPC_OK;
}

SC_PROC(sc_orbit_get_orbital_speed) { return sc_orbit_get_speed(call, args, result); }

SC_PROC(sc_orbit_orbital_speed_at) {
    ORBIT(c);
    v3 r, v;
    sc_conic_at(&c, args[1].u.d, &r, &v);
    result->u.d = v3_len(v);
    return KRPC_OK;
}

SC_PROC(sc_orbit_radius_at) {
    ORBIT(c);
    v3 r, v;
    sc_conic_at(&c, args[1].u.d, &r, &v);
    result->u.d = v3_len(r);
    return KRPC_OK;
}

SC_PROC(sc_orbit_position_at) {
    ORBIT(c);
    sc_fstate f;
    if (sc_arg_frame(call, &args[2], &f)) {
        return KRPC_ERROR;
    }
    v3 r, v;
    sc_conic_at(&c, args[1].u.d, &r, &v);
    sc_world *w = &sc_of(call)->world;
    return sc_ret_v3(call, result, sc_f_pos_from(&f, v3_add(sc_body_position(w, c.body, w->ut), r)));
}

SC_PROC(sc_orbit_velocity_at) {
    ORBIT(c);
    sc_fstate f;
    if (sc_arg_frame(call, &args[2], &f)) {
        return KRPC_ERROR;
    }
    v3 r, v;
    sc_conic_at(&c, args[1].u.d, &r, &v);
    sc_world *w = &sc_of(call)->world;
    v3 bp = sc_body_position(w, c.body, w->ut), bv = sc_body_velocity(w, c.body, w->ut);
    return sc_ret_v3(call, result, sc_f_vel_from(&f, v3_add(bp, r), v3_add(bv, v)));
}

ORBIT_DOUBLE(sc_orbit_get_orbital_energy, v3_len2(c.v) / 2 - c.mu / v3_len(c.r))

SC_PROC(sc_orbit_static_reference_plane_normal) {
    sc_fstate f;
    if (sc_arg_frame(call, &args[0], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_dir_from(&f, v3_make(0, 1, 0)));
}

SC_PROC(sc_orbit_static_reference_plane_direction) {
    sc_fstate f;
    if (sc_arg_frame(call, &args[0], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_dir_from(&f, v3_make(1, 0, 0)));
}

/* ---- CelestialBody ---------------------------------------------------------- */

static const sc_body *body_arg(krpc_call *call, const krpc_value *arg, int *index) {
    const sc_obj *o = arg->u.obj.ptr;
    *index = (int)o->key.id;
    return &sc_of(call)->world.bodies[*index];
}

#define BODY(b, bi)                                   \
    int bi;                                           \
    const sc_body *b = body_arg(call, &args[0], &bi); \
    (void)bi;                                         \
    (void)b;

SC_PROC(sc_cb_get_name) {
    BODY(b, bi);
    return sc_ret_string(call, result, b->name);
}

SC_PROC(sc_cb_get_satellites) {
    BODY(b, bi);
    sc_state *st = sc_of(call);
    sc_world *w = &st->world;
    krpc_value *items = sc_values(call, w->nbodies);
    if (items == NULL) {
        return sc_oom(call);
    }
    size_t n = 0;
    for (size_t i = 0; i < w->nbodies; i++) {
        if (w->bodies[i].parent == bi) {
            sc_obj *o = sc_obj_body(st, (int)i);
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

#define BODY_DOUBLE(fname, expr) \
    SC_PROC(fname) {             \
        BODY(b, bi);             \
        result->u.d = (expr);    \
        return KRPC_OK;          \
    }

BODY_DOUBLE(sc_cb_get_mass, b->mass)
BODY_DOUBLE(sc_cb_get_gravitational_parameter, b->mu)
BODY_DOUBLE(sc_cb_get_surface_gravity, b->surface_gravity)
BODY_DOUBLE(sc_cb_get_rotational_period, b->rot_period)
BODY_DOUBLE(sc_cb_get_rotational_speed, sc_body_omega(b))
BODY_DOUBLE(sc_cb_get_rotation_angle, sc_body_rotation_angle(b, sc_of(call)->world.ut))
BODY_DOUBLE(sc_cb_get_initial_rotation, b->init_rotation)
BODY_DOUBLE(sc_cb_get_equatorial_radius, b->radius)
BODY_DOUBLE(sc_cb_get_sphere_of_influence, b->soi)
BODY_DOUBLE(sc_cb_get_atmosphere_depth, b->has_atmosphere ? b->atmosphere_depth : 0)

SC_PROC(sc_cb_surface_height) {
    BODY(b, bi);
    result->u.d = sc_body_terrain(b, args[1].u.d, args[2].u.d, NULL);
    return KRPC_OK;
}

SC_PROC(sc_cb_bedrock_height) {
    BODY(b, bi);
    result->u.d = sc_body_bedrock(b, args[1].u.d, args[2].u.d);
    return KRPC_OK;
}

static int position_at(krpc_call *call, const krpc_value *args, krpc_value *result, double alt,
                       const krpc_value *frame) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, frame, &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    v3 rel = sc_body_surface_point(b, w->ut, args[1].u.d, args[2].u.d, alt);
    return sc_ret_v3(call, result, sc_f_pos_from(&f, v3_add(sc_body_position(w, bi, w->ut), rel)));
}

SC_PROC(sc_cb_msl_position) { return position_at(call, args, result, 0, &args[3]); }

SC_PROC(sc_cb_surface_position) {
    BODY(b, bi);
    return position_at(call, args, result, sc_body_terrain(b, args[1].u.d, args[2].u.d, NULL), &args[3]);
}

SC_PROC(sc_cb_bedrock_position) {
    BODY(b, bi);
    return position_at(call, args, result, sc_body_bedrock(b, args[1].u.d, args[2].u.d), &args[3]);
}

SC_PROC(sc_cb_position_at_altitude) { return position_at(call, args, result, args[3].u.d, &args[4]); }

static int normal_at(krpc_call *call, const krpc_value *args, krpc_value *result) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[3], &f)) {
        return KRPC_ERROR;
    }
    v3 rel = sc_body_surface_point(b, sc_of(call)->world.ut, args[1].u.d, args[2].u.d, 0);
    return sc_ret_v3(call, result, v3_norm(sc_f_dir_from(&f, v3_norm(rel))));
}

SC_PROC(sc_cb_msl_normal) { return normal_at(call, args, result); }
SC_PROC(sc_cb_surface_normal) { return normal_at(call, args, result); }
SC_PROC(sc_cb_bedrock_normal) { return normal_at(call, args, result); }

/* A position in a frame, relative to the body centre (world axes). */
static int rel_position(krpc_call *call, const krpc_value *args, v3 *rel) {
    BODY(b, bi);
    (void)b;
    sc_fstate f;
    if (sc_arg_frame(call, &args[2], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    *rel = v3_sub(sc_f_pos_to(&f, sc_arg_v3(&args[1])), sc_body_position(w, bi, w->ut));
    return KRPC_OK;
}

SC_PROC(sc_cb_latitude_at_position) {
    BODY(b, bi);
    v3 rel;
    if (rel_position(call, args, &rel) != KRPC_OK) {
        return KRPC_ERROR;
    }
    double lat, lon;
    sc_body_latlon(b, sc_of(call)->world.ut, rel, &lat, &lon);
    result->u.d = lat;
    return KRPC_OK;
}

SC_PROC(sc_cb_longitude_at_position) {
    BODY(b, bi);
    v3 rel;
    if (rel_position(call, args, &rel) != KRPC_OK) {
        return KRPC_ERROR;
    }
    double lat, lon;
    sc_body_latlon(b, sc_of(call)->world.ut, rel, &lat, &lon);
    result->u.d = lon;
    return KRPC_OK;
}

SC_PROC(sc_cb_altitude_at_position) {
    BODY(b, bi);
    v3 rel;
    if (rel_position(call, args, &rel) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.d = v3_len(rel) - b->radius;
    return KRPC_OK;
}

SC_PROC(sc_cb_get_orbit) {
    BODY(b, bi);
    if (b->parent < 0) {
        result->is_null = true;
        return KRPC_OK;
    }
    return sc_ret_obj(call, result, sc_obj_orbit(sc_of(call), SC_O_BODY, (uint32_t)bi));
}

SC_PROC(sc_cb_get_is_star) {
    BODY(b, bi);
    result->u.b = b->is_star;
    return KRPC_OK;
}

SC_PROC(sc_cb_get_has_solid_surface) {
    BODY(b, bi);
    result->u.b = b->has_surface;
    return KRPC_OK;
}

SC_PROC(sc_cb_get_has_atmosphere) {
    BODY(b, bi);
    result->u.b = b->has_atmosphere;
    return KRPC_OK;
}

SC_PROC(sc_cb_get_has_atmospheric_oxygen) {
    BODY(b, bi);
    result->u.b = b->has_oxygen;
    return KRPC_OK;
}

SC_PROC(sc_cb_atmospheric_density_at_position) {
    BODY(b, bi);
    v3 rel;
    if (rel_position(call, args, &rel) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.d = sc_body_density(b, v3_len(rel) - b->radius);
    return KRPC_OK;
}

SC_PROC(sc_cb_temperature_at) {
    BODY(b, bi);
    v3 rel;
    if (rel_position(call, args, &rel) != KRPC_OK) {
        return KRPC_ERROR;
    }
    result->u.d = sc_body_temperature(b, v3_len(rel) - b->radius);
    return KRPC_OK;
}

SC_PROC(sc_cb_density_at) {
    BODY(b, bi);
    result->u.d = sc_body_density(b, args[1].u.d);
    return KRPC_OK;
}

SC_PROC(sc_cb_pressure_at) {
    BODY(b, bi);
    result->u.d = sc_body_pressure(b, args[1].u.d);
    return KRPC_OK;
}

SC_PROC(sc_cb_get_flying_high_altitude_threshold) {
    BODY(b, bi);
    result->u.f = (float)b->flying_high;
    return KRPC_OK;
}

SC_PROC(sc_cb_get_space_high_altitude_threshold) {
    BODY(b, bi);
    result->u.f = (float)b->space_high;
    return KRPC_OK;
}

static int body_frame(krpc_call *call, const krpc_value *args, krpc_value *result, int sub) {
    BODY(b, bi);
    (void)b;
    return sc_ret_obj(call, result, sc_frame_body(sc_of(call), bi, sub));
}

SC_PROC(sc_cb_get_reference_frame) { return body_frame(call, args, result, SC_F_BODY); }
SC_PROC(sc_cb_get_non_rotating_reference_frame) { return body_frame(call, args, result, SC_F_BODY_NONROT); }
SC_PROC(sc_cb_get_orbital_reference_frame) { return body_frame(call, args, result, SC_F_BODY_ORBITAL); }

SC_PROC(sc_cb_position) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    return sc_ret_v3(call, result, sc_f_pos_from(&f, sc_body_position(w, bi, w->ut)));
}

SC_PROC(sc_cb_velocity) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    sc_world *w = &sc_of(call)->world;
    return sc_ret_v3(call, result,
                     sc_f_vel_from(&f, sc_body_position(w, bi, w->ut), sc_body_velocity(w, bi, w->ut)));
}

SC_PROC(sc_cb_rotation) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    m3 r = sc_body_rotation(b, sc_of(call)->world.ut);
    return sc_ret_quat(call, result, sc_f_rot_from(&f, &r));
}

SC_PROC(sc_cb_direction) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    m3 r = sc_body_rotation(b, sc_of(call)->world.ut);
    return sc_ret_v3(call, result, sc_f_dir_from(&f, m3_col(&r, 1)));
}

SC_PROC(sc_cb_angular_velocity) {
    BODY(b, bi);
    sc_fstate f;
    if (sc_arg_frame(call, &args[1], &f)) {
        return KRPC_ERROR;
    }
    return sc_ret_v3(call, result, sc_f_angvel_from(&f, sc_body_angular_velocity(b)));
}
