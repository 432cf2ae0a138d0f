/* The status page: libwebsockets serves HTTP on the server's own libuv loop
 * (a foreign loop, so one thread still does everything). Pages:
 *   /             HTML that polls /status.json and shows it live
 *   /status.json  servers, clients, rates, time per update
 *   /metrics      the same in the Prometheus text format
 *   POST /clients/<id-hex>/disconnect   an operator closes a client
 * It binds to loopback unless configured otherwise. */
#include "status/status_page.h"

#include "core/server_internal.h"
#include "util/buf.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char page_html[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>krpc-c status</title>\n"
    "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#eee}"
    ".n{text-align:right}</style></head><body>\n"
    "<h1>krpc-c <span id=\"version\"></span></h1>\n"
    "<p id=\"summary\">loading...</p>\n<h2>Servers</h2><table id=\"servers\"></table>\n"
    "<h2>Clients</h2><table id=\"clients\"></table>\n"
    "<script>\n"
    "function esc(s){return String(s).replace(/[&<>\"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;'}[c]))}\n"
    "function rows(el,head,items){el.innerHTML='<tr>'+head.map(h=>'<th>'+h+'</th>').join('')+'</tr>'+"
    "items.map(r=>'<tr>'+r.map(v=>'<td>'+esc(v)+'</td>').join('')+'</tr>').join('')}\n"
    "async function refresh(){try{const s=await (await fetch('/status.json')).json();\n"
    "document.getElementById('version').textContent=s.version;\n"
    "document.getElementById('summary').textContent='updates: '+s.updates+', RPCs: '+s.rpcs_executed+"
    "' ('+s.rpc_rate.toFixed(1)+'/s), read '+s.bytes_read_rate.toFixed(0)+' B/s, written '+"
    "s.bytes_written_rate.toFixed(0)+' B/s, streams: '+s.streams+', time per update: '+"
    "(1000*s.time_per_rpc_update).toFixed(3)+' ms RPC + '+(1000*s.time_per_stream_update).toFixed(3)+' ms streams';\n"
    "rows(document.getElementById('servers'),['protocol','address','RPC','stream'],"
    "s.servers.map(e=>[e.protocol,e.address,e.rpc,e.stream]));\n"
    "rows(document.getElementById('clients'),['name','address','transport','calls','calls/s','streams','id'],"
    "s.clients.map(c=>[c.name,c.address,c.transport,c.rpcs,c.rpc_rate.toFixed(1),c.streams,c.id]));\n"
    "}catch(e){document.getElementById('summary').textContent='server unreachable';}}\n"
    "refresh();setInterval(refresh,500);\n"
    "</script></body></html>\n";

struct kstatus_page {
    struct lws_context *ctx;
    uint16_t port;
};

/* Per HTTP transaction: what to answer once the request (and its body) is in. */
typedef struct session {
    char uri[256];
    bool post;
} session;

static void json_string(kbuf *b, const char *s) {
    kbuf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            kbuf_append(b, esc, 2);
        } else if (*p < 0x20) {
            int n = snprintf(esc, sizeof esc, "\\u%04x", *p);
            kbuf_append(b, esc, (size_t)n);
        } else {
            kbuf_append(b, p, 1);
        }
    }
    kbuf_append(b, "\"", 1);
}

static void hex_id(const uint8_t *id, char out[2 * KRPC_CLIENT_ID_LEN + 1]) {
    for (int i = 0; i < KRPC_CLIENT_ID_LEN; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
}

static const char *protocol_name(const kendpoint *ep) {
    switch (ep->cfg.protocol) {
    case KRPC_PROTOCOL_TCP: return "protobuf";
    case KRPC_PROTOCOL_WEBSOCKETS: return "websockets";
    case KRPC_PROTOCOL_WEBSOCKETS_ECHO: return "websockets-echo";
    case KRPC_PROTOCOL_LOCAL_SOCKET: return "localsocket";
    case KRPC_PROTOCOL_SERIAL: return "serialio";
    }
    return "unknown";
}

/* Where an endpoint's two channels are: ports, socket paths or a device. */
static void channel_text(const kendpoint *ep, int role, char *out, size_t len) {
    if (ep->cfg.protocol == KRPC_PROTOCOL_LOCAL_SOCKET)
        snprintf(out, len, "%s", ep->paths[role] ? ep->paths[role] : "");
    else if (ep->cfg.protocol == KRPC_PROTOCOL_SERIAL)
        snprintf(out, len, "%s", ep->port ? ep->port : "");
    else
        snprintf(out, len, "%u", ep->ports[role]);
}

static void status_json(krpc_server *srv, kbuf *b) {
    const kstatus *s = &srv->status;
    kbuf_appendf(b, "{\"version\":");
    json_string(b, srv->cfg.version);
    kbuf_appendf(b,
            ",\"updates\":%llu,\"rpcs_executed\":%llu,\"rpc_rate\":%.3f,\"bytes_read\":%llu,"
            "\"bytes_written\":%llu,\"bytes_read_rate\":%.3f,\"bytes_written_rate\":%.3f,"
            "\"time_per_rpc_update\":%.9f,\"time_per_stream_update\":%.9f,\"streams\":%zu,"
            "\"stream_rpc_rate\":%.3f,\"max_time_per_update\":%u,\"servers\":[",
            (unsigned long long)srv->update_count, (unsigned long long)s->rpcs_executed, s->rpc_rate,
            (unsigned long long)s->bytes_read, (unsigned long long)s->bytes_written, s->bytes_read_rate,
            s->bytes_written_rate, s->time_per_rpc_update, s->time_per_stream_update, srv->nstreams,
            s->stream_rpc_rate, srv->max_time_per_update_us);
    for (size_t i = 0; i < srv->nendpoints; i++) {
        const kendpoint *ep = &srv->endpoints[i];
        char rpc[128], stream[128];
        channel_text(ep, ROLE_RPC, rpc, sizeof rpc);
        channel_text(ep, ROLE_STREAM, stream, sizeof stream);
        kbuf_appendf(b, "%s{\"protocol\":", i ? "," : "");
        json_string(b, protocol_name(ep));
        kbuf_appendf(b, ",\"address\":");
        json_string(b, ep->address ? ep->address : "");
        kbuf_appendf(b, ",\"rpc\":");
        json_string(b, rpc);
        kbuf_appendf(b, ",\"stream\":");
        json_string(b, stream);
        kbuf_appendf(b, "}");
    }
    kbuf_appendf(b, "],\"clients\":[");
    bool first = true;
    for (kclient *c = srv->clients; c; c = c->all_next) {
        if (!c->rpc)
            continue;
        char id[2 * KRPC_CLIENT_ID_LEN + 1];
        hex_id(c->id, id);
        kbuf_appendf(b, "%s{\"id\":\"%s\",\"name\":", first ? "" : ",", id);
        json_string(b, c->name);
        kbuf_appendf(b, ",\"address\":");
        json_string(b, c->address);
        kbuf_appendf(b, ",\"transport\":");
        json_string(b, protocol_name(c->ep));
        kbuf_appendf(b, ",\"rpcs\":%llu,\"rpc_rate\":%.3f,\"streams\":%zu,\"stream_connected\":%s}",
                (unsigned long long)c->rpcs, c->rpc_rate, c->nstreams, c->stream ? "true" : "false");
        first = false;
    }
    kbuf_appendf(b, "]}\n");
}

static void metric(kbuf *b, const char *name, const char *type, const char *help, double v) {
    kbuf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

static void prometheus(krpc_server *srv, kbuf *b) {
    const kstatus *s = &srv->status;
    metric(b, "krpc_updates_total", "counter", "Server updates (ticks).", (double)srv->update_count);
    metric(b, "krpc_rpcs_executed_total", "counter", "Requests executed (continuation runs).",
           (double)s->rpcs_executed);
    metric(b, "krpc_rpc_rate", "gauge", "Requests per second, smoothed.", s->rpc_rate);
    metric(b, "krpc_bytes_read_total", "counter", "Bytes received on every connection.", (double)s->bytes_read);
    metric(b, "krpc_bytes_written_total", "counter", "Bytes sent on every connection.", (double)s->bytes_written);
    metric(b, "krpc_clients", "gauge", "Connected RPC clients.", (double)srv->nclients);
    metric(b, "krpc_streams", "gauge", "Registered streams and events.", (double)srv->nstreams);
    metric(b, "krpc_stream_rpcs_executed_total", "counter", "Stream evaluations.", (double)s->stream_rpcs_executed);
    metric(b, "krpc_time_per_rpc_update_seconds", "gauge", "Time in the RPC phase per update, smoothed.",
           s->time_per_rpc_update);
    metric(b, "krpc_time_per_stream_update_seconds", "gauge", "Time in the stream phase per update, smoothed.",
           s->time_per_stream_update);
    kbuf_appendf(b, "# HELP krpc_client_rpcs_total Requests executed per client.\n"
               "# TYPE krpc_client_rpcs_total counter\n");
    for (kclient *c = srv->clients; c; c = c->all_next) {
        if (!c->rpc)
            continue;
        char id[2 * KRPC_CLIENT_ID_LEN + 1];
        hex_id(c->id, id);
        kbuf_appendf(b, "krpc_client_rpcs_total{id=\"%s\",name=\"", id);
        for (const char *p = c->name; *p; p++) {
            if (*p == '"' || *p == '\\')
                kbuf_append(b, "\\", 1);
            if (*p == '\n')
                kbuf_append(b, "\\n", 2);
            else
                kbuf_append(b, p, 1);
        }
        kbuf_appendf(b, "\"} %llu\n", (unsigned long long)c->rpcs);
    }
}

static int disconnect(krpc_server *srv, const char *hex) {
    for (kclient *c = srv->clients; c; c = c->all_next) {
        char id[2 * KRPC_CLIENT_ID_LEN + 1];
        hex_id(c->id, id);
        if (c->rpc && strcmp(id, hex) == 0) {
            KLOG_INFO(&srv->log, "Operator disconnected client '%s' (%s)", c->name, c->address);
            if (c->stream)
                conn_close(c->stream);
            if (c->rpc)
                conn_close(c->rpc);
            return 0;
        }
    }
    return -1;
}

static int respond(struct lws *wsi, unsigned status, const char *type, const void *body, size_t len) {
    unsigned char hdr[LWS_PRE + 512], *start = &hdr[LWS_PRE], *p = start, *end = &hdr[sizeof hdr - 1];
    if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (const unsigned char *)"no-store", 8, &p,
                                     end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* lws_write needs LWS_PRE bytes of headroom before the payload */
    unsigned char *buf = malloc(LWS_PRE + len + 1);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, body, len);
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    if (n < (int)len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int answer(struct lws *wsi, krpc_server *srv, const session *s) {
    kbuf b = {0};
    int rc;
    const char *prefix = "/clients/", *suffix = "/disconnect";
    size_t plen = strlen(prefix), slen = strlen(suffix), ulen = strlen(s->uri);
    if (s->post && ulen > plen + slen && !strncmp(s->uri, prefix, plen) && !strcmp(s->uri + ulen - slen, suffix)) {
        char hex[2 * KRPC_CLIENT_ID_LEN + 1];
        size_t n = ulen - plen - slen;
        if (n != 2 * KRPC_CLIENT_ID_LEN)
            return respond(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "no such client\n", 15);
        memcpy(hex, s->uri + plen, n);
        hex[n] = 0;
        if (disconnect(srv, hex))
            return respond(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "no such client\n", 15);
        return respond(wsi, HTTP_STATUS_OK, "text/plain", "disconnected\n", 13);
    }
    if (s->post)
        return respond(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "not found\n", 10);
    if (!strcmp(s->uri, "/") || !strcmp(s->uri, "/index.html"))
        return respond(wsi, HTTP_STATUS_OK, "text/html; charset=utf-8", page_html, sizeof page_html - 1);
    if (!strcmp(s->uri, "/status.json")) {
        status_json(srv, &b);
        rc = respond(wsi, HTTP_STATUS_OK, "application/json", b.data, b.len);
    } else if (!strcmp(s->uri, "/metrics")) {
        prometheus(srv, &b);
        rc = respond(wsi, HTTP_STATUS_OK, "text/plain; version=0.0.4", b.data, b.len);
    } else {
        rc = respond(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "not found\n", 10);
    }
    kbuf_free(&b);
    return rc;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    session *s = user;
    struct lws_context *ctx = lws_get_context(wsi);
    krpc_server *srv = ctx ? lws_context_user(ctx) : NULL;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        snprintf(s->uri, sizeof s->uri, "%s", (const char *)in);
        s->post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
        if (s->post && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
            return 0; /* answered once the body is in */
        return answer(wsi, srv, s);
    case LWS_CALLBACK_HTTP_BODY:
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return answer(wsi, srv, s);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(session), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log(int level, const char *line) {
    (void)level, (void)line; /* lws's own chatter stays out of the server log */
}

int status_page_start(krpc_server *srv) {
    if (!srv->cfg.status_page)
        return 0;
    kstatus_page *sp = calloc(1, sizeof *sp);
    if (!sp)
        return KRPC_ENOMEM;
    void *loops[1] = {&srv->loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = srv->cfg.status_port;
    info.iface = srv->cfg.status_address ? srv->cfg.status_address : "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.user = srv;
    lws_set_log_level(LLL_ERR, lws_log);
    sp->ctx = lws_create_context(&info);
    if (!sp->ctx) {
        KLOG_ERROR(&srv->log, "Cannot serve the status page on %s:%u", info.iface, srv->cfg.status_port);
        free(sp);
        return KRPC_EIO;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(sp->ctx, "default");
    sp->port = (uint16_t)(vh ? lws_get_vhost_listen_port(vh) : srv->cfg.status_port);
    srv->status_page = sp;
    KLOG_INFO(&srv->log, "Status page on http://%s:%u/", info.iface, sp->port);
    return 0;
}

uint16_t status_page_port(const krpc_server *srv) { return srv->status_page ? srv->status_page->port : 0; }

/* On a foreign loop lws destroys in two steps: the first call closes its
 * handles, the loop then runs their close callbacks, the second call frees. */
void status_page_stop(krpc_server *srv) {
    if (srv->status_page)
        lws_context_destroy(srv->status_page->ctx);
}

void status_page_free(krpc_server *srv) {
    if (!srv->status_page)
        return;
    lws_context_destroy(srv->status_page->ctx);
    free(srv->status_page);
    srv->status_page = NULL;
}
