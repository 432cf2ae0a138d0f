/* Every setting, once: its YAML key, its command-line flag, its type, range
 * and help. The YAML loader and the flag parser both walk this table. */
#include "config/options.h"

#include <stddef.h>

#define SRV(field) offsetof(krpc_server_config, field)
#define EP(field) offsetof(krpc_endpoint_config, field)

const kopt server_options[] = {
    /* scheduler: the reference's names and meanings */
    {"scheduler", "one_rpc_per_update", "one-rpc-per-update", OPT_BOOL, SRV(one_rpc_per_update), 0, 1,
     "execute at most one request per client per update"},
    {"scheduler", "max_time_per_update", "max-time-per-update", OPT_U32, SRV(max_time_per_update_us), 0, 1e7,
     "microseconds of RPC execution per update (adaptive rate control changes it)"},
    {"scheduler", "adaptive_rate_control", "adaptive-rate-control", OPT_BOOL, SRV(adaptive_rate_control), 0, 1,
     "adjust max_time_per_update to keep the update rate"},
    {"scheduler", "blocking_recv", "blocking-recv", OPT_BOOL, SRV(blocking_recv), 0, 1,
     "answer requests as they arrive between updates (else only at updates)"},
    {"scheduler", "recv_timeout", "recv-timeout", OPT_U32, SRV(recv_timeout_us), 0, 1e7,
     "microseconds a blocking receive waits (reported by GetStatus)"},
    {"scheduler", "tick_hold_timeout", "tick-hold-timeout", OPT_U32, SRV(tick_hold_timeout_us), 1, 4e9,
     "microseconds a client may hold the game on one tick (KRPC.HoldTick)"},
    {NULL, "tick_rate", "tick-rate", OPT_DOUBLE, SRV(tick_rate), 0, 10000,
     "updates per second; 0 runs them back to back"},
    {NULL, "game_scene", "game-scene", OPT_SCENE, SRV(game_scene), 0, 0,
     "the game scene: SpaceCenter, Flight, TrackingStation, EditorVAB, ..."},
    {NULL, "version", NULL, OPT_STRING, SRV(version), 0, 0, "version reported by GetStatus (X.Y.Z)"},
    /* limits */
    {"limits", "max_message_size", "max-message-size", OPT_SIZE, SRV(max_message_size), 16, 2147483647.0,
     "bytes of one incoming message"},
    {"limits", "max_clients", "max-clients", OPT_SIZE, SRV(max_clients), 1, 1e9, "RPC clients at once"},
    {"limits", "max_streams_per_client", "max-streams-per-client", OPT_SIZE, SRV(max_streams_per_client), 1, 1e9,
     "streams and events of one client"},
    {"limits", "max_send_buffer", "max-send-buffer", OPT_SIZE, SRV(max_send_buffer), 1024, 1e12,
     "bytes waiting to be sent to one connection before it is dropped"},
    {"limits", "handshake_timeout", "handshake-timeout", OPT_U32, SRV(handshake_timeout_ms), 1, 3.6e6,
     "milliseconds to complete a connection handshake"},
    /* logging */
    {"logging", "level", "log-level", OPT_LOGLEVEL, SRV(log_level), 0, 0, "error, warning, info or debug"},
    {"logging", "requests", "log-requests", OPT_BOOL, SRV(log_requests), 0, 1,
     "log every RPC at debug level"},
    /* the status page */
    {"status_page", "enabled", "status-page", OPT_BOOL, SRV(status_page), 0, 1,
     "serve the status page, /status.json and /metrics over HTTP"},
    {"status_page", "address", "status-address", OPT_STRING, SRV(status_address), 0, 0,
     "address the status page listens on"},
    {"status_page", "port", "status-port", OPT_U16, SRV(status_port), 0, 65535,
     "port of the status page (0 picks a free port)"},
    {0},
};

const kopt endpoint_options[] = {
    {NULL, "protocol", "type", OPT_PROTOCOL, EP(protocol), 0, 0,
     "transport: protobuf (TCP), websockets, localsocket or serialio"},
    {NULL, "address", "bind", OPT_STRING, EP(address), 0, 0, "IPv4 address to listen on"},
    {NULL, "rpc_port", "rpc-port", OPT_U16, EP(rpc_port), 0, 65535, "RPC port (0 picks a free port)"},
    {NULL, "stream_port", "stream-port", OPT_U16, EP(stream_port), 0, 65535,
     "stream port (0 picks a free port)"},
    {NULL, "rpc_path", "rpc-path", OPT_STRING, EP(rpc_path), 0, 0,
     "localsocket: RPC socket path (default $XDG_RUNTIME_DIR/krpc/rpc or /tmp/krpc-<user>/rpc)"},
    {NULL, "stream_path", "stream-path", OPT_STRING, EP(stream_path), 0, 0,
     "localsocket: stream socket path (default $XDG_RUNTIME_DIR/krpc/stream or /tmp/krpc-<user>/stream)"},
    {NULL, "port", "port", OPT_STRING, EP(port), 0, 0, "serialio: serial port device"},
    {NULL, "baud_rate", "baud-rate", OPT_U32, EP(baud_rate), 50, 4000000, "serialio: baud rate (default 9600)"},
    {NULL, "data_bits", "data-bits", OPT_U8, EP(data_bits), 5, 8, "serialio: data bits, 5 to 8 (default 8)"},
    {NULL, "parity", "parity", OPT_PARITY, EP(parity), 0, 0, "serialio: None, Odd, Even, Mark or Space"},
    {NULL, "stop_bits", "stop-bits", OPT_STOP_BITS, EP(stop_bits), 0, 0,
     "serialio: One, Two or OnePointFive (5 data bits only)"},
    {0},
};
