"""`cxnb validate`: summary or every problem; exit 0 valid, 1 data problems, 2 unusable config."""

import pytest

from cxnb.cli import main
from cxnb.samples import sample_config, sample_names


@pytest.mark.parametrize("name", sample_names())
def test_validate_sample_exits_0_and_prints_summary(name, capsys):
    assert main(["validate", str(sample_config(name))]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {sample_config(name)}")
    assert "responses" in out and "encoding" in out


def test_validate_data_problem_exits_1(make_config, capsys):
    assert main(["validate", str(make_config({"responses": "bad_nps_11.csv"}))]) == 1
    err = capsys.readouterr().err
    assert "INVALID" in err and "responses.nps rows 3: outside the declared scale 0–10" in err


def test_validate_unusable_config_exits_2(tmp_path, capsys):
    (tmp_path / "client.yaml").write_text("name: X\nsources: {customers: {path: nowhere.csv}}\n")
    assert main(["validate", str(tmp_path / "client.yaml")]) == 2
    assert "`sources.customers.path`: no file at" in capsys.readouterr().err


def test_validate_several_configs_reports_each_and_the_worst_status(make_config, tmp_path, capsys):
    bad = make_config({"responses": "bad_nps_11.csv"})
    assert main(["validate", str(sample_config("b2b")), str(bad), str(tmp_path / "missing.yaml")]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("OK ")
    assert "INVALID" in captured.err and "no such config file" in captured.err


def test_unknown_column_mapping_is_a_config_error(make_config, capsys):
    path = make_config({"responses": {"path": "bad_nps_11.csv", "columns": {"nsp": "nps"}}})
    assert main(["validate", str(path)]) == 2
    assert "`sources.responses.columns.nsp`: not a column of the responses table" in capsys.readouterr().err


def test_run_refuses_unknown_steps_and_clashing_clients(tmp_path, capsys):
    from cxnb.samples import sample_config

    out = str(tmp_path / "reports")
    assert main(["run", str(sample_config("b2c")), "--steps", "9", "--out", out]) == 2
    assert "no step notebooks numbered [9]" in capsys.readouterr().err
    assert main(["run", str(sample_config("b2c")), str(sample_config("b2c")), "--out", out]) == 2
    assert "several configs share the report folder brewline-coffee" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()
