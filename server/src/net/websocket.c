/* Protobuf over WebSockets (transports.md 3): RFC 6455 on our own TCP
 * connections. Both channels start with an HTTP upgrade; the RPC client is
 * named by ?name= (else Origin), the stream connection gives ?id=<base64 of
 * the client id>; then one binary message per protobuf message, no length
 * prefix, no ConnectionRequest.
 *
 * Why not libwebsockets: it does run on our libuv loop as a foreign loop
 * (LWS_SERVER_OPTION_LIBUV + foreign_loops, checked with Debian's 4.1.6), so
 * one thread could drive it. But the reference's answers are part of the
 * contract, byte for byte, and lws writes its own: its 101 says
 * "Upgrade: WebSocket" where clients' recorded exchanges have
 * "Upgrade: websocket"; it upgrades a POST, a path other than "/" and a
 * request without Sec-WebSocket-Version where the reference answers 405, 404
 * and 426 with set texts; the 3 s handshake deadline ending in a bare 400,
 * the close codes and reasons of 3.4-3.5 (1002/1003/1007 with the
 * reference's texts, a Close echoing only the 2-byte code, no reply to codes
 * >= 5000) and "the connection closes without an HTTP response" for an
 * unknown stream id are all things lws decides for itself. Doing the
 * protocol here (about as much code as the lws glue plus its workarounds
 * would be) gives exact answers, the same kconn plumbing as TCP (write
 * queue, send-buffer limit, flow control, closing after the last byte) and
 * no second event system. */
#include "net/handshake.h"
#include "net/transport.h"
#include "net/wsutil.h"
#include "util/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    MAX_HTTP_REQUEST = 16384, /* a longer upgrade request is refused (400) */
    OP_CONT = 0x0,
    OP_TEXT = 0x1,
    OP_BINARY = 0x2,
    OP_CLOSE = 0x8,
    OP_PING = 0x9,
    OP_PONG = 0xa,
};

typedef struct kws {
    kbuf raw;   /* bytes read, not yet parsed */
    size_t http_scanned; /* upgrade request: bytes already searched for its end */
    bool echo;  /* websockets-echo: the RPC channel echoes messages */
    bool done;  /* a Close was sent or the connection is going: ignore the rest */
    /* the frame being read */
    bool in_frame;
    bool fin;
    uint8_t opcode;
    uint8_t mask[4];
    uint64_t remaining; /* payload bytes still to come */
    uint64_t pos;       /* payload bytes already taken (mask index) */
    enum { TO_CTRL, TO_MSG, TO_IN, TO_NOWHERE } dest;
    uint8_t ctrl[125];
    size_t ctrl_len;
    /* the message being assembled (possibly over several frames) */
    uint8_t msg_opcode; /* 0: none in progress */
    kbuf msg;
    uint64_t msg_len;
    size_t utf8_ok; /* text: bytes of msg known to be valid UTF-8 */
} kws;

void ws_attach(kconn *c) {
    c->ws = calloc(1, sizeof *c->ws);
    if (!c->ws)
        abort();
    c->ws->echo = c->ep->cfg.protocol == KRPC_PROTOCOL_WEBSOCKETS_ECHO && c->role == ROLE_RPC;
}

void ws_free(kconn *c) {
    kbuf_free(&c->ws->raw);
    kbuf_free(&c->ws->msg);
    free(c->ws);
    c->ws = NULL;
}

kbuf *ws_read_buffer(kconn *c) { return &c->ws->raw; }

/* ---- sending ------------------------------------------------------------------ */

static int send_frame(kconn *c, uint8_t opcode, const uint8_t *payload, size_t len) {
    uint8_t head[10];
    size_t h = 0;
    head[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        head[h++] = (uint8_t)len;
    } else if (len <= 0xffff) {
        head[h++] = 126;
        head[h++] = (uint8_t)(len >> 8);
        head[h++] = (uint8_t)len;
    } else {
        head[h++] = 127;
        for (int i = 7; i >= 0; i--)
            head[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uv_buf_t bufs[2] = {uv_buf_init((char *)head, (unsigned)h), uv_buf_init((char *)payload, (unsigned)len)};
    return conn_writev(c, bufs, len ? 2 : 1);
}

int ws_send(kconn *c, const uint8_t *framed, size_t len) {
    if (c->ws->done)
        return -1;
    uint64_t n;
    int h = varint_decode(framed, len, &n);
    if (h <= 0 || (size_t)h + n != len)
        return -1;
    return send_frame(c, OP_BINARY, framed + h, (size_t)n);
}

/* Send a Close (code 0: without payload) and close once it is out. */
static void close_with(kconn *c, unsigned code, const char *reason) {
    kws *ws = c->ws;
    if (ws->done)
        return;
    uint8_t p[125];
    size_t n = 0;
    if (code) {
        p[n++] = (uint8_t)(code >> 8);
        p[n++] = (uint8_t)code;
        size_t r = reason ? strlen(reason) : 0;
        if (r)
            memcpy(p + n, reason, r);
        n += r;
    }
    if (c->state != CONN_CLOSING)
        send_frame(c, OP_CLOSE, p, n);
    ws->done = true;
    conn_close(c);
}

void ws_close_malformed(kconn *c) {
    KLOG_DEBUG(&c->srv->log, "WebSocket %s: a message is not a Request", c->address);
    close_with(c, 1007, "Malformed protocol buffer message");
}

static void http_reply(kconn *c, const char *status, const char *headers, const char *body) {
    char buf[512];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\n%s\r\n%s", status, headers ? headers : "", body ? body : "");
    uv_buf_t b = uv_buf_init(buf, (unsigned)n);
    conn_writev(c, &b, 1);
    c->ws->done = true;
    conn_close(c);
}

void ws_handshake_timeout(kconn *c) { http_reply(c, "400 Bad Request", NULL, NULL); }

/* ---- the opening handshake (transports.md 3.1) --------------------------------- */

typedef struct hdr {
    const char *name, *value;
    size_t nlen, vlen;
} hdr;

enum { MAX_HEADERS = 64 };

static const hdr *find_header(const hdr *h, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (h[i].nlen == strlen(name) && !strncasecmp(h[i].name, name, h[i].nlen))
            return &h[i];
    return NULL;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* The comma-separated values of a header, trimmed (at most max of them).
 * Returns how many there are. */
static size_t header_values(const hdr *h, const char **v, size_t *vlen, size_t max) {
    size_t count = 0;
    const char *p = h->value, *end = h->value + h->vlen;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *s = p, *t = comma ? comma : end;
        while (s < t && is_space(*s))
            s++;
        while (t > s && is_space(t[-1]))
            t--;
        if (count < max) {
            v[count] = s;
            vlen[count] = (size_t)(t - s);
        }
        count++;
        if (!comma)
            return count;
        p = comma + 1;
    }
}

static bool token_is(const char *s, size_t n, const char *want) {
    return n == strlen(want) && !strncasecmp(s, want, n);
}

/* The value of query parameter `name` (the first one), percent-decoded into
 * out (room for the query's length + 1). Returns its length or -1. */
static long query_param(const char *q, size_t qlen, const char *name, char *out) {
    const char *p = q, *end = q + qlen;
    char key[64];
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        const char *kend = eq ? eq : e;
        if ((size_t)(kend - p) < sizeof key) {
            size_t kn = ws_percent_decode(p, (size_t)(kend - p), key);
            if (kn == strlen(name) && !memcmp(key, name, kn)) {
                size_t n = eq ? ws_percent_decode(eq + 1, (size_t)(e - eq - 1), out) : 0;
                out[n] = '\0';
                return (long)n;
            }
        }
        p = amp ? amp + 1 : end;
    }
    return -1;
}

/* The kRPC protocol version a client asked for with the subprotocol
 * "krpc.<version>" (core/protocol.h): the highest one it offers that this
 * server speaks, as the subprotocol to name in the 101. */
typedef struct ws_version {
    kgen gen;
    char subprotocol[32]; /* "" when the client asked for none */
} ws_version;

static void open_rpc(kconn *c, const char *query, size_t qlen, const hdr *h, size_t nh, const char *accept,
                     const ws_version *ver);
static void open_stream(kconn *c, const char *query, size_t qlen, const char *accept, const ws_version *ver);

/* Returns false if the client asks only for kRPC versions this server does
 * not speak. Subprotocols other than krpc.* are ignored, as before 0.7. */
static bool choose_version(const hdr *h, size_t nh, ws_version *out) {
    out->gen = KGEN_LEGACY;
    out->subprotocol[0] = '\0';
    const hdr *sp = find_header(h, nh, "Sec-WebSocket-Protocol");
    if (!sp)
        return true;
    enum { MAXV = 32 };
    const char *v[MAXV];
    size_t vl[MAXV];
    size_t n = header_values(sp, v, vl, MAXV);
    size_t plen = strlen(WS_SUBPROTOCOL_PREFIX);
    bool asked = false;
    long best = -1;
    for (size_t i = 0; i < n && i < MAXV; i++) {
        if (vl[i] <= plen || strncasecmp(v[i], WS_SUBPROTOCOL_PREFIX, plen))
            continue;
        asked = true;
        unsigned long long version = 0;
        bool digits = vl[i] - plen <= 9;
        for (size_t k = plen; k < vl[i] && digits; k++) {
            if (v[i][k] < '0' || v[i][k] > '9')
                digits = false;
            else
                version = version * 10 + (unsigned)(v[i][k] - '0');
        }
        if (digits && protocol_generation(version) >= 0 && (long)version > best)
            best = (long)version;
    }
    if (!asked)
        return true;
    if (best < 0)
        return false;
    out->gen = (kgen)protocol_generation((uint64_t)best);
    snprintf(out->subprotocol, sizeof out->subprotocol, "%s%ld", WS_SUBPROTOCOL_PREFIX, best);
    return true;
}
static void frames_input(kconn *c);

static void http_input(kconn *c) {
    kws *ws = c->ws;
    kbuf *raw = &ws->raw;
    const char *text = (const char *)raw->data;
    /* Resume where the last read's search stopped (3 bytes back, for an end
     * split across reads): a request sent a byte at a time stays linear. */
    size_t from = ws->http_scanned > 3 ? ws->http_scanned - 3 : 0;
    const char *end = raw->len > from ? memmem(text + from, raw->len - from, "\r\n\r\n", 4) : NULL;
    ws->http_scanned = raw->len;
    if (!end) {
        if (raw->len > MAX_HTTP_REQUEST)
            http_reply(c, "400 Bad Request", NULL, NULL);
        return;
    }
    size_t head_len = (size_t)(end - text) + 4;
    /* request line: exactly three space-separated parts */
    const char *line_end = memchr(text, '\r', (size_t)(end - text) + 1);
    const char *parts[3];
    size_t plen[3];
    int np = 0;
    bool bad = false;
    for (const char *p = text;;) {
        const char *sp = memchr(p, ' ', (size_t)(line_end - p));
        const char *e = sp ? sp : line_end;
        if (np == 3) {
            bad = true;
            break;
        }
        parts[np] = p;
        plen[np++] = (size_t)(e - p);
        if (!sp)
            break;
        p = sp + 1;
    }
    for (int i = 0; i < np; i++)
        if (!plen[i])
            bad = true;
    if (np != 3)
        bad = true;
    /* headers: "Name: value", both non-empty, none repeated */
    hdr hs[MAX_HEADERS];
    size_t nh = 0;
    for (const char *p = line_end + 2; !bad && p < end + 2;) {
        const char *e = memchr(p, '\r', (size_t)(end + 2 - p));
        if (!e || e[1] != '\n') {
            bad = true;
            break;
        }
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p || nh == MAX_HEADERS) {
            bad = true;
            break;
        }
        const char *v = colon + 1, *ve = e;
        while (v < ve && is_space(*v))
            v++;
        while (ve > v && is_space(ve[-1]))
            ve--;
        hdr x = {p, v, (size_t)(colon - p), (size_t)(ve - v)};
        if (!x.vlen)
            bad = true;
        for (size_t i = 0; i < nh && !bad; i++)
            if (hs[i].nlen == x.nlen && !strncasecmp(hs[i].name, x.name, x.nlen))
                bad = true;
        hs[nh++] = x;
        p = e + 2;
    }
    if (bad) {
        http_reply(c, "400 Bad Request", NULL, NULL);
        return;
    }
    if (plen[2] != 8 || strncasecmp(parts[2], "HTTP/1.1", 8)) {
        http_reply(c, "505 HTTP Version Not Supported", NULL, NULL);
        return;
    }
    const char *qmark = memchr(parts[1], '?', plen[1]);
    size_t path_len = qmark ? (size_t)(qmark - parts[1]) : plen[1];
    if (path_len != 1 || parts[1][0] != '/') {
        http_reply(c, "404 Not Found", NULL, NULL);
        return;
    }
    if (plen[0] != 3 || strncasecmp(parts[0], "GET", 3)) {
        http_reply(c, "405 Method Not Allowed", NULL, "Expected a GET request.");
        return;
    }
    if (!find_header(hs, nh, "Host")) {
        http_reply(c, "400 Bad Request", NULL, "Host field not set.");
        return;
    }
    enum { MAXV = 32 };
    const char *v[MAXV];
    size_t vl[MAXV];
    const hdr *up = find_header(hs, nh, "Upgrade");
    if (!up || header_values(up, v, vl, MAXV) != 1 || !token_is(v[0], vl[0], "websocket")) {
        http_reply(c, "400 Bad Request", NULL, "Upgrade field not set to websocket.");
        return;
    }
    const hdr *conn = find_header(hs, nh, "Connection");
    bool has_upgrade = false;
    size_t nv = conn ? header_values(conn, v, vl, MAXV) : 0;
    for (size_t i = 0; i < nv && i < MAXV; i++)
        has_upgrade |= token_is(v[i], vl[i], "upgrade");
    if (!has_upgrade) {
        http_reply(c, "400 Bad Request", NULL, "Connection field not set to Upgrade.");
        return;
    }
    const hdr *key = find_header(hs, nh, "Sec-WebSocket-Key");
    if (!key || header_values(key, v, vl, MAXV) != 1) {
        http_reply(c, "400 Bad Request", NULL, "Sec-WebSocket-Key field not set.");
        return;
    }
    uint8_t keybytes[64];
    long kn = ws_base64_decode(key->value, key->vlen, keybytes, sizeof keybytes);
    if (kn < 0) {
        http_reply(c, "400 Bad Request", NULL, "Failed to decode Sec-WebSocket-Key\nNot a valid base64 string.");
        return;
    }
    if (kn != 16) {
        char body[96];
        snprintf(body, sizeof body, "Failed to decode Sec-WebSocket-Key\nExpected 16 bytes, got %ld bytes.", kn);
        http_reply(c, "400 Bad Request", NULL, body);
        return;
    }
    const hdr *ver = find_header(hs, nh, "Sec-WebSocket-Version");
    if (!ver || ver->vlen != 2 || memcmp(ver->value, "13", 2)) {
        http_reply(c, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", NULL);
        return;
    }
    ws_version version;
    if (!choose_version(hs, nh, &version)) {
        http_reply(c, "400 Bad Request", NULL, WS_WRONG_PROTOCOL_VERSION_TEXT);
        return;
    }
    char accept[29];
    ws_accept_key(key->value, key->vlen, accept);
    const char *query = qmark ? qmark + 1 : "";
    size_t qlen = qmark ? plen[1] - path_len - 1 : 0;
    /* copy out what is needed before the buffer moves */
    char *q = malloc(qlen + 1);
    if (!q)
        abort();
    memcpy(q, query, qlen);
    q[qlen] = '\0';
    if (c->role == ROLE_RPC)
        open_rpc(c, q, qlen, hs, nh, accept, &version);
    else
        open_stream(c, q, qlen, accept, &version);
    free(q);
    if (c->state == CONN_CLOSING)
        return;
    /* frames sent right behind the request are kept (the reference answers
     * 400; clients wait for the 101 anyway) */
    kbuf_consume(raw, head_len);
    ws->http_scanned = 0;
    frames_input(c);
}

static void send_101(kconn *c, const char *accept, const ws_version *ver) {
    char buf[224];
    char proto[64] = "";
    if (ver->subprotocol[0])
        snprintf(proto, sizeof proto, "Sec-WebSocket-Protocol: %s\r\n", ver->subprotocol);
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n%s\r\n",
                     accept, proto);
    uv_buf_t b = uv_buf_init(buf, (unsigned)n);
    conn_writev(c, &b, 1);
}

static void open_rpc(kconn *c, const char *query, size_t qlen, const hdr *h, size_t nh, const char *accept,
                     const ws_version *ver) {
    krpc_server *srv = c->srv;
    char *name = malloc(qlen + 256);
    if (!name)
        abort();
    long n = query_param(query, qlen, "name", name);
    if (n < 0) {
        /* else the first value of Origin, else empty */
        n = 0;
        const hdr *origin = find_header(h, nh, "Origin");
        const char *v;
        size_t vl;
        if (origin && header_values(origin, &v, &vl, 1)) {
            n = vl < 255 ? (long)vl : 255;
            memcpy(name, v, (size_t)n);
        }
        name[n] = '\0';
    }
    char msg[200];
    if (!handshake_admits(srv, c->address, msg, sizeof msg)) {
        http_reply(c, "503 Service Unavailable", NULL, msg);
        free(name);
        return;
    }
    send_101(c, accept, ver);
    if (c->state == CONN_CLOSING) {
        free(name);
        return;
    }
    kclient *cl = client_create(srv, c, name, (size_t)n);
    cl->gen = ver->gen;
    c->client = cl;
    c->state = CONN_RPC;
    KLOG_INFO(&srv->log, "Client '%s' connected from %s (WebSocket)", cl->name, c->address);
    free(name);
}

static void open_stream(kconn *c, const char *query, size_t qlen, const char *accept, const ws_version *ver) {
    krpc_server *srv = c->srv;
    char *value = malloc(qlen + 1);
    if (!value)
        abort();
    uint8_t id[KRPC_CLIENT_ID_LEN + 8];
    long n = query_param(query, qlen, "id", value);
    long idlen = n < 0 ? -1 : ws_base64_decode(value, (size_t)n, id, sizeof id);
    free(value);
    static const uint8_t zero[KRPC_CLIENT_ID_LEN];
    if (idlen != KRPC_CLIENT_ID_LEN || !memcmp(id, zero, sizeof zero)) {
        http_reply(c, "400 Bad Request", NULL, NULL);
        return;
    }
    kclient *cl = client_find(srv, c->ep, id);
    if (!cl || !cl->rpc) {
        c->ws->done = true;
        conn_close(c); /* the reference answers nothing */
        return;
    }
    send_101(c, accept, ver);
    if (c->state == CONN_CLOSING)
        return;
    if (cl->stream) {
        /* a second stream connection replaces the first (no client opens two) */
        kconn *old = cl->stream;
        old->client = NULL;
        conn_close(old);
    }
    cl->stream = c;
    c->client = cl;
    c->state = CONN_STREAM;
}

/* ---- frames (transports.md 3.4-3.5) ------------------------------------------------ */

static void handle_close(kconn *c) {
    kws *ws = c->ws;
    if (ws->ctrl_len < 2) {
        close_with(c, 0, NULL); /* no code (or too short to hold one): empty Close */
        return;
    }
    unsigned code = (unsigned)ws->ctrl[0] << 8 | ws->ctrl[1];
    if (code < 1000 || code == 1004 || code == 1005 || code == 1006 || (code >= 1014 && code <= 2999)) {
        close_with(c, 1002, NULL);
    } else if (code >= 5000) {
        ws->done = true; /* no reply */
        conn_close(c);
    } else if (!ws_utf8_valid(ws->ctrl + 2, ws->ctrl_len - 2, false, NULL)) {
        close_with(c, 1002, NULL);
    } else {
        close_with(c, code, NULL); /* the same code, without the reason */
    }
}

/* A whole message arrived. */
static void message_done(kconn *c) {
    kws *ws = c->ws;
    uint8_t op = ws->msg_opcode;
    ws->msg_opcode = 0;
    ws->msg_len = 0;
    ws->utf8_ok = 0;
    if (c->state == CONN_STREAM) {
        ws->msg.len = 0; /* stream clients send nothing that matters */
        return;
    }
    if (op == OP_TEXT) {
        if (!ws_utf8_valid(ws->msg.data, ws->msg.len, false, NULL))
            close_with(c, 1007, "Malformed UTF8 string");
        else if (ws->echo)
            send_frame(c, OP_TEXT, ws->msg.data, ws->msg.len);
        else
            close_with(c, 1003, "Text frames are not permitted");
        ws->msg.len = 0;
        return;
    }
    if (ws->echo) {
        send_frame(c, OP_BINARY, ws->msg.data, ws->msg.len);
        ws->msg.len = 0;
        return;
    }
    if (ws->dest == TO_MSG) {
        /* a fragmented message: the scheduler reads varint-framed Requests */
        uint8_t head[VARINT_MAX];
        size_t h = varint_encode(head, ws->msg.len);
        kbuf_append(&c->in, head, h);
        kbuf_append(&c->in, ws->msg.data, ws->msg.len);
        ws->msg.len = 0;
    }
    if (c->state == CONN_RPC && c->client)
        scheduler_client_input(c->srv, c->client);
}

/* A frame's payload is all there. */
static void frame_done(kconn *c) {
    kws *ws = c->ws;
    ws->in_frame = false;
    switch (ws->opcode) {
    case OP_PING:
        send_frame(c, OP_PONG, ws->ctrl, ws->ctrl_len);
        return;
    case OP_PONG:
        return;
    case OP_CLOSE:
        handle_close(c);
        return;
    default:
        break;
    }
    if (ws->fin) {
        message_done(c);
    } else if (ws->msg_opcode == OP_TEXT && c->state == CONN_RPC && ws->msg.len > ws->utf8_ok) {
        /* (nothing new to check, and msg.data may still be NULL: finding F7) */
        size_t ok;
        if (!ws_utf8_valid(ws->msg.data + ws->utf8_ok, ws->msg.len - ws->utf8_ok, true, &ok))
            close_with(c, 1007, "Malformed UTF8 string");
        else
            ws->utf8_ok += ok;
    }
}

/* Parse a frame header at the start of raw; 0 if incomplete, else its size
 * (and the frame is set up), -1 after closing the connection. */
static int frame_header(kconn *c) {
    kws *ws = c->ws;
    const uint8_t *p = ws->raw.data;
    size_t n = ws->raw.len;
    if (n < 2)
        return 0;
    bool fin = p[0] & 0x80;
    uint8_t opcode = p[0] & 0x0f;
    bool masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
        if (n < 4)
            return 0;
        len = (uint64_t)p[2] << 8 | p[3];
        h = 4;
    } else if (len == 127) {
        if (n < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | p[2 + i];
        h = 10;
    }
    if (masked) {
        if (n < h + 4)
            return 0;
        memcpy(ws->mask, p + h, 4);
        h += 4;
    }
    bool control = opcode & 0x08;
    if (p[0] & 0x70) {
        close_with(c, 1002, NULL); /* RSV bits: no extension was agreed */
        return -1;
    }
    if (opcode != OP_CONT && opcode != OP_TEXT && opcode != OP_BINARY && opcode != OP_CLOSE && opcode != OP_PING &&
        opcode != OP_PONG) {
        close_with(c, 1002, "Invalid op code");
        return -1;
    }
    if (control && !fin) {
        close_with(c, 1002, "Control frames must not be fragmented");
        return -1;
    }
    if (control && len > 125) {
        close_with(c, 1002, "Control frame payload must not exceed 125 bytes");
        return -1;
    }
    if (len && !masked) {
        close_with(c, 1002, "Payload is not masked");
        return -1;
    }
    if (len >> 63) {
        close_with(c, 1002, NULL);
        return -1;
    }
    if (!control) {
        if (opcode == OP_CONT && !ws->msg_opcode) {
            close_with(c, 1002, NULL); /* a continuation of nothing */
            return -1;
        }
        if (opcode != OP_CONT && ws->msg_opcode) {
            close_with(c, 1002, NULL); /* a new message inside a fragmented one */
            return -1;
        }
        bool counts = c->state == CONN_RPC && !ws->echo;
        if (counts && ws->msg_len + len > c->srv->cfg.max_message_size) {
            KLOG_WARN(&c->srv->log, "Client '%s': WebSocket message over the size limit; closing its connection",
                      c->client ? c->client->name : "?");
            close_with(c, 1009, "Message too big");
            return -1;
        }
        if (opcode != OP_CONT) {
            ws->msg_opcode = opcode;
            ws->msg.len = 0;
        }
        ws->msg_len += len;
    }
    ws->in_frame = true;
    ws->fin = fin;
    ws->opcode = opcode;
    ws->remaining = len;
    ws->pos = 0;
    if (!masked)
        memset(ws->mask, 0, 4);
    if (control) {
        ws->dest = TO_CTRL;
        ws->ctrl_len = 0;
    } else if (c->state != CONN_RPC) {
        ws->dest = TO_NOWHERE;
    } else if (ws->msg_opcode == OP_BINARY && opcode == OP_BINARY && fin && !ws->echo) {
        /* a whole binary message in one frame (what clients send): straight
         * into the scheduler's buffer behind its length prefix */
        ws->dest = TO_IN;
        uint8_t head[VARINT_MAX];
        kbuf_append(&c->in, head, varint_encode(head, len));
    } else {
        ws->dest = TO_MSG; /* (buffers grow as the bytes come, not as announced) */
    }
    return (int)h;
}

static void frames_input(kconn *c) {
    kws *ws = c->ws;
    size_t at = 0;
    while (!ws->done && c->state != CONN_CLOSING) {
        if (!ws->in_frame) {
            /* headers are parsed at the front of raw */
            kbuf_consume(&ws->raw, at);
            at = 0;
            int h = frame_header(c);
            if (h <= 0)
                return;
            at = (size_t)h;
            if (ws->remaining == 0) {
                frame_done(c);
                continue;
            }
        }
        size_t avail = ws->raw.len - at;
        if (!avail)
            break;
        size_t take = avail < ws->remaining ? avail : (size_t)ws->remaining;
        const uint8_t *src = ws->raw.data + at;
        uint8_t *dst = NULL;
        switch (ws->dest) {
        case TO_CTRL:
            dst = ws->ctrl + ws->ctrl_len;
            ws->ctrl_len += take;
            break;
        case TO_MSG:
            kbuf_reserve(&ws->msg, take);
            dst = ws->msg.data + ws->msg.len;
            ws->msg.len += take;
            break;
        case TO_IN:
            kbuf_reserve(&c->in, take);
            dst = c->in.data + c->in.len;
            c->in.len += take;
            break;
        case TO_NOWHERE:
            break;
        }
        if (dst)
            for (size_t i = 0; i < take; i++)
                dst[i] = src[i] ^ ws->mask[(ws->pos + i) & 3];
        ws->pos += take;
        ws->remaining -= take;
        at += take;
        if (ws->remaining == 0)
            frame_done(c);
    }
    if (!ws->done && c->state != CONN_CLOSING)
        kbuf_consume(&ws->raw, at);
    else
        ws->raw.len = 0;
}

void ws_input(kconn *c) {
    kws *ws = c->ws;
    if (ws->done || c->state == CONN_CLOSING) {
        ws->raw.len = 0;
        return;
    }
    if (c->state == CONN_HANDSHAKE)
        http_input(c);
    else
        frames_input(c);
}
