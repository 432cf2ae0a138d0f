/*
 * frames.c - reference frames: what each kind of frame is (origin, axes,
 * velocity and angular velocity in world space at the current time), and
 * the transformations between a frame and world space, with kRPC's formulas:
 *
 *   position  p_f = R^T (p - O)
 *   direction d_f = R^T d
 *   velocity  v_f = R^T (v - V) - (R^T W) x p_f
 *   rotation  q_f = q_R^-1 q
 *
 * World space is the home body's non-rotating frame.
 */
#include "sc.h"

#include <stdio.h>
#include <string.h>

v3 sc_f_pos_from(const sc_fstate *f, v3 world) { return m3_tmul_v(&f->r, v3_sub(world, f->o)); }
v3 sc_f_pos_to(const sc_fstate *f, v3 local) { return v3_add(f->o, m3_mul_v(&f->r, local)); }
v3 sc_f_dir_from(const sc_fstate *f, v3 world) { return m3_tmul_v(&f->r, world); }
v3 sc_f_dir_to(const sc_fstate *f, v3 local) { return m3_mul_v(&f->r, local); }

static v3 local_spin(const sc_fstate *f) { return m3_tmul_v(&f->r, f->w); }

v3 sc_f_vel_from(const sc_fstate *f, v3 world_pos, v3 world_vel) {
    v3 p = sc_f_pos_from(f, world_pos);
    return v3_sub(m3_tmul_v(&f->r, v3_sub(world_vel, f->v)), v3_cross(local_spin(f), p));
}

v3 sc_f_vel_to(const sc_fstate *f, v3 local_pos, v3 local_vel) {
    return v3_add(f->v, m3_mul_v(&f->r, v3_add(local_vel, v3_cross(local_spin(f), local_pos))));
}

v3 sc_f_angvel_from(const sc_fstate *f, v3 world_w) { return m3_tmul_v(&f->r, v3_sub(world_w, f->w)); }

quat sc_f_rot_from(const sc_fstate *f, const m3 *world_rot) {
    m3 rel = m3_transpose(&f->r);
    rel = m3_mul(&rel, world_rot);
    return m3_to_quat(&rel);
}

static int fail(krpc_error_kind *kind, char *msg, size_t len, krpc_error_kind k, const char *text) {
    *kind = k;
    snprintf(msg, len, "%s", text);
    return -1;
}

/* Angular velocity of the frame whose y axis follows a velocity changing at
 * acceleration a, with z along v x zenith (kRPC's speed-mode frames). */
static v3 speed_mode_spin(v3 vel, v3 acc, v3 zenith, v3 zenith_rate) {
    v3 swing = v3_scale(v3_cross(vel, acc), 1 / v3_len2(vel));
    v3 normal = v3_cross(vel, zenith);
    double nl = v3_len(normal);
    if (nl == 0) {
        return swing;
    }
    v3 normal_rate = v3_add(v3_cross(acc, zenith), v3_cross(vel, zenith_rate));
    v3 y = v3_norm(vel);
    v3 x = v3_cross(y, v3_scale(normal, 1 / nl));
    double roll = v3_dot(x, normal_rate) / nl;
    return v3_axpy(swing, roll, y);
}

static int eval(sc_state *st, const sc_obj *frame, sc_fstate *out, krpc_error_kind *kind, char *msg, size_t len,
                int depth) {
    sc_world *w = &st->world;
    const sc_key *k = &frame->key;
    if (frame->dead) {
        return fail(kind, msg, len, KRPC_ERR_OBJECT_DESTROYED, "The reference frame no longer exists.");
    }
    if (depth > 64) {
        return fail(kind, msg, len, KRPC_ERR_INVALID_OPERATION, "Reference frames nested too deeply");
    }
    memset(out, 0, sizeof *out);
    out->r = m3_identity();
    switch (k->sub) {
    case SC_F_BODY:
    case SC_F_BODY_NONROT:
    case SC_F_BODY_ORBITAL: {
        int bi = (int)k->id;
        const sc_body *b = &w->bodies[bi];
        out->o = sc_body_position(w, bi, w->ut);
        out->v = sc_body_velocity(w, bi, w->ut);
        if (k->sub == SC_F_BODY) {
            out->r = sc_body_rotation(b, w->ut);
            out->w = sc_body_angular_velocity(b);
        } else if (k->sub == SC_F_BODY_ORBITAL) {
            if (b->parent < 0) {
                return 0;
            }
            sc_conic c = sc_body_conic(w, bi, w->ut);
            v3 up = c.v;
            v3 fwd = v3_cross(v3_neg(c.r), up);
            out->r = m3_look(up, fwd);
            out->w = v3_scale(v3_cross(c.r, c.v), 1 / v3_len2(c.r));
        }
        return 0;
    }
    case SC_F_VESSEL:
    case SC_F_VESSEL_ORBITAL:
    case SC_F_VESSEL_SURFACE:
    case SC_F_VESSEL_SURFVEL:
    case SC_F_VESSEL_ORBITSPEED:
    case SC_F_VESSEL_SURFSPEED: {
        sc_vessel *v = sc_vessel_get(w, k->vessel);
        if (v == NULL) {
            return fail(kind, msg, len, KRPC_ERR_OBJECT_DESTROYED, "The vessel no longer exists.");
        }
        const sc_body *b = &w->bodies[v->body];
        v3 bpos = sc_body_position(w, v->body, w->ut), bvel = sc_body_velocity(w, v->body, w->ut);
        out->o = v3_add(bpos, v->r);
        out->v = v3_add(bvel, v->v);
        v3 omega = sc_body_angular_velocity(b);
        v3 srf = sc_vessel_surface_velocity(w, v);
        v3 grav = v3_scale(v->r, -b->mu / pow(v3_len(v->r), 3));
        switch (k->sub) {
        case SC_F_VESSEL:
            out->r = quat_to_m3(v->q);
            out->w = v->w;
            break;
        case SC_F_VESSEL_ORBITAL:
        case SC_F_VESSEL_ORBITSPEED:
            out->r = m3_look(v->v, v3_cross(v->v, v->r));
            out->w = v3_scale(v3_cross(v->r, v->v), 1 / v3_len2(v->r));
            if (k->sub == SC_F_VESSEL_ORBITSPEED) {
                out->v = bvel;
            }
            break;
        case SC_F_VESSEL_SURFACE: {
            v3 zenith = v3_norm(v->r);
            v3 north = v3_exclude(zenith, v3_make(0, 1, 0));
            if (v3_len2(north) < 1e-18) {
                north = v3_exclude(zenith, v3_make(1, 0, 0));
            }
            out->r = m3_look(north, v3_cross(zenith, v3_norm(north)));
            double r2 = v3_len2(v->r);
            v3 rxv = v3_cross(v->r, v->v);
            v3 spin = v3_scale(rxv, 1 / r2);
            v3 axis = v3_make(0, 1, 0);
            double rds = v3_dot(v->r, axis);
            double perp = r2 - rds * rds;
            if (perp > r2 * 1e-6) {
                spin = v3_axpy(spin, v3_dot(axis, rxv) * rds / (perp * r2), v->r);
            }
            out->w = spin;
            break;
        }
        case SC_F_VESSEL_SURFVEL: {
            if (v3_len2(srf) < 0.01) {
                return fail(kind, msg, len, KRPC_ERR_INVALID_OPERATION,
                            "VesselSurfaceVelocity reference frame is singular when surface velocity is near zero");
            }
            v3 up = v3_norm(v->r);
            v3 proj = v3_exclude(up, srf);
            out->r = m3_look(srf, v3_cross(up, proj));
            v3 a_srf = v3_sub(grav, v3_cross(omega, v->v));
            out->w = v3_add(omega, v3_scale(v3_cross(srf, a_srf), 1 / v3_len2(srf)));
            break;
        }
        case SC_F_VESSEL_SURFSPEED: {
            if (v3_len2(srf) < 0.01) {
                return fail(kind, msg, len, KRPC_ERR_INVALID_OPERATION,
                            "VesselSurfaceSpeed reference frame is singular when surface velocity is near zero");
            }
            out->r = m3_look(srf, v3_cross(srf, v->r));
            out->v = v3_add(bvel, v3_cross(omega, v->r));
            v3 acc = v3_sub(grav, v3_cross(omega, v->v));
            out->w = speed_mode_spin(srf, acc, v->r, v->v);
            break;
        }
        default:
            break;
        }
        return 0;
    }
    case SC_F_NODE:
    case SC_F_NODE_ORBITAL: {
        sc_node *n = sc_node_get(w, k->id);
        if (n == NULL || !n->alive) {
            return fail(kind, msg, len, KRPC_ERR_OBJECT_DESTROYED,
                        "The maneuver node no longer exists, as it is not in the vessel's flight plan.");
        }
        v3 r, vel;
        sc_node_current(w, n, &r, &vel);
        v3 bpos = sc_body_position(w, n->body, w->ut), bvel = sc_body_velocity(w, n->body, w->ut);
        out->o = v3_add(bpos, r);
        out->v = v3_add(bvel, vel);
        out->w = v3_scale(v3_cross(r, vel), 1 / v3_len2(r));
        if (k->sub == SC_F_NODE) {
            v3 up = sc_node_remaining(w, n);
            if (v3_len2(up) == 0) {
                up = vel;
            }
            v3 fwd = v3_make(0, 0, 1);
            if (fabs(v3_dot(v3_norm(up), fwd)) > 0.9) {
                fwd = v3_make(0, 1, 0);
            }
            out->r = m3_look(up, fwd);
        } else {
            out->r = m3_look(vel, v3_cross(vel, r));
        }
        return 0;
    }
    case SC_F_PART:
    case SC_F_PART_COM: {
        sc_part *p = sc_part_get(w, k->id);
        sc_vessel *v = p != NULL && p->alive ? sc_vessel_get(w, p->vessel) : NULL;
        if (v == NULL) {
            return fail(kind, msg, len, KRPC_ERR_OBJECT_DESTROYED, "The part no longer exists.");
        }
        out->o = sc_part_world_position(w, p);
        out->v = sc_vessel_world_velocity(w, v);
        m3 vr = quat_to_m3(v->q), pr = quat_to_m3(p->rot);
        out->r = m3_mul(&vr, &pr);
        out->w = v->w;
        return 0;
    }
    case SC_F_RELATIVE: {
        sc_fstate parent;
        if (eval(st, k->ref[0], &parent, kind, msg, len, depth + 1) != 0) {
            return -1;
        }
        v3 pos = v3_make(k->d[0], k->d[1], k->d[2]);
        quat q = quat_normalize((quat){k->d[3], k->d[4], k->d[5], k->d[6]});
        v3 vel = v3_make(k->d[7], k->d[8], k->d[9]);
        v3 ang = v3_make(k->d[10], k->d[11], k->d[12]);
        out->o = sc_f_pos_to(&parent, pos);
        m3 qr = quat_to_m3(q);
        out->r = m3_mul(&parent.r, &qr);
        out->v = sc_f_vel_to(&parent, pos, vel);
        out->w = v3_add(parent.w, m3_mul_v(&parent.r, ang));
        return 0;
    }
    case SC_F_HYBRID: {
        sc_fstate parts[4];
        for (int i = 0; i < 4; i++) {
            const sc_obj *src = k->ref[i] != NULL ? k->ref[i] : k->ref[0];
            if (eval(st, src, &parts[i], kind, msg, len, depth + 1) != 0) {
                return -1;
            }
        }
        out->o = parts[0].o;
        out->r = parts[1].r;
        out->v = parts[2].v;
        out->w = parts[3].w;
        return 0;
    }
    default:
        return fail(kind, msg, len, KRPC_ERR_INVALID_OPERATION, "Unknown reference frame");
    }
}

int sc_frame_eval(sc_state *st, const sc_obj *frame, sc_fstate *out, krpc_error_kind *kind, char *msg,
                  size_t msglen) {
    return eval(st, frame, out, kind, msg, msglen, 0);
}

sc_obj *sc_frame_body(sc_state *st, int body, int sub) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = sub;
    k.id = (uint32_t)body;
    return sc_intern(st, &k);
}

sc_obj *sc_frame_vessel(sc_state *st, uint32_t vessel, int sub) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = sub;
    k.vessel = vessel;
    return sc_intern(st, &k);
}

sc_obj *sc_frame_node(sc_state *st, const sc_node *node, int sub) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = sub;
    k.id = node->id;
    k.vessel = node->vessel;
    return sc_intern(st, &k);
}

sc_obj *sc_frame_part(sc_state *st, uint32_t part, int sub) {
    sc_key k;
    sc_key_init(&k, SC_K_FRAME);
    k.sub = sub;
    k.id = part;
    return sc_intern(st, &k);
}

bool sc_frame_rotates_with(sc_state *st, const sc_obj *frame, uint32_t vessel) {
    const sc_key *k = &frame->key;
    if (k->sub == SC_F_VESSEL) {
        return k->vessel == vessel;
    }
    if (k->sub == SC_F_PART || k->sub == SC_F_PART_COM) {
        sc_part *p = sc_part_get(&st->world, k->id);
        return p != NULL && p->vessel == vessel;
    }
    return false;
}
