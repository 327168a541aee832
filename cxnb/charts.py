"""Chart builders and the kit's altair theme.

Every builder takes ``title`` as a required keyword, draws the interval of every figure that
has one, and marks figures whose base is below the minimum instead of hiding the flag.
Builders only take frames; they never load data. Registering the theme does not enable it:
:func:`use_theme` does, once, from the notebook's setup.

>>> import pandas as pd
>>> frame = pd.DataFrame({"group": ["chat", "phone"], "n": [120, 12], "value": [31.0, -5.0],
...                       "ci_low": [18.5, -40.2], "ci_high": [42.1, 30.7], "flag": ["", "insufficient_base"]})
>>> spec = kpi_dots(frame, title="NPS by channel", category="group", target=30).to_dict()
>>> spec["title"]
'NPS by channel'
"""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["THEME", "use_theme", "kpi_dots", "kpi_trend", "kpi_tree", "heatmap", "bars"]

THEME = "cxnb"
_INK, _ACCENT, _MUTED, _TARGET = "#1f2933", "#2563eb", "#9aa5b1", "#d97706"
_FLAGGED = "insufficient_base"


@alt.theme.register(THEME, enable=False)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": "Helvetica, Arial, sans-serif",
            "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
            "title": {"anchor": "start", "fontSize": 15, "color": _INK, "subtitleColor": _MUTED},
            "axis": {"labelColor": _INK, "titleColor": _INK, "gridColor": "#e4e7eb", "domainColor": _MUTED},
            "range": {"category": [_ACCENT, "#059669", "#dc2626", _TARGET, "#7c3aed", "#0891b2", "#db2777"]},
            "point": {"filled": True, "size": 70},
        }
    }


def use_theme() -> None:
    """Make the kit's theme the active altair theme."""
    alt.theme.enable(THEME)


def _plain(frame: pd.DataFrame, numbers: list[str]) -> pd.DataFrame:
    """A copy safe to serialise: nullable numbers as floats, a readable base label."""
    out = frame.copy()
    for column in numbers:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    flags = out["flag"].fillna("") if "flag" in out else pd.Series("", index=out.index)
    out["base"] = [("n too small" if flag == _FLAGGED else "") for flag in flags]
    return out


def _target_rule(target: float | None, channel: str, label: str) -> list[alt.Chart]:
    if target is None:
        return []
    data = pd.DataFrame({channel: [target], "label": [label]})
    encoding = {channel: alt.X(f"{channel}:Q") if channel == "x" else alt.Y(f"{channel}:Q")}
    return [alt.Chart(data).mark_rule(color=_TARGET, strokeDash=[6, 4], size=2).encode(
        **encoding, tooltip=["label:N", f"{channel}:Q"])]


_METRIC_COLUMNS = {"period", "n", "value", "ci_low", "ci_high", "flag"}


def kpi_dots(frame: pd.DataFrame, *, title: str, category: str | None = None, value: str = "value",
             unit: str = "", target: float | None = None) -> alt.LayerChart:
    """One dot per group with its interval as a bar; a dashed line at the target.

    ``frame`` needs ``category`` (default: its first column, the grouping column of a
    :mod:`cxnb.metrics` frame), ``value, ci_low, ci_high, n``, and may have ``flag``; groups
    flagged ``insufficient_base`` are drawn hollow and grey.
    """
    category = category or next(c for c in frame.columns if c not in _METRIC_COLUMNS)
    data = _plain(frame, [value, "ci_low", "ci_high"])
    axis_title = f"{value} ({unit})" if unit else value
    y = alt.Y(f"{category}:N", sort=alt.EncodingSortField(value, order="descending"), title=None)
    tooltip = [f"{category}:N", alt.Tooltip(f"{value}:Q", format=".1f"), alt.Tooltip("ci_low:Q", format=".1f"),
               alt.Tooltip("ci_high:Q", format=".1f"), "n:Q", "base:N"]
    bars = alt.Chart(data).mark_rule(size=3, color=_MUTED).encode(
        x=alt.X("ci_low:Q", title=axis_title), x2="ci_high:Q", y=y)
    dots = alt.Chart(data).mark_point(size=90).encode(
        x=f"{value}:Q", y=y, tooltip=tooltip,
        color=alt.condition(alt.datum.base == "", alt.value(_ACCENT), alt.value(_MUTED)),
        fill=alt.condition(alt.datum.base == "", alt.value(_ACCENT), alt.value("white")))
    return alt.layer(bars, dots, *_target_rule(target, "x", "target")).properties(title=title)


def kpi_trend(frame: pd.DataFrame, *, title: str, period: str = "period", value: str = "value",
              unit: str = "", target: float | None = None, color: str | None = None) -> alt.LayerChart:
    """A line per series over time with its interval as a band; a dashed line at the target."""
    data = _plain(frame, [value, "ci_low", "ci_high"])
    x = alt.X(f"{period}:T", title=None)
    series = {"color": alt.Color(f"{color}:N", title=None)} if color else {}
    axis_title = f"{value} ({unit})" if unit else value
    band = alt.Chart(data).mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("ci_low:Q", title=axis_title), y2="ci_high:Q", **series)
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=f"{value}:Q", tooltip=[alt.Tooltip(f"{period}:T"), alt.Tooltip(f"{value}:Q", format=".1f"),
                                       "n:Q", "base:N"], **series)
    return alt.layer(band, line, *_target_rule(target, "y", "target")).properties(title=title)


# Columns of the KPI tree, left to right: operations → experience → loyalty → outcome.
_TREE_LAYOUT = {"first_response_time": (0, 0), "resolution_time": (0, 1), "ces": (0, 2), "csat": (1, 0.5),
                "nps": (2, 1.25), "churn": (3, 1.25)}


def kpi_tree(edges: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """The KPI tree: each KPI a node, each measured link an arrow labelled with its value and interval.

    ``edges`` has ``driver, outcome, value, ci_low, ci_high, n`` (see :func:`cxnb.kpis.kpi_tree`).
    """
    known = edges[edges["driver"].isin(_TREE_LAYOUT) & edges["outcome"].isin(_TREE_LAYOUT)].copy()
    for end, (x, y) in (("driver", ("x", "y")), ("outcome", ("x2", "y2"))):
        known[x] = known[end].map(lambda k: _TREE_LAYOUT[k][0])
        known[y] = known[end].map(lambda k: _TREE_LAYOUT[k][1])
    known["mx"], known["my"] = (known["x"] + known["x2"]) / 2, (known["y"] + known["y2"]) / 2
    known["label"] = [f"{v:+.2f} [{lo:+.2f}, {hi:+.2f}]" if abs(v) <= 1 else f"{v:+.1f} [{lo:+.1f}, {hi:+.1f}]"
                      for v, lo, hi in zip(known["value"], known["ci_low"], known["ci_high"])]
    nodes = pd.DataFrame([{"kpi": k, "x": x, "y": y} for k, (x, y) in _TREE_LAYOUT.items()
                          if k in set(known["driver"]) | set(known["outcome"])])
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-0.4, 3.4]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[2.4, -0.4]))
    links = alt.Chart(known).mark_rule(color=_MUTED, strokeWidth=2).encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
    labels = alt.Chart(known).mark_text(fontSize=11, color=_INK, dy=-8).encode(
        x=alt.X("mx:Q", axis=None, scale=alt.Scale(domain=[-0.4, 3.4])),
        y=alt.Y("my:Q", axis=None, scale=alt.Scale(domain=[2.4, -0.4])), text="label:N",
        tooltip=["driver:N", "outcome:N", "link:N", "n:Q"])
    dots = alt.Chart(nodes).mark_circle(size=900, color=_ACCENT, opacity=0.15).encode(x=x, y=y)
    names = alt.Chart(nodes).mark_text(fontSize=13, fontWeight="bold", color=_INK).encode(x=x, y=y, text="kpi:N")
    return alt.layer(links, labels, dots, names).properties(title=title, width=620, height=260)


def heatmap(frame: pd.DataFrame, *, title: str, x: str, y: str, value: str, fmt: str = ",.0f") -> alt.LayerChart:
    """A table of counts as coloured cells with the number written in each; empty cells stand out."""
    data = frame.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype("float64")
    base = alt.Chart(data).encode(x=alt.X(f"{x}:N", title=None, sort=None), y=alt.Y(f"{y}:N", title=None, sort=None))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.condition(alt.datum[value] > 0, alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"),
                                                            legend=None), alt.value("#fdecea")),
        tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip(f"{value}:Q", format=fmt)])
    labels = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=fmt), color=alt.value(_INK))
    return alt.layer(cells, labels).properties(title=title, width=alt.Step(78), height=alt.Step(30))


def bars(frame: pd.DataFrame, *, title: str, category: str, value: str, unit: str = "") -> alt.Chart:
    """Horizontal bars, largest first."""
    data = frame.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype("float64")
    return alt.Chart(data).mark_bar(color=_ACCENT).encode(
        x=alt.X(f"{value}:Q", title=f"{value} ({unit})" if unit else value),
        y=alt.Y(f"{category}:N", sort="-x", title=None),
        tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=",.1f")]).properties(title=title)
