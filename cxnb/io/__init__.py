"""Readers: one source file → a raw frame plus what was learnt reading it.

Every reader only opens its file for reading. The raw frame's index holds spreadsheet
row numbers (header = row 1) so that validation messages point at the right rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxnb.config import Source
from cxnb.errors import SourceError
from cxnb.io.eventlog import event_log_columns, read_xes
from cxnb.io.surveys import QUALTRICS_DEFAULTS, SURVEYMONKEY_DEFAULTS, read_qualtrics, read_surveymonkey
from cxnb.io.text import decode, read_delimited, sniff_decimal, sniff_delimiter

__all__ = ["RawSource", "read_source"]

_DEFAULT_COLUMNS = {"qualtrics": QUALTRICS_DEFAULTS, "surveymonkey": SURVEYMONKEY_DEFAULTS}
_DECIMAL_SAMPLE_ROWS = 500


@dataclass
class RawSource:
    """A source as read: the frame (text cells, or typed Parquet/Excel columns) and facts about it."""

    frame: pd.DataFrame
    path: Path
    format: str
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    header_rows: int = 1
    dropped: dict = field(default_factory=dict)
    timezone: str | None = None
    datetime_format: str | None = None
    default_columns: dict = field(default_factory=dict)
    row_numbers: pd.Index | None = None  # spreadsheet row of each kept row, once the bundle is loaded


def read_source(source: Source, table: str) -> RawSource:
    """Read the file of ``sources.<table>``; raises :class:`SourceError` if it cannot be read."""
    path = Path(source.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror})") from None
    raw = RawSource(pd.DataFrame(), path, source.format, hashlib.sha256(data).hexdigest(),
                    datetime_format=source.datetime_format,
                    default_columns=_DEFAULT_COLUMNS.get(source.format, {}))
    if source.format == "parquet":
        try:
            raw.frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
            raise SourceError(f"{path}: not a readable Parquet file ({exc})") from None
        raw.frame.index = range(1, 1 + len(raw.frame))
        raw.header_rows = 0
    elif source.format == "excel":
        try:
            raw.frame = pd.read_excel(path, sheet_name=source.sheet or 0, dtype=str, keep_default_na=False,
                                      na_values=["", *source.na_values])
        except ValueError as exc:
            raise SourceError(f"{path}: cannot read sheet {source.sheet!r} ({exc})") from None
        except Exception as exc:  # openpyxl / zipfile errors on a file that is not a workbook
            raise SourceError(f"{path}: not a readable Excel workbook ({exc})") from None
        raw.frame.index = range(2, 2 + len(raw.frame))
    elif source.format == "xes":
        raw.frame, info = read_xes(data, path)
        raw.header_rows = info["header_rows"]
    else:
        _read_text(raw, data, source, table)
    if table == "events":  # process-mining column names (case:concept:name, ...) need no mapping
        raw.default_columns = {**event_log_columns(raw.frame.columns, source.columns), **raw.default_columns}
    return raw


def _read_text(raw: RawSource, data: bytes, source: Source, table: str) -> None:
    text, raw.encoding = decode(data, raw.path, source.encoding, key=f"sources.{table}.encoding")
    if source.delimiter != "auto":
        raw.delimiter = source.delimiter
    else:
        raw.delimiter = "\t" if source.format == "tsv" else sniff_delimiter(text)
    if source.format == "qualtrics":
        raw.frame, info = read_qualtrics(text, raw.path, raw.delimiter, source.na_values)
    elif source.format == "surveymonkey":
        raw.frame, info = read_surveymonkey(text, raw.path, raw.delimiter, source.na_values)
    else:
        raw.frame = read_delimited(text, raw.path, delimiter=raw.delimiter, header_rows=1,
                                   na_values=source.na_values)
        raw.frame.index = range(2, 2 + len(raw.frame))
        info = {}
    raw.header_rows = info.get("header_rows", 1)
    raw.dropped = info.get("dropped", {})
    raw.timezone = info.get("timezone")
    raw.datetime_format = source.datetime_format or info.get("datetime_format")
    if source.decimal != "auto":
        raw.decimal = source.decimal
    else:
        sample = raw.frame.head(_DECIMAL_SAMPLE_ROWS)
        raw.decimal = sniff_decimal((v for col in sample for v in sample[col].dropna()), raw.delimiter)
