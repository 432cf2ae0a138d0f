/* The ConnectionRequest/ConnectionResponse handshake of the framed transports
 * (TCP, local socket): transports.md 1.3-1.4. */
#ifndef KRPC_HANDSHAKE_H
#define KRPC_HANDSHAKE_H

#include "core/server_internal.h"
#include "krpc.pb-c.h"

/* A length-prefixed ConnectionResponse in buf (TCP, local socket and the
 * bare one of serial); 0 if it would not fit in cap. version 0 (pre-0.7) is
 * not written. */
size_t handshake_encode_response(uint8_t *buf, size_t cap, Krpc__Schema__ConnectionResponse__Status status,
                                 const char *message, const uint8_t *id, uint32_t version);
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
