"""Customer lifetime value: RFM summaries, BG/NBD and Gamma-Gamma models, CLV by group.

The models are the standard pair for non-contractual customers:

- **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way", *Marketing
  Science* 24(2)) for *how often* a customer buys while alive and *whether* they are still
  alive: purchases are Poisson with a gamma(r, alpha) rate across customers, and after each
  purchase a customer drops out with a probability that is beta(a, b) across customers;
- **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", *Journal
  of Marketing Research* 42(4); Colombo & Jiang 1999) for *how much* they spend per repeat
  purchase, with spend independent of frequency.

Both are fitted by maximum likelihood with scipy's L-BFGS-B on the log-parameters with the
analytic gradient, on the unique (frequency, recency, T) rows weighted by their counts, so
customers who share a history cost nothing extra. Standard errors come from the observed
information (the Hessian of the log-likelihood, by central differences of the analytic
gradient). Data too thin to fit (too few customers, too few repeat buyers) raise
:class:`~cxnb.errors.FitError` with what there is and what is needed, as does a fit that does
not converge, ends on a bound or has a singular Hessian — except that a BG/NBD whose dropout
parameters cannot be estimated (customers who never stop buying) falls back to its no-dropout
limit, the NBD model, and says so. The results match the published CDNOW figures (see the
tests) and lifetimes' fits (``benchmarks/clv.py``).

Why not a library: ``lifetimes`` is archived and unmaintained; its successor ``btyd`` does not
import on Python 3.11 (it calls ``inspect.getargspec``); ``pymc-marketing`` brings a ~400 MB
Bayesian stack (PyMC, PyTensor, a compiler toolchain) and compiles for tens of seconds to fit
what here is a four-parameter maximum-likelihood problem. These few formulas are easier to
keep correct than any of those dependencies.

Time is measured in a configurable unit (``"day"``, ``"week"`` or ``"month"`` = 365.25 / 12
days); purchases on the same calendar day (UTC) count as one purchase, as in the CDNOW
analyses. CLV is the discounted expected spend over a horizon in months.

>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c", "c"],
...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-15", "2025-03-01", "2025-02-01",
...                                                 "2025-01-10", "2025-01-10"], utc=True),
...                    "amount": [20.0, 30.0, 40.0, 15.0, 10.0, 5.0]})
>>> rfm_summary(tx, observation_end="2025-03-29", time_unit="day")[["customer_id", "frequency", "recency", "T",
...                                                                  "monetary_value", "historical_value"]]
  customer_id  frequency  recency     T  monetary_value  historical_value
0           a          2     59.0  87.0            35.0              90.0
1           b          0      0.0  56.0             0.0              15.0
2           c          0      0.0  78.0             0.0              15.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import threadpool_limits

from cxnb import metrics, stats
from cxnb.errors import CxnbError, FitError
from cxnb.frames import collect, native, require

__all__ = [
    "TIME_UNITS",
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "rfm_summary",
    "BetaGeo",
    "GammaGamma",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "predict_clv",
    "ClvFit",
    "fit_clv",
    "holdout_check",
    "nps_groups",
    "clv_by_group",
    "clv_difference",
    "clv_kpi",
    "findings",
    "ClvAnalysis",
    "analyse",
]

TIME_UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10
_DAYS_PER_MONTH = 365.25 / 12
# Log-parameters are searched within these bounds; ending on one means the data cannot pin it down.
_LOG_BOUND = 15.0


def _unit_days(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise CxnbError(f"time_unit must be one of {', '.join(TIME_UNITS)}; got {time_unit!r}")
    return TIME_UNITS[time_unit]


def _day(value, name: str) -> pd.Timestamp:
    """A date given by the caller as the start of its UTC day (naive, like the day keys)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise CxnbError(f"{name} must be a date such as 2025-09-30; got {value!r}") from None
    return (stamp if stamp.tzinfo is None else stamp.tz_convert("UTC").tz_localize(None)).floor("D")


# ---------------------------------------------------------------------------------------------
# RFM summary


def rfm_summary(transactions, *, customer_id: str = "customer_id", timestamp: str = "timestamp",
                amount: str = "amount", calibration_end=None, observation_end=None,
                time_unit: str = "week") -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, with an optional holdout period.

    Purchases are counted per calendar day (UTC): several transactions of a customer on one day
    are one purchase whose amount is their sum. The first purchase starts the customer's clock
    and is not a *repeat* purchase.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction (pandas, Polars or a DuckDB relation).
    customer_id, timestamp, amount : str
        Column names; ``timestamp`` timezone-aware (UTC) or naive UTC.
    calibration_end : date-like, optional
        Last day of the calibration period. Customers whose first purchase is later are left
        out; purchases after it count in the ``*_holdout`` columns. Without it the whole
        observation period is the calibration period and no holdout columns are returned.
    observation_end : date-like, optional
        Last day of the data; defaults to the day of the last transaction.
    time_unit : {"day", "week", "month"}
        Unit of ``recency``, ``T`` and ``duration_holdout``.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ``customer_id``: ``customer_id, first_purchase,
        frequency`` (repeat purchase days), ``recency`` (first to last purchase), ``T`` (first
        purchase to the end of calibration), ``monetary_value`` (mean amount of the repeat
        purchase days, 0 without any), ``historical_value`` (total amount in the calibration
        period, first purchase included: the historical CLV), and with ``calibration_end``
        also ``frequency_holdout, monetary_value_holdout, duration_holdout``.

    Raises
    ------
    CxnbError
        If a column is missing, ``time_unit`` is unknown, the dates are out of order, or no
        customer made a purchase in the calibration period.
    """
    unit = _unit_days(time_unit)
    frame = native(transactions)
    require(frame, [customer_id, timestamp, amount], "the RFM summary of transactions")
    data = collect(frame.select(customer_id, timestamp, amount)).dropna()
    when = pd.to_datetime(data[timestamp], utc=True).dt.tz_localize(None).dt.floor("D")  # naive UTC: fast
    days = (pd.DataFrame({"customer_id": data[customer_id].astype(str).to_numpy(),
                          "day": when.to_numpy(dtype="datetime64[ns]"),
                          "amount": data[amount].astype(float).to_numpy()})
            .groupby(["customer_id", "day"], as_index=False)["amount"].sum())
    if days.empty:
        raise CxnbError("the RFM summary needs transactions with a customer, a timestamp and an amount; got none")
    end = _day(observation_end, "observation_end") if observation_end is not None else days["day"].max()
    cut = _day(calibration_end, "calibration_end") if calibration_end is not None else end
    if cut > end:
        raise CxnbError(f"calibration_end {cut:%Y-%m-%d} is after observation_end {end:%Y-%m-%d}")
    calibration = days[days["day"] <= cut]
    if calibration.empty:
        raise CxnbError(f"no purchase on or before {cut:%Y-%m-%d}, the end of the calibration period")
    per = calibration.groupby("customer_id")
    first, last = per["day"].min(), per["day"].max()
    count, total = per["day"].size(), per["amount"].sum()
    first_amount = calibration.set_index(["customer_id", "day"])["amount"].reindex(
        pd.MultiIndex.from_arrays([first.index, first.to_numpy()])).to_numpy()
    repeats = count - 1
    summary = pd.DataFrame({
        "customer_id": first.index, "first_purchase": first.dt.tz_localize("UTC").to_numpy(),
        "frequency": repeats.to_numpy(),
        "recency": ((last - first).dt.days / unit).to_numpy(), "T": ((cut - first).dt.days / unit).to_numpy(),
        "monetary_value": np.where(repeats > 0, (total - first_amount) / repeats.clip(lower=1), 0.0),
        "historical_value": total.to_numpy()})
    if calibration_end is not None:
        later = days[(days["day"] > cut) & (days["day"] <= end)].groupby("customer_id")["amount"]
        summary["frequency_holdout"] = summary["customer_id"].map(later.size()).fillna(0).astype(int)
        summary["monetary_value_holdout"] = summary["customer_id"].map(later.mean()).fillna(0.0)
        summary["duration_holdout"] = (end - cut).days / unit
    return summary.reset_index(drop=True)


def _rfm_arrays(summary: pd.DataFrame, columns: dict[str, str], what: str) -> list[np.ndarray]:
    """The named columns as float arrays, refusing missing or impossible values."""
    require(summary, list(columns.values()), what)
    arrays, problems = [], []
    for role, column in columns.items():
        values = pd.to_numeric(summary[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            problems.append(f"column {column} ({role}) has {bad.size} missing or negative value(s) in rows "
                            f"{', '.join(map(str, bad[:5]))}")
        arrays.append(values)
    if problems:
        raise CxnbError(f"{what}: " + "; ".join(problems))
    return arrays


# ---------------------------------------------------------------------------------------------
# Maximum likelihood machinery shared by both models


def _maximise(negative_ll, start: np.ndarray, names: tuple[str, ...], model: str) -> tuple[np.ndarray, int, list]:
    """Minimise a (value, gradient-in-natural-parameters) function over log-parameters.

    Returns the parameters, the number of iterations and the names of the parameters that
    ended on a bound (the data cannot pin them down); raises :class:`FitError` when the
    optimiser fails.
    """
    def objective(log_params):
        params = np.exp(log_params)
        value, gradient = negative_ll(params)
        return value, gradient * params   # chain rule: d/dlog θ = θ · d/dθ

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    # L-BFGS-B's algebra is on 4 × 4 matrices: BLAS threads only add hand-offs (2–20× slower on a busy machine)
    with threadpool_limits(1, user_api="blas"):
        result = optimize.minimize(objective, np.log(start), jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    on_bound = [name for name, value in zip(names, result.x) if abs(value) > _LOG_BOUND - 1e-2]
    free = [name not in on_bound for name in names]
    # a line search that cannot improve further ("ABNORMAL") at a stationary point has converged too
    stationary = np.all(np.isfinite(result.x)) and np.abs(objective(result.x)[1][free]).max(initial=0) < 1e-6
    drifting = [name for name, value in zip(names, result.x) if abs(value) > _LOG_BOUND / 2]
    if not (result.success or stationary) and drifting:
        raise _unidentified(model, drifting)
    if not (result.success or stationary) or not np.all(np.isfinite(result.x)):
        raise FitError(f"the {model} fit did not converge: {result.message}")
    return np.exp(result.x), int(result.nit), on_bound


def _unidentified(model: str, names: list[str]) -> FitError:
    return FitError(f"the {model} fit ran to the edge of the parameter space ({', '.join(names)}): the data "
                    f"cannot identify the model; check that the transactions span enough time and customers")


def _standard_errors(negative_ll, params: np.ndarray, model: str) -> np.ndarray:
    """Square roots of the diagonal of the inverse observed information (natural parameters)."""
    k = params.size
    hessian = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        hessian[:, j] = (negative_ll(up)[1] - negative_ll(down)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        raise FitError(f"the {model} fit stopped where the log-likelihood is not a maximum (the Hessian is not "
                       f"negative definite); the data cannot identify the model") from None
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


def _parameter_table(names, values, errors, confidence: float) -> pd.DataFrame:
    """Estimates with Wald intervals on the log scale (parameters are positive)."""
    z = stats._z_value(confidence)  # refuses levels outside (0, 1) with the kit's usual message
    values = np.asarray(values, dtype=float)
    errors = np.full(values.size, np.nan) if errors is None else np.asarray(errors, dtype=float)
    spread = np.exp(z * errors / values)
    return pd.DataFrame({"parameter": list(names), "estimate": values, "se": errors,
                         "ci_low": values / spread, "ci_high": values * spread})


def _unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how many times each occurs."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


# ---------------------------------------------------------------------------------------------
# BG/NBD


def _bgnbd_terms(params, x, t_x, T):
    """Per-row log-likelihood and its gradient (rows × 4) at ``params`` = (r, alpha, a, b)."""
    r, alpha, a, b = params
    repeat = x > 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(repeat, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                  -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    ll = a1 + a2 + top + np.log(e3 + e4)
    w3, w4 = e3 / (e3 + e4), e4 / (e3 + e4)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) \
        - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    common = special.digamma(a + b) - special.digamma(a + b + x)
    d_a = common + w4 / a
    d_b = common + special.digamma(b + x) - special.digamma(b) - w4 / np.maximum(b + x - 1, 1e-300)
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


def _nbd_terms(params, x, T):
    """Per-row log-likelihood and gradient (rows × 2) of the NBD model (BG/NBD without dropout)."""
    r, alpha = params
    ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - np.log(alpha + T)
    d_alpha = r / alpha - (r + x) / (alpha + T)
    return ll, np.column_stack([d_r, d_alpha])


@dataclass(frozen=True)
class BetaGeo:
    """A BG/NBD model: purchase rate gamma(``r``, ``alpha``), dropout beta(``a``, ``b``).

    ``alpha`` is in the model's ``time_unit``. Fitted models carry standard errors ``se``
    (r, alpha, a, b), the maximised ``log_likelihood`` and the number of customers;
    ``BetaGeo(r, alpha, a, b)`` alone gives a model at known parameters. ``a = 0`` (with ``b``
    NaN) is the no-dropout limit, the NBD model (Ehrenberg 1959): every customer stays active;
    :func:`fit_bgnbd` falls back to it, saying so in ``note``, when the dropout parameters
    cannot be estimated.

    Examples
    --------
    >>> paper = BetaGeo(0.243, 4.414, 0.793, 2.426)  # Fader, Hardie & Lee (2005), CDNOW, weeks
    >>> round(float(paper.probability_of_purchases(39, 0)), 4)
    0.5738
    """

    r: float
    alpha: float
    a: float
    b: float
    se: tuple[float, float, float, float] | None = None
    log_likelihood: float = math.nan
    n_customers: int = 0
    iterations: int = 0
    time_unit: str = "week"
    note: str = ""

    def parameters(self, confidence: float = 0.95) -> pd.DataFrame:
        """``parameter, estimate, se, ci_low, ci_high``; intervals are Wald on the log scale."""
        return _parameter_table(("r", "alpha", "a", "b"), (self.r, self.alpha, self.a, self.b), self.se, confidence)

    def expected_purchases(self, t):
        """E[X(t)]: expected purchases of a new customer in their first ``t`` time units."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=float)
        if a == 0:
            return r * t / alpha
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))

    def probability_alive(self, frequency, recency, T):
        """P(still a customer at T | x repeat purchases, the last at ``recency``)."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        return 1 / (1 + self._dropout_odds(x, t_x, T))

    def _dropout_odds(self, x, t_x, T):
        """a / (b + x − 1) · ((alpha + T) / (alpha + t_x))^(r + x) for x > 0, else 0."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if a == 0:
            return np.zeros(np.broadcast(x, t_x, T).shape)
        safe = np.where(x > 0, b + x - 1, 1.0)
        return np.where(x > 0, a / safe * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units of a customer
        with ``frequency`` repeat purchases, the last at ``recency``, observed for ``T``."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = np.asarray(t, dtype=float)
        if a == 0:
            return (r + x) * t / (alpha + T) + 0 * t_x
        z = t / (alpha + T + t)
        future = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * future / (1 + self._dropout_odds(x, t_x, T))

    def probability_of_purchases(self, t, n: int):
        """P(X(t) = n): probability that a new customer makes exactly ``n`` purchases in ``t``
        (Fader, Hardie & Lee 2005, equation 8)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=float)
        n = int(n)
        log_beta = special.betaln(a, b) if a > 0 else 0.0
        share, odds = alpha / (alpha + t), t / (alpha + t)
        first = np.exp((special.betaln(a, b + n) - log_beta if a > 0 else 0.0) + special.gammaln(r + n)
                       - special.gammaln(r) - special.gammaln(n + 1)) * share**r * odds**n
        if n == 0 or a == 0:
            return first
        j = np.arange(n)
        terms = np.exp(special.gammaln(r + j) - special.gammaln(r) - special.gammaln(j + 1))
        partial = share**r * np.sum(terms * np.power.outer(odds, j), axis=-1)
        return first + np.exp(special.betaln(a + 1, b + n - 1) - log_beta) * (1 - partial)


def _thin(summary_n: int, repeaters: int, model: str) -> None:
    """Refuse data too thin to fit, saying what there is and what is needed."""
    if summary_n >= MIN_CUSTOMERS and repeaters >= MIN_REPEAT_BUYERS:
        return
    who = "none" if repeaters == 0 else f"{repeaters:,}"
    raise FitError(f"cannot fit the {model}: {summary_n:,} customers, {who} with a repeat purchase; need at least "
                   f"{MIN_CUSTOMERS} customers of whom at least {MIN_REPEAT_BUYERS} bought on more than one day")


def fit_bgnbd(summary: pd.DataFrame, *, frequency: str = "frequency", recency: str = "recency", T: str = "T",
              time_unit: str = "week") -> BetaGeo:
    """Fit the BG/NBD model by maximum likelihood.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer, e.g. from :func:`rfm_summary`.
    frequency, recency, T : str
        Columns with repeat purchases, time of the last purchase and time observed, all
        measured from the first purchase in ``time_unit``.
    time_unit : str
        The unit of ``recency`` and ``T`` (recorded on the model).

    Returns
    -------
    BetaGeo
        Parameters, standard errors, log-likelihood, customers, iterations.

    When the four-parameter fit does not reach an interior maximum with a negative-definite
    Hessian, the dropout process cannot be estimated and the no-dropout limit (NBD: r, alpha;
    a = 0) is fitted instead, with ``note`` saying so.

    Raises
    ------
    FitError
        With fewer than 30 customers or fewer than 10 repeat buyers, or when not even the NBD
        limit reaches an interior maximum.
    CxnbError
        If a column is missing or holds missing or negative values, or recency exceeds T.

    Examples
    --------
    >>> import pandas as pd
    >>> few = pd.DataFrame({"frequency": [0] * 20, "recency": [0.0] * 20, "T": [30.0] * 20})
    >>> fit_bgnbd(few)
    Traceback (most recent call last):
    ...
    cxnb.errors.FitError: cannot fit the BG/NBD purchase model: 20 customers, none with a repeat purchase; \
need at least 30 customers of whom at least 10 bought on more than one day
    """
    _unit_days(time_unit)
    x, t_x, t_end = _rfm_arrays(summary, {"frequency": frequency, "recency": recency, "T": T},
                                "the BG/NBD fit")
    late = np.flatnonzero(t_x > t_end + 1e-9)
    if late.size:
        raise CxnbError(f"the BG/NBD fit: column {recency} exceeds {T} in {late.size} row(s) "
                        f"({', '.join(map(str, late[:5]))}); the last purchase cannot follow the end of observation")
    _thin(x.size, int((x > 0).sum()), "BG/NBD purchase model")
    (x, t_x, t_end), weight = _unique_rows(x, t_x, t_end)
    total = weight.sum()

    def negative_ll(params):
        ll, gradient = _bgnbd_terms(params, x, t_x, t_end)
        return -(weight @ ll) / total, -(weight @ gradient) / total

    model = "BG/NBD purchase model"
    start = np.array([1.0, max(float(np.average(t_end, weights=weight)), 1e-3), 1.0, 1.0])
    try:
        params, iterations, on_bound = _maximise(negative_ll, start, ("r", "alpha", "a", "b"), model)
        if on_bound:
            raise _unidentified(model, on_bound)
        se = _standard_errors(lambda p: tuple(total * v for v in negative_ll(p)), params, model)
    except FitError:  # the dropout process cannot be estimated: fall back to the model without it
        return _fit_nbd(x, t_end, weight, start[:2], time_unit)
    return BetaGeo(*map(float, params), se=tuple(map(float, se)), log_likelihood=float(-negative_ll(params)[0] * total),
                   n_customers=int(total), iterations=iterations, time_unit=time_unit)


def _fit_nbd(x, t_end, weight, start, time_unit: str) -> BetaGeo:
    """The BG/NBD's no-dropout limit (a = 0), fitted when the dropout process cannot be estimated."""
    total = weight.sum()

    def negative_ll(params):
        ll, gradient = _nbd_terms(params, x, t_end)
        return -(weight @ ll) / total, -(weight @ gradient) / total

    model = "NBD purchase model (BG/NBD without dropout)"
    params, iterations, on_bound = _maximise(negative_ll, start, ("r", "alpha"), model)
    if on_bound:
        raise _unidentified(model, on_bound)
    se = _standard_errors(lambda p: tuple(total * v for v in negative_ll(p)), params, model)
    note = ("the data do not pin down the BG/NBD dropout process (its parameters run to the edge of the parameter "
            "space, as when customers rarely or never stop buying), so purchases are forecast by its no-dropout "
            "limit, the NBD model, and every customer counts as active")
    return BetaGeo(float(params[0]), float(params[1]), 0.0, math.nan,
                   se=(float(se[0]), float(se[1]), math.nan, math.nan),
                   log_likelihood=float(-negative_ll(params)[0] * total), n_customers=int(total),
                   iterations=iterations, time_unit=time_unit, note=note)


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma


def _gamma_gamma_terms(params, x, m):
    """Per-row log-likelihood and gradient (rows × 3) of mean spend ``m`` over ``x`` purchases."""
    p, q, g = params
    px = p * x
    ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
          + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + x * m))
    common = special.digamma(px + q)
    d_p = x * (common - special.digamma(px) + np.log(m) + np.log(x) - np.log(g + x * m))
    d_q = common - special.digamma(q) + np.log(g) - np.log(g + x * m)
    d_g = q / g - (px + q) / (g + x * m)
    return ll, np.column_stack([d_p, d_q, d_g])


@dataclass(frozen=True)
class GammaGamma:
    """A Gamma-Gamma spend model: spend per purchase gamma(``p``, ν), ν gamma(``q``, ``gamma``).

    Examples
    --------
    >>> model = GammaGamma(6.25, 3.74, 15.44)  # Fader, Hardie & Lee (2005), CDNOW
    >>> round(float(model.expected_spend(2, 22.35)), 2)  # CDNOW customer 1 (24.65 at the unrounded fit)
    24.66
    """

    p: float
    q: float
    gamma: float
    se: tuple[float, float, float] | None = None
    log_likelihood: float = math.nan
    n_customers: int = 0
    iterations: int = 0

    def parameters(self, confidence: float = 0.95) -> pd.DataFrame:
        """``parameter, estimate, se, ci_low, ci_high``; intervals are Wald on the log scale."""
        return _parameter_table(("p", "q", "gamma"), (self.p, self.q, self.gamma), self.se, confidence)

    def expected_spend(self, frequency, monetary_value):
        """E[spend per purchase | x repeat purchases of mean ``monetary_value``]; for x = 0 the
        population mean p·gamma / (q − 1)."""
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)


def fit_gamma_gamma(summary: pd.DataFrame, *, frequency: str = "frequency",
                    monetary_value: str = "monetary_value") -> GammaGamma:
    """Fit the Gamma-Gamma spend model by maximum likelihood on the repeat buyers.

    Only customers with at least one repeat purchase and a positive mean repeat spend enter
    the fit (refunds can make the mean zero or negative; those customers are left out).

    Returns
    -------
    GammaGamma
        Parameters, standard errors, log-likelihood, customers used, iterations.

    Raises
    ------
    FitError
        With fewer than 10 repeat buyers, when the fit does not converge to an interior
        maximum, or when q ≤ 1 (the mean spend would be infinite).

    Examples
    --------
    >>> import pandas as pd
    >>> buyers = pd.DataFrame({"frequency": [1, 2, 3, 1, 4, 2, 1, 5, 2, 3, 1, 2],
    ...                        "monetary_value": [20, 25, 30, 18, 42, 22, 15, 38, 27, 33, 19, 24]})
    >>> model = fit_gamma_gamma(buyers)
    >>> model.n_customers, round(float(model.expected_spend(0, 0)), 1) > 0
    (12, True)
    """
    require(summary, [frequency, monetary_value], "the Gamma-Gamma fit")
    refunds_as_zero = pd.to_numeric(summary[monetary_value], errors="coerce").clip(lower=0)  # left out below
    x, m = _rfm_arrays(summary.assign(**{monetary_value: refunds_as_zero}),
                       {"frequency": frequency, "monetary_value": monetary_value}, "the Gamma-Gamma fit")
    used = (x > 0) & (m > 0)
    if used.sum() < MIN_REPEAT_BUYERS:
        raise FitError(f"cannot fit the Gamma-Gamma spend model: {int(used.sum()):,} customers with a repeat "
                       f"purchase and positive spend; need at least {MIN_REPEAT_BUYERS}")
    (x, m), weight = _unique_rows(x[used], m[used])
    total = weight.sum()

    def negative_ll(params):
        ll, gradient = _gamma_gamma_terms(params, x, m)
        return -(weight @ ll) / total, -(weight @ gradient) / total

    start = np.array([1.0, 2.0, max(float(np.average(m, weights=weight)), 1e-3)])
    params, iterations, on_bound = _maximise(negative_ll, start, ("p", "q", "gamma"), "Gamma-Gamma spend model")
    if on_bound:
        raise _unidentified("Gamma-Gamma spend model", on_bound)
    if params[1] <= 1:
        raise FitError(f"the Gamma-Gamma spend model gives q = {params[1]:.3f} ≤ 1: spend per purchase varies so "
                       f"much between customers that its mean is not finite, so spend cannot be forecast; this comes "
                       f"from very unequal order sizes (such as yearly and monthly invoices) or a few extreme amounts")
    se = _standard_errors(lambda p: tuple(total * v for v in negative_ll(p)), params, "Gamma-Gamma spend model")
    return GammaGamma(*map(float, params), se=tuple(map(float, se)),
                      log_likelihood=float(-negative_ll(params)[0] * total), n_customers=int(total),
                      iterations=iterations)


# ---------------------------------------------------------------------------------------------
# CLV


def predict_clv(summary: pd.DataFrame, purchases: BetaGeo, spend: GammaGamma, *, horizon_months: int = 12,
                discount_rate: float = 0.10) -> pd.DataFrame:
    """Discounted customer lifetime value over the next ``horizon_months``.

    CLV = Σ over months i = 1..H of E[spend] × (E[Y(i)] − E[Y(i − 1)]) / (1 + d)^i, where
    E[Y(i)] is the BG/NBD expected number of purchases in the next i months, E[spend] the
    Gamma-Gamma expected spend per purchase and d the monthly rate equivalent to the annual
    ``discount_rate``.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`rfm_summary` output (``customer_id, frequency, recency, T, monetary_value``),
        in the time unit of ``purchases``.
    purchases, spend : BetaGeo, GammaGamma
        Fitted models.
    horizon_months : int
        Forecast horizon (1 or more months).
    discount_rate : float
        Annual discount rate, 0.10 for 10 %.

    Returns
    -------
    pandas.DataFrame
        ``summary``'s columns plus ``p_alive, expected_purchases`` (over the horizon),
        ``expected_spend`` (per purchase) and ``clv``.

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"customer_id": ["1"], "frequency": [2], "recency": [30.43], "T": [38.86],
    ...                     "monetary_value": [22.35]})
    >>> out = predict_clv(one, BetaGeo(0.243, 4.414, 0.793, 2.426), GammaGamma(6.25, 3.74, 15.44),
    ...                   horizon_months=12, discount_rate=0.0)
    >>> round(float(out["expected_purchases"].iloc[0]), 3), round(float(out["clv"].iloc[0]), 2)
    (1.563, 38.55)
    """
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise CxnbError(f"horizon_months must be a whole number of months, 1 or more; got {horizon_months!r}")
    if not -1 < discount_rate < 1:
        raise CxnbError(f"discount_rate is an annual rate such as 0.10 for 10 %; got {discount_rate!r}")
    x, t_x, t_end, m = _rfm_arrays(summary, {"frequency": "frequency", "recency": "recency", "T": "T",
                                             "monetary_value": "monetary_value"}, "the CLV prediction")
    month = _DAYS_PER_MONTH / _unit_days(purchases.time_unit)
    months = np.arange(int(horizon_months) + 1)
    cumulative = purchases.conditional_expected_purchases(months[:, None] * month, x, t_x, t_end)
    monthly = np.diff(cumulative, axis=0)
    discount = (1 + discount_rate) ** (-months[1:] / 12)
    per_purchase = spend.expected_spend(x, m)
    return summary.assign(p_alive=purchases.probability_alive(x, t_x, t_end), expected_purchases=cumulative[-1],
                          expected_spend=per_purchase, clv=per_purchase * (discount @ monthly))


@dataclass(frozen=True)
class ClvFit:
    """Both models fitted on a client's transactions and each customer's predicted CLV.

    ``customers`` is :func:`predict_clv`'s frame; ``as_of`` the end of the observation period.
    """

    purchases: BetaGeo
    spend: GammaGamma
    customers: pd.DataFrame
    horizon_months: int
    discount_rate: float
    as_of: pd.Timestamp

    def parameters(self, confidence: float = 0.95) -> pd.DataFrame:
        """Both models' parameters: ``model, parameter, estimate, se, ci_low, ci_high``."""
        return pd.concat([self.purchases.parameters(confidence).assign(model="BG/NBD"),
                          self.spend.parameters(confidence).assign(model="Gamma-Gamma")], ignore_index=True)[
            ["model", "parameter", "estimate", "se", "ci_low", "ci_high"]]


def fit_clv(transactions, *, horizon_months: int = 12, discount_rate: float = 0.10, time_unit: str = "week",
            observation_end=None, customer_id: str = "customer_id", timestamp: str = "timestamp",
            amount: str = "amount") -> ClvFit:
    """RFM summary, BG/NBD and Gamma-Gamma fits and each customer's CLV in one call.

    Takes the same column and period arguments as :func:`rfm_summary` and the horizon and
    annual discount rate of :func:`predict_clv`. Raises :class:`~cxnb.errors.FitError` when the
    data are too thin or a model cannot be fitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> counts = 1 + rng.poisson(rng.gamma(0.8, 4.0, 300))  # purchases of 300 customers in 2025
    >>> ids = np.repeat(np.arange(300).astype(str), counts)
    >>> days = pd.to_timedelta(rng.uniform(0, 365, ids.size), "D")
    >>> tx = pd.DataFrame({"customer_id": ids, "timestamp": pd.Timestamp("2025-01-01", tz="UTC") + days,
    ...                    "amount": rng.gamma(4, 8, ids.size)})
    >>> fit = fit_clv(tx)
    >>> fit.parameters()["parameter"].tolist()
    ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma']
    >>> bool((fit.customers["clv"] > 0).all())
    True
    """
    summary = rfm_summary(transactions, customer_id=customer_id, timestamp=timestamp, amount=amount,
                          observation_end=observation_end, time_unit=time_unit)
    purchases = fit_bgnbd(summary, time_unit=time_unit)
    spend = fit_gamma_gamma(summary)
    as_of = summary["first_purchase"].min() + pd.Timedelta(days=float(summary["T"].max() * _unit_days(time_unit)))
    return ClvFit(purchases, spend, predict_clv(summary, purchases, spend, horizon_months=horizon_months,
                                                discount_rate=discount_rate), int(horizon_months),
                  float(discount_rate), as_of.round("D"))


def holdout_check(summary: pd.DataFrame, purchases: BetaGeo, *, max_frequency: int = 7) -> pd.DataFrame:
    """Predicted against actual holdout purchases by calibration frequency (the check of
    Fader, Hardie & Lee 2005, figure 4).

    ``summary`` is an :func:`rfm_summary` with ``calibration_end`` and ``purchases`` a model
    fitted on it. Customers with ``max_frequency`` or more repeat purchases share the last row.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (label; the last is e.g. ``"7+"``), ``customers, actual, predicted``:
        mean holdout purchases per customer, observed and expected.
    """
    require(summary, ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"],
            "the holdout check (an RFM summary with calibration_end)")
    predicted = purchases.conditional_expected_purchases(summary["duration_holdout"], summary["frequency"],
                                                         summary["recency"], summary["T"])
    bucket = summary["frequency"].clip(upper=max_frequency)
    out = (pd.DataFrame({"bucket": bucket, "actual": summary["frequency_holdout"], "predicted": predicted})
           .groupby("bucket").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                  predicted=("predicted", "mean")).reset_index())
    labels = out["bucket"].astype(int).astype(str)
    out.insert(0, "frequency", labels.where(out["bucket"] < max_frequency, labels + "+"))
    return out.drop(columns="bucket")


# ---------------------------------------------------------------------------------------------
# CLV by group


_NPS_GROUPS = ["detractor", "passive", "promoter"]


def nps_groups(responses: pd.DataFrame, *, customer_id: str = "customer_id", score: str = "nps",
               time: str = "submitted_at") -> pd.DataFrame:
    """Each customer's NPS group from their latest answered NPS question.

    Returns ``customer_id, nps_group`` with groups ``detractor`` (0–6), ``passive`` (7–8) and
    ``promoter`` (9–10) as an ordered categorical.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"customer_id": ["a", "a", "b"], "nps": [3, 9, 7],
    ...                         "submitted_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-05"])})
    >>> nps_groups(answers)
      customer_id nps_group
    0           a  promoter
    1           b   passive
    """
    require(responses, [customer_id, score, time], "NPS groups of customers")
    answered = responses.dropna(subset=[customer_id, score]).sort_values(time, kind="stable")
    latest = answered.groupby(customer_id)[score].last().astype(float)
    groups = pd.cut(latest, [-1, 6, 8, 10], labels=_NPS_GROUPS, ordered=True)
    return pd.DataFrame({"customer_id": latest.index.astype(str), "nps_group": groups.to_numpy()})


def _joined(customers: pd.DataFrame, groups: pd.DataFrame, by: str, value: str, customer_id: str) -> pd.DataFrame:
    require(customers, [customer_id, value], "CLV by group (customer values)")
    require(groups, [customer_id, by], "CLV by group (groups)")
    keys = groups[[customer_id, by]].assign(**{customer_id: groups[customer_id].astype(str)})
    return customers[[customer_id, value]].assign(**{customer_id: customers[customer_id].astype(str)}).merge(
        keys, on=customer_id, how="inner").dropna(subset=[by, value])


def clv_by_group(customers: pd.DataFrame, groups: pd.DataFrame, *, by: str, value: str = "clv",
                 customer_id: str = "customer_id", min_base: int = 30, confidence: float = 0.95,
                 n_boot: int = 2000, seed: int) -> pd.DataFrame:
    """Mean CLV per group with a percentile-bootstrap interval over customers.

    The interval reflects which customers happen to be in each group (customer sampling); the
    model parameters are held at their estimates.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer with ``customer_id`` and ``value`` (e.g. :attr:`ClvFit.customers`).
    groups : pandas.DataFrame
        ``customer_id`` and the ``by`` column (persona, NPS group, region...); customers without
        a group are left out.
    by, value, customer_id : str
        Column names.
    min_base, confidence, n_boot, seed
        Groups under ``min_base`` customers are flagged; ``seed`` from the client config.

    Returns
    -------
    pandas.DataFrame
        ``<by>, n, value, ci_low, ci_high, flag, total``: customers, mean CLV and its
        interval, ``insufficient_base`` where n < min_base, and the group's summed CLV.

    Examples
    --------
    >>> import pandas as pd
    >>> values = pd.DataFrame({"customer_id": list("abcdef"), "clv": [10.0, 12.0, 14.0, 1.0, 2.0, 3.0]})
    >>> groups = pd.DataFrame({"customer_id": list("abcdef"), "tier": ["gold"] * 3 + ["basic"] * 3})
    >>> clv_by_group(values, groups, by="tier", min_base=3, seed=1)[["tier", "n", "value", "total"]]
        tier  n  value  total
    0  basic  3    2.0    6.0
    1   gold  3   12.0   36.0
    """
    joined = _joined(customers, groups, by, value, customer_id)
    rows = []
    for name, part in joined.groupby(by, observed=True, sort=True):
        result = stats.bootstrap_interval(part[value], "mean", n_boot=n_boot, confidence=confidence, seed=seed)
        rows.append({by: name, "n": result.n, "value": result.estimate, "ci_low": result.ci_low,
                     "ci_high": result.ci_high, "flag": metrics.FLAG if result.n < min_base else "",
                     "total": float(part[value].sum())})
    return pd.DataFrame(rows, columns=[by, "n", "value", "ci_low", "ci_high", "flag", "total"])


def clv_difference(customers: pd.DataFrame, groups: pd.DataFrame, *, by: str, first: str, second: str,
                   value: str = "clv", customer_id: str = "customer_id", confidence: float = 0.95,
                   n_boot: int = 2000, seed: int) -> stats.BootstrapInterval:
    """Mean CLV of group ``first`` minus group ``second`` with a percentile-bootstrap interval
    (customers resampled within each group).

    Returns
    -------
    BootstrapInterval
        ``n`` (customers in both groups), ``estimate`` (the difference), ``ci_low, ci_high``.

    Raises
    ------
    CxnbError
        If either group has no customers.

    Examples
    --------
    >>> import pandas as pd
    >>> values = pd.DataFrame({"customer_id": list("abcdef"), "clv": [10.0, 12.0, 14.0, 1.0, 2.0, 3.0]})
    >>> groups = pd.DataFrame({"customer_id": list("abcdef"), "tier": ["gold"] * 3 + ["basic"] * 3})
    >>> d = clv_difference(values, groups, by="tier", first="gold", second="basic", seed=1)
    >>> d.n, d.estimate, d.ci_low > 0
    (6, 10.0, True)
    """
    joined = _joined(customers, groups, by, value, customer_id)
    samples = [joined.loc[joined[by] == name, value].to_numpy(dtype=float) for name in (first, second)]
    empty = [name for name, sample in zip((first, second), samples) if sample.size == 0]
    if empty:
        raise CxnbError(f"no customer with a CLV in {by} group(s) {', '.join(map(repr, empty))}; the groups are "
                        f"{', '.join(map(str, joined[by].unique()))}")
    rng = np.random.default_rng(seed)
    means = [sample[rng.integers(0, sample.size, size=(n_boot, sample.size))].mean(axis=1) for sample in samples]
    tail = (1 - confidence) / 2
    low, high = np.quantile(means[0] - means[1], [tail, 1 - tail])
    return stats.BootstrapInterval(int(sum(s.size for s in samples)), float(samples[0].mean() - samples[1].mean()),
                                   float(low), float(high))


def clv_kpi(transactions, *, customers: pd.DataFrame | None = None, by: str | None = None, period=None,
            horizon_months: int = 12, discount_rate: float = 0.10, time_unit: str = "week", min_base: int = 30,
            confidence: float = 0.95, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Mean predicted CLV per customer as a KPI frame, like the functions of :mod:`cxnb.metrics`.

    Fits :func:`fit_clv` and bootstraps the mean of the customers' CLV. ``by`` names one column
    of ``customers`` (region, plan...). CLV is a forecast from the end of the data, so it has no
    ``period`` breakdown.

    Returns
    -------
    pandas.DataFrame
        ``[<by>], n, value, ci_low, ci_high, flag``.

    Raises
    ------
    FitError
        When the models cannot be fitted (see :func:`fit_clv`).
    """
    if period is not None:
        raise CxnbError("CLV is a forecast from the end of the data; it has no trend by period (period=None)")
    fit = fit_clv(transactions, horizon_months=horizon_months, discount_rate=discount_rate, time_unit=time_unit)
    if by is not None:
        if customers is None:
            raise CxnbError(f"CLV by {by} needs the customers table with a {by} column")
        return clv_by_group(fit.customers, customers, by=by, min_base=min_base, confidence=confidence,
                            n_boot=n_boot, seed=seed).drop(columns="total")
    mean = stats.bootstrap_interval(fit.customers["clv"], "mean", n_boot=n_boot, confidence=confidence, seed=seed)
    return pd.DataFrame([{"n": mean.n, "value": mean.estimate, "ci_low": mean.ci_low, "ci_high": mean.ci_high,
                          "flag": metrics.FLAG if mean.n < min_base else ""}])


def findings(fit: ClvFit, by_nps: pd.DataFrame | None = None, difference: stats.BootstrapInterval | None = None,
             *, currency: str = "", confidence: float = 0.95) -> list[str]:
    """Sentences about a CLV fit, built from its numbers: the mean CLV and its spread, the
    share of customers likely still active, and (given) CLV by NPS group and the promoter −
    detractor difference."""
    c = fit.customers
    money = (lambda v: f"{currency}{v:,.0f}") if currency else (lambda v: f"{v:,.0f}")
    top = c["clv"].nlargest(max(1, len(c) // 5)).sum() / c["clv"].sum() if c["clv"].sum() > 0 else math.nan
    sentences = [f"Predicted {fit.horizon_months}-month CLV averages {money(c['clv'].mean())} per customer "
                 f"(median {money(c['clv'].median())}, {len(c):,} customers); the top 20% hold {top:.0%} of it."]
    if fit.purchases.a > 0:  # the no-dropout limit counts everyone as active: its note says so instead
        sentences.append(f"{(c['p_alive'] >= 0.5).mean():.0%} of customers are more likely than not still active "
                         f"as of {fit.as_of:%Y-%m-%d}.")
    if by_nps is not None and len(by_nps):
        parts = ", ".join(f"{r.nps_group}s {money(r.value)} ({money(r.ci_low)}–{money(r.ci_high)}, n = {r.n:,})"
                          for r in by_nps.itertuples())
        sentences.append(f"Mean CLV by latest NPS answer: {parts}.")
    if difference is not None:
        verdict = "the interval excludes 0" if difference.ci_low > 0 or difference.ci_high < 0 \
            else "the interval includes 0, so the data do not tell the groups apart"
        sentences.append(f"Promoters' mean CLV minus detractors': {money(difference.estimate)} "
                         f"({confidence:.0%} interval {money(difference.ci_low)} to {money(difference.ci_high)}); "
                         f"{verdict}.")
    if fit.purchases.note:
        sentences.append(f"Note: {fit.purchases.note}.")
    return sentences


# ---------------------------------------------------------------------------------------------
# A client's CLV in one call (for the step notebooks)


_PARAMETER_COLUMNS = ["model", "parameter", "estimate", "se", "ci_low", "ci_high"]


@dataclass(frozen=True)
class ClvAnalysis:
    """A client's CLV: the fit (None when it cannot be made, ``problem`` then says why), CLV by
    latest NPS group, the promoter − detractor difference and sentences about them."""

    fit: ClvFit | None
    problem: str
    by_nps: pd.DataFrame
    difference: stats.BootstrapInterval | None
    findings: list[str]

    @property
    def ok(self) -> bool:
        """Whether the models could be fitted."""
        return self.fit is not None

    def parameters(self, confidence: float = 0.95) -> pd.DataFrame:
        """:meth:`ClvFit.parameters`, or an empty frame with its columns."""
        return self.fit.parameters(confidence) if self.fit else pd.DataFrame(columns=_PARAMETER_COLUMNS)

    @property
    def customers(self) -> pd.DataFrame:
        """Each customer's predicted CLV (:attr:`ClvFit.customers`), or an empty frame."""
        return self.fit.customers if self.fit else pd.DataFrame(columns=["customer_id", "clv"])


def analyse(bundle, *, horizon_months: int = 12, discount_rate: float = 0.10, n_boot: int = 2000,
            confidence: float = 0.95) -> ClvAnalysis:
    """Fit both models on a client's transactions and compare CLV across NPS groups.

    Never raises for data that cannot support the models: a client without transactions, or
    with too few, gets ``ok = False`` and the reason in ``problem`` (and as the only finding),
    so a notebook can say it instead of failing. Bootstrap intervals (at ``confidence``) are
    seeded from the client config's ``seed``.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> result = analyse(load_sample("b2c"), n_boot=200)
    >>> result.ok, result.by_nps["nps_group"].tolist()
    (True, ['detractor', 'passive', 'promoter'])
    """
    empty = pd.DataFrame(columns=["nps_group", "n", "value", "ci_low", "ci_high", "flag", "total"])
    if bundle.transactions is None:
        problem = ("the client has no transactions; add purchases (customer_id, timestamp, amount) under "
                   "`sources.transactions` in the client config")
        return ClvAnalysis(None, problem, empty, None, [f"CLV is not estimated for this client: {problem}."])
    try:
        fit = fit_clv(bundle.transactions, horizon_months=horizon_months, discount_rate=discount_rate)
    except FitError as error:
        return ClvAnalysis(None, str(error), empty, None, [f"CLV is not estimated for this client: {error}."])
    seed, by_nps, difference = bundle.config.seed, empty, None
    responses = bundle.responses
    if responses is not None and {"customer_id", "nps"} <= set(responses.columns):
        groups = nps_groups(responses)
        by_nps = clv_by_group(fit.customers, groups, by="nps_group", min_base=bundle.config.min_base,
                              confidence=confidence, n_boot=n_boot, seed=seed)
        if {"promoter", "detractor"} <= set(by_nps["nps_group"].astype(str)):
            difference = clv_difference(fit.customers, groups, by="nps_group", first="promoter", second="detractor",
                                        confidence=confidence, n_boot=n_boot, seed=seed)
    return ClvAnalysis(fit, "", by_nps, difference,
                       findings(fit, by_nps, difference, currency=bundle.config.currency, confidence=confidence))

