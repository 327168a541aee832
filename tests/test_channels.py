"""Step 2: channel mix, performance, switching, the suitability matrix and the channel_costs key."""

import inspect
import math
import re

import pandas as pd
import pytest
import yaml

from cxnb import channels, charts
from cxnb.config import load_config
from cxnb.errors import ConfigError, CxnbError
from cxnb.samples import load_sample, sample_config, sample_truth


@pytest.fixture(scope="module")
def b2c():
    bundle = load_sample("b2c")
    planted = pd.read_csv(sample_config("b2c").parent / "truth_personas.csv", dtype=str)
    return bundle, planted, sample_truth("b2c")


@pytest.fixture(scope="module")
def b2b():
    return load_sample("b2b")


# ---------------------------------------------------------------------------------------------
# Mix


def test_channel_mix_matches_the_planted_shares(b2c):
    bundle, planted, truth = b2c
    mix = channels.channel_mix(bundle, planted)
    for segment in truth["personas"]["segments"]:
        for table, shares in segment["preferred_channels"].items():
            for channel, share in shares.items():  # measured on the same files with the same mapping
                row = mix[(mix["table"] == table) & (mix["persona"] == segment["persona"])
                          & (mix["channel"] == channel)]
                assert row["share"].iloc[0] / 100 == pytest.approx(share, abs=0.0005)


def test_channel_mix_counts_and_wilson_intervals():
    bundle = load_sample("b2b")
    tickets = pd.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["phone", "phone", "email"]})
    bundle.tables = {"customers": bundle.customers, "tickets": tickets}
    mix = channels.channel_mix(bundle)
    phone = mix[mix["channel"] == "phone"].iloc[0]
    # 2 of 3; Wilson 95%: (p + z²/2n ± z√(p(1-p)/n + z²/4n²)) / (1 + z²/n) with z = 1.959964
    z, n, p = 1.959964, 3, 2 / 3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (phone["rows"], phone["n"], phone["share"]) == (2, 3, pytest.approx(100 * p))  # n: the share's base
    assert phone["ci_low"] == pytest.approx(100 * (centre - half))
    assert phone["ci_high"] == pytest.approx(100 * (centre + half))
    assert mix["channel"].tolist() == ["email", "phone"]  # the channels used, in the config's order


def test_personas_frame_must_have_its_columns(b2b):
    with pytest.raises(CxnbError, match="customer_id and persona"):
        channels.channel_mix(b2b, pd.DataFrame({"customer_id": ["ACC-0005"], "segment": [0]}))


# ---------------------------------------------------------------------------------------------
# Performance


def test_channel_performance_measures_the_planted_channel_problem(b2c):
    bundle, planted, truth = b2c
    performance = channels.channel_performance(bundle, planted)
    cell = performance[(performance["persona"] == "gift_buyer") & (performance["channel"] == "chat")]
    cell = cell.set_index("metric")
    measured = truth["channel_problem"]["measured"]
    answers, tickets = measured["responses"]["persona_on_channel"], measured["tickets"]["persona_on_channel"]
    # chat answers are all post-support answers: CES low effort as measured by the generator
    assert cell.loc["ces_low_effort", "n"] == answers["n_ces"]
    assert cell.loc["ces_low_effort", "value"] == pytest.approx(answers["ces_low_effort_pct"], abs=0.05)
    assert cell.loc["ces", "value"] == pytest.approx(answers["ces_mean"], abs=0.005)
    # CSAT pools survey answers and rated tickets: the generator's two shares weighted by their bases
    n = answers["n_csat"] + tickets["n_csat"]
    pooled = (answers["csat_top2_pct"] * answers["n_csat"] + tickets["csat_top2_pct"] * tickets["n_csat"]) / n
    assert cell.loc["csat", "n"] == n
    assert cell.loc["csat", "value"] == pytest.approx(pooled, abs=0.1)


def test_ticket_times_fcr_and_cost_to_serve(b2b):
    performance = channels.channel_performance(b2b).set_index(["metric", "channel"])
    tickets = b2b.tickets
    phone = tickets[tickets["channel"] == "phone"]
    hours = (phone["first_response_at"] - phone["created_at"]).dt.total_seconds() / 3600
    assert performance.loc[("first_response_hours", "phone"), "value"] == pytest.approx(hours.median())
    resolved = phone[phone["resolved_at"].notna()]
    never_reopened = 100 * (~resolved["reopened"].astype(bool)).mean()
    assert performance.loc[("fcr", "phone"), "value"] == pytest.approx(never_reopened)
    cost = b2b.config.channel_costs.per_contact["phone"]
    assert performance.loc[("cost_per_contact", "phone"), "value"] == cost
    # a ticket is a contact
    assert performance.loc[("cost_to_serve", "phone"), "value"] == pytest.approx(cost * len(phone))
    journeys = b2b.events.loc[b2b.events["channel"] == "webinar", "journey_id"].nunique()
    assert performance.loc[("cost_to_serve", "webinar"), "n"] == journeys  # no tickets: journeys are the contacts


def test_performance_table_shows_every_figure_with_its_interval_and_base(b2b):
    performance = channels.channel_performance(b2b)
    table = channels.performance_table(performance, currency="$").set_index("channel")
    assert list(table.columns) == [label for metric, (label, _, _) in channels.METRICS.items()
                                   if metric in set(performance["metric"])]  # in the order of METRICS
    fcr = performance[(performance["metric"] == "fcr") & (performance["channel"] == "phone")].iloc[0]
    assert table.loc["phone", "first-contact resolution"] == (
        f"{fcr['value']:.0f}% [{fcr['ci_low']:.0f}–{fcr['ci_high']:.0f}], n = {fcr['n']:,}")
    hours = performance[(performance["metric"] == "resolution_hours") & (performance["channel"] == "email")].iloc[0]
    assert table.loc["email", "median resolution"].startswith(f"{hours['value']:.2f} h [{hours['ci_low']:.2f}–")
    cost = b2b.config.channel_costs.per_contact["phone"]
    assert table.loc["phone", "cost per contact"].startswith(f"${cost:,.2f}, n = ")
    assert table.loc["webinar", "median resolution"] == "–"  # no tickets through webinars
    # per persona (the planted ones): a persona column, and small bases marked
    planted = pd.read_csv(sample_config("b2b").parent / "truth_personas.csv", dtype=str)
    performance = channels.channel_performance(b2b, planted)
    table = channels.performance_table(performance).set_index(["persona", "channel"])
    small = performance[performance["flag"] == "insufficient_base"].iloc[0]
    shown = table.loc[(small["persona"], small["channel"]), channels.METRICS[small["metric"]][0]]
    assert shown.endswith(f", n = {small['n']:,} (n too small)")


def test_small_bases_are_flagged(b2b):
    performance = channels.channel_performance(b2b)
    small = performance[(performance["n"] < b2b.config.min_base) & performance["metric"].isin(["csat", "ces"])]
    assert (small["flag"] == "insufficient_base").all()


# ---------------------------------------------------------------------------------------------
# Switching


def _tickets(rows):
    return pd.DataFrame(rows, columns=["customer_id", "channel", "category", "created_at"]).assign(
        created_at=lambda f: pd.to_datetime(f["created_at"], utc=True))


def test_switching_pairs_repeat_contacts_on_the_same_issue_within_the_window():
    tickets = _tickets([
        ("a", "chat", "billing", "2025-01-01"), ("a", "phone", "billing", "2025-01-05"),  # switch within 7 days
        ("a", "phone", "billing", "2025-01-20"),  # 15 days later: a new contact, not a repeat
        ("a", "email", "delivery", "2025-01-21"),  # another issue
        ("b", "email", "billing", "2025-01-01"), ("b", "email", "billing", "2025-01-08"),  # exactly 7 days: a repeat
    ])
    result = channels.channel_switching(tickets, within_days=7)
    pairs = result.transitions.set_index(["from_channel", "to_channel"])["contacts"].to_dict()
    assert pairs == {("chat", "phone"): 1, ("email", "email"): 1}
    summary = result.summary.iloc[0]
    # hand count: 6 tickets, 2 repeats, 1 switch by 1 customer
    assert (summary["tickets"], summary["repeats"], summary["switches"], summary["customers"]) == (6, 2, 1, 1)
    assert summary["share"] == pytest.approx(50.0)


def test_switching_explains_bad_input():
    with pytest.raises(CxnbError, match="no category column"):
        channels.channel_switching(pd.DataFrame({"customer_id": [], "channel": [], "created_at": []}))
    with pytest.raises(CxnbError, match="positive number of days"):
        channels.channel_switching(_tickets([]), within_days=0)
    with pytest.raises(CxnbError, match="needs the tickets table"):
        channels.channel_switching(None)


# ---------------------------------------------------------------------------------------------
# Suitability


def test_the_planted_channel_problem_is_the_top_recommendation(b2c):
    bundle, planted, truth = b2c
    matrix = channels.suitability(bundle, planted)
    top = matrix.iloc[0]
    assert (top["persona"], top["channel"], top["action"]) == (truth["channel_problem"]["persona"],
                                                               truth["channel_problem"]["channel"], "invest")
    assert top["satisfaction_gap"] < -10 and top["effort_gap"] < -5  # points below what persona and channel predict
    assert (matrix["action"] == "invest").sum() == 1  # nothing else is planted, nothing else is flagged


def test_additive_expectation_has_no_gap_without_an_interaction():
    """Persona and channel effects that simply add up leave every cell on its expectation."""
    answers = pd.DataFrame({"persona": ["p", "p", "q", "q"] * 25, "channel": ["x", "y", "x", "y"] * 25})
    rate = {("p", "x"): 0.8, ("p", "y"): 0.6, ("q", "x"): 0.5, ("q", "y"): 0.3}  # +0.2 for x, +0.3 for p
    counts = answers.groupby(["persona", "channel"]).cumcount()
    answers["ok"] = [float(i < 25 * rate[(p, c)]) for p, c, i in zip(answers["persona"], answers["channel"], counts)]
    cells = channels._interaction_gaps(answers, "ok")
    assert cells["gap"].abs().max() == pytest.approx(0, abs=1e-9)
    assert cells["observed"].tolist() == pytest.approx([80, 60, 52, 32])  # 25 × 0.5 = 12.5 → 13 of 25, 7.5 → 8 of 25


def test_steering_suggests_a_cheaper_channel_of_the_same_kind(b2b):
    matrix = channels.suitability(b2b)
    steer = matrix[matrix["action"] == "steer away"]
    assert len(steer)
    costs = b2b.config.channel_costs.per_contact
    for _, row in steer.iterrows():
        alternative = matrix[(matrix["persona"] == row["persona"]) & (matrix["channel"] == row["alternative"])].iloc[0]
        assert costs[row["alternative"]] < costs[row["channel"]]
        assert alternative["kind"] == row["kind"] and alternative["satisfaction"] >= row["satisfaction"]
        saved = costs[row["channel"]] - costs[row["alternative"]]
        assert row["priority"] == pytest.approx(row["preference"] / 100 * saved)


def test_b2b_matrix_uses_its_own_channels_only(b2b):
    matrix = channels.suitability(b2b)
    assert set(matrix["channel"]) <= set(b2b.config.channels)
    b2c_only = set(load_config(sample_config("b2c")).channels) - set(b2b.config.channels)
    text = matrix.to_csv() + channels.assumptions(b2b.config).to_csv()
    assert b2c_only and not [name for name in b2c_only if re.search(rf"\b{name}\b", text)]
    assert "$95.00" in text and "£" not in text


def test_assumptions_list_the_rules_and_costs(b2b):
    table = channels.assumptions(b2b.config, within_days=3).set_index("assumption")["value"]
    assert table["cost of one contact"].startswith("account_manager $95.00")
    assert table["low effort"] == "CES 1–2 on 1–5"  # b2b: 1 = very low effort (ces_higher_is_easier: false)
    assert table["same issue"].endswith("within 3 days")


def test_suitability_chart_outlines_the_invest_cells(b2c):
    bundle, planted, _ = b2c
    spec = charts.suitability_matrix(channels.suitability(bundle, planted), title="Suitability").to_dict()
    assert spec["title"] == "Suitability"
    outline = spec["layer"][1]
    assert outline["transform"] == [{"filter": "(datum.action === 'invest')"}]
    assert spec["layer"][0]["encoding"]["color"]["field"] == "gap"


# ---------------------------------------------------------------------------------------------
# The channel_costs key of the client config


def _config_with(tmp_path, **changes):
    data = {"name": "Cost test", "channels": ["phone", "email"],
            "sources": {"customers": {"path": str(sample_config("b2b").parent / "customers.csv")}}} | changes
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_channel_costs_must_be_positive_and_name_known_channels(tmp_path):
    with pytest.raises(ConfigError, match=r"`channel_costs.per_contact`: costs cannot be negative; got phone: -1"):
        load_config(_config_with(tmp_path, channel_costs={"per_contact": {"phone": -1}}))
    with pytest.raises(ConfigError, match=r"channel_costs.per_contact names channel\(s\) fax not listed in `channels`"):
        load_config(_config_with(tmp_path, channel_costs={"per_contact": {"fax": 3.0}}))


def test_channel_costs_are_optional(tmp_path):
    path = _config_with(tmp_path, channel_costs={})
    config = load_config(path)
    assert config.channel_costs.per_contact == {}
    assert channels.assumptions(config).set_index("assumption").loc["cost of one contact", "value"].startswith(
        "not configured")


# ---------------------------------------------------------------------------------------------
# The step-2 notebook without step 1


def test_notebook_says_so_and_carries_on_when_step_1_has_not_run(tmp_path):
    import nbformat

    from cxnb.runner import run

    result = run([sample_config("b2b")], steps=[2], out=tmp_path, jobs=1, progress=lambda _: None)
    assert result.ok
    folder = tmp_path / "tallbridge-systems"
    executed = nbformat.read(folder / "notebooks" / "02_recognize_interaction_channels.ipynb", 4)
    shown = "\n".join(o.get("data", {}).get("text/markdown", "") for cell in executed.cells
                      for o in cell.get("outputs", []))
    assert "Step 1's personas are missing" in shown
    assert "for all customers" in shown  # the matrix is drawn for everyone instead
    # the overall mix: the leading channel of every table, with its interval and base, as computed here
    overall = channels.channel_mix(load_sample("b2b"))
    for table, part in overall.groupby("table"):
        lead = part.loc[part["share"].idxmax()]
        assert (f"{channels.MIX_TABLES[table]}: {lead['channel']} {lead['share']:.1f}% (95% interval "
                f"{lead['ci_low']:.1f}–{lead['ci_high']:.1f}%, n = {lead['n']:,})") in shown.replace("\\", "")
    drawn = "\n".join(o.get("data", {}).get("image/svg+xml", "") for cell in executed.cells
                       for o in cell.get("outputs", []))
    tables = [channels.MIX_TABLES[t] for t in overall["table"].unique()]
    titles = [f"All customers: share of {t} by channel (95% interval)" for t in tables]
    titles += [f"Share of {t} by channel and persona (%)" for t in tables]
    rated = channels.channel_performance(load_sample("b2b")).dropna(subset=["ci_low"])["metric"].unique()
    titles += [f"{channels.METRICS[m][0].capitalize()} by channel (95% interval)" for m in rated]
    window = inspect.signature(channels.channel_switching).parameters["within_days"].default  # the notebook's
    titles += [f"Repeat contacts within {window:g} days: from channel → to channel"]
    assert not [title for title in titles if title not in drawn]
    overall_first = max(drawn.index(t) for t in titles[:len(tables)])
    assert overall_first < min(drawn.index(t) for t in titles[len(tables):2 * len(tables)])
    artifacts = folder / "artifacts" / "02_recognize_interaction_channels"
    assert (artifacts / "suitability.parquet").exists()
