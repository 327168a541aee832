"""Shared fixtures: the trap files in tests/data and a way to write a small client config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parent / "data"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference-data"


def reference(*parts: str) -> Path:
    """A file of the shared reference data (``../shared/reference-data`` beside the project),
    or skip the calling test saying where it was looked for."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is not available (the shared reference-data folder is optional)")
    return path


@pytest.fixture
def make_config(tmp_path):
    """Write a client config to a temporary folder; ``sources`` maps table → file in tests/data
    (or a dict of source options). Returns the config path."""

    def write(sources: dict, **top) -> Path:
        entries = {}
        for table, spec in sources.items():
            spec = {"path": spec} if isinstance(spec, str) else dict(spec)
            spec["path"] = str(DATA / spec["path"])
            entries[table] = spec
        config = {"name": "Test Client", "timezone": "UTC", **top, "sources": entries}
        path = tmp_path / "client.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path

    return write
