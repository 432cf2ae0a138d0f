/* Decoding a ProcedureCall message already parsed by protobuf-c. */
#ifndef KRPC_CALL_H
#define KRPC_CALL_H

#include "core/server_internal.h"
#include "krpc.pb-c.h"

/* Locate the procedure and decode the arguments (semantics.md 4.1-4.2).
 * Returns -1 with err set when an argument value cannot be decoded (the
 * request fails as a whole); lookup failures are kept in out->lookup_err. */
int call_decode_msg(krpc_server *srv, const Krpc__Schema__ProcedureCall *m, arena *a, kcall *out,
                    kerror *err, kgen gen);

#endif
