#include "registry/servicedefs.h"

#include "krpc.pb-c.h"

#include <string.h>

typedef struct sd {
    arena *a;
    kgen gen; /* the protocol generation the description is for */
} sd;

static char *str(const char *s) { return (char *)(s ? s : ""); }

/* A Type message; nullable: the position allows null. For 0.7 clients the
 * flag is Type.nullable, at every position (v070-final.md 2.2); older
 * clients read it from Parameter.nullable / Procedure.return_is_nullable
 * and have no nested nulls. */
static Krpc__Schema__Type *type_msg(sd *c, const ktype *t, bool nullable) {
    Krpc__Schema__Type *m = arena_alloc(c->a, sizeof *m);
    krpc__schema__type__init(m);
    m->code = (Krpc__Schema__Type__TypeCode)t->code;
    if (c->gen >= KGEN_V07)
        m->nullable = nullable || t->nullable;
    const kservice *svc = NULL;
    const char *name = NULL;
    if (t->code == KT_CLASS)
        svc = t->cls->svc, name = t->cls->name;
    else if (t->code == KT_ENUMERATION)
        svc = t->enm->svc, name = t->enm->name;
    else if (t->code == KT_STRUCT)
        svc = t->st->svc, name = t->st->name;
    if (svc) {
        m->service = str(svc->name);
        m->name = str(name);
    }
    if (t->nsub) {
        m->n_types = t->nsub;
        m->types = arena_alloc(c->a, t->nsub * sizeof *m->types);
        for (size_t i = 0; i < t->nsub; i++)
            m->types[i] = type_msg(c, t->sub[i], false);
    }
    return m;
}

static Krpc__Schema__Procedure *proc_msg(sd *c, const kproc *p) {
    Krpc__Schema__Procedure *m = arena_alloc(c->a, sizeof *m);
    krpc__schema__procedure__init(m);
    m->name = str(p->name);
    m->n_parameters = p->nparams;
    m->parameters = arena_alloc(c->a, (p->nparams ? p->nparams : 1) * sizeof *m->parameters);
    for (size_t i = 0; i < p->nparams; i++) {
        const kparam *kp = &p->params[i];
        Krpc__Schema__Parameter *pm = arena_alloc(c->a, sizeof *pm);
        krpc__schema__parameter__init(pm);
        pm->name = str(kp->name);
        pm->type = type_msg(c, kp->type, kp->nullable);
        if (c->gen == KGEN_LEGACY)
            pm->nullable = kp->nullable;
        pm->has_default_value = kp->has_default;
        pm->default_value_is_null = kp->default_null;
        if (kp->has_default && !kp->default_null) {
            pm->default_value.data = (uint8_t *)kp->default_bytes;
            pm->default_value.len = kp->default_len;
        } else if (kp->default_null && kp->type->code == KT_CLASS && (p->svc->flags & KRPC_SERVICE_NULL_AS_ID0)) {
            /* clients before 0.7 know a default only by its bytes: object id 0 is their null */
            static uint8_t id0 = 0;
            pm->default_value.data = &id0;
            pm->default_value.len = 1;
        }
        m->parameters[i] = pm;
    }
    if (p->ret) {
        m->return_type = type_msg(c, p->ret, p->ret_nullable);
        if (c->gen == KGEN_LEGACY)
            m->return_is_nullable = p->ret_nullable;
    }
    m->documentation = str(p->doc_xml);
    if ((p->scenes & KRPC_SCENE_ALL) != KRPC_SCENE_ALL) {
        m->game_scenes = arena_alloc(c->a, 10 * sizeof *m->game_scenes);
        for (int i = 0; i < 10; i++)
            if (p->scenes & (1u << i))
                m->game_scenes[m->n_game_scenes++] = (Krpc__Schema__Procedure__GameScene)i;
    }
    m->deprecated = p->deprecated;
    m->deprecated_reason = str(p->deprecated_reason);
    return m;
}

static Krpc__Schema__Service *service_msg(sd *c, const kservice *s) {
    Krpc__Schema__Service *m = arena_alloc(c->a, sizeof *m);
    krpc__schema__service__init(m);
    m->name = str(s->name);
    m->documentation = str(s->doc_xml);
    m->deprecated = s->deprecated;
    m->deprecated_reason = str(s->deprecated_reason);
    m->n_procedures = service_nprocs_gen(s, c->gen); /* the first ones: those the client sees */
    m->procedures = arena_alloc(c->a, (m->n_procedures ? m->n_procedures : 1) * sizeof *m->procedures);
    for (size_t i = 0; i < m->n_procedures; i++)
        m->procedures[i] = proc_msg(c, s->procs[i]);
    m->n_classes = s->nclasses;
    m->classes = arena_alloc(c->a, (s->nclasses ? s->nclasses : 1) * sizeof *m->classes);
    for (size_t i = 0; i < s->nclasses; i++) {
        const kclass *k = s->classes[i];
        Krpc__Schema__Class *cm = arena_alloc(c->a, sizeof *cm);
        krpc__schema__class__init(cm);
        cm->name = str(k->name);
        cm->documentation = str(k->doc_xml);
        cm->deprecated = k->deprecated;
        cm->deprecated_reason = str(k->deprecated_reason);
        m->classes[i] = cm;
    }
    m->n_enumerations = s->nenums;
    m->enumerations = arena_alloc(c->a, (s->nenums ? s->nenums : 1) * sizeof *m->enumerations);
    for (size_t i = 0; i < s->nenums; i++) {
        const kenum *e = s->enums[i];
        Krpc__Schema__Enumeration *em = arena_alloc(c->a, sizeof *em);
        krpc__schema__enumeration__init(em);
        em->name = str(e->name);
        em->documentation = str(e->doc_xml);
        em->deprecated = e->deprecated;
        em->deprecated_reason = str(e->deprecated_reason);
        em->n_values = e->nvalues;
        em->values = arena_alloc(c->a, (e->nvalues ? e->nvalues : 1) * sizeof *em->values);
        for (size_t j = 0; j < e->nvalues; j++) {
            Krpc__Schema__EnumerationValue *vm = arena_alloc(c->a, sizeof *vm);
            krpc__schema__enumeration_value__init(vm);
            vm->name = str(e->values[j].name);
            vm->value = e->values[j].value;
            vm->documentation = str(e->values[j].doc_xml);
            vm->deprecated = e->values[j].deprecated;
            vm->deprecated_reason = str(e->values[j].deprecated_reason);
            em->values[j] = vm;
        }
        m->enumerations[i] = em;
    }
    m->n_exceptions = s->nexceptions;
    m->exceptions = arena_alloc(c->a, (s->nexceptions ? s->nexceptions : 1) * sizeof *m->exceptions);
    for (size_t i = 0; i < s->nexceptions; i++) {
        const kexception *x = s->exceptions[i];
        Krpc__Schema__Exception *xm = arena_alloc(c->a, sizeof *xm);
        krpc__schema__exception__init(xm);
        xm->name = str(x->name);
        xm->documentation = str(x->doc_xml);
        xm->deprecated = x->deprecated;
        xm->deprecated_reason = str(x->deprecated_reason);
        m->exceptions[i] = xm;
    }
    m->structs = arena_alloc(c->a, (s->nstructs ? s->nstructs : 1) * sizeof *m->structs);
    for (size_t i = 0; i < s->nstructs; i++) {
        const kstruct *st = s->structs[i];
        if (st->v07_only && c->gen == KGEN_LEGACY)
            continue; /* new in 0.7 (registry.c mark_v07_only_structs) */
        Krpc__Schema__Struct *sm = arena_alloc(c->a, sizeof *sm);
        krpc__schema__struct__init(sm);
        sm->name = str(st->name);
        sm->documentation = str(st->doc_xml);
        sm->deprecated = st->deprecated;
        sm->deprecated_reason = str(st->deprecated_reason);
        sm->n_fields = st->nfields;
        sm->fields = arena_alloc(c->a, (st->nfields ? st->nfields : 1) * sizeof *sm->fields);
        for (size_t j = 0; j < st->nfields; j++) {
            Krpc__Schema__StructField *fm = arena_alloc(c->a, sizeof *fm);
            krpc__schema__struct_field__init(fm);
            fm->name = str(st->fields[j].name);
            fm->type = type_msg(c, st->fields[j].type, false);
            fm->documentation = str(st->fields[j].doc_xml);
            fm->deprecated = st->fields[j].deprecated;
            fm->deprecated_reason = str(st->fields[j].deprecated_reason);
            sm->fields[j] = fm;
        }
        m->structs[m->n_structs++] = sm;
    }
    return m;
}

void servicedefs_encode(const kregistry *r, kgen gen, kbuf *out) {
    arena a;
    arena_init(&a);
    sd c = {&a, gen};
    Krpc__Schema__Services msg;
    krpc__schema__services__init(&msg);
    msg.services = arena_alloc(&a, (r->nservices ? r->nservices : 1) * sizeof *msg.services);
    for (size_t i = 0; i < r->nservices; i++)
        if (r->services[i]->gens & KGEN_BIT(gen))
            msg.services[msg.n_services++] = service_msg(&c, r->services[i]);
    size_t n = krpc__schema__services__get_packed_size(&msg);
    kbuf_reserve(out, n);
    krpc__schema__services__pack(&msg, out->data + out->len);
    out->len += n;
    arena_free(&a);
}
