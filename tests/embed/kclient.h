/* A minimal blocking kRPC client for the embedding tests: TCP handshakes,
 * calls by name with pre-encoded arguments, stream updates, and checks that
 * the server ended a connection in order. */
#ifndef KRPC_TEST_KCLIENT_H
#define KRPC_TEST_KCLIENT_H

#include "krpc.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kc {
    int rpc;
    int stream; /* -1 without a stream connection */
    uint8_t id[16];
} kc;

/* An encoded value (at most 64 bytes here). */
typedef struct kc_value {
    uint8_t data[64];
    size_t len;
} kc_value;

kc_value kc_bool(bool b);
kc_value kc_sint32(int32_t v); /* also enums */
kc_value kc_uint32(uint32_t v);
kc_value kc_double(double d);
kc_value kc_string(const char *s);

/* Connect (and join the stream port if stream_port != 0). 0 or -1. */
int kc_connect(kc *c, uint16_t rpc_port, uint16_t stream_port, const char *name);
void kc_close(kc *c);

/* Send one call; returns the Response (free with
 * krpc__schema__response__free_unpacked(r, NULL)) or NULL if the connection
 * failed. */
Krpc__Schema__Response *kc_call(kc *c, const char *service, const char *procedure, size_t nargs,
                                const kc_value *args);
/* Send a call without waiting for its response / read a response. */
int kc_send_call(kc *c, const char *service, const char *procedure, size_t nargs, const kc_value *args);
Krpc__Schema__Response *kc_recv_response(kc *c);
/* The next stream update (NULL on error or timeout). */
Krpc__Schema__StreamUpdate *kc_recv_stream_update(kc *c, int timeout_ms);

/* Decoders for result values. */
int32_t kc_dec_sint32(const ProtobufCBinaryData *v);
uint64_t kc_dec_uint64(const ProtobufCBinaryData *v);
bool kc_dec_bool(const ProtobufCBinaryData *v);
double kc_dec_double(const ProtobufCBinaryData *v);
/* A string value into buf (NUL-terminated, truncated). */
const char *kc_dec_string(const ProtobufCBinaryData *v, char *buf, size_t size);

/* True if the server closed fd in order (recv gives 0) within timeout_ms,
 * after any bytes still unread. */
bool kc_closed_in_order(int fd, int timeout_ms);

#endif
