/* What the transports share inside net/: raw writes, and each transport's
 * entry points (TCP and WebSockets in tcp.c/websocket.c, local sockets in
 * local.c, serial ports in serial.c), dispatched by endpoint.c and conn.c. */
#ifndef KRPC_TRANSPORT_H
#define KRPC_TRANSPORT_H

#include "core/server_internal.h"

/* Write bytes to a socket connection as they are (framing already added),
 * directly when the socket takes them, else queued. Past max_send_buffer
 * queued bytes the connection is dropped. Returns 0, or -1 if it closed. */
int conn_writev(kconn *c, const uv_buf_t *bufs, unsigned nbufs);
/* Set up an accepted socket connection and start reading it. */
void conn_accepted(kconn *c);

/* TCP listeners; WebSocket endpoints use them too (the accepted connections
 * then speak WebSocket). */
int tcp_endpoint_start(kendpoint *ep);

/* Local (unix domain) sockets: transports.md 2. */
int local_endpoint_init(kendpoint *ep);
int local_endpoint_start(kendpoint *ep);
void local_endpoint_stop(kendpoint *ep);
/* The default path of the socket named name ("rpc" or "stream"). */
int local_default_path(const char *name, char *out, size_t outlen);

/* WebSockets: transports.md 3. */
void ws_attach(kconn *c);
void ws_free(kconn *c);
void ws_input(kconn *c);
kbuf *ws_read_buffer(kconn *c);
int ws_send(kconn *c, const uint8_t *framed, size_t len);
void ws_handshake_timeout(kconn *c);
void ws_close_malformed(kconn *c);

/* Serial ports: transports.md 4. */
int serial_endpoint_start(kendpoint *ep);
/* The same on a descriptor already open, which the endpoint then owns (the
 * serial fuzz target passes one end of a socketpair: a pseudo-terminal's
 * system calls were most of its time). A port that fails is reopened by its
 * configured path, as always. */
int serial_endpoint_start_fd(kendpoint *ep, int fd);
void serial_endpoint_stop(kendpoint *ep);
/* Per update: the handshake timeout, reopening a port that failed. */
void serial_check(kendpoint *ep, uint64_t now_ns);
int serial_send(kconn *c, const uint8_t *framed, size_t len);
void serial_flow(kconn *c, bool reading);
/* A serial channel is being closed: detach it from its port. */
void serial_channel_closed(kconn *c);

#endif
