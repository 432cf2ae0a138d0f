/* One procedure call: locating the procedure (semantics.md 4.1), decoding its
 * arguments at read time (4.2), binding them at execution (4.3), the scene
 * check (4.4), invocation and the return value (4.5). */
#include "rpc/call.h"
#include "rpc/value.h"
#include "util/varint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int decode_nested_call(kvalue_ctx *ctx, const uint8_t *p, size_t n, krpc_value *out);

/* The services a client sees depend on its protocol generation (out->gen). */
static void lookup(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, kcall *out, arena *a) {
    const kservice *s;
    if (m->service_id) {
        s = registry_service_by_id_gen(&srv->registry, out->gen, m->service_id);
        if (!s) {
            kerror_set(&out->lookup_err, a, "", "", "Service with id %u not found", m->service_id);
            return;
        }
    } else {
        s = registry_service_by_name_gen(&srv->registry, out->gen, m->service, strlen(m->service));
        if (!s) {
            kerror_set(&out->lookup_err, a, "", "", "Service \"%s\" not found", m->service);
            return;
        }
    }
    if (m->procedure_id) {
        out->proc = service_proc_by_id_gen(s, out->gen, m->procedure_id);
        if (!out->proc)
            kerror_set(&out->lookup_err, a, "", "", "Procedure with id %u not found", m->procedure_id);
    } else {
        out->proc = service_proc_by_name_gen(s, out->gen, m->procedure, strlen(m->procedure));
        if (!out->proc)
            kerror_set(&out->lookup_err, a, "", "", "Procedure \"%s\" not found, in service \"%s\"",
                       m->procedure, s->name);
    }
}

/* Checks on supplied arguments, in request order: null for a non-nullable
 * parameter, an object of another class. The first failure is kept. */
static void check_supplied(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, kcall *c, arena *a) {
    const kproc *p = c->proc;
    for (size_t i = 0; i < m->n_arguments && !c->bind_err.set; i++) {
        uint32_t pos = m->arguments[i]->position;
        if (pos >= p->nparams)
            continue;
        bool superseded = false;
        for (size_t j = i + 1; j < m->n_arguments; j++)
            if (m->arguments[j]->position == pos)
                superseded = true;
        if (superseded)
            continue;
        const kparam *prm = &p->params[pos];
        const krpc_value *v = &c->args[pos];
        if (v->is_null) {
            if (!prm->nullable)
                kerror_set(&c->bind_err, a, "", "",
                           "Incorrect argument type for parameter %s in %s. Expected an argument "
                           "of type %s, got null",
                           prm->name, p->fullname, prm->type->dotnet);
        } else if (prm->type->code == KT_CLASS) {
            kobject *o = objects_get(&srv->objects, v->u.obj.id);
            if (o && o->cls != prm->type->cls)
                kerror_set(&c->bind_err, a, "", "",
                           "Incorrect argument type for parameter %s in %s. Expected an argument "
                           "of type %s, got %s",
                           prm->name, p->fullname, prm->type->dotnet, o->cls->type.dotnet);
        }
    }
}

/* Procedure calls inside arguments (AddStream of AddStream of ...) nest at
 * most this deep: each level is decoded with the request. */
#define MAX_CALL_NESTING 16

static int decode_msg(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, arena *a, kcall *out, kerror *err,
                      int depth, kgen gen);

int call_decode_msg(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, arena *a, kcall *out,
                    kerror *err, kgen gen) {
    return decode_msg(srv, m, a, out, err, 0, gen);
}

static int decode_msg(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, arena *a, kcall *out, kerror *err,
                      int depth, kgen gen) {
    memset(out, 0, sizeof *out);
    out->gen = gen;
    lookup(srv, m, out, a);
    if (!out->proc)
        return 0; /* arguments of unknown procedures are not decoded */
    const kproc *p = out->proc;
    size_t n = p->nparams ? p->nparams : 1;
    out->args = arena_zalloc(a, n * sizeof *out->args);
    out->present = arena_zalloc(a, n);
    kvalue_ctx ctx = {.a = a, .objects = &srv->objects, .err = err,
                      .decode_call = decode_nested_call, .user = srv, .depth = depth, .gen = gen};
    for (size_t i = 0; i < m->n_arguments; i++) {
        const Krpc__Schema__Argument *arg = m->arguments[i];
        if (arg->position >= p->nparams)
            continue; /* silently ignored */
        krpc_value *v = &out->args[arg->position];
        ctx.bind_err = &out->bind_err;
        ctx.bind_param = p->params[arg->position].name;
        ctx.bind_proc = p->fullname;
        const ktype *t = p->params[arg->position].type;
        if (arg->is_null || (t->code == KT_CLASS && (p->svc->flags & KRPC_SERVICE_NULL_AS_ID0) &&
                             arg->value.len == 1 && arg->value.data[0] == 0)) {
            /* (object id 0 is null here for every generation) */
            memset(v, 0, sizeof *v);
            v->is_null = true;
        } else if (value_decode(&ctx, t, arg->value.data, arg->value.len, v)) {
            return -1;
        }
        out->present[arg->position] = 1;
    }
    check_supplied(srv, m, out, a);
    return 0;
}

static int decode_at(krpc_server *srv, const uint8_t *p, size_t n, arena *a, kcall *out, kerror *err, int depth,
                     kgen gen) {
    if (depth > MAX_CALL_NESTING) {
        kerror_kind(err, a, KRPC_ERR_ARGUMENT, "Procedure calls are nested more than %d deep", MAX_CALL_NESTING);
        return -1;
    }
    Krpc__Schema__ProcedureCall *m = krpc__schema__procedure_call__unpack(&a->pb, n, p);
    if (!m) {
        kerror_set(err, a, "", "", "%s", KRPC_TRUNCATED_TEXT);
        return -1;
    }
    return decode_msg(srv, m, a, out, err, depth, gen);
}

int call_decode(krpc_server *srv, const uint8_t *p, size_t n, arena *a, kcall *out, kerror *err) {
    return decode_at(srv, p, n, a, out, err, 0, KGEN_LEGACY);
}

static int decode_nested_call(kvalue_ctx *ctx, const uint8_t *p, size_t n, krpc_value *out) {
    kcall *c = arena_alloc(ctx->a, sizeof *c);
    if (decode_at(ctx->user, p, n, ctx->a, c, ctx->err, ctx->depth + 1, ctx->gen))
        return -1;
    out->u.host = c;
    return 0;
}

/* Defaults for omitted arguments; the binding errors of 4.3. */
int call_bind(kcall *c, arena *a, kerror *err) {
    if (c->bind_err.set) {
        *err = c->bind_err;
        return -1;
    }
    const kproc *p = c->proc;
    for (size_t i = 0; i < p->nparams; i++) {
        if (c->present[i])
            continue;
        const kparam *prm = &p->params[i];
        if (!prm->has_default) {
            kerror_set(err, a, "", "", "Argument not specified for parameter %s in %s", prm->name,
                       p->fullname);
            return -1;
        }
        c->args[i] = prm->default_value;
        c->args[i].is_null = prm->default_null;
    }
    return 0;
}

static void free_state(kcall *c) {
    if (c->rfree && c->rstate)
        c->rfree(c->rstate);
    c->rstate = NULL;
    c->rfree = NULL;
    c->resume = NULL;
}

void call_drop(kcall *c) { free_state(c); }

static void encode_result(krpc_server *srv, kclient *client, kcall *c, krpc_value *result, arena *a, kbuf *out) {
    const kproc *p = c->proc;
    if (!p->ret)
        return;
    if (p->ret->code == KT_CLASS && !result->u.obj.ptr)
        result->is_null = true;
    if (result->is_null) {
        if (p->ret_nullable) {
            c->is_null = true;
            if (p->ret->code == KT_CLASS && (p->svc->flags & KRPC_SERVICE_NULL_AS_ID0)) {
                static const uint8_t id0 = 0; /* and object id 0, for clients without is_null */
                c->value = &id0;
                c->value_len = 1;
            }
            return;
        }
        kerror_set(&c->err, a, "", "",
                   "Incorrect value returned by %s. Expected a non-null value of type %s, got null, "
                   "but the procedure is not marked as nullable.",
                   p->fullname, p->ret->dotnet);
        return;
    }
    kvalue_ctx ctx = {.a = a, .objects = &srv->objects, .err = &c->err, .gen = client ? client->gen : c->gen};
    kbuf *b = out ? out : &srv->scratch;
    size_t mark = out ? out->len : 0;
    b->len = mark;
    if (value_encode(&ctx, p->ret, result, b)) {
        b->len = mark;
        const char *why = c->err.description;
        kerror_set(&c->err, a, "", "", "Incorrect value returned by %s. %s", p->fullname, why);
        return;
    }
    c->value_len = b->len - mark;
    if (!out)
        c->value = (const uint8_t *)arena_strndup(a, (const char *)b->data, b->len);
}

void call_execute(krpc_server *srv, kclient *client, kcall *c, arena *a, bool first) {
    call_execute_into(srv, client, c, a, first, NULL);
}

void call_execute_into(krpc_server *srv, kclient *client, kcall *c, arena *a, bool first, kbuf *out) {
    c->err.set = false;
    c->is_null = false;
    c->value = NULL;
    c->value_len = 0;
    if (first) {
        if (!c->proc) {
            c->err = c->lookup_err;
            c->state = CALL_DONE;
            return;
        }
        if (!c->bound && call_bind(c, a, &c->err)) {
            c->state = CALL_DONE;
            return;
        }
        if (!(srv->game_scene & c->proc->scenes)) {
            char scene[160];
            kerror_set(&c->err, a, "", "", "Procedure not available in game scene '%s'",
                       scene_mask_name(srv->game_scene, scene, sizeof scene));
            c->state = CALL_DONE;
            return;
        }
    }
    const kproc *p = c->proc;
    kcallctx ctx = {.pub = {.api = &krpc_host_api_v1, .state = p->svc->plugin ? p->svc->plugin->state : NULL},
                    .srv = srv, .client = client, .proc = p, .call = c, .a = a, .err = &c->err};
    krpc_value result;
    memset(&result, 0, sizeof result);
    void *old_state = c->rstate;
    void (*old_free)(void *) = c->rfree;
    int rc = first ? p->fn(&ctx.pub, c->args, &result) : c->resume(&ctx.pub, c->rstate, &result);
    if (rc == KRPC_YIELD && ctx.yielded) {
        c->resume = ctx.resume;
        c->rstate = ctx.rstate;
        c->rfree = ctx.rfree;
        if (old_state && old_state != c->rstate && old_free)
            old_free(old_state);
        c->state = CALL_YIELDED;
        return;
    }
    /* finished: the continuation state (if any) is done with */
    if (old_state && old_free)
        old_free(old_state);
    if (ctx.yielded && ctx.rstate && ctx.rstate != old_state && ctx.rfree)
        ctx.rfree(ctx.rstate); /* yielded but did not return KRPC_YIELD */
    c->rstate = NULL;
    c->rfree = NULL;
    c->resume = NULL;
    c->state = CALL_DONE;
    if (rc == KRPC_ERROR || c->err.set) {
        if (!c->err.set)
            kerror_set(&c->err, a, "", "", "%s failed without saying why", p->fullname);
        return;
    }
    if (rc != KRPC_OK) {
        kerror_set(&c->err, a, "", "", "%s returned an invalid status %d", p->fullname, rc);
        return;
    }
    encode_result(srv, client, c, &result, a, out);
}

int call_capture(krpc_server *srv, const kcall *src, arena *tmp, arena *dst, kcall *out,
                 const uint8_t **key, size_t *keylen, kerror *err) {
    const kproc *p = src->proc;
    size_t np = p->nparams ? p->nparams : 1;
    kcall k = *src;
    k.args = arena_alloc(tmp, np * sizeof *k.args);
    memcpy(k.args, src->args, np * sizeof *k.args);
    if (call_bind(&k, tmp, err))
        return -1;
    /* the key: service id, procedure id, then each argument (null flag, length, encoding) */
    kbuf b = {0};
    kbuf_varint(&b, p->svc->id);
    kbuf_varint(&b, p->id);
    kvalue_ctx ectx = {.a = tmp, .objects = &srv->objects, .err = err, .gen = src->gen};
    for (size_t i = 0; i < p->nparams; i++) {
        if (p->params[i].type->code == KT_PROCEDURE_CALL) {
            kbuf_free(&b);
            kerror_kind(err, tmp, KRPC_ERR_INVALID_OPERATION,
                        "A procedure that takes a procedure call cannot be used here");
            return -1;
        }
        if (k.args[i].is_null) {
            kbuf_varint(&b, 0);
            continue;
        }
        kbuf_varint(&b, 1);
        size_t mark = kbuf_nested_begin(&b);
        if (value_encode(&ectx, p->params[i].type, &k.args[i], &b)) {
            kbuf_free(&b);
            return -1;
        }
        kbuf_nested_end(&b, mark);
    }
    uint8_t *kb = (uint8_t *)arena_strndup(dst, (const char *)b.data, b.len);
    *key = kb;
    *keylen = b.len;
    kbuf_free(&b);
    /* decode the arguments again from the key, into dst */
    memset(out, 0, sizeof *out);
    out->proc = p;
    out->gen = src->gen;
    out->args = arena_zalloc(dst, np * sizeof *out->args);
    out->present = arena_alloc(dst, np);
    memset(out->present, 1, np);
    out->bound = true;
    kvalue_ctx dctx = {.a = dst, .objects = &srv->objects, .err = err, .gen = src->gen};
    const uint8_t *q = kb, *end = kb + *keylen;
    uint64_t v = 0, len = 0;
    q += varint_decode(q, (size_t)(end - q), &v);
    q += varint_decode(q, (size_t)(end - q), &v);
    for (size_t i = 0; i < p->nparams; i++) {
        q += varint_decode(q, (size_t)(end - q), &v);
        if (!v) {
            out->args[i].is_null = true;
            continue;
        }
        q += varint_decode(q, (size_t)(end - q), &len);
        if (value_decode(&dctx, p->params[i].type, q, (size_t)len, &out->args[i]))
            return -1;
        q += len;
    }
    return 0;
}

int call_failf(krpc_call *call, krpc_error_kind kind, const char *fmt, ...) {
    kcallctx *c = (kcallctx *)call;
    va_list ap;
    va_start(ap, fmt);
    kerror_vkind(c->err, c->a, kind, fmt, ap);
    va_end(ap);
    return KRPC_ERROR;
}
