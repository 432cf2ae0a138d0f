/* An in-process server for the fuzz targets: the real krpc_server with the
 * TestService plugin (its Benchmark service left out: Benchmark.Call loops
 * as many times as a client asks, which is a feature, not a hang), bound to
 * an ephemeral loopback port that nothing connects to. Connections are the
 * server's own kconn objects over a socketpair: the target puts bytes into
 * the connection's input buffer exactly as the read callback would, and the
 * harness reads what the server wrote from the other end, checking that it
 * is a sequence of well-formed framed messages of the expected type.
 *
 * The TestService plugin is found through $KRPC_FUZZ_TESTSERVICE, else the
 * path the build compiled in (KRPC_FUZZ_TESTSERVICE_PATH). */
#ifndef KRPC_FUZZ_SERVER_H
#define KRPC_FUZZ_SERVER_H

#include "core/server_internal.h"

#include <stddef.h>
#include <stdint.h>

typedef enum fz_expect {
    FZ_HANDSHAKE_THEN_RESPONSES, /* RPC connection from its handshake */
    FZ_RESPONSES,                /* RPC connection after its handshake */
    FZ_STREAM_HANDSHAKE_THEN_UPDATES,
    FZ_STREAM_UPDATES,
    FZ_WEBSOCKET_RPC,    /* an HTTP response, then (after 101) frames of Responses */
    FZ_WEBSOCKET_STREAM, /* the same with StreamUpdates */
} fz_expect;

typedef struct fz_conn {
    kconn *c;     /* NULL once the server closed it (and freed it) */
    int peer;     /* our end of the socketpair */
    int pair;     /* which of the harness's socketpairs (fuzz_server.c) */
    int srv_fd;   /* the server's dup of its end */
    fz_expect expect;
    size_t seen;  /* messages read from the server so far */
    kbuf out;     /* bytes read from the server, not yet a whole message */
    bool peer_closed;
    int http;     /* WebSocket: 0 waiting for the HTTP response, 101, or its status */
} fz_conn;

/* The server, created on first use and re-created every $KRPC_FUZZ_RECYCLE
 * inputs (default 2000; 1 makes every input independent of the ones before,
 * for reproducing a finding). Call once at the start of each input. */
krpc_server *fz_server(void);
/* Destroy the server (at the end of a replay, for leak checking). */
void fz_shutdown(void);
/* Changes whenever fz_server made a new server (to redo per-server set-up:
 * a new server may well have the old one's address). */
unsigned long fz_server_generation(void);

/* The server's endpoints: TCP, WebSockets, and a serial port if
 * fz_serial_port names one before the first fz_server. */
enum { FZ_TCP = 0, FZ_WEBSOCKETS = 1, FZ_SERIAL = 2 };
extern const char *fz_serial_port;

/* A new connection on the server's TCP endpoint, in handshake state. */
void fz_conn_open(fz_conn *fc, krpc_server *srv, conn_role role, fz_expect expect);
/* The same on endpoint ep (FZ_TCP or FZ_WEBSOCKETS). */
void fz_conn_open_ep(fz_conn *fc, krpc_server *srv, size_t ep, conn_role role, fz_expect expect);
/* An RPC client that already did its handshake (and, with stream, a stream
 * connection joined to it). */
kclient *fz_client_open(krpc_server *srv, fz_conn *rpc, fz_conn *stream);
kclient *fz_client_open_ep(krpc_server *srv, size_t ep, fz_conn *rpc, fz_conn *stream);
/* An RPC client with the id of the spec's worked examples (8f3c7a12...),
 * which the corpora's stream handshakes name, on endpoint ep. */
kclient *fz_known_client_open(krpc_server *srv, size_t ep, fz_conn *rpc);
/* Bytes from the client: what the read callback does with them. */
void fz_conn_feed(fz_conn *fc, const uint8_t *data, size_t len);
/* Run the loop without blocking until nothing is left to do, then read and
 * check what the server sent on each connection. */
void fz_settle(krpc_server *srv, fz_conn *conns, size_t n);
/* Only read and check what the server sent so far (cheaper than settling:
 * between the reads of one input). */
void fz_drain(krpc_server *srv, fz_conn *conns, size_t n);
/* Close from the client side (the server sees end of file) and settle. */
void fz_conn_close(krpc_server *srv, fz_conn *fc);
/* After every connection of an input closed: no client, stream, request or
 * connection of it may be left. Aborts otherwise. */
void fz_check_clean(krpc_server *srv);

/* Objects 1 ("a") and 2 ("b") of TestService.TestClass exist and object 3
 * ("c") has been destroyed, made by real requests once per server. */
void fz_setup_objects(krpc_server *srv);

/* One update of the server, as krpc_server_run would do it. */
void fz_tick(krpc_server *srv);

#endif
