/* KRPC.Expression and KRPC.Type (krpc-service.md 3-4, semantics.md 10.5 and
 * 11): the static methods that build expression trees, type-checking each
 * node as it is built with the rules and messages of .NET's expression
 * compiler, and KRPC.AddEvent, which turns a bool expression into an event
 * condition evaluated in the stream phase (expression_eval.c). */
#include "krpc/expression_internal.h"

#include "streams/streams.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPRESSION_TYPE_NAME "KRPC.Service.KRPC.Expression"
#define TYPE_TYPE_NAME "KRPC.Service.KRPC.Type"
#define NO_ELEMENTS_TEXT "Sequence contains no elements"

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }

static void *xcalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* ---- nodes ------------------------------------------------------------- */

xnode *xnode_ref(xnode *n) {
    n->refs++;
    return n;
}

void xnode_unref(xnode *n) {
    if (!n || --n->refs > 0)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        xnode_unref(n->kids[i]);
    free(n->kids);
    free(n->free);
    if (n->op == XO_CONST && n->type->kind == XK_STRING)
        free((void *)n->k.u.s.data);
    xtype_unref(n->type);
    free(n->name);
    if (n->op == XO_CALL)
        arena_free(&n->mem);
    free(n);
}

void krpc_expression_release(void *expr) { xnode_unref(expr); }
void krpc_expression_type_release(void *type) { xtype_unref(type); }

static bool has_free(const xnode *n, const xnode *p) {
    for (size_t i = 0; i < n->nfree; i++)
        if (n->free[i] == p)
            return true;
    return false;
}

/* A new node of the given type (its reference is taken) over kids (each
 * referenced). Fails if the tree would get too deep. */
static xnode *node_new(krpc_call *call, xop op, xtype *type, xnode *const *kids, size_t nkids) {
    unsigned depth = 0;
    for (size_t i = 0; i < nkids; i++)
        if (kids[i]->depth > depth)
            depth = kids[i]->depth;
    if (depth + 1 > XEXPR_MAX_DEPTH) {
        xtype_unref(type);
        call_failf(call, KRPC_ERR_INVALID_OPERATION, "The expression is nested too deeply (more than %d levels)",
               XEXPR_MAX_DEPTH);
        return NULL;
    }
    xnode *n = xcalloc(sizeof *n);
    n->refs = 1;
    n->op = op;
    n->type = type;
    n->depth = depth + 1;
    n->nkids = nkids;
    n->kids = xcalloc(nkids * sizeof *n->kids);
    size_t nfree = op == XO_PARAM ? 1 : 0;
    for (size_t i = 0; i < nkids; i++) {
        n->kids[i] = xnode_ref(kids[i]);
        nfree += kids[i]->nfree;
    }
    /* free parameters: the kids' (a function's minus its own), in order */
    n->free = xcalloc(nfree * sizeof *n->free);
    if (op == XO_PARAM)
        n->free[n->nfree++] = n;
    for (size_t i = 0; i < nkids; i++)
        for (size_t j = 0; j < kids[i]->nfree; j++) {
            const xnode *p = kids[i]->free[j];
            bool bound = false;
            if (op == XO_FUNC)
                for (size_t k = 0; k + 1 < nkids; k++)
                    bound = bound || kids[k] == p;
            if (!bound && !has_free(n, p))
                n->free[n->nfree++] = p;
        }
    return n;
}

static int node_result(xnode *n, krpc_value *result) {
    if (!n)
        return KRPC_ERROR;
    result->u.obj.ptr = n;
    return KRPC_OK;
}

/* An Expression argument: a top-level parameter (already checked by the
 * host) or an item of a list/set/dictionary parameter (checked here). */
static xnode *arg_node(krpc_call *call, const krpc_value *v, const char *param) {
    kcallctx *c = ctx_of(call);
    kobject *o = objects_get(&c->srv->objects, v->u.obj.id);
    if (!o || o->ptr != v->u.obj.ptr || !o->cls->decl || o->cls->decl->release != krpc_expression_release) {
        kerror_set(c->err, c->a, "", "",
                   "Incorrect argument type for parameter %s in %s. Expected an argument of type %s, got %s",
                   param, c->proc->fullname, EXPRESSION_TYPE_NAME, o ? o->cls->type.dotnet : "null");
        return NULL;
    }
    return o->ptr;
}

static xtype *arg_type(krpc_call *call, const krpc_value *v, const char *param) {
    kcallctx *c = ctx_of(call);
    kobject *o = objects_get(&c->srv->objects, v->u.obj.id);
    if (!o || o->ptr != v->u.obj.ptr || !o->cls->decl || o->cls->decl->release != krpc_expression_type_release) {
        kerror_set(c->err, c->a, "", "",
                   "Incorrect argument type for parameter %s in %s. Expected an argument of type %s, got %s",
                   param, c->proc->fullname, TYPE_TYPE_NAME, o ? o->cls->type.dotnet : "null");
        return NULL;
    }
    return o->ptr;
}

/* The items of a list(Expression) or set(Expression) argument, as nodes
 * (borrowed; the array lives in call memory). */
static xnode **arg_nodes(krpc_call *call, const krpc_value *v, const char *param) {
    size_t n = v->u.seq.count;
    xnode **out = krpc_alloc(call, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = arg_node(call, &v->u.seq.items[i], param)))
            return NULL;
    return out;
}

/* .NET's names for the node classes, for cast errors. */
static const char *node_class_name(const xnode *n) {
    switch (n->op) {
    case XO_CONST: return "System.Linq.Expressions.ConstantExpression";
    case XO_PARAM: return "System.Linq.Expressions.ParameterExpression";
    case XO_FUNC: return "System.Linq.Expressions.LambdaExpression";
    case XO_INVOKE: return "System.Linq.Expressions.InvocationExpression";
    case XO_NOT:
    case XO_CAST:
    case XO_POW: return "System.Linq.Expressions.UnaryExpression";
    case XO_TUPLE: return "System.Linq.Expressions.NewExpression";
    case XO_EQ:
    case XO_NE:
    case XO_GT:
    case XO_GE:
    case XO_LT:
    case XO_LE:
    case XO_AND:
    case XO_OR:
    case XO_XOR:
    case XO_ADD:
    case XO_SUB:
    case XO_MUL:
    case XO_DIV:
    case XO_MOD:
    case XO_SHL:
    case XO_SHR: return "System.Linq.Expressions.BinaryExpression";
    default: return "System.Linq.Expressions.MethodCallExpression";
    }
}

/* ---- Type -------------------------------------------------------------- */

static int type_result(xkind kind, krpc_value *result) {
    result->u.obj.ptr = xtype_scalar(kind); /* a new object per call */
    return KRPC_OK;
}

static int type_double(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return type_result(XK_DOUBLE, result);
}
static int type_float(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return type_result(XK_FLOAT, result);
}
static int type_int(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return type_result(XK_INT, result);
}
static int type_bool(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return type_result(XK_BOOL, result);
}
static int type_string(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)call, (void)args;
    return type_result(XK_STRING, result);
}

/* ---- constants and calls ----------------------------------------------- */

static int constant(krpc_call *call, xkind kind, const krpc_value *v, krpc_value *result) {
    xnode *n = node_new(call, XO_CONST, xtype_scalar(kind), NULL, 0);
    if (!n)
        return KRPC_ERROR;
    n->k = *v;
    n->k.is_null = false;
    if (kind == XK_STRING) {
        char *s = malloc(v->u.s.len + 1);
        if (!s)
            abort();
        if (v->u.s.len)
            memcpy(s, v->u.s.data, v->u.s.len);
        s[v->u.s.len] = 0;
        n->k.u.s.data = s;
    }
    return node_result(n, result);
}

static int constant_double(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return constant(call, XK_DOUBLE, &args[0], result);
}
static int constant_float(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return constant(call, XK_FLOAT, &args[0], result);
}
static int constant_int(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return constant(call, XK_INT, &args[0], result);
}
static int constant_bool(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return constant(call, XK_BOOL, &args[0], result);
}
static int constant_string(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return constant(call, XK_STRING, &args[0], result);
}

/* The procedure is resolved and its arguments bound now; the node keeps a
 * copy of the call (with arguments of its own) to run at each evaluation. */
static int build_call(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    const kcall *src = args[0].u.host;
    if (!src->proc) {
        *c->err = src->lookup_err;
        return KRPC_ERROR;
    }
    const kproc *p = src->proc;
    if (!p->ret)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Cannot use a procedure that does not return a value.");
    arena mem;
    arena_init(&mem);
    kcall captured;
    const uint8_t *key;
    size_t keylen;
    if (call_capture(c->srv, src, c->a, &mem, &captured, &key, &keylen, c->err)) {
        arena_free(&mem);
        return KRPC_ERROR;
    }
    xnode *n = node_new(call, XO_CALL, xtype_from_ktype(p->ret, p->ret_nullable), NULL, 0);
    if (!n) {
        arena_free(&mem);
        return KRPC_ERROR;
    }
    arena_move(&n->mem, &mem);
    n->call = captured;
    return node_result(n, result);
}

/* ---- operators --------------------------------------------------------- */

static const char *op_name(xop op) {
    switch (op) {
    case XO_EQ: return "Equal";
    case XO_NE: return "NotEqual";
    case XO_GT: return "GreaterThan";
    case XO_GE: return "GreaterThanOrEqual";
    case XO_LT: return "LessThan";
    case XO_LE: return "LessThanOrEqual";
    case XO_AND: return "And";
    case XO_OR: return "Or";
    case XO_XOR: return "ExclusiveOr";
    case XO_ADD: return "Add";
    case XO_SUB: return "Subtract";
    case XO_MUL: return "Multiply";
    case XO_DIV: return "Divide";
    case XO_MOD: return "Modulo";
    case XO_POW: return "Power";
    case XO_SHL: return "LeftShift";
    case XO_SHR: return "RightShift";
    default: return "?";
    }
}

/* Expression.Convert's rule: identity, Nullable<T> <-> T, and conversions
 * between numbers, bools and enums - except to bool from anything else. */
static bool coercion_ok(const xtype *from, const xtype *to) {
    if (xtype_eq(from, to))
        return true;
    if (from->nullable != to->nullable && from->kind == to->kind && from->nsub == 0 && to->nsub == 0 &&
        (from->kind != XK_OPAQUE || from->kt == to->kt))
        return true;
    return xtype_is_convertible(from) && xtype_is_convertible(to) && to->kind != XK_BOOL;
}

static int no_coercion(krpc_call *call, const xtype *from, const xtype *to) {
    return call_failf(call, KRPC_ERR_INVALID_OPERATION, "No coercion operator is defined between types '%s' and '%s'.",
                  from->name, to->name);
}

static int binary(krpc_call *call, const krpc_value *args, krpc_value *result, xop op) {
    xnode *a = arg_node(call, &args[0], "arg0"), *b = a ? arg_node(call, &args[1], "arg1") : NULL;
    if (!b)
        return KRPC_ERROR;
    xtype *ta = a->type, *tb = b->type;
    bool same = xtype_eq(ta, tb);
    bool ok;
    xtype *rt = NULL;
    switch (op) {
    case XO_EQ:
    case XO_NE:
        /* numbers, bools, enums, strings (op_Equality) and reference types
         * (reference equality); not structs */
        ok = same && (xtype_is_arith(ta) || ta->kind == XK_BOOL || xtype_is_enum(ta) || !xtype_is_value_type(ta));
        break;
    case XO_GT:
    case XO_GE:
    case XO_LT:
    case XO_LE:
        ok = same && xtype_is_arith(ta);
        break;
    case XO_AND:
    case XO_OR:
    case XO_XOR:
        ok = same && xtype_is_int_or_bool(ta);
        break;
    case XO_SHL:
    case XO_SHR:
        ok = xtype_is_integer(ta) && tb->kind == XK_INT;
        break;
    case XO_POW: {
        /* both converted to double, the result back to arg0's type */
        xtype *dbl = xtype_scalar(XK_DOUBLE);
        int rc = KRPC_OK;
        if (!coercion_ok(ta, dbl))
            rc = no_coercion(call, ta, dbl);
        else if (!coercion_ok(tb, dbl))
            rc = no_coercion(call, tb, dbl);
        else if (!coercion_ok(dbl, ta))
            rc = no_coercion(call, dbl, ta);
        xtype_unref(dbl);
        if (rc != KRPC_OK)
            return rc;
        ok = true;
        break;
    }
    default:
        ok = same && xtype_is_arith(ta);
        break;
    }
    if (!ok)
        return call_failf(call, KRPC_ERR_INVALID_OPERATION, "The binary operator %s is not defined for the types '%s' and '%s'.",
                      op_name(op), ta->name, tb->name);
    if (op == XO_EQ || op == XO_NE || op == XO_GT || op == XO_GE || op == XO_LT || op == XO_LE)
        rt = xtype_scalar(XK_BOOL);
    else if (op == XO_SHL || op == XO_SHR)
        rt = xtype_with_nullable(ta, ta->nullable || tb->nullable);
    else
        rt = xtype_ref(ta);
    xnode *kids[2] = {a, b};
    return node_result(node_new(call, op, rt, kids, 2), result);
}

#define BINARY(fname, op)                                                                 \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) {       \
        return binary(call, args, result, op);                                            \
    }
BINARY(build_equal, XO_EQ)
BINARY(build_not_equal, XO_NE)
BINARY(build_greater_than, XO_GT)
BINARY(build_greater_than_or_equal, XO_GE)
BINARY(build_less_than, XO_LT)
BINARY(build_less_than_or_equal, XO_LE)
BINARY(build_and, XO_AND)
BINARY(build_or, XO_OR)
BINARY(build_exclusive_or, XO_XOR)
BINARY(build_add, XO_ADD)
BINARY(build_subtract, XO_SUB)
BINARY(build_multiply, XO_MUL)
BINARY(build_divide, XO_DIV)
BINARY(build_modulo, XO_MOD)
BINARY(build_power, XO_POW)
BINARY(build_left_shift, XO_SHL)
BINARY(build_right_shift, XO_SHR)

static int build_not(krpc_call *call, const krpc_value *args, krpc_value *result) {
    xnode *a = arg_node(call, &args[0], "arg");
    if (!a)
        return KRPC_ERROR;
    if (!xtype_is_int_or_bool(a->type))
        return call_failf(call, KRPC_ERR_INVALID_OPERATION, "The unary operator Not is not defined for the type '%s'.",
                      a->type->name);
    return node_result(node_new(call, XO_NOT, xtype_ref(a->type), &a, 1), result);
}

static int build_cast(krpc_call *call, const krpc_value *args, krpc_value *result) {
    xnode *a = arg_node(call, &args[0], "arg");
    xtype *t = a ? arg_type(call, &args[1], "type") : NULL;
    if (!t)
        return KRPC_ERROR;
    if (!coercion_ok(a->type, t))
        return no_coercion(call, a->type, t);
    return node_result(node_new(call, XO_CAST, xtype_ref(t), &a, 1), result);
}

/* ---- parameters, functions, invocation --------------------------------- */

static int build_parameter(krpc_call *call, const krpc_value *args, krpc_value *result) {
    xtype *t = arg_type(call, &args[1], "type");
    if (!t)
        return KRPC_ERROR;
    xnode *n = node_new(call, XO_PARAM, xtype_ref(t), NULL, 0);
    if (!n)
        return KRPC_ERROR;
    n->name = malloc(args[0].u.s.len + 1);
    if (!n->name)
        abort();
    memcpy(n->name, args[0].u.s.data, args[0].u.s.len);
    n->name[args[0].u.s.len] = 0;
    return node_result(n, result);
}

static int build_function(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    size_t np = args[0].u.seq.count;
    xnode **params = arg_nodes(call, &args[0], "parameters");
    xnode *body = params ? arg_node(call, &args[1], "body") : NULL;
    if (!body)
        return KRPC_ERROR;
    for (size_t i = 0; i < np; i++) {
        if (params[i]->op != XO_PARAM) {
            kerror_set(c->err, c->a, "", "",
                       "Unable to cast object of type '%s' to type 'System.Linq.Expressions.ParameterExpression'.",
                       node_class_name(params[i]));
            return KRPC_ERROR;
        }
        for (size_t j = 0; j < i; j++)
            if (params[j] == params[i])
                return call_failf(call, KRPC_ERR_ARGUMENT,
                              "Found duplicate parameter '%s'. Each ParameterExpression in the list must be a "
                              "unique object. (Parameter 'parameters[%zu]')",
                              params[i]->name, i);
    }
    xtype **pt = krpc_alloc(call, (np ? np : 1) * sizeof *pt);
    xnode **kids = krpc_alloc(call, (np + 1) * sizeof *kids);
    for (size_t i = 0; i < np; i++) {
        pt[i] = xtype_ref(params[i]->type);
        kids[i] = params[i];
    }
    kids[np] = body;
    xtype *ft = xtype_func(pt, np, xtype_ref(body->type));
    return node_result(node_new(call, XO_FUNC, ft, kids, np + 1), result);
}

/* "Boolean Invoke(Int32, Double)": the delegate's Invoke method, as .NET
 * prints it in argument errors. */
static const char *invoke_signature(krpc_call *call, const xtype *ft) {
    size_t len = 64;
    for (size_t i = 0; i < ft->nsub; i++)
        len += strlen(xtype_short_name(ft->sub[i])) + 2;
    char *s = krpc_alloc(call, len);
    size_t k = (size_t)snprintf(s, len, "%s Invoke(", xtype_short_name(ft->sub[ft->nsub - 1]));
    for (size_t i = 0; i + 1 < ft->nsub; i++)
        k += (size_t)snprintf(s + k, len - k, "%s%s", i ? ", " : "", xtype_short_name(ft->sub[i]));
    snprintf(s + k, len - k, ")");
    return s;
}

static int build_invoke(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    xnode *f = arg_node(call, &args[0], "function");
    if (!f)
        return KRPC_ERROR;
    const krpc_value *d = &args[1];
    xnode **vals = krpc_alloc(call, (d->u.dict.count ? d->u.dict.count : 1) * sizeof *vals);
    for (size_t i = 0; i < d->u.dict.count; i++)
        if (!(vals[i] = arg_node(call, &d->u.dict.values[i], "args")))
            return KRPC_ERROR;
    if (f->op != XO_FUNC) {
        if (f->type->kind != XK_FUNC)
            return call_failf(call, KRPC_ERR_ARGUMENT, "Expression of type '%s' cannot be invoked (Parameter 'expression')",
                          f->type->name);
        kerror_set(c->err, c->a, "", "",
                   "Unable to cast object of type '%s' to type 'System.Linq.Expressions.LambdaExpression'.",
                   node_class_name(f));
        return KRPC_ERROR;
    }
    size_t np = f->nkids - 1;
    xnode **kids = krpc_alloc(call, (np + 1) * sizeof *kids);
    kids[0] = f;
    for (size_t i = 0; i < np; i++) {
        const xnode *p = f->kids[i];
        size_t nl = strlen(p->name);
        xnode *a = NULL;
        for (size_t j = 0; j < d->u.dict.count && !a; j++)
            if (d->u.dict.keys[j].u.s.len == nl && memcmp(d->u.dict.keys[j].u.s.data, p->name, nl) == 0)
                a = vals[j];
        if (!a) {
            kerror_set(c->err, c->a, "", "", "The given key '%s' was not present in the dictionary.", p->name);
            return KRPC_ERROR;
        }
        if (!xtype_eq(a->type, p->type))
            return call_failf(call, KRPC_ERR_ARGUMENT,
                          "Expression of type '%s' cannot be used for parameter of type '%s' of method '%s' "
                          "(Parameter 'arg%zu')",
                          a->type->name, p->type->name, invoke_signature(call, f->type), i);
        kids[i + 1] = a;
    }
    xtype *rt = xtype_ref(f->type->sub[f->type->nsub - 1]);
    return node_result(node_new(call, XO_INVOKE, rt, kids, np + 1), result);
}

/* ---- collections ------------------------------------------------------- */

static int build_tuple(krpc_call *call, const krpc_value *args, krpc_value *result) {
    size_t n = args[0].u.seq.count;
    xnode **items = arg_nodes(call, &args[0], "elements");
    if (!items)
        return KRPC_ERROR;
    if (n < 1 || n > 8)
        return call_failf(call, KRPC_ERR_ARGUMENT, "A tuple must have between 1 and 8 elements, got %zu", n);
    xtype **sub = krpc_alloc(call, n * sizeof *sub);
    for (size_t i = 0; i < n; i++)
        sub[i] = xtype_ref(items[i]->type);
    return node_result(node_new(call, XO_TUPLE, xtype_compound(XK_TUPLE, sub, n), items, n), result);
}

/* All items of the first one's type (NewArrayInit's rule). */
static const xtype *same_type(krpc_call *call, xnode *const *items, size_t n) {
    if (!n) {
        krpc_raise(call, KRPC_ERR_INVALID_OPERATION, NO_ELEMENTS_TEXT);
        return NULL;
    }
    for (size_t i = 1; i < n; i++)
        if (!xtype_eq(items[i]->type, items[0]->type)) {
            call_failf(call, KRPC_ERR_INVALID_OPERATION,
                   "An expression of type '%s' cannot be used to initialize an array of type '%s'",
                   items[i]->type->name, items[0]->type->name);
            return NULL;
        }
    return items[0]->type;
}

static int build_collection(krpc_call *call, const krpc_value *args, krpc_value *result, xkind kind) {
    size_t n = args[0].u.seq.count;
    xnode **items = arg_nodes(call, &args[0], "values");
    if (!items)
        return KRPC_ERROR;
    const xtype *et = same_type(call, items, n);
    if (!et)
        return KRPC_ERROR;
    xtype *sub = xtype_ref((xtype *)et);
    xtype *t = xtype_compound(kind, &sub, 1);
    return node_result(node_new(call, kind == XK_LIST ? XO_LIST : XO_SET, t, items, n), result);
}

static int build_list(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return build_collection(call, args, result, XK_LIST);
}

static int build_set(krpc_call *call, const krpc_value *args, krpc_value *result) {
    return build_collection(call, args, result, XK_SET);
}

static int build_dictionary(krpc_call *call, const krpc_value *args, krpc_value *result) {
    size_t nk = args[0].u.seq.count, nv = args[1].u.seq.count;
    xnode **keys = arg_nodes(call, &args[0], "keys");
    xnode **vals = keys ? arg_nodes(call, &args[1], "values") : NULL;
    if (!vals)
        return KRPC_ERROR;
    const xtype *kt = same_type(call, keys, nk);
    const xtype *vt = kt ? same_type(call, vals, nv) : NULL;
    if (!vt)
        return KRPC_ERROR;
    xnode **kids = krpc_alloc(call, (nk + nv) * sizeof *kids);
    memcpy(kids, keys, nk * sizeof *kids);
    memcpy(kids + nk, vals, nv * sizeof *kids);
    xtype *sub[2] = {xtype_ref((xtype *)kt), xtype_ref((xtype *)vt)};
    xnode *n = node_new(call, XO_DICT, xtype_compound(XK_DICT, sub, 2), kids, nk + nv);
    if (n)
        n->index = nk; /* lengths may differ: that fails at evaluation */
    return node_result(n, result);
}

/* ---- LINQ-style members ------------------------------------------------ */

static int no_generic_method(krpc_call *call, const char *method) {
    return call_failf(call, KRPC_ERR_INVALID_OPERATION,
                  "No generic method '%s' on type 'System.Linq.Enumerable' is compatible with the supplied "
                  "type arguments and arguments. No type arguments should be provided if the method is "
                  "non-generic. ",
                  method);
}

/* f is a function of the given parameter types (result: any if NULL). */
static bool is_func(const xtype *f, const xtype *const *params, size_t np, const xtype *ret) {
    if (f->kind != XK_FUNC || f->nsub != np + 1)
        return false;
    for (size_t i = 0; i < np; i++)
        if (!xtype_eq(f->sub[i], params[i]))
            return false;
    return !ret || xtype_eq(f->sub[np], ret);
}

static int seq_unary(krpc_call *call, const krpc_value *args, krpc_value *result, xop op, const char *method) {
    xnode *a = arg_node(call, &args[0], "arg");
    if (!a)
        return KRPC_ERROR;
    const xtype *t = a->type;
    xtype *rt = NULL;
    if (op == XO_COUNT) {
        if (xtype_is_sequence(t) || (t->kind == XK_DICT && !t->nullable))
            rt = xtype_scalar(XK_INT);
    } else if (xtype_is_sequence(t)) {
        const xtype *et = xtype_elem(t);
        bool num = !et->nullable && (et->kind == XK_INT || et->kind == XK_LONG || et->kind == XK_FLOAT ||
                                     et->kind == XK_DOUBLE);
        switch (op) {
        case XO_TOLIST:
        case XO_TOSET: {
            xtype *sub = xtype_ref((xtype *)et);
            rt = xtype_compound(op == XO_TOLIST ? XK_LIST : XK_SET, &sub, 1);
            break;
        }
        case XO_SUM:
            if (num)
                rt = xtype_ref((xtype *)et);
            break;
        case XO_MAX:
        case XO_MIN:
            if (!et->nullable && xtype_is_comparable(et))
                rt = xtype_ref((xtype *)et);
            break;
        case XO_AVG:
            if (num)
                rt = xtype_scalar(et->kind == XK_FLOAT ? XK_FLOAT : XK_DOUBLE);
            break;
        default:
            break;
        }
    }
    if (!rt)
        return no_generic_method(call, method);
    return node_result(node_new(call, op, rt, &a, 1), result);
}

#define SEQ_UNARY(fname, op, method)                                                      \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) {       \
        return seq_unary(call, args, result, op, method);                                 \
    }
SEQ_UNARY(build_to_list, XO_TOLIST, "ToList")
SEQ_UNARY(build_to_set, XO_TOSET, "ToHashSet")
SEQ_UNARY(build_count, XO_COUNT, "Count")
SEQ_UNARY(build_sum, XO_SUM, "Sum")
SEQ_UNARY(build_max, XO_MAX, "Max")
SEQ_UNARY(build_min, XO_MIN, "Min")
SEQ_UNARY(build_average, XO_AVG, "Average")

static int build_get(krpc_call *call, const krpc_value *args, krpc_value *result) {
    kcallctx *c = ctx_of(call);
    xnode *a = arg_node(call, &args[0], "arg");
    xnode *idx = a ? arg_node(call, &args[1], "index") : NULL;
    if (!idx)
        return KRPC_ERROR;
    const xtype *t = a->type, *it = idx->type;
    if (t->nullable || (t->kind != XK_TUPLE && t->kind != XK_LIST && t->kind != XK_DICT))
        return call_failf(call, KRPC_ERR_ARGUMENT, "Instance property 'Item' is not defined for type '%s' (Parameter 'propertyName')",
                      t->name);
    if (t->kind == XK_TUPLE) {
        if (it->kind != XK_INT || it->nullable)
            return call_failf(call, KRPC_ERR_ARGUMENT, "Expression of type '%s' cannot be used for parameter of type 'System.Int32'",
                          it->name);
        if (idx->nfree)
            return call_failf(call, KRPC_ERR_INVALID_OPERATION,
                          "variable '%s' of type '%s' referenced from scope '', but it is not defined", idx->free[0]->name,
                          idx->free[0]->type->name);
        /* the index selects a member: evaluated now */
        xeval ev = {.srv = c->srv, .client = c->client, .a = c->a, .err = c->err};
        krpc_value v;
        if (xeval_node(&ev, idx, NULL, &v))
            return KRPC_ERROR;
        if (v.u.i32 < 0 || (size_t)v.u.i32 >= t->nsub)
            return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                              "Specified argument was out of the range of valid values. (Parameter 'index')");
        xnode *n = node_new(call, XO_GET_TUPLE, xtype_ref(t->sub[v.u.i32]), &a, 1);
        if (n)
            n->index = (size_t)v.u.i32;
        return node_result(n, result);
    }
    const xtype *want = t->kind == XK_LIST ? NULL : t->sub[0];
    const xtype *vt = t->kind == XK_LIST ? t->sub[0] : t->sub[1];
    bool ok = want ? xtype_eq(it, want) : (it->kind == XK_INT && !it->nullable);
    if (!ok)
        return call_failf(call, KRPC_ERR_ARGUMENT,
                      "Expression of type '%s' cannot be used for parameter of type '%s' of method '%s get_Item(%s)' "
                      "(Parameter 'arguments[0]')",
                      it->name, want ? want->name : "System.Int32", xtype_short_name(vt),
                      want ? xtype_short_name(want) : "Int32");
    xnode *kids[2] = {a, idx};
    return node_result(node_new(call, t->kind == XK_LIST ? XO_GET_LIST : XO_GET_DICT, xtype_ref((xtype *)vt), kids, 2),
                       result);
}

/* Members taking a sequence and a function (or a value). */
static int seq_func(krpc_call *call, const krpc_value *args, krpc_value *result, xop op, const char *method,
                    const char *fparam) {
    xnode *a = arg_node(call, &args[0], op == XO_CONCAT ? "arg1" : "arg");
    xnode *seed = NULL, *f;
    if (!a)
        return KRPC_ERROR;
    if (op == XO_AGG_SEED) {
        if (!(seed = arg_node(call, &args[1], "seed")))
            return KRPC_ERROR;
        f = arg_node(call, &args[2], fparam);
    } else {
        f = arg_node(call, &args[1], fparam);
    }
    if (!f)
        return KRPC_ERROR;
    if (!xtype_is_sequence(a->type))
        return no_generic_method(call, method);
    const xtype *et = xtype_elem(a->type), *ft = f->type;
    xtype *bool_t = xtype_scalar(XK_BOOL), *int_t = xtype_scalar(XK_INT);
    const xtype *one[1] = {et}, *indexed[2] = {et, int_t};
    xtype *rt = NULL;
    bool with_index = false;
    switch (op) {
    case XO_SELECT:
        with_index = is_func(ft, indexed, 2, NULL);
        if (is_func(ft, one, 1, NULL) || with_index) {
            xtype *sub = xtype_ref(ft->sub[ft->nsub - 1]);
            rt = xtype_compound(XK_SEQ, &sub, 1);
        }
        break;
    case XO_WHERE:
        with_index = is_func(ft, indexed, 2, bool_t);
        if (is_func(ft, one, 1, bool_t) || with_index) {
            xtype *sub = xtype_ref((xtype *)et);
            rt = xtype_compound(XK_SEQ, &sub, 1);
        }
        break;
    case XO_CONTAINS:
        if (xtype_eq(ft, et))
            rt = xtype_scalar(XK_BOOL);
        break;
    case XO_AGG: {
        const xtype *p[2] = {et, et};
        if (is_func(ft, p, 2, et))
            rt = xtype_ref((xtype *)et);
        break;
    }
    case XO_AGG_SEED: {
        const xtype *p[2] = {seed->type, et};
        if (is_func(ft, p, 2, seed->type))
            rt = xtype_ref(seed->type);
        break;
    }
    case XO_CONCAT:
        if (xtype_is_sequence(ft) && xtype_eq(xtype_elem(ft), et)) {
            xtype *sub = xtype_ref((xtype *)et);
            rt = xtype_compound(XK_SEQ, &sub, 1);
        }
        break;
    case XO_ORDERBY:
        if (is_func(ft, one, 1, NULL)) {
            xtype *sub = xtype_ref((xtype *)et);
            rt = xtype_compound(XK_SEQ, &sub, 1);
        }
        break;
    default: /* All, Any */
        if (is_func(ft, one, 1, bool_t))
            rt = xtype_scalar(XK_BOOL);
        break;
    }
    xtype_unref(bool_t);
    xtype_unref(int_t);
    if (!rt)
        return no_generic_method(call, method);
    xnode *kids[3] = {a, seed ? seed : f, f};
    xnode *n = node_new(call, op, rt, kids, seed ? 3 : 2);
    if (n)
        n->indexed = with_index;
    return node_result(n, result);
}

#define SEQ_FUNC(fname, op, method, fparam)                                               \
    static int fname(krpc_call *call, const krpc_value *args, krpc_value *result) {       \
        return seq_func(call, args, result, op, method, fparam);                          \
    }
SEQ_FUNC(build_select, XO_SELECT, "Select", "func")
SEQ_FUNC(build_where, XO_WHERE, "Where", "func")
SEQ_FUNC(build_contains, XO_CONTAINS, "Contains", "value")
SEQ_FUNC(build_aggregate, XO_AGG, "Aggregate", "func")
SEQ_FUNC(build_aggregate_with_seed, XO_AGG_SEED, "Aggregate", "func")
SEQ_FUNC(build_concat, XO_CONCAT, "Concat", "arg2")
SEQ_FUNC(build_order_by, XO_ORDERBY, "OrderBy", "key")
SEQ_FUNC(build_all, XO_ALL, "All", "predicate")
SEQ_FUNC(build_any, XO_ANY, "Any", "predicate")

/* ---- AddEvent ---------------------------------------------------------- */

static int event_condition(krpc_server *srv, kclient *client, void *state, arena *a, bool *fire, kerror *err) {
    xeval ev = {.srv = srv, .client = client, .a = a, .err = err};
    krpc_value v;
    if (xeval_node(&ev, state, NULL, &v))
        return -1;
    *fire = !v.is_null && v.u.b;
    return 0;
}

static void event_state_free(void *state) { xnode_unref(state); }

int expression_add_event(krpc_call *call, void *expr, krpc_value *result) {
    xnode *n = expr;
    /* Expression.Lambda<Func<bool>>(n).Compile() */
    if (n->type->kind != XK_BOOL || n->type->nullable)
        return call_failf(call, KRPC_ERR_ARGUMENT, "Expression of type '%s' cannot be used for return type 'System.Boolean'",
                      n->type->name);
    if (n->nfree)
        return call_failf(call, KRPC_ERR_INVALID_OPERATION,
                      "variable '%s' of type '%s' referenced from scope '', but it is not defined", n->free[0]->name,
                      n->free[0]->type->name);
    xnode_ref(n);
    if (!streams_event_create_internal(call, event_condition, n, event_state_free, result)) {
        xnode_unref(n);
        return KRPC_ERROR;
    }
    return KRPC_OK;
}

/* ---- declarations (reference procedure ids 16-64 and 65-69) ------------ */

#define P_END {0}
#define P_EXPR(name, doc) {name, "Expression", NULL, doc}
#define TWO_ARGS                                                                          \
    (const krpc_param_decl[]) {                                                           \
        P_EXPR("arg0", "The first operand."), P_EXPR("arg1", "The second operand."), P_END \
    }
#define ONE_ARG                                                                           \
    (const krpc_param_decl[]) { P_EXPR("arg", "The operand."), P_END }
#define STATIC_EXPR(nm, f, ps, d)                                                         \
    { .name = nm, .fn = f, .params = ps, .returns = "Expression", .doc = d, .flags = KRPC_STATIC }

const krpc_procedure_decl krpc_expression_methods[] = {
    STATIC_EXPR("ConstantDouble", constant_double,
                ((const krpc_param_decl[]){{"value", "double", NULL, "The value."}, P_END}),
                "A constant of type double."),
    STATIC_EXPR("ConstantFloat", constant_float,
                ((const krpc_param_decl[]){{"value", "float", NULL, "The value."}, P_END}),
                "A constant of type float."),
    STATIC_EXPR("ConstantInt", constant_int,
                ((const krpc_param_decl[]){{"value", "sint32", NULL, "The value."}, P_END}),
                "A constant of type int (32-bit signed integer)."),
    STATIC_EXPR("ConstantBool", constant_bool,
                ((const krpc_param_decl[]){{"value", "bool", NULL, "The value."}, P_END}),
                "A constant of type bool."),
    STATIC_EXPR("ConstantString", constant_string,
                ((const krpc_param_decl[]){{"value", "string", NULL, "The value."}, P_END}),
                "A constant of type string."),
    STATIC_EXPR("Call", build_call,
                ((const krpc_param_decl[]){{"call", "procedure_call", NULL, "The procedure call to make."}, P_END}),
                "A remote procedure call, made each time the expression is evaluated."),
    STATIC_EXPR("Equal", build_equal, TWO_ARGS, "Whether the two operands are equal."),
    STATIC_EXPR("NotEqual", build_not_equal, TWO_ARGS, "Whether the two operands differ."),
    STATIC_EXPR("GreaterThan", build_greater_than, TWO_ARGS, "Whether the first number is greater than the second."),
    STATIC_EXPR("GreaterThanOrEqual", build_greater_than_or_equal, TWO_ARGS,
                "Whether the first number is greater than or equal to the second."),
    STATIC_EXPR("LessThan", build_less_than, TWO_ARGS, "Whether the first number is less than the second."),
    STATIC_EXPR("LessThanOrEqual", build_less_than_or_equal, TWO_ARGS,
                "Whether the first number is less than or equal to the second."),
    STATIC_EXPR("And", build_and, TWO_ARGS, "Logical and of two bools, or bitwise and of two integers."),
    STATIC_EXPR("Or", build_or, TWO_ARGS, "Logical or of two bools, or bitwise or of two integers."),
    STATIC_EXPR("ExclusiveOr", build_exclusive_or, TWO_ARGS,
                "Logical exclusive or of two bools, or bitwise exclusive or of two integers."),
    STATIC_EXPR("Not", build_not, ONE_ARG, "Logical negation of a bool, or bitwise complement of an integer."),
    STATIC_EXPR("Add", build_add, TWO_ARGS, "The sum of two numbers of the same type."),
    STATIC_EXPR("Subtract", build_subtract, TWO_ARGS, "The difference of two numbers of the same type."),
    STATIC_EXPR("Multiply", build_multiply, TWO_ARGS, "The product of two numbers of the same type."),
    STATIC_EXPR("Divide", build_divide, TWO_ARGS, "The quotient of two numbers of the same type."),
    STATIC_EXPR("Modulo", build_modulo, TWO_ARGS, "The remainder of dividing two numbers of the same type."),
    STATIC_EXPR("Power", build_power, TWO_ARGS, "The first number raised to the power of the second."),
    STATIC_EXPR("LeftShift", build_left_shift, TWO_ARGS, "An integer shifted left by a number of bits."),
    STATIC_EXPR("RightShift", build_right_shift, TWO_ARGS, "An integer shifted right by a number of bits."),
    STATIC_EXPR("Cast", build_cast,
                ((const krpc_param_decl[]){P_EXPR("arg", "The value to convert."),
                                           {"type", "Type", NULL, "The type to convert to."},
                                           P_END}),
                "A value converted to another type."),
    STATIC_EXPR("Parameter", build_parameter,
                ((const krpc_param_decl[]){{"name", "string", NULL, "The name of the parameter."},
                                           {"type", "Type", NULL, "The type of the parameter."},
                                           P_END}),
                "A named parameter, for use in a function."),
    STATIC_EXPR("Function", build_function,
                ((const krpc_param_decl[]){{"parameters", "list(Expression)", NULL, "The parameters of the function."},
                                           P_EXPR("body", "The body of the function."),
                                           P_END}),
                "A function of the given parameters."),
    STATIC_EXPR("Invoke", build_invoke,
                ((const krpc_param_decl[]){P_EXPR("function", "The function to call."),
                                           {"args", "dict(string,Expression)", NULL,
                                            "The arguments, by parameter name."},
                                           P_END}),
                "The result of calling a function."),
    STATIC_EXPR("CreateTuple", build_tuple,
                ((const krpc_param_decl[]){{"elements", "list(Expression)", NULL, "The elements of the tuple."}, P_END}),
                "A tuple of values."),
    STATIC_EXPR("CreateList", build_list,
                ((const krpc_param_decl[]){{"values", "list(Expression)", NULL, "The values in the list."}, P_END}),
                "A list of values of the same type."),
    STATIC_EXPR("CreateSet", build_set,
                ((const krpc_param_decl[]){{"values", "set(Expression)", NULL, "The values in the set."}, P_END}),
                "A set of values of the same type."),
    STATIC_EXPR("CreateDictionary", build_dictionary,
                ((const krpc_param_decl[]){{"keys", "list(Expression)", NULL, "The keys."},
                                           {"values", "list(Expression)", NULL, "The values, one per key."},
                                           P_END}),
                "A dictionary made from a list of keys and a list of values."),
    STATIC_EXPR("ToList", build_to_list, ((const krpc_param_decl[]){P_EXPR("arg", "The collection."), P_END}),
                "The elements of a collection, as a list."),
    STATIC_EXPR("ToSet", build_to_set, ((const krpc_param_decl[]){P_EXPR("arg", "The collection."), P_END}),
                "The elements of a collection, as a set."),
    STATIC_EXPR("Get", build_get,
                ((const krpc_param_decl[]){P_EXPR("arg", "The tuple, list or dictionary."),
                                           P_EXPR("index", "The index or key."),
                                           P_END}),
                "An element of a tuple or list by index, or a value of a dictionary by key."),
    STATIC_EXPR("Count", build_count, ((const krpc_param_decl[]){P_EXPR("arg", "The collection."), P_END}),
                "The number of elements in a collection."),
    STATIC_EXPR("Sum", build_sum, ((const krpc_param_decl[]){P_EXPR("arg", "The collection of numbers."), P_END}),
                "The sum of a collection of numbers."),
    STATIC_EXPR("Max", build_max, ((const krpc_param_decl[]){P_EXPR("arg", "The collection of numbers."), P_END}),
                "The largest number in a collection."),
    STATIC_EXPR("Min", build_min, ((const krpc_param_decl[]){P_EXPR("arg", "The collection of numbers."), P_END}),
                "The smallest number in a collection."),
    STATIC_EXPR("Average", build_average,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection of numbers."), P_END}),
                "The mean of a collection of numbers."),
    STATIC_EXPR("Select", build_select,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("func", "The function to apply to each element."),
                                           P_END}),
                "The results of applying a function to each element of a collection."),
    STATIC_EXPR("Where", build_where,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("func", "The condition, a function returning a bool."),
                                           P_END}),
                "The elements of a collection that satisfy a condition."),
    STATIC_EXPR("Contains", build_contains,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."), P_EXPR("value", "The value to look for."),
                                           P_END}),
                "Whether a collection contains a value."),
    STATIC_EXPR("Aggregate", build_aggregate,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("func", "The accumulator function."),
                                           P_END}),
                "A collection folded with an accumulator function, starting from its first element."),
    STATIC_EXPR("AggregateWithSeed", build_aggregate_with_seed,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("seed", "The initial value of the accumulator."),
                                           P_EXPR("func", "The accumulator function."),
                                           P_END}),
                "A collection folded with an accumulator function, starting from a seed value."),
    STATIC_EXPR("Concat", build_concat,
                ((const krpc_param_decl[]){P_EXPR("arg1", "The first collection."),
                                           P_EXPR("arg2", "The second collection."),
                                           P_END}),
                "The elements of one collection followed by those of another."),
    STATIC_EXPR("OrderBy", build_order_by,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("key", "The function giving each element's sort key."),
                                           P_END}),
                "The elements of a collection sorted in ascending order of a key."),
    STATIC_EXPR("All", build_all,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("predicate", "The condition, a function returning a bool."),
                                           P_END}),
                "Whether every element of a collection satisfies a condition."),
    STATIC_EXPR("Any", build_any,
                ((const krpc_param_decl[]){P_EXPR("arg", "The collection."),
                                           P_EXPR("predicate", "The condition, a function returning a bool."),
                                           P_END}),
                "Whether any element of a collection satisfies a condition."),
    {0},
};

#define STATIC_TYPE(nm, f, d)                                                             \
    { .name = nm, .fn = f, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .doc = d, .flags = KRPC_STATIC }

const krpc_procedure_decl krpc_type_methods[] = {
    STATIC_TYPE("Double", type_double, "The type of double precision floating point numbers."),
    STATIC_TYPE("Float", type_float, "The type of single precision floating point numbers."),
    STATIC_TYPE("Int", type_int, "The type of 32-bit signed integers."),
    STATIC_TYPE("Bool", type_bool, "The type of booleans."),
    STATIC_TYPE("String", type_string, "The type of strings."),
    {0},
};
