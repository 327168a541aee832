"""The ``cxnb`` command.

``cxnb validate CONFIG...`` prints each client's bundle summary, or every problem found.
Exit status: 0 all valid, 1 data problems, 2 an unusable config.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cxnb.bundle import format_problems, load_bundle
from cxnb.errors import ConfigError, SchemaError

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
            print(f"{len(bundle.problems)} warning(s):")
            print(format_problems(bundle.problems))
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cxnb", description="Customer-experience methodology kit.")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check client configs and their data")
    validate.add_argument("configs", nargs="+", metavar="CONFIG", help="client YAML file(s)")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return _validate(args.configs)
    return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
