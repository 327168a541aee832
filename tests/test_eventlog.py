"""Process-mining event logs: XES files and CSV with the standard column names → the events table."""

import csv
import gzip
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
import yaml

from cxnb.bundle import load_bundle
from cxnb.config import Source
from cxnb.errors import SchemaError
from cxnb.io import read_source
from conftest import DATA, REFERENCE

RUNNING_EXAMPLE = REFERENCE / "journeys" / "running-example.csv"

# eventlog_small.xes, converted by hand: offset subtracted from the wall-clock time
SMALL_LOG = [
    ("J001", "register", "2025-03-29 22:30:00"),      # 23:30 +01:00
    ("J001", "browse", "2025-03-30 08:15:00"),        # 10:15 +02:00 (the day clocks went forward)
    ("J001", "checkout", "2025-03-30 08:20:00"),      # 10:20 +02:00, lifecycle start
    ("J001", "checkout", "2025-03-30 08:26:30.5"),    # 10:26:30.500 +02:00, lifecycle complete
    ("J001", "delivery", "2025-03-31 22:30:00"),      # 2025-04-01 00:30 +02:00: the day before in UTC
    ("J002", "register", "2025-03-01 08:00:00"),      # 09:00 +01:00
    ("J002", "contact", "2025-03-01 08:45:00"),       # 09:45 +01:00
    ("J002", "cancel", "2025-03-02 17:00:00"),        # 18:00 +01:00
    ("J003", "register", "2025-10-26 00:30:00"),      # 02:30 +02:00 (summer time) ...
    ("J003", "browse", "2025-10-26 01:30:00"),        # ... 02:30 +01:00, same wall clock one hour later
]


def _bundle(tmp_path, events: dict, **top):
    """Load a client config written to tmp_path whose only source is ``events``."""
    config = {"name": "Event Log Client", "timezone": "UTC", **top, "sources": {"events": events}}
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return load_bundle(path)


def _source_error(tmp_path, fixture: str) -> str:
    with pytest.raises(SchemaError) as err:
        _bundle(tmp_path, {"path": str(DATA / fixture), "format": "xes"})
    return str(err.value)


@pytest.mark.parametrize("fixture", ["eventlog_small.xes", "eventlog_small.xes.gz"])
def test_xes_log_becomes_the_events_table(tmp_path, fixture):
    bundle = _bundle(tmp_path, {"path": str(DATA / fixture), "format": "xes"})
    events = bundle.events
    assert list(zip(events["journey_id"], events["event"])) == [(j, e) for j, e, _ in SMALL_LOG]
    assert events["timestamp"].tolist() == [pd.Timestamp(t, tz="UTC") for _, _, t in SMALL_LOG]
    assert str(events["timestamp"].dt.tz) == "UTC"
    assert events["seq"].tolist() == list(range(10))  # document order, also for J003's clock change
    # the log's own fields stay in the events table beside the canonical columns
    assert {"lifecycle:transition", "org:resource", "case:segment"} <= set(events.columns)
    assert events.loc[events["event"] == "checkout", "lifecycle:transition"].tolist() == ["start", "complete"]
    raw = bundle.sources["events"]
    assert raw.format == "xes" and raw.header_rows == 0
    assert raw.row_numbers.tolist() == list(range(1, 11))  # rows of messages = event number in the file
    # the log's offsets follow summer time: 5 at +01:00, 5 at +02:00 (SMALL_LOG's comments), said once
    zones = bundle.problems.set_index("column").loc["timestamp"]
    assert (zones["severity"], zones["n_rows"]) == ("info", 5)
    assert zones["problem"].startswith("timestamps in mixed zones (5 at +01:00, 5 at +02:00): each converted to UTC;")


def test_xes_keeps_every_attribute_as_a_column():
    raw = read_source(Source(path=DATA / "eventlog_small.xes", format="xes"), "events")
    frame = raw.frame
    assert list(frame.columns) == ["case:concept:name", "concept:name", "time:timestamp", "lifecycle:transition",
                                   "org:resource", "basket_eur", "wait_minutes", "case:segment"]
    # the start/complete pair of J001's checkout stays two rows (not merged)
    checkout = frame[frame["concept:name"] == "checkout"]
    assert checkout["lifecycle:transition"].tolist() == ["start", "complete"]
    assert checkout["basket_eur"].tolist()[1] == "42.5"  # float attribute kept as its text
    assert frame.loc[7, "wait_minutes"] == "12"  # int attribute; its meta-attribute "unit" is not a column
    assert frame["case:segment"].tolist()[:8] == ["retail"] * 5 + ["business"] * 3
    assert frame["case:segment"].isna().tolist()[8:] == [True, True]  # J003 has no segment
    assert frame["org:resource"].tolist()[:3] == ["web", "app", "app"]
    assert pd.isna(frame.loc[5, "org:resource"])  # delivery has no resource
    # timestamps are the text of the file; the loader converts them (see the test above)
    assert frame.loc[1, "time:timestamp"] == "2025-03-29T23:30:00.000+01:00"
    # the log-level concept:name and the <global> defaults are not events
    assert "__INVALID__" not in frame["concept:name"].tolist() and len(frame) == 10


def test_org_resource_becomes_channel_only_when_mapped(tmp_path):
    plain = _bundle(tmp_path, {"path": str(DATA / "eventlog_small.xes"), "format": "xes"}).events
    assert "channel" not in plain.columns  # not guessed
    mapped = _bundle(tmp_path, {"path": str(DATA / "eventlog_small.xes"), "format": "xes",
                                "columns": {"channel": "org:resource"}},
                     channels=["web", "app", "phone"]).events
    assert mapped["channel"].tolist()[:4] == ["web", "app", "app", "app"]
    assert mapped["channel"].isna().sum() == 1  # the delivery event has no org:resource


def test_bad_event_in_xes_is_reported_by_event_number(tmp_path):
    log = (DATA / "eventlog_small.xes").read_text(encoding="utf-8")
    path = tmp_path / "bad_time.xes"
    path.write_text(log.replace("2025-03-01T09:45:00.000+01:00", "yesterday"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        _bundle(tmp_path, {"path": str(path), "format": "xes"})
    problems = err.value.problems
    bad = problems[(problems["column"] == "timestamp") & (problems["severity"] == "error")].iloc[0]
    assert bad["rows"] == [7] and bad["examples"] == ["yesterday"]  # the 7th event of the file


def test_malformed_xes_names_file_line_and_column(tmp_path):
    message = _source_error(tmp_path, "eventlog_bad_mismatched_tag.xes")
    # </trace> on line 8 closes the still open <event> of line 5
    assert "eventlog_bad_mismatched_tag.xes: not well-formed XML at line 8, column 7 (mismatched tag)" in message


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.xes.gz"
    path.write_bytes((DATA / "eventlog_small.xes.gz").read_bytes()[:300])
    with pytest.raises(SchemaError) as err:
        _bundle(tmp_path, {"path": str(path), "format": "xes"})
    assert "cut.xes.gz: damaged gzip-compressed file" in str(err.value)


def test_xml_that_is_not_xes_is_refused(tmp_path):
    message = _source_error(tmp_path, "eventlog_not_xes.xes")
    assert "eventlog_not_xes.xes: not an XES log: found root element <catalog>" in message
    empty = tmp_path / "empty.xes"
    empty.write_text('<log xes.version="1.0"><string key="concept:name" value="no traces"/></log>')
    with pytest.raises(SchemaError) as err:
        _bundle(tmp_path, {"path": str(empty), "format": "xes"})
    assert "not an XES log: found a <log> without any <trace>" in str(err.value)


@pytest.mark.parametrize("compress", [False, True])
def test_entities_are_never_expanded(tmp_path, compress):
    # a "billion laughs" (10^9 'lol's from ~1 KB) plus an external entity pointing at /etc/passwd
    data = (DATA / "eventlog_billion_laughs.xes").read_bytes()
    path = tmp_path / ("entities.xes.gz" if compress else "entities.xes")
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(SchemaError) as err:
        _bundle(tmp_path, {"path": str(path), "format": "xes"})
    assert f"{path.name}: declares a document type (<!DOCTYPE ...>)" in str(err.value)
    assert "root:" not in str(err.value)  # nothing of /etc/passwd leaked into the message


def test_process_mining_columns_need_no_mapping(tmp_path):
    events = _bundle(tmp_path, {"path": str(DATA / "eventlog_pm_columns.csv")}).events
    assert events["journey_id"].tolist() == ["0042", "0042", "0043"]  # ids stay text
    assert events["event"].tolist() == ["register", "contact", "register"]
    assert events["timestamp"].tolist()[0] == pd.Timestamp("2025-03-01 08:00", tz="UTC")  # 09:00 +01:00
    assert "channel" not in events.columns  # org:resource is not guessed to be a channel


def test_explicit_mapping_wins_over_process_mining_names(tmp_path):
    events = _bundle(tmp_path, {"path": str(DATA / "eventlog_pm_columns.csv"),
                                "columns": {"event": "Activity", "channel": "org:resource"}},
                     channels=["web", "phone"]).events
    assert events["event"].tolist() == ["Sign up", "Call centre", "Sign up"]
    assert events["channel"].tolist() == ["web", "phone", "web"]
    assert events["journey_id"].tolist() == ["0042", "0042", "0043"]  # the unmapped defaults still apply


def test_process_mining_names_only_apply_to_events():
    raw = read_source(Source(path=DATA / "eventlog_pm_columns.csv"), "tickets")
    assert raw.default_columns == {}


def _running_example_or_skip():
    if not RUNNING_EXAMPLE.is_file():
        pytest.skip(f"reference log not present at {RUNNING_EXAMPLE} (../shared/reference-data is optional)")
    return RUNNING_EXAMPLE


def test_running_example_csv_loads_without_mapping(tmp_path):
    # no `journey:` in the config, so no event → stage map is needed (the simpler of the two choices)
    events = _bundle(tmp_path, {"path": str(_running_example_or_skip()), "format": "csv"}).events
    # van der Aalst, Process Mining (2016), running example: 6 cases, 42 events, 8 activities
    assert len(events) == 42
    assert events["journey_id"].nunique() == 6
    assert events["event"].nunique() == 8
    # first row: case 3, register request at 2010-12-30 14:32:00+01:00 = 13:32 UTC
    assert events.loc[0, ["journey_id", "event"]].tolist() == ["3", "register request"]
    assert events.loc[0, "timestamp"] == pd.Timestamp("2010-12-30 13:32", tz="UTC")


def test_running_example_as_xes_gives_the_same_events_table(tmp_path):
    reference = _running_example_or_skip()
    from_csv = _bundle(tmp_path, {"path": str(reference), "format": "csv"}).events
    path = tmp_path / "running-example.xes.gz"
    path.write_bytes(gzip.compress(_to_xes(reference)))
    from_xes = _bundle(tmp_path, {"path": str(path), "format": "xes"}).events
    columns = ["journey_id", "event", "timestamp", "seq"]
    pd.testing.assert_frame_equal(from_xes[columns], from_csv[columns])


def _to_xes(csv_path: Path) -> bytes:
    """The reference CSV written as XES: a trace per case (the CSV lists each case's events together),
    XES date values with a 'T' and milliseconds, as ProM writes them."""
    log = ElementTree.Element("log", {"xes.version": "1.0", "xmlns": "http://www.xes-standard.org/"})
    traces = {}
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            case = row["case:concept:name"]
            if case not in traces:
                traces[case] = ElementTree.SubElement(log, "trace")
                ElementTree.SubElement(traces[case], "string", key="concept:name", value=case)
                ElementTree.SubElement(traces[case], "string", key="creator", value=row["case:creator"])
            event = ElementTree.SubElement(traces[case], "event")
            ElementTree.SubElement(event, "string", key="concept:name", value=row["concept:name"])
            day, time = row["time:timestamp"].split(" ")
            stamp = f"{day}T{time[:8]}.000{time[8:]}"  # 2010-12-30T14:32:00.000+01:00
            ElementTree.SubElement(event, "date", key="time:timestamp", value=stamp)
            ElementTree.SubElement(event, "string", key="org:resource", value=row["org:resource"])
            ElementTree.SubElement(event, "float", key="Costs", value=row["Costs"])
    return ElementTree.tostring(log, encoding="utf-8", xml_declaration=True)
