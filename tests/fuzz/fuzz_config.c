/* Fuzz target: the configuration loader (krpc_config_load_string, the YAML
 * file's reader) and the command-line flags (krpc_config_parse_args), then
 * krpc_server_create on whatever configuration they accepted.
 *
 * Input: a first byte 'A' makes the rest command-line arguments, one per
 * line (without any that would read a file: --config); otherwise the input
 * is a YAML document. */
#include "krpc/config.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *data, krpc_log_level level, const char *message) {
    (void)data;
    (void)level;
    (void)message;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    krpc_config cfg;
    krpc_config_init(&cfg);
    char err[512];
    int rc;
    if (size && text[0] == 'A') {
        char *argv[64];
        int argc = 0;
        argv[argc++] = (char *)"krpc-server";
        for (char *line = strtok(text + 1, "\n"); line && argc < 63; line = strtok(NULL, "\n")) {
            if (strstr(line, "config"))
                continue; /* would read a file */
            argv[argc++] = line;
        }
        argv[argc] = NULL;
        rc = krpc_config_parse_args(&cfg, argc, argv, err, sizeof err);
    } else {
        rc = krpc_config_load_string(&cfg, text, "fuzz.yaml", err, sizeof err);
    }
    if (rc == 0) {
        cfg.server.log_fn = quiet;
        krpc_server *srv;
        if (krpc_server_create(&cfg.server, &srv) == 0)
            krpc_server_destroy(srv);
    } else if (!memchr(err, 0, sizeof err) || !err[0]) {
        abort(); /* a failure must say why */
    }
    krpc_config_free(&cfg);
    free(text);
    return 0;
}
