/* The ConnectionRequest/ConnectionResponse handshake of the framed transports
 * (TCP, local socket): transports.md 1.3-1.4. */
#ifndef KRPC_HANDSHAKE_H
#define KRPC_HANDSHAKE_H

#include "core/server_internal.h"
#include "krpc.pb-c.h"

/* Bytes arrived on a connection still in its handshake. */
void handshake_input(kconn *c);
/* The protocol generation a ConnectionRequest asks for (core/protocol.h), or
 * -1 with msg saying why the version is refused. */
int handshake_generation(const Krpc__Schema__ConnectionRequest *req, char *msg, size_t msglen);
/* Whether a new RPC client from address may connect (client limit, the
 * connection policy); if not, msg says why (for the client). */
bool handshake_admits(krpc_server *srv, const char *address, char *msg, size_t msglen);

/* Connection plumbing shared by the transports (net/conn.c). */
kconn *conn_new(krpc_server *srv, kendpoint *ep, conn_role role);
void conn_register(kconn *c);
void conn_start(kconn *c);
void conn_pause(kconn *c);

#define WRONG_TYPE_RPC_TEXT                                                                      \
    "Connection request was for the stream server, but this is the rpc server. Did you connect " \
    "to the wrong port number or socket path?"
#define WRONG_TYPE_STREAM_TEXT                                                                   \
    "Connection request was for the rpc server, but this is the stream server. Did you connect " \
    "to the wrong port number or socket path?"
#define TIMEOUT_TEXT "Connection request message not received after waiting 3 seconds"

#endif
