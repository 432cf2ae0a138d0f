/* krpc-bench: shared declarations (transports and framing, the echo server,
 * kRPC messages, the server process). */
#ifndef KRPC_BENCH_H
#define KRPC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- byte buffers ----------------------------------------------------- */

typedef struct bbuf {
    uint8_t *data;
    size_t len, cap;
} bbuf;

void bbuf_reserve(bbuf *b, size_t extra);
void bbuf_add(bbuf *b, const void *data, size_t n);
void bbuf_byte(bbuf *b, uint8_t c);
void bbuf_varint(bbuf *b, uint64_t v);
void bbuf_consume(bbuf *b, size_t n);
void bbuf_free(bbuf *b);

uint64_t now_ns(void);

/* ---- transports ------------------------------------------------------- */

typedef enum transport { TR_TCP, TR_LOCAL, TR_WS, TR_COUNT } transport;

extern const char *const transport_names[TR_COUNT];

/* Where to connect: TCP host and ports (TCP, WebSocket) or socket paths. */
typedef struct target {
    transport tr;
    char host[256];
    uint16_t rpc_port, stream_port;
    char rpc_path[108], stream_path[108];
} target;

/* One connection with its read buffer. */
typedef struct bconn {
    int fd;
    transport tr;
    bbuf in;
    size_t consumed; /* bytes of `in` handed out by the last bconn_recv */
    uint8_t id[16];  /* the kRPC client id (RPC connections) */
} bconn;

/* Frame a message the way a client sends it (varint length prefix, or a
 * masked binary WebSocket frame), or the way a server sends it. */
void frame_client(transport tr, const uint8_t *payload, size_t n, bbuf *out);
void frame_server(transport tr, const uint8_t *payload, size_t n, bbuf *out);
/* A complete frame at p? 1 (header and payload sizes set), 0 (need more),
 * -1 (not a frame we accept). `from_client` selects the direction. */
int frame_parse(transport tr, bool from_client, const uint8_t *p, size_t n, size_t *hdr, size_t *plen);

/* Open a socket to the RPC (stream=false) or stream port/path. -1 on error. */
int sock_connect(const target *t, bool stream);
int write_all(int fd, const void *data, size_t n);
void set_nonblocking(int fd, bool on);

/* Read until a whole server message is buffered; *payload points into the
 * connection's buffer until the next call. 0, or -1 (closed / error). */
int bconn_recv(bconn *c, const uint8_t **payload, size_t *len, int timeout_ms);
int bconn_send(bconn *c, const uint8_t *payload, size_t n);
/* Read what is available (non-blocking socket), after dropping the message
 * bconn_recv handed out last; 0 ok, -1 closed/error. */
int bconn_fill(bconn *c);
void bconn_close(bconn *c);

/* kRPC connections: handshake (TCP, local socket) or HTTP upgrade (WebSocket). */
int bconn_open_rpc(const target *t, const char *name, bconn *c, char *err, size_t errlen);
int bconn_open_stream(const target *t, const uint8_t id[16], bconn *c, char *err, size_t errlen);
/* A connection to the echo server: the WebSocket upgrade only, no kRPC handshake. */
int bconn_open_echo(const target *t, bconn *c, char *err, size_t errlen);

/* ---- the echo server (the physical floor) ------------------------------ */

/* Start the echo thread listening on every transport (TCP and WebSocket on
 * 127.0.0.1 ephemeral ports, a unix socket in dir). Fills one target per
 * transport. */
int echo_start(const char *dir, target targets[TR_COUNT]);
/* The reply written back for every complete message from now on. */
void echo_set_reply(const uint8_t *payload, size_t n);
void echo_stop(void);

/* ---- kRPC messages ---------------------------------------------------- */

typedef struct call_spec {
    const char *service, *procedure;
    size_t nargs;
    const uint8_t *args[4];
    size_t arglen[4];
} call_spec;

/* A serialized Request of `count` copies of each of the calls given. */
void make_request(const call_spec *calls, size_t ncalls, size_t repeat, bbuf *out);
/* A serialized ProcedureCall. */
void make_procedure_call(const call_spec *c, bbuf *out);

void enc_sint32(bbuf *b, int32_t v);
void enc_sint64(bbuf *b, int64_t v);
void enc_float(bbuf *b, float v);
void enc_string(bbuf *b, const char *s);

/* Check a serialized Response: no error, n results, each without error and
 * with value bytes equal to expect (if expect is not NULL). Writes why not
 * into err. */
bool response_ok(const uint8_t *p, size_t n, size_t nresults, const uint8_t *expect, size_t expect_len,
                 char *err, size_t errlen);
/* The value bytes of the i-th result of a serialized Response, copied into
 * out; false (err set) if the response or the result carries an error. */
bool response_value(const uint8_t *p, size_t n, size_t i, bbuf *out, char *err, size_t errlen);

/* One blocking call on an RPC connection: the value of the only result. */
bool rpc_call(bconn *c, const call_spec *call, bbuf *value, char *err, size_t errlen);

/* ---- the server process ------------------------------------------------ */

typedef struct server_proc {
    pid_t pid;
    int out_fd;
} server_proc;

/* Start the server binary for a transport on ephemeral ports (socket paths in
 * dir for the local socket), parse the ports it reports, fill t. */
int server_spawn(const char *path, const char *const *plugins, size_t nplugins, const char *const *extra,
                 size_t nextra, transport tr, const char *dir, server_proc *sp, target *t, char *err,
                 size_t errlen);
void server_kill(server_proc *sp);
/* Which transports the server binary offers (its --help output). */
void server_transports(const char *path, bool supported[TR_COUNT]);

#endif
