/* The declarative option tables shared by the YAML loader and the flags. */
#ifndef KRPC_OPTIONS_H
#define KRPC_OPTIONS_H

#include "krpc/config.h"
#include "util/arena.h"

typedef enum kopt_kind {
    OPT_BOOL,
    OPT_U16,
    OPT_U32,
    OPT_SIZE,
    OPT_DOUBLE,
    OPT_STRING,
    OPT_SCENE,
    OPT_LOGLEVEL,
    OPT_PROTOCOL,
    OPT_U8,
    OPT_PARITY,
    OPT_STOP_BITS,
} kopt_kind;

typedef struct kopt {
    const char *section; /* YAML mapping it lives in; NULL: top level */
    const char *key;
    const char *flag; /* command-line --flag, or NULL */
    kopt_kind kind;
    size_t offset; /* in krpc_server_config, or krpc_endpoint_config */
    double min, max;
    const char *help;
} kopt;

extern const kopt server_options[];
extern const kopt endpoint_options[];

/* Parse text as o's kind into base + o->offset (strings copied into mem).
 * Returns 0, or -1 with what was expected in why. */
int kopt_set(const kopt *o, void *base, const char *text, arena *mem, char *why, size_t whylen);
/* What values o takes, for messages and help. */
const char *kopt_expected(const kopt *o, char *buf, size_t len);

#endif
