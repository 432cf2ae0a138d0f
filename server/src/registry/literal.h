/* Parameter default literals (see krpc/plugin.h) -> values. */
#ifndef KRPC_LITERAL_H
#define KRPC_LITERAL_H

#include "registry/registry.h"

/* Parse text as a value of type t into out (memory from a). "null" sets
 * *is_null. Returns 0, or -1 with err set. */
int literal_parse(arena *a, const ktype *t, const char *text, krpc_value *out, bool *is_null,
                  char *err, size_t errlen);

#endif
