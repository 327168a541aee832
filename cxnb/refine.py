"""Step 7, refine the process: did our changes work, how did this cycle go, how mature is CX, what next.

Four analyses, each DataFrame-first and returning a tidy frame:

* **Impact of a change** (:func:`impact`, :func:`event_study`, :func:`pre_trend`): a change
  named in the client config (``changes:`` — a date, the treated group of a column such as
  ``region``, an optional control group, the KPIs) is judged by the treated group's before/after
  comparison and by the difference in differences (DiD) against the control group:
  (treated after − treated before) − (control after − control before). The DiD holds only if
  both groups would have moved alike without the change; :func:`event_study` shows the monthly
  treated − control gap and :func:`pre_trend` tests the slope of that gap before the change.
  KPIs: NPS, CSAT top-2-box and the low-effort share, each a mean of per-answer points
  (NPS: +100 promoter, −100 detractor; shares: 100 or 0). A customer answers several times,
  before and after the change, so the answers are not independent draws: the intervals of the
  DiD and of each group's before/after change use a variance clustered on ``customer_id``
  (see :func:`impact`).
* **Cycle over cycle** (:func:`read_cycle`, :func:`kpi_changes`, :func:`pain_point_changes`,
  :func:`insight_changes`): the previous cycle's report folder (config ``previous_report``) is
  read back — its KPI table (step 4), pain points (step 3) and insights (step 6) — and compared
  with this cycle's: KPI deltas with z-tests (Holm-adjusted over the KPIs), pain points that are
  new or resolved, insights that appeared, vanished or changed.
* **CX maturity** (:func:`load_maturity_model`, :func:`load_questionnaire`,
  :func:`maturity_scores`, :func:`weakest_practices`): ``templates/maturity.yaml`` rates
  practices of five pillars (technology, strategy, people, customer service, operations) on
  five levels; a filled questionnaire gives each pillar's level with its interval and the gap
  to the client's target.
* **Action backlog** (:func:`action_backlog`): candidates from step 6's insights, step 3's pain
  points and step 4's missed KPI targets, ranked by impact × confidence ÷ effort, with effort
  and owners from the config (``backlog:``) and the expected KPI effect and its evidence.

>>> import pandas as pd
>>> now = pd.DataFrame({"kpi": ["nps"], "name": ["NPS"], "unit": ["points"], "direction": ["higher"],
...                     "n": [1000], "value": [20.0], "ci_low": [15.0], "ci_high": [25.0]})
>>> before = now.assign(value=10.0, ci_low=5.0, ci_high=15.0)
>>> kpi_changes(now, before)[["kpi", "delta", "significant", "verdict"]]
   kpi  delta  significant verdict
0  nps   10.0         True  better
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import special

from cxnb import metrics, stats
from cxnb.config import PILLARS, Backlog, Change, Scales
from cxnb.errors import ConfigError, CxnbError, SourceError
from cxnb.paths import template

__all__ = [
    "IMPACT_KPIS",
    "impact",
    "placebo",
    "event_study",
    "pre_trend",
    "impacts",
    "placebos",
    "event_studies",
    "impact_findings",
    "Cycle",
    "CYCLE_ARTIFACTS",
    "read_cycle",
    "kpi_changes",
    "pain_point_changes",
    "insight_changes",
    "compare_cycles",
    "cycle_findings",
    "load_maturity_model",
    "load_questionnaire",
    "maturity_scores",
    "weakest_practices",
    "maturity_findings",
    "action_backlog",
    "backlog_findings",
]

IMPACT_KPIS = {"nps": "NPS", "csat": "CSAT top-2-box %", "ces_low_effort": "low-effort share %"}
_HITS = {"csat": "satisfied", "ces_low_effort": "low_effort"}
_ARM, _PHASE, _CLUSTER = "_arm", "_phase", "_cluster"


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise CxnbError(f"confidence must be in (0, 1), e.g. 0.95; got {confidence!r}")
    return float(special.ndtri(0.5 + confidence / 2))


def _p_value(estimate, se):
    """Two-sided normal p-value of estimate / se (arrays); 1 where both are 0, 0 where only se is."""
    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * special.ndtr(-np.abs(estimate / se))
    return np.where(se > 0, p, np.where(estimate == 0, 1.0, 0.0))


# ---------------------------------------------------------------------------------------------
# Impact of a change


def _groups(responses: pd.DataFrame, customers: pd.DataFrame | None, change: Change) -> pd.Series:
    """The group (value of ``change.column``) of each response, from the responses or its customer."""
    column = change.column
    if column in responses.columns:
        return responses[column].astype("string")
    if customers is not None and column in customers.columns and "customer_id" in responses.columns:
        lookup = customers.drop_duplicates("customer_id").set_index("customer_id")[column]
        return responses["customer_id"].map(lookup).astype("string")
    raise CxnbError(f"change {change.name!r}: `column: {column}` is in neither the responses nor the customers "
                    "table; name a column that says who got the change (e.g. region, channel, plan)")


def _marked(responses: pd.DataFrame, customers: pd.DataFrame | None, change: Change, timezone: str) -> pd.DataFrame:
    """Responses of the treated and control groups with their arm, phase (before/after the date)
    and cluster (the customer who answered; an answer without a customer is a cluster of its own)."""
    what = f"change {change.name!r}"
    if "submitted_at" not in responses.columns:
        raise CxnbError(f"{what}: the responses table has no submitted_at column to split before and after")
    column, groups = change.column, _groups(responses, customers, change)
    known = set(groups.dropna())
    unknown = sorted(v for v in [*change.treated, *change.control] if v not in known)
    if unknown:
        raise CxnbError(f"{what}: {', '.join(unknown)} never occur(s) in {column}; "
                        f"its values are {', '.join(sorted(known))}")
    treated = groups.isin(change.treated)
    control = groups.isin(change.control) if change.control else groups.notna() & ~treated
    start = pd.Timestamp(change.date).tz_localize(timezone).tz_convert("UTC")
    in_study = (treated | control).fillna(False).to_numpy()
    marked = responses.loc[in_study].copy()
    marked[_ARM] = np.where(treated.fillna(False).to_numpy()[in_study], "treated", "control")
    marked[_PHASE] = np.where(marked["submitted_at"] >= start, "after", "before")
    codes = (pd.factorize(marked["customer_id"])[0] if "customer_id" in marked.columns
             else np.full(len(marked), -1))
    marked[_CLUSTER] = np.where(codes >= 0, codes, codes.max(initial=-1) + 1 + np.arange(len(marked)))
    return marked


def _with_se(frame: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """A metrics frame with the standard error of ``value`` (points) in ``se``."""
    frame = frame.copy()
    if kpi == "nps":
        frame["se"] = [100 * stats.nps_summary(d, p, pr).se for d, p, pr in
                       zip(frame["detractors"], frame["passives"], frame["promoters"])]
    else:
        share = frame["value"] / 100
        frame["se"] = 100 * np.sqrt(share * (1 - share) / frame["n"].where(frame["n"] > 0))
    return frame


def _cell(cells: pd.DataFrame, arm: str, phase: str) -> pd.Series:
    """One (arm, phase) row of a metrics frame; ``n = 0`` when the data have none."""
    rows = cells[(cells[_ARM] == arm) & (cells[_PHASE] == phase)]
    return rows.iloc[0] if len(rows) else pd.Series({"n": 0})


def _points(frame: pd.DataFrame, kpi: str) -> pd.Series:
    """The sum of the per-answer points behind a metrics frame's ``value`` (value = sum / n)."""
    if kpi == "nps":
        return 100 * (frame["promoters"] - frame["detractors"])
    return 100 * frame[_HITS[kpi]]


def _clustered_se(cells: pd.DataFrame, parts: pd.DataFrame, kpi: str, weights: dict) -> float:
    """Cluster-robust standard error of a contrast Σ w_c · value_c of cell means.

    ``cells`` holds one row per cell (``_ARM``, ``_PHASE``, ``n``, ``value``), ``parts`` the same
    KPI per cell and cluster (``_CLUSTER``), ``weights`` maps (arm, phase) to w_c. Each answer i
    of cell c adds w_c (y_i − value_c) / n_c to the contrast; summed per cluster g into Ψ_g,
    Var = G / (G − 1) · Σ_g Ψ_g² over the G clusters (Liang & Zeger 1986; the CR1 factor). With
    every answer its own cluster this is the sum of the cells' Wald variances times G / (G − 1).
    """
    value = cells.set_index([_ARM, _PHASE])
    cell = pd.MultiIndex.from_frame(parts[[_ARM, _PHASE]])
    w = cell.map(lambda c: weights.get(c, 0.0)).to_numpy(float)
    mean, n = value["value"].reindex(cell).to_numpy(float), value["n"].reindex(cell).to_numpy(float)
    answers, total = parts["n"].to_numpy(float), _points(parts, kpi).to_numpy(float)
    mine = (w != 0) & (answers > 0)
    psi = w[mine] * (total[mine] - answers[mine] * mean[mine]) / n[mine]
    per_cluster = pd.Series(psi).groupby(parts[_CLUSTER].to_numpy()[mine]).sum().to_numpy()
    g = len(per_cluster)
    return math.sqrt(g / (g - 1) * float(np.sum(per_cluster**2))) if g > 1 else math.nan


def impact(responses: pd.DataFrame, change: Change, *, customers: pd.DataFrame | None = None,
           scales: Scales | None = None, timezone: str = "UTC", by=None, min_base: int = 30,
           confidence: float = 0.95) -> pd.DataFrame:
    """Before/after and difference in differences of each KPI of ``change``.

    Parameters
    ----------
    responses : pandas.DataFrame
        Canonical survey responses (``submitted_at`` and the KPIs' score columns).
    change : cxnb.config.Change
        The change: ``date`` (midnight in ``timezone``), ``column`` (of responses, else of
        ``customers`` joined on ``customer_id``), ``treated`` and ``control`` values (control
        empty: every other value), ``kpis`` among ``nps, csat, ces_low_effort``.
    customers : pandas.DataFrame, optional
        Canonical customers, when ``change.column`` lives there.
    scales : cxnb.config.Scales, optional
        The client's scales (CSAT top-2-box and low effort depend on them).
    by : str or list of str, optional
        Break the comparison down, e.g. ``"stage"``.
    min_base, confidence
        Cells with fewer answers are flagged; interval level.

    Returns
    -------
    pandas.DataFrame
        One row per KPI (and ``by`` group): ``change, kpi, <by...>, n, treated_before,
        treated_after, control_before, control_after`` (KPI values in points, with the cells'
        bases ``n_treated_before`` … ``n_control_after``), ``treated_change, treated_low,
        treated_high`` (the treated group's after − before with its interval), ``control_change,
        control_low, control_high``, ``did, ci_low, ci_high, p_value`` (difference in differences)
        and ``flag`` (``insufficient_base`` when a cell has fewer than ``min_base`` answers,
        ``empty cell`` when one has none).

    Notes
    -----
    Each KPI value is a mean of per-answer points, so every change and the DiD is a contrast
    Σ w_c · value_c of the four cells. Its interval is Wald's with a variance clustered on the
    customer (``customer_id``; an answer without one stands alone): each answer i of cell c
    contributes w_c (y_i − value_c) / n_c, the contributions are summed per customer into Ψ_g,
    and Var = G / (G − 1) · Σ_g Ψ_g² over the G customers (Liang & Zeger 1986, with the CR1
    small-sample factor). A customer who answers twice in one cell counts once, not twice,
    and one who answers before and after partly cancels out of the change — treating the
    answers as independent draws gets both wrong. Without ``customer_id`` the variance is the
    cells' Wald variances summed (times G / (G − 1)).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxnb.config import Change
    >>> rows = pd.DataFrame({
    ...     "submitted_at": pd.to_datetime(["2025-01-05", "2025-03-05"] * 4, utc=True),
    ...     "region": ["North"] * 4 + ["South"] * 4,
    ...     "nps": pd.array([6, 10, 6, 9, 8, 8, 6, 6], dtype="Int64")})
    >>> change = Change(name="new courier", date="2025-02-01", treated=["North"])
    >>> impact(rows, change, min_base=1)[["kpi", "treated_before", "treated_after", "control_change", "did"]]
       kpi  treated_before  treated_after  control_change    did
    0  nps          -100.0          100.0             0.0  200.0
    """
    z = _z(confidence)
    by = [by] if isinstance(by, str) else list(by or [])
    marked = _marked(responses, customers, change, timezone)
    cell_keys, scales = [*by, _ARM, _PHASE], scales or Scales()
    counts = metrics.survey_kpis(marked, kpis=change.kpis, scales=scales, by=cell_keys, min_base=1)
    per_cluster = metrics.survey_kpis(marked, kpis=change.kpis, scales=scales, by=[*cell_keys, _CLUSTER], min_base=1)
    treated = {("treated", "after"): 1, ("treated", "before"): -1}
    control = {("control", "after"): 1, ("control", "before"): -1}
    contrasts = {("treated_change", "treated_low", "treated_high"): treated,
                 ("control_change", "control_low", "control_high"): control,
                 ("did", "ci_low", "ci_high"): treated | {c: -w for c, w in control.items()}}
    rows = []
    for kpi in change.kpis:
        parts = per_cluster[kpi].groupby(by, sort=False) if by else None
        for key, group in (counts[kpi].groupby(by, sort=False) if by else [((), counts[kpi])]):
            key = key if isinstance(key, tuple) else (key,)
            mine = parts.get_group(key) if by else per_cluster[kpi]
            cell = {(a, p): _cell(group, a, p) for a in ("treated", "control") for p in ("before", "after")}
            empty = any(c["n"] == 0 for c in cell.values())
            row = {"change": change.name, "kpi": kpi, **dict(zip(by, key)),
                   "n": int(sum(c["n"] for c in cell.values()))}
            for (arm, phase), c in cell.items():
                row[f"{arm}_{phase}"] = c.get("value", math.nan) if c["n"] else math.nan
                row[f"n_{arm}_{phase}"] = int(c["n"])
            for (name, low, high), weights in contrasts.items():
                estimate = sum(w * row[f"{arm}_{phase}"] for (arm, phase), w in weights.items())
                se = math.nan if any(cell[c]["n"] == 0 for c in weights) else _clustered_se(group, mine, kpi, weights)
                row |= {name: estimate, low: estimate - z * se, high: estimate + z * se}
            row["p_value"] = math.nan if empty else float(_p_value(row["did"], (row["ci_high"] - row["did"]) / z))
            row["flag"] = "empty cell" if empty else (metrics.FLAG if any(c["n"] < min_base for c in cell.values())
                                                      else "")
            rows.append(row)
    return pd.DataFrame(rows)


def placebo(responses: pd.DataFrame, change: Change, *, customers: pd.DataFrame | None = None,
            scales: Scales | None = None, timezone: str = "UTC", min_base: int = 30,
            confidence: float = 0.95) -> pd.DataFrame:
    """The same difference in differences for every group that did *not* get the change.

    Each other value of ``change.column`` in turn plays the treated group, against the remaining
    groups (the really treated ones left out). Effects of chance and of groups drifting apart
    show up here: a real effect should stand out from these placebo effects.

    Returns
    -------
    pandas.DataFrame
        ``change, kpi, group, n, did, ci_low, ci_high, p_value, p_holm`` (Holm-adjusted over the
        placebo groups of each KPI), plus the real change's ``did`` in ``real_did`` and
        ``exceeds_real`` (the placebo's |did| is at least the real one's).
    """
    groups = _groups(responses, customers, change)
    frame = responses.assign(_group=groups)
    real = impact(responses, change, customers=customers, scales=scales, timezone=timezone, min_base=min_base,
                  confidence=confidence).set_index("kpi")["did"]
    pool = change.control or sorted(set(groups.dropna()) - set(change.treated))
    rows = []
    for group in pool:
        fake = change.model_copy(update={"name": f"placebo: {group}", "column": "_group", "treated": [group],
                                         "control": [g for g in pool if g != group]})
        result = impact(frame, fake, scales=scales, timezone=timezone, min_base=min_base, confidence=confidence)
        rows.append(result.assign(group=group))
    table = pd.concat(rows, ignore_index=True)
    table["p_holm"] = table.groupby("kpi")["p_value"].transform(lambda p: stats.holm(p.to_numpy()))
    table["change"], table["real_did"] = change.name, table["kpi"].map(real)
    table["exceeds_real"] = table["did"].abs() >= table["real_did"].abs()
    return table[["change", "kpi", "group", "n", "did", "ci_low", "ci_high", "p_value", "p_holm", "real_did",
                  "exceeds_real"]]


def event_study(responses: pd.DataFrame, change: Change, *, kpi: str | None = None,
                customers: pd.DataFrame | None = None, scales: Scales | None = None, timezone: str = "UTC",
                period: str = "month", min_base: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """The treated − control gap of one KPI per period, before and after the change.

    Parallel trends, the assumption behind a difference in differences, shows as a flat gap
    before the change; the change's effect as a step in the gap after it. A period that the
    change date splits appears twice, once per phase.

    Returns
    -------
    pandas.DataFrame
        ``change, kpi, period, phase, n_treated, n_control, treated, control, gap, ci_low,
        ci_high, se, flag`` (gap = treated − control in points, Wald interval; ``flag`` marks a
        side with fewer than ``min_base`` answers). Periods with no answers on a side are left out.
        Within one period the answers are taken as independent (a customer seldom answers twice
        in a month); :func:`impact` clusters them by customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxnb.config import Change
    >>> rows = pd.DataFrame({
    ...     "submitted_at": pd.to_datetime(["2025-01-05", "2025-03-05"] * 4, utc=True),
    ...     "region": ["North"] * 4 + ["South"] * 4,
    ...     "nps": pd.array([6, 10, 6, 9, 8, 8, 6, 6], dtype="Int64")})
    >>> change = Change(name="new courier", date="2025-02-01", treated=["North"])
    >>> event_study(rows, change, min_base=1)[["period", "phase", "treated", "control", "gap"]]
          period   phase  treated  control    gap
    0 2025-01-01  before   -100.0    -50.0  -50.0
    1 2025-03-01   after    100.0    -50.0  150.0
    """
    z = _z(confidence)
    kpi = kpi or change.kpis[0]
    if kpi not in IMPACT_KPIS:
        raise CxnbError(f"impact KPI must be one of {', '.join(IMPACT_KPIS)}; got {kpi!r}")
    marked = _marked(responses, customers, change, timezone)
    cells = _with_se(metrics.survey_kpis(marked, kpis=(kpi,), scales=scales or Scales(), by=[_PHASE, _ARM],
                                         period=period, min_base=1)[kpi], kpi)
    cells = cells[cells["n"] > 0]
    wide = cells.pivot_table(index=["period", _PHASE], columns=_ARM, values=["n", "value", "se"],
                             aggfunc="first").dropna()
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    frame = wide.reset_index().rename(columns={_PHASE: "phase"}).sort_values(["period", "phase"], ascending=[True, False])
    gap = frame["value_treated"] - frame["value_control"]
    se = np.sqrt(frame["se_treated"] ** 2 + frame["se_control"] ** 2)
    small = (frame["n_treated"] < min_base) | (frame["n_control"] < min_base)
    return pd.DataFrame({
        "change": change.name, "kpi": kpi, "period": frame["period"], "phase": frame["phase"],
        "n_treated": frame["n_treated"].astype("int64"), "n_control": frame["n_control"].astype("int64"),
        "treated": frame["value_treated"], "control": frame["value_control"], "gap": gap,
        "ci_low": gap - z * se, "ci_high": gap + z * se, "se": se,
        "flag": np.where(small, metrics.FLAG, "")}).reset_index(drop=True)


def pre_trend(study: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Parallel-trends check: the slope of the treated − control gap before the change.

    A weighted least-squares line (weights 1 / se², time in periods since the first) through the
    pre-change gaps of :func:`event_study`. An interval covering 0 means no detectable
    difference in trends before the change — the condition a difference in differences needs.

    Returns
    -------
    pandas.DataFrame
        One row per change and KPI: ``change, kpi, periods, slope, ci_low, ci_high, p_value,
        parallel`` (slope in points per period; ``parallel`` is True when the interval covers 0,
        None with fewer than three pre-change periods).

    Examples
    --------
    >>> import pandas as pd
    >>> study = pd.DataFrame({"change": "c", "kpi": "nps", "phase": "before",
    ...                       "period": pd.date_range("2025-01-01", periods=4, freq="MS"),
    ...                       "gap": [1.0, 3.0, 5.0, 7.0], "se": [0.5] * 4})
    >>> pre_trend(study)[["periods", "slope", "parallel"]]
       periods  slope  parallel
    0        4    2.0     False
    """
    z = _z(confidence)
    rows = []
    for (change, kpi), group in study.groupby(["change", "kpi"], sort=False):
        before = group[(group["phase"] == "before") & (group["se"] > 0)]
        row = {"change": change, "kpi": kpi, "periods": len(before), "slope": math.nan, "ci_low": math.nan,
               "ci_high": math.nan, "p_value": math.nan, "parallel": None}
        if len(before) >= 3:
            months = before["period"].dt.year * 12 + before["period"].dt.month
            x = (months - months.min()).to_numpy(float)
            w = 1 / before["se"].to_numpy(float) ** 2
            xc = x - np.average(x, weights=w)
            slope = float(np.sum(w * xc * before["gap"].to_numpy(float)) / np.sum(w * xc**2))
            se = float(math.sqrt(1 / np.sum(w * xc**2)))
            row |= {"slope": slope, "ci_low": slope - z * se, "ci_high": slope + z * se,
                    "p_value": float(_p_value(slope, se)), "parallel": bool(abs(slope) <= z * se)}
        rows.append(row)
    return pd.DataFrame(rows, columns=["change", "kpi", "periods", "slope", "ci_low", "ci_high", "p_value",
                                       "parallel"])


def _each_change(bundle, analysis, *, per_kpi: bool = False, **kwargs) -> pd.DataFrame:
    """``analysis`` run for every change of the client's config (and each of its KPIs when
    ``per_kpi``), stacked; an empty frame when the config lists no change."""
    c = bundle.config
    if c.changes and "responses" not in bundle.tables:
        raise CxnbError("measuring a change needs survey responses; add them under `sources.responses`")
    runs = [(change, {"kpi": kpi} if per_kpi else {}) for change in c.changes
            for kpi in (change.kpis if per_kpi else [None])]
    frames = [analysis(bundle.tables["responses"], change, customers=bundle.tables.get("customers"),
                       scales=c.scales, timezone=c.timezone, min_base=c.min_base, **extra, **kwargs)
              for change, extra in runs]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def impacts(bundle, *, by=None) -> pd.DataFrame:
    """:func:`impact` of every change listed under ``changes:`` in the client's config."""
    return _each_change(bundle, impact, by=by)


def placebos(bundle) -> pd.DataFrame:
    """:func:`placebo` of every change listed under ``changes:`` in the client's config."""
    return _each_change(bundle, placebo)


def event_studies(bundle, *, period: str = "month") -> pd.DataFrame:
    """:func:`event_study` of every change and each of its KPIs, stacked."""
    return _each_change(bundle, event_study, per_kpi=True, period=period)


def impact_findings(effects: pd.DataFrame, trends: pd.DataFrame | None = None,
                    placebo_table: pd.DataFrame | None = None) -> list[str]:
    """Sentences built from :func:`impact`, :func:`pre_trend` and :func:`placebo` results."""
    if effects.empty:
        return ["No change is listed under `changes:` in the client config, so there is no impact to measure."]
    sentences = []
    for r in effects.itertuples():
        verdict = ("a significant effect" if r.ci_low > 0 or r.ci_high < 0 else "no effect distinguishable from zero")
        sentences.append(f"{r.change}, {IMPACT_KPIS[r.kpi]}: the treated group moved {r.treated_change:+.1f} "
                         f"(from {r.treated_before:.1f} to {r.treated_after:.1f}), the control group "
                         f"{r.control_change:+.1f}; difference in differences {r.did:+.1f} points (95% interval "
                         f"{r.ci_low:+.1f} to {r.ci_high:+.1f}, n = {r.n:,}): {verdict}.")
    for r in ([] if trends is None else trends.itertuples()):
        if r.parallel is None:
            sentences.append(f"{r.change}, {IMPACT_KPIS[r.kpi]}: only {r.periods} periods before the change, too few "
                             "to check parallel trends.")
        else:
            sentences.append(f"{r.change}, {IMPACT_KPIS[r.kpi]}: before the change the gap drifted "
                             f"{r.slope:+.2f} points a month (95% interval {r.ci_low:+.2f} to {r.ci_high:+.2f}) — "
                             + ("parallel trends hold as far as the data can tell." if r.parallel else
                                "the groups were already drifting apart, so the difference in differences is "
                                "biased by that trend."))
    for (change, kpi), group in ([] if placebo_table is None or placebo_table.empty
                                 else placebo_table.groupby(["change", "kpi"], sort=False)):
        significant = int((group["p_holm"] < 0.05).sum())
        larger = int(group["exceeds_real"].sum())
        sentences.append(f"{change}, {IMPACT_KPIS[kpi]}: {significant} of {len(group)} groups without the change "
                         f"show a significant placebo effect (Holm-adjusted); {larger} of them moved as much as the "
                         "treated group.")
    return sentences


# ---------------------------------------------------------------------------------------------
# Cycle over cycle

CYCLE_ARTIFACTS = {"kpi_table": "04_define_kpis", "pain_points": "03_plan_customer_journey",
                   "insights": "06_generate_customer_insights"}


@dataclass(frozen=True)
class Cycle:
    """The artifacts of one cycle's report: ``tables`` maps each of :data:`CYCLE_ARTIFACTS` to a
    frame, or None when that report lacks it."""

    label: str | None
    folder: Path
    tables: dict

    @property
    def missing(self) -> list[str]:
        """Artifacts the report lacks."""
        return [name for name, table in self.tables.items() if table is None]


def read_cycle(folder: str | Path) -> Cycle:
    """Read a report folder written by ``cxnb run`` (``<out>/<client>/``) as a previous cycle.

    Raises :class:`~cxnb.errors.ConfigError` when ``folder`` is not such a report (no
    ``artifacts/`` inside) — the message names the folder and what was expected.
    """
    folder = Path(folder)
    artifacts = folder / "artifacts"
    if not artifacts.is_dir():
        raise ConfigError(f"previous_report {folder}: not a report folder of `cxnb run` (expected an artifacts/ "
                          "folder inside it, as in reports/<client>/); set previous_report: null for a first cycle")
    manifest = folder / "manifest.json"
    label = json.loads(manifest.read_text(encoding="utf-8")).get("cycle") if manifest.is_file() else None
    tables = {name: (pd.read_parquet(artifacts / step / f"{name}.parquet")
                     if (artifacts / step / f"{name}.parquet").is_file() else None)
              for name, step in CYCLE_ARTIFACTS.items()}
    return Cycle(label, folder, tables)


def kpi_changes(current: pd.DataFrame, previous: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """KPI deltas between two cycles' KPI tables (step 4's ``kpi_table``) with their significance.

    Each value's standard error is read back from its interval (half-width / z); the delta's
    interval and z-test assume the two cycles' samples are independent. p-values are
    Holm-adjusted over the KPIs compared, so a handful of KPIs does not make chance changes
    look significant.

    Returns
    -------
    pandas.DataFrame
        ``kpi, name, unit, direction, previous, current, delta, ci_low, ci_high, p_value, p_holm,
        significant, verdict``; ``verdict`` is ``better`` / ``worse`` (significant, judged by the
        KPI's direction), ``no significant change`` or ``not comparable`` (no value in a cycle).
    """
    z = _z(confidence)
    keep = ["kpi", "n", "value", "ci_low", "ci_high"]
    both = current[["name", "unit", "direction", *keep]].merge(previous[keep], on="kpi", how="inner",
                                                               suffixes=("", "_prev"))
    se = np.hypot((both["ci_high"] - both["ci_low"]) / (2 * z), (both["ci_high_prev"] - both["ci_low_prev"]) / (2 * z))
    delta = both["value"] - both["value_prev"]
    comparable = (both["n"] > 0) & (both["n_prev"] > 0) & delta.notna() & se.notna()
    p = pd.Series(np.nan, index=both.index)
    p[comparable] = _p_value(delta[comparable], se[comparable])
    adjusted = pd.Series(np.nan, index=both.index)
    if comparable.any():
        adjusted[comparable] = stats.holm(p[comparable].to_numpy())
    significant = comparable & (adjusted < 1 - confidence)
    better = np.where(both["direction"] == "lower", delta < 0, delta > 0)
    verdict = np.where(~comparable, "not comparable", np.where(
        significant, np.where(better, "better", "worse"), "no significant change"))
    return pd.DataFrame({"kpi": both["kpi"], "name": both["name"], "unit": both["unit"],
                         "direction": both["direction"], "previous": both["value_prev"], "current": both["value"],
                         "delta": delta, "ci_low": delta - z * se, "ci_high": delta + z * se, "p_value": p,
                         "p_holm": adjusted, "significant": significant.astype(bool), "verdict": verdict})


def pain_point_changes(current: pd.DataFrame, previous: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """Which stages are among the ``top`` pain points (step 3's ``pain_points``) now and before.

    Returns
    -------
    pandas.DataFrame
        ``stage, previous_rank, current_rank, previous_score, current_score, status`` for every
        stage in the top of either cycle; ``status`` is ``new``, ``resolved`` (no longer in the
        top) or ``persisting``. Most painful now first.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"rank": [1, 2], "stage": ["checkout", "delivery"], "score": [0.3, 0.1]})
    >>> before = pd.DataFrame({"rank": [1, 2], "stage": ["delivery", "checkout"], "score": [0.4, 0.2]})
    >>> pain_point_changes(now, before, top=1)[["stage", "status"]]
          stage    status
    0  checkout       new
    1  delivery  resolved
    """
    cols = ["stage", "rank", "score"]
    both = current[cols].merge(previous[cols], on="stage", how="outer", suffixes=("_now", "_prev"))
    both = both[(both["rank_now"] <= top) | (both["rank_prev"] <= top)].copy()
    now_top, prev_top = both["rank_now"] <= top, both["rank_prev"] <= top
    both["status"] = np.where(now_top & prev_top, "persisting", np.where(now_top, "new", "resolved"))
    both = both.sort_values(["rank_now", "rank_prev"], na_position="last", ignore_index=True)
    return pd.DataFrame({"stage": both["stage"], "previous_rank": both["rank_prev"].astype("Int64"),
                         "current_rank": both["rank_now"].astype("Int64"), "previous_score": both["score_prev"],
                         "current_score": both["score_now"], "status": both["status"]})


def insight_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """How step 6's insights moved between cycles, matched on ``(kind, subject)``.

    Returns
    -------
    pandas.DataFrame
        ``kind, subject, finding, previous_effect, current_effect, delta, status``; ``status`` is
        ``new``, ``no longer found``, ``changed`` (the two intervals do not overlap) or
        ``unchanged``; ``finding`` is this cycle's sentence (the previous one for vanished insights).
    """
    cols = ["kind", "subject", "finding", "effect", "ci_low", "ci_high"]
    both = current[cols].merge(previous[cols], on=["kind", "subject"], how="outer", suffixes=("", "_prev"),
                               indicator=True)
    apart = (both["ci_low"] > both["ci_high_prev"]) | (both["ci_high"] < both["ci_low_prev"])
    status = np.select([both["_merge"] == "left_only", both["_merge"] == "right_only", apart],
                       ["new", "no longer found", "changed"], "unchanged")
    return pd.DataFrame({"kind": both["kind"], "subject": both["subject"],
                         "finding": both["finding"].fillna(both["finding_prev"]),
                         "previous_effect": both["effect_prev"], "current_effect": both["effect"],
                         "delta": both["effect"] - both["effect_prev"], "status": status})


def compare_cycles(current: dict, previous: Cycle, *, top_pain: int = 3, confidence: float = 0.95) -> dict:
    """Every comparison whose artifact both cycles have: ``{"kpis": ..., "pain_points": ...,
    "insights": ...}`` (see :func:`kpi_changes`, :func:`pain_point_changes`,
    :func:`insight_changes`); a comparison is left out when either side lacks its table.
    ``current`` maps the names of :data:`CYCLE_ARTIFACTS` to this run's tables (or None)."""
    compare = {"kpi_table": ("kpis", lambda a, b: kpi_changes(a, b, confidence=confidence)),
               "pain_points": ("pain_points", lambda a, b: pain_point_changes(a, b, top=top_pain)),
               "insights": ("insights", insight_changes)}
    return {key: function(current[name], previous.tables[name]) for name, (key, function) in compare.items()
            if current.get(name) is not None and previous.tables.get(name) is not None}


def cycle_findings(changes: dict, previous: Cycle | None, current: dict | None = None) -> list[str]:
    """Sentences about a cycle comparison (:func:`compare_cycles`), or why there is none."""
    if previous is None:
        return ["No previous cycle: `previous_report` is null in the client config, so this report is the "
                "baseline. Next cycle, point `previous_report` at this report's folder."]
    label = f"cycle {previous.label}" if previous.label else f"the report in {previous.folder.name}"
    sentences = [f"Compared with {label}."]
    missing = sorted({*previous.missing, *[k for k, v in (current or {}).items() if v is None]})
    if missing:
        sentences.append(f"Not compared (a cycle lacks the artifact): {', '.join(missing)}.")
    if "kpis" in changes:
        table = changes["kpis"]
        moved = table[table["significant"]]
        sentences.append(f"{len(moved)} of {int((table['verdict'] != 'not comparable').sum())} KPIs changed "
                         "significantly (Holm-adjusted)" + (": " + "; ".join(
                             f"{r.name} {r.verdict} by {r.delta:+.1f} {r.unit} (95% interval {r.ci_low:+.1f} to "
                             f"{r.ci_high:+.1f})" for r in moved.itertuples()) + "." if len(moved) else "."))
    if "pain_points" in changes:
        table = changes["pain_points"]
        for status in ("new", "resolved"):
            stages = table.loc[table["status"] == status, "stage"].tolist()
            sentences.append(f"{status.capitalize()} top pain points: {', '.join(stages) or 'none'}.")
    if "insights" in changes:
        counts = changes["insights"]["status"].value_counts()
        sentences.append("Insights: " + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in
                                                  ("new", "no longer found", "changed", "unchanged")) + ".")
    return sentences


# ---------------------------------------------------------------------------------------------
# CX maturity


@cache
def _model(path: Path) -> pd.DataFrame:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        rows = [{"pillar": pillar, "pillar_name": spec["name"], "question": question, "practice": q["practice"],
                 **{f"level_{k}": q["levels"][k] for k in range(1, 6)}}
                for pillar, spec in data["pillars"].items() for question, q in spec["questions"].items()]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: malformed maturity model ({exc!r} missing); every pillar needs a name and "
                          "questions, every question a practice and levels 1 to 5") from None
    model = pd.DataFrame(rows)
    if sorted(model["pillar"].unique()) != sorted(PILLARS):
        raise ConfigError(f"{path}: the maturity model must have the pillars {', '.join(PILLARS)}; "
                          f"it has {', '.join(model['pillar'].unique())}")
    return model


def load_maturity_model(path: str | Path | None = None) -> pd.DataFrame:
    """The maturity model (``templates/maturity.yaml`` unless ``path`` is given) as a table.

    Returns
    -------
    pandas.DataFrame
        One row per question: ``pillar, pillar_name, question, practice, level_1 … level_5``
        (what each level looks like).

    Examples
    --------
    >>> model = load_maturity_model()
    >>> model.groupby("pillar").size().to_dict()
    {'customer_service': 4, 'operations': 4, 'people': 4, 'strategy': 4, 'technology': 4}
    """
    return _model(Path(path) if path else template("maturity.yaml")).copy()


def load_questionnaire(path: str | Path, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a filled maturity questionnaire: a CSV with ``respondent, role, question, level``.

    Every problem is reported at once — missing columns, unknown question ids, levels that are
    not whole numbers from 1 to 5 (with their rows; row 2 is the first under the header), a
    respondent answering one question twice. An empty level means "don't know" and is dropped.

    Returns
    -------
    pandas.DataFrame
        ``respondent, role, question, level`` (level as int), answered rows only.
    """
    model = load_maturity_model() if model is None else model
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such maturity questionnaire (set maturity.questionnaire in the config)") from None
    missing = [c for c in ("respondent", "role", "question", "level") if c not in raw.columns]
    if missing:
        raise SourceError(f"{path}: the maturity questionnaire needs column(s) {', '.join(missing)}; "
                          f"it has {', '.join(raw.columns)}")
    problems, rows = [], raw.index + 2
    unknown = ~raw["question"].isin(model["question"])
    if unknown.any():
        problems.append(f"unknown question id(s) {', '.join(sorted(set(raw.loc[unknown, 'question'])))} in rows "
                        f"{_rows(rows[unknown])}; templates/maturity.yaml has {', '.join(model['question'])}")
    text = raw["level"].str.strip()
    answered = text != ""
    bad = answered & ~text.isin([str(k) for k in range(1, 6)])
    if bad.any():
        problems.append(f"level must be a whole number from 1 to 5 (or empty for don't know); rows {_rows(rows[bad])} "
                        f"hold {', '.join(sorted(set(text[bad])))}")
    twice = raw.duplicated(["respondent", "question"], keep=False)
    if twice.any():
        problems.append(f"the same respondent answers a question more than once in rows {_rows(rows[twice])}")
    if problems:
        raise SourceError(f"{path}: {len(problems)} problem(s) in the maturity questionnaire:\n"
                          + "\n".join(f"  - {p}" for p in problems))
    out = raw.loc[answered, ["respondent", "role", "question"]].copy()
    out["level"] = text[answered].astype(int)
    return out.reset_index(drop=True)


def _rows(rows, limit: int = 10) -> str:
    listed = [str(r) for r in rows[:limit]]
    return ", ".join(listed) + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def maturity_scores(answers: pd.DataFrame, *, target=4.0, model: pd.DataFrame | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Level of each pillar with its interval, and the gap to the target level.

    A respondent's level in a pillar is the mean of their answers in it; the pillar's level is
    the mean over respondents, with a t interval over respondents (so a team that disagrees
    gets a wide interval).

    Parameters
    ----------
    answers : pandas.DataFrame
        As :func:`load_questionnaire` returns.
    target : float or mapping
        The target level, or pillar → target level (e.g. ``config.maturity.target_for``).

    Returns
    -------
    pandas.DataFrame
        ``pillar, name, respondents, answers, level, ci_low, ci_high, target, gap`` with ``gap`` =
        target − level (positive: below target), weakest pillar first.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"respondent": ["a", "a", "b", "b"], "role": "x",
    ...                         "question": ["strategy_vision", "strategy_kpis"] * 2, "level": [2, 4, 3, 3]})
    >>> maturity_scores(answers, target=4)[["pillar", "respondents", "level", "gap"]]
         pillar  respondents  level  gap
    0  strategy            2    3.0  1.0
    """
    model = load_maturity_model() if model is None else model
    scored = answers.merge(model[["question", "pillar", "pillar_name"]], on="question")
    per_person = scored.groupby(["pillar", "pillar_name", "respondent"], sort=False)["level"].mean()
    rows = []
    for (pillar, name), levels in per_person.groupby(level=["pillar", "pillar_name"], sort=False):
        interval = stats.t_interval(levels.to_numpy(float), confidence)
        goal = target(pillar) if callable(target) else target.get(pillar, math.nan) if isinstance(target, dict) \
            else float(target)
        rows.append({"pillar": pillar, "name": name, "respondents": interval.n,
                     "answers": int((scored["pillar"] == pillar).sum()), "level": interval.mean,
                     "ci_low": interval.ci_low, "ci_high": interval.ci_high, "target": goal,
                     "gap": goal - interval.mean})
    return pd.DataFrame(rows).sort_values("level", kind="stable", ignore_index=True)


def weakest_practices(answers: pd.DataFrame, *, top: int = 5, model: pd.DataFrame | None = None) -> pd.DataFrame:
    """The practices rated lowest, with what they look like now and at the next level.

    Returns
    -------
    pandas.DataFrame
        ``pillar, practice, question, answers, level, now, next_step`` — ``level`` the mean answer,
        ``now`` the description of the level it rounds to, ``next_step`` that of the level above
        (empty at level 5); lowest first, ``top`` rows.
    """
    model = load_maturity_model() if model is None else model
    means = answers.groupby("question")["level"].agg(["size", "mean"]).reset_index()
    table = means.merge(model, on="question").nsmallest(top, "mean", keep="first")
    reached = table["mean"].round().clip(1, 5).astype(int)
    return pd.DataFrame({
        "pillar": table["pillar_name"], "practice": table["practice"], "question": table["question"],
        "answers": table["size"], "level": table["mean"],
        "now": [row[f"level_{k}"] for k, (_, row) in zip(reached, table.iterrows())],
        "next_step": [row[f"level_{k + 1}"] if k < 5 else "" for k, (_, row) in zip(reached, table.iterrows())],
    }).reset_index(drop=True)


def maturity_findings(levels: pd.DataFrame, practices: pd.DataFrame) -> list[str]:
    """Sentences about :func:`maturity_scores` and :func:`weakest_practices` results."""
    weakest, strongest = levels.iloc[0], levels.iloc[-1]
    below = levels[levels["ci_high"] < levels["target"]]
    sentences = [f"Weakest pillar: {weakest['name']} at level {weakest['level']:.1f} (95% interval "
                 f"{weakest['ci_low']:.1f} to {weakest['ci_high']:.1f}, {weakest['respondents']} respondents), "
                 f"{weakest['gap']:.1f} below its target of {weakest['target']:g}; strongest: {strongest['name']} "
                 f"at {strongest['level']:.1f}.",
                 f"{len(below)} of {len(levels)} pillars are clearly below target (the whole interval under it)"
                 + (f": {', '.join(below['name'])}." if len(below) else ".")]
    if len(practices):
        p = practices.iloc[0]
        sentences.append(f"Lowest-rated practice: {p['practice']} ({p['pillar']}, {p['level']:.1f}); next step: "
                         f"{p['next_step'] or 'already at the top level'}")
    return sentences


# ---------------------------------------------------------------------------------------------
# Action backlog

_BACKLOG_COLUMNS = ["rank", "source", "subject", "action", "kpi", "expected_effect", "evidence", "impact",
                   "confidence", "effort", "owner", "priority"]


def _kpi_candidates(table: pd.DataFrame, z: float) -> list[dict]:
    missed = table[table["status"] == "not met"]
    se = (missed["ci_high"] - missed["ci_low"]) / (2 * z)
    confidence = 1 - _p_value(missed["value"] - missed["target"], se)
    return [{"source": "KPI gap (step 4)", "subject": r.kpi, "action": f"Close the {r.name} gap", "kpi": r.kpi,
             "expected_effect": f"{-r.gap:+.1f} {r.unit} to reach the target of {r.target:g} "
                                f"(now {r.value:.1f}, 95% interval {r.ci_low:.1f} to {r.ci_high:.1f})",
             "evidence": f"{r.name}, n = {int(r.n):,}: interval wholly on the wrong side of the target",
             "impact": min(1.0, abs(r.gap) / max(abs(r.target), 1.0)), "confidence": float(c)}
            for r, c in zip(missed.itertuples(), confidence)]


def _pain_candidates(pain: pd.DataFrame, top: int) -> list[dict]:
    painful = pain[(pain["rank"] <= top) & (pain["score"] > 0)]
    worst = painful["score"].max() if len(painful) else 1.0
    out = []
    for r in painful.itertuples():
        share = r.dropoff / 100
        se = math.sqrt(share * (1 - share) / r.reached) if r.reached else math.nan
        out.append({"source": "pain point (step 3)", "subject": r.stage, "action": f"Remove the pain at the {r.stage} stage",
                    "kpi": "journey conversion",
                    "expected_effect": f"each 5 points less drop-off brings {0.05 * r.reached:,.0f} more of the "
                                       f"{r.reached:,} journeys reaching {r.stage} to the next stage",
                    "evidence": r.evidence, "impact": r.score / worst,
                    "confidence": float(1 - _p_value(share, se)) if r.reached else 0.0})
    return out


def _insight_candidates(insights: pd.DataFrame, z: float) -> list[dict]:
    kind = insights["kind"]
    position = kind.groupby(kind).cumcount()
    impact = 1 - position / kind.map(kind.value_counts())
    se = (insights["ci_high"] - insights["ci_low"]) / (2 * z)
    confidence = 1 - _p_value(insights["effect"], se)
    return [{"source": "insight (step 6)", "subject": r.subject, "action": f"Act on {r.kind}: {r.subject}",
             "kpi": r.kpi,
             "expected_effect": f"effect {r.effect:+.2f} (95% interval {r.ci_low:+.2f} to {r.ci_high:+.2f}, "
                                f"n = {int(r.n):,}): {r.finding.rstrip('.')}",
             "evidence": r.evidence, "impact": float(i), "confidence": float(c) if pd.notna(se_) else math.nan}
            for r, i, c, se_ in zip(insights.itertuples(), impact, confidence, se)]


def action_backlog(*, insights: pd.DataFrame | None = None, pain_points: pd.DataFrame | None = None,
                   kpi_table: pd.DataFrame | None = None, backlog: Backlog | None = None, top_pain: int = 3,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Candidate actions from the earlier steps' artifacts, ranked by impact × confidence ÷ effort.

    Sources (each optional; pass None when a step did not run):

    * ``insights`` — step 6's ranked insights (``kind, subject, kpi, finding, effect, ci_low,
      ci_high, n, evidence``): impact = 1 − (position − 1) / count within its kind, from step
      6's order (strongest first) — effects of one kind may be on different scales (NPS points,
      stars), so their sizes are not compared directly;
    * ``pain_points`` — step 3's pain points: the ``top_pain`` most painful stages, impact = pain
      score relative to the worst;
    * ``kpi_table`` — step 4's KPIs whose target is missed (``not met``): impact = |gap| / |target|
      (at most 1).

    Confidence is 1 − the two-sided p-value of the evidence against "no effect" (for a KPI gap:
    against "on target"), with the standard error read from its 95% interval — near 1 for
    strong evidence, near 0 for an interval centred on zero. Effort (1 = days for one person …
    5 = a programme over quarters), the owner and the action's wording come from
    ``backlog.actions[subject]``, else the backlog's defaults.

    Returns
    -------
    pandas.DataFrame
        ``rank, source, subject, action, kpi, expected_effect, evidence, impact, confidence,
        effort, owner, priority`` (priority = impact × confidence ÷ effort), highest first.
        ``kpi`` is what the action should move: the insight's KPI (``nps``, ``churn``,
        ``review rating``, ...), the KPI whose gap it closes, or ``journey conversion`` for a
        pain point.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxnb.config import Backlog
    >>> pain = pd.DataFrame({"rank": [1, 2], "stage": ["checkout", "delivery"], "score": [0.2, 0.1],
    ...                      "dropoff": [40.0, 10.0], "reached": [5000, 3000], "evidence": ["e1", "e2"]})
    >>> plan = Backlog.model_validate({"actions": {"checkout": {"effort": 5, "owner": "Head of Digital"}}})
    >>> action_backlog(pain_points=pain, backlog=plan)[["rank", "subject", "effort", "owner", "priority"]]
       rank   subject  effort            owner  priority
    0     1  checkout       5  Head of Digital  0.200000
    1     2  delivery       3              NaN  0.166667
    """
    z = _z(confidence)
    backlog = backlog or Backlog()
    candidates = []
    if kpi_table is not None:
        candidates += _kpi_candidates(kpi_table, z)
    if pain_points is not None:
        candidates += _pain_candidates(pain_points, top_pain)
    if insights is not None:
        candidates += _insight_candidates(insights, z)
    table = pd.DataFrame(candidates, columns=_BACKLOG_COLUMNS[1:-3])
    plans = [backlog.actions.get(subject) for subject in table["subject"]]
    table["action"] = [p.action if p and p.action else a for p, a in zip(plans, table["action"])]
    table["effort"] = [p.effort if p and p.effort else backlog.effort for p in plans]
    table["owner"] = [p.owner if p and p.owner else backlog.owner for p in plans]
    table["priority"] = table["impact"] * table["confidence"] / table["effort"]
    table = table.sort_values("priority", ascending=False, kind="stable", na_position="last", ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table[_BACKLOG_COLUMNS]


def backlog_findings(table: pd.DataFrame, *, missing: list[str] = (), top: int = 3) -> list[str]:
    """Sentences about an :func:`action_backlog`: its size, what it could not draw on, the top actions."""
    sentences = [f"{len(table)} candidate actions" + (f"; not drawn on (the step did not run or saved nothing): "
                                                      f"{', '.join(missing)}." if missing else ".")]
    for r in table.head(top).itertuples():
        sentences.append(f"#{r.rank} {r.action} (owner: {r.owner if isinstance(r.owner, str) else 'unassigned'}, "
                         f"effort {r.effort}, priority {r.priority:.2f}) — {r.expected_effect.rstrip('.')}.")
    return sentences
