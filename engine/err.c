/* err: status strings and message formatting. See err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *ps_version(void) { return PS_VERSION; }

const char *ps_strerror(ps_status status)
{
    switch (status) {
    case PS_OK: return "success";
    case PS_ERR_NOMEM: return "out of memory";
    case PS_ERR_IO: return "input/output error";
    case PS_ERR_PARSE: return "malformed input";
    case PS_ERR_INVALID: return "invalid value";
    case PS_ERR_SCRIPT: return "intervention script error";
    case PS_ERR_EXISTS: return "output already exists";
    case PS_ERR_ARG: return "invalid argument";
    case PS_ERR_LIMIT: return "limit exceeded";
    case PS_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

ps_status err_set(ps_error *err, ps_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void err_clear(ps_error *err)
{
    if (err) {
        err->status = PS_OK;
        err->message[0] = '\0';
    }
}
