"""Benchmark: BG/NBD + Gamma-Gamma maximum-likelihood fits on CDNOW, the kit's
:mod:`cxnb.clv` against lifetimes' ``BetaGeoFitter`` + ``GammaGammaFitter`` in the same run.

Method
------
1. Data: the CDNOW sample summaries in ``../shared/reference-data/cdnow/`` (relative to the
   project root): ``cdnow_customers_summary.csv`` (2,357 customers; frequency, recency, T in
   weeks) for BG/NBD and ``cdnow_customers_summary_with_transactions.csv`` (x, zbar) for
   Gamma-Gamma on the 946 repeat buyers — the data behind the published parameters. Both
   sides also compute standard errors (lifetimes: autograd Hessian; the kit: differences of
   its analytic gradient), so the times compare like with like.
2. Kit: this process times ``clv.fit_bgnbd`` and ``clv.fit_gamma_gamma`` (standard errors
   included), best of ``--repeat`` runs each, after one untimed warm-up call.
3. Baseline: lifetimes lives in a throwaway venv, ``$TMPDIR/cxnb-bench-lifetimes`` (``pip install
   lifetimes pandas``; lifetimes is archived and not a dependency of the kit). An existing venv at
   that fixed path is reused; it is removed at the end unless ``--keep-venv`` is given. Installing
   is not timed. A child script in that venv reads the same files, fits ``BetaGeoFitter`` and
   ``GammaGammaFitter`` (default settings, no penalizer) with the same warm-up and best-of
   timing measured inside the child, and prints times, parameters and log-likelihood as JSON.
4. Both sides' parameters are printed side by side with the published values (Fader, Hardie &
   Lee 2005); "equal" means every parameter within 0.001 (BG/NBD) and 0.01 (Gamma-Gamma).

Target (issue 8): kit time ≤ lifetimes' time with equal parameters.

    python benchmarks/clv.py [--repeat 20] [--keep-venv]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd
from _throwaway import child, ensure_venv

ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT.parent / "shared" / "reference-data" / "cdnow"
VENV = Path(tempfile.gettempdir()) / "cxnb-bench-lifetimes"
PUBLISHED = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258, "p": 6.25, "q": 3.74, "gamma": 15.44}
TOLERANCE = {"r": 0.001, "alpha": 0.001, "a": 0.001, "b": 0.001, "p": 0.01, "q": 0.01, "gamma": 0.01}

LIFETIMES_CHILD = textwrap.dedent('''
    import json, sys, time, warnings
    import pandas as pd
    import lifetimes
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    warnings.simplefilter("ignore")
    summary_path, spend_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    summary = pd.read_csv(summary_path)
    spend = pd.read_csv(spend_path)
    buyers = spend[spend["x"] > 0]

    def best(call):
        call()  # warm-up, untimed
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            model = call()
            runs.append(time.perf_counter() - begin)
        return min(runs), model

    bg_time, bg = best(lambda: BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"]))
    gg_time, gg = best(lambda: GammaGammaFitter().fit(buyers["x"], buyers["zbar"]))
    print(json.dumps({"times": {"bgnbd": bg_time, "gamma_gamma": gg_time},
                      "params": {**{k: float(v) for k, v in bg.params_.items()},
                                 **{k.replace("v", "gamma"): float(v) for k, v in gg.params_.items()}},
                      "lifetimes": lifetimes.__version__, "pandas": pd.__version__}))
''')


def kit(summary_path: Path, spend_path: Path, repeat: int) -> dict:
    """Time the kit's two fits in this process (best of ``repeat`` after a warm-up)."""
    from cxnb import clv

    summary, spend = pd.read_csv(summary_path), pd.read_csv(spend_path)

    def best(call):
        call()
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            model = call()
            runs.append(time.perf_counter() - begin)
        return min(runs), model

    bg_time, bg = best(lambda: clv.fit_bgnbd(summary))
    gg_time, gg = best(lambda: clv.fit_gamma_gamma(spend, frequency="x", monetary_value="zbar"))
    return {"times": {"bgnbd": bg_time, "gamma_gamma": gg_time},
            "params": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "p": gg.p, "q": gg.q, "gamma": gg.gamma},
            "bgnbd_log_likelihood": bg.log_likelihood}


def report(ours: dict, theirs: dict, repeat: int) -> None:
    print(f"\nCDNOW: BG/NBD on 2,357 customers, Gamma-Gamma on 946 repeat buyers; best of {repeat} after a warm-up")
    print(f"lifetimes {theirs['lifetimes']} (pandas {theirs['pandas']}) in a child process; the kit in this one\n")
    print(f"{'fit':<14}{'kit s':>10}{'lifetimes s':>14}{'ratio':>8}")
    for name in ("bgnbd", "gamma_gamma"):
        a, b = ours["times"][name], theirs["times"][name]
        print(f"{name:<14}{a:>10.4f}{b:>14.4f}{b / a:>7.1f}x")
    kit_total, lt_total = sum(ours["times"].values()), sum(theirs["times"].values())
    print(f"{'both':<14}{kit_total:>10.4f}{lt_total:>14.4f}{lt_total / kit_total:>7.1f}x")
    print(f"\n{'parameter':<11}{'kit':>12}{'lifetimes':>12}{'published':>11}{'|kit - lifetimes|':>19}")
    equal = True
    for name, published in PUBLISHED.items():
        a, b = ours["params"][name], theirs["params"][name]
        equal &= abs(a - b) <= TOLERANCE[name] and abs(a - published) <= TOLERANCE[name]
        print(f"{name:<11}{a:>12.4f}{b:>12.4f}{published:>11.4f}{abs(a - b):>19.5f}")
    print(f"{'BG/NBD LL':<11}{ours['bgnbd_log_likelihood']:>12.2f}{'–':>12}{-9582.43:>11.2f}"
          "  (lifetimes fits on rescaled time, so its likelihood is not on the same scale)")
    faster = kit_total <= lt_total
    print(f"\ntarget: kit ≤ lifetimes with equal parameters — time {'met' if faster else 'NOT met'} "
          f"({lt_total / kit_total:.1f}x), parameters {'equal' if equal else 'NOT equal'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep-venv", action="store_true",
                        help=f"keep the lifetimes venv ({VENV}) for the next run instead of removing it")
    args = parser.parse_args()
    summary_path = CDNOW / "cdnow_customers_summary.csv"
    spend_path = CDNOW / "cdnow_customers_summary_with_transactions.csv"
    if not summary_path.exists():
        sys.exit(f"the CDNOW reference data are not at {CDNOW}")
    python = ensure_venv(VENV, ["lifetimes", "pandas"], "lifetimes, pandas")
    try:
        with tempfile.TemporaryDirectory(prefix="cxnb-clv-") as name:
            script = Path(name) / "lifetimes_child.py"
            script.write_text(LIFETIMES_CHILD)
            theirs = child([str(python), str(script), str(summary_path), str(spend_path), str(args.repeat)])
        ours = kit(summary_path, spend_path, args.repeat)
        report(ours, theirs, args.repeat)
    finally:
        if not args.keep_venv:
            shutil.rmtree(VENV, ignore_errors=True)


if __name__ == "__main__":
    main()
