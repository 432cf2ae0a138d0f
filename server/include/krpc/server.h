/*
 * krpc/server.h - create, configure, run and embed a kRPC server.
 *
 * All state hangs off one krpc_server: several can live in one process. A
 * server runs either on its own (krpc_server_run: I/O plus a paced update
 * tick until krpc_server_stop) or inside a host program's loop: the host calls
 * krpc_server_poll to service I/O without blocking (or waits on
 * krpc_server_fd) and krpc_server_tick once per simulation step.
 *
 * Every function is for the thread that created the server, except
 * krpc_server_stop, which any thread or a signal handler may call.
 */
#ifndef KRPC_SERVER_H
#define KRPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "krpc/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef KRPC_API
#define KRPC_API __attribute__((visibility("default")))
#endif

/* Error codes: functions return 0 or one of these. */
enum {
    KRPC_EINVAL = -22,   /* bad argument or configuration */
    KRPC_ENOMEM = -12,
    KRPC_EIO = -5,       /* could not bind or open a transport */
    KRPC_EPLUGIN = -100, /* a plugin was refused (the log says why) */
    KRPC_ESTATE = -101,  /* wrong moment (e.g. adding a plugin after start) */
};

typedef enum krpc_log_level {
    KRPC_LOG_LEVEL_ERROR = 0,
    KRPC_LOG_LEVEL_WARNING = 1,
    KRPC_LOG_LEVEL_INFO = 2,
    KRPC_LOG_LEVEL_DEBUG = 3,
} krpc_log_level;

/* A log sink: message is one line without a newline, valid during the call. */
typedef void (*krpc_log_fn)(void *data, krpc_log_level level, const char *message);

typedef enum krpc_protocol {
    KRPC_PROTOCOL_TCP = 0,          /* protobuf over TCP/IP */
    KRPC_PROTOCOL_WEBSOCKETS = 1,   /* protobuf over WebSockets (RFC 6455) */
    KRPC_PROTOCOL_LOCAL_SOCKET = 2, /* protobuf over unix domain sockets */
    KRPC_PROTOCOL_SERIAL = 3,       /* protobuf over a serial port ("SerialIO") */
    /* WebSockets whose RPC channel echoes every message instead of executing
     * it (the reference's "websockets-echo" test mode, transports.md 3.6). */
    KRPC_PROTOCOL_WEBSOCKETS_ECHO = 4,
} krpc_protocol;

typedef enum krpc_parity {
    KRPC_PARITY_NONE = 0,
    KRPC_PARITY_ODD,
    KRPC_PARITY_EVEN,
    KRPC_PARITY_MARK,
    KRPC_PARITY_SPACE,
} krpc_parity;

typedef enum krpc_stop_bits {
    KRPC_STOP_BITS_ONE = 0,
    KRPC_STOP_BITS_TWO,
    KRPC_STOP_BITS_ONE_POINT_FIVE, /* only with 5 data bits (what UARTs do) */
    KRPC_STOP_BITS_NONE,           /* not possible on a serial line: refused */
} krpc_stop_bits;

/* One kRPC "server" in the reference's sense: an RPC and a stream channel
 * over one transport. Strings are copied by krpc_server_create; zero fields
 * take the defaults given. */
typedef struct krpc_endpoint_config {
    krpc_protocol protocol;
    /* TCP and WebSockets */
    const char *address;  /* IPv4 address to bind, default "127.0.0.1" */
    uint16_t rpc_port;    /* 0 picks a free port (read it back) */
    uint16_t stream_port;
    /* Local socket: NULL takes the default, $XDG_RUNTIME_DIR/krpc/{rpc,stream}
     * or else /tmp/krpc-<user>/{rpc,stream} (read them back with
     * krpc_server_rpc_path); "" is an error. At most 100 bytes. */
    const char *rpc_path;
    const char *stream_path;
    /* Serial: the device (e.g. "/dev/ttyUSB0"), baud rate (default 9600),
     * data bits (5-8, default 8), parity and stop bits (default none, one).
     * Pending output is capped by max_send_buffer like every connection's. */
    const char *port;
    uint32_t baud_rate;
    uint8_t data_bits;
    krpc_parity parity;
    krpc_stop_bits stop_bits;
} krpc_endpoint_config;

#define KRPC_MAX_ENDPOINTS 8

typedef struct krpc_server_config {
    /* Scheduler, with the reference's names and meanings (semantics.md 2). */
    bool one_rpc_per_update;         /* default false */
    uint32_t max_time_per_update_us; /* default 5000 */
    bool adaptive_rate_control;      /* default true */
    bool blocking_recv;              /* default true */
    uint32_t recv_timeout_us;        /* default 1000 */
    /* Updates per second for krpc_server_run; 0 runs them back to back
     * ("no frame pacing", which also turns adaptive rate control off). */
    double tick_rate; /* default 60 */

    /* Limits. */
    size_t max_message_size;       /* bytes of one incoming message; default 64 MiB */
    size_t max_clients;            /* connected RPC clients; default 10000 */
    size_t max_streams_per_client; /* streams and events of one client; default 100000 */
    size_t max_send_buffer;        /* bytes queued for one connection; default 64 MiB */
    uint32_t handshake_timeout_ms; /* default 3000 */

    /* Connection policy: with n_allow == 0 every client is accepted (the
     * standalone default); otherwise only clients whose address is listed
     * (an IPv4/IPv6 address, or a local-socket path). Strings are copied. */
    size_t n_allow;
    const char *const *allow;

    /* Log every RPC (service, procedure, client, outcome) at debug level. */
    bool log_requests;

    /* The status page: HTML at /, JSON at /status.json, Prometheus text at
     * /metrics, served over HTTP on status_address:status_port (0 picks a
     * free port). Off by default. */
    bool status_page;
    const char *status_address; /* default "127.0.0.1" */
    uint16_t status_port;       /* default 50080 */

    /* Reported by KRPC.GetStatus; "X.Y.Z". Default: this build's version. */
    const char *version;
    /* Current game scene mask (KRPC_SCENE_*), default KRPC_SCENE_SPACE_CENTER. */
    uint32_t game_scene;

    krpc_log_level log_level; /* default INFO */
    krpc_log_fn log_fn;       /* NULL: stderr */
    void *log_data;

    size_t n_endpoints; /* default 1: TCP 127.0.0.1:50000/50001 */
    krpc_endpoint_config endpoints[KRPC_MAX_ENDPOINTS];

    /* Added with kRPC 0.7. The longest a client may hold the game on one tick
     * (KRPC.HoldTick) before the server takes the tick back, in
     * microseconds; default (and 0) 1000000. */
    uint32_t tick_hold_timeout_us;
} krpc_server_config;

typedef struct krpc_server krpc_server;

/* Fill *config with the defaults above. */
KRPC_API void krpc_server_config_defaults(krpc_server_config *config);

/* Create a server (nothing is bound yet). config is copied. On success *out
 * owns a server to free with krpc_server_destroy. */
KRPC_API int krpc_server_create(const krpc_server_config *config, krpc_server **out);

/* Register a plugin linked into the program. The descriptor must outlive the
 * server. origin names it in log lines (e.g. "static"). Before start only. */
KRPC_API int krpc_server_add_plugin(krpc_server *server, const krpc_plugin *plugin, const char *origin);
/* dlopen a plugin file. A refused plugin is logged with its reason and
 * KRPC_EPLUGIN returned; the server stays usable. Before start only. */
KRPC_API int krpc_server_load_plugin(krpc_server *server, const char *path);
/* Load every *.so in a directory (in name order); returns the number loaded,
 * refusals are logged. */
KRPC_API int krpc_server_load_plugin_dir(krpc_server *server, const char *dir);

/* Bind every endpoint and initialise plugins. */
KRPC_API int krpc_server_start(krpc_server *server);

/* The ports an endpoint is bound to (after start; 0 if not applicable). */
KRPC_API uint16_t krpc_server_rpc_port(const krpc_server *server, size_t endpoint);
KRPC_API uint16_t krpc_server_stream_port(const krpc_server *server, size_t endpoint);
/* The status page's port (after start; 0 if it is off). */
KRPC_API uint16_t krpc_server_status_port(const krpc_server *server);
/* The socket paths of a local-socket endpoint (NULL for other transports). */
KRPC_API const char *krpc_server_rpc_path(const krpc_server *server, size_t endpoint);
KRPC_API const char *krpc_server_stream_path(const krpc_server *server, size_t endpoint);

/* Run I/O and paced updates until krpc_server_stop. Returns 0. */
KRPC_API int krpc_server_run(krpc_server *server);
/* Ask krpc_server_run to return (safe from any thread or a signal handler). */
KRPC_API void krpc_server_stop(krpc_server *server);

/* Embedding: service pending I/O, waiting at most timeout_ms (0: do not
 * block, -1: until something happens). Requests that arrive are answered
 * at once when the scheduler settings allow, otherwise at the next tick. */
KRPC_API int krpc_server_poll(krpc_server *server, int timeout_ms);
/* Embedding: one update (RPC phase, plugin ticks, streams, statistics). */
KRPC_API void krpc_server_tick(krpc_server *server);
/* Embedding: an fd that becomes readable when krpc_server_poll has work. */
KRPC_API int krpc_server_fd(const krpc_server *server);

/* Set the game scene mask (KRPC_SCENE_*). */
KRPC_API void krpc_server_set_game_scene(krpc_server *server, uint32_t scene_mask);

/* Close every connection, clean up plugins and free the server. */
KRPC_API void krpc_server_destroy(krpc_server *server);

/* The version string of this build, "X.Y.Z". */
KRPC_API const char *krpc_version(void);

/* ------------------------------------------------------------------------
 * Embedding: game state, host data, shutdown, several servers.
 *
 * Ownership, for every function of this header: a krpc_server is the
 * caller's from krpc_server_create until krpc_server_destroy; configuration
 * strings and paths are copied (the caller's memory may go right after the
 * call); plugin descriptors (krpc_server_add_plugin*) and user data pointers
 * stay the caller's and must outlive the server; log lines and handler
 * arguments are valid during the callback only. Nothing returned here needs
 * freeing except the server itself. Servers share no state: any number can
 * live in one process, each driven from its own thread or all from one.
 * ------------------------------------------------------------------------ */

/* The current game scene mask (KRPC_SCENE_*), as krpc_server_set_game_scene
 * or a plugin left it. */
KRPC_API uint32_t krpc_server_game_scene(const krpc_server *server);

/* Whether the game is paused: what clients read from KRPC.Paused. The host
 * sets it; the server itself goes on as before (pausing the simulation is
 * the host's business). Default false. */
KRPC_API void krpc_server_set_paused(krpc_server *server, bool paused);
KRPC_API bool krpc_server_paused(const krpc_server *server);

/* Handle a client setting KRPC.GameScene / KRPC.Paused (see
 * krpc_game_scene_request_fn in krpc/plugin.h: accept with KRPC_OK, refuse
 * with krpc_raise; accepting changes nothing until the handler or the host
 * calls krpc_server_set_game_scene / krpc_server_set_paused). Without a
 * handler the setters raise KRPC.InvalidOperationException. One handler each
 * per server; the last installed (by the host or a plugin) wins; fn == NULL
 * removes it. data stays the caller's and is passed back to fn. Any time. */
KRPC_API void krpc_server_on_game_scene_request(krpc_server *server, krpc_game_scene_request_fn fn,
                                                void *data);
KRPC_API void krpc_server_on_paused_request(krpc_server *server, krpc_paused_request_fn fn, void *data);

/* krpc_server_add_plugin / krpc_server_load_plugin, giving the plugin a
 * pointer it reads with its host API's user_data(host) (e.g. the host's
 * simulation state for a service linked into the host program). user_data
 * stays the caller's and must outlive the server. Before start only. */
KRPC_API int krpc_server_add_plugin_with_data(krpc_server *server, const krpc_plugin *plugin,
                                              const char *origin, void *user_data);
KRPC_API int krpc_server_load_plugin_with_data(krpc_server *server, const char *path, void *user_data);

/* Connected RPC clients, over every endpoint. */
KRPC_API size_t krpc_server_client_count(const krpc_server *server);

/* Close down cleanly, telling clients: stop accepting connections, answer a
 * request still executing (a yielded call) with the error "The server is
 * shutting down", send what is queued, then close every connection in order
 * (clients read the end of the stream, not a reset). Waits up to timeout_ms
 * (-1: no limit) for the bytes to go out, then drops what is left. Plugins
 * are cleaned up by krpc_server_destroy, which calls this first (with a
 * limit of 1 s) if it was not called. After it, only krpc_server_destroy.
 * From the thread driving the server, not from inside a service call.
 * Returns 0, or KRPC_ESTATE if the server never started. */
KRPC_API int krpc_server_shutdown(krpc_server *server, int timeout_ms);

/* ------------------------------------------------------------------------
 * Holding the tick (kRPC 0.7: KRPC.HoldTick / ReleaseTick / NextTick).
 *
 * A client may hold the game on its current tick while it reads, computes
 * and writes, so that every call it makes sees one tick's state. While the
 * tick is held, krpc_server_tick advances nothing: plugins' tick callbacks
 * are not called (the mock game's time stands still), no stream updates are
 * sent, and requests from every client are served as they arrive (keep
 * calling krpc_server_poll and krpc_server_tick as usual). A host that steps
 * a simulation of its own must not step it while this returns true. A hold
 * ends when the client releases it, after tick_hold_timeout_us, when the
 * client disconnects, or when one of its calls needs another update; this
 * function notices the last three.
 * ------------------------------------------------------------------------ */
KRPC_API bool krpc_server_tick_held(krpc_server *server);

#ifdef __cplusplus
}
#endif
#endif /* KRPC_SERVER_H */
