"""cxnb.quality: each rule on a small hand-made frame (hand counts beside them), the planted
data-quality problems of both samples recovered exactly, coverage gaps, and sample sizes."""

import dataclasses
import math

import pandas as pd
import pytest

from cxnb import CxnbError, load_sample, sample_truth
from cxnb.bundle import Bundle, load_bundle
from cxnb.config import ClientConfig
from cxnb.quality import (
    AUDIT_COLUMNS,
    audit,
    coverage,
    duplicate_submissions,
    impossible_timestamps,
    inventory,
    sample_size,
    speeders,
    straight_liners,
)
from cxnb.schema import PROBLEM_COLUMNS

CHECKS = ["duplicate_submissions", "speeders", "straight_liners", "impossible_timestamps", "mixed_time_zones",
          "missing_value_codes", "missing_values"]


def _utc(*stamps):
    return pd.to_datetime(list(stamps), utc=True)


def _bundle(tables: dict, **config) -> Bundle:
    settings = {"name": "Acme", "sources": {name: {"path": f"{name}.csv"} for name in tables}} | config
    return Bundle(ClientConfig.model_validate(settings), tables, {}, pd.DataFrame(columns=PROBLEM_COLUMNS))


@pytest.fixture(scope="module")
def samples():
    return {name: load_sample(name) for name in ("b2c", "b2b")}


# --- row-level rules on hand-made frames --------------------------------------------------------


def test_speeders_hand_count():
    frame = pd.DataFrame({"duration_seconds": pd.array([30, 50, 100, 120, 150, 160, 200, None], dtype="Float64")})
    # hand: median of the 7 durations = 120; 120 / 3 = 40 → only 30 s is a speeder; missing is not flagged
    assert speeders(frame).tolist() == [True] + [False] * 7
    # factor 2: under 60 s → 30 and 50
    assert speeders(frame, factor=2).sum() == 2


def test_straight_liners_hand_count():
    frame = pd.DataFrame({"rating_a": pd.array([5, 5, 5, 1], dtype="Int64"),
                          "rating_b": pd.array([5, 5, None, 1], dtype="Int64"),
                          "rating_c": pd.array([5, 4, 5, 1], dtype="Int64"), "nps": [9, 9, 9, 0]})
    # hand: rows 0 (all 5) and 3 (all 1); row 1 differs, row 2 has a missing rating
    assert straight_liners(frame).tolist() == [True, False, False, True]


def test_duplicate_submissions_hand_count():
    frame = pd.DataFrame({
        "response_id": list("BACDEFGHIJ"),
        "customer_id": ["1", "1", "1", "1", "2", "1", None, None, "3", "3"],
        "submitted_at": _utc("2025-01-01 10:05", "2025-01-01 10:00", "2025-01-01 10:14", "2025-01-01 10:30",
                             "2025-01-01 10:01", "2025-01-01 10:02", "2025-01-01 10:00", "2025-01-01 10:01",
                             "2025-01-01 10:00", "2025-01-01 10:03"),
        "nps": pd.array([9, 9, 9, 9, 9, 8, 7, 7, 5, 5], dtype="Int64"),
        "comment": ["good", "good", "good", "good", "good", "good", "ok", "ok", None, None],
    })
    flagged = duplicate_submissions(frame)
    # hand: B is 5 min after A (listed after it in the table), C 9 min after B, J 3 min after I (missing comment
    # equals missing comment); D is 16 min after C, E another customer, F another score, G/H have no customer
    assert frame.loc[flagged, "response_id"].tolist() == ["B", "C", "J"]
    # with a 4-minute window only J remains
    assert frame.loc[duplicate_submissions(frame, minutes=4), "response_id"].tolist() == ["J"]


def test_checks_leave_the_callers_frame_alone(samples):
    responses = samples["b2b"].responses
    before = responses.copy()
    speeders(responses), straight_liners(responses), duplicate_submissions(responses)
    pd.testing.assert_frame_equal(responses, before)


@pytest.mark.parametrize("call, message", [
    (lambda: speeders(pd.DataFrame({"nps": [1]})), r"duration_seconds in the responses table; map them in "
                                                   r"`sources.responses.columns`"),
    (lambda: speeders(pd.DataFrame({"duration_seconds": [1.0]}), factor=0), "factor must be a positive number"),
    (lambda: straight_liners(pd.DataFrame({"rating_a": [1], "rating_b": [1]})),
     r"at least 3 rating_\* columns in the responses table; found 2 \(rating_a, rating_b\)"),
    (lambda: duplicate_submissions(pd.DataFrame({"customer_id": ["1"], "submitted_at": _utc("2025-01-01")})),
     "has none of nps, csat, ces, rating_\\* or comment"),
    (lambda: speeders([1, 2, 3]), "expects the responses table as a pandas DataFrame; got list"),
])
def test_bad_input_names_the_table_and_column(call, message):
    with pytest.raises(CxnbError, match=message):
        call()


# --- impossible timestamps -----------------------------------------------------------------------


def _timeline(extra_response=None) -> Bundle:
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "signup_date": _utc("2025-01-10", "2025-03-01")})
    responses = pd.DataFrame({"response_id": ["r1", "r2"], "customer_id": ["c1", "c2"],
                              "submitted_at": _utc("2025-01-05", "2025-03-02"), "nps": pd.array([9, 3], "Int64")})
    if extra_response:
        responses = pd.concat([responses, pd.DataFrame({"response_id": ["r3"], "customer_id": ["c1"],
                                                        "submitted_at": _utc(extra_response),
                                                        "nps": pd.array([5], "Int64")})], ignore_index=True)
    tickets = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "customer_id": ["c1", "c2", "c1"],
                            "created_at": _utc("2025-02-01 08:00", "2025-02-15 08:00", "2025-04-30 08:00"),
                            "first_response_at": _utc("2025-02-01 10:00", "2025-02-15 09:00", "2025-04-30 09:00"),
                            "resolved_at": _utc("2025-02-01 09:00", "2025-04-20 09:00", "2025-05-05 09:00")})
    transactions = pd.DataFrame({"transaction_id": ["x1", "x2"], "customer_id": ["c2", "c1"],
                                 "timestamp": _utc("2025-02-20", "2025-03-01"), "amount": [12.5, 20.0]})
    return _bundle({"customers": customers, "responses": responses, "tickets": tickets,
                    "transactions": transactions})


def _found(table: pd.DataFrame) -> dict:
    hits = table[table["count"] > 0]
    return {(r.table, r.column, r.rule.split(" (")[0]): (r.count, r.examples) for r in hits.itertuples()}


def test_impossible_timestamps_hand_made():
    found = impossible_timestamps(_timeline(), now="2025-12-31")
    # hand: the latest dating timestamp is t3 created 2025-04-30 08:00 → extraction cutoff 2025-05-01 08:00;
    # r1 (Jan 5) before c1's signup (Jan 10); t2 (Feb 15) and x1 (Feb 20) before c2's signup (Mar 1);
    # t1 resolved 09:00 before its first response 10:00; t3 resolved on May 5, after the cutoff
    assert _found(found) == {
        ("responses", "submitted_at", "before the customer's signup_date"): (1, ["r1"]),
        ("tickets", "created_at", "before the customer's signup_date"): (1, ["t2"]),
        ("transactions", "timestamp", "before the customer's signup_date"): (1, ["x1"]),
        ("tickets", "resolved_at", "earlier than first_response_at"): (1, ["t1"]),
        ("tickets", "resolved_at", "after the data were extracted"): (1, ["t3"]),
    }
    # every rule checked is listed, found or not: 6 timestamp columns (signup_date, submitted_at, created_at,
    # first_response_at, resolved_at, timestamp) + 3 signup checks + 1 ticket order
    assert len(found) == 10 and list(found.columns) == ["table", "column", "rule", "count", "examples"]


def test_a_future_date_is_caught_by_the_clock():
    found = _found(impossible_timestamps(_timeline(extra_response="2031-01-01"), now="2025-12-31"))
    # the 2031 response pushes "latest + 1 day" past now, so now (2025-12-31) is the cutoff: r3 is flagged and
    # t3's resolution (May 5) no longer is
    assert found[("responses", "submitted_at", "after the data were extracted")] == (1, ["r3"])
    assert ("tickets", "resolved_at", "after the data were extracted") not in found


# --- recovery on the samples --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["b2c", "b2b"])
def test_planted_data_quality_problems_are_recovered(samples, name):
    truth, bundle = sample_truth(name)["data_quality"], samples[name]
    responses = bundle.responses
    assert speeders(responses).sum() == truth["speeders"]["count"]
    assert straight_liners(responses).sum() == truth["straight_liners"]["count"]
    assert duplicate_submissions(responses).sum() == truth["duplicates"]["count"]
    report = audit(bundle, now="2026-12-31").set_index(["check", "table", "column"])
    assert report.loc[("speeders", "responses", "duration_seconds"), "count"] == truth["speeders"]["count"]
    assert f"(median {truth['speeders']['median_seconds']:g} s)" in \
        report.loc[("speeders", "responses", "duration_seconds"), "rule"]
    assert report.loc[("straight_liners", "responses", "rating_*"), "count"] == truth["straight_liners"]["count"]
    assert report.loc[("duplicate_submissions", "responses", "customer_id + answers"), "count"] == \
        truth["duplicates"]["count"]
    codes = report.loc[("missing_value_codes", "responses", truth["dont_know"]["column"])]
    assert codes["count"] == truth["dont_know"]["count"]
    # the examples are ids of responses whose code became missing
    examples = responses[responses["response_id"].isin(codes["examples"])]
    assert len(examples) == 3 and examples[truth["dont_know"]["column"]].isna().all()


def test_audit_lists_shares_examples_and_missing_fields(samples):
    report = audit(samples["b2c"], now="2026-12-31")
    assert list(report.columns) == AUDIT_COLUMNS and set(report["check"]) == set(CHECKS)
    missing = report[report["check"] == "missing_values"].set_index(["table", "column"])
    tickets = samples["b2c"].tickets
    assert missing.loc[("tickets", "resolved_at"), "count"] == tickets["resolved_at"].isna().sum()  # open tickets
    assert missing.loc[("responses", "comment"), "share"] == pytest.approx(
        samples["b2c"].responses["comment"].isna().mean())
    assert ("responses", "response_id") not in missing.index  # required columns are never missing
    open_ids = missing.loc[("tickets", "resolved_at"), "examples"]
    assert tickets.set_index("ticket_id").loc[open_ids, "resolved_at"].isna().all()


def test_audit_lists_every_check_when_nothing_is_found():
    responses = pd.DataFrame({"response_id": ["a", "b", "c"], "customer_id": ["1", "2", "3"],
                              "submitted_at": _utc("2025-01-01", "2025-01-02", "2025-01-03"),
                              "nps": pd.array([9, 7, 3], "Int64"), "duration_seconds": [100.0, 120.0, 140.0],
                              "rating_a": pd.array([1, 2, 3], "Int64"), "rating_b": pd.array([2, 3, 4], "Int64"),
                              "rating_c": pd.array([3, 4, 5], "Int64")})
    report = audit(_bundle({"responses": responses}), now="2025-06-01")
    assert set(report["check"]) == set(CHECKS)
    assert (report["count"] == 0).all()  # nothing found, every check still reported
    codes = report[report["check"] == "missing_value_codes"].iloc[0]
    assert "none is declared" in codes["rule"]


def test_audit_says_which_checks_the_data_cannot_support():
    responses = pd.DataFrame({"response_id": ["a"], "customer_id": ["1"], "submitted_at": _utc("2025-01-01"),
                              "nps": pd.array([9], "Int64")})
    report = audit(_bundle({"responses": responses}), now="2025-06-01").set_index("check")
    for check, reason in (("speeders", "duration_seconds"), ("straight_liners", "at least 3 rating_*")):
        assert pd.isna(report.loc[check, "count"])
        assert report.loc[check, "rule"].startswith("not checked:") and reason in report.loc[check, "rule"]
    assert report.loc["duplicate_submissions", "count"] == 0


def test_audit_counts_timestamps_in_mixed_zones_apart_from_missing_value_codes(make_config):
    bundle = load_bundle(make_config({"events": "bad_events_mixed_zones.csv"}, timezone="Europe/Berlin"))
    report = audit(bundle, now="2026-01-01")
    zones = report[report["check"] == "mixed_time_zones"]
    # hand count of the fixture: 3 of its 6 timestamps are not at +01:00 (rows 3, 4, 7: J1, J1, J2)
    assert zones[["table", "column", "count"]].values.tolist() == [["events", "timestamp", 3]]
    assert zones["examples"].iloc[0] == ["J1", "J1", "J2"]
    assert zones["rule"].iloc[0].startswith("timestamps in mixed zones (3 at +01:00, 2 without a zone, 1 in UTC)")


def test_offsets_only_note_is_not_taken_for_a_missing_value_code(tmp_path):
    (tmp_path / "events.csv").write_text("journey_id,timestamp,event\nJ1,2025-03-29T23:30:00+01:00,a\n"
                                         "J1,2025-03-30T10:15:00+02:00,b\n", encoding="utf-8")
    (tmp_path / "client.yaml").write_text("name: T\ntimezone: UTC\nsources: {events: {path: events.csv}}\n",
                                          encoding="utf-8")
    bundle = load_bundle(tmp_path / "client.yaml")
    assert bundle.problems["severity"].tolist() == ["info"]  # both offsets are exact: information only
    report = audit(bundle, now="2026-01-01").set_index("check")
    assert report.loc["mixed_time_zones", "count"] == 1  # on a 1–1 tie +01:00 sorts first, so the +02:00 value
    assert report.loc["missing_value_codes", "count"] == 0 and "none is declared" in report.loc["missing_value_codes", "rule"]


def test_a_declared_code_that_never_occurs_is_reported_with_zero():
    responses = pd.DataFrame({"response_id": ["a"], "submitted_at": _utc("2025-01-01"),
                              "csat": pd.array([4], "Int64")})
    bundle = _bundle({"responses": responses},
                     sources={"responses": {"path": "r.csv", "missing_codes": {"csat": [99]}}})
    codes = audit(bundle, now="2025-06-01").query("check == 'missing_value_codes'")
    assert codes[["table", "column", "count"]].values.tolist() == [["responses", "csat", 0]]


# --- inventory and coverage ------------------------------------------------------------------------


def test_inventory_counts_rows_and_customers(samples):
    bundle = samples["b2b"]
    table = inventory(bundle).set_index("table")
    assert list(table.columns) == ["file", "rows", "first", "last", "customers", "columns"]
    counts = sample_truth("b2b")["counts"]
    for name, frame in bundle.tables.items():
        assert table.loc[name, "rows"] == counts[name]
        assert table.loc[name, "customers"] == frame["customer_id"].nunique()
    assert str(table.loc["responses", "last"]) == "2026-09-17"


def test_coverage_lists_a_declared_value_without_data(samples):
    bundle = samples["b2b"]
    kept = {name: frame[frame["channel"] != "webinar"] if "channel" in frame else frame
            for name, frame in bundle.tables.items()}
    channels = coverage(dataclasses.replace(bundle, tables=kept), by="channel")
    webinar = channels[channels["channel"] == "webinar"]
    # the channel is declared in client.yaml but no table has a row for it any more
    assert webinar["table"].tolist() == ["responses", "tickets", "events", "transactions"]
    assert (webinar["rows"] == 0).all() and (webinar["share"] == 0).all()
    assert bundle.tables["events"]["channel"].eq("webinar").any()  # the bundle itself is untouched


def test_coverage_by_stage_counts_rows_in_config_order(samples):
    bundle = samples["b2c"]
    stages = coverage(bundle, by="stage")
    events = stages[stages["table"] == "events"]
    assert events["stage"].tolist() == bundle.config.journey.stage_ids
    assert events["rows"].sum() == len(bundle.events)
    assert set(stages["table"]) == {"responses", "events"}  # tickets and transactions have no stage
    assert stages.groupby("table")["share"].sum().round(9).eq(1).all()


def test_coverage_counts_rows_without_a_value():
    tickets = pd.DataFrame({"ticket_id": ["1", "2", "3"], "created_at": _utc("2025-01-01", "2025-01-02", "2025-01-03"),
                            "channel": ["phone", None, "phone"]})
    table = coverage(_bundle({"tickets": tickets}, channels=["phone", "chat"]), by="channel")
    # hand: 2 phone, 0 chat (declared, no data), 1 without a channel
    assert table[["channel", "rows"]].values.tolist() == [["phone", 2], ["chat", 0], ["(missing)", 1]]
    with pytest.raises(CxnbError, match="'stage' or 'channel'; got by='region'"):
        coverage(_bundle({"tickets": tickets}), by="region")


# --- sample size ---------------------------------------------------------------------------------


def test_sample_size_nps_matches_the_hand_formula(samples):
    bundle = samples["b2c"]
    scores = bundle.responses["nps"].dropna().astype(int)
    n = len(scores)
    promoters, detractors = (scores >= 9).sum() / n, (scores <= 6).sum() / n
    nps, passives = promoters - detractors, 1 - promoters - detractors
    # Rocks (2016) Wald variance per response: (1 - passives) - nps²; n = z² · var / margin², margin = ±5 points
    hand = math.ceil(1.959963984540054**2 * ((1 - passives) - nps**2) / 0.05**2)
    row = sample_size(bundle).set_index("kpi").loc["nps"]
    assert row["needed"] == hand and row["precision"] == 5 and row["have_total"] == n
    latest = bundle.responses["submitted_at"] >= pd.Timestamp("2026-07-01", tz="UTC")
    assert row["latest_period"] == "2026-Q3" and row["have_latest"] == latest.sum()
    assert row["sentence"] == f"±5 NPS points needs {hand:,} responses; you have {latest.sum():,} in 2026-Q3 (enough)."


def test_sample_size_on_a_hand_made_survey():
    # 100 answers: 50 promoters, 30 passives, 20 detractors (NPS +30); 60 in 2025-Q1, 40 in 2025-Q2;
    # CSAT: 80 of the 100 in the top two boxes (4-5 on 1-5)
    responses = pd.DataFrame({
        "response_id": [str(i) for i in range(100)],
        "submitted_at": _utc(*(["2025-02-01"] * 60 + ["2025-05-01"] * 40)),
        "nps": pd.array([10] * 50 + [8] * 30 + [3] * 20, dtype="Int64"),
        "csat": pd.array([5] * 80 + [2] * 20, dtype="Int64"),
    })
    plan = sample_size(_bundle({"responses": responses})).set_index("kpi")
    assert list(plan.index) == ["nps", "csat"]
    # hand: var = 0.7 - 0.3² = 0.61; 1.959964² · 0.61 / 0.05² = 937.3 → 938
    assert plan.loc["nps", ["needed", "have_total", "latest_period", "have_latest", "sufficient"]].tolist() == \
        [938, 100, "2025-Q2", 40, False]
    assert plan.loc["nps", "sentence"] == "±5 NPS points needs 938 responses; you have 40 in 2025-Q2 (898 short)."
    # hand: 1.959964² · 0.8 · 0.2 / 0.05² = 245.9 → 246
    assert plan.loc["csat", "needed"] == 246
    # a looser precision in the config: ±10 NPS points → 3.841459 · 0.61 / 0.01 = 234.3 → 235; monthly labels
    looser = sample_size(_bundle({"responses": responses}, precision={"nps": 10}), period="month").set_index("kpi")
    assert looser.loc["nps", ["needed", "latest_period"]].tolist() == [235, "2025-05"]


def test_sample_size_covers_the_service_kpis_and_refuses_unknown_periods(samples):
    plan = sample_size(samples["b2b"]).set_index("kpi")
    assert {"nps", "csat", "ces", "fcr"} <= set(plan.index)
    assert plan.loc["ces", "precision"] == 0.2 and "resolved tickets" in plan.loc["fcr", "sentence"]
    assert (plan["sufficient"] == (plan["have_latest"] >= plan["needed"])).all()
    with pytest.raises(CxnbError, match="period must be one of day, week, month, quarter, year; got 'fortnight'"):
        sample_size(samples["b2b"], period="fortnight")


@pytest.mark.parametrize("name", ["b2c", "b2b"])
def test_personal_data_counts_match_the_planted_texts_and_examples_are_redacted(name):
    from cxnb.quality import personal_data

    counts, shown = personal_data(load_sample(name))
    planted = sample_truth(name)["text"]["pii"]
    totals = counts.groupby("kind")["texts"].sum()
    assert (totals["email"], totals["phone"]) == (planted["texts_with_email"], planted["texts_with_phone"])
    assert len(shown) > 0 and not shown["text"].str.contains(r"@\w|\d{3}[ -]?\d{4}", regex=True).any()
    assert shown["text"].str.contains(r"\[(?:email|phone)\]", regex=True).all()


def test_findings_sentences_come_from_the_numbers():
    from cxnb.quality import findings

    audit_table = pd.DataFrame({"check": ["speeders", "straight_liners", "missing_values"], "count": [12, 0, 5],
                                "share": [0.012, 0.0, 0.5]})
    sizes = pd.DataFrame({"sufficient": [True, False], "sentence": ["enough", "±5 NPS points needs 1,537."]})
    assert findings(audit_table, sizes) == [
        "Data audit: 12 speeders among the survey responses (1.2%).", "±5 NPS points needs 1,537."]
