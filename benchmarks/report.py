"""Benchmark: the full report (every step notebook) for the B2C sample.

Kit: ``cxnb run`` (papermill's Python API in worker processes, as many at once as the runner's
default, HTML export in the same worker). Baseline, in the same session on the same notebooks: one by one, the
``papermill`` command line then the ``jupyter nbconvert --to html --no-input`` command line.
Target (issue "Client reports"): at least 2x faster than the baseline on 2 cores.

    .venv/bin/python benchmarks/report.py [--jobs N]   (default: the runner's, twice the cores)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cxnb.runner import KERNEL, _kernel_folder, default_jobs, discover_steps, run
from cxnb.samples import sample_config


def baseline(folder: Path, kernels: str) -> dict[str, float]:
    """Each notebook through the papermill CLI, then the nbconvert CLI; seconds per step."""
    bin_dir = Path(sys.executable).parent
    env = os.environ | {"JUPYTER_PATH": kernels}
    times = {}
    for step in discover_steps():
        start = time.perf_counter()
        executed = folder / step.path.name
        subprocess.run([bin_dir / "papermill", str(step.path), str(executed), "-k", KERNEL, "--no-progress-bar",
                        "-p", "config", str(sample_config("b2c")), "-p", "output_dir", str(folder / "artifacts")],
                       check=True, capture_output=True, env=env)
        subprocess.run([bin_dir / "jupyter", "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True, env=env)
        times[step.name] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = run([sample_config("b2c")], out=Path(tmp) / "reports", jobs=args.jobs, progress=lambda _: None)
        kit = time.perf_counter() - start
        manifest = json.loads((result.clients[0]["folder"] / "manifest.json").read_text())
        kernels = _kernel_folder()
        base_folder = Path(tmp) / "baseline"
        base_folder.mkdir()
        start = time.perf_counter()
        base_steps = baseline(base_folder, kernels)
        base = time.perf_counter() - start
    print(f"{'step':<34}{'cxnb run (in worker)':>22}{'papermill + nbconvert CLI':>28}")
    for step in manifest["steps"]:
        print(f"{step['step']:<34}{step['duration_s']:>21.1f}s{base_steps[step['step']]:>27.1f}s")
    print(f"{'total wall time':<34}{kit:>21.1f}s{base:>27.1f}s")
    print(f"speed-up: {base / kit:.1f}x with --jobs {args.jobs} (target >= 2x); report status {manifest['status']}")


if __name__ == "__main__":
    main()
