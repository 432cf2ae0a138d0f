/*
 * plugin_shared.c - KRPC_SHARED: streams of a shared procedure from many
 * clients are evaluated once per update; the same procedure without the flag
 * is evaluated once per stream. Each procedure counts its evaluations.
 */
#include "testplugin.h"

#include <stdlib.h>

typedef struct counts {
    int32_t shared, separate;
} counts;

/* The value changes every update (so every stream sends each update), and
 * reading it counts one evaluation. */
PROC(shared_value) {
    (void)args;
    counts *c = call->state;
    result->u.i32 = ++c->shared;
    return KRPC_OK;
}

PROC(separate_value) {
    (void)args;
    counts *c = call->state;
    result->u.i32 = ++c->separate;
    return KRPC_OK;
}

PROC(evaluations) {
    (void)args;
    counts *c = call->state;
    krpc_value *items = krpc_alloc(call, 2 * sizeof *items);
    memset(items, 0, 2 * sizeof *items);
    items[0].u.i32 = c->shared;
    items[1].u.i32 = c->separate;
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

static const krpc_procedure_decl procedures[] = {
    {.name = "SharedValue", .fn = shared_value, .returns = "sint32", .flags = KRPC_SHARED},
    {.name = "SeparateValue", .fn = separate_value, .returns = "sint32"},
    {.name = "Evaluations", .fn = evaluations, .returns = "tuple(sint32,sint32)"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "SharedService", .procedures = procedures},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    (void)host, (void)api;
    *state = calloc(1, sizeof(counts));
    return *state ? 0 : -1;
}

static void cleanup(void *state) { free(state); }

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-shared",
    .services = services,
    .init = init,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
