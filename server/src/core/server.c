/* The server object: configuration, start-up, the update tick and the loop
 * that drives it, shutdown. One thread does all of it (semantics.md 1). */
#include "core/server_internal.h"
#include "krpc/function.h"
#include "plugins/loader.h"
#include "registry/servicedefs.h"
#include "status/status_page.h"
#include "streams/streams.h"
#include "util/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef KRPC_VERSION
#define KRPC_VERSION "0.7.0"
#endif

const char *krpc_version(void) { return KRPC_VERSION; }

void krpc_server_config_defaults(krpc_server_config *c) {
    memset(c, 0, sizeof *c);
    c->one_rpc_per_update = false;
    c->max_time_per_update_us = 5000;
    c->adaptive_rate_control = true;
    c->blocking_recv = true;
    c->recv_timeout_us = 1000;
    c->tick_rate = 60;
    c->max_message_size = 64u << 20;
    c->max_clients = 10000;
    c->max_streams_per_client = 100000;
    c->max_send_buffer = 64u << 20;
    c->status_address = "127.0.0.1";
    c->status_port = 50080;
    c->handshake_timeout_ms = 3000;
    c->tick_hold_timeout_us = 1000000;
    c->version = NULL;
    c->game_scene = KRPC_SCENE_SPACE_CENTER;
    c->log_level = KRPC_LOG_LEVEL_INFO;
    c->n_endpoints = 1;
    c->endpoints[0] = (krpc_endpoint_config){
        .protocol = KRPC_PROTOCOL_TCP, .address = "127.0.0.1", .rpc_port = 50000, .stream_port = 50001};
}

static void on_stop_async(uv_async_t *a) {
    krpc_server *srv = a->data;
    if (srv->running)
        uv_stop(&srv->loop);
}

int krpc_server_create(const krpc_server_config *config, krpc_server **out) {
    if (!config || !out || config->n_endpoints > KRPC_MAX_ENDPOINTS || config->tick_rate < 0)
        return KRPC_EINVAL;
    krpc_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return KRPC_ENOMEM;
    srv->cfg = *config;
    srv->cfg.version = strdup(config->version ? config->version : KRPC_VERSION);
    if (!srv->cfg.max_message_size)
        srv->cfg.max_message_size = 64u << 20;
    if (!srv->cfg.handshake_timeout_ms)
        srv->cfg.handshake_timeout_ms = 3000;
    if (!srv->cfg.tick_hold_timeout_us)
        srv->cfg.tick_hold_timeout_us = 1000000; /* 0 would end every hold at once */
    if (!srv->cfg.tick_rate)
        srv->cfg.adaptive_rate_control = false; /* no frame pacing */
    /* the allowlist's strings are the caller's: keep copies */
    arena_init(&srv->config_mem);
    if (config->n_allow) {
        const char **allow = arena_alloc(&srv->config_mem, config->n_allow * sizeof *allow);
        for (size_t i = 0; i < config->n_allow; i++)
            allow[i] = arena_strdup(&srv->config_mem, config->allow[i]);
        srv->cfg.allow = allow;
    }
    srv->cfg.status_address = arena_strdup(&srv->config_mem,
                                           config->status_address ? config->status_address : "127.0.0.1");
    if (!srv->cfg.max_streams_per_client)
        srv->cfg.max_streams_per_client = 100000;
    if (!srv->cfg.max_send_buffer)
        srv->cfg.max_send_buffer = 64u << 20;
    srv->log = (klog){config->log_level, config->log_fn, config->log_data};
    srv->max_time_per_update_us = config->max_time_per_update_us;
    srv->game_scene = config->game_scene ? config->game_scene : KRPC_SCENE_SPACE_CENTER;
    if (uv_loop_init(&srv->loop)) {
        free((char *)srv->cfg.version);
        free(srv);
        return KRPC_EIO;
    }
    uv_timer_init(&srv->loop, &srv->tick_timer);
    srv->tick_timer.data = srv;
    uv_async_init(&srv->loop, &srv->stop_async, on_stop_async);
    srv->stop_async.data = srv;
    uv_unref((uv_handle_t *)&srv->stop_async);
    registry_init(&srv->registry);
    arena_init(&srv->stream_scratch);
    arena_init(&srv->shared_mem);
    objects_init(&srv->objects);
    srv->nendpoints = config->n_endpoints;
    for (size_t i = 0; i < srv->nendpoints; i++) {
        kendpoint *ep = &srv->endpoints[i];
        ep->srv = srv;
        ep->index = i;
        endpoint_init(ep, &config->endpoints[i]); /* net/endpoint.c */
    }
    int rc = krpc_server_add_plugin(srv, &krpc_core_plugin, "built-in");
    if (rc) {
        krpc_server_destroy(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int krpc_server_add_plugin(krpc_server *srv, const krpc_plugin *plugin, const char *origin) {
    if (srv->started)
        return KRPC_ESTATE;
    return loader_add(srv, plugin, origin, NULL, NULL);
}

int krpc_server_load_plugin(krpc_server *srv, const char *path) {
    if (srv->started)
        return KRPC_ESTATE;
    return loader_load_file(srv, path, NULL);
}

int krpc_server_load_plugin_dir(krpc_server *srv, const char *dir) {
    if (srv->started)
        return KRPC_ESTATE;
    return loader_load_dir(srv, dir);
}

int krpc_server_start(krpc_server *srv) {
    if (srv->started)
        return KRPC_ESTATE;
    int rc = loader_init_all(srv);
    if (rc)
        return rc;
    for (int g = 0; g < KGEN_COUNT; g++)
        servicedefs_encode(&srv->registry, (kgen)g, &srv->services_cache[g]);
    for (size_t i = 0; i < srv->nendpoints; i++) {
        rc = endpoint_start(&srv->endpoints[i]);
        if (rc)
            return rc;
    }
    rc = status_page_start(srv);
    if (rc)
        return rc;
    srv->started = true;
    srv->running = true;
    srv->status.last_update_ns = clock_now_ns();
    return 0;
}

uint16_t krpc_server_status_port(const krpc_server *srv) { return status_page_port(srv); }

uint16_t krpc_server_rpc_port(const krpc_server *srv, size_t endpoint) {
    return endpoint < srv->nendpoints ? srv->endpoints[endpoint].ports[ROLE_RPC] : 0;
}

uint16_t krpc_server_stream_port(const krpc_server *srv, size_t endpoint) {
    return endpoint < srv->nendpoints ? srv->endpoints[endpoint].ports[ROLE_STREAM] : 0;
}

/* Adaptive rate control (semantics.md 2.4). */
static void adapt_rate(krpc_server *srv, double dt) {
    if (!srv->cfg.adaptive_rate_control)
        return;
    if (dt > 1.0 / 59) {
        if (srv->max_time_per_update_us > 1000)
            srv->max_time_per_update_us -= 100;
    } else if (srv->status.exec_time_per_rpc_update < 0.001) {
        srv->max_time_per_update_us = 10000;
    } else if (srv->max_time_per_update_us < 25000) {
        srv->max_time_per_update_us += 100;
    }
}

/* The end of an update: the stream phase, statistics, and a new budget. */
static void finish_update(krpc_server *srv, uint64_t start, double dt) {
    uint64_t rpc_end = clock_now_ns();
    streams_phase(srv);
    uint64_t stream_end = clock_now_ns();
    status_end_update(srv, rpc_end - start, stream_end - rpc_end);
    if (!srv->held_this_update)
        adapt_rate(srv, dt); /* a held update lasted as long as its client wanted */
    srv->held_this_update = false;
    srv->update_owed = false;
    /* a new update: new budget, one more request per client */
    srv->update_count++;
    srv->exec_ns_this_update = 0;
    srv->poll_ns_this_update = 0;
    clients_reap(srv);
}

/* An update: the simulation's step (plugin ticks), the RPC phase, the stream
 * phase. While a client holds the tick (core/tick.c) nothing advances; a hold
 * taken in the RPC phase (a yielded HoldTick/NextTick resumed) leaves the
 * rest of the update for when it ends. */
void krpc_server_tick(krpc_server *srv) {
    if (!srv->started)
        return;
    uint64_t start = clock_now_ns();
    if (tick_held(srv)) {
        handshake_check_timeouts(srv, start);
        scheduler_held_poll(srv); /* requests that wait for an update (blocking_recv off) */
        clients_reap(srv);
        return;
    }
    double dt = srv->update_start_ns ? (double)(start - srv->update_start_ns) / 1e9 : 1.0 / 60;
    if (srv->update_owed)
        finish_update(srv, start, dt); /* the update a hold interrupted */
    srv->update_start_ns = start;
    double step = srv->cfg.tick_rate > 0 ? 1.0 / srv->cfg.tick_rate : 1.0 / 60;
    srv->tick_count++;
    for (size_t i = 0; i < srv->registry.nplugins; i++) {
        kplugin *p = srv->registry.plugins[i];
        if (p->initialised && p->desc->tick)
            p->desc->tick(p->state, step);
    }
    handshake_check_timeouts(srv, start);
    scheduler_rpc_phase(srv);
    if (tick_held(srv)) {
        srv->update_owed = true;
        return;
    }
    finish_update(srv, start, dt);
}

static void on_tick(uv_timer_t *t) {
    krpc_server *srv = t->data;
    krpc_server_tick(srv);
    uint64_t period = (uint64_t)(1e9 / srv->cfg.tick_rate);
    uint64_t now = clock_now_ns();
    srv->next_tick_ns += period;
    if (srv->next_tick_ns + period < now)
        srv->next_tick_ns = now; /* fell behind: do not try to catch up */
    uint64_t wait = srv->next_tick_ns > now ? srv->next_tick_ns - now : 0;
    uint64_t wait_ms = (wait + 999999) / 1000000;
    /* At least 1 ms: libuv (1.44) runs a timer restarted with 0 from its own
     * callback again in the same pass, before polling any socket, so a
     * server behind its tick rate would tick on and never read a client. */
    if (wait_ms == 0)
        wait_ms = 1;
    uv_update_time(&srv->loop);
    uv_timer_start(&srv->tick_timer, on_tick, wait_ms, 0);
}

static void on_idle(uv_idle_t *h) { krpc_server_tick(h->data); }

int krpc_server_run(krpc_server *srv) {
    if (!srv->started)
        return KRPC_ESTATE;
    uv_idle_t idle;
    if (srv->cfg.tick_rate > 0) {
        srv->next_tick_ns = clock_now_ns();
        uv_timer_start(&srv->tick_timer, on_tick, 0, 0);
    } else {
        uv_idle_init(&srv->loop, &idle);
        idle.data = srv;
        uv_idle_start(&idle, on_idle);
    }
    while (!atomic_load(&srv->stop_requested))
        uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&srv->tick_timer);
    if (srv->cfg.tick_rate <= 0) {
        uv_idle_stop(&idle);
        uv_close((uv_handle_t *)&idle, NULL);
        uv_run(&srv->loop, UV_RUN_NOWAIT);
    }
    return 0;
}

void krpc_server_stop(krpc_server *srv) {
    atomic_store(&srv->stop_requested, true);
    uv_async_send(&srv->stop_async);
}

static void on_poll_timeout(uv_timer_t *t) { (void)t; }

int krpc_server_poll(krpc_server *srv, int timeout_ms) {
    if (timeout_ms == 0)
        return uv_run(&srv->loop, UV_RUN_NOWAIT);
    if (timeout_ms < 0)
        return uv_run(&srv->loop, UV_RUN_ONCE);
    /* a timer bounds the wait; it is closed before returning */
    uv_timer_t t;
    uv_timer_init(&srv->loop, &t);
    uv_update_time(&srv->loop); /* else the timer counts from a stale time and may fire at once */
    uv_timer_start(&t, on_poll_timeout, (uint64_t)timeout_ms, 0);
    uv_run(&srv->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    return uv_run(&srv->loop, UV_RUN_NOWAIT);
}

int krpc_server_fd(const krpc_server *srv) { return uv_backend_fd(&srv->loop); }

void krpc_server_set_game_scene(krpc_server *srv, uint32_t scene_mask) { srv->game_scene = scene_mask; }

static void close_walk(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void krpc_server_destroy(krpc_server *srv) {
    if (!srv)
        return;
    srv->running = false;
    status_page_stop(srv); /* before our handles: lws closes its own */
    if (srv->started)
        krpc_server_shutdown(srv, 1000); /* tell clients (core/embed.c) */
    /* connections first (they free themselves in their close callbacks) */
    while (srv->conns)
        conn_abort(srv->conns);
    uv_run(&srv->loop, UV_RUN_NOWAIT);
    streams_free_all(srv);
    objects_clear(&srv->objects); /* release() may use plugin state: before cleanup */
    loader_cleanup_all(srv);
    for (size_t i = 0; i < srv->nendpoints; i++)
        endpoint_stop(&srv->endpoints[i]); /* listeners, ports, socket files */
    uv_walk(&srv->loop, close_walk, NULL);
    while (uv_run(&srv->loop, UV_RUN_NOWAIT))
        ;
    status_page_free(srv);
    uv_loop_close(&srv->loop);
    clients_reap(srv);
    loader_unload_all(srv);
    fn_free(srv);
    registry_free(&srv->registry);
    for (int g = 0; g < KGEN_COUNT; g++)
        kbuf_free(&srv->services_cache[g]);
    kbuf_free(&srv->scratch);
    free(srv->corked);
    for (size_t i = 0; i < srv->nendpoints; i++)
        endpoint_free(&srv->endpoints[i]);
    free((char *)srv->cfg.version);
    arena_free(&srv->config_mem);
    free(srv);
}
