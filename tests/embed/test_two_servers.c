/* Two servers in one process, each serving its own clients with its own
 * plugin state: first both driven from one host loop (poll + tick), then each
 * running on its own thread (krpc_server_run, stopped from another thread).
 * Closing down tells the clients: their connections end in order. */
#include "check.h"
#include "counter_plugin.h"
#include "kclient.h"

#include <krpc/server.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void quiet_log(void *data, krpc_log_level level, const char *message) {
    (void)data, (void)level, (void)message;
}

static krpc_server *make_server(const char *name) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.endpoints[0].rpc_port = 0;
    cfg.endpoints[0].stream_port = 0;
    cfg.log_fn = quiet_log;
    krpc_server *srv = NULL;
    if (krpc_server_create(&cfg, &srv))
        return NULL;
    /* one descriptor, two servers: each gets its own state */
    if (krpc_server_add_plugin_with_data(srv, &counter_plugin, "static", (void *)name) ||
        krpc_server_start(srv)) {
        krpc_server_destroy(srv);
        return NULL;
    }
    return srv;
}

/* A call returning a value; NULL response or an error fail the check. */
static Krpc__Schema__Response *call_ok(kc *c, const char *service, const char *procedure) {
    Krpc__Schema__Response *r = kc_call(c, service, procedure, 0, NULL);
    bool ok = r && !r->error && r->n_results == 1 && !r->results[0]->error;
    CHECK(ok);
    if (!ok && r) {
        krpc__schema__response__free_unpacked(r, NULL);
        return NULL;
    }
    return r;
}

static void check_name(kc *c, const char *want) {
    Krpc__Schema__Response *r = call_ok(c, "Counter", "Name");
    char buf[64] = "";
    if (r) {
        kc_dec_string(&r->results[0]->value, buf, sizeof buf);
        krpc__schema__response__free_unpacked(r, NULL);
    }
    CHECK(strcmp(buf, want) == 0);
}

static int32_t increment(kc *c) {
    Krpc__Schema__Response *r = call_ok(c, "Counter", "Increment");
    int32_t v = r ? kc_dec_sint32(&r->results[0]->value) : -1;
    if (r)
        krpc__schema__response__free_unpacked(r, NULL);
    return v;
}

/* ---- one host loop, two servers ------------------------------------------ */

typedef struct shared {
    uint16_t ports[2][2]; /* [server][rpc, stream] */
    atomic_int step;      /* client: 1 = all connected (host checks counts), host: 2 = checked */
    atomic_bool done;
} shared;

static void *clients_of_two(void *arg) {
    shared *sh = arg;
    kc a1, a2, b1;
    CHECK(kc_connect(&a1, sh->ports[0][0], sh->ports[0][1], "a1") == 0);
    CHECK(kc_connect(&a2, sh->ports[0][0], 0, "a2") == 0);
    CHECK(kc_connect(&b1, sh->ports[1][0], sh->ports[1][1], "b1") == 0);
    check_name(&a1, "alpha");
    check_name(&b1, "beta");
    CHECK(increment(&a1) == 1);
    CHECK(increment(&a1) == 2);
    CHECK(increment(&b1) == 1);
    CHECK(increment(&a2) == 3); /* one state per server, shared by its clients */
    CHECK(increment(&b1) == 2);
    atomic_store(&sh->step, 1);
    while (atomic_load(&sh->step) != 2)
        usleep(1000);
    kc_close(&a1);
    kc_close(&a2);
    kc_close(&b1);
    atomic_store(&sh->done, true);
    return NULL;
}

static void one_loop_two_servers(void) {
    krpc_server *a = make_server("alpha"), *b = make_server("beta");
    CHECK(a && b);
    if (!a || !b) {
        krpc_server_destroy(a);
        krpc_server_destroy(b);
        return;
    }
    shared sh = {.step = 0, .done = false};
    sh.ports[0][0] = krpc_server_rpc_port(a, 0);
    sh.ports[0][1] = krpc_server_stream_port(a, 0);
    sh.ports[1][0] = krpc_server_rpc_port(b, 0);
    sh.ports[1][1] = krpc_server_stream_port(b, 0);
    CHECK(sh.ports[0][0] != sh.ports[1][0]);
    pthread_t t;
    pthread_create(&t, NULL, clients_of_two, &sh);
    while (!atomic_load(&sh.done)) {
        krpc_server_poll(a, 1);
        krpc_server_poll(b, 1);
        krpc_server_tick(a);
        krpc_server_tick(b);
        if (atomic_load(&sh.step) == 1) {
            CHECK(krpc_server_client_count(a) == 2);
            CHECK(krpc_server_client_count(b) == 1);
            atomic_store(&sh.step, 2);
        }
    }
    pthread_join(t, NULL);
    krpc_server_destroy(a);
    krpc_server_destroy(b);
}

/* ---- two servers, each on its own thread ---------------------------------- */

typedef struct runner {
    const char *name;
    krpc_server *srv; /* set once started */
    atomic_int rpc_port, stream_port; /* 0 until started, -1 on failure */
    pthread_t thread;
} runner;

/* Create, start, run and destroy a server, all on this thread. */
static void *run_server(void *arg) {
    runner *r = arg;
    krpc_server *srv = make_server(r->name);
    if (!srv) {
        atomic_store(&r->rpc_port, -1);
        return NULL;
    }
    r->srv = srv;
    atomic_store(&r->stream_port, krpc_server_stream_port(srv, 0));
    atomic_store(&r->rpc_port, krpc_server_rpc_port(srv, 0));
    krpc_server_run(srv);
    krpc_server_destroy(srv); /* tells its clients */
    return NULL;
}

static void thread_per_server(void) {
    runner rs[2] = {{.name = "one"}, {.name = "two"}};
    for (int i = 0; i < 2; i++) {
        atomic_init(&rs[i].rpc_port, 0);
        atomic_init(&rs[i].stream_port, 0);
        pthread_create(&rs[i].thread, NULL, run_server, &rs[i]);
    }
    for (int i = 0; i < 2; i++)
        while (atomic_load(&rs[i].rpc_port) == 0)
            usleep(1000);
    bool ok = atomic_load(&rs[0].rpc_port) > 0 && atomic_load(&rs[1].rpc_port) > 0;
    CHECK(ok);
    kc c[2] = {{.rpc = -1, .stream = -1}, {.rpc = -1, .stream = -1}};
    if (ok) {
        for (int i = 0; i < 2; i++)
            CHECK(kc_connect(&c[i], (uint16_t)atomic_load(&rs[i].rpc_port),
                             (uint16_t)atomic_load(&rs[i].stream_port), rs[i].name) == 0);
        check_name(&c[0], "one");
        check_name(&c[1], "two");
        for (int n = 1; n <= 5; n++)
            CHECK(increment(&c[0]) == n);
        CHECK(increment(&c[1]) == 1);
    }
    for (int i = 0; i < 2; i++) {
        if (atomic_load(&rs[i].rpc_port) > 0)
            krpc_server_stop(rs[i].srv); /* from another thread */
        pthread_join(rs[i].thread, NULL);
    }
    if (ok)
        for (int i = 0; i < 2; i++) {
            CHECK(kc_closed_in_order(c[i].rpc, 5000));
            CHECK(kc_closed_in_order(c[i].stream, 5000));
            kc_close(&c[i]);
        }
}

int main(void) {
    one_loop_two_servers();
    thread_per_server();
    return checks_report();
}
