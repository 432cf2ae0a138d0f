/* Running server-side functions (v070-final.md 3.4): the checks made before
 * a function is first run (cached on it), RunFunction, CompileFunction,
 * AddFunctionStream, AddEvent, and the initial value of a StateVariable. */
#include "krpc/fn_internal.h"

#include "streams/streams.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }

const ftype *fn_result_type(const fnode *root) {
    return root->op == FO_LAMBDA ? root->type->sub[root->type->n - 1] : root->type;
}

/* ---- checks ------------------------------------------------------------------------------ */

typedef struct scope {
    const fnode **vars; /* declared variables and parameters in scope */
    size_t n, cap;
    uint64_t nodes;
    kerror *err;
    arena *a;
} scope;

typedef struct wctx {
    int loop;    /* loops around, inside the innermost Lambda and finally */
    int lambda;  /* Lambdas around, inside the innermost finally */
} wctx;

static int check_fail(scope *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int check_fail(scope *sc, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kerror_kind(sc->err, sc->a, KRPC_ERR_INVALID_OPERATION, "%s", buf);
    return -1;
}

static void push(scope *sc, const fnode *v) {
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 16;
        sc->vars = realloc(sc->vars, sc->cap * sizeof *sc->vars);
        if (!sc->vars)
            abort();
    }
    sc->vars[sc->n++] = v;
}

static bool in_scope(const scope *sc, const fnode *v) {
    for (size_t i = sc->n; i-- > 0;)
        if (sc->vars[i] == v)
            return true;
    return false;
}

static int walk(scope *sc, const fnode *n, wctx cx) {
    if (!n)
        return 0;
    if (++sc->nodes > FN_MAX_NODES)
        return check_fail(sc, "The function has more than %u nodes (counting each use of a shared one)",
                          FN_MAX_NODES);
    switch (n->op) {
    case FO_BREAK:
    case FO_CONTINUE:
        if (!cx.loop)
            return check_fail(sc, "A %s is not inside a loop (or leaves a finally block)",
                              n->op == FO_BREAK ? "Break" : "Continue");
        return 0;
    case FO_RETURN:
        if (!cx.lambda)
            return check_fail(sc, "A Return is not inside a Lambda (or leaves a finally block); a function that "
                                  "returns early is Invoke(Lambda([], body), {})");
        break;
    case FO_VAR:
    case FO_PARAM:
        if (!in_scope(sc, n))
            return check_fail(sc, "The %s %s is used outside the %s that declares it",
                              n->op == FO_VAR ? "variable" : "parameter", n->name,
                              n->op == FO_VAR ? "block" : "Lambda");
        return 0;
    case FO_LAMBDA: {
        size_t mark = sc->n;
        for (size_t i = 0; i + 1 < n->n; i++)
            push(sc, n->kid[i]);
        wctx inner = {0, cx.lambda + 1};
        int rc = walk(sc, n->kid[n->n - 1], inner);
        sc->n = mark;
        return rc;
    }
    case FO_BLOCK: {
        size_t mark = sc->n;
        for (size_t i = 0; i < n->nvars; i++)
            push(sc, n->vars[i]);
        for (size_t i = 0; i < n->n; i++)
            if (walk(sc, n->kid[i], cx)) {
                sc->n = mark;
                return -1;
            }
        sc->n = mark;
        return 0;
    }
    case FO_WHILE: {
        if (walk(sc, n->kid[0], cx))
            return -1;
        wctx inner = {cx.loop + 1, cx.lambda};
        return walk(sc, n->kid[1], inner);
    }
    case FO_FOREACH: {
        if (walk(sc, n->kid[0], cx) || walk(sc, n->kid[1], cx))
            return -1;
        wctx inner = {cx.loop + 1, cx.lambda};
        return walk(sc, n->kid[2], inner);
    }
    case FO_TRY: {
        if (walk(sc, n->kid[0], cx) || walk(sc, n->kid[1], cx) || walk(sc, n->kid[3], cx))
            return -1;
        wctx fin = {0, 0}; /* nothing jumps out of a finally block */
        return walk(sc, n->kid[2], fin);
    }
    default: break;
    }
    for (size_t i = 0; i < n->n; i++)
        if (walk(sc, n->kid[i], cx))
            return -1;
    return 0;
}

int fn_check(fnstate *fs, const fnode *root, arena *a, kerror *err) {
    fnode *r = (fnode *)root;
    if (!r->checked) {
        kerror e = {0};
        scope sc = {.err = &e, .a = a};
        wctx cx = {0, 0};
        int rc = walk(&sc, root, cx);
        free(sc.vars);
        r->checked = true;
        if (rc) { /* kept with the function */
            r->check_err.set = true;
            r->check_err.description = arena_strdup(&fs->mem, e.description);
        }
    }
    if (r->check_err.set) {
        kerror_kind(err, a, KRPC_ERR_INVALID_OPERATION, "%s", r->check_err.description);
        return -1;
    }
    return 0;
}

/* ---- evaluation in a client's context ------------------------------------------------------------ */

static fnode *arg_function(krpc_call *call, const krpc_value *v) {
    kcallctx *c = ctx_of(call);
    kobject *o = objects_get(&c->srv->objects, v->u.obj.id);
    if (!o || o->ptr != v->u.obj.ptr || !o->cls->decl || o->cls->decl->release != fn_expr_release) {
        call_failf(call, KRPC_ERR_ARGUMENT, "The function is not an Expression");
        return NULL;
    }
    return o->ptr;
}

/* Encode a function's value (owned; released here) at its type. */
static int encode_value(fnstate *fs, const ftype *t, fval v, arena *a, bool *is_null, kbuf *out, kerror *err) {
    *is_null = false;
    if (t->code == FT_VOID) {
        fv_release(&v);
        return 0;
    }
    if (v.k == VK_NULL) {
        if (!t->nullable) {
            kerror_kind(err, a, KRPC_ERR_NULL_REFERENCE, "The function evaluated to null, but its type %s is not "
                                                         "nullable",
                        t->name);
            return -1;
        }
        *is_null = true;
        return 0;
    }
    const ktype *kt = fn_wire_type(fs, t);
    krpc_value kv;
    int rc = -1;
    if (!kt)
        kerror_kind(err, a, KRPC_ERR_INVALID_OPERATION, "A value of type %s cannot be encoded", t->name);
    else if (!fv_to_krpc(fs, t, v, a, &kv, err)) {
        kvalue_ctx ctx = {.a = a, .objects = &fs->srv->objects, .err = err, .gen = KGEN_V07};
        rc = value_encode(&ctx, kt, &kv, out);
        if (rc)
            kerror_kind(err, a, KRPC_ERR_NULL_REFERENCE, "The function's value cannot be encoded: %s",
                        err->description);
    }
    fv_release(&v);
    return rc;
}

/* Evaluate a checked function for a client. */
static int run(krpc_server *srv, kclient *client, const fnode *root, const fval *args, size_t nargs, arena *a,
               fval *out, kerror *err) {
    feval e = {.fs = fn_state(srv), .srv = srv, .client = client, .a = a, .err = err};
    return fn_eval_root(&e, root, args, nargs, out);
}

int fn_eval_state_init(krpc_call *call, const fnode *init, fval *out) {
    kcallctx *c = ctx_of(call);
    if (fn_check(fn_state(c->srv), init, c->a, c->err))
        return -1;
    return run(c->srv, c->client, init, NULL, 0, c->a, out, c->err);
}

bool fn_not_streamable(const kproc *p) {
    return p->fn == fn_krpc_run_function || p->fn == fn_krpc_add_function_stream || p->fn == fn_krpc_add_event ||
           (p->cls && p->cls->decl && p->cls->decl->release == fn_expr_release && strcmp(p->name, "Expression_static_StateVariable") == 0);
}

/* ---- KRPC procedures --------------------------------------------------------------------------------- */

/* The checks of every way to run a function: unbound markers, scopes,
 * the budget, and a type a client can be given (or none). */
static const fnode *usable(krpc_call *call, const krpc_value *v, bool value_needed, bool params_ok) {
    kcallctx *c = ctx_of(call);
    const fnode *root = arg_function(call, v);
    if (!root || fn_check(fn_state(c->srv), root, c->a, c->err))
        return NULL;
    if (!params_ok && root->op == FO_LAMBDA && root->n > 1) {
        call_failf(call, KRPC_ERR_ARGUMENT,
                   "A function that is streamed, or checked for an event, cannot take parameters");
        return NULL;
    }
    const ftype *t = fn_result_type(root);
    const char *why;
    if (t->code == FT_VOID) {
        if (value_needed) {
            call_failf(call, KRPC_ERR_ARGUMENT, "The function has no value, so it cannot be streamed");
            return NULL;
        }
    } else if (!ft_returnable(t, &why)) {
        call_failf(call, KRPC_ERR_ARGUMENT, "%s", why);
        return NULL;
    }
    return root;
}

int fn_krpc_compile_function(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    return usable(call, &args[0], false, true) ? KRPC_OK : KRPC_ERROR;
}

int fn_krpc_run_function(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    const fnode *root = usable(call, &args[0], false, true);
    if (!root)
        return KRPC_ERROR;
    fnstate *fs = fn_state(c->srv);
    /* the arguments, decoded at the parameters' types before anything runs */
    const krpc_value *list = &args[1];
    size_t np = root->op == FO_LAMBDA ? root->n - 1 : 0;
    if (list->u.seq.count != np)
        return call_failf(call, KRPC_ERR_ARGUMENT, "The function takes %zu arguments, but %zu were given", np,
                          list->u.seq.count);
    fval *fargs = krpc_alloc(call, (np ? np : 1) * sizeof *fargs);
    int rc = KRPC_OK;
    size_t done = 0;
    for (size_t i = 0; i < np && rc == KRPC_OK; i++, done++) {
        const fnode *p = root->kid[i];
        const krpc_value *item = &list->u.seq.items[i];
        fargs[i] = fv_null();
        if (item->is_null) {
            if (!p->type->nullable)
                rc = call_failf(call, KRPC_ERR_ARGUMENT,
                                "The argument for parameter %s is null, but its type %s is not nullable", p->name,
                                p->type->name);
            continue;
        }
        const ktype *kt = fn_wire_type(fs, p->type);
        krpc_value kv;
        kerror derr = {0};
        kvalue_ctx ctx = {.a = c->a, .objects = &c->srv->objects, .err = &derr, .gen = KGEN_V07};
        if (!kt || value_decode(&ctx, kt, (const uint8_t *)item->u.s.data, item->u.s.len, &kv)) {
            rc = call_failf(call, KRPC_ERR_ARGUMENT, "The argument for parameter %s is not a value of type %s%s%s",
                            p->name, p->type->name, derr.set ? ": " : "", derr.set ? derr.description : "");
            continue;
        }
        if (kt->code == KT_CLASS && kv.u.obj.ptr) {
            kobject *o = objects_get(&c->srv->objects, kv.u.obj.id);
            if (o && o->cls != kt->cls) {
                rc = call_failf(call, KRPC_ERR_ARGUMENT, "The argument for parameter %s is a %s, not a %s",
                                p->name, o->cls->type.dotnet, kt->dotnet);
                continue;
            }
        }
        fargs[i] = fv_from_krpc(fs, p->type, &kv);
    }
    if (rc != KRPC_OK) {
        for (size_t i = 0; i < done; i++)
            fv_release(&fargs[i]);
        return rc;
    }
    fval v;
    int s = run(c->srv, c->client, root, fargs, np, c->a, &v, c->err);
    for (size_t i = 0; i < np; i++)
        fv_release(&fargs[i]);
    if (s)
        return KRPC_ERROR;
    kbuf b = {0};
    bool is_null;
    if (encode_value(fs, fn_result_type(root), v, c->a, &is_null, &b, c->err)) {
        kbuf_free(&b);
        return KRPC_ERROR;
    }
    if (is_null)
        result->is_null = true;
    else
        krpc_set_string(call, result, (const char *)b.data, b.len);
    kbuf_free(&b);
    return KRPC_OK;
}

static int stream_value(krpc_server *srv, kclient *client, void *state, arena *a, bool *is_null, kbuf *value,
                        kerror *err) {
    const fnode *root = state;
    fval v;
    if (run(srv, client, root, NULL, 0, a, &v, err))
        return -1;
    return encode_value(fn_state(srv), fn_result_type(root), v, a, is_null, value, err);
}

int fn_krpc_add_function_stream(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const fnode *root = usable(call, &args[0], true, false);
    if (!root)
        return KRPC_ERROR;
    return streams_function_create(call, stream_value, (void *)root, NULL, result);
}

static int event_condition(krpc_server *srv, kclient *client, void *state, arena *a, bool *fire, kerror *err) {
    const fnode *root = state;
    fval v;
    if (run(srv, client, root, NULL, 0, a, &v, err))
        return -1;
    if (v.k == VK_NULL) {
        kerror_kind(err, a, KRPC_ERR_NULL_REFERENCE, "The event's function evaluated to null");
        return -1;
    }
    *fire = v.v.b;
    return 0;
}

int fn_krpc_add_event(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    if (!c->client->stream)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, NO_STREAM_CLIENT_TEXT);
    const fnode *root = usable(call, &args[0], true, false);
    if (!root)
        return KRPC_ERROR;
    if (fn_result_type(root)->code != FT_BOOL)
        return call_failf(call, KRPC_ERR_ARGUMENT, "The function must evaluate to a boolean value");
    if (!streams_event_create_internal(call, event_condition, (void *)root, NULL, result))
        return KRPC_ERROR;
    return KRPC_OK;
}
