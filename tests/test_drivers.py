"""cxnb.drivers: key driver analysis; every expected number names its source."""

import numpy as np
import pandas as pd
import pytest

import cxnb
from cxnb.drivers import driver_importance, importance_performance, relative_weights, shapley
from cxnb.errors import CxnbError

from conftest import reference

SIX_DECIMALS = 5e-7
MTCARS_DRIVERS = ["cyl", "disp", "hp", "gear"]
SWISS_DRIVERS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


@pytest.fixture(scope="module")
def mtcars() -> pd.DataFrame:
    return pd.read_csv(reference("drivers", "mtcars.csv"))


@pytest.fixture(scope="module")
def swiss() -> pd.DataFrame:
    return pd.read_csv(reference("drivers", "swiss.csv"))


# ---------------------------------------------------------------------------------------------
# Reference values


def test_relative_weights_match_rwa_on_mtcars(mtcars):
    # R package rwa (martinctc/rwa) README: rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear"))
    result = relative_weights(mtcars, outcome="mpg", drivers=MTCARS_DRIVERS).set_index("driver")
    assert result["r2"].iloc[0] == pytest.approx(0.7791896, abs=SIX_DECIMALS)
    raw = {"cyl": 0.2284797, "disp": 0.2221469, "hp": 0.2321744, "gear": 0.0963886}
    rescaled = {"cyl": 29.32274, "disp": 28.50999, "hp": 29.79691, "gear": 12.37037}
    for driver in MTCARS_DRIVERS:
        assert result.loc[driver, "weight"] == pytest.approx(raw[driver], abs=SIX_DECIMALS)
        assert result.loc[driver, "rescaled"] == pytest.approx(rescaled[driver], abs=5e-6)  # published to 5 dp
    assert (result["n"] == 32).all() and (result["n_dropped"] == 0).all()


def test_shapley_matches_lmg_on_swiss(swiss):
    # exact LMG over all 32 subsets (Groemping 2006, relaimpo calc.relimp(type="lmg") on swiss)
    result = shapley(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, seed=1).set_index("driver")
    assert result["r2"].iloc[0] == pytest.approx(0.7067350, abs=SIX_DECIMALS)
    expected = {"Agriculture": 0.0570912, "Examination": 0.1711730, "Education": 0.2601347,
                "Catholic": 0.1055702, "Infant.Mortality": 0.1127659}
    for driver, weight in expected.items():
        assert result.loc[driver, "weight"] == pytest.approx(weight, abs=SIX_DECIMALS)


# ---------------------------------------------------------------------------------------------
# Properties


def test_weights_sum_to_r2(swiss, mtcars):
    # R² of the full OLS fit, by numpy least squares on the raw rows
    x = np.column_stack([np.ones(len(swiss)), swiss[SWISS_DRIVERS].to_numpy()])
    y = swiss["Fertility"].to_numpy()
    fitted = x @ np.linalg.lstsq(x, y, rcond=None)[0]
    r2 = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    for result in (shapley(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, seed=1),
                   relative_weights(swiss, outcome="Fertility", drivers=SWISS_DRIVERS)):
        assert result["weight"].sum() == pytest.approx(r2, abs=1e-12)
        assert result["rescaled"].sum() == pytest.approx(100, abs=1e-9)


def test_sampled_shapley_is_close_to_exact(swiss):
    # Each weight averages 20,000 R² gains that lie in [0, R² = 0.71]; their sd is at most
    # 0.35, so the Monte-Carlo standard error is at most 0.0025: 0.01 is four such errors.
    exact = shapley(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, seed=1)
    sampled = shapley(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, exact_limit=2, samples=20_000, seed=1)
    assert np.abs(sampled["weight"] - exact["weight"]).max() < 0.01
    assert sampled["weight"].sum() == pytest.approx(exact["r2"].iloc[0], abs=1e-12)  # gains telescope to R²
    assert not sampled["weight"].equals(exact["weight"])  # it really sampled


def test_missing_rows_are_dropped_and_counted(mtcars):
    holes = mtcars.copy()
    holes.loc[[0, 5], "hp"] = np.nan
    holes.loc[9, "mpg"] = np.nan
    result = relative_weights(holes, outcome="mpg", drivers=MTCARS_DRIVERS)
    assert (result["n"] == 29).all() and (result["n_dropped"] == 3).all()  # hand count: rows 0, 5, 9
    assert holes["hp"].isna().sum() == 2  # the caller's frame is untouched
    complete = relative_weights(mtcars.drop(index=[0, 5, 9]), outcome="mpg", drivers=MTCARS_DRIVERS)
    np.testing.assert_allclose(result["weight"], complete["weight"], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Logistic relative weights


def test_logistic_relative_weights_find_the_dominant_predictor():
    # simulated: logit P(promoter) = 2.5 x1 + 0.4 x2 + 0.2 x3, x correlated 0.3 (seeded)
    rng = np.random.default_rng(11)
    cov = np.full((3, 3), 0.3) + 0.7 * np.eye(3)
    x = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    y = rng.random(4000) < 1 / (1 + np.exp(-(x @ [2.5, 0.4, 0.2])))
    data = pd.DataFrame(x, columns=["quality", "price", "packaging"]).assign(promoter=y.astype(int))
    result = relative_weights(data, outcome="promoter", drivers=["quality", "price", "packaging"], binary=True)
    result = result.set_index("driver")
    assert result["rescaled"].idxmax() == "quality"
    assert result.loc["quality", "rescaled"] > 70
    assert result["weight"].sum() == pytest.approx(result["r2"].iloc[0])
    assert 0 < result["r2"].iloc[0] < 1


def test_logistic_bootstrap_and_separation():
    # simulated as above, smaller; then an outcome perfectly separated by x1 (seeded)
    rng = np.random.default_rng(12)
    data = pd.DataFrame(rng.normal(size=(600, 2)), columns=["quality", "price"])
    data["promoter"] = (rng.random(600) < 1 / (1 + np.exp(-2.5 * data["quality"]))).astype(int)
    result = driver_importance(data, outcome="promoter", drivers=["quality", "price"], binary=True, n_boot=30, seed=2)
    assert result.loc[0, "driver"] == "quality" and result.loc[0, "ci_low"] > result.loc[1, "ci_high"]
    data["promoter"] = (data["quality"] > 0).astype(int)
    with pytest.raises(CxnbError, match="did not converge; .* perfectly predicted"):
        relative_weights(data, outcome="promoter", drivers=["quality", "price"], binary=True)
    with pytest.raises(CxnbError, match="binary=True is only available with method='relative_weights'"):
        driver_importance(data, outcome="promoter", drivers=["quality", "price"], method="shapley", binary=True, seed=1)


def test_logistic_needs_a_binary_outcome(mtcars):
    with pytest.raises(CxnbError, match="binary=True needs a 0/1 outcome .* mpg also holds 10.4"):
        relative_weights(mtcars, outcome="mpg", drivers=MTCARS_DRIVERS, binary=True)


# ---------------------------------------------------------------------------------------------
# Recovery of the planted driver and bootstrap


@pytest.mark.parametrize("sample", ["b2c", "b2b"])
@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_planted_top_driver_ranks_first_with_a_clear_interval(sample, method):
    responses = cxnb.load_sample(sample).responses
    drivers = [c for c in responses.columns if c.startswith("rating_")]
    top = cxnb.sample_truth(sample)["top_nps_driver"]
    result = driver_importance(responses, outcome="nps", drivers=drivers, method=method, n_boot=200, seed=20241001)
    assert result.loc[0, "driver"] == top and result.loc[0, "rank"] == 1
    assert result.loc[0, "ci_low"] > result.loc[result["rank"] == 3, "ci_high"].iloc[0]
    assert list(result["rank"]) == list(range(1, len(drivers) + 1))


def test_bootstrap_is_reproducible(swiss):
    def run(seed):
        return driver_importance(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, method="shapley", seed=seed)

    first, again, other = run(5), run(5), run(6)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert (first["ci_low"] <= first["rescaled"]).all() and (first["rescaled"] <= first["ci_high"]).all()


def test_sampled_shapley_bootstrap_follows_the_exact_one(swiss):
    # Both draw the same 30 resamples first (one seeded generator); the sampled one then spends
    # 5,000 permutations on each. Its Monte-Carlo error per resample is at most 0.35 / √5000 in
    # R² (see the test above), 0.7 points of a rescaled weight (R² = 0.71): 3 points is four of them.
    def run(**options):
        return driver_importance(swiss, outcome="Fertility", drivers=SWISS_DRIVERS, method="shapley", n_boot=30,
                                 seed=4, **options).set_index("driver")

    exact, sampled = run(), run(exact_limit=2, samples=5_000)
    assert list(sampled.index) == list(exact.index)
    for column in ("rescaled", "ci_low", "ci_high"):
        assert (sampled[column] - exact[column]).abs().max() < 3, column
    assert not np.allclose(sampled["ci_low"], exact["ci_low"])  # it really sampled
    pd.testing.assert_frame_equal(run(exact_limit=2, samples=5_000), sampled)  # seeded


def test_bootstrap_intervals_match_refitting_per_resample(mtcars):
    # the weighted-correlation shortcut equals relative weights refitted on each resample's rows
    from cxnb.drivers import _johnson, _resampled_correlations

    values = mtcars[[*MTCARS_DRIVERS, "mpg"]].to_numpy(dtype=float)
    fast = _johnson(_resampled_correlations(values, 20, np.random.default_rng(3)))
    rng = np.random.default_rng(3)
    draws = rng.integers(0, len(values), size=(20, len(values)))
    slow = np.stack([_johnson(np.corrcoef(values[rows], rowvar=False)) for rows in draws])
    np.testing.assert_allclose(fast, slow, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# Bad input


def test_missing_column_is_named(mtcars):
    with pytest.raises(CxnbError, match="relative_weights needs column\\(s\\) speed; the table has"):
        relative_weights(mtcars, outcome="mpg", drivers=["cyl", "speed"])


def test_constant_driver_is_refused(mtcars):
    data = mtcars.assign(flat=3)
    with pytest.raises(CxnbError, match="driver flat is constant \\(3 in all 32 complete rows\\)"):
        shapley(data, outcome="mpg", drivers=["cyl", "flat"], seed=1)


def test_too_few_complete_rows_are_refused(mtcars):
    few = mtcars.head(8).copy()
    few.loc[few.index[:3], "hp"] = np.nan
    with pytest.raises(CxnbError, match="needs at least 6 complete rows \\(drivers \\+ 2\\) for 4 driver\\(s\\); "
                                        "got 5 \\(3 of 8 rows dropped"):
        driver_importance(few, outcome="mpg", drivers=MTCARS_DRIVERS, seed=1)


def test_collinear_drivers_and_bad_options_are_refused(mtcars):
    with pytest.raises(CxnbError, match="perfectly collinear"):
        relative_weights(mtcars.assign(disp2=2 * mtcars["disp"]), outcome="mpg", drivers=["disp", "disp2", "hp"])
    with pytest.raises(CxnbError, match="method must be one of relative_weights, shapley; got 'lmg'"):
        driver_importance(mtcars, outcome="mpg", drivers=MTCARS_DRIVERS, method="lmg", seed=1)
    with pytest.raises(CxnbError, match="confidence must be a level between 0 and 1"):
        driver_importance(mtcars, outcome="mpg", drivers=MTCARS_DRIVERS, confidence=95, seed=1)


# ---------------------------------------------------------------------------------------------
# Importance-performance grid


def test_importance_performance_quadrants():
    # hand-made: mean importance 25, mean performance 7.0
    importance = pd.DataFrame({"driver": ["price", "speed", "app", "range"], "rescaled": [40.0, 30.0, 20.0, 10.0]})
    performance = pd.DataFrame({"driver": ["range", "app", "speed", "price"], "performance": [9.0, 5.0, 8.0, 6.0]})
    result = importance_performance(importance, performance)
    assert list(result.columns) == ["driver", "importance", "performance", "quadrant"]
    assert dict(zip(result["driver"], result["quadrant"])) == {
        "price": "concentrate here",  # 40 >= 25, 6 < 7
        "speed": "keep up the good work",  # 30 >= 25, 8 >= 7
        "app": "low priority",  # 20 < 25, 5 < 7
        "range": "possible overkill",  # 10 < 25, 9 >= 7
    }


def test_importance_performance_needs_every_driver():
    importance = pd.DataFrame({"driver": ["price", "speed"], "rescaled": [60.0, 40.0]})
    with pytest.raises(CxnbError, match="no performance value for driver\\(s\\) speed"):
        importance_performance(importance, pd.Series({"price": 7.0}))


# ---------------------------------------------------------------------------------------------
# Churn drivers and the CX-to-revenue link


def _utc(*stamps):
    return pd.to_datetime(list(stamps), utc=True)


def test_churn_features_by_hand_measure_everything_before_the_cutoff():
    from cxnb.drivers import churn_features

    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
                       "timestamp": _utc("2025-01-01", "2025-02-01", "2025-12-31", "2025-01-10", "2025-03-01",
                                         "2025-11-01")})
    tickets = pd.DataFrame({"customer_id": ["b", "b", "a", "b"], "reopened": pd.array([True, False, False, True]),
                            "created_at": _utc("2025-02-01", "2025-03-01", "2025-05-01", "2025-12-01")})
    responses = pd.DataFrame({"customer_id": ["a", "a", "b"], "nps": [3, 9, 7],
                              "submitted_at": _utc("2025-03-01", "2025-06-01", "2025-12-15")})
    out = churn_features(tx, tickets=tickets, responses=responses, after_days=90).set_index("customer_id")
    # as_of 2025-12-31, cut-off 2025-10-02: c (first order 2025-11-01) cannot have churned yet
    assert out.index.tolist() == ["a", "b"]
    assert out["churned"].tolist() == [0, 1]  # b's last order 2025-03-01 is before the cut-off
    assert out["early_orders"].tolist() == [2, 2]  # within 90 days of the first order
    # b's third ticket (2025-12-01) and b's answer (2025-12-15) come after the cut-off: not counted
    assert out["tickets"].tolist() == [1, 2] and out["reopened_tickets"].tolist() == [0, 1]
    assert out[["detractor", "promoter", "no_survey"]].values.tolist() == [[0, 1, 0], [0, 0, 1]]  # a's latest: 9
    assert out.loc["a", "tenure_years"] == pytest.approx(274 / 365.25)  # 2025-01-01 → 2025-10-02


def test_churn_drivers_recover_planted_odds_ratios():
    from cxnb.drivers import churn_drivers

    rng = np.random.default_rng(11)
    n = 20_000
    frame = pd.DataFrame({"tickets": rng.poisson(1.2, n), "detractor": rng.integers(0, 2, n),
                          "tenure_years": rng.uniform(0, 3, n)})
    logit = (-0.5 + np.log(1.5) * frame["tickets"] + np.log(2.0) * frame["detractor"]
             + np.log(0.6) * frame["tenure_years"])
    frame["churned"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = churn_drivers(frame, drivers=["tickets", "detractor", "tenure_years"]).set_index("driver")
    planted = {"tickets": 1.5, "detractor": 2.0, "tenure_years": 0.6}
    for driver, odds in planted.items():  # each planted odds ratio inside its 95% Wald interval
        assert table.loc[driver, "ci_low"] < odds < table.loc[driver, "ci_high"], table
    assert table.index.tolist() == ["detractor", "tickets", "tenure_years"]  # largest odds ratio first
    assert table["events"].iloc[0] == frame["churned"].sum() and table["n"].iloc[0] == n


def test_churn_drivers_match_a_reference_logistic_fit():
    """Coefficients and Wald standard errors against scipy's generic optimiser on the same data:
    the maximum-likelihood estimate is unique, so both must agree."""
    from scipy import optimize

    from cxnb.drivers import churn_drivers

    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 2))
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.3 + x @ [0.8, -0.5])))).astype(int)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "churned": y})
    design = np.column_stack([np.ones(400), x])
    loss = lambda beta: np.sum(np.logaddexp(0, design @ beta) - y * (design @ beta))  # noqa: E731
    fit = optimize.minimize(loss, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    table = churn_drivers(frame, drivers=["a", "b"]).set_index("driver")
    np.testing.assert_allclose(table.loc[["a", "b"], "coefficient"], fit.x[1:], atol=1e-5)
    prob = 1 / (1 + np.exp(-design @ fit.x))
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ (design * (prob * (1 - prob))[:, None]))))[1:]
    np.testing.assert_allclose(table.loc[["a", "b"], "se"], se, rtol=1e-4)


def test_b2b_has_no_churn_and_no_model_is_fitted():
    from cxnb.config import load_config
    from cxnb.drivers import churn_drivers, churn_features

    bundle = cxnb.load_sample("b2b")
    config = load_config(cxnb.sample_config("b2b"))
    features = churn_features(bundle.transactions, tickets=bundle.tickets, responses=bundle.responses,
                              after_days=config.churn_after_days)
    # annual invoices, 400-day rule: every account that could have churned renewed (step 4's churn KPI: 0 of 322)
    assert len(features) == 322 and features["churned"].sum() == 0
    with pytest.raises(CxnbError, match=r"0 of 322 customers churned \(0.0 %\); a churn model needs at least 10 "
                                        r"churned and 10 retained customers — none fitted"):
        churn_drivers(features)


def test_loyalty_value_by_hand():
    from cxnb.drivers import loyalty_value

    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "d"], "amount": [100.0, 50.0, 20.0, 30.0, 30.0, 5.0],
                       "timestamp": _utc("2024-01-01", "2025-12-01", "2024-01-01", "2024-01-01", "2025-12-30",
                                         "2025-06-01")})
    rs = pd.DataFrame({"customer_id": ["a", "b", "c", "c", "d"], "nps": [10, 3, 4, 9, 10],
                       "submitted_at": _utc("2024-06-01", "2024-06-01", "2024-06-01", "2025-01-01", "2025-07-01")})
    out = loyalty_value(rs, tx, after_days=90, seed=3).set_index("group")
    # as_of 2025-12-30; d's first order is less than a year before it: left out. c's latest answer is 9.
    # years since first order: 729 / 365.25 = 1.99589; a 150 → 75.15, c 60 → 30.06, b 20 → 10.02
    assert out.index.tolist() == ["promoter", "detractor"] and out["customers"].tolist() == [2, 1]
    assert out.loc["promoter", "spend_per_year"] == pytest.approx((150 + 60) / 2 / (729 / 365.25))
    # retained: a (2025-12-01) and c (2025-12-30) bought in the last 90 days, b did not
    assert out["retained"].tolist() == [100.0, 0.0]
    assert out.loc["promoter", "retained_ci_low"] == pytest.approx(34.24, abs=0.01)  # Wilson 2 / 2
