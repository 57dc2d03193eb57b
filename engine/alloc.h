/*
 * alloc: the one path every allocation of libplacesim goes through.
 *
 * A failed allocation returns NULL and the caller reports PS_ERR_NOMEM; the
 * engine never aborts on an allocation failure. cJSON is pointed at the
 * same functions (alloc_install_json_hooks).
 */
#ifndef PS_ALLOC_H
#define PS_ALLOC_H

#include <stddef.h>

void *ps_malloc(size_t n);
void *ps_calloc(size_t count, size_t size);
/* Like realloc, but returns NULL (keeping p) when count * size overflows. */
void *ps_reallocarray(void *p, size_t count, size_t size);
char *ps_strdup(const char *s);
char *ps_strndup(const char *s, size_t n);
/* ps_free is declared in placesim.h. */

/* Points cJSON at ps_malloc and ps_free. Idempotent; call before using cJSON. */
void alloc_install_json_hooks(void);

#endif
