/* Reading the configuration: values by option kind, the YAML file (libyaml's
 * document API keeps each node's line and column for error messages), and the
 * command-line flags. */
#include "config/options.h"
#include "plugins/loader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

static const char *scene_names[] = {"SpaceCenter", "Flight", "TrackingStation", "EditorVAB", "EditorSPH",
                                    "MissionBuilder", "AstronautComplex", "MissionControl",
                                    "ResearchAndDevelopment", "Administration"};
static const char *level_names[] = {"error", "warning", "info", "debug"};

const char *kopt_expected(const kopt *o, char *buf, size_t len) {
    switch (o->kind) {
    case OPT_BOOL: return "true or false";
    case OPT_U8:
    case OPT_U16:
    case OPT_U32:
    case OPT_SIZE:
        snprintf(buf, len, "an integer from %.0f to %.0f", o->min, o->max);
        return buf;
    case OPT_DOUBLE:
        snprintf(buf, len, "a number from %g to %g", o->min, o->max);
        return buf;
    case OPT_STRING: return "a string";
    case OPT_SCENE: return "a game scene (SpaceCenter, Flight, TrackingStation, EditorVAB, EditorSPH, ...)";
    case OPT_LOGLEVEL: return "error, warning, info or debug";
    case OPT_PROTOCOL: return "protobuf (or tcp), websockets, websockets-echo, localsocket or serialio";
    case OPT_PARITY: return "None, Odd, Even, Mark or Space";
    case OPT_STOP_BITS: return "None, One, Two or OnePointFive";
    }
    return "?";
}

int kopt_set(const kopt *o, void *base, const char *text, arena *mem, char *why, size_t whylen) {
    char *field = (char *)base + o->offset;
    char exp[160];
    char *end;
    switch (o->kind) {
    case OPT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on"))
            *(bool *)field = true;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off"))
            *(bool *)field = false;
        else
            goto bad;
        return 0;
    case OPT_U8:
    case OPT_U16:
    case OPT_U32:
    case OPT_SIZE: {
        errno = 0;
        if (!*text || *text == '-')
            goto bad;
        unsigned long long v = strtoull(text, &end, 10);
        if (*end || errno || (double)v < o->min || (double)v > o->max)
            goto bad;
        if (o->kind == OPT_U8)
            *(uint8_t *)field = (uint8_t)v;
        else if (o->kind == OPT_U16)
            *(uint16_t *)field = (uint16_t)v;
        else if (o->kind == OPT_U32)
            *(uint32_t *)field = (uint32_t)v;
        else
            *(size_t *)field = (size_t)v;
        return 0;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double v = strtod(text, &end);
        if (!*text || *end || errno || !isfinite(v) || v < o->min || v > o->max)
            goto bad;
        *(double *)field = v;
        return 0;
    }
    case OPT_STRING:
        *(const char **)field = arena_strdup(mem, text);
        return 0;
    case OPT_SCENE:
        for (int i = 0; i < 10; i++)
            if (!strcasecmp(text, scene_names[i])) {
                *(uint32_t *)field = 1u << i;
                return 0;
            }
        goto bad;
    case OPT_LOGLEVEL:
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(text, level_names[i])) {
                *(krpc_log_level *)field = (krpc_log_level)i;
                return 0;
            }
        goto bad;
    case OPT_PROTOCOL: {
        /* the reference test server's --type names (testservice.md 8.1) */
        static const struct {
            const char *name;
            krpc_protocol p;
        } protocols[] = {{"protobuf", KRPC_PROTOCOL_TCP},
                         {"tcp", KRPC_PROTOCOL_TCP},
                         {"websockets", KRPC_PROTOCOL_WEBSOCKETS},
                         {"websockets-echo", KRPC_PROTOCOL_WEBSOCKETS_ECHO},
                         {"localsocket", KRPC_PROTOCOL_LOCAL_SOCKET},
                         {"serialio", KRPC_PROTOCOL_SERIAL}};
        for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
            if (!strcmp(text, protocols[i].name)) {
                *(krpc_protocol *)field = protocols[i].p;
                return 0;
            }
        goto bad;
    }
    case OPT_PARITY: {
        static const char *names[] = {"None", "Odd", "Even", "Mark", "Space"};
        for (int i = 0; i < 5; i++)
            if (!strcasecmp(text, names[i])) {
                *(krpc_parity *)field = (krpc_parity)i;
                return 0;
            }
        goto bad;
    }
    case OPT_STOP_BITS: {
        static const char *names[] = {"One", "Two", "OnePointFive", "None"};
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(text, names[i])) {
                *(krpc_stop_bits *)field = (krpc_stop_bits)i;
                return 0;
            }
        goto bad;
    }
    }
bad:
    snprintf(why, whylen, "expected %s, got '%s'", kopt_expected(o, exp, sizeof exp), text);
    return -1;
}

/* ---- the krpc_config object --------------------------------------------- */

static arena *mem_of(krpc_config *c) { return c->mem; }

void krpc_config_init(krpc_config *c) {
    memset(c, 0, sizeof *c);
    krpc_server_config_defaults(&c->server);
    arena *a = malloc(sizeof *a);
    if (!a)
        abort();
    arena_init(a);
    c->mem = a;
}

void krpc_config_free(krpc_config *c) {
    if (c->mem) {
        arena_free(c->mem);
        free(c->mem);
    }
    memset(c, 0, sizeof *c);
}

static void push_str(krpc_config *c, char ***arr, size_t *n, const char *s) {
    char **na = arena_alloc(mem_of(c), (*n + 1) * sizeof *na);
    if (*n)
        memcpy(na, *arr, *n * sizeof *na);
    na[*n] = arena_strdup(mem_of(c), s);
    *arr = na;
    (*n)++;
}

static krpc_plugin_entry *push_plugin(krpc_config *c, const char *path) {
    krpc_plugin_entry *np = arena_zalloc(mem_of(c), (c->n_plugins + 1) * sizeof *np);
    if (c->n_plugins)
        memcpy(np, c->plugins, c->n_plugins * sizeof *np);
    c->plugins = np;
    krpc_plugin_entry *e = &np[c->n_plugins++];
    e->path = arena_strdup(mem_of(c), path);
    return e;
}

static void push_option(krpc_config *c, krpc_plugin_entry *e, const char *key, const char *value) {
    size_t n = e->n_options;
    push_str(c, &e->option_keys, &n, key);
    n = e->n_options;
    push_str(c, &e->option_values, &n, value);
    e->n_options = n;
}

static void push_allow(krpc_config *c, const char *addr) {
    const char **na = arena_alloc(mem_of(c), (c->server.n_allow + 1) * sizeof *na);
    if (c->server.n_allow)
        memcpy(na, c->server.allow, c->server.n_allow * sizeof *na);
    na[c->server.n_allow++] = arena_strdup(mem_of(c), addr);
    c->server.allow = na;
}

/* ---- YAML ------------------------------------------------------------------ */

typedef struct yload {
    krpc_config *c;
    yaml_document_t doc;
    const char *name;
    char *err;
    size_t errlen;
} yload;

static int yfail(yload *y, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int yfail(yload *y, const yaml_node_t *n, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(y->err, y->errlen, "%s:%zu:%zu: %s", y->name, n->start_mark.line + 1, n->start_mark.column + 1, msg);
    return -1;
}

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static yaml_node_t *node(yload *y, int i) { return yaml_document_get_node(&y->doc, i); }

static int load_scalar_option(yload *y, const kopt *o, void *base, yaml_node_t *v, const char *where) {
    if (v->type != YAML_SCALAR_NODE) {
        char exp[160];
        return yfail(y, v, "'%s%s%s' must be %s", where ? where : "", where ? "." : "", o->key,
                     kopt_expected(o, exp, sizeof exp));
    }
    char why[300];
    if (kopt_set(o, base, scalar(v), mem_of(y->c), why, sizeof why))
        return yfail(y, v, "'%s%s%s': %s", where ? where : "", where ? "." : "", o->key, why);
    return 0;
}

/* A mapping whose keys are options of one table and section. */
static int load_mapping(yload *y, yaml_node_t *m, const kopt *table, const char *section, void *base) {
    if (m->type != YAML_MAPPING_NODE)
        return yfail(y, m, "'%s' must be a mapping of settings", section ? section : "servers entry");
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *v = node(y, p->value);
        if (k->type != YAML_SCALAR_NODE)
            return yfail(y, k, "keys must be names");
        const kopt *o = NULL;
        for (const kopt *t = table; t->key; t++)
            if (((!section && !t->section) || (section && t->section && !strcmp(section, t->section))) &&
                !strcmp(t->key, scalar(k)))
                o = t;
        if (!o)
            return yfail(y, k, "unknown key '%s'%s%s%s", scalar(k), section ? " in '" : "", section ? section : "",
                         section ? "'" : "");
        if (load_scalar_option(y, o, base, v, section))
            return -1;
    }
    return 0;
}

static int load_servers(yload *y, yaml_node_t *v) {
    if (v->type != YAML_SEQUENCE_NODE)
        return yfail(y, v, "'servers' must be a list of servers");
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0 || n > KRPC_MAX_ENDPOINTS)
        return yfail(y, v, "'servers' must list 1 to %d servers", KRPC_MAX_ENDPOINTS);
    krpc_server_config *s = &y->c->server;
    s->n_endpoints = n;
    for (size_t i = 0; i < n; i++) {
        krpc_endpoint_config *ep = &s->endpoints[i];
        *ep = (krpc_endpoint_config){
            .protocol = KRPC_PROTOCOL_TCP, .address = "127.0.0.1", .rpc_port = 50000, .stream_port = 50001};
        if (load_mapping(y, node(y, v->data.sequence.items.start[i]), endpoint_options, NULL, ep))
            return -1;
    }
    return 0;
}

static int string_list(yload *y, yaml_node_t *v, const char *what, void (*add)(krpc_config *, const char *)) {
    if (v->type != YAML_SEQUENCE_NODE)
        return yfail(y, v, "'%s' must be a list", what);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = node(y, *it);
        if (e->type != YAML_SCALAR_NODE)
            return yfail(y, e, "items of '%s' must be strings", what);
        add(y->c, scalar(e));
    }
    return 0;
}

static void add_dir(krpc_config *c, const char *s) { push_str(c, &c->plugin_dirs, &c->n_plugin_dirs, s); }

static int load_plugins(yload *y, yaml_node_t *v) {
    if (v->type != YAML_MAPPING_NODE)
        return yfail(y, v, "'plugins' must be a mapping with 'directories' and/or 'load'");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *val = node(y, p->value);
        const char *key = k->type == YAML_SCALAR_NODE ? scalar(k) : "";
        if (!strcmp(key, "directories")) {
            if (string_list(y, val, "plugins.directories", add_dir))
                return -1;
        } else if (!strcmp(key, "load")) {
            if (val->type != YAML_SEQUENCE_NODE)
                return yfail(y, val, "'plugins.load' must be a list of plugin files or {path, options}");
            for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top; it++) {
                yaml_node_t *e = node(y, *it);
                if (e->type == YAML_SCALAR_NODE) {
                    push_plugin(y->c, scalar(e));
                    continue;
                }
                if (e->type != YAML_MAPPING_NODE)
                    return yfail(y, e, "a plugin is a file path or {path: ..., options: {...}}");
                const char *path = NULL;
                yaml_node_t *opts = NULL;
                for (yaml_node_pair_t *q = e->data.mapping.pairs.start; q < e->data.mapping.pairs.top; q++) {
                    yaml_node_t *qk = node(y, q->key), *qv = node(y, q->value);
                    const char *qn = qk->type == YAML_SCALAR_NODE ? scalar(qk) : "";
                    if (!strcmp(qn, "path") && qv->type == YAML_SCALAR_NODE)
                        path = scalar(qv);
                    else if (!strcmp(qn, "options") && qv->type == YAML_MAPPING_NODE)
                        opts = qv;
                    else
                        return yfail(y, qk, "unknown or malformed key '%s' in a plugin entry (expected path, options)", qn);
                }
                if (!path)
                    return yfail(y, e, "a plugin entry needs 'path'");
                krpc_plugin_entry *pe = push_plugin(y->c, path);
                if (opts) {
                    for (yaml_node_pair_t *q = opts->data.mapping.pairs.start; q < opts->data.mapping.pairs.top; q++) {
                        yaml_node_t *ok = node(y, q->key), *ov = node(y, q->value);
                        if (ok->type != YAML_SCALAR_NODE || ov->type != YAML_SCALAR_NODE)
                            return yfail(y, ok, "plugin options must be 'name: value' strings");
                        push_option(y->c, pe, scalar(ok), scalar(ov));
                    }
                }
            }
        } else {
            return yfail(y, k, "unknown key '%s' in 'plugins' (expected directories, load)", key);
        }
    }
    return 0;
}

static void add_allow(krpc_config *c, const char *s) { push_allow(c, s); }

static int load_policy(yload *y, yaml_node_t *v) {
    if (v->type != YAML_MAPPING_NODE)
        return yfail(y, v, "'connection_policy' must be a mapping");
    bool allowlist = false;
    yaml_node_t *allow = NULL;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *val = node(y, p->value);
        const char *key = k->type == YAML_SCALAR_NODE ? scalar(k) : "";
        if (!strcmp(key, "mode")) {
            if (val->type != YAML_SCALAR_NODE ||
                (strcmp(scalar(val), "auto_accept") && strcmp(scalar(val), "allowlist")))
                return yfail(y, val, "'connection_policy.mode' must be auto_accept or allowlist");
            allowlist = !strcmp(scalar(val), "allowlist");
        } else if (!strcmp(key, "allow")) {
            allow = val;
        } else {
            return yfail(y, k, "unknown key '%s' in 'connection_policy' (expected mode, allow)", key);
        }
    }
    y->c->server.n_allow = 0;
    if (allowlist) {
        if (!allow)
            return yfail(y, v, "an allowlist policy needs 'allow', a list of addresses");
        if (string_list(y, allow, "connection_policy.allow", add_allow))
            return -1;
        if (!y->c->server.n_allow)
            return yfail(y, allow, "'connection_policy.allow' is empty: no client could connect");
    }
    return 0;
}

static bool is_section(const char *name) {
    for (const kopt *o = server_options; o->key; o++)
        if (o->section && !strcmp(o->section, name))
            return true;
    return false;
}

static int load_root(yload *y) {
    yaml_node_t *root = yaml_document_get_root_node(&y->doc);
    if (!root)
        return 0; /* an empty file: the defaults */
    if (root->type != YAML_MAPPING_NODE)
        return yfail(y, root, "the configuration must be a mapping of settings");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(y, p->key), *v = node(y, p->value);
        if (k->type != YAML_SCALAR_NODE)
            return yfail(y, k, "keys must be names");
        const char *key = scalar(k);
        int rc;
        if (!strcmp(key, "servers"))
            rc = load_servers(y, v);
        else if (!strcmp(key, "plugins"))
            rc = load_plugins(y, v);
        else if (!strcmp(key, "connection_policy"))
            rc = load_policy(y, v);
        else if (is_section(key))
            rc = load_mapping(y, v, server_options, key, &y->c->server);
        else {
            const kopt *o = NULL;
            for (const kopt *t = server_options; t->key; t++)
                if (!t->section && !strcmp(t->key, key))
                    o = t;
            if (!o)
                return yfail(y, k, "unknown key '%s'", key);
            rc = load_scalar_option(y, o, &y->c->server, v, NULL);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int load_parser(krpc_config *c, yaml_parser_t *parser, const char *name, char *err, size_t errlen) {
    yload y = {.c = c, .name = name, .err = err, .errlen = errlen};
    if (!yaml_parser_load(parser, &y.doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name, parser->problem_mark.line + 1,
                 parser->problem_mark.column + 1, parser->problem ? parser->problem : "malformed YAML",
                 parser->context ? " " : "", parser->context ? parser->context : "");
        return KRPC_EINVAL;
    }
    int rc = load_root(&y) ? KRPC_EINVAL : 0;
    yaml_document_delete(&y.doc);
    return rc;
}

int krpc_config_load_string(krpc_config *c, const char *text, const char *name, char *err, size_t errlen) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int rc = load_parser(c, &parser, name, err, errlen);
    yaml_parser_delete(&parser);
    return rc;
}

int krpc_config_load_file(krpc_config *c, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return KRPC_EINVAL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = load_parser(c, &parser, path, err, errlen);
    yaml_parser_delete(&parser);
    fclose(f);
    if (!rc)
        c->config_file = arena_strdup(mem_of(c), path);
    return rc;
}

/* ---- command-line flags ------------------------------------------------- */

/* Flags that are not plain settings. */
static const struct {
    const char *flag;
    bool takes_value;
    const char *help;
} special_flags[] = {
    {"config", true, "read settings from a YAML file (flags override it)"},
    {"plugin", true, "load a service plugin (repeatable)"},
    {"plugin-dir", true, "load every *.so in a directory (repeatable)"},
    {"allow", true, "accept only clients from this address (repeatable; default: everyone)"},
    {"no-frame-pacing", false, "run updates back to back, without adaptive rate control"},
    {"debug", false, "log at debug level"},
    {"server-debug", false, "log at debug level, including every RPC"},
    {"quiet", false, "log errors only"},
};

void krpc_config_print_help(FILE *out) {
    fprintf(out, "Usage: krpc-server [options]\n  -h, --help                    show this help\n"
                 "  -v, --version                 show the version\n");
    for (size_t i = 0; i < sizeof special_flags / sizeof special_flags[0]; i++)
        fprintf(out, "      --%-24s %s\n", special_flags[i].flag, special_flags[i].help);
    for (const kopt *o = endpoint_options; o->key; o++)
        fprintf(out, "      --%-24s %s (servers[0].%s)\n", o->flag, o->help, o->key);
    for (const kopt *o = server_options; o->key; o++)
        if (o->flag)
            fprintf(out, "      --%-24s %s (%s%s%s)\n", o->flag, o->help, o->section ? o->section : "",
                    o->section ? "." : "", o->key);
    fprintf(out, "Settings take --name=value or --name value; booleans also --name alone.\n");
}

static const kopt *find_flag(const kopt *table, const char *name, size_t len) {
    for (const kopt *o = table; o->key; o++)
        if (o->flag && strlen(o->flag) == len && !strncmp(o->flag, name, len))
            return o;
    return NULL;
}

int krpc_config_parse_args(krpc_config *c, int argc, char **argv, char *err, size_t errlen) {
    /* the file first, so that every other flag overrides it */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *path = NULL;
        if (!strcmp(a, "--config") && i + 1 < argc)
            path = argv[i + 1];
        else if (!strncmp(a, "--config=", 9))
            path = a + 9;
        if (path) {
            int rc = krpc_config_load_file(c, path, err, errlen);
            if (rc)
                return rc;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            c->show_help = true;
            continue;
        }
        if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
            c->show_version = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (see --help)", a);
            return KRPC_EINVAL;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        bool special_value = false;
        for (size_t s = 0; s < sizeof special_flags / sizeof special_flags[0]; s++)
            if (strlen(special_flags[s].flag) == nlen && !strncmp(special_flags[s].flag, name, nlen))
                special_value = special_flags[s].takes_value;
        const kopt *o = find_flag(server_options, name, nlen);
        void *base = &c->server;
        if (!o) {
            o = find_flag(endpoint_options, name, nlen);
            base = &c->server.endpoints[0];
        }
        bool needs_value = special_value || (o && o->kind != OPT_BOOL);
        if (needs_value && !value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--%.*s needs a value", (int)nlen, name);
                return KRPC_EINVAL;
            }
            value = argv[++i];
        }
        if (o) {
            char why[300];
            if (kopt_set(o, base, value ? value : "true", mem_of(c), why, sizeof why)) {
                snprintf(err, errlen, "--%.*s: %s", (int)nlen, name, why);
                return KRPC_EINVAL;
            }
            continue;
        }
#define IS(s) (nlen == strlen(s) && !strncmp(name, s, nlen))
        if (IS("config"))
            continue;
        if (IS("plugin"))
            push_plugin(c, value);
        else if (IS("plugin-dir"))
            add_dir(c, value);
        else if (IS("allow"))
            push_allow(c, value);
        else if (IS("no-frame-pacing")) {
            c->server.tick_rate = 0;
            c->server.adaptive_rate_control = false;
        } else if (IS("debug"))
            c->server.log_level = KRPC_LOG_LEVEL_DEBUG;
        else if (IS("server-debug")) {
            c->server.log_level = KRPC_LOG_LEVEL_DEBUG;
            c->server.log_requests = true;
        } else if (IS("quiet"))
            c->server.log_level = KRPC_LOG_LEVEL_ERROR;
        else {
            snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)nlen, name);
            return KRPC_EINVAL;
        }
#undef IS
    }
    return 0;
}

int krpc_server_create_from_config(const krpc_config *c, krpc_server **out) {
    int rc = krpc_server_create(&c->server, out);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n_plugin_dirs; i++)
        krpc_server_load_plugin_dir(*out, c->plugin_dirs[i]);
    for (size_t i = 0; i < c->n_plugins; i++)
        loader_load_file_with_options(*out, c->plugins[i].path, c->plugins[i].n_options,
                                      c->plugins[i].option_keys, c->plugins[i].option_values);
    return 0;
}
