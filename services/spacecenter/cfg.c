/*
 * cfg.c - a reader for the data files: KSP's ConfigNode layout, one
 * "key = value" or node name per line, nodes in braces, // comments.
 *
 *     PART
 *     {
 *         name = fuelTank3-2
 *         RESOURCE { name = LiquidFuel
 *                    max = 2880 }          <- not allowed: one item per line
 *     }
 *
 * The braces may follow the node name on the same line ("PART {").
 */
#include "sc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_range(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void trim(const char **s, size_t *n) {
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1])) {
        (*n)--;
    }
}

static sc_cfg *node_new(const char *name, size_t n) {
    sc_cfg *node = calloc(1, sizeof *node);
    if (node == NULL) {
        return NULL;
    }
    node->name = dup_range(name, n);
    if (node->name == NULL) {
        free(node);
        return NULL;
    }
    return node;
}

static bool add_child(sc_cfg *parent, sc_cfg *child) {
    sc_cfg **grown = realloc(parent->children, (parent->nchildren + 1) * sizeof *grown);
    if (grown == NULL) {
        return false;
    }
    parent->children = grown;
    parent->children[parent->nchildren++] = child;
    return true;
}

static bool add_value(sc_cfg *node, const char *k, size_t kn, const char *v, size_t vn) {
    char **keys = realloc(node->keys, (node->nkeys + 1) * sizeof *keys);
    if (keys == NULL) {
        return false;
    }
    node->keys = keys;
    char **values = realloc(node->values, (node->nkeys + 1) * sizeof *values);
    if (values == NULL) {
        return false;
    }
    node->values = values;
    char *kd = dup_range(k, kn);
    char *vd = dup_range(v, vn);
    if (kd == NULL || vd == NULL) {
        free(kd);
        free(vd);
        return false;
    }
    node->keys[node->nkeys] = kd;
    node->values[node->nkeys] = vd;
    node->nkeys++;
    return true;
}

void sc_cfg_free(sc_cfg *node) {
    if (node == NULL) {
        return;
    }
    for (size_t i = 0; i < node->nkeys; i++) {
        free(node->keys[i]);
        free(node->values[i]);
    }
    for (size_t i = 0; i < node->nchildren; i++) {
        sc_cfg_free(node->children[i]);
    }
    free(node->keys);
    free(node->values);
    free(node->children);
    free(node->name);
    free(node);
}

sc_cfg *sc_cfg_parse_file(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s", path);
        return NULL;
    }
    sc_cfg *root = node_new("", 0);
    sc_cfg *stack[32];
    int depth = 0;
    char pending[128] = "";
    bool has_pending = false;
    char line[1024];
    int lineno = 0;
    if (root == NULL) {
        goto oom;
    }
    stack[0] = root;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *comment = strstr(line, "//");
        if (comment != NULL) {
            *comment = '\0';
        }
        const char *s = line;
        size_t n = strlen(line);
        trim(&s, &n);
        if (n == 0) {
            continue;
        }
        bool open = false;
        if (s[n - 1] == '{') {
            open = true;
            n--;
            trim(&s, &n);
        }
        if (n == 1 && s[0] == '}') {
            if (depth == 0) {
                snprintf(err, errlen, "%s:%d: unmatched '}'", path, lineno);
                goto fail;
            }
            depth--;
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (eq != NULL && !open) {
            const char *k = s, *v = eq + 1;
            size_t kn = (size_t)(eq - s), vn = n - kn - 1;
            trim(&k, &kn);
            trim(&v, &vn);
            if (!add_value(stack[depth], k, kn, v, vn)) {
                goto oom;
            }
            continue;
        }
        if (open) {
            const char *name = s;
            size_t nn = n;
            if (nn == 0 && has_pending) {
                name = pending;
                nn = strlen(pending);
            } else if (nn == 0) {
                snprintf(err, errlen, "%s:%d: '{' without a node name", path, lineno);
                goto fail;
            }
            if (depth + 1 >= (int)(sizeof stack / sizeof stack[0])) {
                snprintf(err, errlen, "%s:%d: nested too deeply", path, lineno);
                goto fail;
            }
            sc_cfg *child = node_new(name, nn);
            if (child == NULL || !add_child(stack[depth], child)) {
                sc_cfg_free(child);
                goto oom;
            }
            stack[++depth] = child;
            has_pending = false;
            continue;
        }
        if (n >= sizeof pending) {
            snprintf(err, errlen, "%s:%d: name too long", path, lineno);
            goto fail;
        }
        memcpy(pending, s, n);
        pending[n] = '\0';
        has_pending = true;
    }
    if (depth != 0) {
        snprintf(err, errlen, "%s: missing '}'", path);
        goto fail;
    }
    fclose(f);
    return root;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    fclose(f);
    sc_cfg_free(root);
    return NULL;
}

const char *sc_cfg_get(const sc_cfg *node, const char *key) {
    for (size_t i = 0; i < node->nkeys; i++) {
        if (strcmp(node->keys[i], key) == 0) {
            return node->values[i];
        }
    }
    return NULL;
}

double sc_cfg_num(const sc_cfg *node, const char *key, double fallback) {
    const char *v = sc_cfg_get(node, key);
    if (v == NULL || *v == '\0') {
        return fallback;
    }
    char *end;
    double d = strtod(v, &end);
    return end == v ? fallback : d;
}

bool sc_cfg_bool(const sc_cfg *node, const char *key, bool fallback) {
    const char *v = sc_cfg_get(node, key);
    if (v == NULL) {
        return fallback;
    }
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "1") == 0) {
        return true;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "0") == 0) {
        return false;
    }
    return fallback;
}

int sc_parse_nums(const char *text, double *out, int n) {
    int count = 0;
    const char *p = text;
    while (count < n && p != NULL && *p != '\0') {
        char *end;
        double d = strtod(p, &end);
        if (end == p) {
            break;
        }
        out[count++] = d;
        p = end;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == ',') {
            p++;
        }
    }
    return count;
}

int sc_cfg_nums(const sc_cfg *node, const char *key, double *out, int n) {
    const char *v = sc_cfg_get(node, key);
    return v == NULL ? 0 : sc_parse_nums(v, out, n);
}
