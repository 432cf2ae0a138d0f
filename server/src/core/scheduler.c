/* Request scheduling (semantics.md 2): one request at a time per client,
 * clients served round robin, continuations resumed once per update before new
 * requests, and the time spent per update bounded by max_time_per_update.
 *
 * Unlike the reference, which busy-polls sockets inside its update when
 * blocking_recv is on, requests that arrive between updates are answered at
 * once while this update's budget lasts: the same behaviour for a client,
 * without spinning. */
#include "core/server_internal.h"
#include "net/framing.h"
#include "net/handshake.h"
#include "util/clock.h"

#include <stdlib.h>

void scheduler_add_client(krpc_server *srv, kclient *c) {
    if (!srv->ring) {
        c->prev = c->next = c;
        srv->ring = c;
    } else {
        kclient *tail = srv->ring->prev;
        c->prev = tail;
        c->next = srv->ring;
        tail->next = c;
        srv->ring->prev = c;
    }
    c->in_ring = true;
}

void scheduler_remove_client(krpc_server *srv, kclient *c) {
    if (c->active) {
        /* a request still executing is dropped without a response */
        request_free(c->active);
        c->active = NULL;
    }
    if (!c->in_ring)
        return;
    c->in_ring = false;
    if (c->next == c) {
        srv->ring = NULL;
    } else {
        c->prev->next = c->next;
        c->next->prev = c->prev;
        if (srv->ring == c)
            srv->ring = c->next;
    }
    c->prev = c->next = NULL;
}

/* The budget bounds work beyond the first request of an update, so that even
 * a tiny max_time_per_update never starves the clients. */
static bool over_budget(krpc_server *srv) {
    if (srv->hold_client)
        return false; /* a held tick lasts as long as its client wants */
    /* the budget covers the RPC phase, polling (decoding) included */
    return srv->status.rpcs_this_update > 0 &&
           srv->exec_ns_this_update + srv->poll_ns_this_update >= (uint64_t)srv->max_time_per_update_us * 1000u;
}

/* Run a request (new or resumed); answer it if it finished. */
static void run(krpc_server *srv, kclient *c, krequest *req) {
    uint64_t t0 = clock_now_ns();
    srv->executing_request = true;
    bool done = request_run(srv, req);
    srv->executing_request = false;
    srv->status.rpcs_this_update++;
    srv->status.rpcs_executed++; /* after the run: a GetStatus never counts itself */
    c->rpcs++;
    c->served_update = srv->update_count;
    req->last_update = srv->update_count;
    if (done) {
        c->active = NULL;
        request_respond(srv, req);
        request_free(req);
        if (c->rpc)
            conn_resume(c->rpc);
        srv->exec_ns_this_update += clock_now_ns() - t0; /* answering counts too */
    } else {
        srv->exec_ns_this_update += clock_now_ns() - t0;
        c->active = req;
        /* only a later update can go on with the call, which the hold prevents */
        tick_release(srv, c, "called a procedure that needs another update to finish while holding the tick");
    }
}

/* Drop the bytes the scheduler has taken from the front of the buffer. */
static void take_consumed(kconn *conn) {
    if (conn->in_skip) {
        kbuf_consume(&conn->in, conn->in_skip);
        conn->in_skip = 0;
    }
}

/* Take the next complete request from a client's buffer and run it. Returns
 * true if a request was run. The client may be gone afterwards. */
static bool serve_next(krpc_server *srv, kclient *c) {
    kconn *conn = c->rpc;
    if (!conn || c->active || conn->state != CONN_RPC)
        return false;
    if (conn->in.len == conn->in_skip) {
        take_consumed(conn); /* nothing buffered (in.data may be NULL): finding F9 */
        return false;
    }
    size_t header, len;
    const uint8_t *start = conn->in.data + conn->in_skip;
    frame_status st = frame_parse(start, conn->in.len - conn->in_skip, srv->cfg.max_message_size, &header, &len);
    if (st == FRAME_INCOMPLETE) {
        take_consumed(conn);
        return false;
    }
    if (st != FRAME_OK) {
        KLOG_WARN(&srv->log, "Client '%s': %s; closing its connection", c->name,
                  st == FRAME_TOO_LARGE ? "message over the size limit" : "malformed message length");
        conn_close(conn);
        return false;
    }
    bool malformed;
    kerror resp_err = {0};
    uint64_t t0 = clock_now_ns();
    krequest *req = request_decode(srv, c, start + header, len, &malformed, &resp_err, NULL);
    conn->in_skip += header + len;
    if (conn->in_skip >= 65536 && 2 * conn->in_skip >= conn->in.len)
        take_consumed(conn); /* amortised: a flood of small requests stays linear */
    srv->poll_ns_this_update += clock_now_ns() - t0;
    if (malformed) {
        KLOG_WARN(&srv->log, "Client '%s' sent a message that is not a Request; closing its connection",
                  c->name);
        conn_close_malformed(conn); /* WebSockets say why (close 1007) */
        return false;
    }
    if (req->resp_err.set) {
        respond_error(srv, conn, &req->resp_err);
        request_free(req);
        return true;
    }
    run(srv, c, req);
    return true;
}

static bool may_serve(krpc_server *srv, kclient *c) {
    if (srv->hold_client)
        return true; /* while the tick is held, every request is served at once */
    if (srv->cfg.one_rpc_per_update && c->served_update == srv->update_count)
        return false;
    return !over_budget(srv);
}

void scheduler_client_input(krpc_server *srv, kclient *c) {
    kconn *conn = c->rpc;
    if (!conn)
        return;
    if (c->active) {
        /* its next request waits; stop reading once a whole message is buffered */
        if (conn->in.len - conn->in_skip > srv->cfg.max_message_size)
            conn_pause(conn);
        return;
    }
    if (!srv->running)
        return;
    if (!srv->cfg.blocking_recv && !tick_held(srv))
        return; /* served by the next update */
    tick_held(srv); /* a hold that timed out ends before this request is served */
    /* answers to pipelined requests go out together */
    conn_cork(conn);
    while (c->rpc == conn && !c->active && may_serve(srv, c))
        if (!serve_next(srv, c))
            break;
    conn_uncork(conn);
}

void scheduler_held_poll(krpc_server *srv) {
    for (;;) {
        bool ran = false;
        kclient *c = srv->ring;
        size_t n = srv->nclients;
        for (size_t i = 0; c && i < n; i++) {
            kclient *next = c->next;
            if (!c->active && serve_next(srv, c))
                ran = true;
            c = next;
            if (!srv->ring)
                break;
        }
        if (!ran || !tick_held(srv))
            break;
    }
}

/* A client served more than once in an update is pipelining: its later
 * answers gather and go out in one write when the RPC phase ends (its first
 * went out at once), instead of a system call per answer. */
static void cork_pipeliner(krpc_server *srv, kconn *conn) {
    if (!conn || conn->corked)
        return;
    if (srv->ncorked == srv->corked_cap) {
        size_t cap = srv->corked_cap ? 2 * srv->corked_cap : 16;
        kconn **p = realloc(srv->corked, cap * sizeof *p);
        if (!p)
            return; /* answered one write each, as before */
        srv->corked = p;
        srv->corked_cap = cap;
    }
    conn_cork(conn);
    srv->corked[srv->ncorked++] = conn;
}

/* Connections closed meanwhile are still allocated: they are freed by libuv's
 * close callbacks, which run after this update. */
static void uncork_pipeliners(krpc_server *srv) {
    for (size_t i = 0; i < srv->ncorked; i++)
        conn_uncork(srv->corked[i]);
    srv->ncorked = 0;
}

void scheduler_rpc_phase(krpc_server *srv) {
    /* Fairness floor: a client not yet served in this update gets one run
     * (its continuation, else its next request) whatever the budget, so that
     * one client's flood of requests, answered as they arrive, cannot starve
     * the others (the reference gets the same from running deferred requests
     * first in the next update). */
    kclient *c = srv->ring;
    size_t n = srv->nclients;
    for (size_t i = 0; c && i < n; i++) {
        kclient *next = c->next;
        if (c->served_update != srv->update_count) {
            if (c->active && c->active->last_update != srv->update_count)
                run(srv, c, c->active);
            else if (!c->active)
                serve_next(srv, c);
        }
        c = next;
        if (!srv->ring)
            break;
    }
    /* continuations first, each at most once per update */
    c = srv->ring;
    n = srv->nclients;
    for (size_t i = 0; c && i < n; i++) {
        kclient *next = c->next;
        if (c->active && c->active->last_update != srv->update_count && !over_budget(srv))
            run(srv, c, c->active);
        c = next;
        if (!srv->ring)
            break;
    }
    /* then polling passes: at most one new request per client per pass */
    for (;;) {
        bool ran = false;
        c = srv->ring;
        n = srv->nclients;
        for (size_t i = 0; c && i < n && !over_budget(srv); i++) {
            kclient *next = c->next;
            if (!c->active && may_serve(srv, c)) {
                if (c->served_update == srv->update_count)
                    cork_pipeliner(srv, c->rpc);
                if (serve_next(srv, c))
                    ran = true;
            }
            c = next;
            if (!srv->ring)
                break;
        }
        if (!ran || srv->cfg.one_rpc_per_update || over_budget(srv))
            break;
    }
    uncork_pipeliners(srv);
}
