/* The built-in KRPC service (krpc-service.md), declared through the same plugin
 * ABI as every other service. Its procedures reach into the server through
 * the call context. */
#include "core/server_internal.h"
#include "krpc/expression.h"
#include "rpc/value.h"
#include "streams/streams.h"

#include <string.h>

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }

static int get_client_id(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    kclient *c = ctx_of(call)->client;
    krpc_set_string(call, result, (const char *)c->id, KRPC_CLIENT_ID_LEN);
    return KRPC_OK;
}

static int get_client_name(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    kclient *c = ctx_of(call)->client;
    krpc_set_string(call, result, c->name, strlen(c->name));
    return KRPC_OK;
}

/* A message-typed result: the encoded bytes, copied into call memory. */
static void message_result(krpc_call *call, const kbuf *b, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    kbytes *m = arena_alloc(c->a, sizeof *m);
    m->data = (const uint8_t *)arena_strndup(c->a, (const char *)b->data, b->len);
    m->len = b->len;
    result->u.host = m;
}

static int get_status(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    kbuf b = {0};
    status_encode(ctx_of(call)->srv, &b);
    message_result(call, &b, result);
    kbuf_free(&b);
    return KRPC_OK;
}

static int get_services(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    kbytes *m = krpc_alloc(call, sizeof *m);
    m->data = ctx_of(call)->srv->services_cache.data;
    m->len = ctx_of(call)->srv->services_cache.len;
    result->u.host = m;
    return KRPC_OK;
}

static int get_clients(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    krpc_server *srv = ctx_of(call)->srv;
    size_t n = 0;
    for (kclient *c = srv->clients; c; c = c->all_next)
        if (c->rpc)
            n++;
    krpc_value *items = krpc_alloc(call, (n ? n : 1) * sizeof *items);
    size_t i = 0;
    for (kclient *c = srv->clients; c; c = c->all_next) {
        if (!c->rpc)
            continue;
        krpc_value *t = krpc_alloc(call, 3 * sizeof *t);
        memset(t, 0, 3 * sizeof *t);
        t[0].u.s.data = (const char *)c->id;
        t[0].u.s.len = KRPC_CLIENT_ID_LEN;
        t[1].u.s.data = c->name;
        t[1].u.s.len = strlen(c->name);
        t[2].u.s.data = c->address;
        t[2].u.s.len = strlen(c->address);
        memset(&items[i], 0, sizeof items[i]);
        items[i].u.seq.items = t;
        items[i].u.seq.count = 3;
        i++;
    }
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

/* KRPC.GameScene from the scene mask: a facility wins over the space center. */
static int get_game_scene(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    uint32_t mask = ctx_of(call)->srv->game_scene;
    static const int order[] = {6, 7, 8, 9, 0, 1, 2, 3, 4, 5};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (mask & (1u << order[i])) {
            result->u.e = order[i];
            return KRPC_OK;
        }
    return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Unknown game scene");
}

/* The setters ask the host's handler (krpc_server_on_*_request); a server
 * without one cannot change scene or pause. */
static int set_game_scene(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    krpc_server *srv = ctx_of(call)->srv;
    if (!srv->scene_request)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION,
                          "Changing the game scene is not supported by this server");
    int32_t scene = args[0].u.e;
    if (scene < 0 || scene > 9)
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Unknown game scene");
    return srv->scene_request(srv->scene_request_state, call, 1u << scene);
}

static int get_paused(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    result->u.b = ctx_of(call)->srv->paused;
    return KRPC_OK;
}

static int set_paused(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    krpc_server *srv = ctx_of(call)->srv;
    if (!srv->paused_request)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Pausing is not supported by this server");
    return srv->paused_request(srv->paused_request_state, call, args[0].u.b);
}

static const krpc_procedure_decl procedures[] = {
    {.name = "GetClientID", .fn = get_client_id, .returns = "bytes",
     .doc = "Returns the identifier for the current client."},
    {.name = "GetClientName", .fn = get_client_name, .returns = "string",
     .doc = "Returns the name of the current client.\nThis is an empty string if the client has no name."},
    {.name = "GetStatus", .fn = get_status, .returns = "status",
     .doc = "Returns some information about the server, such as the version."},
    {.name = "GetServices", .fn = get_services, .returns = "services",
     .doc = "Returns information on all services, procedures, classes, properties etc. provided by "
            "the server.\nCan be used by client libraries to automatically create functionality such "
            "as stubs."},
    {.name = "AddStream", .fn = streams_krpc_add_stream, .returns = "stream",
     .params = (const krpc_param_decl[]){{"call", "procedure_call", NULL, "The call to stream."},
                                         {"start", "bool", "true", "Whether to start the stream."},
                                         {0}},
     .doc = "Add a streaming request and return its identifier."},
    {.name = "StartStream", .fn = streams_krpc_start_stream,
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."}, {0}},
     .doc = "Start a previously added streaming request."},
    {.name = "SetStreamRate", .fn = streams_krpc_set_stream_rate,
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."},
                                         {"rate", "float", NULL, "Rate in Hz; 0 means every update."},
                                         {0}},
     .doc = "Set the update rate for a stream in Hz."},
    {.name = "RemoveStream", .fn = streams_krpc_remove_stream,
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."}, {0}},
     .doc = "Remove a streaming request."},
    {.name = "AddEvent", .fn = streams_krpc_add_event, .returns = "event",
     .params = (const krpc_param_decl[]){{"expression", "Expression", NULL, "A boolean expression."}, {0}},
     .doc = "Create an event from a server side expression."},
    {0},
};

static const krpc_property_decl properties[] = {
    {.name = "Clients", .type = "list(tuple(bytes,string,string))", .get = get_clients,
     .doc = "A list of RPC clients that are currently connected to the server.\nEach entry in the list "
            "is a client's identifier, name and address."},
    {.name = "GameScene", .type = "GameScene", .get = get_game_scene, .set = set_game_scene,
     .doc = "The current game scene."},
    {.name = "CurrentGameScene", .type = "GameScene", .get = get_game_scene,
     .doc = "Get the current game scene.", .deprecated = "Use <see cref=\"M:KRPC.GameScene\" /> instead."},
    {.name = "Paused", .type = "bool", .get = get_paused, .set = set_paused,
     .doc = "Whether the game is paused."},
    {0},
};

static const krpc_class_decl classes[] = {
    {.name = "Expression", .methods = krpc_expression_methods, .doc = "A server side expression.",
     .release = krpc_expression_release},
    {.name = "Type", .methods = krpc_type_methods, .doc = "A server side expression type.",
     .release = krpc_expression_type_release},
    {0},
};

static const krpc_enum_decl enums[] = {
    {.name = "GameScene",
     .doc = "The game scene. See <see cref=\"M:KRPC.GameScene\" />.",
     .values = (const krpc_enum_value_decl[]){
         {"SpaceCenter", 0, "The game scene showing the Kerbal Space Center buildings.", NULL},
         {"Flight", 1, "The game scene showing a vessel in flight (or on the launchpad/runway).", NULL},
         {"TrackingStation", 2, "The tracking station.", NULL},
         {"EditorVAB", 3, "The Vehicle Assembly Building.", NULL},
         {"EditorSPH", 4, "The Space Plane Hangar.", NULL},
         {"MissionBuilder", 5, "The mission builder.", NULL},
         {"AstronautComplex", 6, "The astronaut complex, opened inside the space center.", NULL},
         {"MissionControl", 7, "Mission control, opened inside the space center.", NULL},
         {"ResearchAndDevelopment", 8, "Research and development, opened inside the space center.", NULL},
         {"Administration", 9, "The administration building, opened inside the space center.", NULL},
         {0}}},
    {0},
};

static const krpc_exception_decl exceptions[] = {
    {"InvalidOperationException", "A method call was made to a method that is invalid\ngiven the current "
                                  "state of the object.", NULL},
    {"ArgumentOutOfRangeException", "The value of an argument is outside the allowable range of "
                                    "values\nas defined by the invoked method.", NULL},
    {"ArgumentException", "A method was invoked where at least one of the passed arguments does "
                          "not\nmeet the parameter specification of the method.", NULL},
    {"ObjectDestroyedException", "The game object behind an object id no longer exists.", NULL},
    {"ArgumentNullException", "A null reference was passed to a method that does not accept it as "
                              "a\nvalid argument.", NULL},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "KRPC", .id = 1, .procedures = procedures, .properties = properties, .classes = classes,
     .enums = enums, .exceptions = exceptions, .type_namespace = "KRPC.Service.KRPC.",
     .doc = "Main kRPC service, used by clients to interact with basic server functionality."},
    {0},
};

const krpc_plugin krpc_core_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "KRPC",
    .version = "0.7.0",
    .services = services,
};
