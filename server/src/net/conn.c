/* A connection's byte stream: reading into its buffer, writing (directly when
 * the socket takes it, else queued), flow control and closing. Whatever the
 * transport, what arrives is handed to the handshake or the scheduler as
 * varint-framed messages: TCP and local sockets carry them as they are,
 * WebSockets (websocket.c) and serial ports (serial.c) translate. */
#include "core/server_internal.h"
#include "net/handshake.h"
#include "net/transport.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

enum { READ_CHUNK = 64 * 1024 };

/* WebSocket connections read raw frames into their own buffer. */
static kbuf *read_buffer(kconn *c) { return c->ws ? ws_read_buffer(c) : &c->in; }

void conn_accepted(kconn *c) {
    c->opened_ns = clock_now_ns();
    conn_register(c);
    krpc_protocol p = c->ep->cfg.protocol;
    if (p == KRPC_PROTOCOL_WEBSOCKETS || p == KRPC_PROTOCOL_WEBSOCKETS_ECHO)
        ws_attach(c);
    conn_start(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    kconn *c = h->data;
    kbuf *b = read_buffer(c);
    kbuf_reserve(b, READ_CHUNK);
    *buf = uv_buf_init((char *)b->data + b->len, (unsigned)(b->cap - b->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    kconn *c = s->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0)
        return;
    read_buffer(c)->len += (size_t)nread;
    status_count_read(c->srv, (size_t)nread);
    if (c->ws) {
        ws_input(c);
        return;
    }
    switch (c->state) {
    case CONN_HANDSHAKE:
        handshake_input(c);
        break;
    case CONN_RPC:
        scheduler_client_input(c->srv, c->client);
        break;
    case CONN_STREAM:
        c->in.len = 0; /* clients send nothing more; whatever comes is dropped */
        break;
    case CONN_CLOSING:
        c->in.len = 0;
        break;
    }
}

void conn_start(kconn *c) {
    c->h.handle.data = c;
    c->reading = uv_read_start(&c->h.stream, on_alloc, on_read) == 0;
    if (!c->reading)
        conn_close(c);
}

void conn_pause(kconn *c) {
    if (c->reading && c->state != CONN_CLOSING) {
        if (c->serial)
            serial_flow(c, false);
        else
            uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

void conn_resume(kconn *c) {
    if (!c->reading && c->state != CONN_CLOSING) {
        if (c->serial) {
            serial_flow(c, true);
            c->reading = true;
        } else {
            c->reading = uv_read_start(&c->h.stream, on_alloc, on_read) == 0;
        }
    }
}

/* One uv_write in flight per connection: bytes sent while it runs gather in
 * kconn.out and go in the next one, so that many small messages (a flood of
 * tiny responses) cost one write each way, not one request each. */
typedef struct write_req {
    uv_write_t req;
    kbuf buf;
} write_req;

static void on_close(uv_handle_t *h) {
    kconn *c = h->data;
    if (c->ws)
        ws_free(c);
    kbuf_free(&c->in);
    kbuf_free(&c->out);
    free(c);
}

static void really_close(kconn *c) {
    krpc_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    uv_close(&c->h.handle, on_close);
}

static void on_write(uv_write_t *r, int status);
static void flush_gathered(kconn *c);

/* Bytes a corked connection gathers before it sends them anyway. */
#define CORK_FLUSH_BYTES 65536

/* Hand what gathered in c->out to libuv. */
static int start_write(kconn *c) {
    write_req *w = malloc(sizeof *w);
    if (!w)
        abort();
    w->buf = c->out;
    c->out = (kbuf){0};
    uv_buf_t b = uv_buf_init((char *)w->buf.data, (unsigned)w->buf.len);
    if (uv_write(&w->req, &c->h.stream, &b, 1, on_write) != 0) {
        c->write_pending -= w->buf.len;
        kbuf_free(&w->buf);
        free(w);
        return -1;
    }
    c->writing = true;
    return 0;
}

static void on_write(uv_write_t *r, int status) {
    write_req *w = (write_req *)r;
    kconn *c = r->handle->data;
    c->write_pending -= w->buf.len;
    kbuf_free(&w->buf);
    free(w);
    c->writing = false;
    if (status < 0) {
        if (status != UV_ECANCELED)
            conn_close(c);
        return;
    }
    if (c->out.len && !uv_is_closing(&c->h.handle)) {
        if (start_write(c) != 0)
            conn_close(c);
    } else if (c->state == CONN_CLOSING && c->write_pending == 0 && !uv_is_closing(&c->h.handle)) {
        really_close(c);
    }
}

int conn_writev(kconn *c, const uv_buf_t *bufs, unsigned nbufs) {
    size_t total = 0;
    for (unsigned i = 0; i < nbufs; i++)
        total += bufs[i].len;
    status_count_written(c->srv, total);
    if (c->corked && !c->writing && c->out.len &&
        (c->out.len + total >= CORK_FLUSH_BYTES || c->write_pending + total > c->srv->cfg.max_send_buffer)) {
        /* what gathered goes now: a cork never makes a client that reads
         * pass max_send_buffer, nor holds more than a socket buffer's worth */
        flush_gathered(c);
        if (c->state == CONN_CLOSING)
            return -1;
    }
    size_t done = 0;
    if (c->write_pending == 0 && (!c->corked || total >= CORK_FLUSH_BYTES)) {
        int n = uv_try_write(&c->h.stream, bufs, nbufs);
        if (n == (int)total)
            return 0;
        if (n < 0 && n != UV_EAGAIN) {
            conn_close(c);
            return -1;
        }
        if (n > 0)
            done = (size_t)n;
    }
    size_t len = total - done;
    if (c->write_pending + len > c->srv->cfg.max_send_buffer) {
        /* a reader that does not read: drop it rather than buffer without end */
        KLOG_WARN(&c->srv->log, "Connection from %s: over %zu bytes waiting to be sent; closing it",
                  c->address, c->srv->cfg.max_send_buffer);
        conn_abort(c);
        return -1;
    }
    /* the part uv_try_write did not take */
    size_t skip = done;
    for (unsigned i = 0; i < nbufs; i++) {
        size_t n = bufs[i].len;
        if (skip >= n) {
            skip -= n;
            continue;
        }
        kbuf_append(&c->out, bufs[i].base + skip, n - skip);
        skip = 0;
    }
    c->write_pending += len;
    if (!c->writing && !c->corked && start_write(c) != 0) {
        conn_close(c);
        return -1;
    }
    return 0;
}

void conn_cork(kconn *c) { c->corked = true; }

/* What gathered in c->out goes out in one write (or one uv_write for the
 * rest). */
static void flush_gathered(kconn *c) {
    uv_buf_t b = uv_buf_init((char *)c->out.data, (unsigned)c->out.len);
    int n = uv_try_write(&c->h.stream, &b, 1);
    if (n < 0 && n != UV_EAGAIN) {
        conn_close(c);
        return;
    }
    if (n > 0) {
        kbuf_consume(&c->out, (size_t)n);
        c->write_pending -= (size_t)n;
    }
    if (c->out.len) {
        if (start_write(c) != 0)
            conn_close(c);
    } else if (c->state == CONN_CLOSING && c->write_pending == 0) {
        really_close(c); /* closed while corked, and now all sent */
    }
}

void conn_uncork(kconn *c) {
    if (!c->corked)
        return;
    c->corked = false;
    if (c->writing || uv_is_closing(&c->h.handle))
        return;
    if (!c->out.len) {
        if (c->state == CONN_CLOSING && c->write_pending == 0)
            really_close(c); /* closed while corked: nothing left to send */
        return;
    }
    flush_gathered(c);
}

int conn_send(kconn *c, const uint8_t *data, size_t len) {
    if (c->state == CONN_CLOSING)
        return -1;
    if (c->serial)
        return serial_send(c, data, len);
    if (c->ws)
        return ws_send(c, data, len);
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    return conn_writev(c, &b, 1);
}

/* Detach from the client, then close once queued bytes are out (a rejected
 * handshake's reply must reach the client before the close). */
void conn_close(kconn *c) {
    if (c->state == CONN_CLOSING)
        return;
    conn_state was = c->state;
    c->state = CONN_CLOSING;
    if (c->reading) {
        if (!c->serial)
            uv_read_stop(&c->h.stream);
        c->reading = false;
    }
    kclient *cl = c->client;
    c->client = NULL;
    if (cl) {
        if (was == CONN_RPC && cl->rpc == c)
            client_rpc_closed(c->srv, cl);
        else if (was == CONN_STREAM && cl->stream == c)
            client_stream_closed(c->srv, cl);
    }
    if (c->serial)
        serial_channel_closed(c);
    if (c->write_pending == 0)
        really_close(c);
}

void conn_close_malformed(kconn *c) {
    if (c->ws)
        ws_close_malformed(c);
    else
        conn_close(c);
}

kconn *conn_new(krpc_server *srv, kendpoint *ep, conn_role role) {
    kconn *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->srv = srv;
    c->ep = ep;
    c->role = role;
    c->state = CONN_HANDSHAKE;
    c->h.handle.data = c;
    return c;
}

void conn_register(kconn *c) {
    krpc_server *srv = c->srv;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
}

void conn_abort(kconn *c) {
    conn_close(c);
    if (!uv_is_closing(&c->h.handle))
        really_close(c);
}
