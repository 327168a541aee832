"""One test per input trap in tests/data: the correct value, or the clear error."""

import hashlib

import pandas as pd
import pytest

from cxnb.bundle import load_bundle
from cxnb.errors import SchemaError
from conftest import DATA


def _problems(config_path):
    with pytest.raises(SchemaError) as err:
        load_bundle(config_path)
    return err.value, err.value.problems


def test_qualtrics_three_header_rows(make_config):
    bundle = load_bundle(make_config({"responses": {
        "path": "qualtrics_export.csv", "format": "qualtrics", "columns": {"nps": "Q1", "csat": "Q2", "comment": "Q3"},
    }}, scales={"csat": {"min": 1, "max": 7}}))
    responses = bundle.responses
    # 5 data rows: 1 preview, 1 spam, 1 unfinished dropped; 2 kept (hand count of the fixture)
    assert responses["response_id"].tolist() == ["R_1aaa", "R_5eee"]
    assert bundle.sources["responses"].dropped == {"preview": 1, "test": 0, "spam": 1, "unfinished": 1}
    assert responses["nps"].tolist() == [9, 6]
    assert responses["nps"].dtype == "Int64"  # numbers, not the text of the header rows
    # RecordedDate 2025-03-01 09:04:11 in the export's zone (America/New_York, EST = UTC-5)
    assert responses["submitted_at"][0] == pd.Timestamp("2025-03-01 14:04:11", tz="UTC")
    assert responses["duration_seconds"].tolist() == [250, 300]
    assert responses["customer_id"].tolist() == ["ACC-0001", "ACC-0003"]
    # PII columns of the export (IP address, e-mail) are not carried into the canonical table
    assert not {"IPAddress", "RecipientEmail"} & set(responses.columns)
    assert bundle.summary().loc[0, "dropped"] == "1 preview, 1 spam, 1 unfinished"


def test_plain_csv_declared_as_qualtrics_is_refused(make_config):
    error, problems = _problems(make_config({"responses": {"path": "bad_nps_11.csv", "format": "qualtrics"}}))
    assert "not a Qualtrics export: expected three header rows" in str(error)


def test_surveymonkey_two_header_rows(make_config):
    bundle = load_bundle(make_config({"responses": {"path": "surveymonkey_export.csv", "format": "surveymonkey",
        "columns": {
            "nps": "How likely is it that you would recommend us to a friend or colleague?",
            "rating_delivery": "Please rate the following | Delivery speed",
            "rating_quality": "Please rate the following | Product quality",
            "comment": "Any other comments?",
        }}}, timezone="America/Chicago", scales={"ratings": {"min": 1, "max": 10}}))
    r = bundle.responses
    assert r["response_id"].tolist() == ["114381290021", "114381290022"]  # long ids stay exact text
    assert r["customer_id"].tolist() == ["00017", "00042"]  # Custom Data 1, leading zeros kept
    assert r["rating_delivery"].tolist() == [8, 2]
    assert r["rating_quality"].tolist() == [9, 7]
    # End Date 03/01/2025 01:18:20 PM, US layout, Chicago (CST = UTC-6)
    assert r["submitted_at"][1] == pd.Timestamp("2025-03-01 19:18:20", tz="UTC")


@pytest.mark.parametrize("fixture, encoding, expected", [
    ("utf8_bom.csv", "utf-8-sig", "Crème brûlée latte — délicieux"),
    ("utf16.csv", "utf-16", "Süß und würzig"),
    ("cp1252_curly_quotes.csv", "cp1252", "\u201cBest beans I\u2019ve had\u201d \u2013 costs \u20ac12"),
])
def test_encodings_are_detected_and_reported(make_config, fixture, encoding, expected):
    bundle = load_bundle(make_config({"reviews": fixture}))
    assert bundle.reviews["text"][0] == expected
    assert bundle.reviews.columns[0] == "review_id"  # no BOM glued to the first column name
    assert bundle.summary().loc[0, "encoding"] == encoding


def test_wrong_declared_encoding_is_an_error_not_mojibake(make_config):
    error, problems = _problems(make_config({"reviews": {"path": "cp1252_curly_quotes.csv", "encoding": "utf-8"}}))
    assert "do not decode as utf-8" in str(error)
    assert "declare the file's real encoding in `sources.reviews.encoding`" in str(error)


def test_semicolon_delimiter_with_decimal_commas(make_config):
    bundle = load_bundle(make_config({"transactions": "semicolon_decimal_comma.csv"}))
    # 12,50 / 1.234,75 / 7,00 in the file
    assert bundle.transactions["amount"].tolist() == [12.5, 1234.75, 7.0]
    summary = bundle.summary().iloc[0]
    assert (summary["delimiter"], summary["decimal"]) == (";", ",")


def test_ids_keep_leading_zeros(make_config):
    bundle = load_bundle(make_config({"customers": "leading_zero_ids.csv"}))
    assert bundle.customers["customer_id"].tolist() == ["00017", "00042", "0100"]


def test_dont_know_code_99_becomes_missing(make_config):
    bundle = load_bundle(make_config({"responses": {"path": "dont_know_99.csv", "missing_codes": [99]}}))
    assert bundle.responses["csat"].tolist() == [5, pd.NA, 4]
    assert bundle.responses["nps"].tolist() == [9, 7, pd.NA]
    # each recoding is kept as a note for the data-quality audit
    notes = bundle.problems.set_index("column")
    assert (notes.loc["csat", "rows"], notes.loc["nps", "rows"]) == ([3], [4])


def test_dont_know_code_only_where_declared(make_config):
    error, problems = _problems(make_config({"responses": {"path": "dont_know_99.csv",
                                                           "missing_codes": {"csat": [99]}}}))
    errors = problems[problems["severity"] == "error"]
    assert errors[["column", "rows"]].values.tolist() == [["nps", [4]]]  # row 4 = third data row
    info = problems[problems["severity"] == "info"].iloc[0]
    assert (info["column"], info["rows"], info["problem"]) == ("csat", [3], "missing-value code (99) read as missing")


def test_nps_11_is_an_error_naming_table_column_and_row(make_config):
    error, problems = _problems(make_config({"responses": "bad_nps_11.csv"}))
    row = problems.iloc[0]
    assert (row["table"], row["column"], row["rows"], row["examples"]) == ("responses", "nps", [3], ["11"])
    assert "outside the declared scale 0–10" in row["problem"]
    assert "responses.nps rows 3: outside the declared scale 0–10" in str(error)


def test_column_mixing_numbers_and_text(make_config):
    error, problems = _problems(make_config({"transactions": "bad_mixed_numbers_text.csv"}))
    row = problems.iloc[0]
    assert (row["column"], row["rows"], row["examples"]) == ("amount", [3, 5], ["twelve pounds", "n/a"])
    assert row["problem"].startswith("not a number")


def test_na_is_namibia_not_missing(make_config):
    bundle = load_bundle(make_config({"customers": "na_is_namibia.csv"}))
    assert bundle.customers["region"].tolist()[:2] == ["NA", "ZA"]
    assert pd.isna(bundle.customers["region"][2])  # an empty cell is missing


def test_declared_na_values_become_missing(make_config):
    bundle = load_bundle(make_config({"customers": {"path": "na_is_namibia.csv", "na_values": ["NA"]}}))
    assert bundle.customers["region"].isna().tolist() == [True, False, True]


def test_ticket_resolved_before_created(make_config):
    error, problems = _problems(make_config({"tickets": "bad_ticket_resolved_before_created.csv"},
                                            channels=["email", "phone"]))
    row = problems.iloc[0]
    assert (row["column"], row["rows"], row["examples"]) == ("resolved_at", [3], ["T2"])
    assert "earlier than created_at" in row["problem"]


def test_duplicate_ids(make_config):
    error, problems = _problems(make_config({"responses": "bad_duplicate_ids.csv"}))
    row = problems.iloc[0]
    assert (row["column"], row["rows"], row["examples"]) == ("response_id", [2, 4], ["S1"])


def test_timestamps_in_mixed_zones_are_converted_counted_and_named(make_config):
    bundle = load_bundle(make_config({"events": "bad_events_mixed_zones.csv"}, timezone="Europe/Berlin"))
    # converted by hand: offset subtracted; times without a zone read in Berlin (CET +01:00 in
    # March, CEST +02:00 in July, so J2's 10:00 "buy" is 08:00 UTC, before its 08:30 "cart")
    assert bundle.events["timestamp"].tolist() == [pd.Timestamp(t, tz="UTC") for t in [
        "2025-03-01 08:00", "2025-03-01 08:30", "2025-03-01 09:15",
        "2025-07-01 08:00", "2025-07-01 08:30", "2025-07-01 08:00"]]
    zones = bundle.problems[bundle.problems["problem"].str.startswith("timestamps in mixed zones")]
    assert len(zones) == 1
    found = zones.iloc[0]
    # hand count of the fixture: +01:00 three times (one written +0100), Z once, no zone twice
    assert found["problem"] == (
        "timestamps in mixed zones (3 at +01:00, 2 without a zone, 1 in UTC): each converted to UTC, those "
        "without a zone read in Europe/Berlin (the source's zone; set `sources.events.timezone` if they are "
        "in another); rows listed: those not at +01:00, the commonest")
    assert (found["table"], found["column"], found["severity"]) == ("events", "timestamp", "warning")
    assert found["rows"] == [3, 4, 7] and found["n_rows"] == 3  # spreadsheet rows (header = 1)
    assert bundle.summary().loc[0, "warnings"] == 3


def test_offsets_without_naive_times_are_information(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("journey_id,timestamp,event\nJ1,2025-03-29T23:30:00+01:00,a\nJ1,2025-03-30T10:15:00+02:00,b\n"
                    "J1,2025-03-30T10:20:00+02:00,c\n", encoding="utf-8")
    config = tmp_path / "client.yaml"
    config.write_text(f"name: T\ntimezone: UTC\nsources: {{events: {{path: {path.name}}}}}\n", encoding="utf-8")
    found = load_bundle(config).problems.iloc[0]
    assert found["severity"] == "info" and found["rows"] == [2]  # row 2: the one +01:00 value
    assert found["problem"].startswith("timestamps in mixed zones (2 at +02:00, 1 at +01:00): each converted "
                                       "to UTC; rows listed")


def test_inputs_are_never_written(make_config):
    before = {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in DATA.iterdir()}
    load_bundle(make_config({"customers": "leading_zero_ids.csv", "reviews": "utf16.csv",
                             "transactions": "semicolon_decimal_comma.csv"}))
    after = {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in DATA.iterdir()}
    assert after == before


def test_parquet_and_excel_sources(make_config, tmp_path):
    frame = pd.DataFrame({"customer_id": ["007", "010"], "signup_date": ["2024-01-02 09:00", "2024-03-04 10:30"],
                          "region": ["NA", "North"]})
    frame.to_parquet(tmp_path / "customers.parquet")
    frame.to_excel(tmp_path / "customers.xlsx", index=False)
    for name, fmt in [("customers.parquet", "parquet"), ("customers.xlsx", "excel")]:
        (tmp_path / "client.yaml").write_text(
            f"name: T\ntimezone: Europe/London\nsources: {{customers: {{path: {name}, format: {fmt}}}}}\n")
        customers = load_bundle(tmp_path / "client.yaml").customers
        assert customers["customer_id"].tolist() == ["007", "010"]
        assert customers["region"].tolist() == ["NA", "North"]
        # 2024-03-04 10:30 London (GMT) = 10:30 UTC
        assert customers["signup_date"][1] == pd.Timestamp("2024-03-04 10:30", tz="UTC")


def test_customer_text_stays_as_given(tmp_path):
    (tmp_path / "responses.csv").write_text('response_id,submitted_at,nps,comment\n'
                                            ' S1 ,2025-01-05 10:00:00,9,"  two spaces first "\n'
                                            'S2,2025-01-06 10:00:00,7,"   "\n')
    (tmp_path / "client.yaml").write_text("name: T\nsources: {responses: {path: responses.csv}}\n")
    responses = load_bundle(tmp_path / "client.yaml").responses
    assert responses["response_id"].tolist() == ["S1", "S2"]  # ids are trimmed
    assert responses["comment"][0] == "  two spaces first "  # customer text is not
    assert pd.isna(responses["comment"][1])  # a blank comment is missing
