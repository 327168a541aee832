"""The notebook contract (STYLE.md): every step notebook has one skeleton and no hidden logic."""

import io
import re
import tokenize

import nbformat
import papermill
import pytest

from cxnb import course
from cxnb.paths import NOTEBOOKS
from cxnb.report import GLOSSARY

STEPS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
PATH_LIKE = re.compile(r"\.(?:csv|ya?ml|parquet|xlsx)\b|/")
# string pieces as the tokenizer sees them (Python 3.12 splits f-strings into parts)
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def test_there_are_step_notebooks():
    assert [p.name[:2] for p in STEPS] == sorted({p.name[:2] for p in STEPS}) and STEPS


def _paths(source: str) -> list[str]:
    """The string literals of a code cell that look like a path (a division between two strings
    is no path, so only the literals themselves are read)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [token.string for token in tokens if token.type in STRING_TOKENS and PATH_LIKE.search(token.string)]


def test_path_check_reads_string_literals_only():
    assert _paths('x = step.read("04_define_kpis", "kpi_table")\ny = x["a"] / x["b"]') == []
    assert _paths('frame = pd.read_csv("data/samples/b2c/responses.csv")') == ['"data/samples/b2c/responses.csv"']
    assert _paths("load('client.yaml')") == ["'client.yaml'"]


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
    headings = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("## ")
                and "exercise" not in c.metadata.get("tags", [])]
    assert len(headings) >= 3
    assert headings[-1].source.startswith("## Summary and next step"), "the step ends with its summary"


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
            assert not _paths(cell.source), f"{where} hard-codes a path: {_paths(cell.source)}"


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


def test_exercises_come_last_tagged_with_nbgrader_metadata(notebook):
    """The teaching track (cxnb.course): every step notebook ends with 2-4 exercises in a last
    "## Exercises" section right after the summary, every cell of it tagged "exercise" (a client
    run drops them) and carrying nbgrader metadata."""
    path, nb = notebook
    found = course.exercises(nb, path.name)  # raises naming every cell that breaks the layout
    assert found, f"{path.name} has no '## Exercises' section: every step teaches its method"
    tagged = [i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", [])]
    graded = [i for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata]
    start = tagged[0]
    assert nb.cells[start].source.startswith("## Exercises")
    assert tagged == graded == list(range(start, len(nb.cells))), "exercises are the notebook's last cells"
    assert 2 <= len(found) <= 4
    assert [e.label for e in found] == [f"{int(path.name[:2])}.{k}" for k in range(1, len(found) + 1)]
    step_headings = [c.source for c in nb.cells[:start] if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert step_headings[-1].startswith("## Summary and next step")
    metadata = [nb.cells[i].metadata["nbgrader"] for i in graded]
    assert all(m["schema_version"] == 3 for m in metadata)
    assert len({m["grade_id"] for m in metadata}) == len(metadata), "nbgrader grade ids are unique"
    assert all(m["locked"] and m["points"] > 0 for m in metadata if m["grade"])


def test_overview_links_the_glossary(notebook):
    path, nb = notebook
    assert "](../docs/glossary.md)" in nb.cells[0].source, f"{path.name}: the overview should link the glossary"
    assert (path.parent / ".." / "docs" / "glossary.md").resolve() == GLOSSARY.resolve() and GLOSSARY.is_file()
