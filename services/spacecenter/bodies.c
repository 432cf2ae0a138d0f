/*
 * bodies.c - celestial bodies: where they are (each on a fixed Keplerian
 * orbit around its parent), how they spin, their atmospheres and their
 * surfaces.
 *
 * A body's rotating frame has x towards (0 N, 0 E), y towards the north pole
 * and z towards (0 N, 90 E). Its rotation angle theta = initial rotation +
 * omega ut turns x from the non-rotating x axis towards the non-rotating z
 * axis, so the surface moves east and the angular velocity in the plain
 * formula convention is (0, -omega, 0).
 */
#include "sc.h"

#include <string.h>

sc_conic sc_body_conic(const sc_world *w, int body, double ut) {
    const sc_body *b = &w->bodies[body];
    if (b->parent < 0) {
        sc_conic c;
        memset(&c, 0, sizeof c);
        c.body = -1;
        c.t = ut;
        return c;
    }
    double mu = w->bodies[b->parent].mu;
    double n = sqrt(mu / (b->sma * b->sma * b->sma));
    sc_conic c = sc_conic_from_elements(mu, b->sma, b->ecc, b->inc, b->lan, b->argpe,
                                        b->mean_anomaly_epoch + n * (ut - b->epoch), ut);
    c.body = b->parent;
    return c;
}

/* Position relative to the root of the body tree. */
static v3 absolute_position(const sc_world *w, int body, double ut) {
    v3 p = v3_zero();
    for (int b = body; b >= 0 && w->bodies[b].parent >= 0; b = w->bodies[b].parent) {
        sc_conic c = sc_body_conic(w, b, ut);
        p = v3_add(p, c.r);
    }
    return p;
}

static v3 absolute_velocity(const sc_world *w, int body, double ut) {
    v3 p = v3_zero();
    for (int b = body; b >= 0 && w->bodies[b].parent >= 0; b = w->bodies[b].parent) {
        sc_conic c = sc_body_conic(w, b, ut);
        p = v3_add(p, c.v);
    }
    return p;
}

v3 sc_body_position(const sc_world *w, int body, double ut) {
    if (body == w->home) {
        return v3_zero();
    }
    return v3_sub(absolute_position(w, body, ut), absolute_position(w, w->home, ut));
}

v3 sc_body_velocity(const sc_world *w, int body, double ut) {
    if (body == w->home) {
        return v3_zero();
    }
    return v3_sub(absolute_velocity(w, body, ut), absolute_velocity(w, w->home, ut));
}

double sc_body_omega(const sc_body *b) { return b->rot_period > 0 ? 2 * M_PI / b->rot_period : 0; }

double sc_body_rotation_angle(const sc_body *b, double ut) {
    double a = fmod(b->init_rotation + sc_body_omega(b) * ut, 2 * M_PI);
    return a < 0 ? a + 2 * M_PI : a;
}

m3 sc_body_rotation(const sc_body *b, double ut) {
    double t = sc_body_rotation_angle(b, ut);
    return m3_columns(v3_make(cos(t), 0, sin(t)), v3_make(0, 1, 0), v3_make(-sin(t), 0, cos(t)));
}

v3 sc_body_angular_velocity(const sc_body *b) { return v3_make(0, -sc_body_omega(b), 0); }

void sc_body_latlon(const sc_body *b, double ut, v3 rel, double *lat, double *lon) {
    m3 rot = sc_body_rotation(b, ut);
    v3 p = m3_tmul_v(&rot, rel);
    double l = v3_len(p);
    *lat = l > 0 ? sc_deg(asin(sc_clamp(p.y / l, -1, 1))) : 0;
    *lon = sc_deg(atan2(p.z, p.x));
}

v3 sc_body_surface_point(const sc_body *b, double ut, double lat, double lon, double altitude) {
    double la = sc_rad(lat), lo = sc_rad(lon);
    double rr = b->radius + altitude;
    v3 p = v3_make(rr * cos(la) * cos(lo), rr * sin(la), rr * cos(la) * sin(lo));
    m3 rot = sc_body_rotation(b, ut);
    return m3_mul_v(&rot, p);
}

/* Great-circle distance in metres on the body's sphere. */
static double surface_distance(const sc_body *b, double lat1, double lon1, double lat2, double lon2) {
    double p1 = sc_rad(lat1), p2 = sc_rad(lat2), dl = sc_rad(lon2 - lon1);
    double c = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(dl);
    return b->radius * acos(sc_clamp(c, -1, 1));
}

double sc_body_terrain(const sc_body *b, double lat, double lon, bool *water) {
    for (size_t i = 0; i < b->nland; i++) {
        const sc_land *l = &b->land[i];
        if (surface_distance(b, lat, lon, l->lat, l->lon) <= l->radius) {
            if (water != NULL) {
                *water = false;
            }
            return l->height;
        }
    }
    if (water != NULL) {
        *water = b->ocean_floor < 0;
    }
    return 0;
}

double sc_body_bedrock(const sc_body *b, double lat, double lon) {
    bool water = false;
    double h = sc_body_terrain(b, lat, lon, &water);
    return water ? b->ocean_floor : h;
}

/* Interpolate the atmosphere table: log-linear for pressure and density,
 * linear for temperature; nothing above the atmosphere. */
static double atmo(const sc_body *b, double alt, int which) {
    if (!b->has_atmosphere || b->natmo == 0 || alt >= b->atmosphere_depth) {
        return which == 2 && b->natmo > 0 ? b->atmo[b->natmo - 1].temperature : 0;
    }
    const sc_atmo_point *t = b->atmo;
    size_t n = b->natmo;
    if (alt <= t[0].alt) {
        alt = t[0].alt;
    }
    size_t i = 0;
    while (i + 2 < n && alt > t[i + 1].alt) {
        i++;
    }
    const sc_atmo_point *p0 = &t[i], *p1 = &t[i + 1];
    double f = (alt - p0->alt) / (p1->alt - p0->alt);
    if (which == 2) {
        return p0->temperature + f * (p1->temperature - p0->temperature);
    }
    double y0 = which == 0 ? p0->pressure : p0->density;
    double y1 = which == 0 ? p1->pressure : p1->density;
    if (y0 <= 0 || y1 <= 0) {
        return y0 + f * (y1 - y0);
    }
    return exp(log(y0) + f * (log(y1) - log(y0)));
}

double sc_body_pressure(const sc_body *b, double alt) { return atmo(b, alt, 0); }
double sc_body_density(const sc_body *b, double alt) { return atmo(b, alt, 1); }
double sc_body_temperature(const sc_body *b, double alt) { return atmo(b, alt, 2); }
