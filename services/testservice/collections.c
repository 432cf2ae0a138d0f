/*
 * collections.c - TestService collections and collection defaults
 * (procedures 27-38, and EchoNullableList). Results are new collections in
 * call memory; increments wrap like C#'s unchecked arithmetic.
 */
#include "testservice.h"

#include <string.h>

static int32_t increment_int32(int32_t value) {
    return (int32_t)((uint32_t)value + 1u);
}

static int64_t increment_int64(int64_t value) {
    return (int64_t)((uint64_t)value + 1u);
}

/* A list or set of sint32 with every item incremented. */
static int increment_int32_items(krpc_call *call, const krpc_value *source, krpc_value *out) {
    if (ts_copy_scalar_sequence(call, source, out) != KRPC_OK) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < out->u.seq.count; i++) {
        out->u.seq.items[i].u.i32 = increment_int32(out->u.seq.items[i].u.i32);
    }
    return KRPC_OK;
}

/* A dictionary with string keys: keys copied, values left zeroed. */
static int copy_string_keys(krpc_call *call, const krpc_value *source, krpc_value *out) {
    const size_t count = source->u.dict.count;
    krpc_value *keys = ts_alloc_values(call, count);
    krpc_value *values = keys != NULL ? ts_alloc_values(call, count) : NULL;
    if (values == NULL) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < count; i++) {
        ts_copy_string(call, &source->u.dict.keys[i], &keys[i]);
    }
    out->u.dict.keys = keys;
    out->u.dict.values = values;
    out->u.dict.count = count;
    return KRPC_OK;
}

/* IncrementList and IncrementSet */
TS_PROCEDURE(ts_increment_list) {
    return increment_int32_items(call, &args[0], result);
}

TS_PROCEDURE(ts_increment_set) {
    return increment_int32_items(call, &args[0], result);
}

TS_PROCEDURE(ts_increment_dictionary) {
    const krpc_value *dictionary = &args[0];
    if (copy_string_keys(call, dictionary, result) != KRPC_OK) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < dictionary->u.dict.count; i++) {
        result->u.dict.values[i].u.i32 = increment_int32(dictionary->u.dict.values[i].u.i32);
    }
    return KRPC_OK;
}

TS_PROCEDURE(ts_increment_tuple) {
    if (ts_copy_scalar_sequence(call, &args[0], result) != KRPC_OK) {
        return KRPC_ERROR;
    }
    krpc_value *items = result->u.seq.items;
    items[0].u.i32 = increment_int32(items[0].u.i32);
    items[1].u.i64 = increment_int64(items[1].u.i64);
    return KRPC_OK;
}

TS_PROCEDURE(ts_increment_nested_collection) {
    const krpc_value *dictionary = &args[0];
    if (copy_string_keys(call, dictionary, result) != KRPC_OK) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < dictionary->u.dict.count; i++) {
        if (increment_int32_items(call, &dictionary->u.dict.values[i], &result->u.dict.values[i]) != KRPC_OK) {
            return KRPC_ERROR;
        }
    }
    return KRPC_OK;
}

/* Returns a (possibly null) list, set or tuple of plain numbers, bools or
 * enums unchanged: EchoNullableList, TupleDefault, ListDefault, SetDefault,
 * EnumListDefault. */
TS_PROCEDURE(ts_echo_scalar_collection) {
    return ts_copy_scalar_sequence(call, &args[0], result);
}

/* DictionaryDefault: dict(sint32, bool) returned unchanged. */
TS_PROCEDURE(ts_echo_dictionary_default) {
    const size_t count = args[0].u.dict.count;
    krpc_value *keys = ts_alloc_values(call, count);
    krpc_value *values = keys != NULL ? ts_alloc_values(call, count) : NULL;
    if (values == NULL) {
        return KRPC_ERROR;
    }
    if (count > 0) {
        memcpy(keys, args[0].u.dict.keys, count * sizeof *keys);
        memcpy(values, args[0].u.dict.values, count * sizeof *values);
    }
    result->u.dict.keys = keys;
    result->u.dict.values = values;
    result->u.dict.count = count;
    return KRPC_OK;
}

/* EmptyListDefault: list(string) returned unchanged. */
TS_PROCEDURE(ts_echo_string_list) {
    return ts_copy_string_sequence(call, &args[0], result);
}

TS_PROCEDURE(ts_add_to_object_list) {
    const krpc_value *list = &args[0];
    const size_t count = list->u.seq.count;
    krpc_value *items = ts_alloc_values(call, count + 1);
    if (items == NULL) {
        return KRPC_ERROR;
    }
    if (count > 0) {
        memcpy(items, list->u.seq.items, count * sizeof *items);
    }
    ts_test_object *added = ts_test_object_create(args[1].u.s.data, args[1].u.s.len);
    if (added == NULL) {
        return ts_raise_out_of_memory(call);
    }
    items[count].u.obj.ptr = added;
    result->u.seq.items = items;
    result->u.seq.count = count + 1;
    return KRPC_OK;
}
