"""Set-up files stay in step: environment.yml lists what pyproject.toml declares."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d.lower() for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")}
    assert conda == {n: r.replace(" ", "").lower() for n, r in wanted.items()}  # conda names are lower case
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make report" in readme
    assert ci.strip().splitlines()[-1] == "make test"


def test_kernel_is_registered_inside_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    assert "ipykernel install --sys-prefix --name cxnb" in makefile


def test_cli_entry_point_is_installed():
    result = subprocess.run([Path(sys.executable).parent / "cxnb", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "validate" in result.stdout
