"""Step 5, "do we have the data to measure it?": inventory, coverage, data-quality audit and
sample-size sufficiency of a client's bundle.

- :func:`inventory` lists each table with its period and how many customers it covers;
- :func:`coverage` counts rows per journey stage or channel, declared ones with no data included;
- :func:`speeders`, :func:`straight_liners` and :func:`duplicate_submissions` flag survey
  responses row by row; :func:`impossible_timestamps` checks dates across tables;
  :func:`audit` runs every check and lists each, with a count of 0 where nothing was found;
- :func:`sample_size` says, per KPI, how many answers the configured precision needs and
  whether the latest period has them.

Every function reads the bundle and returns a new frame; nothing is changed in place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxnb import stats
from cxnb.bundle import Bundle
from cxnb.errors import CxnbError
from cxnb.kpis import kpi_frame
from cxnb.metrics import PERIODS
from cxnb.redact import PII_KINDS, find_pii, redact
from cxnb.schema import CODE_NOTE, TABLES, ZONE_NOTE

__all__ = [
    "inventory",
    "coverage",
    "speeders",
    "straight_liners",
    "duplicate_submissions",
    "impossible_timestamps",
    "audit",
    "sample_size",
    "AUDIT_COLUMNS",
    "personal_data",
    "findings",
]

AUDIT_COLUMNS = ["check", "table", "column", "count", "share", "examples", "rule"]
_EXAMPLES = 3
_MISSING = "(missing)"
_SIGNUP_TABLES = ("responses", "tickets", "transactions")


def _ids(frame: pd.DataFrame, table: str, flagged) -> list[str]:
    """Up to three ids (the table's first key column) of the flagged rows."""
    ids = frame.loc[np.asarray(flagged, dtype=bool), TABLES[table].key[0]]
    return ids.head(_EXAMPLES).astype(str).tolist()


# ---------------------------------------------------------------------------------------------
# Inventory and coverage


def inventory(bundle: Bundle) -> pd.DataFrame:
    """One row per table: where it came from, how many rows, which period, how many customers.

    Built on :meth:`cxnb.bundle.Bundle.summary` (which also says how each file was read).

    Returns
    -------
    pandas.DataFrame
        ``table, file, rows, first, last, customers, columns``: ``first`` and ``last`` are
        the dates of the table's time column (e.g. ``submitted_at``), ``customers`` the
        distinct ``customer_id`` values (missing where the table has no such column),
        ``columns`` the number of columns kept.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> inventory(load_sample("b2b"))[["table", "rows", "first", "last", "customers"]]
              table   rows       first        last  customers
    0     customers    360  2019-01-01  2026-03-23        360
    1     responses   1515  2024-10-02  2026-09-17        338
    2       reviews    380  2024-10-04  2026-09-29        146
    3       tickets   2400  2024-10-01  2026-09-30        343
    4        events  11290  2024-10-01  2026-09-29        329
    5  transactions   4174  2024-10-01  2026-09-28        360
    """
    summary = bundle.summary().reindex(columns=["table", "file", "rows", "first", "last", "columns"])
    customers = [frame["customer_id"].nunique() if "customer_id" in frame else pd.NA
                 for frame in bundle.tables.values()]
    summary.insert(5, "customers", pd.array(customers, dtype="Int64"))
    return summary


def _declared(bundle: Bundle, by: str) -> list[str]:
    if by == "stage":
        return bundle.config.journey.stage_ids if bundle.config.journey else []
    return list(bundle.config.channels)


def coverage(bundle: Bundle, by: str = "stage") -> pd.DataFrame:
    """Rows of each table per journey stage or channel, with every declared value listed.

    Each table that has the ``by`` column (responses, tickets, events, transactions, ...)
    gets one row per stage/channel declared in the client config, in the config's order, with
    ``rows = 0`` where it has none: those gaps are what the step looks for. Rows without a
    value are counted under ``"(missing)"`` (listed only when there are some).

    Parameters
    ----------
    bundle : Bundle
    by : {"stage", "channel"}

    Returns
    -------
    pandas.DataFrame
        ``table, <by>, rows, share``; ``share`` is the part of the table's rows (0-1).

    Examples
    --------
    >>> from cxnb import load_sample
    >>> channels = coverage(load_sample("b2b"), by="channel")
    >>> channels[channels["rows"] == 0]
               table          channel  rows  share
    5        tickets  account_manager     0    0.0
    9        tickets          webinar     0    0.0
    18  transactions            phone     0    0.0
    19  transactions          webinar     0    0.0
    """
    if by not in ("stage", "channel"):
        raise CxnbError(f"coverage is counted by 'stage' or 'channel'; got by={by!r}")
    declared = _declared(bundle, by)
    rows = []
    for name, frame in bundle.tables.items():
        if by not in frame:
            continue
        counts = frame[by].fillna(_MISSING).value_counts()
        undeclared = sorted(set(counts.index) - {*declared, _MISSING})
        values = [*declared, *undeclared] + ([_MISSING] if _MISSING in counts.index else [])
        for value in values:
            n = int(counts.get(value, 0))
            rows.append({"table": name, by: value, "rows": n, "share": n / len(frame) if len(frame) else float("nan")})
    return pd.DataFrame(rows, columns=["table", by, "rows", "share"])


# ---------------------------------------------------------------------------------------------
# Row-level checks on survey responses


def _check_responses(responses, columns: list[str], check: str) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise CxnbError(f"{check} expects the responses table as a pandas DataFrame; got {type(responses).__name__}")
    missing = [c for c in columns if c not in responses]
    if missing:
        raise CxnbError(f"{check} needs the column(s) {', '.join(missing)} in the responses table; map them in "
                        f"`sources.responses.columns` (the table has {', '.join(map(str, responses.columns))})")


def _ratings(responses: pd.DataFrame) -> list[str]:
    spec = TABLES["responses"]
    return [c for c in responses.columns if spec.column(c) is not None and c not in spec.names]


def speeders(responses: pd.DataFrame, *, factor: float = 3) -> pd.Series:
    """Responses completed implausibly fast: ``duration_seconds < median / factor``.

    The median is over the responses with a duration; a missing duration is not flagged.

    Parameters
    ----------
    responses : pandas.DataFrame
        Canonical responses with ``duration_seconds``.
    factor : float
        How many times faster than the median counts as speeding (3: under a third).

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``responses``, named ``speeder``; True = flagged.

    Examples
    --------
    >>> frame = pd.DataFrame({"duration_seconds": [30, 100, 120, 150, None]})
    >>> speeders(frame).tolist()  # median 110 s: under 36.7 s is speeding
    [True, False, False, False, False]
    """
    _check_responses(responses, ["duration_seconds"], "speeders")
    seconds = responses["duration_seconds"]
    if not pd.api.types.is_numeric_dtype(seconds):
        raise CxnbError(f"responses.duration_seconds must hold numbers of seconds; got {seconds.dtype} values")
    if not factor > 0:
        raise CxnbError(f"factor must be a positive number (3 = under a third of the median time); got {factor!r}")
    fast = seconds < seconds.median() / factor
    return fast.fillna(False).astype(bool).rename("speeder")


def straight_liners(responses: pd.DataFrame) -> pd.Series:
    """Responses giving every driver rating the same value.

    Flagged when all ``rating_*`` columns present hold one value; needs at least 3 rating
    columns; a response with any rating missing is not flagged.

    Parameters
    ----------
    responses : pandas.DataFrame
        Canonical responses with ``rating_*`` columns.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``responses``, named ``straight_liner``; True = flagged.

    Examples
    --------
    >>> frame = pd.DataFrame({"rating_a": [5, 5, 5], "rating_b": [5, 4, None], "rating_c": [5, 5, 5]})
    >>> straight_liners(frame).tolist()
    [True, False, False]
    """
    _check_responses(responses, [], "straight_liners")
    ratings = _ratings(responses)
    if len(ratings) < 3:
        raise CxnbError(f"straight_liners needs at least 3 rating_* columns in the responses table; found "
                        f"{len(ratings)} ({', '.join(ratings) or 'none'})")
    values = responses[ratings]
    same = values.eq(values[ratings[0]], axis=0).fillna(False).all(axis=1)
    return (same & values.notna().all(axis=1)).astype(bool).rename("straight_liner")


def _answers(responses: pd.DataFrame) -> list[str]:
    return [c for c in ("nps", "csat", "ces") if c in responses] + _ratings(responses) + \
        (["comment"] if "comment" in responses else [])


def duplicate_submissions(responses: pd.DataFrame, *, minutes: float = 10) -> pd.Series:
    """Responses repeating an earlier one of the same customer within ``minutes``.

    A response is a duplicate when an earlier response (by ``submitted_at``) has the same
    ``customer_id`` and identical ``nps``, ``csat``, ``ces``, ``rating_*`` and ``comment``
    (those present; missing equals missing) and was submitted at most ``minutes`` before. The
    later one is flagged, the first is kept; at equal times the one later in the table is
    flagged. Responses without a ``customer_id`` are never flagged.

    Parameters
    ----------
    responses : pandas.DataFrame
        Canonical responses with ``customer_id``, ``submitted_at`` and answer columns.
    minutes : float
        Longest gap between the two submissions.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``responses``, named ``duplicate``; True = flagged.

    Examples
    --------
    >>> t = pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:04", "2025-01-01 11:00"], utc=True)
    >>> frame = pd.DataFrame({"customer_id": ["7", "7", "7"], "submitted_at": t, "nps": [9, 9, 9]})
    >>> duplicate_submissions(frame).tolist()  # 4 minutes after the first; the third is 56 later
    [False, True, False]
    """
    _check_responses(responses, ["customer_id", "submitted_at"], "duplicate_submissions")
    answers = _answers(responses)
    if not answers:
        raise CxnbError("duplicate_submissions compares answers, but the responses table has none of nps, csat, "
                        "ces, rating_* or comment")
    if not pd.api.types.is_datetime64_any_dtype(responses["submitted_at"]):
        raise CxnbError(f"responses.submitted_at must hold timestamps; got {responses['submitted_at'].dtype} values")
    if not minutes >= 0:
        raise CxnbError(f"minutes must be 0 or more; got {minutes!r}")
    group = responses.groupby(["customer_id", *answers], dropna=False, sort=False).ngroup().to_numpy()
    work = pd.DataFrame({"group": group, "time": responses["submitted_at"].to_numpy()})
    work = work.sort_values(["group", "time"], kind="stable")
    repeat = work["group"].eq(work["group"].shift()) & work["time"].diff().le(pd.Timedelta(minutes=minutes))
    flagged = repeat.sort_index().to_numpy() & responses["customer_id"].notna().to_numpy()
    return pd.Series(flagged, index=responses.index, name="duplicate")


# ---------------------------------------------------------------------------------------------
# Timestamps across tables


def _timestamp_columns(name: str, frame: pd.DataFrame) -> list[str]:
    return [c.name for c in TABLES[name].columns if c.kind == "timestamp" and c.name in frame]


def impossible_timestamps(bundle: Bundle, *, now=None) -> pd.DataFrame:
    """Timestamps that cannot be true, one row per table, column and rule checked.

    Rules:

    - *after extraction*: every timestamp column of every table is compared with the
      extraction time, estimated as the latest dating timestamp of the bundle (``submitted_at``,
      ``created_at``, ...) plus one day, or ``now`` if that is earlier;
    - *before signup*: responses, tickets and transactions dated before their customer's
      ``signup_date`` (when the customers table has one);
    - *resolved before first response*: tickets whose ``resolved_at`` precedes
      ``first_response_at`` (loading already refuses either before ``created_at``).

    Parameters
    ----------
    bundle : Bundle
    now : timestamp-like, optional
        The current time (default: the clock); a naive value is read as UTC.

    Returns
    -------
    pandas.DataFrame
        ``table, column, rule, count, examples``: ``examples`` holds up to 3 ids of the
        offending rows. A rule that finds nothing has ``count = 0``.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> found = impossible_timestamps(load_sample("b2b"), now="2026-11-01")
    >>> found[found["count"] > 0][["table", "column", "count"]]
               table     column  count
    10  transactions  timestamp      6
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tz is None else now.tz_convert("UTC")
    dating = [frame[TABLES[name].time_column].max() for name, frame in bundle.tables.items()
              if TABLES[name].time_column in frame]
    latest = max((t for t in dating if pd.notna(t)), default=pd.NaT)
    cutoff = now if pd.isna(latest) else min(latest + pd.Timedelta(days=1), now)
    rows = []

    def add(name: str, column: str, rule: str, flagged: pd.Series) -> None:
        flagged = flagged.fillna(False).astype(bool)
        rows.append({"table": name, "column": column, "rule": rule, "count": int(flagged.sum()),
                     "examples": _ids(bundle.tables[name], name, flagged)})

    for name, frame in bundle.tables.items():
        for column in _timestamp_columns(name, frame):
            add(name, column, f"after the data were extracted (later than {cutoff:%Y-%m-%d %H:%M} UTC: the latest "
                f"dated row + 1 day, or now)", frame[column] > cutoff)
    customers = bundle.tables.get("customers")
    if customers is not None and "signup_date" in customers:
        signup = customers.drop_duplicates("customer_id").set_index("customer_id")["signup_date"]
        for name in _SIGNUP_TABLES:
            frame = bundle.tables.get(name)
            if frame is not None and "customer_id" in frame:
                time = TABLES[name].time_column
                add(name, time, "before the customer's signup_date", frame[time] < frame["customer_id"].map(signup))
    tickets = bundle.tables.get("tickets")
    if tickets is not None and {"resolved_at", "first_response_at"} <= set(tickets.columns):
        add("tickets", "resolved_at", "earlier than first_response_at",
            tickets["resolved_at"] < tickets["first_response_at"])
    return pd.DataFrame(rows, columns=["table", "column", "rule", "count", "examples"])


# ---------------------------------------------------------------------------------------------
# The audit


def _row(check: str, table: str | None, column: str | None, rule: str, frame: pd.DataFrame | None = None,
         flagged: pd.Series | None = None, count: int | None = None, examples: list | None = None) -> dict:
    """One audit row; ``flagged`` (aligned with ``frame``) gives count and examples."""
    if flagged is not None:
        count, examples = int(flagged.sum()), _ids(frame, table, flagged)
    total = len(frame) if frame is not None else 0
    share = count / total if count is not None and total else float("nan")
    return {"check": check, "table": table, "column": column, "count": count, "share": share,
            "examples": examples or [], "rule": rule}


def _response_checks(responses: pd.DataFrame | None) -> list[dict]:
    checks = [
        ("duplicate_submissions", "customer_id + answers", duplicate_submissions,
         "same customer_id and identical nps, csat, ces, rating_* and comment as an earlier response at most "
         "10 minutes before; the later one counts"),
        ("speeders", "duration_seconds", speeders, "duration_seconds < median / 3"),
        ("straight_liners", "rating_*", straight_liners,
         "every rating_* column holds the same value (responses with a missing rating are not flagged)"),
    ]
    rows = []
    for check, column, flag, rule in checks:
        if responses is None:
            rows.append(_row(check, "responses", column, "not checked: the client has no responses table"))
            continue
        try:
            flagged = flag(responses)
        except CxnbError as exc:
            rows.append(_row(check, "responses", column, f"not checked: {exc}", responses))
            continue
        if check == "speeders":
            rule += f" (median {responses['duration_seconds'].median():g} s)"
        rows.append(_row(check, "responses", column, rule, responses, flagged))
    return rows


def _noted(bundle: Bundle, check: str, start: str) -> list[dict]:
    """One row per problem the loader noted whose text begins with ``start``, with the ids of
    the first rows it lists as examples."""
    rows = []
    for note in bundle.problems[bundle.problems["problem"].str.startswith(start)].itertuples():
        frame, source = bundle.tables.get(note.table), bundle.sources.get(note.table)
        examples = []
        if frame is not None and source is not None:
            positions = source.row_numbers.get_indexer(note.rows[:_EXAMPLES])
            examples = frame[TABLES[note.table].key[0]].iloc[positions].astype(str).tolist()
        rows.append(_row(check, note.table, note.column, note.problem, frame, count=int(note.n_rows),
                         examples=examples))
    return rows


def _zone_checks(bundle: Bundle) -> list[dict]:
    """Timestamp columns the loader found written in more than one zone, or one row saying none was."""
    return _noted(bundle, "mixed_time_zones", ZONE_NOTE) or [_row(
        "mixed_time_zones", None, None, "timestamp columns written in more than one zone (offsets such as +01:00, "
        "Z, times without a zone); none found", count=0)]


def _code_checks(bundle: Bundle) -> list[dict]:
    """Recodings the loader noted, plus declared codes that never occurred."""
    rows = _noted(bundle, "missing_value_codes", CODE_NOTE)
    seen = {(row["table"], row["column"]) for row in rows}
    for name, frame in bundle.tables.items():
        source = bundle.config.sources.get(name)
        for column in frame.columns:
            spec = TABLES[name].column(column)
            if source is None or spec is None or spec.kind != "score":
                continue
            codes = source.codes_for(column)
            if codes and (name, column) not in seen:
                rows.append(_row("missing_value_codes", name, column,
                                 f"{CODE_NOTE} ({', '.join(map(str, codes))}) read as missing", frame, count=0))
                seen.add((name, column))
    if not seen:
        rows.append(_row("missing_value_codes", None, None,
                         "values equal to a declared missing-value code (e.g. 99 = don't know); none is declared in "
                         "`sources.<table>.missing_codes`", count=0))
    return rows


def _missing_checks(bundle: Bundle) -> list[dict]:
    rows = []
    for name, frame in bundle.tables.items():
        spec = TABLES[name]
        for column in frame.columns:
            canonical = spec.column(column)
            if canonical is not None and not canonical.required:
                rows.append(_row("missing_values", name, column, "no value in this optional column (missing-value "
                                 "codes included)", frame, frame[column].isna()))
    return rows


def audit(bundle: Bundle, *, now=None) -> pd.DataFrame:
    """Every data-quality check of the step, one row each, including those that found nothing.

    Checks, in order: ``duplicate_submissions``, ``speeders`` (factor 3),
    ``straight_liners`` (see their functions); ``impossible_timestamps`` (one row per table,
    column and rule of :func:`impossible_timestamps`); ``mixed_time_zones`` (each timestamp
    column written in more than one zone, as the loader noted it; ``count`` = the values outside
    the commonest zone); ``missing_value_codes`` (each recoding
    of a declared code such as 99 "don't know", as the loader noted it in
    ``bundle.problems``, and each column with a declared code that never occurred); and
    ``missing_values`` (each optional canonical column present, e.g. ``responses.comment``,
    ``tickets.resolved_at``). A check the data cannot support (no ``duration_seconds``, fewer
    than 3 ratings, no responses table) is listed with ``count`` missing and a ``rule``
    starting "not checked:".

    Parameters
    ----------
    bundle : Bundle
    now : timestamp-like, optional
        Passed to :func:`impossible_timestamps`.

    Returns
    -------
    pandas.DataFrame
        ``check, table, column, count, share, examples, rule``: ``share`` = count / rows of
        the table (0-1), ``examples`` up to 3 ids of flagged rows, ``rule`` what was checked.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> report = audit(load_sample("b2b"), now="2026-11-01")
    >>> checks = ["duplicate_submissions", "speeders", "straight_liners", "missing_value_codes"]
    >>> report[report["check"].isin(checks)][["check", "table", "column", "count"]]
                        check      table                 column  count
    0   duplicate_submissions  responses  customer_id + answers     15
    1                speeders  responses       duration_seconds     22
    2         straight_liners  responses               rating_*     28
    16    missing_value_codes  responses                    ces     16
    """
    rows = _response_checks(bundle.tables.get("responses"))
    for found in impossible_timestamps(bundle, now=now).itertuples():
        rows.append(_row("impossible_timestamps", found.table, found.column, found.rule, bundle.tables[found.table],
                         count=found.count, examples=found.examples))
    rows += _zone_checks(bundle) + _code_checks(bundle) + _missing_checks(bundle)
    report = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    report["count"] = report["count"].astype("Int64")
    return report


# ---------------------------------------------------------------------------------------------
# Sample size

# KPI → (kind of estimate, what ± precision is in, what is counted)
_PLANS = {
    "nps": ("nps", "NPS points", "responses"),
    "csat": ("proportion", "percentage points of CSAT top-2-box", "responses"),
    "ces": ("mean", "points of mean CES", "responses"),
    "ces_low_effort": ("proportion", "percentage points of low-effort share", "responses"),
    "fcr": ("proportion", "percentage points of first-contact resolution", "resolved tickets"),
}
_HITS = {"csat": "satisfied", "ces_low_effort": "low_effort", "fcr": "tickets"}
_LABELS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m", "year": "%Y"}


def _period_label(start: pd.Timestamp, period: str) -> str:
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return start.strftime(_LABELS[period])


def _needed(kpi: str, observed: pd.Series, bundle: Bundle) -> tuple[float, int]:
    """The configured precision of ``kpi`` and the responses it needs, from the observed spread."""
    kind, precision = _PLANS[kpi][0], bundle.config.precision
    n = observed["n"]
    if kind == "nps":
        nps = (observed["promoters"] - observed["detractors"]) / n
        passives = min(observed["passives"] / n, 1 - abs(nps))  # the same bound, safe from rounding
        return precision.nps, stats.nps_sample_size(precision.nps / 100, expected_nps=nps, expected_passives=passives)
    if kind == "mean":
        return precision.ces, stats.mean_sample_size(precision.ces, sd=observed["sd"])
    return precision.proportion, stats.proportion_sample_size(precision.proportion / 100,
                                                              expected=observed[_HITS[kpi]] / n)


def sample_size(bundle: Bundle, *, period: str = "quarter") -> pd.DataFrame:
    """Responses each KPI needs for the precision in the client config, against those at hand.

    For every KPI the bundle supports (its table and column present, at least two answers)
    among ``nps``, ``csat`` (top-2-box), ``ces`` (mean), ``ces_low_effort`` and ``fcr``
    (first-contact resolution), the answers needed for a 95% interval of ± the configured
    precision (``bundle.config.precision``) come from the observed data: NPS by
    :func:`cxnb.stats.nps_sample_size` with the observed NPS and share of passives,
    proportions by :func:`cxnb.stats.proportion_sample_size` with the observed proportion,
    the CES mean by :func:`cxnb.stats.mean_sample_size` with the observed standard deviation.
    The latest period is the last calendar period with data in the KPI's table (it may still
    be running).

    Parameters
    ----------
    bundle : Bundle
    period : {"day", "week", "month", "quarter", "year"}
        Reporting period a KPI should be measured in.

    Returns
    -------
    pandas.DataFrame
        ``kpi, precision, needed, have_total, latest_period, have_latest, sufficient,
        sentence``: ``precision`` in the KPI's unit (NPS points, percentage points, CES
        points), ``have_total`` answers over all the data, ``latest_period`` a label such as
        ``2026-Q3``, ``sufficient`` = have_latest ≥ needed, ``sentence`` the finding in words.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> plan = sample_size(load_sample("b2b"))
    >>> print(plan.loc[plan["kpi"] == "nps", "sentence"].item())
    ±5 NPS points needs 1,024 responses; you have 174 in 2026-Q3 (850 short).
    """
    if period not in PERIODS:
        raise CxnbError(f"period must be one of {', '.join(PERIODS)}; got {period!r}")
    rows = []
    for kpi, (_, unit, counted) in _PLANS.items():
        try:
            observed = kpi_frame(bundle, kpi).iloc[0]
        except CxnbError:  # the client's data lack this KPI's table or column
            continue
        if observed["n"] < 2:
            continue
        latest = kpi_frame(bundle, kpi, period=period).iloc[-1]
        precision, needed = _needed(kpi, observed, bundle)
        label, have = _period_label(latest["period"], period), int(latest["n"])
        verdict = "enough" if have >= needed else f"{needed - have:,} short"
        rows.append({"kpi": kpi, "precision": precision, "needed": needed, "have_total": int(observed["n"]),
                     "latest_period": label, "have_latest": have, "sufficient": have >= needed,
                     "sentence": f"±{precision:g} {unit} needs {needed:,} {counted}; you have {have:,} in {label} "
                                 f"({verdict})."})
    return pd.DataFrame(rows, columns=["kpi", "precision", "needed", "have_total", "latest_period", "have_latest",
                                       "sufficient", "sentence"])


FREE_TEXT = {"responses": ("response_id", "comment"), "reviews": ("review_id", "text")}


def personal_data(bundle: Bundle, *, examples: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Personal data typed into free text (survey comments, reviews), found by :mod:`cxnb.redact`.

    Returns two frames: counts ``table, column, kind, texts, matches`` (every kind listed,
    zeros included) and up to ``examples`` texts per table that held some, **already
    redacted**: ``table, id, text``. Nothing unredacted leaves this function.

    Examples
    --------
    >>> from cxnb import load_sample
    >>> counts, shown = personal_data(load_sample("b2b"))
    >>> int(counts.set_index(["table", "kind"]).loc[("responses", "email"), "texts"])
    7
    >>> bool(shown["text"].str.contains("@example").any())
    False
    """
    counts, shown = [], []
    for table, (key, column) in FREE_TEXT.items():
        frame = bundle.tables.get(table)
        if frame is None or column not in frame:
            continue
        texts = frame[[key, column]].dropna()
        found = texts[column].map(find_pii)
        for kind in PII_KINDS:
            per_text = found.map(lambda items: sum(p.kind == kind for p in items))
            counts.append({"table": table, "column": column, "kind": kind, "texts": int((per_text > 0).sum()),
                           "matches": int(per_text.sum())})
        hits = texts[found.map(bool)].head(examples)
        shown += [{"table": table, "id": i, "text": redact(t)} for i, t in zip(hits[key], hits[column])]
    return (pd.DataFrame(counts, columns=["table", "column", "kind", "texts", "matches"]),
            pd.DataFrame(shown, columns=["table", "id", "text"]))


def findings(audit_table: pd.DataFrame, sizes: pd.DataFrame) -> list[str]:
    """Sentences for the report's front page: survey-hygiene problems found, then each KPI
    whose latest period has too few responses for the client's precision."""
    survey = audit_table[audit_table["check"].isin(["speeders", "straight_liners", "duplicate_submissions"])]
    found = [f"Data audit: {int(r.count):,} {r.check.replace('_', ' ')} among the survey responses ({r.share:.1%})."
             for r in survey.itertuples() if r.count]
    return found + sizes.loc[~sizes["sufficient"], "sentence"].tolist()
