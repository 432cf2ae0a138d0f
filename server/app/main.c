/* krpc-server: read the configuration (file and flags, krpc/config.h), then
 * run the library. The flags include the reference test server's
 * (testservice.md 8.1); the start-up lines are what its harness parses. */
#include "krpc/config.h"
#include "krpc/server.h"

#include <signal.h>
#include <stdio.h>
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

static void print_endpoints(const krpc_config *cfg, krpc_server *srv) {
    for (size_t i = 0; i < cfg->server.n_endpoints; i++) {
        const krpc_endpoint_config *ep = &cfg->server.endpoints[i];
        static const char *types[] = {"protobuf", "websockets", "localsocket", "serialio", "websockets-echo"};
        printf("type = %s\n", (unsigned)ep->protocol < 5 ? types[ep->protocol] : "?");
        if (i == 0) {
            if (cfg->server.tick_rate > 0)
                printf("frame pacing = %g updates/s\n", cfg->server.tick_rate);
            else
                printf("frame pacing = off\n");
        }
        /* the lines the reference test harness reads (testservice.md 8.2) */
        switch (ep->protocol) {
        case KRPC_PROTOCOL_LOCAL_SOCKET:
            printf("rpc_path = %s\n", krpc_server_rpc_path(srv, i));
            printf("stream_path = %s\n", krpc_server_stream_path(srv, i));
            break;
        case KRPC_PROTOCOL_SERIAL:
            printf("port = %s\n", ep->port);
            break;
        default:
            printf("bind = %s\n", ep->address ? ep->address : "127.0.0.1");
            printf("rpc_port = %u\n", krpc_server_rpc_port(srv, i));
            printf("stream_port = %u\n", krpc_server_stream_port(srv, i));
        }
    }
}

int main(int argc, char **argv) {
    krpc_config cfg;
    krpc_config_init(&cfg);
    char err[1024];
    if (krpc_config_parse_args(&cfg, argc, argv, err, sizeof err)) {
        fprintf(stderr, "krpc-server: %s\n", err);
        krpc_config_free(&cfg);
        return 2;
    }
    if (cfg.show_help || cfg.show_version) {
        if (cfg.show_help)
            krpc_config_print_help(stdout);
        else
            printf("krpc-server version %s\n", krpc_version());
        krpc_config_free(&cfg);
        return 0;
    }
    /* without any plugin named, load the installed ones */
    if (!cfg.n_plugins && !cfg.n_plugin_dirs && *KRPC_DEFAULT_PLUGIN_DIR) {
        static char *default_dir[] = {KRPC_DEFAULT_PLUGIN_DIR};
        cfg.plugin_dirs = default_dir;
        cfg.n_plugin_dirs = 1;
    }
    krpc_server *srv;
    int rc = krpc_server_create_from_config(&cfg, &srv);
    if (rc) {
        fprintf(stderr, "krpc-server: cannot create the server (%d)\n", rc);
        krpc_config_free(&cfg);
        return 1;
    }
    rc = krpc_server_start(srv);
    if (rc) {
        fprintf(stderr, "krpc-server: cannot start the server (%d)\n", rc);
        krpc_server_destroy(srv);
        krpc_config_free(&cfg);
        return 1;
    }
    /* handlers first: a harness may send SIGTERM as soon as it reads the ready
     * line, and the socket files of local-socket endpoints must go at stop */
    running_server = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    print_endpoints(&cfg, srv);
    if (krpc_server_status_port(srv))
        printf("status_port = %u\n", krpc_server_status_port(srv));
    printf("Server started successfully\n");
    fflush(stdout);
    krpc_server_run(srv);
    running_server = NULL;
    krpc_server_destroy(srv);
    krpc_config_free(&cfg);
    return 0;
}
