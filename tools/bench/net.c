/* krpc-bench: byte buffers, framing, client connections and handshakes for
 * each transport, and the server process. */
#include "bench.h"
#include "krpc.pb-c.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const transport_names[TR_COUNT] = {"tcp", "local", "websocket"};

/* ---- buffers ------------------------------------------------------------ */

void bbuf_reserve(bbuf *b, size_t extra) {
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        fprintf(stderr, "krpc-bench: out of memory\n");
        exit(3);
    }
    b->data = d;
    b->cap = cap;
}

void bbuf_add(bbuf *b, const void *data, size_t n) {
    bbuf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
}

void bbuf_byte(bbuf *b, uint8_t c) { bbuf_add(b, &c, 1); }

void bbuf_varint(bbuf *b, uint64_t v) {
    bbuf_reserve(b, 10);
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
}

void bbuf_consume(bbuf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void bbuf_free(bbuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- framing ---------------------------------------------------------- */

static const uint8_t ws_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

static void ws_header(uint8_t opcode_byte, bool masked, size_t n, bbuf *out) {
    bbuf_byte(out, opcode_byte);
    uint8_t m = masked ? 0x80 : 0;
    if (n < 126) {
        bbuf_byte(out, (uint8_t)(m | n));
    } else if (n < 65536) {
        bbuf_byte(out, m | 126);
        bbuf_byte(out, (uint8_t)(n >> 8));
        bbuf_byte(out, (uint8_t)n);
    } else {
        bbuf_byte(out, m | 127);
        for (int i = 7; i >= 0; i--)
            bbuf_byte(out, (uint8_t)((uint64_t)n >> (8 * i)));
    }
}

void frame_client(transport tr, const uint8_t *payload, size_t n, bbuf *out) {
    if (tr != TR_WS) {
        bbuf_varint(out, n);
        bbuf_add(out, payload, n);
        return;
    }
    ws_header(0x82, true, n, out);
    bbuf_add(out, ws_mask, 4);
    bbuf_reserve(out, n);
    for (size_t i = 0; i < n; i++)
        out->data[out->len++] = payload[i] ^ ws_mask[i & 3];
}

void frame_server(transport tr, const uint8_t *payload, size_t n, bbuf *out) {
    if (tr != TR_WS) {
        bbuf_varint(out, n);
        bbuf_add(out, payload, n);
        return;
    }
    ws_header(0x82, false, n, out);
    bbuf_add(out, payload, n);
}

int frame_parse(transport tr, bool from_client, const uint8_t *p, size_t n, size_t *hdr, size_t *plen) {
    if (tr != TR_WS) {
        uint64_t v = 0;
        for (size_t i = 0; i < 10; i++) {
            if (i >= n)
                return 0;
            v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
            if (!(p[i] & 0x80)) {
                if (n - i - 1 < v)
                    return 0;
                *hdr = i + 1;
                *plen = (size_t)v;
                return 1;
            }
        }
        return -1;
    }
    if (n < 2)
        return 0;
    if (p[0] != 0x82) /* one unfragmented binary frame per message, nothing else */
        return -1;
    bool masked = p[1] & 0x80;
    if (masked != from_client && !(from_client && (p[1] & 0x7f) == 0))
        return -1;
    size_t h = 2;
    uint64_t len = p[1] & 0x7f;
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
    if (masked)
        h += 4;
    if (n < h || n - h < len)
        return 0;
    *hdr = h;
    *plen = (size_t)len;
    return 1;
}

/* ---- sockets ---------------------------------------------------------- */

void set_nonblocking(int fd, bool on) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int sock_connect(const target *t, bool stream) {
    if (t->tr == TR_LOCAL) {
        struct sockaddr_un a;
        memset(&a, 0, sizeof a);
        a.sun_family = AF_UNIX;
        const char *path = stream ? t->stream_path : t->rpc_path;
        if (strlen(path) >= sizeof a.sun_path)
            return -1;
        strcpy(a.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    char port[8];
    snprintf(port, sizeof port, "%u", stream ? t->stream_port : t->rpc_port);
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(t->host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

int write_all(int fd, const void *data, size_t n) {
    const uint8_t *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pf = {fd, POLLOUT, 0};
                poll(&pf, 1, 1000);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read once (waiting up to timeout_ms if nothing is there). */
static int read_some(bconn *c, int timeout_ms) {
    bbuf_reserve(&c->in, 65536);
    for (;;) {
        ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (r > 0) {
            c->in.len += (size_t)r;
            return 0;
        }
        if (r == 0)
            return -1;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        struct pollfd pf = {c->fd, POLLIN, 0};
        int pr = poll(&pf, 1, timeout_ms);
        if (pr == 0)
            return -1;
    }
}

int bconn_fill(bconn *c) {
    if (c->consumed) {
        bbuf_consume(&c->in, c->consumed);
        c->consumed = 0;
    }
    bbuf_reserve(&c->in, 65536);
    for (;;) {
        ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (r > 0) {
            c->in.len += (size_t)r;
            if (c->in.len < c->in.cap)
                return 0;
            bbuf_reserve(&c->in, 65536);
            continue;
        }
        if (r == 0)
            return -1;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

int bconn_recv(bconn *c, const uint8_t **payload, size_t *len, int timeout_ms) {
    if (c->consumed) {
        bbuf_consume(&c->in, c->consumed);
        c->consumed = 0;
    }
    for (;;) {
        size_t hdr, plen;
        int st = frame_parse(c->tr, false, c->in.data, c->in.len, &hdr, &plen);
        if (st < 0)
            return -1;
        if (st > 0) {
            *payload = c->in.data + hdr;
            *len = plen;
            c->consumed = hdr + plen;
            return 0;
        }
        if (read_some(c, timeout_ms) < 0)
            return -1;
    }
}

int bconn_send(bconn *c, const uint8_t *payload, size_t n) {
    bbuf b = {0};
    frame_client(c->tr, payload, n, &b);
    int rc = write_all(c->fd, b.data, b.len);
    bbuf_free(&b);
    return rc;
}

void bconn_close(bconn *c) {
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    bbuf_free(&c->in);
}

/* ---- handshakes ------------------------------------------------------- */

static void b64(const uint8_t *d, size_t n, char *out) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        *out++ = tbl[(v >> 18) & 63];
        *out++ = tbl[(v >> 12) & 63];
        *out++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *out++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    *out = 0;
}

/* The WebSocket opening handshake with `query`; leaves surplus bytes buffered. */
static int ws_upgrade(bconn *c, const target *t, bool stream, const char *query, char *err, size_t errlen) {
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /%s HTTP/1.1\r\nHost: %s:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     query, t->host, stream ? t->stream_port : t->rpc_port);
    if (write_all(c->fd, req, (size_t)n) < 0) {
        snprintf(err, errlen, "cannot send the WebSocket upgrade");
        return -1;
    }
    for (;;) {
        uint8_t *end = c->in.len >= 4 ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t hl = (size_t)(end - c->in.data) + 4;
            if (hl < 12 || memcmp(c->in.data, "HTTP/1.1 101", 12) != 0) {
                snprintf(err, errlen, "WebSocket upgrade refused: %.*s", (int)(hl > 40 ? 40 : hl), c->in.data);
                return -1;
            }
            bbuf_consume(&c->in, hl);
            return 0;
        }
        if (read_some(c, 5000) < 0) {
            snprintf(err, errlen, "no WebSocket upgrade response");
            return -1;
        }
    }
}

static int open_sock(const target *t, bool stream, bconn *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->tr = t->tr;
    c->fd = sock_connect(t, stream);
    if (c->fd < 0) {
        snprintf(err, errlen, "cannot connect to the %s %s: %s", transport_names[t->tr],
                 stream ? "stream port" : "RPC port", strerror(errno));
        return -1;
    }
    return 0;
}

static int krpc_handshake(bconn *c, Krpc__Schema__ConnectionRequest *req, char *err, size_t errlen) {
    size_t n = krpc__schema__connection_request__get_packed_size(req);
    uint8_t *buf = malloc(n + 1);
    krpc__schema__connection_request__pack(req, buf);
    int rc = bconn_send(c, buf, n);
    free(buf);
    const uint8_t *p;
    size_t len;
    if (rc < 0 || bconn_recv(c, &p, &len, 5000) < 0) {
        snprintf(err, errlen, "handshake: connection closed");
        return -1;
    }
    Krpc__Schema__ConnectionResponse *resp = krpc__schema__connection_response__unpack(NULL, len, p);
    if (!resp) {
        snprintf(err, errlen, "handshake: malformed ConnectionResponse");
        return -1;
    }
    rc = 0;
    if (resp->status != KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK) {
        snprintf(err, errlen, "handshake refused: %s", resp->message);
        rc = -1;
    } else if (resp->client_identifier.len == 16) {
        memcpy(c->id, resp->client_identifier.data, 16);
    }
    krpc__schema__connection_response__free_unpacked(resp, NULL);
    return rc;
}

int bconn_open_rpc(const target *t, const char *name, bconn *c, char *err, size_t errlen) {
    if (open_sock(t, false, c, err, errlen) < 0)
        return -1;
    if (t->tr == TR_WS) {
        char q[128];
        snprintf(q, sizeof q, "?name=%s", name);
        if (ws_upgrade(c, t, false, q, err, errlen) < 0)
            goto fail;
        call_spec id = {"KRPC", "GetClientID", 0, {0}, {0}};
        bbuf v = {0};
        if (!rpc_call(c, &id, &v, err, errlen) || v.len != 17) {
            bbuf_free(&v);
            goto fail;
        }
        memcpy(c->id, v.data + 1, 16);
        bbuf_free(&v);
        return 0;
    }
    Krpc__Schema__ConnectionRequest req;
    krpc__schema__connection_request__init(&req);
    req.type = KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__RPC;
    req.client_name = (char *)name;
    if (krpc_handshake(c, &req, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    bconn_close(c);
    return -1;
}

int bconn_open_stream(const target *t, const uint8_t id[16], bconn *c, char *err, size_t errlen) {
    if (open_sock(t, true, c, err, errlen) < 0)
        return -1;
    memcpy(c->id, id, 16);
    if (t->tr == TR_WS) {
        char q[64] = "?id=";
        b64(id, 16, q + 4);
        if (ws_upgrade(c, t, true, q, err, errlen) < 0)
            goto fail;
        return 0;
    }
    Krpc__Schema__ConnectionRequest req;
    krpc__schema__connection_request__init(&req);
    req.type = KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__STREAM;
    req.client_identifier.data = (uint8_t *)id;
    req.client_identifier.len = 16;
    if (krpc_handshake(c, &req, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    bconn_close(c);
    return -1;
}

int bconn_open_echo(const target *t, bconn *c, char *err, size_t errlen) {
    if (open_sock(t, false, c, err, errlen) < 0)
        return -1;
    if (t->tr == TR_WS && ws_upgrade(c, t, false, "", err, errlen) < 0) {
        bconn_close(c);
        return -1;
    }
    return 0;
}

/* ---- the server process ------------------------------------------------ */

static void *drain(void *arg) {
    int fd = (int)(intptr_t)arg;
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    return NULL;
}

static pid_t spawn(char **argv, int *out_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(p[1], 1);
        execv(argv[0], argv);
        fprintf(stderr, "krpc-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    *out_fd = p[0];
    return pid;
}

void server_transports(const char *path, bool supported[TR_COUNT]) {
    supported[TR_TCP] = true;
    supported[TR_LOCAL] = supported[TR_WS] = false;
    char *argv[] = {(char *)path, (char *)"--help", NULL};
    int fd;
    pid_t pid = spawn(argv, &fd);
    if (pid < 0)
        return;
    bbuf b = {0};
    char buf[4096];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        bbuf_add(&b, buf, (size_t)r);
    bbuf_byte(&b, 0);
    close(fd);
    waitpid(pid, NULL, 0);
    supported[TR_LOCAL] = strstr((char *)b.data, "localsocket") != NULL;
    supported[TR_WS] = strstr((char *)b.data, "websockets") != NULL;
    bbuf_free(&b);
}

int server_spawn(const char *path, const char *const *plugins, size_t nplugins, const char *const *extra,
                 size_t nextra, transport tr, const char *dir, server_proc *sp, target *t, char *err,
                 size_t errlen) {
    size_t cap = 8 + nplugins + nextra;
    char **argv = calloc(cap, sizeof *argv);
    char **owned = calloc(cap, sizeof *owned);
    size_t n = 0, no = 0;
    argv[n++] = (char *)path;
    argv[n++] = (char *)"--rpc-port=0";
    argv[n++] = (char *)"--stream-port=0";
    argv[n++] = (char *)"--quiet";
    memset(t, 0, sizeof *t);
    t->tr = tr;
    strcpy(t->host, "127.0.0.1");
    if (tr == TR_WS) {
        argv[n++] = (char *)"--type=websockets";
    } else if (tr == TR_LOCAL) {
        argv[n++] = (char *)"--type=localsocket";
        snprintf(t->rpc_path, sizeof t->rpc_path, "%s/rpc", dir);
        snprintf(t->stream_path, sizeof t->stream_path, "%s/stream", dir);
        unlink(t->rpc_path);
        unlink(t->stream_path);
        if (asprintf(&owned[no], "--rpc-path=%s", t->rpc_path) < 0)
            abort();
        argv[n++] = owned[no++];
        if (asprintf(&owned[no], "--stream-path=%s", t->stream_path) < 0)
            abort();
        argv[n++] = owned[no++];
    }
    for (size_t i = 0; i < nplugins; i++) {
        if (asprintf(&owned[no], "--plugin=%s", plugins[i]) < 0)
            abort();
        argv[n++] = owned[no++];
    }
    for (size_t i = 0; i < nextra; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    sp->pid = spawn(argv, &sp->out_fd);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    if (sp->pid < 0) {
        snprintf(err, errlen, "cannot start %s", path);
        return -1;
    }
    /* read the start-up lines */
    bbuf out = {0};
    uint64_t deadline = now_ns() + 20000000000ull;
    int rc = -1;
    for (;;) {
        bbuf_byte(&out, 0);
        out.len--;
        if (strstr((char *)out.data, "Server started successfully\n")) {
            rc = 0;
            break;
        }
        uint64_t now = now_ns();
        if (now >= deadline) {
            snprintf(err, errlen, "the server did not start within 20 s");
            break;
        }
        struct pollfd pf = {sp->out_fd, POLLIN, 0};
        if (poll(&pf, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
            continue;
        char buf[1024];
        ssize_t r = read(sp->out_fd, buf, sizeof buf);
        if (r <= 0) {
            snprintf(err, errlen, "the server exited during start-up");
            break;
        }
        bbuf_add(&out, buf, (size_t)r);
    }
    if (rc == 0) {
        char *s = (char *)out.data;
        char *rp = strstr(s, "rpc_port = "), *spp = strstr(s, "stream_port = ");
        if (rp)
            t->rpc_port = (uint16_t)atoi(rp + 11);
        if (spp)
            t->stream_port = (uint16_t)atoi(spp + 14);
        if (tr != TR_LOCAL && (!t->rpc_port || !t->stream_port)) {
            snprintf(err, errlen, "the server did not report its ports");
            rc = -1;
        }
    }
    bbuf_free(&out);
    if (rc < 0) {
        server_kill(sp);
        return -1;
    }
    pthread_t th;
    pthread_create(&th, NULL, drain, (void *)(intptr_t)sp->out_fd);
    pthread_detach(th);
    sp->out_fd = -1;
    return 0;
}

void server_kill(server_proc *sp) {
    if (sp->pid <= 0)
        return;
    kill(sp->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(sp->pid, NULL, WNOHANG) == sp->pid) {
            sp->pid = 0;
            break;
        }
        usleep(50000);
    }
    if (sp->pid > 0) {
        kill(sp->pid, SIGKILL);
        waitpid(sp->pid, NULL, 0);
        sp->pid = 0;
    }
    if (sp->out_fd >= 0)
        close(sp->out_fd);
    sp->out_fd = -1;
}
