/* stub, replaced in step 2 */
#include "net/transport.h"
int serial_endpoint_start(kendpoint *ep) { (void)ep; return KRPC_EINVAL; }
void serial_endpoint_stop(kendpoint *ep) { (void)ep; }
void serial_check(kendpoint *ep, uint64_t now_ns) { (void)ep; (void)now_ns; }
int serial_send(kconn *c, const uint8_t *framed, size_t len) { (void)c; (void)framed; (void)len; return -1; }
void serial_flow(kconn *c, bool reading) { (void)c; (void)reading; }
void serial_channel_closed(kconn *c) { (void)c; }
