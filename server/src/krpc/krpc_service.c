/* The built-in KRPC service (krpc-service.md), declared through the same plugin
 * ABI as every other service. Its procedures reach into the server through
 * the call context. */
#include "core/server_internal.h"
#include "krpc/expression.h"
#include "krpc/function.h"
#include "../../services/stdlib/stdlib.h"
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
    const kbuf *b = &ctx_of(call)->srv->services_cache[ctx_of(call)->client->gen];
    m->data = b->data;
    m->len = b->len;
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

/* KRPC.GameStateLoads (0.7 stream rework, v070-final.md 3.5): how many game
 * states have finished loading. This server loads none - a game, if any, is
 * a plugin, and the host API tells it of no game state load - so it is 0, as
 * for the reference server before its first load. */
static int get_game_state_loads(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    result->u.u32 = 0;
    return KRPC_OK;
}

static int set_paused(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    krpc_server *srv = ctx_of(call)->srv;
    if (!srv->paused_request)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Pausing is not supported by this server");
    return srv->paused_request(srv->paused_request_state, call, args[0].u.b);
}

/* The procedures both protocol generations declare the same way, in the same
 * order (their ids follow from it). */
#define KRPC_COMMON_PROCEDURES \
    {.name = "GetClientID", .fn = get_client_id, .returns = "bytes", \
     .doc = "Returns the identifier for the current client."}, \
    {.name = "GetClientName", .fn = get_client_name, .returns = "string", \
     .doc = "Returns the name of the current client.\nThis is an empty string if the client has no name."}, \
    {.name = "GetStatus", .fn = get_status, .returns = "status", \
     .doc = "Returns some information about the server, such as the version."}, \
    {.name = "GetServices", .fn = get_services, .returns = "services", \
     .doc = "Returns information on all services, procedures, classes, properties etc. provided by " \
            "the server.\nCan be used by client libraries to automatically create functionality such " \
            "as stubs."}, \
    {.name = "AddStream", .fn = streams_krpc_add_stream, .returns = "stream", \
     .params = (const krpc_param_decl[]){{"call", "procedure_call", NULL, "The call to stream."}, \
                                         {"start", "bool", "true", "Whether to start the stream."}, \
                                         {0}}, \
     .doc = "Add a streaming request and return its identifier."}, \
    {.name = "StartStream", .fn = streams_krpc_start_stream, \
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."}, {0}}, \
     .doc = "Start a previously added streaming request."}, \
    {.name = "SetStreamRate", .fn = streams_krpc_set_stream_rate, \
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."}, \
                                         {"rate", "float", NULL, "Rate in Hz; 0 means every update."}, \
                                         {0}}, \
     .doc = "Set the update rate for a stream in Hz."}, \
    {.name = "RemoveStream", .fn = streams_krpc_remove_stream, \
     .params = (const krpc_param_decl[]){{"id", "uint64", NULL, "Identifier of the stream."}, {0}}, \
     .doc = "Remove a streaming request."},

static const krpc_procedure_decl procedures[] = {
    KRPC_COMMON_PROCEDURES
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

#define GAME_SCENE_ENUM                                                                             \
    {.name = "GameScene", \
     .doc = "The game scene. See <see cref=\"M:KRPC.GameScene\" />.", \
     .values = (const krpc_enum_value_decl[]){ \
         {"SpaceCenter", 0, "The game scene showing the Kerbal Space Center buildings.", NULL}, \
         {"Flight", 1, "The game scene showing a vessel in flight (or on the launchpad/runway).", NULL}, \
         {"TrackingStation", 2, "The tracking station.", NULL}, \
         {"EditorVAB", 3, "The Vehicle Assembly Building.", NULL}, \
         {"EditorSPH", 4, "The Space Plane Hangar.", NULL}, \
         {"MissionBuilder", 5, "The mission builder.", NULL}, \
         {"AstronautComplex", 6, "The astronaut complex, opened inside the space center.", NULL}, \
         {"MissionControl", 7, "Mission control, opened inside the space center.", NULL}, \
         {"ResearchAndDevelopment", 8, "Research and development, opened inside the space center.", NULL}, \
         {"Administration", 9, "The administration building, opened inside the space center.", NULL}, \
         {0}}}

static const krpc_enum_decl enums[] = {
    GAME_SCENE_ENUM,
    {0},
};

#define BASE_EXCEPTIONS \
    {"InvalidOperationException", "A method call was made to a method that is invalid\ngiven the current " \
                                  "state of the object.", NULL}, \
    {"ArgumentOutOfRangeException", "The value of an argument is outside the allowable range of " \
                                    "values\nas defined by the invoked method.", NULL}, \
    {"ArgumentException", "A method was invoked where at least one of the passed arguments does " \
                          "not\nmeet the parameter specification of the method.", NULL}, \
    {"ObjectDestroyedException", "The game object behind an object id no longer exists.", NULL}, \
    {"ArgumentNullException", "A null reference was passed to a method that does not accept it as " \
                              "a\nvalid argument.", NULL}

static const krpc_exception_decl exceptions[] = {
    BASE_EXCEPTIONS,
    {0},
};

/* ==== KRPC as kRPC 0.7.0 clients see it (v070-final.md 3) =================
 *
 * UNVERIFIED: the order of the members below is what decides the procedure
 * ids that C-nano clients call by (v070-final.md 3.7: the release
 * renumbered them, in an order that could not be read). Chosen: the
 * snapshot's procedures in their order, the function procedures where the
 * server-side-functions branch put them (after RemoveStream), AddEvent, then
 * the tick procedures where the tick-hold branch put them (appended), then
 * NextTick; the Expression methods in the order of krpc/function.c. */

static const krpc_procedure_decl procedures_v07[] = {
    KRPC_COMMON_PROCEDURES
    {.name = "AddFunctionStream", .fn = fn_krpc_add_function_stream, .returns = "stream",
     .params = (const krpc_param_decl[]){{"function", "Expression", NULL, "The function to stream."}, {0}},
     .doc = "Add a stream of the value a server side function evaluates to, evaluated every update. "
            "The stream is started. Every call adds a new stream."},
    {.name = "RunFunction", .fn = fn_krpc_run_function, .returns = "bytes?",
     .params = (const krpc_param_decl[]){{"function", "Expression", NULL, "The function to run."},
                                         {"arguments", "list(bytes?)", "[]",
                                          "The arguments of a function that takes parameters, one encoded "
                                          "value per parameter."},
                                         {0}},
     .doc = "Run a server side function within the current tick and return the encoded value it evaluates "
            "to (empty for a function with no value)."},
    {.name = "CompileFunction", .fn = fn_krpc_compile_function,
     .params = (const krpc_param_decl[]){{"function", "Expression", NULL, "The function to compile."}, {0}},
     .doc = "Check and compile a server side function without running it."},
    {.name = "AddEvent", .fn = fn_krpc_add_event, .returns = "event",
     .params = (const krpc_param_decl[]){{"function", "Expression", NULL, "A function evaluating to a bool."},
                                         {0}},
     .doc = "Create an event from a server side function, which fires when it evaluates to true."},
    {.name = "HoldTick", .fn = tick_krpc_hold,
     .doc = "Hold the game on its current tick until <see cref=\"M:KRPC.ReleaseTick\" /> is called or the "
            "hold times out, so that every call made in between sees the state of one tick."},
    {.name = "ReleaseTick", .fn = tick_krpc_release,
     .doc = "Let the game move on from the tick <see cref=\"M:KRPC.HoldTick\" /> held it on. Does nothing if "
            "this client is not holding the tick."},
    {.name = "NextTick", .fn = tick_krpc_next,
     .doc = "Let the game move on by exactly one tick and hold it there: "
            "<see cref=\"M:KRPC.ReleaseTick\" /> followed by <see cref=\"M:KRPC.HoldTick\" />."},
    {0},
};

static const krpc_property_decl properties_v07[] = {
    {.name = "Clients", .type = "list(ClientInfo)", .get = get_clients,
     .doc = "A list of RPC clients that are currently connected to the server."},
    {.name = "GameScene", .type = "GameScene", .get = get_game_scene, .set = set_game_scene,
     .doc = "The current game scene."},
    {.name = "CurrentGameScene", .type = "GameScene", .get = get_game_scene,
     .doc = "Get the current game scene.", .deprecated = "Use <see cref=\"M:KRPC.GameScene\" /> instead."},
    {.name = "Paused", .type = "bool", .get = get_paused, .set = set_paused,
     .doc = "Whether the game is paused."},
    {.name = "GameStateLoads", .type = "uint32", .get = get_game_state_loads,
     .doc = "The number of game states that have finished loading."},
    {0},
};

static const krpc_class_decl classes_v07[] = {
    {.name = "Expression", .methods = fn_expression_methods, .properties = fn_expression_properties,
     .doc = "A server side expression, or function.", .equals = fn_expr_equals, .hash = fn_expr_hash,
     .release = fn_expr_release},
    {.name = "Type", .methods = fn_type_methods, .properties = fn_type_properties,
     .doc = "A type, of a value in a server side function.", .equals = fn_type_equals, .hash = fn_type_hash,
     .release = fn_type_release},
    {0},
};

static const krpc_enum_decl enums_v07[] = {
    GAME_SCENE_ENUM,
    {.name = "TypeCode", .doc = "The kind of a <see cref=\"T:KRPC.Type\" />.", .values = fn_type_code_values},
    {0},
};

static const krpc_struct_decl structs_v07[] = {
    {.name = "ClientInfo",
     .doc = "A connected RPC client.",
     .fields = (const krpc_field_decl[]){{"Identifier", "bytes", "The client's identifier.", NULL},
                                         {"Name", "string", "The client's name.", NULL},
                                         {"Address", "string", "The client's address.", NULL},
                                         {0}}},
    {0},
};

static const krpc_exception_decl exceptions_v07[] = {
    BASE_EXCEPTIONS,
    {"NullReferenceException", "A null value was used where a value is needed.", NULL},
    {"KeyNotFoundException", "A dictionary has no entry with the key looked up.", NULL},
    {"IndexOutOfRangeException", "An index is outside the bounds of a collection or string.", NULL},
    {"DivideByZeroException", "An integer was divided by zero.", NULL},
    {"NotSupportedException", "An operation is not supported.", NULL},
    {"TimeoutException", "An operation ran out of time.", NULL},
    {"OverflowException", "An arithmetic operation or conversion overflowed.", NULL},
    {"Error", "An error raised by a server side function.", NULL},
    {"StreamRemovedException", "A stream or event was removed by the server.", NULL},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "KRPC", .id = 1, .procedures = procedures, .properties = properties, .classes = classes,
     .enums = enums, .exceptions = exceptions, .type_namespace = "KRPC.Service.KRPC.",
     .doc = "Main kRPC service, used by clients to interact with basic server functionality."},
    {.name = "KRPC", .id = 1, .procedures = procedures_v07, .properties = properties_v07, .classes = classes_v07,
     .enums = enums_v07, .exceptions = exceptions_v07, .structs = structs_v07, .type_namespace = "KRPC.Service.KRPC.",
     .doc = "Main kRPC service, used by clients to interact with basic server functionality."},
    /* services/stdlib: a core service, which 0.7 clients only see */
    {.name = "StdLib", .id = 8, .procedures = krpc_stdlib_procedures, .properties = krpc_stdlib_properties,
     .type_namespace = "KRPC.Service.StdLib.", .doc = KRPC_STDLIB_DOC},
    {0},
};

/* Which protocol generations see each of the services above. */
const uint8_t krpc_core_service_gens[] = {KGEN_BIT(KGEN_LEGACY), KGEN_BIT(KGEN_V07), KGEN_BIT(KGEN_V07)};

const krpc_plugin krpc_core_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "KRPC",
    .version = "0.7.0",
    .services = services,
};
