/*
 * plugin_noid.c - service ids and procedure ids (semantics.md 8.3).
 *
 * Service NoIdService declares no id, so the host derives it from its name
 * (the first 4 bytes of SHA-256("NoIdService"), little-endian). Every member
 * records its wire name in the plugin state; Last (procedure id 1) returns
 * it, so a test can call each id and see what ran. The expected ids:
 *   1 Last  2 MakeGadget  3 Alpha  4 Beta  5 get_Level  6 set_Level
 *   7 set_Secret  8 Gadget_Spin  9 Gadget_static_Make  10 Gadget_Turn
 *   11 Gadget_get_Size  12 Gadget_set_Size  13 Gadget_get_Color
 * Service ExplicitIdService (same plugin) declares id 4242.
 */
#include "testplugin.h"

#include <stdlib.h>

typedef struct noid_state {
    const char *last;
    int32_t level;
    int32_t size;
    int gadget;
} noid_state;

static noid_state *state_of(krpc_call *call) { return call->state; }

#define RECORD(fn, wire)                   \
    PROC(fn) {                             \
        state_of(call)->last = wire;       \
        (void)args;                        \
        (void)result;                      \
        return KRPC_OK;                    \
    }

PROC(last) { return tp_string(call, result, state_of(call)->last ? state_of(call)->last : ""); }

PROC(make_gadget) {
    state_of(call)->last = "MakeGadget";
    result->u.obj.ptr = &state_of(call)->gadget;
    return KRPC_OK;
}

RECORD(alpha, "Alpha")
RECORD(beta, "Beta")
RECORD(set_secret, "set_Secret")
RECORD(spin, "Gadget_Spin")
RECORD(turn, "Gadget_Turn")

PROC(set_level) {
    state_of(call)->last = "set_Level";
    state_of(call)->level = args[0].u.i32; /* a service setter gets only the value */
    return KRPC_OK;
}

PROC(get_level) {
    state_of(call)->last = "get_Level";
    result->u.i32 = state_of(call)->level;
    return KRPC_OK;
}

PROC(static_make) {
    state_of(call)->last = "Gadget_static_Make";
    result->u.obj.ptr = &state_of(call)->gadget;
    return KRPC_OK;
}

PROC(set_size) {
    state_of(call)->last = "Gadget_set_Size";
    state_of(call)->size = args[1].u.i32; /* the instance, then the value */
    return KRPC_OK;
}

PROC(get_size) {
    state_of(call)->last = "Gadget_get_Size";
    result->u.i32 = state_of(call)->size;
    return KRPC_OK;
}

PROC(get_color) {
    state_of(call)->last = "Gadget_get_Color";
    return tp_string(call, result, "red");
}

PROC(hello) { return tp_string(call, result, "hello from ExplicitIdService"); }

static const krpc_procedure_decl procedures[] = {
    {.name = "Last", .fn = last, .returns = "string"},
    {.name = "MakeGadget", .fn = make_gadget, .returns = "Gadget"},
    {.name = "Alpha", .fn = alpha},
    {.name = "Beta", .fn = beta},
    END,
};

static const krpc_property_decl properties[] = {
    {.name = "Level", .type = "sint32", .get = get_level, .set = set_level},
    {.name = "Secret", .type = "string", .set = set_secret},
    END,
};

static const krpc_procedure_decl gadget_methods[] = {
    {.name = "Spin", .fn = spin},
    {.name = "Make", .fn = static_make, .returns = "Gadget", .flags = KRPC_STATIC},
    {.name = "Turn", .fn = turn},
    END,
};

static const krpc_property_decl gadget_properties[] = {
    {.name = "Size", .type = "sint32", .get = get_size, .set = set_size},
    {.name = "Color", .type = "string", .get = get_color},
    END,
};

static const krpc_class_decl classes[] = {
    {.name = "Gadget", .methods = gadget_methods, .properties = gadget_properties},
    END,
};

static const krpc_procedure_decl explicit_procedures[] = {
    {.name = "Hello", .fn = hello, .returns = "string"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "NoIdService", .procedures = procedures, .properties = properties, .classes = classes},
    {.name = "ExplicitIdService", .id = 4242, .procedures = explicit_procedures},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    noid_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    *state = st;
    return 0;
}

static void cleanup(void *state) { free(state); }

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-noid",
    .version = "1.0",
    .services = services,
    .init = init,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
