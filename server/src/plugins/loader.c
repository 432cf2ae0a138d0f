#include "plugins/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static int refuse(krpc_server *srv, const char *origin, const char *why) {
    KLOG_ERROR(&srv->log, "Plugin %s refused: %s", origin, why);
    return KRPC_EPLUGIN;
}

/* Options for the plugin being loaded (set around one loader_add call). */
typedef struct pending_options {
    size_t n;
    char *const *keys;
    char *const *values;
} pending_options;

static int add(krpc_server *srv, const krpc_plugin *desc, const char *origin, void *dl, void *user_data,
               const pending_options *opts);

int loader_add(krpc_server *srv, const krpc_plugin *desc, const char *origin, void *dl, void *user_data) {
    return add(srv, desc, origin, dl, user_data, NULL);
}

static int add(krpc_server *srv, const krpc_plugin *desc, const char *origin, void *dl, void *user_data,
               const pending_options *opts) {
    char why[600];
    if (!desc)
        return refuse(srv, origin, "no descriptor");
    if (desc->magic != KRPC_PLUGIN_MAGIC)
        return refuse(srv, origin, "bad magic number (not a krpc-c plugin descriptor)");
    if (desc->abi_version < 1 || desc->abi_version > KRPC_PLUGIN_ABI_VERSION) {
        snprintf(why, sizeof why, "plugin ABI version %u, this server speaks 1 to %u",
                 desc->abi_version, KRPC_PLUGIN_ABI_VERSION);
        return refuse(srv, origin, why);
    }
    if (!desc->name || !*desc->name)
        return refuse(srv, origin, "the plugin has no name");
    for (size_t i = 0; i < srv->registry.nplugins; i++)
        if (strcmp(srv->registry.plugins[i]->desc->name, desc->name) == 0) {
            snprintf(why, sizeof why, "a plugin named '%s' is already loaded (from %s)", desc->name,
                     srv->registry.plugins[i]->origin);
            return refuse(srv, origin, why);
        }
    kplugin *p = arena_zalloc(&srv->registry.mem, sizeof *p);
    p->desc = desc;
    p->origin = arena_strdup(&srv->registry.mem, origin);
    p->dl = dl;
    p->host = arena_zalloc(&srv->registry.mem, sizeof *p->host);
    p->host->srv = srv;
    p->host->plugin = p;
    p->host->user_data = user_data;
    if (opts && opts->n) {
        p->noptions = opts->n;
        p->option_keys = arena_alloc(&srv->registry.mem, opts->n * sizeof *p->option_keys);
        p->option_values = arena_alloc(&srv->registry.mem, opts->n * sizeof *p->option_values);
        for (size_t i = 0; i < opts->n; i++) {
            p->option_keys[i] = arena_strdup(&srv->registry.mem, opts->keys[i]);
            p->option_values[i] = arena_strdup(&srv->registry.mem, opts->values[i]);
        }
    }
    if (desc == &krpc_core_plugin)
        p->service_gens = krpc_core_service_gens;
    /* validated whole, then initialised, and only then visible: a plugin
     * whose init fails is refused alone */
    if (registry_stage_plugin(&srv->registry, p, why, sizeof why))
        return refuse(srv, origin, why);
    if (desc->init) {
        int rc = desc->init(p->host, &krpc_host_api_v1, &p->state);
        if (rc) {
            registry_abort_plugin(&srv->registry);
            snprintf(why, sizeof why, "its init failed (%d)", rc);
            return refuse(srv, origin, why);
        }
    }
    p->initialised = true;
    registry_commit_plugin(&srv->registry, p);
    KLOG_INFO(&srv->log, "Loaded plugin '%s' %s from %s", desc->name, desc->version ? desc->version : "",
              origin);
    return 0;
}

static int load_file(krpc_server *srv, const char *path, void *user_data, const pending_options *opts);

int loader_load_file(krpc_server *srv, const char *path, void *user_data) {
    return load_file(srv, path, user_data, NULL);
}

int loader_load_file_with_options(krpc_server *srv, const char *path, size_t n, char *const *keys,
                                  char *const *values) {
    pending_options opts = {n, keys, values};
    return load_file(srv, path, NULL, &opts);
}

static int load_file(krpc_server *srv, const char *path, void *user_data, const pending_options *opts) {
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return refuse(srv, path, dlerror());
    krpc_plugin_query_fn query;
    *(void **)&query = dlsym(dl, KRPC_PLUGIN_QUERY_SYMBOL);
    if (!query) {
        dlclose(dl);
        return refuse(srv, path, "missing symbol " KRPC_PLUGIN_QUERY_SYMBOL);
    }
    const krpc_plugin *desc = query(KRPC_PLUGIN_ABI_VERSION);
    if (!desc) {
        dlclose(dl);
        return refuse(srv, path, "the plugin declined this server's ABI version");
    }
    int rc = add(srv, desc, path, dl, user_data, opts);
    if (rc)
        dlclose(dl);
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_plugin_file(const struct dirent *e) {
    size_t n = strlen(e->d_name);
    return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

int loader_load_dir(krpc_server *srv, const char *dir) {
    struct dirent **list;
    int n = scandir(dir, &list, is_plugin_file, by_name);
    if (n < 0) {
        KLOG_ERROR(&srv->log, "Cannot read plugin directory %s", dir);
        return KRPC_EINVAL;
    }
    int loaded = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (loader_load_file(srv, path, NULL) == 0)
            loaded++;
        free(list[i]);
    }
    free(list);
    return loaded;
}

int loader_init_all(krpc_server *srv) {
    for (size_t i = 0; i < srv->registry.nplugins; i++) {
        kplugin *p = srv->registry.plugins[i];
        if (p->initialised)
            continue;
        if (p->desc->init) {
            int rc = p->desc->init(p->host, &krpc_host_api_v1, &p->state);
            if (rc) {
                /* its services are already registered: a failed init cannot be undone alone */
                KLOG_ERROR(&srv->log, "Plugin '%s' failed to initialise (%d)", p->desc->name, rc);
                return KRPC_EPLUGIN;
            }
        }
        p->initialised = true;
    }
    return 0;
}

void loader_cleanup_all(krpc_server *srv) {
    for (size_t i = srv->registry.nplugins; i-- > 0;) {
        kplugin *p = srv->registry.plugins[i];
        if (p->initialised && p->desc->cleanup)
            p->desc->cleanup(p->state);
        p->initialised = false;
    }
}

void loader_unload_all(krpc_server *srv) {
    for (size_t i = 0; i < srv->registry.nplugins; i++)
        if (srv->registry.plugins[i]->dl)
            dlclose(srv->registry.plugins[i]->dl);
}
