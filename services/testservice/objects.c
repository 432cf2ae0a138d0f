/*
 * objects.c - TestService procedures about objects and nullability
 * (procedures 9-16, and the echoes of enums and nullable ints).
 */
#include "testservice.h"

TS_PROCEDURE(ts_echo_value) {
    (void)call;
    *result = args[0];
    return KRPC_OK;
}

TS_PROCEDURE(ts_create_test_object) {
    /* A new object each time; if it equals a stored one the host keeps the
     * stored one (same id) and releases this one. */
    ts_test_object *object = ts_test_object_create(args[0].u.s.data, args[0].u.s.len);
    if (object == NULL) {
        return ts_raise_out_of_memory(call);
    }
    result->u.obj.ptr = object;
    return KRPC_OK;
}

TS_PROCEDURE(ts_return_null) {
    /* Declared non-nullable: the host turns this into its "Incorrect value
     * returned" error, which is what the procedure exists to show. */
    (void)call;
    (void)args;
    result->is_null = true;
    return KRPC_OK;
}

TS_PROCEDURE(ts_echo_nullable_string) {
    return ts_copy_string(call, &args[0], result);
}

/* Shared with TestClass.OptionalArguments. */
int ts_concatenate_optional_arguments(krpc_call *call, const krpc_value *arguments, krpc_value *result) {
    krpc_value object_text;
    ts_object_value_or_null(&arguments[3], &object_text);
    const krpc_value *parts[] = {&arguments[0], &arguments[1], &arguments[2], &object_text};
    return ts_set_concatenation(call, result, parts, 4);
}

TS_PROCEDURE(ts_optional_arguments) {
    return ts_concatenate_optional_arguments(call, &args[0], result);
}
