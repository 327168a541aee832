"""KPI functions: every CX figure with its base, its interval and a flag.

Each function takes a canonical table first — a pandas DataFrame, a Polars frame or a DuckDB
relation: the aggregation is written once with narwhals and runs in that engine; only the
small per-group result is brought back, as pandas. ``by`` names grouping columns and
``period`` one of ``day, week, month, quarter, year`` (calendar periods in UTC; weeks start on
Monday). The result has the columns ``<by...>, [period], n, value, ci_low, ci_high, flag``
followed by the counts behind the figure. ``flag`` is ``"insufficient_base"`` where ``n`` is
below ``min_base``; those rows keep their value for the analyst, but reports show the flag,
and a period with no data for a group appears with ``n = 0``, no value and the flag.

>>> import pandas as pd
>>> responses = pd.DataFrame({"nps": pd.array([10, 9, 8, 7, 6, 0], dtype="Int64"),
...                           "channel": ["chat", "chat", "chat", "web", "web", "web"]})
>>> nps(responses, by="channel", min_base=1)[["channel", "n", "promoters", "detractors", "value"]]
  channel  n  promoters  detractors       value
0    chat  3          2           0   66.666667
1     web  3          0           2  -66.666667
"""

from __future__ import annotations

from datetime import datetime

import narwhals as nw
import numpy as np
import pandas as pd

from cxnb import stats
from cxnb.config import Scale, Scales
from cxnb.errors import CxnbError
from cxnb.frames import collect, names, native, require, scalar

__all__ = [
    "PERIODS",
    "FLAG",
    "SURVEY_KPIS",
    "survey_kpis",
    "nps",
    "csat",
    "ces",
    "ces_low_effort",
    "churn",
    "retention",
    "response_time",
    "within_sla",
    "first_contact_resolution",
    "reopen_rate",
]

PERIODS = ("day", "week", "month", "quarter", "year")
FLAG = "insufficient_base"
_EPOCH = datetime(1970, 1, 1)
_KEY = "_period"


# ---------------------------------------------------------------------------------------------
# Engine-independent grouping


def _check_period(period: str | None) -> None:
    if period is not None and period not in PERIODS:
        raise CxnbError(f"period must be one of {', '.join(PERIODS)}; got {period!r}")


def _period_key(column: str, period: str) -> nw.Expr:
    """An integer per calendar period (the same in every engine); see :func:`_period_start`.

    Calendar fields are read from wall-clock time without the zone (UTC in canonical tables):
    engines extract them from naive timestamps several times faster. For large DuckDB
    relations, store timestamps as naive UTC (``TIMESTAMP``): DuckDB converts each
    ``TIMESTAMPTZ`` value through ICU before taking its month (on 10 million rows, 0.63 s of
    work against 0.28 s; see ``benchmarks/kpis_10m.py``).
    """
    ts = nw.col(column).dt.replace_time_zone(None)
    if period == "day":
        return (ts - nw.lit(_EPOCH)).dt.total_seconds() // 86_400
    if period == "week":  # 1970-01-01 was a Thursday: shift by 3 days so weeks start on Monday
        return ((ts - nw.lit(_EPOCH)).dt.total_seconds() // 86_400 + 3) // 7
    if period == "month":
        return ts.dt.year() * 12 + ts.dt.month() - 1
    if period == "quarter":
        return ts.dt.year() * 4 + (ts.dt.month() - 1) // 3
    return ts.dt.year()


def _period_start(keys: pd.Series, period: str) -> pd.Series:
    keys = keys.astype("int64")
    if period == "day":
        return pd.to_datetime(keys, unit="D")
    if period == "week":
        return pd.to_datetime(keys * 7 - 3, unit="D")
    if period == "month":
        return pd.to_datetime({"year": keys // 12, "month": keys % 12 + 1, "day": 1})
    if period == "quarter":
        return pd.to_datetime({"year": keys // 4, "month": (keys % 4) * 3 + 1, "day": 1})
    return pd.to_datetime({"year": keys, "month": 1, "day": 1})


def _aggregate(frame, by: list[str], period: str | None, time: str | None, sums: dict[str, nw.Expr],
               floats: dict[str, nw.Expr] | None = None) -> pd.DataFrame:
    """Group ``frame`` by ``by`` (+ period of ``time``) and add up ``sums`` (indicators, as integers)
    and ``floats`` (values, e.g. for means). Missing values add nothing.

    Only sums are asked of the engine — one pass, and pandas' fast group-by path — so means and
    standard deviations are derived afterwards from counts, sums and sums of squares.
    """
    _check_period(period)
    floats = floats or {}
    keys = list(by)
    columns = {name: expr.cast(nw.Int64) for name, expr in sums.items()}
    columns |= {name: expr.cast(nw.Float64) for name, expr in floats.items()}
    if period is not None:
        columns[_KEY] = _period_key(time, period)
        keys.append(_KEY)
    prepared = frame.with_columns(**columns)
    aggs = {name: nw.col(name).sum() for name in columns if name != _KEY}
    grouped = prepared.group_by(*keys).agg(**aggs) if keys else prepared.select(**aggs)
    grouped = grouped.with_columns(nw.col(*sums).cast(nw.Int64))  # DuckDB sums are HUGEINT
    result = collect(grouped)
    for name in sums:
        result[name] = result[name].fillna(0).astype("int64")
    for name in floats:
        result[name] = result[name].fillna(0.0).astype("float64")
    if period is not None:
        result = _complete(result, by, [*sums, *floats])
        result.insert(len(by), "period", _period_start(result.pop(_KEY), period))
    return result.sort_values([*by, "period"] if period else by, ignore_index=True) if keys else result


def _complete(result: pd.DataFrame, by: list[str], sums) -> pd.DataFrame:
    """Every group in every period between the first and last: empty ones get zero counts."""
    if result.empty:
        return result
    periods = pd.Index(range(int(result[_KEY].min()), int(result[_KEY].max()) + 1), name=_KEY)
    groups = result[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    grid = groups.merge(periods.to_frame(index=False), how="cross")
    full = grid.merge(result, on=[*by, _KEY], how="left")
    for name in sums:
        full[name] = full[name].fillna(0).astype(result[name].dtype)
    return full


def _finish(result: pd.DataFrame, n: str, value, low, high, min_base: int, extras: list[str]) -> pd.DataFrame:
    """Order the columns, set the flag, keep empty groups value-less."""
    result = result.rename(columns={n: "n"})
    result["value"], result["ci_low"], result["ci_high"] = value, low, high
    empty = result["n"] == 0
    result.loc[empty, ["value", "ci_low", "ci_high"]] = np.nan
    result["flag"] = np.where(result["n"] < min_base, FLAG, "")
    leading = [c for c in result.columns if c not in {"n", "value", "ci_low", "ci_high", "flag", *extras}]
    return result[[*leading, "n", "value", "ci_low", "ci_high", "flag", *extras]]


def _proportion(result: pd.DataFrame, successes: str, n: str, min_base: int, confidence: float,
                extras: list[str]) -> pd.DataFrame:
    """Percent of ``successes`` in ``n`` with Wilson intervals."""
    rows = [stats.wilson_interval(x, m, confidence) for x, m in zip(result[successes], result[n])]
    value, low, high = (100 * np.array([getattr(r, f) for r in rows], dtype=float)
                        for f in ("proportion", "ci_low", "ci_high"))
    return _finish(result, n, value, low, high, min_base, extras)


# ---------------------------------------------------------------------------------------------
# Survey KPIs: one pass over the responses computes any of them

SURVEY_KPIS = ("nps", "csat", "ces", "ces_low_effort")


def _answered(score: str) -> nw.Expr:
    return ~nw.col(score).is_null()


def _survey_sums(kpi: str, score: str, scales: Scales) -> tuple[dict, dict]:
    """Indicator and value columns one survey KPI needs, named ``<kpi>:<part>``."""
    col = nw.col(score)
    if kpi == "nps":
        parts = {"n": _answered(score), "promoters": col >= 9, "detractors": col <= 6}, {}
    elif kpi == "csat":
        parts = {"n": _answered(score), "satisfied": col >= scales.csat.max - 1}, {}
    elif kpi == "ces":
        parts = {"n": _answered(score)}, {"sum": col, "squares": col * col}
    else:
        easy = col >= scales.ces.max - 1 if scales.ces_higher_is_easier else col <= scales.ces.min + 1
        parts = {"n": _answered(score), "low_effort": easy}, {}
    return tuple({f"{kpi}:{name}": expr for name, expr in part.items()} for part in parts)


def _survey_result(kpi: str, counts: pd.DataFrame, keys: list[str], min_base: int, confidence: float,
                   method: str) -> pd.DataFrame:
    """One KPI's tidy frame from the shared counts."""
    prefix = f"{kpi}:"
    own = [c for c in counts.columns if c.startswith(prefix)]
    result = counts[[*keys, *own]].rename(columns={c: c.removeprefix(prefix) for c in own})
    if kpi == "nps":
        result["passives"] = result["n"] - result["promoters"] - result["detractors"]
        rows = [stats.nps_summary(d, p, pr, method=method, confidence=confidence)
                for d, p, pr in zip(result["detractors"], result["passives"], result["promoters"])]
        value, low, high = (100 * np.array([getattr(r, f) for r in rows], dtype=float)
                            for f in ("nps", "ci_low", "ci_high"))
        return _finish(result, "n", value, low, high, min_base, ["promoters", "passives", "detractors"])
    if kpi == "ces":
        n, total, squares = result.pop("n"), result.pop("sum"), result.pop("squares")
        mean = total / n.where(n > 0)
        sd = np.sqrt(((squares - n * mean**2) / (n - 1).where(n > 1)).clip(lower=0))
        rows = [stats.t_interval_from_moments(m, mu, s, confidence) for m, mu, s in zip(n, mean.fillna(0), sd)]
        result["n"], result["sd"] = n, sd
        return _finish(result, "n", mean.to_numpy(float), np.array([r.ci_low for r in rows], float),
                       np.array([r.ci_high for r in rows], float), min_base, ["sd"])
    hits = "satisfied" if kpi == "csat" else "low_effort"
    return _proportion(result, hits, "n", min_base, confidence, [hits])


def survey_kpis(responses, *, kpis=SURVEY_KPIS, scales: Scales | None = None, by=None, period: str | None = None,
                time: str = "submitted_at", min_base: int = 30, confidence: float = 0.95,
                method: str = "adjusted_wald", columns: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Several survey KPIs in one pass over ``responses``: KPI name → the frame its own function returns.

    ``kpis`` among ``nps, csat, ces, ces_low_effort``; ``columns`` maps a KPI to its score
    column when it is not the canonical one (``ces_low_effort`` reads ``ces``).
    """
    unknown = sorted(set(kpis) - set(SURVEY_KPIS))
    if unknown:
        raise CxnbError(f"unknown survey KPI(s) {', '.join(unknown)}; expected some of {', '.join(SURVEY_KPIS)}")
    scales = scales or Scales()
    frame, by = native(responses), names(by)
    scores = {kpi: (columns or {}).get(kpi, "ces" if kpi == "ces_low_effort" else kpi) for kpi in kpis}
    require(frame, [*dict.fromkeys(scores.values()), *by, *([time] if period else [])], "/".join(kpis))
    sums, floats = {}, {}
    for kpi, score in scores.items():
        more_sums, more_floats = _survey_sums(kpi, score, scales)
        sums |= more_sums
        floats |= more_floats
    counts = _aggregate(frame, by, period, time, sums, floats)
    keys = [*by, *(["period"] if period else [])]
    return {kpi: _survey_result(kpi, counts, keys, min_base, confidence, method) for kpi in kpis}


def nps(responses, *, score: str = "nps", by=None, period: str | None = None, time: str = "submitted_at",
        min_base: int = 30, confidence: float = 0.95, method: str = "adjusted_wald") -> pd.DataFrame:
    """Net Promoter Score in points (-100..100) with its interval (Rocks 2016, see :mod:`cxnb.stats`).

    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, promoters, passives,
    detractors``; ``n`` counts answered (non-missing) scores.
    """
    return survey_kpis(responses, kpis=("nps",), by=by, period=period, time=time, min_base=min_base,
                       confidence=confidence, method=method, columns={"nps": score})["nps"]


def csat(responses, *, scale: Scale, score: str = "csat", by=None, period=None, time: str = "submitted_at",
         min_base: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """CSAT as top-2-box percent: answers in the two highest points of ``scale`` (Wilson interval).

    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, satisfied``.
    """
    return survey_kpis(responses, kpis=("csat",), scales=Scales(csat=scale), by=by, period=period, time=time,
                       min_base=min_base, confidence=confidence, columns={"csat": score})["csat"]


def ces(responses, *, score: str = "ces", by=None, period=None, time: str = "submitted_at", min_base: int = 30,
        confidence: float = 0.95) -> pd.DataFrame:
    """Mean Customer Effort Score on its own scale, with a t interval.

    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, sd``.
    """
    return survey_kpis(responses, kpis=("ces",), by=by, period=period, time=time, min_base=min_base,
                       confidence=confidence, columns={"ces": score})["ces"]


def ces_low_effort(responses, *, scale: Scale, higher_is_easier: bool = True, score: str = "ces", by=None,
                   period=None, time: str = "submitted_at", min_base: int = 30, confidence: float = 0.95):
    """Percent of answers in the two easiest points of the CES scale (Wilson interval).

    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, low_effort``.
    """
    scales = Scales(ces=scale, ces_higher_is_easier=higher_is_easier)
    return survey_kpis(responses, kpis=("ces_low_effort",), scales=scales, by=by, period=period, time=time,
                       min_base=min_base, confidence=confidence,
                       columns={"ces_low_effort": score})["ces_low_effort"]


# ---------------------------------------------------------------------------------------------
# Customer KPIs


def churn(transactions, *, customers=None, after_days: int = 90, as_of=None, by=None, period=None,
          min_base: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """Percent of customers churned: no purchase in the ``after_days`` before ``as_of``.

    ``as_of`` defaults to the last transaction in the data. Only customers whose first
    purchase is at least ``after_days`` before ``as_of`` count (newer ones could not have
    churned yet). ``period`` groups customers into cohorts by their first purchase; ``by``
    columns may come from ``customers`` (same engine as ``transactions``), joined on
    ``customer_id``. Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, churned``.
    """
    frame = native(transactions)
    require(frame, ["customer_id", "timestamp"], "churn")
    by = names(by)
    if as_of is None:
        as_of = scalar(frame.select(nw.col("timestamp").max()))
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=after_days)
    spans = frame.group_by("customer_id").agg(first=nw.col("timestamp").min(), last=nw.col("timestamp").max())
    if customers is not None:
        people = native(customers)
        require(people, ["customer_id", *by], "churn (customers)")
        spans = spans.join(people.select("customer_id", *by), on="customer_id", how="left")
    require(spans, by, "churn")
    eligible = spans.filter(nw.col("first") <= nw.lit(cutoff.to_pydatetime()))
    result = _aggregate(eligible, by, period, "first",
                        {"n": nw.lit(1), "churned": nw.col("last") < nw.lit(cutoff.to_pydatetime())})
    return _proportion(result, "churned", "n", min_base, confidence, ["churned"])


def retention(transactions, **kwargs) -> pd.DataFrame:
    """Percent of customers retained (100 − :func:`churn`), same arguments and columns
    except ``retained`` in place of ``churned``."""
    result = churn(transactions, **kwargs)
    result["value"], result["ci_low"], result["ci_high"] = (
        100 - result["value"], 100 - result["ci_high"], 100 - result["ci_low"])
    return result.assign(churned=result["n"] - result["churned"]).rename(columns={"churned": "retained"})


# ---------------------------------------------------------------------------------------------
# Service KPIs (tickets)

_ENDS = {"first_response": "first_response_at", "resolution": "resolved_at"}


def _end(kind: str) -> str:
    if kind not in _ENDS:
        raise CxnbError(f"kind must be one of {', '.join(_ENDS)}; got {kind!r}")
    return _ENDS[kind]


def _hours(end: str) -> nw.Expr:
    return (nw.col(end) - nw.col("created_at")).dt.total_seconds() / 3600


def response_time(tickets, *, kind: str = "first_response", statistic: str = "median", by=None, period=None,
                  min_base: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """Median or 90th percentile of hours from ``created_at`` to the first response or resolution,
    with a distribution-free interval (order statistics). Tickets without that time are left out.

    Per-ticket hours are brought back from the engine (one number per ticket).
    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag``.
    """
    quantiles = {"median": 0.5, "p90": 0.9}
    if statistic not in quantiles:
        raise CxnbError(f"statistic must be one of {', '.join(quantiles)}; got {statistic!r}")
    _check_period(period)
    frame = native(tickets)
    end, by = _end(kind), names(by)
    require(frame, ["created_at", end, *by], f"{kind} time")
    keys = [*by, *([_KEY] if period else [])]
    columns = {"_hours": _hours(end)} | ({_KEY: _period_key("created_at", period)} if period else {})
    durations = frame.filter(~nw.col(end).is_null()).with_columns(**columns).select(*keys, "_hours")
    durations = collect(durations)
    q = quantiles[statistic]
    groups = durations.groupby(keys, sort=True, dropna=False)["_hours"] if keys else [((), durations["_hours"])]
    rows = []
    for key, hours in groups:
        interval = stats.quantile_interval(hours.to_numpy(float), q, confidence)
        rows.append((*(key if isinstance(key, tuple) else (key,)), interval.n, interval.estimate,
                     interval.ci_low, interval.ci_high))
    result = pd.DataFrame(rows, columns=[*keys, "n", "_value", "_low", "_high"])
    if period is not None:
        result = _complete(result, by, ["n"])
        result.insert(len(by), "period", _period_start(result.pop(_KEY), period))
    return _finish(result, "n", result.pop("_value"), result.pop("_low"), result.pop("_high"), min_base, [])


def within_sla(tickets, *, kind: str = "first_response", hours: float, by=None, period=None, as_of=None,
               min_base: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """Percent of tickets answered (or resolved) within ``hours`` (Wilson interval).

    Tickets still waiting count as misses once they are older than ``hours`` at ``as_of``
    (default: the last ``created_at``); younger waiting tickets are left out.
    Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, met``.
    """
    frame = native(tickets)
    end, by = _end(kind), names(by)
    require(frame, ["created_at", end, *by], f"{kind} SLA")
    if as_of is None:
        as_of = scalar(frame.select(nw.col("created_at").max()))
    overdue = nw.col("created_at") < nw.lit((pd.Timestamp(as_of) - pd.Timedelta(hours=hours)).to_pydatetime())
    eligible = frame.filter(~nw.col(end).is_null() | overdue)
    met = (~nw.col(end).is_null()) & (_hours(end) <= hours)
    result = _aggregate(eligible, by, period, "created_at", {"n": nw.lit(1), "met": met.fill_null(False)})
    return _proportion(result, "met", "n", min_base, confidence, ["met"])


def _resolved_share(tickets, name: str, reopened: bool, by, period, min_base, confidence) -> pd.DataFrame:
    frame = native(tickets)
    by = names(by)
    require(frame, ["created_at", "resolved_at", "reopened", *by], name)
    resolved = frame.filter(~nw.col("resolved_at").is_null() & ~nw.col("reopened").is_null())
    hit = nw.col("reopened") if reopened else ~nw.col("reopened")
    result = _aggregate(resolved, by, period, "created_at", {"n": nw.lit(1), "tickets": hit})
    return _proportion(result, "tickets", "n", min_base, confidence, ["tickets"])


def first_contact_resolution(tickets, *, by=None, period=None, min_base: int = 30, confidence: float = 0.95):
    """Percent of resolved tickets never reopened — the first-contact-resolution proxy the
    ticket table supports. Returns ``<by...>, [period], n, value, ci_low, ci_high, flag, tickets``."""
    return _resolved_share(tickets, "first_contact_resolution", False, by, period, min_base, confidence)


def reopen_rate(tickets, *, by=None, period=None, min_base: int = 30, confidence: float = 0.95):
    """Percent of resolved tickets reopened. Same columns as :func:`first_contact_resolution`."""
    return _resolved_share(tickets, "reopen_rate", True, by, period, min_base, confidence)
