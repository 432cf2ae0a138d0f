/* krpc-bench: the raw loopback echo, the physical floor every figure is
 * compared with. One thread with epoll (the kRPC server is one thread too)
 * serves every connection: it reads a framed message (varint length prefix,
 * or a masked WebSocket frame) and writes back a framed reply of the size the
 * real server's response has. No decoding, no dispatch: what is left is the
 * cost of the sockets and the framing. */
#include "bench.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct reply {
    bbuf framed[TR_COUNT];
    struct reply *older; /* kept until exit: the thread may still hold one */
} reply;

typedef struct econn {
    int fd;
    transport tr;
    bool upgraded; /* WebSocket: the HTTP upgrade is done */
    bool want_out; /* waiting for EPOLLOUT */
    bbuf in, out;
} econn;

static struct {
    pthread_t thread;
    int ep, stop_fd;
    int listeners[TR_COUNT];
    char path[108];
    _Atomic(reply *) current;
    bool running;
} E;

void echo_set_reply(const uint8_t *payload, size_t n) {
    reply *r = calloc(1, sizeof *r);
    for (int t = 0; t < TR_COUNT; t++)
        frame_server((transport)t, payload, n, &r->framed[t]);
    r->older = atomic_load(&E.current);
    atomic_store(&E.current, r);
}

static void econn_free(econn *c) {
    epoll_ctl(E.ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    bbuf_free(&c->in);
    bbuf_free(&c->out);
    free(c);
}

/* Write what is queued; false if the connection failed. */
static bool flush(econn *c) {
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        off += (size_t)w;
    }
    bbuf_consume(&c->out, off);
    bool want = c->out.len > 0;
    if (want != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(E.ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want;
    }
    return true;
}

static bool on_readable(econn *c) {
    bbuf_reserve(&c->in, 65536);
    for (;;) {
        ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (r == 0)
            return false;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        c->in.len += (size_t)r;
        if (c->in.len < c->in.cap)
            break;
        bbuf_reserve(&c->in, 65536);
    }
    size_t pos = 0;
    if (c->tr == TR_WS && !c->upgraded) {
        uint8_t *end = c->in.len >= 4 ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL;
        if (!end)
            return true;
        static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        bbuf_add(&c->out, ok, sizeof ok - 1);
        pos = (size_t)(end - c->in.data) + 4;
        c->upgraded = true;
    }
    reply *rep = atomic_load(&E.current);
    for (;;) {
        size_t hdr, plen;
        int st = frame_parse(c->tr, true, c->in.data + pos, c->in.len - pos, &hdr, &plen);
        if (st < 0)
            return false;
        if (st == 0)
            break;
        pos += hdr + plen;
        if (rep)
            bbuf_add(&c->out, rep->framed[c->tr].data, rep->framed[c->tr].len);
    }
    bbuf_consume(&c->in, pos);
    return c->out.len ? flush(c) : true;
}

static void *echo_main(void *arg) {
    (void)arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(E.ep, evs, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; i++) {
            void *ptr = evs[i].data.ptr;
            if (ptr == &E.stop_fd)
                return NULL;
            if ((int *)ptr >= E.listeners && (int *)ptr < E.listeners + TR_COUNT) {
                int l = *(int *)ptr;
                transport tr = (transport)((int *)ptr - E.listeners);
                for (;;) {
                    int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break;
                    if (tr != TR_LOCAL) {
                        int one = 1;
                        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    }
                    econn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->tr = tr;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(E.ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            econn *c = ptr;
            bool ok = true;
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                ok = on_readable(c);
            if (ok && (evs[i].events & EPOLLOUT))
                ok = flush(c);
            if (!ok)
                econn_free(c);
        }
    }
}

static int listen_tcp(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 512) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int echo_start(const char *dir, target targets[TR_COUNT]) {
    memset(targets, 0, sizeof(target) * TR_COUNT);
    E.ep = epoll_create1(EPOLL_CLOEXEC);
    E.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    for (int t = 0; t < TR_COUNT; t++) {
        targets[t].tr = (transport)t;
        strcpy(targets[t].host, "127.0.0.1");
    }
    E.listeners[TR_TCP] = listen_tcp(&targets[TR_TCP].rpc_port);
    E.listeners[TR_WS] = listen_tcp(&targets[TR_WS].rpc_port);
    snprintf(E.path, sizeof E.path, "%s/echo", dir);
    unlink(E.path);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", E.path);
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof a) < 0 || listen(u, 512) < 0) {
        if (u >= 0)
            close(u);
        u = -1;
    }
    E.listeners[TR_LOCAL] = u;
    snprintf(targets[TR_LOCAL].rpc_path, sizeof targets[TR_LOCAL].rpc_path, "%s", E.path);
    for (int t = 0; t < TR_COUNT; t++) {
        if (E.listeners[t] < 0)
            return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &E.listeners[t]};
        epoll_ctl(E.ep, EPOLL_CTL_ADD, E.listeners[t], &ev);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &E.stop_fd};
    epoll_ctl(E.ep, EPOLL_CTL_ADD, E.stop_fd, &ev);
    if (pthread_create(&E.thread, NULL, echo_main, NULL) != 0)
        return -1;
    E.running = true;
    return 0;
}

void echo_stop(void) {
    if (!E.running)
        return;
    uint64_t one = 1;
    if (write(E.stop_fd, &one, sizeof one) < 0)
        perror("krpc-bench: echo stop");
    pthread_join(E.thread, NULL);
    E.running = false;
    for (int t = 0; t < TR_COUNT; t++)
        close(E.listeners[t]);
    unlink(E.path);
    close(E.stop_fd);
    close(E.ep);
    reply *r = atomic_load(&E.current);
    while (r) {
        reply *o = r->older;
        for (int t = 0; t < TR_COUNT; t++)
            bbuf_free(&r->framed[t]);
        free(r);
        r = o;
    }
    atomic_store(&E.current, NULL);
}
