/*
 * physics.c - the flight model, integrated at a fixed substep of game time.
 *
 * Per vessel and substep:
 *   - engines burn (propellant drains, thrust along the nose scaled by Isp at
 *     the current pressure);
 *   - the attitude controller turns the vessel (autopilot, SAS or free);
 *   - gravity of the main body only (patched conics) and thrust are integrated
 *     with a leapfrog step in the body's non-rotating frame;
 *   - drag, 1/2 rho |v_air|^2 CdA against the air-relative velocity (the
 *     atmosphere turns with the body), is applied implicitly so that a
 *     parachute opening at speed stays stable;
 *   - parachutes open; the ground stops the vessel (landed or splashed at
 *     rest on the turning surface), or destroys it above its impact tolerance;
 *   - the vessel changes sphere of influence when it crosses one.
 * A vessel on the ground (on the pad, held by clamps, landed) turns with the
 * body until its thrust lifts it. On rails (time warp) vessels follow their
 * conics without forces.
 */
#include "sc.h"

#include <stdio.h>
#include <string.h>

const double sc_rails_rates[SC_NRAILS] = {1, 5, 10, 50, 100, 1000, 10000, 100000};
const double sc_physics_rates[4] = {1, 2, 3, 4};

static v3 gravity(const sc_body *b, v3 r) {
    double l = v3_len(r);
    if (l <= 0) {
        return v3_zero();
    }
    return v3_scale(r, -b->mu / (l * l * l));
}

/* Aerodynamic drag area of the vessel, with its parachutes. */
static double vessel_cda(const sc_world *w, const sc_vessel *v) {
    double cda = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive) {
            continue;
        }
        cda += p->def->cda;
        if (!p->def->parachute) {
            continue;
        }
        const sc_partdef *d = p->def;
        if (p->chute_state == SC_CHUTE_SEMI) {
            double f = d->chute_semi_time > 0 ? fmin(1, p->chute_progress / d->chute_semi_time) : 1;
            cda += f * d->chute_semi_cda;
        } else if (p->chute_state == SC_CHUTE_DEPLOYED) {
            double f = d->chute_full_time > 0 ? fmin(1, p->chute_progress / d->chute_full_time) : 1;
            cda += d->chute_semi_cda + f * (d->chute_full_cda - d->chute_semi_cda);
        }
    }
    return cda;
}

/* Drag multiplier by Mach number (transonic rise). */
static double mach_factor(double mach) {
    static const double pts[][2] = {{0, 1.0}, {0.8, 1.0}, {1.0, 1.7}, {1.2, 1.8}, {2.0, 1.4}, {3.0, 1.15},
                                    {5.0, 1.0}};
    size_t n = sizeof pts / sizeof pts[0];
    if (mach <= pts[0][0]) {
        return pts[0][1];
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (mach <= pts[i + 1][0]) {
            double f = (mach - pts[i][0]) / (pts[i + 1][0] - pts[i][0]);
            return pts[i][1] + f * (pts[i + 1][1] - pts[i][1]);
        }
    }
    return pts[n - 1][1];
}

double sc_speed_of_sound(double temperature) { return sqrt(1.4 * 287.053 * (temperature > 1 ? temperature : 1)); }

void sc_vessel_fix_to_surface(sc_world *w, sc_vessel *v) {
    const sc_body *b = &w->bodies[v->body];
    m3 rot = sc_body_rotation(b, w->ut);
    v->fixed_r = m3_tmul_v(&rot, v->r);
    quat qb = m3_to_quat(&rot);
    v->fixed_q = quat_normalize(quat_mul(quat_conj(qb), v->q));
    v->fixed = true;
    v->v = v3_cross(sc_body_angular_velocity(b), v->r);
    v->w = sc_body_angular_velocity(b);
}

/* Place a fixed vessel where the surface has carried it at the current ut. */
static void follow_surface(sc_world *w, sc_vessel *v) {
    const sc_body *b = &w->bodies[v->body];
    m3 rot = sc_body_rotation(b, w->ut);
    v->r = m3_mul_v(&rot, v->fixed_r);
    v->v = v3_cross(sc_body_angular_velocity(b), v->r);
    quat qb = m3_to_quat(&rot);
    v->q = quat_normalize(quat_mul(qb, v->fixed_q));
    v->w = sc_body_angular_velocity(b);
}

void sc_vessel_destroy(sc_state *st, sc_vessel *v) {
    sc_world *w = &st->world;
    if (!v->alive) {
        return;
    }
    uint32_t id = v->id;
    /* objects first: they are found through the parts still being the vessel's */
    sc_objects_vessel_destroyed(st, id, false);
    v->alive = false;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == id) {
            w->parts[i].alive = false;
        }
    }
    for (size_t i = 0; i < w->nnodes; i++) {
        if (w->nodes[i]->vessel == id) {
            w->nodes[i]->alive = false;
        }
    }
    if (w->active_vessel == id) {
        w->active_vessel = 0;
    }
    if (w->target_vessel == id) {
        w->target_vessel = 0;
    }
    char msg[200];
    snprintf(msg, sizeof msg, "SpaceCenter: vessel '%s' destroyed", v->name);
    st->api->log(st->host, KRPC_LOG_INFO, msg);
}

/* Impact tolerance of the vessel's lowest part. */
static double impact_tolerance(const sc_world *w, const sc_vessel *v) {
    double low = INFINITY, tol = 8;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive) {
            double y = p->pos.y - p->def->height / 2;
            if (y < low) {
                low = y;
                tol = p->def->crash_tolerance;
            }
        }
    }
    return tol;
}

/* Touch the ground: rest on it, or break up. Returns false if destroyed. */
static bool ground_contact(sc_state *st, sc_vessel *v) {
    sc_world *w = &st->world;
    const sc_body *b = &w->bodies[v->body];
    if (!b->has_surface) {
        return true;
    }
    double lat, lon;
    sc_body_latlon(b, w->ut, v->r, &lat, &lon);
    bool water = false;
    double terrain = sc_body_terrain(b, lat, lon, &water);
    double alt = v3_len(v->r) - b->radius;
    if (alt - terrain > v->clearance) {
        return true;
    }
    v3 up = v3_norm(v->r);
    v3 srf = sc_vessel_surface_velocity(w, v);
    if (v3_dot(srf, up) > 0.5) {
        return true; /* climbing away (just lifted off) */
    }
    double speed = v3_len(srf);
    if (speed > impact_tolerance(w, v)) {
        sc_vessel_destroy(st, v);
        return false;
    }
    v->r = v3_scale(up, b->radius + terrain + v->clearance);
    sc_vessel_fix_to_surface(w, v);
    v->situation = water ? SC_SIT_SPLASHED : SC_SIT_LANDED;
    v->launched = true;
    v->accel = v3_zero();
    return true;
}

static void update_parachutes(sc_world *w, sc_vessel *v, double h) {
    const sc_body *b = &w->bodies[v->body];
    double lat, lon;
    sc_body_latlon(b, w->ut, v->r, &lat, &lon);
    double alt = sc_vessel_altitude(w, v);
    double above = alt - sc_body_terrain(b, lat, lon, NULL);
    double p_atm = sc_vessel_pressure_atm(w, v);
    for (size_t i = 0; i < w->nparts; i++) {
        sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive || !p->def->parachute) {
            continue;
        }
        switch (p->chute_state) {
        case SC_CHUTE_ARMED:
            if (p_atm >= p->chute_min_pressure && p_atm > 0) {
                p->chute_state = SC_CHUTE_SEMI;
                p->chute_progress = 0;
            }
            break;
        case SC_CHUTE_SEMI:
            p->chute_progress += h;
            if (above <= p->chute_deploy_altitude && p->chute_progress >= p->def->chute_semi_time) {
                p->chute_state = SC_CHUTE_DEPLOYED;
                p->chute_progress = 0;
            }
            break;
        case SC_CHUTE_DEPLOYED:
            p->chute_progress += h;
            break;
        default:
            break;
        }
    }
}

/* Leave the sphere of influence, or enter a moon's. */
static void check_soi(sc_world *w, sc_vessel *v) {
    const sc_body *b = &w->bodies[v->body];
    if (b->parent >= 0 && isfinite(b->soi) && v3_len(v->r) > b->soi) {
        v3 bp = sc_body_position(w, v->body, w->ut), bv = sc_body_velocity(w, v->body, w->ut);
        v3 pp = sc_body_position(w, b->parent, w->ut), pv = sc_body_velocity(w, b->parent, w->ut);
        v->r = v3_add(v->r, v3_sub(bp, pp));
        v->v = v3_add(v->v, v3_sub(bv, pv));
        v->body = b->parent;
        return;
    }
    for (size_t i = 0; i < w->nbodies; i++) {
        const sc_body *c = &w->bodies[i];
        if (c->parent != v->body) {
            continue;
        }
        v3 cp = v3_sub(sc_body_position(w, (int)i, w->ut), sc_body_position(w, v->body, w->ut));
        v3 d = v3_sub(v->r, cp);
        if (v3_len(d) < c->soi) {
            v3 cv = v3_sub(sc_body_velocity(w, (int)i, w->ut), sc_body_velocity(w, v->body, w->ut));
            v->r = d;
            v->v = v3_sub(v->v, cv);
            v->body = (int)i;
            return;
        }
    }
}

static double engines_burn(sc_world *w, sc_vessel *v, double p_atm, double h) {
    double total = 0;
    double throttle = v->throttle;
    for (size_t i = 0; i < w->nparts; i++) {
        sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive && p->def->engine) {
            total += sc_engine_burn(w, p, throttle, p_atm, h);
        }
    }
    return total;
}

static void integrate_attitude(sc_vessel *v, double h) {
    double wl = v3_len(v->w);
    if (wl > 0) {
        quat dq = quat_axis_angle(v->w, wl * h);
        v->q = quat_normalize(quat_mul(dq, v->q));
    }
}

static void step_vessel(sc_state *st, sc_vessel *v, double h, bool rails) {
    sc_world *w = &st->world;
    const sc_body *b = &w->bodies[v->body];
    double t0 = w->ut;
    if (v->fixed) {
        double p_atm = sc_vessel_pressure_atm(w, v);
        double thrust = rails ? 0 : engines_burn(w, v, p_atm, h);
        w->ut = t0 + h;
        follow_surface(w, v);
        w->ut = t0;
        double m = sc_vessel_mass(w, v);
        v3 nose = quat_rotate(v->q, v3_make(0, 1, 0));
        v3 up = v3_norm(v->r);
        double g = b->mu / v3_len2(v->r);
        v->proper_accel = v3_scale(up, g);
        v->accel = v3_zero();
        v->aero_force = v3_zero();
        if (!v->clamped && m > 0 && thrust * v3_dot(nose, up) > m * g * 1.0001) {
            /* lift off */
            v->fixed = false;
            v->launched = true;
            v->situation = SC_SIT_FLYING;
        }
        return;
    }
    if (rails) {
        sc_conic c = sc_vessel_conic(w, v);
        sc_conic_at(&c, t0 + h, &v->r, &v->v);
        for (size_t i = 0; i < w->nparts; i++) {
            if (w->parts[i].vessel == v->id) {
                w->parts[i].thrust = 0;
            }
        }
        v->w = v3_zero();
        w->ut = t0 + h;
        if (ground_contact(st, v)) {
            check_soi(w, v);
        }
        w->ut = t0;
        return;
    }
    double alt = v3_len(v->r) - b->radius;
    double p_atm = sc_body_pressure(b, alt) / SC_ATM;
    double thrust = engines_burn(w, v, p_atm, h);
    double m = sc_vessel_mass(w, v);
    if (m <= 0) {
        m = 1;
    }
    sc_attitude_step(st, v, h);
    integrate_attitude(v, h);
    v3 nose = quat_rotate(v->q, v3_make(0, 1, 0));
    v3 a_thrust = v3_scale(nose, thrust / m);
    v3 v0 = v->v;
    /* leapfrog: kick, drift, kick */
    v3 a0 = v3_add(gravity(b, v->r), a_thrust);
    v3 vh = v3_axpy(v->v, h / 2, a0);
    v3 r1 = v3_axpy(v->r, h, vh);
    v3 g1 = gravity(b, r1);
    v3 v1 = v3_axpy(vh, h / 2, v3_add(g1, a_thrust));
    /* implicit quadratic drag on the air-relative velocity */
    v3 drag_accel = v3_zero();
    double alt1 = v3_len(r1) - b->radius;
    double rho = sc_body_density(b, alt1);
    if (rho > 0) {
        v3 omega = sc_body_angular_velocity(b);
        v3 wind = v3_cross(omega, r1);
        v3 air = v3_sub(v1, wind);
        double speed = v3_len(air);
        double mach = speed / sc_speed_of_sound(sc_body_temperature(b, alt1));
        double k = rho * vessel_cda(w, v) * mach_factor(mach) / (2 * m);
        v3 air1 = v3_scale(air, 1 / (1 + k * speed * h));
        drag_accel = v3_scale(v3_sub(air1, air), 1 / h);
        v1 = v3_add(air1, wind);
    }
    v->r = r1;
    v->v = v1;
    v->accel = v3_scale(v3_sub(v1, v0), 1 / h);
    v->proper_accel = v3_add(a_thrust, drag_accel);
    v->aero_force = v3_scale(drag_accel, m);
    w->ut = t0 + h;
    update_parachutes(w, v, h);
    if (ground_contact(st, v)) {
        check_soi(w, v);
        if (v->alive && !v->fixed) {
            sc_vessel_update_situation(w, v);
        }
    }
    w->ut = t0;
}

void sc_physics_step(sc_state *st, double h, bool rails) {
    sc_world *w = &st->world;
    /* the throttle a client set takes effect from this step */
    for (size_t i = 0; i < w->nvessels; i++) {
        sc_vessel *v = w->vessels[i];
        v->throttle = v->throttle_set;
    }
    size_t n = w->nvessels;
    for (size_t i = 0; i < n; i++) {
        sc_vessel *v = w->vessels[i];
        if (v->alive) {
            step_vessel(st, v, h, rails);
        }
    }
    w->ut += h;
    for (size_t i = 0; i < n; i++) {
        sc_vessel *v = w->vessels[i];
        if (v->alive) {
            sc_vessel_update_situation(w, v);
        }
    }
}

bool sc_can_rails_warp(const sc_world *w, const sc_vessel *v, int index) {
    if (index <= 0) {
        return true;
    }
    if (index >= SC_NRAILS) {
        return false;
    }
    if (v == NULL || v->fixed) {
        return true;
    }
    const sc_body *b = &w->bodies[v->body];
    double alt = sc_vessel_altitude(w, v);
    if (b->has_atmosphere && alt < b->atmosphere_depth) {
        return false;
    }
    return alt >= b->warp_alt[index];
}
