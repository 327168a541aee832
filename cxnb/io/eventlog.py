"""Process-mining event logs as analysts receive them, mapped to the ``events`` table.

Two shapes are recognised:

- **XES** (IEEE 1849 XML, plain ``.xes`` or gzip-compressed ``.xes.gz``; ``format: xes``). Each
  ``<trace>`` is a journey and each of its ``<event>`` elements one row, in the order of the file.
  Columns are named as pm4py names them: event attributes keep their keys (``concept:name``,
  ``time:timestamp``, ``lifecycle:transition``, ``org:resource``, ...), trace attributes are
  prefixed ``case:`` (the trace's ``concept:name`` becomes ``case:concept:name``). Every value is
  kept as the text written in the file. Events of every lifecycle transition are kept: a
  ``start``/``complete`` pair stays two rows and is not merged into one activity instance.
  ``<global>`` defaults, log-level attributes, lists, containers and meta-attributes are not read.
- **Standard process-mining column names** in any events source (CSV, Parquet, ...):
  ``case:concept:name``, ``concept:name`` and ``time:timestamp`` map to ``journey_id``, ``event``
  and ``timestamp`` unless ``sources.events.columns`` maps them otherwise. ``org:resource`` is
  never guessed to be a channel: map it in ``sources.events.columns`` if it is one.

The XML is read as a stream (``iterparse``, each trace cleared once read), so a large log never
sits in memory as a tree. A document type declaration is refused: an XES log never needs one, and
refusing it means no entity (external or internal, such as a "billion laughs") is ever expanded.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from cxnb.errors import SourceError

__all__ = ["read_xes", "event_log_columns", "EVENT_LOG_DEFAULTS"]

EVENT_LOG_DEFAULTS = {"journey_id": "case:concept:name", "event": "concept:name", "timestamp": "time:timestamp"}

_VALUE_TYPES = {"string", "date", "int", "float", "boolean", "id"}  # attributes with a single value
_GZIP_MAGIC = b"\x1f\x8b"
_PROLOG_BYTES = 1 << 16


def event_log_columns(columns, mapped: dict | None = None) -> dict:
    """Default mappings for the process-mining columns present in ``columns``.

    A default is left out where the canonical column already exists, or where ``mapped`` (the
    config's explicit ``columns:``) maps the canonical column or uses the process-mining column.

    >>> event_log_columns(["case:concept:name", "concept:name", "time:timestamp", "org:resource"])
    {'journey_id': 'case:concept:name', 'event': 'concept:name', 'timestamp': 'time:timestamp'}
    >>> event_log_columns(["case:concept:name", "concept:name", "Activity"], {"event": "Activity"})
    {'journey_id': 'case:concept:name'}
    """
    mapped = mapped or {}
    present = set(columns)
    return {canon: column for canon, column in EVENT_LOG_DEFAULTS.items()
            if column in present and canon not in present and canon not in mapped
            and column not in mapped.values()}


def read_xes(data: bytes, path: Path) -> tuple[pd.DataFrame, dict]:
    """Read an XES log (plain or gzip-compressed bytes): one row per event, in file order.

    Returns the frame (every cell text or missing; index = 1-based event number in the file)
    and what was learnt (``header_rows`` 0, ``traces``). Columns, in order of first appearance:
    ``case:concept:name``, the event attributes by key (``concept:name``, ``time:timestamp``,
    ``lifecycle:transition``, ``org:resource``, ...), then the other trace attributes as
    ``case:<key>``. Raises :class:`~cxnb.errors.SourceError` for a damaged file (naming the line
    and column of the XML error), a document type declaration, or XML that is not an XES log.

    >>> log = b'''<log xes.version="1.0"><trace><string key="concept:name" value="J1"/>
    ...   <event><string key="concept:name" value="order"/>
    ...     <date key="time:timestamp" value="2025-03-01T10:00:00.000+01:00"/></event>
    ... </trace></log>'''
    >>> frame, info = read_xes(log, Path("tiny.xes"))
    >>> frame.to_dict("records"), info["traces"]
    ([{'case:concept:name': 'J1', 'concept:name': 'order', 'time:timestamp': '2025-03-01T10:00:00.000+01:00'}], 1)
    """
    compressed = data[:2] == _GZIP_MAGIC

    def stream():
        return gzip.GzipFile(fileobj=io.BytesIO(data)) if compressed else io.BytesIO(data)

    try:
        with stream() as head:
            _refuse_doctype(head.read(_PROLOG_BYTES), path)
        with stream() as source:
            rows, traces, root_tag = _parse(source)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        reason = str(exc).rsplit(": line ", 1)[0]
        raise SourceError(f"{path}: not well-formed XML at line {line}, column {column + 1} ({reason}); "
                          "the file may be truncated or damaged") from None
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise SourceError(f"{path}: damaged gzip-compressed file ({exc})") from None
    if not traces:
        found = f"root element <{root_tag}>" if root_tag != "log" else "a <log> without any <trace>"
        raise SourceError(f"{path}: not an XES log: found {found}, expected <log> holding <trace> elements "
                          "(one per journey). Use `format: csv` or another format for other files.")
    frame = pd.DataFrame.from_records(rows, columns=_column_order(rows))
    frame.index = range(1, 1 + len(frame))
    return frame, {"header_rows": 0, "dropped": {}, "traces": traces}


def _refuse_doctype(prolog: bytes, path: Path) -> None:
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise SourceError(f"{path}: declares a document type (<!DOCTYPE ...>); an XES log never needs one and "
                          "it is refused so that no entity is expanded. Remove the declaration and its entities.")


def _parse(source) -> tuple[list[dict], int, str]:
    """Walk the XML as a stream; returns the event rows, the number of traces and the root tag."""
    rows: list[dict] = []
    path: list[str] = []  # local names of the open elements, root first
    root, traces = None, 0
    trace_attrs: dict = {}
    trace_events: list[dict] = []
    event: dict = {}
    for kind, element in ElementTree.iterparse(source, events=("start", "end")):
        name = element.tag.rsplit("}", 1)[-1]  # drop a namespace such as {http://www.xes-standard.org/}
        if kind == "start":
            if root is None:
                root = element
            path.append(name)
            if path == ["log", "trace"]:
                trace_attrs, trace_events = {}, []
            elif path == ["log", "trace", "event"]:
                event = {}
            continue
        path.pop()
        if name in _VALUE_TYPES and path == ["log", "trace", "event"]:
            _keep(event, element)
        elif name in _VALUE_TYPES and path == ["log", "trace"]:
            _keep(trace_attrs, element)
        elif name == "event" and path == ["log", "trace"]:
            trace_events.append(event)
            element.clear()
        elif name == "trace" and path == ["log"]:
            traces += 1
            journey = trace_attrs.pop("concept:name", None)
            case = {("case:" + key): value for key, value in trace_attrs.items()}
            rows += [{"case:concept:name": journey, **e, **case} for e in trace_events]
            root.clear()  # the trace is read: drop it (and anything before it) from memory
    return rows, traces, root.tag.rsplit("}", 1)[-1] if root is not None else ""


def _keep(attributes: dict, element) -> None:
    key, value = element.get("key"), element.get("value")
    if key is not None and value is not None:
        attributes[key] = value


def _column_order(rows: list[dict]) -> list[str]:
    """Columns in order of first appearance, trace attributes (``case:``) after event attributes."""
    seen = dict.fromkeys(["case:concept:name"])
    for row in rows:
        seen.update(dict.fromkeys(row))
    names = list(seen)
    return ["case:concept:name"] + [n for n in names[1:] if not n.startswith("case:")] + \
        [n for n in names[1:] if n.startswith("case:")]
