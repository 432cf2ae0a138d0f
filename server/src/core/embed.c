/* What a program embedding the server adds to create/start/poll/tick: the
 * game state it owns (scene, paused) and the handlers of clients' requests to
 * change it, plugins registered with a pointer to the host's data, and a clean
 * shutdown that tells clients. */
#include "core/server_internal.h"
#include "plugins/loader.h"
#include "util/clock.h"

#include <sys/socket.h>

uint32_t krpc_server_game_scene(const krpc_server *srv) { return srv->game_scene; }

void krpc_server_set_paused(krpc_server *srv, bool paused) { srv->paused = paused; }

bool krpc_server_paused(const krpc_server *srv) { return srv->paused; }

void krpc_server_on_game_scene_request(krpc_server *srv, krpc_game_scene_request_fn fn, void *data) {
    srv->scene_request = fn;
    srv->scene_request_state = data;
}

void krpc_server_on_paused_request(krpc_server *srv, krpc_paused_request_fn fn, void *data) {
    srv->paused_request = fn;
    srv->paused_request_state = data;
}

size_t krpc_server_client_count(const krpc_server *srv) { return srv->nclients; }

/* user_data is set before the plugin's init runs, so init can use it. */
int krpc_server_add_plugin_with_data(krpc_server *srv, const krpc_plugin *plugin, const char *origin,
                                     void *user_data) {
    if (srv->started)
        return KRPC_ESTATE;
    return loader_add(srv, plugin, origin, NULL, user_data);
}

int krpc_server_load_plugin_with_data(krpc_server *srv, const char *path, void *user_data) {
    if (srv->started)
        return KRPC_ESTATE;
    return loader_load_file(srv, path, user_data);
}

/* ---- shutdown ------------------------------------------------------------ */

/* Answer a request that is still executing (yielded) before its connection
 * goes, so its client is not left waiting for a response that never comes. */
static void answer_active(krpc_server *srv) {
    arena a;
    arena_init(&a);
    for (kclient *c = srv->clients; c; c = c->all_next) {
        if (!c->active)
            continue;
        if (c->rpc && c->rpc->state == CONN_RPC) {
            kerror err = {0};
            kerror_set(&err, &a, "", "", "The server is shutting down");
            respond_error(srv, c->rpc, &err);
        }
        request_free(c->active);
        c->active = NULL;
    }
    arena_free(&a);
}

/* Discard what a client sent that nobody will read: closing a socket with
 * unread input resets the connection, and a reset can destroy the responses
 * the client has not read yet. */
static void discard_input(kconn *c) {
    uv_os_fd_t fd;
    if (uv_fileno(&c->h.handle, &fd) != 0)
        return;
    char buf[4096];
    while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;
}

static void on_deadline(uv_timer_t *t) { *(bool *)t->data = true; }

int krpc_server_shutdown(krpc_server *srv, int timeout_ms) {
    if (!srv->started)
        return KRPC_ESTATE;
    if (srv->shut_down)
        return 0;
    srv->shut_down = true;
    srv->running = false; /* nothing new is served from here on */
    uv_timer_stop(&srv->tick_timer);
    for (size_t i = 0; i < srv->nendpoints; i++)
        for (int r = 0; r < 2; r++) {
            uv_handle_t *l = (uv_handle_t *)&srv->endpoints[i].listeners[r];
            if (srv->endpoints[i].listening[r] && !uv_is_closing(l))
                uv_close(l, NULL);
        }
    answer_active(srv);
    size_t n = srv->nconns;
    for (kconn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        if (c->state == CONN_CLOSING)
            continue;
        discard_input(c);
        conn_close(c); /* after its queued bytes are out */
    }
    KLOG_INFO(&srv->log, "Shutting down: closed %zu connection(s)", n);
    /* let the queued bytes go out */
    bool expired = false;
    uv_timer_t deadline;
    uv_timer_init(&srv->loop, &deadline);
    deadline.data = &expired;
    if (timeout_ms >= 0)
        uv_timer_start(&deadline, on_deadline, (uint64_t)timeout_ms, 0);
    while (srv->conns && !expired)
        uv_run(&srv->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&deadline, NULL);
    if (srv->conns)
        KLOG_WARN(&srv->log, "Shutting down: %zu connection(s) still sending after %d ms; dropped", srv->nconns,
                  timeout_ms);
    while (srv->conns)
        conn_abort(srv->conns);
    uv_run(&srv->loop, UV_RUN_NOWAIT);
    clients_reap(srv);
    return 0;
}
