"""The sample companies: catalogue, sizes, validity, and a broken copy that reports everything."""

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from cxnb import load_sample, sample_config, sample_names, sample_truth
from cxnb.bundle import load_bundle
from cxnb.errors import SampleError, SchemaError
from cxnb.paths import SAMPLES


def test_catalogue_lists_names_on_a_wrong_one():
    assert sample_names() == ["b2b", "b2c"]
    with pytest.raises(SampleError, match="no sample company 'b2x'; choose one of: b2b, b2c"):
        sample_config("b2x")


def test_committed_samples_stay_under_15_mb():
    files = [p for p in SAMPLES.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 15 * 2**20


def test_b2c_sample_has_the_promised_volume():
    bundle = load_sample("b2c")
    t = bundle.tables
    assert len(t["customers"]) >= 4500
    assert len(t["responses"]) >= 10_000 and len(t["reviews"]) >= 5_000 and len(t["tickets"]) >= 8_000
    assert len(t["events"]) >= 150_000 and len(t["transactions"]) >= 30_000
    assert t["events"]["stage"].nunique() >= 6
    assert t["events"]["channel"].nunique() >= 4
    ratings = [c for c in t["responses"].columns if c.startswith("rating_")]
    assert 6 <= len(ratings) <= 10
    assert t["responses"]["comment"].notna().mean() > 0.5
    span = t["responses"]["submitted_at"].max() - t["responses"]["submitted_at"].min()
    assert span.days >= 700  # about 24 months
    assert bundle.customers["customer_id"].str.startswith("0").all()  # zero-padded ids kept as text


def test_b2b_sample_is_configured_differently():
    b2b, b2c = load_sample("b2b"), load_sample("b2c")
    assert b2b.config.scales != b2c.config.scales
    assert b2b.config.journey.stage_ids != b2c.config.journey.stage_ids
    assert set(b2b.config.channels) != set(b2c.config.channels)
    assert b2b.sources["responses"].format == "qualtrics"
    truth = sample_truth("b2b")
    dropped = b2b.sources["responses"].dropped
    assert {k: dropped[k] for k in ("preview", "spam", "unfinished")} == {
        k: truth["survey_export"][k] for k in ("preview", "spam", "unfinished")}


@pytest.mark.parametrize("name", ["b2b", "b2c"])
def test_planted_truths_are_documented(name):
    truth = sample_truth(name)
    for key in ("top_nps_driver", "largest_dropoff_stage", "most_negative_theme", "personas", "intervention"):
        assert key in truth
    assert 3 <= len(truth["personas"]["segments"]) <= 5
    assert truth["top_nps_driver"] in load_sample(name).responses.columns
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert truth["top_nps_driver"] in readme and truth["most_negative_theme"] in readme


def _broken_copy(tmp_path):
    """The B2C sample with five planted problems across three tables."""
    folder = tmp_path / "b2c"
    shutil.copytree(SAMPLES / "b2c", folder)
    responses = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[4, "nps"] = "11"                                   # 1: off the 0–10 scale, row 6
    responses.loc[9, "response_id"] = responses.loc[8, "response_id"]  # 2: duplicate id, rows 10 and 11
    responses.to_csv(folder / "responses.csv", index=False)
    tickets = pd.read_csv(folder / "tickets.csv", dtype=str, keep_default_na=False)
    tickets.loc[1, "resolved_at"] = "2024-09-01 10:00:00"             # 3: resolved before created, row 3
    tickets.loc[2, "channel"] = "carrier pigeon"                      # 4: unknown channel, row 4
    tickets.to_csv(folder / "tickets.csv", index=False)
    transactions = pd.read_csv(folder / "transactions.csv", dtype=str, keep_default_na=False)
    transactions.drop(columns=["amount"]).to_csv(folder / "transactions.csv", index=False)  # 5: missing column
    return folder / "client.yaml"


def test_five_planted_problems_are_all_reported_in_one_run(tmp_path):
    config = _broken_copy(tmp_path)
    with pytest.raises(SchemaError) as err:
        load_bundle(config)
    problems = err.value.problems
    errors = problems[problems["severity"] == "error"]
    found = {(p.table, p.column, tuple(p.rows)) for p in errors.itertuples()}
    assert found == {
        ("responses", "nps", (6,)),
        ("responses", "response_id", (10, 11)),
        ("tickets", "resolved_at", (3,)),
        ("tickets", "channel", (4,)),
        ("transactions", "amount", ()),
    }
    message = str(err.value)
    assert "5 problem(s) in 3 table(s)" in message
    assert "tickets.channel rows 4: not declared in the config's `channels`" in message
    assert "transactions.amount: required column is missing from transactions.csv" in message


def test_validate_command_exit_status(tmp_path):
    from cxnb.cli import main
    assert main(["validate", str(_broken_copy(tmp_path))]) == 1


def test_generator_reproduces_the_committed_samples(tmp_path):
    """Regenerating with the committed seed gives the committed files byte for byte."""
    subprocess.run([sys.executable, "-m", "cxnb.samples.generate", "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for committed in SAMPLES.rglob("*"):
        if committed.is_file() and committed.name not in ("client.yaml", "README.md"):
            fresh = tmp_path / committed.relative_to(SAMPLES)
            assert fresh.read_bytes() == committed.read_bytes(), f"{committed.relative_to(SAMPLES)} differs"
