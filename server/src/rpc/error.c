#include "rpc/error.h"

#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>

static const char *kind_names[] = {
    [KRPC_ERR_GENERIC] = "",
    [KRPC_ERR_ARGUMENT] = "ArgumentException",
    [KRPC_ERR_ARGUMENT_NULL] = "ArgumentNullException",
    [KRPC_ERR_ARGUMENT_OUT_OF_RANGE] = "ArgumentOutOfRangeException",
    [KRPC_ERR_INVALID_OPERATION] = "InvalidOperationException",
    [KRPC_ERR_OBJECT_DESTROYED] = "ObjectDestroyedException",
    [KRPC_ERR_NULL_REFERENCE] = "NullReferenceException",
    [KRPC_ERR_KEY_NOT_FOUND] = "KeyNotFoundException",
    [KRPC_ERR_INDEX_OUT_OF_RANGE] = "IndexOutOfRangeException",
    [KRPC_ERR_DIVIDE_BY_ZERO] = "DivideByZeroException",
    [KRPC_ERR_NOT_SUPPORTED] = "NotSupportedException",
    [KRPC_ERR_TIMEOUT] = "TimeoutException",
    [KRPC_ERR_OVERFLOW] = "OverflowException",
};

const char *error_kind_name(krpc_error_kind kind) {
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "";
    return kind_names[kind];
}

static void vset(kerror *e, arena *a, const char *service, const char *name, const char *fmt,
                 va_list ap) {
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    utf8_sanitize_buf(buf, sizeof buf); /* names from requests may be anything */
    e->set = true;
    e->service = service;
    e->name = name;
    e->description = arena_strdup(a, buf);
    e->kind = 0;
}

void kerror_set(kerror *e, arena *a, const char *service, const char *name, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vset(e, a, service, name, fmt, ap);
    va_end(ap);
}

void kerror_vkind(kerror *e, arena *a, krpc_error_kind kind, const char *fmt, va_list ap) {
    const char *name = error_kind_name(kind);
    vset(e, a, *name ? "KRPC" : "", name, fmt, ap);
    e->kind = (int)kind;
}

void kerror_kind(kerror *e, arena *a, krpc_error_kind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kerror_vkind(e, a, kind, fmt, ap);
    va_end(ap);
}

void kerror_wire(const kerror *e, kgen g, const char **service, const char **name) {
    *service = e->service ? e->service : "";
    *name = e->name ? e->name : "";
    if (e->kind >= KRPC_ERR_NULL_REFERENCE && !gen_types_new_exceptions(g))
        *service = *name = "";
}
