"""The canonical data model: six tables, their columns, and the checks they must pass.

Every source is mapped to one of these tables (events also get ``seq``, their order in the
file, which breaks ties between events of one journey at the same time). :func:`normalise` converts a raw frame
(text cells as read from a file, or typed columns from Parquet) into the canonical types
and returns every problem it finds instead of stopping at the first:

- ids are strings (leading zeros kept), timestamps timezone-aware UTC (each value by its own
  offset, values without one in the source's zone; a column mixing zones is reported with the
  count in each),
- scores are nullable integers on their declared scale, after the source's missing-value
  codes (e.g. 99 "don't know") became missing,
- numbers parse with the source's decimal mark, booleans from true/false/yes/no/1/0,
- channel, stage and event values must be declared in the client config.

>>> [c.name for c in TABLES["tickets"].columns if c.required]
['ticket_id', 'created_at']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxnb.config import ClientConfig

__all__ = ["Column", "TableSpec", "TABLES", "PROBLEM_COLUMNS", "SEVERITIES", "CODE_NOTE", "ZONE_NOTE", "problem",
           "normalise", "check_foreign_keys"]

PROBLEM_COLUMNS = ["table", "column", "rows", "n_rows", "examples", "problem", "severity"]
SEVERITIES = ("error", "warning", "info")  # only errors stop loading
CODE_NOTE = "missing-value code"
"""How a problem noting values recoded to missing begins (e.g. 99 "don't know")."""
ZONE_NOTE = "timestamps in mixed zones"
"""How a problem noting a timestamp column written in more than one zone begins."""
_MAX_ROWS_LISTED = 20
_OFFSET = re.compile(r"(?:[zZ]|[+-]\d\d:?\d\d)$")
_OFFSET_PARTS = re.compile(r"(?:[zZ]|([+-]\d\d):?(\d\d))$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class Column:
    """A canonical column: its name, kind and whether a table needs it."""

    name: str
    kind: str  # id | timestamp | score | number | bool | text | category | channel | stage
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its key and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    one_of: tuple[str, ...] = ()  # at least one of these columns must be present
    unique_key: bool = True  # False: repeated keys are a warning, not an error
    keeps_extras: bool = False  # unlisted columns kept as text (customer attributes, event-log fields)
    pattern: str | None = None  # extra columns matching this regex are scores (rating_*)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def time_column(self) -> str:
        """The column that dates a row (the table's period is its range)."""
        return next(c.name for c in self.columns if c.kind == "timestamp")

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        if self.pattern and re.fullmatch(self.pattern, name):
            return Column(name, "score")
        return None


def _spec(name, key, *columns, **kw) -> TableSpec:
    return TableSpec(name, key, tuple(Column(*c) for c in columns), **kw)


TABLES: dict[str, TableSpec] = {
    "customers": _spec(
        "customers", ("customer_id",),
        ("customer_id", "id", True), ("signup_date", "timestamp"), ("region", "category"), ("plan", "category"),
        keeps_extras=True,
    ),
    "responses": _spec(
        "responses", ("response_id",),
        ("response_id", "id", True), ("submitted_at", "timestamp", True), ("customer_id", "id"),
        ("survey", "category"), ("stage", "stage"), ("channel", "channel"),
        ("nps", "score"), ("csat", "score"), ("ces", "score"), ("comment", "text"), ("duration_seconds", "number"),
        one_of=("nps", "csat", "ces"), pattern=r"rating_\w+",
    ),
    "reviews": _spec(
        "reviews", ("review_id",),
        ("review_id", "id", True), ("posted_at", "timestamp", True), ("text", "text", True),
        ("customer_id", "id"), ("source", "category"), ("rating", "score"),
    ),
    "tickets": _spec(
        "tickets", ("ticket_id",),
        ("ticket_id", "id", True), ("created_at", "timestamp", True), ("customer_id", "id"), ("channel", "channel"),
        ("category", "category"), ("first_response_at", "timestamp"), ("resolved_at", "timestamp"),
        ("reopened", "bool"), ("csat", "score"),
    ),
    "events": _spec(
        "events", ("journey_id", "timestamp", "event"),
        ("journey_id", "id", True), ("timestamp", "timestamp", True), ("event", "category", True),
        ("customer_id", "id"), ("channel", "channel"), ("stage", "stage"), ("seq", "number"),
        unique_key=False, keeps_extras=True,  # e.g. lifecycle:transition, org:resource from an XES log
    ),
    "transactions": _spec(
        "transactions", ("transaction_id",),
        ("transaction_id", "id", True), ("customer_id", "id", True), ("timestamp", "timestamp", True),
        ("amount", "number", True), ("channel", "channel"),
    ),
}


def problem(table, column, rows, problem_text, examples=(), severity="error") -> dict:
    """One row of a problems table. ``rows`` are spreadsheet row numbers (header = row 1)."""
    rows = [int(r) for r in rows]
    return {
        "table": table,
        "column": column,
        "rows": rows[:_MAX_ROWS_LISTED],
        "n_rows": len(rows),
        "examples": [str(v) for v in list(dict.fromkeys(examples))[:3]],
        "problem": problem_text,
        "severity": severity,
    }


@dataclass
class _Context:
    table: str
    config: ClientConfig
    decimal: str
    datetime_format: str | None
    timezone: str
    source: object
    row_numbers: np.ndarray
    problems: list = field(default_factory=list)

    def report(self, column, mask, text, values, severity="error"):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            bad = pd.Series(values)[mask]
            self.problems.append(problem(self.table, column, self.row_numbers[mask], text, bad.tolist(), severity))


def _is_text(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
                or pd.api.types.is_bool_dtype(s))


def _as_text(s: pd.Series, *, strip: bool = True) -> pd.Series:
    """Text view of a column; typed values (Parquet/Excel) print without a spurious '.0'.
    Blank cells become missing; ``strip`` also trims spaces around values (not for free text)."""
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    if not _is_text(s) or s.dtype == object:
        s = s.astype("str").where(s.notna())
    trimmed = s.str.strip()
    return (trimmed if strip else s).where(trimmed != "").astype("str")


def _to_text(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    """Ids and categories: trimmed text (ids keep leading zeros); blank → missing."""
    return _as_text(s)


def _to_free_text(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    """Customer text stays exactly as given; only a blank cell becomes missing."""
    return _as_text(s, strip=False)


def _to_timestamp(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        parsed = s
    else:
        text = _as_text(s)
        if ctx.datetime_format:
            parsed = pd.to_datetime(text, format=ctx.datetime_format, errors="coerce")
        else:
            zone = _zone_of(text)
            aware = zone.notna().to_numpy()
            parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
            if aware.any():
                parsed[aware] = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
            if (~aware).any():
                naive = pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
                parsed[~aware] = _localise(naive, ctx.timezone)
            _report_zones(zone, parsed.notna().to_numpy(), text, ctx, name)
        hint = f"expected {ctx.datetime_format!r}" if ctx.datetime_format else (
            "expected ISO 8601 such as 2025-03-01 14:22:05; declare "
            f"`sources.{ctx.table}.datetime_format` for another layout")
        ctx.report(name, text.notna() & parsed.isna(), f"not a timestamp ({hint})", text)
    if getattr(parsed.dt, "tz", None) is None:
        parsed = _localise(parsed, ctx.timezone)
    return parsed.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _zone_of(text: pd.Series) -> pd.Series:
    """Each timestamp text's zone as written: ``UTC`` (``Z``, ``+00:00``), an offset such as
    ``+01:00``, or missing for a value without one. (The few distinct endings are named once
    each, then mapped: a regular expression per value costs seconds on a million rows.)"""
    tails = text.str[-6:].where(text.str.contains(_OFFSET, na=False))
    names = {}
    for tail in tails.dropna().unique():
        hours, minutes = _OFFSET_PARTS.search(tail).groups()
        names[tail] = "UTC" if hours is None or f"{hours[1:]}{minutes}" == "0000" else f"{hours}:{minutes}"
    return tails.map(names).astype("str")


def _report_zones(zone: pd.Series, parsed: np.ndarray, text: pd.Series, ctx: _Context, name: str) -> None:
    """Say so when one column writes its times in more than one zone: how many values in each
    and what was done with them. The values are already converted (each by its own offset,
    those without one in the source's zone); this makes the mixture visible. The rows listed
    are those not in the commonest zone. A warning when times without a zone sit beside times
    with one (their zone is an assumption), information otherwise."""
    zones = zone[parsed].fillna("")  # "" = written without a zone
    counts = zones.value_counts()
    if len(counts) < 2:
        return
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    where = {z: "without a zone" if z == "" else "in UTC" if z == "UTC" else f"at {z}" for z in counts.index}
    common = counts.index[0]
    message = (f"{ZONE_NOTE} ({', '.join(f'{n:,} {where[z]}' for z, n in counts.items())}): "
               "each converted to UTC")
    if "" in counts:
        message += (f", those without a zone read in {ctx.timezone} (the source's zone; set "
                    f"`sources.{ctx.table}.timezone` if they are in another)")
    message += f"; rows listed: those not {where[common]}, the commonest"
    mask = np.zeros(len(text), dtype=bool)
    mask[np.flatnonzero(parsed)[(zones != common).to_numpy()]] = True
    ctx.report(name, mask, message, text, "warning" if "" in counts else "info")


def _localise(naive: pd.Series, zone: str) -> pd.Series:
    """Naive wall-clock times in ``zone`` → UTC. In the autumn hour that occurs twice the
    later (standard-time) reading is taken; spring-forward gaps shift to the next valid time."""
    if getattr(naive.dt, "tz", None) is not None:
        return naive.dt.tz_convert("UTC")
    return naive.dt.tz_localize(zone, ambiguous=np.zeros(len(naive), dtype=bool),
                                nonexistent="shift_forward").dt.tz_convert("UTC")


def _to_number(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("Float64")
    text = _as_text(s)
    clean = text
    if ctx.decimal == ",":
        clean = text.str.replace(r"\.(?=\d{3}(?:\D|$))", "", regex=True).str.replace(",", ".", regex=False)
    values = pd.to_numeric(clean, errors="coerce")
    mark = "a decimal comma" if ctx.decimal == "," else "a decimal point"
    ctx.report(name, text.notna() & values.isna(), f"not a number (expected digits with {mark})", text)
    return values.astype("Float64")


def _to_score(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    text = _as_text(s)
    codes = ctx.source.codes_for(name)
    if codes:
        coded = text.isin([str(c) for c in codes]).to_numpy()
        ctx.report(name, coded, f"{CODE_NOTE} ({', '.join(map(str, codes))}) read as missing", text, "info")
        s = s.where(~coded)
    values = _to_number(s, ctx, name)
    scale = ctx.config.scales.review if ctx.table == "reviews" else ctx.config.scales.for_column(name)
    present = values.notna().to_numpy()
    whole = present & (values == values.round()).fillna(False).to_numpy()
    ctx.report(name, present & ~whole, "not a whole number (scores are integers)", text)
    off = whole & ~values.between(scale.min, scale.max).fillna(False).to_numpy()
    ctx.report(name, off, f"outside the declared scale {scale.min}–{scale.max}; declare it in "
               f"`sources.{ctx.table}.missing_codes` if it is a code such as 'don't know'", text)
    return values.where(pd.Series(whole & ~off, index=values.index)).astype("Int64")


def _to_bool(s: pd.Series, ctx: _Context, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    text = _as_text(s).str.lower()
    result = pd.Series(pd.NA, index=s.index, dtype="boolean")
    result[text.isin(_TRUE).to_numpy()] = True
    result[text.isin(_FALSE).to_numpy()] = False
    ctx.report(name, text.notna() & result.isna(), "not a yes/no value (expected true/false, yes/no or 1/0)", text)
    return result


def _to_declared(s: pd.Series, ctx: _Context, name: str, allowed: list[str], key: str) -> pd.Series:
    text = _as_text(s)
    if allowed:
        unknown = text.notna() & ~text.isin(allowed)
        ctx.report(name, unknown, f"not declared in the config's `{key}` (expected one of: {', '.join(allowed)})",
                   text)
    return text


def _to_channel(s, ctx, name):
    return _to_declared(s, ctx, name, ctx.config.channels, "channels")


def _to_stage(s, ctx, name):
    stages = ctx.config.journey.stage_ids if ctx.config.journey else []
    return _to_declared(s, ctx, name, stages, "journey.stages")


_CONVERT = {
    "id": _to_text, "category": _to_text, "text": _to_free_text,
    "timestamp": _to_timestamp, "score": _to_score, "number": _to_number, "bool": _to_bool,
    "channel": _to_channel, "stage": _to_stage,
}


def normalise(raw: pd.DataFrame, table: str, config: ClientConfig, *, decimal=".", datetime_format=None,
              timezone=None) -> tuple[pd.DataFrame, list[dict]]:
    """Convert ``raw`` (already renamed to canonical column names) to canonical types.

    ``raw``'s index holds each row's spreadsheet row number, used in the messages.
    Naive timestamps are read in ``timezone`` (default: the config's zone for the table).
    Returns the typed frame (index 0..n-1) and a list of problems (see :func:`problem`).
    """
    spec = TABLES[table]
    ctx = _Context(table, config, decimal, datetime_format, timezone or config.source_timezone(table),
                   config.sources[table], raw.index.to_numpy())
    out = {}
    for name in raw.columns:
        column = spec.column(name)
        if column is None:
            if spec.keeps_extras:
                out[name] = _as_text(raw[name])
            continue
        out[name] = _CONVERT[column.kind](raw[name], ctx, name)
    order = [c for c in spec.names if c in out] + [c for c in out if c not in spec.names]
    frame = pd.DataFrame({c: out[c] for c in order}, index=raw.index)
    if table == "events" and config.journey is not None:
        frame = _stages_from_events(frame, ctx)
    if table == "events" and "seq" not in frame:
        # events at the same time in one journey keep the order of the file
        frame["seq"] = pd.array(np.arange(len(frame)), dtype="Int64")
    _check_table(frame, spec, ctx)
    return frame.reset_index(drop=True), ctx.problems


def _stages_from_events(frame: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """Fill ``stage`` from the config's event → stage map; every event must be mapped."""
    mapping = ctx.config.journey.event_stage_map
    if "event" not in frame:
        return frame
    unmapped = frame["event"].notna() & ~frame["event"].isin(list(mapping))
    ctx.report("event", unmapped, "not in the config's `journey.event_stage_map` (map it to a stage)",
               frame["event"])
    mapped = frame["event"].map(mapping).astype("str")
    if "stage" in frame:
        differs = frame["stage"].notna() & mapped.notna() & (frame["stage"] != mapped)
        ctx.report("stage", differs, "differs from the stage `journey.event_stage_map` gives the event",
                   frame["event"] + " → " + frame["stage"], "warning")
        return frame
    return frame.assign(stage=mapped)


def _check_table(frame: pd.DataFrame, spec: TableSpec, ctx: _Context) -> None:
    for c in spec.columns:
        if c.required and c.name in frame:
            ctx.report(c.name, frame[c.name].isna(), "required value is missing", frame[c.name])
    key = [k for k in spec.key if k in frame]
    if len(key) == len(spec.key):
        dup = frame.duplicated(key, keep=False).to_numpy() & frame[key].notna().all(axis=1).to_numpy()
        if dup.any():
            label = key[0] if len(key) == 1 else "+".join(key)
            values = frame[key[0]]
            if len(key) > 1:  # joined only on the repeated rows: the examples come from them
                values = pd.Series("", index=frame.index, dtype="string")
                values[dup] = frame.loc[dup, key].astype("string").agg(" / ".join, axis=1)
            text = "duplicate id (each must be unique)" if spec.unique_key else \
                "repeated event (same journey, time and event)"
            ctx.report(label, dup, text, values, "error" if spec.unique_key else "warning")
    if spec.name == "tickets":
        for later in ("first_response_at", "resolved_at"):
            if later in frame and "created_at" in frame:
                before = (frame[later] < frame["created_at"]).fillna(False).to_numpy()
                ctx.report(later, before, "earlier than created_at (impossible order)",
                           frame["ticket_id"] if "ticket_id" in frame else frame[later])
    if spec.name == "transactions" and "amount" in frame:
        ctx.report("amount", (frame["amount"] <= 0).fillna(False).to_numpy(),
                   "not a positive amount (refunds belong in a separate table)", frame["amount"],
                   "warning")


def check_foreign_keys(tables: dict[str, pd.DataFrame], row_numbers: dict[str, np.ndarray]) -> list[dict]:
    """Warn about customer ids that are not in the customers table."""
    customers = tables.get("customers")
    if customers is None or "customer_id" not in customers:
        return []
    known = customers["customer_id"]
    found = []
    for name, frame in tables.items():
        if name == "customers" or "customer_id" not in frame:
            continue
        orphan = (frame["customer_id"].notna() & ~frame["customer_id"].isin(known)).to_numpy()
        if orphan.any():
            found.append(problem(name, "customer_id", row_numbers[name][orphan], "not in the customers table",
                                 frame["customer_id"][orphan].tolist(), "warning"))
    return found
