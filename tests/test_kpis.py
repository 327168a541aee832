"""KPI catalogue and the KPI table: targets, gaps and statuses a client reads."""

import pandas as pd
import pytest

from cxnb.bundle import Bundle
from cxnb.catalogue import load_catalogue
from cxnb.config import ClientConfig
from cxnb.errors import ConfigError, CxnbError
from cxnb.kpis import kpi_frame, kpi_table, kpi_trend
from cxnb.schema import PROBLEM_COLUMNS

T0 = pd.Timestamp("2025-01-01", tz="UTC")


def _bundle(responses: pd.DataFrame, **config) -> Bundle:
    settings = {"name": "Acme", "min_base": 30, "sources": {"responses": {"path": "responses.csv"}}} | config
    return Bundle(ClientConfig.model_validate(settings), {"responses": responses}, {},
                  pd.DataFrame(columns=PROBLEM_COLUMNS))


def _responses(nps=(), csat=(), ces=()):
    n = max(len(nps), len(csat), len(ces))
    pad = lambda values: pd.array(list(values) + [None] * (n - len(values)), dtype="Int64")  # noqa: E731
    return pd.DataFrame({"submitted_at": [T0 + pd.Timedelta(days=i % 60) for i in range(n)],
                         "nps": pad(nps), "csat": pad(csat), "ces": pad(ces)})


def test_catalogue_defines_every_kpi_the_issue_lists():
    catalogue = load_catalogue()
    assert {"nps", "csat", "ces", "ces_low_effort", "churn", "retention", "first_response_time", "resolution_time",
            "first_response_within_sla", "resolution_within_sla", "fcr", "reopen_rate"} <= set(catalogue)
    for kpi in catalogue.values():
        assert kpi.definition and kpi.formula and kpi.unit and kpi.direction in ("higher", "lower")


def test_status_met_not_met_and_not_significant():
    # 300 answers: NPS 200 promoters / 100 detractors → +33.3 (adjusted-Wald CI about 22.8 to 43.1)
    responses = _responses(nps=[10] * 200 + [0] * 100)
    table = kpi_table(_bundle(responses, kpis={"nps": {"target": 20, "by": "2026-12-31", "owner": "CX lead"}}))
    row = table.set_index("kpi").loc["nps"]
    assert row["status"] == "met" and row["gap"] == pytest.approx(100 / 3 - 20)
    assert (row["owner"], str(row["target_by"]), row["target_source"]) == ("CX lead", "2026-12-31", "client")
    high = kpi_table(_bundle(responses, kpis={"nps": {"target": 50, "by": "2026-12-31", "owner": "CX lead"}}))
    assert high.set_index("kpi").loc["nps", "status"] == "not met"
    close = kpi_table(_bundle(responses, kpis={"nps": {"target": 35, "by": "2026-12-31", "owner": "CX lead"}}))
    assert close.set_index("kpi").loc["nps", "status"] == "not significantly different"


def test_small_base_and_missing_tables_are_insufficient_data():
    table = kpi_table(_bundle(_responses(nps=[10] * 10))).set_index("kpi")
    assert table.loc["nps", "status"] == "insufficient data"  # 10 answers < min_base 30
    assert table.loc["nps", "value"] == 100  # the value stays for the analyst
    assert table.loc["churn", "n"] == 0 and table.loc["churn", "status"] == "insufficient data"
    assert table.loc["churn", "target_source"] == "catalogue default"


def test_ces_direction_follows_the_scale():
    responses = _responses(ces=[1] * 100)  # everyone says 1
    easy_high = kpi_table(_bundle(responses)).set_index("kpi").loc["ces"]
    assert (easy_high["direction"], easy_high["status"]) == ("higher", "not met")  # 1 = very hard
    easy_low = kpi_table(_bundle(responses, scales={"ces_higher_is_easier": False})).set_index("kpi").loc["ces"]
    assert (easy_low["direction"], easy_low["status"]) == ("lower", "met")  # 1 = very easy
    # default 5.5 on 1–7 (7 easiest) is three quarters of the way to "easy": 2.5 when 1 is easiest
    assert easy_low["target"] == 2.5
    five = kpi_table(_bundle(responses, scales={"ces": {"min": 1, "max": 5}, "ces_higher_is_easier": False}))
    assert five.set_index("kpi").loc["ces", "target"] == 2.0


def test_trend_carries_the_target():
    bundle = _bundle(_responses(nps=[10, 0, 9] * 40), kpis={"nps": {"target": 25, "by": "2026-06-30", "owner": "X"}})
    trend = kpi_trend(bundle, "nps", period="month")
    assert trend["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]  # days 0..59 of 2025
    assert trend["target"].unique().tolist() == [25]


def test_unknown_kpi_and_missing_data_errors():
    bundle = _bundle(_responses(nps=[10]))
    with pytest.raises(CxnbError, match="unknown KPI 'nsp'; the catalogue has: nps, csat"):
        kpi_frame(bundle, "nsp")
    with pytest.raises(CxnbError, match="fcr needs the tickets table with a reopened column"):
        kpi_frame(bundle, "fcr")


def test_config_refuses_targets_for_unknown_kpis(tmp_path):
    (tmp_path / "c.csv").write_text("customer_id\n1\n")
    (tmp_path / "client.yaml").write_text(
        "name: A\nkpis: {nsp: {target: 3, by: 2026-01-01, owner: me}}\nsources: {customers: {path: c.csv}}\n")
    from cxnb.config import load_config
    with pytest.raises(ConfigError, match="`kpis`: unknown KPI\\(s\\) nsp; templates/kpis.yaml defines nps, csat"):
        load_config(tmp_path / "client.yaml")


# ---------------------------------------------------------------------------------------------
# Customer lifetime value


def _with_transactions(transactions: pd.DataFrame, **config) -> Bundle:
    settings = {"name": "Acme", "seed": 42, "sources": {"transactions": {"path": "transactions.csv"}}} | config
    return Bundle(ClientConfig.model_validate(settings), {"transactions": transactions}, {},
                  pd.DataFrame(columns=PROBLEM_COLUMNS))


def test_clv_is_a_kpi_with_its_interval_and_a_client_target():
    from cxnb import clv, load_sample

    sample = load_sample("b2c").transactions
    transactions = sample[sample["customer_id"].str.endswith(("0", "1", "2"))]  # about 1,300 customers: quicker
    row = kpi_table(_with_transactions(transactions)).set_index("kpi").loc["clv"]
    # the same mean as cxnb.clv gives per customer; every buying customer counts
    assert row["n"] == transactions["customer_id"].nunique()
    assert row["value"] == pytest.approx(clv.fit_clv(transactions).customers["clv"].mean())
    assert row["ci_low"] < row["value"] < row["ci_high"] and row["unit"] == "per customer"
    assert pd.isna(row["target"]) and row["status"] == "no target"  # the catalogue sets no default
    low = {"clv": {"target": row["ci_low"] - 10, "by": "2027-06-30", "owner": "CFO"}}
    high = {"clv": {"target": row["ci_high"] + 10, "by": "2027-06-30", "owner": "CFO"}}
    assert kpi_table(_with_transactions(transactions, kpis=low)).set_index("kpi").loc["clv", "status"] == "met"
    assert kpi_table(_with_transactions(transactions, kpis=high)).set_index("kpi").loc["clv", "status"] == "not met"


def test_clv_by_a_customer_attribute_and_no_trend():
    from cxnb import load_sample

    bundle = load_sample("b2c")
    by_region = kpi_frame(bundle, "clv", by="region")
    # every buying customer has a region in the sample, so the groups add up to all of them
    assert by_region["n"].sum() == bundle.transactions["customer_id"].nunique()
    assert list(by_region.columns) == ["region", "n", "value", "ci_low", "ci_high", "flag"]
    with pytest.raises(CxnbError, match="CLV is a forecast from the end of the data; it has no trend by period"):
        kpi_frame(bundle, "clv", period="month")


def test_clv_is_left_out_without_transactions_or_with_too_few():
    from cxnb.errors import FitError

    assert "clv" not in kpi_table(_bundle(_responses(nps=[10] * 40)))["kpi"].tolist()
    one_each = pd.DataFrame({"customer_id": [f"c{i}" for i in range(20)], "amount": 10.0,
                             "timestamp": [T0 + pd.Timedelta(days=i) for i in range(20)]})
    thin = _with_transactions(one_each)
    table = kpi_table(thin)
    assert "clv" not in table["kpi"].tolist() and "churn" in table["kpi"].tolist()  # the rest stays
    with pytest.raises(FitError, match="cannot fit the BG/NBD purchase model: 20 customers, none with a repeat"):
        kpi_frame(thin, "clv")
