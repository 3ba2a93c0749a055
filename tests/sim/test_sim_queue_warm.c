/*
 * test_sim_queue_warm.c - the warm hooks of sim_queue_set_warm: which
 * event a hook is called for, with which ctx and arg, and when; and that
 * registering hooks changes nothing in the order of events (the large
 * calendar's differential run with a hook is in test_sim_queue_wheel.c).
 *
 * The log. Every call of a hook and of a callback appends (what, ctx, arg)
 * to one log, so the test sees their interleaving. A large calendar (more
 * than 256 events) calls the hook of the next event at the start of each
 * event, before that event's callback: W(k+1) F(k). With every event
 * pushed before the run (nothing can come between), the guess is always
 * right, so the rule is exact: a hook call for event x is followed by the
 * callback of the current event and then by x's own callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim_err.h"
#include "sim_queue.h"

enum { WARM_A = 1, WARM_B, FIRE_A, FIRE_B, FIRE_C };

typedef struct call {
    int what;
    const void *ctx;
    uint64_t arg;
    uint32_t left; /* sim_queue_size in a callback: the events still pending */
} call;

typedef struct tlog {
    sim_queue *q;
    call *c;
    size_t n, cap;
    unsigned char ctxs[4096]; /* events' contexts: &ctxs[i] */
} tlog;

static tlog *g_log; /* the hooks get a const ctx only; they log here */

static void append(int what, const void *ctx, uint64_t arg, uint32_t left)
{
    tlog *l = g_log;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->c = realloc(l->c, l->cap * sizeof *l->c);
        assert_non_null(l->c);
    }
    l->c[l->n++] = (call){what, ctx, arg, left};
}

static void warm_a(const void *ctx, uint64_t arg)
{
    append(WARM_A, ctx, arg, 0);
}

static void warm_b(const void *ctx, uint64_t arg)
{
    append(WARM_B, ctx, arg, 0);
}

static void fire_a(void *ctx, uint64_t arg, sim_time now)
{
    (void)now;
    append(FIRE_A, ctx, arg, sim_queue_size(g_log->q));
}

static void fire_b(void *ctx, uint64_t arg, sim_time now)
{
    (void)now;
    append(FIRE_B, ctx, arg, sim_queue_size(g_log->q));
}

static void fire_c(void *ctx, uint64_t arg, sim_time now)
{
    (void)now;
    append(FIRE_C, ctx, arg, sim_queue_size(g_log->q));
}

static void fire_d(void *ctx, uint64_t arg, sim_time now)
{
    (void)ctx, (void)arg, (void)now;
}

static void fire_e(void *ctx, uint64_t arg, sim_time now)
{
    (void)ctx, (void)arg, (void)now;
}

static sim_event_fn *const fires[] = {fire_a, fire_b, fire_c};

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* n events of the three callbacks, at times with many ties (the order of
 * equal times is the push order), each with its own ctx and arg. */
static void fill(tlog *l, int n, uint64_t seed)
{
    for (int i = 0; i < n; i++) {
        uint64_t r = mix(&seed);
        sim_time at = (sim_time)(r % 700) * ((r >> 20) % 3 == 0 ? 1000000 : 1);
        assert_int_not_equal(
            sim_queue_push(l->q, at, fires[(r >> 40) % 3], &l->ctxs[i], (uint64_t)i * 3 + 1),
            SIM_EVENT_NONE);
    }
}

static tlog *log_new(void)
{
    tlog *l = calloc(1, sizeof *l);
    assert_non_null(l);
    assert_non_null(l->q = sim_queue_create(0, NULL));
    g_log = l;
    return l;
}

static void log_free(tlog *l)
{
    sim_queue_destroy(l->q);
    free(l->c);
    free(l);
    g_log = NULL;
}

static int is_warm(int what)
{
    return what == WARM_A || what == WARM_B;
}

/* The exact rule of a run whose events were all pushed before it: the
 * hook of callback fire_x is called for the next event iff that event is
 * fire_x's, the current one was fired by a large calendar (more than 256
 * pending before it fired: `left` >= 256) and a next event exists; then
 * W(next) comes right before F(current). Returns the number of hook
 * calls. */
static size_t check_rule(const tlog *l, int with_b)
{
    size_t warms = 0;
    size_t prev = SIZE_MAX; /* the last callback's index in the log */
    for (size_t i = 0; i < l->n; i++) {
        const call *c = &l->c[i];
        if (is_warm(c->what)) {
            warms++;
            /* the current event's callback follows, then the event warmed */
            assert_true(i + 1 < l->n && !is_warm(l->c[i + 1].what));
            size_t k = i + 2;
            while (k < l->n && is_warm(l->c[k].what))
                k++;
            assert_true(k < l->n);
            assert_int_equal(l->c[k].what, c->what == WARM_A ? FIRE_A : FIRE_B);
            assert_ptr_equal(l->c[k].ctx, c->ctx);
            assert_int_equal(l->c[k].arg, c->arg);
            continue;
        }
        /* Was this event warmed (right before the previous callback)? It
         * must be if more than 256 events were pending before the previous
         * one fired, and may be down to SIM_QUEUE_BIG_OFF (64: the far
         * wheel stays on, and every event pops first, until fewer are
         * pending); never if it is not a hooked callback's. */
        int hooked = c->what == FIRE_A || (with_b && c->what == FIRE_B);
        int got = prev != SIZE_MAX && prev > 0 && is_warm(l->c[prev - 1].what);
        if (!hooked)
            assert_false(got);
        else if (prev != SIZE_MAX && l->c[prev].left >= 256)
            assert_true(got);
        else if (prev == SIZE_MAX || l->c[prev].left < 63)
            assert_false(got);
        prev = i;
    }
    return warms;
}

static void a_hook_is_called_for_the_next_event_with_its_ctx_and_arg(void **state)
{
    (void)state;
    tlog *l = log_new();
    assert_int_equal(sim_queue_set_warm(l->q, fire_a, warm_a), SIM_OK);
    fill(l, 4000, 1);
    assert_int_equal(sim_queue_run(l->q, SIM_TIME_NEVER), SIM_OK);
    size_t warms = check_rule(l, 0);
    /* about a third of the events that fired in the large calendar */
    assert_true(warms > 1000);
    log_free(l);
}

static void two_hooks_each_for_its_own_callback(void **state)
{
    (void)state;
    tlog *l = log_new();
    assert_int_equal(sim_queue_set_warm(l->q, fire_a, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_b, warm_b), SIM_OK);
    fill(l, 4000, 2);
    assert_int_equal(sim_queue_run(l->q, SIM_TIME_NEVER), SIM_OK);
    assert_true(check_rule(l, 1) > 2000);
    log_free(l);
}

static void a_small_calendar_calls_no_hook(void **state)
{
    (void)state;
    tlog *l = log_new();
    assert_int_equal(sim_queue_set_warm(l->q, fire_a, warm_a), SIM_OK);
    fill(l, 256, 3);
    assert_int_equal(sim_queue_run(l->q, SIM_TIME_NEVER), SIM_OK);
    assert_int_equal(l->n, 256);
    for (size_t i = 0; i < l->n; i++)
        assert_false(is_warm(l->c[i].what));
    log_free(l);
}

static void the_table_replaces_removes_and_fills_up(void **state)
{
    (void)state;
    tlog *l = log_new();
    /* fire_a's hook replaced by warm_b, then fire_a and fire_b removed */
    assert_int_equal(sim_queue_set_warm(l->q, fire_a, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_a, warm_b), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_c, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_b, NULL), SIM_OK); /* not there: no-op */
    assert_int_equal(sim_queue_set_warm(l->q, fire_c, NULL), SIM_OK);
    fill(l, 1000, 4);
    assert_int_equal(sim_queue_run(l->q, SIM_TIME_NEVER), SIM_OK);
    size_t warms = 0;
    for (size_t i = 0; i < l->n; i++) {
        assert_int_not_equal(l->c[i].what, WARM_A);
        if (l->c[i].what == WARM_B) {
            size_t k = i + 2; /* W(k+1) F(k) W(k+2)? F(k+1) */
            while (k < l->n && is_warm(l->c[k].what))
                k++;
            assert_true(k < l->n);
            assert_int_equal(l->c[k].what, FIRE_A);
            warms++;
        }
    }
    assert_true(warms > 100);
    /* SIM_QUEUE_WARM_MAX (4) callbacks at most; one more changes nothing */
    assert_int_equal(sim_queue_set_warm(l->q, fire_b, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_c, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_d, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(l->q, fire_e, warm_a), SIM_EFULL);
    assert_int_equal(sim_queue_set_warm(l->q, fire_d, warm_b), SIM_OK); /* a replacement */
    log_free(l);
}

/* Callbacks that push (sometimes earlier than the guessed next event, so
 * the guess is wrong) and cancel: the same run with and without hooks
 * fires the same events in the same order. */
static uint64_t g_seed, g_pushes;
static sim_event_id g_ids[64];

static void busy(void *ctx, uint64_t arg, sim_time now);
static void busy_b(void *ctx, uint64_t arg, sim_time now);

/* Mostly within the heap's block of 65 ms, one in eight in the far
 * wheel. */
static sim_time delay(uint64_t s)
{
    return (sim_time)((s >> 8) % ((s >> 40) % 8 ? 3000 : 10000000));
}

static void busy_any(int what, void *ctx, uint64_t arg, sim_time now)
{
    tlog *l = g_log;
    append(what, ctx, arg, 0);
    uint64_t r = mix(&g_seed);
    sim_queue_cancel(l->q, g_ids[r % 64]);
    uint64_t n = sim_queue_size(l->q) < 1000 ? 2 : (r >> 8) % 2;
    for (uint64_t k = 0; k < n && g_pushes < 300000; k++) {
        uint64_t s = mix(&g_seed);
        g_ids[s % 64] = sim_queue_push(l->q, now + delay(s), s & 1 ? busy : busy_b,
                                       &l->ctxs[(s >> 20) % 4096], ++g_pushes);
    }
}

static void busy(void *ctx, uint64_t arg, sim_time now)
{
    busy_any(FIRE_A, ctx, arg, now);
}

static void busy_b(void *ctx, uint64_t arg, sim_time now)
{
    busy_any(FIRE_B, ctx, arg, now);
}

static void busy_run(tlog *l)
{
    g_seed = 5;
    g_pushes = 1000;
    for (int i = 0; i < 64; i++)
        g_ids[i] = SIM_EVENT_NONE;
    for (int i = 0; i < 1000; i++)
        sim_queue_push(l->q, (sim_time)i, busy, &l->ctxs[i], (uint64_t)i);
    assert_int_equal(sim_queue_run(l->q, SIM_TIME_NEVER), SIM_OK);
}

static void hooks_do_not_change_the_order(void **state)
{
    (void)state;
    tlog *plain = log_new();
    busy_run(plain);
    tlog *hooked = log_new();
    assert_int_equal(sim_queue_set_warm(hooked->q, busy, warm_a), SIM_OK);
    assert_int_equal(sim_queue_set_warm(hooked->q, busy_b, warm_b), SIM_OK);
    busy_run(hooked);
    size_t j = 0, warms = 0, wrong = 0;
    for (size_t i = 0; i < hooked->n; i++) {
        if (is_warm(hooked->c[i].what)) {
            /* a guess proved wrong: another event came first */
            size_t k = i + 2;
            while (k < hooked->n && is_warm(hooked->c[k].what))
                k++;
            wrong += k < hooked->n && hooked->c[k].arg != hooked->c[i].arg;
            warms++;
            continue;
        }
        assert_true(j < plain->n);
        assert_int_equal(hooked->c[i].what, plain->c[j].what);
        assert_int_equal((const unsigned char *)hooked->c[i].ctx - hooked->ctxs,
                         (const unsigned char *)plain->c[j].ctx - plain->ctxs);
        assert_int_equal(hooked->c[i].arg, plain->c[j].arg);
        j++;
    }
    assert_int_equal(j, plain->n);
    assert_true(plain->n > 100000 && warms > plain->n / 2 && wrong > 1000);
    g_log = plain;
    log_free(plain);
    g_log = hooked;
    log_free(hooked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hook_is_called_for_the_next_event_with_its_ctx_and_arg),
        cmocka_unit_test(two_hooks_each_for_its_own_callback),
        cmocka_unit_test(a_small_calendar_calls_no_hook),
        cmocka_unit_test(the_table_replaces_removes_and_fills_up),
        cmocka_unit_test(hooks_do_not_change_the_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
