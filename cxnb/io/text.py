"""Delimited text files: strict encoding detection, delimiter and decimal-mark detection.

Encodings are tried strictly — a byte that does not decode is an error, never replaced
and never read as latin-1 by a silent fallback. Detection order: a byte-order mark
(UTF-8, UTF-16), UTF-16 without a mark (NUL bytes in every other position), UTF-8, cp1252.

>>> detect_encoding("Caf\\u00e9".encode("utf-8"))
'utf-8'
>>> detect_encoding(b"\\xef\\xbb\\xbfid")
'utf-8-sig'
>>> detect_encoding("\\u201cquoted\\u201d".encode("cp1252"))
'cp1252'
>>> sniff_delimiter("id;amount\\n1;2,50\\n"), sniff_decimal(["2,50", "3,75"], ";")
(';', ',')
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pandas as pd

from cxnb.errors import SourceError

__all__ = ["detect_encoding", "decode", "sniff_delimiter", "sniff_decimal", "read_delimited", "header_records"]

_DELIMITERS = ",;\t|"
_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(?:\.\d{3})*,\d+$|^-?\d+,\d+$")
_POINT_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_SAMPLE_BYTES = 64_000


def detect_encoding(data: bytes) -> str:
    """Name of the encoding ``data`` decodes in strictly (see module docstring)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4000]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[::2].count(0) == 0:
        return "utf-16-le"
    if len(head) >= 4 and head[::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
        return "utf-16-be"
    for candidate in ("utf-8", "cp1252"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise UnicodeError("neither UTF-8, UTF-16 nor cp1252")


def decode(data: bytes, path: Path, encoding: str = "auto", key: str = "encoding") -> tuple[str, str]:
    """Decode a file's bytes strictly; return the text and the encoding used."""
    try:
        used = detect_encoding(data) if encoding == "auto" else encoding
        text = data.decode(used)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path}: bytes at offset {exc.start} do not decode as {exc.encoding} ({exc.reason}); "
            f"declare the file's real encoding in `{key}`"
        ) from None
    except UnicodeError:
        raise SourceError(
            f"{path}: the text is not UTF-8, UTF-16 or cp1252; declare the file's encoding in `{key}`"
        ) from None
    return text.removeprefix("\ufeff"), used


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text, among ``, ; tab |``."""
    sample = text[:_SAMPLE_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def sniff_decimal(values, delimiter: str) -> str:
    """``","`` when numbers in ``values`` use a decimal comma, else ``"."``."""
    if delimiter == ",":
        return "."
    comma = sum(1 for v in values if isinstance(v, str) and _COMMA_DECIMAL.match(v))
    point = sum(1 for v in values if isinstance(v, str) and _POINT_DECIMAL.match(v))
    return "," if comma > point else "."


def read_delimited(text: str, path: Path, *, delimiter: str, header_rows: int, na_values) -> pd.DataFrame:
    """Every cell as text (empty cell → missing); the first header row names the columns."""
    try:
        return pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, header=0, skiprows=range(1, header_rows),
            keep_default_na=False, na_values=["", *na_values], skipinitialspace=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(f"{path}: cannot be read as a delimited file with {delimiter!r} between columns ({exc})") from None


def header_records(text: str, delimiter: str, n: int) -> list[list[str]]:
    """The first ``n`` records of a delimited text (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [row for _, row in zip(range(n), reader)]
