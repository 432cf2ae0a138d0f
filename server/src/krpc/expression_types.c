/* Static types of expressions (semantics.md 11): construction, .NET names,
 * equality and the classifications .NET's expression compiler uses to decide
 * which operators are defined. */
#include "krpc/expression_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrdup(const char *s) {
    size_t n = strlen(s);
    char *p = xmalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static const char *scalar_name(xkind k) {
    switch (k) {
    case XK_DOUBLE: return "System.Double";
    case XK_FLOAT: return "System.Single";
    case XK_INT: return "System.Int32";
    case XK_LONG: return "System.Int64";
    case XK_UINT: return "System.UInt32";
    case XK_ULONG: return "System.UInt64";
    case XK_BOOL: return "System.Boolean";
    case XK_STRING: return "System.String";
    case XK_BYTES: return "System.Byte[]";
    default: return "System.Object";
    }
}

static xtype *alloc_type(xkind kind) {
    xtype *t = xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->refs = 1;
    t->kind = kind;
    return t;
}

xtype *xtype_scalar(xkind kind) {
    xtype *t = alloc_type(kind);
    t->name = xstrdup(scalar_name(kind));
    return t;
}

/* "<head>`<n>[a,b,...]" */
static char *generic_name(const char *head, xtype *const *sub, size_t n) {
    size_t len = strlen(head) + 32;
    for (size_t i = 0; i < n; i++)
        len += strlen(sub[i]->name) + 1;
    char *s = xmalloc(len);
    size_t k = (size_t)snprintf(s, len, "%s`%zu[", head, n);
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, len - k, "%s%s", i ? "," : "", sub[i]->name);
    snprintf(s + k, len - k, "]");
    return s;
}

xtype *xtype_compound(xkind kind, xtype *const *sub, size_t nsub) {
    xtype *t = alloc_type(kind);
    t->nsub = nsub;
    t->sub = xmalloc(nsub * sizeof *t->sub);
    for (size_t i = 0; i < nsub; i++)
        t->sub[i] = sub[i];
    const char *head = kind == XK_LIST    ? "System.Collections.Generic.IList"
                       : kind == XK_SET   ? "System.Collections.Generic.HashSet"
                       : kind == XK_DICT  ? "System.Collections.Generic.IDictionary"
                       : kind == XK_SEQ   ? "System.Collections.Generic.IEnumerable"
                       : kind == XK_TUPLE ? "System.Tuple"
                                          : "System.Func";
    t->name = generic_name(head, sub, nsub);
    return t;
}

xtype *xtype_func(xtype *const *params, size_t nparams, xtype *result) {
    xtype **sub = xmalloc((nparams + 1) * sizeof *sub);
    for (size_t i = 0; i < nparams; i++)
        sub[i] = params[i];
    sub[nparams] = result;
    xtype *t = xtype_compound(XK_FUNC, sub, nparams + 1);
    free(sub);
    return t;
}

static xtype *wrap_nullable(xtype *t) {
    size_t len = strlen(t->name) + 32;
    char *name = xmalloc(len);
    snprintf(name, len, "System.Nullable`1[%s]", t->name);
    free(t->name);
    t->name = name;
    t->nullable = true;
    return t;
}

xtype *xtype_from_ktype(const ktype *kt, bool nullable) {
    xtype *t;
    switch (kt->code) {
    case KT_DOUBLE: t = xtype_scalar(XK_DOUBLE); break;
    case KT_FLOAT: t = xtype_scalar(XK_FLOAT); break;
    case KT_SINT32: t = xtype_scalar(XK_INT); break;
    case KT_SINT64: t = xtype_scalar(XK_LONG); break;
    case KT_UINT32: t = xtype_scalar(XK_UINT); break;
    case KT_UINT64: t = xtype_scalar(XK_ULONG); break;
    case KT_BOOL: t = xtype_scalar(XK_BOOL); break;
    case KT_STRING: t = xtype_scalar(XK_STRING); break;
    case KT_BYTES: t = xtype_scalar(XK_BYTES); break;
    case KT_LIST:
    case KT_SET:
    case KT_DICTIONARY:
    case KT_TUPLE: {
        xtype **sub = xmalloc(kt->nsub * sizeof *sub);
        for (size_t i = 0; i < kt->nsub; i++)
            sub[i] = xtype_from_ktype(kt->sub[i], false);
        xkind k = kt->code == KT_LIST ? XK_LIST : kt->code == KT_SET ? XK_SET : kt->code == KT_DICTIONARY ? XK_DICT : XK_TUPLE;
        t = xtype_compound(k, sub, kt->nsub);
        free(sub);
        break;
    }
    default:
        t = alloc_type(XK_OPAQUE);
        t->kt = kt;
        t->name = xstrdup(kt->dotnet ? kt->dotnet : "System.Object");
        break;
    }
    if (nullable && xtype_is_value_type(t))
        wrap_nullable(t);
    return t;
}

xtype *xtype_with_nullable(xtype *t, bool nullable) {
    if (t->nullable == nullable)
        return xtype_ref(t);
    xtype *c = alloc_type(t->kind);
    c->kt = t->kt;
    c->nsub = t->nsub;
    c->sub = xmalloc(t->nsub * sizeof *c->sub);
    for (size_t i = 0; i < t->nsub; i++)
        c->sub[i] = xtype_ref(t->sub[i]);
    if (nullable) {
        c->name = xstrdup(t->name);
        return wrap_nullable(c);
    }
    /* "System.Nullable`1[" ... "]" */
    size_t skip = strlen("System.Nullable`1[");
    size_t n = strlen(t->name);
    c->name = xmalloc(n - skip);
    memcpy(c->name, t->name + skip, n - skip - 1);
    c->name[n - skip - 1] = 0;
    return c;
}

xtype *xtype_ref(xtype *t) {
    t->refs++;
    return t;
}

void xtype_unref(xtype *t) {
    if (!t || --t->refs > 0)
        return;
    for (size_t i = 0; i < t->nsub; i++)
        xtype_unref(t->sub[i]);
    free(t->sub);
    free(t->name);
    free(t);
}

/* The name spells out the whole structure (opaque types by their unique .NET
 * names), so comparing it is comparing the types. */
bool xtype_eq(const xtype *a, const xtype *b) {
    return a == b || (a->kind == b->kind && a->nullable == b->nullable && strcmp(a->name, b->name) == 0);
}

const char *xtype_short_name(const xtype *t) {
    if (t->nullable)
        return t->name;
    switch (t->kind) {
    case XK_DOUBLE: return "Double";
    case XK_FLOAT: return "Single";
    case XK_INT: return "Int32";
    case XK_LONG: return "Int64";
    case XK_UINT: return "UInt32";
    case XK_ULONG: return "UInt64";
    case XK_BOOL: return "Boolean";
    default: return t->name;
    }
}

bool xtype_is_enum(const xtype *t) { return t->kind == XK_OPAQUE && t->kt->code == KT_ENUMERATION; }

bool xtype_is_value_type(const xtype *t) {
    switch (t->kind) {
    case XK_DOUBLE:
    case XK_FLOAT:
    case XK_INT:
    case XK_LONG:
    case XK_UINT:
    case XK_ULONG:
    case XK_BOOL:
        return true;
    case XK_OPAQUE:
        return t->kt->code == KT_ENUMERATION || t->kt->code == KT_STRUCT;
    default:
        return false;
    }
}

bool xtype_is_integer(const xtype *t) {
    return t->kind == XK_INT || t->kind == XK_LONG || t->kind == XK_UINT || t->kind == XK_ULONG;
}

bool xtype_is_arith(const xtype *t) {
    return xtype_is_integer(t) || t->kind == XK_DOUBLE || t->kind == XK_FLOAT;
}

bool xtype_is_int_or_bool(const xtype *t) { return xtype_is_integer(t) || t->kind == XK_BOOL; }

bool xtype_is_convertible(const xtype *t) { return xtype_is_arith(t) || t->kind == XK_BOOL || xtype_is_enum(t); }

bool xtype_is_sequence(const xtype *t) {
    return !t->nullable && (t->kind == XK_LIST || t->kind == XK_SET || t->kind == XK_SEQ);
}

const xtype *xtype_elem(const xtype *t) { return t->sub[0]; }

bool xtype_is_comparable(const xtype *t) {
    return xtype_is_arith(t) || t->kind == XK_BOOL || t->kind == XK_STRING || xtype_is_enum(t);
}
