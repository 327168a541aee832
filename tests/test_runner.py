"""`cxnb run` end to end: reports, failures of every kind, atomic publishing, refused parameters."""

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from cxnb.cli import main
from cxnb.runner import ParameterError, run
from cxnb.samples import sample_config

FIXTURES = Path(__file__).parent / "notebooks"
B2C, B2B = sample_config("b2c"), sample_config("b2b")


def _notebooks(tmp_path, *names) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_failing_step_keeps_the_good_report_and_the_other_client_goes_on(tmp_path, capsys):
    out = tmp_path / "reports"
    good = _notebooks(tmp_path / "good", "01_shows_text.ipynb")
    assert run([B2C, B2B], out=out, notebooks=good, progress=lambda _: None).ok
    before = _tree(out / "tallbridge-systems")

    both = _notebooks(tmp_path / "both", "01_shows_text.ipynb", "02_fails_for_b2b.ipynb")
    status = main(["run", str(B2C), str(B2B), "--out", str(out), "--notebooks", str(both), "--jobs", "2"])
    assert status == 1
    # the B2C client succeeded: its new report replaced the old one, which went to history
    assert _manifest(out / "brewline-coffee")["status"] == "ok"
    assert len(list((out / ".history" / "brewline-coffee").iterdir())) == 1
    # the B2B client failed: its last good report is untouched
    assert _tree(out / "tallbridge-systems") == before
    failed = next((out / ".failed" / "tallbridge-systems").iterdir())
    manifest = _manifest(failed)
    step = next(s for s in manifest["steps"] if s["step"] == "02_fails_for_b2b")
    assert step["status"] == "failed"
    assert step["error"]["ename"] == "ValueError" and step["error"]["evalue"] == "planted failure for Tallbridge Systems"
    # cell 4 of the step's notebook (title, parameters, setup, then the raising cell)
    assert step["error"]["cell"] == 4 and step["error"]["source"].startswith("if step.config.name")
    executed = nbformat.read(failed / "notebooks" / "02_fails_for_b2b.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert "planted failure for Tallbridge Systems" in (failed / "steps" / "02_fails_for_b2b.html").read_text()
    progress = capsys.readouterr().out
    assert "[Tallbridge Systems] 2 · Fails for b2b: failed" in progress


def test_dead_kernel_and_timeout_are_failures(tmp_path):
    out = tmp_path / "reports"
    folder = _notebooks(tmp_path, "03_kernel_dies.ipynb", "04_cell_too_slow.ipynb")
    result = run([B2C], out=out, notebooks=folder, timeout=5, progress=lambda _: None)
    assert not result.ok and not (out / "brewline-coffee").exists()
    manifest = _manifest(next((out / ".failed" / "brewline-coffee").iterdir()))
    steps = {s["step"]: s for s in manifest["steps"]}
    died, slow = steps["03_kernel_dies"], steps["04_cell_too_slow"]
    assert died["status"] == "failed" and died["error"]["ename"] == "DeadKernelError"
    assert died["error"]["cell"] == 4  # os._exit(1); the saved notebook looks complete up to there
    assert slow["status"] == "failed" and "Timeout" in slow["error"]["ename"] + slow["error"]["evalue"]
    assert slow["error"]["cell"] == 4 and slow["duration_s"] < 60


def test_steps_start_after_the_steps_they_read(tmp_path):
    folder = _notebooks(tmp_path, "01_shows_text.ipynb", "02_fails_for_b2b.ipynb")
    run([B2C], out=tmp_path / "reports", notebooks=folder, jobs=2, progress=lambda _: None)
    steps = {s["step"]: s for s in _manifest(tmp_path / "reports" / "brewline-coffee")["steps"]}
    assert steps["02_fails_for_b2b"]["started"] >= steps["01_shows_text"]["finished"]


def test_unknown_parameter_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "reports"
    folder = _notebooks(tmp_path, "01_shows_text.ipynb")
    with pytest.raises(ParameterError, match="01_shows_text.ipynb has no parameter 'colour'"):
        run([B2C], out=out, notebooks=folder, parameters={"colour": "blue"})
    assert not out.exists()
    assert main(["run", str(B2C), "--out", str(out), "--notebooks", str(folder), "-p", "colour=blue"]) == 2


def test_parameter_name_that_is_not_an_identifier_is_refused(tmp_path):
    folder = _notebooks(tmp_path, "01_shows_text.ipynb")
    with pytest.raises(ParameterError, match="are not Python identifiers"):
        run([B2C], out=tmp_path / "r", notebooks=folder, parameters={"x = 1\nimport os; os.system('id')\ny": 1})


def test_client_with_bad_data_is_reported_and_others_run(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(B2C.parent, bad)
    text = (bad / "responses.csv").read_text().replace("RS000001,", "RS000002,", 1)  # duplicate id
    (bad / "responses.csv").write_text(text)
    (bad / "client.yaml").write_text((bad / "client.yaml").read_text().replace("name: Brewline Coffee", "name: Bad Copy"))
    folder = _notebooks(tmp_path, "01_shows_text.ipynb")
    result = run([bad / "client.yaml", B2B], out=tmp_path / "reports", notebooks=folder, progress=lambda _: None)
    assert [c["status"] for c in result.clients] == ["failed", "ok"]
    manifest = _manifest(next((tmp_path / "reports" / ".failed" / "bad-copy").iterdir()))
    assert "responses.response_id rows 2, 3: duplicate id" in manifest["problem"]


def test_validated_bundle_is_handed_to_the_notebooks_and_not_published(tmp_path):
    from cxnb.bundle import SNAPSHOT, load_bundle, load_snapshot, save_snapshot
    from cxnb.config import load_config

    bundle = load_bundle(B2C)
    save_snapshot(bundle, tmp_path)
    assert load_snapshot(tmp_path, load_config(B2C)).responses.equals(bundle.responses)
    assert load_snapshot(tmp_path, load_config(B2B)) is None  # another client's snapshot is never used
    folder = _notebooks(tmp_path, "01_shows_text.ipynb")
    run([B2C], out=tmp_path / "reports", notebooks=folder, progress=lambda _: None)
    assert not list((tmp_path / "reports").rglob(SNAPSHOT))


def test_history_keeps_the_last_three_good_reports(tmp_path):
    out = tmp_path / "reports"
    folder = _notebooks(tmp_path, "09_trivial.ipynb")
    for _ in range(5):
        assert run([B2B], out=out, notebooks=folder, progress=lambda _: None).ok
    assert (out / "tallbridge-systems" / "index.html").exists()
    assert len(list((out / ".history" / "tallbridge-systems").iterdir())) == 3  # KEEP; the oldest went


def test_a_relative_reports_folder_keeps_the_artifacts_in_the_report(tmp_path, monkeypatch):
    # `make report` passes `--out reports`; the notebooks run inside the staging folder, so the
    # artifact folder handed to them must not be relative to where `cxnb` was started
    monkeypatch.chdir(tmp_path)
    result = run([B2B], steps=[5], out=Path("reports"), jobs=1, progress=lambda _: None)
    assert result.ok
    folder = tmp_path / "reports" / "tallbridge-systems"
    assert (folder / "artifacts" / "05_collect_customer_data" / "facts.json").exists()
    assert (folder / "artifacts" / "05_collect_customer_data" / "audit.parquet").exists()
    assert not (folder / "reports").exists()
