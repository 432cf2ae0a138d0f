/* Loading plugins: from files (dlopen) or linked in; ABI negotiation,
 * validation through the registry, init and cleanup. A refused plugin is
 * logged with its reason and leaves the others untouched. */
#ifndef KRPC_LOADER_H
#define KRPC_LOADER_H

#include "core/server_internal.h"

/* Validate, initialise (with user_data reachable through the host API) and
 * register a plugin; a refusal is logged with its reason. */
int loader_add(krpc_server *srv, const krpc_plugin *plugin, const char *origin, void *dl, void *user_data);
int loader_load_file(krpc_server *srv, const char *path, void *user_data);
/* The same with options (copied) that the plugin reads through the host API. */
int loader_load_file_with_options(krpc_server *srv, const char *path, size_t n, char *const *keys,
                                  char *const *values);
int loader_load_dir(krpc_server *srv, const char *dir);
/* Initialise any plugin not initialised yet (at start). */
int loader_init_all(krpc_server *srv);
/* Call every plugin's cleanup (at stop), then dlclose them. */
void loader_cleanup_all(krpc_server *srv);
void loader_unload_all(krpc_server *srv);

#endif
