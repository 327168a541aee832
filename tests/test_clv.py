"""cxnb.clv: RFM summaries, BG/NBD and Gamma-Gamma fits, CLV by group; every expected number
names its source."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import cxnb
from cxnb import clv
from cxnb.errors import CxnbError, FitError

from conftest import reference

# Fader, Hardie & Lee (2005), "Counting your customers the easy way"; BTYD walkthrough; lifetimes' tests
PAPER = clv.BetaGeo(0.243, 4.414, 0.793, 2.426)


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return pd.read_csv(reference("cdnow", "cdnow_customers_summary.csv"))


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    return pd.read_csv(reference("cdnow", "cdnow_customers_summary_with_transactions.csv"))


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    raw = pd.read_csv(reference("cdnow", "CDNOW_sample.txt"), sep=r"\s+", header=None, names=["id_total", "id_sample", "date", "cds", "dollars"],
                      dtype={"date": str})
    return pd.DataFrame({"customer_id": raw["id_sample"].astype(str),
                         "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d", utc=True),
                         "amount": raw["dollars"]})


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_summary) -> clv.BetaGeo:
    return clv.fit_bgnbd(cdnow_summary)


@pytest.fixture(scope="module")
def b2c_fit():
    bundle = cxnb.load_sample("b2c")
    return bundle, clv.fit_clv(bundle.transactions)


# ---------------------------------------------------------------------------------------------
# CDNOW reference values


def test_bgnbd_parameters_and_log_likelihood_match_the_published_cdnow_fit(cdnow_bgnbd):
    # Fader, Hardie & Lee (2005) / BTYD walkthrough: r, alpha, a, b = 0.2426, 4.4135, 0.7929, 2.4258; LL -9582.43
    fitted = (cdnow_bgnbd.r, cdnow_bgnbd.alpha, cdnow_bgnbd.a, cdnow_bgnbd.b)
    assert fitted == pytest.approx((0.2426, 4.4135, 0.7929, 2.4258), abs=0.001)
    assert cdnow_bgnbd.log_likelihood == pytest.approx(-9582.43, abs=0.01)
    assert cdnow_bgnbd.n_customers == 2357


def test_bgnbd_expected_purchases_match_hardies_spreadsheet(cdnow_bgnbd):
    # Hardie's spreadsheet values for E[X(t)], as asserted in lifetimes' tests (four decimals)
    times = [0.1429, 1, 3, 31.8571, 32, 78]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert cdnow_bgnbd.expected_purchases(times) == pytest.approx(expected, abs=5e-4)


def test_bgnbd_conditional_expectation_and_zero_purchase_probability_at_the_papers_parameters():
    # Hardie's spreadsheet / lifetimes' tests: x=2, t_x=30.43, T=38.86, next 39 weeks → 1.226
    assert float(PAPER.conditional_expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=5e-4)
    # P(X(39) = 0) = 0.5737864 (same source)
    assert float(PAPER.probability_of_purchases(39, 0)) == pytest.approx(0.5737864, abs=1e-7)
    # FHL 2005 equation 8 is a distribution: its probabilities over n sum to 1
    assert sum(float(PAPER.probability_of_purchases(39, n)) for n in range(300)) == pytest.approx(1, abs=1e-9)


def test_gamma_gamma_matches_the_published_cdnow_fit_and_expected_spends(cdnow_spend):
    # Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves": p, q, gamma = 6.25, 3.74, 15.44
    model = clv.fit_gamma_gamma(cdnow_spend, frequency="x", monetary_value="zbar")
    assert (model.p, model.q, model.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)
    assert model.n_customers == 946  # the repeat buyers
    # Hardie note 025, as asserted in lifetimes' tests: E[spend] of customers 1..10
    first = cdnow_spend.head(10)
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert model.expected_spend(first["x"], first["zbar"]) == pytest.approx(expected, abs=0.1)


def test_standard_errors_equal_second_differences_of_the_log_likelihood(cdnow_summary, cdnow_bgnbd):
    # independent route: the Hessian from log-likelihood *values* only (no analytic gradient)
    x, t_x, t_end = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    theta = np.array([cdnow_bgnbd.r, cdnow_bgnbd.alpha, cdnow_bgnbd.a, cdnow_bgnbd.b])

    def ll(params):
        return clv._bgnbd_terms(params, x, t_x, t_end)[0].sum()

    hessian = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            hi, hj = 1e-4 * theta[i], 1e-4 * theta[j]
            corners = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
            values = []
            for si, sj in corners:
                point = theta.copy()
                point[i] += si * hi
                point[j] += sj * hj
                values.append(ll(point))
            hessian[i, j] = (values[0] - values[1] - values[2] + values[3]) / (4 * hi * hj)
    se = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    assert np.array(cdnow_bgnbd.se) == pytest.approx(se, rel=1e-3)
    table = cdnow_bgnbd.parameters()
    assert table["parameter"].tolist() == ["r", "alpha", "a", "b"]
    assert ((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"])).all()


def test_analytic_gradients_agree_with_finite_differences(cdnow_summary, cdnow_spend):
    x, t_x, t_end = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    point = np.array([0.3, 5.0, 0.9, 2.0])
    error = optimize.check_grad(lambda p: clv._bgnbd_terms(p, x, t_x, t_end)[0].sum(),
                                lambda p: clv._bgnbd_terms(p, x, t_x, t_end)[1].sum(axis=0), point)
    assert error < 1e-3 * np.abs(clv._bgnbd_terms(point, x, t_x, t_end)[1].sum(axis=0)).max()
    buyers = cdnow_spend[cdnow_spend["x"] > 0]
    xs, ms = buyers["x"].to_numpy(float), buyers["zbar"].to_numpy(float)
    point = np.array([5.0, 3.0, 12.0])
    error = optimize.check_grad(lambda p: clv._gamma_gamma_terms(p, xs, ms)[0].sum(),
                                lambda p: clv._gamma_gamma_terms(p, xs, ms)[1].sum(axis=0), point)
    assert error < 1e-3 * np.abs(clv._gamma_gamma_terms(point, xs, ms)[1].sum(axis=0)).max()


def test_rfm_summary_reproduces_the_published_cdnow_summary(cdnow_transactions, cdnow_spend):
    # the CDNOW summary (lifetimes' datasets): 39-week calibration ending 1997-09-30, recency and T in weeks,
    # rounded to 2 decimals in the file
    summary = clv.rfm_summary(cdnow_transactions, calibration_end="1997-09-30", observation_end="1998-06-30")
    merged = summary.assign(ID=summary["customer_id"].astype(int)).merge(cdnow_spend, on="ID")
    assert len(summary) == len(merged) == 2357
    assert (merged["frequency"] == merged["x"]).all()
    assert merged["recency"].to_numpy() == pytest.approx(merged["t_x"].to_numpy(), abs=0.005)
    assert merged["T_x"].to_numpy() == pytest.approx(merged["T_y"].to_numpy(), abs=0.005)
    assert merged["monetary_value"].to_numpy() == pytest.approx(merged["zbar"].to_numpy(), abs=0.005 + 1e-9)
    # holdout: 1997-10-01 .. 1998-06-30 is 273 days = 39 weeks
    assert summary["duration_holdout"].unique().tolist() == [39.0]
    check = clv.holdout_check(summary, clv.fit_bgnbd(summary))
    assert check["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert check["customers"].sum() == 2357
    assert (check["customers"] * check["actual"]).sum() == summary["frequency_holdout"].sum()


def test_the_time_unit_changes_alpha_but_not_the_forecast(cdnow_transactions):
    calibration = cdnow_transactions[cdnow_transactions["timestamp"] < "1997-10-01"]
    weeks = clv.fit_clv(calibration, time_unit="week")
    days = clv.fit_clv(calibration, time_unit="day")
    # the BG/NBD rate scale alpha is in time units (7 days a week); r, a, b and the CLV do not depend on it
    assert days.purchases.alpha == pytest.approx(7 * weeks.purchases.alpha, rel=1e-4)
    assert (days.purchases.r, days.purchases.a, days.purchases.b) == pytest.approx(
        (weeks.purchases.r, weeks.purchases.a, weeks.purchases.b), rel=1e-4)
    assert days.customers["clv"].to_numpy() == pytest.approx(weeks.customers["clv"].to_numpy(), rel=1e-4)


# ---------------------------------------------------------------------------------------------
# Hand computations


def _transactions(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).assign(
        timestamp=lambda f: pd.to_datetime(f["timestamp"], format="ISO8601", utc=True))


def test_rfm_counts_purchase_days_and_leaves_the_callers_frame_alone():
    tx = _transactions([("a", "2025-01-01 09:00", 10.0), ("a", "2025-01-01 17:00", 5.0),  # one day, £15
                        ("a", "2025-01-08", 20.0), ("a", "2025-01-22", 40.0), ("b", "2025-01-15", 7.0),
                        ("a", "2025-02-05", 99.0)])
    before = tx.copy()
    summary = clv.rfm_summary(tx, calibration_end="2025-01-29", observation_end="2025-02-12", time_unit="day")
    pd.testing.assert_frame_equal(tx, before)
    a, b = summary.set_index("customer_id").loc["a"], summary.set_index("customer_id").loc["b"]
    # hand count: a buys on 1, 8 and 22 January → 2 repeat days, last 21 days after the first, observed 28 days
    assert (a["frequency"], a["recency"], a["T"]) == (2, 21.0, 28.0)
    assert a["monetary_value"] == 30.0 and a["historical_value"] == 75.0  # (20 + 40) / 2; 15 + 20 + 40
    assert (a["frequency_holdout"], a["monetary_value_holdout"], a["duration_holdout"]) == (1, 99.0, 14.0)
    assert (b["frequency"], b["T"], b["monetary_value"]) == (0, 14.0, 0.0)
    weeks = clv.rfm_summary(tx, observation_end="2025-01-29")
    assert weeks.set_index("customer_id").loc["a", "T"] == 4.0  # 28 days = 4 weeks


def test_predicted_clv_is_the_discounted_sum_of_monthly_purchases():
    one = pd.DataFrame({"customer_id": ["1"], "frequency": [2], "recency": [30.43], "T": [38.86],
                        "monetary_value": [22.35]})
    spend = clv.GammaGamma(6.25, 3.74, 15.44)
    flat = clv.predict_clv(one, PAPER, spend, horizon_months=12, discount_rate=0.0).iloc[0]
    weeks = 12 * 365.25 / 12 / 7  # twelve months in weeks
    horizon = float(PAPER.conditional_expected_purchases(weeks, 2, 30.43, 38.86))
    assert flat["expected_purchases"] == pytest.approx(horizon)
    assert flat["clv"] == pytest.approx(flat["expected_spend"] * horizon)  # no discounting: spend × purchases
    assert flat["expected_spend"] == pytest.approx(6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1))  # hand formula
    # no-dropout model: E[Y(t)] = (r + x) t / (alpha + T), the same purchases every month, so
    # CLV = spend × monthly × Σ 1.1^(-i/12) for i = 1..12 (hand formula)
    nbd = clv.BetaGeo(0.5, 10.0, 0.0, math.nan)
    out = clv.predict_clv(one, nbd, spend, horizon_months=12, discount_rate=0.10).iloc[0]
    monthly = 2.5 * (365.25 / 12 / 7) / 48.86
    assert out["clv"] == pytest.approx(out["expected_spend"] * monthly * sum(1.1 ** (-i / 12) for i in range(1, 13)))
    assert out["p_alive"] == 1.0


def test_no_dropout_data_recover_the_purchase_rate_and_keep_everyone_active():
    # simulated NBD: rates gamma(r=2, alpha=20 weeks) for 3,000 customers, all active for 100 weeks;
    # the dropout parameters go to (or near) their no-dropout limit
    rng = np.random.default_rng(7)
    rates = rng.gamma(2.0, 1 / 20.0, 3000)
    counts = rng.poisson(rates * 100)
    summary = pd.DataFrame({"frequency": counts, "recency": [np.sort(rng.uniform(0, 100, c))[-1] if c else 0.0
                                                             for c in counts], "T": 100.0})
    model = clv.fit_bgnbd(summary)
    for estimate, truth, se in ((model.r, 2.0, model.se[0]), (model.alpha, 20.0, model.se[1])):
        assert abs(estimate - truth) < 3 * se  # the planted parameters, within three standard errors
    assert model.probability_alive(counts, summary["recency"], 100.0).mean() > 0.99


def test_bgnbd_recovers_planted_parameters_from_simulated_customers():
    # simulate the BG/NBD story itself (FHL 2005, section 3) with r, alpha, a, b = 0.5, 8, 1.2, 3
    rng = np.random.default_rng(11)
    n, horizon = 6000, 78.0
    lam, p = rng.gamma(0.5, 1 / 8.0, n), rng.beta(1.2, 3.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    model = clv.fit_bgnbd(pd.DataFrame({"frequency": x, "recency": t_x, "T": horizon}))
    for estimate, truth, se in zip((model.r, model.alpha, model.a, model.b), (0.5, 8.0, 1.2, 3.0), model.se):
        assert abs(estimate - truth) < 3 * se


# ---------------------------------------------------------------------------------------------
# Thin and bad data


def test_thin_data_get_a_clear_cannot_fit_message():
    tx = _transactions([(f"c{i:02d}", f"2025-01-{i + 1:02d}", 10.0 + i) for i in range(20)])  # one purchase each
    with pytest.raises(FitError) as caught:
        clv.fit_clv(tx)
    assert str(caught.value) == ("cannot fit the BG/NBD purchase model: 20 customers, none with a repeat purchase; "
                                 "need at least 30 customers of whom at least 10 bought on more than one day")


def test_too_few_repeat_buyers_for_the_spend_model():
    summary = pd.DataFrame({"frequency": [0] * 40 + [2] * 5, "monetary_value": [0.0] * 40 + [25.0] * 5})
    with pytest.raises(FitError, match="cannot fit the Gamma-Gamma spend model: 5 customers with a repeat purchase "
                                       "and positive spend; need at least 10"):
        clv.fit_gamma_gamma(summary)


def test_identical_spends_run_to_the_edge_of_the_parameter_space():
    # every repeat buyer spends exactly 25 on average: no spread between or within customers, so p and q
    # grow without limit (a point mass); the fit stops on the log-parameter bound and says so
    summary = pd.DataFrame({"frequency": [1, 2, 3, 4] * 5, "monetary_value": [25.0] * 20})
    with pytest.raises(FitError, match=r"^the Gamma-Gamma spend model fit ran to the edge of the parameter space "
                                       r"\(p, q\): the data cannot identify the model"):
        clv.fit_gamma_gamma(summary)


def test_spend_with_q_below_one_cannot_be_forecast():
    # simulated from the Gamma-Gamma model itself with q = 0.6: each customer's spend scale nu ~ gamma(q = 0.6,
    # rate gamma = 10), each purchase ~ gamma(p = 6, rate nu); the mean spend p gamma / (q - 1) does not exist
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 200)
    nu = rng.gamma(0.6, 1 / 10.0, 200)
    m = [rng.gamma(6.0, 1 / v, k).mean() for v, k in zip(nu, x)]
    with pytest.raises(FitError) as caught:
        clv.fit_gamma_gamma(pd.DataFrame({"frequency": x, "monetary_value": m}))
    found = re.match(r"the Gamma-Gamma spend model gives q = (\d\.\d{3}) ≤ 1: spend per purchase varies so much",
                     str(caught.value))
    assert found and float(found.group(1)) == pytest.approx(0.6, abs=0.15)  # the planted q, recovered


def test_a_saddle_point_is_refused_not_given_standard_errors():
    # -log-likelihood (a - 1)^2 - (b - 1)^2 has gradient (2 (a - 1), -2 (b - 1)) and Hessian diag(2, -2) at
    # (1, 1): a stationary point but not a maximum of the likelihood, so no standard errors exist
    def saddle(params):
        a, b = params
        return (a - 1) ** 2 - (b - 1) ** 2, np.array([2 * (a - 1), -2 * (b - 1)])

    with pytest.raises(FitError, match=r"the test model fit stopped where the log-likelihood is not a maximum "
                                       r"\(the Hessian is not negative definite\)"):
        clv._standard_errors(saddle, np.array([1.0, 1.0]), "test model")
    # the same point of a bowl is a maximum: standard errors 1 / sqrt(2) from the inverse Hessian diag(2, 2)
    def bowl(params):
        return float(np.sum((params - 1) ** 2)), 2 * (params - 1)

    assert clv._standard_errors(bowl, np.array([1.0, 1.0]), "test model") == pytest.approx([2 ** -0.5] * 2)


def test_bad_input_names_the_column_and_rows():
    with pytest.raises(CxnbError, match="the RFM summary of transactions needs column\\(s\\) amount"):
        clv.rfm_summary(pd.DataFrame({"customer_id": ["a"], "timestamp": [pd.Timestamp("2025-01-01", tz="UTC")]}))
    with pytest.raises(CxnbError, match="time_unit must be one of day, week, month; got 'year'"):
        clv.rfm_summary(_transactions([("a", "2025-01-01", 1.0)]), time_unit="year")
    summary = pd.DataFrame({"frequency": [1, -1, 2], "recency": [3.0, 1.0, None], "T": [2.0, 5.0, 6.0]})
    with pytest.raises(CxnbError, match="column frequency \\(frequency\\) has 1 missing or negative value\\(s\\) in "
                                        "rows 1; column recency \\(recency\\) has 1 .* in rows 2"):
        clv.fit_bgnbd(summary)
    with pytest.raises(CxnbError, match="column recency exceeds T in 1 row\\(s\\) \\(0\\)"):
        clv.fit_bgnbd(summary.assign(frequency=[1, 1, 2], recency=[3.0, 1.0, 2.0]))
    with pytest.raises(CxnbError, match="calibration_end 2025-03-01 is after observation_end 2025-02-01"):
        clv.rfm_summary(_transactions([("a", "2025-01-01", 1.0)]), calibration_end="2025-03-01",
                        observation_end="2025-02-01")


# ---------------------------------------------------------------------------------------------
# Groups


def test_nps_groups_use_each_customers_latest_answer():
    answers = pd.DataFrame({"customer_id": ["a", "a", "b", "c", None],
                            "nps": pd.array([10, 3, 8, None, 9], dtype="Int64"),
                            "submitted_at": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-02-01", "2025-02-01",
                                                            "2025-02-01"])})
    groups = clv.nps_groups(answers)
    # hand reading: a's latest is 3 (detractor), b 8 (passive); c never answered, the last row has no customer
    assert dict(zip(groups["customer_id"], groups["nps_group"].astype(str))) == {"a": "detractor", "b": "passive"}


def test_group_means_and_difference_with_seeded_intervals():
    values = pd.DataFrame({"customer_id": [str(i) for i in range(8)], "clv": [10.0, 12, 14, 16, 1, 2, 3, 6]})
    groups = pd.DataFrame({"customer_id": [str(i) for i in range(8)], "tier": ["gold"] * 4 + ["basic"] * 4})
    table = clv.clv_by_group(values, groups, by="tier", min_base=5, seed=3)
    # hand means: gold (10+12+14+16)/4 = 13, basic (1+2+3+6)/4 = 3; both under min_base 5
    assert table[["tier", "n", "value", "total"]].values.tolist() == [["basic", 4, 3.0, 12.0], ["gold", 4, 13.0, 52.0]]
    assert (table["flag"] == "insufficient_base").all()
    assert (table["ci_low"] <= table["value"]).all() and (table["value"] <= table["ci_high"]).all()
    again = clv.clv_by_group(values, groups, by="tier", min_base=5, seed=3)
    pd.testing.assert_frame_equal(table, again)  # same seed, same intervals
    d = clv.clv_difference(values, groups, by="tier", first="gold", second="basic", seed=3)
    assert (d.n, d.estimate) == (8, 10.0) and 0 < d.ci_low < 10 < d.ci_high
    with pytest.raises(CxnbError, match="no customer with a CLV in tier group\\(s\\) 'silver'"):
        clv.clv_difference(values, groups, by="tier", first="silver", second="basic", seed=3)


# ---------------------------------------------------------------------------------------------
# Recovery on the B2C sample


def test_the_highest_spending_persona_has_the_highest_predicted_clv(b2c_fit):
    bundle, fit = b2c_fit
    truth = cxnb.sample_truth("b2c")["personas"]["segments"]
    richest = max(truth, key=lambda s: s["mean_annual_spend"])["persona"]
    personas = pd.read_csv(cxnb.sample_config("b2c").parent / "truth_personas.csv", dtype=str)
    table = clv.clv_by_group(fit.customers, personas, by="persona", seed=bundle.config.seed, n_boot=500)
    ranked = table.sort_values("value", ascending=False)
    assert ranked["persona"].iloc[0] == richest == "devoted_connoisseur"
    # and its interval clears the runner-up's
    assert ranked["ci_low"].iloc[0] > ranked["ci_high"].iloc[1]


def test_promoters_are_worth_more_than_detractors(b2c_fit):
    bundle, fit = b2c_fit
    # the premise planted in the sample: the persona with the highest NPS is also the highest spender
    truth = cxnb.sample_truth("b2c")["personas"]["segments"]
    assert max(truth, key=lambda s: s["nps"])["persona"] == max(truth, key=lambda s: s["mean_annual_spend"])["persona"]
    groups = clv.nps_groups(bundle.responses)
    d = clv.clv_difference(fit.customers, groups, by="nps_group", first="promoter", second="detractor",
                           seed=bundle.config.seed)
    assert d.estimate > 0 and d.ci_low > 0
    sentences = clv.findings(fit, clv.clv_by_group(fit.customers, groups, by="nps_group", seed=1, n_boot=200), d)
    assert any(s.startswith("Promoters' mean CLV minus detractors'") and s.endswith("the interval excludes 0.")
               for s in sentences)


def test_the_b2c_sample_has_no_dropout_to_estimate_and_says_so(b2c_fit):
    # the generator keeps every customer active from their start to the end of the data (cxnb/samples/generate.py)
    _, fit = b2c_fit
    assert fit.purchases.a == 0 and (fit.customers["p_alive"] == 1).all()
    assert fit.purchases.note in " ".join(clv.findings(fit))


def test_analyse_says_why_instead_of_failing(make_config, tmp_path):
    one_each = "\n".join(["transaction_id,customer_id,timestamp,amount"]
                         + [f"T{i},C{i:02d},2025-01-{i + 1:02d} 10:00:00,12.50" for i in range(20)])
    (tmp_path / "thin.csv").write_text(one_each + "\n", encoding="utf-8")
    thin = cxnb.load_bundle(make_config({"transactions": str(tmp_path / "thin.csv")}))
    result = clv.analyse(thin)
    assert not result.ok and result.customers.empty and result.parameters().empty
    assert result.findings == ["CLV is not estimated for this client: cannot fit the BG/NBD purchase model: "
                               "20 customers, none with a repeat purchase; need at least 30 customers of whom at "
                               "least 10 bought on more than one day."]
    (tmp_path / "people.csv").write_text("customer_id\nC01\n", encoding="utf-8")
    no_sales = cxnb.load_bundle(make_config({"customers": str(tmp_path / "people.csv")}))
    assert clv.analyse(no_sales).problem.startswith("the client has no transactions")



def test_step_4_on_thin_data_says_it_cannot_fit_instead_of_failing(make_config, tmp_path):
    import nbformat

    from cxnb.runner import run

    # 20 customers with one purchase each, and survey answers so that step 4 has KPIs to show
    (tmp_path / "thin.csv").write_text("\n".join(
        ["transaction_id,customer_id,timestamp,amount"]
        + [f"T{i},C{i:02d},2025-01-{i + 1:02d} 10:00:00,12.50" for i in range(20)]) + "\n", encoding="utf-8")
    (tmp_path / "answers.csv").write_text("\n".join(
        ["response_id,customer_id,submitted_at,nps"]
        + [f"R{i},C{i:02d},2025-02-{i + 1:02d} 10:00:00,{i % 11}" for i in range(20)]) + "\n", encoding="utf-8")
    config = make_config({"transactions": str(tmp_path / "thin.csv"), "responses": str(tmp_path / "answers.csv")})
    result = run([config], steps=[4], out=tmp_path / "reports", jobs=1, progress=lambda _: None)
    assert result.ok
    executed = nbformat.read(tmp_path / "reports" / "test-client" / "notebooks" / "04_define_kpis.ipynb", 4)
    outputs = [o for cell in executed.cells for o in cell.get("outputs", [])]
    shown = "\n".join(str(o.get("data", {}).get("text/markdown", "")) + str(o.get("data", {}).get("text/html", ""))
                      for o in outputs)
    assert "cannot fit the BG/NBD purchase model: 20 customers, none with a repeat purchase" in shown
    assert not [o for o in outputs if o.get("output_type") == "error"]
    kpi_table = pd.read_parquet(tmp_path / "reports" / "test-client" / "artifacts" / "04_define_kpis" / "kpi_table.parquet")
    assert "clv" not in set(kpi_table["kpi"])  # left out, never shown as NaN
