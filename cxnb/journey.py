"""The mined customer journey (step 3): paths, variants, loops, funnel, design vs reality.

Every function takes the canonical ``events`` table first — a pandas DataFrame, a Polars
frame or a DuckDB relation. The work runs in that engine through narwhals; only small
results come back, as pandas frames with fixed columns.

``level="event"`` mines the journey of events (activity = ``event``), ``level="stage"``
the journey of stages (activity = ``stage``). Within a journey, events are ordered by
``timestamp``, then ``seq`` (the file order, when the table has it), then the activity name,
so ties are broken the same way in every engine. Events without a timestamp (or, at stage
level, without a stage) cannot be placed in a journey and are left out;
:func:`journey_quality` counts them, with the other problems that change a mined journey.

>>> import pandas as pd
>>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "b", "b"],
...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
...                                  + pd.to_timedelta([0, 1, 3, 0, 2], unit="h"),
...                     "event": ["visit", "cart", "buy", "visit", "buy"]})
>>> variants(log)
               variant  journeys  share  cumulative_share
0         visit → buy         1   50.0              50.0
1  visit → cart → buy         1   50.0             100.0
"""

from __future__ import annotations

from dataclasses import dataclass

import narwhals as nw
import numpy as np
import pandas as pd

from cxnb import stats
from cxnb.errors import CxnbError
from cxnb.frames import collect, names, native, require, scalar

__all__ = [
    "LEVELS",
    "ARROW",
    "directly_follows",
    "start_end",
    "variants",
    "rework",
    "funnel",
    "label_journeys",
    "stage_conversion",
    "conversion_spread",
    "DesignComparison",
    "compare_design",
    "journey_quality",
    "stage_mentions",
    "emotion_curve",
    "pain_points",
    "design_table",
    "stage_columns",
    "map_table",
]

LEVELS = {"event": "event", "stage": "stage"}
"""``level`` → the events column that names the activity."""

ARROW = " → "
"""Separator between the activities of a variant."""


# ---------------------------------------------------------------------------------------------
# Engine-independent building blocks


def _events(events, level: str, what: str):
    """``journey_id, timestamp, [seq], activity`` of the placeable events, and the journey order."""
    if level not in LEVELS:
        raise CxnbError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    frame = native(events)
    column = LEVELS[level]
    require(frame, ["journey_id", "timestamp", column], f"{what} (level={level!r})")
    seq = ["seq"] if "seq" in frame.columns else []
    frame = frame.filter(~nw.col("timestamp").is_null() & ~nw.col(column).is_null())
    frame = frame.select("journey_id", "timestamp", *seq, nw.col(column).alias("activity"))
    return frame, ["timestamp", *seq, "activity"]


def _steps(events, level: str, what: str, *wanted: str):
    """Each placed event with the ``wanted`` columns among ``previous`` and ``next`` (activity
    of the journey) and ``hours`` (to the next event), from window functions over the journey.

    Only the wanted windows are computed: pandas sorts the frame again for each one.
    """
    frame, order = _events(events, level, what)

    def shifted(column: str, n: int) -> nw.Expr:
        return nw.col(column).shift(n).over("journey_id", order_by=order)

    windows = {
        "previous": shifted("activity", 1),
        "next": shifted("activity", -1),
        "hours": (shifted("timestamp", -1) - nw.col("timestamp")).dt.total_seconds() / 3600,
    }
    return frame.with_columns(**{name: windows[name] for name in wanted})


def _count(frame, expr: nw.Expr) -> int:
    """One count computed in the engine (0 when the frame is empty)."""
    value = scalar(frame.select(expr))
    return 0 if pd.isna(value) else int(value)


def _ints(result: pd.DataFrame, columns) -> pd.DataFrame:
    """Sums come back as floats or HUGEINTs in some engines; counts are plain integers."""
    return result.astype({c: "int64" for c in columns})


def _pairs(grouped, *values: str) -> pd.DataFrame:
    """Transition counts grouped by ``activity, next`` as ``source, target, count, <values...>``,
    most frequent first, then by source and target."""
    result = _ints(collect(grouped), ["count"]).rename(columns={"activity": "source", "next": "target"})
    result = result.sort_values(["count", "source", "target"], ascending=[False, True, True], ignore_index=True)
    return result[["source", "target", "count", *values]]


# ---------------------------------------------------------------------------------------------
# Process mining


def directly_follows(events, *, level: str = "event") -> pd.DataFrame:
    """The directly-follows graph: how often one activity comes right after another.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events (``journey_id, timestamp`` and the activity column; ``seq`` optional).
    level : {"event", "stage"}
        Activity = ``event`` or ``stage``.

    Returns
    -------
    pandas.DataFrame
        ``source, target, count, median_hours, p90_hours``: one row per pair of consecutive
        activities in a journey, with the hours between them (median and 90th percentile,
        linear interpolation); most frequent first, then by source and target.

    Notes
    -----
    The next activity of the same journey comes from ``shift(-1).over("journey_id",
    order_by=...)``, a window function that narwhals runs natively in pandas, Polars and DuckDB.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "b", "b"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 1, 3, 0, 2], unit="h"),
    ...                     "event": ["visit", "cart", "buy", "visit", "buy"]})
    >>> directly_follows(log)
      source target  count  median_hours  p90_hours
    0   cart    buy      1           2.0        2.0
    1  visit    buy      1           2.0        2.0
    2  visit   cart      1           1.0        1.0
    """
    steps = _steps(events, level, "directly_follows", "next", "hours").filter(~nw.col("next").is_null())
    grouped = steps.group_by("activity", "next").agg(
        count=nw.len(),
        median_hours=nw.col("hours").median(),
        p90_hours=nw.col("hours").quantile(0.9, interpolation="linear"),
    )
    return _pairs(grouped, "median_hours", "p90_hours")


def start_end(events, *, level: str = "event") -> pd.DataFrame:
    """How many journeys start and end with each activity.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events (``journey_id, timestamp`` and the activity column; ``seq`` optional).
    level : {"event", "stage"}
        Activity = ``event`` or ``stage``.

    Returns
    -------
    pandas.DataFrame
        ``activity, starts, ends`` for the activities that open or close at least one
        journey; most starts first, then most ends, then by name. A single-event journey
        counts as a start and an end of its one activity.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "b", "b"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 1, 3, 0, 2], unit="h"),
    ...                     "event": ["visit", "cart", "buy", "visit", "buy"]})
    >>> start_end(log)
      activity  starts  ends
    0    visit       2     0
    1      buy       0     2
    """
    steps = _steps(events, level, "start_end", "previous", "next").with_columns(
        starts=nw.col("previous").is_null().cast(nw.Int64), ends=nw.col("next").is_null().cast(nw.Int64))
    grouped = steps.group_by("activity").agg(nw.col("starts").sum(), nw.col("ends").sum())
    result = _ints(collect(grouped), ["starts", "ends"])
    result = result[(result["starts"] > 0) | (result["ends"] > 0)]
    return result.sort_values(["starts", "ends", "activity"], ascending=[False, False, True], ignore_index=True)


def variants(events, *, level: str = "event", top: int | None = None) -> pd.DataFrame:
    """Distinct paths through the journey and how many journeys follow each.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events.
    level : {"event", "stage"}
        Activity = ``event`` or ``stage``.
    top : int, optional
        Keep only the ``top`` most frequent variants (shares stay relative to all journeys).

    Returns
    -------
    pandas.DataFrame
        ``variant, journeys, share, cumulative_share``: the activities of a journey in order,
        joined with ``" → "``; shares in percent of all journeys; most journeys first, then
        by variant.

    Notes
    -----
    narwhals has no ordered list aggregation that works in all engines, and sorting the whole
    log by journey costs most of the time on large logs, so the engine never sorts it: it
    numbers each journey's events in order (a window over the journey) and packs the
    activity codes into integers, ``bits`` bits per event (enough for the number of
    activities) and as many events per block as fit below 2^53, one block column per that
    many events of the longest journey. The sum of a block over a journey is exact, so
    journeys with the same length and blocks follow the same path, and the blocks of each
    variant are unpacked into its activities without reading the log again.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "b", "b", "c"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 1, 0, 2, 0], unit="h"),
    ...                     "event": ["visit", "buy", "visit", "buy", "visit"]})
    >>> variants(log)
           variant  journeys      share  cumulative_share
    0  visit → buy         2  66.666667         66.666667
    1        visit         1  33.333333        100.000000
    """
    frame, order = _events(events, level, "variants")
    activities = sorted(collect(frame.group_by("activity").agg(nw.len()))["activity"].tolist())
    longest = _count(frame.group_by("journey_id").agg(_n=nw.len()), nw.col("_n").max())
    bits, per_block = _packing(len(activities))
    packed = [f"_b{b}" for b in range(max(1, -(-longest // per_block)))]
    codes = {name: i + 1 for i, name in enumerate(activities)}
    coded = frame.with_columns(_code=nw.col("activity").replace_strict(codes, default=0, return_dtype=nw.Int64))
    coded = coded.with_columns(_pos=nw.col("_code").cum_count().over("journey_id", order_by=order) - 1)
    pos = nw.col("_pos")
    weight = nw.lit(2, nw.Int64) ** ((pos % per_block) * bits)
    coded = coded.with_columns(_packed=(nw.col("_code") * weight).cast(nw.Int64))
    coded = coded.with_columns(**{
        name: nw.when((pos >= b * per_block) & (pos < (b + 1) * per_block)).then(nw.col("_packed")).otherwise(0)
        for b, name in enumerate(packed)})
    per_journey = coded.group_by("journey_id").agg(_len=nw.len(), **{name: nw.col(name).sum() for name in packed})
    per_variant = _ints(collect(per_journey.group_by("_len", *packed).agg(journeys=nw.len())),
                        ["_len", *packed, "journeys"])
    result = pd.DataFrame({
        "variant": _unpack(per_variant[packed].to_numpy("int64"), per_variant["_len"].to_numpy("int64"),
                           activities, bits, per_block),
        "journeys": per_variant["journeys"].to_numpy("int64")})
    result = result.sort_values(["journeys", "variant"], ascending=[False, True], ignore_index=True)
    result["share"] = 100 * result["journeys"] / result["journeys"].sum()
    result["cumulative_share"] = result["share"].cumsum()
    return result if top is None else result.head(top)


def _packing(activities: int) -> tuple[int, int]:
    """Bits per activity code (codes 1..``activities``; 0 = no event) and codes per block.

    A block stays below 2^53, so it is exact even where an engine sums it as a float.
    """
    bits = max(1, activities.bit_length())
    return bits, 53 // bits


def _unpack(blocks: np.ndarray, lengths: np.ndarray, activities: list[str], bits: int, per_block: int) -> list[str]:
    """The variants spelled out from their packed blocks (one row per variant) and lengths."""
    shifts = np.arange(per_block, dtype="int64") * bits
    codes = ((blocks[:, :, None] >> shifts) & ((1 << bits) - 1)).astype(np.int32).reshape(len(blocks), -1)
    names = np.array(["", *activities], dtype=object)[codes[np.arange(codes.shape[1]) < lengths[:, None]]].tolist()
    return [ARROW.join(names[end - n:end]) for n, end in zip(lengths.tolist(), np.cumsum(lengths).tolist())]


def rework(events, *, level: str = "event") -> pd.DataFrame:
    """Loops and rework: activities that happen more than once in a journey.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events (``journey_id, timestamp`` and the activity column; ``seq`` optional).
    level : {"event", "stage"}
        Activity = ``event`` or ``stage``.

    Returns
    -------
    pandas.DataFrame
        ``activity, journeys_with_repeat, repeats, self_loops``: journeys in which the
        activity happens more than once, occurrences beyond the first in each journey, and
        times it directly follows itself. Most repeats first, then by name; every activity
        appears.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "a", "b"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 1, 2, 3, 0], unit="h"),
    ...                     "event": ["visit", "visit", "cart", "visit", "visit"]})
    >>> rework(log)
      activity  journeys_with_repeat  repeats  self_loops
    0    visit                     1        2           1
    1     cart                     0        0           0
    """
    steps = _steps(events, level, "rework", "next").with_columns(
        _loop=(nw.col("next") == nw.col("activity")).fill_null(False).cast(nw.Int64))
    per_journey = steps.group_by("journey_id", "activity").agg(_n=nw.len(), _loops=nw.col("_loop").sum())
    per_journey = per_journey.with_columns(_repeated=(nw.col("_n") > 1).cast(nw.Int64), _extra=nw.col("_n") - 1)
    grouped = per_journey.group_by("activity").agg(journeys_with_repeat=nw.col("_repeated").sum(),
                                                    repeats=nw.col("_extra").sum(),
                                                    self_loops=nw.col("_loops").sum())
    result = _ints(collect(grouped), ["journeys_with_repeat", "repeats", "self_loops"])
    return result.sort_values(["repeats", "activity"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Designed stages: funnel and design vs reality


def _stage_index(stages) -> dict[str, int]:
    """Designed stage id → its position."""
    stages = list(stages)
    if not stages or len(set(stages)) != len(stages):
        raise CxnbError(f"stages must be a non-empty list of distinct stage ids (config.journey.stage_ids); "
                        f"got {stages!r}")
    return {stage: i for i, stage in enumerate(stages)}


def _position(column: str, index: dict[str, int]) -> nw.Expr:
    """The designed position of the stage in ``column`` (missing for stages outside the design)."""
    return nw.col(column).replace_strict(index, default=None, return_dtype=nw.Int64)


def _groups(frame: pd.DataFrame, by: list[str]):
    """``frame`` grouped by ``by`` (one group when empty), in row order, missing keys kept."""
    return frame.groupby(by or np.zeros(len(frame), dtype=int), sort=False, dropna=False)


def _stages(events, stages: list[str], by: list[str], what: str) -> pd.DataFrame:
    """Per ``by`` group and designed stage (zeros included): ``<by...>, _k, stage, reached,
    with_event, median_hours_to_next, p90_hours_to_next``.

    In the engine, each journey's first event per designed stage (position ``_k``), then one
    group-by: journeys with an event in the stage, journeys whose furthest stage it is, and
    the hours from the first event in it to the first event in the next stage with events.
    """
    frame = native(events)
    require(frame, ["journey_id", "timestamp", "stage", *by], what)
    keys = [*by, "journey_id"]
    placed = frame.filter(~nw.col("timestamp").is_null()).with_columns(_k=_position("stage", _stage_index(stages)))
    firsts = placed.filter(~nw.col("_k").is_null()).group_by(*keys, "_k").agg(first=nw.col("timestamp").min())
    firsts = firsts.with_columns(
        _end=(nw.col("_k") == nw.col("_k").max().over(*keys)).cast(nw.Int64),
        _hours=(nw.col("first").shift(-1).over(*keys, order_by="_k") - nw.col("first")).dt.total_seconds() / 3600,
    )
    grouped = collect(firsts.group_by(*by, "_k").agg(
        with_event=nw.len(), _ends=nw.col("_end").sum(), median_hours_to_next=nw.col("_hours").median(),
        p90_hours_to_next=nw.col("_hours").quantile(0.9, interpolation="linear")))
    groups = grouped[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    grid = groups.merge(pd.DataFrame({"_k": np.arange(len(stages)), "stage": stages}), how="cross")
    counts = grid.merge(grouped, on=[*by, "_k"], how="left").fillna({"_ends": 0, "with_event": 0})
    counts = _ints(counts, ["_ends", "with_event"]).sort_values([*by, "_k"], ignore_index=True)
    # a journey reaches every stage up to the furthest one it has an event in
    counts["reached"] = _groups(counts.iloc[::-1], by)["_ends"].cumsum()
    return counts.drop(columns="_ends")


def funnel(events, stages, *, by=None, confidence: float = 0.95) -> pd.DataFrame:
    """The journey funnel over the designed stages, with conversion and time to the next stage.

    A journey *reaches* a stage when it has an event in that stage or in any later stage
    (stages in the order given). It *converts* at a stage when it reaches the next one.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events with ``journey_id, timestamp, stage`` (events in stages not listed,
        or without a timestamp, are left out).
    stages : list of str
        Stage ids in their designed order (``config.journey.stage_ids``).
    by : str or list of str, optional
        Columns to split by; a journey counts in each group it has events in, with those events.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``<by...>, stage, reached, converted, dropped, conversion, ci_low, ci_high,
        median_hours_to_next, p90_hours_to_next``. ``conversion`` = converted / reached in
        percent with its Wilson interval. Hours run from the journey's first event in the
        stage to its first event in the next stage it has events in (negative when the
        journey went there first); journeys that skipped the stage have no time. The last
        stage has no ``converted``, ``dropped`` or ``conversion``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "b", "b", "c"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 2, 0, 4, 0], unit="h"),
    ...                     "stage": ["discover", "buy", "discover", "use", "discover"]})
    >>> funnel(log, ["discover", "buy", "use"])[["stage", "reached", "converted", "dropped",
    ...                                         "median_hours_to_next"]]
          stage  reached  converted  dropped  median_hours_to_next
    0  discover        3          2        1                   3.0
    1       buy        2          1        1                   NaN
    2       use        1       <NA>     <NA>                   NaN
    """
    by, stages = names(by), list(stages)
    result = _stages(events, stages, by, "funnel")
    last = result["_k"] == len(stages) - 1
    result["converted"] = _groups(result, by)["reached"].shift(-1).where(~last).astype("Int64")
    result["dropped"] = result["reached"] - result["converted"]
    intervals = [stats.wilson_interval(int(x), int(n), confidence) if not pd.isna(x) else None
                 for x, n in zip(result["converted"], result["reached"])]
    for field, name in (("proportion", "conversion"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        result[name] = [np.nan if r is None else 100 * getattr(r, field) for r in intervals]
    return result[[*by, "stage", "reached", "converted", "dropped", "conversion", "ci_low", "ci_high",
                   "median_hours_to_next", "p90_hours_to_next"]]


def label_journeys(events, customers: pd.DataFrame | None = None, *, attributes=()):
    """Events with what describes their whole journey, to split a funnel by it.

    ``entry_channel`` is the channel of the journey's first event (ties at the first time broken
    by ``seq``, then by channel name); each of ``attributes`` present in ``customers`` (such as
    ``region`` or ``plan``) is the attribute of the event's customer, joined on ``customer_id``.
    A journey then counts in one group only, unlike ``funnel(by="channel")``, where a journey
    counts in each channel it has events in.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events (``journey_id, timestamp``; ``channel``, ``customer_id``, ``seq`` used
        when present).
    customers : pandas.DataFrame, optional
        The customers table (``customer_id`` and the attributes).
    attributes : list of str
        Customer columns to bring in; those the customers table lacks are left out.

    Returns
    -------
    The events, in their engine, with ``entry_channel`` (when they have ``channel``) and the
    attributes found (missing for customers not in the table).

    Examples
    --------
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "b"], "customer_id": ["c1", "c1", "c2"],
    ...                     "timestamp": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01"], utc=True),
    ...                     "channel": ["web", "email", "app"], "stage": ["buy", "discover", "discover"]})
    >>> people = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["north", "south"]})
    >>> label_journeys(log, people, attributes=["region", "plan"])[["journey_id", "entry_channel", "region"]]
      journey_id entry_channel region
    0          a         email  north
    1          a         email  north
    2          b           app  south
    """
    frame = native(events)
    require(frame, ["journey_id", "timestamp"], "label_journeys")
    out = frame.with_row_index("_row") if isinstance(frame, nw.DataFrame) else frame
    if "channel" in frame.columns:
        order = ["seq"] if "seq" in frame.columns else []
        first = frame.filter(nw.col("timestamp") == nw.col("timestamp").min().over("journey_id"))
        for column in order:
            first = first.filter(nw.col(column) == nw.col(column).min().over("journey_id"))
        entry = first.group_by("journey_id").agg(entry_channel=nw.col("channel").min())
        out = out.join(entry, on="journey_id", how="left")
    wanted = [a for a in names(attributes) if customers is not None and a in customers.columns]
    if wanted:
        require(frame, ["customer_id"], "label_journeys with customer attributes")
        people = nw.from_native(customers[["customer_id", *wanted]].drop_duplicates("customer_id"))
        people = people.lazy(backend=frame.implementation) if isinstance(frame, nw.LazyFrame) else \
            nw.from_arrow(people.to_arrow(), backend=frame.implementation)
        out = out.join(people, on="customer_id", how="left")
    if isinstance(out, nw.DataFrame):  # eager joins may reorder rows: keep the caller's order
        out = out.sort("_row").drop("_row")
    return out.to_native()


def stage_conversion(grouped: pd.DataFrame, stage: str, by: str, *, min_base: int = 30) -> pd.DataFrame:
    """One stage's conversion per group, from ``funnel(..., by=by)``, for a dot chart.

    Returns ``<by>, n, value, ci_low, ci_high, flag``: journeys reaching the stage, their
    conversion to the next stage in percent with its interval, and ``insufficient_base`` where
    fewer than ``min_base`` journeys reached it; highest conversion first.

    >>> grouped = pd.DataFrame({"channel": ["web", "app"], "stage": ["buy", "buy"], "reached": [200, 12],
    ...                         "conversion": [40.0, 50.0], "ci_low": [33.5, 25.4], "ci_high": [46.9, 74.6]})
    >>> stage_conversion(grouped, "buy", "channel")[["channel", "n", "value", "flag"]]
      channel    n  value               flag
    0     app   12   50.0  insufficient_base
    1     web  200   40.0
    """
    rows = grouped[grouped["stage"] == stage]
    if rows.empty:
        raise CxnbError(f"stage {stage!r} is not in the funnel; its stages are {', '.join(grouped['stage'].unique())}")
    out = pd.DataFrame({by: rows[by].fillna("unknown").astype(str).to_numpy(), "n": rows["reached"].to_numpy(),
                        "value": rows["conversion"].to_numpy(dtype=float),
                        "ci_low": rows["ci_low"].to_numpy(dtype=float),
                        "ci_high": rows["ci_high"].to_numpy(dtype=float)})
    out["flag"] = np.where(out["n"] < min_base, "insufficient_base", "")
    return out.sort_values(["value", by], ascending=[False, True], ignore_index=True)


def conversion_spread(table: pd.DataFrame, by: str) -> dict | None:
    """The groups converting most and least in :func:`stage_conversion`'s ``table``, among those
    with enough base, for a sentence; None when fewer than two groups have enough base.

    Keys: ``high, high_value, high_low, high_high`` and the same for ``low``, and ``overlap``:
    ``"overlap"`` when the two intervals overlap, else ``"do not overlap"``.

    >>> table = pd.DataFrame({"channel": ["app", "web"], "n": [90, 200], "value": [50.0, 40.0],
    ...                       "ci_low": [39.9, 33.5], "ci_high": [60.1, 46.9], "flag": ["", ""]})
    >>> spread = conversion_spread(table, "channel")
    >>> spread["high"], spread["low"], spread["overlap"]
    ('app', 'web', 'overlap')
    """
    readable = table[table["flag"] == ""].sort_values("value", ascending=False)
    if len(readable) < 2:
        return None
    high, low = readable.iloc[0], readable.iloc[-1]
    out = {f"{name}{suffix}": row[column] for name, row in (("high", high), ("low", low))
           for suffix, column in (("", by), ("_value", "value"), ("_low", "ci_low"), ("_high", "ci_high"))}
    out["overlap"] = "overlap" if low["ci_high"] >= high["ci_low"] else "do not overlap"
    return out


@dataclass(frozen=True)
class DesignComparison:
    """The designed journey against the mined one (stage level).

    Attributes
    ----------
    journeys : int
        Journeys with at least one event in a designed stage.
    following_design : int
        Journeys whose every transition stays in a stage or moves forward to a later
        designed stage (skipping stages is allowed).
    share_following : float
        ``following_design`` in percent of ``journeys``.
    backward_moves : int
        Transitions to an earlier designed stage.
    skipped : pandas.DataFrame
        ``stage, journeys``: journeys with no event in the stage that reach a later one.
    unexpected : pandas.DataFrame
        ``source, target, count``: transitions the design does not expect — backward moves
        and moves from or to a stage outside the design; most frequent first.
    """

    journeys: int
    following_design: int
    share_following: float
    backward_moves: int
    skipped: pd.DataFrame
    unexpected: pd.DataFrame


def compare_design(events, stages) -> DesignComparison:
    """Compare the designed stage order with the journeys customers actually take.

    Transitions are between consecutive events of a journey at stage level (see the module
    for the order); events without a stage are left out (:func:`journey_quality` counts them).

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events with ``journey_id, timestamp, stage``.
    stages : list of str
        Stage ids in their designed order (``config.journey.stage_ids``).

    Returns
    -------
    DesignComparison

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "b", "b"],
    ...                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
    ...                                  + pd.to_timedelta([0, 1, 2, 0, 1], unit="h"),
    ...                     "stage": ["discover", "buy", "discover", "discover", "use"]})
    >>> design = compare_design(log, ["discover", "buy", "use"])
    >>> design.journeys, design.following_design, design.share_following, design.backward_moves
    (2, 1, 50.0, 1)
    >>> design.skipped
          stage  journeys
    0  discover         0
    1       buy         1
    2       use         0
    >>> design.unexpected
      source    target  count
    0    buy  discover      1
    """
    stages = list(stages)
    index = _stage_index(stages)
    counts = _stages(events, stages, [], "compare_design")
    steps = _steps(events, "stage", "compare_design", "next").with_columns(
        _k=_position("activity", index), _to=_position("next", index))
    expected = (nw.col("_to") >= nw.col("_k")).fill_null(False)
    steps = steps.with_columns(
        _unexpected=(~nw.col("next").is_null() & ~expected).cast(nw.Int64),
        _backward=(nw.col("_to") < nw.col("_k")).fill_null(False).cast(nw.Int64),
        _designed=(~nw.col("_k").is_null()).cast(nw.Int64))
    per_journey = steps.group_by("journey_id").agg(nw.col("_unexpected", "_backward", "_designed").sum())
    totals = collect(per_journey.filter(nw.col("_designed") > 0).select(
        journeys=nw.len(), following=(nw.col("_unexpected") == 0).cast(nw.Int64).sum(),
        backward=nw.col("_backward").sum()))
    unexpected = steps.filter(nw.col("_unexpected") == 1).group_by("activity", "next").agg(count=nw.len())
    journeys, following, backward = (int(totals[c].fillna(0).iloc[0]) for c in ("journeys", "following", "backward"))
    return DesignComparison(
        journeys=journeys,
        following_design=following,
        share_following=100 * following / journeys if journeys else np.nan,
        backward_moves=backward,
        skipped=pd.DataFrame({"stage": counts["stage"], "journeys": counts["reached"] - counts["with_event"]}),
        unexpected=_pairs(unexpected),
    )


# ---------------------------------------------------------------------------------------------
# Data problems that change a mined journey


def journey_quality(events) -> pd.DataFrame:
    """Count the event-log problems that change a mined journey, each with a sentence.

    Nothing is dropped here; the sentence says how the journey functions treat each problem.

    Parameters
    ----------
    events : pandas/Polars DataFrame or DuckDB relation
        Canonical events (``journey_id, timestamp, event``; ``stage`` and ``seq`` optional).

    Returns
    -------
    pandas.DataFrame
        ``check, count, message`` with the checks ``missing_timestamp`` (events without a
        time), ``missing_stage`` (events without a stage; only when the table has ``stage``),
        ``repeated_event`` (events repeating an earlier one's journey, time and event),
        ``single_event_journey`` (journeys of one event) and ``tied_timestamp`` (events
        sharing their time with another event of the same journey).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"journey_id": ["a", "a", "a", "b"],
    ...                     "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:00",
    ...                                                  "2024-01-01 10:00", None], utc=True),
    ...                     "event": ["visit", "visit", "cart", "visit"], "seq": [0, 1, 2, 3]})
    >>> journey_quality(log)[["check", "count"]]
                      check  count
    0     missing_timestamp      1
    1        repeated_event      1
    2  single_event_journey      1
    3        tied_timestamp      3
    """
    frame = native(events)
    require(frame, ["journey_id", "timestamp", "event"], "journey_quality")
    has_stage, has_seq = "stage" in frame.columns, "seq" in frame.columns
    timed = frame.filter(~nw.col("timestamp").is_null())
    repeated = timed.group_by("journey_id", "timestamp", "event").agg(_n=nw.len())
    ties = timed.group_by("journey_id", "timestamp").agg(_n=nw.len()).filter(nw.col("_n") > 1)
    single = frame.group_by("journey_id").agg(_n=nw.len()).filter(nw.col("_n") == 1)
    counts = {
        "missing_timestamp": _count(frame, nw.col("timestamp").is_null().cast(nw.Int64).sum()),
        "missing_stage": _count(frame, nw.col("stage").is_null().cast(nw.Int64).sum()) if has_stage else None,
        "repeated_event": _count(repeated, (nw.col("_n") - 1).sum()),
        "single_event_journey": _count(single, nw.len()),
        "tied_timestamp": _count(ties, nw.col("_n").sum()),
    }
    tie_break = "ordered by `seq` (file order)" if has_seq else "ordered by activity name (the table has no `seq`)"
    messages = {  # check: (one, several, what it means)
        "missing_timestamp": ("event has", "events have", "no timestamp: left out of the mined journey (it cannot "
                              "be placed in one); fix the time column at the source"),
        "missing_stage": ("event has", "events have", "no stage: left out of stage-level journeys, the funnel and "
                          "the design comparison; map the event in `journey.event_stage_map`"),
        "repeated_event": ("event repeats", "events repeat", "an earlier event's journey, time and event: kept (each "
                           "counts, and shows as a self-loop); remove repeats at the source if loaded twice"),
        "single_event_journey": ("journey has", "journeys have", "a single event: it starts and ends the journey, "
                                 "which adds no transition"),
        "tied_timestamp": ("event shares", "events share", "a timestamp with another event of the same journey: "
                           + tie_break),
    }
    rows = [(check, counts[check], f"{counts[check]:,} {one if counts[check] == 1 else several} {meaning}.")
            for check, (one, several, meaning) in messages.items() if counts[check] is not None]
    return pd.DataFrame(rows, columns=["check", "count", "message"])


# ---------------------------------------------------------------------------------------------
# Emotions and pain points along the designed journey


def stage_mentions(theme_rows: pd.DataFrame, design, taxonomy=None) -> pd.DataFrame:
    """Theme mentions placed at the journey stages whose ``themes`` (config
    ``journey.stages[].themes``) name them: the text evidence of each stage's emotion.

    ``theme_rows`` are :func:`cxnb.text.themes` rows (``text_id, theme, compound``); a theme
    mapped to several stages counts at each. A mention is negative when its clause's VADER
    compound is at most :data:`cxnb.text.NEGATIVE_THRESHOLD` (-0.05, VADER's own cut-off). With
    ``taxonomy`` given, a stage naming a theme the taxonomy lacks is a
    :class:`~cxnb.errors.ConfigError` that lists every such name.

    Returns ``stage, theme, text_id, compound, negative``, stages in the designed order.

    Examples
    --------
    >>> from cxnb.config import Journey
    >>> design = Journey(stages=[{"id": "buy", "name": "Buy", "themes": ["price"]}, {"id": "use", "name": "Use"}])
    >>> rows = pd.DataFrame({"text_id": ["r1", "r2", "r2"], "theme": ["price", "price", "product"],
    ...                      "compound": [-0.6, 0.4, 0.8]})
    >>> stage_mentions(rows, design)
      stage  theme text_id  compound  negative
    0   buy  price      r1      -0.6      True
    1   buy  price      r2       0.4     False
    """
    from cxnb.errors import ConfigError
    from cxnb.text import NEGATIVE_THRESHOLD

    mapping = design.stage_themes
    if taxonomy is not None:
        unknown = [f"{stage}: {theme}" for stage, themes in mapping.items() for theme in themes if theme not in taxonomy]
        if unknown:
            raise ConfigError(f"journey.stages[].themes names theme(s) the taxonomy does not have ({'; '.join(unknown)});"
                              f" expected one of {', '.join(taxonomy)}")
    pairs = pd.DataFrame([(stage, theme) for stage, themes in mapping.items() for theme in themes],
                         columns=["stage", "theme"])
    placed = pairs.merge(theme_rows[["theme", "text_id", "compound"]], on="theme", how="inner", sort=False)
    order = {stage: i for i, stage in enumerate(design.stage_ids)}
    placed = placed.sort_values("stage", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    return placed.assign(negative=placed["compound"] <= NEGATIVE_THRESHOLD)


def emotion_curve(responses, stages, *, mentions: pd.DataFrame | None = None, min_base: int = 30,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Emotion at each designed stage, in journey order: the NPS of the survey answers given
    there (``responses.stage``; ``responses`` None when there are none) with its interval
    and, with ``mentions`` from :func:`stage_mentions`, the mean sentiment of the texts' theme
    mentions mapped to the stage with its t interval. A stage without answers is listed with
    ``n = 0`` and flagged.

    Returns ``stage, n, value, ci_low, ci_high, flag, promoters, passives, detractors,
    mentions, negative_mentions, sentiment, sentiment_low, sentiment_high``.
    """
    from cxnb import metrics

    order = list(_stage_index(stages))
    if responses is None:  # no survey answers: texts are the only evidence
        responses = pd.DataFrame({"stage": pd.Series(dtype="str"), "nps": pd.Series(dtype="Int64")})
    require(native(responses), ["stage", "nps"], "emotion_curve")
    by_stage = metrics.nps(responses, by="stage", min_base=min_base, confidence=confidence).set_index("stage")
    curve = by_stage.reindex(order)
    counts = ["n", "promoters", "passives", "detractors"]
    curve[counts] = curve[counts].fillna(0).astype("int64")
    curve["flag"] = curve["flag"].fillna(metrics.FLAG)
    text = {}
    for stage, group in (mentions.groupby("stage", sort=False) if mentions is not None else []):
        interval = stats.t_interval(group["compound"].to_numpy(), confidence)
        text[stage] = (len(group), int(group["negative"].sum()), interval.mean, interval.ci_low, interval.ci_high)
    sentiment = pd.DataFrame.from_dict(text, orient="index", columns=[
        "mentions", "negative_mentions", "sentiment", "sentiment_low", "sentiment_high"]).reindex(order)
    sentiment[["mentions", "negative_mentions"]] = sentiment[["mentions", "negative_mentions"]].fillna(0).astype("int64")
    return curve.join(sentiment).rename_axis("stage").reset_index()


def _evidence(stage: str, dropoff: float, reached: int, negative: float, answers: int, mentions: int) -> str:
    """The sentence behind one pain point's score."""
    parts = ([f"{answers:,} answers"] if answers else []) + ([f"{mentions:,} text mentions"] if mentions else [])
    source = "among its " + " and ".join(parts) if parts else "over all stages (no answers or texts at this stage)"
    return f"{dropoff:.0f}% of the {reached:,} journeys reaching {stage} go no further; {negative:.0f}% negative {source}"


def pain_points(stage_funnel: pd.DataFrame, emotion: pd.DataFrame) -> pd.DataFrame:
    """Stages ranked by pain = drop-off × negative emotion × volume, with the evidence.

    ``drop-off`` = share of the journeys reaching a stage that go no further (from
    :func:`funnel`, no ``by``); ``volume`` = share of all journeys that reach the stage;
    ``negative emotion`` = share of the stage's emotion evidence that is negative (from
    :func:`emotion_curve`): its detractors among its NPS answers plus, where texts are mapped to
    it, its negative theme mentions among its mentions, pooled. A stage with no evidence at all
    gets the pooled share over every stage (the neutral assumption: no sign it is better or worse
    than the journey as a whole) and ``emotion_source`` says so. ``score`` is the product (0–1).

    Returns ``rank, stage, score, dropoff, negative, volume, reached, answers, mentions,
    emotion_source, evidence``, most painful first.
    """
    table = stage_funnel.merge(emotion, on="stage", how="left")
    answers = table["n"].fillna(0).astype("int64")
    mentions = (table["mentions"] if "mentions" in table else pd.Series(0, index=table.index)).fillna(0).astype("int64")
    bad = table["detractors"].fillna(0) + (table["negative_mentions"].fillna(0) if "negative_mentions" in table else 0)
    evidence = answers + mentions
    overall = bad.sum() / max(int(evidence.sum()), 1)
    own = evidence > 0
    negative = np.where(own, bad / evidence.where(own, 1), overall)
    dropoff = (100 - table["conversion"]).fillna(0) / 100
    volume = table["reached"] / max(int(table["reached"].max()), 1)
    result = pd.DataFrame({
        "stage": table["stage"], "score": dropoff * negative * volume, "dropoff": 100 * dropoff,
        "negative": 100 * negative, "volume": 100 * volume, "reached": table["reached"], "answers": answers,
        "mentions": mentions,
        "emotion_source": np.where(own, "this stage", "all stages (no evidence at this stage)")})
    result["evidence"] = [_evidence(*row) for row in zip(result["stage"], result["dropoff"], result["reached"],
                                                          result["negative"], result["answers"], result["mentions"])]
    result = result.sort_values("score", ascending=False, kind="stable", ignore_index=True)
    result.insert(0, "rank", range(1, len(result) + 1))
    return result


def design_table(design) -> pd.DataFrame:
    """The designed journey (``config.journey``) as a table: ``position, stage, name,
    touchpoints, channels, events`` (the events the event → stage map assigns to it)."""
    events = {}
    for event, stage in design.event_stage_map.items():
        events.setdefault(stage, []).append(event)
    return pd.DataFrame([{"position": i + 1, "stage": s.id, "name": s.name, "touchpoints": "; ".join(s.touchpoints),
                          "channels": "; ".join(s.channels), "events": "; ".join(events.get(s.id, []))}
                         for i, s in enumerate(design.stages)])


def stage_columns(design) -> dict[str, int]:
    """Event → position of its stage, in the designed order of the map (for a process map)."""
    position = {s.id: i for i, s in enumerate(design.stages)}
    return {event: position[stage] for event, stage in design.event_stage_map.items()}


def map_table(design, emotion: pd.DataFrame, pain: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """One row per designed stage for :func:`cxnb.charts.journey_map`: ``name, touchpoints,
    channels, value, ci_low, ci_high, n, pain, opportunity``; the ``top`` most painful stages
    get an opportunity sentence built from their numbers."""
    table = design_table(design).merge(emotion, on="stage", how="left").merge(
        pain[["stage", "rank", "score", "dropoff"]], on="stage", how="left")
    table["opportunity"] = [
        f"#{int(r)}: keep the {d:.0f}% who leave" if r <= top and d > 0 else ""
        for r, d in zip(table["rank"], table["dropoff"].fillna(0))]
    return table.rename(columns={"score": "pain"})[
        ["name", "touchpoints", "channels", "value", "ci_low", "ci_high", "n", "pain", "opportunity"]]
