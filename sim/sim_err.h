/*
 * sim_err.h - status codes and the error record every layer reports through.
 *
 * Functions return an int status: SIM_OK (0) or a negative enum sim_status.
 * A caller that wants the detail passes a sim_err (may be NULL). The record
 * has fixed buffers, so reporting an error never allocates. Library code never
 * prints or exits: only cli/ turns a sim_err into a message and an exit code.
 * A position (file, line, column; 1-based, 0 = unknown) is filled in when the
 * error comes from a scenario file or a --set argument.
 */
#ifndef SIM_ERR_H
#define SIM_ERR_H

#include <stdarg.h>

#if defined(__GNUC__) || defined(__clang__)
#define SIM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SIM_PRINTF(f, a)
#endif

enum sim_status {
    SIM_OK = 0,
    SIM_ENOMEM = -1, /* an allocation failed */
    SIM_EINVAL = -2, /* a bad argument or configuration value */
    SIM_ERANGE = -3, /* a number out of its range (NaN, negative, overflow) */
    SIM_EPARSE = -4, /* bad input text: YAML, a unit, an override */
    SIM_EIO = -5,    /* a file could not be read or written */
    SIM_EFULL = -6,  /* a bounded resource refused the request */
    SIM_ESTATE = -7, /* an operation not valid in the current state */
    SIM_EINTERNAL = -8,
    SIM_ECANCELED = -9 /* stopped on request (an interrupt) before the end */
};

typedef struct sim_err {
    int code;         /* enum sim_status */
    char file[256];   /* scenario path, "" if not from a file */
    int line, column; /* 1-based; 0 = unknown */
    char msg[256];
} sim_err;

/* Fills err (if not NULL) and returns code, so a caller can report and
 * return in one statement. file may be NULL. */
int sim_err_set(sim_err *err, int code, const char *file, int line, int column, const char *fmt,
                ...) SIM_PRINTF(6, 7);
int sim_err_setv(sim_err *err, int code, const char *file, int line, int column, const char *fmt,
                 va_list ap) SIM_PRINTF(6, 0);
/* Clears err to SIM_OK with empty texts. NULL is a no-op. */
void sim_err_clear(sim_err *err);
/* A short constant description of a status code ("out of memory", ...). */
const char *sim_status_str(int code);

#endif
