/* stub, replaced in step 3 */
#include "net/transport.h"
void ws_attach(kconn *c) { (void)c; }
void ws_free(kconn *c) { (void)c; }
void ws_input(kconn *c) { (void)c; }
kbuf *ws_read_buffer(kconn *c) { return &c->in; }
int ws_send(kconn *c, const uint8_t *framed, size_t len) { (void)c; (void)framed; (void)len; return -1; }
void ws_handshake_timeout(kconn *c) { conn_close(c); }
void ws_close_malformed(kconn *c) { conn_close(c); }
