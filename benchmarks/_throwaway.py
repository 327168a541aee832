"""What the benchmarks that compare against another library share: a throwaway venv for that
library (never a dependency of the kit) and a child process that reports JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def ensure_venv(venv: Path, packages: list[str], imports: str) -> Path:
    """The python of the throwaway venv at ``venv`` with ``packages`` installed (not timed);
    an existing venv is reused when ``import <imports>`` works in it."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", f"import {imports}"]
    if not python.exists() or subprocess.run(probe, capture_output=True).returncode:
        print(f"creating {venv} with {', '.join(packages)} (not timed) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def child(command: list[str]) -> dict:
    """Run a child process; its last stdout line is JSON (banners go to stderr)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"child failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
