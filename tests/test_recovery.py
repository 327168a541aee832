"""Planted effects in the samples are found by the kit's statistics (and nothing is found where
nothing was planted)."""

import warnings

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from cxnb import load_sample, metrics, sample_truth, stats


@pytest.fixture(scope="module")
def b2c():
    return load_sample("b2c")


def _nps_counts(frame: pd.DataFrame, by: str) -> dict:
    table = metrics.nps(frame, by=by, min_base=1).set_index(by)
    return {k: (r.detractors, r.passives, r.promoters) for k, r in table.iterrows()}


def test_planted_intervention_is_detected_with_the_right_sign(b2c):
    truth = sample_truth("b2c")["intervention"]  # new delivery partner in one region at a known date
    responses = b2c.responses.merge(b2c.customers[["customer_id", "region"]], on="customer_id", how="left")
    treated = responses[responses["region"] == truth["region"]]
    after = treated["submitted_at"] >= pd.Timestamp(truth["date"], tz="UTC")
    counts = _nps_counts(treated.assign(phase=np.where(after, "after", "before")), "phase")
    change = stats.nps_difference(counts["after"], counts["before"])
    assert change.p_value < 0.01 and change.difference > 0
    # the planted shift is +15 points (truth.json); the estimate's interval must cover it
    assert change.ci_low * 100 <= truth["planted_effect"] <= change.ci_high * 100


def test_random_halves_show_no_difference(b2c):
    rng = np.random.default_rng(2026)
    halves = b2c.responses.assign(half=rng.permutation(np.arange(len(b2c.responses)) % 2))
    counts = _nps_counts(halves, "half")
    assert stats.nps_difference(counts[0], counts[1]).p_value > 0.05


def test_kpis_are_identical_on_pandas_polars_and_duckdb(b2c):
    responses = b2c.responses
    engines = {"pandas": responses, "polars": pl.from_pandas(responses), "duckdb": duckdb.from_df(responses)}
    tickets = {"pandas": b2c.tickets, "polars": pl.from_pandas(b2c.tickets), "duckdb": duckdb.from_df(b2c.tickets)}
    results = {}
    for name in engines:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results[name] = [
                *metrics.survey_kpis(engines[name], scales=b2c.config.scales, by="channel", period="month").values(),
                metrics.within_sla(tickets[name], hours=24, by="channel", period="quarter"),
                metrics.response_time(tickets[name], kind="resolution", by="channel"),
                metrics.first_contact_resolution(tickets[name], by="category"),
            ]
    for name in ("polars", "duckdb"):
        for mine, reference in zip(results[name], results["pandas"]):
            pd.testing.assert_frame_equal(mine, reference, check_dtype=False)
