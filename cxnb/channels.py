"""Channels (step 2 of the CX method): where to meet customers.

- :func:`channel_mix` — which channels each persona (or everyone) uses, table by table;
- :func:`channel_performance` — CSAT, CES, first-response and resolution time, first-contact
  resolution and cost-to-serve per channel (and persona), each with its base and interval;
- :func:`channel_switching` — customers who come back about the same issue within N days
  through another channel, and the transition matrix between channels;
- :func:`suitability` — the persona × channel matrix (preference, satisfaction, effort, cost)
  with a scored recommendation: where to invest and where to steer customers away;
  :func:`assumptions` lists the rules behind it for the report.

Personas come in as a frame ``customer_id, persona`` (step 1's artifact); without it every
function works on all customers.

>>> import pandas as pd
>>> tickets = pd.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["chat", "phone", "chat"],
...     "category": ["billing"] * 3,
...     "created_at": pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-02"], utc=True)})
>>> channel_switching(tickets, within_days=7).transitions[["from_channel", "to_channel", "contacts"]]
  from_channel to_channel  contacts
0         chat      phone         1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxnb import metrics
from cxnb.errors import CxnbError
from cxnb.stats import wilson_interval

__all__ = [
    "MIX_TABLES",
    "METRICS",
    "RULES",
    "Switching",
    "channel_mix",
    "contacts",
    "channel_performance",
    "performance_table",
    "channel_switching",
    "suitability",
    "assumptions",
]

# Tables whose rows say which channel a customer used, in the order they are shown, and what a row is.
MIX_TABLES = {"events": "journey events", "transactions": "purchases", "tickets": "support tickets",
              "responses": "survey answers"}

# The metrics of :func:`channel_performance`, in the order they are shown: label, unit, decimals.
METRICS = {
    "csat": ("satisfied (CSAT top-2-box)", "%", 0),
    "ces": ("mean effort score (CES)", "points", 2),
    "ces_low_effort": ("low effort (CES)", "%", 0),
    "first_response_hours": ("median first response", "hours", 2),
    "resolution_hours": ("median resolution", "hours", 2),
    "fcr": ("first-contact resolution", "%", 0),
    "cost_per_contact": ("cost per contact", "currency", 2),
    "cost_to_serve": ("cost to serve", "currency", 0),
}

# Thresholds of the suitability recommendation (shown in the report by :func:`assumptions`).
RULES = {
    "invest_gap": -5.0,  # percentage points below what persona and channel predict
    "z": 1.96,  # the gap must be this many standard errors from zero (95% two-sided)
    "min_preference": 10.0,  # % of the persona's use of the channel's kind of contact
    "steer_min_preference": 5.0,  # an alternative must already be used this much
}
_ALL = "all customers"


def _with_personas(frame: pd.DataFrame | None, personas: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with a ``persona`` column: the customer's persona (rows of other customers
    dropped), or ``"all customers"`` without personas."""
    if frame is None:
        return None
    if personas is None:
        return frame.assign(persona=_ALL)
    missing = {"customer_id", "persona"} - set(personas.columns)
    if missing:
        raise CxnbError(f"personas must have the columns customer_id and persona (step 1's personas artifact); "
                        f"it lacks {', '.join(sorted(missing))}")
    return frame.merge(personas[["customer_id", "persona"]], on="customer_id", how="inner")


def channel_mix(bundle, personas: pd.DataFrame | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Share of each persona's rows through each channel, table by table.

    Parameters
    ----------
    bundle : Bundle
        The client's tables; those of :data:`MIX_TABLES` with a ``channel`` column are used.
    personas : DataFrame, optional
        ``customer_id, persona``; without it, one group ``"all customers"``.
    confidence : float
        Level of the Wilson interval of each share.

    Returns
    -------
    pandas.DataFrame
        ``table, persona, channel, rows, n, share, ci_low, ci_high`` — ``share`` in % of the
        persona's ``n`` rows in that table with a channel (the base of the share); every channel
        used in the table appears for every persona (0 rows when the persona does not use it), in
        the config's order.

    Examples
    --------
    >>> from cxnb.samples import load_sample
    >>> mix = channel_mix(load_sample("b2b"))
    >>> print(mix[mix["table"] == "tickets"][["channel", "rows", "share"]].round(1).to_string(index=False))
    channel  rows  share
      email   805   33.5
     portal   591   24.6
      phone  1004   41.8
    """
    order = list(bundle.config.channels)
    rows = []
    for table in MIX_TABLES:
        frame = _with_personas(bundle.tables.get(table), personas)
        if frame is None or "channel" not in frame:
            continue
        frame = frame[frame["channel"].notna()]
        used = set(frame["channel"])
        channels = [c for c in order if c in used] + sorted(used - set(order))
        counts = frame.groupby(["persona", "channel"]).size()
        for persona, total in frame.groupby("persona").size().items():
            for channel in channels:
                n = int(counts.get((persona, channel), 0))
                interval = wilson_interval(n, int(total), confidence)
                rows.append({"table": table, "persona": persona, "channel": channel, "rows": n, "n": int(total),
                             "share": 100 * interval.proportion, "ci_low": 100 * interval.ci_low,
                             "ci_high": 100 * interval.ci_high})
    return pd.DataFrame(rows, columns=["table", "persona", "channel", "rows", "n", "share", "ci_low", "ci_high"])


def contacts(bundle, personas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Contacts per persona and channel. A channel that takes support tickets is of kind
    ``ticket`` and its contacts are its tickets; any other is of kind ``journey`` and its
    contacts are the journeys (events) that used it.

    Returns ``persona, channel, kind, tickets, journeys, contacts``.
    """
    parts = []
    tickets = _with_personas(bundle.tables.get("tickets"), personas)
    if tickets is not None and "channel" in tickets:
        parts.append(tickets.groupby(["persona", "channel"]).size().rename("tickets"))
    events = _with_personas(bundle.tables.get("events"), personas)
    if events is not None and "channel" in events:
        parts.append(events.groupby(["persona", "channel"])["journey_id"].nunique().rename("journeys"))
    columns = ["persona", "channel", "kind", "tickets", "journeys", "contacts"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
    for column in ("tickets", "journeys"):
        if column not in table:
            table[column] = 0
    assisted = table["channel"].isin(table.loc[table["tickets"] > 0, "channel"])
    table["kind"] = np.where(assisted, "ticket", "journey")
    table["contacts"] = np.where(assisted, table["tickets"], table["journeys"])
    return table[columns]


def _scored(bundle, personas) -> pd.DataFrame:
    """Survey answers and rated tickets in one frame: ``persona, channel, csat, ces``."""
    parts = []
    for table, columns in (("responses", ["csat", "ces"]), ("tickets", ["csat"])):
        frame = _with_personas(bundle.tables.get(table), personas)
        if frame is None or "channel" not in frame:
            continue
        present = [c for c in columns if c in frame]
        if present:
            parts.append(frame[["persona", "channel", *present]].assign(source=table))
    if not parts:
        raise CxnbError("channel performance needs survey responses or tickets with a channel column")
    scored = pd.concat(parts, ignore_index=True)
    for column in ("csat", "ces"):
        scored[column] = scored[column].astype("Float64") if column in scored else pd.array([pd.NA] * len(scored),
                                                                                              dtype="Float64")
    return scored[scored["channel"].notna()]


_PERFORMANCE = ["persona", "channel", "metric", "n", "value", "ci_low", "ci_high", "flag"]


def channel_performance(bundle, personas: pd.DataFrame | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """How each channel performs, per persona when given, every figure with base and interval.

    Metrics (column ``metric``):

    - ``csat`` — % satisfied (two highest points of the CSAT scale) in survey answers and rated
      tickets through the channel, Wilson interval;
    - ``ces`` — mean Customer Effort Score (on its scale; mind ``ces_higher_is_easier``), t
      interval; ``ces_low_effort`` — % in the two easiest points, Wilson;
    - ``first_response_hours`` and ``resolution_hours`` — median hours of its tickets,
      distribution-free interval;
    - ``fcr`` — first-contact resolution: % of resolved tickets never reopened, Wilson;
    - ``cost_per_contact`` — from the config's ``channel_costs`` (no interval), with ``n`` the
      contacts (:func:`contacts`); ``cost_to_serve`` — contacts × cost per contact.

    Returns
    -------
    pandas.DataFrame
        ``persona, channel, metric, n, value, ci_low, ci_high, flag`` (``flag`` is
        ``insufficient_base`` below the config's ``min_base``). A survey answer's channel is
        taken to be the channel of the interaction it rates.

    Examples
    --------
    >>> from cxnb.samples import load_sample
    >>> perf = channel_performance(load_sample("b2b"))
    >>> sorted(perf["metric"].unique())[:4]
    ['ces', 'ces_low_effort', 'cost_per_contact', 'cost_to_serve']
    """
    config = bundle.config
    scales, base = config.scales, config.min_base
    scored = _scored(bundle, personas)
    by = ["persona", "channel"]
    parts = {"csat": metrics.csat(scored, scale=scales.csat, by=by, min_base=base, confidence=confidence),
             "ces": metrics.ces(scored, by=by, min_base=base, confidence=confidence),
             "ces_low_effort": metrics.ces_low_effort(scored, scale=scales.ces, by=by, min_base=base,
                                                      higher_is_easier=scales.ces_higher_is_easier,
                                                      confidence=confidence)}
    tickets = _with_personas(bundle.tables.get("tickets"), personas)
    if tickets is not None and "channel" in tickets:
        tickets = tickets[tickets["channel"].notna()]
        for name, kind, column in (("first_response_hours", "first_response", "first_response_at"),
                                   ("resolution_hours", "resolution", "resolved_at")):
            if column in tickets:
                parts[name] = metrics.response_time(tickets, kind=kind, by=by, min_base=base, confidence=confidence)
        if {"resolved_at", "reopened"} <= set(tickets.columns):
            parts["fcr"] = metrics.first_contact_resolution(tickets, by=by, min_base=base, confidence=confidence)
    frames = [table.assign(metric=name)[_PERFORMANCE] for name, table in parts.items() if len(table)]
    volume = contacts(bundle, personas)
    costs = config.channel_costs.per_contact
    priced = volume[volume["channel"].isin(costs)]
    if len(priced):
        cost = priced["channel"].map(costs).astype(float)
        for name, value in (("cost_per_contact", cost), ("cost_to_serve", cost * priced["contacts"])):
            frames.append(pd.DataFrame({"persona": priced["persona"], "channel": priced["channel"], "metric": name,
                                        "n": priced["contacts"], "value": value, "ci_low": np.nan, "ci_high": np.nan,
                                        "flag": ""}))
    result = pd.concat(frames, ignore_index=True)
    result["flag"] = result["flag"].fillna("")
    result["n"] = result["n"].astype(int)
    return result.sort_values(["metric", "persona", "channel"], kind="stable").reset_index(drop=True)


def performance_table(performance: pd.DataFrame, *, currency: str = "") -> pd.DataFrame:
    """:func:`channel_performance` as a table to read: one row per persona and channel, one column
    per metric (labelled as in :data:`METRICS`, in its order), each cell the figure with its
    interval and base, marked ``(n too small)`` below the minimum base. The ``persona`` column is
    left out when there is only one group.

    Examples
    --------
    >>> performance = pd.DataFrame({"persona": ["all customers"] * 3, "channel": ["chat"] * 3,
    ...     "metric": ["resolution_hours", "fcr", "cost_per_contact"], "n": [412, 20, 500],
    ...     "value": [5.3, 62.1, 3.1], "ci_low": [4.8, 40.2, np.nan], "ci_high": [5.9, 80.0, np.nan],
    ...     "flag": ["", "insufficient_base", ""]})
    >>> performance_table(performance, currency="£").iloc[0].to_dict()
    {'channel': 'chat', 'median resolution': '5.30 h [4.80–5.90], n = 412', 'first-contact resolution': '62% [40–80], n = 20 (n too small)', 'cost per contact': '£3.10, n = 500'}
    """
    def cell(row) -> str:
        _, unit, decimals = METRICS[row["metric"]]
        prefix, suffix = (currency, "") if unit == "currency" else ("", {"%": "%", "hours": " h"}.get(unit, ""))
        text = f"{prefix}{row['value']:,.{decimals}f}{suffix}"
        if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
            text += f" [{row['ci_low']:,.{decimals}f}–{row['ci_high']:,.{decimals}f}]"
        text += f", n = {int(row['n']):,}"
        return text + (" (n too small)" if row["flag"] == "insufficient_base" else "")

    known = performance[performance["metric"].isin(METRICS) & performance["value"].notna()]
    shown = known.assign(cell=[cell(row) for _, row in known.iterrows()])
    wide = shown.pivot(index=["persona", "channel"], columns="metric", values="cell")
    wide = wide[[m for m in METRICS if m in wide.columns]].rename(columns=lambda m: METRICS[m][0])
    wide = wide.fillna("–").reset_index().rename_axis(columns=None)
    return wide.drop(columns="persona") if wide["persona"].nunique() == 1 else wide


@dataclass(frozen=True)
class Switching:
    """Result of :func:`channel_switching`.

    ``transitions``: ``from_channel, to_channel, contacts, share`` — a customer's repeat contact
    about the same issue within the window, from the earlier contact's channel to the later
    one's (``share``: % of repeat contacts leaving ``from_channel``; same-channel repeats
    included). ``summary``: one row, ``tickets, repeats, switches, share, ci_low, ci_high,
    customers`` — repeat contacts, how many changed channel (% with Wilson interval) and how
    many customers switched at least once.
    """

    transitions: pd.DataFrame
    summary: pd.DataFrame
    within_days: float


def channel_switching(tickets: pd.DataFrame, *, within_days: float = 7, issue: str = "category",
                      confidence: float = 0.95) -> Switching:
    """Customers who contact again about the same issue within ``within_days`` days, and whether
    they changed channel to do it.

    Each ticket is paired with the same customer's previous ticket on the same ``issue`` (by
    default the ticket category) when it was created at most ``within_days`` days later.

    Parameters
    ----------
    tickets : DataFrame
        ``customer_id, channel, created_at`` and the ``issue`` column.
    within_days : float
        The window in days.
    issue : str
        The column that says two contacts are about the same issue.

    Returns
    -------
    Switching
        See :class:`Switching`.
    """
    if tickets is None:
        raise CxnbError("channel switching needs the tickets table; add a `tickets` source to the client config")
    needed = ["customer_id", "channel", "created_at", issue]
    missing = [c for c in needed if c not in tickets]
    if missing:
        raise CxnbError(f"tickets has no {', '.join(missing)} column(s); channel switching needs "
                        f"{', '.join(needed)} (map them in `sources.tickets.columns`)")
    if not within_days > 0:
        raise CxnbError(f"within_days must be a positive number of days; got {within_days!r}")
    rows = tickets[needed].dropna().sort_values(["customer_id", issue, "created_at"], kind="stable")
    same = (rows["customer_id"].eq(rows["customer_id"].shift()) & rows[issue].eq(rows[issue].shift())).to_numpy()
    gap = (rows["created_at"] - rows["created_at"].shift()).dt.total_seconds().to_numpy() / 86400
    repeat = same & (gap <= within_days)
    pairs = pd.DataFrame({"customer_id": rows["customer_id"].to_numpy()[repeat],
                          "from_channel": rows["channel"].shift().to_numpy()[repeat],
                          "to_channel": rows["channel"].to_numpy()[repeat]})
    counts = pairs.groupby(["from_channel", "to_channel"]).size().rename("contacts").reset_index()
    counts["share"] = 100 * counts["contacts"] / counts.groupby("from_channel")["contacts"].transform("sum")
    switched = pairs["from_channel"] != pairs["to_channel"]
    interval = wilson_interval(int(switched.sum()), len(pairs), confidence)
    summary = pd.DataFrame([{"tickets": len(rows), "repeats": len(pairs), "switches": int(switched.sum()),
                             "share": 100 * interval.proportion, "ci_low": 100 * interval.ci_low,
                             "ci_high": 100 * interval.ci_high,
                             "customers": int(pairs.loc[switched, "customer_id"].nunique())}])
    return Switching(counts, summary, float(within_days))


def _preference(mix: pd.DataFrame) -> pd.DataFrame:
    """Mean share of each channel over the behaviour tables (events, transactions, tickets) in
    which anyone uses it; survey channels say where a survey was answered, not a preference."""
    mix = mix[mix["table"] != "responses"]
    used = mix.groupby(["table", "channel"])["rows"].transform("sum") > 0
    return mix[used].groupby(["persona", "channel"], as_index=False)["share"].mean().rename(
        columns={"share": "preference"})


def _interaction_gaps(answers: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Observed rate of ``outcome`` (0/1) per persona × channel, the rate an additive model
    (persona effect + channel effect, least squares) predicts, the gap and its z."""
    data = answers.dropna(subset=[outcome])
    if data.empty:
        return pd.DataFrame(columns=["persona", "channel", "n", "observed", "expected", "gap", "z"])
    design = np.column_stack([np.ones(len(data)), pd.get_dummies(data["persona"], drop_first=True).to_numpy(float),
                              pd.get_dummies(data["channel"], drop_first=True).to_numpy(float)])
    y = data[outcome].to_numpy(float)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    data = data.assign(_fitted=design @ coef)
    cells = data.groupby(["persona", "channel"]).agg(n=(outcome, "size"), observed=(outcome, "mean"),
                                                     expected=("_fitted", "mean")).reset_index()
    se = np.sqrt(np.clip(cells["observed"] * (1 - cells["observed"]), 0.25 / cells["n"], None) / cells["n"])
    cells["gap"] = 100 * (cells["observed"] - cells["expected"])
    cells["z"] = (cells["observed"] - cells["expected"]) / se
    cells[["observed", "expected"]] *= 100
    return cells


def _reason(row) -> str:
    parts = []
    for metric, label in (("satisfaction", "satisfied"), ("effort", "low effort")):
        if pd.notna(row.get(f"{metric}_gap")):
            parts.append(f"{row[metric]:.0f}% {label} vs {row[f'{metric}_expected']:.0f}% expected")
    return "; ".join(parts)


def suitability(bundle, personas: pd.DataFrame | None = None, *, rules: dict | None = None) -> pd.DataFrame:
    """The channel suitability matrix: persona × channel with a scored recommendation.

    For each persona and channel: **preference** (the channel's mean share of the persona's
    rows over the tables in which anyone uses it, :func:`channel_mix`), **satisfaction** (%
    satisfied, CSAT top-2-box, survey answers and rated tickets) and **effort** (% low effort,
    CES two easiest points), each against the value an additive model predicts from the
    persona's general mood and the channel's general performance (least squares on the answers);
    and the **cost** of a contact (config ``channel_costs``).

    Recommendation (thresholds in :data:`RULES`, listed by :func:`assumptions`):

    - **invest** — the channel serves this persona worse than persona and channel predict (mean
      gap of satisfaction and effort at most ``invest_gap`` points, and one of the two gaps
      significant at |z| ≥ ``z``) and the persona uses it (preference ≥ ``min_preference`` %);
      priority = preference × gap, in "points × share" (larger = more customers hurt more);
    - **steer away** — another channel of the same kind (ticket or journey, see
      :func:`contacts`) that the persona already uses (preference ≥ ``steer_min_preference`` %)
      costs less per contact and satisfies at least as well;
      priority = preference × cost saved per contact;
    - **keep** — neither; **insufficient data** — fewer than ``min_base`` answers on both measures.

    Returns
    -------
    pandas.DataFrame
        One row per persona × channel, recommendations first (invest by priority, then steer
        away by priority): ``persona, channel, preference, satisfaction, satisfaction_n,
        satisfaction_expected, satisfaction_gap, satisfaction_z, effort, effort_n,
        effort_expected, effort_gap, effort_z, gap, cost_per_contact, kind, contacts, action,
        priority, alternative, reason``.
    """
    rules = RULES | (rules or {})
    config = bundle.config
    min_base = config.min_base
    scales = config.scales
    scored = _scored(bundle, personas)
    answers = pd.DataFrame({"persona": scored["persona"], "channel": scored["channel"]})
    answers["satisfaction"] = (scored["csat"] >= scales.csat.max - 1).where(
        scored["csat"].between(scales.csat.min, scales.csat.max)).astype("Float64")
    easy = scored["ces"] >= scales.ces.max - 1 if scales.ces_higher_is_easier else scored["ces"] <= scales.ces.min + 1
    answers["effort"] = easy.where(scored["ces"].between(scales.ces.min, scales.ces.max)).astype("Float64")
    matrix = _preference(channel_mix(bundle, personas))
    for metric in ("satisfaction", "effort"):
        cells = _interaction_gaps(answers.astype({metric: float}), metric).rename(
            columns={"n": f"{metric}_n", "observed": metric, "expected": f"{metric}_expected", "gap": f"{metric}_gap",
                     "z": f"{metric}_z"})
        matrix = matrix.merge(cells, on=["persona", "channel"], how="left")
    for metric in ("satisfaction", "effort"):
        small = matrix[f"{metric}_n"].fillna(0) < min_base
        matrix.loc[small, [metric, f"{metric}_expected", f"{metric}_gap", f"{metric}_z"]] = np.nan
        matrix[f"{metric}_n"] = matrix[f"{metric}_n"].fillna(0).astype(int)
    matrix["gap"] = matrix[["satisfaction_gap", "effort_gap"]].mean(axis=1)
    costs = config.channel_costs.per_contact
    matrix["cost_per_contact"] = matrix["channel"].map(costs).astype(float)
    volume = contacts(bundle, personas)[["persona", "channel", "kind", "contacts"]]
    matrix = matrix.merge(volume, on=["persona", "channel"], how="left")
    matrix["contacts"] = matrix["contacts"].fillna(0).astype(int)
    significant = (matrix[["satisfaction_z", "effort_z"]].abs() >= rules["z"]).any(axis=1)
    invest = (matrix["gap"] <= rules["invest_gap"]) & significant & (matrix["preference"] >= rules["min_preference"])
    matrix["action"] = np.where(invest, "invest", "keep")
    matrix["priority"] = np.where(invest, matrix["preference"] / 100 * -matrix["gap"], np.nan)
    matrix["alternative"] = ""
    currency = config.currency
    matrix["reason"] = [_reason(row) if row["action"] == "invest" else "" for _, row in matrix.iterrows()]
    for i, row in matrix.iterrows():
        if row["action"] == "invest" or pd.isna(row["cost_per_contact"]) or pd.isna(row["satisfaction"]):
            continue
        options = matrix[(matrix["persona"] == row["persona"]) & (matrix["channel"] != row["channel"])
                         & (matrix["kind"] == row["kind"]) & (matrix["cost_per_contact"] < row["cost_per_contact"])
                         & (matrix["preference"] >= rules["steer_min_preference"])
                         & (matrix["satisfaction"] >= row["satisfaction"]) & (matrix["action"] != "invest")]
        if len(options) and row["preference"] >= rules["steer_min_preference"]:
            best = options.loc[options["cost_per_contact"].idxmin()]
            saving = row["cost_per_contact"] - best["cost_per_contact"]
            matrix.loc[i, ["action", "priority", "alternative"]] = ["steer away", row["preference"] / 100 * saving,
                                                                   best["channel"]]
            matrix.loc[i, "reason"] = (f"{best['channel']} satisfies as well ({best['satisfaction']:.0f}% vs "
                                       f"{row['satisfaction']:.0f}%) at {currency}{best['cost_per_contact']:,.2f} "
                                       f"instead of {currency}{row['cost_per_contact']:,.2f} a contact")
    no_data = (matrix["satisfaction_n"] < min_base) & (matrix["effort_n"] < min_base) & (matrix["action"] == "keep")
    matrix.loc[no_data, "action"] = "insufficient data"
    rank = matrix["action"].map({"invest": 0, "steer away": 1, "keep": 2, "insufficient data": 3})
    matrix = matrix.assign(_rank=rank).sort_values(["_rank", "priority", "persona", "channel"],
                                                   ascending=[True, False, True, True], kind="stable")
    columns = ["persona", "channel", "preference", "satisfaction", "satisfaction_n", "satisfaction_expected",
               "satisfaction_gap", "satisfaction_z", "effort", "effort_n", "effort_expected", "effort_gap", "effort_z",
               "gap", "cost_per_contact", "kind", "contacts", "action", "priority", "alternative", "reason"]
    return matrix[columns].reset_index(drop=True)


def assumptions(config, *, rules: dict | None = None, within_days: float = 7) -> pd.DataFrame:
    """The assumptions behind step 2's figures, for the report: ``assumption, value``.

    Examples
    --------
    >>> from cxnb.samples import sample_config
    >>> from cxnb.config import load_config
    >>> assumptions(load_config(sample_config("b2b")))["assumption"].iloc[0]
    'cost of one contact'
    """
    rules = RULES | (rules or {})
    currency = config.currency
    costs = ", ".join(f"{c} {currency}{v:,.2f}" for c, v in config.channel_costs.per_contact.items())
    scales = config.scales
    easy = (f"{scales.ces.max - 1}–{scales.ces.max}" if scales.ces_higher_is_easier
            else f"{scales.ces.min}–{scales.ces.min + 1}")
    rows = [
        ("cost of one contact", costs or "not configured (channel_costs in the client config)"),
        ("a contact", "a support ticket in a channel that takes tickets, else a journey that used the channel"),
        ("satisfied", f"CSAT {scales.csat.max - 1}–{scales.csat.max} on {scales.csat.min}–{scales.csat.max}, "
                      "survey answers and rated tickets"),
        ("low effort", f"CES {easy} on {scales.ces.min}–{scales.ces.max}"),
        ("a survey answer's channel", "the channel of the interaction it rates"),
        ("preference", "the channel's mean share of the persona's events, purchases and tickets, over the "
                       "tables in which anyone uses it"),
        ("expected", "what the persona's general mood plus the channel's general performance predict "
                     "(additive least-squares model on the answers)"),
        ("invest", f"mean gap ≤ {rules['invest_gap']:+.0f} points, a gap with |z| ≥ {rules['z']}, "
                   f"preference ≥ {rules['min_preference']:.0f}%; priority = preference × gap"),
        ("steer away", f"a cheaper channel of the same kind used ≥ {rules['steer_min_preference']:.0f}% satisfies "
                       "at least as well; "
                       "priority = preference × cost saved per contact"),
        ("smallest base", f"{config.min_base} answers"),
        ("same issue", f"same customer and ticket category within {within_days:g} days"),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value"])
