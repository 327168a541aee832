"""The KPI catalogue and the client's KPI table: current value, target, gap, status, trend.

``templates/kpis.yaml`` defines each KPI (name, definition, formula, scale, unit, direction,
default target); a client config overrides targets with SMART ones (value, date, owner).
:func:`kpi_table` computes every KPI the client's data supports, with its interval, and
judges it against its target: ``met`` / ``not met`` when the whole interval lies on one side,
``not significantly different`` when the interval contains the target, ``insufficient data``
when the base is below ``min_base`` or the table is missing, and ``no target`` when neither the
catalogue nor the client sets one (CLV). CLV is left out of the table, rather than shown empty,
when the client has no transactions or too few for the models (the step notebook says why).
"""

from __future__ import annotations

import pandas as pd

from cxnb import clv, metrics
from cxnb.bundle import Bundle
from cxnb.catalogue import KpiDefinition, load_catalogue
from cxnb.errors import CxnbError, FitError

__all__ = ["kpi_frame", "kpi_table", "kpi_trend", "STATUSES"]

STATUSES = ("met", "not met", "not significantly different", "insufficient data", "no target")
TABLE_COLUMNS = ["kpi", "name", "unit", "direction", "n", "value", "ci_low", "ci_high", "target", "target_by",
                 "owner", "target_source", "gap", "status"]


def _computations(bundle: Bundle) -> dict:
    """KPI id → function(table, **grouping) for this client's scales and service levels."""
    c = bundle.config
    sla = c.service_levels
    return {
        "nps": lambda t, **g: metrics.nps(t, **g),
        "csat": lambda t, **g: metrics.csat(t, scale=c.scales.csat, **g),
        "ces": lambda t, **g: metrics.ces(t, **g),
        "ces_low_effort": lambda t, **g: metrics.ces_low_effort(
            t, scale=c.scales.ces, higher_is_easier=c.scales.ces_higher_is_easier, **g),
        "churn": lambda t, **g: metrics.churn(t, customers=bundle.customers, after_days=c.churn_after_days, **g),
        "retention": lambda t, **g: metrics.retention(
            t, customers=bundle.customers, after_days=c.churn_after_days, **g),
        "first_response_time": lambda t, **g: metrics.response_time(t, kind="first_response", **g),
        "first_response_within_sla": lambda t, **g: metrics.within_sla(
            t, kind="first_response", hours=sla.first_response_hours, **g),
        "resolution_time": lambda t, **g: metrics.response_time(t, kind="resolution", **g),
        "resolution_time_p90": lambda t, **g: metrics.response_time(t, kind="resolution", statistic="p90", **g),
        "resolution_within_sla": lambda t, **g: metrics.within_sla(
            t, kind="resolution", hours=sla.resolution_hours, **g),
        "fcr": lambda t, **g: metrics.first_contact_resolution(t, **g),
        "reopen_rate": lambda t, **g: metrics.reopen_rate(t, **g),
        "clv": lambda t, **g: clv.clv_kpi(t, customers=bundle.customers, seed=c.seed, **g),
    }


_NEEDS = {"nps": "nps", "csat": "csat", "ces": "ces", "ces_low_effort": "ces", "first_response_time":
          "first_response_at", "first_response_within_sla": "first_response_at", "resolution_time": "resolved_at",
          "resolution_time_p90": "resolved_at", "resolution_within_sla": "resolved_at", "fcr": "reopened",
          "reopen_rate": "reopened", "clv": "amount"}


def _available(bundle: Bundle, kpi: str, definition: KpiDefinition) -> bool:
    table = bundle.tables.get(definition.table)
    return table is not None and _NEEDS.get(kpi, "customer_id") in table.columns


def kpi_frame(bundle: Bundle, kpi: str, *, by=None, period: str | None = None,
              confidence: float = 0.95) -> pd.DataFrame:
    """One KPI of a client as a metrics frame (see :mod:`cxnb.metrics`), grouped as asked.

    Raises :class:`~cxnb.errors.CxnbError` naming the table or column the KPI needs when the
    client's data lack it.
    """
    catalogue = load_catalogue()
    if kpi not in catalogue:
        raise CxnbError(f"unknown KPI {kpi!r}; the catalogue has: {', '.join(catalogue)}")
    definition = catalogue[kpi]
    if not _available(bundle, kpi, definition):
        raise CxnbError(f"{kpi} needs the {definition.table} table with a {_NEEDS.get(kpi, 'customer_id')} column; "
                        f"add it under `sources.{definition.table}` in the client config")
    compute = _computations(bundle)[kpi]
    return compute(bundle.tables[definition.table], by=by, period=period, min_base=bundle.config.min_base,
                   confidence=confidence)


def _direction(bundle: Bundle, kpi: str, definition: KpiDefinition) -> str:
    if kpi == "ces" and not bundle.config.scales.ces_higher_is_easier:
        return "lower"
    return definition.direction


def _default_target(bundle: Bundle, kpi: str, definition: KpiDefinition) -> float:
    """The catalogue's default target; the CES one is written for a 1–7 scale with 7 = easiest
    and is moved to the same point of the client's CES scale."""
    if kpi != "ces":
        return definition.default_target
    scale, easy_high = bundle.config.scales.ces, bundle.config.scales.ces_higher_is_easier
    share = (definition.default_target - 1) / 6
    return scale.min + share * (scale.max - scale.min) if easy_high else scale.max - share * (scale.max - scale.min)


def _status(row: pd.Series, direction: str) -> str:
    if row["n"] < 1 or pd.isna(row["value"]) or row["flag"] == metrics.FLAG:
        return "insufficient data"
    if pd.isna(row["target"]):
        return "no target"
    better_low, better_high = (row["ci_low"], row["ci_high"]) if direction == "higher" else (
        -row["ci_high"], -row["ci_low"])
    target = row["target"] if direction == "higher" else -row["target"]
    if better_low > target:
        return "met"
    if better_high < target:
        return "not met"
    return "not significantly different"


def kpi_table(bundle: Bundle, *, confidence: float = 0.95) -> pd.DataFrame:
    """Every catalogue KPI for the client: value with interval, target, gap and status.

    Columns: ``kpi, name, unit, direction, n, value, ci_low, ci_high, target, target_by,
    owner, target_source, gap, status``. ``gap`` = value − target. KPIs whose data the client
    lacks are listed with n = 0 and status ``insufficient data``; CLV is left out instead when
    there are no transactions or the models cannot be fitted (:class:`~cxnb.errors.FitError`).
    """
    rows = []
    for kpi, definition in load_catalogue().items():
        smart = bundle.config.kpis.get(kpi)
        row = {"kpi": kpi, "name": definition.name, "unit": definition.unit,
               "direction": _direction(bundle, kpi, definition),
               "target": smart.target if smart else _default_target(bundle, kpi, definition),
               "target_by": smart.by if smart else None, "owner": smart.owner if smart else None,
               "target_source": "client" if smart else "catalogue default",
               "n": 0, "value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "flag": metrics.FLAG}
        if _available(bundle, kpi, definition):
            try:
                current = kpi_frame(bundle, kpi, confidence=confidence).iloc[0]
            except FitError:  # CLV models cannot be fitted on these transactions
                continue
            row |= {k: current[k] for k in ("n", "value", "ci_low", "ci_high", "flag")}
        elif kpi == "clv":  # no transactions: CLV is left out rather than shown empty
            continue
        row["gap"] = row["value"] - row["target"]
        row["status"] = _status(pd.Series(row), row["direction"])
        rows.append(row)
    return pd.DataFrame(rows)[TABLE_COLUMNS]


def kpi_trend(bundle: Bundle, kpi: str, *, period: str = "month", by=None, confidence: float = 0.95) -> pd.DataFrame:
    """A KPI per period (and group), with the target as a column, ready for :func:`cxnb.charts.kpi_trend`."""
    frame = kpi_frame(bundle, kpi, by=by, period=period, confidence=confidence)
    smart = bundle.config.kpis.get(kpi)
    target = smart.target if smart else _default_target(bundle, kpi, load_catalogue()[kpi])
    return frame.assign(kpi=kpi, target=target)


def catalogue_table(bundle: Bundle) -> pd.DataFrame:
    """The catalogue as this client uses it: ``kpi, name, definition, formula, unit, direction,
    target, target_by, owner`` (client targets where set, else the catalogue's defaults)."""
    rows = []
    for kpi, definition in load_catalogue().items():
        smart = bundle.config.kpis.get(kpi)
        rows.append({"kpi": kpi, "name": definition.name, "definition": definition.definition,
                     "formula": definition.formula, "unit": definition.unit,
                     "direction": _direction(bundle, kpi, definition),
                     "target": smart.target if smart else _default_target(bundle, kpi, definition),
                     "target_by": smart.by if smart else None, "owner": smart.owner if smart else None})
    return pd.DataFrame(rows)


def _number(value: float, unit: str) -> str:
    if unit == "points":
        return f"{value:+.0f}"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:.1f}" + ("" if unit == "score" else f" {unit}")


def headline(table: pd.DataFrame, kpis=("nps", "csat", "ces_low_effort", "churn", "resolution_time", "fcr")) -> list:
    """Rows of :func:`kpi_table` as short display records (for the report's index page)."""
    rows = table.set_index("kpi")
    records = []
    for kpi in kpis:
        if kpi not in rows.index or rows.loc[kpi, "n"] == 0:
            continue
        r = rows.loc[kpi]
        records.append({"kpi": kpi, "name": r["name"], "value": _number(r["value"], r["unit"]),
                        "interval": f"{_number(r['ci_low'], r['unit'])} to {_number(r['ci_high'], r['unit'])}",
                        "n": f"{int(r['n']):,}", "target": _number(r["target"], r["unit"]), "status": r["status"]})
    return records


def findings(table: pd.DataFrame) -> list[str]:
    """Sentences about the KPI table, built from its numbers: the score against targets, then
    each KPI that misses its target, largest gaps first."""
    judged = table[~table["status"].isin(["insufficient data", "no target"])]
    met = int((judged["status"] == "met").sum())
    sentences = [f"{met} of {len(judged)} KPIs with enough data meet their target"
                 + (f"; {len(table) - len(judged)} lack the data or a target to judge." if len(judged) < len(table)
                    else ".")]
    missed = judged[judged["status"] == "not met"].copy()
    missed["size"] = (missed["gap"] / missed["target"].abs().clip(lower=1)).abs()
    for r in missed.sort_values("size", ascending=False).itertuples():
        sentences.append(f"{r.name} is {_number(r.value, r.unit)} (95% interval {_number(r.ci_low, r.unit)} to "
                         f"{_number(r.ci_high, r.unit)}, n = {int(r.n):,}) against a target of "
                         f"{_number(r.target, r.unit)}.")
    return sentences


_TREE_COLUMNS = ["driver", "outcome", "link", "value", "ci_low", "ci_high", "n"]


def kpi_tree(bundle: Bundle, *, confidence: float = 0.95) -> pd.DataFrame:
    """How operational and experience KPIs feed the outcomes, measured on the client's data.

    Edges (where the data allow): CSAT → NPS and CES → NPS (Spearman correlation of the two
    answers in the same response; CES signed so that positive = easier goes with higher NPS),
    resolution time → ticket CSAT and first-response time → ticket CSAT (Spearman; negative =
    slower goes with less satisfied), NPS → churn (churn rate of detractors minus promoters, in
    percentage points, customers grouped by their latest NPS answer; Newcombe interval).

    Returns ``driver, outcome, link, value, ci_low, ci_high, n``.
    """
    from cxnb import stats

    edges = []
    responses, tickets = bundle.responses, bundle.tickets
    if responses is not None and "nps" in responses:
        for driver, sign in (("csat", 1), ("ces", 1 if bundle.config.scales.ces_higher_is_easier else -1)):
            if driver in responses:
                c = stats.spearman_interval(sign * responses[driver].astype(float), responses["nps"].astype(float),
                                            confidence)
                edges.append((driver, "nps", "rank correlation", c.rho, c.ci_low, c.ci_high, c.n))
    if tickets is not None and "csat" in tickets:
        for end, driver in (("resolved_at", "resolution_time"), ("first_response_at", "first_response_time")):
            if end in tickets:
                hours = (tickets[end] - tickets["created_at"]).dt.total_seconds() / 3600
                c = stats.spearman_interval(hours, tickets["csat"].astype(float), confidence)
                edges.append((driver, "csat", "rank correlation", c.rho, c.ci_low, c.ci_high, c.n))
    if responses is not None and "nps" in responses and bundle.transactions is not None:
        status = metrics.churn(bundle.transactions, after_days=bundle.config.churn_after_days, min_base=1,
                               customers=clv.nps_groups(bundle.responses),
                               by="nps_group")
        groups = status.set_index("nps_group")
        if {"detractor", "promoter"} <= set(groups.index):
            d, p = groups.loc["detractor"], groups.loc["promoter"]
            if d["n"] and p["n"]:
                t = stats.two_proportion_test(int(d["churned"]), int(d["n"]), int(p["churned"]), int(p["n"]),
                                              confidence=confidence)
                edges.append(("nps", "churn", "detractor − promoter churn (points)", 100 * t.difference,
                              100 * t.ci_low, 100 * t.ci_high, int(d["n"] + p["n"])))
    return pd.DataFrame(edges, columns=_TREE_COLUMNS)
