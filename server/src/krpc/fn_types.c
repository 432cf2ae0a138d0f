/* Types of server-side functions (v070-final.md 4.1, 4.3): construction,
 * equality, the widening and common-type rules, and the wire types values
 * are encoded with. Also the value helpers every part shares. */
#include "krpc/fn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the per-server state ------------------------------------------------- */

fnstate *fn_state(krpc_server *srv) {
    if (srv->fn)
        return srv->fn;
    fnstate *fs = calloc(1, sizeof *fs);
    if (!fs)
        abort();
    arena_init(&fs->mem);
    fs->srv = srv;
    srv->fn = fs;
    return fs;
}

void fn_own(fnstate *fs, fnode *n) {
    if (fs->nowned == fs->capowned) {
        fs->capowned = fs->capowned ? fs->capowned * 2 : 64;
        fs->owned = realloc(fs->owned, fs->capowned * sizeof *fs->owned);
        if (!fs->owned)
            abort();
    }
    fs->owned[fs->nowned++] = n;
}

void fn_free(krpc_server *srv) {
    fnstate *fs = srv->fn;
    if (!fs)
        return;
    for (size_t i = 0; i < fs->nowned; i++) {
        fv_release(&fs->owned[i]->k);
        if (fs->owned[i]->call_mem) {
            arena_free(fs->owned[i]->call_mem);
            free(fs->owned[i]->call_mem);
        }
    }
    free(fs->owned);
    arena_free(&fs->mem);
    free(fs);
    srv->fn = NULL;
}

/* ---- names ------------------------------------------------------------------- */

static const char *scalar_name(int code) {
    switch (code) {
    case FT_DOUBLE: return "double";
    case FT_FLOAT: return "float";
    case FT_INT: return "int";
    case FT_LONG: return "long";
    case FT_UINT: return "uint";
    case FT_ULONG: return "ulong";
    case FT_BOOL: return "bool";
    case FT_STRING: return "string";
    case FT_BYTES: return "bytes";
    case FT_VOID: return "void";
    default: return "?";
    }
}

static const char *type_name(fnstate *fs, int code, const ktype *kt, const ftype *const *sub, size_t n,
                             bool nullable) {
    char buf[1024];
    size_t len = 0;
#define PUT(...) len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, __VA_ARGS__)
    switch (code) {
    case FT_CLASS: PUT("%s.%s", kt->cls->svc->name, kt->cls->name); break;
    case FT_ENUM: PUT("%s.%s", kt->enm->svc->name, kt->enm->name); break;
    case FT_STRUCT: PUT("%s.%s", kt->st->svc->name, kt->st->name); break;
    case FT_MESSAGE: PUT("%s", kt->dotnet); break;
    case FT_TUPLE:
    case FT_LIST:
    case FT_SET:
    case FT_DICT:
    case FT_SEQ:
    case FT_FUNC:
        PUT("%s<", code == FT_TUPLE  ? "Tuple"
                   : code == FT_LIST ? "IList"
                   : code == FT_SET  ? "ISet"
                   : code == FT_DICT ? "IDictionary"
                   : code == FT_SEQ  ? "IEnumerable"
                                     : "Func");
        for (size_t i = 0; i < n; i++)
            PUT("%s%s", i ? "," : "", sub[i]->name);
        PUT(">");
        break;
    default: PUT("%s", scalar_name(code)); break;
    }
    if (nullable)
        PUT("?");
#undef PUT
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    return arena_strndup(&fs->mem, buf, len);
}

/* ---- construction ---------------------------------------------------------- */

const ftype *ft_make(fnstate *fs, int code, const ktype *kt, const ftype *const *sub, size_t n, bool nullable) {
    ftype *t = arena_zalloc(&fs->mem, sizeof *t);
    t->code = code;
    t->nullable = nullable;
    t->kt = kt;
    t->n = n;
    if (n) {
        const ftype **s = arena_alloc(&fs->mem, n * sizeof *s);
        memcpy(s, sub, n * sizeof *s);
        t->sub = s;
    }
    t->name = type_name(fs, code, kt, sub, n, nullable);
    return t;
}

const ftype *ft_scalar(fnstate *fs, int code) {
    if (code == FT_VOID) {
        if (!fs->void_t)
            fs->void_t = ft_make(fs, FT_VOID, NULL, NULL, 0, false);
        return fs->void_t;
    }
    if (!fs->scalars[code])
        fs->scalars[code] = ft_make(fs, code, NULL, NULL, 0, false);
    return fs->scalars[code];
}

const ftype *ft_nullable(fnstate *fs, const ftype *t, bool nullable) {
    if (t->nullable == nullable)
        return t;
    if (!nullable && t->n == 0 && t->code >= FT_DOUBLE && t->code <= FT_BYTES)
        return ft_scalar(fs, t->code);
    return ft_make(fs, t->code, t->kt, t->sub, t->n, nullable);
}

const ftype *ft_from_ktype(fnstate *fs, const ktype *kt, bool nullable) {
    nullable = nullable || kt->nullable;
    switch (kt->code) {
    case KT_DOUBLE:
    case KT_FLOAT:
    case KT_SINT32:
    case KT_SINT64:
    case KT_UINT32:
    case KT_UINT64:
    case KT_BOOL:
    case KT_STRING:
    case KT_BYTES: return ft_nullable(fs, ft_scalar(fs, kt->code), nullable);
    case KT_CLASS: return ft_make(fs, FT_CLASS, &kt->cls->type, NULL, 0, nullable);
    case KT_ENUMERATION: return ft_make(fs, FT_ENUM, &kt->enm->type, NULL, 0, nullable);
    case KT_STRUCT: {
        /* the fields' types, as sub types */
        const kstruct *st = kt->st;
        const ftype **sub = arena_alloc(&fs->mem, (st->nfields ? st->nfields : 1) * sizeof *sub);
        for (size_t i = 0; i < st->nfields; i++)
            sub[i] = ft_from_ktype(fs, st->fields[i].type, false);
        return ft_make(fs, FT_STRUCT, &st->type, sub, st->nfields, nullable);
    }
    case KT_TUPLE:
    case KT_LIST:
    case KT_SET:
    case KT_DICTIONARY: {
        const ftype *sub[16];
        size_t n = kt->nsub < 16 ? kt->nsub : 16;
        for (size_t i = 0; i < n; i++)
            sub[i] = ft_from_ktype(fs, kt->sub[i], false);
        return ft_make(fs, kt->code, NULL, sub, n, nullable);
    }
    default: return ft_make(fs, FT_MESSAGE, kt, NULL, 0, nullable);
    }
}

const ktype *fn_wire_type(fnstate *fs, const ftype *t) {
    if (t->wire)
        return t->wire;
    ktype *k = arena_zalloc(&fs->mem, sizeof *k);
    switch (t->code) {
    case FT_DOUBLE:
    case FT_FLOAT:
    case FT_INT:
    case FT_LONG:
    case FT_UINT:
    case FT_ULONG:
    case FT_BOOL:
    case FT_STRING:
    case FT_BYTES: *k = *type_builtin(t->code); break;
    case FT_CLASS:
    case FT_ENUM:
    case FT_STRUCT: *k = *t->kt; break;
    case FT_TUPLE:
    case FT_LIST:
    case FT_SET:
    case FT_DICT: {
        k->code = t->code;
        k->nsub = t->n;
        const ktype **sub = arena_alloc(&fs->mem, (t->n ? t->n : 1) * sizeof *sub);
        for (size_t i = 0; i < t->n; i++)
            if (!(sub[i] = fn_wire_type(fs, t->sub[i])))
                return NULL;
        k->sub = sub;
        k->dotnet = t->name;
        break;
    }
    default: return NULL;
    }
    k->nullable = t->nullable;
    ((ftype *)t)->wire = k;
    return k;
}

/* ---- predicates ------------------------------------------------------------- */

bool ft_eq_plain(const ftype *a, const ftype *b) {
    if (a == b)
        return true;
    if (a->code != b->code || a->n != b->n)
        return false;
    if (a->code == FT_CLASS || a->code == FT_ENUM || a->code == FT_STRUCT)
        return (a->code == FT_CLASS ? a->kt->cls == b->kt->cls
                : a->code == FT_ENUM ? a->kt->enm == b->kt->enm
                                     : a->kt->st == b->kt->st);
    if (a->code == FT_MESSAGE)
        return a->kt->code == b->kt->code;
    for (size_t i = 0; i < a->n; i++)
        if (!ft_eq(a->sub[i], b->sub[i]))
            return false;
    return true;
}

bool ft_eq(const ftype *a, const ftype *b) { return a->nullable == b->nullable && ft_eq_plain(a, b); }

uint64_t ft_hash(const ftype *t) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)t->code ^ ((uint64_t)t->nullable << 20);
    if (t->code == FT_CLASS || t->code == FT_ENUM || t->code == FT_STRUCT)
        h ^= (uint64_t)(uintptr_t)(t->code == FT_CLASS  ? (const void *)t->kt->cls
                                   : t->code == FT_ENUM ? (const void *)t->kt->enm
                                                        : (const void *)t->kt->st);
    for (size_t i = 0; i < t->n; i++)
        h = (h ^ ft_hash(t->sub[i])) * 1099511628211ull;
    return h;
}

bool ft_is_numeric(const ftype *t) { return t->code >= FT_DOUBLE && t->code <= FT_ULONG; }
bool ft_is_integer(const ftype *t) { return t->code >= FT_INT && t->code <= FT_ULONG; }
bool ft_is_signed(const ftype *t) { return t->code == FT_INT || t->code == FT_LONG; }
bool ft_is_collection(const ftype *t) {
    return t->code == FT_LIST || t->code == FT_SET || t->code == FT_DICT || t->code == FT_SEQ;
}
bool ft_is_sequence(const ftype *t) { return t->code == FT_LIST || t->code == FT_SET || t->code == FT_SEQ; }
const ftype *ft_elem(const ftype *t) { return t->sub[0]; }

bool ft_valid_key(const ftype *t) {
    return !t->nullable && ((t->code >= FT_INT && t->code <= FT_STRING));
}

bool ft_orderable(const ftype *t) {
    if (ft_is_numeric(t) || t->code == FT_STRING || t->code == FT_BOOL || t->code == FT_ENUM)
        return true;
    if (t->code == FT_TUPLE) {
        for (size_t i = 0; i < t->n; i++)
            if (!ft_orderable(t->sub[i]))
                return false;
        return true;
    }
    return false;
}

bool ft_returnable(const ftype *t, const char **why) {
    switch (t->code) {
    case FT_VOID: *why = "The function has no value"; return false;
    case FT_SEQ:
        *why = "The function evaluates to a lazily evaluated sequence, which cannot be returned; use ToList "
               "or ToSet to make it a collection";
        return false;
    case FT_FUNC: *why = "The function evaluates to a function, which cannot be returned"; return false;
    case FT_MESSAGE: *why = "The function evaluates to a protocol message, which cannot be returned"; return false;
    default:
        for (size_t i = 0; i < t->n; i++)
            if (!ft_returnable(t->sub[i], why))
                return false;
        return true;
    }
}

/* C#'s binary numeric promotion (v070-final.md 4.3). */
int ft_promote(int a, int b) {
    if (a == FT_DOUBLE || b == FT_DOUBLE)
        return FT_DOUBLE;
    if (a == FT_FLOAT || b == FT_FLOAT)
        return FT_FLOAT;
    if (a == FT_ULONG || b == FT_ULONG) {
        int other = a == FT_ULONG ? b : a;
        return other == FT_INT || other == FT_LONG ? 0 : FT_ULONG;
    }
    if (a == FT_LONG || b == FT_LONG)
        return FT_LONG;
    if ((a == FT_UINT && b == FT_INT) || (a == FT_INT && b == FT_UINT))
        return FT_LONG;
    if (a == FT_UINT || b == FT_UINT)
        return FT_UINT;
    return FT_INT;
}

/* C#'s implicit numeric conversions. */
static bool num_widens(int from, int to) {
    if (from == to)
        return true;
    switch (from) {
    case FT_INT: return to == FT_LONG || to == FT_FLOAT || to == FT_DOUBLE;
    case FT_UINT: return to == FT_LONG || to == FT_ULONG || to == FT_FLOAT || to == FT_DOUBLE;
    case FT_LONG:
    case FT_ULONG: return to == FT_FLOAT || to == FT_DOUBLE;
    case FT_FLOAT: return to == FT_DOUBLE;
    default: return false;
    }
}

bool ft_widens(const ftype *from, const ftype *to) {
    if (ft_is_numeric(from) && ft_is_numeric(to))
        return num_widens(from->code, to->code);
    if (from->code != to->code || from->n != to->n)
        return false;
    switch (from->code) {
    case FT_CLASS:
    case FT_ENUM:
    case FT_STRUCT:
    case FT_MESSAGE: return ft_eq_plain(from, to);
    case FT_FUNC: return ft_eq_plain(from, to);
    default:
        for (size_t i = 0; i < from->n; i++)
            if (!ft_widens(from->sub[i], to->sub[i]))
                return false;
        return true;
    }
}

bool ft_castable(const ftype *from, const ftype *to) {
    bool nf = ft_is_numeric(from) || from->code == FT_ENUM, nt = ft_is_numeric(to) || to->code == FT_ENUM;
    if (nf && nt) {
        if (from->code == FT_ENUM && to->code == FT_ENUM)
            return from->kt->enm == to->kt->enm;
        return true;
    }
    if (from->code != to->code || from->n != to->n)
        return false;
    switch (from->code) {
    case FT_CLASS:
    case FT_STRUCT:
    case FT_MESSAGE:
    case FT_FUNC: return ft_eq_plain(from, to);
    default:
        for (size_t i = 0; i < from->n; i++)
            if (!ft_castable(from->sub[i], to->sub[i]))
                return false;
        return true;
    }
}

/* ---- the common type (a function of the set of types) ---------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static const char *no_common(fnstate *fs, const ftype *const *types, size_t n, arena *a) {
    const char **names = arena_alloc(a, (n ? n : 1) * sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *nm = ft_nullable(fs, types[i], false)->name;
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(names[j], nm) == 0;
        if (!dup)
            names[k++] = nm;
    }
    qsort(names, k, sizeof *names, cmp_str);
    kbuf b = {0};
    const char *head = "The values have no common type: ";
    kbuf_append(&b, head, strlen(head));
    for (size_t i = 0; i < k; i++) {
        if (i)
            kbuf_append(&b, ", ", 2);
        kbuf_append(&b, names[i], strlen(names[i]));
    }
    const char *s = arena_strndup(a, (const char *)b.data, b.len);
    kbuf_free(&b);
    return s;
}

const ftype *ft_common(fnstate *fs, const ftype *const *types, size_t n, arena *a, const char **err) {
    if (n == 0) {
        *err = "No values to take a common type of";
        return NULL;
    }
    bool nullable = false, numeric = true, same_code = true;
    for (size_t i = 0; i < n; i++) {
        nullable |= types[i]->nullable;
        numeric &= ft_is_numeric(types[i]);
        same_code &= types[i]->code == types[0]->code;
    }
    if (numeric) {
        bool has[7] = {0};
        for (size_t i = 0; i < n; i++)
            has[types[i]->code] = true;
        int code;
        if (has[FT_DOUBLE])
            code = FT_DOUBLE;
        else if (has[FT_FLOAT])
            code = FT_FLOAT;
        else if (has[FT_ULONG]) {
            if (has[FT_INT] || has[FT_LONG]) {
                *err = no_common(fs, types, n, a);
                return NULL;
            }
            code = FT_ULONG;
        } else if (has[FT_LONG] || (has[FT_INT] && has[FT_UINT]))
            code = FT_LONG;
        else if (has[FT_UINT])
            code = FT_UINT;
        else
            code = FT_INT;
        return ft_nullable(fs, ft_scalar(fs, code), nullable);
    }
    if (!same_code) {
        *err = no_common(fs, types, n, a);
        return NULL;
    }
    const ftype *t0 = types[0];
    switch (t0->code) {
    case FT_TUPLE:
    case FT_LIST:
    case FT_SET:
    case FT_DICT:
    case FT_SEQ: {
        for (size_t i = 1; i < n; i++)
            if (types[i]->n != t0->n) {
                *err = no_common(fs, types, n, a);
                return NULL;
            }
        const ftype *sub[16];
        const ftype **col = arena_alloc(a, n * sizeof *col);
        for (size_t p = 0; p < t0->n && p < 16; p++) {
            for (size_t i = 0; i < n; i++)
                col[i] = types[i]->sub[p];
            if (!(sub[p] = ft_common(fs, col, n, a, err)))
                return NULL;
        }
        return ft_make(fs, t0->code, NULL, sub, t0->n, nullable);
    }
    default:
        for (size_t i = 1; i < n; i++)
            if (!ft_eq_plain(types[i], t0)) {
                *err = no_common(fs, types, n, a);
                return NULL;
            }
        return ft_nullable(fs, t0, nullable);
    }
}

/* ---- values ------------------------------------------------------------------ */

fval fv_null(void) {
    fval v;
    memset(&v, 0, sizeof v);
    return v;
}

void fv_retain(fval v) {
    if (v.k == VK_HEAP)
        v.v.h->refs++;
}

static void fh_free(fheap *h) {
    for (size_t i = 0; h->items && i < h->len; i++) {
        fv_release(&h->items[i]);
        if (h->vals)
            fv_release(&h->vals[i]);
    }
    free(h->items);
    free(h->vals);
    free(h->s);
    free(h);
}

void fv_release(fval *v) {
    if (v->k == VK_HEAP && --v->v.h->refs == 0)
        fh_free(v->v.h);
    *v = fv_null();
}

fheap *fh_new(uint8_t kind, size_t cap) {
    fheap *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->refs = 1;
    h->kind = kind;
    if (kind != H_STRING && kind != H_BYTES) {
        h->cap = cap ? cap : 4;
        h->items = calloc(h->cap, sizeof *h->items);
        if (!h->items)
            abort();
        if (kind == H_DICT && !(h->vals = calloc(h->cap, sizeof *h->vals)))
            abort();
    }
    return h;
}

fval fv_heap(fheap *h) {
    fval v = fv_null();
    v.k = VK_HEAP;
    v.v.h = h;
    return v;
}

fval fv_string(const char *s, size_t len, bool bytes) {
    fheap *h = fh_new(bytes ? H_BYTES : H_STRING, 0);
    h->s = malloc(len + 1);
    if (!h->s)
        abort();
    if (len)
        memcpy(h->s, s, len);
    h->s[len] = 0;
    h->len = len;
    return fv_heap(h);
}

static void grow(fheap *h) {
    if (h->len < h->cap)
        return;
    size_t cap = h->cap ? h->cap * 2 : 4;
    fval *items = realloc(h->items, cap * sizeof *items);
    if (!items)
        abort();
    h->items = items;
    if (h->kind == H_DICT) {
        fval *vals = realloc(h->vals, cap * sizeof *vals);
        if (!vals)
            abort();
        h->vals = vals;
    }
    h->cap = cap;
}

void fh_push(fheap *h, fval v) {
    grow(h);
    h->items[h->len++] = v;
}

void fh_push_kv(fheap *h, fval k, fval v) {
    grow(h);
    h->items[h->len] = k;
    h->vals[h->len] = v;
    h->len++;
}

double fv_as_double(int code, fval v) {
    switch (code) {
    case FT_DOUBLE: return v.v.d;
    case FT_FLOAT: return v.v.f;
    case FT_INT: return v.v.i;
    case FT_LONG: return (double)v.v.l;
    case FT_UINT: return v.v.u;
    case FT_ULONG: return (double)v.v.ul;
    case FT_ENUM: return v.v.e;
    default: return 0;
    }
}

/* .NET's unchecked conversion of a floating point value to an integer type
 * (out of range: the x64 result, the minimum value). */
static int64_t f2l(double d) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return INT64_MIN;
    return (int64_t)d;
}

static uint64_t f2ul(double d) {
    if (!(d > -1.0 && d < 18446744073709551616.0))
        return d < 0 && d >= -9223372036854775808.0 ? (uint64_t)(int64_t)d : 0;
    return (uint64_t)d;
}

fval fv_num_convert(int from, int to, fval v) {
    fval r = fv_null();
    r.k = VK_SCALAR;
    if (from == to || (from == FT_ENUM && to == FT_INT) || (from == FT_INT && to == FT_ENUM))
        return v.k = VK_SCALAR, v;
    bool fl = from == FT_DOUBLE || from == FT_FLOAT;
    double d = fv_as_double(from, v);
    int64_t l = 0;
    uint64_t ul = 0;
    if (!fl) {
        switch (from) {
        case FT_INT: l = v.v.i; break;
        case FT_ENUM: l = v.v.e; break;
        case FT_LONG: l = v.v.l; break;
        case FT_UINT: l = v.v.u; break;
        case FT_ULONG: l = (int64_t)v.v.ul; break;
        }
        ul = (uint64_t)l;
    }
    switch (to) {
    case FT_DOUBLE: r.v.d = from == FT_ULONG ? (double)v.v.ul : d; break;
    case FT_FLOAT: r.v.f = from == FT_ULONG ? (float)v.v.ul : from == FT_LONG ? (float)v.v.l : (float)d; break;
    case FT_INT:
    case FT_ENUM: r.v.i = fl ? (int32_t)f2l(d) : (int32_t)(uint32_t)ul; break;
    case FT_LONG: r.v.l = fl ? f2l(d) : l; break;
    case FT_UINT: r.v.u = fl ? (uint32_t)f2l(d) : (uint32_t)ul; break;
    case FT_ULONG: r.v.ul = fl ? f2ul(d) : ul; break;
    }
    return r;
}

static int cmp_num(int ca, fval a, int cb, fval b) {
    int c = ca == cb ? ca : ft_promote(ca, cb);
    if (!c) {
        /* ulong against a signed type: compare mathematically */
        if (ca == FT_ULONG) {
            int64_t s = cb == FT_INT ? b.v.i : b.v.l;
            return s < 0 || a.v.ul > (uint64_t)s ? 1 : a.v.ul < (uint64_t)s ? -1 : 0;
        }
        return -cmp_num(cb, b, ca, a);
    }
    fval x = fv_num_convert(ca, c, a), y = fv_num_convert(cb, c, b);
    switch (c) {
    case FT_DOUBLE: return x.v.d < y.v.d ? -1 : x.v.d > y.v.d ? 1 : x.v.d == y.v.d ? 0 : 2;
    case FT_FLOAT: return x.v.f < y.v.f ? -1 : x.v.f > y.v.f ? 1 : x.v.f == y.v.f ? 0 : 2;
    case FT_INT: return x.v.i < y.v.i ? -1 : x.v.i > y.v.i;
    case FT_LONG: return x.v.l < y.v.l ? -1 : x.v.l > y.v.l;
    case FT_UINT: return x.v.u < y.v.u ? -1 : x.v.u > y.v.u;
    default: return x.v.ul < y.v.ul ? -1 : x.v.ul > y.v.ul;
    }
}

static size_t find_key(const ftype *kt, const fheap *h, const ftype *t, fval k) {
    for (size_t i = 0; i < h->len; i++)
        if (fv_equal(kt, h->items[i], t, k))
            return i;
    return SIZE_MAX;
}

bool fv_equal(const ftype *ta, fval a, const ftype *tb, fval b) {
    if (a.k == VK_NULL || b.k == VK_NULL)
        return a.k == b.k;
    if ((ft_is_numeric(ta) || ta->code == FT_ENUM) && (ft_is_numeric(tb) || tb->code == FT_ENUM)) {
        if (ta->code == FT_ENUM || tb->code == FT_ENUM)
            return ta->code == tb->code && a.v.e == b.v.e;
        return cmp_num(ta->code, a, tb->code, b) == 0;
    }
    switch (ta->code) {
    case FT_BOOL: return a.v.b == b.v.b;
    case FT_CLASS: return a.v.obj.id == b.v.obj.id;
    case FT_STRING:
    case FT_BYTES:
        return a.v.h->len == b.v.h->len && memcmp(a.v.h->s, b.v.h->s, a.v.h->len) == 0;
    case FT_TUPLE:
    case FT_STRUCT: {
        const fheap *x = a.v.h, *y = b.v.h;
        if (x->len != y->len || x->len > ta->n || y->len > tb->n)
            return false;
        for (size_t i = 0; i < x->len; i++)
            if (!fv_equal(ta->sub[i], x->items[i], tb->sub[i], y->items[i]))
                return false;
        return true;
    }
    case FT_LIST:
    case FT_SEQ: {
        const fheap *x = a.v.h, *y = b.v.h;
        if (x->len != y->len)
            return false;
        for (size_t i = 0; i < x->len; i++)
            if (!fv_equal(ta->sub[0], x->items[i], tb->sub[0], y->items[i]))
                return false;
        return true;
    }
    case FT_SET: {
        const fheap *x = a.v.h, *y = b.v.h;
        if (x->len != y->len)
            return false;
        for (size_t i = 0; i < x->len; i++)
            if (find_key(tb->sub[0], y, ta->sub[0], x->items[i]) == SIZE_MAX)
                return false;
        return true;
    }
    case FT_DICT: {
        const fheap *x = a.v.h, *y = b.v.h;
        if (x->len != y->len)
            return false;
        for (size_t i = 0; i < x->len; i++) {
            size_t j = find_key(tb->sub[0], y, ta->sub[0], x->items[i]);
            if (j == SIZE_MAX || !fv_equal(ta->sub[1], x->vals[i], tb->sub[1], y->vals[j]))
                return false;
        }
        return true;
    }
    default: return false;
    }
}

uint64_t fv_hash(const ftype *t, fval a) {
    if (a.k == VK_NULL)
        return 0x9e3779b97f4a7c15ull;
    if (ft_is_numeric(t)) {
        /* equal numbers of different types hash alike: hash the double */
        double d = fv_as_double(t->code, a);
        if (d == 0)
            d = 0; /* -0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return bits * 0x100000001b3ull;
    }
    switch (t->code) {
    case FT_BOOL: return a.v.b ? 3 : 5;
    case FT_ENUM: return (uint64_t)(uint32_t)a.v.e * 7919;
    case FT_CLASS: return a.v.obj.id * 0x9e3779b97f4a7c15ull;
    case FT_STRING:
    case FT_BYTES: return hash_bytes(a.v.h->s, a.v.h->len);
    case FT_TUPLE:
    case FT_STRUCT:
    case FT_LIST:
    case FT_SEQ: {
        uint64_t h = 17;
        bool per_item = t->code == FT_TUPLE || t->code == FT_STRUCT;
        for (size_t i = 0; i < a.v.h->len && (!per_item || i < t->n); i++)
            h = h * 31 + fv_hash(per_item ? t->sub[i] : t->sub[0], a.v.h->items[i]);
        return h;
    }
    case FT_SET:
    case FT_DICT: {
        uint64_t h = 0;
        for (size_t i = 0; i < a.v.h->len; i++)
            h += fv_hash(t->sub[0], a.v.h->items[i]);
        return h ^ a.v.h->len;
    }
    default: return (uint64_t)(uintptr_t)a.v.h;
    }
}

int fv_cmp(const ftype *t, fval a, fval b) {
    if (a.k == VK_NULL || b.k == VK_NULL)
        return (b.k == VK_NULL) - (a.k == VK_NULL);
    if (ft_is_numeric(t)) {
        int c = cmp_num(t->code, a, t->code, b);
        if (c == 2) /* NaN first, as .NET's comparer orders it */
            return isnan(fv_as_double(t->code, a)) ? (isnan(fv_as_double(t->code, b)) ? 0 : -1) : 1;
        return c;
    }
    switch (t->code) {
    case FT_BOOL: return (int)a.v.b - (int)b.v.b;
    case FT_ENUM: return a.v.e < b.v.e ? -1 : a.v.e > b.v.e;
    case FT_STRING: {
        size_t n = a.v.h->len < b.v.h->len ? a.v.h->len : b.v.h->len;
        int c = memcmp(a.v.h->s, b.v.h->s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a.v.h->len < b.v.h->len ? -1 : a.v.h->len > b.v.h->len;
    }
    case FT_TUPLE:
        for (size_t i = 0; i < t->n; i++) {
            int c = fv_cmp(t->sub[i], a.v.h->items[i], b.v.h->items[i]);
            if (c)
                return c;
        }
        return 0;
    default: return 0;
    }
}

/* ---- krpc_value <-> fval ------------------------------------------------------- */

fval fv_from_krpc(fnstate *fs, const ftype *t, const krpc_value *v) {
    fval r = fv_null();
    if (v->is_null)
        return r;
    r.k = VK_SCALAR;
    switch (t->code) {
    case FT_DOUBLE: r.v.d = v->u.d; return r;
    case FT_FLOAT: r.v.f = v->u.f; return r;
    case FT_INT: r.v.i = v->u.i32; return r;
    case FT_LONG: r.v.l = v->u.i64; return r;
    case FT_UINT: r.v.u = v->u.u32; return r;
    case FT_ULONG: r.v.ul = v->u.u64; return r;
    case FT_BOOL: r.v.b = v->u.b; return r;
    case FT_ENUM: r.v.e = v->u.e; return r;
    case FT_STRING:
    case FT_BYTES: return fv_string(v->u.s.data, v->u.s.len, t->code == FT_BYTES);
    case FT_CLASS: {
        if (!v->u.obj.ptr)
            return fv_null();
        kobject *o = objects_get(&fs->srv->objects, v->u.obj.id);
        r.k = VK_OBJ;
        r.v.obj.ptr = v->u.obj.ptr;
        r.v.obj.id = v->u.obj.id;
        r.v.obj.cls = o ? o->cls : t->kt->cls;
        return r;
    }
    case FT_TUPLE:
    case FT_STRUCT:
    case FT_LIST:
    case FT_SET: {
        size_t n = v->u.seq.count;
        fheap *h = fh_new(t->code == FT_LIST ? H_LIST : t->code == FT_SET ? H_SET : H_TUPLE, n);
        for (size_t i = 0; i < n; i++) {
            const ftype *st = t->code == FT_TUPLE || t->code == FT_STRUCT ? t->sub[i] : t->sub[0];
            fh_push(h, fv_from_krpc(fs, st, &v->u.seq.items[i]));
        }
        return fv_heap(h);
    }
    case FT_DICT: {
        size_t n = v->u.dict.count;
        fheap *h = fh_new(H_DICT, n);
        for (size_t i = 0; i < n; i++)
            fh_push_kv(h, fv_from_krpc(fs, t->sub[0], &v->u.dict.keys[i]),
                       fv_from_krpc(fs, t->sub[1], &v->u.dict.values[i]));
        return fv_heap(h);
    }
    default: return fv_null();
    }
}

int fv_to_krpc(fnstate *fs, const ftype *t, fval v, arena *a, krpc_value *out, kerror *err) {
    memset(out, 0, sizeof *out);
    if (v.k == VK_NULL) {
        out->is_null = true;
        return 0;
    }
    switch (t->code) {
    case FT_DOUBLE: out->u.d = v.v.d; return 0;
    case FT_FLOAT: out->u.f = v.v.f; return 0;
    case FT_INT: out->u.i32 = v.v.i; return 0;
    case FT_LONG: out->u.i64 = v.v.l; return 0;
    case FT_UINT: out->u.u32 = v.v.u; return 0;
    case FT_ULONG: out->u.u64 = v.v.ul; return 0;
    case FT_BOOL: out->u.b = v.v.b; return 0;
    case FT_ENUM: out->u.e = v.v.e; return 0;
    case FT_STRING:
    case FT_BYTES:
        out->u.s.data = arena_strndup(a, v.v.h->s, v.v.h->len);
        out->u.s.len = v.v.h->len;
        return 0;
    case FT_CLASS:
        out->u.obj.ptr = v.v.obj.ptr;
        out->u.obj.id = v.v.obj.id;
        return 0;
    case FT_TUPLE:
    case FT_STRUCT:
    case FT_LIST:
    case FT_SET:
    case FT_SEQ: {
        const fheap *h = v.v.h;
        krpc_value *items = arena_zalloc(a, (h->len ? h->len : 1) * sizeof *items);
        for (size_t i = 0; i < h->len; i++) {
            const ftype *st = t->code == FT_TUPLE || t->code == FT_STRUCT ? t->sub[i] : t->sub[0];
            if (fv_to_krpc(fs, st, h->items[i], a, &items[i], err))
                return -1;
        }
        out->u.seq.items = items;
        out->u.seq.count = h->len;
        return 0;
    }
    case FT_DICT: {
        const fheap *h = v.v.h;
        krpc_value *keys = arena_zalloc(a, (h->len ? h->len : 1) * sizeof *keys);
        krpc_value *vals = arena_zalloc(a, (h->len ? h->len : 1) * sizeof *vals);
        for (size_t i = 0; i < h->len; i++)
            if (fv_to_krpc(fs, t->sub[0], h->items[i], a, &keys[i], err) ||
                fv_to_krpc(fs, t->sub[1], h->vals[i], a, &vals[i], err))
                return -1;
        out->u.dict.keys = keys;
        out->u.dict.values = vals;
        out->u.dict.count = h->len;
        return 0;
    }
    default:
        kerror_kind(err, a, KRPC_ERR_INVALID_OPERATION, "A value of type %s cannot be passed on", t->name);
        return -1;
    }
}
