#include "counter_plugin.h"

#include <stdlib.h>
#include <string.h>

typedef struct counter {
    const char *name;
    int32_t count;
} counter;

static int name(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    const counter *c = call->state;
    krpc_set_string(call, result, c->name, strlen(c->name));
    return KRPC_OK;
}

static int increment(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    counter *c = call->state;
    result->u.i32 = ++c->count;
    return KRPC_OK;
}

static int counter_init(krpc_host *host, const krpc_host_api *api, void **state) {
    if (!KRPC_HOST_API_HAS(api, user_data))
        return -1;
    counter *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->name = api->user_data(host);
    if (!c->name)
        c->name = "";
    *state = c;
    return 0;
}

static const krpc_procedure_decl procedures[] = {
    {.name = "Name", .fn = name, .returns = "string"},
    {.name = "Increment", .fn = increment, .returns = "sint32"},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "Counter", .procedures = procedures},
    {0},
};

const krpc_plugin counter_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "Counter",
    .version = "1.0",
    .services = services,
    .init = counter_init,
    .cleanup = free,
};
