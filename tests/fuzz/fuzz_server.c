#include "fuzz_server.h"

#include "krpc.pb-c.h"
#include "net/framing.h"
#include "net/handshake.h"
#include "net/transport.h"
#include "rpc/objects.h"
#include "util/varint.h"
#include "util/clock.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif
#ifdef FZ_ASAN
#include <sanitizer/lsan_interface.h>
#endif

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef KRPC_FUZZ_TESTSERVICE_PATH
#define KRPC_FUZZ_TESTSERVICE_PATH "krpc-testservice.so"
#endif

static void quiet(void *data, krpc_log_level level, const char *message) {
    (void)data;
    (void)level;
    (void)message;
}

/* The TestService plugin's descriptor without its Benchmark service. */
static krpc_plugin testservice_only;
static krpc_service_decl testservice_decls[8];

static const krpc_plugin *load_testservice(void) {
    if (testservice_only.magic)
        return &testservice_only;
    const char *path = getenv("KRPC_FUZZ_TESTSERVICE");
    if (!path || !*path)
        path = KRPC_FUZZ_TESTSERVICE_PATH;
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "fuzz: cannot load the TestService plugin (%s); set KRPC_FUZZ_TESTSERVICE\n",
                dlerror());
        abort();
    }
    krpc_plugin_query_fn query;
    *(void **)&query = dlsym(dl, KRPC_PLUGIN_QUERY_SYMBOL);
    const krpc_plugin *p = query ? query(KRPC_PLUGIN_ABI_VERSION) : NULL;
    if (!p || !p->services || !p->services[0].name || strcmp(p->services[0].name, "TestService") != 0) {
        fprintf(stderr, "fuzz: %s is not the TestService plugin\n", path);
        abort();
    }
    /* the others stay: TestService refers to TestService2's class */
    size_t n = 0;
    for (const krpc_service_decl *d = p->services; d->name; d++) {
        if (strcmp(d->name, "Benchmark") == 0)
            continue;
        if (n + 1 == sizeof testservice_decls / sizeof testservice_decls[0]) {
            fprintf(stderr, "fuzz: the TestService plugin has more services than the harness expects\n");
            abort();
        }
        testservice_decls[n++] = *d;
    }
    testservice_only = *p;
    testservice_only.services = testservice_decls; /* (zeroed: the list's end) */
    return &testservice_only; /* the handle stays open for the process */
}

static krpc_server *current;
static bool verbose; /* $KRPC_FUZZ_VERBOSE: print what the server sends */
static unsigned long inputs;
static unsigned long generation; /* servers created so far */

unsigned long fz_server_generation(void) { return generation; }

const char *fz_serial_port;

static krpc_server *create(void) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.endpoints[0].rpc_port = 0;
    cfg.endpoints[0].stream_port = 0;
    cfg.n_endpoints = 2;
    cfg.endpoints[FZ_WEBSOCKETS] = (krpc_endpoint_config){.protocol = KRPC_PROTOCOL_WEBSOCKETS, .address = "127.0.0.1"};
    if (fz_serial_port) {
        cfg.n_endpoints = 3;
        cfg.endpoints[FZ_SERIAL] = (krpc_endpoint_config){.protocol = KRPC_PROTOCOL_SERIAL, .port = fz_serial_port,
                                                          .baud_rate = 115200};
    }
    cfg.log_fn = quiet;
    cfg.log_level = KRPC_LOG_LEVEL_ERROR;
    cfg.max_message_size = 1u << 20;
    krpc_server *srv;
    generation++;
    if (krpc_server_create(&cfg, &srv) || krpc_server_add_plugin(srv, load_testservice(), "fuzz") ||
        krpc_server_start(srv)) {
        fprintf(stderr, "fuzz: cannot start the server\n");
        abort();
    }
    return srv;
}

krpc_server *fz_server(void) {
    static unsigned long recycle;
    if (!recycle) {
        const char *e = getenv("KRPC_FUZZ_RECYCLE");
        recycle = e && atol(e) > 0 ? (unsigned long)atol(e) : 2000;
        verbose = getenv("KRPC_FUZZ_VERBOSE") && *getenv("KRPC_FUZZ_VERBOSE");
    }
    if (current && inputs++ % recycle == 0) {
        krpc_server_destroy(current);
        current = NULL;
#ifdef FZ_ASAN
        /* The server state lives across inputs, so libFuzzer's leak check
         * after each input would see it (run.sh turns that off for these
         * targets); instead nothing may be left unreachable once the server
         * that served the last inputs is gone. */
        if (__lsan_do_recoverable_leak_check()) {
            fprintf(stderr, "fuzz: memory leaked while serving the last %lu inputs "
                            "(KRPC_FUZZ_RECYCLE=1 checks each input alone)\n", recycle);
            abort();
        }
#endif
    }
    if (!current)
        current = create();
    return current;
}

void fz_shutdown(void) {
    if (current)
        krpc_server_destroy(current);
    current = NULL;
}

void fz_conn_open(fz_conn *fc, krpc_server *srv, conn_role role, fz_expect expect) {
    fz_conn_open_ep(fc, srv, FZ_TCP, role, expect);
}

/* Socketpairs outlive their connections: making and closing one per
 * connection cost a sixth of each input. The server's kconn gets a dup() of
 * a pair's server end, which its close releases; the harness never writes to
 * the socket and the server never shuts it down, so once the connection is
 * closed and everything it wrote has been read, the pair is as new. */
enum { FZ_PAIRS = 16 };
static struct {
    int srv_end, peer;
    bool busy;
} pairs[FZ_PAIRS];
static size_t npairs;

static bool drain(fz_conn *fc);

static int pair_take(int *peer) {
    size_t i = 0;
    while (i < npairs && pairs[i].busy)
        i++;
    if (i == npairs) {
        int sv[2];
        if (npairs == FZ_PAIRS || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)) {
            fprintf(stderr, "fuzz: no socketpair for a new connection (a target left %zu open)\n", npairs);
            abort();
        }
        pairs[npairs].srv_end = sv[0];
        pairs[npairs].peer = sv[1];
        npairs++;
    }
    pairs[i].busy = true;
    *peer = pairs[i].peer;
    return (int)i;
}

/* After fc's connection closed: its pair is free again if the server's dup
 * of it is closed and all it wrote has been read (and checked); otherwise
 * (a close still under way) the slot gets a new pair. */
static void pair_give_back(krpc_server *srv, fz_conn *fc) {
    drain(fc);
    bool open = false;
    for (kconn *k = srv->conns; k; k = k->next) {
        uv_os_fd_t fd;
        open |= uv_fileno(&k->h.handle, &fd) == 0 && fd == fc->srv_fd;
    }
    int i = fc->pair;
    if (open) {
        int sv[2];
        close(pairs[i].srv_end);
        close(pairs[i].peer);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
            abort();
        pairs[i].srv_end = sv[0];
        pairs[i].peer = sv[1];
    }
    pairs[i].busy = false;
}

void fz_conn_open_ep(fz_conn *fc, krpc_server *srv, size_t ep, conn_role role, fz_expect expect) {
    memset(fc, 0, sizeof *fc);
    fc->pair = pair_take(&fc->peer);
    int fd = fc->srv_fd = dup(pairs[fc->pair].srv_end);
    kconn *c = conn_new(srv, &srv->endpoints[ep], role);
    if (fd < 0 || uv_pipe_init(&srv->loop, &c->h.pipe, 0) || uv_pipe_open(&c->h.pipe, fd))
        abort();
    c->h.handle.data = c;
    snprintf(c->address, sizeof c->address, "fuzz");
    c->opened_ns = clock_now_ns();
    conn_register(c);
    if (ep == FZ_WEBSOCKETS)
        ws_attach(c); /* as conn_accepted does */
    fc->c = c;
    fc->expect = expect;
}

kclient *fz_client_open(krpc_server *srv, fz_conn *rpc, fz_conn *stream) {
    return fz_client_open_ep(srv, FZ_TCP, rpc, stream);
}

kclient *fz_client_open_ep(krpc_server *srv, size_t ep, fz_conn *rpc, fz_conn *stream) {
    bool ws = ep == FZ_WEBSOCKETS;
    fz_conn_open_ep(rpc, srv, ep, ROLE_RPC, ws ? FZ_WEBSOCKET_RPC : FZ_RESPONSES);
    rpc->http = ws ? 101 : 0;
    kclient *cl = client_create(srv, rpc->c, "fuzz", 4);
    rpc->c->client = cl;
    rpc->c->state = CONN_RPC;
    if (stream) {
        fz_conn_open_ep(stream, srv, ep, ROLE_STREAM, ws ? FZ_WEBSOCKET_STREAM : FZ_STREAM_UPDATES);
        stream->http = ws ? 101 : 0;
        cl->stream = stream->c;
        stream->c->client = cl;
        stream->c->state = CONN_STREAM;
    }
    return cl;
}

kclient *fz_known_client_open(krpc_server *srv, size_t ep, fz_conn *rpc) {
    static const uint8_t known_id[KRPC_CLIENT_ID_LEN] = {0x8f, 0x3c, 0x7a, 0x12, 0x9b, 0x44, 0xe1, 0x4d,
                                                         0xa0, 0x5c, 0x31, 0x77, 0x0e, 0x2a, 0x6b, 0xd9};
    kclient *cl = fz_client_open_ep(srv, ep, rpc, NULL);
    memcpy(cl->id, known_id, sizeof known_id);
    return cl;
}

static bool alive(krpc_server *srv, const kconn *c) {
    for (kconn *k = srv->conns; k; k = k->next)
        if (k == c)
            return true;
    return false;
}

/* What on_read in net/conn.c does with bytes that arrived. */
void fz_conn_feed(fz_conn *fc, const uint8_t *data, size_t len) {
    kconn *c = fc->c;
    if (!c || !alive(c->srv, c))
        return;
    if (c->state == CONN_CLOSING)
        return;
    if (c->ws) {
        kbuf_append(ws_read_buffer(c), data, len);
        status_count_read(c->srv, len);
        ws_input(c);
        return;
    }
    kbuf_append(&c->in, data, len);
    status_count_read(c->srv, len);
    switch (c->state) {
    case CONN_HANDSHAKE:
        handshake_input(c);
        break;
    case CONN_RPC:
        scheduler_client_input(c->srv, c->client);
        break;
    default:
        c->in.len = 0;
        break;
    }
}

static void fail(const char *what, const fz_conn *fc) {
    fprintf(stderr, "fuzz: %s (after %zu messages)\n", what, fc->seen);
    abort();
}

static void check_payload(fz_conn *fc, const uint8_t *m, size_t len, bool stream) {
    /* (the base is each message's first member) */
    ProtobufCMessage *msg = stream ? (ProtobufCMessage *)krpc__schema__stream_update__unpack(NULL, len, m)
                                   : (ProtobufCMessage *)krpc__schema__response__unpack(NULL, len, m);
    if (!msg)
        fail(stream ? "a binary frame from the server is not a StreamUpdate" : "a binary frame from the server is not a Response", fc);
    if (verbose)
        fprintf(stderr, "fuzz: WebSocket %s of %zu bytes\n", stream ? "StreamUpdate" : "Response", len);
    protobuf_c_message_free_unpacked(msg, NULL);
}

/* A WebSocket connection: an HTTP response; after a 101, unmasked frames
 * (binary: one Response or StreamUpdate; Close, Pong: at most 125 bytes). */
static void check_websocket(fz_conn *fc) {
    for (;;) {
        if (!fc->http) {
            const uint8_t *end = fc->out.len >= 4 ? memmem(fc->out.data, fc->out.len, "\r\n\r\n", 4) : NULL;
            if (!end)
                return;
            if (fc->out.len < 12 || memcmp(fc->out.data, "HTTP/1.1 ", 9) != 0)
                fail("the server's HTTP response does not start with HTTP/1.1", fc);
            fc->http = atoi((const char *)fc->out.data + 9);
            if (fc->http < 101 || fc->http > 599)
                fail("the server's HTTP status is not a number", fc);
            if (verbose)
                fprintf(stderr, "fuzz: HTTP %.*s\n", (int)(memchr(fc->out.data, '\r', fc->out.len) ? (const uint8_t *)memchr(fc->out.data, '\r', fc->out.len) - fc->out.data : 0), (const char *)fc->out.data);
            kbuf_consume(&fc->out, (size_t)(end + 4 - fc->out.data));
            fc->seen++;
            continue;
        }
        if (fc->http != 101) {
            fc->out.len = 0; /* a body without a length, then the close */
            return;
        }
        const uint8_t *p = fc->out.data;
        size_t n = fc->out.len;
        if (n < 2)
            return;
        if (p[1] & 0x80)
            fail("the server sent a masked frame", fc);
        uint64_t len = p[1] & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (n < 4)
                return;
            len = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (len == 127) {
            if (n < 10)
                return;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            h = 10;
        }
        if (n - h < len)
            return;
        uint8_t op = p[0] & 0x0f;
        if ((p[0] & 0x70) || !(p[0] & 0x80))
            fail("the server sent a fragment or set RSV bits", fc);
        if (op == 0x2)
            check_payload(fc, p + h, (size_t)len, fc->expect == FZ_WEBSOCKET_STREAM);
        else if (op == 0x8 || op == 0x9 || op == 0xa) {
            if (len > 125 || (op == 0x8 && len == 1))
                fail("the server sent a control frame of a bad size", fc);
        } else if (op != 0x1) {
            fail("the server sent a frame with an unknown opcode", fc);
        }
        fc->seen++;
        kbuf_consume(&fc->out, h + (size_t)len);
    }
}

/* Every whole message the server sent must parse as what this connection
 * carries at that point. */
static void check_messages(fz_conn *fc) {
    if (fc->expect == FZ_WEBSOCKET_RPC || fc->expect == FZ_WEBSOCKET_STREAM) {
        check_websocket(fc);
        return;
    }
    for (;;) {
        size_t header, len;
        frame_status st = frame_parse(fc->out.data, fc->out.len, 0x7fffffff, &header, &len);
        if (st == FRAME_INCOMPLETE)
            return;
        if (st != FRAME_OK) {
            fprintf(stderr, "fuzz: the server sent a malformed length prefix\n");
            abort();
        }
        const uint8_t *m = fc->out.data + header;
        bool handshake = fc->seen == 0 &&
                         (fc->expect == FZ_HANDSHAKE_THEN_RESPONSES || fc->expect == FZ_STREAM_HANDSHAKE_THEN_UPDATES);
        ProtobufCMessage *msg;
        const char *what;
        if (handshake) {
            what = "ConnectionResponse";
            msg = (ProtobufCMessage *)krpc__schema__connection_response__unpack(NULL, len, m);
        } else if (fc->expect == FZ_HANDSHAKE_THEN_RESPONSES || fc->expect == FZ_RESPONSES) {
            what = "Response";
            msg = (ProtobufCMessage *)krpc__schema__response__unpack(NULL, len, m);
        } else {
            what = "StreamUpdate";
            msg = (ProtobufCMessage *)krpc__schema__stream_update__unpack(NULL, len, m);
        }
        if (!msg) {
            fprintf(stderr, "fuzz: message %zu from the server (%zu bytes) is not a %s\n", fc->seen, len, what);
            abort();
        }
        if (verbose) {
            fprintf(stderr, "fuzz: %s of %zu bytes:", what, len);
            for (size_t i = 0; i < len && i < 48; i++)
                fprintf(stderr, " %02x", m[i]);
            fprintf(stderr, "%s\n", len > 48 ? " ..." : "");
        }
        protobuf_c_message_free_unpacked(msg, NULL);
        fc->seen++;
        kbuf_consume(&fc->out, header + len);
    }
}

/* Read what the server sent; true if anything came. */
static bool drain(fz_conn *fc) {
    if (fc->peer < 0 || fc->peer_closed)
        return false;
    bool got = false;
    static uint8_t buf[65536]; /* static: ASan would clear 64 kB of stack per call */
    for (;;) {
        ssize_t n = read(fc->peer, buf, sizeof buf);
        if (n > 0) {
            kbuf_append(&fc->out, buf, (size_t)n);
            got = true;
            continue;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            fc->peer_closed = true;
        break;
    }
    if (got)
        check_messages(fc);
    return got;
}

void fz_drain(krpc_server *srv, fz_conn *conns, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (conns[i].c && !alive(srv, conns[i].c))
            conns[i].c = NULL;
        drain(&conns[i]);
    }
}

void fz_settle(krpc_server *srv, fz_conn *conns, size_t n) {
    for (int round = 0; round < 1000; round++) {
        int active = uv_run(&srv->loop, UV_RUN_NOWAIT);
        bool got = false;
        for (size_t i = 0; i < n; i++) {
            if (conns[i].c && !alive(srv, conns[i].c))
                conns[i].c = NULL; /* the server closed it */
            got |= drain(&conns[i]);
        }
        bool writing = false;
        for (kconn *k = srv->conns; k; k = k->next)
            writing |= k->write_pending > 0;
        if (!got && !writing)
            return;
        (void)active;
    }
}

void fz_conn_close(krpc_server *srv, fz_conn *fc) {
    if (fc->c && alive(srv, fc->c))
        conn_close(fc->c); /* as on_read does at end of file */
    fc->c = NULL;
    fz_settle(srv, fc, 1);
    if (fc->peer >= 0)
        pair_give_back(srv, fc);
    fc->peer = -1;
    kbuf_free(&fc->out);
}

void fz_tick(krpc_server *srv) { krpc_server_tick(srv); }

void fz_check_clean(krpc_server *srv) {
    /* closes complete in the loop; gone clients are freed at the end of an update */
    for (int i = 0; i < 100 && srv->conns; i++)
        uv_run(&srv->loop, UV_RUN_NOWAIT);
    clients_reap(srv);
    const char *what = NULL;
    if (srv->conns)
        what = "a connection";
    else if (srv->nclients || srv->ring)
        what = "a client in the scheduler";
    else if (srv->clients)
        what = "a client";
    else if (srv->nstreams)
        what = "a stream";
    if (what) {
        fprintf(stderr, "fuzz: %s is left after every connection closed\n", what);
        abort();
    }
}

void fz_setup_objects(krpc_server *srv) {
    static unsigned long done;
    if (done == generation)
        return;
    done = generation;
    fz_conn conns[1];
    fz_client_open(srv, &conns[0], NULL);
    static char *const names[] = {"\x01" "a", "\x01" "b", "\x01" "c"};
    for (int i = 0; i < 3; i++) {
        /* TestService.CreateTestObject(name) */
        Krpc__Schema__Argument arg;
        krpc__schema__argument__init(&arg);
        arg.value.data = (uint8_t *)names[i];
        arg.value.len = 2;
        Krpc__Schema__Argument *args[] = {&arg};
        Krpc__Schema__ProcedureCall call;
        krpc__schema__procedure_call__init(&call);
        call.service = (char *)"TestService";
        call.procedure = (char *)"CreateTestObject";
        call.n_arguments = 1;
        call.arguments = args;
        Krpc__Schema__ProcedureCall *calls[] = {&call};
        Krpc__Schema__Request req;
        krpc__schema__request__init(&req);
        req.n_calls = 1;
        req.calls = calls;
        uint8_t buf[128];
        size_t n = krpc__schema__request__get_packed_size(&req);
        size_t h = varint_encode(buf, n);
        krpc__schema__request__pack(&req, buf + h);
        fz_conn_feed(&conns[0], buf, h + n);
        fz_settle(srv, conns, 1);
        /* a request over the update's time budget (a slow machine) is
         * served by the next update */
        fz_tick(srv);
        fz_settle(srv, conns, 1);
    }
    kobject *c = objects_get(&srv->objects, 3);
    if (!c || !objects_get(&srv->objects, 1) || !objects_get(&srv->objects, 2)) {
        fprintf(stderr, "fuzz: the TestService objects 1-3 were not created\n");
        abort();
    }
    objects_destroy(&srv->objects, c->cls, c->ptr);
    fz_conn_close(srv, &conns[0]);
    fz_tick(srv);
    fz_check_clean(srv);
}
