"""Engine-independent table helpers shared by the step modules (narwhals underneath).

A step module accepts a pandas DataFrame, a Polars frame or a DuckDB relation, does its work
in that engine and brings back a small pandas frame; these helpers are the common edges.

>>> import pandas as pd
>>> frame = native(pd.DataFrame({"nps": [9, 10]}))
>>> require(frame, ["nps", "channel"], "nps by channel")
Traceback (most recent call last):
...
cxnb.errors.CxnbError: nps by channel needs column(s) channel; the table has nps
>>> names(None), names("channel"), names(["channel", "stage"])
([], ['channel'], ['channel', 'stage'])
"""

from __future__ import annotations

import narwhals as nw
import pandas as pd

from cxnb.errors import CxnbError

__all__ = ["native", "require", "names", "collect", "scalar"]


def native(frame) -> nw.DataFrame | nw.LazyFrame:
    """``frame`` as a narwhals frame; anything else is refused with a clear error."""
    try:
        return nw.from_native(frame)
    except TypeError:
        raise CxnbError(f"expected a pandas/Polars DataFrame or a DuckDB relation, got {type(frame).__name__}") from None


def require(frame, columns: list[str], what: str) -> None:
    """Refuse a table that lacks ``columns``, naming them and what needed them."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CxnbError(f"{what} needs column(s) {', '.join(missing)}; the table has {', '.join(frame.columns)}")


def names(columns) -> list[str]:
    """A ``by=`` argument (None, one name or several) as a list."""
    return [] if columns is None else [columns] if isinstance(columns, str) else list(columns)


def collect(frame) -> pd.DataFrame:
    """Run a (small) result in its engine and bring it back as pandas."""
    return (frame.collect() if isinstance(frame, nw.LazyFrame) else frame).to_pandas()


def scalar(frame):
    """The single value of a one-cell result."""
    return collect(frame).iloc[0, 0]
