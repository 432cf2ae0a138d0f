/* The service registry: every service, procedure, class, enum, exception and
 * struct the server offers, resolved from plugin declarations (ids, wire names,
 * types, defaults, scene masks, documentation XML). Built once before start;
 * read-only afterwards. */
#ifndef KRPC_REGISTRY_H
#define KRPC_REGISTRY_H

#include "core/protocol.h"
#include "krpc/plugin.h"
#include "util/arena.h"
#include "util/map.h"

#include <stdbool.h>
#include <stdint.h>

/* Wire TypeCodes (krpc.proto Type.TypeCode). */
enum {
    KT_NONE = 0,
    KT_DOUBLE = 1,
    KT_FLOAT = 2,
    KT_SINT32 = 3,
    KT_SINT64 = 4,
    KT_UINT32 = 5,
    KT_UINT64 = 6,
    KT_BOOL = 7,
    KT_STRING = 8,
    KT_BYTES = 9,
    KT_CLASS = 100,
    KT_ENUMERATION = 101,
    KT_STRUCT = 102,
    KT_EVENT = 200,
    KT_PROCEDURE_CALL = 201,
    KT_STREAM = 202,
    KT_STATUS = 203,
    KT_SERVICES = 204,
    KT_TUPLE = 300,
    KT_LIST = 301,
    KT_SET = 302,
    KT_DICTIONARY = 303,
};

typedef struct kservice kservice;
typedef struct kclass kclass;
typedef struct kenum kenum;
typedef struct kstruct kstruct;
typedef struct kproc kproc;
typedef struct kplugin kplugin;

typedef struct ktype ktype;
struct ktype {
    int code;
    /* null allowed at this position. Set on nested positions (element, item,
     * value, struct field) and on the types of 0.7 views; top-level
     * parameters and returns also say it in kparam.nullable/ret_nullable. */
    bool nullable;
    size_t nsub;
    const ktype **sub; /* element types: tuple 1..n, list/set 1, dict key+value */
    const kclass *cls;
    const kenum *enm;
    const kstruct *st;
    const char *dotnet; /* the .NET-style name error messages use */
};

typedef struct kparam {
    const char *name;
    const ktype *type;
    bool nullable;
    bool has_default;
    bool default_null;
    const uint8_t *default_bytes; /* wire encoding of the default */
    size_t default_len;
    krpc_value default_value; /* decoded once; lives in the registry arena */
    const char *doc;
} kparam;

typedef enum kproc_kind {
    KP_PROCEDURE,
    KP_GETTER,
    KP_SETTER,
    KP_METHOD,
    KP_STATIC,
    KP_CLASS_GETTER,
    KP_CLASS_SETTER,
} kproc_kind;

struct kproc {
    kservice *svc;
    const kclass *cls; /* class members */
    kproc_kind kind;
    uint32_t id;
    const char *name;     /* wire name: "TestClass_GetValue" */
    const char *fullname; /* "TestService.TestClass_GetValue" */
    size_t nparams;
    kparam *params;
    const ktype *ret; /* NULL: returns nothing */
    bool ret_nullable;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
    uint32_t scenes;
    bool shared; /* KRPC_SHARED: one evaluation per update serves every stream */
    krpc_procedure_fn fn;
};

struct kclass {
    kservice *svc;
    const char *name;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
    uint32_t scenes;
    const krpc_class_decl *decl; /* equals/hash/release */
    ktype type;
};

typedef struct kenum_value {
    const char *name;
    int32_t value;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
} kenum_value;

struct kenum {
    kservice *svc;
    const char *name;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
    size_t nvalues;
    kenum_value *values;
    ktype type;
};

typedef struct kexception {
    kservice *svc;
    const char *name;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
} kexception;

typedef struct kfield {
    const char *name;
    const ktype *type;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
} kfield;

struct kstruct {
    kservice *svc;
    const char *name;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
    size_t nfields;
    kfield *fields;
    ktype type;
    /* used only by KRPC_V07_ONLY members of its service: pre-0.7 clients do
     * not see it (registry.c mark_v07_only_structs) */
    bool v07_only;
};

struct kservice {
    kplugin *plugin;
    const char *name;
    uint32_t id;
    const char *doc_xml;
    bool deprecated;
    const char *deprecated_reason;
    uint32_t scenes;
    uint8_t gens;            /* KGEN_BIT mask of the protocol generations it serves */
    uint32_t flags;          /* KRPC_SERVICE_* (host API set_service_flags) */
    const char *type_prefix; /* .NET-style prefix for type names in messages */
    size_t nprocs;
    kproc **procs; /* by id - 1 */
    strmap procs_by_name;
    size_t nclasses, nenums, nexceptions, nstructs;
    kclass **classes;
    kenum **enums;
    kexception **exceptions;
    kstruct **structs;
    /* procs[0 .. nprocs_legacy) are the ones pre-0.7 clients see; the rest
     * are KRPC_V07_ONLY (numbered last so the others keep their ids) */
    size_t nprocs_legacy;
};

/* A loaded plugin: its descriptor and what the host keeps for it. */
struct kplugin {
    const krpc_plugin *desc;
    const char *origin; /* file path or "static" */
    void *dl;           /* dlopen handle or NULL */
    void *state;        /* from init */
    size_t noptions;    /* options from the configuration */
    const char **option_keys;
    const char **option_values;
    struct krpc_host *host;
    bool initialised;
    /* built-in plugins only: per declared service, the KGEN_BIT mask of the
     * protocol generations that see it (NULL: every generation) */
    const uint8_t *service_gens;
    /* host API on_client_disconnect */
    krpc_client_disconnect_fn on_disconnect;
    void *on_disconnect_state;
};

typedef struct kregistry {
    arena mem;
    size_t nservices;
    kservice **services; /* registration order */
    /* lookups per protocol generation (core/protocol.h): a service is in the
     * maps of the generations it serves (kservice.gens) */
    strmap by_name_gen[KGEN_COUNT];
    u64map by_id_gen[KGEN_COUNT];
    strmap named_types_gen[KGEN_COUNT]; /* "Service.Name" -> ktype (classes, enums, structs) */
    strmap staged_types_gen[KGEN_COUNT]; /* the same for the plugin being added */
    kservice **staged;   /* services of the plugin being added */
    size_t nstaged;
    size_t nplugins;
    kplugin **plugins;
    /* while a KRPC_V07_ONLY member is built: its types resolve among the
     * names 0.7 clients see (e.g. a class of a 0.7-only service) */
    bool resolve_v07;
} kregistry;

void registry_init(kregistry *r);
void registry_free(kregistry *r);

/* Validate and add every service of a plugin. On failure nothing is added and
 * err (size errlen) says why. */
int registry_add_plugin(kregistry *r, kplugin *plugin, char *err, size_t errlen);
/* The same in two steps, so that a plugin can be initialised between them:
 * stage (validate; nothing visible yet), then commit or abort. */
int registry_stage_plugin(kregistry *r, kplugin *plugin, char *err, size_t errlen);
void registry_commit_plugin(kregistry *r, kplugin *plugin);
void registry_abort_plugin(kregistry *r);

/* Services as a client of generation g sees them. */
const kservice *registry_service_by_name_gen(const kregistry *r, kgen g, const char *name, size_t len);
const kservice *registry_service_by_id_gen(const kregistry *r, kgen g, uint32_t id);
/* The same for pre-0.7 clients (tools). */
const kservice *registry_service_by_name(const kregistry *r, const char *name, size_t len);
const kservice *registry_service_by_id(const kregistry *r, uint32_t id);
const kproc *service_proc_by_name(const kservice *s, const char *name, size_t len);
const kproc *service_proc_by_id(const kservice *s, uint32_t id);
/* The same among the procedures a client of generation g sees. */
const kproc *service_proc_by_name_gen(const kservice *s, kgen g, const char *name, size_t len);
const kproc *service_proc_by_id_gen(const kservice *s, kgen g, uint32_t id);
/* How many of s's procedures (the first ones) a client of generation g sees. */
size_t service_nprocs_gen(const kservice *s, kgen g);
const kexception *registry_exception(const kregistry *r, const kservice *home, const char *name);

/* Service id rule for services without an explicit id. */
uint32_t registry_derive_service_id(const char *name);

/* Parse a type string ("list(sint32)", "TestClass?") in the context of a
 * service; resolves class/enum/struct names. Returns NULL with err set. */
const ktype *type_parse(kregistry *r, const kservice *home, const char *spec, bool *nullable,
                        char *err, size_t errlen);
/* Shared built-in types. */
const ktype *type_builtin(int code);
/* t allowing null (a copy in r's memory; t itself if it already does). */
const ktype *type_nullable(kregistry *r, const ktype *t);

/* Class, enum or struct type by name ("Name" in home's service, or
 * "Service.Name"), among registered services and those being added. */
const ktype *staging_lookup_type(kregistry *r, const kservice *home, const char *name, size_t len);

/* Scene mask helpers. */
const char *scene_mask_name(uint32_t mask, char *buf, size_t len);

#endif
