/* Evaluation of expression trees (semantics.md 11), in the stream phase for
 * event conditions and at build time for a tuple index. Values are
 * krpc_values laid out as for the declared types (see expression_internal.h);
 * function values are closures. Everything an evaluation allocates lives in
 * the evaluation's arena.
 *
 * Run-time semantics follow .NET: unchecked integer arithmetic, integer
 * division by zero and int.MinValue / -1 fail, floating point follows IEEE,
 * conversions of out-of-range floating point values give what .NET 8 on x64
 * gives, LINQ's Sum is checked and Max/Min/Average/Aggregate fail on empty
 * sequences. */
#include "krpc/expression_internal.h"

#include "core/server_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIVIDE_BY_ZERO_TEXT "Attempted to divide by zero."
#define OVERFLOW_TEXT "Arithmetic operation resulted in an overflow."
#define NO_ELEMENTS_TEXT "Sequence contains no elements"
#define NO_VALUE_TEXT "Nullable object must have a value."
#define MAX_EVAL_DEPTH 4000u

static int fail(xeval *ev, krpc_error_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(xeval *ev, krpc_error_kind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kerror_vkind(ev->err, ev->a, kind, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- value semantics --------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v) { return hash_u64(h * 31 + v + 0x9e3779b97f4a7c15ULL); }

static uint64_t hash_double(double d) {
    if (d != d)
        return 0x7ff8;
    if (d == 0)
        return 0;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return hash_u64(bits);
}

/* Values of wire types that have no expression type of their own (class,
 * enum and struct values, messages), compared and hashed by their ktype. */
static bool keq(const ktype *t, const krpc_value *a, const krpc_value *b);
static uint64_t khash(const ktype *t, const krpc_value *v);

static bool kseq_eq(const ktype *t, const krpc_value *a, const krpc_value *b) {
    if (a->u.seq.count != b->u.seq.count)
        return false;
    for (size_t i = 0; i < a->u.seq.count; i++) {
        const ktype *st = t->code == KT_TUPLE ? t->sub[i] : t->code == KT_STRUCT ? t->st->fields[i].type : t->sub[0];
        if (!keq(st, &a->u.seq.items[i], &b->u.seq.items[i]))
            return false;
    }
    return true;
}

static bool keq(const ktype *t, const krpc_value *a, const krpc_value *b) {
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    switch (t->code) {
    case KT_DOUBLE: return a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d);
    case KT_FLOAT: return a->u.f == b->u.f || (a->u.f != a->u.f && b->u.f != b->u.f);
    case KT_SINT32: return a->u.i32 == b->u.i32;
    case KT_SINT64: return a->u.i64 == b->u.i64;
    case KT_UINT32: return a->u.u32 == b->u.u32;
    case KT_UINT64: return a->u.u64 == b->u.u64;
    case KT_BOOL: return a->u.b == b->u.b;
    case KT_ENUMERATION: return a->u.e == b->u.e;
    case KT_STRING:
    case KT_BYTES: return a->u.s.len == b->u.s.len && memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0;
    case KT_CLASS: return a->u.obj.ptr == b->u.obj.ptr;
    case KT_STRUCT:
    case KT_TUPLE:
    case KT_LIST: return kseq_eq(t, a, b);
    case KT_SET:
        if (a->u.seq.count != b->u.seq.count)
            return false;
        for (size_t i = 0; i < a->u.seq.count; i++) {
            size_t j = 0;
            while (j < b->u.seq.count && !keq(t->sub[0], &a->u.seq.items[i], &b->u.seq.items[j]))
                j++;
            if (j == b->u.seq.count)
                return false;
        }
        return true;
    case KT_DICTIONARY:
        if (a->u.dict.count != b->u.dict.count)
            return false;
        for (size_t i = 0; i < a->u.dict.count; i++) {
            size_t j = 0;
            while (j < b->u.dict.count && !keq(t->sub[0], &a->u.dict.keys[i], &b->u.dict.keys[j]))
                j++;
            if (j == b->u.dict.count || !keq(t->sub[1], &a->u.dict.values[i], &b->u.dict.values[j]))
                return false;
        }
        return true;
    default: {
        const kbytes *x = a->u.host, *y = b->u.host;
        if (!x || !y)
            return x == y;
        return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
    }
    }
}

static uint64_t khash(const ktype *t, const krpc_value *v) {
    if (v->is_null)
        return 0x6e756c6c;
    switch (t->code) {
    case KT_DOUBLE: return hash_double(v->u.d);
    case KT_FLOAT: return hash_double(v->u.f);
    case KT_SINT32: return hash_u64((uint64_t)(int64_t)v->u.i32);
    case KT_SINT64: return hash_u64((uint64_t)v->u.i64);
    case KT_UINT32: return hash_u64(v->u.u32);
    case KT_UINT64: return hash_u64(v->u.u64);
    case KT_BOOL: return v->u.b ? 0x7472 : 0x6661;
    case KT_ENUMERATION: return hash_u64((uint64_t)(int64_t)v->u.e);
    case KT_STRING:
    case KT_BYTES: return hash_bytes(v->u.s.data, v->u.s.len);
    case KT_CLASS: return hash_u64((uint64_t)(uintptr_t)v->u.obj.ptr);
    case KT_STRUCT:
    case KT_TUPLE:
    case KT_LIST: {
        uint64_t h = 17;
        for (size_t i = 0; i < v->u.seq.count; i++) {
            const ktype *st = t->code == KT_TUPLE ? t->sub[i] : t->code == KT_STRUCT ? t->st->fields[i].type : t->sub[0];
            h = mix(h, khash(st, &v->u.seq.items[i]));
        }
        return h;
    }
    case KT_SET: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->u.seq.count; i++)
            h += khash(t->sub[0], &v->u.seq.items[i]);
        return hash_u64(h);
    }
    case KT_DICTIONARY: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->u.dict.count; i++)
            h += mix(khash(t->sub[0], &v->u.dict.keys[i]), khash(t->sub[1], &v->u.dict.values[i]));
        return hash_u64(h);
    }
    default: {
        const kbytes *x = v->u.host;
        return x ? hash_bytes(x->data, x->len) : 0;
    }
    }
}

typedef struct vindex vindex;
static void vindex_init(vindex *ix, arena *a, const xtype *t, size_t n);
static const krpc_value *vindex_add(vindex *ix, const krpc_value *v);

bool xvalue_eq(const xtype *t, const krpc_value *a, const krpc_value *b) {
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    switch (t->kind) {
    case XK_DOUBLE: return a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d);
    case XK_FLOAT: return a->u.f == b->u.f || (a->u.f != a->u.f && b->u.f != b->u.f);
    case XK_INT: return a->u.i32 == b->u.i32;
    case XK_LONG: return a->u.i64 == b->u.i64;
    case XK_UINT: return a->u.u32 == b->u.u32;
    case XK_ULONG: return a->u.u64 == b->u.u64;
    case XK_BOOL: return a->u.b == b->u.b;
    case XK_STRING:
    case XK_BYTES: return a->u.s.len == b->u.s.len && memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0;
    case XK_OPAQUE: return keq(t->kt, a, b);
    case XK_LIST:
    case XK_SEQ:
    case XK_TUPLE:
        if (a->u.seq.count != b->u.seq.count)
            return false;
        for (size_t i = 0; i < a->u.seq.count; i++)
            if (!xvalue_eq(t->kind == XK_TUPLE ? t->sub[i] : t->sub[0], &a->u.seq.items[i], &b->u.seq.items[i]))
                return false;
        return true;
    case XK_SET:
        if (a->u.seq.count != b->u.seq.count)
            return false;
        for (size_t i = 0; i < a->u.seq.count; i++) {
            size_t j = 0;
            while (j < b->u.seq.count && !xvalue_eq(t->sub[0], &a->u.seq.items[i], &b->u.seq.items[j]))
                j++;
            if (j == b->u.seq.count)
                return false;
        }
        return true;
    case XK_DICT:
        if (a->u.dict.count != b->u.dict.count)
            return false;
        for (size_t i = 0; i < a->u.dict.count; i++) {
            size_t j = 0;
            while (j < b->u.dict.count && !xvalue_eq(t->sub[0], &a->u.dict.keys[i], &b->u.dict.keys[j]))
                j++;
            if (j == b->u.dict.count || !xvalue_eq(t->sub[1], &a->u.dict.values[i], &b->u.dict.values[j]))
                return false;
        }
        return true;
    case XK_FUNC: {
        const xclosure *x = a->u.host, *y = b->u.host;
        return x == y || (x->fn == y->fn && x->env == y->env);
    }
    }
    return false;
}

uint64_t xvalue_hash(const xtype *t, const krpc_value *v) {
    if (v->is_null)
        return 0x6e756c6c;
    switch (t->kind) {
    case XK_DOUBLE: return hash_double(v->u.d);
    case XK_FLOAT: return hash_double(v->u.f);
    case XK_INT: return hash_u64((uint64_t)(int64_t)v->u.i32);
    case XK_LONG: return hash_u64((uint64_t)v->u.i64);
    case XK_UINT: return hash_u64(v->u.u32);
    case XK_ULONG: return hash_u64(v->u.u64);
    case XK_BOOL: return v->u.b ? 0x7472 : 0x6661;
    case XK_STRING:
    case XK_BYTES: return hash_bytes(v->u.s.data, v->u.s.len);
    case XK_OPAQUE: return khash(t->kt, v);
    case XK_LIST:
    case XK_SEQ:
    case XK_TUPLE: {
        uint64_t h = 17;
        for (size_t i = 0; i < v->u.seq.count; i++)
            h = mix(h, xvalue_hash(t->kind == XK_TUPLE ? t->sub[i] : t->sub[0], &v->u.seq.items[i]));
        return h;
    }
    case XK_SET: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->u.seq.count; i++)
            h += xvalue_hash(t->sub[0], &v->u.seq.items[i]);
        return hash_u64(h);
    }
    case XK_DICT: {
        uint64_t h = 0;
        for (size_t i = 0; i < v->u.dict.count; i++)
            h += mix(xvalue_hash(t->sub[0], &v->u.dict.keys[i]), xvalue_hash(t->sub[1], &v->u.dict.values[i]));
        return hash_u64(h);
    }
    case XK_FUNC: {
        const xclosure *c = v->u.host;
        return hash_u64((uint64_t)(uintptr_t)c->fn ^ (uint64_t)(uintptr_t)c->env);
    }
    }
    return 0;
}

/* Comparer<T>.Default: nulls and NaN first. Strings compare ordinally. */
int xvalue_cmp(const xtype *t, const krpc_value *a, const krpc_value *b) {
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null ? 0 : a->is_null ? -1 : 1;
#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)
    switch (t->kind) {
    case XK_DOUBLE: {
        double x = a->u.d, y = b->u.d;
        if (x != x || y != y)
            return (x != x) == (y != y) ? 0 : x != x ? -1 : 1;
        return CMP3(x, y);
    }
    case XK_FLOAT: {
        float x = a->u.f, y = b->u.f;
        if (x != x || y != y)
            return (x != x) == (y != y) ? 0 : x != x ? -1 : 1;
        return CMP3(x, y);
    }
    case XK_INT: return CMP3(a->u.i32, b->u.i32);
    case XK_LONG: return CMP3(a->u.i64, b->u.i64);
    case XK_UINT: return CMP3(a->u.u32, b->u.u32);
    case XK_ULONG: return CMP3(a->u.u64, b->u.u64);
    case XK_BOOL: return CMP3(a->u.b, b->u.b);
    case XK_STRING: {
        size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int c = n ? memcmp(a->u.s.data, b->u.s.data, n) : 0;
        return c ? (c < 0 ? -1 : 1) : CMP3(a->u.s.len, b->u.s.len);
    }
    case XK_OPAQUE:
        if (t->kt->code == KT_ENUMERATION)
            return CMP3(a->u.e, b->u.e);
        return 0;
    default:
        return 0;
    }
#undef CMP3
}

/* Shortest text that reads back as the same double (.NET Core's "R"). */
static const char *format_double(arena *a, double d, int maxprec) {
    if (d != d)
        return "NaN";
    if (isinf(d))
        return d > 0 ? "\xe2\x88\x9e" : "-\xe2\x88\x9e";
    char buf[64];
    for (int p = 1; p <= maxprec; p++) {
        snprintf(buf, sizeof buf, "%.*G", p, d);
        if ((maxprec > 9 ? strtod(buf, NULL) : (double)strtof(buf, NULL)) == d)
            break;
    }
    return arena_strdup(a, buf);
}

const char *xvalue_format(arena *a, const xtype *t, const krpc_value *v) {
    if (v->is_null)
        return "";
    switch (t->kind) {
    case XK_DOUBLE: return format_double(a, v->u.d, 17);
    case XK_FLOAT: return format_double(a, (double)v->u.f, 9);
    case XK_INT: return arena_printf(a, "%d", (int)v->u.i32);
    case XK_LONG: return arena_printf(a, "%lld", (long long)v->u.i64);
    case XK_UINT: return arena_printf(a, "%u", (unsigned)v->u.u32);
    case XK_ULONG: return arena_printf(a, "%llu", (unsigned long long)v->u.u64);
    case XK_BOOL: return v->u.b ? "True" : "False";
    case XK_STRING: return arena_strndup(a, v->u.s.data, v->u.s.len);
    case XK_OPAQUE:
        if (t->kt->code == KT_ENUMERATION)
            return arena_printf(a, "%d", (int)v->u.e);
        return t->name;
    default:
        return t->name;
    }
}

/* ---- a hash index of values (sets, dictionaries) ----------------------- */

struct vindex {
    const xtype *t;
    size_t cap;
    const krpc_value **slots;
};

static void vindex_init(vindex *ix, arena *a, const xtype *t, size_t n) {
    ix->t = t;
    ix->cap = 16;
    while (ix->cap < n * 2)
        ix->cap *= 2;
    ix->slots = arena_zalloc(a, ix->cap * sizeof *ix->slots);
}

/* Returns the equal value already present, or NULL after adding v. */
static const krpc_value *vindex_add(vindex *ix, const krpc_value *v) {
    size_t j = xvalue_hash(ix->t, v) & (ix->cap - 1);
    for (;; j = (j + 1) & (ix->cap - 1)) {
        if (!ix->slots[j]) {
            ix->slots[j] = v;
            return NULL;
        }
        if (xvalue_eq(ix->t, ix->slots[j], v))
            return ix->slots[j];
    }
}

/* Keep the first of equal items, in order. */
static size_t dedup(xeval *ev, const xtype *elem, krpc_value *items, size_t n) {
    vindex ix;
    vindex_init(&ix, ev->a, elem, n);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        krpc_value v = items[i];
        items[out] = v;
        if (!vindex_add(&ix, &items[out]))
            out++;
    }
    return out;
}

/* ---- numbers ----------------------------------------------------------- */

static double as_double(const xtype *t, const krpc_value *v) {
    switch (t->kind) {
    case XK_DOUBLE: return v->u.d;
    case XK_FLOAT: return v->u.f;
    case XK_INT: return v->u.i32;
    case XK_LONG: return (double)v->u.i64;
    case XK_UINT: return v->u.u32;
    case XK_ULONG: return (double)v->u.u64;
    case XK_BOOL: return v->u.b ? 1 : 0;
    default: return v->u.e; /* enums */
    }
}

/* Integer bits, sign-extended from signed sources. */
static uint64_t as_bits(const xtype *t, const krpc_value *v) {
    switch (t->kind) {
    case XK_INT: return (uint64_t)(int64_t)v->u.i32;
    case XK_LONG: return (uint64_t)v->u.i64;
    case XK_UINT: return v->u.u32;
    case XK_ULONG: return v->u.u64;
    case XK_BOOL: return v->u.b ? 1 : 0;
    default: return (uint64_t)(int64_t)v->u.e;
    }
}

/* Floating point to integer as .NET 8 on x64 does it: truncation toward
 * zero; NaN and out-of-range values give the "integer indefinite" value. */
static int32_t d2i32(double d) { return d > -2147483649.0 && d < 2147483648.0 ? (int32_t)d : INT32_MIN; }
static int64_t d2i64(double d) {
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
}
static uint32_t d2u32(double d) { return (uint32_t)(uint64_t)d2i64(d); }
static uint64_t d2u64(double d) {
    if (d >= 0 && d < 18446744073709551616.0)
        return (uint64_t)d;
    return (uint64_t)d2i64(d);
}

/* A conversion .NET defines (Convert between numbers, bools and enums; the
 * identity otherwise). The source is not null. */
static void convert(const xtype *from, const krpc_value *v, const xtype *to, krpc_value *out) {
    memset(out, 0, sizeof *out);
    bool fp = from->kind == XK_DOUBLE || from->kind == XK_FLOAT;
    switch (to->kind) {
    case XK_DOUBLE: out->u.d = as_double(from, v); break;
    case XK_FLOAT: out->u.f = from->kind == XK_DOUBLE ? (float)v->u.d : (float)as_double(from, v); break;
    case XK_INT: out->u.i32 = fp ? d2i32(as_double(from, v)) : (int32_t)(uint32_t)as_bits(from, v); break;
    case XK_LONG: out->u.i64 = fp ? d2i64(as_double(from, v)) : (int64_t)as_bits(from, v); break;
    case XK_UINT: out->u.u32 = fp ? d2u32(as_double(from, v)) : (uint32_t)as_bits(from, v); break;
    case XK_ULONG: out->u.u64 = fp ? d2u64(as_double(from, v)) : as_bits(from, v); break;
    case XK_BOOL:
        if (from->kind == XK_BOOL)
            out->u.b = v->u.b;
        else
            out->u.b = as_bits(from, v) != 0;
        break;
    default: *out = *v; out->is_null = false; break;
    }
}

static int arith(xeval *ev, xop op, const xtype *t, const krpc_value *a, const krpc_value *b, krpc_value *out) {
    switch (t->kind) {
    case XK_DOUBLE: {
        double x = a->u.d, y = b->u.d;
        out->u.d = op == XO_ADD ? x + y : op == XO_SUB ? x - y : op == XO_MUL ? x * y : op == XO_DIV ? x / y : fmod(x, y);
        return 0;
    }
    case XK_FLOAT: {
        float x = a->u.f, y = b->u.f;
        out->u.f = op == XO_ADD ? x + y : op == XO_SUB ? x - y : op == XO_MUL ? x * y : op == XO_DIV ? x / y : fmodf(x, y);
        return 0;
    }
    case XK_INT: {
        int32_t x = a->u.i32, y = b->u.i32;
        if ((op == XO_DIV || op == XO_MOD) && y == 0)
            return fail(ev, KRPC_ERR_GENERIC, DIVIDE_BY_ZERO_TEXT);
        if ((op == XO_DIV || op == XO_MOD) && x == INT32_MIN && y == -1)
            return fail(ev, KRPC_ERR_GENERIC, OVERFLOW_TEXT);
        uint32_t ux = (uint32_t)x, uy = (uint32_t)y;
        out->u.i32 = op == XO_ADD   ? (int32_t)(ux + uy)
                     : op == XO_SUB ? (int32_t)(ux - uy)
                     : op == XO_MUL ? (int32_t)(ux * uy)
                     : op == XO_DIV ? x / y
                                    : x % y;
        return 0;
    }
    case XK_LONG: {
        int64_t x = a->u.i64, y = b->u.i64;
        if ((op == XO_DIV || op == XO_MOD) && y == 0)
            return fail(ev, KRPC_ERR_GENERIC, DIVIDE_BY_ZERO_TEXT);
        if ((op == XO_DIV || op == XO_MOD) && x == INT64_MIN && y == -1)
            return fail(ev, KRPC_ERR_GENERIC, OVERFLOW_TEXT);
        uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
        out->u.i64 = op == XO_ADD   ? (int64_t)(ux + uy)
                     : op == XO_SUB ? (int64_t)(ux - uy)
                     : op == XO_MUL ? (int64_t)(ux * uy)
                     : op == XO_DIV ? x / y
                                    : x % y;
        return 0;
    }
    case XK_UINT: {
        uint32_t x = a->u.u32, y = b->u.u32;
        if ((op == XO_DIV || op == XO_MOD) && y == 0)
            return fail(ev, KRPC_ERR_GENERIC, DIVIDE_BY_ZERO_TEXT);
        out->u.u32 = op == XO_ADD ? x + y : op == XO_SUB ? x - y : op == XO_MUL ? x * y : op == XO_DIV ? x / y : x % y;
        return 0;
    }
    case XK_ULONG: {
        uint64_t x = a->u.u64, y = b->u.u64;
        if ((op == XO_DIV || op == XO_MOD) && y == 0)
            return fail(ev, KRPC_ERR_GENERIC, DIVIDE_BY_ZERO_TEXT);
        out->u.u64 = op == XO_ADD ? x + y : op == XO_SUB ? x - y : op == XO_MUL ? x * y : op == XO_DIV ? x / y : x % y;
        return 0;
    }
    default:
        return fail(ev, KRPC_ERR_GENERIC, "Arithmetic on %s", t->name);
    }
}

/* IEEE comparison (NaN compares false) for the comparison operators. */
static bool compare(xop op, const xtype *t, const krpc_value *a, const krpc_value *b) {
    if (t->kind == XK_DOUBLE || t->kind == XK_FLOAT) {
        double x = as_double(t, a), y = as_double(t, b);
        switch (op) {
        case XO_EQ: return x == y;
        case XO_NE: return x != y;
        case XO_GT: return x > y;
        case XO_GE: return x >= y;
        case XO_LT: return x < y;
        default: return x <= y;
        }
    }
    if (op == XO_EQ)
        return xvalue_eq(t, a, b);
    if (op == XO_NE)
        return !xvalue_eq(t, a, b);
    int c = xvalue_cmp(t, a, b);
    return op == XO_GT ? c > 0 : op == XO_GE ? c >= 0 : op == XO_LT ? c < 0 : c <= 0;
}

static void bitwise(xop op, const xtype *t, const krpc_value *a, const krpc_value *b, krpc_value *out) {
    uint64_t x = as_bits(t, a), y = op == XO_NOT ? 0 : as_bits(t, b);
    uint64_t r = op == XO_AND ? (x & y) : op == XO_OR ? (x | y) : op == XO_XOR ? (x ^ y) : ~x;
    switch (t->kind) {
    case XK_BOOL: out->u.b = op == XO_NOT ? !a->u.b : (r & 1) != 0; break;
    case XK_INT: out->u.i32 = (int32_t)(uint32_t)r; break;
    case XK_LONG: out->u.i64 = (int64_t)r; break;
    case XK_UINT: out->u.u32 = (uint32_t)r; break;
    default: out->u.u64 = r; break;
    }
}

static void shift(xop op, const xtype *t, const krpc_value *a, int32_t n, krpc_value *out) {
    switch (t->kind) {
    case XK_INT: {
        unsigned s = (unsigned)n & 31;
        out->u.i32 = op == XO_SHL ? (int32_t)((uint32_t)a->u.i32 << s)
                                  : (a->u.i32 < 0 ? ~(int32_t)(~(uint32_t)a->u.i32 >> s) : (int32_t)((uint32_t)a->u.i32 >> s));
        break;
    }
    case XK_LONG: {
        unsigned s = (unsigned)n & 63;
        out->u.i64 = op == XO_SHL ? (int64_t)((uint64_t)a->u.i64 << s)
                                  : (a->u.i64 < 0 ? ~(int64_t)(~(uint64_t)a->u.i64 >> s) : (int64_t)((uint64_t)a->u.i64 >> s));
        break;
    }
    case XK_UINT: {
        unsigned s = (unsigned)n & 31;
        out->u.u32 = op == XO_SHL ? a->u.u32 << s : a->u.u32 >> s;
        break;
    }
    default: {
        unsigned s = (unsigned)n & 63;
        out->u.u64 = op == XO_SHL ? a->u.u64 << s : a->u.u64 >> s;
        break;
    }
    }
}

/* ---- evaluation -------------------------------------------------------- */

static int eval(xeval *ev, const xnode *n, xenv *env, krpc_value *out);

/* Call a function value with arguments. */
static int apply(xeval *ev, const krpc_value *fn, const krpc_value *args, size_t nargs, krpc_value *out) {
    const xclosure *c = fn->u.host;
    const xnode *f = c->fn;
    xenv *env = c->env;
    for (size_t i = 0; i < nargs && i + 1 < f->nkids; i++) {
        xenv *e = arena_alloc(ev->a, sizeof *e);
        e->param = f->kids[i];
        e->v = args[i];
        e->next = env;
        env = e;
    }
    return eval(ev, f->kids[f->nkids - 1], env, out);
}

static int apply1(xeval *ev, const krpc_value *fn, const krpc_value *arg, krpc_value *out) {
    return apply(ev, fn, arg, 1, out);
}

static int apply_elem(xeval *ev, const xnode *n, const krpc_value *fn, const krpc_value *item, size_t index,
                      krpc_value *out) {
    if (!n->indexed)
        return apply1(ev, fn, item, out);
    krpc_value args[2];
    args[0] = *item;
    memset(&args[1], 0, sizeof args[1]);
    args[1].u.i32 = (int32_t)index;
    return apply(ev, fn, args, 2, out);
}

static int eval_call(xeval *ev, const xnode *n, krpc_value *out) {
    kcall c = n->call;
    c.state = CALL_PENDING;
    c.resume = NULL;
    c.rstate = NULL;
    c.rfree = NULL;
    call_execute(ev->srv, ev->client, &c, ev->a, true);
    if (c.state == CALL_YIELDED) {
        call_drop(&c);
        return fail(ev, KRPC_ERR_INVALID_OPERATION,
                    "Procedure %s did not return a value at once; procedures that yield cannot be used "
                    "in an expression.",
                    c.proc->fullname);
    }
    if (c.err.set) {
        *ev->err = c.err;
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (c.is_null) {
        out->is_null = true;
        return 0;
    }
    kvalue_ctx ctx = {.a = ev->a, .objects = &ev->srv->objects, .err = ev->err};
    return value_decode(&ctx, c.proc->ret, c.value, c.value_len, out);
}

static krpc_value *new_items(xeval *ev, size_t n) { return arena_zalloc(ev->a, (n ? n : 1) * sizeof(krpc_value)); }

static int eval_binary(xeval *ev, const xnode *n, xenv *env, krpc_value *out) {
    krpc_value a, b;
    if (eval(ev, n->kids[0], env, &a) || eval(ev, n->kids[1], env, &b))
        return -1;
    const xtype *t = n->kids[0]->type;
    switch (n->op) {
    case XO_EQ:
    case XO_NE:
        if (a.is_null || b.is_null) {
            bool eq = a.is_null && b.is_null;
            out->u.b = n->op == XO_EQ ? eq : !eq;
            return 0;
        }
        out->u.b = compare(n->op, t, &a, &b);
        return 0;
    case XO_GT:
    case XO_GE:
    case XO_LT:
    case XO_LE:
        out->u.b = !a.is_null && !b.is_null && compare(n->op, t, &a, &b);
        return 0;
    case XO_AND:
    case XO_OR:
    case XO_XOR:
        if (t->kind == XK_BOOL && t->nullable && n->op != XO_XOR) {
            /* three-valued logic of bool? */
            bool dom = n->op == XO_OR; /* the value that decides alone */
            if ((!a.is_null && a.u.b == dom) || (!b.is_null && b.u.b == dom)) {
                out->u.b = dom;
                return 0;
            }
            if (a.is_null || b.is_null) {
                out->is_null = true;
                return 0;
            }
            out->u.b = !dom;
            return 0;
        }
        if (a.is_null || b.is_null) {
            out->is_null = true;
            return 0;
        }
        bitwise(n->op, t, &a, &b, out);
        return 0;
    case XO_SHL:
    case XO_SHR:
        if (a.is_null || b.is_null) {
            out->is_null = true;
            return 0;
        }
        shift(n->op, t, &a, b.u.i32, out);
        return 0;
    case XO_POW: {
        if (a.is_null || b.is_null)
            return fail(ev, KRPC_ERR_INVALID_OPERATION, NO_VALUE_TEXT);
        double r = pow(as_double(t, &a), as_double(n->kids[1]->type, &b));
        krpc_value d;
        memset(&d, 0, sizeof d);
        d.u.d = r;
        static const xtype dbl = {.kind = XK_DOUBLE, .name = (char *)"System.Double"};
        convert(&dbl, &d, t, out);
        return 0;
    }
    default:
        if (a.is_null || b.is_null) {
            out->is_null = true;
            return 0;
        }
        return arith(ev, n->op, t, &a, &b, out);
    }
}

/* The items of a sequence value (list, set, IEnumerable). */
static void items_of(const krpc_value *v, krpc_value **items, size_t *n) {
    *items = v->u.seq.items;
    *n = v->u.seq.count;
}

static int eval_aggregate_numbers(xeval *ev, const xnode *n, const krpc_value *seq, krpc_value *out) {
    krpc_value *it;
    size_t cnt;
    items_of(seq, &it, &cnt);
    const xtype *et = xtype_elem(n->kids[0]->type);
    if (n->op == XO_SUM) {
        switch (et->kind) {
        case XK_INT: {
            int64_t s = 0;
            for (size_t i = 0; i < cnt; i++) {
                s += it[i].u.i32;
                if (s > INT32_MAX || s < INT32_MIN)
                    return fail(ev, KRPC_ERR_GENERIC, OVERFLOW_TEXT);
            }
            out->u.i32 = (int32_t)s;
            return 0;
        }
        case XK_LONG: {
            int64_t s = 0;
            for (size_t i = 0; i < cnt; i++)
                if (__builtin_add_overflow(s, it[i].u.i64, &s))
                    return fail(ev, KRPC_ERR_GENERIC, OVERFLOW_TEXT);
            out->u.i64 = s;
            return 0;
        }
        case XK_FLOAT: {
            double s = 0;
            for (size_t i = 0; i < cnt; i++)
                s += it[i].u.f;
            out->u.f = (float)s;
            return 0;
        }
        default: {
            double s = 0;
            for (size_t i = 0; i < cnt; i++)
                s += it[i].u.d;
            out->u.d = s;
            return 0;
        }
        }
    }
    if (!cnt)
        return fail(ev, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS_TEXT);
    if (n->op == XO_AVG) {
        switch (et->kind) {
        case XK_INT:
        case XK_LONG: {
            int64_t s = 0;
            for (size_t i = 0; i < cnt; i++)
                if (__builtin_add_overflow(s, et->kind == XK_INT ? (int64_t)it[i].u.i32 : it[i].u.i64, &s))
                    return fail(ev, KRPC_ERR_GENERIC, OVERFLOW_TEXT);
            out->u.d = (double)s / (double)cnt;
            return 0;
        }
        case XK_FLOAT: {
            double s = 0;
            for (size_t i = 0; i < cnt; i++)
                s += it[i].u.f;
            out->u.f = (float)(s / (double)cnt);
            return 0;
        }
        default: {
            double s = 0;
            for (size_t i = 0; i < cnt; i++)
                s += it[i].u.d;
            out->u.d = s / (double)cnt;
            return 0;
        }
        }
    }
    /* Max / Min; for floating point, Max ignores NaN unless all are NaN and
     * Min returns NaN as soon as it meets one (LINQ). */
    bool fp = et->kind == XK_DOUBLE || et->kind == XK_FLOAT;
    size_t best = 0;
    if (fp) {
        if (n->op == XO_MAX) {
            while (best < cnt && as_double(et, &it[best]) != as_double(et, &it[best]))
                best++;
            if (best == cnt) {
                *out = it[0];
                return 0;
            }
            for (size_t i = best + 1; i < cnt; i++)
                if (as_double(et, &it[i]) > as_double(et, &it[best]))
                    best = i;
        } else {
            for (size_t i = 0; i < cnt; i++) {
                double x = as_double(et, &it[i]);
                if (x != x) {
                    best = i;
                    break;
                }
                if (x < as_double(et, &it[best]))
                    best = i;
            }
        }
    } else {
        for (size_t i = 1; i < cnt; i++) {
            int c = xvalue_cmp(et, &it[i], &it[best]);
            if (n->op == XO_MAX ? c > 0 : c < 0)
                best = i;
        }
    }
    *out = it[best];
    return 0;
}

/* Stable merge sort of an index array by keys. */
static void sort_by_keys(const xtype *kt, const krpc_value *keys, size_t *idx, size_t *tmp, size_t n) {
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_keys(kt, keys, idx, tmp, h);
    sort_by_keys(kt, keys, idx + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (xvalue_cmp(kt, &keys[idx[j]], &keys[idx[i]]) < 0)
            tmp[k++] = idx[j++];
        else
            tmp[k++] = idx[i++];
    }
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int eval_sequence_op(xeval *ev, const xnode *n, xenv *env, krpc_value *out) {
    krpc_value src;
    if (eval(ev, n->kids[0], env, &src))
        return -1;
    krpc_value *it;
    size_t cnt;
    items_of(&src, &it, &cnt);
    const xtype *et = xtype_elem(n->kids[0]->type);
    krpc_value fn;
    switch (n->op) {
    case XO_TOLIST: {
        krpc_value *r = new_items(ev, cnt);
        if (cnt)
            memcpy(r, it, cnt * sizeof *r);
        out->u.seq.items = r;
        out->u.seq.count = cnt;
        return 0;
    }
    case XO_TOSET: {
        krpc_value *r = new_items(ev, cnt);
        if (cnt)
            memcpy(r, it, cnt * sizeof *r);
        out->u.seq.items = r;
        out->u.seq.count = dedup(ev, et, r, cnt);
        return 0;
    }
    case XO_SUM:
    case XO_MAX:
    case XO_MIN:
    case XO_AVG:
        return eval_aggregate_numbers(ev, n, &src, out);
    case XO_CONTAINS: {
        krpc_value v;
        if (eval(ev, n->kids[1], env, &v))
            return -1;
        out->u.b = false;
        for (size_t i = 0; i < cnt && !out->u.b; i++)
            out->u.b = xvalue_eq(et, &it[i], &v);
        return 0;
    }
    case XO_CONCAT: {
        krpc_value other;
        if (eval(ev, n->kids[1], env, &other))
            return -1;
        krpc_value *it2;
        size_t cnt2;
        items_of(&other, &it2, &cnt2);
        krpc_value *r = new_items(ev, cnt + cnt2);
        if (cnt)
            memcpy(r, it, cnt * sizeof *r);
        if (cnt2)
            memcpy(r + cnt, it2, cnt2 * sizeof *r);
        out->u.seq.items = r;
        out->u.seq.count = cnt + cnt2;
        return 0;
    }
    default:
        break;
    }
    /* the rest take a function (the last child) */
    if (eval(ev, n->kids[n->nkids - 1], env, &fn))
        return -1;
    switch (n->op) {
    case XO_SELECT:
    case XO_WHERE: {
        krpc_value *r = new_items(ev, cnt);
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
            krpc_value v;
            if (apply_elem(ev, n, &fn, &it[i], i, &v))
                return -1;
            if (n->op == XO_SELECT)
                r[k++] = v;
            else if (v.u.b)
                r[k++] = it[i];
        }
        out->u.seq.items = r;
        out->u.seq.count = k;
        return 0;
    }
    case XO_ALL:
    case XO_ANY: {
        bool want = n->op == XO_ANY;
        out->u.b = !want;
        for (size_t i = 0; i < cnt; i++) {
            krpc_value v;
            if (apply1(ev, &fn, &it[i], &v))
                return -1;
            if (v.u.b == want) {
                out->u.b = want;
                break;
            }
        }
        return 0;
    }
    case XO_AGG:
    case XO_AGG_SEED: {
        krpc_value acc;
        size_t start = 0;
        if (n->op == XO_AGG_SEED) {
            if (eval(ev, n->kids[1], env, &acc))
                return -1;
        } else {
            if (!cnt)
                return fail(ev, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS_TEXT);
            acc = it[0];
            start = 1;
        }
        for (size_t i = start; i < cnt; i++) {
            krpc_value args[2] = {acc, it[i]};
            if (apply(ev, &fn, args, 2, &acc))
                return -1;
        }
        *out = acc;
        return 0;
    }
    case XO_ORDERBY: {
        const xtype *kt = n->kids[1]->type->sub[1];
        krpc_value *keys = new_items(ev, cnt);
        for (size_t i = 0; i < cnt; i++)
            if (apply1(ev, &fn, &it[i], &keys[i]))
                return -1;
        if (cnt > 1 && !xtype_is_comparable(kt))
            return fail(ev, KRPC_ERR_INVALID_OPERATION, "Failed to compare two elements in the array.");
        size_t *idx = arena_alloc(ev->a, (cnt ? cnt : 1) * sizeof *idx);
        size_t *tmp = arena_alloc(ev->a, (cnt ? cnt : 1) * sizeof *tmp);
        for (size_t i = 0; i < cnt; i++)
            idx[i] = i;
        sort_by_keys(kt, keys, idx, tmp, cnt);
        krpc_value *r = new_items(ev, cnt);
        for (size_t i = 0; i < cnt; i++)
            r[i] = it[idx[i]];
        out->u.seq.items = r;
        out->u.seq.count = cnt;
        return 0;
    }
    default:
        return fail(ev, KRPC_ERR_GENERIC, "Unknown sequence operation %d", (int)n->op);
    }
}

static int eval_get(xeval *ev, const xnode *n, xenv *env, krpc_value *out) {
    krpc_value c, k;
    if (eval(ev, n->kids[0], env, &c))
        return -1;
    if (n->op == XO_GET_TUPLE) {
        *out = c.u.seq.items[n->index];
        return 0;
    }
    if (eval(ev, n->kids[1], env, &k))
        return -1;
    if (n->op == XO_GET_LIST) {
        if (k.u.i32 < 0 || (size_t)k.u.i32 >= c.u.seq.count)
            return fail(ev, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                        "Index was out of range. Must be non-negative and less than the size of the "
                        "collection. (Parameter 'index')");
        *out = c.u.seq.items[k.u.i32];
        return 0;
    }
    const xtype *kt = n->kids[0]->type->sub[0];
    for (size_t i = 0; i < c.u.dict.count; i++)
        if (xvalue_eq(kt, &c.u.dict.keys[i], &k)) {
            *out = c.u.dict.values[i];
            return 0;
        }
    return fail(ev, KRPC_ERR_GENERIC, "The given key '%s' was not present in the dictionary.",
                xvalue_format(ev->a, kt, &k));
}

static int eval_node(xeval *ev, const xnode *n, xenv *env, krpc_value *out) {
    memset(out, 0, sizeof *out);
    if (++ev->steps > XEXPR_MAX_STEPS)
        return fail(ev, KRPC_ERR_INVALID_OPERATION,
                    "The expression took too many steps to evaluate (more than %u)", XEXPR_MAX_STEPS);
    switch (n->op) {
    case XO_CONST:
        *out = n->k;
        return 0;
    case XO_CALL:
        return eval_call(ev, n, out);
    case XO_PARAM:
        for (xenv *e = env; e; e = e->next)
            if (e->param == n) {
                *out = e->v;
                return 0;
            }
        return fail(ev, KRPC_ERR_INVALID_OPERATION,
                    "variable '%s' of type '%s' referenced from scope '', but it is not defined", n->name,
                    n->type->name);
    case XO_FUNC: {
        xclosure *c = arena_alloc(ev->a, sizeof *c);
        c->fn = n;
        c->env = env;
        out->u.host = c;
        return 0;
    }
    case XO_INVOKE: {
        krpc_value fn;
        if (eval(ev, n->kids[0], env, &fn))
            return -1;
        size_t na = n->nkids - 1;
        krpc_value *args = new_items(ev, na);
        for (size_t i = 0; i < na; i++)
            if (eval(ev, n->kids[i + 1], env, &args[i]))
                return -1;
        return apply(ev, &fn, args, na, out);
    }
    case XO_NOT: {
        krpc_value a;
        if (eval(ev, n->kids[0], env, &a))
            return -1;
        if (a.is_null) {
            out->is_null = true;
            return 0;
        }
        bitwise(XO_NOT, n->kids[0]->type, &a, NULL, out);
        return 0;
    }
    case XO_CAST: {
        krpc_value a;
        if (eval(ev, n->kids[0], env, &a))
            return -1;
        if (a.is_null) {
            if (n->type->nullable || !xtype_is_value_type(n->type)) {
                out->is_null = true;
                return 0;
            }
            return fail(ev, KRPC_ERR_INVALID_OPERATION, NO_VALUE_TEXT);
        }
        convert(n->kids[0]->type, &a, n->type, out);
        return 0;
    }
    case XO_TUPLE:
    case XO_LIST:
    case XO_SET: {
        krpc_value *r = new_items(ev, n->nkids);
        for (size_t i = 0; i < n->nkids; i++)
            if (eval(ev, n->kids[i], env, &r[i]))
                return -1;
        out->u.seq.items = r;
        out->u.seq.count = n->op == XO_SET ? dedup(ev, n->type->sub[0], r, n->nkids) : n->nkids;
        return 0;
    }
    case XO_DICT: {
        size_t nk = n->index, nv = n->nkids - n->index;
        krpc_value *keys = new_items(ev, nk), *vals = new_items(ev, nv);
        for (size_t i = 0; i < nk; i++)
            if (eval(ev, n->kids[i], env, &keys[i]))
                return -1;
        for (size_t i = 0; i < nv; i++)
            if (eval(ev, n->kids[nk + i], env, &vals[i]))
                return -1;
        if (nk != nv)
            return fail(ev, KRPC_ERR_ARGUMENT, "Number of keys and values differ");
        vindex ix;
        vindex_init(&ix, ev->a, n->type->sub[0], nk);
        for (size_t i = 0; i < nk; i++)
            if (vindex_add(&ix, &keys[i]))
                return fail(ev, KRPC_ERR_ARGUMENT, "An item with the same key has already been added. Key: %s",
                            xvalue_format(ev->a, n->type->sub[0], &keys[i]));
        out->u.dict.keys = keys;
        out->u.dict.values = vals;
        out->u.dict.count = nk;
        return 0;
    }
    case XO_GET_TUPLE:
    case XO_GET_LIST:
    case XO_GET_DICT:
        return eval_get(ev, n, env, out);
    case XO_COUNT: {
        krpc_value c;
        if (eval(ev, n->kids[0], env, &c))
            return -1;
        out->u.i32 = (int32_t)(n->kids[0]->type->kind == XK_DICT ? c.u.dict.count : c.u.seq.count);
        return 0;
    }
    case XO_TOLIST:
    case XO_TOSET:
    case XO_SUM:
    case XO_MAX:
    case XO_MIN:
    case XO_AVG:
    case XO_SELECT:
    case XO_WHERE:
    case XO_CONTAINS:
    case XO_AGG:
    case XO_AGG_SEED:
    case XO_CONCAT:
    case XO_ORDERBY:
    case XO_ALL:
    case XO_ANY:
        return eval_sequence_op(ev, n, env, out);
    default:
        return eval_binary(ev, n, env, out);
    }
}

/* Function applications can nest evaluations deeper than the tree itself:
 * bound the C stack used. */
static int eval(xeval *ev, const xnode *n, xenv *env, krpc_value *out) {
    if (ev->depth >= MAX_EVAL_DEPTH) {
        memset(out, 0, sizeof *out);
        return fail(ev, KRPC_ERR_INVALID_OPERATION, "The expression is nested too deeply to evaluate");
    }
    ev->depth++;
    int rc = eval_node(ev, n, env, out);
    ev->depth--;
    return rc;
}

int xeval_node(xeval *ev, const xnode *n, xenv *env, krpc_value *out) { return eval(ev, n, env, out); }
