/*
 * data.c - loading the game's data files into the world: resources, bodies
 * and parts once at start (data/resources.cfg, data/bodies.cfg,
 * data/parts/NAME.cfg), then a scenario (data/scenarios/NAME.cfg) that places
 * craft (data/craft/NAME.craft) on the launch pad or in orbit.
 */
#include "sc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, size_t n, const char *src) {
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

int sc_resdef_find(const sc_world *w, const char *name) {
    for (size_t i = 0; i < w->nresdefs; i++) {
        if (strcmp(w->resdefs[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const sc_partdef *sc_partdef_find(const sc_world *w, const char *name) {
    for (size_t i = 0; i < w->npartdefs; i++) {
        if (strcmp(w->partdefs[i].name, name) == 0) {
            return &w->partdefs[i];
        }
    }
    return NULL;
}

int sc_body_find(const sc_world *w, const char *name) {
    for (size_t i = 0; i < w->nbodies; i++) {
        if (strcmp(w->bodies[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int flow_mode(const char *s) {
    if (s == NULL) {
        return SC_FLOW_VESSEL;
    }
    if (strcmp(s, "Stage") == 0) {
        return SC_FLOW_STAGE;
    }
    if (strcmp(s, "Adjacent") == 0) {
        return SC_FLOW_ADJACENT;
    }
    if (strcmp(s, "None") == 0) {
        return SC_FLOW_NONE;
    }
    return SC_FLOW_VESSEL;
}

static int load_resources(sc_world *w, const char *dir, char *err, size_t errlen) {
    char path[640];
    snprintf(path, sizeof path, "%s/resources.cfg", dir);
    sc_cfg *root = sc_cfg_parse_file(path, err, errlen);
    if (root == NULL) {
        return -1;
    }
    w->resdefs = calloc(root->nchildren + 1, sizeof *w->resdefs);
    if (w->resdefs == NULL) {
        sc_cfg_free(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < root->nchildren; i++) {
        const sc_cfg *n = root->children[i];
        if (strcmp(n->name, "RESOURCE") != 0) {
            continue;
        }
        sc_resdef *r = &w->resdefs[w->nresdefs++];
        copy_name(r->name, sizeof r->name, sc_cfg_get(n, "name"));
        r->density = sc_cfg_num(n, "density", 0);
        r->flow = flow_mode(sc_cfg_get(n, "flow_mode"));
    }
    sc_cfg_free(root);
    return 0;
}

static int load_bodies(sc_world *w, const char *dir, char *err, size_t errlen) {
    char path[640];
    snprintf(path, sizeof path, "%s/bodies.cfg", dir);
    sc_cfg *root = sc_cfg_parse_file(path, err, errlen);
    if (root == NULL) {
        return -1;
    }
    w->bodies = calloc(root->nchildren + 1, sizeof *w->bodies);
    if (w->bodies == NULL) {
        sc_cfg_free(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->home = 0;
    /* names first, so parents can be named before they are defined */
    for (size_t i = 0; i < root->nchildren; i++) {
        if (strcmp(root->children[i]->name, "BODY") == 0) {
            copy_name(w->bodies[w->nbodies++].name, SC_NAME, sc_cfg_get(root->children[i], "name"));
        }
    }
    size_t bi = 0;
    for (size_t i = 0; i < root->nchildren; i++) {
        const sc_cfg *n = root->children[i];
        if (strcmp(n->name, "BODY") != 0) {
            continue;
        }
        sc_body *b = &w->bodies[bi];
        const char *parent = sc_cfg_get(n, "parent");
        b->parent = parent != NULL ? sc_body_find(w, parent) : -1;
        b->mu = sc_cfg_num(n, "gravitational_parameter", 0);
        b->radius = sc_cfg_num(n, "radius", 0);
        b->mass = sc_cfg_num(n, "mass", b->mu / SC_G);
        b->soi = sc_cfg_num(n, "sphere_of_influence", INFINITY);
        b->surface_gravity = sc_cfg_num(n, "surface_gravity", b->radius > 0 ? b->mu / (b->radius * b->radius) : 0);
        b->rot_period = sc_cfg_num(n, "rotation_period", 0);
        b->init_rotation = sc_rad(sc_cfg_num(n, "initial_rotation", 0));
        b->is_star = sc_cfg_bool(n, "star", false);
        b->has_surface = sc_cfg_bool(n, "solid_surface", !b->is_star);
        b->flying_high = sc_cfg_num(n, "flying_high", 0);
        b->space_high = sc_cfg_num(n, "space_high", 0);
        b->ocean_floor = sc_cfg_num(n, "ocean_floor", 0);
        double warp[SC_NRAILS] = {0};
        sc_cfg_nums(n, "warp_altitudes", warp, SC_NRAILS);
        memcpy(b->warp_alt, warp, sizeof warp);
        if (sc_cfg_bool(n, "home", false)) {
            w->home = (int)bi;
        }
        for (size_t j = 0; j < n->nchildren; j++) {
            const sc_cfg *c = n->children[j];
            if (strcmp(c->name, "ORBIT") == 0) {
                b->sma = sc_cfg_num(c, "semi_major_axis", 0);
                b->ecc = sc_cfg_num(c, "eccentricity", 0);
                b->inc = sc_rad(sc_cfg_num(c, "inclination", 0));
                b->lan = sc_rad(sc_cfg_num(c, "longitude_of_ascending_node", 0));
                b->argpe = sc_rad(sc_cfg_num(c, "argument_of_periapsis", 0));
                b->mean_anomaly_epoch = sc_cfg_num(c, "mean_anomaly_at_epoch", 0);
                b->epoch = sc_cfg_num(c, "epoch", 0);
            } else if (strcmp(c->name, "ATMOSPHERE") == 0) {
                b->has_atmosphere = true;
                b->atmosphere_depth = sc_cfg_num(c, "depth", 0);
                b->has_oxygen = sc_cfg_bool(c, "oxygen", false);
                for (size_t k = 0; k < c->nkeys && b->natmo < sizeof b->atmo / sizeof b->atmo[0]; k++) {
                    double v[4];
                    if (strcmp(c->keys[k], "point") == 0 && sc_parse_nums(c->values[k], v, 4) == 4) {
                        sc_atmo_point *p = &b->atmo[b->natmo++];
                        p->alt = v[0];
                        p->pressure = v[1];
                        p->density = v[2];
                        p->temperature = v[3];
                    }
                }
            } else if (strcmp(c->name, "LAND") == 0 && b->nland < sizeof b->land / sizeof b->land[0]) {
                sc_land *l = &b->land[b->nland++];
                l->lat = sc_cfg_num(c, "latitude", 0);
                l->lon = sc_cfg_num(c, "longitude", 0);
                l->radius = sc_cfg_num(c, "radius", 0);
                l->height = sc_cfg_num(c, "height", 0);
            }
        }
        bi++;
    }
    sc_cfg_free(root);
    if (w->nbodies == 0) {
        snprintf(err, errlen, "%s: no bodies", path);
        return -1;
    }
    return 0;
}

static int load_part(sc_world *w, const sc_cfg *n, char *err, size_t errlen) {
    sc_partdef *grown = realloc(w->partdefs, (w->npartdefs + 1) * sizeof *grown);
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->partdefs = grown;
    sc_partdef *d = &w->partdefs[w->npartdefs++];
    memset(d, 0, sizeof *d);
    copy_name(d->name, sizeof d->name, sc_cfg_get(n, "name"));
    copy_name(d->title, sizeof d->title, sc_cfg_get(n, "title"));
    d->mass = sc_cfg_num(n, "mass", 0) * 1000;
    d->cost = sc_cfg_num(n, "cost", 0);
    d->cda = sc_cfg_num(n, "drag_area", 0);
    d->height = sc_cfg_num(n, "height", 1);
    d->radius = sc_cfg_num(n, "radius", 0.625);
    d->crash_tolerance = sc_cfg_num(n, "crash_tolerance", 8);
    d->max_temperature = sc_cfg_num(n, "max_temperature", 2000);
    d->crew_capacity = (int)sc_cfg_num(n, "crew_capacity", 0);
    d->crossfeed = sc_cfg_bool(n, "crossfeed", true);
    for (size_t j = 0; j < n->nchildren; j++) {
        const sc_cfg *c = n->children[j];
        if (strcmp(c->name, "RESOURCE") == 0 && d->nres < SC_MAX_RES) {
            const char *rn = sc_cfg_get(c, "name");
            int r = rn != NULL ? sc_resdef_find(w, rn) : -1;
            if (r < 0) {
                snprintf(err, errlen, "part %s: unknown resource %s", d->name, rn != NULL ? rn : "(none)");
                return -1;
            }
            d->res[d->nres] = r;
            d->res_max[d->nres] = sc_cfg_num(c, "max", 0);
            d->nres++;
        } else if (strcmp(c->name, "COMMAND") == 0) {
            d->command = true;
            d->wheel_torque = sc_cfg_num(c, "reaction_wheel_torque", 0) * 1000;
        } else if (strcmp(c->name, "ENGINE") == 0) {
            d->engine = true;
            d->thrust_vac = sc_cfg_num(c, "thrust_vacuum", 0) * 1000;
            d->isp_vac = sc_cfg_num(c, "isp_vacuum", 0);
            d->isp_asl = sc_cfg_num(c, "isp_sea_level", d->isp_vac);
            d->throttle_locked = sc_cfg_bool(c, "throttle_locked", false);
            d->can_shutdown = sc_cfg_bool(c, "can_shutdown", !d->throttle_locked);
            d->can_restart = sc_cfg_bool(c, "can_restart", !d->throttle_locked);
            d->gimbal_range = sc_cfg_num(c, "gimbal_range", 0);
            for (size_t k = 0; k < c->nchildren && d->nprop < SC_MAX_PROP; k++) {
                const sc_cfg *pc = c->children[k];
                if (strcmp(pc->name, "PROPELLANT") != 0) {
                    continue;
                }
                const char *pn = sc_cfg_get(pc, "name");
                int r = pn != NULL ? sc_resdef_find(w, pn) : -1;
                if (r < 0) {
                    snprintf(err, errlen, "part %s: unknown propellant %s", d->name, pn != NULL ? pn : "(none)");
                    return -1;
                }
                d->prop[d->nprop] = r;
                d->prop_ratio[d->nprop] = sc_cfg_num(pc, "ratio", 1);
                d->nprop++;
            }
        } else if (strcmp(c->name, "DECOUPLER") == 0) {
            d->decoupler = true;
            d->omni = sc_cfg_bool(c, "omni", false);
            d->ejection_impulse = sc_cfg_num(c, "ejection_impulse", 0);
        } else if (strcmp(c->name, "PARACHUTE") == 0) {
            d->parachute = true;
            d->chute_semi_cda = sc_cfg_num(c, "semi_deployed_drag_area", 0);
            d->chute_full_cda = sc_cfg_num(c, "deployed_drag_area", 0);
            d->chute_deploy_altitude = sc_cfg_num(c, "deploy_altitude", 1000);
            d->chute_min_pressure = sc_cfg_num(c, "min_pressure", 0.04);
            d->chute_semi_time = sc_cfg_num(c, "semi_deploy_time", 1);
            d->chute_full_time = sc_cfg_num(c, "deploy_time", 4);
        } else if (strcmp(c->name, "LAUNCH_CLAMP") == 0) {
            d->clamp = true;
        }
    }
    return 0;
}

static int load_parts(sc_world *w, const char *dir, char *err, size_t errlen) {
    char path[640];
    snprintf(path, sizeof path, "%s/parts", dir);
    DIR *dp = opendir(path);
    if (dp == NULL) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    /* sorted, so the load order does not depend on the file system */
    char **names = NULL;
    size_t nnames = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(dp)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".cfg") != 0) {
            continue;
        }
        char **grown = realloc(names, (nnames + 1) * sizeof *grown);
        if (grown == NULL) {
            rc = -1;
            break;
        }
        names = grown;
        names[nnames] = strdup(de->d_name);
        if (names[nnames] == NULL) {
            rc = -1;
            break;
        }
        nnames++;
    }
    closedir(dp);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
    }
    for (size_t i = 0; i + 1 < nnames; i++) {
        for (size_t j = i + 1; j < nnames; j++) {
            if (strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
        }
    }
    for (size_t i = 0; i < nnames && rc == 0; i++) {
        char file[1024];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        sc_cfg *root = sc_cfg_parse_file(file, err, errlen);
        if (root == NULL) {
            rc = -1;
            break;
        }
        for (size_t j = 0; j < root->nchildren && rc == 0; j++) {
            if (strcmp(root->children[j]->name, "PART") == 0) {
                rc = load_part(w, root->children[j], err, errlen);
            }
        }
        sc_cfg_free(root);
    }
    for (size_t i = 0; i < nnames; i++) {
        free(names[i]);
    }
    free(names);
    return rc;
}

int sc_data_load_static(sc_world *w, const char *dir, char *err, size_t errlen) {
    if (load_resources(w, dir, err, errlen) != 0 || load_bodies(w, dir, err, errlen) != 0 ||
        load_parts(w, dir, err, errlen) != 0) {
        return -1;
    }
    return 0;
}

/* ---- scenarios and craft -------------------------------------------------- */

static sc_part *new_part(sc_world *w) {
    if (w->nparts == w->capparts) {
        size_t cap = w->capparts ? w->capparts * 2 : 64;
        sc_part *grown = realloc(w->parts, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        w->parts = grown;
        w->capparts = cap;
    }
    sc_part *p = &w->parts[w->nparts++];
    memset(p, 0, sizeof *p);
    p->id = w->next_part_id++;
    p->parent = -1;
    p->alive = true;
    p->rot = quat_identity();
    p->thrust_limit = 1;
    p->stage = -1;
    return p;
}

static int vessel_type(const char *s) {
    static const char *names[] = {"Base",  "Debris",  "Lander",      "Plane",   "Probe", "Relay", "Rover",
                                  "Ship",  "Station", "SpaceObject", "Unknown", "EVA",   "Flag"};
    for (int i = 0; s != NULL && i < (int)(sizeof names / sizeof names[0]); i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return SC_TYPE_SHIP;
}

/* Build the parts of a craft file into a new vessel; returns it or NULL. */
static sc_vessel *load_craft(sc_world *w, const char *dir, const char *name, char *err, size_t errlen) {
    char path[640];
    snprintf(path, sizeof path, "%s/craft/%s.craft", dir, name);
    sc_cfg *root = sc_cfg_parse_file(path, err, errlen);
    if (root == NULL) {
        return NULL;
    }
    const sc_cfg *craft = NULL;
    for (size_t i = 0; i < root->nchildren; i++) {
        if (strcmp(root->children[i]->name, "CRAFT") == 0) {
            craft = root->children[i];
        }
    }
    if (craft == NULL) {
        snprintf(err, errlen, "%s: no CRAFT node", path);
        sc_cfg_free(root);
        return NULL;
    }
    sc_vessel *v = sc_vessel_new(w);
    if (v == NULL) {
        snprintf(err, errlen, "out of memory");
        sc_cfg_free(root);
        return NULL;
    }
    copy_name(v->name, sizeof v->name, sc_cfg_get(craft, "name"));
    v->type = vessel_type(sc_cfg_get(craft, "type"));
    size_t first = w->nparts;
    /* craft-local ids, in order, to resolve parents */
    const char *ids[256];
    size_t count = 0;
    for (size_t i = 0; i < craft->nchildren; i++) {
        const sc_cfg *pn = craft->children[i];
        if (strcmp(pn->name, "PART") != 0) {
            continue;
        }
        if (count >= sizeof ids / sizeof ids[0]) {
            snprintf(err, errlen, "%s: too many parts", path);
            goto fail;
        }
        const char *pname = sc_cfg_get(pn, "part");
        const sc_partdef *def = pname != NULL ? sc_partdef_find(w, pname) : NULL;
        if (def == NULL) {
            snprintf(err, errlen, "%s: unknown part %s", path, pname != NULL ? pname : "(none)");
            goto fail;
        }
        sc_part *p = new_part(w);
        if (p == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        ids[count++] = sc_cfg_get(pn, "id");
        p->def = def;
        p->vessel = v->id;
        p->crossfeed = def->crossfeed;
        double pos[3] = {0, 0, 0}, rot[4] = {0, 0, 0, 1};
        sc_cfg_nums(pn, "pos", pos, 3);
        sc_cfg_nums(pn, "rot", rot, 4);
        p->pos = v3_make(pos[0], pos[1], pos[2]);
        p->rot = quat_normalize((quat){rot[0], rot[1], rot[2], rot[3]});
        p->stage = (int)sc_cfg_num(pn, "stage", -1);
        const char *attach = sc_cfg_get(pn, "attach");
        p->radial = attach != NULL && strcmp(attach, "surface") == 0;
        copy_name(p->tag, sizeof p->tag, sc_cfg_get(pn, "tag"));
        for (size_t r = 0; r < def->nres; r++) {
            p->max[r] = def->res_max[r];
            p->amount[r] = def->res_max[r];
            p->res_enabled[r] = true;
        }
        for (size_t j = 0; j < pn->nchildren; j++) {
            const sc_cfg *rc = pn->children[j];
            const char *rn = sc_cfg_get(rc, "name");
            if (strcmp(rc->name, "RESOURCE") != 0 || rn == NULL) {
                continue;
            }
            int res = sc_resdef_find(w, rn);
            for (size_t r = 0; r < def->nres; r++) {
                if (def->res[r] == res) {
                    p->max[r] = sc_cfg_num(rc, "max", p->max[r]);
                    p->amount[r] = sc_cfg_num(rc, "amount", p->max[r]);
                }
            }
        }
        if (def->parachute) {
            p->chute_deploy_altitude = def->chute_deploy_altitude;
            p->chute_min_pressure = def->chute_min_pressure;
        }
    }
    /* parents */
    size_t pi = 0;
    for (size_t i = 0; i < craft->nchildren; i++) {
        const sc_cfg *pn = craft->children[i];
        if (strcmp(pn->name, "PART") != 0) {
            continue;
        }
        const char *parent = sc_cfg_get(pn, "parent");
        if (parent != NULL && *parent != '\0') {
            int found = -1;
            for (size_t j = 0; j < count; j++) {
                if (ids[j] != NULL && strcmp(ids[j], parent) == 0) {
                    found = (int)(first + j);
                }
            }
            if (found < 0) {
                snprintf(err, errlen, "%s: unknown parent %s", path, parent);
                goto fail;
            }
            w->parts[first + pi].parent = found;
        }
        pi++;
    }
    sc_cfg_free(root);
    v->current_stage = sc_vessel_max_stage(w, v) + 1;
    return v;
fail:
    sc_cfg_free(root);
    return NULL;
}

static int place_vessel(sc_world *w, sc_vessel *v, const sc_cfg *n, char *err, size_t errlen) {
    const char *bn = sc_cfg_get(n, "body");
    v->body = bn != NULL ? sc_body_find(w, bn) : w->home;
    if (v->body < 0) {
        snprintf(err, errlen, "unknown body %s", bn);
        return -1;
    }
    const sc_body *b = &w->bodies[v->body];
    const char *sit = sc_cfg_get(n, "situation");
    v3 com = sc_vessel_com_local(w, v);
    sc_vessel_parts_changed(w, v, com);
    if (sit == NULL || strcmp(sit, "prelaunch") == 0 || strcmp(sit, "landed") == 0) {
        double lat = sc_cfg_num(n, "latitude", 0), lon = sc_cfg_num(n, "longitude", 0);
        double h = sc_body_terrain(b, lat, lon, NULL);
        v3 up = v3_norm(sc_body_surface_point(b, 0, lat, lon, 0));
        /* the rotating frame at ut 0 has the rotation of angle init_rotation */
        m3 rot0 = sc_body_rotation(b, 0);
        v3 up_rot = m3_tmul_v(&rot0, up);
        v3 north_rot = v3_norm(v3_exclude(up_rot, v3_make(0, 1, 0)));
        v3 east_rot = v3_cross(up_rot, north_rot);
        /* nose up, right side north, bottom west */
        m3 att = m3_columns(north_rot, up_rot, v3_neg(east_rot));
        v->fixed_r = v3_scale(up_rot, b->radius + h + v->clearance + 0.05);
        v->fixed_q = m3_to_quat(&att);
        v->fixed = true;
        bool has_clamps = false;
        for (size_t i = 0; i < w->nparts; i++) {
            if (w->parts[i].vessel == v->id && w->parts[i].def->clamp) {
                has_clamps = true;
            }
        }
        v->clamped = has_clamps;
        v->launched = strcmp(sit != NULL ? sit : "prelaunch", "landed") == 0;
        v->situation = v->launched ? SC_SIT_LANDED : SC_SIT_PRELAUNCH;
        m3 rot = sc_body_rotation(b, w->ut);
        v->r = m3_mul_v(&rot, v->fixed_r);
        v->v = v3_cross(sc_body_angular_velocity(b), v->r);
        quat qb = m3_to_quat(&rot);
        v->q = quat_normalize(quat_mul(qb, v->fixed_q));
        v->w = sc_body_angular_velocity(b);
    } else if (strcmp(sit, "orbiting") == 0) {
        double sma = sc_cfg_num(n, "semi_major_axis", b->radius + 100000);
        double e = sc_cfg_num(n, "eccentricity", 0);
        sc_conic c = sc_conic_from_elements(b->mu, sma, e, sc_rad(sc_cfg_num(n, "inclination", 0)),
                                            sc_rad(sc_cfg_num(n, "longitude_of_ascending_node", 0)),
                                            sc_rad(sc_cfg_num(n, "argument_of_periapsis", 0)),
                                            sc_cfg_num(n, "mean_anomaly", 0), w->ut);
        v->r = c.r;
        v->v = c.v;
        /* nose prograde, bottom towards the body */
        v3 fwd = v3_norm(v->v);
        v3 bottom = v3_norm(v3_exclude(fwd, v3_neg(v->r)));
        v3 right = v3_cross(fwd, bottom);
        m3 att = m3_columns(right, fwd, bottom);
        v->q = m3_to_quat(&att);
        v->w = v3_zero();
        v->fixed = false;
        v->clamped = false;
        v->launched = true;
        v->situation = SC_SIT_ORBITING;
    } else {
        snprintf(err, errlen, "unknown situation %s", sit);
        return -1;
    }
    v->launch_ut = w->ut;
    return 0;
}

int sc_data_load_scenario(sc_world *w, const char *dir, const char *name, char *err, size_t errlen) {
    char path[640];
    snprintf(path, sizeof path, "%s/scenarios/%s.cfg", dir, name);
    sc_cfg *root = sc_cfg_parse_file(path, err, errlen);
    if (root == NULL) {
        return -1;
    }
    int rc = 0;
    const sc_cfg *sc = NULL;
    for (size_t i = 0; i < root->nchildren; i++) {
        if (strcmp(root->children[i]->name, "SCENARIO") == 0) {
            sc = root->children[i];
        }
    }
    if (sc == NULL) {
        snprintf(err, errlen, "%s: no SCENARIO node", path);
        sc_cfg_free(root);
        return -1;
    }
    copy_name(w->scenario, sizeof w->scenario, name);
    w->ut = sc_cfg_num(sc, "ut", 0);
    for (size_t i = 0; i < sc->nchildren && rc == 0; i++) {
        const sc_cfg *vn = sc->children[i];
        if (strcmp(vn->name, "VESSEL") != 0) {
            continue;
        }
        const char *craft = sc_cfg_get(vn, "craft");
        if (craft == NULL) {
            snprintf(err, errlen, "%s: VESSEL without craft", path);
            rc = -1;
            break;
        }
        sc_vessel *v = load_craft(w, dir, craft, err, errlen);
        if (v == NULL) {
            rc = -1;
            break;
        }
        const char *vname = sc_cfg_get(vn, "name");
        if (vname != NULL) {
            copy_name(v->name, sizeof v->name, vname);
        }
        rc = place_vessel(w, v, vn, err, errlen);
        if (sc_cfg_bool(vn, "active", w->active_vessel == 0)) {
            w->active_vessel = v->id;
        }
    }
    sc_cfg_free(root);
    return rc;
}

void sc_world_free(sc_world *w) {
    for (size_t i = 0; i < w->nvessels; i++) {
        free(w->vessels[i]);
    }
    for (size_t i = 0; i < w->nnodes; i++) {
        free(w->nodes[i]);
    }
    free(w->vessels);
    free(w->nodes);
    free(w->parts);
    free(w->partdefs);
    free(w->resdefs);
    free(w->bodies);
    memset(w, 0, sizeof *w);
}
