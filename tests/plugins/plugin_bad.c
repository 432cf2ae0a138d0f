/*
 * plugin_bad.c - plugins the server must refuse, one defect each (krpc/plugin.h
 * section 4; style.md: "a bad plugin is refused alone, by name, with the
 * reason"). Built once per defect with -DBAD_<DEFECT>; every variant declares
 * a service that must not appear in GetServices.
 *
 *   BAD_MAGIC        wrong magic number
 *   BAD_ABI          abi_version newer than the host's
 *   BAD_NO_QUERY     no krpc_plugin_query symbol
 *   BAD_QUERY_NULL   krpc_plugin_query returns NULL
 *   BAD_IDENTIFIER   a service named "bad_name"
 *   BAD_DUP_SERVICE  a service named "TestService" (another plugin's)
 *   BAD_UNKNOWN_TYPE a parameter of type "NoSuchType"
 *   BAD_DEFAULT      a sint32 parameter with the default "abc"
 *   BAD_DUP_PROC     two procedures named "Same"
 *   BAD_DICT_KEY     a dictionary keyed by double
 *   BAD_SECOND_SVC   a valid service followed by one with an unknown type
 *                    (validated whole: neither is registered)
 *   BAD_PARAM_NAME   a parameter named "Value" (must start lower case)
 *   BAD_NO_NAME      a plugin without a name
 *   BAD_INIT         init returns -1
 *   BAD_DUP_KEY      a dictionary default with the key 1 twice
 *   BAD_DUP_ITEM     a set default with the item 1 twice
 */
#include "testplugin.h"

PROC(ok_int) {
    result->u.i32 = 1;
    return KRPC_OK;
}

static const krpc_param_decl good_params[] __attribute__((unused)) = {{.name = "value", .type = "sint32"}, END};

#if defined(BAD_UNKNOWN_TYPE) || defined(BAD_SECOND_SVC)
static const krpc_param_decl proc_params[] = {{.name = "value", .type = "NoSuchType"}, END};
#elif defined(BAD_DEFAULT)
static const krpc_param_decl proc_params[] = {{.name = "value", .type = "sint32", .default_value = "abc"}, END};
#elif defined(BAD_DICT_KEY)
static const krpc_param_decl proc_params[] = {{.name = "value", .type = "dict(double,string)"}, END};
#elif defined(BAD_DUP_KEY)
static const krpc_param_decl proc_params[] = {
    {.name = "value", .type = "dict(sint32,bool)", .default_value = "{1: true, 1: false}"},
    END,
};
#elif defined(BAD_DUP_ITEM)
static const krpc_param_decl proc_params[] = {{.name = "value", .type = "set(sint32)", .default_value = "[1, 1]"}, END};
#elif defined(BAD_PARAM_NAME)
static const krpc_param_decl proc_params[] = {{.name = "Value", .type = "sint32"}, END};
#else
#define proc_params good_params
#endif

static const krpc_procedure_decl procedures[] = {
    {.name = "Same", .fn = ok_int, .params = proc_params, .returns = "sint32"},
#if defined(BAD_DUP_PROC)
    {.name = "Same", .fn = ok_int, .returns = "sint32"},
#endif
    END,
};

static const krpc_procedure_decl good_procedures[] __attribute__((unused)) = {
    {.name = "Fine", .fn = ok_int, .params = good_params, .returns = "sint32"},
    END,
};

#if defined(BAD_IDENTIFIER)
#define SERVICE_NAME "bad_name"
#elif defined(BAD_DUP_SERVICE)
#define SERVICE_NAME "TestService"
#else
#define SERVICE_NAME "BadService"
#endif

static const krpc_service_decl services[] = {
#if defined(BAD_SECOND_SVC)
    {.name = "GoodHalf", .procedures = good_procedures},
    {.name = "BadHalf", .procedures = procedures},
#else
    {.name = SERVICE_NAME, .procedures = procedures},
#endif
    END,
};

#if defined(BAD_INIT)
static int init(krpc_host *host, const krpc_host_api *api, void **state) {
    (void)host;
    (void)api;
    (void)state;
    return -1;
}
#endif

static const krpc_plugin plugin = {
#if defined(BAD_MAGIC)
    .magic = 0x12345678u,
#else
    .magic = KRPC_PLUGIN_MAGIC,
#endif
#if defined(BAD_ABI)
    .abi_version = KRPC_PLUGIN_ABI_VERSION + 1,
#else
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
#endif
#if defined(BAD_NO_NAME)
    .name = NULL,
#else
    .name = "test-bad",
#endif
    .version = "1.0",
    .services = services,
#if defined(BAD_INIT)
    .init = init,
#endif
};

#if defined(BAD_NO_QUERY)
/* The descriptor under another name: the host looks only for krpc_plugin_query. */
KRPC_PLUGIN_EXPORT const krpc_plugin *krpc_plugin_descriptor(uint32_t host_abi);
const krpc_plugin *krpc_plugin_descriptor(uint32_t host_abi) {
    (void)host_abi;
    return &plugin;
}
#elif defined(BAD_QUERY_NULL)
KRPC_PLUGIN_EXPORT const krpc_plugin *krpc_plugin_query(uint32_t host_abi);
const krpc_plugin *krpc_plugin_query(uint32_t host_abi) {
    (void)host_abi;
    (void)plugin;
    return NULL;
}
#else
/* Returned whatever the host speaks (KRPC_PLUGIN_DEFINE would decline): the
 * host must check the descriptor itself. */
KRPC_PLUGIN_EXPORT const krpc_plugin *krpc_plugin_query(uint32_t host_abi);
const krpc_plugin *krpc_plugin_query(uint32_t host_abi) {
    (void)host_abi;
    return &plugin;
}
#endif
