/*
 * err: filling a ps_error.
 *
 * Messages follow one form so that users can rely on it:
 *   FILE: PATH: expected WHAT, got VALUE
 * err_set formats a message into err (which may be NULL) and returns the
 * status, so a failing function can end with `return err_set(...)`.
 */
#ifndef PS_ERR_H
#define PS_ERR_H

#include "placesim.h"

#if defined(__GNUC__)
#define PS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_PRINTF(a, b)
#endif

ps_status err_set(ps_error *err, ps_status status, const char *fmt, ...) PS_PRINTF(3, 4);

/* Clears err to PS_OK and an empty message. err may be NULL. */
void err_clear(ps_error *err);

#endif
