/* Default-value literals ("[1, 2, 3]", "{1: false}", "(42, \"jeb\")", "nan",
 * "ValueC", "null") parsed against a parameter's type into a krpc_value. */
#include "registry/literal.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lparser {
    arena *a;
    const char *p;
    char *err;
    size_t errlen;
    int depth;
} lparser;

static void ws(lparser *l) {
    while (isspace((unsigned char)*l->p))
        l->p++;
}

static int fail(lparser *l, const char *what) {
    snprintf(l->err, l->errlen, "%s at '%.20s'", what, l->p);
    return -1;
}

static bool word(lparser *l, const char *w) {
    size_t n = strlen(w);
    if (strncmp(l->p, w, n) == 0 && !isalnum((unsigned char)l->p[n]) && l->p[n] != '_') {
        l->p += n;
        return true;
    }
    return false;
}

/* A number token: optional sign, digits, point, exponent. */
static int number_token(lparser *l, char *buf, size_t len) {
    const char *s = l->p;
    size_t n = 0;
    while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '.' || s[n] == '-' || s[n] == '+'))
        n++;
    if (!n || n >= len)
        return fail(l, "expected a number");
    if (s[0] == '"')
        return fail(l, "expected a number, not a string");
    memcpy(buf, s, n);
    buf[n] = 0;
    l->p += n;
    return 0;
}

static int parse_float(lparser *l, double *out, bool single) {
    bool neg = false;
    if (word(l, "nan")) {
        *out = copysign(NAN, -1.0); /* .NET's NaN bit pattern has the sign set */
        return 0;
    }
    if (*l->p == '-' && (strncmp(l->p + 1, "inf", 3) == 0)) {
        l->p++;
        neg = true;
    }
    if (word(l, "inf")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (word(l, "max")) {
        *out = single ? FLT_MAX : DBL_MAX;
        return 0;
    }
    if (word(l, "lowest")) {
        *out = single ? -FLT_MAX : -DBL_MAX;
        return 0;
    }
    char buf[64];
    const char *start = l->p;
    if (number_token(l, buf, sizeof buf))
        return -1;
    char *end;
    errno = 0;
    if (single)
        *out = strtof(buf, &end);
    else
        *out = strtod(buf, &end);
    if (*end || end == buf) {
        l->p = start;
        return fail(l, "expected a number (or nan, inf, -inf, max, lowest)");
    }
    return 0;
}

static int parse_int(lparser *l, bool is_signed, int64_t lo, int64_t hi, uint64_t uhi, int64_t *s,
                     uint64_t *u) {
    if (word(l, "max")) {
        *s = hi;
        *u = uhi;
        return 0;
    }
    if (word(l, "min") || word(l, "lowest")) {
        *s = lo;
        *u = 0;
        return 0;
    }
    char buf[64];
    const char *start = l->p;
    if (number_token(l, buf, sizeof buf))
        return -1;
    char *end;
    errno = 0;
    if (is_signed) {
        long long v = strtoll(buf, &end, 0);
        l->p = start;
        if (*end || end == buf)
            return fail(l, "expected an integer (or max, min)");
        if (errno || v < lo || v > hi)
            return fail(l, "integer out of range");
        *s = v;
    } else {
        unsigned long long v = strtoull(buf, &end, 0);
        l->p = start;
        if (*end || end == buf || buf[0] == '-')
            return fail(l, "expected an unsigned integer (or max)");
        if (errno || v > uhi)
            return fail(l, "integer out of range");
        *u = v;
    }
    l->p = start + strlen(buf);
    return 0;
}

static int parse_string(lparser *l, bool bytes, krpc_value *out) {
    if (bytes) {
        if (*l->p != 'x' || l->p[1] != '"')
            return fail(l, "expected x\"hex\"");
        l->p += 2;
        const char *s = l->p;
        while (isxdigit((unsigned char)*l->p))
            l->p++;
        if (*l->p != '"' || (l->p - s) % 2)
            return fail(l, "bad hex bytes");
        size_t n = (size_t)(l->p - s) / 2;
        char *d = arena_alloc(l->a, n + 1);
        for (size_t i = 0; i < n; i++) {
            char h[3] = {s[2 * i], s[2 * i + 1], 0};
            d[i] = (char)strtoul(h, NULL, 16);
        }
        d[n] = 0;
        l->p++;
        out->u.s.data = d;
        out->u.s.len = n;
        return 0;
    }
    if (*l->p != '"')
        return fail(l, "expected a string");
    l->p++;
    size_t cap = strlen(l->p) + 1, n = 0;
    char *d = arena_alloc(l->a, cap);
    while (*l->p && *l->p != '"') {
        char c = *l->p++;
        if (c == '\\') {
            c = *l->p++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case '0': c = '\0'; break;
            case '\\': case '"': break;
            case 'x': {
                char h[3] = {l->p[0], l->p[1], 0};
                if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
                    return fail(l, "bad \\x escape");
                c = (char)strtoul(h, NULL, 16);
                l->p += 2;
                break;
            }
            default:
                return fail(l, "unknown escape");
            }
        }
        d[n++] = c;
    }
    if (*l->p != '"')
        return fail(l, "unterminated string");
    l->p++;
    d[n] = 0;
    out->u.s.data = d;
    out->u.s.len = n;
    return 0;
}

static int parse_value(lparser *l, const ktype *t, krpc_value *out);

/* Items between open and close, separated by commas. For dictionaries each
 * item is "key: value". */
static int parse_items(lparser *l, char open, char close, const ktype *t, const ktype *const *types,
                       size_t ntypes, krpc_value **items, krpc_value **values, size_t *count) {
    if (*l->p != open) {
        char msg[32];
        snprintf(msg, sizeof msg, "expected '%c'", open);
        return fail(l, msg);
    }
    l->p++;
    size_t cap = 8, n = 0;
    krpc_value *it = arena_zalloc(l->a, cap * sizeof *it);
    krpc_value *vals = values ? arena_zalloc(l->a, cap * sizeof *vals) : NULL;
    ws(l);
    while (*l->p != close) {
        if (n == cap) {
            krpc_value *ni = arena_zalloc(l->a, 2 * cap * sizeof *ni);
            memcpy(ni, it, n * sizeof *ni);
            it = ni;
            if (vals) {
                krpc_value *nv = arena_zalloc(l->a, 2 * cap * sizeof *nv);
                memcpy(nv, vals, n * sizeof *nv);
                vals = nv;
            }
            cap *= 2;
        }
        const ktype *et = types ? (n < ntypes ? types[n] : NULL) : t->sub[0];
        if (!et)
            return fail(l, "too many items");
        if (parse_value(l, et, &it[n]))
            return -1;
        ws(l);
        if (vals) {
            if (*l->p != ':')
                return fail(l, "expected ':'");
            l->p++;
            if (parse_value(l, t->sub[1], &vals[n]))
                return -1;
            ws(l);
        }
        n++;
        if (*l->p == ',') {
            l->p++;
            ws(l);
        } else if (*l->p != close) {
            return fail(l, "expected ',' or the end of the collection");
        }
    }
    l->p++;
    if (types && n != ntypes)
        return fail(l, "wrong number of items");
    *items = it;
    if (values)
        *values = vals;
    *count = n;
    return 0;
}

static int parse_value(lparser *l, const ktype *t, krpc_value *out) {
    if (++l->depth > 32)
        return fail(l, "literal nested too deeply");
    ws(l);
    memset(out, 0, sizeof *out);
    int rc = 0;
    int64_t s = 0;
    uint64_t u = 0;
    double d = 0;
    switch (t->code) {
    case KT_DOUBLE:
        rc = parse_float(l, &d, false);
        out->u.d = d;
        break;
    case KT_FLOAT:
        rc = parse_float(l, &d, true);
        out->u.f = (float)d;
        break;
    case KT_SINT32:
        rc = parse_int(l, true, INT32_MIN, INT32_MAX, 0, &s, &u);
        out->u.i32 = (int32_t)s;
        break;
    case KT_SINT64:
        rc = parse_int(l, true, INT64_MIN, INT64_MAX, 0, &s, &u);
        out->u.i64 = s;
        break;
    case KT_UINT32:
        rc = parse_int(l, false, 0, 0, UINT32_MAX, &s, &u);
        out->u.u32 = (uint32_t)u;
        break;
    case KT_UINT64:
        rc = parse_int(l, false, 0, 0, UINT64_MAX, &s, &u);
        out->u.u64 = u;
        break;
    case KT_BOOL:
        if (word(l, "true"))
            out->u.b = true;
        else if (word(l, "false"))
            out->u.b = false;
        else
            rc = fail(l, "expected true or false");
        break;
    case KT_STRING:
        rc = parse_string(l, false, out);
        break;
    case KT_BYTES:
        rc = parse_string(l, true, out);
        break;
    case KT_ENUMERATION: {
        const char *st = l->p;
        while (isalnum((unsigned char)*l->p))
            l->p++;
        size_t n = (size_t)(l->p - st);
        bool found = false;
        for (size_t i = 0; i < t->enm->nvalues && !found; i++) {
            if (strlen(t->enm->values[i].name) == n && memcmp(t->enm->values[i].name, st, n) == 0) {
                out->u.e = t->enm->values[i].value;
                found = true;
            }
        }
        if (!found) {
            l->p = st;
            rc = parse_int(l, true, INT32_MIN, INT32_MAX, 0, &s, &u);
            out->u.e = (int32_t)s;
            if (rc)
                rc = fail(l, "unknown enumeration value");
        }
        break;
    }
    case KT_LIST:
    case KT_SET:
        rc = parse_items(l, '[', ']', t, NULL, 0, &out->u.seq.items, NULL, &out->u.seq.count);
        break;
    case KT_DICTIONARY:
        rc = parse_items(l, '{', '}', t, NULL, 0, &out->u.dict.keys, &out->u.dict.values,
                         &out->u.dict.count);
        break;
    case KT_TUPLE:
        rc = parse_items(l, '(', ')', t, t->sub, t->nsub, &out->u.seq.items, NULL, &out->u.seq.count);
        break;
    case KT_STRUCT: {
        const ktype *types[64];
        size_t n = t->st->nfields < 64 ? t->st->nfields : 64;
        for (size_t i = 0; i < n; i++)
            types[i] = t->st->fields[i].type;
        rc = parse_items(l, '(', ')', t, types, n, &out->u.seq.items, NULL, &out->u.seq.count);
        break;
    }
    default:
        rc = fail(l, "this type cannot have a default other than null");
    }
    l->depth--;
    return rc;
}

int literal_parse(arena *a, const ktype *t, const char *text, krpc_value *out, bool *is_null,
                  char *err, size_t errlen) {
    lparser l = {a, text, err, errlen, 0};
    ws(&l);
    *is_null = false;
    if (word(&l, "null")) {
        memset(out, 0, sizeof *out);
        out->is_null = true;
        *is_null = true;
    } else if (parse_value(&l, t, out)) {
        return -1;
    }
    ws(&l);
    if (*l.p)
        return fail(&l, "unexpected text after the value");
    return 0;
}
