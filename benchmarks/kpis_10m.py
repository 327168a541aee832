"""Benchmark: NPS, CSAT and mean CES by 20 segments × 24 months on 10 million responses.

Three ways, timed in the same process on the same synthetic data:

- DuckDB path: ``cxnb.metrics.survey_kpis`` on a DuckDB relation over a Parquet file (out of core),
  twice: timestamps stored as TIMESTAMPTZ, and as naive UTC TIMESTAMP (DuckDB converts every
  TIMESTAMPTZ value through ICU before it can take its month; a naive UTC column skips that);
- pandas path: ``cxnb.metrics.survey_kpis`` on a pandas DataFrame already in memory;
- naive baseline: one pandas ``groupby().apply`` computing the same figures and intervals.

Targets (issue "Statistics and KPI core"): DuckDB ≥ 5× faster than the naive baseline and
under 3 s; the pandas path no slower than the baseline. Prints times, peak memory and ratios.

    .venv/bin/python benchmarks/kpis_10m.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from cxnb import metrics, stats
from cxnb.config import Scale, Scales

SEGMENTS, MONTHS = 20, 24
CSAT, CES = Scale(min=1, max=5), Scale(min=1, max=7)


def synthetic(rows: int, seed: int = 20261122) -> pd.DataFrame:
    """``rows`` responses over 24 months in 20 segments, ~5% of each score missing."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-10-01", tz="UTC").value // 10**9
    seconds = rng.integers(0, 730 * 86_400, rows, dtype=np.int64)

    def score(low, high):
        values = rng.integers(low, high + 1, rows).astype("float64")
        values[rng.random(rows) < 0.05] = np.nan
        return pd.array(values, dtype="Float64").astype("Int64")

    return pd.DataFrame({
        "segment": pd.Categorical.from_codes(rng.integers(0, SEGMENTS, rows),
                                             [f"segment {i:02d}" for i in range(SEGMENTS)]).astype("str"),
        "submitted_at": pd.to_datetime(start + seconds, unit="s", utc=True),
        "nps": score(0, 10), "csat": score(1, 5), "ces": score(1, 7),
    })


def kit(responses) -> list[pd.DataFrame]:
    """The kit's way: one pass computing the three KPIs (``metrics.survey_kpis``)."""
    result = metrics.survey_kpis(responses, kpis=("nps", "csat", "ces"), scales=Scales(csat=CSAT, ces=CES),
                                 by="segment", period="month")
    return list(result.values())


def naive(frame: pd.DataFrame) -> pd.DataFrame:
    """What a notebook would write: one groupby().apply with every figure per group."""
    def figures(g: pd.DataFrame) -> pd.Series:
        n_scores = g["nps"].dropna()
        summary = stats.nps_summary((n_scores <= 6).sum(), n_scores.between(7, 8).sum(), (n_scores >= 9).sum())
        c = g["csat"].dropna()
        top = stats.wilson_interval(int((c >= CSAT.max - 1).sum()), len(c))
        effort = stats.t_interval(g["ces"].dropna().to_numpy(float))
        return pd.Series({"nps": 100 * summary.nps, "nps_low": 100 * summary.ci_low, "nps_high": 100 * summary.ci_high,
                          "csat": 100 * top.proportion, "csat_low": 100 * top.ci_low, "csat_high": 100 * top.ci_high,
                          "ces": effort.mean, "ces_low": effort.ci_low, "ces_high": effort.ci_high})

    month = frame["submitted_at"].dt.tz_localize(None).dt.to_period("M")
    return frame.groupby(["segment", month]).apply(figures, include_groups=False)


def timed(fn, *args, repeat: int = 3):
    """Best wall time of ``repeat`` runs, then one more run traced for the peak of Python
    allocations (numpy and pandas buffers included; DuckDB's own memory is not seen)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, min(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    frame = synthetic(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        aware, naive_utc = Path(folder) / "aware.parquet", Path(folder) / "naive_utc.parquet"
        frame.to_parquet(aware, row_group_size=1_000_000)
        frame.assign(submitted_at=frame["submitted_at"].dt.tz_localize(None)).to_parquet(
            naive_utc, row_group_size=1_000_000)
        print(f"{args.rows:,} responses, {SEGMENTS} segments × {MONTHS} months; Parquet {aware.stat().st_size / 2**20:.0f} MiB")
        via_aware, t_aware, m_aware = timed(kit, duckdb.read_parquet(str(aware)))
        via_duckdb, t_duck, m_duck = timed(kit, duckdb.read_parquet(str(naive_utc)))
        via_pandas, t_pandas, m_pandas = timed(kit, frame)
        baseline, t_naive, m_naive = timed(naive, frame)
    for mine, other, reference in zip(via_duckdb, via_aware, via_pandas):
        pd.testing.assert_frame_equal(mine, reference, check_dtype=False)
        pd.testing.assert_frame_equal(other, reference, check_dtype=False)
    check = baseline.reset_index()
    assert np.allclose(check["nps"].to_numpy(), via_pandas[0]["value"].to_numpy())
    print(f"{'path':<34}{'time':>9}{'peak Python alloc':>20}{'vs naive':>10}")
    for name, seconds, peak in [("DuckDB, naive UTC timestamps", t_duck, m_duck),
                                ("DuckDB, TIMESTAMPTZ", t_aware, m_aware), ("pandas DataFrame", t_pandas, m_pandas),
                                ("naive pandas groupby().apply", t_naive, m_naive)]:
        print(f"{name:<34}{seconds:>8.2f}s{peak:>17.0f} MiB{t_naive / seconds:>9.1f}x")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"same figures on every path: yes")


if __name__ == "__main__":
    main()
