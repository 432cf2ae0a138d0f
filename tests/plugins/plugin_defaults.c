/*
 * plugin_defaults.c - parameter defaults of every type (krpc/plugin.h section
 * 2, "Default values are literals"; wire.md 4).
 *
 * Service DefaultsTest: each procedure takes parameters of one family of
 * types, every one with a default, and returns a text rendering of the values
 * it received ("a=..., b=..."). Called without arguments it shows the host's
 * defaults; GetServices shows their wire bytes.
 */
#include "testplugin.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>

typedef struct out {
    char buf[16384];
    size_t len;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...) {
    if (o->len >= sizeof o->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
    if (o->len > sizeof o->buf - 1)
        o->len = sizeof o->buf - 1;
}

/* Struct layouts, as type lists in the same syntax. */
static const char *struct_fields(const char *name, size_t len) {
    if (len == 4 && memcmp(name, "Pair", 4) == 0)
        return "sint32,string,Color,list(double))";
    if (len == 5 && memcmp(name, "Outer", 5) == 0)
        return "Pair,list(sint32))";
    return NULL;
}

static const char *skip_type(const char *t) {
    while (*t == ' ')
        t++;
    while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9'))
        t++;
    if (*t == '(') {
        int depth = 0;
        do {
            if (*t == '(')
                depth++;
            else if (*t == ')')
                depth--;
            t++;
        } while (depth > 0 && *t);
    }
    if (*t == '?')
        t++;
    return t;
}

static const char *render(out *o, const char *t, const krpc_value *v);

/* Items of a tuple-like value: `t` points after '(' of "T1,T2,...)". */
static const char *render_items(out *o, const char *t, const krpc_value *items, size_t count) {
    put(o, "(");
    for (size_t i = 0; *t && *t != ')'; i++) {
        if (i)
            put(o, ", ");
        if (i < count)
            t = render(o, t, &items[i]);
        else
            t = skip_type(t);
        while (*t == ',' || *t == ' ')
            t++;
    }
    put(o, ")");
    return *t == ')' ? t + 1 : t;
}

static void render_string(out *o, const char *s, size_t n) {
    put(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            put(o, "%c", c);
        else
            put(o, "\\x%02x", c);
    }
    put(o, "\"");
}

static void render_double(out *o, double d) {
    if (isnan(d))
        put(o, "NaN");
    else
        put(o, "%.17g", d);
}

static const char *render(out *o, const char *t, const krpc_value *v) {
    while (*t == ' ')
        t++;
    const char *name = t;
    while ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9'))
        t++;
    size_t len = (size_t)(t - name);
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
    if (v->is_null) {
        put(o, "null");
        return skip_type(name);
    }
    if (IS("double")) {
        render_double(o, v->u.d);
    } else if (IS("float")) {
        if (isnan(v->u.f))
            put(o, "NaN");
        else
            put(o, "%.9g", (double)v->u.f);
    } else if (IS("sint32")) {
        put(o, "%" PRId32, v->u.i32);
    } else if (IS("sint64")) {
        put(o, "%" PRId64, v->u.i64);
    } else if (IS("uint32")) {
        put(o, "%" PRIu32, v->u.u32);
    } else if (IS("uint64")) {
        put(o, "%" PRIu64, v->u.u64);
    } else if (IS("bool")) {
        put(o, "%s", v->u.b ? "true" : "false");
    } else if (IS("string")) {
        render_string(o, v->u.s.data, v->u.s.len);
    } else if (IS("bytes")) {
        put(o, "x\"");
        for (size_t i = 0; i < v->u.s.len; i++)
            put(o, "%02x", (unsigned char)v->u.s.data[i]);
        put(o, "\"");
    } else if (IS("Color")) {
        put(o, "Color(%" PRId32 ")", v->u.e);
    } else if (IS("Box")) {
        put(o, "Box");
    } else if (IS("list") || IS("set")) {
        const char *sub = t + 1; /* after '(' */
        put(o, "[");
        for (size_t i = 0; i < v->u.seq.count; i++) {
            if (i)
                put(o, ", ");
            render(o, sub, &v->u.seq.items[i]);
        }
        put(o, "]");
        return skip_type(name);
    } else if (IS("dict")) {
        const char *key = t + 1;
        const char *val = skip_type(key);
        while (*val == ',' || *val == ' ')
            val++;
        put(o, "{");
        for (size_t i = 0; i < v->u.dict.count; i++) {
            if (i)
                put(o, ", ");
            render(o, key, &v->u.dict.keys[i]);
            put(o, ": ");
            render(o, val, &v->u.dict.values[i]);
        }
        put(o, "}");
        return skip_type(name);
    } else if (IS("tuple")) {
        render_items(o, t + 1, v->u.seq.items, v->u.seq.count);
        return skip_type(name);
    } else if (struct_fields(name, len)) {
        put(o, "%.*s", (int)len, name);
        render_items(o, struct_fields(name, len), v->u.seq.items, v->u.seq.count);
    } else {
        put(o, "?%.*s", (int)len, name);
    }
#undef IS
    return skip_type(name);
}

static int render_params(krpc_call *call, const krpc_param_decl *params, const krpc_value *args,
                         krpc_value *result) {
    out *o = krpc_alloc(call, sizeof *o);
    o->len = 0;
    o->buf[0] = 0;
    for (size_t i = 0; params[i].name; i++) {
        put(o, "%s%s=", i ? ", " : "", params[i].name);
        render(o, params[i].type, &args[i]);
    }
    krpc_set_string(call, result, o->buf, o->len);
    return KRPC_OK;
}

#define RENDERING(fn, params) \
    PROC(fn) { return render_params(call, params, args, result); }

static const krpc_param_decl double_params[] = {
    {.name = "a", .type = "double", .default_value = "3.14159"},
    {.name = "b", .type = "double", .default_value = "nan"},
    {.name = "c", .type = "double", .default_value = "inf"},
    {.name = "d", .type = "double", .default_value = "-inf"},
    {.name = "e", .type = "double", .default_value = "max"},
    {.name = "f", .type = "double", .default_value = "lowest"},
    {.name = "g", .type = "double", .default_value = "-0.5e-3"},
    {.name = "h", .type = "double", .default_value = "1e300"},
    END,
};

static const krpc_param_decl float_params[] = {
    {.name = "a", .type = "float", .default_value = "0.1"},
    {.name = "b", .type = "float", .default_value = "nan"},
    {.name = "c", .type = "float", .default_value = "max"},
    {.name = "d", .type = "float", .default_value = "lowest"},
    {.name = "e", .type = "float", .default_value = "-inf"},
    {.name = "f", .type = "float", .default_value = "16777217"},
    END,
};

static const krpc_param_decl int_params[] = {
    {.name = "a", .type = "sint32", .default_value = "-7"},
    {.name = "b", .type = "sint32", .default_value = "min"},
    {.name = "c", .type = "sint32", .default_value = "max"},
    {.name = "d", .type = "sint64", .default_value = "min"},
    {.name = "e", .type = "sint64", .default_value = "123456789012"},
    {.name = "f", .type = "uint32", .default_value = "max"},
    {.name = "g", .type = "uint64", .default_value = "max"},
    {.name = "h", .type = "uint64", .default_value = "0x10"},
    {.name = "i", .type = "sint32", .default_value = "lowest"},
    END,
};

static const krpc_param_decl bool_params[] = {
    {.name = "a", .type = "bool", .default_value = "true"},
    {.name = "b", .type = "bool", .default_value = "false"},
    END,
};

static const krpc_param_decl string_params[] = {
    {.name = "a", .type = "string", .default_value = "\"foo\\n\\\"q\\\"\\\\\\x41\\t\""},
    {.name = "b", .type = "string", .default_value = "\"\""},
    {.name = "c", .type = "string?", .default_value = "null"},
    {.name = "d", .type = "string", .default_value = "\"with, comma [and] {braces} (parens)\""},
    {.name = "e", .type = "string", .default_value = "\"caf\xc3\xa9\""},
    END,
};

static const krpc_param_decl bytes_params[] = {
    {.name = "a", .type = "bytes", .default_value = "x\"deadbeef\""},
    {.name = "b", .type = "bytes", .default_value = "x\"\""},
    {.name = "c", .type = "bytes?", .default_value = "null"},
    {.name = "d", .type = "bytes", .default_value = "x\"00FF\""},
    END,
};

static const krpc_param_decl enum_params[] = {
    {.name = "a", .type = "Color", .default_value = "Blue"},
    {.name = "b", .type = "Color", .default_value = "1"},
    {.name = "c", .type = "Color?", .default_value = "null"},
    {.name = "d", .type = "list(Color)", .default_value = "[Red, Blue]"},
    END,
};

static const krpc_param_decl object_params[] = {
    {.name = "a", .type = "Box?", .default_value = "null"},
    {.name = "b", .type = "Box", .default_value = "null"},
    END,
};

static const krpc_param_decl list_params[] = {
    {.name = "a", .type = "list(sint32)", .default_value = "[1, 2, 3]"},
    {.name = "b", .type = "list(string)", .default_value = "[]"},
    {.name = "c", .type = "set(string)", .default_value = "[\"a\", \"b\"]"},
    {.name = "d", .type = "list(list(sint32))", .default_value = "[[1], [], [2, 3]]"},
    {.name = "e", .type = "list(double)", .default_value = "  [ 0.25 ,-0.0,1e-300 ]  "},
    {.name = "f", .type = "list(bool)", .default_value = "[true, false]"},
    END,
};

static const krpc_param_decl dict_params[] = {
    {.name = "a", .type = "dict(string,list(sint32))", .default_value = "{\"a\": [1], \"b\": []}"},
    {.name = "b", .type = "dict(bool,string)", .default_value = "{true: \"t\", false: \"f\"}"},
    {.name = "c", .type = "dict(uint64,Color)", .default_value = "{}"},
    {.name = "d", .type = "dict(sint64,tuple(sint32,string))", .default_value = "{-1: (2, \"x\")}"},
    END,
};

static const krpc_param_decl tuple_params[] = {
    {.name = "a", .type = "tuple(sint32,string,bool)", .default_value = "(1, \"x\", true)"},
    {.name = "b", .type = "tuple(list(sint32),dict(sint32,bool))", .default_value = "([], {1: false})"},
    {.name = "c", .type = "tuple(double)", .default_value = "(0.25)"},
    END,
};

static const krpc_param_decl struct_params[] = {
    {.name = "a", .type = "Pair", .default_value = "(42, \"jeb\", Green, [0.5, -1])"},
    {.name = "b", .type = "list(Pair)", .default_value = "[(1, \"a\", Red, [])]"},
    {.name = "c", .type = "Pair?", .default_value = "null"},
    {.name = "d", .type = "Outer", .default_value = "((7, \"in\", Blue, []), [1, 2])"},
    END,
};

static const krpc_param_decl mixed_params[] = {
    {.name = "a", .type = "sint32"},
    {.name = "b", .type = "string", .default_value = "\"x\""},
    {.name = "c", .type = "list(sint32)", .default_value = "[1]"},
    END,
};

RENDERING(p_double, double_params)
RENDERING(p_float, float_params)
RENDERING(p_int, int_params)
RENDERING(p_bool, bool_params)
RENDERING(p_string, string_params)
RENDERING(p_bytes, bytes_params)
RENDERING(p_enum, enum_params)
RENDERING(p_object, object_params)
RENDERING(p_list, list_params)
RENDERING(p_dict, dict_params)
RENDERING(p_tuple, tuple_params)
RENDERING(p_struct, struct_params)
RENDERING(p_mixed, mixed_params)

static const krpc_procedure_decl procedures[] = {
    {.name = "Doubles", .fn = p_double, .params = double_params, .returns = "string"},
    {.name = "Floats", .fn = p_float, .params = float_params, .returns = "string"},
    {.name = "Integers", .fn = p_int, .params = int_params, .returns = "string"},
    {.name = "Bools", .fn = p_bool, .params = bool_params, .returns = "string"},
    {.name = "Strings", .fn = p_string, .params = string_params, .returns = "string"},
    {.name = "Bytes", .fn = p_bytes, .params = bytes_params, .returns = "string"},
    {.name = "Enums", .fn = p_enum, .params = enum_params, .returns = "string"},
    {.name = "Objects", .fn = p_object, .params = object_params, .returns = "string"},
    {.name = "Lists", .fn = p_list, .params = list_params, .returns = "string"},
    {.name = "Dicts", .fn = p_dict, .params = dict_params, .returns = "string"},
    {.name = "Tuples", .fn = p_tuple, .params = tuple_params, .returns = "string"},
    {.name = "Structs", .fn = p_struct, .params = struct_params, .returns = "string"},
    {.name = "Mixed", .fn = p_mixed, .params = mixed_params, .returns = "string"},
    END,
};

static const krpc_enum_value_decl colors[] = {
    {.name = "Red", .value = 0},
    {.name = "Green", .value = 1},
    {.name = "Blue", .value = -3},
    END,
};

static const krpc_enum_decl enums[] = {
    {.name = "Color", .values = colors},
    END,
};

static const krpc_field_decl pair_fields[] = {
    {.name = "Num", .type = "sint32"},
    {.name = "Name", .type = "string"},
    {.name = "Kind", .type = "Color"},
    {.name = "Items", .type = "list(double)"},
    END,
};

static const krpc_field_decl outer_fields[] = {
    {.name = "Inner", .type = "Pair"},
    {.name = "Nums", .type = "list(sint32)"},
    END,
};

static const krpc_struct_decl structs[] = {
    {.name = "Pair", .fields = pair_fields},
    {.name = "Outer", .fields = outer_fields},
    END,
};

static const krpc_class_decl classes[] = {
    {.name = "Box"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "DefaultsTest", .procedures = procedures, .classes = classes, .enums = enums, .structs = structs},
    END,
};

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-defaults",
    .version = "1.0",
    .services = services,
};

KRPC_PLUGIN_DEFINE(plugin)
