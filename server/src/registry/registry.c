/* Building the registry from plugin declarations: validation (names, types,
 * defaults, duplicates), procedure ids and wire names (semantics.md 8.2-8.3),
 * scene masks with inheritance (7.3) and documentation XML (8.4). A plugin's
 * services are staged and only committed when all of them are valid. */
#include "registry/registry.h"

#include "registry/literal.h"
#include "rpc/value.h"
#include "util/buf.h"
#include "util/sha256.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void registry_init(kregistry *r) {
    memset(r, 0, sizeof *r);
    arena_init(&r->mem);
}

void registry_free(kregistry *r) {
    for (size_t i = 0; i < r->nservices; i++) {
        strmap_free(&r->services[i]->procs_by_name);
        free(r->services[i]->procs);
    }
    free(r->services);
    free(r->plugins);
    for (int g = 0; g < KGEN_COUNT; g++) {
        strmap_free(&r->by_name_gen[g]);
        u64map_free(&r->by_id_gen[g]);
        strmap_free(&r->named_types_gen[g]);
        strmap_free(&r->staged_types_gen[g]);
    }
    free(r->staged);
    arena_free(&r->mem);
    memset(r, 0, sizeof *r);
}

uint32_t registry_derive_service_id(const char *name) {
    uint8_t h[32];
    sha256(name, strlen(name), h);
    return (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
}

const kservice *registry_service_by_name_gen(const kregistry *r, kgen g, const char *name, size_t len) {
    return strmap_getn(&r->by_name_gen[g], name, len);
}

const kservice *registry_service_by_id_gen(const kregistry *r, kgen g, uint32_t id) {
    return u64map_get(&r->by_id_gen[g], id);
}

const kservice *registry_service_by_name(const kregistry *r, const char *name, size_t len) {
    return registry_service_by_name_gen(r, KGEN_LEGACY, name, len);
}

const kservice *registry_service_by_id(const kregistry *r, uint32_t id) {
    return registry_service_by_id_gen(r, KGEN_LEGACY, id);
}

/* The generation whose names a service's declarations resolve in: its
 * oldest (a service every client sees refers to what old clients see). */
static kgen home_gen(const kservice *home) {
    return !home || (home->gens & KGEN_BIT(KGEN_LEGACY)) ? KGEN_LEGACY : KGEN_V07;
}

const kproc *service_proc_by_name(const kservice *s, const char *name, size_t len) {
    return strmap_getn(&s->procs_by_name, name, len);
}

const kproc *service_proc_by_id(const kservice *s, uint32_t id) {
    return id >= 1 && id <= s->nprocs ? s->procs[id - 1] : NULL;
}

size_t service_nprocs_gen(const kservice *s, kgen g) { return g == KGEN_LEGACY ? s->nprocs_legacy : s->nprocs; }

const kproc *service_proc_by_name_gen(const kservice *s, kgen g, const char *name, size_t len) {
    const kproc *p = service_proc_by_name(s, name, len);
    return p && p->id <= service_nprocs_gen(s, g) ? p : NULL;
}

const kproc *service_proc_by_id_gen(const kservice *s, kgen g, uint32_t id) {
    return id <= service_nprocs_gen(s, g) ? service_proc_by_id(s, id) : NULL;
}

const kexception *registry_exception(const kregistry *r, const kservice *home, const char *name) {
    const char *dot = strchr(name, '.');
    const kservice *s = home;
    if (dot) {
        s = registry_service_by_name_gen(r, home_gen(home), name, (size_t)(dot - name));
        name = dot + 1;
    }
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->nexceptions; i++)
        if (strcmp(s->exceptions[i]->name, name) == 0)
            return s->exceptions[i];
    return NULL;
}

const ktype *staging_lookup_type(kregistry *r, const kservice *home, const char *name, size_t len) {
    char buf[512];
    if (memchr(name, '.', len)) {
        if (len >= sizeof buf)
            return NULL;
        memcpy(buf, name, len);
        buf[len] = 0;
    } else {
        if (!home || (size_t)snprintf(buf, sizeof buf, "%s.%.*s", home->name, (int)len, name) >= sizeof buf)
            return NULL;
    }
    kgen g = r->resolve_v07 ? KGEN_V07 : home_gen(home);
    const ktype *t = strmap_get(&r->staged_types_gen[g], buf);
    return t ? t : strmap_get(&r->named_types_gen[g], buf);
}

/* ---- building ---------------------------------------------------------- */

typedef struct builder {
    kregistry *r;
    kplugin *plugin;
    char *err;
    size_t errlen;
    char where[256]; /* the member being built, for error messages */
} builder;

static int failf(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(builder *b, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(b->err, b->errlen, "%s%s%s", b->where, *b->where ? ": " : "", msg);
    return -1;
}

static bool valid_name(const char *s) {
    if (!s || !isupper((unsigned char)s[0]))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p))
            return false;
    return true;
}

static bool valid_param_name(const char *s) {
    if (!s || !islower((unsigned char)s[0]))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p))
            return false;
    return true;
}

static const char *doc_xml(builder *b, const char *text, const krpc_param_decl *params,
                           const char *returns_doc) {
    if (!text || !*text)
        return "";
    if (strncmp(text, "<doc>", 5) == 0)
        return arena_strdup(&b->r->mem, text);
    kbuf x = {0};
    kbuf_append(&x, "<doc>\n<summary>\n", 16);
    kbuf_append(&x, text, strlen(text));
    kbuf_append(&x, "\n</summary>\n", 12);
    for (const krpc_param_decl *p = params; p && p->name; p++) {
        if (!p->doc)
            continue;
        char head[300];
        int n = snprintf(head, sizeof head, "<param name=\"%s\">", p->name);
        kbuf_append(&x, head, (size_t)n);
        kbuf_append(&x, p->doc, strlen(p->doc));
        kbuf_append(&x, "</param>\n", 9);
    }
    if (returns_doc) {
        kbuf_append(&x, "<returns>", 9);
        kbuf_append(&x, returns_doc, strlen(returns_doc));
        kbuf_append(&x, "</returns>\n", 11);
    }
    kbuf_append(&x, "</doc>", 6);
    const char *s = arena_strndup(&b->r->mem, (const char *)x.data, x.len);
    kbuf_free(&x);
    return s;
}

static void deprecation(builder *b, const char *decl, bool *deprecated, const char **reason) {
    *deprecated = decl != NULL;
    *reason = decl ? arena_strdup(&b->r->mem, decl) : "";
}

static const ktype *parse_type(builder *b, const kservice *home, const char *spec, bool *nullable) {
    char msg[256];
    const ktype *t = type_parse(b->r, home, spec, nullable, msg, sizeof msg);
    if (!t)
        failf(b, "%s", msg);
    return t;
}

/* The default's wire bytes, from its decoded value. */
static int encode_default(builder *b, kparam *p) {
    kerror e = {0};
    kvalue_ctx ctx = {.a = &b->r->mem, .err = &e};
    kbuf out = {0};
    if (value_encode(&ctx, p->type, &p->default_value, &out)) {
        kbuf_free(&out);
        return failf(b, "default of parameter '%s': %s", p->name, e.description);
    }
    /* decoding collapses repeated set items and dictionary keys: a default
     * whose encoding changes on the way back repeats one */
    krpc_value back;
    kbuf again = {0};
    bool same = value_decode(&ctx, p->type, out.data, out.len, &back) == 0 &&
                value_encode(&ctx, p->type, &back, &again) == 0 && again.len == out.len &&
                (!out.len || memcmp(again.data, out.data, out.len) == 0);
    kbuf_free(&again);
    if (!same) {
        kbuf_free(&out);
        return failf(b, "default of parameter '%s' repeats an item of a set or a key of a dictionary", p->name);
    }
    p->default_bytes = (const uint8_t *)arena_strndup(&b->r->mem, (const char *)out.data, out.len);
    p->default_len = out.len;
    kbuf_free(&out);
    return 0;
}

static int build_param(builder *b, const kservice *home, const krpc_param_decl *d, kparam *p) {
    if (!valid_param_name(d->name))
        return failf(b, "parameter name '%s' is not a kRPC identifier (^[a-z][A-Za-z0-9]*$)",
                     d->name ? d->name : "(null)");
    p->name = arena_strdup(&b->r->mem, d->name);
    p->type = parse_type(b, home, d->type, &p->nullable);
    if (!p->type)
        return -1;
    if (p->type->code == KT_NONE)
        return failf(b, "parameter '%s' has no type", d->name);
    p->doc = d->doc;
    if (d->default_value) {
        char msg[256];
        bool is_null;
        if (literal_parse(&b->r->mem, p->type, d->default_value, &p->default_value, &is_null, msg,
                          sizeof msg))
            return failf(b, "default of parameter '%s': %s", d->name, msg);
        p->has_default = true;
        if (is_null) {
            if (!p->nullable && p->type->code != KT_CLASS)
                return failf(b, "default of parameter '%s': null needs a nullable type ('%s?')", d->name, d->type);
            p->default_null = true;
            p->nullable = true; /* a null default implies the parameter accepts null */
        } else if (encode_default(b, p)) {
            return -1;
        }
    }
    return 0;
}

static kparam *instance_param(builder *b, const kclass *cls) {
    kparam *p = arena_zalloc(&b->r->mem, sizeof *p);
    p->name = "this";
    p->type = &cls->type;
    return p;
}

static kproc *new_proc(builder *b, kservice *s, const kclass *cls, kproc_kind kind, const char *member) {
    kproc *p = arena_zalloc(&b->r->mem, sizeof *p);
    p->svc = s;
    p->cls = cls;
    p->kind = kind;
    switch (kind) {
    case KP_PROCEDURE: p->name = arena_strdup(&b->r->mem, member); break;
    case KP_GETTER: p->name = arena_printf(&b->r->mem, "get_%s", member); break;
    case KP_SETTER: p->name = arena_printf(&b->r->mem, "set_%s", member); break;
    case KP_METHOD: p->name = arena_printf(&b->r->mem, "%s_%s", cls->name, member); break;
    case KP_STATIC: p->name = arena_printf(&b->r->mem, "%s_static_%s", cls->name, member); break;
    case KP_CLASS_GETTER: p->name = arena_printf(&b->r->mem, "%s_get_%s", cls->name, member); break;
    case KP_CLASS_SETTER: p->name = arena_printf(&b->r->mem, "%s_set_%s", cls->name, member); break;
    }
    p->fullname = arena_printf(&b->r->mem, "%s.%s", s->name, p->name);
    return p;
}

static int add_proc(builder *b, kservice *s, kproc *p) {
    if (service_proc_by_name(s, p->name, strlen(p->name)))
        return failf(b, "duplicate procedure '%s'", p->name);
    s->procs = realloc(s->procs, (s->nprocs + 1) * sizeof *s->procs);
    if (!s->procs)
        abort();
    s->procs[s->nprocs++] = p;
    p->id = (uint32_t)s->nprocs;
    strmap_put(&s->procs_by_name, p->name, p);
    return 0;
}

static int build_procedure(builder *b, kservice *s, const kclass *cls, const krpc_procedure_decl *d) {
    bool is_static = d->flags & KRPC_STATIC;
    b->r->resolve_v07 = d->flags & KRPC_V07_ONLY;
    snprintf(b->where, sizeof b->where, "service %s: %s%s%s", s->name, cls ? cls->name : "",
             cls ? "." : "", d->name ? d->name : "(null)");
    if (!valid_name(d->name))
        return failf(b, "name is not a kRPC identifier (^[A-Z][A-Za-z0-9]*$)");
    if (!d->fn)
        return failf(b, "no function");
    if (!cls && is_static)
        return failf(b, "KRPC_STATIC is only for class methods");
    kproc_kind kind = !cls ? KP_PROCEDURE : is_static ? KP_STATIC : KP_METHOD;
    kproc *p = new_proc(b, s, cls, kind, d->name);
    size_t n = 0;
    for (const krpc_param_decl *pd = d->params; pd && pd->name; pd++)
        n++;
    size_t off = kind == KP_METHOD ? 1 : 0;
    p->nparams = n + off;
    p->params = arena_zalloc(&b->r->mem, (p->nparams ? p->nparams : 1) * sizeof *p->params);
    if (off)
        p->params[0] = *instance_param(b, cls);
    for (size_t i = 0; i < n; i++) {
        if (build_param(b, s, &d->params[i], &p->params[off + i]))
            return -1;
        for (size_t j = 0; j < off + i; j++)
            if (strcmp(p->params[j].name, d->params[i].name) == 0)
                return failf(b, "duplicate parameter '%s'", d->params[i].name);
    }
    if (d->returns) {
        p->ret = parse_type(b, s, d->returns, &p->ret_nullable);
        if (!p->ret)
            return -1;
        if (p->ret->code == KT_PROCEDURE_CALL)
            return failf(b, "a procedure call cannot be returned");
    }
    p->doc_xml = doc_xml(b, d->doc, d->params, d->returns_doc);
    deprecation(b, d->deprecated, &p->deprecated, &p->deprecated_reason);
    p->scenes = d->game_scenes ? d->game_scenes : cls ? cls->scenes : s->scenes;
    p->shared = d->flags & KRPC_SHARED;
    p->fn = d->fn;
    return add_proc(b, s, p);
}

static int build_property(builder *b, kservice *s, const kclass *cls, const krpc_property_decl *d) {
    b->r->resolve_v07 = d->flags & KRPC_V07_ONLY;
    snprintf(b->where, sizeof b->where, "service %s: property %s%s%s", s->name, cls ? cls->name : "",
             cls ? "." : "", d->name ? d->name : "(null)");
    if (!valid_name(d->name))
        return failf(b, "name is not a kRPC identifier (^[A-Z][A-Za-z0-9]*$)");
    if (!d->get && !d->set)
        return failf(b, "neither getter nor setter");
    bool nullable;
    const ktype *t = parse_type(b, s, d->type, &nullable);
    if (!t)
        return -1;
    const char *doc = doc_xml(b, d->doc, NULL, NULL);
    bool dep;
    const char *reason;
    deprecation(b, d->deprecated, &dep, &reason);
    uint32_t scenes = d->game_scenes ? d->game_scenes : cls ? cls->scenes : s->scenes;
    for (int setter = 0; setter < 2; setter++) {
        krpc_procedure_fn fn = setter ? d->set : d->get;
        if (!fn)
            continue;
        kproc_kind kind = cls ? (setter ? KP_CLASS_SETTER : KP_CLASS_GETTER) : (setter ? KP_SETTER : KP_GETTER);
        kproc *p = new_proc(b, s, cls, kind, d->name);
        size_t n = (cls ? 1 : 0) + (setter ? 1 : 0);
        p->nparams = n;
        p->params = arena_zalloc(&b->r->mem, (n ? n : 1) * sizeof *p->params);
        if (cls)
            p->params[0] = *instance_param(b, cls);
        if (setter) {
            kparam *v = &p->params[n - 1];
            v->name = "value";
            v->type = t;
            v->nullable = nullable;
        } else {
            p->ret = t;
            p->ret_nullable = nullable;
        }
        p->doc_xml = doc;
        p->deprecated = dep;
        p->deprecated_reason = reason;
        p->scenes = scenes;
        p->shared = !setter && (d->flags & KRPC_SHARED);
        p->fn = fn;
        if (add_proc(b, s, p))
            return -1;
    }
    return 0;
}

static bool name_taken(const kservice *s, const char *name) {
    for (size_t i = 0; i < s->nclasses; i++)
        if (strcmp(s->classes[i]->name, name) == 0)
            return true;
    for (size_t i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return true;
    for (size_t i = 0; i < s->nstructs; i++)
        if (strcmp(s->structs[i]->name, name) == 0)
            return true;
    for (size_t i = 0; i < s->nexceptions; i++)
        if (strcmp(s->exceptions[i]->name, name) == 0)
            return true;
    return false;
}

#define COUNT(arr, n)                                                                             \
    do {                                                                                          \
        n = 0;                                                                                    \
        for (size_t _i = 0; (arr) && (arr)[_i].name; _i++)                                        \
            n++;                                                                                  \
    } while (0)

static int stage_type_name(builder *b, kservice *s, const char *name, ktype *t) {
    snprintf(b->where, sizeof b->where, "service %s: %s", s->name, name ? name : "(null)");
    if (!valid_name(name))
        return failf(b, "name is not a kRPC identifier (^[A-Z][A-Za-z0-9]*$)");
    if (name_taken(s, name))
        return failf(b, "duplicate name");
    const char *key = arena_printf(&b->r->mem, "%s.%s", s->name, name);
    if (t)
        for (int g = 0; g < KGEN_COUNT; g++)
            if (s->gens & KGEN_BIT(g))
                strmap_put(&b->r->staged_types_gen[g], key, t);
    return 0;
}

/* First pass: the service and the names of its types. */
/* Whether a service declares members and all of them are KRPC_V07_ONLY. */
static bool all_members_v07_only(const krpc_service_decl *d) {
    size_t n = 0;
    bool all = true;
#define VISIT(list)                                  \
    for (size_t i = 0; (list) && (list)[i].name; i++) \
        n++, all = all && ((list)[i].flags & KRPC_V07_ONLY);
    VISIT(d->procedures)
    VISIT(d->properties)
    for (size_t c = 0; d->classes && d->classes[c].name; c++) {
        VISIT(d->classes[c].methods)
        VISIT(d->classes[c].properties)
    }
#undef VISIT
    return n > 0 && all;
}

static int stage_service(builder *b, const krpc_service_decl *d, uint8_t gens) {
    kregistry *r = b->r;
    snprintf(b->where, sizeof b->where, "service %s", d->name ? d->name : "(null)");
    if (!valid_name(d->name))
        return failf(b, "name is not a kRPC identifier (^[A-Z][A-Za-z0-9]*$)");
    /* a service made only of 0.7 members is itself new in 0.7: older clients
     * do not see it at all */
    if (all_members_v07_only(d))
        gens &= KGEN_BIT(KGEN_V07);
    if (!gens)
        return failf(b, "no protocol version sees it");
    uint32_t id = d->id ? d->id : registry_derive_service_id(d->name);
    if (!id)
        return failf(b, "service id 0");
    /* names and ids are unique among the services one client sees */
    for (int g = 0; g < KGEN_COUNT; g++) {
        if (!(gens & KGEN_BIT(g)))
            continue;
        if (registry_service_by_name_gen(r, (kgen)g, d->name, strlen(d->name)))
            return failf(b, "a service of that name is already loaded");
        if (registry_service_by_id_gen(r, (kgen)g, id))
            return failf(b, "service id %u is already taken", id);
    }
    for (size_t i = 0; i < r->nstaged; i++) {
        if (!(r->staged[i]->gens & gens))
            continue;
        if (strcmp(r->staged[i]->name, d->name) == 0)
            return failf(b, "declared twice");
        if (r->staged[i]->id == id)
            return failf(b, "service id %u is declared twice", id);
    }
    kservice *s = arena_zalloc(&r->mem, sizeof *s);
    s->plugin = b->plugin;
    s->name = arena_strdup(&r->mem, d->name);
    s->id = id;
    s->doc_xml = doc_xml(b, d->doc, NULL, NULL);
    deprecation(b, d->deprecated, &s->deprecated, &s->deprecated_reason);
    s->scenes = d->game_scenes ? d->game_scenes : KRPC_SCENE_ALL;
    s->gens = gens;
    s->type_prefix = d->type_namespace ? arena_strdup(&r->mem, d->type_namespace)
                                       : arena_printf(&r->mem, "%s.", s->name);
    r->staged = realloc(r->staged, (r->nstaged + 1) * sizeof *r->staged);
    if (!r->staged)
        abort();
    r->staged[r->nstaged++] = s;

    size_t n;
    COUNT(d->classes, n);
    s->classes = arena_zalloc(&r->mem, (n ? n : 1) * sizeof *s->classes);
    for (size_t i = 0; i < n; i++) {
        const krpc_class_decl *cd = &d->classes[i];
        kclass *c = arena_zalloc(&r->mem, sizeof *c);
        if (stage_type_name(b, s, cd->name, &c->type))
            return -1;
        if (cd->equals && !cd->hash)
            return failf(b, "a class with equals needs hash");
        c->svc = s;
        c->name = arena_strdup(&r->mem, cd->name);
        c->doc_xml = doc_xml(b, cd->doc, NULL, NULL);
        deprecation(b, cd->deprecated, &c->deprecated, &c->deprecated_reason);
        c->scenes = cd->game_scenes ? cd->game_scenes : s->scenes;
        c->decl = cd;
        c->type = (ktype){.code = KT_CLASS, .cls = c,
                          .dotnet = arena_printf(&r->mem, "%s%s", s->type_prefix, c->name)};
        s->classes[s->nclasses++] = c;
    }
    COUNT(d->enums, n);
    s->enums = arena_zalloc(&r->mem, (n ? n : 1) * sizeof *s->enums);
    for (size_t i = 0; i < n; i++) {
        const krpc_enum_decl *ed = &d->enums[i];
        kenum *e = arena_zalloc(&r->mem, sizeof *e);
        if (stage_type_name(b, s, ed->name, &e->type))
            return -1;
        e->svc = s;
        e->name = arena_strdup(&r->mem, ed->name);
        e->doc_xml = doc_xml(b, ed->doc, NULL, NULL);
        deprecation(b, ed->deprecated, &e->deprecated, &e->deprecated_reason);
        size_t nv;
        COUNT(ed->values, nv);
        e->values = arena_zalloc(&r->mem, (nv ? nv : 1) * sizeof *e->values);
        for (size_t j = 0; j < nv; j++) {
            const krpc_enum_value_decl *vd = &ed->values[j];
            if (!valid_name(vd->name))
                return failf(b, "enumeration value '%s' is not a kRPC identifier", vd->name);
            for (size_t k = 0; k < j; k++)
                if (strcmp(e->values[k].name, vd->name) == 0)
                    return failf(b, "duplicate enumeration value '%s'", vd->name);
            kenum_value *v = &e->values[e->nvalues++];
            v->name = arena_strdup(&r->mem, vd->name);
            v->value = vd->value;
            v->doc_xml = doc_xml(b, vd->doc, NULL, NULL);
            deprecation(b, vd->deprecated, &v->deprecated, &v->deprecated_reason);
        }
        e->type = (ktype){.code = KT_ENUMERATION, .enm = e,
                          .dotnet = arena_printf(&r->mem, "%s%s", s->type_prefix, e->name)};
        s->enums[s->nenums++] = e;
    }
    COUNT(d->structs, n);
    s->structs = arena_zalloc(&r->mem, (n ? n : 1) * sizeof *s->structs);
    for (size_t i = 0; i < n; i++) {
        kstruct *st = arena_zalloc(&r->mem, sizeof *st);
        if (stage_type_name(b, s, d->structs[i].name, &st->type))
            return -1;
        st->svc = s;
        st->name = arena_strdup(&r->mem, d->structs[i].name);
        st->doc_xml = doc_xml(b, d->structs[i].doc, NULL, NULL);
        deprecation(b, d->structs[i].deprecated, &st->deprecated, &st->deprecated_reason);
        st->type = (ktype){.code = KT_STRUCT, .st = st,
                           .dotnet = arena_printf(&r->mem, "%s%s", s->type_prefix, st->name)};
        s->structs[s->nstructs++] = st;
    }
    COUNT(d->exceptions, n);
    s->exceptions = arena_zalloc(&r->mem, (n ? n : 1) * sizeof *s->exceptions);
    for (size_t i = 0; i < n; i++) {
        const krpc_exception_decl *xd = &d->exceptions[i];
        if (stage_type_name(b, s, xd->name, NULL))
            return -1;
        kexception *x = arena_zalloc(&r->mem, sizeof *x);
        x->svc = s;
        x->name = arena_strdup(&r->mem, xd->name);
        x->doc_xml = doc_xml(b, xd->doc, NULL, NULL);
        deprecation(b, xd->deprecated, &x->deprecated, &x->deprecated_reason);
        s->exceptions[s->nexceptions++] = x;
    }
    return 0;
}

/* A struct may not contain itself, directly or through collections. */
static bool contains_struct(const ktype *t, const kstruct *st, int depth) {
    if (depth > 32)
        return true;
    if (t->code == KT_STRUCT) {
        if (t->st == st)
            return true;
        for (size_t i = 0; i < t->st->nfields; i++)
            if (t->st->fields[i].type && contains_struct(t->st->fields[i].type, st, depth + 1))
                return true;
    }
    for (size_t i = 0; i < t->nsub; i++)
        if (contains_struct(t->sub[i], st, depth + 1))
            return true;
    return false;
}

/* Whether type t names struct st, directly or inside collections and other
 * structs' fields. */
static bool uses_struct(const ktype *t, const kstruct *st, int depth) {
    return t && contains_struct(t, st, depth);
}

/* A struct that KRPC_V07_ONLY members of its service use and nothing older
 * clients see uses (their procedures, the other structs they see) is new in
 * 0.7: older clients do not see it either. A struct nothing uses stays
 * visible to all. (Only its own service's members are considered: a service
 * loaded later sees it as before.) */
static void mark_v07_only_structs(kservice *s) {
    for (size_t i = 0; i < s->nstructs; i++) {
        kstruct *st = s->structs[i];
        bool legacy = false, v07 = false;
        for (size_t p = 0; p < s->nprocs; p++) {
            const kproc *k = s->procs[p];
            bool used = uses_struct(k->ret, st, 0);
            for (size_t a = 0; a < k->nparams && !used; a++)
                used = uses_struct(k->params[a].type, st, 0);
            if (used && p < s->nprocs_legacy)
                legacy = true;
            else if (used)
                v07 = true;
        }
        for (size_t o = 0; o < s->nstructs && !legacy; o++)
            for (size_t f = 0; o != i && f < s->structs[o]->nfields; f++)
                if (!s->structs[o]->v07_only && uses_struct(s->structs[o]->fields[f].type, st, 0))
                    legacy = true;
        st->v07_only = v07 && !legacy;
    }
}

/* Second pass: struct fields, then procedures in id order. */
static int build_service(builder *b, kservice *s, const krpc_service_decl *d) {
    kregistry *r = b->r;
    for (size_t i = 0; i < s->nstructs; i++) {
        kstruct *st = s->structs[i];
        const krpc_struct_decl *sd = &d->structs[i];
        size_t n;
        COUNT(sd->fields, n);
        st->fields = arena_zalloc(&r->mem, (n ? n : 1) * sizeof *st->fields);
        for (size_t j = 0; j < n; j++) {
            const krpc_field_decl *fd = &sd->fields[j];
            snprintf(b->where, sizeof b->where, "service %s: struct %s: field %s", s->name, st->name,
                     fd->name ? fd->name : "(null)");
            if (!valid_name(fd->name))
                return failf(b, "name is not a kRPC identifier (^[A-Z][A-Za-z0-9]*$)");
            for (size_t k = 0; k < j; k++)
                if (strcmp(st->fields[k].name, fd->name) == 0)
                    return failf(b, "duplicate field");
            kfield *f = &st->fields[j];
            f->name = arena_strdup(&r->mem, fd->name);
            bool nullable;
            f->type = parse_type(b, s, fd->type, &nullable);
            if (!f->type)
                return -1;
            if (nullable) /* a nullable field (kRPC 0.7): the position allows null */
                f->type = type_nullable(r, f->type);
            if (f->type->code >= KT_EVENT && f->type->code <= KT_SERVICES)
                return failf(b, "struct fields cannot hold messages");
            f->doc_xml = doc_xml(b, fd->doc, NULL, NULL);
            deprecation(b, fd->deprecated, &f->deprecated, &f->deprecated_reason);
            st->nfields = j + 1;
        }
    }
    for (size_t i = 0; i < s->nstructs; i++)
        for (size_t j = 0; j < s->structs[i]->nfields; j++)
            if (contains_struct(s->structs[i]->fields[j].type, s->structs[i], 0)) {
                snprintf(b->where, sizeof b->where, "service %s: struct %s", s->name, s->structs[i]->name);
                return failf(b, "a struct cannot contain itself");
            }
    /* Ids in declaration order, first the members every client sees, then
     * (pass 1) the KRPC_V07_ONLY ones, so that the former keep their ids. */
    int rc = 0;
    for (uint32_t pass = 0; pass < 2 && !rc; pass++) {
        uint32_t want = pass ? KRPC_V07_ONLY : 0;
        if (pass)
            s->nprocs_legacy = s->nprocs;
        for (const krpc_procedure_decl *p = d->procedures; !rc && p && p->name; p++)
            if ((p->flags & KRPC_V07_ONLY) == want)
                rc = build_procedure(b, s, NULL, p);
        for (const krpc_property_decl *p = d->properties; !rc && p && p->name; p++)
            if ((p->flags & KRPC_V07_ONLY) == want)
                rc = build_property(b, s, NULL, p);
        for (size_t i = 0; !rc && i < s->nclasses; i++) {
            const krpc_class_decl *cd = &d->classes[i];
            for (const krpc_procedure_decl *p = cd->methods; !rc && p && p->name; p++)
                if ((p->flags & KRPC_V07_ONLY) == want)
                    rc = build_procedure(b, s, s->classes[i], p);
            for (const krpc_property_decl *p = cd->properties; !rc && p && p->name; p++)
                if ((p->flags & KRPC_V07_ONLY) == want)
                    rc = build_property(b, s, s->classes[i], p);
        }
    }
    r->resolve_v07 = false;
    /* a service only 0.7 clients see has no members for older ones */
    if (!(s->gens & KGEN_BIT(KGEN_LEGACY)))
        s->nprocs_legacy = 0;
    if (!rc)
        mark_v07_only_structs(s);
    return rc;
}

static void unstage(kregistry *r, bool commit) {
    if (commit) {
        for (int g = 0; g < KGEN_COUNT; g++) {
            strmap *st = &r->staged_types_gen[g];
            for (size_t i = 0; i < st->cap; i++)
                if (st->vals[i])
                    strmap_put(&r->named_types_gen[g], st->keys[i], st->vals[i]);
        }
        for (size_t i = 0; i < r->nstaged; i++) {
            kservice *s = r->staged[i];
            r->services = realloc(r->services, (r->nservices + 1) * sizeof *r->services);
            if (!r->services)
                abort();
            r->services[r->nservices++] = s;
            for (int g = 0; g < KGEN_COUNT; g++)
                if (s->gens & KGEN_BIT(g)) {
                    strmap_put(&r->by_name_gen[g], s->name, s);
                    u64map_put(&r->by_id_gen[g], s->id, s);
                }
        }
    } else {
        for (size_t i = 0; i < r->nstaged; i++) {
            strmap_free(&r->staged[i]->procs_by_name);
            free(r->staged[i]->procs);
        }
    }
    for (int g = 0; g < KGEN_COUNT; g++)
        strmap_free(&r->staged_types_gen[g]);
    free(r->staged);
    r->staged = NULL;
    r->nstaged = 0;
}

int registry_stage_plugin(kregistry *r, kplugin *plugin, char *err, size_t errlen) {
    builder b = {.r = r, .plugin = plugin, .err = err, .errlen = errlen};
    const krpc_service_decl *decls = plugin->desc->services;
    int rc = 0;
    if (!decls || !decls[0].name) {
        snprintf(err, errlen, "declares no service");
        return -1;
    }
    for (size_t i = 0; decls[i].name && rc == 0; i++)
        rc = stage_service(&b, &decls[i], plugin->service_gens ? plugin->service_gens[i] : KGEN_ALL);
    for (size_t i = 0; decls[i].name && rc == 0; i++)
        rc = build_service(&b, r->staged[i], &decls[i]);
    if (rc)
        unstage(r, false);
    return rc;
}

void registry_commit_plugin(kregistry *r, kplugin *plugin) {
    r->plugins = realloc(r->plugins, (r->nplugins + 1) * sizeof *r->plugins);
    if (!r->plugins)
        abort();
    r->plugins[r->nplugins++] = plugin;
    unstage(r, true);
}

void registry_abort_plugin(kregistry *r) { unstage(r, false); }

int registry_add_plugin(kregistry *r, kplugin *plugin, char *err, size_t errlen) {
    if (registry_stage_plugin(r, plugin, err, errlen))
        return -1;
    registry_commit_plugin(r, plugin);
    return 0;
}
