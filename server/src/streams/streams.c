/* Streams and events: registration (AddStream with per-client dedup), the
 * stream phase (rate limits, yields, change detection on the wire encoding,
 * one StreamUpdate per client), errors sent once, and events fired by
 * plugins from any thread or by conditions. */
#include "streams/streams.h"

#include "krpc.pb-c.h"
#include "krpc/expression.h"
#include "krpc/function.h"
#include "rpc/value.h"
#include "util/clock.h"
#include "util/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kstream kstream;

struct krpc_event {
    atomic_int refs;            /* the host's and the plugin's */
    atomic_bool triggered;
    atomic_bool remove_requested;
    atomic_bool gone;           /* the host dropped it */
    krpc_event_condition_fn condition;
    kcondition_fn icondition;
    void *state;
    void (*free_state)(void *);
    bool ending; /* 0.7: removed on an update it fired; the error result follows */
};

struct kstream {
    uint64_t id;
    kclient *client;
    bool started;
    bool rate_started; /* the rate timer runs from the first StartStream */
    float rate;
    uint64_t last_eval_ns;
    bool remove_requested;
    bool remove_after_send;
    /* the call: a stream owns its decoded arguments */
    arena mem;
    kcall call;
    uint8_t *key; /* procedure and encoded bound arguments, for dedup */
    size_t keylen;
    /* the last value */
    bool has_value;
    bool value_null;
    kbuf value;
    kerror err; /* strings in mem */
    bool changed;
    krpc_event *event; /* events only */
    /* function streams only */
    kvalue_fn fn;
    void *fn_state;
    void (*fn_free)(void *);
    kstream *next;
};

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }
static void set_value(kstream *s, bool is_null, const uint8_t *v, size_t n);
static void set_error(kstream *s, const kerror *e);

static void event_unref(krpc_event *ev) {
    if (atomic_fetch_sub(&ev->refs, 1) == 1)
        free(ev);
}

static void stream_free(krpc_server *srv, kstream *s) {
    if (s->call.state == CALL_YIELDED)
        call_drop(&s->call);
    if (s->event) {
        krpc_event *ev = s->event;
        atomic_store(&ev->gone, true);
        if (ev->free_state && ev->state)
            ev->free_state(ev->state);
        ev->state = NULL;
        event_unref(ev);
    }
    if (s->fn && s->fn_free && s->fn_state)
        s->fn_free(s->fn_state);
    arena_free(&s->mem);
    kbuf_free(&s->value);
    srv->nstreams--;
    s->client->nstreams--;
    free(s);
}

static kstream *find(kclient *cl, uint64_t id) {
    for (kstream *s = cl->streams; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

static kstream *stream_new(krpc_server *srv, kclient *cl) {
    kstream *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    arena_init(&s->mem);
    s->id = srv->next_stream_id++;
    s->client = cl;
    kstream **tail = &cl->streams;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    srv->nstreams++;
    cl->nstreams++;
    return s;
}

static void start(kstream *s) {
    s->started = true;
    if (!s->rate_started) {
        s->rate_started = true;
        s->last_eval_ns = clock_now_ns();
    }
    if (s->has_value || s->err.set)
        s->changed = true; /* a second handle of this stream gets its value */
}

static int need_stream_connection(krpc_call *call) {
    if (!ctx_of(call)->client->stream)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, NO_STREAM_CLIENT_TEXT);
    return 0;
}

/* The per-client limit on streams and events (limits.max_streams_per_client). */
static int need_room(krpc_call *call) {
    kcallctx *c = ctx_of(call);
    if (c->client->nstreams >= c->srv->cfg.max_streams_per_client) {
        char msg[160];
        snprintf(msg, sizeof msg, "This client already has %zu streams, the server's limit",
                 c->srv->cfg.max_streams_per_client);
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, msg);
    }
    return 0;
}

/* Stream{id} or Event{stream{id}} as a result value. */
static void id_result(krpc_call *call, uint64_t id, bool event, krpc_value *result) {
    uint8_t buf[2 + 1 + VARINT_MAX];
    size_t n = 0;
    uint8_t inner[1 + VARINT_MAX];
    size_t m = 0;
    if (id) {
        inner[m++] = 0x08;
        m += varint_encode(inner + m, id);
    }
    if (event) {
        buf[n++] = 0x0a;
        buf[n++] = (uint8_t)m;
    }
    memcpy(buf + n, inner, m);
    n += m;
    kbytes *b = krpc_alloc(call, sizeof *b);
    uint8_t *d = krpc_alloc(call, n ? n : 1);
    memcpy(d, buf, n);
    b->data = d;
    b->len = n;
    result->u.host = b;
}

int streams_krpc_add_stream(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    krpc_server *srv = c->srv;
    if (need_stream_connection(call))
        return KRPC_ERROR;
    const kcall *src = args[0].u.host;
    if (!src->proc) {
        *c->err = src->lookup_err;
        return KRPC_ERROR;
    }
    const kproc *p = src->proc;
    if (!p->ret)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION,
                          "Cannot create a stream for a procedure that does not return a value.");
    /* functions are streamed with AddFunctionStream (kRPC 0.7): streaming
     * RunFunction would run one every update, AddFunctionStream/AddEvent add
     * a stream every update, and a StateVariable would be built again */
    if (fn_not_streamable(p))
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "KRPC.RunFunction, KRPC.AddFunctionStream, KRPC.AddEvent and "
                                                   "KRPC.Expression.StateVariable cannot be streamed (use "
                                                   "AddFunctionStream)");
    /* the call with arguments of its own; kept if this is a new stream */
    arena mem;
    arena_init(&mem);
    kcall captured;
    const uint8_t *key;
    size_t keylen;
    if (call_capture(srv, src, c->a, &mem, &captured, &key, &keylen, c->err)) {
        arena_free(&mem);
        return KRPC_ERROR;
    }
    bool want_start = args[1].u.b;
    kstream *s = NULL;
    if (gen_dedups_streams(c->client->gen))
        for (s = c->client->streams; s; s = s->next)
            if (!s->event && s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
                break;
    if (s) {
        arena_free(&mem);
        s->remove_requested = false; /* re-added before its removal was applied */
    } else {
        if (need_room(call)) {
            arena_free(&mem);
            return KRPC_ERROR;
        }
        s = stream_new(srv, c->client);
        arena_move(&s->mem, &mem);
        s->call = captured;
        s->key = (uint8_t *)key;
        s->keylen = keylen;
    }
    if (want_start)
        start(s);
    id_result(call, s->id, false, result);
    return KRPC_OK;
}

/* A stream of the calling client, or NULL: an error raised (*rc), or, for
 * 0.7 clients, an id that was issued and has ended (a no-op, *rc KRPC_OK;
 * core/protocol.h gen_ended_stream_ids_are_noops). */
static kstream *lookup_or_raise(krpc_call *call, uint64_t id, int *rc) {
    *rc = KRPC_ERROR;
    if (need_stream_connection(call))
        return NULL;
    kclient *cl = ctx_of(call)->client;
    kstream *s = find(cl, id);
    if (s)
        return s;
    if (!gen_ended_stream_ids_are_noops(cl->gen)) {
        krpc_raise(call, KRPC_ERR_INVALID_OPERATION, NO_SUCH_STREAM_TEXT);
    } else if (id < ctx_of(call)->srv->next_stream_id) {
        *rc = KRPC_OK;
    } else {
        char msg[96];
        snprintf(msg, sizeof msg, "No stream has the id %llu", (unsigned long long)id);
        krpc_raise(call, KRPC_ERR_ARGUMENT, msg);
    }
    return NULL;
}

int streams_krpc_start_stream(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    int rc;
    kstream *s = lookup_or_raise(call, args[0].u.u64, &rc);
    if (!s)
        return rc;
    start(s);
    return KRPC_OK;
}

int streams_krpc_set_stream_rate(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    int rc;
    kstream *s = lookup_or_raise(call, args[0].u.u64, &rc);
    if (!s)
        return rc;
    s->rate = args[1].u.f > 0 ? args[1].u.f : 0;
    return KRPC_OK;
}

int streams_krpc_remove_stream(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    if (need_stream_connection(call))
        return KRPC_ERROR;
    kstream *s = find(ctx_of(call)->client, args[0].u.u64);
    if (s) {
        s->remove_requested = true; /* applied at the start of the next stream phase */
        s->client->stream_removals = true;
    } else if (gen_ended_stream_ids_are_noops(ctx_of(call)->client->gen) &&
               args[0].u.u64 >= ctx_of(call)->srv->next_stream_id) {
        char msg[96];
        snprintf(msg, sizeof msg, "No stream has the id %llu", (unsigned long long)args[0].u.u64);
        return krpc_raise(call, KRPC_ERR_ARGUMENT, msg);
    }
    return KRPC_OK;
}

static krpc_event *event_new(krpc_call *call, krpc_event_condition_fn cond, kcondition_fn icond,
                             void *state, void (*free_state)(void *), krpc_value *result, int refs) {
    kcallctx *c = ctx_of(call);
    if (need_stream_connection(call) || need_room(call))
        return NULL;
    krpc_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        abort();
    atomic_init(&ev->refs, refs);
    ev->condition = cond;
    ev->icondition = icond;
    ev->state = state;
    ev->free_state = free_state;
    kstream *s = stream_new(c->srv, c->client);
    s->event = ev;
    if (gen_events_start_on_creation(c->client->gen))
        start(s);
    id_result(call, s->id, true, result);
    return ev;
}

krpc_event *streams_event_create(krpc_call *call, krpc_event_condition_fn condition, void *state,
                                 void (*free_state)(void *), krpc_value *result) {
    return event_new(call, condition, NULL, state, free_state, result, 2);
}

krpc_event *streams_event_create_internal(krpc_call *call, kcondition_fn condition, void *state,
                                          void (*free_state)(void *), krpc_value *result) {
    return event_new(call, NULL, condition, state, free_state, result, 1);
}

void streams_event_trigger(krpc_event *ev) {
    if (ev && !atomic_load(&ev->gone))
        atomic_store(&ev->triggered, true);
}

void streams_event_remove(krpc_event *ev) {
    if (ev && !atomic_load(&ev->gone))
        atomic_store(&ev->remove_requested, true);
}

void streams_event_release(krpc_event *ev) {
    if (ev)
        event_unref(ev);
}

int streams_function_create(krpc_call *call, kvalue_fn fn, void *state, void (*free_state)(void *),
                            krpc_value *result) {
    kcallctx *c = ctx_of(call);
    if (need_stream_connection(call) || need_room(call))
        return KRPC_ERROR;
    kstream *s = stream_new(c->srv, c->client);
    s->fn = fn;
    s->fn_state = state;
    s->fn_free = free_state;
    start(s);
    id_result(call, s->id, false, result);
    return KRPC_OK;
}

static void eval_function(krpc_server *srv, kstream *s) {
    kerror err = {0};
    bool is_null = false;
    kbuf b = {0}; /* not srv->scratch: the calls the function makes use it */
    if (s->fn(srv, s->client, s->fn_state, &srv->stream_scratch, &is_null, &b, &err))
        set_error(s, &err);
    else
        set_value(s, is_null, b.data, b.len); /* sent only when its encoding changed */
    kbuf_free(&b);
}

int streams_krpc_add_event(krpc_call *call, const krpc_value *args, krpc_value *result) {
    if (need_stream_connection(call))
        return KRPC_ERROR;
    return expression_add_event(call, args[0].u.obj.ptr, result);
}

/* ---- the stream phase -------------------------------------------------- */

static void set_value(kstream *s, bool is_null, const uint8_t *v, size_t n) {
    /* (a null keeps its bytes: KRPC_SERVICE_NULL_AS_ID0 sends id 0 with it) */
    bool changed = !s->has_value || s->value_null != is_null || s->value.len != n ||
                   (n && memcmp(s->value.data, v, n) != 0);
    s->has_value = true;
    s->value_null = is_null;
    s->value.len = 0;
    kbuf_append(&s->value, v, n);
    if (changed)
        s->changed = true;
}

static void set_error(kstream *s, const kerror *e) {
    s->err.set = true;
    s->err.service = arena_strdup(&s->mem, e->service ? e->service : "");
    s->err.name = arena_strdup(&s->mem, e->name ? e->name : "");
    s->err.description = arena_strdup(&s->mem, e->description ? e->description : "");
    s->err.kind = e->kind;
    s->changed = true;
    s->remove_after_send = true;
    s->client->stream_removals = true;
}

/* Results of KRPC_SHARED calls in this stream phase, by call key. */
typedef struct shared_result {
    const uint8_t *key;
    size_t keylen;
    kgen gen; /* encodings differ by protocol generation */
    kcall outcome; /* err, is_null, value (in the phase's memory) */
    struct shared_result *next;
} shared_result;

static shared_result *shared_find(krpc_server *srv, const kstream *s) {
    shared_result *r = u64map_get(&srv->shared_results, hash_bytes(s->key, s->keylen));
    for (; r; r = r->next)
        if (r->keylen == s->keylen && r->gen == s->client->gen && memcmp(r->key, s->key, s->keylen) == 0)
            return r;
    return NULL;
}

static void shared_store(krpc_server *srv, const kstream *s) {
    arena *a = &srv->shared_mem;
    shared_result *r = arena_zalloc(a, sizeof *r);
    r->key = s->key;
    r->keylen = s->keylen;
    r->gen = s->client->gen;
    r->outcome.is_null = s->call.is_null;
    if (s->call.err.set) {
        r->outcome.err.set = true;
        r->outcome.err.service = arena_strdup(a, s->call.err.service ? s->call.err.service : "");
        r->outcome.err.name = arena_strdup(a, s->call.err.name ? s->call.err.name : "");
        r->outcome.err.description = arena_strdup(a, s->call.err.description ? s->call.err.description : "");
        r->outcome.err.kind = s->call.err.kind;
    } else {
        uint8_t *v = arena_alloc(a, s->call.value_len ? s->call.value_len : 1);
        if (s->call.value_len)
            memcpy(v, s->call.value, s->call.value_len);
        r->outcome.value = v;
        r->outcome.value_len = s->call.value_len;
    }
    uint64_t h = hash_bytes(s->key, s->keylen);
    r->next = u64map_get(&srv->shared_results, h);
    u64map_put(&srv->shared_results, h, r);
}

static void publish(kstream *s, const kcall *outcome) {
    if (outcome->err.set)
        set_error(s, &outcome->err);
    else
        set_value(s, outcome->is_null, outcome->value, outcome->value_len);
}

static void eval_call(krpc_server *srv, kstream *s) {
    bool first = s->call.state != CALL_YIELDED;
    bool shared = s->call.proc->shared && first;
    if (shared) {
        shared_result *r = shared_find(srv, s);
        if (r) {
            publish(s, &r->outcome);
            return;
        }
    }
    if (first)
        s->call.state = CALL_PENDING;
    call_execute(srv, s->client, &s->call, &srv->stream_scratch, first);
    if (s->call.state == CALL_YIELDED)
        return;
    if (shared)
        shared_store(srv, s);
    publish(s, &s->call);
    s->call.state = CALL_PENDING;
}

static void eval_event(krpc_server *srv, kstream *s) {
    krpc_event *ev = s->event;
    if (ev->ending) { /* its last firing went out last update: now the end */
        kerror err = {0};
        kerror_set(&err, &srv->stream_scratch, "KRPC", "StreamRemovedException",
                   "The event was removed by the service that created it");
        set_error(s, &err);
        return;
    }
    bool fire = atomic_exchange(&ev->triggered, false);
    if (ev->condition && ev->condition(ev, ev->state))
        fire = true;
    if (ev->icondition) {
        kerror err = {0};
        bool f = false;
        if (ev->icondition(srv, s->client, ev->state, &srv->stream_scratch, &f, &err)) {
            set_error(s, &err);
            return;
        }
        fire = fire || f;
    }
    if (fire) {
        static const uint8_t yes = 1;
        s->has_value = true;
        s->value_null = false;
        s->value.len = 0;
        kbuf_append(&s->value, &yes, 1);
        s->changed = true;
    }
    if (atomic_load(&ev->remove_requested)) {
        if (gen_ends_removed_events_with_error(s->client->gen)) {
            /* 0.7: the event's last result is KRPC.StreamRemovedException,
             * sent on an update after any firing still to be sent */
            ev->ending = true;
            if (!fire)
                eval_event(srv, s);
            return;
        }
        s->remove_after_send = true;
        s->client->stream_removals = true;
    }
}

/* A string field of Error, left out when empty (proto3). */
static void string_field(kbuf *b, uint8_t key, const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (!n)
        return;
    kbuf_varint(b, key);
    kbuf_varint(b, n);
    kbuf_append(b, s, n);
}

/* Append a changed stream's StreamResult to the StreamUpdate being built in b
 * (encoded straight from the stream: the stream phase's hot path; the bytes
 * are those of krpc.proto's StreamResult/ProcedureResult/Error). */
static void append_result(kbuf *b, kstream *s) {
    kbuf_varint(b, 0x0a); /* StreamUpdate.results */
    size_t result = kbuf_nested_begin(b);
    if (s->id) {
        kbuf_varint(b, 0x08); /* StreamResult.id */
        kbuf_varint(b, s->id);
    }
    kbuf_varint(b, 0x12); /* StreamResult.result */
    size_t pr = kbuf_nested_begin(b);
    if (s->err.set) {
        kbuf_varint(b, 0x0a); /* ProcedureResult.error */
        size_t e = kbuf_nested_begin(b);
        const char *service, *name;
        kerror_wire(&s->err, s->client->gen, &service, &name); /* per protocol generation */
        string_field(b, 0x0a, service);
        string_field(b, 0x12, name);
        string_field(b, 0x1a, s->err.description);
        kbuf_nested_end(b, e);
    } else {
        if (s->value.len) {
            kbuf_varint(b, 0x12); /* ProcedureResult.value */
            kbuf_varint(b, s->value.len);
            kbuf_append(b, s->value.data, s->value.len);
        }
        if (s->value_null) {
            kbuf_varint(b, 0x18); /* ProcedureResult.is_null */
            kbuf_varint(b, 1);
        }
    }
    kbuf_nested_end(b, pr);
    kbuf_nested_end(b, result);
    s->changed = false;
    if (s->event) {
        /* an event's value drops back to false silently */
        s->has_value = false;
        s->value.len = 0;
    }
}

static void remove_marked(krpc_server *srv, kclient *cl, bool after_send) {
    kstream **pp = &cl->streams;
    while (*pp) {
        kstream *s = *pp;
        bool drop = after_send ? (s->remove_after_send && !s->changed) : s->remove_requested;
        if (drop) {
            *pp = s->next;
            stream_free(srv, s);
        } else {
            pp = &s->next;
        }
    }
}

/* Each update: per client, one pass over its streams evaluates those due and
 * appends every changed one to a single StreamUpdate; removals are applied
 * before (requested) and after (failed streams, finished events) it. */
void streams_phase(krpc_server *srv) {
    uint64_t now = clock_now_ns();
    u64map_free(&srv->shared_results);
    arena_reset(&srv->shared_mem);
    kbuf *b = &srv->update_buf;
    kclient *next;
    for (kclient *cl = srv->clients; cl; cl = next) {
        next = cl->all_next; /* sending may drop cl (it moves to the graveyard) */
        if (!cl->streams)
            continue;
        if (cl->stream_removals)
            remove_marked(srv, cl, false);
        if (!cl->rpc || !cl->stream)
            continue; /* a client whose RPC connection went is no longer evaluated */
        b->len = 0;
        size_t frame = kbuf_nested_begin(b); /* the message's length prefix */
        for (kstream *s = cl->streams; s; s = s->next) {
            if (!s->started)
                continue;
            srv->status.stream_rpcs_this_update++;
            if (s->rate <= 0 || (double)(now - s->last_eval_ns) >= 1e9 / s->rate) {
                s->last_eval_ns = now;
                if (s->event)
                    eval_event(srv, s);
                else if (s->fn)
                    eval_function(srv, s);
                else
                    eval_call(srv, s);
                arena_reset(&srv->stream_scratch);
            }
            if (s->changed)
                append_result(b, s);
        }
        if (b->len > frame) {
            kbuf_nested_end(b, frame);
            conn_send(cl->stream, b->data, b->len);
        }
        if (cl->stream_removals && cl->stream) {
            remove_marked(srv, cl, true);
            cl->stream_removals = false;
            for (kstream *s = cl->streams; s && !cl->stream_removals; s = s->next)
                cl->stream_removals = s->remove_requested || s->remove_after_send;
        }
    }
}

void streams_client_gone(krpc_server *srv, kclient *cl) {
    while (cl->streams) {
        kstream *s = cl->streams;
        cl->streams = s->next;
        stream_free(srv, s);
    }
}

void streams_free_all(krpc_server *srv) {
    for (kclient *cl = srv->clients; cl; cl = cl->all_next)
        streams_client_gone(srv, cl);
    arena_free(&srv->stream_scratch);
    arena_free(&srv->shared_mem);
    u64map_free(&srv->shared_results);
    kbuf_free(&srv->update_buf);
}
