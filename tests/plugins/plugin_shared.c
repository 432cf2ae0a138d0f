/*
 * plugin_shared.c - what a stream's evaluations share. KRPC_SHARED: streams
 * of a shared procedure from many clients are evaluated once per update; the
 * same procedure without the flag is evaluated once per stream. Each
 * procedure counts its evaluations. krpc_stream_memo: each stream's own
 * memory, kept from one evaluation to the next.
 */
#include "testplugin.h"

#include <stdlib.h>

typedef struct counts {
    int32_t shared, separate;
} counts;

/* The value changes every update (so every stream sends each update), and
 * reading it counts one evaluation. */
PROC(shared_value) {
    (void)args;
    counts *c = call->state;
    result->u.i32 = ++c->shared;
    return KRPC_OK;
}

PROC(separate_value) {
    (void)args;
    counts *c = call->state;
    result->u.i32 = ++c->separate;
    return KRPC_OK;
}

/* What one stream of Memo keeps (MemoLarge: the same after 200 bytes). */
typedef struct memo {
    int32_t evaluations;
    int32_t id; /* the argument at the first evaluation */
} memo;

typedef struct large_memo {
    uint8_t filler[200];
    memo m;
} large_memo;

/* The number of times this stream has been evaluated (1 the first time), or
 * -1 outside a stream. Each evaluation also checks the memo's rules and
 * raises if one is broken: the same bytes for the same size, none for
 * another size, 0 or more than KRPC_STREAM_MEMO_MAX bytes, and the argument
 * unchanged since the first evaluation. */
static int count_in_memo(krpc_call *call, const krpc_value *args, krpc_value *result, size_t size, memo *m) {
    if (m == NULL) {
        result->u.i32 = -1;
        return KRPC_OK;
    }
    if ((char *)krpc_stream_memo(call, size) + size != (char *)(m + 1)) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "memo: another pointer for the same size");
    }
    if (krpc_stream_memo(call, size + 1) != NULL || krpc_stream_memo(call, 0) != NULL ||
        krpc_stream_memo(call, KRPC_STREAM_MEMO_MAX + 1) != NULL) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "memo: given for a size it should refuse");
    }
    if (m->evaluations == 0) {
        m->id = args[0].u.i32;
    } else if (m->id != args[0].u.i32) {
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "memo: another stream's memory");
    }
    result->u.i32 = ++m->evaluations;
    return KRPC_OK;
}

PROC(memo_evaluations) { return count_in_memo(call, args, result, sizeof(memo), krpc_stream_memo(call, sizeof(memo))); }

PROC(large_memo_evaluations) {
    large_memo *l = krpc_stream_memo(call, sizeof *l);
    return count_in_memo(call, args, result, sizeof *l, l != NULL ? &l->m : NULL);
}

static const krpc_param_decl memo_params[] = {{.name = "id", .type = "sint32"}, END};

PROC(evaluations) {
    (void)args;
    counts *c = call->state;
    krpc_value *items = krpc_alloc(call, 2 * sizeof *items);
    memset(items, 0, 2 * sizeof *items);
    items[0].u.i32 = c->shared;
    items[1].u.i32 = c->separate;
    result->u.seq.items = items;
    result->u.seq.count = 2;
    return KRPC_OK;
}

static const krpc_procedure_decl procedures[] = {
    {.name = "SharedValue", .fn = shared_value, .returns = "sint32", .flags = KRPC_SHARED},
    {.name = "SeparateValue", .fn = separate_value, .returns = "sint32"},
    {.name = "Evaluations", .fn = evaluations, .returns = "tuple(sint32,sint32)"},
    {.name = "Memo", .fn = memo_evaluations, .params = memo_params, .returns = "sint32"},
    {.name = "MemoLarge", .fn = large_memo_evaluations, .params = memo_params, .returns = "sint32"},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "SharedService", .procedures = procedures},
    END,
};

static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    (void)host, (void)api;
    *state = calloc(1, sizeof(counts));
    return *state ? 0 : -1;
}

static void cleanup(void *state) { free(state); }

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-shared",
    .services = services,
    .init = init,
    .cleanup = cleanup,
};

KRPC_PLUGIN_DEFINE(plugin)
