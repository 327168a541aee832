"""Mined journeys: a published process-mining log, hand-made traps, the B2C sample's planted
funnel, and the same answers from pandas, Polars and DuckDB."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

import cxnb
from cxnb import journey
from cxnb.errors import CxnbError
from cxnb.paths import sample_dir

RUNNING_EXAMPLE = (Path(__file__).resolve().parents[1].parent / "shared" / "reference-data" / "journeys"
                   / "running-example.csv")
T0 = pd.Timestamp("2024-03-01 09:00", tz="UTC")


def log(rows, *, seq=True) -> pd.DataFrame:
    """Events from ``(journey_id, hours after T0, event[, stage])`` rows, ``seq`` = row order."""
    columns = ["journey_id", "hours", "event", "stage"][: len(rows[0])]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(1, "timestamp", T0 + pd.to_timedelta(frame.pop("hours"), unit="h"))
    if seq:
        frame["seq"] = np.arange(len(frame))
    return frame


def engines(frame: pd.DataFrame) -> dict:
    return {"pandas": frame, "polars": pl.from_pandas(frame), "duckdb": duckdb.from_df(frame)}


def edges(result: pd.DataFrame) -> dict:
    return {(s, t): c for s, t, c in zip(result["source"], result["target"], result["count"])}


@pytest.fixture(scope="module")
def running_example() -> pd.DataFrame:
    if not RUNNING_EXAMPLE.exists():
        pytest.skip(f"reference log absent: {RUNNING_EXAMPLE} (see shared/reference-data/README.md)")
    raw = pd.read_csv(RUNNING_EXAMPLE)
    events = raw.rename(columns={"case:concept:name": "journey_id", "concept:name": "event",
                                 "time:timestamp": "timestamp"})[["journey_id", "timestamp", "event"]]
    events["journey_id"] = events["journey_id"].astype(str)
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)
    events["seq"] = np.arange(len(events))
    return events


@pytest.fixture(scope="module")
def b2c():
    sample = cxnb.load_sample("b2c")
    truth = json.loads((sample_dir("b2c") / "truth.json").read_text(encoding="utf-8"))
    return sample.events, sample.config.journey.stage_ids, truth


# ---------------------------------------------------------------------------------------------
# Reference: van der Aalst's running example (expected values: shared/reference-data/README.md)


def test_running_example_matches_the_published_log(running_example):
    events = running_example
    assert events["journey_id"].nunique() == 6
    assert len(events) == 42
    assert events["event"].nunique() == 8
    assert len(journey.variants(events)) == 6
    assert journey.start_end(events).query("starts > 0")[["activity", "starts"]].values.tolist() == [
        ["register request", 6]]
    dfg = journey.directly_follows(events)
    assert edges(dfg) == {
        ("check ticket", "decide"): 6, ("check ticket", "examine casually"): 2,
        ("check ticket", "examine thoroughly"): 1, ("decide", "pay compensation"): 3,
        ("decide", "reinitiate request"): 3, ("decide", "reject request"): 3,
        ("examine casually", "check ticket"): 4, ("examine casually", "decide"): 2,
        ("examine thoroughly", "check ticket"): 2, ("examine thoroughly", "decide"): 1,
        ("register request", "check ticket"): 2, ("register request", "examine casually"): 3,
        ("register request", "examine thoroughly"): 1, ("reinitiate request", "check ticket"): 1,
        ("reinitiate request", "examine casually"): 1, ("reinitiate request", "examine thoroughly"): 1,
    }
    assert dfg["count"].sum() == 36


def test_running_example_does_not_depend_on_row_order(running_example):
    shuffled = running_example.sample(frac=1, random_state=7)
    pd.testing.assert_frame_equal(journey.directly_follows(shuffled), journey.directly_follows(running_example))
    pd.testing.assert_frame_equal(journey.variants(shuffled), journey.variants(running_example))


# ---------------------------------------------------------------------------------------------
# Hand-made logs, one trap each


def test_ties_are_ordered_by_seq_then_by_name():
    # both events of journey a at 09:00; the file says zeta first, so zeta → alpha, not alphabetical
    events = log([("a", 0, "zeta"), ("a", 0, "alpha"), ("a", 1, "end")])
    assert edges(journey.directly_follows(events)) == {("zeta", "alpha"): 1, ("alpha", "end"): 1}
    assert journey.variants(events)["variant"].tolist() == ["zeta → alpha → end"]
    # rows shuffled: seq still rules
    assert journey.variants(events.iloc[[2, 1, 0]])["variant"].tolist() == ["zeta → alpha → end"]
    # without seq the name breaks the tie, the same way in every engine
    no_seq = events.drop(columns="seq")
    for name, frame in engines(no_seq).items():
        assert journey.variants(frame)["variant"].tolist() == ["alpha → zeta → end"], name
    quality = journey.journey_quality(events).set_index("check")
    assert quality.loc["tied_timestamp", "count"] == 2  # hand count: zeta and alpha share 09:00
    assert "ordered by `seq`" in quality.loc["tied_timestamp", "message"]
    assert "no `seq`" in journey.journey_quality(no_seq).set_index("check").loc["tied_timestamp", "message"]


def test_variants_of_long_journeys_over_many_activities_are_spelled_exactly():
    # 300 activities take 9 bits a code, so 5 events fit a packed block: journeys of up to 60
    # events span up to 12 blocks. Expected: each journey's events sorted and joined by hand.
    rng = np.random.default_rng(5)
    lengths = np.r_[rng.integers(1, 61, 300), [60] * 40]
    rows = []
    for j, n in enumerate(lengths):
        # journeys 300+ repeat ten paths, four times each; the rest are random paths
        path = rng.integers(0, 300, n) if j < 300 else np.random.default_rng(j % 10).integers(0, 300, n)
        rows += [(f"j{j}", float(hour), f"a{code:03d}") for hour, code in enumerate(path)]
    events = log(rows).sample(frac=1, random_state=1)
    expected = (events.sort_values(["journey_id", "timestamp"]).groupby("journey_id")["event"]
                .agg(" → ".join).value_counts())
    assert expected.max() == 4 and expected.index.str.count("→").max() == 59
    for name, frame in engines(events).items():
        got = journey.variants(frame)
        assert dict(zip(got["variant"], got["journeys"])) == expected.to_dict(), name


def test_single_event_journeys_start_end_and_have_no_transition():
    # journeys s and t have one event each; u has two
    events = log([("s", 0, "visit"), ("t", 0, "visit"), ("u", 0, "visit"), ("u", 2, "buy")])
    assert journey.start_end(events).values.tolist() == [["visit", 3, 2], ["buy", 0, 1]]
    assert edges(journey.directly_follows(events)) == {("visit", "buy"): 1}
    assert journey.variants(events)[["variant", "journeys"]].values.tolist() == [["visit", 2], ["visit → buy", 1]]
    quality = journey.journey_quality(events).set_index("check")
    assert quality.loc["single_event_journey", "count"] == 2
    assert quality.loc["single_event_journey", "message"] == (
        "2 journeys have a single event: it starts and ends the journey, which adds no transition.")
    one = journey.journey_quality(events[events["journey_id"] != "t"]).set_index("check")
    assert one.loc["single_event_journey", "message"].startswith("1 journey has a single event:")


def test_repeated_events_are_kept_counted_and_show_as_rework():
    # journey a: visit twice at the same time (loaded twice), then cart, visit again, buy
    events = log([("a", 0, "visit"), ("a", 0, "visit"), ("a", 1, "cart"), ("a", 2, "visit"), ("a", 3, "buy"),
                  ("b", 0, "cart"), ("b", 1, "cart")])
    quality = journey.journey_quality(events).set_index("check")
    assert quality.loc["repeated_event", "count"] == 1  # hand count: the second 09:00 visit
    assert quality.loc["repeated_event", "message"] == (
        "1 event repeats an earlier event's journey, time and event: kept (each counts, and shows as a "
        "self-loop); remove repeats at the source if loaded twice.")
    rework = journey.rework(events).set_index("activity")
    # visit: 3 times in a (2 repeats, 1 self-loop); cart: twice in b (1 repeat, 1 self-loop), once in a
    assert rework.loc["visit"].tolist() == [1, 2, 1]
    assert rework.loc["cart"].tolist() == [1, 1, 1]
    assert rework.loc["buy"].tolist() == [0, 0, 0]


def test_missing_timestamps_are_left_out_and_counted():
    events = log([("a", 0, "visit"), ("a", 1, "cart"), ("a", 2, "buy")])
    events.loc[1, "timestamp"] = pd.NaT
    assert edges(journey.directly_follows(events)) == {("visit", "buy"): 1}
    quality = journey.journey_quality(events).set_index("check")
    assert quality.loc["missing_timestamp", "count"] == 1
    assert quality.loc["missing_timestamp", "message"] == (
        "1 event has no timestamp: left out of the mined journey (it cannot be placed in one); fix the time "
        "column at the source.")


STAGES = ["discover", "consider", "purchase", "use"]


def test_backward_moves_and_skipped_stages_against_the_design():
    events = log([
        ("a", 0, "ad", "discover"), ("a", 1, "page", "consider"), ("a", 2, "buy", "purchase"),  # by design
        ("b", 0, "ad", "discover"), ("b", 1, "buy", "purchase"),                                # skips consider
        ("c", 0, "ad", "discover"), ("c", 1, "page", "consider"), ("c", 2, "ad", "discover"),   # goes back once
        ("c", 3, "page", "consider"), ("c", 4, "buy", "purchase"), ("c", 5, "app", "use"),
        ("d", 0, "app", "use"), ("d", 1, "ad", "discover"),                                     # skips 3, back once
    ])
    design = journey.compare_design(events, STAGES)
    assert (design.journeys, design.following_design, design.backward_moves) == (4, 2, 2)
    assert design.share_following == 50.0
    # skipped: consider by b and d, purchase by d (d reaches use); discover and use never
    assert design.skipped.values.tolist() == [["discover", 0], ["consider", 2], ["purchase", 1], ["use", 0]]
    assert design.unexpected.values.tolist() == [["consider", "discover", 1], ["use", "discover", 1]]


def test_stages_outside_the_design_are_unexpected_transitions():
    events = log([("a", 0, "ad", "discover"), ("a", 1, "call", "complain"), ("a", 2, "buy", "purchase")])
    design = journey.compare_design(events, STAGES)
    assert (design.journeys, design.following_design, design.backward_moves) == (1, 0, 0)
    assert design.unexpected.values.tolist() == [["complain", "purchase", 1], ["discover", "complain", 1]]


def test_funnel_by_hand():
    events = log([
        ("a", 0, "ad", "discover"), ("a", 2, "page", "consider"), ("a", 5, "buy", "purchase"),
        ("b", 0, "ad", "discover"), ("b", 4, "page", "consider"),
        ("c", 0, "ad", "discover"), ("c", 1, "buy", "purchase"),  # reaches consider by skipping it
        ("d", 0, "ad", "discover"),
    ])
    result = journey.funnel(events, STAGES)
    assert result.columns.tolist() == ["stage", "reached", "converted", "dropped", "conversion", "ci_low",
                                       "ci_high", "median_hours_to_next", "p90_hours_to_next"]
    assert result["reached"].tolist() == [4, 3, 2, 0]
    assert result["converted"].tolist()[:3] == [3, 2, 0] and result["converted"].isna().tolist()[3]
    assert result["dropped"].tolist()[:3] == [1, 1, 2]
    assert result["conversion"].iloc[0] == 75.0
    w = cxnb.stats.wilson_interval(3, 4)
    assert result[["ci_low", "ci_high"]].iloc[0].tolist() == pytest.approx([100 * w.ci_low, 100 * w.ci_high])
    # discover → next stage with events: a 2 h, b 4 h, c 1 h → median 2, p90 = 2 + 0.8 × 2 = 3.6
    assert result[["median_hours_to_next", "p90_hours_to_next"]].iloc[0].tolist() == pytest.approx([2.0, 3.6])
    # consider → purchase: only a (3 h); c skipped consider, so it has no time
    assert result["median_hours_to_next"].iloc[1] == 3.0
    assert result[["converted", "conversion", "ci_low"]].iloc[3].isna().all()


def test_funnel_by_group_keeps_empty_stages():
    events = log([("a", 0, "ad", "discover"), ("a", 1, "buy", "purchase"), ("b", 0, "ad", "discover")])
    events["channel"] = ["web", "app", "web"]
    result = journey.funnel(events, STAGES, by="channel")
    # app: a's purchase event only; web: a's and b's discover events
    assert result[["channel", "stage", "reached"]].values.tolist() == [
        ["app", "discover", 1], ["app", "consider", 1], ["app", "purchase", 1], ["app", "use", 0],
        ["web", "discover", 2], ["web", "consider", 0], ["web", "purchase", 0], ["web", "use", 0]]


def test_funnel_by_entry_channel_and_customer_region_counts_each_journey_once():
    # a enters on app at 09:00 (tied with a web event; the file lists app first), b on web; c's customer
    # is not in the customers table
    events = log([("a", 0, "ad", "discover"), ("a", 0, "page", "consider"), ("a", 1, "buy", "purchase"),
                  ("b", 0, "ad", "discover"), ("b", 2, "page", "consider"), ("c", 0, "ad", "discover")])
    events["channel"] = ["app", "web", "web", "web", "app", "web"]
    events["customer_id"] = ["k1", "k1", "k1", "k2", "k2", "k9"]
    customers = pd.DataFrame({"customer_id": ["k1", "k2"], "region": ["north", "south"]})
    for name, frame in engines(events).items():
        labelled = journey.label_journeys(frame, customers, attributes=["region", "segment"])
        entry = journey.funnel(labelled, STAGES, by="entry_channel")
        # hand count: app = {a} reaches purchase; web = {b, c}: both discover, b consider
        assert entry[["entry_channel", "stage", "reached"]].values.tolist() == [
            ["app", "discover", 1], ["app", "consider", 1], ["app", "purchase", 1], ["app", "use", 0],
            ["web", "discover", 2], ["web", "consider", 1], ["web", "purchase", 0], ["web", "use", 0]], name
        region = journey.funnel(labelled, STAGES, by="region").fillna({"region": "none"})
        assert region.query("stage == 'discover'")[["region", "reached"]].values.tolist() == [
            ["north", 1], ["south", 1], ["none", 1]], name
    consider = journey.stage_conversion(journey.funnel(labelled, STAGES, by="entry_channel"), "consider",
                                        "entry_channel", min_base=2)
    # app: a goes on from consider (1 of 1); web: b stops there (0 of 1); both under a base of 2
    assert consider[["entry_channel", "n", "value", "flag"]].values.tolist() == [
        ["app", 1, 100.0, "insufficient_base"], ["web", 1, 0.0, "insufficient_base"]]
    with pytest.raises(CxnbError, match="stage 'pay' is not in the funnel; its stages are discover, consider"):
        journey.stage_conversion(journey.funnel(events, STAGES), "pay", "entry_channel")


def test_clear_errors():
    events = log([("a", 0, "ad"), ("a", 1, "buy")])
    with pytest.raises(CxnbError, match="needs column.*stage"):
        journey.directly_follows(events, level="stage")
    with pytest.raises(CxnbError, match="level must be one of event, stage; got 'case'"):
        journey.variants(events, level="case")
    with pytest.raises(CxnbError, match="needs column.*stage"):
        journey.funnel(events, STAGES)
    with pytest.raises(CxnbError, match="distinct stage ids"):
        journey.funnel(log([("a", 0, "ad", "discover")]), ["discover", "discover"])
    with pytest.raises(CxnbError, match="expected a pandas/Polars DataFrame"):
        journey.rework([1, 2, 3])


# ---------------------------------------------------------------------------------------------
# Recovery on the B2C sample (truth.json: the generator's planted funnel)


def test_b2c_funnel_recovers_the_planted_numbers(b2c):
    events, stages, truth = b2c
    result = journey.funnel(events, stages)
    planted = pd.DataFrame(truth["funnel"]["stages"])
    assert result["stage"].tolist() == planted["stage"].tolist()
    assert result["reached"].tolist() == planted["journeys_reaching"].tolist()
    assert result["converted"].tolist()[:-1] == planted["journeys_reaching"].tolist()[1:]
    dropoff = (1 - result["conversion"] / 100).round(4)
    assert dropoff.tolist()[:-1] == planted["dropoff_share"].tolist()[:-1]
    assert result.loc[dropoff.idxmax(), "stage"] == truth["largest_dropoff_stage"]
    skipped = journey.compare_design(events, stages).skipped
    assert skipped["journeys"].tolist() == (planted["journeys_reaching"] - planted["journeys_with_event_in_stage"]
                                            ).tolist()


def test_b2c_is_fast_on_pandas(b2c):
    events, stages, _ = b2c
    start = time.perf_counter()
    journey.directly_follows(events)
    journey.variants(events)
    journey.funnel(events, stages)
    assert time.perf_counter() - start < 2


# ---------------------------------------------------------------------------------------------
# Same answers from every engine


def every_result(events, stages=None) -> dict:
    results = {
        "directly_follows": journey.directly_follows(events),
        "start_end": journey.start_end(events),
        "variants": journey.variants(events, top=20),
        "rework": journey.rework(events),
        "journey_quality": journey.journey_quality(events),
    }
    if stages is not None:
        design = journey.compare_design(events, stages)
        results |= {
            "stage directly_follows": journey.directly_follows(events, level="stage"),
            "stage variants": journey.variants(events, level="stage"),
            "funnel": journey.funnel(events, stages),
            "funnel by channel": journey.funnel(events, stages, by="channel"),
            "design": pd.DataFrame([{k: v for k, v in vars(design).items() if not isinstance(v, pd.DataFrame)}]),
            "design skipped": design.skipped,
            "design unexpected": design.unexpected,
        }
    return results


def assert_same(expected: dict, got: dict, engine: str) -> None:
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_dtype=False, obj=f"{engine}: {name}")


def test_every_engine_gives_the_same_running_example(running_example):
    frames = engines(running_example)
    expected = every_result(frames.pop("pandas"))
    for engine, frame in frames.items():
        assert_same(expected, every_result(frame), engine)


def test_every_engine_gives_the_same_b2c_journey(b2c):
    events, stages, _ = b2c
    frames = engines(events)
    expected = every_result(frames.pop("pandas"), stages)
    for engine, frame in frames.items():
        assert_same(expected, every_result(frame, stages), engine)


def test_emotion_curve_and_pain_points_by_hand():
    from cxnb.journey import emotion_curve, pain_points

    responses = pd.DataFrame({"stage": ["buy"] * 4 + ["use"] * 2, "nps": pd.array([10, 9, 3, 0, 9, 9], dtype="Int64")})
    curve = emotion_curve(responses, ["look", "buy", "use"], min_base=1)
    # look: no answers; buy: 2 promoters, 2 detractors → 0; use: 2 promoters → +100
    assert curve["stage"].tolist() == ["look", "buy", "use"]
    assert curve["n"].tolist() == [0, 4, 2] and curve["flag"].tolist()[0] == "insufficient_base"
    assert curve["value"].tolist()[1:] == [0.0, 100.0]
    assert curve["mentions"].tolist() == [0, 0, 0] and curve["sentiment"].isna().all()
    stage_funnel = pd.DataFrame({"stage": ["look", "buy", "use"], "reached": [100, 50, 40],
                                 "conversion": [50.0, 80.0, None]})
    pain = pain_points(stage_funnel, curve).set_index("stage")
    # look: 50% drop × 2/6 negative over all stages (no evidence there) × 100% volume = 0.1667
    # buy: 20% drop × 2/4 detractors × 50% volume = 0.05; use: last stage, no drop-off → 0
    assert pain.loc["look", "score"] == pytest.approx(1 / 6)
    assert pain.loc["buy", "score"] == pytest.approx(0.05)
    assert pain.loc["use", "score"] == 0
    assert pain.loc["look", "emotion_source"] == "all stages (no evidence at this stage)"
    assert pain["rank"].tolist() == [1, 2, 3]
    assert pain.loc["buy", "evidence"] == "20% of the 50 journeys reaching buy go no further; 50% negative among its 4 answers"


def test_text_mentions_are_emotion_evidence_for_their_stages():
    from cxnb.config import Journey
    from cxnb.journey import emotion_curve, pain_points, stage_mentions

    design = Journey(stages=[{"id": "look", "name": "Look", "themes": ["price"]},
                             {"id": "buy", "name": "Buy", "themes": ["price", "website"]}, {"id": "use", "name": "Use"}])
    rows = pd.DataFrame({"text_id": ["a", "b", "c", "d"], "theme": ["price", "price", "website", "product"],
                         "compound": [-0.5, 0.3, -0.05, 0.9]})
    mentions = stage_mentions(rows, design)
    # price counts at look and buy; website at buy; product is mapped nowhere; -0.05 is negative (VADER's cut-off)
    assert mentions[["stage", "text_id"]].values.tolist() == [["look", "a"], ["look", "b"], ["buy", "a"], ["buy", "b"],
                                                              ["buy", "c"]]
    assert mentions["negative"].tolist() == [True, False, True, False, True]
    responses = pd.DataFrame({"stage": ["buy"] * 4, "nps": pd.array([10, 9, 3, 0], dtype="Int64")})
    curve = emotion_curve(responses, design.stage_ids, mentions=mentions, min_base=1).set_index("stage")
    assert curve.loc["look", "mentions"] == 2 and curve.loc["look", "sentiment"] == pytest.approx(-0.1)
    # t interval of (-0.5, 0.3): mean -0.1, sd 0.5657, t(0.975, 1) = 12.706 → ±5.08
    assert curve.loc["look", "sentiment_low"] == pytest.approx(-0.1 - 12.7062 * 0.565685 / 2 ** 0.5, abs=1e-3)
    pain = pain_points(pd.DataFrame({"stage": ["look", "buy", "use"], "reached": [100, 50, 40],
                                     "conversion": [50.0, 80.0, None]}), curve.reset_index()).set_index("stage")
    # look: 1 of 2 mentions negative → 50%; buy: 2 detractors of 4 answers + 2 of 3 mentions → 4/7
    assert pain.loc["look", "negative"] == pytest.approx(50.0)
    assert pain.loc["buy", "negative"] == pytest.approx(400 / 7)
    assert pain.loc["use", "negative"] == pytest.approx(100 * 5 / 9)  # no evidence: pooled 5 negative of 9
    assert pain.loc["buy", "evidence"].endswith("57% negative among its 4 answers and 3 text mentions")
    texts_only = emotion_curve(None, design.stage_ids, mentions=mentions, min_base=1).set_index("stage")
    assert texts_only["n"].tolist() == [0, 0, 0] and texts_only.loc["buy", "negative_mentions"] == 2


def test_a_stage_naming_an_unknown_theme_is_a_config_error():
    from cxnb.config import Journey
    from cxnb.errors import ConfigError
    from cxnb.journey import stage_mentions

    design = Journey(stages=[{"id": "buy", "name": "Buy", "themes": ["prise", "website"]},
                             {"id": "use", "name": "Use", "themes": ["taste"]}])
    rows = pd.DataFrame({"text_id": [], "theme": [], "compound": []})
    with pytest.raises(ConfigError, match=r"\(buy: prise; use: taste\); expected one of price, website"):
        stage_mentions(rows, design, {"price": {}, "website": {}})


@pytest.mark.parametrize("sample", ["b2c", "b2b"])
def test_largest_dropoff_is_the_top_pain_point(sample):
    from cxnb import sample_truth, text
    from cxnb.journey import emotion_curve, pain_points, stage_mentions

    bundle = cxnb.load_sample(sample)
    design = bundle.config.journey
    taxonomy = text.client_taxonomy(bundle.config)
    mentions = stage_mentions(text.themes(text.customer_texts(bundle), taxonomy), design, taxonomy)
    curve = emotion_curve(bundle.responses, design.stage_ids, mentions=mentions)
    pain = pain_points(journey.funnel(bundle.events, design.stage_ids), curve)
    assert pain.iloc[0]["stage"] == sample_truth(sample)["largest_dropoff_stage"]


def test_design_and_map_tables_follow_the_config():
    from cxnb.journey import design_table, emotion_curve, map_table, pain_points, stage_columns

    bundle = cxnb.load_sample("b2c")
    design = bundle.config.journey
    table = design_table(design)
    assert table["stage"].tolist() == design.stage_ids and table["position"].tolist() == list(range(1, 8))
    assert "checkout_complete" in table.set_index("stage").loc["purchase", "events"]
    assert stage_columns(design)["checkout_complete"] == 2  # third designed stage
    curve = emotion_curve(bundle.responses, design.stage_ids)
    pain = pain_points(journey.funnel(bundle.events, design.stage_ids), curve)
    rows = map_table(design, curve, pain)
    assert rows["name"].tolist() == [s.name for s in design.stages]
    marked = rows[rows["opportunity"] != ""]
    assert len(marked) == 3 and marked["opportunity"].str.match(r"#[123]: keep the \d+% who leave").all()
