/* Internals of KRPC.Expression and KRPC.Type, shared by the builders
 * (expression.c), the static type system (expression_types.c) and the
 * evaluator (expression_eval.c).
 *
 * An expression is a tree (in general a DAG: a node may be the child of many
 * parents) of reference-counted nodes. Each node is typed when it is built,
 * with .NET's expression-compiler rules (exact type matches, no implicit
 * widening), so that evaluation cannot meet a type error. The object store
 * holds one reference to every node a client received, each parent holds one
 * to each child, and an event holds one to its condition; release() (called
 * by the store at server stop) drops the store's reference.
 *
 * Types are reference counted too. A KRPC.Type object is an xtype the store
 * holds a reference to (a fresh one per Type_static_* call, so that every
 * call gets a new object id).
 *
 * Everything here runs on the server thread: the counts are plain ints. */
#ifndef KRPC_EXPRESSION_INTERNAL_H
#define KRPC_EXPRESSION_INTERNAL_H

#include "krpc/expression.h"
#include "rpc/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- static types ------------------------------------------------------ */

typedef enum xkind {
    XK_DOUBLE,
    XK_FLOAT,
    XK_INT, /* System.Int32 */
    XK_LONG,
    XK_UINT,
    XK_ULONG,
    XK_BOOL,
    XK_STRING,
    XK_BYTES,
    XK_OPAQUE, /* a procedure's class, enum, struct or message type */
    XK_LIST,
    XK_SET,
    XK_DICT,
    XK_TUPLE,
    XK_SEQ,  /* IEnumerable<T>: what Select, Where, Concat, OrderBy give */
    XK_FUNC, /* Func<params..., result> */
} xkind;

typedef struct xtype xtype;
struct xtype {
    int refs;
    xkind kind;
    bool nullable;   /* Nullable<T> of a value type */
    const ktype *kt; /* XK_OPAQUE */
    size_t nsub;
    xtype **sub; /* LIST/SET/SEQ: element; DICT: key, value; TUPLE: items;
                    FUNC: parameters, then the result */
    char *name;  /* the .NET name error messages use */
};

xtype *xtype_scalar(xkind kind);
/* A collection or tuple type of the given sub types (references taken). */
xtype *xtype_compound(xkind kind, xtype *const *sub, size_t nsub);
/* Func<params..., result> (references taken). */
xtype *xtype_func(xtype *const *params, size_t nparams, xtype *result);
/* The type of a value of wire type kt; nullable: a procedure's nullable
 * return (value types become Nullable<T>). */
xtype *xtype_from_ktype(const ktype *kt, bool nullable);
/* t with the Nullable<> wrapper removed or added (a new reference). */
xtype *xtype_with_nullable(xtype *t, bool nullable);
xtype *xtype_ref(xtype *t);
void xtype_unref(xtype *t);
bool xtype_eq(const xtype *a, const xtype *b);
/* The name .NET's MethodInfo.ToString() gives a type: Int32, Boolean, ... */
const char *xtype_short_name(const xtype *t);

bool xtype_is_value_type(const xtype *t);
bool xtype_is_arith(const xtype *t);      /* ints and floating point (nullable too) */
bool xtype_is_integer(const xtype *t);    /* ints (nullable too) */
bool xtype_is_int_or_bool(const xtype *t);
bool xtype_is_enum(const xtype *t);
bool xtype_is_convertible(const xtype *t); /* numbers, bool, enums (nullable too) */
bool xtype_is_sequence(const xtype *t);    /* list, set, IEnumerable */
/* The element type of a sequence (borrowed). */
const xtype *xtype_elem(const xtype *t);

/* ---- expression nodes -------------------------------------------------- */

typedef enum xop {
    XO_CONST,
    XO_CALL,
    XO_EQ,
    XO_NE,
    XO_GT,
    XO_GE,
    XO_LT,
    XO_LE,
    XO_AND,
    XO_OR,
    XO_XOR,
    XO_NOT,
    XO_ADD,
    XO_SUB,
    XO_MUL,
    XO_DIV,
    XO_MOD,
    XO_POW,
    XO_SHL,
    XO_SHR,
    XO_CAST,
    XO_PARAM,
    XO_FUNC,   /* kids: parameters..., body */
    XO_INVOKE, /* kids: function (an XO_FUNC), arguments in parameter order */
    XO_TUPLE,
    XO_LIST,
    XO_SET,
    XO_DICT, /* kids: keys..., values... (nkeys of each) */
    XO_TOLIST,
    XO_TOSET,
    XO_GET_TUPLE, /* index */
    XO_GET_LIST,
    XO_GET_DICT,
    XO_COUNT,
    XO_SUM,
    XO_MAX,
    XO_MIN,
    XO_AVG,
    XO_SELECT,
    XO_WHERE,
    XO_CONTAINS,
    XO_AGG,
    XO_AGG_SEED,
    XO_CONCAT,
    XO_ORDERBY,
    XO_ALL,
    XO_ANY,
} xop;

typedef struct xnode xnode;
struct xnode {
    int refs;
    xop op;
    xtype *type;
    unsigned depth;
    size_t nkids;
    xnode **kids;
    /* the parameters this node uses that no enclosing Function of it binds,
     * in first-use order (not referenced: they are descendants) */
    size_t nfree;
    const xnode **free;
    krpc_value k;   /* XO_CONST; a string's bytes are owned */
    char *name;     /* XO_PARAM */
    size_t index;   /* XO_GET_TUPLE; XO_DICT: the number of keys */
    bool indexed;   /* XO_SELECT, XO_WHERE: the function also takes the index */
    arena mem;      /* XO_CALL: memory of the captured call */
    kcall call;     /* XO_CALL */
};

/* Limits: nesting depth of a tree, and node evaluations per evaluation. */
#define XEXPR_MAX_DEPTH 1000
#define XEXPR_MAX_STEPS 5000000u

xnode *xnode_ref(xnode *n);
void xnode_unref(xnode *n);

/* ---- evaluation -------------------------------------------------------- */

/* Parameter bindings (a linked list; closures share tails). */
typedef struct xenv xenv;
struct xenv {
    const xnode *param;
    krpc_value v;
    xenv *next;
};

/* A function value (krpc_value.u.host of an XK_FUNC value). */
typedef struct xclosure {
    const xnode *fn; /* the XO_FUNC node */
    xenv *env;
} xclosure;

typedef struct xeval {
    krpc_server *srv;
    kclient *client; /* whose context procedure calls run in */
    arena *a;        /* values and error texts */
    kerror *err;
    uint64_t steps;
    unsigned depth;
} xeval;

/* Evaluate n. Returns 0, or -1 with ev->err set. */
int xeval_node(xeval *ev, const xnode *n, xenv *env, krpc_value *out);

/* Value semantics used by the evaluator and by build-time checks. */
bool xvalue_eq(const xtype *t, const krpc_value *a, const krpc_value *b);
uint64_t xvalue_hash(const xtype *t, const krpc_value *v);
/* a <=> b for comparable types (numbers, bool, string, enums). */
int xvalue_cmp(const xtype *t, const krpc_value *a, const krpc_value *b);
/* .NET's ToString() of a value, for messages. */
const char *xvalue_format(arena *a, const xtype *t, const krpc_value *v);
/* Whether a key/set element type can be compared for ordering. */
bool xtype_is_comparable(const xtype *t);

#endif
