/*
 * testplugin.h - what the test plugins of tests/plugins share: the sentinel
 * entry of the declaration tables and a few result helpers. Each test plugin
 * exercises one feature of krpc/plugin.h; tests/integration/test_plugins.py
 * loads them into the real server.
 */
#ifndef KRPC_TESTPLUGIN_H
#define KRPC_TESTPLUGIN_H

#include <krpc/plugin.h>

#include <stdio.h>
#include <string.h>

#define END \
    { 0 }

#define PROC(name) static int name(krpc_call *call, const krpc_value *args, krpc_value *result)

/* A NUL-terminated string result, copied into call memory. */
static inline int tp_string(krpc_call *call, krpc_value *result, const char *s) {
    krpc_set_string(call, result, s, strlen(s));
    return KRPC_OK;
}

#endif /* KRPC_TESTPLUGIN_H */
