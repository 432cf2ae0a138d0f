/* Fuzz target: the serial transport (transports.md 4): the multiplexed
 * handshake (MultiplexedRequest{connection_request} answered by a bare
 * ConnectionResponse), MultiplexedRequest{request} into the real server,
 * reconnects, garbage between attempts, and stream updates sent as
 * MultiplexedResponse{stream_update}. The port is one end of a
 * socketpair; the harness writes the input to the other end and reads
 * back what the server writes, which must be a sequence of well-formed framed
 * ConnectionResponse / MultiplexedResponse messages.
 *
 * Input: one flags byte, then the bytes the client sends.
 *   bits 1-4  v: the bytes arrive in writes of 2^(v-1) bytes, or of a 64th
 *             of the input if that is more (0: all at once)
 *   bit 5     the handshake timeout has passed when the next update runs
 * Each input starts on a freshly opened port (no client, nothing pending). */
#include "fuzz_server.h"

#include "krpc.pb-c.h"
#include "net/framing.h"
#include "net/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server's port for an input is one end of a socketpair (master is the
 * other; slave a duplicate of the server's end, to see what it has not read
 * yet). The pseudo-terminal only lets the server start with a serial
 * endpoint: its system calls made this target the slowest by far, and the
 * termios set-up is the integration tests' (socat ptys). */
static int pty_master = -1, pty_slave = -1;
static int master = -1, slave = -1;
static kbuf out; /* read from the port, not yet a whole message */
static bool verbose;

static void open_pty(void) {
    static char name[128];
    struct termios tio;
    if (openpty(&pty_master, &pty_slave, name, NULL, NULL) != 0) {
        perror("fuzz_serial: openpty");
        abort();
    }
    tcgetattr(pty_master, &tio);
    cfmakeraw(&tio);
    tcsetattr(pty_master, TCSANOW, &tio);
    fz_serial_port = name;
    verbose = getenv("KRPC_FUZZ_VERBOSE") && *getenv("KRPC_FUZZ_VERBOSE");
}

static void check_output(void) {
    for (;;) {
        size_t header, len;
        frame_status st = frame_parse(out.data, out.len, 0x7fffffff, &header, &len);
        if (st == FRAME_INCOMPLETE)
            return;
        if (st != FRAME_OK) {
            fprintf(stderr, "fuzz_serial: the server sent a malformed length prefix\n");
            abort();
        }
        const uint8_t *m = out.data + header;
        ProtobufCMessage *msg = (ProtobufCMessage *)krpc__schema__multiplexed_response__unpack(NULL, len, m);
        if (!msg)
            msg = (ProtobufCMessage *)krpc__schema__connection_response__unpack(NULL, len, m);
        if (!msg) {
            fprintf(stderr, "fuzz_serial: a message of %zu bytes from the server parses as neither a "
                            "MultiplexedResponse nor a ConnectionResponse\n", len);
            abort();
        }
        if (verbose)
            fprintf(stderr, "fuzz_serial: message of %zu bytes\n", len);
        protobuf_c_message_free_unpacked(msg, NULL);
        kbuf_consume(&out, header + len);
    }
}

/* Take in what the server wrote so far; true if there was something. */
static bool drain(void) {
    uint8_t buf[4096];
    ssize_t n;
    bool got = false;
    while ((n = read(master, buf, sizeof buf)) > 0) {
        kbuf_append(&out, buf, (size_t)n);
        got = true;
    }
    if (got)
        check_output();
    return got;
}

/* Run the loop until the server has read everything written to the port and
 * nothing more comes out of it. One quiet round is enough: a socketpair
 * delivers each write at once. */
static void settle(krpc_server *srv) {
    for (int idle = 0, round = 0; idle < 1 && round < 10000; round++) {
        uv_run(&srv->loop, UV_RUN_NOWAIT);
        bool got = drain();
        int pending = 0;
        ioctl(slave, FIONREAD, &pending);
        idle = got || pending ? 0 : idle + 1;
    }
}

/* Run the loop until the server has read all that was written to the port
 * (so that the next chunk arrives in a read of its own). Cheaper than
 * settle(), which also waits for the server's output to stop: the time of a
 * pseudo-terminal's system calls is most of this target's. */
static void consume(krpc_server *srv) {
    for (int round = 0, last = -1, still = 0; round < 10000 && still < 3; round++) {
        int pending = 0;
        ioctl(slave, FIONREAD, &pending); /* also lets the tty layer deliver */
        if (!pending)
            break;
        still = pending == last ? still + 1 : 0; /* the server stopped reading (flow control) */
        last = pending;
        uv_run(&srv->loop, UV_RUN_NOWAIT);
        drain();
    }
    drain();
}

static void send_bytes(krpc_server *srv, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(master, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            perror("fuzz_serial: write");
            abort();
        }
        if (n)
            settle(srv); /* the port is full: let the server read and answer */
        else
            consume(srv);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    if (pty_master < 0)
        open_pty();
    uint8_t flags = data[0];
    data++;
    size--;
    krpc_server *srv = fz_server();
    /* a fresh port: no client, no attempt under way, nothing buffered */
    kendpoint *ep = &srv->endpoints[FZ_SERIAL];
    if (ep->serial) {
        serial_endpoint_stop(ep);
        uv_run(&srv->loop, UV_RUN_NOWAIT);
    }
    fz_check_clean(srv);
    out.len = 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0 ||
        (slave = dup(sv[1])) < 0) {
        perror("fuzz_serial: socketpair");
        abort();
    }
    master = sv[0];
    if (serial_endpoint_start_fd(ep, sv[1]) != 0) {
        fprintf(stderr, "fuzz_serial: cannot attach the port\n");
        abort();
    }
    size_t chunk = (flags >> 1) & 15;
    chunk = chunk ? (size_t)1 << (chunk - 1) : size ? size : 1;
    if (chunk < size / 64)
        chunk = size / 64; /* at most 64 writes (+1): each costs system calls on both sides */
    for (size_t at = 0; at < size; at += chunk)
        send_bytes(srv, data + at, size - at < chunk ? size - at : chunk);
    settle(srv);
    if ((flags & 0x20) && ep->serial) {
        /* as if the attempt had started longer than the timeout ago: with a
         * limit of 0 any attempt is past it (no sleeping, which capped the
         * target at a few hundred inputs a second) */
        krpc_server_config *cfg = &srv->cfg;
        uint32_t saved = cfg->handshake_timeout_ms;
        cfg->handshake_timeout_ms = 0;
        fz_tick(srv);
        cfg->handshake_timeout_ms = saved;
        settle(srv);
    }
    for (int i = 0; i < 2; i++) {
        fz_tick(srv);
        settle(srv);
    }
    serial_endpoint_stop(ep);
    uv_run(&srv->loop, UV_RUN_NOWAIT);
    close(master);
    close(slave);
    master = slave = -1;
    fz_tick(srv);
    fz_check_clean(srv);
    return 0;
}
