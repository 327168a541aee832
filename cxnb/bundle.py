"""A client's data bundle: every configured source read, mapped and validated.

:func:`load_bundle` reads each source of a client config, maps its columns to the canonical
tables (:mod:`cxnb.schema`), converts types and checks everything, then either returns a
:class:`Bundle` or raises :class:`~cxnb.errors.SchemaError` whose ``problems`` table lists
every problem of every table at once. Source files are only ever read.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxnb.config import ClientConfig, load_config
from cxnb.errors import ConfigError, SchemaError, SourceError
from cxnb.io import RawSource, read_source
from cxnb.schema import PROBLEM_COLUMNS, TABLES, check_foreign_keys, normalise, problem

__all__ = ["Bundle", "load_bundle", "format_problems", "save_snapshot", "load_snapshot", "SNAPSHOT"]

SNAPSHOT = ".bundle.pickle"


@dataclass
class Bundle:
    """Validated canonical tables of one client, with what was learnt reading them.

    ``tables`` maps table name → DataFrame (only the configured tables); ``sources`` maps
    table name → :class:`~cxnb.io.RawSource` facts (file, encoding, delimiter, rows dropped,
    fingerprint); ``problems`` holds the warnings that did not stop loading.
    """

    config: ClientConfig
    tables: dict[str, pd.DataFrame]
    sources: dict[str, RawSource]
    problems: pd.DataFrame

    def __getattr__(self, name: str):
        if name in TABLES:
            return self.tables.get(name)
        raise AttributeError(name)

    def summary(self) -> pd.DataFrame:
        """One row per table: file, how it was read, rows kept and dropped, period covered.

        Columns: ``table, file, format, encoding, delimiter, decimal, rows, dropped,
        columns, first, last, warnings``.
        """
        rows = []
        for name, frame in self.tables.items():
            raw = self.sources[name]
            time = frame[TABLES[name].time_column] if TABLES[name].time_column in frame else pd.Series(dtype=object)
            dropped = ", ".join(f"{n} {why}" for why, n in raw.dropped.items() if n) or "0"
            mine = self.problems[(self.problems["table"] == name) & (self.problems["severity"] == "warning")]
            warned = mine["n_rows"].sum()
            rows.append({
                "table": name, "file": raw.path.name, "format": raw.format, "encoding": raw.encoding or "-",
                "delimiter": {"\t": "tab", None: "-"}.get(raw.delimiter, raw.delimiter), "decimal": raw.decimal,
                "rows": len(frame), "dropped": dropped, "columns": len(frame.columns),
                "first": time.min().date() if time.notna().any() else None,
                "last": time.max().date() if time.notna().any() else None,
                "warnings": int(warned),
            })
        return pd.DataFrame(rows)


def load_bundle(config: ClientConfig | str | Path) -> Bundle:
    """Read and validate every source of a client config (a :class:`ClientConfig` or its path).

    Raises :class:`~cxnb.errors.SchemaError` listing all problems if any is an error.

    >>> from cxnb.paths import sample_dir
    >>> bundle = load_bundle(sample_dir("b2c") / "client.yaml")
    >>> bundle.responses["nps"].dtype, str(bundle.responses["submitted_at"].dt.tz)
    (Int64Dtype(), 'UTC')
    """
    if not isinstance(config, ClientConfig):
        config = load_config(config)
    _check_mappings(config)
    tables, sources, problems = {}, {}, []
    for name, source in config.sources.items():
        try:
            raw = read_source(source, name)
        except SourceError as exc:
            problems.append(problem(name, "(file)", [], str(exc)))
            continue
        frame, found = _canonical(raw, name, config)
        problems += found
        if frame is not None:
            tables[name], sources[name] = frame, raw
    problems += check_foreign_keys(tables, {n: raw.frame.index.to_numpy() for n, raw in sources.items()})
    for raw in sources.values():  # the text as read is no longer needed: keep the facts only
        raw.row_numbers, raw.frame = raw.frame.index, raw.frame.iloc[:0]
    report = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    errors = report[report["severity"] == "error"]
    if len(errors):
        raise SchemaError(_summarise(config, errors), problems=report)
    return Bundle(config, tables, sources, report)


def _check_mappings(config: ClientConfig) -> None:
    bad = []
    for name, source in config.sources.items():
        spec = TABLES[name]
        for canonical in source.columns:
            if spec.column(canonical) is None:
                bad.append(f"  - `sources.{name}.columns.{canonical}`: not a column of the {name} table; "
                           f"expected one of {', '.join(spec.names)}"
                           + (" or rating_<driver>" if spec.pattern else ""))
    if bad:
        where = config.path or "client config"
        raise ConfigError(f"{where}: {len(bad)} problem(s) in the column mappings:\n" + "\n".join(bad))


def _canonical(raw: RawSource, name: str, config: ClientConfig) -> tuple[pd.DataFrame | None, list[dict]]:
    """Rename the raw columns to canonical names, check presence, convert types."""
    spec, source = TABLES[name], config.sources[name]
    frame, problems = raw.frame, []
    mapping = {**raw.default_columns, **source.columns}
    missing = [(canon, col) for canon, col in source.columns.items() if col not in frame.columns]
    for canon, col in missing:
        problems.append(problem(name, canon, [], f"column {col!r} (mapped in `sources.{name}.columns`) is not "
                                f"in {raw.path.name}", list(frame.columns)))
    renames = {col: canon for canon, col in mapping.items() if col in frame.columns and col != canon}
    frame = frame.drop(columns=[c for c in renames.values() if c in frame.columns and c not in renames])
    frame = frame.rename(columns=renames)
    for column in spec.columns:
        if column.required and column.name not in frame.columns:
            problems.append(problem(name, column.name, [], f"required column is missing from {raw.path.name}; "
                                    f"map one in `sources.{name}.columns`", list(frame.columns)))
    if spec.one_of and not set(spec.one_of) & set(frame.columns):
        problems.append(problem(name, "/".join(spec.one_of), [], f"{raw.path.name} has none of these score "
                                f"columns; map at least one in `sources.{name}.columns`", list(frame.columns)))
    if problems:
        return None, problems
    typed, found = normalise(frame, name, config, decimal=raw.decimal, datetime_format=raw.datetime_format,
                             timezone=source.timezone or raw.timezone)
    return typed, found


def _summarise(config: ClientConfig, errors: pd.DataFrame) -> str:
    where = config.path or config.name
    tables = errors["table"].nunique()
    return f"{where}: {len(errors)} problem(s) in {tables} table(s):\n" + format_problems(errors)


def format_problems(problems: pd.DataFrame) -> str:
    """Problems as readable lines: table.column, rows, problem, examples."""
    lines = []
    for p in problems.itertuples():
        rows = ""
        if p.n_rows:
            listed = ", ".join(map(str, p.rows))
            rows = f" rows {listed}" + (f" (+{p.n_rows - len(p.rows)} more)" if p.n_rows > len(p.rows) else "")
        examples = f" [e.g. {', '.join(p.examples)}]" if p.examples else ""
        lines.append(f"  - {p.severity}: {p.table}.{p.column}{rows}: {p.problem}{examples}")
    return "\n".join(lines)


def save_snapshot(bundle: Bundle, folder: Path) -> Path:
    """Keep a validated bundle in a run's private folder so the run's notebooks need not read
    and validate the sources again (see :func:`load_snapshot`)."""
    path = Path(folder) / SNAPSHOT
    with path.open("wb") as handle:
        pickle.dump(bundle, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_snapshot(folder: Path, config: ClientConfig) -> Bundle | None:
    """The bundle :func:`save_snapshot` left in ``folder`` for the same client config, or None.

    Only for folders the runner made itself: a pickle must never come from elsewhere.
    """
    path = Path(folder) / SNAPSHOT
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        bundle = pickle.load(handle)
    same = isinstance(bundle, Bundle) and bundle.config.path and config.path \
        and Path(bundle.config.path).resolve() == Path(config.path).resolve()
    return bundle if same else None
