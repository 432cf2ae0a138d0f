/* Protobuf over TCP/IP: two listening sockets per endpoint (RPC and stream),
 * accepted connections with TCP_NODELAY (transports.md 1.1). WebSocket
 * endpoints listen the same way; their connections then speak WebSocket. */
#include "net/handshake.h"
#include "net/transport.h"

#include <string.h>

static void on_connection(uv_stream_t *listener, int status) {
    kendpoint *ep = listener->data;
    krpc_server *srv = ep->srv;
    if (status < 0)
        return;
    conn_role role = listener == &ep->listeners[ROLE_RPC].stream ? ROLE_RPC : ROLE_STREAM;
    kconn *c = conn_new(srv, ep, role);
    uv_tcp_init(&srv->loop, &c->h.tcp);
    c->h.handle.data = c;
    if (uv_accept(listener, &c->h.stream) != 0) {
        conn_register(c);
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->h.tcp, 1);
    struct sockaddr_storage peer;
    int len = sizeof peer;
    strcpy(c->address, "unknown");
    if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&peer, &len) == 0) {
        if (peer.ss_family == AF_INET)
            uv_ip4_name((struct sockaddr_in *)&peer, c->address, sizeof c->address);
        else if (peer.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&peer, c->address, sizeof c->address);
    }
    conn_accepted(c);
}

int tcp_endpoint_start(kendpoint *ep) {
    krpc_server *srv = ep->srv;
    uint16_t want[2] = {ep->cfg.rpc_port, ep->cfg.stream_port};
    for (int role = 0; role < 2; role++) {
        uv_tcp_t *l = &ep->listeners[role].tcp;
        struct sockaddr_in addr;
        int rc = uv_ip4_addr(ep->address, want[role], &addr);
        if (rc) {
            KLOG_ERROR(&srv->log, "Invalid bind address '%s': %s", ep->address, uv_strerror(rc));
            return KRPC_EINVAL;
        }
        uv_tcp_init(&srv->loop, l);
        l->data = ep;
        ep->listening[role] = true;
        rc = uv_tcp_bind(l, (const struct sockaddr *)&addr, 0);
        if (!rc)
            rc = uv_listen((uv_stream_t *)l, 128, on_connection);
        if (rc) {
            KLOG_ERROR(&srv->log, "Cannot listen on %s:%u: %s", ep->address, want[role], uv_strerror(rc));
            return KRPC_EIO;
        }
        struct sockaddr_in bound;
        int len = sizeof bound;
        uv_tcp_getsockname(l, (struct sockaddr *)&bound, &len);
        ep->ports[role] = ntohs(bound.sin_port);
    }
    return 0;
}
