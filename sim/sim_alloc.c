/* MAP_ANONYMOUS and MADV_HUGEPAGE are not POSIX */
#define _DEFAULT_SOURCE

#include "sim_alloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Every hot block can be told from a plain one: the cache line before it
 * (under AddressSanitizer) or its region's header (otherwise) starts with
 * this word, and sim_free_hot aborts when it does not, as glibc's free
 * aborts on a pointer it did not hand out. A block freed with the wrong
 * function is a programming error that would otherwise corrupt memory
 * silently (sim_free_hot) or only in the builds without sanitizers. */
#define HOT_MAGIC 0x6b636f6c62746f68ULL /* "hotblock" */

static void check_magic(const void *header)
{
    uint64_t m;
    memcpy(&m, header, sizeof m);
    if (m != HOT_MAGIC)
        abort(); /* not a hot block */
}

#ifdef __SANITIZE_ADDRESS__
/* Under AddressSanitizer each hot block is its own heap block, after a
 * line holding the magic word, so that overruns and leaks of hot blocks
 * are found like any other, and so is a hot block given to sim_free (not
 * an address malloc returned) or a plain one given to sim_free_hot (a read
 * before its start); the regions are tested in the other builds
 * (tests/sim/test_sim_alloc.c). */
void *sim_calloc_hot(size_t n)
{
    size_t whole = SIM_LINES(n);
    if (whole < n || whole > SIZE_MAX - SIM_CACHE_LINE || should_fail_size(n) || should_fail())
        return NULL;
    char *p = aligned_alloc(SIM_CACHE_LINE, whole + SIM_CACHE_LINE);
    if (!p)
        return NULL;
    memset(p, 0, whole + SIM_CACHE_LINE);
    const uint64_t m = HOT_MAGIC;
    memcpy(p, &m, sizeof m);
    return p + SIM_CACHE_LINE;
}

void sim_free_hot(void *p)
{
    if (!p)
        return;
    char *block = (char *)p - SIM_CACHE_LINE;
    check_magic(block);
    free(block);
}
#else
/*
 * Hot regions. A region is SIM_HOT_REGION bytes (or a multiple, for one
 * block larger than that) at an address that is a multiple of
 * SIM_HOT_REGION, so a huge page can back it and the region of a block is
 * its address rounded down: a block always starts in its region's first
 * SIM_HOT_REGION bytes. The region's first line is its header. Blocks are
 * handed out one after another from `current`; a region counts its live
 * blocks and is unmapped when the count falls to zero, unless it is
 * `current`, which then starts again from its beginning.
 */
typedef struct region {
    uint64_t magic; /* HOT_MAGIC */
    size_t size;    /* bytes mapped, header included */
    size_t used;    /* bytes handed out from the start, header included */
    long live;      /* blocks not yet freed */
} region;

#define HEADER SIM_CACHE_LINE

static pthread_mutex_t hot_lock = PTHREAD_MUTEX_INITIALIZER;
static region *current; /* the region being filled; NULL before the first */

/* A new empty region for at least `need` bytes after its header. */
static region *region_map(size_t need)
{
    if (need > SIZE_MAX / 2)
        return NULL;
    size_t size = (need + HEADER + SIM_HOT_REGION - 1) / SIM_HOT_REGION * SIM_HOT_REGION;
    /* map one region more than needed, then cut it to an aligned one */
    char *map = mmap(NULL, size + SIM_HOT_REGION, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    char *base = (char *)(((uintptr_t)map + SIM_HOT_REGION - 1) & ~(uintptr_t)(SIM_HOT_REGION - 1));
    if (base > map)
        munmap(map, (size_t)(base - map));
    size_t tail = (size_t)(map + size + SIM_HOT_REGION - (base + size));
    if (tail > 0)
        munmap(base + size, tail);
#ifdef MADV_HUGEPAGE
    (void)madvise(base, size, MADV_HUGEPAGE); /* a hint: without THP, plain pages */
#endif
    region *r = (region *)base;               /* anonymous memory comes zeroed */
    r->magic = HOT_MAGIC;
    r->size = size;
    r->used = HEADER;
    return r;
}

void *sim_calloc_hot(size_t n)
{
    size_t whole = SIM_LINES(n);
    if (whole < n || should_fail_size(n) || should_fail())
        return NULL;
    if (whole == 0)
        whole = SIM_CACHE_LINE;
    char *p = NULL;
    pthread_mutex_lock(&hot_lock);
    region *r = current;
    if (!r || r->size - r->used < whole) {
        /* `current` has blocks (an empty one has room): its last free
         * unmaps it */
        r = region_map(whole);
        if (r && whole <= SIM_HOT_REGION - HEADER)
            current = r; /* a block larger has a region to itself */
    }
    if (r) {
        p = (char *)r + r->used;
        r->used += whole;
        r->live++;
    }
    pthread_mutex_unlock(&hot_lock);
    if (p)
        memset(p, 0, whole); /* a reused region holds old blocks */
    return p;
}

void sim_free_hot(void *p)
{
    if (!p)
        return;
    region *r = (region *)((uintptr_t)p & ~(uintptr_t)(SIM_HOT_REGION - 1));
    check_magic(r);
    pthread_mutex_lock(&hot_lock);
    if (--r->live == 0) {
        if (r == current)
            r->used = HEADER;
        else
            munmap(r, r->size);
    }
    pthread_mutex_unlock(&hot_lock);
}
#endif

void *sim_reallocarray_hot(void *p, size_t old_count, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *q = sim_calloc_hot(count * size);
    if (!q)
        return NULL;
    if (p)
        memcpy(q, p, (old_count < count ? old_count : count) * size);
    sim_free_hot(p);
    return q;
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
