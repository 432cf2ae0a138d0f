/* Placeholder evaluator: declarations only (being replaced). */
#include "krpc/expression.h"

static int not_yet(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Expressions are not available yet");
}

const krpc_procedure_decl krpc_expression_methods[] = {
    {.name = "ConstantDouble", .fn = not_yet, .params = (const krpc_param_decl[]){{"value", "double", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ConstantFloat", .fn = not_yet, .params = (const krpc_param_decl[]){{"value", "float", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ConstantInt", .fn = not_yet, .params = (const krpc_param_decl[]){{"value", "sint32", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ConstantBool", .fn = not_yet, .params = (const krpc_param_decl[]){{"value", "bool", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ConstantString", .fn = not_yet, .params = (const krpc_param_decl[]){{"value", "string", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Call", .fn = not_yet, .params = (const krpc_param_decl[]){{"call", "procedure_call", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Equal", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "NotEqual", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "GreaterThan", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "GreaterThanOrEqual", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "LessThan", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "LessThanOrEqual", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "And", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Or", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ExclusiveOr", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Not", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Add", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Subtract", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Multiply", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Divide", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Modulo", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Power", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "LeftShift", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "RightShift", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg0", "Expression", NULL, NULL}, {"arg1", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Cast", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"type", "Type", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Parameter", .fn = not_yet, .params = (const krpc_param_decl[]){{"name", "string", NULL, NULL}, {"type", "Type", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Function", .fn = not_yet, .params = (const krpc_param_decl[]){{"parameters", "list(Expression)", NULL, NULL}, {"body", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Invoke", .fn = not_yet, .params = (const krpc_param_decl[]){{"function", "Expression", NULL, NULL}, {"args", "dict(string,Expression)", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "CreateTuple", .fn = not_yet, .params = (const krpc_param_decl[]){{"elements", "list(Expression)", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "CreateList", .fn = not_yet, .params = (const krpc_param_decl[]){{"values", "list(Expression)", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "CreateSet", .fn = not_yet, .params = (const krpc_param_decl[]){{"values", "set(Expression)", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "CreateDictionary", .fn = not_yet, .params = (const krpc_param_decl[]){{"keys", "list(Expression)", NULL, NULL}, {"values", "list(Expression)", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ToList", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "ToSet", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Get", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"index", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Count", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Sum", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Max", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Min", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Average", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Select", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"func", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Where", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"func", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Contains", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"value", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Aggregate", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"func", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "AggregateWithSeed", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"seed", "Expression", NULL, NULL}, {"func", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Concat", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg1", "Expression", NULL, NULL}, {"arg2", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "OrderBy", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"key", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "All", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"predicate", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {.name = "Any", .fn = not_yet, .params = (const krpc_param_decl[]){{"arg", "Expression", NULL, NULL}, {"predicate", "Expression", NULL, NULL}, {0}}, .returns = "Expression", .flags = KRPC_STATIC},
    {0},
};

const krpc_procedure_decl krpc_type_methods[] = {
    {.name = "Double", .fn = not_yet, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .flags = KRPC_STATIC},
    {.name = "Float", .fn = not_yet, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .flags = KRPC_STATIC},
    {.name = "Int", .fn = not_yet, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .flags = KRPC_STATIC},
    {.name = "Bool", .fn = not_yet, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .flags = KRPC_STATIC},
    {.name = "String", .fn = not_yet, .params = (const krpc_param_decl[]){{0}}, .returns = "Type", .flags = KRPC_STATIC},
    {0},
};

void krpc_expression_release(void *expr) { (void)expr; }
void krpc_expression_type_release(void *type) { (void)type; }

int expression_add_event(krpc_call *call, void *expr, krpc_value *result) {
    (void)expr, (void)result;
    return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "Expressions are not available yet");
}
