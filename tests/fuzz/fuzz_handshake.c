/* Fuzz target: the ConnectionRequest handshake of the framed transports
 * (transports.md 1.3-1.4) on a connection of the real server, then whatever
 * follows it on that connection (requests pipelined behind the handshake).
 *
 * Input: one flags byte, then the bytes the client sends.
 *   bit 0     the stream port (else the RPC port)
 *   bits 1-4  the bytes arrive in reads of this many bytes (0: all at once)
 *   bit 5     the handshake timeout has passed when the next update runs
 * An RPC client whose identifier is 8f3c7a129b44e14da05c31770e2a6bd9 (the
 * id of the spec's worked examples) is connected, so that stream handshakes
 * can find it. Everything the server sends back must be a well-formed
 * ConnectionResponse followed by Responses (or StreamUpdates). */
#include "fuzz_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    krpc_server *srv = fz_server();
    fz_conn conns[3]; /* the known client's rpc and stream, the fuzzed one */
    fz_known_client_open(srv, FZ_TCP, &conns[0]);
    conn_role role = flags & 1 ? ROLE_STREAM : ROLE_RPC;
    fz_conn *fc = &conns[1];
    fz_conn_open(fc, srv, role, role == ROLE_RPC ? FZ_HANDSHAKE_THEN_RESPONSES : FZ_STREAM_HANDSHAKE_THEN_UPDATES);
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
    fz_tick(srv);
    fz_settle(srv, conns, 2);
    fz_tick(srv);
    fz_settle(srv, conns, 2);
    fz_conn_close(srv, fc);
    fz_conn_close(srv, &conns[0]);
    fz_tick(srv);
    fz_check_clean(srv);
    return 0;
}
