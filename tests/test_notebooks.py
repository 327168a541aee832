"""The notebook contract (STYLE.md): every step notebook has one skeleton and no hidden logic."""

import re

import nbformat
import papermill
import pytest

from cxnb.paths import NOTEBOOKS

STEPS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
PATH_LIKE = re.compile(r"""["'][^"']*(?:\.csv|\.ya?ml|\.parquet|\.xlsx|/)[^"']*["']""")


def test_there_are_step_notebooks():
    assert [p.name[:2] for p in STEPS] == sorted({p.name[:2] for p in STEPS}) and STEPS


@pytest.fixture(params=STEPS, ids=lambda p: p.stem)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_skeleton(notebook):
    path, nb = notebook
    cells = nb.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# Step "), "H1 title first"
    overview = cells[0].source
    for part in ("**The question:**", "**Needs:**", "**Produces:**"):
        assert part in overview, f"overview lacks {part}"
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and cells.index(tagged[0]) == 1, "exactly one parameters cell, right after the title"
    setup = cells[2]
    assert setup.cell_type == "code" and f'cxnb.setup("{path.stem}"' in setup.source
    assert sum("cxnb.setup(" in c.source for c in cells) == 1
    headings = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert len(headings) >= 3
    assert headings[-1].source.startswith("## Summary and next step")


def test_parameters_are_the_runner_contract(notebook):
    path, _ = notebook
    parameters = papermill.inspect_notebook(str(path))
    assert {"config", "output_dir", "interactive"} <= set(parameters)
    assert parameters["config"]["default"] == "None"  # None = the B2C sample company


def test_no_hidden_logic(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {i + 1}"
        assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), f"{where} defines a function or class"
        assert not re.search(r"^\s*[%!]\s*pip", cell.source, re.M), f"{where} installs packages"
        assert len(cell.source.splitlines()) <= 10, f"{where} is longer than 10 lines: move it into cxnb"
        if "parameters" not in cell.metadata.get("tags", []):
            assert not PATH_LIKE.search(cell.source), f"{where} hard-codes a path"


def test_outputs_are_stripped(notebook):
    path, nb = notebook
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs committed"


def test_steps_declare_what_they_read(notebook):
    path, nb = notebook
    reads = nb.metadata.get("cxnb", {}).get("reads")
    assert isinstance(reads, list)
    assert all((NOTEBOOKS / f"{name}.ipynb").exists() for name in reads)
