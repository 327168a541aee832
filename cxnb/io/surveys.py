"""Survey-platform exports as analysts receive them, mapped to the ``responses`` table.

Qualtrics CSV exports carry three header rows: column ids, question texts, and
``{"ImportId": ...}`` objects (which may name the survey's time zone). Preview, test and
spam responses and unfinished ones are dropped and counted. SurveyMonkey CSV exports carry
two header rows: question texts (written once over a matrix question's columns) and answer
labels; the column names become ``"question | label"`` where a label distinguishes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cxnb.errors import SourceError
from cxnb.io.text import header_records, read_delimited

__all__ = ["read_qualtrics", "read_surveymonkey", "QUALTRICS_DEFAULTS", "SURVEYMONKEY_DEFAULTS"]

QUALTRICS_DEFAULTS = {
    "response_id": "ResponseId",
    "submitted_at": "RecordedDate",
    "duration_seconds": "Duration (in seconds)",
    "customer_id": "ExternalReference",
}
SURVEYMONKEY_DEFAULTS = {"response_id": "Respondent ID", "submitted_at": "End Date", "customer_id": "Custom Data 1"}
SURVEYMONKEY_DATETIME = "%m/%d/%Y %I:%M:%S %p"

# Qualtrics "Status" (response type), exported as a code or as text.
_DROPPED_STATUS = {
    "1": "preview", "Survey Preview": "preview", "17": "preview", "Offline Survey Preview": "preview",
    "2": "test", "Survey Test": "test",
    "8": "spam", "Spam": "spam", "9": "spam", "Survey Preview Spam": "spam", "12": "spam", "Imported Spam": "spam",
}
_UNFINISHED = {"0", "False", "false", "FALSE"}
_SM_PLAIN_LABELS = {"", "Response", "Open-Ended Response"}


def read_qualtrics(text: str, path: Path, delimiter: str, na_values) -> tuple[pd.DataFrame, dict]:
    """Read a Qualtrics export; return kept rows and what was learnt (dropped counts, time zone)."""
    records = header_records(text, delimiter, 3)
    if len(records) < 3 or not all(cell.strip().startswith('{"ImportId"') for cell in records[2] if cell.strip()):
        found = records[2][:3] if len(records) >= 3 else "fewer than three rows"
        raise SourceError(
            f"{path}: not a Qualtrics export: expected three header rows (column ids, question texts, "
            f'{{"ImportId": ...}} objects); row 3 starts with {found}. Use `format: csv` for a plain file.'
        )
    frame = read_delimited(text, path, delimiter=delimiter, header_rows=3, na_values=na_values)
    frame.index = range(4, 4 + len(frame))  # spreadsheet rows: three header rows, then data
    dropped = {}
    keep = pd.Series(True, index=frame.index)
    if "Status" in frame:
        kinds = frame["Status"].map(_DROPPED_STATUS)
        for kind in ("preview", "test", "spam"):
            hit = (kinds == kind) & keep
            dropped[kind] = int(hit.sum())
            keep &= ~hit
    if "Finished" in frame:
        hit = frame["Finished"].isin(_UNFINISHED) & keep
        dropped["unfinished"] = int(hit.sum())
        keep &= ~hit
    info = {"header_rows": 3, "dropped": dropped, "questions": dict(zip(records[0], records[1]))}
    zones = {json.loads(cell).get("timeZone") for cell in records[2] if cell.strip().startswith("{")} - {None}
    if len(zones) == 1:
        info["timezone"] = zones.pop()
    return frame[keep], info


def read_surveymonkey(text: str, path: Path, delimiter: str, na_values) -> tuple[pd.DataFrame, dict]:
    """Read a SurveyMonkey export; columns named from both header rows."""
    records = header_records(text, delimiter, 2)
    if len(records) < 2 or "Respondent ID" not in records[0]:
        raise SourceError(
            f"{path}: not a SurveyMonkey export: expected two header rows with 'Respondent ID' in the first. "
            "Use `format: csv` for a plain file."
        )
    names, question = [], ""
    for top, label in zip(records[0], records[1]):
        question = top or question
        names.append(question if label in _SM_PLAIN_LABELS else f"{question} | {label}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SourceError(f"{path}: header rows give repeated column names: {', '.join(repeated)}")
    frame = read_delimited(text, path, delimiter=delimiter, header_rows=2, na_values=na_values)
    frame.columns = names
    frame.index = range(3, 3 + len(frame))
    return frame, {"header_rows": 2, "dropped": {}, "datetime_format": SURVEYMONKEY_DATETIME}
