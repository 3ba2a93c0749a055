/*
 * Unit tests of sim_alloc's hot blocks (sim_calloc_hot): the contract every
 * caller relies on (zeroed, on a cache line, whole lines, failing under
 * the test hooks), the packing that is their reason to exist, the reuse
 * of a region once its blocks are freed, blocks larger than a region,
 * growing tables, and allocation and freeing from several threads at
 * once. Under AddressSanitizer hot blocks are ordinary heap blocks
 * (sim_alloc.c), so the packing and reuse checks run in the other builds
 * only.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_alloc.h"

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void hot_blocks_start_on_a_cache_line_and_are_zero(void **state)
{
    (void)state;
    enum { N = 8 };
    unsigned char *p[N];
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + 37 * i; /* 1 to 260 bytes: one to five lines */
        p[i] = sim_calloc_hot(n);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % SIM_CACHE_LINE, 0);
        assert_true(all_zero(p[i], SIM_LINES(n)));
        memset(p[i], 0xa5, SIM_LINES(n)); /* each block owns its whole lines */
    }
    for (size_t i = 0; i < N; i++) {
        unsigned char want[SIM_LINES(1 + 37 * (N - 1))];
        memset(want, 0xa5, sizeof want);
        assert_memory_equal(p[i], want, SIM_LINES(1 + 37 * i)); /* no overlap */
        sim_free_hot(p[i]);
    }
    sim_free_hot(NULL);
}

/* Packing: consecutive small blocks sit one after the other, so the hot
 * structs of a large model share pages (the reason for the regions). A
 * region freed of all its blocks is used again from its start, and what
 * it hands out is zero again. */
static void hot_blocks_are_packed_and_a_freed_region_is_reused_zeroed(void **state)
{
    (void)state;
#ifndef __SANITIZE_ADDRESS__
    unsigned char *a = sim_calloc_hot(100); /* two lines */
    unsigned char *b = sim_calloc_hot(64);
    unsigned char *c = sim_calloc_hot(1);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_ptr_equal(b, a + 2 * SIM_CACHE_LINE);
    assert_ptr_equal(c, b + SIM_CACHE_LINE);
    /* all three in one region: the same SIM_HOT_REGION-aligned span */
    assert_int_equal((uintptr_t)a / SIM_HOT_REGION, (uintptr_t)c / SIM_HOT_REGION);
    memset(a, 1, 128);
    sim_free_hot(b);
    sim_free_hot(a);
    sim_free_hot(c); /* the region is empty now (every earlier test freed) */
    unsigned char *d = sim_calloc_hot(128);
    assert_non_null(d);
    assert_ptr_equal(d, (unsigned char *)((uintptr_t)a & ~(uintptr_t)(SIM_HOT_REGION - 1)) +
                            SIM_CACHE_LINE); /* after the region's header */
    assert_true(all_zero(d, 128));
    sim_free_hot(d);
#endif
}

/* A block larger than a region gets a region of its own; the region being
 * filled goes on after it, and enough small blocks to fill several
 * regions all come back usable. */
static void blocks_larger_than_a_region_and_many_regions_work(void **state)
{
    (void)state;
    size_t big = SIM_HOT_REGION + SIM_HOT_REGION / 2;
    unsigned char *first = sim_calloc_hot(64);
    unsigned char *p = sim_calloc_hot(big);
    unsigned char *next = sim_calloc_hot(64);
    assert_non_null(first);
    assert_non_null(p);
    assert_non_null(next);
    assert_true(all_zero(p, big));
    assert_true(p[big - 1] == 0);
    memset(p, 7, big);
#ifndef __SANITIZE_ADDRESS__
    assert_ptr_equal(next, first + SIM_CACHE_LINE);
#endif
    enum { MANY = 3 * 2048 }; /* 1 KB each: three 2 MB regions */
    static unsigned char *blocks[MANY];
    for (int i = 0; i < MANY; i++) {
        blocks[i] = sim_calloc_hot(1024);
        assert_non_null(blocks[i]);
        blocks[i][1023] = (unsigned char)i;
    }
    for (int i = 0; i < MANY; i++) {
        assert_int_equal(blocks[i][1023], (unsigned char)i);
        assert_true(all_zero(blocks[i], 1023));
        sim_free_hot(blocks[i]);
    }
    sim_free_hot(p);
    sim_free_hot(next);
    sim_free_hot(first);
}

/* The test hooks fail hot blocks like every other allocation, so the
 * models' error paths through them are walked by their tests. */
static void hot_blocks_fail_under_the_test_hooks(void **state)
{
    (void)state;
    sim_alloc_fail_after(2);
    void *ok = sim_calloc_hot(64);
    assert_non_null(ok);
    assert_null(sim_calloc_hot(64));
    assert_null(sim_calloc_hot(64)); /* and every later one */
    sim_alloc_fail_reset();
    sim_alloc_fail_over(1000);
    assert_null(sim_calloc_hot(1001));
    void *small = sim_calloc_hot(1000);
    assert_non_null(small);
    sim_alloc_fail_reset();
    assert_null(sim_calloc_hot(SIZE_MAX)); /* no wrap to a small request */
    sim_free_hot(small);
    sim_free_hot(ok);
}

/* A growing table keeps its first entries, gets zeros after them, and is
 * left as it was when the larger block cannot be had. */
static void a_hot_table_grows_with_its_entries_kept_and_zeros_after(void **state)
{
    (void)state;
    uint32_t *t = sim_reallocarray_hot(NULL, 0, 4, sizeof *t);
    assert_non_null(t);
    for (uint32_t i = 0; i < 4; i++)
        t[i] = 100 + i;
    sim_alloc_fail_after(1);
    assert_null(sim_reallocarray_hot(t, 4, 64, sizeof *t));
    sim_alloc_fail_reset();
    assert_int_equal(t[3], 103);                                      /* untouched by the failure */
    assert_null(sim_reallocarray_hot(t, 4, SIZE_MAX / 2, sizeof *t)); /* overflow */
    uint32_t *g = sim_reallocarray_hot(t, 4, 64, sizeof *g);
    assert_non_null(g);
    for (uint32_t i = 0; i < 64; i++)
        assert_int_equal(g[i], i < 4 ? 100 + i : 0);
    sim_free_hot(g); /* t was freed by the growth */
}

/* Worlds are built and torn down on several threads at once: blocks from
 * two threads share regions, and each region goes away with its last
 * block. Each thread checks its blocks kept what it wrote. */
enum { PER_THREAD = 20000 };

static void *churn(void *arg)
{
    unsigned char tag = (unsigned char)(uintptr_t)arg;
    static unsigned char *mine[2][PER_THREAD];
    unsigned char **b = mine[tag - 1];
    int bad = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < PER_THREAD; i++) {
            b[i] = sim_calloc_hot(64 + (size_t)(i % 3) * 64);
            if (!b[i])
                return (void *)1;
            b[i][0] = tag;
        }
        for (int i = 0; i < PER_THREAD; i++) {
            bad |= b[i][0] != tag;
            sim_free_hot(b[i]);
        }
    }
    return (void *)(uintptr_t)bad;
}

static void threads_allocate_and_free_hot_blocks_at_once(void **state)
{
    (void)state;
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
    for (int i = 0; i < 2; i++) {
        void *bad = (void *)1;
        assert_int_equal(pthread_join(t[i], &bad), 0);
        assert_null(bad);
    }
}

/* Runs free_it(alloc_it(64)) in a child process: 1 if the child died of it
 * (abort, or a sanitizer's report and exit), 0 if it came through. */
static int dies(void *(*alloc_it)(size_t), void (*free_it)(void *))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka catches SIGSEGV and SIGABRT to report a failed test: the
         * child must die of them instead; its messages (glibc's, the
         * sanitizer's) are expected and not shown */
        const int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        /* a heap of a few MB, as a model's: the 2 MB boundary below a
         * plain block is then mapped memory, not a certain crash */
        for (int i = 0; i < 64; i++)
            (void)sim_malloc(64 << 10);
        free_it(alloc_it(64));
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void freeing_with_the_wrong_function_stops_the_program(void **state)
{
    (void)state;
    /* the right pairs come through (the control: the test can pass) */
    assert_false(dies(sim_calloc_hot, sim_free_hot));
    assert_false(dies(sim_malloc, sim_free));
    /* a plain block to sim_free_hot, a hot one to sim_free */
    assert_true(dies(sim_malloc, sim_free_hot));
    assert_true(dies(sim_calloc_hot, sim_free));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hot_blocks_start_on_a_cache_line_and_are_zero),
        cmocka_unit_test(hot_blocks_are_packed_and_a_freed_region_is_reused_zeroed),
        cmocka_unit_test(blocks_larger_than_a_region_and_many_regions_work),
        cmocka_unit_test(hot_blocks_fail_under_the_test_hooks),
        cmocka_unit_test(a_hot_table_grows_with_its_entries_kept_and_zeros_after),
        cmocka_unit_test(threads_allocate_and_free_hot_blocks_at_once),
        cmocka_unit_test(freeing_with_the_wrong_function_stops_the_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
