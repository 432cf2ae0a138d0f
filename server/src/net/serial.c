/* Protobuf over a serial port ("SerialIO", transports.md 4): one port carries
 * one client's RPC and stream channels, varint-framed. The client sends
 * MultiplexedRequest{connection_request} and gets a bare ConnectionResponse;
 * then MultiplexedRequest{request} -> MultiplexedResponse{response}. A new
 * connection_request replaces the client.
 *
 * The port is a non-blocking fd driven by uv_poll, so a slow or stuck line
 * never stalls the loop. The client is presented to the rest of the server as
 * two connections (kconn with `serial` set): its RPC channel, whose `in` gets
 * the requests re-framed, and its stream channel. conn_send on either wraps
 * the message in MultiplexedResponse (field 1 for responses, field 2 for
 * stream updates) and queues it on the port, whole, so an update is never
 * interleaved inside a response.
 *
 * Streams: of the two compatible behaviours of transports.md 4.5 this port
 * implements the documented one: the serial client is its own stream client,
 * so AddStream/AddEvent work and updates arrive as
 * MultiplexedResponse{stream_update}. (The reference never sends any, and no
 * existing serial client asks for streams, so neither choice breaks one.)
 *
 * Unlike the reference, a failing port (device unplugged, the other end of a
 * pseudo-terminal closed) does not stop the server: the client is dropped, the
 * port closed, and reopened once a second until it comes back. Output waiting
 * beyond max_send_buffer (the reference: 1 MiB) drops the client. */
#include "krpc.pb-c.h"
#include "net/framing.h"
#include "net/handshake.h"
#include "net/transport.h"
#include "util/clock.h"
#include "util/varint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SERIAL_WRONG_TYPE_TEXT "Connection request was for a stream server, but this is an rpc server."
#define SERIAL_NOT_A_REQUEST_TEXT "Expected a ConnectionRequest message"

enum { READ_CHUNK = 4096, RETRY_NS = 1000000000 };

typedef struct kserial {
    kendpoint *ep;
    krpc_server *srv;
    int fd;          /* -1 while closed */
    uv_poll_t *poll; /* allocated: closing is asynchronous */
    int events;
    uv_timer_t kick; /* deferred work: input held back, a drop decided mid-send */
    kbuf in, out;
    kconn *rpc, *stream; /* the current client's channels */
    bool attempt;        /* bytes arrived on an idle port: a handshake is under way */
    uint64_t attempt_ns;
    bool garbage;    /* the attempt can never parse: discard until its TIMEOUT */
    bool rx_paused;  /* the client's requests queue beyond the message limit */
    bool overflow;   /* output over the limit: drop the client (deferred) */
    bool failed;     /* a write failed: close the port (deferred) */
    char why[160];   /* ... and why */
    uint64_t retry_ns;
    bool stopped;
} kserial;

/* ---- settings ------------------------------------------------------------- */

static speed_t baud_constant(uint32_t rate) {
    static const struct {
        uint32_t rate;
        speed_t speed;
    } rates[] = {
        {50, B50},         {75, B75},         {110, B110},         {134, B134},         {150, B150},
        {200, B200},       {300, B300},       {600, B600},         {1200, B1200},       {1800, B1800},
        {2400, B2400},     {4800, B4800},     {9600, B9600},       {19200, B19200},     {38400, B38400},
        {57600, B57600},   {115200, B115200}, {230400, B230400},   {460800, B460800},   {500000, B500000},
        {576000, B576000}, {921600, B921600}, {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
        {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000}, {4000000, B4000000},
    };
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (rates[i].rate == rate)
            return rates[i].speed;
    return (speed_t)-1;
}

/* What termios can do of the reference's settings; the rest is refused. */
static int check_settings(const krpc_endpoint_config *cfg, char *why, size_t n) {
    if (!cfg->port || !*cfg->port) {
        snprintf(why, n, "No serial port given");
        return -1;
    }
    if (baud_constant(cfg->baud_rate) == (speed_t)-1) {
        snprintf(why, n, "Baud rate %u is not supported (termios offers 50 to 4000000, standard rates only)",
                 cfg->baud_rate);
        return -1;
    }
    if (cfg->data_bits < 5 || cfg->data_bits > 8) {
        snprintf(why, n, "Data bits must be 5 to 8, not %u", cfg->data_bits);
        return -1;
    }
    if ((unsigned)cfg->parity > KRPC_PARITY_SPACE) {
        snprintf(why, n, "Unknown parity %d", (int)cfg->parity);
        return -1;
    }
#ifndef CMSPAR
    if (cfg->parity == KRPC_PARITY_MARK || cfg->parity == KRPC_PARITY_SPACE) {
        snprintf(why, n, "Mark and Space parity are not supported on this system");
        return -1;
    }
#endif
    switch (cfg->stop_bits) {
    case KRPC_STOP_BITS_ONE:
    case KRPC_STOP_BITS_TWO:
        return 0;
    case KRPC_STOP_BITS_ONE_POINT_FIVE:
        if (cfg->data_bits == 5)
            return 0; /* a UART's "two stop bits" with 5 data bits */
        snprintf(why, n, "1.5 stop bits are only possible with 5 data bits (termios has 1 or 2)");
        return -1;
    case KRPC_STOP_BITS_NONE:
        snprintf(why, n, "Stop bits None is not possible on a serial line");
        return -1;
    }
    snprintf(why, n, "Unknown stop bits setting %d", (int)cfg->stop_bits);
    return -1;
}

static int open_port(const krpc_endpoint_config *cfg, char *why, size_t n) {
    int fd = open(cfg->port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "Cannot open serial port %s: %s", cfg->port, strerror(errno));
        return -1;
    }
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        snprintf(why, n, "%s is not a serial port: %s", cfg->port, strerror(errno));
        close(fd);
        return -1;
    }
    cfmakeraw(&tio);
    speed_t speed = baud_constant(cfg->baud_rate);
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    static const tcflag_t sizes[] = {CS5, CS6, CS7, CS8};
    tio.c_cflag &= ~(tcflag_t)CSIZE;
    tio.c_cflag |= sizes[cfg->data_bits - 5];
    tcflag_t parity_bits = PARENB | PARODD;
#ifdef CMSPAR
    parity_bits |= CMSPAR;
#endif
    tio.c_cflag &= ~parity_bits;
    switch (cfg->parity) {
    case KRPC_PARITY_NONE: break;
    case KRPC_PARITY_ODD: tio.c_cflag |= PARENB | PARODD; break;
    case KRPC_PARITY_EVEN: tio.c_cflag |= PARENB; break;
#ifdef CMSPAR
    case KRPC_PARITY_MARK: tio.c_cflag |= PARENB | PARODD | CMSPAR; break;
    case KRPC_PARITY_SPACE: tio.c_cflag |= PARENB | CMSPAR; break;
#else
    default: break;
#endif
    }
    if (cfg->stop_bits == KRPC_STOP_BITS_ONE)
        tio.c_cflag &= ~(tcflag_t)CSTOPB;
    else
        tio.c_cflag |= CSTOPB;
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        snprintf(why, n, "Cannot configure serial port %s: %s", cfg->port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- the port ------------------------------------------------------------- */

static void on_poll(uv_poll_t *h, int status, int events);
static void on_kick(uv_timer_t *t);

static void update_events(kserial *p) {
    if (p->fd < 0)
        return;
    int want = (p->rx_paused ? 0 : UV_READABLE) | (p->out.len ? UV_WRITABLE : 0);
    if (want == p->events)
        return;
    p->events = want;
    if (want)
        uv_poll_start(p->poll, want, on_poll);
    else
        uv_poll_stop(p->poll);
}

static void free_poll(uv_handle_t *h) { free(h); }

static void drop_client(kserial *p, const char *why) {
    kconn *rpc = p->rpc, *stream = p->stream;
    p->rpc = p->stream = NULL;
    p->overflow = false;
    if (rpc && rpc->client && why)
        KLOG_INFO(&p->srv->log, "Serial client '%s' dropped: %s", rpc->client->name, why);
    if (rpc)
        conn_close(rpc);
    if (stream)
        conn_close(stream);
}

static void close_port(kserial *p) {
    if (p->fd < 0)
        return;
    uv_close((uv_handle_t *)p->poll, free_poll); /* stops polling at once */
    p->poll = NULL;
    close(p->fd);
    p->fd = -1;
    p->events = 0;
    p->in.len = p->out.len = 0;
    p->attempt = p->garbage = p->rx_paused = p->failed = false;
}

/* The port failed (unplugged, the other end gone): drop the client, close,
 * and try again later. */
static void port_failed(kserial *p, const char *why) {
    KLOG_WARN(&p->srv->log, "Serial port %s: %s; closing it and retrying every second", p->ep->port, why);
    drop_client(p, NULL);
    close_port(p);
    p->retry_ns = clock_now_ns() + RETRY_NS;
}

/* Poll fd as the port; on failure fd is closed. */
static int attach_fd(kserial *p, int fd, char *why, size_t n) {
    p->poll = malloc(sizeof *p->poll);
    if (!p->poll)
        abort();
    if (uv_poll_init(&p->srv->loop, p->poll, fd) != 0) {
        snprintf(why, n, "Cannot poll serial port %s", p->ep->port);
        free(p->poll);
        p->poll = NULL;
        close(fd);
        return -1;
    }
    p->poll->data = p;
    p->fd = fd;
    p->events = 0;
    update_events(p);
    return 0;
}

static int attach_port(kserial *p, char *why, size_t n) {
    int fd = open_port(&p->ep->cfg, why, n);
    return fd < 0 ? -1 : attach_fd(p, fd, why, n);
}

/* Queue bytes and write what the port takes now. Never fails the port here
 * (we may be inside the scheduler): a failure is acted on by the kick. */
static void port_write(kserial *p, const uint8_t *const *parts, const size_t *lens, int nparts) {
    if (p->fd < 0)
        return;
    size_t total = 0;
    for (int i = 0; i < nparts; i++) {
        kbuf_append(&p->out, parts[i], lens[i]);
        total += lens[i];
    }
    status_count_written(p->srv, total);
    while (p->out.len && !p->failed) {
        ssize_t w = write(p->fd, p->out.data, p->out.len);
        if (w > 0) {
            kbuf_consume(&p->out, (size_t)w);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            if (w < 0 && errno != EAGAIN) {
                p->failed = true;
                snprintf(p->why, sizeof p->why, "write failed: %s", strerror(errno));
                uv_timer_start(&p->kick, on_kick, 0, 0);
            }
            break;
        }
    }
    update_events(p);
}

static void send_connection_response(kserial *p, Krpc__Schema__ConnectionResponse__Status status,
                                     const char *message, const uint8_t *id, uint32_t version) {
    uint8_t buf[512];
    size_t n = handshake_encode_response(buf, sizeof buf, status, message, id, version);
    if (!n)
        return;
    const uint8_t *parts[] = {buf};
    size_t lens[] = {n};
    port_write(p, parts, lens, 1);
}

/* A failed attempt: reply, then forget what was read (transports.md 4.3). */
static void reject(kserial *p, Krpc__Schema__ConnectionResponse__Status status, const char *message) {
    send_connection_response(p, status, message, NULL, 0);
    p->in.len = 0;
    p->attempt = p->garbage = false;
}

static kconn *new_channel(kserial *p, conn_role role) {
    krpc_server *srv = p->srv;
    kconn *c = conn_new(srv, p->ep, role);
    uv_idle_init(&srv->loop, &c->h.placeholder);
    c->h.handle.data = c;
    c->serial = p;
    c->reading = true;
    c->opened_ns = clock_now_ns();
    snprintf(c->address, sizeof c->address, "%s", p->ep->port);
    conn_register(c);
    return c;
}

static void handshake(kserial *p, const Krpc__Schema__ConnectionRequest *req) {
    krpc_server *srv = p->srv;
    p->attempt = false;
    if (req->type != KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__RPC) {
        reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_TYPE, SERIAL_WRONG_TYPE_TEXT);
        return;
    }
    char msg[200];
    int gen = handshake_generation(req, msg, sizeof msg);
    if (gen < 0) {
        reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__WRONG_PROTOCOL_VERSION, msg);
        return;
    }
    if (!handshake_admits(srv, p->ep->port, msg, sizeof msg)) {
        reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE, msg);
        return;
    }
    kconn *rpc = new_channel(p, ROLE_RPC);
    kconn *stream = new_channel(p, ROLE_STREAM);
    const char *name = req->client_name ? req->client_name : "";
    kclient *cl = client_create(srv, rpc, name, strlen(name));
    cl->gen = (kgen)gen;
    rpc->client = cl;
    rpc->state = CONN_RPC;
    stream->client = cl;
    stream->state = CONN_STREAM;
    cl->stream = stream;
    p->rpc = rpc;
    p->stream = stream;
    send_connection_response(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK, NULL, cl->id, req->protocol_version);
    KLOG_INFO(&srv->log, "Client '%s' connected from %s", cl->name, p->ep->port);
}

/* Turn what arrived into handshakes and requests. */
static void process(kserial *p) {
    krpc_server *srv = p->srv;
    while (p->fd >= 0 && p->in.len && !p->rx_paused) {
        if (p->garbage) {
            p->in.len = 0; /* until the attempt times out */
            break;
        }
        if (!p->rpc && !p->attempt) {
            p->attempt = true;
            p->attempt_ns = clock_now_ns();
        }
        size_t header, len;
        frame_status st = frame_parse(p->in.data, p->in.len, srv->cfg.max_message_size, &header, &len);
        if (st == FRAME_INCOMPLETE)
            break;
        if (st != FRAME_OK) {
            p->in.len = 0;
            if (p->rpc)
                drop_client(p, st == FRAME_TOO_LARGE ? "message over the size limit" : "malformed message length");
            else
                p->garbage = true; /* never parses: TIMEOUT, as over TCP */
            continue;
        }
        arena a;
        arena_init(&a);
        Krpc__Schema__MultiplexedRequest *m =
            krpc__schema__multiplexed_request__unpack(&a.pb, len, p->in.data + header);
        kbuf_consume(&p->in, header + len);
        if (!m) {
            if (p->rpc)
                drop_client(p, "sent a message that is not a MultiplexedRequest");
            else
                reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE, KRPC_TRUNCATED_TEXT);
        } else if (m->connection_request) {
            if (p->rpc)
                drop_client(p, "reconnected");
            handshake(p, m->connection_request);
        } else if (!p->rpc) {
            reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__MALFORMED_MESSAGE, SERIAL_NOT_A_REQUEST_TEXT);
        } else if (m->request) {
            /* the scheduler reads varint-framed Requests from the RPC channel */
            kbuf *in = &p->rpc->in;
            size_t n = krpc__schema__request__get_packed_size(m->request);
            kbuf_reserve(in, n + VARINT_MAX);
            in->len += varint_encode(in->data + in->len, n);
            krpc__schema__request__pack(m->request, in->data + in->len);
            in->len += n;
            scheduler_client_input(srv, p->rpc->client);
        }
        arena_free(&a);
    }
    update_events(p);
}

static void on_kick(uv_timer_t *t) {
    kserial *p = t->data;
    if (p->failed) {
        port_failed(p, p->why);
        return;
    }
    if (p->overflow) {
        p->out.len = 0; /* the rest of what it did not read */
        update_events(p);
        drop_client(p, "its output went over the send buffer limit");
    }
    process(p);
}

static void on_poll(uv_poll_t *h, int status, int events) {
    kserial *p = h->data;
    if (status < 0) {
        port_failed(p, "the port reported an error (device gone, or the other end hung up)");
        return;
    }
    if (events & UV_WRITABLE) {
        port_write(p, NULL, NULL, 0);
        if (p->failed) {
            port_failed(p, p->why);
            return;
        }
    }
    if (!(events & UV_READABLE) || p->rx_paused)
        return;
    for (;;) {
        kbuf_reserve(&p->in, READ_CHUNK);
        ssize_t r = read(p->fd, p->in.data + p->in.len, p->in.cap - p->in.len);
        if (r > 0) {
            p->in.len += (size_t)r;
            status_count_read(p->srv, (size_t)r);
            if ((size_t)r < READ_CHUNK)
                break;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0 && errno == EAGAIN) {
            break;
        } else {
            port_failed(p, r == 0 ? "the other end hung up" : strerror(errno));
            return;
        }
    }
    process(p);
}

/* ---- the transport interface -------------------------------------------------- */

int serial_send(kconn *c, const uint8_t *framed, size_t len) {
    kserial *p = c->serial;
    if (!p || p->fd < 0 || p->overflow || p->failed)
        return -1;
    /* framed is varint(n) + message: MultiplexedResponse{field: message} is
     * the tag, then those same bytes */
    uint8_t tag = c->role == ROLE_RPC ? 0x0a : 0x12; /* response = 1, stream_update = 2 */
    uint8_t head[VARINT_MAX + 1];
    size_t h = varint_encode(head, len + 1);
    head[h++] = tag;
    const uint8_t *parts[] = {head, framed};
    size_t lens[] = {h, len};
    port_write(p, parts, lens, 2);
    if (p->out.len > p->srv->cfg.max_send_buffer) {
        KLOG_WARN(&p->srv->log, "Serial port %s: over %zu bytes waiting to be sent; dropping the client",
                  p->ep->port, p->srv->cfg.max_send_buffer);
        p->overflow = true; /* dropped from the kick, outside whatever is sending */
        uv_timer_start(&p->kick, on_kick, 0, 0);
        return -1;
    }
    return 0;
}

void serial_flow(kconn *c, bool reading) {
    kserial *p = c->serial;
    if (!p || c != p->rpc)
        return;
    p->rx_paused = !reading;
    update_events(p);
    if (reading && p->in.len)
        uv_timer_start(&p->kick, on_kick, 0, 0); /* what was held back */
}

void serial_channel_closed(kconn *c) {
    kserial *p = c->serial;
    c->serial = NULL;
    if (!p)
        return;
    /* one port, one client: either channel closing ends the client */
    if (p->rpc == c) {
        p->rpc = NULL;
        p->rx_paused = false;
        update_events(p);
        if (p->stream) {
            kconn *s = p->stream;
            p->stream = NULL;
            conn_close(s);
        }
    } else if (p->stream == c) {
        p->stream = NULL;
        if (p->rpc) {
            kconn *r = p->rpc;
            p->rpc = NULL;
            conn_close(r);
        }
    }
}

void serial_check(kendpoint *ep, uint64_t now_ns) {
    kserial *p = ep->serial;
    if (!p || p->stopped)
        return;
    if (p->fd < 0) {
        if (now_ns < p->retry_ns)
            return;
        char why[300];
        if (attach_port(p, why, sizeof why) == 0) {
            KLOG_INFO(&p->srv->log, "Serial port %s is open again", ep->port);
        } else {
            KLOG_DEBUG(&p->srv->log, "%s", why);
            p->retry_ns = now_ns + RETRY_NS;
        }
        return;
    }
    uint64_t limit = (uint64_t)p->srv->cfg.handshake_timeout_ms * 1000000u;
    if (!p->rpc && p->attempt && now_ns - p->attempt_ns >= limit)
        reject(p, KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__TIMEOUT, TIMEOUT_TEXT);
}

static kserial *new_port(kendpoint *ep) {
    krpc_server *srv = ep->srv;
    kserial *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->ep = ep;
    p->srv = srv;
    p->fd = -1;
    uv_timer_init(&srv->loop, &p->kick);
    p->kick.data = p;
    ep->serial = p;
    return p;
}

int serial_endpoint_start(kendpoint *ep) {
    char why[300];
    if (check_settings(&ep->cfg, why, sizeof why)) {
        KLOG_ERROR(&ep->srv->log, "%s", why);
        return KRPC_EINVAL;
    }
    if (attach_port(new_port(ep), why, sizeof why)) {
        KLOG_ERROR(&ep->srv->log, "%s", why);
        return KRPC_EIO;
    }
    return 0;
}

int serial_endpoint_start_fd(kendpoint *ep, int fd) {
    char why[300];
    if (attach_fd(new_port(ep), fd, why, sizeof why)) {
        KLOG_ERROR(&ep->srv->log, "%s", why);
        return KRPC_EIO;
    }
    return 0;
}

static void free_port(uv_handle_t *h) {
    kserial *p = h->data;
    kbuf_free(&p->in);
    kbuf_free(&p->out);
    free(p);
}

void serial_endpoint_stop(kendpoint *ep) {
    kserial *p = ep->serial;
    if (!p)
        return;
    ep->serial = NULL;
    p->stopped = true;
    drop_client(p, NULL);
    close_port(p);
    uv_close((uv_handle_t *)&p->kick, free_port);
}
