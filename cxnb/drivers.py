"""Key driver analysis (step 6): how much of an outcome each driver rating accounts for.

Two decompositions of a regression's R² into one share per driver, both computed from the
correlation matrix of the outcome and the drivers, so a bootstrap resample costs one weighted
correlation matrix and a small matrix computation, never a refit on the raw rows:

* :func:`relative_weights` — Johnson's (2000) relative weights: the drivers are replaced by
  their closest orthogonal counterparts (from the eigen-decomposition of their correlation
  matrix), the outcome is regressed on those, and the squared coefficients are carried back to
  the drivers. With ``binary=True`` the outcome is 0/1 (promoter or not) and the regression is
  logistic (Tonidandel & LeBreton 2010).
* :func:`shapley` — the Shapley value, or LMG, decomposition of R² (Grömping 2006): each
  driver's R² gain averaged over every order of entering the model; exact over all subsets of
  up to ``exact_limit`` drivers, Monte-Carlo over random orders above it.

:func:`driver_importance` adds percentile-bootstrap intervals and a rank, and
:func:`importance_performance` places each driver in the importance–performance grid.

Beyond survey ratings: :func:`churn_features` and :func:`churn_drivers` relate churn (the rule
of :func:`cxnb.metrics.churn`) to tickets, survey answers and behaviour in a logistic model with
odds ratios, and :func:`loyalty_value` compares the spend and retention of promoters, passives
and detractors.

Rows with a missing outcome or driver are dropped before anything is computed; every result
says how many rows were used (``n``) and how many were dropped (``n_dropped``). Weights are on
the R² scale (they sum to ``r2``); ``rescaled`` is the percentage of ``r2`` (it sums to 100).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from cxnb.errors import CxnbError
from cxnb.frames import collect, native, require

__all__ = [
    "METHODS",
    "QUADRANTS",
    "relative_weights",
    "shapley",
    "driver_importance",
    "importance_performance",
    "CHURN_FEATURES",
    "MIN_EVENTS",
    "churn_features",
    "churn_drivers",
    "LOYALTY_GROUPS",
    "loyalty_value",
]

METHODS = ("relative_weights", "shapley")
QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")
_COLUMNS = ["driver", "weight", "rescaled", "r2", "n", "n_dropped"]
# Numbers per block of bootstrap work (resample weights, stacked subset matrices), to bound memory.
_BLOCK = 2**22
# A correlation matrix whose smallest eigenvalue is below this is treated as singular.
_SINGULAR = 1e-10


# ---------------------------------------------------------------------------------------------
# Input


def _complete_rows(data, outcome: str, drivers, what: str) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Drivers (n, p) and outcome (n,) as floats over the complete rows, the names, rows dropped."""
    if isinstance(drivers, str):
        drivers = [drivers]
    drivers = list(drivers)
    if not drivers:
        raise CxnbError(f"{what} needs at least one driver column; got drivers=[]")
    repeated = sorted({d for d in drivers if drivers.count(d) > 1})
    if repeated:
        raise CxnbError(f"{what}: driver(s) {', '.join(repeated)} listed more than once")
    if outcome in drivers:
        raise CxnbError(f"{what}: the outcome {outcome} is also listed as a driver; remove it from drivers")
    frame = native(data)
    require(frame, [outcome, *drivers], what)
    table = collect(frame.select([outcome, *drivers]))
    try:
        values = table.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
        raise CxnbError(f"{what} needs numeric columns; not numeric: {', '.join(text)}") from None
    keep = ~np.isnan(values).any(axis=1)
    dropped = int((~keep).sum())
    values = values[keep]
    n, p = values.shape[0], len(drivers)
    if n < p + 2:
        raise CxnbError(
            f"{what} needs at least {p + 2} complete rows (drivers + 2) for {p} driver(s); got {n} "
            f"({dropped} of {n + dropped} rows dropped for a missing {outcome} or driver value)"
        )
    for j, name in enumerate([outcome, *drivers]):
        column = values[:, j]
        if column.min() == column.max():
            role = "outcome" if j == 0 else "driver"
            raise CxnbError(
                f"{what}: {role} {name} is constant ({column[0]:g} in all {n} complete rows); "
                f"a {role} must vary — drop it or use other rows"
            )
    return values[:, 1:], values[:, 0], drivers, dropped


def _check_binary(y: np.ndarray, outcome: str) -> None:
    if not np.isin(y, (0.0, 1.0)).all():
        shown = ", ".join(f"{v:g}" for v in np.unique(y[~np.isin(y, (0.0, 1.0))])[:5])
        raise CxnbError(f"binary=True needs a 0/1 outcome (e.g. promoter = nps >= 9); {outcome} also holds {shown}")


def _check_collinear(rxx: np.ndarray, drivers: list[str], what: str) -> None:
    eigenvalues = np.linalg.eigvalsh(rxx)
    if eigenvalues.min(axis=-1).min() < _SINGULAR:
        raise CxnbError(
            f"{what}: the drivers {', '.join(drivers)} are perfectly collinear (one is a linear "
            "combination of others); drop or combine the redundant ones"
        )


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise CxnbError(f"confidence must be a level between 0 and 1, e.g. 0.95; got {confidence!r}")


def _check_count(value, name: str, minimum: int) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not number.is_integer() or number < minimum:
        raise CxnbError(f"{name} must be a whole number of at least {minimum}; got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Correlation matrices (outcome last), one per resample


def _correlation(values: np.ndarray) -> np.ndarray:
    """Correlation matrix of the columns of ``values``."""
    return np.corrcoef(values, rowvar=False)


def _resampled_correlations(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, q, q) correlation matrices of bootstrap resamples of the rows of ``values``.

    Each resample is drawn as row indices, turned into counts per row; its moments are then one
    matrix product of the counts with the centred cross-products of the columns.
    """
    n, q = values.shape
    centred = values - values.mean(axis=0)
    upper_i, upper_j = np.triu_indices(q)
    products = np.concatenate([centred, centred[:, upper_i] * centred[:, upper_j]], axis=1)
    out = np.empty((n_boot, q, q))
    rows = max(1, _BLOCK // n)
    for start in range(0, n_boot, rows):
        size = min(rows, n_boot - start)
        draws = rng.integers(0, n, size=(size, n))
        counts = np.bincount((draws + n * np.arange(size)[:, None]).ravel(), minlength=size * n)
        moments = counts.reshape(size, n).astype(float) @ products / n
        means = moments[:, :q]
        second = moments[:, q:] - means[:, upper_i] * means[:, upper_j]
        cov = np.empty((size, q, q))
        cov[:, upper_i, upper_j] = second
        cov[:, upper_j, upper_i] = second
        sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        out[start:start + size] = cov / sd[:, :, None] / sd[:, None, :]
    return out


# ---------------------------------------------------------------------------------------------
# Decompositions of stacked correlation matrices (..., p + 1, p + 1), outcome last


def _root(rxx: np.ndarray) -> np.ndarray:
    """Symmetric square root Λ of the drivers' correlation matrices (Johnson 2000)."""
    eigenvalues, vectors = np.linalg.eigh(rxx)
    return (vectors * np.sqrt(np.clip(eigenvalues, 0, None))[..., None, :]) @ np.swapaxes(vectors, -1, -2)


def _johnson(corr: np.ndarray) -> np.ndarray:
    """Raw relative weights (..., p) from correlation matrices; they sum to R²."""
    rxx, rxy = corr[..., :-1, :-1], corr[..., :-1, -1]
    root = _root(rxx)
    beta = np.linalg.solve(root, rxy[..., None])[..., 0]  # outcome on the orthogonal drivers
    return (root**2 @ (beta**2)[..., None])[..., 0]


def _subsets(p: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per subset size k = 1..p: the (C, k) member indices and the (C,) bit masks."""
    out = []
    for k in range(1, p + 1):
        members = np.array(list(itertools.combinations(range(p), k)), dtype=np.intp)
        out.append((members, (1 << members).sum(axis=1)))
    return out


def _shapley_exact(corr: np.ndarray) -> np.ndarray:
    """Exact Shapley/LMG weights (B, p) from (B, p + 1, p + 1) correlation matrices.

    R² of every subset S is r_S' R_SS⁻¹ r_S, solved for all subsets of one size at once.
    """
    batch, p = corr.shape[0], corr.shape[-1] - 1
    rxx, rxy = corr[:, :-1, :-1], corr[:, :-1, -1]
    r2 = np.zeros((batch, 2**p))
    for members, masks in _subsets(p):
        k = members.shape[1]
        chunk = max(1, _BLOCK // (len(masks) * k * k))
        for start in range(0, batch, chunk):
            part = slice(start, start + chunk)
            sub = rxx[part][:, members[:, :, None], members[:, None, :]]
            r = rxy[part][:, members]
            r2[part, masks] = (r * np.linalg.solve(sub, r[..., None])[..., 0]).sum(axis=-1)
    every = np.arange(2**p)
    size = np.array([bin(m).count("1") for m in every])
    # weight of a subset of size s not holding j: s! (p - s - 1)! / p!
    factor = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)])
    weights = np.empty((batch, p))
    for j in range(p):
        without = every[(every >> j) & 1 == 0]
        weights[:, j] = (r2[:, without | (1 << j)] - r2[:, without]) @ factor[size[without]]
    return weights


def _shapley_sampled(corr: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Monte-Carlo Shapley/LMG weights (p,) from one correlation matrix over random orders.

    Along each order the residual covariance is updated one driver at a time (a sweep); the
    drop in the outcome's residual variance is that driver's R² gain. The gains along one order
    add up to the model's R², so the estimate sums to R² exactly.
    """
    p = corr.shape[-1] - 1
    total = np.zeros(p)
    per_block = max(1, _BLOCK // (corr.size * 2))
    for start in range(0, samples, per_block):
        size = min(per_block, samples - start)
        orders = rng.permuted(np.tile(np.arange(p), (size, 1)), axis=1)
        residual = np.repeat(corr[None], size, axis=0)
        pick = np.arange(size)
        for step in range(p):
            k = orders[:, step]
            row = residual[pick, k]  # (size, p + 1)
            explained = row[:, -1] ** 2 / row[pick, k]
            np.add.at(total, k, explained)
            residual -= row[:, :, None] * row[:, None, :] / row[pick, k][:, None, None]
    return total / samples


# ---------------------------------------------------------------------------------------------
# Logistic relative weights (Tonidandel & LeBreton 2010)


def _logistic(design: np.ndarray, y: np.ndarray, what: str) -> np.ndarray:
    """Coefficients of a logistic regression (intercept first) by Newton–Raphson (IRLS)."""
    x = np.column_stack([np.ones(len(y)), design])
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        prob = 1 / (1 + np.exp(-(x @ beta)))
        try:
            step = np.linalg.solve((x * (prob * (1 - prob))[:, None]).T @ x, x.T @ (y - prob))
        except np.linalg.LinAlgError:
            break
        beta += step
        if np.abs(beta).max() > 30:  # coefficients running off: (quasi-)separation
            break
        if np.abs(step).max() < 1e-10:
            return beta
    raise CxnbError(
        f"{what}: the logistic regression did not converge; the outcome is (nearly) perfectly "
        "predicted by the drivers (separation) — use binary=False or fewer drivers"
    )


def _johnson_logistic(x: np.ndarray, y: np.ndarray, what: str) -> np.ndarray:
    """Raw logistic relative weights (p,); they sum to the squared correlation of y and p̂.

    The drivers are standardised and orthogonalised (Z = X R⁻¹ᐟ², Johnson 2000), the outcome
    is regressed on Z by logistic regression, the coefficients standardised as
    b · sd(Z) · R / sd(logit p̂) with R the correlation of y and the fitted probability, and
    carried back to the drivers with Λ² as in the linear case.
    """
    standard = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    root = _root(_correlation(x))
    z = standard @ np.linalg.inv(root)
    beta = _logistic(z, y, what)
    logit = beta[0] + z @ beta[1:]
    fit = np.corrcoef(y, 1 / (1 + np.exp(-logit)))[0, 1]
    standardised = beta[1:] * z.std(axis=0, ddof=1) * fit / logit.std(ddof=1)
    return root**2 @ standardised**2


# ---------------------------------------------------------------------------------------------
# Results


def _frame(drivers: list[str], weights: np.ndarray, n: int, dropped: int) -> pd.DataFrame:
    r2 = float(weights.sum())
    return pd.DataFrame({
        "driver": drivers,
        "weight": weights,
        "rescaled": 100 * weights / r2,
        "r2": r2,
        "n": n,
        "n_dropped": dropped,
    })[_COLUMNS]


def relative_weights(data, *, outcome: str, drivers, binary: bool = False) -> pd.DataFrame:
    """Johnson's relative weights of the drivers of ``outcome`` (linear or logistic).

    Parameters
    ----------
    data : DataFrame
        One row per response (pandas, Polars or DuckDB); never modified.
    outcome : str
        Column of the outcome, e.g. ``"nps"``; with ``binary=True`` a 0/1 column (promoter).
    drivers : list of str
        Numeric driver columns (at least one); rows missing any of them, or the outcome, are
        dropped and counted in ``n_dropped``.
    binary : bool
        Logistic relative weights for a 0/1 outcome (Tonidandel & LeBreton 2010): the outcome
        is regressed by logistic regression (Newton–Raphson) on the orthogonalised drivers and
        the standardised coefficients go through Johnson's transformation; ``r2`` is then the
        squared correlation of the outcome with the fitted probability.

    Returns
    -------
    DataFrame
        One row per driver, in the order given: ``driver``; ``weight`` (raw relative weight,
        the driver's share of R², on the R² scale); ``rescaled`` (the weight as % of R²; sums to
        100); ``r2`` (the model's R², the sum of the weights, repeated on every row); ``n``
        (complete rows used) and ``n_dropped`` (rows dropped for a missing value), repeated.

    Raises
    ------
    CxnbError
        If a column is missing or not numeric, a driver or the outcome is constant, the drivers
        are perfectly collinear, there are fewer complete rows than drivers + 2, or (binary)
        the outcome is not 0/1 or perfectly separated.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x1": [1, 2, 3, 4, 5, 6, 7, 8], "x2": [2, 1, 4, 3, 6, 5, 8, 8],
    ...                    "y": [1, 3, 2, 5, 4, 7, 6, None]})
    >>> relative_weights(df, outcome="y", drivers=["x1", "x2"]).round(4)
      driver  weight  rescaled      r2  n  n_dropped
    0     x1  0.7060    71.698  0.9847  7          1
    1     x2  0.2787    28.302  0.9847  7          1
    """
    what = "relative_weights"
    x, y, names, dropped = _complete_rows(data, outcome, drivers, what)
    corr = _correlation(np.column_stack([x, y]))
    _check_collinear(corr[:-1, :-1], names, what)
    if binary:
        _check_binary(y, outcome)
        weights = _johnson_logistic(x, y, what)
    else:
        weights = _johnson(corr)
    return _frame(names, weights, len(y), dropped)


def shapley(data, *, outcome: str, drivers, exact_limit: int = 15, samples: int = 2000, seed: int) -> pd.DataFrame:
    """Shapley value (LMG) decomposition of the R² of ``outcome`` on the drivers.

    Each driver's weight is its gain in R² averaged over every order in which the drivers can
    enter the regression (Grömping 2006, ``relaimpo``'s ``lmg``). With at most ``exact_limit``
    drivers it is computed exactly from the R² of all 2^p subsets (each from the correlation
    matrix, r_S' R_SS⁻¹ r_S); above it from ``samples`` random orders.

    Parameters
    ----------
    data : DataFrame
        One row per response; never modified.
    outcome : str
        Outcome column, e.g. ``"nps"``.
    drivers : list of str
        Numeric driver columns; rows missing any of them or the outcome are dropped and counted.
    exact_limit : int
        Largest number of drivers decomposed exactly (2^15 subsets take about a second).
    samples : int
        Random orders drawn above ``exact_limit``; the Monte-Carlo error of a weight is at most
        R² / (2·√samples) and usually much less.
    seed : int
        Seed of the numpy Generator for the random orders (used only above ``exact_limit``).

    Returns
    -------
    DataFrame
        ``driver, weight, rescaled, r2, n, n_dropped`` as in :func:`relative_weights`; the
        weights sum to ``r2`` (exactly, also when sampled).

    Raises
    ------
    CxnbError
        As :func:`relative_weights`, and for ``exact_limit`` or ``samples`` below 1.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x1": [1, 2, 3, 4, 5, 6, 7, 8], "x2": [2, 1, 4, 3, 6, 5, 8, 8],
    ...                    "y": [1, 3, 2, 5, 4, 7, 6, None]})
    >>> shapley(df, outcome="y", drivers=["x1", "x2"], seed=1).round(4)
      driver  weight  rescaled      r2  n  n_dropped
    0     x1  0.7060    71.698  0.9847  7          1
    1     x2  0.2787    28.302  0.9847  7          1
    """
    what = "shapley"
    exact_limit = _check_count(exact_limit, "exact_limit", 1)
    samples = _check_count(samples, "samples", 1)
    x, y, names, dropped = _complete_rows(data, outcome, drivers, what)
    corr = _correlation(np.column_stack([x, y]))
    _check_collinear(corr[:-1, :-1], names, what)
    if len(names) <= exact_limit:
        weights = _shapley_exact(corr[None])[0]
    else:
        weights = _shapley_sampled(corr, samples, np.random.default_rng(_check_count(seed, "seed", 0)))
    return _frame(names, weights, len(y), dropped)


def driver_importance(data, *, outcome: str, drivers, method: str = "relative_weights", n_boot: int = 200,
                      confidence: float = 0.95, seed: int, binary: bool = False, exact_limit: int = 15,
                      samples: int = 2000) -> pd.DataFrame:
    """Driver weights with percentile-bootstrap intervals on ``rescaled`` and a rank.

    Rows are resampled with replacement ``n_boot`` times (a seeded numpy Generator); for each
    resample the correlation matrix is recomputed and decomposed, all resamples at once where
    the method allows (linear relative weights; exact Shapley). Logistic relative weights
    (``binary=True``) and sampled Shapley are computed one resample at a time.

    Parameters
    ----------
    data : DataFrame
        One row per response; never modified.
    outcome, drivers
        As in :func:`relative_weights`.
    method : {"relative_weights", "shapley"}
        The decomposition.
    n_boot : int
        Bootstrap resamples (at least 1).
    confidence : float
        Confidence level of the intervals, in (0, 1).
    seed : int
        Seed (0 or more); the same seed gives the same intervals. Take it from the client config.
    binary : bool
        Logistic relative weights for a 0/1 outcome (``method="relative_weights"`` only).
    exact_limit, samples
        As in :func:`shapley`.

    Returns
    -------
    DataFrame
        One row per driver, most important first: ``driver, weight, rescaled`` (from the full
        data), ``ci_low, ci_high`` (percentile interval of ``rescaled``), ``rank`` (1 = largest
        weight), then ``r2, n, n_dropped`` as in :func:`relative_weights`.

    Raises
    ------
    CxnbError
        As :func:`relative_weights`, and for an unknown method, ``n_boot`` below 1, a confidence
        outside (0, 1), or ``binary=True`` with ``method="shapley"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(7)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["price", "speed", "service"])
    >>> df["nps"] = 3 * df["speed"] + df["price"] + rng.normal(size=300)
    >>> table = driver_importance(df, outcome="nps", drivers=["price", "speed", "service"], seed=1)
    >>> table[["driver", "rank"]].to_dict("list")
    {'driver': ['speed', 'price', 'service'], 'rank': [1, 2, 3]}
    >>> bool((table["ci_low"] <= table["rescaled"]).all() and (table["rescaled"] <= table["ci_high"]).all())
    True
    """
    what = "driver_importance"
    if method not in METHODS:
        raise CxnbError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if binary and method != "relative_weights":
        raise CxnbError("binary=True is only available with method='relative_weights'")
    _check_confidence(confidence)
    n_boot = _check_count(n_boot, "n_boot", 1)
    rng = np.random.default_rng(_check_count(seed, "seed", 0))
    if method == "relative_weights":
        point = relative_weights(data, outcome=outcome, drivers=drivers, binary=binary)
    else:
        point = shapley(data, outcome=outcome, drivers=drivers, exact_limit=exact_limit, samples=samples, seed=seed)
    x, y, names, _ = _complete_rows(data, outcome, drivers, what)
    values = np.column_stack([x, y])
    n, p = values.shape[0], len(names)
    if binary:
        replicates = np.empty((n_boot, p))
        for b in range(n_boot):
            rows = rng.integers(0, n, size=n)
            replicates[b] = _johnson_logistic(x[rows], y[rows], what)
    else:
        corr = _resampled_correlations(values, n_boot, rng)
        if not np.isfinite(corr).all():
            raise CxnbError(f"{what}: a bootstrap resample has a constant driver; use more rows or fewer drivers")
        if method == "relative_weights":
            replicates = _johnson(corr)
        elif p <= exact_limit:
            replicates = _shapley_exact(corr)
        else:
            replicates = np.stack([_shapley_sampled(c, samples, rng) for c in corr])
    rescaled = 100 * replicates / replicates.sum(axis=1, keepdims=True)
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(rescaled, [tail, 1 - tail], axis=0)
    result = point.assign(ci_low=low, ci_high=high)
    result["rank"] = result["weight"].rank(ascending=False, method="min").astype(int)
    columns = ["driver", "weight", "rescaled", "ci_low", "ci_high", "rank", "r2", "n", "n_dropped"]
    return result.sort_values("rank", kind="stable").reset_index(drop=True)[columns]


def importance_performance(importance: pd.DataFrame, performance, *, value: str = "rescaled") -> pd.DataFrame:
    """Place each driver in the importance–performance grid, split at the means of both axes.

    Parameters
    ----------
    importance : DataFrame
        A frame with a ``driver`` column and the importance column ``value``, such as the
        result of :func:`driver_importance`.
    performance : Series or DataFrame
        Mean performance per driver: a Series indexed by driver, or a frame with the columns
        ``driver`` and ``performance``. Every driver of ``importance`` needs a value.
    value : str
        Column of ``importance`` used as the importance axis.

    Returns
    -------
    DataFrame
        One row per driver, in the order of ``importance``: ``driver, importance, performance,
        quadrant``. ``quadrant`` is "concentrate here" (importance at or above its mean,
        performance below its mean), "keep up the good work" (both at or above), "low priority"
        (both below) or "possible overkill" (importance below, performance at or above).

    Raises
    ------
    CxnbError
        If a column is missing or a driver has no performance value.

    Examples
    --------
    >>> import pandas as pd
    >>> imp = pd.DataFrame({"driver": ["price", "speed", "app", "range"], "rescaled": [40, 30, 20, 10]})
    >>> perf = pd.Series({"price": 6.0, "speed": 8.0, "app": 5.0, "range": 9.0})
    >>> importance_performance(imp, perf)
      driver  importance  performance               quadrant
    0  price          40          6.0       concentrate here
    1  speed          30          8.0  keep up the good work
    2    app          20          5.0           low priority
    3  range          10          9.0      possible overkill
    """
    what = "importance_performance"
    require(importance, ["driver", value], f"{what} (importance)")
    if isinstance(performance, pd.DataFrame):
        require(performance, ["driver", "performance"], f"{what} (performance)")
        performance = performance.set_index("driver")["performance"]
    elif not isinstance(performance, pd.Series):
        raise CxnbError(f"{what}: performance must be a Series indexed by driver or a frame with driver, performance")
    result = pd.DataFrame({"driver": importance["driver"].to_numpy(), "importance": importance[value].to_numpy()})
    result["performance"] = result["driver"].map(performance)
    missing = result.loc[result["performance"].isna(), "driver"].tolist()
    if missing:
        raise CxnbError(f"{what}: no performance value for driver(s) {', '.join(map(str, missing))}")
    high_importance = result["importance"] >= result["importance"].mean()
    high_performance = result["performance"] >= result["performance"].mean()
    result["quadrant"] = np.select(
        [high_importance & ~high_performance, high_importance & high_performance, ~high_importance & ~high_performance],
        QUADRANTS[:3],
        QUADRANTS[3],
    )
    return result


# ---------------------------------------------------------------------------------------------
# Churn drivers: an interpretable logistic model with odds ratios

CHURN_FEATURES = ("early_orders", "tenure_years", "tickets", "reopened_tickets", "detractor", "promoter",
                  "no_survey")
# Events per outcome class below which no churn model is fitted (Peduzzi et al. 1996 ask for ~10
# events per predictor; fewer than 10 in all makes every interval meaningless).
MIN_EVENTS = 10


def _timestamps(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    if not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
        raise CxnbError(f"{table}.{column} must hold timezone-aware timestamps (load it with cxnb.load_bundle); "
                        f"got dtype {frame[column].dtype}")
    return frame[column]


def churn_features(transactions: pd.DataFrame, *, tickets: pd.DataFrame | None = None,
                   responses: pd.DataFrame | None = None, after_days: int, as_of=None,
                   early_days: int = 90) -> pd.DataFrame:
    """One row per customer who could have churned: churned or not, and what preceded it.

    Churn follows :func:`cxnb.metrics.churn`: a customer whose first transaction is at least
    ``after_days`` before ``as_of`` has churned when their last one is more than ``after_days``
    before it. Everything that could explain it is measured up to that cut-off (``as_of -
    after_days``), so nothing that happens after a customer has left leaks into the model.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id, timestamp`` (canonical transactions table).
    tickets : DataFrame, optional
        ``customer_id, created_at, reopened``; without it ``tickets`` and ``reopened_tickets`` are 0.
    responses : DataFrame, optional
        ``customer_id, submitted_at, nps``; without it every customer has ``no_survey`` 1.
    after_days : int
        Days without a transaction that make a churned customer (``config.churn_after_days``).
    as_of : timestamp, optional
        End of the observation; default the last transaction.
    early_days : int
        Window after the first transaction in which ``early_orders`` are counted.

    Returns
    -------
    DataFrame
        ``customer_id, churned`` (1/0), ``early_orders`` (transactions within ``early_days`` of
        the first), ``tenure_years`` (first transaction to the cut-off), ``tickets`` and
        ``reopened_tickets`` (raised before the cut-off), and the latest NPS answer before the
        cut-off as ``detractor, promoter, no_survey`` (1/0; a passive has all three 0).

    Examples
    --------
    >>> import pandas as pd
    >>> stamp = lambda s: pd.to_datetime(s, utc=True)
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "timestamp": stamp(["2025-01-01", "2025-12-20", "2025-01-05", "2025-06-01"])})
    >>> rs = pd.DataFrame({"customer_id": ["b"], "submitted_at": stamp(["2025-02-01"]), "nps": [3]})
    >>> churn_features(tx, responses=rs, after_days=90)[["customer_id", "churned", "early_orders", "detractor",
    ...                                                   "no_survey"]]
      customer_id  churned  early_orders  detractor  no_survey
    0           a        0             1          0          1
    1           b        1             1          1          0
    2           c        1             1          0          1
    """
    what = "churn_features"
    require(transactions, ["customer_id", "timestamp"], f"{what} (transactions)")
    after_days = _check_count(after_days, "after_days", 1)
    early_days = _check_count(early_days, "early_days", 1)
    stamps = _timestamps(transactions, "timestamp", "transactions")
    as_of = stamps.max() if as_of is None else pd.Timestamp(as_of)
    cutoff = as_of - pd.Timedelta(days=after_days)
    tx = pd.DataFrame({"customer_id": transactions["customer_id"].astype(str), "timestamp": stamps})
    spans = tx.groupby("customer_id")["timestamp"].agg(["min", "max"])
    spans = spans[spans["min"] <= cutoff]
    first = tx["customer_id"].map(spans["min"])
    early = tx[tx["timestamp"] <= first + pd.Timedelta(days=early_days)].groupby("customer_id").size()
    result = pd.DataFrame({"customer_id": spans.index.to_numpy(),
                           "churned": (spans["max"] < cutoff).astype(int).to_numpy()})
    result["early_orders"] = result["customer_id"].map(early).fillna(0).astype(int)
    result["tenure_years"] = ((cutoff - spans["min"]).dt.total_seconds() / (365.25 * 86400)).to_numpy()
    result["tickets"] = 0
    result["reopened_tickets"] = 0
    if tickets is not None:
        require(tickets, ["customer_id", "created_at", "reopened"], f"{what} (tickets)")
        before = tickets[_timestamps(tickets, "created_at", "tickets") <= cutoff]
        ids = before["customer_id"].astype(str)
        result["tickets"] = result["customer_id"].map(ids.value_counts()).fillna(0).astype(int)
        reopened = ids[before["reopened"].fillna(False).astype(bool).to_numpy()].value_counts()
        result["reopened_tickets"] = result["customer_id"].map(reopened).fillna(0).astype(int)
    latest = pd.Series(dtype=float)
    if responses is not None:
        require(responses, ["customer_id", "submitted_at", "nps"], f"{what} (responses)")
        answered = responses[responses["nps"].notna() & responses["customer_id"].notna()
                             & (_timestamps(responses, "submitted_at", "responses") <= cutoff)]
        answered = answered.assign(customer_id=answered["customer_id"].astype(str)).sort_values("submitted_at")
        latest = answered.groupby("customer_id")["nps"].last().astype(float)
    score = result["customer_id"].map(latest)
    result["detractor"] = (score <= 6).astype(int)
    result["promoter"] = (score >= 9).astype(int)
    result["no_survey"] = score.isna().astype(int)
    return result


def churn_drivers(features: pd.DataFrame, *, outcome: str = "churned", drivers=CHURN_FEATURES,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Logistic regression of churn on its possible drivers, as odds ratios with Wald intervals.

    The model is fitted by Newton–Raphson (the same routine as the logistic relative weights);
    standard errors come from the inverse of the observed information matrix, and each odds
    ratio's interval is exp(b ± z·se). An odds ratio above 1 means more churn per unit of the
    driver (per ticket, per year of tenure; a 0/1 driver against its reference: ``detractor`` and
    ``promoter`` against passives, ``no_survey`` against passives). These are associations
    conditional on the other drivers, not causal effects.

    Parameters
    ----------
    features : DataFrame
        One row per customer, e.g. from :func:`churn_features`.
    outcome : str
        0/1 column (1 = churned).
    drivers : list of str
        Numeric columns; a driver that is constant is dropped (and named in no row).
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per driver, the largest odds ratio first: ``driver, coefficient, se,
        odds_ratio, ci_low, ci_high`` (interval of the odds ratio), ``p_value`` (Wald), ``n``
        (customers) and ``events`` (churned customers).

    Raises
    ------
    CxnbError
        If fewer than :data:`MIN_EVENTS` customers churned (or stayed) — no model is fitted
        then, the churn rate itself is the finding — or the model does not converge.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"tickets": rng.poisson(1.5, 2000), "promoter": rng.integers(0, 2, 2000)})
    >>> logit = -1 + 0.4 * df["tickets"] - 0.8 * df["promoter"]
    >>> df["churned"] = (rng.random(2000) < 1 / (1 + np.exp(-logit))).astype(int)
    >>> # planted odds ratios: exp(0.4) = 1.49 per ticket, exp(-0.8) = 0.45 for a promoter
    >>> churn_drivers(df, drivers=["tickets", "promoter"])[["driver", "odds_ratio", "ci_low", "ci_high"]].round(2)
         driver  odds_ratio  ci_low  ci_high
    0   tickets        1.47    1.36     1.59
    1  promoter        0.45    0.37     0.55
    """
    from scipy import special

    what = "churn_drivers"
    _check_confidence(confidence)
    drivers = [d for d in ([drivers] if isinstance(drivers, str) else list(drivers))]
    require(features, [outcome, *drivers], what)
    frame = features[[outcome, *drivers]].dropna()
    y = frame[outcome].to_numpy(dtype=float)
    _check_binary(y, outcome)
    events, n = int(y.sum()), len(y)
    if min(events, n - events) < MIN_EVENTS:
        raise CxnbError(
            f"{what}: {events} of {n} customers churned ({100 * events / max(n, 1):.1f} %); a churn model needs at "
            f"least {MIN_EVENTS} churned and {MIN_EVENTS} retained customers — none fitted"
        )
    varying = [d for d in drivers if frame[d].nunique() > 1]
    x = frame[varying].to_numpy(dtype=float)
    beta = _logistic(x, y, what)
    design = np.column_stack([np.ones(n), x])
    prob = 1 / (1 + np.exp(-(design @ beta)))
    covariance = np.linalg.inv((design * (prob * (1 - prob))[:, None]).T @ design)
    se = np.sqrt(np.diag(covariance))[1:]
    z = float(special.ndtri(0.5 + confidence / 2))
    coefficient = beta[1:]
    result = pd.DataFrame({
        "driver": varying,
        "coefficient": coefficient,
        "se": se,
        "odds_ratio": np.exp(coefficient),
        "ci_low": np.exp(coefficient - z * se),
        "ci_high": np.exp(coefficient + z * se),
        "p_value": 2 * special.ndtr(-np.abs(coefficient / se)),
        "n": n,
        "events": events,
    })
    return result.sort_values("odds_ratio", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# CX and revenue: spend and retention of promoters, passives and detractors

LOYALTY_GROUPS = ("promoter", "passive", "detractor")


def loyalty_value(responses: pd.DataFrame, transactions: pd.DataFrame, *, after_days: int, as_of=None,
                  confidence: float = 0.95, n_boot: int = 2000, seed: int) -> pd.DataFrame:
    """Annual spend and retention of promoters, passives and detractors (latest NPS answer).

    Customers count when they answered the NPS question and their first transaction is at
    least a year and at least ``after_days`` before ``as_of``, so that every one of them has a
    full year of spend and could have churned. Spend per year is their total spend divided by
    the years from their first transaction to ``as_of``; retained means a transaction in the
    ``after_days`` before ``as_of`` (the rule of :func:`cxnb.metrics.churn`). The comparison
    is an association: loyal customers may spend more for reasons other than their experience.

    Parameters
    ----------
    responses : DataFrame
        ``customer_id, submitted_at, nps``; each customer's latest answer decides the group.
    transactions : DataFrame
        ``customer_id, timestamp, amount``.
    after_days : int
        Churn rule (``config.churn_after_days``).
    as_of : timestamp, optional
        End of the observation; default the last transaction.
    confidence : float
        Level of the intervals.
    n_boot : int
        Bootstrap resamples for the spend interval (spend is skewed, so no t interval).
    seed : int
        Seed of the bootstrap (from the client config).

    Returns
    -------
    DataFrame
        One row per group (promoter, passive, detractor; groups without customers left out):
        ``group, customers, spend_per_year`` (mean), ``spend_ci_low, spend_ci_high``
        (percentile bootstrap, :func:`cxnb.stats.bootstrap_interval`), ``retained`` (%),
        ``retained_ci_low, retained_ci_high`` (Wilson, %).

    Examples
    --------
    >>> import pandas as pd
    >>> stamp = lambda s: pd.to_datetime(s, utc=True)
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"], "amount": [100.0, 50.0, 20.0, 30.0, 30.0],
    ...                    "timestamp": stamp(["2024-01-01", "2025-12-01", "2024-01-01", "2024-01-01", "2025-12-30"])})
    >>> rs = pd.DataFrame({"customer_id": ["a", "b", "c"], "nps": [10, 3, 9],
    ...                    "submitted_at": stamp(["2024-06-01", "2024-06-01", "2024-06-01"])})
    >>> loyalty_value(rs, tx, after_days=90, seed=1)[["group", "customers", "spend_per_year", "retained"]].round(1)
           group  customers  spend_per_year  retained
    0   promoter          2            52.6     100.0
    1  detractor          1            10.0       0.0
    """
    from cxnb.stats import bootstrap_interval, wilson_interval

    what = "loyalty_value"
    require(responses, ["customer_id", "submitted_at", "nps"], f"{what} (responses)")
    require(transactions, ["customer_id", "timestamp", "amount"], f"{what} (transactions)")
    _check_confidence(confidence)
    after_days = _check_count(after_days, "after_days", 1)
    stamps = _timestamps(transactions, "timestamp", "transactions")
    as_of = stamps.max() if as_of is None else pd.Timestamp(as_of)
    tx = pd.DataFrame({"customer_id": transactions["customer_id"].astype(str), "timestamp": stamps,
                       "amount": pd.to_numeric(transactions["amount"], errors="coerce")})
    per_customer = tx.groupby("customer_id").agg(first=("timestamp", "min"), last=("timestamp", "max"),
                                                  spend=("amount", "sum"))
    per_customer = per_customer[per_customer["first"] <= as_of - pd.Timedelta(days=max(365, after_days))]
    answered = responses[responses["nps"].notna() & responses["customer_id"].notna()]
    _timestamps(answered, "submitted_at", "responses")
    answered = answered.assign(customer_id=answered["customer_id"].astype(str)).sort_values("submitted_at")
    score = answered.groupby("customer_id")["nps"].last().astype(float)
    people = per_customer.join(score.rename("nps"), how="inner")
    people["group"] = np.select([people["nps"] >= 9, people["nps"] >= 7], ["promoter", "passive"], "detractor")
    people["per_year"] = people["spend"] / ((as_of - people["first"]).dt.total_seconds() / (365.25 * 86400))
    people["retained"] = people["last"] >= as_of - pd.Timedelta(days=after_days)
    rows = []
    for group in LOYALTY_GROUPS:
        members = people[people["group"] == group]
        if members.empty:
            continue
        spend = bootstrap_interval(members["per_year"].to_numpy(), "mean", n_boot=n_boot, confidence=confidence,
                                   seed=seed)
        kept = wilson_interval(int(members["retained"].sum()), len(members), confidence)
        rows.append({"group": group, "customers": len(members), "spend_per_year": spend.estimate,
                     "spend_ci_low": spend.ci_low, "spend_ci_high": spend.ci_high, "retained": 100 * kept.proportion,
                     "retained_ci_low": 100 * kept.ci_low, "retained_ci_high": 100 * kept.ci_high})
    columns = ["group", "customers", "spend_per_year", "spend_ci_low", "spend_ci_high", "retained",
               "retained_ci_low", "retained_ci_high"]
    return pd.DataFrame(rows, columns=columns)
