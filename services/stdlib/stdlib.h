/* The StdLib service of kRPC 0.7 (v070-final.md 5): scalar mathematics,
 * vectors, quaternions and Print, for server-side functions and for direct
 * calls. Written against the public plugin API only (krpc/plugin.h), but
 * compiled into the server: like the reference's, it is a core service that
 * every server offers, and only clients of protocol version 1 see it (older
 * clients' service lists stay as they were), which a loadable plugin cannot
 * ask for. */
#ifndef KRPC_STDLIB_H
#define KRPC_STDLIB_H

#include "krpc/plugin.h"

/* The service's members, for its declaration in the server's core plugin
 * (server/src/krpc/krpc_service.c): name "StdLib", id 8 as in every
 * reference source seen. */
extern const krpc_procedure_decl krpc_stdlib_procedures[];
extern const krpc_property_decl krpc_stdlib_properties[];

#define KRPC_STDLIB_DOC                                                                             \
    "A standard library of mathematics and printing, particularly for server side functions: "   \
    "scalar mathematics, vectors as (x, y, z) tuples and rotations as quaternion (x, y, z, w) "   \
    "tuples. Angles are in radians."

#endif
