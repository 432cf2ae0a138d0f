/*
 * plugin_errors.c - errors and exceptions (krpc/plugin.h section 3:
 * krpc_raise, krpc_raise_exception; semantics.md 5.3).
 *
 * Service ErrorTest declares BoomException and a deprecated OtherException.
 * It raises its own exceptions by bare and by qualified name, exceptions of
 * other services ("TestService.CustomException", "KRPC.ArgumentException"),
 * undeclared ones, and every krpc_error_kind.
 */
#include "testplugin.h"

/* The message is built in a stack buffer that is wiped after raising: the
 * host must have copied it. */
static int raise_named(krpc_call *call, const char *exception, const char *text) {
    char message[128];
    snprintf(message, sizeof message, "%s", text);
    int rc = krpc_raise_exception(call, exception, message);
    memset(message, 'X', sizeof message - 1);
    message[sizeof message - 1] = 0;
    return rc;
}

PROC(raise_own) { return raise_named(call, "BoomException", "boom"); }
PROC(raise_qualified) { return raise_named(call, "ErrorTest.OtherException", "other"); }
PROC(raise_foreign) { return raise_named(call, "TestService.CustomException", "foreign"); }
PROC(raise_krpc) { return raise_named(call, "KRPC.ArgumentException", "krpc's own"); }
PROC(raise_undeclared) { return raise_named(call, "NoSuchException", "undeclared"); }
PROC(raise_unknown_service) { return raise_named(call, "NoSuchService.BoomException", "no service"); }

PROC(raise_kind) {
    char message[256];
    snprintf(message, sizeof message, "%s", args[1].u.s.data);
    int rc = krpc_raise(call, (krpc_error_kind)args[0].u.i32, message);
    memset(message, 0, sizeof message);
    return rc;
}

PROC(raise_null_message) { return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, NULL); }

/* A procedure that returns nothing can fail too. */
PROC(raise_in_void) { return krpc_raise(call, KRPC_ERR_ARGUMENT, "void procedure failed"); }

static const krpc_param_decl kind_params[] = {
    {.name = "kind", .type = "sint32"},
    {.name = "message", .type = "string"},
    END,
};

static const krpc_procedure_decl procedures[] = {
    {.name = "RaiseOwn", .fn = raise_own, .returns = "sint32"},
    {.name = "RaiseQualified", .fn = raise_qualified, .returns = "sint32"},
    {.name = "RaiseForeign", .fn = raise_foreign, .returns = "sint32"},
    {.name = "RaiseKrpc", .fn = raise_krpc, .returns = "sint32"},
    {.name = "RaiseUndeclared", .fn = raise_undeclared, .returns = "sint32"},
    {.name = "RaiseUnknownService", .fn = raise_unknown_service, .returns = "sint32"},
    {.name = "RaiseKind", .fn = raise_kind, .params = kind_params, .returns = "string"},
    {.name = "RaiseNullMessage", .fn = raise_null_message, .returns = "sint32"},
    {.name = "RaiseInVoid", .fn = raise_in_void},
    END,
};

static const krpc_exception_decl exceptions[] = {
    {.name = "BoomException", .doc = "Raised when something goes boom."},
    {.name = "OtherException", .deprecated = "Use <see cref=\"T:ErrorTest.BoomException\" /> instead."},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "ErrorTest", .procedures = procedures, .exceptions = exceptions},
    END,
};

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-errors",
    .version = "1.0",
    .services = services,
};

KRPC_PLUGIN_DEFINE(plugin)
