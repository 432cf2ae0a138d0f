/* A kRPC error on its way to the client: the Error message's fields. */
#ifndef KRPC_ERROR_H
#define KRPC_ERROR_H

#include <stdarg.h>

#include "core/protocol.h"
#include "krpc/plugin.h"
#include "util/arena.h"

#include <stdbool.h>

typedef struct kerror {
    bool set;
    const char *service; /* "" unless a declared exception */
    const char *name;
    const char *description;
    int kind; /* krpc_error_kind of kerror_kind (else 0) */
} kerror;

/* The exception type a client of generation g is told (Error.service and
 * .name): the kinds kRPC 0.7 added are untyped for older clients. */
void kerror_wire(const kerror *e, kgen g, const char **service, const char **name);

void kerror_set(kerror *e, arena *a, const char *service, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* An error of one of the standard kinds (KRPC.ArgumentException, ...). */
void kerror_kind(kerror *e, arena *a, krpc_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kerror_vkind(kerror *e, arena *a, krpc_error_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
const char *error_kind_name(krpc_error_kind kind);

/* The protobuf reader's text for truncated or malformed input, as the
 * reference (Google.Protobuf) words it. */
#define KRPC_TRUNCATED_TEXT                                                                   \
    "While parsing a protocol message, the input ended unexpectedly in the middle of a "    \
    "field.  This could mean either that the input has been truncated or that an embedded " \
    "message misreported its own length."

#endif
