/* A Request from decoding to its Response: calls run in order, yielding calls
 * are resumed on later updates without holding back the calls after them
 * (semantics.md 3), and the Response goes out when every call finished. */
#include "rpc/call.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

krequest *request_decode(krpc_server *srv, kclient *client, const uint8_t *data, size_t len,
                         bool *malformed, kerror *resp_err, arena *err_arena) {
    (void)err_arena;
    *malformed = false;
    krequest *req = calloc(1, sizeof *req);
    if (!req)
        abort();
    arena_init(&req->a);
    req->client = client;
    Krpc__Schema__Request *m = krpc__schema__request__unpack(&req->a.pb, len, data);
    if (!m) {
        request_free(req);
        *malformed = true;
        return NULL;
    }
    req->ncalls = m->n_calls;
    req->calls = arena_zalloc(&req->a, (m->n_calls ? m->n_calls : 1) * sizeof *req->calls);
    for (size_t i = 0; i < m->n_calls; i++) {
        /* undecodable argument values fail the whole request (Response.error) */
        if (call_decode_msg(srv, m->calls[i], &req->a, &req->calls[i], &req->resp_err, client->gen)) {
            *resp_err = req->resp_err;
            return req;
        }
    }
    return req;
}

static void drop_calls(krequest *req) {
    for (size_t i = 0; i < req->ncalls; i++)
        if (req->calls[i].state == CALL_YIELDED)
            call_drop(&req->calls[i]);
}

bool request_run(krpc_server *srv, krequest *req) {
    bool first = !req->started;
    req->started = true;
    bool done = true;
    for (size_t i = 0; i < req->ncalls; i++) {
        kcall *c = &req->calls[i];
        if (c->state == CALL_DONE)
            continue;
        call_execute(srv, req->client, c, &req->a, first);
        if (srv->cfg.log_requests && c->state == CALL_DONE)
            KLOG_DEBUG(&srv->log, "Client '%s': %s %s%s", req->client->name,
                       c->proc ? c->proc->fullname : "(unknown procedure)", c->err.set ? "failed: " : "ok",
                       c->err.set ? c->err.description : "");
        if (c->state == CALL_YIELDED) {
            done = false;
        } else if (!first && c->err.set) {
            /* a resumed call that fails fails the whole request (semantics.md 3.4) */
            req->resp_err = c->err;
            drop_calls(req);
            return true;
        }
    }
    return done;
}

static void send_message(krpc_server *srv, kconn *c, const ProtobufCMessage *msg) {
    size_t n = protobuf_c_message_get_packed_size(msg);
    kbuf *b = &srv->scratch;
    b->len = 0;
    kbuf_reserve(b, n + VARINT_MAX);
    b->len = varint_encode(b->data, n);
    protobuf_c_message_pack(msg, b->data + b->len);
    b->len += n;
    conn_send(c, b->data, b->len);
}

static void error_msg(Krpc__Schema__Error *e, const kerror *err, kgen gen) {
    krpc__schema__error__init(e);
    const char *service, *name;
    kerror_wire(err, gen, &service, &name);
    e->service = (char *)service;
    e->name = (char *)name;
    e->description = (char *)(err->description ? err->description : "");
}

void respond_error(krpc_server *srv, kconn *c, const kerror *err) {
    Krpc__Schema__Response resp;
    Krpc__Schema__Error e;
    krpc__schema__response__init(&resp);
    error_msg(&e, err, c->client ? c->client->gen : KGEN_LEGACY);
    resp.error = &e;
    send_message(srv, c, &resp.base);
}

void request_respond(krpc_server *srv, krequest *req) {
    kconn *c = req->client->rpc;
    if (!c)
        return;
    if (req->resp_err.set) {
        respond_error(srv, c, &req->resp_err);
        return;
    }
    Krpc__Schema__Response resp;
    krpc__schema__response__init(&resp);
    resp.n_results = req->ncalls;
    resp.results = arena_alloc(&req->a, (req->ncalls ? req->ncalls : 1) * sizeof *resp.results);
    for (size_t i = 0; i < req->ncalls; i++) {
        kcall *k = &req->calls[i];
        Krpc__Schema__ProcedureResult *r = arena_alloc(&req->a, sizeof *r);
        krpc__schema__procedure_result__init(r);
        if (k->err.set) {
            Krpc__Schema__Error *e = arena_alloc(&req->a, sizeof *e);
            error_msg(e, &k->err, req->client->gen);
            r->error = e;
        } else if (k->is_null) {
            r->is_null = true;
            r->value.data = (uint8_t *)k->value; /* KRPC_SERVICE_NULL_AS_ID0: id 0 too */
            r->value.len = k->value_len;
        } else {
            r->value.data = (uint8_t *)k->value;
            r->value.len = k->value_len;
        }
        resp.results[i] = r;
    }
    send_message(srv, c, &resp.base);
}

void request_free(krequest *req) {
    if (!req)
        return;
    drop_calls(req);
    arena_free(&req->a);
    free(req);
}
