#include "sim_err.h"

#include <stdio.h>
#include <string.h>

int sim_err_setv(sim_err *err, int code, const char *file, int line, int column, const char *fmt,
                 va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int sim_err_set(sim_err *err, int code, const char *file, int line, int column, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_err_setv(err, code, file, line, column, fmt, ap);
    va_end(ap);
    return code;
}

void sim_err_clear(sim_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

const char *sim_status_str(int code)
{
    switch (code) {
    case SIM_OK:
        return "ok";
    case SIM_ENOMEM:
        return "out of memory";
    case SIM_EINVAL:
        return "invalid argument";
    case SIM_ERANGE:
        return "value out of range";
    case SIM_EPARSE:
        return "parse error";
    case SIM_EIO:
        return "input/output error";
    case SIM_EFULL:
        return "resource full";
    case SIM_ESTATE:
        return "invalid state";
    case SIM_ECANCELED:
        return "cancelled";
    default:
        return "internal error";
    }
}
