/*
 * test_class.c - the members of TestClass (procedures 69-81) and of
 * DeprecatedClass (82). Instance members get the object as args[0].
 */
#include "testservice.h"

#include "netfmt.h"

static ts_test_object *this_object(const krpc_value *args) {
    return args[0].u.obj.ptr;
}

/* The object's value as a string value (not copied: only used as a part of
 * a concatenation, which copies). */
static krpc_value value_text(const ts_test_object *object) {
    krpc_value text = {0};
    text.u.s.data = object->value;
    text.u.s.len = object->value_len;
    return text;
}

static krpc_value literal_text(const char *literal, size_t len) {
    krpc_value text = {0};
    text.u.s.data = literal;
    text.u.s.len = len;
    return text;
}

TS_PROCEDURE(ts_test_class_get_value) {
    const krpc_value prefix = literal_text("value=", 6);
    const krpc_value value = value_text(this_object(args));
    const krpc_value *parts[] = {&prefix, &value};
    return ts_set_concatenation(call, result, parts, 2);
}

TS_PROCEDURE(ts_test_class_float_to_string) {
    char number[NETFMT_BUFFER_SIZE];
    const size_t number_len = netfmt_float(args[1].u.f, number);
    const krpc_value value = value_text(this_object(args));
    const krpc_value number_text = literal_text(number, number_len);
    const krpc_value *parts[] = {&value, &number_text};
    return ts_set_concatenation(call, result, parts, 2);
}

TS_PROCEDURE(ts_test_class_object_to_string) {
    const krpc_value value = value_text(this_object(args));
    krpc_value other;
    ts_object_value_or_null(&args[1], &other);
    const krpc_value *parts[] = {&value, &other};
    return ts_set_concatenation(call, result, parts, 2);
}

TS_PROCEDURE(ts_test_class_echo_nullable_object) {
    (void)call;
    *result = args[1];
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_optional_arguments) {
    /* Same as the service procedure; the instance plays no part. */
    return ts_concatenate_optional_arguments(call, &args[1], result);
}

TS_PROCEDURE(ts_test_class_static_method) {
    const krpc_value prefix = literal_text("jeb", 3);
    const krpc_value *parts[] = {&prefix, &args[0], &args[1]};
    return ts_set_concatenation(call, result, parts, 3);
}

TS_PROCEDURE(ts_test_class_get_int_property) {
    (void)call;
    result->u.i32 = this_object(args)->int_property;
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_set_int_property) {
    (void)call;
    (void)result;
    this_object(args)->int_property = args[1].u.i32;
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_get_object_property) {
    (void)call;
    void *object = this_object(args)->object_property;
    result->u.obj.ptr = object;
    result->is_null = object == NULL;
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_set_object_property) {
    (void)call;
    (void)result;
    this_object(args)->object_property = args[1].is_null ? NULL : args[1].u.obj.ptr;
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_set_string_property_private_get) {
    /* Renames the object: from now on it equals objects with the new value. */
    (void)result;
    if (!ts_test_object_rename(this_object(args), args[1].u.s.data, args[1].u.s.len)) {
        return ts_raise_out_of_memory(call);
    }
    return KRPC_OK;
}

TS_PROCEDURE(ts_test_class_get_string_property_private_set) {
    const ts_test_object *object = this_object(args);
    ts_set_string(call, result, object->value, object->value_len);
    return KRPC_OK;
}

TS_PROCEDURE(ts_deprecated_class_deprecated_method) {
    (void)args;
    ts_set_cstring(call, result, "value");
    return KRPC_OK;
}
