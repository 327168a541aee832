"""Intervals, tests and sample sizes behind every headline CX figure.

Pure functions on numbers and arrays: NPS (Rocks 2016), proportions (Wilson), means
(t and bootstrap) and Holm's adjustment of p-values. Every proportion, NPS included, is on
the proportion scale: an NPS of 0.10 is "+10 points", a margin of 0.05 is "±5 points".

Empty input follows one rule. A one-sample estimate of nothing (``nps_summary`` of zero
counts, ``wilson_interval`` with n = 0, ``t_interval`` or ``bootstrap_interval`` of no values)
returns a result with ``n = 0`` and NaN in every field that needs data, so a by-group table
keeps its empty groups visible and the caller flags them by ``n``. A comparison of two samples
(``nps_difference``, ``two_proportion_test``) with an empty side raises ``CxnbError``: there
is nothing to compare. Bad input (negative counts, scores off the 0-10 scale, a confidence
outside (0, 1)) raises ``CxnbError`` with a message that says what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import special

from cxnb.errors import CxnbError

__all__ = [
    "NpsCounts",
    "NpsSummary",
    "NpsDifference",
    "ProportionInterval",
    "ProportionTest",
    "MeanInterval",
    "BootstrapInterval",
    "QuantileInterval",
    "nps_counts",
    "nps_summary",
    "nps_difference",
    "nps_sample_size",
    "proportion_sample_size",
    "mean_sample_size",
    "wilson_interval",
    "two_proportion_test",
    "t_interval",
    "t_interval_from_moments",
    "quantile_interval",
    "bootstrap_interval",
    "Correlation",
    "spearman_interval",
    "holm",
]

# Rocks (2016): adjusted Wald adds 3 pseudo-responses spread 1 : 2 : 1 over the categories.
_PSEUDO_COUNTS = (0.75, 1.5, 0.75)
# Bootstrap resamples are drawn in blocks of at most this many values, to bound memory.
_BOOT_BLOCK = 2**22


class NpsCounts(NamedTuple):
    """Responses per Net Promoter category."""

    detractors: int
    passives: int
    promoters: int


class NpsSummary(NamedTuple):
    """NPS with its base, spread and interval (all on the proportion scale)."""

    n: int
    nps: float
    variance: float
    se: float
    ci_low: float
    ci_high: float
    method: str


class NpsDifference(NamedTuple):
    """Difference of two NPS (a - b) with its Wald interval and z-test."""

    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


class ProportionInterval(NamedTuple):
    """A proportion with its base and interval."""

    n: int
    proportion: float
    ci_low: float
    ci_high: float


class ProportionTest(NamedTuple):
    """Difference of two proportions (1 - 2), its interval and the pooled z-test."""

    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


class MeanInterval(NamedTuple):
    """A mean with its base, standard deviation and t interval."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


class QuantileInterval(NamedTuple):
    """A quantile of a sample with its order-statistic interval."""

    n: int
    estimate: float
    ci_low: float
    ci_high: float


class BootstrapInterval(NamedTuple):
    """A statistic of a sample with its percentile-bootstrap interval."""

    n: int
    estimate: float
    ci_low: float
    ci_high: float


# ---------------------------------------------------------------------------------------------
# Input checks


def _check_confidence(confidence: float) -> float:
    """``confidence`` itself; refuses levels outside (0, 1), such as 95."""
    if not 0 < confidence < 1:
        raise CxnbError(f"confidence must be a level between 0 and 1, e.g. 0.95; got {confidence!r}")
    return confidence


def _z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for ``confidence`` (1.96 for 0.95)."""
    return float(special.ndtri(0.5 + _check_confidence(confidence) / 2))


def _count(value, name: str) -> int:
    """A count as an int; refuses negative, fractional or non-numeric values."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not number.is_integer() or number < 0:
        raise CxnbError(f"{name} must be a whole number (0 or more); got {value!r}")
    return int(number)


def _nps_triple(counts, name: str) -> NpsCounts:
    """Checked (detractors, passives, promoters) from any 3-sequence."""
    if len(counts) != 3:
        raise CxnbError(f"{name} must be three counts (detractors, passives, promoters); got {counts!r}")
    return NpsCounts(*(_count(c, f"{name} {field}") for c, field in zip(counts, NpsCounts._fields)))


def _floats(values, name: str) -> np.ndarray:
    """Values as a 1-d float array, missing values (None, NaN, pd.NA) as NaN."""
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise CxnbError(f"{name} must be numbers; {error}") from None


def _numbers(values, name: str) -> np.ndarray:
    """Values as a 1-d float array with missing values dropped."""
    array = _floats(values, name)
    return array[~np.isnan(array)]


# ---------------------------------------------------------------------------------------------
# NPS


def nps_counts(scores) -> NpsCounts:
    """Count detractors (0-6), passives (7-8) and promoters (9-10), ignoring missing values.

    Parameters
    ----------
    scores : array-like
        Likelihood-to-recommend answers on the 0-10 scale; None, NaN and pd.NA are skipped.

    Returns
    -------
    NpsCounts
        ``(detractors, passives, promoters)``.

    Raises
    ------
    CxnbError
        If a score is not a whole number from 0 to 10 (map codes such as 99 "don't know" to
        missing first).

    Examples
    --------
    >>> nps_counts([0, 7, 7, 9, 9, 9, None])
    NpsCounts(detractors=1, passives=2, promoters=3)
    """
    values = _numbers(scores, "NPS scores")
    off_scale = values[(values < 0) | (values > 10) | (values != np.round(values))]
    if off_scale.size:
        shown = ", ".join(f"{v:g}" for v in np.unique(off_scale)[:5])
        raise CxnbError(f"NPS scores must be whole numbers 0-10; found {off_scale.size} other values ({shown})")
    per_score = np.bincount(values.astype(int), minlength=11)
    return NpsCounts(int(per_score[:7].sum()), int(per_score[7:9].sum()), int(per_score[9:].sum()))


def _nps_moments(detractors: float, passives: float, promoters: float) -> tuple[float, float, float]:
    """n, NPS and per-response variance (p_pro + p_det) - NPS**2 (Rocks 2016)."""
    n = detractors + passives + promoters
    nps = (promoters - detractors) / n
    return n, nps, (promoters + detractors) / n - nps**2


def _wald_interval(detractors: float, passives: float, promoters: float, z: float) -> tuple[float, float]:
    """NPS ± z·se, truncated to [-1, 1]."""
    n, nps, variance = _nps_moments(detractors, passives, promoters)
    half = z * math.sqrt(variance / n)
    return max(nps - half, -1.0), min(nps + half, 1.0)


def _adjusted_wald_interval(detractors: float, passives: float, promoters: float, z: float) -> tuple[float, float]:
    """Wald interval on the counts plus Rocks' pseudo-counts; centred on (pro - det) / (n + 3)."""
    extra_det, extra_pas, extra_pro = _PSEUDO_COUNTS
    return _wald_interval(detractors + extra_det, passives + extra_pas, promoters + extra_pro, z)


def _tango_detractor_share(delta: float, detractors: int, promoters: int, n: int) -> float:
    """Restricted maximum-likelihood detractor share given NPS = delta (Tango 1998, a quadratic root)."""
    a = 2 * n
    b = (2 * n - promoters + detractors) * delta - detractors - promoters
    c = -detractors * delta * (1 - delta)
    return (math.sqrt(b * b - 4 * a * c) - b) / (2 * a)


def _tango_score(delta: float, detractors: int, promoters: int, n: int) -> float:
    """Tango's score statistic for NPS = delta; decreasing in delta, 0 at the observed NPS.

    Where the restricted variance vanishes (delta = ±1) the score is ±infinity.
    """
    gap = promoters - detractors - n * delta
    if gap == 0:
        return 0.0
    variance = n * (2 * _tango_detractor_share(delta, detractors, promoters, n) + delta * (1 - delta))
    return gap / math.sqrt(variance) if variance > 0 else math.copysign(math.inf, gap)


def _tango_interval(detractors: int, passives: int, promoters: int, z: float) -> tuple[float, float]:
    """Score interval: the NPS values whose Tango score lies within ±z, found by bisection
    between the observed NPS and ±1 (as in Rocks' R package ``NPS``)."""
    from scipy import optimize  # imported here: only Tango needs it

    n = detractors + passives + promoters
    nps = (promoters - detractors) / n

    def excess(delta: float, bound: float) -> float:
        return _tango_score(delta, detractors, promoters, n) - bound

    low = -1.0 if detractors == n else optimize.bisect(excess, -1.0, nps, args=(z,))
    high = 1.0 if promoters == n else optimize.bisect(excess, nps, 1.0, args=(-z,))
    return low, high


_NPS_INTERVALS = {"wald": _wald_interval, "adjusted_wald": _adjusted_wald_interval, "tango": _tango_interval}


def nps_summary(
    detractors: int, passives: int, promoters: int, *, method: str = "adjusted_wald", confidence: float = 0.95
) -> NpsSummary:
    """Net Promoter Score with its base, variance, standard error and confidence interval.

    Follows Rocks (2016), "Interval estimation for the Net Promoter Score", The American
    Statistician 70(4).

    Parameters
    ----------
    detractors, passives, promoters : int
        Responses per category (see :func:`nps_counts`).
    method : {"adjusted_wald", "wald", "tango"}
        Interval method. ``"adjusted_wald"`` adds pseudo-counts 0.75 / 1.5 / 0.75 and applies
        Wald to the adjusted counts, so the interval is centred on (pro - det) / (n + 3), not on
        ``nps``. ``"tango"`` inverts Tango's score test for a difference of two multinomial
        proportions. Wald and adjusted-Wald limits are truncated to [-1, 1].
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    NpsSummary
        ``n, nps, variance, se, ci_low, ci_high, method``. ``nps`` = (pro - det) / n in
        [-1, 1]; ``variance`` = (p_pro + p_det) - nps**2 per response and ``se`` =
        sqrt(variance / n) describe the observed ``nps`` whatever the method. With n = 0
        every field but ``n`` and ``method`` is NaN.

    Examples
    --------
    >>> s = nps_summary(362, 176, 462)
    >>> s.n, round(s.nps, 3), round(s.se, 5), round(s.ci_low, 5), round(s.ci_high, 5)
    (1000, 0.1, 0.02853, 0.0439, 0.15551)
    >>> nps_summary(0, 0, 0)
    NpsSummary(n=0, nps=nan, variance=nan, se=nan, ci_low=nan, ci_high=nan, method='adjusted_wald')
    """
    if method not in _NPS_INTERVALS:
        raise CxnbError(f"NPS interval method must be one of {', '.join(_NPS_INTERVALS)}; got {method!r}")
    z = _z_value(confidence)
    counts = _nps_triple((detractors, passives, promoters), "NPS counts")
    n = sum(counts)
    if n == 0:
        return NpsSummary(0, math.nan, math.nan, math.nan, math.nan, math.nan, method)
    _, nps, variance = _nps_moments(*counts)
    low, high = _NPS_INTERVALS[method](*counts, z)
    return NpsSummary(n, nps, variance, math.sqrt(variance / n), low, high, method)


def _z_test(estimate: float, se: float) -> tuple[float, float]:
    """z statistic and two-sided p-value; both NaN when se is 0 (no spread to test against)."""
    if se == 0:
        return math.nan, math.nan
    z = estimate / se
    return z, float(2 * special.ndtr(-abs(z)))


def nps_difference(a_counts, b_counts, confidence: float = 0.95) -> NpsDifference:
    """Compare the NPS of two independent samples (groups, periods): a - b, Wald-type.

    Parameters
    ----------
    a_counts, b_counts : sequence of 3 ints
        ``(detractors, passives, promoters)`` of each sample, e.g. from :func:`nps_counts`.
    confidence : float
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    NpsDifference
        ``difference`` = NPS_a - NPS_b; ``se`` = sqrt(var_a / n_a + var_b / n_b);
        ``ci_low, ci_high`` = difference ± z·se; ``z`` = difference / se and its two-sided
        ``p_value``. When every response within each sample is identical, se = 0 and ``z``,
        ``p_value`` are NaN.

    Raises
    ------
    CxnbError
        If either sample has no responses.

    Examples
    --------
    >>> d = nps_difference((20, 30, 50), (30, 30, 40))
    >>> round(d.difference, 2), round(d.se, 4), round(d.z, 3), round(d.p_value, 4)
    (0.2, 0.114, 1.754, 0.0794)
    """
    z_crit = _z_value(confidence)
    a, b = _nps_triple(a_counts, "a_counts"), _nps_triple(b_counts, "b_counts")
    for name, counts in (("a_counts", a), ("b_counts", b)):
        if sum(counts) == 0:
            raise CxnbError(f"{name} has no responses; an NPS difference needs at least one in each sample")
    (n_a, nps_a, var_a), (n_b, nps_b, var_b) = _nps_moments(*a), _nps_moments(*b)
    difference = nps_a - nps_b
    se = math.sqrt(var_a / n_a + var_b / n_b)
    return NpsDifference(difference, se, difference - z_crit * se, difference + z_crit * se, *_z_test(difference, se))


def nps_sample_size(
    margin: float, *, expected_nps: float = 0.0, expected_passives: float = 0.0, confidence: float = 0.95
) -> int:
    """Responses needed for an NPS interval of ± ``margin`` (Wald variance formula).

    n = ceil(z**2 · var / margin**2) with var = (1 - passives) - nps**2. The defaults (NPS 0,
    no passives: all answers at the extremes) give var = 1, the worst case.

    Parameters
    ----------
    margin : float
        Half-width on the proportion scale: 0.05 means ±5 NPS points.
    expected_nps : float
        Expected NPS in [-1, 1].
    expected_passives : float
        Expected share of passives in [0, 1]; at most 1 - |expected_nps|.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    int
        Number of responses.

    Examples
    --------
    >>> nps_sample_size(0.05)
    1537
    >>> nps_sample_size(0.05, expected_nps=0.3, expected_passives=0.3)
    938
    """
    if not 0 < margin <= 1:
        raise CxnbError(f"margin is a proportion in (0, 1]: ±5 NPS points is 0.05; got {margin!r}")
    if not (0 <= expected_passives <= 1 and abs(expected_nps) <= 1 - expected_passives):
        raise CxnbError(
            "expected_passives must be in [0, 1] and |expected_nps| at most 1 - expected_passives; "
            f"got expected_nps={expected_nps!r}, expected_passives={expected_passives!r}"
        )
    variance = 1 - expected_passives - expected_nps**2
    return math.ceil(_z_value(confidence) ** 2 * variance / margin**2)


# ---------------------------------------------------------------------------------------------
# Proportions


def _proportion_counts(successes, n, name: str) -> tuple[int, int]:
    """Checked (successes, n) with 0 <= successes <= n."""
    successes, n = _count(successes, f"{name} successes"), _count(n, f"{name} n")
    if successes > n:
        raise CxnbError(f"{name}: successes ({successes}) cannot exceed n ({n})")
    return successes, n


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> ProportionInterval:
    """Wilson score interval for a proportion (top-2-box CSAT, churn, first-contact resolution).

    Parameters
    ----------
    successes : int
        Responses or cases with the property.
    n : int
        Base.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    ProportionInterval
        ``n, proportion, ci_low, ci_high``; with n = 0 the last three are NaN.

    Examples
    --------
    >>> w = wilson_interval(81, 263)
    >>> round(w.proportion, 4), round(w.ci_low, 4), round(w.ci_high, 4)
    (0.308, 0.2553, 0.3662)
    """
    z = _z_value(confidence)
    successes, n = _proportion_counts(successes, n, "wilson_interval")
    if n == 0:
        return ProportionInterval(0, math.nan, math.nan, math.nan)
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low = 0.0 if successes == 0 else centre - half  # exact limits where rounding would stray
    high = 1.0 if successes == n else centre + half
    return ProportionInterval(n, p, low, high)


def two_proportion_test(x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95) -> ProportionTest:
    """Compare two independent proportions: pooled z-test and an interval for p1 - p2.

    The interval is Newcombe's hybrid score interval (method 10 of Newcombe 1998,
    Statistics in Medicine 17:873-890), built from the two Wilson intervals; unlike the
    Wald interval it stays sensible near 0 and 1 (rare churn, near-perfect FCR).

    Parameters
    ----------
    x1, n1, x2, n2 : int
        Successes and base of sample 1 and sample 2.
    confidence : float
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    ProportionTest
        ``difference`` = p1 - p2, ``ci_low, ci_high``, pooled ``z`` and its two-sided
        ``p_value``. When both samples are all successes or all failures, ``z`` and
        ``p_value`` are NaN.

    Raises
    ------
    CxnbError
        If either base is 0.

    Examples
    --------
    >>> t = two_proportion_test(56, 70, 48, 80)
    >>> round(t.difference, 2), round(t.ci_low, 4), round(t.ci_high, 4), round(t.p_value, 4)
    (0.2, 0.0524, 0.3339, 0.008)
    """
    (x1, n1), (x2, n2) = _proportion_counts(x1, n1, "sample 1"), _proportion_counts(x2, n2, "sample 2")
    if n1 == 0 or n2 == 0:
        raise CxnbError(f"both samples need at least one case to compare; got n1={n1}, n2={n2}")
    first, second = wilson_interval(x1, n1, confidence), wilson_interval(x2, n2, confidence)
    difference = first.proportion - second.proportion
    low = difference - math.hypot(first.proportion - first.ci_low, second.ci_high - second.proportion)
    high = difference + math.hypot(first.ci_high - first.proportion, second.proportion - second.ci_low)
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return ProportionTest(difference, low, high, *_z_test(difference, se))


# ---------------------------------------------------------------------------------------------
# Means and other statistics of a sample


def t_interval(values, confidence: float = 0.95) -> MeanInterval:
    """Mean with a Student t interval (CES, ratings, durations); missing values are ignored.

    Parameters
    ----------
    values : array-like of numbers
        Observations; None, NaN and pd.NA are skipped.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    MeanInterval
        ``n, mean, sd, ci_low, ci_high`` with ``sd`` the sample standard deviation (n - 1).
        With n = 0 every field but ``n`` is NaN; with n = 1 ``sd`` and the interval are NaN.

    Examples
    --------
    >>> m = t_interval([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
    >>> m.n, round(m.mean, 2), round(m.ci_low, 4), round(m.ci_high, 4)
    (10, 0.75, -0.5298, 2.0298)
    """
    x = _numbers(values, "t_interval values")
    sd = float(x.std(ddof=1)) if x.size > 1 else math.nan
    return t_interval_from_moments(x.size, float(x.mean()) if x.size else math.nan, sd, confidence)


def t_interval_from_moments(n: int, mean: float, sd: float, confidence: float = 0.95) -> MeanInterval:
    """:func:`t_interval` from a group's count, mean and standard deviation (n - 1), as a
    database aggregation returns them.

    Examples
    --------
    >>> m = t_interval_from_moments(10, 0.75, 2.0022, confidence=0.95)
    >>> round(m.ci_low, 3), round(m.ci_high, 3)
    (-0.682, 2.182)
    """
    _check_confidence(confidence)
    n = _count(n, "n")
    if n < 2 or math.isnan(sd):
        return MeanInterval(n, float(mean) if n else math.nan, math.nan, math.nan, math.nan)
    half = float(special.stdtrit(n - 1, 0.5 + confidence / 2)) * sd / math.sqrt(n)
    return MeanInterval(n, float(mean), float(sd), mean - half, mean + half)


def quantile_interval(values, q: float, confidence: float = 0.95) -> QuantileInterval:
    """A quantile (median: q = 0.5, p90: q = 0.9) with a distribution-free interval.

    The limits are order statistics whose ranks come from Binomial(n, q) (Conover 1999,
    *Practical Nonparametric Statistics*, 3rd ed., section 3.2; computed by
    ``scipy.stats.quantile_test``): no assumption about the shape of the distribution, which
    suits skewed durations. The estimate is the sample quantile (linear interpolation). A limit
    that small samples cannot give is NaN; with n = 0 every field but ``n`` is NaN.

    Examples
    --------
    >>> r = quantile_interval(range(1, 101), 0.5)
    >>> r.n, r.estimate, r.ci_low, r.ci_high
    (100, 50.5, 40.0, 61.0)
    """
    _check_confidence(confidence)
    if not 0 < q < 1:
        raise CxnbError(f"q must be a quantile level between 0 and 1, e.g. 0.5 for the median; got {q!r}")
    x = _numbers(values, "quantile_interval values")
    if x.size == 0:
        return QuantileInterval(0, math.nan, math.nan, math.nan)
    from scipy import stats  # imported here: scipy.stats costs half a second to import

    limits = stats.quantile_test(x, q=float(np.quantile(x, q)), p=q).confidence_interval(confidence)
    return QuantileInterval(x.size, float(np.quantile(x, q)), float(limits.low), float(limits.high))


def _p90(values: np.ndarray, axis: int) -> np.ndarray:
    """90th percentile along ``axis`` (linear interpolation)."""
    return np.percentile(values, 90, axis=axis)


_NAMED_STATISTICS: dict[str, Callable] = {"mean": np.mean, "median": np.median, "p90": _p90}


def _resampled(x: np.ndarray, reduce: Callable, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``reduce`` of ``n_boot`` resamples of ``x`` drawn with replacement, vectorised in blocks."""
    rows = max(1, _BOOT_BLOCK // x.size)
    blocks = [
        reduce(x[rng.integers(0, x.size, size=(min(rows, n_boot - start), x.size))], axis=1)
        for start in range(0, n_boot, rows)
    ]
    return np.concatenate(blocks)


def bootstrap_interval(
    values,
    statistic: str | Callable = "median",
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int,
) -> BootstrapInterval:
    """Percentile-bootstrap interval for a statistic of one sample; missing values are ignored.

    Parameters
    ----------
    values : array-like of numbers
        Observations; None, NaN and pd.NA are skipped.
    statistic : {"median", "p90", "mean"} or callable
        A callable must reduce along an axis like ``np.median(a, axis=1)``; it is applied to
        all resamples at once.
    n_boot : int
        Number of resamples.
    confidence : float
        Confidence level in (0, 1).
    seed : int
        Seed (0 or more) of the numpy Generator; required, and the same seed gives the same
        interval. Take it from the client config.

    Returns
    -------
    BootstrapInterval
        ``n, estimate, ci_low, ci_high``; ``estimate`` is the statistic of the sample itself.
        With n = 0 every field but ``n`` is NaN.

    Examples
    --------
    >>> b = bootstrap_interval([3, 5, 4, 8, 6, 7, 5, 9, 4, 6], "median", seed=1)
    >>> b.n, b.estimate, b.ci_low <= b.estimate <= b.ci_high
    (10, 5.5, True)
    """
    _check_confidence(confidence)
    reduce = _NAMED_STATISTICS.get(statistic) if isinstance(statistic, str) else statistic
    if not callable(reduce):
        raise CxnbError(f"statistic must be one of {', '.join(_NAMED_STATISTICS)} or a callable; got {statistic!r}")
    if _count(n_boot, "n_boot") == 0:
        raise CxnbError("n_boot must be at least 1 resample; 2000 is usual")
    x = _numbers(values, "bootstrap_interval values")
    if x.size == 0:
        return BootstrapInterval(0, math.nan, math.nan, math.nan)
    replicates = _resampled(x, reduce, n_boot, np.random.default_rng(_count(seed, "seed")))
    tail = (1 - confidence) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return BootstrapInterval(x.size, float(reduce(x, axis=0)), float(low), float(high))


# ---------------------------------------------------------------------------------------------
# Association


class Correlation(NamedTuple):
    """A rank correlation with its base and interval."""

    n: int
    rho: float
    ci_low: float
    ci_high: float


def spearman_interval(x, y, confidence: float = 0.95) -> Correlation:
    """Spearman's rank correlation of paired values with a Fisher-z interval using the
    Bonett & Wright (2000, Psychometrika 65:23-28) variance (1 + rho²/2) / (n - 3).

    Pairs with a missing value are dropped. With fewer than 4 pairs, or no spread in either
    variable, ``rho`` and the interval are NaN.

    Examples
    --------
    >>> c = spearman_interval([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 4, 3, 6, 5, 8, 7])
    >>> c.n, round(c.rho, 4), round(c.ci_low, 3), round(c.ci_high, 3)
    (8, 0.9048, 0.428, 0.988)
    """
    z = _z_value(confidence)
    a, b = _floats(x, "x"), _floats(y, "y")
    if a.size != b.size:
        raise CxnbError(f"x and y must pair up; got {a.size} and {b.size} values")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = int(a.size)
    if n < 4 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return Correlation(n, math.nan, math.nan, math.nan)
    from scipy import stats  # imported here: scipy.stats costs half a second to import

    rho = float(stats.spearmanr(a, b).statistic)
    half = z * math.sqrt((1 + rho**2 / 2) / (n - 3))
    centre = math.atanh(min(max(rho, -0.999999), 0.999999))
    return Correlation(n, rho, math.tanh(centre - half), math.tanh(centre + half))


# ---------------------------------------------------------------------------------------------
# Multiple comparisons


def holm(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values, in the order given.

    The k-th smallest of m p-values is multiplied by (m - k + 1); the results are made
    non-decreasing in that order and capped at 1.

    Parameters
    ----------
    p_values : array-like of floats in [0, 1]

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same length and order as the input.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.005]).round(4).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = _floats(p_values, "p-values")
    if np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise CxnbError(f"p-values must be numbers in [0, 1] with none missing; got {p.tolist()}")
    order = np.argsort(p, kind="stable")
    scaled = p[order] * np.arange(p.size, 0, -1)
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


# ---------------------------------------------------------------------------------------------
# Sample sizes for proportions and means


def proportion_sample_size(margin: float, *, expected: float = 0.5, confidence: float = 0.95) -> int:
    """Cases needed for a proportion's interval of ± ``margin`` (normal approximation).

    n = ceil(z**2 · p(1 - p) / margin**2) with p = ``expected``; the default 0.5 is the worst
    case. Use it for CSAT top-2-box, first-contact resolution, churn.

    Parameters
    ----------
    margin : float
        Half-width on the proportion scale: 0.05 means ±5 percentage points.
    expected : float
        Expected proportion in [0, 1], e.g. the one observed so far.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    int
        Number of cases (responses, tickets, customers).

    Examples
    --------
    >>> proportion_sample_size(0.05)
    385
    >>> proportion_sample_size(0.03, expected=0.8)
    683
    """
    if not 0 < margin <= 1:
        raise CxnbError(f"margin is a proportion in (0, 1]: ±5 percentage points is 0.05; got {margin!r}")
    if not 0 <= expected <= 1:
        raise CxnbError(f"expected is a proportion in [0, 1], e.g. 0.8 for 80 %; got {expected!r}")
    return math.ceil(_z_value(confidence) ** 2 * expected * (1 - expected) / margin**2)


def mean_sample_size(margin: float, *, sd: float, confidence: float = 0.95) -> int:
    """Observations needed for a mean's interval of ± ``margin`` (normal approximation).

    n = ceil((z · sd / margin)**2). The t interval of that many observations is slightly
    wider; the difference is under 1 % of n once n is above about 100.

    Parameters
    ----------
    margin : float
        Half-width in the units of the values, e.g. 0.2 points of a 1-7 CES scale.
    sd : float
        Expected standard deviation of the values, e.g. the one observed so far.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    int
        Number of observations.

    Examples
    --------
    >>> mean_sample_size(0.2, sd=1.5)
    217
    """
    if not margin > 0:
        raise CxnbError(f"margin must be a positive half-width in the units of the values; got {margin!r}")
    if not sd >= 0:
        raise CxnbError(f"sd must be a standard deviation (0 or more); got {sd!r}")
    return math.ceil((_z_value(confidence) * sd / margin) ** 2)
