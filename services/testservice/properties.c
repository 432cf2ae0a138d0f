/*
 * properties.c - TestService's service properties (procedures 59-68). They
 * are static in the reference: one value per server, shared by all clients,
 * kept in the plugin state.
 */
#include "testservice.h"

static int return_stored_string(krpc_call *call, const ts_stored_string *stored, krpc_value *result) {
    if (stored->data == NULL) {
        /* Never set. The getters are declared non-nullable, so the host
         * reports the reference's "Incorrect value returned" error. */
        result->is_null = true;
        return KRPC_OK;
    }
    ts_set_string(call, result, stored->data, stored->len);
    return KRPC_OK;
}

static int store_string(krpc_call *call, ts_stored_string *stored, const krpc_value *value) {
    if (!ts_stored_string_set(stored, value)) {
        return ts_raise_out_of_memory(call);
    }
    return KRPC_OK;
}

static int return_object(void *object, krpc_value *result) {
    result->u.obj.ptr = object;
    result->is_null = object == NULL;
    return KRPC_OK;
}

static void *object_or_null(const krpc_value *value) {
    return value->is_null ? NULL : value->u.obj.ptr;
}

TS_PROCEDURE(ts_get_string_property) {
    (void)args;
    return return_stored_string(call, &ts_state_of(call)->string_property, result);
}

TS_PROCEDURE(ts_set_string_property) {
    (void)result;
    return store_string(call, &ts_state_of(call)->string_property, &args[0]);
}

TS_PROCEDURE(ts_set_string_property_private_get) {
    (void)result;
    return store_string(call, &ts_state_of(call)->string_property_private_get, &args[0]);
}

TS_PROCEDURE(ts_get_string_property_private_set) {
    (void)args;
    ts_set_cstring(call, result, "foo");
    return KRPC_OK;
}

TS_PROCEDURE(ts_get_object_property) {
    (void)args;
    return return_object(ts_state_of(call)->object_property, result);
}

TS_PROCEDURE(ts_set_object_property) {
    (void)result;
    ts_state_of(call)->object_property = object_or_null(&args[0]);
    return KRPC_OK;
}

TS_PROCEDURE(ts_get_nullable_object) {
    (void)args;
    return return_object(ts_state_of(call)->nullable_object, result);
}

TS_PROCEDURE(ts_set_nullable_object) {
    /* Nullable for the framework, but the setter itself refuses null. */
    (void)result;
    if (object_or_null(&args[0]) == NULL) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_NULL, "Value cannot be null. (Parameter 'value')");
    }
    ts_state_of(call)->nullable_object = args[0].u.obj.ptr;
    return KRPC_OK;
}

TS_PROCEDURE(ts_get_deprecated_property) {
    (void)args;
    return return_stored_string(call, &ts_state_of(call)->deprecated_property, result);
}

TS_PROCEDURE(ts_set_deprecated_property) {
    (void)result;
    return store_string(call, &ts_state_of(call)->deprecated_property, &args[0]);
}
