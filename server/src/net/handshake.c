#include "net/handshake.h"

#include "krpc.pb-c.h"
#include "net/framing.h"
#include "net/transport.h"
#include "util/clock.h"
#include "util/varint.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

size_t handshake_encode_response(uint8_t *buf, size_t cap, Krpc__Schema__ConnectionResponse__Status status,
                                 const char *message, const uint8_t *id, uint32_t version) {
    Krpc__Schema__ConnectionResponse r;
    krpc__schema__connection_response__init(&r);
    r.status = status;
    r.protocol_version = version; /* 0 (pre-0.7) is not written: unchanged bytes */
    r.message = (char *)(message ? message : "");
    if (id) {
        r.client_identifier.data = (uint8_t *)id;
        r.client_identifier.len = KRPC_CLIENT_ID_LEN;
    }
    size_t n = krpc__schema__connection_response__get_packed_size(&r);
    if (n + VARINT_MAX > cap)
        return 0;
    size_t h = varint_encode(buf, n);
    krpc__schema__connection_response__pack(&r, buf + h);
    return h + n;
}

static void respond_version(kconn *c, Krpc__Schema__ConnectionResponse__Status status, const char *message,
                            const uint8_t *id, uint32_t version) {
    uint8_t buf[512];
    size_t n = handshake_encode_response(buf, sizeof buf, status, message, id, version);
    if (n)
        conn_send(c, buf, n);
}

static void respond(kconn *c, Krpc__Schema__ConnectionResponse__Status status, const char *message,
                    const uint8_t *id) {
    respond_version(c, status, message, id, 0);
}

static void reject(kconn *c, Krpc__Schema__ConnectionResponse__Status status, const char *message) {
    respond(c, status, message, NULL);
    conn_close(c);
}

/* The connection policy: everyone, or the listed addresses. */
static bool policy_allows(krpc_server *srv, const char *address) {
    if (!srv->cfg.n_allow)
        return true;
    for (size_t i = 0; i < srv->cfg.n_allow; i++)
        if (strcmp(srv->cfg.allow[i], address) == 0)
            return true;
    return false;
}

int handshake_generation(const Krpc__Schema__ConnectionRequest *req, char *msg, size_t msglen) {
    int g = protocol_generation(req->protocol_version);
    if (g < 0)
        snprintf(msg, msglen, WRONG_PROTOCOL_VERSION_TEXT_FMT, (unsigned long long)req->protocol_version,
                 KRPC_PROTOCOL_VERSION);
    return g;
}

bool handshake_admits(krpc_server *srv, const char *address, char *msg, size_t msglen) {
    if (srv->nclients >= srv->cfg.max_clients) {
        snprintf(msg, msglen, "Connection refused: the server already has its limit of %zu clients",
                 srv->cfg.max_clients);
        KLOG_WARN(&srv->log, "Refused a client from %s: limit of %zu clients reached", address,
                  srv->cfg.max_clients);
        return false;
    }
    if (!policy_allows(srv, address)) {
        KLOG_WARN(&srv->log, "Refused a client from %s: not in the allowlist", address);
        snprintf(msg, msglen, "Connection refused: this address is not allowed by the server's connection policy");
        return false;
    }
    return true;
}

static void rpc_handshake(kconn *c, const Krpc__Schema__ConnectionRequest *req) {
    krpc_server *srv = c->srv;
    if (req->type != KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__RPC) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_TYPE, WRONG_TYPE_RPC_TEXT);
        return;
    }
    char msg[200];
    int gen = handshake_generation(req, msg, sizeof msg);
    if (gen < 0) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_PROTOCOL_VERSION, msg);
        return;
    }
    if (!handshake_admits(srv, c->address, msg, sizeof msg)) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE, msg);
        return;
    }
    const char *name = req->client_name ? req->client_name : "";
    kclient *cl = client_create(srv, c, name, strlen(name));
    cl->gen = (kgen)gen;
    c->client = cl;
    c->state = CONN_RPC;
    respond_version(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK, NULL, cl->id, req->protocol_version);
    KLOG_INFO(&srv->log, "Client '%s' connected from %s%s", cl->name, c->address,
              gen == KGEN_V07 ? " (protocol version 1)" : "");
}

static void stream_handshake(kconn *c, const Krpc__Schema__ConnectionRequest *req) {
    krpc_server *srv = c->srv;
    if (req->type != KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__STREAM) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_TYPE, WRONG_TYPE_STREAM_TEXT);
        return;
    }
    char msg[200];
    if (handshake_generation(req, msg, sizeof msg) < 0) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_PROTOCOL_VERSION, msg);
        return;
    }
    if (req->client_identifier.len != KRPC_CLIENT_ID_LEN) {
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE,
               "Client identifier must be 16 bytes.");
        return;
    }
    kclient *cl = client_find(srv, c->ep, req->client_identifier.data);
    if (!cl || !cl->rpc) {
        conn_close(c); /* the reference answers nothing */
        return;
    }
    if (cl->stream) {
        /* a second stream connection replaces the first (no client opens two) */
        kconn *old = cl->stream;
        old->client = NULL;
        conn_close(old);
    }
    cl->stream = c;
    c->client = cl;
    c->state = CONN_STREAM;
    uint8_t own_id[KRPC_CLIENT_ID_LEN];
    if (getrandom(own_id, sizeof own_id, 0) != (ssize_t)sizeof own_id)
        memset(own_id, 0x5a, sizeof own_id);
    respond_version(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK, NULL, own_id, req->protocol_version);
}

void handshake_input(kconn *c) {
    size_t header, len;
    frame_status st = frame_parse(c->in.data, c->in.len, c->srv->cfg.max_message_size, &header, &len);
    if (st == FRAME_INCOMPLETE)
        return;
    if (st != FRAME_OK) {
        /* never parses: the reference ends such a connection with TIMEOUT */
        c->in.len = 0;
        conn_pause(c);
        return;
    }
    arena a;
    arena_init(&a);
    Krpc__Schema__ConnectionRequest *req =
        krpc__schema__connection_request__unpack(&a.pb, len, c->in.data + header);
    kbuf_consume(&c->in, header + len);
    if (!req)
        reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE, KRPC_TRUNCATED_TEXT);
    else if (c->role == ROLE_RPC)
        rpc_handshake(c, req);
    else
        stream_handshake(c, req);
    arena_free(&a);
    /* a request pipelined behind the handshake is kept, not dropped */
    if (c->state == CONN_RPC && c->in.len)
        scheduler_client_input(c->srv, c->client);
    else if (c->state == CONN_STREAM)
        c->in.len = 0;
}

void handshake_check_timeouts(krpc_server *srv, uint64_t now_ns) {
    uint64_t limit = (uint64_t)srv->cfg.handshake_timeout_ms * 1000000u;
    kconn *next;
    for (kconn *c = srv->conns; c; c = next) {
        next = c->next;
        if (c->state != CONN_HANDSHAKE || now_ns - c->opened_ns < limit)
            continue;
        if (c->ws)
            ws_handshake_timeout(c); /* 400 Bad Request */
        else
            reject(c, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__TIMEOUT, TIMEOUT_TEXT);
    }
    for (size_t i = 0; i < srv->nendpoints; i++)
        if (srv->endpoints[i].cfg.protocol == KRPC_PROTOCOL_SERIAL)
            serial_check(&srv->endpoints[i], now_ns);
}
