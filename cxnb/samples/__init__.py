"""Sample companies to learn and test on, with a catalogue.

Each sample is a folder of ``data/samples/`` holding a ``client.yaml``, its data files and a
``truth.json`` describing the effects the generator planted (see ``data/samples/README.md``).

>>> sample_names()
['b2b', 'b2c']
>>> load_sample("b2x")
Traceback (most recent call last):
...
cxnb.errors.SampleError: no sample company 'b2x'; choose one of: b2b, b2c
"""

from __future__ import annotations

import json
from pathlib import Path

from cxnb.bundle import Bundle, load_bundle
from cxnb.errors import SampleError
from cxnb.paths import SAMPLES, sample_dir

__all__ = ["sample_names", "sample_config", "sample_truth", "load_sample"]


def sample_names() -> list[str]:
    """Names of the bundled sample companies."""
    return sorted(p.parent.name for p in SAMPLES.glob("*/client.yaml"))


def sample_config(name: str) -> Path:
    """Path of a sample company's ``client.yaml``; lists the valid names when ``name`` is unknown."""
    path = sample_dir(name) / "client.yaml"
    if name not in sample_names():
        raise SampleError(f"no sample company {name!r}; choose one of: {', '.join(sample_names())}")
    return path


def sample_truth(name: str) -> dict:
    """The effects planted in a sample company (its ``truth.json``)."""
    return json.loads((sample_config(name).parent / "truth.json").read_text(encoding="utf-8"))


def load_sample(name: str) -> Bundle:
    """Load a sample company's validated bundle, e.g. ``load_sample("b2c")``."""
    return load_bundle(sample_config(name))
