"""Table exports that are safe to open in a spreadsheet.

A text cell starting with ``= + - @`` (or a tab / carriage return) is a formula to Excel and
LibreOffice: customer text such as ``=HYPERLINK("http://evil", "click")`` would run. Such
cells are written with a leading apostrophe, which spreadsheets show as plain text. Numbers
are left alone (``-5`` stays a number).

>>> import pandas as pd
>>> neutralise(pd.DataFrame({"text": ["=1+1", "fine", "@SUM(A1)"], "n": [-5, 2, 3]}))["text"].tolist()
["'=1+1", 'fine', "'@SUM(A1)"]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["neutralise", "to_csv", "to_excel"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot be read as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            text = values.astype("string")
            risky = text.str.startswith(_TRIGGERS).fillna(False)
            out[column] = values.where(~risky.to_numpy(), "'" + text)
    return out


def to_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV with formulas neutralised; returns the path."""
    neutralise(frame).to_csv(path, index=False, encoding="utf-8")
    return Path(path)


def to_excel(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as an Excel sheet with formulas neutralised; returns the path.

    Excel has no time zones: aware timestamps are written as UTC wall-clock times."""
    out = neutralise(frame)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    out.to_excel(path, index=False)
    return Path(path)
