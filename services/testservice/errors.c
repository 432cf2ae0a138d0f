/*
 * errors.c - TestService procedures that raise errors (procedures 40-48):
 * each kind of exception a client maps, and the "...Later" variants that
 * succeed 101 times after a reset and fail from then on (global counters,
 * shared by all clients).
 */
#include "testservice.h"

static const char invalid_operation_message[] = "Invalid operation";
static const char custom_exception_message[] = "A custom kRPC exception";

/* Calls answered with 0 after a reset before the ...Later procedures fail. */
enum { LATER_SUCCESSFUL_CALLS = 101 };

/* Returns true if the call may still succeed, counting it. */
static bool count_later_call(int32_t *calls) {
    if (*calls >= LATER_SUCCESSFUL_CALLS) {
        return false;
    }
    (*calls)++;
    return true;
}

TS_PROCEDURE(ts_throw_invalid_operation_exception) {
    (void)args;
    (void)result;
    return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, invalid_operation_message);
}

TS_PROCEDURE(ts_reset_invalid_operation_exception_later) {
    (void)args;
    (void)result;
    ts_state_of(call)->invalid_operation_later_calls = 0;
    return KRPC_OK;
}

TS_PROCEDURE(ts_throw_invalid_operation_exception_later) {
    (void)args;
    if (!count_later_call(&ts_state_of(call)->invalid_operation_later_calls)) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, invalid_operation_message);
    }
    result->u.i32 = 0;
    return KRPC_OK;
}

TS_PROCEDURE(ts_throw_argument_exception) {
    (void)args;
    (void)result;
    return krpc_raise(call, KRPC_ERR_ARGUMENT, "Invalid argument");
}

TS_PROCEDURE(ts_throw_argument_null_exception) {
    /* .NET 8's ArgumentNullException text for the parameter "foo". */
    (void)args;
    (void)result;
    return krpc_raise(call, KRPC_ERR_ARGUMENT_NULL, "Value cannot be null. (Parameter 'foo')");
}

TS_PROCEDURE(ts_throw_argument_out_of_range_exception) {
    (void)args;
    (void)result;
    return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                      "Specified argument was out of the range of valid values. (Parameter 'foo')");
}

TS_PROCEDURE(ts_throw_custom_exception) {
    (void)args;
    (void)result;
    return krpc_raise_exception(call, "CustomException", custom_exception_message);
}

TS_PROCEDURE(ts_reset_custom_exception_later) {
    (void)args;
    (void)result;
    ts_state_of(call)->custom_exception_later_calls = 0;
    return KRPC_OK;
}

TS_PROCEDURE(ts_throw_custom_exception_later) {
    (void)args;
    if (!count_later_call(&ts_state_of(call)->custom_exception_later_calls)) {
        return krpc_raise_exception(call, "CustomException", custom_exception_message);
    }
    result->u.i32 = 0;
    return KRPC_OK;
}
