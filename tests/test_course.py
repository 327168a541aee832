"""The teaching track: `cxnb course build`, `cxnb course check`, nbgrader compatibility.

That client reports carry no exercise is tested with the sample reports, in test_report.py.

Executing a notebook costs seconds, so the course is built once for the module through the command
line on the B2C sample (every step notebook, instructor and student versions), the instructor
notebooks are graded once on the B2B sample, and the tests read what those runs produced.
"""

import ast
import builtins
import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from cxnb import ConfigError, course, load_config, refine
from cxnb.cli import main
from cxnb.paths import NOTEBOOKS
from cxnb.samples import sample_config

WITH_EXERCISES = {p.stem: nbformat.read(p, as_version=4) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
                  if course.exercises(nbformat.read(p, as_version=4), p.name)}
MARKERS = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines between ``begin`` and ``end`` marker lines."""
    found, inside = [], False
    for line in source.splitlines():
        if line.strip() in (begin, end):
            inside = line.strip() == begin
        elif inside and line.strip():
            found.append(line.strip())
    return found


def _secret_lines(nb) -> set[str]:
    """Every solution line and hidden-test line of an instructor notebook."""
    return {line for cell in nb.cells for line in
            _regions(cell.source, course.BEGIN_SOLUTION, course.END_SOLUTION)
            + _regions(cell.source, course.BEGIN_HIDDEN, course.END_HIDDEN)}


def _by_grade_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The course built through the command line (``cxnb course build --out DIR``), verified on
    the notebooks' own config (the B2C sample); with the exit status, what it printed and the
    :class:`~cxnb.course.Course` that ``course.build`` returned."""
    out, returned, printed = tmp_path_factory.mktemp("course") / "course", [], io.StringIO()
    real_build = course.build
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(course, "build", lambda *args, **kwargs: returned.append(real_build(*args, **kwargs))
                      or returned[-1])
        status = main(["course", "build", "--out", str(out)])
    assert len(returned) == 1, f"cxnb course build did not build (exit {status}): {printed.getvalue()}"
    return SimpleNamespace(status=status, printed=printed.getvalue(), course=returned[0],
                           folder=returned[0].folder, graded=returned[0].graded)


def _typed_in_7_3(folder: Path) -> Path:
    """Step 7's instructor notebook with exercise 7.3's answer typed in as the B2C values."""
    instructor = WITH_EXERCISES["07_refine_the_process"]
    exercise = course.exercises(instructor)[-1]  # 7.3, the pillar furthest from its target
    assert exercise.label == "7.3"
    b2c = _maturity_levels("b2c")
    furthest = b2c.sort_values("gap").iloc[-1]["name"]
    below = b2c.loc[b2c["ci_high"] < b2c["target"], "name"].tolist()
    typed = nbformat.from_dict(instructor)
    _by_grade_id(typed)[exercise.solution_id].source = f"furthest_pillar, clearly_below = {furthest!r}, {below!r}"
    nbformat.write(typed, folder / "typed.ipynb")
    return folder / "typed.ipynb"


@pytest.fixture(scope="module")
def graded_b2b(tmp_path_factory):
    """The instructor notebooks, and step 7 with exercise 7.3's B2C answer typed in, graded on the
    B2B sample in one run (``course.check_all``): the exercises must hold for another company.
    Only the instructor version runs there: the student version differs from it in the exercise
    cells alone (test_no_solution_or_hidden_test_line_reaches_a_student_notebook), and each of
    its checks fails unsolved whatever the company, its first line asking for the answer's names
    (test_student_notebooks_fail_each_check_with_its_hint_and_the_rest_runs, on B2C)."""
    paths = [NOTEBOOKS / f"{name}.ipynb" for name in WITH_EXERCISES]
    paths.append(_typed_in_7_3(tmp_path_factory.mktemp("typed")))
    results = course.check_all(paths, config=sample_config("b2b"))
    return {"typed" if path.stem == "typed" else f"instructor/{path.stem}": result
            for path, result in zip(paths, results)}


def test_every_step_notebook_has_exercises():
    steps = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert len(steps) == 7 and set(WITH_EXERCISES) == steps


def test_the_build_command_writes_the_course(built):
    assert built.status == 0
    assert built.printed.splitlines() == [
        f"verifying {len(WITH_EXERCISES)} notebooks, instructor and student versions",
        f"course written to {built.folder}: {len(WITH_EXERCISES)} steps, "
        f"{sum(len(course.exercises(nb)) for nb in WITH_EXERCISES.values())} exercises"]
    assert sorted(p.relative_to(built.folder).as_posix() for p in built.folder.rglob("*") if p.is_file()) == sorted(
        ["README.md", "docs/glossary.md", *(f"{version}/{name}.ipynb" for version in ("instructor", "student")
                                           for name in WITH_EXERCISES)])


def test_build_writes_both_versions_a_readme_and_the_glossary(built):
    for name, source in WITH_EXERCISES.items():
        instructor = nbformat.read(built.folder / "instructor" / f"{name}.ipynb", as_version=4)
        assert [c.source for c in instructor.cells] == [c.source for c in source.cells]
        assert (built.folder / "student" / f"{name}.ipynb").exists()
    readme = (built.folder / "README.md").read_text()
    for name, nb in WITH_EXERCISES.items():
        heading = next(c.source for c in nb.cells if c.source.startswith("## Exercises"))
        minutes = re.search(r"about (\d+) minutes", heading).group(1)
        objectives = re.search(r"\*\*Learning objectives:\*\*\n\n((?:- .+\n)+)", heading).group(1).splitlines()
        assert len(objectives) >= 2, f"{name}: learning objectives not found in its '## Exercises' cell"
        assert f"## {nb.cells[0].source.splitlines()[0][2:]}" in readme
        assert f"Notebook `{name}.ipynb` · about {minutes} minutes." in readme
        assert [o for o in objectives if o not in readme.splitlines()] == [], f"{name}: objectives missing"
        assert all(f"- {e.label} {e.title}" in readme for e in course.exercises(nb))
    assert 'pip install -e ".[lab]"' in readme and "cxnb course check" in readme
    assert f"\n.venv/bin/jupyter lab {built.folder.name}/student/\n" in readme  # how to launch JupyterLab
    assert (built.folder / "docs" / "glossary.md").read_text() == course.GLOSSARY.read_text()


@pytest.mark.parametrize("company", ["b2c", "b2b"])
def test_instructor_notebooks_pass_every_check(company, request):
    graded = request.getfixturevalue("built").graded if company == "b2c" else request.getfixturevalue("graded_b2b")
    for name, nb in WITH_EXERCISES.items():
        result = graded[f"instructor/{name}"]
        assert result.ok, result.summary()
        assert result.exercises["exercise"].tolist() == [e.label for e in course.exercises(nb)]
        assert result.exercises["score"].sum() == sum(e.points for e in course.exercises(nb))


def test_student_notebooks_fail_each_check_with_its_hint_and_the_rest_runs(built):
    for name, nb in WITH_EXERCISES.items():
        result = built.graded[f"student/{name}"]
        assert result.problems == [], f"{name}: cells outside the exercises failed: {result.problems}"
        student = _by_grade_id(course.student_version(nb, name))
        for exercise, row in zip(course.exercises(nb), result.exercises.itertuples()):
            assert not row.passed and row.score == 0
            # the check's own message first, then the task's hint from the placeholder's error
            assert row.hint.startswith(f"Exercise {exercise.label}: ")
            assert row.hint.endswith(f"(not answered yet; hint: {exercise.hint})")
            # it fails on the answer's names, not on the data: so on any company
            first = next(line for line in student[exercise.check_id].source.splitlines() if line.startswith("assert"))
            assert "globals()" in first, f"{name} {exercise.label}: the first check should ask for the answer: {first}"


def test_no_solution_or_hidden_test_line_reaches_a_student_notebook(built):
    for name, nb in WITH_EXERCISES.items():
        secrets = _secret_lines(nb)
        assert secrets, f"{name} has no solution lines"
        student = nbformat.read(built.folder / "student" / f"{name}.ipynb", as_version=4)
        shown = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
        assert not secrets & shown, f"{name}: leaked {sorted(secrets & shown)}"
        assert not any(MARKERS.match(line) for line in shown)
        # everything that is not a solution or hidden test is kept as it was
        assert [c.source for c in student.cells if "nbgrader" not in c.metadata or c.cell_type == "markdown"] == \
               [c.source for c in nb.cells if "nbgrader" not in c.metadata or c.cell_type == "markdown"]
        for exercise in course.exercises(nb):
            answer = _by_grade_id(student)[exercise.solution_id].source.splitlines()
            raised = [ast.literal_eval(line.removeprefix("raise NotImplementedError(")[:-1])
                      for line in answer if line.startswith("raise NotImplementedError(")]
            assert raised == [f"Exercise {exercise.label} ({exercise.title}): replace this line with your code. "
                              f"Hint: {exercise.hint}"]


def _kit_calls(tree: ast.AST, kit: set[str]) -> set[str]:
    """The kit functions ``tree`` calls: ``module.function(...)`` for a module imported from cxnb."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in kit | {"cxnb"}:
                found.add(ast.unparse(node.func))
    return found


def _expressions_on_data(tree: ast.AST) -> set[str]:
    """The calls, subscripts and operations in ``tree`` that read a name it does not assign
    itself (the notebook's data, ``step``), as source text."""
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    kinds = (ast.Call, ast.Subscript, ast.Compare, ast.BinOp, ast.BoolOp, ast.UnaryOp)
    return {ast.unparse(node) for node in ast.walk(tree) if isinstance(node, kinds)
            and {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - assigned - set(dir(builtins))}


def _answer_leaks(nb, name: str) -> list[str]:
    """Where the checks a student sees give an exercise's answer away — a call into the kit (it
    computes the expected value) or an expression of the solution — and exercises with no hidden
    test (nothing left to grade once the visible checks pass)."""
    kit = {alias.asname or alias.name for cell in nb.cells if cell.cell_type == "code"
           for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.ImportFrom) and node.module == "cxnb"
           for alias in node.names}
    cells, student = _by_grade_id(nb), _by_grade_id(course.student_version(nb, name))
    leaks = []
    for exercise in course.exercises(nb, name):
        where = f"{name} exercise {exercise.label}"
        solution = ast.parse("\n".join(_regions(cells[exercise.solution_id].source, course.BEGIN_SOLUTION,
                                                 course.END_SOLUTION)))
        visible = ast.parse(student[exercise.check_id].source)
        if not any(line.startswith("assert ") for line in
                   _regions(cells[exercise.check_id].source, course.BEGIN_HIDDEN, course.END_HIDDEN)):
            leaks.append(f"{where}: no hidden test")
        leaks += [f"{where}: the visible check calls {call}" for call in sorted(_kit_calls(visible, kit))]
        leaks += [f"{where}: the visible check repeats the solution's {expression}"
                  for expression in sorted(_expressions_on_data(solution) & _expressions_on_data(visible))]
    return leaks


def test_the_checks_a_student_sees_do_not_give_the_answer_away():
    """Visible checks only say whether the answer is there and has the right form; what the
    answer should be is computed in the hidden tests, which every exercise has."""
    for name, nb in WITH_EXERCISES.items():
        assert _answer_leaks(nb, name) == []
    # what the rule catches
    assert _answer_leaks(_toy_notebook('assert answer == len(step.bundle.responses), "Exercise 1.1: count them"'),
                         "toy") == ["toy exercise 1.1: no hidden test",
                                    "toy exercise 1.1: the visible check repeats the solution's "
                                    "len(step.bundle.responses)"]
    kit_call = _toy_notebook('from cxnb import metrics\nassert answer > 0, "Exercise 1.1: count them"\n'
                             f'{course.BEGIN_HIDDEN}\nassert answer == len(step.bundle.responses)\n{course.END_HIDDEN}')
    kit_call.cells[-1].source = kit_call.cells[-1].source.replace("answer > 0", "answer == metrics.nps(step.bundle.responses).n")
    assert _answer_leaks(kit_call, "toy") == ["toy exercise 1.1: the visible check calls metrics.nps"]


@pytest.fixture(scope="module")
def graded_on_b2c(built, tmp_path_factory):
    """Two students' notebooks graded by one ``cxnb course check`` on their own config (B2C):
    alice's step 4, one exercise solved and a wrong answer to another whose visible check she
    emptied, and step 7 with exercise 7.3's B2C answer typed in. With the exit status, what it
    printed, and alice's notebook as written."""
    folder = tmp_path_factory.mktemp("students")
    instructor = WITH_EXERCISES["04_define_kpis"]
    _, second, third = course.exercises(instructor)
    alice = nbformat.read(built.folder / "student" / "04_define_kpis.ipynb", as_version=4)
    cells = _by_grade_id(alice)
    cells[third.solution_id].source = _by_grade_id(instructor)[third.solution_id].source  # solved
    # a wrong answer to the second with its visible check emptied: the instructor's check still grades it
    cells[second.solution_id].source = "gap, p_value = 0.0, 1.0"
    cells[second.check_id].source = 'step.say("all good")'
    nbformat.write(alice, folder / "alice.ipynb")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["course", "check", str(folder / "alice.ipynb"), str(_typed_in_7_3(folder))])
    return SimpleNamespace(status=status, printed=printed.getvalue(), alice=alice, path=folder / "alice.ipynb")


def test_check_scores_exactly_the_solved_exercise_with_the_instructors_checks(graded_on_b2c):
    first, second, third = course.exercises(WITH_EXERCISES["04_define_kpis"])
    assert graded_on_b2c.status == 1  # some exercise failed
    out = graded_on_b2c.printed
    total = first.points + second.points + third.points
    assert f"{graded_on_b2c.path}: 1 of 3 exercises passed, score {third.points}/{total}\n" in out
    assert f"Exercise {third.label} {third.title}: passed ({third.points}/{third.points})" in out
    assert f"Exercise {first.label} {first.title}: FAILED (0/{first.points})" in out
    assert (f"Exercise {second.label} {second.title}: FAILED (0/{second.points})\n"
            f"      Exercise {second.label}: gap is 0.00;") in out
    # the file is untouched
    assert [c.source for c in nbformat.read(graded_on_b2c.path, as_version=4).cells] == \
           [c.source for c in graded_on_b2c.alice.cells]


def _maturity_levels(sample: str):
    """The kit's maturity table of a sample (what exercise 7.3 reads)."""
    maturity = load_config(sample_config(sample)).maturity
    return refine.maturity_scores(refine.load_questionnaire(maturity.questionnaire), target=maturity.target_for)


def test_check_on_another_company_catches_a_typed_in_answer(graded_on_b2c, graded_b2b):
    b2c, b2b = _maturity_levels("b2c"), _maturity_levels("b2b")
    furthest = b2c.sort_values("gap").iloc[-1]["name"]
    assert furthest != b2b.sort_values("gap").iloc[-1]["name"]  # so the B2C answer is wrong for the B2B company
    typed = graded_on_b2c.path.parent / "typed.ipynb"
    own = graded_on_b2c.printed.split(f"{typed}: ")[1]  # graded on its own config, B2C, the typed answer passes
    assert own.startswith("3 of 3 exercises passed"), own
    # the same notebook graded on the B2B company
    other = graded_b2b["typed"]
    assert other.exercises["passed"].tolist() == [True, True, False]
    assert other.exercises.set_index("exercise").loc["7.3", "hint"].startswith(
        f"Exercise 7.3: {furthest!r} is not the pillar with the largest gap")
    assert f"Exercise 7.3 {other.exercises['title'].iloc[-1]}: FAILED (0/" in other.summary()


def test_a_config_that_does_not_load_stops_grading_and_building_before_anything_runs(tmp_path, capsys):
    with pytest.raises(ConfigError, match="missing.yaml: no such config file"):
        course.check(NOTEBOOKS / "07_refine_the_process.ipynb", config=tmp_path / "missing.yaml")
    assert main(["course", "check", "--config", str(tmp_path / "missing.yaml"),
                 str(NOTEBOOKS / "07_refine_the_process.ipynb")]) == 2
    assert capsys.readouterr().err.startswith(f"CANNOT GRADE {tmp_path / 'missing.yaml'}: no such config file")
    assert main(["course", "build", "--config", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "course")]) == 2
    assert capsys.readouterr().err.startswith(f"REFUSED {tmp_path / 'missing.yaml'}: no such config file")
    assert not (tmp_path / "course").exists()


def test_check_refuses_a_notebook_without_exercises(tmp_path, capsys):
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Step 9 — Nothing to grade")])
    nbformat.write(plain, tmp_path / "plain.ipynb")
    assert main(["course", "check", str(tmp_path / "plain.ipynb")]) == 2
    assert "plain.ipynb has no '## Exercises' section: nothing to grade" in capsys.readouterr().err
    # several at once: every notebook that cannot be graded is named, and none runs
    assert main(["course", "check", str(tmp_path / "plain.ipynb"), str(tmp_path / "lost.ipynb")]) == 2
    err = capsys.readouterr().err
    assert "plain.ipynb has no '## Exercises' section" in err
    assert f"cannot read the notebook {tmp_path / 'lost.ipynb'}" in err


def _toy_notebook(check: str) -> nbformat.NotebookNode:
    """A minimal step notebook with one exercise whose check is ``check``."""
    cells = [nbformat.v4.new_markdown_cell("# Step 1 — Toy\n\n**The question:** x\n\n**Needs:** x\n\n**Produces:** x"),
             nbformat.v4.new_code_cell("config = None\noutput_dir = None\ninteractive = False"),
             nbformat.v4.new_code_cell('import cxnb\nstep = cxnb.setup("01_toy", config=config, output_dir=output_dir, '
                                       'interactive=interactive)'),
             nbformat.v4.new_markdown_cell("## Summary and next step"),
             course.exercises_section(1, ["count"], 5),
             *course.exercise_cells("1.1", "Count", task="Set `answer`.", hint="`len(...)`",
                                    solution="answer = len(step.bundle.responses)", check=check)]
    cells[1].metadata["tags"] = ["parameters"]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "cxnb", "display_name": "cxnb",
                                                                          "language": "python"}})


def test_build_refuses_an_exercise_whose_check_passes_unsolved(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(_toy_notebook('assert len(step.bundle.responses) > 0, "Exercise 1.1: no responses"'),
                   folder / "01_toy.ipynb")
    out = tmp_path / "course"
    assert main(["course", "build", "--out", str(out), "--notebooks", str(folder), "--jobs", "2"]) == 1
    refused = capsys.readouterr().err
    assert refused.startswith("FAILED the course does not verify, nothing was written:")
    assert "student/01_toy.ipynb: exercise 1.1's check passes before it is solved" in refused
    assert "instructor/01_toy.ipynb" not in refused  # the instructor version runs cleanly
    assert not out.exists()


def test_layout_problems_name_the_cells():
    nb = _toy_notebook('assert answer > 0, "Exercise 1.1: count them"')
    del nb.cells[-1]  # the check cell
    nb.cells[-2].metadata["tags"] = []
    with pytest.raises(course.CourseError) as broken:
        course.exercises(nb, "01_toy.ipynb")
    message = str(broken.value)
    assert "01_toy.ipynb: exercises break the layout" in message
    assert "the 2 cells after '## Exercises' are not task, solution, check triples" in message
    assert "in '## Exercises' but not tagged 'exercise': cell(s) 6" in message

    unmarked = _toy_notebook('assert answer > 0, "Exercise 1.1: count them"')
    unmarked.cells[-2].source = "answer = len(step.bundle.responses)"
    with pytest.raises(course.CourseError, match="exercise 1.1's solution has no '### BEGIN SOLUTION'"):
        course.student_version(unmarked, "01_toy.ipynb")


@pytest.fixture(scope="session")
def nbgrader() -> Path:
    """The python of the venv beside the kit's that ``make test`` installs nbgrader into
    (``.venv/nbgrader``, see the Makefile: not the kit's venv, since nbgrader pulls in
    jupyter_server and JupyterLab, which make every `import altair` about 2 s slower, PITFALLS.md),
    or skip saying so."""
    python = Path(sys.prefix) / "nbgrader" / ("Scripts" if os.name == "nt" else "bin") / "python"
    if not (python.exists() and subprocess.run([str(python), "-c", "import nbgrader"], capture_output=True).returncode == 0):
        pytest.skip(f"nbgrader is not installed in {python.parent.parent} (`make test` installs it there; "
                    "it needs the package index the first time)")
    return python


def test_nbgrader_generate_assignment_takes_the_instructor_notebooks(nbgrader, tmp_path):
    source = tmp_path / "source" / "cx"
    source.mkdir(parents=True)
    for name, nb in WITH_EXERCISES.items():
        nbformat.write(nb, source / f"{name}.ipynb")
    # nbgrader runs the `alembic` command of its environment, found on PATH
    env = os.environ | {"PATH": os.pathsep.join([str(nbgrader.parent), os.environ.get("PATH", "")])}
    done = subprocess.run([str(nbgrader), "-m", "nbgrader", "generate_assignment", "cx", "--force",
                           f"--CourseDirectory.root={tmp_path}"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    for name, nb in WITH_EXERCISES.items():
        released = nbformat.read(tmp_path / "release" / "cx" / f"{name}.ipynb", as_version=4)
        shown = {line.strip() for cell in released.cells for line in cell.source.splitlines()}
        assert not _secret_lines(nb) & shown, f"{name}: nbgrader released a solution or hidden test"
        cells = _by_grade_id(released)
        for exercise in course.exercises(nb):
            assert "raise NotImplementedError()" in cells[exercise.solution_id].source  # nbgrader's own stub
            assert cells[exercise.check_id].metadata["nbgrader"]["points"] == exercise.points
        # nbgrader's student version agrees with ours: same cells, hidden tests gone the same way
        ours = course.student_version(nb, name)
        assert [c.source for c in released.cells if c.cell_type == "markdown"] == \
               [c.source for c in ours.cells if c.cell_type == "markdown"]
        assert [c.source for c in released.cells if c.metadata.get("nbgrader", {}).get("grade")] == \
               [c.source for c in ours.cells if c.metadata.get("nbgrader", {}).get("grade")]


# nbgrader's cell metadata schema, version 3: nbgrader/nbgraderformat/v3.json (the JSON schema) and
# MetadataValidatorV3.validate_cell / validate_nb in nbgrader/nbgraderformat/v3.py (the rules
# across keys), nbgrader 0.9.6, written out here so the check runs without nbgrader installed.
NBGRADER_V3_KEYS = {"schema_version": int, "grade": bool, "locked": bool, "solution": bool, "task": bool,
                    "grade_id": str, "points": (int, float), "checksum": str, "cell_type": str}
NBGRADER_V3_REQUIRED = {"schema_version", "grade", "locked", "solution"}
NBGRADER_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")


def _nbgrader_v3_problems(cell) -> list[str]:
    """What nbgrader 0.9.6 would refuse in a cell's metadata (an empty list when it takes it)."""
    meta = cell.metadata["nbgrader"]
    problems = [f"missing {k}" for k in sorted(NBGRADER_V3_REQUIRED - set(meta))]
    problems += [f"additional property {k}" for k in sorted(set(meta) - set(NBGRADER_V3_KEYS))]
    problems += [f"{k} is {type(v).__name__}, not {NBGRADER_V3_KEYS[k]}" for k, v in meta.items()
                 if k in NBGRADER_V3_KEYS and (not isinstance(v, NBGRADER_V3_KEYS[k])
                                               or (NBGRADER_V3_KEYS[k] is not bool and isinstance(v, bool)))]
    if problems:
        return problems
    if meta["schema_version"] != 3:
        problems.append(f"schema_version {meta['schema_version']}, not 3")
    if "grade_id" in meta and not NBGRADER_GRADE_ID.match(meta["grade_id"]):
        problems.append(f"grade_id {meta['grade_id']!r} has characters other than letters, digits, _ and -")
    if (meta["grade"] or meta["solution"] or meta["locked"]) and not meta.get("grade_id"):
        problems.append("graded, solution or locked cell without a grade_id")
    if meta["grade"] and "points" not in meta:
        problems.append("grade cell without points")
    if "points" in meta and (not meta["grade"] or meta["points"] < 0):
        problems.append("points on a cell that is not graded, or below 0")
    if meta.get("task") and cell.cell_type != "markdown":
        problems.append("a task cell must be markdown")
    if not meta.get("task") and cell.cell_type == "markdown" and meta["grade"] != meta["solution"]:
        problems.append("a markdown cell must be both grade and solution, or neither")
    if "cell_type" in meta and meta["cell_type"] not in ("raw", "code", "markdown"):
        problems.append(f"cell_type {meta['cell_type']!r}")
    return problems


def test_exercise_cells_follow_nbgraders_v3_metadata_schema():
    for name, nb in WITH_EXERCISES.items():
        graded = [c for c in nb.cells if "nbgrader" in c.metadata]
        assert graded, f"{name} has no nbgrader cells"
        for cell in graded:
            problems = _nbgrader_v3_problems(cell)
            assert not problems, f"{name} {cell.metadata['nbgrader'].get('grade_id')}: {problems}"
        ids = [c.metadata["nbgrader"]["grade_id"] for c in graded]
        assert len(ids) == len(set(ids)), f"{name}: duplicate grade ids"  # validate_nb
    # the rules catch what nbgrader refuses
    broken = nbformat.v4.new_markdown_cell("x")
    broken.metadata["nbgrader"] = {"grade": True, "grade_id": "ex 1", "locked": False, "schema_version": 3,
                                   "solution": False, "weight": 1}
    assert _nbgrader_v3_problems(broken) == ["additional property weight"]
    del broken.metadata["nbgrader"]["weight"]
    assert _nbgrader_v3_problems(broken) == [
        "grade_id 'ex 1' has characters other than letters, digits, _ and -", "grade cell without points",
        "a markdown cell must be both grade and solution, or neither"]


def test_glossary_defines_the_terms_the_notebooks_use():
    terms = {line[3:].strip() for line in course.GLOSSARY.read_text().splitlines() if line.startswith("## ")}
    for term in ("NPS — Net Promoter Score", "CSAT — Customer satisfaction", "CES — Customer Effort Score",
                 "CLV — Customer lifetime value", "Churn and retention", "Persona", "Touchpoint", "Journey stage",
                 "Pain point", "Driver", "Theme", "Importance–performance", "Difference-in-differences", "Maturity",
                 "Silhouette and stability", "Channel switching", "Cost to serve", "Odds ratio",
                 "Parallel trends and placebo check"):
        assert term in terms, term
    assert sorted(terms, key=str.lower) == list(dict.fromkeys(
        line[3:].strip() for line in course.GLOSSARY.read_text().splitlines() if line.startswith("## ")))
