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
    KRPC_PROTOCOL_TCP = 0, /* protobuf over TCP/IP */
} krpc_protocol;

/* One kRPC "server" in the reference's sense: an RPC and a stream channel
 * over one transport. Strings are copied by krpc_server_create. */
typedef struct krpc_endpoint_config {
    krpc_protocol protocol;
    const char *address;  /* TCP: IPv4 address to bind, default "127.0.0.1" */
    uint16_t rpc_port;    /* 0 picks a free port (read it back) */
    uint16_t stream_port;
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

    /* Reported by KRPC.GetStatus; "X.Y.Z". Default: this build's version. */
    const char *version;
    /* Current game scene mask (KRPC_SCENE_*), default KRPC_SCENE_SPACE_CENTER. */
    uint32_t game_scene;

    krpc_log_level log_level; /* default INFO */
    krpc_log_fn log_fn;       /* NULL: stderr */
    void *log_data;

    size_t n_endpoints; /* default 1: TCP 127.0.0.1:50000/50001 */
    krpc_endpoint_config endpoints[KRPC_MAX_ENDPOINTS];
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

#ifdef __cplusplus
}
#endif
#endif /* KRPC_SERVER_H */
