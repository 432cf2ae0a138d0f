/*
 * proc_extra.c - the Drawing service (lines accepted and remembered, drawn
 * nowhere) and the MockGame service, which controls the mock itself: the
 * clock (advance, time scale, lockstep) and the scenario.
 */
#include "procs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Drawing ---------------------------------------------------------------- */

static int add_line(krpc_call *call, krpc_value *result, v3 start, v3 end, const krpc_value *frame, bool visible,
                    bool from_com) {
    sc_state *st = sc_of(call);
    sc_fstate f;
    if (sc_arg_frame(call, frame, &f) != KRPC_OK) {
        return KRPC_ERROR;
    }
    sc_key k;
    sc_key_init(&k, SC_K_LINE);
    k.id = ++st->next_line_id;
    k.ref[0] = frame->u.obj.ptr;
    sc_obj *o = sc_intern(st, &k);
    if (o == NULL) {
        return sc_oom(call);
    }
    o->line = calloc(1, sizeof *o->line);
    if (o->line == NULL) {
        return sc_oom(call);
    }
    o->line->start = start;
    o->line->end = end;
    o->line->color = v3_make(1, 1, 1);
    o->line->thickness = 0.1f;
    o->line->visible = visible;
    o->line->from_com = from_com;
    result->u.obj.ptr = o;
    return KRPC_OK;
}

SC_PROC(sc_drawing_add_line) {
    return add_line(call, result, sc_arg_v3(&args[0]), sc_arg_v3(&args[1]), &args[2], args[3].u.b, false);
}

SC_PROC(sc_drawing_add_direction) {
    v3 d = v3_scale(v3_norm(sc_arg_v3(&args[0])), args[2].u.f);
    return add_line(call, result, v3_zero(), d, &args[1], args[3].u.b, false);
}

SC_PROC(sc_drawing_add_direction_from_com) {
    v3 d = v3_scale(v3_norm(sc_arg_v3(&args[0])), args[2].u.f);
    return add_line(call, result, v3_zero(), d, &args[1], args[3].u.b, true);
}

SC_PROC(sc_drawing_clear) {
    (void)args;
    (void)result;
    (void)call;
    return KRPC_OK;
}

static sc_line *line_arg(const krpc_value *arg) { return ((sc_obj *)arg->u.obj.ptr)->line; }

SC_PROC(sc_line_get_start) { return sc_ret_v3(call, result, line_arg(&args[0])->start); }
SC_PROC(sc_line_set_start) {
    line_arg(&args[0])->start = sc_arg_v3(&args[1]);
    return KRPC_OK;
}
SC_PROC(sc_line_get_end) { return sc_ret_v3(call, result, line_arg(&args[0])->end); }
SC_PROC(sc_line_set_end) {
    line_arg(&args[0])->end = sc_arg_v3(&args[1]);
    return KRPC_OK;
}
SC_PROC(sc_line_get_color) { return sc_ret_v3(call, result, line_arg(&args[0])->color); }
SC_PROC(sc_line_set_color) {
    line_arg(&args[0])->color = sc_arg_v3(&args[1]);
    return KRPC_OK;
}
SC_PROC(sc_line_get_thickness) {
    result->u.f = line_arg(&args[0])->thickness;
    return KRPC_OK;
}
SC_PROC(sc_line_set_thickness) {
    line_arg(&args[0])->thickness = args[1].u.f;
    return KRPC_OK;
}
SC_PROC(sc_line_get_visible) {
    result->u.b = line_arg(&args[0])->visible;
    return KRPC_OK;
}
SC_PROC(sc_line_set_visible) {
    line_arg(&args[0])->visible = args[1].u.b;
    return KRPC_OK;
}
SC_PROC(sc_line_get_reference_frame) {
    const sc_obj *o = args[0].u.obj.ptr;
    result->u.obj.ptr = (void *)o->key.ref[0];
    return KRPC_OK;
}
SC_PROC(sc_line_remove) {
    (void)result;
    sc_objects_kill(sc_of(call), args[0].u.obj.ptr);
    return KRPC_OK;
}

/* ---- MockGame ----------------------------------------------------------------- */

SC_PROC(sc_mock_advance) {
    (void)result;
    double dt = args[0].u.d;
    if (!(dt >= 0) || dt > 1e7) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                          "Specified argument was out of the range of valid values.\nParameter name: seconds");
    }
    sc_advance(sc_of(call), dt, false);
    return KRPC_OK;
}

SC_PROC(sc_mock_get_time_scale) {
    (void)args;
    result->u.d = sc_of(call)->time_scale;
    return KRPC_OK;
}

SC_PROC(sc_mock_set_time_scale) {
    if (!(args[0].u.d > 0)) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "The time scale must be positive");
    }
    sc_of(call)->time_scale = args[0].u.d;
    return KRPC_OK;
}

SC_PROC(sc_mock_get_lockstep) {
    (void)args;
    result->u.b = sc_of(call)->lockstep;
    return KRPC_OK;
}

SC_PROC(sc_mock_set_lockstep) {
    sc_of(call)->lockstep = args[0].u.b;
    return KRPC_OK;
}

SC_PROC(sc_mock_get_scenario) {
    (void)args;
    return sc_ret_string(call, result, sc_of(call)->world.scenario);
}

SC_PROC(sc_mock_load_scenario) {
    (void)result;
    char name[SC_NAME];
    size_t n = args[0].u.s.len < sizeof name - 1 ? args[0].u.s.len : sizeof name - 1;
    memcpy(name, args[0].u.s.data, n);
    name[n] = '\0';
    if (n == 0 || strchr(name, '/') != NULL || strstr(name, "..") != NULL) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "Invalid scenario name");
    }
    char err[512];
    if (sc_load_scenario(sc_of(call), name, err, sizeof err) != 0) {
        return krpc_raise(call, KRPC_ERR_ARGUMENT, err);
    }
    return KRPC_OK;
}

SC_PROC(sc_mock_get_scenarios) {
    (void)args;
    char path[640];
    snprintf(path, sizeof path, "%s/scenarios", sc_of(call)->data_dir);
    DIR *dp = opendir(path);
    krpc_value *items = sc_values(call, 64);
    if (items == NULL) {
        if (dp != NULL) {
            closedir(dp);
        }
        return sc_oom(call);
    }
    size_t count = 0;
    struct dirent *de;
    while (dp != NULL && (de = readdir(dp)) != NULL && count < 64) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".cfg") == 0) {
            krpc_set_string(call, &items[count++], de->d_name, l - 4);
        }
    }
    if (dp != NULL) {
        closedir(dp);
    }
    result->u.seq.items = items;
    result->u.seq.count = count;
    return KRPC_OK;
}
