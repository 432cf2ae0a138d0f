/*
 * orbit.c - Keplerian orbits from state vectors: the elements kRPC's Orbit
 * class reports, and propagation along the conic (universal variables, so
 * ellipses, parabolas and hyperbolas alike).
 *
 * Element angles use the right-handed system X = world x, Y = world z,
 * Z = world y (north), as KSP does internally (its SwapYZ): an orbit that
 * runs east around the equator has inclination 0.
 */
#include "sc.h"

#include <float.h>
#include <string.h>

static v3 to_rh(v3 a) { return v3_make(a.x, a.z, a.y); }
static v3 from_rh(v3 a) { return v3_make(a.x, a.z, a.y); }

sc_conic sc_conic_from_elements(double mu, double a, double e, double inc, double lan, double argpe,
                                double mean_anomaly, double t) {
    sc_conic c;
    memset(&c, 0, sizeof c);
    c.mu = mu;
    c.t = t;
    double E = sc_ecc_anomaly_from_mean(e, fmod(mean_anomaly, 2 * M_PI));
    double nu = sc_true_from_ecc(e, E);
    double p = a * (1 - e * e);
    double rl = p / (1 + e * cos(nu));
    /* perifocal position and velocity */
    v3 rp = v3_make(rl * cos(nu), rl * sin(nu), 0);
    v3 vp = v3_make(-sqrt(mu / p) * sin(nu), sqrt(mu / p) * (e + cos(nu)), 0);
    /* rotate by argument of periapsis, inclination, longitude of the node */
    double cO = cos(lan), sO = sin(lan), ci = cos(inc), si = sin(inc), cw = cos(argpe), sw = sin(argpe);
    m3 rot = {{{cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si},
               {sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si},
               {sw * si, cw * si, ci}}};
    c.r = from_rh(m3_mul_v(&rot, rp));
    c.v = from_rh(m3_mul_v(&rot, vp));
    return c;
}

static double stumpff_c(double z) {
    if (z > 1e-6) {
        return (1 - cos(sqrt(z))) / z;
    }
    if (z < -1e-6) {
        return (cosh(sqrt(-z)) - 1) / -z;
    }
    return 0.5 - z / 24 + z * z / 720;
}

static double stumpff_s(double z) {
    if (z > 1e-6) {
        double s = sqrt(z);
        return (s - sin(s)) / (s * s * s);
    }
    if (z < -1e-6) {
        double s = sqrt(-z);
        return (sinh(s) - s) / (s * s * s);
    }
    return 1.0 / 6 - z / 120 + z * z / 5040;
}

void sc_conic_at(const sc_conic *c, double t, v3 *r_out, v3 *v_out) {
    double mu = c->mu;
    v3 r0v = c->r, v0v = c->v;
    double r0 = v3_len(r0v);
    double dt = t - c->t;
    if (r0 <= 0 || mu <= 0) {
        *r_out = r0v;
        *v_out = v0v;
        return;
    }
    double v0 = v3_len(v0v);
    double alpha = 2 / r0 - v0 * v0 / mu;
    double sqmu = sqrt(mu);
    if (alpha > 1e-12) {
        /* whole periods change nothing */
        double period = 2 * M_PI * sqrt(1 / (alpha * alpha * alpha) / mu);
        dt = fmod(dt, period);
    }
    if (dt == 0) {
        *r_out = r0v;
        *v_out = v0v;
        return;
    }
    double vr0 = v3_dot(r0v, v0v) / r0;
    double chi;
    if (alpha > 1e-12) {
        chi = sqmu * alpha * dt;
    } else if (alpha < -1e-12) {
        /* Vallado's hyperbolic starting value */
        double a = 1 / alpha;
        double sign = dt >= 0 ? 1 : -1;
        double arg = (-2 * mu * alpha * dt) / (v3_dot(r0v, v0v) + sign * sqrt(-mu * a) * (1 - r0 * alpha));
        chi = arg > 0 ? sign * sqrt(-a) * log(arg) : sqmu * fabs(alpha) * dt;
    } else {
        chi = sqmu * dt / r0;
    }
    for (int i = 0; i < 100; i++) {
        double z = alpha * chi * chi;
        double cz = stumpff_c(z), sz = stumpff_s(z);
        double f = r0 * vr0 / sqmu * chi * chi * cz + (1 - alpha * r0) * chi * chi * chi * sz + r0 * chi -
                   sqmu * dt;
        double df = r0 * vr0 / sqmu * chi * (1 - alpha * chi * chi * sz) + (1 - alpha * r0) * chi * chi * cz + r0;
        if (df == 0) {
            break;
        }
        double step = f / df;
        /* keep Newton from wandering far on wild starting values */
        double limit = fabs(chi) + 1e3 * sqrt(r0);
        if (step > limit) {
            step = limit;
        } else if (step < -limit) {
            step = -limit;
        }
        chi -= step;
        if (fabs(step) < 1e-10 * (1 + fabs(chi))) {
            break;
        }
    }
    double z = alpha * chi * chi;
    double cz = stumpff_c(z), sz = stumpff_s(z);
    double f = 1 - chi * chi / r0 * cz;
    double g = dt - chi * chi * chi / sqmu * sz;
    v3 r = v3_add(v3_scale(r0v, f), v3_scale(v0v, g));
    double rl = v3_len(r);
    double fdot = sqmu / (rl * r0) * (alpha * chi * chi * chi * sz - chi);
    double gdot = 1 - chi * chi / rl * cz;
    *r_out = r;
    *v_out = v3_add(v3_scale(r0v, fdot), v3_scale(v0v, gdot));
}

double sc_ecc_anomaly_from_mean(double e, double m) {
    if (e < 1) {
        double E = e < 0.8 ? m : M_PI;
        for (int i = 0; i < 60; i++) {
            double d = (E - e * sin(E) - m) / (1 - e * cos(E));
            E -= d;
            if (fabs(d) < 1e-14) {
                break;
            }
        }
        return E;
    }
    /* hyperbolic: M = e sinh H - H */
    double H = m == 0 ? 0 : asinh(m / e);
    for (int i = 0; i < 100; i++) {
        double d = (e * sinh(H) - H - m) / (e * cosh(H) - 1);
        H -= d;
        if (fabs(d) < 1e-14) {
            break;
        }
    }
    return H;
}

double sc_true_from_ecc(double e, double E) {
    if (e < 1) {
        return 2 * atan2(sqrt(1 + e) * sin(E / 2), sqrt(1 - e) * cos(E / 2));
    }
    return 2 * atan(sqrt((e + 1) / (e - 1)) * tanh(E / 2));
}

double sc_ecc_from_true(double e, double nu) {
    if (e < 1) {
        return 2 * atan2(sqrt(1 - e) * sin(nu / 2), sqrt(1 + e) * cos(nu / 2));
    }
    return 2 * atanh(sqrt((e - 1) / (e + 1)) * tan(nu / 2));
}

double sc_mean_from_ecc(double e, double E) { return e < 1 ? E - e * sin(E) : e * sinh(E) - E; }

sc_elements sc_elements_of(const sc_conic *c) {
    sc_elements el;
    double mu = c->mu;
    v3 r = to_rh(c->r), v = to_rh(c->v);
    double rl = v3_len(r), vl = v3_len(v);
    v3 h = v3_cross(r, v);
    double hl = v3_len(h);
    double energy = vl * vl / 2 - mu / rl;
    el.a = energy != 0 ? -mu / (2 * energy) : INFINITY;
    v3 ev = v3_sub(v3_scale(v3_cross(v, h), 1 / mu), v3_scale(r, 1 / rl));
    el.e = v3_len(ev);
    el.i = hl > 0 ? acos(sc_clamp(h.z / hl, -1, 1)) : 0;
    v3 n = v3_make(-h.y, h.x, 0);
    double nl = v3_len(n);
    bool equatorial = nl < 1e-9 * (hl > 0 ? hl : 1);
    el.lan = equatorial ? 0 : atan2(n.y, n.x);
    if (el.lan < 0) {
        el.lan += 2 * M_PI;
    }
    bool circular = el.e < 1e-10;
    if (circular) {
        el.argpe = 0;
    } else if (equatorial) {
        el.argpe = atan2(ev.y, ev.x);
        if (h.z < 0) {
            el.argpe = -el.argpe;
        }
    } else {
        el.argpe = acos(sc_clamp(v3_dot(n, ev) / (nl * el.e), -1, 1));
        if (ev.z < 0) {
            el.argpe = 2 * M_PI - el.argpe;
        }
    }
    if (el.argpe < 0) {
        el.argpe += 2 * M_PI;
    }
    /* true anomaly: from periapsis, or from the node / x axis when circular */
    v3 ref = circular ? (equatorial ? v3_make(1, 0, 0) : v3_scale(n, 1 / nl)) : v3_scale(ev, 1 / el.e);
    double nu = acos(sc_clamp(v3_dot(ref, r) / rl, -1, 1));
    if (circular && equatorial) {
        nu = atan2(r.y, r.x);
        if (h.z < 0) {
            nu = -nu;
        }
        if (nu < 0) {
            nu += 2 * M_PI;
        }
    } else if (v3_dot(r, v) < 0 && !circular) {
        nu = 2 * M_PI - nu;
    } else if (circular && r.z < 0) {
        nu = 2 * M_PI - nu;
    }
    el.true_anomaly = nu;
    if (el.e < 1) {
        el.ecc_anomaly = sc_ecc_from_true(el.e, nu);
        if (el.ecc_anomaly < 0) {
            el.ecc_anomaly += 2 * M_PI;
        }
        el.mean_anomaly = sc_mean_from_ecc(el.e, el.ecc_anomaly);
        el.n = sqrt(mu / (el.a * el.a * el.a));
        el.period = 2 * M_PI / el.n;
        el.ap = el.a * (1 + el.e);
        el.pe = el.a * (1 - el.e);
    } else {
        double nuh = nu > M_PI ? nu - 2 * M_PI : nu;
        el.true_anomaly = nuh;
        el.ecc_anomaly = el.e > 1 ? sc_ecc_from_true(el.e, nuh) : 0;
        el.mean_anomaly = sc_mean_from_ecc(el.e, el.ecc_anomaly);
        el.n = el.a < 0 ? sqrt(mu / (-el.a * el.a * -el.a)) : 0;
        el.period = INFINITY;
        el.ap = el.a * (1 + el.e);
        el.pe = isfinite(el.a) ? el.a * (1 - el.e) : hl * hl / (2 * mu);
    }
    return el;
}

double sc_mean_anomaly_at(const sc_conic *c, double t) {
    sc_elements el = sc_elements_of(c);
    double m = el.mean_anomaly + el.n * (t - c->t);
    if (el.e < 1) {
        m = fmod(m, 2 * M_PI);
        if (m < 0) {
            m += 2 * M_PI;
        }
    }
    return m;
}

/* Time from the conic's epoch until it next passes true anomaly nu (for
 * hyperbolas: the signed time to that anomaly). */
double sc_conic_time_to_true_anomaly(const sc_conic *c, double nu) {
    sc_elements el = sc_elements_of(c);
    if (el.e < 1) {
        double E = sc_ecc_from_true(el.e, nu);
        double m = sc_mean_from_ecc(el.e, E);
        double dm = fmod(m - el.mean_anomaly, 2 * M_PI);
        if (dm < 0) {
            dm += 2 * M_PI;
        }
        return dm / el.n;
    }
    if (el.n <= 0) {
        return INFINITY;
    }
    double H = sc_ecc_from_true(el.e, nu);
    double m = sc_mean_from_ecc(el.e, H);
    return (m - el.mean_anomaly) / el.n;
}
