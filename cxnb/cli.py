"""The ``cxnb`` command.

``cxnb validate CONFIG...`` prints each client's bundle summary, or every problem found.
Exit status: 0 all valid, 1 data problems, 2 an unusable config.

``cxnb run CONFIG... [--steps 4,5] [--out reports/] [--jobs N] [--timeout S] [-p name=value]``
produces one report per client. Exit status: 0 every client and step succeeded, 1 something
failed (the other clients and steps still ran), 2 refused before running (bad parameter).

``cxnb course build [--out course/]`` writes the instructor and student notebooks, the course
README and the glossary once every notebook verifies; exit status 1 when some does not, 2 when
``--config`` does not load.
``cxnb course check NOTEBOOK...`` grades students' notebooks: per exercise its score and hint.
Exit status: 0 every exercise passed, 1 some failed, 2 a notebook cannot be graded or ``--config``
does not load (nothing ran).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cxnb.bundle import format_problems, load_bundle
from cxnb.errors import ConfigError, CxnbError, SchemaError
from cxnb.paths import NOTEBOOKS, REPORTS

__all__ = ["main"]

EXIT_OK, EXIT_DATA, EXIT_CONFIG = 0, 1, 2


def _validate(paths: list[str]) -> int:
    status = EXIT_OK
    for path in paths:
        try:
            bundle = load_bundle(path)
        except ConfigError as exc:
            print(f"CONFIG ERROR {exc}", file=sys.stderr)
            status = max(status, EXIT_CONFIG)
            continue
        except SchemaError as exc:
            print(f"INVALID {exc}", file=sys.stderr)
            status = max(status, EXIT_DATA)
            continue
        config = bundle.config
        print(f"OK {config.path}: {config.name} (report folder: {config.slug})")
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(bundle.summary().to_string(index=False))
        if len(bundle.problems):
            print(f"{len(bundle.problems)} note(s):")
            print(format_problems(bundle.problems))
    return status


def _steps(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected step numbers such as 4,5; got {text!r}") from None


def _parameter(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected name=value; got {text!r}")
    return name, value


def _run(args) -> int:
    from cxnb.runner import run

    try:
        result = run(args.configs, steps=args.steps, out=args.out, jobs=args.jobs, timeout=args.timeout,
                     parameters=dict(args.parameter), notebooks=args.notebooks)
    except CxnbError as exc:  # refused before anything ran: parameters, steps, clashing clients
        print(f"REFUSED {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK if result.ok else EXIT_DATA


def _course(args) -> int:
    from cxnb import course

    if args.action == "build":
        try:
            course.build(args.out, notebooks=args.notebooks, config=args.config, jobs=args.jobs, timeout=args.timeout)
        except ConfigError as exc:  # --config does not load: nothing ran
            print(f"REFUSED {exc}", file=sys.stderr)
            return EXIT_CONFIG
        except course.CourseError as exc:
            print(f"FAILED {exc}", file=sys.stderr)
            return EXIT_DATA
        return EXIT_OK
    try:
        results = course.check_all(args.notebooks_graded, notebooks=args.notebooks, config=args.config,
                                   jobs=args.jobs, timeout=args.timeout)
    except (ConfigError, course.CourseError) as exc:
        print(f"CANNOT GRADE {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print("\n".join(result.summary() for result in results))
    return EXIT_OK if all(result.ok for result in results) else EXIT_DATA


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cxnb", description="Customer-experience methodology kit.")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check client configs and their data")
    validate.add_argument("configs", nargs="+", metavar="CONFIG", help="client YAML file(s)")
    runner = commands.add_parser("run", help="produce a report per client")
    runner.add_argument("configs", nargs="+", metavar="CONFIG", help="client YAML file(s)")
    runner.add_argument("--steps", type=_steps, default=None, help="step numbers to run, e.g. 4,5 (default: all)")
    runner.add_argument("--out", type=Path, default=REPORTS, help="reports folder (default: reports/)")
    runner.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: twice the cores)")
    runner.add_argument("--timeout", type=float, default=600, help="seconds a cell may take (default: 600)")
    runner.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="folder of step notebooks (default: notebooks/)")
    runner.add_argument("-p", "--parameter", type=_parameter, action="append", default=[], metavar="NAME=VALUE",
                        help="extra notebook parameter (a string)")
    teach = commands.add_parser("course", help="build the course from the step notebooks; grade a student's notebook")
    actions = teach.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="write instructor and student notebooks, README and glossary")
    build.add_argument("--out", type=Path, default=Path("course"), help="course folder (default: course/)")
    grade = actions.add_parser("check", help="run students' notebooks and print each exercise's score and hint")
    grade.add_argument("notebooks_graded", nargs="+", type=Path, metavar="NOTEBOOK",
                       help="the students' .ipynb files")
    for sub in (build, grade):
        sub.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: twice the cores)")
        sub.add_argument("--notebooks", type=Path, default=NOTEBOOKS,
                         help="folder of the instructor's step notebooks (default: notebooks/)")
        sub.add_argument("--timeout", type=float, default=600, help="seconds a cell may take (default: 600)")
        sub.add_argument("--config", type=Path, default=None,
                         help="client YAML to run the notebooks on (default: each notebook's own, the B2C sample)")
    args = parser.parse_args(argv)
    return {"validate": lambda: _validate(args.configs), "run": lambda: _run(args),
            "course": lambda: _course(args)}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
