/*
 * test_res_fmt.c - numbers, durations and times written for people.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "res_fmt.h"

static void counts_get_thousands_separators(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(res_fmt_count(1234567.4, b, sizeof b), "1,234,567");
    assert_string_equal(res_fmt_count(999, b, sizeof b), "999");
    assert_string_equal(res_fmt_count(1000, b, sizeof b), "1,000");
    assert_string_equal(res_fmt_count(-30000, b, sizeof b), "-30,000");
    assert_string_equal(res_fmt_count(0, b, sizeof b), "0");
    assert_string_equal(res_fmt_count(2.5, b, sizeof b), "2.5");
    assert_string_equal(res_fmt_count(NAN, b, sizeof b), "n/a");
}

static void durations_take_the_largest_readable_unit(void **state)
{
    (void)state;
    char b[48];
    assert_string_equal(res_fmt_duration(0.0123, b, sizeof b), "12.3 ms");
    assert_string_equal(res_fmt_duration(4.2, b, sizeof b), "4.2 s");
    assert_string_equal(res_fmt_duration(90, b, sizeof b), "90 s");
    assert_string_equal(res_fmt_duration(300, b, sizeof b), "5 min");
    assert_string_equal(res_fmt_duration(5400, b, sizeof b), "90 min");
    assert_string_equal(res_fmt_duration(4 * 3600, b, sizeof b), "4 h");
    assert_string_equal(res_fmt_duration(3 * 86400, b, sizeof b), "3 d");
    assert_string_equal(res_fmt_duration(0, b, sizeof b), "0 s");
    assert_string_equal(res_fmt_duration(NAN, b, sizeof b), "n/a");
    /* a CI half-width with its own unit and two digits: "± 0.0093" after
     * "5.65 d" read as days when it was 13 minutes (issue 12) */
    assert_string_equal(res_fmt_duration_ci(3.2512, 0.2091, b, sizeof b), "3.25 s ± 209 ms");
    assert_string_equal(res_fmt_duration_ci(0.5, NAN, b, sizeof b), "500 ms");
    assert_string_equal(res_fmt_duration_ci(5.65 * 86400, 804.0, b, sizeof b), "5.65 d ± 13 min");
    /* Never as 2.2e+02: whole from 100 up. */
    assert_string_equal(res_fmt_duration_ci(106 * 60.0, 220 * 60.0, b, sizeof b),
                        "106 min ± 3.7 h");
    assert_string_equal(res_fmt_duration_ci(5.0, 110.0, b, sizeof b), "5 s ± 110 s");
    /* Nor when the rounding reaches the next power of ten: %.2g writes
     * 99.7 as "1e+02", %.3g writes 999.7 as "1e+03". */
    assert_string_equal(res_fmt_duration_ci(5.0, 0.0997, b, sizeof b), "5 s ± 100 ms");
    assert_string_equal(res_fmt_duration(0.9997, b, sizeof b), "1000 ms");
    assert_string_equal(res_fmt_duration(1500 * 86400.0, b, sizeof b), "1500 d");
    assert_string_equal(res_fmt_value_ci(5.5, 99.7, "calls/record", b, sizeof b), "5.5 ± 100");
    /* the axis of a chart of durations: the unit of its largest one */
    const char *name;
    assert_true(res_fmt_duration_unit(250000, &name) == 86400 && !strcmp(name, "days"));
    assert_true(res_fmt_duration_unit(0.25, &name) == 1e-3 && !strcmp(name, "milliseconds"));
    /* an axis to 1.8M reads 1.8 of its prefix (M): ticks need a decimal */
    assert_true(res_fmt_si_mantissa(1.8e6) == 1.8);
    assert_true(res_fmt_si_mantissa(350000) == 350);
    assert_true(res_fmt_si_mantissa(999) == 999);
    /* any metric by its unit */
    assert_string_equal(res_fmt_value_ci(78950, 1200, "s", b, sizeof b), "21.9 h ± 20 min");
    assert_string_equal(res_fmt_value_ci(0.925, 0.005, "ratio", b, sizeof b), "92.5% ± 0.5 pts");
    assert_string_equal(res_fmt_value_ci(30045, 146, "calls", b, sizeof b), "30,045 ± 146");
    assert_string_equal(res_fmt_value_ci(0.57, NAN, "calls/record", b, sizeof b), "0.57");
}

static void clock_times_count_days_from_zero(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(res_fmt_clock(0, b, sizeof b), "day 0 00:00");
    assert_string_equal(res_fmt_clock(86400 + 14 * 3600 + 2 * 60 + 20, b, sizeof b), "day 1 14:02");
    assert_string_equal(res_fmt_clock(59.6, b, sizeof b), "day 0 00:01"); /* to the minute */
    assert_string_equal(res_fmt_clock(-1, b, sizeof b), "n/a");
    assert_string_equal(res_fmt_clock(1e300, b, sizeof b), "n/a"); /* no long long overflow */
}

static void shares_are_percentages(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(res_fmt_percent(0.0732, b, sizeof b), "7.3%");
    assert_string_equal(res_fmt_percent(1.0, b, sizeof b), "100.0%");
    assert_string_equal(res_fmt_percent(0.0012, b, sizeof b), "0.12%");
    assert_string_equal(res_fmt_percent(0, b, sizeof b), "0.0%");
}

/* xorshift64 */
static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The first five values of each round of the two comparisons below: a
 * random bit pattern (any double: the slow path, inf and nan), one in the
 * fast range, one of few mantissa bits (ties), an integer below 1e17 and a
 * number of thousandths. */
static void common_cases(uint64_t *x, double v[5])
{
    uint64_t bits = next(x), e = 1023 - 20 + next(x) % 80;
    memcpy(&v[0], &bits, sizeof bits);
    bits = next(x) & ((UINT64_C(1) << 52) - 1);
    bits |= (e << 52) | (next(x) & (UINT64_C(1) << 63));
    memcpy(&v[1], &bits, sizeof bits);
    bits = ((next(x) & 0xff) << 44) | (e << 52);
    memcpy(&v[2], &bits, sizeof bits);
    v[3] = (double)(next(x) % UINT64_C(100000000000000000));
    v[4] = (double)(next(x) % 1000000) / 1000.0;
}

/* res_fmt_json_real against jansson itself (json_dumps of json_real: the
 * bytes results.json had when jansson wrote every real): equal strings,
 * no tolerance, on the values where a shortcut could slip: random bit
 * patterns (every range, the slow path too), random values in the fast
 * range (1e-4 to 1e17), mantissas of few bits (their 18th digit is often
 * an exact 5: printf's ties to even), integers, decimal fractions, and
 * the neighbours of every power of ten (where the exponent and the
 * f/e-style choice change, and 99999999999999999 rounds up to 1e17). */
static void json_reals_are_written_as_jansson_writes_them(void **state)
{
    (void)state;
    char b[32];
    /* by hand, from printf("%.17g") and jansson's rules */
    assert_string_equal((res_fmt_json_real(0.1, b), b), "0.10000000000000001");
    assert_string_equal((res_fmt_json_real(1.0, b), b), "1.0");
    assert_string_equal((res_fmt_json_real(-0.0, b), b), "-0.0");
    assert_string_equal((res_fmt_json_real(1e16, b), b), "10000000000000000.0");
    assert_string_equal((res_fmt_json_real(1e17, b), b), "1e17");
    assert_string_equal((res_fmt_json_real(1e-5, b), b), "1.0000000000000001e-5");
    assert_string_equal((res_fmt_json_real(2.5e-4, b), b), "0.00025000000000000001");
    assert_int_equal(res_fmt_json_real(-1.5, b), 4);
    uint64_t x = 88172645463325252u;
    long differ = 0;
    for (int i = 0; i < 200000; i++) {
        double v[7];
        common_cases(&x, v);
        v[5] = ldexp((double)(next(&x) % (UINT64_C(1) << 53)), -(int)(next(&x) % 80));
        v[6] = i <= 60 ? pow(10.0, i - 30) : (double)(next(&x) % 1000000) / 64.0;
        for (int k = 0; k < 7 + (i <= 60 ? 3 : 0); k++) {
            double y = k < 7    ? v[k]
                       : k == 7 ? nextafter(v[6], 0.0)
                       : k == 8 ? nextafter(v[6], 1e300)
                                : -v[6];
            if (!isfinite(y))
                continue;
            json_t *j = json_real(y);
            char *want = json_dumps(j, JSON_ENCODE_ANY);
            int n = res_fmt_json_real(y, b);
            if (strcmp(b, want) != 0 || n != (int)strlen(want)) {
                if (differ++ < 5)
                    print_error("%a: %s, jansson %s\n", y, b, want);
            }
            free(want);
            json_decref(j);
        }
    }
    assert_int_equal(differ, 0);
}

/* res_fmt_g against snprintf's "%.*g" itself, for every precision from 1
 * to 17 (the charts use 10): equal strings on random bit patterns (the
 * slow path, inf and nan too), values in the fast range, mantissas of few
 * bits (ties), integers, the neighbours of powers of ten, and zeros. */
static void g_is_printf_g_byte_for_byte(void **state)
{
    (void)state;
    char b[32], want[32];
    uint64_t x = 12345;
    long differ = 0;
    for (int i = 0; i < 40000; i++) {
        double v[8];
        common_cases(&x, v);
        double p10 = pow(10.0, (double)(i % 41) - 20);
        v[5] = i % 3 == 0 ? nextafter(p10, 0.0) : i % 3 == 1 ? nextafter(p10, 1e300) : p10;
        v[6] = i == 0 ? -0.0 : i == 1 ? INFINITY : i == 2 ? NAN : 0.0;
        v[7] = (double)(next(&x) % 100000) * 0.5; /* halves: ties at low precision */
        int prec = 1 + i % 17;
        for (int k = 0; k < 8; k++) {
            snprintf(want, sizeof want, "%.*g", prec, v[k]);
            int n = res_fmt_g(v[k], prec, b);
            if (strcmp(b, want) != 0 || n != (int)strlen(want)) {
                if (differ++ < 5)
                    print_error("%a %%.%dg: %s, printf %s\n", v[k], prec, b, want);
            }
        }
    }
    assert_int_equal(differ, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_get_thousands_separators),
        cmocka_unit_test(durations_take_the_largest_readable_unit),
        cmocka_unit_test(clock_times_count_days_from_zero),
        cmocka_unit_test(shares_are_percentages),
        cmocka_unit_test(json_reals_are_written_as_jansson_writes_them),
        cmocka_unit_test(g_is_printf_g_byte_for_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
