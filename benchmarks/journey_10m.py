"""Benchmark: directly-follows graph, variants and funnel on a 10-million-event journey log,
the kit's DuckDB path against pm4py's ``discover_dfg`` + ``get_variants`` in the same run.

Method
------
1. A realistic log is generated in-process (seeded numpy): ~1 million journeys through 7 stages
   of 2–4 events each (21 events), forward flow with drop-off, self-loops and rework inside a
   stage, skipped stages and backward moves to the previous stage, and ~4% of the gaps within a
   journey at zero seconds (timestamp ties, broken by ``seq`` = file order). Rows are sorted by
   time (random order among equal times), not grouped by journey, as real exports are; journey
   ids are strings in random order. The log is cut at exactly ``--events`` events and written
   to Parquet in a temporary folder with timestamps as naive UTC ``TIMESTAMP`` (the fast
   representation for DuckDB, see ``cxnb.metrics._period_key``), with the event → stage map.
2. Kit: a child process (this script with ``--kit-child``) opens ``duckdb.read_parquet`` as a
   relation (lazy: nothing is read yet) and times ``journey.directly_follows(rel)``,
   ``journey.variants(rel)`` and ``journey.funnel(rel, stages)``, best of ``--repeat`` (2) each; its peak RSS
   is the kit's peak memory (``VmHWM``, which counts DuckDB's own allocations, unlike
   tracemalloc; not ``ru_maxrss``, which on Linux carries the parent's peak across ``exec``).
   DuckDB runs with its defaults unless ``--memory-limit`` is given (``SET memory_limit``;
   DuckDB's grouped median/quantile, used for the DFG's hours, gets several times slower under
   any memory limit).
3. Baseline: pm4py lives in a throwaway venv, ``$TMPDIR/cxnb-bench-pm4py-<version>`` with the
   pinned versions of ``BASELINE`` (not a dependency of the kit, AGPL-3.0, ~250 MB). An existing
   venv at that path is reused; it is removed at the end unless ``--keep-venv`` is given, so run
   with ``--keep-venv`` to make reruns quick. Installing is not timed. A child script in that venv
   reads the same Parquet with pandas ("read"), runs ``pm4py.format_dataframe`` ("format"),
   ``pm4py.discover_dfg`` ("dfg") and ``pm4py.get_variants`` ("variants"), the whole sequence
   ``--repeat`` times with the best time of each step kept (as on the kit's side), and prints the
   times and its peak RSS as JSON. Tie order: the file is in ``seq`` order, and
   ``format_dataframe`` numbers the rows in that order and sorts by case, timestamp, row number,
   so pm4py orders ties by ``seq`` like the kit (checked on the formatted frame, untimed).
4. The kit's DFG edge counts must equal pm4py's DFG dict and the kit's variant counts pm4py's
   variant counts (tuples of activities vs activities joined by " → ").

Targets (issue "journey benchmark"): kit ≥ 5× faster than pm4py end to end (pm4py = read +
format + dfg + variants; the kit's read is lazy, so its total is the three calls, funnel
included), identical counts, kit peak memory ≤ 2 GB. The script exits with status 1 when a target
is missed (the report says which), so a run that misses one cannot pass for a good one.

    .venv/bin/python benchmarks/journey_10m.py [--events 10000000] [--repeat 2] [--keep-venv] [--memory-limit 1GB]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _throwaway import child, ensure_venv

STAGES = {
    "discover": ["ad_click", "site_visit", "content_read"],
    "consider": ["pricing_view", "demo_request"],
    "sign_up": ["form_start", "form_submit", "email_verify", "account_created"],
    "onboard": ["welcome_call", "setup_wizard", "first_login"],
    "use": ["feature_use", "report_export"],
    "support": ["ticket_open", "agent_reply", "ticket_closed"],
    "renew": ["renewal_notice", "plan_review", "payment", "renewal_confirmed"],
}
EVENTS = [event for events in STAGES.values() for event in events]
EVENT_STAGE = [stage for stage, events in STAGES.items() for _ in events]
BASELINE = {"pm4py": "2.7.23.11", "pandas": "3.1.1", "pyarrow": "26.0.1"}  # pinned: the versions measured
VENV = Path(tempfile.gettempdir()) / f"cxnb-bench-pm4py-{BASELINE['pm4py']}"
GB = 2**30


def peak_rss() -> int:
    """Peak resident memory of this process in bytes: ``VmHWM`` of /proc/self/status.

    Not ``ru_maxrss``: on Linux it survives ``execve``, so a child started from a parent that
    holds the generated log would report the parent's size at fork (seen: 1.2 GB before any work).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------------------------------------
# Synthetic log


def transitions() -> tuple[np.ndarray, np.ndarray]:
    """Start distribution over the 21 events and the transition matrix (last column = end)."""
    names, k = list(STAGES), len(EVENTS)
    first = {s: EVENTS.index(STAGES[s][0]) for s in names}
    matrix = np.zeros((k, k + 1))
    drop_at_stage_end = [0.25, 0.25, 0.2, 0.12, 0.15, 0.1, 1.0]
    for e, (stage, event) in enumerate(zip(EVENT_STAGE, EVENTS)):
        s, i = names.index(stage), STAGES[stage].index(event)
        last = i == len(STAGES[stage]) - 1
        row = matrix[e]
        row[k] = drop_at_stage_end[s] if last else 0.04       # drop-off
        if s == len(names) - 1 and last:
            continue                                           # journey complete
        row[e] += 0.05                                         # self-loop (repeat)
        if i > 0:
            row[first[stage]] += 0.04                          # rework: back to the stage start
        if s > 0:
            row[first[names[s - 1]]] += 0.03                   # backward move to the previous stage
        if last and s + 2 < len(names):
            row[first[names[s + 2]]] += 0.04                   # skip a stage
        if not last and i + 2 < len(STAGES[stage]):
            row[e + 2] += 0.05                                 # skip an event
        row[first[names[s + 1]] if last else e + 1] += 1 - row.sum()   # forward
    start = np.zeros(k)
    start[[first["discover"], EVENTS.index("site_visit"), first["consider"]]] = [0.6, 0.3, 0.1]
    return start, matrix


def mean_length(start: np.ndarray, matrix: np.ndarray) -> float:
    """Expected events per journey (absorbing Markov chain)."""
    q = matrix[:, :-1]
    return float(start @ np.linalg.solve(np.eye(len(q)) - q, np.ones(len(q))))


def synthetic(events: int, seed: int = 20261122) -> tuple[pd.DataFrame, int]:
    """Exactly ``events`` events as arrays (``journey``, ``code``, ``seconds``) in file order."""
    rng = np.random.default_rng(seed)
    start, matrix = transitions()
    cumulative = np.cumsum(matrix, axis=1)
    stage_of = np.array([list(STAGES).index(s) for s in EVENT_STAGE])
    n = int(np.ceil(events / mean_length(start, matrix) * 1.05)) + 10
    t0 = pd.Timestamp("2025-01-01").value // 10**9
    current = np.searchsorted(np.cumsum(start), rng.random(n) * np.cumsum(start)[-1], side="right")
    clock = t0 + rng.integers(0, 365 * 86_400, n)
    active = np.arange(n)
    parts, lengths, step = [], np.zeros(n, dtype=np.int64), 0
    while len(active) and step < 400:
        parts.append((active, current.astype(np.int8), clock.copy(), np.full(len(active), step, np.int16)))
        lengths[active] += 1
        u = rng.random(len(active)) * cumulative[current, -1]
        nxt = (u[:, None] > cumulative[current]).sum(axis=1)
        moving = nxt < len(EVENTS)
        same_stage = stage_of[np.minimum(nxt, len(EVENTS) - 1)] == stage_of[current]
        minutes = np.where(same_stage, rng.lognormal(np.log(6), 1.2, len(active)),
                           rng.lognormal(np.log(20 * 60), 1.3, len(active)))
        gap = np.where(rng.random(len(active)) < 0.04, 0, np.maximum(1, minutes * 60).astype(np.int64))
        active, current, clock = active[moving], nxt[moving], (clock + gap)[moving]
        step += 1
    journey, code, seconds, steps = (np.concatenate(column) for column in zip(*parts))
    # cut at exactly `events`: whole journeys in generation order, the last one truncated
    full = np.searchsorted(np.cumsum(lengths), events, side="right")
    rest = events - int(lengths[:full].sum())
    keep = (journey < full) | ((journey == full) & (steps < rest))
    journey, code, seconds = journey[keep], code[keep], seconds[keep]
    order = np.lexsort((rng.random(len(journey)), seconds))   # file order: by time, ties random
    journeys = full + (rest > 0)
    ids = rng.permutation(journeys)                           # journey ids unrelated to time order
    frame = pd.DataFrame({"journey": ids[journey[order]], "code": code[order], "seconds": seconds[order]})
    return frame, journeys


def write_log(frame: pd.DataFrame, journeys: int, folder: Path) -> Path:
    """Parquet with journey_id, timestamp (naive UTC), event, stage, seq; and the stage map."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = pa.array([f"J{i:08d}" for i in range(journeys)], pa.string())

    def labels(codes, values):
        return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), values).cast(pa.string())
    table = pa.table({
        "journey_id": labels(frame["journey"].to_numpy(), ids),
        "timestamp": pa.array(frame["seconds"].to_numpy() * 1_000_000, pa.timestamp("us")),
        "event": labels(frame["code"].to_numpy(), pa.array(EVENTS)),
        "stage": labels(frame["code"].to_numpy(), pa.array(EVENT_STAGE)),
        "seq": pa.array(np.arange(len(frame), dtype=np.int64)),
    })
    path = folder / "events.parquet"
    pq.write_table(table, path, row_group_size=1_000_000)
    pd.DataFrame({"event": EVENTS, "stage": EVENT_STAGE}).to_parquet(folder / "event_stage.parquet")
    return path


# ---------------------------------------------------------------------------------------------
# Kit path (child process)


def kit_child(path: str, out: str, memory_limit: str | None, repeat: int) -> None:
    """Time the three calls on a DuckDB relation; write results to ``out``; print JSON."""
    import duckdb

    from cxnb import journey

    if memory_limit:
        duckdb.execute(f"SET memory_limit = '{memory_limit}'")
    baseline_rss = peak_rss()
    rel = duckdb.read_parquet(path)
    calls = {"dfg": lambda: journey.directly_follows(rel), "variants": lambda: journey.variants(rel),
             "funnel": lambda: journey.funnel(rel, list(STAGES))}
    times, results, peaks = {}, {}, {}
    for name, call in calls.items():
        runs = []
        for _ in range(repeat):
            begin = time.perf_counter()
            results[name] = call()
            runs.append(time.perf_counter() - begin)
        times[name] = min(runs)
        peaks[name] = peak_rss()  # high-water mark so far: grows with the step that needs most
    peak = peak_rss()
    results["dfg"][["source", "target", "count"]].to_parquet(Path(out) / "kit_dfg.parquet")
    results["variants"][["variant", "journeys"]].to_parquet(Path(out) / "kit_variants.parquet")
    results["funnel"].to_parquet(Path(out) / "kit_funnel.parquet")
    settings = duckdb.execute("select current_setting('memory_limit'), current_setting('threads')").fetchone()
    print(json.dumps({"times": times, "peak_rss": peak, "peaks": peaks, "baseline_rss": baseline_rss,
                      "duckdb": duckdb.__version__, "memory_limit": settings[0], "threads": settings[1]}))


# ---------------------------------------------------------------------------------------------
# pm4py baseline (child process in the throwaway venv)

PM4PY_CHILD = textwrap.dedent('''
    import json, sys, time
    from pathlib import Path
    import numpy as np
    import pandas as pd
    import pm4py

    path, out, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    runs = {"read": [], "format": [], "dfg": [], "variants": []}
    for _ in range(repeat):  # the whole sequence each time, from the file; best time of each step kept
        df = dfg = variants = None
        begin = time.perf_counter()
        df = pd.read_parquet(path, columns=["journey_id", "timestamp", "event", "seq"])
        runs["read"].append(time.perf_counter() - begin)
        file_order = bool(df["seq"].is_monotonic_increasing)
        begin = time.perf_counter()
        df = pm4py.format_dataframe(df, case_id="journey_id", activity_key="event", timestamp_key="timestamp")
        runs["format"].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        dfg, starts, ends = pm4py.discover_dfg(df)
        runs["dfg"].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        variants = pm4py.get_variants(df)
        runs["variants"].append(time.perf_counter() - begin)
    times = {step: min(values) for step, values in runs.items()}
    peak = next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:"))  # not ru_maxrss: it keeps the parent's peak across exec
    # untimed checks: after formatting, rows are grouped by case, in time order, ties in seq order
    case, ts, seq = df["case:concept:name"].to_numpy(), df["time:timestamp"].to_numpy(), df["seq"].to_numpy()
    same_case = case[1:] == case[:-1]
    tie = same_case & (ts[1:] == ts[:-1])
    ordered = bool(np.all(ts[1:][same_case] >= ts[:-1][same_case]) and np.all(seq[1:][tie] > seq[:-1][tie]))
    grouped = int(pd.Series(case).ne(pd.Series(case).shift()).sum()) == df["case:concept:name"].nunique()
    pd.DataFrame([(a, b, int(c)) for (a, b), c in dfg.items()], columns=["source", "target", "count"]) \\
        .to_parquet(out / "pm4py_dfg.parquet")
    pd.DataFrame([(" \\u2192 ".join(k), v if isinstance(v, int) else len(v)) for k, v in variants.items()],
                 columns=["variant", "journeys"]).to_parquet(out / "pm4py_variants.parquet")
    print(json.dumps({"times": times, "peak_rss": peak, "pm4py": pm4py.__version__, "pandas": pd.__version__,
                      "file_in_seq_order": file_order, "cases_grouped": bool(grouped),
                      "ties_in_seq_order": ordered, "tied_steps": int(tie.sum())}))
''')


# ---------------------------------------------------------------------------------------------
# Comparison and report


def compare(folder: Path) -> tuple[bool, str]:
    kit_dfg = pd.read_parquet(folder / "kit_dfg.parquet")
    pm_dfg = pd.read_parquet(folder / "pm4py_dfg.parquet")
    kit_var = pd.read_parquet(folder / "kit_variants.parquet")
    pm_var = pd.read_parquet(folder / "pm4py_variants.parquet")
    edges = dict(zip(zip(kit_dfg["source"], kit_dfg["target"]), kit_dfg["count"].astype(int)))
    pm_edges = dict(zip(zip(pm_dfg["source"], pm_dfg["target"]), pm_dfg["count"].astype(int)))
    paths = dict(zip(kit_var["variant"], kit_var["journeys"].astype(int)))
    pm_paths = dict(zip(pm_var["variant"], pm_var["journeys"].astype(int)))
    same = edges == pm_edges and paths == pm_paths
    detail = (f"{len(edges)} edges ({sum(edges.values()):,} transitions) vs pm4py {len(pm_edges)}; "
              f"{len(paths):,} variants ({sum(paths.values()):,} journeys) vs pm4py {len(pm_paths):,}")
    if not same:
        diff_e = sum(edges.get(k) != pm_edges.get(k) for k in edges.keys() | pm_edges.keys())
        diff_v = sum(paths.get(k) != pm_paths.get(k) for k in paths.keys() | pm_paths.keys())
        detail += f"; differing edges {diff_e}, differing variants {diff_v}"
    return same, detail


def report(events: int, journeys: int, size: int, kit: dict, pm: dict, same: bool, detail: str,
           folder: Path, repeat: int) -> list[str]:
    """Print the comparison; return the targets missed (empty when all are met)."""
    kt, pt = kit["times"], pm["times"]
    kit_total, pm_total = sum(kt.values()), sum(pt.values())
    print(f"\n{events:,} events, {journeys:,} journeys, {len(STAGES)} stages / {len(EVENTS)} events; "
          f"Parquet {size / 2**20:.0f} MiB")
    print(f"kit: DuckDB {kit['duckdb']} (threads {kit['threads']}, memory_limit {kit['memory_limit']}), "
          f"pm4py {pm['pm4py']} with pandas {pm['pandas']}; best of {repeat} runs on both sides")
    print(f"pm4py tie order: file in seq order {pm['file_in_seq_order']}, cases grouped {pm['cases_grouped']}, "
          f"{pm['tied_steps']:,} tied steps in seq order {pm['ties_in_seq_order']}")
    print(f"\n{'step':<26}{'kit s':>9}{'pm4py s':>10}{'kit peak RSS so far':>22}")
    rows = [("read Parquet", None, pt["read"]), ("format_dataframe", None, pt["format"]),
            ("directly-follows graph", kt["dfg"], pt["dfg"]), ("variants", kt["variants"], pt["variants"]),
            ("funnel (kit only)", kt["funnel"], None)]
    def cell(x):
        return f"{x:>9.2f}" if x is not None else f"{'—':>9}"
    keys = {"directly-follows graph": "dfg", "variants": "variants", "funnel (kit only)": "funnel"}
    for name, a, b in rows:
        peak = f"{kit['peaks'][keys[name]] / 2**20:>18,.0f} MiB" if name in keys else ""
        print(f"{name:<26}{cell(a)} {cell(b)}{peak}")
    print(f"{'total (end to end)':<26}{cell(kit_total)} {cell(pm_total)}")
    ratio = pm_total / kit_total
    like = kt["dfg"] + kt["variants"]
    print(f"\nratio pm4py / kit end to end: {ratio:.1f}x  (DFG + variants only, without funnel: "
          f"{pm_total / like:.1f}x)")
    print(f"peak RSS: kit child {kit['peak_rss'] / 2**20:,.0f} MiB (after imports {kit['baseline_rss'] / 2**20:,.0f}), "
          f"pm4py child {pm['peak_rss'] / 2**20:,.0f} MiB")
    print(f"identical counts: {'yes' if same else 'no'} — {detail}")
    funnel = pd.read_parquet(folder / "kit_funnel.parquet")
    print("funnel reached: " + ", ".join(f"{s} {r:,}" for s, r in zip(funnel["stage"], funnel["reached"])))
    targets = {f"≥ 5x faster ({ratio:.1f}x)": ratio >= 5, "identical counts": same,
               f"peak ≤ 2 GB ({kit['peak_rss'] / GB:.2f} GiB)": kit["peak_rss"] <= 2 * GB}
    print("\ntargets: " + "; ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in targets.items()))
    return [name for name, met in targets.items() if not met]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the generated log")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side; the best time of each step counts")
    parser.add_argument("--keep-venv", action="store_true",
                        help=f"keep the pm4py venv ({VENV}) for the next run instead of removing it")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the kit, e.g. 1GB (default: DuckDB's)")
    parser.add_argument("--kit-child", nargs=2, metavar=("PARQUET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kit_child:
        kit_child(*args.kit_child, args.memory_limit, args.repeat)
        return
    python = ensure_venv(VENV, [f"{name}=={version}" for name, version in BASELINE.items()], ", ".join(BASELINE))
    try:
        missed = run(args, python)
    finally:
        if not args.keep_venv:
            shutil.rmtree(VENV, ignore_errors=True)
    if missed:
        sys.exit(f"targets missed: {'; '.join(missed)}")


def run(args: argparse.Namespace, python: Path) -> list[str]:
    """Generate the log, run both children, compare and report; return the targets missed."""
    with tempfile.TemporaryDirectory(prefix="cxnb-journey-") as name:
        folder = Path(name)
        begin = time.perf_counter()
        frame, journeys = synthetic(args.events)
        path = write_log(frame, journeys, folder)
        del frame
        print(f"generated and wrote {args.events:,} events in {time.perf_counter() - begin:.1f} s", flush=True)
        command = [sys.executable, __file__, "--kit-child", str(path), name, "--repeat", str(args.repeat)]
        if args.memory_limit:
            command += ["--memory-limit", args.memory_limit]
        kit = child(command)
        print(f"kit done: {kit['times']}", flush=True)
        script = folder / "pm4py_child.py"
        script.write_text(PM4PY_CHILD)
        pm = child([str(python), str(script), str(path), name, str(args.repeat)])
        print(f"pm4py done: {pm['times']}", flush=True)
        same, detail = compare(folder)
        missed = report(args.events, journeys, path.stat().st_size, kit, pm, same, detail, folder, args.repeat)
        if pm["pm4py"] != BASELINE["pm4py"]:
            missed.append(f"pm4py {pm['pm4py']} ran instead of the pinned {BASELINE['pm4py']}")
        return missed


if __name__ == "__main__":
    main()
