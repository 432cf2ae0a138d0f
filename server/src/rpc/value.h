/* kRPC value encoding (wire.md 3): bare bytes <-> krpc_value, by declared type.
 * Decoding resolves object ids through the object store; encoding stores
 * returned objects. */
#ifndef KRPC_VALUE_H
#define KRPC_VALUE_H

#include "registry/registry.h"
#include "rpc/error.h"
#include "rpc/objects.h"
#include "util/buf.h"

typedef struct kvalue_ctx kvalue_ctx;
struct kvalue_ctx {
    arena *a;          /* where decoded values live */
    kobjects *objects; /* NULL: no class values allowed (defaults) */
    kerror *err;
    /* Decodes a nested ProcedureCall (PROCEDURE_CALL values). */
    int (*decode_call)(kvalue_ctx *ctx, const uint8_t *p, size_t n, krpc_value *out);
    void *user;
    int depth; /* procedure calls nested around this value */
    int nesting; /* collections around the value being decoded */
    /* Decoding a call's argument: an object of the wrong class inside a
     * collection is then recorded as that call's binding error. */
    kerror *bind_err;
    const char *bind_param;
    const char *bind_proc;
    /* The protocol generation of the client the bytes are for or from
     * (core/protocol.h): nested nullable positions carry a presence byte for
     * 0.7 clients; object id 0 is null for older ones. Default: pre-0.7. */
    kgen gen;
};

/* A message-typed value (status, services, stream, event) already encoded;
 * krpc_value.u.host points to one. */
typedef struct kbytes {
    const uint8_t *data;
    size_t len;
} kbytes;

/* Decode n bytes as type t. Returns 0, or -1 with ctx->err set. A class id 0
 * yields a null value (the caller checks nullability). */
int value_decode(kvalue_ctx *ctx, const ktype *t, const uint8_t *p, size_t n, krpc_value *out);
/* value_encode for every type but the varint scalars. */
int value_encode_other(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out);

/* Append the encoding of a non-null v to out. Returns 0, or -1 with ctx->err
 * set (a null inside a collection). Inline for the varint scalars most
 * results and stream values are. */
static inline int value_encode(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out) {
    switch (t->code) {
    case KT_SINT32:
        kbuf_varint(out, zigzag32(v->u.i32));
        return 0;
    case KT_SINT64:
        kbuf_varint(out, zigzag64(v->u.i64));
        return 0;
    case KT_UINT32:
        kbuf_varint(out, v->u.u32);
        return 0;
    case KT_UINT64:
        kbuf_varint(out, v->u.u64);
        return 0;
    case KT_BOOL:
        kbuf_varint(out, v->u.b ? 1 : 0);
        return 0;
    case KT_ENUMERATION:
        kbuf_varint(out, zigzag32(v->u.e));
        return 0;
    default:
        return value_encode_other(ctx, t, v, out);
    }
}

/* A tiny protobuf field reader for the container messages. */
typedef struct pb_reader {
    const uint8_t *p, *end;
} pb_reader;
/* Next field: returns 1 with its number, wire type and (for LEN fields) data;
 * 0 at the end; -1 if malformed. */
int pb_next(pb_reader *r, uint32_t *field, int *wt, const uint8_t **data, size_t *len, uint64_t *varint);

#endif
