/* Protobuf over local (unix domain) sockets: byte for byte the TCP protocol
 * (same framing, handshakes, texts) on two socket files (transports.md 2).
 * Start-up checks the paths, creates the parent directory (mode 0700),
 * replaces a stale socket and refuses to start beside a live server; stop
 * deletes the files it created. */
#include "net/handshake.h"
#include "net/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { MAX_PATH_BYTES = 100, BACKLOG = 16 };

/* <user> as Python's getpass.getuser() finds it, so that the server and the
 * Python client agree on the default path. */
static const char *user_name(void) {
    static const char *vars[] = {"LOGNAME", "USER", "LNAME", "USERNAME"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : NULL;
}

int local_default_path(const char *name, char *out, size_t outlen) {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;
    if (xdg && *xdg) {
        n = snprintf(out, outlen, "%s/krpc/%s", xdg, name);
    } else {
        const char *user = user_name();
        if (!user)
            return -1;
        n = snprintf(out, outlen, "/tmp/krpc-%s/%s", user, name);
    }
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* mkdir -p of path's parent; what is created gets mode 0700. */
static int make_parent(const char *path, char *why, size_t whylen) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(why, whylen, "Cannot create the directory %s: %s", dir, strerror(errno));
            return -1;
        }
        *p = saved;
        if (!saved)
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Whatever is at path: a live server refuses the start, a stale socket (the
 * connect is refused and the file is empty) is deleted. */
static int clear_path(const char *path, char *why, size_t whylen) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0; /* nothing there */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "Cannot check %s: %s", path, strerror(errno));
        return -1;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int err = rc == 0 ? 0 : errno;
    close(fd);
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
        /* EAGAIN: a listener whose backlog is full, still a live server */
        snprintf(why, whylen, "Another server is already listening on %s", path);
        return -1;
    }
    if (err == ECONNREFUSED) {
        if (st.st_size != 0 || S_ISDIR(st.st_mode)) {
            snprintf(why, whylen, "%s already exists and is not a socket", path);
            return -1;
        }
        if (unlink(path) != 0) {
            snprintf(why, whylen, "Cannot delete the stale socket %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    snprintf(why, whylen, "Cannot use %s: %s", path, strerror(err));
    return -1;
}

static void on_connection(uv_stream_t *listener, int status) {
    kendpoint *ep = listener->data;
    krpc_server *srv = ep->srv;
    if (status < 0)
        return;
    conn_role role = listener == &ep->listeners[ROLE_RPC].stream ? ROLE_RPC : ROLE_STREAM;
    kconn *c = conn_new(srv, ep, role);
    uv_pipe_init(&srv->loop, &c->h.pipe, 0);
    c->h.handle.data = c;
    if (uv_accept(listener, &c->h.stream) != 0) {
        conn_register(c);
        conn_close(c);
        return;
    }
    /* unix sockets have no peer address: the client's address is the path */
    snprintf(c->address, sizeof c->address, "%s", ep->paths[role]);
    conn_accepted(c);
}

static int check_path(kendpoint *ep, int role, char *why, size_t whylen) {
    const char *path = ep->paths[role];
    if (!path) {
        snprintf(why, whylen, "No %s socket path given, and no default (no XDG_RUNTIME_DIR, no user name)",
                 role == ROLE_RPC ? "rpc" : "stream");
        return -1;
    }
    if (!*path) {
        snprintf(why, whylen, "Socket path is empty");
        return -1;
    }
    size_t n = strlen(path);
    if (n > MAX_PATH_BYTES) {
        snprintf(why, whylen, "Socket path takes %zu bytes, which is longer than the %d a socket path may be", n,
                 MAX_PATH_BYTES);
        return -1;
    }
    return 0;
}

int local_endpoint_start(kendpoint *ep) {
    krpc_server *srv = ep->srv;
    char why[4300];
    for (int role = 0; role < 2; role++) {
        if (check_path(ep, role, why, sizeof why)) {
            KLOG_ERROR(&srv->log, "%s", why);
            return KRPC_EINVAL;
        }
    }
    if (!strcmp(ep->paths[ROLE_RPC], ep->paths[ROLE_STREAM])) {
        KLOG_ERROR(&srv->log, "The rpc and stream sockets must have different paths (both are %s)",
                   ep->paths[ROLE_RPC]);
        return KRPC_EINVAL;
    }
    for (int role = 0; role < 2; role++) {
        const char *path = ep->paths[role];
        if (make_parent(path, why, sizeof why) || clear_path(path, why, sizeof why)) {
            KLOG_ERROR(&srv->log, "%s", why);
            return KRPC_EIO;
        }
        uv_pipe_t *l = &ep->listeners[role].pipe;
        uv_pipe_init(&srv->loop, l, 0);
        l->data = ep;
        ep->listening[role] = true;
        int rc = uv_pipe_bind(l, path);
        if (rc) {
            KLOG_ERROR(&srv->log, "Cannot listen on %s: %s", path, uv_strerror(rc));
            return KRPC_EIO;
        }
        struct stat st;
        if (stat(path, &st) == 0) {
            ep->bound[role] = true;
            ep->device[role] = (unsigned long long)st.st_dev;
            ep->inode[role] = (unsigned long long)st.st_ino;
        }
        rc = uv_listen((uv_stream_t *)l, BACKLOG, on_connection);
        if (rc) {
            KLOG_ERROR(&srv->log, "Cannot listen on %s: %s", path, uv_strerror(rc));
            return KRPC_EIO;
        }
    }
    return 0;
}

void local_endpoint_stop(kendpoint *ep) {
    for (int role = 0; role < 2; role++) {
        if (!ep->bound[role])
            continue;
        ep->bound[role] = false;
        /* delete the file only if it is still the socket this server made */
        struct stat st;
        if (lstat(ep->paths[role], &st) == 0 && (unsigned long long)st.st_dev == ep->device[role] &&
            (unsigned long long)st.st_ino == ep->inode[role])
            unlink(ep->paths[role]);
    }
}
