"""The teaching track: exercises in the step notebooks, the course built from them, grading.

A step notebook's exercises come last, in a section ``## Exercises`` after ``## Summary and next
step``. The section opens with one markdown cell that states the ``**Learning objectives:**`` (a
bullet list) and the time the step takes in class (``**Time:** about N minutes``). Each exercise
is then three cells:

1. a markdown task ``### Exercise 4.1 — <title>`` saying what to compute, with a ``**Hint:**``
   line;
2. the solution, a code cell whose answer sits between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION``;
3. a check, a code cell that recomputes the expected value with the kit and asserts with a
   message that starts ``Exercise 4.1:`` and says what is wrong and how to fix it; checks
   between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are not shown to students.

Every cell of the section is tagged ``exercise`` — a client run (``cxnb run``) drops them — and
carries nbgrader's cell metadata (schema version 3: task read-only, solution ``solution: true``,
check ``grade: true``, locked, with its points), so a course that already uses nbgrader can take
the notebooks as they are. :func:`exercise_cells` and :func:`exercises_section` make such cells.

:func:`build` writes the instructor version (the step notebooks as they are) and the student
version (each solution replaced by a placeholder that raises a helpful ``NotImplementedError``,
hidden checks removed), with a course README and the glossary, after checking that the
instructor notebooks run cleanly and that every student exercise fails its check.
:func:`check` grades a student's notebook without a server: it runs the notebook with the
instructor's checks (hidden ones included) and returns the score and hint per exercise;
:func:`check_all` grades a class's notebooks side by side.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from cxnb.config import load_config
from cxnb.errors import CxnbError
from cxnb.paths import NOTEBOOKS
from cxnb.report import GLOSSARY
from cxnb.runner import EXERCISE_TAG, default_jobs, execute_notebook, kernel_pool

__all__ = ["CourseError", "Exercise", "CheckResult", "Course", "exercise_cells", "exercises_section", "exercises",
           "student_version", "build", "check", "check_all", "GLOSSARY"]

SECTION = "## Exercises"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_TITLE = re.compile(r"^### Exercise (\d+\.\d+) — (.+)$", re.M)
_HINT = re.compile(r"^\*\*Hint:\*\*\s*(.+)$", re.M)
_OBJECTIVES = re.compile(r"\*\*Learning objectives:\*\*\s*\n((?:\s*[-*] .+\n?)+)")
_TIME = re.compile(r"\*\*Time:\*\*\s*about (\d+) minutes")
_RAISES = "raises-exception"  # nbclient runs on past a failing cell so tagged
_COLUMNS = ["exercise", "title", "points", "score", "passed", "hint"]


class CourseError(CxnbError):
    """A notebook's exercises break the teaching-track layout, or the course does not verify."""


def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
              points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    return meta | ({"points": points} if grade else {})


def exercises_section(step: int, objectives: list[str], minutes: int) -> nbformat.NotebookNode:
    """The markdown cell that opens a notebook's exercises.

    >>> cell = exercises_section(4, ["read a KPI with its interval"], 40)
    >>> print(cell.source)
    ## Exercises
    <BLANKLINE>
    **Learning objectives:**
    <BLANKLINE>
    - read a KPI with its interval
    <BLANKLINE>
    **Time:** about 40 minutes for the step, exercises included.
    >>> cell.metadata["nbgrader"]["grade_id"], cell.metadata["tags"]
    ('ex04-objectives', ['exercise'])
    """
    source = (f"{SECTION}\n\n**Learning objectives:**\n\n" + "\n".join(f"- {o}" for o in objectives)
              + f"\n\n**Time:** about {minutes} minutes for the step, exercises included.")
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata = {"tags": [EXERCISE_TAG], "nbgrader": _nbgrader(f"ex{step:02d}-objectives", locked=True)}
    return cell


def exercise_cells(label: str, title: str, *, task: str, hint: str, solution: str, check: str,
                   given: str = "", show: str = "", points: int = 1, hidden: str = "") -> list[nbformat.NotebookNode]:
    """The three cells of exercise ``label`` (e.g. ``"4.1"``): task, solution, check.

    ``solution`` is the answer's code (it goes between the solution markers), ``given`` lines
    before it that students get too (imports), ``show`` the lines after it that display the
    answer, ``check`` the visible checks (asserts with a hint), ``hidden`` checks that students
    do not see; the check ends by saying the exercise passed (``step.say``). Returns markdown,
    code and code cells with nbgrader metadata (grade ids ``ex4_1-task``, ``ex4_1``,
    ``ex4_1-check``).

    >>> task, answer, grader = exercise_cells("4.1", "The answer", task="Set `x` to 42.", hint="`x = ...`",
    ...                                       solution="x = 6 * 7", check='assert x == 42, "x is not 42"')
    >>> print(answer.source)
    ### BEGIN SOLUTION
    x = 6 * 7
    ### END SOLUTION
    >>> grader.metadata["nbgrader"]["points"], grader.metadata["nbgrader"]["locked"]
    (1, True)
    """
    grade_id = "ex" + label.replace(".", "_")
    task_cell = nbformat.v4.new_markdown_cell(f"### Exercise {label} — {title}\n\n{task}\n\n**Hint:** {hint}")
    task_cell.metadata = {"tags": [EXERCISE_TAG], "nbgrader": _nbgrader(f"{grade_id}-task", locked=True)}
    code = "\n".join([*([given.strip()] if given.strip() else []), BEGIN_SOLUTION, solution.strip(), END_SOLUTION,
                      *([show.strip()] if show.strip() else [])])
    solution_cell = nbformat.v4.new_code_cell(code)
    solution_cell.metadata = {"tags": [EXERCISE_TAG], "nbgrader": _nbgrader(grade_id, solution=True)}
    hidden_lines = [BEGIN_HIDDEN, hidden.strip(), END_HIDDEN] if hidden.strip() else []
    passed = f'step.say("Exercise {label} passed.")'
    check_cell = nbformat.v4.new_code_cell("\n".join([check.strip(), *hidden_lines, passed]))
    check_cell.metadata = {"tags": [EXERCISE_TAG],
                           "nbgrader": _nbgrader(f"{grade_id}-check", grade=True, locked=True, points=points)}
    return [task_cell, solution_cell, check_cell]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: its label (``4.1``), title, hint, points and grade ids."""

    label: str
    title: str
    hint: str
    points: int
    solution_id: str
    check_id: str


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _section_start(nb, name: str) -> int | None:
    starts = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith(SECTION)]
    if len(starts) > 1:
        raise CourseError(f"{name}: {len(starts)} '{SECTION}' sections; expected one, at the end")
    return starts[0] if starts else None


def exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """The exercises of a notebook, in order (an empty list when it has none).

    Raises :class:`CourseError` naming every cell of the ``## Exercises`` section that breaks
    the layout (see the module docstring); ``name`` is used in the message.
    """
    start = _section_start(nb, name)
    if start is None:
        return []
    cells, problems, found = nb.cells[start + 1:], [], []
    if len(cells) % 3 or not cells:
        problems.append(f"the {len(cells)} cells after '{SECTION}' are not task, solution, check triples")
    for k in range(0, len(cells) - len(cells) % 3, 3):
        task, solution, grader = cells[k:k + 3]
        where = f"cells {start + k + 2}–{start + k + 4}"
        title, hint = _TITLE.search(task.source), _HINT.search(task.source)
        meta_solution = solution.metadata.get("nbgrader", {})
        meta_check = grader.metadata.get("nbgrader", {})
        if task.cell_type != "markdown" or not title or not hint:
            problems.append(f"{where}: the task must be markdown with '### Exercise N.k — title' "
                            "and a '**Hint:**' line")
        if solution.cell_type != "code" or not meta_solution.get("solution"):
            problems.append(f"{where}: the solution must be a code cell with nbgrader solution: true")
        if grader.cell_type != "code" or not meta_check.get("grade") or not meta_check.get("locked") \
                or not meta_check.get("points"):
            problems.append(f"{where}: the check must be a locked code cell with nbgrader grade: true and points")
        if title and hint and meta_solution.get("grade_id") and meta_check.get("grade_id"):
            found.append(Exercise(title.group(1), title.group(2).strip(), hint.group(1).strip(),
                                  int(meta_check["points"]), meta_solution["grade_id"], meta_check["grade_id"]))
    untagged = [start + 1 + i for i, c in enumerate(nb.cells[start:]) if EXERCISE_TAG not in c.metadata.get("tags", [])]
    if untagged:
        problems.append(f"in '{SECTION}' but not tagged '{EXERCISE_TAG}': cell(s) {', '.join(map(str, untagged))}")
    if problems:
        raise CourseError(f"{name}: exercises break the layout:\n  " + "\n  ".join(problems))
    return found


def _replace_regions(source: str, begin: str, end: str, replacement) -> str:
    """``source`` with each ``begin`` … ``end`` block (marker lines included) replaced by
    ``replacement(indent)`` lines, or removed when it returns none."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
            out.extend(replacement(line[: len(line) - len(line.lstrip())]))
        elif line.strip() == end:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def student_version(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The notebook a student gets: each solution replaced by a line that raises
    ``NotImplementedError("Exercise 4.1: ... Hint: ...")``, hidden checks removed, no outputs.

    >>> nb = nbformat.v4.new_notebook(cells=[exercises_section(4, ["add"], 10), *exercise_cells(
    ...     "4.1", "Add", task="Set `x`.", hint="`6 * 7`", solution="x = 6 * 7",
    ...     check='assert x == 42, "x is not 42"', hidden="assert isinstance(x, int)")])
    >>> for cell in student_version(nb).cells[2:]:
    ...     print(cell.source)
    raise NotImplementedError("Exercise 4.1 (Add): replace this line with your code. Hint: `6 * 7`")
    assert x == 42, "x is not 42"
    step.say("Exercise 4.1 passed.")
    """
    found = {e.solution_id: e for e in exercises(nb, name)}
    student = nbformat.from_dict(nb)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        exercise = found.get(_grade_id(cell))
        if exercise is not None:
            if BEGIN_SOLUTION not in cell.source or END_SOLUTION not in cell.source:
                raise CourseError(f"{name}: exercise {exercise.label}'s solution has no '{BEGIN_SOLUTION}' / "
                                  f"'{END_SOLUTION}' markers around the answer; a student would see it")
            message = (f"Exercise {exercise.label} ({exercise.title}): replace this line with your code. "
                       f"Hint: {exercise.hint}")
            placeholder = f"raise NotImplementedError({_literal(message)})"
            cell.source = _replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION,
                                           lambda indent: [indent + placeholder])
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = _replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, lambda indent: [])
    return student


def _literal(text: str) -> str:
    """A Python string literal of ``text`` in double quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------------------------
# Running notebooks and reading what their exercises did


@dataclass
class CheckResult:
    """A graded notebook: one row per exercise and the problems outside the exercises.

    ``exercises`` has the columns ``exercise, title, points, score, passed, hint`` (``hint`` is
    the failing check's message, empty when it passed).
    """

    notebook: str
    exercises: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.exercises["passed"].all())

    def summary(self) -> str:
        """The per-exercise score and hints as text."""
        table = self.exercises
        lines = [f"{self.notebook}: {int(table['passed'].sum())} of {len(table)} exercises passed, "
                 f"score {int(table['score'].sum())}/{int(table['points'].sum())}"]
        for row in table.itertuples():
            status = "passed" if row.passed else "FAILED"
            lines.append(f"  Exercise {row.exercise} {row.title}: {status} ({row.score}/{row.points})"
                         + ("" if row.passed else f"\n      {row.hint}"))
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


def _error(cell) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def _for_grading(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy in which the exercises' code cells may fail without stopping the notebook."""
    graded = nbformat.from_dict(nb)
    for cell in graded.cells:
        if cell.cell_type == "code" and EXERCISE_TAG in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], _RAISES]
    return graded


def _hint(check_cell, solution_cell, exercise: Exercise) -> str:
    """Why an exercise failed: the check's message, and what the student's code raised."""
    if check_cell is None or check_cell.get("execution_count") is None:
        return "the check did not run: the notebook stopped before it"
    error = _error(check_cell)
    if error is None:
        return ""
    hint = error["evalue"] if error["ename"] == "AssertionError" else f"{error['ename']}: {error['evalue']}"
    raised = _error(solution_cell) if solution_cell is not None else None
    if raised is not None and raised["ename"] == "NotImplementedError":
        hint += f" (not answered yet; hint: {exercise.hint})"
    elif raised is not None:
        hint += f" (your code raised {raised['ename']}: {raised['evalue']})"
    return hint


def _grade(executed, error: dict | None, found: list[Exercise], name: str) -> CheckResult:
    """Scores and hints from an executed notebook, and errors or unrun cells outside the exercises;
    ``error`` is what the execution reported (see :func:`cxnb.runner.execute_notebook`)."""
    if executed is None:
        rows = [{"exercise": e.label, "title": e.title, "points": e.points, "score": 0, "passed": False,
                 "hint": "the notebook did not run"} for e in found]
        return CheckResult(name, pd.DataFrame(rows, columns=_COLUMNS),
                           [f"not executed: {error['ename']}: {error['evalue']}" if error else "not executed"])
    cells = {_grade_id(c): c for c in executed.cells if _grade_id(c)}
    rows = []
    for exercise in found:
        hint = _hint(cells.get(exercise.check_id), cells.get(exercise.solution_id), exercise)
        rows.append({"exercise": exercise.label, "title": exercise.title, "points": exercise.points,
                     "score": 0 if hint else exercise.points, "passed": not hint, "hint": hint})
    own = [c for c in executed.cells if not {"injected-parameters", "papermill-error-cell-tag"}
           & set(c.metadata.get("tags", []))]
    steps = [(number, c) for number, c in enumerate(own, start=1)
             if c.cell_type == "code" and EXERCISE_TAG not in c.metadata.get("tags", [])]
    problems = [f"cell {number} ({(cell.source.splitlines() or [''])[0][:80]}) failed: "
                f"{_error(cell)['ename']}: {_error(cell)['evalue']}" for number, cell in steps if _error(cell)]
    unrun = [number for number, cell in steps if cell.get("execution_count") is None]
    if unrun:
        problems.append(f"{len(unrun)} of the step's {len(steps)} code cells did not run, from cell {unrun[0]} on")
    return CheckResult(name, pd.DataFrame(rows, columns=_COLUMNS), problems)


def _execute_all(jobs: list[tuple[str, nbformat.NotebookNode, Path]], workers: int, timeout: float,
                 config: Path | str | None = None) -> dict:
    """Run notebooks in the kit's kernel, each with its own artifact folder (and on ``config``
    when given, else on the notebook's own); key → (nb, error). A ``config`` that does not load
    raises its :class:`~cxnb.errors.ConfigError` before anything runs."""
    if config is not None:
        load_config(config)
    parameters = {} if config is None else {"config": str(Path(config).resolve())}
    results = {}
    with kernel_pool(min(workers, len(jobs))) as pool:
        futures = {key: pool.submit(execute_notebook, nb, folder / "executed.ipynb",
                                    parameters=parameters | {"output_dir": str(folder / "artifacts")}, timeout=timeout,
                                    cwd=folder)
                   for key, nb, folder in jobs}
        for key, future in futures.items():
            results[key] = future.result()
    return results


# ---------------------------------------------------------------------------------------------
# Building the course


def _overview_line(nb, label: str) -> str:
    match = re.search(rf"\*\*{label}:\*\*\s*(.+?)(?:\n\n|\n- |$)", nb.cells[0].source, re.S)
    return " ".join(match.group(1).split()) if match else ""


def _plan(name: str, nb, found: list[Exercise]) -> dict:
    """What the course README says about a step: title, question, objectives, time, exercises."""
    heading = nb.cells[_section_start(nb, name)].source
    objectives, minutes = _OBJECTIVES.search(heading), _TIME.search(heading)
    if not objectives or not minutes:
        raise CourseError(f"{name}: the '{SECTION}' cell needs '**Learning objectives:**' with a bullet list "
                          "and '**Time:** about N minutes'")
    return {"name": name, "title": nb.cells[0].source.splitlines()[0].lstrip("# ").strip(),
            "question": _overview_line(nb, "The question"), "minutes": int(minutes.group(1)),
            "objectives": [line.strip()[2:] for line in objectives.group(1).strip().splitlines()],
            "exercises": found}


def _readme(plans: list[dict], folder: str) -> str:
    total, example = sum(p["minutes"] for p in plans), f"{folder}/student/{plans[0]['name']}.ipynb"
    lines = [
        "# The CX method course", "",
        f"{len(plans)} steps of the customer-experience method, taught on the sample companies, "
        f"about {total / 60:.1f} hours in class. Each step is a notebook: read the step, run it, then solve "
        "the exercises at its end.", "",
        "- `student/`: the notebooks for students — each exercise raises `NotImplementedError` until solved.",
        "- `instructor/`: the same notebooks with the solutions and every check, hidden ones included.",
        "- `docs/glossary.md`: the CX terms the notebooks use.", "",
        "## How to run it", "",
        "From the kit's folder, install the kit with JupyterLab and register its kernel:", "",
        "```bash",
        "make setup                           # .venv with the kit and the \"Python (cxnb)\" kernel",
        ".venv/bin/pip install -e \".[lab]\"    # JupyterLab",
        f".venv/bin/jupyter lab {folder}/student/",
        "```", "",
        "(Without make: `pip install -e \".[lab]\"` and "
        "`python -m ipykernel install --sys-prefix --name cxnb --display-name \"Python (cxnb)\"`.)",
        "Open a notebook, pick the kernel \"Python (cxnb)\", and run it from the top: the notebook works on "
        "the B2C sample company (set `config` in the parameters cell to another client's YAML file, such "
        "as the B2B sample's `data/samples/b2b/client.yaml`, to work on it). After each "
        "exercise, run its check cell: it says what is wrong and gives a hint.", "",
        "Grade a notebook without a server (the instructor's checks, hidden ones included, replace the "
        "notebook's own):", "",
        "```bash", f".venv/bin/cxnb course check {example}", "```", "",
        "It prints each exercise's score and hint; the exit status is 1 while some exercise fails. "
        "Courses that use nbgrader can put the instructor notebooks in `source/<assignment>/` and run "
        "`nbgrader generate_assignment <assignment>`: the cells carry nbgrader's metadata.", "",
        "## Plan", "",
        "| step | question | time | exercises |", "|---|---|---|---|",
    ]
    lines += [f"| {p['title']} | {p['question']} | {p['minutes']} min | {len(p['exercises'])} |" for p in plans]
    for plan in plans:
        lines += ["", f"## {plan['title']}", "", f"Notebook `{plan['name']}.ipynb` · about {plan['minutes']} minutes.",
                  "", "You will learn to:", ""]
        lines += [f"- {o}" for o in plan["objectives"]]
        lines += ["", "Exercises:", ""]
        lines += [f"- {e.label} {e.title} ({e.points} point{'s' if e.points > 1 else ''})" for e in plan["exercises"]]
    return "\n".join(lines) + "\n"


def _problems(graded: dict[str, CheckResult]) -> list[str]:
    """What keeps a course from verifying: an instructor notebook that fails anywhere, a student
    notebook that fails outside its exercises, or a student exercise whose check passes unsolved."""
    problems = []
    for key, result in graded.items():
        problems += [f"{key}.ipynb: {p}" for p in result.problems]
        for row in result.exercises.itertuples():
            if key.startswith("instructor/") and not row.passed:
                problems.append(f"{key}.ipynb: exercise {row.exercise} fails with its solution: {row.hint}")
            if key.startswith("student/") and row.passed:
                problems.append(f"{key}.ipynb: exercise {row.exercise}'s check passes before it is solved")
    return problems


@dataclass
class Course:
    """A built course: its folder, the notebooks written, and how each version ran when it was
    verified (``graded["instructor/04_define_kpis"]``, ``graded["student/04_define_kpis"]``)."""

    folder: Path
    notebooks: list[Path]
    graded: dict[str, CheckResult]


def build(out: Path | str = "course", *, notebooks: Path = NOTEBOOKS, config: Path | str | None = None,
          jobs: int | None = None, timeout: float = 600, progress=print) -> Course:
    """Build the course into ``out``: ``instructor/`` and ``student/`` versions of every step
    notebook that has exercises, ``README.md`` and ``docs/glossary.md``.

    Before anything is written, every instructor notebook runs and must pass all its checks, and
    every student notebook runs with each exercise's check failing with a hint while the rest of
    the notebook runs — on the client ``config`` (a YAML file) when given, else on the notebooks'
    own (the B2C sample): a course taught on another company is verified on it. Raises
    :class:`CourseError` listing every problem (and writes nothing) otherwise. Returns the
    :class:`Course`.
    """
    if not GLOSSARY.exists():
        raise CourseError(f"the glossary {GLOSSARY.name} is missing from {GLOSSARY.parent}; the notebooks link to it")
    sources = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    instructor, found = {}, {}
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        listed = exercises(nb, path.name)
        if listed:
            instructor[path.stem], found[path.stem] = nb, listed
    if not instructor:
        raise CourseError(f"no notebook in {notebooks} has an '{SECTION}' section; nothing to build")
    student = {name: student_version(nb, name) for name, nb in instructor.items()}
    plans = [_plan(name, nb, found[name]) for name, nb in instructor.items()]
    progress(f"verifying {len(instructor)} notebooks, instructor and student versions")
    with tempfile.TemporaryDirectory(prefix="cxnb-course-") as scratch:
        jobs_list = []
        for version, notebooks_ in (("instructor", instructor), ("student", student)):
            for name, nb in notebooks_.items():
                folder = Path(scratch) / version / name
                folder.mkdir(parents=True)
                jobs_list.append(((name, version), nb if version == "instructor" else _for_grading(nb), folder))
        runs = _execute_all(jobs_list, jobs or default_jobs(), timeout, config)
    graded = {f"{version}/{name}": _grade(*runs[(name, version)], found[name], f"{version}/{name}")
              for name, version in runs}
    problems = _problems(graded)
    if problems:
        raise CourseError("the course does not verify, nothing was written:\n  " + "\n  ".join(problems))
    out = Path(out)
    written = []
    for version, notebooks_ in (("instructor", instructor), ("student", student)):
        shutil.rmtree(out / version, ignore_errors=True)  # a previous build's notebooks, rebuilt below
        (out / version).mkdir(parents=True)
        for name, nb in notebooks_.items():
            nbformat.write(nb, out / version / f"{name}.ipynb")
            written.append(out / version / f"{name}.ipynb")
    (out / "docs").mkdir(parents=True, exist_ok=True)
    shutil.copy(GLOSSARY, out / "docs" / "glossary.md")
    (out / "README.md").write_text(_readme(plans, out.name), encoding="utf-8")
    progress(f"course written to {out}: {len(instructor)} steps, "
             f"{sum(len(f) for f in found.values())} exercises")
    return Course(out, written, graded)


# ---------------------------------------------------------------------------------------------
# Grading a student's notebook


def _instructor_checks(name: str, notebooks: Path) -> dict[str, str]:
    path = Path(notebooks) / f"{name}.ipynb"
    if not path.exists():
        raise CourseError(f"no instructor notebook {path.name} in {notebooks} to take the checks from")
    nb = nbformat.read(path, as_version=4)
    return {e.check_id: c.source for e in exercises(nb, path.name) for c in nb.cells if _grade_id(c) == e.check_id}


def _step_name(nb, path: Path) -> str:
    match = re.search(r'cxnb\.setup\("(\d\d_\w+)"', "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    if not match:
        raise CourseError(f"{path}: no cxnb.setup(\"NN_step\", ...) cell; is this one of the kit's step notebooks?")
    return match.group(1)


def _graded_copy(path: Path, notebooks: Path) -> tuple[nbformat.NotebookNode, list[Exercise]]:
    """A student's notebook read from ``path`` with the instructor's checks in place, and its exercises."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise CourseError(f"cannot read the notebook {path}: {exc}") from exc
    found = exercises(nb, path.name)
    if not found:
        raise CourseError(f"{path} has no '{SECTION}' section: nothing to grade")
    checks = _instructor_checks(_step_name(nb, path), notebooks)
    missing = [e.label for e in found if e.check_id not in checks]
    if missing:
        raise CourseError(f"{path}: exercise(s) {', '.join(missing)} are not in the instructor notebook")
    graded = _for_grading(nb)
    for cell in graded.cells:
        if _grade_id(cell) in checks:
            cell.source = checks[_grade_id(cell)]
    return graded, found


def check_all(paths: list[Path | str], *, notebooks: Path = NOTEBOOKS, config: Path | str | None = None,
              jobs: int | None = None, timeout: float = 600) -> list[CheckResult]:
    """Grade several students' notebooks (see :func:`check`), ``jobs`` at a time (default: twice
    the cores); one :class:`CheckResult` per notebook, in order, named by its path as given
    (students' files often share a name). Every notebook is read and matched with its instructor
    notebook before any runs: when some cannot be graded, one :class:`CourseError` names every
    one of them and nothing runs."""
    prepared, problems = [], []
    for p in paths:
        try:
            prepared.append(_graded_copy(Path(p), notebooks))
        except CourseError as exc:
            problems.append(str(exc))
    if problems:
        raise CourseError("\n".join(problems))
    with tempfile.TemporaryDirectory(prefix="cxnb-check-") as scratch:
        jobs_list = []
        for i, (graded, _) in enumerate(prepared):
            (Path(scratch) / str(i)).mkdir()
            jobs_list.append((i, graded, Path(scratch) / str(i)))
        runs = _execute_all(jobs_list, jobs or default_jobs(), timeout, config)
    return [_grade(*runs[i], found, str(p)) for i, (p, (_, found)) in enumerate(zip(paths, prepared))]


def check(notebook: Path | str, *, notebooks: Path = NOTEBOOKS, config: Path | str | None = None,
          timeout: float = 600) -> CheckResult:
    """Grade a student's notebook: run it (with its own ``config``, the B2C sample unless the
    student changed it, or with ``config`` when given — re-running on another company catches
    answers typed in rather than computed) with each check cell replaced by the instructor's,
    hidden checks included, and return the score and hint per exercise.

    The student's file is not changed. Raises :class:`CourseError` when the notebook cannot be
    read, has no exercises, or has an exercise the instructor notebook lacks.
    """
    return check_all([notebook], notebooks=notebooks, config=config, jobs=1, timeout=timeout)[0]
