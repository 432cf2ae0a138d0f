/* Internals of the kRPC 0.7 server-side functions (krpc/function.h): types
 * (fn_types.c), the node factories with their typing rules (fn_build.c),
 * the evaluator (fn_eval.c) and running, streaming and events (fn_run.c).
 *
 * Memory: types and nodes live in one arena per server (fnstate.mem) and
 * are never freed before the server is (0.7.0 has no RemoveFunction; the
 * object store's release of an Expression or Type is a no-op). Values made
 * while evaluating are reference counted (fval/fheap): collections are
 * mutable and shared by reference, as in C#, and a state variable keeps its
 * value from one evaluation to the next. */
#ifndef KRPC_FN_INTERNAL_H
#define KRPC_FN_INTERNAL_H

#include "krpc/function.h"
#include "rpc/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- types --------------------------------------------------------------- */

enum {
    FT_VOID = 0, /* a statement: no value */
    FT_DOUBLE = 1,
    FT_FLOAT = 2,
    FT_INT = 3, /* SINT32 */
    FT_LONG = 4,
    FT_UINT = 5,
    FT_ULONG = 6,
    FT_BOOL = 7,
    FT_STRING = 8,
    FT_BYTES = 9,
    FT_CLASS = 100,
    FT_ENUM = 101,
    FT_STRUCT = 102,
    FT_TUPLE = 300,
    FT_LIST = 301,
    FT_SET = 302,
    FT_DICT = 303,
    FT_SEQ = 1000,     /* a lazy sequence (what Select, Where... give): not a value to return */
    FT_FUNC = 1001,    /* a Lambda: sub = parameters..., result */
    FT_MESSAGE = 1002, /* a protocol message (event, stream, status, services...): unusable */
};

typedef struct ftype ftype;
struct ftype {
    int code;
    bool nullable;
    const ktype *kt; /* CLASS/ENUM/STRUCT (the registry's type), MESSAGE */
    size_t n;
    const ftype **sub; /* TUPLE items; LIST/SET/SEQ element; DICT key, value; FUNC params, result */
    const char *name;  /* for messages: "int", "IList<double>", "TestService.TestClass?" */
    const ktype *wire; /* cache of fn_wire_type */
};

typedef struct fnstate fnstate;

/* The types below live in the server's function memory. */
const ftype *ft_scalar(fnstate *fs, int code);
const ftype *ft_make(fnstate *fs, int code, const ktype *kt, const ftype *const *sub, size_t n, bool nullable);
const ftype *ft_nullable(fnstate *fs, const ftype *t, bool nullable);
/* The type of values of a wire type (nullable: the position allows null). */
const ftype *ft_from_ktype(fnstate *fs, const ktype *kt, bool nullable);
/* The wire type values of t are encoded with (NULL if t cannot be encoded). */
const ktype *fn_wire_type(fnstate *fs, const ftype *t);

bool ft_eq(const ftype *a, const ftype *b);        /* including nullability everywhere */
bool ft_eq_plain(const ftype *a, const ftype *b);  /* ignoring nullability at the top */
uint64_t ft_hash(const ftype *t);
bool ft_is_numeric(const ftype *t);
bool ft_is_integer(const ftype *t);
bool ft_is_signed(const ftype *t);
bool ft_is_collection(const ftype *t); /* LIST, SET, DICT, SEQ */
bool ft_is_sequence(const ftype *t);   /* LIST, SET, SEQ (enumerable of elements) */
/* The element type of a sequence, the entries of a dictionary as keys. */
const ftype *ft_elem(const ftype *t);
/* Binary numeric promotion of two numeric types (C#), or 0 if none. */
int ft_promote(int a, int b);
/* Whether a value of type from may be used where to is expected without a
 * Cast: equal, widening numbers, tuples/collections widening element by
 * element; nullability is checked when the value is (not here). */
bool ft_widens(const ftype *from, const ftype *to);
/* Whether Cast may convert from to to. */
bool ft_castable(const ftype *from, const ftype *to);
/* The common type of a set of types (v070-final.md 4.3), or NULL with a
 * message in err (its memory: a). */
const ftype *ft_common(fnstate *fs, const ftype *const *types, size_t n, arena *a, const char **err);
/* Whether values of t can be ordered (OrderBy keys, comparisons). */
bool ft_orderable(const ftype *t);
/* Whether t can be returned to a client (not void, a sequence, a function, a message). */
bool ft_returnable(const ftype *t, const char **why);
/* Dictionary keys: integers, bool, string. */
bool ft_valid_key(const ftype *t);

/* ---- values ---------------------------------------------------------------- */

enum { VK_NULL = 0, VK_SCALAR, VK_OBJ, VK_HEAP, VK_FUNC };
enum { H_STRING, H_BYTES, H_TUPLE, H_LIST, H_SET, H_DICT };

typedef struct fheap fheap;
typedef struct fclosure fclosure;

/* A value; scalars are read through the static type. */
typedef struct fval {
    uint8_t k;
    union {
        double d;
        float f;
        int32_t i;
        int64_t l;
        uint32_t u;
        uint64_t ul;
        bool b;
        int32_t e;
        struct {
            void *ptr;
            uint64_t id;
            const kclass *cls;
        } obj;
        fheap *h;
        fclosure *fn;
    } v;
} fval;

struct fheap {
    int refs;
    uint8_t kind;
    size_t len, cap;
    char *s;      /* STRING, BYTES (NUL-terminated) */
    fval *items;  /* TUPLE (items and struct fields), LIST, SET; DICT keys */
    fval *vals;   /* DICT values */
};

void fv_retain(fval v);
void fv_release(fval *v); /* and set it null */
fval fv_null(void);
fheap *fh_new(uint8_t kind, size_t cap);
fval fv_heap(fheap *h); /* takes the reference */
fval fv_string(const char *s, size_t len, bool bytes);
void fh_push(fheap *h, fval v);                 /* takes the reference */
void fh_push_kv(fheap *h, fval k, fval v);     /* takes the references */

/* Value equality (by value: objects by id, collections element by element,
 * numbers after widening) between a value of type ta and one of type tb. */
bool fv_equal(const ftype *ta, fval a, const ftype *tb, fval b);
uint64_t fv_hash(const ftype *t, fval a);
/* a <=> b for orderable values of one type (null first). */
int fv_cmp(const ftype *t, fval a, fval b);
/* Convert a non-null value between numeric types (C# unchecked). */
fval fv_num_convert(int from, int to, fval v);
double fv_as_double(int code, fval v);

/* krpc_value <-> fval at a wire type. */
fval fv_from_krpc(fnstate *fs, const ftype *t, const krpc_value *v);
int fv_to_krpc(fnstate *fs, const ftype *t, fval v, arena *a, krpc_value *out, kerror *err);

/* ---- nodes ----------------------------------------------------------------- */

typedef enum fop {
    FO_CONST,
    FO_CALL,
    FO_BINARY,  /* sub-op in .sub */
    FO_NEGATE,
    FO_NOT,
    FO_CAND,    /* ConditionalAnd */
    FO_COR,
    FO_COND,    /* Conditional */
    FO_CAST,
    FO_ISNULL,
    FO_PARAM,
    FO_LAMBDA,  /* kids: parameters..., body */
    FO_INVOKE,  /* kids: function, arguments in parameter order (NULL: none) */
    FO_TUPLE,
    FO_STRUCT,
    FO_FIELD,   /* index */
    FO_LIST,
    FO_SET,
    FO_DICT,    /* kids: keys..., values... (index: number of keys) */
    FO_EMPTY,   /* CreateEmpty*: the type says which */
    FO_QUERY,   /* sub-op in .sub */
    FO_MUTATE,  /* sub-op in .sub */
    FO_STRING,  /* sub-op in .sub */
    FO_VAR,
    FO_STATE,
    FO_ASSIGN,
    FO_BLOCK,   /* kids: statements; vars: declared variables */
    FO_IF,      /* kids: condition, body, else body (or NULL) */
    FO_WHILE,
    FO_FOREACH, /* kids: variable, collection, body */
    FO_BREAK,
    FO_CONTINUE,
    FO_RETURN,  /* kids: value, or none */
    FO_THROW,   /* kids: message */
    FO_TRY,     /* kids: body, handler (or NULL), finalizer (or NULL), message variable (or NULL) */
} fop;

typedef struct fnode fnode;
struct fnode {
    fop op;
    int sub;           /* the operation of BINARY, QUERY, MUTATE, STRING */
    unsigned depth;    /* of the tree below it */
    bool implicit;     /* CAST: an implicit conversion (name: the position, for null errors) */
    const ftype *type; /* FT_VOID for statements */
    size_t n;
    fnode **kid;
    size_t nvars;
    fnode **vars;      /* BLOCK: declared variables */
    fval k;            /* CONST: the value; STATE: the current value */
    const char *name;  /* PARAM, VAR, STATE names; THROW/TRY: exception service */
    const char *name2; /* THROW/TRY: exception name */
    bool catch_all;    /* TRY */
    int64_t index;     /* FIELD index; DICT number of keys; TUPLE Get index */
    bool indexed;      /* Select/Where with (element, index) functions */
    /* CALL */
    arena *call_mem;
    kcall call;        /* the call with its own arguments */
    const ftype **arg_types; /* per parameter: the type of the kid giving it, or NULL */
    fnode **arg_kids;        /* per parameter: the expression giving it, or NULL */
    /* LAMBDA: the result type (the FUNC type's last) */
    /* check cache (roots) */
    bool checked;
    kerror check_err;
};

/* The per-server state. */
struct fnstate {
    arena mem;    /* types and nodes */
    krpc_server *srv;
    const ftype *scalars[10];
    const ftype *void_t;
    /* nodes holding values (constants, state variables), released at the end */
    fnode **owned;
    size_t nowned, capowned;
};

/* A node whose k holds a value to release when the server goes. */
void fn_own(fnstate *fs, fnode *n);

fnstate *fn_state(krpc_server *srv);

/* ---- evaluation ------------------------------------------------------------ */

typedef struct fenv fenv;

typedef struct feval {
    fnstate *fs;
    krpc_server *srv;
    kclient *client;
    arena *a;      /* closures, environments, error texts */
    kerror *err;
    fval ret;      /* the value a Return carries */
    const ftype *ret_type; /* and its type */
    bool yielded;  /* the error is a procedure that yielded (not catchable) */
    uint64_t steps;
    uint64_t start_ns;
} feval;

enum { FS_OK = 0, FS_ERROR, FS_BREAK, FS_CONTINUE, FS_RETURN };

/* Evaluate a function: a root Lambda is called with args (nargs values, owned
 * by the caller), any other root is evaluated. *out is owned by the caller. */
int fn_eval_root(feval *e, const fnode *root, const fval *args, size_t nargs, fval *out);

/* Checks before a function is compiled (unbound Break/Continue/Return,
 * variables outside their block, jumps out of finally, the node budget).
 * Cached on the node. Returns 0, or -1 with err set (call memory a). */
int fn_check(fnstate *fs, const fnode *root, arena *a, kerror *err);

/* Evaluate the initial value of a StateVariable (fn_run.c). */
int fn_eval_state_init(krpc_call *call, const fnode *init, fval *out);

/* The type a function evaluates to (a root Lambda: what it returns). */
const ftype *fn_result_type(const fnode *root);

/* Sub-operations. */
enum {
    B_ADD, B_SUB, B_MUL, B_DIV, B_MOD, B_POW, B_SHL, B_SHR, B_AND, B_OR, B_XOR,
    B_EQ, B_NE, B_GT, B_GE, B_LT, B_LE,
};
enum {
    Q_TOLIST, Q_TOSET, Q_GET, Q_COUNT, Q_SUM, Q_MAX, Q_MIN, Q_AVERAGE, Q_SELECT, Q_WHERE, Q_SKIP, Q_TAKE,
    Q_SELECTMANY, Q_BUILDDICT, Q_CONTAINS, Q_CONTAINSKEY, Q_AGGREGATE, Q_AGGREGATESEED, Q_CONCAT, Q_ORDERBY,
    Q_ALL, Q_ANY, Q_KEYS, Q_VALUES, Q_FIRST, Q_LAST, Q_ELEMENTAT, Q_MINBY, Q_MAXBY, Q_DISTINCT, Q_REVERSE,
    Q_ZIP, Q_UNION, Q_INTERSECT, Q_EXCEPT, Q_GROUPBY,
};
enum { M_APPEND, M_SET, M_REMOVE, M_REMOVEAT, M_CLEAR };
enum {
    S_TOSTRING, S_LENGTH, S_GET, S_SUBSTRING, S_INDEXOF, S_CONTAINS, S_STARTSWITH, S_ENDSWITH, S_UPPER, S_LOWER,
    S_TRIM, S_TRIMSTART, S_TRIMEND, S_REPLACE, S_SPLIT, S_JOIN, S_CONCAT,
};

#define FN_MAX_DEPTH 2000      /* nesting of a tree */
#define FN_MAX_NODES 1000000u  /* nodes of a function, counted per use */
#define FN_MAX_SECONDS 10      /* one evaluation; longer is a KRPC.TimeoutException */

#endif
