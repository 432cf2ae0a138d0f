/* Fuzz target: the WebSocket transport (transports.md 3): the HTTP upgrade
 * of either port (request line, headers, query parameters, Sec-WebSocket-Key,
 * the stream port's ?id=), then frames (masking, lengths, fragmentation,
 * control frames, close codes, UTF-8 of text and close reasons) carrying
 * Requests into the real server.
 *
 * Input: one flags byte, then the bytes the client sends.
 *   bit 0     the stream port (else the RPC port)
 *   bits 1-4  the bytes arrive in reads of this many bytes (0: all at once)
 *   bit 5     the handshake timeout has passed when the next update runs
 * A WebSocket RPC client whose identifier is 8f3c7a129b44e14da05c31770e2a6bd9
 * (base64 jzx6EptE4U2gXDF3Dipr2Q==) is connected, so that stream upgrades can
 * find it. What the server sends must be an HTTP response and, after a 101,
 * well-formed unmasked frames whose binary messages are Responses (or
 * StreamUpdates). */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    krpc_server *srv = fz_server();
    fz_conn conns[2];
    fz_known_client_open(srv, FZ_WEBSOCKETS, &conns[0]);
    conn_role role = flags & 1 ? ROLE_STREAM : ROLE_RPC;
    fz_conn *fc = &conns[1];
    fz_conn_open_ep(fc, srv, FZ_WEBSOCKETS, role, role == ROLE_RPC ? FZ_WEBSOCKET_RPC : FZ_WEBSOCKET_STREAM);
    size_t chunk = (flags >> 1) & 15;
    if (!chunk)
        chunk = size ? size : 1;
    for (size_t at = 0; at < size; at += chunk) {
        size_t n = size - at < chunk ? size - at : chunk;
        fz_conn_feed(fc, data + at, n);
        if ((at / chunk) % 64 == 63)
            fz_drain(srv, conns, 2); /* now and then: the socketpair holds the rest */
    }
    fz_settle(srv, conns, 2);
    if (flags & 0x20 && fc->c)
        fc->c->opened_ns -= (uint64_t)srv->cfg.handshake_timeout_ms * 1000000u + 1;
    for (int i = 0; i < 2; i++) {
        fz_tick(srv);
        fz_settle(srv, conns, 2);
    }
    fz_conn_close(srv, fc);
    fz_conn_close(srv, &conns[0]);
    fz_tick(srv);
    fz_check_clean(srv);
    return 0;
}
