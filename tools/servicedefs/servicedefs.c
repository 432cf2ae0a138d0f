/*
 * krpc-servicedefs - write the service-definitions JSON that krpc-clientgen
 * reads, for services declared by C plugins.
 *
 * The plugins are loaded exactly as the server loads them (a krpc_server is
 * created with its default configuration and never started), and the JSON is
 * written from the resolved registry: the same ids, wire names, types,
 * defaults, game scenes and documentation that KRPC.GetServices reports.
 *
 * The output follows the reference's ServiceDefinitions tool: an object keyed
 * by service name; keys in the reference's order, optional keys only where
 * the reference writes them; two-space indentation, "key": value, [] and {}
 * for empty collections, defaults as base64 protobuf bytes, no trailing
 * newline.
 */
#include "core/server_internal.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a JSON writer with the reference's layout --------------------------- */

typedef struct jw {
    kbuf out;
    int depth;
    bool first; /* no member written yet in the open container */
} jw;

static void put(jw *w, const char *s) { kbuf_append(&w->out, s, strlen(s)); }

static void putc_(jw *w, char c) { kbuf_append(&w->out, &c, 1); }

static void newline(jw *w) {
    putc_(w, '\n');
    for (int i = 0; i < w->depth; i++)
        put(w, "  ");
}

/* A JSON string with the escapes Json.NET writes by default: the short forms
 * for \b \t \n \f \r \" \\, \u00xx (lower-case hex) for other control
 * characters, and U+0085, U+2028, U+2029 escaped; everything else verbatim. */
static void str(jw *w, const char *s) {
    static const char hex[] = "0123456789abcdef";
    putc_(w, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (; *p; p++) {
        unsigned char c = *p;
        switch (c) {
        case '"': put(w, "\\\""); continue;
        case '\\': put(w, "\\\\"); continue;
        case '\b': put(w, "\\b"); continue;
        case '\t': put(w, "\\t"); continue;
        case '\n': put(w, "\\n"); continue;
        case '\f': put(w, "\\f"); continue;
        case '\r': put(w, "\\r"); continue;
        default: break;
        }
        if (c < 0x20) {
            char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            put(w, e);
        } else if (c == 0xc2 && p[1] == 0x85) {
            put(w, "\\u0085");
            p++;
        } else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            put(w, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else {
            putc_(w, (char)c);
        }
    }
    putc_(w, '"');
}

/* Start a member (key may be NULL inside arrays). */
static void member(jw *w, const char *key) {
    if (!w->first)
        putc_(w, ',');
    w->first = false;
    newline(w);
    if (key) {
        str(w, key);
        put(w, ": ");
    }
}

static void open_(jw *w, const char *key, char bracket) {
    member(w, key);
    putc_(w, bracket);
    w->depth++;
    w->first = true;
}

static void close_(jw *w, char bracket) {
    w->depth--;
    if (!w->first)
        newline(w);
    putc_(w, bracket);
    w->first = false;
}

static void obj(jw *w, const char *key) { open_(w, key, '{'); }
static void obj_end(jw *w) { close_(w, '}'); }
static void arr(jw *w, const char *key) { open_(w, key, '['); }
static void arr_end(jw *w) { close_(w, ']'); }

static void kv_str(jw *w, const char *key, const char *v) {
    member(w, key);
    str(w, v);
}

static void kv_raw(jw *w, const char *key, const char *v) {
    member(w, key);
    put(w, v);
}

static void kv_bool(jw *w, const char *key, bool v) { kv_raw(w, key, v ? "true" : "false"); }

static void kv_long(jw *w, const char *key, long long v) {
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    kv_raw(w, key, b);
}

static void kv_base64(jw *w, const char *key, const uint8_t *d, size_t n) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    member(w, key);
    putc_(w, '"');
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        putc_(w, tbl[(v >> 18) & 63]);
        putc_(w, tbl[(v >> 12) & 63]);
        putc_(w, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        putc_(w, i + 2 < n ? tbl[v & 63] : '=');
    }
    putc_(w, '"');
}

/* ---- the service definitions ---------------------------------------------- */

static const char *type_code_name(int code) {
    switch (code) {
    case KT_DOUBLE: return "DOUBLE";
    case KT_FLOAT: return "FLOAT";
    case KT_SINT32: return "SINT32";
    case KT_SINT64: return "SINT64";
    case KT_UINT32: return "UINT32";
    case KT_UINT64: return "UINT64";
    case KT_BOOL: return "BOOL";
    case KT_STRING: return "STRING";
    case KT_BYTES: return "BYTES";
    case KT_CLASS: return "CLASS";
    case KT_ENUMERATION: return "ENUMERATION";
    case KT_STRUCT: return "STRUCT";
    case KT_EVENT: return "EVENT";
    case KT_PROCEDURE_CALL: return "PROCEDURE_CALL";
    case KT_STREAM: return "STREAM";
    case KT_STATUS: return "STATUS";
    case KT_SERVICES: return "SERVICES";
    case KT_TUPLE: return "TUPLE";
    case KT_LIST: return "LIST";
    case KT_SET: return "SET";
    case KT_DICTIONARY: return "DICTIONARY";
    default: return "NONE";
    }
}

static void write_type(jw *w, const char *key, const ktype *t) {
    obj(w, key);
    kv_str(w, "code", type_code_name(t->code));
    const kservice *svc = NULL;
    const char *name = NULL;
    if (t->code == KT_CLASS)
        svc = t->cls->svc, name = t->cls->name;
    else if (t->code == KT_ENUMERATION)
        svc = t->enm->svc, name = t->enm->name;
    else if (t->code == KT_STRUCT)
        svc = t->st->svc, name = t->st->name;
    if (svc) {
        kv_str(w, "service", svc->name);
        kv_str(w, "name", name);
    }
    if (t->code == KT_TUPLE || t->code == KT_LIST || t->code == KT_SET || t->code == KT_DICTIONARY) {
        arr(w, "types");
        for (size_t i = 0; i < t->nsub; i++)
            write_type(w, NULL, t->sub[i]);
        arr_end(w);
    }
    obj_end(w);
}

static void write_deprecation(jw *w, bool deprecated, const char *reason) {
    if (!deprecated)
        return;
    kv_bool(w, "deprecated", true);
    kv_str(w, "deprecated_reason", reason);
}

static const char *const scene_names[] = {
    "SPACE_CENTER", "FLIGHT", "TRACKING_STATION", "EDITOR_VAB", "EDITOR_SPH",
    "MISSION_BUILDER", "ASTRONAUT_COMPLEX", "MISSION_CONTROL", "RESEARCH_AND_DEVELOPMENT",
    "ADMINISTRATION",
};

static void write_procedure(jw *w, const kproc *p) {
    obj(w, p->name);
    kv_long(w, "id", p->id);
    arr(w, "parameters");
    for (size_t i = 0; i < p->nparams; i++) {
        const kparam *kp = &p->params[i];
        obj(w, NULL);
        kv_str(w, "name", kp->name);
        write_type(w, "type", kp->type);
        if (kp->has_default) {
            if (kp->default_null)
                kv_raw(w, "default_value", "null");
            else
                kv_base64(w, "default_value", kp->default_bytes, kp->default_len);
        }
        if (kp->nullable)
            kv_bool(w, "nullable", true);
        obj_end(w);
    }
    arr_end(w);
    if (p->ret) {
        write_type(w, "return_type", p->ret);
        kv_bool(w, "return_is_nullable", p->ret_nullable);
    }
    if ((p->scenes & KRPC_SCENE_ALL) != KRPC_SCENE_ALL) {
        arr(w, "game_scenes");
        for (size_t i = 0; i < sizeof scene_names / sizeof scene_names[0]; i++)
            if (p->scenes & (1u << i))
                kv_str(w, NULL, scene_names[i]);
        arr_end(w);
    }
    kv_str(w, "documentation", p->doc_xml);
    write_deprecation(w, p->deprecated, p->deprecated_reason);
    obj_end(w);
}

static void write_service(jw *w, const kservice *s) {
    obj(w, s->name);
    kv_long(w, "id", s->id);
    kv_str(w, "documentation", s->doc_xml);

    obj(w, "procedures");
    /* the definitions as pre-0.7 clients see them (the snapshot's format) */
    for (size_t i = 0; i < service_nprocs_gen(s, KGEN_LEGACY); i++)
        write_procedure(w, s->procs[i]);
    obj_end(w);

    obj(w, "classes");
    for (size_t i = 0; i < s->nclasses; i++) {
        const kclass *c = s->classes[i];
        obj(w, c->name);
        kv_str(w, "documentation", c->doc_xml);
        write_deprecation(w, c->deprecated, c->deprecated_reason);
        obj_end(w);
    }
    obj_end(w);

    obj(w, "enumerations");
    for (size_t i = 0; i < s->nenums; i++) {
        const kenum *e = s->enums[i];
        obj(w, e->name);
        kv_str(w, "documentation", e->doc_xml);
        arr(w, "values");
        for (size_t j = 0; j < e->nvalues; j++) {
            const kenum_value *v = &e->values[j];
            obj(w, NULL);
            kv_str(w, "name", v->name);
            kv_long(w, "value", v->value);
            kv_str(w, "documentation", v->doc_xml);
            write_deprecation(w, v->deprecated, v->deprecated_reason);
            obj_end(w);
        }
        arr_end(w);
        write_deprecation(w, e->deprecated, e->deprecated_reason);
        obj_end(w);
    }
    obj_end(w);

    obj(w, "structs");
    for (size_t i = 0; i < s->nstructs; i++) {
        const kstruct *st = s->structs[i];
        if (st->v07_only)
            continue; /* pre-0.7 definitions */
        obj(w, st->name);
        kv_str(w, "documentation", st->doc_xml);
        arr(w, "fields");
        for (size_t j = 0; j < st->nfields; j++) {
            const kfield *f = &st->fields[j];
            obj(w, NULL);
            kv_str(w, "name", f->name);
            write_type(w, "type", f->type);
            kv_str(w, "documentation", f->doc_xml);
            write_deprecation(w, f->deprecated, f->deprecated_reason);
            obj_end(w);
        }
        arr_end(w);
        write_deprecation(w, st->deprecated, st->deprecated_reason);
        obj_end(w);
    }
    obj_end(w);

    obj(w, "exceptions");
    for (size_t i = 0; i < s->nexceptions; i++) {
        const kexception *x = s->exceptions[i];
        obj(w, x->name);
        kv_str(w, "documentation", x->doc_xml);
        write_deprecation(w, x->deprecated, x->deprecated_reason);
        obj_end(w);
    }
    obj_end(w);

    write_deprecation(w, s->deprecated, s->deprecated_reason);
    obj_end(w);
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f,
            "Usage: krpc-servicedefs [options]\n"
            "Write the service definitions JSON (the input of krpc-clientgen) for the\n"
            "services of kRPC service plugins, loaded as krpc-server loads them.\n"
            "\n"
            "  -p, --plugin=FILE     load a service plugin (repeatable)\n"
            "  -d, --plugin-dir=DIR  load every *.so in DIR (repeatable)\n"
            "  -s, --service=NAME    write this service (repeatable; default: every\n"
            "                        service of the plugins given; KRPC only if named)\n"
            "  -o, --output=FILE     write to FILE instead of standard output\n"
            "  -h, --help            show this help\n"
            "  -v, --version         show the version\n");
}

static void log_to_stderr(void *data, krpc_log_level level, const char *message) {
    (void)data;
    fprintf(stderr, "krpc-servicedefs: %s%s\n", level == KRPC_LOG_LEVEL_ERROR ? "error: " : "", message);
}

int main(int argc, char **argv) {
    const char **plugins = calloc((size_t)argc, sizeof *plugins);
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    const char **names = calloc((size_t)argc, sizeof *names);
    size_t nplugins = 0, ndirs = 0, nnames = 0;
    const char *output = NULL;
    krpc_server *srv = NULL;
    const kservice **chosen = NULL;
    jw w = {.first = true};
    static const struct option opts[] = {
        {"plugin", required_argument, NULL, 'p'},
        {"plugin-dir", required_argument, NULL, 'd'},
        {"service", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {0, 0, 0, 0},
    };
    int o, status = -1;
    while (status < 0 && (o = getopt_long(argc, argv, "p:d:s:o:hv", opts, NULL)) != -1) {
        switch (o) {
        case 'p': plugins[nplugins++] = optarg; break;
        case 'd': dirs[ndirs++] = optarg; break;
        case 's': names[nnames++] = optarg; break;
        case 'o': output = optarg; break;
        case 'h':
            usage(stdout);
            status = 0;
            break;
        case 'v':
            printf("krpc-servicedefs version %s\n", krpc_version());
            status = 0;
            break;
        default:
            usage(stderr);
            status = 2;
            break;
        }
    }
    if (status >= 0)
        goto done;
    /* positional arguments are plugin files, for convenience */
    for (int i = optind; i < argc; i++)
        plugins[nplugins++] = argv[i];
    if (!nplugins && !ndirs && !nnames) {
        fprintf(stderr, "krpc-servicedefs: no plugin given (--plugin FILE)\n");
        usage(stderr);
        status = 2;
        goto done;
    }

    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.log_level = KRPC_LOG_LEVEL_WARNING;
    cfg.log_fn = log_to_stderr;
    status = 1;
    if (krpc_server_create(&cfg, &srv)) {
        fprintf(stderr, "krpc-servicedefs: cannot create the server\n");
        srv = NULL;
        goto done;
    }
    bool refused = false;
    for (size_t i = 0; i < ndirs; i++)
        refused |= krpc_server_load_plugin_dir(srv, dirs[i]) < 0;
    for (size_t i = 0; i < nplugins; i++)
        refused |= krpc_server_load_plugin(srv, plugins[i]) != 0;
    if (refused) {
        fprintf(stderr, "krpc-servicedefs: a plugin was refused (see above)\n");
        goto done;
    }

    const kregistry *r = &srv->registry;
    chosen = calloc(r->nservices + nnames + 1, sizeof *chosen);
    size_t nchosen = 0;
    bool missing = false;
    if (nnames) {
        for (size_t i = 0; i < nnames; i++) {
            const kservice *s = registry_service_by_name(r, names[i], strlen(names[i]));
            if (!s) {
                fprintf(stderr, "krpc-servicedefs: Service %s not found\n", names[i]);
                missing = true;
                continue;
            }
            bool dup = false;
            for (size_t j = 0; j < nchosen; j++)
                dup |= chosen[j] == s;
            if (!dup)
                chosen[nchosen++] = s;
        }
    } else {
        for (size_t i = 0; i < r->nservices; i++)
            if (r->services[i]->plugin->desc != &krpc_core_plugin &&
                (r->services[i]->gens & KGEN_BIT(KGEN_LEGACY)))
                chosen[nchosen++] = r->services[i];
        if (!nchosen) {
            fprintf(stderr, "krpc-servicedefs: the plugins declare no service\n");
            missing = true;
        }
    }
    if (missing)
        goto done;

    putc_(&w, '{');
    w.depth = 1;
    for (size_t i = 0; i < nchosen; i++)
        write_service(&w, chosen[i]);
    w.depth = 0;
    newline(&w);
    putc_(&w, '}');
    FILE *f = output ? fopen(output, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "krpc-servicedefs: cannot write %s: %s\n", output, strerror(errno));
        goto done;
    }
    bool written = fwrite(w.out.data, 1, w.out.len, f) == w.out.len;
    written &= (output ? fclose(f) : fflush(f)) == 0;
    if (!written) {
        fprintf(stderr, "krpc-servicedefs: cannot write %s\n", output ? output : "the output");
        goto done;
    }
    status = 0;
done:
    kbuf_free(&w.out);
    free(chosen);
    if (srv)
        krpc_server_destroy(srv);
    free(plugins);
    free(dirs);
    free(names);
    return status;
}
