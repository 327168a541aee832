"""Benchmark: loading and validating the B2C sample bundle (target: under 3 s).

Prints the median wall time of ``load_sample("b2c")`` over several runs and, as a baseline
measured in the same process, the time pandas alone takes to read the same files with its
defaults (no mapping, typing or validation). The ratio is the cost of validation.

    .venv/bin/python benchmarks/load_bundle.py [--runs 5] [--sample b2c]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import pandas as pd

from cxnb.samples import load_sample, sample_config
from cxnb.config import load_config


def _timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _raw_read(config):
    for source in config.sources.values():
        if source.format == "parquet":
            pd.read_parquet(source.path)
        else:
            pd.read_csv(source.path, skiprows=[1, 2] if source.format == "qualtrics" else None, low_memory=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sample", default="b2c")
    args = parser.parse_args()
    config = load_config(sample_config(args.sample))
    bundle = load_sample(args.sample)  # warm-up: imports, file cache
    rows = sum(len(t) for t in bundle.tables.values())
    kit = _timed(lambda: load_sample(args.sample), args.runs)
    raw = _timed(lambda: _raw_read(config), args.runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sample {args.sample}: {len(bundle.tables)} tables, {rows:,} rows")
    print(f"load_sample (read + map + type + validate): {kit:.2f} s median of {args.runs}  (target < 3 s)")
    print(f"baseline pandas read only, same files:      {raw:.2f} s median of {args.runs}")
    print(f"ratio kit / baseline: {kit / raw:.1f}x; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
