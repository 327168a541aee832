"""cxnb.stats: every expected number names its source (published table, reference package, hand count)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

import cxnb.stats
from conftest import REFERENCE
from cxnb.errors import CxnbError
from cxnb.stats import (
    bootstrap_interval,
    holm,
    nps_counts,
    nps_difference,
    nps_sample_size,
    nps_summary,
    t_interval,
    two_proportion_test,
    wilson_interval,
)

NPS_CSV = REFERENCE / "nps" / "NPS_testdata.csv"
FOUR_DECIMALS = 5e-5
METHODS = ("wald", "adjusted_wald", "tango")
PROPERTY = settings(max_examples=60, derandomize=True, deadline=None)

counts = st.tuples(*[st.integers(0, 300)] * 3)
nonempty_counts = counts.filter(lambda c: sum(c) > 0)
scores = st.lists(st.integers(0, 10), max_size=60)


# --- NPS: reference values --------------------------------------------------------------------


@pytest.mark.parametrize("scores, nps, variance, se", [
    # Rocks, R package NPS, tests/testthat/test_01_basics.R (se published to 3 decimals)
    ([0, 7, 7, 9, 9, 9], 1 / 3, 5 / 9, 0.304),
    ([1, 9], 0.0, 1.0, 0.707),
    ([7, 9], 0.5, 0.25, 0.354),
    ([0, 7, 9], 0.0, 2 / 3, 0.471),
    ([0], -1.0, 0.0, 0.0),
    ([10], 1.0, 0.0, 0.0),
    ([7], 0.0, 0.0, 0.0),
])
def test_nps_package_unit_test_values(scores, nps, variance, se):
    summary = nps_summary(*nps_counts(scores))
    assert summary.nps == pytest.approx(nps, abs=FOUR_DECIMALS)
    assert summary.variance == pytest.approx(variance, abs=FOUR_DECIMALS)
    assert summary.se == pytest.approx(se, abs=5e-4)


@pytest.fixture(scope="module")
def rec_counts():
    if not NPS_CSV.exists():
        pytest.skip(f"reference data absent: {NPS_CSV} not found (shared/reference-data/nps/ is not checked out)")
    return nps_counts(pd.read_csv(NPS_CSV, usecols=["REC"])["REC"])


def test_rec_counts(rec_counts):
    # reference-data/README.md, nps/: REC has 362 detractors, 176 passives, 462 promoters
    assert rec_counts == (362, 176, 462)


def test_rec_nps_variance_and_se(rec_counts):
    # reference-data/README.md, nps/: NPS 0.100, var 0.814, se 0.02853 (Rocks 2016 formulas)
    summary = nps_summary(*rec_counts, method="wald")
    assert (summary.n, summary.method) == (1000, "wald")
    assert summary.nps == pytest.approx(0.100, abs=FOUR_DECIMALS)
    assert summary.variance == pytest.approx(0.814, abs=FOUR_DECIMALS)
    assert summary.se == pytest.approx(0.02853, abs=FOUR_DECIMALS)


@pytest.mark.parametrize("method, low, high", [
    ("wald", 0.04408, 0.15592),           # reference-data/README.md, 95% Wald
    ("adjusted_wald", 0.04390, 0.15551),  # reference-data/README.md, 95% adjusted Wald
    ("tango", 0.04382, 0.15550),          # reference-data/README.md, 95% Tango (NPS package algorithm)
])
def test_rec_intervals(rec_counts, method, low, high):
    summary = nps_summary(*rec_counts, method=method)
    assert summary.ci_low == pytest.approx(low, abs=FOUR_DECIMALS)
    assert summary.ci_high == pytest.approx(high, abs=FOUR_DECIMALS)


def test_rec_adjusted_wald_is_centred_on_the_adjusted_estimate(rec_counts):
    # reference-data/README.md: adjusted-Wald centre 0.09970 = (462 - 362) / (1000 + 3)
    summary = nps_summary(*rec_counts)
    assert (summary.ci_low + summary.ci_high) / 2 == pytest.approx(0.09970, abs=FOUR_DECIMALS)
    assert summary.nps == pytest.approx(0.100)  # the headline stays the observed NPS


def test_tango_for_unanimous_samples_matches_the_closed_form():
    # hand solution of Tango's score equation: all 20 passives -> ±z²/(n+z²);
    # all 20 promoters -> lower limit (n-z²)/(n+z²), upper 1
    z2 = scipy_stats.norm.ppf(0.975) ** 2
    passives = nps_summary(0, 20, 0, method="tango")
    promoters = nps_summary(0, 0, 20, method="tango")
    assert (passives.ci_low, passives.ci_high) == pytest.approx((-z2 / (20 + z2), z2 / (20 + z2)))
    assert (promoters.ci_low, promoters.ci_high) == pytest.approx(((20 - z2) / (20 + z2), 1.0))


def test_nps_counts_skip_missing_values_of_a_nullable_column():
    # hand count: 0 and 6 detract, 8 is passive, 9 and 10 promote; two missing
    column = pd.Series([0, 6, None, 8, 9, 10, None], dtype="Int64")
    assert nps_counts(column) == (2, 1, 2)


@pytest.mark.parametrize("bad, shown", [([3, 11], "11"), ([7.5], "7.5"), ([-1, 99], "-1, 99")])
def test_nps_counts_refuse_off_scale_scores(bad, shown):
    with pytest.raises(CxnbError, match=rf"whole numbers 0-10; found \d+ other values \({shown}\)"):
        nps_counts(bad)


def test_nps_summary_of_no_responses_is_explicitly_empty():
    for method in METHODS:
        summary = nps_summary(*nps_counts([None, float("nan")]), method=method)
        assert summary.n == 0 and summary.method == method
        assert all(math.isnan(value) for value in summary[1:6])


@pytest.mark.parametrize("call, message", [
    (lambda: nps_summary(-1, 2, 3), "must be a whole number"),
    (lambda: nps_summary(1.5, 2, 3), "must be a whole number"),
    (lambda: nps_summary(1, 2, 3, method="exact"), "one of wald, adjusted_wald, tango"),
    (lambda: nps_summary(1, 2, 3, confidence=95), "between 0 and 1, e.g. 0.95"),
    (lambda: nps_difference((0, 0, 0), (1, 2, 3)), "a_counts has no responses"),
    (lambda: nps_difference((1, 2), (1, 2, 3)), "three counts"),
])
def test_bad_nps_input_is_refused_with_a_remedy(call, message):
    with pytest.raises(CxnbError, match=message):
        call()


def test_nps_difference_hand_computed():
    # hand: a NPS 0.3, var 0.70 - 0.09 = 0.61; b NPS 0.1, var 0.70 - 0.01 = 0.69;
    # se = sqrt(0.61/100 + 0.69/100) = 0.114018; z = 0.2 / se = 1.75412; p = 2(1 - Φ(z)) = 0.07941
    result = nps_difference((20, 30, 50), (30, 30, 40))
    assert result.difference == pytest.approx(0.2)
    assert result.se == pytest.approx(0.114018, abs=1e-6)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.2 - 1.959964 * 0.114018, 0.2 + 1.959964 * 0.114018), abs=1e-5)
    assert result.z == pytest.approx(1.75412, abs=1e-5)
    assert result.p_value == pytest.approx(0.07941, abs=1e-5)
    swapped = nps_difference((30, 30, 40), (20, 30, 50))
    assert (swapped.difference, swapped.p_value) == pytest.approx((-0.2, result.p_value))


def test_nps_difference_of_unanimous_samples_has_no_test():
    result = nps_difference((0, 0, 5), (0, 0, 8))
    assert (result.difference, result.se) == (0.0, 0.0)
    assert math.isnan(result.z) and math.isnan(result.p_value)


# --- NPS: sample size -------------------------------------------------------------------------


def test_sample_size_for_five_points_at_95_percent_worst_case():
    # hand: worst case var = 1 (no passives, NPS 0); n = z² · var / margin² = 1.959964² / 0.05²
    # = 3.841459 / 0.0025 = 1536.58 -> 1537 responses
    assert nps_sample_size(0.05) == 1537


def test_sample_size_with_expectations():
    # hand: var = (1 - 0.3) - 0.3² = 0.61; n = 3.841459 · 0.61 / 0.0025 = 937.3 -> 938
    assert nps_sample_size(0.05, expected_nps=0.3, expected_passives=0.3) == 938
    # hand: 99% z = 2.575829, z² = 6.634897; 6.634897 / 0.0025 = 2653.96 -> 2654
    assert nps_sample_size(0.05, confidence=0.99) == 2654


@pytest.mark.parametrize("kwargs, message", [
    ({"margin": 5}, r"±5 NPS points is 0.05"),
    ({"margin": 0.05, "expected_nps": 0.8, "expected_passives": 0.3}, "at most 1 - expected_passives"),
])
def test_sample_size_refuses_impossible_input(kwargs, message):
    with pytest.raises(CxnbError, match=message):
        nps_sample_size(**kwargs)


# --- NPS: properties --------------------------------------------------------------------------


@PROPERTY
@given(st.lists(st.integers(0, 10), min_size=1, max_size=60), st.sampled_from(METHODS))
def test_nps_and_interval_stay_in_range(values, method):
    summary = nps_summary(*nps_counts(values), method=method)
    assert -1 <= summary.nps <= 1
    assert -1 <= summary.ci_low <= summary.ci_high <= 1
    if method != "adjusted_wald":  # adjusted Wald is centred on the adjusted estimate instead
        assert summary.ci_low <= summary.nps <= summary.ci_high


@PROPERTY
@given(scores.flatmap(lambda xs: st.tuples(st.just(xs), st.permutations(xs))))
def test_nps_ignores_the_order_of_the_scores(pair):
    original, shuffled = pair
    assert nps_counts(original) == nps_counts(shuffled)


@PROPERTY
@given(nonempty_counts)
def test_adjusted_wald_interval_contains_the_adjusted_estimate(c):
    detractors, passives, promoters = c
    summary = nps_summary(detractors, passives, promoters)
    adjusted = (promoters - detractors) / (sum(c) + 3)  # Rocks (2016): 0.75 + 1.5 + 0.75 pseudo-counts
    assert summary.ci_low <= adjusted <= summary.ci_high


@PROPERTY
@given(scores, st.sampled_from([9, 10]))
def test_adding_a_promoter_never_lowers_nps(values, promoter):
    before = nps_summary(*nps_counts(values)).nps
    after = nps_summary(*nps_counts(values + [promoter])).nps
    assert math.isnan(before) or after >= before


# --- Proportions ------------------------------------------------------------------------------


@pytest.mark.parametrize("successes, n, low, high", [
    # Newcombe (1998) "Two-sided confidence intervals for the single proportion",
    # Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_newcombe_table_1(successes, n, low, high):
    result = wilson_interval(successes, n)
    assert result.proportion == pytest.approx(successes / n)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=FOUR_DECIMALS)


def test_wilson_interval_of_no_cases_is_explicitly_empty():
    result = wilson_interval(0, 0)
    assert result.n == 0 and all(math.isnan(value) for value in result[1:])


@pytest.mark.parametrize("x1, n1, x2, n2, low, high", [
    # Newcombe (1998) "Interval estimation for the difference between independent proportions",
    # Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score)
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
])
def test_two_proportion_interval_newcombe_table_2(x1, n1, x2, n2, low, high):
    result = two_proportion_test(x1, n1, x2, n2)
    assert result.difference == pytest.approx(x1 / n1 - x2 / n2)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=FOUR_DECIMALS)


def test_pooled_z_test_equals_the_uncorrected_chi_square_test():
    # reference implementation: z² of the pooled test is Pearson's chi-square of the 2x2 table
    result = two_proportion_test(56, 70, 48, 80)
    chi2, p_value, _, _ = scipy_stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert result.z**2 == pytest.approx(chi2)
    assert result.p_value == pytest.approx(p_value)


@pytest.mark.parametrize("call, message", [
    (lambda: wilson_interval(5, 3), r"successes \(5\) cannot exceed n \(3\)"),
    (lambda: two_proportion_test(0, 0, 1, 2), "at least one case"),
])
def test_bad_proportion_input_is_refused(call, message):
    with pytest.raises(CxnbError, match=message):
        call()


@PROPERTY
@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))).filter(lambda c: c[1] > 0))
def test_wilson_interval_contains_the_proportion(c):
    result = wilson_interval(*c)
    assert 0 <= result.ci_low <= result.proportion <= result.ci_high <= 1


# --- Means and bootstrap ----------------------------------------------------------------------

# Student (1908) sleep data, group 1 (R `datasets::sleep`)
SLEEP_GROUP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]


def test_t_interval_student_sleep_data():
    # R: t.test(sleep$extra[sleep$group == 1]) -> mean 0.75, 95% CI -0.5297804 2.0297804; sd 1.789010
    result = t_interval(SLEEP_GROUP_1 + [None])
    assert result.n == 10
    assert result.mean == pytest.approx(0.75)
    assert result.sd == pytest.approx(1.789010, abs=1e-6)
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.5297804, 2.0297804), abs=1e-7)


def test_t_interval_agrees_with_scipy_at_90_percent():
    values = np.random.default_rng(7).gamma(2.0, 3.0, size=40)
    expected = scipy_stats.ttest_1samp(values, 0).confidence_interval(0.90)
    result = t_interval(values, confidence=0.90)
    assert (result.ci_low, result.ci_high) == pytest.approx((expected.low, expected.high))


def test_t_interval_of_too_few_values_is_explicit():
    assert t_interval([]).n == 0 and math.isnan(t_interval([]).mean)
    single = t_interval([4.0])
    assert (single.n, single.mean) == (1, 4.0) and math.isnan(single.sd) and math.isnan(single.ci_low)


@pytest.mark.parametrize("statistic, reference", [
    ("median", np.median),
    ("p90", lambda x: np.percentile(x, 90)),
    (np.mean, np.mean),
])
def test_bootstrap_is_deterministic_and_contains_the_sample_statistic(statistic, reference):
    durations = np.random.default_rng(11).lognormal(3.0, 0.8, size=300)
    first = bootstrap_interval(durations, statistic, seed=42)
    assert first == bootstrap_interval(durations, statistic, seed=42)
    assert first != bootstrap_interval(durations, statistic, seed=43)
    assert first.n == 300 and first.estimate == pytest.approx(reference(durations))
    assert first.ci_low < first.estimate < first.ci_high


def test_bootstrap_does_not_depend_on_memory_blocking(monkeypatch):
    values = np.arange(50.0)
    whole = bootstrap_interval(values, "p90", n_boot=500, seed=3)
    monkeypatch.setattr(cxnb.stats, "_BOOT_BLOCK", 7 * values.size)  # 7 resamples per block
    assert bootstrap_interval(values, "p90", n_boot=500, seed=3) == whole


def test_bootstrap_mean_interval_is_close_to_the_t_interval():
    # large normal sample: percentile bootstrap of the mean ≈ t interval (both ≈ mean ± 1.96 sd/√n)
    values = np.random.default_rng(5).normal(50, 10, size=2000)
    boot, t = bootstrap_interval(values, "mean", seed=1), t_interval(values)
    assert boot.ci_low == pytest.approx(t.ci_low, abs=0.1)
    assert boot.ci_high == pytest.approx(t.ci_high, abs=0.1)


def test_bootstrap_of_no_values_is_explicitly_empty():
    result = bootstrap_interval([None], seed=0)
    assert result.n == 0 and all(math.isnan(value) for value in result[1:])


@pytest.mark.parametrize("kwargs, message", [
    ({"statistic": "mode"}, "one of mean, median, p90 or a callable"),
    ({"n_boot": 0}, "at least 1 resample"),
    ({"confidence": 1.0}, "between 0 and 1"),
    ({"seed": None}, "seed must be a whole number"),
])
def test_bad_bootstrap_input_is_refused(kwargs, message):
    with pytest.raises(CxnbError, match=message):
        bootstrap_interval([1.0, 2.0], **{"seed": 0, **kwargs})


# --- Holm -------------------------------------------------------------------------------------


@pytest.mark.parametrize("p_values, adjusted", [
    # hand: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> max so far 0.06
    ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
    # hand: 0.01·5, 0.02·4, 0.03·3, 0.04·2 = 0.08 -> 0.09, 0.05·1 -> 0.09
    ([0.01, 0.02, 0.03, 0.04, 0.05], [0.05, 0.08, 0.09, 0.09, 0.09]),
    # hand: 0.5·2 = 1.0, 0.6·1 -> 1.0 (capped at 1)
    ([0.6, 0.5], [1.0, 1.0]),
    ([], []),
])
def test_holm_hand_worked(p_values, adjusted):
    assert holm(p_values).tolist() == pytest.approx(adjusted)


def test_holm_refuses_missing_or_impossible_p_values():
    with pytest.raises(CxnbError, match=r"in \[0, 1\] with none missing"):
        holm([0.01, float("nan")])
    with pytest.raises(CxnbError, match=r"in \[0, 1\] with none missing"):
        holm([1.2])


@PROPERTY
@given(st.lists(st.floats(0, 1), max_size=30))
def test_holm_is_monotone_capped_and_never_below_the_raw_p(p_values):
    adjusted = holm(p_values)
    raw = np.asarray(p_values)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= 0)
    assert np.all((adjusted >= raw) & (adjusted <= 1))


def test_spearman_interval_by_hand():
    from cxnb.stats import spearman_interval

    # ranks differ by 1 in every pair: Σd² = 8, rho = 1 − 6·8 / (8·63) = 0.904762;
    # Bonett–Wright: atanh(rho) ± 1.959964·sqrt((1 + rho²/2) / 5) → (0.42789, 0.98760)
    c = spearman_interval([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 4, 3, 6, 5, 8, 7])
    assert c.n == 8 and c.rho == pytest.approx(0.904762, abs=1e-6)
    assert (c.ci_low, c.ci_high) == pytest.approx((0.42789, 0.98760), abs=1e-5)
    assert np.isnan(spearman_interval([1, 1, 1, 1], [1, 2, 3, 4]).rho)  # no spread: nothing to rank


# --- Proportions and means: sample size -------------------------------------------------------


def test_proportion_sample_size_hand_worked():
    # Cochran's worst case: z² · 0.5 · 0.5 / 0.05² = 3.841459 · 0.25 / 0.0025 = 384.15 -> 385
    assert cxnb.stats.proportion_sample_size(0.05) == 385
    # hand: 3.841459 · 0.8 · 0.2 / 0.03² = 0.614633 / 0.0009 = 682.93 -> 683
    assert cxnb.stats.proportion_sample_size(0.03, expected=0.8) == 683
    # hand: 90% z = 1.644854, z² = 2.705543; · 0.25 / 0.0025 = 270.55 -> 271
    assert cxnb.stats.proportion_sample_size(0.05, confidence=0.90) == 271


def test_mean_sample_size_hand_worked():
    # hand: (1.959964 · 1.5 / 0.2)² = 14.69973² = 216.08 -> 217
    assert cxnb.stats.mean_sample_size(0.2, sd=1.5) == 217
    # hand: 99% z = 2.575829; (2.575829 · 10 / 2)² = 12.87915² = 165.87 -> 166
    assert cxnb.stats.mean_sample_size(2, sd=10, confidence=0.99) == 166


@PROPERTY
@given(st.floats(0.01, 0.2), st.floats(0.05, 0.95))
def test_proportion_sample_size_is_the_smallest_n_reaching_the_margin(margin, p):
    n = cxnb.stats.proportion_sample_size(margin, expected=p)
    half_width = lambda m: 1.959963984540054 * math.sqrt(p * (1 - p) / m)  # noqa: E731  Wald half-width
    assert half_width(n) <= margin + 1e-12 and (n == 1 or half_width(n - 1) > margin - 1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: cxnb.stats.proportion_sample_size(5), r"±5 percentage points is 0.05"),
    (lambda: cxnb.stats.proportion_sample_size(0.05, expected=80), r"expected is a proportion in \[0, 1\]"),
    (lambda: cxnb.stats.mean_sample_size(0, sd=1), "margin must be a positive half-width"),
    (lambda: cxnb.stats.mean_sample_size(0.2, sd=-1), "sd must be a standard deviation"),
    (lambda: cxnb.stats.mean_sample_size(0.2, sd=1, confidence=95), "between 0 and 1"),
])
def test_bad_sample_size_input_is_refused(call, message):
    with pytest.raises(CxnbError, match=message):
        call()
