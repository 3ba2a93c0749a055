/*
 * sim_alloc.h - the one allocator every erpsim module goes through.
 *
 * Plain malloc/calloc/realloc/free, plus a test hook that makes the n-th
 * allocation from now fail, so tests can walk the error paths (the idea of
 * Lua's ltests.h Memcontrol and SQLite's simulated faults). The hook is a
 * process-wide counter meant for single-threaded tests only.
 */
#ifndef SIM_ALLOC_H
#define SIM_ALLOC_H

#include <stddef.h>

void *sim_malloc(size_t n);
void *sim_calloc(size_t count, size_t size);
void *sim_realloc(void *p, size_t n);
/* realloc of count * size elements with overflow check. */
void *sim_reallocarray(void *p, size_t count, size_t size);
void sim_free(void *p);
/* n zeroed bytes at an address that is a multiple of SIM_CACHE_LINE, in
 * whole lines (for a record whose hot fields must share one line); free
 * with sim_free. */
#define SIM_CACHE_LINE 64
void *sim_calloc_lines(size_t n);
/* n rounded up to whole cache lines: what sim_calloc_lines takes. */
#define SIM_LINES(n) (((n) + SIM_CACHE_LINE - 1) / SIM_CACHE_LINE * SIM_CACHE_LINE)
/* Hot allocations: like sim_calloc_lines (zeroed, on a cache line, whole
 * lines), but packed one after another with the other hot allocations of
 * the process in 2 MB regions of their own, which the kernel is asked to
 * back with transparent huge pages (madvise MADV_HUGEPAGE; where that is
 * not available they are ordinary pages). For the small structs a model
 * touches on every record: then the hot state of a large model sits in a
 * few pages and cache lines, not spread among its big, cold arrays.
 * Free with sim_free_hot only (it aborts on any other pointer, as free
 * does on one malloc did not hand out). A region goes back to the system when its
 * last block is freed, except the one being filled, which is reused;
 * thread-safe (one lock per call: for allocations made when a model is
 * built, not per record). */
void *sim_calloc_hot(size_t n);
void sim_free_hot(void *p); /* NULL is a no-op */
/* A hot block of count * size bytes that starts with the first
 * old_count * size bytes of p (a hot block of at least that many, or
 * NULL), the rest zero; p is freed. For a table that grows now and then
 * (the space p held is not reused until its region empties). NULL on
 * failure or overflow, p then untouched. */
void *sim_reallocarray_hot(void *p, size_t old_count, size_t count, size_t size);
/* The size of a hot region, for memory estimates: blocks of models built
 * at the same time share regions, and a region stays mapped while any of
 * its blocks lives (cli/memory.c counts one region per thread and one
 * being filled beyond the blocks in use). */
#define SIM_HOT_REGION ((size_t)2 << 20)
/* What malloc keeps beside each block (glibc: a 16-byte header and
 * rounding), for memory estimates. */
#define SIM_ALLOC_OVERHEAD 16
/* A copy of s (NULL if s is NULL or on failure). */
char *sim_strdup(const char *s);

/* Make the n-th allocation from now (1 = the next one) and every later one
 * fail, until sim_alloc_fail_reset(). n = 0 disables. Tests only. */
void sim_alloc_fail_after(long n);
/* Make every allocation of more than n bytes fail (a request too large to
 * have at once), until sim_alloc_fail_reset(). n = 0 disables. Tests only. */
void sim_alloc_fail_over(size_t n);
void sim_alloc_fail_reset(void);

#endif
