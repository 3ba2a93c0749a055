/*
 * test_sim_pack.c - a result packed to bytes and unpacked merges exactly as
 * the original: the ground under the journal and the MPI ranks, whose
 * output must be byte-identical to a single process's.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_alloc.h"
#include "sim_pack.h"
#include "sim_result.h"
#include "sim_stats.h"

/* Same bits, not merely equal: -0.0 == 0.0 and NaN != NaN would hide a
 * difference that shows in the output ("-0", "nan"). */
static void assert_same_bits(double a, double b)
{
    assert_memory_equal(&a, &b, sizeof a);
}

/* A result with every kind of metric and the awkward doubles: NaN, -0,
 * infinity, a value with no short decimal form; a histogram over many
 * octaves with under- and overflow; a level series stopped mid-bucket (its
 * observation state matters to a later sim_series_finish) and a sum series. */
static sim_result *awkward_result(unsigned salt)
{
    sim_result *r = sim_result_create(NULL);
    assert_non_null(r);
    assert_int_equal(sim_result_scalar(r, "a.nan", "s", NAN), SIM_OK);
    assert_int_equal(sim_result_scalar(r, "a.neg_zero", "", -0.0), SIM_OK);
    assert_int_equal(sim_result_scalar(r, "a.inf", "records", INFINITY), SIM_OK);
    assert_int_equal(sim_result_scalar(r, "a.third", "%", 1.0 / 3.0 + salt), SIM_OK);
    sim_hist *h = sim_hist_create(NULL);
    assert_non_null(h);
    for (int i = 0; i < 5000; i++)
        sim_hist_add(h, exp((double)(i % 97) * 0.37 - 12.0) * (1.0 + salt));
    sim_hist_add(h, 1e-12); /* underflow */
    sim_hist_add(h, 1e15);  /* overflow */
    assert_int_equal(sim_result_hist(r, "b.latency", "s", h), SIM_OK);
    sim_series *lv = sim_series_create(SIM_SERIES_LEVEL, 10, 50, NULL);
    assert_non_null(lv);
    for (sim_time t = 0; t < 333; t += 7)
        sim_series_set(lv, t, (double)(t % 13) + salt);
    assert_int_equal(sim_result_series(r, "c.level", "jobs", lv), SIM_OK);
    sim_series *sum = sim_series_create(SIM_SERIES_SUM, 10, 50, NULL);
    assert_non_null(sum);
    for (sim_time t = 0; t < 500; t += 3)
        sim_series_add(sum, t, 0.1 * (double)t);
    sim_series_finish(sum, 500);
    assert_int_equal(sim_result_series(r, "c.sum", "records", sum), SIM_OK);
    return r;
}

static sim_result *round_trip(const sim_result *r, sim_pack *p)
{
    sim_pack_init(p);
    sim_result_pack(r, p);
    assert_false(p->failed);
    sim_result *back = sim_result_create(NULL);
    assert_non_null(back);
    sim_unpack u;
    sim_unpack_init(&u, p->data, p->len);
    sim_err e;
    assert_int_equal(sim_result_unpack(back, &u, &e), SIM_OK);
    assert_int_equal(u.pos, p->len); /* everything read, nothing left over */
    return back;
}

static void a_result_packs_and_unpacks_to_the_same_bytes(void **state)
{
    (void)state;
    sim_result *r = awkward_result(0);
    sim_pack p1, p2;
    sim_result *back = round_trip(r, &p1);
    sim_pack_init(&p2);
    sim_result_pack(back, &p2);
    assert_int_equal(p1.len, p2.len);
    assert_memory_equal(p1.data, p2.data, p1.len);
    assert_int_equal(sim_result_count(back), sim_result_count(r));
    for (size_t i = 0; i < sim_result_count(r); i++) {
        assert_string_equal(sim_result_name(back, i), sim_result_name(r, i));
        assert_string_equal(sim_result_unit(back, i), sim_result_unit(r, i));
        assert_int_equal(sim_result_kind(back, i), sim_result_kind(r, i));
    }
    assert_same_bits(sim_result_value(back, 0), sim_result_value(r, 0));
    assert_same_bits(sim_result_value(back, 1), sim_result_value(r, 1));
    sim_pack_fini(&p1);
    sim_pack_fini(&p2);
    sim_result_destroy(back);
    sim_result_destroy(r);
}

/* The property the MPI ranks and the journal rely on: summaries merged from
 * unpacked results equal, bit for bit, those merged from the originals,
 * including the level series finished by the merge. */
static void unpacked_results_merge_to_the_same_summary_bit_for_bit(void **state)
{
    (void)state;
    enum { N = 3 };
    sim_result *orig[N], *back[N];
    sim_pack p[N];
    for (int i = 0; i < N; i++) {
        orig[i] = awkward_result((unsigned)i);
        back[i] = round_trip(orig[i], &p[i]);
        sim_pack_fini(&p[i]);
    }
    sim_summary *a = sim_summary_merge(orig, N, 0.95, NULL);
    sim_summary *b = sim_summary_merge(back, N, 0.95, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(sim_summary_count(a), sim_summary_count(b));
    for (size_t i = 0; i < sim_summary_count(a); i++) {
        const sim_metric *ma = sim_summary_at(a, i), *mb = sim_summary_at(b, i);
        assert_string_equal(ma->name, mb->name);
        if (ma->kind == SIM_METRIC_SCALAR) {
            for (int k = 0; k < N; k++)
                assert_same_bits(ma->values[k], mb->values[k]);
            assert_same_bits(ma->mean, mb->mean);
            assert_same_bits(ma->half_width, mb->half_width);
        } else if (ma->kind == SIM_METRIC_HIST) {
            assert_int_equal(sim_hist_count(ma->hist), sim_hist_count(mb->hist));
            assert_same_bits(sim_hist_mean(ma->hist), sim_hist_mean(mb->hist));
            for (double q = 0.0; q <= 1.0; q += 0.01)
                assert_same_bits(sim_hist_quantile(ma->hist, q), sim_hist_quantile(mb->hist, q));
        } else {
            size_t nb = sim_series_nbins(ma->series);
            assert_int_equal(nb, sim_series_nbins(mb->series));
            for (size_t k = 0; k < nb; k++) {
                assert_same_bits(sim_series_value(ma->series, k), sim_series_value(mb->series, k));
                assert_same_bits(sim_series_max(ma->series, k), sim_series_max(mb->series, k));
            }
        }
    }
    sim_summary_destroy(a);
    sim_summary_destroy(b);
    for (int i = 0; i < N; i++) {
        sim_result_destroy(orig[i]);
        sim_result_destroy(back[i]);
    }
}

/* A journal file cut short by a crash or a disk full, or a message cut by
 * a broken link: every prefix is refused, none is read past its end
 * (ASan checks the reads). */
static void every_truncation_of_a_packed_result_is_refused(void **state)
{
    (void)state;
    sim_result *r = awkward_result(1);
    sim_pack p;
    sim_pack_init(&p);
    sim_result_pack(r, &p);
    for (size_t n = 0; n < p.len; n += 1 + n / 64) {
        sim_result *back = sim_result_create(NULL);
        sim_unpack u;
        sim_unpack_init(&u, p.data, n);
        sim_err e;
        assert_int_equal(sim_result_unpack(back, &u, &e), SIM_EPARSE);
        sim_result_destroy(back);
    }
    sim_pack_fini(&p);
    sim_result_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_result_packs_and_unpacks_to_the_same_bytes),
        cmocka_unit_test(unpacked_results_merge_to_the_same_summary_bit_for_bit),
        cmocka_unit_test(every_truncation_of_a_packed_result_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
