/*
 * benchmark.c - the Benchmark service's one procedure, Call: run a
 * procedure call in a loop inside the server (argument binding, dispatch and
 * result encoding, no I/O) and report how long it took.
 */
#include "testservice.h"

#include <stdio.h>

enum {
    ERROR_TEXT_SIZE = 2048,
    NAME_SIZE = 256,
    MESSAGE_SIZE = ERROR_TEXT_SIZE + NAME_SIZE + 128,
    WARM_UP_ITERATIONS = 100,
};

/* One run of the call; on failure, error and name describe it. */
typedef struct run_outcome {
    int status;
    char error[ERROR_TEXT_SIZE];
    char name[NAME_SIZE]; /* "Service.Procedure"; empty if it was not found */
} run_outcome;

static void run_once(krpc_call *call, const krpc_value *procedure_call, run_outcome *outcome) {
    outcome->error[0] = '\0';
    outcome->name[0] = '\0';
    outcome->status = call->api->run_call(call, procedure_call, outcome->error, sizeof outcome->error,
                                          outcome->name, sizeof outcome->name);
}

static int raise_failed_run(krpc_call *call, const run_outcome *outcome) {
    char message[MESSAGE_SIZE];
    if (outcome->status == KRPC_YIELD) {
        snprintf(message, sizeof message,
                 "Procedure %s yields, so it spans several updates and cannot be benchmarked in a loop",
                 outcome->name);
    } else {
        snprintf(message, sizeof message, "Call to %s failed: %s", outcome->name, outcome->error);
    }
    return krpc_raise(call, KRPC_ERR_ARGUMENT, message);
}

/* Run the call `count` times; KRPC_OK, or the raised failure of a run. */
static int run_repeatedly(krpc_call *call, const krpc_value *procedure_call, uint32_t count, run_outcome *outcome) {
    for (uint32_t i = 0; i < count; i++) {
        run_once(call, procedure_call, outcome);
        if (outcome->status != KRPC_OK) {
            return raise_failed_run(call, outcome);
        }
    }
    return KRPC_OK;
}

static const char *const result_keys[] = {
    "iterations", "seconds", "nanoseconds_per_operation", "bytes_per_operation", "collections", "exact_allocations",
};
enum { RESULT_ENTRIES = sizeof result_keys / sizeof result_keys[0] };

static int benchmark_call(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const krpc_value *procedure_call = &args[0];
    const uint32_t iterations = args[1].u.u32;

    /* A probe first, so that a call that cannot work fails with a clear
     * message instead of a timing. */
    run_outcome outcome;
    run_once(call, procedure_call, &outcome);
    if (outcome.status == KRPC_ERROR && outcome.name[0] == '\0') {
        /* Unknown service or procedure: its "not found" error, untyped. */
        return krpc_raise(call, KRPC_ERR_GENERIC, outcome.error);
    }
    if (outcome.status != KRPC_OK) {
        return raise_failed_run(call, &outcome);
    }
    if (iterations == 0) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Iterations must be at least one (Parameter 'iterations')");
    }

    const uint32_t warm_up = iterations < WARM_UP_ITERATIONS ? iterations : WARM_UP_ITERATIONS;
    if (run_repeatedly(call, procedure_call, warm_up, &outcome) != KRPC_OK) {
        return KRPC_ERROR;
    }
    const uint64_t start_ns = ts_monotonic_ns();
    if (run_repeatedly(call, procedure_call, iterations, &outcome) != KRPC_OK) {
        return KRPC_ERROR;
    }
    const double elapsed_ns = (double)(ts_monotonic_ns() - start_ns);

    krpc_value *keys = ts_alloc_values(call, RESULT_ENTRIES);
    krpc_value *values = keys != NULL ? ts_alloc_values(call, RESULT_ENTRIES) : NULL;
    if (values == NULL) {
        return KRPC_ERROR;
    }
    for (size_t i = 0; i < RESULT_ENTRIES; i++) {
        ts_set_cstring(call, &keys[i], result_keys[i]);
    }
    values[0].u.d = (double)iterations;
    values[1].u.d = elapsed_ns / 1e9;
    values[2].u.d = elapsed_ns / (double)iterations;
    /* No garbage collector, and allocations are not measured: the reference's
     * allocation and collection figures are reported as 0. */
    values[3].u.d = 0;
    values[4].u.d = 0;
    values[5].u.d = 0;
    result->u.dict.keys = keys;
    result->u.dict.values = values;
    result->u.dict.count = RESULT_ENTRIES;
    return KRPC_OK;
}

static const krpc_param_decl call_params[] = {
    {.name = "call", .type = "procedure_call", .doc = "The procedure call to run."},
    {.name = "iterations", .type = "uint32", .doc = "How many times to run it; at least one."},
    {0},
};

const krpc_procedure_decl ts_benchmark_procedures[] = {
    {
        .name = "Call",
        .fn = benchmark_call,
        .params = call_params,
        .returns = "dict(string,double)",
        .doc = "Runs a procedure call repeatedly on the server, after one probe run and a short warm-up,\n"
               "and measures how long each run takes.",
        .returns_doc = "The measurements: iterations, seconds, nanoseconds_per_operation,\n"
                       "bytes_per_operation, collections and exact_allocations.",
    },
    {0},
};
