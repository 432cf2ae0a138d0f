/* The embedding API beyond create/start/poll/tick, with a client on another
 * thread while this one drives the server:
 *   - KRPC.Paused and KRPC.GameScene: the state the host sets, and clients'
 *     requests to change it through the host's handlers (or, without them,
 *     the "not supported" errors);
 *   - the host API members a statically registered plugin uses: user data,
 *     game scene, paused, and taking over the request handlers;
 *   - krpc_server_shutdown: a yielded call is answered, every connection ends
 *     in order, and no new connection is accepted. */
#include "check.h"
#include "kclient.h"

#include <krpc/server.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the Probe plugin: what a static plugin reaches through the host API -- */

typedef struct probe {
    const char *text;     /* the host's data */
    bool forever_started; /* Probe.Forever is executing */
    krpc_host *host;
    const krpc_host_api *api;
} probe;

static probe *probe_of(krpc_call *call) { return call->state; }

static int user_data(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    const probe *p = probe_of(call);
    const probe *data = p->api->user_data(p->host);
    krpc_set_string(call, result, data->text, strlen(data->text));
    return KRPC_OK;
}

static int enter_flight(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    probe *p = probe_of(call);
    p->api->set_game_scene(p->host, KRPC_SCENE_FLIGHT);
    return KRPC_OK;
}

static int scene_mask(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    probe *p = probe_of(call);
    result->u.u32 = p->api->game_scene(p->host);
    return KRPC_OK;
}

static int is_paused(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    probe *p = probe_of(call);
    result->u.b = p->api->paused(p->host);
    return KRPC_OK;
}

/* The plugin's own pause handler: pausing is fine, unpausing is not. */
static int probe_pause_handler(void *state, krpc_call *call, bool paused) {
    probe *p = state;
    if (!paused)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Probe keeps the game paused");
    p->api->set_paused(p->host, true);
    return KRPC_OK;
}

static int take_over_pause(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    probe *p = probe_of(call);
    p->api->on_paused_request(p->host, probe_pause_handler, p);
    return KRPC_OK;
}

static int forever_resume(krpc_call *call, void *state, krpc_value *result) {
    (void)result;
    return krpc_yield(call, forever_resume, state, NULL);
}

static int forever(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    ((probe *)probe_of(call)->api->user_data(probe_of(call)->host))->forever_started = true;
    return krpc_yield(call, forever_resume, NULL, NULL);
}

static int flight_only(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    result->u.i32 = 1;
    return KRPC_OK;
}

static int probe_init(krpc_host *host, const krpc_host_api *api, void **state) {
    if (!KRPC_HOST_API_HAS(api, on_paused_request))
        return -1;
    probe *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->host = host;
    p->api = api;
    *state = p;
    return 0;
}

static const krpc_procedure_decl probe_procedures[] = {
    {.name = "UserData", .fn = user_data, .returns = "string"},
    {.name = "EnterFlight", .fn = enter_flight},
    {.name = "SceneMask", .fn = scene_mask, .returns = "uint32"},
    {.name = "IsPaused", .fn = is_paused, .returns = "bool"},
    {.name = "TakeOverPause", .fn = take_over_pause},
    {.name = "Forever", .fn = forever, .returns = "sint32"},
    {.name = "FlightOnly", .fn = flight_only, .returns = "sint32", .game_scenes = KRPC_SCENE_FLIGHT},
    {0},
};

static const krpc_service_decl probe_services[] = {{.name = "Probe", .procedures = probe_procedures}, {0}};

static const krpc_plugin probe_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "Probe",
    .version = "1.0",
    .services = probe_services,
    .init = probe_init,
    .cleanup = free,
};

/* ---- the host's handlers -------------------------------------------------- */

typedef struct host {
    krpc_server *srv;
    probe shared; /* the plugin's user data */
    int pause_requests;
    bool last_pause_request;
    uint32_t last_scene_request;
} host;

static int host_pause_handler(void *data, krpc_call *call, bool paused) {
    (void)call;
    host *h = data;
    h->pause_requests++;
    h->last_pause_request = paused;
    krpc_server_set_paused(h->srv, paused); /* applied at once */
    return KRPC_OK;
}

static int host_scene_handler(void *data, krpc_call *call, uint32_t scene) {
    host *h = data;
    h->last_scene_request = scene;
    if (scene & KRPC_SCENE_EDITOR)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "No editor here");
    krpc_server_set_game_scene(h->srv, scene);
    return KRPC_OK;
}

/* ---- the client thread, and what it asks the host to do ------------------- */

enum { ACT_NONE, ACT_INSTALL_HANDLERS, ACT_CHECK_HANDLERS, ACT_UNPAUSE, ACT_SHUTDOWN, ACT_DONE };

typedef struct ctx {
    uint16_t rpc_port, stream_port;
    atomic_int action;
} ctx;

static void ask_host(ctx *c, int action) {
    atomic_store(&c->action, action);
    while (atomic_load(&c->action) != ACT_NONE)
        usleep(1000);
}

/* One call; returns the result (owned by *resp) or NULL on a request error. */
static Krpc__Schema__ProcedureResult *result_of(kc *c, Krpc__Schema__Response **resp, const char *service,
                                                const char *procedure, size_t nargs, const kc_value *args) {
    *resp = kc_call(c, service, procedure, nargs, args);
    CHECK(*resp && !(*resp)->error && (*resp)->n_results == 1);
    if (!*resp || (*resp)->error || (*resp)->n_results != 1)
        return NULL;
    return (*resp)->results[0];
}

static void expect_ok(kc *c, const char *service, const char *procedure, size_t nargs, const kc_value *args) {
    Krpc__Schema__Response *resp;
    Krpc__Schema__ProcedureResult *r = result_of(c, &resp, service, procedure, nargs, args);
    CHECK(r && !r->error);
    if (r && r->error)
        printf("  %s.%s: %s\n", service, procedure, r->error->description);
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
}

static void expect_error(kc *c, const char *service, const char *procedure, size_t nargs, const kc_value *args,
                         const char *err_service, const char *err_name, const char *description) {
    Krpc__Schema__Response *resp;
    Krpc__Schema__ProcedureResult *r = result_of(c, &resp, service, procedure, nargs, args);
    bool ok = r && r->error && strcmp(r->error->service, err_service) == 0 &&
              strcmp(r->error->name, err_name) == 0 && strcmp(r->error->description, description) == 0;
    CHECK(ok);
    if (!ok && r && r->error)
        printf("  %s.%s: got %s.%s '%s'\n", service, procedure, r->error->service, r->error->name,
               r->error->description);
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
}

static bool get_bool(kc *c, const char *service, const char *procedure) {
    Krpc__Schema__Response *resp;
    Krpc__Schema__ProcedureResult *r = result_of(c, &resp, service, procedure, 0, NULL);
    bool v = r && !r->error && kc_dec_bool(&r->value);
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
    return v;
}

static uint64_t get_uint(kc *c, const char *service, const char *procedure) {
    Krpc__Schema__Response *resp;
    Krpc__Schema__ProcedureResult *r = result_of(c, &resp, service, procedure, 0, NULL);
    uint64_t v = r && !r->error ? kc_dec_uint64(&r->value) : UINT64_MAX;
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
    return v;
}

static int32_t get_scene(kc *c) {
    Krpc__Schema__Response *resp;
    Krpc__Schema__ProcedureResult *r = result_of(c, &resp, "KRPC", "get_GameScene", 0, NULL);
    int32_t v = r && !r->error ? kc_dec_sint32(&r->value) : -1;
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
    return v;
}

static bool port_refuses(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool refused = connect(fd, (struct sockaddr *)&a, sizeof a) != 0;
    close(fd);
    return refused;
}

static void *client(void *arg) {
    ctx *cx = arg;
    kc c, idle;
    if (kc_connect(&c, cx->rpc_port, cx->stream_port, "probe") || kc_connect(&idle, cx->rpc_port, 0, "idle")) {
        CHECK(!"connect");
        ask_host(cx, ACT_DONE);
        return NULL;
    }
    kc_value t = kc_bool(true), f = kc_bool(false);
    kc_value flight = kc_sint32(1), space_center = kc_sint32(0), vab = kc_sint32(3), bad = kc_sint32(42);

    /* without handlers: today's behaviour */
    CHECK(!get_bool(&c, "KRPC", "get_Paused"));
    expect_error(&c, "KRPC", "set_Paused", 1, &t, "KRPC", "InvalidOperationException",
                 "Pausing is not supported by this server");
    expect_error(&c, "KRPC", "set_GameScene", 1, &flight, "KRPC", "InvalidOperationException",
                 "Changing the game scene is not supported by this server");
    CHECK(get_scene(&c) == 0);

    /* the host's handlers */
    ask_host(cx, ACT_INSTALL_HANDLERS);
    expect_ok(&c, "KRPC", "set_Paused", 1, &t);
    CHECK(get_bool(&c, "KRPC", "get_Paused"));
    CHECK(get_bool(&c, "Probe", "IsPaused"));
    expect_error(&c, "Probe", "FlightOnly", 0, NULL, "", "",
                 "Procedure not available in game scene 'SpaceCenter'");
    expect_ok(&c, "KRPC", "set_GameScene", 1, &flight);
    CHECK(get_scene(&c) == 1);
    expect_ok(&c, "Probe", "FlightOnly", 0, NULL);
    expect_error(&c, "KRPC", "set_GameScene", 1, &vab, "KRPC", "InvalidOperationException", "No editor here");
    expect_error(&c, "KRPC", "set_GameScene", 1, &bad, "KRPC", "ArgumentException", "Unknown game scene");
    CHECK(get_scene(&c) == 1);
    expect_ok(&c, "KRPC", "set_GameScene", 1, &space_center);
    CHECK(get_scene(&c) == 0);
    ask_host(cx, ACT_CHECK_HANDLERS);

    /* the host API of a static plugin */
    expect_ok(&c, "Probe", "EnterFlight", 0, NULL);
    CHECK(get_scene(&c) == 1);
    CHECK(get_uint(&c, "Probe", "SceneMask") == KRPC_SCENE_FLIGHT);
    {
        Krpc__Schema__Response *resp;
        Krpc__Schema__ProcedureResult *r = result_of(&c, &resp, "Probe", "UserData", 0, NULL);
        char buf[64] = "";
        if (r && !r->error)
            kc_dec_string(&r->value, buf, sizeof buf);
        CHECK(strcmp(buf, "the host's data") == 0);
        if (resp)
            krpc__schema__response__free_unpacked(resp, NULL);
    }
    /* a plugin takes the pause handler over from the host */
    expect_ok(&c, "Probe", "TakeOverPause", 0, NULL);
    expect_error(&c, "KRPC", "set_Paused", 1, &f, "KRPC", "InvalidOperationException",
                 "Probe keeps the game paused");
    CHECK(get_bool(&c, "KRPC", "get_Paused"));
    /* the host unpauses; clients see it */
    ask_host(cx, ACT_UNPAUSE);
    CHECK(!get_bool(&c, "KRPC", "get_Paused"));
    CHECK(!get_bool(&c, "Probe", "IsPaused"));

    /* shutdown with a call in progress */
    CHECK(kc_send_call(&c, "Probe", "Forever", 0, NULL) == 0);
    ask_host(cx, ACT_SHUTDOWN);
    Krpc__Schema__Response *resp = kc_recv_response(&c);
    CHECK(resp && resp->error && strcmp(resp->error->description, "The server is shutting down") == 0);
    if (resp)
        krpc__schema__response__free_unpacked(resp, NULL);
    CHECK(kc_closed_in_order(c.rpc, 5000));
    CHECK(kc_closed_in_order(c.stream, 5000));
    CHECK(kc_closed_in_order(idle.rpc, 5000));
    CHECK(port_refuses(cx->rpc_port));
    kc_close(&c);
    kc_close(&idle);
    ask_host(cx, ACT_DONE);
    return NULL;
}

static void quiet_log(void *data, krpc_log_level level, const char *message) {
    (void)data, (void)level, (void)message;
}

int main(void) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.endpoints[0].rpc_port = 0;
    cfg.endpoints[0].stream_port = 0;
    cfg.log_fn = quiet_log;
    host h = {.shared = {.text = "the host's data"}};
    CHECK(krpc_server_create(&cfg, &h.srv) == 0);
    if (!h.srv)
        return checks_report();
    CHECK(krpc_server_shutdown(h.srv, 0) == KRPC_ESTATE); /* not started */
    CHECK(krpc_server_add_plugin_with_data(h.srv, &probe_plugin, "static", &h.shared) == 0);
    CHECK(krpc_server_add_plugin_with_data(h.srv, &probe_plugin, "again", NULL) == KRPC_EPLUGIN);
    CHECK(krpc_server_start(h.srv) == 0);
    CHECK(krpc_server_add_plugin_with_data(h.srv, &probe_plugin, "late", NULL) == KRPC_ESTATE);
    CHECK(krpc_server_game_scene(h.srv) == KRPC_SCENE_SPACE_CENTER);
    CHECK(!krpc_server_paused(h.srv));

    ctx cx = {.rpc_port = krpc_server_rpc_port(h.srv, 0), .stream_port = krpc_server_stream_port(h.srv, 0)};
    atomic_init(&cx.action, ACT_NONE);
    pthread_t t;
    pthread_create(&t, NULL, client, &cx);
    bool running = true;
    while (running) {
        krpc_server_poll(h.srv, 1);
        krpc_server_tick(h.srv);
        switch (atomic_load(&cx.action)) {
        case ACT_NONE:
            continue;
        case ACT_INSTALL_HANDLERS:
            krpc_server_on_paused_request(h.srv, host_pause_handler, &h);
            krpc_server_on_game_scene_request(h.srv, host_scene_handler, &h);
            break;
        case ACT_CHECK_HANDLERS:
            CHECK(h.pause_requests == 1 && h.last_pause_request);
            CHECK(h.last_scene_request == KRPC_SCENE_SPACE_CENTER);
            CHECK(krpc_server_paused(h.srv));
            break;
        case ACT_UNPAUSE:
            krpc_server_set_paused(h.srv, false);
            break;
        case ACT_SHUTDOWN:
            while (!h.shared.forever_started) {
                krpc_server_poll(h.srv, 1);
                krpc_server_tick(h.srv);
            }
            CHECK(krpc_server_client_count(h.srv) == 2);
            CHECK(krpc_server_shutdown(h.srv, 2000) == 0);
            CHECK(krpc_server_client_count(h.srv) == 0);
            CHECK(krpc_server_shutdown(h.srv, 2000) == 0); /* once is enough */
            break;
        case ACT_DONE:
            running = false;
            break;
        }
        atomic_store(&cx.action, ACT_NONE);
    }
    pthread_join(t, NULL);
    CHECK(h.pause_requests == 1); /* the plugin's handler took the later ones */
    krpc_server_destroy(h.srv);
    return checks_report();
}
