/* The host API table handed to plugins (krpc/plugin.h section 3). */
#include "core/server_internal.h"
#include "krpc/function.h"
#include "streams/streams.h"

#include <stdio.h>
#include <string.h>

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }

static void *api_alloc(krpc_call *call, size_t size) { return arena_alloc(ctx_of(call)->a, size); }

static void api_set_string(krpc_call *call, krpc_value *out, const char *data, size_t len) {
    out->u.s.data = arena_strndup(ctx_of(call)->a, data ? data : "", data ? len : 0);
    out->u.s.len = data ? len : 0;
    out->is_null = false;
}

static int api_raise(krpc_call *call, krpc_error_kind kind, const char *message) {
    kcallctx *c = ctx_of(call);
    kerror_kind(c->err, c->a, kind, "%s", message ? message : "");
    return KRPC_ERROR;
}

static int api_raise_exception(krpc_call *call, const char *exception, const char *message) {
    kcallctx *c = ctx_of(call);
    const kexception *x = registry_exception(&c->srv->registry, c->proc->svc, exception ? exception : "");
    if (!x) {
        kerror_set(c->err, c->a, "", "", "%s (undeclared exception %s)", message ? message : "",
                   exception ? exception : "(null)");
        return KRPC_ERROR;
    }
    kerror_set(c->err, c->a, x->svc->name, x->name, "%s", message ? message : "");
    return KRPC_ERROR;
}

static int api_yield(krpc_call *call, krpc_resume_fn resume, void *state, void (*free_state)(void *)) {
    kcallctx *c = ctx_of(call);
    if (c->yielded && c->rstate && c->rstate != state && c->rfree)
        c->rfree(c->rstate); /* yielded twice in one call: keep the last */
    c->yielded = true;
    c->resume = resume;
    c->rstate = state;
    c->rfree = free_state;
    return KRPC_YIELD;
}

static const uint8_t *api_client_id(krpc_call *call) {
    kclient *cl = ctx_of(call)->client;
    static const uint8_t none[KRPC_CLIENT_ID_LEN];
    return cl ? cl->id : none;
}

static const char *api_client_name(krpc_call *call) {
    kclient *cl = ctx_of(call)->client;
    return cl ? cl->name : "";
}

/* Zeroed in the stream's own memory on first use (next to its arguments,
 * which the stream phase prefetches), the same bytes afterwards. */
static void *api_stream_memo(krpc_call *call, size_t size) {
    kcall *c = ctx_of(call)->call;
    if (!c || !c->keep || !size || size > KRPC_STREAM_MEMO_MAX)
        return NULL;
    if (!c->memo) {
        c->memo = arena_zalloc(c->keep, size);
        c->memo_size = size;
    }
    return c->memo_size == size ? c->memo : NULL;
}

static void api_object_destroyed(krpc_host *host, const char *class_name, void *obj) {
    krpc_server *srv = host->srv;
    for (size_t i = 0; i < srv->registry.nservices; i++) {
        kservice *s = srv->registry.services[i];
        if (s->plugin != host->plugin)
            continue;
        for (size_t j = 0; j < s->nclasses; j++)
            if (strcmp(s->classes[j]->name, class_name) == 0) {
                objects_destroy(&srv->objects, s->classes[j], obj);
                return;
            }
    }
    KLOG_WARN(&srv->log, "Plugin '%s' destroyed an object of unknown class '%s'", host->plugin->desc->name,
              class_name);
}

static int api_run_call(krpc_call *call, const krpc_value *procedure_call, char *errbuf, size_t errlen,
                        char *fullname, size_t fullname_size) {
    kcallctx *c = ctx_of(call);
    const kcall *src = procedure_call ? procedure_call->u.host : NULL;
    if (!src) {
        snprintf(errbuf, errlen, "no procedure call");
        return KRPC_ERROR;
    }
    if (fullname && fullname_size)
        snprintf(fullname, fullname_size, "%s", src->proc ? src->proc->fullname : "");
    /* binding fills defaults into the arguments: work on a copy */
    kcall k = *src;
    if (k.proc) {
        size_t n = k.proc->nparams ? k.proc->nparams : 1;
        k.args = arena_alloc(c->a, n * sizeof *k.args);
        memcpy(k.args, src->args, n * sizeof *k.args);
    }
    k.state = CALL_PENDING;
    k.resume = NULL;
    k.rstate = NULL;
    k.rfree = NULL;
    call_execute(c->srv, c->client, &k, c->a, true);
    if (k.state == CALL_YIELDED) {
        call_drop(&k);
        return KRPC_YIELD;
    }
    if (k.err.set) {
        snprintf(errbuf, errlen, "%s", k.err.description);
        return KRPC_ERROR;
    }
    return KRPC_OK;
}

static void api_log(krpc_host *host, int level, const char *message) {
    if (level < KRPC_LOG_ERROR)
        level = KRPC_LOG_ERROR;
    if (level > KRPC_LOG_DEBUG)
        level = KRPC_LOG_DEBUG;
    klog_write(&host->srv->log, (krpc_log_level)level, "[%s] %s", host->plugin->desc->name, message);
}

static krpc_host *api_host(krpc_call *call) {
    kcallctx *c = ctx_of(call);
    return c->proc && c->proc->svc->plugin ? c->proc->svc->plugin->host : NULL;
}

static void *api_user_data(krpc_host *host) { return host->user_data; }

static uint32_t api_game_scene(krpc_host *host) { return krpc_server_game_scene(host->srv); }

static void api_set_game_scene(krpc_host *host, uint32_t scene_mask) {
    krpc_server_set_game_scene(host->srv, scene_mask);
}

static bool api_paused(krpc_host *host) { return krpc_server_paused(host->srv); }

static void api_set_paused(krpc_host *host, bool paused) { krpc_server_set_paused(host->srv, paused); }

static void api_on_game_scene_request(krpc_host *host, krpc_game_scene_request_fn fn, void *state) {
    krpc_server_on_game_scene_request(host->srv, fn, state);
}

static void api_on_paused_request(krpc_host *host, krpc_paused_request_fn fn, void *state) {
    krpc_server_on_paused_request(host->srv, fn, state);
}

static const char *api_option(krpc_host *host, const char *key) {
    const kplugin *p = host->plugin;
    for (size_t i = 0; key && i < p->noptions; i++)
        if (strcmp(p->option_keys[i], key) == 0)
            return p->option_values[i];
    return NULL;
}

static int api_set_service_flags(krpc_host *host, const char *service, uint32_t flags) {
    if (!service || (flags & ~(uint32_t)KRPC_SERVICE_NULL_AS_ID0))
        return -1;
    /* the plugin's services: staged while its init runs, registered after */
    kregistry *r = &host->srv->registry;
    kservice **lists[2] = {r->staged, r->services};
    size_t counts[2] = {r->nstaged, r->nservices};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (lists[l][i]->plugin == host->plugin && strcmp(lists[l][i]->name, service) == 0) {
                lists[l][i]->flags = flags;
                return 0;
            }
    return -1;
}

static void api_on_client_disconnect(krpc_host *host, krpc_client_disconnect_fn fn, void *state) {
    host->plugin->on_disconnect = fn;
    host->plugin->on_disconnect_state = fn ? state : NULL;
}

void plugins_client_disconnected(krpc_server *srv, const kclient *c) {
    for (size_t i = 0; i < srv->registry.nplugins; i++) {
        kplugin *p = srv->registry.plugins[i];
        if (p->initialised && p->on_disconnect)
            p->on_disconnect(p->on_disconnect_state, c->id, c->name);
    }
}

const krpc_host_api krpc_host_api_v1 = {
    .size = sizeof(krpc_host_api),
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .alloc = api_alloc,
    .set_string = api_set_string,
    .raise = api_raise,
    .raise_exception = api_raise_exception,
    .yield = api_yield,
    .client_id = api_client_id,
    .client_name = api_client_name,
    .object_destroyed = api_object_destroyed,
    .event_create = streams_event_create,
    .event_trigger = streams_event_trigger,
    .event_remove = streams_event_remove,
    .event_release = streams_event_release,
    .run_call = api_run_call,
    .log = api_log,
    .host = api_host,
    .user_data = api_user_data,
    .game_scene = api_game_scene,
    .set_game_scene = api_set_game_scene,
    .paused = api_paused,
    .set_paused = api_set_paused,
    .on_game_scene_request = api_on_game_scene_request,
    .on_paused_request = api_on_paused_request,
    .option = api_option,
    .set_service_flags = api_set_service_flags,
    .on_client_disconnect = api_on_client_disconnect,
    .dump_expression = fn_dump_expression,
    .stream_memo = api_stream_memo,
};
