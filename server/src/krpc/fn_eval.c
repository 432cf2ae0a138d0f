/* Evaluating server-side functions (v070-final.md 4.3-4.4): a tree walk over
 * reference-counted values. Statements return a status (break, continue,
 * return, error) that their enclosing loop, Lambda or try deals with. */
#include "krpc/fn_internal.h"

#include "../../services/testservice/netfmt.h"
#include "util/clock.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fenv {
    const fnode *var;
    fval val;
    fenv *next;
};

struct fclosure {
    const fnode *lambda;
    fenv *env;
};

static int ev(feval *e, const fnode *n, fenv *env, fval *out);

static int fail(feval *e, krpc_error_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(feval *e, krpc_error_kind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kerror_vkind(e->err, e->a, kind, fmt, ap);
    va_end(ap);
    return FS_ERROR;
}

#define NO_ELEMENTS "Sequence contains no elements"
#define INDEX_TEXT "Index was outside the bounds of the array."

static fval scalar(void) {
    fval v = fv_null();
    v.k = VK_SCALAR;
    return v;
}

static fval of_bool(bool b) {
    fval v = scalar();
    v.v.b = b;
    return v;
}

static fval of_int(int32_t i) {
    fval v = scalar();
    v.v.i = i;
    return v;
}

/* ---- conversions ------------------------------------------------------------------------ */

/* Whether converting from -> to changes anything inside a collection. */
static bool deep_change(const ftype *from, const ftype *to) {
    if (from->nullable && !to->nullable)
        return true;
    if ((ft_is_numeric(from) || from->code == FT_ENUM) && from->code != to->code)
        return true;
    if (from->code != to->code || from->n != to->n)
        return false;
    for (size_t i = 0; i < from->n; i++)
        if (deep_change(from->sub[i], to->sub[i]))
            return true;
    return false;
}

static size_t find_in(const ftype *t, const fheap *h, const ftype *vt, fval v) {
    for (size_t i = 0; i < h->len; i++)
        if (fv_equal(t, h->items[i], vt, v))
            return i;
    return SIZE_MAX;
}

/* v (owned) of type from, as a value of type to (owned), in *out. */
static int conv(feval *e, const ftype *from, const ftype *to, fval v, fval *out, const char *where) {
    if (v.k == VK_NULL) {
        if (!to->nullable && to->code != FT_VOID)
            return fail(e, KRPC_ERR_NULL_REFERENCE, "A null value was used as %s, which cannot be null",
                        where ? where : "a value");
        *out = v;
        return FS_OK;
    }
    bool nf = ft_is_numeric(from) || from->code == FT_ENUM, nt = ft_is_numeric(to) || to->code == FT_ENUM;
    if (nf && nt) {
        *out = fv_num_convert(from->code, to->code, v);
        return FS_OK;
    }
    if (v.k != VK_HEAP || !deep_change(from, to) || from->code != to->code) {
        *out = v;
        return FS_OK;
    }
    fheap *h = v.v.h;
    fheap *r = fh_new(h->kind, h->len);
    for (size_t i = 0; i < h->len; i++) {
        fval x, y;
        const ftype *fs_ = from->code == FT_TUPLE || from->code == FT_STRUCT ? from->sub[i] : from->sub[0];
        const ftype *ts_ = to->code == FT_TUPLE || to->code == FT_STRUCT ? to->sub[i] : to->sub[0];
        x = h->items[i];
        fv_retain(x);
        if (conv(e, fs_, ts_, x, &y, where)) {
            fv_release(&v);
            fval rr = fv_heap(r);
            fv_release(&rr);
            return FS_ERROR;
        }
        if (h->kind == H_DICT) {
            fval vx = h->vals[i], vy;
            fv_retain(vx);
            if (conv(e, from->sub[1], to->sub[1], vx, &vy, where)) {
                fv_release(&y);
                fv_release(&v);
                fval rr = fv_heap(r);
                fv_release(&rr);
                return FS_ERROR;
            }
            size_t j = find_in(to->sub[0], r, to->sub[0], y);
            if (j != SIZE_MAX) {
                fv_release(&y);
                fv_release(&r->vals[j]);
                r->vals[j] = vy;
            } else
                fh_push_kv(r, y, vy);
        } else if (h->kind == H_SET && find_in(ts_, r, ts_, y) != SIZE_MAX) {
            fv_release(&y); /* narrowing made two elements one */
        } else
            fh_push(r, y);
    }
    fv_release(&v);
    *out = fv_heap(r);
    return FS_OK;
}

/* ---- environments ------------------------------------------------------------------------ */

static fenv *env_bind(feval *e, fenv *env, const fnode *var, fval v) {
    fenv *c = arena_alloc(e->a, sizeof *c);
    c->var = var;
    c->val = v;
    c->next = env;
    return c;
}

static void unbind(fenv *env, fenv *outer) {
    for (fenv *c = env; c && c != outer; c = c->next)
        fv_release(&c->val);
}

static fval *lookup(fenv *env, const fnode *var) {
    for (fenv *c = env; c; c = c->next)
        if (c->var == var)
            return &c->val;
    return NULL;
}

/* The value a variable starts with (C#'s default). */
static fval default_value(const ftype *t) {
    if (t->nullable || !(ft_is_numeric(t) || t->code == FT_BOOL || t->code == FT_ENUM))
        return fv_null();
    return scalar(); /* zero */
}

static fval *slot(feval *e, const fnode *var, fenv *env) {
    if (var->op == FO_STATE)
        return (fval *)&var->k;
    fval *p = lookup(env, var);
    if (!p)
        fail(e, KRPC_ERR_INVALID_OPERATION, "The variable %s is used outside the block that declares it",
             var->name);
    return p;
}

/* ---- applying a Lambda ------------------------------------------------------------------- */

/* Call a closure with arguments (owned) of the given types. */
static int apply(feval *e, const fclosure *f, fval *args, const ftype *const *types, size_t nargs, fval *out) {
    const fnode *l = f->lambda;
    size_t np = l->n - 1;
    fenv *env = f->env;
    for (size_t i = 0; i < np; i++) {
        fval v = fv_null();
        if (i < nargs) {
            if (conv(e, types[i], l->kid[i]->type, args[i], &v, "an argument of a function")) {
                for (size_t j = i + 1; j < nargs; j++)
                    fv_release(&args[j]);
                unbind(env, f->env);
                return FS_ERROR;
            }
        }
        env = env_bind(e, env, l->kid[i], v);
    }
    const fnode *body = l->kid[np];
    const ftype *rt = l->type->sub[np];
    fval v;
    int s = ev(e, body, env, &v);
    unbind(env, f->env);
    if (s == FS_RETURN) {
        v = e->ret;
        e->ret = fv_null();
        if (rt->code == FT_VOID) {
            fv_release(&v);
            *out = fv_null();
            return FS_OK;
        }
        return conv(e, e->ret_type ? e->ret_type : rt, rt, v, out, "the value the function returns");
    }
    if (s != FS_OK) {
        if (s == FS_BREAK || s == FS_CONTINUE)
            return fail(e, KRPC_ERR_INVALID_OPERATION, "A Break or Continue is not inside a loop");
        return s;
    }
    if (rt->code == FT_VOID) {
        fv_release(&v);
        *out = fv_null();
        return FS_OK;
    }
    if (body->type->code == FT_VOID)
        return fail(e, KRPC_ERR_INVALID_OPERATION, "The function ended without returning a value");
    return conv(e, body->type, rt, v, out, "the value of the function");
}

static int apply1(feval *e, const fclosure *f, const ftype *t, fval x, fval *out) {
    fv_retain(x);
    return apply(e, f, &x, &t, 1, out);
}

static int apply2(feval *e, const fclosure *f, const ftype *ta, fval a, const ftype *tb, fval b, fval *out) {
    fval args[2] = {a, b};
    const ftype *types[2] = {ta, tb};
    fv_retain(a);
    fv_retain(b);
    return apply(e, f, args, types, 2, out);
}

/* ---- numbers ------------------------------------------------------------------------------ */

static int arith(feval *e, int op, int code, fval a, fval b, fval *out) {
    fval r = scalar();
    switch (code) {
    case FT_DOUBLE:
    case FT_FLOAT: {
        double x = fv_as_double(code, a), y = fv_as_double(code, b), z = 0;
        switch (op) {
        case B_ADD: z = x + y; break;
        case B_SUB: z = x - y; break;
        case B_MUL: z = x * y; break;
        case B_DIV: z = x / y; break;
        case B_MOD: z = fmod(x, y); break;
        case B_POW: z = pow(x, y); break;
        }
        if (code == FT_FLOAT) {
            float fx = a.v.f, fy = b.v.f;
            switch (op) {
            case B_ADD: r.v.f = fx + fy; break;
            case B_SUB: r.v.f = fx - fy; break;
            case B_MUL: r.v.f = fx * fy; break;
            case B_DIV: r.v.f = fx / fy; break;
            case B_MOD: r.v.f = fmodf(fx, fy); break;
            default: r.v.f = (float)z; break;
            }
        } else
            r.v.d = z;
        *out = r;
        return FS_OK;
    }
    default: break;
    }
    bool is_signed = code == FT_INT || code == FT_LONG;
    bool wide = code == FT_LONG || code == FT_ULONG;
    uint64_t x, y;
    int64_t sx, sy;
    switch (code) {
    case FT_INT: sx = a.v.i, sy = b.v.i; break;
    case FT_LONG: sx = a.v.l, sy = b.v.l; break;
    case FT_UINT: sx = a.v.u, sy = b.v.u; break;
    default: sx = (int64_t)a.v.ul, sy = (int64_t)b.v.ul; break;
    }
    x = (uint64_t)sx;
    y = (uint64_t)sy;
    uint64_t z = 0;
    uint64_t mask = wide ? UINT64_MAX : 0xffffffffu;
    switch (op) {
    case B_ADD: z = x + y; break;
    case B_SUB: z = x - y; break;
    case B_MUL: z = x * y; break;
    case B_DIV:
    case B_MOD:
        if ((y & mask) == 0)
            return fail(e, KRPC_ERR_DIVIDE_BY_ZERO, "Attempted to divide by zero.");
        if (is_signed) {
            int64_t min = code == FT_INT ? INT32_MIN : INT64_MIN;
            if (sy == -1 && sx == min) { /* wraps, where the CLR throws */
                z = op == B_DIV ? (uint64_t)min : 0;
                break;
            }
            z = (uint64_t)(op == B_DIV ? sx / sy : sx % sy);
        } else {
            uint64_t ux = x & mask, uy = y & mask;
            z = op == B_DIV ? ux / uy : ux % uy;
        }
        break;
    case B_POW:
        if (is_signed && sy < 0) {
            double p = pow((double)sx, (double)sy);
            r = fv_num_convert(FT_DOUBLE, code, (fval){.k = VK_SCALAR, .v.d = p});
            *out = r;
            return FS_OK;
        } else {
            /* exact, by repeated squaring, wrapping */
            uint64_t base = x, exp = y & mask, acc = 1;
            while (exp) {
                if (exp & 1)
                    acc *= base;
                base *= base;
                exp >>= 1;
            }
            z = acc;
        }
        break;
    }
    switch (code) {
    case FT_INT: r.v.i = (int32_t)(uint32_t)z; break;
    case FT_LONG: r.v.l = (int64_t)z; break;
    case FT_UINT: r.v.u = (uint32_t)z; break;
    default: r.v.ul = z; break;
    }
    *out = r;
    return FS_OK;
}

static fval bitwise(int op, int code, fval a, fval b) {
    fval r = scalar();
    if (code == FT_BOOL) {
        r.v.b = op == B_AND ? (a.v.b && b.v.b) : op == B_OR ? (a.v.b || b.v.b) : (a.v.b != b.v.b);
        return r;
    }
    uint64_t x = code == FT_INT ? (uint64_t)(int64_t)a.v.i : code == FT_UINT ? a.v.u : a.v.ul;
    uint64_t y = code == FT_INT ? (uint64_t)(int64_t)b.v.i : code == FT_UINT ? b.v.u : b.v.ul;
    uint64_t z = op == B_AND ? x & y : op == B_OR ? x | y : x ^ y;
    switch (code) {
    case FT_INT: r.v.i = (int32_t)(uint32_t)z; break;
    case FT_UINT: r.v.u = (uint32_t)z; break;
    default: r.v.ul = z; break;
    }
    return r;
}

static fval shift(int op, int code, fval a, int32_t count) {
    fval r = scalar();
    switch (code) {
    case FT_INT: {
        int c = count & 31;
        r.v.i = op == B_SHL ? (int32_t)((uint32_t)a.v.i << c) : a.v.i >> c;
        break;
    }
    case FT_UINT: {
        int c = count & 31;
        r.v.u = op == B_SHL ? a.v.u << c : a.v.u >> c;
        break;
    }
    case FT_LONG: {
        int c = count & 63;
        r.v.l = op == B_SHL ? (int64_t)((uint64_t)a.v.l << c) : a.v.l >> c;
        break;
    }
    default: {
        int c = count & 63;
        r.v.ul = op == B_SHL ? a.v.ul << c : a.v.ul >> c;
        break;
    }
    }
    return r;
}

static int compare(int op, const ftype *t, fval a, fval b) {
    int c = fv_cmp(t, a, b);
    if (ft_is_numeric(t) && (t->code == FT_DOUBLE || t->code == FT_FLOAT)) {
        double x = fv_as_double(t->code, a), y = fv_as_double(t->code, b);
        if (isnan(x) || isnan(y))
            return 0;
    }
    switch (op) {
    case B_GT: return c > 0;
    case B_GE: return c >= 0;
    case B_LT: return c < 0;
    default: return c <= 0;
    }
}

static int eval_binary(feval *e, const fnode *n, fenv *env, fval *out) {
    fval a, b;
    int s = ev(e, n->kid[0], env, &a);
    if (s)
        return s;
    if ((s = ev(e, n->kid[1], env, &b))) {
        fv_release(&a);
        return s;
    }
    const ftype *ta = n->kid[0]->type, *tb = n->kid[1]->type;
    int r = FS_OK;
    switch (n->sub) {
    case B_EQ:
    case B_NE: {
        bool eq = fv_equal(ta, a, tb, b);
        *out = of_bool(n->sub == B_EQ ? eq : !eq);
        break;
    }
    case B_GT:
    case B_GE:
    case B_LT:
    case B_LE: *out = of_bool(compare(n->sub, ta, a, b)); break;
    case B_AND:
    case B_OR:
    case B_XOR: *out = bitwise(n->sub, ta->code, a, b); break;
    case B_SHL:
    case B_SHR: *out = shift(n->sub, ta->code, a, b.v.i); break;
    default: r = arith(e, n->sub, ta->code, a, b, out); break;
    }
    fv_release(&a);
    fv_release(&b);
    return r;
}

/* ---- strings --------------------------------------------------------------------------------- */

/* UTF-8 code points with their UTF-16 positions (C# indexes strings by
 * UTF-16 code units). */
typedef struct ustr {
    size_t n;         /* code points */
    size_t *off;      /* byte offset of each, plus the end */
    size_t *u16;      /* UTF-16 index of each, plus the length */
} ustr;

static void ustr_of(arena *a, const fheap *h, ustr *u) {
    const unsigned char *s = (const unsigned char *)h->s;
    size_t len = h->len;
    u->off = arena_alloc(a, (len + 1) * sizeof *u->off);
    u->u16 = arena_alloc(a, (len + 1) * sizeof *u->u16);
    size_t n = 0, pos16 = 0;
    for (size_t i = 0; i < len;) {
        size_t k = s[i] < 0x80 ? 1 : s[i] < 0xe0 ? 2 : s[i] < 0xf0 ? 3 : 4;
        if (i + k > len)
            k = len - i;
        u->off[n] = i;
        u->u16[n] = pos16;
        pos16 += k == 4 ? 2 : 1;
        n++;
        i += k;
    }
    u->off[n] = len;
    u->u16[n] = pos16;
    u->n = n;
}

/* The code point at UTF-16 index i, or SIZE_MAX. */
static size_t cp_at(const ustr *u, int64_t i) {
    if (i < 0)
        return SIZE_MAX;
    for (size_t k = 0; k < u->n; k++)
        if ((int64_t)u->u16[k] == i)
            return k;
    return SIZE_MAX;
}

static uint32_t decode_cp(const unsigned char *s, size_t n) {
    if (n == 1)
        return s[0];
    if (n == 2)
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    if (n == 3)
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 | (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

static bool is_white(uint32_t c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

static const char *find_str(const char *h, size_t hn, const char *nd, size_t nn) {
    if (nn == 0)
        return h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, nd, nn) == 0)
            return h + i;
    return NULL;
}

static void format_value(feval *e, const ftype *t, fval v, kbuf *out) {
    char buf[NETFMT_BUFFER_SIZE];
    char tmp[64];
    switch (t->code) {
    case FT_DOUBLE: kbuf_append(out, buf, netfmt_double(v.v.d, buf)); return;
    case FT_FLOAT: kbuf_append(out, buf, netfmt_float(v.v.f, buf)); return;
    case FT_INT: kbuf_append(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", v.v.i)); return;
    case FT_LONG: kbuf_append(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v.v.l)); return;
    case FT_UINT: kbuf_append(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%u", v.v.u)); return;
    case FT_ULONG: kbuf_append(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v.v.ul)); return;
    case FT_BOOL: kbuf_append(out, v.v.b ? "True" : "False", v.v.b ? 4 : 5); return;
    case FT_STRING: kbuf_append(out, v.v.h->s, v.v.h->len); return;
    case FT_ENUM: {
        const kenum *en = t->kt->enm;
        for (size_t i = 0; i < en->nvalues; i++)
            if (en->values[i].value == v.v.e) {
                kbuf_append(out, en->values[i].name, strlen(en->values[i].name));
                return;
            }
        kbuf_append(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%d", v.v.e));
        return;
    }
    default: {
        /* as .NET names the type of any other value */
        const ftype *p = ft_nullable(e->fs, t, false);
        kbuf_append(out, p->name, strlen(p->name));
        return;
    }
    }
}

static int eval_string(feval *e, const fnode *n, fenv *env, fval *out) {
    fval a[3] = {fv_null(), fv_null(), fv_null()};
    int s = FS_OK;
    size_t nk = n->n;
    if (n->sub == S_CONCAT) {
        kbuf b = {0};
        for (size_t i = 0; i < nk && !s; i++) {
            fval v;
            if ((s = ev(e, n->kid[i], env, &v)))
                break;
            kbuf_append(&b, v.v.h->s, v.v.h->len);
            fv_release(&v);
        }
        if (!s)
            *out = fv_string((const char *)b.data, b.len, false);
        kbuf_free(&b);
        return s;
    }
    for (size_t i = 0; i < nk && i < 3; i++)
        if ((s = ev(e, n->kid[i], env, &a[i]))) {
            for (size_t j = 0; j < i; j++)
                fv_release(&a[j]);
            return s;
        }
    const fheap *h = a[0].v.h;
    switch (n->sub) {
    case S_TOSTRING: {
        kbuf b = {0};
        format_value(e, n->kid[0]->type, a[0], &b);
        *out = fv_string((const char *)b.data, b.len, false);
        kbuf_free(&b);
        break;
    }
    case S_LENGTH: {
        ustr u;
        ustr_of(e->a, h, &u);
        *out = of_int((int32_t)u.u16[u.n]);
        break;
    }
    case S_GET: {
        ustr u;
        ustr_of(e->a, h, &u);
        size_t k = cp_at(&u, a[1].v.i);
        if (k == SIZE_MAX) {
            s = fail(e, KRPC_ERR_INDEX_OUT_OF_RANGE, INDEX_TEXT);
            break;
        }
        *out = fv_string(h->s + u.off[k], u.off[k + 1] - u.off[k], false);
        break;
    }
    case S_SUBSTRING: {
        ustr u;
        ustr_of(e->a, h, &u);
        int64_t start = a[1].v.i, len = a[2].v.i;
        size_t from = start == (int64_t)u.u16[u.n] ? u.n : cp_at(&u, start);
        size_t to = len < 0 ? SIZE_MAX : start + len == (int64_t)u.u16[u.n] ? u.n : cp_at(&u, start + len);
        if (from == SIZE_MAX || to == SIZE_MAX || to < from) {
            s = fail(e, KRPC_ERR_INDEX_OUT_OF_RANGE, "The substring from %lld of length %lld is outside the string",
                     (long long)start, (long long)len);
            break;
        }
        *out = fv_string(h->s + u.off[from], u.off[to] - u.off[from], false);
        break;
    }
    case S_INDEXOF: {
        const char *p = find_str(h->s, h->len, a[1].v.h->s, a[1].v.h->len);
        if (!p) {
            *out = of_int(-1);
            break;
        }
        ustr u;
        ustr_of(e->a, h, &u);
        size_t byte = (size_t)(p - h->s);
        int32_t idx = 0;
        for (size_t k = 0; k <= u.n; k++)
            if (u.off[k] == byte) {
                idx = (int32_t)u.u16[k];
                break;
            }
        *out = of_int(idx);
        break;
    }
    case S_CONTAINS: *out = of_bool(find_str(h->s, h->len, a[1].v.h->s, a[1].v.h->len) != NULL); break;
    case S_STARTSWITH:
        *out = of_bool(a[1].v.h->len <= h->len && memcmp(h->s, a[1].v.h->s, a[1].v.h->len) == 0);
        break;
    case S_ENDSWITH:
        *out = of_bool(a[1].v.h->len <= h->len &&
                       memcmp(h->s + h->len - a[1].v.h->len, a[1].v.h->s, a[1].v.h->len) == 0);
        break;
    case S_UPPER:
    case S_LOWER: {
        fval r = fv_string(h->s, h->len, false);
        for (size_t i = 0; i < h->len; i++) {
            char c = r.v.h->s[i];
            if (n->sub == S_UPPER && c >= 'a' && c <= 'z')
                r.v.h->s[i] = (char)(c - 32);
            else if (n->sub == S_LOWER && c >= 'A' && c <= 'Z')
                r.v.h->s[i] = (char)(c + 32);
        }
        *out = r;
        break;
    }
    case S_TRIM:
    case S_TRIMSTART:
    case S_TRIMEND: {
        ustr u;
        ustr_of(e->a, h, &u);
        size_t lo = 0, hi = u.n;
        const unsigned char *us = (const unsigned char *)h->s;
        if (n->sub != S_TRIMEND)
            while (lo < hi && is_white(decode_cp(us + u.off[lo], u.off[lo + 1] - u.off[lo])))
                lo++;
        if (n->sub != S_TRIMSTART)
            while (hi > lo && is_white(decode_cp(us + u.off[hi - 1], u.off[hi] - u.off[hi - 1])))
                hi--;
        *out = fv_string(h->s + u.off[lo], u.off[hi] - u.off[lo], false);
        break;
    }
    case S_REPLACE: {
        const fheap *o = a[1].v.h, *w = a[2].v.h;
        if (o->len == 0) {
            s = fail(e, KRPC_ERR_ARGUMENT, "The string to replace cannot be empty");
            break;
        }
        kbuf b = {0};
        size_t i = 0;
        while (i < h->len) {
            const char *p = find_str(h->s + i, h->len - i, o->s, o->len);
            if (!p) {
                kbuf_append(&b, h->s + i, h->len - i);
                break;
            }
            kbuf_append(&b, h->s + i, (size_t)(p - (h->s + i)));
            kbuf_append(&b, w->s, w->len);
            i = (size_t)(p - h->s) + o->len;
        }
        *out = fv_string((const char *)b.data, b.len, false);
        kbuf_free(&b);
        break;
    }
    case S_SPLIT: {
        const fheap *sep = a[1].v.h;
        fheap *r = fh_new(H_LIST, 4);
        if (sep->len == 0)
            fh_push(r, fv_string(h->s, h->len, false));
        else {
            size_t i = 0;
            for (;;) {
                const char *p = find_str(h->s + i, h->len - i, sep->s, sep->len);
                size_t end = p ? (size_t)(p - h->s) : h->len;
                fh_push(r, fv_string(h->s + i, end - i, false));
                if (!p)
                    break;
                i = end + sep->len;
            }
        }
        *out = fv_heap(r);
        break;
    }
    case S_JOIN: {
        kbuf b = {0};
        const fheap *c = a[1].v.h;
        for (size_t i = 0; i < c->len; i++) {
            if (i)
                kbuf_append(&b, h->s, h->len);
            if (c->items[i].k == VK_HEAP)
                kbuf_append(&b, c->items[i].v.h->s, c->items[i].v.h->len);
        }
        *out = fv_string((const char *)b.data, b.len, false);
        kbuf_free(&b);
        break;
    }
    }
    for (size_t i = 0; i < 3; i++)
        fv_release(&a[i]);
    return s;
}

/* ---- queries ----------------------------------------------------------------------------------- */

static fval new_list(void) { return fv_heap(fh_new(H_LIST, 4)); }

typedef struct keyed {
    fval key;
    size_t index;
} keyed;

static const ftype *sort_key_type;

static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    int c = fv_cmp(sort_key_type, a->key, b->key);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A copy of a list, set or sequence's elements (a function given to a
 * query may change the collection it runs over). */
static fval snapshot(fval v) {
    fheap *h = v.v.h, *r = fh_new(H_LIST, h->len);
    for (size_t i = 0; i < h->len; i++) {
        fv_retain(h->items[i]);
        fh_push(r, h->items[i]);
    }
    return fv_heap(r);
}

static int eval_query(feval *e, const fnode *n, fenv *env, fval *out) {
    fval c;
    int s = ev(e, n->kid[0], env, &c);
    if (s)
        return s;
    bool takes_function = false;
    for (size_t i = 1; i < n->n; i++)
        takes_function |= n->kid[i]->type->code == FT_FUNC;
    if (takes_function && c.v.h->kind != H_DICT) {
        fval copy = snapshot(c);
        fv_release(&c);
        c = copy;
    }
    const ftype *ct = n->kid[0]->type;
    const ftype *et = ct->sub[0];
    fheap *h = c.v.h;
    fval x = fv_null(), y = fv_null(); /* further operands */
    const fclosure *f = NULL;
    if (n->n > 1) {
        if ((s = ev(e, n->kid[1], env, &x))) {
            fv_release(&c);
            return s;
        }
        if (x.k == VK_FUNC)
            f = x.v.fn;
    }
    if (n->n > 2) {
        if ((s = ev(e, n->kid[2], env, &y))) {
            fv_release(&c);
            fv_release(&x);
            return s;
        }
        if (y.k == VK_FUNC)
            f = y.v.fn;
    }
    if (n->sub == Q_ZIP) {
        fval copy = snapshot(x);
        fv_release(&x);
        x = copy;
    }
    const ftype *xt = n->n > 1 ? n->kid[1]->type : NULL;
    switch (n->sub) {
    case Q_TOLIST:
    case Q_TOSET:
    case Q_DISTINCT:
    case Q_REVERSE: {
        bool dedup = n->sub == Q_TOSET || n->sub == Q_DISTINCT;
        fheap *r = fh_new(n->sub == Q_TOSET ? H_SET : H_LIST, h->len);
        for (size_t i = 0; i < h->len; i++) {
            fval v = h->items[n->sub == Q_REVERSE ? h->len - 1 - i : i];
            if (n->sub == Q_TOSET && v.k == VK_NULL) {
                s = fail(e, KRPC_ERR_NULL_REFERENCE, "A set cannot hold a null value");
                break;
            }
            if (dedup && find_in(et, r, et, v) != SIZE_MAX)
                continue;
            fv_retain(v);
            fh_push(r, v);
        }
        *out = fv_heap(r);
        if (s)
            fv_release(out);
        break;
    }
    case Q_GET:
        if (ct->code == FT_DICT) {
            size_t i = find_in(ct->sub[0], h, xt, x);
            if (i == SIZE_MAX) {
                kbuf b = {0};
                format_value(e, xt, x, &b);
                s = fail(e, KRPC_ERR_KEY_NOT_FOUND, "The given key '%.*s' was not present in the dictionary.",
                         (int)b.len, (const char *)b.data);
                kbuf_free(&b);
                break;
            }
            *out = h->vals[i];
            fv_retain(*out);
            break;
        }
        /* fall through: a list */
        __attribute__((fallthrough));
    case Q_ELEMENTAT:
        if (x.v.i < 0 || (size_t)x.v.i >= h->len) {
            s = fail(e, KRPC_ERR_INDEX_OUT_OF_RANGE, INDEX_TEXT);
            break;
        }
        *out = h->items[x.v.i];
        fv_retain(*out);
        break;
    case Q_COUNT: *out = of_int((int32_t)h->len); break;
    case Q_SUM: {
        fval acc = fv_num_convert(FT_INT, n->type->code, of_int(0));
        double dacc = 0;
        for (size_t i = 0; i < h->len; i++) {
            fval v = h->items[i];
            if (v.k == VK_NULL)
                continue;
            if (n->type->code == FT_DOUBLE || n->type->code == FT_FLOAT)
                dacc += fv_as_double(et->code, v);
            else
                arith(e, B_ADD, n->type->code, acc, v, &acc);
        }
        if (n->type->code == FT_DOUBLE)
            acc.v.d = dacc;
        else if (n->type->code == FT_FLOAT)
            acc.v.f = (float)dacc;
        *out = acc;
        break;
    }
    case Q_MAX:
    case Q_MIN:
    case Q_FIRST:
    case Q_LAST: {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < h->len; i++) {
            fval v = h->items[i];
            if (n->sub == Q_FIRST) {
                best = 0;
                break;
            }
            if (n->sub == Q_LAST) {
                best = h->len - 1;
                break;
            }
            if (v.k == VK_NULL)
                continue;
            if (best == SIZE_MAX) {
                best = i;
                continue;
            }
            int cmp = fv_cmp(et, v, h->items[best]);
            if ((n->sub == Q_MAX && cmp > 0) || (n->sub == Q_MIN && cmp < 0))
                best = i;
        }
        if (best == SIZE_MAX) {
            if (et->nullable && (n->sub == Q_MAX || n->sub == Q_MIN))
                *out = fv_null();
            else
                s = fail(e, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS);
            break;
        }
        *out = h->items[best];
        fv_retain(*out);
        break;
    }
    case Q_AVERAGE: {
        double sum = 0;
        size_t k = 0;
        for (size_t i = 0; i < h->len; i++)
            if (h->items[i].k != VK_NULL) {
                sum += fv_as_double(et->code, h->items[i]);
                k++;
            }
        if (!k) {
            s = fail(e, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS);
            break;
        }
        fval r = scalar();
        if (n->type->code == FT_FLOAT)
            r.v.f = (float)(sum / (double)k);
        else
            r.v.d = sum / (double)k;
        *out = r;
        break;
    }
    case Q_SELECT:
    case Q_WHERE:
    case Q_SELECTMANY:
    case Q_ALL:
    case Q_ANY: {
        fval r = n->sub == Q_ALL || n->sub == Q_ANY ? of_bool(n->sub == Q_ALL) : new_list();
        const ftype *it = ft_scalar(e->fs, FT_INT);
        const ftype *fr = f->lambda->type->sub[f->lambda->type->n - 1];
        for (size_t i = 0; i < h->len && !s; i++) {
            fval v;
            if (n->indexed)
                s = apply2(e, f, et, h->items[i], it, of_int((int32_t)i), &v);
            else
                s = apply1(e, f, et, h->items[i], &v);
            if (s)
                break;
            if (n->sub == Q_SELECT)
                fh_push(r.v.h, v);
            else if (n->sub == Q_SELECTMANY) {
                for (size_t j = 0; j < v.v.h->len; j++) {
                    fval w = v.v.h->items[j];
                    fv_retain(w);
                    fh_push(r.v.h, w);
                }
                fv_release(&v);
            } else {
                bool b = v.k != VK_NULL && v.v.b;
                if (n->sub == Q_WHERE) {
                    if (b) {
                        fval w = h->items[i];
                        fv_retain(w);
                        fh_push(r.v.h, w);
                    }
                } else if (n->sub == Q_ALL && !b) {
                    r.v.b = false;
                    break;
                } else if (n->sub == Q_ANY && b) {
                    r.v.b = true;
                    break;
                }
            }
        }
        (void)fr;
        if (s)
            fv_release(&r);
        else
            *out = r;
        break;
    }
    case Q_SKIP:
    case Q_TAKE: {
        int64_t k = x.v.i < 0 ? 0 : x.v.i;
        size_t from = n->sub == Q_SKIP ? (size_t)k : 0, to = n->sub == Q_SKIP ? h->len : (size_t)k;
        if (from > h->len)
            from = h->len;
        if (to > h->len)
            to = h->len;
        fheap *r = fh_new(H_LIST, to > from ? to - from : 1);
        for (size_t i = from; i < to; i++) {
            fv_retain(h->items[i]);
            fh_push(r, h->items[i]);
        }
        *out = fv_heap(r);
        break;
    }
    case Q_BUILDDICT: {
        const fclosure *kf = x.v.fn, *vf = y.v.fn;
        const ftype *kt = n->type->sub[0], *kft = kf->lambda->type->sub[1];
        fheap *r = fh_new(H_DICT, h->len);
        for (size_t i = 0; i < h->len && !s; i++) {
            fval k, v;
            if ((s = apply1(e, kf, et, h->items[i], &k)))
                break;
            if (k.k == VK_NULL) {
                s = fail(e, KRPC_ERR_NULL_REFERENCE, "A dictionary key cannot be null");
                break;
            }
            if ((s = apply1(e, vf, et, h->items[i], &v))) {
                fv_release(&k);
                break;
            }
            size_t j = find_in(kt, r, kft, k);
            if (j != SIZE_MAX) {
                fv_release(&k);
                fv_release(&r->vals[j]);
                r->vals[j] = v;
            } else
                fh_push_kv(r, k, v);
        }
        *out = fv_heap(r);
        if (s)
            fv_release(out);
        break;
    }
    case Q_CONTAINS: *out = of_bool(find_in(et, h, xt, x) != SIZE_MAX); break;
    case Q_CONTAINSKEY: *out = of_bool(x.k != VK_NULL && find_in(ct->sub[0], h, xt, x) != SIZE_MAX); break;
    case Q_AGGREGATE:
    case Q_AGGREGATESEED: {
        const ftype *acc_t = n->type;
        fval acc;
        size_t i = 0;
        if (n->sub == Q_AGGREGATE) {
            if (!h->len) {
                s = fail(e, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS);
                break;
            }
            fv_retain(h->items[0]);
            if ((s = conv(e, et, acc_t, h->items[0], &acc, "the accumulator")))
                break;
            i = 1;
        } else {
            acc = x;
            x = fv_null();
        }
        for (; i < h->len && !s; i++) {
            fval next;
            s = apply2(e, f, acc_t, acc, et, h->items[i], &next);
            fv_release(&acc);
            if (s)
                break;
            acc = next;
        }
        if (!s)
            *out = acc;
        break;
    }
    case Q_CONCAT:
    case Q_UNION:
    case Q_INTERSECT:
    case Q_EXCEPT:
    case Q_ZIP: {
        const ftype *rt = n->type->sub[0], *xet = xt->sub[0];
        fheap *r = fh_new(H_LIST, h->len + x.v.h->len);
        fheap *xh = x.v.h;
        if (n->sub == Q_ZIP) {
            size_t m = h->len < xh->len ? h->len : xh->len;
            for (size_t i = 0; i < m && !s; i++) {
                fval v;
                if (!(s = apply2(e, f, et, h->items[i], xet, xh->items[i], &v)))
                    fh_push(r, v);
            }
            *out = fv_heap(r);
            if (s)
                fv_release(out);
            break;
        }
        for (int part = 0; part < 2 && !s; part++) {
            const fheap *src = part ? xh : h;
            const ftype *st = part ? xet : et;
            if (part && (n->sub == Q_INTERSECT || n->sub == Q_EXCEPT))
                break;
            for (size_t i = 0; i < src->len && !s; i++) {
                fval v = src->items[i], w;
                if (n->sub == Q_INTERSECT && find_in(xet, xh, st, v) == SIZE_MAX)
                    continue;
                if (n->sub == Q_EXCEPT && find_in(xet, xh, st, v) != SIZE_MAX)
                    continue;
                if (n->sub != Q_CONCAT && find_in(rt, r, st, v) != SIZE_MAX)
                    continue;
                fv_retain(v);
                if ((s = conv(e, st, rt, v, &w, "an element")))
                    break;
                fh_push(r, w);
            }
        }
        *out = fv_heap(r);
        if (s)
            fv_release(out);
        break;
    }
    case Q_ORDERBY:
    case Q_MINBY:
    case Q_MAXBY:
    case Q_GROUPBY: {
        const ftype *kt = f->lambda->type->sub[f->lambda->type->n - 1];
        keyed *keys = calloc(h->len ? h->len : 1, sizeof *keys);
        if (!keys)
            abort();
        size_t nk = 0;
        for (size_t i = 0; i < h->len && !s; i++) {
            if ((s = apply1(e, f, et, h->items[i], &keys[i].key)))
                break;
            keys[i].index = i;
            nk++;
        }
        if (!s) {
            if (n->sub == Q_ORDERBY) {
                sort_key_type = kt;
                qsort(keys, nk, sizeof *keys, cmp_keyed);
                fheap *r = fh_new(H_LIST, nk);
                for (size_t i = 0; i < nk; i++) {
                    fv_retain(h->items[keys[i].index]);
                    fh_push(r, h->items[keys[i].index]);
                }
                *out = fv_heap(r);
            } else if (n->sub == Q_GROUPBY) {
                fheap *r = fh_new(H_DICT, 4);
                for (size_t i = 0; i < nk && !s; i++) {
                    if (keys[i].key.k == VK_NULL) {
                        s = fail(e, KRPC_ERR_NULL_REFERENCE, "A dictionary key cannot be null");
                        break;
                    }
                    size_t j = find_in(kt, r, kt, keys[i].key);
                    if (j == SIZE_MAX) {
                        fval k = keys[i].key;
                        fv_retain(k);
                        fh_push_kv(r, k, new_list());
                        j = r->len - 1;
                    }
                    fv_retain(h->items[i]);
                    fh_push(r->vals[j].v.h, h->items[i]);
                }
                *out = fv_heap(r);
                if (s)
                    fv_release(out);
            } else {
                if (!nk)
                    s = fail(e, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS);
                else {
                    size_t best = 0;
                    for (size_t i = 1; i < nk; i++) {
                        int cmp = fv_cmp(kt, keys[i].key, keys[best].key);
                        if ((n->sub == Q_MINBY && cmp < 0) || (n->sub == Q_MAXBY && cmp > 0))
                            best = i;
                    }
                    *out = h->items[best];
                    fv_retain(*out);
                }
            }
        }
        for (size_t i = 0; i < nk; i++)
            fv_release(&keys[i].key);
        free(keys);
        break;
    }
    case Q_KEYS:
    case Q_VALUES: {
        fheap *r = fh_new(H_LIST, h->len);
        for (size_t i = 0; i < h->len; i++) {
            fval v = n->sub == Q_KEYS ? h->items[i] : h->vals[i];
            fv_retain(v);
            fh_push(r, v);
        }
        *out = fv_heap(r);
        break;
    }
    default: s = fail(e, KRPC_ERR_NOT_SUPPORTED, "Query %d is not supported", n->sub); break;
    }
    fv_release(&c);
    fv_release(&x);
    fv_release(&y);
    return s;
}

/* ---- mutation ------------------------------------------------------------------------------------- */

static void remove_at(fheap *h, size_t i) {
    fv_release(&h->items[i]);
    if (h->vals)
        fv_release(&h->vals[i]);
    memmove(&h->items[i], &h->items[i + 1], (h->len - i - 1) * sizeof *h->items);
    if (h->vals)
        memmove(&h->vals[i], &h->vals[i + 1], (h->len - i - 1) * sizeof *h->vals);
    h->len--;
}

static int eval_mutate(feval *e, const fnode *n, fenv *env, fval *out) {
    fval a[3] = {fv_null(), fv_null(), fv_null()};
    int s = FS_OK;
    for (size_t i = 0; i < n->n; i++)
        if ((s = ev(e, n->kid[i], env, &a[i]))) {
            for (size_t j = 0; j < i; j++)
                fv_release(&a[j]);
            return s;
        }
    *out = fv_null();
    fheap *h = a[0].v.h;
    const ftype *ct = n->kid[0]->type;
    switch (n->sub) {
    case M_APPEND:
        if (h->kind == H_SET) {
            if (a[1].k == VK_NULL) {
                s = fail(e, KRPC_ERR_NULL_REFERENCE, "A set cannot hold a null value");
                break;
            }
            if (find_in(ct->sub[0], h, n->kid[1]->type, a[1]) != SIZE_MAX)
                break;
        }
        fh_push(h, a[1]);
        a[1] = fv_null();
        break;
    case M_SET:
        if (h->kind == H_LIST) {
            if (a[1].v.i < 0 || (size_t)a[1].v.i >= h->len) {
                s = fail(e, KRPC_ERR_INDEX_OUT_OF_RANGE, INDEX_TEXT);
                break;
            }
            fv_release(&h->items[a[1].v.i]);
            h->items[a[1].v.i] = a[2];
            a[2] = fv_null();
        } else {
            size_t j = find_in(ct->sub[0], h, n->kid[1]->type, a[1]);
            if (j != SIZE_MAX) {
                fv_release(&h->vals[j]);
                h->vals[j] = a[2];
            } else {
                fh_push_kv(h, a[1], a[2]);
                a[1] = fv_null();
            }
            a[2] = fv_null();
        }
        break;
    case M_REMOVE: {
        size_t j = find_in(ct->sub[0], h, n->kid[1]->type, a[1]);
        if (j != SIZE_MAX)
            remove_at(h, j);
        *out = of_bool(j != SIZE_MAX);
        break;
    }
    case M_REMOVEAT:
        if (a[1].v.i < 0 || (size_t)a[1].v.i >= h->len) {
            s = fail(e, KRPC_ERR_INDEX_OUT_OF_RANGE, INDEX_TEXT);
            break;
        }
        remove_at(h, (size_t)a[1].v.i);
        break;
    case M_CLEAR:
        while (h->len)
            remove_at(h, h->len - 1);
        break;
    }
    for (size_t i = 0; i < 3; i++)
        fv_release(&a[i]);
    return s;
}

/* ---- calls -------------------------------------------------------------------------------------------- */

static int eval_call(feval *e, const fnode *n, fenv *env, fval *out) {
    const kproc *p = n->call.proc;
    size_t np = p->nparams ? p->nparams : 1;
    kcall k = n->call;
    k.args = arena_alloc(e->a, np * sizeof *k.args);
    memcpy(k.args, n->call.args, np * sizeof *k.args);
    k.present = arena_alloc(e->a, np);
    memset(k.present, 1, np);
    for (size_t i = 0; n->arg_kids && i < p->nparams; i++) {
        if (!n->arg_kids[i])
            continue;
        fval v;
        int s = ev(e, n->arg_kids[i], env, &v);
        if (s)
            return s;
        int rc = fv_to_krpc(e->fs, n->arg_kids[i]->type, v, e->a, &k.args[i], e->err);
        fv_release(&v);
        if (rc)
            return FS_ERROR;
    }
    k.state = CALL_PENDING;
    k.resume = NULL;
    k.rstate = NULL;
    k.rfree = NULL;
    k.err.set = false;
    call_execute(e->srv, e->client, &k, e->a, true);
    if (k.state == CALL_YIELDED) {
        call_drop(&k);
        e->yielded = true;
        return fail(e, KRPC_ERR_INVALID_OPERATION,
                    "%s needs more than one update to finish, which a function cannot wait for (it runs within "
                    "one tick)",
                    p->fullname);
    }
    if (k.err.set) {
        *e->err = k.err;
        return FS_ERROR;
    }
    *out = fv_null();
    if (!p->ret || k.is_null)
        return FS_OK;
    krpc_value kv;
    kvalue_ctx ctx = {.a = e->a, .objects = &e->srv->objects, .err = e->err,
                      .gen = e->client ? e->client->gen : KGEN_V07};
    if (value_decode(&ctx, p->ret, k.value, k.value_len, &kv))
        return FS_ERROR;
    *out = fv_from_krpc(e->fs, n->type, &kv);
    return FS_OK;
}

/* ---- statements ------------------------------------------------------------------------------------------ */

static int eval_block(feval *e, const fnode *n, fenv *outer, fval *out) {
    fenv *env = outer;
    for (size_t i = 0; i < n->nvars; i++)
        env = env_bind(e, env, n->vars[i], default_value(n->vars[i]->type));
    int s = FS_OK;
    *out = fv_null();
    for (size_t i = 0; i < n->n && !s; i++) {
        fval v;
        s = ev(e, n->kid[i], env, &v);
        if (s)
            break;
        if (i + 1 == n->n && n->type->code != FT_VOID)
            *out = v;
        else
            fv_release(&v);
    }
    unbind(env, outer);
    return s;
}

static int eval_foreach(feval *e, const fnode *n, fenv *env, fval *out) {
    *out = fv_null();
    const fnode *var = n->kid[0];
    fval c;
    int s = ev(e, n->kid[1], env, &c);
    if (s)
        return s;
    fval *cell = slot(e, var, env);
    if (!cell) {
        fv_release(&c);
        return FS_ERROR;
    }
    const ftype *et = n->kid[1]->type->sub[0];
    fheap *h = c.v.h;
    /* a list by position, so the body may append to it; other collections
     * as they were when the loop began */
    size_t len = h->len;
    for (size_t i = 0; s == FS_OK || s == FS_CONTINUE; i++) {
        if (h->kind != H_LIST && h->len != len) {
            s = fail(e, KRPC_ERR_INVALID_OPERATION, "Collection was modified; enumeration operation may not execute.");
            break;
        }
        if (i >= (h->kind == H_LIST ? h->len : len))
            break;
        fval v = h->items[i], w;
        fv_retain(v);
        if ((s = conv(e, et, var->type, v, &w, "the loop variable")))
            break;
        cell = slot(e, var, env);
        fv_release(cell);
        *cell = w;
        fval r;
        s = ev(e, n->kid[2], env, &r);
        fv_release(&r);
    }
    if (s == FS_BREAK || s == FS_CONTINUE)
        s = FS_OK;
    fv_release(&c);
    return s;
}

static bool exception_matches(const fnode *n, const kerror *err) {
    if (n->catch_all)
        return true;
    const char *service, *name;
    kerror_wire(err, KGEN_V07, &service, &name);
    return strcmp(service, n->name) == 0 && strcmp(name, n->name2) == 0;
}

static int eval_try(feval *e, const fnode *n, fenv *env, fval *out) {
    *out = fv_null();
    fval v;
    int s = ev(e, n->kid[0], env, &v);
    fv_release(&v);
    if (s == FS_ERROR && n->kid[1] && !e->yielded && exception_matches(n, e->err)) {
        if (n->kid[3]) {
            fval *cell = slot(e, n->kid[3], env);
            if (!cell)
                return FS_ERROR;
            fv_release(cell);
            *cell = fv_string(e->err->description, strlen(e->err->description), false);
        }
        e->err->set = false;
        s = ev(e, n->kid[1], env, &v);
        fv_release(&v);
    }
    if (n->kid[2]) {
        kerror saved = *e->err;
        fval ret = e->ret;
        const ftype *ret_type = e->ret_type;
        bool yielded = e->yielded;
        e->ret = fv_null();
        int fs = ev(e, n->kid[2], env, &v);
        fv_release(&v);
        if (fs != FS_OK) {
            fv_release(&ret);
            return fs;
        }
        *e->err = saved;
        e->ret = ret;
        e->ret_type = ret_type;
        e->yielded = yielded;
    }
    return s;
}

/* ---- the walk --------------------------------------------------------------------------------------------- */

static int ev(feval *e, const fnode *n, fenv *env, fval *out) {
    *out = fv_null();
    if ((++e->steps & 0xffff) == 0 && clock_now_ns() - e->start_ns > (uint64_t)FN_MAX_SECONDS * 1000000000u)
        return fail(e, KRPC_ERR_TIMEOUT, "The function ran for more than %d seconds", FN_MAX_SECONDS);
    int s;
    switch (n->op) {
    case FO_CONST:
        *out = n->k;
        fv_retain(*out);
        return FS_OK;
    case FO_CALL: return eval_call(e, n, env, out);
    case FO_BINARY: return eval_binary(e, n, env, out);
    case FO_NEGATE: {
        fval a;
        if ((s = ev(e, n->kid[0], env, &a)))
            return s;
        fval r = scalar();
        switch (n->type->code) {
        case FT_INT: r.v.i = (int32_t)(0u - (uint32_t)a.v.i); break;
        case FT_LONG: r.v.l = (int64_t)(0u - (uint64_t)a.v.l); break;
        case FT_FLOAT: r.v.f = -a.v.f; break;
        default: r.v.d = -a.v.d; break;
        }
        *out = r;
        return FS_OK;
    }
    case FO_NOT: {
        fval a;
        if ((s = ev(e, n->kid[0], env, &a)))
            return s;
        fval r = scalar();
        switch (n->type->code) {
        case FT_BOOL: r.v.b = !a.v.b; break;
        case FT_INT: r.v.i = ~a.v.i; break;
        case FT_LONG: r.v.l = ~a.v.l; break;
        case FT_UINT: r.v.u = ~a.v.u; break;
        default: r.v.ul = ~a.v.ul; break;
        }
        *out = r;
        return FS_OK;
    }
    case FO_CAND:
    case FO_COR: {
        fval a;
        if ((s = ev(e, n->kid[0], env, &a)))
            return s;
        if (a.v.b == (n->op == FO_COR)) {
            *out = a;
            return FS_OK;
        }
        return ev(e, n->kid[1], env, out);
    }
    case FO_COND: {
        fval c;
        if ((s = ev(e, n->kid[0], env, &c)))
            return s;
        const fnode *b = n->kid[c.v.b ? 1 : 2];
        fval v;
        if ((s = ev(e, b, env, &v)))
            return s;
        if (n->type->code == FT_VOID || b->type->code == FT_VOID) {
            fv_release(&v);
            return FS_OK;
        }
        return conv(e, b->type, n->type, v, out, "the value of Conditional");
    }
    case FO_CAST: {
        fval v;
        if ((s = ev(e, n->kid[0], env, &v)))
            return s;
        return conv(e, n->kid[0]->type, n->type, v, out, n->name);
    }
    case FO_ISNULL: {
        fval v;
        if ((s = ev(e, n->kid[0], env, &v)))
            return s;
        *out = of_bool(v.k == VK_NULL);
        fv_release(&v);
        return FS_OK;
    }
    case FO_PARAM:
    case FO_VAR:
    case FO_STATE: {
        fval *p = slot(e, n, env);
        if (!p)
            return FS_ERROR;
        *out = *p;
        fv_retain(*out);
        return FS_OK;
    }
    case FO_LAMBDA: {
        fclosure *c = arena_alloc(e->a, sizeof *c);
        c->lambda = n;
        c->env = env;
        out->k = VK_FUNC;
        out->v.fn = c;
        return FS_OK;
    }
    case FO_INVOKE: {
        fval f;
        if ((s = ev(e, n->kid[0], env, &f)))
            return s;
        size_t na = n->n - 1;
        fval *args = arena_alloc(e->a, (na ? na : 1) * sizeof *args);
        const ftype **types = arena_alloc(e->a, (na ? na : 1) * sizeof *types);
        for (size_t i = 0; i < na; i++) {
            types[i] = n->kid[i + 1]->type;
            if ((s = ev(e, n->kid[i + 1], env, &args[i]))) {
                for (size_t j = 0; j < i; j++)
                    fv_release(&args[j]);
                return s;
            }
        }
        return apply(e, f.v.fn, args, types, na, out);
    }
    case FO_TUPLE:
    case FO_STRUCT:
    case FO_LIST:
    case FO_SET: {
        fheap *h = fh_new(n->op == FO_LIST ? H_LIST : n->op == FO_SET ? H_SET : H_TUPLE, n->n);
        for (size_t i = 0; i < n->n; i++) {
            fval v;
            if ((s = ev(e, n->kid[i], env, &v))) {
                fval hv = fv_heap(h);
                fv_release(&hv);
                return s;
            }
            if (n->op == FO_SET && find_in(n->type->sub[0], h, n->kid[i]->type, v) != SIZE_MAX)
                fv_release(&v);
            else
                fh_push(h, v);
        }
        *out = fv_heap(h);
        return FS_OK;
    }
    case FO_DICT: {
        size_t nk = (size_t)n->index;
        fheap *h = fh_new(H_DICT, nk);
        for (size_t i = 0; i < nk; i++) {
            fval k, v;
            if ((s = ev(e, n->kid[i], env, &k)))
                goto dict_fail;
            if ((s = ev(e, n->kid[nk + i], env, &v))) {
                fv_release(&k);
                goto dict_fail;
            }
            size_t j = find_in(n->type->sub[0], h, n->kid[i]->type, k);
            if (j != SIZE_MAX) { /* a repeated key keeps the last value */
                fv_release(&k);
                fv_release(&h->vals[j]);
                h->vals[j] = v;
            } else
                fh_push_kv(h, k, v);
        }
        *out = fv_heap(h);
        return FS_OK;
    dict_fail : {
        fval hv = fv_heap(h);
        fv_release(&hv);
        return s;
    }
    }
    case FO_EMPTY:
        *out = fv_heap(fh_new(n->type->code == FT_LIST ? H_LIST : n->type->code == FT_SET ? H_SET : H_DICT, 4));
        return FS_OK;
    case FO_FIELD: {
        fval v;
        if ((s = ev(e, n->kid[0], env, &v)))
            return s;
        *out = v.v.h->items[n->index];
        fv_retain(*out);
        fv_release(&v);
        return FS_OK;
    }
    case FO_QUERY: return eval_query(e, n, env, out);
    case FO_MUTATE: return eval_mutate(e, n, env, out);
    case FO_STRING: return eval_string(e, n, env, out);
    case FO_ASSIGN: {
        fval v;
        if ((s = ev(e, n->kid[1], env, &v)))
            return s;
        fval *cell = slot(e, n->kid[0], env);
        if (!cell) {
            fv_release(&v);
            return FS_ERROR;
        }
        fv_release(cell);
        *cell = v;
        *out = v; /* the assigned value */
        fv_retain(v);
        return FS_OK;
    }
    case FO_BLOCK: return eval_block(e, n, env, out);
    case FO_IF: {
        fval c;
        if ((s = ev(e, n->kid[0], env, &c)))
            return s;
        const fnode *b = c.v.b ? n->kid[1] : n->kid[2];
        if (!b)
            return FS_OK;
        fval v;
        s = ev(e, b, env, &v);
        fv_release(&v);
        return s;
    }
    case FO_WHILE:
        for (;;) {
            fval c;
            if ((s = ev(e, n->kid[0], env, &c)))
                return s;
            if (!c.v.b)
                return FS_OK;
            fval v;
            s = ev(e, n->kid[1], env, &v);
            fv_release(&v);
            if (s == FS_BREAK)
                return FS_OK;
            if (s != FS_OK && s != FS_CONTINUE)
                return s;
        }
    case FO_FOREACH: return eval_foreach(e, n, env, out);
    case FO_BREAK: return FS_BREAK;
    case FO_CONTINUE: return FS_CONTINUE;
    case FO_RETURN:
        fv_release(&e->ret);
        if (n->n) {
            if ((s = ev(e, n->kid[0], env, &e->ret)))
                return s;
            e->ret_type = n->kid[0]->type;
        } else
            e->ret_type = NULL;
        return FS_RETURN;
    case FO_THROW: {
        fval m;
        if ((s = ev(e, n->kid[0], env, &m)))
            return s;
        kerror_set(e->err, e->a, n->name, n->name2, "%s", m.v.h->s);
        /* a KRPC exception of a standard kind keeps its kind */
        if (strcmp(n->name, "KRPC") == 0)
            for (int k = KRPC_ERR_ARGUMENT; k <= KRPC_ERR_OVERFLOW; k++)
                if (strcmp(error_kind_name((krpc_error_kind)k), n->name2) == 0)
                    e->err->kind = k;
        fv_release(&m);
        return FS_ERROR;
    }
    case FO_TRY: return eval_try(e, n, env, out);
    }
    return fail(e, KRPC_ERR_NOT_SUPPORTED, "Unknown node %d", (int)n->op);
}

int fn_eval_root(feval *e, const fnode *root, const fval *args, size_t nargs, fval *out) {
    e->start_ns = clock_now_ns();
    e->ret = fv_null();
    *out = fv_null();
    int s;
    if (root->op == FO_LAMBDA) {
        fclosure c = {root, NULL};
        fval *a = arena_alloc(e->a, (nargs ? nargs : 1) * sizeof *a);
        const ftype **types = arena_alloc(e->a, (nargs ? nargs : 1) * sizeof *types);
        for (size_t i = 0; i < nargs; i++) {
            a[i] = args[i];
            fv_retain(a[i]);
            types[i] = root->kid[i]->type;
        }
        s = apply(e, &c, a, types, nargs, out);
    } else {
        s = ev(e, root, NULL, out);
        if (s == FS_RETURN) {
            fv_release(&e->ret);
            s = fail(e, KRPC_ERR_INVALID_OPERATION, "A Return is not inside a Lambda");
        } else if (s == FS_BREAK || s == FS_CONTINUE)
            s = fail(e, KRPC_ERR_INVALID_OPERATION, "A Break or Continue is not inside a loop");
    }
    fv_release(&e->ret);
    if (s != FS_OK)
        fv_release(out);
    return s == FS_OK ? 0 : -1;
}
