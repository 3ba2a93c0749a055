/*
 * Tests of mdl_breaker: scripted outcome sequences, every transition worked
 * out by hand from resilience4j's rules (REFERENCE.md G1): the count window,
 * the time window (one-second buckets, an uncapped minimum, a fresh window
 * after closing), minimum calls, the >= at exactly 50 %, slow calls
 * (strictly longer than the duration), the consecutive-failures mode, the
 * rate and consecutive rules together, the open duration (HALF_OPEN only on
 * the first call after it), half-open probes that close and reopen, stale
 * tickets, released permissions, time spent open, and publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mdl_breaker.h"
#include "sim_alloc.h"
#include "sim_result.h"

#define OK   0
#define FAIL 1

/* One permitted call at now with outcome `failed` and duration d. */
static void call(mdl_breaker *b, sim_time now, int failed, sim_time d)
{
    uint32_t t;
    assert_int_equal(mdl_breaker_acquire(b, now, &t), 1);
    mdl_breaker_record(b, t, failed, d, now + d);
}

static void the_rate_is_computed_only_after_the_minimum_calls(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 10, .minimum_calls = 4, .failure_rate = 50};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    /* F F F: 100 % failures but only 3 < 4 outcomes: no rate, stays CLOSED. */
    for (int k = 0; k < 3; k++)
        call(b, k * SIM_SEC, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(b), 3);
    assert_int_equal(mdl_breaker_window_failed(b), 3);
    /* 4th outcome, a success: 3/4 = 75 % >= 50 % -> OPEN. */
    call(b, 3 * SIM_SEC, OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_opened(b), 1);
    mdl_breaker_destroy(b);
}

static void exactly_the_threshold_opens_because_the_rule_is_at_least(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 10, .minimum_calls = 4, .failure_rate = 50};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, OK, 0);
    call(b, 1, FAIL, 0);
    call(b, 2, OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED); /* 3 < minimum */
    call(b, 3, FAIL, 0); /* 2/4 = 50 %: 50 >= 50 opens (opossum's > would not) */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(b);
}

/* Scenarios give rates as fractions ("14%" is the double 0.14) and the
 * world passes fraction x 100, which is not exact for some whole percents:
 * 0.07, 0.14, 0.28, 0.55 and 0.56 times 100 are 7.000000000000001,
 * 14.000000000000002, 28.000000000000004, 55.00000000000001 and
 * 56.00000000000001. A window of 100 with exactly p failures is p % and
 * must open (the rule is >=); p - 1 failures must not. */
static void a_whole_percent_threshold_given_as_a_fraction_opens_at_exactly_that_rate(void **state)
{
    (void)state;
    static const int pct[] = {7, 14, 28, 55, 56};
    for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
        for (int failures = pct[k] - 1; failures <= pct[k]; failures++) {
            mdl_breaker_cfg cfg = {
                .window = 100, .minimum_calls = 100, .failure_rate = (pct[k] / 100.0) * 100.0};
            mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
            assert_non_null(b);
            /* The failures first, then successes: the rate is computed once,
             * at the 100th outcome. */
            for (int i = 0; i < 100; i++)
                call(b, i, i < failures ? FAIL : OK, 0);
            assert_int_equal(mdl_breaker_state_of(b),
                             failures == pct[k] ? MDL_BREAKER_OPEN : MDL_BREAKER_CLOSED);
            mdl_breaker_destroy(b);
        }
    }
}

static void the_window_slides_over_the_last_n_outcomes(void **state)
{
    (void)state;
    /* N = 3, minimum 3, 50 %. F S S -> 1/3; F evicts F -> S S F 1/3;
     * F evicts S -> S F F = 2/3 >= 50 % -> OPEN. */
    mdl_breaker_cfg cfg = {.window = 3, .minimum_calls = 3, .failure_rate = 50};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, FAIL, 0);
    call(b, 1, OK, 0);
    call(b, 2, OK, 0);
    assert_int_equal(mdl_breaker_window_failed(b), 1);
    call(b, 3, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(b), 3);
    assert_int_equal(mdl_breaker_window_failed(b), 1);
    call(b, 4, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(b);
}

static void the_minimum_is_capped_at_the_window_size(void **state)
{
    (void)state;
    /* minimum 100 > window 5: resilience4j uses min(100, 5) = 5. */
    mdl_breaker_cfg cfg = {.window = 5, .minimum_calls = 100};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    for (int k = 0; k < 4; k++)
        call(b, k, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    call(b, 4, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(b);
}

static void the_resilience4j_defaults_need_one_hundred_calls(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {0};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    for (int k = 0; k < 99; k++)
        call(b, k, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED); /* 99 < 100 */
    call(b, 99, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    /* Default open duration 60 s after the opening at t = 99 us. */
    assert_int_equal(mdl_breaker_open_until(b), 99 + 60 * SIM_SEC);
    mdl_breaker_destroy(b);
}

static void slow_calls_are_strictly_longer_than_the_duration(void **state)
{
    (void)state;
    /* Window 4, minimum 4, slow rate 50 %, slow above 10 s. Four successes
     * of 11 s (slow), 5 s, exactly 10 s (not slow: > not >=), 12 s (slow):
     * 2/4 = 50 % slow -> OPEN, with no failure at all. */
    mdl_breaker_cfg cfg = {
        .window = 4, .minimum_calls = 4, .slow_call_rate = 50, .slow_call_duration = 10 * SIM_SEC};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, OK, 11 * SIM_SEC);
    call(b, 20 * SIM_SEC, OK, 5 * SIM_SEC);
    call(b, 40 * SIM_SEC, OK, 10 * SIM_SEC);
    assert_int_equal(mdl_breaker_window_slow(b), 1);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    call(b, 60 * SIM_SEC, OK, 12 * SIM_SEC);
    assert_int_equal(mdl_breaker_window_slow(b), 2);
    assert_int_equal(mdl_breaker_window_failed(b), 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(b);
}

static void open_refuses_until_the_duration_then_the_next_call_probes(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {
        .window = 2, .minimum_calls = 2, .open_duration = 30 * SIM_SEC, .half_open_calls = 4};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, FAIL, 0);
    call(b, 10 * SIM_SEC, FAIL, 0); /* opens at 10 s, until 40 s */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    uint32_t t[6];
    assert_int_equal(mdl_breaker_acquire(b, 10 * SIM_SEC, &t[0]), 0);
    assert_int_equal(mdl_breaker_acquire(b, 40 * SIM_SEC - 1, &t[0]), 0);
    assert_int_equal(mdl_breaker_refused(b), 2);
    /* No timer: still OPEN at 45 s until someone calls. */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_time_open(b, 45 * SIM_SEC), 35 * SIM_SEC);
    /* The call at 45 s moves it to HALF_OPEN and is the first of 4 probes. */
    for (int k = 0; k < 4; k++)
        assert_int_equal(mdl_breaker_acquire(b, 45 * SIM_SEC, &t[k]), 1);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_HALF_OPEN);
    assert_int_equal(mdl_breaker_time_open(b, 50 * SIM_SEC), 35 * SIM_SEC);
    assert_int_equal(mdl_breaker_acquire(b, 46 * SIM_SEC, &t[4]), 0); /* 5th: refused */
    assert_int_equal(mdl_breaker_refused(b), 3);
    /* The decision needs min(minimum 2, probes 4) = 2 probe outcomes. After
     * S S: 0/2 = 0 % < 50 % -> CLOSED, before the last two probes answer. */
    mdl_breaker_record(b, t[0], OK, SIM_SEC, 46 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_HALF_OPEN);
    mdl_breaker_record(b, t[1], OK, SIM_SEC, 47 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(b), 0); /* a fresh window */
    assert_int_equal(mdl_breaker_time_half_open(b, 100 * SIM_SEC), 2 * SIM_SEC);
    /* The other two probes were permitted in HALF_OPEN: stale now, ignored. */
    uint64_t before = mdl_breaker_recorded(b);
    mdl_breaker_record(b, t[2], FAIL, SIM_SEC, 48 * SIM_SEC);
    mdl_breaker_record(b, t[3], FAIL, SIM_SEC, 48 * SIM_SEC);
    assert_int_equal(mdl_breaker_recorded(b), before);
    assert_int_equal(mdl_breaker_window_count(b), 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    mdl_breaker_destroy(b);
}

static void half_open_probes_at_the_threshold_reopen(void **state)
{
    (void)state;
    /* minimum 10 > 4 probes: all 4 probe outcomes decide (the half-open
     * minimum is min(10, 4) = 4, from the configured minimum, even though
     * the CLOSED window of 1 caps its own minimum at 1). */
    mdl_breaker_cfg cfg = {
        .window = 1, .minimum_calls = 10, .open_duration = 10 * SIM_SEC, .half_open_calls = 4};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, FAIL, 0); /* window 1, minimum min(10, 1) = 1: 100 % -> OPEN at 0 */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    uint32_t t[4];
    for (int k = 0; k < 4; k++)
        assert_int_equal(mdl_breaker_acquire(b, 10 * SIM_SEC, &t[k]), 1);
    mdl_breaker_record(b, t[0], FAIL, 0, 11 * SIM_SEC);
    mdl_breaker_record(b, t[1], FAIL, 0, 11 * SIM_SEC);
    mdl_breaker_record(b, t[2], OK, 0, 11 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_HALF_OPEN); /* 3 of 4 */
    mdl_breaker_record(b, t[3], OK, 0, 12 * SIM_SEC);                 /* 2/4 = 50 % >= 50 % */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_opened(b), 2);
    assert_int_equal(mdl_breaker_open_until(b), 22 * SIM_SEC);
    /* Open [0, 10 s) and [12 s, now); half-open [10 s, 12 s). */
    assert_int_equal(mdl_breaker_time_open(b, 15 * SIM_SEC), 13 * SIM_SEC);
    assert_int_equal(mdl_breaker_time_half_open(b, 15 * SIM_SEC), 2 * SIM_SEC);
    mdl_breaker_destroy(b);
}

static void a_released_probe_frees_its_slot(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 1, .open_duration = SIM_SEC, .half_open_calls = 1};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, FAIL, 0);
    uint32_t t;
    assert_int_equal(mdl_breaker_acquire(b, SIM_SEC, &t), 1);
    assert_int_equal(mdl_breaker_acquire(b, SIM_SEC, &t), 0);
    mdl_breaker_release(b, t);
    assert_int_equal(mdl_breaker_acquire(b, SIM_SEC, &t), 1);
    mdl_breaker_record(b, t, OK, 0, 2 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    mdl_breaker_destroy(b);
}

static void consecutive_mode_opens_after_five_failures_in_a_row(void **state)
{
    (void)state;
    /* The card's "5 failures / 60 s": defaults of the consecutive mode. */
    mdl_breaker_cfg cfg = {.mode = MDL_BREAKER_CONSECUTIVE};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    sim_time t = 0;
    for (int k = 0; k < 4; k++)
        call(b, t++, FAIL, 0);
    call(b, t++, OK, 0); /* the streak of 4 resets */
    for (int k = 0; k < 4; k++)
        call(b, t++, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    /* A slow success counts toward the streak (default: slow above 60 s). */
    call(b, t, OK, 61 * SIM_SEC);
    sim_time opened = t + 61 * SIM_SEC;
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_open_until(b), opened + 60 * SIM_SEC);

    /* One probe (default): a failure reopens at once for another 60 s. */
    uint32_t p, other;
    assert_int_equal(mdl_breaker_acquire(b, opened + 60 * SIM_SEC, &p), 1);
    assert_int_equal(mdl_breaker_acquire(b, opened + 60 * SIM_SEC, &other), 0);
    mdl_breaker_record(b, p, FAIL, SIM_SEC, opened + 61 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_open_until(b), opened + 121 * SIM_SEC);
    /* The next probe succeeds: CLOSED, with the streak at zero. */
    assert_int_equal(mdl_breaker_acquire(b, opened + 121 * SIM_SEC, &p), 1);
    mdl_breaker_record(b, p, OK, SIM_SEC, opened + 122 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    for (int k = 0; k < 4; k++)
        call(b, opened + 200 * SIM_SEC + k, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_opened(b), 2);
    mdl_breaker_destroy(b);
}

#define T(x) ((sim_time)((x)*1e6 + 0.5))

/* Time window of 10 s (seconds (now - 10, now], by whole seconds), minimum
 * 4, failure rate 50 %; outcomes F at 0.5 s, F at 1.0 s, F at 9.9 s, OK at
 * 10.0 s, F at 10.5 s.
 *   9.9 s   seconds 0..9: 3 outcomes < 4: no rate.
 *   10.0 s  second 10 starts: second 0 (F at 0.5 s) leaves; seconds 1..10
 *           hold F, F, OK: 3 < 4, CLOSED.
 *   10.5 s  F, F, OK, F: 3/4 = 75 % >= 50 %: OPEN.
 * A count window of 10 with the same outcomes opens at 10.0 s already (4
 * outcomes, 3 failed). After a silence of >= 10 s the window is empty. */
static void a_time_window_holds_the_outcomes_of_the_last_n_seconds(void **state)
{
    (void)state;
    mdl_breaker_cfg tc = {.window_kind = MDL_BREAKER_WINDOW_TIME,
                          .window = 10,
                          .minimum_calls = 4,
                          .failure_rate = 50};
    mdl_breaker_cfg cc = tc;
    cc.window_kind = MDL_BREAKER_WINDOW_COUNT;
    mdl_breaker *t = mdl_breaker_create(&tc, 0, NULL), *c = mdl_breaker_create(&cc, 0, NULL);
    assert_non_null(t);
    assert_non_null(c);
    const double at[] = {0.5, 1.0, 9.9, 10.0};
    const int out[] = {FAIL, FAIL, FAIL, OK};
    for (int k = 0; k < 4; k++) {
        call(t, T(at[k]), out[k], 0);
        call(c, T(at[k]), out[k], 0);
    }
    assert_int_equal(mdl_breaker_state_of(c), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_state_of(t), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(t), 3);
    assert_int_equal(mdl_breaker_window_failed(t), 2);
    call(t, T(10.5), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(t), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(t);
    mdl_breaker_destroy(c);

    t = mdl_breaker_create(&tc, 0, NULL);
    assert_non_null(t);
    for (int k = 0; k < 3; k++)
        call(t, T(0.3 * k), FAIL, 0);
    assert_int_equal(mdl_breaker_window_count(t), 3);
    call(t, T(100), OK, 0); /* 100 s later: seconds 91..100 hold only this */
    assert_int_equal(mdl_breaker_window_count(t), 1);
    assert_int_equal(mdl_breaker_window_failed(t), 0);
    assert_int_equal(mdl_breaker_state_of(t), MDL_BREAKER_CLOSED);
    mdl_breaker_destroy(t);
}

/* resilience4j caps the minimum at N for a count window only. Window 2,
 * minimum 5, failures at 0, 0.1, ... s: the count window (minimum
 * min(5, 2) = 2) opens at the second failure; the time window of 2 s needs
 * all 5, and opens at the fifth (0.4 s). */
static void the_minimum_is_not_capped_in_a_time_window(void **state)
{
    (void)state;
    mdl_breaker_cfg tc = {.window_kind = MDL_BREAKER_WINDOW_TIME, .window = 2, .minimum_calls = 5};
    mdl_breaker_cfg cc = {.window = 2, .minimum_calls = 5};
    mdl_breaker *t = mdl_breaker_create(&tc, 0, NULL), *c = mdl_breaker_create(&cc, 0, NULL);
    assert_non_null(t);
    assert_non_null(c);
    call(c, 0, FAIL, 0);
    call(c, T(0.1), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(c), MDL_BREAKER_OPEN);
    for (int k = 0; k < 4; k++)
        call(t, T(0.1 * k), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(t), MDL_BREAKER_CLOSED);
    call(t, T(0.4), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(t), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(t);
    mdl_breaker_destroy(c);
}

/* Closing starts a fresh time window, even within the same second. Window
 * 10 s, minimum 2, open 0.5 s, one probe: F at 0 s and 0.1 s open it (2/2);
 * the probe at 0.6 s succeeds: CLOSED. An F at 0.7 s is then alone in the
 * window (1 < 2): CLOSED. Keeping the old outcomes (second 0: F, F, OK, F =
 * 75 %) would have opened it again. */
static void closing_starts_a_fresh_time_window(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window_kind = MDL_BREAKER_WINDOW_TIME,
                           .window = 10,
                           .minimum_calls = 2,
                           .open_duration = T(0.5),
                           .half_open_calls = 1};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 0, FAIL, 0);
    call(b, T(0.1), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    call(b, T(0.6), OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    call(b, T(0.7), FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(b), 1);
    mdl_breaker_destroy(b);
}

/* Rate mode with consecutive = 3 (count window 10, minimum 10, 50 %): either
 * rule opens it.
 *   F F F              the streak rule opens at the third (the rate rule
 *                      alone, consecutive 0, stays CLOSED: 3 < 10 calls);
 *   F OK F OK ... x5   the rate rule opens at the tenth call (5/10 = 50 %),
 *                      the streak never passes 1 (consecutive mode with 3
 *                      stays CLOSED). */
static void the_rate_and_the_consecutive_rule_each_open_the_breaker(void **state)
{
    (void)state;
    mdl_breaker_cfg both = {.window = 10, .minimum_calls = 10, .consecutive = 3};
    mdl_breaker_cfg rate = {.window = 10, .minimum_calls = 10};
    mdl_breaker_cfg streak = {.mode = MDL_BREAKER_CONSECUTIVE, .consecutive = 3};
    mdl_breaker *b = mdl_breaker_create(&both, 0, NULL), *r = mdl_breaker_create(&rate, 0, NULL);
    assert_non_null(b);
    assert_non_null(r);
    for (int k = 0; k < 3; k++) {
        call(b, k, FAIL, 0);
        call(r, k, FAIL, 0);
    }
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_state_of(r), MDL_BREAKER_CLOSED);
    mdl_breaker_destroy(b);
    mdl_breaker_destroy(r);

    b = mdl_breaker_create(&both, 0, NULL);
    mdl_breaker *s = mdl_breaker_create(&streak, 0, NULL);
    assert_non_null(b);
    assert_non_null(s);
    for (int k = 0; k < 9; k++) {
        call(b, k, k % 2 == 0 ? FAIL : OK, 0);
        call(s, k, k % 2 == 0 ? FAIL : OK, 0);
    }
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED); /* 9 < 10 calls */
    call(b, 9, OK, 0);
    call(s, 9, OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_state_of(s), MDL_BREAKER_CLOSED);
    mdl_breaker_destroy(b);
    mdl_breaker_destroy(s);
}

/* With both rules, HALF_OPEN judges the probes by the rate, and a streak of
 * failed probes reopens early. Count window 4, minimum 4, consecutive 3,
 * 6 probes, open 10 s: F F F at 0, 1, 2 s open it (streak) until 12 s.
 * Probes F, F, F at 12, 13, 14 s reopen it at 14 s (a streak of 3, before
 * the min(4, 6) = 4 probes the rate needs) until 24 s. Probes F, OK, OK, OK
 * at 24-27 s: 1/4 = 25 % < 50 %: CLOSED (the pure consecutive mode would
 * have reopened at the first failed probe). */
static void half_open_probes_are_judged_by_the_rate_and_a_streak_reopens(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 4,
                           .minimum_calls = 4,
                           .consecutive = 3,
                           .half_open_calls = 6,
                           .open_duration = 10 * SIM_SEC};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    for (int k = 0; k < 3; k++)
        call(b, k * SIM_SEC, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_open_until(b), 12 * SIM_SEC);
    for (int k = 0; k < 3; k++)
        call(b, (12 + k) * SIM_SEC, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_open_until(b), 24 * SIM_SEC);
    call(b, 24 * SIM_SEC, FAIL, 0);
    for (int k = 1; k < 3; k++)
        call(b, (24 + k) * SIM_SEC, OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_HALF_OPEN); /* 3 < 4 probes */
    call(b, 27 * SIM_SEC, OK, 0);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_opened(b), 2);
    mdl_breaker_destroy(b);
}

static void a_late_outcome_from_an_earlier_state_is_ignored(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 2, .minimum_calls = 2};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    uint32_t slow_call;
    assert_int_equal(mdl_breaker_acquire(b, 0, &slow_call), 1); /* still running */
    call(b, 1, FAIL, 0);
    call(b, 2, FAIL, 0); /* OPEN */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_record(b, slow_call, OK, 5, 5); /* its answer comes while OPEN */
    assert_int_equal(mdl_breaker_recorded(b), 2);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(b);
}

/* A copy of a breaker's state makes the transitions the original would,
 * and trying outcomes on it leaves the original as it was. Count window of
 * 4, minimum 4, slow rate 50 %, slow above 1 s: after S . . (one slow call
 * in three), one more slow call gives 2/4 = 50 % slow -> OPEN on the copy;
 * the original still holds 3 outcomes, CLOSED. Then a copy taken from the
 * same original sees a fast call instead: 1/4 = 25 %, CLOSED. */
static void a_copy_tries_outcomes_without_changing_the_original(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 4,
                           .minimum_calls = 4,
                           .slow_call_rate = 50,
                           .slow_call_duration = SIM_SEC,
                           .series_interval = SIM_MIN,
                           .series_bins = 10};
    mdl_breaker_cfg plain = cfg;
    plain.series_bins = 0;
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    mdl_breaker *trial = mdl_breaker_create(&plain, 0, NULL);
    assert_non_null(b);
    assert_non_null(trial);
    call(b, 0, OK, 2 * SIM_SEC);
    call(b, 3 * SIM_SEC, OK, 0);
    call(b, 4 * SIM_SEC, OK, 0);
    assert_int_equal(mdl_breaker_copy_state(trial, b), SIM_OK);
    assert_int_equal(mdl_breaker_window_slow(trial), 1);
    call(trial, 5 * SIM_SEC, OK, 2 * SIM_SEC);
    assert_int_equal(mdl_breaker_state_of(trial), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(b), 3);
    assert_int_equal(mdl_breaker_opened(b), 0);
    assert_int_equal(mdl_breaker_copy_state(trial, b), SIM_OK);
    call(trial, 5 * SIM_SEC, OK, 0);
    assert_int_equal(mdl_breaker_state_of(trial), MDL_BREAKER_CLOSED);
    assert_int_equal(mdl_breaker_window_count(trial), 4);
    /* windows of another size cannot be copied */
    mdl_breaker_cfg other = plain;
    other.window = 5;
    mdl_breaker *c = mdl_breaker_create(&other, 0, NULL);
    assert_non_null(c);
    assert_int_equal(mdl_breaker_copy_state(c, b), SIM_EINVAL);
    mdl_breaker_destroy(c);
    mdl_breaker_destroy(trial);
    mdl_breaker_destroy(b);
}

static void bad_configurations_are_rejected(void **state)
{
    (void)state;
    sim_err err;
    mdl_breaker_cfg above_100 = {.failure_rate = 150};
    assert_null(mdl_breaker_create(&above_100, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    mdl_breaker_cfg negative = {.window = -1};
    assert_null(mdl_breaker_create(&negative, 0, &err));
    mdl_breaker_cfg mode = {.mode = (mdl_breaker_mode)7};
    assert_null(mdl_breaker_create(&mode, 0, &err));
    mdl_breaker_cfg kind = {.window_kind = (mdl_breaker_window)7};
    assert_null(mdl_breaker_create(&kind, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_string_equal(mdl_breaker_state_name(MDL_BREAKER_HALF_OPEN), "half_open");
}

static void publish_reports_time_open_and_the_series(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 1,
                           .open_duration = 10 * SIM_SEC,
                           .series_interval = 10 * SIM_SEC,
                           .series_bins = 4};
    mdl_breaker *b = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(b);
    call(b, 5 * SIM_SEC, FAIL, 0); /* open at 5 s; stays OPEN: no call comes */
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(mdl_breaker_publish(b, "flow.F1", 40 * SIM_SEC, r, NULL), SIM_OK);
    long i = sim_result_find(r, "flow.F1.breaker_open_s");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 35.0);
    i = sim_result_find(r, "flow.F1.breaker_open_share");
    assert_true(i >= 0 && sim_result_value(r, (size_t)i) == 35.0 / 40.0);
    i = sim_result_find(r, "flow.F1.breaker_open_series");
    assert_true(i >= 0);
    const sim_series *s = sim_result_series_at(r, (size_t)i);
    /* Buckets of 10 s: open half of the first, all of the others. */
    assert_true(sim_series_value(s, 0) == 0.5);
    assert_true(sim_series_value(s, 1) == 1.0 && sim_series_value(s, 3) == 1.0);
    sim_result_destroy(r);
    mdl_breaker_destroy(b);
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.series_interval = SIM_SEC, .series_bins = 10};
    for (long n = 1;; n++) {
        sim_err err;
        sim_alloc_fail_after(n);
        mdl_breaker *b = mdl_breaker_create(&cfg, 0, &err);
        sim_alloc_fail_reset();
        if (b) {
            mdl_breaker_destroy(b);
            break;
        }
        assert_int_equal(err.code, SIM_ENOMEM);
    }
}

/* ---- n successes at once (the aggregate path) ---------------------------- */

/* What mdl_breaker_record_ok_n must equal: each call acquired and recorded
 * as a success at its answer, in order. */
static void ok_one_by_one(mdl_breaker *b, size_t n, const sim_time *at, const sim_time *d)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t t;
        if (mdl_breaker_acquire(b, at[i], &t))
            mdl_breaker_record(b, t, 0, d[i], at[i]);
    }
}

/* The two breakers are in the same state now, and stay so under the same
 * outcomes one at a time from `from` on (every 300 ms, four windows' worth;
 * one in five fails, below the rates, so the window keeps sliding):
 * what the window holds (the ring's bytes, the buckets' seconds) decides
 * when each reopens, so equal reactions mean equal windows. */
static void assert_same_breakers(mdl_breaker *x, mdl_breaker *y, sim_time from)
{
    for (int k = 0; k <= 40; k++) {
        assert_int_equal(mdl_breaker_state_of(x), mdl_breaker_state_of(y));
        assert_int_equal(mdl_breaker_window_count(x), mdl_breaker_window_count(y));
        assert_int_equal(mdl_breaker_window_failed(x), mdl_breaker_window_failed(y));
        assert_int_equal(mdl_breaker_window_slow(x), mdl_breaker_window_slow(y));
        assert_true(mdl_breaker_recorded(x) == mdl_breaker_recorded(y));
        assert_true(mdl_breaker_opened(x) == mdl_breaker_opened(y));
        assert_true(mdl_breaker_refused(x) == mdl_breaker_refused(y));
        sim_time now = from + k * 300 * SIM_MS;
        uint32_t tx, ty;
        int px = mdl_breaker_acquire(x, now, &tx), py = mdl_breaker_acquire(y, now, &ty);
        assert_int_equal(px, py);
        if (px) {
            mdl_breaker_record(x, tx, k % 5 == 4, 0, now);
            mdl_breaker_record(y, ty, k % 5 == 4, 0, now);
        }
    }
}

/* Bulk and one by one from the same prefix (prefix_n calls one by one on
 * both, failed as given), then the same n successes. */
static void bulk_equals_singles(const mdl_breaker_cfg *cfg, size_t prefix_n,
                                const sim_time *prefix_at, const int *prefix_failed, size_t n,
                                const sim_time *at, const sim_time *d)
{
    mdl_breaker *x = mdl_breaker_create(cfg, 0, NULL), *y = mdl_breaker_create(cfg, 0, NULL);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < prefix_n; i++) {
        uint32_t tx, ty;
        assert_int_equal(mdl_breaker_acquire(x, prefix_at[i], &tx), 1);
        assert_int_equal(mdl_breaker_acquire(y, prefix_at[i], &ty), 1);
        mdl_breaker_record(x, tx, prefix_failed[i], 0, prefix_at[i]);
        mdl_breaker_record(y, ty, prefix_failed[i], 0, prefix_at[i]);
    }
    mdl_breaker_record_ok_n(x, n, at, d);
    ok_one_by_one(y, n, at, d);
    assert_same_breakers(x, y, n ? at[n - 1] : 0);
    mdl_breaker_destroy(x);
    mdl_breaker_destroy(y);
}

static void n_fast_successes_at_once_fill_a_count_window_as_one_by_one(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window = 10, .minimum_calls = 4, .failure_rate = 50, .consecutive = 3};
    sim_time at[25], d[25];
    for (int i = 0; i < 25; i++) {
        at[i] = 10 * SIM_SEC + i * 100 * SIM_MS;
        d[i] = 50 * SIM_MS;
    }
    sim_time pre_at[7] = {1, 2, 3, 4, 5, 6, 7};
    int ok[7] = {0};
    /* Short of the ring, up to its end, wrapping round it, more than it. */
    for (size_t pre = 0; pre <= 7; pre += 3)
        for (size_t n = 0; n <= 25; n++)
            bulk_equals_singles(&cfg, pre, pre_at, ok, n, at, d);
    /* A window closed again after failures: its ring still holds their
     * bytes beyond n, which the successes must overwrite (4 failures open
     * it, 60 s later the 4 probes of min(minimum_calls, 10) close it). */
    sim_time reopen_at[8];
    int reopen_failed[8];
    for (int i = 0; i < 8; i++) {
        reopen_at[i] = i < 4 ? i + 1 : 61 * SIM_SEC + i;
        reopen_failed[i] = i < 4;
    }
    cfg.consecutive = 0;
    for (size_t n = 0; n <= 25; n++)
        bulk_equals_singles(&cfg, 8, reopen_at, reopen_failed, n, at, d);
}

static void n_fast_successes_at_once_fill_a_time_window_as_one_by_one(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {.window_kind = MDL_BREAKER_WINDOW_TIME,
                           .window = 5,
                           .minimum_calls = 3,
                           .failure_rate = 50};
    /* Within a second, exactly on its edge, twice on an edge, across a
     * silence shorter and one longer than the window. */
    sim_time at[] = {200 * SIM_MS, 900 * SIM_MS,  SIM_SEC,      SIM_SEC,      3500 * SIM_MS,
                     6 * SIM_SEC,  9900 * SIM_MS, 10 * SIM_SEC, 10 * SIM_SEC, 31 * SIM_SEC + 7};
    sim_time d[10] = {0};
    sim_time pre_at[2] = {0, 100 * SIM_MS};
    int ok[2] = {0};
    for (size_t n = 0; n <= 10; n++) {
        bulk_equals_singles(&cfg, 0, pre_at, ok, n, at, d);
        bulk_equals_singles(&cfg, 2, pre_at, ok, n, at, d);
    }
}

/* Where a fast success can move the breaker, or a success is slow, the
 * bulk add takes them one by one: a window holding failures that a
 * success brings to the minimum (2 of 4 = 50 %: OPEN, then the rest are
 * refused), and a slow success in consecutive mode (a streak of 1). */
static void successes_that_can_move_the_breaker_go_one_by_one(void **state)
{
    (void)state;
    mdl_breaker_cfg rate = {.window = 10, .minimum_calls = 4, .failure_rate = 50};
    sim_time at[6] = {10, 20, 30, 40, 50, 60}, d[6] = {0};
    sim_time pre_at[2] = {1, 2};
    int failed[2] = {1, 1};
    bulk_equals_singles(&rate, 2, pre_at, failed, 6, at, d);
    mdl_breaker *b = mdl_breaker_create(&rate, 0, NULL);
    assert_non_null(b);
    call(b, 1, FAIL, 0);
    call(b, 2, FAIL, 0);
    mdl_breaker_record_ok_n(b, 6, at, d);
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN); /* at the 2nd success */
    assert_true(mdl_breaker_refused(b) == 4);
    mdl_breaker_destroy(b);

    mdl_breaker_cfg consecutive = {
        .mode = MDL_BREAKER_CONSECUTIVE, .consecutive = 2, .slow_call_duration = SIM_SEC};
    sim_time slow[6] = {0, 2 * SIM_SEC, 0, 2 * SIM_SEC, 2 * SIM_SEC, 0};
    bulk_equals_singles(&consecutive, 0, pre_at, failed, 6, at, slow);
    b = mdl_breaker_create(&consecutive, 0, NULL);
    assert_non_null(b);
    mdl_breaker_record_ok_n(b, 6, at, slow); /* two slow in a row: OPEN at 50 us */
    assert_int_equal(mdl_breaker_state_of(b), MDL_BREAKER_OPEN);
    assert_true(mdl_breaker_recorded(b) == 5 && mdl_breaker_refused(b) == 1);
    mdl_breaker_destroy(b);
}

/* Consecutive mode has no window: slow successes short of the threshold
 * only lengthen the streak, which a run takes in one scan. With 3 in a row
 * to open: slow, slow, fast, slow, fast, slow, slow leaves a streak of 2,
 * so one failure next opens it, as after the calls one by one. */
static void slow_successes_short_of_the_streak_go_at_once(void **state)
{
    (void)state;
    mdl_breaker_cfg cfg = {
        .mode = MDL_BREAKER_CONSECUTIVE, .consecutive = 3, .slow_call_duration = SIM_SEC};
    sim_time at[7] = {10, 20, 30, 40, 50, 60, 70};
    sim_time d[7] = {2 * SIM_SEC, 2 * SIM_SEC, 0, 2 * SIM_SEC, 0, 2 * SIM_SEC, 2 * SIM_SEC};
    sim_time pre_at[1] = {1};
    int failed[1] = {1}; /* a streak of 1 on entry, ended by the first fast one */
    for (size_t n = 0; n <= 7; n++) {
        bulk_equals_singles(&cfg, 0, pre_at, failed, n, at, d);
        bulk_equals_singles(&cfg, 1, pre_at, failed, n, at, d);
    }
    mdl_breaker *bulk = mdl_breaker_create(&cfg, 0, NULL), *one = mdl_breaker_create(&cfg, 0, NULL);
    assert_non_null(bulk);
    assert_non_null(one);
    mdl_breaker_record_ok_n(bulk, 7, at, d);
    ok_one_by_one(one, 7, at, d);
    assert_int_equal(mdl_breaker_state_of(bulk), MDL_BREAKER_CLOSED);
    assert_true(mdl_breaker_recorded(bulk) == 7);
    call(bulk, 100, FAIL, 0);
    call(one, 100, FAIL, 0);
    assert_int_equal(mdl_breaker_state_of(bulk), MDL_BREAKER_OPEN);
    assert_int_equal(mdl_breaker_state_of(one), MDL_BREAKER_OPEN);
    mdl_breaker_destroy(bulk);
    mdl_breaker_destroy(one);
}

/* mdl_breaker_fast_successes_hold against trying: for random histories
 * (failures, slow and fast successes, every 100 ms) of count windows
 * (minimum below and at N, two thresholds), a time window and consecutive
 * mode, whether n fast successes leave a copy CLOSED, n = 0..30 (the time
 * window's answer is only sufficient: 1 must hold); and the
 * bulk record of those n equals one by one (the bulk now also takes
 * windows that hold failures). Exact: both sides are the same integers. */
static void fast_successes_hold_exactly_when_trying_them_keeps_it_closed(void **state)
{
    (void)state;
    const mdl_breaker_cfg cfgs[] = {
        {.window = 10,
         .minimum_calls = 4,
         .failure_rate = 50,
         .slow_call_rate = 40,
         .slow_call_duration = SIM_SEC},
        {.window = 10, .minimum_calls = 10, .failure_rate = 30, .slow_call_duration = SIM_SEC},
        {.window = 8,
         .minimum_calls = 3,
         .failure_rate = 60,
         .consecutive = 2,
         .slow_call_duration = SIM_SEC},
        {.window_kind = MDL_BREAKER_WINDOW_TIME,
         .window = 3,
         .minimum_calls = 4,
         .failure_rate = 50,
         .slow_call_duration = SIM_SEC},
        {.mode = MDL_BREAKER_CONSECUTIVE, .consecutive = 3, .slow_call_duration = SIM_SEC},
    };
    unsigned seed = 12345;
    int held = 0, opened = 0;
    for (size_t c = 0; c < sizeof cfgs / sizeof *cfgs; c++)
        for (int trial = 0; trial < 200; trial++) {
            mdl_breaker *b = mdl_breaker_create(&cfgs[c], 0, NULL);
            mdl_breaker *t = mdl_breaker_create(&cfgs[c], 0, NULL);
            assert_non_null(b);
            assert_non_null(t);
            sim_time now = 0;
            int len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
            for (int k = 0; k < len && mdl_breaker_state_of(b) == MDL_BREAKER_CLOSED; k++) {
                unsigned r = (seed = seed * 1103515245u + 12345u) >> 16;
                uint32_t tk;
                now += 100 * SIM_MS;
                assert_int_equal(mdl_breaker_acquire(b, now, &tk), 1);
                mdl_breaker_record(b, tk, r % 4 == 0, r % 3 == 0 ? 2 * SIM_SEC : 0, now);
            }
            sim_time at[30], d[30] = {0};
            for (int i = 0; i < 30; i++)
                at[i] = now + (i + 1) * 100 * SIM_MS;
            for (size_t n = 0; n <= 30; n++) {
                int closed = mdl_breaker_state_of(b) == MDL_BREAKER_CLOSED;
                if (closed) {
                    assert_int_equal(mdl_breaker_copy_state(t, b), SIM_OK);
                    ok_one_by_one(t, n, at, d);
                    closed = mdl_breaker_state_of(t) == MDL_BREAKER_CLOSED &&
                             mdl_breaker_opened(t) == mdl_breaker_opened(b);
                }
                if (cfgs[c].window_kind == MDL_BREAKER_WINDOW_TIME)
                    assert_true(!mdl_breaker_fast_successes_hold(b, n) || closed);
                else
                    assert_int_equal(mdl_breaker_fast_successes_hold(b, n), closed);
                held += closed;
                opened += !closed;
                /* bulk against one by one from this state */
                mdl_breaker *x = mdl_breaker_create(&cfgs[c], 0, NULL);
                mdl_breaker *y = mdl_breaker_create(&cfgs[c], 0, NULL);
                assert_non_null(x);
                assert_non_null(y);
                assert_int_equal(mdl_breaker_copy_state(x, b), SIM_OK);
                assert_int_equal(mdl_breaker_copy_state(y, b), SIM_OK);
                mdl_breaker_record_ok_n(x, n, at, d);
                ok_one_by_one(y, n, at, d);
                assert_same_breakers(x, y, at[29]);
                mdl_breaker_destroy(x);
                mdl_breaker_destroy(y);
            }
            mdl_breaker_destroy(b);
            mdl_breaker_destroy(t);
        }
    /* both answers must have come up often, or the test proves little */
    assert_true(held > 1000 && opened > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_rate_is_computed_only_after_the_minimum_calls),
        cmocka_unit_test(exactly_the_threshold_opens_because_the_rule_is_at_least),
        cmocka_unit_test(a_whole_percent_threshold_given_as_a_fraction_opens_at_exactly_that_rate),
        cmocka_unit_test(the_window_slides_over_the_last_n_outcomes),
        cmocka_unit_test(the_minimum_is_capped_at_the_window_size),
        cmocka_unit_test(the_resilience4j_defaults_need_one_hundred_calls),
        cmocka_unit_test(slow_calls_are_strictly_longer_than_the_duration),
        cmocka_unit_test(open_refuses_until_the_duration_then_the_next_call_probes),
        cmocka_unit_test(half_open_probes_at_the_threshold_reopen),
        cmocka_unit_test(a_released_probe_frees_its_slot),
        cmocka_unit_test(consecutive_mode_opens_after_five_failures_in_a_row),
        cmocka_unit_test(a_time_window_holds_the_outcomes_of_the_last_n_seconds),
        cmocka_unit_test(the_minimum_is_not_capped_in_a_time_window),
        cmocka_unit_test(closing_starts_a_fresh_time_window),
        cmocka_unit_test(the_rate_and_the_consecutive_rule_each_open_the_breaker),
        cmocka_unit_test(half_open_probes_are_judged_by_the_rate_and_a_streak_reopens),
        cmocka_unit_test(a_late_outcome_from_an_earlier_state_is_ignored),
        cmocka_unit_test(a_copy_tries_outcomes_without_changing_the_original),
        cmocka_unit_test(bad_configurations_are_rejected),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(publish_reports_time_open_and_the_series),
        cmocka_unit_test(n_fast_successes_at_once_fill_a_count_window_as_one_by_one),
        cmocka_unit_test(n_fast_successes_at_once_fill_a_time_window_as_one_by_one),
        cmocka_unit_test(successes_that_can_move_the_breaker_go_one_by_one),
        cmocka_unit_test(slow_successes_short_of_the_streak_go_at_once),
        cmocka_unit_test(fast_successes_hold_exactly_when_trying_them_keeps_it_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
