/* KRPC.Expression and KRPC.Type (krpc-service.md 3-4, semantics.md 11):
 * server-side expression trees, type-checked when built, evaluated in the
 * stream phase as event conditions. */
#ifndef KRPC_EXPRESSION_H
#define KRPC_EXPRESSION_H

#include "core/server_internal.h"

/* Static methods of the two classes, in reference id order (16-64, 65-69). */
extern const krpc_procedure_decl krpc_expression_methods[];
extern const krpc_procedure_decl krpc_type_methods[];
void krpc_expression_release(void *expr);
void krpc_expression_type_release(void *type);

/* KRPC.AddEvent: make an event whose condition is a bool expression. */
int expression_add_event(krpc_call *call, void *expr, krpc_value *result);

#endif
