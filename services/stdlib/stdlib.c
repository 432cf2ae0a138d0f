/* StdLib (v070-final.md 5): members in the order of the 0.7.0 reference
 * documentation as far as it could be read (Pi ... Round), then as the
 * design and the intermediate sources list them. Vectors are
 * tuple(double,double,double); rotations are quaternions
 * tuple(double,double,double,double) in the order x, y, z, w; angles are in
 * radians. Errors are KRPC.ArgumentException unless said otherwise. */
#include "stdlib.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC "tuple(double,double,double)"
#define QUAT "tuple(double,double,double,double)"

typedef struct vec3 {
    double x, y, z;
} vec3;

typedef struct quat {
    double x, y, z, w;
} quat;

/* ---- values ------------------------------------------------------------ */

static vec3 get_vec(const krpc_value *v) {
    const krpc_value *i = v->u.seq.items;
    return (vec3){i[0].u.d, i[1].u.d, i[2].u.d};
}

static quat get_quat(const krpc_value *v) {
    const krpc_value *i = v->u.seq.items;
    return (quat){i[0].u.d, i[1].u.d, i[2].u.d, i[3].u.d};
}

static int tuple_result(krpc_call *call, krpc_value *result, const double *d, size_t n) {
    krpc_value *items = krpc_alloc(call, n * sizeof *items);
    memset(items, 0, n * sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i].u.d = d[i];
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

static int vec_result(krpc_call *call, krpc_value *result, vec3 v) {
    double d[3] = {v.x, v.y, v.z};
    return tuple_result(call, result, d, 3);
}

static int quat_result(krpc_call *call, krpc_value *result, quat q) {
    double d[4] = {q.x, q.y, q.z, q.w};
    return tuple_result(call, result, d, 4);
}

static int dbl(krpc_value *result, double x) {
    result->u.d = x;
    return KRPC_OK;
}

/* ---- vector helpers ------------------------------------------------------ */

static vec3 vadd(vec3 a, vec3 b) { return (vec3){a.x + b.x, a.y + b.y, a.z + b.z}; }
static vec3 vsub(vec3 a, vec3 b) { return (vec3){a.x - b.x, a.y - b.y, a.z - b.z}; }
static vec3 vscale(vec3 a, double s) { return (vec3){a.x * s, a.y * s, a.z * s}; }
static double vdot(vec3 a, vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static vec3 vcross(vec3 a, vec3 b) {
    return (vec3){a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

/* The length, scaled by the largest component so that it neither overflows
 * nor underflows. */
static double vnorm(vec3 v) {
    double m = fmax(fabs(v.x), fmax(fabs(v.y), fabs(v.z)));
    if (m == 0 || isinf(m) || isnan(m))
        return isnan(v.x + v.y + v.z) ? NAN : m;
    vec3 s = {v.x / m, v.y / m, v.z / m};
    return m * sqrt(vdot(s, s));
}

/* v / |v|, for any finite non-zero vector (false for a zero one). */
static bool vunit(vec3 v, vec3 *out) {
    double m = fmax(fabs(v.x), fmax(fabs(v.y), fabs(v.z)));
    if (!(m > 0) || isinf(m))
        return false;
    vec3 s = {v.x / m, v.y / m, v.z / m};
    double n = sqrt(vdot(s, s));
    *out = (vec3){s.x / n, s.y / n, s.z / n};
    return true;
}

/* The angle between two non-zero vectors, in [0, pi], precise near 0 and
 * pi (atan2 of the sine and cosine parts). */
static double vangle(vec3 u, vec3 v) { return atan2(vnorm(vcross(u, v)), vdot(u, v)); }

/* ---- quaternion helpers -------------------------------------------------- */

static double qnorm(quat q) {
    double m = fmax(fmax(fabs(q.x), fabs(q.y)), fmax(fabs(q.z), fabs(q.w)));
    if (m == 0 || isinf(m) || isnan(m))
        return m;
    double x = q.x / m, y = q.y / m, z = q.z / m, w = q.w / m;
    return m * sqrt(x * x + y * y + z * z + w * w);
}

static bool qunit(quat q, quat *out) {
    double n = qnorm(q);
    if (!(n > 0) || isinf(n))
        return false;
    *out = (quat){q.x / n, q.y / n, q.z / n, q.w / n};
    return true;
}

static quat qmul(quat q, quat r) {
    return (quat){q.w * r.x + q.x * r.w + q.y * r.z - q.z * r.y, q.w * r.y - q.x * r.z + q.y * r.w + q.z * r.x,
                  q.w * r.z + q.x * r.y - q.y * r.x + q.z * r.w, q.w * r.w - q.x * r.x - q.y * r.y - q.z * r.z};
}

static double qdot(quat a, quat b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }

static quat qneg(quat q) { return (quat){-q.x, -q.y, -q.z, -q.w}; }

/* A unit quaternion's rotation of v. */
static vec3 qrotate(quat q, vec3 v) {
    vec3 axis = {q.x, q.y, q.z};
    vec3 t = vscale(vcross(axis, v), 2);
    return vadd(vadd(v, vscale(t, q.w)), vcross(axis, t));
}

static int zero_quaternion(krpc_call *call) {
    return krpc_raise(call, KRPC_ERR_ARGUMENT, "The quaternion is zero, so it is not a rotation");
}

/* The angle between two unit vectors of any dimension, precise everywhere:
 * 2 atan2(|a - b|, |a + b|). */
static double qhalf_angle(quat a, quat b) {
    quat d = {a.x - b.x, a.y - b.y, a.z - b.z, a.w - b.w};
    quat s = {a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w};
    return 2 * atan2(qnorm(d), qnorm(s));
}

/* ---- scalar procedures ---------------------------------------------------- */

static int get_pi(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return dbl(result, M_PI);
}

static int get_e(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return dbl(result, M_E);
}

#define UNARY(fname, expr)                                                           \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        (void)call;                                                                  \
        double x = args[0].u.d;                                                      \
        return dbl(result, (expr));                                                  \
    }

UNARY(std_abs, fabs(x))
UNARY(std_floor, floor(x))
UNARY(std_ceiling, ceil(x))
UNARY(std_sqrt, sqrt(x))
UNARY(std_exp, exp(x))
UNARY(std_log10, log10(x))
UNARY(std_sin, sin(x))
UNARY(std_cos, cos(x))
UNARY(std_tan, tan(x))
UNARY(std_asin, asin(x))
UNARY(std_acos, acos(x))
UNARY(std_atan, atan(x))
UNARY(std_deg_to_rad, x * (M_PI / 180.0))
UNARY(std_rad_to_deg, x * (180.0 / M_PI))

static int std_sign(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    double x = args[0].u.d;
    result->u.i32 = x > 0 ? 1 : x < 0 ? -1 : 0; /* 0 for zero and NaN */
    return KRPC_OK;
}

static int std_copy_sign(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, copysign(args[0].u.d, args[1].u.d));
}

static int std_is_nan(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    result->u.b = isnan(args[0].u.d);
    return KRPC_OK;
}

static int std_is_finite(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    result->u.b = isfinite(args[0].u.d);
    return KRPC_OK;
}

/* Rounding to decimal places, decided on the exact binary value of x (2.675
 * is 2.67499999..., so Round(2.675, 2) is 2.67, as in Python). x is printed
 * exactly (glibc prints every digit of a double), rounded as a decimal
 * string, and read back. */
enum { HALF_EVEN, HALF_AWAY, HALF_UP };

static int round_digits(krpc_call *call, double x, int32_t digits, int mode, krpc_value *result) {
    if (!isfinite(x) || x == 0 || digits > 323)
        return dbl(result, x);
    if (digits < -308)
        return dbl(result, mode == HALF_UP && x < 0 ? 0.0 : copysign(0.0, x));
    bool neg = x < 0;
    char buf[1600];
    int len = snprintf(buf, sizeof buf, "%.1100f", fabs(x));
    if (len <= 0 || (size_t)len >= sizeof buf)
        return dbl(result, x);
    char *dot = strchr(buf, '.');
    int intlen = (int)(dot - buf);
    /* the digits without the point: value = D * 10^-1100 */
    char d[1600];
    memcpy(d, buf, (size_t)intlen);
    strcpy(d + intlen, dot + 1);
    int nd = (int)strlen(d);
    int keep = intlen + digits; /* leading digits kept */
    bool up;
    if (keep < 0) {
        up = false; /* below half of the rounding unit */
    } else {
        const char *rest = d + keep;
        bool tie = false;
        if (keep >= nd || rest[0] < '5') {
            up = false;
        } else if (rest[0] > '5') {
            up = true;
        } else {
            bool more = false;
            for (const char *p = rest + 1; *p; p++)
                if (*p != '0')
                    more = true;
            up = more;
            tie = !more;
        }
        if (tie) {
            if (mode == HALF_EVEN)
                up = keep > 0 && (d[keep - 1] - '0') % 2 == 1;
            else if (mode == HALF_AWAY)
                up = true;
            else
                up = !neg; /* toward +infinity */
        }
    }
    if (keep <= 0 && !up)
        return dbl(result, mode == HALF_UP && neg ? 0.0 : copysign(0.0, x));
    /* the kept digits (at least one), plus one in the last place if up */
    char head[1700];
    int hn = keep > 0 ? keep : 1;
    if (keep > 0)
        memcpy(head + 1, d, (size_t)keep);
    else
        head[1] = '0';
    head[0] = '0'; /* room for a carry */
    if (up) {
        int i = hn;
        while (head[i] == '9')
            head[i--] = '0';
        head[i]++;
    }
    /* the kept digits count units of 10^-digits */
    char num[1800];
    snprintf(num, sizeof num, "%s%.*se%d", neg ? "-" : "", hn + 1, head, -digits);
    double r = strtod(num, NULL);
    if (isinf(r))
        return krpc_raise(call, KRPC_ERR_OVERFLOW, "Value was either too large or too small for a Double.");
    return dbl(result, r);
}

static int std_round(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return round_digits(call, args[0].u.d, args[1].u.i32, HALF_EVEN, result);
}

static int std_round_away(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return round_digits(call, args[0].u.d, args[1].u.i32, HALF_AWAY, result);
}

static int std_round_up(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return round_digits(call, args[0].u.d, args[1].u.i32, HALF_UP, result);
}

static int std_log(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    double x = args[0].u.d, base = args[1].u.d;
    if (base == M_E)
        return dbl(result, log(x));
    /* .NET's Math.Log(a, newBase) */
    if (isnan(x) || isnan(base) || base == 1 || (x != 1 && (base == 0 || isinf(base))) || base < 0)
        return dbl(result, NAN);
    return dbl(result, log(x) / log(base));
}

static int std_atan2(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, atan2(args[0].u.d, args[1].u.d));
}

/* .NET's Math.Min/Max: NaN if either is NaN; -0 below +0. */
static int std_min(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    double x = args[0].u.d, y = args[1].u.d;
    if (isnan(x) || isnan(y))
        return dbl(result, NAN);
    if (x == y)
        return dbl(result, signbit(x) ? x : y);
    return dbl(result, x < y ? x : y);
}

static int std_max(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    double x = args[0].u.d, y = args[1].u.d;
    if (isnan(x) || isnan(y))
        return dbl(result, NAN);
    if (x == y)
        return dbl(result, signbit(x) ? y : x);
    return dbl(result, x > y ? x : y);
}

static int std_clamp(krpc_call *call, const krpc_value *args, krpc_value *result) {
    double x = args[0].u.d, lo = args[1].u.d, hi = args[2].u.d;
    if (lo > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "The minimum %.17g cannot be greater than the maximum %.17g", lo, hi);
        return krpc_raise(call, KRPC_ERR_ARGUMENT, msg);
    }
    return dbl(result, x < lo ? lo : x > hi ? hi : x);
}

static int std_hypot(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, hypot(args[0].u.d, args[1].u.d));
}

/* Exact at both ends, extrapolating outside [0, 1]. */
static double lerp(double a, double b, double t) {
    if (t == 0)
        return a;
    if (t == 1)
        return b;
    return (1 - t) * a + t * b;
}

static int std_lerp(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, lerp(args[0].u.d, args[1].u.d, args[2].u.d));
}

static int std_inverse_lerp(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    double a = args[0].u.d, b = args[1].u.d, v = args[2].u.d;
    if (a == b)
        return dbl(result, 0);
    double t = (v - a) / (b - a);
    return dbl(result, t < 0 ? 0 : t > 1 ? 1 : t);
}

/* ---- vectors ------------------------------------------------------------ */

static int vec_add(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return vec_result(call, result, vadd(get_vec(&args[0]), get_vec(&args[1])));
}

static int vec_subtract(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return vec_result(call, result, vsub(get_vec(&args[0]), get_vec(&args[1])));
}

static int vec_scale(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return vec_result(call, result, vscale(get_vec(&args[0]), args[1].u.d));
}

static int vec_dot(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, vdot(get_vec(&args[0]), get_vec(&args[1])));
}

static int vec_cross(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return vec_result(call, result, vcross(get_vec(&args[0]), get_vec(&args[1])));
}

static int vec_magnitude(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, vnorm(get_vec(&args[0])));
}

static int vec_normalize(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 u;
    if (!vunit(get_vec(&args[0]), &u))
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Cannot normalize a zero or infinite vector");
    return vec_result(call, result, u);
}

static int vec_distance(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    return dbl(result, vnorm(vsub(get_vec(&args[0]), get_vec(&args[1]))));
}

static int vec_angle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 u = get_vec(&args[0]), v = get_vec(&args[1]);
    if (vnorm(u) == 0 || vnorm(v) == 0)
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Cannot compute the angle of a zero vector");
    return dbl(result, vangle(u, v));
}

static int vec_lerp(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 u = get_vec(&args[0]), v = get_vec(&args[1]);
    double t = args[2].u.d;
    return vec_result(call, result, (vec3){lerp(u.x, v.x, t), lerp(u.y, v.y, t), lerp(u.z, v.z, t)});
}

/* ---- quaternions ------------------------------------------------------- */

static int quat_multiply(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q = get_quat(&args[0]), r = get_quat(&args[1]);
    if (qnorm(q) == 0 || qnorm(r) == 0)
        return zero_quaternion(call);
    return quat_result(call, result, qmul(q, r));
}

static int quat_inverse(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q = get_quat(&args[0]);
    double n = qnorm(q);
    if (!(n > 0))
        return zero_quaternion(call);
    quat u = {q.x / n, q.y / n, q.z / n, q.w / n};
    return quat_result(call, result, (quat){-u.x / n, -u.y / n, -u.z / n, u.w / n});
}

static int quat_rotate_vector(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q;
    if (!qunit(get_quat(&args[0]), &q))
        return zero_quaternion(call);
    return vec_result(call, result, qrotate(q, get_vec(&args[1])));
}

static int quat_from_axis_angle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 axis;
    if (!vunit(get_vec(&args[0]), &axis))
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The axis of rotation is a zero vector");
    double half = args[1].u.d / 2, s = sin(half);
    return quat_result(call, result, (quat){axis.x * s, axis.y * s, axis.z * s, cos(half)});
}

static int quat_angle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q, r;
    if (!qunit(get_quat(&args[0]), &q) || !qunit(get_quat(&args[1]), &r))
        return zero_quaternion(call);
    if (qdot(q, r) < 0)
        r = qneg(r); /* q and -q are the same rotation */
    return dbl(result, 2 * qhalf_angle(q, r));
}

static int quat_slerp(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q, r;
    if (!qunit(get_quat(&args[0]), &q) || !qunit(get_quat(&args[1]), &r))
        return zero_quaternion(call);
    double t = args[2].u.d;
    if (qdot(q, r) < 0)
        r = qneg(r); /* the shorter arc */
    double theta = qhalf_angle(q, r); /* the angle between them on the 4D sphere */
    double a, b;
    if (theta < 1e-8) {
        a = 1 - t;
        b = t;
    } else {
        double s = sin(theta);
        a = sin((1 - t) * theta) / s;
        b = sin(t * theta) / s;
    }
    quat m = {a * q.x + b * r.x, a * q.y + b * r.y, a * q.z + b * r.z, a * q.w + b * r.w};
    quat u;
    if (!qunit(m, &u))
        u = m;
    return quat_result(call, result, u);
}

static int quat_to_axis_angle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    quat q;
    if (!qunit(get_quat(&args[0]), &q))
        return zero_quaternion(call);
    if (q.w < 0)
        q = qneg(q); /* the angle in [0, pi] */
    vec3 v = {q.x, q.y, q.z};
    double s = vnorm(v);
    vec3 axis = {0, 0, 0};
    if (s > 0)
        axis = vscale(v, 1 / s);
    double angle = 2 * atan2(s, q.w);
    krpc_value *items = krpc_alloc(call, 2 * sizeof *items);
    memset(items, 0, 2 * sizeof *items);
    vec_result(call, &items[0], axis);
    items[1].u.d = angle;
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

/* A unit vector perpendicular to unit vector v. */
static vec3 perpendicular(vec3 v) {
    vec3 other = fabs(v.x) < 0.9 ? (vec3){1, 0, 0} : (vec3){0, 1, 0};
    vec3 p = {0, 0, 1};
    vunit(vcross(v, other), &p);
    return p;
}

static int quat_from_to_rotation(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 f = {0, 0, 0}, t = {0, 0, 0};
    if (!vunit(get_vec(&args[0]), &f) || !vunit(get_vec(&args[1]), &t))
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Cannot rotate from or to a zero vector");
    vec3 h = {0, 0, 0};
    if (!vunit(vadd(f, t), &h) || vnorm(vadd(f, t)) < 1e-12) {
        vec3 axis = perpendicular(f); /* opposite: a half turn about any perpendicular axis */
        return quat_result(call, result, (quat){axis.x, axis.y, axis.z, 0});
    }
    /* the rotation by twice the angle between f and the half-way vector */
    vec3 c = vcross(f, h);
    quat q = {c.x, c.y, c.z, vdot(f, h)};
    quat u = q;
    qunit(q, &u);
    return quat_result(call, result, u);
}

/* Unity's Quaternion.LookRotation: z along forward, y as close to up as
 * possible (x = up x forward). */
static int quat_look_rotation(krpc_call *call, const krpc_value *args, krpc_value *result) {
    vec3 z = {0, 0, 1}, up = {0, 1, 0}, x = {1, 0, 0}, y;
    if (!vunit(get_vec(&args[0]), &z))
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The forward direction is a zero vector");
    if (!vunit(get_vec(&args[1]), &up) || !vunit(vcross(up, z), &x) || vnorm(vcross(up, z)) < 1e-12)
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The forward and up directions are parallel");
    y = vcross(z, x);
    /* the quaternion of the rotation matrix with columns x, y, z */
    double m00 = x.x, m11 = y.y, m22 = z.z, tr = m00 + m11 + m22;
    quat q;
    if (tr > 0) {
        double s = sqrt(tr + 1) * 2;
        q = (quat){(y.z - z.y) / s, (z.x - x.z) / s, (x.y - y.x) / s, s / 4};
    } else if (m00 > m11 && m00 > m22) {
        double s = sqrt(1 + m00 - m11 - m22) * 2;
        q = (quat){s / 4, (y.x + x.y) / s, (z.x + x.z) / s, (y.z - z.y) / s};
    } else if (m11 > m22) {
        double s = sqrt(1 + m11 - m00 - m22) * 2;
        q = (quat){(y.x + x.y) / s, s / 4, (z.y + y.z) / s, (z.x - x.z) / s};
    } else {
        double s = sqrt(1 + m22 - m00 - m11) * 2;
        q = (quat){(z.x + x.z) / s, (z.y + y.z) / s, s / 4, (x.y - y.x) / s};
    }
    quat u = q;
    qunit(q, &u);
    return quat_result(call, result, u);
}

/* ---- Print --------------------------------------------------------------- */

static int std_print(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    krpc_host *host = call->api->host(call);
    if (host)
        call->api->log(host, KRPC_LOG_INFO, args[0].u.s.data);
    return KRPC_OK;
}

/* ---- declarations ---------------------------------------------------------- */

#define P1(n, t, d) ((const krpc_param_decl[]){{n, t, NULL, d}, {0}})
#define X_ ((const krpc_param_decl[]){{"x", "double", NULL, NULL}, {0}})
#define XY_ ((const krpc_param_decl[]){{"x", "double", NULL, NULL}, {"y", "double", NULL, NULL}, {0}})
#define UV_ ((const krpc_param_decl[]){{"u", VEC, NULL, NULL}, {"v", VEC, NULL, NULL}, {0}})
#define QR_ ((const krpc_param_decl[]){{"q", QUAT, NULL, NULL}, {"r", QUAT, NULL, NULL}, {0}})
#define ROUND_(d)                                                                                         \
    ((const krpc_param_decl[]){{"x", "double", NULL, NULL},                                             \
                               {"digits", "sint32", "0",                                                \
                                "The number of decimal places; negative to round to tens, hundreds and " \
                                "beyond."},                                                              \
                               {0}})
#define PROC(nm, f, ps, ret, d) {.name = nm, .fn = f, .params = ps, .returns = ret, .doc = d}

const krpc_procedure_decl krpc_stdlib_procedures[] = {
    PROC("Abs", std_abs, X_, "double", "The absolute value of a number."),
    PROC("Sign", std_sign, X_, "sint32", "The sign of a number: -1 if it is negative, 1 if it is positive, and 0 if it is zero or NaN."),
    PROC("CopySign", std_copy_sign, XY_, "double", "A number with the magnitude of x and the sign of y."),
    PROC("IsNan", std_is_nan, X_, "bool", "Whether a number is NaN (not a number)."),
    PROC("IsFinite", std_is_finite, X_, "bool", "Whether a number is neither infinite nor NaN."),
    PROC("Floor", std_floor, X_, "double", "The largest whole number less than or equal to a number."),
    PROC("Ceiling", std_ceiling, X_, "double", "The smallest whole number greater than or equal to a number."),
    PROC("Round", std_round, ROUND_(0), "double",
         "A number rounded to a number of decimal places, a halfway value to the nearer even number. "
         "Decided on the exact binary value of the number, as Python's round does."),
    PROC("RoundHalfAwayFromZero", std_round_away, ROUND_(0), "double",
         "A number rounded to a number of decimal places, a halfway value away from zero."),
    PROC("RoundHalfUp", std_round_up, ROUND_(0), "double",
         "A number rounded to a number of decimal places, a halfway value toward positive infinity."),
    PROC("Sqrt", std_sqrt, X_, "double", "The square root of a number."),
    PROC("Exp", std_exp, X_, "double", "The number e raised to a power."),
    PROC("Log10", std_log10, X_, "double", "The base 10 logarithm of a number."),
    PROC("Sin", std_sin, X_, "double", "The sine of an angle in radians."),
    PROC("Cos", std_cos, X_, "double", "The cosine of an angle in radians."),
    PROC("Tan", std_tan, X_, "double", "The tangent of an angle in radians."),
    PROC("Asin", std_asin, X_, "double", "The angle in radians whose sine is a number."),
    PROC("Acos", std_acos, X_, "double", "The angle in radians whose cosine is a number."),
    PROC("Atan", std_atan, X_, "double", "The angle in radians whose tangent is a number."),
    PROC("Log", std_log,
         ((const krpc_param_decl[]){{"x", "double", NULL, NULL},
                                    {"newBase", "double", "2.718281828459045", "The base of the logarithm."},
                                    {0}}),
         "double", "The logarithm of a number, natural unless another base is given."),
    PROC("Atan2", std_atan2, ((const krpc_param_decl[]){{"y", "double", NULL, NULL}, {"x", "double", NULL, NULL}, {0}}),
         "double", "The angle in radians between the positive x axis and the point (x, y)."),
    PROC("Min", std_min, XY_, "double", "The smaller of two numbers."),
    PROC("Max", std_max, XY_, "double", "The larger of two numbers."),
    PROC("Clamp", std_clamp,
         ((const krpc_param_decl[]){{"x", "double", NULL, "The number."},
                                    {"min", "double", NULL, "The lower end of the range."},
                                    {"max", "double", NULL, "The upper end of the range."},
                                    {0}}),
         "double", "A number limited to a range."),
    PROC("DegreesToRadians", std_deg_to_rad, X_, "double", "An angle in degrees converted to radians."),
    PROC("RadiansToDegrees", std_rad_to_deg, X_, "double", "An angle in radians converted to degrees."),
    PROC("Hypot", std_hypot, XY_, "double", "The length of the hypotenuse of a right triangle, without overflow."),
    PROC("Lerp", std_lerp,
         ((const krpc_param_decl[]){{"a", "double", NULL, "The value when t is 0."},
                                    {"b", "double", NULL, "The value when t is 1."},
                                    {"t", "double", NULL, "The interpolation parameter."},
                                    {0}}),
         "double", "Linear interpolation between two numbers (extrapolating outside 0 to 1)."),
    PROC("InverseLerp", std_inverse_lerp,
         ((const krpc_param_decl[]){{"a", "double", NULL, NULL},
                                    {"b", "double", NULL, NULL},
                                    {"value", "double", NULL, NULL},
                                    {0}}),
         "double", "Where a value lies between two numbers, from 0 to 1 (0 when they are equal)."),
    PROC("VectorAdd", vec_add, UV_, VEC, "The sum of two vectors."),
    PROC("VectorSubtract", vec_subtract, UV_, VEC, "The difference of two vectors."),
    PROC("VectorScale", vec_scale,
         ((const krpc_param_decl[]){{"v", VEC, NULL, NULL}, {"scale", "double", NULL, "The factor."}, {0}}), VEC,
         "A vector multiplied by a number."),
    PROC("VectorDot", vec_dot, UV_, "double", "The dot product of two vectors."),
    PROC("VectorCross", vec_cross, UV_, VEC, "The cross product of two vectors."),
    PROC("VectorMagnitude", vec_magnitude, P1("v", VEC, NULL), "double", "The length of a vector."),
    PROC("VectorNormalize", vec_normalize, P1("v", VEC, NULL), VEC, "A vector scaled to length 1."),
    PROC("VectorDistance", vec_distance, UV_, "double", "The distance between two positions."),
    PROC("VectorAngle", vec_angle, UV_, "double", "The angle between two vectors, from 0 to pi."),
    PROC("VectorLerp", vec_lerp,
         ((const krpc_param_decl[]){{"u", VEC, NULL, NULL}, {"v", VEC, NULL, NULL}, {"t", "double", NULL, NULL}, {0}}),
         VEC, "Linear interpolation between two vectors."),
    PROC("QuaternionMultiply", quat_multiply, QR_, QUAT, "The rotation r followed by the rotation q."),
    PROC("QuaternionInverse", quat_inverse, P1("q", QUAT, NULL), QUAT, "The inverse of a rotation."),
    PROC("QuaternionRotateVector", quat_rotate_vector,
         ((const krpc_param_decl[]){{"q", QUAT, NULL, NULL}, {"v", VEC, NULL, NULL}, {0}}), VEC,
         "A vector rotated by a rotation."),
    PROC("QuaternionFromAxisAngle", quat_from_axis_angle,
         ((const krpc_param_decl[]){{"axis", VEC, NULL, NULL}, {"angle", "double", NULL, NULL}, {0}}), QUAT,
         "The rotation about an axis by an angle in radians."),
    PROC("QuaternionAngle", quat_angle, QR_, "double", "The angle between two rotations, from 0 to pi."),
    PROC("QuaternionSlerp", quat_slerp,
         ((const krpc_param_decl[]){{"q", QUAT, NULL, NULL}, {"r", QUAT, NULL, NULL}, {"t", "double", NULL, NULL}, {0}}),
         QUAT, "Spherical linear interpolation between two rotations, along the shorter arc."),
    PROC("QuaternionToAxisAngle", quat_to_axis_angle, P1("q", QUAT, NULL), "tuple(" VEC ",double)",
         "The unit axis (zero for no rotation) and the angle, from 0 to pi, of a rotation."),
    PROC("QuaternionFromToRotation", quat_from_to_rotation,
         ((const krpc_param_decl[]){{"from", VEC, NULL, NULL}, {"to", VEC, NULL, NULL}, {0}}), QUAT,
         "The shortest rotation from one direction to another."),
    PROC("QuaternionLookRotation", quat_look_rotation,
         ((const krpc_param_decl[]){{"forward", VEC, NULL, NULL}, {"up", VEC, NULL, NULL}, {0}}), QUAT,
         "The rotation that points the z axis along forward and the y axis as close to up as it can."),
    PROC("Print", std_print, P1("message", "string", "The text to print."), NULL,
         "Write a message to the server's log (at info level)."),
    {0},
};

const krpc_property_decl krpc_stdlib_properties[] = {
    {.name = "Pi", .type = "double", .get = get_pi, .doc = "The constant pi."},
    {.name = "E", .type = "double", .get = get_e, .doc = "The constant e, the base of the natural logarithm."},
    {0},
};
