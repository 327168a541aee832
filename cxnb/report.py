"""Report files: a step notebook as offline HTML, the client's index page, the manifest.

The HTML uses the kit's nbconvert template (``cxnb/report_template/cxnb``): JupyterLab's
layout with code hidden and nothing loaded from the network — charts are inline SVG, and
require.js, MathJax, mermaid and the widget manager are left out (offline they fail, and
MathJax would typeset "$50 … $20" in customer text as maths). Text from data reaches the page
only through escaped tables and :meth:`cxnb.step.Step.say`.

The notebooks' overviews link the glossary of CX terms (``docs/glossary.md``), which a report does
not ship: :func:`write_index` renders it as ``glossary.html`` beside the front page, and the step
pages (one folder down, in ``steps/``) link to that page instead.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nbconvert import HTMLExporter
from nbconvert.filters.markdown import markdown2html
from nbconvert.preprocessors import TagRemovePreprocessor

from cxnb.paths import DOCS

__all__ = ["TEMPLATES", "HIDDEN_TAGS", "GLOSSARY", "GLOSSARY_PAGE", "export_html", "write_index", "write_manifest",
           "step_title"]

TEMPLATES = Path(__file__).parent / "report_template"
GLOSSARY = DOCS / "glossary.md"  # the CX terms; each notebook's overview links it
GLOSSARY_PAGE = "glossary.html"  # the glossary in a report, beside index.html
_GLOSSARY_LINK = re.compile(r"\]\(\.\./docs/glossary\.md(?=[#)])")  # as a notebook links it
HIDDEN_TAGS = {"parameters", "injected-parameters", "exercise", "solution"}
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.M)
_ACTIVE_SVG = re.compile(r"<script|<foreignObject|\son\w+\s*=|javascript:", re.I)


def step_title(name: str) -> str:
    """``"04_define_kpis"`` → ``"4 · Define KPIs"``."""
    number, _, words = name.partition("_")
    text = words.replace("_", " ").capitalize().replace("Kpis", "KPIs").replace("kpis", "KPIs")
    return f"{int(number)} · {text}"


def _toc(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(anchor, title) of every ``##`` heading, anchors as nbconvert writes them."""
    titles = [m.group(1) for cell in nb.cells if cell.cell_type == "markdown" for m in _HEADING.finditer(cell.source)]
    return [(title.replace(" ", "-"), title) for title in titles]


def _for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` as a step page shows it: charts as inline SVG (one that could run code is
    shown as a notice instead) and the glossary link pointing at the report's glossary page."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _GLOSSARY_LINK.sub(f"](../{GLOSSARY_PAGE}", cell.source)
        for output in cell.get("outputs", []):
            svg = output.get("data", {}).get("image/svg+xml")
            if svg is not None and _ACTIVE_SVG.search(svg):
                output["data"] = {"text/plain": "[chart removed: its SVG contained script or event handlers]"}
    return nb


def export_html(nb: nbformat.NotebookNode, path: Path, *, context: dict) -> Path:
    """Write ``nb`` as a self-contained HTML page with code hidden.

    ``context`` fills the page header: ``client, step, cycle, period, run_date`` and, for a
    failed step, ``failed`` (the error message).
    """
    exporter = HTMLExporter(template_name="cxnb", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    resources = {"metadata": {"name": f"{context['client']} — {context['step']}"},
                 "cxnb": {**context, "toc": _toc(nb)}}
    body, _ = exporter.from_notebook_node(_for_report(nb), resources=resources)
    path.write_text(body, encoding="utf-8")
    return path


def write_manifest(manifest: dict, folder: Path) -> Path:
    """``manifest.json`` of a run."""
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return path


def _facts(artifacts: Path) -> dict[str, dict]:
    """Every step's ``facts.json`` by step name, in step order."""
    return {path.parent.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(artifacts.glob("*/facts.json"))}


def write_index(folder: Path, manifest: dict) -> Path:
    """``index.html`` of a client's report, built from the manifest and the steps' facts, and the
    ``glossary.html`` page it and the step pages link to.

    The front page shows the headline KPIs, then every step's findings under the step's title (in
    the method's order, so step 6's ranked insights and step 7's prioritised actions are never
    crowded out by earlier steps), then the steps' run status."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    glossary = env.get_template("glossary.html.j2").render(client=manifest["client"],
                                                           body=markdown2html(GLOSSARY.read_text(encoding="utf-8")))
    (folder / GLOSSARY_PAGE).write_text(glossary, encoding="utf-8")
    facts = _facts(folder / "artifacts")
    steps = [{**s, "title": step_title(s["step"]), "findings": facts.get(s["step"], {}).get("findings", [])}
             for s in manifest["steps"]]
    page = env.get_template("page.html.j2").render(
        client=manifest["client"], cycle=manifest.get("cycle") or "–", period=manifest.get("period") or "–",
        run_date=manifest["started"][:16].replace("T", " "), status=manifest["status"],
        headline=[row for f in facts.values() for row in f.get("headline", [])],
        steps=steps, glossary=GLOSSARY_PAGE)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
