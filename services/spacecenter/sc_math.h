/*
 * sc_math.h - vectors, 3x3 rotation matrices and quaternions for the mock
 * game.
 *
 * Conventions. All components are in kRPC's left-handed axes, but every
 * formula here is the plain component formula (cross product, quaternion
 * product), exactly as kRPC's own code applies them. With those formulas:
 *   - a vector fixed in a frame spinning at angular velocity w moves as
 *     dv/dt = cross(w, v), so Kerbin's spin in its non-rotating frame is
 *     (0, -omega, 0) (kRPC's test_body.py reads the same);
 *   - a rotation matrix has the frame's x, y and z axes as its columns and
 *     maps frame components to world components; its quaternion (x, y, z, w)
 *     does the same with the usual q v q^-1 product.
 */
#ifndef KRPC_SPACECENTER_SC_MATH_H
#define KRPC_SPACECENTER_SC_MATH_H

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct v3 {
    double x, y, z;
} v3;

typedef struct quat {
    double x, y, z, w;
} quat;

/* m[row][col]; the columns are the axes of a frame in world components. */
typedef struct m3 {
    double m[3][3];
} m3;

static inline v3 v3_make(double x, double y, double z) {
    v3 r = {x, y, z};
    return r;
}
static inline v3 v3_zero(void) { return v3_make(0, 0, 0); }
static inline v3 v3_add(v3 a, v3 b) { return v3_make(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline v3 v3_sub(v3 a, v3 b) { return v3_make(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline v3 v3_scale(v3 a, double s) { return v3_make(a.x * s, a.y * s, a.z * s); }
static inline v3 v3_neg(v3 a) { return v3_make(-a.x, -a.y, -a.z); }
static inline double v3_dot(v3 a, v3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline v3 v3_cross(v3 a, v3 b) {
    return v3_make(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static inline double v3_len(v3 a) { return sqrt(v3_dot(a, a)); }
static inline double v3_len2(v3 a) { return v3_dot(a, a); }
static inline v3 v3_norm(v3 a) {
    double l = v3_len(a);
    return l > 0 ? v3_scale(a, 1.0 / l) : v3_zero();
}
static inline v3 v3_axpy(v3 y, double a, v3 x) { return v3_make(y.x + a * x.x, y.y + a * x.y, y.z + a * x.z); }
/* The part of a perpendicular to the unit vector n. */
static inline v3 v3_exclude(v3 n, v3 a) { return v3_sub(a, v3_scale(n, v3_dot(a, n))); }
/* Angle between two vectors in radians (0 if either is zero). */
static inline double v3_angle(v3 a, v3 b) {
    double la = v3_len(a), lb = v3_len(b);
    if (la == 0 || lb == 0) {
        return 0;
    }
    return atan2(v3_len(v3_cross(a, b)), v3_dot(a, b));
}

static inline m3 m3_identity(void) {
    m3 r = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
    return r;
}
static inline m3 m3_columns(v3 x, v3 y, v3 z) {
    m3 r = {{{x.x, y.x, z.x}, {x.y, y.y, z.y}, {x.z, y.z, z.z}}};
    return r;
}
static inline v3 m3_col(const m3 *a, int c) { return v3_make(a->m[0][c], a->m[1][c], a->m[2][c]); }
static inline v3 m3_mul_v(const m3 *a, v3 v) {
    return v3_make(a->m[0][0] * v.x + a->m[0][1] * v.y + a->m[0][2] * v.z,
                   a->m[1][0] * v.x + a->m[1][1] * v.y + a->m[1][2] * v.z,
                   a->m[2][0] * v.x + a->m[2][1] * v.y + a->m[2][2] * v.z);
}
/* transpose(a) * v: world components to frame components. */
static inline v3 m3_tmul_v(const m3 *a, v3 v) {
    return v3_make(a->m[0][0] * v.x + a->m[1][0] * v.y + a->m[2][0] * v.z,
                   a->m[0][1] * v.x + a->m[1][1] * v.y + a->m[2][1] * v.z,
                   a->m[0][2] * v.x + a->m[1][2] * v.y + a->m[2][2] * v.z);
}
static inline m3 m3_mul(const m3 *a, const m3 *b) {
    m3 r;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            r.m[i][j] = a->m[i][0] * b->m[0][j] + a->m[i][1] * b->m[1][j] + a->m[i][2] * b->m[2][j];
        }
    }
    return r;
}
static inline m3 m3_transpose(const m3 *a) {
    m3 r;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            r.m[i][j] = a->m[j][i];
        }
    }
    return r;
}

static inline quat quat_identity(void) {
    quat q = {0, 0, 0, 1};
    return q;
}
static inline quat quat_mul(quat a, quat b) {
    quat r = {a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y, a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
              a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w, a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z};
    return r;
}
static inline quat quat_conj(quat q) {
    quat r = {-q.x, -q.y, -q.z, q.w};
    return r;
}
static inline quat quat_normalize(quat q) {
    double l = sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
    if (l == 0) {
        return quat_identity();
    }
    quat r = {q.x / l, q.y / l, q.z / l, q.w / l};
    return r;
}
static inline quat quat_axis_angle(v3 axis, double angle) {
    v3 n = v3_norm(axis);
    double s = sin(angle / 2);
    quat q = {n.x * s, n.y * s, n.z * s, cos(angle / 2)};
    return q;
}
static inline m3 quat_to_m3(quat q) {
    double x = q.x, y = q.y, z = q.z, w = q.w;
    m3 r = {{{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
             {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
             {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}}};
    return r;
}
static inline v3 quat_rotate(quat q, v3 v) {
    m3 r = quat_to_m3(q);
    return m3_mul_v(&r, v);
}
static inline quat m3_to_quat(const m3 *a) {
    const double (*m)[3] = a->m;
    double tr = m[0][0] + m[1][1] + m[2][2];
    quat q;
    if (tr > 0) {
        double s = sqrt(tr + 1.0) * 2;
        q.w = 0.25 * s;
        q.x = (m[2][1] - m[1][2]) / s;
        q.y = (m[0][2] - m[2][0]) / s;
        q.z = (m[1][0] - m[0][1]) / s;
    } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
        double s = sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]) * 2;
        q.w = (m[2][1] - m[1][2]) / s;
        q.x = 0.25 * s;
        q.y = (m[0][1] + m[1][0]) / s;
        q.z = (m[0][2] + m[2][0]) / s;
    } else if (m[1][1] > m[2][2]) {
        double s = sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]) * 2;
        q.w = (m[0][2] - m[2][0]) / s;
        q.x = (m[0][1] + m[1][0]) / s;
        q.y = 0.25 * s;
        q.z = (m[1][2] + m[2][1]) / s;
    } else {
        double s = sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]) * 2;
        q.w = (m[1][0] - m[0][1]) / s;
        q.x = (m[0][2] + m[2][0]) / s;
        q.y = (m[1][2] + m[2][1]) / s;
        q.z = 0.25 * s;
    }
    return quat_normalize(q);
}

/* A right-handed-by-formula orthonormal frame with y along up and z as close
 * to forward as possible (Unity's LookRotation(forward, up) with forward
 * orthogonalised against up): x = cross(y, z). Falls back to any
 * perpendicular when forward is parallel to up. */
static inline m3 m3_look(v3 up, v3 forward) {
    v3 y = v3_norm(up);
    v3 z = v3_exclude(y, forward);
    if (v3_len2(z) < 1e-18) {
        z = v3_exclude(y, fabs(y.x) < 0.9 ? v3_make(1, 0, 0) : v3_make(0, 0, 1));
    }
    z = v3_norm(z);
    v3 x = v3_cross(y, z);
    return m3_columns(x, y, z);
}

static inline double sc_deg(double rad) { return rad * 180.0 / M_PI; }
static inline double sc_rad(double deg) { return deg * M_PI / 180.0; }
static inline double sc_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

#endif
