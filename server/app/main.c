/* krpc-server: parse the command line, then run the library. The flags follow
 * the reference test server's (testservice.md 8.1). */
#include "krpc/server.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KRPC_DEFAULT_PLUGIN_DIR
#define KRPC_DEFAULT_PLUGIN_DIR ""
#endif

/* The signal handler's only way to reach the server. */
static krpc_server *running_server;

static void on_signal(int sig) {
    (void)sig;
    if (running_server)
        krpc_server_stop(running_server);
}

static void usage(FILE *f) {
    fprintf(f,
            "Usage: krpc-server [options]\n"
            "  -h, --help              show this help\n"
            "  -v, --version           show the version\n"
            "      --type=TYPE         transport: protobuf (TCP, the default)\n"
            "      --bind=ADDRESS      IPv4 address to listen on (default 127.0.0.1)\n"
            "      --rpc-port=N        RPC port (default 50000; 0 picks a free port)\n"
            "      --stream-port=N     stream port (default 50001; 0 picks a free port)\n"
            "      --plugin=FILE       load a service plugin (repeatable)\n"
            "      --plugin-dir=DIR    load every *.so in DIR (repeatable)\n"
            "      --no-frame-pacing   run updates back to back, no adaptive rate control\n"
            "      --tick-rate=HZ      updates per second (default 60)\n"
            "      --max-message-size=BYTES  largest accepted message (default 64 MiB)\n"
            "      --max-clients=N     most RPC clients at once (default 10000)\n"
            "      --debug             debug logging\n"
            "      --quiet             errors only\n");
}

static int parse_port(const char *s, uint16_t *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

int main(int argc, char **argv) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    const char *plugins[64];
    size_t nplugins = 0;
    const char *dirs[16];
    size_t ndirs = 0;
    enum { O_TYPE = 256, O_BIND, O_RPC, O_STREAM, O_PLUGIN, O_DIR, O_NOPACE, O_TICK, O_DEBUG, O_QUIET, O_MAXMSG, O_MAXCL };
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {"type", required_argument, NULL, O_TYPE},
        {"bind", required_argument, NULL, O_BIND},
        {"rpc-port", required_argument, NULL, O_RPC},
        {"stream-port", required_argument, NULL, O_STREAM},
        {"plugin", required_argument, NULL, O_PLUGIN},
        {"plugin-dir", required_argument, NULL, O_DIR},
        {"no-frame-pacing", no_argument, NULL, O_NOPACE},
        {"tick-rate", required_argument, NULL, O_TICK},
        {"max-message-size", required_argument, NULL, O_MAXMSG},
        {"max-clients", required_argument, NULL, O_MAXCL},
        {"debug", no_argument, NULL, O_DEBUG},
        {"server-debug", no_argument, NULL, O_DEBUG},
        {"quiet", no_argument, NULL, O_QUIET},
        {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            printf("krpc-server version %s\n", krpc_version());
            return 0;
        case O_TYPE:
            if (strcmp(optarg, "protobuf") != 0) {
                fprintf(stderr, "Server type '%s' not supported\n", optarg);
                return 2;
            }
            break;
        case O_BIND:
            cfg.endpoints[0].address = optarg;
            break;
        case O_RPC:
        case O_STREAM:
            if (parse_port(optarg, o == O_RPC ? &cfg.endpoints[0].rpc_port : &cfg.endpoints[0].stream_port)) {
                fprintf(stderr, "Invalid port '%s'\n", optarg);
                return 2;
            }
            break;
        case O_PLUGIN:
            if (nplugins < sizeof plugins / sizeof plugins[0])
                plugins[nplugins++] = optarg;
            break;
        case O_DIR:
            if (ndirs < sizeof dirs / sizeof dirs[0])
                dirs[ndirs++] = optarg;
            break;
        case O_NOPACE:
            cfg.tick_rate = 0;
            cfg.adaptive_rate_control = false;
            break;
        case O_TICK:
            cfg.tick_rate = strtod(optarg, NULL);
            if (cfg.tick_rate <= 0) {
                fprintf(stderr, "Invalid tick rate '%s'\n", optarg);
                return 2;
            }
            break;
        case O_MAXMSG:
            cfg.max_message_size = strtoull(optarg, NULL, 10);
            break;
        case O_MAXCL:
            cfg.max_clients = strtoull(optarg, NULL, 10);
            break;
        case O_DEBUG:
            cfg.log_level = KRPC_LOG_LEVEL_DEBUG;
            break;
        case O_QUIET:
            cfg.log_level = KRPC_LOG_LEVEL_ERROR;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    krpc_server *srv;
    int rc = krpc_server_create(&cfg, &srv);
    if (rc) {
        fprintf(stderr, "Cannot create the server (%d)\n", rc);
        return 1;
    }
    if (!nplugins && !ndirs && *KRPC_DEFAULT_PLUGIN_DIR)
        dirs[ndirs++] = KRPC_DEFAULT_PLUGIN_DIR;
    for (size_t i = 0; i < ndirs; i++)
        krpc_server_load_plugin_dir(srv, dirs[i]);
    for (size_t i = 0; i < nplugins; i++)
        krpc_server_load_plugin(srv, plugins[i]);
    rc = krpc_server_start(srv);
    if (rc) {
        fprintf(stderr, "Cannot start the server (%d)\n", rc);
        krpc_server_destroy(srv);
        return 1;
    }
    printf("type = protobuf\n");
    if (cfg.tick_rate > 0)
        printf("frame pacing = %g updates/s\n", cfg.tick_rate);
    else
        printf("frame pacing = off\n");
    printf("bind = %s\n", cfg.endpoints[0].address);
    printf("rpc_port = %u\n", krpc_server_rpc_port(srv, 0));
    printf("stream_port = %u\n", krpc_server_stream_port(srv, 0));
    printf("Server started successfully\n");
    fflush(stdout);
    running_server = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    krpc_server_run(srv);
    running_server = NULL;
    krpc_server_destroy(srv);
    return 0;
}
