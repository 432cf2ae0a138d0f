/*
 * result.c - building results in call memory (freed by the host once the
 * result is encoded), so no result points into argument memory or into
 * plugin state that a later call could change.
 */
#include "testservice.h"

#include <string.h>

int ts_raise_out_of_memory(krpc_call *call) {
    /* The text of .NET's OutOfMemoryException, which kRPC reports untyped. */
    return krpc_raise(call, KRPC_ERR_GENERIC,
                      "Insufficient memory to continue the execution of the program.");
}

krpc_value *ts_alloc_values(krpc_call *call, size_t count) {
    /* At least one slot, so an empty collection still has a valid pointer. */
    const size_t slots = count > 0 ? count : 1;
    krpc_value *values = krpc_alloc(call, slots * sizeof *values);
    if (values == NULL) {
        ts_raise_out_of_memory(call);
        return NULL;
    }
    memset(values, 0, slots * sizeof *values);
    return values;
}

void ts_set_string(krpc_call *call, krpc_value *out, const char *data, size_t len) {
    krpc_set_string(call, out, len > 0 ? data : "", len);
}

int ts_set_concatenation(krpc_call *call, krpc_value *out, const krpc_value *const *parts, size_t count) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        total += parts[i]->u.s.len;
    }
    char *text = krpc_alloc(call, total + 1);
    if (text == NULL) {
        return ts_raise_out_of_memory(call);
    }
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        if (parts[i]->u.s.len > 0) {
            memcpy(text + offset, parts[i]->u.s.data, parts[i]->u.s.len);
            offset += parts[i]->u.s.len;
        }
    }
    text[total] = '\0';
    out->u.s.data = text;
    out->u.s.len = total;
    return KRPC_OK;
}

int ts_copy_string(krpc_call *call, const krpc_value *source, krpc_value *out) {
    if (source->is_null) {
        out->is_null = true;
        return KRPC_OK;
    }
    ts_set_string(call, out, source->u.s.data, source->u.s.len);
    return KRPC_OK;
}

int ts_copy_scalar_sequence(krpc_call *call, const krpc_value *source, krpc_value *out) {
    if (source->is_null) {
        out->is_null = true;
        return KRPC_OK;
    }
    const size_t count = source->u.seq.count;
    krpc_value *items = ts_alloc_values(call, count);
    if (items == NULL) {
        return KRPC_ERROR;
    }
    if (count > 0) {
        memcpy(items, source->u.seq.items, count * sizeof *items);
    }
    out->u.seq.items = items;
    out->u.seq.count = count;
    return KRPC_OK;
}

int ts_copy_string_sequence(krpc_call *call, const krpc_value *source, krpc_value *out) {
    if (source->is_null) {
        out->is_null = true;
        return KRPC_OK;
    }
    const size_t count = source->u.seq.count;
    krpc_value *items = ts_alloc_values(call, count);
    if (items == NULL) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < count; i++) {
        ts_copy_string(call, &source->u.seq.items[i], &items[i]);
    }
    out->u.seq.items = items;
    out->u.seq.count = count;
    return KRPC_OK;
}

int ts_copy_test_struct(krpc_call *call, const krpc_value *source, krpc_value *out) {
    if (source->is_null) {
        out->is_null = true;
        return KRPC_OK;
    }
    if (source->u.seq.count < TS_TEST_STRUCT_FIELD_COUNT) { /* the host guarantees all fields */
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "TestStruct value is missing fields");
    }
    krpc_value *fields = ts_alloc_values(call, TS_TEST_STRUCT_FIELD_COUNT);
    if (fields == NULL) {
        return KRPC_ERROR;
    }
    const krpc_value *from = source->u.seq.items;
    fields[TS_TEST_STRUCT_INT_FIELD] = from[TS_TEST_STRUCT_INT_FIELD];
    fields[TS_TEST_STRUCT_ENUM_FIELD] = from[TS_TEST_STRUCT_ENUM_FIELD];
    ts_copy_string(call, &from[TS_TEST_STRUCT_STRING_FIELD], &fields[TS_TEST_STRUCT_STRING_FIELD]);
    if (ts_copy_scalar_sequence(call, &from[TS_TEST_STRUCT_LIST_FIELD], &fields[TS_TEST_STRUCT_LIST_FIELD]) != KRPC_OK) {
        return KRPC_ERROR;
    }
    out->u.seq.items = fields;
    out->u.seq.count = TS_TEST_STRUCT_FIELD_COUNT;
    return KRPC_OK;
}
