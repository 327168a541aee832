"""KPI functions: hand-counted values, flags, periods, and the same answer on every engine."""

import warnings

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from cxnb import metrics
from cxnb.config import Scale
from cxnb.errors import CxnbError

T0 = pd.Timestamp("2025-01-06 09:00", tz="UTC")  # a Monday


def _responses(scores, column="nps", **extra):
    frame = pd.DataFrame({column: pd.array(scores, dtype="Int64"),
                          "submitted_at": [T0 + pd.Timedelta(days=i) for i in range(len(scores))]})
    return frame.assign(**extra)


def test_nps_hand_count_and_adjusted_wald():
    # hand count: promoters 10,9,9,10 = 4; passives 8,7 = 2; detractors 6,5,0 = 3; one missing → n = 9
    out = metrics.nps(_responses([10, 9, 9, 8, 7, 6, 5, 0, 10, None]), min_base=1).iloc[0]
    assert (out["n"], out["promoters"], out["passives"], out["detractors"]) == (9, 4, 2, 3)
    assert out["value"] == pytest.approx(100 / 9)
    # Rocks (2016) adjusted Wald by hand: counts + (0.75, 1.5, 0.75) → 3.75/3.5/4.75 of 12;
    # nps = 1/12, var = 8.5/12 − (1/12)² = 0.701389, se = sqrt(var/12) = 0.241762,
    # 1/12 ± 1.959964·se = (−0.390516, 0.557183)
    assert out["ci_low"] == pytest.approx(-39.0516, abs=1e-3)
    assert out["ci_high"] == pytest.approx(55.7183, abs=1e-3)
    assert out["flag"] == ""


def test_nps_by_group_and_base_flag():
    frame = _responses([10, 10, 0, 9, 9, 9, 9], channel=["a", "a", "a", "b", "b", "b", "b"])
    out = metrics.nps(frame, by="channel", min_base=4)
    # a: 2 promoters, 1 detractor of 3 → +33.3, below the base of 4; b: 4 of 4 promoters → +100
    assert out["channel"].tolist() == ["a", "b"]
    assert out["value"].round(1).tolist() == [33.3, 100.0]
    assert out["flag"].tolist() == ["insufficient_base", ""]


def test_monthly_periods_keep_empty_months_flagged_not_nan():
    frame = pd.DataFrame({"nps": pd.array([10, 0, 9], dtype="Int64"),
                          "submitted_at": pd.to_datetime(["2025-01-15", "2025-01-20", "2025-03-02"], utc=True)})
    out = metrics.nps(frame, period="month", min_base=1)
    assert out["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert out["n"].tolist() == [2, 0, 1]
    february = out.iloc[1]
    assert np.isnan(february["value"]) and february["flag"] == "insufficient_base"


def test_weeks_start_on_monday():
    frame = pd.DataFrame({"nps": pd.array([10, 10, 10], dtype="Int64"),
                          "submitted_at": pd.to_datetime(["2025-01-05 23:00", "2025-01-06 00:30", "2025-01-12 22:00"],
                                                         utc=True)})  # Sun, Mon, Sun
    out = metrics.nps(frame, period="week", min_base=1)
    assert out["period"].dt.strftime("%a %Y-%m-%d").tolist() == ["Mon 2024-12-30", "Mon 2025-01-06"]
    assert out["n"].tolist() == [1, 2]


def test_csat_top_two_box_with_wilson():
    out = metrics.csat(_responses([5, 4, 3, 2, 1, 5], "csat"), scale=Scale(min=1, max=5), min_base=1).iloc[0]
    # 3 of 6 in {4, 5}; Wilson 95% for 3/6 = (0.1876, 0.8124) (Newcombe 1998 method 3, by hand)
    assert (out["n"], out["satisfied"], out["value"]) == (6, 3, 50.0)
    assert (round(out["ci_low"], 2), round(out["ci_high"], 2)) == (18.76, 81.24)


def test_csat_on_a_seven_point_scale_uses_its_top_two():
    out = metrics.csat(_responses([7, 6, 5, 5], "csat"), scale=Scale(min=1, max=7), min_base=1).iloc[0]
    assert out["satisfied"] == 2


def test_ces_mean_with_t_interval():
    out = metrics.ces(_responses([1, 2, 3, 4, 5, 6, 7], "ces"), min_base=1).iloc[0]
    # mean 4, sd = sqrt(28/6) = 2.160247, t(0.975, 6) = 2.446912 → 4 ± 2.446912·2.160247/sqrt(7) = 4 ± 1.997895
    assert out["value"] == 4
    assert out["sd"] == pytest.approx(2.160247, abs=1e-6)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((2.002105, 5.997895), abs=1e-6)


@pytest.mark.parametrize("higher_is_easier, expected", [(True, 3), (False, 2)])
def test_ces_low_effort_follows_scale_direction(higher_is_easier, expected):
    frame = _responses([7, 6, 6, 1, 2, 4], "ces")
    out = metrics.ces_low_effort(frame, scale=Scale(min=1, max=7), higher_is_easier=higher_is_easier, min_base=1)
    assert out.iloc[0]["low_effort"] == expected


def _transactions():
    # as_of = 2025-06-30 (last purchase); churn window 90 days → cutoff 2025-04-01
    rows = [("c1", "2025-01-01"), ("c1", "2025-06-30"),   # active
            ("c2", "2025-01-05"), ("c2", "2025-02-01"),   # churned
            ("c3", "2025-03-01"),                          # churned
            ("c4", "2025-05-01")]                          # too new to judge
    return pd.DataFrame({"customer_id": [r[0] for r in rows], "timestamp": pd.to_datetime([r[1] for r in rows], utc=True),
                         "amount": 10.0})


def test_churn_and_retention_by_hand():
    churn = metrics.churn(_transactions(), after_days=90, min_base=1).iloc[0]
    assert (churn["n"], churn["churned"]) == (3, 2)  # c4's first purchase is inside the window
    assert churn["value"] == pytest.approx(200 / 3)
    kept = metrics.retention(_transactions(), after_days=90, min_base=1).iloc[0]
    assert (kept["n"], kept["retained"]) == (3, 1)
    assert kept["value"] == pytest.approx(100 / 3)
    assert kept["ci_low"] == pytest.approx(100 - churn["ci_high"])


def test_churn_by_customer_attribute():
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"], "plan": ["gold", "gold", "basic", "basic"]})
    out = metrics.churn(_transactions(), customers=customers, by="plan", after_days=90, min_base=1)
    assert out[["plan", "n", "churned"]].values.tolist() == [["basic", 1, 1], ["gold", 2, 1]]


def _tickets():
    created = pd.Timestamp("2025-03-03 08:00", tz="UTC")
    hours = [1, 2, 3, 4, 50, None]  # the last ticket is still waiting, 100 h old at as_of
    return pd.DataFrame({
        "ticket_id": list("abcdef"),
        "created_at": [created] * 5 + [created - pd.Timedelta(hours=100)],
        "first_response_at": [created + pd.Timedelta(hours=h) if h else pd.NaT for h in hours],
        "resolved_at": [created + pd.Timedelta(hours=h * 2) if h else pd.NaT for h in hours],
        "reopened": pd.array([False, False, True, False, True, pd.NA], dtype="boolean"),
        "channel": ["chat", "chat", "email", "email", "email", "phone"],
    })


def test_response_time_median_and_p90():
    median = metrics.response_time(_tickets(), kind="first_response", min_base=1).iloc[0]
    assert (median["n"], median["value"]) == (5, 3.0)  # hours 1, 2, 3, 4, 50
    p90 = metrics.response_time(_tickets(), kind="resolution", statistic="p90", min_base=1).iloc[0]
    assert p90["value"] == pytest.approx(np.quantile([2, 4, 6, 8, 100], 0.9))


def test_response_time_interval_is_distribution_free():
    frame = pd.DataFrame({"created_at": pd.Timestamp("2025-01-01", tz="UTC"),
                          "first_response_at": pd.Timestamp("2025-01-01", tz="UTC")
                          + pd.to_timedelta(np.arange(1, 101), unit="h")})
    out = metrics.response_time(frame, min_base=1).iloc[0]
    # 100 ordered values 1..100 h: Binomial(100, 0.5) ranks 40 and 61 (Conover 1999, 3.2)
    assert (out["value"], out["ci_low"], out["ci_high"]) == (50.5, 40.0, 61.0)


def test_within_sla_counts_overdue_waiting_tickets_as_misses():
    out = metrics.within_sla(_tickets(), kind="first_response", hours=3, min_base=1).iloc[0]
    # answered within 3 h: a, b, c; missed: d (4 h), e (50 h), f (waiting 100 h > 3 h)
    assert (out["n"], out["met"]) == (6, 3)


def test_fcr_and_reopen_rate():
    fcr = metrics.first_contact_resolution(_tickets(), min_base=1).iloc[0]
    reopen = metrics.reopen_rate(_tickets(), min_base=1).iloc[0]
    # 5 resolved tickets, 2 reopened (c, e)
    assert (fcr["n"], fcr["tickets"], fcr["value"]) == (5, 3, 60.0)
    assert (reopen["n"], reopen["tickets"], reopen["value"]) == (5, 2, 40.0)


def test_bad_arguments_get_clear_errors():
    with pytest.raises(CxnbError, match="period must be one of day, week, month, quarter, year; got 'fortnight'"):
        metrics.nps(_responses([10]), period="fortnight")
    with pytest.raises(CxnbError, match="nps needs column\\(s\\) region; the table has nps, submitted_at"):
        metrics.nps(_responses([10]), by="region")
    with pytest.raises(CxnbError, match="expected a pandas/Polars DataFrame or a DuckDB relation, got list"):
        metrics.nps([1, 2, 3])


def _engines(frame):
    return {"pandas": frame, "polars": pl.from_pandas(frame), "duckdb": duckdb.from_df(frame)}


def test_every_engine_gives_the_same_table():
    rng = np.random.default_rng(7)
    frame = _responses(rng.integers(0, 11, 600).tolist(), channel=rng.choice(["web", "app"], 600).tolist())
    frame["csat"] = pd.array(rng.integers(1, 6, 600), dtype="Int64")
    results = {}
    for name, native in _engines(frame).items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # narwhals warns when pandas would take a slow path
            results[name] = (metrics.nps(native, by="channel", period="month"),
                             metrics.csat(native, scale=Scale(min=1, max=5), by="channel"))
    for name in ("polars", "duckdb"):
        for mine, reference in zip(results[name], results["pandas"]):
            pd.testing.assert_frame_equal(mine, reference, check_dtype=False)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(scores=st.lists(st.integers(0, 10), max_size=40), min_base=st.integers(1, 30),
       days=st.lists(st.integers(0, 120), max_size=40))
def test_no_unflagged_gap(scores, min_base, days):
    """A group of size 0 or under the base is flagged; a missing value is never left unflagged."""
    n = min(len(scores), len(days))
    frame = pd.DataFrame({"nps": pd.array(scores[:n], dtype="Int64"),
                          "submitted_at": pd.to_datetime([T0 + pd.Timedelta(days=d) for d in days[:n]], utc=True)})
    out = metrics.nps(frame, period="month", min_base=min_base)
    assert ((out["n"] < min_base) == (out["flag"] == "insufficient_base")).all()
    assert (out.loc[out["value"].isna(), "flag"] == "insufficient_base").all()
    assert out["value"].dropna().between(-100, 100).all()


def test_naive_utc_timestamps_give_the_same_periods_on_every_engine():
    rng = np.random.default_rng(11)
    aware = _responses(rng.integers(0, 11, 300).tolist())
    naive = aware.assign(submitted_at=aware["submitted_at"].dt.tz_localize(None))
    reference = metrics.nps(aware, period="week", min_base=1)
    for native in _engines(naive).values():
        pd.testing.assert_frame_equal(metrics.nps(native, period="week", min_base=1), reference, check_dtype=False)
