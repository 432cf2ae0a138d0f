/*
 * plugin_v07.c - nested nullable positions (kRPC 0.7, v070-final.md
 * 2.3): a '?' after a list element, tuple item or dictionary value type, or
 * after a struct field's type. 0.7 clients (protocol version 1) send and
 * receive such items with a presence byte ("01 <value>" or "00"); older
 * clients have no nested nulls: the items are encoded as before and a null
 * one is an error. Service V07Test echoes values of each kind back and
 * returns fixed values with nulls in them. It also raises an error of a kind
 * 0.7 added, and counts the plugin's ticks (simulated time, which stands
 * still while a client holds the tick).
 */
#include "testplugin.h"

#include <stdlib.h>

typedef struct thing {
    int n;
} thing;

static thing things[2] = {{1}, {2}};

typedef struct state {
    uint64_t ticks;
    double time;
} state;

static int init(krpc_host *host, const krpc_host_api *api, void **st) {
    (void)host, (void)api;
    *st = calloc(1, sizeof(state));
    return *st ? 0 : -1;
}

static void tick(void *st, double dt) {
    state *s = st;
    s->ticks++;
    s->time += dt;
}

static void cleanup(void *st) { free(st); }

PROC(get_ticks) {
    (void)args;
    result->u.u64 = ((state *)call->state)->ticks;
    return KRPC_OK;
}

PROC(get_time) {
    (void)args;
    result->u.d = ((state *)call->state)->time;
    return KRPC_OK;
}

PROC(echo) {
    (void)call;
    *result = args[0];
    return KRPC_OK;
}

/* [1, null, 3] */
PROC(list_with_null) {
    krpc_value *items = krpc_alloc(call, 3 * sizeof *items);
    memset(items, 0, 3 * sizeof *items);
    items[0].u.i32 = 1;
    items[1].is_null = true;
    items[2].u.i32 = 3;
    result->u.seq.items = items;
    result->u.seq.count = 3;
    return KRPC_OK;
}

/* [1, 2]: no nulls, so the same for every client apart from presence bytes */
PROC(list_without_null) {
    krpc_value *items = krpc_alloc(call, 2 * sizeof *items);
    memset(items, 0, 2 * sizeof *items);
    items[0].u.i32 = 1;
    items[1].u.i32 = 2;
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

PROC(new_thing) {
    (void)call;
    result->u.obj.ptr = &things[args[0].u.i32 & 1];
    return KRPC_OK;
}

/* Pair(Number = null, Object = null) */
PROC(null_pair) {
    krpc_value *f = krpc_alloc(call, 2 * sizeof *f);
    memset(f, 0, 2 * sizeof *f);
    f[0].is_null = true;
    f[1].is_null = true;
    result->u.seq.items = f;
    result->u.seq.count = 2;
    return KRPC_OK;
}

/* An error of a kind kRPC 0.7 added: KRPC.KeyNotFoundException for 0.7
 * clients, untyped for older ones. */
PROC(missing_key) {
    (void)args, (void)result;
    return krpc_raise(call, KRPC_ERR_KEY_NOT_FOUND, "The given key was not present in the dictionary.");
}

static const krpc_procedure_decl procedures[] = {
    {.name = "EchoList", .fn = echo, .params = (const krpc_param_decl[]){{"l", "list(sint32?)", NULL, NULL}, END},
     .returns = "list(sint32?)"},
    {.name = "EchoDict", .fn = echo,
     .params = (const krpc_param_decl[]){{"d", "dict(string,string?)", NULL, NULL}, END},
     .returns = "dict(string,string?)"},
    {.name = "EchoTuple", .fn = echo,
     .params = (const krpc_param_decl[]){{"t", "tuple(sint32?,string)", NULL, NULL}, END},
     .returns = "tuple(sint32?,string)"},
    {.name = "EchoStruct", .fn = echo, .params = (const krpc_param_decl[]){{"p", "Pair", NULL, NULL}, END},
     .returns = "Pair"},
    {.name = "EchoNested", .fn = echo,
     .params = (const krpc_param_decl[]){{"l", "list(list(Thing?)?)", NULL, NULL}, END},
     .returns = "list(list(Thing?)?)"},
    {.name = "ListWithNull", .fn = list_with_null, .returns = "list(sint32?)"},
    {.name = "ListWithoutNull", .fn = list_without_null, .returns = "list(sint32?)"},
    {.name = "NullPair", .fn = null_pair, .returns = "Pair"},
    {.name = "MissingKey", .fn = missing_key},
    {.name = "NewThing", .fn = new_thing, .params = (const krpc_param_decl[]){{"n", "sint32", NULL, NULL}, END},
     .returns = "Thing"},
    END,
};

static const krpc_property_decl properties[] = {
    {.name = "Ticks", .type = "uint64", .get = get_ticks, .doc = "Plugin ticks so far."},
    {.name = "Time", .type = "double", .get = get_time, .doc = "Simulated seconds so far."},
    END,
};

static const krpc_class_decl classes[] = {{.name = "Thing", .doc = "A thing."}, END};

static const krpc_struct_decl structs[] = {
    {.name = "Pair",
     .fields = (const krpc_field_decl[]){{"Number", "sint32?", NULL, NULL}, {"Object", "Thing?", NULL, NULL}, END}},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "V07Test", .procedures = procedures, .properties = properties, .classes = classes,
     .structs = structs, .doc = "What kRPC 0.7 adds to plugins."},
    END,
};

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "v07-test",
    .version = "1.0",
    .services = services,
    .init = init,
    .tick = tick,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
