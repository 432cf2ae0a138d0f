/*
 * plugin_clients.c - the host API members for clients leaving and for null
 * objects (krpc/plugin.h section 3: on_client_disconnect, set_service_flags).
 *
 * Service ClientLog records every client that leaves (its name, and whether
 * its id is the one it had during its calls) and offers a nullable object
 * result, with KRPC_SERVICE_NULL_AS_ID0 set in init. Service PlainNulls has
 * the same procedure without the flag. init also checks that
 * set_service_flags refuses what it should (another plugin's service, an
 * unknown flag); the outcome is readable as ClientLog.FlagChecks.
 */
#include "testplugin.h"

#define MAX_LOG 32

typedef struct clientlog {
    char names[MAX_LOG][64];
    uint8_t ids[MAX_LOG][16];
    size_t n;
    /* ids seen in calls (Register), to check the hook's id */
    uint8_t known[MAX_LOG][16];
    char known_names[MAX_LOG][64];
    size_t nknown;
    const char *flag_checks;
} clientlog;

static clientlog log_state;

static void on_disconnect(void *state, const uint8_t *client_id, const char *client_name) {
    clientlog *l = state;
    if (l->n == MAX_LOG)
        return;
    snprintf(l->names[l->n], sizeof l->names[l->n], "%s", client_name ? client_name : "(null)");
    memcpy(l->ids[l->n], client_id, 16);
    l->n++;
}

/* Remember the calling client's id, so that Left can tell whether the hook
 * got the same one. */
PROC(reg) {
    clientlog *l = call->state;
    if (l->nknown < MAX_LOG) {
        memcpy(l->known[l->nknown], krpc_client_id(call), 16);
        snprintf(l->known_names[l->nknown], sizeof l->known_names[l->nknown], "%s", krpc_client_name(call));
        l->nknown++;
    }
    return KRPC_OK;
}

/* The clients that left, in order: "name" if its id matched a registered
 * client of that name, "name?" if not. */
PROC(left) {
    clientlog *l = call->state;
    krpc_value *items = krpc_alloc(call, (l->n ? l->n : 1) * sizeof *items);
    memset(items, 0, (l->n ? l->n : 1) * sizeof *items);
    for (size_t i = 0; i < l->n; i++) {
        bool matched = false;
        for (size_t k = 0; k < l->nknown; k++)
            if (memcmp(l->known[k], l->ids[i], 16) == 0 && strcmp(l->known_names[k], l->names[i]) == 0)
                matched = true;
        char buf[80];
        snprintf(buf, sizeof buf, "%s%s", l->names[i], matched ? "" : "?");
        krpc_set_string(call, &items[i], buf, strlen(buf));
    }
    result->u.seq.items = items;
    result->u.seq.count = l->n;
    return KRPC_OK;
}

PROC(flag_checks) { return tp_string(call, result, ((clientlog *)call->state)->flag_checks); }

typedef struct thing {
    int n;
} thing;
static thing one = {1};

/* An object if args[0], else null. */
PROC(maybe) {
    result->u.obj.ptr = args[0].u.b ? &one : NULL;
    return KRPC_OK;
}

/* Whether the argument arrived as null. */
PROC(is_null_arg) {
    result->u.b = args[0].is_null;
    return KRPC_OK;
}

static const krpc_param_decl p_give[] = {{.name = "give", .type = "bool"}, END};
static const krpc_param_decl p_thing[] = {{.name = "thing", .type = "Thing?"}, END};

static const krpc_procedure_decl log_procedures[] = {
    {.name = "Register", .fn = reg},
    {.name = "Left", .fn = left, .returns = "list(string)"},
    {.name = "Maybe", .fn = maybe, .params = p_give, .returns = "Thing?"},
    {.name = "IsNull", .fn = is_null_arg, .params = p_thing, .returns = "bool"},
    END,
};
static const krpc_property_decl log_properties[] = {
    {.name = "FlagChecks", .type = "string", .get = flag_checks},
    END,
};
static const krpc_class_decl log_classes[] = {{.name = "Thing"}, END};

static const krpc_param_decl p_plain_thing[] = {{.name = "thing", .type = "ClientLog.Thing?"}, END};
static const krpc_procedure_decl plain_procedures[] = {
    {.name = "Maybe", .fn = maybe, .params = p_give, .returns = "ClientLog.Thing?"},
    {.name = "IsNull", .fn = is_null_arg, .params = p_plain_thing, .returns = "bool"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "ClientLog", .procedures = log_procedures, .properties = log_properties, .classes = log_classes},
    {.name = "PlainNulls", .procedures = plain_procedures},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    if (!KRPC_HOST_API_HAS(api, on_client_disconnect) || !KRPC_HOST_API_HAS(api, set_service_flags))
        return -1;
    memset(&log_state, 0, sizeof log_state);
    api->on_client_disconnect(host, on_disconnect, &log_state);
    int own = api->set_service_flags(host, "ClientLog", KRPC_SERVICE_NULL_AS_ID0);
    int foreign = api->set_service_flags(host, "TestService", KRPC_SERVICE_NULL_AS_ID0);
    int unknown_flag = api->set_service_flags(host, "PlainNulls", 1u << 30);
    int missing = api->set_service_flags(host, "NoSuchService", KRPC_SERVICE_NULL_AS_ID0);
    log_state.flag_checks = own == 0 && foreign == -1 && unknown_flag == -1 && missing == -1 ? "ok" : "wrong";
    *state = &log_state;
    return 0;
}

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "clients",
    .version = "1",
    .services = services,
    .init = init,
};

KRPC_PLUGIN_DEFINE(plugin)
