"""Benchmark: key driver analysis with bootstrap intervals on a large survey.

Data: 100,000 synthetic responses (seeded), 12 correlated driver ratings and an outcome.
Kit: ``cxnb.drivers.driver_importance`` with 200 bootstrap resamples, for both methods
(``relative_weights`` and exact ``shapley`` over all 4,096 subsets): each resample is one
weighted correlation matrix (a matrix product of resample counts with the cross-products of
the columns), and all resamples are decomposed at once.
Baseline, in the same run: the same 200-resample bootstrap of relative weights done naively —
per resample, index the raw rows, standardise them and refit the regression of the outcome on
the orthogonalised drivers with ``numpy.linalg.lstsq``. (The naive Shapley bootstrap, a
``lstsq`` refit of each of the 4,096 subsets in each resample, is far too slow to run.)
Target: under 60 s for each method.

    python benchmarks/drivers.py
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from cxnb.drivers import driver_importance

ROWS, DRIVERS, N_BOOT, SEED = 100_000, 12, 200, 20241001


def synthetic() -> tuple[pd.DataFrame, list[str]]:
    """Ratings that share a common factor, and an outcome driven mostly by the first three."""
    rng = np.random.default_rng(SEED)
    common = rng.normal(size=(ROWS, 1))
    latent = 0.6 * common + 0.8 * rng.normal(size=(ROWS, DRIVERS))
    effects = np.linspace(1.0, 0.1, DRIVERS) ** 2
    outcome = latent @ effects + rng.normal(size=ROWS)
    names = [f"rating_{j + 1:02d}" for j in range(DRIVERS)]
    frame = pd.DataFrame(np.clip(np.round(5 + 1.5 * latent), 0, 10), columns=names)
    frame["nps"] = np.clip(np.round(7 + 1.2 * outcome), 0, 10)
    return frame, names


def baseline(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Relative weights refitted with numpy lstsq on the raw rows of every resample."""
    x_all = frame[names].to_numpy(float)
    y_all = frame["nps"].to_numpy(float)
    rng = np.random.default_rng(SEED)
    weights = np.empty((N_BOOT, DRIVERS))
    for b in range(N_BOOT):
        rows = rng.integers(0, ROWS, size=ROWS)
        x, y = x_all[rows], y_all[rows]
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        y = (y - y.mean()) / y.std()
        eigenvalues, vectors = np.linalg.eigh(x.T @ x / ROWS)
        root = (vectors * np.sqrt(eigenvalues)) @ vectors.T
        z = x @ np.linalg.inv(root)
        beta = np.linalg.lstsq(z, y, rcond=None)[0]
        weights[b] = root**2 @ beta**2
    return 100 * weights / weights.sum(axis=1, keepdims=True)


def main() -> None:
    frame, names = synthetic()
    print(f"{ROWS:,} responses x {DRIVERS} drivers, {N_BOOT} bootstrap resamples; {os.cpu_count()} cores, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    start = time.perf_counter()
    replicates = baseline(frame, names)
    base = time.perf_counter() - start
    low, high = np.quantile(replicates, [0.025, 0.975], axis=0)
    print(f"baseline (lstsq refit per resample, relative weights): {base:6.2f} s")
    for method in ("relative_weights", "shapley"):
        start = time.perf_counter()
        result = driver_importance(frame, outcome="nps", drivers=names, method=method, n_boot=N_BOOT, seed=SEED)
        seconds = time.perf_counter() - start
        verdict = "under" if seconds < 60 else "OVER"
        print(f"kit {method:<16}: {seconds:6.2f} s  ({base / seconds:5.1f}x faster than the baseline, which "
              f"bootstraps relative weights; {verdict} the 60 s target)")
        if method == "relative_weights":
            kit = result.set_index("driver").loc[names]
            gap = max(np.abs(kit["ci_low"] - low).max(), np.abs(kit["ci_high"] - high).max())
            # same seed and the same draws of row indices, so the same resamples: the limits must agree
            print(f"  interval limits differ from the baseline's by at most {gap:.2g} points of % R²")
        top = result.iloc[0]
        print(f"  top driver {top['driver']}: {top['rescaled']:.1f}% of R² {top['r2']:.3f} "
              f"[{top['ci_low']:.1f}, {top['ci_high']:.1f}]")


    print(f"load average now {os.getloadavg()[0]:.2f}: the machine may be shared, and the times are wall times")


if __name__ == "__main__":
    main()
