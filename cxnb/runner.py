"""Run the step notebooks for one or more clients and publish one report per client.

:func:`run` checks everything it can before any notebook starts (each config and its data,
the parameter names against each notebook's ``parameters`` cell), then executes every
(client, step) with papermill in separate processes — a step only starts once the steps it
reads from (``metadata.cxnb.reads`` in its notebook) have finished — in a private staging
folder, with a kernel that runs this very Python and a per-cell timeout. Every failure is
caught: a raising cell, a timeout, a dead kernel (whose saved notebook looks complete), and a
notebook that stopped early. Each executed notebook becomes an offline HTML page.
Cells tagged ``exercise`` (the teaching track's exercises, see :mod:`cxnb.course`) are
dropped before a notebook runs: they never reach a client's report.

Publishing is atomic per client: a run in which every step succeeded replaces
``<out>/<client>/`` with one directory rename, the previous report moving to
``<out>/.history/<client>/`` (the last three are kept); a run with any failure goes to
``<out>/.failed/<client>/<run>/`` with its manifest and executed notebooks, and the last good
report stays untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

import nbformat
import papermill

from cxnb.bundle import SNAPSHOT, Bundle, format_problems, load_bundle, save_snapshot
from cxnb.config import load_config
from cxnb.errors import ConfigError, CxnbError, SchemaError
from cxnb.paths import NOTEBOOKS, REPORTS
from cxnb.report import export_html, step_title, write_index, write_manifest

__all__ = ["StepSpec", "ParameterError", "discover_steps", "check_parameters", "default_jobs", "run", "KEEP",
           "EXERCISE_TAG", "client_notebook", "execute_notebook", "kernel_pool"]

KEEP = 3  # reports kept in .history and .failed per client
KERNEL = "cxnb-run"
EXERCISE_TAG = "exercise"  # teaching-track cells: a client run drops them
BASE_PARAMETERS = ("config", "output_dir", "interactive")
_VERSIONS = ("cxnb", "pandas", "numpy", "narwhals", "altair", "papermill", "nbconvert", "scipy")


class ParameterError(CxnbError):
    """A parameter name is not a notebook's parameter, or not a Python identifier."""


@dataclass(frozen=True)
class StepSpec:
    """A step notebook: ``04_define_kpis.ipynb`` → number 4, name ``04_define_kpis``."""

    number: int
    name: str
    path: Path
    reads: tuple[str, ...]
    parameters: tuple[str, ...]


def discover_steps(folder: Path = NOTEBOOKS) -> list[StepSpec]:
    """The step notebooks in ``folder``, in order, with what they read and their parameters."""
    steps = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        reads = tuple(nb.metadata.get("cxnb", {}).get("reads", []))
        parameters = tuple(papermill.inspect_notebook(str(path)))
        steps.append(StepSpec(int(path.name[:2]), path.stem, path, reads, parameters))
    return steps


def check_parameters(steps: list[StepSpec], names) -> None:
    """Refuse names that are not identifiers or that some step's ``parameters`` cell lacks."""
    bad = [n for n in names if not (isinstance(n, str) and n.isidentifier())]
    if bad:
        raise ParameterError(f"parameter name(s) {', '.join(map(repr, bad))} are not Python identifiers")
    problems = [f"{s.path.name} has no parameter {n!r} (its parameters: {', '.join(s.parameters)})"
                for s in steps for n in names if n not in s.parameters]
    if problems:
        raise ParameterError("unknown parameter(s), nothing was run:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------------------------------------
# One (client, step) in a worker process


def _kernel_folder() -> str:
    """A Jupyter data folder with one kernel spec that runs this Python (never a stale one)."""
    folder = Path(tempfile.mkdtemp(prefix="cxnb-kernel-"))
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.log_level=CRITICAL"],
        "display_name": "cxnb (runner)", "language": "python"}))
    return str(folder)


def _init_worker(kernel_folder: str) -> None:
    os.environ["JUPYTER_PATH"] = kernel_folder


@contextmanager
def kernel_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes in which :func:`execute_notebook` finds the kit's kernel, removed after."""
    kernel_folder = _kernel_folder()
    try:
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("fork"),
                                 initializer=_init_worker, initargs=(kernel_folder,)) as pool:
            yield pool
    finally:
        shutil.rmtree(kernel_folder, ignore_errors=True)


_ADDED_BY_PAPERMILL = {"injected-parameters", "papermill-error-cell-tag"}


def _failure(nb: nbformat.NotebookNode, error: dict | None) -> dict | None:
    """The error of an executed notebook, including a kernel that died without raising.

    ``cell`` is the failing cell's number in the step's own notebook (papermill's added cells
    not counted), ``source`` its first line.
    """
    own = [c for c in nb.cells if not _ADDED_BY_PAPERMILL & set(c.metadata.get("tags", []))]
    code = [(i, c) for i, c in enumerate(own) if c.cell_type == "code"]
    failed = [(i, c) for i, c in code if c.metadata.get("papermill", {}).get("status") in ("failed", "running")]
    unrun = [(i, c) for i, c in code if c.get("execution_count") is None]
    if error is None and not unrun:
        return None
    started = [(i, c) for i, c in code if c.metadata.get("papermill", {}).get("start_time")]
    if failed:  # a raising cell
        index, cell = failed[0]
    elif error and started:  # a timeout or a dead kernel: the last cell that started
        index, cell = started[-1]
    else:  # stopped early without an error
        index, cell = unrun[0] if unrun else (None, None)
    error = error or {"ename": "NotExecuted", "evalue": "the kernel stopped before running every cell"}
    if cell is not None:
        error |= {"cell": index + 1, "source": cell.source.splitlines()[0][:120] if cell.source else ""}
    return error


def client_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook a client run executes: ``nb`` without its cells tagged ``exercise``
    (the teaching track's exercises, see :mod:`cxnb.course`). ``nb`` is left unchanged."""
    kept = nbformat.from_dict(nb)
    kept.cells = [c for c in kept.cells if EXERCISE_TAG not in c.metadata.get("tags", [])]
    return kept


def execute_notebook(nb: nbformat.NotebookNode, output: Path, *, parameters: dict, timeout: float,
                     cwd: Path) -> tuple[nbformat.NotebookNode | None, dict | None]:
    """Run ``nb`` with papermill in the kit's kernel (inside :func:`kernel_pool`'s workers) and
    save it to ``output``. Returns the executed notebook (None when none was saved) and
    papermill's error (``ename``, ``evalue``) or None; never raises."""
    error = None
    try:
        papermill.execute_notebook(nb, str(output), parameters=parameters, kernel_name=KERNEL, progress_bar=False,
                                   execution_timeout=timeout, cwd=str(cwd))
    except papermill.PapermillExecutionError as exc:
        error = {"ename": exc.ename, "evalue": exc.evalue}
    except Exception as exc:  # timeouts, dead kernels, papermill's own errors: all end the notebook
        error = {"ename": type(exc).__name__, "evalue": str(exc).strip().splitlines()[0] if str(exc) else ""}
    try:
        return nbformat.read(output, as_version=4), error
    except Exception as exc:
        return None, error or {"ename": type(exc).__name__, "evalue": f"no executed notebook ({exc})"}


def _execute(task: dict) -> dict:
    """Run one notebook and export it; never raises (the result says what happened)."""
    start, started = time.perf_counter(), _now()
    nb, error = execute_notebook(client_notebook(nbformat.read(task["notebook"], as_version=4)), Path(task["output"]),
                                 parameters=task["parameters"], timeout=task["timeout"], cwd=Path(task["cwd"]))
    if nb is not None:
        try:
            error = _failure(nb, error)
            message = f"cell {error.get('cell', '?')}: {error['ename']}: {error['evalue']}" if error else None
            export_html(nb, Path(task["html"]), context=task["context"] | {"failed": message})
        except Exception as exc:
            error = error or {"ename": type(exc).__name__, "evalue": f"no executed notebook to export ({exc})"}
    return {"status": "failed" if error else "ok", "duration_s": round(time.perf_counter() - start, 2),
            "started": started, "finished": _now(), "error": error}


# ---------------------------------------------------------------------------------------------
# A client's run


@dataclass
class _Client:
    config_path: Path
    out: Path
    name: str = ""
    slug: str = ""
    bundle: Bundle | None = None
    problem: str | None = None
    period: str = ""
    staging: Path | None = None
    started: str = ""
    results: dict = field(default_factory=dict)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _prepare(config_path: Path, out: Path) -> _Client:
    client = _Client(Path(config_path), out, name=str(config_path), slug=Path(config_path).stem)
    try:
        config = load_config(config_path)
        client.name, client.slug = config.name, config.slug
        client.bundle = load_bundle(config)
    except ConfigError as exc:
        client.problem = f"unusable config: {exc}"
    except SchemaError as exc:
        client.problem = f"data problems:\n{format_problems(exc.problems[exc.problems['severity'] == 'error'])}"
    client.started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    client.period = _period(client.bundle)
    return client


def _period(bundle: Bundle | None) -> str:
    if bundle is None:
        return ""
    summary = bundle.summary()
    summary = summary[summary["table"] != "customers"]  # sign-up dates reach back before the data
    first, last = summary["first"].dropna(), summary["last"].dropna()
    return f"{min(first)} to {max(last)}" if len(first) else ""


def _task(client: _Client, step: StepSpec, timeout: float, parameters: dict) -> dict:
    config = client.bundle.config
    return {
        "notebook": str(step.path), "output": str(client.staging / "notebooks" / step.path.name),
        "html": str(client.staging / "steps" / f"{step.name}.html"), "timeout": timeout,
        "cwd": str(client.staging),
        "parameters": {"config": str(client.config_path.resolve()), "output_dir": str(client.staging / "artifacts"),
                       "interactive": False, **parameters},
        "context": {"client": config.name, "step": step_title(step.name), "cycle": config.cycle or "–",
                    "period": client.period, "run_date": client.started[:10]},
    }


def _versions() -> dict:
    found = {"python": sys.version.split()[0]}
    for name in _VERSIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _manifest(client: _Client, steps: list[StepSpec]) -> dict:
    bundle = client.bundle
    inputs = {} if bundle is None else {
        table: {"file": str(raw.path), "sha256": raw.sha256, "rows": len(bundle.tables[table])}
        for table, raw in bundle.sources.items()}
    rows = [{"step": s.name, "notebook": f"notebooks/{s.path.name}", "html": f"steps/{s.name}.html",
             **client.results.get(s.name, {"status": "not run", "duration_s": 0.0, "error": None})} for s in steps]
    failed = client.problem or any(r["status"] != "ok" for r in rows)
    return {"client": client.name, "slug": client.slug, "config": str(client.config_path),
            "cycle": bundle.config.cycle if bundle else None, "period": client.period,
            "started": client.started, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "status": "failed" if failed else "ok", "problem": client.problem, "versions": _versions(),
            "inputs": inputs, "steps": rows}


def _prune(folder: Path) -> None:
    runs = sorted(p for p in folder.iterdir() if p.is_dir())
    for old in runs[:-KEEP]:
        shutil.rmtree(old)


def _publish(client: _Client, manifest: dict) -> Path:
    """Move the staged run into place; only a fully successful run replaces the report."""
    stamp = _stamp()
    if manifest["status"] == "ok":
        current = client.out / client.slug
        if current.exists():
            history = client.out / ".history" / client.slug
            history.mkdir(parents=True, exist_ok=True)
            current.rename(history / stamp)
            _prune(history)
        client.staging.rename(current)
        return current
    failed = client.out / ".failed" / client.slug
    failed.mkdir(parents=True, exist_ok=True)
    target = failed / stamp
    if client.staging is not None and client.staging.exists():
        client.staging.rename(target)
    else:
        target.mkdir()
    write_manifest(manifest, target)
    _prune(failed)
    return target


@dataclass
class RunResult:
    """What a run produced: per client, its status and where its report (or failed run) is."""

    clients: list[dict]

    @property
    def ok(self) -> bool:
        return all(c["status"] == "ok" for c in self.clients)


def default_jobs() -> int:
    """Notebooks run at once by default: twice the cores, because each notebook spends much of
    its time waiting (kernel start-up, messages to the kernel, file writes). Measured on 2 cores,
    the B2C sample's four steps: 11.7 s with 3 at once, 10.0 s with 4."""
    return 2 * (os.cpu_count() or 1)


def run(configs, *, steps: list[int] | None = None, out: Path = REPORTS, jobs: int | None = None,
        timeout: float = 600,
        parameters: dict | None = None, notebooks: Path = NOTEBOOKS, progress=print) -> RunResult:
    """Produce a report per client config. Returns a :class:`RunResult`; never raises for a
    failing client or step (see the module docstring); raises :class:`ParameterError` before
    running anything if a parameter name is wrong."""
    parameters = dict(parameters or {})
    selected = [s for s in discover_steps(notebooks) if steps is None or s.number in steps]
    if not selected:
        raise CxnbError(f"no step notebooks {'numbered ' + str(steps) + ' ' if steps else ''}in {notebooks}")
    check_parameters(selected, [*BASE_PARAMETERS, *parameters])
    out = Path(out)
    clients = [_prepare(Path(c), out) for c in configs]
    slugs = [c.slug for c in clients]
    repeated = sorted({s for s in slugs if slugs.count(s) > 1})
    if repeated:
        raise CxnbError(f"several configs share the report folder {', '.join(repeated)}; give the clients distinct names")
    for client in clients:
        if client.problem is None:
            # absolute: the notebooks run with the staging folder as their working directory
            client.staging = (out / ".staging" / f"{client.slug}-{_stamp()}").resolve()
            for sub in ("notebooks", "steps", "artifacts"):
                (client.staging / sub).mkdir(parents=True)
            save_snapshot(client.bundle, client.staging / "artifacts")
        else:
            progress(f"[{client.name}] not run: {client.problem}")
    _execute_all([c for c in clients if c.problem is None], selected, jobs or default_jobs(), timeout, parameters,
                 progress)
    summary = []
    for client in clients:
        manifest = _manifest(client, selected)
        if client.problem is None:
            (client.staging / "artifacts" / SNAPSHOT).unlink(missing_ok=True)
            write_manifest(manifest, client.staging)
            write_index(client.staging, manifest)
        where = _publish(client, manifest)
        progress(f"[{client.name}] {manifest['status']}: {where / 'index.html' if manifest['status'] == 'ok' else where}")
        summary.append({"client": client.name, "status": manifest["status"], "folder": where})
    staging = out / ".staging"
    if staging.exists() and not any(staging.iterdir()):
        staging.rmdir()
    return RunResult(summary)


def _execute_all(clients: list[_Client], steps: list[StepSpec], jobs: int, timeout: float, parameters: dict,
                 progress) -> None:
    """Run every (client, step), a step only after the steps it reads from have finished."""
    names = {s.name for s in steps}
    pending = {(c.slug, s.name): (c, s) for c in clients for s in steps}
    done: set = set()
    with kernel_pool(jobs) as pool:
        running = {}
        while pending or running:
            ready = [key for key, (c, s) in pending.items()
                     if all((c.slug, r) in done for r in s.reads if r in names)]
            if not ready and not running:
                raise CxnbError(f"steps read each other in a cycle: {', '.join(sorted(k[1] for k in pending))}")
            for key in ready:
                client, step = pending.pop(key)
                running[pool.submit(_execute, _task(client, step, timeout, parameters))] = (client, step)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                client, step = running.pop(future)
                result = future.result()
                client.results[step.name] = result
                done.add((client.slug, step.name))
                error = result["error"]
                detail = f" — cell {error.get('cell', '?')}: {error['ename']}: {error['evalue']}" if error else ""
                progress(f"[{client.name}] {step_title(step.name)}: {result['status']} "
                         f"({result['duration_s']:.1f} s){detail}")
