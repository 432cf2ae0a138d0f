/*
 * krpc/config.h - the server's configuration: a YAML file, command-line flags,
 * or both (flags override the file). Every setting has one entry in one
 * declarative table (server/src/config/options.c); `krpc-server --help` and
 * config/krpc.yaml list them all.
 *
 * Errors name the file, line and column and what was expected, e.g.
 *   krpc.yaml:7:3: unknown key 'max_tim_per_update' in 'scheduler'
 */
#ifndef KRPC_CONFIG_H
#define KRPC_CONFIG_H

#include "krpc/server.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A plugin to load, with its options (key/value strings). */
typedef struct krpc_plugin_entry {
    char *path;
    size_t n_options;
    char **option_keys;
    char **option_values;
} krpc_plugin_entry;

typedef struct krpc_config {
    krpc_server_config server; /* strings in it are owned by this krpc_config */
    size_t n_plugin_dirs;
    char **plugin_dirs;
    size_t n_plugins;
    krpc_plugin_entry *plugins;
    char *config_file; /* the file read, if any */
    bool show_help, show_version;
    void *mem; /* owns every string above */
} krpc_config;

/* Defaults (as krpc_server_config_defaults; no plugins). */
KRPC_API void krpc_config_init(krpc_config *config);
/* Read a YAML file into config (keys it sets override what is there). */
KRPC_API int krpc_config_load_file(krpc_config *config, const char *path, char *err, size_t errlen);
/* The same from a string; name is used in error messages. */
KRPC_API int krpc_config_load_string(krpc_config *config, const char *yaml, const char *name, char *err,
                                     size_t errlen);
/* Command-line flags (argv[0] is skipped). `--config FILE` is read first, then
 * the other flags override it. */
KRPC_API int krpc_config_parse_args(krpc_config *config, int argc, char **argv, char *err, size_t errlen);
/* Print the flags and what they do. */
KRPC_API void krpc_config_print_help(FILE *out);
KRPC_API void krpc_config_free(krpc_config *config);

/* Create a server from a configuration and load its plugins (refused plugins
 * are logged; the server still starts). */
KRPC_API int krpc_server_create_from_config(const krpc_config *config, krpc_server **out);

#ifdef __cplusplus
}
#endif
#endif
