/* The HTTP status page and /metrics (status/status_page.c). */
#ifndef KRPC_STATUS_PAGE_H
#define KRPC_STATUS_PAGE_H

#include <stdint.h>

struct krpc_server;
typedef struct kstatus_page kstatus_page;

/* Start serving if the configuration asks for it. */
int status_page_start(struct krpc_server *srv);
/* The bound port (0 if off). */
uint16_t status_page_port(const struct krpc_server *srv);
/* Stop serving (closes its handles on the loop) ... */
void status_page_stop(struct krpc_server *srv);
/* ... and, once the loop has run their close callbacks, free it. */
void status_page_free(struct krpc_server *srv);

#endif
