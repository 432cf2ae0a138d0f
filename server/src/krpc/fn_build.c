/* The factories of KRPC.Type and KRPC.Expression as 0.7 clients see them
 * (v070-final.md 4.1-4.4): each builds one node and types it, so that a
 * mistake is reported by the call that makes it. Evaluation is in
 * fn_eval.c. */
#include "krpc/fn_internal.h"

#include "streams/streams.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }
static fnstate *FS(krpc_call *call) { return fn_state(ctx_of(call)->srv); }

#define INVALID KRPC_ERR_INVALID_OPERATION
#define ARGUMENT KRPC_ERR_ARGUMENT

/* ---- objects ------------------------------------------------------------------- */

bool fn_type_equals(const void *a, const void *b) { return ft_eq(a, b); }
uint64_t fn_type_hash(const void *t) { return ft_hash(t); }
void fn_type_release(void *t) { (void)t; /* server memory */ }

/* Constants are interned: equal type and value, one object. */
bool fn_expr_equals(const void *a, const void *b) {
    const fnode *x = a, *y = b;
    if (x == y)
        return true;
    if (x->op != FO_CONST || y->op != FO_CONST || !ft_eq(x->type, y->type))
        return false;
    if (x->k.k != y->k.k)
        return false;
    if (x->type->code == FT_DOUBLE || x->type->code == FT_FLOAT) /* bit for bit: NaN, -0 */
        return x->type->code == FT_DOUBLE ? memcmp(&x->k.v.d, &y->k.v.d, 8) == 0
                                          : memcmp(&x->k.v.f, &y->k.v.f, 4) == 0;
    return fv_equal(x->type, x->k, y->type, y->k);
}

uint64_t fn_expr_hash(const void *e) {
    const fnode *n = e;
    if (n->op != FO_CONST)
        return (uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15ull;
    return ft_hash(n->type) ^ fv_hash(n->type, n->k);
}

void fn_expr_release(void *e) { (void)e; /* server memory */ }

static fnode *arg_node(krpc_call *call, const krpc_value *v, const char *param) {
    kcallctx *c = ctx_of(call);
    if (v->is_null || !v->u.obj.ptr) {
        call_failf(call, KRPC_ERR_ARGUMENT_NULL, "The argument %s is null", param);
        return NULL;
    }
    kobject *o = objects_get(&c->srv->objects, v->u.obj.id);
    if (!o || o->ptr != v->u.obj.ptr || !o->cls->decl || o->cls->decl->release != fn_expr_release) {
        call_failf(call, ARGUMENT, "The argument %s is not an Expression", param);
        return NULL;
    }
    return o->ptr;
}

static const ftype *arg_type(krpc_call *call, const krpc_value *v, const char *param) {
    kcallctx *c = ctx_of(call);
    if (v->is_null || !v->u.obj.ptr) {
        call_failf(call, KRPC_ERR_ARGUMENT_NULL, "The argument %s is null", param);
        return NULL;
    }
    kobject *o = objects_get(&c->srv->objects, v->u.obj.id);
    if (!o || o->ptr != v->u.obj.ptr || !o->cls->decl || o->cls->decl->release != fn_type_release) {
        call_failf(call, ARGUMENT, "The argument %s is not a Type", param);
        return NULL;
    }
    return o->ptr;
}

/* The items of a list(Expression) or set(Expression) argument. */
static fnode **arg_nodes(krpc_call *call, const krpc_value *v, const char *param) {
    size_t n = v->u.seq.count;
    fnode **out = krpc_alloc(call, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = arg_node(call, &v->u.seq.items[i], param)))
            return NULL;
    return out;
}

static int type_result(const ftype *t, krpc_value *result) {
    result->u.obj.ptr = (void *)t;
    return KRPC_OK;
}

/* ---- Type ---------------------------------------------------------------------- */

#define TYPE_SCALAR(fname, code)                                                     \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        (void)args;                                                                  \
        return type_result(ft_scalar(FS(call), code), result);                       \
    }
TYPE_SCALAR(type_double, FT_DOUBLE)
TYPE_SCALAR(type_float, FT_FLOAT)
TYPE_SCALAR(type_int, FT_INT)
TYPE_SCALAR(type_long, FT_LONG)
TYPE_SCALAR(type_uint, FT_UINT)
TYPE_SCALAR(type_ulong, FT_ULONG)
TYPE_SCALAR(type_bool, FT_BOOL)
TYPE_SCALAR(type_string, FT_STRING)
TYPE_SCALAR(type_bytes, FT_BYTES)

/* A class, enumeration or structure a service declares (as 0.7 clients see
 * the services). */
static int named_type(krpc_call *call, const krpc_value *args, krpc_value *result, int code, const char *what) {
    kcallctx *c = ctx_of(call);
    const char *svc = args[0].u.s.data, *name = args[1].u.s.data;
    const kservice *s = registry_service_by_name_gen(&c->srv->registry, KGEN_V07, svc, args[0].u.s.len);
    if (!s)
        return call_failf(call, ARGUMENT, "Service %s not found", svc);
    fnstate *fs = FS(call);
    if (code == FT_CLASS)
        for (size_t i = 0; i < s->nclasses; i++)
            if (strcmp(s->classes[i]->name, name) == 0)
                return type_result(ft_from_ktype(fs, &s->classes[i]->type, false), result);
    if (code == FT_ENUM)
        for (size_t i = 0; i < s->nenums; i++)
            if (strcmp(s->enums[i]->name, name) == 0)
                return type_result(ft_from_ktype(fs, &s->enums[i]->type, false), result);
    if (code == FT_STRUCT)
        for (size_t i = 0; i < s->nstructs; i++)
            if (strcmp(s->structs[i]->name, name) == 0)
                return type_result(ft_from_ktype(fs, &s->structs[i]->type, false), result);
    return call_failf(call, ARGUMENT, "%s %s not found in service %s", what, name, svc);
}

static int type_class(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return named_type(call, args, result, FT_CLASS, "Class");
}
static int type_enumeration(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return named_type(call, args, result, FT_ENUM, "Enumeration");
}
static int type_struct(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return named_type(call, args, result, FT_STRUCT, "Structure");
}

static bool valid_element(krpc_call *call, const ftype *t) {
    if (t->code == FT_VOID || t->code == FT_SEQ || t->code == FT_FUNC || t->code == FT_MESSAGE) {
        call_failf(call, ARGUMENT, "A value of a collection or tuple cannot be of type %s", t->name);
        return false;
    }
    return true;
}

static int type_tuple(krpc_call *call, const krpc_value *args, krpc_value *result) {
    size_t n = args[0].u.seq.count;
    if (n < 1 || n > 7)
        return call_failf(call, ARGUMENT, "A tuple has 1 to 7 values, not %zu", n);
    const ftype *sub[7];
    for (size_t i = 0; i < n; i++)
        if (!(sub[i] = arg_type(call, &args[0].u.seq.items[i], "valueTypes")) || !valid_element(call, sub[i]))
            return KRPC_ERROR;
    return type_result(ft_make(FS(call), FT_TUPLE, NULL, sub, n, false), result);
}

static int type_list(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *e = arg_type(call, &args[0], "valueType");
    if (!e || !valid_element(call, e))
        return KRPC_ERROR;
    return type_result(ft_make(FS(call), FT_LIST, NULL, &e, 1, false), result);
}

static int type_set(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *e = arg_type(call, &args[0], "valueType");
    if (!e || !valid_element(call, e))
        return KRPC_ERROR;
    if (e->nullable)
        return call_failf(call, ARGUMENT, "The elements of a set cannot be nullable");
    return type_result(ft_make(FS(call), FT_SET, NULL, &e, 1, false), result);
}

static int type_dictionary(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *sub[2];
    if (!(sub[0] = arg_type(call, &args[0], "keyType")) || !(sub[1] = arg_type(call, &args[1], "valueType")) ||
        !valid_element(call, sub[1]))
        return KRPC_ERROR;
    if (sub[0]->nullable)
        return call_failf(call, ARGUMENT, "The keys of a dictionary cannot be nullable");
    if (!ft_valid_key(sub[0]))
        return call_failf(call, ARGUMENT, "The keys of a dictionary must be integers, bools or strings, not %s",
                    sub[0]->name);
    return type_result(ft_make(FS(call), FT_DICT, NULL, sub, 2, false), result);
}

static int type_nullable_type(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = arg_type(call, &args[0], "valueType");
    if (!t)
        return KRPC_ERROR;
    return type_result(ft_nullable(FS(call), t, true), result);
}

static const ftype *this_type(const krpc_value *args) { return args[0].u.obj.ptr; }

static int type_get_code(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    result->u.e = this_type(args)->code;
    return KRPC_OK;
}

static int type_get_service(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = this_type(args);
    const char *s = "";
    if (t->code == FT_CLASS)
        s = t->kt->cls->svc->name;
    else if (t->code == FT_ENUM)
        s = t->kt->enm->svc->name;
    else if (t->code == FT_STRUCT)
        s = t->kt->st->svc->name;
    krpc_set_string(call, result, s, strlen(s));
    return KRPC_OK;
}

static int type_get_name(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = this_type(args);
    const char *s = "";
    if (t->code == FT_CLASS)
        s = t->kt->cls->name;
    else if (t->code == FT_ENUM)
        s = t->kt->enm->name;
    else if (t->code == FT_STRUCT)
        s = t->kt->st->name;
    krpc_set_string(call, result, s, strlen(s));
    return KRPC_OK;
}

static int type_list_result(krpc_call *call, const ftype *const *types, size_t n, krpc_value *result) {
    krpc_value *items = krpc_alloc(call, (n ? n : 1) * sizeof *items);
    memset(items, 0, (n ? n : 1) * sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i].u.obj.ptr = (void *)types[i];
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

static int type_get_types(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = this_type(args);
    bool generic = t->code == FT_TUPLE || t->code == FT_LIST || t->code == FT_SET || t->code == FT_DICT;
    return type_list_result(call, t->sub, generic ? t->n : 0, result);
}

static int type_get_nullable(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    result->u.b = this_type(args)->nullable;
    return KRPC_OK;
}

/* ---- nodes ----------------------------------------------------------------------- */

static fnode *node(krpc_call *call, fop op, const ftype *type, fnode *const *kids, size_t n) {
    fnstate *fs = FS(call);
    unsigned depth = 0;
    for (size_t i = 0; i < n; i++)
        if (kids[i] && kids[i]->depth > depth)
            depth = kids[i]->depth;
    if (depth + 1 > FN_MAX_DEPTH) {
        call_failf(call, INVALID, "The function is nested too deeply (more than %d levels)", FN_MAX_DEPTH);
        return NULL;
    }
    fnode *x = arena_zalloc(&fs->mem, sizeof *x);
    x->op = op;
    x->type = type;
    x->depth = depth + 1;
    x->n = n;
    if (n) {
        x->kid = arena_alloc(&fs->mem, n * sizeof *x->kid);
        memcpy(x->kid, kids, n * sizeof *kids);
    }
    return x;
}

static int node_result(fnode *n, krpc_value *result) {
    if (!n)
        return KRPC_ERROR;
    result->u.obj.ptr = n;
    return KRPC_OK;
}

static const ftype *VOID_T(krpc_call *call) { return ft_scalar(FS(call), FT_VOID); }
static const ftype *T_(krpc_call *call, int code) { return ft_scalar(FS(call), code); }

/* A node that has a value (not a statement, a function or a message). */
static bool is_value(krpc_call *call, const fnode *n, const char *what) {
    int c = n->type->code;
    if (c == FT_VOID) {
        call_failf(call, INVALID, "%s is a statement, which has no value", what);
        return false;
    }
    if (c == FT_FUNC) {
        call_failf(call, INVALID, "%s is a function, not a value (use Invoke to call it)", what);
        return false;
    }
    if (c == FT_MESSAGE) {
        call_failf(call, INVALID, "%s is a protocol message, which a function cannot use", what);
        return false;
    }
    return true;
}

static const char *posf(krpc_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *posf(krpc_call *call, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return arena_strdup(&FS(call)->mem, buf);
}

/* n used where a value of type `to` is expected: as it is, or through an
 * implicit conversion (widening numbers, element by element for tuples and
 * collections, a null check into a position that is not nullable). Reports
 * an unrelated type. */
static fnode *coerce(krpc_call *call, fnode *n, const ftype *to, const char *where) {
    if (!is_value(call, n, where))
        return NULL;
    const ftype *from = n->type;
    if (ft_eq(from, to) || (to->nullable && ft_eq_plain(from, to)))
        return n;
    if (!ft_widens(from, to)) {
        call_failf(call, INVALID, "A value of type %s cannot be used as %s, which is of type %s (use Cast)", from->name,
             where, to->name);
        return NULL;
    }
    fnode *x = node(call, FO_CAST, to, &n, 1);
    if (x) {
        x->implicit = true;
        x->name = where;
    }
    return x;
}

/* A condition, or an operand of Not/ConditionalAnd/ConditionalOr: bool or bool?. */
static fnode *condition(krpc_call *call, fnode *n, const char *where) {
    if (!is_value(call, n, where))
        return NULL;
    if (n->type->code != FT_BOOL) {
        call_failf(call, INVALID, "%s must be a bool, not %s", where, n->type->name);
        return NULL;
    }
    return coerce(call, n, T_(call, FT_BOOL), where);
}

/* ---- constants ----------------------------------------------------------------------- */

static int constant(krpc_call *call, const ftype *t, fval v, krpc_value *result) {
    fnode *n = node(call, FO_CONST, t, NULL, 0);
    if (!n) {
        fv_release(&v);
        return KRPC_ERROR;
    }
    n->k = v;
    if (v.k == VK_HEAP)
        fn_own(FS(call), n);
    return node_result(n, result);
}

static int const_scalar(krpc_call *call, int code, const krpc_value *v, krpc_value *result) {
    fnstate *fs = FS(call);
    const ftype *t = ft_scalar(fs, code);
    return constant(call, t, fv_from_krpc(fs, t, v), result);
}

#define CONSTANT(fname, code)                                                        \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return const_scalar(call, code, &args[0], result);                           \
    }
CONSTANT(constant_double, FT_DOUBLE)
CONSTANT(constant_float, FT_FLOAT)
CONSTANT(constant_int, FT_INT)
CONSTANT(constant_long, FT_LONG)
CONSTANT(constant_uint, FT_UINT)
CONSTANT(constant_ulong, FT_ULONG)
CONSTANT(constant_bool, FT_BOOL)
CONSTANT(constant_string, FT_STRING)
CONSTANT(constant_bytes, FT_BYTES)

static int constant_null(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = arg_type(call, &args[0], "type");
    if (!t)
        return KRPC_ERROR;
    return constant(call, ft_nullable(FS(call), t, true), fv_null(), result);
}

static int constant_object(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    uint64_t id = args[0].u.u64;
    if (id == 0)
        return call_failf(call, ARGUMENT, "Object id 0 names no object");
    kobject *o = objects_get(&c->srv->objects, id);
    if (!o) {
        if (objects_was_destroyed(&c->srv->objects, id))
            return call_failf(call, KRPC_ERR_OBJECT_DESTROYED,
                        "The object with id %llu no longer exists, as the game object it referred to was destroyed",
                        (unsigned long long)id);
        return call_failf(call, ARGUMENT, "No object has the id %llu", (unsigned long long)id);
    }
    if (strcmp(o->cls->svc->name, "KRPC") == 0)
        return call_failf(call, ARGUMENT, "An object of the KRPC service (a %s) cannot be used in a function",
                    o->cls->name);
    fval v = fv_null();
    v.k = VK_OBJ;
    v.v.obj.ptr = o->ptr;
    v.v.obj.id = id;
    v.v.obj.cls = o->cls;
    return constant(call, ft_from_ktype(FS(call), &o->cls->type, false), v, result);
}

static int constant_enum(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    const char *svc = args[0].u.s.data, *name = args[1].u.s.data;
    const kservice *s = registry_service_by_name_gen(&c->srv->registry, KGEN_V07, svc, args[0].u.s.len);
    if (!s)
        return call_failf(call, ARGUMENT, "Service %s not found", svc);
    for (size_t i = 0; i < s->nenums; i++) {
        const kenum *e = s->enums[i];
        if (strcmp(e->name, name) != 0)
            continue;
        for (size_t j = 0; j < e->nvalues; j++)
            if (e->values[j].value == args[2].u.i32) {
                fval v = fv_null();
                v.k = VK_SCALAR;
                v.v.e = args[2].u.i32;
                return constant(call, ft_from_ktype(FS(call), &e->type, false), v, result);
            }
        return call_failf(call, ARGUMENT, "%d is not a value of the enumeration %s.%s", args[2].u.i32, svc, name);
    }
    return call_failf(call, ARGUMENT, "Enumeration %s not found in service %s", name, svc);
}

/* ---- calls ----------------------------------------------------------------------------- */

static int make_call(krpc_call *call, const kcall *src, const krpc_value *argmap, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    fnstate *fs = FS(call);
    if (!src->proc) {
        *c->err = src->lookup_err;
        return KRPC_ERROR;
    }
    const kproc *p = src->proc;
    if (strcmp(p->svc->name, "KRPC") == 0)
        return call_failf(call, ARGUMENT, "A function cannot call procedures of the KRPC service (%s)", p->fullname);
    if (p->ret && (p->ret->code == KT_EVENT || p->ret->code == KT_STREAM))
        return call_failf(call, ARGUMENT, "A function cannot call %s, which returns an event or a stream", p->fullname);
    size_t np = p->nparams;
    fnode **kids = krpc_alloc(call, (np ? np : 1) * sizeof *kids);
    memset(kids, 0, (np ? np : 1) * sizeof *kids);
    /* the template with the positions the expressions give marked supplied */
    kcall k = *src;
    k.args = krpc_alloc(call, (np ? np : 1) * sizeof *k.args);
    k.present = krpc_alloc(call, np ? np : 1);
    if (np) {
        memcpy(k.args, src->args, np * sizeof *k.args);
        memcpy(k.present, src->present, np);
    }
    if (argmap) {
        for (size_t i = 0; i < argmap->u.dict.count; i++) {
            int32_t pos = argmap->u.dict.keys[i].u.i32;
            if (pos < 0 || (size_t)pos >= np)
                return call_failf(call, ARGUMENT, "%s has no parameter at position %d (it has %zu)", p->fullname, pos, np);
            fnode *a = arg_node(call, &argmap->u.dict.values[i], "args");
            if (!a)
                return KRPC_ERROR;
            const kparam *prm = &p->params[pos];
            const ftype *pt = ft_from_ktype(fs, prm->type, prm->nullable);
            const char *where =
                posf(call, "the argument for parameter %s of %s", prm->name, p->fullname);
            if (!(kids[pos] = coerce(call, a, pt, where)))
                return KRPC_ERROR;
            memset(&k.args[pos], 0, sizeof k.args[pos]);
            k.args[pos].is_null = true; /* a placeholder: the expression gives it */
            k.present[pos] = 1;
        }
    }
    arena *mem = malloc(sizeof *mem);
    if (!mem)
        abort();
    arena_init(mem);
    kcall captured;
    const uint8_t *key;
    size_t keylen;
    k.bind_err.set = false;
    if (call_capture(c->srv, &k, c->a, mem, &captured, &key, &keylen, c->err)) {
        arena_free(mem);
        free(mem);
        return KRPC_ERROR;
    }
    const ftype *rt = p->ret ? ft_from_ktype(fs, p->ret, p->ret_nullable) : VOID_T(call);
    size_t nk = 0;
    for (size_t i = 0; i < np; i++)
        nk += kids[i] != NULL;
    fnode *n = node(call, FO_CALL, rt, NULL, 0);
    if (!n) {
        arena_free(mem);
        free(mem);
        return KRPC_ERROR;
    }
    n->call_mem = mem;
    n->call = captured;
    fn_own(fs, n);
    if (nk) {
        /* kids in parameter order, for the checks and the depth */
        n->arg_kids = arena_zalloc(&fs->mem, np * sizeof *n->arg_kids);
        n->kid = arena_alloc(&fs->mem, nk * sizeof *n->kid);
        unsigned depth = 0;
        for (size_t i = 0; i < np; i++)
            if (kids[i]) {
                n->arg_kids[i] = kids[i];
                n->kid[n->n++] = kids[i];
                if (kids[i]->depth > depth)
                    depth = kids[i]->depth;
            }
        n->depth = depth + 1;
    }
    return node_result(n, result);
}

static int build_call(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return make_call(call, args[0].u.host, NULL, result);
}

static int build_call_with_arguments(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return make_call(call, args[0].u.host, &args[1], result);
}

/* ---- operators ----------------------------------------------------------------------------- */

static const char *bin_name(int op) {
    static const char *names[] = {"Add", "Subtract", "Multiply", "Divide", "Modulo", "Power", "LeftShift",
                                  "RightShift", "And", "Or", "ExclusiveOr", "Equal", "NotEqual", "GreaterThan",
                                  "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"};
    return names[op];
}

/* Whether values of two types can be compared for equality. */
static bool related(const ftype *a, const ftype *b) {
    bool na = ft_is_numeric(a), nb = ft_is_numeric(b);
    if (na || nb)
        return na && nb;
    if (a->code != b->code || a->n != b->n)
        return false;
    switch (a->code) {
    case FT_CLASS:
    case FT_ENUM:
    case FT_STRUCT: return ft_eq_plain(a, b);
    case FT_TUPLE:
    case FT_LIST:
    case FT_SET:
    case FT_DICT:
    case FT_SEQ:
        for (size_t i = 0; i < a->n; i++)
            if (!related(a->sub[i], b->sub[i]))
                return false;
        return true;
    case FT_FUNC:
    case FT_MESSAGE:
    case FT_VOID: return false;
    default: return true;
    }
}

static int binary(krpc_call *call, const krpc_value *args, krpc_value *result, int op) {
    fnode *a = arg_node(call, &args[0], "arg0"), *b = a ? arg_node(call, &args[1], "arg1") : NULL;
    if (!b || !is_value(call, a, "The first operand") || !is_value(call, b, "The second operand"))
        return KRPC_ERROR;
    fnstate *fs = FS(call);
    const ftype *ta = a->type, *tb = b->type;
    const char *w0 = posf(call, "the first operand of %s", bin_name(op));
    const char *w1 = posf(call, "the second operand of %s", bin_name(op));
    const ftype *rt, *ct;
    switch (op) {
    case B_EQ:
    case B_NE: {
        if (!related(ta, tb))
            return call_failf(call, ARGUMENT, "Values of types %s and %s cannot be compared for equality", ta->name,
                        tb->name);
        fnode *kids[2] = {a, b};
        fnode *n = node(call, FO_BINARY, T_(call, FT_BOOL), kids, 2);
        if (n)
            n->sub = op;
        return node_result(n, result);
    }
    case B_SHL:
    case B_SHR: {
        if (!ft_is_integer(ta) || !ft_is_integer(tb))
            return call_failf(call, INVALID, "%s shifts an integer by an integer number of bits, not %s by %s",
                        bin_name(op), ta->name, tb->name);
        rt = ft_nullable(fs, ta, false);
        fnode *kids[2] = {coerce(call, a, rt, w0), b};
        if (!kids[0])
            return KRPC_ERROR;
        /* the count is converted to int, and only its low bits are used */
        if (tb->code != FT_INT || tb->nullable) {
            fnode *x = node(call, FO_CAST, T_(call, FT_INT), &b, 1);
            if (!x)
                return KRPC_ERROR;
            x->name = w1;
            kids[1] = x;
        }
        fnode *n = node(call, FO_BINARY, rt, kids, 2);
        if (n)
            n->sub = op;
        return node_result(n, result);
    }
    case B_AND:
    case B_OR:
    case B_XOR:
        if (ta->code == FT_BOOL && tb->code == FT_BOOL) {
            ct = rt = T_(call, FT_BOOL);
            break;
        }
        if (!ft_is_integer(ta) || !ft_is_integer(tb) || !ft_promote(ta->code, tb->code))
            return call_failf(call, INVALID, "%s takes two bools or two integers, not %s and %s", bin_name(op), ta->name,
                        tb->name);
        ct = rt = T_(call, ft_promote(ta->code, tb->code));
        break;
    default: {
        /* arithmetic and ordering: numbers, promoted */
        if (!ft_is_numeric(ta) || !ft_is_numeric(tb)) {
            if (op >= B_GT && ta->code == FT_ENUM && tb->code == FT_ENUM && ft_eq_plain(ta, tb)) {
                ct = ft_nullable(fs, ta, false);
                rt = T_(call, FT_BOOL);
                break;
            }
            return call_failf(call, INVALID, "%s is not defined for values of types %s and %s", bin_name(op), ta->name,
                        tb->name);
        }
        int code = ft_promote(ta->code, tb->code);
        if (!code)
            return call_failf(call, INVALID, "%s is not defined for values of types %s and %s: they have no common type",
                        bin_name(op), ta->name, tb->name);
        ct = T_(call, code);
        rt = op >= B_GT ? T_(call, FT_BOOL) : ct;
        break;
    }
    }
    fnode *kids[2] = {coerce(call, a, ct, w0), NULL};
    if (!kids[0] || !(kids[1] = coerce(call, b, ct, w1)))
        return KRPC_ERROR;
    fnode *n = node(call, FO_BINARY, rt, kids, 2);
    if (n)
        n->sub = op;
    return node_result(n, result);
}

#define BINARY(fname, op)                                                            \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return binary(call, args, result, op);                                       \
    }
BINARY(build_equal, B_EQ)
BINARY(build_not_equal, B_NE)
BINARY(build_greater_than, B_GT)
BINARY(build_greater_than_or_equal, B_GE)
BINARY(build_less_than, B_LT)
BINARY(build_less_than_or_equal, B_LE)
BINARY(build_and, B_AND)
BINARY(build_or, B_OR)
BINARY(build_exclusive_or, B_XOR)
BINARY(build_add, B_ADD)
BINARY(build_subtract, B_SUB)
BINARY(build_multiply, B_MUL)
BINARY(build_divide, B_DIV)
BINARY(build_modulo, B_MOD)
BINARY(build_power, B_POW)
BINARY(build_left_shift, B_SHL)
BINARY(build_right_shift, B_SHR)

static int build_not(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a || !is_value(call, a, "The operand of Not"))
        return KRPC_ERROR;
    fnode *x;
    if (a->type->code == FT_BOOL)
        x = condition(call, a, "the operand of Not");
    else if (ft_is_integer(a->type))
        x = coerce(call, a, ft_nullable(FS(call), a->type, false), "the operand of Not");
    else
        return call_failf(call, INVALID, "Not takes a bool or an integer, not %s", a->type->name);
    if (!x)
        return KRPC_ERROR;
    return node_result(node(call, FO_NOT, x->type, &x, 1), result);
}

static int build_negate(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a || !is_value(call, a, "The operand of Negate"))
        return KRPC_ERROR;
    int code = a->type->code;
    if (!ft_is_numeric(a->type))
        return call_failf(call, INVALID, "Negate takes a number, not %s", a->type->name);
    if (code == FT_ULONG)
        return call_failf(call, INVALID, "A ulong cannot be negated");
    if (code == FT_UINT)
        code = FT_LONG;
    fnode *x = coerce(call, a, T_(call, code), "the operand of Negate");
    if (!x)
        return KRPC_ERROR;
    return node_result(node(call, FO_NEGATE, x->type, &x, 1), result);
}

static int logical(krpc_call *call, const krpc_value *args, krpc_value *result, fop op, const char *name) {
    fnode *a = arg_node(call, &args[0], "arg0"), *b = a ? arg_node(call, &args[1], "arg1") : NULL;
    if (!b)
        return KRPC_ERROR;
    fnode *kids[2] = {condition(call, a, posf(call, "the first operand of %s", name)), NULL};
    if (!kids[0] || !(kids[1] = condition(call, b, posf(call, "the second operand of %s", name))))
        return KRPC_ERROR;
    return node_result(node(call, op, T_(call, FT_BOOL), kids, 2), result);
}

static int build_conditional_and(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return logical(call, args, result, FO_CAND, "ConditionalAnd");
}

static int build_conditional_or(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return logical(call, args, result, FO_COR, "ConditionalOr");
}

static int build_conditional(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *c = arg_node(call, &args[0], "condition"), *a = c ? arg_node(call, &args[1], "ifTrue") : NULL,
          *b = a ? arg_node(call, &args[2], "ifFalse") : NULL;
    if (!b)
        return KRPC_ERROR;
    fnode *kids[3] = {condition(call, c, "the condition of Conditional"), a, b};
    if (!kids[0])
        return KRPC_ERROR;
    const ftype *rt;
    bool va = a->type->code == FT_VOID, vb = b->type->code == FT_VOID;
    if (va && vb)
        rt = VOID_T(call);
    else if (va || vb) {
        /* a Throw in one branch takes the type of the other */
        fnode *v = va ? a : b;
        if (v->op != FO_THROW)
            return call_failf(call, INVALID, "One branch of Conditional is a statement and the other a value");
        rt = (va ? b : a)->type;
    } else {
        const ftype *types[2] = {a->type, b->type};
        const char *why;
        if (!is_value(call, a, "The first branch of Conditional") || !is_value(call, b, "The second branch"))
            return KRPC_ERROR;
        if (!(rt = ft_common(FS(call), types, 2, ctx_of(call)->a, &why)))
            return call_failf(call, INVALID, "%s", why);
        if (!(kids[1] = coerce(call, a, rt, "the first branch of Conditional")) ||
            !(kids[2] = coerce(call, b, rt, "the second branch of Conditional")))
            return KRPC_ERROR;
    }
    return node_result(node(call, FO_COND, rt, kids, 3), result);
}

static int build_cast(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    const ftype *t = a ? arg_type(call, &args[1], "type") : NULL;
    if (!t || !is_value(call, a, "The value to Cast"))
        return KRPC_ERROR;
    if (!ft_castable(a->type, t))
        return call_failf(call, INVALID, "A value of type %s cannot be converted to %s", a->type->name, t->name);
    fnode *n = node(call, FO_CAST, t, &a, 1);
    if (n)
        n->name = "the value to Cast";
    return node_result(n, result);
}

static int build_is_null(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a || !is_value(call, a, "The value given to IsNull"))
        return KRPC_ERROR;
    if (!a->type->nullable)
        return call_failf(call, ARGUMENT, "A value of type %s cannot be null", a->type->name);
    return node_result(node(call, FO_ISNULL, T_(call, FT_BOOL), &a, 1), result);
}

/* ---- functions ------------------------------------------------------------------------------- */

static bool valid_name(const char *s) { return s && *s; }

static int build_parameter(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = arg_type(call, &args[1], "type");
    if (!t)
        return KRPC_ERROR;
    if (!valid_name(args[0].u.s.data))
        return call_failf(call, ARGUMENT, "A parameter needs a name");
    fnode *n = node(call, FO_PARAM, t, NULL, 0);
    if (n)
        n->name = arena_strdup(&FS(call)->mem, args[0].u.s.data);
    return node_result(n, result);
}

/* The Return nodes a Lambda binds: in its body, not in nested Lambdas. */
static void collect_returns(const fnode *n, const fnode ***out, size_t *count, size_t *cap, int depth) {
    if (!n || depth > FN_MAX_DEPTH)
        return;
    if (n->op == FO_LAMBDA)
        return;
    if (n->op == FO_RETURN) {
        if (*count == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *out = realloc(*out, *cap * sizeof **out);
            if (!*out)
                abort();
        }
        (*out)[(*count)++] = n;
    }
    for (size_t i = 0; i < n->n; i++)
        collect_returns(n->kid[i], out, count, cap, depth + 1);
    for (size_t i = 0; i < n->nvars; i++)
        collect_returns(n->vars[i], out, count, cap, depth + 1);
}

static int build_lambda(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **params = arg_nodes(call, &args[0], "parameters");
    fnode *body = params ? arg_node(call, &args[1], "body") : NULL;
    if (!body)
        return KRPC_ERROR;
    size_t np = args[0].u.seq.count;
    for (size_t i = 0; i < np; i++) {
        if (params[i]->op != FO_PARAM)
            return call_failf(call, ARGUMENT, "The parameters of a Lambda must be Parameter expressions");
        for (size_t j = 0; j < i; j++)
            if (params[j] == params[i] || strcmp(params[j]->name, params[i]->name) == 0)
                return call_failf(call, ARGUMENT, "The Lambda has two parameters named %s", params[i]->name);
    }
    if (body->type->code == FT_FUNC || body->type->code == FT_MESSAGE)
        return call_failf(call, INVALID, "The body of a Lambda cannot be a %s",
                    body->type->code == FT_FUNC ? "function" : "protocol message");
    /* the result: the common type of the body's value and every Return's */
    const fnode **rets = NULL;
    size_t nret = 0, cap = 0;
    collect_returns(body, &rets, &nret, &cap, 0);
    const ftype **types = krpc_alloc(call, (nret + 1) * sizeof *types);
    size_t nt = 0, nothing = 0;
    if (body->type->code != FT_VOID)
        types[nt++] = body->type;
    for (size_t i = 0; i < nret; i++) {
        if (rets[i]->n)
            types[nt++] = rets[i]->kid[0]->type;
        else
            nothing++;
    }
    free(rets);
    const ftype *rt;
    if (nt == 0)
        rt = VOID_T(call);
    else {
        if (nothing)
            return call_failf(call, INVALID, "The Lambda returns a value in some places and nothing in others");
        const char *why;
        if (!(rt = ft_common(FS(call), types, nt, ctx_of(call)->a, &why)))
            return call_failf(call, INVALID, "The values the Lambda returns have no common type. %s", why);
    }
    const ftype **sub = krpc_alloc(call, (np + 1) * sizeof *sub);
    for (size_t i = 0; i < np; i++)
        sub[i] = params[i]->type;
    sub[np] = rt;
    fnode **kids = krpc_alloc(call, (np + 1) * sizeof *kids);
    memcpy(kids, params, np * sizeof *kids);
    kids[np] = body;
    return node_result(node(call, FO_LAMBDA, ft_make(FS(call), FT_FUNC, NULL, sub, np + 1, false), kids, np + 1),
                       result);
}

static int build_invoke(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *f = arg_node(call, &args[0], "function");
    if (!f)
        return KRPC_ERROR;
    if (f->type->code != FT_FUNC || f->op != FO_LAMBDA)
        return call_failf(call, INVALID, "Invoke calls a Lambda, not a value of type %s", f->type->name);
    size_t np = f->type->n - 1;
    fnode **kids = krpc_alloc(call, (np + 1) * sizeof *kids);
    memset(kids, 0, (np + 1) * sizeof *kids);
    kids[0] = f;
    const krpc_value *m = &args[1];
    for (size_t i = 0; i < m->u.dict.count; i++) {
        const char *name = m->u.dict.keys[i].u.s.data;
        size_t p = SIZE_MAX;
        for (size_t j = 0; j < np; j++)
            if (strcmp(f->kid[j]->name, name) == 0)
                p = j;
        if (p == SIZE_MAX)
            return call_failf(call, ARGUMENT, "The function has no parameter named %s", name);
        fnode *a = arg_node(call, &m->u.dict.values[i], "args");
        if (!a || !(kids[p + 1] = coerce(call, a, f->kid[p]->type, posf(call, "the argument for parameter %s", name))))
            return KRPC_ERROR;
    }
    for (size_t j = 0; j < np; j++)
        if (!kids[j + 1])
            return call_failf(call, ARGUMENT, "No argument is given for the parameter %s", f->kid[j]->name);
    return node_result(node(call, FO_INVOKE, f->type->sub[np], kids, np + 1), result);
}

/* ---- construction -------------------------------------------------------------------------- */

static int build_tuple(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **v = arg_nodes(call, &args[0], "elements");
    if (!v)
        return KRPC_ERROR;
    size_t n = args[0].u.seq.count;
    if (n < 1 || n > 7)
        return call_failf(call, ARGUMENT, "A tuple has 1 to 7 elements, not %zu", n);
    const ftype *sub[7];
    for (size_t i = 0; i < n; i++) {
        if (!is_value(call, v[i], "An element of a tuple") || !valid_element(call, v[i]->type))
            return KRPC_ERROR;
        sub[i] = v[i]->type;
    }
    return node_result(node(call, FO_TUPLE, ft_make(FS(call), FT_TUPLE, NULL, sub, n, false), v, n), result);
}

static int build_struct(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = arg_type(call, &args[0], "type");
    fnode **v = t ? arg_nodes(call, &args[1], "fieldValues") : NULL;
    if (!v)
        return KRPC_ERROR;
    if (t->code != FT_STRUCT)
        return call_failf(call, ARGUMENT, "CreateStruct needs a structure type, not %s", t->name);
    size_t n = args[1].u.seq.count;
    if (n != t->n)
        return call_failf(call, ARGUMENT, "The structure %s has %zu fields, but %zu values are given", t->name, t->n, n);
    fnode **kids = krpc_alloc(call, (n ? n : 1) * sizeof *kids);
    for (size_t i = 0; i < n; i++)
        if (!(kids[i] = coerce(call, v[i], t->sub[i],
                               posf(call, "the field %s of %s", t->kt->st->fields[i].name, t->name))))
            return KRPC_ERROR;
    return node_result(node(call, FO_STRUCT, ft_nullable(FS(call), t, false), kids, n), result);
}

static int build_get_field(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a || !is_value(call, a, "The value given to GetField"))
        return KRPC_ERROR;
    if (a->type->code != FT_STRUCT)
        return call_failf(call, INVALID, "GetField reads a field of a structure, not of a %s", a->type->name);
    const kstruct *st = a->type->kt->st;
    for (size_t i = 0; i < st->nfields; i++)
        if (strcmp(st->fields[i].name, args[1].u.s.data) == 0) {
            fnode *x = coerce(call, a, ft_nullable(FS(call), a->type, false), "the structure given to GetField");
            fnode *n = x ? node(call, FO_FIELD, a->type->sub[i], &x, 1) : NULL;
            if (n)
                n->index = (int64_t)i;
            return node_result(n, result);
        }
    return call_failf(call, ARGUMENT, "The structure %s has no field %s", a->type->name, args[1].u.s.data);
}

/* The common type of values, each converted to it. */
static const ftype *common_of(krpc_call *call, fnode **v, size_t n, const char *what, bool key) {
    const ftype **types = krpc_alloc(call, (n ? n : 1) * sizeof *types);
    for (size_t i = 0; i < n; i++) {
        if (!is_value(call, v[i], what) || !valid_element(call, v[i]->type))
            return NULL;
        types[i] = v[i]->type;
    }
    const char *why;
    const ftype *t = ft_common(FS(call), types, n, ctx_of(call)->a, &why);
    if (!t) {
        call_failf(call, INVALID, "%s", why);
        return NULL;
    }
    if (key) {
        t = ft_nullable(FS(call), t, false); /* a null is checked as it goes in */
        if (!ft_valid_key(t)) {
            call_failf(call, INVALID, "%s must be integers, bools or strings, not %s", what, t->name);
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = coerce(call, v[i], t, what)))
            return NULL;
    return t;
}

static int build_list(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **v = arg_nodes(call, &args[0], "values");
    size_t n = args[0].u.seq.count;
    if (!v)
        return KRPC_ERROR;
    if (n == 0)
        return call_failf(call, ARGUMENT, "CreateList needs at least one value (use CreateEmptyList)");
    const ftype *e = common_of(call, v, n, "the values of the list", false);
    if (!e)
        return KRPC_ERROR;
    return node_result(node(call, FO_LIST, ft_make(FS(call), FT_LIST, NULL, &e, 1, false), v, n), result);
}

static int build_set(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **v = arg_nodes(call, &args[0], "values");
    size_t n = args[0].u.seq.count;
    if (!v)
        return KRPC_ERROR;
    if (n == 0)
        return call_failf(call, ARGUMENT, "CreateSet needs at least one value (use CreateEmptySet)");
    const ftype **types = krpc_alloc(call, n * sizeof *types);
    for (size_t i = 0; i < n; i++) {
        if (!is_value(call, v[i], "A value of the set"))
            return KRPC_ERROR;
        types[i] = v[i]->type;
    }
    const char *why;
    const ftype *e = ft_common(FS(call), types, n, ctx_of(call)->a, &why);
    if (!e)
        return call_failf(call, INVALID, "%s", why);
    e = ft_nullable(FS(call), e, false);
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = coerce(call, v[i], e, "a value of the set")))
            return KRPC_ERROR;
    return node_result(node(call, FO_SET, ft_make(FS(call), FT_SET, NULL, &e, 1, false), v, n), result);
}

static int build_dictionary(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **k = arg_nodes(call, &args[0], "keys");
    fnode **v = k ? arg_nodes(call, &args[1], "values") : NULL;
    if (!v)
        return KRPC_ERROR;
    size_t n = args[0].u.seq.count;
    if (n != args[1].u.seq.count)
        return call_failf(call, ARGUMENT, "CreateDictionary needs as many values as keys (%zu keys, %zu values)", n,
                    args[1].u.seq.count);
    if (n == 0)
        return call_failf(call, ARGUMENT, "CreateDictionary needs at least one entry (use CreateEmptyDictionary)");
    const ftype *sub[2];
    if (!(sub[0] = common_of(call, k, n, "the keys of the dictionary", true)) ||
        !(sub[1] = common_of(call, v, n, "the values of the dictionary", false)))
        return KRPC_ERROR;
    fnode **kids = krpc_alloc(call, 2 * n * sizeof *kids);
    memcpy(kids, k, n * sizeof *kids);
    memcpy(kids + n, v, n * sizeof *kids);
    fnode *x = node(call, FO_DICT, ft_make(FS(call), FT_DICT, NULL, sub, 2, false), kids, 2 * n);
    if (x)
        x->index = (int64_t)n;
    return node_result(x, result);
}

static int empty_collection(krpc_call *call, const ftype *t, krpc_value *result) {
    return node_result(node(call, FO_EMPTY, t, NULL, 0), result);
}

static int build_empty_list(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *e = arg_type(call, &args[0], "valueType");
    if (!e || !valid_element(call, e))
        return KRPC_ERROR;
    return empty_collection(call, ft_make(FS(call), FT_LIST, NULL, &e, 1, false), result);
}

static int build_empty_set(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *e = arg_type(call, &args[0], "valueType");
    if (!e || !valid_element(call, e))
        return KRPC_ERROR;
    if (e->nullable)
        return call_failf(call, ARGUMENT, "The elements of a set cannot be nullable");
    return empty_collection(call, ft_make(FS(call), FT_SET, NULL, &e, 1, false), result);
}

static int build_empty_dictionary(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *sub[2];
    if (!(sub[0] = arg_type(call, &args[0], "keyType")) || !(sub[1] = arg_type(call, &args[1], "valueType")) ||
        !valid_element(call, sub[1]))
        return KRPC_ERROR;
    if (sub[0]->nullable)
        return call_failf(call, ARGUMENT, "The keys of a dictionary cannot be nullable");
    if (!ft_valid_key(sub[0]))
        return call_failf(call, ARGUMENT, "The keys of a dictionary must be integers, bools or strings, not %s",
                    sub[0]->name);
    return empty_collection(call, ft_make(FS(call), FT_DICT, NULL, sub, 2, false), result);
}

/* ---- queries ------------------------------------------------------------------------------- */

/* A collection operand: a list, set, dictionary or lazy sequence (dict: only
 * if allowed), converted to its non-nullable type. */
static fnode *collection(krpc_call *call, fnode *a, const char *op, bool dict_ok) {
    if (!is_value(call, a, "The collection"))
        return NULL;
    if (a->type->code == FT_STRING) {
        call_failf(call, INVALID, "%s takes a collection; a string is not one (use the String operations)", op);
        return NULL;
    }
    if (!ft_is_sequence(a->type) && !(dict_ok && a->type->code == FT_DICT)) {
        call_failf(call, INVALID, "%s takes a %s, not a %s", op, dict_ok ? "collection" : "list, set or sequence",
             a->type->name);
        return NULL;
    }
    return coerce(call, a, ft_nullable(FS(call), a->type, false), posf(call, "the collection given to %s", op));
}

static fnode *query_node(krpc_call *call, int q, const ftype *t, fnode *const *kids, size_t n) {
    fnode *x = node(call, FO_QUERY, t, kids, n);
    if (x)
        x->sub = q;
    return x;
}

static const ftype *seq_of(krpc_call *call, const ftype *e) { return ft_make(FS(call), FT_SEQ, NULL, &e, 1, false); }

/* A function argument taking the elements (and maybe their index). */
static bool check_func(krpc_call *call, fnode *f, const ftype *elem, const char *op, size_t *nparams,
                       bool index_ok) {
    if (f->type->code != FT_FUNC || f->op != FO_LAMBDA) {
        call_failf(call, INVALID, "%s takes a Lambda, not a value of type %s", op, f->type->name);
        return false;
    }
    size_t np = f->type->n - 1;
    if (np != 1 && !(index_ok && np == 2)) {
        call_failf(call, INVALID, "The Lambda given to %s takes %zu parameters; it should take one%s", op, np,
             index_ok ? " (the element), or two (the element and its index)" : " (the element)");
        return false;
    }
    if (!ft_widens(elem, f->type->sub[0]) && !ft_eq_plain(elem, f->type->sub[0])) {
        call_failf(call, INVALID, "The Lambda given to %s takes a %s, but the elements are of type %s", op,
             f->type->sub[0]->name, elem->name);
        return false;
    }
    if (np == 2 && f->type->sub[1]->code != FT_INT) {
        call_failf(call, INVALID, "The second parameter of the Lambda given to %s, the index, must be an int", op);
        return false;
    }
    if (f->type->sub[np]->code == FT_VOID) {
        call_failf(call, INVALID, "The Lambda given to %s has no value", op);
        return false;
    }
    *nparams = np;
    return true;
}

static int unary_query(krpc_call *call, const krpc_value *args, krpc_value *result, int q, const char *op) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a)
        return KRPC_ERROR;
    bool dict_ok = q == Q_COUNT || q == Q_KEYS || q == Q_VALUES;
    if ((q == Q_KEYS || q == Q_VALUES) && a->type->code != FT_DICT)
        return call_failf(call, INVALID, "%s takes a dictionary, not a %s", op, a->type->name);
    fnode *c = collection(call, a, op, dict_ok);
    if (!c)
        return KRPC_ERROR;
    fnstate *fs = FS(call);
    const ftype *e = c->type->sub[0], *rt = NULL;
    switch (q) {
    case Q_TOLIST: rt = ft_make(fs, FT_LIST, NULL, &e, 1, false); break;
    case Q_TOSET: {
        const ftype *pe = ft_nullable(fs, e, false);
        rt = ft_make(fs, FT_SET, NULL, &pe, 1, false);
        break;
    }
    case Q_COUNT: rt = T_(call, FT_INT); break;
    case Q_SUM:
        if (!ft_is_numeric(e))
            return call_failf(call, INVALID, "Sum adds numbers, not %s", e->name);
        rt = ft_nullable(fs, e, false);
        break;
    case Q_MAX:
    case Q_MIN:
        if (!ft_orderable(e))
            return call_failf(call, INVALID, "%s needs values with an order, not %s", op, e->name);
        rt = e;
        break;
    case Q_AVERAGE:
        if (!ft_is_numeric(e))
            return call_failf(call, INVALID, "Average takes numbers, not %s", e->name);
        rt = T_(call, e->code == FT_FLOAT ? FT_FLOAT : FT_DOUBLE);
        break;
    case Q_KEYS: rt = ft_make(fs, FT_LIST, NULL, &c->type->sub[0], 1, false); break;
    case Q_VALUES: rt = ft_make(fs, FT_LIST, NULL, &c->type->sub[1], 1, false); break;
    case Q_FIRST:
    case Q_LAST: rt = e; break;
    case Q_DISTINCT:
    case Q_REVERSE: rt = seq_of(call, e); break;
    }
    return node_result(query_node(call, q, rt, &c, 1), result);
}

#define UNARY_QUERY(fname, q, op)                                                    \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return unary_query(call, args, result, q, op);                               \
    }
UNARY_QUERY(build_to_list, Q_TOLIST, "ToList")
UNARY_QUERY(build_to_set, Q_TOSET, "ToSet")
UNARY_QUERY(build_count, Q_COUNT, "Count")
UNARY_QUERY(build_sum, Q_SUM, "Sum")
UNARY_QUERY(build_max, Q_MAX, "Max")
UNARY_QUERY(build_min, Q_MIN, "Min")
UNARY_QUERY(build_average, Q_AVERAGE, "Average")
UNARY_QUERY(build_keys, Q_KEYS, "DictionaryKeys")
UNARY_QUERY(build_values, Q_VALUES, "DictionaryValues")
UNARY_QUERY(build_first, Q_FIRST, "First")
UNARY_QUERY(build_last, Q_LAST, "Last")
UNARY_QUERY(build_distinct, Q_DISTINCT, "Distinct")
UNARY_QUERY(build_reverse, Q_REVERSE, "Reverse")

static fnode *int_index(krpc_call *call, fnode *i, const char *op) {
    if (!is_value(call, i, "The index"))
        return NULL;
    if (i->type->code != FT_INT) {
        call_failf(call, INVALID, "The index or count given to %s must be an int, not %s (use Cast)", op, i->type->name);
        return NULL;
    }
    return coerce(call, i, T_(call, FT_INT), posf(call, "the index given to %s", op));
}

static int build_get(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *i = a ? arg_node(call, &args[1], "index") : NULL;
    if (!i || !is_value(call, a, "The value given to Get"))
        return KRPC_ERROR;
    const ftype *t = a->type;
    if (t->code == FT_TUPLE) {
        if (i->op != FO_CONST || i->type->code != FT_INT || i->k.k == VK_NULL)
            return call_failf(call, INVALID, "The index of a tuple element must be a constant int");
        int32_t idx = i->k.v.i;
        if (idx < 0 || (size_t)idx >= t->n)
            return call_failf(call, KRPC_ERR_INDEX_OUT_OF_RANGE, "Index %d is outside the tuple of %zu elements", idx,
                        t->n);
        fnode *x = coerce(call, a, ft_nullable(FS(call), t, false), "the tuple given to Get");
        fnode *n = x ? node(call, FO_FIELD, t->sub[idx], &x, 1) : NULL;
        if (n)
            n->index = idx;
        return node_result(n, result);
    }
    if (t->code == FT_STRING)
        return call_failf(call, INVALID, "Get takes a tuple, list or dictionary; a string is not one (use StringGet)");
    fnode *kids[2];
    if (t->code == FT_LIST) {
        if (!(kids[0] = collection(call, a, "Get", false)) || !(kids[1] = int_index(call, i, "Get")))
            return KRPC_ERROR;
        return node_result(query_node(call, Q_GET, t->sub[0], kids, 2), result);
    }
    if (t->code == FT_DICT) {
        if (!(kids[0] = collection(call, a, "Get", true)) ||
            !(kids[1] = coerce(call, i, t->sub[0], "the key given to Get")))
            return KRPC_ERROR;
        return node_result(query_node(call, Q_GET, t->sub[1], kids, 2), result);
    }
    return call_failf(call, INVALID, "Get takes a tuple, list or dictionary, not a %s (use ElementAt)", t->name);
}

static int build_element_at(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *i = a ? arg_node(call, &args[1], "index") : NULL;
    fnode *kids[2];
    if (!i || !(kids[0] = collection(call, a, "ElementAt", false)) || !(kids[1] = int_index(call, i, "ElementAt")))
        return KRPC_ERROR;
    return node_result(query_node(call, Q_ELEMENTAT, kids[0]->type->sub[0], kids, 2), result);
}

static int skip_take(krpc_call *call, const krpc_value *args, krpc_value *result, int q, const char *op) {
    fnode *a = arg_node(call, &args[0], "arg"), *i = a ? arg_node(call, &args[1], "count") : NULL;
    fnode *kids[2];
    if (!i || !(kids[0] = collection(call, a, op, false)) || !(kids[1] = int_index(call, i, op)))
        return KRPC_ERROR;
    return node_result(query_node(call, q, seq_of(call, kids[0]->type->sub[0]), kids, 2), result);
}

static int build_skip(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return skip_take(call, args, result, Q_SKIP, "Skip");
}

static int build_take(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return skip_take(call, args, result, Q_TAKE, "Take");
}

static int func_query(krpc_call *call, const krpc_value *args, krpc_value *result, int q, const char *op) {
    fnode *a = arg_node(call, &args[0], "arg"), *f = a ? arg_node(call, &args[1], "func") : NULL;
    if (!f)
        return KRPC_ERROR;
    fnode *c = collection(call, a, op, false);
    if (!c)
        return KRPC_ERROR;
    const ftype *e = c->type->sub[0];
    size_t np;
    bool index_ok = q == Q_SELECT || q == Q_WHERE;
    if (!check_func(call, f, e, op, &np, index_ok))
        return KRPC_ERROR;
    const ftype *fr = f->type->sub[np], *rt = NULL;
    fnstate *fs = FS(call);
    switch (q) {
    case Q_SELECT: rt = seq_of(call, fr); break;
    case Q_WHERE:
    case Q_ALL:
    case Q_ANY:
        if (fr->code != FT_BOOL)
            return call_failf(call, INVALID, "The Lambda given to %s must return a bool, not %s", op, fr->name);
        rt = q == Q_WHERE ? seq_of(call, e) : T_(call, FT_BOOL);
        break;
    case Q_SELECTMANY:
        if (!ft_is_sequence(fr))
            return call_failf(call, INVALID, "The Lambda given to SelectMany must return a collection, not %s", fr->name);
        rt = seq_of(call, fr->sub[0]);
        break;
    case Q_ORDERBY:
    case Q_MINBY:
    case Q_MAXBY:
        if (!ft_orderable(fr))
            return call_failf(call, INVALID, "The key given to %s must have an order, not be a %s", op, fr->name);
        rt = q == Q_ORDERBY ? seq_of(call, e) : e;
        break;
    case Q_GROUPBY: {
        const ftype *k = ft_nullable(fs, fr, false);
        if (!ft_valid_key(k))
            return call_failf(call, INVALID, "The key given to GroupBy must be an integer, bool or string, not %s",
                        fr->name);
        const ftype *sub[2] = {k, ft_make(fs, FT_LIST, NULL, &e, 1, false)};
        rt = ft_make(fs, FT_DICT, NULL, sub, 2, false);
        break;
    }
    case Q_AGGREGATE: {
        if (np != 1 && f->type->n != 3)
            return KRPC_ERROR;
        break;
    }
    }
    fnode *kids[2] = {c, f};
    fnode *n = query_node(call, q, rt, kids, 2);
    if (n)
        n->indexed = np == 2;
    return node_result(n, result);
}

#define FUNC_QUERY(fname, q, op)                                                     \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return func_query(call, args, result, q, op);                                \
    }
FUNC_QUERY(build_select, Q_SELECT, "Select")
FUNC_QUERY(build_where, Q_WHERE, "Where")
FUNC_QUERY(build_select_many, Q_SELECTMANY, "SelectMany")
FUNC_QUERY(build_order_by, Q_ORDERBY, "OrderBy")
FUNC_QUERY(build_all, Q_ALL, "All")
FUNC_QUERY(build_any, Q_ANY, "Any")
FUNC_QUERY(build_min_by, Q_MINBY, "MinBy")
FUNC_QUERY(build_max_by, Q_MAXBY, "MaxBy")
FUNC_QUERY(build_group_by, Q_GROUPBY, "GroupBy")

static int build_build_dictionary(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *kf = a ? arg_node(call, &args[1], "keyFunc") : NULL,
          *vf = kf ? arg_node(call, &args[2], "valueFunc") : NULL;
    if (!vf)
        return KRPC_ERROR;
    fnode *c = collection(call, a, "BuildDictionary", false);
    size_t np;
    if (!c || !check_func(call, kf, c->type->sub[0], "BuildDictionary", &np, false) ||
        !check_func(call, vf, c->type->sub[0], "BuildDictionary", &np, false))
        return KRPC_ERROR;
    const ftype *sub[2] = {ft_nullable(FS(call), kf->type->sub[1], false), vf->type->sub[1]};
    if (!ft_valid_key(sub[0]))
        return call_failf(call, INVALID, "The keys of a dictionary must be integers, bools or strings, not %s",
                    sub[0]->name);
    fnode *kids[3] = {c, kf, vf};
    return node_result(query_node(call, Q_BUILDDICT, ft_make(FS(call), FT_DICT, NULL, sub, 2, false), kids, 3),
                       result);
}

static int build_contains(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *v = a ? arg_node(call, &args[1], "value") : NULL;
    if (!v || !is_value(call, v, "The value given to Contains"))
        return KRPC_ERROR;
    if (a->type->code == FT_DICT)
        return call_failf(call, INVALID, "Contains does not take a dictionary (use ContainsKey)");
    fnode *c = collection(call, a, "Contains", false);
    if (!c)
        return KRPC_ERROR;
    if (!related(c->type->sub[0], v->type))
        return call_failf(call, ARGUMENT, "Values of types %s and %s cannot be compared for equality", c->type->sub[0]->name,
                    v->type->name);
    fnode *kids[2] = {c, v};
    return node_result(query_node(call, Q_CONTAINS, T_(call, FT_BOOL), kids, 2), result);
}

static int build_contains_key(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *k = a ? arg_node(call, &args[1], "key") : NULL;
    if (!k || !is_value(call, a, "The dictionary"))
        return KRPC_ERROR;
    if (a->type->code != FT_DICT)
        return call_failf(call, INVALID, "ContainsKey takes a dictionary, not a %s", a->type->name);
    fnode *c = collection(call, a, "ContainsKey", true);
    if (!c || !is_value(call, k, "The key"))
        return KRPC_ERROR;
    if (!related(c->type->sub[0], k->type))
        return call_failf(call, INVALID, "A key of type %s cannot be looked up in a dictionary with %s keys", k->type->name,
                    c->type->sub[0]->name);
    fnode *kids[2] = {c, k};
    return node_result(query_node(call, Q_CONTAINSKEY, T_(call, FT_BOOL), kids, 2), result);
}

static int build_aggregate(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *f = a ? arg_node(call, &args[1], "func") : NULL;
    if (!f)
        return KRPC_ERROR;
    fnode *c = collection(call, a, "Aggregate", false);
    if (!c)
        return KRPC_ERROR;
    const ftype *e = c->type->sub[0];
    if (f->type->code != FT_FUNC || f->op != FO_LAMBDA || f->type->n != 3)
        return call_failf(call, INVALID, "Aggregate takes a Lambda of two parameters (the accumulator and an element)");
    const ftype *acc = f->type->sub[0];
    if (!ft_widens(e, acc) || !ft_widens(e, f->type->sub[1]) || !ft_widens(f->type->sub[2], acc))
        return call_failf(call, INVALID, "The Lambda given to Aggregate must take and return the elements' type %s",
                    e->name);
    fnode *kids[2] = {c, f};
    return node_result(query_node(call, Q_AGGREGATE, acc, kids, 2), result);
}

static int build_aggregate_with_seed(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *s = a ? arg_node(call, &args[1], "seed") : NULL,
          *f = s ? arg_node(call, &args[2], "func") : NULL;
    if (!f)
        return KRPC_ERROR;
    fnode *c = collection(call, a, "AggregateWithSeed", false);
    if (!c)
        return KRPC_ERROR;
    const ftype *e = c->type->sub[0];
    if (f->type->code != FT_FUNC || f->op != FO_LAMBDA || f->type->n != 3)
        return call_failf(call, INVALID,
                    "AggregateWithSeed takes a Lambda of two parameters (the accumulator and an element)");
    const ftype *acc = f->type->sub[0];
    if (!ft_widens(e, f->type->sub[1]) || !ft_widens(f->type->sub[2], acc))
        return call_failf(call, INVALID, "The Lambda given to AggregateWithSeed must take an element of type %s and return "
                                   "its accumulator's type",
                    e->name);
    fnode *seed = coerce(call, s, acc, "the seed of AggregateWithSeed");
    if (!seed)
        return KRPC_ERROR;
    fnode *kids[3] = {c, seed, f};
    return node_result(query_node(call, Q_AGGREGATESEED, acc, kids, 3), result);
}

static int set_op(krpc_call *call, const krpc_value *args, krpc_value *result, int q, const char *op) {
    fnode *a = arg_node(call, &args[0], "arg1"), *b = a ? arg_node(call, &args[1], "arg2") : NULL;
    fnode *kids[2];
    if (!b || !(kids[0] = collection(call, a, op, false)) || !(kids[1] = collection(call, b, op, false)))
        return KRPC_ERROR;
    const ftype *types[2] = {kids[0]->type->sub[0], kids[1]->type->sub[0]};
    const char *why;
    const ftype *e = ft_common(FS(call), types, 2, ctx_of(call)->a, &why);
    if (!e)
        return call_failf(call, INVALID, "%s", why);
    fnode *n = query_node(call, q, seq_of(call, e), kids, 2);
    return node_result(n, result);
}

#define SET_OP(fname, q, op)                                                         \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return set_op(call, args, result, q, op);                                    \
    }
SET_OP(build_concat, Q_CONCAT, "Concat")

/* Zip(arg1, arg2, func): func applied to the elements of both, pairwise. */
static int build_zip(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg1"), *b = a ? arg_node(call, &args[1], "arg2") : NULL,
          *f = b ? arg_node(call, &args[2], "func") : NULL;
    fnode *kids[3];
    if (!f || !(kids[0] = collection(call, a, "Zip", false)) || !(kids[1] = collection(call, b, "Zip", false)))
        return KRPC_ERROR;
    if (f->type->code != FT_FUNC || f->op != FO_LAMBDA || f->type->n != 3)
        return call_failf(call, INVALID, "Zip takes a Lambda of two parameters (an element of each collection)");
    const ftype *e1 = kids[0]->type->sub[0], *e2 = kids[1]->type->sub[0];
    if ((!ft_widens(e1, f->type->sub[0]) && !ft_eq_plain(e1, f->type->sub[0])) ||
        (!ft_widens(e2, f->type->sub[1]) && !ft_eq_plain(e2, f->type->sub[1])))
        return call_failf(call, INVALID, "The Lambda given to Zip takes a %s and a %s, but the elements are of types %s and %s",
                    f->type->sub[0]->name, f->type->sub[1]->name, e1->name, e2->name);
    if (f->type->sub[2]->code == FT_VOID)
        return call_failf(call, INVALID, "The Lambda given to Zip has no value");
    kids[2] = f;
    return node_result(query_node(call, Q_ZIP, seq_of(call, f->type->sub[2]), kids, 3), result);
}
SET_OP(build_union, Q_UNION, "Union")
SET_OP(build_intersect, Q_INTERSECT, "Intersect")
SET_OP(build_except, Q_EXCEPT, "Except")

/* ---- mutation ------------------------------------------------------------------------------ */

static fnode *mutable_collection(krpc_call *call, fnode *a, const char *op, int kinds) {
    if (!is_value(call, a, "The collection"))
        return NULL;
    int code = a->type->code;
    bool ok = ((kinds & 1) && code == FT_LIST) || ((kinds & 2) && code == FT_SET) || ((kinds & 4) && code == FT_DICT);
    if (!ok) {
        call_failf(call, INVALID, "%s does not take a %s", op, a->type->name);
        return NULL;
    }
    return coerce(call, a, ft_nullable(FS(call), a->type, false), posf(call, "the collection given to %s", op));
}

static int mutate_node(krpc_call *call, int m, fnode **kids, size_t n, krpc_value *result) {
    fnode *x = node(call, FO_MUTATE, VOID_T(call), kids, n);
    if (x)
        x->sub = m;
    return node_result(x, result);
}

static int build_append(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *v = a ? arg_node(call, &args[1], "value") : NULL;
    fnode *kids[2];
    if (!v || !(kids[0] = mutable_collection(call, a, "Append", 3)) ||
        !(kids[1] = coerce(call, v, kids[0]->type->sub[0], "the value given to Append")))
        return KRPC_ERROR;
    return mutate_node(call, M_APPEND, kids, 2, result);
}

static int build_set_element(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *i = a ? arg_node(call, &args[1], "index") : NULL,
          *v = i ? arg_node(call, &args[2], "value") : NULL;
    fnode *kids[3];
    if (!v || !(kids[0] = mutable_collection(call, a, "Set", 5)))
        return KRPC_ERROR;
    const ftype *t = kids[0]->type;
    if (t->code == FT_LIST) {
        if (!(kids[1] = int_index(call, i, "Set")) || !(kids[2] = coerce(call, v, t->sub[0], "the value given to Set")))
            return KRPC_ERROR;
    } else if (!(kids[1] = coerce(call, i, t->sub[0], "the key given to Set")) ||
               !(kids[2] = coerce(call, v, t->sub[1], "the value given to Set")))
        return KRPC_ERROR;
    return mutate_node(call, M_SET, kids, 3, result);
}

static int build_remove(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *v = a ? arg_node(call, &args[1], "value") : NULL;
    fnode *kids[2];
    if (!v || !(kids[0] = mutable_collection(call, a, "Remove", 7)) || !is_value(call, v, "The value to Remove"))
        return KRPC_ERROR;
    if (!related(kids[0]->type->sub[0], v->type))
        return call_failf(call, INVALID, "A value of type %s cannot be removed from a %s", v->type->name,
                    kids[0]->type->name);
    kids[1] = v;
    /* whether it was there, as List/HashSet/Dictionary.Remove say */
    fnode *x = node(call, FO_MUTATE, T_(call, FT_BOOL), kids, 2);
    if (x)
        x->sub = M_REMOVE;
    return node_result(x, result);
}

static int build_remove_at(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg"), *i = a ? arg_node(call, &args[1], "index") : NULL;
    fnode *kids[2];
    if (!i || !(kids[0] = mutable_collection(call, a, "RemoveAt", 1)) || !(kids[1] = int_index(call, i, "RemoveAt")))
        return KRPC_ERROR;
    return mutate_node(call, M_REMOVEAT, kids, 2, result);
}

static int build_clear(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    fnode *kids[1];
    if (!a || !(kids[0] = mutable_collection(call, a, "Clear", 7)))
        return KRPC_ERROR;
    return mutate_node(call, M_CLEAR, kids, 1, result);
}

/* ---- strings ------------------------------------------------------------------------------- */

static fnode *string_arg(krpc_call *call, const krpc_value *v, const char *param, const char *op) {
    fnode *a = arg_node(call, v, param);
    if (!a || !is_value(call, a, "The string"))
        return NULL;
    if (a->type->code != FT_STRING) {
        call_failf(call, INVALID, "%s takes a string, not a %s", op, a->type->name);
        return NULL;
    }
    return coerce(call, a, T_(call, FT_STRING), posf(call, "the %s given to %s", param, op));
}

static int string_node(krpc_call *call, int s, const ftype *t, fnode **kids, size_t n, krpc_value *result) {
    fnode *x = node(call, FO_STRING, t, kids, n);
    if (x)
        x->sub = s;
    return node_result(x, result);
}

static int build_to_string(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *a = arg_node(call, &args[0], "arg");
    if (!a || !is_value(call, a, "The value given to ConvertToString"))
        return KRPC_ERROR;
    fnode *x = coerce(call, a, ft_nullable(FS(call), a->type, false), "the value given to ConvertToString");
    if (!x)
        return KRPC_ERROR;
    return string_node(call, S_TOSTRING, T_(call, FT_STRING), &x, 1, result);
}

/* op(s: string, other string arguments...) -> rt */
static int strings_op(krpc_call *call, const krpc_value *args, krpc_value *result, int s, const char *op,
                      size_t nstr, int rt) {
    static const char *params[] = {"arg", "value", "newValue"};
    fnode *kids[3];
    for (size_t i = 0; i < nstr; i++)
        if (!(kids[i] = string_arg(call, &args[i], params[i], op)))
            return KRPC_ERROR;
    return string_node(call, s, T_(call, rt), kids, nstr, result);
}

#define STRING_OP(fname, s, op, n, rt)                                               \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) { \
        return strings_op(call, args, result, s, op, n, rt);                         \
    }
STRING_OP(build_string_length, S_LENGTH, "StringLength", 1, FT_INT)
STRING_OP(build_string_index_of, S_INDEXOF, "StringIndexOf", 2, FT_INT)
STRING_OP(build_string_contains, S_CONTAINS, "StringContains", 2, FT_BOOL)
STRING_OP(build_string_starts_with, S_STARTSWITH, "StringStartsWith", 2, FT_BOOL)
STRING_OP(build_string_ends_with, S_ENDSWITH, "StringEndsWith", 2, FT_BOOL)
STRING_OP(build_string_to_upper, S_UPPER, "StringToUpper", 1, FT_STRING)
STRING_OP(build_string_to_lower, S_LOWER, "StringToLower", 1, FT_STRING)
STRING_OP(build_string_trim, S_TRIM, "StringTrim", 1, FT_STRING)
STRING_OP(build_string_trim_start, S_TRIMSTART, "StringTrimStart", 1, FT_STRING)
STRING_OP(build_string_trim_end, S_TRIMEND, "StringTrimEnd", 1, FT_STRING)
STRING_OP(build_string_replace, S_REPLACE, "StringReplace", 3, FT_STRING)

static int build_string_get(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *kids[2];
    fnode *i = NULL;
    if (!(kids[0] = string_arg(call, &args[0], "arg", "StringGet")) || !(i = arg_node(call, &args[1], "index")) ||
        !(kids[1] = int_index(call, i, "StringGet")))
        return KRPC_ERROR;
    return string_node(call, S_GET, T_(call, FT_STRING), kids, 2, result);
}

static int build_string_substring(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *kids[3];
    fnode *s = NULL, *l = NULL;
    if (!(kids[0] = string_arg(call, &args[0], "arg", "StringSubstring")) ||
        !(s = arg_node(call, &args[1], "start")) || !(kids[1] = int_index(call, s, "StringSubstring")) ||
        !(l = arg_node(call, &args[2], "length")) || !(kids[2] = int_index(call, l, "StringSubstring")))
        return KRPC_ERROR;
    return string_node(call, S_SUBSTRING, T_(call, FT_STRING), kids, 3, result);
}

static int build_string_split(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *kids[2];
    if (!(kids[0] = string_arg(call, &args[0], "arg", "StringSplit")) ||
        !(kids[1] = string_arg(call, &args[1], "separator", "StringSplit")))
        return KRPC_ERROR;
    const ftype *s = T_(call, FT_STRING);
    return string_node(call, S_SPLIT, ft_make(FS(call), FT_LIST, NULL, &s, 1, false), kids, 2, result);
}

static int build_string_join(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *kids[2];
    fnode *v = NULL;
    if (!(kids[0] = string_arg(call, &args[0], "separator", "StringJoin")) || !(v = arg_node(call, &args[1], "values")))
        return KRPC_ERROR;
    if (!(kids[1] = collection(call, v, "StringJoin", false)))
        return KRPC_ERROR;
    if (kids[1]->type->sub[0]->code != FT_STRING)
        return call_failf(call, INVALID, "StringJoin joins strings, not %s", kids[1]->type->sub[0]->name);
    return string_node(call, S_JOIN, T_(call, FT_STRING), kids, 2, result);
}

static int build_string_concat(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode **v = arg_nodes(call, &args[0], "values");
    if (!v)
        return KRPC_ERROR;
    size_t n = args[0].u.seq.count;
    for (size_t i = 0; i < n; i++) {
        if (!is_value(call, v[i], "A value given to StringConcat"))
            return KRPC_ERROR;
        if (v[i]->type->code != FT_STRING)
            return call_failf(call, INVALID, "StringConcat joins strings, not %s (use ConvertToString)", v[i]->type->name);
        if (!(v[i] = coerce(call, v[i], T_(call, FT_STRING), "a value given to StringConcat")))
            return KRPC_ERROR;
    }
    return string_node(call, S_CONCAT, T_(call, FT_STRING), v, n, result);
}

/* ---- statements ------------------------------------------------------------------------------ */

static int build_variable(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = arg_type(call, &args[1], "type");
    if (!t)
        return KRPC_ERROR;
    if (!valid_name(args[0].u.s.data))
        return call_failf(call, ARGUMENT, "A variable needs a name");
    fnode *n = node(call, FO_VAR, t, NULL, 0);
    if (n)
        n->name = arena_strdup(&FS(call)->mem, args[0].u.s.data);
    return node_result(n, result);
}


static int build_state_variable(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *init = arg_node(call, &args[1], "initialValue");
    if (!init || !is_value(call, init, "The initial value of a StateVariable"))
        return KRPC_ERROR;
    if (!valid_name(args[0].u.s.data))
        return call_failf(call, ARGUMENT, "A state variable needs a name");
    if (init->type->code == FT_SEQ)
        return call_failf(call, ARGUMENT, "The initial value of a StateVariable is a lazily evaluated sequence; use ToList "
                                    "or ToSet to make it a collection");
    fval v;
    if (fn_eval_state_init(call, init, &v))
        return KRPC_ERROR;
    fnode *n = node(call, FO_STATE, init->type, NULL, 0);
    if (!n) {
        fv_release(&v);
        return KRPC_ERROR;
    }
    n->name = arena_strdup(&FS(call)->mem, args[0].u.s.data);
    n->k = v;
    fn_own(FS(call), n);
    return node_result(n, result);
}

static int build_assign(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *var = arg_node(call, &args[0], "variable"), *v = var ? arg_node(call, &args[1], "value") : NULL;
    if (!v)
        return KRPC_ERROR;
    if (var->op != FO_VAR && var->op != FO_STATE && var->op != FO_PARAM)
        return call_failf(call, INVALID, "Assign needs a Variable, StateVariable or Parameter to assign to");
    fnode *kids[2] = {var, coerce(call, v, var->type, posf(call, "the value assigned to %s", var->name))};
    if (!kids[1])
        return KRPC_ERROR;
    /* as LINQ's Assign, it has the assigned value (Python's := uses it) */
    return node_result(node(call, FO_ASSIGN, var->type, kids, 2), result);
}

static int block(krpc_call *call, const krpc_value *vars, const krpc_value *stmts, krpc_value *result) {
    fnode **s = arg_nodes(call, stmts, "statements");
    if (!s)
        return KRPC_ERROR;
    size_t n = stmts->u.seq.count;
    if (n == 0)
        return call_failf(call, ARGUMENT, "A block needs at least one statement");
    fnode **v = NULL;
    size_t nv = 0;
    if (vars) {
        if (!(v = arg_nodes(call, vars, "variables")))
            return KRPC_ERROR;
        nv = vars->u.seq.count;
        for (size_t i = 0; i < nv; i++) {
            if (v[i]->op != FO_VAR)
                return call_failf(call, ARGUMENT, "The variables of a block must be Variable expressions");
            for (size_t j = 0; j < i; j++)
                if (v[j] == v[i])
                    return call_failf(call, ARGUMENT, "The variable %s is declared twice", v[i]->name);
        }
    }
    /* a block evaluates to its last statement */
    const ftype *t = s[n - 1]->type;
    if (t->code == FT_FUNC || t->code == FT_MESSAGE)
        t = VOID_T(call);
    fnode *x = node(call, FO_BLOCK, t, s, n);
    if (x && nv) {
        x->nvars = nv;
        x->vars = arena_alloc(&FS(call)->mem, nv * sizeof *x->vars);
        memcpy(x->vars, v, nv * sizeof *v);
    }
    return node_result(x, result);
}

static int build_block(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return block(call, NULL, &args[0], result);
}

static int build_block_with_variables(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return block(call, &args[0], &args[1], result);
}

static int build_if(krpc_call *call, const krpc_value *args, krpc_value *result, bool with_else) {
    fnode *c = arg_node(call, &args[0], "condition"), *b = c ? arg_node(call, &args[1], "body") : NULL;
    fnode *e = b && with_else ? arg_node(call, &args[2], "elseBody") : NULL;
    if (!b || (with_else && !e))
        return KRPC_ERROR;
    fnode *kids[3] = {condition(call, c, "the condition of an if"), b, e};
    if (!kids[0])
        return KRPC_ERROR;
    return node_result(node(call, FO_IF, VOID_T(call), kids, 3), result);
}

static int build_if_then(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return build_if(call, args, result, false);
}

static int build_if_then_else(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return build_if(call, args, result, true);
}

static int build_while(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *c = arg_node(call, &args[0], "condition"), *b = c ? arg_node(call, &args[1], "body") : NULL;
    if (!b)
        return KRPC_ERROR;
    fnode *kids[2] = {condition(call, c, "the condition of a while loop"), b};
    if (!kids[0])
        return KRPC_ERROR;
    return node_result(node(call, FO_WHILE, VOID_T(call), kids, 2), result);
}

static int build_for_each(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *v = arg_node(call, &args[0], "variable"), *c = v ? arg_node(call, &args[1], "collection") : NULL,
          *b = c ? arg_node(call, &args[2], "body") : NULL;
    if (!b)
        return KRPC_ERROR;
    if (v->op != FO_VAR && v->op != FO_STATE)
        return call_failf(call, ARGUMENT, "The loop variable of ForEach must be a Variable");
    fnode *coll = collection(call, c, "ForEach", false);
    if (!coll)
        return KRPC_ERROR;
    if (!ft_widens(coll->type->sub[0], v->type) && !ft_eq_plain(coll->type->sub[0], v->type))
        return call_failf(call, INVALID, "The elements, of type %s, cannot be assigned to the loop variable %s of type %s",
                    coll->type->sub[0]->name, v->name, v->type->name);
    fnode *kids[3] = {v, coll, b};
    return node_result(node(call, FO_FOREACH, VOID_T(call), kids, 3), result);
}

static int build_break(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    return node_result(node(call, FO_BREAK, VOID_T(call), NULL, 0), result);
}

static int build_continue(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    return node_result(node(call, FO_CONTINUE, VOID_T(call), NULL, 0), result);
}

static int build_return(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *v = arg_node(call, &args[0], "value");
    if (!v || !is_value(call, v, "The value to Return"))
        return KRPC_ERROR;
    return node_result(node(call, FO_RETURN, VOID_T(call), &v, 1), result);
}

static int build_return_nothing(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    return node_result(node(call, FO_RETURN, VOID_T(call), NULL, 0), result);
}

/* ---- exceptions ------------------------------------------------------------------------------- */

static const kexception *find_exception(krpc_call *call, const krpc_value *svc, const krpc_value *name) {
    kcallctx *c = ctx_of(call);
    const kservice *s = registry_service_by_name_gen(&c->srv->registry, KGEN_V07, svc->u.s.data, svc->u.s.len);
    if (s)
        for (size_t i = 0; i < s->nexceptions; i++)
            if (strcmp(s->exceptions[i]->name, name->u.s.data) == 0)
                return s->exceptions[i];
    call_failf(call, ARGUMENT, "No exception %s.%s is declared by a service", svc->u.s.data, name->u.s.data);
    return NULL;
}

static int build_throw(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const kexception *x = find_exception(call, &args[0], &args[1]);
    fnode *m = x ? string_arg(call, &args[2], "message", "Throw") : NULL;
    if (!m)
        return KRPC_ERROR;
    fnode *n = node(call, FO_THROW, VOID_T(call), &m, 1);
    if (n) {
        n->name = x->svc->name;
        n->name2 = x->name;
    }
    return node_result(n, result);
}

static fnode *message_variable(krpc_call *call, const krpc_value *v, bool *ok) {
    *ok = true;
    if (v->is_null || !v->u.obj.ptr)
        return NULL;
    fnode *m = arg_node(call, v, "message");
    if (!m || (m->op != FO_VAR && m->op != FO_STATE) || m->type->code != FT_STRING) {
        if (m)
            call_failf(call, ARGUMENT, "The message of a catch must be a string Variable");
        *ok = false;
        return NULL;
    }
    return m;
}

static int build_try_catch(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *body = arg_node(call, &args[0], "body");
    const kexception *x = body ? find_exception(call, &args[1], &args[2]) : NULL;
    bool ok;
    fnode *msg = x ? message_variable(call, &args[3], &ok) : NULL;
    fnode *handler = x && ok ? arg_node(call, &args[4], "handler") : NULL;
    if (!handler)
        return KRPC_ERROR;
    fnode *kids[4] = {body, handler, NULL, msg};
    fnode *n = node(call, FO_TRY, VOID_T(call), kids, 4);
    if (n) {
        n->name = x->svc->name;
        n->name2 = x->name;
    }
    return node_result(n, result);
}

static int build_try_catch_all(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *body = arg_node(call, &args[0], "body");
    bool ok = false;
    fnode *msg = body ? message_variable(call, &args[1], &ok) : NULL;
    fnode *handler = body && ok ? arg_node(call, &args[2], "handler") : NULL;
    if (!handler)
        return KRPC_ERROR;
    fnode *kids[4] = {body, handler, NULL, msg};
    fnode *n = node(call, FO_TRY, VOID_T(call), kids, 4);
    if (n)
        n->catch_all = true;
    return node_result(n, result);
}

static int build_try_finally(krpc_call *call, const krpc_value *args, krpc_value *result) {
    fnode *body = arg_node(call, &args[0], "body"), *fin = body ? arg_node(call, &args[1], "finalizer") : NULL;
    if (!fin)
        return KRPC_ERROR;
    fnode *kids[4] = {body, NULL, fin, NULL};
    return node_result(node(call, FO_TRY, VOID_T(call), kids, 4), result);
}

/* ---- properties ---------------------------------------------------------------------------------- */

static const fnode *this_expr(const krpc_value *args) { return args[0].u.obj.ptr; }

static int expr_get_return_type(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const ftype *t = fn_result_type(this_expr(args));
    const char *why;
    if (!ft_returnable(t, &why))
        return call_failf(call, INVALID, "%s", why);
    return type_result(t, result);
}

static int expr_get_has_return_type(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call;
    result->u.b = fn_result_type(this_expr(args))->code != FT_VOID;
    return KRPC_OK;
}

static int expr_get_parameter_types(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const fnode *n = this_expr(args);
    if (n->op != FO_LAMBDA)
        return type_list_result(call, NULL, 0, result);
    return type_list_result(call, n->type->sub, n->type->n - 1, result);
}

/* ---- declarations ----------------------------------------------------------------------------------- */

#define P_END {0}
#define P_E(name, doc) {name, "Expression", NULL, doc}
#define ARG_ ((const krpc_param_decl[]){P_E("arg", "The operand."), P_END})
#define ARG2_ ((const krpc_param_decl[]){P_E("arg0", "The first operand."), P_E("arg1", "The second operand."), P_END})
#define COLL_ ((const krpc_param_decl[]){P_E("arg", "The collection."), P_END})
#define COLL_F(f, d) ((const krpc_param_decl[]){P_E("arg", "The collection."), P_E(f, d), P_END})
#define COLL2_ ((const krpc_param_decl[]){P_E("arg1", "The first collection."), P_E("arg2", "The second collection."), P_END})
#define STR_ ((const krpc_param_decl[]){P_E("arg", "The string."), P_END})
#define STR_V(d) ((const krpc_param_decl[]){P_E("arg", "The string."), P_E("value", d), P_END})
#define SE(nm, f, ps, d) {.name = nm, .fn = f, .params = ps, .returns = "Expression", .doc = d, .flags = KRPC_STATIC}

/* UNVERIFIED order (it decides the procedure ids, v070-final.md 3.7): the
 * members of the server-side-functions branch in its order, the release's
 * additions next to their kind. */
const krpc_procedure_decl fn_expression_methods[] = {
    SE("ConstantDouble", constant_double, ((const krpc_param_decl[]){{"value", "double", NULL, NULL}, P_END}),
       "A constant double."),
    SE("ConstantFloat", constant_float, ((const krpc_param_decl[]){{"value", "float", NULL, NULL}, P_END}),
       "A constant float."),
    SE("ConstantInt", constant_int, ((const krpc_param_decl[]){{"value", "sint32", NULL, NULL}, P_END}),
       "A constant int (32-bit signed integer)."),
    SE("ConstantLong", constant_long, ((const krpc_param_decl[]){{"value", "sint64", NULL, NULL}, P_END}),
       "A constant long (64-bit signed integer)."),
    SE("ConstantUInt", constant_uint, ((const krpc_param_decl[]){{"value", "uint32", NULL, NULL}, P_END}),
       "A constant uint (32-bit unsigned integer)."),
    SE("ConstantULong", constant_ulong, ((const krpc_param_decl[]){{"value", "uint64", NULL, NULL}, P_END}),
       "A constant ulong (64-bit unsigned integer)."),
    SE("ConstantBool", constant_bool, ((const krpc_param_decl[]){{"value", "bool", NULL, NULL}, P_END}),
       "A constant bool."),
    SE("ConstantString", constant_string, ((const krpc_param_decl[]){{"value", "string", NULL, NULL}, P_END}),
       "A constant string."),
    SE("ConstantBytes", constant_bytes, ((const krpc_param_decl[]){{"value", "bytes", NULL, NULL}, P_END}),
       "A constant byte string."),
    SE("ConstantNull", constant_null, ((const krpc_param_decl[]){{"type", "Type", NULL, "The type of the null."}, P_END}),
       "A null of a type (made nullable)."),
    SE("ConstantObject", constant_object,
       ((const krpc_param_decl[]){{"value", "uint64", NULL, "The object's id."}, P_END}),
       "A reference to an object, by its id."),
    SE("ConstantEnum", constant_enum,
       ((const krpc_param_decl[]){{"service", "string", NULL, NULL}, {"name", "string", NULL, NULL},
                                  {"value", "sint32", NULL, NULL}, P_END}),
       "A value of an enumeration a service declares."),
    SE("Call", build_call,
       ((const krpc_param_decl[]){{"call", "procedure_call", NULL, "The call, with its arguments."}, P_END}),
       "A call of a procedure, made each time the function is evaluated."),
    SE("CallWithArguments", build_call_with_arguments,
       ((const krpc_param_decl[]){{"call", "procedure_call", NULL, "The call."},
                                  {"args", "dict(sint32,Expression)", NULL,
                                   "Arguments computed by expressions, by parameter position (0 is the instance "
                                   "of a class member)."},
                                  P_END}),
       "A call of a procedure whose arguments are computed."),
    SE("Equal", build_equal, ARG2_, "Whether two values are equal."),
    SE("NotEqual", build_not_equal, ARG2_, "Whether two values differ."),
    SE("GreaterThan", build_greater_than, ARG2_, "Whether the first number is greater than the second."),
    SE("GreaterThanOrEqual", build_greater_than_or_equal, ARG2_,
       "Whether the first number is greater than or equal to the second."),
    SE("LessThan", build_less_than, ARG2_, "Whether the first number is less than the second."),
    SE("LessThanOrEqual", build_less_than_or_equal, ARG2_,
       "Whether the first number is less than or equal to the second."),
    SE("And", build_and, ARG2_, "Logical and of two bools (both evaluated), or bitwise and of two integers."),
    SE("Or", build_or, ARG2_, "Logical or of two bools (both evaluated), or bitwise or of two integers."),
    SE("ExclusiveOr", build_exclusive_or, ARG2_, "Exclusive or of two bools or two integers."),
    SE("Not", build_not, ARG_, "Logical negation of a bool, or bitwise complement of an integer."),
    SE("ConditionalAnd", build_conditional_and, ARG2_, "Logical and, evaluating the second operand only if needed."),
    SE("ConditionalOr", build_conditional_or, ARG2_, "Logical or, evaluating the second operand only if needed."),
    SE("Conditional", build_conditional,
       ((const krpc_param_decl[]){P_E("condition", NULL), P_E("ifTrue", NULL), P_E("ifFalse", NULL), P_END}),
       "One of two values, by a condition."),
    SE("Add", build_add, ARG2_, "The sum of two numbers."),
    SE("Subtract", build_subtract, ARG2_, "The difference of two numbers."),
    SE("Multiply", build_multiply, ARG2_, "The product of two numbers."),
    SE("Divide", build_divide, ARG2_, "The quotient of two numbers."),
    SE("Modulo", build_modulo, ARG2_, "The remainder of dividing two numbers."),
    SE("Power", build_power, ARG2_, "The first number raised to the power of the second."),
    SE("LeftShift", build_left_shift, ARG2_, "An integer shifted left by a number of bits."),
    SE("RightShift", build_right_shift, ARG2_, "An integer shifted right by a number of bits."),
    SE("Negate", build_negate, ARG_, "The negation of a number."),
    SE("Cast", build_cast,
       ((const krpc_param_decl[]){P_E("arg", "The value."), {"type", "Type", NULL, "The type to convert to."}, P_END}),
       "A value converted to another type."),
    SE("IsNull", build_is_null, ARG_, "Whether a value is null."),
    SE("Parameter", build_parameter,
       ((const krpc_param_decl[]){{"name", "string", NULL, NULL}, {"type", "Type", NULL, NULL}, P_END}),
       "A parameter of a Lambda."),
    SE("Lambda", build_lambda,
       ((const krpc_param_decl[]){{"parameters", "list(Expression)", NULL, NULL}, P_E("body", NULL), P_END}),
       "A function of parameters."),
    SE("Invoke", build_invoke,
       ((const krpc_param_decl[]){P_E("function", NULL), {"args", "dict(string,Expression)", NULL,
                                                         "The arguments, by parameter name."},
                                  P_END}),
       "The value of a Lambda called with arguments."),
    SE("CreateTuple", build_tuple, ((const krpc_param_decl[]){{"elements", "list(Expression)", NULL, NULL}, P_END}),
       "A tuple of one to seven values."),
    SE("CreateStruct", build_struct,
       ((const krpc_param_decl[]){{"type", "Type", NULL, NULL}, {"fieldValues", "list(Expression)", NULL, NULL}, P_END}),
       "A structure of a service, from its field values."),
    SE("GetField", build_get_field,
       ((const krpc_param_decl[]){P_E("arg", "The structure."), {"name", "string", NULL, "The field's name."}, P_END}),
       "A field of a structure."),
    SE("CreateList", build_list, ((const krpc_param_decl[]){{"values", "list(Expression)", NULL, NULL}, P_END}),
       "A list of values."),
    SE("CreateSet", build_set, ((const krpc_param_decl[]){{"values", "set(Expression)", NULL, NULL}, P_END}),
       "A set of values."),
    SE("CreateDictionary", build_dictionary,
       ((const krpc_param_decl[]){{"keys", "list(Expression)", NULL, NULL}, {"values", "list(Expression)", NULL, NULL},
                                  P_END}),
       "A dictionary of keys and values."),
    SE("CreateEmptyList", build_empty_list, ((const krpc_param_decl[]){{"valueType", "Type", NULL, NULL}, P_END}),
       "An empty list."),
    SE("CreateEmptySet", build_empty_set, ((const krpc_param_decl[]){{"valueType", "Type", NULL, NULL}, P_END}),
       "An empty set."),
    SE("CreateEmptyDictionary", build_empty_dictionary,
       ((const krpc_param_decl[]){{"keyType", "Type", NULL, NULL}, {"valueType", "Type", NULL, NULL}, P_END}),
       "An empty dictionary."),
    SE("Append", build_append, COLL_F("value", NULL), "Add a value to the end of a list, or to a set."),
    SE("Set", build_set_element,
       ((const krpc_param_decl[]){P_E("arg", "The list or dictionary."), P_E("index", "The index or key."),
                                  P_E("value", NULL), P_END}),
       "Write an element of a list, or an entry of a dictionary."),
    SE("Remove", build_remove, COLL_F("value", "The value, or key."),
       "Remove a value from a list or set, or a key from a dictionary; whether it was there."),
    SE("RemoveAt", build_remove_at, COLL_F("index", NULL), "Remove the element of a list at an index."),
    SE("Clear", build_clear, COLL_, "Remove every element of a collection."),
    SE("ToList", build_to_list, COLL_, "The elements of a collection as a list."),
    SE("ToSet", build_to_set, COLL_, "The elements of a collection as a set."),
    SE("Get", build_get, ((const krpc_param_decl[]){P_E("arg", NULL), P_E("index", NULL), P_END}),
       "An element of a tuple (by a constant index) or list, or a value of a dictionary by key."),
    SE("Count", build_count, COLL_, "The number of elements of a collection."),
    SE("Sum", build_sum, COLL_, "The sum of a collection of numbers."),
    SE("Max", build_max, COLL_, "The largest value of a collection."),
    SE("Min", build_min, COLL_, "The smallest value of a collection."),
    SE("Average", build_average, COLL_, "The mean of a collection of numbers."),
    SE("Select", build_select, COLL_F("func", NULL), "A function applied to each element of a collection."),
    SE("Where", build_where, COLL_F("func", NULL), "The elements of a collection satisfying a condition."),
    SE("Skip", build_skip, COLL_F("count", NULL), "A collection without its first elements."),
    SE("Take", build_take, COLL_F("count", NULL), "The first elements of a collection."),
    SE("SelectMany", build_select_many, COLL_F("func", NULL),
       "The elements of the collections a function gives for each element."),
    SE("BuildDictionary", build_build_dictionary,
       ((const krpc_param_decl[]){P_E("arg", NULL), P_E("keyFunc", NULL), P_E("valueFunc", NULL), P_END}),
       "A dictionary built from a collection by a key function and a value function."),
    SE("ConvertToString", build_to_string, ARG_, "A value as a string."),
    SE("StringConcat", build_string_concat, ((const krpc_param_decl[]){{"values", "list(Expression)", NULL, NULL}, P_END}),
       "Strings joined end to end."),
    SE("Contains", build_contains, COLL_F("value", NULL), "Whether a collection contains a value."),
    SE("ContainsKey", build_contains_key, COLL_F("key", NULL), "Whether a dictionary has a key."),
    SE("Aggregate", build_aggregate, COLL_F("func", NULL), "A collection folded with a function."),
    SE("AggregateWithSeed", build_aggregate_with_seed,
       ((const krpc_param_decl[]){P_E("arg", NULL), P_E("seed", NULL), P_E("func", NULL), P_END}),
       "A collection folded with a function, from a seed."),
    SE("Concat", build_concat, COLL2_, "The elements of one collection followed by those of another."),
    SE("OrderBy", build_order_by, COLL_F("key", NULL), "The elements of a collection sorted by a key."),
    SE("All", build_all, COLL_F("predicate", NULL), "Whether every element satisfies a condition."),
    SE("Any", build_any, COLL_F("predicate", NULL), "Whether any element satisfies a condition."),
    SE("DictionaryKeys", build_keys, COLL_, "The keys of a dictionary, as a list."),
    SE("DictionaryValues", build_values, COLL_, "The values of a dictionary, as a list."),
    SE("First", build_first, COLL_, "The first element of a collection."),
    SE("Last", build_last, COLL_, "The last element of a collection."),
    SE("ElementAt", build_element_at, COLL_F("index", NULL), "The element of a collection at an index."),
    SE("MinBy", build_min_by, COLL_F("key", NULL), "The element with the smallest key."),
    SE("MaxBy", build_max_by, COLL_F("key", NULL), "The element with the largest key."),
    SE("Distinct", build_distinct, COLL_, "The elements of a collection without repeats."),
    SE("Reverse", build_reverse, COLL_, "The elements of a collection in reverse order."),
    SE("Zip", build_zip,
       ((const krpc_param_decl[]){P_E("arg1", "The first collection."), P_E("arg2", "The second collection."),
                                  P_E("func", "The function of an element of each."), P_END}),
       "A function applied to the elements of two collections, pairwise."),
    SE("Union", build_union, COLL2_, "The elements of either of two collections."),
    SE("Intersect", build_intersect, COLL2_, "The elements of both of two collections."),
    SE("Except", build_except, COLL2_, "The elements of one collection that are not in another."),
    SE("GroupBy", build_group_by, COLL_F("key", NULL), "The elements of a collection grouped by a key."),
    SE("StringLength", build_string_length, STR_, "The length of a string."),
    SE("StringGet", build_string_get, ((const krpc_param_decl[]){P_E("arg", NULL), P_E("index", NULL), P_END}),
       "The character of a string at an index, as a string."),
    SE("StringSubstring", build_string_substring,
       ((const krpc_param_decl[]){P_E("arg", NULL), P_E("start", NULL), P_E("length", NULL), P_END}),
       "Part of a string."),
    SE("StringIndexOf", build_string_index_of, STR_V("The string to look for."),
       "Where a string first occurs in another, or -1."),
    SE("StringContains", build_string_contains, STR_V(NULL), "Whether a string contains another."),
    SE("StringStartsWith", build_string_starts_with, STR_V(NULL), "Whether a string starts with another."),
    SE("StringEndsWith", build_string_ends_with, STR_V(NULL), "Whether a string ends with another."),
    SE("StringToUpper", build_string_to_upper, STR_, "A string in upper case."),
    SE("StringToLower", build_string_to_lower, STR_, "A string in lower case."),
    SE("StringTrim", build_string_trim, STR_, "A string without leading and trailing white space."),
    SE("StringTrimStart", build_string_trim_start, STR_, "A string without leading white space."),
    SE("StringTrimEnd", build_string_trim_end, STR_, "A string without trailing white space."),
    SE("StringReplace", build_string_replace,
       ((const krpc_param_decl[]){P_E("arg", NULL), P_E("value", NULL), P_E("newValue", NULL), P_END}),
       "A string with every occurrence of a string replaced."),
    SE("StringSplit", build_string_split,
       ((const krpc_param_decl[]){P_E("arg", NULL), P_E("separator", NULL), P_END}),
       "The parts of a string between separators."),
    SE("StringJoin", build_string_join,
       ((const krpc_param_decl[]){P_E("separator", NULL), P_E("values", "A collection of strings."), P_END}),
       "Strings joined with a separator."),
    SE("Variable", build_variable,
       ((const krpc_param_decl[]){{"name", "string", NULL, NULL}, {"type", "Type", NULL, NULL}, P_END}),
       "A local variable, declared by a BlockWithVariables."),
    SE("StateVariable", build_state_variable,
       ((const krpc_param_decl[]){{"name", "string", NULL, NULL}, P_E("initialValue", NULL), P_END}),
       "A variable that keeps its value from one evaluation of the function to the next."),
    SE("Assign", build_assign, ((const krpc_param_decl[]){P_E("variable", NULL), P_E("value", NULL), P_END}),
       "Assign a value to a variable."),
    SE("Block", build_block, ((const krpc_param_decl[]){{"statements", "list(Expression)", NULL, NULL}, P_END}),
       "Statements in order; the value of the last."),
    SE("BlockWithVariables", build_block_with_variables,
       ((const krpc_param_decl[]){{"variables", "list(Expression)", NULL, NULL},
                                  {"statements", "list(Expression)", NULL, NULL}, P_END}),
       "Statements in order, with variables of their own."),
    SE("IfThen", build_if_then, ((const krpc_param_decl[]){P_E("condition", NULL), P_E("body", NULL), P_END}),
       "A statement run if a condition holds."),
    SE("IfThenElse", build_if_then_else,
       ((const krpc_param_decl[]){P_E("condition", NULL), P_E("body", NULL), P_E("elseBody", NULL), P_END}),
       "One of two statements, by a condition."),
    SE("Break", build_break, ((const krpc_param_decl[]){P_END}), "Leave the innermost loop."),
    SE("Continue", build_continue, ((const krpc_param_decl[]){P_END}), "Go on with the next iteration of the innermost loop."),
    SE("Return", build_return, ((const krpc_param_decl[]){P_E("value", NULL), P_END}),
       "Leave the innermost Lambda with a value."),
    SE("ReturnNothing", build_return_nothing, ((const krpc_param_decl[]){P_END}),
       "Leave the innermost Lambda."),
    SE("While", build_while, ((const krpc_param_decl[]){P_E("condition", NULL), P_E("body", NULL), P_END}),
       "A loop running while a condition holds."),
    SE("ForEach", build_for_each,
       ((const krpc_param_decl[]){P_E("variable", NULL), P_E("collection", NULL), P_E("body", NULL), P_END}),
       "A loop over the elements of a collection."),
    SE("Throw", build_throw,
       ((const krpc_param_decl[]){{"service", "string", NULL, NULL}, {"name", "string", NULL, NULL},
                                  P_E("message", NULL), P_END}),
       "Raise an exception a service declares."),
    SE("TryCatch", build_try_catch,
       ((const krpc_param_decl[]){P_E("body", NULL), {"service", "string", NULL, NULL}, {"name", "string", NULL, NULL},
                                  {"message", "Expression?", NULL, "A string variable given the exception's message, or null."},
                                  P_E("handler", NULL), P_END}),
       "Run a statement, and another if it raises the named exception."),
    SE("TryCatchAll", build_try_catch_all,
       ((const krpc_param_decl[]){P_E("body", NULL),
                                  {"message", "Expression?", NULL, "A string variable given the exception's message, or null."},
                                  P_E("handler", NULL), P_END}),
       "Run a statement, and another if it raises any exception."),
    SE("TryFinally", build_try_finally, ((const krpc_param_decl[]){P_E("body", NULL), P_E("finalizer", NULL), P_END}),
       "Run a statement, then another whatever happened."),
    {0},
};

const krpc_property_decl fn_expression_properties[] = {
    {.name = "ReturnType", .type = "Type", .get = expr_get_return_type,
     .doc = "The type the function evaluates to (of a Lambda: the type it returns)."},
    {.name = "HasReturnType", .type = "bool", .get = expr_get_has_return_type,
     .doc = "Whether the function evaluates to a value."},
    {.name = "ParameterTypes", .type = "list(Type)", .get = expr_get_parameter_types,
     .doc = "The types of the parameters of a function that is a Lambda; empty otherwise."},
    {0},
};

#define ST(nm, f, ps, d) {.name = nm, .fn = f, .params = ps, .returns = "Type", .doc = d, .flags = KRPC_STATIC}
#define NOPARAMS ((const krpc_param_decl[]){P_END})
#define SVC_NAME ((const krpc_param_decl[]){{"service", "string", NULL, NULL}, {"name", "string", NULL, NULL}, P_END})

const krpc_procedure_decl fn_type_methods[] = {
    ST("Double", type_double, NOPARAMS, "The type double."),
    ST("Float", type_float, NOPARAMS, "The type float."),
    ST("Int", type_int, NOPARAMS, "The type int (32-bit signed integer)."),
    ST("Long", type_long, NOPARAMS, "The type long (64-bit signed integer)."),
    ST("UInt", type_uint, NOPARAMS, "The type uint (32-bit unsigned integer)."),
    ST("ULong", type_ulong, NOPARAMS, "The type ulong (64-bit unsigned integer)."),
    ST("Bool", type_bool, NOPARAMS, "The type bool."),
    ST("String", type_string, NOPARAMS, "The type string."),
    ST("Bytes", type_bytes, NOPARAMS, "The type of byte strings."),
    ST("ClassType", type_class, SVC_NAME, "A class a service declares."),
    ST("EnumerationType", type_enumeration, SVC_NAME, "An enumeration a service declares."),
    ST("StructType", type_struct, SVC_NAME, "A structure a service declares."),
    ST("TupleType", type_tuple, ((const krpc_param_decl[]){{"valueTypes", "list(Type)", NULL, NULL}, P_END}),
       "A tuple of one to seven values."),
    ST("ListType", type_list, ((const krpc_param_decl[]){{"valueType", "Type", NULL, NULL}, P_END}), "A list."),
    ST("SetType", type_set, ((const krpc_param_decl[]){{"valueType", "Type", NULL, NULL}, P_END}), "A set."),
    ST("DictionaryType", type_dictionary,
       ((const krpc_param_decl[]){{"keyType", "Type", NULL, NULL}, {"valueType", "Type", NULL, NULL}, P_END}),
       "A dictionary."),
    ST("NullableType", type_nullable_type, ((const krpc_param_decl[]){{"valueType", "Type", NULL, NULL}, P_END}),
       "A type that also allows null."),
    {0},
};

const krpc_property_decl fn_type_properties[] = {
    {.name = "Code", .type = "TypeCode", .get = type_get_code, .doc = "The kind of type."},
    {.name = "Service", .type = "string", .get = type_get_service,
     .doc = "The service declaring a class, enumeration or structure; empty otherwise."},
    {.name = "Name", .type = "string", .get = type_get_name,
     .doc = "The name of a class, enumeration or structure; empty otherwise."},
    {.name = "Types", .type = "list(Type)", .get = type_get_types,
     .doc = "The types of the elements, items, or keys and values of a tuple or collection; empty otherwise."},
    {.name = "Nullable", .type = "bool", .get = type_get_nullable, .doc = "Whether a value of the type may be null."},
    {0},
};

/* UNVERIFIED values (v070-final.md 4.1): equal to the protocol's type codes. */
const krpc_enum_value_decl fn_type_code_values[] = {
    {"Double", FT_DOUBLE, NULL, NULL},  {"Float", FT_FLOAT, NULL, NULL},   {"SInt32", FT_INT, NULL, NULL},
    {"SInt64", FT_LONG, NULL, NULL},    {"UInt32", FT_UINT, NULL, NULL},   {"UInt64", FT_ULONG, NULL, NULL},
    {"Bool", FT_BOOL, NULL, NULL},      {"String", FT_STRING, NULL, NULL}, {"Bytes", FT_BYTES, NULL, NULL},
    {"Class", FT_CLASS, NULL, NULL},    {"Enumeration", FT_ENUM, NULL, NULL},
    {"Struct", FT_STRUCT, NULL, NULL},  {"Tuple", FT_TUPLE, NULL, NULL},   {"List", FT_LIST, NULL, NULL},
    {"Set", FT_SET, NULL, NULL},        {"Dictionary", FT_DICT, NULL, NULL},
    {0},
};
