/* Fuzz target: Request decoding and dispatch into the KRPC service and the
 * TestService (request_decode, call lookup, argument decoding and binding,
 * execution, continuations, streams and events, response encoding), through
 * the scheduler of the real server, for a client with an RPC and a stream
 * connection.
 *
 * Input: one flags byte, then
 *   bit 0 clear: the body of one Request (the harness adds the length prefix);
 *   bit 0 set:   raw bytes of the RPC connection after its handshake, i.e.
 *                any number of varint-framed Requests (conformance vectors);
 *   bits 1-2:    updates run after the input (0-3), for continuations and
 *                stream updates.
 * Objects 1 ("a") and 2 ("b") of TestService.TestClass exist, and object 3
 * has been destroyed, so that object ids in the corpus mean something.
 * Everything the server sends must parse as Responses / StreamUpdates, and
 * once the client has gone nothing of it may be left in the server. */
#include "fuzz_server.h"

#include "util/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    krpc_server *srv = fz_server();
    fz_setup_objects(srv);
    fz_conn conns[2];
    fz_client_open(srv, &conns[0], &conns[1]);
    if (flags & 1) {
        fz_conn_feed(&conns[0], data, size);
    } else {
        uint8_t prefix[VARINT_MAX];
        size_t h = varint_encode(prefix, size);
        uint8_t *framed = malloc(h + size + 1);
        memcpy(framed, prefix, h);
        if (size)
            memcpy(framed + h, data, size);
        fz_conn_feed(&conns[0], framed, h + size);
        free(framed);
    }
    fz_settle(srv, conns, 2);
    for (int i = 0; i < ((flags >> 1) & 3); i++) {
        fz_tick(srv);
        fz_settle(srv, conns, 2);
    }
    fz_conn_close(srv, &conns[0]);
    fz_conn_close(srv, &conns[1]);
    fz_tick(srv);
    fz_check_clean(srv);
    return 0;
}
