/*
 * blocking.c - TestService.BlockingProcedure (procedure 26): a procedure
 * that spans updates. BlockingProcedure(n, sum) returns sum when n is 0;
 * otherwise it yields and, on the next update, continues as
 * BlockingProcedure(n - 1, sum + n).
 */
#include "testservice.h"

#include <stdlib.h>

typedef struct blocking_state {
    int32_t n;
    int32_t sum;
} blocking_state;

static int blocking_step(krpc_call *call, int32_t n, int32_t sum, krpc_value *result);

static int resume_blocking(krpc_call *call, void *state, krpc_value *result) {
    const blocking_state *step = state;
    return blocking_step(call, step->n, step->sum, result);
}

static int blocking_step(krpc_call *call, int32_t n, int32_t sum, krpc_value *result) {
    if (n == 0) {
        result->u.i32 = sum;
        return KRPC_OK;
    }
    /* A fresh state per yield: the host owns (and frees) each one it is given. */
    blocking_state *next = malloc(sizeof *next);
    if (next == NULL) {
        return ts_raise_out_of_memory(call);
    }
    /* Wrapping arithmetic, like C#: a negative n never finishes but must not
     * overflow. */
    next->n = (int32_t)((uint32_t)n - 1u);
    next->sum = (int32_t)((uint32_t)sum + (uint32_t)n);
    return krpc_yield(call, resume_blocking, next, free);
}

TS_PROCEDURE(ts_blocking_procedure) {
    return blocking_step(call, args[0].u.i32, args[1].u.i32, result);
}
