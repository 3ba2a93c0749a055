#include "sim_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Countdown to the injected failure; 0 = off. Tests only, not thread-safe. */
static long fail_countdown;
/* Requests of more bytes than this fail; 0 = off. Tests only. */
static size_t fail_over;

static int should_fail_size(size_t n)
{
    return fail_over > 0 && n > fail_over;
}

static int should_fail(void)
{
    if (fail_countdown <= 0)
        return 0;
    if (fail_countdown == 1)
        return 1; /* stays at 1: every later allocation fails too */
    fail_countdown--;
    return 0;
}

void *sim_malloc(size_t n)
{
    return should_fail_size(n) || should_fail() ? NULL : malloc(n ? n : 1);
}

void *sim_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return should_fail_size(count * size) || should_fail()
               ? NULL
               : calloc(count ? count : 1, size ? size : 1);
}

void *sim_realloc(void *p, size_t n)
{
    return should_fail_size(n) || should_fail() ? NULL : realloc(p, n ? n : 1);
}

void *sim_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return sim_realloc(p, count * size);
}

void *sim_calloc_lines(size_t n)
{
    /* aligned_alloc wants a multiple of the alignment */
    size_t whole = SIM_LINES(n);
    if (whole < n || should_fail_size(n) || should_fail())
        return NULL;
    void *p = aligned_alloc(SIM_CACHE_LINE, whole ? whole : SIM_CACHE_LINE);
    if (p)
        memset(p, 0, whole);
    return p;
}

void sim_free(void *p)
{
    free(p);
}

char *sim_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = sim_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void sim_alloc_fail_after(long n)
{
    fail_countdown = n > 0 ? n : 0;
}

void sim_alloc_fail_over(size_t n)
{
    fail_over = n;
}

void sim_alloc_fail_reset(void)
{
    fail_countdown = 0;
    fail_over = 0;
}
