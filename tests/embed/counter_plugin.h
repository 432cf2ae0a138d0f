/* The static plugin both embedding tests register: a Counter service whose
 * state is per server, named by the user data it was registered with. */
#ifndef KRPC_TEST_COUNTER_PLUGIN_H
#define KRPC_TEST_COUNTER_PLUGIN_H

#include <krpc/plugin.h>

/* Counter.Name() -> string: the user data (a string); Counter.Increment() ->
 * sint32: counts calls in this server. */
extern const krpc_plugin counter_plugin;

#endif
