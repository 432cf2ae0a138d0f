/*
 * krpc/plugin.h - everything a kRPC service plugin sees of the server.
 *
 * A plugin is a shared object (or a statically linked descriptor) that declares
 * kRPC services as const tables and implements their procedures in C. The server
 * validates the tables whole before activating any of them, decodes and
 * type-checks every argument, and encodes every result: a plugin never sees
 * protobuf bytes.
 *
 * Read this file top to bottom:
 *   1. values        - how arguments and results reach your code (krpc_value)
 *   2. declarations  - services, procedures, properties, classes, enums,
 *                      exceptions and structs as const tables
 *   3. the call      - what a procedure receives, and the host API it can use
 *                      (errors, memory, yields, objects, events)
 *   4. the plugin    - the one exported symbol and ABI negotiation
 *
 * Ownership, in one sentence: the host owns everything it hands you (arguments,
 * the call, events until you release them), and you own your declarations and
 * your objects (unless your class declares a release function).
 */
#ifndef KRPC_PLUGIN_H
#define KRPC_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. Bumped when a struct here changes layout; the
 * host API table only grows at its end, which needs no bump. */
#define KRPC_PLUGIN_ABI_VERSION 1u
/* 'kRPC' - first field of every plugin descriptor. */
#define KRPC_PLUGIN_MAGIC 0x6b525043u

#if defined(_WIN32)
#define KRPC_PLUGIN_EXPORT __declspec(dllexport)
#else
#define KRPC_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ========================================================================
 * 1. Values
 * ========================================================================
 *
 * A kRPC value as your code sees it. Which member of the union is valid follows
 * from the declared type (types are strings, see section 2):
 *
 *   "double" d     "float" f      "sint32" i32   "sint64" i64
 *   "uint32" u32   "uint64" u64   "bool" b
 *   "string", "bytes"           s   (data is NUL-terminated for arguments)
 *   a class  ("TestClass")      obj (your object pointer; id is its kRPC id)
 *   an enum  ("TestEnum")       e   (any int32; the host does not restrict it)
 *   "list(T)", "set(T)", "tuple(A,B,...)", a struct
 *                               seq (items in order; struct = its fields)
 *   "dict(K,V)"                 dict (parallel key/value arrays)
 *   "procedure_call", "event", "stream", "status", "services"
 *                               host-only values; pass them back to the host
 *
 * is_null is set for a null value; a type accepts null only where it is
 * declared nullable (a trailing '?': "TestClass?", "string?").
 */
typedef struct krpc_value krpc_value;
struct krpc_value {
    union {
        double d;
        float f;
        int32_t i32;
        int64_t i64;
        uint32_t u32;
        uint64_t u64;
        bool b;
        int32_t e;
        struct {
            const char *data;
            size_t len;
        } s;
        struct {
            void *ptr;
            uint64_t id; /* set on arguments; ignored on results */
        } obj;
        struct {
            krpc_value *items;
            size_t count;
        } seq;
        struct {
            krpc_value *keys;
            krpc_value *values;
            size_t count;
        } dict;
        const void *host; /* host-only values */
    } u;
    bool is_null;
};

/* ========================================================================
 * 2. Declarations
 * ========================================================================
 *
 * Every array below ends with a zeroed sentinel entry (name == NULL).
 *
 * Names (services, procedures, properties, classes, enums and their values,
 * exceptions, structs and their fields) must match ^[A-Z][A-Za-z0-9]*$.
 * Parameter names must match ^[a-z][A-Za-z0-9]*$ (kRPC's camelCase).
 *
 * Types are strings:
 *   scalars   double float sint32 sint64 uint32 uint64 bool string bytes
 *   messages  procedure_call event stream status services
 *   classes, enums, structs  by name: "TestClass" (declared in this service)
 *             or "OtherService.Name" (declared by another loaded service)
 *   collections  list(T) set(T) dict(K,V) tuple(T1,T2,...)
 *             dictionary keys: sint32 sint64 uint32 uint64 bool string
 *   a trailing '?' makes a parameter, return or property nullable.
 *
 * Default values are literals in the parameter's type:
 *   numbers  42  -7  3.14159  0.1  nan  inf  -inf  max  lowest  min
 *   bool     true false        string  "foo" (C escapes)   bytes  x"deadbeef"
 *   null     (needs a nullable or class type)   enums  ValueC (a value name)
 *   list/set [1, 2, 3]   dict {1: false, 2: true}   tuple/struct (42, "jeb")
 *
 * Documentation is the summary text ("Procedure documentation string."); the
 * host wraps it as kRPC's XML (<doc><summary>...). Text already starting with
 * "<doc>" is used verbatim. It may contain <see cref="M:Service.Member" />.
 *
 * Deprecation: deprecated == NULL means not deprecated; "" means deprecated
 * without a reason; otherwise the reason (may contain <see cref=... />).
 */

/* Game scenes, as a mask. 0 (KRPC_SCENE_INHERIT) takes the enclosing member's
 * scenes (a service that inherits is available everywhere). */
enum {
    KRPC_SCENE_INHERIT = 0,
    KRPC_SCENE_SPACE_CENTER = 1u << 0,
    KRPC_SCENE_FLIGHT = 1u << 1,
    KRPC_SCENE_TRACKING_STATION = 1u << 2,
    KRPC_SCENE_EDITOR_VAB = 1u << 3,
    KRPC_SCENE_EDITOR_SPH = 1u << 4,
    KRPC_SCENE_MISSION_BUILDER = 1u << 5,
    KRPC_SCENE_ASTRONAUT_COMPLEX = 1u << 6,
    KRPC_SCENE_MISSION_CONTROL = 1u << 7,
    KRPC_SCENE_RESEARCH_AND_DEVELOPMENT = 1u << 8,
    KRPC_SCENE_ADMINISTRATION = 1u << 9,
    KRPC_SCENE_EDITOR = KRPC_SCENE_EDITOR_VAB | KRPC_SCENE_EDITOR_SPH,
    KRPC_SCENE_ALL = 0x3ffu,
};

/* What a procedure returns to the host. */
enum {
    KRPC_OK = 0,     /* *result holds the return value (ignored for void) */
    KRPC_ERROR = -1, /* an error was raised with krpc_raise*() */
    KRPC_YIELD = 1,  /* krpc_yield() was called: resume on the next update */
};

typedef struct krpc_call krpc_call;

/* A procedure, method, static method, property getter or setter.
 * args: the declared parameters in order, every one present (omitted ones
 *       hold their defaults). Instance methods and class property accessors
 *       get the instance as args[0]; setters get the new value last.
 *       Owned by the host, valid until the procedure returns.
 * result: where to write the return value (zeroed on entry). What it points to
 *       must stay valid until the procedure returns; use krpc_alloc() for
 *       memory the host should free afterwards.
 * Returns KRPC_OK, KRPC_ERROR or KRPC_YIELD. */
typedef int (*krpc_procedure_fn)(krpc_call *call, const krpc_value *args, krpc_value *result);

typedef struct krpc_param_decl {
    const char *name;
    const char *type;
    const char *default_value; /* NULL: required; else a literal (above) */
    const char *doc;           /* optional <param> text */
} krpc_param_decl;

/* Procedure flags. */
enum {
    KRPC_STATIC = 1u << 0, /* in krpc_class_decl.methods: a static method */
    /* The result depends only on the arguments and the game state, not on the
     * calling client, and calling it again within one update gives the same
     * result (e.g. a vessel's altitude). Streams of the same call from many
     * clients are then evaluated once per update and the result shared. */
    KRPC_SHARED = 1u << 1,
    /* Seen only by kRPC 0.7 clients (protocol version 1): left out of older
     * clients' GetServices and not callable by them, so what they see stays
     * as it was. Such members are numbered after every member older clients
     * see, whose ids therefore do not move. A service all of whose members
     * have it is seen by 0.7 clients only. Also in krpc_property_decl.flags. */
    KRPC_V07_ONLY = 1u << 2,
};

typedef struct krpc_procedure_decl {
    const char *name;
    krpc_procedure_fn fn;
    const krpc_param_decl *params; /* NULL or sentinel-terminated */
    const char *returns;           /* NULL: returns nothing */
    const char *doc;
    const char *returns_doc; /* optional <returns> text */
    const char *deprecated;
    uint32_t game_scenes; /* KRPC_SCENE_* mask, 0 = inherit */
    uint32_t flags;
} krpc_procedure_decl;

/* A property: get and/or set. The getter takes no arguments (service
 * property) or the instance; the setter additionally takes "value". */
typedef struct krpc_property_decl {
    const char *name;
    const char *type;
    krpc_procedure_fn get; /* NULL: write-only */
    krpc_procedure_fn set; /* NULL: read-only */
    const char *doc;
    const char *deprecated;
    uint32_t game_scenes;
    uint32_t flags; /* KRPC_SHARED applies to the getter; KRPC_V07_ONLY to both */
} krpc_property_decl;

/* A class: objects your procedures return and take, identified on the wire by
 * ids the host assigns (from 1, never reused, one id per equal object). */
typedef struct krpc_class_decl {
    const char *name;
    const krpc_procedure_decl *methods; /* instance and KRPC_STATIC methods */
    const krpc_property_decl *properties;
    const char *doc;
    const char *deprecated;
    uint32_t game_scenes;
    /* Object identity. NULL equals: two pointers are the same object iff they
     * are equal pointers. Otherwise equals and hash define equality on the
     * objects' *current* state; hash is taken when an object is first stored. */
    bool (*equals)(const void *a, const void *b);
    uint64_t (*hash)(const void *obj);
    /* NULL: you keep ownership of every object you return. Otherwise the host
     * owns returned objects and calls release when it drops one: a duplicate
     * of an object already stored, a destroyed object, or at server stop. */
    void (*release)(void *obj);
} krpc_class_decl;

typedef struct krpc_enum_value_decl {
    const char *name;
    int32_t value;
    const char *doc;
    const char *deprecated;
} krpc_enum_value_decl;

typedef struct krpc_enum_decl {
    const char *name;
    const krpc_enum_value_decl *values;
    const char *doc;
    const char *deprecated;
} krpc_enum_decl;

typedef struct krpc_exception_decl {
    const char *name;
    const char *doc;
    const char *deprecated;
} krpc_exception_decl;

typedef struct krpc_field_decl {
    const char *name;
    const char *type; /* never nullable */
    const char *doc;
    const char *deprecated;
} krpc_field_decl;

/* A structure: passed by value as a tuple of its fields, in this order.
 * Only ever append fields. */
typedef struct krpc_struct_decl {
    const char *name;
    const krpc_field_decl *fields;
    const char *doc;
    const char *deprecated;
} krpc_struct_decl;

typedef struct krpc_service_decl {
    const char *name;
    uint32_t id; /* 0: derived from the name (SHA-256 rule) */
    const krpc_procedure_decl *procedures;
    const krpc_property_decl *properties;
    const krpc_class_decl *classes;
    const krpc_enum_decl *enums;
    const krpc_exception_decl *exceptions;
    const krpc_struct_decl *structs;
    const char *doc;
    const char *deprecated;
    uint32_t game_scenes;
    /* How error messages name this service's types (the reference prints .NET
     * names): "TestServer.TestService+" gives "TestServer.TestService+TestClass".
     * NULL: "<Service>.". */
    const char *type_namespace;
} krpc_service_decl;

/* ========================================================================
 * 3. The call and the host API
 * ========================================================================
 *
 * Procedures receive a krpc_call. Its first two members are public; the rest
 * is the host's. Use the inline helpers below rather than api directly. */

typedef struct krpc_host krpc_host;   /* one per loaded plugin in one server */
typedef struct krpc_event krpc_event; /* an event, see krpc_event_create */
typedef struct krpc_host_api krpc_host_api;

struct krpc_call {
    const krpc_host_api *api;
    void *state; /* what your init stored in *state */
};

/* Kinds of error a procedure can raise. The standard kinds are reported as
 * the KRPC service's exceptions (clients map them to ValueError etc.);
 * KRPC_ERR_GENERIC has no exception type. */
typedef enum krpc_error_kind {
    KRPC_ERR_GENERIC = 0,
    KRPC_ERR_ARGUMENT = 1,              /* KRPC.ArgumentException */
    KRPC_ERR_ARGUMENT_NULL = 2,         /* KRPC.ArgumentNullException */
    KRPC_ERR_ARGUMENT_OUT_OF_RANGE = 3, /* KRPC.ArgumentOutOfRangeException */
    KRPC_ERR_INVALID_OPERATION = 4,     /* KRPC.InvalidOperationException */
    KRPC_ERR_OBJECT_DESTROYED = 5,      /* KRPC.ObjectDestroyedException */
    /* Added with kRPC 0.7: reported as these KRPC exceptions to 0.7 clients
     * (Python raises TypeError, KeyError, IndexError, ZeroDivisionError,
     * NotImplementedError, TimeoutError, OverflowError), untyped to older
     * clients, which did not know them. */
    KRPC_ERR_NULL_REFERENCE = 6,     /* KRPC.NullReferenceException */
    KRPC_ERR_KEY_NOT_FOUND = 7,      /* KRPC.KeyNotFoundException */
    KRPC_ERR_INDEX_OUT_OF_RANGE = 8, /* KRPC.IndexOutOfRangeException */
    KRPC_ERR_DIVIDE_BY_ZERO = 9,     /* KRPC.DivideByZeroException */
    KRPC_ERR_NOT_SUPPORTED = 10,     /* KRPC.NotSupportedException */
    KRPC_ERR_TIMEOUT = 11,           /* KRPC.TimeoutException */
    KRPC_ERR_OVERFLOW = 12,          /* KRPC.OverflowException */
} krpc_error_kind;

/* Resumes a yielded call; same contract as krpc_procedure_fn, with the state
 * given to krpc_yield. */
typedef int (*krpc_resume_fn)(krpc_call *call, void *state, krpc_value *result);

/* An event's condition, evaluated once per update while the event is
 * started; return true to fire. Runs on the server thread. */
typedef bool (*krpc_event_condition_fn)(krpc_event *event, void *state);

/* Severity for krpc_log. */
enum { KRPC_LOG_ERROR = 0, KRPC_LOG_WARNING = 1, KRPC_LOG_INFO = 2, KRPC_LOG_DEBUG = 3 };

/* A client asks the game for a change only the game can make: the setter of
 * KRPC.GameScene (scene: one KRPC_SCENE_* bit, already checked to be a known
 * scene) or of KRPC.Paused. The handler runs as the setter's procedure, on the
 * server thread: return KRPC_OK to accept, or refuse with krpc_raise(call,
 * KRPC_ERR_INVALID_OPERATION, "why") (or any krpc_raise*); it may also yield.
 * Accepting does not change anything by itself: the handler (at once) or the
 * game (later, as a game loads a scene asynchronously) applies the change with
 * set_game_scene / set_paused (or krpc_server_set_game_scene /
 * krpc_server_set_paused). call->state is not yours; state is what was given
 * with the handler. Without a handler the setters raise
 * KRPC.InvalidOperationException ("... not supported by this server"). */
typedef int (*krpc_game_scene_request_fn)(void *state, krpc_call *call, uint32_t scene);
typedef int (*krpc_paused_request_fn)(void *state, krpc_call *call, bool paused);

/* A client has left: its RPC connection closed (or an operator or the server
 * dropped it). client_id and client_name are what krpc_client_id and
 * krpc_client_name gave during its calls (valid during the handler). Runs on
 * the server thread, once per client, after its pending calls are dropped
 * (its streams and events end with its stream connection, which may close a
 * little later); it may not raise or yield. Use it to undo what the client
 * held, e.g. an autopilot it engaged. state is what was given with the
 * handler. */
typedef void (*krpc_client_disconnect_fn)(void *state, const uint8_t *client_id, const char *client_name);

/* Service behaviours a plugin opts in to (set_service_flags). */
enum {
    /* A null class value - the result of a procedure or property, or a stream
     * value - goes on the wire as is_null = true AND value 00 (object id 0),
     * and an argument of class type that is object id 0 is null for every
     * client (as is_null is). Clients before kRPC 0.7 have no is_null field
     * and read object id 0 as null; later ones check is_null first. Set it
     * for services that scripts of both generations call (the mock game's
     * SpaceCenter); without it a null is a bare is_null, as the reference
     * server sends (and its recorded conformance vectors expect). */
    KRPC_SERVICE_NULL_AS_ID0 = 1u << 0,
};

/* The host API. Append-only: new functions go at the end; check `size`
 * before using a member newer than your ABI version. */
struct krpc_host_api {
    uint32_t size; /* sizeof(krpc_host_api) of the host */
    uint32_t abi_version;

    /* Memory freed by the host once the call's result has been encoded. */
    void *(*alloc)(krpc_call *call, size_t size);
    /* A string value copied into call memory. */
    void (*set_string)(krpc_call *call, krpc_value *out, const char *data, size_t len);

    /* Raise an error; returns KRPC_ERROR so a procedure can `return` it.
     * The message is copied. */
    int (*raise)(krpc_call *call, krpc_error_kind kind, const char *message);
    /* Raise an exception declared by this plugin's service ("CustomException")
     * or by another service ("Service.Name"). */
    int (*raise_exception)(krpc_call *call, const char *exception, const char *message);

    /* Ask to be resumed on the next update. Ownership of state passes to the
     * host, which calls free_state (if not NULL) once the call is finished or
     * dropped (its client left). Returns KRPC_YIELD. */
    int (*yield)(krpc_call *call, krpc_resume_fn resume, void *state, void (*free_state)(void *));

    /* The calling client: 16-byte identifier and name (valid during the call).
     * In a stream or event evaluation, the client that owns it. */
    const uint8_t *(*client_id)(krpc_call *call);
    const char *(*client_name)(krpc_call *call);

    /* The game object behind obj is gone: later uses of its id raise
     * KRPC.ObjectDestroyedException. class_name is the class's name in this
     * plugin's service. Server thread only. */
    void (*object_destroyed)(krpc_host *host, const char *class_name, void *obj);

    /* Create an event for the calling client (needs its stream connection;
     * otherwise raises and returns NULL) and fill *result with the Event value
     * to return. condition may be NULL (fire with krpc_event_trigger only).
     * The handle is yours until krpc_event_release; free_state is called with
     * state when the host drops the event. */
    krpc_event *(*event_create)(krpc_call *call, krpc_event_condition_fn condition, void *state,
                                void (*free_state)(void *), krpc_value *result);
    /* Any thread. Fire the event / ask for its removal after its next update.
     * Both are no-ops once the event is gone (e.g. its client left). */
    void (*event_trigger)(krpc_event *event);
    void (*event_remove)(krpc_event *event);
    /* Any thread. Give up your handle. */
    void (*event_release)(krpc_event *event);

    /* Run a procedure_call value (as received in an argument) once in the
     * calling client's context: binding, dispatch and result encoding, no I/O.
     * Returns KRPC_OK, KRPC_YIELD (the yield is dropped), or KRPC_ERROR with
     * the error's description in errbuf. fullname (if not NULL) receives
     * "Service.Procedure". */
    int (*run_call)(krpc_call *call, const krpc_value *procedure_call, char *errbuf,
                    size_t errbuf_size, char *fullname, size_t fullname_size);

    /* Log a line through the server's log. */
    void (*log)(krpc_host *host, int level, const char *message);

    /* The host handle of the plugin making this call. */
    krpc_host *(*host)(krpc_call *call);

    /* ---- Added after the first release: check KRPC_HOST_API_HAS(api, member)
     * before use, an older host's table ends before them. ---- */

    /* The pointer the embedding program registered this plugin with
     * (krpc_server_add_plugin_with_data / krpc_server_load_plugin_with_data);
     * NULL otherwise. The host never dereferences it. */
    void *(*user_data)(krpc_host *host);

    /* The game state. Server thread only. game_scene is the current mask of
     * KRPC_SCENE_* bits (what KRPC.GameScene reports, and what procedures'
     * game_scenes are checked against); set_game_scene replaces it, e.g. a mock
     * game that enters Flight when a vessel is launched. paused is what
     * KRPC.Paused reports; set_paused changes it. Neither pauses the server:
     * updates and calls go on, pausing the simulation is the game's business. */
    uint32_t (*game_scene)(krpc_host *host);
    void (*set_game_scene)(krpc_host *host, uint32_t scene_mask);
    bool (*paused)(krpc_host *host);
    void (*set_paused)(krpc_host *host, bool paused);

    /* Become the handler of a client setting KRPC.GameScene / KRPC.Paused (see
     * krpc_game_scene_request_fn). One handler each per server, whoever
     * installed it last (a plugin or the embedding program); fn == NULL removes
     * it. state is passed back to fn and stays yours. Server thread only. */
    void (*on_game_scene_request)(krpc_host *host, krpc_game_scene_request_fn fn, void *state);
    void (*on_paused_request)(krpc_host *host, krpc_paused_request_fn fn, void *state);

    /* A plugin option from the server's configuration (the `options` of the
     * plugin's entry under plugins.load), or NULL if not given. The string
     * lives as long as the plugin is loaded. Usable from init on. */
    const char *(*option)(krpc_host *host, const char *key);

    /* Set the KRPC_SERVICE_* flags of one of this plugin's services (by name),
     * replacing its previous flags. Usable from init on, server thread.
     * Returns 0, or -1 (nothing changed) if the plugin declares no such
     * service or a flag is unknown to this host. */
    int (*set_service_flags)(krpc_host *host, const char *service, uint32_t flags);

    /* Become this plugin's handler of clients leaving (see
     * krpc_client_disconnect_fn); fn == NULL removes it. One handler per
     * plugin, the last one installed. Usable from init on, server thread. */
    void (*on_client_disconnect)(krpc_host *host, krpc_client_disconnect_fn fn, void *state);

    /* A deterministic text dump of a KRPC.Expression value (a parameter of
     * type "KRPC.Expression", kRPC 0.7), into *out in call memory: one node a
     * line with its type, for tests of the trees clients build (the test
     * server's TestService.DumpExpressionTree). Returns KRPC_OK, or raises
     * and returns KRPC_ERROR. */
    int (*dump_expression)(krpc_call *call, const krpc_value *expression, krpc_value *out);

    /* Memory kept with the stream being evaluated, for what a procedure can
     * work out once and reuse each update: which of its objects the stream's
     * arguments name, say, instead of looking them up again. A stream is one
     * client's, its arguments never change, and it is evaluated every update,
     * so thousands of streams cost what the lookups cost. The first call in a
     * stream gets size zeroed bytes; its later evaluations get the same bytes
     * back. NULL when the call is not a stream's evaluation (an ordinary call,
     * a call inside an expression), when size is 0, over KRPC_STREAM_MEMO_MAX
     * or not the first call's: work it out then as usual. The bytes are freed
     * with the stream; keep in them only values, or pointers to what outlives
     * every stream (your state), never call memory. Server thread. Use
     * krpc_stream_memo, which checks that the host has it. */
    void *(*stream_memo)(krpc_call *call, size_t size);
};

static inline void *krpc_alloc(krpc_call *c, size_t n) { return c->api->alloc(c, n); }
static inline void krpc_set_string(krpc_call *c, krpc_value *out, const char *s, size_t n) {
    c->api->set_string(c, out, s, n);
}
static inline int krpc_raise(krpc_call *c, krpc_error_kind kind, const char *message) {
    return c->api->raise(c, kind, message);
}
static inline int krpc_raise_exception(krpc_call *c, const char *exception, const char *message) {
    return c->api->raise_exception(c, exception, message);
}
static inline int krpc_yield(krpc_call *c, krpc_resume_fn resume, void *state, void (*free_state)(void *)) {
    return c->api->yield(c, resume, state, free_state);
}
static inline const uint8_t *krpc_client_id(krpc_call *c) { return c->api->client_id(c); }
static inline const char *krpc_client_name(krpc_call *c) { return c->api->client_name(c); }

/* Whether the host's API table has a member (it may be older than this
 * header): KRPC_HOST_API_HAS(api, user_data). */
#define KRPC_HOST_API_HAS(api, member) \
    ((api)->size >= offsetof(krpc_host_api, member) + sizeof((api)->member))

/* The most bytes stream_memo gives a stream. */
#define KRPC_STREAM_MEMO_MAX 4096

/* The stream's memory (see stream_memo), or NULL, also from an older host. */
static inline void *krpc_stream_memo(krpc_call *c, size_t size) {
    return KRPC_HOST_API_HAS(c->api, stream_memo) ? c->api->stream_memo(c, size) : NULL;
}

/* ========================================================================
 * 4. The plugin
 * ========================================================================
 *
 * A shared object exports one function, krpc_plugin_query. The host passes
 * the highest ABI version it speaks; the plugin returns a descriptor for a
 * version it also speaks (<= host_abi), or NULL to decline. The host accepts
 * any version from 1 to its own. The same descriptor can be registered
 * statically by a program embedding the server (no dlopen). */
typedef struct krpc_plugin {
    uint32_t magic;       /* KRPC_PLUGIN_MAGIC */
    uint32_t abi_version; /* KRPC_PLUGIN_ABI_VERSION this plugin was built with */
    const char *name;     /* unique among loaded plugins */
    const char *version;
    const krpc_service_decl *services; /* sentinel-terminated */
    /* Optional. Called once, after validation, before any call. Store your
     * state in *state (passed back as krpc_call.state). Return 0, or a
     * negative number to refuse loading (the host logs it). The api table
     * lives as long as the process; the host handle as long as the plugin is
     * loaded. */
    int (*init)(krpc_host *host, const krpc_host_api *api, void **state);
    /* Optional. Called once per server update, before requests are served;
     * dt is the fixed simulated time step in seconds. */
    void (*tick)(void *state, double dt);
    /* Optional. Called when the server stops, after the last call. */
    void (*cleanup)(void *state);
} krpc_plugin;

typedef const krpc_plugin *(*krpc_plugin_query_fn)(uint32_t host_abi);
#define KRPC_PLUGIN_QUERY_SYMBOL "krpc_plugin_query"

/* Declare the query function in a plugin: KRPC_PLUGIN_DEFINE(my_plugin) where
 * my_plugin is a `static const krpc_plugin`. */
#define KRPC_PLUGIN_DEFINE(descriptor)                                                   \
    KRPC_PLUGIN_EXPORT const krpc_plugin *krpc_plugin_query(uint32_t host_abi);          \
    const krpc_plugin *krpc_plugin_query(uint32_t host_abi) {                            \
        return host_abi >= KRPC_PLUGIN_ABI_VERSION ? &(descriptor) : NULL;               \
    }

#ifdef __cplusplus
}
#endif
#endif /* KRPC_PLUGIN_H */
