/*
 * structs.c - TestService enumerations and structures (procedures 17-24).
 * Structures arrive and leave as the sequence of their fields.
 */
#include "testservice.h"

TS_PROCEDURE(ts_enum_return) {
    (void)call;
    (void)args;
    result->u.e = TS_TEST_ENUM_VALUE_B;
    return KRPC_OK;
}

/* StructEcho, StructDefault and StructEchoNullable: return x. */
TS_PROCEDURE(ts_struct_echo) {
    return ts_copy_test_struct(call, &args[0], result);
}

TS_PROCEDURE(ts_nested_struct_echo) {
    const krpc_value *from = args[0].u.seq.items;
    if (args[0].u.seq.count < TS_NESTED_STRUCT_FIELD_COUNT) { /* the host guarantees all fields */
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "TestNestedStruct value is missing fields");
    }
    krpc_value *fields = ts_alloc_values(call, TS_NESTED_STRUCT_FIELD_COUNT);
    if (fields == NULL) {
        return KRPC_ERROR;
    }
    if (ts_copy_test_struct(call, &from[TS_NESTED_STRUCT_STRUCT_FIELD], &fields[TS_NESTED_STRUCT_STRUCT_FIELD]) !=
        KRPC_OK) {
        return KRPC_ERROR;
    }
    fields[TS_NESTED_STRUCT_OBJECT_FIELD] = from[TS_NESTED_STRUCT_OBJECT_FIELD];
    ts_copy_string(call, &from[TS_NESTED_STRUCT_STRING_FIELD], &fields[TS_NESTED_STRUCT_STRING_FIELD]);
    result->u.seq.items = fields;
    result->u.seq.count = TS_NESTED_STRUCT_FIELD_COUNT;
    return KRPC_OK;
}

TS_PROCEDURE(ts_increment_list_of_structs) {
    const krpc_value *list = &args[0];
    krpc_value *items = ts_alloc_values(call, list->u.seq.count);
    if (items == NULL) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < list->u.seq.count; i++) {
        if (ts_copy_test_struct(call, &list->u.seq.items[i], &items[i]) != KRPC_OK) {
            return KRPC_ERROR;
        }
        krpc_value *int_field = &items[i].u.seq.items[TS_TEST_STRUCT_INT_FIELD];
        int_field->u.i32 = (int32_t)((uint32_t)int_field->u.i32 + 1u); /* wraps like C# */
    }
    result->u.seq.items = items;
    result->u.seq.count = list->u.seq.count;
    return KRPC_OK;
}
