"""What a step notebook calls: one :func:`setup`, then helpers to show, state and save.

A notebook's ``parameters`` cell names ``config`` (a client YAML file), ``output_dir`` (the
folder of the run's artifacts) and ``interactive``; its setup cell is one call::

    step = cxnb.setup("04_define_kpis", config=config, output_dir=output_dir, interactive=interactive)

which loads the client's validated bundle, makes charts render as inline SVG (offline, small,
deterministic) in the kit's theme, and returns a :class:`Step`. Findings are sentences built
from computed values with :meth:`Step.say`, which escapes every value, so customer text can
never become live HTML in a report.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxnb.bundle import Bundle, load_bundle, load_snapshot
from cxnb.config import ClientConfig, load_config
from cxnb.exports import to_csv
from cxnb.paths import REPORTS
from cxnb.samples import sample_config

__all__ = ["Step", "setup", "escape_markdown"]

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def escape_markdown(text: str) -> str:
    """Text shown literally inside Markdown: HTML-escaped, Markdown specials backslashed.

    >>> escape_markdown("<script>alert(1)</script> costs $5 *now*")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt; costs \\\\$5 \\\\*now\\\\*'
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(str(text), quote=False))


@dataclass
class Step:
    """A running step: its client, data and artifact folder."""

    name: str
    config: ClientConfig
    bundle: Bundle
    artifacts: Path
    interactive: bool = False

    def _repr_markdown_(self) -> str:
        tables = self.bundle.tables
        rows = sum(len(t) for t in tables.values())
        cycle = f" · cycle {escape_markdown(self.config.cycle)}" if self.config.cycle else ""
        return (f"**{escape_markdown(self.config.name)}**{cycle} · {len(tables)} tables, {rows:,} rows: "
                + ", ".join(f"{name} {len(t):,}" for name, t in tables.items()))

    @property
    def folder(self) -> Path:
        """This step's artifact folder (created on first save)."""
        return self.artifacts / self.name

    def save(self, name: str, frame: pd.DataFrame) -> None:
        """Save a table as Parquet (for later steps) and CSV (for people; formulas neutralised).
        Returns nothing, so a cell ending with a save shows no file path in the report."""
        self.folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(self.folder / f"{name}.parquet", index=False)
        to_csv(frame, self.folder / f"{name}.csv")

    def facts(self, **facts) -> None:
        """Record facts (numbers, short texts) in ``facts.json``; the report's index reads them."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "facts.json"
        merged = (json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}) | facts
        path.write_text(json.dumps(merged, indent=2, default=str, ensure_ascii=False), encoding="utf-8")

    def read(self, step: str, name: str) -> pd.DataFrame | None:
        """A table another step saved in this run, or None when that step has not produced it."""
        path = self.artifacts / step / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    def say(self, template: str, **values):
        """Markdown built from computed values, each escaped; e.g.
        ``step.say("NPS is **{nps:+.0f}** (n = {n:,})", nps=31.2, n=1520)``."""
        from IPython.display import Markdown

        safe = {k: (escape_markdown(v) if isinstance(v, str) else v) for k, v in values.items()}
        return Markdown(template.format(**safe))

    def bullets(self, sentences):
        """Sentences as a bulleted list, each shown as written: a sentence that starts with "#1"
        or holds "$", "*" or "_" is not read as Markdown (a heading, maths, emphasis). Only a
        code span stays one: the kit's sentences name config keys so (`previous_report`).

        >>> step = Step("07_refine_the_process", None, Bundle.__new__(Bundle), Path("."))
        >>> print(step.bullets(["#1 Fix the app (priority 0.50)", "costs $5 *now*", "set `previous_report`"]).data)
        - \\#1 Fix the app \\(priority 0\\.50\\)
        - costs \\$5 \\*now\\*
        - set `previous_report`
        """
        from IPython.display import Markdown

        def shown(sentence: str) -> str:
            parts = _CODE_SPAN.split(str(sentence))
            return "".join(part if i % 2 else escape_markdown(part) for i, part in enumerate(parts))

        return Markdown("\n".join(f"- {shown(sentence)}" for sentence in sentences))

    def lacks(self, table: str, *columns: str) -> str | None:
        """Why a section needing ``table`` with values in ``columns`` cannot run for this client,
        as a sentence to show in its place; None when everything is there.

        >>> step = Step("04_define_kpis", None, Bundle.__new__(Bundle), Path("."))
        >>> step.bundle.tables = {"responses": pd.DataFrame({"nps": [9, 10], "channel": [None, None]})}
        >>> step.lacks("responses", "nps", "channel")
        'Skipped: the responses table has no values in channel.'
        >>> step.lacks("tickets", "csat")
        'Skipped: this client has no tickets table.'
        """
        frame = self.bundle.tables.get(table)
        if frame is None:
            return f"Skipped: this client has no {table} table."
        missing = [c for c in columns if c not in frame.columns or frame[c].isna().all()]
        return f"Skipped: the {table} table has no values in {', '.join(missing)}." if missing else None

    def table(self, frame: pd.DataFrame, *, floats: str = "{:,.1f}", index: bool = False):
        """A table for the report: escaped cells, rounded numbers, no index."""
        from IPython.display import HTML

        return HTML(frame.to_html(index=index, escape=True, float_format=floats.format, na_rep="–",
                                  classes="cxnb-table", border=0))


def setup(name: str, *, config: str | Path | None = None, output_dir: str | Path | None = None,
          interactive: bool = False) -> Step:
    """Start step ``name`` (e.g. ``"04_define_kpis"``) for a client config (default: the B2C sample).

    ``output_dir`` is the run's artifact folder; by default ``reports/.interactive/<client>/artifacts``.
    In a ``cxnb run`` the runner has validated the bundle already and left it there; it is
    reused instead of reading the sources again.
    """
    import altair as alt

    from cxnb.charts import use_theme

    client = load_config(config or sample_config("b2c"))
    artifacts = Path(output_dir) if output_dir else REPORTS / ".interactive" / client.slug / "artifacts"
    bundle = load_snapshot(artifacts, client) or load_bundle(client)
    alt.renderers.enable("svg")
    use_theme()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.float_format", "{:,.2f}".format)
    return Step(name, client, bundle, artifacts, bool(interactive))
