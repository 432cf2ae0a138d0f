/* Server-side functions of kRPC 0.7 (v070-final.md 3.4 and 4): the KRPC.Type
 * and KRPC.Expression classes that 0.7 clients see, the TypeCode enum, and
 * RunFunction, CompileFunction, AddFunctionStream and AddEvent. Pre-0.7
 * clients keep the snapshot's expressions (krpc/expression.h). */
#ifndef KRPC_FUNCTION_H
#define KRPC_FUNCTION_H

#include "core/server_internal.h"

extern const krpc_procedure_decl fn_expression_methods[];
extern const krpc_property_decl fn_expression_properties[];
extern const krpc_procedure_decl fn_type_methods[];
extern const krpc_property_decl fn_type_properties[];
extern const krpc_enum_value_decl fn_type_code_values[];

/* Object identity of the classes: Type objects are equal by value, constant
 * expressions by type and value (interned); other nodes only to themselves. */
bool fn_type_equals(const void *a, const void *b);
uint64_t fn_type_hash(const void *t);
void fn_type_release(void *t);
bool fn_expr_equals(const void *a, const void *b);
uint64_t fn_expr_hash(const void *e);
void fn_expr_release(void *e);

/* Free the server's functions (at destroy, after the object store). */
void fn_free(krpc_server *srv);

/* Whether AddStream refuses a procedure (RunFunction, AddFunctionStream,
 * AddEvent and StateVariable of the 0.7 KRPC). */
bool fn_not_streamable(const kproc *p);

/* The text TestService.DumpExpressionTree returns (host API
 * dump_expression; krpc/fn_dump.c). */
int fn_dump_expression(krpc_call *call, const krpc_value *expression, krpc_value *out);

/* KRPC procedures. */
int fn_krpc_run_function(krpc_call *call, const krpc_value *args, krpc_value *result);
int fn_krpc_compile_function(krpc_call *call, const krpc_value *args, krpc_value *result);
int fn_krpc_add_function_stream(krpc_call *call, const krpc_value *args, krpc_value *result);
int fn_krpc_add_event(krpc_call *call, const krpc_value *args, krpc_value *result);

#endif
