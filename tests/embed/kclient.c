#include "kclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

kc_value kc_bool(bool b) {
    kc_value v = {.len = 1};
    v.data[0] = b;
    return v;
}

kc_value kc_sint32(int32_t x) {
    kc_value v;
    v.len = put_varint(v.data, (uint32_t)((x << 1) ^ (x >> 31)));
    return v;
}

kc_value kc_uint32(uint32_t x) {
    kc_value v;
    v.len = put_varint(v.data, x);
    return v;
}

kc_value kc_double(double d) {
    kc_value v = {.len = 8};
    uint64_t bits;
    memcpy(&bits, &d, 8);
    for (int i = 0; i < 8; i++)
        v.data[i] = (uint8_t)(bits >> (8 * i));
    return v;
}

kc_value kc_string(const char *s) {
    kc_value v;
    size_t n = strlen(s);
    if (n > 50)
        n = 50;
    v.len = put_varint(v.data, n);
    memcpy(v.data + v.len, s, n);
    v.len += n;
    return v;
}

static uint64_t get_varint(const uint8_t *p, size_t len, size_t *used) {
    uint64_t v = 0;
    size_t i = 0;
    for (int shift = 0; i < len && shift < 64; shift += 7) {
        uint8_t b = p[i++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    if (used)
        *used = i;
    return v;
}

int32_t kc_dec_sint32(const ProtobufCBinaryData *v) {
    uint32_t z = (uint32_t)get_varint(v->data, v->len, NULL);
    return (int32_t)((z >> 1) ^ (~(z & 1) + 1));
}

uint64_t kc_dec_uint64(const ProtobufCBinaryData *v) { return get_varint(v->data, v->len, NULL); }

bool kc_dec_bool(const ProtobufCBinaryData *v) { return get_varint(v->data, v->len, NULL) != 0; }

double kc_dec_double(const ProtobufCBinaryData *v) {
    uint64_t bits = 0;
    for (size_t i = 0; i < 8 && i < v->len; i++)
        bits |= (uint64_t)v->data[i] << (8 * i);
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

const char *kc_dec_string(const ProtobufCBinaryData *v, char *buf, size_t size) {
    size_t used;
    uint64_t n = get_varint(v->data, v->len, &used);
    if (n > v->len - used)
        n = v->len - used;
    if (n >= size)
        n = size - 1;
    memcpy(buf, v->data + used, n);
    buf[n] = '\0';
    return buf;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n) {
    while (n) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int send_msg(int fd, const ProtobufCMessage *m) {
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n + 10);
    if (!buf)
        return -1;
    size_t h = put_varint(buf, n);
    protobuf_c_message_pack(m, buf + h);
    int rc = write_all(fd, buf, h + n);
    free(buf);
    return rc;
}

/* One framed message, malloc'ed into *out. */
static int recv_frame(int fd, uint8_t **out, size_t *len) {
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t b;
        if (shift > 63 || read_all(fd, &b, 1))
            return -1;
        n |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    if (n > (64u << 20))
        return -1;
    *out = malloc(n ? n : 1);
    if (!*out || read_all(fd, *out, n)) {
        free(*out);
        return -1;
    }
    *len = n;
    return 0;
}

static int tcp_connect(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    return fd;
}

static Krpc__Schema__ConnectionResponse *handshake(int fd, Krpc__Schema__ConnectionRequest *req) {
    uint8_t *buf;
    size_t n;
    if (send_msg(fd, &req->base) || recv_frame(fd, &buf, &n))
        return NULL;
    Krpc__Schema__ConnectionResponse *r = krpc__schema__connection_response__unpack(NULL, n, buf);
    free(buf);
    return r;
}

int kc_connect(kc *c, uint16_t rpc_port, uint16_t stream_port, const char *name) {
    c->rpc = tcp_connect(rpc_port);
    c->stream = -1;
    if (c->rpc < 0)
        return -1;
    Krpc__Schema__ConnectionRequest req;
    krpc__schema__connection_request__init(&req);
    req.type = KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__RPC;
    req.client_name = (char *)name;
    Krpc__Schema__ConnectionResponse *r = handshake(c->rpc, &req);
    if (!r || r->status != KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK || r->client_identifier.len != 16) {
        if (r)
            krpc__schema__connection_response__free_unpacked(r, NULL);
        return -1;
    }
    memcpy(c->id, r->client_identifier.data, 16);
    krpc__schema__connection_response__free_unpacked(r, NULL);
    if (!stream_port)
        return 0;
    c->stream = tcp_connect(stream_port);
    if (c->stream < 0)
        return -1;
    krpc__schema__connection_request__init(&req);
    req.type = KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__STREAM;
    req.client_identifier.data = c->id;
    req.client_identifier.len = 16;
    r = handshake(c->stream, &req);
    bool ok = r && r->status == KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK;
    if (r)
        krpc__schema__connection_response__free_unpacked(r, NULL);
    return ok ? 0 : -1;
}

void kc_close(kc *c) {
    if (c->rpc >= 0)
        close(c->rpc);
    if (c->stream >= 0)
        close(c->stream);
    c->rpc = c->stream = -1;
}

int kc_send_call(kc *c, const char *service, const char *procedure, size_t nargs, const kc_value *args) {
    Krpc__Schema__Request req;
    krpc__schema__request__init(&req);
    Krpc__Schema__ProcedureCall call;
    krpc__schema__procedure_call__init(&call);
    call.service = (char *)service;
    call.procedure = (char *)procedure;
    Krpc__Schema__Argument a[8], *ap[8];
    if (nargs > 8)
        return -1;
    for (size_t i = 0; i < nargs; i++) {
        krpc__schema__argument__init(&a[i]);
        a[i].position = (uint32_t)i;
        a[i].value.data = (uint8_t *)args[i].data;
        a[i].value.len = args[i].len;
        ap[i] = &a[i];
    }
    call.n_arguments = nargs;
    call.arguments = ap;
    Krpc__Schema__ProcedureCall *calls[1] = {&call};
    req.n_calls = 1;
    req.calls = calls;
    return send_msg(c->rpc, &req.base);
}

Krpc__Schema__Response *kc_recv_response(kc *c) {
    uint8_t *buf;
    size_t n;
    if (recv_frame(c->rpc, &buf, &n))
        return NULL;
    Krpc__Schema__Response *r = krpc__schema__response__unpack(NULL, n, buf);
    free(buf);
    return r;
}

Krpc__Schema__Response *kc_call(kc *c, const char *service, const char *procedure, size_t nargs,
                                const kc_value *args) {
    if (kc_send_call(c, service, procedure, nargs, args))
        return NULL;
    return kc_recv_response(c);
}

Krpc__Schema__StreamUpdate *kc_recv_stream_update(kc *c, int timeout_ms) {
    struct pollfd p = {.fd = c->stream, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1)
        return NULL;
    uint8_t *buf;
    size_t n;
    if (recv_frame(c->stream, &buf, &n))
        return NULL;
    Krpc__Schema__StreamUpdate *u = krpc__schema__stream_update__unpack(NULL, n, buf);
    free(buf);
    return u;
}

bool kc_closed_in_order(int fd, int timeout_ms) {
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) != 1)
            return false;
        char b[4096];
        ssize_t r = recv(fd, b, sizeof b, 0);
        if (r == 0)
            return true;
        if (r < 0)
            return false; /* a reset */
    }
}
