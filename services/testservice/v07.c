/*
 * v07.c - what kRPC 0.7's test server adds to TestService
 * (../shared/spec/v070-final.md section 6): the extension members of
 * TestClass, the second service TestService2 whose class one of them
 * returns, DumpExpressionTree, and the echoes of values with nullable
 * positions inside them (named as the 0.7 Python client's test_client.py
 * calls them).
 *
 * All are declared KRPC_V07_ONLY (testservice.c): clients before 0.7 never
 * see them, so the TestService they see - and the snapshot definitions and
 * golden vectors recorded from the reference - stay exactly as they were,
 * and the ids of every other member do not move (0.7-only members are
 * numbered last; the reference's ids for them are not known).
 */
#include "testservice.h"

#include "netfmt.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- TestClass extension members ---------------------------------------- */

static ts_test_object *this_object(const krpc_value *args) { return args[0].u.obj.ptr; }

TS_PROCEDURE(ts_extension_method) {
    /* obj.GetValue() + x, as C# concatenates a string and an int */
    const ts_test_object *obj = this_object(args);
    char number[16];
    int n = snprintf(number, sizeof number, "%d", (int)args[1].u.i32);
    krpc_value prefix = {0}, value = {0}, digits = {0};
    prefix.u.s.data = "value=";
    prefix.u.s.len = 6;
    value.u.s.data = obj->value;
    value.u.s.len = obj->value_len;
    digits.u.s.data = number;
    digits.u.s.len = (size_t)n;
    const krpc_value *parts[] = {&prefix, &value, &digits};
    return ts_set_concatenation(call, result, parts, 3);
}

TS_PROCEDURE(ts_extension_property) { return ts_test_class_get_value(call, args, result); }

TS_PROCEDURE(ts_extension_read_write_property_get) { return ts_test_class_get_int_property(call, args, result); }

TS_PROCEDURE(ts_extension_read_write_property_set) { return ts_test_class_set_int_property(call, args, result); }

/* ---- TestService2.TestClass2 -------------------------------------------- */

/* A TestClass2 holds the text it was made with. It defines no equality (as
 * in the reference), so every one returned is a new object with a new id;
 * the host owns it once returned and releases it. */
typedef struct ts_test_object2 {
    size_t len;
    char value[];
} ts_test_object2;

static void ts_test_object2_release(void *obj) { free(obj); }

TS_PROCEDURE(ts_extension_method_returning_class_from_other_service) {
    /* new TestClass2(obj.GetValue()) */
    const ts_test_object *obj = this_object(args);
    ts_test_object2 *other = malloc(sizeof *other + 6 + obj->value_len + 1);
    if (!other)
        return ts_raise_out_of_memory(call);
    other->len = 6 + obj->value_len;
    memcpy(other->value, "value=", 6);
    if (obj->value_len)
        memcpy(other->value + 6, obj->value, obj->value_len);
    other->value[other->len] = 0;
    result->u.obj.ptr = other;
    return KRPC_OK;
}

static TS_PROCEDURE(ts_test_class2_get_value) {
    const ts_test_object2 *obj = args[0].u.obj.ptr;
    ts_set_string(call, result, obj->value, obj->len);
    return KRPC_OK;
}

static const krpc_property_decl test_class2_properties[] = {
    {.name = "Value", .type = "string", .get = ts_test_class2_get_value, .doc = "Property documentation string.",
     .flags = KRPC_V07_ONLY},
    {0},
};

const krpc_class_decl ts_test_service2_classes[] = {
    {.name = "TestClass2", .properties = test_class2_properties, .doc = "Class documentation string.",
     .release = ts_test_object2_release},
    {0},
};


/* ---- nullable positions inside values ----------------------------------- */

/* The arguments are copied into call memory, so results never point into
 * argument memory (testservice.h). Items are copied with their is_null. */

/* list(sint32?), list(TestClass?), tuple(sint32,TestClass?): items without
 * memory of their own. */
TS_PROCEDURE(ts_echo_nullable_scalars) { return ts_copy_scalar_sequence(call, &args[0], result); }

TS_PROCEDURE(ts_echo_dictionary_of_nullable_objects) {
    const size_t n = args[0].u.dict.count;
    krpc_value *keys = ts_alloc_values(call, n);
    krpc_value *values = keys ? ts_alloc_values(call, n) : NULL;
    if (!values)
        return KRPC_ERROR;
    for (size_t i = 0; i < n; i++) {
        ts_copy_string(call, &args[0].u.dict.keys[i], &keys[i]);
        values[i] = args[0].u.dict.values[i];
    }
    result->u.dict.keys = keys;
    result->u.dict.values = values;
    result->u.dict.count = n;
    return KRPC_OK;
}

TS_PROCEDURE(ts_echo_nested_list_of_nullable_objects) {
    const size_t n = args[0].u.seq.count;
    krpc_value *items = ts_alloc_values(call, n);
    if (!items)
        return KRPC_ERROR;
    for (size_t i = 0; i < n; i++)
        if (ts_copy_scalar_sequence(call, &args[0].u.seq.items[i], &items[i]) != KRPC_OK)
            return KRPC_ERROR;
    result->u.seq.items = items;
    result->u.seq.count = n;
    return KRPC_OK;
}

/* TestNullableStruct: (IntField, NullableIntField, NullableEnumField,
 * NullableStringField, NullableObjectField) */
TS_PROCEDURE(ts_nullable_struct_echo) {
    if (ts_copy_scalar_sequence(call, &args[0], result) != KRPC_OK)
        return KRPC_ERROR;
    if (result->u.seq.count > 3)
        ts_copy_string(call, &args[0].u.seq.items[3], &result->u.seq.items[3]);
    return KRPC_OK;
}

/* TestNestedNullableStruct: (ListField: list(TestClass?), StringField) */
TS_PROCEDURE(ts_echo_nested_nullable_struct) {
    if (ts_copy_scalar_sequence(call, &args[0], result) != KRPC_OK)
        return KRPC_ERROR;
    if (result->u.seq.count > 1) {
        if (ts_copy_scalar_sequence(call, &args[0].u.seq.items[0], &result->u.seq.items[0]) != KRPC_OK)
            return KRPC_ERROR;
        ts_copy_string(call, &args[0].u.seq.items[1], &result->u.seq.items[1]);
    }
    return KRPC_OK;
}

/* ---- DumpExpressionTree -------------------------------------------------- */

TS_PROCEDURE(ts_dump_expression_tree) {
    const krpc_host_api *api = call->api;
    /* the dump is the host's (it owns expressions); a host without it is
     * older than this plugin */
    if (api->size < offsetof(krpc_host_api, dump_expression) + sizeof api->dump_expression ||
        !api->dump_expression) {
        return krpc_raise(call, KRPC_ERR_NOT_SUPPORTED, "This server cannot dump expression trees");
    }
    return api->dump_expression(call, &args[0], result);
}
