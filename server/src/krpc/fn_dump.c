/* A deterministic text dump of a server-side function's tree, for
 * TestService.DumpExpressionTree (kRPC 0.7's test server; tests compare it
 * with expected text). The layout follows the reference's tree printer: one
 * node a line, "Kind<type> detail", two spaces of indent per level;
 * parameters and variables are "name#n", numbered in order of first
 * appearance; objects print as their class only, so nothing depends on ids
 * or addresses. The reference dumps its compiled LINQ tree, whose node kinds
 * (Convert, MethodCall, ...) this server does not have: the kinds here are
 * the Expression factories that built each node, so the text is this
 * server's own, not the reference's. */
#include "krpc/fn_internal.h"
#include "rpc/objects.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dumper {
    kbuf out;
    const fnode **ids; /* parameters and variables in order of first appearance */
    size_t nids, capids;
} dumper;

static void put(dumper *d, const char *s) { kbuf_append(&d->out, s, strlen(s)); }

static size_t var_id(dumper *d, const fnode *n) {
    for (size_t i = 0; i < d->nids; i++)
        if (d->ids[i] == n)
            return i;
    if (d->nids == d->capids) {
        d->capids = d->capids ? 2 * d->capids : 16;
        d->ids = realloc(d->ids, d->capids * sizeof *d->ids);
        if (!d->ids)
            abort();
    }
    d->ids[d->nids] = n;
    return d->nids++;
}

static void put_var(dumper *d, const fnode *n) {
    kbuf_appendf(&d->out, "%s#%zu", n->name ? n->name : "var", var_id(d, n));
}

/* The shortest text that reads back as the same double (the reference
 * prints round-trip, invariant culture). */
static void put_double(dumper *d, double x, bool single) {
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (single ? (float)strtod(buf, NULL) == (float)x : strtod(buf, NULL) == x)
            break;
    }
    if (strcmp(buf, "inf") == 0)
        strcpy(buf, "Infinity");
    else if (strcmp(buf, "-inf") == 0)
        strcpy(buf, "-Infinity");
    else if (strcmp(buf, "nan") == 0 || strcmp(buf, "-nan") == 0)
        strcpy(buf, "NaN");
    put(d, buf);
}

static void put_constant(dumper *d, const ftype *t, fval v) {
    if (v.k == VK_NULL) {
        put(d, "null");
        return;
    }
    switch (t->code) {
    case FT_DOUBLE: put_double(d, v.v.d, false); break;
    case FT_FLOAT: put_double(d, v.v.f, true); break;
    case FT_INT: kbuf_appendf(&d->out, "%d", (int)v.v.i); break;
    case FT_LONG: kbuf_appendf(&d->out, "%lld", (long long)v.v.l); break;
    case FT_UINT: kbuf_appendf(&d->out, "%u", (unsigned)v.v.u); break;
    case FT_ULONG: kbuf_appendf(&d->out, "%llu", (unsigned long long)v.v.ul); break;
    case FT_BOOL: put(d, v.v.b ? "true" : "false"); break;
    case FT_STRING: {
        put(d, "\"");
        for (size_t i = 0; i < v.v.h->len; i++) {
            char c = v.v.h->s[i];
            put(d, c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : (char[]){c, 0});
        }
        put(d, "\"");
        break;
    }
    case FT_BYTES:
        put(d, "0x");
        for (size_t i = 0; i < v.v.h->len; i++)
            kbuf_appendf(&d->out, "%02X", (unsigned char)v.v.h->s[i]);
        break;
    case FT_ENUM: {
        const kenum *e = t->kt->enm;
        for (size_t i = 0; i < e->nvalues; i++)
            if (e->values[i].value == v.v.e) {
                kbuf_appendf(&d->out, "%s.%s", e->name, e->values[i].name);
                return;
            }
        kbuf_appendf(&d->out, "%s.%d", e->name, (int)v.v.e);
        break;
    }
    case FT_CLASS: kbuf_appendf(&d->out, "<%s.%s>", v.v.obj.cls->svc->name, v.v.obj.cls->name); break;
    default: kbuf_appendf(&d->out, "<%s>", t->name); break;
    }
}

static const char *const binary_names[] = {
    "Add", "Subtract", "Multiply", "Divide", "Modulo", "Power", "LeftShift", "RightShift", "And",
    "Or", "ExclusiveOr", "Equal", "NotEqual", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual",
};
static const char *const query_names[] = {
    "ToList", "ToSet", "Get", "Count", "Sum", "Max", "Min", "Average", "Select", "Where", "Skip", "Take",
    "SelectMany", "BuildDictionary", "Contains", "ContainsKey", "Aggregate", "AggregateWithSeed", "Concat",
    "OrderBy", "All", "Any", "DictionaryKeys", "DictionaryValues", "First", "Last", "ElementAt", "MinBy",
    "MaxBy", "Distinct", "Reverse", "Zip", "Union", "Intersect", "Except", "GroupBy",
};
static const char *const mutate_names[] = {"Append", "Set", "Remove", "RemoveAt", "Clear"};
static const char *const string_names[] = {
    "ConvertToString", "StringLength", "StringGet", "StringSubstring", "StringIndexOf", "StringContains",
    "StringStartsWith", "StringEndsWith", "StringToUpper", "StringToLower", "StringTrim", "StringTrimStart",
    "StringTrimEnd", "StringReplace", "StringSplit", "StringJoin", "StringConcat",
};

#define NAME_OF(table, i) ((i) >= 0 && (size_t)(i) < sizeof(table) / sizeof *(table) ? (table)[i] : "?")

static const char *kind_name(const fnode *n) {
    switch (n->op) {
    case FO_CONST: return "Constant";
    case FO_CALL: return "Call";
    case FO_BINARY: return NAME_OF(binary_names, n->sub);
    case FO_NEGATE: return "Negate";
    case FO_NOT: return "Not";
    case FO_CAND: return "ConditionalAnd";
    case FO_COR: return "ConditionalOr";
    case FO_COND: return "Conditional";
    case FO_CAST: return n->implicit ? "Convert" : "Cast";
    case FO_ISNULL: return "IsNull";
    case FO_PARAM: return "Parameter";
    case FO_LAMBDA: return "Lambda";
    case FO_INVOKE: return "Invoke";
    case FO_TUPLE: return "CreateTuple";
    case FO_STRUCT: return "CreateStruct";
    case FO_FIELD: return "GetField";
    case FO_LIST: return "CreateList";
    case FO_SET: return "CreateSet";
    case FO_DICT: return "CreateDictionary";
    case FO_EMPTY:
        return n->type->code == FT_SET ? "CreateEmptySet" : n->type->code == FT_DICT ? "CreateEmptyDictionary"
                                                                                     : "CreateEmptyList";
    case FO_QUERY: return NAME_OF(query_names, n->sub);
    case FO_MUTATE: return NAME_OF(mutate_names, n->sub);
    case FO_STRING: return NAME_OF(string_names, n->sub);
    case FO_VAR: return "Variable";
    case FO_STATE: return "StateVariable";
    case FO_ASSIGN: return "Assign";
    case FO_BLOCK: return "Block";
    case FO_IF: return n->n > 2 && n->kid[2] ? "IfThenElse" : "IfThen";
    case FO_WHILE: return "While";
    case FO_FOREACH: return "ForEach";
    case FO_BREAK: return "Break";
    case FO_CONTINUE: return "Continue";
    case FO_RETURN: return "Return";
    case FO_THROW: return "Throw";
    case FO_TRY: return "Try";
    }
    return "?";
}

static void dump_node(dumper *d, const fnode *n, unsigned depth);

static void dump_kids(dumper *d, const fnode *n, unsigned depth) {
    for (size_t i = 0; i < n->n; i++)
        if (n->kid[i])
            dump_node(d, n->kid[i], depth + 1);
}

static void dump_node(dumper *d, const fnode *n, unsigned depth) {
    for (unsigned i = 0; i < depth; i++)
        put(d, "  ");
    kbuf_appendf(&d->out, "%s<%s>", kind_name(n), n->type ? n->type->name : "void");
    switch (n->op) {
    case FO_CONST:
        put(d, " ");
        put_constant(d, n->type, n->k);
        break;
    case FO_CALL: kbuf_appendf(&d->out, " %s", n->call.proc ? n->call.proc->fullname : "?"); break;
    case FO_PARAM:
    case FO_VAR:
    case FO_STATE: put(d, " "), put_var(d, n); break;
    case FO_FIELD: {
        const ftype *of = n->n ? n->kid[0]->type : NULL;
        if (of && of->code == FT_STRUCT && n->index >= 0 && (size_t)n->index < of->kt->st->nfields)
            kbuf_appendf(&d->out, " %s", of->kt->st->fields[n->index].name);
        else
            kbuf_appendf(&d->out, " Item%lld", (long long)n->index + 1);
        break;
    }
    case FO_BLOCK:
        if (n->nvars) {
            put(d, " (");
            for (size_t i = 0; i < n->nvars; i++) {
                if (i)
                    put(d, ", ");
                put_var(d, n->vars[i]);
            }
            put(d, ")");
        }
        break;
    case FO_THROW: kbuf_appendf(&d->out, " %s.%s", n->name ? n->name : "", n->name2 ? n->name2 : ""); break;
    case FO_TRY:
        if (n->catch_all)
            put(d, " catch all");
        else if (n->name)
            kbuf_appendf(&d->out, " catch %s.%s", n->name, n->name2 ? n->name2 : "");
        break;
    default: break;
    }
    put(d, "\n");
    if (n->op == FO_CALL) {
        /* the arguments given by expressions, by parameter */
        for (size_t i = 0; n->arg_kids && n->call.proc && i < n->call.proc->nparams; i++)
            if (n->arg_kids[i])
                dump_node(d, n->arg_kids[i], depth + 1);
        return;
    }
    if (n->op == FO_STATE && n->n == 0)
        return;
    dump_kids(d, n, depth);
}

int fn_dump_expression(krpc_call *call, const krpc_value *expression, krpc_value *out) {
    kcallctx *c = (kcallctx *)call;
    const kobject *o =
        expression->is_null || !expression->u.obj.ptr ? NULL : objects_get(&c->srv->objects, expression->u.obj.id);
    if (!o || o->ptr != expression->u.obj.ptr || !o->cls->decl || o->cls->decl->release != fn_expr_release)
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The argument is not a KRPC.Expression");
    dumper d = {0};
    dump_node(&d, o->ptr, 0);
    krpc_set_string(call, out, d.out.len ? (const char *)d.out.data : "", d.out.len);
    kbuf_free(&d.out);
    free(d.ids);
    return KRPC_OK;
}
