/* The server object and the types every part of the core shares: endpoints
 * (a transport's RPC + stream listeners), connections, clients, requests. */
#ifndef KRPC_SERVER_INTERNAL_H
#define KRPC_SERVER_INTERNAL_H

#include "core/protocol.h"
#include "krpc/server.h"
#include "registry/registry.h"
#include "rpc/error.h"
#include "rpc/objects.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

#include <stdatomic.h>
#include <uv.h>

typedef struct kclient kclient;
typedef struct kconn kconn;
typedef struct kendpoint kendpoint;
typedef struct krequest krequest;
typedef struct kcall kcall;

#define KRPC_CLIENT_ID_LEN 16

typedef enum conn_state {
    CONN_HANDSHAKE, /* waiting for the ConnectionRequest */
    CONN_RPC,
    CONN_STREAM,
    CONN_CLOSING,
} conn_state;

typedef enum conn_role { ROLE_RPC, ROLE_STREAM } conn_role;

/* A connection: a socket (TCP, local socket; WebSocket when ws is set) or one
 * of the two channels a serial port carries (serial set; its handle is an
 * idle placeholder so that closing works the same). Whatever the transport,
 * `in` holds varint-framed messages for the handshake or the scheduler, and
 * conn_send takes one varint-framed message and frames it for the wire. */
struct kconn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_idle_t placeholder; /* serial channels */
    } h;
    krpc_server *srv;
    kendpoint *ep;
    conn_role role; /* which listener accepted it */
    conn_state state;
    kbuf in;
    uint64_t opened_ns;
    kclient *client;
    char address[108]; /* IP address, socket path or serial port name */
    size_t write_pending; /* bytes queued: in the uv_write in flight and in out */
    kbuf out;             /* bytes waiting for the uv_write in flight to finish */
    bool writing;         /* a uv_write is in flight */
    bool corked;          /* gather writes in out until conn_uncork */
    size_t in_skip;       /* RPC: bytes at the start of `in` already taken by the scheduler */
    bool reading;
    struct kws *ws;         /* WebSocket state (net/websocket.c), else NULL */
    struct kserial *serial; /* the serial port of a serial channel, else NULL */
    kconn *prev, *next; /* all open connections of the server */
};

struct kendpoint {
    krpc_server *srv;
    size_t index;
    krpc_endpoint_config cfg; /* strings point at the copies below */
    char *address;
    char *paths[2]; /* local socket: [ROLE_RPC], [ROLE_STREAM] (defaults filled in) */
    char *port;     /* serial device */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } listeners[2]; /* [ROLE_RPC], [ROLE_STREAM] */
    bool listening[2];
    bool bound[2];               /* local socket: the file at paths[i] is ours */
    unsigned long long inode[2]; /* ... with this device/inode, to delete at stop */
    unsigned long long device[2];
    uint16_t ports[2];
    struct kserial *serial; /* serial: the open port */
};

/* One connected client: its RPC connection and (optional) stream connection. */
struct kclient {
    uint8_t id[KRPC_CLIENT_ID_LEN];
    char *name;
    char address[108];
    kgen gen; /* protocol generation, from the handshake (core/protocol.h) */
    kendpoint *ep;
    kconn *rpc;    /* NULL once the RPC connection closed */
    kconn *stream; /* NULL without a stream connection */
    krequest *active; /* the request being executed (continuation) */
    uint64_t served_update; /* update counter when a request last ran */
    uint64_t rpcs;          /* requests executed (continuation runs) */
    uint64_t rpcs_at_rate;  /* rpcs when rpc_rate was last updated */
    double rpc_rate;        /* requests per second, smoothed */
    bool in_ring;
    struct kstream *streams; /* array, creation order (streams/streams.c) */
    size_t nstreams;
    size_t streams_cap;
    bool stream_removals; /* some stream waits to be removed */
    size_t update_start, update_len; /* its StreamUpdate in srv->update_buf (stream phase) */
    kclient *prev, *next; /* scheduler ring (RPC connection alive) */
    kclient *all_prev, *all_next; /* every client (for Clients, lookups) */
};

/* One call of a request, or a nested procedure_call value: where it goes,
 * its decoded arguments, and (once run) its outcome. */
struct kcall {
    /* first what only lookup and binding read */
    kerror lookup_err;
    kerror bind_err;      /* first error found on supplied arguments */
    kgen gen;             /* protocol generation of the client that sent it */
    uint8_t *present;     /* argument supplied (1) */
    /* last, together, what every execution touches (a stream runs its call
     * every update; thousands of them must stay cheap): a stream's captured
     * arguments and memo follow in memory (streams/streams.c) */
    const kproc *proc;    /* NULL if lookup failed (lookup_err) */
    krpc_value *args;     /* nparams */
    void *memo;           /* a stream's krpc_stream_memo, once asked for */
    arena *keep;          /* a stream's call: its memory, for the memo; else NULL */
    size_t memo_size;
    /* execution */
    enum { CALL_PENDING, CALL_YIELDED, CALL_DONE } state;
    bool is_null;         /* outcome: null */
    bool bound;           /* every argument supplied and checked (a captured call): no binding */
    krpc_resume_fn resume;
    void *rstate;
    void (*rfree)(void *);
    /* outcome */
    const uint8_t *value;
    size_t value_len;
    kerror err;
};

struct krequest {
    arena a;
    kclient *client;
    size_t ncalls;
    kcall *calls;
    bool started;
    uint64_t last_update; /* update in which it last ran */
    kerror resp_err; /* the request as a whole failed */
    krequest *next;
};

typedef struct kstatus {
    uint64_t bytes_read, bytes_written;
    uint64_t rpcs_executed;
    uint64_t rpcs_this_update;
    uint64_t stream_rpcs_executed;
    uint64_t stream_rpcs_this_update;
    uint64_t bytes_read_update, bytes_written_update; /* since the last rate update */
    double bytes_read_rate, bytes_written_rate, rpc_rate, stream_rpc_rate;
    double time_per_rpc_update, poll_time_per_rpc_update, exec_time_per_rpc_update;
    double time_per_stream_update;
    uint64_t last_update_ns;
} kstatus;

struct krpc_server {
    krpc_server_config cfg;
    arena config_mem; /* copies of the configuration's strings */
    klog log;
    uv_loop_t loop;
    uv_timer_t tick_timer;
    uv_async_t stop_async;
    atomic_bool stop_requested;
    bool started, running;

    kregistry registry;
    kobjects objects;
    kbuf services_cache[KGEN_COUNT]; /* serialized Services per protocol generation, built at start */

    size_t nendpoints;
    kendpoint endpoints[KRPC_MAX_ENDPOINTS];
    kconn *conns; /* every open connection */
    size_t nconns;

    kclient *ring; /* scheduler ring: clients with an RPC connection */
    kclient *clients; /* all clients, connection order */
    kclient *graveyard; /* gone clients, freed at the end of the update */
    size_t nclients;   /* with an RPC connection */

    /* scheduler */
    krequest *deferred;       /* continuations carried to the next update */
    krequest **deferred_tail;
    uint64_t update_count;
    uint64_t update_start_ns;
    uint64_t next_tick_ns;
    uint64_t exec_ns_this_update;
    uint64_t poll_ns_this_update;
    uint32_t max_time_per_update_us; /* live value (adaptive) */
    kconn **corked;  /* connections whose answers gather until the RPC phase ends */
    size_t ncorked, corked_cap;
    uint32_t game_scene;

    /* Holding the tick (KRPC.HoldTick, core/tick.c). While a client holds
     * it, updates advance nothing: no plugin ticks, no stream phase; requests
     * of every client are served as they arrive, without the scheduler's
     * limits. */
    kclient *hold_client;      /* NULL: not held */
    uint64_t hold_deadline_ns;
    uint64_t tick_count;       /* simulated ticks taken (plugin ticks) */
    uint64_t held_tick;        /* tick_count + 1 of the last tick held: one hold per tick */
    bool held_this_update;     /* adaptive rate control ignores such updates */
    bool update_owed;          /* a hold began in an update's RPC phase: its end (streams, ...) is due */
    bool executing_request;    /* running a client's request (not a stream or an event) */

    struct fnstate *fn; /* server-side functions of 0.7 clients (krpc/function.h), made on first use */

    kstatus status;
    struct kstatus_page *status_page; /* NULL when off */
    size_t nstreams; /* registered streams and events, all clients */
    uint64_t next_stream_id; /* from 0, never reused */
    arena stream_scratch;    /* one evaluation's memory */
    arena shared_mem;        /* results of shared calls in this stream phase */
    kbuf update_buf;         /* the StreamUpdate being built */
    kbuf stream_value;       /* one evaluation's encoded value */
    u64map shared_results;
    kbuf scratch; /* encoding scratch */

    /* embedding (core/embed.c): the game state a host sets and the handlers
     * of clients' requests to change it */
    bool paused;
    bool shut_down;
    krpc_game_scene_request_fn scene_request;
    void *scene_request_state;
    krpc_paused_request_fn paused_request;
    void *paused_request_state;
};

/* net: transports (net/endpoint.c dispatches on the protocol) */
/* Copy the configuration's strings and fill in defaults (at create). */
void endpoint_init(kendpoint *ep, const krpc_endpoint_config *cfg);
int endpoint_start(kendpoint *ep);
/* Close listeners and ports, delete socket files (connections are aborted
 * separately); safe on an endpoint that never started. */
void endpoint_stop(kendpoint *ep);
void endpoint_free(kendpoint *ep);
/* A connection whose message does not parse as a Request: dropped (with a
 * WebSocket close 1007 on WebSockets). */
void conn_close_malformed(kconn *c);
void conn_close(kconn *c);
/* Gather what is sent from now on, and send it in one piece at uncork (a
 * client's pipelined requests answered in a row). */
void conn_cork(kconn *c);
void conn_uncork(kconn *c);
/* Close now, dropping unsent bytes (server shutdown). */
void conn_abort(kconn *c);
/* Queue bytes on a connection (copied). Returns 0, or -1 if it is closing. */
int conn_send(kconn *c, const uint8_t *data, size_t len);
/* Resume reading a connection whose input was paused for backpressure. */
void conn_resume(kconn *c);
void handshake_check_timeouts(krpc_server *srv, uint64_t now_ns);

/* rpc: requests */
/* Decode a framed-out Request. Returns the request; NULL with *malformed set
 * (drop the connection) or with resp_err filled (answer Response{error}). */
krequest *request_decode(krpc_server *srv, kclient *client, const uint8_t *data, size_t len,
                         bool *malformed, kerror *resp_err, arena *err_arena);
/* Run (or resume) a request; true when finished. */
bool request_run(krpc_server *srv, krequest *req);
/* Serialize the response of a finished request onto its client. */
void request_respond(krpc_server *srv, krequest *req);
void request_free(krequest *req);
void respond_error(krpc_server *srv, kconn *c, const kerror *err);

/* Run one call (first execution or resume) in a client's context; fills
 * call->err / value. Shared by requests, streams and Benchmark. */
void call_execute(krpc_server *srv, kclient *client, kcall *call, arena *a, bool first);
/* The same, but a value's encoding is appended to out rather than copied
 * into a: call->value stays NULL (unless the value is a constant) and
 * call->value_len is the length appended. For streams, which compare it with
 * the last value before keeping it. */
void call_execute_into(krpc_server *srv, kclient *client, kcall *call, arena *a, bool first, kbuf *out);
/* Free a yielded call's continuation state. */
void call_drop(kcall *call);
/* Fill defaults for omitted arguments; the binding errors of semantics.md 4.3. */
int call_bind(kcall *call, arena *a, kerror *err);
/* Bind a decoded call and give it arguments of its own (decoded again, into
 * dst, from their encoding), so it outlives the request it came in. *key is
 * the encoding of the procedure and its bound arguments (in dst), to compare
 * calls. tmp holds scratch. */
int call_capture(krpc_server *srv, const kcall *src, arena *tmp, arena *dst, kcall *out,
                 const uint8_t **key, size_t *keylen, kerror *err);
/* Decode a ProcedureCall message into a kcall (for AddStream, Expression.Call). */
int call_decode(krpc_server *srv, const uint8_t *p, size_t n, arena *a, kcall *out, kerror *err);

/* core: scheduler */
void scheduler_client_input(krpc_server *srv, kclient *c);
void scheduler_rpc_phase(krpc_server *srv);
/* While the tick is held: serve what arrived, without the per-update limits. */
void scheduler_held_poll(krpc_server *srv);
void scheduler_add_client(krpc_server *srv, kclient *c);
void scheduler_remove_client(krpc_server *srv, kclient *c);

/* core: holding the tick (core/tick.c) */
/* Whether a client holds the tick; ends a hold that timed out or whose
 * client went (logged). */
bool tick_held(krpc_server *srv);
/* End the hold of client c, if it holds the tick (why: for the log, NULL
 * when the client released it itself). */
void tick_release(krpc_server *srv, kclient *c, const char *why);
/* The KRPC procedures. */
int tick_krpc_hold(krpc_call *call, const krpc_value *args, krpc_value *result);
int tick_krpc_release(krpc_call *call, const krpc_value *args, krpc_value *result);
int tick_krpc_next(krpc_call *call, const krpc_value *args, krpc_value *result);

/* core: clients */
kclient *client_create(krpc_server *srv, kconn *rpc, const char *name, size_t name_len);
kclient *client_find(krpc_server *srv, kendpoint *ep, const uint8_t *id);
void client_rpc_closed(krpc_server *srv, kclient *c);
void client_stream_closed(krpc_server *srv, kclient *c);
/* Free the clients that went away (their memory outlives the callbacks that
 * may still hold them). */
void clients_reap(krpc_server *srv);

/* core: status */
void status_count_read(krpc_server *srv, size_t n);
void status_count_written(krpc_server *srv, size_t n);
void status_end_update(krpc_server *srv, uint64_t rpc_ns, uint64_t stream_ns);
void status_encode(krpc_server *srv, kbuf *out);

/* krpc: the built-in KRPC service */
extern const krpc_plugin krpc_core_plugin;
/* Per service of krpc_core_plugin: the protocol generations that see it
 * (the KRPC of old clients, the KRPC of 0.7 clients, StdLib). */
extern const uint8_t krpc_core_service_gens[];

/* plugins: host API */
extern const krpc_host_api krpc_host_api_v1;
/* Tell every plugin with an on_client_disconnect handler that c has left. */
void plugins_client_disconnected(krpc_server *srv, const kclient *c);
struct krpc_host {
    krpc_server *srv;
    kplugin *plugin;
    void *user_data; /* krpc_server_add_plugin_with_data */
};

/* Call context: the public krpc_call followed by the host's part. */
typedef struct kcallctx {
    krpc_call pub;
    krpc_server *srv;
    kclient *client;
    const kproc *proc;
    kcall *call; /* the call being run, when there is one (stream_memo) */
    arena *a;
    kerror *err;
    bool yielded;
    krpc_resume_fn resume;
    void *rstate;
    void (*rfree)(void *);
} kcallctx;
/* Raise a standard-kind error from inside a call (printf-style; the
 * server's own services, where the plugin API's krpc_raise takes a plain
 * message). Returns KRPC_ERROR. */
int call_failf(krpc_call *call, krpc_error_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
