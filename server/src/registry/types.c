/* Type strings ("dict(string,list(sint32))", "TestClass?") to ktype, with the
 * .NET-style names the reference prints in binding errors (semantics.md 5.5). */
#include "registry/registry.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int code;
} scalars[] = {
    {"double", KT_DOUBLE}, {"float", KT_FLOAT},     {"sint32", KT_SINT32},
    {"sint64", KT_SINT64}, {"uint32", KT_UINT32},   {"uint64", KT_UINT64},
    {"bool", KT_BOOL},     {"string", KT_STRING},   {"bytes", KT_BYTES},
    {"event", KT_EVENT},   {"procedure_call", KT_PROCEDURE_CALL},
    {"stream", KT_STREAM}, {"status", KT_STATUS},   {"services", KT_SERVICES},
};

static const ktype builtin_types[] = {
    {.code = KT_DOUBLE, .dotnet = "System.Double"},
    {.code = KT_FLOAT, .dotnet = "System.Single"},
    {.code = KT_SINT32, .dotnet = "System.Int32"},
    {.code = KT_SINT64, .dotnet = "System.Int64"},
    {.code = KT_UINT32, .dotnet = "System.UInt32"},
    {.code = KT_UINT64, .dotnet = "System.UInt64"},
    {.code = KT_BOOL, .dotnet = "System.Boolean"},
    {.code = KT_STRING, .dotnet = "System.String"},
    {.code = KT_BYTES, .dotnet = "System.Byte[]"},
    {.code = KT_EVENT, .dotnet = "KRPC.Service.Messages.Event"},
    {.code = KT_PROCEDURE_CALL, .dotnet = "KRPC.Service.Messages.ProcedureCall"},
    {.code = KT_STREAM, .dotnet = "KRPC.Service.Messages.Stream"},
    {.code = KT_STATUS, .dotnet = "KRPC.Service.Messages.Status"},
    {.code = KT_SERVICES, .dotnet = "KRPC.Service.Messages.Services"},
};

const ktype *type_builtin(int code) {
    for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++)
        if (builtin_types[i].code == code)
            return &builtin_types[i];
    return NULL;
}

/* Value types become System.Nullable`1[T] in .NET names. */
static bool dotnet_value_type(int code) {
    return (code >= KT_DOUBLE && code <= KT_BOOL) || code == KT_ENUMERATION;
}

const ktype *type_nullable(kregistry *r, const ktype *t) {
    if (t->nullable)
        return t;
    ktype *n = arena_alloc(&r->mem, sizeof *n);
    *n = *t;
    n->nullable = true;
    if (dotnet_value_type(t->code))
        n->dotnet = arena_printf(&r->mem, "System.Nullable`1[%s]", t->dotnet);
    return n;
}

typedef struct parser {
    kregistry *r;
    const kservice *home;
    const char *p;
    char *err;
    size_t errlen;
    int depth;
} parser;

static void skip_ws(parser *ps) {
    while (*ps->p == ' ')
        ps->p++;
}

static const ktype *parse(parser *ps);

static const ktype *collection(parser *ps, int code, size_t min, size_t max, const char *what) {
    const ktype *subs[16];
    size_t n = 0;
    skip_ws(ps);
    if (*ps->p != '(') {
        snprintf(ps->err, ps->errlen, "expected '(' after %s", what);
        return NULL;
    }
    ps->p++;
    for (;;) {
        if (n == sizeof subs / sizeof subs[0]) {
            snprintf(ps->err, ps->errlen, "too many element types in %s", what);
            return NULL;
        }
        const ktype *t = parse(ps);
        if (!t)
            return NULL;
        skip_ws(ps);
        if (*ps->p == '?') {
            /* a nested nullable position (kRPC 0.7): list elements, tuple
             * items, dictionary values; never set elements or keys */
            ps->p++;
            if (code == KT_SET || (code == KT_DICTIONARY && n == 0)) {
                snprintf(ps->err, ps->errlen, "%s cannot be nullable",
                         code == KT_SET ? "set elements" : "dictionary keys");
                return NULL;
            }
            t = type_nullable(ps->r, t);
        }
        subs[n++] = t;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ')') {
            ps->p++;
            break;
        }
        snprintf(ps->err, ps->errlen, "expected ',' or ')' in %s", what);
        return NULL;
    }
    if (n < min || n > max) {
        snprintf(ps->err, ps->errlen, "%s takes %zu to %zu element types, not %zu", what, min, max, n);
        return NULL;
    }
    if (code == KT_DICTIONARY) {
        int k = subs[0]->code;
        if (k != KT_SINT32 && k != KT_SINT64 && k != KT_UINT32 && k != KT_UINT64 && k != KT_BOOL &&
            k != KT_STRING) {
            snprintf(ps->err, ps->errlen,
                     "dictionary keys must be sint32, sint64, uint32, uint64, bool or string");
            return NULL;
        }
    }
    ktype *t = arena_zalloc(&ps->r->mem, sizeof *t);
    t->code = code;
    t->nsub = n;
    t->sub = arena_alloc(&ps->r->mem, n * sizeof *t->sub);
    memcpy(t->sub, subs, n * sizeof *subs);
    /* .NET names, as the reference prints them */
    char buf[1024];
    size_t len = 0;
    const char *head = code == KT_LIST         ? "System.Collections.Generic.IList`1["
                       : code == KT_SET        ? "System.Collections.Generic.HashSet`1["
                       : code == KT_DICTIONARY ? "System.Collections.Generic.IDictionary`2["
                                               : NULL;
    if (head)
        len = (size_t)snprintf(buf, sizeof buf, "%s", head);
    else
        len = (size_t)snprintf(buf, sizeof buf, "System.Tuple`%zu[", n);
    for (size_t i = 0; i < n && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "", subs[i]->dotnet);
    if (len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, "]");
    t->dotnet = arena_strdup(&ps->r->mem, buf);
    return t;
}

static const ktype *parse(parser *ps) {
    if (++ps->depth > 32) {
        snprintf(ps->err, ps->errlen, "type nested too deeply");
        return NULL;
    }
    skip_ws(ps);
    const char *start = ps->p;
    while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
        ps->p++;
    size_t n = (size_t)(ps->p - start);
    if (!n) {
        snprintf(ps->err, ps->errlen, "expected a type at '%s'", start);
        return NULL;
    }
    const ktype *t = NULL;
#define IS(s) (n == strlen(s) && memcmp(start, s, n) == 0)
    if (IS("list"))
        t = collection(ps, KT_LIST, 1, 1, "list");
    else if (IS("set"))
        t = collection(ps, KT_SET, 1, 1, "set");
    else if (IS("dict"))
        t = collection(ps, KT_DICTIONARY, 2, 2, "dict");
    else if (IS("tuple"))
        t = collection(ps, KT_TUPLE, 1, 8, "tuple");
    else {
        for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
            if (IS(scalars[i].name))
                t = type_builtin(scalars[i].code);
        if (!t) {
            t = staging_lookup_type(ps->r, ps->home, start, n);
            if (!t)
                snprintf(ps->err, ps->errlen, "unknown type '%.*s'", (int)n, start);
        }
    }
#undef IS
    ps->depth--;
    return t;
}

const ktype *type_parse(kregistry *r, const kservice *home, const char *spec, bool *nullable,
                        char *err, size_t errlen) {
    if (!spec) {
        snprintf(err, errlen, "missing type");
        return NULL;
    }
    parser ps = {r, home, spec, err, errlen, 0};
    const ktype *t = parse(&ps);
    if (!t)
        return NULL;
    skip_ws(&ps);
    bool q = false;
    if (*ps.p == '?') {
        q = true;
        ps.p++;
        skip_ws(&ps);
    }
    if (*ps.p) {
        snprintf(err, errlen, "unexpected '%s' in type '%s'", ps.p, spec);
        return NULL;
    }
    if (q && !nullable) {
        snprintf(err, errlen, "type '%s' cannot be nullable here", spec);
        return NULL;
    }
    if (nullable)
        *nullable = q;
    return t;
}

const char *scene_mask_name(uint32_t mask, char *buf, size_t len) {
    static const char *names[] = {"SpaceCenter", "Flight", "TrackingStation", "EditorVAB",
                                  "EditorSPH", "MissionBuilder", "AstronautComplex",
                                  "MissionControl", "ResearchAndDevelopment", "Administration"};
    size_t used = 0;
    buf[0] = 0;
    if (!mask) {
        snprintf(buf, len, "None");
        return buf;
    }
    for (int i = 0; i < 10; i++)
        if (mask & (1u << i))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? ", " : "", names[i]);
    return buf;
}
