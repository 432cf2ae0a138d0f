/* KRPC.GetServices: the registry as a serialized Services message. */
#ifndef KRPC_SERVICEDEFS_H
#define KRPC_SERVICEDEFS_H

#include "registry/registry.h"
#include "util/buf.h"

/* Append the serialized Services message describing every service a client
 * of protocol generation gen sees, in that generation's form. */
void servicedefs_encode(const kregistry *r, kgen gen, kbuf *out);

#endif
