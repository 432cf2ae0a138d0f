/* Streams and events (semantics.md 9-10): registered calls re-evaluated in
 * each update's stream phase, whose changed values go to the client's stream
 * connection as one StreamUpdate. */
#ifndef KRPC_STREAMS_H
#define KRPC_STREAMS_H

#include "core/server_internal.h"

/* The KRPC service's stream procedures. */
int streams_krpc_add_stream(krpc_call *call, const krpc_value *args, krpc_value *result);
int streams_krpc_start_stream(krpc_call *call, const krpc_value *args, krpc_value *result);
int streams_krpc_set_stream_rate(krpc_call *call, const krpc_value *args, krpc_value *result);
int streams_krpc_remove_stream(krpc_call *call, const krpc_value *args, krpc_value *result);
int streams_krpc_add_event(krpc_call *call, const krpc_value *args, krpc_value *result);

/* Host API: events for plugins. */
krpc_event *streams_event_create(krpc_call *call, krpc_event_condition_fn condition, void *state,
                                 void (*free_state)(void *), krpc_value *result);
void streams_event_trigger(krpc_event *event);
void streams_event_remove(krpc_event *event);
void streams_event_release(krpc_event *event);

/* A server-side condition (KRPC.AddEvent): evaluated in the owning client's
 * context; sets *fire, or returns -1 with err set (the event then fails). */
typedef int (*kcondition_fn)(krpc_server *srv, kclient *client, void *state, arena *a, bool *fire,
                             kerror *err);
/* Create an event with a server-side condition for the calling client. The
 * host holds the only reference: do not release the returned handle. On
 * failure (NULL) state is still the caller's. */
krpc_event *streams_event_create_internal(krpc_call *call, kcondition_fn condition, void *state,
                                          void (*free_state)(void *), krpc_value *result);

/* A stream of a server-side function (KRPC.AddFunctionStream): evaluated in
 * the owning client's context every update; fills *is_null or value, or
 * returns -1 with err set (the stream then ends with that error). */
typedef int (*kvalue_fn)(krpc_server *srv, kclient *client, void *state, arena *a, bool *is_null, kbuf *value,
                         kerror *err);
/* Create such a stream for the calling client, started; every call makes a
 * new stream. On failure (KRPC_ERROR, raised) state is still the caller's. */
int streams_function_create(krpc_call *call, kvalue_fn fn, void *state, void (*free_state)(void *),
                            krpc_value *result);

/* Each update: evaluate started streams, send what changed. */
void streams_phase(krpc_server *srv);
/* The client's stream connection closed: remove all its streams. */
void streams_client_gone(krpc_server *srv, kclient *client);
/* Server shutdown. */
void streams_free_all(krpc_server *srv);

#define NO_STREAM_CLIENT_TEXT "No stream client is connected for this RPC client"
#define NO_SUCH_STREAM_TEXT "Stream does not exist with this id"

#endif
