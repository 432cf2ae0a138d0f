/*
 * plugin_yields.c - yields and continuation state (krpc/plugin.h section 3:
 * krpc_yield, free_state; the tick hook; semantics.md 3).
 *
 * Service YieldTest counts the states it hands to the host (Allocs) and the
 * ones the host frees (Frees): after a finished call, a client that left in
 * the middle of one, or a stream of a yielding call, the two must be equal.
 * Wait(n) yields n times and returns how many updates (ticks) passed; each
 * resume must happen in a later update. FailAfter and NullAfter fail after
 * yielding (semantics.md 3.4: Response.error).
 */
#include "testplugin.h"

#include <stdlib.h>
#include <time.h>

typedef struct yield_state {
    uint64_t ticks;
    double last_dt;
    int64_t allocs;
    int64_t frees;
    int64_t same_tick_resumes;
    int32_t tick_cost_us; /* each tick busy for this long (SetTickCost) */
} yield_state;

typedef struct step {
    yield_state *owner;
    int32_t left;
    int32_t done;
    uint64_t start_tick;
    uint64_t yielded_tick;
    int kind; /* 0 Wait, 1 FailAfter, 2 NullAfter */
} step;

static void free_step(void *p) {
    step *s = p;
    s->owner->frees++;
    free(s);
}

static int resume(krpc_call *call, void *state, krpc_value *result);

static int advance(krpc_call *call, const step *prev, yield_state *st, krpc_value *result) {
    if (prev->left == 0) {
        switch (prev->kind) {
        case 1:
            return krpc_raise_exception(call, "LateException", "failed after yielding");
        case 2:
            result->is_null = true; /* not allowed: the return is not nullable */
            return KRPC_OK;
        default:
            result->u.i64 = (int64_t)(st->ticks - prev->start_tick);
            return KRPC_OK;
        }
    }
    step *next = malloc(sizeof *next);
    if (!next)
        return krpc_raise(call, KRPC_ERR_GENERIC, "out of memory");
    *next = *prev;
    next->left = prev->left - 1; /* wraps for negative n: never finishes */
    next->done = prev->done + 1;
    next->yielded_tick = st->ticks;
    st->allocs++;
    return krpc_yield(call, resume, next, free_step);
}

static int resume(krpc_call *call, void *state, krpc_value *result) {
    step *s = state;
    yield_state *st = s->owner;
    if (s->yielded_tick == st->ticks)
        st->same_tick_resumes++;
    return advance(call, s, st, result);
}

static int start(krpc_call *call, int32_t n, int kind, krpc_value *result) {
    yield_state *st = call->state;
    step first = {.owner = st, .left = n, .start_tick = st->ticks, .kind = kind};
    if (n == 0 && kind == 0) {
        result->u.i64 = 0;
        return KRPC_OK;
    }
    return advance(call, &first, st, result);
}

PROC(wait) { return start(call, args[0].u.i32, 0, result); }
PROC(fail_after) { return start(call, args[0].u.i32, 1, result); }
PROC(null_after) { return start(call, args[0].u.i32, 2, result); }

PROC(allocs) {
    result->u.i64 = ((yield_state *)call->state)->allocs;
    return KRPC_OK;
}

PROC(frees) {
    result->u.i64 = ((yield_state *)call->state)->frees;
    return KRPC_OK;
}

PROC(same_tick_resumes) {
    result->u.i64 = ((yield_state *)call->state)->same_tick_resumes;
    return KRPC_OK;
}

PROC(ticks) {
    result->u.u64 = ((yield_state *)call->state)->ticks;
    return KRPC_OK;
}

/* Make every tick take this long, so that a test can put the server behind
 * its tick rate for good. */
PROC(set_tick_cost) {
    ((yield_state *)call->state)->tick_cost_us = args[0].u.i32 > 0 ? args[0].u.i32 : 0;
    return KRPC_OK;
}

PROC(last_dt) {
    result->u.d = ((yield_state *)call->state)->last_dt;
    return KRPC_OK;
}

static const krpc_param_decl n_param[] = {{.name = "n", .type = "sint32"}, END};
static const krpc_param_decl us_param[] = {{.name = "microseconds", .type = "sint32"}, END};

static const krpc_procedure_decl procedures[] = {
    {.name = "Wait", .fn = wait, .params = n_param, .returns = "sint64"},
    {.name = "FailAfter", .fn = fail_after, .params = n_param, .returns = "sint64"},
    {.name = "NullAfter", .fn = null_after, .params = n_param, .returns = "string"},
    {.name = "Allocs", .fn = allocs, .returns = "sint64"},
    {.name = "Frees", .fn = frees, .returns = "sint64"},
    {.name = "SameTickResumes", .fn = same_tick_resumes, .returns = "sint64"},
    {.name = "Ticks", .fn = ticks, .returns = "uint64"},
    {.name = "LastDt", .fn = last_dt, .returns = "double"},
    {.name = "SetTickCost", .fn = set_tick_cost, .params = us_param},
    END,
};

static const krpc_exception_decl exceptions[] = {
    {.name = "LateException"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "YieldTest", .procedures = procedures, .exceptions = exceptions},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    yield_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    *state = st;
    return 0;
}

static void tick(void *state, double dt) {
    yield_state *st = state;
    st->ticks++;
    st->last_dt = dt;
    if (st->tick_cost_us > 0) {
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do
            clock_gettime(CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000 < st->tick_cost_us);
    }
}

/* Every state handed to the host must be freed by now; the stderr line lets
 * the test check that at server stop. */
static void cleanup(void *state) {
    yield_state *st = state;
    fprintf(stderr, "YieldTest cleanup: allocs=%lld frees=%lld\n", (long long)st->allocs, (long long)st->frees);
    free(st);
}

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-yields",
    .version = "1.0",
    .services = services,
    .init = init,
    .tick = tick,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
