"""Where the kit's own files live. Nothing else in the package hard-codes a path."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ROOT", "TEMPLATES", "SAMPLES", "NOTEBOOKS", "REPORTS", "DOCS", "template", "sample_dir"]

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SAMPLES = ROOT / "data" / "samples"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
DOCS = ROOT / "docs"


def template(name: str) -> Path:
    """Path of a file in ``templates/``, e.g. ``template("client.yaml")``."""
    return TEMPLATES / name


def sample_dir(name: str) -> Path:
    """Folder of the sample company ``name`` (not checked for existence)."""
    return SAMPLES / name
