/*
 * special_defaults.c - TestService *SpecialDefaults (procedures 53-58):
 * each returns the list of its arguments, so a client can check that the
 * special default values (NaN, infinities, extremes) round-trip exactly.
 */
#include "testservice.h"

/* The arguments, in order, as the result list. They are plain numbers, so
 * the items can be copied as they are. */
static int arguments_as_list(krpc_call *call, const krpc_value *args, size_t count, krpc_value *result) {
    krpc_value *items = ts_alloc_values(call, count);
    if (items == NULL) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < count; i++) {
        items[i] = args[i];
    }
    result->u.seq.items = items;
    result->u.seq.count = count;
    return KRPC_OK;
}

TS_PROCEDURE(ts_double_special_defaults) {
    return arguments_as_list(call, args, 5, result);
}

TS_PROCEDURE(ts_float_special_defaults) {
    return arguments_as_list(call, args, 6, result);
}

TS_PROCEDURE(ts_int32_special_defaults) {
    return arguments_as_list(call, args, 2, result);
}

TS_PROCEDURE(ts_int64_special_defaults) {
    return arguments_as_list(call, args, 2, result);
}

TS_PROCEDURE(ts_uint32_special_defaults) {
    return arguments_as_list(call, args, 1, result);
}

TS_PROCEDURE(ts_uint64_special_defaults) {
    return arguments_as_list(call, args, 1, result);
}
