/*
 * plugin_objects.c - objects and their destruction (krpc/plugin.h sections 2
 * and 3: krpc_class_decl identity and ownership, host_api.object_destroyed).
 *
 * Service ObjectTest has two classes:
 *   Thing - malloc'd objects the host owns (release frees them and counts),
 *           equal when their names are equal;
 *   Fixed - three objects inside the plugin state, identity by pointer, owned
 *           by the plugin.
 * Destroy / DestroyFixed declare an object destroyed; later uses of its id
 * must raise KRPC.ObjectDestroyedException (wire.md 3.4).
 */
#include "testplugin.h"

#include <stdlib.h>

typedef struct objects_state {
    krpc_host *host;
    const krpc_host_api *api;
    uint64_t created;
    uint64_t releases;
    uint64_t live;  /* Things not yet released */
    bool cleaned;   /* cleanup ran: free the state with the last Thing */
    int32_t fixed[3];
} objects_state;

typedef struct thing {
    objects_state *owner;
    char name[64];
} thing;

static bool thing_equals(const void *a, const void *b) {
    return strcmp(((const thing *)a)->name, ((const thing *)b)->name) == 0;
}

static uint64_t thing_hash(const void *obj) {
    uint64_t h = 1469598103934665603u;
    for (const char *p = ((const thing *)obj)->name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* The host releases the Things it still holds when the server stops, after
 * cleanup: the state lives until the last one is gone. */
static void thing_release(void *obj) {
    thing *t = obj;
    objects_state *st = t->owner;
    st->releases++;
    st->live--;
    free(t);
    if (st->cleaned && st->live == 0)
        free(st);
}

static objects_state *state_of(krpc_call *call) { return call->state; }

PROC(create) {
    objects_state *st = state_of(call);
    thing *t = calloc(1, sizeof *t);
    if (!t)
        return krpc_raise(call, KRPC_ERR_GENERIC, "out of memory");
    t->owner = st;
    snprintf(t->name, sizeof t->name, "%s", args[0].u.s.data);
    st->created++;
    st->live++;
    result->u.obj.ptr = t;
    return KRPC_OK;
}

PROC(destroy) {
    /* the host handle, as the call sees it */
    call->api->object_destroyed(call->api->host(call), "Thing", args[0].u.obj.ptr);
    return KRPC_OK;
}

PROC(destroy_unknown_class) {
    call->api->object_destroyed(state_of(call)->host, "NoSuchClass", args[0].u.obj.ptr);
    return KRPC_OK;
}

PROC(thing_name) {
    const thing *t = args[0].u.obj.ptr;
    return tp_string(call, result, t->name);
}

PROC(thing_id) {
    result->u.u64 = args[0].u.obj.id;
    return KRPC_OK;
}

PROC(echo_thing) {
    result->is_null = args[0].is_null;
    result->u.obj.ptr = args[0].is_null ? NULL : args[0].u.obj.ptr;
    return KRPC_OK;
}

PROC(count_things) {
    result->u.i32 = (int32_t)args[0].u.seq.count;
    return KRPC_OK;
}

PROC(releases) {
    result->u.u64 = state_of(call)->releases;
    return KRPC_OK;
}

PROC(created) {
    result->u.u64 = state_of(call)->created;
    return KRPC_OK;
}

PROC(get_fixed) {
    int32_t i = args[0].u.i32;
    if (i < 0 || i > 2)
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "index");
    result->u.obj.ptr = &state_of(call)->fixed[i];
    return KRPC_OK;
}

PROC(destroy_fixed) {
    /* the host handle stored at init */
    objects_state *st = state_of(call);
    st->api->object_destroyed(st->host, "Fixed", args[0].u.obj.ptr);
    return KRPC_OK;
}

PROC(fixed_index) {
    result->u.i32 = *(const int32_t *)args[0].u.obj.ptr;
    return KRPC_OK;
}

PROC(raise_destroyed) { return krpc_raise(call, KRPC_ERR_OBJECT_DESTROYED, "raised by the plugin"); }

static const krpc_param_decl name_param[] = {{.name = "name", .type = "string"}, END};
static const krpc_param_decl thing_param[] = {{.name = "thing", .type = "Thing"}, END};
static const krpc_param_decl nullable_thing_param[] = {{.name = "thing", .type = "Thing?"}, END};
static const krpc_param_decl things_param[] = {{.name = "things", .type = "list(Thing)"}, END};
static const krpc_param_decl index_param[] = {{.name = "index", .type = "sint32"}, END};
static const krpc_param_decl fixed_param[] = {{.name = "fixed", .type = "Fixed"}, END};

static const krpc_procedure_decl procedures[] = {
    {.name = "Create", .fn = create, .params = name_param, .returns = "Thing"},
    {.name = "Destroy", .fn = destroy, .params = thing_param},
    {.name = "DestroyUnknownClass", .fn = destroy_unknown_class, .params = thing_param},
    {.name = "EchoThing", .fn = echo_thing, .params = nullable_thing_param, .returns = "Thing?"},
    {.name = "CountThings", .fn = count_things, .params = things_param, .returns = "sint32"},
    {.name = "Releases", .fn = releases, .returns = "uint64"},
    {.name = "Created", .fn = created, .returns = "uint64"},
    {.name = "GetFixed", .fn = get_fixed, .params = index_param, .returns = "Fixed"},
    {.name = "DestroyFixed", .fn = destroy_fixed, .params = fixed_param},
    {.name = "RaiseDestroyed", .fn = raise_destroyed, .returns = "sint32"},
    END,
};

static const krpc_property_decl thing_properties[] = {
    {.name = "Name", .type = "string", .get = thing_name},
    {.name = "Id", .type = "uint64", .get = thing_id},
    END,
};

static const krpc_property_decl fixed_properties[] = {
    {.name = "Index", .type = "sint32", .get = fixed_index},
    END,
};

static const krpc_class_decl classes[] = {
    {.name = "Thing", .properties = thing_properties, .equals = thing_equals, .hash = thing_hash,
     .release = thing_release, .doc = "A host-owned object, equal by name."},
    {.name = "Fixed", .properties = fixed_properties, .doc = "A plugin-owned object, equal by pointer."},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "ObjectTest", .procedures = procedures, .classes = classes},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    objects_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    st->host = host;
    st->api = api;
    for (int i = 0; i < 3; i++)
        st->fixed[i] = i;
    *state = st;
    return 0;
}

static void cleanup(void *state) {
    objects_state *st = state;
    st->cleaned = true;
    if (st->live == 0)
        free(st);
}

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-objects",
    .version = "1.0",
    .services = services,
    .init = init,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
