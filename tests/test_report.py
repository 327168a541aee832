"""The sample clients' reports: files, front page from artifacts, offline rendering in Chromium,
customer text escaped everywhere, spreadsheet exports neutralised."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import nbformat

from cxnb import load_sample, sample_truth
from cxnb.kpis import headline, kpi_table
from cxnb.paths import NOTEBOOKS
from cxnb.report import GLOSSARY_PAGE
from cxnb.runner import discover_steps, run
from cxnb.samples import sample_config

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
FORMULA = '=HYPERLINK("http://evil.example/","click me")'
CHROMIUM = shutil.which("chromium")


def _xss_copy(folder: Path) -> Path:
    """The B2C sample under another name, with attack strings in customer text."""
    shutil.copytree(sample_config("b2c").parent, folder)
    for name, column in (("reviews.csv", "text"), ("responses.csv", "comment")):
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        for i, payload in enumerate([*XSS, FORMULA]):
            frame.loc[i, column] = f"{payload} write to me at xss.{i}@example.com"
        frame.to_csv(folder / name, index=False)
    config = folder / "client.yaml"
    config.write_text(config.read_text().replace("name: Brewline Coffee", "name: Script Kiddie Ltd"))
    return config


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    xss = _xss_copy(tmp_path_factory.mktemp("data") / "xss")
    result = run([sample_config("b2c"), sample_config("b2b"), xss], out=out, jobs=2, progress=lambda _: None)
    return out, result


def test_both_sample_reports_are_produced(reports):
    out, result = reports
    assert result.ok, result.clients
    steps = [s.name for s in discover_steps()]
    for slug in ("brewline-coffee", "tallbridge-systems"):
        folder = out / slug
        manifest = json.loads((folder / "manifest.json").read_text())
        assert [s["step"] for s in manifest["steps"]] == steps
        assert all(s["status"] == "ok" for s in manifest["steps"])
        for step in steps:
            assert (folder / "steps" / f"{step}.html").exists() and (folder / "notebooks" / f"{step}.ipynb").exists()
        assert set(manifest["inputs"]) >= {"responses", "tickets", "transactions"}
        assert all(len(i["sha256"]) == 64 for i in manifest["inputs"].values())


def test_front_page_is_built_from_the_artifacts(reports):
    out, _ = reports
    page = (out / "brewline-coffee" / "index.html").read_text()
    expected = headline(kpi_table(load_sample("b2c")))
    nps = next(r for r in expected if r["kpi"] == "nps")
    assert f"<td class=\"num\">{nps['value']}</td>" in page and nps["interval"] in page
    saved = pd.read_parquet(out / "brewline-coffee" / "artifacts" / "04_define_kpis" / "kpi_table.parquet")
    assert saved.set_index("kpi").loc["nps", "n"] == int(nps["n"].replace(",", ""))


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.text, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]
        self.links += [value for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_customer_text_is_escaped_in_every_html_output(reports):
    out, _ = reports
    pages = list((out / "script-kiddie-ltd").rglob("*.html"))
    assert len(pages) == 2 + len(discover_steps())  # index, glossary, a page per step
    shown = ""
    for page in pages:
        parsed = _parse(page)
        assert "script" not in parsed.tags, f"{page.name} has a live <script>"
        assert "img" not in parsed.tags and parsed.handlers == [], f"{page.name} has a live event handler"
        shown += "".join(parsed.text)
    assert any(payload in shown for payload in XSS), "the attack text should be shown, as text"


def test_the_glossary_links_of_a_report_reach_its_glossary_page(reports):
    out, _ = reports
    folder = out / "tallbridge-systems"
    glossary = folder / GLOSSARY_PAGE
    shown = "".join(_parse(glossary).text)
    assert "NPS — Net Promoter Score" in shown and "Difference-in-differences" in shown  # docs/glossary.md headings
    assert GLOSSARY_PAGE in _parse(folder / "index.html").links
    linking = [p.stem for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
               if "](../docs/glossary.md)" in nbformat.read(p, as_version=4).cells[0].source]
    assert linking, "no notebook links the glossary from its overview"
    for step in linking:
        page = folder / "steps" / f"{step}.html"
        links = [link for link in _parse(page).links if "glossary" in link]
        assert links, f"{page.name} lost its glossary link"
        for link in links:
            target = (page.parent / link.split("#")[0]).resolve()
            assert target == glossary.resolve() and target.is_file(), f"{page.name}: {link} leads nowhere"


def test_spreadsheet_exports_neutralise_formulas(reports):
    out, _ = reports
    cells = []
    for csv in (out / "script-kiddie-ltd" / "artifacts").rglob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        cells += [v for column in frame for v in frame[column]]
    assert not any(v.startswith(("=", "+", "@")) for v in cells)
    assert any(v.startswith("'=HYPERLINK") for v in cells), "the formula text should be exported, neutralised"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_reports_render_offline_in_headless_chromium(reports, tmp_path):
    out, _ = reports
    folder = out / "brewline-coffee"
    for page in [folder / "index.html", *sorted((folder / "steps").glob("*.html"))]:
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'profile'}",
             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
        if page.name == "index.html":
            assert "Headline KPIs" in dom and "Net Promoter Score" in dom
            continue
        notebook = json.loads((folder / "notebooks" / page.name.replace(".html", ".ipynb")).read_text())
        charts = sum(1 for c in notebook["cells"] for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {}))
        assert charts >= 1, f"{page.name}: the executed notebook made no chart"
        assert dom.count("<svg") >= charts, f"{page.name}: {charts} charts made, fewer drawn"
        assert "class=\"marks\"" in dom or "role=\"graphics-document\"" in dom


def test_step_6_report_shows_the_count_of_texts_not_in_english(tmp_path):
    # one step, one client: the sentence the step prints above its sentiment charts
    result = run([sample_config("b2c")], steps=[6], out=tmp_path, jobs=1, progress=lambda _: None)
    assert result.ok, result.clients
    (page,) = (tmp_path / "brewline-coffee" / "steps").glob("06_*.html")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.read_text()).split())
    foreign = sum(sample_truth("b2c")["text"]["non_english"].values())  # truth.json: 116 German + 117 French
    assert foreign == 233
    assert f"{foreign} not in English were counted and left unscored" in text
