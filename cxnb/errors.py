"""Error types of the kit: one base class, one subclass per kind of problem.

Every message names the file, key, table, column or rows at fault and says what was
expected, so an analyst can fix the input without reading a traceback.
"""

from __future__ import annotations

__all__ = ["CxnbError", "ConfigError", "SchemaError", "SourceError", "SampleError", "FitError"]


class CxnbError(Exception):
    """Base class of every error the kit raises on purpose."""


class ConfigError(CxnbError):
    """A client configuration file is unusable (cannot be read, or breaks the schema)."""


class SourceError(CxnbError):
    """A data source cannot be read at all (missing file, undecodable bytes, bad header)."""


class SchemaError(CxnbError):
    """Data were read but break the canonical data model.

    ``problems`` holds every problem found, one row each, with the columns
    ``table, column, rows, n_rows, examples, problem, severity``.
    """

    def __init__(self, message: str, problems=None):
        super().__init__(message)
        self.problems = problems


class SampleError(CxnbError):
    """An unknown sample company was asked for."""


class FitError(CxnbError):
    """A statistical model cannot be fitted to the data (too thin, or no interior optimum)."""
