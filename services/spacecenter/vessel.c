/*
 * vessel.c - vessels and their parts: masses, centre of mass, inertia,
 * resources and fuel flow, engines, staging (engines ignite, decouplers
 * split the vessel, launch clamps let go, parachutes arm) and the
 * situation.
 *
 * Parts live in one array in the world; each names the vessel it belongs to
 * and its parent part (an index into that array). Part positions are in the
 * craft's own frame, which is the vessel frame (x right, y nose, z bottom)
 * shifted so that the vessel's state vectors are those of its centre of mass.
 */
#include "sc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sc_vessel *sc_vessel_any(const sc_world *w, uint32_t id) {
    for (size_t i = 0; i < w->nvessels; i++) {
        if (w->vessels[i]->id == id) {
            return w->vessels[i];
        }
    }
    return NULL;
}

sc_vessel *sc_vessel_get(const sc_world *w, uint32_t id) {
    sc_vessel *v = sc_vessel_any(w, id);
    return v != NULL && v->alive ? v : NULL;
}

sc_part *sc_part_get(const sc_world *w, uint32_t id) {
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].id == id) {
            return &w->parts[i];
        }
    }
    return NULL;
}

int sc_part_index(const sc_world *w, const sc_part *p) { return (int)(p - w->parts); }

int sc_vessel_root(const sc_world *w, const sc_vessel *v) {
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == v->id && w->parts[i].alive &&
            (w->parts[i].parent < 0 || w->parts[w->parts[i].parent].vessel != v->id)) {
            return (int)i;
        }
    }
    return -1;
}

sc_vessel *sc_vessel_new(sc_world *w) {
    if (w->nvessels == w->capvessels) {
        size_t cap = w->capvessels ? w->capvessels * 2 : 16;
        sc_vessel **grown = realloc(w->vessels, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        w->vessels = grown;
        w->capvessels = cap;
    }
    sc_vessel *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    v->id = w->next_vessel_id++;
    v->alive = true;
    v->type = SC_TYPE_SHIP;
    v->q = quat_identity();
    v->body = w->home;
    v->sas_mode = SC_SAS_STABILITY;
    v->speed_mode = SC_SPEED_ORBIT;
    v->controlling_part = -1;
    sc_autopilot_reset(v);
    w->vessels[w->nvessels++] = v;
    return v;
}

double sc_part_mass(const sc_world *w, const sc_part *p) {
    double m = p->def->mass;
    for (size_t r = 0; r < p->def->nres; r++) {
        m += p->amount[r] * w->resdefs[p->def->res[r]].density;
    }
    return m;
}

double sc_vessel_mass(const sc_world *w, const sc_vessel *v) {
    double m = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == v->id && w->parts[i].alive) {
            m += sc_part_mass(w, &w->parts[i]);
        }
    }
    return m;
}

double sc_vessel_dry_mass(const sc_world *w, const sc_vessel *v) {
    double m = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == v->id && w->parts[i].alive) {
            m += w->parts[i].def->mass;
        }
    }
    return m;
}

v3 sc_vessel_com_local(const sc_world *w, const sc_vessel *v) {
    v3 sum = v3_zero();
    double m = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive) {
            double pm = sc_part_mass(w, p);
            sum = v3_axpy(sum, pm, p->pos);
            m += pm;
        }
    }
    return m > 0 ? v3_scale(sum, 1 / m) : sum;
}

v3 sc_vessel_inertia(const sc_world *w, const sc_vessel *v) {
    v3 com = sc_vessel_com_local(w, v);
    v3 inertia = v3_zero();
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel != v->id || !p->alive) {
            continue;
        }
        double m = sc_part_mass(w, p);
        v3 d = v3_sub(p->pos, com);
        double r = p->def->radius, h = p->def->height;
        double along = 0.5 * m * r * r, across = m * (3 * r * r + h * h) / 12;
        inertia.x += m * (d.y * d.y + d.z * d.z) + across;
        inertia.y += m * (d.x * d.x + d.z * d.z) + along;
        inertia.z += m * (d.x * d.x + d.y * d.y) + across;
    }
    return inertia;
}

v3 sc_vessel_wheel_torque(const sc_world *w, const sc_vessel *v) {
    double t = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive && p->def->command) {
            t += p->def->wheel_torque;
        }
    }
    return v3_make(t, t, t);
}

v3 sc_vessel_engine_torque(const sc_world *w, const sc_vessel *v) {
    v3 com = sc_vessel_com_local(w, v);
    double t = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive && p->def->engine && p->def->gimbal_range > 0) {
            double arm = fabs(p->pos.y - com.y);
            t += p->thrust * sin(sc_rad(p->def->gimbal_range)) * arm;
        }
    }
    return v3_make(t, 0, t);
}

/* kRPC's DecoupledAt: walking from the part to the root, the highest
 * activation stage of a decoupler or clamp that cuts the part off. */
int sc_part_decouple_stage(const sc_world *w, const sc_part *p) {
    int stage = -1;
    const sc_part *part = p;
    while (part != NULL) {
        const sc_part *parent =
            part->parent >= 0 && w->parts[part->parent].vessel == part->vessel ? &w->parts[part->parent] : NULL;
        int candidate = -1;
        if (part->def->clamp) {
            candidate = part->stage;
        } else if (part->def->decoupler && !part->decoupled && (part->def->omni || parent != NULL)) {
            candidate = part->stage;
        }
        if (candidate == -1 && parent != NULL && parent->def->decoupler && parent->def->omni && !parent->decoupled) {
            candidate = parent->stage;
        }
        if (candidate > stage) {
            stage = candidate;
        }
        part = parent;
    }
    return stage;
}

int sc_vessel_max_stage(const sc_world *w, const sc_vessel *v) {
    int m = -1;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == v->id && w->parts[i].alive && w->parts[i].stage > m) {
            m = w->parts[i].stage;
        }
    }
    return m;
}

/* ---- positions ------------------------------------------------------------ */

v3 sc_vessel_world_position(const sc_world *w, const sc_vessel *v) {
    return v3_add(sc_body_position(w, v->body, w->ut), v->r);
}

v3 sc_vessel_world_velocity(const sc_world *w, const sc_vessel *v) {
    return v3_add(sc_body_velocity(w, v->body, w->ut), v->v);
}

v3 sc_part_world_position(const sc_world *w, const sc_part *p) {
    sc_vessel *v = sc_vessel_any(w, p->vessel);
    if (v == NULL) {
        return v3_zero();
    }
    v3 com = sc_vessel_com_local(w, v);
    return v3_add(sc_vessel_world_position(w, v), quat_rotate(v->q, v3_sub(p->pos, com)));
}

v3 sc_vessel_surface_velocity(const sc_world *w, const sc_vessel *v) {
    const sc_body *b = &w->bodies[v->body];
    return v3_sub(v->v, v3_cross(sc_body_angular_velocity(b), v->r));
}

double sc_vessel_altitude(const sc_world *w, const sc_vessel *v) {
    return v3_len(v->r) - w->bodies[v->body].radius;
}

sc_conic sc_vessel_conic(const sc_world *w, const sc_vessel *v) {
    sc_conic c;
    memset(&c, 0, sizeof c);
    c.body = v->body;
    c.mu = w->bodies[v->body].mu;
    c.r = v->r;
    c.v = v->v;
    c.t = w->ut;
    return c;
}

double sc_vessel_pressure_atm(const sc_world *w, const sc_vessel *v) {
    return sc_body_pressure(&w->bodies[v->body], sc_vessel_altitude(w, v)) / SC_ATM;
}

/* ---- engines ---------------------------------------------------------------- */

double sc_engine_isp(const sc_partdef *d, double p_atm) {
    double isp = d->isp_vac + (d->isp_asl - d->isp_vac) * p_atm;
    return isp > 0.001 ? isp : 0.001;
}

double sc_engine_max_thrust(const sc_part *p, double p_atm) {
    const sc_partdef *d = p->def;
    if (!d->engine || d->isp_vac <= 0) {
        return 0;
    }
    return d->thrust_vac * sc_engine_isp(d, p_atm) / d->isp_vac;
}

/* Parts an engine can draw a flowing resource from: its crossfeed-connected
 * region of the vessel's part tree (decouplers without crossfeed block). */
static size_t fuel_region(const sc_world *w, const sc_part *engine, int *out, size_t max) {
    size_t n = 0;
    int start = sc_part_index(w, engine);
    out[n++] = start;
    for (size_t head = 0; head < n; head++) {
        int cur = out[head];
        const sc_part *cp = &w->parts[cur];
        if (cur != start && !cp->crossfeed) {
            continue; /* reached, but does not pass fuel on */
        }
        for (size_t i = 0; i < w->nparts && n < max; i++) {
            const sc_part *q = &w->parts[i];
            if (q->vessel != engine->vessel || !q->alive) {
                continue;
            }
            bool neighbour = q->parent == cur || (cp->parent == (int)i);
            if (!neighbour) {
                continue;
            }
            bool seen = false;
            for (size_t k = 0; k < n; k++) {
                if (out[k] == (int)i) {
                    seen = true;
                }
            }
            if (!seen && q->crossfeed) {
                out[n++] = (int)i;
            }
        }
    }
    return n;
}

/* Units of a resource an engine can reach; draw (when > 0) takes that many
 * units, spread over the tanks in proportion to what they hold. */
static double engine_resource(sc_world *w, const sc_part *engine, int res, double draw) {
    int region[256];
    size_t n;
    if (w->resdefs[res].flow == SC_FLOW_NONE) {
        region[0] = sc_part_index(w, engine);
        n = 1;
    } else {
        n = fuel_region(w, engine, region, sizeof region / sizeof region[0]);
    }
    double total = 0;
    for (size_t k = 0; k < n; k++) {
        const sc_part *p = &w->parts[region[k]];
        for (size_t r = 0; r < p->def->nres; r++) {
            if (p->def->res[r] == res && p->res_enabled[r]) {
                total += p->amount[r];
            }
        }
    }
    if (draw > 0 && total > 0) {
        double f = draw >= total ? 1 : draw / total;
        for (size_t k = 0; k < n; k++) {
            sc_part *p = &w->parts[region[k]];
            for (size_t r = 0; r < p->def->nres; r++) {
                if (p->def->res[r] == res && p->res_enabled[r]) {
                    p->amount[r] -= p->amount[r] * f;
                    if (p->amount[r] < 1e-9) {
                        p->amount[r] = 0;
                    }
                }
            }
        }
    }
    return total;
}

bool sc_engine_has_fuel(const sc_world *w, const sc_part *p) {
    for (size_t i = 0; i < p->def->nprop; i++) {
        if (engine_resource((sc_world *)w, p, p->def->prop[i], 0) < 1e-6) {
            return false;
        }
    }
    return p->def->nprop > 0;
}

double sc_engine_available_thrust(const sc_world *w, const sc_part *p, double p_atm) {
    if (!sc_engine_has_fuel(w, p)) {
        return 0;
    }
    return sc_engine_max_thrust(p, p_atm) * p->thrust_limit;
}

/* Burn an engine for h seconds at the given throttle: drains propellant and
 * returns the thrust produced (N), averaged over the step. */
double sc_engine_burn(sc_world *w, sc_part *p, double throttle, double p_atm, double h) {
    const sc_partdef *d = p->def;
    if (!p->active || d->nprop == 0) {
        p->thrust = 0;
        return 0;
    }
    double t = d->throttle_locked ? 1 : throttle;
    t *= p->thrust_limit;
    if (t <= 0) {
        p->thrust = 0;
        return 0;
    }
    double mdot = d->thrust_vac * t / (d->isp_vac * SC_G0); /* kg/s, fixed by the throttle */
    double mix = 0;
    for (size_t i = 0; i < d->nprop; i++) {
        mix += d->prop_ratio[i] * w->resdefs[d->prop[i]].density;
    }
    if (mix <= 0) {
        p->thrust = 0;
        return 0;
    }
    double k = mdot * h / mix; /* units of ratio 1 this step */
    double f = 1;
    for (size_t i = 0; i < d->nprop; i++) {
        double want = k * d->prop_ratio[i];
        double have = engine_resource(w, p, d->prop[i], 0);
        if (want > 0 && have < want) {
            f = fmin(f, have / want);
        }
    }
    if (f <= 1e-9) {
        p->flameout = true;
        p->thrust = 0;
        return 0;
    }
    for (size_t i = 0; i < d->nprop; i++) {
        engine_resource(w, p, d->prop[i], k * d->prop_ratio[i] * f);
    }
    p->flameout = false;
    p->thrust = sc_engine_max_thrust(p, p_atm) * t * f;
    return p->thrust;
}

/* ---- changing the part tree ------------------------------------------------- */

static double lowest_point(const sc_world *w, const sc_vessel *v) {
    double low = INFINITY;
    for (size_t i = 0; i < w->nparts; i++) {
        const sc_part *p = &w->parts[i];
        if (p->vessel == v->id && p->alive) {
            double y = p->pos.y - p->def->height / 2;
            if (y < low) {
                low = y;
            }
        }
    }
    return low;
}

void sc_vessel_parts_changed(sc_world *w, sc_vessel *v, v3 old_com_local) {
    v3 com = sc_vessel_com_local(w, v);
    v3 shift = v3_sub(com, old_com_local);
    if (v->fixed) {
        v->fixed_r = v3_add(v->fixed_r, quat_rotate(v->fixed_q, shift));
    }
    v->r = v3_add(v->r, quat_rotate(v->q, shift));
    double low = lowest_point(w, v);
    v->clearance = isfinite(low) ? com.y - low : 0;
    if (v->clearance < 0.2) {
        v->clearance = 0.2;
    }
}

static bool in_subtree(const sc_world *w, int part, int root) {
    for (int i = part; i >= 0; i = w->parts[i].parent) {
        if (i == root) {
            return true;
        }
    }
    return false;
}

/* Move the subtree rooted at part index `root` (cut from its parent) into a
 * new vessel; returns the new vessel's id or 0. */
static uint32_t split_off(sc_world *w, int root, v3 push_dir, double impulse) {
    sc_part *rp = &w->parts[root];
    sc_vessel *old = sc_vessel_get(w, rp->vessel);
    if (old == NULL) {
        return 0;
    }
    v3 old_com = sc_vessel_com_local(w, old);
    sc_vessel *nv = sc_vessel_new(w);
    if (nv == NULL) {
        return 0;
    }
    old = sc_vessel_get(w, rp->vessel); /* the array may have moved */
    uint32_t old_id = old->id;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == old_id && w->parts[i].alive && in_subtree(w, (int)i, root)) {
            w->parts[i].vessel = nv->id;
        }
    }
    rp->parent = -1;
    size_t ol = strlen(old->name);
    if (ol >= 7 && strcmp(old->name + ol - 7, " Debris") == 0) {
        snprintf(nv->name, sizeof nv->name, "%s", old->name);
    } else {
        snprintf(nv->name, sizeof nv->name, "%.100s Debris", old->name);
    }
    nv->type = SC_TYPE_DEBRIS;
    nv->body = old->body;
    nv->r = old->r;
    nv->v = old->v;
    nv->q = old->q;
    nv->w = old->w;
    nv->fixed = old->fixed;
    nv->clamped = false;
    nv->fixed_r = old->fixed_r;
    nv->fixed_q = old->fixed_q;
    nv->launched = true;
    nv->situation = old->situation == SC_SIT_PRELAUNCH ? SC_SIT_LANDED : old->situation;
    nv->launch_ut = old->launch_ut;
    nv->current_stage = sc_vessel_max_stage(w, nv) + 1;
    /* the pieces keep their parts where they were */
    sc_vessel_parts_changed(w, nv, old_com);
    sc_vessel_parts_changed(w, old, old_com);
    if (impulse > 0 && !old->fixed) {
        double m1 = sc_vessel_mass(w, old), m2 = sc_vessel_mass(w, nv);
        v3 dir = v3_norm(quat_rotate(old->q, push_dir));
        if (m1 > 0 && m2 > 0) {
            nv->v = v3_axpy(nv->v, impulse / m2, dir);
            old->v = v3_axpy(old->v, -impulse / m1, dir);
        }
    }
    if (old->controlling_part >= 0 && w->parts[old->controlling_part].vessel != old->id) {
        old->controlling_part = -1;
    }
    return nv->id;
}

size_t sc_part_decouple(sc_world *w, sc_part *p, uint32_t *out, size_t max) {
    if (!p->def->decoupler || p->decoupled) {
        return 0;
    }
    size_t n = 0;
    int idx = sc_part_index(w, p);
    p->decoupled = true;
    double impulse = p->def->ejection_impulse;
    if (p->parent >= 0 && w->parts[p->parent].vessel == p->vessel) {
        v3 dir = v3_sub(p->pos, w->parts[p->parent].pos);
        uint32_t id = split_off(w, idx, dir, impulse);
        if (id != 0 && n < max) {
            out[n++] = id;
        }
    }
    if (p->def->omni) {
        for (size_t i = 0; i < w->nparts; i++) {
            sc_part *c = &w->parts[i];
            if (c->parent == idx && c->vessel == w->parts[idx].vessel && c->alive) {
                v3 dir = v3_sub(c->pos, w->parts[idx].pos);
                uint32_t id = split_off(w, (int)i, dir, impulse);
                if (id != 0 && n < max) {
                    out[n++] = id;
                }
            }
        }
    }
    return n;
}

size_t sc_part_release_clamp(sc_world *w, sc_part *p, uint32_t *out, size_t max) {
    if (!p->def->clamp || p->released) {
        return 0;
    }
    p->released = true;
    sc_vessel *v = sc_vessel_get(w, p->vessel);
    if (v == NULL) {
        return 0;
    }
    uint32_t vid = v->id;
    size_t n = 0;
    if (p->parent >= 0) {
        uint32_t id = split_off(w, sc_part_index(w, p), v3_zero(), 0);
        if (id != 0) {
            sc_vessel *nv = sc_vessel_get(w, id);
            nv->fixed = true;
            nv->situation = SC_SIT_LANDED;
            snprintf(nv->name, sizeof nv->name, "%.100s", p->def->title);
            if (n < max) {
                out[n++] = id;
            }
        }
    }
    /* still held while any clamp remains */
    v = sc_vessel_get(w, vid);
    bool clamps = false;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].vessel == vid && w->parts[i].alive && w->parts[i].def->clamp && !w->parts[i].released) {
            clamps = true;
        }
    }
    if (v != NULL) {
        v->clamped = clamps;
    }
    return n;
}

void sc_parachute_deploy(sc_part *p) {
    if (p->chute_state == SC_CHUTE_STOWED) {
        p->chute_state = SC_CHUTE_ARMED;
        p->chute_progress = 0;
    }
}

void sc_part_activate(sc_world *w, sc_part *p, uint32_t *out, size_t max, size_t *n) {
    const sc_partdef *d = p->def;
    if (d->engine && !p->active) {
        p->active = true;
        p->flameout = !sc_engine_has_fuel(w, p);
    }
    if (d->parachute) {
        sc_parachute_deploy(p);
    }
    if (d->clamp) {
        *n += sc_part_release_clamp(w, p, out + *n, max - *n);
    }
    if (d->decoupler) {
        *n += sc_part_decouple(w, p, out + *n, max - *n);
    }
}

size_t sc_vessel_stage(sc_world *w, sc_vessel *v, uint32_t *out, size_t max) {
    if (v->current_stage <= 0) {
        return 0;
    }
    v->current_stage--;
    int stage = v->current_stage;
    uint32_t vid = v->id;
    size_t n = 0;
    /* engines first, then clamps, then decouplers (parts move between
     * vessels as decouplers fire, so go by ids) */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < w->nparts; i++) {
            sc_part *p = &w->parts[i];
            if (p->vessel != vid || !p->alive || p->stage != stage) {
                continue;
            }
            bool now = pass == 0 ? !p->def->clamp && !p->def->decoupler
                                 : pass == 1 ? p->def->clamp : p->def->decoupler;
            if (now) {
                sc_part_activate(w, p, out, max, &n);
            }
        }
    }
    v = sc_vessel_get(w, vid);
    if (v != NULL && !v->launched) {
        v->launched = true;
    }
    return n;
}

/* ---- situation ---------------------------------------------------------------- */

void sc_vessel_update_situation(sc_world *w, sc_vessel *v) {
    if (v->fixed) {
        if (!v->launched) {
            v->situation = SC_SIT_PRELAUNCH;
        } else if (v->situation != SC_SIT_SPLASHED) {
            v->situation = SC_SIT_LANDED;
        }
        return;
    }
    const sc_body *b = &w->bodies[v->body];
    double alt = sc_vessel_altitude(w, v);
    if (b->has_atmosphere && alt < b->atmosphere_depth) {
        v->situation = SC_SIT_FLYING;
        return;
    }
    sc_conic c = sc_vessel_conic(w, v);
    sc_elements el = sc_elements_of(&c);
    double top = b->has_atmosphere ? b->atmosphere_depth : 0;
    if (el.e >= 1 || el.ap > b->soi) {
        v->situation = SC_SIT_ESCAPING;
    } else if (el.pe - b->radius < top) {
        v->situation = SC_SIT_SUBORBITAL;
    } else {
        v->situation = SC_SIT_ORBITING;
    }
}
