/* Streams and events: registration (AddStream with per-client dedup), the
 * stream phase (rate limits, yields, change detection on the wire encoding,
 * one StreamUpdate per client), errors sent once, and events fired by
 * plugins from any thread or by conditions.
 *
 * Laid out for 10,000 streams in a 60 Hz tick: each client's streams are one
 * array of 64-byte elements walked in order; each stream's call, arguments
 * and other cold state are one heap block, prefetched a stream ahead; a value
 * is encoded into one scratch buffer, compared there with the last one (kept
 * inline when small) and copied only when it changed; every client's
 * StreamUpdate is written into one buffer, and all are sent at the end of the
 * phase, one write per client. */
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

typedef enum kstream_kind { KS_CALL, KS_EVENT, KS_FUNCTION } kstream_kind;

/* What a stream needs besides the state the stream phase reads every update
 * (see ext_new for where it lives). */
typedef struct kstream_ext {
    arena mem; /* the captured call's arguments, its key, error strings */
    uint8_t *key; /* procedure and encoded bound arguments, for dedup */
    size_t keylen;
    kerror err; /* the error to send (strings in mem) */
    krpc_event *event; /* events only */
    /* function streams only */
    kvalue_fn fn;
    void *fn_state;
    void (*fn_free)(void *);
    /* last: the call streams' call, followed in memory by its captured key
     * and arguments (what each evaluation reads) */
    kcall call;
} kstream_ext;

/* EXT_ARGS: the bytes after the ext that an evaluation reads (key,
 * arguments and a procedure's memo, krpc_stream_memo), for a call with a few
 * small arguments. */
enum { VALUE_INLINE = 8, EXT_CHUNK = 512, EXT_ARGS = 192 };

/* One stream or event: an element of its client's array, in creation order.
 * Elements move when the array grows or streams are removed, so no pointer to
 * one is kept across an evaluation (which may add streams). 64 bytes: the
 * stream phase walks the array in order, one cache line per stream. */
struct kstream {
    uint64_t id;
    uint64_t last_eval_ns;
    kstream_ext *x;
    float rate;
    uint32_t key_hash;  /* of x->key, to compare calls quickly */
    uint32_t value_len; /* the last value's encoding */
    uint32_t value_cap; /* > VALUE_INLINE: in value.heap */
    uint8_t kind;       /* kstream_kind */
    bool started;
    bool rate_started; /* the rate timer runs from the first StartStream */
    bool remove_requested;
    bool remove_after_send;
    bool has_value;
    bool value_null;
    bool changed;
    bool failed; /* x->err holds the error to send */
    union {
        uint8_t bytes[VALUE_INLINE];
        uint8_t *heap;
    } value;
};
_Static_assert(sizeof(kstream) == 64, "a stream's hot state is one cache line");

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }
static void set_value(kstream *s, bool is_null, const uint8_t *v, size_t n);
static void set_error(kstream *s, kclient *cl, const kerror *e);

static const uint8_t *value_of(const kstream *s) {
    return s->value_cap > VALUE_INLINE ? s->value.heap : s->value.bytes;
}

static void event_unref(krpc_event *ev) {
    if (atomic_fetch_sub(&ev->refs, 1) == 1)
        free(ev);
}

/* The ext lives at the start of its own arena's first chunk, and the
 * captured call's arguments right after it: one block per stream. */
static kstream_ext *ext_new(void) {
    arena mem;
    arena_init_small(&mem, EXT_CHUNK);
    kstream_ext *x = arena_zalloc(&mem, sizeof *x);
    arena_move(&x->mem, &mem);
    return x;
}

static void ext_free(kstream_ext *x) {
    arena mem; /* taken out first: freeing it frees x */
    arena_move(&mem, &x->mem);
    arena_free(&mem);
}

/* Free what a stream owns (the element itself is the array's: the caller
 * takes it out). */
static void stream_release(krpc_server *srv, kstream *s) {
    kstream_ext *x = s->x;
    if (x->call.state == CALL_YIELDED)
        call_drop(&x->call);
    if (x->event) {
        krpc_event *ev = x->event;
        atomic_store(&ev->gone, true);
        if (ev->free_state && ev->state)
            ev->free_state(ev->state);
        ev->state = NULL;
        event_unref(ev);
    }
    if (x->fn && x->fn_free && x->fn_state)
        x->fn_free(x->fn_state);
    ext_free(x);
    if (s->value_cap > VALUE_INLINE)
        free(s->value.heap);
    srv->nstreams--;
}

static kstream *find(kclient *cl, uint64_t id) {
    for (size_t i = 0; i < cl->nstreams; i++)
        if (cl->streams[i].id == id)
            return &cl->streams[i];
    return NULL;
}

/* A new stream at the end of the client's array; x is its own. */
static kstream *stream_new(krpc_server *srv, kclient *cl, kstream_kind kind, kstream_ext *x) {
    if (cl->nstreams == cl->streams_cap) {
        size_t cap = cl->streams_cap ? cl->streams_cap * 2 : 16;
        kstream *a = realloc(cl->streams, cap * sizeof *a);
        if (!a)
            abort();
        cl->streams = a;
        cl->streams_cap = cap;
    }
    kstream *s = &cl->streams[cl->nstreams++];
    memset(s, 0, sizeof *s);
    s->id = srv->next_stream_id++;
    s->kind = (uint8_t)kind;
    s->x = x;
    srv->nstreams++;
    return s;
}

static void start(kstream *s) {
    s->started = true;
    if (!s->rate_started) {
        s->rate_started = true;
        s->last_eval_ns = clock_now_ns();
    }
    if (s->has_value || s->failed)
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
    kclient *cl = c->client;
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
    /* the call with arguments of its own, captured straight into the new
     * stream's memory (kept if this is a new stream) */
    kstream_ext *x = ext_new();
    const uint8_t *key;
    size_t keylen;
    if (call_capture(srv, src, c->a, &x->mem, &x->call, &key, &keylen, c->err)) {
        ext_free(x);
        return KRPC_ERROR;
    }
    x->key = (uint8_t *)key;
    x->keylen = keylen;
    x->call.keep = &x->mem; /* krpc_stream_memo */
    uint32_t kh = (uint32_t)hash_bytes(key, keylen);
    bool want_start = args[1].u.b;
    kstream *s = NULL;
    if (gen_dedups_streams(cl->gen)) {
        for (size_t i = 0; i < cl->nstreams && !s; i++) {
            kstream *t = &cl->streams[i];
            if (t->kind == KS_CALL && t->key_hash == kh && t->x->keylen == keylen &&
                memcmp(t->x->key, key, keylen) == 0)
                s = t;
        }
    }
    if (s) {
        ext_free(x);
        s->remove_requested = false; /* re-added before its removal was applied */
    } else {
        if (need_room(call)) {
            ext_free(x);
            return KRPC_ERROR;
        }
        s = stream_new(srv, cl, KS_CALL, x);
        s->key_hash = kh;
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
        ctx_of(call)->client->stream_removals = true;
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
    kstream_ext *x = ext_new();
    x->event = ev;
    kstream *s = stream_new(c->srv, c->client, KS_EVENT, x);
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
    kstream_ext *x = ext_new();
    x->fn = fn;
    x->fn_state = state;
    x->fn_free = free_state;
    kstream *s = stream_new(c->srv, c->client, KS_FUNCTION, x);
    start(s);
    id_result(call, s->id, false, result);
    return KRPC_OK;
}

int streams_krpc_add_event(krpc_call *call, const krpc_value *args, krpc_value *result) {
    if (need_stream_connection(call))
        return KRPC_ERROR;
    return expression_add_event(call, args[0].u.obj.ptr, result);
}

/* ---- the stream phase -------------------------------------------------- */

/* Most values fit inline (VALUE_INLINE bytes): they are compared and stored
 * as one zero-padded little-endian word, without a call to memcmp or memcpy
 * for a few bytes, thousands of times per update. */
static uint64_t small_word(const uint8_t *v, size_t n) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)v[i] << (8 * i);
    return w;
}

static bool set_small_value(kstream *s, bool is_null, const uint8_t *v, size_t n) {
    uint64_t w = small_word(v, n);
    if (s->has_value && s->value_null == is_null && s->value_len == n && small_word(s->value.bytes, n) == w)
        return false;
    for (size_t i = 0; i < VALUE_INLINE; i++)
        s->value.bytes[i] = (uint8_t)(w >> (8 * i));
    return true;
}

/* Store a value; changed when it differs from the last one (null flag and
 * wire encoding; a null keeps its bytes: KRPC_SERVICE_NULL_AS_ID0 sends id 0
 * with it). */
static void set_value(kstream *s, bool is_null, const uint8_t *v, size_t n) {
    if (n <= VALUE_INLINE && s->value_cap <= VALUE_INLINE) {
        if (!set_small_value(s, is_null, v, n))
            return;
    } else {
        if (s->has_value && s->value_null == is_null && s->value_len == n && (n == 0 || memcmp(value_of(s), v, n) == 0))
            return;
        if (n > s->value_cap) {
            uint8_t *h = realloc(s->value_cap > VALUE_INLINE ? s->value.heap : NULL, n);
            if (!h)
                abort();
            s->value.heap = h;
            s->value_cap = (uint32_t)n;
        }
        if (n)
            memcpy(s->value.heap, v, n);
    }
    s->value_len = (uint32_t)n;
    s->has_value = true;
    s->value_null = is_null;
    s->changed = true;
}

/* An evaluation failed: the error is sent in this update, then the stream
 * is removed (semantics.md 9.5). */
static void set_error(kstream *s, kclient *cl, const kerror *e) {
    kstream_ext *x = s->x;
    x->err.set = true;
    x->err.service = arena_strdup(&x->mem, e->service ? e->service : "");
    x->err.name = arena_strdup(&x->mem, e->name ? e->name : "");
    x->err.description = arena_strdup(&x->mem, e->description ? e->description : "");
    x->err.kind = e->kind;
    s->failed = true;
    s->changed = true;
    s->remove_after_send = true;
    cl->stream_removals = true;
}

/* Results of KRPC_SHARED calls in this stream phase, by call key. */
typedef struct shared_result {
    const uint8_t *key;
    size_t keylen;
    kgen gen; /* encodings differ by protocol generation */
    kcall outcome; /* err, is_null, value (in the phase's memory) */
    struct shared_result *next;
} shared_result;

static shared_result *shared_find(krpc_server *srv, const kclient *cl, const kstream_ext *x) {
    shared_result *r = u64map_get(&srv->shared_results, hash_bytes(x->key, x->keylen));
    for (; r; r = r->next)
        if (r->keylen == x->keylen && r->gen == cl->gen && memcmp(r->key, x->key, x->keylen) == 0)
            return r;
    return NULL;
}

static void shared_store(krpc_server *srv, const kclient *cl, const kstream_ext *x) {
    arena *a = &srv->shared_mem;
    const kcall *c = &x->call;
    shared_result *r = arena_zalloc(a, sizeof *r);
    r->key = x->key;
    r->keylen = x->keylen;
    r->gen = cl->gen;
    r->outcome.is_null = c->is_null;
    if (c->err.set) {
        r->outcome.err.set = true;
        r->outcome.err.service = arena_strdup(a, c->err.service ? c->err.service : "");
        r->outcome.err.name = arena_strdup(a, c->err.name ? c->err.name : "");
        r->outcome.err.description = arena_strdup(a, c->err.description ? c->err.description : "");
        r->outcome.err.kind = c->err.kind;
    } else {
        uint8_t *v = arena_alloc(a, c->value_len ? c->value_len : 1);
        if (c->value_len)
            memcpy(v, c->value, c->value_len);
        r->outcome.value = v;
        r->outcome.value_len = c->value_len;
    }
    uint64_t h = hash_bytes(x->key, x->keylen);
    r->next = u64map_get(&srv->shared_results, h);
    u64map_put(&srv->shared_results, h, r);
}

static void publish(kstream *s, kclient *cl, const kcall *outcome) {
    if (outcome->err.set)
        set_error(s, cl, &outcome->err);
    else
        set_value(s, outcome->is_null, outcome->value, outcome->value_len);
}

/* Evaluations take the stream's index, not a pointer: what they run may add
 * streams to the client (the array moves). Each returns the element, or NULL
 * when the client's streams are gone. */
static kstream *refetch(kclient *cl, size_t i) { return i < cl->nstreams ? &cl->streams[i] : NULL; }

static kstream *eval_call(krpc_server *srv, kclient *cl, size_t i) {
    kstream_ext *x = cl->streams[i].x;
    kcall *c = &x->call;
    bool first = c->state != CALL_YIELDED;
    bool shared = c->proc->shared && first;
    if (shared) {
        shared_result *r = shared_find(srv, cl, x);
        if (r) {
            publish(&cl->streams[i], cl, &r->outcome);
            return &cl->streams[i];
        }
    }
    if (first)
        c->state = CALL_PENDING;
    /* the value is encoded into stream_value, compared there with the last
     * one, and copied only when it changed */
    kbuf *v = &srv->stream_value;
    v->len = 0;
    call_execute_into(srv, cl, c, &srv->stream_scratch, first, v);
    kstream *s = refetch(cl, i);
    if (!s || c->state == CALL_YIELDED)
        return s;
    if (!c->value && c->value_len)
        c->value = v->data;
    if (shared)
        shared_store(srv, cl, x);
    publish(s, cl, c);
    c->state = CALL_PENDING;
    return s;
}

static kstream *eval_function(krpc_server *srv, kclient *cl, size_t i) {
    kstream_ext *x = cl->streams[i].x;
    kerror err = {0};
    bool is_null = false;
    kbuf b = {0}; /* not srv->scratch: the calls the function makes use it */
    int rc = x->fn(srv, cl, x->fn_state, &srv->stream_scratch, &is_null, &b, &err);
    kstream *s = refetch(cl, i);
    if (s && rc)
        set_error(s, cl, &err);
    else if (s)
        set_value(s, is_null, b.data, b.len); /* sent only when its encoding changed */
    kbuf_free(&b);
    return s;
}

static kstream *eval_event(krpc_server *srv, kclient *cl, size_t i) {
    krpc_event *ev = cl->streams[i].x->event;
    if (ev->ending) { /* its last firing went out last update: now the end */
        kerror err = {0};
        kerror_set(&err, &srv->stream_scratch, "KRPC", "StreamRemovedException",
                   "The event was removed by the service that created it");
        set_error(&cl->streams[i], cl, &err);
        return &cl->streams[i];
    }
    bool fire = atomic_exchange(&ev->triggered, false);
    if (ev->condition && ev->condition(ev, ev->state))
        fire = true;
    if (ev->icondition) {
        kerror err = {0};
        bool f = false;
        int rc = ev->icondition(srv, cl, ev->state, &srv->stream_scratch, &f, &err);
        kstream *s = refetch(cl, i);
        if (!s)
            return NULL;
        if (rc) {
            set_error(s, cl, &err);
            return s;
        }
        fire = fire || f;
    }
    kstream *s = refetch(cl, i);
    if (!s)
        return NULL;
    if (fire) {
        s->has_value = true;
        s->value_null = false;
        s->value.bytes[0] = 1; /* an event's value: true */
        s->value_len = 1;
        s->changed = true;
    }
    if (atomic_load(&ev->remove_requested)) {
        if (gen_ends_removed_events_with_error(cl->gen)) {
            /* 0.7: the event's last result is KRPC.StreamRemovedException,
             * sent on an update after any firing still to be sent */
            ev->ending = true;
            if (!fire)
                return eval_event(srv, cl, i);
            return s;
        }
        s->remove_after_send = true;
        cl->stream_removals = true;
    }
    return s;
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

/* StreamUpdate.results: a StreamResult carrying the stream's error. */
static void append_error(kbuf *b, const kclient *cl, const kstream *s) {
    kbuf_varint(b, 0x0a); /* StreamUpdate.results */
    size_t result = kbuf_nested_begin(b);
    if (s->id) {
        kbuf_varint(b, 0x08); /* StreamResult.id */
        kbuf_varint(b, s->id);
    }
    kbuf_varint(b, 0x12); /* StreamResult.result */
    size_t pr = kbuf_nested_begin(b);
    kbuf_varint(b, 0x0a); /* ProcedureResult.error */
    size_t e = kbuf_nested_begin(b);
    const char *service, *name;
    kerror_wire(&s->x->err, cl->gen, &service, &name); /* per protocol generation */
    string_field(b, 0x0a, service);
    string_field(b, 0x12, name);
    string_field(b, 0x1a, s->x->err.description);
    kbuf_nested_end(b, e);
    kbuf_nested_end(b, pr);
    kbuf_nested_end(b, result);
}

/* Append a changed stream's StreamResult to the StreamUpdate being built in b:
 * the bytes of krpc.proto's StreamResult{id, ProcedureResult{value, is_null}},
 * written in one go from sizes known in advance (the stream phase's hot
 * path). */
static void append_result(kbuf *b, const kclient *cl, kstream *s) {
    if (s->failed) {
        append_error(b, cl, s);
    } else {
        size_t n = s->value_len;
        size_t pr = (n ? 1 + varint_size(n) + n : 0) + (s->value_null ? 2 : 0);
        size_t res = (s->id ? 1 + varint_size(s->id) : 0) + 1 + varint_size(pr) + pr;
        kbuf_reserve(b, 1 + varint_size(res) + res + VALUE_INLINE); /* + an inline value's whole word */
        uint8_t *p = b->data + b->len;
        *p++ = 0x0a; /* StreamUpdate.results */
        p += varint_encode(p, res);
        if (s->id) {
            *p++ = 0x08; /* StreamResult.id */
            p += varint_encode(p, s->id);
        }
        *p++ = 0x12; /* StreamResult.result */
        p += varint_encode(p, pr);
        if (n) {
            *p++ = 0x12; /* ProcedureResult.value */
            p += varint_encode(p, n);
            if (s->value_cap <= VALUE_INLINE)
                memcpy(p, s->value.bytes, VALUE_INLINE); /* one move; the bytes after n are overwritten */
            else
                memcpy(p, s->value.heap, n);
            p += n;
        }
        if (s->value_null) {
            *p++ = 0x18; /* ProcedureResult.is_null */
            *p++ = 1;
        }
        b->len = (size_t)(p - b->data);
    }
    s->changed = false;
    if (s->kind == KS_EVENT) {
        /* an event's value drops back to false silently */
        s->has_value = false;
        s->value_len = 0;
    }
}

/* Apply removals: requested ones (before the evaluations), or failed
 * streams and finished events once their last result is sent (after). The
 * array is compacted in place, keeping creation order. */
static void remove_marked(krpc_server *srv, kclient *cl, bool after_send) {
    size_t kept = 0;
    for (size_t i = 0; i < cl->nstreams; i++) {
        kstream *s = &cl->streams[i];
        bool drop = after_send ? (s->remove_after_send && !s->changed) : s->remove_requested;
        if (drop)
            stream_release(srv, s);
        else
            cl->streams[kept++] = *s;
    }
    cl->nstreams = kept;
}

/* Ask for a later stream's block (its call and arguments) while this one
 * runs: the blocks are scattered on the heap, and with thousands of streams
 * they are rarely still cached from the previous update. An evaluation takes
 * about as long as a fetch from memory, hence a few streams ahead (and the
 * elements, whose x it reads, further ahead still). */
enum { PREFETCH_AHEAD = 3 };

static void prefetch_ext(const kstream_ext *x) {
    /* every line from the call's hot fields (core/server_internal.h keeps
     * them last) to the end of its arguments and memo: the block's alignment
     * varies, so any line in between may hold them */
    const uintptr_t line = 64;
    uintptr_t from = (uintptr_t)&x->call.proc & ~(line - 1);
    uintptr_t to = (uintptr_t)(x + 1) + EXT_ARGS;
    for (uintptr_t a = from; a < to; a += line)
        __builtin_prefetch((const void *)a);
}

/* Room for a StreamUpdate's length prefix in front of its first result:
 * the prefix is written right-aligned when it is sent (no move). */
enum { FRAME_ROOM = VARINT_MAX };

/* Each update: per client, one pass over its streams evaluates those due and
 * appends every changed one to its StreamUpdate; requested removals are
 * applied before. Then every client's StreamUpdate is sent, one write each,
 * back to back (a reader woken by the first write is likely still awake for
 * the next: fewer wakeups and context switches than writes spread between
 * evaluations), and failed streams and finished events are removed. */
void streams_phase(krpc_server *srv) {
    uint64_t now = clock_now_ns();
    u64map_free(&srv->shared_results);
    arena_reset(&srv->shared_mem);
    kbuf *b = &srv->update_buf; /* every client's StreamUpdate, one after another */
    b->len = 0;
    kclient *next;
    for (kclient *cl = srv->clients; cl; cl = next) {
        next = cl->all_next;
        cl->update_len = 0;
        if (!cl->nstreams)
            continue;
        if (cl->stream_removals)
            remove_marked(srv, cl, false);
        if (!cl->rpc || !cl->stream)
            continue; /* a client whose RPC connection went is no longer evaluated */
        size_t start = b->len;
        kbuf_reserve(b, FRAME_ROOM);
        b->len += FRAME_ROOM;
        for (size_t i = 0; i < cl->nstreams; i++) {
            kstream *s = &cl->streams[i];
            if (i + PREFETCH_AHEAD * 2 < cl->nstreams)
                __builtin_prefetch(&cl->streams[i + PREFETCH_AHEAD * 2]);
            if (i + PREFETCH_AHEAD < cl->nstreams)
                prefetch_ext(cl->streams[i + PREFETCH_AHEAD].x);
            if (!s->started)
                continue;
            srv->status.stream_rpcs_this_update++;
            if (s->rate <= 0 || (double)(now - s->last_eval_ns) >= 1e9 / s->rate) {
                s->last_eval_ns = now;
                if (s->kind == KS_CALL)
                    s = eval_call(srv, cl, i);
                else if (s->kind == KS_EVENT)
                    s = eval_event(srv, cl, i);
                else
                    s = eval_function(srv, cl, i);
                if (srv->stream_scratch.total)
                    arena_reset(&srv->stream_scratch);
                if (!s)
                    break; /* the client's streams went during the evaluation */
            }
            if (s->changed)
                append_result(b, cl, s);
        }
        cl->update_start = start;
        cl->update_len = b->len - start - FRAME_ROOM;
        if (!cl->update_len)
            b->len = start;
    }
    for (kclient *cl = srv->clients; cl; cl = next) {
        next = cl->all_next; /* sending may drop cl (it moves to the graveyard) */
        if (cl->update_len && cl->stream) {
            uint8_t *payload = b->data + cl->update_start + FRAME_ROOM;
            size_t w = varint_size(cl->update_len);
            varint_encode(payload - w, cl->update_len);
            conn_send(cl->stream, payload - w, w + cl->update_len);
        }
        cl->update_len = 0;
        if (cl->stream_removals && cl->stream) {
            remove_marked(srv, cl, true);
            cl->stream_removals = false;
            for (size_t i = 0; i < cl->nstreams && !cl->stream_removals; i++)
                cl->stream_removals = cl->streams[i].remove_requested || cl->streams[i].remove_after_send;
        }
    }
}

void streams_client_gone(krpc_server *srv, kclient *cl) {
    kstream *streams = cl->streams;
    size_t n = cl->nstreams;
    /* detached first: what the releases call back into sees no streams */
    cl->streams = NULL;
    cl->nstreams = cl->streams_cap = 0;
    for (size_t i = 0; i < n; i++)
        stream_release(srv, &streams[i]);
    free(streams);
}

void streams_free_all(krpc_server *srv) {
    for (kclient *cl = srv->clients; cl; cl = cl->all_next)
        streams_client_gone(srv, cl);
    arena_free(&srv->stream_scratch);
    arena_free(&srv->shared_mem);
    u64map_free(&srv->shared_results);
    kbuf_free(&srv->update_buf);
    kbuf_free(&srv->stream_value);
}
