/* Endpoints: one transport's RPC and stream channels. Start, stop and the
 * configuration each transport needs, dispatched on the protocol. Several
 * endpoints of one server share its services, objects and client list. */
#include "net/transport.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

void endpoint_init(kendpoint *ep, const krpc_endpoint_config *cfg) {
    ep->cfg = *cfg;
    ep->address = dup_or_null(cfg->address ? cfg->address : "127.0.0.1");
    ep->cfg.address = ep->address;
    ep->port = dup_or_null(cfg->port);
    ep->cfg.port = ep->port;
    ep->cfg.rpc_path = ep->cfg.stream_path = NULL;
    if (cfg->protocol == KRPC_PROTOCOL_LOCAL_SOCKET) {
        const char *given[2] = {cfg->rpc_path, cfg->stream_path};
        static const char *names[2] = {"rpc", "stream"};
        for (int r = 0; r < 2; r++) {
            char def[4096];
            if (given[r])
                ep->paths[r] = dup_or_null(given[r]);
            else if (local_default_path(names[r], def, sizeof def) == 0)
                ep->paths[r] = dup_or_null(def);
            /* else left NULL: krpc_server_start reports it */
        }
        ep->cfg.rpc_path = ep->paths[ROLE_RPC];
        ep->cfg.stream_path = ep->paths[ROLE_STREAM];
    }
    if (!ep->cfg.baud_rate)
        ep->cfg.baud_rate = 9600;
    if (!ep->cfg.data_bits)
        ep->cfg.data_bits = 8;
}

int endpoint_start(kendpoint *ep) {
    switch (ep->cfg.protocol) {
    case KRPC_PROTOCOL_TCP:
    case KRPC_PROTOCOL_WEBSOCKETS:
    case KRPC_PROTOCOL_WEBSOCKETS_ECHO:
        return tcp_endpoint_start(ep);
    case KRPC_PROTOCOL_LOCAL_SOCKET:
        return local_endpoint_start(ep);
    case KRPC_PROTOCOL_SERIAL:
        return serial_endpoint_start(ep);
    }
    KLOG_ERROR(&ep->srv->log, "Server %zu: unknown protocol %d", ep->index, (int)ep->cfg.protocol);
    return KRPC_EINVAL;
}

void endpoint_stop(kendpoint *ep) {
    for (int r = 0; r < 2; r++)
        if (ep->listening[r] && !uv_is_closing(&ep->listeners[r].handle))
            uv_close(&ep->listeners[r].handle, NULL);
    if (ep->cfg.protocol == KRPC_PROTOCOL_LOCAL_SOCKET)
        local_endpoint_stop(ep);
    if (ep->cfg.protocol == KRPC_PROTOCOL_SERIAL)
        serial_endpoint_stop(ep);
}

void endpoint_free(kendpoint *ep) {
    free(ep->address);
    free(ep->port);
    free(ep->paths[0]);
    free(ep->paths[1]);
    ep->address = ep->port = ep->paths[0] = ep->paths[1] = NULL;
}

const char *krpc_server_rpc_path(const krpc_server *srv, size_t endpoint) {
    return endpoint < srv->nendpoints ? srv->endpoints[endpoint].paths[ROLE_RPC] : NULL;
}

const char *krpc_server_stream_path(const krpc_server *srv, size_t endpoint) {
    return endpoint < srv->nendpoints ? srv->endpoints[endpoint].paths[ROLE_STREAM] : NULL;
}
