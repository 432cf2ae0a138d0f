/* Holding the tick in an embedding host (kRPC 0.7, KRPC.HoldTick): the host
 * drives the server itself (poll + tick) and steps a simulation of its own;
 * while a client holds the tick, krpc_server_tick_held says so, the host
 * does not step, and plugins' tick callbacks are not called either. */
#include "check.h"
#include "kclient.h"

#include <krpc/server.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void quiet_log(void *data, krpc_log_level level, const char *message) {
    (void)data, (void)level, (void)message;
}

/* A plugin whose tick counts simulated steps. */
static uint64_t plugin_ticks;

static void tick(void *state, double dt) {
    (void)state, (void)dt;
    plugin_ticks++;
}

static int get_ticks(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    result->u.u64 = plugin_ticks;
    return KRPC_OK;
}

static const krpc_property_decl properties[] = {{.name = "Ticks", .type = "uint64", .get = get_ticks}, {0}};
static const krpc_service_decl services[] = {{.name = "Sim", .properties = properties}, {0}};
static const krpc_plugin sim_plugin = {.magic = KRPC_PLUGIN_MAGIC, .abi_version = KRPC_PLUGIN_ABI_VERSION,
                                       .name = "sim", .version = "1", .services = services, .tick = tick};

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A connection that announces protocol version 1 (kRPC 0.7). */
static int connect_v07(kc *c, uint16_t port, krpc_server *srv) {
    memset(c, 0, sizeof *c);
    c->stream = -1;
    c->rpc = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c->rpc < 0 || connect(c->rpc, (struct sockaddr *)&a, sizeof a))
        return -1;
    Krpc__Schema__ConnectionRequest req;
    krpc__schema__connection_request__init(&req);
    req.type = KRPC__SCHEMA__CONNECTION_REQUEST__TYPE__RPC;
    req.client_name = (char *)"host-test";
    req.protocol_version = 1;
    uint8_t buf[128];
    size_t n = krpc__schema__connection_request__get_packed_size(&req);
    buf[0] = (uint8_t)n;
    krpc__schema__connection_request__pack(&req, buf + 1);
    if (send(c->rpc, buf, n + 1, 0) != (ssize_t)(n + 1))
        return -1;
    /* the handshake completes while the host polls */
    uint8_t in[128];
    size_t got = 0;
    for (int i = 0; i < 500 && (got < 1 || got < (size_t)in[0] + 1); i++) {
        krpc_server_poll(srv, 10);
        struct pollfd p = {c->rpc, POLLIN, 0};
        if (poll(&p, 1, 0) == 1) {
            ssize_t r = recv(c->rpc, in + got, sizeof in - got, 0);
            if (r <= 0)
                return -1;
            got += (size_t)r;
        }
    }
    if (got < 1 || got < (size_t)in[0] + 1)
        return -1;
    Krpc__Schema__ConnectionResponse *resp = krpc__schema__connection_response__unpack(NULL, in[0], in + 1);
    int ok = resp && resp->status == KRPC__SCHEMA__CONNECTION_RESPONSE__STATUS__OK && resp->protocol_version == 1;
    krpc__schema__connection_response__free_unpacked(resp, NULL);
    return ok ? 0 : -1;
}

/* A call, answered while the host polls (without ticking). */
static Krpc__Schema__Response *host_call(krpc_server *srv, kc *c, const char *service, const char *procedure) {
    if (kc_send_call(c, service, procedure, 0, NULL))
        return NULL;
    for (int i = 0; i < 500; i++) {
        krpc_server_poll(srv, 10);
        struct pollfd p = {c->rpc, POLLIN, 0};
        if (poll(&p, 1, 0) == 1)
            return kc_recv_response(c);
    }
    return NULL;
}

static bool call_ok(krpc_server *srv, kc *c, const char *service, const char *procedure) {
    Krpc__Schema__Response *r = host_call(srv, c, service, procedure);
    bool ok = r && !r->error && r->n_results == 1 && !r->results[0]->error;
    if (r)
        krpc__schema__response__free_unpacked(r, NULL);
    return ok;
}

static uint64_t ticks_seen_by_client(krpc_server *srv, kc *c) {
    Krpc__Schema__Response *r = host_call(srv, c, "Sim", "get_Ticks");
    uint64_t v = r && r->n_results == 1 ? kc_dec_uint64(&r->results[0]->value) : UINT64_MAX;
    if (r)
        krpc__schema__response__free_unpacked(r, NULL);
    return v;
}

int main(void) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.endpoints[0].rpc_port = 0;
    cfg.endpoints[0].stream_port = 0;
    cfg.log_fn = quiet_log;
    cfg.tick_hold_timeout_us = 200000;
    krpc_server *srv = NULL;
    CHECK(krpc_server_create(&cfg, &srv) == 0);
    CHECK(krpc_server_add_plugin(srv, &sim_plugin, "static") == 0);
    CHECK(krpc_server_start(srv) == 0);
    kc c;
    CHECK(connect_v07(&c, krpc_server_rpc_port(srv, 0), srv) == 0);

    /* the host's own simulation, stepped when the tick is not held */
    uint64_t host_steps = 0;
    for (int i = 0; i < 3; i++) {
        if (!krpc_server_tick_held(srv))
            host_steps++;
        krpc_server_tick(srv);
    }
    CHECK(host_steps == 3 && plugin_ticks == 3);
    CHECK(!krpc_server_tick_held(srv));

    CHECK(call_ok(srv, &c, "KRPC", "HoldTick"));
    CHECK(krpc_server_tick_held(srv));
    uint64_t held = plugin_ticks;
    for (int i = 0; i < 5; i++) {
        if (!krpc_server_tick_held(srv))
            host_steps++;
        krpc_server_tick(srv);
        CHECK(ticks_seen_by_client(srv, &c) == held); /* served while held, one tick's state */
    }
    CHECK(plugin_ticks == held && host_steps == 3);

    CHECK(call_ok(srv, &c, "KRPC", "ReleaseTick"));
    CHECK(!krpc_server_tick_held(srv));
    krpc_server_tick(srv);
    CHECK(plugin_ticks == held + 1);

    /* a hold that times out */
    CHECK(call_ok(srv, &c, "KRPC", "HoldTick")); /* a new tick: held at once */
    krpc_server_tick(srv);
    CHECK(krpc_server_tick_held(srv));
    held = plugin_ticks;
    sleep_ms(250);
    CHECK(!krpc_server_tick_held(srv)); /* 200 ms timeout */
    krpc_server_tick(srv);
    CHECK(plugin_ticks == held + 1);

    kc_close(&c);
    krpc_server_destroy(srv);
    return checks_report();
}
