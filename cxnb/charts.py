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

__all__ = ["THEME", "use_theme", "kpi_dots", "kpi_trend", "kpi_tree", "heatmap", "bars", "funnel", "process_map", "journey_map", "quadrants"]

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


def funnel(frame: pd.DataFrame, *, title: str, stage: str = "stage") -> alt.LayerChart:
    """Journeys reaching each stage (bars, in stage order) with the conversion to the next stage
    and its interval written beside each bar. ``frame`` as :func:`cxnb.journey.funnel` returns it."""
    data = frame.copy()
    for column in ("reached", "conversion", "ci_low", "ci_high"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    data["label"] = [f"{c:.0f}% go on [{lo:.0f}–{hi:.0f}]" if pd.notna(c) else ""
                     for c, lo, hi in zip(data["conversion"], data["ci_low"], data["ci_high"])]
    order = data[stage].tolist()
    y = alt.Y(f"{stage}:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar(color=_ACCENT).encode(
        x=alt.X("reached:Q", title="journeys reaching the stage"), y=y,
        tooltip=[f"{stage}:N", alt.Tooltip("reached:Q", format=","), alt.Tooltip("conversion:Q", format=".1f")])
    text = alt.Chart(data).mark_text(align="left", dx=6, color=_INK).encode(x="reached:Q", y=y, text="label:N")
    return alt.layer(bars, text).properties(title=title, height=alt.Step(34))


def process_map(edges: pd.DataFrame, *, title: str, columns: dict[str, int], top: int = 40) -> alt.LayerChart:
    """A directly-follows graph laid out left to right: each activity in the column of its stage
    (``columns``: activity → stage position), activities of one stage stacked in the order
    ``columns`` lists them (the designed order of the event → stage map); the ``top`` most
    frequent transitions drawn, thicker for more journeys. Self-loops are listed in the tooltip
    of their node rather than drawn. ``edges``: ``source, target, count`` (as
    :func:`cxnb.journey.directly_follows` returns them)."""
    shown = edges[edges["source"].isin(columns) & edges["target"].isin(columns)]
    loops = shown[shown["source"] == shown["target"]].set_index("source")["count"]
    shown = shown[shown["source"] != shown["target"]].nlargest(top, "count").copy()
    listed = {activity: i for i, activity in enumerate(columns)}
    nodes = pd.DataFrame({"activity": sorted(set(shown["source"]) | set(shown["target"]),
                                              key=lambda a: (columns[a], listed[a]))})
    nodes["x"] = nodes["activity"].map(columns)
    nodes["y"] = nodes.groupby("x").cumcount()
    nodes["y"] = nodes["y"] - nodes.groupby("x")["y"].transform("max") / 2  # centre each column
    nodes["loops"] = nodes["activity"].map(loops).fillna(0).astype(int)
    place = nodes.set_index("activity")
    shown["x"], shown["y"] = shown["source"].map(place["x"]), shown["source"].map(place["y"])
    shown["x2"], shown["y2"] = shown["target"].map(place["x"]), shown["target"].map(place["y"])
    x_scale = alt.Scale(domain=[nodes["x"].min() - 0.5, nodes["x"].max() + 0.5])
    x = alt.X("x:Q", axis=None, scale=x_scale)
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[nodes["y"].max() + 0.7, nodes["y"].min() - 0.7]))
    arrows = alt.Chart(shown).mark_rule(color=_MUTED, opacity=0.7).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", strokeWidth=alt.StrokeWidth("count:Q", scale=alt.Scale(range=[0.5, 7]),
                                                                     legend=None),
        tooltip=["source:N", "target:N", alt.Tooltip("count:Q", format=",")])
    dots = alt.Chart(nodes).mark_circle(size=260, color=_ACCENT).encode(
        x=x, y=y, tooltip=["activity:N", alt.Tooltip("loops:Q", title="repeats in a row")])
    names = alt.Chart(nodes).mark_text(dy=-13, fontSize=10, color=_INK).encode(x=x, y=y, text="activity:N")
    height = max(220, 34 * int(nodes.groupby("x").size().max()))
    return alt.layer(arrows, dots, names).properties(title=title, width=760, height=height)


def journey_map(stages: pd.DataFrame, *, title: str) -> alt.VConcatChart:
    """The journey map: stages across, one lane each for touchpoints, channels, the emotion curve
    (score with its interval band), pain points (larger red dot = larger pain score) and
    opportunities. ``stages`` has one row per stage in journey order with ``name, touchpoints,
    channels, value, ci_low, ci_high, n, pain, opportunity`` (texts already short)."""
    data = stages.copy()
    for column in ("value", "ci_low", "ci_high", "pain"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    order = data["name"].tolist()
    x_top = alt.X("name:N", sort=order, title=None, axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=12,
                                                                     labelFontWeight="bold"))
    x = alt.X("name:N", sort=order, title=None, axis=None)
    width = max(520, 120 * len(order))

    def lane(chart, label, height=46):
        return chart.properties(width=width, height=height, title=alt.TitleParams(label, anchor="start", fontSize=12))

    def words(column, label, axis=x):
        return lane(alt.Chart(data).mark_text(fontSize=10, lineBreak="; ", color=_INK).encode(x=axis, text=f"{column}:N"),
                    label)

    band = alt.Chart(data).mark_area(opacity=0.18, color=_ACCENT).encode(
        x=x, y=alt.Y("ci_low:Q", title="NPS"), y2="ci_high:Q")
    line = alt.Chart(data).mark_line(point=True, color=_ACCENT).encode(
        x=x, y="value:Q", tooltip=["name:N", alt.Tooltip("value:Q", format="+.0f"), "n:Q"])
    pain = alt.Chart(data).mark_circle(color="#dc2626").encode(
        x=x, size=alt.Size("pain:Q", scale=alt.Scale(range=[20, 900]), legend=None),
        tooltip=["name:N", alt.Tooltip("pain:Q", format=".3f")])
    return alt.vconcat(
        words("touchpoints", "Touchpoints", x_top), words("channels", "Channels"),
        lane(alt.layer(band, line), "Emotion (NPS with 95% interval)", 120), lane(pain, "Pain points", 50),
        words("opportunity", "Opportunities"), spacing=4).properties(title=title)


def quadrants(frame: pd.DataFrame, *, title: str, label: str = "driver", x: str = "performance",
              y: str = "importance", colour: str = "quadrant") -> alt.LayerChart:
    """Importance–performance map: one labelled dot per driver, dashed lines at the means of the
    two axes (the quadrant boundaries), dots coloured by quadrant."""
    data = frame.copy()
    for column in (x, y):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    means = pd.DataFrame({x: [data[x].mean()], y: [data[y].mean()]})
    dots = alt.Chart(data).mark_point(size=110).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(zero=False)), y=alt.Y(f"{y}:Q", scale=alt.Scale(zero=False)),
        color=alt.Color(f"{colour}:N", title=None), tooltip=[f"{label}:N", alt.Tooltip(f"{x}:Q", format=".2f"),
                                                             alt.Tooltip(f"{y}:Q", format=".1f"), f"{colour}:N"])
    names = alt.Chart(data).mark_text(dy=-10, fontSize=10, color=_INK).encode(x=f"{x}:Q", y=f"{y}:Q", text=f"{label}:N")
    vertical = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=_MUTED).encode(x=f"{x}:Q")
    horizontal = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=_MUTED).encode(y=f"{y}:Q")
    return alt.layer(vertical, horizontal, dots, names).properties(title=title, width=560, height=340)
