/* Holding the game on one tick (kRPC 0.7: KRPC.HoldTick, ReleaseTick and
 * NextTick; v070-final.md 3.3). A client that holds the tick has every call
 * it makes executed before the simulation moves on: updates advance nothing
 * while the hold lasts (core/server.c skips plugin ticks and the stream
 * phase; a host embedding the server asks krpc_server_tick_held), and the
 * scheduler serves every client's requests as they arrive, without its
 * per-update limits (core/scheduler.c). One client at a time, one hold per
 * tick. A hold ends when its client releases it, after TickHoldTimeout, when
 * the client disconnects, or when one of its calls yields (it can only go on
 * in a later update, which the hold prevents). */
#include "core/server_internal.h"
#include "util/clock.h"

static kcallctx *ctx_of(krpc_call *call) { return (kcallctx *)call; }

/* A hold ending ends the update it held: the next krpc_server_tick first
 * finishes it (stream phase, a new update), then takes the simulation's
 * step, so that a call waiting for the next tick (NextTick) goes on right
 * after that step. */
static void end_hold(krpc_server *srv) {
    srv->hold_client = NULL;
    srv->hold_deadline_ns = 0;
    srv->update_owed = true;
}

bool tick_held(krpc_server *srv) {
    kclient *c = srv->hold_client;
    if (!c)
        return false;
    if (clock_now_ns() >= srv->hold_deadline_ns) {
        KLOG_WARN(&srv->log,
                  "Client '%s' held the tick for longer than the timeout allows (%u us), so the game has "
                  "moved on without it",
                  c->name, srv->cfg.tick_hold_timeout_us);
        end_hold(srv);
        return false;
    }
    if (!c->rpc) {
        KLOG_WARN(&srv->log, "Client '%s' disconnected while holding the tick", c->name);
        end_hold(srv);
        return false;
    }
    return true;
}

void tick_release(krpc_server *srv, kclient *c, const char *why) {
    if (!c || srv->hold_client != c)
        return;
    if (why)
        KLOG_WARN(&srv->log, "Client '%s' %s, so its hold on the tick has ended", c->name, why);
    else
        KLOG_DEBUG(&srv->log, "Client '%s' released the tick", c->name);
    end_hold(srv);
}

static int hold(krpc_call *call);

static int resume_hold(krpc_call *call, void *state, krpc_value *result) {
    (void)state, (void)result;
    return hold(call);
}

static int hold(krpc_call *call) {
    kcallctx *x = ctx_of(call);
    krpc_server *srv = x->srv;
    kclient *c = x->client;
    if (!srv->executing_request || !c)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION,
                          "The tick can only be held by a client making a call, not by a stream or an event");
    if (!c->rpc)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "No RPC client is connected with this identifier");
    /* renewing a hold would let a client hold the game for as long as it liked */
    if (tick_held(srv))
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION,
                          srv->hold_client == c ? "This client is already holding the tick"
                                                : "Another client is holding the tick");
    /* one hold per tick: this one was held and let go, so wait for the next
     * (the continuation runs first thing in the next update, after the
     * simulation's step) */
    if (srv->held_tick == srv->tick_count + 1)
        return krpc_yield(call, resume_hold, NULL, NULL);
    srv->hold_client = c;
    srv->hold_deadline_ns = clock_now_ns() + (uint64_t)srv->cfg.tick_hold_timeout_us * 1000u;
    srv->held_tick = srv->tick_count + 1;
    srv->held_this_update = true;
    KLOG_DEBUG(&srv->log, "Client '%s' is holding the tick", c->name);
    return KRPC_OK;
}

int tick_krpc_hold(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    return hold(call);
}

int tick_krpc_release(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    kcallctx *x = ctx_of(call);
    tick_release(x->srv, x->client, NULL);
    return KRPC_OK;
}

/* ReleaseTick then HoldTick: the hold part waits for the next tick (this
 * one was just held), so each NextTick advances the game exactly one tick. */
int tick_krpc_next(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    kcallctx *x = ctx_of(call);
    tick_release(x->srv, x->client, NULL);
    return hold(call);
}

bool krpc_server_tick_held(krpc_server *srv) { return srv->started && tick_held(srv); }
