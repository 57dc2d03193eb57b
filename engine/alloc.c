/* alloc: allocation wrappers. See alloc.h. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "placesim.h"

void *ps_malloc(size_t n) { return malloc(n ? n : 1); }

void *ps_calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }

void *ps_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    size_t n = count * size;
    return realloc(p, n ? n : 1);
}

void ps_free(void *p) { free(p); }

char *ps_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = ps_malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *ps_strdup(const char *s) { return ps_strndup(s, strlen(s)); }

/* cJSON's hooks are process-wide; installing the same functions twice is
 * harmless, and they never change afterwards, so this is not mutable state
 * in any sense that matters to callers. */
void alloc_install_json_hooks(void)
{
    cJSON_Hooks hooks = { ps_malloc, ps_free };
    cJSON_InitHooks(&hooks);
}
