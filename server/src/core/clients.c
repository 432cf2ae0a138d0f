/* Clients: created by a successful RPC handshake, joined by their stream
 * connection, gone when both connections have closed (transports.md 1.6). */
#include "core/server_internal.h"
#include "streams/streams.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

kclient *client_create(krpc_server *srv, kconn *rpc, const char *name, size_t name_len) {
    kclient *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    if (getrandom(c->id, sizeof c->id, 0) != (ssize_t)sizeof c->id)
        abort();
    /* names are proto3 strings: keep them valid UTF-8, as the reference's
     * protobuf decoder does */
    arena tmp;
    arena_init(&tmp);
    size_t len;
    const char *clean = utf8_sanitize(&tmp, (const uint8_t *)name, name_len, &len);
    c->name = strndup(clean, len);
    arena_free(&tmp);
    if (!c->name)
        abort();
    snprintf(c->address, sizeof c->address, "%s", rpc->address);
    c->ep = rpc->ep;
    c->rpc = rpc;
    c->served_update = UINT64_MAX;
    /* connection order, for KRPC.Clients */
    kclient **tail = &srv->clients;
    kclient *prev = NULL;
    while (*tail) {
        prev = *tail;
        tail = &(*tail)->all_next;
    }
    *tail = c;
    c->all_prev = prev;
    srv->nclients++;
    scheduler_add_client(srv, c);
    return c;
}

kclient *client_find(krpc_server *srv, kendpoint *ep, const uint8_t *id) {
    for (kclient *c = srv->clients; c; c = c->all_next)
        if (c->ep == ep && memcmp(c->id, id, KRPC_CLIENT_ID_LEN) == 0)
            return c;
    return NULL;
}

static void client_free(krpc_server *srv, kclient *c) {
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        srv->clients = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    c->all_prev = NULL;
    c->all_next = srv->graveyard;
    srv->graveyard = c;
}

void clients_reap(krpc_server *srv) {
    while (srv->graveyard) {
        kclient *c = srv->graveyard;
        srv->graveyard = c->all_next;
        free(c->name);
        free(c);
    }
}

void client_rpc_closed(krpc_server *srv, kclient *c) {
    KLOG_INFO(&srv->log, "Client '%s' disconnected", c->name);
    tick_release(srv, c, "disconnected while holding the tick");
    c->rpc = NULL;
    srv->nclients--;
    scheduler_remove_client(srv, c);
    /* the reference's OnClientDisconnected: the RPC connection is the client */
    plugins_client_disconnected(srv, c);
    if (!c->stream)
        client_free(srv, c);
}

void client_stream_closed(krpc_server *srv, kclient *c) {
    c->stream = NULL;
    streams_client_gone(srv, c);
    if (!c->rpc)
        client_free(srv, c);
}
